//! S3 bucket access control lists as the evaluator reads them: whom a grant
//! names, and which actions each ACL permission stands for (AWS's "mapping of ACL
//! permissions and access policy permissions"). A grant allows like a resource
//! policy statement without conditions: to anyone or any account outright, to an
//! account only as far as that account's own policies allow too.

/// Whom an ACL grant names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grantee {
    /// The `AllUsers` group: anyone, anonymous requests included.
    Anyone,
    /// The `AuthenticatedUsers` group: any signed request, of any AWS account.
    AnyAccount,
    /// One account: its id when the scan knows which account a canonical user
    /// is, otherwise the grantee as the ACL names it (`canonical_user:…`).
    Account(String),
}

/// One grant of a bucket's ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclEntry {
    pub grantee: Grantee,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
    /// How evidence names the grant: `READ to group:AllUsers`.
    pub label: String,
}

/// The bucket actions a bucket ACL permission allows.
fn actions_of(permission: &str) -> &'static [&'static str] {
    match permission {
        "READ" => &["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
        "WRITE" => &["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        "READ_ACP" => &["s3:GetBucketAcl"],
        "WRITE_ACP" => &["s3:PutBucketAcl"],
        _ => &[],
    }
}

impl AclEntry {
    /// Whether the grant's permission covers `action` (on the bucket or its objects).
    pub fn allows(&self, action: &str) -> bool {
        let covers = |p: &str| actions_of(p).iter().any(|a| a.eq_ignore_ascii_case(action));
        if self.permission == "FULL_CONTROL" {
            ["READ", "WRITE", "READ_ACP", "WRITE_ACP"].into_iter().any(covers)
        } else {
            covers(&self.permission)
        }
    }
}

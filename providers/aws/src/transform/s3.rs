//! S3 buckets to model assets: policy, ACL grants, public access block, default
//! encryption, versioning and logging as read (`None` where a call failed).

use auditgraph_model::aws::{self, AclGrant, BucketEncryption};
use auditgraph_model::policy::PolicyDocument;
use auditgraph_model::{AssetId, Attributes};
use aws_sdk_s3::types::{Grant, Type};

use super::{public_access_block, tags, Out};
use crate::arn::kms_key;
use crate::get::s3::S3Data;

pub fn transform(out: &mut Out, d: &S3Data) {
    for b in d.buckets.iter().flatten() {
        let Some(name) = b.bucket.name() else { continue };
        let id = AssetId::new(format!("arn:aws:s3:::{name}"));
        let policy = match &b.policy {
            None => None,
            Some(None) => Some(PolicyDocument::default()),
            Some(Some(text)) => out.policy(&id, ("s3", "GetBucketPolicy", None), text),
        };
        let encryption = b.encryption.as_ref().map(|e| {
            let rule =
                e.as_ref().and_then(|c| c.rules().iter().find_map(|r| r.apply_server_side_encryption_by_default()));
            BucketEncryption {
                algorithm: rule.map(|r| r.sse_algorithm().as_str().to_string()),
                kms_key: rule.and_then(|r| r.kms_master_key_id()).map(|k| kms_key(k, &b.region, &out.account)),
            }
        });
        let attrs = aws::S3Bucket {
            policy,
            acl_grants: b.acl.as_ref().map(|acl| acl.grants().iter().filter_map(grant).collect()),
            owner_canonical_id: b.acl.as_ref().and_then(|acl| acl.owner()?.id().map(str::to_string)),
            public_access_block: b.public_access_block.as_ref().map(|p| {
                p.as_ref()
                    .map(|p| {
                        public_access_block([
                            p.block_public_acls(),
                            p.ignore_public_acls(),
                            p.block_public_policy(),
                            p.restrict_public_buckets(),
                        ])
                    })
                    .unwrap_or_default()
            }),
            default_encryption: encryption,
            versioning: b.versioning.as_ref().map(|v| v.as_ref().is_some_and(|s| s.as_str() == "Enabled")),
            access_logging: b.logging,
            object_lock: b.object_lock,
        };
        let t = b.tags.clone().flatten().map(|list| tags(list.iter().map(|t| (Some(t.key()), Some(t.value())))));
        out.add(id, name.to_string(), Some(&b.region), t.unwrap_or_default(), Attributes::AwsS3Bucket(attrs));
    }
}

/// An ACL grant as `canonical_user:ID`, `group:AllUsers`, `email:ADDRESS`.
fn grant(g: &Grant) -> Option<AclGrant> {
    let grantee = g.grantee()?;
    let who = match grantee.r#type() {
        Type::CanonicalUser => format!("canonical_user:{}", grantee.id()?),
        Type::Group => format!("group:{}", grantee.uri()?.rsplit('/').next()?),
        Type::AmazonCustomerByEmail => format!("email:{}", grantee.email_address()?),
        other => format!("{}:{}", other.as_str(), grantee.id().unwrap_or_default()),
    };
    Some(AclGrant { grantee: who, permission: g.permission()?.as_str().to_string() })
}

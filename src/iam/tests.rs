//! The evaluator, rule by rule as AWS documents them, and against a plain
//! reference evaluator (the documented flowchart, written with booleans and early
//! returns) on random small policy sets.

use auditgraph_model::policy::PolicyDocument;
use proptest::prelude::*;

use super::*;

const ME: &str = "arn:aws:iam::111111111111:user/me";

fn doc(statements: &str) -> PolicyDocument {
    serde_json::from_str(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap()
}

fn me() -> Caller {
    Caller::Principal { arn: ME.into(), account: "111111111111".into() }
}

fn outsider() -> Caller {
    Caller::Principal { arn: "arn:aws:iam::222222222222:user/them".into(), account: "222222222222".into() }
}

struct Case {
    identity: Vec<PolicyDocument>,
    boundary: Option<Vec<PolicyDocument>>,
    scps: Option<Vec<Vec<PolicyDocument>>>,
    scps_read: bool,
    resource: Option<(PolicyDocument, bool)>,
    acl: Vec<AclEntry>,
}

impl Case {
    fn new() -> Case {
        Case { identity: Vec::new(), boundary: None, scps: None, scps_read: true, resource: None, acl: Vec::new() }
    }
    fn acl(mut self, grantee: Grantee, permission: &str) -> Case {
        let label = format!("{permission} to {grantee:?}");
        self.acl.push(AclEntry { grantee, permission: permission.into(), label });
        self
    }
    fn identity(mut self, s: &str) -> Case {
        self.identity.push(doc(s));
        self
    }
    fn boundary(mut self, s: &str) -> Case {
        self.boundary.get_or_insert_with(Vec::new).push(doc(s));
        self
    }
    fn scp_levels(mut self, levels: &[&str]) -> Case {
        self.scps = Some(levels.iter().map(|s| vec![doc(s)]).collect());
        self
    }
    fn resource(mut self, s: &str, must_allow: bool) -> Case {
        self.resource = Some((doc(s), must_allow));
        self
    }
    fn decide(&self, caller: Caller, action: &str, resource: &str, ctx: &Context) -> Decision {
        fn named(d: &PolicyDocument) -> Named<'_> {
            Named { name: "p", doc: d }
        }
        let identity: Vec<Named> = self.identity.iter().map(named).collect();
        let boundary: Option<Vec<Named>> = self.boundary.as_ref().map(|b| b.iter().map(named).collect());
        let levels: Option<Vec<Vec<Named>>> =
            self.scps.as_ref().map(|levels| levels.iter().map(|l| l.iter().map(named).collect()).collect());
        let policies = Policies {
            identity: &identity,
            boundary: match &boundary {
                Some(b) => Boundary::Policies(b),
                None => Boundary::None,
            },
            scps: match (&levels, self.scps_read) {
                (_, false) => Scps::NotRead,
                (None, true) => Scps::None,
                (Some(levels), true) => Scps::Levels(levels),
            },
            resource: self.resource.as_ref().map(|(d, must)| ResourcePolicy { policy: named(d), must_allow: *must }),
            acl: &self.acl,
        };
        let req = Request { caller, action, resource, resource_account: "111111111111", context: ctx };
        decide(&req, &policies)
    }
    fn allowed(&self, caller: Caller, action: &str, resource: &str) -> bool {
        matches!(self.decide(caller, action, resource, &Context::default()), Decision::Allowed(_))
    }
}

const ALLOW_GET: &str = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
const OBJ: &str = "arn:aws:s3:::b/k";

#[test]
fn identity_policies_allow_what_they_name() {
    assert!(Case::new().identity(ALLOW_GET).allowed(me(), "s3:GetObject", OBJ));
    assert!(Case::new().identity(ALLOW_GET).allowed(me(), "S3:getobject", OBJ), "actions ignore case");
    assert!(!Case::new().identity(ALLOW_GET).allowed(me(), "s3:PutObject", OBJ));
    assert!(!Case::new().identity(ALLOW_GET).allowed(me(), "s3:GetObject", "arn:aws:s3:::B/k"), "resources do not");
    assert!(!Case::new().allowed(me(), "s3:GetObject", OBJ), "nothing allows: implicit deny");
}

#[test]
fn not_action_and_not_resource_allow_the_rest() {
    let c = Case::new().identity(r#"{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}"#);
    assert!(c.allowed(me(), "s3:GetObject", OBJ));
    assert!(!c.allowed(me(), "iam:CreateUser", "*"));
    assert!(!c.allowed(me(), "s3:GetObject", "arn:aws:s3:::secret/x"));
}

#[test]
fn an_explicit_deny_anywhere_wins() {
    let deny = r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#;
    let c = Case::new().identity(ALLOW_GET).identity(deny);
    assert!(matches!(c.decide(me(), "s3:GetObject", OBJ, &Context::default()), Decision::Denied(_)));
    let c =
        Case::new().identity(ALLOW_GET).resource(&format!(r#"{},"Principal":"*"}}"#, &deny[..deny.len() - 1]), false);
    assert!(!c.allowed(me(), "s3:GetObject", OBJ), "a bucket policy's deny");
    let c = Case::new().identity(ALLOW_GET).boundary(&format!("{ALLOW_GET},{deny}"));
    assert!(!c.allowed(me(), "s3:GetObject", OBJ), "a boundary's deny");
}

#[test]
fn a_boundary_limits_identity_grants() {
    let star = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    let c = Case::new().identity(star).boundary(ALLOW_GET);
    assert!(c.allowed(me(), "s3:GetObject", OBJ));
    assert!(!c.allowed(me(), "iam:CreateUser", "*"));
}

#[test]
fn an_unread_boundary_makes_a_grant_conditional() {
    let identity = doc(ALLOW_GET);
    let policies = Policies {
        identity: &[Named { name: "p", doc: &identity }],
        boundary: Boundary::NotRead,
        scps: Scps::None,
        resource: None,
        acl: &[],
    };
    let req = Request {
        caller: me(),
        action: "s3:GetObject",
        resource: OBJ,
        resource_account: "111111111111",
        context: &Context::default(),
    };
    match decide(&req, &policies) {
        Decision::Conditional { on, .. } => assert!(on.contains("permissions boundary (not read)"), "{on:?}"),
        other => panic!("{other:?}"),
    }
    let anonymous = Request { caller: Caller::Anonymous, ..req };
    assert_eq!(decide(&anonymous, &policies), Decision::NotAllowed, "an anonymous caller has no boundary");
}

#[test]
fn every_scp_level_must_allow() {
    let star = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    let only_s3 = r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#;
    let c = Case::new().identity(star).scp_levels(&[star, only_s3]);
    assert!(c.allowed(me(), "s3:GetObject", OBJ));
    assert!(!c.allowed(me(), "ec2:RunInstances", "*"));
    let mut unread = Case::new().identity(star);
    unread.scps_read = false;
    match unread.decide(me(), "s3:GetObject", OBJ, &Context::default()) {
        Decision::Conditional { on, .. } => assert!(on.iter().any(|k| k.contains("service control policies"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_resource_policy_naming_the_caller_suffices_in_its_account() {
    let to_me = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ME}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
    );
    assert!(Case::new().resource(&to_me, false).allowed(me(), "s3:GetObject", OBJ));
    let to_account = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    assert!(!Case::new().resource(to_account, false).allowed(me(), "s3:GetObject", OBJ), "the account must delegate");
    let to_anyone = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    assert!(Case::new().resource(to_anyone, false).allowed(Caller::Anonymous, "s3:GetObject", OBJ));
    let all_but_me = format!(
        r#"{{"Effect":"Allow","NotPrincipal":{{"AWS":"{ME}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
    );
    let c = Case::new().resource(&all_but_me, false);
    assert!(c.allowed(Caller::Anonymous, "s3:GetObject", OBJ) && !c.allowed(me(), "s3:GetObject", OBJ));
}

#[test]
fn a_key_or_trust_policy_must_allow_by_name_or_by_delegation() {
    let star = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    let delegate =
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}"#;
    let key = "arn:aws:kms:eu-west-1:111111111111:key/k";
    let someone_else = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/other"},"Action":"kms:*","Resource":"*"}"#;
    assert!(
        !Case::new().identity(star).resource(someone_else, true).allowed(me(), "kms:Decrypt", key),
        "a key policy that neither names the caller nor delegates to its account"
    );
    assert!(Case::new().identity(star).resource(delegate, true).allowed(me(), "kms:Decrypt", key));
    assert!(
        !Case::new().resource(delegate, true).allowed(me(), "kms:Decrypt", key),
        "delegation needs an identity grant"
    );
}

#[test]
fn across_accounts_both_sides_must_allow() {
    let theirs = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
    let to_them = r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    assert!(Case::new().identity(theirs).resource(to_them, false).allowed(outsider(), "s3:GetObject", OBJ));
    assert!(!Case::new().resource(to_them, false).allowed(outsider(), "s3:GetObject", OBJ));
    assert!(!Case::new().identity(theirs).allowed(outsider(), "s3:GetObject", OBJ));
}

#[test]
fn conditions_decide_where_the_context_knows_and_name_their_keys_where_not() {
    let mfa =
        r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#;
    let c = Case::new().identity(mfa);
    match c.decide(me(), "s3:GetObject", OBJ, &Context::default()) {
        Decision::Conditional { on, grants } => {
            assert_eq!(on.into_iter().collect::<Vec<_>>(), vec!["aws:MultiFactorAuthPresent"]);
            assert_eq!(grants.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    let with_mfa = Context::default().with("aws:MultiFactorAuthPresent", &["true"]);
    assert!(matches!(c.decide(me(), "s3:GetObject", OBJ, &with_mfa), Decision::Allowed(_)));
    let tls_deny = r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    let c = Case::new().identity(ALLOW_GET).resource(tls_deny, false);
    let plain = Context::default().with("aws:SecureTransport", &["false"]);
    assert!(matches!(c.decide(me(), "s3:GetObject", OBJ, &plain), Decision::Denied(_)));
    assert!(matches!(c.decide(me(), "s3:GetObject", OBJ, &Context::default()), Decision::Conditional { .. }));
}

#[test]
fn policy_variables_are_the_caller_s() {
    let home = r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#;
    let c = Case::new().identity(home);
    let ctx = Context::default().with("aws:username", &["me"]);
    assert!(matches!(c.decide(me(), "s3:GetObject", "arn:aws:s3:::home/me/x", &ctx), Decision::Allowed(_)));
    assert!(matches!(c.decide(me(), "s3:GetObject", "arn:aws:s3:::home/you/x", &ctx), Decision::NotAllowed));
}

// ---- the reference evaluator and the property tests ----

const BUCKET: &str = "arn:aws:s3:::b";

#[test]
fn a_bucket_acl_allows_its_permission_s_actions_to_whom_it_names() {
    let anyone_reads = Case::new().acl(Grantee::Anyone, "READ");
    assert!(anyone_reads.allowed(Caller::Anonymous, "s3:ListBucket", BUCKET), "AllUsers includes anonymous requests");
    assert!(anyone_reads.allowed(me(), "s3:ListBucket", BUCKET), "in its account a grant to anyone suffices");
    assert!(!anyone_reads.allowed(Caller::Anonymous, "s3:GetObject", OBJ), "a bucket's READ lists, it reads no object");
    assert!(!anyone_reads.allowed(Caller::Anonymous, "s3:PutObject", OBJ));

    let signed_writes = Case::new().acl(Grantee::AnyAccount, "WRITE");
    assert!(!signed_writes.allowed(Caller::Anonymous, "s3:PutObject", OBJ), "AuthenticatedUsers needs a signature");
    assert!(signed_writes.allowed(me(), "s3:PutObject", OBJ));
    assert!(!signed_writes.allowed(outsider(), "s3:PutObject", OBJ), "across accounts the caller's side must allow");
    let theirs_allows =
        Case::new().acl(Grantee::AnyAccount, "WRITE").identity(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    assert!(theirs_allows.allowed(outsider(), "s3:PutObject", OBJ));

    let full = Case::new().acl(Grantee::Anyone, "FULL_CONTROL");
    for action in ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:GetBucketAcl", "s3:PutBucketAcl"] {
        assert!(full.allowed(Caller::Anonymous, action, BUCKET), "FULL_CONTROL allows {action}");
    }
    assert!(!full.allowed(Caller::Anonymous, "s3:PutBucketPolicy", BUCKET), "ACLs never grant the policy");
}

#[test]
fn an_acl_grant_to_an_account_needs_that_account_s_own_policies_and_yields_to_a_deny() {
    let to_them = Case::new().acl(Grantee::Account("222222222222".into()), "READ");
    assert!(!to_them.allowed(outsider(), "s3:ListBucket", BUCKET), "the account's own policies must allow");
    assert!(!to_them.allowed(me(), "s3:ListBucket", BUCKET), "it names another account");
    let with_own = to_them.identity(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}"#);
    match with_own.decide(outsider(), "s3:ListBucket", BUCKET, &Context::default()) {
        Decision::Allowed(grants) => {
            assert!(
                grants.iter().any(|g| g.policy == "its bucket ACL" && g.statement.starts_with("READ")),
                "{grants:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    let denied = Case::new()
        .acl(Grantee::Anyone, "READ")
        .resource(r#"{"Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"*"}"#, false);
    assert!(matches!(
        denied.decide(Caller::Anonymous, "s3:ListBucket", BUCKET, &Context::default()),
        Decision::Denied(_)
    ));
}

/// The AWS flowchart with booleans and early returns, on contexts that know every key.
mod reference {
    use auditgraph_model::policy::{Effect, PolicyDocument, Statement};

    #[derive(Debug, PartialEq, Eq)]
    pub enum Answer {
        Allow,
        Deny,
        NotAllowed,
    }

    /// Plain recursive wildcard matching.
    fn glob(p: &[u8], v: &[u8]) -> bool {
        match (p.first(), v.first()) {
            (None, None) => true,
            (Some(b'*'), _) => glob(&p[1..], v) || (!v.is_empty() && glob(p, &v[1..])),
            (Some(b'?'), Some(_)) => glob(&p[1..], &v[1..]),
            (Some(a), Some(b)) if a == b => glob(&p[1..], &v[1..]),
            _ => false,
        }
    }

    pub struct World<'a> {
        pub caller: Option<(&'a str, &'a str)>,
        pub action: &'a str,
        pub resource: &'a str,
        pub secure_transport: bool,
        pub org: &'a str,
    }

    fn condition_holds(s: &Statement, w: &World) -> bool {
        s.condition.iter().all(|(op, keys)| {
            keys.iter().all(|(key, value)| {
                let want: Vec<String> = match value {
                    serde_json::Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                    v => vec![v.as_str().unwrap().to_string()],
                };
                let have = match key.as_str() {
                    "aws:SecureTransport" => w.secure_transport.to_string(),
                    "aws:PrincipalOrgID" => w.org.to_string(),
                    other => panic!("the generator uses no key {other}"),
                };
                match op.as_str() {
                    "Bool" | "StringEquals" => want.contains(&have),
                    "StringNotEquals" => !want.contains(&have),
                    other => panic!("the generator uses no operator {other}"),
                }
            })
        })
    }

    fn matches(s: &Statement, w: &World) -> bool {
        let lower = |x: &str| x.to_ascii_lowercase();
        let act = |list: &[String]| list.iter().any(|p| glob(lower(p).as_bytes(), lower(w.action).as_bytes()));
        let res = |list: &[String]| list.iter().any(|p| glob(p.as_bytes(), w.resource.as_bytes()));
        let action_ok = if s.not_action.is_empty() { act(&s.action) } else { !act(&s.not_action) };
        let resource_ok =
            if !s.not_resource.is_empty() { !res(&s.not_resource) } else { s.resource.is_empty() || res(&s.resource) };
        action_ok && resource_ok && condition_holds(s, w)
    }

    /// 0: not named; 1: named by account; 2: named exactly (or anyone).
    fn named(s: &Statement, w: &World) -> u8 {
        let of = |p: &auditgraph_model::policy::Principal| -> u8 {
            if p.is_anyone() {
                return 2;
            }
            let Some((arn, account)) = w.caller else { return 0 };
            let vals = p.values("AWS");
            if vals.contains(&arn) {
                2
            } else if vals.contains(&account) || vals.contains(&format!("arn:aws:iam::{account}:root").as_str()) {
                1
            } else {
                0
            }
        };
        match (&s.principal, &s.not_principal) {
            (Some(p), _) => of(p),
            (None, Some(np)) if of(np) == 0 => 2,
            _ => 0,
        }
    }

    #[derive(Clone, Copy, Debug)]
    pub enum AclWho {
        AllUsers,
        AuthenticatedUsers,
        Account(&'static str),
    }

    /// AWS's table of bucket ACL permissions and the actions they allow.
    fn acl_covers(permission: &str, action: &str) -> bool {
        let read = ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"];
        let write = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];
        let listed: Vec<&str> = match permission {
            "READ" => read.to_vec(),
            "WRITE" => write.to_vec(),
            "READ_ACP" => vec!["s3:GetBucketAcl"],
            "WRITE_ACP" => vec!["s3:PutBucketAcl"],
            "FULL_CONTROL" => [&read[..], &write[..], &["s3:GetBucketAcl", "s3:PutBucketAcl"]].concat(),
            _ => vec![],
        };
        listed.iter().any(|a| a.eq_ignore_ascii_case(action))
    }

    fn any(docs: &[&PolicyDocument], effect: Effect, w: &World, principal: impl Fn(&Statement) -> bool) -> bool {
        docs.iter().flat_map(|d| &d.statements).any(|s| s.effect == effect && matches(s, w) && principal(s))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        w: &World,
        identity: &[&PolicyDocument],
        boundary: Option<&[&PolicyDocument]>,
        scps: Option<&[Vec<&PolicyDocument>]>,
        resource: Option<(&PolicyDocument, bool)>,
        acl: &[(AclWho, &str)],
        resource_account: &str,
    ) -> Answer {
        let resource_docs: Vec<&PolicyDocument> = resource.iter().map(|(d, _)| *d).collect();
        let is_principal = w.caller.is_some();
        let all = |_: &Statement| true;
        // 1. An explicit deny in any policy that applies.
        if is_principal {
            let mut scp_docs = Vec::new();
            for level in scps.unwrap_or(&[]) {
                scp_docs.extend(level.iter().copied());
            }
            if any(identity, Effect::Deny, w, all)
                || any(boundary.unwrap_or(&[]), Effect::Deny, w, all)
                || any(&scp_docs, Effect::Deny, w, all)
            {
                return Answer::Deny;
            }
        }
        if any(&resource_docs, Effect::Deny, w, |s| named(s, w) > 0) {
            return Answer::Deny;
        }
        // An ACL grant counts as a resource policy statement naming its grantee.
        let acl_names = |level: u8| {
            acl.iter().any(|(who, permission)| {
                acl_covers(permission, w.action)
                    && match (who, w.caller) {
                        (AclWho::AllUsers, _) => level == 2,
                        (AclWho::AuthenticatedUsers, Some(_)) => level == 2,
                        (AclWho::Account(a), Some((_, account))) => level == 1 && *a == account,
                        _ => false,
                    }
            })
        };
        // 2. Anonymous callers: only a grant to anyone.
        let Some((_, account)) = w.caller else {
            return if any(&resource_docs, Effect::Allow, w, |s| named(s, w) == 2) || acl_names(2) {
                Answer::Allow
            } else {
                Answer::NotAllowed
            };
        };
        // 3. Every SCP level must allow.
        for level in scps.unwrap_or(&[]) {
            if !any(level, Effect::Allow, w, all) {
                return Answer::NotAllowed;
            }
        }
        let by_name = any(&resource_docs, Effect::Allow, w, |s| named(s, w) == 2) || acl_names(2);
        let by_account = any(&resource_docs, Effect::Allow, w, |s| named(s, w) == 1) || acl_names(1);
        let own = any(identity, Effect::Allow, w, all) && boundary.is_none_or(|b| any(b, Effect::Allow, w, all));
        let must_allow = resource.is_some_and(|(_, m)| m);
        let yes = if account == resource_account {
            if must_allow {
                by_name || (by_account && own)
            } else {
                by_name || own
            }
        } else {
            (by_name || by_account) && own
        };
        if yes {
            Answer::Allow
        } else {
            Answer::NotAllowed
        }
    }
}

fn statement() -> impl Strategy<Value = String> {
    let effect = prop::sample::select(vec!["Allow", "Allow", "Deny"]);
    let action = prop::sample::select(vec!["s3:GetObject", "s3:Get*", "s3:*", "*", "iam:PassRole", "S3:getobject"]);
    let resource = prop::sample::select(vec!["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::c/*"]);
    let principal = prop::sample::select(vec![
        "",
        r#","Principal":"*""#,
        r#","Principal":{"AWS":"arn:aws:iam::111111111111:root"}"#,
        r#","Principal":{"AWS":"arn:aws:iam::111111111111:user/me"}"#,
        r#","Principal":{"AWS":"222222222222"}"#,
        r#","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/me"}"#,
    ]);
    let condition = prop::sample::select(vec![
        "",
        "",
        r#","Condition":{"Bool":{"aws:SecureTransport":"false"}}"#,
        r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}"#,
        r#","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}"#,
    ]);
    (effect, any::<bool>(), action, any::<bool>(), resource, principal, condition).prop_map(
        |(effect, not_action, action, not_resource, resource, principal, condition)| {
            let a = if not_action { "NotAction" } else { "Action" };
            let r = if not_resource { "NotResource" } else { "Resource" };
            format!(r#"{{"Effect":"{effect}","{a}":"{action}","{r}":"{resource}"{principal}{condition}}}"#)
        },
    )
}

fn policy() -> impl Strategy<Value = PolicyDocument> {
    prop::collection::vec(statement(), 1..4).prop_map(|s| doc(&s.join(",")))
}

/// Without its principal elements (identity policies, boundaries, SCPs have none).
fn identity_policy() -> impl Strategy<Value = PolicyDocument> {
    policy().prop_map(|mut d| {
        for s in &mut d.statements {
            s.principal = None;
            s.not_principal = None;
        }
        d
    })
}

/// With a principal element in each statement (a resource policy needs one).
fn resource_policy() -> impl Strategy<Value = PolicyDocument> {
    policy().prop_map(|mut d| {
        for s in &mut d.statements {
            if s.principal.is_none() && s.not_principal.is_none() {
                s.principal = Some(serde_json::from_str(r#""*""#).unwrap());
            }
        }
        d
    })
}

prop_compose! {
    fn world_case()(
        identity in prop::collection::vec(identity_policy(), 0..3),
        boundary in prop::option::of(prop::collection::vec(identity_policy(), 1..2)),
        scps in prop::option::of(prop::collection::vec(identity_policy(), 1..3)),
        resource in prop::option::of((resource_policy(), any::<bool>())),
        acl in prop::collection::vec(acl_grant(), 0..3),
        caller in 0..3usize,
        action in prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:PassRole"]),
        target in prop::sample::select(vec!["arn:aws:s3:::b/k", "arn:aws:s3:::c/k", "arn:aws:s3:::b"]),
        secure in any::<bool>(),
        org in prop::sample::select(vec!["o-1", "o-3"]),
    ) -> (Vec<PolicyDocument>, Option<Vec<PolicyDocument>>, Option<Vec<PolicyDocument>>, Option<(PolicyDocument, bool)>, Vec<(reference::AclWho, &'static str)>, usize, &'static str, &'static str, bool, &'static str) {
        (identity, boundary, scps, resource, acl, caller, action, target, secure, org)
    }
}

fn acl_grant() -> impl Strategy<Value = (reference::AclWho, &'static str)> {
    use reference::AclWho::*;
    let who =
        prop::sample::select(vec![AllUsers, AuthenticatedUsers, Account("111111111111"), Account("222222222222")]);
    (who, prop::sample::select(vec!["READ", "WRITE", "READ_ACP", "FULL_CONTROL"]))
}

fn acl_entry(&(who, permission): &(reference::AclWho, &str)) -> AclEntry {
    let grantee = match who {
        reference::AclWho::AllUsers => Grantee::Anyone,
        reference::AclWho::AuthenticatedUsers => Grantee::AnyAccount,
        reference::AclWho::Account(a) => Grantee::Account(a.into()),
    };
    AclEntry { grantee, permission: permission.into(), label: permission.into() }
}

fn answer_of(d: &Decision) -> Option<reference::Answer> {
    match d {
        Decision::Allowed(_) => Some(reference::Answer::Allow),
        Decision::Denied(_) => Some(reference::Answer::Deny),
        Decision::NotAllowed => Some(reference::Answer::NotAllowed),
        Decision::Conditional { .. } => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_evaluator_agrees_with_the_reference((identity, boundary, scps, resource, acl, caller, action, target, secure, org) in world_case()) {
        let callers = [("arn:aws:iam::111111111111:user/me", "111111111111"), ("arn:aws:iam::222222222222:user/them", "222222222222")];
        let who = callers.get(caller).copied();
        let case = Case {
            identity: identity.clone(),
            boundary: boundary.clone(),
            scps: scps.clone().map(|levels| levels.into_iter().map(|d| vec![d]).collect()),
            scps_read: true,
            resource: resource.clone(),
            acl: acl.iter().map(acl_entry).collect(),
        };
        let caller_value = match who {
            Some((arn, account)) => Caller::Principal { arn: arn.into(), account: account.into() },
            None => Caller::Anonymous,
        };
        let scp_levels: Option<Vec<Vec<&PolicyDocument>>> = scps.as_ref().map(|l| l.iter().map(|d| vec![d]).collect());
        let refer = |secure: bool, org: &str| {
            let w = reference::World { caller: who, action, resource: target, secure_transport: secure, org };
            reference::evaluate(
                &w,
                &identity.iter().collect::<Vec<_>>(),
                boundary.as_ref().map(|b| b.iter().collect::<Vec<_>>()).as_deref(),
                scp_levels.as_deref(),
                resource.as_ref().map(|(d, m)| (d, *m)),
                &acl,
                "111111111111",
            )
        };
        // Every key known: the same answer, never a conditional one.
        let known = Context::default().with("aws:SecureTransport", &[if secure { "true" } else { "false" }]).with("aws:PrincipalOrgID", &[org]);
        let decided = case.decide(caller_value.clone(), action, target, &known);
        prop_assert_eq!(answer_of(&decided), Some(refer(secure, org)), "{:?}", decided);
        // One key unknown: a definite answer must hold whatever its value ("not
        // allowed" may be an explicit deny for one value, and still is not allowed).
        let partly = Context::default().with("aws:PrincipalOrgID", &[org]);
        let allowed = |a: &reference::Answer| *a == reference::Answer::Allow;
        match answer_of(&case.decide(caller_value, action, target, &partly)) {
            Some(reference::Answer::NotAllowed) => {
                prop_assert!(!allowed(&refer(true, org)) && !allowed(&refer(false, org)));
            }
            Some(answer) => {
                prop_assert_eq!(&answer, &refer(true, org));
                prop_assert_eq!(&answer, &refer(false, org));
            }
            None => {}
        }
    }
}

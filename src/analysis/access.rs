//! Access analyses: which buckets anyone on the internet can read or write (policy,
//! with its denies asked of the IAM evaluator for a stranger; ACL; GCS IAM; minus
//! what public access blocks and prevention neutralise) and which KMS keys any AWS
//! account may use (the key policy, asked the same way), which
//! accept plain HTTP, which roles accounts outside the estate can assume without
//! an ExternalId, and who may assume each role.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use auditgraph_model::aws::{AclGrant, PublicAccessBlock, S3Bucket};
use auditgraph_model::gcp::StorageBucket;
use auditgraph_model::policy::{condition_values, operator_parts, Effect, PolicyDocument, Statement};
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes};

use super::access_graph::{account_of, level_actions, permit, Step, StepKind};
use super::principals::{outside_asker, Actor, ResourceSide};
use crate::graph::AssetGraph;

/// A yes/no fact that may not be decidable from what was collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Holds, with the reasons.
    Yes(Vec<String>),
    No,
    /// Could not be decided, in words that say why (`not collected: …`, `undecided: …`).
    Unknown(String),
}

impl Verdict {
    /// Holds for `reasons` if there are any; else undecided where `question` hung on
    /// condition keys the scan cannot know; else does not hold.
    fn of(reasons: Vec<String>, undecided: BTreeSet<String>, question: &str) -> Self {
        if !reasons.is_empty() {
            Verdict::Yes(reasons)
        } else if !undecided.is_empty() {
            let keys: Vec<String> = undecided.into_iter().collect();
            Verdict::Unknown(format!("undecided: {question} depends on {}", keys.join(", ")))
        } else {
            Verdict::No
        }
    }
}

#[derive(Default)]
pub struct AccessFacts {
    pub public: FxHashMap<AssetId, Verdict>,
    /// Roles that principals outside the estate can assume without an ExternalId.
    pub untrusted_assumers: FxHashMap<AssetId, Vec<String>>,
    /// (principal, role) pairs inside the estate that trust policies allow.
    pub assumers: Vec<(AssetId, AssetId)>,
    /// S3 buckets that accept requests over plain HTTP, with the requests.
    pub insecure_transport: FxHashMap<AssetId, Verdict>,
}

impl AccessFacts {
    /// `steps`: every way an actor comes to act as a role (`role_steps`).
    pub fn derive(graph: &AssetGraph, steps: &[Step]) -> Self {
        let mut facts = AccessFacts { assumers: assumers(steps), ..AccessFacts::default() };
        let mut account_blocks: FxHashMap<&str, Option<PublicAccessBlock>> = FxHashMap::default();
        let mut estate_accounts: BTreeSet<&str> = BTreeSet::new();
        for a in graph.assets_of(&[AssetKind::AwsAccount]) {
            if let Attributes::AwsAccount(acc) = &a.attributes {
                account_blocks.insert(&a.account, acc.s3_public_access_block);
                estate_accounts.insert(&acc.account_id);
            }
        }
        use AssetKind::*;
        for a in graph.assets_of(&[AwsS3Bucket, GcpStorageBucket, AwsKmsKey, AwsLambdaFunction, AwsIamRole]) {
            match &a.attributes {
                Attributes::AwsS3Bucket(b) => {
                    let account = account_blocks.get(a.account.as_str()).copied();
                    facts.public.insert(a.id.clone(), s3_public(a, b, account));
                    facts.insecure_transport.insert(a.id.clone(), accepts_insecure_transport(&a.id, &a.account, b));
                }
                Attributes::GcpStorageBucket(b) => {
                    facts.public.insert(a.id.clone(), gcs_public(b));
                }
                Attributes::AwsKmsKey(k) => {
                    facts.public.insert(a.id.clone(), kms_public(a, k.policy.as_ref()));
                }
                Attributes::AwsLambdaFunction(f) => {
                    facts.public.insert(a.id.clone(), lambda_public(a, f));
                }
                Attributes::AwsIamRole(r) => {
                    let outsiders = untrusted_assumers(&r.trust_policy, &estate_accounts);
                    if !outsiders.is_empty() {
                        facts.untrusted_assumers.insert(a.id.clone(), outsiders);
                    }
                }
                _ => {}
            }
        }
        facts
    }
}

/// Whether a bucket accepts a request over plain HTTP (`aws:SecureTransport`
/// false), asked of the IAM evaluator for the callers that could be allowed: a
/// principal of the bucket's account whose own policies allow all of S3, one of
/// another account likewise, and an anonymous caller; for reading and writing
/// objects and listing the bucket. A request the bucket policy lets through is the
/// evidence; one that depends on a key the scan cannot know makes it unknown.
/// SCPs are not read here, so an organisation-wide deny is not seen (a fail, never
/// a pass).
fn accepts_insecure_transport(id: &AssetId, account: &str, b: &S3Bucket) -> Verdict {
    use crate::iam::{decide, Boundary, Caller, Context, Decision, Named, Policies, Request, ResourcePolicy, Scps};
    let Some(policy) = &b.policy else { return Verdict::Unknown("not collected: bucket policy was not read".into()) };
    static ALL_OF_S3: std::sync::OnceLock<PolicyDocument> = std::sync::OnceLock::new();
    let everything = ALL_OF_S3.get_or_init(|| {
        serde_json::from_str(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#).expect("valid")
    });
    let plain_http = Context::default().with("aws:SecureTransport", &["false"]);
    let object = format!("{id}/any-object");
    let callers = [
        (format!("a principal of account {account} allowed s3:*"), Some(account.to_string())),
        ("a principal of another account allowed s3:*".to_string(), Some("000000000000".to_string())),
        ("an anonymous caller".to_string(), None),
    ];
    let mut accepted = Vec::new();
    let mut undecided = std::collections::BTreeSet::new();
    for (who, caller_account) in &callers {
        for (action, resource) in
            [("s3:GetObject", object.as_str()), ("s3:PutObject", &object), ("s3:ListBucket", id.as_str())]
        {
            let caller = match caller_account {
                Some(acc) => {
                    Caller::Principal { arn: format!("arn:aws:iam::{acc}:role/any-principal"), account: acc.clone() }
                }
                None => Caller::Anonymous,
            };
            let policies = Policies {
                identity: &[Named { name: "its own policies", doc: everything }],
                boundary: Boundary::None,
                scps: Scps::None,
                resource: Some(ResourcePolicy {
                    policy: Named { name: "bucket policy", doc: policy },
                    must_allow: false,
                }),
                acl: &[],
            };
            let req = Request { caller, action, resource, resource_account: account, context: &plain_http };
            match decide(&req, &policies) {
                Decision::Allowed(_) => accepted.push(format!("{action} over plain HTTP by {who} is not denied")),
                Decision::Conditional { on, .. } => undecided.extend(on),
                Decision::NotAllowed | Decision::Denied(_) => {}
            }
        }
    }
    Verdict::of(accepted, undecided, "whether plain HTTP is denied")
}

/// Condition keys that name the caller's network or identity.
const CALLER_KEYS: [&str; 14] = [
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:userid",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
];

/// Whether a statement is limited to known callers by a condition, as S3 and IAM
/// Access Analyzer decide what is *not* public: a non-negated operator, without
/// `IfExists` (an anonymous request lacks the key and would pass), on a key that
/// names the caller's network or identity, with fixed values (no wildcard, no policy
/// variable) and, for `aws:SourceIp`, ranges narrower than a /8 (IPv4) or /32 (IPv6).
/// Any other condition (`aws:SecureTransport`, `aws:UserAgent`, an unrecognised key)
/// leaves the statement public.
fn restricts_callers(s: &Statement) -> bool {
    const NARROWING: [&str; 6] =
        ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"];
    s.condition.iter().any(|(operator, keys)| {
        let (base, if_exists, qualifier) = operator_parts(operator);
        if if_exists || qualifier == Some("ForAllValues") || !NARROWING.contains(&base) {
            return false;
        }
        keys.iter().any(|(key, value)| {
            let key = key.to_ascii_lowercase();
            let values = condition_values(value);
            CALLER_KEYS.contains(&key.as_str())
                && !values.is_empty()
                && values.iter().all(|v| {
                    let Some(text) = v.as_str() else { return false };
                    let fixed = !text.contains(['*', '?']) && !text.contains("${");
                    let userid_role_wildcard = key == "aws:userid" && text.ends_with(":*");
                    fixed && !userid_role_wildcard && (key != "aws:sourceip" || narrow_range(text))
                })
        })
    })
}

/// Whether an `aws:SourceIp` value is a range narrow enough to name callers.
fn narrow_range(text: &str) -> bool {
    match text.parse::<ipnet::IpNet>() {
        Ok(ipnet::IpNet::V4(n)) => n.prefix_len() >= 8,
        Ok(ipnet::IpNet::V6(n)) => n.prefix_len() >= 32,
        Err(_) => text.parse::<std::net::IpAddr>().is_ok(),
    }
}

/// Whether a statement applies to anonymous callers: `Principal: "*"` (or
/// `{"AWS": "*"}`), or a `NotPrincipal`, which applies to everyone it does not name.
fn applies_to_anyone(s: &Statement) -> bool {
    s.principal.as_ref().is_some_and(|p| p.is_anyone()) || s.not_principal.is_some()
}

/// One of the four switches of a public access block.
type BlockFlag = fn(&PublicAccessBlock) -> bool;

fn s3_public(bucket: &Asset, b: &S3Bucket, account: Option<Option<PublicAccessBlock>>) -> Verdict {
    // `account`: None when the estate has no account asset; Some(None) when not read.
    let account_block = account.flatten();
    let bucket_block = b.public_access_block;
    let either = |f: BlockFlag| bucket_block.as_ref().is_some_and(f) || account_block.as_ref().is_some_and(f);
    let known = |f: BlockFlag| {
        // Known not to block: both levels read and neither sets the flag.
        bucket_block.is_some() && account_block.is_some() && !either(f)
    };
    let mut undecided = BTreeSet::new();
    let public_statements = |doc: &PolicyDocument| -> Vec<String> {
        let (reasons, depends_on) = public_statements(bucket, doc, "bucket policy");
        undecided.extend(depends_on);
        reasons
    };
    let public_grants = |grants: &Vec<AclGrant>| -> Vec<String> {
        grants
            .iter()
            .filter(|g| g.grantee == "group:AllUsers" || g.grantee == "group:AuthenticatedUsers")
            .map(|g| format!("ACL grants {} to {}", g.permission, g.grantee))
            .collect()
    };
    // Each way to be public, the block flag that neutralises it, and what is missing when unread.
    let ways: [(Option<Vec<String>>, BlockFlag, &str); 2] = [
        (b.policy.as_ref().map(public_statements), |p| p.restrict_public_buckets, "bucket policy was not read"),
        (b.acl_grants.as_ref().map(public_grants), |p| p.ignore_public_acls, "bucket ACL was not read"),
    ];
    let mut reasons = Vec::new();
    let mut missing = Vec::new();
    for (public, neutralised_by, not_read) in ways {
        match public {
            None => missing.push(not_read),
            Some(p) if p.is_empty() || either(neutralised_by) => {}
            Some(p) if known(neutralised_by) => reasons.extend(p),
            Some(_) => missing.push("public access block (account or bucket) was not read"),
        }
    }
    if !reasons.is_empty() {
        Verdict::Yes(reasons)
    } else if !missing.is_empty() {
        missing.dedup();
        Verdict::Unknown(format!("not collected: {}", missing.join("; ")))
    } else if !undecided.is_empty() {
        let keys: Vec<String> = undecided.into_iter().collect();
        Verdict::Unknown(format!("undecided: whether a deny stops a public grant depends on {}", keys.join(", ")))
    } else {
        Verdict::No
    }
}

/// The S3 actions (of the access levels) that a public Allow statement still opens
/// to a stranger once the policy's own Deny statements have their say, and the keys
/// an answer depends on. The Allow counts without its condition (it was judged not
/// to limit who calls); a Deny binds as IAM evaluates it, for an anonymous caller and
/// for a principal of an account outside the organisation, each setting the keys it
/// controls to dodge the deny (so a data-perimeter deny on `aws:PrincipalOrgID`
/// closes the grant, one on `aws:SecureTransport` does not).
/// The statements of a resource policy (`name`: `bucket policy`, `key policy`) that
/// let anyone act on `resource`: each allows some action to anyone (or everyone a
/// `NotPrincipal` does not name), no condition limits it to known callers, and no
/// deny of the policy stops a stranger. Returns them as evidence, and the condition
/// keys a stranger's access depends on where it is not decided.
fn public_statements(resource: &Asset, doc: &PolicyDocument, name: &str) -> (Vec<String>, BTreeSet<String>) {
    let mut undecided = BTreeSet::new();
    let reasons = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && applies_to_anyone(s) && !restricts_callers(s))
        .filter_map(|s| {
            let sid = s.sid.as_deref().unwrap_or("(no Sid)");
            let (open, depends_on) = open_to_strangers(resource, s, doc, name);
            undecided.extend(depends_on);
            if open.is_empty() {
                return None;
            }
            let actions = open.join(", ");
            let whom = match &s.not_principal {
                Some(_) => "anyone not named in its NotPrincipal",
                None => "anyone",
            };
            let keys: Vec<&str> = s.condition.values().flat_map(|m| m.keys()).map(String::as_str).collect();
            let unless = if keys.is_empty() {
                String::new()
            } else {
                format!(" (its condition on {} does not limit who calls)", keys.join(", "))
            };
            Some(format!("{name} statement {sid} allows {actions} to {whom}{unless}"))
        })
        .collect();
    (reasons, undecided)
}

/// Whether anyone may use a KMS key by its key policy. KMS takes no anonymous
/// request, so "anyone" is any principal of any AWS account.
fn kms_public(key: &Asset, policy: Option<&PolicyDocument>) -> Verdict {
    let Some(doc) = policy else { return Verdict::Unknown("not collected: key policy was not read".into()) };
    let (reasons, undecided) = public_statements(key, doc, "key policy");
    Verdict::of(reasons, undecided, "whether a deny stops a public grant")
}

/// Whether anyone may invoke (or manage) a Lambda function by its resource-based
/// policy; through a function URL whose auth type is `NONE`, that is anyone on the
/// internet, unsigned.
fn lambda_public(function: &Asset, f: &auditgraph_model::aws::LambdaFunction) -> Verdict {
    let Some(doc) = &f.policy else { return Verdict::Unknown("not collected: function policy was not read".into()) };
    let (mut reasons, undecided) = public_statements(function, doc, "function policy");
    let unsigned: Vec<&str> =
        f.function_urls.iter().flatten().filter(|u| u.auth_type == "NONE").map(|u| u.url.as_str()).collect();
    if !reasons.is_empty() && !unsigned.is_empty() {
        reasons.push(format!("function URL {} takes unsigned requests (auth type NONE)", unsigned.join(", ")));
    }
    Verdict::of(reasons, undecided, "whether a deny stops a public grant")
}

fn open_to_strangers(
    resource: &Asset,
    public: &Statement,
    doc: &PolicyDocument,
    name: &str,
) -> (Vec<String>, BTreeSet<String>) {
    use crate::iam::{Caller, Context, Named, ResourcePolicy};
    let allow = Statement { condition: Default::default(), ..public.clone() };
    let mut statements = vec![allow];
    statements.extend(doc.statements.iter().filter(|s| s.effect == Effect::Deny).cloned());
    let only_this = PolicyDocument { statements, ..doc.clone() };
    let side = ResourceSide {
        account: &resource.account,
        policy: Some(ResourcePolicy { policy: Named { name, doc: &only_this }, must_allow: false }),
        acl: Some(Vec::new()),
        unread: None,
    };
    // Who the stranger is not: no organisation, network, endpoint or service of the estate.
    let mut context = Context::chosen_by_caller();
    for key in CALLER_KEYS.iter().filter(|k| **k != "aws:sourceip") {
        context = context.with_absent(key);
    }
    let stranger_account = "000000000000";
    let stranger_context = context
        .clone()
        .with("aws:PrincipalAccount", &[stranger_account])
        .with("kms:CallerAccount", &[stranger_account]);
    let stranger = Caller::Principal {
        arn: format!("arn:aws:iam::{stranger_account}:role/stranger"),
        account: stranger_account.into(),
    };
    let mut strangers = vec![outside_asker(stranger, &stranger_context)];
    if resource.kind() == AssetKind::AwsS3Bucket {
        strangers.push(outside_asker(Caller::Anonymous, &context));
    }
    let mut open = BTreeSet::new();
    let mut depends_on = BTreeSet::new();
    for (_, actions) in level_actions(resource.kind()) {
        for action in *actions {
            for asker in &strangers {
                match permit(asker, action, resource, &side) {
                    Some(p) if p.conditional_on.is_empty() => {
                        open.insert(action.to_string());
                    }
                    Some(p) => depends_on.extend(p.conditional_on),
                    None => {}
                }
            }
        }
    }
    (open.into_iter().collect(), depends_on)
}

fn gcs_public(b: &StorageBucket) -> Verdict {
    let Some(bindings) = &b.iam_bindings else {
        return Verdict::Unknown("not collected: bucket IAM policy was not read".into());
    };
    let public: Vec<String> = bindings
        .iter()
        .filter(|x| x.condition.is_none())
        .flat_map(|x| {
            x.members
                .iter()
                .filter(|m| *m == "allUsers" || *m == "allAuthenticatedUsers")
                .map(move |m| format!("IAM binding grants {} to {m}", x.role))
        })
        .collect();
    if public.is_empty() {
        return Verdict::No;
    }
    match b.public_access_prevention.as_deref() {
        Some("enforced") => Verdict::No,
        Some(_) => Verdict::Yes(public),
        None => Verdict::Unknown("not collected: public access prevention was not read".into()),
    }
}

/// The callers outside `estate` that a trust policy lets assume the role without
/// proving who they are: AWS accounts (or anyone) with no fixed `sts:ExternalId`
/// unless the statement limits callers to the organisation (`aws:PrincipalOrgID`),
/// and users of an identity provider with no condition on the token's subject
/// (OIDC: `…:sub`) or audience (SAML: `SAML:aud`), which would admit every user of
/// the provider (for GitHub's, every repository on GitHub).
fn untrusted_assumers(trust: &PolicyDocument, estate: &BTreeSet<&str>) -> Vec<String> {
    let mut out = BTreeMap::new();
    for s in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
        if let Some(p) = &s.principal {
            for provider in p.values("Federated") {
                if !names_federated_subject(s, provider) {
                    let what = if provider.contains(":saml-provider/") { "SAML:aud" } else { "the token's sub" };
                    out.insert(
                        format!(
                            "users of identity provider {provider} may assume the role with no condition on {what}"
                        ),
                        (),
                    );
                }
            }
        }
        if requires_external_id(s) || limits_to_organization(s) {
            continue;
        }
        if s.not_principal.is_some() {
            out.insert(
                "anyone not named in its NotPrincipal may assume the role without an ExternalId".to_string(),
                (),
            );
        }
        let Some(p) = &s.principal else { continue };
        for principal in p.values("AWS") {
            let account = account_of(principal);
            if principal == "*" || account.is_some_and(|a| !estate.contains(a)) {
                out.insert(format!("{principal} may assume the role without an ExternalId"), ());
            }
        }
    }
    out.into_keys().collect()
}

/// Whether a statement fixes, with a narrowing operator (no `IfExists`), a value of
/// one of the condition keys whose name ends with one of `suffixes`.
fn fixes_key(s: &Statement, suffixes: &[&str], allow_patterns: bool) -> bool {
    s.condition.iter().any(|(operator, keys)| {
        let (base, if_exists, _) = operator_parts(operator);
        let narrowing =
            matches!(base, "StringEquals" | "StringEqualsIgnoreCase") || (allow_patterns && base == "StringLike");
        !if_exists
            && narrowing
            && keys.iter().any(|(key, value)| {
                let key = key.to_ascii_lowercase();
                let values = condition_values(value);
                suffixes.iter().any(|suffix| key.ends_with(suffix))
                    && !values.is_empty()
                    && values.iter().all(|v| v.as_str().is_some_and(|t| !t.is_empty() && t != "*" && !t.contains("${")))
            })
    })
}

/// Whether a trust statement limits callers to principals of one organisation.
fn limits_to_organization(s: &Statement) -> bool {
    fixes_key(s, &["aws:principalorgid"], false)
}

/// Whether a trust statement for an identity provider names whose tokens it takes:
/// a subject (OIDC, a pattern such as `repo:org/app:*` counts) or, for SAML, an audience.
fn names_federated_subject(s: &Statement, provider: &str) -> bool {
    if provider.contains(":saml-provider/") {
        fixes_key(s, &["saml:aud", "saml:sub"], true)
    } else {
        fixes_key(s, &[":sub"], true)
    }
}

/// Whether a statement demands an `sts:ExternalId` a caller must know: compared for
/// equality (not `StringLike`, not `…IfExists`, which a caller without one passes)
/// with fixed values, none of them a wildcard.
fn requires_external_id(s: &Statement) -> bool {
    s.condition.iter().any(|(operator, keys)| {
        let (base, if_exists, _) = operator_parts(operator);
        !if_exists
            && (base == "StringEquals" || base == "StringEqualsIgnoreCase")
            && keys.iter().any(|(key, value)| {
                let values = condition_values(value);
                key.eq_ignore_ascii_case("sts:ExternalId")
                    && !values.is_empty()
                    && values.iter().all(|v| v.as_str().is_some_and(|t| !t.is_empty() && !t.contains("${")))
            })
    })
}

/// Who may assume each role: the principals of the estate the IAM evaluator
/// allows `sts:AssumeRole` on it (the trust policy, and the caller's own policies
/// where they must allow too), conditional grants included.
fn assumers(steps: &[Step]) -> Vec<(AssetId, AssetId)> {
    let mut out: Vec<(AssetId, AssetId)> = steps
        .iter()
        .filter_map(|s| match (&s.from, &s.kind) {
            (Actor::Asset(from), StepKind::Assume(_)) => Some((from.clone(), s.role.clone())),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(policy: &str, acl: &str, block: Option<PublicAccessBlock>) -> S3Bucket {
        serde_json::from_value(serde_json::json!({
            "policy": serde_json::from_str::<serde_json::Value>(policy).unwrap(),
            "acl_grants": serde_json::from_str::<serde_json::Value>(acl).unwrap(),
            "public_access_block": block,
        }))
        .unwrap()
    }

    /// Whether bucket `b` of account 111111111111 is public.
    fn s3_public_b(b: &S3Bucket, account: Option<Option<PublicAccessBlock>>) -> Verdict {
        let asset = Asset {
            id: AssetId::new("arn:aws:s3:::b"),
            name: "b".into(),
            account: "111111111111".into(),
            region: None,
            tags: Default::default(),
            attributes: Attributes::AwsS3Bucket(b.clone()),
        };
        s3_public(&asset, b, account)
    }

    const PUBLIC_POLICY: &str = r#"{"Statement":[{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    const NO_POLICY: &str = r#"{"Statement":[]}"#;
    const PUBLIC_ACL: &str = r#"[{"grantee":"group:AllUsers","permission":"READ"}]"#;

    #[test]
    fn public_policy_unless_restricted() {
        let open = PublicAccessBlock::default();
        let restrict = PublicAccessBlock { restrict_public_buckets: true, ..open };
        assert!(matches!(s3_public_b(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(Some(open))), Verdict::Yes(_)));
        assert_eq!(s3_public_b(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(Some(restrict))), Verdict::No);
        assert_eq!(s3_public_b(&bucket(PUBLIC_POLICY, "[]", Some(restrict)), Some(None)), Verdict::No);
        assert!(matches!(s3_public_b(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(None)), Verdict::Unknown(_)));
        assert_eq!(s3_public_b(&bucket(NO_POLICY, "[]", Some(open)), Some(Some(open))), Verdict::No);
    }

    #[test]
    fn public_acl_unless_ignored() {
        let open = PublicAccessBlock::default();
        let ignore = PublicAccessBlock { ignore_public_acls: true, ..open };
        assert!(matches!(s3_public_b(&bucket(NO_POLICY, PUBLIC_ACL, Some(open)), Some(Some(open))), Verdict::Yes(_)));
        assert_eq!(s3_public_b(&bucket(NO_POLICY, PUBLIC_ACL, Some(ignore)), Some(Some(open))), Verdict::No);
    }

    #[test]
    fn public_means_what_s3_means() {
        let open = PublicAccessBlock::default();
        let public = |statement: &str| -> bool {
            let policy = format!(r#"{{"Statement":[{statement}]}}"#);
            matches!(s3_public_b(&bucket(&policy, "[]", Some(open)), Some(Some(open))), Verdict::Yes(_))
        };
        let allow = r#""Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#;
        let with = |cond: &str| format!(r#"{{{allow},"Principal":"*","Condition":{cond}}}"#);
        assert!(public(&format!(r#"{{{allow},"NotPrincipal":{{"AWS":"arn:aws:iam::1:root"}}}}"#)));
        assert!(public(&with(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#)));
        assert!(public(&with(r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::/0"]}}"#)));
        assert!(!public(&with(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/48"]}}"#)));
        assert!(public(&with(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)));
        assert!(public(&with(r#"{"Bool":{"aws:SecureTransport":"true"}}"#)));
        assert!(public(&with(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#)));
        assert!(!public(&with(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#)));
        assert!(public(&with(r#"{"StringLike":{"aws:SourceVpce":"vpce-*"}}"#)));
        assert!(!public(&with(r#"{"StringEquals":{"AWS:PrincipalOrgID":"o-123"}}"#)));
        assert!(public(&with(r#"{"StringEquals":{"aws:PrincipalOrgID":"${aws:PrincipalTag/org}"}}"#)));
        assert!(public(&with(r#"{"StringLike":{"aws:userid":"AROA123:*"}}"#)));
        assert!(public(&with(r#"{"StringEquals":{"aws:UserAgent":"x"}}"#)));
        assert!(!public(&format!(r#"{{{allow},"Principal":{{"AWS":"arn:aws:iam::1:root"}}}}"#)));
    }

    #[test]
    fn a_deny_in_the_same_policy_closes_a_public_grant_only_for_the_strangers_it_binds() {
        let open = PublicAccessBlock::default();
        let verdict = |deny: &str| {
            let policy = format!(
                r#"{{"Statement":[{{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}},{deny}]}}"#
            );
            s3_public_b(&bucket(&policy, "[]", Some(open)), Some(Some(open)))
        };
        let deny = |condition: &str| {
            format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{condition}}}"#
            )
        };
        // A grant on one prefix only is public too (the objects under it).
        let prefix = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"}]}"#;
        assert!(matches!(s3_public_b(&bucket(prefix, "[]", Some(open)), Some(Some(open))), Verdict::Yes(_)));
        // A data perimeter: everyone outside the organisation is denied.
        assert_eq!(verdict(&deny(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-123"}}"#)), Verdict::No);
        assert_eq!(verdict(&deny(r#"{"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#)), Verdict::No);
        assert_eq!(verdict(&deny(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)), Verdict::No);
        // A deny the stranger dodges leaves it public: it uses TLS, it is not in the narrow range.
        assert!(matches!(verdict(&deny(r#"{"Bool":{"aws:SecureTransport":"false"}}"#)), Verdict::Yes(_)));
        assert!(matches!(verdict(&deny(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)), Verdict::Yes(_)));
        // A deny of some actions leaves the others open, and names them.
        let reads_denied = r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
        match verdict(reads_denied) {
            Verdict::Yes(why) => {
                assert!(why[0].contains("s3:PutObject") && !why[0].contains("s3:GetObject"), "{why:?}")
            }
            other => panic!("{other:?}"),
        }
        // An absent organisation fails every StringNotEquals, whatever the value it is compared with.
        assert_eq!(
            verdict(&deny(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"${aws:ResourceTag/org}"}}"#)),
            Verdict::No
        );
        // A deny whose resource the scan cannot resolve: unknown, never a pass.
        let unresolved =
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::${aws:PrincipalTag/x}*"}"#;
        assert!(matches!(verdict(unresolved), Verdict::Unknown(w) if w.starts_with("undecided")), "never a pass");
    }

    #[test]
    fn plain_http_is_refused_only_by_a_deny_that_covers_every_caller() {
        let id = AssetId::new("arn:aws:s3:::b");
        let with = |statements: &str| {
            let b = bucket(&format!(r#"{{"Statement":[{statements}]}}"#), "[]", None);
            accepts_insecure_transport(&id, "111111111111", &b)
        };
        let deny = |principal: &str, op: &str| {
            format!(
                r#"{{"Effect":"Deny","Principal":{principal},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{{"{op}":{{"aws:SecureTransport":"false"}}}}}}"#
            )
        };
        assert_eq!(with(&deny(r#""*""#, "Bool")), Verdict::No);
        assert_eq!(with(&deny(r#""*""#, "BoolIfExists")), Verdict::No);
        match with(&deny(r#"{"AWS":"arn:aws:iam::111111111111:role/etl"}"#, "Bool")) {
            Verdict::Yes(requests) => {
                assert!(requests[0].contains("over plain HTTP by a principal of account 111111111111"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(with(""), Verdict::Yes(_)), "no policy, no deny");
        let only_get = deny(r#""*""#, "Bool").replace(r#""Action":"s3:*""#, r#""Action":"s3:GetObject""#);
        assert!(matches!(with(&only_get), Verdict::Yes(r) if r.iter().any(|x| x.starts_with("s3:PutObject"))));
        let vpce = deny(r#""*""#, "Bool")
            .replace(r#""Condition":{"Bool""#, r#""Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"},"Bool""#);
        assert!(matches!(with(&vpce), Verdict::Unknown(why) if why.contains("aws:SourceVpce")));
        let mut unread = bucket("{\"Statement\":[]}", "[]", None);
        unread.policy = None;
        assert!(
            matches!(accepts_insecure_transport(&id, "1", &unread), Verdict::Unknown(w) if w.starts_with("not collected"))
        );
    }

    #[test]
    fn external_trust_needs_an_external_id() {
        let estate = BTreeSet::from(["111111111111"]);
        let doc = |cond: &str| -> PolicyDocument {
            serde_json::from_str(&format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},"Action":"sts:AssumeRole"{cond}}}]}}"#
            ))
            .unwrap()
        };
        assert_eq!(untrusted_assumers(&doc(""), &estate).len(), 1);
        let org = r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#;
        assert!(untrusted_assumers(&doc(org), &estate).is_empty(), "limited to the organisation");
        let any_org = r#","Condition":{"StringLike":{"aws:PrincipalOrgID":"*"}}"#;
        assert_eq!(untrusted_assumers(&doc(any_org), &estate).len(), 1, "a wildcard organisation limits nothing");
        assert!(untrusted_assumers(&doc(r#","Condition":{"StringEquals":{"sts:ExternalId":"x"}}"#), &estate).is_empty());
        for weak in [
            r#"{"StringLike":{"sts:ExternalId":"*"}}"#,
            r#"{"StringEqualsIfExists":{"sts:ExternalId":"x"}}"#,
            r#"{"StringNotEquals":{"sts:ExternalId":"x"}}"#,
            r#"{"StringEquals":{"sts:ExternalId":[]}}"#,
        ] {
            assert_eq!(untrusted_assumers(&doc(&format!(r#","Condition":{weak}"#)), &estate).len(), 1, "{weak}");
        }
        let own: PolicyDocument = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
        assert!(untrusted_assumers(&own, &estate).is_empty());
    }

    #[test]
    fn federated_trust_needs_a_subject() {
        let estate = BTreeSet::from(["111111111111"]);
        let github = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
        let doc = |provider: &str, cond: &str| -> PolicyDocument {
            serde_json::from_str(&format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity"{cond}}}]}}"#
            ))
            .unwrap()
        };
        let aud_only =
            r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#;
        let found = untrusted_assumers(&doc(github, aud_only), &estate);
        assert_eq!(found.len(), 1, "every repository on GitHub may assume it: {found:?}");
        assert!(found[0].contains("no condition on the token's sub"));
        let repo =
            r#","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:northwind/deploy:*"}}"#;
        assert!(untrusted_assumers(&doc(github, repo), &estate).is_empty());
        let any_repo = r#","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"*"}}"#;
        assert_eq!(untrusted_assumers(&doc(github, any_repo), &estate).len(), 1);
        let saml = "arn:aws:iam::111111111111:saml-provider/okta";
        assert_eq!(untrusted_assumers(&doc(saml, ""), &estate).len(), 1);
        let saml_aud = r#","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}"#;
        assert!(untrusted_assumers(&doc(saml, saml_aud), &estate).is_empty());
    }

    fn key_with(policy: &str) -> (Asset, PolicyDocument) {
        let doc: PolicyDocument = serde_json::from_str(policy).unwrap();
        let asset = Asset {
            id: AssetId::new("arn:aws:kms:eu-west-1:111111111111:key/k"),
            name: "k".into(),
            account: "111111111111".into(),
            region: Some("eu-west-1".into()),
            tags: Default::default(),
            attributes: Attributes::AwsKmsKey(auditgraph_model::aws::KmsKey {
                key_manager: "CUSTOMER".into(),
                state: "Enabled".into(),
                rotation_enabled: Some(true),
                key_spec: None,
                origin: None,
                policy: Some(doc.clone()),
            }),
        };
        (asset, doc)
    }

    #[test]
    fn a_key_is_public_when_its_policy_lets_any_account_use_it() {
        let verdict = |policy: &str| {
            let (asset, doc) = key_with(policy);
            kms_public(&asset, Some(&doc))
        };
        let anyone =
            r#"{"Statement":[{"Sid":"Share","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#;
        let Verdict::Yes(why) = verdict(anyone) else { panic!("public") };
        assert_eq!(why, ["key policy statement Share allows kms:Decrypt to anyone"]);
        // The account's own root: IAM policies decide, within the account.
        let own = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#;
        assert_eq!(verdict(own), Verdict::No);
        // Anyone, but only callers of the account (what AWS writes on its managed keys) or of the organisation.
        let caller_account = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*",
            "Condition":{"StringEquals":{"kms:CallerAccount":"111111111111","kms:ViaService":"ec2.eu-west-1.amazonaws.com"}}}]}"#;
        assert_eq!(verdict(caller_account), Verdict::No);
        let org = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#;
        assert_eq!(verdict(org), Verdict::No);
        // A condition on the service alone lets any account's principals through it.
        let via_service = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
            "Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}}}]}"#;
        let Verdict::Yes(why) = verdict(via_service) else { panic!("public through the service") };
        assert!(why[0].ends_with("(its condition on kms:ViaService does not limit who calls)"), "{why:?}");
        // A deny for every other account closes it.
        let denied = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}}]}"#;
        assert_eq!(verdict(denied), Verdict::No);
        let (asset, _) = key_with(own);
        assert!(matches!(kms_public(&asset, None), Verdict::Unknown(w) if w.contains("key policy was not read")));
    }
}

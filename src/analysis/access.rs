//! Access analyses: which buckets anyone on the internet can read or write (policy,
//! ACL, GCS IAM, minus what public access blocks and prevention neutralise), which
//! principals hold administrator rights, and which roles accounts outside the
//! estate can assume without an ExternalId.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use auditgraph_model::aws::{AclGrant, InlinePolicy, PublicAccessBlock, S3Bucket};
use auditgraph_model::gcp::StorageBucket;
use auditgraph_model::policy::{Effect, PolicyDocument, Statement};
use auditgraph_model::{AssetId, AssetKind, Attributes};

use crate::graph::AssetGraph;

/// A yes/no fact that may not be decidable from what was collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Holds, with the reasons.
    Yes(Vec<String>),
    No,
    /// Could not be decided: what was missing.
    Unknown(String),
}

#[derive(Default)]
pub struct AccessFacts {
    pub public: FxHashMap<AssetId, Verdict>,
    /// Principals with `Allow * on *`, with the policies that grant it.
    pub admins: FxHashMap<AssetId, Vec<String>>,
    /// Roles that principals outside the estate can assume without an ExternalId.
    pub untrusted_assumers: FxHashMap<AssetId, Vec<String>>,
    /// (principal, role) pairs inside the estate that trust policies allow.
    pub assumers: Vec<(AssetId, AssetId)>,
}

impl AccessFacts {
    pub fn derive(graph: &AssetGraph) -> Self {
        let mut facts = AccessFacts { assumers: assumers(graph), ..AccessFacts::default() };
        let mut account_blocks: FxHashMap<&str, Option<PublicAccessBlock>> = FxHashMap::default();
        let mut policies: FxHashMap<&AssetId, &PolicyDocument> = FxHashMap::default();
        let mut estate_accounts: BTreeSet<&str> = BTreeSet::new();
        for a in graph.assets_of(&[AssetKind::AwsAccount, AssetKind::AwsIamPolicy]) {
            match &a.attributes {
                Attributes::AwsAccount(acc) => {
                    account_blocks.insert(&a.account, acc.s3_public_access_block);
                    estate_accounts.insert(&acc.account_id);
                }
                Attributes::AwsIamPolicy(p) => {
                    policies.insert(&a.id, &p.document);
                }
                _ => {}
            }
        }
        let admin_grants = |attached: &[AssetId], inline: &[InlinePolicy]| -> Vec<String> {
            let mut v: Vec<String> = attached
                .iter()
                .filter(|p| policies.get(p).is_some_and(|d| grants_admin(d)))
                .map(|p| format!("policy {p} allows * on *"))
                .collect();
            v.extend(
                inline
                    .iter()
                    .filter(|p| grants_admin(&p.document))
                    .map(|p| format!("inline policy {} allows * on *", p.name)),
            );
            v
        };
        let mut group_grants: FxHashMap<&AssetId, Vec<String>> = FxHashMap::default();
        for a in graph.assets_of(&[AssetKind::AwsIamGroup]) {
            if let Attributes::AwsIamGroup(g) = &a.attributes {
                group_grants.insert(&a.id, admin_grants(&g.attached_policies, &g.inline_policies));
            }
        }
        use AssetKind::*;
        for a in graph.assets_of(&[AwsS3Bucket, GcpStorageBucket, AwsIamUser, AwsIamRole, AwsIamGroup]) {
            match &a.attributes {
                Attributes::AwsS3Bucket(b) => {
                    let account = account_blocks.get(a.account.as_str()).copied();
                    facts.public.insert(a.id.clone(), s3_public(b, account));
                }
                Attributes::GcpStorageBucket(b) => {
                    facts.public.insert(a.id.clone(), gcs_public(b));
                }
                Attributes::AwsIamUser(u) => {
                    let mut grants = admin_grants(&u.attached_policies, &u.inline_policies);
                    for g in &u.groups {
                        for grant in group_grants.get(g).into_iter().flatten() {
                            grants.push(format!("through group {g}: {grant}"));
                        }
                    }
                    if !grants.is_empty() {
                        facts.admins.insert(a.id.clone(), grants);
                    }
                }
                Attributes::AwsIamRole(r) => {
                    let grants = admin_grants(&r.attached_policies, &r.inline_policies);
                    if !grants.is_empty() {
                        facts.admins.insert(a.id.clone(), grants);
                    }
                    let outsiders = untrusted_assumers(&r.trust_policy, &estate_accounts);
                    if !outsiders.is_empty() {
                        facts.untrusted_assumers.insert(a.id.clone(), outsiders);
                    }
                }
                Attributes::AwsIamGroup(_) if a.kind() == AssetKind::AwsIamGroup => {
                    if let Some(g) = group_grants.get(&a.id).filter(|g| !g.is_empty()) {
                        facts.admins.insert(a.id.clone(), g.clone());
                    }
                }
                _ => {}
            }
        }
        facts
    }
}

/// `Allow` of every action on every resource, without conditions.
pub fn grants_admin(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.not_action.is_empty()
            && s.action.iter().any(|a| a == "*")
            && s.resource.iter().any(|r| r == "*")
            && s.condition.is_empty()
    })
}

/// Conditions that narrow who can use a statement; `aws:SecureTransport` does not.
fn restricts_callers(s: &Statement) -> bool {
    s.condition.values().flat_map(|m| m.keys()).any(|k| !k.eq_ignore_ascii_case("aws:SecureTransport"))
}

/// One of the four switches of a public access block.
type BlockFlag = fn(&PublicAccessBlock) -> bool;

fn s3_public(b: &S3Bucket, account: Option<Option<PublicAccessBlock>>) -> Verdict {
    // `account`: None when the estate has no account asset; Some(None) when not read.
    let account_block = account.flatten();
    let bucket_block = b.public_access_block;
    let either = |f: BlockFlag| bucket_block.as_ref().is_some_and(f) || account_block.as_ref().is_some_and(f);
    let known = |f: BlockFlag| {
        // Known not to block: both levels read and neither sets the flag.
        bucket_block.is_some() && account_block.is_some() && !either(f)
    };
    let public_statements = |doc: &PolicyDocument| -> Vec<String> {
        doc.statements
            .iter()
            .filter(|s| {
                s.effect == Effect::Allow
                    && s.principal.as_ref().is_some_and(|p| p.is_anyone())
                    && !restricts_callers(s)
            })
            .map(|s| {
                let sid = s.sid.as_deref().unwrap_or("(no Sid)");
                format!("bucket policy statement {sid} allows {} to anyone", s.action.join(", "))
            })
            .collect()
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
        Verdict::Unknown(missing.join("; "))
    } else {
        Verdict::No
    }
}

fn gcs_public(b: &StorageBucket) -> Verdict {
    let Some(bindings) = &b.iam_bindings else { return Verdict::Unknown("bucket IAM policy was not read".into()) };
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
        None => Verdict::Unknown("public access prevention was not read".into()),
    }
}

/// The principals outside `estate` that a trust policy lets assume the role with
/// no `sts:ExternalId` condition.
fn untrusted_assumers(trust: &PolicyDocument, estate: &BTreeSet<&str>) -> Vec<String> {
    let mut out = BTreeMap::new();
    for s in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(p) = &s.principal else { continue };
        let has_external_id =
            s.condition.values().flat_map(|m| m.keys()).any(|k| k.eq_ignore_ascii_case("sts:ExternalId"));
        if has_external_id {
            continue;
        }
        for principal in p.values("AWS") {
            let account = account_of(principal);
            if principal == "*" || account.is_some_and(|a| !estate.contains(a)) {
                out.insert(principal.to_string(), ());
            }
        }
    }
    out.into_keys().map(|p| format!("{p} may assume the role without an ExternalId")).collect()
}

/// The account of `arn:aws:iam::123456789012:root` or of a bare account id.
fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    principal.strip_prefix("arn:aws:iam::")?.split(':').next()
}

/// The service prefixes whose actions touch a data store's contents or config.
fn services_of(kind: AssetKind) -> &'static [&'static str] {
    match kind {
        AssetKind::AwsS3Bucket => &["s3"],
        AssetKind::AwsRdsInstance => &["rds", "rds-db"],
        AssetKind::AwsKmsKey => &["kms"],
        _ => &[],
    }
}

/// Whether an action pattern reaches a store of these services. `Describe*` actions
/// read metadata only, not the data, so they do not count.
fn action_matches(action: &str, services: &[&str]) -> bool {
    action == "*"
        || services.iter().any(|s| {
            action.split_once(':').is_some_and(|(svc, op)| svc.eq_ignore_ascii_case(s) && !op.starts_with("Describe"))
        })
}

fn resource_matches(pattern: &str, arn: &str) -> bool {
    crate::selector::glob_match(pattern, arn) || crate::selector::glob_match(pattern, &format!("{arn}/x"))
}

/// For every AWS bucket, database and key: the users, groups and roles of its
/// account whose own policies allow actions on it, with the actions.
pub fn access_to_data_stores(graph: &AssetGraph) -> BTreeMap<AssetId, Vec<(AssetId, String)>> {
    let policies: FxHashMap<&AssetId, &PolicyDocument> = graph
        .assets_of(&[AssetKind::AwsIamPolicy])
        .into_iter()
        .filter_map(|a| match &a.attributes {
            Attributes::AwsIamPolicy(p) => Some((&a.id, &p.document)),
            _ => None,
        })
        .collect();
    let mut principals: Vec<(&AssetId, &str, Vec<&PolicyDocument>)> = Vec::new();
    for a in graph.assets_of(&[AssetKind::AwsIamUser, AssetKind::AwsIamGroup, AssetKind::AwsIamRole]) {
        let (attached, inline) = match &a.attributes {
            Attributes::AwsIamUser(u) => (&u.attached_policies, &u.inline_policies),
            Attributes::AwsIamGroup(g) => (&g.attached_policies, &g.inline_policies),
            Attributes::AwsIamRole(r) => (&r.attached_policies, &r.inline_policies),
            _ => continue,
        };
        let mut docs: Vec<&PolicyDocument> = attached.iter().filter_map(|p| policies.get(p).copied()).collect();
        docs.extend(inline.iter().map(|p| &p.document));
        principals.push((&a.id, &a.account, docs));
    }
    let mut out: BTreeMap<AssetId, Vec<(AssetId, String)>> = BTreeMap::new();
    for store in graph.assets_of(&[AssetKind::AwsS3Bucket, AssetKind::AwsRdsInstance, AssetKind::AwsKmsKey]) {
        let services = services_of(store.kind());
        if services.is_empty() {
            continue;
        }
        for (principal, account, docs) in &principals {
            if *account != store.account {
                continue;
            }
            let mut actions: BTreeSet<&str> = BTreeSet::new();
            for s in
                docs.iter().flat_map(|d| &d.statements).filter(|s| s.effect == Effect::Allow && s.not_action.is_empty())
            {
                if s.resource.iter().any(|r| resource_matches(r, store.id.as_str())) {
                    actions.extend(s.action.iter().filter(|a| action_matches(a, services)).map(String::as_str));
                }
            }
            if !actions.is_empty() {
                out.entry(store.id.clone())
                    .or_default()
                    .push(((*principal).clone(), actions.into_iter().collect::<Vec<_>>().join(", ")));
            }
        }
    }
    out
}

/// Who may assume each role: principals of the estate named in its trust policy
/// (an account root stands for the whole account).
pub fn assumers(graph: &AssetGraph) -> Vec<(AssetId, AssetId)> {
    let mut out = Vec::new();
    for a in graph.assets_of(&[AssetKind::AwsIamRole]) {
        let Attributes::AwsIamRole(r) = &a.attributes else { continue };
        for s in r.trust_policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for p in s.principal.iter().flat_map(|p| p.values("AWS")) {
                let id = AssetId::new(p);
                if graph.asset(&id).is_some() {
                    out.push((id, a.id.clone()));
                }
            }
        }
    }
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

    const PUBLIC_POLICY: &str = r#"{"Statement":[{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    const NO_POLICY: &str = r#"{"Statement":[]}"#;
    const PUBLIC_ACL: &str = r#"[{"grantee":"group:AllUsers","permission":"READ"}]"#;

    #[test]
    fn public_policy_unless_restricted() {
        let open = PublicAccessBlock::default();
        let restrict = PublicAccessBlock { restrict_public_buckets: true, ..open };
        assert!(matches!(s3_public(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(Some(open))), Verdict::Yes(_)));
        assert_eq!(s3_public(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(Some(restrict))), Verdict::No);
        assert_eq!(s3_public(&bucket(PUBLIC_POLICY, "[]", Some(restrict)), Some(None)), Verdict::No);
        assert!(matches!(s3_public(&bucket(PUBLIC_POLICY, "[]", Some(open)), Some(None)), Verdict::Unknown(_)));
        assert_eq!(s3_public(&bucket(NO_POLICY, "[]", Some(open)), Some(Some(open))), Verdict::No);
    }

    #[test]
    fn public_acl_unless_ignored() {
        let open = PublicAccessBlock::default();
        let ignore = PublicAccessBlock { ignore_public_acls: true, ..open };
        assert!(matches!(s3_public(&bucket(NO_POLICY, PUBLIC_ACL, Some(open)), Some(Some(open))), Verdict::Yes(_)));
        assert_eq!(s3_public(&bucket(NO_POLICY, PUBLIC_ACL, Some(ignore)), Some(Some(open))), Verdict::No);
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
        assert!(untrusted_assumers(&doc(r#","Condition":{"StringEquals":{"sts:ExternalId":"x"}}"#), &estate).is_empty());
        let own: PolicyDocument = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
        assert!(untrusted_assumers(&own, &estate).is_empty());
    }
}

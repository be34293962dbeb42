//! The AWS principals of the estate with every policy that bears on their
//! requests (their own, their groups', their permissions boundary), the resource
//! side of what they ask for (bucket, key and trust policies), and `ask`, which
//! puts one request to the IAM evaluator. Callers outside the estate (another
//! account, anyone) are principals here too, with whatever their own side allows.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use auditgraph_model::aws::{AclGrant, InlinePolicy, Organization, S3Bucket};
use auditgraph_model::policy::PolicyDocument;
use auditgraph_model::{AssetId, AssetKind, Attributes};

use crate::graph::AssetGraph;
use crate::iam::{
    decide, AclEntry, Boundary, Caller, Context, Decision, Grantee, Named, Policies, Request, ResourcePolicy, Scps,
};

/// Who makes a request.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A user or role of the estate, or a compute asset acting as its role.
    Asset(AssetId),
    /// Some principal of an account outside the estate (or the one named).
    Outside(String),
    /// Anyone: an anonymous request or any AWS account.
    Anyone,
    /// Users of an identity provider (SAML or OIDC), as a trust policy names it.
    Federated(String),
    /// A Google Cloud IAM member (`user:…`, `serviceAccount:…`, `allUsers`).
    Member(String),
}

impl Actor {
    /// The actor in words, naming estate assets by `name_of`.
    pub fn describe(&self, name_of: &dyn Fn(&AssetId) -> String) -> String {
        match self {
            Actor::Asset(id) => {
                let what = match id.as_str().split(':').nth(5).and_then(|r| r.split('/').next()) {
                    Some("user") => "user",
                    Some("role") => "role",
                    Some("instance") => "instance",
                    _ => "asset",
                };
                format!("{what} {}", name_of(id))
            }
            Actor::Outside(who) => format!("{who} (outside the estate)"),
            Actor::Anyone => "anyone (anonymous or any AWS account)".into(),
            Actor::Federated(provider) => format!("users of identity provider {provider}"),
            Actor::Member(member) => super::gcp_access::describe_member(member),
        }
    }
}

/// A user or role with the policies that apply to its requests.
pub struct Principal<'g> {
    pub id: &'g AssetId,
    pub account: &'g str,
    pub kind: AssetKind,
    identity: Vec<Named<'g>>,
    boundary: Option<Vec<Named<'g>>>,
    boundary_unread: bool,
    scps: OrgPolicies<'g>,
    context: Context,
}

/// The service control policies that bind a principal's account.
enum OrgPolicies<'g> {
    /// Not in an organisation (as far as the scan read), or its management account.
    None,
    /// Root first; each level must allow.
    Levels(Vec<Vec<Named<'g>>>),
    /// In an organisation whose policies the scan could not read.
    NotRead,
}

/// One caller's side of every request, ready to put to the evaluator.
pub struct Asker<'p> {
    caller: Caller,
    identity: &'p [Named<'p>],
    boundary: Boundary<'p>,
    scps: Scps<'p>,
    context: &'p Context,
}

/// What a resource adds to a request about it: its own policy, if it has one,
/// and a bucket's ACL.
#[derive(Clone)]
pub struct ResourceSide<'g> {
    pub account: &'g str,
    pub policy: Option<ResourcePolicy<'g>>,
    /// A bucket's ACL, empty for other resources (`None`: not read).
    pub acl: Option<Vec<AclEntry>>,
    /// The policy exists but was not read: what it would deny is not known.
    pub unread: Option<&'static str>,
}

/// Each principal's policies with the labels evidence names them by (`policy
/// read via group devs`): gathered first, so that `Principals` can lend the
/// evaluator borrowed names.
pub struct PolicySets<'g> {
    sets: Vec<PolicySet<'g>>,
}

struct PolicySet<'g> {
    asset: &'g auditgraph_model::Asset,
    identity: Vec<(String, &'g PolicyDocument)>,
    /// The boundary's label, and its document if it was read.
    boundary: Option<(String, Option<&'g PolicyDocument>)>,
}

impl<'g> PolicySets<'g> {
    pub fn of(graph: &'g AssetGraph) -> Self {
        let policies = managed_policies(graph);
        let name = |id: &AssetId| super::name_in(graph, id);
        let mut sets = Vec::new();
        for a in graph.assets_of(&[AssetKind::AwsIamUser, AssetKind::AwsIamRole]) {
            let (attached, inline, groups, boundary) = match &a.attributes {
                Attributes::AwsIamUser(u) => {
                    (&u.attached_policies, &u.inline_policies, &u.groups[..], &u.permissions_boundary)
                }
                Attributes::AwsIamRole(r) => {
                    (&r.attached_policies, &r.inline_policies, &[][..], &r.permissions_boundary)
                }
                _ => continue,
            };
            let mut identity = Vec::new();
            let mut add = |via: &str, attached: &'g [AssetId], inline: &'g [InlinePolicy]| {
                for p in attached {
                    if let Some(doc) = policies.get(p) {
                        identity.push((format!("policy {}{via}", name(p)), *doc));
                    }
                }
                for p in inline {
                    identity.push((format!("inline policy {}{via}", p.name), &p.document));
                }
            };
            add("", attached, inline);
            for g in groups {
                if let Some(Attributes::AwsIamGroup(group)) = graph.asset(g).map(|a| &a.attributes) {
                    add(&via_group(&name(g)), &group.attached_policies, &group.inline_policies);
                }
            }
            let boundary =
                boundary.as_ref().map(|b| (format!("permissions boundary {}", name(b)), policies.get(b).copied()));
            sets.push(PolicySet { asset: a, identity, boundary });
        }
        PolicySets { sets }
    }
}

/// How a policy label says that a group's policy applies: ` via group devs`.
pub fn via_group(group_name: &str) -> String {
    format!(" via group {group_name}")
}

fn managed_policies(graph: &AssetGraph) -> FxHashMap<&AssetId, &PolicyDocument> {
    graph
        .assets_of(&[AssetKind::AwsIamPolicy])
        .into_iter()
        .filter_map(|a| match &a.attributes {
            Attributes::AwsIamPolicy(p) => Some((&a.id, &p.document)),
            _ => None,
        })
        .collect()
}

/// The estate's principals, by id and by account.
pub struct Principals<'g> {
    pub list: Vec<Principal<'g>>,
    index: FxHashMap<&'g AssetId, usize>,
    by_account: FxHashMap<&'g str, Vec<usize>>,
    /// Every AWS account the estate holds.
    pub estate_accounts: BTreeSet<&'g str>,
}

impl<'g> Principals<'g> {
    pub fn new(graph: &'g AssetGraph, sets: &'g PolicySets<'g>) -> Self {
        let named = |(name, doc): &'g (String, &'g PolicyDocument)| Named { name, doc };
        let organizations: FxHashMap<&str, &Organization> = graph
            .assets_of(&[AssetKind::AwsAccount])
            .into_iter()
            .filter_map(|a| match &a.attributes {
                Attributes::AwsAccount(acc) => acc.organization.as_ref().map(|o| (acc.account_id.as_str(), o)),
                _ => None,
            })
            .collect();
        let org_of = |account: &str| organizations.get(account).copied();
        let list: Vec<Principal> = sets
            .sets
            .iter()
            .map(|set| Principal {
                id: &set.asset.id,
                account: &set.asset.account,
                kind: set.asset.kind(),
                identity: set.identity.iter().map(named).collect(),
                boundary: set.boundary.as_ref().and_then(|(name, doc)| doc.map(|doc| vec![Named { name, doc }])),
                boundary_unread: set.boundary.as_ref().is_some_and(|(_, doc)| doc.is_none()),
                scps: org_policies(org_of(&set.asset.account), &set.asset.account),
                context: context_of(set.asset, org_of(&set.asset.account)),
            })
            .collect();
        let mut estate_accounts: BTreeSet<&str> = list.iter().map(|p| p.account).collect();
        for a in graph.assets_of(&[AssetKind::AwsAccount]) {
            if let Attributes::AwsAccount(acc) = &a.attributes {
                estate_accounts.insert(acc.account_id.as_str());
            }
        }
        let index = list.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut by_account: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, p) in list.iter().enumerate() {
            by_account.entry(p.account).or_default().push(i);
        }
        Principals { list, index, by_account, estate_accounts }
    }

    pub fn get(&self, id: &AssetId) -> Option<&Principal<'g>> {
        self.index.get(id).map(|&i| &self.list[i])
    }

    pub fn of_account(&self, account: &str) -> impl Iterator<Item = &Principal<'g>> {
        self.by_account.get(account).into_iter().flatten().map(|&i| &self.list[i])
    }
}

/// What every request asked about is assumed to be: sent over TLS, as any
/// caller may choose to. Everything else about a session (MFA, source address,
/// tags) stays unknown, so grants that depend on it are conditional.
pub fn request_context() -> Context {
    Context::default().with("aws:SecureTransport", &["true"])
}

/// The SCPs that bind principals of `account`, as its organisation was read.
fn org_policies<'g>(org: Option<&'g Organization>, account: &str) -> OrgPolicies<'g> {
    let Some(org) = org else { return OrgPolicies::None };
    if org.management_account == account {
        return OrgPolicies::None;
    }
    match &org.service_control_policies {
        Some(levels) => OrgPolicies::Levels(
            levels
                .iter()
                .map(|level| level.policies.iter().map(|p| Named { name: &p.name, doc: &p.document }).collect())
                .collect(),
        ),
        None => OrgPolicies::NotRead,
    }
}

/// A principal's requests: who it is (and its organisation, where read), besides
/// `request_context`.
fn context_of(a: &auditgraph_model::Asset, org: Option<&Organization>) -> Context {
    // KMS names the caller's account with a key of its own.
    let mut ctx = request_context()
        .with("aws:PrincipalArn", &[a.id.as_str()])
        .with("aws:PrincipalAccount", &[&a.account])
        .with("kms:CallerAccount", &[&a.account]);
    if let Some(org) = org {
        ctx = ctx.with("aws:PrincipalOrgID", &[&org.id]);
    }
    match a.kind() {
        AssetKind::AwsIamUser => ctx.with("aws:username", &[&a.name]).with("aws:PrincipalType", &["User"]),
        _ => ctx.with_absent("aws:username").with("aws:PrincipalType", &["AssumedRole"]),
    }
}

impl<'g> Principal<'g> {
    pub fn asker(&self) -> Asker<'_> {
        Asker {
            caller: Caller::Principal { arn: self.id.to_string(), account: self.account.to_string() },
            identity: &self.identity,
            boundary: match (&self.boundary, self.boundary_unread) {
                (_, true) => Boundary::NotRead,
                (Some(b), false) => Boundary::Policies(b),
                (None, false) => Boundary::None,
            },
            scps: match &self.scps {
                OrgPolicies::None => Scps::None,
                OrgPolicies::Levels(levels) => Scps::Levels(levels),
                OrgPolicies::NotRead => Scps::NotRead,
            },
            context: &self.context,
        }
    }

    /// Its identity policies (own and its groups').
    pub fn identity(&self) -> &[Named<'g>] {
        &self.identity
    }

    /// Its side of requests if its identity policies were `identity` instead:
    /// for "what if it attached a policy".
    pub fn asker_with<'a>(&'a self, identity: &'a [Named<'a>]) -> Asker<'a> {
        Asker { identity, ..self.asker() }
    }

    /// Whether any of its identity policies mentions this service in an Allow,
    /// a cheap test before asking the evaluator about each of its actions.
    pub fn may_allow_service(&self, service: &str) -> bool {
        self.identity.iter().flat_map(|p| &p.doc.statements).any(|s| {
            s.effect == auditgraph_model::policy::Effect::Allow
                && (!s.not_action.is_empty() || s.action.iter().any(|a| action_names_service(a, service)))
        })
    }
}

/// Whether an action pattern may match an action of `service`.
fn action_names_service(pattern: &str, service: &str) -> bool {
    match pattern.split_once(':') {
        Some((svc, _)) => crate::iam::pattern::glob(svc, service, true),
        None => pattern.contains('*'),
    }
}

/// The label of an outside caller's own policies, which evidence leaves out.
const OUTSIDE_OWN: &str = "its own account's policies";

/// A policy allowing every action on everything: what an identity outside the
/// estate may hold, and what a principal that rewrites its own policies may attach.
pub fn allow_everything() -> &'static PolicyDocument {
    static ANYTHING: std::sync::OnceLock<PolicyDocument> = std::sync::OnceLock::new();
    ANYTHING.get_or_init(|| {
        serde_json::from_str(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#).expect("valid")
    })
}

/// A caller of another account (`arn` a principal of it, or its root for any of
/// them), whose own side may allow anything, or an anonymous one, who has none.
pub fn outside_asker(caller: Caller, context: &Context) -> Asker<'_> {
    static ANY: std::sync::OnceLock<[Named<'static>; 1]> = std::sync::OnceLock::new();
    let identity: &'static [Named<'static>] = match caller {
        Caller::Anonymous => &[],
        Caller::Principal { .. } => ANY.get_or_init(|| [Named { name: OUTSIDE_OWN, doc: allow_everything() }]),
    };
    // Another account's SCPs are not the estate's to read: what they deny is not seen.
    Asker { caller, identity, boundary: Boundary::None, scps: Scps::None, context }
}

impl Asker<'_> {
    /// The caller's own policy documents.
    pub fn documents(&self) -> impl Iterator<Item = &PolicyDocument> {
        self.identity.iter().map(|n| n.doc)
    }

    /// The evaluator's decision on `action` against `resource` (an ARN of the
    /// resource or inside it, such as an object of a bucket), after its SCPs,
    /// identity policies, boundary and the resource's policy.
    pub fn ask(&self, action: &str, resource: &str, side: &ResourceSide) -> Decision {
        let policies = Policies {
            identity: self.identity,
            boundary: self.boundary,
            scps: self.scps,
            resource: side.policy,
            acl: side.acl.as_deref().unwrap_or_default(),
        };
        let req = Request {
            caller: self.caller.clone(),
            action,
            resource,
            resource_account: side.account,
            context: self.context,
        };
        let mut decision = decide(&req, &policies);
        if let Decision::Allowed(grants) | Decision::Conditional { grants, .. } = &mut decision {
            grants.retain(|g| g.policy != OUTSIDE_OWN);
        }
        match (decision, side.unread) {
            (Decision::Allowed(grants), Some(why)) => Decision::Conditional { on: [why.to_string()].into(), grants },
            (Decision::Conditional { mut on, grants }, Some(why)) => {
                on.insert(why.to_string());
                Decision::Conditional { on, grants }
            }
            (d, _) => d,
        }
    }
}

/// The resource side of requests about an asset: bucket policies (and ACLs) may
/// allow, key and trust policies must.
pub fn resource_side(a: &auditgraph_model::Asset) -> ResourceSide<'_> {
    let (policy, must_allow, unread) = match &a.attributes {
        Attributes::AwsS3Bucket(b) => (b.policy.as_ref(), false, "bucket policy (not read)"),
        Attributes::AwsKmsKey(k) => (k.policy.as_ref(), true, "key policy (not read)"),
        Attributes::AwsLambdaFunction(f) => (f.policy.as_ref(), false, "function policy (not read)"),
        // DynamoDB takes resource policies, which the provider does not read yet.
        Attributes::AwsDynamoDbTable(_) => (None, false, "table resource policy (not read)"),
        Attributes::AwsIamRole(r) => (Some(&r.trust_policy), true, ""),
        _ => return ResourceSide { account: &a.account, policy: None, acl: Some(Vec::new()), unread: None },
    };
    let acl = match &a.attributes {
        Attributes::AwsS3Bucket(b) => b.acl_grants.as_ref().map(|grants| acl_entries(b, grants, &a.account)),
        _ => Some(Vec::new()),
    };
    ResourceSide {
        account: &a.account,
        policy: policy.map(|doc| ResourcePolicy { policy: Named { name: side_label(a.kind()), doc }, must_allow }),
        acl,
        unread: policy.is_none().then_some(unread),
    }
}

impl ResourceSide<'_> {
    /// What was not read that may grant callers outside the estate (whom no
    /// question can then name): an unread bucket policy or ACL.
    pub fn unread_grants(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.unread.into_iter().collect();
        if self.acl.is_none() {
            out.push("bucket ACL (not read)");
        }
        out
    }
}

/// A bucket's ACL grants for the evaluator: the owner's canonical user is the
/// bucket's account; a grant to another canonical user (or an e-mail address, or
/// a group other than AllUsers and AuthenticatedUsers) names an account the scan
/// cannot pin, kept as the ACL names it. With `ignore_public_acls` on the bucket,
/// grants to AllUsers and AuthenticatedUsers do not count (the account-wide flag
/// is judged by `bucket-public`, not here).
fn acl_entries(b: &S3Bucket, grants: &[AclGrant], account: &str) -> Vec<AclEntry> {
    let ignore_public = b.public_access_block.is_some_and(|p| p.ignore_public_acls);
    grants
        .iter()
        .filter_map(|g| {
            let grantee = match g.grantee.as_str() {
                "group:AllUsers" => Grantee::Anyone,
                "group:AuthenticatedUsers" => Grantee::AnyAccount,
                other
                    if other
                        .strip_prefix("canonical_user:")
                        .is_some_and(|id| Some(id) == b.owner_canonical_id.as_deref()) =>
                {
                    Grantee::Account(account.to_string())
                }
                other => Grantee::Account(other.to_string()),
            };
            let public = !matches!(grantee, Grantee::Account(_));
            (!(public && ignore_public)).then(|| AclEntry {
                grantee,
                permission: g.permission.clone(),
                label: format!("{} to {}", g.permission, g.grantee),
            })
        })
        .collect()
}

fn side_label(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::AwsS3Bucket => "its bucket policy",
        AssetKind::AwsKmsKey => "its key policy",
        AssetKind::AwsLambdaFunction => "its function policy",
        AssetKind::AwsDynamoDbTable => "its resource policy",
        _ => "its trust policy",
    }
}

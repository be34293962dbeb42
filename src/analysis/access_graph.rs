//! Who can do what, decided by the IAM evaluator: access from principals (and
//! compute acting as its role, and callers outside the estate) to data stores by
//! access level, the role chains that lead there (`sts:AssumeRole`, instance
//! profiles), and the two questions asked of them: who can perform an action on
//! a resource (`who_can`), and what a principal can reach (`reach_of`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use auditgraph_model::policy::{Effect, PolicyDocument, Principal as PolicyPrincipal};
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes};

use super::principals::{outside_asker, request_context, resource_side, Actor, Asker, Principals, ResourceSide};
use crate::graph::AssetGraph;
use crate::iam::{Caller, Decision, Grant, Grantee};

/// How far role chains are followed (a principal, then up to this many roles).
pub const MAX_CHAIN: usize = 5;

/// What a principal can do to a data store, coarsest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    List,
    Read,
    Write,
    Permissions,
    Tagging,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::List => "list",
            Level::Read => "read",
            Level::Write => "write",
            Level::Permissions => "permissions",
            Level::Tagging => "tagging",
        }
    }
}

/// The kinds of asset access levels are derived for.
pub const STORE_KINDS: [AssetKind; 4] =
    [AssetKind::AwsS3Bucket, AssetKind::AwsRdsInstance, AssetKind::AwsDynamoDbTable, AssetKind::AwsKmsKey];

/// The actions that stand for each access level on a kind of data store: a level
/// is granted when any of its actions is.
pub fn level_actions(kind: AssetKind) -> &'static [(Level, &'static [&'static str])] {
    use Level::*;
    match kind {
        AssetKind::AwsS3Bucket => &[
            (List, &["s3:ListBucket"]),
            (Read, &["s3:GetObject"]),
            (Write, &["s3:PutObject", "s3:DeleteObject"]),
            (Permissions, &["s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl"]),
            (Tagging, &["s3:PutBucketTagging"]),
        ],
        // Whoever may change the instance may reset its master password; a
        // snapshot may be restored where its maker reads it.
        AssetKind::AwsRdsInstance => &[
            (List, &["rds:DescribeDBInstances"]),
            (Read, &["rds-db:connect", "rds:CreateDBSnapshot"]),
            (Write, &["rds:ModifyDBInstance", "rds:DeleteDBInstance"]),
            (Tagging, &["rds:AddTagsToResource"]),
        ],
        AssetKind::AwsDynamoDbTable => &[
            (List, &["dynamodb:DescribeTable"]),
            (Read, &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ExportTableToPointInTime"]),
            (Write, &["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:DeleteTable"]),
            (Permissions, &["dynamodb:PutResourcePolicy"]),
            (Tagging, &["dynamodb:TagResource"]),
        ],
        AssetKind::AwsKmsKey => &[
            (List, &["kms:DescribeKey"]),
            (Read, &["kms:Decrypt"]),
            (Write, &["kms:Encrypt", "kms:GenerateDataKey", "kms:ScheduleKeyDeletion"]),
            (Permissions, &["kms:PutKeyPolicy", "kms:CreateGrant"]),
            (Tagging, &["kms:TagResource"]),
        ],
        // Invoking runs the code as its role; who may change the code or its policy owns it.
        AssetKind::AwsLambdaFunction => &[
            (List, &["lambda:GetFunctionConfiguration"]),
            (Read, &["lambda:GetFunction"]),
            (
                Write,
                &[
                    "lambda:InvokeFunction",
                    "lambda:InvokeFunctionUrl",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                ],
            ),
            (Permissions, &["lambda:AddPermission"]),
            (Tagging, &["lambda:TagResource"]),
        ],
        _ => &[],
    }
}

/// Whether an S3 action acts on objects (its resource is `bucket/key`).
fn object_action(action: &str) -> bool {
    let Some((service, op)) = action.split_once(':') else { return false };
    service.eq_ignore_ascii_case("s3")
        && ((op.contains("Object") && !op.contains("ObjectLockConfiguration"))
            || op == "AbortMultipartUpload"
            || op == "ListMultipartUploadParts")
}

/// Whether `action` is about this kind of resource: its service names the
/// resource's ARN (`s3:GetObject` a bucket, `kms:Decrypt` a key), or it is
/// `sts:AssumeRole…` on a role, or `rds-db:connect` on a database.
pub fn applies_to(action: &str, target: &Asset) -> bool {
    let Some((service, _)) = action.split_once(':') else { return false };
    let service = service.to_ascii_lowercase();
    let Some(arn_service) = target.id.as_str().strip_prefix("arn:aws:").and_then(|r| r.split(':').next()) else {
        return false;
    };
    match service.as_str() {
        "sts" => target.kind() == AssetKind::AwsIamRole,
        "rds-db" => target.kind() == AssetKind::AwsRdsInstance,
        s => s == arn_service,
    }
}

/// One level of access, with the actions of it that are allowed and why.
#[derive(Clone, Debug, Serialize)]
pub struct Access {
    pub level: Level,
    pub actions: Vec<String>,
    /// Empty when allowed outright; otherwise the keys (or unread policies) it depends on.
    pub conditional_on: BTreeSet<String>,
    pub grants: Vec<Grant>,
}

/// What an actor may do to one resource, as the evaluator decides it for one action.
#[derive(Clone, Debug)]
pub struct Permit {
    pub conditional_on: BTreeSet<String>,
    pub grants: Vec<Grant>,
}

impl Permit {
    /// An allowed or conditional decision as a permit; `None` when not allowed.
    pub fn of(decision: Decision) -> Option<Permit> {
        match decision {
            Decision::Allowed(grants) => Some(Permit { conditional_on: BTreeSet::new(), grants }),
            Decision::Conditional { on, grants } => Some(Permit { conditional_on: on, grants }),
            Decision::NotAllowed | Decision::Denied(_) => None,
        }
    }
}

/// The decision on `action` by `asker` about `store`, where for an object action
/// some object of the bucket counts: the objects the policies name are tried too.
pub(super) fn permit(asker: &Asker, action: &str, store: &Asset, side: &ResourceSide) -> Option<Permit> {
    let arn = store.id.as_str();
    let mut resources = vec![arn.to_string()];
    if store.kind() == AssetKind::AwsS3Bucket && object_action(action) {
        resources = object_samples(arn, asker.documents().chain(side.policy.map(|p| p.policy.doc)));
    } else if action.starts_with("rds-db:") {
        if let Attributes::AwsRdsInstance(_) = &store.attributes {
            // IAM database authentication names `dbuser:<resource id>/<user>`,
            // an id the scan does not read: every database of the account.
            let region = store.region.as_deref().unwrap_or("*");
            resources = vec![format!("arn:aws:rds-db:{region}:{}:dbuser:any-database/any-user", store.account)];
        }
    }
    let mut best: Option<Permit> = None;
    for r in &resources {
        let Some(p) = Permit::of(asker.ask(action, r, side)) else { continue };
        if p.conditional_on.is_empty() {
            return Some(p);
        }
        if best.as_ref().is_none_or(|b| p.conditional_on.len() < b.conditional_on.len()) {
            best = Some(p);
        }
    }
    best
}

/// Objects of a bucket to ask about: any object, and one inside every object
/// pattern the policies name for it (`bucket/reports/*` → `bucket/reports/x`).
fn object_samples<'d>(bucket: &str, docs: impl Iterator<Item = &'d PolicyDocument>) -> Vec<String> {
    let prefix = format!("{bucket}/");
    let mut samples = BTreeSet::from([format!("{prefix}any-object")]);
    for s in docs.flat_map(|d| &d.statements).filter(|s| s.effect == Effect::Allow) {
        for r in s.resource.iter().filter(|r| r.starts_with(&prefix) && !r.contains("${")) {
            samples.insert(r.replace(['*', '?'], "x"));
        }
    }
    samples.into_iter().collect()
}

/// Every level of access an actor has to a store.
fn levels_of(asker: &Asker, store: &Asset, side: &ResourceSide) -> Vec<Access> {
    level_actions(store.kind())
        .iter()
        .filter_map(|(level, actions)| {
            Access::gather(*level, actions.iter().filter_map(|a| Some((*a, permit(asker, a, store, side)?))))
        })
        .collect()
}

impl Access {
    /// A level from the permits of its actions: outright when one action is allowed
    /// outright, else conditional on what they depend on; `None` when none is permitted.
    pub fn gather<'a>(level: Level, permits: impl IntoIterator<Item = (&'a str, Permit)>) -> Option<Access> {
        let mut access = Access { level, actions: Vec::new(), conditional_on: BTreeSet::new(), grants: Vec::new() };
        let mut outright = false;
        for (action, p) in permits {
            outright |= p.conditional_on.is_empty();
            access.conditional_on.extend(p.conditional_on);
            access.actions.push(action.to_string());
            access.grants.extend(p.grants);
        }
        if access.actions.is_empty() {
            return None;
        }
        if outright {
            access.conditional_on.clear();
        }
        access.grants.sort();
        access.grants.dedup();
        Some(access)
    }
}

/// The callers a resource policy names that are not principals of the estate:
/// other accounts (or one principal of theirs), anyone, identity providers.
fn outsiders_named(doc: &PolicyDocument, principals: &Principals) -> BTreeSet<Actor> {
    let mut out = BTreeSet::new();
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        if s.not_principal.is_some() {
            out.insert(Actor::Anyone);
        }
        let Some(p) = &s.principal else { continue };
        if p.is_anyone() {
            out.insert(Actor::Anyone);
            continue;
        }
        for v in p.values("AWS") {
            match account_of(v) {
                Some(acct) if !principals.estate_accounts.contains(acct) => {
                    out.insert(Actor::Outside(v.to_string()));
                }
                _ => {}
            }
        }
        for v in p.values("Federated") {
            out.insert(Actor::Federated(v.to_string()));
        }
    }
    out
}

/// The callers outside the estate a resource's policy or ACL names.
fn outsiders_of(side: &ResourceSide, principals: &Principals) -> BTreeSet<Actor> {
    let mut out = side.policy.map(|p| outsiders_named(p.policy.doc, principals)).unwrap_or_default();
    for entry in side.acl.iter().flatten() {
        match &entry.grantee {
            Grantee::Anyone => out.insert(Actor::Anyone),
            Grantee::AnyAccount => out.insert(Actor::Outside(ANY_ACCOUNT.into())),
            Grantee::Account(a) if principals.estate_accounts.contains(a.as_str()) => false,
            Grantee::Account(a) => out.insert(Actor::Outside(a.clone())),
        };
    }
    out
}

/// How an outsider that stands for every AWS account is named.
const ANY_ACCOUNT: &str = "any AWS account";

/// The estate principals a resource policy names by ARN or by account.
fn estate_principals_named<'p, 'g>(doc: &PolicyDocument, principals: &'p Principals<'g>) -> Vec<&'p AssetId> {
    let mut out = BTreeSet::new();
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(p) = &s.principal else { continue };
        for v in p.values("AWS") {
            if let Some(found) = principals.get(&AssetId::new(v)) {
                out.insert(found.id);
            } else if let Some(acct) = account_of(v).filter(|a| is_account_itself(v, a)) {
                out.extend(principals.of_account(acct).map(|p| p.id));
            }
        }
    }
    out.into_iter().collect()
}

/// Whether an Allow statement names anyone (`"*"`, or everyone a NotPrincipal leaves).
fn names_anyone(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow && (s.not_principal.is_some() || s.principal.as_ref().is_some_and(|p| p.is_anyone()))
    })
}

fn is_account_itself(value: &str, account: &str) -> bool {
    value == account || value == format!("arn:aws:iam::{account}:root")
}

/// The account of a principal's ARN or of a bare account id.
pub fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    principal.strip_prefix("arn:aws:iam::")?.split(':').next().filter(|a| !a.is_empty())
}

/// Asks for an actor outside the estate: for `Anyone`, an anonymous caller and
/// a caller of any other account both count.
fn ask_outside(actor: &Actor, f: &mut dyn FnMut(&Asker)) {
    let callers: Vec<Caller> = match actor {
        Actor::Anyone => vec![
            Caller::Anonymous,
            Caller::Principal {
                arn: "arn:aws:iam::000000000000:role/any-principal".into(),
                account: "000000000000".into(),
            },
        ],
        // An outsider named by no ARN (any account, an ACL's canonical user) is its own account.
        Actor::Outside(who) => {
            let account = account_of(who).unwrap_or(who).to_string();
            let arn = if is_account_itself(who, &account) {
                format!("arn:aws:iam::{account}:role/any-principal")
            } else {
                who.clone()
            };
            vec![Caller::Principal { arn, account }]
        }
        Actor::Asset(_) | Actor::Federated(_) | Actor::Member(_) => vec![],
    };
    for caller in callers {
        // The one thing known of an outsider's request: the account it comes from.
        let ctx = match &caller {
            Caller::Principal { account, .. } => request_context().with("kms:CallerAccount", &[account]),
            Caller::Anonymous => request_context().with_absent("kms:CallerAccount"),
        };
        f(&outside_asker(caller, &ctx));
    }
}

/// How one actor comes to act as a role.
#[derive(Clone, Debug)]
pub enum StepKind {
    /// `sts:AssumeRole`, allowed by the role's trust policy (and the caller's own).
    Assume(Permit),
    /// An instance acts as the role of its instance profile.
    RunsAs,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub from: Actor,
    pub role: AssetId,
    pub kind: StepKind,
}

impl Step {
    pub fn describe(&self, name_of: &dyn Fn(&AssetId) -> String) -> String {
        let role = name_of(&self.role);
        match &self.kind {
            StepKind::RunsAs => format!("{} runs as role {role}", self.from.describe(name_of)),
            StepKind::Assume(p) => {
                format!("{} can assume role {role} ({})", self.from.describe(name_of), Grant::list(&p.grants))
                    + &conditional_note(&p.conditional_on)
            }
        }
    }

    fn conditional_on(&self) -> &BTreeSet<String> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        match &self.kind {
            StepKind::Assume(p) => &p.conditional_on,
            StepKind::RunsAs => &NONE,
        }
    }
}

pub fn conditional_note(on: &BTreeSet<String>) -> String {
    if on.is_empty() {
        String::new()
    } else {
        format!(" [conditional on {}]", on.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

/// Every way an actor comes to act as a role of the estate.
pub fn role_steps(graph: &AssetGraph, principals: &Principals) -> Vec<Step> {
    let roles = graph.assets_of(&[AssetKind::AwsIamRole]);
    let mut steps: Vec<Step> = roles
        .par_iter()
        .flat_map_iter(|role| {
            let side = resource_side(role);
            let Attributes::AwsIamRole(r) = &role.attributes else { return Vec::new() };
            let mut out = Vec::new();
            // A trust policy that names anyone lets every principal of the estate ask.
            let candidates: Vec<&AssetId> = if names_anyone(&r.trust_policy) {
                principals.list.iter().map(|p| p.id).collect()
            } else {
                estate_principals_named(&r.trust_policy, principals)
            };
            for id in candidates {
                if id == &role.id {
                    continue;
                }
                let Some(p) = principals.get(id) else { continue };
                if let Some(permit) = permit(&p.asker(), "sts:AssumeRole", role, &side) {
                    out.push(Step {
                        from: Actor::Asset(id.clone()),
                        role: role.id.clone(),
                        kind: StepKind::Assume(permit),
                    });
                }
            }
            for actor in outsiders_named(&r.trust_policy, principals) {
                let mut found: Option<Permit> = None;
                match &actor {
                    Actor::Federated(provider) => found = federated_permit(&r.trust_policy, provider),
                    _ => ask_outside(&actor, &mut |asker| {
                        if found.is_none() {
                            found = permit(asker, "sts:AssumeRole", role, &side);
                        }
                    }),
                }
                if let Some(permit) = found {
                    out.push(Step { from: actor, role: role.id.clone(), kind: StepKind::Assume(permit) });
                }
            }
            out
        })
        .collect();
    for a in graph.assets_of(&[AssetKind::AwsEc2Instance]) {
        if let Attributes::AwsEc2Instance(i) = &a.attributes {
            if let Some(role) = &i.instance_role {
                steps.push(Step { from: Actor::Asset(a.id.clone()), role: role.clone(), kind: StepKind::RunsAs });
            }
        }
    }
    steps
}

/// A trust statement for an identity provider (`sts:AssumeRoleWithWebIdentity`
/// or `…WithSAML`): conditional on its condition keys, which the provider's
/// tokens decide; with none, any user of the provider.
fn federated_permit(trust: &PolicyDocument, provider: &str) -> Option<Permit> {
    let mut best: Option<Permit> = None;
    for (i, s) in trust.statements.iter().enumerate().filter(|(_, s)| s.effect == Effect::Allow) {
        let names = s.principal.as_ref().is_some_and(|p: &PolicyPrincipal| p.values("Federated").contains(&provider));
        if !names {
            continue;
        }
        let on: BTreeSet<String> = s.condition.values().flat_map(|m| m.keys().cloned()).collect();
        let grant = Grant {
            policy: "its trust policy".into(),
            statement: s.sid.clone().unwrap_or(format!("statement {}", i + 1)),
        };
        if best.as_ref().is_none_or(|b| on.len() < b.conditional_on.len()) {
            best = Some(Permit { conditional_on: on, grants: vec![grant] });
        }
    }
    best
}

/// One actor that can perform an action: directly (`path` empty) or as the last
/// role of `path`, with what allowed the final request.
#[derive(Clone, Debug)]
pub struct Holder {
    pub actor: Actor,
    pub path: Vec<Step>,
    pub permit: Permit,
    /// The access levels the permit stands for, where it stands for levels.
    pub levels: Vec<&'static str>,
}

impl Holder {
    /// Every key the whole chain depends on.
    pub fn conditional_on(&self) -> BTreeSet<String> {
        let mut on = self.permit.conditional_on.clone();
        for s in &self.path {
            on.extend(s.conditional_on().iter().cloned());
        }
        on
    }
}

/// Who can perform `action` on `target`: each estate principal the evaluator
/// allows, each caller outside the estate the resource policy names, and, through
/// `steps`, each actor that can come to act as a role that can. Shortest chains
/// first; an actor is listed once, by its shortest chain.
pub fn who_can(principals: &Principals, steps: &[Step], action: &str, target: &Asset) -> Vec<Holder> {
    let side = resource_side(target);
    let mut direct: Vec<Holder> = principals
        .list
        .par_iter()
        .filter_map(|p| {
            permit(&p.asker(), action, target, &side).map(|permit| Holder {
                actor: Actor::Asset(p.id.clone()),
                path: Vec::new(),
                permit,
                levels: Vec::new(),
            })
        })
        .collect();
    for actor in outsiders_of(&side, principals) {
        let mut found = None;
        ask_outside(&actor, &mut |asker| {
            if found.is_none() {
                found = permit(asker, action, target, &side);
            }
        });
        if let Some(permit) = found {
            direct.push(Holder { actor, path: Vec::new(), permit, levels: Vec::new() });
        }
    }
    direct.sort_by(|a, b| a.actor.cmp(&b.actor));
    StepsInto::new(steps).extend(direct)
}

/// The steps into each role, for following chains backwards.
pub struct StepsInto<'s> {
    into: FxHashMap<&'s AssetId, Vec<&'s Step>>,
}

impl<'s> StepsInto<'s> {
    pub fn new(steps: &'s [Step]) -> Self {
        let mut into: FxHashMap<&AssetId, Vec<&Step>> = FxHashMap::default();
        for s in steps {
            into.entry(&s.role).or_default().push(s);
        }
        StepsInto { into }
    }

    /// Extends holders that are roles with every actor that can come to act as them.
    pub fn extend(&self, direct: Vec<Holder>) -> Vec<Holder> {
        let mut seen: BTreeSet<Actor> = direct.iter().map(|h| h.actor.clone()).collect();
        let mut out = direct.clone();
        let mut queue: VecDeque<Holder> = direct.into_iter().collect();
        while let Some(h) = queue.pop_front() {
            let Actor::Asset(role) = &h.actor else { continue };
            if h.path.len() >= MAX_CHAIN {
                continue;
            }
            for step in self.into.get(role).into_iter().flatten() {
                if !seen.insert(step.from.clone()) {
                    continue;
                }
                let mut path = vec![(*step).clone()];
                path.extend(h.path.iter().cloned());
                let holder =
                    Holder { actor: step.from.clone(), path, permit: h.permit.clone(), levels: h.levels.clone() };
                queue.push_back(holder.clone());
                out.push(holder);
            }
        }
        out
    }
}

/// What one identity the principal can act as may do to one data store.
#[derive(Clone, Debug)]
pub struct Reached {
    /// The chain from the principal to the identity (empty: the principal itself).
    pub path: Vec<Step>,
    pub store: AssetId,
    pub access: Vec<Access>,
}

/// What an actor can reach: every data store of the estate that it, or a role it
/// can come to act as, has any access level to.
pub fn reach_of(graph: &AssetGraph, principals: &Principals, steps: &[Step], start: &AssetId) -> Vec<Reached> {
    let mut from: BTreeMap<&Actor, Vec<&Step>> = BTreeMap::new();
    for s in steps {
        from.entry(&s.from).or_default().push(s);
    }
    // The identities it can act as, each by its shortest chain.
    let mut identities: Vec<(AssetId, Vec<Step>)> = Vec::new();
    if principals.get(start).is_some() {
        identities.push((start.clone(), Vec::new()));
    }
    let mut seen: BTreeSet<AssetId> = BTreeSet::from([start.clone()]);
    let mut queue: VecDeque<(Actor, Vec<Step>)> = VecDeque::from([(Actor::Asset(start.clone()), Vec::new())]);
    while let Some((actor, path)) = queue.pop_front() {
        if path.len() >= MAX_CHAIN {
            continue;
        }
        for step in from.get(&actor).into_iter().flatten() {
            if !seen.insert(step.role.clone()) {
                continue;
            }
            let mut next = path.clone();
            next.push((*step).clone());
            identities.push((step.role.clone(), next.clone()));
            queue.push_back((Actor::Asset(step.role.clone()), next));
        }
    }
    // Each store's resource side once, for every identity that asks about it.
    let stores: Vec<(&Asset, ResourceSide)> =
        graph.assets_of(&STORE_KINDS).into_iter().map(|s| (s, resource_side(s))).collect();
    identities
        .par_iter()
        .flat_map_iter(|(id, path)| {
            let Some(p) = principals.get(id) else { return Vec::new() };
            let asker = p.asker();
            stores
                .iter()
                .filter(|(s, side)| s.account == p.account || names_in_policy(side, p.id, p.account))
                .filter_map(|(store, side)| {
                    let access = levels_of(&asker, store, side);
                    (!access.is_empty()).then(|| Reached { path: path.clone(), store: store.id.clone(), access })
                })
                .collect()
        })
        .collect()
}

/// Whether a store's resource policy names the principal or its account (or anyone).
fn names_in_policy(side: &ResourceSide, principal: &AssetId, account: &str) -> bool {
    let Some(policy) = side.policy else { return false };
    policy.policy.doc.statements.iter().any(|s| {
        s.not_principal.is_some()
            || s.principal.as_ref().is_some_and(|p| {
                p.is_anyone()
                    || p.values("AWS").into_iter().any(|v| v == principal.as_str() || is_account_itself(v, account))
            })
    })
}

/// For every data store of `stores`: the actors with any access level to it,
/// directly (principals of its account, those its policy names, outsiders and
/// anyone), each with its levels.
pub fn access_to(principals: &Principals, stores: &[&Asset]) -> BTreeMap<AssetId, Vec<(Actor, Vec<Access>)>> {
    stores
        .par_iter()
        .filter(|s| !level_actions(s.kind()).is_empty())
        .map(|store| {
            let side = resource_side(store);
            let services: BTreeSet<&str> = level_actions(store.kind())
                .iter()
                .flat_map(|(_, actions)| actions.iter().filter_map(|a| a.split(':').next()))
                .collect();
            let mut candidates: BTreeSet<&AssetId> = principals
                .of_account(&store.account)
                .filter(|p| services.iter().any(|s| p.may_allow_service(s)))
                .map(|p| p.id)
                .collect();
            let mut found: Vec<(Actor, Vec<Access>)> = Vec::new();
            if let Some(policy) = side.policy {
                candidates.extend(estate_principals_named(policy.policy.doc, principals));
            }
            for actor in outsiders_of(&side, principals) {
                let mut best: Vec<Access> = Vec::new();
                ask_outside(&actor, &mut |asker| {
                    let levels = levels_of(asker, store, &side);
                    if levels.len() > best.len() {
                        best = levels;
                    }
                });
                if !best.is_empty() {
                    found.push((actor, best));
                }
            }
            for id in candidates {
                let Some(p) = principals.get(id) else { continue };
                let levels = levels_of(&p.asker(), store, &side);
                if !levels.is_empty() {
                    found.push((Actor::Asset(id.clone()), levels));
                }
            }
            found.sort_by(|a, b| a.0.cmp(&b.0));
            (store.id.clone(), found)
        })
        .filter(|(_, found)| !found.is_empty())
        .collect()
}

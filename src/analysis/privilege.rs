//! Administrators and privilege escalation, decided by the IAM evaluator. A
//! principal is an administrator when every probe of administration (changing
//! IAM, reading data, running compute, decrypting) is allowed after its denies,
//! boundary and SCPs (guardrails such as "never stop CloudTrail" do not make an
//! administrator less of one, so they are not probed). It can become one when a chain of
//! escalation steps leads to an administrator: changing its own policies,
//! joining a group, taking another user's credentials, rewriting a trust policy,
//! passing a role to a service that runs code, running commands on an instance,
//! or assuming a role. Each step is itself asked of the evaluator, so a Deny or a
//! boundary breaks it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use auditgraph_model::policy::Effect;
use auditgraph_model::{AssetId, AssetKind, Attributes};

use super::access_graph::{Permit, Step, StepKind};
use super::principals::{allow_everything, Actor, Asker, Principal, Principals, ResourceSide};
use crate::graph::AssetGraph;
use crate::iam::{Grant, Named};

/// Actions whose allowance together means "administrator", each asked about a
/// resource of the principal's own account.
const ADMIN_PROBES: &[(&str, &str)] = &[
    ("iam:AttachRolePolicy", "arn:aws:iam::{account}:role/any-role"),
    ("iam:PutUserPolicy", "arn:aws:iam::{account}:user/any-user"),
    ("iam:CreatePolicyVersion", "arn:aws:iam::{account}:policy/any-policy"),
    ("s3:GetObject", "arn:aws:s3:::any-bucket/any-object"),
    ("ec2:RunInstances", "arn:aws:ec2:us-east-1:{account}:instance/any-instance"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:{account}:key/any-key"),
];

/// The services every escalation step but `sts:AssumeRole` needs an action of
/// (`iam:PassRole` included): a principal whose policies allow none of them is
/// not asked about those steps.
const ESCALATING_SERVICES: &[&str] = &["iam", "ssm"];

/// Services that run code as a role passed to them, and what starting that code takes.
const PASS_ROLE_SERVICES: &[(&str, &[&str])] = &[
    ("ec2.amazonaws.com", &["ec2:RunInstances"]),
    ("lambda.amazonaws.com", &["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ("cloudformation.amazonaws.com", &["cloudformation:CreateStack"]),
    ("glue.amazonaws.com", &["glue:CreateDevEndpoint"]),
    ("codebuild.amazonaws.com", &["codebuild:CreateProject", "codebuild:StartBuild"]),
    ("sagemaker.amazonaws.com", &["sagemaker:CreateNotebookInstance"]),
    ("datapipeline.amazonaws.com", &["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"]),
    ("ecs-tasks.amazonaws.com", &["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
    ("autoscaling.amazonaws.com", &["autoscaling:CreateAutoScalingGroup"]),
];

#[derive(Clone, Debug, Default)]
pub struct PrivilegeFacts {
    /// Principals allowed every probe of administration, with the statements (and
    /// the condition keys, where an allow depends on them).
    pub admins: FxHashMap<AssetId, Vec<String>>,
    /// Principals that are not administrators but can become one: the chain, step by step.
    pub escalations: FxHashMap<AssetId, Vec<String>>,
}

/// One way a principal gains what another holds (or, `to` itself, full rights).
#[derive(Clone, Debug)]
struct Escalation {
    from: AssetId,
    to: AssetId,
    how: String,
}

fn no_resource_policy<'a>(account: &'a str) -> ResourceSide<'a> {
    ResourceSide { account, policy: None, acl: Some(Vec::new()), unread: None }
}

/// The allow of one action, with the statements, or why not.
fn allowed(asker: &Asker, action: &str, resource: &str, side: &ResourceSide) -> Option<(Vec<Grant>, BTreeSet<String>)> {
    Permit::of(asker.ask(action, resource, side)).map(|p| (p.grants, p.conditional_on))
}

fn grant_text(grants: &[Grant], on: &BTreeSet<String>) -> String {
    let mut text = Grant::list(grants);
    if !on.is_empty() {
        text.push_str(&format!(" when {}", on.iter().cloned().collect::<Vec<_>>().join(", ")));
    }
    text
}

/// Whether the asker is allowed every probe: the statements that allow them, if so.
fn admin_evidence(asker: &Asker, account: &str) -> Option<Vec<String>> {
    let side = no_resource_policy(account);
    let mut grants: BTreeSet<Grant> = BTreeSet::new();
    let mut on = BTreeSet::new();
    for (action, resource) in ADMIN_PROBES {
        let (g, keys) = allowed(asker, action, &resource.replace("{account}", account), &side)?;
        grants.extend(g);
        on.extend(keys);
    }
    let grants: Vec<Grant> = grants.into_iter().collect();
    Some(vec![format!("allowed every administrative action probed, by {}", grant_text(&grants, &on))])
}

impl PrivilegeFacts {
    /// `steps`: every way an actor comes to act as a role (`role_steps`).
    pub fn derive(graph: &AssetGraph, principals: &Principals, steps: &[Step]) -> Self {
        let admins: FxHashMap<AssetId, Vec<String>> = principals
            .list
            .par_iter()
            .filter_map(|p| admin_evidence(&p.asker(), p.account).map(|why| (p.id.clone(), why)))
            .collect();
        let escalations = escalations(graph, principals, steps, &admins);
        PrivilegeFacts { admins, escalations }
    }
}

/// For every principal that is not an administrator: the shortest chain of
/// escalation steps to one, if any.
fn escalations(
    graph: &AssetGraph,
    principals: &Principals,
    steps: &[Step],
    admins: &FxHashMap<AssetId, Vec<String>>,
) -> FxHashMap<AssetId, Vec<String>> {
    let name = |id: &AssetId| super::name_in(graph, id);
    let instances_by_role = instances_by_role(graph);
    let trusted_services = trusted_services(graph);
    let admin_groups = admin_groups(graph, principals);
    let mut edges: Vec<Escalation> = principals
        .list
        .par_iter()
        .filter(|p| !admins.contains_key(p.id) && ESCALATING_SERVICES.iter().any(|s| p.may_allow_service(s)))
        .flat_map_iter(|p| steps_of(graph, principals, p, &instances_by_role, &trusted_services, &admin_groups))
        .collect();
    // Assuming a role (trust and identity both allowing) is a step too.
    for s in steps {
        if let (Actor::Asset(from), StepKind::Assume(permit)) = (&s.from, &s.kind) {
            if principals.get(from).is_some() {
                let how = format!(
                    "can assume role {} ({})",
                    name(&s.role),
                    grant_text(&permit.grants, &permit.conditional_on)
                );
                edges.push(Escalation { from: from.clone(), to: s.role.clone(), how });
            }
        }
    }
    let mut out_of: BTreeMap<&AssetId, Vec<&Escalation>> = BTreeMap::new();
    for e in &edges {
        out_of.entry(&e.from).or_default().push(e);
    }
    let mut found = FxHashMap::default();
    for start in principals.list.iter().map(|p| p.id).filter(|id| !admins.contains_key(*id)) {
        if let Some(chain) = shortest_chain(start, &out_of, admins) {
            let mut words: Vec<String> = chain.iter().map(|e| format!("{} {}", name(&e.from), e.how)).collect();
            if let Some(last) = chain.last().filter(|e| e.to != e.from) {
                words.push(format!("{} is an administrator", name(&last.to)));
            }
            found.insert(start.clone(), words);
        }
    }
    found
}

/// The shortest chain from `start` to an administrator (or to a step that makes
/// its principal one: an edge to itself).
fn shortest_chain<'e>(
    start: &AssetId,
    out_of: &BTreeMap<&AssetId, Vec<&'e Escalation>>,
    admins: &FxHashMap<AssetId, Vec<String>>,
) -> Option<Vec<&'e Escalation>> {
    let mut seen: BTreeSet<&AssetId> = BTreeSet::from([start]);
    let mut queue: VecDeque<(&AssetId, Vec<&Escalation>)> = VecDeque::from([(start, Vec::new())]);
    while let Some((at, chain)) = queue.pop_front() {
        for e in out_of.get(at).into_iter().flatten() {
            let mut next = chain.clone();
            next.push(e);
            if e.to == e.from || admins.contains_key(&e.to) {
                return Some(next);
            }
            if seen.insert(&e.to) {
                queue.push_back((&e.to, next));
            }
        }
    }
    None
}

fn instances_by_role(graph: &AssetGraph) -> BTreeMap<&AssetId, Vec<&AssetId>> {
    let mut out: BTreeMap<&AssetId, Vec<&AssetId>> = BTreeMap::new();
    for a in graph.assets_of(&[AssetKind::AwsEc2Instance]) {
        if let Attributes::AwsEc2Instance(i) = &a.attributes {
            if let Some(role) = &i.instance_role {
                out.entry(role).or_default().push(&a.id);
            }
        }
    }
    out
}

/// The services each role's trust policy lets assume it.
fn trusted_services(graph: &AssetGraph) -> BTreeMap<&AssetId, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for a in graph.assets_of(&[AssetKind::AwsIamRole]) {
        let Attributes::AwsIamRole(r) = &a.attributes else { continue };
        let services: BTreeSet<String> = r
            .trust_policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| s.principal.as_ref())
            .flat_map(|p| p.values("Service").into_iter().map(str::to_string))
            .collect();
        out.insert(&a.id, services);
    }
    out
}

/// Every escalation step one principal can take, each checked by the evaluator.
fn steps_of(
    graph: &AssetGraph,
    principals: &Principals,
    p: &Principal,
    instances_by_role: &BTreeMap<&AssetId, Vec<&AssetId>>,
    trusted_services: &BTreeMap<&AssetId, BTreeSet<String>>,
    admin_groups: &FxHashMap<&str, Vec<&AssetId>>,
) -> Vec<Escalation> {
    let asker = p.asker();
    let side = no_resource_policy(p.account);
    let name = |id: &AssetId| super::name_in(graph, id);
    let can = |action: &str, resource: &str| allowed(&asker, action, resource, &side);
    let mut out = Vec::new();
    let mut step = |to: &AssetId, how: String| out.push(Escalation { from: p.id.clone(), to: to.clone(), how });

    // Changing its own policies makes it an administrator unless its boundary
    // still binds (and it cannot remove the boundary).
    let mut with_everything = p.identity().to_vec();
    with_everything.push(Named { name: "an administrator policy it attached", doc: allow_everything() });
    let boundary_binds = admin_evidence(&p.asker_with(&with_everything), p.account).is_none();
    let (put, attach, drop_boundary) = match p.kind {
        AssetKind::AwsIamUser => ("iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:DeleteUserPermissionsBoundary"),
        _ => ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"),
    };
    let unbound = !boundary_binds || can(drop_boundary, p.id.as_str()).is_some();
    if unbound {
        for action in [put, attach] {
            if let Some((g, on)) = can(action, p.id.as_str()) {
                step(p.id, format!("can {action} on itself ({})", grant_text(&g, &on)));
            }
        }
        for policy in customer_policies_of(graph, p.id) {
            if let Some((g, on)) = can("iam:CreatePolicyVersion", policy.as_str()) {
                step(
                    p.id,
                    format!("can iam:CreatePolicyVersion on its policy {} ({})", name(policy), grant_text(&g, &on)),
                );
            }
            if let Some((g, on)) = can("iam:SetDefaultPolicyVersion", policy.as_str()) {
                if let Some(version) = stronger_version(graph, p, policy) {
                    let how = format!(
                        "can iam:SetDefaultPolicyVersion on its policy {} to {version} ({})",
                        name(policy),
                        grant_text(&g, &on)
                    );
                    step(p.id, how);
                }
            }
        }
        for group in graph.outgoing(p.id, auditgraph_model::RelationKind::MemberOfGroup) {
            for action in ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"] {
                if let Some((g, on)) = can(action, group.as_str()) {
                    step(p.id, format!("can {action} on its group {} ({})", name(group), grant_text(&g, &on)));
                }
            }
        }
    }
    // Joining a group whose policies make its members administrators.
    if p.kind == AssetKind::AwsIamUser {
        for group in admin_groups.get(p.account).into_iter().flatten() {
            if let Some((g, on)) = can("iam:AddUserToGroup", group.as_str()) {
                if !boundary_binds {
                    step(
                        p.id,
                        format!(
                            "can iam:AddUserToGroup into administrator group {} ({})",
                            name(group),
                            grant_text(&g, &on)
                        ),
                    );
                }
            }
        }
    }
    for other in principals.of_account(p.account).filter(|o| o.id != p.id) {
        let target = other.id.as_str();
        if other.kind == AssetKind::AwsIamUser {
            for action in ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"] {
                if let Some((g, on)) = can(action, target) {
                    step(other.id, format!("can {action} on user {} ({})", name(other.id), grant_text(&g, &on)));
                }
            }
            continue;
        }
        if let Some((g, on)) = can("iam:UpdateAssumeRolePolicy", target) {
            step(
                other.id,
                format!("can iam:UpdateAssumeRolePolicy on role {} ({})", name(other.id), grant_text(&g, &on)),
            );
        }
        if let Some((g, on)) = can("iam:PassRole", target) {
            let services = trusted_services.get(other.id).cloned().unwrap_or_default();
            for (service, actions) in PASS_ROLE_SERVICES.iter().filter(|(s, _)| services.contains(*s)) {
                let starts: Option<Vec<(Vec<Grant>, BTreeSet<String>)>> = actions
                    .iter()
                    .map(|a| can(a, &format!("arn:aws:{}:*:{}:*", service_prefix(service), p.account)))
                    .collect();
                if let Some(starts) = starts {
                    let mut keys = on.clone();
                    keys.extend(starts.iter().flat_map(|(_, k)| k.iter().cloned()));
                    step(
                        other.id,
                        format!(
                            "can iam:PassRole on role {} to {service} and {} ({})",
                            name(other.id),
                            actions.join(" + "),
                            grant_text(&g, &keys)
                        ),
                    );
                }
            }
        }
        for instance in instances_by_role.get(other.id).into_iter().flatten() {
            for action in ["ssm:SendCommand", "ssm:StartSession"] {
                if let Some((g, on)) = can(action, instance.as_str()) {
                    step(
                        other.id,
                        format!(
                            "can {action} on instance {}, which runs as role {} ({})",
                            name(instance),
                            name(other.id),
                            grant_text(&g, &on)
                        ),
                    );
                    break;
                }
            }
        }
    }
    out
}

/// The version of `policy` that, made the default, would make `p` an administrator
/// (`v1`), or `its other versions, which were not read`; `None` when no version would.
fn stronger_version(graph: &AssetGraph, p: &Principal, policy: &AssetId) -> Option<String> {
    let Some(Attributes::AwsIamPolicy(attrs)) = graph.asset(policy).map(|a| &a.attributes) else { return None };
    let Some(versions) = &attrs.other_versions else {
        return Some("one of its other versions, which were not read".into());
    };
    versions.iter().find_map(|v| {
        // Its identity with this version in place of the default one (held directly or via a group).
        let identity: Vec<Named> = p
            .identity()
            .iter()
            .map(|n| if std::ptr::eq(n.doc, &attrs.document) { Named { name: n.name, doc: &v.document } } else { *n })
            .collect();
        admin_evidence(&p.asker_with(&identity), p.account).map(|_| v.version_id.clone())
    })
}

/// The customer-managed policies that apply to a principal (its own and its
/// groups'): a new default version of one changes what it may do.
fn customer_policies_of<'g>(graph: &'g AssetGraph, id: &AssetId) -> Vec<&'g AssetId> {
    let mut holders = vec![id];
    holders.extend(graph.outgoing(id, auditgraph_model::RelationKind::MemberOfGroup));
    let mut out: Vec<&AssetId> = holders
        .into_iter()
        .flat_map(|h| graph.outgoing(h, auditgraph_model::RelationKind::HasPolicy))
        .filter(
            |p| matches!(graph.asset(p).map(|a| &a.attributes), Some(Attributes::AwsIamPolicy(x)) if !x.aws_managed),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

fn service_prefix(service: &str) -> &str {
    service.split('.').next().unwrap_or(service)
}

/// Groups whose members the evaluator would make administrators, by account.
fn admin_groups<'g>(graph: &'g AssetGraph, principals: &Principals) -> FxHashMap<&'g str, Vec<&'g AssetId>> {
    let mut out: FxHashMap<&str, Vec<&AssetId>> = FxHashMap::default();
    for g in graph.assets_of(&[AssetKind::AwsIamGroup]) {
        let Attributes::AwsIamGroup(group) = &g.attributes else { continue };
        let docs: Vec<Named> = group
            .inline_policies
            .iter()
            .map(|p| Named { name: "group policy", doc: &p.document })
            .chain(group.attached_policies.iter().filter_map(|id| match graph.asset(id).map(|a| &a.attributes) {
                Some(Attributes::AwsIamPolicy(p)) => Some(Named { name: "group policy", doc: &p.document }),
                _ => None,
            }))
            .collect();
        // Asked as one of the account's users would be with only the group's policies.
        let Some(member) = principals.of_account(&g.account).find(|p| p.kind == AssetKind::AwsIamUser) else {
            continue;
        };
        if admin_evidence(&member.asker_with(&docs), &g.account).is_some() {
            out.entry(g.account.as_str()).or_default().push(&g.id);
        }
    }
    out
}

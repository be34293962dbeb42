//! `can`: what a principal (or an instance, through its role) can reach: every
//! data store it has any access level to, directly or through a chain of roles;
//! or, for a Google Cloud member (`--member`), what its IAM bindings give it.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;

use super::select;
use crate::analysis::access_graph::{conditional_note, reach_of, Access, Step};
use crate::analysis::principals::Principals;
use crate::analysis::{gcp_access, name_in};
use crate::cli::{CanArgs, TextOrJson};
use crate::graph::AssetGraph;
use crate::iam::Grant;
use crate::terminal::field;
use auditgraph_model::{Asset, AssetKind, Attributes};

#[derive(Serialize)]
struct Answer {
    principal: String,
    name: String,
    reaches: Vec<StoreRecord>,
    /// Policies that were not read, through which it may reach more.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    unread: BTreeSet<String>,
}

#[derive(Serialize)]
struct StoreRecord {
    store: String,
    name: String,
    kind: AssetKind,
    /// How the principal comes to act as the identity with this access (empty: itself).
    chain: Vec<String>,
    access: Vec<Access>,
}

pub fn run(args: CanArgs) -> Result<ExitCode> {
    super::who_can::with_principals(&args.common, |graph, principals, steps| answer(&args, graph, principals, steps))
}

fn answer(args: &CanArgs, graph: &AssetGraph, principals: &Principals, steps: &[Step]) -> Result<ExitCode> {
    let (Some(selector), None) = (&args.principal, &args.member) else {
        let member = args.member.as_deref().unwrap_or_default();
        let typed = ["user:", "group:", "serviceAccount:", "domain:", "principal://", "principalSet://"];
        if !matches!(member, "allUsers" | "allAuthenticatedUsers") && !typed.iter().any(|t| member.starts_with(t)) {
            bail!(
                "--member {member:?} is not a Google Cloud member: write user:…, group:…, serviceAccount:…, \
                 domain:…, allUsers or allAuthenticatedUsers"
            );
        }
        return print(&args.common.format, &[member_answer(graph, member)]);
    };
    let acting = [AssetKind::AwsIamUser, AssetKind::AwsIamRole, AssetKind::AwsEc2Instance];
    let selected = select(graph, selector);
    let (starts, vms): (Vec<_>, Vec<_>) = selected
        .into_iter()
        .filter_map(|id| graph.asset(id))
        .filter(|a| acting.contains(&a.kind()) || a.kind() == AssetKind::GcpComputeInstance)
        .partition(|a| acting.contains(&a.kind()));
    if starts.is_empty() && vms.is_empty() {
        bail!("the selector matches no IAM user, role, EC2 instance or Compute Engine instance");
    }
    let starts: Vec<_> = starts.into_iter().map(|a| a.id.clone()).collect();
    let name_of = |id: &auditgraph_model::AssetId| name_in(graph, id);
    let answers: Vec<Answer> = starts
        .iter()
        .map(|start| {
            let mut reaches: Vec<StoreRecord> = reach_of(graph, principals, steps, start)
                .into_iter()
                .filter_map(|r| {
                    let store = graph.asset(&r.store)?;
                    Some(StoreRecord {
                        store: r.store.to_string(),
                        name: name_of(&r.store),
                        kind: store.kind(),
                        chain: r.path.iter().map(|s| s.describe(&name_of)).collect(),
                        access: r.access,
                    })
                })
                .collect();
            reaches.sort_by(|a, b| {
                (a.chain.len(), &a.chain, &a.name, &a.store).cmp(&(b.chain.len(), &b.chain, &b.name, &b.store))
            });
            Answer { principal: start.to_string(), name: name_of(start), reaches, unread: BTreeSet::new() }
        })
        .chain(vms.iter().flat_map(|vm| instance_answers(graph, vm)))
        .collect();
    print(&args.common.format, &answers)
}

/// What a Compute Engine instance reaches: what each service account it runs as holds.
fn instance_answers(graph: &AssetGraph, vm: &Asset) -> Vec<Answer> {
    let Attributes::GcpComputeInstance(i) = &vm.attributes else { return Vec::new() };
    i.service_accounts
        .iter()
        .map(|sa| {
            let member = format!("serviceAccount:{sa}");
            let mut answer = member_answer(graph, &member);
            for r in &mut answer.reaches {
                r.chain = vec![format!("instance {} runs as {member}", vm.name)];
            }
            Answer { principal: vm.id.to_string(), name: vm.name.clone(), ..answer }
        })
        .collect()
}

/// What a Google Cloud member's bindings give it, as one answer.
fn member_answer(graph: &AssetGraph, member: &str) -> Answer {
    let mut unread = BTreeSet::new();
    let mut reaches: Vec<StoreRecord> = gcp_access::reach_of_member(graph, member)
        .into_iter()
        .filter_map(|r| {
            unread.extend(r.unread);
            let store = graph.asset(&r.store)?;
            (!r.access.is_empty()).then(|| StoreRecord {
                store: r.store.to_string(),
                name: name_in(graph, &r.store),
                kind: store.kind(),
                chain: Vec::new(),
                access: r.access,
            })
        })
        .collect();
    reaches.sort_by(|a, b| (&a.name, &a.store).cmp(&(&b.name, &b.store)));
    Answer { principal: member.to_string(), name: gcp_access::describe_member(member), reaches, unread }
}

fn print(format: &TextOrJson, answers: &[Answer]) -> Result<ExitCode> {
    match format {
        TextOrJson::Json => {
            let out = serde_json::json!({"answers": answers, "not_considered": super::who_can::NOT_CONSIDERED});
            crate::sayln!("{}", serde_json::to_string_pretty(&out)?);
        }
        TextOrJson::Text => {
            for a in answers {
                crate::sayln!(
                    "{} ({}): {} data store access(es)",
                    field(&a.name),
                    field(&a.principal),
                    a.reaches.len()
                );
                let mut chain: Option<&Vec<String>> = None;
                for r in &a.reaches {
                    if chain != Some(&r.chain) && !r.chain.is_empty() {
                        crate::sayln!("  through:");
                        for step in &r.chain {
                            crate::sayln!("      {}", field(step));
                        }
                    }
                    chain = Some(&r.chain);
                    let levels: Vec<&str> = r.access.iter().map(|x| x.level.as_str()).collect();
                    crate::sayln!("  {} ({}): {}", field(&r.name), r.kind, levels.join(", "));
                    for x in &r.access {
                        crate::sayln!(
                            "      {}: {} (allowed by {}){}",
                            x.level.as_str(),
                            x.actions.join(", "),
                            field(&Grant::list(&x.grants)),
                            conditional_note(&x.conditional_on)
                        );
                    }
                }
                if !a.unread.is_empty() {
                    let unread: Vec<&str> = a.unread.iter().map(String::as_str).collect();
                    crate::sayln!("  and possibly more: {} not read", field(&unread.join(", ")));
                }
            }
            crate::sayln!("Not considered: {}.", super::who_can::NOT_CONSIDERED);
        }
    }
    Ok(ExitCode::SUCCESS)
}

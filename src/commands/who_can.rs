//! `who-can`: every actor that can perform one action on the selected resources,
//! directly or through a chain of roles, with the statements that allow it.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;

use super::{load, select};
use crate::analysis::access_graph::{applies_to, role_steps, who_can, Holder, Step};
use crate::analysis::principals::{resource_side, Actor, PolicySets, Principals};
use crate::analysis::{gcp_access, name_in};
use crate::cli::{AccessArgs, TextOrJson, WhoCanArgs};
use crate::graph::AssetGraph;
use crate::iam::Grant;
use crate::terminal::field;
use auditgraph_model::Asset;

/// What every answer leaves out, said with it.
pub const NOT_CONSIDERED: &str = "S3 object ACLs are not read (bucket ACLs are); of the S3 public access blocks \
    only a bucket's own IgnorePublicAcls applies here (account-wide blocks and RestrictPublicBuckets are the \
    bucket-public control's); service control policies only where the scan read them (as the organisation's management account; an account \
    in an organisation whose policies were not read gives conditional answers); on Google Cloud, group memberships \
    are not read (a deny rule on a group makes its possible members conditional): an answer may allow more than \
    the cloud would, never less";

#[derive(Serialize)]
struct Answer<'a> {
    action: &'a str,
    resource: &'a str,
    resource_name: String,
    holders: Vec<HolderRecord>,
    /// What was not read, so that others may hold it too: `holders` is then not the whole answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    undecided: Option<String>,
    /// Grants that a deny rule stops, each with the rules (Google Cloud).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    denied: Vec<String>,
}

#[derive(Serialize)]
struct HolderRecord {
    actor: Actor,
    name: String,
    /// `allowed`, or `conditional` on the keys below.
    status: &'static str,
    conditional_on: BTreeSet<String>,
    /// How the actor comes to act as the identity that is allowed, step by step.
    chain: Vec<String>,
    grants: Vec<Grant>,
}

/// Reads the snapshot, gathers the estate's principals and role chains, and hands
/// them to `answer`: the start of `who-can` and `can` alike.
pub fn with_principals<T>(
    args: &AccessArgs,
    answer: impl FnOnce(&AssetGraph, &Principals, &[Step]) -> Result<T>,
) -> Result<T> {
    let mut timer = crate::scan::Timer::new(args.timings);
    let snap = load(args.snapshot.path())?;
    let graph = snap.graph();
    timer.lap("read snapshot, build graph");
    let sets = PolicySets::of(&graph);
    let principals = Principals::new(&graph, &sets);
    let steps = role_steps(&graph, &principals);
    timer.lap("principals and role chains");
    let out = answer(&graph, &principals, &steps);
    timer.lap("decide and print");
    out
}

pub fn run(args: WhoCanArgs) -> Result<ExitCode> {
    with_principals(&args.common, |graph, principals, steps| answer(&args, graph, principals, steps))
}

fn answer(args: &WhoCanArgs, graph: &AssetGraph, principals: &Principals, steps: &[Step]) -> Result<ExitCode> {
    let matched = select(graph, &args.on);
    if matched.is_empty() {
        bail!("--on matches no asset");
    }
    // A Google Cloud permission is written `storage.objects.get`, an AWS action `s3:GetObject`.
    let gcp = !args.action.contains(':');
    let about = |a: &Asset| if gcp { gcp_access::applies_to(&args.action, a) } else { applies_to(&args.action, a) };
    let targets: Vec<&Asset> = matched.iter().filter_map(|id| graph.asset(id)).filter(|a| about(a)).collect();
    if targets.is_empty() {
        let hint = if gcp { "" } else { " (a Google Cloud permission is written like storage.objects.get)" };
        bail!("--on matches {} asset(s), none of which {} is about{hint}", matched.len(), args.action);
    }
    let name_of = |id: &auditgraph_model::AssetId| name_in(graph, id);
    let answers: Vec<Answer> = targets
        .iter()
        .map(|target| {
            let (holders, undecided, denied) = if gcp {
                let found = gcp_access::who_can(graph, &args.action, target);
                let unread = (!found.unread.is_empty()).then(|| format!("{} not read", found.unread.join(", ")));
                let denied = found
                    .denied
                    .iter()
                    .map(|(b, rules)| format!("{} by {}", gcp_record(b).name, rules.join(", ")))
                    .collect();
                (found.found.iter().map(gcp_record).collect(), unread, denied)
            } else {
                let found = who_can(principals, steps, &args.action, target);
                let unread = resource_side(target).unread_grants();
                let unread = (!unread.is_empty()).then(|| unread.join(", "));
                (found.iter().map(|h| record(graph, h)).collect(), unread, Vec::new())
            };
            Answer {
                action: &args.action,
                resource: target.id.as_str(),
                resource_name: name_of(&target.id),
                holders,
                undecided,
                denied,
            }
        })
        .collect();
    match args.common.format {
        TextOrJson::Json => {
            let out = serde_json::json!({"answers": answers, "not_considered": NOT_CONSIDERED});
            crate::sayln!("{}", serde_json::to_string_pretty(&out)?);
        }
        TextOrJson::Text => {
            for a in &answers {
                let count = match a.holders.len() {
                    0 => "no one can".to_string(),
                    1 => "1 can".to_string(),
                    n => format!("{n} can"),
                };
                if let Some(why) = a.undecided.as_ref().filter(|_| a.holders.is_empty()) {
                    crate::sayln!(
                        "{} on {} ({}): undecided: {}",
                        a.action,
                        field(&a.resource_name),
                        field(a.resource),
                        field(why)
                    );
                    continue;
                }
                crate::sayln!("{} on {} ({}): {count}", a.action, field(&a.resource_name), field(a.resource));
                if let Some(why) = &a.undecided {
                    crate::sayln!("  and possibly others: {}", field(why));
                }
                for h in &a.holders {
                    crate::sayln!("  {}: {}", field(&h.name), status_text(&h.conditional_on));
                    for step in &h.chain {
                        crate::sayln!("      {}", field(step));
                    }
                    for g in &h.grants {
                        crate::sayln!("      allowed by {}: {}", field(&g.policy), field(&g.statement));
                    }
                }
                for d in &a.denied {
                    crate::sayln!("  denied: {}", field(d));
                }
            }
            let skipped = matched.len() - targets.len();
            if skipped > 0 {
                crate::sayln!("Skipped {skipped} selected asset(s) that {} is not about.", args.action);
            }
            crate::sayln!("Not considered: {NOT_CONSIDERED}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `allowed`, or `conditional on K1, K2`.
pub fn status_text(on: &BTreeSet<String>) -> String {
    if on.is_empty() {
        "allowed".into()
    } else {
        format!("conditional on {}", on.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

fn gcp_record(b: &gcp_access::Binding) -> HolderRecord {
    let through = format!("{}, as {} on {}", gcp_access::describe_member(&b.member), b.role, b.at);
    let (actor, name, chain) = match &b.instance {
        Some((id, name)) => (
            Actor::Asset(id.clone()),
            format!("instance {name}, as {through}"),
            vec![format!("instance {name} runs as {}", b.member)],
        ),
        None => (Actor::Member(b.member.clone()), through, Vec::new()),
    };
    HolderRecord {
        actor,
        name,
        status: if b.conditional_on.is_empty() { "allowed" } else { "conditional" },
        conditional_on: b.conditional_on.clone(),
        chain,
        grants: vec![b.grant()],
    }
}

fn record(graph: &AssetGraph, h: &Holder) -> HolderRecord {
    let name_of = |id: &auditgraph_model::AssetId| name_in(graph, id);
    let on = h.conditional_on();
    let identity = match h.path.last() {
        Some(step) => format!(", as role {}", name_of(&step.role)),
        None => String::new(),
    };
    HolderRecord {
        actor: h.actor.clone(),
        name: format!("{}{identity}", h.actor.describe(&name_of)),
        status: if on.is_empty() { "allowed" } else { "conditional" },
        conditional_on: on,
        chain: h.path.iter().map(|s| s.describe(&name_of)).collect(),
        grants: h.permit.grants.clone(),
    }
}

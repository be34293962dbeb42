//! `paths`: every network path between two sets of assets, each hop with the rules
//! that allow it, and the pairs a cloud's network model cannot decide.

use std::process::ExitCode;

use anyhow::{bail, Result};
use auditgraph_model::{AssetId, RelationKind};

use super::{graph_and_facts, load, select};
use crate::analysis::network::{Link, Networks};
use crate::analysis::reachability::link_between;
use crate::analysis::{name_in, Reach};
use crate::cli::{PathsArgs, TextOrJson};
use crate::graph::AssetGraph;
use crate::selector::Selector;
use crate::snapshot::ReachRecordRef;
use crate::terminal::field;

pub fn run(args: PathsArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.path())?;
    let (graph, facts) = graph_and_facts(&snap);
    if args.to == Selector::Internet {
        bail!("--to internet: paths out to the internet are not analysed; --from internet --to SELECTOR gives what the internet reaches");
    }
    let targets = endpoints(&graph, &args.to);
    if targets.is_empty() {
        bail!("--to matches no asset");
    }
    let mut found: Vec<Reach> = Vec::new();
    let mut undecided: Vec<(AssetId, AssetId, String)> = Vec::new();
    if args.from == Selector::Internet {
        for t in &targets {
            found.extend(facts.from_internet.get(*t).into_iter().flatten().cloned());
            found.extend(facts.via_exposed_host.get(*t).into_iter().flatten().cloned());
            if let Some(why) = facts.via_exposed_host_undecided.get(*t) {
                undecided.push((AssetId::internet(), (*t).clone(), why.clone()));
            }
        }
    } else {
        let sources = endpoints(&graph, &args.from);
        if sources.is_empty() {
            bail!("--from matches no asset");
        }
        let nets = Networks::new(&graph);
        for s in &sources {
            for t in &targets {
                let (Some(from), Some(to)) = (graph.asset(s), graph.asset(t)) else { continue };
                match link_between(&nets, from, to) {
                    Link::Reaches(flows, hop) => {
                        found.push(Reach { from: (*s).clone(), to: (*t).clone(), via: None, flows, hops: vec![hop] })
                    }
                    Link::Undecided(why) => undecided.push(((*s).clone(), (*t).clone(), why)),
                    Link::Blocked => {}
                }
            }
        }
    }
    match args.format {
        TextOrJson::Json => {
            let records: Vec<ReachRecordRef> = found.iter().map(ReachRecordRef::from).collect();
            crate::sayln!("{}", serde_json::to_string_pretty(&records)?)
        }
        TextOrJson::Text => {
            if found.is_empty() && undecided.is_empty() {
                crate::sayln!("No path: nothing matching --from can reach anything matching --to.");
            }
            for (i, r) in found.iter().enumerate() {
                let e = r.evidence(&|id| name_in(&graph, id));
                crate::sayln!("path {}: {}", i + 1, field(&e.summary));
                for h in &e.hops {
                    crate::sayln!(
                        "  {} -> {}  [{}]",
                        field(&name_of(&graph, &h.from)),
                        field(&name_of(&graph, &h.to)),
                        h.ports
                    );
                    for rule in &h.rules {
                        crate::sayln!("      {}", field(rule));
                    }
                }
            }
            for (from, to, why) in &undecided {
                crate::sayln!(
                    "undecided: {} -> {}: {}",
                    field(&name_in(&graph, from)),
                    field(&name_in(&graph, to)),
                    field(why)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The assets a selector names, as paths start and end at them: a network
/// interface attached to an asset of the estate stands for that asset (so that
/// `name:prod-app-*` gives each host's paths once, not again for `prod-app-1-eth0`).
fn endpoints<'g>(graph: &'g AssetGraph, selector: &Selector) -> Vec<&'g AssetId> {
    let mut seen = std::collections::HashSet::new();
    select(graph, selector)
        .into_iter()
        .map(|id| {
            graph
                .outgoing(id, RelationKind::AttachedTo)
                .into_iter()
                .find(|owner| graph.asset(owner).is_some())
                .unwrap_or(id)
        })
        .filter(|id| seen.insert(*id))
        .collect()
}

fn name_of(graph: &AssetGraph, id: &AssetId) -> String {
    match graph.asset(id) {
        Some(a) => format!("{} ({})", a.name, a.kind()),
        None => id.to_string(),
    }
}

//! The audit boundary: starting from seed assets (the systems that hold customer
//! data), everything in scope for SOC 2: what can reach them over the network,
//! which principals can access them, which keys encrypt them, and the containers
//! all of that sits in. Entry points from the internet are the boundary crossings.
//! A host whose path to a seed a cloud's network model cannot decide is in scope,
//! marked undecided: a boundary is never narrowed by what was not worked out.

use std::collections::{BTreeMap, BTreeSet};

use auditgraph_model::{Asset, AssetClass, AssetId, RelationKind};
use serde::Serialize;

use crate::analysis::access_graph::{access_to, conditional_note, role_steps, Holder, Level, Permit, Step, StepsInto};
use crate::analysis::network::{Link, Networks};
use crate::analysis::principals::{via_group, Actor, PolicySets, Principals};
use crate::analysis::reachability::link_between;
use crate::analysis::Facts;
use crate::graph::AssetGraph;
use crate::iam::Grant;
use crate::selector::Selector;
use crate::terminal::field;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Component {
    pub id: AssetId,
    pub kind: String,
    pub name: String,
    pub account: String,
    pub region: Option<String>,
    /// Why it is in scope, one reason per line.
    pub why: Vec<String>,
}

/// Where traffic from the internet enters the in-scope system.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crossing {
    pub entry: AssetId,
    pub ports: String,
}

/// Access to a seed by someone outside the estate (another account, anyone): a
/// boundary crossing by identity rather than by network.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutsideAccess {
    pub who: String,
    pub to: AssetId,
    /// The access in words: levels, the seed, the role taken, what grants it.
    pub access: String,
    /// The levels and the role taken (`read, write as role vendor-audit`), which a
    /// diagram labels the edge with.
    pub levels: String,
}

/// One actor with access to a seed, directly or as the last role of `path`.
struct SeedAccess {
    actor: Actor,
    path: Vec<Step>,
    levels: Vec<&'static str>,
    granted_by: String,
    on: BTreeSet<String>,
}

/// For each seed that is a data store: who can read, write or change the
/// permissions of it (by the IAM evaluator), directly or through a chain of roles.
fn access_holders(graph: &AssetGraph, seeds: &[AssetId]) -> BTreeMap<AssetId, Vec<SeedAccess>> {
    let sets = PolicySets::of(graph);
    let principals = Principals::new(graph, &sets);
    let stores: Vec<&Asset> = seeds.iter().filter_map(|id| graph.asset(id)).collect();
    let direct = access_to(&principals, &stores);
    let steps = if direct.is_empty() { Vec::new() } else { role_steps(graph, &principals) };
    let chains = StepsInto::new(&steps);
    let mut out = BTreeMap::new();
    for (store, actors) in direct {
        let holders: Vec<Holder> = actors
            .into_iter()
            .filter_map(|(actor, mut access)| {
                // Listing and tagging touch no data: they do not put a principal in scope.
                access.retain(|a| matches!(a.level, Level::Read | Level::Write | Level::Permissions));
                (!access.is_empty()).then_some((actor, access))
            })
            .map(|(actor, access)| {
                let levels: Vec<&'static str> = access.iter().map(|a| a.level.as_str()).collect();
                let mut grants: Vec<Grant> = access.iter().flat_map(|a| a.grants.iter().cloned()).collect();
                grants.sort();
                grants.dedup();
                // Conditional only if every level is.
                let on = if access.iter().any(|a| a.conditional_on.is_empty()) {
                    BTreeSet::new()
                } else {
                    access.iter().flat_map(|a| a.conditional_on.iter().cloned()).collect()
                };
                Holder { actor, path: Vec::new(), permit: Permit { conditional_on: on, grants }, levels }
            })
            .collect();
        let found = chains
            .extend(holders)
            .into_iter()
            .map(|h| {
                let granted_by = Grant::list(&h.permit.grants);
                let on = h.conditional_on();
                SeedAccess { actor: h.actor, path: h.path, levels: h.levels, granted_by, on }
            })
            .collect();
        out.insert(store, found);
    }
    out
}

/// The ports of a link whose path a cloud's network model could not decide.
pub const UNDECIDED: &str = "undecided";

#[derive(Debug, Serialize)]
pub struct Boundary {
    pub seeds: Vec<String>,
    pub components: Vec<Component>,
    pub crossings: Vec<Crossing>,
    /// Access to seeds from outside the estate.
    pub outside_access: Vec<OutsideAccess>,
    /// Network links between in-scope components: (from, to, ports, or `UNDECIDED`).
    pub links: Vec<(AssetId, AssetId, String)>,
}

struct Scope<'g> {
    graph: &'g AssetGraph,
    reasons: BTreeMap<AssetId, Vec<String>>,
    crossings: BTreeSet<Crossing>,
    outside: BTreeSet<OutsideAccess>,
    links: BTreeSet<(AssetId, AssetId, String)>,
}

impl Scope<'_> {
    fn add(&mut self, id: &AssetId, why: String) -> bool {
        if self.graph.asset(id).is_none() {
            return false;
        }
        let reasons = self.reasons.entry(id.clone()).or_default();
        let new = reasons.is_empty();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
        new
    }

    fn name(&self, id: &AssetId) -> String {
        self.graph.asset(id).map(|a| a.name.clone()).unwrap_or_else(|| id.to_string())
    }

    /// The internet's ways into `id`: directly, or through a load balancer (in scope too).
    fn entries_of(&mut self, facts: &Facts, id: &AssetId) {
        for r in facts.from_internet.get(id).into_iter().flatten() {
            let ports = r.flows.port_labels().join(", ");
            match &r.via {
                Some(lb) => {
                    self.add(lb, format!("forwards internet traffic to {} ({ports})", self.name(id)));
                    self.links.insert((lb.clone(), id.clone(), ports));
                    if let Some(front) = facts.from_internet.get(lb).and_then(|v| v.first()) {
                        self.crossings
                            .insert(Crossing { entry: lb.clone(), ports: front.flows.port_labels().join(", ") });
                    }
                }
                None => {
                    self.crossings.insert(Crossing { entry: id.clone(), ports });
                }
            }
        }
    }
}

pub fn compute(graph: &AssetGraph, facts: &Facts, seeds: &[Selector], seed_text: &[String]) -> Boundary {
    let mut scope = Scope {
        graph,
        reasons: BTreeMap::new(),
        crossings: BTreeSet::new(),
        outside: BTreeSet::new(),
        links: BTreeSet::new(),
    };
    let seed_ids: Vec<AssetId> =
        graph.assets().into_iter().filter(|a| seeds.iter().any(|s| s.matches(a))).map(|a| a.id.clone()).collect();
    for (id, text) in seed_ids.iter().flat_map(|id| {
        let a = graph.asset(id);
        seeds.iter().zip(seed_text).filter(move |(s, _)| a.is_some_and(|a| s.matches(a))).map(move |(_, t)| (id, t))
    }) {
        scope.add(id, format!("seed ({text})"));
    }
    // Who could reach a seed over a private network: hosts and load balancers, by network.
    let nets = Networks::new(graph);
    let mut reachers: BTreeMap<&AssetId, Vec<&Asset>> = BTreeMap::new();
    for net in nets.all() {
        for a in graph.assets_of(net.kinds().sources) {
            for network in net.networks_of(a) {
                reachers.entry(network).or_default().push(a);
            }
        }
    }
    let access = access_holders(graph, &seed_ids);
    for seed in &seed_ids {
        let seed_name = scope.name(seed);
        scope.entries_of(facts, seed);
        for r in facts.via_exposed_host.get(seed).into_iter().flatten() {
            let ports = r.flows.port_labels().join(", ");
            scope.add(&r.from, format!("internet-exposed host that can reach {seed_name} ({ports})"));
            scope.links.insert((r.from.clone(), seed.clone(), ports));
        }
        let Some(seed_asset) = graph.asset(seed) else { continue };
        let mut candidates: Vec<&Asset> = nets
            .for_asset(seed_asset)
            .networks_of(seed_asset)
            .iter()
            .flat_map(|n| reachers.get(n).into_iter().flatten().copied())
            .collect();
        candidates.sort_by(|a, b| a.id.cmp(&b.id));
        candidates.dedup_by(|a, b| a.id == b.id);
        for candidate in candidates {
            match link_between(&nets, candidate, seed_asset) {
                Link::Reaches(flows, _) => {
                    let ports = flows.port_labels().join(", ");
                    scope.add(&candidate.id, format!("can reach {seed_name} ({ports})"));
                    scope.links.insert((candidate.id.clone(), seed.clone(), ports));
                }
                Link::Undecided(why) => {
                    scope.add(&candidate.id, format!("may reach {seed_name} (undecided: {why})"));
                    scope.links.insert((candidate.id.clone(), seed.clone(), UNDECIDED.into()));
                }
                Link::Blocked => continue,
            }
            scope.entries_of(facts, &candidate.id);
        }
        for holder in access.get(seed).into_iter().flatten() {
            let levels = holder.levels.join(", ");
            let via = match holder.path.last() {
                Some(step) => format!(" as role {}", scope.name(&step.role)),
                None => String::new(),
            };
            let why = format!("can {levels} {seed_name}{via} ({})", holder.granted_by) + &conditional_note(&holder.on);
            match &holder.actor {
                Actor::Asset(id) => {
                    scope.add(id, why);
                    // The groups whose policies grant it are in scope with their member.
                    for group in graph.outgoing(id, RelationKind::MemberOfGroup) {
                        let group_name = scope.name(group);
                        if holder.granted_by.contains(&via_group(&group_name)) {
                            let member = scope.name(id);
                            scope.add(group, format!("its policies let member {member} {levels} {seed_name}"));
                        }
                    }
                }
                outside => {
                    let who = outside.describe(&|id| scope.name(id));
                    let conditional = if holder.on.is_empty() { "" } else { " (conditional)" };
                    let levels = format!("{levels}{via}{conditional}");
                    scope.outside.insert(OutsideAccess { who, to: seed.clone(), access: why, levels });
                }
            }
        }
        for key in graph.outgoing(seed, RelationKind::EncryptedWith) {
            scope.add(key, format!("encrypts {seed_name}"));
        }
    }
    // Containers: subnets, VPCs, networks, accounts and projects of everything in scope.
    let mut frontier: Vec<AssetId> = scope.reasons.keys().cloned().collect();
    while let Some(id) = frontier.pop() {
        let name = scope.name(&id);
        let mut parents: Vec<AssetId> = graph.outgoing(&id, RelationKind::InSubnet).into_iter().cloned().collect();
        parents.extend(graph.incoming(&id, RelationKind::Contains).into_iter().cloned());
        for p in parents {
            let is_container =
                graph.asset(&p).is_some_and(|a| matches!(a.class(), AssetClass::Network | AssetClass::Account));
            if is_container && scope.add(&p, format!("contains {name}")) {
                frontier.push(p);
            }
        }
    }
    let components = scope
        .reasons
        .iter()
        .filter_map(|(id, why)| {
            let a = graph.asset(id)?;
            Some(Component {
                id: id.clone(),
                kind: a.kind().to_string(),
                name: a.name.clone(),
                account: a.account.clone(),
                region: a.region.clone(),
                why: why.clone(),
            })
        })
        .collect();
    Boundary {
        seeds: seed_text.to_vec(),
        components,
        crossings: scope.crossings.into_iter().collect(),
        outside_access: scope.outside.into_iter().collect(),
        links: scope.links.into_iter().collect(),
    }
}

impl Boundary {
    pub fn to_table(&self, graph: &AssetGraph) -> String {
        let mut out = format!("In scope for seeds {}: {} components\n", self.seeds.join(", "), self.components.len());
        for c in &self.components {
            let mut why = c.why.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
            if c.why.len() > 3 {
                why.push_str(&format!("; and {} more", c.why.len() - 3));
            }
            out.push_str(&format!(
                "  {:<24} {:<28} {:<20} {:<10} {}\n",
                c.kind,
                field(&c.name),
                field(&c.account),
                field(c.region.as_deref().unwrap_or("-")),
                field(&why),
            ));
        }
        out.push_str(&format!("\nBoundary crossings (entry points from the internet): {}\n", self.crossings.len()));
        for x in &self.crossings {
            let name = graph
                .asset(&x.entry)
                .map(|a| format!("{} ({})", a.name, a.kind()))
                .unwrap_or_else(|| x.entry.to_string());
            out.push_str(&format!("  internet -> {} [{}]\n", field(&name), x.ports));
        }
        out.push_str(&format!("\nAccess from outside the estate: {}\n", self.outside_access.len()));
        for x in &self.outside_access {
            out.push_str(&format!("  {}: {}\n", field(&x.who), field(&x.access)));
        }
        out
    }

    pub fn to_csv(&self) -> String {
        let mut out = String::from("id,kind,name,account,region,why\n");
        for c in &self.components {
            let row =
                [c.id.as_str(), &c.kind, &c.name, &c.account, c.region.as_deref().unwrap_or(""), &c.why.join("; ")];
            out.push_str(&row.iter().map(|s| crate::terminal::csv_cell(s)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }
}

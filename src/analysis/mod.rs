//! Analyses: facts that no single cloud API returns, derived from the whole graph.
//! Network reachability (who can reach what, on which ports, through which rules),
//! searched once above each cloud's `network::NetworkModel`, and access (public
//! buckets, administrators, untrusted role assumers). Each fact keeps the evidence
//! that explains it, and a fact that could not be decided says why.

pub mod access;
pub mod access_graph;
pub mod addrs;
pub mod anywhere;
pub mod aws_network;
pub mod backup;
pub mod flows;
pub mod gcp_access;
pub mod gcp_deny;
pub mod gcp_network;
pub mod network;
pub mod principals;
pub mod privilege;
pub mod reachability;
pub mod trails;

use rustc_hash::FxHashMap;

use auditgraph_model::{AssetId, RelationKind};
use rayon::prelude::*;

use crate::findings::{Evidence, Hop};
use crate::graph::AssetGraph;
use flows::FlowSet;
use network::Networks;

/// One derived reachability fact: `from` (the internet or an asset) reaches `to`
/// with `flows`, along `hops`, possibly through a load balancer `via`.
#[derive(Clone, Debug)]
pub struct Reach {
    pub from: AssetId,
    pub to: AssetId,
    pub via: Option<AssetId>,
    pub flows: FlowSet,
    pub hops: Vec<Hop>,
}

impl Reach {
    /// The fact as evidence, naming assets by `name_of`.
    pub fn evidence(&self, name_of: &dyn Fn(&AssetId) -> String) -> Evidence {
        let via = self.via.as_ref().map(|v| format!(" through load balancer {}", name_of(v))).unwrap_or_default();
        Evidence {
            summary: format!("{} reaches {}{via}: {}", name_of(&self.from), name_of(&self.to), self.flows),
            hops: self.hops.clone(),
        }
    }
}

/// The name of an asset as evidence gives it (its short id when it has none).
pub fn name_in(graph: &AssetGraph, id: &AssetId) -> String {
    match graph.asset(id) {
        Some(a) if !a.name.is_empty() => a.name.clone(),
        _ => short(id).to_string(),
    }
}

/// The last segment of an id, for compact evidence: `sg-0123`, `prod-orders`.
pub fn short(id: &AssetId) -> &str {
    let s = id.as_str();
    s.rsplit(['/', ':']).next().filter(|x| !x.is_empty()).unwrap_or(s)
}

/// Reachability facts by target asset. A hash map, because controls look one up
/// per asset; whatever needs an order takes it from `in_target_order`.
pub type ReachesByTarget = FxHashMap<AssetId, Vec<Reach>>;

/// The targets of `by_target` with their facts, in target order. Targets are
/// graph assets, so their places in the graph's id order sort them.
pub fn targets_in_order<'f>(graph: &AssetGraph, by_target: &'f ReachesByTarget) -> Vec<(&'f AssetId, &'f Vec<Reach>)> {
    let mut targets: Vec<(Option<u32>, &AssetId, &Vec<Reach>)> =
        by_target.par_iter().map(|(id, reaches)| (graph.place(id), id, reaches)).collect();
    targets.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    targets.into_iter().map(|(_, id, reaches)| (id, reaches)).collect()
}

/// The facts of `by_target`, ordered by target (and, per target, as derived).
pub fn in_target_order<'f>(graph: &AssetGraph, by_target: &'f ReachesByTarget) -> impl Iterator<Item = &'f Reach> {
    targets_in_order(graph, by_target).into_iter().flat_map(|(_, reaches)| reaches)
}

/// Everything the analyses derived from one graph.
#[derive(Default)]
pub struct Facts {
    /// Internet → asset, directly or through a load balancer, by target.
    pub from_internet: ReachesByTarget,
    /// Exposed host → data store, by data store; each path starts at the internet.
    pub via_exposed_host: ReachesByTarget,
    /// Data stores with no known path from an exposed host, where a hop from one
    /// could not be decided: why.
    pub via_exposed_host_undecided: FxHashMap<AssetId, String>,
    pub access: access::AccessFacts,
    pub privilege: privilege::PrivilegeFacts,
    /// What each security group, network ACL and firewall rule admits on its own.
    pub admitted: FxHashMap<AssetId, anywhere::Admitted>,
    /// Whether a multi-region trail records each AWS account, by the account's asset.
    pub trails: FxHashMap<AssetId, trails::AccountTrails>,
    /// Which AWS Backup plans cover each data store they can protect.
    pub backups: backup::Coverage,
    /// Per trail with a bucket: whether that bucket has S3 Object Lock on, and which it is.
    pub trail_object_lock: FxHashMap<AssetId, Result<(bool, String), String>>,
}

impl Facts {
    /// Reachability and access are independent of each other: derived side by side.
    pub fn derive(graph: &AssetGraph) -> Facts {
        let ((from_internet, exposed, admitted), (access, privilege)) = rayon::join(
            || {
                let nets = Networks::new(graph);
                let from_internet = reachability::from_internet(graph, &nets);
                let exposed = reachability::via_exposed_hosts(graph, &nets, &from_internet);
                (from_internet, exposed, anywhere::derive(graph, &nets))
            },
            || {
                let sets = principals::PolicySets::of(graph);
                let principals = principals::Principals::new(graph, &sets);
                let steps = access_graph::role_steps(graph, &principals);
                rayon::join(
                    || access::AccessFacts::derive(graph, &steps),
                    || privilege::PrivilegeFacts::derive(graph, &principals, &steps),
                )
            },
        );
        Facts {
            from_internet,
            via_exposed_host: exposed.reaches,
            via_exposed_host_undecided: exposed.undecided,
            access,
            privilege,
            admitted,
            trails: trails::derive(graph),
            backups: backup::derive(graph),
            trail_object_lock: trails::bucket_object_lock(graph),
        }
    }

    /// Adds the derived `reaches` and `can_assume` edges to the graph.
    pub fn record_in(&self, graph: &mut AssetGraph) {
        let reaches: Vec<(&AssetId, &AssetId)> = in_target_order(graph, &self.from_internet)
            .chain(in_target_order(graph, &self.via_exposed_host))
            .map(|r| (&r.from, &r.to))
            .collect();
        graph.add_derived(RelationKind::Reaches, &reaches);
        let assumes: Vec<(&AssetId, &AssetId)> = self.access.assumers.iter().map(|(p, r)| (p, r)).collect();
        graph.add_derived(RelationKind::CanAssume, &assumes);
    }
}

#[cfg(test)]
mod access_tests;
#[cfg(test)]
mod tests;

//! Analyses: facts that no single cloud API returns, derived from the whole graph.
//! Network reachability (who can reach what, on which ports, through which rules)
//! and access (public buckets, administrators, untrusted role assumers). Each fact
//! keeps the evidence that explains it.

pub mod access;
pub mod addrs;
pub mod aws_network;
pub mod flows;
pub mod gcp_network;

use rustc_hash::{FxHashMap, FxHashSet};

use auditgraph_model::{AssetClass, AssetId, Attributes, RelationKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::findings::{Evidence, Hop};
use crate::graph::AssetGraph;
use aws_network::AwsNetwork;
use flows::FlowSet;
use gcp_network::GcpNetwork;

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

/// A reachability fact as snapshots store it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachRecord {
    pub from: AssetId,
    pub to: AssetId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<AssetId>,
    /// `tcp/22 from internet(v4)`; one entry per protocol and port range.
    pub flows: Vec<String>,
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

    /// The fact as the snapshot stores it, borrowing its ids and hops.
    pub fn record(&self) -> ReachRecordRef<'_> {
        ReachRecordRef {
            from: &self.from,
            to: &self.to,
            via: self.via.as_ref(),
            flows: self.flows.to_string().split("; ").map(str::to_string).collect(),
            hops: &self.hops,
        }
    }
}

/// A `ReachRecord` borrowed from the facts: serialises and sorts exactly as it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReachRecordRef<'a> {
    pub from: &'a AssetId,
    pub to: &'a AssetId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'a AssetId>,
    pub flows: Vec<String>,
    pub hops: &'a [Hop],
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
    pub access: access::AccessFacts,
}

impl Facts {
    /// Reachability and access are independent of each other: derived side by side.
    pub fn derive(graph: &AssetGraph) -> Facts {
        let ((from_internet, via_exposed_host), access) =
            rayon::join(|| Self::reachability(graph), || access::AccessFacts::derive(graph));
        Facts { from_internet, via_exposed_host, access }
    }

    /// What the internet reaches directly, and the data stores one hop from an exposed host.
    fn reachability(graph: &AssetGraph) -> (ReachesByTarget, ReachesByTarget) {
        let aws = AwsNetwork::new(graph);
        let gcp = GcpNetwork::new(graph);
        // Every asset is checked on its own, so the checks spread over threads.
        let direct: Vec<Reach> = graph
            .assets_of(aws_network::ENDPOINT_KINDS)
            .par_iter()
            .filter(|a| !matches!(&a.attributes, Attributes::AwsNetworkInterface(n) if n.attached_to.is_some()))
            .flat_map_iter(|a| {
                // An interface attached to an instance is reached as that instance.
                aws.endpoints_of(a).into_iter().filter_map(|ep| {
                    let (flows, hops) = aws.from_internet(&ep, &FlowSet::any_from(&addrs::AddrSet::all()))?;
                    Some(Reach { from: AssetId::internet(), to: a.id.clone(), via: None, flows, hops })
                })
            })
            .collect();
        // One fact per target, load balancer and traffic, whichever subnet it came through.
        let mut from_internet = ReachesByTarget::default();
        from_internet.reserve(direct.len());
        for r in direct.into_iter().chain(aws.through_load_balancers()).chain(gcp.from_internet(graph)) {
            let facts = from_internet.entry(r.to.clone()).or_default();
            let same = |known: &Reach| known.via == r.via && known.flows.to_string() == r.flows.to_string();
            if !facts.iter().any(same) {
                facts.push(r);
            }
        }

        // A data store one hop from a host that the internet reaches directly: only
        // stores in the host's own VPC can be one hop away.
        let mut stores_by_vpc: FxHashMap<&AssetId, Vec<aws_network::Endpoint>> = FxHashMap::default();
        for store in graph.assets_of_class(AssetClass::DataStore) {
            for ep in aws.endpoints_of(store) {
                if let Some(vpc) = aws.vpc_of(ep.subnet) {
                    stores_by_vpc.entry(vpc).or_default().push(ep);
                }
            }
        }
        // Each exposed host on its own, spread over threads, in host order.
        let one_hop: Vec<Reach> = targets_in_order(graph, &from_internet)
            .par_iter()
            .flat_map_iter(|&(host, reaches)| {
                let mut out = Vec::new();
                let Some(host_asset) = graph.asset(host).filter(|a| a.class() == AssetClass::Compute) else {
                    return out;
                };
                let mut seen = FxHashSet::default();
                // The hop to a store depends on the host's endpoint, not on how the
                // internet reached the host: worked out once for every entry below.
                let sources = aws.endpoints_of(host_asset);
                let mut memos: Vec<aws_network::HopMemo> = sources
                    .iter()
                    .map(|src| aws_network::HopMemo::new(src, FlowSet::any_from(&addrs::AddrSet::all())))
                    .collect();
                for entry in reaches.iter().filter(|r| r.via.is_none()) {
                    for (src, memo) in sources.iter().zip(&mut memos) {
                        let Some(vpc) = aws.vpc_of(src.subnet) else { continue };
                        for dest in stores_by_vpc.get(vpc).into_iter().flatten() {
                            let Some((flows, hop)) = aws.between_remembered(memo, dest) else { continue };
                            if !seen.insert(dest.asset) {
                                continue;
                            }
                            let mut hops = entry.hops.clone();
                            hops.push(hop);
                            out.push(Reach { from: host.clone(), to: dest.asset.clone(), via: None, flows, hops });
                        }
                    }
                }
                out
            })
            .collect();
        let mut via_exposed_host = ReachesByTarget::default();
        for r in one_hop {
            via_exposed_host.entry(r.to.clone()).or_default().push(r);
        }
        (from_internet, via_exposed_host)
    }

    /// Every reachability fact, for the snapshot.
    pub fn reach_records(&self, graph: &AssetGraph) -> Vec<ReachRecordRef<'_>> {
        let reaches: Vec<&Reach> =
            self.from_internet.values().chain(self.via_exposed_host.values()).flatten().collect();
        // Sorted by the places of the ends first (as their ids would sort), then by the rest.
        let mut v: Vec<_> =
            reaches.into_par_iter().map(|r| ((graph.place(&r.from), graph.place(&r.to)), r.record())).collect();
        v.par_sort_unstable_by(|(a_ends, a), (b_ends, b)| a_ends.cmp(b_ends).then_with(|| a.cmp(b)));
        v.into_iter().map(|(_, record)| record).collect()
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

/// What flows from one asset to another inside a VPC, endpoint by endpoint.
pub fn paths_between(graph: &AssetGraph, from: &AssetId, to: &AssetId) -> Vec<Reach> {
    paths_within(&AwsNetwork::new(graph), from, to)
}

/// `paths_between` with a network index built once by the caller.
pub fn paths_within(aws: &AwsNetwork, from: &AssetId, to: &AssetId) -> Vec<Reach> {
    let mut out = Vec::new();
    for src in aws.endpoints(from) {
        for dest in aws.endpoints(to) {
            if let Some((flows, hop)) = aws.between(&src, &dest, &FlowSet::any_from(&addrs::AddrSet::all())) {
                out.push(Reach { from: from.clone(), to: to.clone(), via: None, flows, hops: vec![hop] });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

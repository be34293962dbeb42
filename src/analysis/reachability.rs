//! The searches over network paths, written once for every cloud above the
//! `NetworkModel` interface: what the internet reaches (directly or through an
//! intermediary), which data stores a host the internet reaches can connect to,
//! and the path between two given assets.

use rustc_hash::{FxHashMap, FxHashSet};

use auditgraph_model::{Asset, AssetClass, AssetId};
use rayon::prelude::*;

use super::network::{Link, Networks};
use super::{name_in, targets_in_order, Reach, ReachesByTarget};
use crate::graph::AssetGraph;

/// What the internet reaches on every cloud, directly or through an intermediary:
/// one fact per target, intermediary and traffic, whichever subnet it came through.
pub fn from_internet<'g>(graph: &'g AssetGraph, nets: &Networks<'g>) -> ReachesByTarget {
    let mut facts: Vec<Reach> = Vec::new();
    for net in nets.all() {
        // Every asset is checked on its own, so the checks spread over threads.
        let direct: Vec<Reach> =
            graph.assets_of(net.kinds().endpoints).par_iter().flat_map_iter(|a| net.reached_from_internet(a)).collect();
        facts.extend(direct);
        facts.extend(net.reached_through_intermediaries());
    }
    let mut by_target = ReachesByTarget::default();
    by_target.reserve(facts.len());
    for r in facts {
        let known = by_target.entry(r.to.clone()).or_default();
        let same = |k: &Reach| k.via == r.via && k.flows.to_string() == r.flows.to_string();
        if !known.iter().any(same) {
            known.push(r);
        }
    }
    by_target
}

/// Data stores one hop from a host that the internet reaches directly, each path
/// starting at the internet; and, for stores with no such path, why a hop from an
/// exposed host could not be decided.
pub struct ViaExposedHosts {
    pub reaches: ReachesByTarget,
    pub undecided: FxHashMap<AssetId, String>,
}

/// What one exposed host reaches, and the stores it may reach undecided (with why).
type HostFindings = (Vec<Reach>, Vec<(AssetId, String)>);

pub fn via_exposed_hosts<'g>(
    graph: &'g AssetGraph,
    nets: &Networks<'g>,
    from_internet: &ReachesByTarget,
) -> ViaExposedHosts {
    // Only stores on one of a host's networks can be one hop away.
    let mut stores_by_network: FxHashMap<&AssetId, Vec<&Asset>> = FxHashMap::default();
    for store in graph.assets_of_class(AssetClass::DataStore) {
        for network in nets.for_asset(store).networks_of(store) {
            stores_by_network.entry(network).or_default().push(store);
        }
    }
    // Each exposed host on its own, spread over threads, in host order.
    let per_host: Vec<HostFindings> = targets_in_order(graph, from_internet)
        .par_iter()
        .filter_map(|&(host, reaches)| {
            let host_asset = graph.asset(host).filter(|a| a.class() == AssetClass::Compute)?;
            // The hop to a store does not depend on how the internet reached the host.
            let entry = reaches.iter().find(|r| r.via.is_none())?;
            let net = nets.for_asset(host_asset);
            // A store on two of the host's networks is asked about once.
            let mut asked = FxHashSet::default();
            let candidates: Vec<&Asset> = net
                .networks_of(host_asset)
                .into_iter()
                .flat_map(|network| stores_by_network.get(network).into_iter().flatten().copied())
                .filter(|store| asked.insert(&store.id))
                .collect();
            let mut found = Vec::new();
            let mut undecided = Vec::new();
            for (store, link) in candidates.iter().zip(net.links(host_asset, &candidates)) {
                match link {
                    Link::Reaches(flows, hop) => {
                        let mut hops = entry.hops.clone();
                        hops.push(hop);
                        found.push(Reach { from: host.clone(), to: store.id.clone(), via: None, flows, hops });
                    }
                    Link::Undecided(why) => {
                        undecided.push((store.id.clone(), format!("from {}: {why}", name_in(graph, host))))
                    }
                    Link::Blocked => {}
                }
            }
            Some((found, undecided))
        })
        .collect();
    let mut out = ViaExposedHosts { reaches: ReachesByTarget::default(), undecided: FxHashMap::default() };
    for (found, undecided) in per_host {
        for r in found {
            out.reaches.entry(r.to.clone()).or_default().push(r);
        }
        for (store, why) in undecided {
            out.undecided.entry(store).or_insert(why);
        }
    }
    // A store that some exposed host is known to reach is decided, whatever else is not.
    out.undecided.retain(|store, _| !out.reaches.contains_key(store));
    out
}

/// How `from` reaches `to` over a private network, as the model of `from`'s cloud
/// decides it. A link across clouds is blocked: their private networks do not meet.
pub fn link_between<'g>(nets: &Networks<'g>, from: &'g Asset, to: &'g Asset) -> Link {
    nets.for_asset(from).links(from, &[to]).pop().unwrap_or(Link::Blocked)
}

//! Which assets share one node: only those the picture cannot tell apart. Assets
//! are merged when they sit in the same place, are of the same kind under the same
//! rules (their network model's `rule_key`), share a name stem, fail the same
//! controls, and have the same edges to the same endpoints with the same labels.
//! Then every edge of a merged node holds for every member, and towards every
//! member of a merged node at its other end: the picture says neither more nor
//! less than the selection it was drawn from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use auditgraph_model::Asset;

use super::picture::{Edge, EdgeStyle};
use super::select::Selection;
use super::{Layout, Place};
use crate::findings::{Finding, Outcome};
use crate::graph::AssetGraph;

/// How many indistinguishable assets become one aggregated node.
pub const AGGREGATE_AT: usize = 3;

/// The assets one node stands for.
pub struct Group<'g> {
    /// The node's id: the asset's id, or the first member's with `×N`.
    pub id: String,
    pub members: Vec<&'g Asset>,
    pub place: Place,
    /// The controls each member fails (the same for all of them).
    pub failed: Vec<&'g str>,
}

/// The nodes of a selection and the edges between them, by node id (an asset
/// group's id, or an endpoint id that is not an asset).
pub struct Aggregation<'g> {
    pub groups: Vec<Group<'g>>,
    pub edges: Vec<Edge>,
}

/// One side of an edge as an asset sees it: direction, the other end, label, style.
type Neighbour<'s> = (bool, &'s str, &'s str, EdgeStyle);

/// What must be equal for assets to share a node: place, kind with rules and name
/// stem, the controls failed, and every edge.
type Likeness<'g, 's> = (Place, String, Vec<&'g str>, Vec<Neighbour<'s>>);

/// The name without a trailing number: `prod-app-3` → `prod-app`.
pub fn stem(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches(['-', '_'])
}

/// Groups the selection's assets into nodes and maps its edges onto them.
pub fn aggregate<'g>(
    graph: &'g AssetGraph,
    layout: &Layout<'g>,
    selection: &Selection,
    findings: &'g [Finding],
) -> Aggregation<'g> {
    let mut failed: HashMap<&str, BTreeSet<&'g str>> = HashMap::new();
    for f in findings.iter().filter(|f| f.outcome == Outcome::Fail) {
        failed.entry(f.asset.as_str()).or_default().insert(f.control.as_str());
    }
    let mut neighbours: HashMap<&str, Vec<Neighbour>> = HashMap::new();
    for e in &selection.edges {
        neighbours.entry(&e.from).or_default().push((true, &e.to, &e.label, e.style));
        neighbours.entry(&e.to).or_default().push((false, &e.from, &e.label, e.style));
    }
    let mut alike: BTreeMap<Likeness, Vec<&'g Asset>> = BTreeMap::new();
    for id in &selection.assets {
        let Some(a) = graph.asset(id) else { continue };
        let mut around = neighbours.get(id.as_str()).cloned().unwrap_or_default();
        around.sort();
        let fails: Vec<&str> = failed.get(id.as_str()).map(|s| s.iter().copied().collect()).unwrap_or_default();
        let likeness = format!("{}|{}|{}", a.kind(), layout.nets.for_asset(a).rule_key(a), stem(&a.name));
        alike.entry((layout.placement(a), likeness, fails, around)).or_default().push(a);
    }
    let mut groups = Vec::new();
    let mut node_of: HashMap<&str, String> = HashMap::new();
    for ((place, _, fails, _), members) in alike {
        let chunks: Vec<Vec<&'g Asset>> =
            if members.len() >= AGGREGATE_AT { vec![members] } else { members.into_iter().map(|m| vec![m]).collect() };
        for chunk in chunks {
            let id = match chunk.len() {
                1 => chunk[0].id.to_string(),
                n => format!("{} ×{n}", chunk[0].id),
            };
            for m in &chunk {
                node_of.insert(m.id.as_str(), id.clone());
            }
            groups.push(Group { id, members: chunk, place: place.clone(), failed: fails.clone() });
        }
    }
    // One edge per pair of nodes, label and style; its evidence is that of every
    // pair of assets it stands for.
    let end = |id: &str| node_of.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut merged: BTreeMap<(String, String, String, EdgeStyle), Vec<&str>> = BTreeMap::new();
    for e in &selection.edges {
        let details = merged.entry((end(&e.from), end(&e.to), e.label.clone(), e.style)).or_default();
        if !e.detail.is_empty() && !details.contains(&e.detail.as_str()) {
            details.push(&e.detail);
        }
    }
    let edges = merged
        .into_iter()
        .map(|((from, to, label, style), details)| Edge { from, to, label, style, detail: details.join("\n") })
        .collect();
    Aggregation { groups, edges }
}

//! The asset graph: every inventory merged into one petgraph `StableDiGraph`, indexed
//! by asset id, with one synthetic `Internet` node. Merging is a union on ids; a
//! conflict or a dangling reference becomes a warning, never a silent overwrite or a
//! panic.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use auditgraph_model::{Asset, AssetId, AssetKind, Inventory, Relation, RelationKind};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeIndexable};
use petgraph::Direction;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diff::changed_fields;
use crate::source::{Source, SourcedInventory};
use crate::text_sort::values_in_text_order;

/// The nodes in id order, and each node's place in that order (by node index).
struct IdOrder {
    nodes: Vec<NodeIndex>,
    place: Vec<u32>,
}

/// A node of the graph.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Every address on the internet.
    Internet,
    Asset(Box<Asset>),
    /// An id that a relation names but no inventory defines.
    Unresolved(AssetId),
}

/// Something the loader noticed and did not let pass silently.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum LoadWarning {
    /// Two inventories describe the same id differently; the first one is kept.
    Conflict { id: AssetId, kept_from: String, ignored_from: String, differing: Vec<String> },
    /// A relation names an asset that no inventory defines.
    Unresolved { missing: AssetId, from: AssetId, relation: RelationKind, to: AssetId },
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadWarning::Conflict { id, kept_from, ignored_from, differing } => write!(
                f,
                "conflict: {id} differs between {kept_from} and {ignored_from} ({}); kept the first",
                differing.join(", ")
            ),
            LoadWarning::Unresolved { missing, from, relation, to } => write!(
                f,
                "unresolved: {missing}, named by {from} --{}--> {to}, is in no inventory",
                relation_name(*relation)
            ),
        }
    }
}

pub fn relation_name(kind: RelationKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A relation whose ends were looked up: both in the graph, or one missing.
enum Link {
    Resolved(NodeIndex, RelationKind, NodeIndex),
    Dangling(Relation),
}

pub struct AssetGraph {
    graph: StableDiGraph<Node, RelationKind>,
    index: FxHashMap<AssetId, NodeIndex>,
    internet: NodeIndex,
    /// Where each asset came from (a file or a crawl), for conflict reports; one
    /// shared string per source.
    origin: FxHashMap<NodeIndex, Arc<str>>,
    pub sources: Vec<Source>,
    pub warnings: Vec<LoadWarning>,
    /// Every node in id order, computed once after loading.
    order: std::sync::OnceLock<IdOrder>,
    /// Per edge index: whether the edge follows from the assets alone (an attribute
    /// or account containment), so snapshots need not store it.
    implied: Vec<bool>,
}

impl AssetGraph {
    fn empty() -> Self {
        let mut graph = StableDiGraph::new();
        let internet = graph.add_node(Node::Internet);
        let mut index = FxHashMap::default();
        index.insert(AssetId::internet(), internet);
        AssetGraph {
            graph,
            index,
            internet,
            origin: FxHashMap::default(),
            sources: Vec::new(),
            warnings: Vec::new(),
            order: std::sync::OnceLock::new(),
            implied: Vec::new(),
        }
    }

    /// Merges inventories into one graph: assets by id, then the relations their
    /// attributes imply, the explicit relations, and account containment.
    pub fn from_inventories(inventories: Vec<SourcedInventory>) -> Self {
        let mut g = AssetGraph::empty();
        g.reserve(inventories.iter().map(|i| i.inventory.assets.len()).sum());
        let mut explicit = Vec::new();
        for SourcedInventory { source, inventory } in inventories {
            let Inventory { assets, relations, .. } = inventory;
            let origin: Arc<str> = source.origin.as_str().into();
            for asset in assets {
                g.add_asset(asset, &origin);
            }
            explicit.extend(relations);
            g.sources.push(source);
        }
        g.link(explicit);
        g
    }

    /// Rebuilds a graph from the parts of a snapshot.
    pub fn from_parts(sources: Vec<Source>, assets: Vec<Asset>, relations: Vec<Relation>) -> Self {
        let mut g = AssetGraph::empty();
        g.reserve(assets.len());
        let origin: Arc<str> = "snapshot".into();
        for asset in assets {
            g.add_asset(asset, &origin);
        }
        g.sources = sources;
        g.link(relations);
        g
    }

    /// Room for `assets` more assets, so loading does not grow the tables step by step.
    fn reserve(&mut self, assets: usize) {
        self.graph.reserve_nodes(assets);
        self.index.reserve(assets);
        self.origin.reserve(assets);
    }

    fn add_asset(&mut self, asset: Asset, origin: &Arc<str>) {
        if let Some(&existing) = self.index.get(&asset.id) {
            if let Node::Asset(kept) = &self.graph[existing] {
                let differing = changed_fields(kept, &asset);
                if !differing.is_empty() {
                    self.warnings.push(LoadWarning::Conflict {
                        id: asset.id.clone(),
                        kept_from: self.origin[&existing].to_string(),
                        ignored_from: origin.to_string(),
                        differing: differing.into_iter().map(|c| c.field).collect(),
                    });
                }
            }
            return;
        }
        let id = asset.id.clone();
        self.order = std::sync::OnceLock::new();
        let node = self.graph.add_node(Node::Asset(Box::new(asset)));
        self.index.insert(id, node);
        self.origin.insert(node, origin.clone());
    }

    /// Adds every relation: implied by attributes, explicit, and account containment.
    fn link(&mut self, explicit: Vec<Relation>) {
        let links = self.resolve(&explicit);
        self.graph.reserve_edges(links.len());
        self.implied.reserve(links.len());
        // One edge per (from, kind, to), whichever inventory or attribute stated it;
        // the implied ones come first, so an inventory repeating one adds nothing.
        let mut seen: FxHashSet<(NodeIndex, RelationKind, NodeIndex)> =
            FxHashSet::with_capacity_and_hasher(links.len(), Default::default());
        for (link, implied) in links {
            let (from, kind, to) = match link {
                Link::Resolved(from, kind, to) => (from, kind, to),
                Link::Dangling(r) => (self.node_or_unresolved(&r.from, &r), r.kind, self.node_or_unresolved(&r.to, &r)),
            };
            if seen.insert((from, kind, to)) {
                self.add_edge(from, to, kind, implied);
            }
        }
        self.warnings.sort();
        self.warnings.dedup();
    }

    /// Every relation with its ends looked up, on every core, each marked implied or
    /// not: those the attributes imply, account containment, then the explicit ones.
    fn resolve(&self, explicit: &[Relation]) -> Vec<(Link, bool)> {
        let assets: Vec<&Asset> =
            self.graph.node_weights().filter_map(|n| if let Node::Asset(a) = n { Some(&**a) } else { None }).collect();
        let mut implied: Vec<(&AssetId, RelationKind, &AssetId)> =
            assets.par_iter().flat_map_iter(|a| a.implied_relation_refs()).collect();
        let accounts: FxHashMap<&str, &AssetId> = assets
            .iter()
            .filter(|a| matches!(a.kind(), AssetKind::AwsAccount | AssetKind::GcpProject))
            .map(|a| (a.account.as_str(), &a.id))
            .collect();
        let contained: FxHashSet<&AssetId> = implied
            .iter()
            .filter(|(_, kind, _)| *kind == RelationKind::Contains)
            .map(|(_, _, to)| *to)
            .chain(explicit.iter().filter(|r| r.kind == RelationKind::Contains).map(|r| &r.to))
            .collect();
        // An asset that nothing else contains belongs to its account.
        implied.par_extend(assets.par_iter().filter_map(|a| {
            let account = *accounts.get(a.account.as_str())?;
            (account != &a.id && !contained.contains(&a.id)).then_some((account, RelationKind::Contains, &a.id))
        }));
        let link = |from: &AssetId, kind: RelationKind, to: &AssetId| match (self.node(from), self.node(to)) {
            (Some(a), Some(b)) => Link::Resolved(a, kind, b),
            _ => Link::Dangling(Relation { from: from.clone(), kind, to: to.clone() }),
        };
        let mut links: Vec<(Link, bool)> =
            implied.into_par_iter().map(|(from, kind, to)| (link(from, kind, to), true)).collect();
        links.par_extend(explicit.par_iter().map(|r| (link(&r.from, r.kind, &r.to), false)));
        links
    }

    fn node_or_unresolved(&mut self, id: &AssetId, r: &Relation) -> NodeIndex {
        if let Some(&n) = self.index.get(id) {
            return n;
        }
        self.warnings.push(LoadWarning::Unresolved {
            missing: id.clone(),
            from: r.from.clone(),
            relation: r.kind,
            to: r.to.clone(),
        });
        self.order = std::sync::OnceLock::new();
        let n = self.graph.add_node(Node::Unresolved(id.clone()));
        self.index.insert(id.clone(), n);
        n
    }

    /// Records relations an analysis derived (`reaches`, `can_assume`), each once, in
    /// the order given. The ends are looked up on every core.
    pub fn add_derived(&mut self, kind: RelationKind, pairs: &[(&AssetId, &AssetId)]) {
        let ends: Vec<(NodeIndex, NodeIndex)> =
            pairs.par_iter().filter_map(|(from, to)| Some((self.node(from)?, self.node(to)?))).collect();
        for (a, b) in ends {
            // Look from the target's side: the internet node has an edge to every exposed asset.
            if !self.graph.edges_directed(b, Direction::Incoming).any(|e| e.source() == a && *e.weight() == kind) {
                self.add_edge(a, b, kind, false);
            }
        }
    }

    fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, kind: RelationKind, implied: bool) {
        let edge = self.graph.add_edge(from, to, kind);
        // Edges are never removed, so their indices count up from zero.
        debug_assert_eq!(edge.index(), self.implied.len());
        self.implied.push(implied);
    }

    pub fn internet(&self) -> NodeIndex {
        self.internet
    }

    pub fn node(&self, id: &AssetId) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    pub fn asset(&self, id: &AssetId) -> Option<&Asset> {
        self.index.get(id).and_then(|&n| self.asset_at(n))
    }

    pub fn asset_at(&self, n: NodeIndex) -> Option<&Asset> {
        match &self.graph[n] {
            Node::Asset(a) => Some(a),
            _ => None,
        }
    }

    pub fn node_at(&self, n: NodeIndex) -> &Node {
        &self.graph[n]
    }

    /// Every asset, in id order.
    pub fn assets(&self) -> Vec<&Asset> {
        self.id_order().nodes.iter().filter_map(|&n| self.asset_at(n)).collect()
    }

    /// The place of a node in id order: comparing places compares ids, without
    /// reading them (sorting a million ids by text is most of a sort's time).
    pub fn place_of_node(&self, n: NodeIndex) -> u32 {
        self.id_order().place[n.index()]
    }

    /// `place_of_node` of an id's node; ids not in the graph have none.
    pub fn place(&self, id: &AssetId) -> Option<u32> {
        self.node(id).map(|n| self.place_of_node(n))
    }

    fn id_order(&self) -> &IdOrder {
        self.order.get_or_init(|| {
            let ids: Vec<(&str, NodeIndex)> = self.graph.node_indices().map(|n| (self.id_of(n).as_str(), n)).collect();
            let nodes = values_in_text_order(ids);
            let mut place = vec![u32::MAX; self.graph.node_bound()];
            for (i, n) in nodes.iter().enumerate() {
                place[n.index()] = i as u32;
            }
            IdOrder { nodes, place }
        })
    }

    /// Ids that relations name but no inventory defines, sorted.
    pub fn unresolved(&self) -> Vec<&AssetId> {
        let mut v: Vec<&AssetId> = self
            .graph
            .node_weights()
            .filter_map(|n| match n {
                Node::Unresolved(id) => Some(id),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    /// The relations that do not follow from the assets alone (stated by an
    /// inventory, or derived by an analysis), sorted.
    pub fn stated_relations_sorted(&self) -> Vec<(&AssetId, RelationKind, &AssetId)> {
        let mut edges: Vec<((u32, RelationKind, u32), NodeIndex, NodeIndex)> = self
            .graph
            .edge_references()
            .filter(|e| !self.implied[e.id().index()])
            .map(|e| {
                let (from, to) = (e.source(), e.target());
                ((self.place_of_node(from), *e.weight(), self.place_of_node(to)), from, to)
            })
            .collect();
        edges.par_sort_unstable_by_key(|&(key, _, _)| key);
        edges.into_iter().map(|((_, kind, _), from, to)| (self.id_of(from), kind, self.id_of(to))).collect()
    }

    /// Every relation, sorted.
    pub fn relations(&self) -> Vec<Relation> {
        let mut v: Vec<Relation> = self
            .graph
            .edge_references()
            .map(|e| Relation {
                from: self.id_of(e.source()).clone(),
                kind: *e.weight(),
                to: self.id_of(e.target()).clone(),
            })
            .collect();
        v.sort();
        v
    }

    pub fn id_of(&self, n: NodeIndex) -> &AssetId {
        match &self.graph[n] {
            Node::Internet => internet_id(),
            Node::Asset(a) => &a.id,
            Node::Unresolved(id) => id,
        }
    }

    /// The assets that `id` points to with relations of `kind`.
    pub fn outgoing(&self, id: &AssetId, kind: RelationKind) -> Vec<&AssetId> {
        self.neighbours(id, kind, Direction::Outgoing)
    }

    /// The assets that point to `id` with relations of `kind`.
    pub fn incoming(&self, id: &AssetId, kind: RelationKind) -> Vec<&AssetId> {
        self.neighbours(id, kind, Direction::Incoming)
    }

    fn neighbours(&self, id: &AssetId, kind: RelationKind, dir: Direction) -> Vec<&AssetId> {
        let Some(n) = self.node(id) else { return Vec::new() };
        let mut v: Vec<&AssetId> = self
            .graph
            .edges_directed(n, dir)
            .filter(|e| *e.weight() == kind)
            .map(|e| self.id_of(if dir == Direction::Outgoing { e.target() } else { e.source() }))
            .collect();
        v.sort();
        v
    }

    pub fn asset_count(&self) -> usize {
        self.graph.node_weights().filter(|n| matches!(n, Node::Asset(_))).count()
    }

    pub fn relation_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The underlying petgraph, for graph algorithms beyond this API.
    pub fn petgraph(&self) -> &StableDiGraph<Node, RelationKind> {
        &self.graph
    }
}

fn internet_id() -> &'static AssetId {
    static ID: std::sync::OnceLock<AssetId> = std::sync::OnceLock::new();
    ID.get_or_init(AssetId::internet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use auditgraph_model::Inventory;

    fn inventory(assets_json: &str) -> SourcedInventory {
        let text = format!(
            r#"{{"format":"auditgraph-inventory/1","cloud":"aws","scope":"111111111111",
                "collected_at":"2026-11-01T00:00:00Z","assets":[{assets_json}]}}"#
        );
        SourcedInventory::new(Inventory::from_json(&text).unwrap(), "test.json")
    }

    const VPC: &str = r#"{"id":"vpc-1","kind":"aws_vpc","name":"main","account":"111111111111","attributes":{"cidr_blocks":["10.0.0.0/16"]}}"#;
    const SUBNET: &str = r#"{"id":"subnet-1","kind":"aws_subnet","name":"a","account":"111111111111","attributes":{"vpc":"vpc-1","cidr_block":"10.0.1.0/24"}}"#;
    const ACCOUNT: &str = r#"{"id":"acct","kind":"aws_account","name":"prod","account":"111111111111","attributes":{"account_id":"111111111111"}}"#;

    #[test]
    fn merges_inventories_as_a_union_on_ids() {
        let g = AssetGraph::from_inventories(vec![
            inventory(&format!("{ACCOUNT},{VPC}")),
            inventory(&format!("{VPC},{SUBNET}")),
        ]);
        assert_eq!(g.asset_count(), 3);
        assert!(g.warnings.is_empty(), "{:?}", g.warnings);
        assert_eq!(g.outgoing(&"vpc-1".into(), RelationKind::Contains), vec![&AssetId::from("subnet-1")]);
        // The account contains the VPC, which contains the subnet: not the subnet directly.
        assert_eq!(g.outgoing(&"acct".into(), RelationKind::Contains), vec![&AssetId::from("vpc-1")]);
    }

    #[test]
    fn reports_conflicts_and_keeps_the_first() {
        let other = VPC.replace("10.0.0.0/16", "10.9.0.0/16");
        let g = AssetGraph::from_inventories(vec![inventory(VPC), inventory(&other)]);
        assert_eq!(g.asset_count(), 1);
        match &g.warnings[..] {
            [LoadWarning::Conflict { id, differing, .. }] => {
                assert_eq!(id.as_str(), "vpc-1");
                assert_eq!(differing, &vec!["attributes.cidr_blocks[0]".to_string()]);
            }
            other => panic!("expected one conflict, got {other:?}"),
        }
        let Node::Asset(kept) = g.node_at(g.node(&"vpc-1".into()).unwrap()) else { panic!() };
        assert_eq!(serde_json::to_value(kept).unwrap()["attributes"]["cidr_blocks"][0], "10.0.0.0/16");
    }

    #[test]
    fn places_follow_id_order_and_sort_the_relations() {
        // Loaded out of order, with a dangling reference (vpc-1) and the internet node.
        let mut g = AssetGraph::from_inventories(vec![inventory(&format!("{SUBNET},{ACCOUNT}"))]);
        let (acct, subnet) = (AssetId::new("acct"), AssetId::new("subnet-1"));
        g.add_derived(RelationKind::Reaches, &[(&AssetId::internet(), &subnet), (&subnet, &acct)]);
        g.add_derived(RelationKind::CanAssume, &[(&subnet, &acct), (&acct, &subnet)]);
        let mut ids: Vec<&AssetId> = g.petgraph().node_indices().map(|n| g.id_of(n)).collect();
        ids.sort();
        let places: Vec<u32> = ids.iter().map(|id| g.place(id).unwrap()).collect();
        assert_eq!(places, (0..ids.len() as u32).collect::<Vec<_>>());
        assert_eq!(g.place(&"not-in-the-graph".into()), None);
        let stated: Vec<Relation> = g
            .stated_relations_sorted()
            .into_iter()
            .map(|(from, kind, to)| Relation { from: from.clone(), kind, to: to.clone() })
            .collect();
        let mut expected = stated.clone();
        expected.sort();
        assert_eq!(stated, expected);
        assert_eq!(stated.len(), 4);
    }

    #[test]
    fn dangling_references_become_unresolved_nodes() {
        let g = AssetGraph::from_inventories(vec![inventory(SUBNET)]);
        assert_eq!(g.unresolved(), vec![&AssetId::from("vpc-1")]);
        assert!(matches!(&g.warnings[..], [LoadWarning::Unresolved { missing, .. }] if missing.as_str() == "vpc-1"));
        assert_eq!(g.relation_count(), 1);
    }
}

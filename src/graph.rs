//! The asset graph: every inventory merged into one petgraph `StableDiGraph`, indexed
//! by asset id, with one synthetic `Internet` node. Merging is a union on ids; a
//! conflict or a dangling reference becomes a warning, never a silent overwrite or a
//! panic.

use rustc_hash::{FxHashMap, FxHashSet};

use auditgraph_model::{Asset, AssetClass, AssetId, AssetKind, Inventory, Relation, RelationKind};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeIndexable};
use petgraph::Direction;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::id_index::IdIndex;
use crate::source::{Source, SourcedInventory};
use crate::text_sort::values_in_text_order;

/// The nodes in id order, each node's place in that order (by node index), and the
/// asset nodes of each kind in that order (by kind), so that an analysis of a few
/// kinds does not walk a million assets.
struct IdOrder {
    nodes: Vec<NodeIndex>,
    place: Vec<u32>,
    by_kind: Vec<Vec<NodeIndex>>,
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
            LoadWarning::Unresolved { missing, from, relation, to } => {
                write!(f, "unresolved: {missing}, named by {from} --{relation}--> {to}, is in no inventory")
            }
        }
    }
}

/// A relation whose ends were looked up: both in the graph, or one missing.
enum Link {
    Resolved(NodeIndex, RelationKind, NodeIndex),
    Dangling(Relation),
}

pub struct AssetGraph {
    graph: StableDiGraph<Node, RelationKind>,
    index: IdIndex,
    internet: NodeIndex,
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
        let mut index = IdIndex::default();
        index.insert(AssetId::internet(), internet);
        AssetGraph {
            graph,
            index,
            internet,
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
        let mut batches = Vec::with_capacity(inventories.len());
        let mut explicit = Vec::new();
        for SourcedInventory { source, inventory } in inventories {
            let Inventory { assets, relations, .. } = inventory;
            batches.push((assets, source.origin.clone()));
            explicit.extend(relations);
            g.sources.push(source);
        }
        g.add_assets(batches);
        g.link(explicit);
        g
    }

    /// Rebuilds a graph from the parts of a snapshot.
    pub fn from_parts(sources: Vec<Source>, assets: Vec<Asset>, relations: Vec<Relation>) -> Self {
        let mut g = AssetGraph::empty();
        g.add_assets(vec![(assets, "snapshot".to_string())]);
        g.sources = sources;
        g.link(relations);
        g
    }

    /// Adds the assets of each origin, in the order given: the first asset with an id
    /// is kept, a later one is dropped with a warning if it differs. Ids are matched
    /// and assets boxed on every core; only the nodes are added one by one.
    fn add_assets(&mut self, batches: Vec<(Vec<Asset>, String)>) {
        let origins: Vec<String> = batches.iter().map(|(_, origin)| origin.clone()).collect();
        let assets: Vec<(Box<Asset>, u32)> = batches
            .into_par_iter()
            .enumerate()
            .flat_map(|(b, (assets, _))| assets.into_par_iter().map(move |a| (Box::new(a), b as u32)))
            .collect();
        let ids: Vec<&AssetId> = assets.par_iter().map(|(a, _)| &a.id).collect();
        let first = first_occurrences(&ids);
        let internet = AssetId::internet();
        let mut conflicts: Vec<LoadWarning> = (0..assets.len())
            .into_par_iter()
            .filter(|&i| first[i] as usize != i && *ids[i] != internet)
            .filter_map(|i| {
                let ((kept, kept_from), (ignored, ignored_from)) = (&assets[first[i] as usize], &assets[i]);
                let differing = kept.changed_fields(ignored);
                (!differing.is_empty()).then(|| LoadWarning::Conflict {
                    id: ignored.id.clone(),
                    kept_from: origins[*kept_from as usize].clone(),
                    ignored_from: origins[*ignored_from as usize].clone(),
                    differing: differing.into_iter().map(|c| c.field).collect(),
                })
            })
            .collect();
        self.warnings.append(&mut conflicts);
        let kept: Vec<bool> = (0..assets.len()).map(|i| first[i] as usize == i && *ids[i] != internet).collect();
        self.order = std::sync::OnceLock::new();
        self.graph.reserve_nodes(assets.len());
        let first_node = self.graph.node_count();
        let entries: Vec<(&AssetId, NodeIndex)> = ids
            .iter()
            .zip(&kept)
            .filter(|(_, &keep)| keep)
            .enumerate()
            .map(|(n, (&id, _))| (id, NodeIndex::new(first_node + n)))
            .collect();
        self.index.extend(entries);
        // Nodes are never removed, so each new one takes the next index, as numbered above.
        for ((asset, _), keep) in assets.into_iter().zip(kept) {
            if keep {
                let node = self.graph.add_node(Node::Asset(asset));
                debug_assert_eq!(self.index.get(self.id_of(node)), Some(node));
            }
        }
    }

    /// Adds every relation: implied by attributes, explicit, and account containment.
    fn link(&mut self, explicit: Vec<Relation>) {
        let links = self.resolve(&explicit);
        self.graph.reserve_edges(links.len());
        self.implied.reserve(links.len());
        let edges: Vec<((NodeIndex, RelationKind, NodeIndex), bool)> = links
            .into_iter()
            .map(|(link, implied)| match link {
                Link::Resolved(from, kind, to) => ((from, kind, to), implied),
                Link::Dangling(r) => {
                    ((self.node_or_unresolved(&r.from, &r), r.kind, self.node_or_unresolved(&r.to, &r)), implied)
                }
            })
            .collect();
        // One edge per (from, kind, to), whichever inventory or attribute stated it;
        // the implied ones come first, so an inventory repeating one adds nothing.
        let keys: Vec<&(NodeIndex, RelationKind, NodeIndex)> = edges.par_iter().map(|(key, _)| key).collect();
        let first = first_occurrences(&keys);
        drop(keys);
        // Every node is in, so the id order can be worked out on the other core while
        // petgraph takes the edges one by one (it cannot take them in parallel).
        let nodes = self.node_ids_and_kinds();
        let node_bound = self.graph.node_bound();
        let (graph, implied_edges) = (&mut self.graph, &mut self.implied);
        let ((), order) = rayon::join(
            || {
                for (i, ((from, kind, to), implied)) in edges.into_iter().enumerate() {
                    if first[i] as usize == i {
                        add_edge(graph, implied_edges, from, to, kind, implied);
                    }
                }
            },
            || IdOrder::of(nodes, node_bound),
        );
        self.order = std::sync::OnceLock::from(order);
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
        let accounts: FxHashMap<&str, &AssetId> =
            assets.iter().filter(|a| a.class() == AssetClass::Account).map(|a| (a.account.as_str(), &a.id)).collect();
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
        if let Some(n) = self.index.get(id) {
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
        add_edge(&mut self.graph, &mut self.implied, from, to, kind, implied);
    }

    pub fn internet(&self) -> NodeIndex {
        self.internet
    }

    pub fn node(&self, id: &AssetId) -> Option<NodeIndex> {
        self.index.get(id)
    }

    pub fn asset(&self, id: &AssetId) -> Option<&Asset> {
        self.index.get(id).and_then(|n| self.asset_at(n))
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

    /// The assets of the given kinds, in id order.
    pub fn assets_of(&self, kinds: &[AssetKind]) -> Vec<&Asset> {
        let order = self.id_order();
        let mut nodes: Vec<NodeIndex> = kinds.iter().flat_map(|&k| &order.by_kind[k as usize]).copied().collect();
        if kinds.len() > 1 {
            nodes.sort_unstable_by_key(|n| order.place[n.index()]);
        }
        nodes.into_iter().filter_map(|n| self.asset_at(n)).collect()
    }

    /// The assets of every kind of a class, in id order.
    pub fn assets_of_class(&self, class: AssetClass) -> Vec<&Asset> {
        let kinds: Vec<AssetKind> = AssetKind::ALL.iter().copied().filter(|k| k.class() == class).collect();
        self.assets_of(&kinds)
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
        self.order.get_or_init(|| IdOrder::of(self.node_ids_and_kinds(), self.graph.node_bound()))
    }

    /// Each node's id and, for an asset, its kind: what the id order is made of. Read
    /// on every core (each asset is a miss in the cache).
    fn node_ids_and_kinds(&self) -> Vec<(AssetId, NodeIndex, Option<AssetKind>)> {
        let nodes: Vec<NodeIndex> = self.graph.node_indices().collect();
        nodes.into_par_iter().map(|n| (self.id_of(n).clone(), n, self.asset_at(n).map(Asset::kind))).collect()
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

impl IdOrder {
    /// The order of `nodes` (id, node, kind of an asset) by id; `node_bound` is one
    /// past the highest node index.
    fn of(nodes: Vec<(AssetId, NodeIndex, Option<AssetKind>)>, node_bound: usize) -> IdOrder {
        let mut kind_of = vec![None; node_bound];
        for (_, n, kind) in &nodes {
            kind_of[n.index()] = *kind;
        }
        let order = values_in_text_order(nodes.iter().map(|(id, n, _)| (id.as_str(), *n)).collect());
        let mut place = vec![u32::MAX; node_bound];
        let mut by_kind = vec![Vec::new(); AssetKind::ALL.len()];
        for (i, n) in order.iter().enumerate() {
            place[n.index()] = i as u32;
            if let Some(kind) = kind_of[n.index()] {
                by_kind[kind as usize].push(*n);
            }
        }
        IdOrder { nodes: order, place, by_kind }
    }
}

/// Adds an edge and records whether the assets imply it.
fn add_edge(
    graph: &mut StableDiGraph<Node, RelationKind>,
    implied_edges: &mut Vec<bool>,
    from: NodeIndex,
    to: NodeIndex,
    kind: RelationKind,
    implied: bool,
) {
    let edge = graph.add_edge(from, to, kind);
    // Edges are never removed, so their indices count up from zero.
    debug_assert_eq!(edge.index(), implied_edges.len());
    implied_edges.push(implied);
}

/// For each key, the position of the first key equal to it (its own when it is the
/// first): how loading keeps the first of each asset and of each edge. Positions are
/// grouped by hash on every core; equal hashes are then compared as keys, so a
/// collision cannot merge two different ones.
fn first_occurrences<K: std::hash::Hash + Eq + Sync>(keys: &[K]) -> Vec<u32> {
    use std::hash::BuildHasher;
    let hasher = rustc_hash::FxBuildHasher;
    let mut by_hash: Vec<(u64, u32)> =
        keys.par_iter().enumerate().map(|(i, key)| (hasher.hash_one(key), i as u32)).collect();
    by_hash.par_sort_unstable();
    let mut first: Vec<u32> = (0..keys.len() as u32).collect();
    for group in by_hash.chunk_by(|a, b| a.0 == b.0).filter(|group| group.len() > 1) {
        // Sorted by position within the group, so the first equal key found is the earliest.
        for (k, &(_, at)) in group.iter().enumerate() {
            if let Some(&(_, earlier)) = group[..k].iter().find(|(_, e)| keys[*e as usize] == keys[at as usize]) {
                first[at as usize] = earlier;
            }
        }
    }
    first
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
    fn each_relation_is_one_edge_and_an_implied_one_stays_implied() {
        let text = format!(
            r#"{{"format":"auditgraph-inventory/1","cloud":"aws","scope":"111111111111",
                "collected_at":"2026-11-01T00:00:00Z","assets":[{VPC},{SUBNET}],
                "relations":[{{"from":"vpc-1","kind":"contains","to":"subnet-1"}},
                             {{"from":"subnet-1","kind":"attached_to","to":"vpc-1"}},
                             {{"from":"subnet-1","kind":"attached_to","to":"vpc-1"}}]}}"#
        );
        let g = AssetGraph::from_inventories(vec![SourcedInventory::new(Inventory::from_json(&text).unwrap(), "t")]);
        assert_eq!(g.outgoing(&"vpc-1".into(), RelationKind::Contains), vec![&AssetId::from("subnet-1")]);
        assert_eq!(g.outgoing(&"subnet-1".into(), RelationKind::AttachedTo), vec![&AssetId::from("vpc-1")]);
        // The subnet's attribute already states the containment: only the attachment is stated on its own.
        let stated: Vec<(&str, RelationKind, &str)> =
            g.stated_relations_sorted().into_iter().map(|(a, kind, b)| (a.as_str(), kind, b.as_str())).collect();
        assert_eq!(stated, vec![("subnet-1", RelationKind::AttachedTo, "vpc-1")]);
    }

    #[test]
    fn assets_of_kinds_come_in_id_order() {
        let subnet_0 = SUBNET.replace("subnet-1", "subnet-0");
        let g = AssetGraph::from_inventories(vec![inventory(&format!("{SUBNET},{VPC},{ACCOUNT},{subnet_0}"))]);
        let ids = |assets: Vec<&Asset>| assets.iter().map(|a| a.id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(g.assets_of(&[AssetKind::AwsSubnet])), ["subnet-0", "subnet-1"]);
        assert_eq!(ids(g.assets_of(&[AssetKind::AwsVpc, AssetKind::AwsSubnet])), ["subnet-0", "subnet-1", "vpc-1"]);
        assert_eq!(ids(g.assets_of_class(AssetClass::Account)), ["acct"]);
        assert!(g.assets_of(&[AssetKind::AwsS3Bucket]).is_empty());
    }

    #[test]
    fn first_occurrences_tell_colliding_keys_apart() {
        /// Every key hashes alike, so only equality can separate them.
        #[derive(PartialEq, Eq)]
        struct Colliding(&'static str);
        impl std::hash::Hash for Colliding {
            fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
        }
        let keys = ["a", "b", "a", "c", "b", "a"].map(Colliding);
        assert_eq!(first_occurrences(&keys), vec![0, 1, 0, 3, 1, 0]);
        assert_eq!(first_occurrences(&["x", "y", "x"]), vec![0, 1, 0]);
    }

    #[test]
    fn dangling_references_become_unresolved_nodes() {
        let g = AssetGraph::from_inventories(vec![inventory(SUBNET)]);
        assert_eq!(g.unresolved(), vec![&AssetId::from("vpc-1")]);
        assert!(matches!(&g.warnings[..], [LoadWarning::Unresolved { missing, .. }] if missing.as_str() == "vpc-1"));
        assert_eq!(g.relation_count(), 1);
    }
}

//! One diagram's picture from the aggregated nodes of its part: each node in its
//! containers, labelled and styled by what it is; the internet drawn once per
//! region it enters; actors outside the estate apart; an edge that leaves the part
//! ending at a node that names the diagram its other end is drawn in.

use std::collections::{BTreeSet, HashMap};

use auditgraph_model::{Asset, AssetClass, AssetKind};

use super::aggregate::{stem, Aggregation, Group};
use super::picture::{ClusterLook, Edge, Look, Node, Picture};
use super::{Place, Scene, View, INTERNET};

/// What every part of one view shares: its nodes and where each is drawn.
pub struct Parts<'a, 'g> {
    pub scene: &'a Scene<'a>,
    pub view: View,
    pub nodes: &'a Aggregation<'g>,
    /// The words for each endpoint that is not an asset.
    pub outsiders: &'a HashMap<String, String>,
    /// Node id → index of the part it is drawn in.
    pub part_of: HashMap<&'a str, usize>,
    /// Each part's file-name suffix and title.
    pub names: Vec<(String, String)>,
    /// Every node by id, each part's nodes and the edges with an end in it: found
    /// once, so that composing every part reads each node and edge a bounded number
    /// of times, whatever the number of parts.
    groups: HashMap<&'a str, &'a Group<'g>>,
    groups_in: Vec<Vec<&'a Group<'g>>>,
    edges_of: Vec<Vec<&'a Edge>>,
}

/// What a node of assets is drawn as.
pub fn look_of(a: &Asset) -> Look {
    match (a.kind(), a.class()) {
        (AssetKind::AwsLoadBalancer, _) => Look::LoadBalancer,
        (AssetKind::AwsInternetGateway | AssetKind::AwsNatGateway, _) => Look::Gateway,
        (_, AssetClass::Compute) => Look::Host,
        (_, AssetClass::DataStore) => Look::DataStore,
        (_, AssetClass::Identity) => Look::Principal,
        (_, AssetClass::Key) => Look::Key,
        _ => Look::Other,
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The node of a group of assets.
fn group_node(view: View, g: &Group) -> Node {
    let first = g.members[0];
    let n = g.members.len();
    let mut label = if n == 1 { first.name.clone() } else { format!("{n} × {}", stem(&first.name)) };
    label.push_str(&format!("\n{}", first.kind()));
    if !g.failed.is_empty() {
        label.push_str(&format!("\n{}{}", plural(g.failed.len(), "finding"), if n > 1 { " each" } else { "" }));
    }
    let mut tooltip = Vec::new();
    if n > 1 {
        let names: Vec<&str> = g.members.iter().map(|m| m.name.as_str()).collect();
        tooltip.push(format!("{n} assets alike in place, rules and edges: {}", names.join(", ")));
    }
    if !g.failed.is_empty() {
        tooltip.push(format!("fails: {}", g.failed.join(", ")));
    }
    Node {
        id: g.id.clone(),
        label,
        look: look_of(first),
        stands_for: g.members.iter().map(|m| m.id.to_string()).collect(),
        flagged: !g.failed.is_empty(),
        double_border: first.class() == AssetClass::DataStore && view == View::Exposure,
        tooltip: (!tooltip.is_empty()).then(|| tooltip.join("\n")),
        url: None,
    }
}

/// The containers down to the region: where the internet's node for an asset goes.
fn region_of(place: &Place) -> &[(String, String, ClusterLook)] {
    let depth = place.iter().take_while(|(_, _, look)| *look <= ClusterLook::Region).count();
    &place[..depth]
}

/// The column of the IAM view a node is drawn in: who acts, groups, roles, what is accessed.
fn iam_column(look: Look, kind: Option<AssetKind>) -> usize {
    match (look, kind) {
        (_, Some(AssetKind::AwsIamGroup)) => 1,
        (_, Some(AssetKind::AwsIamRole)) => 2,
        (Look::DataStore | Look::Key, _) => 3,
        _ => 0,
    }
}

impl<'a, 'g> Parts<'a, 'g> {
    /// The parts named `names` (suffix, title) of a view's `nodes`, each node
    /// drawn in part `part_of[id]`.
    pub fn new(
        scene: &'a Scene<'a>,
        view: View,
        nodes: &'a Aggregation<'g>,
        outsiders: &'a HashMap<String, String>,
        part_of: HashMap<&'a str, usize>,
        names: Vec<(String, String)>,
    ) -> Self {
        let mut groups_in = vec![Vec::new(); names.len()];
        for g in &nodes.groups {
            if let Some(&part) = part_of.get(g.id.as_str()) {
                groups_in[part].push(g);
            }
        }
        let mut edges_of = vec![Vec::new(); names.len()];
        for e in &nodes.edges {
            let from = part_of.get(e.from.as_str()).copied();
            let to = part_of.get(e.to.as_str()).copied();
            for part in [from, to.filter(|&t| Some(t) != from)].into_iter().flatten() {
                edges_of[part].push(e);
            }
        }
        let groups = nodes.groups.iter().map(|g| (g.id.as_str(), g)).collect();
        Parts { scene, view, nodes, outsiders, part_of, names, groups, groups_in, edges_of }
    }

    /// The picture of part `part`.
    pub fn compose(&self, part: usize) -> Picture {
        let mut picture = Picture::default();
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); 4];
        let mut scopes: BTreeSet<&str> = BTreeSet::new();
        for &g in &self.groups_in[part] {
            let mut cluster = &mut picture.clusters;
            for (key, label, look) in &g.place {
                cluster = cluster.child(key, label, *look);
            }
            let node = group_node(self.view, g);
            columns[iam_column(node.look, Some(g.members[0].kind()))].push(node.id.clone());
            cluster.nodes.push(node);
            scopes.insert(g.members[0].account.as_str());
        }
        let mut drawn = BTreeSet::new();
        for &e in &self.edges_of[part] {
            let mut end =
                |id: &str, other: &str| self.endpoint(part, id, other, &mut picture, &mut columns, &mut drawn);
            let (Some(from), Some(to)) = (end(&e.from, &e.to), end(&e.to, &e.from)) else { continue };
            picture.edges.push(Edge { from, to, ..e.clone() });
        }
        picture.edges.sort();
        super::bundle::bundle(&mut picture);
        if self.view == View::Iam {
            picture.columns = columns.into_iter().filter(|c| !c.is_empty()).collect();
        }
        let (_, part_title) = &self.names[part];
        picture.title = title(self.scene, self.view, part_title, &scopes);
        picture
    }

    /// The node an edge of part `part` ends at, for endpoint `id` (whose other end
    /// is `other`), added to the picture the first time (`drawn`): the node itself
    /// when it is in this part; the internet of the other end's region; an actor
    /// outside the estate; or a node naming the part `id` is drawn in.
    fn endpoint(
        &self,
        part: usize,
        id: &str,
        other: &str,
        picture: &mut Picture,
        columns: &mut [Vec<String>],
        drawn: &mut BTreeSet<String>,
    ) -> Option<String> {
        if self.part_of.get(id) == Some(&part) {
            return Some(id.to_string());
        }
        if id == INTERNET {
            let place = region_of(&self.groups.get(other)?.place);
            let node_id = format!("{INTERNET}@{}", place.last().map(|p| p.0.as_str()).unwrap_or(""));
            if drawn.insert(node_id.clone()) {
                let mut cluster = &mut picture.clusters;
                for (key, label, look) in place {
                    cluster = cluster.child(key, label, *look);
                }
                cluster.nodes.push(outside_node(&node_id, "Internet", Look::Internet, INTERNET));
            }
            return Some(node_id);
        }
        if let Some(words) = self.outsiders.get(id) {
            if drawn.insert(id.to_string()) {
                picture.outside.push(outside_node(id, words, Look::Outsider, id));
                columns[0].push(id.to_string());
            }
            return Some(id.to_string());
        }
        let node_id = format!("elsewhere:{id}");
        if drawn.insert(node_id.clone()) {
            let (suffix, _) = &self.names[*self.part_of.get(id)?];
            let mut node = group_node(self.view, self.groups.get(id)?);
            let name = node.label.lines().next().unwrap_or_default().to_string();
            node.label = format!("{name}\nin diagram {suffix}");
            node.id = node_id.clone();
            node.look = Look::Elsewhere;
            node.flagged = false;
            node.double_border = false;
            picture.outside.push(node);
        }
        Some(node_id)
    }
}

/// A node for something that is not an asset of the estate.
pub fn outside_node(id: &str, words: &str, look: Look, stands_for: &str) -> Node {
    Node {
        id: id.to_string(),
        label: words.to_string(),
        look,
        stands_for: vec![stands_for.to_string()],
        flagged: false,
        double_border: look == Look::Internet,
        tooltip: None,
        url: None,
    }
}

/// `auditgraph · network view · account 1 · scanned … · the scopes drawn`.
pub fn title(scene: &Scene, view: View, part: &str, scopes: &BTreeSet<&str>) -> String {
    let scopes = if scopes.len() <= 6 {
        scopes.iter().copied().collect::<Vec<_>>().join(", ")
    } else {
        plural(scopes.len(), "scope")
    };
    let part = if part.is_empty() { String::new() } else { format!(" · {part}") };
    format!(
        "auditgraph · {} view{part} · scanned {} · {scopes}",
        view.name(),
        scene.scanned_at.format("%Y-%m-%d %H:%M UTC"),
    )
}

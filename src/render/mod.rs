//! Architecture diagrams for auditors: a view's selection (what it shows), composed
//! into a `picture::Picture` nested the way an architect draws (cloud → account →
//! region → VPC → subnet, placed by each cloud's network model), shaped and
//! coloured by asset class, alike assets aggregated, empty containers left out;
//! then written as DOT (`dot`) and, for images, run through Graphviz (`graphviz`).
//! Views: `network`, `exposure`, `boundary`, `iam`.

pub mod dot;
pub mod graphviz;
pub mod picture;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use auditgraph_model::{Asset, AssetClass, AssetId, AssetKind, RelationKind};
use chrono::{DateTime, Utc};
use clap::ValueEnum;

use crate::analysis::network::{Networks, Placement};
use crate::analysis::{in_target_order, Facts};
use crate::boundary::{self, Boundary};
use crate::findings::{Finding, Outcome};
use crate::graph::AssetGraph;
use crate::selector::Selector;
use picture::{Edge, EdgeStyle, Node, Picture};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// The topology: gateways, load balancers, hosts, databases, buckets, keys, and what reaches what.
    Network,
    /// Only what the internet reaches, every path with its ports; data stores highlighted.
    Exposure,
    /// The audit boundary: in-scope components and where the internet crosses into them.
    Boundary,
    /// Principals, groups, roles, who can assume what, and who can access the data stores.
    Iam,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Network => "network",
            View::Exposure => "exposure",
            View::Boundary => "boundary",
            View::Iam => "iam",
        }
    }
}

/// Everything a diagram is drawn from.
pub struct Scene<'a> {
    pub graph: &'a AssetGraph,
    pub facts: &'a Facts,
    pub findings: &'a [Finding],
    pub scanned_at: DateTime<Utc>,
    pub boundary: Option<&'a Boundary>,
}

const INTERNET: &str = "internet";
/// How many alike assets in one place become one aggregated node.
const AGGREGATE_AT: usize = 3;

/// The kinds each view draws as nodes.
fn drawn(view: View, kind: AssetKind) -> bool {
    use AssetKind::*;
    match view {
        View::Iam => matches!(
            kind,
            AwsIamUser | AwsIamGroup | AwsIamRole | AwsEc2Instance | AwsS3Bucket | AwsRdsInstance | AwsKmsKey
        ),
        _ => matches!(
            kind,
            AwsInternetGateway
                | AwsNatGateway
                | AwsLoadBalancer
                | AwsEc2Instance
                | AwsRdsInstance
                | AwsS3Bucket
                | AwsKmsKey
                | GcpComputeInstance
                | GcpSqlInstance
                | GcpStorageBucket
                | GcpKmsKey
        ),
    }
}

/// The diagrams of a view: one, or one per account with `split`.
pub fn render(scene: &Scene, view: View, focus: &[Selector], split: bool) -> Vec<(String, String)> {
    // The network models place every node: built once, whichever diagrams are drawn.
    let layout = Layout::new(scene.graph);
    let (mut nodes, mut edges) = select(scene, view);
    if !focus.is_empty() {
        keep_connected(scene.graph, &mut nodes, &mut edges, focus);
    }
    if !split {
        return vec![(String::new(), dot::write(&compose(scene, &layout, view, &nodes, &edges, None)))];
    }
    let accounts: BTreeSet<&str> =
        nodes.iter().filter_map(|id| scene.graph.asset(id)).map(|a| a.account.as_str()).collect();
    accounts
        .into_iter()
        .map(|acc| {
            let in_account: BTreeSet<AssetId> =
                nodes.iter().filter(|id| scene.graph.asset(id).is_some_and(|a| a.account == acc)).cloned().collect();
            (acc.to_string(), dot::write(&compose(scene, &layout, view, &in_account, &edges, Some(acc))))
        })
        .collect()
}

/// The nodes and edges a view shows, before focus and aggregation.
fn select(scene: &Scene, view: View) -> (BTreeSet<AssetId>, Vec<Edge>) {
    let g = scene.graph;
    let facts = scene.facts;
    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    let reach_edges = |edges: &mut Vec<Edge>, nodes: &mut BTreeSet<AssetId>| {
        for r in in_target_order(g, &facts.from_internet) {
            let ports = r.flows.port_labels().join(", ");
            match &r.via {
                Some(lb) => edges.push(Edge {
                    from: lb.to_string(),
                    to: r.to.to_string(),
                    label: ports,
                    style: EdgeStyle::Reach,
                }),
                None => edges.push(Edge {
                    from: INTERNET.into(),
                    to: r.to.to_string(),
                    label: ports,
                    style: EdgeStyle::Crossing,
                }),
            }
            nodes.insert(r.to.clone());
            nodes.extend(r.via.clone());
        }
        for r in in_target_order(g, &facts.via_exposed_host) {
            let ports = r.flows.port_labels().join(", ");
            edges.push(Edge { from: r.from.to_string(), to: r.to.to_string(), label: ports, style: EdgeStyle::Reach });
            nodes.insert(r.from.clone());
            nodes.insert(r.to.clone());
        }
    };
    match view {
        View::Network => {
            nodes.extend(g.assets().into_iter().filter(|a| drawn(view, a.kind())).map(|a| a.id.clone()));
            reach_edges(&mut edges, &mut nodes);
            for r in g.relations() {
                if r.kind == RelationKind::EncryptedWith && nodes.contains(&r.from) && nodes.contains(&r.to) {
                    edges.push(Edge {
                        from: r.from.to_string(),
                        to: r.to.to_string(),
                        label: "encrypted with".into(),
                        style: EdgeStyle::Structure,
                    });
                }
            }
        }
        View::Exposure => reach_edges(&mut edges, &mut nodes),
        View::Boundary => {
            if let Some(b) = scene.boundary {
                nodes.extend(
                    b.components
                        .iter()
                        .filter(|c| g.asset(&c.id).is_some_and(|a| drawn(view, a.kind())))
                        .map(|c| c.id.clone()),
                );
                for c in &b.crossings {
                    edges.push(Edge {
                        from: INTERNET.into(),
                        to: c.entry.to_string(),
                        label: c.ports.clone(),
                        style: EdgeStyle::Crossing,
                    });
                    nodes.insert(c.entry.clone());
                }
                for (from, to, ports) in &b.links {
                    let style = if ports == boundary::UNDECIDED { EdgeStyle::Undecided } else { EdgeStyle::Reach };
                    edges.push(Edge { from: from.to_string(), to: to.to_string(), label: ports.clone(), style });
                }
            }
        }
        View::Iam => {
            nodes.extend(
                g.assets()
                    .into_iter()
                    .filter(|a| {
                        matches!(a.kind(), AssetKind::AwsIamUser | AssetKind::AwsIamGroup | AssetKind::AwsIamRole)
                    })
                    .map(|a| a.id.clone()),
            );
            for r in g.relations() {
                let label = match r.kind {
                    RelationKind::MemberOfGroup => "member of",
                    RelationKind::RunsAs => "runs as",
                    RelationKind::CanAssume => "can assume",
                    _ => continue,
                };
                nodes.insert(r.from.clone());
                edges.push(Edge {
                    from: r.from.to_string(),
                    to: r.to.to_string(),
                    label: label.into(),
                    style: EdgeStyle::Structure,
                });
            }
            let sets = crate::analysis::principals::PolicySets::of(g);
            let principals = crate::analysis::principals::Principals::new(g, &sets);
            let stores = g.assets_of(&crate::analysis::access_graph::STORE_KINDS);
            for (store, actors) in crate::analysis::access_graph::access_to(&principals, &stores) {
                for (actor, access) in actors {
                    let crate::analysis::principals::Actor::Asset(principal) = actor else { continue };
                    nodes.insert(principal.clone());
                    nodes.insert(store.clone());
                    let levels: Vec<&str> = access.iter().map(|a| a.level.as_str()).collect();
                    edges.push(Edge {
                        from: principal.to_string(),
                        to: store.to_string(),
                        label: levels.join(", "),
                        style: EdgeStyle::Access,
                    });
                }
            }
        }
    }
    edges.retain(|e| {
        (e.from == INTERNET || nodes.contains(&AssetId::new(e.from.clone())))
            && nodes.contains(&AssetId::new(e.to.clone()))
    });
    edges.sort();
    edges.dedup();
    (nodes, edges)
}

/// Keeps the nodes connected (either direction, any distance) to the focus.
fn keep_connected(graph: &AssetGraph, nodes: &mut BTreeSet<AssetId>, edges: &mut Vec<Edge>, focus: &[Selector]) {
    let mut adjacent: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in edges.iter() {
        adjacent.entry(&e.from).or_default().push(&e.to);
        adjacent.entry(&e.to).or_default().push(&e.from);
    }
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = nodes
        .iter()
        .filter(|id| graph.asset(id).is_some_and(|a| focus.iter().any(|s| s.matches(a))))
        .map(|id| id.to_string())
        .collect();
    let from_internet = focus.contains(&Selector::Internet);
    if from_internet {
        queue.push_back(INTERNET.into());
    }
    while let Some(n) = queue.pop_front() {
        if !keep.insert(n.clone()) {
            continue;
        }
        // The internet touches every exposed asset: reaching it is kept, going
        // through it would pull in the whole estate.
        if n == INTERNET && !from_internet {
            continue;
        }
        for m in adjacent.get(n.as_str()).into_iter().flatten() {
            if !keep.contains(*m) {
                queue.push_back(m.to_string());
            }
        }
    }
    nodes.retain(|id| keep.contains(id.as_str()));
    edges.retain(|e| keep.contains(&e.from) && keep.contains(&e.to));
}

/// Where assets are drawn: the network models' placements, and each scope's label.
struct Layout<'g> {
    nets: Networks<'g>,
    /// `account 111111111111 (prod)` by scope, from the scope's account or project asset.
    scope_labels: HashMap<&'g str, String>,
}

impl<'g> Layout<'g> {
    fn new(graph: &'g AssetGraph) -> Self {
        let mut scope_labels = HashMap::new();
        for a in graph.assets_of_class(AssetClass::Account) {
            scope_labels.entry(a.account.as_str()).or_insert_with(|| a.name.clone());
        }
        Layout { nets: Networks::new(graph), scope_labels }
    }

    /// The containers an asset sits in, outermost first: (key, label, fill colour).
    fn placement(&self, a: &'g Asset) -> Vec<(String, String, &'static str)> {
        let cloud = a.cloud();
        let mut path = vec![(cloud.as_str().to_string(), cloud.display_name().to_string(), "#fafafa")];
        let account_name = self.scope_labels.get(a.account.as_str()).map(|n| format!(" ({n})")).unwrap_or_default();
        let scope = format!("{}/{}", cloud.as_str(), a.account);
        path.push((scope.clone(), format!("{} {}{account_name}", cloud.scope_noun(), a.account), "#ffffff"));
        let base = match &a.region {
            Some(region) => {
                let key = format!("{scope}/{region}");
                path.push((key.clone(), format!("region {region}"), "#f5f9ff"));
                key
            }
            None => scope,
        };
        if let Some(Placement { network: (network, label), subnet }) = self.nets.for_asset(a).placement(a) {
            path.push((format!("{base}/{network}"), label, "#eef6ee"));
            if let Some((subnet, label, public)) = subnet {
                path.push((format!("{base}/{network}/{subnet}"), label, if public { "#fff4e5" } else { "#ffffff" }));
            }
        }
        path
    }
}

/// Shape and fill by class (load balancers and gateways apart).
fn node_style(a: &Asset) -> (&'static str, &'static str) {
    match (a.kind(), a.class()) {
        (AssetKind::AwsLoadBalancer, _) => ("hexagon", "#d9ead3"),
        (AssetKind::AwsInternetGateway | AssetKind::AwsNatGateway, _) => ("diamond", "#d9ead3"),
        (_, AssetClass::Compute) => ("box", "#dbe9f6"),
        (_, AssetClass::DataStore) => ("cylinder", "#fde9b8"),
        (_, AssetClass::Identity) => ("ellipse", "#ece2f5"),
        (_, AssetClass::Key) => ("note", "#eeeeee"),
        _ => ("box", "#ffffff"),
    }
}

/// The name without a trailing number: `prod-app-3` → `prod-app`.
fn stem(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches(['-', '_'])
}

/// What makes assets alike enough to aggregate: kind, the rules that apply to them
/// (as their cloud's network model keys them), name stem.
fn likeness<'g>(layout: &Layout<'g>, a: &'g Asset) -> String {
    format!("{}|{}|{}", a.kind(), layout.nets.for_asset(a).rule_key(a), stem(&a.name))
}

/// The picture of a view's nodes and edges (of one account with `only_account`):
/// alike assets in one place grouped, each node in its containers.
fn compose<'g>(
    scene: &Scene<'g>,
    layout: &Layout<'g>,
    view: View,
    nodes: &BTreeSet<AssetId>,
    edges: &[Edge],
    only_account: Option<&str>,
) -> Picture {
    let g = scene.graph;
    let failing: BTreeMap<&AssetId, usize> =
        scene.findings.iter().filter(|f| f.outcome == Outcome::Fail).fold(BTreeMap::new(), |mut m, f| {
            *m.entry(&f.asset).or_insert(0) += 1;
            m
        });
    // Group alike assets in the same place.
    let mut groups: BTreeMap<(Vec<String>, String), Vec<&Asset>> = BTreeMap::new();
    for id in nodes {
        let Some(a) = g.asset(id) else { continue };
        let place: Vec<String> = layout.placement(a).into_iter().map(|p| p.0).collect();
        groups.entry((place, likeness(layout, a))).or_default().push(a);
    }
    let mut picture = Picture::default();
    let mut alias: HashMap<String, String> = HashMap::new();
    for members in groups.values() {
        let first = members[0];
        let mut cluster = &mut picture.clusters;
        for (key, label, fill) in layout.placement(first) {
            cluster = cluster.child(&key, &label, fill);
        }
        let aggregate = members.len() >= AGGREGATE_AT;
        let chunks: Vec<Vec<&Asset>> =
            if aggregate { vec![members.clone()] } else { members.iter().map(|m| vec![*m]).collect() };
        for chunk in chunks {
            let a = chunk[0];
            let node_id = if aggregate { format!("{} ×{}", a.id, chunk.len()) } else { a.id.to_string() };
            for m in &chunk {
                alias.insert(m.id.to_string(), node_id.clone());
            }
            let findings: usize = chunk.iter().map(|m| failing.get(&m.id).copied().unwrap_or(0)).sum();
            let name = if aggregate { format!("{} × {}", chunk.len(), stem(&a.name)) } else { a.name.clone() };
            let mut label = format!("{name}\n{}", a.kind());
            if findings > 0 {
                label.push_str(&format!("\n{findings} finding{}", if findings == 1 { "" } else { "s" }));
            }
            let (shape, fill) = node_style(a);
            cluster.nodes.push(Node {
                id: node_id,
                label,
                shape,
                fill,
                flagged: findings > 0,
                double_border: a.class() == AssetClass::DataStore && view == View::Exposure,
            });
        }
    }
    let scopes: BTreeSet<&str> = g.sources.iter().map(|s| s.scope.as_str()).collect();
    picture.title = format!(
        "auditgraph · {} view{} · scanned {} · {}",
        view.name(),
        only_account.map(|a| format!(" · {a}")).unwrap_or_default(),
        scene.scanned_at.format("%Y-%m-%d %H:%M UTC"),
        scopes.into_iter().collect::<Vec<_>>().join(", ")
    );
    let drawn_edges: BTreeSet<Edge> = edges
        .iter()
        .filter_map(|e| {
            let from = if e.from == INTERNET { Some(INTERNET.to_string()) } else { alias.get(&e.from).cloned() };
            Some(Edge { from: from?, to: alias.get(&e.to)?.clone(), ..e.clone() })
        })
        .collect();
    if drawn_edges.iter().any(|e| e.from == INTERNET) || view == View::Exposure {
        picture.outside.push(Node {
            id: INTERNET.into(),
            label: "Internet".into(),
            shape: "ellipse",
            fill: "#ffffff",
            flagged: false,
            double_border: true,
        });
    }
    picture.edges = drawn_edges.into_iter().collect();
    picture
}

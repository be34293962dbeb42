//! What a view shows, as the analyses state it: the assets drawn and the edges
//! between them (reach with ports, relations, access levels), each edge with its
//! evidence; then `--focus`, which keeps what reaches the focus and what it reaches.
//! Endpoints that are not assets (the internet, an account outside the estate,
//! anyone) have ids of their own (`Endpoint`).

use std::collections::{BTreeSet, HashMap, VecDeque};

use auditgraph_model::{AssetId, AssetKind, RelationKind};

use super::picture::{Edge, EdgeStyle};
use super::{Scene, View, INTERNET};
use crate::analysis::access_graph::{self, StepKind};
use crate::analysis::principals::{Actor, PolicySets, Principals};
use crate::analysis::{in_target_order, name_in, Reach};
use crate::boundary;
use crate::findings::Hop;
use crate::graph::AssetGraph;
use crate::selector::Selector;

/// The nodes and edges of a view before aggregation: asset ids, and the edges by
/// endpoint id (an asset id, `INTERNET`, or `actor_id` of an actor outside the estate).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub assets: BTreeSet<AssetId>,
    pub edges: Vec<Edge>,
    /// The words for each endpoint that is not an asset, by its id.
    pub outsiders: HashMap<String, String>,
}

/// The kinds each view draws as nodes.
pub fn drawn(view: View, kind: AssetKind) -> bool {
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

/// The id of an actor's node: the asset's id, or one naming who is outside.
pub fn actor_id(actor: &Actor) -> String {
    match actor {
        Actor::Asset(id) => id.to_string(),
        Actor::Outside(who) => format!("outside:{who}"),
        Actor::Anyone => "anyone".into(),
        Actor::Federated(provider) => format!("federated:{provider}"),
        Actor::Member(member) => format!("member:{member}"),
    }
}

/// A network path hop by hop, one line per hop with the rules that allow it.
pub fn hops_text(graph: &AssetGraph, hops: &[Hop]) -> String {
    hops.iter()
        .map(|h| {
            let rules = if h.rules.is_empty() { String::new() } else { format!(": {}", h.rules.join("; ")) };
            format!("{} → {} {}{rules}", name_in(graph, &h.from), name_in(graph, &h.to), h.ports)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Selection {
    fn edge(&mut self, from: String, to: String, label: String, style: EdgeStyle, detail: String) {
        self.edges.push(Edge { from, to, label, style, detail });
    }

    fn actor(&mut self, graph: &AssetGraph, actor: &Actor) -> String {
        let id = actor_id(actor);
        match actor {
            Actor::Asset(asset) => {
                self.assets.insert(asset.clone());
            }
            other => {
                self.outsiders.entry(id.clone()).or_insert_with(|| other.describe(&|a| name_in(graph, a)));
            }
        }
        id
    }

    /// Internet → asset (directly or through a load balancer), and exposed host → data store.
    fn reaches(&mut self, scene: &Scene) {
        let g = scene.graph;
        let edge_of = |r: &Reach| {
            let detail = hops_text(g, &r.hops);
            (r.flows.port_labels().join(", "), detail)
        };
        for r in in_target_order(g, &scene.facts.from_internet) {
            let (ports, detail) = edge_of(r);
            let (from, style) = match &r.via {
                Some(lb) => (lb.to_string(), EdgeStyle::Reach),
                None => (INTERNET.to_string(), EdgeStyle::Crossing),
            };
            self.edge(from, r.to.to_string(), ports, style, detail);
            self.assets.insert(r.to.clone());
            self.assets.extend(r.via.clone());
        }
        for r in in_target_order(g, &scene.facts.via_exposed_host) {
            let (ports, detail) = edge_of(r);
            self.edge(r.from.to_string(), r.to.to_string(), ports, EdgeStyle::Reach, detail);
            self.assets.insert(r.from.clone());
            self.assets.insert(r.to.clone());
        }
    }

    /// Principals, groups and roles; who can assume what; who can access each data store.
    fn identities(&mut self, graph: &AssetGraph) {
        use AssetKind::*;
        self.assets.extend(graph.assets_of(&[AwsIamUser, AwsIamGroup, AwsIamRole]).into_iter().map(|a| a.id.clone()));
        for r in graph.relations() {
            if r.kind == RelationKind::MemberOfGroup {
                let detail = format!("{} is a member of group {}", name_in(graph, &r.from), name_in(graph, &r.to));
                self.edge(r.from.to_string(), r.to.to_string(), "member of".into(), EdgeStyle::Structure, detail);
            }
        }
        let sets = PolicySets::of(graph);
        let principals = Principals::new(graph, &sets);
        for step in access_graph::role_steps(graph, &principals) {
            let from = self.actor(graph, &step.from);
            let label = match step.kind {
                StepKind::RunsAs => "runs as",
                StepKind::Assume(_) => "can assume",
            };
            let detail = step.describe(&|a| name_in(graph, a));
            self.edge(from, step.role.to_string(), label.into(), EdgeStyle::Structure, detail);
        }
        let stores = graph.assets_of(&access_graph::STORE_KINDS);
        for (store, actors) in access_graph::access_to(&principals, &stores) {
            for (actor, access) in actors {
                let from = self.actor(graph, &actor);
                self.assets.insert(store.clone());
                let levels: Vec<&str> = access.iter().map(|a| a.level.as_str()).collect();
                let detail = access
                    .iter()
                    .map(|a| format!("{}: {}", a.level.as_str(), a.actions.join(", ")))
                    .collect::<Vec<_>>()
                    .join("\n");
                self.edge(from, store.to_string(), levels.join(", "), EdgeStyle::Access, detail);
            }
        }
    }

    /// The boundary's components, where the internet crosses into them, the links
    /// between them, and access from outside the estate.
    fn boundary(&mut self, graph: &AssetGraph, b: &boundary::Boundary) {
        self.assets.extend(
            b.components
                .iter()
                .filter(|c| graph.asset(&c.id).is_some_and(|a| drawn(View::Boundary, a.kind())))
                .map(|c| c.id.clone()),
        );
        for c in &b.crossings {
            let detail = format!("the internet reaches {} on {}", name_in(graph, &c.entry), c.ports);
            self.edge(INTERNET.into(), c.entry.to_string(), c.ports.clone(), EdgeStyle::Crossing, detail);
            self.assets.insert(c.entry.clone());
        }
        for (from, to, ports) in &b.links {
            let style = if ports == boundary::UNDECIDED { EdgeStyle::Undecided } else { EdgeStyle::Reach };
            let detail = format!("{} reaches {} on {ports}", name_in(graph, from), name_in(graph, to));
            self.edge(from.to_string(), to.to_string(), ports.clone(), style, detail);
        }
        for o in &b.outside_access {
            let id = format!("outside:{}", o.who);
            self.outsiders.entry(id.clone()).or_insert_with(|| o.who.clone());
            let detail = format!("{}: {}", o.who, o.access);
            self.edge(id, o.to.to_string(), o.levels.clone(), EdgeStyle::Access, detail);
        }
    }

    /// Edges whose ends are not both drawn are dropped; each edge once, in order.
    fn settle(&mut self) {
        let known = |id: &str, s: &Selection| {
            id == INTERNET || s.outsiders.contains_key(id) || s.assets.contains(&AssetId::new(id))
        };
        let edges = std::mem::take(&mut self.edges);
        self.edges = edges.into_iter().filter(|e| known(&e.from, self) && known(&e.to, self)).collect();
        self.edges.sort();
        self.edges.dedup();
        let used: BTreeSet<&String> = self.edges.iter().flat_map(|e| [&e.from, &e.to]).collect();
        self.outsiders.retain(|id, _| used.contains(id));
    }

    /// Keeps what reaches the focus and what the focus reaches, following edges
    /// in their direction (`internet` as a focus: everything it reaches). False
    /// when the focus selects nothing of the selection.
    pub fn focus(&mut self, graph: &AssetGraph, focus: &[Selector]) -> bool {
        let mut forward: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut backward: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &self.edges {
            forward.entry(&e.from).or_default().push(&e.to);
            backward.entry(&e.to).or_default().push(&e.from);
        }
        let mut start: Vec<String> = self
            .assets
            .iter()
            .filter(|id| graph.asset(id).is_some_and(|a| focus.iter().any(|s| s.matches(a))))
            .map(|id| id.to_string())
            .collect();
        if focus.contains(&Selector::Internet) && self.edges.iter().any(|e| e.from == INTERNET) {
            start.push(INTERNET.into());
        }
        if start.is_empty() {
            return false;
        }
        let mut keep: BTreeSet<String> = start.iter().cloned().collect();
        for links in [&forward, &backward] {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut queue: VecDeque<&str> = start.iter().map(String::as_str).collect();
            while let Some(n) = queue.pop_front() {
                if !seen.insert(n) {
                    continue;
                }
                keep.insert(n.to_string());
                queue.extend(links.get(n).into_iter().flatten().copied());
            }
        }
        self.assets.retain(|id| keep.contains(id.as_str()));
        self.edges.retain(|e| keep.contains(&e.from) && keep.contains(&e.to));
        self.outsiders.retain(|id, _| keep.contains(id));
        true
    }
}

/// The nodes and edges a view shows, before focus and aggregation.
pub fn select(scene: &Scene, view: View) -> Selection {
    let g = scene.graph;
    let mut s = Selection::default();
    match view {
        View::Network => {
            s.assets.extend(g.assets().into_iter().filter(|a| drawn(view, a.kind())).map(|a| a.id.clone()));
            s.reaches(scene);
            for r in g.relations() {
                if r.kind == RelationKind::EncryptedWith && s.assets.contains(&r.from) && s.assets.contains(&r.to) {
                    let detail = format!("{} is encrypted with {}", name_in(g, &r.from), name_in(g, &r.to));
                    s.edge(r.from.to_string(), r.to.to_string(), "encrypted with".into(), EdgeStyle::Structure, detail);
                }
            }
        }
        View::Exposure => s.reaches(scene),
        View::Boundary => {
            if let Some(b) = scene.boundary {
                s.boundary(g, b);
            }
        }
        View::Iam => s.identities(g),
    }
    s.settle();
    s
}

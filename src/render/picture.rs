//! What a diagram shows, before any drawing syntax: nested clusters (cloud →
//! account → region → network → subnet) holding nodes, the edges between nodes,
//! and the look of each. Composed from a view's selection; written as DOT by `dot`.
//! Every node says which assets (or outside endpoints) it stands for, so that what
//! a picture claims can be checked against the analysis it was drawn from.

use std::collections::BTreeMap;

/// A diagram: its title, the nodes outside every cluster (actors outside the
/// estate), the cluster tree, the edges, and columns of nodes drawn side by side.
#[derive(Debug, Default)]
pub struct Picture {
    pub title: String,
    pub outside: Vec<Node>,
    pub clusters: Cluster,
    pub edges: Vec<Edge>,
    /// Nodes drawn in the same column (rank), left to right.
    pub columns: Vec<Vec<String>>,
}

impl Picture {
    /// Every node, outside ones first, then the clusters' depth first.
    pub fn nodes(&self) -> Vec<&Node> {
        let mut all: Vec<&Node> = self.outside.iter().collect();
        self.clusters.each(&mut |c| all.extend(c.nodes.iter()));
        all
    }
}

/// A container drawn as a box around what it holds; children by a stable key.
#[derive(Debug, Default)]
pub struct Cluster {
    pub label: String,
    pub look: Option<ClusterLook>,
    pub children: BTreeMap<String, Cluster>,
    pub nodes: Vec<Node>,
}

impl Cluster {
    /// The child at `key`, created with `label` and `look` if new.
    pub fn child(&mut self, key: &str, label: &str, look: ClusterLook) -> &mut Cluster {
        self.children.entry(key.to_string()).or_insert_with(|| Cluster {
            label: label.to_string(),
            look: Some(look),
            ..Cluster::default()
        })
    }

    /// The keys of the clusters down to the one holding node `id`.
    pub fn path_of(&self, id: &str) -> Option<Vec<String>> {
        if self.nodes.iter().any(|n| n.id == id) {
            return Some(Vec::new());
        }
        self.children.iter().find_map(|(key, c)| {
            c.path_of(id).map(|mut rest| {
                rest.insert(0, key.clone());
                rest
            })
        })
    }

    /// The cluster at `path` (keys from this one down), which exists.
    pub fn at_mut(&mut self, path: &[String]) -> Option<&mut Cluster> {
        match path.split_first() {
            None => Some(self),
            Some((key, rest)) => self.children.get_mut(key)?.at_mut(rest),
        }
    }

    /// Calls `f` on this cluster and every one inside it, depth first.
    pub fn each<'a>(&'a self, f: &mut dyn FnMut(&'a Cluster)) {
        f(self);
        for c in self.children.values() {
            c.each(f);
        }
    }
}

/// What a container is, which decides its fill and its line in the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClusterLook {
    Cloud,
    Account,
    Region,
    Network,
    PublicSubnet,
    PrivateSubnet,
}

impl ClusterLook {
    pub fn fill(self) -> &'static str {
        match self {
            ClusterLook::Cloud => "#fafafa",
            ClusterLook::Account | ClusterLook::PrivateSubnet => "#ffffff",
            ClusterLook::Region => "#f5f9ff",
            ClusterLook::Network => "#eef6ee",
            ClusterLook::PublicSubnet => "#fff4e5",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            ClusterLook::Cloud => "cloud",
            ClusterLook::Account => "account or project",
            ClusterLook::Region => "region",
            ClusterLook::Network => "VPC or network",
            ClusterLook::PublicSubnet => "public subnet (routes to the internet)",
            ClusterLook::PrivateSubnet => "subnet (no route to the internet)",
        }
    }
}

/// One node: an asset, a group of alike assets, the internet, someone outside
/// the estate, or a node drawn in another diagram of the same view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub look: Look,
    /// The asset ids (or outside endpoint ids, such as `internet`) it stands for.
    pub stands_for: Vec<String>,
    /// Drawn with a red border: its assets have failed findings.
    pub flagged: bool,
    /// Drawn with a double border: a data store in the exposure view.
    pub double_border: bool,
    /// Shown on hover (a long label's whole text, what a node stands for).
    pub tooltip: Option<String>,
    /// Where clicking it leads (an overview's link to a part).
    pub url: Option<String>,
}

/// What a node is drawn as: shape, fill and its line in the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Look {
    Host,
    DataStore,
    LoadBalancer,
    Gateway,
    Principal,
    Key,
    Other,
    Internet,
    Outsider,
    /// A node of another diagram of the same view, drawn where an edge leaves this one.
    Elsewhere,
    /// A part of the estate drawn in a diagram of its own (in an overview).
    Part,
    /// Where bundled access edges meet: every actor into it has the access on its
    /// edge to every store out of it.
    Junction,
}

impl Look {
    pub fn shape(self) -> &'static str {
        match self {
            Look::Host | Look::Other => "box",
            Look::DataStore => "cylinder",
            Look::LoadBalancer => "hexagon",
            Look::Gateway => "diamond",
            Look::Principal | Look::Internet => "ellipse",
            Look::Key => "note",
            Look::Outsider => "octagon",
            Look::Elsewhere => "cds",
            Look::Part => "folder",
            Look::Junction => "point",
        }
    }

    pub fn fill(self) -> &'static str {
        match self {
            Look::Host => "#dbe9f6",
            Look::DataStore => "#fde9b8",
            Look::LoadBalancer | Look::Gateway => "#d9ead3",
            Look::Principal => "#ece2f5",
            Look::Key => "#eeeeee",
            Look::Other | Look::Internet | Look::Part => "#ffffff",
            Look::Junction => "#7a4fa0",
            Look::Outsider => "#f4cccc",
            Look::Elsewhere => "#f3f3f3",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Look::Host => "host",
            Look::DataStore => "data store",
            Look::LoadBalancer => "load balancer",
            Look::Gateway => "gateway",
            Look::Principal => "user, group or role",
            Look::Key => "encryption key",
            Look::Other => "other asset",
            Look::Internet => "the internet",
            Look::Outsider => "outside the estate (another account, anyone)",
            Look::Elsewhere => "drawn in another diagram (named)",
            Look::Part => "a diagram of its own",
            Look::Junction => "bundle: each actor into it has that access to each store out of it",
        }
    }
}

/// An edge to draw, by node ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
    pub style: EdgeStyle,
    /// The evidence behind it: hops with their rules, actions, the relation in words.
    pub detail: String,
}

/// What an edge says, which decides how it is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeStyle {
    /// One asset reaches another (ports).
    Reach,
    /// The internet reaches an asset: the boundary is crossed.
    Crossing,
    /// A structural relation: encrypted with, member of, can assume, runs as.
    Structure,
    /// A principal's policies allow access to a data store (levels).
    Access,
    /// A path the cloud's network model could not decide: neither reach nor no reach.
    Undecided,
}

impl EdgeStyle {
    /// (colour, line style) in DOT's terms.
    pub fn pen(self) -> (&'static str, &'static str) {
        match self {
            EdgeStyle::Crossing => ("#cc0000", "bold"),
            EdgeStyle::Reach => ("#1f5fa8", "solid"),
            EdgeStyle::Access => ("#7a4fa0", "solid"),
            EdgeStyle::Structure => ("#888888", "dashed"),
            EdgeStyle::Undecided => ("#b26b00", "dotted"),
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            EdgeStyle::Crossing => "from the internet (ports)",
            EdgeStyle::Reach => "reaches (ports)",
            EdgeStyle::Access => "can access (levels)",
            EdgeStyle::Structure => "relation",
            EdgeStyle::Undecided => "may reach (undecided)",
        }
    }
}

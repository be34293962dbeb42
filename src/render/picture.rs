//! What a diagram shows, before any drawing syntax: nested clusters (cloud →
//! account → region → network → subnet) holding nodes, the edges between nodes,
//! and the style of each. Composed from a view's selection; written as DOT by `dot`.

use std::collections::BTreeMap;

/// A diagram: its title, the node outside every cluster (the internet), the
/// cluster tree, and the edges.
#[derive(Debug, Default)]
pub struct Picture {
    pub title: String,
    pub outside: Vec<Node>,
    pub clusters: Cluster,
    pub edges: Vec<Edge>,
}

/// A container drawn as a box around what it holds; children by a stable key.
#[derive(Debug, Default)]
pub struct Cluster {
    pub label: String,
    pub fill: &'static str,
    pub children: BTreeMap<String, Cluster>,
    pub nodes: Vec<Node>,
}

impl Cluster {
    /// The child at `key`, created with `label` and `fill` if new.
    pub fn child(&mut self, key: &str, label: &str, fill: &'static str) -> &mut Cluster {
        self.children.entry(key.to_string()).or_insert_with(|| Cluster {
            label: label.to_string(),
            fill,
            ..Cluster::default()
        })
    }
}

/// One node: an asset, a group of alike assets, or the internet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub shape: &'static str,
    pub fill: &'static str,
    /// Drawn with a red border: it has failed findings.
    pub flagged: bool,
    /// Drawn with a double border: the internet, or a data store in the exposure view.
    pub double_border: bool,
}

/// An edge to draw, by node ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
    pub style: EdgeStyle,
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
    /// A principal's policies allow access to a data store.
    Access,
    /// A path the cloud's network model could not decide: neither reach nor no reach.
    Undecided,
}

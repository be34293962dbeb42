//! Architecture diagrams for auditors. A view's selection (`select`: what the
//! analyses say it shows) is aggregated into nodes that stay true (`aggregate`),
//! laid out in parts that fit a page (`pages`), each composed into a
//! `picture::Picture` nested the way an architect draws (cloud → account → region
//! → VPC → subnet, placed by each cloud's network model; `compose`), with a legend
//! of what it uses (`legend`); then written as DOT (`dot`), an image through
//! Graphviz (`graphviz`), or an interactive page (`html`).
//! Views: `network`, `exposure`, `boundary`, `iam`.

pub mod aggregate;
mod bundle;
mod compose;
pub mod dot;
pub mod graphviz;
pub mod html;
pub mod legend;
pub mod pages;
pub mod picture;
pub mod select;

use std::collections::HashMap;

use auditgraph_model::{Asset, AssetClass};
use chrono::{DateTime, Utc};
use clap::ValueEnum;

use crate::analysis::network::{Networks, Placement};
use crate::analysis::Facts;
use crate::boundary::Boundary;
use crate::findings::Finding;
use crate::graph::AssetGraph;
use crate::selector::Selector;
use picture::{ClusterLook, Picture};

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

/// What to draw of a view, and how many diagrams.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only what reaches these assets and what they reach.
    pub focus: Vec<Selector>,
    /// One diagram per account or project, and an overview.
    pub split: bool,
    /// At most this many nodes per diagram: over it, one diagram per account, then
    /// per VPC or network, and an overview linking them.
    pub max_nodes: Option<usize>,
    /// The main diagram's file name, which the overview's links are derived from.
    pub file_name: Option<String>,
}

/// One diagram of a view: the suffix its file name takes (empty for the main
/// one) and its picture.
pub struct Diagram {
    pub suffix: String,
    pub picture: Picture,
}

/// The id of the internet as an edge's endpoint in a selection.
pub const INTERNET: &str = "internet";

/// The containers an asset sits in, outermost first: (key, label, look).
pub type Place = Vec<(String, String, ClusterLook)>;

/// The diagrams of a view: one, or with `split` or over `max_nodes`, an
/// overview and one per part. A focus that selects nothing the view draws is an
/// error, not an empty diagram.
pub fn pictures(scene: &Scene, view: View, options: &Options) -> anyhow::Result<Vec<Diagram>> {
    // The network models place every node: built once, whichever diagrams are drawn.
    let layout = Layout::new(scene.graph, view == View::Iam);
    let mut selection = select::select(scene, view);
    if !options.focus.is_empty() && !selection.focus(scene.graph, &options.focus) {
        anyhow::bail!("--focus selects nothing the {} view draws", view.name());
    }
    let nodes = aggregate::aggregate(scene.graph, &layout, &selection, scene.findings);
    Ok(pages::paginate(scene, view, options, &nodes, &selection.outsiders))
}

/// The diagrams of a view as DOT text, by file-name suffix.
pub fn render(scene: &Scene, view: View, options: &Options) -> anyhow::Result<Vec<(String, String)>> {
    Ok(pictures(scene, view, options)?.into_iter().map(|d| (d.suffix, dot::write(&d.picture))).collect())
}

/// Where assets are drawn: the network models' placements, and each scope's label.
pub struct Layout<'g> {
    nets: Networks<'g>,
    /// `account 111111111111 (prod)` by scope, from the scope's account or project asset.
    scope_labels: HashMap<&'g str, String>,
    identities_only: bool,
}

impl<'g> Layout<'g> {
    /// `identities_only`: assets are placed by account alone (the IAM view).
    pub fn new(graph: &'g AssetGraph, identities_only: bool) -> Self {
        let mut scope_labels = HashMap::new();
        for a in graph.assets_of_class(AssetClass::Account) {
            scope_labels.entry(a.account.as_str()).or_insert_with(|| a.name.clone());
        }
        Layout { nets: Networks::new(graph), scope_labels, identities_only }
    }

    /// The containers an asset sits in, outermost first.
    pub fn placement(&self, a: &'g Asset) -> Place {
        let cloud = a.cloud();
        let mut path = vec![(cloud.as_str().to_string(), cloud.display_name().to_string(), ClusterLook::Cloud)];
        let account_name = self.scope_labels.get(a.account.as_str()).map(|n| format!(" ({n})")).unwrap_or_default();
        let scope = format!("{}/{}", cloud.as_str(), a.account);
        path.push((scope.clone(), format!("{} {}{account_name}", cloud.scope_noun(), a.account), ClusterLook::Account));
        if self.identities_only {
            return path;
        }
        let base = match &a.region {
            Some(region) => {
                let key = format!("{scope}/{region}");
                path.push((key.clone(), format!("region {region}"), ClusterLook::Region));
                key
            }
            None => scope,
        };
        if let Some(Placement { network: (network, label), subnet }) = self.nets.for_asset(a).placement(a) {
            path.push((format!("{base}/{network}"), label, ClusterLook::Network));
            if let Some((subnet, label, public)) = subnet {
                let look = if public { ClusterLook::PublicSubnet } else { ClusterLook::PrivateSubnet };
                path.push((format!("{base}/{network}/{subnet}"), label, look));
            }
        }
        path
    }
}

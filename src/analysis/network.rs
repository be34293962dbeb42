//! The interface every cloud's network model implements, and the one place each
//! cloud registers its model. The searches over paths (`reachability`), the
//! `paths` and `boundary` commands and the diagrams use only this interface, so
//! they are written once for every cloud; a model that cannot decide a fact says
//! so (`Link::Undecided`), and what uses it reports unknown, never a pass.

use auditgraph_model::{Asset, AssetId, AssetKind, Cloud};

use super::anywhere::Admitted;
use super::aws_network::AwsNetwork;
use super::flows::FlowSet;
use super::gcp_network::GcpNetwork;
use super::Reach;
use crate::findings::Hop;
use crate::graph::AssetGraph;

/// How one asset reaches another over a private network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Traffic flows, through the rules of the hop.
    Reaches(FlowSet, Hop),
    /// The rules let nothing through (or the two are on no common network).
    Blocked,
    /// The model cannot decide yet: why.
    Undecided(String),
}

/// Where a diagram draws an asset inside its scope and region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The network (VPC, VPC network) and how a diagram labels it.
    pub network: (AssetId, String),
    /// The subnet, its label, and whether it routes to the internet.
    pub subnet: Option<(AssetId, String, bool)>,
}

/// Which kinds of asset a cloud's network model knows.
pub struct NetworkKinds {
    /// The kinds that attach to the cloud's networks.
    pub endpoints: &'static [AssetKind],
    /// The kinds that open connections to others (hosts, load balancers).
    pub sources: &'static [AssetKind],
}

/// A cloud's network: what attaches to it, how the internet reaches it, how its
/// assets reach each other, each answer with the rules that explain it.
pub trait NetworkModel<'g>: Send + Sync {
    fn kinds(&self) -> &'static NetworkKinds;

    /// The private networks (VPCs, VPC networks) the asset attaches to; none for
    /// an asset on no network (a bucket, a key), which nothing reaches through one.
    fn networks_of(&self, asset: &'g Asset) -> Vec<&'g AssetId>;

    /// How the internet reaches the asset through its own public addresses: one
    /// fact per way in, each with its hops.
    fn reached_from_internet(&self, asset: &'g Asset) -> Vec<Reach>;

    /// What the internet reaches through the intermediaries this cloud runs in
    /// front of assets (load balancers): facts with `via` set.
    fn reached_through_intermediaries(&self) -> Vec<Reach>;

    /// How `from` reaches each asset of `to`, in order: one link per destination.
    fn links(&self, from: &'g Asset, to: &[&'g Asset]) -> Vec<Link>;

    /// Where a diagram draws the asset, when it sits on a network.
    fn placement(&self, asset: &'g Asset) -> Option<Placement>;

    /// What decides how the network treats a host besides where it sits (its
    /// security groups, its network tags): hosts alike in this and in place may
    /// share one node in a diagram. Empty for assets the model keys on nothing.
    fn rule_key(&self, asset: &'g Asset) -> String;

    /// What a rule set of this cloud (a security group, a network ACL, a firewall
    /// rule) admits inbound from the internet on its own, attached or not; `None`
    /// for an asset that holds no such rules.
    fn admitted_on_its_own(&self, asset: &'g Asset) -> Option<Admitted>;
}

/// Every cloud's network model over one graph, built once.
pub struct Networks<'g> {
    /// Indexed by `Cloud as usize`.
    models: Vec<Box<dyn NetworkModel<'g> + 'g>>,
}

/// The network model of each cloud: where a new cloud registers its own (the
/// match makes the compiler point here when a cloud is added).
fn model_for<'g>(cloud: Cloud, graph: &'g AssetGraph) -> Box<dyn NetworkModel<'g> + 'g> {
    match cloud {
        Cloud::Aws => Box::new(AwsNetwork::new(graph)),
        Cloud::Gcp => Box::new(GcpNetwork::new(graph)),
    }
}

impl<'g> Networks<'g> {
    pub fn new(graph: &'g AssetGraph) -> Self {
        Networks { models: Cloud::ALL.iter().map(|&cloud| model_for(cloud, graph)).collect() }
    }

    /// The model of one cloud.
    pub fn of(&self, cloud: Cloud) -> &(dyn NetworkModel<'g> + 'g) {
        &*self.models[cloud as usize]
    }

    /// The model of the asset's cloud.
    pub fn for_asset(&self, asset: &Asset) -> &(dyn NetworkModel<'g> + 'g) {
        self.of(asset.cloud())
    }

    /// Each network once, in the order met.
    pub fn distinct(networks: impl IntoIterator<Item = &'g AssetId>) -> Vec<&'g AssetId> {
        let mut out: Vec<&AssetId> = Vec::new();
        for n in networks {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// Every model, in `Cloud::ALL` order.
    pub fn all(&self) -> impl Iterator<Item = &(dyn NetworkModel<'g> + 'g)> {
        self.models.iter().map(|m| &**m)
    }
}

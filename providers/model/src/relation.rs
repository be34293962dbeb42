//! Typed relations between assets, and how attributes that name other assets turn
//! into relations so that a provider states each fact once.

use serde::{Deserialize, Serialize};

use crate::AssetId;

/// What a relation says. Direction is always `from` → `to` as the variant reads:
/// `from` contains `to`, `from` is in subnet `to`, `from` can assume `to`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// An account, project, VPC or network holds the asset.
    Contains,
    /// An instance, interface, database, load balancer or NAT gateway sits in a subnet.
    InSubnet,
    /// The asset is governed by a security group.
    MemberOfSg,
    /// A route table is associated with a subnet.
    RoutesSubnet,
    /// A route table sends traffic to a gateway, peering or interface.
    RouteTarget,
    /// A network ACL guards a subnet.
    GuardsSubnet,
    /// A volume, interface or gateway is attached to an instance or VPC.
    AttachedTo,
    /// Data at rest is encrypted with a key.
    EncryptedWith,
    /// A principal has a managed policy attached.
    HasPolicy,
    /// A user is a member of a group.
    MemberOfGroup,
    /// A principal may assume a role (derived from trust policies).
    CanAssume,
    /// A compute instance runs with a role (instance profile, service account).
    RunsAs,
    /// A user owns an access key or MFA device.
    Owns,
    /// A load balancer listener forwards to a target group.
    ListenerForwardsTo,
    /// A target group sends traffic to a target.
    Targets,
    /// A GCP asset belongs to a VPC network.
    InNetwork,
    /// Derived by the reachability analysis, never written by providers: `from`
    /// (the internet or an asset) can open connections to `to`.
    Reaches,
}

/// A directed, typed edge between two assets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub from: AssetId,
    pub kind: RelationKind,
    pub to: AssetId,
}

/// Collects the relations that an asset's attributes imply, borrowing the ids.
pub struct RelationSink<'a> {
    this: &'a AssetId,
    pub relations: Vec<(&'a AssetId, RelationKind, &'a AssetId)>,
}

impl<'a> RelationSink<'a> {
    pub fn new(this: &'a AssetId) -> Self {
        RelationSink { this, relations: Vec::new() }
    }

    /// `this --kind--> to`
    pub fn to(&mut self, kind: RelationKind, to: &'a AssetId) {
        self.relations.push((self.this, kind, to));
    }

    /// `from --kind--> this`
    pub fn from(&mut self, kind: RelationKind, from: &'a AssetId) {
        self.relations.push((from, kind, self.this));
    }

    pub fn to_all(&mut self, kind: RelationKind, to: impl IntoIterator<Item = &'a AssetId>) {
        for t in to {
            self.to(kind, t);
        }
    }
}

/// Implemented by every attribute type: which relations its references imply.
pub trait Related {
    fn relations<'a>(&'a self, sink: &mut RelationSink<'a>);
}

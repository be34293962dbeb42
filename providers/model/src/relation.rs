//! Typed relations between assets, and how attributes that name other assets turn
//! into relations so that a provider states each fact once.

use serde::{Deserialize, Serialize};

use crate::AssetId;

macro_rules! relation_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, )*) => {
        /// What a relation says. Direction is always `from` → `to` as the variant reads:
        /// `from` contains `to`, `from` is in subnet `to`, `from` can assume `to`, ...
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum RelationKind {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl RelationKind {
            pub const ALL: &'static [RelationKind] = &[ $( RelationKind::$variant, )* ];

            /// The name inventories and snapshots use: `contains`, `in_subnet`, ...
            pub fn as_str(self) -> &'static str {
                match self { $( RelationKind::$variant => $name, )* }
            }
        }
    };
}

relation_kinds! {
    /// An account, project, VPC or network holds the asset.
    Contains = "contains",
    /// An instance, interface, database, load balancer or NAT gateway sits in a subnet.
    InSubnet = "in_subnet",
    /// The asset is governed by a security group.
    MemberOfSg = "member_of_sg",
    /// A route table is associated with a subnet.
    RoutesSubnet = "routes_subnet",
    /// A route table sends traffic to a gateway, peering or interface.
    RouteTarget = "route_target",
    /// A network ACL guards a subnet.
    GuardsSubnet = "guards_subnet",
    /// A volume, interface or gateway is attached to an instance or VPC.
    AttachedTo = "attached_to",
    /// Data at rest is encrypted with a key.
    EncryptedWith = "encrypted_with",
    /// A principal has a managed policy attached.
    HasPolicy = "has_policy",
    /// A principal's permissions are bounded by a managed policy.
    BoundedBy = "bounded_by",
    /// A user is a member of a group.
    MemberOfGroup = "member_of_group",
    /// A principal may assume a role (derived from trust policies).
    CanAssume = "can_assume",
    /// A compute instance runs with a role (instance profile, service account).
    RunsAs = "runs_as",
    /// A user owns an access key or MFA device.
    Owns = "owns",
    /// A load balancer listener forwards to a target group.
    ListenerForwardsTo = "listener_forwards_to",
    /// A target group sends traffic to a target.
    Targets = "targets",
    /// A GCP asset belongs to a VPC network.
    InNetwork = "in_network",
    /// Derived by the reachability analysis, never written by providers: `from`
    /// (the internet or an asset) can open connections to `to`.
    Reaches = "reaches",
}

impl std::fmt::Display for RelationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relation_kind_serialises_as_its_name() {
        for kind in RelationKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}

//! Google Cloud VPC reachability: an external IP, a route to the default internet
//! gateway that applies to the instance's tags, and the network's ingress firewall
//! rules that target the instance (priority order, deny before allow at equal
//! priority, first match, implied deny). Cloud SQL: a public IP and its authorized
//! networks. Paths between assets (VM → VM, VM → Cloud SQL private IP) are not
//! modelled yet: they are undecided, so controls that need them report unknown.

use rustc_hash::FxHashMap;

use auditgraph_model::gcp::{ComputeInstance, FirewallRule, GcpRoute, SqlInstance};
use auditgraph_model::net::{IpNet, RuleAction};
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes};

use super::addrs::AddrSet;
use super::anywhere::{covers_anywhere, Admitted};
use super::flows::{FlowSet, Match};
use super::network::{Link, NetworkKinds, NetworkModel, Networks, Placement};
use super::{short, Reach};
use crate::findings::{Hop, RuleLabel};
use crate::graph::AssetGraph;

/// Why a path between two Google Cloud assets has no verdict yet.
pub const BETWEEN_UNDECIDED: &str =
    "Google Cloud paths between assets (firewall rules between instances, Cloud SQL private IP) are not modelled yet";

/// The kinds that attach to a VPC network, and those that open connections.
const KINDS: NetworkKinds = NetworkKinds {
    endpoints: &[AssetKind::GcpComputeInstance, AssetKind::GcpSqlInstance],
    sources: &[AssetKind::GcpComputeInstance],
};

pub struct GcpNetwork<'g> {
    graph: &'g AssetGraph,
    /// Routes and ingress firewall rules by network.
    routes: FxHashMap<&'g AssetId, Vec<(&'g AssetId, &'g GcpRoute)>>,
    firewalls: FxHashMap<&'g AssetId, Vec<(&'g AssetId, &'g FirewallRule)>>,
}

impl<'g> GcpNetwork<'g> {
    pub fn new(graph: &'g AssetGraph) -> Self {
        let mut net = GcpNetwork { graph, routes: FxHashMap::default(), firewalls: FxHashMap::default() };
        for a in graph.assets_of(&[AssetKind::GcpRoute, AssetKind::GcpFirewallRule]) {
            match &a.attributes {
                Attributes::GcpRoute(r) => net.routes.entry(&r.network).or_default().push((&a.id, r)),
                Attributes::GcpFirewallRule(f) if !f.disabled && f.direction.eq_ignore_ascii_case("ingress") => {
                    net.firewalls.entry(&f.network).or_default().push((&a.id, f))
                }
                _ => {}
            }
        }
        // Evaluation order: lower priority number first; at equal priority deny wins.
        for rules in net.firewalls.values_mut() {
            rules.sort_by_key(|(id, f)| (f.priority, f.action != RuleAction::Deny, (*id).clone()));
        }
        net
    }

    fn instance_from_internet(&self, asset: &Asset, vm: &ComputeInstance) -> Option<Reach> {
        // GCP gives external IPv4 addresses through the first interface's access config.
        let nic = vm.network_interfaces.iter().find(|n| n.external_ip.is_some())?;
        let applies = |tags: &[String]| tags.is_empty() || tags.iter().any(|t| vm.network_tags.contains(t));
        let mut routes: Vec<_> =
            self.routes.get(&nic.network).into_iter().flatten().filter(|(_, r)| applies(&r.tags)).collect();
        routes.sort_by_key(|(_, r)| (std::cmp::Reverse(r.dest_range.prefix_len()), r.priority));
        let mut remaining = AddrSet::internet().only_v4();
        let mut routed = AddrSet::empty();
        let mut route_rules = Vec::new();
        for (id, r) in routes {
            let covered = remaining.intersect(&AddrSet::net(&r.dest_range));
            if covered.is_empty() {
                continue;
            }
            remaining = remaining.subtract(&covered);
            if r.next_hop == "default-internet-gateway" {
                routed = routed.union(&covered);
                route_rules.push(format!("route {}: {} -> default-internet-gateway", short(id), r.dest_range).into());
            }
        }
        if routed.is_empty() {
            return None;
        }
        let targets_vm = |f: &FirewallRule| {
            let by_tag = f.target_tags.iter().any(|t| vm.network_tags.contains(t));
            let by_account = f.target_service_accounts.iter().any(|s| vm.service_accounts.contains(s));
            (f.target_tags.is_empty() && f.target_service_accounts.is_empty()) || by_tag || by_account
        };
        let rules = self
            .firewalls
            .get(&nic.network)
            .into_iter()
            .flatten()
            .filter(|(_, f)| targets_vm(f))
            .flat_map(|(id, f)| firewall_matches(id, f));
        let (flows, fw_rules) = FlowSet::any_from(&routed).first_match(rules);
        let flows = flows.normalised();
        if flows.is_empty() {
            return None;
        }
        let ports = flows.port_labels().join(", ");
        let hops = vec![
            Hop { from: AssetId::internet(), to: nic.network.clone(), ports: ports.clone(), rules: route_rules },
            Hop { from: nic.network.clone(), to: asset.id.clone(), ports, rules: fw_rules },
        ];
        Some(Reach { from: AssetId::internet(), to: asset.id.clone(), via: None, flows, hops })
    }
}

impl<'g> NetworkModel<'g> for GcpNetwork<'g> {
    fn kinds(&self) -> &'static NetworkKinds {
        &KINDS
    }

    fn networks_of(&self, asset: &'g Asset) -> Vec<&'g AssetId> {
        match &asset.attributes {
            Attributes::GcpComputeInstance(vm) => Networks::distinct(vm.network_interfaces.iter().map(|n| &n.network)),
            Attributes::GcpSqlInstance(sql) => sql.private_network.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// An instance with an external IP, a Cloud SQL instance with a public IP.
    fn reached_from_internet(&self, asset: &'g Asset) -> Vec<Reach> {
        match &asset.attributes {
            Attributes::GcpComputeInstance(vm) => self.instance_from_internet(asset, vm).into_iter().collect(),
            Attributes::GcpSqlInstance(sql) => sql_from_internet(asset, sql).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Google Cloud load balancers are not read yet: nothing is reached through one.
    fn reached_through_intermediaries(&self) -> Vec<Reach> {
        Vec::new()
    }

    /// Undecided for every destination on a network `from` is on.
    fn links(&self, from: &'g Asset, to: &[&'g Asset]) -> Vec<Link> {
        let own = self.networks_of(from);
        to.iter()
            .map(|dest| {
                let shared = dest.id != from.id && self.networks_of(dest).iter().any(|n| own.contains(n));
                if shared {
                    Link::Undecided(BETWEEN_UNDECIDED.to_string())
                } else {
                    Link::Blocked
                }
            })
            .collect()
    }

    /// An ingress allow rule that is not disabled, on its own: a higher-priority
    /// deny may still stop the traffic, which reachability decides.
    fn admitted_on_its_own(&self, asset: &'g Asset) -> Option<Admitted> {
        let Attributes::GcpFirewallRule(f) = &asset.attributes else { return None };
        if f.disabled || !f.direction.eq_ignore_ascii_case("ingress") || f.action != RuleAction::Allow {
            return Some(Admitted::default());
        }
        let rules: Vec<_> = firewall_matches(&asset.id, f).collect();
        let (flows, _) = FlowSet::any_from(&AddrSet::internet()).first_match(rules.iter().cloned());
        let from_anywhere = if covers_anywhere(&AddrSet::nets(&f.source_ranges)) {
            rules.into_iter().map(|(_, _, label)| label).collect()
        } else {
            Vec::new()
        };
        Some(Admitted { flows, from_anywhere, unresolved: Vec::new() })
    }

    fn rule_key(&self, asset: &'g Asset) -> String {
        match &asset.attributes {
            Attributes::GcpComputeInstance(vm) => vm.network_tags.join(","),
            _ => String::new(),
        }
    }

    fn placement(&self, asset: &'g Asset) -> Option<Placement> {
        let (network, subnet) = match &asset.attributes {
            Attributes::GcpComputeInstance(vm) => {
                let nic = vm.network_interfaces.first()?;
                (&nic.network, Some(&nic.subnetwork))
            }
            Attributes::GcpSqlInstance(sql) => (sql.private_network.as_ref()?, None),
            _ => return None,
        };
        let name = |id: &AssetId| self.graph.asset(id).map(|a| a.name.clone()).unwrap_or_else(|| short(id).into());
        let subnet = subnet.map(|s| {
            let label = match self.graph.asset(s).map(|a| &a.attributes) {
                Some(Attributes::GcpSubnetwork(sub)) => format!("subnetwork {} {}", name(s), sub.ip_cidr_range),
                _ => format!("subnet {}", short(s)),
            };
            (s.clone(), label, false)
        });
        Some(Placement { network: (network.clone(), format!("network {}", name(network))), subnet })
    }
}

/// A firewall rule as (action, match, label) per protocol and port range, its
/// sources the rule's ranges (tagged sources are instances, not the internet).
fn firewall_matches<'f>(
    id: &AssetId,
    f: &'f FirewallRule,
) -> impl Iterator<Item = (RuleAction, Match, RuleLabel)> + 'f {
    let sources = AddrSet::nets(&f.source_ranges);
    let id = short(id).to_string();
    f.rules.iter().flat_map(move |m| {
        let ports: Vec<Option<_>> =
            if m.ports.is_empty() { vec![None] } else { m.ports.iter().copied().map(Some).collect() };
        let label: RuleLabel = format!(
            "firewall {id} (priority {}, {}) {} {}",
            f.priority,
            if f.action == RuleAction::Allow { "allow" } else { "deny" },
            m.protocol,
            display_sources(&f.source_ranges)
        )
        .into();
        let sources = sources.clone();
        ports
            .into_iter()
            .map(move |p| (f.action, Match { protocol: m.protocol, ports: p, addrs: sources.clone() }, label.clone()))
    })
}

fn display_sources(ranges: &[IpNet]) -> String {
    if ranges.is_empty() {
        "from tagged instances".to_string()
    } else {
        format!("from {}", ranges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    }
}

fn sql_from_internet(asset: &Asset, sql: &SqlInstance) -> Option<Reach> {
    sql.public_ip?;
    let allowed = AddrSet::nets(sql.authorized_networks.iter().map(|n| &n.cidr)).intersect(&AddrSet::internet());
    if allowed.is_empty() {
        return None;
    }
    let flows = FlowSet::tcp(&[sql.port()], &allowed);
    let rules = sql
        .authorized_networks
        .iter()
        .filter(|n| !AddrSet::net(&n.cidr).intersect(&AddrSet::internet()).is_empty())
        .map(|n| format!("authorized network {} {}", n.name.as_deref().unwrap_or("(unnamed)"), n.cidr).into())
        .collect();
    let hop = Hop { from: AssetId::internet(), to: asset.id.clone(), ports: flows.port_labels().join(", "), rules };
    Some(Reach { from: AssetId::internet(), to: asset.id.clone(), via: None, flows, hops: vec![hop] })
}

#[cfg(test)]
mod tests {
    use auditgraph_model::net::Protocol;
    use auditgraph_model::Inventory;
    use serde_json::{json, Value};

    use super::*;
    use crate::source::SourcedInventory;

    fn estate(firewalls: Value, tags: &[&str]) -> AssetGraph {
        let mut assets = vec![
            json!({"id": "net", "kind": "gcp_network", "name": "net", "account": "p", "attributes": {}}),
            json!({"id": "route", "kind": "gcp_route", "name": "route", "account": "p",
                   "attributes": {"network": "net", "dest_range": "0.0.0.0/0", "priority": 1000, "next_hop": "default-internet-gateway"}}),
            json!({"id": "vm", "kind": "gcp_compute_instance", "name": "vm", "account": "p", "region": "europe-west1",
                   "attributes": {"zone": "europe-west1-b", "status": "RUNNING", "network_tags": tags,
                     "network_interfaces": [{"network": "net", "subnetwork": "sub", "internal_ip": "10.0.0.2", "external_ip": "35.1.1.1"}]}}),
        ];
        for (i, f) in firewalls.as_array().unwrap().iter().enumerate() {
            let mut attrs = f.clone();
            attrs["network"] = json!("net");
            attrs["direction"] = json!("ingress");
            assets.push(json!({"id": format!("fw{i}"), "kind": "gcp_firewall_rule", "name": format!("fw{i}"), "account": "p", "attributes": attrs}));
        }
        let text = json!({"format": "auditgraph-inventory/1", "cloud": "gcp", "scope": "p", "collected_at": "2026-11-01T00:00:00Z", "assets": assets});
        AssetGraph::from_inventories(vec![SourcedInventory::new(Inventory::from_json(&text.to_string()).unwrap(), "t")])
    }

    fn rule(priority: u32, action: &str, port: &str, targets: &[&str]) -> Value {
        json!({"priority": priority, "action": action, "rules": [{"protocol": "tcp", "ports": [port]}],
               "source_ranges": ["0.0.0.0/0"], "target_tags": targets})
    }

    fn reach(g: &AssetGraph) -> Option<FlowSet> {
        let net = GcpNetwork::new(g);
        g.assets_of(net.kinds().endpoints)
            .into_iter()
            .flat_map(|a| net.reached_from_internet(a))
            .next()
            .map(|r| r.flows)
    }

    #[test]
    fn priority_decides_and_deny_wins_ties() {
        let any = "8.8.8.8".parse().unwrap();
        let allowed = reach(&estate(json!([rule(1000, "allow", "3389", &[])]), &[])).unwrap();
        assert!(allowed.allows(Protocol::Tcp, 3389, any));
        assert!(
            reach(&estate(json!([rule(900, "deny", "3389", &[]), rule(1000, "allow", "3389", &[])]), &[])).is_none()
        );
        assert!(
            reach(&estate(json!([rule(1000, "allow", "3389", &[]), rule(1000, "deny", "3389", &[])]), &[])).is_none()
        );
        let allow_first =
            reach(&estate(json!([rule(800, "allow", "3389", &[]), rule(900, "deny", "3389", &[])]), &[])).unwrap();
        assert!(allow_first.allows(Protocol::Tcp, 3389, any));
    }

    #[test]
    fn paths_between_assets_are_undecided_on_a_shared_network_and_blocked_elsewhere() {
        let sql = |id: &str, network: &str| {
            json!({"id": id, "kind": "gcp_sql_instance", "name": id, "account": "p",
                   "attributes": {"database_version": "POSTGRES_15", "private_network": network}})
        };
        let vm = json!({"id": "vm", "kind": "gcp_compute_instance", "name": "vm", "account": "p",
            "attributes": {"zone": "europe-west1-b", "status": "RUNNING",
              "network_interfaces": [{"network": "net", "subnetwork": "sub", "internal_ip": "10.0.0.2"}]}});
        let bucket = json!({"id": "bucket", "kind": "gcp_storage_bucket", "name": "bucket", "account": "p",
            "attributes": {"location": "EU"}});
        let text = json!({"format": "auditgraph-inventory/1", "cloud": "gcp", "scope": "p",
            "collected_at": "2026-11-01T00:00:00Z", "assets": [vm, sql("db", "net"), sql("far", "other-net"), bucket]});
        let g = AssetGraph::from_inventories(vec![SourcedInventory::new(
            Inventory::from_json(&text.to_string()).unwrap(),
            "t",
        )]);
        let net = GcpNetwork::new(&g);
        let asset = |id: &str| g.asset(&AssetId::new(id)).unwrap();
        let links = net.links(asset("vm"), &[asset("db"), asset("far"), asset("bucket"), asset("vm")]);
        assert_eq!(links[0], Link::Undecided(BETWEEN_UNDECIDED.to_string()), "same network: not modelled");
        assert_eq!(&links[1..], &[Link::Blocked, Link::Blocked, Link::Blocked], "another network, none, itself");
        assert!(net.networks_of(asset("bucket")).is_empty());
    }

    #[test]
    fn target_tags_choose_the_instances() {
        assert!(reach(&estate(json!([rule(1000, "allow", "22", &["ssh"])]), &["web"])).is_none());
        assert!(reach(&estate(json!([rule(1000, "allow", "22", &["ssh"])]), &["ssh"])).is_some());
        let mut disabled = rule(1000, "allow", "22", &[]);
        disabled["disabled"] = json!(true);
        assert!(reach(&estate(json!([disabled]), &[])).is_none());
    }
}

//! What each rule set admits from anywhere on its own, attached or not: a security
//! group's ingress rules, a network ACL's inbound entries, a firewall rule. This is
//! the per-rule view benchmarks check (CIS "no security group allows ingress from
//! 0.0.0.0/0 to remote administration ports"), complementary to reachability, which
//! says whether traffic actually gets through to a host.

use auditgraph_model::net::{PortRange, Protocol};
use auditgraph_model::{AssetId, AssetKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::addrs::AddrSet;
use super::flows::FlowSet;
use super::network::Networks;
use crate::findings::RuleLabel;
use crate::graph::AssetGraph;

/// The kinds that hold rules a cloud evaluates on inbound traffic.
pub const RULE_SETS: &[AssetKind] =
    &[AssetKind::AwsSecurityGroup, AssetKind::AwsNetworkAcl, AssetKind::GcpFirewallRule];

/// What one rule set lets in from internet sources, evaluated as its cloud does
/// (a security group's rules as an allow-list, an ACL's in rule order, first match).
#[derive(Clone, Debug, Default)]
pub struct Admitted {
    /// The flows it admits from internet addresses.
    pub flows: FlowSet,
    /// Its rules whose sources are every internet address of IPv4 or of IPv6: what
    /// a finding names.
    pub from_anywhere: Vec<RuleLabel>,
    /// Rules whose sources the model cannot resolve (a managed prefix list), with
    /// what they match: they may admit anyone.
    pub unresolved: Vec<(Protocol, Option<PortRange>, RuleLabel)>,
}

impl Admitted {
    /// Whether TCP or UDP `port` is admitted from every internet address of IPv4 or
    /// of IPv6; an error naming the rule when an unresolved one could decide it.
    pub fn open_to_anywhere(&self, port: u16) -> Result<bool, String> {
        let open = [Protocol::Tcp, Protocol::Udp].into_iter().any(|protocol| {
            let addrs = self
                .flows
                .0
                .iter()
                .filter(|f| f.protocol == protocol && f.ports.contains(port))
                .fold(AddrSet::empty(), |acc, f| acc.union(&f.addrs));
            covers_anywhere(&addrs)
        });
        if open {
            return Ok(true);
        }
        let deciding = self.unresolved.iter().find(|(protocol, ports, _)| {
            (protocol.covers(Protocol::Tcp) || protocol.covers(Protocol::Udp)) && ports.is_none_or(|p| p.contains(port))
        });
        match deciding {
            Some((_, _, label)) => Err(format!("{label}: its prefix list is not resolved")),
            None => Ok(false),
        }
    }
}

/// Whether `addrs` holds every internet address of IPv4, or every one of IPv6.
pub fn covers_anywhere(addrs: &AddrSet) -> bool {
    let internet = AddrSet::internet();
    internet.only_v4().subtract(addrs).is_empty() || internet.only_v6().subtract(addrs).is_empty()
}

/// What every rule set of the graph admits, by asset.
pub fn derive<'g>(graph: &'g AssetGraph, nets: &Networks<'g>) -> FxHashMap<AssetId, Admitted> {
    graph
        .assets_of(RULE_SETS)
        .par_iter()
        .filter_map(|a| Some((a.id.clone(), nets.for_asset(a).admitted_on_its_own(a)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::flows::Flow;

    fn flows(cidrs: &[(&str, u16, u16)]) -> FlowSet {
        FlowSet(
            cidrs
                .iter()
                .map(|(c, from, to)| Flow {
                    protocol: Protocol::Tcp,
                    ports: PortRange { from: *from, to: *to },
                    addrs: AddrSet::net(&c.parse().unwrap()).intersect(&AddrSet::internet()),
                })
                .collect(),
        )
    }

    #[test]
    fn anywhere_is_every_internet_address_of_one_family_however_the_rules_split_it() {
        let halves = Admitted { flows: flows(&[("0.0.0.0/1", 0, 100), ("128.0.0.0/1", 20, 30)]), ..Default::default() };
        assert_eq!(halves.open_to_anywhere(22), Ok(true));
        assert_eq!(halves.open_to_anywhere(80), Ok(false));
        let v6 = Admitted { flows: flows(&[("::/0", 22, 22)]), ..Default::default() };
        assert_eq!(v6.open_to_anywhere(22), Ok(true));
        let office = Admitted { flows: flows(&[("203.0.113.0/24", 22, 22)]), ..Default::default() };
        assert_eq!(office.open_to_anywhere(22), Ok(false));
    }

    #[test]
    fn an_unresolved_rule_on_the_port_leaves_it_undecided_unless_another_opens_it() {
        let label: RuleLabel = "security group web ingress tcp/22 from pl-1".into();
        let unresolved = vec![(Protocol::Tcp, Some(PortRange::single(22)), label)];
        let only = Admitted { unresolved: unresolved.clone(), ..Default::default() };
        assert!(only.open_to_anywhere(22).unwrap_err().contains("pl-1"));
        assert_eq!(only.open_to_anywhere(3389), Ok(false));
        let also_open = Admitted { flows: flows(&[("0.0.0.0/0", 22, 22)]), unresolved, ..Default::default() };
        assert_eq!(also_open.open_to_anywhere(22), Ok(true));
    }
}

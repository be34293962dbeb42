//! Traffic as sets of flows: (protocol, port range, source addresses) boxes that
//! network rules cut down hop by hop. First-match rule lists (network ACLs, GCP
//! firewalls) and allow-lists (security groups) both evaluate here, so every hop
//! intersects ports and addresses the same way.

use std::fmt;

use auditgraph_model::net::{PortRange, Protocol, RuleAction};

use super::addrs::AddrSet;
use crate::findings::RuleLabel;

/// The concrete protocols traffic is tracked for; a rule on `all` matches each.
pub const PROTOCOLS: [Protocol; 4] = [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Icmpv6];

/// Traffic of one protocol, on a range of ports, from a set of addresses.
/// Protocols without ports (ICMP) always carry `PortRange::ALL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub protocol: Protocol,
    pub ports: PortRange,
    pub addrs: AddrSet,
}

/// What a rule matches: protocol (`All` for any), ports (`None` for any), addresses.
#[derive(Clone, Debug)]
pub struct Match {
    pub protocol: Protocol,
    pub ports: Option<PortRange>,
    pub addrs: AddrSet,
}

impl Match {
    fn ports_for(&self, protocol: Protocol) -> PortRange {
        match self.ports {
            Some(p) if protocol.has_ports() => p,
            _ => PortRange::ALL,
        }
    }
}

impl Flow {
    fn intersect(&self, m: &Match) -> Option<Flow> {
        if !m.protocol.covers(self.protocol) {
            return None;
        }
        let ports = self.ports.intersect(m.ports_for(self.protocol))?;
        let addrs = self.addrs.intersect(&m.addrs);
        (!addrs.is_empty()).then_some(Flow { protocol: self.protocol, ports, addrs })
    }

    /// This flow less what `m` matches: up to three boxes.
    fn subtract(&self, m: &Match) -> Vec<Flow> {
        if !m.protocol.covers(self.protocol) {
            return vec![self.clone()];
        }
        let Some(inside) = self.ports.intersect(m.ports_for(self.protocol)) else { return vec![self.clone()] };
        let mut out = Vec::new();
        if inside.from > self.ports.from {
            out.push(Flow { ports: PortRange { from: self.ports.from, to: inside.from - 1 }, ..self.clone() });
        }
        if inside.to < self.ports.to {
            out.push(Flow { ports: PortRange { from: inside.to + 1, to: self.ports.to }, ..self.clone() });
        }
        let rest = self.addrs.subtract(&m.addrs);
        if !rest.is_empty() {
            out.push(Flow { protocol: self.protocol, ports: inside, addrs: rest });
        }
        out
    }
}

/// A union of flows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowSet(pub Vec<Flow>);

impl FlowSet {
    /// Every protocol on every port from `addrs`.
    pub fn any_from(addrs: &AddrSet) -> FlowSet {
        FlowSet(
            PROTOCOLS.iter().map(|&protocol| Flow { protocol, ports: PortRange::ALL, addrs: addrs.clone() }).collect(),
        )
    }

    /// Only these ports of TCP (load balancer listeners, database endpoints).
    pub fn tcp(ports: &[u16], addrs: &AddrSet) -> FlowSet {
        FlowSet(
            ports
                .iter()
                .map(|&p| Flow { protocol: Protocol::Tcp, ports: PortRange::single(p), addrs: addrs.clone() })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn intersect(&self, m: &Match) -> FlowSet {
        FlowSet(self.0.iter().filter_map(|f| f.intersect(m)).collect())
    }

    fn subtract(&self, m: &Match) -> FlowSet {
        FlowSet(self.0.iter().flat_map(|f| f.subtract(m)).collect())
    }

    /// Evaluates an ordered rule list where the first matching rule decides
    /// (network ACLs, firewall rules): returns what is allowed, and the labels of the
    /// allow rules that let some of it through. Whatever no rule matches is denied.
    pub fn first_match<L: Into<RuleLabel>>(
        &self,
        rules: impl IntoIterator<Item = (RuleAction, Match, L)>,
    ) -> (FlowSet, Vec<RuleLabel>) {
        let mut remaining = self.clone();
        let mut allowed = Vec::new();
        let mut used = Vec::new();
        for (action, m, label) in rules {
            if remaining.is_empty() {
                break;
            }
            let matched = remaining.intersect(&m);
            if matched.is_empty() {
                continue;
            }
            if action == RuleAction::Allow {
                allowed.extend(matched.0);
                used.push(label.into());
            }
            remaining = remaining.subtract(&m);
        }
        (FlowSet(allowed), used)
    }

    /// Evaluates an allow-list (security groups): the union of what each rule lets
    /// through, with the labels of the rules that let something through.
    pub fn allowed_by<L: Into<RuleLabel>>(
        &self,
        rules: impl IntoIterator<Item = (Match, L)>,
    ) -> (FlowSet, Vec<RuleLabel>) {
        let mut allowed = Vec::new();
        let mut used = Vec::new();
        for (m, label) in rules {
            let matched = self.intersect(&m);
            if !matched.is_empty() {
                allowed.extend(matched.0);
                used.push(label.into());
            }
        }
        (FlowSet(allowed).normalised(), used)
    }

    /// Keeps, per protocol, only the flows from addresses in `addrs_of(protocol)`.
    pub fn restrict_addrs(&self, addrs_of: impl Fn(Protocol) -> AddrSet) -> FlowSet {
        FlowSet(
            self.0
                .iter()
                .filter_map(|f| {
                    let addrs = f.addrs.intersect(&addrs_of(f.protocol));
                    (!addrs.is_empty()).then(|| Flow { addrs, ..f.clone() })
                })
                .collect(),
        )
    }

    /// The addresses of the flows of one protocol.
    pub fn addrs_of(&self, protocol: Protocol) -> AddrSet {
        self.0.iter().filter(|f| f.protocol == protocol).fold(AddrSet::empty(), |acc, f| acc.union(&f.addrs))
    }

    pub fn all_addrs(&self) -> AddrSet {
        self.0.iter().fold(AddrSet::empty(), |acc, f| acc.union(&f.addrs))
    }

    /// Whether some flow reaches TCP or UDP `port`.
    pub fn allows_port(&self, port: u16) -> bool {
        self.0.iter().any(|f| f.protocol.has_ports() && f.ports.contains(port))
    }

    /// Whether traffic of `protocol` to `port` from `addr` is in the set (for tests).
    pub fn allows(&self, protocol: Protocol, port: u16, addr: std::net::IpAddr) -> bool {
        self.0.iter().any(|f| f.protocol == protocol && f.ports.contains(port) && f.addrs.contains(addr))
    }

    /// Merges flows that share protocol and ports, and sorts them.
    pub fn normalised(self) -> FlowSet {
        let mut out: Vec<Flow> = Vec::new();
        for f in self.0 {
            match out.iter_mut().find(|g| g.protocol == f.protocol && g.ports == f.ports) {
                Some(g) => g.addrs = g.addrs.union(&f.addrs),
                None => out.push(f),
            }
        }
        out.sort_by_key(|f| (f.protocol, f.ports));
        FlowSet(out)
    }

    /// `tcp/22`, `tcp/0-65535`, `icmp`: one entry per protocol and port range.
    pub fn port_labels(&self) -> Vec<String> {
        let n = self.clone().normalised();
        n.0.iter()
            .map(
                |f| if f.protocol.has_ports() { format!("{}/{}", f.protocol, f.ports) } else { f.protocol.to_string() },
            )
            .collect()
    }
}

impl fmt::Display for FlowSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.clone().normalised();
        let parts: Vec<String> = n
            .0
            .iter()
            .map(|x| {
                let what =
                    if x.protocol.has_ports() { format!("{}/{}", x.protocol, x.ports) } else { x.protocol.to_string() };
                format!("{what} from {}", x.addrs)
            })
            .collect();
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(protocol: &str, ports: Option<&str>, cidr: &str) -> Match {
        Match {
            protocol: protocol.parse().unwrap(),
            ports: ports.map(|p| p.parse().unwrap()),
            addrs: AddrSet::net(&cidr.parse().unwrap()),
        }
    }

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn first_match_applies_rules_in_order() {
        let all = FlowSet::any_from(&AddrSet::internet());
        let (allowed, used) = all.first_match([
            (RuleAction::Deny, m("tcp", Some("22"), "0.0.0.0/0"), "deny ssh"),
            (RuleAction::Allow, m("all", None, "0.0.0.0/0"), "allow all"),
        ]);
        assert!(!allowed.allows(Protocol::Tcp, 22, ip("8.8.8.8")));
        assert!(allowed.allows(Protocol::Tcp, 23, ip("8.8.8.8")));
        assert!(allowed.allows(Protocol::Tcp, 21, ip("8.8.8.8")));
        assert!(allowed.allows(Protocol::Udp, 22, ip("8.8.8.8")));
        assert!(!allowed.allows(Protocol::Tcp, 23, ip("2001:db8::1")), "the rules are IPv4 only");
        assert_eq!(used, vec![RuleLabel::from("allow all")]);
    }

    #[test]
    fn a_later_allow_does_not_undo_an_earlier_deny_of_some_sources() {
        let all = FlowSet::any_from(&AddrSet::internet());
        let (allowed, _) = all.first_match([
            (RuleAction::Deny, m("tcp", Some("22"), "198.51.100.0/24"), "deny"),
            (RuleAction::Allow, m("tcp", Some("0-65535"), "0.0.0.0/0"), "allow"),
        ]);
        assert!(!allowed.allows(Protocol::Tcp, 22, ip("198.51.100.7")));
        assert!(allowed.allows(Protocol::Tcp, 22, ip("198.51.101.7")));
        assert!(allowed.allows(Protocol::Tcp, 80, ip("198.51.100.7")));
    }

    #[test]
    fn allow_lists_take_the_union() {
        let all = FlowSet::any_from(&AddrSet::internet());
        let (allowed, used) =
            all.allowed_by([(m("tcp", Some("443"), "0.0.0.0/0"), "a"), (m("tcp", Some("22"), "10.0.0.0/8"), "b")]);
        assert!(allowed.allows(Protocol::Tcp, 443, ip("1.2.3.4")));
        assert!(!allowed.allows(Protocol::Tcp, 22, ip("1.2.3.4")));
        assert_eq!(used, vec![RuleLabel::from("a")], "rule b admits no internet address");
        assert_eq!(allowed.port_labels(), vec!["tcp/443"]);
    }
}

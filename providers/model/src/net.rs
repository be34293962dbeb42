//! Network vocabulary shared by every provider: IP protocols, port ranges and CIDR
//! blocks (IPv4 and IPv6), written in inventories as short readable strings.

use std::fmt;
use std::str::FromStr;

pub use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// An IP protocol as security groups, ACLs and firewall rules name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Protocol {
    /// Every protocol (AWS `-1`, GCP `all`).
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other protocol, by IANA number.
    Number(u8),
}

impl Protocol {
    /// Whether traffic of protocol `other` is matched by a rule on `self`.
    pub fn covers(self, other: Protocol) -> bool {
        self == Protocol::All || self == other
    }

    /// Whether the protocol carries port numbers (so a port range applies).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "all" | "-1" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            other => match other.parse::<u8>() {
                Ok(n) => Protocol::Number(n),
                Err(_) => {
                    return Err(format!("unknown protocol `{s}` (expected all, tcp, udp, icmp, icmpv6 or a number)"))
                }
            },
        })
    }
}

impl TryFrom<String> for Protocol {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::All => f.write_str("all"),
            Protocol::Tcp => f.write_str("tcp"),
            Protocol::Udp => f.write_str("udp"),
            Protocol::Icmp => f.write_str("icmp"),
            Protocol::Icmpv6 => f.write_str("icmpv6"),
            Protocol::Number(n) => write!(f, "{n}"),
        }
    }
}

impl From<Protocol> for String {
    fn from(p: Protocol) -> String {
        p.to_string()
    }
}

/// An inclusive range of ports, written `"22"` or `"1024-65535"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    /// The ephemeral ports that return traffic of a TCP connection may use
    /// (the widest range any operating system picks from).
    pub const EPHEMERAL: PortRange = PortRange { from: 1024, to: 65535 };

    pub fn single(port: u16) -> Self {
        PortRange { from: port, to: port }
    }

    pub fn contains(self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// The ports in both ranges, if any.
    pub fn intersect(self, other: PortRange) -> Option<PortRange> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        (from <= to).then_some(PortRange { from, to })
    }
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |p: &str| {
            p.trim().parse::<u16>().map_err(|_| format!("invalid port range `{s}` (expected `22` or `1024-65535`)"))
        };
        let range = match s.split_once('-') {
            Some((a, b)) => PortRange { from: parse(a)?, to: parse(b)? },
            None => PortRange::single(parse(s)?),
        };
        if range.from > range.to {
            return Err(format!("invalid port range `{s}`: start is after end"));
        }
        Ok(range)
    }
}

impl TryFrom<String> for PortRange {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

impl From<PortRange> for String {
    fn from(p: PortRange) -> String {
        p.to_string()
    }
}

/// Whether a rule lets traffic through or stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Allow,
    Deny,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_from_names_and_numbers() {
        assert_eq!("-1".parse::<Protocol>().unwrap(), Protocol::All);
        assert_eq!("TCP".parse::<Protocol>().unwrap(), Protocol::Tcp);
        assert_eq!("47".parse::<Protocol>().unwrap(), Protocol::Number(47));
        assert!("tcpp".parse::<Protocol>().is_err());
        assert!(Protocol::All.covers(Protocol::Udp));
        assert!(!Protocol::Tcp.covers(Protocol::Udp));
    }

    #[test]
    fn port_ranges_parse_and_intersect() {
        let r: PortRange = "1024-65535".parse().unwrap();
        assert_eq!(r, PortRange::EPHEMERAL);
        assert_eq!(r.to_string(), "1024-65535");
        assert_eq!("22".parse::<PortRange>().unwrap().to_string(), "22");
        assert!("80-22".parse::<PortRange>().is_err());
        assert_eq!(
            PortRange { from: 20, to: 30 }.intersect(PortRange { from: 25, to: 100 }),
            Some(PortRange { from: 25, to: 30 })
        );
        assert_eq!(PortRange::single(22).intersect(PortRange::single(23)), None);
    }
}

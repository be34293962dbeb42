//! Sets of IP addresses (IPv4 and IPv6) as sorted, disjoint ranges, so that rule
//! sources can be intersected and subtracted exactly ("0.0.0.0/0 minus what the
//! NACL denies"), and printed back as CIDR blocks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use smallvec::{smallvec, SmallVec};

/// Ranges kept inline: a rule's source, a subnet or an address is one range, so
/// most sets the analyses build never allocate.
type RangeList = SmallVec<[(u128, u128); 1]>;

/// Sorted, disjoint, inclusive ranges of one address family.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Ranges(RangeList);

impl Ranges {
    fn one(lo: u128, hi: u128) -> Self {
        Ranges(smallvec![(lo, hi)])
    }

    fn union(&self, other: &Ranges) -> Ranges {
        let mut all: SmallVec<[(u128, u128); 4]> = self.0.iter().chain(other.0.iter()).copied().collect();
        all.sort_unstable();
        let mut out = RangeList::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Ranges(out)
    }

    fn intersect(&self, other: &Ranges) -> Ranges {
        let (mut i, mut j, mut out) = (0, 0, RangeList::new());
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    fn subtract(&self, other: &Ranges) -> Ranges {
        let mut out = RangeList::new();
        for &(mut lo, hi) in &self.0 {
            let mut alive = true;
            for &(olo, ohi) in &other.0 {
                if ohi < lo || olo > hi {
                    continue;
                }
                if olo > lo {
                    out.push((lo, olo - 1));
                }
                if ohi >= hi {
                    alive = false;
                    break;
                }
                lo = ohi + 1;
            }
            if alive {
                out.push((lo, hi));
            }
        }
        Ranges(out)
    }

    fn contains(&self, x: u128) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= x && x <= hi)
    }
}

/// A set of IPv4 and IPv6 addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddrSet {
    v4: Ranges,
    v6: Ranges,
}

const V4_MAX: u128 = u32::MAX as u128;

/// Address blocks that are not on the public internet (RFC 6890 and friends).
const NOT_INTERNET: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
];

impl AddrSet {
    pub fn empty() -> Self {
        AddrSet::default()
    }

    /// Every IPv4 and IPv6 address.
    pub fn all() -> Self {
        AddrSet { v4: Ranges::one(0, V4_MAX), v6: Ranges::one(0, u128::MAX) }
    }

    /// The addresses a client on the internet can have: public IPv4 space and IPv6
    /// global unicast (2000::/3).
    pub fn internet() -> Self {
        static INTERNET: std::sync::OnceLock<AddrSet> = std::sync::OnceLock::new();
        INTERNET.get_or_init(Self::compute_internet).clone()
    }

    fn compute_internet() -> Self {
        let private = NOT_INTERNET
            .iter()
            .fold(AddrSet::empty(), |acc, c| acc.union(&AddrSet::net(&c.parse().expect("a valid block"))));
        let v4 = AddrSet { v4: Ranges::one(0, V4_MAX), v6: Ranges::default() }.subtract(&private);
        v4.union(&AddrSet::net(&"2000::/3".parse().expect("a valid block")))
    }

    pub fn net(net: &IpNet) -> Self {
        match net {
            IpNet::V4(n) => AddrSet {
                v4: Ranges::one(u32::from(n.network()) as u128, u32::from(n.broadcast()) as u128),
                v6: Ranges::default(),
            },
            IpNet::V6(n) => {
                AddrSet { v4: Ranges::default(), v6: Ranges::one(u128::from(n.network()), u128::from(n.broadcast())) }
            }
        }
    }

    pub fn nets<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Self {
        nets.into_iter().fold(AddrSet::empty(), |acc, n| acc.union(&AddrSet::net(n)))
    }

    pub fn addr(ip: IpAddr) -> Self {
        AddrSet::net(&IpNet::from(ip))
    }

    pub fn union(&self, o: &AddrSet) -> AddrSet {
        AddrSet { v4: self.v4.union(&o.v4), v6: self.v6.union(&o.v6) }
    }

    pub fn intersect(&self, o: &AddrSet) -> AddrSet {
        AddrSet { v4: self.v4.intersect(&o.v4), v6: self.v6.intersect(&o.v6) }
    }

    pub fn subtract(&self, o: &AddrSet) -> AddrSet {
        AddrSet { v4: self.v4.subtract(&o.v4), v6: self.v6.subtract(&o.v6) }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.0.is_empty() && self.v6.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a) as u128),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    pub fn only_v4(&self) -> AddrSet {
        AddrSet { v4: self.v4.clone(), v6: Ranges::default() }
    }

    pub fn only_v6(&self) -> AddrSet {
        AddrSet { v4: Ranges::default(), v6: self.v6.clone() }
    }

    /// The set as the fewest CIDR blocks; the whole internet prints as `internet`.
    pub fn to_cidrs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let internet = AddrSet::internet();
        let (v4, v6) = (self.only_v4(), self.only_v6());
        if !v4.is_empty() && v4 == internet.only_v4() {
            out.push("internet(v4)".to_string());
        } else {
            for &(lo, hi) in &self.v4.0 {
                cidrs_of(lo, hi, 32, &mut |base, len| {
                    out.push(Ipv4Net::new(Ipv4Addr::from(base as u32), len).expect("valid").to_string())
                });
            }
        }
        if !v6.is_empty() && v6 == internet.only_v6() {
            out.push("internet(v6)".to_string());
        } else {
            for &(lo, hi) in &self.v6.0 {
                cidrs_of(lo, hi, 128, &mut |base, len| {
                    out.push(Ipv6Net::new(Ipv6Addr::from(base), len).expect("valid").to_string())
                });
            }
        }
        out
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cidrs = self.to_cidrs();
        if cidrs.len() > 4 {
            write!(f, "{} and {} more blocks", cidrs[..3].join(", "), cidrs.len() - 3)
        } else {
            f.write_str(&cidrs.join(", "))
        }
    }
}

/// Splits the inclusive range [lo, hi] of a `bits`-wide family into CIDR blocks.
fn cidrs_of(mut lo: u128, hi: u128, bits: u32, emit: &mut dyn FnMut(u128, u8)) {
    loop {
        // The largest block aligned at `lo` that ends within `hi`.
        let mut k = if lo == 0 { bits } else { lo.trailing_zeros().min(bits) };
        while k > 0 && block_end(lo, k) > hi {
            k -= 1;
        }
        emit(lo, (bits - k) as u8);
        let end = block_end(lo, k);
        if end >= hi {
            return;
        }
        lo = end + 1;
    }
}

/// The last address of the block of 2^k addresses starting at the aligned `lo`.
fn block_end(lo: u128, k: u32) -> u128 {
    if k >= 128 {
        u128::MAX
    } else {
        lo + ((1u128 << k) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cidrs: &[&str]) -> AddrSet {
        AddrSet::nets(cidrs.iter().map(|c| c.parse::<IpNet>().unwrap()).collect::<Vec<_>>().iter())
    }

    #[test]
    fn set_algebra() {
        let a = set(&["10.0.0.0/24"]);
        let b = set(&["10.0.0.128/25"]);
        assert_eq!(a.subtract(&b).to_cidrs(), vec!["10.0.0.0/25"]);
        assert_eq!(a.intersect(&b), b);
        assert_eq!(a.subtract(&b).union(&b), a);
        assert!(a.contains("10.0.0.7".parse().unwrap()));
        assert!(!a.contains("10.0.1.7".parse().unwrap()));
    }

    #[test]
    fn the_internet_excludes_private_space() {
        let internet = AddrSet::internet();
        assert!(internet.contains("8.8.8.8".parse().unwrap()));
        assert!(!internet.contains("10.1.2.3".parse().unwrap()));
        assert!(!internet.contains("192.168.0.1".parse().unwrap()));
        assert!(internet.contains("2001:db8::1".parse().unwrap()));
        assert!(!internet.contains("fd00::1".parse().unwrap()));
        assert_eq!(set(&["0.0.0.0/0"]).intersect(&internet).to_cidrs(), vec!["internet(v4)"]);
        assert_eq!(set(&["203.0.113.0/24"]).intersect(&internet).to_cidrs(), vec!["203.0.113.0/24"]);
        assert!(set(&["10.0.0.0/16"]).intersect(&internet).is_empty());
    }

    #[test]
    fn prints_ranges_as_few_cidrs() {
        assert_eq!(set(&["0.0.0.0/0"]).to_cidrs(), vec!["0.0.0.0/0"]);
        assert_eq!(set(&["::/0"]).to_cidrs(), vec!["::/0"]);
        assert_eq!(set(&["10.0.0.0/25", "10.0.0.128/25"]).to_cidrs(), vec!["10.0.0.0/24"]);
        assert_eq!(set(&["10.0.0.1/32", "10.0.0.2/31"]).to_cidrs(), vec!["10.0.0.1/32", "10.0.0.2/31"]);
    }
}

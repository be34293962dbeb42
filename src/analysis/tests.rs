//! Hop-rule tests on small hand-built VPCs, and a property test that checks the
//! reachability engine against a brute-force evaluator of the same rules.

use auditgraph_model::net::Protocol;
use auditgraph_model::{Asset, AssetId, Inventory};
use serde_json::{json, Value};

use super::addrs::AddrSet;
use super::aws_network::AwsNetwork;
use super::flows::FlowSet;
use super::network::{Link, NetworkModel};
use crate::graph::AssetGraph;
use crate::source::SourcedInventory;
use crate::synth::Rng;

/// A tiny AWS estate written as inventory JSON.
#[derive(Default)]
struct Estate {
    assets: Vec<Value>,
}

impl Estate {
    fn add(&mut self, id: &str, kind: &str, attributes: Value) -> &mut Self {
        self.assets.push(json!({"id": id, "kind": kind, "name": id, "account": "111111111111", "region": "eu-west-1", "attributes": attributes}));
        self
    }

    /// One VPC, one subnet `sn` with the given route table routes and ACL entries,
    /// and an attached internet gateway `igw`.
    fn vpc(routes: Value, acl: Value) -> Estate {
        let mut e = Estate::default();
        e.add("vpc", "aws_vpc", json!({"cidr_blocks": ["10.0.0.0/16"], "ipv6_cidr_blocks": ["2001:db8::/56"]}))
            .add("igw", "aws_internet_gateway", json!({"vpcs": ["vpc"]}))
            .add("sn", "aws_subnet", json!({"vpc": "vpc", "cidr_block": "10.0.1.0/24"}))
            .add("sn2", "aws_subnet", json!({"vpc": "vpc", "cidr_block": "10.0.2.0/24"}))
            .add("rt", "aws_route_table", json!({"vpc": "vpc", "subnets": ["sn"], "routes": routes}))
            .add("acl", "aws_network_acl", json!({"vpc": "vpc", "subnets": ["sn", "sn2"], "entries": acl}));
        e
    }

    fn sg(&mut self, id: &str, ingress: Value) -> &mut Self {
        self.add(id, "aws_security_group", json!({"vpc": "vpc", "group_name": id, "ingress": ingress, "egress": [{"protocol": "all", "peer": {"cidr": "0.0.0.0/0"}}]}))
    }

    fn host(&mut self, id: &str, subnet: &str, sg: &str, ip: &str, public: bool, ipv6: &[&str]) -> &mut Self {
        let mut a = json!({"state": "running", "subnet": subnet, "private_ip": ip, "security_groups": [sg], "ipv6_addresses": ipv6});
        if public {
            a["public_ip"] = json!("34.1.1.1");
        }
        self.add(id, "aws_ec2_instance", a)
    }

    fn graph(&self) -> AssetGraph {
        let text = json!({"format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
            "collected_at": "2026-11-01T00:00:00Z", "assets": self.assets})
        .to_string();
        AssetGraph::from_inventories(vec![SourcedInventory::new(Inventory::from_json(&text).unwrap(), "test")])
    }
}

fn open_acl() -> Value {
    json!([
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 101, "egress": false, "action": "allow", "protocol": "all", "cidr": "::/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 101, "egress": true, "action": "allow", "protocol": "all", "cidr": "::/0"}
    ])
}

fn default_routes() -> Value {
    json!([{"destination": "10.0.0.0/16", "target_kind": "local"},
           {"destination": "0.0.0.0/0", "target_kind": "internet_gateway", "target": "igw"},
           {"destination": "::/0", "target_kind": "internet_gateway", "target": "igw"}])
}

fn ssh_and_https() -> Value {
    json!([{"protocol": "tcp", "ports": "22", "peer": {"cidr": "0.0.0.0/0"}},
           {"protocol": "tcp", "ports": "443", "peer": {"cidr": "::/0"}}])
}

/// What the internet reaches on host `h`.
fn exposure(e: &Estate) -> Option<FlowSet> {
    let g = e.graph();
    let net = AwsNetwork::new(&g);
    let id = AssetId::from("h");
    let eps = net.endpoints(&id);
    eps.iter().find_map(|ep| net.from_internet(ep, &FlowSet::any_from(&AddrSet::all())).map(|(f, _)| f))
}

fn ip(s: &str) -> std::net::IpAddr {
    s.parse().unwrap()
}

fn web_host(routes: Value, acl: Value) -> Estate {
    let mut e = Estate::vpc(routes, acl);
    e.sg("sg", ssh_and_https()).host("h", "sn", "sg", "10.0.1.10", true, &[]);
    e
}

#[test]
fn a_public_host_behind_open_rules_is_reachable_on_the_allowed_ports_only() {
    let f = exposure(&web_host(default_routes(), open_acl())).expect("exposed");
    assert!(f.allows(Protocol::Tcp, 22, ip("8.8.8.8")));
    assert!(!f.allows(Protocol::Tcp, 23, ip("8.8.8.8")));
    assert!(!f.allows(Protocol::Tcp, 22, ip("10.9.9.9")), "private sources are not the internet");
}

#[test]
fn no_public_address_no_exposure() {
    let mut e = Estate::vpc(default_routes(), open_acl());
    e.sg("sg", ssh_and_https()).host("h", "sn", "sg", "10.0.1.10", false, &[]);
    assert!(exposure(&e).is_none());
}

#[test]
fn the_longest_prefix_route_decides() {
    let routes = json!([{"destination": "0.0.0.0/0", "target_kind": "internet_gateway", "target": "igw"},
                        {"destination": "198.51.100.0/24", "target_kind": "nat_gateway", "target": "nat"}]);
    let f = exposure(&web_host(routes, open_acl())).expect("exposed");
    assert!(f.allows(Protocol::Tcp, 22, ip("8.8.8.8")));
    assert!(!f.allows(Protocol::Tcp, 22, ip("198.51.100.7")), "replies to that prefix go to the NAT gateway");
}

#[test]
fn subnets_without_association_use_the_main_table() {
    let mut e = Estate::vpc(json!([]), open_acl());
    e.add("main", "aws_route_table", json!({"vpc": "vpc", "main": true, "routes": default_routes()}));
    e.sg("sg", ssh_and_https()).host("h", "sn2", "sg", "10.0.2.10", true, &[]);
    assert!(exposure(&e).is_some());
    let mut no_igw = Estate::vpc(json!([]), open_acl());
    no_igw.add(
        "main",
        "aws_route_table",
        json!({"vpc": "vpc", "main": true, "routes": [{"destination": "10.0.0.0/16", "target_kind": "local"}]}),
    );
    no_igw.sg("sg", ssh_and_https()).host("h", "sn2", "sg", "10.0.2.10", true, &[]);
    assert!(exposure(&no_igw).is_none());
}

#[test]
fn a_detached_gateway_carries_nothing() {
    let mut e = web_host(default_routes(), open_acl());
    e.assets[1]["attributes"]["vpcs"] = json!([]);
    assert!(exposure(&e).is_none());
}

#[test]
fn acl_rules_apply_in_number_order_first_match_wins() {
    let deny_first = json!([
        {"rule_number": 200, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": false, "action": "deny", "protocol": "tcp", "ports": "22", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}
    ]);
    assert!(exposure(&web_host(default_routes(), deny_first)).is_none(), "22 denied, 443 is IPv6-only");
    let allow_first = json!([
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 200, "egress": false, "action": "deny", "protocol": "tcp", "ports": "22", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}
    ]);
    assert!(exposure(&web_host(default_routes(), allow_first)).is_some());
}

#[test]
fn stateless_acls_must_let_replies_out_on_ephemeral_ports() {
    let only_https_out = json!([
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "ports": "443", "cidr": "0.0.0.0/0"}
    ]);
    assert!(exposure(&web_host(default_routes(), only_https_out)).is_none());
    let ephemeral_out = json!([
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0"}
    ]);
    assert!(exposure(&web_host(default_routes(), ephemeral_out)).is_some());
}

#[test]
fn ipv6_needs_an_ipv6_route_and_rule() {
    let mut e = Estate::vpc(default_routes(), open_acl());
    e.sg("sg", ssh_and_https()).host("h", "sn", "sg", "10.0.1.10", false, &["2001:db8::10"]);
    let f = exposure(&e).expect("reachable over IPv6");
    assert!(f.allows(Protocol::Tcp, 443, ip("2001:db8:1::1")));
    assert!(!f.allows(Protocol::Tcp, 22, ip("2001:db8:1::1")), "the SSH rule is IPv4 only");
    let v4_routes = json!([{"destination": "0.0.0.0/0", "target_kind": "internet_gateway", "target": "igw"}]);
    let mut no_v6_route = Estate::vpc(v4_routes, open_acl());
    no_v6_route.sg("sg", ssh_and_https()).host("h", "sn", "sg", "10.0.1.10", false, &["2001:db8::10"]);
    assert!(exposure(&no_v6_route).is_none());
}

#[test]
fn ports_intersect_across_hops() {
    let acl = json!([
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "tcp", "ports": "500-2000", "cidr": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}
    ]);
    let mut e = Estate::vpc(default_routes(), acl);
    e.sg("sg", json!([{"protocol": "tcp", "ports": "0-1000", "peer": {"cidr": "0.0.0.0/0"}}])).host(
        "h",
        "sn",
        "sg",
        "10.0.1.10",
        true,
        &[],
    );
    assert_eq!(exposure(&e).unwrap().port_labels(), vec!["tcp/500-1000"]);
}

#[test]
fn security_group_references_admit_members_only() {
    let mut e = Estate::vpc(default_routes(), open_acl());
    e.sg("web", json!([]))
        .sg("other", json!([]))
        .sg(
            "db",
            json!([{"protocol": "tcp", "ports": "5432", "peer": {"security_group": "web"}},
                         {"protocol": "tcp", "ports": "6379", "peer": {"cidr": "10.0.1.20/32"}}]),
        )
        .host("w", "sn", "web", "10.0.1.10", false, &[])
        .host("o", "sn", "other", "10.0.1.20", false, &[])
        .host("d", "sn2", "db", "10.0.2.10", false, &[]);
    let g = e.graph();
    let net = AwsNetwork::new(&g);
    let reach = |from: &str| {
        let (from, to) = (AssetId::from(from), AssetId::from("d"));
        let src = net.endpoints(&from).remove(0);
        let dst = net.endpoints(&to).remove(0);
        net.between(&src, &dst, &FlowSet::any_from(&AddrSet::all())).map(|(f, _)| f.port_labels())
    };
    assert_eq!(reach("w"), Some(vec!["tcp/5432".to_string()]));
    assert_eq!(reach("o"), Some(vec!["tcp/6379".to_string()]), "the CIDR rule covers o's address");
}

const CIDRS: &[&str] = &[
    "0.0.0.0/0",
    "0.0.0.0/0",
    "128.0.0.0/1",
    "8.8.0.0/16",
    "8.8.8.0/24",
    "198.51.100.0/24",
    "10.0.0.0/8",
    "0.0.0.0/1",
];
const PORTS: &[Option<(u16, u16)>] = &[
    None,
    None,
    Some((0, 65535)),
    Some((22, 22)),
    Some((80, 443)),
    Some((0, 1000)),
    Some((1024, 65535)),
    Some((3389, 3389)),
    Some((30000, 40000)),
];
const PROTOCOLS: &[&str] = &["tcp", "udp", "all"];
const SOURCES: &[&str] = &["8.8.8.8", "8.8.9.9", "198.51.100.7", "203.0.113.9", "128.1.1.1"];
const PROBE_PORTS: &[u16] = &[21, 22, 80, 443, 999, 1000, 3389, 8080, 35000];

#[derive(Clone)]
struct Rule {
    number: u16,
    egress: bool,
    allow: bool,
    protocol: &'static str,
    ports: Option<(u16, u16)>,
    cidr: &'static str,
}

fn covers(cidr: &str, addr: &str) -> bool {
    cidr.parse::<ipnet::IpNet>().unwrap().contains(&addr.parse::<std::net::IpAddr>().unwrap())
}

fn rule_matches(r: &Rule, addr: &str, protocol: &str, port: u16) -> bool {
    (r.protocol == "all" || r.protocol == protocol)
        && r.ports.is_none_or(|(a, b)| a <= port && port <= b)
        && covers(r.cidr, addr)
}

/// First match over the rules of one direction; no match denies.
fn acl_allows(rules: &[Rule], egress: bool, addr: &str, protocol: &str, port: u16) -> bool {
    let mut rs: Vec<&Rule> = rules.iter().filter(|r| r.egress == egress).collect();
    rs.sort_by_key(|r| r.number);
    rs.iter().find(|r| rule_matches(r, addr, protocol, port)).is_some_and(|r| r.allow)
}

/// The brute-force verdict for one packet from `addr`.
fn brute_force(routes: &[(&str, bool)], acl: &[Rule], sg: &[Rule], addr: &str, protocol: &str, port: u16) -> bool {
    let best = routes
        .iter()
        .filter(|(c, _)| covers(c, addr))
        .max_by_key(|(c, _)| c.parse::<ipnet::IpNet>().unwrap().prefix_len());
    if !best.is_some_and(|(_, igw)| *igw) {
        return false;
    }
    if !acl_allows(acl, false, addr, protocol, port) {
        return false;
    }
    // A reply on some ephemeral port: first-match verdicts only change at rule bounds.
    let mut candidates = vec![1024u16, 65535];
    for r in acl.iter().filter(|r| r.egress) {
        if let Some((a, b)) = r.ports {
            candidates.extend([a, b, a.saturating_sub(1), b.saturating_add(1)]);
        }
    }
    if !candidates.into_iter().filter(|p| *p >= 1024).any(|p| acl_allows(acl, true, addr, protocol, p)) {
        return false;
    }
    sg.iter().any(|r| rule_matches(r, addr, protocol, port))
}

fn random_rule(rng: &mut Rng, egress: bool, number: u16) -> Rule {
    Rule {
        number,
        egress,
        allow: rng.next_u64() % 3 != 0,
        protocol: rng.pick(PROTOCOLS),
        ports: rng.pick(PORTS),
        cidr: rng.pick(CIDRS),
    }
}

fn rule_json(r: &Rule) -> Value {
    let mut v = json!({"rule_number": r.number, "egress": r.egress, "action": if r.allow {"allow"} else {"deny"}, "protocol": r.protocol, "cidr": r.cidr});
    if let Some((a, b)) = r.ports {
        v["ports"] = json!(format!("{a}-{b}"));
    }
    v
}

#[test]
fn the_engine_agrees_with_brute_force_on_random_networks() {
    let mut rng = Rng::new(0x5eed_1234_abcd_ef01);
    let (mut reachable, mut blocked) = (0, 0);
    for case in 0..300 {
        let mut routes: Vec<(&str, bool)> = vec![("0.0.0.0/0", true)];
        routes.extend((0..rng.next_u64() % 3).map(|_| (rng.pick(CIDRS), rng.next_u64() % 3 != 0)));
        // A route table holds one route per destination.
        routes.sort_by_key(|r| r.0);
        routes.dedup_by_key(|r| r.0);
        let (inbound, outbound) = (2 + rng.next_u64() % 4, 1 + rng.next_u64() % 3);
        let mut acl: Vec<Rule> = (0..inbound).map(|i| random_rule(&mut rng, false, 100 + i as u16 * 10)).collect();
        acl.extend((0..outbound).map(|i| random_rule(&mut rng, true, 100 + i as u16 * 10)));
        // Often a catch-all allow after the specific rules, as real ACLs have.
        for egress in [false, true] {
            if rng.next_u64() % 2 == 0 {
                acl.push(Rule { number: 32000, egress, allow: true, protocol: "all", ports: None, cidr: "0.0.0.0/0" });
            }
        }
        let sg: Vec<Rule> = (0..1 + rng.next_u64() % 4)
            .map(|i| Rule { allow: true, ..random_rule(&mut rng, false, i as u16) })
            .collect();

        let route_json: Vec<Value> = routes
            .iter()
            .map(|(c, igw)| {
                if *igw {
                    json!({"destination": c, "target_kind": "internet_gateway", "target": "igw"})
                } else {
                    json!({"destination": c, "target_kind": "nat_gateway", "target": "nat"})
                }
            })
            .collect();
        let mut e = Estate::vpc(json!(route_json), json!(acl.iter().map(rule_json).collect::<Vec<_>>()));
        let sg_json: Vec<Value> = sg
            .iter()
            .map(|r| {
                let mut v = json!({"protocol": r.protocol, "peer": {"cidr": r.cidr}});
                if let Some((a, b)) = r.ports {
                    v["ports"] = json!(format!("{a}-{b}"));
                }
                v
            })
            .collect();
        e.sg("sg", json!(sg_json)).host("h", "sn", "sg", "10.0.1.10", true, &[]);
        let flows = exposure(&e).unwrap_or_default();
        for addr in SOURCES {
            for protocol in ["tcp", "udp"] {
                for port in PROBE_PORTS {
                    let expected = brute_force(&routes, &acl, &sg, addr, protocol, *port);
                    let got = flows.allows(protocol.parse().unwrap(), *port, ip(addr));
                    if expected {
                        reachable += 1;
                    } else {
                        blocked += 1;
                    }
                    assert_eq!(
                        got, expected,
                        "case {case}: {protocol}/{port} from {addr}\nroutes {routes:?}\nacl {:?}\nsg {:?}\nengine {flows}",
                        acl.iter().map(rule_json).collect::<Vec<_>>(),
                        sg_json
                    );
                }
            }
        }
    }
    // Both verdicts must be common, or the comparison proves little.
    assert!(reachable > 2000 && blocked > 2000, "{reachable} reachable, {blocked} blocked");
}

/// CIDRs that split the test VPC's subnets, so that rules tell destinations apart.
const INNER_CIDRS: &[&str] =
    &["10.0.0.0/16", "10.0.1.0/25", "10.0.1.128/25", "10.0.2.0/24", "10.0.1.10/32", "10.0.2.64/26", "0.0.0.0/0"];
const INNER_ADDRS: &[&str] = &["10.0.1.5", "10.0.1.10", "10.0.1.200", "10.0.2.9", "10.0.2.70", "10.0.2.250"];

#[test]
fn remembered_hops_are_the_hops_worked_out_one_by_one() {
    let mut rng = Rng::new(0x00c0_ffee_1234_5678);
    let (mut remembered, mut asked, mut mixed_verdicts) = (0, 0, 0);
    for _ in 0..150 {
        let mut acl: Vec<Value> = Vec::new();
        for egress in [false, true] {
            for i in 0..1 + rng.next_u64() % 4 {
                let rule = Rule { cidr: rng.pick(INNER_CIDRS), ..random_rule(&mut rng, egress, 100 + i as u16 * 10) };
                acl.push(rule_json(&rule));
            }
            if rng.next_u64() % 2 == 0 {
                acl.push(json!({"rule_number": 32000, "egress": egress, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}));
            }
        }
        let mut e = Estate::vpc(default_routes(), json!(acl));
        let sg_rules = |rng: &mut Rng| -> Vec<Value> {
            (0..1 + rng.next_u64() % 3)
                .map(|_| {
                    let r = random_rule(rng, false, 0);
                    let mut v = json!({"protocol": r.protocol, "peer": {"cidr": rng.pick(INNER_CIDRS)}});
                    if let Some((a, b)) = r.ports {
                        v["ports"] = json!(format!("{a}-{b}"));
                    }
                    v
                })
                .collect()
        };
        let (src_egress, dst_a, dst_b) = (sg_rules(&mut rng), sg_rules(&mut rng), sg_rules(&mut rng));
        e.add(
            "sg-src",
            "aws_security_group",
            json!({"vpc": "vpc", "group_name": "src", "ingress": [], "egress": src_egress}),
        )
        .add("sg-a", "aws_security_group", json!({"vpc": "vpc", "group_name": "a", "ingress": dst_a, "egress": []}))
        .add("sg-b", "aws_security_group", json!({"vpc": "vpc", "group_name": "b", "ingress": dst_b, "egress": []}))
        .host("src", "sn", "sg-src", "10.0.1.20", false, &[]);
        let dests: Vec<String> = (0..12).map(|i| format!("d{i}")).collect();
        for d in &dests {
            let addr = rng.pick(INNER_ADDRS);
            let subnet = if addr.starts_with("10.0.1.") { "sn" } else { "sn2" };
            e.host(d, subnet, rng.pick(&["sg-a", "sg-b"]), addr, false, &[]);
        }
        let g = e.graph();
        let net = AwsNetwork::new(&g);
        let endpoint = |id: &str| net.endpoints_of(g.asset(&AssetId::from(id)).unwrap()).remove(0);
        let src = endpoint("src");
        let dest_endpoints: Vec<_> = dests.iter().map(|d| endpoint(d)).collect();
        // What the rest of the engine sees: one link per destination, the hop worked out alone.
        let dest_assets: Vec<&Asset> = dests.iter().map(|d| g.asset(&AssetId::from(d.as_str())).unwrap()).collect();
        let links = net.links(g.asset(&AssetId::from("src")).unwrap(), &dest_assets);
        for (dest, link) in dest_endpoints.iter().zip(&links) {
            let expected = match net.between(&src, dest, &FlowSet::any_from(&AddrSet::all())) {
                Some((flows, hop)) => Link::Reaches(flows, hop),
                None => Link::Blocked,
            };
            assert_eq!(link, &expected, "to {}", dest.asset);
        }
        for start in [FlowSet::any_from(&AddrSet::all()), FlowSet::tcp(&[443], &AddrSet::all())] {
            let mut memo = super::aws_network::HopMemo::new(&src, start.clone());
            let mut verdicts = std::collections::BTreeSet::new();
            for dest in &dest_endpoints {
                let one_by_one = net.between(&src, dest, &start);
                verdicts.insert(one_by_one.is_some());
                assert_eq!(net.between_remembered(&mut memo, dest), one_by_one, "to {}, acl {acl:?}", dest.asset);
            }
            asked += dest_endpoints.len();
            remembered += dest_endpoints.len() - memo.evaluations();
            mixed_verdicts += usize::from(verdicts.len() == 2);
        }
    }
    // The memo must both spare work and meet destinations the rules treat differently.
    assert!(
        remembered > asked / 4 && mixed_verdicts > 30,
        "{remembered} of {asked} remembered, {mixed_verdicts} mixed"
    );
}

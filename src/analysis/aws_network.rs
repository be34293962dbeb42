//! AWS VPC reachability, hop by hop: route tables (explicit association, else the
//! VPC's main table; longest prefix wins), network ACLs (rule order, first match,
//! stateless so return traffic on ephemeral ports is checked too) and security
//! groups (stateful allow-lists by CIDR or group reference). Internet → asset,
//! load balancer → target and asset → asset paths all go through here; the
//! `NetworkModel` impl at the end is what the rest of the engine sees.

use rustc_hash::{FxHashMap, FxHashSet};

use auditgraph_model::aws::{
    InternetGateway, ListenerAction, NetworkAcl, Route, RouteTable, RouteTargetKind, SecurityGroup, SgPeer, SgRule,
    Subnet,
};
use auditgraph_model::net::{PortRange, RuleAction};
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes};
use ipnet::IpNet;

use rayon::prelude::*;

use super::addrs::AddrSet;
use super::anywhere::{covers_anywhere, Admitted};
use super::flows::{Flow, FlowSet, Match};
use super::network::{Link, NetworkKinds, NetworkModel, Networks, Placement};
use super::{short, Reach};
use crate::findings::{Hop, RuleLabel};
use crate::graph::AssetGraph;

/// Where an asset attaches to a VPC: its subnet, security groups and addresses.
#[derive(Clone, Debug)]
pub struct Endpoint<'g> {
    pub asset: &'g AssetId,
    pub subnet: &'g AssetId,
    pub security_groups: &'g [AssetId],
    /// Its private addresses (a whole subnet when the exact address is not known).
    pub private: AddrSet,
    /// Whether it has a public IPv4 address (public IP, Elastic IP, public endpoint).
    pub public_v4: bool,
    /// Its IPv6 addresses (globally routable, so reachable if rules allow).
    pub ipv6: AddrSet,
}

/// Hops already worked out from one source endpoint for one kind of traffic, by
/// what they depend on besides those: the destination's subnet and security groups,
/// and which CIDRs its addresses meet (`cidrs_met`).
pub struct HopMemo<'s, 'g> {
    src: &'s Endpoint<'g>,
    start: FlowSet,
    known: FxHashMap<DestinationClass<'g>, Option<(FlowSet, String, Vec<RuleLabel>)>>,
}

/// A destination's subnet, security groups and `cidrs_met`: all that a hop to it
/// depends on besides the source and the traffic.
type DestinationClass<'g> = (&'g AssetId, &'g [AssetId], u64);

impl<'s, 'g> HopMemo<'s, 'g> {
    pub fn new(src: &'s Endpoint<'g>, start: FlowSet) -> Self {
        HopMemo { src, start, known: FxHashMap::default() }
    }

    /// How many hops were worked out rather than remembered.
    pub fn evaluations(&self) -> usize {
        self.known.len()
    }
}

/// The kinds of asset that have network endpoints in a VPC, and those that open connections.
const KINDS: NetworkKinds = NetworkKinds {
    endpoints: &[
        AssetKind::AwsEc2Instance,
        AssetKind::AwsNetworkInterface,
        AssetKind::AwsRdsInstance,
        AssetKind::AwsRedshiftCluster,
        AssetKind::AwsElastiCacheCluster,
        AssetKind::AwsLoadBalancer,
    ],
    sources: &[AssetKind::AwsEc2Instance, AssetKind::AwsLoadBalancer],
};

/// The VPC network of every AWS account in the graph, indexed for hop lookups.
pub struct AwsNetwork<'g> {
    subnets: FxHashMap<&'g AssetId, &'g Subnet>,
    explicit_route_table: FxHashMap<&'g AssetId, (&'g AssetId, &'g RouteTable)>,
    main_route_table: FxHashMap<&'g AssetId, (&'g AssetId, &'g RouteTable)>,
    nacls: FxHashMap<&'g AssetId, (&'g AssetId, &'g NetworkAcl)>,
    security_groups: FxHashMap<&'g AssetId, &'g SecurityGroup>,
    gateways: FxHashMap<&'g AssetId, &'g InternetGateway>,
    graph: &'g AssetGraph,
    /// Each route table's routes with a destination, longest prefix first, labelled once.
    routes: FxHashMap<&'g AssetId, Vec<LabelledRoute<'g>>>,
    /// Each ACL's entries per direction ([inbound, outbound]), in rule order, labelled once.
    acl_entries: FxHashMap<&'g AssetId, [Vec<AclEntry>; 2]>,
    /// Each security group's rule labels: (ingress, egress).
    sg_labels: FxHashMap<&'g AssetId, (Vec<RuleLabel>, Vec<RuleLabel>)>,
}

/// The labelled rules of one route table, network ACL or security group.
enum Labelled<'g> {
    Routes(&'g AssetId, Vec<LabelledRoute<'g>>),
    Acl(&'g AssetId, [Vec<AclEntry>; 2]),
    SecurityGroup(&'g AssetId, Vec<RuleLabel>, Vec<RuleLabel>),
}

/// A route ready for longest-prefix matching, with its evidence label.
struct LabelledRoute<'g> {
    destination: IpNet,
    route: &'g Route,
    label: RuleLabel,
}

/// A network ACL entry ready for evaluation: its addresses parsed, its label written.
struct AclEntry {
    action: RuleAction,
    protocol: auditgraph_model::net::Protocol,
    ports: Option<PortRange>,
    addrs: AddrSet,
    label: RuleLabel,
    /// The label when the entry lets the replies of a flow through.
    reply_label: RuleLabel,
}

impl<'g> AwsNetwork<'g> {
    pub fn new(graph: &'g AssetGraph) -> Self {
        let mut net = AwsNetwork {
            subnets: FxHashMap::default(),
            explicit_route_table: FxHashMap::default(),
            main_route_table: FxHashMap::default(),
            nacls: FxHashMap::default(),
            security_groups: FxHashMap::default(),
            gateways: FxHashMap::default(),
            graph,
            routes: FxHashMap::default(),
            acl_entries: FxHashMap::default(),
            sg_labels: FxHashMap::default(),
        };
        use AssetKind::*;
        for a in graph.assets_of(&[AwsSubnet, AwsRouteTable, AwsNetworkAcl, AwsSecurityGroup, AwsInternetGateway]) {
            match &a.attributes {
                Attributes::AwsSubnet(s) => {
                    net.subnets.insert(&a.id, s);
                }
                Attributes::AwsRouteTable(rt) => {
                    for s in &rt.subnets {
                        net.explicit_route_table.insert(s, (&a.id, rt));
                    }
                    if rt.main {
                        net.main_route_table.insert(&rt.vpc, (&a.id, rt));
                    }
                }
                Attributes::AwsNetworkAcl(acl) => {
                    for s in &acl.subnets {
                        net.nacls.insert(s, (&a.id, acl));
                    }
                }
                Attributes::AwsSecurityGroup(sg) => {
                    net.security_groups.insert(&a.id, sg);
                }
                Attributes::AwsInternetGateway(igw) => {
                    net.gateways.insert(&a.id, igw);
                }
                _ => {}
            }
        }
        // Each rule's label is written once, on every core.
        let labelled: Vec<Labelled> = graph
            .assets_of(&[AwsRouteTable, AwsNetworkAcl, AwsSecurityGroup])
            .par_iter()
            .filter_map(|a| match &a.attributes {
                Attributes::AwsRouteTable(rt) => {
                    let mut routes: Vec<LabelledRoute> = rt
                        .routes
                        .iter()
                        .filter_map(|route| {
                            let destination = route.destination?;
                            let target = route.target.as_ref().map(|t| net.label(t)).unwrap_or_default();
                            let label = format!("route table {}: {destination} -> {target}", net.label(&a.id));
                            Some(LabelledRoute { destination, route, label: label.into() })
                        })
                        .collect();
                    routes.sort_by_key(|r| std::cmp::Reverse(r.destination.prefix_len()));
                    Some(Labelled::Routes(&a.id, routes))
                }
                Attributes::AwsNetworkAcl(acl) => {
                    let entries = [false, true].map(|egress| {
                        let mut v: Vec<_> = acl.entries.iter().filter(|e| e.egress == egress).collect();
                        v.sort_by_key(|e| e.rule_number);
                        v.into_iter()
                            .map(|e| {
                                let label = format!(
                                    "network ACL {} {} rule {} {} {}{} {}",
                                    net.label(&a.id),
                                    if egress { "outbound" } else { "inbound" },
                                    e.rule_number,
                                    if e.action == RuleAction::Allow { "allow" } else { "deny" },
                                    e.protocol,
                                    e.ports.map(|p| format!("/{p}")).unwrap_or_default(),
                                    e.cidr
                                );
                                AclEntry {
                                    action: e.action,
                                    protocol: e.protocol,
                                    ports: e.ports,
                                    addrs: AddrSet::net(&e.cidr),
                                    reply_label: format!("{label} (return traffic)").into(),
                                    label: label.into(),
                                }
                            })
                            .collect()
                    });
                    Some(Labelled::Acl(&a.id, entries))
                }
                Attributes::AwsSecurityGroup(sg) => {
                    let ingress = sg.ingress.iter().map(|r| net.sg_rule_label(&a.id, r, "ingress").into()).collect();
                    let egress = sg.egress.iter().map(|r| net.sg_rule_label(&a.id, r, "egress").into()).collect();
                    Some(Labelled::SecurityGroup(&a.id, ingress, egress))
                }
                _ => None,
            })
            .collect();
        for labels in labelled {
            match labels {
                Labelled::Routes(id, routes) => {
                    net.routes.insert(id, routes);
                }
                Labelled::Acl(id, entries) => {
                    net.acl_entries.insert(id, entries);
                }
                Labelled::SecurityGroup(id, ingress, egress) => {
                    net.sg_labels.insert(id, (ingress, egress));
                }
            }
        }
        net
    }

    pub fn vpc_of(&self, subnet: &AssetId) -> Option<&'g AssetId> {
        self.subnets.get(subnet).map(|s| &s.vpc)
    }

    /// Whether the subnet's route table sends 0.0.0.0/0 or ::/0 to an internet gateway.
    fn is_public_subnet(&self, subnet: &AssetId) -> bool {
        self.route_table(subnet).is_some_and(|(_, rt)| {
            rt.routes.iter().any(|r| {
                r.target_kind == RouteTargetKind::InternetGateway && r.destination.is_some_and(|d| d.prefix_len() == 0)
            })
        })
    }

    fn label(&self, id: &AssetId) -> String {
        match self.graph.asset(id).map(|a| a.name.as_str()) {
            Some(name) if !name.is_empty() && name != short(id) => format!("{} ({name})", short(id)),
            _ => short(id).to_string(),
        }
    }

    /// The network endpoints of an asset, if it attaches to a VPC.
    pub fn endpoints(&self, id: &'g AssetId) -> Vec<Endpoint<'g>> {
        self.graph.asset(id).map(|asset| self.endpoints_of(asset)).unwrap_or_default()
    }

    /// `endpoints` of an asset in hand; only assets of `ENDPOINT_KINDS` have any.
    pub fn endpoints_of(&self, asset: &'g Asset) -> Vec<Endpoint<'g>> {
        let id = &asset.id;
        match &asset.attributes {
            Attributes::AwsEc2Instance(i) => {
                let enis: Vec<Endpoint> =
                    i.network_interfaces.iter().filter_map(|eni| self.interface_endpoint(eni, id)).collect();
                if !enis.is_empty() {
                    return enis;
                }
                vec![Endpoint {
                    asset: id,
                    subnet: &i.subnet,
                    security_groups: &i.security_groups,
                    private: i.private_ip.map(AddrSet::addr).unwrap_or_default(),
                    public_v4: i.public_ip.is_some(),
                    ipv6: i.ipv6_addresses.iter().fold(AddrSet::empty(), |acc, a| acc.union(&AddrSet::addr(*a))),
                }]
            }
            Attributes::AwsNetworkInterface(_) => self.interface_endpoint(id, id).into_iter().collect(),
            Attributes::AwsRdsInstance(db) => {
                self.subnet_endpoints(id, &db.subnets, &db.security_groups, db.publicly_accessible)
            }
            Attributes::AwsRedshiftCluster(c) => {
                self.subnet_endpoints(id, &c.subnets, &c.security_groups, c.publicly_accessible)
            }
            // ElastiCache gives a cache no public address: it is reached from inside its VPC.
            Attributes::AwsElastiCacheCluster(c) => self.subnet_endpoints(id, &c.subnets, &c.security_groups, false),
            Attributes::AwsLoadBalancer(lb) => {
                self.subnet_endpoints(id, &lb.subnets, &lb.security_groups, lb.internet_facing)
            }
            _ => Vec::new(),
        }
    }

    /// One endpoint per subnet, for services (databases, load balancers) whose
    /// exact address in the subnet is not known.
    fn subnet_endpoints(
        &self,
        id: &'g AssetId,
        subnets: &'g [AssetId],
        security_groups: &'g [AssetId],
        public_v4: bool,
    ) -> Vec<Endpoint<'g>> {
        subnets
            .iter()
            .map(|s| Endpoint {
                asset: id,
                subnet: s,
                security_groups,
                private: self.subnets.get(s).map(|x| AddrSet::net(&x.cidr_block)).unwrap_or_default(),
                public_v4,
                ipv6: AddrSet::empty(),
            })
            .collect()
    }

    fn interface_endpoint(&self, eni: &'g AssetId, owner: &'g AssetId) -> Option<Endpoint<'g>> {
        let Attributes::AwsNetworkInterface(n) = &self.graph.asset(eni)?.attributes else { return None };
        Some(Endpoint {
            asset: owner,
            subnet: &n.subnet,
            security_groups: &n.security_groups,
            private: n.private_ips.iter().fold(AddrSet::empty(), |acc, a| acc.union(&AddrSet::addr(*a))),
            public_v4: n.public_ip.is_some(),
            ipv6: n.ipv6_addresses.iter().fold(AddrSet::empty(), |acc, a| acc.union(&AddrSet::addr(*a))),
        })
    }

    fn route_table(&self, subnet: &AssetId) -> Option<(&'g AssetId, &'g RouteTable)> {
        if let Some(&rt) = self.explicit_route_table.get(subnet) {
            return Some(rt);
        }
        self.main_route_table.get(self.vpc_of(subnet)?).copied()
    }

    /// The internet addresses whose traffic the subnet can answer: those whose
    /// longest-prefix route is an internet gateway attached to the subnet's VPC.
    fn internet_route(&self, subnet: &AssetId, sources: &AddrSet) -> (AddrSet, Vec<RuleLabel>) {
        let Some((rt_id, _)) = self.route_table(subnet) else { return (AddrSet::empty(), Vec::new()) };
        let vpc = self.vpc_of(subnet);
        let mut remaining = sources.clone();
        let mut reachable = AddrSet::empty();
        let mut used = Vec::new();
        for LabelledRoute { destination, route: r, label } in self.routes.get(rt_id).into_iter().flatten() {
            let covered = remaining.intersect(&AddrSet::net(destination));
            if covered.is_empty() {
                continue;
            }
            remaining = remaining.subtract(&covered);
            let attached = r.target.as_ref().is_some_and(|igw| match self.gateways.get(igw) {
                Some(g) => vpc.is_some_and(|v| g.vpcs.contains(v)),
                None => true, // the gateway is not in the inventory: trust the route
            });
            if r.target_kind == RouteTargetKind::InternetGateway && !r.blackhole && attached {
                reachable = reachable.union(&covered);
                used.push(label.clone());
            }
        }
        (reachable, used)
    }

    fn nacl(&self, subnet: &AssetId) -> Option<(&'g AssetId, &'g NetworkAcl)> {
        self.nacls.get(subnet).copied()
    }

    /// The ACL rules of one direction in evaluation order, as (action, match, label).
    /// `peer` decides what addresses a rule stands for: the source of inbound
    /// traffic, or "every source" when the rule's CIDR covers the destination.
    /// `replies` labels the rules as letting return traffic through.
    fn nacl_rules<'a>(
        &'a self,
        subnet: &AssetId,
        egress: bool,
        replies: bool,
        peer: &'a dyn Fn(&AddrSet) -> AddrSet,
    ) -> Option<impl Iterator<Item = (RuleAction, Match, RuleLabel)> + 'a> {
        let (id, _) = self.nacl(subnet)?;
        let entries = &self.acl_entries.get(id)?[usize::from(egress)];
        Some(entries.iter().map(move |e| {
            let label = if replies { &e.reply_label } else { &e.label };
            (e.action, Match { protocol: e.protocol, ports: e.ports, addrs: peer(&e.addrs) }, label.clone())
        }))
    }

    /// Traffic entering `subnet` from sources outside it: the inbound ACL on the
    /// service ports, and the outbound ACL for the replies on ephemeral ports.
    fn through_nacl_inbound(&self, subnet: &AssetId, flows: &FlowSet, rules_used: &mut Vec<RuleLabel>) -> FlowSet {
        let Some(inbound) = self.nacl_rules(subnet, false, false, &AddrSet::clone) else {
            return flows.clone(); // no ACL known for the subnet: nothing to filter on
        };
        let (allowed, used) = flows.first_match(inbound);
        rules_used.extend(used);
        let replies = FlowSet(allowed.0.iter().map(reply_to).collect());
        let outbound = self.nacl_rules(subnet, true, true, &AddrSet::clone).into_iter().flatten();
        let (returned, used) = replies.first_match(outbound);
        rules_used.extend(used);
        allowed.restrict_addrs(|p| returned.addrs_of(p))
    }

    /// Traffic leaving `subnet` towards `dest`: the outbound ACL on the service
    /// ports, and the inbound ACL for the replies from `dest` on ephemeral ports.
    fn through_nacl_outbound(
        &self,
        subnet: &AssetId,
        dest: &AddrSet,
        flows: &FlowSet,
        rules_used: &mut Vec<RuleLabel>,
    ) -> FlowSet {
        let covers_dest = |c: &AddrSet| if c.intersect(dest).is_empty() { AddrSet::empty() } else { AddrSet::all() };
        let Some(outbound) = self.nacl_rules(subnet, true, false, &covers_dest) else { return flows.clone() };
        let (allowed, used) = flows.first_match(outbound);
        rules_used.extend(used);
        // Replies come from the destination to an ephemeral port; keep a protocol
        // only if the inbound ACL admits its replies.
        let replies = FlowSet(allowed.0.iter().map(|f| Flow { addrs: AddrSet::all(), ..reply_to(f) }).collect());
        let inbound = self.nacl_rules(subnet, false, true, &covers_dest).into_iter().flatten();
        let (returned, used) = replies.first_match(inbound);
        rules_used.extend(used);
        allowed.restrict_addrs(|p| if returned.addrs_of(p).is_empty() { AddrSet::empty() } else { AddrSet::all() })
    }

    fn sg_rule_label(&self, sg: &AssetId, rule: &SgRule, direction: &str) -> String {
        let peer = match &rule.peer {
            SgPeer::Cidr(c) => c.to_string(),
            SgPeer::SecurityGroup(g) => self.label(g),
            SgPeer::PrefixList(p) => p.clone(),
        };
        format!(
            "security group {} {direction} {}{}{} {} {peer}",
            self.label(sg),
            rule.rule_id.as_deref().map(|r| format!("{r} ")).unwrap_or_default(),
            rule.protocol,
            rule.ports.map(|p| format!("/{p}")).unwrap_or_default(),
            if direction == "ingress" { "from" } else { "to" }
        )
    }

    /// What the endpoint's security groups admit: rules whose CIDR covers the
    /// sources, or that reference one of `peer_groups`.
    fn through_security_groups(
        &self,
        ep: &Endpoint,
        flows: &FlowSet,
        peer_groups: &[AssetId],
        rules_used: &mut Vec<RuleLabel>,
    ) -> FlowSet {
        let mut rules = Vec::new();
        for sg_id in ep.security_groups {
            let (Some(sg), Some((labels, _))) = (self.security_groups.get(sg_id), self.sg_labels.get(sg_id)) else {
                continue;
            };
            for (rule, label) in sg.ingress.iter().zip(labels) {
                let addrs = match &rule.peer {
                    SgPeer::Cidr(c) => AddrSet::net(c),
                    SgPeer::SecurityGroup(g) if peer_groups.contains(g) => AddrSet::all(),
                    _ => continue,
                };
                rules.push((Match { protocol: rule.protocol, ports: rule.ports, addrs }, label.clone()));
            }
        }
        let (allowed, used) = flows.allowed_by(rules);
        rules_used.extend(used);
        allowed
    }

    /// What the source's security groups let out towards `dest`.
    fn out_of_security_groups(
        &self,
        src: &Endpoint,
        dest: &Endpoint,
        flows: &FlowSet,
        rules_used: &mut Vec<RuleLabel>,
    ) -> FlowSet {
        let mut rules = Vec::new();
        for sg_id in src.security_groups {
            let (Some(sg), Some((_, labels))) = (self.security_groups.get(sg_id), self.sg_labels.get(sg_id)) else {
                continue;
            };
            for (rule, label) in sg.egress.iter().zip(labels) {
                let covers = match &rule.peer {
                    SgPeer::Cidr(c) => !AddrSet::net(c).intersect(&dest.private).is_empty(),
                    SgPeer::SecurityGroup(g) => dest.security_groups.contains(g),
                    SgPeer::PrefixList(_) => false,
                };
                if covers {
                    rules.push((
                        Match { protocol: rule.protocol, ports: rule.ports, addrs: AddrSet::all() },
                        label.clone(),
                    ));
                }
            }
        }
        let (allowed, used) = flows.allowed_by(rules);
        rules_used.extend(used);
        allowed
    }

    /// Internet → endpoint for traffic `start` (every port, or listener ports).
    pub fn from_internet(&self, ep: &Endpoint, start: &FlowSet) -> Option<(FlowSet, Vec<Hop>)> {
        let mut sources = AddrSet::internet();
        if !ep.public_v4 {
            sources = sources.only_v6();
        }
        if ep.ipv6.is_empty() {
            sources = sources.only_v4();
        }
        if sources.is_empty() {
            return None;
        }
        let (routed, route_rules) = self.internet_route(ep.subnet, &sources);
        if routed.is_empty() {
            return None;
        }
        let flows = start.restrict_addrs(|_| routed.clone());
        let mut acl_rules = Vec::new();
        let flows = self.through_nacl_inbound(ep.subnet, &flows, &mut acl_rules);
        if flows.is_empty() {
            return None;
        }
        let mut sg_rules = Vec::new();
        let flows = self.through_security_groups(ep, &flows, &[], &mut sg_rules).normalised();
        if flows.is_empty() {
            return None;
        }
        let ports = flows.port_labels().join(", ");
        let subnet = ep.subnet.clone();
        let hops = vec![
            Hop {
                from: AssetId::internet(),
                to: subnet.clone(),
                ports: ports.clone(),
                rules: [route_rules, acl_rules].concat(),
            },
            Hop { from: subnet, to: ep.asset.clone(), ports, rules: sg_rules },
        ];
        Some((flows, hops))
    }

    /// Endpoint → endpoint inside one VPC: the source's egress rules, the ACLs of
    /// both subnets when they differ, and the destination's ingress rules.
    pub fn between(&self, src: &Endpoint, dest: &Endpoint, start: &FlowSet) -> Option<(FlowSet, Hop)> {
        if src.asset == dest.asset || self.vpc_of(src.subnet)? != self.vpc_of(dest.subnet)? || src.private.is_empty() {
            return None;
        }
        let mut rules = Vec::new();
        let flows = start.restrict_addrs(|_| src.private.clone());
        let mut flows = self.out_of_security_groups(src, dest, &flows, &mut rules);
        if src.subnet != dest.subnet {
            flows = self.through_nacl_outbound(src.subnet, &dest.private, &flows, &mut rules);
            flows = self.through_nacl_inbound(dest.subnet, &flows, &mut rules);
        }
        let flows = self.through_security_groups(dest, &flows, src.security_groups, &mut rules).normalised();
        if flows.is_empty() {
            return None;
        }
        let hop = Hop { from: src.asset.clone(), to: dest.asset.clone(), ports: flows.port_labels().join(", "), rules };
        Some((flows, hop))
    }

    /// `between(memo.src, dest, memo.start)`, remembered in `memo`: destinations that
    /// differ only in what `between` does not read (their id, their addresses where
    /// no rule's CIDR tells them apart) share one evaluation. A load balancer's
    /// thousands of targets, or a VPC's databases, sit in a few subnets behind a few
    /// security groups.
    pub fn between_remembered(&self, memo: &mut HopMemo<'_, 'g>, dest: &Endpoint<'g>) -> Option<(FlowSet, Hop)> {
        let (src, start) = (memo.src, &memo.start);
        if src.asset == dest.asset {
            return None;
        }
        let Some(cidrs_met) = self.cidrs_met(src, dest) else { return self.between(src, dest, start) };
        let known = memo
            .known
            .entry((dest.subnet, dest.security_groups, cidrs_met))
            .or_insert_with(|| self.between(src, dest, start).map(|(flows, hop)| (flows, hop.ports, hop.rules)));
        known.as_ref().map(|(flows, ports, rules)| {
            let hop =
                Hop { from: src.asset.clone(), to: dest.asset.clone(), ports: ports.clone(), rules: rules.clone() };
            (flows.clone(), hop)
        })
    }

    /// All that `between` reads of the destination's addresses: whether they meet
    /// each CIDR of the source's egress rules and, across subnets, of the source
    /// subnet's network ACL, one bit per CIDR in a fixed order. `None` past 64 CIDRs.
    fn cidrs_met(&self, src: &Endpoint, dest: &Endpoint) -> Option<u64> {
        let egress_cidrs = src
            .security_groups
            .iter()
            .filter_map(|sg| self.security_groups.get(sg))
            .flat_map(|sg| &sg.egress)
            .filter_map(|rule| if let SgPeer::Cidr(c) = &rule.peer { Some(AddrSet::net(c)) } else { None });
        let acl_cidrs = (src.subnet != dest.subnet)
            .then(|| self.nacl(src.subnet).and_then(|(id, _)| self.acl_entries.get(id)))
            .flatten()
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.addrs.clone());
        let mut met = 0u64;
        for (i, cidr) in egress_cidrs.chain(acl_cidrs).enumerate() {
            if i == 64 {
                return None;
            }
            if !cidr.intersect(&dest.private).is_empty() {
                met |= 1 << i;
            }
        }
        Some(met)
    }

    /// Internet → load balancer listeners → target groups → targets.
    pub fn through_load_balancers(&self) -> Vec<Reach> {
        let balancers = self.graph.assets_of(&[AssetKind::AwsLoadBalancer]);
        // Load balancers are independent of each other: spread them over threads.
        balancers.par_iter().flat_map_iter(|lb_asset| self.through_load_balancer(lb_asset)).collect()
    }

    /// One load balancer: each forwarding listener the internet reaches, to each
    /// target its groups reach. The first subnet of the balancer that carries the
    /// traffic is the evidence.
    fn through_load_balancer(&self, lb_asset: &'g Asset) -> Vec<Reach> {
        let Attributes::AwsLoadBalancer(lb) = &lb_asset.attributes else { return Vec::new() };
        let mut out = Vec::new();
        let mut reached = FxHashSet::default();
        // A target is looked up once, whichever listeners and balancer subnets lead to it.
        let mut target_endpoints: FxHashMap<&AssetId, Vec<Endpoint>> = FxHashMap::default();
        for lb_ep in self.endpoints_of(lb_asset) {
            // One memo per target port: the traffic each target is asked about.
            let mut memos: FxHashMap<u16, HopMemo> = FxHashMap::default();
            for listener in &lb.listeners {
                let ListenerAction::Forward(groups) = &listener.default_action else { continue };
                let start = FlowSet::tcp(&[listener.port], &AddrSet::all());
                let Some((front, hops)) = self.from_internet(&lb_ep, &start) else { continue };
                let sources = front.all_addrs();
                for tg_id in groups {
                    let Some(Attributes::AwsTargetGroup(tg)) = self.graph.asset(tg_id).map(|a| &a.attributes) else {
                        continue;
                    };
                    let forward: RuleLabel = format!(
                        "listener {}:{} forwards to target group {}",
                        listener.protocol,
                        listener.port,
                        self.label(tg_id)
                    )
                    .into();
                    for target in &tg.targets {
                        if reached.contains(&(listener.port, &target.id, target.port)) {
                            continue;
                        }
                        let Some(mut hop) = target_endpoints
                            .entry(&target.id)
                            .or_insert_with(|| self.endpoints(&target.id))
                            .iter()
                            .find_map(|t_ep| {
                                let memo = memos.entry(target.port).or_insert_with(|| {
                                    HopMemo::new(&lb_ep, FlowSet::tcp(&[target.port], &AddrSet::all()))
                                });
                                self.between_remembered(memo, t_ep).map(|(_, hop)| hop)
                            })
                        else {
                            continue;
                        };
                        reached.insert((listener.port, &target.id, target.port));
                        hop.rules.insert(0, forward.clone());
                        let mut path = hops.clone();
                        path.push(hop);
                        out.push(Reach {
                            from: AssetId::internet(),
                            to: target.id.clone(),
                            via: Some(lb_asset.id.clone()),
                            flows: FlowSet::tcp(&[target.port], &sources),
                            hops: path,
                        });
                    }
                }
            }
        }
        out
    }
}

/// The reply to a flow: same protocol and peers, towards an ephemeral port.
fn reply_to(f: &Flow) -> Flow {
    Flow { ports: if f.protocol.has_ports() { PortRange::EPHEMERAL } else { PortRange::ALL }, ..f.clone() }
}

impl<'g> NetworkModel<'g> for AwsNetwork<'g> {
    fn kinds(&self) -> &'static NetworkKinds {
        &KINDS
    }

    fn networks_of(&self, asset: &'g Asset) -> Vec<&'g AssetId> {
        Networks::distinct(self.endpoints_of(asset).iter().filter_map(|ep| self.vpc_of(ep.subnet)))
    }

    fn reached_from_internet(&self, asset: &'g Asset) -> Vec<Reach> {
        // An interface attached to an instance is reached as that instance.
        if matches!(&asset.attributes, Attributes::AwsNetworkInterface(n) if n.attached_to.is_some()) {
            return Vec::new();
        }
        let any = FlowSet::any_from(&AddrSet::all());
        self.endpoints_of(asset)
            .iter()
            .filter_map(|ep| {
                let (flows, hops) = self.from_internet(ep, &any)?;
                Some(Reach { from: AssetId::internet(), to: asset.id.clone(), via: None, flows, hops })
            })
            .collect()
    }

    fn reached_through_intermediaries(&self) -> Vec<Reach> {
        self.through_load_balancers()
    }

    /// The first endpoint of `from` (in order) that reaches an endpoint of each
    /// destination gives the hop. Hops are remembered per source endpoint across
    /// the destinations, since many share subnets and security groups.
    fn links(&self, from: &'g Asset, to: &[&'g Asset]) -> Vec<Link> {
        let sources = self.endpoints_of(from);
        let mut memos: Vec<HopMemo> =
            sources.iter().map(|src| HopMemo::new(src, FlowSet::any_from(&AddrSet::all()))).collect();
        to.iter()
            .map(|dest| {
                let dests = self.endpoints_of(dest);
                for memo in &mut memos {
                    for d in &dests {
                        if let Some((flows, hop)) = self.between_remembered(memo, d) {
                            return Link::Reaches(flows, hop);
                        }
                    }
                }
                Link::Blocked
            })
            .collect()
    }

    fn admitted_on_its_own(&self, asset: &'g Asset) -> Option<Admitted> {
        let from_internet = FlowSet::any_from(&AddrSet::internet());
        let (flows, rules) = match &asset.attributes {
            Attributes::AwsSecurityGroup(sg) => {
                let (labels, _) = self.sg_labels.get(&asset.id)?;
                let mut unresolved = Vec::new();
                let mut rules = Vec::new();
                for (rule, label) in sg.ingress.iter().zip(labels) {
                    match &rule.peer {
                        SgPeer::Cidr(c) => rules.push((
                            Match { protocol: rule.protocol, ports: rule.ports, addrs: AddrSet::net(c) },
                            label.clone(),
                        )),
                        SgPeer::PrefixList(_) => unresolved.push((rule.protocol, rule.ports, label.clone())),
                        // Another group's members are hosts of the estate, not the internet.
                        SgPeer::SecurityGroup(_) => {}
                    }
                }
                let (flows, _) = from_internet.allowed_by(rules.iter().cloned());
                let anywhere = rules.into_iter().filter(|(m, _)| covers_anywhere(&m.addrs)).map(|(_, l)| l).collect();
                return Some(Admitted { flows, from_anywhere: anywhere, unresolved });
            }
            Attributes::AwsNetworkAcl(_) => {
                let [inbound, _] = self.acl_entries.get(&asset.id)?;
                let rules: Vec<(RuleAction, Match, RuleLabel)> = inbound
                    .iter()
                    .map(|e| {
                        (
                            e.action,
                            Match { protocol: e.protocol, ports: e.ports, addrs: e.addrs.clone() },
                            e.label.clone(),
                        )
                    })
                    .collect();
                (from_internet.first_match(rules.iter().cloned()).0, rules)
            }
            _ => return None,
        };
        let from_anywhere = rules
            .into_iter()
            .filter(|(action, m, _)| *action == RuleAction::Allow && covers_anywhere(&m.addrs))
            .map(|(_, _, label)| label)
            .collect();
        Some(Admitted { flows, from_anywhere, unresolved: Vec::new() })
    }

    fn rule_key(&self, asset: &'g Asset) -> String {
        match &asset.attributes {
            Attributes::AwsEc2Instance(i) => {
                i.security_groups.iter().map(AssetId::as_str).collect::<Vec<_>>().join(",")
            }
            _ => String::new(),
        }
    }

    fn placement(&self, asset: &'g Asset) -> Option<Placement> {
        // A database or load balancer spans the subnets of its group: drawn in a
        // container for that group (public when any of them routes to the internet).
        let (vpc, subnets): (&AssetId, &[AssetId]) = match &asset.attributes {
            Attributes::AwsEc2Instance(i) => (self.vpc_of(&i.subnet)?, std::slice::from_ref(&i.subnet)),
            Attributes::AwsNatGateway(n) => (self.vpc_of(&n.subnet)?, std::slice::from_ref(&n.subnet)),
            Attributes::AwsRdsInstance(d) => (&d.vpc, &d.subnets),
            Attributes::AwsRedshiftCluster(c) => (&c.vpc, &c.subnets),
            Attributes::AwsElastiCacheCluster(c) => (c.vpc.as_ref()?, &c.subnets),
            Attributes::AwsLoadBalancer(l) => (&l.vpc, &l.subnets),
            Attributes::AwsInternetGateway(g) => (g.vpcs.first()?, &[]),
            _ => return None,
        };
        let network_label = match self.graph.asset(vpc) {
            Some(a) => match &a.attributes {
                Attributes::AwsVpc(v) => {
                    let cidrs: Vec<String> = v.cidr_blocks.iter().map(ToString::to_string).collect();
                    format!("VPC {} {}", a.name, cidrs.join(" "))
                }
                _ => format!("network {}", a.name),
            },
            None => format!("network {}", short(vpc)),
        };
        let describe = |s: &AssetId| match (self.graph.asset(s), self.subnets.get(s)) {
            (Some(a), Some(sub)) => format!("{} {}", a.name, sub.cidr_block),
            _ => short(s).to_string(),
        };
        let subnet = match subnets {
            [] => None,
            [s] => {
                let public = self.is_public_subnet(s);
                let label = match self.subnets.get(s) {
                    Some(_) => format!("{} subnet {}", if public { "public" } else { "private" }, describe(s)),
                    None => format!("subnet {}", short(s)),
                };
                Some((s.clone(), label, public))
            }
            many => {
                let public = many.iter().any(|s| self.is_public_subnet(s));
                let names: Vec<String> = many.iter().map(describe).collect();
                let ids: Vec<&str> = many.iter().map(AssetId::as_str).collect();
                let label = format!("{} subnets {}", if public { "public" } else { "private" }, names.join(", "));
                Some((AssetId::new(ids.join("+")), label, public))
            }
        };
        Some(Placement { network: (vpc.clone(), network_label), subnet })
    }
}

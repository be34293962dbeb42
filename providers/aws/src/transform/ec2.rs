//! EC2 and VPC resources to model assets: the network (VPCs, subnets, routes,
//! gateways, ACLs, security groups, peering) and what sits in it (interfaces,
//! instances, volumes, snapshots).

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use auditgraph_model::aws::{self, NaclEntry, Route, RouteTargetKind, SgPeer, SgRule};
use auditgraph_model::net::{IpNet, PortRange, Protocol, RuleAction};
use auditgraph_model::{AssetId, Attributes};
use aws_sdk_ec2::types::{IpPermission, SecurityGroupRule, Tag};

use super::{name_or, tags, Out};
use crate::arn::{ec2_arn, kms_key};
use crate::get::ec2::Ec2Data;

fn ec2_tags(list: &[Tag]) -> std::collections::BTreeMap<String, String> {
    tags(list.iter().map(|t| (t.key(), t.value())))
}

/// Builds the ids of one account's EC2 resources in one region.
struct Ids<'a> {
    region: &'a str,
    account: &'a str,
}

impl Ids<'_> {
    fn of(&self, resource_type: &str, id: &str) -> AssetId {
        AssetId::new(ec2_arn(self.region, self.account, resource_type, id))
    }

    fn opt(&self, resource_type: &str, id: Option<&str>) -> Option<AssetId> {
        id.filter(|i| !i.is_empty()).map(|i| self.of(resource_type, i))
    }
}

fn parse<T: std::str::FromStr>(s: Option<&str>) -> Option<T> {
    s.and_then(|s| s.parse().ok())
}

pub fn transform(out: &mut Out, d: &Ec2Data, region: &str, profiles: &HashMap<String, String>) {
    let account = out.account.clone();
    let ids = Ids { region, account: &account };
    let r = Some(region);

    for v in d.vpcs.iter().flatten() {
        let id = v.vpc_id().unwrap_or_default();
        let mut cidrs: Vec<IpNet> =
            v.cidr_block_association_set().iter().filter_map(|c| parse(c.cidr_block())).collect();
        if cidrs.is_empty() {
            cidrs.extend(parse::<IpNet>(v.cidr_block()));
        }
        let ipv6 = v.ipv6_cidr_block_association_set().iter().filter_map(|c| parse(c.ipv6_cidr_block())).collect();
        let t = ec2_tags(v.tags());
        let flow_logs = d
            .flow_logs
            .as_ref()
            .map(|logs| logs.iter().any(|l| l.resource_id() == Some(id) && l.flow_log_status() == Some("ACTIVE")));
        let attrs = aws::Vpc {
            cidr_blocks: cidrs,
            ipv6_cidr_blocks: ipv6,
            is_default: v.is_default().unwrap_or(false),
            flow_logs,
        };
        out.add(ids.of("vpc", id), name_or(&t, id), r, t, Attributes::AwsVpc(attrs));
    }

    for s in d.subnets.iter().flatten() {
        let (Some(id), Some(cidr)) = (s.subnet_id(), parse(s.cidr_block())) else { continue };
        let t = ec2_tags(s.tags());
        let attrs = aws::Subnet {
            vpc: ids.of("vpc", s.vpc_id().unwrap_or_default()),
            cidr_block: cidr,
            ipv6_cidr_block: s.ipv6_cidr_block_association_set().iter().find_map(|c| parse(c.ipv6_cidr_block())),
            availability_zone: s.availability_zone().map(str::to_string),
            map_public_ip_on_launch: s.map_public_ip_on_launch(),
        };
        out.add(ids.of("subnet", id), name_or(&t, id), r, t, Attributes::AwsSubnet(attrs));
    }

    for rt in d.route_tables.iter().flatten() {
        let id = rt.route_table_id().unwrap_or_default();
        let t = ec2_tags(rt.tags());
        let attrs = aws::RouteTable {
            vpc: ids.of("vpc", rt.vpc_id().unwrap_or_default()),
            main: rt.associations().iter().any(|a| a.main() == Some(true)),
            subnets: rt.associations().iter().filter_map(|a| ids.opt("subnet", a.subnet_id())).collect(),
            routes: rt.routes().iter().map(|route| self::route(route, &ids)).collect(),
        };
        out.add(ids.of("route-table", id), name_or(&t, id), r, t, Attributes::AwsRouteTable(attrs));
    }

    for g in d.internet_gateways.iter().flatten() {
        let id = g.internet_gateway_id().unwrap_or_default();
        let t = ec2_tags(g.tags());
        let vpcs = g.attachments().iter().filter_map(|a| ids.opt("vpc", a.vpc_id())).collect();
        let attrs = aws::InternetGateway { vpcs };
        out.add(ids.of("internet-gateway", id), name_or(&t, id), r, t, Attributes::AwsInternetGateway(attrs));
    }

    for g in d.nat_gateways.iter().flatten() {
        let (Some(id), Some(subnet)) = (g.nat_gateway_id(), g.subnet_id()) else { continue };
        if g.state().is_some_and(|s| matches!(s.as_str(), "deleted" | "deleting" | "failed")) {
            continue;
        }
        let t = ec2_tags(g.tags());
        let public_ip = g.nat_gateway_addresses().iter().find_map(|a| parse(a.public_ip()));
        let attrs = aws::NatGateway { subnet: ids.of("subnet", subnet), public_ip };
        out.add(ids.of("natgateway", id), name_or(&t, id), r, t, Attributes::AwsNatGateway(attrs));
    }

    for acl in d.network_acls.iter().flatten() {
        let id = acl.network_acl_id().unwrap_or_default();
        let t = ec2_tags(acl.tags());
        let entries = acl
            .entries()
            .iter()
            .filter_map(|e| {
                let cidr = parse(e.cidr_block()).or_else(|| parse(e.ipv6_cidr_block()))?;
                let protocol: Protocol = parse(e.protocol())?;
                let ports = e.port_range().filter(|_| protocol.has_ports()).and_then(|p| port_range(p.from(), p.to()));
                Some(NaclEntry {
                    rule_number: u16::try_from(e.rule_number()?).ok()?,
                    egress: e.egress().unwrap_or(false),
                    action: if e.rule_action().is_some_and(|a| a.as_str() == "allow") {
                        RuleAction::Allow
                    } else {
                        RuleAction::Deny
                    },
                    protocol,
                    ports,
                    cidr,
                })
            })
            .collect();
        let attrs = aws::NetworkAcl {
            vpc: ids.of("vpc", acl.vpc_id().unwrap_or_default()),
            is_default: acl.is_default().unwrap_or(false),
            subnets: acl.associations().iter().filter_map(|a| ids.opt("subnet", a.subnet_id())).collect(),
            entries,
        };
        out.add(ids.of("network-acl", id), name_or(&t, id), r, t, Attributes::AwsNetworkAcl(attrs));
    }

    let rule_ids = RuleIds::new(d.security_group_rules.as_deref().unwrap_or_default());
    for sg in d.security_groups.iter().flatten() {
        let (Some(id), Some(vpc)) = (sg.group_id(), sg.vpc_id()) else { continue };
        let t = ec2_tags(sg.tags());
        let name = sg.group_name().unwrap_or(id).to_string();
        let attrs = aws::SecurityGroup {
            vpc: ids.of("vpc", vpc),
            group_name: name.clone(),
            description: sg.description().unwrap_or_default().to_string(),
            ingress: sg_rules(sg.ip_permissions(), &ids, &rule_ids, id, false),
            egress: sg_rules(sg.ip_permissions_egress(), &ids, &rule_ids, id, true),
        };
        out.add(ids.of("security-group", id), name_or(&t, &name), r, t, Attributes::AwsSecurityGroup(attrs));
    }

    // Elastic IPs, for interfaces whose own description does not carry them.
    let elastic_ips: HashMap<&str, IpAddr> =
        d.addresses.iter().flatten().filter_map(|a| Some((a.network_interface_id()?, parse(a.public_ip())?))).collect();

    // Security groups given on an interface at launch may be missing from the
    // instance's own list: an instance is governed by its interfaces' groups.
    let mut interface_groups: HashMap<&str, Vec<AssetId>> = HashMap::new();
    for eni in d.network_interfaces.iter().flatten() {
        let (Some(id), Some(subnet)) = (eni.network_interface_id(), eni.subnet_id()) else { continue };
        let groups: Vec<AssetId> =
            eni.groups().iter().filter_map(|g| ids.opt("security-group", g.group_id())).collect();
        interface_groups.insert(id, groups.clone());
        let t = ec2_tags(eni.tag_set());
        let public_ip = eni
            .association()
            .and_then(|a| parse(a.public_ip()))
            .or_else(|| {
                eni.private_ip_addresses().iter().find_map(|p| p.association().and_then(|a| parse(a.public_ip())))
            })
            .or_else(|| elastic_ips.get(id).copied());
        let attrs = aws::NetworkInterface {
            subnet: ids.of("subnet", subnet),
            private_ips: eni.private_ip_addresses().iter().filter_map(|p| parse(p.private_ip_address())).collect(),
            public_ip,
            ipv6_addresses: eni.ipv6_addresses().iter().filter_map(|a| parse(a.ipv6_address())).collect(),
            security_groups: groups,
            attached_to: eni.attachment().and_then(|a| ids.opt("instance", a.instance_id())),
            interface_type: eni.interface_type().map(|t| t.as_str().to_string()),
        };
        out.add(ids.of("network-interface", id), name_or(&t, id), r, t, Attributes::AwsNetworkInterface(attrs));
    }

    for i in d.instances.iter().flatten() {
        let (Some(id), Some(subnet)) = (i.instance_id(), i.subnet_id()) else { continue };
        let state = i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()).unwrap_or_default();
        if state == "terminated" {
            continue;
        }
        let t = ec2_tags(i.tags());
        let mut groups: BTreeSet<AssetId> =
            i.security_groups().iter().filter_map(|g| ids.opt("security-group", g.group_id())).collect();
        for eni in i.network_interfaces() {
            groups.extend(eni.groups().iter().filter_map(|g| ids.opt("security-group", g.group_id())));
            if let Some(listed) = eni.network_interface_id().and_then(|e| interface_groups.get(e)) {
                groups.extend(listed.iter().cloned());
            }
        }
        let instance_role = i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .and_then(|arn| profiles.get(arn))
            .map(|role| AssetId::new(role.clone()));
        let attrs = aws::Ec2Instance {
            state,
            instance_type: i.instance_type().map(|t| t.as_str().to_string()),
            image_id: i.image_id().map(str::to_string),
            subnet: ids.of("subnet", subnet),
            private_ip: parse(i.private_ip_address()),
            public_ip: parse(i.public_ip_address()),
            ipv6_addresses: i
                .network_interfaces()
                .iter()
                .flat_map(|e| e.ipv6_addresses())
                .filter_map(|a| parse(a.ipv6_address()))
                .collect(),
            security_groups: groups.into_iter().collect(),
            network_interfaces: i
                .network_interfaces()
                .iter()
                .filter_map(|e| ids.opt("network-interface", e.network_interface_id()))
                .collect(),
            instance_role,
            imdsv2_required: i.metadata_options().and_then(|m| m.http_tokens()).map(|t| t.as_str() == "required"),
        };
        out.add(ids.of("instance", id), name_or(&t, id), r, t, Attributes::AwsEc2Instance(attrs));
    }

    for v in d.volumes.iter().flatten() {
        let Some(id) = v.volume_id() else { continue };
        let t = ec2_tags(v.tags());
        let attrs = aws::EbsVolume {
            size_gib: v.size().and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
            encrypted: v.encrypted().unwrap_or(false),
            kms_key: v.kms_key_id().map(|k| kms_key(k, region, &account)),
            attached_to: v.attachments().iter().filter_map(|a| ids.opt("instance", a.instance_id())).collect(),
        };
        out.add(ids.of("volume", id), name_or(&t, id), r, t, Attributes::AwsEbsVolume(attrs));
    }

    for (s, public) in d.snapshots.iter().flatten() {
        let Some(id) = s.snapshot_id() else { continue };
        let t = ec2_tags(s.tags());
        let attrs = aws::EbsSnapshot {
            volume: ids.opt("volume", s.volume_id()).filter(|_| s.volume_id() != Some("vol-ffffffff")),
            size_gib: s.volume_size().and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
            encrypted: s.encrypted().unwrap_or(false),
            kms_key: s.kms_key_id().map(|k| kms_key(k, region, &account)),
            public: *public,
        };
        out.add(ids.of("snapshot", id), name_or(&t, id), r, t, Attributes::AwsEbsSnapshot(attrs));
    }

    for p in d.peerings.iter().flatten() {
        let Some(id) = p.vpc_peering_connection_id() else { continue };
        let status = p.status().and_then(|s| s.code()).map(|c| c.as_str().to_string()).unwrap_or_default();
        if matches!(status.as_str(), "deleted" | "rejected" | "failed" | "expired") {
            continue;
        }
        let side = |info: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>| {
            let info = info?;
            let vpc_region = info.region().unwrap_or(region);
            let owner = info.owner_id().unwrap_or(&account);
            Some(AssetId::new(ec2_arn(vpc_region, owner, "vpc", info.vpc_id()?)))
        };
        let (Some(requester_vpc), Some(accepter_vpc)) = (side(p.requester_vpc_info()), side(p.accepter_vpc_info()))
        else {
            continue;
        };
        let t = ec2_tags(p.tags());
        let attrs = aws::VpcPeering { requester_vpc, accepter_vpc, status };
        out.add(ids.of("vpc-peering-connection", id), name_or(&t, id), r, t, Attributes::AwsVpcPeering(attrs));
    }
}

fn route(route: &aws_sdk_ec2::types::Route, ids: &Ids) -> Route {
    let gateway = route.gateway_id().unwrap_or_default();
    let (target_kind, target) = if gateway == "local" {
        (RouteTargetKind::Local, None)
    } else if let Some(nat) = route.nat_gateway_id() {
        (RouteTargetKind::NatGateway, Some(ids.of("natgateway", nat)))
    } else if let Some(peering) = route.vpc_peering_connection_id() {
        (RouteTargetKind::VpcPeering, Some(ids.of("vpc-peering-connection", peering)))
    } else if let Some(tgw) = route.transit_gateway_id() {
        (RouteTargetKind::TransitGateway, Some(ids.of("transit-gateway", tgw)))
    } else if let Some(eigw) = route.egress_only_internet_gateway_id() {
        (RouteTargetKind::EgressOnlyInternetGateway, Some(ids.of("egress-only-internet-gateway", eigw)))
    } else if gateway.starts_with("igw-") {
        (RouteTargetKind::InternetGateway, Some(ids.of("internet-gateway", gateway)))
    } else if gateway.starts_with("vgw-") {
        (RouteTargetKind::VirtualPrivateGateway, Some(ids.of("vpn-gateway", gateway)))
    } else if gateway.starts_with("vpce-") {
        (RouteTargetKind::VpcEndpoint, Some(ids.of("vpc-endpoint", gateway)))
    } else if let Some(instance) = route.instance_id() {
        (RouteTargetKind::Instance, Some(ids.of("instance", instance)))
    } else if let Some(eni) = route.network_interface_id() {
        (RouteTargetKind::NetworkInterface, Some(ids.of("network-interface", eni)))
    } else {
        (RouteTargetKind::Other, None)
    };
    Route {
        destination: parse(route.destination_cidr_block()).or_else(|| parse(route.destination_ipv6_cidr_block())),
        destination_prefix_list: route.destination_prefix_list_id().map(str::to_string),
        target_kind,
        target,
        blackhole: route.state().is_some_and(|s| s.as_str() == "blackhole"),
    }
}

/// A port range from the API's `from`/`to`; `-1` or a missing bound means every port.
fn port_range(from: Option<i32>, to: Option<i32>) -> Option<PortRange> {
    let from = u16::try_from(from?).ok()?;
    let to = u16::try_from(to?).ok()?;
    (from, to).ne(&(0, 65535)).then_some(PortRange { from, to })
}

/// The ids AWS gives security group rules (`sgr-...`), found by what the rule says:
/// group, direction, protocol, ports and peer.
struct RuleIds(HashMap<(String, bool, String, i32, i32, String), String>);

impl RuleIds {
    fn new(rules: &[SecurityGroupRule]) -> Self {
        RuleIds(
            rules
                .iter()
                .filter_map(|r| {
                    let peer = r
                        .cidr_ipv4()
                        .or(r.cidr_ipv6())
                        .or(r.prefix_list_id())
                        .or(r.referenced_group_info().and_then(|g| g.group_id()))?;
                    let key = (
                        r.group_id()?.to_string(),
                        r.is_egress()?,
                        r.ip_protocol()?.to_string(),
                        r.from_port().unwrap_or(-1),
                        r.to_port().unwrap_or(-1),
                        peer.to_string(),
                    );
                    Some((key, r.security_group_rule_id()?.to_string()))
                })
                .collect(),
        )
    }

    fn find(&self, group: &str, egress: bool, p: &IpPermission, peer: &str) -> Option<String> {
        let key = (
            group.to_string(),
            egress,
            p.ip_protocol().unwrap_or_default().to_string(),
            p.from_port().unwrap_or(-1),
            p.to_port().unwrap_or(-1),
            peer.to_string(),
        );
        self.0.get(&key).cloned()
    }
}

/// One model rule per peer of each permission.
fn sg_rules(permissions: &[IpPermission], ids: &Ids, rule_ids: &RuleIds, group: &str, egress: bool) -> Vec<SgRule> {
    let mut rules = Vec::new();
    for p in permissions {
        let Some(protocol) = parse::<Protocol>(p.ip_protocol()) else { continue };
        let ports = if protocol.has_ports() { port_range(p.from_port(), p.to_port()) } else { None };
        // (peer, how the API writes the peer, description)
        let mut peers: Vec<(SgPeer, &str, Option<&str>)> = Vec::new();
        peers.extend(p.ip_ranges().iter().filter_map(|r| {
            let cidr = r.cidr_ip()?;
            Some((SgPeer::Cidr(cidr.parse().ok()?), cidr, r.description()))
        }));
        peers.extend(p.ipv6_ranges().iter().filter_map(|r| {
            let cidr = r.cidr_ipv6()?;
            Some((SgPeer::Cidr(cidr.parse().ok()?), cidr, r.description()))
        }));
        peers.extend(p.user_id_group_pairs().iter().filter_map(|g| {
            let owner = g.user_id().unwrap_or(ids.account);
            let peer_group = g.group_id()?;
            let id = AssetId::new(ec2_arn(ids.region, owner, "security-group", peer_group));
            Some((SgPeer::SecurityGroup(id), peer_group, g.description()))
        }));
        peers.extend(p.prefix_list_ids().iter().filter_map(|l| {
            let list = l.prefix_list_id()?;
            Some((SgPeer::PrefixList(list.to_string()), list, l.description()))
        }));
        for (peer, written, description) in peers {
            rules.push(SgRule {
                rule_id: rule_ids.find(group, egress, p, written),
                protocol,
                ports,
                peer,
                description: description.map(str::to_string),
            });
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_follow_the_api_conventions() {
        assert_eq!(port_range(Some(22), Some(22)), Some(PortRange::single(22)));
        assert_eq!(port_range(Some(-1), Some(-1)), None);
        assert_eq!(port_range(Some(0), Some(65535)), None);
        assert_eq!(port_range(Some(1024), Some(2048)), Some(PortRange { from: 1024, to: 2048 }));
    }

    #[test]
    fn routes_name_their_targets() {
        let ids = Ids { region: "eu-west-1", account: "111111111111" };
        let igw = aws_sdk_ec2::types::Route::builder().destination_cidr_block("0.0.0.0/0").gateway_id("igw-1").build();
        let r = route(&igw, &ids);
        assert_eq!(r.target_kind, RouteTargetKind::InternetGateway);
        assert_eq!(r.target.unwrap().as_str(), "arn:aws:ec2:eu-west-1:111111111111:internet-gateway/igw-1");
        let local =
            aws_sdk_ec2::types::Route::builder().destination_cidr_block("10.0.0.0/16").gateway_id("local").build();
        assert_eq!(route(&local, &ids).target_kind, RouteTargetKind::Local);
    }
}

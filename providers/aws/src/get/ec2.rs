//! EC2 and VPC, per region: VPCs, subnets, route tables, internet and NAT gateways,
//! network ACLs, security groups, network interfaces, instances, EBS volumes and
//! snapshots (with who may restore them), Elastic IPs and VPC peering connections.

use aws_sdk_ec2::types::{
    Address, Instance, InternetGateway, NatGateway, NetworkAcl, NetworkInterface, RouteTable, SecurityGroup, Snapshot,
    SnapshotAttributeName, Subnet, Volume, Vpc, VpcPeeringConnection,
};
use aws_sdk_ec2::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder};

/// Each list is `None` when its call failed (a coverage gap says why).
#[derive(Default)]
pub struct Ec2Data {
    pub vpcs: Option<Vec<Vpc>>,
    pub subnets: Option<Vec<Subnet>>,
    pub route_tables: Option<Vec<RouteTable>>,
    pub internet_gateways: Option<Vec<InternetGateway>>,
    pub nat_gateways: Option<Vec<NatGateway>>,
    pub network_acls: Option<Vec<NetworkAcl>>,
    pub security_groups: Option<Vec<SecurityGroup>>,
    pub network_interfaces: Option<Vec<NetworkInterface>>,
    pub instances: Option<Vec<Instance>>,
    pub volumes: Option<Vec<Volume>>,
    /// Snapshots the account owns, each with whether anyone may restore it
    /// (`None`: its permissions could not be read).
    pub snapshots: Option<Vec<(Snapshot, Option<bool>)>>,
    pub addresses: Option<Vec<Address>>,
    pub peerings: Option<Vec<VpcPeeringConnection>>,
}

pub async fn read(rec: &Recorder, ec2: &Client, region: &str) -> Ec2Data {
    let api = |name| Api::new("ec2", name).in_region(region);
    let (vpcs, subnets, route_tables, internet_gateways, nat_gateways, network_acls, security_groups) = tokio::join!(
        rec.call(api("DescribeVpcs"), all_pages!(ec2.describe_vpcs())),
        rec.call(api("DescribeSubnets"), all_pages!(ec2.describe_subnets())),
        rec.call(api("DescribeRouteTables"), all_pages!(ec2.describe_route_tables())),
        rec.call(api("DescribeInternetGateways"), all_pages!(ec2.describe_internet_gateways())),
        rec.call(api("DescribeNatGateways"), all_pages!(ec2.describe_nat_gateways())),
        rec.call(api("DescribeNetworkAcls"), all_pages!(ec2.describe_network_acls())),
        rec.call(api("DescribeSecurityGroups"), all_pages!(ec2.describe_security_groups())),
    );
    let (network_interfaces, instances, volumes, snapshots, addresses, peerings) = tokio::join!(
        rec.call(api("DescribeNetworkInterfaces"), all_pages!(ec2.describe_network_interfaces())),
        instances(rec, ec2, region),
        rec.call(api("DescribeVolumes"), all_pages!(ec2.describe_volumes())),
        snapshots(rec, ec2, region),
        rec.call(api("DescribeAddresses"), async { ec2.describe_addresses().send().await.map(|o| o.addresses) }),
        rec.call(api("DescribeVpcPeeringConnections"), all_pages!(ec2.describe_vpc_peering_connections())),
    );
    Ec2Data {
        vpcs,
        subnets,
        route_tables,
        internet_gateways,
        nat_gateways,
        network_acls,
        security_groups,
        network_interfaces,
        instances,
        volumes,
        snapshots,
        addresses: addresses.map(Option::unwrap_or_default),
        peerings,
    }
}

async fn instances(rec: &Recorder, ec2: &Client, region: &str) -> Option<Vec<Instance>> {
    let reservations = rec
        .call(Api::new("ec2", "DescribeInstances").in_region(region), all_pages!(ec2.describe_instances()))
        .await?;
    Some(reservations.into_iter().flat_map(|r| r.instances.unwrap_or_default()).collect())
}

/// The account's own snapshots, and for each whether `createVolumePermission`
/// grants the group `all`.
async fn snapshots(rec: &Recorder, ec2: &Client, region: &str) -> Option<Vec<(Snapshot, Option<bool>)>> {
    let list = rec
        .call(
            Api::new("ec2", "DescribeSnapshots").in_region(region),
            all_pages!(ec2.describe_snapshots().owner_ids("self")),
        )
        .await?;
    let public = join_all(list.iter().map(|s| async move {
        let id = s.snapshot_id().unwrap_or_default();
        let resource = auditgraph_model::AssetId::new(crate::transform::ec2_arn(
            region,
            s.owner_id().unwrap_or_default(),
            "snapshot",
            id,
        ));
        let api = Api::new("ec2", "DescribeSnapshotAttribute").in_region(region).on(&resource);
        let request =
            ec2.describe_snapshot_attribute().snapshot_id(id).attribute(SnapshotAttributeName::CreateVolumePermission);
        let out = rec.call(api, request.send()).await?;
        Some(out.create_volume_permissions().iter().any(|p| p.group().is_some_and(|g| g.as_str() == "all")))
    }))
    .await;
    Some(list.into_iter().zip(public).collect())
}

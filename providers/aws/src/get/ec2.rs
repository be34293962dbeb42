//! EC2 and VPC, per region: VPCs, subnets, route tables, internet and NAT gateways,
//! network ACLs, security groups, network interfaces, instances, EBS volumes and
//! snapshots (with who may restore them), Elastic IPs, VPC peering connections, flow logs, and
//! whether the region encrypts new volumes by default.

use auditgraph_model::AssetId;
use aws_sdk_ec2::types::{
    Address, FlowLog, Instance, InternetGateway, NatGateway, NetworkAcl, NetworkInterface, RouteTable, SecurityGroup,
    SecurityGroupRule, Snapshot, SnapshotAttributeName, Subnet, Volume, Vpc, VpcPeeringConnection,
};
use aws_sdk_ec2::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

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
    /// The same rules one by one, with the ids (`sgr-...`) findings cite.
    pub security_group_rules: Option<Vec<SecurityGroupRule>>,
    pub network_interfaces: Option<Vec<NetworkInterface>>,
    pub instances: Option<Vec<Instance>>,
    pub volumes: Option<Vec<Volume>>,
    /// Snapshots the account owns, each with whether anyone may restore it
    /// (`None`: its permissions could not be read).
    pub snapshots: Option<Vec<(Snapshot, Option<bool>)>>,
    pub addresses: Option<Vec<Address>>,
    pub peerings: Option<Vec<VpcPeeringConnection>>,
    pub flow_logs: Option<Vec<FlowLog>>,
    /// Whether new volumes in the region are encrypted by default.
    pub ebs_encryption_by_default: Option<bool>,
}

/// Reads one region's EC2 resources; `account` is the account's asset, which the
/// region's account-wide settings (EBS encryption by default) belong to.
pub async fn read(rec: &Recorder, ec2: &Client, region: &str, account: &AssetId) -> Ec2Data {
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
    let (network_interfaces, instances, volumes, snapshots, addresses, peerings, security_group_rules) = tokio::join!(
        rec.call(api("DescribeNetworkInterfaces"), all_pages!(ec2.describe_network_interfaces())),
        instances(rec, ec2, region),
        rec.call(api("DescribeVolumes"), all_pages!(ec2.describe_volumes())),
        snapshots(rec, ec2, region),
        rec.call(api("DescribeAddresses"), async { ec2.describe_addresses().send().await.map(|o| o.addresses) }),
        rec.call(api("DescribeVpcPeeringConnections"), all_pages!(ec2.describe_vpc_peering_connections())),
        rec.call(api("DescribeSecurityGroupRules"), all_pages!(ec2.describe_security_group_rules())),
    );
    let (flow_logs, ebs_encryption_by_default) = tokio::join!(
        rec.call(api("DescribeFlowLogs"), all_pages!(ec2.describe_flow_logs())),
        rec.call(api("GetEbsEncryptionByDefault").on(account), ec2.get_ebs_encryption_by_default().send()),
    );
    let ebs_encryption_by_default = ebs_encryption_by_default.map(|o| o.ebs_encryption_by_default().unwrap_or(false));
    Ec2Data {
        vpcs,
        subnets,
        route_tables,
        internet_gateways,
        nat_gateways,
        network_acls,
        security_groups,
        security_group_rules,
        network_interfaces,
        instances,
        volumes,
        snapshots,
        addresses: addresses.map(Option::unwrap_or_default),
        peerings,
        flow_logs,
        ebs_encryption_by_default,
    }
}

async fn instances(rec: &Recorder, ec2: &Client, region: &str) -> Option<Vec<Instance>> {
    let reservations =
        rec.call(Api::new("ec2", "DescribeInstances").in_region(region), all_pages!(ec2.describe_instances())).await?;
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
        let resource = auditgraph_model::AssetId::new(crate::arn::ec2_arn(
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

#[cfg(test)]
mod tests {
    //! Pagination and errors against recorded EC2 responses replayed by the SDK's own
    //! test client (moto ignores page sizes, so it cannot show a second page).

    use aws_config::{BehaviorVersion, Region};
    use aws_credential_types::Credentials;
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::calls::Budget;
    use auditgraph_model::CoverageStatus;

    const PAGE_1: &str = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>r1</requestId>
      <reservationSet><item><reservationId>r-1</reservationId><instancesSet>
        <item><instanceId>i-1</instanceId></item><item><instanceId>i-2</instanceId></item>
      </instancesSet></item></reservationSet>
      <nextToken>page-2</nextToken>
    </DescribeInstancesResponse>"#;
    const PAGE_2: &str = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>r2</requestId>
      <reservationSet><item><reservationId>r-2</reservationId><instancesSet>
        <item><instanceId>i-3</instanceId></item>
      </instancesSet></item></reservationSet>
    </DescribeInstancesResponse>"#;
    const DENIED: &str = r#"<Response><Errors><Error><Code>UnauthorizedOperation</Code>
      <Message>You are not authorized to perform this operation.</Message></Error></Errors>
      <RequestID>r3</RequestID></Response>"#;

    fn event(status: u16, body: &'static str) -> ReplayEvent {
        let request = http::Request::builder().uri("https://ec2.eu-west-1.amazonaws.com/").body(SdkBody::empty());
        let response = http::Response::builder().status(status).body(SdkBody::from(body));
        ReplayEvent::new(request.unwrap(), response.unwrap())
    }

    fn client(replay: &StaticReplayClient) -> Client {
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new("AKIDEXAMPLE", "not-a-secret", None, None, "test"))
            .http_client(replay.clone())
            .build();
        Client::from_conf(config)
    }

    fn body(request: &aws_smithy_runtime_api::http::Request) -> String {
        String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned()
    }

    #[tokio::test]
    async fn instances_are_read_from_every_page() {
        let replay = StaticReplayClient::new(vec![event(200, PAGE_1), event(200, PAGE_2)]);
        let rec = Recorder::new(Budget::new("aws", "accounts", None, 4));
        let found = instances(&rec, &client(&replay), "eu-west-1").await.expect("both pages read");
        let ids: Vec<&str> = found.iter().filter_map(|i| i.instance_id()).collect();
        assert_eq!(ids, ["i-1", "i-2", "i-3"]);
        let sent: Vec<String> = replay.actual_requests().map(body).collect();
        assert_eq!(sent.len(), 2);
        assert!(sent[0].contains("Action=DescribeInstances") && !sent[0].contains("NextToken"), "{}", sent[0]);
        assert!(sent[1].contains("NextToken=page-2"), "{}", sent[1]);
        let records = rec.into_records();
        assert_eq!(records.len(), 1, "one record per listing, not per page");
        assert_eq!(records[0].status, CoverageStatus::Read);
    }

    #[tokio::test]
    async fn a_denied_listing_is_a_gap_not_an_empty_list() {
        let replay = StaticReplayClient::new(vec![event(403, DENIED)]);
        let rec = Recorder::new(Budget::new("aws", "accounts", None, 4));
        assert!(instances(&rec, &client(&replay), "eu-west-1").await.is_none());
        let records = rec.into_records();
        assert_eq!(records[0].status, CoverageStatus::AccessDenied);
        assert_eq!(records[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            records[0].detail.as_deref(),
            Some("UnauthorizedOperation: You are not authorized to perform this operation.")
        );
    }
}

//! Redshift, per region: every cluster with its subnet group, whether its parameter
//! group requires TLS, and whether it keeps an audit log.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_redshift::types::{Cluster, ClusterSubnetGroup};
use aws_sdk_redshift::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::arn::redshift_arn;
use crate::calls::{Api, Recorder, SdkCall};

pub struct ClusterData {
    pub cluster: Cluster,
    /// Whether audit logging is on (`None`: not read).
    pub audit_logging: Option<bool>,
}

#[derive(Default)]
pub struct RedshiftData {
    /// `None`: the listing failed.
    pub clusters: Option<Vec<ClusterData>>,
    /// `None`: not read.
    pub subnet_groups: Option<Vec<ClusterSubnetGroup>>,
    /// Per parameter group read, its `require_ssl` value.
    pub require_ssl: HashMap<String, bool>,
}

pub async fn read(rec: &Recorder, client: &Client, region: &str, account: &str) -> RedshiftData {
    let api = Api::new("redshift", "DescribeClusters").in_region(region);
    let Some(clusters) = rec.call(api, all_pages!(client.describe_clusters())).await else {
        return RedshiftData::default();
    };
    if clusters.is_empty() {
        return RedshiftData { clusters: Some(Vec::new()), ..RedshiftData::default() };
    }
    let groups: BTreeSet<&str> =
        clusters.iter().flat_map(|c| c.cluster_parameter_groups()).filter_map(|g| g.parameter_group_name()).collect();
    let subnet_groups = rec.call(
        Api::new("redshift", "DescribeClusterSubnetGroups").in_region(region),
        all_pages!(client.describe_cluster_subnet_groups()),
    );
    let require_ssl = join_all(groups.into_iter().map(|group| async move {
        let arn = redshift_arn(region, account, "parametergroup", group);
        let api = Api::new("redshift", "DescribeClusterParameters").in_region(region).on(&arn);
        let parameters = rec.call(api, all_pages!(client.describe_cluster_parameters().parameter_group_name(group)));
        let on = parameters.await?.iter().any(|p| {
            p.parameter_name() == Some("require_ssl")
                && p.parameter_value().is_some_and(|v| v.eq_ignore_ascii_case("true"))
        });
        Some((group.to_string(), on))
    }));
    let logging = join_all(clusters.iter().map(|c| async move {
        let name = c.cluster_identifier()?;
        let arn = redshift_arn(region, account, "cluster", name);
        let api = Api::new("redshift", "DescribeLoggingStatus").in_region(region).on(&arn);
        let status = rec.call(api, client.describe_logging_status().cluster_identifier(name).send()).await?;
        Some(status.logging_enabled().unwrap_or(false))
    }));
    let (subnet_groups, require_ssl, logging) = tokio::join!(subnet_groups, require_ssl, logging);
    RedshiftData {
        clusters: Some(
            clusters
                .into_iter()
                .zip(logging)
                .map(|(cluster, audit_logging)| ClusterData { cluster, audit_logging })
                .collect(),
        ),
        subnet_groups,
        require_ssl: require_ssl.into_iter().flatten().collect(),
    }
}

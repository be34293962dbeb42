//! RDS, per region: database instances (with their subnet groups, security groups
//! and encryption), the clusters Aurora instances belong to, and the snapshots of
//! both, with whether anyone may restore them.

use auditgraph_model::AssetId;
use aws_sdk_rds::types::{DbCluster, DbClusterSnapshot, DbInstance, DbSnapshot};
use aws_sdk_rds::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct RdsData {
    pub instances: Option<Vec<DbInstance>>,
    pub clusters: Option<Vec<DbCluster>>,
    /// Instance snapshots, each with whether anyone may restore it (`None`: not read).
    pub snapshots: Option<Vec<(DbSnapshot, Option<bool>)>>,
    /// Cluster snapshots, likewise.
    pub cluster_snapshots: Option<Vec<(DbClusterSnapshot, Option<bool>)>>,
}

pub async fn read(rec: &Recorder, rds: &Client, region: &str) -> RdsData {
    let (instances, clusters, snapshots, cluster_snapshots) = tokio::join!(
        rec.call(Api::new("rds", "DescribeDBInstances").in_region(region), all_pages!(rds.describe_db_instances())),
        rec.call(Api::new("rds", "DescribeDBClusters").in_region(region), all_pages!(rds.describe_db_clusters())),
        instance_snapshots(rec, rds, region),
        cluster_snapshots(rec, rds, region),
    );
    RdsData { instances, clusters, snapshots, cluster_snapshots }
}

/// Whether a snapshot's attributes (name, values) share its `restore` with `all`.
/// Only manual snapshots can be shared (automated ones must be copied first), so
/// only theirs are asked for.
fn restorable_by_all<'a>(attributes: impl IntoIterator<Item = (Option<&'a str>, &'a [String])>) -> bool {
    attributes.into_iter().any(|(name, values)| name == Some("restore") && values.iter().any(|v| v == "all"))
}

async fn instance_snapshots(rec: &Recorder, rds: &Client, region: &str) -> Option<Vec<(DbSnapshot, Option<bool>)>> {
    let list = rec
        .call(Api::new("rds", "DescribeDBSnapshots").in_region(region), all_pages!(rds.describe_db_snapshots()))
        .await?;
    let public = join_all(list.iter().map(|s| async move {
        if s.snapshot_type() != Some("manual") {
            return Some(false);
        }
        let id = AssetId::new(s.db_snapshot_arn().unwrap_or_default());
        let api = Api::new("rds", "DescribeDBSnapshotAttributes").in_region(region).on(&id);
        let request = rds.describe_db_snapshot_attributes().db_snapshot_identifier(s.db_snapshot_identifier()?);
        let out = rec.call(api, request.send()).await?;
        let attributes = out.db_snapshot_attributes_result().map(|r| r.db_snapshot_attributes()).unwrap_or_default();
        Some(restorable_by_all(attributes.iter().map(|a| (a.attribute_name(), a.attribute_values()))))
    }))
    .await;
    Some(list.into_iter().zip(public).collect())
}

async fn cluster_snapshots(
    rec: &Recorder,
    rds: &Client,
    region: &str,
) -> Option<Vec<(DbClusterSnapshot, Option<bool>)>> {
    let api = Api::new("rds", "DescribeDBClusterSnapshots").in_region(region);
    let list = rec.call(api, all_pages!(rds.describe_db_cluster_snapshots())).await?;
    let public = join_all(list.iter().map(|s| async move {
        if s.snapshot_type() != Some("manual") {
            return Some(false);
        }
        let id = AssetId::new(s.db_cluster_snapshot_arn().unwrap_or_default());
        let api = Api::new("rds", "DescribeDBClusterSnapshotAttributes").in_region(region).on(&id);
        let request = rds
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(s.db_cluster_snapshot_identifier()?);
        let out = rec.call(api, request.send()).await?;
        let attributes =
            out.db_cluster_snapshot_attributes_result().map(|r| r.db_cluster_snapshot_attributes()).unwrap_or_default();
        Some(restorable_by_all(attributes.iter().map(|a| (a.attribute_name(), a.attribute_values()))))
    }))
    .await;
    Some(list.into_iter().zip(public).collect())
}

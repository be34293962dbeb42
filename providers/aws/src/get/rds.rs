//! RDS, per region: database instances (with their subnet groups, security groups
//! and encryption) and the clusters Aurora instances belong to.

use aws_sdk_rds::types::{DbCluster, DbInstance};
use aws_sdk_rds::Client;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct RdsData {
    pub instances: Option<Vec<DbInstance>>,
    pub clusters: Option<Vec<DbCluster>>,
}

pub async fn read(rec: &Recorder, rds: &Client, region: &str) -> RdsData {
    let (instances, clusters) = tokio::join!(
        rec.call(Api::new("rds", "DescribeDBInstances").in_region(region), all_pages!(rds.describe_db_instances())),
        rec.call(Api::new("rds", "DescribeDBClusters").in_region(region), all_pages!(rds.describe_db_clusters())),
    );
    RdsData { instances, clusters }
}

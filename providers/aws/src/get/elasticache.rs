//! ElastiCache, per region: cache clusters (every node group, with its security
//! groups), the replication groups Redis OSS and Valkey clusters belong to (which
//! carry their encryption and backups), and the cache subnet groups.

use aws_sdk_elasticache::types::{CacheCluster, CacheSubnetGroup, ReplicationGroup};
use aws_sdk_elasticache::Client;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct ElastiCacheData {
    /// `None`: the listing failed.
    pub clusters: Option<Vec<CacheCluster>>,
    pub replication_groups: Option<Vec<ReplicationGroup>>,
    pub subnet_groups: Option<Vec<CacheSubnetGroup>>,
}

pub async fn read(rec: &Recorder, client: &Client, region: &str) -> ElastiCacheData {
    let (clusters, replication_groups, subnet_groups) = tokio::join!(
        rec.call(
            Api::new("elasticache", "DescribeCacheClusters").in_region(region),
            all_pages!(client.describe_cache_clusters()),
        ),
        rec.call(
            Api::new("elasticache", "DescribeReplicationGroups").in_region(region),
            all_pages!(client.describe_replication_groups()),
        ),
        rec.call(
            Api::new("elasticache", "DescribeCacheSubnetGroups").in_region(region),
            all_pages!(client.describe_cache_subnet_groups()),
        ),
    );
    ElastiCacheData { clusters, replication_groups, subnet_groups }
}

//! ElastiCache caches to model assets: one per replication group (Redis OSS, Valkey),
//! and one per cache cluster of no group (Memcached, a lone Redis node). A group's
//! encryption and backups are its own; its network is its member clusters'.

use std::collections::{BTreeSet, HashMap};

use auditgraph_model::{aws, AssetId, Attributes};
use aws_sdk_elasticache::types::CacheCluster;

use super::Out;
use crate::arn::{ec2_arn, kms_key};
use crate::get::elasticache::ElastiCacheData;

pub fn transform(out: &mut Out, d: &ElastiCacheData, region: &str) {
    let account = out.account.clone();
    let ec2 = |kind: &str, id: &str| AssetId::new(ec2_arn(region, &account, kind, id));
    let subnet_groups: HashMap<&str, (Option<AssetId>, Vec<AssetId>)> = d
        .subnet_groups
        .iter()
        .flatten()
        .filter_map(|g| {
            let subnets = g.subnets().iter().filter_map(|s| Some(ec2("subnet", s.subnet_identifier()?))).collect();
            Some((g.cache_subnet_group_name()?, (g.vpc_id().map(|v| ec2("vpc", v)), subnets)))
        })
        .collect();
    // Where the nodes of some clusters are: their VPC, subnets and security groups.
    let network = |members: &[&CacheCluster]| {
        let mut groups = BTreeSet::new();
        let (mut vpc, mut subnets) = (None, BTreeSet::new());
        for m in members {
            groups
                .extend(m.security_groups().iter().filter_map(|g| Some(ec2("security-group", g.security_group_id()?))));
            if let Some((v, s)) = m.cache_subnet_group_name().and_then(|g| subnet_groups.get(g)) {
                vpc = vpc.or_else(|| v.clone());
                subnets.extend(s.iter().cloned());
            }
        }
        (vpc, subnets.into_iter().collect::<Vec<_>>(), groups.into_iter().collect::<Vec<_>>())
    };
    let clusters: Vec<&CacheCluster> = d.clusters.iter().flatten().collect();
    let mut add = |arn: &str, name: &str, settings: Settings, members: &[&CacheCluster]| {
        let (vpc, subnets, security_groups) = network(members);
        let attrs = aws::ElastiCacheCluster {
            engine: settings.engine.to_string(),
            at_rest_encryption: settings.at_rest_encryption,
            kms_key: settings.kms_key.map(|k| kms_key(k, region, &account)),
            transit_encryption: settings.transit_encryption,
            auth_token: settings.auth_token,
            snapshot_retention_days: settings.snapshot_retention.and_then(|r| u32::try_from(r).ok()),
            vpc,
            subnets,
            security_groups,
        };
        let id = AssetId::new(arn);
        out.add(id, name.to_string(), Some(region), Default::default(), Attributes::AwsElastiCacheCluster(attrs));
    };
    for g in d.replication_groups.iter().flatten() {
        let (Some(arn), Some(name)) = (g.arn(), g.replication_group_id()) else { continue };
        let members: Vec<&CacheCluster> =
            clusters.iter().copied().filter(|c| c.replication_group_id() == Some(name)).collect();
        let settings = Settings {
            engine: g.engine().or_else(|| members.first().and_then(|c| c.engine())).unwrap_or("redis"),
            at_rest_encryption: g.at_rest_encryption_enabled(),
            kms_key: g.kms_key_id(),
            transit_encryption: g.transit_encryption_enabled(),
            auth_token: g.auth_token_enabled(),
            snapshot_retention: g.snapshot_retention_limit(),
        };
        add(arn, name, settings, &members);
    }
    for c in clusters.iter().filter(|c| c.replication_group_id().is_none()) {
        let (Some(arn), Some(name)) = (c.arn(), c.cache_cluster_id()) else { continue };
        let settings = Settings {
            engine: c.engine().unwrap_or_default(),
            at_rest_encryption: c.at_rest_encryption_enabled(),
            kms_key: None,
            transit_encryption: c.transit_encryption_enabled(),
            auth_token: c.auth_token_enabled(),
            snapshot_retention: c.snapshot_retention_limit(),
        };
        add(arn, name, settings, std::slice::from_ref(c));
    }
}

/// What a replication group and a lone cache cluster both say of themselves, by the
/// SDK's two types.
struct Settings<'a> {
    engine: &'a str,
    at_rest_encryption: Option<bool>,
    kms_key: Option<&'a str>,
    transit_encryption: Option<bool>,
    auth_token: Option<bool>,
    snapshot_retention: Option<i32>,
}

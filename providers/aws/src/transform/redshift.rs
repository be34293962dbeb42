//! Redshift clusters to model assets: address, encryption, TLS, audit logging, snapshots.

use std::collections::HashMap;

use auditgraph_model::{aws, AssetId, Attributes};

use super::{tags, Out};
use crate::arn::{ec2_arn, kms_key, redshift_arn};
use crate::get::redshift::RedshiftData;

pub fn transform(out: &mut Out, d: &RedshiftData, region: &str) {
    let account = out.account.clone();
    let ec2 = |kind: &str, id: &str| AssetId::new(ec2_arn(region, &account, kind, id));
    // Each subnet group's VPC and subnets.
    let groups: HashMap<&str, (Option<&str>, Vec<AssetId>)> = d
        .subnet_groups
        .iter()
        .flatten()
        .filter_map(|g| {
            let ids = g.subnets().iter().filter_map(|s| Some(ec2("subnet", s.subnet_identifier()?))).collect();
            Some((g.cluster_subnet_group_name()?, (g.vpc_id(), ids)))
        })
        .collect();
    for c in d.clusters.iter().flatten() {
        let cluster = &c.cluster;
        let Some(name) = cluster.cluster_identifier() else { continue };
        let id = redshift_arn(region, &account, "cluster", name);
        let group = cluster.cluster_subnet_group_name().and_then(|g| groups.get(g));
        let Some(vpc) = cluster.vpc_id().or(group.and_then(|(vpc, _)| *vpc)) else {
            let call = ("redshift", "DescribeClusters", Some(region));
            out.gap(&id, call, "the cluster is in no VPC, so its network cannot be placed".to_string());
            continue;
        };
        // A parameter group not read (or two, disagreeing) leaves TLS undecided.
        let ssl: Vec<Option<bool>> = cluster
            .cluster_parameter_groups()
            .iter()
            .map(|g| g.parameter_group_name().and_then(|n| d.require_ssl.get(n).copied()))
            .collect();
        let require_ssl = match ssl.as_slice() {
            [] => None,
            [first, rest @ ..] => rest.iter().all(|s| s == first).then_some(*first).flatten(),
        };
        let endpoint = cluster.endpoint();
        let attrs = aws::RedshiftCluster {
            endpoint: endpoint.and_then(|e| e.address()).map(str::to_string),
            port: endpoint.and_then(|e| e.port()).and_then(|p| u16::try_from(p).ok()).unwrap_or(5439),
            publicly_accessible: cluster.publicly_accessible().unwrap_or(false),
            encrypted: cluster.encrypted().unwrap_or(false),
            kms_key: cluster.kms_key_id().map(|k| kms_key(k, region, &account)),
            vpc: ec2("vpc", vpc),
            subnets: group.map(|(_, subnets)| subnets.clone()).unwrap_or_default(),
            security_groups: cluster
                .vpc_security_groups()
                .iter()
                .filter_map(|g| Some(ec2("security-group", g.vpc_security_group_id()?)))
                .collect(),
            require_ssl,
            audit_logging: c.audit_logging,
            snapshot_retention_days: cluster.automated_snapshot_retention_period().and_then(|r| u32::try_from(r).ok()),
        };
        let t = tags(cluster.tags().iter().map(|t| (t.key(), t.value())));
        out.add(id, name.to_string(), Some(region), t, Attributes::AwsRedshiftCluster(attrs));
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_redshift::types::{Cluster, ClusterParameterGroupStatus};

    use super::*;
    use crate::get::redshift::ClusterData;

    fn cluster(name: &str, vpc: Option<&str>, groups: &[&str]) -> ClusterData {
        let mut c = Cluster::builder().cluster_identifier(name).set_vpc_id(vpc.map(str::to_string));
        for g in groups {
            c = c.cluster_parameter_groups(ClusterParameterGroupStatus::builder().parameter_group_name(*g).build());
        }
        ClusterData { cluster: c.build(), audit_logging: Some(true) }
    }

    fn require_ssl(out: &Out, name: &str) -> Option<bool> {
        let asset = out.assets.iter().find(|a| a.name == name).expect("the cluster is an asset");
        let Attributes::AwsRedshiftCluster(c) = &asset.attributes else { panic!("{asset:?}") };
        c.require_ssl
    }

    #[test]
    fn tls_is_required_only_when_every_parameter_group_read_says_so() {
        let data = RedshiftData {
            clusters: Some(vec![
                cluster("one-strict", Some("vpc-1"), &["strict"]),
                cluster("strict-and-lax", Some("vpc-1"), &["strict", "lax"]),
                cluster("unread-group", Some("vpc-1"), &["strict", "unread"]),
                cluster("no-vpc", None, &["strict"]),
            ]),
            subnet_groups: Some(Vec::new()),
            require_ssl: [("strict".to_string(), true), ("lax".to_string(), false)].into_iter().collect(),
        };
        let mut out = Out::new("111111111111");
        transform(&mut out, &data, "eu-west-1");
        assert_eq!(require_ssl(&out, "one-strict"), Some(true));
        assert_eq!(require_ssl(&out, "strict-and-lax"), None);
        assert_eq!(require_ssl(&out, "unread-group"), None);
        // A cluster the network model cannot place is a gap of its listing, not dropped silently.
        assert!(!out.assets.iter().any(|a| a.name == "no-vpc"));
        let gap = &out.gaps[0];
        assert_eq!(
            gap.resource.as_ref().map(AssetId::as_str),
            Some("arn:aws:redshift:eu-west-1:111111111111:cluster:no-vpc")
        );
        assert_eq!((gap.api.as_str(), gap.region.as_deref()), ("DescribeClusters", Some("eu-west-1")));
    }
}

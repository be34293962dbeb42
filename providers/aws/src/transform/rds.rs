//! RDS database instances and snapshots to model assets. An Aurora instance's storage
//! encryption and backups are its cluster's, so those come from the cluster when it was read.

use std::collections::HashMap;

use auditgraph_model::aws;
use auditgraph_model::{AssetId, Attributes};

use super::{tags, Out};
use crate::arn::{ec2_arn, kms_key};
use crate::get::rds::RdsData;

pub fn transform(out: &mut Out, d: &RdsData, region: &str) {
    let account = out.account.clone();
    let ec2 = |kind: &str, id: &str| AssetId::new(ec2_arn(region, &account, kind, id));
    let clusters: HashMap<&str, &aws_sdk_rds::types::DbCluster> =
        d.clusters.iter().flatten().filter_map(|c| Some((c.db_cluster_identifier()?, c))).collect();
    for db in d.instances.iter().flatten() {
        let (Some(arn), Some(name)) = (db.db_instance_arn(), db.db_instance_identifier()) else { continue };
        let Some(group) = db.db_subnet_group() else { continue };
        let Some(vpc) = group.vpc_id() else { continue };
        let cluster = db.db_cluster_identifier().and_then(|c| clusters.get(c));
        let encrypted = cluster.and_then(|c| c.storage_encrypted()).or(db.storage_encrypted()).unwrap_or(false);
        let key = cluster.and_then(|c| c.kms_key_id()).or(db.kms_key_id());
        let retention = cluster.and_then(|c| c.backup_retention_period()).or(db.backup_retention_period());
        let endpoint = db.endpoint();
        let attrs = aws::RdsInstance {
            engine: db.engine().unwrap_or_default().to_string(),
            engine_version: db.engine_version().map(str::to_string),
            publicly_accessible: db.publicly_accessible().unwrap_or(false),
            endpoint: endpoint.and_then(|e| e.address()).map(str::to_string),
            port: endpoint
                .and_then(|e| e.port())
                .or(db.db_instance_port())
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0),
            storage_encrypted: encrypted,
            kms_key: key.map(|k| kms_key(k, region, &account)),
            vpc: ec2("vpc", vpc),
            subnets: group.subnets().iter().filter_map(|s| Some(ec2("subnet", s.subnet_identifier()?))).collect(),
            security_groups: db
                .vpc_security_groups()
                .iter()
                .filter_map(|g| Some(ec2("security-group", g.vpc_security_group_id()?)))
                .collect(),
            multi_az: db.multi_az(),
            backup_retention_days: retention.and_then(|r| u32::try_from(r).ok()),
            tls_required: None,
            deletion_protection: cluster.and_then(|c| c.deletion_protection()).or(db.deletion_protection()),
            auto_minor_version_upgrade: db.auto_minor_version_upgrade(),
            iam_auth: db.iam_database_authentication_enabled(),
        };
        let t = tags(db.tag_list().iter().map(|t| (t.key(), t.value())));
        out.add(AssetId::new(arn), name.to_string(), Some(region), t, Attributes::AwsRdsInstance(attrs));
    }
    snapshots(out, d, region);
}

/// What an instance snapshot and a cluster snapshot both say, by the SDK's two types.
struct SnapshotView<'a> {
    arn: Option<&'a str>,
    name: Option<&'a str>,
    source: Option<&'a str>,
    cluster: bool,
    snapshot_type: Option<&'a str>,
    engine: Option<&'a str>,
    encrypted: Option<bool>,
    kms_key: Option<&'a str>,
    created: Option<&'a aws_smithy_types::DateTime>,
    tags: &'a [aws_sdk_rds::types::Tag],
    public: Option<bool>,
}

/// Instance and cluster snapshots, one kind: what controls ask of them is the same.
fn snapshots(out: &mut Out, d: &RdsData, region: &str) {
    let account = out.account.clone();
    let instances = d.snapshots.iter().flatten().map(|(s, public)| SnapshotView {
        arn: s.db_snapshot_arn(),
        name: s.db_snapshot_identifier(),
        source: s.db_instance_identifier(),
        cluster: false,
        snapshot_type: s.snapshot_type(),
        engine: s.engine(),
        encrypted: s.encrypted(),
        kms_key: s.kms_key_id(),
        created: s.snapshot_create_time(),
        tags: s.tag_list(),
        public: *public,
    });
    let clusters = d.cluster_snapshots.iter().flatten().map(|(s, public)| SnapshotView {
        arn: s.db_cluster_snapshot_arn(),
        name: s.db_cluster_snapshot_identifier(),
        source: s.db_cluster_identifier(),
        cluster: true,
        snapshot_type: s.snapshot_type(),
        engine: s.engine(),
        encrypted: s.storage_encrypted(),
        kms_key: s.kms_key_id(),
        created: s.snapshot_create_time(),
        tags: s.tag_list(),
        public: *public,
    });
    for s in instances.chain(clusters) {
        let (Some(arn), Some(name)) = (s.arn, s.name) else { continue };
        let attrs = aws::RdsSnapshot {
            source: s.source.unwrap_or_default().to_string(),
            cluster: s.cluster,
            snapshot_type: s.snapshot_type.unwrap_or_default().to_string(),
            engine: s.engine.map(str::to_string),
            encrypted: s.encrypted.unwrap_or(false),
            kms_key: s.kms_key.map(|k| kms_key(k, region, &account)),
            public: s.public,
            created: s.created.and_then(super::time),
        };
        let t = tags(s.tags.iter().map(|t| (t.key(), t.value())));
        out.add(AssetId::new(arn), name.to_string(), Some(region), t, Attributes::AwsRdsSnapshot(attrs));
    }
}

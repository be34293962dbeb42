//! The API calls, one module per resource family. Each reads what its family holds
//! in one account (and region) and returns the SDK's own types, untouched; every
//! paginator is followed, and every call leaves a coverage record.

pub mod acm;
pub mod backup;
pub mod cloudtrail;
pub mod dynamodb;
pub mod ec2;
pub mod elasticache;
pub mod elb;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod monitoring;
pub mod organizations;
pub mod rds;
pub mod redshift;
pub mod s3;
pub mod secrets;

/// Follows every page of a paginated operation and collects its items.
#[macro_export]
macro_rules! all_pages {
    ($request:expr) => {
        $request.into_paginator().items().send().collect::<Result<Vec<_>, _>>()
    };
}

/// What one region of one account returned.
pub struct RegionData {
    pub region: String,
    pub ec2: ec2::Ec2Data,
    pub elb: elb::ElbData,
    pub rds: rds::RdsData,
    pub kms: kms::KmsData,
    pub trails: cloudtrail::TrailData,
    pub monitoring: monitoring::MonitoringData,
    pub secrets: secrets::SecretsData,
    pub certificates: acm::AcmData,
    pub functions: lambda::LambdaData,
    pub tables: dynamodb::DynamoDbData,
    pub backup: backup::BackupData,
    pub redshift: redshift::RedshiftData,
    pub elasticache: elasticache::ElastiCacheData,
}

/// What one account returned: global services once, regional ones per region.
pub struct AccountData {
    pub account_id: String,
    /// The principal the account was read as (`sts:GetCallerIdentity`).
    pub read_as: String,
    pub iam: iam::IamData,
    pub s3: s3::S3Data,
    pub regions: Vec<RegionData>,
    pub organization: Option<organizations::OrgData>,
}

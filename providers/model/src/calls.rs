//! Every API call a provider records coverage for, by cloud: the names that
//! coverage records carry and that a control's `needs` may name. Loading a control
//! checks its `needs` against this list, and each provider's tests hold the records
//! of a real crawl to it, so a misspelt or stale name cannot unlink a gap.

use crate::kind::Cloud;

/// (cloud, service, API), as coverage records name them.
pub const CALLS: &[(Cloud, &str, &str)] = &[
    (Cloud::Aws, "cloudtrail", "DescribeTrails"),
    (Cloud::Aws, "cloudtrail", "GetEventSelectors"),
    (Cloud::Aws, "cloudtrail", "GetTrailStatus"),
    (Cloud::Aws, "ec2", "DescribeAddresses"),
    (Cloud::Aws, "ec2", "DescribeFlowLogs"),
    (Cloud::Aws, "ec2", "GetEbsEncryptionByDefault"),
    (Cloud::Aws, "ec2", "DescribeInstances"),
    (Cloud::Aws, "ec2", "DescribeInternetGateways"),
    (Cloud::Aws, "ec2", "DescribeNatGateways"),
    (Cloud::Aws, "ec2", "DescribeNetworkAcls"),
    (Cloud::Aws, "ec2", "DescribeNetworkInterfaces"),
    (Cloud::Aws, "ec2", "DescribeRegions"),
    (Cloud::Aws, "ec2", "DescribeRouteTables"),
    (Cloud::Aws, "ec2", "DescribeSecurityGroupRules"),
    (Cloud::Aws, "ec2", "DescribeSecurityGroups"),
    (Cloud::Aws, "ec2", "DescribeSnapshotAttribute"),
    (Cloud::Aws, "ec2", "DescribeSnapshots"),
    (Cloud::Aws, "ec2", "DescribeSubnets"),
    (Cloud::Aws, "ec2", "DescribeVolumes"),
    (Cloud::Aws, "ec2", "DescribeVpcPeeringConnections"),
    (Cloud::Aws, "ec2", "DescribeVpcs"),
    (Cloud::Aws, "elasticloadbalancing", "DescribeListeners"),
    (Cloud::Aws, "elasticloadbalancing", "DescribeLoadBalancerAttributes"),
    (Cloud::Aws, "elasticloadbalancing", "DescribeLoadBalancers"),
    (Cloud::Aws, "elasticloadbalancing", "DescribeTargetGroups"),
    (Cloud::Aws, "elasticloadbalancing", "DescribeTargetHealth"),
    (Cloud::Aws, "iam", "GenerateCredentialReport"),
    (Cloud::Aws, "iam", "GetAccessKeyLastUsed"),
    (Cloud::Aws, "iam", "GetAccountAuthorizationDetails"),
    (Cloud::Aws, "iam", "GetAccountPasswordPolicy"),
    (Cloud::Aws, "iam", "GetAccountSummary"),
    (Cloud::Aws, "iam", "GetCredentialReport"),
    (Cloud::Aws, "iam", "GetLoginProfile"),
    (Cloud::Aws, "iam", "ListAccessKeys"),
    (Cloud::Aws, "iam", "ListAccountAliases"),
    (Cloud::Aws, "iam", "ListMFADevices"),
    (Cloud::Aws, "kms", "DescribeKey"),
    (Cloud::Aws, "kms", "GetKeyRotationStatus"),
    (Cloud::Aws, "kms", "GetKeyPolicy"),
    (Cloud::Aws, "kms", "ListAliases"),
    (Cloud::Aws, "kms", "ListKeys"),
    (Cloud::Aws, "organizations", "ListAccounts"),
    (Cloud::Aws, "organizations", "DescribeOrganization"),
    (Cloud::Aws, "organizations", "ListParents"),
    (Cloud::Aws, "organizations", "ListPoliciesForTarget"),
    (Cloud::Aws, "organizations", "DescribePolicy"),
    (Cloud::Aws, "rds", "DescribeDBClusters"),
    (Cloud::Aws, "rds", "DescribeDBInstances"),
    (Cloud::Aws, "s3", "GetBucketAcl"),
    (Cloud::Aws, "s3", "GetBucketEncryption"),
    (Cloud::Aws, "s3", "GetBucketLocation"),
    (Cloud::Aws, "s3", "GetBucketLogging"),
    (Cloud::Aws, "s3", "GetBucketPolicy"),
    (Cloud::Aws, "s3", "GetBucketTagging"),
    (Cloud::Aws, "s3", "GetBucketVersioning"),
    (Cloud::Aws, "s3", "GetObjectLockConfiguration"),
    (Cloud::Aws, "s3", "GetPublicAccessBlock"),
    (Cloud::Aws, "s3", "ListBuckets"),
    (Cloud::Aws, "s3control", "GetPublicAccessBlock"),
    (Cloud::Aws, "rds", "DescribeDBSnapshots"),
    (Cloud::Aws, "rds", "DescribeDBSnapshotAttributes"),
    (Cloud::Aws, "rds", "DescribeDBClusterSnapshots"),
    (Cloud::Aws, "rds", "DescribeDBClusterSnapshotAttributes"),
    (Cloud::Aws, "guardduty", "ListDetectors"),
    (Cloud::Aws, "guardduty", "GetDetector"),
    (Cloud::Aws, "config", "DescribeConfigurationRecorders"),
    (Cloud::Aws, "config", "DescribeConfigurationRecorderStatus"),
    (Cloud::Aws, "securityhub", "DescribeHub"),
    (Cloud::Aws, "secretsmanager", "ListSecrets"),
    (Cloud::Aws, "acm", "ListCertificates"),
    (Cloud::Aws, "lambda", "ListFunctions"),
    (Cloud::Aws, "lambda", "ListFunctionUrlConfigs"),
    (Cloud::Aws, "lambda", "GetPolicy"),
    (Cloud::Aws, "dynamodb", "ListTables"),
    (Cloud::Aws, "dynamodb", "DescribeTable"),
    (Cloud::Aws, "dynamodb", "DescribeContinuousBackups"),
    (Cloud::Aws, "dynamodb", "ListTagsOfResource"),
    (Cloud::Aws, "backup", "ListBackupPlans"),
    (Cloud::Aws, "backup", "GetBackupPlan"),
    (Cloud::Aws, "backup", "ListBackupSelections"),
    (Cloud::Aws, "backup", "GetBackupSelection"),
    (Cloud::Aws, "backup", "DescribeRegionSettings"),
    (Cloud::Aws, "redshift", "DescribeClusters"),
    (Cloud::Aws, "redshift", "DescribeClusterSubnetGroups"),
    (Cloud::Aws, "redshift", "DescribeClusterParameters"),
    (Cloud::Aws, "redshift", "DescribeLoggingStatus"),
    (Cloud::Aws, "elasticache", "DescribeCacheClusters"),
    (Cloud::Aws, "elasticache", "DescribeReplicationGroups"),
    (Cloud::Aws, "elasticache", "DescribeCacheSubnetGroups"),
    (Cloud::Aws, "sts", "AssumeRole"),
    (Cloud::Gcp, "cloudresourcemanager", "folders.getIamPolicy"),
    (Cloud::Gcp, "cloudresourcemanager", "organizations.getIamPolicy"),
    (Cloud::Gcp, "cloudresourcemanager", "projects.get"),
    (Cloud::Gcp, "cloudresourcemanager", "projects.getAncestry"),
    (Cloud::Gcp, "cloudresourcemanager", "projects.getIamPolicy"),
    (Cloud::Gcp, "cloudkms", "cryptoKeys.list"),
    (Cloud::Gcp, "cloudkms", "keyRings.list"),
    (Cloud::Gcp, "cloudkms", "locations.list"),
    (Cloud::Gcp, "compute", "firewalls.list"),
    (Cloud::Gcp, "compute", "projects.get"),
    (Cloud::Gcp, "iam", "policies.get"),
    (Cloud::Gcp, "iam", "policies.listPolicies"),
    (Cloud::Gcp, "compute", "instances.aggregatedList"),
    (Cloud::Gcp, "compute", "networks.list"),
    (Cloud::Gcp, "compute", "routes.list"),
    (Cloud::Gcp, "compute", "subnetworks.aggregatedList"),
    (Cloud::Gcp, "logging", "sinks.list"),
    (Cloud::Gcp, "sqladmin", "instances.list"),
    (Cloud::Gcp, "storage", "buckets.getIamPolicy"),
    (Cloud::Gcp, "storage", "buckets.list"),
];

/// Whether `pattern` (`service:Api`, `service` alone, `*` wildcards, as a
/// control's `needs` writes it) covers the call `service:api`.
pub fn pattern_covers(pattern: &str, service: &str, api: &str) -> bool {
    let (want_service, want_api) = pattern.split_once(':').unwrap_or((pattern, "*"));
    let matches = |p: &str, v: &str| {
        p == "*" || p.eq_ignore_ascii_case(v) || p.strip_suffix('*').is_some_and(|pre| v.starts_with(pre))
    };
    matches(want_service, service) && matches(want_api, api)
}

/// Whether a provider records this call.
pub fn is_known(service: &str, api: &str) -> bool {
    CALLS.iter().any(|(_, s, a)| *s == service && *a == api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_cover_calls_as_needs_write_them() {
        assert!(pattern_covers("ec2:*", "ec2", "DescribeVpcs"));
        assert!(pattern_covers("ec2", "ec2", "DescribeVpcs"));
        assert!(pattern_covers("s3:GetBucket*", "s3", "GetBucketPolicy"));
        assert!(!pattern_covers("s3:GetBucket*", "s3", "ListBuckets"));
        assert!(!pattern_covers("rds:*", "ec2", "DescribeVpcs"));
        let mut sorted = CALLS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), CALLS.len(), "each call once");
    }
}

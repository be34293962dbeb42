//! The asset vocabulary: every kind of asset, its cross-provider class, its cloud,
//! and its typed attributes, declared once in one table.

use serde::{Deserialize, Serialize};

use crate::relation::{Related, RelationSink};
use crate::{aws, gcp};

/// Which cloud an asset lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Gcp,
}

impl Cloud {
    /// Every cloud, in the order their index (`cloud as usize`) gives.
    pub const ALL: [Cloud; 2] = [Cloud::Aws, Cloud::Gcp];

    /// The name inventories use: `aws`, `gcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
        }
    }

    /// The name people use: `AWS`, `Google Cloud`.
    pub fn display_name(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Gcp => "Google Cloud",
        }
    }

    /// What one inventory's scope is called: an AWS `account`, a GCP `project`.
    pub fn scope_noun(self) -> &'static str {
        match self {
            Cloud::Aws => "account",
            Cloud::Gcp => "project",
        }
    }
}

/// What an asset is for, whatever the cloud: controls and selectors can target a
/// class (`class:data_store`) instead of listing kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    /// An AWS account or GCP project.
    Account,
    /// VPCs, subnets, gateways, routes, ACLs, firewalls, security groups, load balancers.
    Network,
    /// Instances and the interfaces that give them addresses.
    Compute,
    /// Anything that holds data: buckets, databases, volumes.
    DataStore,
    /// Users, groups, roles, policies, credentials.
    Identity,
    /// Encryption keys, secrets and certificates.
    Key,
    /// Audit logging: trails that record API activity.
    Logging,
    /// Backup plans: what brings data back after its loss.
    Recovery,
}

impl AssetClass {
    pub const ALL: [AssetClass; 8] = [
        AssetClass::Account,
        AssetClass::Network,
        AssetClass::Compute,
        AssetClass::DataStore,
        AssetClass::Identity,
        AssetClass::Key,
        AssetClass::Logging,
        AssetClass::Recovery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetClass::Account => "account",
            AssetClass::Network => "network",
            AssetClass::Compute => "compute",
            AssetClass::DataStore => "data_store",
            AssetClass::Identity => "identity",
            AssetClass::Key => "key",
            AssetClass::Logging => "logging",
            AssetClass::Recovery => "recovery",
        }
    }

    pub fn from_name(name: &str) -> Option<AssetClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

macro_rules! asset_kinds {
    ($( $variant:ident = $name:literal, $cloud:ident, $class:ident, $attrs:ty; )*) => {
        /// The kind of an asset, written in inventories as its snake_case name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum AssetKind {
            $( #[serde(rename = $name)] $variant, )*
        }

        impl AssetKind {
            pub const ALL: &'static [AssetKind] = &[ $( AssetKind::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( AssetKind::$variant => $name, )* }
            }

            pub fn class(self) -> AssetClass {
                match self { $( AssetKind::$variant => AssetClass::$class, )* }
            }

            pub fn cloud(self) -> Cloud {
                match self { $( AssetKind::$variant => Cloud::$cloud, )* }
            }

            pub fn from_name(name: &str) -> Option<AssetKind> {
                match name { $( $name => Some(AssetKind::$variant), )* _ => None }
            }

            /// The attribute fields assets of this kind may have.
            pub fn attribute_fields(self) -> &'static [&'static str] {
                match self { $( AssetKind::$variant => crate::schema::field_names::<$attrs>(), )* }
            }

            /// The shape of the attribute value at `path` (see `schema::shape_at`).
            pub fn attribute_shape(self, path: &[crate::schema::Step]) -> crate::schema::Shape {
                match self { $( AssetKind::$variant => crate::schema::shape_at::<$attrs>(path), )* }
            }
        }

        /// The typed attributes of an asset, one variant per kind.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Attributes {
            $( $variant($attrs), )*
        }

        impl Attributes {
            pub fn kind(&self) -> AssetKind {
                match self { $( Attributes::$variant(_) => AssetKind::$variant, )* }
            }

            /// Reads the attributes of an asset of kind `kind`, reporting the JSON
            /// path of the first field at fault.
            pub fn from_json(
                kind: AssetKind,
                json: &str,
            ) -> Result<Attributes, serde_path_to_error::Error<serde_json::Error>> {
                Ok(match kind {
                    $( AssetKind::$variant => Attributes::$variant(crate::error::deserialize_at_path(json)?), )*
                })
            }

            /// The relations that the attributes' references imply.
            pub fn relations<'a>(&'a self, sink: &mut RelationSink<'a>) {
                match self { $( Attributes::$variant(a) => a.relations(sink), )* }
            }
        }

        $( impl From<$attrs> for Attributes {
            fn from(a: $attrs) -> Self {
                Attributes::$variant(a)
            }
        } )*
    };
}

asset_kinds! {
    AwsAccount = "aws_account", Aws, Account, aws::Account;
    AwsVpc = "aws_vpc", Aws, Network, aws::Vpc;
    AwsSubnet = "aws_subnet", Aws, Network, aws::Subnet;
    AwsRouteTable = "aws_route_table", Aws, Network, aws::RouteTable;
    AwsInternetGateway = "aws_internet_gateway", Aws, Network, aws::InternetGateway;
    AwsNatGateway = "aws_nat_gateway", Aws, Network, aws::NatGateway;
    AwsNetworkAcl = "aws_network_acl", Aws, Network, aws::NetworkAcl;
    AwsSecurityGroup = "aws_security_group", Aws, Network, aws::SecurityGroup;
    AwsNetworkInterface = "aws_network_interface", Aws, Compute, aws::NetworkInterface;
    AwsEc2Instance = "aws_ec2_instance", Aws, Compute, aws::Ec2Instance;
    AwsEbsVolume = "aws_ebs_volume", Aws, DataStore, aws::EbsVolume;
    AwsS3Bucket = "aws_s3_bucket", Aws, DataStore, aws::S3Bucket;
    AwsRdsInstance = "aws_rds_instance", Aws, DataStore, aws::RdsInstance;
    AwsLoadBalancer = "aws_load_balancer", Aws, Network, aws::LoadBalancer;
    AwsTargetGroup = "aws_target_group", Aws, Network, aws::TargetGroup;
    AwsIamUser = "aws_iam_user", Aws, Identity, aws::IamUser;
    AwsIamGroup = "aws_iam_group", Aws, Identity, aws::IamGroup;
    AwsIamRole = "aws_iam_role", Aws, Identity, aws::IamRole;
    AwsIamPolicy = "aws_iam_policy", Aws, Identity, aws::IamPolicy;
    AwsIamAccessKey = "aws_iam_access_key", Aws, Identity, aws::IamAccessKey;
    AwsIamMfaDevice = "aws_iam_mfa_device", Aws, Identity, aws::IamMfaDevice;
    AwsKmsKey = "aws_kms_key", Aws, Key, aws::KmsKey;
    AwsEbsSnapshot = "aws_ebs_snapshot", Aws, DataStore, aws::EbsSnapshot;
    AwsVpcPeering = "aws_vpc_peering", Aws, Network, aws::VpcPeering;
    AwsCloudTrail = "aws_cloudtrail", Aws, Logging, aws::CloudTrail;
    AwsRdsSnapshot = "aws_rds_snapshot", Aws, DataStore, aws::RdsSnapshot;
    AwsSecret = "aws_secret", Aws, Key, aws::Secret;
    AwsAcmCertificate = "aws_acm_certificate", Aws, Key, aws::AcmCertificate;
    AwsLambdaFunction = "aws_lambda_function", Aws, Compute, aws::LambdaFunction;
    AwsDynamoDbTable = "aws_dynamodb_table", Aws, DataStore, aws::DynamoDbTable;
    AwsBackupPlan = "aws_backup_plan", Aws, Recovery, aws::BackupPlan;
    AwsRedshiftCluster = "aws_redshift_cluster", Aws, DataStore, aws::RedshiftCluster;
    AwsElastiCacheCluster = "aws_elasticache_cluster", Aws, DataStore, aws::ElastiCacheCluster;
    GcpProject = "gcp_project", Gcp, Account, gcp::Project;
    GcpStorageBucket = "gcp_storage_bucket", Gcp, DataStore, gcp::StorageBucket;
    GcpNetwork = "gcp_network", Gcp, Network, gcp::Network;
    GcpSubnetwork = "gcp_subnetwork", Gcp, Network, gcp::Subnetwork;
    GcpRoute = "gcp_route", Gcp, Network, gcp::GcpRoute;
    GcpFirewallRule = "gcp_firewall_rule", Gcp, Network, gcp::FirewallRule;
    GcpComputeInstance = "gcp_compute_instance", Gcp, Compute, gcp::ComputeInstance;
    GcpSqlInstance = "gcp_sql_instance", Gcp, DataStore, gcp::SqlInstance;
    GcpKmsKey = "gcp_kms_key", Gcp, Key, gcp::KmsKey;
}

impl std::fmt::Display for AssetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in AssetKind::ALL {
            assert_eq!(AssetKind::from_name(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert!(kind.as_str().starts_with(kind.cloud().as_str()));
        }
        for (i, cloud) in Cloud::ALL.iter().enumerate() {
            assert_eq!(*cloud as usize, i);
            assert_eq!(serde_json::to_value(cloud).unwrap(), cloud.as_str());
        }
    }

    #[test]
    fn classes_group_kinds_across_clouds() {
        assert_eq!(AssetKind::AwsRdsInstance.class(), AssetClass::DataStore);
        assert_eq!(AssetKind::GcpSqlInstance.class(), AssetClass::DataStore);
        assert_eq!(AssetKind::GcpProject.class(), AssetClass::Account);
        assert_eq!(AssetClass::from_name("data_store"), Some(AssetClass::DataStore));
    }

    #[test]
    fn attribute_fields_come_from_the_types() {
        let fields = AssetKind::AwsRdsInstance.attribute_fields();
        assert!(fields.contains(&"publicly_accessible") && fields.contains(&"storage_encrypted"));
        assert!(!fields.contains(&"public"));
        assert!(AssetKind::ALL.iter().all(|k| !k.attribute_fields().is_empty()));
    }

    #[test]
    fn attribute_errors_name_the_field() {
        let err = Attributes::from_json(AssetKind::AwsSubnet, r#"{"vpc":"v","cidr_block":"10.0.0.0/33"}"#).unwrap_err();
        assert_eq!(err.path().to_string(), "cidr_block");
    }
}

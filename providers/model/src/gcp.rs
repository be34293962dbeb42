//! Typed attributes of Google Cloud assets: projects, Cloud Storage buckets, VPC
//! networks and their firewalls and routes, Compute Engine instances, Cloud SQL.
//!
//! As for AWS, an `Option` that is `None` was not collected.

use serde::{Deserialize, Serialize};

use crate::net::{IpNet, PortRange, Protocol, RuleAction};
use crate::relation::{Related, RelationKind as R, RelationSink};
use crate::AssetId;

/// One IAM binding: a role granted to members, optionally under a condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamBinding {
    pub role: String,
    /// `user:..`, `serviceAccount:..`, `group:..`, `domain:..`, `allUsers`, `allAuthenticatedUsers`.
    pub members: Vec<String>,
    /// A CEL condition expression, when the binding is conditional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_number: Option<String>,
    /// The project IAM policy (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_bindings: Option<Vec<IamBinding>>,
    /// The folders and organisation above the project, nearest first, whose
    /// bindings the project and everything in it inherit (`None`: the ancestry was
    /// not read; empty: the project has no parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancestors: Option<Vec<Ancestor>>,
    /// The rules of the deny policies attached to the project (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_rules: Option<Vec<DenyRule>>,
    /// The audit log types its IAM policy turns on (`auditConfigs`; `None`: not read).
    /// Levels add up: a type on here, on a folder or on the organisation is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_logs: Option<Vec<AuditLogConfig>>,
    /// The project's log sinks (Cloud Logging; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_sinks: Option<Vec<LogSink>>,
}

/// One audit log type turned on for a service (`allServices` for every one), and
/// the members whose calls it leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLogConfig {
    pub service: String,
    /// `ADMIN_READ`, `DATA_READ` or `DATA_WRITE` (Admin Activity logs are always on).
    pub log_type: String,
    #[serde(default)]
    pub exempted_members: Vec<String>,
}

/// A Cloud Logging sink: where the entries its filter matches are exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSink {
    pub name: String,
    /// `storage.googleapis.com/…`, `bigquery.googleapis.com/…`, `pubsub.googleapis.com/…`, `logging.googleapis.com/…`.
    pub destination: String,
    /// Empty: every log entry.
    #[serde(default)]
    pub filter: String,
    #[serde(default)]
    pub disabled: bool,
    /// A folder's or organisation's sink that also exports the entries of everything below it.
    #[serde(default)]
    pub include_children: bool,
}

/// A folder or organisation above a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ancestor {
    /// `folders/123` or `organizations/456`.
    pub resource: String,
    /// Its IAM policy (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_bindings: Option<Vec<IamBinding>>,
    /// The rules of the deny policies attached to it (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_rules: Option<Vec<DenyRule>>,
    /// The audit log types its IAM policy turns on (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_logs: Option<Vec<AuditLogConfig>>,
    /// Its log sinks (`None`: not read); those with `include_children` cover the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_sinks: Option<Vec<LogSink>>,
}

/// One rule of an IAM deny policy (IAM v2), as the API writes it: principals as
/// `principal://goog/subject/…` or `principalSet://…`, permissions as
/// `storage.googleapis.com/objects.get` (the part after `/` may use `*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyRule {
    /// The deny policy's id (the last part of its name).
    pub policy: String,
    pub denied_principals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exception_principals: Vec<String>,
    pub denied_permissions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exception_permissions: Vec<String>,
    /// The denial condition's CEL expression: the rule applies only when it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageBucket {
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform_bucket_level_access: Option<bool>,
    /// `enforced` or `inherited` (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_prevention: Option<String>,
    /// Customer-managed encryption key; `None` with Google-managed encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_kms_key: Option<AssetId>,
    /// The bucket IAM policy (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_bindings: Option<Vec<IamBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logging: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    #[serde(default)]
    pub auto_create_subnetworks: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnetwork {
    pub network: AssetId,
    pub ip_cidr_range: IpNet,
    #[serde(default)]
    pub private_google_access: bool,
    /// VPC flow logs on (`logConfig.enable`; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs: Option<bool>,
    /// `PRIVATE` for a subnet that holds VMs; proxy-only and Private Service Connect
    /// subnets (`REGIONAL_MANAGED_PROXY`, `PRIVATE_SERVICE_CONNECT`, …) carry no VM traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcpRoute {
    pub network: AssetId,
    pub dest_range: IpNet,
    pub priority: u32,
    /// `default-internet-gateway`, an instance, an IP, a VPN tunnel, a peering...
    pub next_hop: String,
    /// Instances with one of these tags use the route; empty: every instance.
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallRule {
    pub network: AssetId,
    /// `ingress` or `egress`.
    pub direction: String,
    /// Lower numbers win; 0 to 65535.
    pub priority: u32,
    pub action: RuleAction,
    pub rules: Vec<FirewallMatch>,
    #[serde(default)]
    pub source_ranges: Vec<IpNet>,
    #[serde(default)]
    pub destination_ranges: Vec<IpNet>,
    #[serde(default)]
    pub source_tags: Vec<String>,
    /// Empty target tags and service accounts: the rule applies to every instance.
    #[serde(default)]
    pub target_tags: Vec<String>,
    #[serde(default)]
    pub target_service_accounts: Vec<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// A protocol and, for TCP/UDP, its ports; no ports means every port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallMatch {
    pub protocol: Protocol,
    #[serde(default)]
    pub ports: Vec<PortRange>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeInstance {
    pub zone: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_type: Option<String>,
    pub network_interfaces: Vec<GcpNetworkInterface>,
    #[serde(default)]
    pub network_tags: Vec<String>,
    /// Emails of the service accounts it runs as.
    #[serde(default)]
    pub service_accounts: Vec<String>,
    /// May send and receive packets not addressed to it (`canIpForward`; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_ip_forward: Option<bool>,
    /// The metadata settings that apply to it: its own, else the project's
    /// (`commonInstanceMetadata`); `None` when neither sets it and the project's
    /// metadata was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_login: Option<bool>,
    /// The interactive serial console (`serial-port-enable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_port_enabled: Option<bool>,
    /// Project-wide SSH keys refused (`block-project-ssh-keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_ssh_keys_blocked: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcpNetworkInterface {
    pub network: AssetId,
    pub subnetwork: AssetId,
    pub internal_ip: std::net::IpAddr,
    /// The external (NAT) IP of its access config, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ip: Option<std::net::IpAddr>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlInstance {
    pub database_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<std::net::IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_network: Option<AssetId>,
    #[serde(default)]
    pub authorized_networks: Vec<AuthorizedNetwork>,
    /// `ssl_mode` is `ENCRYPTED_ONLY` or `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`, or the legacy `requireSsl` (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_required: Option<bool>,
    #[serde(default)]
    pub backups_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizedNetwork {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub cidr: IpNet,
}

impl SqlInstance {
    /// The port clients connect to, from the database engine.
    pub fn port(&self) -> u16 {
        let v = self.database_version.to_ascii_uppercase();
        if v.starts_with("MYSQL") {
            3306
        } else if v.starts_with("SQLSERVER") {
            1433
        } else {
            5432
        }
    }
}

impl Related for Project {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for StorageBucket {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = &self.default_kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for Network {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for Subnetwork {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Contains, &self.network);
    }
}
impl Related for GcpRoute {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::InNetwork, &self.network);
    }
}
impl Related for FirewallRule {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::InNetwork, &self.network);
    }
}
impl Related for ComputeInstance {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        for nic in &self.network_interfaces {
            s.to(R::InSubnet, &nic.subnetwork);
        }
    }
}
impl Related for SqlInstance {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(network) = &self.private_network {
            s.to(R::InNetwork, network);
        }
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}

/// A Cloud KMS crypto key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    /// `ENCRYPT_DECRYPT`, `ASYMMETRIC_SIGN`, ...
    pub purpose: String,
    /// Automatic rotation period; `None`: no automatic rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period_days: Option<u32>,
    /// `SOFTWARE`, `HSM`, `EXTERNAL` or `EXTERNAL_VPC` (`None`: not read); Cloud KMS
    /// cannot rotate external keys automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_level: Option<String>,
    /// The state of its primary version (`ENABLED`, `DISABLED`, `DESTROYED`, …);
    /// `None`: not read, or the key has no primary version (asymmetric keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_state: Option<String>,
}

impl Related for KmsKey {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}

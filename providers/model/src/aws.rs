//! Typed attributes of AWS assets, named and shaped after the AWS APIs that return
//! them (EC2/VPC, ELBv2, S3, RDS, IAM, KMS, CloudTrail, Secrets Manager, ACM) but holding only what analyses use.
//!
//! `Option` fields that are `None` were not collected: a control that needs them
//! reports *unknown*, never *pass*.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::net::{IpNet, PortRange, Protocol, RuleAction};
use crate::policy::PolicyDocument;
use crate::relation::{Related, RelationKind as R, RelationSink};
use crate::AssetId;

/// An AWS account, with the account-wide settings controls look at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Account-level S3 public access block (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_public_access_block: Option<PublicAccessBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_mfa_enabled: Option<bool>,
    /// Whether the root user has a password, so can sign in to the console (`false`
    /// for a member account whose root credentials AWS Organizations removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_password_present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_access_keys: Option<u32>,
    /// When the root user last signed in or used an access key (the credential
    /// report's latest date; absent when never used or not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_last_used: Option<DateTime<Utc>>,
    /// Whether the credential report shows no use of the root user at all (`None`:
    /// the report was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_never_used: Option<bool>,
    /// Whether the account has a password policy of its own (`None`: not read);
    /// without one, AWS's default applies (8 characters, no rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_password_policy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// The organisation the account belongs to (`None`: not read, or in none; the
    /// coverage record of `organizations:DescribeOrganization` says which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// Per region read, whether new EBS volumes are encrypted by default (a region
    /// whose setting could not be read is absent, and its coverage gap names the
    /// account; `None`: no region was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_encryption_by_default: Option<BTreeMap<String, bool>>,
    /// Per region read, whether an enabled GuardDuty detector watches it (read as
    /// `ebs_encryption_by_default` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardduty_enabled: Option<BTreeMap<String, bool>>,
    /// Per region read, whether an AWS Config recorder is recording every supported
    /// resource type there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_recording: Option<BTreeMap<String, bool>>,
    /// Per region read, whether Security Hub is enabled there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_hub_enabled: Option<BTreeMap<String, bool>>,
    /// Per region read, the resource types AWS Backup is opted in to manage there
    /// (`DescribeRegionSettings`: `RDS`, `Aurora`, `DynamoDB`, `EBS`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_opted_in: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// `o-…`, what `aws:PrincipalOrgID` compares with.
    pub id: String,
    /// The management account, to which service control policies do not apply.
    pub management_account: String,
    /// The service control policies from the root down to the account, one level
    /// per entry, each of which must allow (`None`: not read; only the management
    /// account may list them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_control_policies: Option<Vec<ScpLevel>>,
}

/// The SCPs attached at one level of the organisation: its root, an OU, the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScpLevel {
    /// `r-…`, `ou-…` or the account id.
    pub target: String,
    pub policies: Vec<ScpPolicy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScpPolicy {
    pub id: String,
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase: bool,
    #[serde(default)]
    pub require_lowercase: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// How many earlier passwords a user may not reuse (`None`: reuse is allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_prevention: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub cidr_blocks: Vec<IpNet>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<IpNet>,
    #[serde(default)]
    pub is_default: bool,
    /// Whether an active flow log records the VPC's traffic (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub vpc: AssetId,
    pub cidr_block: IpNet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<IpNet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Whether new interfaces in it get a public IPv4 address (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_public_ip_on_launch: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub vpc: AssetId,
    /// The VPC's main table: it serves every subnet with no explicit association.
    #[serde(default)]
    pub main: bool,
    /// Subnets explicitly associated with this table.
    #[serde(default)]
    pub subnets: Vec<AssetId>,
    pub routes: Vec<Route>,
}

/// One route: traffic to `destination` goes to `target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination CIDR (IPv4 or IPv6). `None` with `destination_prefix_list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<IpNet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list: Option<String>,
    pub target_kind: RouteTargetKind,
    /// The gateway, peering, NAT or interface; `None` for `local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<AssetId>,
    /// `blackhole` routes exist but drop traffic.
    #[serde(default)]
    pub blackhole: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTargetKind {
    Local,
    InternetGateway,
    EgressOnlyInternetGateway,
    NatGateway,
    VpcPeering,
    TransitGateway,
    NetworkInterface,
    Instance,
    VpcEndpoint,
    VirtualPrivateGateway,
    Other,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    /// The VPCs it is attached to (zero or one in practice).
    #[serde(default)]
    pub vpcs: Vec<AssetId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub subnet: AssetId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<std::net::IpAddr>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub vpc: AssetId,
    #[serde(default)]
    pub is_default: bool,
    pub subnets: Vec<AssetId>,
    /// Entries in both directions; evaluated in rule-number order, first match wins.
    /// A rule number appears once per direction, as EC2 enforces: with two, the
    /// outcome would hang on list order.
    #[serde(deserialize_with = "unique_rule_numbers")]
    pub entries: Vec<NaclEntry>,
}

fn unique_rule_numbers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<NaclEntry>, D::Error> {
    let entries = Vec::<NaclEntry>::deserialize(d)?;
    let mut seen = std::collections::BTreeSet::new();
    for e in &entries {
        if !seen.insert((e.egress, e.rule_number)) {
            let direction = if e.egress { "outbound" } else { "inbound" };
            return Err(serde::de::Error::custom(format!(
                "{direction} rule number {} appears twice; EC2 allows one rule per number and direction",
                e.rule_number
            )));
        }
    }
    Ok(entries)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    pub rule_number: u16,
    pub egress: bool,
    pub action: RuleAction,
    pub protocol: Protocol,
    /// `None`: every port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortRange>,
    pub cidr: IpNet,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub vpc: AssetId,
    pub group_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    #[serde(default)]
    pub egress: Vec<SgRule>,
}

/// One security group rule with one source (inbound) or destination (outbound).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// The rule id AWS gives (`sgr-...`), or a stable position-based name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub protocol: Protocol,
    /// `None`: every port of the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortRange>,
    pub peer: SgPeer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where a security group rule lets traffic come from (or go to).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SgPeer {
    Cidr(IpNet),
    SecurityGroup(AssetId),
    PrefixList(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub subnet: AssetId,
    #[serde(default)]
    pub private_ips: Vec<std::net::IpAddr>,
    /// Public IPv4 address (auto-assigned or Elastic IP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<std::net::IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_addresses: Vec<std::net::IpAddr>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    /// The instance it is attached to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<AssetId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2Instance {
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    pub subnet: AssetId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<std::net::IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<std::net::IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_addresses: Vec<std::net::IpAddr>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    #[serde(default)]
    pub network_interfaces: Vec<AssetId>,
    /// The role of its instance profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_role: Option<AssetId>,
    /// Whether IMDSv2 (session tokens) is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imdsv2_required: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbsVolume {
    pub size_gib: u32,
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    #[serde(default)]
    pub attached_to: Vec<AssetId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    /// The bucket policy; an empty document when the bucket has none (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDocument>,
    /// ACL grants (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl_grants: Option<Vec<AclGrant>>,
    /// The canonical user id of the bucket's owner, from its ACL: grants to it
    /// are grants to the bucket's own account (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_canonical_id: Option<String>,
    /// Bucket-level public access block; all `false` when not configured (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
    /// Default encryption (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_encryption: Option<BucketEncryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logging: Option<bool>,
    /// Whether S3 Object Lock keeps object versions from being deleted or overwritten
    /// (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_lock: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// `canonical_user:<id>`, `group:AllUsers`, `group:AuthenticatedUsers`, `group:LogDelivery`, `email:<addr>`.
    pub grantee: String,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub permission: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`; `None`: no default encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsInstance {
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    pub publicly_accessible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub port: u16,
    pub storage_encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    pub vpc: AssetId,
    /// Subnets of its DB subnet group.
    pub subnets: Vec<AssetId>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    /// A standby in a second availability zone (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_az: Option<bool>,
    /// Days automated backups are kept, 0 when they are off (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<u32>,
    /// Whether the parameter group forces TLS (`rds.force_ssl` / `require_secure_transport`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_required: Option<bool>,
    /// Whether deletion protection is on (an Aurora instance: its cluster's; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Whether minor engine upgrades are applied automatically (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_minor_version_upgrade: Option<bool>,
    /// Whether IAM database authentication is enabled (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_auth: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// `application`, `network` or `gateway`.
    pub lb_type: String,
    pub internet_facing: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    pub vpc: AssetId,
    pub subnets: Vec<AssetId>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    #[serde(default)]
    pub listeners: Vec<Listener>,
    /// Whether access logs are delivered to S3 (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<bool>,
    /// Whether deletion protection is on (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// An application load balancer's: whether it drops requests whose header
    /// names are not valid HTTP (`None`: not read, or not an application one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops_invalid_headers: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`.
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    pub default_action: ListenerAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListenerAction {
    Forward(Vec<AssetId>),
    Redirect { protocol: String, port: Option<u16> },
    FixedResponse { status: u16 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    pub protocol: String,
    pub port: u16,
    pub vpc: AssetId,
    /// `instance`, `ip` or `lambda`.
    pub target_type: String,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: AssetId,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
}

/// An inline policy, embedded in its user, group or role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamUser {
    pub created: DateTime<Utc>,
    /// Whether the user has a console password.
    pub console_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<DateTime<Utc>>,
    /// Whether the credential report says the password was never used (`None`: the
    /// report was not read, or has no row for the user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_never_used: Option<bool>,
    /// MFA devices (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_devices: Option<Vec<AssetId>>,
    #[serde(default)]
    pub groups: Vec<AssetId>,
    #[serde(default)]
    pub attached_policies: Vec<AssetId>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// The managed policy that bounds its permissions (absent: none is set; the
    /// listing that returns the principal returns its boundary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<AssetId>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGroup {
    #[serde(default)]
    pub attached_policies: Vec<AssetId>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub trust_policy: PolicyDocument,
    #[serde(default)]
    pub attached_policies: Vec<AssetId>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
    /// The managed policy that bounds its permissions (absent: none is set; the
    /// listing that returns the principal returns its boundary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<AssetId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamPolicy {
    /// The default version's document: what the policy grants now.
    pub document: PolicyDocument,
    /// Managed by AWS (`arn:aws:iam::aws:policy/...`) rather than the customer.
    #[serde(default)]
    pub aws_managed: bool,
    /// The versions that are not the default, which `iam:SetDefaultPolicyVersion`
    /// can make the default (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_versions: Option<Vec<PolicyVersion>>,
}

/// A stored version of a managed policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub version_id: String,
    pub document: PolicyDocument,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamAccessKey {
    pub user: AssetId,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created: DateTime<Utc>,
    /// `None`: never used (or not read, with a coverage record saying so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamMfaDevice {
    pub user: AssetId,
    pub virtual_device: bool,
    pub enabled: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    /// `CUSTOMER` or `AWS`.
    pub key_manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ...
    pub state: String,
    /// Automatic yearly rotation (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// Where the key material comes from: `AWS_KMS`, `EXTERNAL` (imported),
    /// `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`. Only symmetric keys whose material KMS
    /// made can rotate automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The key policy (`None`: not read). A key policy must allow every use of
    /// the key, by name or by delegating to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDocument>,
}

/// An EBS snapshot owned by the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbsSnapshot {
    /// The volume it was taken from (which may no longer exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<AssetId>,
    pub size_gib: u32,
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    /// Whether anyone may create a volume from it (`createVolumePermission` group `all`;
    /// `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
}

/// A VPC peering connection; routes name it as their target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcPeering {
    pub requester_vpc: AssetId,
    pub accepter_vpc: AssetId,
    /// `active`, `pending-acceptance`, `deleted`, ...
    pub status: String,
}

/// A CloudTrail trail: where API activity is logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrail {
    pub multi_region: bool,
    #[serde(default)]
    pub organization_trail: bool,
    pub home_region: String,
    /// Whether the trail is recording now (`GetTrailStatus`; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<bool>,
    #[serde(default)]
    pub log_file_validation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<AssetId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    /// The CloudWatch Logs group the trail also delivers to, where metric filters
    /// and alarms can watch it (`None`: it delivers to S3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_logs_group: Option<String>,
    /// Whether its event selectors record S3 object-level reads (`GetObject`, …) of
    /// every bucket (`GetEventSelectors`; `None`: not read). A selector narrowed to
    /// some buckets, events or callers does not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_object_reads_logged: Option<bool>,
    /// The same for S3 object-level writes (`PutObject`, `DeleteObject`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_object_writes_logged: Option<bool>,
}

/// A snapshot of an RDS instance or an Aurora cluster, manual or automated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsSnapshot {
    /// The identifier of the instance or cluster it was taken from (which may no
    /// longer exist).
    pub source: String,
    /// Whether it is a cluster snapshot (Aurora, Multi-AZ clusters).
    #[serde(default)]
    pub cluster: bool,
    /// `manual`, `automated`, `awsbackup`, ...
    pub snapshot_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    /// Whether anyone may restore it (its `restore` attribute lists `all`; `None`:
    /// not read). Automated snapshots cannot be shared, so are never public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
}

/// A Secrets Manager secret: its rotation and use, never its value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    pub rotation_enabled: bool,
    /// Days between automatic rotations (`None`: no schedule in days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<DateTime<Utc>>,
    /// The day the secret was last retrieved (Secrets Manager keeps dates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
}

/// An ACM certificate: what it is for, whether it is used, and when it expires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcmCertificate {
    pub domain: String,
    /// `ISSUED`, `EXPIRED`, `PENDING_VALIDATION`, `REVOKED`, ...
    pub status: String,
    /// `AMAZON_ISSUED`, `IMPORTED` (never renewed by ACM) or `PRIVATE`.
    pub certificate_type: String,
    /// Whether a load balancer, distribution or API uses it.
    pub in_use: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
    /// `ELIGIBLE` or `INELIGIBLE` for ACM's managed renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_eligibility: Option<String>,
}

/// A Lambda function: what runs it, whether it is in a VPC, and who may call it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaFunction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// The execution role it runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AssetId>,
    /// Its subnets when it runs in a VPC (empty: it does not).
    #[serde(default)]
    pub subnets: Vec<AssetId>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    /// Its function URLs, one per alias or `$LATEST` (`None`: not read; empty: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_urls: Option<Vec<FunctionUrl>>,
    /// Its resource-based policy (`None`: not read; a function without one has an
    /// empty document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDocument>,
}

/// A Lambda function URL: an HTTPS endpoint on the internet that invokes the function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionUrl {
    pub url: String,
    /// `NONE` (no signature asked: the resource policy alone decides who may call)
    /// or `AWS_IAM`.
    pub auth_type: String,
}

/// A DynamoDB table: how it is encrypted, recovered and protected from deletion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbTable {
    /// The customer or AWS managed KMS key it is encrypted with (`None`: the
    /// AWS-owned key DynamoDB uses by default; every table is encrypted at rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    /// Whether point-in-time recovery is on (`DescribeContinuousBackups`; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_count: Option<u64>,
}

/// A Redshift cluster: how it is encrypted, whether it has a public address, whether
/// it refuses connections without TLS, and whether it keeps an audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedshiftCluster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub port: u16,
    pub publicly_accessible: bool,
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    pub vpc: AssetId,
    /// Subnets of its cluster subnet group (`DescribeClusterSubnetGroups`).
    #[serde(default)]
    pub subnets: Vec<AssetId>,
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
    /// Whether its parameter group sets `require_ssl` (`DescribeClusterParameters`;
    /// `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_ssl: Option<bool>,
    /// Whether audit logging (connections and users, to S3 or CloudWatch Logs) is on
    /// (`DescribeLoggingStatus`; `None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_logging: Option<bool>,
    /// Days automated snapshots are kept, 0 when they are off (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention_days: Option<u32>,
}

/// An ElastiCache cache: a Redis OSS or Valkey replication group, or a cache cluster
/// of no group (Memcached, or a single Redis node), with its encryption and backups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElastiCacheCluster {
    /// `redis`, `valkey` or `memcached`.
    pub engine: String,
    /// Whether data on disk and in backups is encrypted (`None`: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_rest_encryption: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<AssetId>,
    /// Whether clients must connect with TLS (`None`: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_encryption: Option<bool>,
    /// Whether an AUTH token is required of clients (`None`: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<bool>,
    /// Days automatic snapshots are kept, 0 when they are off (`None`: not reported;
    /// Memcached has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention_days: Option<u32>,
    /// The VPC of its cache subnet group (`None`: the group was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<AssetId>,
    #[serde(default)]
    pub subnets: Vec<AssetId>,
    /// Its nodes' security groups.
    #[serde(default)]
    pub security_groups: Vec<AssetId>,
}

/// An AWS Backup plan: its rules and which resources its selections assign to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupPlan {
    pub rules: Vec<BackupRule>,
    /// Its resource assignments (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selections: Option<Vec<BackupSelection>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupRule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Days a recovery point is kept (`None`: kept until deleted by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<u64>,
    pub vault: String,
}

/// One resource assignment of a plan, as AWS Backup matches it: a resource is
/// assigned when it matches one of `resources` (ARN patterns with `*`) or one of
/// `any_tag` (`ListOfTags`, exact), and every one of `all_tags` (`Conditions`), and
/// none of `not_resources`. A selection with neither `resources` nor `any_tag`
/// assigns every resource whose type is opted in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSelection {
    pub name: String,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub not_resources: Vec<String>,
    #[serde(default)]
    pub any_tag: Vec<TagCondition>,
    #[serde(default)]
    pub all_tags: Vec<TagCondition>,
}

/// A tag test of a backup selection: `operator` is `StringEquals`, `StringLike`,
/// `StringNotEquals` or `StringNotLike` (`*` matches any characters in the `Like` forms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagCondition {
    pub operator: String,
    pub key: String,
    pub value: String,
}

impl Related for Account {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for Vpc {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for Subnet {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Contains, &self.vpc);
    }
}
impl Related for RouteTable {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Contains, &self.vpc);
        s.to_all(R::RoutesSubnet, &self.subnets);
        s.to_all(R::RouteTarget, self.routes.iter().filter_map(|r| r.target.as_ref()));
    }
}
impl Related for InternetGateway {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::AttachedTo, &self.vpcs);
    }
}
impl Related for NatGateway {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::InSubnet, &self.subnet);
    }
}
impl Related for NetworkAcl {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Contains, &self.vpc);
        s.to_all(R::GuardsSubnet, &self.subnets);
    }
}
impl Related for SecurityGroup {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Contains, &self.vpc);
    }
}
impl Related for NetworkInterface {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::InSubnet, &self.subnet);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(instance) = &self.attached_to {
            s.to(R::AttachedTo, instance);
        }
    }
}
impl Related for Ec2Instance {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::InSubnet, &self.subnet);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(role) = &self.instance_role {
            s.to(R::RunsAs, role);
        }
    }
}
impl Related for EbsVolume {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::AttachedTo, &self.attached_to);
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for S3Bucket {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = self.default_encryption.as_ref().and_then(|e| e.kms_key.as_ref()) {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for RdsInstance {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::InSubnet, &self.subnets);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for LoadBalancer {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::InSubnet, &self.subnets);
        s.to_all(R::MemberOfSg, &self.security_groups);
        for listener in &self.listeners {
            if let ListenerAction::Forward(groups) = &listener.default_action {
                s.to_all(R::ListenerForwardsTo, groups);
            }
        }
    }
}
impl Related for TargetGroup {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::Targets, self.targets.iter().map(|t| &t.id));
    }
}
impl Related for IamUser {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::MemberOfGroup, &self.groups);
        s.to_all(R::HasPolicy, &self.attached_policies);
        s.to_all(R::BoundedBy, &self.permissions_boundary);
    }
}
impl Related for IamGroup {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::HasPolicy, &self.attached_policies);
    }
}
impl Related for IamRole {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::HasPolicy, &self.attached_policies);
        s.to_all(R::BoundedBy, &self.permissions_boundary);
    }
}
impl Related for IamPolicy {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for IamAccessKey {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Owns, &self.user);
    }
}
impl Related for IamMfaDevice {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.from(R::Owns, &self.user);
    }
}
impl Related for KmsKey {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for EbsSnapshot {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for VpcPeering {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to(R::AttachedTo, &self.requester_vpc);
        s.to(R::AttachedTo, &self.accepter_vpc);
    }
}
impl Related for RdsSnapshot {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for Secret {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for AcmCertificate {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}
impl Related for CloudTrail {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for LambdaFunction {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::InSubnet, &self.subnets);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(role) = &self.role {
            s.to(R::RunsAs, role);
        }
    }
}
impl Related for DynamoDbTable {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for RedshiftCluster {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::InSubnet, &self.subnets);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for ElastiCacheCluster {
    fn relations<'a>(&'a self, s: &mut RelationSink<'a>) {
        s.to_all(R::InSubnet, &self.subnets);
        s.to_all(R::MemberOfSg, &self.security_groups);
        if let Some(key) = &self.kms_key {
            s.to(R::EncryptedWith, key);
        }
    }
}
impl Related for BackupPlan {
    fn relations<'a>(&'a self, _: &mut RelationSink<'a>) {}
}

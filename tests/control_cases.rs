//! Controls on the cases that must not fail: what cannot be done (a key that cannot
//! rotate automatically), what has not had time to go wrong (a key made yesterday),
//! what was not read (backup retention), and what has nothing to protect (a root
//! user without a password) — each against the control files in `queries/`.

mod common;

use auditgraph::findings::Outcome;
use auditgraph::scan::Scan;
use auditgraph::source::FixtureProvider;
use serde_json::{json, Value};

const ACCOUNT: &str = "111111111111";
const SCANNED: &str = "2026-11-20T09:00:00Z";

fn scan_of(assets: Vec<Value>) -> Scan {
    scan_in(ACCOUNT, assets)
}

/// A scan of one AWS inventory of `scope` holding `assets`, with the controls of `queries/`.
fn scan_in(scope: &str, assets: Vec<Value>) -> Scan {
    scan_in_cloud("aws", scope, assets)
}

fn scan_in_cloud(cloud: &str, scope: &str, assets: Vec<Value>) -> Scan {
    let dir = common::scratch();
    let inventory = json!({
        "format": "auditgraph-inventory/1", "cloud": cloud, "scope": scope, "collected_at": SCANNED,
        "assets": assets, "relations": [], "coverage": [],
    });
    std::fs::write(dir.path().join("inventory.json"), inventory.to_string()).unwrap();
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let sources = FixtureProvider::new(dir.path()).collect_sourced().unwrap();
    auditgraph::scan::run(sources, &controls, SCANNED.parse().unwrap())
}

/// The outcome of `control` on `asset`: `None` when the asset is outside its population.
fn outcome(scan: &Scan, control: &str, asset: &str) -> Option<Outcome> {
    let outside = scan.evaluation.not_applicable.iter().any(|(c, a)| c == control && a.as_str() == asset);
    if outside {
        return None;
    }
    let found = scan.evaluation.findings.iter().find(|f| f.control == control && f.asset.as_str() == asset);
    Some(found.map_or(Outcome::Pass, |f| f.outcome))
}

fn evaluated(scan: &Scan, control: &str) -> usize {
    scan.evaluation.results.iter().find(|r| r.control == control).map_or(0, |r| r.evaluated)
}

fn kms_key(name: &str, attributes: Value) -> Value {
    json!({"id": format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{name}"), "kind": "aws_kms_key", "name": name,
           "account": ACCOUNT, "region": "eu-west-1", "attributes": attributes})
}

#[test]
fn only_keys_that_can_rotate_automatically_are_judged_on_rotation() {
    let customer = |spec: &str, origin: &str, rotation: Option<bool>| {
        let mut a = json!({"key_manager": "CUSTOMER", "state": "Enabled", "key_spec": spec, "origin": origin});
        if let Some(r) = rotation {
            a["rotation_enabled"] = json!(r);
        }
        a
    };
    let scan = scan_of(vec![
        kms_key("symmetric-off", customer("SYMMETRIC_DEFAULT", "AWS_KMS", Some(false))),
        kms_key("symmetric-on", customer("SYMMETRIC_DEFAULT", "AWS_KMS", Some(true))),
        kms_key("signing", customer("RSA_2048", "AWS_KMS", None)),
        kms_key("hmac", customer("HMAC_256", "AWS_KMS", Some(false))),
        kms_key("imported", customer("SYMMETRIC_DEFAULT", "EXTERNAL", Some(false))),
        kms_key("cloudhsm", customer("SYMMETRIC_DEFAULT", "AWS_CLOUDHSM", None)),
        kms_key(
            "aws-managed",
            json!({"key_manager": "AWS", "state": "Enabled", "rotation_enabled": true,
                                      "key_spec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS"}),
        ),
        kms_key(
            "disabled",
            json!({"key_manager": "CUSTOMER", "state": "Disabled", "rotation_enabled": false,
                                   "key_spec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS"}),
        ),
        // An inventory from before origins were read: whether the control applies is open.
        kms_key(
            "no-origin",
            json!({"key_manager": "CUSTOMER", "state": "Enabled", "rotation_enabled": false,
                                    "key_spec": "SYMMETRIC_DEFAULT"}),
        ),
        // Rotation could not be read for a key that can rotate: unknown, not a pass.
        kms_key("unread", customer("SYMMETRIC_DEFAULT", "AWS_KMS", None)),
    ]);
    let key = |name: &str| format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{name}");
    let control = "kms-rotation-disabled";
    assert_eq!(outcome(&scan, control, &key("symmetric-off")), Some(Outcome::Fail));
    assert_eq!(outcome(&scan, control, &key("symmetric-on")), Some(Outcome::Pass));
    for outside in ["signing", "hmac", "imported", "cloudhsm", "aws-managed", "disabled"] {
        assert_eq!(outcome(&scan, control, &key(outside)), None, "{outside}");
    }
    assert_eq!(outcome(&scan, control, &key("no-origin")), Some(Outcome::Unknown));
    assert_eq!(outcome(&scan, control, &key("unread")), Some(Outcome::Unknown));
    let why =
        scan.evaluation.findings.iter().find(|f| f.control == control && f.asset.as_str() == key("no-origin")).unwrap();
    assert!(format!("{:?}", why.evidence).contains("could not tell whether the control applies"), "{why:?}");
    // The population is what the control judged: four keys, counted alike everywhere.
    assert_eq!(evaluated(&scan, control), 4);
    let r = scan.evaluation.results.iter().find(|r| r.control == control).unwrap();
    assert_eq!((r.passed, r.failed, r.unknown), (1, 1, 2));
    // The history keeps the same population: no pass stored for a key outside it.
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let record = auditgraph::history::ScanRecord::of(&scan, &controls);
    let stored: Vec<&str> = record.outcomes.iter().filter(|o| o.control == control).map(|o| o.asset.as_str()).collect();
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert!(!stored.contains(&key("signing").as_str()), "{stored:?}");
}

#[test]
fn an_access_key_is_stale_from_its_creation_or_its_last_use_not_for_being_new() {
    let key = |name: &str, created: &str, last_used: Option<&str>| {
        let mut attributes = json!({"user": format!("arn:aws:iam::{ACCOUNT}:user/{name}"), "status": "Active",
                                    "created": created});
        if let Some(used) = last_used {
            attributes["last_used"] = json!(used);
        }
        json!({"id": format!("arn:aws:iam::{ACCOUNT}:access-key/{name}"), "kind": "aws_iam_access_key",
               "name": name, "account": ACCOUNT, "attributes": attributes})
    };
    let scan = scan_of(vec![
        key("made-yesterday", "2026-11-19T09:00:00Z", None),
        key("never-used-old", "2026-06-01T09:00:00Z", None),
        key("used-lately", "2026-10-01T09:00:00Z", Some("2026-11-18T09:00:00Z")),
        key("old-and-used", "2026-01-01T09:00:00Z", Some("2026-11-18T09:00:00Z")),
        key("idle", "2026-08-01T09:00:00Z", Some("2026-08-02T09:00:00Z")),
    ]);
    let id = |name: &str| format!("arn:aws:iam::{ACCOUNT}:access-key/{name}");
    let control = "iam-access-key-stale";
    assert_eq!(outcome(&scan, control, &id("made-yesterday")), Some(Outcome::Pass));
    assert_eq!(outcome(&scan, control, &id("used-lately")), Some(Outcome::Pass));
    assert_eq!(outcome(&scan, control, &id("never-used-old")), Some(Outcome::Fail));
    assert_eq!(outcome(&scan, control, &id("old-and-used")), Some(Outcome::Fail), "not rotated in 90 days");
    assert_eq!(outcome(&scan, control, &id("idle")), Some(Outcome::Fail), "unused for 110 days");
}

#[test]
fn a_backup_retention_not_read_is_unknown_not_zero() {
    let rds = |name: &str, retention: Option<u32>| {
        let mut attributes = json!({"engine": "postgres", "publicly_accessible": false, "port": 5432,
                                    "storage_encrypted": true, "multi_az": true,
                                    "vpc": format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-1"), "subnets": []});
        if let Some(days) = retention {
            attributes["backup_retention_days"] = json!(days);
        }
        json!({"id": format!("arn:aws:rds:eu-west-1:{ACCOUNT}:db:{name}"), "kind": "aws_rds_instance",
               "name": name, "account": ACCOUNT, "region": "eu-west-1", "attributes": attributes})
    };
    let scan = scan_of(vec![rds("unread", None), rds("off", Some(0)), rds("week", Some(7))]);
    let id = |name: &str| format!("arn:aws:rds:eu-west-1:{ACCOUNT}:db:{name}");
    let control = "rds-backup-retention-short";
    assert_eq!(outcome(&scan, control, &id("unread")), Some(Outcome::Unknown));
    assert_eq!(outcome(&scan, control, &id("off")), Some(Outcome::Fail));
    assert_eq!(outcome(&scan, control, &id("week")), Some(Outcome::Pass));
}

#[test]
fn a_root_user_without_a_password_needs_no_mfa() {
    let account = |id: &str, attributes: Value| {
        json!({"id": format!("arn:aws:iam::{id}:root"), "kind": "aws_account", "name": id, "account": id,
               "attributes": attributes})
    };
    let cases = [
        (
            "222222222222",
            json!({"account_id": "222222222222", "root_mfa_enabled": false, "root_password_present": false}),
        ),
        (
            "333333333333",
            json!({"account_id": "333333333333", "root_mfa_enabled": false, "root_password_present": true}),
        ),
        ("444444444444", json!({"account_id": "444444444444", "root_mfa_enabled": false})),
    ];
    for (id, attributes) in cases {
        let scan = scan_in(id, vec![account(id, attributes.clone())]);
        let got = outcome(&scan, "root-mfa-disabled", &format!("arn:aws:iam::{id}:root"));
        let want = match attributes.get("root_password_present") {
            // Centrally removed root credentials: nothing to sign in with.
            Some(Value::Bool(false)) => None,
            // A password, or a summary that does not say: MFA is required.
            _ => Some(Outcome::Fail),
        };
        assert_eq!(got, want, "{attributes}");
    }
}

/// How a case's third asset is left undecided.
enum Unread {
    /// The failing asset without this attribute: it was not collected.
    Field(&'static str),
    /// The passing asset, with a coverage gap on it of a call the control needs.
    Gap,
}

/// A control judged on three assets of one kind: one that fails, one that passes,
/// and one whose data was not read (unknown, never a pass).
struct Case {
    control: &'static str,
    kind: &'static str,
    /// The attributes the three share; `failing` and `passing` are merged into it.
    base: Value,
    failing: Value,
    passing: Value,
    unread: Unread,
}

fn case(
    control: &'static str,
    kind: &'static str,
    base: Value,
    failing: Value,
    passing: Value,
    unread: Unread,
) -> Case {
    Case { control, kind, base, failing, passing, unread }
}

/// A control that fails when `field` is false and passes when it is true.
fn off_fails(control: &'static str, kind: &'static str, base: Value, field: &'static str) -> Case {
    case(control, kind, base, json!({ field: false }), json!({ field: true }), Unread::Field(field))
}

/// A control that fails when `field` is true and passes when it is false.
fn on_fails(control: &'static str, kind: &'static str, base: Value, field: &'static str) -> Case {
    case(control, kind, base, json!({ field: true }), json!({ field: false }), Unread::Field(field))
}

fn merged(base: &Value, extra: &Value) -> Value {
    let mut out = base.clone();
    for (k, v) in extra.as_object().expect("an object of attributes") {
        out[k] = v.clone();
    }
    out
}

/// Every control's three cases, by the control files' own semantics. Controls over
/// a fact of the whole estate (reachability, IAM evaluation) fail and pass in the
/// demo estate; their unknown case is here.
fn cases() -> Vec<Case> {
    use Unread::{Field, Gap};
    let vpc = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-1");
    let subnet = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-1");
    let instance = json!({"state": "running", "subnet": subnet, "imdsv2_required": true});
    let rds = json!({"engine": "postgres", "publicly_accessible": false, "port": 5432, "storage_encrypted": true,
                     "vpc": vpc, "subnets": [], "multi_az": true, "backup_retention_days": 7, "tls_required": true});
    let block = |on: bool| {
        json!({"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": on,
               "restrict_public_buckets": true})
    };
    let policy = |length: u32| {
        json!({"minimum_length": length, "require_symbols": true, "require_numbers": true,
               "require_uppercase": true, "require_lowercase": true})
    };
    let sg = |ingress: Value| json!({"vpc": vpc, "group_name": "web", "description": "web", "ingress": ingress, "egress": []});
    let sg_rule = |ports: &str, cidr: &str| json!([{"protocol": "tcp", "ports": ports, "peer": {"cidr": cidr}}]);
    let acl_entries = |ports: &str| {
        json!([{"rule_number": 100, "egress": false, "action": "allow", "protocol": "tcp", "ports": ports, "cidr": "0.0.0.0/0"},
               {"rule_number": 32767, "egress": false, "action": "deny", "protocol": "all", "cidr": "0.0.0.0/0"}])
    };
    let firewall = |ports: &str, source: &str| {
        json!({"network": "//compute.googleapis.com/projects/p/global/networks/n", "direction": "ingress",
               "priority": 1000, "action": "allow", "rules": [{"protocol": "tcp", "ports": [ports]}],
               "source_ranges": [source], "source_tags": [], "target_tags": []})
    };
    let trail = json!({"multi_region": true, "organization_trail": false, "home_region": "eu-west-1", "logging": true,
                       "log_file_validation": true, "kms_key": format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/k")});
    let listener = |protocol: &str, extra: Value| {
        merged(&json!({"port": 443, "protocol": protocol, "default_action": {"forward": []}}), &extra)
    };
    let lb = |listeners: Value| json!({"lb_type": "application", "internet_facing": true, "vpc": vpc, "subnets": [], "listeners": listeners});
    let user =
        json!({"created": "2024-01-01T00:00:00Z", "console_access": true, "groups": [], "attached_policies": []});
    let key = json!({"user": format!("arn:aws:iam::{ACCOUNT}:user/u"), "status": "Active", "created": "2024-01-01T00:00:00Z"});
    let vm = json!({"zone": "europe-west1-b", "status": "RUNNING", "network_tags": [],
                    "network_interfaces": [{"network": "//compute.googleapis.com/projects/p/global/networks/n",
                        "subnetwork": "//compute.googleapis.com/projects/p/regions/europe-west1/subnetworks/s",
                        "internal_ip": "10.0.0.2"}],
                    "service_accounts": ["runner@p.iam.gserviceaccount.com"]});
    let warehouse = json!({"port": 5439, "publicly_accessible": false, "encrypted": true, "vpc": vpc});
    let cache = json!({"engine": "redis", "at_rest_encryption": true, "transit_encryption": true,
                       "snapshot_retention_days": 7});
    let sql = json!({"database_version": "POSTGRES_15", "authorized_networks": [], "ssl_required": true,
                     "backups_enabled": true});
    vec![
        case(
            "ec2-imdsv2-not-required",
            "aws_ec2_instance",
            instance.clone(),
            json!({"imdsv2_required": false}),
            json!({}),
            Field("imdsv2_required"),
        ),
        case(
            "bucket-versioning-disabled",
            "aws_s3_bucket",
            json!({}),
            json!({"versioning": false}),
            json!({"versioning": true}),
            Field("versioning"),
        ),
        case(
            "s3-access-logging-disabled",
            "aws_s3_bucket",
            json!({}),
            json!({"access_logging": false}),
            json!({"access_logging": true}),
            Field("access_logging"),
        ),
        case(
            "rds-not-multi-az",
            "aws_rds_instance",
            rds.clone(),
            json!({"multi_az": false}),
            json!({}),
            Field("multi_az"),
        ),
        case(
            "subnet-assigns-public-ip",
            "aws_subnet",
            json!({"vpc": vpc, "cidr_block": "10.0.1.0/24"}),
            json!({"map_public_ip_on_launch": true}),
            json!({"map_public_ip_on_launch": false}),
            Field("map_public_ip_on_launch"),
        ),
        case(
            "s3-account-public-access-block-off",
            "aws_account",
            json!({"account_id": ACCOUNT}),
            json!({"s3_public_access_block": block(false)}),
            json!({"s3_public_access_block": block(true)}),
            Field("s3_public_access_block"),
        ),
        // Read and absent fails; read and present passes at 14; not read is unknown.
        case(
            "iam-password-policy-weak",
            "aws_account",
            json!({"account_id": ACCOUNT, "password_policy": policy(14)}),
            json!({"custom_password_policy": false}),
            json!({"custom_password_policy": true}),
            Field("custom_password_policy"),
        ),
        case(
            "iam-password-policy-weak",
            "aws_account",
            json!({"account_id": ACCOUNT, "custom_password_policy": true}),
            json!({"password_policy": policy(8)}),
            json!({"password_policy": policy(14)}),
            Field("password_policy"),
        ),
        case(
            "network-rule-admin-port-open",
            "aws_security_group",
            sg(json!([])),
            json!({"ingress": sg_rule("20-23", "0.0.0.0/0")}),
            json!({"ingress": sg_rule("22", "203.0.113.0/24")}),
            Gap,
        ),
        case(
            "network-rule-admin-port-open",
            "aws_security_group",
            sg(json!([])),
            json!({"ingress": [{"protocol": "all", "peer": {"cidr": "::/0"}}]}),
            json!({"ingress": [{"protocol": "tcp", "ports": "22",
                                 "peer": {"security_group": format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/sg-b")}}]}),
            Gap,
        ),
        case(
            "network-rule-admin-port-open",
            "gcp_firewall_rule",
            firewall("3389", "0.0.0.0/0"),
            json!({}),
            json!({"action": "deny"}),
            Gap,
        ),
        case(
            "network-rule-database-port-open",
            "aws_security_group",
            sg(json!([])),
            json!({"ingress": sg_rule("5432", "0.0.0.0/0")}),
            json!({"ingress": sg_rule("443", "0.0.0.0/0")}),
            Gap,
        ),
        case(
            "network-rule-database-port-open",
            "gcp_firewall_rule",
            firewall("27017", "0.0.0.0/0"),
            json!({}),
            json!({"source_ranges": ["10.0.0.0/8"]}),
            Gap,
        ),
        // SSH only from private ranges, the rest from a deny list first: not from anywhere.
        case(
            "nacl-admin-port-open",
            "aws_network_acl",
            json!({"vpc": vpc, "is_default": false, "subnets": []}),
            json!({"entries": acl_entries("0-65535")}),
            json!({"entries": [{"rule_number": 90, "egress": false, "action": "deny", "protocol": "all",
                                 "cidr": "198.51.100.0/24"},
                                {"rule_number": 100, "egress": false, "action": "allow", "protocol": "tcp",
                                 "ports": "443", "cidr": "0.0.0.0/0"},
                                {"rule_number": 110, "egress": false, "action": "allow", "protocol": "tcp",
                                 "ports": "22", "cidr": "10.0.0.0/8"}]}),
            Gap,
        ),
        case(
            "cloudtrail-not-logging",
            "aws_cloudtrail",
            trail.clone(),
            json!({"logging": false}),
            json!({}),
            Field("logging"),
        ),
        case(
            "cloudtrail-log-validation-disabled",
            "aws_cloudtrail",
            trail.clone(),
            json!({"log_file_validation": false}),
            json!({}),
            Gap,
        ),
        case(
            "cloudtrail-not-kms-encrypted",
            "aws_cloudtrail",
            merged(&trail, &json!({"kms_key": null})),
            json!({}),
            json!({"kms_key": format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/k")}),
            Gap,
        ),
        case(
            "elb-listener-plaintext",
            "aws_load_balancer",
            lb(json!([])),
            json!({"listeners": [listener("HTTP", json!({"port": 80}))]}),
            json!({"listeners": [listener("HTTP", json!({"port": 80,
                                   "default_action": {"redirect": {"protocol": "HTTPS", "port": 443}}}))]}),
            Gap,
        ),
        case(
            "elb-tls-policy-outdated",
            "aws_load_balancer",
            lb(json!([])),
            json!({"listeners": [listener("HTTPS", json!({"ssl_policy": "ELBSecurityPolicy-2016-08"}))]}),
            json!({"listeners": [listener("HTTPS", json!({"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}))]}),
            Gap,
        ),
        // Never used: counted from creation, so a user made in 2024 is long idle.
        case(
            "iam-password-unused-45",
            "aws_iam_user",
            user.clone(),
            json!({"password_never_used": true}),
            json!({"password_never_used": false, "password_last_used": "2026-11-01T00:00:00Z"}),
            Field("password_never_used"),
        ),
        case(
            "iam-access-key-unused-45",
            "aws_iam_access_key",
            key.clone(),
            json!({"last_used": "2026-09-01T00:00:00Z"}),
            json!({"created": "2026-11-01T00:00:00Z"}),
            Gap,
        ),
        case(
            "iam-user-direct-policies",
            "aws_iam_user",
            user.clone(),
            json!({"attached_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}),
            json!({}),
            Gap,
        ),
        case(
            "rds-publicly-accessible",
            "aws_rds_instance",
            rds.clone(),
            json!({"publicly_accessible": true}),
            json!({}),
            Gap,
        ),
        case(
            "rds-tls-not-required",
            "aws_rds_instance",
            rds.clone(),
            json!({"tls_required": false}),
            json!({}),
            Field("tls_required"),
        ),
        case(
            "rds-deletion-protection-off",
            "aws_rds_instance",
            merged(&rds, &json!({"deletion_protection": true})),
            json!({"deletion_protection": false}),
            json!({}),
            Field("deletion_protection"),
        ),
        case(
            "rds-auto-minor-upgrade-off",
            "aws_rds_instance",
            merged(&rds, &json!({"auto_minor_version_upgrade": true})),
            json!({"auto_minor_version_upgrade": false}),
            json!({}),
            Field("auto_minor_version_upgrade"),
        ),
        regional_setting_off("ebs-default-encryption-off", "ebs_encryption_by_default"),
        case(
            "root-mfa-disabled",
            "aws_account",
            json!({"account_id": ACCOUNT, "root_password_present": true}),
            json!({"root_mfa_enabled": false}),
            json!({"root_mfa_enabled": true}),
            Field("root_mfa_enabled"),
        ),
        case(
            "ebs-unencrypted",
            "aws_ebs_volume",
            json!({"size_gib": 8, "attached_to": []}),
            json!({"encrypted": false}),
            json!({"encrypted": true}),
            Gap,
        ),
        case(
            "ebs-snapshot-unencrypted",
            "aws_ebs_snapshot",
            json!({"size_gib": 8, "public": false}),
            json!({"encrypted": false}),
            json!({"encrypted": true}),
            Gap,
        ),
        case(
            "ebs-snapshot-public",
            "aws_ebs_snapshot",
            json!({"size_gib": 8, "encrypted": true}),
            json!({"public": true}),
            json!({"public": false}),
            Field("public"),
        ),
        case(
            "default-sg-allows-traffic",
            "aws_security_group",
            merged(&sg(json!([])), &json!({"group_name": "default"})),
            json!({"egress": [{"protocol": "all", "peer": {"cidr": "0.0.0.0/0"}}]}),
            json!({}),
            Gap,
        ),
        case(
            "confidential-bucket-without-cmek",
            "gcp_storage_bucket",
            json!({"location": "EU", "$tags": {"data": "customer"}}),
            json!({}),
            json!({"default_kms_key": "//cloudkms.googleapis.com/projects/p/locations/eu/keyRings/r/cryptoKeys/k"}),
            Gap,
        ),
        case(
            "policy-wildcard-action",
            "aws_iam_policy",
            json!({"aws_managed": false}),
            json!({"document": {"Version": "2012-10-17",
                                 "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}),
            json!({"document": {"Version": "2012-10-17",
                                 "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}),
            Gap,
        ),
        case(
            "role-external-trust-without-external-id",
            "aws_iam_role",
            json!({"attached_policies": []}),
            json!({"trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}]}}),
            json!({"trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}),
            Gap,
        ),
        case(
            "gcp-primitive-role-external",
            "gcp_project",
            json!({"project_id": "p", "ancestors": []}),
            json!({"iam_bindings": [{"role": "roles/editor", "members": ["user:someone@gmail.com"]}]}),
            json!({"iam_bindings": [{"role": "roles/editor", "members": ["group:admins@example.com"]}]}),
            Field("iam_bindings"),
        ),
        case(
            "gcp-default-network",
            "gcp_network",
            json!({"auto_create_subnetworks": true}),
            json!({"$name": "default"}),
            json!({}),
            Gap,
        ),
        case(
            "gcp-subnet-private-access-off",
            "gcp_subnetwork",
            json!({"network": "//compute.googleapis.com/projects/p/global/networks/n", "ip_cidr_range": "10.0.0.0/24"}),
            json!({"private_google_access": false}),
            json!({"private_google_access": true}),
            Gap,
        ),
        case(
            "kms-rotation-period-long",
            "gcp_kms_key",
            json!({"purpose": "ENCRYPT_DECRYPT"}),
            json!({"rotation_period_days": 365}),
            json!({"rotation_period_days": 90}),
            Gap,
        ),
        case(
            "iam-password-reuse-allowed",
            "aws_account",
            json!({"account_id": ACCOUNT, "custom_password_policy": true}),
            json!({"password_policy": merged(&policy(14), &json!({"reuse_prevention": 5}))}),
            json!({"password_policy": merged(&policy(14), &json!({"reuse_prevention": 24}))}),
            Field("password_policy"),
        ),
        case(
            "rds-iam-auth-disabled",
            "aws_rds_instance",
            merged(&rds, &json!({"iam_auth": true})),
            json!({"iam_auth": false}),
            json!({}),
            Field("iam_auth"),
        ),
        case(
            "vpc-flow-logs-disabled",
            "aws_vpc",
            json!({"cidr_blocks": ["10.9.0.0/16"]}),
            json!({"flow_logs": false}),
            json!({"flow_logs": true}),
            Field("flow_logs"),
        ),
        off_fails("elb-access-logs-disabled", "aws_load_balancer", lb(json!([])), "access_logs"),
        off_fails("elb-deletion-protection-off", "aws_load_balancer", lb(json!([])), "deletion_protection"),
        off_fails("elb-invalid-headers-accepted", "aws_load_balancer", lb(json!([])), "drops_invalid_headers"),
        case(
            "kms-key-pending-deletion",
            "aws_kms_key",
            json!({"key_manager": "CUSTOMER", "state": "Enabled"}),
            json!({"state": "PendingDeletion"}),
            json!({}),
            Gap,
        ),
        case(
            "gcp-bucket-uniform-access-off",
            "gcp_storage_bucket",
            json!({"location": "EU"}),
            json!({"uniform_bucket_level_access": false}),
            json!({"uniform_bucket_level_access": true}),
            Field("uniform_bucket_level_access"),
        ),
        case(
            "gcp-vm-default-service-account",
            "gcp_compute_instance",
            vm.clone(),
            json!({"service_accounts": ["123-compute@developer.gserviceaccount.com"]}),
            json!({}),
            Gap,
        ),
        case(
            "gcp-vm-public-ip",
            "gcp_compute_instance",
            vm.clone(),
            json!({"network_interfaces": [{"network": "//compute.googleapis.com/projects/p/global/networks/n",
                 "subnetwork": "//compute.googleapis.com/projects/p/regions/europe-west1/subnetworks/s",
                 "internal_ip": "10.0.0.3", "external_ip": "34.1.2.3"}]}),
            json!({}),
            Gap,
        ),
        case(
            "cloudsql-open-to-anywhere",
            "gcp_sql_instance",
            merged(&sql, &json!({"public_ip": "34.1.2.4"})),
            json!({"authorized_networks": [{"cidr": "0.0.0.0/0"}]}),
            json!({"authorized_networks": [{"cidr": "203.0.113.0/24"}]}),
            Gap,
        ),
        case("cloudsql-public-ip", "gcp_sql_instance", sql.clone(), json!({"public_ip": "34.1.2.5"}), json!({}), Gap),
        case(
            "cloudsql-backups-disabled",
            "gcp_sql_instance",
            sql.clone(),
            json!({"backups_enabled": false}),
            json!({}),
            Gap,
        ),
        regional_setting_off("guardduty-disabled", "guardduty_enabled"),
        regional_setting_off("config-recorder-off", "config_recording"),
        regional_setting_off("securityhub-disabled", "security_hub_enabled"),
        case(
            "cloudtrail-no-cloudwatch-logs",
            "aws_cloudtrail",
            trail.clone(),
            json!({}),
            json!({"cloudwatch_logs_group": format!("arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:trail:*")}),
            Gap,
        ),
        case(
            "rds-snapshot-public",
            "aws_rds_snapshot",
            json!({"source": "db", "snapshot_type": "manual", "encrypted": true}),
            json!({"public": true}),
            json!({"public": false}),
            Field("public"),
        ),
        case(
            "rds-snapshot-unencrypted",
            "aws_rds_snapshot",
            json!({"source": "db", "snapshot_type": "automated", "public": false}),
            json!({"encrypted": false}),
            json!({"encrypted": true}),
            Gap,
        ),
        case(
            "secret-rotation-disabled",
            "aws_secret",
            json!({}),
            // Rotating, but only twice a year.
            json!({"rotation_enabled": true, "rotation_days": 180}),
            json!({"rotation_enabled": true, "rotation_days": 30}),
            Gap,
        ),
        case(
            "acm-certificate-expiring",
            "aws_acm_certificate",
            json!({"domain": "a.example", "status": "ISSUED", "certificate_type": "IMPORTED", "in_use": true}),
            // 29 days and 23 hours after the scan; the passing one 31 days after.
            json!({"not_after": "2026-12-20T08:00:00Z"}),
            json!({"not_after": "2026-12-21T09:00:00Z"}),
            Field("not_after"),
        ),
        case(
            "gcp-data-access-logs-off",
            "gcp_project",
            // The organisation logs admin and data reads; the project adds writes.
            json!({"project_id": "p", "ancestors": [{"resource": "organizations/1", "audit_logs": [
                {"service": "allServices", "log_type": "ADMIN_READ"},
                {"service": "allServices", "log_type": "DATA_READ"}]}]}),
            // Writes on, but a member's writes left out.
            json!({"audit_logs": [{"service": "allServices", "log_type": "DATA_WRITE",
                                   "exempted_members": ["user:batch@example.com"]}]}),
            json!({"audit_logs": [{"service": "allServices", "log_type": "DATA_WRITE"}]}),
            Field("audit_logs"),
        ),
        case(
            "gcp-logs-not-exported",
            "gcp_project",
            // The folder's sink takes every entry, but of the folder's own logs only.
            json!({"project_id": "p", "ancestors": [{"resource": "folders/1", "log_sinks": [
                {"name": "folder-all", "destination": "storage.googleapis.com/folder-logs"}]}]}),
            json!({"log_sinks": [
                {"name": "_Default", "destination": "logging.googleapis.com/projects/p/locations/global/buckets/_Default",
                 "filter": "NOT LOG_ID(\"cloudaudit.googleapis.com/activity\")"},
                {"name": "paused", "destination": "storage.googleapis.com/p-logs", "disabled": true}]}),
            json!({"log_sinks": [{"name": "all", "destination": "storage.googleapis.com/p-logs"}]}),
            Field("log_sinks"),
        ),
        case(
            "gcp-service-account-admin",
            "gcp_project",
            json!({"project_id": "p", "project_number": "1", "ancestors": []}),
            json!({"iam_bindings": [{"role": "roles/iam.securityAdmin", "members": ["serviceAccount:ci@p.iam.gserviceaccount.com"]}]}),
            // Google's own service agent holds Editor; the user-managed account only reads.
            json!({"iam_bindings": [
                {"role": "roles/editor", "members": ["serviceAccount:service-1@gcp-sa-cloudbuild.iam.gserviceaccount.com"]},
                {"role": "roles/storage.objectViewer", "members": ["serviceAccount:ci@p.iam.gserviceaccount.com"]}]}),
            Field("iam_bindings"),
        ),
        case(
            "kms-key-public",
            "aws_kms_key",
            json!({"key_manager": "CUSTOMER", "state": "Enabled"}),
            json!({"policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                 "Resource": "*"}]}}),
            json!({"policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "kms:*", "Resource": "*"}]}}),
            Field("policy"),
        ),
        case(
            "root-used-recently",
            "aws_account",
            json!({"account_id": ACCOUNT}),
            // 10 days before the scan; the passing one is a root user never used.
            json!({"root_never_used": false, "root_last_used": "2026-11-10T09:00:00Z"}),
            json!({"root_never_used": true}),
            Field("root_never_used"),
        ),
        off_fails("gcp-vm-os-login-off", "gcp_compute_instance", vm.clone(), "os_login"),
        on_fails("gcp-vm-serial-port-enabled", "gcp_compute_instance", vm.clone(), "serial_port_enabled"),
        off_fails(
            "gcp-vm-project-ssh-keys-allowed",
            "gcp_compute_instance",
            merged(&vm, &json!({"os_login": false})),
            "project_ssh_keys_blocked",
        ),
        on_fails("gcp-vm-ip-forwarding", "gcp_compute_instance", vm.clone(), "can_ip_forward"),
        case(
            "redshift-cluster-public",
            "aws_redshift_cluster",
            warehouse.clone(),
            json!({"publicly_accessible": true}),
            json!({}),
            Gap,
        ),
        case(
            "redshift-unencrypted",
            "aws_redshift_cluster",
            warehouse.clone(),
            json!({"encrypted": false}),
            json!({}),
            Gap,
        ),
        off_fails("elasticache-unencrypted", "aws_elasticache_cluster", cache.clone(), "at_rest_encryption"),
        off_fails("elasticache-tls-off", "aws_elasticache_cluster", cache.clone(), "transit_encryption"),
        case(
            "elasticache-backups-off",
            "aws_elasticache_cluster",
            cache.clone(),
            json!({"snapshot_retention_days": 0}),
            json!({}),
            Field("snapshot_retention_days"),
        ),
        off_fails("dynamodb-pitr-disabled", "aws_dynamodb_table", json!({}), "point_in_time_recovery"),
        off_fails("dynamodb-deletion-protection-off", "aws_dynamodb_table", json!({}), "deletion_protection"),
        case(
            "lambda-function-url-unauthenticated",
            "aws_lambda_function",
            json!({"runtime": "python3.12"}),
            json!({"function_urls": [{"url": "https://a.lambda-url.eu-west-1.on.aws/", "auth_type": "NONE"}]}),
            json!({"function_urls": [{"url": "https://b.lambda-url.eu-west-1.on.aws/", "auth_type": "AWS_IAM"}]}),
            Field("function_urls"),
        ),
        case(
            "lambda-function-public",
            "aws_lambda_function",
            json!({"runtime": "python3.12"}),
            json!({"policy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                 "Resource": "*"}]}}),
            // S3 may invoke it, for the account's own bucket only.
            json!({"policy": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}}),
            Field("policy"),
        ),
    ]
}

/// An account-level control that fails when a setting made region by region is off
/// in any region read.
fn regional_setting_off(control: &'static str, setting: &'static str) -> Case {
    case(
        control,
        "aws_account",
        json!({"account_id": ACCOUNT}),
        json!({ setting: {"eu-west-1": true, "us-east-1": false} }),
        json!({ setting: {"eu-west-1": true, "us-east-1": true} }),
        Unread::Field(setting),
    )
}

/// The first call a provider records that one of `needs` covers.
fn a_needed_call(needs: &[String]) -> (&'static str, &'static str) {
    let (_, service, api) = auditgraph_model::calls::CALLS
        .iter()
        .find(|(_, service, api)| needs.iter().any(|p| auditgraph_model::calls::pattern_covers(p, service, api)))
        .expect("a control needs a call providers record");
    (service, api)
}

/// The scan of every case's three assets, and each asset's id with the outcome it must get.
fn scan_of_cases() -> (Scan, Vec<(&'static str, String, Outcome)>) {
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let mut by_cloud: std::collections::BTreeMap<&str, (Vec<Value>, Vec<Value>)> = Default::default();
    let mut expected = Vec::new();
    for (n, c) in cases().into_iter().enumerate() {
        let control =
            controls.iter().find(|x| x.id == c.control).unwrap_or_else(|| panic!("{}: no such control", c.control));
        let cloud = if c.kind.starts_with("gcp_") { "gcp" } else { "aws" };
        let (assets, coverage) = by_cloud.entry(cloud).or_default();
        let mut unread = merged(&c.base, &c.failing);
        if let Unread::Field(f) = c.unread {
            unread.as_object_mut().unwrap().remove(f);
        }
        if let Unread::Gap = c.unread {
            unread = merged(&c.base, &c.passing);
        }
        for (role, attributes, want) in [
            ("failing", merged(&c.base, &c.failing), Outcome::Fail),
            ("passing", merged(&c.base, &c.passing), Outcome::Pass),
            ("unread", unread, Outcome::Unknown),
        ] {
            let id = format!("case:{n}:{}:{role}", c.control);
            if role == "unread" && matches!(c.unread, Unread::Gap) {
                let (service, api) = a_needed_call(&control.needs);
                coverage.push(json!({"service": service, "api": api, "region": "eu-west-1", "resource": id,
                                     "status": "access_denied", "detail": "AccessDenied (test)"}));
            }
            let (account, region) = if cloud == "gcp" { ("p", "europe-west1") } else { (ACCOUNT, "eu-west-1") };
            let mut asset = json!({"id": id, "kind": c.kind, "name": format!("{}-{role}", c.control),
                                   "account": account, "region": region});
            // `$name`, `$tags`: the asset's own fields; null: an attribute left out.
            let mut kept = serde_json::Map::new();
            for (k, v) in attributes.as_object().unwrap() {
                match k.strip_prefix('$') {
                    Some(header) => asset[header] = v.clone(),
                    None if !v.is_null() => drop(kept.insert(k.clone(), v.clone())),
                    None => {}
                }
            }
            asset["attributes"] = Value::Object(kept);
            assets.push(asset);
            expected.push((c.control, id, want));
        }
    }
    let dir = common::scratch();
    for (cloud, (assets, coverage)) in by_cloud {
        let scope = if cloud == "gcp" { "p" } else { ACCOUNT };
        let inventory = json!({"format": "auditgraph-inventory/1", "cloud": cloud, "scope": scope,
            "collected_at": SCANNED, "assets": assets, "relations": [], "coverage": coverage});
        std::fs::write(dir.path().join(format!("{cloud}.json")), inventory.to_string()).unwrap();
    }
    let sources = FixtureProvider::new(dir.path()).collect_sourced().unwrap();
    (auditgraph::scan::run(sources, &controls, SCANNED.parse().unwrap()), expected)
}

#[test]
fn every_case_gets_its_outcome() {
    let (scan, expected) = scan_of_cases();
    let wrong: Vec<String> = expected
        .iter()
        .filter_map(|(control, id, want)| {
            let got = outcome(&scan, control, id);
            (got != Some(*want)).then(|| format!("{control} on {id}: {got:?}, want {want:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The outcomes each control has somewhere: in the demo estate's scan, or in the cases.
#[test]
fn every_control_fails_passes_and_is_unknown_in_the_demo_or_a_case() {
    let demo = FixtureProvider::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"))
        .collect_sourced()
        .unwrap();
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let demo = auditgraph::scan::run(demo, &controls, SCANNED.parse().unwrap());
    let (cases, expected) = scan_of_cases();
    let mut seen: std::collections::BTreeMap<&str, std::collections::BTreeSet<String>> = Default::default();
    let (trails, object_logging, trail_buckets) = (scan_of_trails(), scan_of_object_logging(), scan_of_trail_buckets());
    for scan in [&demo, &cases, &trails, &object_logging, &trail_buckets] {
        for r in &scan.evaluation.results {
            let control = controls.iter().find(|c| c.id == r.control).unwrap().id.as_str();
            let outcomes = seen.entry(control).or_default();
            if r.failed > 0 {
                outcomes.insert("fail".into());
            }
            if r.unknown > 0 {
                outcomes.insert("unknown".into());
            }
            if r.evaluated > r.failed + r.unknown + r.accepted {
                outcomes.insert("pass".into());
            }
        }
    }
    // A case only counts once `every_case_gets_its_outcome` holds it; this test
    // asks that each control has all three somewhere.
    assert!(!expected.is_empty());
    let missing: Vec<String> = controls
        .iter()
        .filter_map(|c| {
            let have = seen.get(c.id.as_str()).cloned().unwrap_or_default();
            let lacking: Vec<&str> = ["fail", "pass", "unknown"].into_iter().filter(|o| !have.contains(*o)).collect();
            (!lacking.is_empty()).then(|| format!("{}: no {} case", c.id, lacking.join(", no ")))
        })
        .collect();
    assert!(missing.is_empty(), "add a case to `cases()` or the demo estate:\n{}", missing.join("\n"));
}

#[test]
fn a_terminated_instance_is_outside_the_imdsv2_control() {
    let subnet = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-1");
    let id = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1");
    let scan = scan_of(vec![json!({"id": id, "kind": "aws_ec2_instance", "name": "old", "account": ACCOUNT,
        "region": "eu-west-1", "attributes": {"state": "terminated", "subnet": subnet, "imdsv2_required": false}})]);
    assert_eq!(outcome(&scan, "ec2-imdsv2-not-required", &id), None);
}

/// A scan of one inventory per (scope, assets, coverage), with the controls of `queries/`.
fn scan_of_scopes(scopes: Vec<(&str, Vec<Value>, Vec<Value>)>) -> Scan {
    let dir = common::scratch();
    for (scope, assets, coverage) in scopes {
        let inventory = json!({
            "format": "auditgraph-inventory/1", "cloud": "aws", "scope": scope, "collected_at": SCANNED,
            "assets": assets, "relations": [], "coverage": coverage,
        });
        std::fs::write(dir.path().join(format!("aws-{scope}.json")), inventory.to_string()).unwrap();
    }
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let sources = FixtureProvider::new(dir.path()).collect_sourced().unwrap();
    auditgraph::scan::run(sources, &controls, SCANNED.parse().unwrap())
}

const MANAGEMENT: &str = "100000000000";

/// Accounts recorded by their own multi-region trail, by their organisation's, by a
/// single-region one, by one whose status was not read, and one whose listing was denied.
fn scan_of_trails() -> Scan {
    let management = MANAGEMENT;
    let account = |id: &str| {
        json!({"id": format!("arn:aws:iam::{id}:root"), "kind": "aws_account", "name": id, "account": id,
               "attributes": {"account_id": id, "organization": {"id": "o-1", "management_account": management}}})
    };
    let trail = |id: &str, name: &str, multi_region: bool, logging: Option<bool>, organization: bool| {
        let mut attributes = json!({"multi_region": multi_region, "organization_trail": organization,
                                    "home_region": "eu-west-1", "log_file_validation": true});
        if let Some(on) = logging {
            attributes["logging"] = json!(on);
        }
        trail_asset(id, name, attributes)
    };
    let denied = denied_call("cloudtrail", "DescribeTrails", "us-east-1");
    scan_of_scopes(vec![
        // The management account's organisation trail records every member.
        (management, vec![account(management), trail(management, "org", true, Some(true), true)], vec![]),
        ("200000000000", vec![account("200000000000")], vec![]),
        // Its own trail is single-region: it does not count, and there is no other.
        (
            "300000000000",
            vec![
                json!({"id": "arn:aws:iam::300000000000:root", "kind": "aws_account",
            "name": "solo", "account": "300000000000", "attributes": {"account_id": "300000000000"}}),
                trail("300000000000", "local", false, Some(true), false),
            ],
            vec![],
        ),
        // A multi-region trail whose status was not read, and a listing denied: undecided.
        (
            "400000000000",
            vec![
                json!({"id": "arn:aws:iam::400000000000:root", "kind": "aws_account",
            "name": "unread", "account": "400000000000", "attributes": {"account_id": "400000000000"}}),
                trail("400000000000", "main", true, None, false),
            ],
            vec![],
        ),
        (
            "500000000000",
            vec![json!({"id": "arn:aws:iam::500000000000:root", "kind": "aws_account",
            "name": "denied", "account": "500000000000", "attributes": {"account_id": "500000000000"}})],
            vec![denied],
        ),
    ])
}

#[test]
fn an_account_is_recorded_by_its_own_multi_region_trail_or_its_organisations() {
    let (scan, management) = (scan_of_trails(), MANAGEMENT);
    let control = "cloudtrail-multi-region-missing";
    let root = |id: &str| format!("arn:aws:iam::{id}:root");
    assert_eq!(outcome(&scan, control, &root(management)), Some(Outcome::Pass));
    assert_eq!(outcome(&scan, control, &root("200000000000")), Some(Outcome::Pass), "the organisation's trail");
    assert_eq!(outcome(&scan, control, &root("300000000000")), Some(Outcome::Fail));
    assert_eq!(outcome(&scan, control, &root("400000000000")), Some(Outcome::Unknown));
    assert_eq!(outcome(&scan, control, &root("500000000000")), Some(Outcome::Unknown));
    let failed = scan.evaluation.findings.iter().find(|f| f.asset.as_str() == root("300000000000")).unwrap();
    assert!(format!("{:?}", failed.evidence).contains("trail local (home region only)"), "{failed:?}");
}

/// Cloud KMS keys that cannot rotate automatically, subnetworks that carry no VM
/// traffic and GKE nodes are outside the controls that would judge them.
#[test]
fn google_cloud_resources_that_cannot_comply_are_outside_the_population() {
    let key = |name: &str, attributes: Value| {
        json!({"id": format!("//cloudkms.googleapis.com/projects/p/locations/eu/keyRings/r/cryptoKeys/{name}"),
               "kind": "gcp_kms_key", "name": name, "account": "p", "region": "eu", "attributes": attributes})
    };
    let subnet = |name: &str, purpose: &str| {
        json!({"id": format!("//compute.googleapis.com/projects/p/regions/europe-west1/subnetworks/{name}"),
               "kind": "gcp_subnetwork", "name": name, "account": "p", "region": "europe-west1",
               "attributes": {"network": "//compute.googleapis.com/projects/p/global/networks/n",
                              "ip_cidr_range": "10.0.0.0/24", "flow_logs": false, "purpose": purpose}})
    };
    let node = json!({"id": "//compute.googleapis.com/projects/p/zones/europe-west1-b/instances/gke-pool-1",
        "kind": "gcp_compute_instance", "name": "gke-pool-1", "account": "p", "region": "europe-west1",
        "tags": {"goog-gke-node": ""},
        "attributes": {"zone": "europe-west1-b", "status": "RUNNING", "network_interfaces": [],
                       "can_ip_forward": true, "os_login": false, "serial_port_enabled": false}});
    let scan = scan_in_cloud(
        "gcp",
        "p",
        vec![
            key(
                "software",
                json!({"purpose": "ENCRYPT_DECRYPT", "protection_level": "SOFTWARE", "primary_state": "ENABLED"}),
            ),
            key(
                "external",
                json!({"purpose": "ENCRYPT_DECRYPT", "protection_level": "EXTERNAL", "primary_state": "ENABLED"}),
            ),
            key(
                "destroyed",
                json!({"purpose": "ENCRYPT_DECRYPT", "protection_level": "HSM", "primary_state": "DESTROYED"}),
            ),
            key("signing", json!({"purpose": "ASYMMETRIC_SIGN", "protection_level": "HSM"})),
            // Read before protection levels were: whether the key can rotate is open.
            key("older", json!({"purpose": "ENCRYPT_DECRYPT"})),
            subnet("vms", "PRIVATE"),
            subnet("proxy-only", "REGIONAL_MANAGED_PROXY"),
            node,
        ],
    );
    let key_id = |name: &str| format!("//cloudkms.googleapis.com/projects/p/locations/eu/keyRings/r/cryptoKeys/{name}");
    assert_eq!(outcome(&scan, "kms-rotation-disabled", &key_id("software")), Some(Outcome::Fail));
    for outside in ["external", "destroyed", "signing"] {
        assert_eq!(outcome(&scan, "kms-rotation-disabled", &key_id(outside)), None, "{outside}");
    }
    assert_eq!(outcome(&scan, "kms-rotation-disabled", &key_id("older")), Some(Outcome::Unknown));
    let subnet_id = |name: &str| format!("//compute.googleapis.com/projects/p/regions/europe-west1/subnetworks/{name}");
    assert_eq!(outcome(&scan, "vpc-flow-logs-disabled", &subnet_id("vms")), Some(Outcome::Fail));
    assert_eq!(outcome(&scan, "vpc-flow-logs-disabled", &subnet_id("proxy-only")), None);
    let node = "//compute.googleapis.com/projects/p/zones/europe-west1-b/instances/gke-pool-1";
    for control in ["gcp-vm-ip-forwarding", "gcp-vm-os-login-off", "gcp-vm-project-ssh-keys-allowed"] {
        assert_eq!(outcome(&scan, control, node), None, "{control}");
    }
    // The serial console is as open on a GKE node as anywhere.
    assert_eq!(outcome(&scan, "gcp-vm-serial-port-enabled", node), Some(Outcome::Pass));
}

/// A trail of `account` whose home is eu-west-1.
fn trail_asset(account: &str, name: &str, attributes: Value) -> Value {
    json!({"id": format!("arn:aws:cloudtrail:eu-west-1:{account}:trail/{name}"), "kind": "aws_cloudtrail",
           "name": name, "account": account, "region": "eu-west-1", "attributes": attributes})
}

/// The coverage record of a call denied in `region`.
fn denied_call(service: &str, api: &str, region: &str) -> Value {
    json!({"service": service, "api": api, "region": region, "status": "access_denied",
           "detail": "AccessDenied (test)"})
}

/// Accounts whose trails log S3 object events, or not, or whose selectors were not read.
fn scan_of_object_logging() -> Scan {
    let management = MANAGEMENT;
    let account = |id: &str, member: bool| {
        let mut attributes = json!({"account_id": id});
        if member {
            attributes["organization"] = json!({"id": "o-1", "management_account": management});
        }
        json!({"id": format!("arn:aws:iam::{id}:root"), "kind": "aws_account", "name": id, "account": id,
               "attributes": attributes})
    };
    // (multi-region, logging, organisation trail, reads, writes)
    let trail = |id: &str, name: &str, shape: (bool, bool, bool, Option<bool>, Option<bool>)| {
        let (multi_region, logging, organization, reads, writes) = shape;
        let mut attributes = json!({"multi_region": multi_region, "organization_trail": organization,
                                    "home_region": "eu-west-1", "logging": logging});
        if let Some(r) = reads {
            attributes["s3_object_reads_logged"] = json!(r);
        }
        if let Some(w) = writes {
            attributes["s3_object_writes_logged"] = json!(w);
        }
        trail_asset(id, name, attributes)
    };
    let denied = denied_call("cloudtrail", "GetEventSelectors", "eu-west-1");
    scan_of_scopes(vec![
        // The organisation trail logs writes; its reads were not read.
        (
            management,
            vec![account(management, true), trail(management, "org", (true, true, true, None, Some(true)))],
            vec![],
        ),
        ("200000000000", vec![account("200000000000", true)], vec![]),
        // Reads on the recording trail; writes only on a stopped one.
        (
            "300000000000",
            vec![
                account("300000000000", false),
                trail("300000000000", "main", (true, true, false, Some(true), Some(false))),
                trail("300000000000", "stopped", (true, false, false, Some(true), Some(true))),
            ],
            vec![],
        ),
        // Writes on a trail of one region only.
        (
            "400000000000",
            vec![
                account("400000000000", false),
                trail("400000000000", "local", (false, true, false, Some(true), Some(true))),
            ],
            vec![],
        ),
        // The selectors could not be read.
        (
            "500000000000",
            vec![account("500000000000", false), trail("500000000000", "main", (true, true, false, None, None))],
            vec![denied],
        ),
    ])
}

#[test]
fn s3_object_events_count_only_on_a_trail_that_records_the_account_everywhere() {
    let (scan, management) = (scan_of_object_logging(), MANAGEMENT);
    let root = |id: &str| format!("arn:aws:iam::{id}:root");
    let (writes, reads) = ("cloudtrail-s3-object-writes-unlogged", "cloudtrail-s3-object-reads-unlogged");
    let expected = [
        (management, Outcome::Pass, Outcome::Unknown),
        ("200000000000", Outcome::Pass, Outcome::Unknown),
        ("300000000000", Outcome::Fail, Outcome::Pass),
        ("400000000000", Outcome::Fail, Outcome::Fail),
        ("500000000000", Outcome::Unknown, Outcome::Unknown),
    ];
    for (id, on_writes, on_reads) in expected {
        assert_eq!(outcome(&scan, writes, &root(id)), Some(on_writes), "{writes} on {id}");
        assert_eq!(outcome(&scan, reads, &root(id)), Some(on_reads), "{reads} on {id}");
    }
    let unknown = scan.evaluation.findings.iter().find(|f| f.control == reads && f.asset.as_str() == root(management));
    assert!(format!("{unknown:?}").contains("the event selectors of org"), "{unknown:?}");
}

/// A project's own sink that takes every entry passes it, whatever could not be read
/// above it; without one, an unread folder or organisation leaves it unknown.
#[test]
fn a_projects_own_sink_decides_whatever_was_read_above() {
    let project = |name: &str, sinks: Value| {
        json!({"id": format!("//cloudresourcemanager.googleapis.com/projects/{name}"), "kind": "gcp_project",
               "name": name, "account": name,
               "attributes": {"project_id": name, "log_sinks": sinks, "ancestors": [{"resource": "organizations/1"}]}})
    };
    let scan = scan_in_cloud(
        "gcp",
        "p",
        vec![
            project("own-sink", json!([{"name": "all", "destination": "storage.googleapis.com/logs"}])),
            project(
                "filtered",
                json!([{"name": "_Default", "destination": "logging.googleapis.com/x", "filter": "severity>=ERROR"}]),
            ),
        ],
    );
    let id = |name: &str| format!("//cloudresourcemanager.googleapis.com/projects/{name}");
    assert_eq!(outcome(&scan, "gcp-logs-not-exported", &id("own-sink")), Some(Outcome::Pass));
    assert_eq!(outcome(&scan, "gcp-logs-not-exported", &id("filtered")), Some(Outcome::Unknown));
}

/// Trails delivering to a bucket with object lock, one without, one whose setting was
/// not read, and one whose bucket is in no scanned account.
fn scan_of_trail_buckets() -> Scan {
    let bucket = |name: &str, lock: Option<bool>| {
        let mut attributes = json!({"policy": {"Statement": []}});
        if let Some(on) = lock {
            attributes["object_lock"] = json!(on);
        }
        json!({"id": format!("arn:aws:s3:::{name}"), "kind": "aws_s3_bucket", "name": name, "account": ACCOUNT,
               "region": "eu-west-1", "attributes": attributes})
    };
    let trail = |name: &str, to: &str| {
        trail_asset(
            ACCOUNT,
            name,
            json!({"multi_region": true, "home_region": "eu-west-1",
                                          "s3_bucket": format!("arn:aws:s3:::{to}")}),
        )
    };
    scan_in(
        ACCOUNT,
        vec![
            bucket("locked", Some(true)),
            bucket("unlocked", Some(false)),
            bucket("unread", None),
            trail("to-locked", "locked"),
            trail("to-unlocked", "unlocked"),
            trail("to-unread", "unread"),
            trail("to-elsewhere", "log-archive-of-another-org"),
        ],
    )
}

#[test]
fn a_trail_is_judged_on_the_object_lock_of_the_bucket_it_delivers_to() {
    let scan = scan_of_trail_buckets();
    let control = "cloudtrail-bucket-object-lock-off";
    let trail = |name: &str| format!("arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/{name}");
    assert_eq!(outcome(&scan, control, &trail("to-locked")), Some(Outcome::Pass));
    assert_eq!(outcome(&scan, control, &trail("to-unlocked")), Some(Outcome::Fail));
    for unread in ["to-unread", "to-elsewhere"] {
        assert_eq!(outcome(&scan, control, &trail(unread)), Some(Outcome::Unknown), "{unread}");
    }
    let elsewhere =
        scan.evaluation.findings.iter().find(|f| f.control == control && f.asset.as_str() == trail("to-elsewhere"));
    assert!(format!("{elsewhere:?}").contains("not in the scanned estate"), "{elsewhere:?}");
}

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

/// A scan of one inventory of `scope` holding `assets`, with the controls of `queries/`.
fn scan_in(scope: &str, assets: Vec<Value>) -> Scan {
    let dir = common::scratch();
    let inventory = json!({
        "format": "auditgraph-inventory/1", "cloud": "aws", "scope": scope, "collected_at": SCANNED,
        "assets": assets, "relations": [], "coverage": [],
    });
    std::fs::write(dir.path().join("aws.json"), inventory.to_string()).unwrap();
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
    let why = scan.evaluation.findings.iter().find(|f| f.asset.as_str() == key("no-origin")).unwrap();
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

/// A control judged on three assets of one kind that differ in one attribute:
/// set so that it fails, set so that it passes, and not collected (unknown).
fn fails_passes_and_is_unknown(control: &str, kind: &str, base: Value, field: &str, failing: Value, passing: Value) {
    let asset = |name: &str, value: Option<&Value>| {
        let mut attributes = base.clone();
        if let Some(v) = value {
            attributes[field] = v.clone();
        }
        json!({"id": format!("arn:aws:test:eu-west-1:{ACCOUNT}:{kind}/{name}"), "kind": kind, "name": name,
               "account": ACCOUNT, "region": "eu-west-1", "attributes": attributes})
    };
    let scan = scan_of(vec![asset("failing", Some(&failing)), asset("passing", Some(&passing)), asset("unread", None)]);
    let id = |name: &str| format!("arn:aws:test:eu-west-1:{ACCOUNT}:{kind}/{name}");
    assert_eq!(outcome(&scan, control, &id("failing")), Some(Outcome::Fail), "{control}");
    assert_eq!(outcome(&scan, control, &id("passing")), Some(Outcome::Pass), "{control}");
    assert_eq!(
        outcome(&scan, control, &id("unread")),
        Some(Outcome::Unknown),
        "{control}: not collected is not a pass"
    );
}

#[test]
fn the_controls_over_read_attributes_fail_pass_and_say_unknown() {
    let vpc = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-1");
    let subnet = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-1");
    fails_passes_and_is_unknown(
        "ec2-imdsv2-not-required",
        "aws_ec2_instance",
        json!({"state": "running", "subnet": subnet}),
        "imdsv2_required",
        json!(false),
        json!(true),
    );
    fails_passes_and_is_unknown(
        "bucket-versioning-disabled",
        "aws_s3_bucket",
        json!({}),
        "versioning",
        json!(false),
        json!(true),
    );
    fails_passes_and_is_unknown(
        "s3-access-logging-disabled",
        "aws_s3_bucket",
        json!({}),
        "access_logging",
        json!(false),
        json!(true),
    );
    fails_passes_and_is_unknown(
        "rds-not-multi-az",
        "aws_rds_instance",
        json!({"engine": "postgres", "publicly_accessible": false, "port": 5432, "storage_encrypted": true,
               "vpc": vpc, "subnets": []}),
        "multi_az",
        json!(false),
        json!(true),
    );
    fails_passes_and_is_unknown(
        "subnet-assigns-public-ip",
        "aws_subnet",
        json!({"vpc": vpc, "cidr_block": "10.0.1.0/24"}),
        "map_public_ip_on_launch",
        json!(true),
        json!(false),
    );
    let block = |on: bool| {
        json!({"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": on,
               "restrict_public_buckets": true})
    };
    fails_passes_and_is_unknown(
        "s3-account-public-access-block-off",
        "aws_account",
        json!({"account_id": ACCOUNT}),
        "s3_public_access_block",
        block(false),
        block(true),
    );
}

#[test]
fn a_password_policy_not_read_is_unknown_and_a_missing_one_fails() {
    let policy = |length: u32| {
        json!({"minimum_length": length, "require_symbols": true, "require_numbers": true,
               "require_uppercase": true, "require_lowercase": true})
    };
    // Read and absent fails; read and present passes at 14; not read is unknown.
    fails_passes_and_is_unknown(
        "iam-password-policy-weak",
        "aws_account",
        json!({"account_id": ACCOUNT, "password_policy": policy(14)}),
        "custom_password_policy",
        json!(false),
        json!(true),
    );
    fails_passes_and_is_unknown(
        "iam-password-policy-weak",
        "aws_account",
        json!({"account_id": ACCOUNT, "custom_password_policy": true}),
        "password_policy",
        policy(8),
        policy(14),
    );
}

#[test]
fn a_terminated_instance_is_outside_the_imdsv2_control() {
    let subnet = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-1");
    let id = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1");
    let scan = scan_of(vec![json!({"id": id, "kind": "aws_ec2_instance", "name": "old", "account": ACCOUNT,
        "region": "eu-west-1", "attributes": {"state": "terminated", "subnet": subnet, "imdsv2_required": false}})]);
    assert_eq!(outcome(&scan, "ec2-imdsv2-not-required", &id), None);
}

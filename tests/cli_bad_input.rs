//! End-to-end: malformed inventories get one clear error line naming the file, the
//! JSON path and the reason, and exit code 2; never a panic.

mod common;

use common::{auditgraph, scratch};

const GOOD: &str = r#"{
  "format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
  "collected_at": "2026-11-01T00:00:00Z",
  "assets": [
    {"id": "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-1", "kind": "aws_subnet", "name": "a",
     "account": "111111111111", "region": "eu-west-1",
     "attributes": {"vpc": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "cidr_block": "10.0.1.0/24"}}
  ]
}"#;

/// Scans a single file holding `text` and returns (exit code, stderr).
fn scan_text(text: &str) -> (i32, String) {
    let dir = scratch();
    std::fs::write(dir.path().join("broken.json"), text).unwrap();
    let run = auditgraph(dir.path(), &["scan", "broken.json"]);
    (run.code, run.stderr)
}

fn assert_one_line_error(text: &str, expected: &[&str]) {
    let (code, stderr) = scan_text(text);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "not one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: broken.json: "), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "`{e}` missing from: {stderr}");
    }
}

#[test]
fn a_good_inventory_scans() {
    let (code, stderr) = scan_text(GOOD);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn bad_json() {
    assert_one_line_error(&GOOD[..GOOD.len() - 20], &["EOF while parsing"]);
}

#[test]
fn wrong_format_version() {
    assert_one_line_error(
        &GOOD.replace("auditgraph-inventory/1", "auditgraph-inventory/2"),
        &["at format:", "unsupported format \"auditgraph-inventory/2\""],
    );
}

#[test]
fn missing_format() {
    assert_one_line_error(&GOOD.replace(r#""format": "auditgraph-inventory/1","#, ""), &["at format: missing"]);
}

#[test]
fn unknown_kind() {
    assert_one_line_error(
        &GOOD.replace("aws_subnet", "aws_subnett"),
        &["at assets[0].kind:", "unknown variant `aws_subnett`"],
    );
}

#[test]
fn missing_required_field() {
    assert_one_line_error(
        &GOOD.replace(r#""cidr_block": "10.0.1.0/24""#, r#""map_public_ip_on_launch": true"#),
        &["at assets[0].attributes:", "missing field `cidr_block`"],
    );
}

#[test]
fn wrong_type() {
    assert_one_line_error(
        &GOOD.replace(r#""cidr_block": "10.0.1.0/24""#, r#""cidr_block": 24"#),
        &["at assets[0].attributes.cidr_block:", "invalid type"],
    );
}

#[test]
fn unknown_attribute() {
    assert_one_line_error(
        &GOOD.replace(r#""cidr_block": "10.0.1.0/24""#, r#""cidr_block": "10.0.1.0/24", "cidr": "x""#),
        &["at assets[0].attributes.cidr:", "unknown field `cidr`"],
    );
}

#[test]
fn missing_path() {
    let dir = scratch();
    let run = auditgraph(dir.path(), &["scan", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: nowhere: "), "{}", run.stderr);
}

#[test]
fn two_inventories_in_one_file_are_an_error_not_the_first_alone() {
    let demo = common::demo();
    let prod = std::fs::read_to_string(demo.join("aws-prod.json")).unwrap();
    let staging = std::fs::read_to_string(demo.join("aws-staging.json")).unwrap();
    assert_one_line_error(&format!("{prod}{staging}"), &["more text after the end of the inventory"]);
    assert_one_line_error(&format!("{GOOD}\0\0"), &["more text after the end of the inventory"]);
}

#[test]
fn an_asset_may_not_take_the_internet_s_id() {
    let text = GOOD.replace("arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-1", "internet");
    assert_one_line_error(&text, &["at assets[0].id", "reserved for the node that stands for the internet"]);
}

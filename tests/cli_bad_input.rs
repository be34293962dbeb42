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
        assert_eq!(stderr.matches(e).count(), 1, "the reason is said once: {stderr}");
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

#[test]
fn a_byte_order_mark_is_skipped_and_what_is_not_an_inventory_is_refused_early() {
    let (code, stderr) = scan_text(&format!("\u{feff}{GOOD}"));
    assert_eq!(code, 0, "a BOM is read past: {stderr}");
    assert_one_line_error("MZ\u{90}\u{0}binary", &["not an inventory: it must be a JSON object"]);
    assert_one_line_error(
        r#"{"format": "auditgraph-snapshot/2", "scan": {}}"#,
        &["an auditgraph snapshot, not an inventory"],
    );
}

#[test]
fn a_fifo_named_json_is_an_error_not_a_hang() {
    let dir = scratch();
    let fifo = dir.path().join("pipe.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let run = auditgraph(dir.path(), &["scan", "pipe.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pipe.json: not a regular file"), "{}", run.stderr);
}

#[test]
fn outputs_never_replace_inputs_nor_land_in_a_scanned_folder() {
    let dir = scratch();
    let inv = dir.path().join("inv");
    std::fs::create_dir_all(inv.join(".auditgraph/snapshots")).unwrap();
    std::fs::write(inv.join("a.json"), GOOD).unwrap();
    // A hidden folder (here, where scan keeps its snapshots) is not scanned.
    std::fs::write(inv.join(".auditgraph/snapshots/old.json"), "not an inventory").unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "inv", "--out", "snap.json"]).code, 0);
    // Scanning the working folder writes the snapshot to its default place, which is not scanned.
    let here = auditgraph(&inv, &["scan", "."]);
    assert_eq!(here.code, 0, "{}", here.stderr);
    assert!(std::fs::read_dir(inv.join(".auditgraph/snapshots")).unwrap().count() >= 2);
    assert_eq!(auditgraph(&inv, &["scan", "."]).code, 0, "and the next scan of it is not disturbed");
    for out in ["inv/snap.json", "inv/a.json"] {
        let run = auditgraph(dir.path(), &["scan", "inv", "--out", out]);
        assert_eq!(run.code, 2, "{out}");
        assert!(run.stderr.contains("which is being scanned"), "{}", run.stderr);
    }
    assert_eq!(std::fs::read_to_string(inv.join("a.json")).unwrap(), GOOD);
    let run = auditgraph(dir.path(), &["diagram", "snap.json", "-o", "snap.json", "--format", "dot"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("snap.json: it is an input of this command"), "{}", run.stderr);
    assert!(std::fs::read_to_string(dir.path().join("snap.json")).unwrap().contains("auditgraph-snapshot/"));
}

#[test]
fn every_command_takes_the_snapshot_as_an_argument_or_an_option() {
    let dir = scratch();
    std::fs::write(dir.path().join("a.json"), GOOD).unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "a.json", "--out", "s.json"]).code, 0);
    for args in [
        &["findings"][..],
        &["controls"],
        &["paths", "--from", "internet", "--to", "class:network"],
        &["query", "true"],
        &["boundary", "--seed", "class:network"],
        &["diagram", "-o", "d.dot"],
    ] {
        let positional = auditgraph(dir.path(), &[args, &["s.json"]].concat());
        let option = auditgraph(dir.path(), &[args, &["--snapshot", "s.json"]].concat());
        assert_eq!((positional.code, option.code), (0, 0), "{args:?}: {} {}", positional.stderr, option.stderr);
        assert_eq!(positional.stdout, option.stdout, "{args:?}");
        let missing = auditgraph(dir.path(), &[args, &["--snapshot", "none.json"]].concat());
        assert!(missing.stderr.contains("none.json"), "{args:?}: {}", missing.stderr);
    }
}

#[test]
fn a_rule_number_used_twice_in_one_direction_is_refused() {
    let acl = |second_egress: bool| {
        GOOD.replace(
            "\n  ]\n}",
            &format!(
                r#",
    {{"id": "arn:aws:ec2:eu-west-1:111111111111:network-acl/acl-1", "kind": "aws_network_acl", "name": "acl",
     "account": "111111111111", "region": "eu-west-1",
     "attributes": {{"vpc": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "subnets": [], "entries": [
       {{"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}},
       {{"rule_number": 100, "egress": {second_egress}, "action": "deny", "protocol": "all", "cidr": "0.0.0.0/0"}}]}}}}
  ]
}}"#
            ),
        )
    };
    assert_one_line_error(&acl(false), &["at assets[1].attributes.entries", "inbound rule number 100 appears twice"]);
    let (code, stderr) = scan_text(&acl(true));
    assert_eq!(code, 0, "one number in each direction is allowed: {stderr}");
}

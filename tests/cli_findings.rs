//! End-to-end: findings in every format, CI gating, SOC 2 coverage, exposure paths,
//! ad hoc queries, and unknown (never pass) when data was not collected.

mod common;

use common::{auditgraph, demo, scratch, Run};
use std::process::Command;

use serde_json::Value;

/// Scans the demo estate into a scratch folder and runs `args` there.
fn on_demo(args: &[&str]) -> Run {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    auditgraph(dir.path(), args)
}

#[test]
fn findings_as_json_carry_the_scan_and_evidence() {
    let run = on_demo(&["findings", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let scan = &doc["scan"];
    assert!(scan["scanned_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(scan["controls_digest"].as_str().unwrap().len(), 64);
    assert!(scan["scopes"].as_array().unwrap().iter().any(|s| s["scope"] == "111111111111"));
    assert_eq!(doc["framework"]["id"], "soc2");
    let findings = doc["findings"].as_array().unwrap();
    let via = findings
        .iter()
        .find(|f| f["control"] == "datastore-via-exposed-host" && f["asset_name"] == "prod-customers")
        .expect("the customers database is found");
    assert!(via["requirements"].as_array().unwrap().iter().any(|r| r == "CC6.6"), "{via}");
    let hops = via["evidence"][0]["hops"].as_array().unwrap();
    assert_eq!(hops.first().unwrap()["from"], "internet");
    assert_eq!(hops.last().unwrap()["to"], "arn:aws:rds:eu-west-1:111111111111:db:prod-customers");
    assert!(hops.last().unwrap()["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("prod-customers-db")));
}

#[test]
fn findings_filter_by_severity_and_requirement_but_the_gate_sees_all() {
    let all: Value = serde_json::from_str(&on_demo(&["findings", "--format", "json"]).stdout).unwrap();
    let all = all["findings"].as_array().unwrap().clone();
    let high = on_demo(&["findings", "--format", "json", "--severity", "high"]);
    let high: Vec<Value> = serde_json::from_str::<Value>(&high.stdout).unwrap()["findings"].as_array().unwrap().clone();
    let expected = all.iter().filter(|f| ["high", "critical"].contains(&f["severity"].as_str().unwrap())).count();
    assert_eq!(high.len(), expected);
    assert!(expected > 0 && expected < all.len());
    let cc67 = on_demo(&["findings", "--format", "json", "--criterion", "CC6.7"]);
    let cc67: Vec<Value> = serde_json::from_str::<Value>(&cc67.stdout).unwrap()["findings"].as_array().unwrap().clone();
    assert!(!cc67.is_empty() && cc67.len() < all.len());
    assert!(cc67.iter().all(|f| f["requirements"].as_array().unwrap().iter().any(|r| r == "CC6.7")));
    // A listing of low findings only still fails a critical gate.
    assert_eq!(
        on_demo(&["findings", "--criterion", "CC6.7", "--severity", "critical", "--fail-on", "critical"]).code,
        1
    );
    let wrong = on_demo(&["findings", "--criterion", "CC99.1"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("no requirement `CC99.1`"), "{}", wrong.stderr);
}

#[test]
fn findings_as_csv_one_line_each() {
    let json: Value = serde_json::from_str(&on_demo(&["findings", "--format", "json"]).stdout).unwrap();
    let run = on_demo(&["findings", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "control,title,severity,outcome,requirements,asset,kind,name,account,region,evidence"
    );
    assert_eq!(lines.count(), json["findings"].as_array().unwrap().len());
}

#[test]
fn findings_as_sarif_follow_the_schema_and_the_spec() {
    let run = on_demo(&["findings", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(common::schema_errors("sarif-schema-2.1.0.json", &sarif), Vec::<String>::new());
    assert_eq!(sarif["version"], "2.1.0");
    let end = sarif["runs"][0]["invocations"][0]["endTimeUtc"].as_str().unwrap();
    assert!(end.ends_with('Z'), "{end}");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    let rules: Vec<&str> = driver["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["kind"] == "review"), "the demo has an unknown");
    let mut fingerprints = std::collections::HashSet::new();
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], rule);
        // SARIF 3.27.9: a result whose kind is not `fail` has level `none`.
        if r["kind"] == "fail" {
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        } else {
            assert_eq!(r["level"], "none", "{r}");
        }
        let location = &r["locations"][0];
        assert_eq!(location["physicalLocation"]["artifactLocation"]["uri"], format!("queries/{rule}.toml"));
        assert!(common::root().join(format!("queries/{rule}.toml")).is_file());
        assert!(location["logicalLocations"][0]["fullyQualifiedName"].is_string());
        assert!(fingerprints.insert(r["partialFingerprints"]["auditgraphFinding/v1"].as_str().unwrap().to_string()));
    }
    // The same scan gives the same fingerprints: a re-upload updates the alerts.
    let again: Value = serde_json::from_str(&on_demo(&["findings", "--format", "sarif"]).stdout).unwrap();
    let prints = |s: &Value| -> Vec<Value> {
        s["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"].clone()).collect()
    };
    assert_eq!(prints(&sarif), prints(&again));
}

#[test]
fn findings_as_ocsf_are_compliance_findings_of_1_8() {
    let run = on_demo(&["findings", "--format", "ocsf"]);
    let events: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e["class_uid"], 2003);
        assert_eq!(e["type_uid"], 200301);
        assert_eq!(e["metadata"]["version"], "1.8.0");
        assert!(["Informational", "Low", "Medium", "High", "Critical"].contains(&e["severity"].as_str().unwrap()));
        assert!(e["compliance"]["requirements"].as_array().unwrap().iter().all(|c| c.as_str().unwrap().contains('.')));
        let resource = e["resources"][0].as_object().unwrap();
        assert!(resource["uid"].is_string());
        assert!(!resource.contains_key("cloud_partition"));
        assert!(resource.get("region").is_none_or(|r| r.is_string()), "no null region: {e}");
        assert!(["AWS", "GCP"].contains(&e["cloud"]["provider"].as_str().unwrap()));
        assert!(e["cloud"]["account"]["uid"].is_string());
        assert!(e["remediation"]["desc"].is_string());
        assert!(!e["evidences"].as_array().unwrap().is_empty());
        let (status, id) =
            (e["compliance"]["status"].as_str().unwrap(), e["compliance"]["status_id"].as_u64().unwrap());
        assert!([("Fail", 3), ("Warning", 2)].contains(&(status, id)), "{status} {id}");
    }
    assert!(events.iter().any(|e| e["compliance"]["status"] == "Warning"), "the demo's unknown is a Warning");
}

#[test]
fn findings_as_oscal_validate_against_nist_schema() {
    let run = on_demo(&["findings", "--format", "oscal"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = common::schema_errors("oscal_assessment-results_schema-1.1.2.json", &doc);
    assert_eq!(errors, Vec::<String>::new());
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.1.2");
    let result = &ar["results"][0];
    let observations = result["observations"].as_array().unwrap();
    let findings = result["findings"].as_array().unwrap();
    // Every finding points at observations that exist, and at a SOC 2 criterion.
    let ids: std::collections::HashSet<&str> = observations.iter().map(|o| o["uuid"].as_str().unwrap()).collect();
    for f in findings {
        assert_eq!(f["target"]["type"], "objective-id");
        assert!(
            f["target"]["target-id"].as_str().unwrap().starts_with("CC")
                || f["target"]["target-id"].as_str().unwrap().contains('.')
        );
        for r in f["related-observations"].as_array().unwrap() {
            assert!(ids.contains(r["observation-uuid"].as_str().unwrap()));
        }
    }
    // The demo fails CC6.6: not satisfied. No criterion with an unknown is satisfied.
    let cc66 = findings.iter().find(|f| f["target"]["target-id"] == "CC6.6").unwrap();
    assert_eq!(cc66["target"]["status"]["state"], "not-satisfied");
    for f in findings.iter().filter(|f| f["target"]["status"]["state"] == "satisfied") {
        assert_eq!(f["props"][0]["value"], "pass", "{f}");
    }
    // Every subject is an inventory item of the result.
    let items: std::collections::HashSet<&str> = result["local-definitions"]["inventory-items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uuid"].as_str().unwrap())
        .collect();
    for o in observations {
        for s in o["subjects"].as_array().into_iter().flatten() {
            assert!(items.contains(s["subject-uuid"].as_str().unwrap()));
        }
    }
    // A document the schema refuses is refused: the check can fail.
    let mut broken = doc.clone();
    broken["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "passed".into();
    assert!(!common::schema_errors("oscal_assessment-results_schema-1.1.2.json", &broken).is_empty());
    // The same scan gives the same document.
    assert_eq!(on_demo(&["findings", "--format", "oscal"]).stdout.len(), run.stdout.len());
}

#[test]
fn the_table_groups_by_severity() {
    let run = on_demo(&["findings"]);
    let critical = run.stdout.find("== CRITICAL").unwrap();
    let low = run.stdout.find("== LOW").unwrap();
    assert!(critical < low);
    assert!(run.stdout.contains("FAIL    admin-port-internet"), "{}", run.stdout);
}

#[test]
fn fail_on_gates_ci() {
    assert_eq!(on_demo(&["findings", "--fail-on", "critical"]).code, 1);
    let dir = scratch();
    let run = auditgraph(dir.path(), &["scan", demo().to_str().unwrap(), "--fail-on", "high"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A clean estate passes the gate.
    let clean = dir.path().join("clean.json");
    std::fs::write(
        &clean,
        r#"{"format":"auditgraph-inventory/1","cloud":"aws","scope":"111111111111","collected_at":"2026-11-01T00:00:00Z",
            "assets":[{"id":"vol","kind":"aws_ebs_volume","name":"v","account":"111111111111","region":"eu-west-1",
                       "attributes":{"size_gib":8,"encrypted":true}}]}"#,
    )
    .unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "clean.json", "--fail-on", "info"]).code, 0);
    // A check that could not be made does not pass the gate, unless unknowns are allowed.
    let unread = dir.path().join("unread.json");
    std::fs::write(
        &unread,
        r#"{"format":"auditgraph-inventory/1","cloud":"aws","scope":"111111111111","collected_at":"2026-11-01T00:00:00Z",
            "assets":[], "coverage":[{"service":"s3","api":"GetBucketEncryption","status":"access_denied"}]}"#,
    )
    .unwrap();
    // Only medium controls need that call.
    let denied = auditgraph(dir.path(), &["scan", "unread.json", "--fail-on", "medium"]);
    assert_eq!(denied.code, 1, "an unknown medium check must stop a medium gate: {}", denied.stdout);
    assert_eq!(auditgraph(dir.path(), &["scan", "unread.json", "--fail-on", "medium", "--allow-unknown"]).code, 0);
    assert_eq!(auditgraph(dir.path(), &["scan", "unread.json", "--fail-on", "high"]).code, 0, "below the threshold");
}

#[test]
fn controls_show_soc2_coverage_and_gaps() {
    let run = on_demo(&["controls"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("SOC 2 (2017 Trust Services Criteria"), "{}", run.stdout);
    assert!(run.stdout.contains("12 of 61 requirements verified by controls"), "{}", run.stdout);
    let line =
        |id: &str| run.stdout.lines().find(|l| l.trim_start().starts_with(&format!("{id} "))).map(str::to_string);
    assert!(line("CC6.6").unwrap().contains("fail"), "{}", run.stdout);
    let by_hand = &run.stdout[run.stdout.find("Verified by hand (no control): ").unwrap()..];
    assert!(by_hand.contains("CC1.1") && by_hand.contains("P8.1"), "{by_hand}");
    assert!(!by_hand.contains("CC6.1,") && !by_hand.contains("CC8.1,"), "{by_hand}");

    let cis = on_demo(&["controls", "--framework", "cis-aws-3.0"]);
    assert_eq!(cis.code, 0, "{}", cis.stderr);
    assert!(cis.stdout.contains("CIS Amazon Web Services Foundations Benchmark v3.0.0: 28 of 62"), "{}", cis.stdout);
    assert!(cis.stdout.contains("Ensure rotation for customer created symmetric CMKs is enabled"), "{}", cis.stdout);
    let gcp = on_demo(&["controls", "--framework", "cis-gcp-2.0"]);
    assert!(gcp.stdout.contains("CIS Google Cloud Platform Foundation Benchmark v2.0.0: 18 of 84"), "{}", gcp.stdout);
    // `bucket-public` judges S3 and GCS buckets; CIS Google Cloud 5.1 counts only the
    // four GCS ones (northwind-open-datasets is public).
    let gcs = gcp.stdout.lines().find(|l| l.trim_start().starts_with("5.1 ")).unwrap_or_default();
    assert!(gcs.contains(" fail ") && gcs.ends_with("pass 3, fail 1, unknown 0"), "{}", gcp.stdout);
    let unknown = on_demo(&["controls", "--framework", "nist"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no framework `nist`") && unknown.stderr.contains("cis-aws-3.0, cis-gcp-2.0, soc2"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn paths_from_the_internet_show_every_hop_and_rule() {
    let run = on_demo(&["paths", "--from", "internet", "--to", "name:prod-customers"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("prod-legacy-web reaches prod-customers: tcp/5432"), "{}", run.stdout);
    assert!(run.stdout.contains("route table"), "{}", run.stdout);
    assert!(run.stdout.contains("network ACL"), "{}", run.stdout);
    assert!(run.stdout.contains("security group sg-f32d640782208f0dc (prod-customers-db) ingress"), "{}", run.stdout);
    let none = on_demo(&["paths", "--from", "internet", "--to", "name:prod-orders"]);
    assert!(none.stdout.contains("No path"), "{}", none.stdout);
}

#[test]
fn paths_between_assets() {
    let run = on_demo(&["paths", "--from", "name:prod-app-1", "--to", "kind:aws_rds_instance", "--format", "json"]);
    let paths: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let targets: Vec<&str> = paths.iter().map(|p| p["to"].as_str().unwrap()).collect();
    assert!(targets.contains(&"arn:aws:rds:eu-west-1:111111111111:db:prod-orders"), "{targets:?}");
    assert!(!targets.iter().any(|t| t.contains("us-east-1")), "another VPC is not reachable: {targets:?}");
}

#[test]
fn a_host_and_its_network_interface_give_one_path() {
    // `name:prod-app-*` matches the four hosts and their interfaces `prod-app-N-eth0`.
    let run = on_demo(&["paths", "--from", "name:prod-app-*", "--to", "name:prod-customers", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let mut from: Vec<&str> = paths.iter().map(|p| p["from"].as_str().unwrap()).collect();
    from.sort();
    let before = from.len();
    from.dedup();
    assert_eq!((before, from.len()), (4, 4), "each host once: {from:?}");
    assert!(from.iter().all(|f| f.contains(":instance/")), "{from:?}");
    // An interface alone stands for its host.
    let eni = on_demo(&["paths", "--from", "name:prod-app-1-eth0", "--to", "name:prod-customers"]);
    assert!(eni.stdout.starts_with("path 1: prod-app-1 reaches prod-customers"), "{}", eni.stdout);
    let out = on_demo(&["paths", "--from", "name:prod-app-1", "--to", "internet"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("paths out to the internet are not analysed"), "{}", out.stderr);
}

#[test]
fn what_a_cloud_cannot_decide_is_printed_as_undecided() {
    // Google Cloud paths between assets are not modelled: the exposed notebook VM's
    // path to the private Cloud SQL instance is neither a path nor "no path".
    let run = on_demo(&["paths", "--from", "name:jupyter-1", "--to", "name:reporting-mysql"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("undecided: jupyter-1 -> reporting-mysql: Google Cloud paths"), "{}", run.stdout);
    assert!(!run.stdout.contains("No path"), "{}", run.stdout);
    let from_internet = on_demo(&["paths", "--from", "internet", "--to", "name:reporting-mysql"]);
    assert!(from_internet.stdout.contains("undecided: internet -> reporting-mysql: from "), "{}", from_internet.stdout);
    // The boundary of that store keeps every host that may reach it, marked undecided.
    let scope = on_demo(&["boundary", "--seed", "name:reporting-mysql", "--format", "json"]);
    assert_eq!(scope.code, 0, "{}", scope.stderr);
    let b: Value = serde_json::from_str(&scope.stdout).unwrap();
    let jupyter = b["components"].as_array().unwrap().iter().find(|c| c["name"] == "jupyter-1").expect("in scope");
    assert!(jupyter["why"][0].as_str().unwrap().starts_with("may reach reporting-mysql (undecided:"), "{jupyter}");
    // A bucket is on no network: nothing reaches it through one, and that is decided.
    let bucket = on_demo(&["paths", "--from", "name:jupyter-1", "--to", "name:northwind-open-datasets"]);
    assert!(bucket.stdout.contains("No path"), "{}", bucket.stdout);
}

#[test]
fn query_answers_ad_hoc_questions() {
    let run = on_demo(&["query", r#"asset.kind == "aws_ebs_volume" && !asset.attributes.encrypted"#]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("3 assets match"), "{}", run.stdout);
    let bad = on_demo(&["query", "asset.attributes.nonsense"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown attribute `nonsense`"), "{}", bad.stderr);
}

#[test]
fn query_checks_fact_function_arguments_on_every_asset() {
    let ssh = on_demo(&["query", "internet_port_open(asset, [22, 3389])"]);
    assert!(ssh.stdout.contains("2 assets match; 0 could not be decided"), "{}", ssh.stdout);
    // Not a list of ports: undecided for every asset, also those the internet cannot reach.
    let all = on_demo(&["query", "true"]);
    let total = all.stdout.lines().last().unwrap().split(' ').next().unwrap().to_string();
    let bad = on_demo(&["query", r#"internet_port_open(asset, "22")"#]);
    assert!(bad.stdout.contains(&format!("0 assets match; {total} could not be decided")), "{}", bad.stdout);
}

#[test]
fn missing_data_is_unknown_never_pass() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("partial.json"),
        r#"{"format":"auditgraph-inventory/1","cloud":"aws","scope":"333333333333","collected_at":"2026-11-01T00:00:00Z",
            "assets":[
              {"id":"acct","kind":"aws_account","name":"partial","account":"333333333333","attributes":{"account_id":"333333333333"}},
              {"id":"arn:aws:s3:::half-read","kind":"aws_s3_bucket","name":"half-read","account":"333333333333","region":"eu-west-1",
               "attributes":{"acl_grants":[]}}],
            "coverage":[
              {"service":"rds","api":"DescribeDBInstances","region":"eu-west-1","status":"access_denied","detail":"AccessDenied: not authorized"},
              {"service":"s3","api":"GetBucketPolicy","region":"eu-west-1","resource":"arn:aws:s3:::half-read","status":"access_denied"}]}"#,
    )
    .unwrap();
    let run = auditgraph(dir.path(), &["scan", "partial.json", "--out", "s.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Coverage gaps: 2"), "{}", run.stdout);
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let outcome = |control: &str, asset: &str| -> Option<String> {
        snap["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == control && f["asset"] == asset)
            .map(|f| f["outcome"].as_str().unwrap().to_string())
    };
    assert_eq!(
        outcome("rds-unencrypted", "acct").as_deref(),
        Some("unknown"),
        "a denied API makes its controls unknown"
    );
    assert_eq!(outcome("bucket-public", "arn:aws:s3:::half-read").as_deref(), Some("unknown"));
    assert_eq!(outcome("s3-no-tls-deny", "arn:aws:s3:::half-read").as_deref(), Some("unknown"));
    let rds = snap["controls"].as_array().unwrap().iter().find(|c| c["control"] == "rds-unencrypted").unwrap();
    assert_eq!((rds["passed"].as_u64(), rds["unknown"].as_u64()), (Some(0), Some(1)));
}

#[test]
fn names_cannot_rewrite_the_terminal() {
    // A name that, printed raw, would return the cursor and overprint FAIL with PASS,
    // clear the line, and start a forged line of its own.
    let hostile = "vol\r    PASS \u{1b}[2K\nPASS    ebs-unencrypted          fine";
    let dir = scratch();
    let inventory = serde_json::json!({"format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
        "collected_at": "2026-11-01T00:00:00Z",
        "assets": [{"id": "vol", "kind": "aws_ebs_volume", "name": hostile, "account": "111111111111",
                    "region": "eu-west-1", "attributes": {"size_gib": 8, "encrypted": false}}]});
    std::fs::write(dir.path().join("hostile.json"), inventory.to_string()).unwrap();
    let scan = auditgraph(dir.path(), &["scan", "hostile.json", "--out", "snap.json"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    for args in [
        vec!["findings", "snap.json"],
        vec!["query", "!asset.attributes.encrypted", "--snapshot", "snap.json"],
        vec!["boundary", "snap.json", "--seed", "id:vol"],
    ] {
        let run = auditgraph(dir.path(), &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains(['\r', '\u{1b}']), "{args:?} printed a control character: {:?}", run.stdout);
        assert!(!run.stdout.lines().any(|l| l.starts_with("PASS")), "{args:?} printed a forged line: {}", run.stdout);
        assert!(run.stdout.contains("vol\\u{d}    PASS \\u{1b}[2K\\u{a}PASS"), "{args:?}: {}", run.stdout);
    }
    assert!(!scan.stdout.contains('\r'), "{}", scan.stdout);
}

#[test]
fn boundary_csv_keeps_formulas_as_text() {
    let dir = scratch();
    let inventory = serde_json::json!({"format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
        "collected_at": "2026-11-01T00:00:00Z",
        "assets": [{"id": "vol", "kind": "aws_ebs_volume", "name": "=HYPERLINK(\"http://x\",\"open\")", "account": "111111111111",
                    "region": "eu-west-1", "tags": {"data": "customer"}, "attributes": {"size_gib": 8, "encrypted": true}}]});
    std::fs::write(dir.path().join("inv.json"), inventory.to_string()).unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "inv.json", "--out", "snap.json"]).code, 0);
    let csv = auditgraph(dir.path(), &["boundary", "snap.json", "--seed", "tag:data=customer", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let row = csv.stdout.lines().find(|l| l.starts_with("vol,")).expect("the volume's row");
    assert!(row.contains(r#""'=HYPERLINK(""http://x"",""open"")""#), "{row}");
}

#[test]
fn a_full_disk_is_one_error_and_a_closed_pipe_ends_quietly() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let bin = env!("CARGO_BIN_EXE_auditgraph");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let run = common::run(Command::new(bin).arg("findings").current_dir(dir.path()).stdout(full));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: writing to standard output: No space left"), "{}", run.stderr);

    // A reader that has already gone: every write fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let run = common::run(Command::new(bin).arg("findings").current_dir(dir.path()).stdout(writer));
    assert_eq!((run.code, run.stderr.as_str()), (141, ""), "quiet, with the status of a SIGPIPE death");
}

#[test]
fn a_long_expression_runs_on_every_thread_and_a_longer_one_is_refused() {
    let terms = |n: usize| vec!["asset.name == 'nothing-is-named-this'"; n].join(" || ");
    let run = on_demo(&["query", &terms(350)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("0 assets match"), "{}", run.stdout);
    let run = on_demo(&["query", &terms(1500)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bytes; a control may have 16384"), "{}", run.stderr);
}

#[test]
fn scan_says_which_controls_it_ran() {
    let dir = scratch();
    let run = auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run.stdout.lines().find(|l| l.starts_with("Controls: ")).unwrap();
    assert!(line.contains(" from ") && line.contains("queries"), "{line}");
}

#[test]
fn a_personal_owner_bound_above_the_project_is_found_and_unread_ancestors_are_unknown() {
    let dir = scratch();
    let project = |id: &str, ancestors: Value| {
        let mut attributes = serde_json::json!({"project_id": id,
            "iam_bindings": [{"role": "roles/owner", "members": ["user:cto@acme.example"]}]});
        if !ancestors.is_null() {
            attributes["ancestors"] = ancestors;
        }
        let inventory = serde_json::json!({"format": "auditgraph-inventory/1", "cloud": "gcp", "scope": id,
            "collected_at": "2026-11-01T00:00:00Z", "assets": [{"id": format!("//cloudresourcemanager.googleapis.com/projects/{id}"),
            "kind": "gcp_project", "name": id, "account": id, "attributes": attributes}]});
        std::fs::write(dir.path().join("estate").join(format!("{id}.json")), inventory.to_string()).unwrap();
    };
    std::fs::create_dir(dir.path().join("estate")).unwrap();
    let gmail_owner = serde_json::json!([{"role": "roles/owner", "members": ["user:founder@gmail.com"]}]);
    project("clean", serde_json::json!([{"resource": "organizations/1", "iam_bindings": []}]));
    project(
        "inherits",
        serde_json::json!([{"resource": "folders/2", "iam_bindings": []},
        {"resource": "organizations/1", "iam_bindings": gmail_owner}]),
    );
    project("unread", serde_json::json!([{"resource": "organizations/1"}]));
    project("no-ancestry", Value::Null);
    let run = auditgraph(dir.path(), &["scan", "estate", "--out", "s.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let outcome = |project: &str| -> Option<String> {
        snap["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == "gcp-primitive-role-external" && f["asset_name"] == project)
            .map(|f| f["outcome"].as_str().unwrap().to_string())
    };
    assert_eq!(outcome("clean"), None, "passes");
    assert_eq!(outcome("inherits").as_deref(), Some("fail"), "the organisation's binding is inherited");
    assert_eq!(outcome("unread").as_deref(), Some("unknown"), "an unread policy above is no pass");
    assert_eq!(outcome("no-ancestry").as_deref(), Some("unknown"));
    let results = snap["controls"].as_array().unwrap().iter().find(|c| c["control"] == "gcp-primitive-role-external");
    let counts = results.map(|c| (c["passed"].as_u64(), c["failed"].as_u64(), c["unknown"].as_u64()));
    assert_eq!(counts, Some((Some(1), Some(1), Some(2))), "the clean project was evaluated and passed");
}

#[test]
fn findings_group_under_every_requirement_of_the_framework_named() {
    let soc2 = on_demo(&["findings"]);
    assert_eq!(soc2.code, 0, "{}", soc2.stderr);
    // bucket-public verifies CC6.1, CC6.6 and C1.1: its critical findings are under each.
    let critical = &soc2.stdout[soc2.stdout.find("== CRITICAL").unwrap()..soc2.stdout.find("== HIGH").unwrap()];
    for criterion in ["  CC6.1\n", "  CC6.6\n", "  C1.1\n"] {
        let under = &critical[critical.find(criterion).unwrap_or_else(|| panic!("{criterion:?}: {critical}"))..];
        let next = under[criterion.len()..].find("\n  C").map_or(under.len(), |i| i + criterion.len());
        assert!(under[..next].contains("bucket-public"), "{criterion:?}: {critical}");
    }

    let cis = on_demo(&["findings", "--framework", "cis-aws-3.0"]);
    assert_eq!(cis.code, 0, "{}", cis.stderr);
    let medium = &cis.stdout[cis.stdout.find("== MEDIUM").unwrap()..];
    let rotation = &medium[medium.find("  3.6\n").expect("CIS 3.6 groups the rotation finding")..];
    assert!(rotation.lines().nth(1).unwrap().contains("kms-rotation-disabled"), "{rotation}");
    assert!(cis.stdout.contains("  (no cis-aws-3.0 requirement)\n"), "{}", cis.stdout);

    let sarif: Value =
        serde_json::from_str(&on_demo(&["findings", "--format", "sarif", "--framework", "cis-aws-3.0"]).stdout)
            .unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let kms = rules.iter().find(|r| r["id"] == "kms-rotation-disabled").unwrap();
    assert_eq!(kms["properties"]["tags"], serde_json::json!(["CC6.1", "cis-aws-3.0 3.6"]));
    let ocsf: Value =
        serde_json::from_str(&on_demo(&["findings", "--format", "ocsf", "--framework", "cis-aws-3.0"]).stdout).unwrap();
    let event =
        ocsf.as_array().unwrap().iter().find(|e| e["compliance"]["control"] == "kms-rotation-disabled").unwrap();
    assert_eq!(event["compliance"]["requirements"], serde_json::json!(["3.6"]));
    assert_eq!(event["compliance"]["standards"][0], "CIS Amazon Web Services Foundations Benchmark v3.0.0");
}

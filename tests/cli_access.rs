//! `who-can` and `can` on the demo estate: who can read the customer data, through
//! which roles and from which accounts, what one principal reaches, and the
//! one-line errors for what they cannot answer.

mod common;

use std::collections::BTreeMap;

use common::{auditgraph, demo, scratch};
use serde_json::Value;

fn scanned() -> tempfile::TempDir {
    let dir = scratch();
    let run = auditgraph(dir.path(), &["scan", demo().to_str().unwrap(), "--out", "s.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir
}

/// Holder name → status, for one action on one selector.
fn holders(dir: &std::path::Path, action: &str, on: &str) -> BTreeMap<String, String> {
    let run = auditgraph(dir, &["who-can", action, "--on", on, "--snapshot", "s.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(out["not_considered"].as_str().unwrap().contains("service control policies"));
    out["answers"][0]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap().to_string(), h["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn who_can_read_the_customer_data() {
    let dir = scanned();
    let readers = holders(dir.path(), "s3:GetObject", "name:northwind-prod-customer-data");
    for who in ["user alice", "user carol", "role vendor-audit", "user frank", "role ops-automation"] {
        assert_eq!(readers.get(who).map(String::as_str), Some("allowed"), "{who}: {readers:?}");
    }
    // Another account, through the role that trusts it; the partner only with its ExternalId.
    let vendor = "arn:aws:iam::999999999999:root (outside the estate), as role vendor-audit";
    assert_eq!(readers.get(vendor).map(String::as_str), Some("allowed"), "{readers:?}");
    let partner = "arn:aws:iam::888888888888:root (outside the estate), as role partner-sync";
    assert_eq!(readers.get(partner).map(String::as_str), Some("conditional"), "{readers:?}");
    // ci-deploy may write, not read; gina may escalate, but reads nothing today.
    for who in ["user ci-deploy", "user gina", "user judy"] {
        assert!(!readers.contains_key(who), "{who} cannot read: {readers:?}");
    }
    let writers = holders(dir.path(), "s3:PutObject", "name:northwind-prod-customer-data");
    assert!(writers.contains_key("user ci-deploy"), "{writers:?}");
    assert!(!writers.contains_key("role vendor-audit"), "read-only: {writers:?}");

    let text = auditgraph(
        dir.path(),
        &["who-can", "s3:GetObject", "--on", "name:northwind-prod-customer-data", "--snapshot", "s.json"],
    );
    assert!(text.stdout.contains("  user carol: allowed\n"), "{}", text.stdout);
    assert!(
        text.stdout.contains("allowed by policy data-team-s3 via group Developers: statement 1"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("can assume role vendor-audit (its trust policy: statement 1)"), "{}", text.stdout);
}

#[test]
fn who_can_read_a_google_cloud_bucket() {
    let dir = scanned();
    let readers = holders(dir.path(), "storage.objects.get", "name:northwind-open-datasets");
    let anyone = "anyone on the internet (allUsers), as roles/storage.objectViewer on bucket northwind-open-datasets";
    assert_eq!(readers.get(anyone).map(String::as_str), Some("allowed"), "{readers:?}");
    let analysts = "group:analysts@northwind.example, as roles/viewer on project northwind-analytics";
    assert_eq!(readers.get(analysts).map(String::as_str), Some("allowed"), "inherited from the project: {readers:?}");
    let auditors = "group:security-audit@northwind.example, as roles/viewer on organization 707000000001";
    assert_eq!(readers.get(auditors).map(String::as_str), Some("allowed"), "from the organisation: {readers:?}");
    let science = "group:data-science@northwind.example, as roles/storage.objectViewer on folder 515000000001";
    assert_eq!(readers.get(science).map(String::as_str), Some("allowed"), "from the folder: {readers:?}");
    let writers = holders(dir.path(), "storage.objects.create", "name:northwind-open-datasets");
    assert!(!writers.contains_key(analysts), "Viewer does not write: {writers:?}");
    assert!(
        writers.contains_key("user:data-contractor@gmail.com, as roles/editor on project northwind-analytics"),
        "{writers:?}"
    );
}

#[test]
fn bucket_acl_grants_count_for_whom_they_name() {
    let dir = scanned();
    let listers = holders(dir.path(), "s3:ListBucket", "name:northwind-prod-legacy-exports");
    assert_eq!(
        listers.get("anyone (anonymous or any AWS account)").map(String::as_str),
        Some("allowed"),
        "{listers:?}"
    );
    assert!(
        !listers.keys().any(|k| k.contains("canonical_user")),
        "the owner's grant is its own account's: {listers:?}"
    );
    let readers = holders(dir.path(), "s3:GetObject", "name:northwind-prod-legacy-exports");
    assert!(!readers.keys().any(|k| k.starts_with("anyone")), "a bucket's READ reads no object: {readers:?}");
    let writers = holders(dir.path(), "s3:PutObject", "name:northwind-prod-logs");
    assert_eq!(
        writers.get("group:LogDelivery (outside the estate)").map(String::as_str),
        Some("allowed"),
        "{writers:?}"
    );
}

#[test]
fn google_cloud_deny_policies_stop_or_qualify_grants() {
    let dir = scanned();
    let answer = |permission: &str| -> Value {
        let args =
            ["who-can", permission, "--on", "name:northwind-analytics-raw", "--snapshot", "s.json", "--format", "json"];
        let run = auditgraph(dir.path(), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()["answers"][0].clone()
    };
    let contractor = "user:data-contractor@gmail.com, as roles/editor on project northwind-analytics";
    let reads = answer("storage.objects.get");
    let names: Vec<&str> = reads["holders"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert!(!names.contains(&contractor), "the project's deny policy stops the contractor: {reads}");
    let denied = reads["denied"].as_array().unwrap();
    assert!(denied.iter().any(|d| d.as_str().unwrap().starts_with(contractor)), "{reads}");

    let deletes = answer("storage.objects.delete");
    let status: BTreeMap<&str, &str> = deletes["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap(), h["status"].as_str().unwrap()))
        .collect();
    let admins = "group:gcp-org-admins@northwind.example, as roles/owner on organization 707000000001";
    assert_eq!(status.get(admins), Some(&"allowed"), "the deny rule's exception: {deletes}");
    assert_eq!(status.get(contractor), Some(&"conditional"), "unless in the admins' group: {deletes}");
}

#[test]
fn a_compute_instance_holds_what_its_service_account_holds() {
    let dir = scanned();
    let readers = holders(dir.path(), "storage.objects.get", "name:northwind-analytics-raw");
    let runner = "serviceAccount:analytics-runner@northwind-analytics.iam.gserviceaccount.com";
    let through = format!("{runner}, as roles/storage.objectViewer on bucket northwind-analytics-raw");
    assert_eq!(readers.get(&through).map(String::as_str), Some("allowed"), "{readers:?}");
    let jupyter = format!("instance jupyter-1, as {through}");
    assert_eq!(readers.get(&jupyter).map(String::as_str), Some("allowed"), "{readers:?}");

    let run = auditgraph(dir.path(), &["can", "name:jupyter-1", "--snapshot", "s.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let reaches = out["answers"][0]["reaches"].as_array().expect("one answer per service account");
    let raw = reaches.iter().find(|r| r["name"] == "northwind-analytics-raw").expect("the raw data, as its account");
    assert_eq!(raw["chain"][0], format!("instance jupyter-1 runs as {runner}"));
    let levels: Vec<&str> = raw["access"].as_array().unwrap().iter().map(|a| a["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["list", "read"]);
}

#[test]
fn can_lists_what_a_principal_reaches_by_level() {
    let dir = scanned();
    let run = auditgraph(dir.path(), &["can", "name:carol", "--snapshot", "s.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let reaches = out["answers"][0]["reaches"].as_array().unwrap();
    let customer = reaches.iter().find(|r| r["name"] == "northwind-prod-customer-data").expect("carol reaches it");
    let levels: Vec<&str> =
        customer["access"].as_array().unwrap().iter().map(|a| a["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["list", "read", "write", "permissions", "tagging"], "s3:* on northwind-prod-*");
    assert!(
        reaches.iter().all(|r| r["kind"] != "aws_kms_key" || r["name"] != "staging-data"),
        "no other account's key"
    );

    // An instance acts as its role: the role grants nothing but what public buckets allow anyone.
    let host = auditgraph(dir.path(), &["can", "name:prod-legacy-web", "--snapshot", "s.json"]);
    assert_eq!(host.code, 0, "{}", host.stderr);
    assert!(host.stdout.contains("instance prod-legacy-web runs as role prod-app-instance"), "{}", host.stdout);
    assert!(!host.stdout.contains("northwind-prod-customer-data"), "{}", host.stdout);
}

#[test]
fn what_who_can_and_can_cannot_answer_is_a_one_line_error() {
    let dir = scanned();
    for (args, message) in [
        (vec!["who-can", "s3:*", "--on", "class:data_store"], "is not one action"),
        (vec!["who-can", "s3:GetObject", "--on", "name:no-such-thing"], "--on matches no asset"),
        (vec!["who-can", "s3:GetObject", "--on", "kind:aws_subnet"], "none of which s3:GetObject is about"),
        (
            vec!["who-can", "s3:GetObject", "--on", "kind:gcp_storage_bucket"],
            "a Google Cloud permission is written like",
        ),
        (
            vec!["who-can", "storage.objects.get", "--on", "kind:aws_s3_bucket"],
            "none of which storage.objects.get is about",
        ),
        (vec!["can", "kind:aws_s3_bucket"], "matches no IAM user, role, EC2 instance or Compute Engine instance"),
    ] {
        let mut full = args.clone();
        full.extend(["--snapshot", "s.json"]);
        let run = auditgraph(dir.path(), &full);
        assert_ne!(run.code, 0, "{args:?}");
        // One line says it (clap adds a pointer to --help below argument errors).
        let first = run.stderr.lines().next().unwrap_or("");
        assert!(first.contains(message), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn can_lists_what_a_google_cloud_member_reaches_by_level() {
    let dir = scanned();
    let levels_of = |member: &str| -> BTreeMap<String, Vec<String>> {
        let run = auditgraph(dir.path(), &["can", "--member", member, "--snapshot", "s.json", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out: Value = serde_json::from_str(&run.stdout).unwrap();
        let reaches = out["answers"][0]["reaches"].as_array().unwrap().clone();
        reaches
            .iter()
            .map(|r| {
                let levels = r["access"].as_array().unwrap().iter().map(|a| a["level"].as_str().unwrap().to_string());
                (r["name"].as_str().unwrap().to_string(), levels.collect())
            })
            .collect()
    };
    // Bound on the folder above the project: reads every bucket, nothing else.
    let science = levels_of("group:data-science@northwind.example");
    assert_eq!(science.get("northwind-exports"), Some(&vec!["list".to_string(), "read".to_string()]), "{science:?}");
    assert!(science.keys().all(|k| k.starts_with("northwind-")), "buckets only: {science:?}");
    // Anyone on the internet: only the bucket bound to allUsers.
    let anyone = levels_of("allUsers");
    assert_eq!(anyone.keys().collect::<Vec<_>>(), ["northwind-open-datasets"], "{anyone:?}");
    // An Owner on the organisation holds every level, IAM included.
    let admins = levels_of("group:gcp-org-admins@northwind.example");
    assert_eq!(admins.get("raw-data").map(|l| l.contains(&"permissions".to_string())), Some(true), "{admins:?}");
    // A member is written with its type, as IAM policies write it.
    let untyped = auditgraph(dir.path(), &["can", "--member", "ana@example.com", "--snapshot", "s.json"]);
    assert_ne!(untyped.code, 0);
    assert!(untyped.stderr.contains("is not a Google Cloud member: write user:"), "{}", untyped.stderr);
    // Neither or both: a selector and a member are different questions.
    let both = auditgraph(dir.path(), &["can", "name:carol", "--member", "allUsers", "--snapshot", "s.json"]);
    assert_ne!(both.code, 0);
}

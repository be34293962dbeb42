//! The GCP provider end to end: `auditgraph scan --gcp` against gcp-storage-emulator
//! (Cloud Storage) and recorded Compute Engine, Cloud SQL and Resource Manager
//! responses served on 127.0.0.1, asserting assets, coverage and findings.

mod common;

use common::{auditgraph, emulator, http, root, scratch};
use serde_json::Value;

/// Creates a bucket, then sets what the emulator's bucket creation ignores (labels,
/// prevention, uniform access, CMEK, IAM).
fn seed_bucket(base: &str, name: &str, members: &[&str], prevention: &str, uniform: bool, kms: Option<&str>) {
    let create = serde_json::json!({"name": name});
    let (status, body) = http::request("POST", &format!("{base}/storage/v1/b?project=acme-data"), &create.to_string());
    assert_eq!(status, 200, "{body}");
    let mut patch = serde_json::json!({
        "iamConfiguration": {"publicAccessPrevention": prevention, "uniformBucketLevelAccess": {"enabled": uniform}}
    });
    if let Some(key) = kms {
        patch["encryption"] = serde_json::json!({"defaultKmsKeyName": key});
    }
    assert_eq!(http::request("PATCH", &format!("{base}/storage/v1/b/{name}"), &patch.to_string()).0, 200);
    // The emulator keeps labels only from a PATCH of labels alone, made last.
    let labels = serde_json::json!({"labels": {"data": "customer"}});
    assert_eq!(http::request("PATCH", &format!("{base}/storage/v1/b/{name}"), &labels.to_string()).0, 200);
    let policy = serde_json::json!({"bindings": [{"role": "roles/storage.objectViewer", "members": members}]});
    assert_eq!(http::request("PUT", &format!("{base}/storage/v1/b/{name}/iam"), &policy.to_string()).0, 200);
}

fn findings<'a>(snap: &'a Value, control: &str) -> Vec<(&'a str, &'a str)> {
    snap["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == control)
        .map(|f| (f["asset_name"].as_str().unwrap(), f["outcome"].as_str().unwrap()))
        .collect()
}

/// How many assets `control` passed.
fn passed(snap: &Value, control: &str) -> u64 {
    let result = snap["controls"].as_array().unwrap().iter().find(|c| c["control"] == control).unwrap();
    result["passed"].as_u64().unwrap()
}

#[test]
fn scans_a_project_through_the_real_client() {
    let gcs = emulator::gcs();
    seed_bucket(&gcs.base, "acme-public", &["allUsers"], "inherited", false, None);
    seed_bucket(&gcs.base, "acme-prevented", &["allAuthenticatedUsers"], "enforced", true, None);
    let key = "projects/acme-data/locations/eu/keyRings/r/cryptoKeys/k";
    seed_bucket(&gcs.base, "acme-cmek", &["group:engineering@acme.example"], "enforced", true, Some(key));
    let api = http::serve_recorded(root().join("fixtures/gcp"));

    let dir = scratch();
    let run = auditgraph(
        dir.path(),
        &[
            "scan",
            "--gcp",
            "--project",
            "acme-data",
            "--gcp-endpoint",
            &api.base,
            "--gcs-endpoint",
            &gcs.base,
            "--no-auth",
            "--out",
            "snap.json",
            "--save-inventory",
            "saved",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Coverage gaps: 0"), "{}", run.stdout);
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("snap.json")).unwrap()).unwrap();
    let kinds: std::collections::BTreeMap<&str, usize> =
        snap["assets"].as_array().unwrap().iter().fold(Default::default(), |mut m, a| {
            *m.entry(a["kind"].as_str().unwrap()).or_default() += 1;
            m
        });
    let expected = [
        ("gcp_compute_instance", 3),
        ("gcp_firewall_rule", 3), // two of them on the second page
        ("gcp_kms_key", 4),
        ("gcp_network", 1),
        ("gcp_project", 1),
        ("gcp_route", 2),
        ("gcp_sql_instance", 2),
        ("gcp_storage_bucket", 3),
        ("gcp_subnetwork", 2),
    ];
    assert_eq!(kinds, expected.into_iter().collect());
    // Every call the crawl recorded is one the model lists, so controls' `needs` can name it.
    for source in snap["sources"].as_array().unwrap() {
        for record in source["coverage"].as_array().unwrap() {
            let (service, api) = (record["service"].as_str().unwrap(), record["api"].as_str().unwrap());
            assert!(auditgraph::model::calls::is_known(service, api), "{service}:{api} is not in the model's calls");
        }
    }
    let bucket = |name: &str| snap["assets"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    assert_eq!(
        bucket("acme-cmek")["attributes"]["default_kms_key"],
        "//cloudkms.googleapis.com/projects/acme-data/locations/eu/keyRings/r/cryptoKeys/k"
    );
    assert_eq!(bucket("acme-public")["attributes"]["uniform_bucket_level_access"], false);
    assert_eq!(bucket("acme-prevented")["attributes"]["uniform_bucket_level_access"], true);
    assert_eq!(bucket("acme-public")["tags"]["data"], "customer", "labels become tags");

    assert_eq!(
        findings(&snap, "bucket-public"),
        vec![("acme-public", "fail")],
        "prevention neutralises acme-prevented"
    );
    assert_eq!(findings(&snap, "admin-port-internet"), vec![("bastion", "fail")], "RDP is denied at priority 900");
    assert_eq!(findings(&snap, "datastore-internet-reachable"), vec![("orders", "fail")]);
    assert_eq!(findings(&snap, "cloudsql-ssl-not-required"), vec![("orders", "fail")]);
    assert_eq!(findings(&snap, "gcp-primitive-role-external"), vec![("acme-data", "fail")]);
    // Audit log types add up over the levels: the organisation logs reads, the project writes.
    assert_eq!(findings(&snap, "gcp-data-access-logs-off"), vec![], "on at the organisation and the project");
    assert_eq!(passed(&snap, "gcp-data-access-logs-off"), 1);
    // The folder's sink takes every entry, but not its children's.
    assert_eq!(findings(&snap, "gcp-logs-not-exported"), vec![("acme-data", "fail")]);
    assert_eq!(findings(&snap, "gcp-service-account-admin"), vec![("acme-data", "fail")], "the compute SA is Editor");
    // The project's metadata turns OS Login on; the bastion's own turns it off and opens its serial console.
    assert_eq!(findings(&snap, "gcp-vm-os-login-off"), vec![("bastion", "fail")]);
    assert_eq!(passed(&snap, "gcp-vm-os-login-off"), 2);
    assert_eq!(findings(&snap, "gcp-vm-serial-port-enabled"), vec![("bastion", "fail")]);
    assert_eq!(findings(&snap, "gcp-vm-project-ssh-keys-allowed"), vec![("bastion", "fail")]);
    assert_eq!(findings(&snap, "gcp-vm-ip-forwarding"), vec![("reports", "fail")]);
    // Cloud KMS: a key that rotates, one that does not; signing and external keys cannot.
    assert_eq!(findings(&snap, "kms-rotation-disabled"), vec![("legacy", "fail")]);
    assert_eq!(passed(&snap, "kms-rotation-disabled"), 1);
    // Flow logs on the VMs' subnetwork; the proxy-only one carries no VM traffic.
    assert_eq!(findings(&snap, "vpc-flow-logs-disabled"), vec![]);
    assert_eq!(passed(&snap, "vpc-flow-logs-disabled"), 1);
    let mut without_cmek = findings(&snap, "confidential-bucket-without-cmek");
    without_cmek.sort();
    assert_eq!(without_cmek, vec![("acme-prevented", "fail"), ("acme-public", "fail")]);

    // The saved inventory rescans offline to the same assets.
    let again = auditgraph(dir.path(), &["scan", "saved", "--out", "again.json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let snap2: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("again.json")).unwrap()).unwrap();
    assert_eq!(snap2["assets"], snap["assets"]);

    // The bindings of the folder and organisation above the project are inherited.
    let project = bucket("acme-data");
    let ancestors: Vec<&str> = project["attributes"]["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["folders/2001", "organizations/1001"], "nearest first");
    let who = auditgraph(
        dir.path(),
        &["who-can", "storage.objects.get", "--on", "name:acme-cmek", "--snapshot", "snap.json", "--format", "json"],
    );
    assert_eq!(who.code, 0, "{}", who.stderr);
    let who: Value = serde_json::from_str(&who.stdout).unwrap();
    let answer = &who["answers"][0];
    assert!(answer.get("undecided").is_none(), "every policy on the way up was read: {answer}");
    let status_of = |name: &str| {
        let holders = answer["holders"].as_array().unwrap();
        holders.iter().find(|h| h["name"] == name).map(|h| h["status"].as_str().unwrap().to_string())
    };
    let folder = "group:data-platform@acme.example, as roles/storage.objectViewer on folder 2001";
    assert_eq!(status_of(folder).as_deref(), Some("allowed"), "{answer}");
    let auditors = "group:security-auditors@acme.example, as roles/viewer on organization 1001";
    assert_eq!(status_of(auditors).as_deref(), Some("allowed"), "{answer}");
    let oncall = "user:oncall@acme.example, as roles/storage.admin on organization 1001";
    assert_eq!(status_of(oncall).as_deref(), Some("conditional"), "a time condition: {answer}");
    // The project's deny policy: the freelancer's Editor role no longer reads objects,
    // and the compute service account's reads hang on a tag condition the scan cannot decide.
    let freelancer = "user:freelancer@gmail.com, as roles/editor on project acme-data";
    assert_eq!(status_of(freelancer), None, "{answer}");
    let denied = answer["denied"].as_array().expect("the denied grants are listed");
    assert!(
        denied.iter().any(|d| d.as_str().unwrap().starts_with(freelancer)
            && d.as_str().unwrap().contains("deny policy no-freelancer-reads on project acme-data")),
        "{answer}"
    );
    let compute =
        "serviceAccount:555000111-compute@developer.gserviceaccount.com, as roles/editor on project acme-data";
    assert_eq!(status_of(compute).as_deref(), Some("conditional"), "{answer}");

    // IAM policies are asked for in version 3: an older one leaves conditions out.
    let bodies = api.bodies.lock().unwrap();
    let asks: Vec<&(String, String)> = bodies.iter().filter(|(target, _)| target.ends_with(":getIamPolicy")).collect();
    assert_eq!(asks.len(), 3, "the project, its folder and organisation: {bodies:?}");
    for (target, body) in asks {
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["options"]["requestedPolicyVersion"], 3, "{target}");
    }
    // Read-only: every call was a GET, or a read-only POST (getIamPolicy, getAncestry).
    let requests = api.requests.lock().unwrap();
    for r in requests.iter() {
        let read_only_post = r.ends_with(":getIamPolicy") || r.ends_with(":getAncestry");
        assert!(r.starts_with("GET ") || read_only_post, "a call that may write: {r}");
    }
    // The organisation's policy is read once (the cache serves every later project under it).
    assert_eq!(requests.iter().filter(|r| r.ends_with("organizations/1001:getIamPolicy")).count(), 1);
    assert_eq!(requests.iter().filter(|r| r.ends_with("organizations%2F1001/denypolicies")).count(), 1);
}

#[test]
fn a_denied_project_leaves_gaps_and_unknowns_never_passes() {
    let api = http::serve_recorded(root().join("fixtures/gcp"));
    let dir = scratch();
    let run = auditgraph(
        dir.path(),
        &["scan", "--gcp", "--project", "acme-locked", "--gcp-endpoint", &api.base, "--no-auth", "--out", "snap.json"],
    );
    assert_eq!(run.code, 0, "the scan goes on: {}", run.stderr);
    assert!(run.stdout.contains("gcp acme-locked global compute:firewalls.list: access_denied"), "{}", run.stdout);
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("snap.json")).unwrap()).unwrap();
    for control in [
        "admin-port-internet",
        "bucket-public",
        "datastore-internet-reachable",
        "gcp-primitive-role-external",
        "gcp-data-access-logs-off",
        "gcp-logs-not-exported",
    ] {
        let results = snap["controls"].as_array().unwrap().iter().find(|c| c["control"] == control).unwrap();
        assert!(results["unknown"].as_u64().unwrap() >= 1, "{control}: {results}");
        assert_eq!(results["passed"], 0, "{control} passed on data it never read");
    }
    // A denied project does not stop the others: each is its own inventory.
    let both = auditgraph(
        dir.path(),
        &[
            "scan",
            "--gcp",
            "--project",
            "acme-locked",
            "--project",
            "acme-data",
            "--gcp-endpoint",
            &api.base,
            "--no-auth",
        ],
    );
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert!(both.stdout.contains("gcp  acme-data") && both.stdout.contains("gcp  acme-locked"), "{}", both.stdout);
    assert!(both.stderr.contains("gcp: read 2 projects in"), "{}", both.stderr);
}

#[test]
fn lists_projects_when_none_is_named() {
    let api = http::serve_recorded(root().join("fixtures/gcp"));
    let dir = scratch();
    let run =
        auditgraph(dir.path(), &["scan", "--gcp", "--gcp-endpoint", &api.base, "--no-auth", "--out", "snap.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("gcp  acme-data"), "{}", run.stdout);
}

//! End-to-end: the evidence pack of the demo estate (hashes that verify, complete
//! populations, OSCAL that validates), `--verify` catching every kind of change,
//! a documented signature that checks, and the packs that are refused.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::{auditgraph, demo, scratch};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn sha256_of(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A scratch folder with the demo scanned into `s.json` and its pack in `pack/`.
fn demo_pack() -> tempfile::TempDir {
    let dir = scratch();
    let scan = auditgraph(dir.path(), &["scan", demo().to_str().unwrap(), "--out", "s.json"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let run = auditgraph(dir.path(), &["evidence", "s.json", "--out", "pack"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("wrote pack ("), "{}", run.stdout);
    dir
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    // The demo's cells hold no line breaks; a quoted comma is the only quoting there.
    text.lines().skip(1).map(split_csv).collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[test]
fn the_demo_pack_verifies_and_holds_every_control_s_complete_population() {
    let dir = demo_pack();
    let pack = dir.path().join("pack");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(pack.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "auditgraph-evidence/1");
    // Every file listed hashes to its entry, and every file is listed.
    let files = manifest["files"].as_array().unwrap();
    for f in files {
        let path = pack.join(f["path"].as_str().unwrap());
        assert_eq!(sha256_of(&path), f["sha256"].as_str().unwrap(), "{}", f["path"]);
    }
    let listed: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    let check = common::run(Command::new("sha256sum").arg("-c").arg("--quiet").arg("SHA256SUMS").current_dir(&pack));
    assert_eq!(check.code, 0, "sha256sum -c: {}{}", check.stdout, check.stderr);
    // The inputs are the files that went in.
    let inputs = &manifest["inputs"];
    assert_eq!(inputs["snapshot"]["sha256"].as_str().unwrap(), sha256_of(&dir.path().join("s.json")));
    for inventory in inputs["inventories"].as_array().unwrap() {
        let origin = inventory["origin"].as_str().unwrap();
        assert_eq!(inventory["sha256"].as_str().unwrap(), sha256_of(Path::new(origin)), "{origin}");
    }
    let controls_dir = common::root().join("queries");
    for c in inputs["controls"].as_array().unwrap() {
        let file = controls_dir.join(format!("{}.toml", c["id"].as_str().unwrap()));
        assert_eq!(c["sha256"].as_str().unwrap(), sha256_of(&file));
    }
    assert!(manifest["scan"]["scopes"].as_array().unwrap().iter().all(|s| s["collected_at"].is_string()));

    // Each control's population is every asset the scan evaluated, with its outcome.
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let results = snapshot["controls"].as_array().unwrap();
    assert_eq!(results.len(), common::controls_in_the_repository());
    for r in results {
        let id = r["control"].as_str().unwrap();
        let count = |field: &str| r[field].as_u64().unwrap() as usize;
        assert!(listed.contains(&format!("controls/{id}/definition.toml").as_str()));
        let rows = csv_rows(&pack.join(format!("controls/{id}/population.csv")));
        assert_eq!(rows.len(), count("evaluated"), "{id}: population rows");
        let mut by_outcome: HashMap<&str, usize> = HashMap::new();
        for row in &rows {
            assert_eq!(row.len(), 7, "{id}: {row:?}");
            *by_outcome.entry(row[5].as_str()).or_default() += 1;
        }
        for (outcome, field) in
            [("pass", "passed"), ("fail", "failed"), ("unknown", "unknown"), ("accepted", "accepted")]
        {
            assert_eq!(by_outcome.get(outcome).copied().unwrap_or(0), count(field), "{id}: {outcome}");
        }
        let failures: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(pack.join(format!("controls/{id}/failures.json"))).unwrap())
                .unwrap();
        assert_eq!(failures.len(), count("failed") + count("accepted"), "{id}");
        assert!(failures.iter().all(|f| !f["evidence"].as_array().unwrap().is_empty()));
        let unknowns: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(pack.join(format!("controls/{id}/unknowns.json"))).unwrap())
                .unwrap();
        assert_eq!(unknowns.len(), count("unknown"), "{id}");
    }
    // The demo's unknowns say what was missing.
    let unknown_rows: Vec<Vec<String>> = results
        .iter()
        .flat_map(|r| csv_rows(&pack.join(format!("controls/{}/population.csv", r["control"].as_str().unwrap()))))
        .filter(|row| row[5] == "unknown")
        .collect();
    assert_eq!(unknown_rows.len(), 8);
    assert!(unknown_rows.iter().all(|row| !row[6].is_empty()), "{unknown_rows:?}");

    for view in ["network", "exposure", "boundary"] {
        let svg = std::fs::read_to_string(pack.join(format!("diagrams/{view}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{view}");
    }
    let boundary = csv_rows(&pack.join("boundary.csv"));
    assert!(boundary.iter().any(|row| row[2] == "prod-customers"));
    let oscal: Value =
        serde_json::from_str(&std::fs::read_to_string(pack.join("assessment-results.json")).unwrap()).unwrap();
    assert_eq!(common::schema_errors("oscal_assessment-results_schema-1.1.2.json", &oscal), Vec::<String>::new());
    // The scan went into the default history store: its series is in the pack.
    let series = csv_rows(&pack.join("history/controls.csv"));
    assert_eq!(series.len(), common::controls_in_the_repository());
    assert_eq!(manifest["inputs"]["history"]["scans"], 1);
}

#[test]
fn verify_catches_a_changed_a_missing_and_an_added_file_and_accepts_a_signature() {
    let dir = demo_pack();
    let pack = dir.path().join("pack");
    let ok = auditgraph(dir.path(), &["evidence", "--verify", "pack"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("files match the manifest"), "{}", ok.stdout);

    // The signature the README documents: ssh-keygen -Y over the manifest.
    let key = dir.path().join("key");
    let keygen = common::run(
        Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "auditor", "-f"]).arg(&key),
    );
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let sign = common::run(
        Command::new("ssh-keygen")
            .args(["-Y", "sign", "-n", "auditgraph-evidence", "-f"])
            .arg(&key)
            .arg(pack.join("manifest.json")),
    );
    assert_eq!(sign.code, 0, "{}", sign.stderr);
    let public = std::fs::read_to_string(dir.path().join("key.pub")).unwrap();
    std::fs::write(dir.path().join("allowed_signers"), format!("auditor@example {public}")).unwrap();
    let check_signature = || {
        common::run(
            Command::new("sh")
                .arg("-c")
                .arg(
                    "ssh-keygen -Y verify -f allowed_signers -I auditor@example -n auditgraph-evidence \
                     -s pack/manifest.json.sig < pack/manifest.json",
                )
                .current_dir(dir.path()),
        )
    };
    assert_eq!(check_signature().code, 0, "{}", check_signature().stderr);
    assert_eq!(auditgraph(dir.path(), &["evidence", "--verify", "pack"]).code, 0, "a signature is not an added file");

    let population = pack.join("controls/admin-port-internet/population.csv");
    let text = std::fs::read_to_string(&population).unwrap();
    std::fs::write(&population, text.replacen(",fail,", ",pass,", 1)).unwrap();
    std::fs::remove_file(pack.join("diagrams/exposure.svg")).unwrap();
    std::fs::write(pack.join("controls/note.txt"), "added later").unwrap();
    let bad = auditgraph(dir.path(), &["evidence", "--verify", "pack"]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    let lines: Vec<&str> = bad.stdout.lines().collect();
    assert!(lines.contains(&"changed  controls/admin-port-internet/population.csv"), "{}", bad.stdout);
    assert!(lines.contains(&"missing  diagrams/exposure.svg"), "{}", bad.stdout);
    assert!(lines.contains(&"added    controls/note.txt"), "{}", bad.stdout);
    assert!(bad.stdout.contains("(1 changed, 1 missing, 1 added of"), "{}", bad.stdout);

    // Editing the manifest to match is what the signature is for.
    let manifest = pack.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"auditgraph\"", "\"auditgraph \"")).unwrap();
    assert_ne!(check_signature().code, 0, "the signature no longer verifies");
}

#[test]
fn a_pack_replaces_an_earlier_pack_only_and_only_of_the_controls_that_ran() {
    let dir = demo_pack();
    // Over an earlier pack: replaced whole (a stray file goes with it).
    std::fs::write(dir.path().join("pack/stray.txt"), "x").unwrap();
    let again = auditgraph(dir.path(), &["evidence", "s.json", "--out", "pack"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!dir.path().join("pack/stray.txt").exists());
    assert_eq!(auditgraph(dir.path(), &["evidence", "--verify", "pack"]).code, 0);

    // Over a folder of something else: refused, the folder untouched.
    std::fs::create_dir(dir.path().join("notes")).unwrap();
    std::fs::write(dir.path().join("notes/keep.txt"), "mine").unwrap();
    let refused = auditgraph(dir.path(), &["evidence", "s.json", "--out", "notes"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("not an earlier evidence pack"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("notes/keep.txt")).unwrap(), "mine");
    // Over the folder the snapshot is in: refused.
    let over_input = auditgraph(dir.path(), &["evidence", "s.json", "--out", "."]);
    assert_eq!(over_input.code, 2);
    assert!(over_input.stderr.contains("an input of this command"), "{}", over_input.stderr);

    // With other controls than the scan's: no pack, since it would show another test.
    let queries = dir.path().join("q/queries");
    std::fs::create_dir_all(&queries).unwrap();
    copy_dir(&common::root().join("queries"), &queries);
    copy_dir(&common::root().join("frameworks"), &dir.path().join("q/frameworks"));
    let control = queries.join("admin-port-internet.toml");
    let text = std::fs::read_to_string(&control).unwrap();
    std::fs::write(&control, text.replacen("severity = \"high\"", "severity = \"critical\"", 1)).unwrap();
    let other = auditgraph(dir.path(), &["evidence", "s.json", "--out", "pack2", "--queries", "q/queries"]);
    assert_eq!(other.code, 2);
    assert!(other.stderr.contains("scanned with other controls"), "{}", other.stderr);
    assert!(!dir.path().join("pack2").exists());
}

#[test]
fn a_zipped_pack_unzips_to_a_pack_that_verifies() {
    let dir = demo_pack();
    let run = auditgraph(dir.path(), &["evidence", "s.json", "--zip", "q4.zip"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Python's own zipfile, not ours, reads it back.
    let unzip = common::run(
        Command::new("python3")
            .args(["-c", "import zipfile; zipfile.ZipFile('q4.zip').extractall('unzipped')"])
            .current_dir(dir.path()),
    );
    assert_eq!(unzip.code, 0, "{}", unzip.stderr);
    let verify = auditgraph(dir.path(), &["evidence", "--verify", "unzipped/q4"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    // The same files as the folder's pack (those that do not hold the time they were written).
    for file in ["controls/bucket-public/population.csv", "controls.csv", "diagrams/network.svg"] {
        let zipped = std::fs::read(dir.path().join("unzipped/q4").join(file)).unwrap();
        assert!(zipped == std::fs::read(dir.path().join("pack").join(file)).unwrap(), "{file} differs");
    }
}

#[test]
fn an_estate_too_large_for_one_page_gets_overviews_linking_to_every_part() {
    let dir = scratch();
    let estate = dir.path().join("estate");
    assert_eq!(auditgraph(dir.path(), &["synth", "--assets", "2000", "-o", estate.to_str().unwrap()]).code, 0);
    assert_eq!(auditgraph(dir.path(), &["scan", "estate", "--out", "s.json", "--no-history"]).code, 0);
    let run = auditgraph(dir.path(), &["evidence", "s.json", "--out", "pack"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let diagrams = dir.path().join("pack/diagrams");
    let files: std::collections::BTreeSet<String> =
        std::fs::read_dir(&diagrams).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let mut split = Vec::new();
    for view in ["network", "exposure", "boundary"] {
        let main = std::fs::read_to_string(diagrams.join(format!("{view}.svg"))).unwrap();
        let linked: std::collections::BTreeSet<String> =
            main.split("xlink:href=\"").skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_string()).collect();
        let parts: std::collections::BTreeSet<String> =
            files.iter().filter(|f| f.starts_with(&format!("{view}-"))).cloned().collect();
        // Every part is in the pack and linked from its overview, and every link is
        // to a part; a view drawn whole has neither.
        assert_eq!(linked, parts, "{view}");
        for part in &parts {
            let svg = std::fs::read_to_string(diagrams.join(part)).unwrap();
            assert!(svg.contains("<svg") && svg.contains("</svg>"), "{part}");
        }
        if !parts.is_empty() {
            split.push(view);
        }
    }
    // At 2,000 assets every view is over 120 nodes (the exposure view holds every asset with a finding).
    assert_eq!(split, ["network", "exposure", "boundary"], "{files:?}");
    assert_eq!(auditgraph(dir.path(), &["evidence", "--verify", "pack"]).code, 0);
    // The report inlines each view's main diagram only, without links to files not beside it.
    let report = auditgraph(dir.path(), &["report", "s.json", "-o", "report.html"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(!html.contains("xlink:href=\"network-"), "no link to a part's file");
    assert_eq!(html.matches("Too large for one page: an overview of").count(), 3);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_scope_whose_listing_failed_is_an_unknown_row_of_the_population() {
    let dir = scratch();
    let estate = dir.path().join("estate");
    copy_dir(&demo(), &estate);
    // Staging's Secrets Manager listing denied in eu-west-1: the account is one more
    // check of the rotation control, unknown.
    let file = estate.join("aws-staging.json");
    let mut inventory: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    inventory["coverage"].as_array_mut().unwrap().push(serde_json::json!({
        "service": "secretsmanager", "api": "ListSecrets", "region": "eu-west-1", "status": "access_denied",
        "detail": "AccessDeniedException (test)"}));
    std::fs::write(&file, inventory.to_string()).unwrap();
    let scan = auditgraph(dir.path(), &["scan", "estate", "--out", "s.json"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let run = auditgraph(dir.path(), &["evidence", "s.json", "--out", "pack"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = csv_rows(&dir.path().join("pack/controls/secret-rotation-disabled/population.csv"));
    let scope_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "arn:aws:iam::222222222222:root").collect();
    assert_eq!(scope_rows.len(), 1, "{rows:?}");
    assert_eq!((scope_rows[0][1].as_str(), scope_rows[0][5].as_str()), ("aws_account", "unknown"));
    assert!(scope_rows[0][6].contains("secretsmanager:ListSecrets"), "{:?}", scope_rows[0]);
}

//! End-to-end: `auditgraph scan` on the demo estate, snapshots, and `diff`.

mod common;

use common::{auditgraph, demo, scratch};

#[test]
fn scanning_the_demo_estate_summarises_it_and_saves_a_snapshot() {
    let dir = scratch();
    let run = auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Read 3 inventories"), "{}", run.stdout);
    let assets: usize = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Assets: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("an Assets line");
    assert!(assets >= 150, "the demo estate has {assets} assets");
    assert!(run.stdout.contains("Unresolved references: 0"), "{}", run.stdout);
    assert!(run.stdout.contains("Conflicts: 0"), "{}", run.stdout);
    assert!(run.stdout.contains("ap-east-1 ec2:DescribeInstances: region_disabled"), "{}", run.stdout);
    let saved: Vec<_> = std::fs::read_dir(dir.path().join(".auditgraph/snapshots")).unwrap().collect();
    assert_eq!(saved.len(), 1);
}

#[test]
fn diff_reports_drift_between_the_two_latest_scans() {
    let dir = scratch();
    let estate = dir.path().join("estate");
    std::fs::create_dir(&estate).unwrap();
    let prod = std::fs::read_to_string(demo().join("aws-prod.json")).unwrap();
    std::fs::write(estate.join("prod.json"), &prod).unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "estate"]).code, 0);

    // Someone gives the orders database a public endpoint.
    let drifted = prod.replacen(
        r#""engine": "postgres",
        "engine_version": "15.4",
        "publicly_accessible": false,
        "endpoint": "prod-orders"#,
        r#""engine": "postgres",
        "engine_version": "15.4",
        "publicly_accessible": true,
        "endpoint": "prod-orders"#,
        1,
    );
    assert_ne!(drifted, prod, "the fixture changed shape: update this test");
    std::fs::write(estate.join("prod.json"), drifted).unwrap();
    assert_eq!(auditgraph(dir.path(), &["scan", "estate"]).code, 0);

    let run = auditgraph(dir.path(), &["diff"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("~ aws_rds_instance arn:aws:rds:eu-west-1:111111111111:db:prod-orders (prod-orders)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("    -publicly_accessible = false\n    +publicly_accessible = true\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("0 assets added, 0 removed, 1 changed"), "{}", run.stdout);

    let json = auditgraph(dir.path(), &["diff", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["assets_changed"][0]["changes"][0]["field"], "attributes.publicly_accessible");
}

#[test]
fn diff_without_two_snapshots_says_what_to_do() {
    let dir = scratch();
    let run = auditgraph(dir.path(), &["diff"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("diff needs two snapshots"), "{}", run.stderr);
}

#[test]
fn every_command_explains_itself_with_an_example() {
    let dir = scratch();
    let commands = ["scan", "findings", "controls", "paths", "query", "diagram", "boundary", "who-can", "can"];
    for cmd in commands.into_iter().chain(["synth", "diff", "history", "evidence", "report"]) {
        let run = auditgraph(dir.path(), &[cmd, "--help"]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Examples:"), "{cmd} --help has no example:\n{}", run.stdout);
    }
}

#[test]
fn the_inventory_format_documents_every_kind() {
    let doc = std::fs::read_to_string(common::root().join("docs/inventory-format.md")).unwrap();
    for kind in auditgraph::model::AssetKind::ALL {
        let row = format!("| `{kind}` | {} |", kind.class().as_str());
        assert!(doc.contains(&row), "docs/inventory-format.md has no row `{row}`");
    }
}

#[test]
fn concurrent_scans_to_one_path_leave_a_whole_snapshot() {
    let dir = scratch();
    let demo = demo().to_str().unwrap().to_string();
    for round in 0..5 {
        let scans: Vec<_> = (0..2)
            .map(|_| {
                let (dir, demo) = (dir.path().to_path_buf(), demo.clone());
                std::thread::spawn(move || auditgraph(&dir, &["scan", &demo, "--out", "snap.json"]))
            })
            .collect();
        for scan in scans {
            let run = scan.join().unwrap();
            assert_eq!(run.code, 0, "round {round}: {}", run.stderr);
        }
        let text = std::fs::read_to_string(dir.path().join("snap.json")).unwrap();
        auditgraph::snapshot::Snapshot::from_json(&text).unwrap_or_else(|e| panic!("round {round}: {e}"));
        // The history store beside it (.auditgraph) took both scans.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != ".auditgraph")
            .collect();
        assert_eq!(names, ["snap.json"], "round {round}: no partial file is left");
    }
}

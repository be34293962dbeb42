//! Diagrams and the audit boundary on the demo estate: DOT snapshots of every view
//! (deterministic), SVG rendered by the real Graphviz `dot`, the expected in-scope
//! set, and a clear error when Graphviz is missing.

mod common;

use std::path::PathBuf;

use auditgraph::boundary;
use auditgraph::controls::load_dir;
use auditgraph::render::{render, Scene, View};
use auditgraph::scan::{self, Scan};
use auditgraph::selector::Selector;
use auditgraph::source::FixtureProvider;
use common::{auditgraph, demo, root, scratch};

fn demo_scan() -> Scan {
    let controls = load_dir(&root().join("queries")).unwrap();
    let at = "2026-11-26T10:00:00Z".parse().unwrap();
    scan::run(FixtureProvider::new(demo()).collect_sourced().unwrap(), &controls, at)
}

fn scene<'a>(s: &'a Scan, boundary: Option<&'a boundary::Boundary>) -> Scene<'a> {
    Scene { graph: &s.graph, facts: &s.facts, findings: &s.evaluation.findings, scanned_at: s.scanned_at, boundary }
}

fn golden(name: &str) -> PathBuf {
    root().join("tests/golden").join(name)
}

/// Compares with the golden file; `UPDATE_GOLDEN=1 cargo test` rewrites it.
fn assert_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run UPDATE_GOLDEN=1 cargo test", path.display()));
    assert!(expected == actual, "{name} changed: review the diff, then UPDATE_GOLDEN=1 cargo test --test diagrams");
}

#[test]
fn every_view_matches_its_snapshot_and_is_deterministic() {
    let s = demo_scan();
    let seeds = vec![Selector::Tag { key: "data".into(), value: Some("customer".into()) }];
    let b = boundary::compute(&s.graph, &s.facts, &seeds, &["tag:data=customer".to_string()]);
    let scene = scene(&s, Some(&b));
    for view in [View::Network, View::Exposure, View::Boundary, View::Iam] {
        let first = render(&scene, view, &[], false).remove(0).1;
        let again = render(&scene, view, &[], false).remove(0).1;
        assert_eq!(first, again, "{} view is not deterministic", view.name());
        assert_golden(&format!("demo-{}.dot", view.name()), &first);
    }
}

#[test]
fn the_exposure_view_shows_only_what_the_internet_reaches() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Exposure, &[], false).remove(0).1;
    assert!(dot.contains("prod-bastion"));
    assert!(
        dot.contains(
            r#""internet" -> "arn:aws:ec2:eu-west-1:111111111111:instance/i-ac7f7e9de49bfab78" [label="tcp/22""#
        ),
        "{dot}"
    );
    for decoy in ["prod-partner-ftp", "staging-sandbox-1", "win-reporting", "prod-orders"] {
        assert!(!dot.contains(decoy), "{decoy} is not exposed");
    }
}

#[test]
fn focus_keeps_what_connects_to_the_selection() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Network, &["name:prod-customers".parse().unwrap()], false).remove(0).1;
    assert!(dot.contains("prod-legacy-web") && dot.contains("prod-data\\naws_kms_key"), "{dot}");
    assert!(!dot.contains("staging"), "staging does not connect to prod-customers");
}

#[test]
fn alike_assets_are_aggregated() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Network, &[], false).remove(0).1;
    assert!(dot.contains("3 × staging-app"), "the three staging app servers share subnet and groups");
}

#[test]
fn the_boundary_of_customer_data() {
    let s = demo_scan();
    let seeds = vec!["tag:data=customer".parse().unwrap()];
    let b = boundary::compute(&s.graph, &s.facts, &seeds, &["tag:data=customer".to_string()]);
    let mut in_scope: Vec<String> = b.components.iter().map(|c| format!("{} {}", c.kind, c.name)).collect();
    in_scope.sort();
    let expected = [
        "aws_account northwind-prod",
        "aws_ec2_instance prod-api-1",
        "aws_ec2_instance prod-api-2",
        "aws_ec2_instance prod-app-1",
        "aws_ec2_instance prod-app-2",
        "aws_ec2_instance prod-app-3",
        "aws_ec2_instance prod-app-4",
        "aws_ec2_instance prod-dr-vpn",
        "aws_ec2_instance prod-legacy-web",
        "aws_iam_group Admins",
        "aws_iam_group Developers",
        "aws_iam_role github-deploy",
        "aws_iam_role github-docs",
        "aws_iam_role ops-automation",
        "aws_iam_role ops-break-glass",
        "aws_iam_role partner-sync",
        "aws_iam_role vendor-audit",
        "aws_iam_user alice",
        "aws_iam_user bob",
        "aws_iam_user carol",
        "aws_iam_user ci-deploy",
        "aws_iam_user dana",
        "aws_iam_user frank",
        "aws_iam_user old-reporting",
        "aws_kms_key prod-data",
        "aws_kms_key prod-dr-data",
        "aws_load_balancer prod-api",
        "aws_load_balancer prod-web",
        "aws_rds_instance prod-customers",
        "aws_rds_instance prod-customers-replica",
        "aws_rds_instance prod-orders",
        "aws_s3_bucket northwind-prod-customer-data",
        "aws_subnet prod-app-a",
        "aws_subnet prod-app-b",
        "aws_subnet prod-data-a",
        "aws_subnet prod-data-b",
        "aws_subnet prod-dr-data",
        "aws_subnet prod-dr-data-b",
        "aws_subnet prod-dr-public",
        "aws_subnet prod-public-a",
        "aws_subnet prod-public-b",
        "aws_vpc prod-dr",
        "aws_vpc prod-main",
        "gcp_kms_key raw-data",
        "gcp_project northwind-analytics",
        "gcp_sql_instance analytics-pg",
        "gcp_storage_bucket northwind-analytics-raw",
        "gcp_storage_bucket northwind-exports",
    ];
    assert_eq!(in_scope, expected);
    let entries: Vec<String> =
        b.crossings.iter().map(|c| format!("{} [{}]", s.graph.asset(&c.entry).unwrap().name, c.ports)).collect();
    assert_eq!(
        entries.iter().map(String::as_str).collect::<std::collections::BTreeSet<_>>(),
        [
            "analytics-pg [tcp/5432]",
            "prod-legacy-web [tcp/443]",
            "prod-dr-vpn [udp/1194]",
            "prod-api [tcp/80]",
            "prod-web [tcp/80, tcp/443]"
        ]
        .into_iter()
        .collect()
    );
    // Staging holds synthetic data only: nothing of it is in scope.
    assert!(b.components.iter().all(|c| c.account != "222222222222"));
}

#[test]
fn every_format_asked_for_is_written_and_an_unknown_one_refused() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let magic: [(&str, &[u8]); 3] = [("pdf", b"%PDF-"), ("png", b"\x89PNG"), ("dot", b"digraph")];
    for (ext, starts) in magic {
        let file = format!("network.{ext}");
        let run = auditgraph(dir.path(), &["diagram", "-o", &file]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let bytes = std::fs::read(dir.path().join(&file)).unwrap();
        assert!(bytes.starts_with(starts), "{file} is not {ext}: {:?}", &bytes[..8.min(bytes.len())]);
    }
    let forced = auditgraph(dir.path(), &["diagram", "-o", "picture.out", "--format", "pdf"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(std::fs::read(dir.path().join("picture.out")).unwrap().starts_with(b"%PDF-"));
    for args in
        [vec!["diagram", "-o", "network.jpg"], vec!["boundary", "--seed", "class:data_store", "--diagram", "b.jpeg"]]
    {
        let run = auditgraph(dir.path(), &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains("names no diagram format"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
    assert!(!dir.path().join("network.jpg").exists() && !dir.path().join("b.jpeg").exists());
}

#[test]
fn svg_is_rendered_by_graphviz_with_the_expected_clusters() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let run = auditgraph(dir.path(), &["diagram", "--view", "network", "-o", "network.svg"]);
    assert_eq!(run.code, 0, "is Graphviz installed? {}", run.stderr);
    let svg = std::fs::read_to_string(dir.path().join("network.svg")).unwrap();
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(&svg, options).expect("valid SVG (XML)");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let cluster_labels: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("cluster"))
        .flat_map(|g| {
            g.children().filter(|c| c.tag_name().name() == "text").filter_map(|t| t.text()).map(str::to_string)
        })
        .collect();
    for expected in [
        "AWS",
        "Google Cloud",
        "account 111111111111 (northwind-prod)",
        "VPC prod-main 10.0.0.0/16",
        "public subnet prod-public-a 10.0.1.0/24",
        "Legend",
    ] {
        assert!(cluster_labels.iter().any(|l| l == expected), "no cluster `{expected}` in {cluster_labels:?}");
    }
    let png = auditgraph(dir.path(), &["diagram", "--view", "exposure", "--format", "png", "-o", "exposure.png"]);
    assert_eq!(png.code, 0, "{}", png.stderr);
    assert!(std::fs::read(dir.path().join("exposure.png")).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn split_writes_one_file_per_account() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let run = auditgraph(dir.path(), &["diagram", "--split", "-o", "out/network.dot"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["network-111111111111.dot", "network-222222222222.dot", "network-northwind-analytics.dot"]);
}

#[test]
fn missing_graphviz_is_a_clear_error() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_auditgraph"))
        .args(["diagram", "-o", "x.svg"])
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apt-get install graphviz") && stderr.contains("--format dot"), "{stderr}");
    let dot = std::process::Command::new(env!("CARGO_BIN_EXE_auditgraph"))
        .args(["diagram", "-o", "x.dot"])
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(dot.status.code(), Some(0), "DOT needs no Graphviz");
}

#[test]
fn boundary_command_prints_scope_and_crossings() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let run =
        auditgraph(dir.path(), &["boundary", "--seed", "tag:data=customer", "--format", "csv", "--diagram", "b.dot"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("id,kind,name,account,region,why\n"));
    assert_eq!(run.stdout.lines().count(), 49, "a header and 48 components (dana and frank by NotAction grants)");
    assert!(std::fs::read_to_string(dir.path().join("b.dot")).unwrap().contains("boundary view"));
    let table = auditgraph(dir.path(), &["boundary", "--seed", "tag:data=customer"]);
    assert!(table.stdout.contains("internet -> prod-legacy-web (aws_ec2_instance) [tcp/443]"), "{}", table.stdout);
}

#[test]
fn undecided_links_are_drawn_as_undecided_never_as_reach() {
    // The GCP model does not decide VM → Cloud SQL: the boundary keeps the VMs, and the
    // picture must not draw their links as paths that were worked out.
    let s = demo_scan();
    let seed = "name:reporting-mysql".to_string();
    let b = boundary::compute(&s.graph, &s.facts, &[seed.parse().unwrap()], std::slice::from_ref(&seed));
    let (_, dot) = render(&scene(&s, Some(&b)), View::Boundary, &[], false).remove(0);
    let store = "\"//sqladmin.googleapis.com/projects/northwind-analytics/instances/reporting-mysql\"";
    let into_store: Vec<&str> = dot.lines().filter(|l| l.contains(&format!("-> {store}"))).collect();
    assert!(into_store.len() >= 6, "every VM on its network links to it:\n{dot}");
    for line in into_store {
        assert!(line.contains("label=\"undecided\"") && line.contains("style=\"dotted\""), "{line}");
    }
    assert!(dot.contains("may reach (undecided)"), "the legend names the style");
}

#[test]
fn hostile_names_give_well_formed_svg_and_huge_ids_still_render() {
    let dir = scratch();
    let huge_id = format!("arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-{}", "9".repeat(1_000_000));
    let inventory = serde_json::json!({
        "format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
        "collected_at": "2026-11-01T00:00:00Z",
        "assets": [
            {"id": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "kind": "aws_vpc",
             "name": "main", "account": "111111111111", "region": "eu-west-1",
             "attributes": {"cidr_blocks": ["10.0.0.0/16"]}},
            {"id": "arn:aws:ec2:eu-west-1:111111111111:instance/i-1", "kind": "aws_ec2_instance",
             "name": "evil\u{1b}]0;owned\u{7}\u{fffe}\r PASS", "account": "111111111111", "region": "eu-west-1",
             "attributes": {"state": "running", "subnet": huge_id.clone(), "network_interfaces": []}},
            {"id": huge_id, "kind": "aws_subnet", "name": "n".repeat(5_000),
             "account": "111111111111", "region": "eu-west-1",
             "attributes": {"vpc": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "cidr_block": "10.0.1.0/24"}}
        ]
    });
    std::fs::write(dir.path().join("hostile.json"), inventory.to_string()).unwrap();
    let scan = auditgraph(dir.path(), &["scan", "hostile.json"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let run = auditgraph(dir.path(), &["diagram", "--view", "network", "-o", "hostile.svg"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let svg = std::fs::read_to_string(dir.path().join("hostile.svg")).unwrap();
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(&svg, options).expect("well-formed SVG (XML)");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.iter().any(|t| t.contains("evil\\u{1b}]0;owned")), "the escape is shown as text");
    assert!(!svg.contains('\u{1b}') && !svg.contains('\u{fffe}'));
    assert!(texts.iter().all(|t| t.chars().count() <= 200), "labels are cut to fit");
    assert!(svg.contains(&"n".repeat(1_000)), "the whole name is in the tooltip");
}

#[test]
fn the_iam_view_draws_what_not_action_grants() {
    let s = demo_scan();
    let dot = render(&scene(&s, None), View::Iam, &[], false).remove(0).1;
    let edge = |from: &str, label: &str| {
        dot.lines().any(|l| {
            l.starts_with(&format!("  \"arn:aws:iam::111111111111:user/{from}\" -> \"arn:aws:s3:::"))
                && l.contains(&format!("label=\"{label}\""))
        })
    };
    let every_level = "list, read, write, permissions, tagging";
    assert!(edge("frank", every_level), "every action but one still reaches the buckets");
    assert!(edge("dana", every_level), "a power user reaches the buckets");
}

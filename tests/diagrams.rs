//! Diagrams and the audit boundary on the demo estate: DOT snapshots of every view
//! (deterministic), what every picture claims checked against the analysis (on the
//! demo and a synthetic estate, whole and split into pages), SVG rendered by the
//! real Graphviz `dot`, the interactive page in headless Chromium, the expected
//! in-scope set, and a clear error when Graphviz is missing.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use auditgraph::boundary;
use auditgraph::controls::load_dir;
use auditgraph::findings::Outcome;
use auditgraph::render::picture::{EdgeStyle, Look};
use auditgraph::render::{self, Options, Scene, View};
use auditgraph::scan::{self, Scan};
use auditgraph::selector::Selector;
use auditgraph::source::FixtureProvider;
use auditgraph_model::RelationKind;
use common::{auditgraph, demo, root, scratch};

fn demo_scan() -> Scan {
    let controls = load_dir(&root().join("queries")).unwrap();
    let at = "2026-11-26T10:00:00Z".parse().unwrap();
    scan::run(FixtureProvider::new(demo()).collect_sourced().unwrap(), &controls, at)
}

fn scene<'a>(s: &'a Scan, boundary: Option<&'a boundary::Boundary>) -> Scene<'a> {
    Scene { graph: &s.graph, facts: &s.facts, findings: &s.evaluation.findings, scanned_at: s.scanned_at, boundary }
}

/// The view as DOT, one diagram, with `focus`.
fn render(scene: &Scene, view: View, focus: &[Selector]) -> String {
    let options = Options { focus: focus.to_vec(), ..Options::default() };
    render::render(scene, view, &options).unwrap().remove(0).1
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
        let first = render(&scene, view, &[]);
        let again = render(&scene, view, &[]);
        assert_eq!(first, again, "{} view is not deterministic", view.name());
        assert_golden(&format!("demo-{}.dot", view.name()), &first);
    }
}

#[test]
fn the_exposure_view_shows_only_what_the_internet_reaches() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Exposure, &[]);
    assert!(dot.contains("prod-bastion"));
    let bastion =
        r#""internet@aws/111111111111/eu-west-1" -> "arn:aws:ec2:eu-west-1:111111111111:instance/i-ac7f7e9de49bfab78""#;
    assert!(
        dot.lines().any(|l| l.trim_start().starts_with(bastion) && l.contains(r#"xlabel="tcp/22""#)),
        "the internet of eu-west-1 reaches the bastion on tcp/22:\n{dot}"
    );
    for decoy in ["prod-partner-ftp", "staging-sandbox-1", "win-reporting", "prod-orders"] {
        assert!(!dot.contains(decoy), "{decoy} is not exposed");
    }
}

#[test]
fn focus_keeps_what_connects_to_the_selection() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Network, &["name:prod-customers".parse().unwrap()]);
    assert!(dot.contains("prod-legacy-web") && dot.contains("prod-data\\naws_kms_key"), "{dot}");
    assert!(!dot.contains("staging"), "staging does not connect to prod-customers");
}

#[test]
fn alike_assets_are_aggregated() {
    let s = demo_scan();
    let scene = scene(&s, None);
    let dot = render(&scene, View::Network, &[]);
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
    ] {
        assert!(cluster_labels.iter().any(|l| l == expected), "no cluster `{expected}` in {cluster_labels:?}");
    }
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for entry in ["Legend", "host", "data store", "public subnet (routes to the internet)", "reaches (ports)"] {
        assert!(texts.contains(&entry), "the legend lists `{entry}`");
    }
    assert!(!texts.contains(&"user, group or role"), "the network view draws no principal, so its legend names none");
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
    assert_eq!(
        files,
        ["network-111111111111.dot", "network-222222222222.dot", "network-northwind-analytics.dot", "network.dot"]
    );
    let overview = std::fs::read_to_string(dir.path().join("out/network.dot")).unwrap();
    assert!(overview.contains("overview of 3 diagrams"), "{overview}");
    assert!(overview.contains(r#"URL="network-111111111111.dot""#), "the overview links each part: {overview}");
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
    let dot = render(&scene(&s, Some(&b)), View::Boundary, &[]);
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
    let pictures = render::pictures(&scene(&s, None), View::Iam, &Options::default()).unwrap();
    let claimed = claims(&pictures);
    let every_level = "list, read, write, permissions, tagging";
    let holds = |user: &str, bucket: &str| {
        claimed.contains(&(
            format!("arn:aws:iam::111111111111:user/{user}"),
            format!("arn:aws:s3:::{bucket}"),
            every_level.to_string(),
            EdgeStyle::Access,
        ))
    };
    assert!(holds("frank", "northwind-prod-backups"), "every action but one still reaches the buckets");
    assert!(holds("dana", "northwind-prod-backups"), "a power user reaches the buckets");
}

/// An edge a picture claims, between assets (or outside endpoints): from, to, label, style.
type Claim = (String, String, String, EdgeStyle);

/// Every edge the diagrams claim, each aggregated node expanded to the assets it
/// stands for and each bundle to the actors into it and the stores out of it.
/// Overviews (nodes standing for whole parts) are left out.
fn claims(diagrams: &[render::Diagram]) -> BTreeSet<Claim> {
    let mut all = BTreeSet::new();
    for d in diagrams {
        let nodes = d.picture.nodes();
        if nodes.iter().any(|n| n.look == Look::Part) {
            continue;
        }
        let stands: HashMap<&str, &[String]> = nodes.iter().map(|n| (n.id.as_str(), n.stands_for.as_slice())).collect();
        let junctions: BTreeSet<&str> =
            nodes.iter().filter(|n| n.look == Look::Junction).map(|n| n.id.as_str()).collect();
        for e in &d.picture.edges {
            if junctions.contains(e.to.as_str()) {
                continue;
            }
            let into: Vec<(&str, &str)> = if junctions.contains(e.from.as_str()) {
                d.picture.edges.iter().filter(|i| i.to == e.from).map(|i| (i.from.as_str(), i.label.as_str())).collect()
            } else {
                vec![(e.from.as_str(), e.label.as_str())]
            };
            for (from, label) in into {
                for x in stands[from] {
                    for y in stands[e.to.as_str()] {
                        all.insert((x.clone(), y.clone(), label.to_string(), e.style));
                    }
                }
            }
        }
    }
    all
}

/// What the analysis says a view shows, read from the facts (not from the renderer).
fn analysis_claims(s: &Scan, view: View, b: Option<&boundary::Boundary>) -> BTreeSet<Claim> {
    use auditgraph::analysis::{access_graph, principals};
    let g = &s.graph;
    let mut all = BTreeSet::new();
    let ports = |r: &auditgraph::analysis::Reach| r.flows.port_labels().join(", ");
    let drawn = |id: &auditgraph_model::AssetId| g.asset(id).is_some_and(|a| render::select::drawn(view, a.kind()));
    match view {
        View::Network | View::Exposure => {
            for r in s.facts.from_internet.values().flatten() {
                let (from, style) = match &r.via {
                    Some(lb) => (lb.to_string(), EdgeStyle::Reach),
                    None => ("internet".to_string(), EdgeStyle::Crossing),
                };
                all.insert((from, r.to.to_string(), ports(r), style));
            }
            for r in s.facts.via_exposed_host.values().flatten() {
                all.insert((r.from.to_string(), r.to.to_string(), ports(r), EdgeStyle::Reach));
            }
            if view == View::Network {
                for r in g.relations().iter().filter(|r| r.kind == RelationKind::EncryptedWith) {
                    if drawn(&r.from) && drawn(&r.to) {
                        all.insert((
                            r.from.to_string(),
                            r.to.to_string(),
                            "encrypted with".into(),
                            EdgeStyle::Structure,
                        ));
                    }
                }
            }
        }
        View::Boundary => {
            let b = b.unwrap();
            for c in &b.crossings {
                all.insert(("internet".into(), c.entry.to_string(), c.ports.clone(), EdgeStyle::Crossing));
            }
            let shown: BTreeSet<&auditgraph_model::AssetId> = b
                .components
                .iter()
                .map(|c| &c.id)
                .filter(|id| drawn(id))
                .chain(b.crossings.iter().map(|c| &c.entry))
                .collect();
            for (from, to, p) in &b.links {
                if shown.contains(from) && shown.contains(to) {
                    let style = if p == boundary::UNDECIDED { EdgeStyle::Undecided } else { EdgeStyle::Reach };
                    all.insert((from.to_string(), to.to_string(), p.clone(), style));
                }
            }
            for o in &b.outside_access {
                all.insert((format!("outside:{}", o.who), o.to.to_string(), o.levels.clone(), EdgeStyle::Access));
            }
        }
        View::Iam => {
            for r in g.relations().iter().filter(|r| r.kind == RelationKind::MemberOfGroup) {
                all.insert((r.from.to_string(), r.to.to_string(), "member of".into(), EdgeStyle::Structure));
            }
            let sets = principals::PolicySets::of(g);
            let ps = principals::Principals::new(g, &sets);
            for step in access_graph::role_steps(g, &ps) {
                let label = if matches!(step.kind, access_graph::StepKind::RunsAs) { "runs as" } else { "can assume" };
                let from = render::select::actor_id(&step.from);
                all.insert((from, step.role.to_string(), label.into(), EdgeStyle::Structure));
            }
            let stores = g.assets_of(&access_graph::STORE_KINDS);
            for (store, actors) in access_graph::access_to(&ps, &stores) {
                for (actor, access) in actors {
                    let levels: Vec<&str> = access.iter().map(|a| a.level.as_str()).collect();
                    all.insert((
                        render::select::actor_id(&actor),
                        store.to_string(),
                        levels.join(", "),
                        EdgeStyle::Access,
                    ));
                }
            }
        }
    }
    all
}

/// Every node's findings line against its members' failed controls: all members
/// fail the same ones, as many as the label says, and the red border means some.
fn assert_findings_true(s: &Scan, diagrams: &[render::Diagram]) {
    let mut failed: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for f in s.evaluation.findings.iter().filter(|f| f.outcome == Outcome::Fail) {
        failed.entry(f.asset.as_str()).or_default().insert(&f.control);
    }
    for d in diagrams {
        for n in d.picture.nodes() {
            if matches!(n.look, Look::Part | Look::Elsewhere | Look::Internet | Look::Outsider | Look::Junction) {
                continue;
            }
            let sets: BTreeSet<Option<&BTreeSet<&str>>> = n.stands_for.iter().map(|m| failed.get(m.as_str())).collect();
            assert_eq!(sets.len(), 1, "{} merges assets failing different controls", n.id);
            let count = sets.into_iter().next().flatten().map_or(0, |c| c.len());
            let said = n.label.lines().find_map(|l| l.split(" finding").next().filter(|_| l.contains(" finding")));
            assert_eq!(said.map_or(0, |c| c.parse::<usize>().unwrap()), count, "{}: {}", n.id, n.label);
            assert_eq!(n.flagged, count > 0, "{}", n.id);
        }
    }
}

/// Each view, whole and split into pages of at most `max` nodes, claims exactly
/// what the analysis says.
fn assert_pictures_true(s: &Scan, max: usize) {
    let seeds = vec![Selector::Class(auditgraph_model::AssetClass::DataStore)];
    let b = boundary::compute(&s.graph, &s.facts, &seeds, &["class:data_store".to_string()]);
    let scene = scene(s, Some(&b));
    for view in [View::Network, View::Exposure, View::Boundary, View::Iam] {
        let expected = analysis_claims(s, view, Some(&b));
        assert!(!expected.is_empty(), "{} view: the estate gives it something to draw", view.name());
        for options in [Options::default(), Options { max_nodes: Some(max), ..Options::default() }] {
            let diagrams = render::pictures(&scene, view, &options).unwrap();
            let claimed = claims(&diagrams);
            let extra: Vec<&Claim> = claimed.difference(&expected).take(5).collect();
            let missing: Vec<&Claim> = expected.difference(&claimed).take(5).collect();
            assert!(
                extra.is_empty() && missing.is_empty(),
                "{} view ({} diagrams, max {:?}) claims more: {extra:?}\nor less: {missing:?}",
                view.name(),
                diagrams.len(),
                options.max_nodes
            );
            assert_findings_true(s, &diagrams);
            if options.max_nodes.is_some() && view == View::Network {
                assert!(diagrams.len() > 2, "the network view is split into an overview and parts");
            }
        }
    }
}

#[test]
fn every_picture_claims_what_the_analysis_says_on_the_demo() {
    assert_pictures_true(&demo_scan(), 25);
}

#[test]
fn every_picture_claims_what_the_analysis_says_on_a_synthetic_estate() {
    let dir = scratch();
    let estate = dir.path().join("estate");
    let run = auditgraph(dir.path(), &["synth", "--assets", "2000", "--seed", "1", "-o", estate.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let controls = load_dir(&root().join("queries")).unwrap();
    let s = scan::run(
        FixtureProvider::new(&estate).collect_sourced().unwrap(),
        &controls,
        "2026-11-26T10:00:00Z".parse().unwrap(),
    );
    assert!(s.graph.assets().len() > 1_500);
    assert_pictures_true(&s, 80);
}

#[test]
fn alike_assets_with_different_exposure_are_not_merged() {
    // prod-app-1 and -3 sit in one subnet under one security group and are reached by
    // the same load balancer; a merged node must not carry an edge only one has.
    let s = demo_scan();
    let pictures = render::pictures(&scene(&s, None), View::Exposure, &Options::default()).unwrap();
    for n in pictures[0].picture.nodes() {
        if n.stands_for.len() > 1 {
            let edges = |m: &String| {
                claims(&pictures)
                    .into_iter()
                    .filter(|c| &c.0 == m || &c.1 == m)
                    .map(|c| (c.2, c.3))
                    .collect::<BTreeSet<_>>()
            };
            let first = edges(&n.stands_for[0]);
            assert!(n.stands_for.iter().all(|m| edges(m) == first), "{} merges assets with different edges", n.id);
        }
    }
}

#[test]
fn the_interactive_page_shows_a_node_with_its_evidence_in_a_real_browser() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let run = auditgraph(dir.path(), &["diagram", "--view", "exposure", "-o", "exposure.html"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = dir.path().join("exposure.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(r#"http-equiv="Content-Security-Policy" content="default-src 'none';"#));
    for attribute in ["src=\"http", "href=\"http", "src='http", "url(http", "@import"] {
        assert!(!html.contains(attribute), "the page loads nothing from elsewhere ({attribute})");
    }
    // The node of prod-bastion, by the id the page's data gives it.
    let data_start = html.find(r#"<script id="data" type="application/json">"#).unwrap();
    let data_text = &html[data_start..][html[data_start..].find('>').unwrap() + 1..];
    let data_text = &data_text[..data_text.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(data_text).unwrap();
    let bastion = data
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["members"].as_array().is_some_and(|m| m.iter().any(|m| m["name"] == "prod-bastion")))
        .map(|(k, _)| k.clone())
        .expect("prod-bastion has a node");
    let dom = common::browser::load(&page, &format!("#select={bastion}")).dom;
    let panel = &dom[dom.find(r#"id="panel""#).expect("the panel is in the page")..];
    let panel = &panel[..panel.find("</aside>").unwrap()];
    assert!(panel.contains(&format!(r#"data-selected="{bastion}""#)), "{panel}");
    assert!(panel.contains("prod-bastion") && panel.contains("admin-port-internet"), "{panel}");
    assert!(
        panel.contains("<li>internet → prod-public-a tcp/22: route table")
            && panel.contains("<li>prod-public-a → prod-bastion tcp/22: security group"),
        "the evidence hop by hop: {panel}"
    );
    assert!(dom.contains(&format!(r#"<g id="{bastion}" class="node picked""#)), "the node is marked as picked");
    // An edge: the internet's tcp/22 into the bastion, with the rules that allow it.
    let edge = data
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, v)| {
            k.starts_with('e') && v["label"] == "tcp/22" && v["title"].as_str().unwrap().ends_with("prod-bastion")
        })
        .map(|(k, _)| k.clone())
        .expect("the edge into prod-bastion");
    let dom = common::browser::load(&page, &format!("#select={edge}")).dom;
    assert!(dom.contains("security group"), "the edge's rules are shown");
}

#[test]
fn focus_narrows_the_iam_view_to_who_reaches_the_store_and_what_it_reaches() {
    let s = demo_scan();
    let focus: Vec<Selector> = vec!["name:northwind-prod-customer-data".parse().unwrap()];
    let options = Options { focus: focus.clone(), ..Options::default() };
    let focused = claims(&render::pictures(&scene(&s, None), View::Iam, &options).unwrap());
    let whole = claims(&render::pictures(&scene(&s, None), View::Iam, &Options::default()).unwrap());
    assert!(focused.len() < whole.len() / 2, "{} of {} edges kept", focused.len(), whole.len());
    let bucket = "arn:aws:s3:::northwind-prod-customer-data";
    // Every access edge kept ends at the focus, and every one to it is kept.
    let access = |c: &&Claim| c.3 == EdgeStyle::Access;
    assert!(focused.iter().filter(access).all(|c| c.1 == bucket), "{focused:?}");
    let into: BTreeSet<&Claim> = whole.iter().filter(|c| c.1 == bucket).collect();
    assert!(into.iter().all(|c| focused.contains(*c)) && !into.is_empty());
    // Who can become a principal that reads it is kept: the vendor's account assumes vendor-audit.
    let vendor = "arn:aws:iam::111111111111:role/vendor-audit";
    assert!(into.iter().any(|c| c.0 == vendor), "vendor-audit reads it");
    assert!(focused.contains(&(
        "outside:arn:aws:iam::999999999999:root".to_string(),
        vendor.to_string(),
        "can assume".to_string(),
        EdgeStyle::Structure
    )));
    // Users who cannot reach the bucket by any path are left out.
    assert!(!focused.iter().any(|c| c.0.ends_with("user/dave")), "dave is staging's");
}

#[test]
fn max_nodes_writes_an_overview_linking_parts_that_fit() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap()]).code, 0);
    let run = auditgraph(dir.path(), &["diagram", "--view", "network", "--max-nodes", "30", "-o", "pages/net.svg"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.len() > 3 && files.contains(&"net.svg".to_string()), "{files:?}");
    let overview = std::fs::read_to_string(dir.path().join("pages/net.svg")).unwrap();
    for part in files.iter().filter(|f| *f != "net.svg") {
        assert!(overview.contains(&format!("xlink:href=\"{part}\"")), "the overview links {part}");
        assert!(run.stdout.contains(&format!("wrote pages/{part}")), "{}", run.stdout);
    }
    assert!(files.iter().any(|f| f.contains("vpc-")), "an account over the budget is split by VPC: {files:?}");
    let zero = auditgraph(dir.path(), &["diagram", "--max-nodes", "0", "-o", "x.svg"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    let nothing =
        auditgraph(dir.path(), &["diagram", "--view", "iam", "--focus", "name:prod-bastion-typo", "-o", "f.dot"]);
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    assert!(nothing.stderr.contains("--focus selects nothing the iam view draws"), "{}", nothing.stderr);
    assert!(!dir.path().join("f.dot").exists(), "no empty diagram is written");
    let demo_whole = auditgraph(dir.path(), &["diagram", "-o", "whole.dot"]);
    assert!(!demo_whole.stderr.contains("note:"), "the demo fits a page: {}", demo_whole.stderr);
    let estate = dir.path().join("estate");
    assert_eq!(auditgraph(dir.path(), &["synth", "--assets", "2000", "-o", estate.to_str().unwrap()]).code, 0);
    assert_eq!(auditgraph(dir.path(), &["scan", estate.to_str().unwrap(), "--out", "big.json"]).code, 0);
    let big = auditgraph(dir.path(), &["diagram", "big.json", "-o", "big.dot"]);
    assert!(big.stderr.contains("too many to print readably; --max-nodes 60"), "{}", big.stderr);
}

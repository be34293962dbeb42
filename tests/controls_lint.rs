//! Lints every control in queries/: it loads (kinds, attributes, functions and
//! needed calls all exist), its id matches its file name, and it says why and how
//! to fix. Every framework of frameworks/ names only controls that exist, SOC 2's
//! lists every 2017 criterion and maps every control, and a faulty framework is
//! refused with its file and line. The README's table of fact functions is the
//! registry's.

use auditgraph::controls::fact_functions::FACT_FUNCTIONS;
use auditgraph::controls::load_dir;

#[test]
fn every_control_in_queries_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let controls = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(controls.len() >= 20, "only {} controls", controls.len());
    for c in &controls {
        let stem = c.file.file_stem().unwrap().to_string_lossy();
        assert_eq!(c.id, stem, "{}: the id must match the file name", c.file.display());
        for text in [&c.title, &c.description, &c.rationale, &c.remediation] {
            assert!(
                text.len() > 10,
                "{}: write a real title, description, rationale and remediation",
                c.file.display()
            );
        }
        assert!(!c.needs.is_empty(), "{}: say which coverage the control needs", c.file.display());
    }
}

#[test]
fn the_readme_lists_the_fact_functions_of_the_registry() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| function |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let registry: Vec<String> = FACT_FUNCTIONS.iter().map(|f| format!("| `{}` | {} |", f.call, f.meaning)).collect();
    assert_eq!(rows, registry, "README.md's table of fact functions must list the registry's, in its order");
}

/// The names a control may select below an attribute cover every name the data
/// holds: each key of the demo's attributes (outside maps whose keys are data) is
/// one the loader accepts, so no legitimate field is refused as misspelt.
#[test]
fn every_nested_name_the_demo_holds_can_be_selected() {
    use auditgraph::source::FixtureProvider;
    use auditgraph_model::schema::{nested_names, MAP_FIELDS};
    use auditgraph_model::{AssetKind, Provider};

    fn walk(value: &serde_json::Value, known: &dyn Fn(&str) -> bool, unknown: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if !known(k) {
                        unknown.push(k.clone());
                    }
                    // Principal maps are keyed by principal type, which `known` has.
                    if !MAP_FIELDS.contains(&k.as_str()) {
                        walk(v, known, unknown);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, known, unknown)),
            _ => {}
        }
    }
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let known = |name: &str| {
        nested_names().contains(name) || AssetKind::ALL.iter().any(|k| k.attribute_fields().contains(&name))
    };
    let mut unknown = Vec::new();
    let mut assets = 0;
    for inventory in FixtureProvider::new(demo).collect().unwrap() {
        for asset in &inventory.assets {
            assets += 1;
            walk(&serde_json::to_value(&asset.attributes).unwrap(), &known, &mut unknown);
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(assets > 100);
    assert!(unknown.is_empty(), "names in the demo's attributes that controls could not select: {unknown:?}");
}

/// Every criterion of the 2017 Trust Services Criteria, in the published order.
fn trust_services_criteria() -> Vec<String> {
    let mut ids = Vec::new();
    for (series, count) in [(1, 5), (2, 3), (3, 4), (4, 2), (5, 3), (6, 8), (7, 5), (8, 1), (9, 2)] {
        ids.extend((1..=count).map(|n| format!("CC{series}.{n}")));
    }
    ids.extend(["A1.1", "A1.2", "A1.3", "C1.1", "C1.2"].map(String::from));
    ids.extend((1..=5).map(|n| format!("PI1.{n}")));
    for (series, count) in [(1, 1), (2, 1), (3, 2), (4, 3), (5, 2), (6, 7), (7, 1), (8, 1)] {
        ids.extend((1..=count).map(|n| format!("P{series}.{n}")));
    }
    ids
}

#[test]
fn every_framework_names_real_controls_and_soc2_lists_every_criterion() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let controls = load_dir(&root.join("queries")).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = controls.iter().map(|c| c.id.as_str()).collect();
    let frameworks = auditgraph::frameworks::load_dir(&root.join("frameworks"), Some(&ids)).unwrap();
    let soc2 = frameworks.iter().find(|f| f.id == "soc2").unwrap();
    let listed: Vec<String> = soc2.requirements.iter().map(|r| r.id.clone()).collect();
    assert_eq!(listed, trust_services_criteria());
    for c in &controls {
        assert!(!c.criteria.is_empty(), "{} maps to no SOC 2 criterion", c.id);
        let named: Vec<&str> = soc2.requirements_of(&c.id).map(|r| r.id.as_str()).collect();
        assert_eq!(c.criteria, named, "{}", c.id);
    }
    let cis = frameworks.iter().find(|f| f.id == "cis-aws-3.0").expect("CIS AWS v3.0");
    assert_eq!(cis.requirements.len(), 62, "CIS AWS Foundations v3.0.0 has 62 recommendations");
    for f in &frameworks {
        assert!(f.requirements.iter().all(|r| r.title.len() > 10), "{}: every requirement has its title", f.id);
    }
}

#[test]
fn a_faulty_framework_or_an_unmapped_control_is_refused_with_its_file_and_line() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let (queries, frameworks) = (scratch.path().join("queries"), scratch.path().join("frameworks"));
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::create_dir_all(&frameworks).unwrap();
    for name in ["rds-unencrypted.toml", "ebs-unencrypted.toml"] {
        std::fs::copy(root.join("queries").join(name), queries.join(name)).unwrap();
    }
    let soc2 = |controls: &str| {
        format!(
            "id = \"soc2\"\ntitle = \"SOC 2\"\nsource = \"AICPA\"\n\n[[requirement]]\nid = \"CC6.1\"\n\
             title = \"Logical access security\"\ncontrols = [{controls}]\n"
        )
    };
    std::fs::write(frameworks.join("soc2.toml"), soc2(r#""rds-unencrypted", "ebs-unencrypted""#)).unwrap();
    load_dir(&queries).unwrap();

    std::fs::write(frameworks.join("soc2.toml"), soc2(r#""rds-unencrypted", "ebs-unencrypted", "rds-encrypted""#))
        .unwrap();
    let e = load_dir(&queries).unwrap_err().to_string();
    assert!(
        e.contains("soc2.toml:8:") && e.contains("names control `rds-encrypted`, which no control file defines"),
        "{e}"
    );

    std::fs::write(frameworks.join("soc2.toml"), soc2(r#""rds-unencrypted""#)).unwrap();
    let e = load_dir(&queries).unwrap_err().to_string();
    assert!(e.contains("ebs-unencrypted.toml:1:") && e.contains("maps to no SOC 2 criterion"), "{e}");

    std::fs::remove_file(frameworks.join("soc2.toml")).unwrap();
    let e = load_dir(&queries).unwrap_err().to_string();
    assert!(e.contains("no framework with id `soc2`"), "{e}");
}

/// The rows of the README's table whose header line is `header`.
fn readme_table(header: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    readme.lines().skip_while(|l| *l != header).skip(2).take_while(|l| l.starts_with('|')).map(str::to_string).collect()
}

/// Fails with the table as it should read, to paste into the README.
fn assert_table(header: &str, want: Vec<String>) {
    let have = readme_table(header);
    assert!(have == want, "README.md's table under `{header}` must read:\n{header}\n{}\n", want.join("\n"));
}

#[test]
fn the_readme_lists_every_control() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let controls = load_dir(&dir).unwrap();
    let rows = controls
        .iter()
        .map(|c| {
            let targets: Vec<&str> = c.targets.iter().map(|k| k.as_str()).collect();
            format!("| `{}` | {} | {} | {} |", c.id, c.severity.as_str(), targets.join(", "), c.title)
        })
        .collect();
    assert_table("| control | severity | targets | fails when |", rows);
}

#[test]
fn the_readme_shows_soc2_coverage_as_its_framework_file_maps_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let frameworks = auditgraph::frameworks::load_dir(&root.join("frameworks"), None).unwrap();
    let soc2 = frameworks.iter().find(|f| f.id == "soc2").unwrap();
    let rows = soc2
        .requirements
        .iter()
        .map(|r| {
            let controls: Vec<String> = r.controls.iter().map(|c| format!("`{c}`")).collect();
            let verified = if controls.is_empty() { "by hand".to_string() } else { controls.join(", ") };
            format!("| {} | {} | {verified} |", r.id, r.short.as_deref().unwrap_or(""))
        })
        .collect();
    assert_table("| criterion | in short | verified by |", rows);
}

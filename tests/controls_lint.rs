//! Lints every control in queries/: it loads (kinds, attributes, functions,
//! criteria and needed calls all exist), its id matches its file name, and it says
//! why and how to fix. The README's table of fact functions is the registry's.

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

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

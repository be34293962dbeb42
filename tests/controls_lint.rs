//! Lints every control in queries/: it loads (kinds, attributes, functions and
//! criteria all exist), its id matches its file name, and it says why and how to fix.

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

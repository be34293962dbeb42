//! The engine's modules depend on each other one way (ARCHITECTURE.md): read from
//! the sources, the top-level modules that name each other (`crate::x`, outside
//! test code) form no cycle, and no provider crate depends on another provider.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module a source file under `src/` belongs to (`analysis` for
/// `src/analysis/network.rs`), or `None` for the crate roots and test-only files.
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    let test_only = relative.file_name().is_some_and(|f| f == "tests.rs");
    (!matches!(name, "lib" | "main") && !test_only).then(|| name.to_string())
}

/// The modules `text` names as `crate::x`, before its first test module.
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.match_indices("crate::")
        .map(|(at, _)| code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect()
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A cycle through `start`, as the modules along it, if there is one.
fn cycle_through(deps: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        for next in deps.get(path.last().unwrap()).into_iter().flatten() {
            if next == start {
                return Some([path.clone(), vec![start.to_string()]].concat());
            }
            if seen.insert(next.clone()) {
                stack.push([path.clone(), vec![next.clone()]].concat());
            }
        }
    }
    None
}

#[test]
fn engine_modules_depend_on_each_other_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let Some(module) = module_of(file.strip_prefix(&src).unwrap()) else { continue };
        let named = named_modules(&std::fs::read_to_string(file).unwrap());
        deps.entry(module.clone()).or_default().extend(named.into_iter().filter(|m| *m != module));
    }
    assert!(deps.get("commands").is_some_and(|d| d.contains("cli")), "the reading found no dependency: {deps:?}");
    let cycles: Vec<Vec<String>> = deps.keys().filter_map(|m| cycle_through(&deps, m)).collect();
    assert!(cycles.is_empty(), "modules that depend on each other: {cycles:?}");
}

#[test]
fn no_provider_depends_on_another_provider() {
    let providers = Path::new(env!("CARGO_MANIFEST_DIR")).join("providers");
    for cloud in ["aws", "gcp"] {
        let manifest = std::fs::read_to_string(providers.join(cloud).join("Cargo.toml")).unwrap();
        for other in ["aws", "gcp"].into_iter().filter(|o| *o != cloud) {
            assert!(!manifest.contains(&format!("auditgraph-{other}")), "the {cloud} provider depends on {other}");
        }
        assert!(manifest.contains("auditgraph-crawl"), "the {cloud} provider shares the crawl crate");
    }
}

#[test]
fn the_reading_sees_a_cycle_when_there_is_one() {
    let deps: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycle_through(&deps, "a"), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(cycle_through(&deps, "d"), None);
    assert_eq!(
        named_modules("use crate::graph::X;\n#[cfg(test)]\nmod tests { use crate::synth; }"),
        ["graph".into()].into()
    );
}

//! End-to-end on the demo estate: every planted problem listed in
//! fixtures/demo/README.md is found by the control the list names, no decoy is,
//! and every case the README lists as undecided is reported unknown (never a pass).
//! The README is the single source of the expectations.

mod common;

use std::collections::BTreeSet;

use common::{auditgraph, demo, scratch};
use serde_json::Value;

/// The backticked words of a table cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// (row, asset ids, control ids) for the table rows whose first cell starts with `prefix`.
fn rows(readme: &str, prefix: char, ids_col: usize, controls_col: usize) -> Vec<(String, Vec<String>, Vec<String>)> {
    readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let row = cells.get(1)?;
            if !(row.starts_with(prefix) && row[1..].chars().all(|c| c.is_ascii_digit()) && row.len() > 1) {
                return None;
            }
            Some((row.to_string(), ticked(cells[ids_col]), ticked(cells[controls_col])))
        })
        .collect()
}

/// (control, asset) of every finding with this outcome.
fn pairs(findings: &[Value], outcome: &str) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .filter(|f| f["outcome"] == outcome)
        .map(|f| (f["control"].as_str().unwrap().to_string(), f["asset"].as_str().unwrap().to_string()))
        .collect()
}

fn demo_findings() -> Vec<Value> {
    let dir = scratch();
    let out = dir.path().join("snap.json");
    let run = auditgraph(dir.path(), &["scan", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    snap["findings"].as_array().unwrap().clone()
}

/// What `say` says of each (row, asset, control) of `rows` for which `wrong` holds.
fn every_pair(
    rows: &[(String, Vec<String>, Vec<String>)],
    wrong: impl Fn(&(String, String)) -> bool,
    say: impl Fn(&str, &str, &str) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    for (row, ids, controls) in rows {
        for id in ids {
            for control in controls.iter().filter(|c| wrong(&((*c).clone(), id.clone()))) {
                out.push(say(row, id, control));
            }
        }
    }
    out
}

#[test]
fn every_planted_problem_is_found_and_no_decoy_is() {
    let readme = std::fs::read_to_string(demo().join("README.md")).unwrap();
    let planted = rows(&readme, 'P', 3, 4);
    let decoys = rows(&readme, 'D', 4, 5);
    let undecided = rows(&readme, 'U', 3, 4);
    assert!(planted.len() >= 20 && decoys.len() >= 10 && !undecided.is_empty(), "the README tables were not read");
    let findings = demo_findings();
    let failed = pairs(&findings, "fail");
    let unknown = pairs(&findings, "unknown");
    let mut missing = Vec::new();
    for (row, ids, controls) in &planted {
        assert!(!ids.is_empty() && !controls.is_empty(), "row {row} names no asset or control");
        // A row may list several assets and controls: each asset must fail at least
        // one of the row's controls, and each control must fail on one of its assets.
        for id in ids {
            if !controls.iter().any(|c| failed.contains(&(c.clone(), id.clone()))) {
                missing.push(format!("{row}: {id} not flagged by any of {controls:?}"));
            }
        }
        for control in controls {
            if !ids.iter().any(|id| failed.contains(&(control.clone(), id.clone()))) {
                missing.push(format!("{row}: {control} flags none of {ids:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "planted problems not found:\n{}", missing.join("\n"));
    let flagged = every_pair(
        &decoys,
        |pair| failed.contains(pair),
        |row, id, control| format!("{row}: decoy {id} flagged by {control}"),
    );
    assert!(flagged.is_empty(), "decoys flagged:\n{}", flagged.join("\n"));
    let decided = every_pair(
        &undecided,
        |pair| !unknown.contains(pair),
        |row, id, control| format!("{row}: {control} on {id} is not unknown"),
    );
    assert!(decided.is_empty(), "undecided cases reported otherwise:\n{}", decided.join("\n"));
}

//! The scan pipeline: merge inventories into the graph, derive facts, evaluate the
//! controls, and capture it all in a snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::analysis::Facts;
use crate::controls::evaluate::{evaluate, Evaluation};
use crate::controls::Control;
use crate::graph::AssetGraph;
use crate::snapshot::Snapshot;
use crate::source::SourcedInventory;

pub struct Scan {
    pub graph: AssetGraph,
    pub facts: Arc<Facts>,
    pub evaluation: Evaluation,
    pub snapshot: Snapshot,
}

/// Builds the graph, analyses it, runs the controls and takes the snapshot.
pub fn run(inventories: Vec<SourcedInventory>, controls: &[Control], at: DateTime<Utc>) -> Scan {
    analyse(AssetGraph::from_inventories(inventories), controls, at)
}

/// Analyses a built graph (also one rebuilt from a snapshot).
pub fn analyse(mut graph: AssetGraph, controls: &[Control], at: DateTime<Utc>) -> Scan {
    let facts = Arc::new(Facts::derive(&graph));
    facts.record_in(&mut graph);
    let evaluation = evaluate(controls, &graph, &facts);
    let snapshot =
        Snapshot::capture(&graph, at, facts.reach_records(), evaluation.results.clone(), evaluation.findings.clone());
    Scan { graph, facts, evaluation, snapshot }
}

/// The controls folder: the one given, else `queries/` here, else the one this
/// binary was built with.
pub fn queries_dir(given: Option<&Path>) -> PathBuf {
    if let Some(dir) = given {
        return dir.to_path_buf();
    }
    let here = PathBuf::from("queries");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")
}

//! The scan pipeline: merge inventories into the graph, derive facts, evaluate the
//! controls, and capture it all in a snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::analysis::Facts;
use crate::controls::evaluate::{evaluate, Evaluation};
use crate::controls::Control;
use crate::exceptions::{ExceptionStatus, Exceptions};
use crate::graph::AssetGraph;
use crate::snapshot::{reach_records, ScanInfo, SnapshotView};
use crate::source::SourcedInventory;

pub struct Scan {
    pub graph: AssetGraph,
    pub facts: Arc<Facts>,
    pub evaluation: Evaluation,
    pub scanned_at: DateTime<Utc>,
    /// The digest of the controls evaluated (`controls::digest_of`).
    pub controls_digest: String,
}

impl Scan {
    /// The snapshot of this scan, borrowed: write it, or print it.
    pub fn snapshot(&self) -> SnapshotView<'_> {
        SnapshotView::new(
            &self.graph,
            ScanInfo::by_this_build(self.scanned_at, Some(self.controls_digest.clone())),
            reach_records(&self.graph, &self.facts),
            &self.evaluation.results,
            &self.evaluation.findings,
        )
    }
}

/// Builds the graph, analyses it, runs the controls and takes the snapshot.
pub fn run(inventories: Vec<SourcedInventory>, controls: &[Control], at: DateTime<Utc>) -> Scan {
    run_timed(inventories, controls, at, &mut Timer::new(false))
}

/// `run`, reporting each stage's duration to `timer`.
pub fn run_timed(
    inventories: Vec<SourcedInventory>,
    controls: &[Control],
    at: DateTime<Utc>,
    timer: &mut Timer,
) -> Scan {
    let mut graph = AssetGraph::from_inventories(inventories);
    timer.lap("build graph");
    let facts = Arc::new(Facts::derive(&graph));
    facts.record_in(&mut graph);
    timer.lap("analyse (reachability, access)");
    let evaluation = evaluate(controls, &graph, &facts);
    timer.lap("evaluate controls");
    Scan { graph, facts, evaluation, scanned_at: at, controls_digest: crate::controls::digest_of(controls) }
}

/// Applies the exceptions active at the scan's time to its failures.
pub fn apply_exceptions(scan: &mut Scan, controls: &[Control], exceptions: &Exceptions) -> Vec<ExceptionStatus> {
    let Scan { graph, evaluation, scanned_at, .. } = scan;
    let graph = &*graph;
    let evaluated = |control: &str, selector: &crate::selector::Selector| {
        controls
            .iter()
            .find(|c| c.id == control)
            .is_some_and(|c| graph.assets_of(&c.targets).iter().any(|a| selector.matches(a)))
    };
    exceptions.apply(
        &mut evaluation.findings,
        &mut evaluation.results,
        |f| graph.asset(&f.asset),
        evaluated,
        *scanned_at,
    )
}

/// Stage timings for `scan --timings`, printed to standard error.
pub struct Timer {
    enabled: bool,
    last: std::time::Instant,
}

impl Timer {
    pub fn new(enabled: bool) -> Self {
        Timer { enabled, last: std::time::Instant::now() }
    }

    pub fn lap(&mut self, stage: &str) {
        if self.enabled {
            eprintln!("timing: {stage:<32} {:>8.3} s", self.last.elapsed().as_secs_f64());
        }
        self.last = std::time::Instant::now();
    }
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

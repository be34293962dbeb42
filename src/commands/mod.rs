//! The commands, one module each: what a command does with its arguments, and
//! `run`, which picks the command. The arguments are declared in `cli`; the
//! engine does the work.

pub mod boundary;
pub mod can;
pub mod controls;
pub mod diagram;
pub mod diff;
pub mod evidence;
pub mod findings;
pub mod history;
pub mod paths;
pub mod query;
pub mod report;
pub mod scan;
pub mod who_can;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use auditgraph_model::AssetId;

use crate::analysis::Facts;
use crate::cli::{Cli, Command, GateArgs};
use crate::findings::{Finding, Outcome};
use crate::graph::AssetGraph;
use crate::selector::Selector;
use crate::snapshot::{self, Snapshot};

/// Runs the command the command line names.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Findings(args) => findings::run(args),
        Command::Controls(args) => controls::run(args),
        Command::Paths(args) => paths::run(args),
        Command::Query(args) => query::run(args),
        Command::Diagram(args) => diagram::run(args),
        Command::Boundary(args) => boundary::run(args),
        Command::WhoCan(args) => who_can::run(args),
        Command::Can(args) => can::run(args),
        Command::Synth(args) => {
            let (files, assets) = crate::synth::generate(args.assets, args.seed, &args.out)?;
            crate::sayln!("wrote {assets} assets in {files} inventories to {}", args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => diff::run(args),
        Command::History(args) => history::run(args),
        Command::Evidence(args) => evidence::run(args),
        Command::Report(args) => report::run(args),
    }
}

/// Exit code 1 when a finding at the gate's severity or worse failed, or is unknown
/// (a check that could not be made does not pass a gate) unless unknowns are allowed.
pub fn gate(findings: &[Finding], gate: &GateArgs) -> ExitCode {
    let Some(threshold) = gate.fail_on else { return ExitCode::SUCCESS };
    let stops = |f: &Finding| match f.outcome {
        Outcome::Fail => true,
        Outcome::Unknown => !gate.allow_unknown,
        Outcome::Pass | Outcome::Accepted => false,
    };
    if findings.iter().any(|f| f.severity >= threshold && stops(f)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The snapshot at `path`, or the latest one saved.
pub fn load(path: Option<&Path>) -> Result<Snapshot> {
    Snapshot::read(&snapshot::resolve(path)?)
}

/// Rebuilds a snapshot's graph and derives its facts again.
pub fn graph_and_facts(snap: &Snapshot) -> (AssetGraph, Arc<Facts>) {
    let graph = snap.graph();
    let facts = Arc::new(Facts::derive(&graph));
    (graph, facts)
}

/// The ids of the assets a selector matches, in id order.
pub fn select<'g>(graph: &'g AssetGraph, sel: &Selector) -> Vec<&'g AssetId> {
    graph.assets().into_iter().filter(|a| sel.matches(a)).map(|a| &a.id).collect()
}

/// Seed selectors as written on the command line.
pub fn seeds(texts: &[String]) -> Result<Vec<Selector>> {
    texts.iter().map(|t| t.parse::<Selector>().map_err(|e| anyhow!(e))).collect()
}

/// Each exception that is expired, names no control or matches nothing, on standard error.
pub fn say_exception_problems(states: &[crate::exceptions::ExceptionStatus]) {
    for problem in states.iter().filter_map(|s| s.problem()) {
        let _ = crate::terminal::write_stderr_line(&format!("warning: {}", crate::terminal::field(&problem)));
    }
}

/// Applies the exceptions active at the snapshot's scan time to its failures
/// (those the scan accepted stay accepted).
pub fn apply_exceptions_to_snapshot(
    snap: &mut Snapshot,
    exceptions: &crate::exceptions::Exceptions,
) -> Vec<crate::exceptions::ExceptionStatus> {
    let Snapshot { assets, findings, controls, scan, .. } = snap;
    let by_id: std::collections::HashMap<&AssetId, &auditgraph_model::Asset> =
        assets.iter().map(|a| (&a.id, a)).collect();
    exceptions.apply(
        findings,
        controls,
        |f| by_id.get(&f.asset).copied(),
        |_, selector| assets.iter().any(|a| selector.matches(a)),
        scan.scanned_at,
    )
}

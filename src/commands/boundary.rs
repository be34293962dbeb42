//! `boundary`: the audit boundary for the given seeds, as a table, CSV or JSON,
//! and optionally its diagram.

use std::process::ExitCode;

use anyhow::{bail, Result};

use super::diagram::{draw, format_for};
use super::{graph_and_facts, load, seeds};
use crate::boundary;
use crate::cli::{BoundaryArgs, TableFormat};
use crate::render::{Options, Scene, View};
use crate::terminal;

pub fn run(args: BoundaryArgs) -> Result<ExitCode> {
    let mut timer = crate::scan::Timer::new(args.timings);
    // A diagram file name that names no format is refused before any work.
    let diagram_format = args.diagram.as_deref().map(|out| format_for(None, out)).transpose()?;
    let snap = load(args.snapshot.path())?;
    let (graph, facts) = graph_and_facts(&snap);
    timer.lap("read snapshot, derive facts");
    let b = boundary::compute(&graph, &facts, &seeds(&args.seed)?, &args.seed);
    timer.lap("boundary (network, access)");
    if b.components.is_empty() {
        bail!("no asset matches the seeds {}", args.seed.join(", "));
    }
    match args.format {
        TableFormat::Table => crate::say!("{}", terminal::output(&b.to_table(&graph))),
        TableFormat::Csv => crate::say!("{}", b.to_csv()),
        TableFormat::Json => crate::sayln!("{}", serde_json::to_string_pretty(&b)?),
    }
    if let (Some(out), Some(format)) = (&args.diagram, diagram_format) {
        let scene = Scene {
            graph: &graph,
            facts: &facts,
            findings: &snap.findings,
            scanned_at: snap.scan.scanned_at,
            boundary: Some(&b),
        };
        draw(&scene, View::Boundary, &Options::default(), format, out, crate::terminal::write_stderr_line)?;
    }
    Ok(ExitCode::SUCCESS)
}

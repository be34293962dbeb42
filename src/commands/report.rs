//! `report`: writes the self-contained HTML report of a snapshot.

use std::process::ExitCode;

use anyhow::Result;

use super::evidence::read_sources;
use crate::cli::ReportArgs;
use crate::evidence::{self, html_report, Assessment, Drawn};
use crate::terminal::field;

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    crate::atomic_file::refuse_clash(&args.out, "report")?;
    let mut timer = crate::scan::Timer::new(args.of.timings);
    let sources = read_sources(&args.of)?;
    timer.lap("read snapshot, controls");
    let (graph, facts) = evidence::rebuild(&sources.snapshot);
    timer.lap("graph and analyses rebuilt");
    let assessment = Assessment::of(&sources, &graph, &facts)?;
    timer.lap("populations, requirements, boundary");
    let diagrams = assessment.diagrams(Drawn::Main)?;
    timer.lap("diagrams");
    let page = html_report::page(&assessment, &diagrams)?;
    timer.lap("page");
    crate::atomic_file::write(&args.out, "report", page.as_bytes())?;
    timer.lap("written");
    crate::sayln!(
        "wrote {} ({:.1} MB): {} controls, {} findings",
        field(&args.out.display().to_string()),
        page.len() as f64 / 1e6,
        assessment.populations.len(),
        sources.snapshot.findings.len()
    );
    Ok(ExitCode::SUCCESS)
}

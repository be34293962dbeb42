//! `report`: writes the self-contained HTML report of a snapshot.

use std::process::ExitCode;

use anyhow::Result;

use super::evidence::read_sources;
use crate::cli::ReportArgs;
use crate::evidence::{self, html_report, Assessment};
use crate::terminal::field;

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    crate::atomic_file::refuse_clash(&args.out, "report")?;
    let sources = read_sources(&args.of)?;
    let (graph, facts) = evidence::rebuild(&sources.snapshot);
    let assessment = Assessment::of(&sources, &graph, &facts)?;
    let page = html_report::page(&assessment, &assessment.diagrams()?)?;
    crate::atomic_file::write(&args.out, "report", page.as_bytes())?;
    crate::sayln!(
        "wrote {} ({:.1} MB): {} controls, {} findings",
        field(&args.out.display().to_string()),
        page.len() as f64 / 1e6,
        assessment.populations.len(),
        sources.snapshot.findings.len()
    );
    Ok(ExitCode::SUCCESS)
}

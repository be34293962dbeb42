//! `findings`: a snapshot's findings as a table, JSON, CSV, SARIF, OCSF or OSCAL,
//! filtered by severity or requirement, and the CI gate.

use std::process::ExitCode;

use anyhow::Result;

use super::{apply_exceptions_to_snapshot, gate, load, say_exception_problems};
use crate::cli::{FindingsArgs, FindingsFormat};
use crate::exceptions::Exceptions;
use crate::report::{self, FindingsFilter};
use crate::terminal;

pub fn run(args: FindingsArgs) -> Result<ExitCode> {
    let mut snap = load(args.snapshot.path())?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    say_exception_problems(&apply_exceptions_to_snapshot(&mut snap, &exceptions));
    let framework = args.framework.load()?;
    let filter = FindingsFilter { min_severity: args.severity, requirement: args.criterion.clone() };
    filter.check(&framework)?;
    // The gate judges every finding, whatever the listing shows.
    let code = gate(&snap.findings, &args.gate);
    filter.apply(&mut snap, &framework);
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v);
    match args.format {
        FindingsFormat::Table => crate::say!("{}", terminal::output(&report::table(&snap.findings, &framework))),
        FindingsFormat::Json => crate::sayln!("{}", pretty(report::json(&snap, &framework))?),
        FindingsFormat::Csv => crate::say!("{}", report::csv(&snap.findings, &framework)),
        FindingsFormat::Sarif => crate::sayln!("{}", pretty(report::sarif::sarif(&snap, &framework))?),
        FindingsFormat::Ocsf => crate::sayln!("{}", pretty(report::ocsf::ocsf(&snap, &framework))?),
        FindingsFormat::Oscal => {
            crate::sayln!("{}", pretty(report::oscal::assessment_results(&snap, &framework))?)
        }
    }
    Ok(code)
}

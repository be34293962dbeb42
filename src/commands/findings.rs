//! `findings`: a snapshot's findings as a table, JSON, SARIF or OCSF, and the CI gate.

use std::process::ExitCode;

use anyhow::Result;

use super::{apply_exceptions_to_snapshot, gate, load, say_exception_problems};
use crate::cli::{FindingsArgs, FindingsFormat};
use crate::exceptions::Exceptions;
use crate::report;
use crate::terminal;

pub fn run(args: FindingsArgs) -> Result<ExitCode> {
    let mut snap = load(args.snapshot.path())?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    say_exception_problems(&apply_exceptions_to_snapshot(&mut snap, &exceptions));
    let framework = args.framework.load()?;
    match args.format {
        FindingsFormat::Table => crate::say!("{}", terminal::output(&report::table(&snap.findings, &framework))),
        FindingsFormat::Json => crate::sayln!("{}", serde_json::to_string_pretty(&snap.findings)?),
        FindingsFormat::Sarif => crate::sayln!("{}", serde_json::to_string_pretty(&report::sarif(&snap, &framework))?),
        FindingsFormat::Ocsf => crate::sayln!("{}", serde_json::to_string_pretty(&report::ocsf(&snap, &framework))?),
    }
    Ok(gate(&snap.findings, &args.gate))
}

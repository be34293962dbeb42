//! `controls`: every control's counts and the SOC 2 criteria they cover.

use std::process::ExitCode;

use anyhow::Result;

use super::load;
use crate::cli::SnapshotArg;
use crate::report;
use crate::terminal;

pub fn run(args: SnapshotArg) -> Result<ExitCode> {
    let snap = load(args.path())?;
    crate::say!("{}", terminal::output(&report::controls_table(&snap.controls)));
    Ok(ExitCode::SUCCESS)
}

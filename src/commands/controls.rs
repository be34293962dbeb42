//! `controls`: every control's counts, and how the requirements of a framework
//! (SOC 2 unless told) stand on them.

use std::process::ExitCode;

use anyhow::Result;

use super::{apply_exceptions_to_snapshot, load, say_exception_problems};
use crate::cli::ControlsArgs;
use crate::exceptions::Exceptions;
use crate::report;
use crate::terminal;

pub fn run(args: ControlsArgs) -> Result<ExitCode> {
    let mut snap = load(args.snapshot.path())?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    say_exception_problems(&apply_exceptions_to_snapshot(&mut snap, &exceptions));
    let framework = args.framework.load()?;
    crate::say!("{}", terminal::output(&report::controls_table(&snap.controls, &framework)));
    Ok(ExitCode::SUCCESS)
}

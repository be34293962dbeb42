//! The `auditgraph` command line: parses arguments, runs a command, and reports any
//! error as one line with exit code 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = auditgraph::cli::Cli::parse();
    match auditgraph::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

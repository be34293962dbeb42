//! The `auditgraph` command line: parses arguments, runs a command, and reports any
//! error as one line with exit code 2.

use std::process::ExitCode;

use clap::Parser;

/// A scan allocates millions of small strings and vectors; mimalloc serves them
/// faster than the system allocator (see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

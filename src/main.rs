//! The `auditgraph` command line: parses arguments, runs a command, and reports any
//! error as one line with exit code 2.

use std::process::ExitCode;

use clap::Parser;

/// A scan allocates millions of small strings and vectors; mimalloc serves them
/// faster than the system allocator (see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages; a large scan then spends a third of
    // its time in the kernel clearing 2 MB pages, most of them touched once and
    // purged (bench/README.md: 1 M assets, system time 10.8 s -> 4.1 s without).
    #[cfg(target_os = "linux")]
    // SAFETY: a process-wide flag, set before any allocation of size.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = auditgraph::cli::Cli::parse();
    match auditgraph::commands::run(cli) {
        Ok(code) => code,
        // Output piped into `head` and closed early: quiet, with the status a Unix
        // tool killed by SIGPIPE has (the signal itself stays ignored, so a pipe
        // to Graphviz that closes early is an error with a message, not a death).
        Err(e) if auditgraph::terminal::is_closed_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            eprintln!("error: {}", auditgraph::terminal::field(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

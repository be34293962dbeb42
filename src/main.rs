//! The `auditgraph` command line: parses arguments, runs a command, and reports any
//! error as one line with exit code 2.

use std::process::ExitCode;

use clap::Parser;

/// A scan allocates millions of small strings and vectors; mimalloc serves them
/// faster than the system allocator (see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Output piped into `head` and closed early ends the process quietly, as for any
    // Unix tool, instead of a panic on the next print.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

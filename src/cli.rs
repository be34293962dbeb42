//! Command-line interface: the commands, their options and help with examples, and
//! the glue from arguments to the engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::diff::SnapshotDiff;
use crate::graph::AssetGraph;
use crate::snapshot::{self, Snapshot};
use crate::source::FixtureProvider;
use crate::summary::scan_summary;

#[derive(Parser, Debug)]
#[command(
    name = "auditgraph",
    version,
    about = "Maps cloud accounts into a typed asset graph and verifies SOC 2 controls against it",
    after_help = "Start with the bundled demo estate:\n  auditgraph scan fixtures/demo\n  auditgraph diff"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read inventories, build the asset graph, print a summary and save a snapshot.
    #[command(after_help = "Examples:\n  auditgraph scan fixtures/demo\n  \
        auditgraph scan saved/prod.json saved/gcp.json --out prod-scan.json")]
    Scan(ScanArgs),
    /// Show drift between two snapshots: assets and relations added, removed, changed.
    #[command(after_help = "With no argument, compares the two latest saved snapshots; with one, that \
        snapshot against the latest.\n\nExamples:\n  auditgraph diff\n  \
        auditgraph diff .auditgraph/snapshots/scan-20261101T000000.000Z.json --format json")]
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Inventory files or folders (read recursively for *.json).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where to write the snapshot [default: .auditgraph/snapshots/scan-<time>.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older snapshot [default: the second latest].
    pub old: Option<PathBuf>,
    /// The newer snapshot [default: the latest].
    pub new: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Diff(args) => diff(args),
    }
}

fn scan(args: ScanArgs) -> Result<ExitCode> {
    let mut inventories = Vec::new();
    for path in &args.paths {
        inventories.extend(FixtureProvider::new(path).collect_sourced()?);
    }
    let graph = AssetGraph::from_inventories(inventories);
    let scanned_at = Utc::now();
    let snapshot = Snapshot::capture(&graph, scanned_at, Vec::new(), Vec::new());
    let out = args.out.unwrap_or_else(|| Snapshot::default_path(scanned_at));
    snapshot.write(&out)?;
    print!("{}", scan_summary(&graph));
    println!("\nSnapshot: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn diff(args: DiffArgs) -> Result<ExitCode> {
    let (old, new) = match (args.old, args.new) {
        (Some(old), Some(new)) => (old, new),
        (Some(old), None) => (old, snapshot::resolve(None)?),
        (None, _) => {
            let mut saved = snapshot::saved_snapshots()?;
            if saved.len() < 2 {
                bail!("diff needs two snapshots: name them, or run `auditgraph scan` twice");
            }
            let new = saved.pop().unwrap_or_default();
            (saved.pop().unwrap_or_default(), new)
        }
    };
    let d = SnapshotDiff::between(&read(&old)?, &read(&new)?);
    match args.format {
        TextOrJson::Text => print!("{}", d.to_text()),
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<Snapshot> {
    Snapshot::read(path)
}

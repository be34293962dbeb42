//! `diff`: drift between two snapshots (by default the two latest).

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::cli::{DiffArgs, TextOrJson};
use crate::diff::SnapshotDiff;
use crate::snapshot::{self, Snapshot};
use crate::terminal;

pub fn run(args: DiffArgs) -> Result<ExitCode> {
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
    let d = SnapshotDiff::between(&Snapshot::read(&old)?, &Snapshot::read(&new)?);
    match args.format {
        TextOrJson::Text => crate::say!("{}", terminal::output(&d.to_text())),
        TextOrJson::Json => crate::sayln!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(ExitCode::SUCCESS)
}

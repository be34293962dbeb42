//! `diff`: drift between two snapshots (by default the two latest), or between two
//! scans stored in the history (`--since`, `--from`, `--to`).

use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::Utc;

use crate::cli::{DiffArgs, TextOrJson};
use crate::diff::SnapshotDiff;
use crate::history::{drift, Location, Store, Window};
use crate::snapshot::{self, Snapshot};
use crate::terminal;

pub fn run(args: DiffArgs) -> Result<ExitCode> {
    if args.window.given() {
        return from_history(&args);
    }
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
    let (mut old, mut new) = (Snapshot::read(&old)?, Snapshot::read(&new)?);
    // Drift runs forward in time, whichever snapshot was named first.
    if old.scan.scanned_at > new.scan.scanned_at {
        std::mem::swap(&mut old, &mut new);
        let _ = terminal::write_stderr_line(
            "note: the snapshots were named newest first; comparing the older with the newer",
        );
    }
    let d = SnapshotDiff::between(&old, &new);
    match args.format {
        TextOrJson::Text => crate::say!("{}", terminal::output(&d.to_text())),
        TextOrJson::Json => crate::sayln!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn from_history(args: &DiffArgs) -> Result<ExitCode> {
    let w = &args.window;
    let window = Window::parse(w.since.as_deref(), w.from.as_deref(), w.to.as_deref(), Utc::now())?;
    let mut store = Store::open_existing(Location::resolve(args.store.history.as_deref()))?;
    let d = store.db().read(|db| {
        let (old, new, note) = drift::scans_for(db, window)?;
        drift::between(db, &old, &new, note)
    })?;
    match args.format {
        TextOrJson::Text => crate::say!("{}", terminal::output(&d.to_text())),
        TextOrJson::Json => crate::sayln!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(ExitCode::SUCCESS)
}

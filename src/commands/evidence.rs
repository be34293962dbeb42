//! `evidence`: writes an evidence pack of a snapshot, or verifies one.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::{apply_exceptions_to_snapshot, say_exception_problems, seeds};
use crate::cli::{AssessmentArgs, EvidenceArgs, HistoryStoreArg};
use crate::evidence::manifest::{self, HistoryInput};
use crate::evidence::pack::{self, History};
use crate::evidence::{self, Assessment, Drawn, Sources};
use crate::exceptions::Exceptions;
use crate::history::{Location, Store, Window};
use crate::snapshot::{self, Snapshot};
use crate::terminal::field;

/// The boundary's seeds when none are given: everything that holds data.
pub const DEFAULT_SEED: &str = "class:data_store";

pub fn run(args: EvidenceArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.verify {
        return verify(dir);
    }
    let (out, zip) = match (&args.out, &args.zip) {
        (Some(dir), _) => (dir.as_path(), false),
        (None, Some(file)) => (file.as_path(), true),
        (None, None) => anyhow::bail!("give --out DIR or --zip FILE (or --verify DIR)"),
    };
    crate::atomic_file::refuse_clash(out, "evidence pack")?;
    let mut timer = crate::scan::Timer::new(args.of.timings);
    let sources = read_sources(&args.of)?;
    let history = read_history(&args.store, &args.since)?;
    timer.lap("read snapshot, controls, history");
    let (graph, facts) = evidence::rebuild(&sources.snapshot);
    timer.lap("graph and analyses rebuilt");
    let assessment = Assessment::of(&sources, &graph, &facts)?;
    timer.lap("populations, requirements, boundary");
    let diagrams = assessment.diagrams(Drawn::Everything)?;
    timer.lap("diagrams");
    let files = pack::complete(&assessment, history.as_ref(), diagrams)?;
    timer.lap("files and manifest");
    let written = if zip { pack::write_zip(out, &files)? } else { pack::write(out, &files)? };
    timer.lap("written");
    // A zip's size is the file's, compressed.
    let bytes = if zip { std::fs::metadata(out).map_or(written.bytes, |m| m.len()) } else { written.bytes };
    crate::sayln!(
        "wrote {} ({} files, {:.1} MB): {} controls, {} assets evaluated{}",
        field(&out.display().to_string()),
        written.files,
        bytes as f64 / 1e6,
        assessment.populations.len(),
        assessment.populations.iter().map(|p| p.members.len()).sum::<usize>(),
        history.as_ref().map_or(String::new(), |h| match h.input.scans {
            1 => ", history of 1 scan".to_string(),
            n => format!(", history of {n} scans"),
        })
    );
    Ok(ExitCode::SUCCESS)
}

/// The snapshot with its exceptions applied, the controls and frameworks loaded,
/// and the seeds parsed: what both `evidence` and `report` start from.
pub fn read_sources(args: &AssessmentArgs) -> Result<Sources> {
    let snapshot_path = snapshot::resolve(args.snapshot.path())?;
    let (mut snapshot, snapshot_sha256) = Snapshot::read_with_digest(&snapshot_path)?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    say_exception_problems(&apply_exceptions_to_snapshot(&mut snapshot, &exceptions));
    let queries = crate::scan::queries_dir(args.queries.as_deref());
    crate::atomic_file::note_input(&queries);
    let controls = crate::controls::load_dir(&queries)?;
    let frameworks_dir = crate::frameworks::dir_beside(&queries);
    let ids: Vec<&str> = controls.iter().map(|c| c.id.as_str()).collect();
    let frameworks = crate::frameworks::load_dir(&frameworks_dir, Some(&ids))?;
    let seed_text = if args.seed.is_empty() { vec![DEFAULT_SEED.to_string()] } else { args.seed.clone() };
    Ok(Sources {
        snapshot,
        snapshot_path,
        snapshot_sha256,
        controls,
        frameworks,
        exceptions: exceptions.file,
        seeds: seeds(&seed_text)?,
        seed_text,
    })
}

/// The history over the window, from the store named, or the default one if it
/// exists (none: the pack says so).
fn read_history(store: &HistoryStoreArg, since: &str) -> Result<Option<History>> {
    let location = Location::resolve(store.history.as_deref());
    // An empty AUDITGRAPH_HISTORY names nothing, as `Location::resolve` reads it.
    let named =
        store.history.is_some() || std::env::var_os(crate::history::db::HISTORY_ENV).is_some_and(|v| !v.is_empty());
    if let Location::Sqlite(path) = &location {
        if !named && !path.exists() {
            return Ok(None);
        }
    }
    let window = Window::parse(Some(since), None, None, Utc::now())?;
    let mut store = Store::open_existing(location)?;
    let report = store.db().read(|db| crate::history::read::report(db, window, None))?;
    let input = HistoryInput {
        store: store.location.to_string(),
        from: report.from.clone(),
        to: report.to.clone(),
        scans: report.scans.len(),
    };
    Ok(Some(History { input, report }))
}

fn verify(dir: &Path) -> Result<ExitCode> {
    let v = manifest::verify(dir)?;
    let dir_text = dir.display().to_string();
    let shown = field(&dir_text);
    if v.holds() {
        crate::sayln!("{shown}: all {} files match the manifest", v.checked);
        return Ok(ExitCode::SUCCESS);
    }
    for (what, paths) in [("changed", &v.changed), ("missing", &v.missing), ("added", &v.added)] {
        for path in paths {
            crate::sayln!("{what:<8} {}", field(path));
        }
    }
    crate::sayln!(
        "{shown}: does not match its manifest ({} changed, {} missing, {} added of {} files)",
        v.changed.len(),
        v.missing.len(),
        v.added.len(),
        v.checked
    );
    Ok(ExitCode::from(1))
}

//! Where inventories come from: the fixture provider reads inventory files from a
//! file or folder (the demo estate, saved live scans), and `Source` records each
//! inventory's scope, time and coverage for the snapshot.

use std::path::{Path, PathBuf};

use auditgraph_model::{Cloud, CoverageRecord, Inventory, Provider, ProviderError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One inventory that went into a graph, without its assets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub cloud: Cloud,
    pub scope: String,
    pub collected_at: DateTime<Utc>,
    /// Who read it (the caller identity), when the inventory says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
    /// The file it was read from, or the provider that crawled it.
    pub origin: String,
    /// SHA-256 of the inventory file as it was read (hex); none for a crawl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub coverage: Vec<CoverageRecord>,
}

impl Source {
    pub fn of(inventory: &Inventory, origin: &str) -> Self {
        let mut coverage = inventory.coverage.clone();
        coverage.sort();
        Source {
            cloud: inventory.cloud,
            scope: inventory.scope.clone(),
            collected_at: inventory.collected_at,
            collected_by: inventory.collected_by.clone(),
            origin: origin.to_string(),
            sha256: None,
            coverage,
        }
    }

    pub fn gaps(&self) -> impl Iterator<Item = &CoverageRecord> {
        self.coverage.iter().filter(|c| c.is_gap())
    }
}

/// An inventory and the source record that goes with it.
pub struct SourcedInventory {
    pub source: Source,
    pub inventory: Inventory,
}

impl SourcedInventory {
    pub fn new(inventory: Inventory, origin: &str) -> Self {
        SourcedInventory { source: Source::of(&inventory, origin), inventory }
    }
}

/// Reads every `*.json` inventory below a path (a file, or a folder searched
/// recursively in name order, hidden folders such as `.auditgraph/` and `.git/`
/// left out).
pub struct FixtureProvider {
    pub path: PathBuf,
}

/// How a snapshot's `format` begins (`snapshot::SNAPSHOT_FORMAT`): a snapshot in a
/// scanned folder is named as such rather than misread as a broken inventory.
pub const SNAPSHOT_MARK: &str = "\"auditgraph-snapshot/";

/// The largest inventory file read: far above what a million assets take, and a
/// bound on what a mistaken path (a disk image, a log) costs before its error.
const MAX_INVENTORY_BYTES: u64 = 8 << 30;

impl FixtureProvider {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FixtureProvider { path: path.into() }
    }

    /// The inventory files below the path, sorted.
    pub fn files(&self) -> Result<Vec<PathBuf>, ProviderError> {
        crate::atomic_file::note_input(&self.path);
        let mut files = Vec::new();
        collect_json_files(&self.path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(ProviderError::Other(format!("{}: no inventory (*.json) files found", self.path.display())));
        }
        Ok(files)
    }

    /// Reads the inventories (in parallel) with the file each came from, in file order.
    pub fn collect_sourced(&self) -> Result<Vec<SourcedInventory>, ProviderError> {
        use rayon::prelude::*;
        self.files()?
            .into_par_iter()
            .map(|file| {
                let shown = file.display().to_string();
                let (text, sha256) = read_inventory_text(&file)?;
                let inventory = Inventory::from_json(&text)
                    .map_err(|error| ProviderError::Inventory { file: shown.clone(), error })?;
                let mut sourced = SourcedInventory::new(inventory, &shown);
                sourced.source.sha256 = Some(sha256);
                Ok(sourced)
            })
            .collect()
    }
}

/// An inventory file's text, refused early for what cannot be one: not a regular
/// file (a FIFO would block the scan), too large, not UTF-8, not a JSON object, or
/// an auditgraph snapshot. A UTF-8 byte order mark is skipped. With the text, the
/// SHA-256 of the file's bytes (the mark included), which evidence packs cite.
fn read_inventory_text(file: &Path) -> Result<(String, String), ProviderError> {
    let shown = file.display().to_string();
    let io = |error| ProviderError::Io { path: shown.clone(), error };
    let refuse = |why: String| ProviderError::Other(format!("{shown}: {why}"));
    let meta = std::fs::metadata(file).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse("not a regular file (a folder, FIFO or device); an inventory is a JSON file".into()));
    }
    if meta.len() > MAX_INVENTORY_BYTES {
        return Err(refuse(format!(
            "{} bytes, more than the {} an inventory may have",
            meta.len(),
            MAX_INVENTORY_BYTES
        )));
    }
    // The start is judged before the rest is read: a mistaken path fails at once.
    use std::io::Read as _;
    let mut handle = std::fs::File::open(file).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    (&mut handle).take(4096).read_to_end(&mut bytes).map_err(io)?;
    let bom = bytes.starts_with(b"\xef\xbb\xbf");
    if bom {
        bytes.drain(..3);
    }
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_none_or(|i| bytes[i] != b'{') {
        let shown_start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(16)]).escape_debug().collect();
        return Err(refuse(format!("not an inventory: it must be a JSON object, and starts with \"{shown_start}\"")));
    }
    let head = &bytes[..bytes.len().min(4096)];
    if head.windows(SNAPSHOT_MARK.len()).any(|w| w == SNAPSHOT_MARK.as_bytes()) {
        return Err(refuse(
            "an auditgraph snapshot, not an inventory: read it with `auditgraph findings` (or move it out of the scanned folder)"
                .into(),
        ));
    }
    handle.read_to_end(&mut bytes).map_err(io)?;
    let bom_part: &[u8] = if bom { b"\xef\xbb\xbf" } else { b"" };
    let sha256 = crate::digest::sha256_hex_concat([bom_part, &bytes]);
    let text = String::from_utf8(bytes)
        .map_err(|e| refuse(format!("not UTF-8 text (byte {} is invalid)", e.utf8_error().valid_up_to())))?;
    Ok((text, sha256))
}

impl Provider for FixtureProvider {
    fn name(&self) -> String {
        format!("fixture:{}", self.path.display())
    }

    fn collect(&self) -> Result<Vec<Inventory>, ProviderError> {
        Ok(self.collect_sourced()?.into_iter().map(|s| s.inventory).collect())
    }
}

fn collect_json_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ProviderError> {
    let io = |error| ProviderError::Io { path: path.display().to_string(), error };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if p.is_dir() {
            if !hidden {
                collect_json_files(&p, out)?;
            }
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

//! An evidence pack's manifest: the SHA-256 of every file the pack holds and of
//! every input it was made from; and `verify`, which hashes a pack again and says
//! which files changed, are missing or were added.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What `manifest.json`'s `format` says; a folder without it is not a pack.
pub const FORMAT: &str = "auditgraph-evidence/1";
pub const MANIFEST: &str = "manifest.json";
/// The manifest's file hashes in `sha256sum` form, to check without auditgraph
/// (`sha256sum -c SHA256SUMS`).
pub const SUMS: &str = "SHA256SUMS";
/// Detached signatures of the manifest, which may sit beside it (README: "Signing").
pub const SIGNATURES: [&str; 3] = ["manifest.json.sig", "manifest.json.minisig", "manifest.json.asc"];

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub written_at: String,
    pub tool: String,
    pub tool_version: String,
    /// The scan the pack shows: when, by which controls, each scope and who read it.
    pub scan: Value,
    pub inputs: Inputs,
    /// Every file of the pack but the manifest, by path (`/`-separated, relative).
    pub files: Vec<FileEntry>,
}

#[derive(Serialize, Deserialize)]
pub struct Inputs {
    pub snapshot: Input,
    /// Each inventory in the snapshot: a file's hash as it was read, or none for a crawl
    /// (its content is in the snapshot).
    pub inventories: Vec<InventoryInput>,
    pub controls: Vec<Input>,
    pub frameworks: Vec<Input>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<Input>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryInput>,
    /// The seeds of the boundary list and diagram.
    pub boundary_seeds: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub path: String,
    pub sha256: String,
}

#[derive(Serialize, Deserialize)]
pub struct InventoryInput {
    pub cloud: String,
    pub scope: String,
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct HistoryInput {
    /// The store, as messages show it (a URL without its password).
    pub store: String,
    pub from: String,
    pub to: String,
    pub scans: usize,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// `SHA256SUMS`'s text for these files.
pub fn sums(files: &[FileEntry]) -> String {
    files.iter().map(|f| format!("{}  {}\n", f.sha256, f.path)).collect()
}

/// Whether `dir` is an evidence pack: a folder whose manifest says so.
pub fn is_pack(dir: &Path) -> bool {
    read(dir).is_ok()
}

/// The manifest of the pack at `dir`.
pub fn read(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    #[derive(Deserialize)]
    struct Probe {
        format: Option<String>,
    }
    let probe: Probe = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    if probe.format.as_deref() != Some(FORMAT) {
        bail!(
            "{}: not an auditgraph evidence manifest (format {:?}, expected {FORMAT:?})",
            path.display(),
            probe.format
        );
    }
    serde_json::from_str(&text).with_context(|| format!("{}", path.display()))
}

/// What `verify` found.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Verification {
    pub checked: usize,
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    pub added: Vec<String>,
}

impl Verification {
    pub fn holds(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.added.is_empty()
    }
}

/// Hashes every file of the pack at `dir` again and compares with its manifest
/// (and `SHA256SUMS` with the manifest).
pub fn verify(dir: &Path) -> Result<Verification> {
    let manifest = read(dir)?;
    let mut on_disk = BTreeMap::new();
    list_files(dir, "", &mut on_disk)?;
    on_disk.remove(MANIFEST);
    let mut v = Verification::default();
    match on_disk.remove(SUMS) {
        None => v.missing.push(SUMS.to_string()),
        Some(full) => {
            let text = std::fs::read(&full).with_context(|| format!("reading {}", full.display()))?;
            if text != sums(&manifest.files).as_bytes() {
                v.changed.push(SUMS.to_string());
            }
        }
    }
    for sig in SIGNATURES {
        on_disk.remove(sig);
    }
    for entry in &manifest.files {
        if !is_relative_inside(&entry.path) {
            bail!("{}: file path `{}` leaves the pack", dir.join(MANIFEST).display(), entry.path);
        }
        v.checked += 1;
        match on_disk.remove(&entry.path) {
            None => v.missing.push(entry.path.clone()),
            Some(full) => {
                let bytes = std::fs::read(&full).with_context(|| format!("reading {}", full.display()))?;
                if crate::digest::sha256_hex(&bytes) != entry.sha256 {
                    v.changed.push(entry.path.clone());
                }
            }
        }
    }
    v.added = on_disk.into_keys().collect();
    Ok(v)
}

/// A manifest path stays inside the pack: relative, no `..`.
fn is_relative_inside(path: &str) -> bool {
    Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

/// Every file below `dir` by its `/`-separated relative path; anything that is not a
/// plain file or folder (a link) counts as a file, so that it shows as added or changed.
fn list_files(dir: &Path, prefix: &str, out: &mut BTreeMap<String, std::path::PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let kind = entry.file_type().with_context(|| format!("reading {}", entry.path().display()))?;
        if kind.is_dir() {
            list_files(&entry.path(), &rel, out)?;
        } else {
            out.insert(rel, entry.path());
        }
    }
    Ok(())
}

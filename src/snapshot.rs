//! Snapshots: the graph, findings, coverage and scan metadata of one scan, written as
//! deterministic JSON (`auditgraph-snapshot/1`) so that later commands (`findings`,
//! `diff`, `paths`) read it back and two scans diff cleanly.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use auditgraph_model::{Asset, AssetId, Relation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::analysis::ReachRecord;
use crate::findings::{ControlResult, Finding};
use crate::graph::{AssetGraph, LoadWarning};
use crate::source::Source;

pub const SNAPSHOT_FORMAT: &str = "auditgraph-snapshot/1";

/// Where `scan` writes snapshots unless told otherwise, relative to the working directory.
pub const DEFAULT_DIR: &str = ".auditgraph/snapshots";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanInfo {
    pub tool_version: String,
    pub scanned_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub format: String,
    pub scan: ScanInfo,
    /// Each inventory that went in, with its coverage record.
    pub sources: Vec<Source>,
    pub assets: Vec<Asset>,
    /// Ids that relations name but no inventory defines.
    pub unresolved: Vec<AssetId>,
    pub relations: Vec<Relation>,
    pub warnings: Vec<LoadWarning>,
    /// Derived reachability facts, each with the hops and rules that explain it.
    pub reachability: Vec<ReachRecord>,
    pub controls: Vec<ControlResult>,
    pub findings: Vec<Finding>,
}

impl Snapshot {
    /// Captures a graph and what the controls found, in deterministic order.
    pub fn capture(
        graph: &AssetGraph,
        scanned_at: DateTime<Utc>,
        reachability: Vec<ReachRecord>,
        mut controls: Vec<ControlResult>,
        mut findings: Vec<Finding>,
    ) -> Self {
        let mut sources = graph.sources.clone();
        sources.sort_by(|a, b| (a.cloud, &a.scope, &a.origin).cmp(&(b.cloud, &b.scope, &b.origin)));
        controls.sort();
        findings.sort();
        Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            scan: ScanInfo { tool_version: env!("CARGO_PKG_VERSION").to_string(), scanned_at },
            sources,
            assets: graph.assets().into_iter().cloned().collect(),
            unresolved: graph.unresolved().into_iter().cloned().collect(),
            relations: graph.relations(),
            warnings: graph.warnings.clone(),
            reachability,
            controls,
            findings,
        }
    }

    /// Rebuilds the graph the snapshot was taken of.
    pub fn graph(&self) -> AssetGraph {
        let mut g = AssetGraph::from_parts(self.sources.clone(), self.assets.clone(), self.relations.clone());
        g.warnings = self.warnings.clone();
        g
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a snapshot always serialises");
        text.push('\n');
        text
    }

    pub fn from_json(text: &str) -> std::result::Result<Self, String> {
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if probe.format.as_deref() != Some(SNAPSHOT_FORMAT) {
            return Err(format!("at format: expected \"{SNAPSHOT_FORMAT}\", found {:?}", probe.format));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            format!("at {path}: {}", e.into_inner())
        })
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, self.to_json()).with_context(|| format!("writing snapshot {}", path.display()))
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading snapshot {}", path.display()))?;
        Snapshot::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The file name `scan` gives a snapshot taken at `at`: names sort by time.
    pub fn default_path(at: DateTime<Utc>) -> PathBuf {
        Path::new(DEFAULT_DIR).join(format!("scan-{}.json", at.format("%Y%m%dT%H%M%S%.3fZ")))
    }
}

/// The snapshots in the default folder, oldest first.
pub fn saved_snapshots() -> Result<Vec<PathBuf>> {
    let dir = Path::new(DEFAULT_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    Ok(v)
}

/// The given snapshot, or else the latest one `scan` saved.
pub fn resolve(path: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = path {
        return Ok(p.to_path_buf());
    }
    match saved_snapshots()?.pop() {
        Some(p) => Ok(p),
        None => {
            bail!("no snapshot in {DEFAULT_DIR}: run `auditgraph scan fixtures/demo` first, or name a snapshot file")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FixtureProvider;

    #[test]
    fn a_snapshot_reads_back_identically() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let graph = AssetGraph::from_inventories(FixtureProvider::new(demo).collect_sourced().unwrap());
        let at = "2026-11-26T10:00:00Z".parse().unwrap();
        let snapshot = Snapshot::capture(&graph, at, Vec::new(), Vec::new(), Vec::new());
        let text = snapshot.to_json();
        let back = Snapshot::from_json(&text).unwrap();
        assert_eq!(back, snapshot);
        assert_eq!(back.to_json(), text);
        // The rebuilt graph gives the same snapshot again.
        assert_eq!(Snapshot::capture(&back.graph(), at, Vec::new(), Vec::new(), Vec::new()).to_json(), text);
    }

    #[test]
    fn rejects_other_formats_with_the_path() {
        let err = Snapshot::from_json(r#"{"format":"auditgraph-inventory/1"}"#).unwrap_err();
        assert!(err.starts_with("at format:"), "{err}");
    }
}

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
    /// The file it was read from, or the provider that crawled it.
    pub origin: String,
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
            origin: origin.to_string(),
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
/// recursively in name order).
pub struct FixtureProvider {
    pub path: PathBuf,
}

impl FixtureProvider {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FixtureProvider { path: path.into() }
    }

    /// The inventory files below the path, sorted.
    pub fn files(&self) -> Result<Vec<PathBuf>, ProviderError> {
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
                let text = std::fs::read_to_string(&file)
                    .map_err(|source| ProviderError::Io { path: shown.clone(), source })?;
                let inventory = Inventory::from_json(&text)
                    .map_err(|source| ProviderError::Inventory { file: shown.clone(), source })?;
                Ok(SourcedInventory::new(inventory, &shown))
            })
            .collect()
    }
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
    let io = |source| ProviderError::Io { path: path.display().to_string(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.is_dir() {
            collect_json_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

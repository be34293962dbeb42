//! What one scan contributes to the history: its metadata, the scopes it read with
//! their gaps, each control's counts, every control × asset outcome (passes
//! included: the complete population) and every asset's version.

use auditgraph_model::{CoverageRecord, CoverageStatus};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::controls::Control;
use crate::findings::{ControlResult, Finding, Outcome};
use crate::scan::Scan;

pub struct ScanRecord {
    pub scanned_at: DateTime<Utc>,
    pub tool_version: String,
    /// One digest over every control definition used (see `controls_digest`).
    pub controls_digest: String,
    pub scopes: Vec<ScopeRecord>,
    pub controls: Vec<ControlResult>,
    pub outcomes: Vec<OutcomeRecord>,
    pub assets: Vec<AssetVersion>,
}

pub struct ScopeRecord {
    pub cloud: String,
    pub scope: String,
    pub collected_at: DateTime<Utc>,
    /// Who read it (the caller identity), when the inventory says.
    pub collected_by: Option<String>,
    pub gaps: Vec<CoverageRecord>,
}

/// A control's outcome on one asset in one scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub control: String,
    pub asset: String,
    pub asset_name: String,
    pub scope: String,
    pub outcome: &'static str,
    /// The evidence in one line (empty for a pass).
    pub evidence: String,
}

/// An asset as this scan saw it.
#[derive(Clone)]
pub struct AssetVersion {
    pub asset: String,
    pub scope: String,
    pub kind: String,
    pub name: String,
    pub digest: String,
    pub body: String,
}

/// What `history` stores for an outcome the scan could not make: the asset was not
/// seen in a scope read with coverage gaps, so it may still be there.
pub const UNREAD: &str = "unread";

impl ScanRecord {
    pub fn of(scan: &Scan, controls: &[Control]) -> ScanRecord {
        let graph = &scan.graph;
        let scopes = graph
            .sources
            .iter()
            .map(|s| ScopeRecord {
                cloud: s.cloud.as_str().to_string(),
                scope: s.scope.clone(),
                collected_at: s.collected_at,
                collected_by: s.collected_by.clone(),
                // A region the account has not enabled holds nothing to read: not a gap in the evidence.
                gaps: s.gaps().filter(|g| g.status != CoverageStatus::RegionDisabled).cloned().collect(),
            })
            .collect();
        let findings = &scan.evaluation.findings;
        let not_passed: FxHashSet<(&str, &str)> =
            findings.iter().map(|f| (f.control.as_str(), f.asset.as_str())).collect();
        let mut outcomes: Vec<OutcomeRecord> = findings.iter().map(outcome_of).collect();
        let not_applicable = &scan.evaluation.not_applicable;
        for c in controls {
            for a in graph.assets_of(&c.targets) {
                let outside = !not_applicable.is_empty() && not_applicable.contains(&(c.id.clone(), a.id.clone()));
                if !outside && !not_passed.contains(&(c.id.as_str(), a.id.as_str())) {
                    outcomes.push(OutcomeRecord {
                        control: c.id.clone(),
                        asset: a.id.to_string(),
                        asset_name: a.name.clone(),
                        scope: a.account.clone(),
                        outcome: Outcome::Pass.as_str(),
                        evidence: String::new(),
                    });
                }
            }
        }
        let assets = graph
            .assets()
            .par_iter()
            .map(|a| {
                let body = serde_json::to_string(a).expect("an asset always serialises");
                AssetVersion {
                    asset: a.id.to_string(),
                    scope: a.account.clone(),
                    kind: a.kind().to_string(),
                    name: a.name.clone(),
                    digest: crate::digest::sha256_hex(body.as_bytes()),
                    body,
                }
            })
            .collect();
        ScanRecord {
            scanned_at: scan.scanned_at,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            controls_digest: crate::controls::digest_of(controls),
            scopes,
            controls: scan.evaluation.results.clone(),
            outcomes,
            assets,
        }
    }
}

fn outcome_of(f: &Finding) -> OutcomeRecord {
    OutcomeRecord {
        control: f.control.clone(),
        asset: f.asset.to_string(),
        asset_name: f.asset_name.clone(),
        scope: f.account.clone(),
        outcome: f.outcome.as_str(),
        evidence: f.evidence.iter().map(crate::report::compact).collect::<Vec<_>>().join("; "),
    }
}

//! Findings: the outcome of a control on one asset, with the SOC 2 criteria it
//! supports and the evidence that proves it (a network path hop by hop, a rule, a
//! policy statement, a setting), and per-control counts.

use auditgraph_model::AssetId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|x| x.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown severity `{s}` (expected critical, high, medium, low or info)"))
    }
}

/// What a control concluded for one asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// The data the control needs was not collected, or a fact it needs could not
    /// be decided: never counted as a pass.
    Unknown,
    /// Failed, and covered by an active exception (`exceptions.toml`): still not a
    /// pass, listed apart from the failures.
    Accepted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Accepted => "accepted",
        }
    }
}

/// One step of an evidence path: traffic from `from` reaches `to` on `ports`,
/// because of `rules` (route, ACL entry, security group rule, firewall rule...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    pub from: AssetId,
    pub to: AssetId,
    pub ports: String,
    pub rules: Vec<RuleLabel>,
}

/// A rule as evidence reads it (`security group sg-1 ingress tcp/22 from 0.0.0.0/0`),
/// written once and shared by every path through the rule.
pub type RuleLabel = std::sync::Arc<str>;

/// Why a control failed (or could not decide) on an asset.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// One line a person reads.
    pub summary: String,
    /// The network path, for reachability evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<Hop>,
}

impl Evidence {
    pub fn note(summary: impl Into<String>) -> Self {
        Evidence { summary: summary.into(), hops: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub control: String,
    pub title: String,
    pub severity: Severity,
    pub criteria: Vec<String>,
    pub outcome: Outcome,
    pub asset: AssetId,
    pub asset_kind: String,
    pub asset_name: String,
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// How one control fared over every asset it targets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlResult {
    pub control: String,
    pub title: String,
    pub severity: Severity,
    pub criteria: Vec<String>,
    pub description: String,
    pub remediation: String,
    /// Target assets the condition ran on.
    pub evaluated: usize,
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
    /// Failures covered by an active exception (not counted in `failed`).
    #[serde(default)]
    pub accepted: usize,
}

//! Findings: the outcome of a control on one asset, with the SOC 2 criteria it
//! supports and the evidence that proves it (a network path hop by hop, a rule, a
//! policy statement, a setting), and per-control counts.

use std::collections::BTreeMap;

use auditgraph_model::{AssetId, Cloud};
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
    /// The same counts by cloud (`aws`, `gcp`), so that a framework of one cloud
    /// judges only its own assets (empty in snapshots from before they were kept).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_cloud: BTreeMap<Cloud, Counts>,
}

/// How many assets a control ran on in one cloud, and how each fared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub evaluated: usize,
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
    pub accepted: usize,
}

impl ControlResult {
    /// One more asset in `cloud` the condition runs on (`one_more`), or one fewer.
    pub fn count_evaluated(&mut self, cloud: Cloud, one_more: bool) {
        let of_cloud = self.by_cloud.entry(cloud).or_default();
        if one_more {
            self.evaluated += 1;
            of_cloud.evaluated += 1;
        } else {
            self.evaluated -= 1;
            of_cloud.evaluated -= 1;
        }
    }

    /// One asset in `cloud` that did not pass.
    pub fn count_outcome(&mut self, cloud: Cloud, outcome: Outcome) {
        let of_cloud = self.by_cloud.entry(cloud).or_default();
        let (total, in_cloud) = match outcome {
            Outcome::Fail => (&mut self.failed, &mut of_cloud.failed),
            Outcome::Unknown => (&mut self.unknown, &mut of_cloud.unknown),
            Outcome::Accepted => (&mut self.accepted, &mut of_cloud.accepted),
            Outcome::Pass => return,
        };
        *total += 1;
        *in_cloud += 1;
    }

    /// A failure that an exception now covers, in its cloud when that is known.
    pub fn accept_failure(&mut self, cloud: Option<Cloud>) {
        self.failed -= 1;
        self.accepted += 1;
        if let Some(of_cloud) = cloud.and_then(|c| self.by_cloud.get_mut(&c)) {
            of_cloud.failed -= 1;
            of_cloud.accepted += 1;
        }
    }

    /// Sets `passed`: what was evaluated and neither failed, unknown nor accepted.
    pub fn settle_passed(&mut self) {
        self.passed = self.evaluated - self.failed - self.unknown - self.accepted;
        for c in self.by_cloud.values_mut() {
            c.passed = c.evaluated - c.failed - c.unknown - c.accepted;
        }
    }

    /// The result over `cloud`'s assets only. A snapshot from before counts were kept
    /// by cloud gives its totals.
    pub fn in_cloud(&self, cloud: Cloud) -> ControlResult {
        if self.by_cloud.is_empty() {
            return self.clone();
        }
        let c = self.by_cloud.get(&cloud).copied().unwrap_or_default();
        ControlResult {
            evaluated: c.evaluated,
            passed: c.passed,
            failed: c.failed,
            unknown: c.unknown,
            accepted: c.accepted,
            by_cloud: BTreeMap::from([(cloud, c)]),
            ..self.clone()
        }
    }
}

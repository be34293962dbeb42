//! Findings as people and tools read them: a terminal table grouped by severity
//! and requirement, CSV, JSON with the scan's metadata, and the coverage of a
//! framework's requirements; SARIF, OCSF and OSCAL in their own modules.

pub mod ocsf;
pub mod oscal;
pub mod sarif;

use std::fmt::Write;

use auditgraph_model::CoverageStatus;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::findings::{ControlResult, Evidence, Finding, Outcome, Severity};
use crate::frameworks::{Framework, Verdict};
use crate::snapshot::Snapshot;
use crate::terminal::{csv_cell, field};

/// A time as every output writes it: RFC 3339 in UTC with the `Z` suffix.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Which findings a listing keeps: at a severity or worse, under one requirement.
#[derive(Default)]
pub struct FindingsFilter {
    pub min_severity: Option<Severity>,
    /// A requirement id of the listing's framework.
    pub requirement: Option<String>,
}

impl FindingsFilter {
    /// An error when the requirement is not one of `framework`'s.
    pub fn check(&self, framework: &Framework) -> anyhow::Result<()> {
        match &self.requirement {
            Some(id) if !framework.requirements.iter().any(|r| &r.id == id) => {
                anyhow::bail!(
                    "{} has no requirement `{id}` (see `auditgraph controls --framework {}`)",
                    framework.title,
                    framework.id
                )
            }
            _ => Ok(()),
        }
    }

    pub fn keeps(&self, f: &Finding, framework: &Framework) -> bool {
        self.min_severity.is_none_or(|s| f.severity >= s)
            && self.requirement.as_ref().is_none_or(|id| framework.requirements_of(&f.control).any(|r| &r.id == id))
    }

    /// The snapshot's findings this filter keeps, in the snapshot's order.
    pub fn apply(&self, snapshot: &mut Snapshot, framework: &Framework) {
        snapshot.findings.retain(|f| self.keeps(f, framework));
    }
}

/// What a scan was, for any output that travels without the snapshot: when, by
/// which version with which controls, and every scope read with who read it and
/// how many of its calls were not read.
pub fn scan_metadata(snapshot: &Snapshot) -> Value {
    let scopes: Vec<Value> = snapshot
        .sources
        .iter()
        .map(|s| {
            let gaps = s.gaps().filter(|g| g.status != CoverageStatus::RegionDisabled).count();
            json!({
                "cloud": s.cloud.as_str(),
                "scope": s.scope,
                "collected_at": utc(s.collected_at),
                "collected_by": s.collected_by,
                "origin": s.origin,
                "coverage_gaps": gaps,
            })
        })
        .collect();
    json!({
        "scanned_at": utc(snapshot.scan.scanned_at),
        "tool": "auditgraph",
        "tool_version": snapshot.scan.tool_version,
        "controls_digest": snapshot.scan.controls_digest,
        "scopes": scopes,
    })
}

/// Findings as JSON: the scan's metadata, the framework they are listed by, and
/// each finding with that framework's requirements.
pub fn json(snapshot: &Snapshot, framework: &Framework) -> Value {
    let findings: Vec<Value> = snapshot
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).expect("a finding always serialises");
            v["requirements"] = json!(requirement_ids(framework, &f.control));
            v
        })
        .collect();
    json!({
        "scan": scan_metadata(snapshot),
        "framework": {"id": framework.id, "title": framework.title},
        "findings": findings,
    })
}

/// Findings as CSV, one per line, evidence in one cell.
pub fn csv(findings: &[Finding], framework: &Framework) -> String {
    let mut out = String::from("control,title,severity,outcome,requirements,asset,kind,name,account,region,evidence\n");
    for f in findings {
        let evidence: Vec<String> = f.evidence.iter().map(compact).collect();
        let cells = [
            f.control.as_str(),
            &f.title,
            f.severity.as_str(),
            f.outcome.as_str(),
            &requirement_ids(framework, &f.control).join(" "),
            f.asset.as_str(),
            &f.asset_kind,
            &f.asset_name,
            &f.account,
            f.region.as_deref().unwrap_or(""),
            &evidence.join(" | "),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn short_id(id: &str) -> &str {
    id.rsplit(['/', ':']).find(|s| !s.is_empty()).unwrap_or(id)
}

/// One evidence item in one line: its summary, and the path as `a -> b -> c`.
pub fn compact(e: &Evidence) -> String {
    if e.hops.is_empty() {
        return e.summary.clone();
    }
    let mut path = vec![short_id(e.hops[0].from.as_str()).to_string()];
    for h in &e.hops {
        path.push(format!("{} [{}]", short_id(h.to.as_str()), h.ports));
    }
    format!("{} | path: {}", e.summary, path.join(" -> "))
}

/// The ids of the requirements of `framework` that name `control`.
fn requirement_ids(framework: &Framework, control: &str) -> Vec<String> {
    framework.requirements_of(control).map(|r| r.id.clone()).collect()
}

/// Findings grouped by severity (worst first), then under every requirement of
/// `framework` that their control verifies (those it does not map apart).
pub fn table(findings: &[Finding], framework: &Framework) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("No findings: every control passed on every asset it evaluated.\n");
        return out;
    }
    let (accepted, findings): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.outcome == Outcome::Accepted);
    for sev in Severity::ALL {
        let of_sev: Vec<&Finding> = findings.iter().copied().filter(|f| f.severity == sev).collect();
        if of_sev.is_empty() {
            continue;
        }
        let _ = writeln!(out, "== {} ({}) ==", sev.as_str().to_uppercase(), of_sev.len());
        let unmapped = format!("(no {} requirement)", framework.id);
        let mut groups: Vec<(&str, Vec<&Finding>)> = framework
            .requirements
            .iter()
            .map(|r| (r.id.as_str(), of_sev.iter().copied().filter(|f| r.controls.contains(&f.control)).collect()))
            .collect();
        let mapped = |f: &Finding| framework.requirements_of(&f.control).next().is_some();
        groups.push((unmapped.as_str(), of_sev.iter().copied().filter(|f| !mapped(f)).collect()));
        for (requirement, fs) in groups.into_iter().filter(|(_, fs)| !fs.is_empty()) {
            let _ = writeln!(out, "  {requirement}");
            for f in fs {
                let outcome = if f.outcome == Outcome::Unknown { "UNKNOWN" } else { "FAIL" };
                let _ = writeln!(
                    out,
                    "    {outcome:<7} {:<40} {} ({}, {}{})",
                    f.control,
                    field(&f.asset_name),
                    f.asset_kind,
                    field(&f.account),
                    f.region.as_ref().map(|r| format!(" {}", field(r))).unwrap_or_default()
                );
                for e in &f.evidence {
                    let _ = writeln!(out, "            {}", field(&compact(e)));
                }
            }
        }
    }
    if !accepted.is_empty() {
        let _ = writeln!(out, "== ACCEPTED BY EXCEPTIONS ({}): failures, not passes ==", accepted.len());
        for f in &accepted {
            let _ = writeln!(
                out,
                "    {:<9} {:<40} {} ({})",
                f.severity.as_str(),
                f.control,
                field(&f.asset_name),
                f.asset_kind
            );
            if let Some(e) = f.evidence.first() {
                let _ = writeln!(out, "            {}", field(&e.summary));
            }
        }
    }
    let failed = findings.iter().filter(|f| f.outcome == Outcome::Fail).count();
    let accepted_note = if accepted.is_empty() { String::new() } else { format!(", {} accepted", accepted.len()) };
    let _ = writeln!(out, "\n{failed} failed, {} unknown{accepted_note}", findings.len() - failed);
    out
}

/// The controls with their counts, then each requirement of `framework` with its
/// verdict and controls, then the requirements no control verifies (by hand).
pub fn controls_table(results: &[ControlResult], framework: &Framework) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<42} {:<9} {:<20} {:>5} {:>5} {:>5} {:>7} {:>8}",
        "CONTROL", "SEVERITY", "CRITERIA", "EVAL", "PASS", "FAIL", "UNKNOWN", "ACCEPTED"
    );
    for c in results {
        let _ = writeln!(
            out,
            "{:<42} {:<9} {:<20} {:>5} {:>5} {:>5} {:>7} {:>8}",
            c.control,
            c.severity.as_str(),
            c.criteria.join(","),
            c.evaluated,
            c.passed,
            c.failed,
            c.unknown,
            c.accepted
        );
    }
    let coverage = framework.coverage(results);
    let automated = coverage.iter().filter(|r| r.verdict != Verdict::Manual).count();
    let _ = writeln!(
        out,
        "\n{}: {automated} of {} requirements verified by controls (for what the cloud's data shows; the rest \
         of each is verified by hand)",
        framework.title,
        coverage.len()
    );
    let mut manual = Vec::new();
    for r in &coverage {
        let about = r.requirement.short.as_deref().unwrap_or(&r.requirement.title);
        if r.verdict == Verdict::Manual {
            manual.push(r.requirement.id.as_str());
            continue;
        }
        let sum = |f: fn(&ControlResult) -> usize| r.controls.iter().map(f).sum::<usize>();
        let _ = writeln!(
            out,
            "  {:<7} {:<17} {about}: pass {}, fail {}, unknown {}",
            r.requirement.id,
            r.verdict.as_str(),
            sum(|c| c.passed),
            sum(|c| c.failed),
            sum(|c| c.unknown)
        );
        for control in &r.requirement.controls {
            let ran = r.controls.iter().any(|c| &c.control == control);
            let _ = writeln!(out, "            {control}{}", if ran { "" } else { " (not in this scan)" });
        }
    }
    if !manual.is_empty() {
        let _ = writeln!(out, "\nVerified by hand (no control): {}", manual.join(", "));
    }
    out
}

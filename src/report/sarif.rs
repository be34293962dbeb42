//! Findings as SARIF 2.1.0, as code-scanning tools (GitHub's among them) accept
//! them: one rule per control, one result per failed, unknown or accepted asset,
//! each located in its control's file and fingerprinted so a re-upload updates
//! the same alert.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{compact, requirement_ids, utc};
use crate::findings::{Finding, Outcome, Severity};
use crate::frameworks::{Framework, SOC2};
use crate::snapshot::Snapshot;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a CVSS-like score it ranks alerts by.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Where a result points: the control's definition, relative to the checkout
/// (SARIF's `%SRCROOT%`), since an asset has no file of its own.
fn control_location(control: &str) -> Value {
    json!({
        "artifactLocation": {"uri": format!("queries/{control}.toml"), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1}
    })
}

/// The same control on the same asset is the same alert across scans.
fn fingerprint(f: &Finding) -> String {
    crate::digest::sha256_hex_of([f.control.as_bytes(), b"\0", f.asset.as_str().as_bytes()])
}

/// SARIF 2.1.0 for `snapshot`: each rule tagged with its SOC 2 criteria and, for
/// another framework, that framework's requirements.
pub fn sarif(snapshot: &Snapshot, framework: &Framework) -> Value {
    let rules: Vec<Value> = snapshot
        .controls
        .iter()
        .map(|c| {
            let mut tags = c.criteria.clone();
            if framework.id != SOC2 {
                tags.extend(requirement_ids(framework, &c.control).iter().map(|r| format!("{} {r}", framework.id)));
            }
            json!({
                "id": c.control,
                "name": c.control,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.description},
                "help": {"text": c.remediation},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(c.severity)}
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> =
        snapshot.controls.iter().enumerate().map(|(i, c)| (c.control.as_str(), i)).collect();
    let results: Vec<Value> = snapshot.findings.iter().map(|f| result(f, index.get(f.control.as_str()))).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "auditgraph",
                "version": snapshot.scan.tool_version,
                "rules": rules
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The folder holding queries/, the controls."}}},
            "invocations": [{"executionSuccessful": true, "endTimeUtc": utc(snapshot.scan.scanned_at)}],
            "results": results
        }]
    })
}

/// One result. SARIF says a result whose kind is not `fail` has level `none`: an
/// unknown is `review` (someone must look), never a pass and never an error.
fn result(f: &Finding, rule_index: Option<&usize>) -> Value {
    let (kind, level) = match f.outcome {
        Outcome::Unknown => ("review", "none"),
        _ => ("fail", level(f.severity)),
    };
    let evidence: Vec<String> = f.evidence.iter().map(compact).collect();
    json!({
        "ruleId": f.control,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": level,
        "suppressions": suppressions(f),
        "message": {"text": format!("{}: {} ({}). {}", f.title, f.asset_name, f.asset_kind, evidence.join("; "))},
        "locations": [{
            "physicalLocation": control_location(&f.control),
            "logicalLocations": [{"fullyQualifiedName": f.asset, "name": f.asset_name, "kind": "resource"}]
        }],
        "partialFingerprints": {"auditgraphFinding/v1": fingerprint(f)},
        "properties": {"criteria": f.criteria, "account": f.account, "region": f.region, "evidence": f.evidence}
    })
}

/// An accepted failure as SARIF says it: suppressed by an external exception.
fn suppressions(f: &Finding) -> Value {
    if f.outcome != Outcome::Accepted {
        return json!([]);
    }
    let justification = f.evidence.first().map(|e| e.summary.as_str()).unwrap_or_default();
    json!([{"kind": "external", "status": "accepted", "justification": justification}])
}

//! Findings as people and tools read them: a terminal table grouped by severity
//! and SOC 2 criterion, SARIF 2.1.0 for code-scanning tools, OCSF compliance
//! findings for security data lakes, and the SOC 2 coverage of the controls.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::findings::{ControlResult, Evidence, Finding, Outcome, Severity};
use crate::frameworks::{Framework, Verdict, SOC2};
use crate::snapshot::Snapshot;
use crate::terminal::field;

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

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// SARIF 2.1.0: one rule per control, one result per failed or unknown asset; each
/// rule tagged with its SOC 2 criteria and, for another framework, its requirements.
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
                "defaultConfiguration": {"level": sarif_level(c.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(c.severity)}
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> =
        snapshot.controls.iter().enumerate().map(|(i, c)| (c.control.as_str(), i)).collect();
    let results: Vec<Value> = snapshot
        .findings
        .iter()
        .map(|f| {
            let evidence: Vec<String> = f.evidence.iter().map(compact).collect();
            json!({
                "ruleId": f.control,
                "ruleIndex": index.get(f.control.as_str()),
                "level": if f.outcome == Outcome::Unknown { "note" } else { sarif_level(f.severity) },
                "kind": if f.outcome == Outcome::Unknown { "review" } else { "fail" },
                "suppressions": suppressions(f),
                "message": {"text": format!("{}: {} ({}). {}", f.title, f.asset_name, f.asset_kind, evidence.join("; "))},
                "locations": [{"logicalLocations": [{"fullyQualifiedName": f.asset, "name": f.asset_name, "kind": "resource"}]}],
                "properties": {"criteria": f.criteria, "account": f.account, "region": f.region, "evidence": f.evidence}
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "auditgraph", "version": snapshot.scan.tool_version, "rules": rules}},
            "invocations": [{"executionSuccessful": true, "endTimeUtc": snapshot.scan.scanned_at.to_rfc3339()}],
            "results": results
        }]
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

/// OCSF 1.1 Compliance Finding events (class 2003), one per finding, each with the
/// requirements of `framework` that its control verifies.
pub fn ocsf(snapshot: &Snapshot, framework: &Framework) -> Value {
    let time = snapshot.scan.scanned_at.timestamp_millis();
    let events: Vec<Value> = snapshot
        .findings
        .iter()
        .map(|f| {
            let severity_id = match f.severity {
                Severity::Info => 1,
                Severity::Low => 2,
                Severity::Medium => 3,
                Severity::High => 4,
                Severity::Critical => 5,
            };
            let (status, status_id) = match f.outcome {
                Outcome::Fail | Outcome::Accepted => ("Fail", 3),
                _ => ("Unknown", 0),
            };
            let (finding_status, finding_status_id) =
                if f.outcome == Outcome::Accepted { ("Suppressed", 3) } else { ("New", 1) };
            json!({
                "activity_id": 1,
                "activity_name": "Create",
                "category_uid": 2,
                "category_name": "Findings",
                "class_uid": 2003,
                "class_name": "Compliance Finding",
                "type_uid": 200301,
                "type_name": "Compliance Finding: Create",
                "severity_id": severity_id,
                "severity": f.severity.as_str(),
                "time": time,
                "status_id": finding_status_id,
                "status": finding_status,
                "message": f.title,
                "metadata": {"version": "1.1.0", "product": {"name": "auditgraph", "vendor_name": "auditgraph", "version": snapshot.scan.tool_version}},
                "finding_info": {"uid": format!("{}:{}", f.control, f.asset), "title": f.title, "types": [framework.title]},
                "compliance": {"standards": [framework.title], "requirements": requirement_ids(framework, &f.control), "control": f.control, "status": status, "status_id": status_id},
                "resources": [{"uid": f.asset, "name": f.asset_name, "type": f.asset_kind, "region": f.region, "cloud_partition": f.account}],
                "evidences": f.evidence.iter().map(|e| json!({"data": {"summary": e.summary, "hops": e.hops}})).collect::<Vec<_>>()
            })
        })
        .collect();
    Value::Array(events)
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
        let sum = |f: fn(&ControlResult) -> usize| r.controls.iter().map(|c| f(c)).sum::<usize>();
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

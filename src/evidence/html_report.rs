//! The HTML report: one self-contained page (styles, script and diagrams inline; a
//! content security policy lets it load nothing) with the SOC 2 criteria, each
//! control's counts, every finding with its evidence hop by hop (filtered and shown
//! a page at a time by the page's script), the boundary, the diagrams, the coverage
//! gaps and the scan. Written through a MiniJinja template that escapes every
//! value; the tables' rows travel as JSON the script shows as text.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use auditgraph_model::CoverageStatus;
use chrono::Utc;
use serde_json::{json, Value};

use super::{shown, Assessment, EvidenceDiagram};
use crate::findings::{Outcome, Severity};
use crate::frameworks::Verdict;
use crate::render::html::evidence_json;
use crate::report;

const TEMPLATE: &str = include_str!("report.html");

/// The page for this assessment, with `diagrams` (each view's main one) inline.
pub fn page(a: &Assessment, diagrams: &[EvidenceDiagram]) -> Result<String> {
    let mut env = minijinja::Environment::new();
    // The `.html` name turns on HTML escaping of every value the template prints.
    env.add_template("report.html", TEMPLATE).context("the report template")?;
    let snap = &a.sources.snapshot;
    let diagrams: Vec<Value> = diagrams
        .iter()
        .map(|d| {
            // The SVG as Graphviz wrote it (its text escaped by Graphviz), without the XML prolog.
            let svg = d.svg.find("<svg").map_or(d.svg.as_str(), |at| &d.svg[at..]);
            json!({"name": d.view.name(), "title": format!("{} view", d.view.name()), "parts": d.parts, "svg": svg})
        })
        .collect();
    let context = json!({
        "written_at": report::utc(Utc::now()),
        "scan": report::scan_metadata(snap),
        "snapshot": {"path": shown(&a.sources.snapshot_path), "sha256": a.sources.snapshot_sha256},
        "summary": summary(a),
        "criteria": criteria(a),
        "controls": controls(a),
        "severities": Severity::ALL.iter().rev().map(|s| s.as_str()).collect::<Vec<_>>(),
        "accounts": snap.sources.iter().map(|s| s.scope.as_str()).collect::<BTreeSet<_>>(),
        "seeds": a.sources.seed_text.join(", "),
        "diagrams": diagrams,
        "findings_json": script_json(&findings(a)),
        "boundary_json": script_json(&serde_json::to_value(&a.boundary.components)?),
        "gaps_json": script_json(&gaps(a)),
    });
    env.get_template("report.html")?.render(minijinja::value::Serde(&context)).context("rendering the report")
}

/// JSON to hold inside a `<script>` element: with every `<` written `\u003c`
/// (the same JSON string), no text in it can end the element or open a comment.
fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

fn summary(a: &Assessment) -> Value {
    let results = &a.sources.snapshot.controls;
    let sum = |f: fn(&crate::findings::ControlResult) -> usize| results.iter().map(f).sum::<usize>();
    let findings = &a.sources.snapshot.findings;
    let by_severity: Vec<Value> = Severity::ALL
        .iter()
        .map(|&s| {
            let count = |o: Outcome| findings.iter().filter(|f| f.severity == s && f.outcome == o).count();
            json!({"severity": s.as_str(), "failed": count(Outcome::Fail), "unknown": count(Outcome::Unknown)})
        })
        .collect();
    json!({
        "controls": results.len(),
        "evaluated": sum(|c| c.evaluated),
        "passed": sum(|c| c.passed),
        "failed": sum(|c| c.failed),
        "unknown": sum(|c| c.unknown),
        "accepted": sum(|c| c.accepted),
        "by_severity": by_severity,
    })
}

fn criteria(a: &Assessment) -> Vec<Value> {
    a.soc2()
        .coverage(&a.sources.snapshot.controls)
        .iter()
        .map(|r| {
            let class = match r.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "fail",
                Verdict::Unknown => "unknown",
                Verdict::NothingEvaluated => "nothing",
                Verdict::Manual => "manual",
            };
            let controls: Vec<Value> = r
                .controls
                .iter()
                .map(|c| json!({"id": c.control, "passed": c.passed, "failed": c.failed, "unknown": c.unknown}))
                .collect();
            json!({
                "id": r.requirement.id,
                "title": r.requirement.short.as_deref().unwrap_or(&r.requirement.title),
                "verdict": r.verdict.as_str(),
                "verdict_class": class,
                "automated": r.verdict != Verdict::Manual,
                "controls": controls,
            })
        })
        .collect()
}

fn controls(a: &Assessment) -> Vec<Value> {
    a.populations
        .iter()
        .map(|p| {
            let r = p.result;
            json!({
                "id": p.control.id,
                "title": p.control.title,
                "severity": p.control.severity.as_str(),
                "criteria": p.control.criteria.join(" "),
                "evaluated": r.evaluated,
                "passed": r.passed,
                "failed": r.failed,
                "unknown": r.unknown,
                "accepted": r.accepted,
            })
        })
        .collect()
}

/// Every finding, worst first, with its evidence's hops as the lines a person reads.
fn findings(a: &Assessment) -> Value {
    let soc2 = a.soc2();
    let mut findings: Vec<&crate::findings::Finding> = a.sources.snapshot.findings.iter().collect();
    findings.sort_by(|x, y| y.severity.cmp(&x.severity).then_with(|| x.control.cmp(&y.control)));
    let rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            let evidence: Vec<Value> = f.evidence.iter().map(|e| evidence_json(a.graph, e)).collect();
            let search = format!(
                "{} {} {} {}",
                f.asset_name,
                f.asset,
                f.control,
                f.evidence.iter().map(|e| e.summary.as_str()).collect::<Vec<_>>().join(" ")
            )
            .to_lowercase();
            json!({
                "control": f.control,
                "title": f.title,
                "severity": f.severity.as_str(),
                "outcome": f.outcome.as_str(),
                "criteria": soc2.requirements_of(&f.control).map(|r| r.id.as_str()).collect::<Vec<_>>(),
                "id": f.asset.as_str(),
                "name": f.asset_name,
                "kind": f.asset_kind,
                "account": f.account,
                "region": f.region,
                "evidence": evidence,
                "search": search,
            })
        })
        .collect();
    Value::Array(rows)
}

fn gaps(a: &Assessment) -> Value {
    let rows: Vec<Value> = a
        .sources
        .snapshot
        .sources
        .iter()
        .flat_map(|s| {
            s.gaps().filter(|g| g.status != CoverageStatus::RegionDisabled).map(move |g| {
                json!({"scope": s.scope, "service": g.service, "api": g.api, "region": g.region,
                       "status": g.status, "detail": g.detail})
            })
        })
        .collect();
    Value::Array(rows)
}

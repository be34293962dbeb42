//! Findings as OSCAL 1.1.2 assessment results (NIST): one observation per control
//! (what it tested, with its counts) and per failed, unknown or accepted asset
//! (the asset as subject, the evidence), and one finding per requirement of the
//! framework that controls verify, satisfied only when every one of them passed.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::{compact, utc};
use crate::findings::{Finding, Outcome};
use crate::frameworks::{Framework, Verdict};
use crate::snapshot::Snapshot;

pub const OSCAL_VERSION: &str = "1.1.2";

/// The namespace of the properties auditgraph adds.
const NS: &str = "urn:auditgraph:oscal";

/// A UUID that the same content always gets (so two exports of one scan are
/// identical and a finding keeps its id across exports): SHA-256 of the parts,
/// shaped as RFC 4122 name-based (version 5 bits, as OSCAL's UUID pattern asks).
fn uuid(parts: &[&str]) -> String {
    let hex = crate::digest::sha256_hex_of(parts.iter().flat_map(|p| [p.as_bytes(), b"\0"]));
    let variant = ["8", "9", "a", "b"][usize::from_str_radix(&hex[16..17], 16).unwrap_or(0) % 4];
    format!("{}-{}-5{}-{variant}{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// OSCAL strings are one line without leading or trailing space, never empty.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        "-".into()
    } else {
        joined
    }
}

fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": one_line(value)})
}

/// The assessment results of `snapshot`, with findings for `framework`'s requirements.
pub fn assessment_results(snapshot: &Snapshot, framework: &Framework) -> Value {
    let scanned_at = utc(snapshot.scan.scanned_at);
    let digest = snapshot.scan.controls_digest.as_deref().unwrap_or("not recorded");
    let start = snapshot.sources.iter().map(|s| s.collected_at).min().unwrap_or(snapshot.scan.scanned_at);
    let plan = uuid(&["plan", digest]);

    let mut subjects: BTreeMap<&str, Value> = BTreeMap::new();
    let mut by_control: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut observations: Vec<Value> = snapshot.controls.iter().map(|c| control_observation(c, &scanned_at)).collect();
    // Each finding's observation on every core (hundreds of thousands at scale), in the findings' order.
    let found: Vec<Value> = snapshot.findings.par_iter().map(|f| finding_observation(f, &scanned_at)).collect();
    for (f, observation) in snapshot.findings.iter().zip(found) {
        subjects.entry(f.asset.as_str()).or_insert_with(|| inventory_item(f));
        by_control.entry(f.control.as_str()).or_default().push(observation["uuid"].as_str().unwrap_or("").to_string());
        observations.push(observation);
    }

    let coverage = framework.coverage(&snapshot.controls);
    let automated: Vec<_> = coverage.iter().filter(|r| r.verdict != Verdict::Manual).collect();
    let findings: Vec<Value> = automated
        .iter()
        .map(|r| {
            let related: Vec<Value> = r
                .controls
                .iter()
                .flat_map(|c| {
                    std::iter::once(uuid(&["control", &c.control]))
                        .chain(by_control.get(c.control.as_str()).into_iter().flatten().cloned())
                })
                .map(|u| json!({"observation-uuid": u}))
                .collect();
            let state = if r.verdict == Verdict::Pass { "satisfied" } else { "not-satisfied" };
            let controls: Vec<&str> = r.requirement.controls.iter().map(String::as_str).collect();
            let mut finding = json!({
                "uuid": uuid(&["finding", &framework.id, &r.requirement.id]),
                "title": one_line(&format!("{} {}", r.requirement.id, r.requirement.short.as_deref().unwrap_or(&r.requirement.title))),
                "description": one_line(&format!(
                    "{}: {} by auditgraph's controls {} (for what the cloud's data shows; the rest is verified by hand).",
                    r.requirement.id, r.verdict.as_str(), controls.join(", ")
                )),
                "props": [prop("verdict", r.verdict.as_str())],
                "target": {
                    "type": "objective-id",
                    "target-id": r.requirement.id,
                    "title": one_line(&r.requirement.title),
                    "status": {"state": state}
                }
            });
            if !related.is_empty() {
                finding["related-observations"] = json!(related);
            }
            finding
        })
        .collect();

    let scopes: Vec<String> = snapshot.sources.iter().map(|s| format!("{} {}", s.cloud.as_str(), s.scope)).collect();
    let mut result = json!({
        "uuid": uuid(&["result", &scanned_at, digest]),
        "title": one_line(&format!("auditgraph scan of {}", if scopes.is_empty() { "no scope".into() } else { scopes.join(", ") })),
        "description": one_line(&format!(
            "Every control of auditgraph evaluated on every asset of its population; {} requirements of {} verified by controls.",
            automated.len(), framework.title
        )),
        "start": utc(start),
        "end": scanned_at,
        "props": [prop("controls-digest", digest), prop("framework", &framework.id), prop("tool-version", &snapshot.scan.tool_version)],
        "reviewed-controls": {"control-selections": [reviewed(&automated)]},
        "observations": observations,
    });
    if !subjects.is_empty() {
        result["local-definitions"] = json!({"inventory-items": subjects.into_values().collect::<Vec<_>>()});
    }
    if !findings.is_empty() {
        result["findings"] = json!(findings);
    }
    json!({
        "assessment-results": {
            "uuid": uuid(&["assessment-results", &scanned_at, digest, &framework.id]),
            "metadata": {
                "title": one_line(&format!("auditgraph assessment results, {}", framework.title)),
                "last-modified": scanned_at,
                "version": snapshot.scan.tool_version,
                "oscal-version": OSCAL_VERSION,
                "props": [prop("tool", "auditgraph")]
            },
            "import-ap": {
                "href": format!("#{plan}"),
                "remarks": "The assessment plan is auditgraph's controls folder, identified by its digest (back-matter)."
            },
            "results": [result],
            "back-matter": {"resources": [{
                "uuid": plan,
                "title": "auditgraph controls",
                "description": "The control definitions (queries/*.toml) and framework mappings the scan ran.",
                "props": [prop("controls-digest", digest)]
            }]}
        }
    })
}

/// The requirements controls verified, as OSCAL's reviewed controls.
fn reviewed(automated: &[&crate::frameworks::RequirementResult<'_>]) -> Value {
    if automated.is_empty() {
        return json!({"include-all": {}});
    }
    let ids: Vec<Value> = automated.iter().map(|r| json!({"control-id": r.requirement.id})).collect();
    json!({"include-controls": ids})
}

fn control_observation(c: &crate::findings::ControlResult, collected: &str) -> Value {
    json!({
        "uuid": uuid(&["control", &c.control]),
        "title": c.control,
        "description": one_line(&format!(
            "{}: evaluated {} assets: {} passed, {} failed, {} unknown, {} failed and accepted by an exception.",
            c.title, c.evaluated, c.passed, c.failed, c.unknown, c.accepted
        )),
        "props": [
            prop("control", &c.control),
            prop("severity", c.severity.as_str()),
            prop("evaluated", &c.evaluated.to_string()),
            prop("passed", &c.passed.to_string()),
            prop("failed", &c.failed.to_string()),
            prop("unknown", &c.unknown.to_string())
        ],
        "methods": ["TEST"],
        "collected": collected,
    })
}

fn finding_observation(f: &Finding, collected: &str) -> Value {
    let what = match f.outcome {
        Outcome::Unknown => "could not be decided",
        Outcome::Accepted => "failed (accepted by an exception)",
        _ => "failed",
    };
    let evidence: Vec<Value> = f.evidence.iter().map(|e| json!({"description": one_line(&compact(e))})).collect();
    let mut o = json!({
        "uuid": uuid(&["observation", &f.control, f.asset.as_str()]),
        "title": one_line(&format!("{} on {}", f.control, f.asset_name)),
        "description": one_line(&format!("{} {what} on {} ({}).", f.control, f.asset_name, f.asset_kind)),
        "props": [prop("control", &f.control), prop("outcome", f.outcome.as_str()), prop("severity", f.severity.as_str())],
        "methods": ["TEST"],
        "subjects": [{"subject-uuid": uuid(&["asset", f.asset.as_str()]), "type": "inventory-item", "title": one_line(&f.asset_name)}],
        "collected": collected,
    });
    if !evidence.is_empty() {
        o["relevant-evidence"] = json!(evidence);
    }
    o
}

fn inventory_item(f: &Finding) -> Value {
    let mut props =
        vec![prop("asset-id", f.asset.as_str()), prop("asset-kind", &f.asset_kind), prop("account", &f.account)];
    if let Some(region) = &f.region {
        props.push(prop("region", region));
    }
    json!({
        "uuid": uuid(&["asset", f.asset.as_str()]),
        "description": one_line(&format!("{} {} in {}", f.asset_kind, f.asset_name, f.account)),
        "props": props,
    })
}

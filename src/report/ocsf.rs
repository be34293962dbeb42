//! Findings as OCSF 1.8.0 Compliance Finding events (class 2003, cloud profile),
//! one per failed, unknown or accepted asset, for security data lakes.

use auditgraph_model::{AssetKind, Cloud};
use serde_json::{json, Map, Value};

use super::requirement_ids;
use crate::findings::{ControlResult, Finding, Outcome, Severity};
use crate::frameworks::Framework;
use crate::snapshot::Snapshot;

pub const OCSF_VERSION: &str = "1.8.0";

/// OCSF's `severity_id` and its caption.
fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The compliance check's status: an unknown is OCSF's Warning ("did not yield a
/// result due to missing information"), never a pass.
fn compliance_status(o: Outcome) -> (u8, &'static str) {
    match o {
        Outcome::Pass => (1, "Pass"),
        Outcome::Unknown => (2, "Warning"),
        Outcome::Fail | Outcome::Accepted => (3, "Fail"),
    }
}

/// The `cloud` object: provider, then the account or project and region where OCSF puts them.
fn cloud(f: &Finding) -> Value {
    let mut c = Map::new();
    match AssetKind::from_name(&f.asset_kind).map(|k| k.cloud()) {
        Some(Cloud::Gcp) => {
            c.insert("provider".into(), json!("GCP"));
            c.insert("project_uid".into(), json!(f.account));
            c.insert("account".into(), json!({"uid": f.account, "type": "GCP Project", "type_id": 11}));
        }
        _ => {
            c.insert("provider".into(), json!("AWS"));
            c.insert("account".into(), json!({"uid": f.account, "type": "AWS Account", "type_id": 10}));
        }
    }
    if let Some(region) = &f.region {
        c.insert("region".into(), json!(region));
    }
    Value::Object(c)
}

fn resource(f: &Finding) -> Value {
    let mut r = Map::new();
    r.insert("uid".into(), json!(f.asset));
    r.insert("name".into(), json!(f.asset_name));
    r.insert("type".into(), json!(f.asset_kind));
    if let Some(region) = &f.region {
        r.insert("region".into(), json!(region));
    }
    Value::Object(r)
}

/// The events for `snapshot`, each with the requirements of `framework` its control verifies.
pub fn ocsf(snapshot: &Snapshot, framework: &Framework) -> Value {
    let time = snapshot.scan.scanned_at.timestamp_millis();
    let control_of = |id: &str| snapshot.controls.iter().find(|c| c.control == id);
    let events: Vec<Value> = snapshot
        .findings
        .iter()
        .map(|f| {
            let (severity_id, severity) = severity(f.severity);
            let (status_id, status) = compliance_status(f.outcome);
            let (finding_status, finding_status_id) =
                if f.outcome == Outcome::Accepted { ("Suppressed", 3) } else { ("New", 1) };
            let control: Option<&ControlResult> = control_of(&f.control);
            let mut event = json!({
                "activity_id": 1,
                "activity_name": "Create",
                "category_uid": 2,
                "category_name": "Findings",
                "class_uid": 2003,
                "class_name": "Compliance Finding",
                "type_uid": 200301,
                "type_name": "Compliance Finding: Create",
                "severity_id": severity_id,
                "severity": severity,
                "time": time,
                "status_id": finding_status_id,
                "status": finding_status,
                "message": f.title,
                "metadata": {
                    "version": OCSF_VERSION,
                    "profiles": ["cloud"],
                    "product": {"name": "auditgraph", "vendor_name": "auditgraph", "version": snapshot.scan.tool_version}
                },
                "cloud": cloud(f),
                "finding_info": {
                    "uid": format!("{}:{}", f.control, f.asset),
                    "title": f.title,
                    "desc": control.map(|c| c.description.as_str()).unwrap_or(&f.title),
                    "types": [framework.title]
                },
                "compliance": {
                    "standards": [framework.title],
                    "requirements": requirement_ids(framework, &f.control),
                    "control": f.control,
                    "status": status,
                    "status_id": status_id
                },
                "resources": [resource(f)],
                "evidences": f.evidence.iter().map(|e| json!({"name": e.summary, "data": {"summary": e.summary, "hops": e.hops}})).collect::<Vec<_>>()
            });
            if let Some(c) = control {
                event["remediation"] = json!({"desc": c.remediation});
            }
            event
        })
        .collect();
    Value::Array(events)
}

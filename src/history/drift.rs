//! Drift between two stored scans, as a person reads it: the failures that appeared
//! and those fixed first, then the assets added, removed and changed by name, each
//! change one line (`sg web: +ingress tcp/22 from 0.0.0.0/0`).

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Result};
use auditgraph_model::Asset;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::db::{placeholders, Db, Value};
use super::read::{scans, ScanInfo};
use super::record::UNREAD;
use super::{time_text, Window};
use crate::findings::Outcome;

#[derive(Clone, Debug, Serialize)]
pub struct FailureLine {
    pub control: String,
    pub asset: String,
    pub name: String,
    pub evidence: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AssetLine {
    pub asset: String,
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangedAsset {
    pub asset: String,
    pub kind: String,
    pub name: String,
    /// `-` a fact that went, `+` one that came.
    pub lines: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    pub old_scan: i64,
    pub old_scanned_at: String,
    pub new_scan: i64,
    pub new_scanned_at: String,
    /// Said when the window starts before the first stored scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub failures_appeared: Vec<FailureLine>,
    pub failures_fixed: Vec<FailureLine>,
    pub assets_added: Vec<AssetLine>,
    pub assets_removed: Vec<AssetLine>,
    pub assets_changed: Vec<ChangedAsset>,
}

/// The scans to compare for a window: the last one at or before its start (else the
/// first after it, with a note), and the last one at or before its end.
pub fn scans_for(db: &mut Db, window: Window) -> Result<(ScanInfo, ScanInfo, Option<String>)> {
    let all = scans(db)?;
    if all.is_empty() {
        bail!("the history holds no scan yet: run `auditgraph scan` first");
    }
    let at_or_before = |t: DateTime<Utc>| all.iter().filter(|s| s.at <= t).max_by_key(|s| (s.at, s.id));
    let new = at_or_before(window.to).ok_or_else(|| anyhow!("no scan at or before {}", time_text(window.to)))?;
    let (old, note) = match at_or_before(window.from) {
        Some(old) => (old, None),
        None => {
            let first = all.iter().min_by_key(|s| (s.at, s.id)).expect("not empty");
            let note = format!(
                "no scan at or before {}: comparing with the first stored scan ({})",
                time_text(window.from),
                first.scanned_at
            );
            (first, Some(note))
        }
    };
    Ok((old.clone(), new.clone(), note))
}

pub fn between(db: &mut Db, old: &ScanInfo, new: &ScanInfo, note: Option<String>) -> Result<Drift> {
    let (before, after) = (failing_at(db, old.id)?, failing_at(db, new.id)?);
    // What a scan could not read is neither a new failure nor a fix.
    let (unread_before, unread_after) = (unread_at(db, old.id)?, unread_at(db, new.id)?);
    let line = |(control, asset): &(String, String), (name, evidence): &(String, String)| FailureLine {
        control: control.clone(),
        asset: asset.clone(),
        name: name.clone(),
        evidence: evidence.clone(),
    };
    let failures_appeared = after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k) && !unread_before.contains(*k))
        .map(|(k, v)| line(k, v))
        .collect();
    let failures_fixed = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k) && !unread_after.contains(*k))
        .map(|(k, v)| line(k, v))
        .collect();
    // Digests say which assets changed; only those bodies are read and compared.
    let (was, is) = (versions_at(db, old.id)?, versions_at(db, new.id)?);
    let changed: Vec<(&String, i64, i64)> = is
        .iter()
        .filter_map(|(id, now)| {
            was.get(id).filter(|then| then.digest != now.digest).map(|then| (id, then.row, now.row))
        })
        .collect();
    let bodies = bodies(db, changed.iter().flat_map(|&(_, then, now)| [then, now]))?;
    let mut assets_changed = Vec::new();
    for (id, then, now) in changed {
        let body =
            |row: i64| bodies.get(&row).ok_or_else(|| anyhow!("history store: asset {id} lost its version {row}"));
        let lines = crate::describe::changes(body(then)?, body(now)?);
        if !lines.is_empty() {
            let now = &is[id];
            assets_changed.push(ChangedAsset {
                asset: id.clone(),
                kind: now.kind.clone(),
                name: now.name.clone(),
                lines,
            });
        }
    }
    assets_changed.sort_by(|a, b| (&a.name, &a.asset).cmp(&(&b.name, &b.asset)));
    let only_in = |these: &BTreeMap<String, StoredVersion>, those: &BTreeMap<String, StoredVersion>| {
        let mut lines: Vec<AssetLine> = these
            .iter()
            .filter(|(id, _)| !those.contains_key(*id))
            .map(|(id, v)| AssetLine { asset: id.clone(), kind: v.kind.clone(), name: v.name.clone() })
            .collect();
        lines.sort_by(|a, b| (&a.name, &a.asset).cmp(&(&b.name, &b.asset)));
        lines
    };
    let (assets_added, assets_removed) = (only_in(&is, &was), only_in(&was, &is));
    Ok(Drift {
        old_scan: old.id,
        old_scanned_at: old.scanned_at.clone(),
        new_scan: new.id,
        new_scanned_at: new.scanned_at.clone(),
        note,
        failures_appeared,
        failures_fixed,
        assets_added,
        assets_removed,
        assets_changed,
    })
}

/// (control, asset) → (name, evidence) of every failure in a scan.
fn failing_at(db: &mut Db, scan: i64) -> Result<BTreeMap<(String, String), (String, String)>> {
    let rows = db.query(
        "SELECT r.control, r.asset, r.evidence, v.name FROM runs r LEFT JOIN asset_versions v \
         ON v.asset = r.asset AND v.first_scan <= $2 AND (v.end_scan IS NULL OR v.end_scan > $2) \
         WHERE r.outcome = $1 AND r.first_scan <= $2 AND (r.end_scan IS NULL OR r.end_scan > $2)",
        &[Outcome::Fail.as_str().into(), scan.into()],
    )?;
    rows.iter().map(|r| Ok(((r.text(0)?, r.text(1)?), (r.opt_text(3)?.unwrap_or_default(), r.text(2)?)))).collect()
}

/// (control, asset) of every outcome a scan could not make (unread).
fn unread_at(db: &mut Db, scan: i64) -> Result<std::collections::BTreeSet<(String, String)>> {
    let rows = db.query(
        "SELECT control, asset FROM runs WHERE outcome = $1 AND first_scan <= $2 AND (end_scan IS NULL OR end_scan > $2)",
        &[UNREAD.into(), scan.into()],
    )?;
    rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?))).collect()
}

/// One asset's version as stored at a scan, without its body.
struct StoredVersion {
    row: i64,
    kind: String,
    name: String,
    digest: String,
}

/// Every asset's version at a scan.
fn versions_at(db: &mut Db, scan: i64) -> Result<BTreeMap<String, StoredVersion>> {
    let rows = db.query(
        "SELECT asset, id, kind, name, digest FROM asset_versions \
         WHERE first_scan <= $1 AND (end_scan IS NULL OR end_scan > $1)",
        &[scan.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok((r.text(0)?, StoredVersion { row: r.int(1)?, kind: r.text(2)?, name: r.text(3)?, digest: r.text(4)? }))
        })
        .collect()
}

/// The stored assets of these version rows, read back.
fn bodies(db: &mut Db, rows: impl Iterator<Item = i64>) -> Result<HashMap<i64, Asset>> {
    let rows: Vec<i64> = rows.collect();
    let mut bodies = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(500) {
        let sql = format!("SELECT id, asset, body FROM asset_versions WHERE id IN ({})", placeholders(1, chunk.len()));
        let params: Vec<Value> = chunk.iter().map(|&id| Value::from(id)).collect();
        for r in db.query(&sql, &params)? {
            let asset: Asset = serde_json::from_str(&r.text(2)?).map_err(|e| {
                anyhow!("history store: asset {} does not read back: {e}", r.text(1).unwrap_or_default())
            })?;
            bodies.insert(r.int(0)?, asset);
        }
    }
    Ok(bodies)
}

impl Drift {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Drift from scan {} ({}) to scan {} ({})",
            self.old_scan, self.old_scanned_at, self.new_scan, self.new_scanned_at
        );
        if let Some(note) = &self.note {
            let _ = writeln!(out, "note: {note}");
        }
        let mut section = |title: &str, lines: Vec<String>| {
            let _ = writeln!(out, "\n{title} ({})", lines.len());
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        };
        let failure = |f: &FailureLine| format!("{:<36} {}  {}", f.control, f.name, f.evidence);
        section("Failures that appeared", self.failures_appeared.iter().map(failure).collect());
        section("Failures fixed", self.failures_fixed.iter().map(failure).collect());
        section("Assets added", self.assets_added.iter().map(|a| format!("{} {}", a.kind, a.name)).collect());
        section("Assets removed", self.assets_removed.iter().map(|a| format!("{} {}", a.kind, a.name)).collect());
        section(
            "Assets changed",
            self.assets_changed
                .iter()
                .flat_map(|c| c.lines.iter().map(move |l| format!("{} {}: {l}", c.kind, c.name)))
                .collect(),
        );
        out
    }
}

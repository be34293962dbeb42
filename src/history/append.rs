//! Appending a scan: only what changed since the previous scan of each scope is
//! written. An outcome is kept as a run (first scan, end scan) that stays open
//! while the outcome holds, an asset as versions the same way, so a year of daily
//! scans of an estate that changes little stays small. All in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use serde::Serialize;

use super::db::{placeholders, Db, Value};
use super::record::{OutcomeRecord, ScanRecord, UNREAD};
use crate::findings::Outcome;

/// A failure that is new in this scan, or one this scan saw fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub control: String,
    pub asset: String,
    pub name: String,
    pub evidence: String,
}

/// What a scan added to the history, for its exit code and `--notify`.
#[derive(Clone, Debug, Serialize)]
pub struct Appended {
    pub scan: i64,
    pub scanned_at: String,
    /// Failing now, and not failing (or not there) in the previous scan of its scope.
    pub new_failures: Vec<Change>,
    /// Failing in the previous scan of its scope, and passing now or gone.
    pub fixed: Vec<Change>,
}

struct OpenRun {
    id: i64,
    outcome: String,
    evidence: String,
}

pub fn append(db: &mut Db, record: &ScanRecord) -> Result<Appended> {
    db.write(|db| {
        let scan = db.query("SELECT COALESCE(MAX(id), 0) + 1 FROM scans", &[])?[0].int(0)?;
        let scanned_at = super::time_text(record.scanned_at);
        db.execute(
            "INSERT INTO scans (id, scanned_at, tool_version, controls_digest, assets) VALUES ($1, $2, $3, $4, $5)",
            &[
                scan.into(),
                scanned_at.clone().into(),
                record.tool_version.clone().into(),
                record.controls_digest.clone().into(),
                (record.assets.len() as i64).into(),
            ],
        )?;
        write_scopes(db, scan, record)?;
        write_controls(db, scan, record)?;
        // The scopes this scan speaks for: those it read, and those of what it holds.
        let mut read: BTreeSet<&str> = record.scopes.iter().map(|s| s.scope.as_str()).collect();
        read.extend(record.assets.iter().map(|a| a.scope.as_str()));
        let with_gaps: BTreeSet<&str> =
            record.scopes.iter().filter(|s| !s.gaps.is_empty()).map(|s| s.scope.as_str()).collect();
        let (new_failures, fixed) = write_runs(db, scan, record, &read, &with_gaps)?;
        write_assets(db, scan, record, &read, &with_gaps)?;
        Ok(Appended { scan, scanned_at, new_failures, fixed })
    })
}

fn write_scopes(db: &mut Db, scan: i64, record: &ScanRecord) -> Result<()> {
    // Two inventories of one scope (two files of one account) are one scope read.
    let mut by_scope: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for s in &record.scopes {
        let gaps = serde_json::to_string(&s.gaps)?;
        let row = by_scope.entry(&s.scope).or_insert_with(|| {
            vec![
                scan.into(),
                s.cloud.clone().into(),
                s.scope.clone().into(),
                super::time_text(s.collected_at).into(),
                s.collected_by.clone().into(),
                "[]".into(),
            ]
        });
        if gaps != "[]" {
            row[5] = gaps.into();
        }
    }
    let rows: Vec<Vec<Value>> = by_scope.into_values().collect();
    db.insert("scan_scopes", &["scan", "cloud", "scope", "collected_at", "collected_by", "gaps"], &rows)
}

fn write_controls(db: &mut Db, scan: i64, record: &ScanRecord) -> Result<()> {
    let rows: Vec<Vec<Value>> = record
        .controls
        .iter()
        .map(|c| {
            vec![
                scan.into(),
                c.control.clone().into(),
                c.title.clone().into(),
                c.severity.as_str().into(),
                c.criteria.join(",").into(),
                (c.evaluated as i64).into(),
                (c.passed as i64).into(),
                (c.failed as i64).into(),
                (c.unknown as i64).into(),
                (c.accepted as i64).into(),
            ]
        })
        .collect();
    db.insert(
        "scan_controls",
        &["scan", "control", "title", "severity", "criteria", "evaluated", "passed", "failed", "unknown", "accepted"],
        &rows,
    )
}

/// Closes the runs whose outcome changed and opens the new ones; returns the new
/// failures and the fixes.
fn write_runs(
    db: &mut Db,
    scan: i64,
    record: &ScanRecord,
    read: &BTreeSet<&str>,
    with_gaps: &BTreeSet<&str>,
) -> Result<(Vec<Change>, Vec<Change>)> {
    let mut open: HashMap<(String, String), OpenRun> = HashMap::new();
    let mut scope_of: HashMap<(String, String), String> = HashMap::new();
    for row in db.query("SELECT id, control, asset, scope, outcome, evidence FROM runs WHERE end_scan IS NULL", &[])? {
        let scope = row.text(3)?;
        if !read.contains(scope.as_str()) {
            continue;
        }
        let key = (row.text(1)?, row.text(2)?);
        scope_of.insert(key.clone(), scope);
        open.insert(key, OpenRun { id: row.int(0)?, outcome: row.text(4)?, evidence: row.text(5)? });
    }
    // An unread run stands for the outcome before it: a failure that goes unread
    // and comes back is not new, one that comes back passing is fixed.
    let mut before_unread: HashMap<(String, String), String> = HashMap::new();
    for row in db.query(
        "SELECT p.control, p.asset, p.outcome FROM runs p JOIN runs u ON u.control = p.control \
         AND u.asset = p.asset AND p.end_scan = u.first_scan WHERE u.end_scan IS NULL AND u.outcome = $1",
        &[UNREAD.into()],
    )? {
        before_unread.insert((row.text(0)?, row.text(1)?), row.text(2)?);
    }
    let present: BTreeSet<&str> = record.assets.iter().map(|a| a.asset.as_str()).collect();
    let name_of: HashMap<&str, &str> = record.assets.iter().map(|a| (a.asset.as_str(), a.name.as_str())).collect();
    let mut next_id = db.query("SELECT COALESCE(MAX(id), 0) FROM runs", &[])?[0].int(0)?;
    let (mut close, mut opened, mut new_failures, mut fixed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let fail = Outcome::Fail.as_str();
    let mut open_run = |o: &OutcomeRecord, outcome: &str, opened: &mut Vec<Vec<Value>>| {
        next_id += 1;
        opened.push(vec![
            next_id.into(),
            o.control.clone().into(),
            o.asset.clone().into(),
            o.scope.clone().into(),
            outcome.into(),
            o.evidence.clone().into(),
            scan.into(),
        ]);
    };
    for o in &record.outcomes {
        let key = (o.control.clone(), o.asset.clone());
        let before = open.remove(&key);
        if let Some(run) = &before {
            if run.outcome == o.outcome && run.evidence == o.evidence {
                continue;
            }
            close.push(run.id);
        }
        let was = match &before {
            Some(run) if run.outcome == UNREAD => before_unread.get(&key).map(String::as_str),
            Some(run) => Some(run.outcome.as_str()),
            None => None,
        };
        let was_failing = was == Some(fail);
        let change = || Change {
            control: o.control.clone(),
            asset: o.asset.clone(),
            name: o.asset_name.clone(),
            evidence: o.evidence.clone(),
        };
        if o.outcome == fail && !was_failing {
            new_failures.push(change());
        }
        if was_failing && o.outcome == Outcome::Pass.as_str() {
            fixed.push(change());
        }
        open_run(o, o.outcome, &mut opened);
    }
    // What was open and not evaluated now: gone (its run ends), or, in a scope read
    // with gaps, perhaps only not seen (it becomes unread until seen again).
    let mut left: Vec<((String, String), OpenRun)> = open.into_iter().collect();
    left.sort_by(|a, b| a.0.cmp(&b.0));
    for ((control, asset), run) in left {
        let scope = scope_of.remove(&(control.clone(), asset.clone())).unwrap_or_default();
        let unseen = !present.contains(asset.as_str()) && with_gaps.contains(scope.as_str());
        if unseen && run.outcome == UNREAD {
            continue;
        }
        close.push(run.id);
        if unseen {
            let o = OutcomeRecord {
                control,
                asset,
                asset_name: String::new(),
                scope,
                outcome: UNREAD,
                evidence: "not seen in a scan whose scope had coverage gaps".into(),
            };
            open_run(&o, UNREAD, &mut opened);
        } else if run.outcome == fail {
            let name = name_of.get(asset.as_str()).map_or("(removed)", |n| *n).to_string();
            fixed.push(Change { control, asset, name, evidence: "no longer evaluated (removed)".into() });
        }
    }
    end_rows(db, "runs", scan, &close)?;
    db.insert("runs", &["id", "control", "asset", "scope", "outcome", "evidence", "first_scan"], &opened)?;
    Ok((new_failures, fixed))
}

/// Closes the versions of assets that changed or went, and stores the new ones.
fn write_assets(
    db: &mut Db,
    scan: i64,
    record: &ScanRecord,
    read: &BTreeSet<&str>,
    with_gaps: &BTreeSet<&str>,
) -> Result<()> {
    let mut open: HashMap<String, (i64, String, String)> = HashMap::new();
    for row in db.query("SELECT id, asset, scope, digest FROM asset_versions WHERE end_scan IS NULL", &[])? {
        let scope = row.text(2)?;
        if read.contains(scope.as_str()) {
            open.insert(row.text(1)?, (row.int(0)?, scope, row.text(3)?));
        }
    }
    let mut next_id = db.query("SELECT COALESCE(MAX(id), 0) FROM asset_versions", &[])?[0].int(0)?;
    let (mut close, mut added) = (Vec::new(), Vec::new());
    // The latest name of every asset with a new version (one row per asset).
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for a in &record.assets {
        if let Some((id, _, digest)) = open.remove(&a.asset) {
            if digest == a.digest {
                continue;
            }
            close.push(id);
        }
        next_id += 1;
        renamed.insert(&a.asset, &a.name);
        added.push(vec![
            next_id.into(),
            a.asset.clone().into(),
            a.scope.clone().into(),
            a.kind.clone().into(),
            a.name.clone().into(),
            a.digest.clone().into(),
            a.body.clone().into(),
            scan.into(),
        ]);
    }
    // Not seen in a scope read with gaps: kept as last seen, not taken for deleted.
    close.extend(open.values().filter(|(_, scope, _)| !with_gaps.contains(scope.as_str())).map(|(id, _, _)| *id));
    close.sort_unstable();
    end_rows(db, "asset_versions", scan, &close)?;
    let names: Vec<Vec<Value>> = renamed.into_iter().map(|(asset, name)| vec![asset.into(), name.into()]).collect();
    db.upsert("asset_names", "asset", &["asset", "name"], &names)?;
    db.insert("asset_versions", &["id", "asset", "scope", "kind", "name", "digest", "body", "first_scan"], &added)
}

/// Sets `end_scan` on rows of `table`, many ids per statement.
fn end_rows(db: &mut Db, table: &str, scan: i64, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(1000) {
        let sql = format!("UPDATE {table} SET end_scan = $1 WHERE id IN ({})", placeholders(2, chunk.len()));
        let mut params: Vec<Value> = vec![scan.into()];
        params.extend(chunk.iter().map(|&id| Value::from(id)));
        db.execute(&sql, &params)?;
    }
    Ok(())
}

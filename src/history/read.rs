//! Reading the history over a window: per control, its counts in every scan, how
//! much of the window it held, each failure from first seen to fixed, and the days
//! for which there is no evidence (no scan, or only scans with coverage gaps).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use auditgraph_model::{Asset, CoverageRecord};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::db::{placeholders, Db, Value};
use super::{parse_time, time_text, Window};
use crate::findings::Outcome;
use crate::selector::Selector;

/// One stored scan.
#[derive(Clone, Debug, Serialize)]
pub struct ScanInfo {
    pub id: i64,
    pub scanned_at: String,
    #[serde(skip)]
    pub at: DateTime<Utc>,
    pub tool_version: String,
    pub controls_digest: String,
    pub assets: i64,
    pub scopes: Vec<ScopeRead>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScopeRead {
    pub cloud: String,
    pub scope: String,
    pub collected_by: Option<String>,
    pub gaps: Vec<CoverageRecord>,
}

impl ScanInfo {
    pub fn has_gaps(&self) -> bool {
        self.scopes.iter().any(|s| !s.gaps.is_empty())
    }
}

/// A control's counts in one scan.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub scan: i64,
    pub scanned_at: String,
    pub evaluated: i64,
    pub passed: i64,
    pub failed: i64,
    pub unknown: i64,
    pub accepted: i64,
}

/// One asset's failure, from the scan that first saw it failing to the one that
/// saw it fixed (a pass, or the asset gone).
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub asset: String,
    pub name: String,
    pub first_failing: String,
    /// `None`: still failing at the window's end.
    pub fixed_at: Option<String>,
    pub days_open: f64,
    /// What the latest failing scan of it said.
    pub evidence: String,
}

/// How often the control held on one asset that did not always pass.
#[derive(Clone, Debug, Serialize)]
pub struct AssetHeld {
    pub asset: String,
    pub name: String,
    /// Scans in the window that read the asset's scope and evaluated it (or could not).
    pub scans: usize,
    pub passed: usize,
    pub share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlHistory {
    pub control: String,
    pub title: String,
    pub severity: String,
    pub criteria: Vec<String>,
    pub points: Vec<Point>,
    /// Passing checks over all checks in the window's scans ("operated effectively").
    pub held: Option<f64>,
    pub failures: Vec<Failure>,
    /// Every asset that did not pass in every scan, with its share.
    pub not_always_held: Vec<AssetHeld>,
}

/// A day of the window without evidence, and why.
#[derive(Clone, Debug, Serialize)]
pub struct DayWithoutEvidence {
    pub day: NaiveDate,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryReport {
    pub from: String,
    pub to: String,
    pub scans: Vec<ScanInfo>,
    pub controls: Vec<ControlHistory>,
    pub days_without_evidence: Vec<DayWithoutEvidence>,
}

/// A stored run of one outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub control: String,
    pub asset: String,
    #[serde(skip)]
    pub scope: String,
    pub outcome: String,
    pub evidence: String,
    pub first_scan: i64,
    pub end_scan: Option<i64>,
}

/// Every scan, in the order they were committed.
pub fn scans(db: &mut Db) -> Result<Vec<ScanInfo>> {
    let mut scopes: HashMap<i64, Vec<ScopeRead>> = HashMap::new();
    for row in db.query("SELECT scan, cloud, scope, collected_by, gaps FROM scan_scopes ORDER BY scan, scope", &[])? {
        let gaps = serde_json::from_str(&row.text(4)?)?;
        scopes.entry(row.int(0)?).or_default().push(ScopeRead {
            cloud: row.text(1)?,
            scope: row.text(2)?,
            collected_by: row.opt_text(3)?,
            gaps,
        });
    }
    db.query("SELECT id, scanned_at, tool_version, controls_digest, assets FROM scans ORDER BY id", &[])?
        .into_iter()
        .map(|row| {
            let id = row.int(0)?;
            let scanned_at = row.text(1)?;
            Ok(ScanInfo {
                id,
                at: parse_time(&scanned_at)?,
                scanned_at,
                tool_version: row.text(2)?,
                controls_digest: row.text(3)?,
                assets: row.int(4)?,
                scopes: scopes.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

const RUN_COLUMNS: &str = "control, asset, scope, outcome, evidence, first_scan, end_scan";

fn run_of(row: &super::db::Row) -> Result<Run> {
    Ok(Run {
        control: row.text(0)?,
        asset: row.text(1)?,
        scope: row.text(2)?,
        outcome: row.text(3)?,
        evidence: row.text(4)?,
        first_scan: row.int(5)?,
        end_scan: row.opt_int(6)?,
    })
}

/// Every run of the given assets, in scan order.
pub fn runs_of_assets(db: &mut Db, assets: &BTreeSet<String>) -> Result<Vec<Run>> {
    let assets: Vec<&String> = assets.iter().collect();
    let mut runs = Vec::new();
    for chunk in assets.chunks(500) {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE asset IN ({})", placeholders(1, chunk.len()));
        let params: Vec<Value> = chunk.iter().map(|a| Value::from(a.as_str())).collect();
        for row in db.query(&sql, &params)? {
            runs.push(run_of(&row)?);
        }
    }
    runs.sort_by(|a, b| (&a.control, &a.asset, a.first_scan).cmp(&(&b.control, &b.asset, b.first_scan)));
    Ok(runs)
}

/// The latest name each of the assets was stored with.
pub fn names(db: &mut Db, assets: &BTreeSet<&str>) -> Result<HashMap<String, String>> {
    let mut names = HashMap::new();
    for row in db.query("SELECT asset, name FROM asset_versions ORDER BY id", &[])? {
        let asset = row.text(0)?;
        if assets.contains(asset.as_str()) {
            names.insert(asset, row.text(1)?);
        }
    }
    Ok(names)
}

/// The history of every control (or of `only`) over the window.
pub fn report(db: &mut Db, window: Window, only: Option<&str>) -> Result<HistoryReport> {
    let all = scans(db)?;
    let in_window: Vec<&ScanInfo> = all.iter().filter(|s| window.contains(s.at)).collect();
    let ids: BTreeSet<i64> = in_window.iter().map(|s| s.id).collect();
    let time_of: HashMap<i64, DateTime<Utc>> = all.iter().map(|s| (s.id, s.at)).collect();
    let mut controls: BTreeMap<String, ControlHistory> = BTreeMap::new();
    if let (Some(&first), Some(&last)) = (ids.first(), ids.last()) {
        let rows = db.query(
            "SELECT c.scan, c.control, c.title, c.severity, c.criteria, c.evaluated, c.passed, c.failed, c.unknown, \
             c.accepted FROM scan_controls c WHERE c.scan >= $1 AND c.scan <= $2 ORDER BY c.scan, c.control",
            &[first.into(), last.into()],
        )?;
        for row in rows {
            let (scan, control) = (row.int(0)?, row.text(1)?);
            if !ids.contains(&scan) || only.is_some_and(|o| o != control) {
                continue;
            }
            let entry = controls.entry(control.clone()).or_insert_with(|| ControlHistory {
                control,
                title: String::new(),
                severity: String::new(),
                criteria: Vec::new(),
                points: Vec::new(),
                held: None,
                failures: Vec::new(),
                not_always_held: Vec::new(),
            });
            // The latest scan's wording of the control.
            entry.title = row.text(2)?;
            entry.severity = row.text(3)?;
            entry.criteria = row.text(4)?.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect();
            entry.points.push(Point {
                scan,
                scanned_at: time_text(time_of[&scan]),
                evaluated: row.int(5)?,
                passed: row.int(6)?,
                failed: row.int(7)?,
                unknown: row.int(8)?,
                accepted: row.int(9)?,
            });
        }
    }
    for c in controls.values_mut() {
        let (passed, evaluated) = c.points.iter().fold((0, 0), |(p, e), pt| (p + pt.passed, e + pt.evaluated));
        c.held = (evaluated > 0).then(|| passed as f64 / evaluated as f64);
    }
    if let (Some(&first), Some(&last)) = (ids.first(), ids.last()) {
        let mut reading: HashMap<&str, Vec<i64>> = HashMap::new();
        for s in &in_window {
            for scope in &s.scopes {
                reading.entry(scope.scope.as_str()).or_default().push(s.id);
            }
        }
        let pairs = not_always_passing(db, first, last, only)?;
        let assets: BTreeSet<&str> = pairs.keys().map(|(_, asset)| asset.as_str()).collect();
        let names = names(db, &assets)?;
        for ((control, asset), runs) in &pairs {
            let Some(c) = controls.get_mut(control) else { continue };
            let runs: Vec<&Run> = runs.iter().collect();
            let name = names.get(asset.as_str()).cloned().unwrap_or_default();
            c.failures.extend(failures(&runs, asset, &name, &time_of, window));
            if let Some(held) = held_on(&runs, asset, &name, &reading) {
                c.not_always_held.push(held);
            }
        }
    }
    Ok(HistoryReport {
        from: time_text(window.from),
        to: time_text(window.to),
        days_without_evidence: days_without_evidence(&in_window, window),
        controls: controls.into_values().collect(),
        scans: in_window.into_iter().cloned().collect(),
    })
}

/// Every (control, asset) with a run other than a pass in the scans `first..=last`,
/// with all its runs up to `last` in scan order: one pass over the runs table, which
/// beats an index lookup per asset once a year of churn has touched most assets.
fn not_always_passing(
    db: &mut Db,
    first: i64,
    last: i64,
    only: Option<&str>,
) -> Result<BTreeMap<(String, String), Vec<Run>>> {
    let mut pairs: HashMap<(String, String), (bool, Vec<Run>)> = HashMap::new();
    for row in db.query(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE first_scan <= $1"), &[last.into()])? {
        let run = run_of(&row)?;
        if only.is_some_and(|o| o != run.control) {
            continue;
        }
        let counts = run.outcome != Outcome::Pass.as_str() && run.end_scan.is_none_or(|e| e > first);
        let entry = pairs.entry((run.control.clone(), run.asset.clone())).or_default();
        entry.0 |= counts;
        entry.1.push(run);
    }
    Ok(pairs
        .into_iter()
        .filter(|(_, (counts, _))| *counts)
        .map(|(pair, (_, mut runs))| {
            runs.sort_by_key(|r| r.first_scan);
            (pair, runs)
        })
        .collect())
}

/// The failures of one control on one asset that overlap the window. A failure
/// opens at the first failing (or accepted: failing, by exception) scan and stays
/// open through unknown and unread scans (neither is a fix); a pass, or the
/// asset's end, fixes it.
fn failures(
    runs: &[&Run],
    asset: &str,
    name: &str,
    time_of: &HashMap<i64, DateTime<Utc>>,
    window: Window,
) -> Vec<Failure> {
    let failing = |o: &str| o == Outcome::Fail.as_str() || o == Outcome::Accepted.as_str();
    let mut out = Vec::new();
    let mut open: Option<(i64, String)> = None;
    let close = |started: i64, fixed: Option<i64>, evidence: String, out: &mut Vec<Failure>| {
        let start = time_of[&started];
        let end = fixed.map(|f| time_of[&f]);
        if start > window.to || end.is_some_and(|e| e < window.from) {
            return;
        }
        let until = end.unwrap_or(window.to).min(window.to);
        out.push(Failure {
            asset: asset.to_string(),
            name: name.to_string(),
            first_failing: time_text(start),
            fixed_at: end.filter(|e| *e <= window.to).map(time_text),
            days_open: ((until - start).num_minutes() as f64 / (24.0 * 60.0) * 10.0).round() / 10.0,
            evidence,
        });
    };
    for (i, r) in runs.iter().enumerate() {
        if failing(&r.outcome) {
            match &mut open {
                Some((_, evidence)) => *evidence = r.evidence.clone(),
                None => open = Some((r.first_scan, r.evidence.clone())),
            }
        } else if r.outcome == Outcome::Pass.as_str() {
            if let Some((started, evidence)) = open.take() {
                close(started, Some(r.first_scan), evidence, &mut out);
            }
        }
        // The asset's last run ended without a successor: it went.
        let last = i + 1 == runs.len();
        if last {
            if let Some((started, evidence)) = open.take() {
                close(started, r.end_scan, evidence, &mut out);
            }
        }
    }
    out
}

/// The share of the window's scans (of the asset's scope) in which the control
/// passed on the asset; `None` when it passed in all of them. `reading` holds, per
/// scope, the ids of the window's scans that read it, in order.
fn held_on(runs: &[&Run], asset: &str, name: &str, reading: &HashMap<&str, Vec<i64>>) -> Option<AssetHeld> {
    let ids = reading.get(runs.first()?.scope.as_str())?;
    let (mut scans, mut passed) = (0, 0);
    // A pair's runs follow one another without overlap: count the scans each covers.
    for r in runs {
        let from = ids.partition_point(|&id| id < r.first_scan);
        let to = r.end_scan.map_or(ids.len(), |end| ids.partition_point(|&id| id < end));
        let covered = to.saturating_sub(from);
        scans += covered;
        if r.outcome == Outcome::Pass.as_str() {
            passed += covered;
        }
    }
    (scans > 0 && passed < scans).then(|| AssetHeld {
        asset: asset.to_string(),
        name: name.to_string(),
        scans,
        passed,
        share: passed as f64 / scans as f64,
    })
}

/// Each day of the window with no scan, or whose every scan had coverage gaps.
fn days_without_evidence(in_window: &[&ScanInfo], window: Window) -> Vec<DayWithoutEvidence> {
    let mut by_day: BTreeMap<NaiveDate, Vec<&ScanInfo>> = BTreeMap::new();
    for s in in_window {
        by_day.entry(s.at.date_naive()).or_default().push(s);
    }
    let mut out = Vec::new();
    let mut day = window.from.date_naive();
    while day <= window.to.date_naive() {
        match by_day.get(&day) {
            None => out.push(DayWithoutEvidence { day, why: "no scan".into() }),
            Some(scans) if scans.iter().all(|s| s.has_gaps()) => {
                let gaps: BTreeSet<String> = scans
                    .iter()
                    .flat_map(|s| s.scopes.iter())
                    .flat_map(|sc| sc.gaps.iter().map(move |g| format!("{} {}:{}", sc.scope, g.service, g.api)))
                    .collect();
                let gaps: Vec<String> = gaps.into_iter().collect();
                out.push(DayWithoutEvidence { day, why: format!("coverage gaps: {}", gaps.join(", ")) });
            }
            Some(_) => {}
        }
        day += Duration::days(1);
    }
    out
}

/// One asset's runs across controls in the window.
#[derive(Clone, Debug, Serialize)]
pub struct AssetHistory {
    pub asset: String,
    pub name: String,
    pub kind: String,
    pub runs: Vec<RunInWindow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunInWindow {
    pub control: String,
    pub outcome: String,
    pub from: String,
    /// `None`: still holds.
    pub until: Option<String>,
    pub evidence: String,
}

/// The history of every asset the selector matches (as last stored).
pub fn asset_history(db: &mut Db, selector: &Selector, window: Window) -> Result<Vec<AssetHistory>> {
    let all = scans(db)?;
    let time_of: HashMap<i64, DateTime<Utc>> = all.iter().map(|s| (s.id, s.at)).collect();
    // The last version of each asset. An id selector needs only that asset's rows,
    // and only tag and account selectors need the stored bodies.
    let needs_body = matches!(selector, Selector::Tag { .. } | Selector::Account(_));
    let columns = if needs_body { "asset, kind, name, body" } else { "asset, kind, name, ''" };
    let rows = match selector {
        Selector::Id(id) => db.query(
            &format!("SELECT {columns} FROM asset_versions WHERE asset = $1 ORDER BY id"),
            &[id.as_str().into()],
        )?,
        _ => db.query(&format!("SELECT {columns} FROM asset_versions ORDER BY id"), &[])?,
    };
    let mut latest: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for row in rows {
        latest.insert(row.text(0)?, (row.text(1)?, row.text(2)?, row.text(3)?));
    }
    let mut matched = BTreeMap::new();
    for (id, (kind, name, body)) in latest {
        let matches = match selector.matches_columns(&id, &kind, &name) {
            Some(decided) => decided,
            None => selector.matches(
                &serde_json::from_str::<Asset>(&body)
                    .map_err(|e| anyhow::anyhow!("history store: asset {id} does not read back: {e}"))?,
            ),
        };
        if matches {
            matched.insert(id, (kind, name));
        }
    }
    let runs = runs_of_assets(db, &matched.keys().cloned().collect())?;
    Ok(matched
        .into_iter()
        .map(|(asset, (kind, name))| {
            let runs = runs
                .iter()
                .filter(|r| r.asset == asset)
                .filter(|r| time_of[&r.first_scan] <= window.to && r.end_scan.is_none_or(|e| time_of[&e] > window.from))
                .map(|r| RunInWindow {
                    control: r.control.clone(),
                    outcome: r.outcome.clone(),
                    from: time_text(time_of[&r.first_scan]),
                    until: r.end_scan.map(|e| time_text(time_of[&e])),
                    evidence: r.evidence.clone(),
                })
                .collect();
            AssetHistory { asset, name, kind, runs }
        })
        .collect())
}

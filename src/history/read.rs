//! Reading the history over a window: per control, its counts in every scan, how
//! much of the window it held, each failure from first seen to fixed, and the days
//! for which there is no evidence (no scan, or only scans with coverage gaps).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use anyhow::Result;
use auditgraph_model::{Asset, CoverageRecord};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::db::{placeholders, Db, Value};
use super::{parse_time, time_text, Window};
use crate::findings::Outcome;
use crate::selector::Selector;
use crate::terminal::csv_cell;

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
    /// The coverage gaps that may hide assets: a listing or a whole scope not read.
    /// A gap on one resource leaves only that resource's checks unknown, and those
    /// already count against "held".
    pub fn listing_gaps(&self) -> impl Iterator<Item = (&ScopeRead, &CoverageRecord)> {
        self.scopes.iter().flat_map(|s| s.gaps.iter().filter(|g| g.resource.is_none()).map(move |g| (s, g)))
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
    pub asset: Arc<str>,
    pub name: Arc<str>,
    pub first_failing: Arc<str>,
    /// `None`: still failing at the window's end.
    pub fixed_at: Option<Arc<str>>,
    pub days_open: f64,
    /// What the latest failing scan of it said.
    pub evidence: String,
}

/// How often the control held on one asset that did not always pass. (The strings
/// of a report are shared: a year's report repeats each asset and scan time often.)
#[derive(Clone, Debug, Serialize)]
pub struct AssetHeld {
    pub asset: Arc<str>,
    pub name: Arc<str>,
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

impl HistoryReport {
    /// One row per control and scan: the time series.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::from("control,severity,scan,scanned_at,evaluated,passed,failed,unknown,accepted\n");
        for c in &self.controls {
            for p in &c.points {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    csv_cell(&c.control),
                    c.severity,
                    p.scan,
                    p.scanned_at,
                    p.evaluated,
                    p.passed,
                    p.failed,
                    p.unknown,
                    p.accepted
                );
            }
        }
        out
    }
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
    // A scan of a large estate reads hundreds of scopes, most without gaps.
    db.each("SELECT scan, cloud, scope, collected_by, gaps FROM scan_scopes ORDER BY scan, scope", &[], |row| {
        let gaps = match row.text(4)? {
            "[]" => Vec::new(),
            gaps => serde_json::from_str(gaps)?,
        };
        scopes.entry(row.int(0)?).or_default().push(ScopeRead {
            cloud: row.text(1)?.to_string(),
            scope: row.text(2)?.to_string(),
            collected_by: row.opt_text(3)?.map(str::to_string),
            gaps,
        });
        Ok(())
    })?;
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

/// The latest name each of the assets was stored with, by their interned ids.
fn names(db: &mut Db, assets: &Interned) -> Result<FxHashMap<u32, Arc<str>>> {
    let mut names = FxHashMap::default();
    db.each("SELECT asset, name FROM asset_names", &[], |row| {
        if let Some(id) = assets.get(row.text(0)?) {
            names.insert(id, Arc::from(row.text(1)?));
        }
        Ok(())
    })?;
    Ok(names)
}

/// The history of every control (or of `only`) over the window.
pub fn report(db: &mut Db, window: Window, only: Option<&str>) -> Result<HistoryReport> {
    let all = scans(db)?;
    let in_window: Vec<&ScanInfo> = all.iter().filter(|s| window.contains(s.at)).collect();
    let ids: BTreeSet<i64> = in_window.iter().map(|s| s.id).collect();
    let times: ScanTimes = all.iter().map(|s| (s.id, (s.at, Arc::from(s.scanned_at.as_str())))).collect();
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
                scanned_at: times[&scan].1.to_string(),
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
        let names = names(db, &pairs.assets)?;
        let unnamed: Arc<str> = Arc::from("");
        let reading: Vec<Option<&Vec<i64>>> = pairs.scopes.texts.iter().map(|s| reading.get(&**s)).collect();
        // Each pair's failures and share are its own: worked out on every core.
        let each: Vec<_> = pairs.each().collect();
        let worked: Vec<(u32, Vec<Failure>, Option<AssetHeld>)> = each
            .par_iter()
            .map(|(pair, runs)| {
                let spans: Vec<&Span> = runs.iter().map(|(_, span)| span).collect();
                let asset = pairs.assets.text(pair.asset);
                let name = names.get(&pair.asset).unwrap_or(&unnamed);
                let held = reading[pair.scope as usize].and_then(|ids| held_on(&spans, asset, name, ids));
                (pair.control, failures(&spans, asset, name, &times, window), held)
            })
            .collect();
        for (control, found, held) in worked {
            let Some(c) = controls.get_mut(&**pairs.controls.text(control)) else { continue };
            c.failures.extend(found);
            c.not_always_held.extend(held);
        }
        // Failures as they appeared; the assets on which the control held least first.
        controls.par_iter_mut().for_each(|(_, c)| {
            c.failures.sort_unstable_by(|a, b| (&a.first_failing, &a.asset).cmp(&(&b.first_failing, &b.asset)));
            c.not_always_held.sort_unstable_by(|a, b| a.share.total_cmp(&b.share).then_with(|| a.asset.cmp(&b.asset)));
        });
    }
    Ok(HistoryReport {
        from: time_text(window.from),
        to: time_text(window.to),
        days_without_evidence: days_without_evidence(&in_window, window),
        controls: controls.into_values().collect(),
        scans: in_window.into_iter().cloned().collect(),
    })
}

/// When each scan ran, as a time and as the report writes it.
type ScanTimes = FxHashMap<i64, (DateTime<Utc>, Arc<str>)>;

/// Strings read many times over (control ids, asset ids, scopes), kept once each.
#[derive(Default)]
struct Interned {
    ids: FxHashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Interned {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        let text: Arc<str> = text.into();
        self.texts.push(text.clone());
        self.ids.insert(text, id);
        id
    }

    fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    fn text(&self, id: u32) -> &Arc<str> {
        &self.texts[id as usize]
    }
}

/// What a run says about a control holding on its asset.
#[derive(Clone, Copy, PartialEq)]
enum Held {
    Passed,
    /// Failed, or accepted: failing, by exception.
    Failing,
    /// Unknown, or not read: neither a failure nor a fix.
    Neither,
}

/// One run of a pair, without what the pair already says.
struct Span {
    held: Held,
    first_scan: i64,
    end_scan: Option<i64>,
    /// What a failing run said (empty for the others).
    evidence: String,
}

/// A control on an asset.
struct Pair {
    control: u32,
    asset: u32,
    scope: u32,
    /// It did not pass in some scan of the window.
    counts: bool,
}

/// The pairs that did not always pass in the window, with their runs in scan
/// order: every run other than a pass up to the window's end, and the passes
/// within the window.
struct NotAlwaysPassing {
    controls: Interned,
    assets: Interned,
    scopes: Interned,
    pairs: Vec<Pair>,
    /// Runs by pair (an index into `pairs`), then by first scan.
    spans: Vec<(u32, Span)>,
}

impl NotAlwaysPassing {
    /// Each pair that counts with its runs.
    fn each(&self) -> impl Iterator<Item = (&Pair, &[(u32, Span)])> {
        self.spans
            .chunk_by(|a, b| a.0 == b.0)
            .map(|runs| (&self.pairs[runs[0].0 as usize], runs))
            .filter(|(pair, _)| pair.counts)
    }
}

/// Every (control, asset) with a run other than a pass in the scans `first..=last`.
/// One pass over the runs table, its text read in place: a year of churn touches
/// most assets, so an index lookup per asset would be slower. A pass is kept only
/// when it falls in the window: earlier ones matter only as the end of a failure,
/// and a failure ends where its runs stop following one another (see `failures`).
fn not_always_passing(db: &mut Db, first: i64, last: i64, only: Option<&str>) -> Result<NotAlwaysPassing> {
    let mut out = NotAlwaysPassing {
        controls: Interned::default(),
        assets: Interned::default(),
        scopes: Interned::default(),
        pairs: Vec::new(),
        spans: Vec::new(),
    };
    let mut pair_of: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    db.each(
        "SELECT control, asset, scope, outcome, evidence, first_scan, end_scan FROM runs WHERE first_scan <= $1",
        &[last.into()],
        |row| {
            let control = row.text(0)?;
            if only.is_some_and(|o| o != control) {
                return Ok(());
            }
            let held = match row.text(3)? {
                o if o == Outcome::Pass.as_str() => Held::Passed,
                o if o == Outcome::Fail.as_str() || o == Outcome::Accepted.as_str() => Held::Failing,
                _ => Held::Neither,
            };
            let end_scan = row.opt_int(6)?;
            // A run that ended at the window's first scan was seen ending in the window.
            let reaches_window = end_scan.is_none_or(|e| e >= first);
            if held == Held::Passed && !reaches_window {
                return Ok(());
            }
            let (control, asset) = (out.controls.id(control), out.assets.id(row.text(1)?));
            let pair = match pair_of.get(&(control, asset)) {
                Some(&pair) => pair,
                None => {
                    let pair = out.pairs.len() as u32;
                    let scope = out.scopes.id(row.text(2)?);
                    out.pairs.push(Pair { control, asset, scope, counts: false });
                    pair_of.insert((control, asset), pair);
                    pair
                }
            };
            out.pairs[pair as usize].counts |= reaches_window && held != Held::Passed;
            let evidence = if held == Held::Failing { row.text(4)?.to_string() } else { String::new() };
            out.spans.push((pair, Span { held, first_scan: row.int(5)?, end_scan, evidence }));
            Ok(())
        },
    )?;
    out.spans.sort_unstable_by_key(|(pair, span)| (*pair, span.first_scan));
    Ok(out)
}

/// The failures of one control on one asset that overlap the window. A failure
/// opens at the first failing scan and stays open through unknown and unread
/// scans (neither is a fix); a pass fixes it, and so does the asset's going (its
/// runs stop, and the next, if it comes back, does not start where they ended).
fn failures(spans: &[&Span], asset: &Arc<str>, name: &Arc<str>, times: &ScanTimes, window: Window) -> Vec<Failure> {
    let mut out = Vec::new();
    let close = |started: i64, fixed: Option<i64>, evidence: &str, out: &mut Vec<Failure>| {
        let (start, start_text) = &times[&started];
        let end = fixed.map(|f| &times[&f]);
        if *start > window.to || end.is_some_and(|(e, _)| *e < window.from) {
            return;
        }
        let until = end.map_or(window.to, |(e, _)| *e).min(window.to);
        out.push(Failure {
            asset: asset.clone(),
            name: name.clone(),
            first_failing: start_text.clone(),
            fixed_at: end.filter(|(e, _)| *e <= window.to).map(|(_, text)| text.clone()),
            days_open: ((until - *start).num_minutes() as f64 / (24.0 * 60.0) * 10.0).round() / 10.0,
            evidence: evidence.to_string(),
        });
    };
    // The open failure: when it started, and what its latest failing run said.
    let mut open: Option<(i64, &str)> = None;
    let mut previous_end: Option<i64> = None;
    for span in spans {
        if let Some((started, evidence)) = open {
            if previous_end != Some(span.first_scan) || span.held == Held::Passed {
                open = None;
                close(started, previous_end, evidence, &mut out);
            }
        }
        if span.held == Held::Failing {
            let started = open.map_or(span.first_scan, |(started, _)| started);
            open = Some((started, &span.evidence));
        }
        previous_end = span.end_scan;
    }
    if let Some((started, evidence)) = open {
        close(started, previous_end, evidence, &mut out);
    }
    out
}

/// The share of the window's scans of the asset's scope (`ids`, in order) in
/// which the control passed on the asset; `None` when it passed in all of them.
fn held_on(spans: &[&Span], asset: &Arc<str>, name: &Arc<str>, ids: &[i64]) -> Option<AssetHeld> {
    let (mut scans, mut passed) = (0, 0);
    // A pair's runs follow one another without overlap: count the scans each covers.
    for span in spans {
        let from = ids.partition_point(|&id| id < span.first_scan);
        let to = span.end_scan.map_or(ids.len(), |end| ids.partition_point(|&id| id < end));
        let covered = to.saturating_sub(from);
        scans += covered;
        if span.held == Held::Passed {
            passed += covered;
        }
    }
    (scans > 0 && passed < scans).then(|| AssetHeld {
        asset: asset.clone(),
        name: name.clone(),
        scans,
        passed,
        share: passed as f64 / scans as f64,
    })
}

/// Each day of the window with no scan, or whose every scan had a coverage gap that
/// may hide assets.
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
            Some(scans) if scans.iter().all(|s| s.listing_gaps().next().is_some()) => {
                let gaps: BTreeSet<String> = scans
                    .iter()
                    .flat_map(|s| s.listing_gaps())
                    .map(|(sc, g)| format!("{} {}:{}", sc.scope, g.service, g.api))
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
    // and only selectors that look past id, kind and name need the stored bodies.
    let needs_body = selector.needs_whole_asset();
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

//! `history`: how each control held over a window of stored scans, or one asset's
//! history across controls, as a table, JSON or CSV.

use std::collections::HashMap;
use std::fmt::Write;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::say_exception_problems;
use crate::cli::{HistoryArgs, TableJsonCsv};
use crate::exceptions::Exceptions;
use crate::history::read::{self, AssetHeld, AssetHistory, HistoryReport};
use crate::history::{Location, Store, Window};
use crate::terminal::{self, csv_cell};

pub fn run(args: HistoryArgs) -> Result<ExitCode> {
    let window = Window::parse(
        args.window.since.as_deref(),
        args.window.from.as_deref(),
        args.window.to.as_deref(),
        Utc::now(),
    )?;
    let mut store = Store::open_existing(Location::resolve(args.store.history.as_deref()))?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    let now = Utc::now();
    for e in exceptions.list.iter().filter(|e| !e.is_active(now)) {
        say_exception_problems(&[crate::exceptions::ExceptionStatus {
            control: e.control.clone(),
            asset: e.asset_text.clone(),
            expires: e.expires.to_string(),
            state: crate::exceptions::ExceptionState::Expired { failures: 0 },
        }]);
    }
    if let Some(selector) = &args.asset {
        let assets = store.db().read(|db| read::asset_history(db, selector, window))?;
        if assets.is_empty() {
            anyhow::bail!("--asset matches no asset the history holds");
        }
        match args.format {
            TableJsonCsv::Table => crate::say!("{}", terminal::output(&asset_table(&assets))),
            TableJsonCsv::Json => crate::sayln!("{}", serde_json::to_string_pretty(&assets)?),
            TableJsonCsv::Csv => crate::say!("{}", asset_csv(&assets)),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = store.db().read(|db| read::report(db, window, args.control.as_deref()))?;
    if let Some(control) = &args.control {
        if report.controls.is_empty() {
            anyhow::bail!("--control {control}: no scan in the window evaluated it");
        }
    }
    match args.format {
        TableJsonCsv::Table => crate::say!("{}", terminal::output(&table(&report))),
        TableJsonCsv::Json => crate::sayln!("{}", serde_json::to_string_pretty(&report)?),
        TableJsonCsv::Csv => crate::say!("{}", report.to_csv()),
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(share: Option<f64>) -> String {
    share.map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

fn table(r: &HistoryReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Window {} to {}: {} scans", r.from, r.to, r.scans.len());
    if let (Some(first), Some(last)) = (r.scans.first(), r.scans.last()) {
        let _ = writeln!(
            out,
            "  first {} (scan {}), last {} (scan {})",
            first.scanned_at, first.id, last.scanned_at, last.id
        );
        // Who read the scopes in the window's last scan.
        let mut readers: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for scope in &last.scopes {
            *readers.entry(scope.collected_by.as_deref().unwrap_or("not recorded")).or_default() += 1;
        }
        let readers: Vec<String> = readers.into_iter().map(|(who, n)| format!("{who} ({n} scopes)")).collect();
        let _ = writeln!(out, "  read by: {}", readers.join(", "));
        let digests: std::collections::BTreeSet<&str> = r.scans.iter().map(|s| s.controls_digest.as_str()).collect();
        if digests.len() > 1 {
            let _ = writeln!(out, "  the controls changed {} times in the window", digests.len() - 1);
        }
    }
    let _ = writeln!(out, "Days without evidence: {}", r.days_without_evidence.len());
    // Consecutive days for the same reason read as one range.
    let mut ranges: Vec<(chrono::NaiveDate, chrono::NaiveDate, &str)> = Vec::new();
    for d in &r.days_without_evidence {
        match ranges.last_mut() {
            Some((_, last, why)) if *why == d.why && *last + chrono::Duration::days(1) == d.day => *last = d.day,
            _ => ranges.push((d.day, d.day, &d.why)),
        }
    }
    for (first, last, why) in ranges {
        if first == last {
            let _ = writeln!(out, "  {first}  {why}");
        } else {
            let days = (last - first).num_days() + 1;
            let _ = writeln!(out, "  {first} to {last}  {why} ({days} days)");
        }
    }
    let _ = writeln!(
        out,
        "\n{:<42} {:<9} {:>5} {:>8}  {:>5} {:>5} {:>5} {:>7} {:>8}",
        "CONTROL", "SEVERITY", "SCANS", "HELD", "EVAL", "PASS", "FAIL", "UNKNOWN", "ACCEPTED"
    );
    for c in &r.controls {
        let latest = c.points.last();
        let _ = writeln!(
            out,
            "{:<42} {:<9} {:>5} {:>8}  {:>5} {:>5} {:>5} {:>7} {:>8}",
            c.control,
            c.severity,
            c.points.len(),
            percent(c.held),
            latest.map_or(0, |p| p.evaluated),
            latest.map_or(0, |p| p.passed),
            latest.map_or(0, |p| p.failed),
            latest.map_or(0, |p| p.unknown),
            latest.map_or(0, |p| p.accepted),
        );
    }
    let _ = writeln!(out, "(HELD: passing checks over all checks in the window's scans; counts: the latest scan)");
    for c in r.controls.iter().filter(|c| !c.failures.is_empty()) {
        let _ = writeln!(out, "\n{} ({}): {} failures", c.control, c.severity, c.failures.len());
        let held_on: HashMap<&str, &AssetHeld> = c.not_always_held.iter().map(|h| (&*h.asset, h)).collect();
        for f in &c.failures {
            let fixed = f.fixed_at.as_deref().map_or("still failing".to_string(), |t| format!("fixed {t}"));
            let held = held_on.get(&*f.asset);
            let _ = writeln!(
                out,
                "  {:<32} first failing {}  {}  {:.1} days open  held {}",
                f.name,
                f.first_failing,
                fixed,
                f.days_open,
                held.map_or("-".to_string(), |h| format!("{}/{} scans", h.passed, h.scans)),
            );
        }
    }
    out
}

fn asset_table(assets: &[AssetHistory]) -> String {
    let mut out = String::new();
    for a in assets {
        let _ = writeln!(out, "{} {} ({})", a.kind, a.name, a.asset);
        for r in &a.runs {
            let _ = writeln!(
                out,
                "  {:<42} {:<8} {} to {}  {}",
                r.control,
                r.outcome,
                r.from,
                r.until.as_deref().unwrap_or("now"),
                r.evidence
            );
        }
    }
    out
}

fn asset_csv(assets: &[AssetHistory]) -> String {
    let mut out = String::from("asset,name,control,outcome,from,until,evidence\n");
    for a in assets {
        for r in &a.runs {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                csv_cell(&a.asset),
                csv_cell(&a.name),
                csv_cell(&r.control),
                r.outcome,
                r.from,
                r.until.as_deref().unwrap_or(""),
                csv_cell(&r.evidence)
            );
        }
    }
    out
}

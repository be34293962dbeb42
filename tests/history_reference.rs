//! The history report against a plain reference on random series of scans: each
//! control × asset gets a random outcome per scan (or the asset is absent), the
//! scans go into a real SQLite store, and the failures (first failing, fixed,
//! days open) and the share each control held per asset over a random window
//! must be what walking the series scan by scan gives.

use std::collections::BTreeSet;

use auditgraph::findings::{ControlResult, Severity};
use auditgraph::history::read;
use auditgraph::history::record::{AssetVersion, OutcomeRecord, ScanRecord, ScopeRecord};
use auditgraph::history::{Location, Store, Window};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

const CONTROLS: [&str; 2] = ["ctl-a", "ctl-b"];
const ASSETS: usize = 3;
const SCOPE: &str = "111111111111";

/// What one scan saw of one control on one asset.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Seen {
    Absent,
    Pass,
    Fail,
    Unknown,
    Accepted,
}

impl Seen {
    fn outcome(self) -> &'static str {
        match self {
            Seen::Pass => "pass",
            Seen::Fail => "fail",
            Seen::Unknown => "unknown",
            Seen::Accepted => "accepted",
            Seen::Absent => unreachable!("an absent asset has no outcome"),
        }
    }
}

fn at(scan: usize) -> DateTime<Utc> {
    "2026-03-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(scan as i64)
}

fn asset_id(a: usize) -> String {
    format!("arn:aws:ec2:eu-west-1:{SCOPE}:volume/vol-{a}")
}

/// Scan `i` of a series: `seen[i][asset][control]`, an absent asset absent for every control.
fn record(i: usize, seen: &[Vec<Vec<Seen>>]) -> ScanRecord {
    let mut outcomes = Vec::new();
    let mut assets = Vec::new();
    for (a, by_control) in seen[i].iter().enumerate() {
        if by_control[0] == Seen::Absent {
            continue;
        }
        let (asset, name) = (asset_id(a), format!("vol-{a}"));
        let body = format!("{{\"id\":\"{asset}\",\"name\":\"{name}\"}}");
        assets.push(AssetVersion {
            asset: asset.clone(),
            scope: SCOPE.into(),
            kind: "ebs_volume".into(),
            name: name.clone(),
            digest: auditgraph::digest::sha256_hex(body.as_bytes()),
            body,
        });
        for (c, s) in by_control.iter().enumerate() {
            outcomes.push(OutcomeRecord {
                control: CONTROLS[c].into(),
                asset: asset.clone(),
                asset_name: name.clone(),
                scope: SCOPE.into(),
                outcome: s.outcome(),
                evidence: if *s == Seen::Pass { String::new() } else { format!("scan {i} says {}", s.outcome()) },
            });
        }
    }
    let controls = CONTROLS
        .iter()
        .map(|&control| {
            let count = |o: &str| outcomes.iter().filter(|r| r.control == control && r.outcome == o).count();
            ControlResult {
                control: control.into(),
                title: control.into(),
                severity: Severity::High,
                criteria: vec!["CC6.1".into()],
                description: String::new(),
                remediation: String::new(),
                evaluated: outcomes.iter().filter(|r| r.control == control).count(),
                passed: count("pass"),
                failed: count("fail"),
                unknown: count("unknown"),
                accepted: count("accepted"),
                by_cloud: Default::default(),
            }
        })
        .collect();
    let scopes = vec![ScopeRecord {
        cloud: "aws".into(),
        scope: SCOPE.into(),
        collected_at: at(i),
        collected_by: None,
        gaps: Vec::new(),
    }];
    ScanRecord {
        scanned_at: at(i),
        tool_version: "test".into(),
        controls_digest: "d".into(),
        scopes,
        controls,
        outcomes,
        assets,
    }
}

/// (control, asset, first failing, fixed at, days open), as plain scan indices.
type Episode = (String, String, usize, Option<usize>, i64);

/// (control, asset, scans that evaluated it, scans in which it passed).
type Held = (String, String, usize, usize);

/// The reference: walk each pair's series; a failure opens at the first failing
/// (or accepted) scan, stays open through unknown, and is fixed by a pass or by the
/// asset's absence; it is listed when it overlaps the window `from..=to`.
fn expected(seen: &[Vec<Vec<Seen>>], from: usize, to: usize) -> (BTreeSet<Episode>, BTreeSet<Held>) {
    let (mut episodes, mut held) = (BTreeSet::new(), BTreeSet::new());
    for a in 0..ASSETS {
        for (c, control) in CONTROLS.iter().enumerate() {
            let series: Vec<Seen> = seen.iter().map(|scan| scan[a][c]).collect();
            let mut open: Option<usize> = None;
            let mut found = Vec::new();
            for (i, s) in series.iter().enumerate() {
                match s {
                    Seen::Fail | Seen::Accepted => open = open.or(Some(i)),
                    Seen::Pass | Seen::Absent => {
                        if let Some(start) = open.take() {
                            found.push((start, Some(i)));
                        }
                    }
                    Seen::Unknown => {}
                }
            }
            if let Some(start) = open {
                found.push((start, None));
            }
            for (start, end) in found {
                if start > to || end.is_some_and(|e| e < from) {
                    continue;
                }
                let until = end.unwrap_or(to).min(to);
                let fixed = end.filter(|e| *e <= to);
                episodes.insert((control.to_string(), asset_id(a), start, fixed, (until - start) as i64));
            }
            let window = &series[from..=to];
            let evaluated = window.iter().filter(|s| **s != Seen::Absent).count();
            let passed = window.iter().filter(|s| **s == Seen::Pass).count();
            if passed < evaluated {
                held.insert((control.to_string(), asset_id(a), evaluated, passed));
            }
        }
    }
    (episodes, held)
}

fn seen() -> impl Strategy<Value = Seen> {
    prop_oneof![
        4 => Just(Seen::Pass),
        3 => Just(Seen::Fail),
        1 => Just(Seen::Unknown),
        1 => Just(Seen::Accepted),
    ]
}

/// A series of 1–10 scans; an asset is absent from a scan with odds 1 in 6.
fn series() -> impl Strategy<Value = Vec<Vec<Vec<Seen>>>> {
    let asset = (0..6u8, prop::collection::vec(seen(), CONTROLS.len())).prop_map(|(absent, by_control)| {
        if absent == 0 {
            vec![Seen::Absent; CONTROLS.len()]
        } else {
            by_control
        }
    });
    prop::collection::vec(prop::collection::vec(asset, ASSETS), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_report_is_what_walking_the_scans_gives(seen in series(), from in 0usize..10, len in 0usize..10) {
        let from = from.min(seen.len() - 1);
        let to = (from + len).min(seen.len() - 1);
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(Location::Sqlite(dir.path().join("h.db"))).unwrap();
        for i in 0..seen.len() {
            store.append(&record(i, &seen)).unwrap();
        }
        let day = |i: usize| at(i).format("%Y-%m-%d").to_string();
        let window = Window::parse(None, Some(&day(from)), Some(&day(to)), at(to)).unwrap();
        let report = store.db().read(|db| read::report(db, window, None)).unwrap();

        let scan_of = |text: &str| (0..seen.len()).find(|&i| read_time(text) == at(i)).expect("a scan's time");
        let mut episodes = BTreeSet::new();
        let mut held = BTreeSet::new();
        for c in &report.controls {
            for f in &c.failures {
                // The window ends at the end of its last day, three quarters of a day after the scan.
                let days = f.days_open - if f.fixed_at.is_none() { 0.6 } else { 0.0 };
                episodes.insert((
                    c.control.clone(),
                    f.asset.to_string(),
                    scan_of(&f.first_failing),
                    f.fixed_at.as_deref().map(scan_of),
                    days.round() as i64,
                ));
            }
            for h in &c.not_always_held {
                held.insert((c.control.clone(), h.asset.to_string(), h.scans, h.passed));
            }
        }
        let (want_episodes, want_held) = expected(&seen, from, to);
        prop_assert_eq!(episodes, want_episodes);
        prop_assert_eq!(held, want_held);
    }
}

fn read_time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

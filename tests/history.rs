//! The scan history against real stores: a week of scans of an estate that changes
//! (a failure appears and is fixed, an exception expires, a scope is denied for a
//! day, a day has no scan), with the same assertions on SQLite and on a PostgreSQL
//! server; concurrent scans; a store from a newer schema; a killed scan.

mod common;

use std::path::Path;

use auditgraph::exceptions::Exceptions;
use auditgraph::history::read::{self, ControlHistory, HistoryReport};
use auditgraph::history::{drift, Appended, Location, ScanRecord, Store, Window, SCHEMA_VERSION};
use auditgraph::source::FixtureProvider;
use chrono::{DateTime, Utc};
use serde_json::Value;

fn day(n: u32) -> DateTime<Utc> {
    format!("2026-03-{n:02}T09:00:00Z").parse().unwrap()
}

/// The demo estate, with prod-worker-2-root's volume unencrypted if asked, and the
/// staging account unreadable (its role could not be assumed) if asked.
fn write_estate(dir: &Path, worker_2_unencrypted: bool, staging_denied: bool) {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(common::demo()).unwrap().flatten() {
        let name = entry.file_name();
        if entry.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        if name == "aws-prod.json" && worker_2_unencrypted {
            let assets = doc["assets"].as_array_mut().unwrap();
            let volume = assets.iter_mut().find(|a| a["name"] == "prod-worker-2-root").unwrap();
            volume["attributes"]["encrypted"] = Value::Bool(false);
        }
        if name == "aws-staging.json" && staging_denied {
            doc["assets"] = Value::Array(Vec::new());
            doc["relations"] = Value::Array(Vec::new());
            doc["coverage"] = serde_json::json!([{
                "service": "sts", "api": "AssumeRole", "status": "access_denied",
                "detail": "AccessDenied: not authorized to perform sts:AssumeRole"
            }]);
        }
        std::fs::write(dir.join(name), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}

const EXCEPTIONS: &str = r#"
[[exception]]
control = "ebs-unencrypted"
asset = "name:prod-worker-3-root"
reason = "replaced by the March migration"
approved_by = "security@northwind.example"
expires = "2026-03-04"
"#;

fn scan_into(store: &mut Store, estate: &Path, at: DateTime<Utc>) -> Appended {
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).unwrap();
    let exceptions = Exceptions { file: None, list: Exceptions::parse(EXCEPTIONS).unwrap() };
    let mut scan = auditgraph::scan::run(FixtureProvider::new(estate).collect_sourced().unwrap(), &controls, at);
    auditgraph::scan::apply_exceptions(&mut scan, &controls, &exceptions);
    store.append(&ScanRecord::of(&scan, &controls)).unwrap()
}

fn control<'a>(r: &'a HistoryReport, id: &str) -> &'a ControlHistory {
    r.controls.iter().find(|c| c.control == id).unwrap_or_else(|| panic!("no history of {id}"))
}

/// Scans on 1–6 and 8 March; what each day brings is in the comments.
fn series(location: Location) {
    let scratch = common::scratch();
    let estate = |name: &str, worker_2: bool, denied: bool| {
        let dir = scratch.path().join(name);
        write_estate(&dir, worker_2, denied);
        dir
    };
    let (plain, worse, denied) =
        (estate("plain", false, false), estate("worse", true, false), estate("denied", false, true));
    let mut store = Store::open(location.clone()).unwrap();
    let first = scan_into(&mut store, &plain, day(1));
    assert_eq!(first.new_failures.len(), 135, "every failure is new in the first scan (one is accepted)");
    // 2 March: prod-worker-2-root's volume loses its encryption.
    let second = scan_into(&mut store, &worse, day(2));
    let names: Vec<&str> = second.new_failures.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["prod-worker-2-root"]);
    // 3 March: fixed again.
    let third = scan_into(&mut store, &plain, day(3));
    assert_eq!(third.fixed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["prod-worker-2-root"]);
    assert!(third.new_failures.is_empty());
    // 4 March: the exception's last day; 5 March: it has expired.
    scan_into(&mut store, &plain, day(4));
    let fifth = scan_into(&mut store, &plain, day(5));
    assert_eq!(fifth.new_failures.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["prod-worker-3-root"]);
    // 6 March: the staging account cannot be read. Its failures are not fixed by it.
    let sixth = scan_into(&mut store, &denied, day(6));
    assert!(sixth.fixed.is_empty() && sixth.new_failures.is_empty(), "{sixth:?}");
    // 7 March: no scan. 8 March: staging is read again; its failures are not new.
    let eighth = scan_into(&mut store, &plain, day(8));
    assert!(eighth.new_failures.is_empty() && eighth.fixed.is_empty(), "{eighth:?}");

    let window = Window::parse(None, Some("2026-03-01"), Some("2026-03-08"), day(9)).unwrap();
    let report = store.db().read(|db| read::report(db, window, None)).unwrap();
    assert_eq!(report.scans.len(), 7);
    let ebs = control(&report, "ebs-unencrypted");
    let failed: Vec<i64> = ebs.points.iter().map(|p| p.failed).collect();
    let accepted: Vec<i64> = ebs.points.iter().map(|p| p.accepted).collect();
    assert_eq!(failed, [2, 3, 2, 2, 3, 3, 3]);
    assert_eq!(accepted, [1, 1, 1, 1, 0, 0, 0]);
    let worker_2 = ebs.failures.iter().find(|f| &*f.name == "prod-worker-2-root").unwrap();
    assert_eq!(&*worker_2.first_failing, "2026-03-02T09:00:00.000Z");
    assert_eq!(worker_2.fixed_at.as_deref(), Some("2026-03-03T09:00:00.000Z"));
    assert_eq!(worker_2.days_open, 1.0);
    // Accepted is failing by exception: the failure runs from the first scan, still open.
    let worker_3 = ebs.failures.iter().find(|f| &*f.name == "prod-worker-3-root").unwrap();
    assert_eq!((&*worker_3.first_failing, worker_3.fixed_at.as_deref()), ("2026-03-01T09:00:00.000Z", None));
    assert_eq!(worker_3.days_open, 7.6, "open until the window ends (8 March, 24:00)");
    let held = |c: &ControlHistory, name: &str| {
        let h = c.not_always_held.iter().find(|h| &*h.name == name).unwrap();
        (h.passed, h.scans)
    };
    assert_eq!(held(ebs, "prod-worker-2-root"), (6, 7));
    assert_eq!(held(ebs, "prod-worker-3-root"), (0, 7), "an accepted failure never counts as held");
    // Staging's unencrypted database: failing throughout, unread on the 6th, not fixed by it.
    let rds = control(&report, "rds-unencrypted");
    let staging = rds.failures.iter().find(|f| &*f.name == "staging-customers").unwrap();
    assert_eq!((&*staging.first_failing, staging.fixed_at.as_deref()), ("2026-03-01T09:00:00.000Z", None));
    assert_eq!(held(rds, "staging-customers"), (0, 7));
    // The control held on every check but the failing ones.
    let (p, e) = rds.points.iter().fold((0, 0), |(p, e), pt| (p + pt.passed, e + pt.evaluated));
    assert_eq!(rds.held, Some(p as f64 / e as f64));
    assert!(rds.points[5].evaluated < rds.points[4].evaluated, "staging's databases were not evaluated on the 6th");
    let days: Vec<(String, String)> =
        report.days_without_evidence.iter().map(|d| (d.day.to_string(), d.why.clone())).collect();
    assert_eq!(
        days,
        [
            ("2026-03-06".to_string(), "coverage gaps: 222222222222 sts:AssumeRole".to_string()),
            ("2026-03-07".to_string(), "no scan".to_string())
        ]
    );
    // One asset across controls.
    let assets =
        store.db().read(|db| read::asset_history(db, &"name:prod-worker-2-root".parse().unwrap(), window)).unwrap();
    let runs: Vec<(&str, &str)> = assets[0]
        .runs
        .iter()
        .filter(|r| r.control == "ebs-unencrypted")
        .map(|r| (r.outcome.as_str(), r.from.as_str()))
        .collect();
    assert_eq!(
        runs,
        [
            ("pass", "2026-03-01T09:00:00.000Z"),
            ("fail", "2026-03-02T09:00:00.000Z"),
            ("pass", "2026-03-03T09:00:00.000Z")
        ]
    );
    // Every kind of selector picks the assets it picks in the estate, whether the
    // store decides it from its columns (id, kind, class, name) or the bodies.
    let estate = FixtureProvider::new(&plain).collect_sourced().unwrap();
    let all: Vec<&auditgraph_model::Asset> = estate.iter().flat_map(|s| s.inventory.assets.iter()).collect();
    for selector in [
        format!("id:{}", all[7].id),
        "kind:aws_ebs_volume".into(),
        "class:data_store".into(),
        "name:prod-app-*".into(),
        "tag:env=prod".into(),
        "account:222222222222".into(),
    ] {
        let parsed: auditgraph::selector::Selector = selector.parse().unwrap();
        let mut want: Vec<String> = all.iter().filter(|a| parsed.matches(a)).map(|a| a.id.to_string()).collect();
        want.sort();
        want.dedup();
        let got: Vec<String> = store
            .db()
            .read(|db| read::asset_history(db, &parsed, window))
            .unwrap()
            .into_iter()
            .map(|a| a.asset)
            .collect();
        assert!(!want.is_empty(), "{selector} matches something in the demo");
        assert_eq!(got, want, "{selector}");
    }
    // Drift since the 1st, read from the store: the failure and the change, as lines.
    let d = store
        .db()
        .read(|db| {
            let w = Window::parse(None, Some("2026-03-01T10:00:00Z"), Some("2026-03-02T10:00:00Z"), day(9))?;
            let (old, new, note) = drift::scans_for(db, w)?;
            drift::between(db, &old, &new, note)
        })
        .unwrap();
    assert_eq!((d.old_scan, d.new_scan), (1, 2));
    assert_eq!(
        d.failures_appeared.iter().map(|f| (f.control.as_str(), f.name.as_str())).collect::<Vec<_>>(),
        [("ebs-unencrypted", "prod-worker-2-root")]
    );
    assert!(d.failures_fixed.is_empty() && d.assets_added.is_empty() && d.assets_removed.is_empty());
    assert_eq!(d.assets_changed.len(), 1);
    assert_eq!(d.assets_changed[0].lines, ["-encrypted = true", "+encrypted = false"]);
    // The denied day: staging's assets are not taken for removed.
    let d = store
        .db()
        .read(|db| {
            let all = read::scans(db)?;
            drift::between(db, &all[4], &all[5], None)
        })
        .unwrap();
    assert!(d.assets_removed.is_empty() && d.failures_fixed.is_empty(), "{:?}", d.assets_removed.len());
}

#[test]
fn a_week_of_scans_in_sqlite() {
    let dir = common::scratch();
    series(Location::Sqlite(dir.path().join("history.db")));
}

#[test]
fn a_week_of_scans_in_postgresql_and_concurrent_scans() {
    let server = common::postgres::start();
    series(Location::Postgres(server.database("series")));
    // The command line writes to and reads from the same server.
    let url = server.database("cli");
    let dir = common::scratch();
    let demo = common::demo();
    for _ in 0..2 {
        let run = common::auditgraph(dir.path(), &["scan", demo.to_str().unwrap(), "--history", &url]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(&format!("appended to {url}")), "{}", run.stdout);
    }
    let run = common::auditgraph(dir.path(), &["history", "--history", &url, "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    assert_eq!(json["scans"].as_array().unwrap().len(), 2);
    assert!(!dir.path().join(".auditgraph/history.db").exists(), "nothing went to SQLite");
    concurrent_scans_both_land(Location::Postgres(server.database("concurrent")));
    a_newer_store_is_refused(Location::Postgres(server.database("newer")));
}

#[test]
fn concurrent_scans_both_land_in_sqlite() {
    let dir = common::scratch();
    concurrent_scans_both_land(Location::Sqlite(dir.path().join("history.db")));
    a_newer_store_is_refused(Location::Sqlite(dir.path().join("newer.db")));
}

/// Four scans that meet a new store at once (all migrating it) and write at once:
/// each lands whole, and each compares itself with the one before.
fn concurrent_scans_both_land(location: Location) {
    let results: Vec<Appended> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let location = location.clone();
                s.spawn(move || {
                    let mut store = Store::open(location).unwrap();
                    scan_into(&mut store, &common::demo(), day(1 + i))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ids: Vec<i64> = results.iter().map(|a| a.scan).collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3, 4]);
    let mut new: Vec<usize> = results.iter().map(|a| a.new_failures.len()).collect();
    new.sort();
    assert_eq!(new, [0, 0, 0, 135]);
    let mut store = Store::open(location).unwrap();
    let report =
        store.db().read(|db| read::report(db, Window::parse(Some("3650d"), None, None, day(9))?, None)).unwrap();
    assert_eq!(report.scans.len(), 4);
    assert!(report.controls.iter().all(|c| c.points.len() == 4));
}

fn a_newer_store_is_refused(location: Location) {
    let mut store = Store::open(location.clone()).unwrap();
    store.db().execute("UPDATE auditgraph_schema SET version = 99", &[]).unwrap();
    drop(store);
    let err = Store::open(location).err().expect("a newer store is refused").to_string();
    let expected = format!("has schema version 99, newer than this auditgraph reads (version {})", SCHEMA_VERSION);
    assert!(err.contains(&expected), "{err}");
}

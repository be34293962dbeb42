//! The history store over a year: scans a synthetic estate once (written first if
//! the folder is empty), then appends DAYS daily scans of it to a fresh SQLite store
//! with churn each day (1% of assets changed, 0.2% removed and 0.2% added, FLIPS% of
//! outcomes flipped), and times each append, `history` over the whole window, one
//! asset's history and the drift between the first and the last day (each read the
//! median of five).
//!
//!   cargo bench --bench history -- DIR [ASSETS] [DAYS] [FLIPS]   (default: 100000 assets, 365 days, 0.5%)
//!   /usr/bin/time -v target/release/deps/history-* DIR   for peak memory
//!
//! With HISTORY_BENCH_STORE=FILE the store is kept there, and a store that already
//! holds DAYS scans is read again without appending (to time the reading alone).

use std::time::Instant;

use auditgraph::history::read;
use auditgraph::history::record::{AssetVersion, OutcomeRecord, ScanRecord};
use auditgraph::history::{drift, Location, Store, Window};
use auditgraph::source::FixtureProvider;
use chrono::Duration;

/// The allocator the auditgraph binary uses, so that the numbers are its numbers.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small, fixed-seed generator: the same churn on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let dir = std::path::PathBuf::from(args.first().map(String::as_str).unwrap_or("/tmp/auditgraph-bench-100k"));
    let assets: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let days: i64 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(365);
    let flips: f64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(0.5);
    if !dir.exists() {
        auditgraph::synth::generate(assets, 1, &dir).expect("synth writes the estate");
    }
    let controls = auditgraph::controls::load_dir(&auditgraph::scan::queries_dir(None)).expect("the controls load");
    let start = "2026-01-01T06:00:00Z".parse().expect("a time");
    let scan = auditgraph::scan::run(
        FixtureProvider::new(&dir).collect_sourced().expect("the estate reads"),
        &controls,
        start,
    );
    let mut record = ScanRecord::of(&scan, &controls);
    drop(scan);
    eprintln!("estate: {} assets, {} control x asset outcomes per scan", record.assets.len(), record.outcomes.len());

    let work = tempfile::tempdir().expect("a scratch folder");
    let path = std::env::var_os("HISTORY_BENCH_STORE").map_or_else(|| work.path().join("history.db"), Into::into);
    let mut store = Store::open(Location::Sqlite(path.clone())).expect("the store opens");
    let held = store.db().query("SELECT COUNT(*) FROM scans", &[]).expect("the store reads")[0].int(0).unwrap_or(0);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut appends = vec![f64::NAN];
    for day in (0..days).filter(|_| held < days) {
        if day == 0 {
            appends.clear();
        }
        if day > 0 {
            churn(&mut record, &mut rng, day, flips);
        }
        record.scanned_at = start + Duration::days(day);
        let t = Instant::now();
        store.append(&record).expect("the scan appends");
        appends.push(t.elapsed().as_secs_f64());
    }
    store.db().batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("the log is checkpointed");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    let window = Window::parse(Some(&format!("{days}d")), None, None, start + Duration::days(days)).unwrap();
    let (history, report) =
        median_of(5, || store.db().read(|db| read::report(db, window, None)).expect("history reads"));
    let failures: usize = report.controls.iter().map(|c| c.failures.len()).sum();
    let one = record.assets[record.assets.len() / 2].asset.clone();
    let selector = format!("id:{one}").parse().expect("a selector");
    let (asset_history, _) = median_of(5, || {
        store.db().read(|db| read::asset_history(db, &selector, window)).expect("one asset's history reads")
    });
    let (drift_time, d) = median_of(5, || {
        store
            .db()
            .read(|db| {
                let all = read::scans(db)?;
                drift::between(db, &all[0], &all[all.len() - 1], None)
            })
            .expect("drift reads")
    });

    let mut sorted = appends.clone();
    sorted.sort_by(f64::total_cmp);
    let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!("| scans | assets | outcomes flipped a day | store size | first append | append median | append p95 | append max | history over the window | one asset's history | drift first to last |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {days} | {} | {flips}% | {:.0} MB | {:.2} s | {:.3} s | {:.3} s | {:.3} s | {history:.3} s ({} controls, {failures} failures) | {asset_history:.3} s | {drift_time:.3} s ({} changed, {} added, {} removed) |",
        record.assets.len(),
        size as f64 / 1e6,
        appends[0],
        pick(0.5),
        pick(0.95),
        sorted[sorted.len() - 1],
        report.controls.len(),
        d.assets_changed.len(),
        d.assets_added.len(),
        d.assets_removed.len(),
    );
}

/// The median time of `n` runs of `work`, and what the last one returned.
fn median_of<T>(n: usize, mut work: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(n);
    let mut out = None;
    for _ in 0..n {
        let t = Instant::now();
        out = Some(work());
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[n / 2], out.expect("at least one run"))
}

/// One day's change: some assets edited, removed and added, some outcomes flipped.
fn churn(record: &mut ScanRecord, rng: &mut Rng, day: i64, flips: f64) {
    let n = record.assets.len();
    for _ in 0..n / 100 {
        let a = &mut record.assets[rng.below(n)];
        edit(a, &format!("\"churn-{day}\":\"yes\""));
    }
    let mut removed = std::collections::HashSet::new();
    for _ in 0..n / 500 {
        removed.insert(record.assets[rng.below(n)].asset.clone());
    }
    record.assets.retain(|a| !removed.contains(&a.asset));
    record.outcomes.retain(|o| !removed.contains(&o.asset));
    let mut added = Vec::new();
    let mut added_outcomes = Vec::new();
    for i in 0..n / 500 {
        let model = &record.assets[rng.below(record.assets.len())];
        let id = format!("{}-added-{day}-{i}", model.asset);
        let mut copy = AssetVersion { asset: id.clone(), ..model.clone() };
        copy.body = copy.body.replacen(&model.asset, &id, 1);
        edit(&mut copy, "");
        added_outcomes.extend(
            record
                .outcomes
                .iter()
                .filter(|o| o.asset == model.asset)
                .map(|o| OutcomeRecord { asset: id.clone(), ..o.clone() }),
        );
        added.push(copy);
    }
    record.assets.extend(added);
    record.outcomes.extend(added_outcomes);
    let m = record.outcomes.len();
    for _ in 0..(m as f64 * flips / 100.0) as usize {
        let o = &mut record.outcomes[rng.below(m)];
        if o.outcome == "pass" {
            o.outcome = "fail";
            o.evidence = format!("changed on day {day}");
        } else {
            o.outcome = "pass";
            o.evidence = String::new();
        }
    }
}

/// A new version of the asset: a tag added (none when `tag` is empty), the digest made again.
fn edit(a: &mut AssetVersion, tag: &str) {
    if !tag.is_empty() {
        a.body = if a.body.contains("\"tags\":{") {
            a.body.replacen("\"tags\":{", &format!("\"tags\":{{{tag},"), 1)
        } else {
            a.body.replacen("\"attributes\":", &format!("\"tags\":{{{tag}}},\"attributes\":"), 1)
        };
    }
    a.digest = auditgraph::digest::sha256_hex(a.body.as_bytes());
}

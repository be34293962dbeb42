//! The history from the command line: `scan` appends (or not), `history` in its
//! three formats, `diff --since`, exceptions, the exit code for new failures, the
//! webhook (against Python's own HTTP server on 127.0.0.1), clear errors for a
//! store that cannot be used, and a scan killed at any moment.

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{auditgraph, demo, scratch};
use serde_json::Value;

fn scan(dir: &Path, extra: &[&str]) -> common::Run {
    let demo = demo();
    let mut args = vec!["scan", demo.to_str().unwrap()];
    args.extend_from_slice(extra);
    auditgraph(dir, &args)
}

#[test]
fn scans_append_and_history_reads_them_in_every_format() {
    let dir = scratch();
    let first = scan(dir.path(), &["--fail-on-new"]);
    assert_eq!(first.code, 3, "the first scan's failures are all new: {}", first.stderr);
    assert!(first.stdout.contains("History: scan 1 appended to .auditgraph/history.db (136 new failures, 0 fixed"));
    let second = scan(dir.path(), &["--fail-on-new"]);
    assert_eq!(second.code, 0, "nothing new the second time: {}", second.stdout);
    let table = auditgraph(dir.path(), &["history"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("2 scans"), "{}", table.stdout);
    assert!(
        table.stdout.lines().any(|l| l.starts_with("admin-port-internet") && l.contains("92.3%")),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("prod-bastion"));
    let json: Value = serde_json::from_str(&auditgraph(dir.path(), &["history", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["scans"].as_array().unwrap().len(), 2);
    let controls = json["controls"].as_array().unwrap();
    assert_eq!(controls.len(), common::controls_in_the_repository());
    assert!(controls.iter().all(|c| c["points"].as_array().unwrap().len() == 2));
    let csv = auditgraph(dir.path(), &["history", "--format", "csv", "--control", "bucket-public"]).stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "control,severity,scan,scanned_at,evaluated,passed,failed,unknown,accepted");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("bucket-public,critical,1,") && lines[1].ends_with(",17,12,5,0,0"), "{csv}");
    let asset = auditgraph(dir.path(), &["history", "--asset", "name:prod-bastion"]);
    assert!(asset.stdout.lines().any(|l| l.contains("admin-port-internet") && l.contains("fail")), "{}", asset.stdout);
    let drift = auditgraph(dir.path(), &["diff", "--since", "1d"]);
    assert_eq!(drift.code, 0, "{}", drift.stderr);
    assert!(drift.stdout.starts_with("Drift from scan 1 ("), "{}", drift.stdout);
    assert!(drift.stdout.contains("Failures that appeared (0)") && drift.stdout.contains("Assets changed (0)"));
    // An unknown control, and a window with nothing in it, are said.
    let none = auditgraph(dir.path(), &["history", "--control", "no-such-control"]);
    assert_eq!(
        (none.code, none.stderr.trim()),
        (2, "error: --control no-such-control: no scan in the window evaluated it")
    );
}

#[test]
fn no_history_writes_none_and_history_says_where_it_looked() {
    let dir = scratch();
    assert_eq!(scan(dir.path(), &["--no-history"]).code, 0);
    assert!(!dir.path().join(".auditgraph/history.db").exists());
    let run = auditgraph(dir.path(), &["history"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim(), "error: no history store at .auditgraph/history.db: `auditgraph scan` creates it");
}

#[test]
fn exceptions_accept_failures_and_say_what_is_wrong_with_them() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("exceptions.toml"),
        r#"
[[exception]]
control = "admin-port-internet"
asset = "name:prod-bastion"
reason = "bastion replaced by SSM in Q1"
approved_by = "ciso@northwind.example"
expires = "2099-12-31"

[[exception]]
control = "admin-port-internet"
asset = "name:jupyter-1"
reason = "research box"
approved_by = "ciso@northwind.example"
expires = "2020-01-31"

[[exception]]
control = "no-such-control"
asset = "name:prod-bastion"
reason = "typo"
approved_by = "ciso@northwind.example"
expires = "2099-12-31"

[[exception]]
control = "bucket-public"
asset = "name:nothing-is-called-this"
reason = "stale"
approved_by = "ciso@northwind.example"
expires = "2099-12-31"
"#,
    )
    .unwrap();
    let run = scan(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains("135 findings failed, 8 unknown (not collected or not decided), 1 accepted by exceptions"));
    let warnings: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("warning: exception")).collect();
    assert_eq!(
        warnings,
        [
            "warning: exception for admin-port-internet on name:jupyter-1 expired on 2020-01-31: 1 failure(s) it covered count again",
            "warning: exception for no-such-control on name:prod-bastion: no control `no-such-control` is loaded",
            "warning: exception for bucket-public on name:nothing-is-called-this: `name:nothing-is-called-this` matches no asset the control evaluates",
        ]
    );
    let findings = auditgraph(dir.path(), &["findings"]);
    let accepted = findings.stdout.split("== ACCEPTED BY EXCEPTIONS (1)").nth(1).expect("listed apart");
    assert!(accepted.contains("admin-port-internet") && accepted.contains("prod-bastion"));
    assert!(
        accepted.contains("accepted by exception: bastion replaced by SSM in Q1 (approved by ciso@northwind.example")
    );
    let sarif: Value =
        serde_json::from_str(&auditgraph(dir.path(), &["findings", "--format", "sarif"]).stdout).unwrap();
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["suppressions"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["status"], "accepted");
    let controls = auditgraph(dir.path(), &["controls"]).stdout;
    let row = controls.lines().find(|l| l.starts_with("admin-port-internet")).unwrap();
    assert!(row.split_whitespace().rev().take(4).eq(["1", "0", "1", "24"]), "{row}");
    let history = auditgraph(dir.path(), &["history", "--control", "admin-port-internet", "--format", "json"]);
    let json: Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(json["controls"][0]["points"][0]["accepted"], 1);
    // A bad file is one line naming it.
    std::fs::write(dir.path().join("exceptions.toml"), "[[exception]]\ncontrol = 1\n").unwrap();
    let bad = auditgraph(dir.path(), &["findings"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("error: exceptions.toml: "), "{}", bad.stderr);
}

/// Python's HTTP server on 127.0.0.1, writing each POST body to a file; stopped by PID.
struct Webhook {
    child: Child,
    port: u16,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn webhook(out: &Path) -> Webhook {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = r#"
import sys, http.server
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f:
            f.write(self.headers["Content-Type"].encode() + b"\n" + body + b"\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
"#;
    let child = Command::new("python3")
        .args(["-c", script, &port.to_string(), out.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the webhook server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Webhook { child, port }
}

#[test]
fn notify_posts_new_and_fixed_failures_and_hides_the_webhook_path() {
    let dir = scratch();
    let received = dir.path().join("received");
    let hook = webhook(&received);
    let url = format!("http://127.0.0.1:{}/services/T0/B0/secret-token", hook.port);
    let run = scan(dir.path(), &["--notify", &url]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&received).unwrap();
    let (content_type, body) = text.split_once('\n').unwrap();
    assert_eq!(content_type, "application/json");
    let body: Value = serde_json::from_str(body.trim()).unwrap();
    assert_eq!(body["scan"], 1);
    assert_eq!(body["new_failures"].as_array().unwrap().len(), 136);
    assert!(body["new_failures"].as_array().unwrap().iter().any(|c| c["name"] == "prod-bastion"));
    assert_eq!(body["fixed"], Value::Array(Vec::new()));
    drop(hook);
    // A webhook that cannot be reached fails the scan with its host, never its path.
    let run = scan(dir.path(), &["--notify", &url]);
    assert_eq!(run.code, 2);
    assert!(run
        .stderr
        .contains(&format!("--notify http://127.0.0.1:{}", url.split(':').nth(2).unwrap().split('/').next().unwrap())));
    assert!(!run.stderr.contains("secret-token"), "{}", run.stderr);
}

#[test]
fn a_store_that_cannot_be_used_is_one_clear_line() {
    let dir = scratch();
    std::fs::write(dir.path().join("not-a-db"), "hello, this is text").unwrap();
    let run = scan(dir.path(), &["--history", "not-a-db"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: history store not-a-db: not a SQLite database?"), "{}", run.stderr);
    let run = scan(dir.path(), &["--history", "postgres://audit:hunter2@127.0.0.1:1/history"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: history store postgres://audit:***@127.0.0.1:1/history: cannot connect"));
    assert!(!run.stderr.contains("hunter2"));
    let env = common::run(
        Command::new(env!("CARGO_BIN_EXE_auditgraph"))
            .args(["history"])
            .env("AUDITGRAPH_HISTORY", "postgres://audit:hunter2@127.0.0.1:1/history")
            .current_dir(dir.path()),
    );
    assert!(env.stderr.contains("postgres://audit:***@127.0.0.1:1/history"), "{}", env.stderr);
}

/// A scan killed at any point leaves the store as it was, or with the scan whole.
#[test]
fn a_killed_scan_leaves_the_history_consistent() {
    let dir = scratch();
    let estate = dir.path().join("estate");
    assert_eq!(
        auditgraph(dir.path(), &["synth", "--assets", "3000", "--seed", "3", "-o", estate.to_str().unwrap()]).code,
        0
    );
    let db = dir.path().join("history.db");
    let started = Instant::now();
    let whole = auditgraph(dir.path(), &["scan", estate.to_str().unwrap(), "--history", db.to_str().unwrap()]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let full = started.elapsed();
    let mut landed = 1;
    for tenth in 3..=10 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_auditgraph"))
            .args(["scan", estate.to_str().unwrap(), "--history", db.to_str().unwrap()])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * tenth / 10);
        let _ = child.kill();
        if child.wait().unwrap().success() {
            landed += 1;
        }
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let scans: i64 = conn.query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0)).unwrap();
        assert!(scans >= landed, "a scan that ended well is in the store");
        landed = scans;
        // The latest scan is whole: its outcomes are exactly the checks its counts say it made.
        let latest: i64 = conn.query_row("SELECT MAX(id) FROM scans", [], |r| r.get(0)).unwrap();
        let evaluated: i64 =
            conn.query_row("SELECT SUM(evaluated) FROM scan_controls WHERE scan = ?1", [latest], |r| r.get(0)).unwrap();
        let holding: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM runs WHERE first_scan <= ?1 AND (end_scan IS NULL OR end_scan > ?1)",
                [latest],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(holding, evaluated, "after a kill at {tenth}/10 of a scan");
    }
}

#[test]
fn diff_runs_forward_whichever_snapshot_is_named_first() {
    let dir = scratch();
    assert_eq!(scan(dir.path(), &["--out", "older.json", "--no-history"]).code, 0);
    assert_eq!(scan(dir.path(), &["--out", "newer.json", "--no-history"]).code, 0);
    let forward = auditgraph(dir.path(), &["diff", "older.json", "newer.json"]);
    let named_backwards = auditgraph(dir.path(), &["diff", "newer.json", "older.json"]);
    assert_eq!(named_backwards.stdout, forward.stdout);
    assert!(named_backwards.stderr.contains("named newest first; comparing the older with the newer"));
    assert!(forward.stderr.is_empty(), "{}", forward.stderr);
}

#[test]
fn every_scans_again_until_stopped() {
    let dir = scratch();
    let demo = demo();
    let mut child = Command::new(env!("CARGO_BIN_EXE_auditgraph"))
        .args(["scan", demo.to_str().unwrap(), "--every", "1s", "--out", "snap.json"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = dir.path().join(".auditgraph/history.db");
    let deadline = Instant::now() + Duration::from_secs(60);
    let scans = loop {
        let n: i64 = rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0)))
            .unwrap_or(0);
        if n >= 3 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(scans >= 3, "three scans in a minute at one a second: {scans}");
}

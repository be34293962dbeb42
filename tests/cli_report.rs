//! End-to-end: the HTML report of the demo estate opened in Debian's headless
//! Chromium: nothing loaded from elsewhere, no console error, the sections and
//! counts in the DOM, the findings filtered by the page's script, and an asset
//! named like markup shown as text.

mod common;

use std::path::Path;

use common::{auditgraph, browser, demo, scratch};
use serde_json::Value;

const HOSTILE: &str = "<script>alert(1)</script>open-datasets";

/// The demo estate with one failing bucket renamed to markup, scanned into `s.json`.
fn scanned_with_hostile_name(dir: &Path) {
    let estate = dir.join("estate");
    std::fs::create_dir(&estate).unwrap();
    for entry in std::fs::read_dir(demo()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replace("\"name\": \"northwind-open-datasets\"", &format!("\"name\": {:?}", HOSTILE));
            std::fs::write(estate.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let scan = auditgraph(dir, &["scan", "estate", "--out", "s.json"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
}

#[test]
fn the_report_opens_in_a_real_browser_with_its_sections_counts_and_no_request() {
    let dir = scratch();
    scanned_with_hostile_name(dir.path());
    let run = auditgraph(dir.path(), &["report", "s.json", "-o", "report.html"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = dir.path().join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(r#"http-equiv="Content-Security-Policy" content="default-src 'none';"#));
    for attribute in ["src=\"http", "href=\"http", "src='http", "url(http", "@import", "<link"] {
        assert!(!html.contains(attribute), "the page loads nothing from elsewhere ({attribute})");
    }
    assert!(!html.contains("<script>alert"), "the name is escaped wherever it is written");

    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let findings = snapshot["findings"].as_array().unwrap().len();
    let failed: u64 = snapshot["controls"].as_array().unwrap().iter().map(|c| c["failed"].as_u64().unwrap()).sum();

    let loaded = browser::load(&page, "");
    // The console works (the page's own line is there) and holds nothing else: no
    // script error, and no refused request (the policy would log one).
    assert_eq!(loaded.console.len(), 1, "{:#?}", loaded.console);
    assert!(
        loaded.console[0].contains(&format!("auditgraph report ready: {findings} findings")),
        "{:?}",
        loaded.console
    );
    let dom = &loaded.dom;
    assert!(dom.contains(r#"data-ready="true""#), "the script ran to its end");
    for section in ["summary", "criteria", "controls", "findings", "boundary", "diagrams", "gaps", "scan"] {
        assert!(dom.contains(&format!(r#"<section id="{section}">"#)), "section {section}");
    }
    assert!(dom.contains(&format!("<b>{failed}</b>failed")), "the failed count");
    assert!(dom.contains(&format!("rows 1–50 of {findings}")), "the findings, a page at a time");
    assert_eq!(dom.matches("<tr data-outcome=").count(), 50);
    assert_eq!(dom.matches("<svg").count(), 3, "three diagrams inline");
    // The hostile name is text in the table, and added no script to the page.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;open-datasets"), "shown as text");
    assert_eq!(dom.matches("<script").count(), 4, "the page's own scripts only");
    // Hop-by-hop evidence of a path.
    assert!(dom.contains("<li>internet → "), "paths are listed hop by hop");

    // One control's findings, as its link in the criteria table opens them.
    let filtered = browser::load(&page, "#control=admin-port-internet").dom;
    let expected =
        snapshot["findings"].as_array().unwrap().iter().filter(|f| f["control"] == "admin-port-internet").count();
    assert!(expected > 0);
    assert!(filtered.contains(&format!("rows 1–{expected} of {expected}")), "filtered to the control");
    assert_eq!(filtered.matches("<tr data-outcome=").count(), expected);

    let png = dir.path().join("report.png");
    browser::screenshot(&page, &png, 1300, 2000);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "a screenshot with something on it");
}

#[test]
fn the_report_refuses_other_controls_than_the_scan_s() {
    let dir = scratch();
    assert_eq!(auditgraph(dir.path(), &["scan", demo().to_str().unwrap(), "--out", "s.json"]).code, 0);
    let queries = dir.path().join("q/queries");
    std::fs::create_dir_all(&queries).unwrap();
    for (from, to) in [("queries", queries.clone()), ("frameworks", dir.path().join("q/frameworks"))] {
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(common::root().join(from)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    std::fs::remove_file(queries.join("bucket-public.toml")).unwrap();
    for framework in std::fs::read_dir(dir.path().join("q/frameworks")).unwrap() {
        let path = framework.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let unmapped = text
            .replace("\"bucket-public\", ", "")
            .replace(", \"bucket-public\"", "")
            .replace("[\"bucket-public\"]", "[]");
        std::fs::write(&path, unmapped).unwrap();
    }
    let run = auditgraph(dir.path(), &["report", "s.json", "-o", "r.html", "--queries", "q/queries"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("scanned with other controls"), "{}", run.stderr);
    assert!(!dir.path().join("r.html").exists());
}

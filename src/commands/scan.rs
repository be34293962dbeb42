//! `scan`: reads inventories and crawls clouds, runs the pipeline, prints the
//! summary and writes the snapshot. Each cloud's provider is registered here.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use auditgraph_model::{Cloud, Inventory, Provider};
use chrono::Utc;

use super::gate;
use crate::atomic_file;
use crate::cli::ScanArgs;
use crate::exceptions::Exceptions;
use crate::findings::{Finding, Outcome, Severity};
use crate::history;
use crate::scan;
use crate::snapshot::Snapshot;
use crate::source::{FixtureProvider, SourcedInventory};
use crate::summary::scan_summary;
use crate::terminal;

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let Some(every) = args.every else { return scan_once(&args) };
    let every = every.to_std().map_err(|_| anyhow::anyhow!("--every must be a positive span"))?;
    loop {
        let started = std::time::Instant::now();
        // One failed scan (credentials expired, a store unreachable) is said, and the next one still runs.
        if let Err(e) = scan_once(&args) {
            let _ = terminal::write_stderr_line(&format!("error: {e:#}"));
        }
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
}

fn scan_once(args: &ScanArgs) -> Result<ExitCode> {
    let mut timer = scan::Timer::new(args.timings);
    let queries = scan::queries_dir(args.queries.as_deref());
    let controls = crate::controls::load_dir(&queries)?;
    let exceptions = Exceptions::load(args.exceptions.exceptions.as_deref())?;
    // Opened before the crawl, so that a store that cannot be used stops the scan early.
    let mut store = match args.no_history {
        true => None,
        false => Some(history::Store::open(history::Location::resolve(args.history.history.as_deref()))?),
    };
    let mut inventories = Vec::new();
    for path in &args.paths {
        inventories.extend(FixtureProvider::new(path).collect_sourced()?);
    }
    if let Some(out) = &args.out {
        atomic_file::refuse_clash(out, "snapshot")?;
    }
    for cloud in Cloud::ALL.into_iter().filter(|&cloud| requested(cloud, args)) {
        let crawled = provider(cloud, args)?.collect()?;
        if let Some(dir) = &args.save_inventory {
            save_inventories(dir, &crawled)?;
        }
        inventories.extend(crawled.into_iter().map(|i| SourcedInventory::new(i, cloud.as_str())));
    }
    timer.lap("read inventories");
    let scanned_at = Utc::now();
    let mut result = scan::run_timed(inventories, &controls, scanned_at, &mut timer);
    let exception_states = scan::apply_exceptions(&mut result, &controls, &exceptions);
    let out = args.out.clone().unwrap_or_else(|| Snapshot::default_path(scanned_at));
    result.snapshot().write(&out)?;
    timer.lap("write snapshot");
    let appended = match &mut store {
        Some(store) => {
            let appended = store.append(&history::ScanRecord::of(&result, &controls))?;
            timer.lap("append to history");
            Some((appended, store.location.to_string()))
        }
        None => None,
    };
    crate::say!("{}", terminal::output(&scan_summary(&result.graph)));
    let findings = &result.evaluation.findings;
    let failed: Vec<&Finding> = findings.iter().filter(|f| f.outcome == Outcome::Fail).collect();
    let accepted = findings.iter().filter(|f| f.outcome == Outcome::Accepted).count();
    crate::sayln!(
        "\nControls: {} from {} evaluated; {} findings failed, {} unknown (not collected or not decided){}",
        controls.len(),
        terminal::field(&queries.display().to_string()),
        failed.len(),
        findings.iter().filter(|f| f.outcome == Outcome::Unknown).count(),
        if accepted > 0 { format!(", {accepted} accepted by exceptions") } else { String::new() }
    );
    for sev in Severity::ALL {
        let n = failed.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            crate::sayln!("  {:<9} {n}", sev.as_str());
        }
    }
    super::say_exception_problems(&exception_states);
    if let Some((appended, location)) = &appended {
        crate::sayln!(
            "\nHistory: scan {} appended to {} ({} new failures, {} fixed since the previous scan)",
            appended.scan,
            terminal::field(location),
            appended.new_failures.len(),
            appended.fixed.len()
        );
        if let Some(url) = &args.notify {
            notify(url, appended)?;
        }
    }
    crate::sayln!("\nSnapshot: {}\nNext: auditgraph findings | auditgraph controls | auditgraph paths --from internet --to class:data_store", out.display());
    let mut code = gate(findings, &args.gate);
    if code == ExitCode::SUCCESS
        && args.fail_on_new
        && appended.as_ref().is_some_and(|(a, _)| !a.new_failures.is_empty())
    {
        code = ExitCode::from(3);
    }
    timer.lap("print summary");
    // The process ends next: freeing a million assets one by one would only cost time.
    std::mem::forget(result);
    Ok(code)
}

/// POSTs the scan's new and fixed failures to a webhook as JSON.
fn notify(url: &str, appended: &history::Appended) -> Result<()> {
    let body = serde_json::to_vec(&serde_json::json!({
        "tool": "auditgraph",
        "scan": appended.scan,
        "scanned_at": appended.scanned_at,
        "new_failures": appended.new_failures,
        "fixed": appended.fixed,
    }))?;
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| anyhow::anyhow!("--notify: {e}"))?;
    // A webhook's path is often its secret (Slack, Teams): only its host is ever shown.
    let shown = url.split('/').take(3).collect::<Vec<_>>().join("/");
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .map_err(|e| anyhow::anyhow!("--notify {shown}: {}", e.without_url()))?;
    if !response.status().is_success() {
        anyhow::bail!("--notify {shown}: the webhook answered {}", response.status());
    }
    Ok(())
}

/// Whether the scan was asked to crawl this cloud.
fn requested(cloud: Cloud, args: &ScanArgs) -> bool {
    match cloud {
        Cloud::Aws => args.aws,
        Cloud::Gcp => args.gcp,
    }
}

/// Each cloud's provider, configured from the scan's options: where a new cloud
/// registers its own (the matches make the compiler point here when one is added).
fn provider(cloud: Cloud, args: &ScanArgs) -> Result<Box<dyn Provider>> {
    match cloud {
        Cloud::Aws => aws_provider(args),
        Cloud::Gcp => gcp_provider(args),
    }
}

#[cfg(feature = "gcp")]
fn gcp_provider(args: &ScanArgs) -> Result<Box<dyn Provider>> {
    let mut endpoints = match &args.gcp_endpoint {
        Some(base) => auditgraph_gcp::Endpoints::all_at(base),
        None => auditgraph_gcp::Endpoints::default(),
    };
    if let Some(storage) = &args.gcs_endpoint {
        endpoints.storage = format!("{}/storage/v1", storage.trim_end_matches('/'));
    }
    let options = auditgraph_gcp::GcpOptions {
        projects: args.projects.clone(),
        organization: args.organization.clone(),
        endpoints,
        anonymous: args.no_auth,
        concurrency: args.concurrency.unwrap_or(8),
    };
    Ok(Box::new(auditgraph_gcp::GcpProvider { options }))
}

#[cfg(feature = "aws")]
fn aws_provider(args: &ScanArgs) -> Result<Box<dyn Provider>> {
    let options = auditgraph_aws::AwsOptions {
        connection: auditgraph_aws::Connection {
            profile: args.profile.clone(),
            endpoint_url: args.endpoint_url.clone(),
        },
        regions: args.regions.clone(),
        org_role: args.org_role.clone(),
        accounts: args.accounts.clone(),
        external_id: args.external_id.clone(),
        concurrency: args.concurrency.unwrap_or(32),
    };
    Ok(Box::new(auditgraph_aws::AwsProvider { options }))
}

#[cfg(not(feature = "aws"))]
fn aws_provider(_: &ScanArgs) -> Result<Box<dyn Provider>> {
    anyhow::bail!("this auditgraph was built without the `aws` feature: rebuild with `cargo build --features aws`")
}

#[cfg(not(feature = "gcp"))]
fn gcp_provider(_: &ScanArgs) -> Result<Box<dyn Provider>> {
    anyhow::bail!("this auditgraph was built without the `gcp` feature: rebuild with `cargo build --features gcp`")
}

/// Writes each inventory as `<cloud>-<scope>.json` in `dir`.
fn save_inventories(dir: &Path, inventories: &[Inventory]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for inv in inventories {
        let path = dir.join(format!("{}-{}.json", inv.cloud.as_str(), inv.scope));
        atomic_file::write(&path, "inventory", inv.to_json().as_bytes())?;
    }
    Ok(())
}

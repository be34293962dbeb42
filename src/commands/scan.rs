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
use crate::findings::{Finding, Outcome, Severity};
use crate::scan;
use crate::snapshot::Snapshot;
use crate::source::{FixtureProvider, SourcedInventory};
use crate::summary::scan_summary;
use crate::terminal;

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let mut timer = scan::Timer::new(args.timings);
    let queries = scan::queries_dir(args.queries.as_deref());
    let controls = crate::controls::load_dir(&queries)?;
    let mut inventories = Vec::new();
    for path in &args.paths {
        inventories.extend(FixtureProvider::new(path).collect_sourced()?);
    }
    if let Some(out) = &args.out {
        atomic_file::refuse_clash(out, "snapshot")?;
    }
    for cloud in Cloud::ALL.into_iter().filter(|&cloud| requested(cloud, &args)) {
        let crawled = provider(cloud, &args)?.collect()?;
        if let Some(dir) = &args.save_inventory {
            save_inventories(dir, &crawled)?;
        }
        inventories.extend(crawled.into_iter().map(|i| SourcedInventory::new(i, cloud.as_str())));
    }
    timer.lap("read inventories");
    let scanned_at = Utc::now();
    let result = scan::run_timed(inventories, &controls, scanned_at, &mut timer);
    let out = args.out.unwrap_or_else(|| Snapshot::default_path(scanned_at));
    result.snapshot().write(&out)?;
    timer.lap("write snapshot");
    crate::say!("{}", terminal::output(&scan_summary(&result.graph)));
    let findings = &result.evaluation.findings;
    let failed: Vec<&Finding> = findings.iter().filter(|f| f.outcome == Outcome::Fail).collect();
    crate::sayln!(
        "\nControls: {} from {} evaluated; {} findings failed, {} unknown (not collected or not decided)",
        controls.len(),
        terminal::field(&queries.display().to_string()),
        failed.len(),
        findings.len() - failed.len()
    );
    for sev in Severity::ALL {
        let n = failed.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            crate::sayln!("  {:<9} {n}", sev.as_str());
        }
    }
    crate::sayln!("\nSnapshot: {}\nNext: auditgraph findings | auditgraph controls | auditgraph paths --from internet --to class:data_store", out.display());
    let code = gate(findings, &args.gate);
    timer.lap("print summary");
    // The process ends next: freeing a million assets one by one would only cost time.
    std::mem::forget(result);
    Ok(code)
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

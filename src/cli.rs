//! Command-line interface: the commands, their options and help with examples, and
//! the glue from arguments to the engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use auditgraph_model::{AssetId, AssetKind, Inventory};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::network::{Link, Networks};
use crate::analysis::reachability::link_between;
use crate::analysis::{name_in, Facts, Reach};
use crate::boundary;
use crate::controls::evaluate::{collection_times, judge};
use crate::controls::{self, cel_env};
use crate::diff::SnapshotDiff;
use crate::findings::{Finding, Outcome, Severity};
use crate::graph::AssetGraph;
use crate::render::{self, Scene, View};
use crate::report;
use crate::scan;
use crate::selector::Selector;
use crate::snapshot::{self, ReachRecordRef, Snapshot};
use crate::source::{FixtureProvider, SourcedInventory};
use crate::summary::scan_summary;

#[derive(Parser, Debug)]
#[command(
    name = "auditgraph",
    version,
    about = "Maps cloud accounts into a typed asset graph and verifies SOC 2 controls against it",
    after_help = "Start with the bundled demo estate:\n  auditgraph scan fixtures/demo\n  auditgraph findings\n  \
        auditgraph paths --from internet --to tag:data=customer"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read inventories, build the graph, derive reachability, run the controls, save a snapshot.
    #[command(after_help = "Examples:\n  auditgraph scan fixtures/demo\n  \
        auditgraph scan saved/prod.json saved/gcp.json --out prod-scan.json --fail-on high\n  \
        auditgraph scan --aws --profile audit --regions eu-west-1,us-east-1   # live, read-only\n  \
        auditgraph scan --aws --org-role OrganizationAccountAccessRole --save-inventory saved/\n  \
        auditgraph scan --gcp --project my-project --save-inventory saved/   # live, read-only\n  \
        auditgraph scan --gcp --project p1 --gcp-endpoint http://127.0.0.1:8080 --no-auth   # an emulator")]
    Scan(Box<ScanArgs>),
    /// Print the findings of a snapshot (the latest by default).
    #[command(
        after_help = "Examples:\n  auditgraph findings\n  auditgraph findings --format sarif > auditgraph.sarif\n  \
        auditgraph findings --format ocsf\n  auditgraph findings --fail-on critical   # exit 1 if any critical finding"
    )]
    Findings(FindingsArgs),
    /// List the controls with pass/fail/unknown counts and the SOC 2 criteria they cover.
    #[command(after_help = "Examples:\n  auditgraph controls\n  auditgraph controls --snapshot scan.json")]
    Controls(SnapshotArg),
    /// Print every network path between two sets of assets, with the rule that allows each hop.
    #[command(
        after_help = "Selectors: internet, id:ARN, kind:KIND, class:CLASS, tag:KEY=VALUE, name:GLOB, account:ID.\n\n\
        Examples:\n  auditgraph paths --from internet --to name:prod-customers\n  \
        auditgraph paths --from internet --to class:data_store --format json\n  \
        auditgraph paths --from name:prod-legacy-web --to kind:aws_rds_instance"
    )]
    Paths(PathsArgs),
    /// List the assets for which a CEL expression (the controls' language) holds.
    #[command(after_help = query_help())]
    Query(QueryArgs),
    /// Draw the estate for auditors: network, exposure, boundary or IAM view, as DOT, SVG or PNG.
    #[command(after_help = "DOT is written without Graphviz; svg and png run Graphviz's `dot`.\n\n\
        Examples:\n  auditgraph diagram --view network -o network.svg\n  \
        auditgraph diagram --view exposure --format png -o exposure.png\n  \
        auditgraph diagram --view boundary --seed tag:data=customer -o boundary.svg\n  \
        auditgraph diagram --view network --focus name:prod-customers -o customers.dot\n  \
        auditgraph diagram --view network --split -o diagrams/network.svg   # one file per account")]
    Diagram(DiagramArgs),
    /// The audit boundary: what is in scope given the systems that hold customer data.
    #[command(
        after_help = "In scope: the seeds, what can reach them over the network, the principals whose policies \
        allow access to them, the keys that encrypt them, and their subnets, VPCs, accounts and projects.\n\n\
        Examples:\n  auditgraph boundary --seed tag:data=customer\n  \
        auditgraph boundary --seed class:data_store --format csv > scope.csv\n  \
        auditgraph boundary --seed tag:data=customer --diagram boundary.svg"
    )]
    Boundary(BoundaryArgs),
    /// Write a synthetic estate (ordinary inventories) for scale tests and benchmarks.
    #[command(after_help = "Examples:\n  auditgraph synth --assets 100000 --seed 1 -o /tmp/estate-100k\n  \
        auditgraph scan /tmp/estate-100k --timings")]
    Synth(SynthArgs),
    /// Show drift between two snapshots: assets and relations added, removed, changed.
    #[command(after_help = "With no argument, compares the two latest saved snapshots; with one, that \
        snapshot against the latest.\n\nExamples:\n  auditgraph diff\n  \
        auditgraph diff .auditgraph/snapshots/scan-20261101T000000.000Z.json --format json")]
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Inventory files or folders (read recursively for *.json).
    #[arg(required_unless_present_any = ["gcp", "aws"])]
    pub paths: Vec<PathBuf>,
    /// Crawl AWS (read-only) with the standard credential chain (env, profile, SSO, web identity, instance role).
    #[arg(long)]
    pub aws: bool,
    /// The AWS profile to use (from ~/.aws/config).
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS regions to read, comma-separated [default: every region enabled for each account].
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// One endpoint for every AWS service (an emulator such as moto, a VPC endpoint proxy).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Assume this role in every active account of the organisation (or of --accounts).
    #[arg(long)]
    pub org_role: Option<String>,
    /// With --org-role: only these AWS accounts, comma-separated.
    #[arg(long, value_delimiter = ',', requires = "org_role")]
    pub accounts: Vec<String>,
    /// The external id the --org-role trust policies require.
    #[arg(long, requires = "org_role")]
    pub external_id: Option<String>,
    /// Crawl Google Cloud (read-only) with Application Default Credentials.
    #[arg(long)]
    pub gcp: bool,
    /// A GCP project to read (repeatable) [default: every active project the credentials can list].
    #[arg(long = "project")]
    pub projects: Vec<String>,
    /// With no --project: every active project directly under this organisation.
    #[arg(long)]
    pub organization: Option<String>,
    /// One base URL for every Google API (emulators, recorded responses, private endpoints).
    #[arg(long)]
    pub gcp_endpoint: Option<String>,
    /// The Cloud Storage JSON API's base URL, when it differs (a storage emulator).
    #[arg(long)]
    pub gcs_endpoint: Option<String>,
    /// Send no credentials (for emulators).
    #[arg(long)]
    pub no_auth: bool,
    /// How many AWS API calls [default: 32], or GCP projects [default: 8], at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Also write the inventories collected from clouds here, to rescan offline or share.
    #[arg(long)]
    pub save_inventory: Option<PathBuf>,
    /// Where to write the snapshot [default: .auditgraph/snapshots/scan-<time>.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The controls folder [default: ./queries, else the one auditgraph was built with].
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Exit with code 1 if a control fails at this severity or worse.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
}

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// About how many assets to write.
    #[arg(long)]
    pub assets: usize,
    /// The seed: the same seed gives the same estate.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write the inventories to.
    #[arg(short = 'o', long)]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct SnapshotArg {
    /// The snapshot to read [default: the latest under .auditgraph/snapshots].
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FindingsFormat {
    Table,
    Json,
    Sarif,
    Ocsf,
}

#[derive(clap::Args, Debug)]
pub struct FindingsArgs {
    /// The snapshot to read [default: the latest].
    pub snapshot: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FindingsFormat::Table)]
    pub format: FindingsFormat,
    /// Exit with code 1 if a control fails at this severity or worse.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct PathsArgs {
    #[arg(long, value_parser = parse_selector)]
    pub from: Selector,
    #[arg(long, value_parser = parse_selector)]
    pub to: Selector,
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// A CEL expression over `asset`.
    pub expression: String,
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ImageFormat {
    Dot,
    Svg,
    Png,
}

#[derive(clap::Args, Debug)]
pub struct DiagramArgs {
    /// The snapshot to draw [default: the latest].
    pub snapshot: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = View::Network)]
    pub view: View,
    /// Output format [default: from the file extension, else dot].
    #[arg(long, value_enum)]
    pub format: Option<ImageFormat>,
    /// The file to write (with --split, the account is added to its name).
    #[arg(short = 'o', long)]
    pub out: PathBuf,
    /// Only what connects to these assets (repeatable).
    #[arg(long, value_parser = parse_selector)]
    pub focus: Vec<Selector>,
    /// One file per account or project.
    #[arg(long)]
    pub split: bool,
    /// Seeds of the boundary view [default: class:data_store].
    #[arg(long)]
    pub seed: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TableFormat {
    Table,
    Csv,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct BoundaryArgs {
    /// The snapshot to read [default: the latest].
    pub snapshot: Option<PathBuf>,
    /// What holds the data in scope (repeatable): tag:data=customer, class:data_store, id:..., name:...
    #[arg(long, required = true)]
    pub seed: Vec<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
    /// Also draw the boundary view to this file (.dot, .svg or .png).
    #[arg(long)]
    pub diagram: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older snapshot [default: the second latest].
    pub old: Option<PathBuf>,
    /// The newer snapshot [default: the latest].
    pub new: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

/// `query --help`'s text: the variables, and the fact functions of the registry.
fn query_help() -> String {
    format!(
        "The expression sees `asset` ({}) and `now`, and the fact functions:\n{}\n\
        Examples:\n  auditgraph query 'internet_reachable(asset) && asset.class == \"compute\"'\n  \
        auditgraph query 'asset.kind == \"aws_ebs_volume\" && !asset.attributes.encrypted' --format json",
        cel_env::HEADER_FIELDS.join(", "),
        crate::controls::fact_functions::help()
    )
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_selector(s: &str) -> Result<Selector, String> {
    s.parse()
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Findings(args) => findings(args),
        Command::Controls(args) => controls(args),
        Command::Paths(args) => paths(args),
        Command::Query(args) => query(args),
        Command::Diagram(args) => diagram(args),
        Command::Boundary(args) => boundary(args),
        Command::Synth(args) => {
            let (files, assets) = crate::synth::generate(args.assets, args.seed, &args.out)?;
            println!("wrote {assets} assets in {files} inventories to {}", args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => diff(args),
    }
}

/// Exit code 1 when a failed finding is at `threshold` or worse.
fn gate(findings: &[Finding], threshold: Option<Severity>) -> ExitCode {
    match threshold {
        Some(t) if findings.iter().any(|f| f.outcome == Outcome::Fail && f.severity >= t) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn scan(args: ScanArgs) -> Result<ExitCode> {
    let mut timer = scan::Timer::new(args.timings);
    let controls = controls::load_dir(&scan::queries_dir(args.queries.as_deref()))?;
    let mut inventories = Vec::new();
    for path in &args.paths {
        inventories.extend(FixtureProvider::new(path).collect_sourced()?);
    }
    for (cloud, crawl) in [("aws", args.aws.then(|| crawl_aws(&args))), ("gcp", args.gcp.then(|| crawl_gcp(&args)))] {
        let Some(crawled) = crawl.transpose()? else { continue };
        if let Some(dir) = &args.save_inventory {
            save_inventories(dir, &crawled)?;
        }
        inventories.extend(crawled.into_iter().map(|i| SourcedInventory::new(i, cloud)));
    }
    timer.lap("read inventories");
    let scanned_at = Utc::now();
    let result = scan::run_timed(inventories, &controls, scanned_at, &mut timer);
    let out = args.out.unwrap_or_else(|| Snapshot::default_path(scanned_at));
    result.snapshot().write(&out)?;
    timer.lap("write snapshot");
    print!("{}", scan_summary(&result.graph));
    let findings = &result.evaluation.findings;
    let failed: Vec<&Finding> = findings.iter().filter(|f| f.outcome == Outcome::Fail).collect();
    println!(
        "\nControls: {} evaluated; {} findings failed, {} unknown (data not collected)",
        controls.len(),
        failed.len(),
        findings.len() - failed.len()
    );
    for sev in Severity::ALL {
        let n = failed.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            println!("  {:<9} {n}", sev.as_str());
        }
    }
    println!("\nSnapshot: {}\nNext: auditgraph findings | auditgraph controls | auditgraph paths --from internet --to class:data_store", out.display());
    let code = gate(findings, args.fail_on);
    timer.lap("print summary");
    // The process ends next: freeing a million assets one by one would only cost time.
    std::mem::forget(result);
    Ok(code)
}

#[cfg(feature = "gcp")]
fn crawl_gcp(args: &ScanArgs) -> Result<Vec<Inventory>> {
    use auditgraph_model::Provider;
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
    Ok(auditgraph_gcp::GcpProvider { options }.collect()?)
}

#[cfg(feature = "aws")]
fn crawl_aws(args: &ScanArgs) -> Result<Vec<Inventory>> {
    use auditgraph_model::Provider;
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
    Ok(auditgraph_aws::AwsProvider { options }.collect()?)
}

#[cfg(not(feature = "aws"))]
fn crawl_aws(_: &ScanArgs) -> Result<Vec<Inventory>> {
    bail!("this auditgraph was built without the `aws` feature: rebuild with `cargo build --features aws`")
}

#[cfg(not(feature = "gcp"))]
fn crawl_gcp(_: &ScanArgs) -> Result<Vec<Inventory>> {
    bail!("this auditgraph was built without the `gcp` feature: rebuild with `cargo build --features gcp`")
}

/// Writes each inventory as `<cloud>-<scope>.json` in `dir`.
fn save_inventories(dir: &Path, inventories: &[Inventory]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for inv in inventories {
        let path = dir.join(format!("{}-{}.json", inv.cloud.as_str(), inv.scope));
        std::fs::write(&path, inv.to_json()).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn load(path: Option<&Path>) -> Result<Snapshot> {
    Snapshot::read(&snapshot::resolve(path)?)
}

fn findings(args: FindingsArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.as_deref())?;
    match args.format {
        FindingsFormat::Table => print!("{}", report::table(&snap.findings)),
        FindingsFormat::Json => println!("{}", serde_json::to_string_pretty(&snap.findings)?),
        FindingsFormat::Sarif => println!("{}", serde_json::to_string_pretty(&report::sarif(&snap))?),
        FindingsFormat::Ocsf => println!("{}", serde_json::to_string_pretty(&report::ocsf(&snap))?),
    }
    Ok(gate(&snap.findings, args.fail_on))
}

fn controls(args: SnapshotArg) -> Result<ExitCode> {
    let snap = load(args.snapshot.as_deref())?;
    print!("{}", report::controls_table(&snap.controls));
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds a snapshot's graph and derives its facts again.
fn graph_and_facts(snap: &Snapshot) -> (AssetGraph, Arc<Facts>) {
    let graph = snap.graph();
    let facts = Arc::new(Facts::derive(&graph));
    (graph, facts)
}

fn select<'g>(graph: &'g AssetGraph, sel: &Selector) -> Vec<&'g AssetId> {
    graph.assets().into_iter().filter(|a| sel.matches(a)).map(|a| &a.id).collect()
}

fn paths(args: PathsArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.snapshot.as_deref())?;
    let (graph, facts) = graph_and_facts(&snap);
    let targets = select(&graph, &args.to);
    if args.to == Selector::Internet || targets.is_empty() {
        bail!("--to matches no asset");
    }
    let mut found: Vec<Reach> = Vec::new();
    let mut undecided: Vec<(AssetId, AssetId, String)> = Vec::new();
    if args.from == Selector::Internet {
        for t in &targets {
            found.extend(facts.from_internet.get(*t).into_iter().flatten().cloned());
            found.extend(facts.via_exposed_host.get(*t).into_iter().flatten().cloned());
            if let Some(why) = facts.via_exposed_host_undecided.get(*t) {
                undecided.push((AssetId::internet(), (*t).clone(), why.clone()));
            }
        }
    } else {
        let sources = select(&graph, &args.from);
        if sources.is_empty() {
            bail!("--from matches no asset");
        }
        let nets = Networks::new(&graph);
        for s in &sources {
            for t in &targets {
                let (Some(from), Some(to)) = (graph.asset(s), graph.asset(t)) else { continue };
                match link_between(&nets, from, to) {
                    Link::Reaches(flows, hop) => {
                        found.push(Reach { from: (*s).clone(), to: (*t).clone(), via: None, flows, hops: vec![hop] })
                    }
                    Link::Undecided(why) => undecided.push(((*s).clone(), (*t).clone(), why)),
                    Link::Blocked => {}
                }
            }
        }
    }
    match args.format {
        TextOrJson::Json => {
            let records: Vec<ReachRecordRef> = found.iter().map(ReachRecordRef::from).collect();
            println!("{}", serde_json::to_string_pretty(&records)?)
        }
        TextOrJson::Text => {
            if found.is_empty() && undecided.is_empty() {
                println!("No path: nothing matching --from can reach anything matching --to.");
            }
            for (i, r) in found.iter().enumerate() {
                let e = r.evidence(&|id| name_in(&graph, id));
                println!("path {}: {}", i + 1, e.summary);
                for h in &e.hops {
                    println!("  {} -> {}  [{}]", name_of(&graph, &h.from), name_of(&graph, &h.to), h.ports);
                    for rule in &h.rules {
                        println!("      {rule}");
                    }
                }
            }
            for (from, to, why) in &undecided {
                println!("undecided: {} -> {}: {why}", name_in(&graph, from), name_in(&graph, to));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn name_of(graph: &AssetGraph, id: &AssetId) -> String {
    match graph.asset(id) {
        Some(a) => format!("{} ({})", a.name, a.kind()),
        None => id.to_string(),
    }
}

fn query(args: QueryArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.snapshot.as_deref())?;
    let checked = controls::check_expression(&args.expression, AssetKind::ALL)
        .map_err(|(line, message)| anyhow!("query, line {line}: {message}"))?;
    let (graph, facts) = graph_and_facts(&snap);
    let (times, latest) = collection_times(&graph.sources);
    let mut ctx = cel_env::context(&facts);
    let (mut matched, mut unknown) = (Vec::new(), 0);
    for a in graph.assets() {
        cel_env::bind(&mut ctx, a, times.get(&a.account).copied().unwrap_or(latest));
        match judge(checked.program.execute(&ctx)).0 {
            Outcome::Fail => matched.push(a),
            Outcome::Unknown => unknown += 1,
            Outcome::Pass => {}
        }
    }
    match args.format {
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&matched)?),
        TextOrJson::Text => {
            for a in &matched {
                println!(
                    "{:<24} {:<14} {:<10} {:<40} {}",
                    a.kind().as_str(),
                    a.account,
                    a.region.as_deref().unwrap_or("-"),
                    a.name,
                    a.id
                );
            }
            println!("{} assets match; {unknown} could not be decided (data not collected)", matched.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn seeds(texts: &[String]) -> Result<Vec<Selector>> {
    texts.iter().map(|t| t.parse::<Selector>().map_err(|e| anyhow!(e))).collect()
}

/// Writes a diagram as DOT, or as an image through Graphviz.
fn write_diagram(dot_text: &str, format: Option<ImageFormat>, out: &Path) -> Result<()> {
    let format = format.unwrap_or(match out.extension().and_then(|e| e.to_str()) {
        Some("svg") => ImageFormat::Svg,
        Some("png") => ImageFormat::Png,
        _ => ImageFormat::Dot,
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    match format {
        ImageFormat::Dot => std::fs::write(out, dot_text).with_context(|| format!("writing {}", out.display())),
        ImageFormat::Svg => render::to_image(dot_text, "svg", out),
        ImageFormat::Png => render::to_image(dot_text, "png", out),
    }
}

/// `dir/name.ext` → `dir/name-suffix.ext`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("diagram");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{suffix}.{ext}"),
        None => format!("{stem}-{suffix}"),
    };
    path.with_file_name(name)
}

fn diagram(args: DiagramArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.as_deref())?;
    let (graph, facts) = graph_and_facts(&snap);
    let seed_text = if args.seed.is_empty() { vec!["class:data_store".to_string()] } else { args.seed.clone() };
    let bound = (args.view == View::Boundary)
        .then(|| seeds(&seed_text).map(|s| boundary::compute(&graph, &facts, &s, &seed_text)))
        .transpose()?;
    let scene = Scene {
        graph: &graph,
        facts: &facts,
        findings: &snap.findings,
        scanned_at: snap.scan.scanned_at,
        boundary: bound.as_ref(),
    };
    for (suffix, dot_text) in render::render(&scene, args.view, &args.focus, args.split) {
        let out = if suffix.is_empty() { args.out.clone() } else { with_suffix(&args.out, &suffix) };
        write_diagram(&dot_text, args.format, &out)?;
        println!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn boundary(args: BoundaryArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.as_deref())?;
    let (graph, facts) = graph_and_facts(&snap);
    let b = boundary::compute(&graph, &facts, &seeds(&args.seed)?, &args.seed);
    if b.components.is_empty() {
        bail!("no asset matches the seeds {}", args.seed.join(", "));
    }
    match args.format {
        TableFormat::Table => print!("{}", b.to_table(&graph)),
        TableFormat::Csv => print!("{}", b.to_csv()),
        TableFormat::Json => println!("{}", serde_json::to_string_pretty(&b)?),
    }
    if let Some(out) = &args.diagram {
        let scene = Scene {
            graph: &graph,
            facts: &facts,
            findings: &snap.findings,
            scanned_at: snap.scan.scanned_at,
            boundary: Some(&b),
        };
        let (_, dot_text) = render::render(&scene, View::Boundary, &[], false).remove(0);
        write_diagram(&dot_text, None, out)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(args: DiffArgs) -> Result<ExitCode> {
    let (old, new) = match (args.old, args.new) {
        (Some(old), Some(new)) => (old, new),
        (Some(old), None) => (old, snapshot::resolve(None)?),
        (None, _) => {
            let mut saved = snapshot::saved_snapshots()?;
            if saved.len() < 2 {
                bail!("diff needs two snapshots: name them, or run `auditgraph scan` twice");
            }
            let new = saved.pop().unwrap_or_default();
            (saved.pop().unwrap_or_default(), new)
        }
    };
    let d = SnapshotDiff::between(&Snapshot::read(&old)?, &Snapshot::read(&new)?);
    match args.format {
        TextOrJson::Text => print!("{}", d.to_text()),
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&d)?),
    }
    Ok(ExitCode::SUCCESS)
}

//! Command-line interface: the commands, their options and help with examples,
//! declared and nothing more. What each command does lives in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::controls::cel_env;
use crate::findings::Severity;
use crate::render::View;
use crate::selector::Selector;

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
        auditgraph findings --format ocsf\n  auditgraph findings --fail-on critical   # exit 1 if any critical check failed or is unknown\n  \
        auditgraph findings --fail-on high --allow-unknown   # only failures gate"
    )]
    Findings(FindingsArgs),
    /// List the controls with pass/fail/unknown counts, and how a framework's requirements stand on them.
    #[command(after_help = "Examples:\n  auditgraph controls\n  auditgraph controls --framework cis-aws-3.0\n  \
        auditgraph controls --snapshot scan.json")]
    Controls(ControlsArgs),
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
        auditgraph diagram --view network --split -o diagrams/network.svg   # one file per account\n  \
        auditgraph diagram --view network --max-nodes 120 -o network.pdf   # pages that print\n  \
        auditgraph diagram --view exposure -o exposure.html   # pan, zoom, click for evidence")]
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
    /// Every principal that can perform an action on the selected resources, directly or through roles.
    #[command(
        name = "who-can",
        after_help = "Decided by the IAM evaluator from identity policies (with groups), permissions boundaries \
        and resource policies (bucket, key and trust policies), across role chains and instance profiles. A grant \
        that depends on what the scan cannot know is marked conditional, with its keys.\n\n\
        Examples:\n  auditgraph who-can s3:GetObject --on name:prod-customers\n  \
        auditgraph who-can kms:Decrypt --on kind:aws_kms_key --format json\n  \
        auditgraph who-can sts:AssumeRole --on name:vendor-audit"
    )]
    WhoCan(WhoCanArgs),
    /// What a principal (or an instance, through its role) can reach: data stores by access level.
    #[command(after_help = "Access levels: list, read, write, permissions, tagging; each with the actions and \
        statements that grant it, through every role the principal can come to act as.\n\n\
        Examples:\n  auditgraph can name:alice\n  auditgraph can name:prod-app --format json\n  \
        auditgraph can --member group:analysts@northwind.example")]
    Can(CanArgs),
    /// Write a synthetic estate (ordinary inventories) for scale tests and benchmarks.
    #[command(after_help = "Examples:\n  auditgraph synth --assets 100000 --seed 1 -o /tmp/estate-100k\n  \
        auditgraph scan /tmp/estate-100k --timings")]
    Synth(SynthArgs),
    /// Show drift: between two snapshots, or between stored scans since a date (failures first, then assets).
    #[command(after_help = "With no argument, compares the two latest saved snapshots; with one, that \
        snapshot and the latest, the older first whichever was named. With --since/--from/--to, compares \
        the scans stored in the history: the last one at or before the start with the last one at or \
        before the end.\n\nExamples:\n  auditgraph diff\n  \
        auditgraph diff .auditgraph/snapshots/scan-20261101T000000.000Z.json --format json\n  \
        auditgraph diff --since 7d\n  auditgraph diff --from 2026-11-01 --to 2026-11-30")]
    Diff(DiffArgs),
    /// How each control held over a window of stored scans: counts per scan, failures from first seen to fixed.
    #[command(after_help = "Every `scan` appends to the history store (SQLite at .auditgraph/history.db, or \
        PostgreSQL with --history postgres://... or AUDITGRAPH_HISTORY).\n\n\
        Examples:\n  auditgraph history\n  auditgraph history --since 30d --control s3-bucket-public\n  \
        auditgraph history --from 2026-03-01 --to 2026-09-30 --format csv > window.csv\n  \
        auditgraph history --asset name:prod-legacy-web\n  \
        auditgraph history --history postgres://auditgraph@db.internal/history --format json")]
    History(HistoryArgs),
    /// Write an evidence pack an auditor can take away and re-check, or verify one.
    #[command(after_help = "The pack holds, per control, its definition, the complete population it \
        evaluated (every asset with its outcome), the failures and the unknowns with their evidence; the \
        coverage gaps, the boundary, the network, exposure and boundary diagrams, the history's time series, \
        OSCAL assessment results, and manifest.json with the SHA-256 of every file and every input.\n\n\
        Examples:\n  auditgraph evidence --out evidence/2026-q4\n  \
        auditgraph evidence scan.json --out pack --seed tag:data=customer --since 90d\n  \
        auditgraph evidence --zip evidence-2026-q4.zip\n  \
        auditgraph evidence --verify evidence/2026-q4   # exit 1 if a file changed, went missing or was added")]
    Evidence(EvidenceArgs),
    /// Write one self-contained HTML page of a snapshot for people: criteria, controls, findings, diagrams.
    #[command(after_help = "The page loads nothing (styles, script and diagrams are inline) and prints to PDF.\n\n\
        Examples:\n  auditgraph report -o report.html\n  \
        auditgraph report scan.json -o report.html --seed tag:data=customer")]
    Report(ReportArgs),
}

/// What `evidence` and `report` are made from: a snapshot judged by the controls
/// it was scanned with, and the boundary's seeds.
#[derive(clap::Args, Debug)]
pub struct AssessmentArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// The controls the snapshot was scanned with [default: ./queries, else the one auditgraph was built with].
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// What holds the data in scope, for the boundary (repeatable) [default: class:data_store].
    #[arg(long)]
    pub seed: Vec<String>,
    #[command(flatten)]
    pub exceptions: ExceptionsArg,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub of: AssessmentArgs,
    /// The page to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub of: AssessmentArgs,
    /// The folder to write the pack to (an earlier pack there is replaced; anything else is refused).
    #[arg(long, short = 'o', value_name = "DIR", required_unless_present_any = ["verify", "zip"], conflicts_with = "zip")]
    pub out: Option<PathBuf>,
    /// Write the pack as one zip file instead (its files in a folder named as the file).
    #[arg(long, value_name = "FILE")]
    pub zip: Option<PathBuf>,
    /// Check a pack instead: hash every file again and compare with its manifest.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "zip", "given", "option"])]
    pub verify: Option<PathBuf>,
    #[command(flatten)]
    pub store: HistoryStoreArg,
    /// The history's window: it ends now and starts this long ago.
    #[arg(long, value_name = "SPAN", default_value = "365d")]
    pub since: String,
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
    #[command(flatten)]
    pub gate: GateArgs,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub history: HistoryStoreArg,
    /// Do not append this scan to the history store.
    #[arg(long, conflicts_with = "history")]
    pub no_history: bool,
    #[command(flatten)]
    pub exceptions: ExceptionsArg,
    /// Exit with code 3 when a failure appeared that the previous scan of its scope did not have.
    #[arg(long, conflicts_with = "no_history")]
    pub fail_on_new: bool,
    /// POST the new and fixed failures as JSON to this URL after each scan (a webhook).
    #[arg(long, value_name = "URL", conflicts_with = "no_history")]
    pub notify: Option<String>,
    /// Scan again every SPAN (90s, 30m, 6h, 1d) until stopped, appending each scan to the history.
    #[arg(long, value_name = "SPAN", value_parser = parse_span, conflicts_with = "no_history")]
    pub every: Option<chrono::Duration>,
}

/// The history store a command writes to or reads.
#[derive(clap::Args, Debug, Clone)]
pub struct HistoryStoreArg {
    /// The history store: a SQLite file or a postgres:// URL [default: $AUDITGRAPH_HISTORY, else .auditgraph/history.db].
    #[arg(long = "history", value_name = "FILE|URL")]
    pub history: Option<String>,
}

/// The accepted risks a command applies.
#[derive(clap::Args, Debug, Clone)]
pub struct ExceptionsArg {
    /// Accepted risks (control, asset selector, reason, approved_by, expires) [default: ./exceptions.toml if present].
    #[arg(long = "exceptions", value_name = "FILE")]
    pub exceptions: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TableJsonCsv {
    Table,
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: HistoryStoreArg,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Only this control.
    #[arg(long)]
    pub control: Option<String>,
    /// One asset's history across controls (any selector: name:, id:, kind:, ...).
    #[arg(long, value_parser = parse_selector)]
    pub asset: Option<Selector>,
    #[arg(long, value_enum, default_value_t = TableJsonCsv::Table)]
    pub format: TableJsonCsv,
    #[command(flatten)]
    pub exceptions: ExceptionsArg,
}

/// A period of the history.
#[derive(clap::Args, Debug, Clone)]
pub struct WindowArgs {
    /// The window ends now and starts this long ago: 90d, 12h, 2w.
    #[arg(long, value_name = "SPAN", conflicts_with = "from")]
    pub since: Option<String>,
    /// The window's first day (2026-03-01) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The window's last day (2026-09-30, included) or time [default: now].
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

impl WindowArgs {
    pub fn given(&self) -> bool {
        self.since.is_some() || self.from.is_some() || self.to.is_some()
    }
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

/// The snapshot a command reads, given the same way to every command: as an
/// argument or with `--snapshot` (either; the latest under .auditgraph/snapshots
/// when neither).
#[derive(clap::Args, Debug)]
pub struct SnapshotArg {
    /// The snapshot to read [default: the latest under .auditgraph/snapshots].
    #[arg(value_name = "SNAPSHOT")]
    pub given: Option<PathBuf>,
    /// The snapshot to read, as an option (the same as the argument).
    #[arg(long = "snapshot", value_name = "SNAPSHOT", conflicts_with = "given")]
    pub option: Option<PathBuf>,
}

impl SnapshotArg {
    pub fn path(&self) -> Option<&std::path::Path> {
        self.given.as_deref().or(self.option.as_deref())
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FindingsFormat {
    Table,
    /// The scan's metadata and the findings with their requirements.
    Json,
    Csv,
    /// SARIF 2.1.0, for code scanning (GitHub and others).
    Sarif,
    /// OCSF Compliance Finding events.
    Ocsf,
    /// OSCAL 1.1.2 assessment results.
    Oscal,
}

#[derive(clap::Args, Debug)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[command(flatten)]
    pub framework: FrameworkArg,
    #[arg(long, value_enum, default_value_t = FindingsFormat::Table)]
    pub format: FindingsFormat,
    /// Only findings at this severity or worse (the gate still sees them all).
    #[arg(long, value_parser = parse_severity)]
    pub severity: Option<Severity>,
    /// Only findings under this requirement of the framework (CC6.1, or 1.8 with --framework cis-aws-3.0).
    #[arg(long, visible_alias = "requirement", value_name = "ID")]
    pub criterion: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub exceptions: ExceptionsArg,
}

/// The framework a listing is organised by.
#[derive(clap::Args, Debug)]
pub struct FrameworkArg {
    /// A framework of frameworks/ (soc2, cis-aws-3.0, ...): its requirements group
    /// the listing and are the ids SARIF and OCSF carry.
    #[arg(long, default_value = crate::frameworks::SOC2)]
    pub framework: String,
}

impl FrameworkArg {
    /// The framework named, from `frameworks/` beside the default controls.
    pub fn load(&self) -> anyhow::Result<crate::frameworks::Framework> {
        let dir = crate::frameworks::dir_beside(&crate::scan::queries_dir(None));
        crate::frameworks::named(&dir, &self.framework)
    }
}

#[derive(clap::Args, Debug)]
pub struct ControlsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[command(flatten)]
    pub framework: FrameworkArg,
    #[command(flatten)]
    pub exceptions: ExceptionsArg,
}

/// The CI gate of `scan` and `findings`.
#[derive(clap::Args, Debug)]
pub struct GateArgs {
    /// Exit with code 1 if a control fails, or could not be decided, at this severity or worse.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// With --fail-on: let UNKNOWN results through the gate (they are still reported).
    #[arg(long, requires = "fail_on")]
    pub allow_unknown: bool,
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
pub struct WhoCanArgs {
    /// One IAM action, such as s3:GetObject, or a Google Cloud permission, such as storage.objects.get.
    #[arg(value_parser = parse_action)]
    pub action: String,
    /// The resources to ask about.
    #[arg(long, value_parser = parse_selector)]
    pub on: Selector,
    #[command(flatten)]
    pub common: AccessArgs,
}

#[derive(clap::Args, Debug)]
pub struct CanArgs {
    /// The principals (users, roles) or instances to ask about.
    #[arg(value_parser = parse_selector, required_unless_present = "member")]
    pub principal: Option<Selector>,
    /// A Google Cloud member instead (`user:ana@example.com`, `group:…`,
    /// `serviceAccount:…`, `allUsers`): what its IAM bindings give it.
    #[arg(long, conflicts_with = "principal")]
    pub member: Option<String>,
    #[command(flatten)]
    pub common: AccessArgs,
}

/// What `who-can` and `can` share: the snapshot, the output format, timings.
#[derive(clap::Args, Debug)]
pub struct AccessArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
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
    Pdf,
    /// An interactive page: pan, zoom, click for evidence.
    Html,
}

impl ImageFormat {
    /// The format a file name asks for: `.dot`/`.gv` (or none) DOT, else the image
    /// type of its extension; `None` for an extension that is none of them.
    pub fn of_path(path: &std::path::Path) -> Option<ImageFormat> {
        match path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).as_deref() {
            None | Some("dot" | "gv") => Some(ImageFormat::Dot),
            Some("svg") => Some(ImageFormat::Svg),
            Some("png") => Some(ImageFormat::Png),
            Some("pdf") => Some(ImageFormat::Pdf),
            Some("html" | "htm") => Some(ImageFormat::Html),
            Some(_) => None,
        }
    }

    /// Graphviz's name for the output type (`dot -Tpdf`).
    pub fn graphviz_type(self) -> &'static str {
        match self {
            ImageFormat::Dot => "dot",
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
            ImageFormat::Pdf => "pdf",
            ImageFormat::Html => "svg",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct DiagramArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
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
    /// One file per account or project, and an overview linking them.
    #[arg(long)]
    pub split: bool,
    /// At most this many nodes per diagram: a larger view is drawn as one diagram
    /// per account or project (then per VPC or network) and an overview linking them.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_nodes: Option<u32>,
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
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// What holds the data in scope (repeatable): tag:data=customer, class:data_store, id:..., name:...
    #[arg(long, required = true)]
    pub seed: Vec<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
    /// Also draw the boundary view to this file (.dot, .svg, .png, .pdf or .html).
    #[arg(long)]
    pub diagram: Option<PathBuf>,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older snapshot [default: the second latest].
    #[arg(conflicts_with_all = ["since", "from", "to"])]
    pub old: Option<PathBuf>,
    /// The newer snapshot [default: the latest].
    pub new: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// With --since/--from/--to: compare scans stored in the history instead of snapshot files.
    #[command(flatten)]
    pub window: WindowArgs,
    #[command(flatten)]
    pub store: HistoryStoreArg,
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

fn parse_span(s: &str) -> Result<chrono::Duration, String> {
    crate::history::parse_span(s).map_err(|e| e.to_string())
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_selector(s: &str) -> Result<Selector, String> {
    s.parse()
}

/// One action as a request names it: AWS's `service:Operation`, or a Google Cloud
/// permission, `service.resource.verb`.
fn parse_action(s: &str) -> Result<String, String> {
    let valid = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let aws = s.split_once(':').is_some_and(|(service, op)| valid(service) && valid(op));
    let gcp = s.split('.').count() >= 3 && s.split('.').all(valid);
    if aws || gcp {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not one action: write service:Operation, such as s3:GetObject, or a Google Cloud \
             permission such as storage.objects.get (no wildcards)"
        ))
    }
}

//! Snapshots: the graph, findings, coverage and scan metadata of one scan, written as
//! deterministic JSON (`auditgraph-snapshot/2`) so that later commands (`findings`,
//! `diff`, `paths`) read it back and two scans diff cleanly.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use auditgraph_model::{Asset, AssetId, Relation, RelationKind};
use chrono::{DateTime, Utc};
use rayon::slice::ParallelSliceMut;
use serde::{Deserialize, Serialize};

use crate::analysis::{Facts, Reach};
use crate::findings::Hop;
use crate::findings::{ControlResult, Finding};
use crate::graph::{AssetGraph, LoadWarning};
use crate::source::Source;

pub const SNAPSHOT_FORMAT: &str = "auditgraph-snapshot/2";

/// Snapshots of the first format, which also stored the relations that the assets'
/// attributes imply; they read back to the same graph.
const FORMATS_READ: [&str; 2] = [SNAPSHOT_FORMAT, "auditgraph-snapshot/1"];

/// Where `scan` writes snapshots unless told otherwise, relative to the working directory.
pub const DEFAULT_DIR: &str = ".auditgraph/snapshots";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanInfo {
    pub tool_version: String,
    pub scanned_at: DateTime<Utc>,
    /// The digest of the controls the scan ran (`controls::digest_of`); absent in
    /// snapshots written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls_digest: Option<String>,
}

impl ScanInfo {
    /// A scan made now by this build of auditgraph.
    pub fn by_this_build(scanned_at: DateTime<Utc>, controls_digest: Option<String>) -> Self {
        ScanInfo { tool_version: env!("CARGO_PKG_VERSION").to_string(), scanned_at, controls_digest }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub format: String,
    pub scan: ScanInfo,
    /// Each inventory that went in, with its coverage record.
    pub sources: Vec<Source>,
    pub assets: Vec<Asset>,
    /// Ids that relations name but no inventory defines.
    pub unresolved: Vec<AssetId>,
    /// The relations no attribute states: from inventories, and derived by the
    /// analyses (`reaches`, `can_assume`). `graph()` adds the implied ones back.
    pub relations: Vec<Relation>,
    pub warnings: Vec<LoadWarning>,
    /// Derived reachability facts, each with the hops and rules that explain it.
    pub reachability: Vec<ReachRecord>,
    pub controls: Vec<ControlResult>,
    pub findings: Vec<Finding>,
}

/// A reachability fact as snapshots store it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachRecord {
    pub from: AssetId,
    pub to: AssetId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<AssetId>,
    /// `tcp/22 from internet(v4)`; one entry per protocol and port range.
    pub flows: Vec<String>,
    pub hops: Vec<Hop>,
}

/// A `ReachRecord` borrowed from the facts: serialises and sorts exactly as it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReachRecordRef<'a> {
    pub from: &'a AssetId,
    pub to: &'a AssetId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'a AssetId>,
    pub flows: Vec<String>,
    pub hops: &'a [Hop],
}

impl<'a> From<&'a Reach> for ReachRecordRef<'a> {
    fn from(r: &'a Reach) -> Self {
        ReachRecordRef {
            from: &r.from,
            to: &r.to,
            via: r.via.as_ref(),
            flows: r.flows.to_string().split("; ").map(str::to_string).collect(),
            hops: &r.hops,
        }
    }
}

/// Every reachability fact, in the snapshot's order: by the places of the ends
/// first (as their ids would sort), then by the rest.
pub fn reach_records<'a>(graph: &AssetGraph, facts: &'a Facts) -> Vec<ReachRecordRef<'a>> {
    use rayon::prelude::*;
    let reaches: Vec<&Reach> = facts.from_internet.values().chain(facts.via_exposed_host.values()).flatten().collect();
    let mut v: Vec<_> = reaches
        .into_par_iter()
        .map(|r| ((graph.place(&r.from), graph.place(&r.to)), ReachRecordRef::from(r)))
        .collect();
    v.par_sort_unstable_by(|(a_ends, a), (b_ends, b)| a_ends.cmp(b_ends).then_with(|| a.cmp(b)));
    v.into_iter().map(|(_, record)| record).collect()
}

/// A snapshot borrowed from a scan: written exactly as the owned `Snapshot`
/// serialises, without copying a million assets first, and with its long lists
/// turned into text on every core.
pub struct SnapshotView<'a> {
    format: &'static str,
    scan: ScanInfo,
    sources: Vec<&'a Source>,
    assets: Vec<&'a Asset>,
    unresolved: Vec<&'a AssetId>,
    relations: Vec<RelationRef<'a>>,
    warnings: &'a [LoadWarning],
    reachability: Vec<ReachRecordRef<'a>>,
    controls: Vec<&'a ControlResult>,
    findings: Vec<&'a Finding>,
}

/// A relation whose ends are borrowed from the graph.
#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct RelationRef<'a> {
    from: &'a AssetId,
    kind: RelationKind,
    to: &'a AssetId,
}

impl<'a> SnapshotView<'a> {
    /// The graph after a scan, what the controls found, in deterministic order.
    pub fn new(
        graph: &'a AssetGraph,
        scan: ScanInfo,
        reachability: Vec<ReachRecordRef<'a>>,
        controls: &'a [ControlResult],
        findings: &'a [Finding],
    ) -> Self {
        let mut sources: Vec<&Source> = graph.sources.iter().collect();
        sources.sort_by(|a, b| (a.cloud, &a.scope, &a.origin).cmp(&(b.cloud, &b.scope, &b.origin)));
        let relations: Vec<RelationRef> = graph
            .stated_relations_sorted()
            .into_iter()
            .map(|(from, kind, to)| RelationRef { from, kind, to })
            .collect();
        let mut controls: Vec<&ControlResult> = controls.iter().collect();
        controls.sort();
        let mut findings: Vec<&Finding> = findings.iter().collect();
        findings.par_sort_unstable();
        SnapshotView {
            format: SNAPSHOT_FORMAT,
            scan,
            sources,
            assets: graph.assets(),
            unresolved: graph.unresolved(),
            relations,
            warnings: &graph.warnings,
            reachability,
            controls,
            findings,
        }
    }

    /// Writes the snapshot as `write_lines` lays out the owned `Snapshot`: each
    /// top-level field on its own line, each element of a list compact on its own.
    fn write_to<W: std::io::Write + Send>(&self, out: &mut W) -> std::io::Result<()> {
        out.write_all(b"{")?;
        field(out, "format", &self.format, true)?;
        field(out, "scan", &self.scan, false)?;
        field(out, "sources", &self.sources, false)?;
        long_list(out, "assets", &self.assets)?;
        field(out, "unresolved", &self.unresolved, false)?;
        long_list(out, "relations", &self.relations)?;
        field(out, "warnings", &self.warnings, false)?;
        long_list(out, "reachability", &self.reachability)?;
        field(out, "controls", &self.controls, false)?;
        long_list(out, "findings", &self.findings)?;
        out.write_all(b"\n}\n")
    }

    /// Streams the snapshot to `path`, replacing any previous one only once it is whole.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::atomic_file::write_with(path, "snapshot", |out| self.write_to(out))
    }

    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_to(&mut out).expect("a snapshot always serialises");
        String::from_utf8(out).expect("JSON is UTF-8")
    }
}

/// One top-level field: `"key": value`, the value laid out as `write_lines` does.
fn field<W: std::io::Write, T: Serialize>(out: &mut W, key: &str, value: &T, first: bool) -> std::io::Result<()> {
    field_key(out, key, first)?;
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, LineFormatter { depth: 1 });
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// A top-level field's key on its own line: `,\n  "key": `.
fn field_key<W: std::io::Write>(out: &mut W, key: &str, first: bool) -> std::io::Result<()> {
    out.write_all(if first { b"\n  " } else { b",\n  " })?;
    serde_json::to_writer(&mut *out, key)?;
    out.write_all(b": ")
}

/// A top-level list of many elements, each compact on its own line. The elements are
/// turned into text a chunk at a time on every core while the chunk before is being
/// written, so the writing (a copy into the kernel) hides behind the serialising.
fn long_list<W: std::io::Write + Send, T: Serialize + Sync>(
    out: &mut W,
    key: &str,
    items: &[T],
) -> std::io::Result<()> {
    const CHUNK: usize = 1 << 12;
    field_key(out, key, false)?;
    out.write_all(b"[")?;
    let mut ready: Vec<Vec<u8>> = Vec::new();
    for (c, chunk) in items.chunks(CHUNK).enumerate() {
        let earlier = std::mem::take(&mut ready);
        let (text, written) = rayon::join(|| chunk_text(chunk, c == 0), || write_pieces(out, &earlier));
        written?;
        ready = text?;
    }
    write_pieces(out, &ready)?;
    out.write_all(b"]")
}

/// One chunk of a long list as text, in pieces made in parallel, each element on its
/// own line after a separator (none before the list's first element).
fn chunk_text<T: Serialize + Sync>(chunk: &[T], starts_list: bool) -> std::io::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    const PIECE: usize = 1 << 8;
    chunk
        .par_chunks(PIECE)
        .enumerate()
        .map(|(p, piece)| {
            let mut text = Vec::with_capacity(piece.len() * 256);
            for (i, item) in piece.iter().enumerate() {
                let first = starts_list && p == 0 && i == 0;
                text.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                serde_json::to_writer(&mut text, item)?;
            }
            Ok(text)
        })
        .collect()
}

fn write_pieces<W: std::io::Write>(out: &mut W, pieces: &[Vec<u8>]) -> std::io::Result<()> {
    pieces.iter().try_for_each(|piece| out.write_all(piece))
}

/// Writes JSON with one record per line: the top-level object and its arrays are
/// laid out, each element (an asset, a relation, a finding) is compact on its own
/// line, so snapshots stay small and diff line by line.
fn write_lines<W: std::io::Write, T: Serialize>(out: &mut W, value: &T) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, LineFormatter { depth: 0 });
    value.serialize(&mut ser).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// `write_lines` into a string.
fn lines_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    write_lines(&mut out, value).expect("a snapshot always serialises");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// A `serde_json` formatter that breaks lines only at the two outer levels.
struct LineFormatter {
    depth: usize,
}

impl LineFormatter {
    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for LineFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth <= 2 {
            self.newline(w)?;
        }
        Ok(())
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.depth == 0 {
            w.write_all(b"\n")?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth <= 2 {
            self.newline(w)?;
        }
        Ok(())
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.depth <= 2 { b": " } else { b":" })
    }
}

impl Snapshot {
    /// An owned copy of a scan's snapshot (for tests and tools; `scan` streams the view).
    pub fn capture(
        graph: &AssetGraph,
        scan: ScanInfo,
        reachability: Vec<ReachRecordRef<'_>>,
        controls: Vec<ControlResult>,
        findings: Vec<Finding>,
    ) -> Self {
        let text = SnapshotView::new(graph, scan, reachability, &controls, &findings).to_json();
        Snapshot::from_json(&text).expect("a snapshot reads back")
    }

    /// Rebuilds the graph the snapshot was taken of.
    pub fn graph(&self) -> AssetGraph {
        let mut g = AssetGraph::from_parts(self.sources.clone(), self.assets.clone(), self.relations.clone());
        g.warnings = self.warnings.clone();
        g
    }

    pub fn to_json(&self) -> String {
        lines_json(self)
    }

    pub fn from_json(text: &str) -> std::result::Result<Self, String> {
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !probe.format.as_deref().is_some_and(|f| FORMATS_READ.contains(&f)) {
            return Err(format!("at format: expected \"{SNAPSHOT_FORMAT}\", found {:?}", probe.format));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            format!("at {path}: {}", e.into_inner())
        })
    }

    pub fn read(path: &Path) -> Result<Self> {
        Snapshot::parse_file(path, &read_text(path)?)
    }

    /// The snapshot at `path` and the SHA-256 of its file, which evidence cites.
    pub fn read_with_digest(path: &Path) -> Result<(Self, String)> {
        let text = read_text(path)?;
        Ok((Snapshot::parse_file(path, &text)?, crate::digest::sha256_hex(text.as_bytes())))
    }

    fn parse_file(path: &Path, text: &str) -> Result<Self> {
        Snapshot::from_json(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The file name `scan` gives a snapshot taken at `at`: names sort by time.
    pub fn default_path(at: DateTime<Utc>) -> PathBuf {
        Path::new(DEFAULT_DIR).join(format!("scan-{}.json", at.format("%Y%m%dT%H%M%S%.3fZ")))
    }
}

fn read_text(path: &Path) -> Result<String> {
    crate::atomic_file::note_input(path);
    std::fs::read_to_string(path).with_context(|| format!("reading snapshot {}", path.display()))
}

/// The snapshots in the default folder, oldest first.
pub fn saved_snapshots() -> Result<Vec<PathBuf>> {
    let dir = Path::new(DEFAULT_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    Ok(v)
}

/// The given snapshot, or else the latest one `scan` saved.
pub fn resolve(path: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = path {
        return Ok(p.to_path_buf());
    }
    match saved_snapshots()?.pop() {
        Some(p) => Ok(p),
        None => {
            bail!("no snapshot in {DEFAULT_DIR}: run `auditgraph scan fixtures/demo` first, or name a snapshot file")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FixtureProvider;

    /// The demo estate scanned with the bundled controls, and its owned snapshot.
    fn demo_scan() -> (crate::scan::Scan, Snapshot) {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let controls = crate::controls::load_dir(&crate::scan::queries_dir(None)).unwrap();
        let at = "2026-11-26T10:00:00Z".parse().unwrap();
        let scan = crate::scan::run(FixtureProvider::new(demo).collect_sourced().unwrap(), &controls, at);
        let evaluation = &scan.evaluation;
        let snapshot = Snapshot::capture(
            &scan.graph,
            ScanInfo::by_this_build(at, Some(scan.controls_digest.clone())),
            reach_records(&scan.graph, &scan.facts),
            evaluation.results.clone(),
            evaluation.findings.clone(),
        );
        (scan, snapshot)
    }

    #[test]
    fn a_snapshot_reads_back_identically() {
        let (scan, snapshot) = demo_scan();
        assert!(!snapshot.findings.is_empty() && !snapshot.reachability.is_empty());
        // Every long list is in order, whatever shortcut sorted it.
        assert!(snapshot.assets.windows(2).all(|w| w[0].id < w[1].id));
        assert!(snapshot.relations.windows(2).all(|w| w[0] < w[1]));
        assert!(snapshot.reachability.windows(2).all(|w| w[0] <= w[1]));
        assert!(snapshot.findings.windows(2).all(|w| w[0] <= w[1]));
        let text = snapshot.to_json();
        // The view a scan writes in parallel gives the bytes the owned snapshot serialises to.
        assert_eq!(scan.snapshot().to_json(), text);
        let back = Snapshot::from_json(&text).unwrap();
        assert_eq!(back, snapshot);
        assert_eq!(back.to_json(), text);
        // The rebuilt graph gives the same assets and relations again.
        let again = Snapshot::capture(&back.graph(), back.scan.clone(), Vec::new(), Vec::new(), Vec::new());
        assert_eq!((&again.assets, &again.relations), (&snapshot.assets, &snapshot.relations));
    }

    #[test]
    fn implied_relations_are_not_stored_and_come_back_on_reading() {
        let (scan, snapshot) = demo_scan();
        let graph = &scan.graph;
        let implied: Vec<Relation> = graph.assets().iter().flat_map(|a| a.implied_relations()).collect();
        assert!(!implied.is_empty());
        assert!(implied.iter().all(|r| !snapshot.relations.contains(r)), "an implied relation was stored");
        assert!(snapshot.relations.len() < graph.relations().len());
        assert_eq!(snapshot.graph().relations(), graph.relations());
        // A first-format snapshot stored every relation; it reads back to the same graph.
        let mut first = snapshot.clone();
        first.format = "auditgraph-snapshot/1".to_string();
        first.relations = graph.relations();
        let first = Snapshot::from_json(&first.to_json()).unwrap();
        assert_eq!(first.graph().relations(), graph.relations());
    }

    #[test]
    fn scans_recognise_every_snapshot_format_read() {
        for format in FORMATS_READ {
            assert!(format!("\"{format}\"").starts_with(crate::source::SNAPSHOT_MARK), "{format}");
        }
    }

    #[test]
    fn rejects_other_formats_with_the_path() {
        let err = Snapshot::from_json(r#"{"format":"auditgraph-inventory/1"}"#).unwrap_err();
        assert!(err.starts_with("at format:"), "{err}");
    }
}

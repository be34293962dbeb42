//! What an auditor takes away from a scan: the assessment both the evidence pack
//! and the HTML report are made from (the snapshot with its exceptions, each
//! control's complete population, the requirements' verdicts, the boundary, the
//! diagrams), checked to be the test the scan ran.

pub mod html_report;
pub mod manifest;
pub mod pack;
pub mod population;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Result};

use crate::analysis::Facts;
use crate::boundary::{self, Boundary};
use crate::controls::Control;
use crate::frameworks::Framework;
use crate::graph::AssetGraph;
use crate::render::{self, Options, Scene, View};
use crate::selector::Selector;
use crate::snapshot::Snapshot;
use population::Population;

/// The diagrams an auditor gets, in this order.
pub const VIEWS: [View; 3] = [View::Network, View::Exposure, View::Boundary];

/// A snapshot read for an auditor, and the controls and frameworks it is judged by.
pub struct Sources {
    pub snapshot: Snapshot,
    pub snapshot_path: PathBuf,
    pub snapshot_sha256: String,
    /// The controls of the scan (their digest must be the snapshot's).
    pub controls: Vec<Control>,
    pub frameworks: Vec<Framework>,
    /// The exceptions file applied, if any.
    pub exceptions: Option<PathBuf>,
    /// The boundary's seeds, and as written.
    pub seeds: Vec<Selector>,
    pub seed_text: Vec<String>,
}

/// What both outputs show, derived once.
pub struct Assessment<'a> {
    pub sources: &'a Sources,
    pub graph: &'a AssetGraph,
    pub facts: &'a Arc<Facts>,
    pub populations: Vec<Population<'a>>,
    pub boundary: Boundary,
}

/// The graph and facts of a snapshot, which an `Assessment` borrows.
pub fn rebuild(snapshot: &Snapshot) -> (AssetGraph, Arc<Facts>) {
    let graph = snapshot.graph();
    let facts = Arc::new(Facts::derive(&graph));
    (graph, facts)
}

impl<'a> Assessment<'a> {
    /// Re-runs the controls on the snapshot's graph to know each one's population
    /// (a snapshot keeps failures and unknowns, not passes nor which assets a
    /// control's `applies_when` left out), after checking they are the controls
    /// the scan ran: a pack is evidence of the test that ran, or none is written.
    pub fn of(sources: &'a Sources, graph: &'a AssetGraph, facts: &'a Arc<Facts>) -> Result<Self> {
        let snap = &sources.snapshot;
        let digest = crate::controls::digest_of(&sources.controls);
        match &snap.scan.controls_digest {
            Some(scanned) if *scanned != digest => bail!(
                "{} was scanned with other controls than those loaded now (digest {} there, {} here): \
                 give the scan's controls with --queries, or scan again",
                sources.snapshot_path.display(),
                short(scanned),
                short(&digest)
            ),
            _ => {}
        }
        let evaluation = crate::controls::evaluate::evaluate(&sources.controls, graph, facts);
        let populations = population::populations(
            graph,
            &sources.controls,
            &snap.controls,
            &snap.findings,
            &evaluation.not_applicable,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", sources.snapshot_path.display()))?;
        let boundary = boundary::compute(graph, facts, &sources.seeds, &sources.seed_text);
        Ok(Assessment { sources, graph, facts, populations, boundary })
    }

    /// The SOC 2 framework, which every control maps to.
    pub fn soc2(&self) -> &Framework {
        self.sources
            .frameworks
            .iter()
            .find(|f| f.id == crate::frameworks::SOC2)
            .expect("frameworks::load_dir refuses a folder without SOC 2")
    }

    /// One SVG per view of `VIEWS`, whole (one picture each), through Graphviz.
    pub fn diagrams(&self) -> Result<Vec<(View, String)>> {
        let scene = Scene {
            graph: self.graph,
            facts: self.facts,
            findings: &self.sources.snapshot.findings,
            scanned_at: self.sources.snapshot.scan.scanned_at,
            boundary: Some(&self.boundary),
        };
        VIEWS
            .iter()
            .map(|&view| {
                let pictures = render::pictures(&scene, view, &Options::default())?;
                let Some(whole) = pictures.first() else { bail!("the {} view drew no diagram", view.name()) };
                Ok((view, render::graphviz::to_svg(&render::dot::write(&whole.picture))?))
            })
            .collect()
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

/// A path as the manifest and the report show it.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

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
use rayon::prelude::*;

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

    /// The SVG diagrams of every view of `VIEWS`. A view too large to print
    /// readably is an overview and one diagram per account or VPC (`Drawn::Everything`, the
    /// overview linking to the parts' files beside it), or its overview alone
    /// (`Drawn::Main`, without links).
    pub fn diagrams(&self, drawn: Drawn) -> Result<Vec<EvidenceDiagram>> {
        let scene = Scene {
            graph: self.graph,
            facts: self.facts,
            findings: &self.sources.snapshot.findings,
            scanned_at: self.sources.snapshot.scan.scanned_at,
            boundary: Some(&self.boundary),
        };
        let drawn_views: Vec<Vec<(View, usize, render::Diagram)>> = VIEWS
            .par_iter()
            .map(|&view| {
                let options = Options {
                    max_nodes: Some(render::pages::READABLE_NODES),
                    file_name: (drawn == Drawn::Everything).then(|| format!("{}.svg", view.name())),
                    ..Options::default()
                };
                let diagrams = render::pictures(&scene, view, &options)?;
                if diagrams.is_empty() {
                    bail!("the {} view drew no diagram", view.name());
                }
                let parts = diagrams.len() - 1;
                let kept = if drawn == Drawn::Main { 1 } else { diagrams.len() };
                Ok(diagrams.into_iter().take(kept).map(|d| (view, parts, d)).collect())
            })
            .collect::<Result<_>>()?;
        let pictures: Vec<(View, usize, render::Diagram)> = drawn_views.into_iter().flatten().collect();
        let dot_texts: Vec<String> = pictures.par_iter().map(|(_, _, d)| render::dot::write(&d.picture)).collect();
        // Graphviz on every core, a batch of diagrams per `dot`: each view's main
        // diagram (an overview takes as long as many parts) alone, its parts together.
        let mut batches: Vec<&[String]> = Vec::new();
        let mut at = 0;
        for view in pictures.chunk_by(|a, b| a.0 == b.0) {
            let texts = &dot_texts[at..at + view.len()];
            batches.push(&texts[..1]);
            batches.extend(texts[1..].chunks(DOT_BATCH));
            at += view.len();
        }
        let svgs: Vec<Vec<String>> = batches.into_par_iter().map(render::graphviz::to_svgs).collect::<Result<_>>()?;
        Ok(pictures
            .into_iter()
            .zip(svgs.into_iter().flatten())
            .map(|((view, parts, d), svg)| EvidenceDiagram { view, suffix: d.suffix, parts, svg })
            .collect())
    }
}

/// Part diagrams laid out by one `dot` process: enough that starting it is cheap
/// beside the layouts, few enough that a large estate's batches fill every core.
const DOT_BATCH: usize = 32;

/// Which diagrams of a view to draw.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Drawn {
    /// The view whole, or its overview and every part.
    Everything,
    /// The view whole, or its overview alone.
    Main,
}

/// One diagram of a view as SVG.
pub struct EvidenceDiagram {
    pub view: View,
    /// What its file name adds to the view's (`network-<suffix>.svg`); empty for
    /// the view's main diagram.
    pub suffix: String,
    /// How many part diagrams the view's overview stands for (0: drawn whole).
    pub parts: usize,
    pub svg: String,
}

impl EvidenceDiagram {
    /// Its file name: `network.svg`, `network-<suffix>.svg`.
    pub fn file_name(&self) -> String {
        render::pages::with_suffix(Path::new(&format!("{}.svg", self.view.name())), &self.suffix).display().to_string()
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

/// A path as the manifest and the report show it.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

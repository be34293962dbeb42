//! `diagram`: draws a view of a snapshot as DOT, as an image through Graphviz, or
//! as an interactive page; one file, or an overview and one per part.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};

use super::{graph_and_facts, load, seeds};
use crate::atomic_file;
use crate::boundary;
use crate::cli::{DiagramArgs, ImageFormat};
use crate::render::pages::{with_suffix, PAGE_BUDGET, READABLE_NODES};
use crate::render::{self, Diagram, Options, Scene, View};

/// The format to write `out` in: `--format`, else what its extension names; an
/// extension that names no format is an error, never DOT under another name.
pub fn format_for(format: Option<ImageFormat>, out: &Path) -> Result<ImageFormat> {
    match format.or_else(|| ImageFormat::of_path(out)) {
        Some(f) => Ok(f),
        None => bail!(
            "{}: the extension names no diagram format; use .dot, .svg, .png, .pdf or .html, or --format",
            out.display()
        ),
    }
}

/// Writes one diagram as DOT, as an image through Graphviz, or as an interactive page.
pub fn write_diagram(scene: &Scene, diagram: &Diagram, format: ImageFormat, out: &Path) -> Result<()> {
    let dot_text = render::dot::write(&diagram.picture);
    match format {
        ImageFormat::Dot => atomic_file::write(out, "diagram", dot_text.as_bytes()),
        ImageFormat::Html => {
            let svg = render::graphviz::to_svg(&dot_text)?;
            atomic_file::write(out, "diagram", render::html::page(scene, &diagram.picture, &svg).as_bytes())
        }
        image => atomic_file::replace_with(out, "diagram", |at| {
            render::graphviz::to_image(&dot_text, image.graphviz_type(), at)
        }),
    }
}

/// Draws `view` to `out` (and its parts beside it), saying each file written
/// through `say` (standard output for `diagram`, standard error for `boundary`,
/// whose standard output is the boundary itself).
pub fn draw(
    scene: &Scene,
    view: View,
    options: &Options,
    format: ImageFormat,
    out: &Path,
    say: fn(&str) -> Result<()>,
) -> Result<()> {
    let options = Options { file_name: out.file_name().map(|n| n.to_string_lossy().into_owned()), ..options.clone() };
    let diagrams = render::pictures(scene, view, &options)?;
    for diagram in &diagrams {
        let path = with_suffix(out, &diagram.suffix);
        write_diagram(scene, diagram, format, &path)?;
        say(&format!("wrote {}", path.display()))?;
    }
    let nodes = diagrams.first().map_or(0, |d| d.picture.nodes().len());
    if diagrams.len() == 1 && options.max_nodes.is_none() && nodes > READABLE_NODES {
        crate::terminal::write_stderr_line(&format!(
            "note: {nodes} nodes in one diagram, too many to print readably; --max-nodes {PAGE_BUDGET} draws one per account or VPC and an overview"
        ))?;
    }
    Ok(())
}

pub fn run(args: DiagramArgs) -> Result<ExitCode> {
    let format = format_for(args.format, &args.out)?;
    let snap = load(args.snapshot.path())?;
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
    let options = Options {
        focus: args.focus.clone(),
        split: args.split,
        max_nodes: args.max_nodes.map(|n| n as usize),
        file_name: None,
    };
    draw(&scene, args.view, &options, format, &args.out, |line| crate::terminal::write_stdout(&format!("{line}\n")))?;
    Ok(ExitCode::SUCCESS)
}

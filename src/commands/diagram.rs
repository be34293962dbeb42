//! `diagram`: draws a view of a snapshot as DOT, or as an image through Graphviz.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};

use super::{graph_and_facts, load, seeds};
use crate::atomic_file;
use crate::boundary;
use crate::cli::{DiagramArgs, ImageFormat};
use crate::render::{self, Scene, View};

/// The format to write `out` in: `--format`, else what its extension names; an
/// extension that names no format is an error, never DOT under another name.
pub fn format_for(format: Option<ImageFormat>, out: &Path) -> Result<ImageFormat> {
    match format.or_else(|| ImageFormat::of_path(out)) {
        Some(f) => Ok(f),
        None => {
            bail!("{}: the extension names no diagram format; use .dot, .svg, .png or .pdf, or --format", out.display())
        }
    }
}

/// Writes a diagram as DOT, or as an image through Graphviz.
pub fn write_diagram(dot_text: &str, format: ImageFormat, out: &Path) -> Result<()> {
    match format {
        ImageFormat::Dot => atomic_file::write(out, "diagram", dot_text.as_bytes()),
        image => atomic_file::replace_with(out, "diagram", |at| {
            render::graphviz::to_image(dot_text, image.graphviz_type(), at)
        }),
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
    for (suffix, dot_text) in render::render(&scene, args.view, &args.focus, args.split) {
        let out = if suffix.is_empty() { args.out.clone() } else { with_suffix(&args.out, &suffix) };
        write_diagram(&dot_text, format, &out)?;
        crate::sayln!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

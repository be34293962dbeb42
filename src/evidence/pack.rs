//! The evidence pack: a folder an auditor takes away and re-checks: per control
//! its definition, complete population, failures and unknowns; the coverage gaps,
//! the boundary, the diagrams, the history's time series, OSCAL assessment results;
//! and a manifest hashing every file and every input.

use std::path::Path;

use anyhow::{bail, Context, Result};
use auditgraph_model::CoverageStatus;
use chrono::Utc;
use rayon::prelude::*;

use super::manifest::{self, FileEntry, HistoryInput, Input, Inputs, InventoryInput, Manifest};
use super::{shown, Assessment, EvidenceDiagram};
use crate::findings::Outcome;
use crate::history::read::HistoryReport;
use crate::report;
use crate::terminal::csv_cell;

/// The history's part of a pack: where it was read and what it held.
pub struct History {
    pub input: HistoryInput,
    pub report: HistoryReport,
}

/// What `write` put in the pack: its files (with the manifest) and their bytes.
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// Writes the pack's `files` to `dir`, replacing an earlier pack there (and nothing else).
pub fn write(dir: &Path, files: &[PackFile]) -> Result<Written> {
    crate::atomic_file::replace_dir(dir, "evidence pack", manifest::is_pack, |at| {
        for (path, bytes) in files {
            let full = at.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&full, bytes).with_context(|| format!("writing {}", full.display()))?;
        }
        Ok(())
    })?;
    Ok(written(files))
}

/// Writes the pack as a zip file, its files in a folder named as the file is
/// (`q4.zip` holds `q4/manifest.json`, ...), compressed with Deflate.
pub fn write_zip(file: &Path, files: &[PackFile]) -> Result<Written> {
    let folder = file.file_stem().map_or("evidence".into(), |s| s.to_string_lossy().into_owned());
    crate::atomic_file::replace_with(file, "evidence zip", |at| {
        let mut zip = zip::ZipWriter::new(std::fs::File::create_new(at)?);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(files.iter().any(|(_, b)| b.len() as u64 >= u32::MAX as u64));
        for (path, bytes) in files {
            zip.start_file(format!("{folder}/{path}"), options)?;
            std::io::Write::write_all(&mut zip, bytes)?;
        }
        zip.finish()?;
        Ok(())
    })?;
    Ok(written(files))
}

fn written(files: &[PackFile]) -> Written {
    Written { files: files.len(), bytes: files.iter().map(|(_, b)| b.len() as u64).sum() }
}

/// Every file of the pack with `SHA256SUMS` and the manifest, computed before
/// anything is written; `diagrams` drawn by `Assessment::diagrams(Drawn::Everything)`.
pub fn complete(a: &Assessment, history: Option<&History>, diagrams: Vec<EvidenceDiagram>) -> Result<Vec<PackFile>> {
    let mut files = contents(a, history, diagrams)?;
    let entries: Vec<FileEntry> = files
        .par_iter()
        .map(|(path, bytes)| FileEntry {
            path: path.clone(),
            sha256: crate::digest::sha256_hex(bytes),
            bytes: bytes.len() as u64,
        })
        .collect();
    let manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        written_at: report::utc(Utc::now()),
        tool: "auditgraph".to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scan: report::scan_metadata(&a.sources.snapshot),
        inputs: inputs(a, history)?,
        files: entries,
    };
    let sums = manifest::sums(&manifest.files);
    files.push((manifest::SUMS.to_string(), sums.into_bytes()));
    files.push((manifest::MANIFEST.to_string(), (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()));
    Ok(files)
}

/// A file of the pack: its `/`-separated path inside the pack, and its bytes.
pub type PackFile = (String, Vec<u8>);

/// Every file of the pack but the manifest, by path, sorted.
fn contents(a: &Assessment, history: Option<&History>, diagrams: Vec<EvidenceDiagram>) -> Result<Vec<PackFile>> {
    let snap = &a.sources.snapshot;
    let soc2 = a.soc2();
    let json =
        |v: &serde_json::Value| -> Result<Vec<u8>> { Ok((serde_json::to_string_pretty(v)? + "\n").into_bytes()) };
    let mut files: Vec<PackFile> = vec![
        ("README.txt".into(), guide(a, history).into_bytes()),
        ("scan.json".into(), json(&report::scan_metadata(snap))?),
        ("coverage-gaps.csv".into(), coverage_gaps_csv(a).into_bytes()),
        ("controls.csv".into(), controls_csv(a).into_bytes()),
        ("requirements.csv".into(), requirements_csv(a).into_bytes()),
        ("assessment-results.json".into(), json(&report::oscal::assessment_results(snap, soc2))?),
        ("boundary.csv".into(), a.boundary.to_csv().into_bytes()),
        ("boundary.json".into(), [serde_json::to_vec_pretty(&a.boundary)?, b"\n".to_vec()].concat()),
    ];
    for framework in &a.sources.frameworks {
        let text = std::fs::read(&framework.file).with_context(|| format!("reading {}", framework.file.display()))?;
        files.push((format!("frameworks/{}.toml", framework.id), text));
    }
    for d in diagrams {
        files.push((format!("diagrams/{}", d.file_name()), d.svg.into_bytes()));
    }
    if let Some(h) = history {
        files.push(("history/controls.csv".into(), h.report.to_csv().into_bytes()));
        files.push(("history/report.json".into(), json(&serde_json::to_value(&h.report)?)?));
    }
    let per_control: Vec<Result<Vec<PackFile>>> = a
        .populations
        .par_iter()
        .map(|p| {
            let id = &p.control.id;
            if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                bail!("control id `{id}` cannot name a folder of the pack");
            }
            let definition = std::fs::read(&p.control.file)
                .with_context(|| format!("reading control {}", p.control.file.display()))?;
            if crate::digest::sha256_hex(&definition) != p.control.digest {
                bail!("{}: changed since it was loaded", p.control.file.display());
            }
            let failures = serde_json::to_value(p.findings(&[Outcome::Fail, Outcome::Accepted]))?;
            let unknowns = serde_json::to_value(p.findings(&[Outcome::Unknown]))?;
            Ok(vec![
                (format!("controls/{id}/definition.toml"), definition),
                (format!("controls/{id}/population.csv"), p.to_csv().into_bytes()),
                (format!("controls/{id}/failures.json"), json(&failures)?),
                (format!("controls/{id}/unknowns.json"), json(&unknowns)?),
            ])
        })
        .collect();
    for part in per_control {
        files.extend(part?);
    }
    files.sort_by(|x, y| x.0.cmp(&y.0));
    Ok(files)
}

fn inputs(a: &Assessment, history: Option<&History>) -> Result<Inputs> {
    let s = a.sources;
    let file_input = |id: &str, path: &Path, digest: &str| Input {
        id: Some(id.to_string()),
        path: shown(path),
        sha256: digest.to_string(),
    };
    let exceptions = match &s.exceptions {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(Input { id: None, path: shown(path), sha256: crate::digest::sha256_hex(&bytes) })
        }
        None => None,
    };
    Ok(Inputs {
        snapshot: Input { id: None, path: shown(&s.snapshot_path), sha256: s.snapshot_sha256.clone() },
        inventories: s
            .snapshot
            .sources
            .iter()
            .map(|src| InventoryInput {
                cloud: src.cloud.as_str().to_string(),
                scope: src.scope.clone(),
                origin: src.origin.clone(),
                sha256: src.sha256.clone(),
                collected_by: src.collected_by.clone(),
            })
            .collect(),
        controls: s.controls.iter().map(|c| file_input(&c.id, &c.file, &c.digest)).collect(),
        frameworks: s.frameworks.iter().map(|f| file_input(&f.id, &f.file, &f.digest)).collect(),
        exceptions,
        history: history.map(|h| h.input.clone()),
        boundary_seeds: s.seed_text.clone(),
    })
}

fn coverage_gaps_csv(a: &Assessment) -> String {
    let mut out = String::from("cloud,scope,service,api,region,resource,status,detail\n");
    for s in &a.sources.snapshot.sources {
        for g in s.gaps().filter(|g| g.status != CoverageStatus::RegionDisabled) {
            let status = serde_json::to_value(g.status).ok().and_then(|v| v.as_str().map(str::to_string));
            let cells = [
                s.cloud.as_str(),
                &s.scope,
                &g.service,
                &g.api,
                g.region.as_deref().unwrap_or(""),
                g.resource.as_ref().map_or("", |r| r.as_str()),
                status.as_deref().unwrap_or(""),
                g.detail.as_deref().unwrap_or(""),
            ];
            push_row(&mut out, &cells);
        }
    }
    out
}

fn controls_csv(a: &Assessment) -> String {
    let soc2 = a.soc2();
    let mut out = String::from(
        "control,title,severity,soc2_criteria,evaluated,passed,failed,unknown,accepted,definition_sha256\n",
    );
    for p in &a.populations {
        let r = p.result;
        let criteria: Vec<&str> = soc2.requirements_of(&p.control.id).map(|q| q.id.as_str()).collect();
        let counts = [r.evaluated, r.passed, r.failed, r.unknown, r.accepted].map(|n| n.to_string());
        let mut cells = vec![p.control.id.as_str(), &p.control.title, p.control.severity.as_str()];
        let joined = criteria.join(" ");
        cells.push(&joined);
        cells.extend(counts.iter().map(String::as_str));
        cells.push(&p.control.digest);
        push_row(&mut out, &cells);
    }
    out
}

fn requirements_csv(a: &Assessment) -> String {
    let mut out = String::from("framework,requirement,title,verdict,controls\n");
    for framework in &a.sources.frameworks {
        for r in framework.coverage(&a.sources.snapshot.controls) {
            let controls = r.requirement.controls.join(" ");
            let cells = [framework.id.as_str(), &r.requirement.id, &r.requirement.title, r.verdict.as_str(), &controls];
            push_row(&mut out, &cells);
        }
    }
    out
}

fn push_row(out: &mut String, cells: &[&str]) {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// The pack's own guide: what each file is, for the person who opens the folder.
fn guide(a: &Assessment, history: Option<&History>) -> String {
    let snap = &a.sources.snapshot;
    let history_line = match history {
        Some(h) => format!(
            "history/         each control's counts in every stored scan from {} to {} ({} scans)\n",
            h.input.from, h.input.to, h.input.scans
        ),
        None => "history/         (no history store was given or found: no time series)\n".to_string(),
    };
    format!(
        "auditgraph evidence pack\n\
         scan of {} with {} controls over {} scopes\n\n\
         manifest.json    SHA-256 of every file here and of every input; check with\n                 \
         `auditgraph evidence --verify DIR`, or `sha256sum -c SHA256SUMS` in this folder\n\
         scan.json        when the scan ran, by which version, each scope and who read it\n\
         controls.csv     every control: its SOC 2 criteria, population counts, definition hash\n\
         controls/ID/     definition.toml (the control as run), population.csv (every asset\n                 \
         it evaluated with its outcome), failures.json, unknowns.json (with what was missing)\n\
         requirements.csv every requirement of every framework with its verdict\n\
         coverage-gaps.csv what the scan could not read (an unknown, never a pass)\n\
         boundary.csv     the audit boundary for the seeds {}\n\
         diagrams/        network.svg, exposure.svg, boundary.svg: each view whole, or over\n                 \
         {budget} nodes an overview linking to one diagram per account or VPC beside it\n\
         {history_line}\
         assessment-results.json  OSCAL 1.1.2 assessment results\n\
         frameworks/      the framework files used\n",
        report::utc(snap.scan.scanned_at),
        a.populations.len(),
        snap.sources.len(),
        a.sources.seed_text.join(", "),
        budget = crate::render::pages::READABLE_NODES,
    )
}

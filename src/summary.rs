//! The scan summary printed after `scan`: what was read (assets by scope and kind,
//! relations), what was not (coverage gaps), and what did not fit (conflicts,
//! unresolved references).

use std::collections::BTreeMap;
use std::fmt::Write;

use auditgraph_model::AssetKind;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::{AssetGraph, LoadWarning};
use crate::terminal::field;

pub fn scan_summary(graph: &AssetGraph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Read {} inventories:", graph.sources.len());
    let AssetCounts { per_scope, per_kind } = asset_counts(graph);
    for s in &graph.sources {
        let _ = writeln!(
            out,
            "  {:<4} {:<24} collected {}  {} ({} coverage gaps)",
            s.cloud.as_str(),
            s.scope,
            s.collected_at.format("%Y-%m-%d %H:%M UTC"),
            s.origin,
            s.gaps().count()
        );
    }
    let _ = writeln!(out, "\nAssets: {} in {} scopes", graph.asset_count(), per_scope.len());
    for ((cloud, scope), n) in &per_scope {
        let _ = writeln!(out, "  {cloud:<4} {scope:<24} {n:>6}");
    }
    let _ = writeln!(out, "\nBy kind:");
    for (kind, n) in per_kind {
        let _ = writeln!(out, "  {:<28} {n:>6}", kind.as_str());
    }
    let _ = writeln!(out, "\nRelations: {}", graph.relation_count());
    let unresolved = graph.unresolved();
    let _ = writeln!(out, "Unresolved references: {}", unresolved.len());
    for w in graph.warnings.iter().filter(|w| matches!(w, LoadWarning::Unresolved { .. })) {
        let _ = writeln!(out, "  {}", field(&w.to_string()));
    }
    let conflicts: Vec<_> = graph.warnings.iter().filter(|w| matches!(w, LoadWarning::Conflict { .. })).collect();
    let _ = writeln!(out, "Conflicts: {}", conflicts.len());
    for w in conflicts {
        let _ = writeln!(out, "  {}", field(&w.to_string()));
    }
    let gaps: Vec<_> = graph.sources.iter().flat_map(|s| s.gaps().map(move |g| (s, g))).collect();
    let _ = writeln!(out, "Coverage gaps: {}", gaps.len());
    for (s, g) in gaps {
        let _ = writeln!(
            out,
            "  {} {} {} {}:{}{}: {}{}",
            s.cloud.as_str(),
            s.scope,
            g.region.as_deref().unwrap_or("global"),
            g.service,
            g.api,
            g.resource.as_ref().map(|r| format!(" on {r}")).unwrap_or_default(),
            g.status.as_str(),
            g.detail.as_ref().map(|d| format!(" ({})", field(d))).unwrap_or_default()
        );
    }
    out
}

/// How many assets each (cloud, scope) and each kind has.
struct AssetCounts<'g> {
    per_scope: BTreeMap<(&'g str, &'g str), usize>,
    per_kind: BTreeMap<AssetKind, usize>,
}

/// `AssetCounts`, in one pass over both cores.
fn asset_counts(graph: &AssetGraph) -> AssetCounts<'_> {
    type Partial<'g> = (FxHashMap<(&'g str, &'g str), usize>, FxHashMap<AssetKind, usize>);
    let (scopes, kinds): Partial = graph
        .assets()
        .par_iter()
        .fold(Partial::default, |(mut scopes, mut kinds), a| {
            *scopes.entry((a.cloud().as_str(), a.account.as_str())).or_default() += 1;
            *kinds.entry(a.kind()).or_default() += 1;
            (scopes, kinds)
        })
        .reduce(Partial::default, |(mut scopes, mut kinds), (more_scopes, more_kinds)| {
            more_scopes.into_iter().for_each(|(k, n)| *scopes.entry(k).or_default() += n);
            more_kinds.into_iter().for_each(|(k, n)| *kinds.entry(k).or_default() += n);
            (scopes, kinds)
        });
    AssetCounts { per_scope: scopes.into_iter().collect(), per_kind: kinds.into_iter().collect() }
}

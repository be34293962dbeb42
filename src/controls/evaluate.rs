//! Evaluates controls against a graph in parallel (rayon): every target asset gets
//! pass, fail or unknown, where unknown means the data was not collected (a missing
//! attribute, an undecidable fact, or a coverage gap the control needs), never pass.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auditgraph_model::{calls, Asset, AssetClass, AssetId, AssetKind, Cloud, CoverageRecord, CoverageStatus};
use cel::{ExecutionError, Value};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{asset_view, cel_env, Control};
use crate::analysis::Facts;
use crate::findings::{ControlResult, Evidence, Finding, Outcome};
use crate::graph::AssetGraph;
use crate::source::Source;

pub struct Evaluation {
    pub results: Vec<ControlResult>,
    pub findings: Vec<Finding>,
    /// (control, asset) of the targets a control's `applies_when` left out of its
    /// population; every other target of a control without a finding passed.
    pub not_applicable: FxHashSet<(String, AssetId)>,
}

/// What one check of one asset left, when it did not simply pass.
enum Checked {
    NotApplicable(AssetId, Cloud),
    NotPassed(Finding, Cloud),
}

/// The outcome of one condition on one asset, with why.
pub fn judge(result: Result<Value, ExecutionError>) -> (Outcome, Option<String>) {
    match result {
        Ok(Value::Bool(true)) => (Outcome::Fail, None),
        Ok(Value::Bool(false)) => (Outcome::Pass, None),
        Ok(other) => (Outcome::Unknown, Some(format!("the condition gave {other:?}, not true or false"))),
        // An attribute that is absent was not collected; any other key (a tag, a
        // condition) is simply not there, which the condition did not allow for.
        Err(ExecutionError::NoSuchKey(key))
            if AssetKind::ALL.iter().any(|k| k.attribute_fields().contains(&key.as_str())) =>
        {
            (Outcome::Unknown, Some(format!("`{key}` was not collected")))
        }
        Err(ExecutionError::NoSuchKey(key)) => (
            Outcome::Unknown,
            Some(format!("could not evaluate: `{key}` is not present on this asset (guard it with has() or `in`)")),
        ),
        // A fact function that cannot answer says why in its own words (not collected, undecided, ...).
        Err(ExecutionError::FunctionError { message, .. }) => (Outcome::Unknown, Some(message)),
        Err(e) => (Outcome::Unknown, Some(format!("could not evaluate: {e}"))),
    }
}

/// When each scope's data was collected: the `now` of its assets' conditions.
pub fn collection_times(sources: &[Source]) -> (FxHashMap<String, DateTime<Utc>>, DateTime<Utc>) {
    let mut times = FxHashMap::default();
    for s in sources {
        times
            .entry(s.scope.clone())
            .and_modify(|t: &mut DateTime<Utc>| *t = (*t).max(s.collected_at))
            .or_insert(s.collected_at);
    }
    let latest = times.values().copied().max().unwrap_or_else(Utc::now);
    (times, latest)
}

/// How long the controls may take. Each expression is bounded when it loads (depth
/// and steps per asset); these bound what the data makes of it, so a scan always
/// ends: a check over its asset's budget is unknown (and its control is not run on
/// further assets: what was slow once would be slow again), and what is left when
/// the scan's budget runs out is unknown, each with the reason.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub per_check: Duration,
    pub per_scan: Duration,
}

impl Budget {
    pub const DEFAULT: Budget = Budget { per_check: Duration::from_secs(2), per_scan: Duration::from_secs(600) };
}

/// Evaluates every control on every asset of its target kinds (`Budget::DEFAULT`).
pub fn evaluate(controls: &[Control], graph: &AssetGraph, facts: &Arc<Facts>) -> Evaluation {
    evaluate_within(controls, graph, facts, Budget::DEFAULT)
}

/// Evaluates every control on every asset of its target kinds, within `budget`.
/// Assets are spread over threads; each asset is turned into a CEL value once for
/// all its controls.
pub fn evaluate_within(controls: &[Control], graph: &AssetGraph, facts: &Arc<Facts>, budget: Budget) -> Evaluation {
    let deadline = Instant::now() + budget.per_scan;
    // Per control: the first asset whose check ran over its budget.
    let too_slow: Vec<std::sync::OnceLock<AssetId>> = controls.iter().map(|_| std::sync::OnceLock::new()).collect();
    let mut by_kind: FxHashMap<AssetKind, Vec<usize>> = FxHashMap::default();
    for (i, c) in controls.iter().enumerate() {
        for k in &c.targets {
            by_kind.entry(*k).or_default().push(i);
        }
    }
    let (times, latest) = collection_times(&graph.sources);
    // The coverage gaps each control needs; a disabled region holds nothing to check.
    let gaps: Vec<Vec<(&Source, &CoverageRecord)>> = controls
        .iter()
        .map(|control| {
            graph
                .sources
                .iter()
                .flat_map(|s| s.gaps().map(move |g| (s, g)))
                .filter(|(_, g)| {
                    g.status != CoverageStatus::RegionDisabled
                        && control.needs.iter().any(|p| calls::pattern_covers(p, &g.service, &g.api))
                })
                .collect()
        })
        .collect();
    let target_kinds: Vec<AssetKind> = by_kind.keys().copied().collect();
    let targets: Vec<&Asset> = graph.assets_of(&target_kinds);
    let mut results: Vec<ControlResult> = controls
        .iter()
        .map(|c| ControlResult {
            control: c.id.clone(),
            title: c.title.clone(),
            severity: c.severity,
            criteria: c.criteria.clone(),
            description: c.description.clone(),
            remediation: c.remediation.clone(),
            evaluated: 0,
            passed: 0,
            failed: 0,
            unknown: 0,
            accepted: 0,
            by_cloud: BTreeMap::new(),
        })
        .collect();
    for asset in &targets {
        for &ci in &by_kind[&asset.kind()] {
            results[ci].count_evaluated(asset.kind().cloud(), true);
        }
    }
    // Most checks pass; only what did not (with its control) leaves the threads.
    let not_passed: Vec<(usize, Checked)> = targets
        .par_iter()
        .map_init(
            || cel_env::context(facts),
            |ctx, asset| {
                cel_env::bind(ctx, asset, times.get(&asset.account).copied().unwrap_or(latest));
                let out_of_time = Instant::now() > deadline;
                let mut out = Vec::new();
                for &ci in &by_kind[&asset.kind()] {
                    let control = &controls[ci];
                    let judged = if out_of_time {
                        let budget = budget.per_scan.as_secs_f64();
                        Some((
                            Outcome::Unknown,
                            Some(format!("not evaluated: the controls ran past their {budget}-second budget")),
                        ))
                    } else if let Some(slow) = too_slow[ci].get() {
                        let budget = budget.per_check.as_secs_f64();
                        Some((
                            Outcome::Unknown,
                            Some(format!("not evaluated: this control ran past its {budget}-second budget on {slow}")),
                        ))
                    } else {
                        check(control, ctx, asset, &too_slow[ci], budget.per_check)
                    };
                    let Some((mut outcome, mut why)) = judged else {
                        out.push((ci, Checked::NotApplicable(asset.id.clone(), asset.kind().cloud())));
                        continue;
                    };
                    if let Some((_, gap)) = gaps[ci].iter().find(|(_, g)| g.resource.as_ref() == Some(&asset.id)) {
                        if outcome == Outcome::Pass {
                            outcome = Outcome::Unknown;
                            why = Some(gap_text(gap));
                        }
                    }
                    if outcome != Outcome::Pass {
                        let evidence = match why {
                            Some(w) => vec![Evidence::note(w)],
                            None => evidence_for(control, asset, graph, facts),
                        };
                        out.push((
                            ci,
                            Checked::NotPassed(
                                finding(control, asset.id.clone(), asset, outcome, evidence),
                                asset.kind().cloud(),
                            ),
                        ));
                    }
                }
                out
            },
        )
        .flatten_iter()
        .collect();
    let mut findings = Vec::with_capacity(not_passed.len());
    let mut not_applicable = FxHashSet::default();
    for (ci, checked) in not_passed {
        match checked {
            Checked::NotApplicable(asset, cloud) => {
                results[ci].count_evaluated(cloud, false);
                not_applicable.insert((controls[ci].id.clone(), asset));
            }
            Checked::NotPassed(found, cloud) => {
                results[ci].count_outcome(cloud, found.outcome);
                findings.push(found);
            }
        }
    }
    for r in &mut results {
        r.settle_passed();
    }
    // A whole API that could not be read: the control cannot vouch for that scope.
    let scope_assets: HashMap<&str, &Asset> =
        graph.assets_of_class(AssetClass::Account).into_iter().map(|a| (a.account.as_str(), a)).collect();
    for (ci, control) in controls.iter().enumerate() {
        for (source, gap) in gaps[ci].iter().filter(|(_, g)| g.resource.is_none()) {
            // The scope itself is one more check, unknown: so evaluated = passed + failed + unknown.
            results[ci].count_evaluated(source.cloud, true);
            results[ci].count_outcome(source.cloud, Outcome::Unknown);
            let scope_asset = scope_assets.get(source.scope.as_str());
            findings.push(Finding {
                control: control.id.clone(),
                title: control.title.clone(),
                severity: control.severity,
                criteria: control.criteria.clone(),
                outcome: Outcome::Unknown,
                asset: scope_asset.map(|a| a.id.clone()).unwrap_or_else(|| AssetId::new(source.scope.clone())),
                asset_kind: scope_asset.map(|a| a.kind().to_string()).unwrap_or_else(|| "scope".into()),
                asset_name: scope_asset.map(|a| a.name.clone()).unwrap_or_else(|| source.scope.clone()),
                account: source.scope.clone(),
                region: gap.region.clone(),
                evidence: vec![Evidence::note(gap_text(gap))],
            });
        }
    }
    results.sort();
    findings.par_sort_unstable();
    Evaluation { results, findings, not_applicable }
}

/// One control on one asset, within the time a check may take: `None` when the
/// control's `applies_when` leaves the asset out; unknown when it cannot tell.
fn check(
    control: &Control,
    ctx: &cel::Context,
    asset: &Asset,
    too_slow: &std::sync::OnceLock<AssetId>,
    per_check: Duration,
) -> Option<(Outcome, Option<String>)> {
    let started = Instant::now();
    let judged = match control.applies_when.as_ref().map(|c| judge(c.program.execute(ctx))) {
        // `judge` reads a condition that holds as a failure: here, as "it applies".
        None | Some((Outcome::Fail, _)) => judge(control.program.execute(ctx)),
        Some((Outcome::Pass, _)) => return None,
        Some((_, why)) => {
            (Outcome::Unknown, Some(format!("could not tell whether the control applies: {}", why.unwrap_or_default())))
        }
    };
    if started.elapsed() > per_check {
        let _ = too_slow.set(asset.id.clone());
        let budget = per_check.as_secs_f64();
        return Some((Outcome::Unknown, Some(format!("not decided: the check ran past its {budget}-second budget"))));
    }
    Some(judged)
}

fn gap_text(gap: &CoverageRecord) -> String {
    format!(
        "coverage gap: {}:{} in {} was not read ({}{})",
        gap.service,
        gap.api,
        gap.region.as_deref().unwrap_or("global"),
        gap.status.as_str(),
        gap.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
    )
}

fn finding(control: &Control, id: AssetId, asset: &Asset, outcome: Outcome, evidence: Vec<Evidence>) -> Finding {
    Finding {
        control: control.id.clone(),
        title: control.title.clone(),
        severity: control.severity,
        criteria: control.criteria.clone(),
        outcome,
        asset: id,
        asset_kind: asset.kind().to_string(),
        asset_name: asset.name.clone(),
        account: asset.account.clone(),
        region: asset.region.clone(),
        evidence,
    }
}

/// Why a control failed: what each fact function it used knows about the asset,
/// and the values of the attributes it read.
fn evidence_for(control: &Control, asset: &Asset, graph: &AssetGraph, facts: &Facts) -> Vec<Evidence> {
    let mut out: Vec<Evidence> =
        control.facts_used.iter().flat_map(|f| (f.evidence)(graph, facts, &asset.id)).collect();
    for field in control.attributes_used.iter().filter(|f| asset.kind().attribute_fields().contains(&f.as_str())) {
        let value = asset_view::attribute_json(&asset.attributes, field)
            .map(|v| v.to_string())
            .unwrap_or_else(|| "not collected".into());
        let value = if value.len() > 300 {
            format!("{}…", &value[..value.char_indices().nth(300).map(|(i, _)| i).unwrap_or(value.len())])
        } else {
            value
        };
        out.push(Evidence::note(format!("{field} = {value}")));
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::source::FixtureProvider;

    #[test]
    fn what_is_absent_is_worded_as_what_it_is() {
        let not_collected = judge(Err(ExecutionError::NoSuchKey(Arc::new("storage_encrypted".into()))));
        assert_eq!(not_collected, (Outcome::Unknown, Some("`storage_encrypted` was not collected".into())));
        let (outcome, why) = judge(Err(ExecutionError::NoSuchKey(Arc::new("env".into()))));
        assert_eq!(outcome, Outcome::Unknown);
        assert!(why.unwrap().starts_with("could not evaluate: `env` is not present"));
    }

    #[test]
    fn a_spent_budget_leaves_every_check_unknown_with_the_reason() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let inventories = FixtureProvider::new(root.join("fixtures/demo")).collect_sourced().unwrap();
        let graph = AssetGraph::from_inventories(inventories);
        let facts = Arc::new(Facts::derive(&graph));
        let controls = super::super::load_dir(&root.join("queries")).unwrap();
        let spent = evaluate_within(&controls, &graph, &facts, Budget { per_scan: Duration::ZERO, ..Budget::DEFAULT });
        let evaluated: u64 = spent.results.iter().map(|r| r.evaluated as u64).sum();
        assert!(evaluated > 100);
        for r in &spent.results {
            assert_eq!((r.passed, r.failed, r.unknown), (0, 0, r.evaluated), "{}", r.control);
        }
        assert!(spent.findings.iter().all(|f| f.outcome == Outcome::Unknown));
        assert!(format!("{:?}", spent.findings[0].evidence).contains("budget"));
        let slow = evaluate_within(&controls, &graph, &facts, Budget { per_check: Duration::ZERO, ..Budget::DEFAULT });
        for r in &slow.results {
            assert_eq!((r.passed, r.failed, r.unknown), (0, 0, r.evaluated), "{}", r.control);
        }
        let why: BTreeSet<String> = slow.findings.iter().map(|f| format!("{:?}", f.evidence)).collect();
        assert!(why.iter().any(|w| w.contains("the check ran past its 0-second budget")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("this control ran past its 0-second budget on ")), "{why:?}");
        let ample = evaluate_within(&controls, &graph, &facts, Budget::DEFAULT);
        assert!(ample.results.iter().any(|r| r.failed > 0));
        for r in &ample.results {
            assert_eq!(r.evaluated, r.passed + r.failed + r.unknown, "{}", r.control);
        }
    }
}

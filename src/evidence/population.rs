//! A control's complete population: every asset it evaluated with its outcome,
//! the passes included, rebuilt from a snapshot and checked against the counts the
//! scan recorded.

use std::collections::HashMap;

use anyhow::{bail, Result};
use auditgraph_model::{Asset, AssetId};
use rustc_hash::FxHashSet;

use crate::controls::Control;
use crate::findings::{ControlResult, Finding, Outcome};
use crate::graph::AssetGraph;
use crate::report::compact;
use crate::terminal::csv_cell;

/// One asset a control evaluated, and what it concluded: an asset of its target
/// kinds, or the scope (account, project) a call it needs could not be read in.
pub struct Member<'a> {
    pub id: &'a AssetId,
    pub kind: String,
    pub name: &'a str,
    pub account: &'a str,
    pub region: Option<&'a str>,
    pub outcome: Outcome,
    /// The finding, for every outcome but a pass.
    pub finding: Option<&'a Finding>,
}

impl<'a> Member<'a> {
    fn of_asset(asset: &'a Asset, finding: Option<&'a Finding>) -> Self {
        Member {
            id: &asset.id,
            kind: asset.kind().to_string(),
            name: &asset.name,
            account: &asset.account,
            region: asset.region.as_deref(),
            outcome: finding.map_or(Outcome::Pass, |f| f.outcome),
            finding,
        }
    }

    /// A scope's own check, which only a finding describes.
    fn of_scope(f: &'a Finding) -> Self {
        Member {
            id: &f.asset,
            kind: f.asset_kind.clone(),
            name: &f.asset_name,
            account: &f.account,
            region: f.region.as_deref(),
            outcome: f.outcome,
            finding: Some(f),
        }
    }
}

pub struct Population<'a> {
    pub control: &'a Control,
    /// The counts the scan recorded for the control.
    pub result: &'a ControlResult,
    pub members: Vec<Member<'a>>,
}

/// Each control's population: the assets of its target kinds that its
/// `applies_when` kept (everything but `not_applicable`), each with the outcome
/// of its finding, or a pass where the scan left none. An error when a population
/// does not add up to the counts the scan recorded: the pack would then show
/// another test than the one that ran.
pub fn populations<'a>(
    graph: &'a AssetGraph,
    controls: &'a [Control],
    results: &'a [ControlResult],
    findings: &'a [Finding],
    not_applicable: &FxHashSet<(String, AssetId)>,
) -> Result<Vec<Population<'a>>> {
    let mut by_check: HashMap<(&str, &AssetId), &Finding> = HashMap::with_capacity(findings.len());
    for f in findings {
        by_check.insert((f.control.as_str(), &f.asset), f);
    }
    let mut out = Vec::with_capacity(controls.len());
    for control in controls {
        let Some(result) = results.iter().find(|r| r.control == control.id) else {
            bail!("control {} was not run by the scan: the snapshot was taken with other controls", control.id);
        };
        let mut members: Vec<Member> = graph
            .assets_of(&control.targets)
            .into_iter()
            .filter(|a| !not_applicable.contains(&(control.id.clone(), a.id.clone())))
            .map(|asset| Member::of_asset(asset, by_check.get(&(control.id.as_str(), &asset.id)).copied()))
            .collect();
        // A scope where a call the control needs failed is one more check, unknown:
        // every finding of the control that no target asset took.
        let taken: FxHashSet<*const Finding> =
            members.iter().filter_map(|m| m.finding).map(|f| f as *const Finding).collect();
        let scope_checks: Vec<Member> = findings
            .iter()
            .filter(|f| f.control == control.id && !taken.contains(&(*f as *const Finding)))
            .map(Member::of_scope)
            .collect();
        members.extend(scope_checks);
        members.sort_by(|a, b| a.id.cmp(b.id).then(a.region.cmp(&b.region)));
        let count = |o: Outcome| members.iter().filter(|m| m.outcome == o).count();
        let (passed, failed, unknown, accepted) =
            (count(Outcome::Pass), count(Outcome::Fail), count(Outcome::Unknown), count(Outcome::Accepted));
        let in_population = failed + unknown + accepted;
        let of_control = findings.iter().filter(|f| f.control == control.id).count();
        if members.len() != result.evaluated
            || (passed, failed, unknown, accepted) != (result.passed, result.failed, result.unknown, result.accepted)
            || in_population != of_control
        {
            bail!(
                "control {}: its population here ({} assets: {passed} pass, {failed} fail, {unknown} unknown, \
                 {accepted} accepted) is not what the scan evaluated ({}: {} pass, {} fail, {} unknown, {} accepted)",
                control.id,
                members.len(),
                result.evaluated,
                result.passed,
                result.failed,
                result.unknown,
                result.accepted
            );
        }
        out.push(Population { control, result, members });
    }
    Ok(out)
}

impl Population<'_> {
    /// The population as CSV: one line per asset evaluated, in id order.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("asset,kind,name,account,region,outcome,evidence\n");
        for m in &self.members {
            let evidence: Vec<String> = m.finding.map(|f| f.evidence.iter().map(compact).collect()).unwrap_or_default();
            let cells = [
                m.id.as_str(),
                &m.kind,
                m.name,
                m.account,
                m.region.unwrap_or(""),
                m.outcome.as_str(),
                &evidence.join(" | "),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }

    /// The findings of one outcome, with their full evidence.
    pub fn findings(&self, outcomes: &[Outcome]) -> Vec<&Finding> {
        self.members.iter().filter(|m| outcomes.contains(&m.outcome)).filter_map(|m| m.finding).collect()
    }
}

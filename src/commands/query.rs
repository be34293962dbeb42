//! `query`: the assets for which an expression in the controls' language holds,
//! evaluated by the controls' own evaluator.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use auditgraph_model::Asset;

use super::{graph_and_facts, load};
use crate::cli::{QueryArgs, TextOrJson};
use crate::controls::evaluate::evaluate;
use crate::controls::Control;
use crate::findings::Outcome;
use crate::terminal::field;

pub fn run(args: QueryArgs) -> Result<ExitCode> {
    let snap = load(args.snapshot.path())?;
    let question =
        Control::ad_hoc(&args.expression).map_err(|(line, message)| anyhow!("query, line {line}: {message}"))?;
    let (graph, facts) = graph_and_facts(&snap);
    let evaluation = evaluate(std::slice::from_ref(&question), &graph, &facts);
    let mut matched: Vec<&Asset> = evaluation
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .filter_map(|f| graph.asset(&f.asset))
        .collect();
    matched.sort_by_key(|a| graph.place(&a.id));
    let unknown = evaluation.results.first().map_or(0, |r| r.unknown);
    match args.format {
        TextOrJson::Json => crate::sayln!("{}", serde_json::to_string_pretty(&matched)?),
        TextOrJson::Text => {
            for a in &matched {
                crate::sayln!(
                    "{:<24} {:<14} {:<10} {:<40} {}",
                    a.kind().as_str(),
                    field(&a.account),
                    field(a.region.as_deref().unwrap_or("-")),
                    field(&a.name),
                    field(a.id.as_str())
                );
            }
            crate::sayln!("{} assets match; {unknown} could not be decided", matched.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! The CEL environment controls and ad hoc queries run in: the `asset` variable (its
//! header, class, cloud and typed attributes), `now` (when its inventory was
//! collected), and functions over the analyses' precomputed facts. Each function
//! can also explain itself, which becomes a finding's evidence.

use std::sync::{Arc, OnceLock};

use auditgraph_model::{Asset, AssetId};
use cel::common::types::Kind;
use cel::{Context, Env, ExecutionError, FunctionContext, Value};
use chrono::{DateTime, Utc};

use super::asset_view;
use crate::analysis::access::Verdict;
use crate::analysis::{name_in, Facts, Reach};
use crate::findings::Evidence;
use crate::graph::AssetGraph;

/// What an expression can read of `asset`.
pub const HEADER_FIELDS: &[&str] = &["id", "kind", "class", "cloud", "name", "account", "region", "tags", "attributes"];

/// The variables an expression can use.
pub const VARIABLES: &[&str] = &["asset", "now"];

/// Functions over derived facts; each takes the asset.
pub const FACT_FUNCTIONS: &[&str] = &[
    "internet_reachable",
    "internet_ports",
    "internet_port_open",
    "via_exposed_host",
    "exposed_hosts",
    "is_public",
    "public_access",
    "is_admin",
    "untrusted_assumers",
];

/// The standard environment, built once (building it is the expensive part).
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

/// Whether a CEL function (or operator) exists in the standard library or ours.
pub fn is_known_function(name: &str) -> bool {
    if name.starts_with('_') || name.starts_with('@') || name.starts_with('!') || FACT_FUNCTIONS.contains(&name) {
        return true;
    }
    // Ask the interpreter, as a function and as a method: an unknown name is an
    // undeclared reference either way.
    let context = Context::with_env(env());
    [format!("{name}()"), format!("''.{name}()")].iter().any(|probe| {
        env().compile(probe).is_ok_and(|program| {
            !matches!(program.execute(&context), Err(ExecutionError::UndeclaredReference(n)) if n.as_str() == name)
        })
    })
}

fn strings(v: Vec<String>) -> Value {
    Value::List(Arc::new(v.into_iter().map(|s| Value::String(Arc::new(s))).collect()))
}

/// The id of the asset a fact function was called with (its first argument),
/// read from the lazy view without converting the asset.
fn asset_arg(ftx: &FunctionContext) -> Result<AssetId, ExecutionError> {
    let arg = ftx.args.first().ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    asset_view::id_of(arg.as_ref())
}

/// A context with every fact function bound to `facts`; build one per thread.
pub fn context<'g>(facts: &Arc<Facts>) -> Context<'g, 'g> {
    let mut ctx = Context::with_env(env());
    let f = facts.clone();
    let _ = ctx.add_function("internet_reachable", move |ftx: &FunctionContext| {
        asset_arg(ftx).map(|id| f.from_internet.contains_key(&id))
    });
    let f = facts.clone();
    let _ = ctx.add_function("internet_ports", move |ftx: &FunctionContext| {
        let id = asset_arg(ftx)?;
        let mut ports: Vec<String> =
            f.from_internet.get(&id).into_iter().flatten().flat_map(|r| r.flows.port_labels()).collect();
        ports.sort();
        ports.dedup();
        Ok::<_, ExecutionError>(strings(ports))
    });
    let f = facts.clone();
    let _ = ctx.add_function("internet_port_open", move |ftx: &FunctionContext| {
        let id = asset_arg(ftx)?;
        let ports = ftx.args.get(1).filter(|p| p.get_type().kind() == Kind::List);
        let Some(ports) = ports else {
            return Err(ExecutionError::function_error("internet_port_open", "expected a list of ports"));
        };
        // Most assets are not reachable at all: their answer needs no port list.
        let Some(reaches) = f.from_internet.get(&id) else {
            return Ok(false);
        };
        let Value::List(ports) = Value::try_from(ports.as_ref())? else {
            return Err(ExecutionError::function_error("internet_port_open", "expected a list of ports"));
        };
        let wanted: Vec<u16> =
            ports.iter().filter_map(|p| if let Value::Int(i) = p { u16::try_from(*i).ok() } else { None }).collect();
        Ok(reaches.iter().any(|r| wanted.iter().any(|p| r.flows.allows_port(*p))))
    });
    let f = facts.clone();
    let _ = ctx.add_function("via_exposed_host", move |ftx: &FunctionContext| {
        let id = asset_arg(ftx)?;
        match f.via_exposed_host_undecided.get(&id) {
            Some(why) => Err(ExecutionError::function_error("via_exposed_host", why)),
            None => Ok(f.via_exposed_host.contains_key(&id)),
        }
    });
    let f = facts.clone();
    let _ = ctx.add_function("exposed_hosts", move |ftx: &FunctionContext| {
        let id = asset_arg(ftx)?;
        if let Some(why) = f.via_exposed_host_undecided.get(&id) {
            return Err(ExecutionError::function_error("exposed_hosts", why));
        }
        Ok::<_, ExecutionError>(strings(
            f.via_exposed_host.get(&id).into_iter().flatten().map(|r| r.from.to_string()).collect(),
        ))
    });
    let f = facts.clone();
    let _ =
        ctx.add_function("public_access", move |ftx: &FunctionContext| match f.access.public.get(&asset_arg(ftx)?) {
            Some(Verdict::Yes(reasons)) => Ok(strings(reasons.clone())),
            Some(Verdict::Unknown(why)) => Err(ExecutionError::function_error("public_access", why)),
            _ => Ok(strings(Vec::new())),
        });
    let f = facts.clone();
    let _ = ctx.add_function("is_public", move |ftx: &FunctionContext| match f.access.public.get(&asset_arg(ftx)?) {
        Some(Verdict::Yes(_)) => Ok(true),
        Some(Verdict::Unknown(why)) => Err(ExecutionError::function_error("is_public", why)),
        _ => Ok(false),
    });
    let f = facts.clone();
    let _ = ctx.add_function("is_admin", move |ftx: &FunctionContext| {
        asset_arg(ftx).map(|id| f.access.admins.contains_key(&id))
    });
    let f = facts.clone();
    let _ = ctx.add_function("untrusted_assumers", move |ftx: &FunctionContext| {
        let id = asset_arg(ftx)?;
        Ok::<_, ExecutionError>(strings(f.access.untrusted_assumers.get(&id).cloned().unwrap_or_default()))
    });
    ctx
}

/// Binds `asset` (a lazy view: fields are converted when read) and `now` for one evaluation.
pub fn bind<'g>(ctx: &mut Context<'g, 'g>, asset: &'g Asset, now: DateTime<Utc>) {
    ctx.add_variable_as_val("asset", Box::new(asset_view::bound(asset)));
    ctx.add_variable_from_value("now", Value::Timestamp(now.fixed_offset()));
}

/// What a fact function knows about an asset, as evidence.
pub fn explain(graph: &AssetGraph, facts: &Facts, function: &str, id: &AssetId) -> Vec<Evidence> {
    let evidence = |r: &Reach| r.evidence(&|id| name_in(graph, id));
    match function {
        "internet_reachable" | "internet_ports" | "internet_port_open" => {
            facts.from_internet.get(id).into_iter().flatten().map(evidence).collect()
        }
        "via_exposed_host" | "exposed_hosts" => {
            facts.via_exposed_host.get(id).into_iter().flatten().map(evidence).collect()
        }
        "is_public" | "public_access" => match facts.access.public.get(id) {
            Some(Verdict::Yes(reasons)) => reasons.iter().map(Evidence::note).collect(),
            Some(Verdict::Unknown(why)) => vec![Evidence::note(format!("not collected: {why}"))],
            _ => Vec::new(),
        },
        "is_admin" => facts.access.admins.get(id).into_iter().flatten().map(Evidence::note).collect(),
        "untrusted_assumers" => {
            facts.access.untrusted_assumers.get(id).into_iter().flatten().map(Evidence::note).collect()
        }
        _ => Vec::new(),
    }
}

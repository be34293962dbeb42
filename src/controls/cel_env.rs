//! The CEL environment controls and ad hoc queries run in: the `asset` variable (its
//! header, class, cloud and typed attributes), `now` (when its inventory was
//! collected), and the fact functions of the registry (`fact_functions`) over the
//! analyses' precomputed facts.

use std::sync::{Arc, OnceLock};

use auditgraph_model::Asset;
use cel::{Context, Env, ExecutionError, FunctionContext, Value};
use chrono::{DateTime, Utc};

use super::asset_view;
use super::fact_functions::{self, FACT_FUNCTIONS};
use crate::analysis::Facts;

/// What an expression can read of `asset`.
pub const HEADER_FIELDS: &[&str] = &["id", "kind", "class", "cloud", "name", "account", "region", "tags", "attributes"];

/// The variables an expression can use.
pub const VARIABLES: &[&str] = &["asset", "now"];

/// The standard environment, built once (building it is the expensive part).
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

/// Whether a CEL function (or operator) exists in the standard library or ours.
pub fn is_known_function(name: &str) -> bool {
    if name.starts_with('_') || name.starts_with('@') || name.starts_with('!') || fact_functions::find(name).is_some() {
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

/// A context with every fact function of the registry bound to `facts`; build one per thread.
pub fn context<'g>(facts: &Arc<Facts>) -> Context<'g, 'g> {
    let mut ctx = Context::with_env(env());
    for function in FACT_FUNCTIONS {
        let (facts, eval) = (facts.clone(), function.eval);
        let _ = ctx.add_function(function.name, move |ftx: &FunctionContext| eval(&facts, ftx));
    }
    ctx
}

/// Binds `asset` (a lazy view: fields are converted when read) and `now` for one evaluation.
pub fn bind<'g>(ctx: &mut Context<'g, 'g>, asset: &'g Asset, now: DateTime<Utc>) {
    ctx.add_variable_as_val("asset", Box::new(asset_view::bound(asset)));
    ctx.add_variable_from_value("now", Value::Timestamp(now.fixed_offset()));
}

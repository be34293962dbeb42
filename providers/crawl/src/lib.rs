//! What every cloud provider's crawl shares, written once: the bound on work in
//! flight with a progress line (`budget`), the coverage record of every call with
//! failures classified the same way for every cloud (`coverage`), and the runtime
//! a provider's `collect` runs its crawl on, and secrets kept out of what it
//! writes (`redact`).

pub mod budget;
pub mod coverage;
pub mod redact;

use std::future::Future;

use auditgraph_model::{Inventory, ProviderError};

pub use budget::Budget;
pub use coverage::{error_chain, failure_detail, status_of_http, Api, Recorder};
pub use redact::{redact, register_secret};

/// Runs a provider's crawl to its end on a multi-threaded runtime of its own.
pub fn block_on<T>(cloud: &str, crawl: impl Future<Output = Result<T, ProviderError>>) -> Result<T, ProviderError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ProviderError::Other(format!("{cloud}: starting the async runtime: {e}")))?;
    runtime.block_on(crawl).map_err(|e| match e {
        ProviderError::Other(message) => ProviderError::Other(redact(&message).into_owned()),
        other => other,
    })
}

/// The line a crawl ends with: `aws: read 2 accounts in 3.1 s with 389 API requests (3 coverage gaps)`.
pub fn summary_line(
    cloud: &str,
    scope_noun: &str,
    inventories: &[Inventory],
    elapsed: std::time::Duration,
    requests: usize,
) -> String {
    let gaps: usize = inventories.iter().map(|i| i.gaps().count()).sum();
    format!(
        "{cloud}: read {} {scope_noun} in {:.1} s with {requests} API requests ({gaps} coverage gaps)",
        inventories.len(),
        elapsed.as_secs_f64()
    )
}

//! auditgraph's Google Cloud provider: reads projects read-only through Google's
//! JSON REST APIs (Resource Manager, Cloud Storage, Compute Engine, Cloud SQL) into
//! one inventory per project. `get` makes the calls, `transform` maps them to the
//! model; a denied or failing API becomes a coverage gap and the crawl goes on.

pub mod client;
pub mod get;
pub mod transform;

use auditgraph_model::{Inventory, Provider, ProviderError};
use futures::stream::{self, StreamExt};

pub use client::Endpoints;

/// What to crawl and how.
#[derive(Clone, Debug)]
pub struct GcpOptions {
    /// Projects to read; empty: every active project the credentials can list.
    pub projects: Vec<String>,
    /// With no projects named: only the projects of this organisation.
    pub organization: Option<String>,
    pub endpoints: Endpoints,
    /// No credentials (emulators and recorded-response servers).
    pub anonymous: bool,
    /// Projects read at the same time.
    pub concurrency: usize,
}

pub struct GcpProvider {
    pub options: GcpOptions,
}

impl GcpProvider {
    async fn crawl(&self) -> Result<Vec<Inventory>, ProviderError> {
        let o = &self.options;
        let client = client::Client::new(o.endpoints.clone(), o.anonymous).await.map_err(ProviderError::Other)?;
        let projects = if o.projects.is_empty() {
            get::list_projects(&client, o.organization.as_deref())
                .await
                .map_err(|e| ProviderError::Other(format!("gcp: cloudresourcemanager projects.list: {e}")))?
        } else {
            o.projects.clone()
        };
        let collected_at = chrono::Utc::now();
        let results: Vec<_> = stream::iter(projects)
            .map(|p| {
                let client = client.clone();
                async move {
                    let data = get::project(&client, &p).await;
                    transform::inventory(&p, &data, collected_at)
                        .map_err(|e| ProviderError::Other(format!("gcp: project {p}: {e}")))
                }
            })
            .buffer_unordered(o.concurrency.max(1))
            .collect()
            .await;
        let mut inventories = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        inventories.sort_by(|a, b| a.scope.cmp(&b.scope));
        Ok(inventories)
    }
}

impl Provider for GcpProvider {
    fn name(&self) -> String {
        "gcp".into()
    }

    fn collect(&self) -> Result<Vec<Inventory>, ProviderError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| ProviderError::Other(format!("gcp: starting the async runtime: {e}")))?;
        runtime.block_on(self.crawl())
    }
}

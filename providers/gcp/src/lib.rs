//! auditgraph's Google Cloud provider: reads projects read-only through Google's
//! JSON REST APIs (Resource Manager, IAM, Cloud Storage, Compute Engine, Cloud SQL,
//! Cloud KMS, Cloud Logging) into
//! one inventory per project. `get` makes the calls, `transform` maps them to the
//! model; a denied or failing API becomes a coverage gap and the crawl goes on.

pub mod client;
pub mod get;
pub mod transform;

use auditgraph_crawl::{Budget, Recorder};
use auditgraph_model::{Inventory, Provider, ProviderError};
use futures::future::join_all;

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
    /// Projects read at the same time (the calls of one project run together).
    pub concurrency: usize,
}

pub struct GcpProvider {
    pub options: GcpOptions,
}

impl GcpProvider {
    /// Reads every project; returns the inventories and how many requests it took.
    async fn crawl(&self) -> Result<(Vec<Inventory>, usize), ProviderError> {
        let o = &self.options;
        let budget = Budget::new("gcp", "projects", None, o.concurrency);
        let client = client::Client::new(o.endpoints.clone(), o.anonymous, budget.clone())
            .await
            .map_err(ProviderError::Other)?;
        let projects = if o.projects.is_empty() {
            get::list_projects(&client, o.organization.as_deref())
                .await
                .map_err(|e| ProviderError::Other(format!("gcp: cloudresourcemanager projects.list: {e}")))?
        } else {
            o.projects.clone()
        };
        budget.add_scopes(projects.len());
        let collected_at = chrono::Utc::now();
        let above = get::Ancestors::default();
        // A project whose calls fail, or whose resources do not read, still gives an
        // inventory: its coverage records say what is missing.
        let mut inventories: Vec<Inventory> = join_all(projects.iter().map(|p| {
            let (client, budget, above) = (&client, &budget, &above);
            async move {
                let _permit = budget.permit().await;
                let rec = Recorder::new(budget.clone());
                let data = get::project(client, &rec, above, p).await;
                budget.scope_done();
                transform::inventory(p, &data, rec.into_records(), collected_at)
            }
        }))
        .await;
        budget.finish();
        inventories.sort_by(|a, b| a.scope.cmp(&b.scope));
        Ok((inventories, budget.requests()))
    }
}

impl Provider for GcpProvider {
    fn name(&self) -> String {
        "gcp".into()
    }

    fn collect(&self) -> Result<Vec<Inventory>, ProviderError> {
        let started = std::time::Instant::now();
        let (inventories, requests) = auditgraph_crawl::block_on("gcp", self.crawl())?;
        eprintln!("{}", auditgraph_crawl::summary_line("gcp", "projects", &inventories, started.elapsed(), requests));
        Ok(inventories)
    }
}

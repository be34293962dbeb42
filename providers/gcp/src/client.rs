//! A read-only client for Google's JSON REST APIs: GET (and the read-only
//! `getIamPolicy` POST), bearer tokens from Application Default Credentials (or
//! none, for emulators), `nextPageToken` pagination, and errors classified the way
//! coverage records need them (denied, not enabled, failed).

use std::sync::Arc;

use auditgraph_crawl::{error_chain, failure_detail, status_of_http, Budget};
use auditgraph_model::CoverageStatus;
use serde_json::Value;

/// Where each API lives; tests and emulators point them at 127.0.0.1.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub storage: String,
    pub compute: String,
    pub sql: String,
    pub resource_manager: String,
    /// Resource Manager v2, for folders (v1 has none).
    pub folders: String,
    /// IAM v2, for deny policies.
    pub iam: String,
    /// Cloud KMS v1.
    pub kms: String,
    /// Cloud Logging v2, for log sinks.
    pub logging: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            storage: "https://storage.googleapis.com/storage/v1".into(),
            compute: "https://compute.googleapis.com/compute/v1".into(),
            sql: "https://sqladmin.googleapis.com/v1".into(),
            resource_manager: "https://cloudresourcemanager.googleapis.com/v1".into(),
            folders: "https://cloudresourcemanager.googleapis.com/v2".into(),
            iam: "https://iam.googleapis.com/v2".into(),
            kms: "https://cloudkms.googleapis.com/v1".into(),
            logging: "https://logging.googleapis.com/v2".into(),
        }
    }
}

impl Endpoints {
    /// Every API under one base URL (an emulator or a recorded-response server).
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            storage: format!("{base}/storage/v1"),
            compute: format!("{base}/compute/v1"),
            sql: format!("{base}/v1"),
            resource_manager: format!("{base}/v1"),
            folders: format!("{base}/v2"),
            iam: format!("{base}/iam/v2"),
            kms: format!("{base}/kms/v1"),
            logging: format!("{base}/logging/v2"),
        }
    }
}

/// Why a call returned nothing usable.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status:?}: {detail}")]
pub struct CallError {
    pub status: CoverageStatus,
    pub detail: String,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    auth: Option<Arc<dyn gcp_auth::TokenProvider>>,
    pub endpoints: Endpoints,
    /// Counts every request sent, for the progress line and the crawl's summary.
    budget: Arc<Budget>,
}

const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform.read-only";

impl Client {
    /// A client with Application Default Credentials (`gcloud auth application-default
    /// login`, a service-account key, workload identity or the metadata server), or
    /// anonymous when `anonymous` (emulators).
    pub async fn new(endpoints: Endpoints, anonymous: bool, budget: Arc<Budget>) -> Result<Self, String> {
        let auth = if anonymous {
            None
        } else {
            Some(gcp_auth::provider().await.map_err(|e| format!("Google Application Default Credentials: {e}"))?)
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("auditgraph/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client { http, auth, endpoints, budget })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, CallError> {
        let req = match &self.auth {
            Some(auth) => {
                let token = auth
                    .token(&[SCOPE])
                    .await
                    .map_err(|e| CallError { status: CoverageStatus::Failed, detail: format!("token: {e}") })?;
                auditgraph_crawl::register_secret(token.as_str());
                req.bearer_auth(token.as_str())
            }
            None => req,
        };
        self.budget.request_sent();
        let failed = |e: &reqwest::Error| CallError { status: CoverageStatus::Failed, detail: error_chain(e) };
        let resp = req.send().await.map_err(|e| failed(&e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| failed(&e))?;
        if status.is_success() {
            return serde_json::from_str(&body)
                .map_err(|e| CallError { status: CoverageStatus::Failed, detail: format!("bad JSON: {e}") });
        }
        // Google's error body: {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "..."}}.
        let error = serde_json::from_str::<Value>(&body).ok().map(|v| v["error"].clone()).unwrap_or_default();
        let http = status.as_u16();
        let detail = failure_detail(error["status"].as_str(), error["message"].as_str(), Some(http));
        Err(CallError { status: status_of_http(http), detail: detail.unwrap_or_else(|| format!("HTTP {http}")) })
    }

    pub async fn get(&self, url: &str) -> Result<Value, CallError> {
        self.send(self.http.get(url)).await
    }

    /// A POST that only reads (`getAncestry`).
    pub async fn post_read(&self, url: &str) -> Result<Value, CallError> {
        self.send(self.http.post(url).json(&serde_json::json!({}))).await
    }

    /// `getIamPolicy`, a POST that only reads, asking for policy version 3: an
    /// older version would leave out the conditions of conditional bindings.
    pub async fn get_iam_policy(&self, url: &str) -> Result<Value, CallError> {
        self.send(self.http.post(url).json(&serde_json::json!({"options": {"requestedPolicyVersion": 3}}))).await
    }

    /// Every item of a paginated list (`items_key` holds each page's items).
    pub async fn list(&self, url: &str, items_key: &str) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page_url = match &token {
                Some(t) => format!("{url}{}pageToken={t}", if url.contains('?') { '&' } else { '?' }),
                None => url.to_string(),
            };
            let page = self.get(&page_url).await?;
            match &page[items_key] {
                Value::Array(xs) => items.extend(xs.iter().cloned()),
                // Aggregated lists: {"items": {"zones/x": {"instances": [...]}}}
                Value::Object(scopes) => {
                    for scoped in scopes.values() {
                        if let Some(Value::Array(xs)) =
                            scoped.as_object().and_then(|o| o.values().find(|v| v.is_array()))
                        {
                            items.extend(xs.iter().cloned());
                        }
                    }
                }
                _ => {}
            }
            token = page["nextPageToken"].as_str().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                return Ok(items);
            }
        }
    }
}

//! Every AWS API call goes through here: a bound on how many run at once, a counter
//! of requests sent, a progress line on a terminal, and the call's outcome turned
//! into a coverage record (AWS error codes mapped to access denied, throttled,
//! region disabled or failed) so that a failed call never stops the crawl.

use std::future::Future;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auditgraph_model::{AssetId, CoverageRecord, CoverageStatus};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;

/// What every account's crawl shares: the concurrency bound and the counters.
#[derive(Debug)]
pub struct Budget {
    permits: Semaphore,
    requests: AtomicUsize,
    gaps: AtomicUsize,
    regions_done: AtomicUsize,
    regions_total: AtomicUsize,
    accounts_done: AtomicUsize,
    accounts_total: AtomicUsize,
    progress: ProgressBar,
}

impl Budget {
    /// `concurrency` API calls (or paginated listings) at once, at least one.
    pub fn new(concurrency: usize) -> Arc<Budget> {
        let progress = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{spinner} aws: {msg} [{elapsed}]").expect("a valid template"));
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        Arc::new(Budget {
            permits: Semaphore::new(concurrency.max(1)),
            requests: AtomicUsize::new(0),
            gaps: AtomicUsize::new(0),
            regions_done: AtomicUsize::new(0),
            regions_total: AtomicUsize::new(0),
            accounts_done: AtomicUsize::new(0),
            accounts_total: AtomicUsize::new(0),
            progress,
        })
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn add_accounts(&self, n: usize) {
        self.accounts_total.fetch_add(n, Ordering::Relaxed);
        self.refresh();
    }

    pub fn add_regions(&self, n: usize) {
        self.regions_total.fetch_add(n, Ordering::Relaxed);
        self.refresh();
    }

    pub fn region_done(&self) {
        self.regions_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn account_done(&self) {
        self.accounts_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn finish(&self) {
        self.progress.finish_and_clear();
    }

    fn refresh(&self) {
        if self.progress.is_hidden() {
            return;
        }
        let c = |n: &AtomicUsize| n.load(Ordering::Relaxed);
        self.progress.set_message(format!(
            "{}/{} accounts, {}/{} regions, {} calls, {} gaps",
            c(&self.accounts_done),
            c(&self.accounts_total),
            c(&self.regions_done),
            c(&self.regions_total),
            c(&self.requests),
            c(&self.gaps),
        ));
    }
}

/// Counts each HTTP request the SDK sends (every page and every retry).
#[derive(Debug, Clone)]
pub struct RequestCounter(pub Arc<Budget>);

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "auditgraph request counter"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
        self.0.refresh();
        Ok(())
    }
}

/// The coverage records of one account's crawl, and the calls that make them.
#[derive(Debug)]
pub struct Recorder {
    budget: Arc<Budget>,
    records: Mutex<Vec<CoverageRecord>>,
}

/// Which call a coverage record is about.
#[derive(Clone, Copy)]
pub struct Api<'a> {
    pub service: &'a str,
    pub name: &'a str,
    pub region: Option<&'a str>,
    pub resource: Option<&'a AssetId>,
}

impl<'a> Api<'a> {
    pub fn new(service: &'a str, name: &'a str) -> Self {
        Api { service, name, region: None, resource: None }
    }

    pub fn in_region(self, region: &'a str) -> Self {
        Api { region: Some(region), ..self }
    }

    pub fn on(self, resource: &'a AssetId) -> Self {
        Api { resource: Some(resource), ..self }
    }
}

impl Recorder {
    pub fn new(budget: Arc<Budget>) -> Self {
        Recorder { budget, records: Mutex::new(Vec::new()) }
    }

    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// Runs one call (or one paginated listing) within the concurrency bound and
    /// records its outcome; `None` when it failed.
    pub async fn call<T, E>(
        &self,
        api: Api<'_>,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.call_optional(api, &[], call).await.flatten()
    }

    /// Like [`Recorder::call`], for calls whose "not configured" answer is an error
    /// (`NoSuchBucketPolicy`, `NoSuchEntity`, ...): an error with one of the
    /// `absent` codes is a successful read of nothing, `Some(None)`.
    pub async fn call_optional<T, E>(
        &self,
        api: Api<'_>,
        absent: &[&str],
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Option<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let result = {
            let _permit = self.budget.permits.acquire().await.expect("the semaphore is never closed");
            call.await
        };
        match result {
            Ok(value) => {
                self.record(api, CoverageStatus::Read, None);
                Some(Some(value))
            }
            Err(e) if e.code().is_some_and(|code| absent.contains(&code)) => {
                self.record(api, CoverageStatus::Read, None);
                Some(None)
            }
            Err(e) => {
                let (status, detail) = outcome_of(&e, api.region.is_some());
                self.record(api, status, Some(detail));
                None
            }
        }
    }

    /// Records an outcome that did not come from an SDK error (a document that
    /// would not parse, a role that could not be assumed).
    pub fn record(&self, api: Api<'_>, status: CoverageStatus, detail: Option<String>) {
        if status.is_gap() {
            self.budget.gaps.fetch_add(1, Ordering::Relaxed);
            self.budget.refresh();
        }
        let record = CoverageRecord {
            service: api.service.to_string(),
            api: api.name.to_string(),
            region: api.region.map(str::to_string),
            resource: api.resource.cloned(),
            status,
            detail,
        };
        self.records.lock().expect("no thread panics holding the records").push(record);
    }

    /// The records so far, one per (call, region, resource): pages and repeated
    /// calls collapse, a gap wins over a read.
    pub fn into_records(self) -> Vec<CoverageRecord> {
        let mut records = self.records.into_inner().expect("no thread panics holding the records");
        records.sort_by(|a, b| {
            (&a.service, &a.api, &a.region, &a.resource, b.status.is_gap()).cmp(&(
                &b.service,
                &b.api,
                &b.region,
                &b.resource,
                a.status.is_gap(),
            ))
        });
        records.dedup_by(|later, first| {
            (&later.service, &later.api, &later.region, &later.resource)
                == (&first.service, &first.api, &first.region, &first.resource)
        });
        records
    }
}

/// What a failed call means for coverage, and AWS's own words for it (error code and
/// message; the HTTP status when the response carried no code).
pub fn outcome_of<E>(e: &SdkError<E, HttpResponse>, regional: bool) -> (CoverageStatus, String)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let http_status = e.raw_response().map(|r| r.status().as_u16());
    let status = match (e.code(), http_status) {
        (None, Some(403)) => CoverageStatus::AccessDenied,
        (None, Some(429)) => CoverageStatus::Throttled,
        (code, _) => status_of(code, regional),
    };
    let detail = match (e.code(), e.message(), http_status) {
        (Some(code), Some(message), _) => format!("{code}: {message}"),
        (Some(code), None, _) => code.to_string(),
        (None, _, Some(http)) => format!("HTTP {http}, with no AWS error code in the response"),
        (None, _, None) => error_chain(e),
    };
    (status, detail)
}

/// An error without an AWS error code (a timeout, a response that does not parse)
/// as its chain of causes on one line, short enough to read in a summary.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let line = parts.join(": ").replace('\n', " ");
    match line.char_indices().nth(240) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

/// What an AWS error code says about coverage. Codes that mean "this region is not
/// enabled" only count as such for regional calls; elsewhere they are failures.
pub fn status_of(code: Option<&str>, regional: bool) -> CoverageStatus {
    match code {
        Some(
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "UnauthorizedAccess"
            | "Forbidden",
        ) => CoverageStatus::AccessDenied,
        Some(
            "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "SlowDown",
        ) => CoverageStatus::Throttled,
        Some("OptInRequired") => CoverageStatus::RegionDisabled,
        Some("AuthFailure" | "InvalidClientTokenId" | "UnrecognizedClientException") if regional => {
            CoverageStatus::RegionDisabled
        }
        _ => CoverageStatus::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_coverage_statuses() {
        assert_eq!(status_of(Some("UnauthorizedOperation"), true), CoverageStatus::AccessDenied);
        assert_eq!(status_of(Some("AccessDenied"), false), CoverageStatus::AccessDenied);
        assert_eq!(status_of(Some("RequestLimitExceeded"), true), CoverageStatus::Throttled);
        assert_eq!(status_of(Some("OptInRequired"), true), CoverageStatus::RegionDisabled);
        assert_eq!(status_of(Some("AuthFailure"), true), CoverageStatus::RegionDisabled);
        assert_eq!(status_of(Some("InvalidClientTokenId"), false), CoverageStatus::Failed);
        assert_eq!(status_of(None, true), CoverageStatus::Failed);
    }

    #[test]
    fn records_collapse_per_call_and_a_gap_wins() {
        let recorder = Recorder::new(Budget::new(1));
        let api = Api::new("s3", "GetBucketPolicy").in_region("us-east-1");
        recorder.record(api, CoverageStatus::Read, None);
        recorder.record(api, CoverageStatus::AccessDenied, Some("AccessDenied: no".into()));
        recorder.record(Api::new("iam", "ListUsers"), CoverageStatus::Read, None);
        let records = recorder.into_records();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].api, "GetBucketPolicy");
        assert_eq!(records[1].status, CoverageStatus::AccessDenied);
    }
}

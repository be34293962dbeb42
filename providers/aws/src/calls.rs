//! Every AWS API call goes through here: within the shared budget (a bound on how
//! many run at once, a progress line), each HTTP request counted, and the call's
//! outcome recorded as coverage (AWS error codes mapped to access denied,
//! throttled, region disabled or failed) so that a failed call never stops the crawl.

use std::future::Future;
use std::sync::Arc;

use auditgraph_crawl::{error_chain, failure_detail, status_of_http};
pub use auditgraph_crawl::{Api, Budget, Recorder};
use auditgraph_model::CoverageStatus;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
        self.0.request_sent();
        Ok(())
    }
}

/// The SDK's calls, run within the budget and recorded: `rec.call(api, request)`.
pub trait SdkCall {
    /// Runs one call (or one paginated listing) within the concurrency bound and
    /// records its outcome; `None` when it failed.
    fn call<T, E>(
        &self,
        api: Api<'_>,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> impl Future<Output = Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;

    /// Like [`SdkCall::call`], for calls whose "not configured" answer is an error
    /// (`NoSuchBucketPolicy`, `NoSuchEntity`, ...): an error with one of the
    /// `absent` codes is a successful read of nothing, `Some(None)`.
    fn call_optional<T, E>(
        &self,
        api: Api<'_>,
        absent: &[&str],
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> impl Future<Output = Option<Option<T>>>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;
}

impl SdkCall for Recorder {
    async fn call<T, E>(
        &self,
        api: Api<'_>,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.call_optional(api, &[], call).await.flatten()
    }

    async fn call_optional<T, E>(
        &self,
        api: Api<'_>,
        absent: &[&str],
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Option<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let result = {
            let _permit = self.budget().permit().await;
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
}

/// What a failed call means for coverage, and AWS's own words for it (error code and
/// message; the HTTP status when the response carried no code).
pub fn outcome_of<E>(e: &SdkError<E, HttpResponse>, regional: bool) -> (CoverageStatus, String)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let http_status = e.raw_response().map(|r| r.status().as_u16());
    let status = match (e.code(), http_status) {
        (None, Some(http)) => status_of_http(http),
        (code, _) => status_of(code, regional),
    };
    // Without a code, a message is the SDK's own, not AWS's: only the status says what AWS answered.
    let message = e.code().and(e.message());
    let detail = failure_detail(e.code(), message, http_status).unwrap_or_else(|| error_chain(e));
    (status, detail)
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
}

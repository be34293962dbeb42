//! The coverage record of a crawl: every call's outcome, one record per (call,
//! region, resource), a gap winning over a read; and how a failed call is
//! classified (denied, throttled, failed) and worded (the cloud's error code and
//! message, else the HTTP status) the same way for every cloud.

use std::sync::{Arc, Mutex};

use auditgraph_model::{AssetId, CoverageRecord, CoverageStatus};

use crate::Budget;

/// Which call a coverage record is about.
#[derive(Clone, Copy, Debug)]
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

/// The coverage records of one scope's crawl.
#[derive(Debug)]
pub struct Recorder {
    budget: Arc<Budget>,
    records: Mutex<Vec<CoverageRecord>>,
}

impl Recorder {
    pub fn new(budget: Arc<Budget>) -> Self {
        Recorder { budget, records: Mutex::new(Vec::new()) }
    }

    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// Records one call's outcome; `detail` is the cloud's own words, with any
    /// credential in them redacted.
    pub fn record(&self, api: Api<'_>, status: CoverageStatus, detail: Option<String>) {
        let detail = detail.map(|d| crate::redact(&d).into_owned());
        if status.is_gap() {
            self.budget.gap_found();
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

/// What an HTTP status without a more telling error code means for coverage.
pub fn status_of_http(http: u16) -> CoverageStatus {
    match http {
        401 | 403 => CoverageStatus::AccessDenied,
        429 => CoverageStatus::Throttled,
        _ => CoverageStatus::Failed,
    }
}

/// A failed call in the cloud's own words: its error code and message, else the
/// HTTP status; `None` when the failure carried neither (a timeout, a reset).
pub fn failure_detail(code: Option<&str>, message: Option<&str>, http: Option<u16>) -> Option<String> {
    let message = message.filter(|m| !m.is_empty());
    match (code, message, http) {
        (Some(code), Some(message), _) => Some(format!("{code}: {message}")),
        (Some(code), None, _) => Some(code.to_string()),
        (None, Some(message), Some(http)) => Some(format!("HTTP {http}: {message}")),
        (None, None, Some(http)) => Some(format!("HTTP {http}, with no error code in the response")),
        (None, Some(message), None) => Some(message.to_string()),
        (None, None, None) => None,
    }
}

/// An error without an error code (a timeout, a response that does not parse) as
/// its chain of causes on one line, short enough to read in a summary.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_collapse_per_call_and_a_gap_wins() {
        let recorder = Recorder::new(Budget::new("test", "scopes", None, 1));
        let api = Api::new("s3", "GetBucketPolicy").in_region("us-east-1");
        recorder.record(api, CoverageStatus::Read, None);
        recorder.record(api, CoverageStatus::AccessDenied, Some("AccessDenied: no".into()));
        recorder.record(Api::new("iam", "ListUsers"), CoverageStatus::Read, None);
        let records = recorder.into_records();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].api, "GetBucketPolicy");
        assert_eq!(records[1].status, CoverageStatus::AccessDenied);
    }

    #[test]
    fn failures_are_worded_by_what_they_carry() {
        assert_eq!(status_of_http(403), CoverageStatus::AccessDenied);
        assert_eq!(status_of_http(429), CoverageStatus::Throttled);
        assert_eq!(status_of_http(500), CoverageStatus::Failed);
        assert_eq!(failure_detail(Some("AccessDenied"), Some("no"), Some(403)).unwrap(), "AccessDenied: no");
        assert_eq!(failure_detail(None, Some("quota"), Some(429)).unwrap(), "HTTP 429: quota");
        assert_eq!(failure_detail(None, Some(""), Some(404)).unwrap(), "HTTP 404, with no error code in the response");
        assert_eq!(failure_detail(None, None, None), None);
    }
}

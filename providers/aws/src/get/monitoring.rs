//! The detective services, per region: whether GuardDuty watches it, whether AWS
//! Config records every resource type, and whether Security Hub is on. Each is a
//! setting of the account in that region, so each call's coverage names the account.

use auditgraph_model::AssetId;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

/// Each is `None` when it could not be read (a coverage gap on the account says why).
#[derive(Default)]
pub struct MonitoringData {
    pub guardduty_enabled: Option<bool>,
    pub config_recording: Option<bool>,
    pub security_hub_enabled: Option<bool>,
}

pub struct Clients {
    pub guardduty: aws_sdk_guardduty::Client,
    pub config: aws_sdk_config::Client,
    pub securityhub: aws_sdk_securityhub::Client,
}

pub async fn read(rec: &Recorder, clients: &Clients, region: &str, account: &AssetId) -> MonitoringData {
    let (guardduty_enabled, config_recording, security_hub_enabled) = tokio::join!(
        guardduty(rec, &clients.guardduty, region, account),
        config(rec, &clients.config, region, account),
        security_hub(rec, &clients.securityhub, region, account),
    );
    MonitoringData { guardduty_enabled, config_recording, security_hub_enabled }
}

/// A region has at most one detector; it watches when its status is `ENABLED`.
async fn guardduty(
    rec: &Recorder,
    client: &aws_sdk_guardduty::Client,
    region: &str,
    account: &AssetId,
) -> Option<bool> {
    let api = |name| Api::new("guardduty", name).in_region(region).on(account);
    let ids = rec.call(api("ListDetectors"), all_pages!(client.list_detectors())).await?;
    let statuses = join_all(ids.iter().map(|id| async move {
        let detector = rec.call(api("GetDetector"), client.get_detector().detector_id(id).send()).await?;
        Some(detector.status() == Some(&aws_sdk_guardduty::types::DetectorStatus::Enabled))
    }))
    .await;
    // Unknown unless some detector is known to be enabled or every one was read.
    let any_enabled = statuses.contains(&Some(true));
    (any_enabled || statuses.iter().all(Option::is_some)).then_some(any_enabled)
}

/// Recording means a recorder whose status is recording and whose recording group
/// takes every supported resource type (what CIS asks; a recorder limited to some
/// types leaves the others unrecorded).
async fn config(rec: &Recorder, client: &aws_sdk_config::Client, region: &str, account: &AssetId) -> Option<bool> {
    let api = |name| Api::new("config", name).in_region(region).on(account);
    let (recorders, statuses) = tokio::join!(
        rec.call(api("DescribeConfigurationRecorders"), client.describe_configuration_recorders().send()),
        rec.call(api("DescribeConfigurationRecorderStatus"), client.describe_configuration_recorder_status().send()),
    );
    let (recorders, statuses) = (recorders?, statuses?);
    let recording = |name: Option<&str>| {
        statuses.configuration_recorders_status().iter().any(|s| s.name() == name && s.recording())
    };
    Some(recorders.configuration_recorders().iter().any(|r| {
        let all_types = r.recording_group().is_none_or(|g| g.all_supported());
        all_types && recording(r.name())
    }))
}

/// Security Hub answers `InvalidAccessException` in a region where the account has
/// not enabled it (a denial is `AccessDeniedException`).
async fn security_hub(
    rec: &Recorder,
    client: &aws_sdk_securityhub::Client,
    region: &str,
    account: &AssetId,
) -> Option<bool> {
    let api = Api::new("securityhub", "DescribeHub").in_region(region).on(account);
    let hub = rec.call_optional(api, &["InvalidAccessException"], client.describe_hub().send()).await?;
    Some(hub.is_some())
}

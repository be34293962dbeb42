//! CloudTrail, per region: the trails whose home is the region, whether each is
//! logging now, and which events its selectors record.

use auditgraph_model::AssetId;
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_cloudtrail::Client;
use futures::future::join_all;

use crate::calls::{Api, Recorder, SdkCall};

/// One trail as read.
pub struct TrailRead {
    pub trail: Trail,
    /// Whether it is logging (`None`: its status could not be read).
    pub logging: Option<bool>,
    /// Its event selectors (`None`: not read).
    pub selectors: Option<GetEventSelectorsOutput>,
}

#[derive(Default)]
pub struct TrailData {
    pub trails: Option<Vec<TrailRead>>,
}

pub async fn read(rec: &Recorder, cloudtrail: &Client, region: &str) -> TrailData {
    let listed = rec
        .call(
            Api::new("cloudtrail", "DescribeTrails").in_region(region),
            cloudtrail.describe_trails().include_shadow_trails(false).send(),
        )
        .await;
    let Some(trails) = listed.map(|o| o.trail_list.unwrap_or_default()) else {
        return TrailData { trails: None };
    };
    let read = join_all(trails.into_iter().map(|trail| async move {
        let arn = AssetId::new(trail.trail_arn().unwrap_or_default());
        let status = Api::new("cloudtrail", "GetTrailStatus").in_region(region).on(&arn);
        let selectors = Api::new("cloudtrail", "GetEventSelectors").in_region(region).on(&arn);
        let (logging, selectors) = futures::join!(
            rec.call(status, cloudtrail.get_trail_status().name(arn.as_str()).send()),
            rec.call(selectors, cloudtrail.get_event_selectors().trail_name(arn.as_str()).send()),
        );
        TrailRead { trail, logging: logging.and_then(|s| s.is_logging), selectors }
    }))
    .await;
    TrailData { trails: Some(read) }
}

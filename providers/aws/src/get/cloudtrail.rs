//! CloudTrail, per region: the trails whose home is the region, and whether each
//! is logging now.

use auditgraph_model::AssetId;
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_cloudtrail::Client;
use futures::future::join_all;

use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct TrailData {
    /// Each trail with whether it is logging (`None`: its status could not be read).
    pub trails: Option<Vec<(Trail, Option<bool>)>>,
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
    let logging = join_all(trails.iter().map(|t| async move {
        let arn = AssetId::new(t.trail_arn().unwrap_or_default());
        let api = Api::new("cloudtrail", "GetTrailStatus").in_region(region).on(&arn);
        rec.call(api, cloudtrail.get_trail_status().name(arn.as_str()).send()).await.and_then(|s| s.is_logging)
    }))
    .await;
    TrailData { trails: Some(trails.into_iter().zip(logging).collect()) }
}

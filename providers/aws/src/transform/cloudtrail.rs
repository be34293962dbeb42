//! CloudTrail trails to model assets.

use std::collections::BTreeMap;

use auditgraph_model::aws;
use auditgraph_model::{AssetId, Attributes};

use super::Out;
use crate::arn::kms_key;
use crate::get::cloudtrail::TrailData;

pub fn transform(out: &mut Out, d: &TrailData, region: &str) {
    let account = out.account.clone();
    for (trail, logging) in d.trails.iter().flatten() {
        let Some(arn) = trail.trail_arn() else { continue };
        let home = trail.home_region().unwrap_or(region);
        let attrs = aws::CloudTrail {
            multi_region: trail.is_multi_region_trail().unwrap_or(false),
            organization_trail: trail.is_organization_trail().unwrap_or(false),
            home_region: home.to_string(),
            logging: *logging,
            log_file_validation: trail.log_file_validation_enabled().unwrap_or(false),
            s3_bucket: trail.s3_bucket_name().map(|b| AssetId::new(format!("arn:aws:s3:::{b}"))),
            kms_key: trail.kms_key_id().map(|k| kms_key(k, home, &account)),
            cloudwatch_logs_group: trail.cloud_watch_logs_log_group_arn().map(str::to_string),
        };
        let name = trail.name().unwrap_or(arn).to_string();
        out.add(AssetId::new(arn), name, Some(home), BTreeMap::new(), Attributes::AwsCloudTrail(attrs));
    }
}

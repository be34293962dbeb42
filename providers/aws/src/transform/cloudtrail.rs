//! CloudTrail trails to model assets.

use std::collections::BTreeMap;

use auditgraph_model::aws;
use auditgraph_model::{AssetId, Attributes};
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, ReadWriteType};

use super::Out;
use crate::arn::kms_key;
use crate::get::cloudtrail::{TrailData, TrailRead};

pub fn transform(out: &mut Out, d: &TrailData, region: &str) {
    let account = out.account.clone();
    for TrailRead { trail, logging, selectors } in d.trails.iter().flatten() {
        let Some(arn) = trail.trail_arn() else { continue };
        let home = trail.home_region().unwrap_or(region);
        let objects = selectors.as_ref().map(s3_object_logging);
        let attrs = aws::CloudTrail {
            multi_region: trail.is_multi_region_trail().unwrap_or(false),
            organization_trail: trail.is_organization_trail().unwrap_or(false),
            home_region: home.to_string(),
            logging: *logging,
            log_file_validation: trail.log_file_validation_enabled().unwrap_or(false),
            s3_bucket: trail.s3_bucket_name().map(|b| AssetId::new(format!("arn:aws:s3:::{b}"))),
            kms_key: trail.kms_key_id().map(|k| kms_key(k, home, &account)),
            cloudwatch_logs_group: trail.cloud_watch_logs_log_group_arn().map(str::to_string),
            s3_object_reads_logged: objects.as_ref().map(|o| o.reads),
            s3_object_writes_logged: objects.as_ref().map(|o| o.writes),
        };
        let name = trail.name().unwrap_or(arn).to_string();
        out.add(AssetId::new(arn), name, Some(home), BTreeMap::new(), Attributes::AwsCloudTrail(attrs));
    }
}

/// Which S3 object-level events selectors record for every bucket.
#[derive(Debug, Default, PartialEq)]
struct ObjectLogging {
    reads: bool,
    writes: bool,
}

impl ObjectLogging {
    fn add(&mut self, reads: bool, writes: bool) {
        self.reads |= reads;
        self.writes |= writes;
    }
}

/// What a trail's basic or advanced event selectors record of S3 object events in
/// every bucket. Only a selector that takes every bucket's objects counts: one
/// narrowed to some buckets, event names or callers leaves the rest unlogged.
fn s3_object_logging(selectors: &GetEventSelectorsOutput) -> ObjectLogging {
    let mut logged = ObjectLogging::default();
    for basic in selectors.event_selectors() {
        let every_bucket = basic
            .data_resources()
            .iter()
            .any(|r| r.r#type() == Some("AWS::S3::Object") && r.values().iter().any(|v| names_every_bucket(v)));
        if every_bucket {
            match basic.read_write_type() {
                Some(ReadWriteType::ReadOnly) => logged.add(true, false),
                Some(ReadWriteType::WriteOnly) => logged.add(false, true),
                // `All`, which is also the default.
                _ => logged.add(true, true),
            }
        }
    }
    for advanced in selectors.advanced_event_selectors() {
        let fields = advanced.field_selectors();
        let is = |field: &str, value: &str| fields.iter().any(|f| f.field() == field && only_equals(f, value));
        let narrowed = fields.iter().any(|f| !matches!(f.field(), "eventCategory" | "resources.type" | "readOnly"));
        if !is("eventCategory", "Data") || !is("resources.type", "AWS::S3::Object") || narrowed {
            continue;
        }
        match fields.iter().find(|f| f.field() == "readOnly") {
            None => logged.add(true, true),
            Some(f) if only_equals(f, "true") => logged.add(true, false),
            Some(f) if only_equals(f, "false") => logged.add(false, true),
            Some(_) => {}
        }
    }
    logged
}

/// `arn:aws:s3` (or `arn:aws:s3:::`, in any partition): every bucket, present and future.
fn names_every_bucket(value: &str) -> bool {
    let mut parts = value.trim_end_matches(":::").split(':');
    matches!((parts.next(), parts.next(), parts.next(), parts.next()), (Some("arn"), Some(_), Some("s3"), None))
}

/// A field selector that only lists values to equal, `value` among them.
fn only_equals(f: &AdvancedFieldSelector, value: &str) -> bool {
    let other_operators = !f.starts_with().is_empty()
        || !f.ends_with().is_empty()
        || !f.not_equals().is_empty()
        || !f.not_starts_with().is_empty()
        || !f.not_ends_with().is_empty();
    !other_operators && f.equals().iter().any(|v| v == value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{AdvancedEventSelector, DataResource, EventSelector};

    fn basic(rw: ReadWriteType, values: &[&str]) -> EventSelector {
        let mut resource = DataResource::builder().r#type("AWS::S3::Object");
        for v in values {
            resource = resource.values(*v);
        }
        EventSelector::builder().read_write_type(rw).data_resources(resource.build()).build()
    }

    fn advanced(fields: &[(&str, &str)]) -> AdvancedEventSelector {
        let mut selector = AdvancedEventSelector::builder();
        for (field, value) in fields {
            selector = selector
                .field_selectors(AdvancedFieldSelector::builder().field(*field).equals(*value).build().unwrap());
        }
        selector.build().unwrap()
    }

    fn logging_of(basic_selectors: Vec<EventSelector>, advanced_selectors: Vec<AdvancedEventSelector>) -> (bool, bool) {
        let out = GetEventSelectorsOutput::builder()
            .set_event_selectors(Some(basic_selectors))
            .set_advanced_event_selectors(Some(advanced_selectors))
            .build();
        let l = s3_object_logging(&out);
        (l.reads, l.writes)
    }

    #[test]
    fn only_selectors_that_take_every_buckets_objects_count() {
        assert_eq!(logging_of(vec![basic(ReadWriteType::All, &["arn:aws:s3"])], vec![]), (true, true));
        assert_eq!(logging_of(vec![basic(ReadWriteType::WriteOnly, &["arn:aws:s3:::"])], vec![]), (false, true));
        assert_eq!(logging_of(vec![basic(ReadWriteType::ReadOnly, &["arn:aws-us-gov:s3"])], vec![]), (true, false));
        // One bucket's objects only.
        assert_eq!(logging_of(vec![basic(ReadWriteType::All, &["arn:aws:s3:::payroll/"])], vec![]), (false, false));
        let data = ("eventCategory", "Data");
        let objects = ("resources.type", "AWS::S3::Object");
        assert_eq!(logging_of(vec![], vec![advanced(&[data, objects])]), (true, true));
        assert_eq!(logging_of(vec![], vec![advanced(&[data, objects, ("readOnly", "false")])]), (false, true));
        // Narrowed to one event name, or to another resource type.
        assert_eq!(logging_of(vec![], vec![advanced(&[data, objects, ("eventName", "PutObject")])]), (false, false));
        assert_eq!(
            logging_of(vec![], vec![advanced(&[data, ("resources.type", "AWS::Lambda::Function")])]),
            (false, false)
        );
        // Reads from one selector and writes from another add up.
        let reads = advanced(&[data, objects, ("readOnly", "true")]);
        assert_eq!(logging_of(vec![basic(ReadWriteType::WriteOnly, &["arn:aws:s3"])], vec![reads]), (true, true));
    }
}

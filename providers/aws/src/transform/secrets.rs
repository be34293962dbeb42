//! Secrets Manager secrets to model assets: whether and when each rotates.

use auditgraph_model::{aws, AssetId, Attributes};

use super::{tags, time, Out};
use crate::get::secrets::SecretsData;

pub fn transform(out: &mut Out, secrets: &SecretsData, region: &str) {
    let when = |t: Option<&aws_smithy_types::DateTime>| t.and_then(time);
    for s in secrets.iter().flatten() {
        let (Some(arn), Some(name)) = (s.arn(), s.name()) else { continue };
        let attrs = aws::Secret {
            rotation_enabled: s.rotation_enabled().unwrap_or(false),
            rotation_days: s
                .rotation_rules()
                .and_then(|r| r.automatically_after_days())
                .and_then(|d| u32::try_from(d).ok()),
            last_rotated: when(s.last_rotated_date()),
            last_accessed: when(s.last_accessed_date()),
            created: when(s.created_date()),
        };
        let t = tags(s.tags().iter().map(|t| (t.key(), t.value())));
        out.add(AssetId::new(arn), name.to_string(), Some(region), t, Attributes::AwsSecret(attrs));
    }
}

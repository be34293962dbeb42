//! DynamoDB tables to model assets: encryption key, recovery and deletion protection.

use auditgraph_model::{aws, AssetId, Attributes};

use super::{tags, Out};
use crate::arn::kms_key;
use crate::get::dynamodb::DynamoDbData;

pub fn transform(out: &mut Out, tables: &DynamoDbData, region: &str) {
    let account = out.account.clone();
    for t in tables.iter().flatten() {
        let table = &t.table;
        let (Some(arn), Some(name)) = (table.table_arn(), table.table_name()) else { continue };
        // Without an SSE description a table is encrypted with DynamoDB's own key.
        let key = table.sse_description().and_then(|s| s.kms_master_key_arn());
        let attrs = aws::DynamoDbTable {
            kms_key: key.map(|k| kms_key(k, region, &account)),
            point_in_time_recovery: t.point_in_time_recovery,
            deletion_protection: table.deletion_protection_enabled(),
            item_count: table.item_count().and_then(|n| u64::try_from(n).ok()),
        };
        let tags = tags(t.tags.iter().flatten().map(|t| (Some(t.key()), Some(t.value()))));
        out.add(AssetId::new(arn), name.to_string(), Some(region), tags, Attributes::AwsDynamoDbTable(attrs));
    }
}

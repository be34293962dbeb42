//! DynamoDB, per region: every table with its encryption, deletion protection,
//! point-in-time recovery and tags (which AWS Backup selections match on).

use aws_sdk_dynamodb::types::{PointInTimeRecoveryStatus, TableDescription, Tag};
use aws_sdk_dynamodb::Client;
use futures::future::join_all;

use auditgraph_model::AssetId;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

pub struct TableData {
    pub table: TableDescription,
    /// Whether point-in-time recovery is on (`None`: not read).
    pub point_in_time_recovery: Option<bool>,
    /// `None`: not read.
    pub tags: Option<Vec<Tag>>,
}

/// `None` when the listing failed.
pub type DynamoDbData = Option<Vec<TableData>>;

/// `account`: the account's ARN part, which names a table before it is described.
pub async fn read(rec: &Recorder, client: &Client, region: &str, account: &str) -> DynamoDbData {
    let names = rec.call(Api::new("dynamodb", "ListTables").in_region(region), all_pages!(client.list_tables()));
    let names = names.await?;
    let tables = join_all(names.iter().map(|name| async move {
        let arn = AssetId::new(format!("arn:aws:dynamodb:{region}:{account}:table/{name}"));
        let api = Api::new("dynamodb", "DescribeTable").in_region(region).on(&arn);
        let table = rec.call(api, client.describe_table().table_name(name).send()).await?.table?;
        let backups = rec.call(
            Api::new("dynamodb", "DescribeContinuousBackups").in_region(region).on(&arn),
            client.describe_continuous_backups().table_name(name).send(),
        );
        let tags = rec.call(
            Api::new("dynamodb", "ListTagsOfResource").in_region(region).on(&arn),
            client.list_tags_of_resource().resource_arn(arn.as_str()).send(),
        );
        let (backups, tags) = tokio::join!(backups, tags);
        let point_in_time_recovery = backups.map(|b| {
            b.continuous_backups_description
                .and_then(|d| d.point_in_time_recovery_description)
                .and_then(|p| p.point_in_time_recovery_status)
                == Some(PointInTimeRecoveryStatus::Enabled)
        });
        Some(TableData { table, point_in_time_recovery, tags: tags.map(|t| t.tags.unwrap_or_default()) })
    }));
    Some(tables.await.into_iter().flatten().collect())
}

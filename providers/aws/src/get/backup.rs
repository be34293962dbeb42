//! AWS Backup, per region: every backup plan with its rules and its resource
//! assignments (selections), and which resource types the region is opted in to.

use std::collections::HashMap;

use aws_sdk_backup::types::{BackupPlan, BackupSelection};
use aws_sdk_backup::Client;
use futures::future::join_all;

use auditgraph_model::AssetId;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

pub struct PlanData {
    pub arn: String,
    pub plan: BackupPlan,
    /// `None`: the selections, or one of them, could not be read.
    pub selections: Option<Vec<BackupSelection>>,
}

#[derive(Default)]
pub struct BackupData {
    /// `None` when the listing failed.
    pub plans: Option<Vec<PlanData>>,
    /// Resource type → whether AWS Backup may manage it in the region (`None`: not read).
    pub opt_in: Option<HashMap<String, bool>>,
}

pub async fn read(rec: &Recorder, client: &Client, region: &str) -> BackupData {
    let plans =
        rec.call(Api::new("backup", "ListBackupPlans").in_region(region), all_pages!(client.list_backup_plans()));
    let settings = rec
        .call(Api::new("backup", "DescribeRegionSettings").in_region(region), client.describe_region_settings().send());
    let (plans, settings) = tokio::join!(plans, settings);
    let opt_in = settings.map(|s| s.resource_type_opt_in_preference.unwrap_or_default());
    let Some(plans) = plans else { return BackupData { plans: None, opt_in } };
    let plans = join_all(plans.iter().map(|listed| async move {
        let (id, arn) = (listed.backup_plan_id()?, listed.backup_plan_arn()?);
        let plan_id = AssetId::new(arn);
        let api = Api::new("backup", "GetBackupPlan").in_region(region).on(&plan_id);
        let plan = rec.call(api, client.get_backup_plan().backup_plan_id(id).send()).await?.backup_plan?;
        let selections = selections(rec, client, region, id, &plan_id).await;
        Some(PlanData { arn: arn.to_string(), plan, selections })
    }));
    BackupData { plans: Some(plans.await.into_iter().flatten().collect()), opt_in }
}

async fn selections(
    rec: &Recorder,
    client: &Client,
    region: &str,
    plan: &str,
    plan_id: &AssetId,
) -> Option<Vec<BackupSelection>> {
    let api = Api::new("backup", "ListBackupSelections").in_region(region).on(plan_id);
    let listed = rec.call(api, all_pages!(client.list_backup_selections().backup_plan_id(plan))).await?;
    let read = join_all(listed.iter().map(|s| async move {
        let api = Api::new("backup", "GetBackupSelection").in_region(region).on(plan_id);
        let request = client.get_backup_selection().backup_plan_id(plan).selection_id(s.selection_id()?);
        rec.call(api, request.send()).await?.backup_selection
    }));
    // One unread selection leaves what the plan covers undecided.
    read.await.into_iter().collect()
}

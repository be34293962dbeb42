//! AWS Backup plans to model assets: their rules and resource assignments as AWS
//! Backup states them (which resources they cover is the analysis's to derive).

use auditgraph_model::aws::{BackupPlan, BackupRule, BackupSelection, TagCondition};
use auditgraph_model::{AssetId, Attributes};

use super::Out;
use crate::get::backup::BackupData;

/// Tag keys as a selection's `Conditions` name them (`aws:ResourceTag/backup`) and as
/// `ListOfTags` may: the tag's own key.
fn tag_key(key: &str) -> String {
    key.strip_prefix("aws:ResourceTag/").unwrap_or(key).to_string()
}

fn selection(s: &aws_sdk_backup::types::BackupSelection) -> BackupSelection {
    let any_tag = s
        .list_of_tags()
        .iter()
        .map(|c| TagCondition {
            operator: c.condition_type().as_str().to_string(),
            key: tag_key(c.condition_key()),
            value: c.condition_value().to_string(),
        })
        .collect();
    let mut all_tags = Vec::new();
    if let Some(c) = s.conditions() {
        let by_operator = [
            ("StringEquals", c.string_equals()),
            ("StringNotEquals", c.string_not_equals()),
            ("StringLike", c.string_like()),
            ("StringNotLike", c.string_not_like()),
        ];
        for (operator, parameters) in by_operator {
            all_tags.extend(parameters.iter().map(|p| TagCondition {
                operator: operator.to_string(),
                key: tag_key(p.condition_key().unwrap_or_default()),
                value: p.condition_value().unwrap_or_default().to_string(),
            }));
        }
    }
    BackupSelection {
        name: s.selection_name().to_string(),
        resources: s.resources().to_vec(),
        not_resources: s.not_resources().to_vec(),
        any_tag,
        all_tags,
    }
}

pub fn transform(out: &mut Out, d: &BackupData, region: &str) {
    for p in d.plans.iter().flatten() {
        let rules = p
            .plan
            .rules()
            .iter()
            .map(|r| BackupRule {
                name: r.rule_name().to_string(),
                schedule: r.schedule_expression().map(str::to_string),
                delete_after_days: r
                    .lifecycle()
                    .and_then(|l| l.delete_after_days())
                    .and_then(|d| u64::try_from(d).ok()),
                vault: r.target_backup_vault_name().to_string(),
            })
            .collect();
        let attrs = BackupPlan { rules, selections: p.selections.as_ref().map(|s| s.iter().map(selection).collect()) };
        let name = p.plan.backup_plan_name().to_string();
        out.add(AssetId::new(&p.arn), name, Some(region), Default::default(), Attributes::AwsBackupPlan(attrs));
    }
}

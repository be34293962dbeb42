//! Which AWS Backup plans cover each data store, as AWS Backup assigns resources:
//! a selection takes a resource its ARN patterns or `ListOfTags` match, that meets
//! every tag condition and that no `NotResources` pattern names; a resource taken
//! only by `*` or by tags is backed up when its type is opted in for the region
//! (Aurora, Neptune and DocumentDB always need the opt-in). A store no plan covers
//! while a plan, its selections, the region's opt-in or the store's tags could not
//! be read is undecided, never "not backed up".

use auditgraph_model::aws::{BackupPlan, BackupSelection, TagCondition};
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes, Cloud, CoverageStatus};
use rustc_hash::FxHashMap;

use crate::graph::AssetGraph;
use crate::iam::pattern::glob;

/// The kinds whose coverage is derived: what AWS Backup can protect among the
/// data stores the providers read.
pub const PROTECTABLE: &[AssetKind] =
    &[AssetKind::AwsRdsInstance, AssetKind::AwsDynamoDbTable, AssetKind::AwsEbsVolume];

/// One data store's backup coverage.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreBackups {
    /// The plans (and selections) that back it up, or why that is undecided.
    pub covering: Result<Vec<String>, String>,
    /// The plans of its account and region that were looked at, as evidence.
    pub seen: Vec<String>,
}

/// Per data store AWS Backup can protect.
pub type Coverage = FxHashMap<AssetId, StoreBackups>;

/// AWS Backup's name for a resource's type, as its opt-in settings key it.
fn resource_type(asset: &Asset) -> &'static str {
    match &asset.attributes {
        Attributes::AwsRdsInstance(db) if db.engine.starts_with("aurora") => "Aurora",
        Attributes::AwsRdsInstance(db) if db.engine == "neptune" => "Neptune",
        Attributes::AwsRdsInstance(db) if db.engine == "docdb" => "DocumentDB",
        Attributes::AwsRdsInstance(_) => "RDS",
        Attributes::AwsDynamoDbTable(_) => "DynamoDB",
        _ => "EBS",
    }
}

/// Whether one tag test holds. A `Not` test holds for a resource without the tag, as
/// IAM's negated operators do.
fn tag_holds(asset: &Asset, c: &TagCondition) -> bool {
    let value = asset.tags.get(&c.key);
    match c.operator.as_str() {
        "StringEquals" => value == Some(&c.value),
        "StringNotEquals" => value != Some(&c.value),
        "StringLike" => value.is_some_and(|v| glob(&c.value, v, false)),
        "StringNotLike" => !value.is_some_and(|v| glob(&c.value, v, false)),
        _ => false,
    }
}

/// How a selection takes a resource.
#[derive(Debug, PartialEq)]
enum Taken {
    No,
    /// By an ARN pattern that names its type (so the opt-in does not apply).
    ByType,
    /// By `*`, by tags, or by a selection that names nothing (so the opt-in applies).
    ByTagsOrAll,
}

fn taken_by(asset: &Asset, s: &BackupSelection) -> Taken {
    let arn = asset.id.as_str();
    if s.not_resources.iter().any(|p| glob(p, arn, false)) || !s.all_tags.iter().all(|c| tag_holds(asset, c)) {
        return Taken::No;
    }
    if s.resources.iter().any(|p| p != "*" && glob(p, arn, false)) {
        Taken::ByType
    } else if (s.resources.is_empty() && s.any_tag.is_empty())
        || s.resources.iter().any(|p| p == "*")
        || s.any_tag.iter().any(|c| tag_holds(asset, c))
    {
        Taken::ByTagsOrAll
    } else {
        Taken::No
    }
}

/// What a data store's account and region hold for the derivation.
struct Region<'g> {
    plans: Vec<(&'g Asset, &'g BackupPlan)>,
    /// The resource types opted in (`None`: not read).
    opted_in: Option<&'g [String]>,
    /// The AWS Backup calls that failed there, as worded.
    gaps: Vec<String>,
}

fn covered(asset: &Asset, region: &Region, tags_unread: bool) -> Result<Vec<String>, String> {
    let kind = resource_type(asset);
    let always_opt_in = matches!(kind, "Aurora" | "Neptune" | "DocumentDB");
    let mut covering = Vec::new();
    let mut undecided: Vec<String> = region.gaps.clone();
    for (plan, p) in &region.plans {
        let Some(selections) = &p.selections else {
            undecided.push(format!("the selections of backup plan {}", plan.name));
            continue;
        };
        for s in selections {
            let uses_tags = !s.any_tag.is_empty() || !s.all_tags.is_empty();
            if tags_unread && uses_tags {
                undecided
                    .push(format!("the tags {} selection {} of plan {} matches on", asset.name, s.name, plan.name));
                continue;
            }
            let taken = taken_by(asset, s);
            let opted_in = match (&taken, region.opted_in) {
                (Taken::No, _) => continue,
                (Taken::ByType, _) if !always_opt_in => true,
                (_, Some(types)) => types.iter().any(|t| t == kind),
                (_, None) => {
                    undecided.push(format!("whether {kind} is opted in to AWS Backup in the region"));
                    continue;
                }
            };
            if opted_in {
                let rules: Vec<&str> = p.rules.iter().map(|r| r.name.as_str()).collect();
                covering.push(format!("backup plan {} (selection {}; rules {})", plan.name, s.name, rules.join(", ")));
            }
        }
    }
    if covering.is_empty() && !undecided.is_empty() {
        undecided.sort();
        undecided.dedup();
        return Err(format!("not collected: {}", undecided.join(", ")));
    }
    Ok(covering)
}

/// The backup coverage of every data store AWS Backup can protect.
pub fn derive(graph: &AssetGraph) -> Coverage {
    let mut regions: FxHashMap<(&str, &str), Region> = FxHashMap::default();
    let stores = graph.assets_of(PROTECTABLE);
    let accounts: FxHashMap<&str, &auditgraph_model::aws::Account> = graph
        .assets_of(&[AssetKind::AwsAccount])
        .into_iter()
        .filter_map(|a| match &a.attributes {
            Attributes::AwsAccount(acc) => Some((a.account.as_str(), acc)),
            _ => None,
        })
        .collect();
    for store in &stores {
        let Some(r) = store.region.as_deref() else { continue };
        regions.entry((store.account.as_str(), r)).or_insert_with(|| Region {
            plans: Vec::new(),
            opted_in: accounts
                .get(store.account.as_str())
                .and_then(|a| a.backup_opted_in.as_ref())
                .and_then(|m| m.get(r))
                .map(Vec::as_slice),
            gaps: Vec::new(),
        });
    }
    for plan in graph.assets_of(&[AssetKind::AwsBackupPlan]) {
        let (Attributes::AwsBackupPlan(p), Some(r)) = (&plan.attributes, plan.region.as_deref()) else { continue };
        if let Some(region) = regions.get_mut(&(plan.account.as_str(), r)) {
            region.plans.push((plan, p));
        }
    }
    let mut tags_unread: rustc_hash::FxHashSet<&AssetId> = Default::default();
    for source in graph.sources.iter().filter(|s| s.cloud == Cloud::Aws) {
        for gap in source.gaps().filter(|g| g.status != CoverageStatus::RegionDisabled) {
            if gap.api == "ListTagsOfResource" {
                tags_unread.extend(gap.resource.as_ref());
            }
            // A plan's own unread parts show as its unread selections, or as no plan.
            let listing = matches!(gap.api.as_str(), "ListBackupPlans" | "GetBackupPlan");
            if gap.service != "backup" || !listing {
                continue;
            }
            let wording = format!("backup:{} in {}", gap.api, gap.region.as_deref().unwrap_or("every region"));
            for ((account, r), region) in regions.iter_mut() {
                if *account == source.scope && gap.region.as_deref().is_none_or(|g| g == *r) {
                    region.gaps.push(wording.clone());
                }
            }
        }
    }
    stores
        .into_iter()
        .filter_map(|store| {
            let region = regions.get(&(store.account.as_str(), store.region.as_deref()?))?;
            let covering = covered(store, region, tags_unread.contains(&store.id));
            let mut seen: Vec<String> =
                region.plans.iter().map(|(plan, _)| format!("backup plan {}", plan.name)).collect();
            if seen.is_empty() {
                seen.push(format!("no backup plan in {} of account {}", store.region.as_deref()?, store.account));
            }
            Some((store.id.clone(), StoreBackups { covering, seen }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use auditgraph_model::aws::DynamoDbTable;
    use proptest::prelude::*;

    fn table(tags: &[(&str, &str)]) -> Asset {
        Asset {
            id: AssetId::new("arn:aws:dynamodb:eu-west-1:111111111111:table/orders"),
            name: "orders".into(),
            account: "111111111111".into(),
            region: Some("eu-west-1".into()),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            attributes: Attributes::AwsDynamoDbTable(DynamoDbTable {
                kms_key: None,
                point_in_time_recovery: Some(true),
                deletion_protection: Some(true),
                item_count: None,
            }),
        }
    }

    fn selection(resources: &[&str], any_tag: &[(&str, &str)], all_tags: &[(&str, &str, &str)]) -> BackupSelection {
        let tag = |op: &str, k: &str, v: &str| TagCondition { operator: op.into(), key: k.into(), value: v.into() };
        BackupSelection {
            name: "s".into(),
            resources: resources.iter().map(|r| r.to_string()).collect(),
            not_resources: Vec::new(),
            any_tag: any_tag.iter().map(|(k, v)| tag("StringEquals", k, v)).collect(),
            all_tags: all_tags.iter().map(|(op, k, v)| tag(op, k, v)).collect(),
        }
    }

    #[test]
    fn a_selection_takes_by_pattern_tag_or_everything_and_conditions_narrow_it() {
        let tagged = table(&[("backup", "daily"), ("stage", "prod")]);
        let untagged = table(&[]);
        let by_type = selection(&["arn:aws:dynamodb:*:*:table/*"], &[], &[]);
        assert_eq!(taken_by(&untagged, &by_type), Taken::ByType);
        assert_eq!(taken_by(&untagged, &selection(&["arn:aws:rds:*:*:db:*"], &[], &[])), Taken::No);
        assert_eq!(taken_by(&untagged, &selection(&[], &[], &[])), Taken::ByTagsOrAll);
        assert_eq!(taken_by(&tagged, &selection(&[], &[("backup", "daily")], &[])), Taken::ByTagsOrAll);
        assert_eq!(taken_by(&untagged, &selection(&[], &[("backup", "daily")], &[])), Taken::No);
        let prod_only = selection(&["*"], &[], &[("StringEquals", "stage", "prod"), ("StringLike", "backup", "da*")]);
        assert_eq!(taken_by(&tagged, &prod_only), Taken::ByTagsOrAll);
        assert_eq!(taken_by(&untagged, &prod_only), Taken::No);
        let not_dev = selection(&["arn:aws:dynamodb:*:*:table/*"], &[], &[("StringNotEquals", "stage", "dev")]);
        assert_eq!(taken_by(&untagged, &not_dev), Taken::ByType, "a Not test holds without the tag");
        let mut excluded = by_type.clone();
        excluded.not_resources = vec!["arn:aws:dynamodb:*:*:table/ord*".into()];
        assert_eq!(taken_by(&untagged, &excluded), Taken::No);
    }

    fn region<'g>(plans: Vec<(&'g Asset, &'g BackupPlan)>, opted_in: Option<&'g [String]>) -> Region<'g> {
        Region { plans, opted_in, gaps: Vec::new() }
    }

    fn plan_asset() -> Asset {
        let mut a = table(&[]);
        a.id = AssetId::new("arn:aws:backup:eu-west-1:111111111111:backup-plan:p");
        a.name = "daily".into();
        a
    }

    #[test]
    fn opt_in_decides_what_tags_and_everything_take_and_unread_is_undecided() {
        let store = table(&[("backup", "daily")]);
        let plan_asset = plan_asset();
        let plan = |s: BackupSelection| BackupPlan { rules: Vec::new(), selections: Some(vec![s]) };
        let by_tag = plan(selection(&[], &[("backup", "daily")], &[]));
        let by_type = plan(selection(&["arn:aws:dynamodb:*:*:table/*"], &[], &[]));
        let dynamo = ["DynamoDB".to_string()];
        let none: [String; 0] = [];
        assert_eq!(
            covered(&store, &region(vec![(&plan_asset, &by_tag)], Some(&dynamo)), false).map(|c| c.len()),
            Ok(1)
        );
        assert_eq!(covered(&store, &region(vec![(&plan_asset, &by_tag)], Some(&none)), false), Ok(Vec::new()));
        assert_eq!(covered(&store, &region(vec![(&plan_asset, &by_type)], Some(&none)), false).map(|c| c.len()), Ok(1));
        assert!(covered(&store, &region(vec![(&plan_asset, &by_tag)], None), false).is_err());
        assert!(covered(&store, &region(vec![(&plan_asset, &by_tag)], Some(&dynamo)), true).is_err());
        let unread = BackupPlan { rules: Vec::new(), selections: None };
        let why = covered(&store, &region(vec![(&plan_asset, &unread)], Some(&dynamo)), false).unwrap_err();
        assert!(why.contains("selections of backup plan daily"), "{why}");
        assert_eq!(covered(&store, &region(Vec::new(), Some(&dynamo)), false), Ok(Vec::new()));
        let mut gapped = region(Vec::new(), Some(&dynamo));
        gapped.gaps.push("backup:ListBackupPlans in eu-west-1".into());
        assert!(covered(&store, &gapped, false).is_err());
    }

    /// `*` matches any run of characters, as AWS Backup's ARN patterns and `Like`
    /// operators use it; written plainly, apart from the IAM matcher the code uses.
    fn plain_glob(pattern: &[u8], value: &[u8]) -> bool {
        match pattern.split_first() {
            None => value.is_empty(),
            Some((b'*', rest)) => (0..=value.len()).any(|i| plain_glob(rest, &value[i..])),
            Some((c, rest)) => value.first() == Some(c) && plain_glob(rest, &value[1..]),
        }
    }

    /// AWS Backup's rule as its documentation states it, one clause per sentence.
    fn documented_rule(asset: &Asset, s: &BackupSelection) -> bool {
        let arn = asset.id.as_str().as_bytes();
        let tag = |key: &str| asset.tags.get(key).map(String::as_bytes);
        let holds = |c: &TagCondition| match c.operator.as_str() {
            "StringEquals" => tag(&c.key) == Some(c.value.as_bytes()),
            "StringNotEquals" => tag(&c.key) != Some(c.value.as_bytes()),
            "StringLike" => tag(&c.key).is_some_and(|v| plain_glob(c.value.as_bytes(), v)),
            _ => !tag(&c.key).is_some_and(|v| plain_glob(c.value.as_bytes(), v)),
        };
        let names_nothing = s.resources.is_empty() && s.any_tag.is_empty();
        let included = names_nothing
            || s.resources.iter().any(|p| plain_glob(p.as_bytes(), arn))
            || s.any_tag.iter().any(|c| tag(&c.key) == Some(c.value.as_bytes()));
        let excluded = s.not_resources.iter().any(|p| plain_glob(p.as_bytes(), arn));
        included && s.all_tags.iter().all(holds) && !excluded
    }

    fn patterns() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "*",
            "arn:aws:dynamodb:*:*:table/*",
            "arn:aws:dynamodb:*:*:table/ord*",
            "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
            "arn:aws:rds:*:*:db:*",
            "arn:aws:dynamodb:us-east-1:*:table/*",
        ])
        .prop_map(str::to_string)
    }

    fn tag_tests(operators: &'static [&'static str]) -> impl Strategy<Value = Vec<TagCondition>> {
        let one = (
            prop::sample::select(operators.to_vec()),
            prop::sample::select(vec!["backup", "stage"]),
            prop::sample::select(vec!["daily", "prod", "dev", "d*", "*"]),
        )
            .prop_map(|(op, k, v)| TagCondition { operator: op.into(), key: k.into(), value: v.into() });
        prop::collection::vec(one, 0..3)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn selection_matching_agrees_with_the_documented_rule(
            resources in prop::collection::vec(patterns(), 0..3),
            not_resources in prop::collection::vec(patterns(), 0..2),
            any_tag in tag_tests(&["StringEquals"]),
            all_tags in tag_tests(&["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]),
            backup in prop::option::of(prop::sample::select(vec!["daily", "weekly"])),
            stage in prop::option::of(prop::sample::select(vec!["prod", "dev"])),
        ) {
            let tags: Vec<(&str, &str)> =
                [("backup", backup), ("stage", stage)].into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
            let store = table(&tags);
            let s = BackupSelection { name: "s".into(), resources, not_resources, any_tag, all_tags };
            let taken = taken_by(&store, &s);
            prop_assert_eq!(taken != Taken::No, documented_rule(&store, &s), "{:?}", s);
            // Taken by type only through a pattern that names more than `*`.
            let by_pattern = s.resources.iter().any(|p| p != "*" && plain_glob(p.as_bytes(), store.id.as_str().as_bytes()));
            prop_assert_eq!(taken == Taken::ByType, documented_rule(&store, &s) && by_pattern);
        }
    }
}

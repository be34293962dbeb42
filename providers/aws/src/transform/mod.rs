//! From the SDK's types to the model: one module per resource family, each adding
//! typed assets to one account's inventory. No judging here: a field the API did
//! not return stays unknown (`None`), and only the relations no attribute states
//! are written (the rest follow from the attributes on load).

mod acm;
mod backup;
mod cloudtrail;
mod dynamodb;
mod ec2;
mod elasticache;
mod elb;
mod iam;
mod kms;
mod lambda;
mod rds;
mod redshift;
mod s3;
mod secrets;

use std::collections::BTreeMap;

use auditgraph_model::aws::PublicAccessBlock;
use auditgraph_model::policy::PolicyDocument;
use auditgraph_model::{Asset, AssetId, Attributes, Cloud, CoverageRecord, CoverageStatus, Inventory, Relation};
use chrono::{DateTime, Utc};

use crate::get::AccountData;

/// The assets of one account, as the transforms add them.
pub struct Out {
    pub account: String,
    pub assets: Vec<Asset>,
    pub relations: Vec<Relation>,
    /// What was read but could not be understood (a policy that does not parse).
    pub gaps: Vec<CoverageRecord>,
}

impl Out {
    fn new(account: &str) -> Self {
        Out { account: account.to_string(), assets: Vec::new(), relations: Vec::new(), gaps: Vec::new() }
    }

    /// A policy document as IAM returns it (JSON, URL-encoded by IAM's query API);
    /// `None`, and a coverage gap naming the resource (and the region of a regional
    /// call), when it does not parse.
    fn policy(
        &mut self,
        resource: &AssetId,
        (service, api, region): (&str, &str, Option<&str>),
        text: &str,
    ) -> Option<PolicyDocument> {
        let decoded = if text.trim_start().starts_with('{') {
            std::borrow::Cow::Borrowed(text)
        } else {
            percent_encoding::percent_decode_str(text).decode_utf8_lossy()
        };
        match serde_json::from_str(&decoded) {
            Ok(doc) => Some(doc),
            Err(e) => {
                self.gap(resource, (service, api, region), format!("the policy document does not parse: {e}"));
                None
            }
        }
    }

    /// A resource the call returned but the model cannot hold (or a document of it
    /// that cannot be understood): a gap of that call on that resource, never a
    /// silently smaller inventory.
    fn gap(&mut self, resource: &AssetId, (service, api, region): (&str, &str, Option<&str>), detail: String) {
        self.gaps.push(CoverageRecord {
            service: service.to_string(),
            api: api.to_string(),
            region: region.map(str::to_string),
            resource: Some(resource.clone()),
            status: CoverageStatus::Failed,
            detail: Some(detail),
        });
    }

    fn add(
        &mut self,
        id: AssetId,
        name: String,
        region: Option<&str>,
        tags: BTreeMap<String, String>,
        attributes: Attributes,
    ) {
        self.assets.push(Asset {
            id,
            name,
            account: self.account.clone(),
            region: region.map(str::to_string),
            tags,
            attributes,
        });
    }
}

/// Key/value tags from any SDK's tag type; the `Name` tag, when present, names the asset.
fn tags<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> BTreeMap<String, String> {
    pairs.into_iter().filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string()))).collect()
}

fn name_or(tags: &BTreeMap<String, String>, fallback: &str) -> String {
    tags.get("Name").filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| fallback.to_string())
}

/// A public access block from its four flags, as S3 and S3 Control both give them
/// (an unset flag is off).
fn public_access_block(flags: [Option<bool>; 4]) -> PublicAccessBlock {
    let [block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets] =
        flags.map(|f| f.unwrap_or(false));
    PublicAccessBlock { block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets }
}

/// An SDK timestamp as a UTC time.
fn time(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The account's settings that are made region by region, each as a map from the
/// regions where it was read (`None`: read in none).
pub struct RegionalSettings {
    pub ebs_encryption_by_default: Option<BTreeMap<String, bool>>,
    pub guardduty_enabled: Option<BTreeMap<String, bool>>,
    pub config_recording: Option<BTreeMap<String, bool>>,
    pub security_hub_enabled: Option<BTreeMap<String, bool>>,
    pub backup_opted_in: Option<BTreeMap<String, Vec<String>>>,
}

fn by_region(
    data: &AccountData,
    setting: impl Fn(&crate::get::RegionData) -> Option<bool>,
) -> Option<BTreeMap<String, bool>> {
    let map: BTreeMap<String, bool> =
        data.regions.iter().filter_map(|r| Some((r.region.clone(), setting(r)?))).collect();
    (!map.is_empty()).then_some(map)
}

/// Per region whose AWS Backup settings were read, the resource types opted in.
fn backup_opted_in(data: &AccountData) -> Option<BTreeMap<String, Vec<String>>> {
    let map: BTreeMap<String, Vec<String>> = data
        .regions
        .iter()
        .filter_map(|r| {
            let mut types: Vec<String> =
                r.backup.opt_in.as_ref()?.iter().filter(|(_, on)| **on).map(|(t, _)| t.clone()).collect();
            types.sort();
            Some((r.region.clone(), types))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// The inventory of one account: every family's assets, and the coverage records.
pub fn inventory(data: &AccountData, coverage: Vec<CoverageRecord>, collected_at: DateTime<Utc>) -> Inventory {
    let mut out = Out::new(&data.account_id);
    let regional = RegionalSettings {
        ebs_encryption_by_default: by_region(data, |r| r.ec2.ebs_encryption_by_default),
        guardduty_enabled: by_region(data, |r| r.monitoring.guardduty_enabled),
        config_recording: by_region(data, |r| r.monitoring.config_recording),
        security_hub_enabled: by_region(data, |r| r.monitoring.security_hub_enabled),
        backup_opted_in: backup_opted_in(data),
    };
    let profiles = iam::transform(&mut out, &data.iam, &data.s3, data.organization.as_ref(), regional);
    s3::transform(&mut out, &data.s3);
    for region in &data.regions {
        let r = region.region.as_str();
        ec2::transform(&mut out, &region.ec2, r, &profiles);
        elb::transform(&mut out, &region.elb, r);
        rds::transform(&mut out, &region.rds, r);
        kms::transform(&mut out, &region.kms, r);
        cloudtrail::transform(&mut out, &region.trails, r);
        secrets::transform(&mut out, &region.secrets, r);
        acm::transform(&mut out, &region.certificates, r);
        lambda::transform(&mut out, &region.functions, r);
        dynamodb::transform(&mut out, &region.tables, r);
        backup::transform(&mut out, &region.backup, r);
        redshift::transform(&mut out, &region.redshift, r);
        elasticache::transform(&mut out, &region.elasticache, r);
    }
    let mut coverage = coverage;
    coverage.append(&mut out.gaps);
    Inventory {
        cloud: Cloud::Aws,
        scope: data.account_id.clone(),
        collected_at,
        collected_by: Some(data.read_as.clone()),
        assets: out.assets,
        relations: out.relations,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_that_does_not_parse_is_a_gap_on_its_resource_in_its_region() {
        let mut out = Out::new("111111111111");
        let key = AssetId::new("arn:aws:kms:eu-west-1:111111111111:key/k");
        let parsed = out.policy(&key, ("kms", "GetKeyPolicy", Some("eu-west-1")), r#"{"Statement": {"Effect": 1}}"#);
        assert!(parsed.is_none());
        let gap = &out.gaps[0];
        assert_eq!(
            (gap.api.as_str(), gap.region.as_deref(), gap.resource.as_ref()),
            ("GetKeyPolicy", Some("eu-west-1"), Some(&key))
        );
        assert_eq!(gap.status, CoverageStatus::Failed);
    }
}

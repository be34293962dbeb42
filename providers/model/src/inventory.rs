//! The unit a provider hands to the engine: the assets and relations of one scope
//! (an AWS account, a GCP project), plus the coverage record of what was and was
//! not read. Serialised as versioned, deterministic JSON (`auditgraph-inventory/1`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::asset::{Asset, AssetRecord};
use crate::error::InventoryError;
#[cfg(test)]
use crate::kind::AssetKind;
use crate::kind::Cloud;
use crate::relation::Relation;
use crate::AssetId;

/// The format tag every inventory file starts with.
pub const INVENTORY_FORMAT: &str = "auditgraph-inventory/1";

#[derive(Clone, Debug, PartialEq)]
pub struct Inventory {
    pub cloud: Cloud,
    /// The AWS account id or GCP project id the inventory describes.
    pub scope: String,
    pub collected_at: DateTime<Utc>,
    /// Who read it: the caller identity (an AWS principal's ARN), when the provider knows.
    pub collected_by: Option<String>,
    pub assets: Vec<Asset>,
    /// Relations that no attribute states (attribute references become relations on load).
    pub relations: Vec<Relation>,
    pub coverage: Vec<CoverageRecord>,
}

/// What one API call (or family of calls) returned for a scope and region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    /// `ec2`, `s3`, `iam`, `storage`, `compute`, ...
    pub service: String,
    /// The API operation, e.g. `DescribeInstances`, `GetBucketPolicy`.
    pub api: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The single resource the call was about, for per-resource calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<AssetId>,
    pub status: CoverageStatus,
    /// The provider's own words (error code and message), never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// Read in full.
    Read,
    AccessDenied,
    /// Throttled and the retries ran out.
    Throttled,
    /// The region is not enabled for the account.
    RegionDisabled,
    /// Any other failure.
    Failed,
}

impl CoverageStatus {
    /// The name inventories use: `read`, `access_denied`, `throttled`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Read => "read",
            CoverageStatus::AccessDenied => "access_denied",
            CoverageStatus::Throttled => "throttled",
            CoverageStatus::RegionDisabled => "region_disabled",
            CoverageStatus::Failed => "failed",
        }
    }

    pub fn is_gap(self) -> bool {
        self != CoverageStatus::Read
    }
}

impl CoverageRecord {
    pub fn is_gap(&self) -> bool {
        self.status.is_gap()
    }
}

#[derive(Serialize)]
struct InventoryOut<'a> {
    format: &'static str,
    cloud: Cloud,
    scope: &'a str,
    collected_at: &'a DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collected_by: Option<&'a str>,
    assets: Vec<&'a Asset>,
    relations: Vec<&'a Relation>,
    coverage: Vec<&'a CoverageRecord>,
}

/// A fault of the whole document, worded for a reader: text after the inventory
/// (two files concatenated, garbage) says so.
fn whole(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("trailing characters") {
        format!("more text after the end of the inventory ({e}): one file holds one inventory")
    } else if e.classify() == serde_json::error::Category::Data {
        // The probe's own name (`struct FormatProbe`) means nothing to whoever wrote the file.
        format!("an inventory is a JSON object with a `format` field (line {}, column {})", e.line(), e.column())
    } else {
        text
    }
}

/// That an inventory's `format` is the one this version reads.
fn check_format(format: Option<serde_json::Value>) -> Result<(), InventoryError> {
    match format {
        Some(serde_json::Value::String(f)) if f == INVENTORY_FORMAT => Ok(()),
        Some(other) => {
            Err(InventoryError::at("format", format!("unsupported format {other}, expected \"{INVENTORY_FORMAT}\"")))
        }
        None => Err(InventoryError::at("format", format!("missing field, expected \"{INVENTORY_FORMAT}\""))),
    }
}

#[derive(Deserialize)]
struct FormatProbe {
    format: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryIn<'a> {
    format: String,
    cloud: Cloud,
    scope: String,
    collected_at: DateTime<Utc>,
    #[serde(default)]
    collected_by: Option<String>,
    #[serde(borrow)]
    assets: Vec<AssetRecord<'a>>,
    #[serde(default)]
    relations: Vec<Relation>,
    #[serde(default)]
    coverage: Vec<CoverageRecord>,
}

impl Inventory {
    /// Reads an inventory, reporting the JSON path and reason of the first fault.
    pub fn from_json(text: &str) -> Result<Inventory, InventoryError> {
        // A document of another format fails for that reason first, whatever else differs;
        // a good one is read in one pass, its format checked after.
        let raw: InventoryIn = match crate::error::deserialize_at_path(text) {
            Ok(raw) => raw,
            Err(e) => {
                let crate::error::ObjectOnly(probe): crate::error::ObjectOnly<FormatProbe> =
                    serde_json::from_str(text).map_err(|e| InventoryError::at("", whole(&e)))?;
                check_format(probe.format)?;
                return Err(InventoryError::at(e.path().to_string(), e.into_inner().to_string()));
            }
        };
        check_format(Some(serde_json::Value::String(raw.format.clone())))?;
        let mut assets = Vec::with_capacity(raw.assets.len());
        for (i, a) in raw.assets.into_iter().enumerate() {
            let kind = a.kind;
            let asset =
                a.into_asset().map_err(|(path, reason)| InventoryError::at(format!("assets[{i}].{path}"), reason))?;
            if asset.id.as_str().is_empty() || asset.id.is_internet() {
                return Err(InventoryError::at(
                    format!("assets[{i}].id"),
                    format!(
                        "{:?} is not an asset id: empty, or reserved for the node that stands for the internet",
                        asset.id.as_str()
                    ),
                ));
            }
            if kind.cloud() != raw.cloud {
                return Err(InventoryError::at(
                    format!("assets[{i}].kind"),
                    format!("{kind} asset {} in a {} inventory", asset.id, raw.cloud.as_str()),
                ));
            }
            assets.push(asset);
        }
        if let Some(i) = raw.relations.iter().position(|r| r.from.as_str().is_empty() || r.to.as_str().is_empty()) {
            return Err(InventoryError::at(format!("relations[{i}]"), "a relation names an empty id"));
        }
        Ok(Inventory {
            cloud: raw.cloud,
            scope: raw.scope,
            collected_at: raw.collected_at,
            collected_by: raw.collected_by,
            assets,
            relations: raw.relations,
            coverage: raw.coverage,
        })
    }

    /// Writes the inventory as pretty JSON, assets, relations and coverage sorted so
    /// that the same estate always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut assets: Vec<&Asset> = self.assets.iter().collect();
        assets.sort_by(|a, b| a.id.cmp(&b.id));
        let mut relations: Vec<&Relation> = self.relations.iter().collect();
        relations.sort();
        let mut coverage: Vec<&CoverageRecord> = self.coverage.iter().collect();
        coverage.sort();
        let out = InventoryOut {
            format: INVENTORY_FORMAT,
            cloud: self.cloud,
            scope: &self.scope,
            collected_at: &self.collected_at,
            collected_by: self.collected_by.as_deref(),
            assets,
            relations,
            coverage,
        };
        let mut text = serde_json::to_string_pretty(&out).expect("an inventory always serialises");
        text.push('\n');
        text
    }

    /// The coverage records that say something was not read.
    pub fn gaps(&self) -> impl Iterator<Item = &CoverageRecord> {
        self.coverage.iter().filter(|c| c.is_gap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
      "format": "auditgraph-inventory/1", "cloud": "aws", "scope": "111111111111",
      "collected_at": "2026-11-01T00:00:00Z",
      "assets": [
        {"id": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "kind": "aws_vpc", "name": "main",
         "account": "111111111111", "region": "eu-west-1", "attributes": {"cidr_blocks": ["10.0.0.0/16"]}}
      ]
    }"#;

    #[test]
    fn status_names_match_the_serialised_form() {
        for s in [
            CoverageStatus::Read,
            CoverageStatus::AccessDenied,
            CoverageStatus::Throttled,
            CoverageStatus::RegionDisabled,
            CoverageStatus::Failed,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn reads_and_writes_the_same_inventory() {
        let inv = Inventory::from_json(MINIMAL).unwrap();
        assert_eq!(inv.assets.len(), 1);
        assert_eq!(inv.assets[0].kind(), AssetKind::AwsVpc);
        let text = inv.to_json();
        let again = Inventory::from_json(&text).unwrap();
        assert_eq!(again, inv);
        assert_eq!(again.to_json(), text);
    }

    fn error_of(text: &str) -> InventoryError {
        Inventory::from_json(text).unwrap_err()
    }

    #[test]
    fn names_the_path_of_each_kind_of_fault() {
        assert_eq!(error_of("{not json").path, "");
        let e = error_of(&MINIMAL.replace("auditgraph-inventory/1", "auditgraph-inventory/9"));
        assert_eq!(e.path, "format");
        assert!(e.reason.contains("unsupported format"), "{e}");
        // Another format is named as the fault even when its document differs in other ways too.
        let e = error_of(&MINIMAL.replace("auditgraph-inventory/1", "auditgraph-inventory/9").replace("aws_vpc", "x"));
        assert_eq!((e.path.as_str(), e.reason.contains("unsupported format")), ("format", true), "{e}");
        let e = error_of(&MINIMAL.replace(r#""format": "auditgraph-inventory/1","#, "").replace("aws_vpc", "x"));
        assert_eq!((e.path.as_str(), e.reason.contains("missing field")), ("format", true), "{e}");
        let e = error_of(&MINIMAL.replace("aws_vpc", "aws_spaceship"));
        assert_eq!(e.path, "assets[0].kind");
        assert!(e.reason.contains("aws_spaceship"), "{e}");
        let e = error_of(&MINIMAL.replace(r#""name": "main","#, ""));
        assert_eq!(e.path, "assets[0]");
        assert!(e.reason.contains("missing field `name`"), "{e}");
        let e = error_of(&MINIMAL.replace(r#"["10.0.0.0/16"]"#, "[16]"));
        assert_eq!(e.path, "assets[0].attributes.cidr_blocks[0]");
        let e = error_of(&MINIMAL.replace(r#""cloud": "aws""#, r#""cloud": "gcp""#));
        assert_eq!(e.path, "assets[0].kind");
    }

    #[test]
    fn nothing_after_the_inventory_is_ignored() {
        // Two inventories concatenated into one file would otherwise read as the first.
        for tail in [MINIMAL, "{}", "garbage", "\0\0", "]"] {
            let e = error_of(&format!("{MINIMAL}\n{tail}"));
            assert_eq!(e.path, "", "{e}");
            assert!(e.reason.contains("more text after the end of the inventory"), "{e}");
        }
        assert!(Inventory::from_json(&format!("{MINIMAL}\n\n  \t\n")).is_ok(), "white space after it is fine");
    }

    #[test]
    fn what_is_not_an_object_is_named_in_the_writer_s_words() {
        for text in ["[1]", "\"x\"", "12"] {
            let e = error_of(text).to_string();
            assert!(e.contains("an inventory is a JSON object") && !e.contains("Probe"), "{text}: {e}");
        }
    }

    #[test]
    fn reserved_and_empty_ids_are_refused() {
        let id = "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1";
        for bad in ["internet", ""] {
            let e = error_of(&MINIMAL.replace(id, bad));
            assert_eq!(e.path, "assets[0].id", "{e}");
            assert!(e.reason.contains("is not an asset id"), "{e}");
        }
        let dangling = MINIMAL.replacen(
            "\"assets\"",
            r#""relations": [{"from": "", "kind": "contains", "to": "x"}], "assets""#,
            1,
        );
        assert_eq!(error_of(&dangling).path, "relations[0]");
    }
}

//! An asset: the common header every cloud resource has (id, kind, name, account,
//! region, tags) plus its typed attributes, and how two versions of one differ.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::kind::{AssetClass, AssetKind, Attributes, Cloud};
use crate::relation::{Relation, RelationKind, RelationSink};
use crate::AssetId;

#[derive(Clone, Debug, PartialEq)]
pub struct Asset {
    pub id: AssetId,
    pub name: String,
    /// The AWS account id or GCP project id that owns the asset.
    pub account: String,
    /// The region (or GCP location); `None` for global assets (IAM, accounts).
    pub region: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub attributes: Attributes,
}

impl Asset {
    pub fn kind(&self) -> AssetKind {
        self.attributes.kind()
    }

    pub fn class(&self) -> AssetClass {
        self.kind().class()
    }

    pub fn cloud(&self) -> Cloud {
        self.kind().cloud()
    }

    /// The relations implied by this asset's attributes.
    pub fn implied_relations(&self) -> Vec<Relation> {
        let refs = self.implied_relation_refs().into_iter();
        refs.map(|(from, kind, to)| Relation { from: from.clone(), kind, to: to.clone() }).collect()
    }

    /// The fields in which `new` differs from this version of the asset, by JSON
    /// path (`attributes.public_ip`), in path order: drift between snapshots, and
    /// conflicts between inventories.
    pub fn changed_fields(&self, new: &Asset) -> Vec<FieldChange> {
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        flatten("", &serde_json::to_value(self).unwrap_or(Value::Null), &mut a);
        flatten("", &serde_json::to_value(new).unwrap_or(Value::Null), &mut b);
        let mut fields: Vec<&String> = a.keys().chain(b.keys()).collect();
        fields.sort();
        fields.dedup();
        fields
            .into_iter()
            .filter_map(|f| {
                let (o, n) = (a.get(f).cloned().unwrap_or(Value::Null), b.get(f).cloned().unwrap_or(Value::Null));
                (o != n).then(|| FieldChange { field: f.clone(), old: o, new: n })
            })
            .collect()
    }

    /// `implied_relations`, borrowing the ids from the asset.
    pub fn implied_relation_refs(&self) -> Vec<(&AssetId, RelationKind, &AssetId)> {
        let mut sink = RelationSink::new(&self.id);
        self.attributes.relations(&mut sink);
        sink.relations
    }
}

/// One field that differs between two versions of an asset.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// Flattens a JSON value into `path → scalar` (empty arrays and objects count as scalars).
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&p, x, out);
            }
        }
        Value::Array(xs) if !xs.is_empty() => {
            for (i, x) in xs.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), v.clone());
        }
    }
}

impl Serialize for Asset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Asset", 7)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("kind", &self.kind())?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("account", &self.account)?;
        if let Some(region) = &self.region {
            st.serialize_field("region", region)?;
        }
        if !self.tags.is_empty() {
            st.serialize_field("tags", &self.tags)?;
        }
        st.serialize_field("attributes", &self.attributes)?;
        st.end()
    }
}

/// An asset as written in JSON, its attributes not yet read (they are typed by `kind`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssetRecord<'a> {
    id: AssetId,
    pub(crate) kind: AssetKind,
    name: String,
    account: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(borrow)]
    attributes: &'a RawValue,
}

impl AssetRecord<'_> {
    /// Types the attributes; on error returns the path inside `attributes` and the reason.
    pub(crate) fn into_asset(self) -> Result<Asset, (String, String)> {
        let attributes = Attributes::from_json(self.kind, self.attributes.get()).map_err(|e| {
            let inner = e.path().to_string();
            let path = if inner == "." { "attributes".to_string() } else { format!("attributes.{inner}") };
            (path, format!("{} (asset {}, kind {})", e.into_inner(), self.id, self.kind))
        })?;
        Ok(Asset {
            id: self.id,
            name: self.name,
            account: self.account,
            region: self.region,
            tags: self.tags,
            attributes,
        })
    }
}

/// Reads an asset from JSON text (borrowing deserialisers only: `serde_json::from_str`).
impl<'de> Deserialize<'de> for Asset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        AssetRecord::deserialize(d)?
            .into_asset()
            .map_err(|(path, reason)| serde::de::Error::custom(format!("at {path}: {reason}")))
    }
}

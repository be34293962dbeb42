//! IAM policy documents (identity policies, trust policies, bucket policies) as AWS
//! writes them, typed so analyses can read statements without re-parsing JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A policy document: `{"Version": ..., "Statement": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Statement", default, deserialize_with = "one_or_many")]
    pub statements: Vec<Statement>,
}

/// One statement of a policy document. `Action`, `Resource` and the principal
/// lists accept a single string or a list, as AWS does, and are written as lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(rename = "NotPrincipal", default, skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Principal>,
    #[serde(rename = "Action", default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<String>,
    #[serde(rename = "NotAction", default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub not_action: Vec<String>,
    #[serde(rename = "Resource", default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    #[serde(rename = "NotResource", default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub not_resource: Vec<String>,
    /// Condition block, kept as written: `{operator: {key: value(s)}}`.
    #[serde(rename = "Condition", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a resource or trust policy statement applies to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Principal {
    /// `"*"`: anyone, including anonymous callers.
    Anyone(AnyoneMarker),
    /// `{"AWS": [...], "Service": [...], "Federated": [...]}`.
    Typed(BTreeMap<String, Vec<String>>),
}

/// Serialises as the string `"*"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnyoneMarker;

impl Serialize for AnyoneMarker {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("*")
    }
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Star(String),
            Map(BTreeMap<String, OneOrMany>),
        }
        match Raw::deserialize(d)? {
            Raw::Star(s) if s == "*" => Ok(Principal::Anyone(AnyoneMarker)),
            Raw::Star(s) => Err(serde::de::Error::custom(format!(
                "principal `{s}` must be \"*\" or an object such as {{\"AWS\": [...]}}"
            ))),
            Raw::Map(m) => Ok(Principal::Typed(m.into_iter().map(|(k, v)| (k, v.0)).collect())),
        }
    }
}

impl Principal {
    /// The principals of one type (`AWS`, `Service`, `Federated`), or `["*"]` for anyone.
    pub fn values(&self, principal_type: &str) -> Vec<&str> {
        match self {
            Principal::Anyone(_) => vec!["*"],
            Principal::Typed(m) => {
                m.get(principal_type).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default()
            }
        }
    }

    /// Whether the statement applies to every caller, signed or anonymous.
    pub fn is_anyone(&self) -> bool {
        match self {
            Principal::Anyone(_) => true,
            Principal::Typed(m) => m.get("AWS").is_some_and(|v| v.iter().any(|p| p == "*")),
        }
    }
}

struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_or_many(d).map(OneOrMany)
    }
}

/// Reads a value that AWS allows as either one item or a list of items.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Raw::<T>::deserialize(d)? {
        Raw::Many(v) => v,
        Raw::One(x) => vec![x],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_single_values_and_lists() {
        let doc: PolicyDocument = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}}"#,
        )
        .unwrap();
        let st = &doc.statements[0];
        assert!(st.principal.as_ref().unwrap().is_anyone());
        assert_eq!(st.action, vec!["s3:GetObject"]);
        let again: PolicyDocument = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(again, doc);
    }

    #[test]
    fn typed_principals_keep_their_type() {
        let p: Principal =
            serde_json::from_str(r#"{"AWS":"arn:aws:iam::999999999999:root","Service":["ec2.amazonaws.com"]}"#)
                .unwrap();
        assert!(!p.is_anyone());
        assert_eq!(p.values("AWS"), vec!["arn:aws:iam::999999999999:root"]);
        assert!(serde_json::from_str::<Principal>(r#""someone""#).is_err());
        let star: Principal = serde_json::from_str(r#"{"AWS":"*"}"#).unwrap();
        assert!(star.is_anyone());
    }
}

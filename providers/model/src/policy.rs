//! IAM policy documents (identity policies, trust policies, bucket policies) as AWS
//! writes them, typed so analyses can read statements without re-parsing JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ObjectOnly;

/// A policy document: `{"Version": ..., "Statement": [...]}`.
///
/// Read strictly, as IAM reads a policy it is given: an element name it does not
/// know (`Statment`, `Principle`), a statement with neither or both of `Action` and
/// `NotAction`, or a condition operator IAM has not defined is an error, never a
/// document that quietly means less than it says.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ObjectOnly<DocumentElements>")]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Statement", default, deserialize_with = "one_or_many")]
    pub statements: Vec<Statement>,
}

/// The elements of a document as written, before `PolicyDocument::try_from` checks them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentElements {
    #[serde(rename = "Version", default)]
    version: Option<String>,
    #[serde(rename = "Id", default)]
    id: Option<String>,
    #[serde(rename = "Statement", deserialize_with = "one_or_many")]
    statements: Vec<ObjectOnly<Statement>>,
}

/// The elements of a document, as controls may name them.
pub const DOCUMENT_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];

/// The policy language versions IAM accepts.
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

impl TryFrom<ObjectOnly<DocumentElements>> for PolicyDocument {
    type Error = String;

    fn try_from(ObjectOnly(d): ObjectOnly<DocumentElements>) -> Result<Self, String> {
        let statements: Vec<Statement> = d.statements.into_iter().map(|s| s.0).collect();
        if let Some(v) = d.version.as_deref().filter(|v| !VERSIONS.contains(v)) {
            return Err(format!("unknown policy Version `{v}` (IAM knows {})", VERSIONS.join(", ")));
        }
        for (i, s) in statements.iter().enumerate() {
            s.check().map_err(|why| {
                let sid = s.sid.as_deref().map(|sid| format!(" (Sid `{sid}`)")).unwrap_or_default();
                format!("statement {}{sid}: {why}", i + 1)
            })?;
        }
        Ok(PolicyDocument { version: d.version, id: d.id, statements })
    }
}

/// One statement of a policy document. `Action`, `Resource` and the principal
/// lists accept a single string or a list, as AWS does, and are written as lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl Statement {
    /// The rules IAM applies to a statement's shape.
    fn check(&self) -> Result<(), String> {
        let pairs = [
            ("Action", !self.action.is_empty(), "NotAction", !self.not_action.is_empty()),
            ("Resource", !self.resource.is_empty(), "NotResource", !self.not_resource.is_empty()),
            ("Principal", self.principal.is_some(), "NotPrincipal", self.not_principal.is_some()),
        ];
        for (a, has_a, b, has_b) in pairs {
            if has_a && has_b {
                return Err(format!("has both {a} and {b}"));
            }
        }
        if self.action.is_empty() && self.not_action.is_empty() {
            return Err("has neither Action nor NotAction".into());
        }
        for (operator, keys) in &self.condition {
            if !is_condition_operator(operator) {
                return Err(format!("unknown condition operator `{operator}`"));
            }
            for (key, value) in keys {
                let scalar = |v: &serde_json::Value| v.is_string() || v.is_boolean() || v.is_number();
                if !condition_values(value).into_iter().all(scalar) {
                    return Err(format!(
                        "condition `{operator}` on `{key}` has a value that is not a string, number, boolean or list of them"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The condition operators IAM defines (a `ForAllValues:`/`ForAnyValue:` prefix and
/// an `IfExists` suffix allowed, except `IfExists` on `Null`).
pub fn is_condition_operator(operator: &str) -> bool {
    const BASE: [&str; 27] = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    ];
    let unprefixed =
        operator.strip_prefix("ForAllValues:").or_else(|| operator.strip_prefix("ForAnyValue:")).unwrap_or(operator);
    match unprefixed.strip_suffix("IfExists") {
        Some(base) => base != "Null" && BASE.contains(&base),
        None => BASE.contains(&unprefixed),
    }
}

/// The values of one condition key: a list, or one value standing alone.
pub fn condition_values(value: &serde_json::Value) -> Vec<&serde_json::Value> {
    match value {
        serde_json::Value::Array(items) => items.iter().collect(),
        v => vec![v],
    }
}

/// An operator split into its parts: the base operator, whether it is `…IfExists`,
/// and its set qualifier (`ForAllValues` / `ForAnyValue`), if any.
pub fn operator_parts(operator: &str) -> (&str, bool, Option<&str>) {
    let (qualifier, rest) = match operator.split_once(':') {
        Some((q, rest)) => (Some(q), rest),
        None => (None, operator),
    };
    match rest.strip_suffix("IfExists") {
        Some(base) => (base, true, qualifier),
        None => (rest, false, qualifier),
    }
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

/// The kinds of principal a policy can name.
pub const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

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
            Raw::Map(m) => {
                if let Some(k) = m.keys().find(|k| !PRINCIPAL_TYPES.contains(&k.as_str())) {
                    return Err(serde::de::Error::custom(format!(
                        "unknown principal type `{k}` (IAM knows {})",
                        PRINCIPAL_TYPES.join(", ")
                    )));
                }
                Ok(Principal::Typed(m.into_iter().map(|(k, v)| (k, v.0)).collect()))
            }
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

/// Reads a value that AWS allows as either one item or a list of items. Written as
/// a visitor rather than an untagged enum so that an error inside the item (an
/// unknown element name, say) is reported as itself.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    use serde::de::value::{MapAccessDeserializer, StrDeserializer};
    use serde::de::{MapAccess, SeqAccess, Visitor};

    struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("one item or a list of items")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            Ok(vec![T::deserialize(MapAccessDeserializer::new(map))?])
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(StrDeserializer::<E>::new(s))?])
        }
    }

    d.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
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
    fn misspelt_or_malformed_documents_are_errors() {
        let err = |doc: &str| serde_json::from_str::<PolicyDocument>(doc).expect_err(doc).to_string();
        let allow = r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*""#;
        assert!(err(&format!(r#"{{"Statment":[{{{allow}}}]}}"#)).contains("unknown field `Statment`"));
        assert!(err(&format!(r#"{{"statement":[{{{allow}}}]}}"#)).contains("unknown field `statement`"));
        assert!(err(&format!(r#"{{"Statement":[{{{allow},"Principle":"*"}}]}}"#)).contains("unknown field `Principle`"));
        assert!(err(r#"{"Version":"2012-10-17"}"#).contains("missing field `Statement`"));
        assert!(err("[]").contains("expected a JSON object"));
        assert!(err(r#"{"Statement":[["Allow"]]}"#).contains("expected a JSON object"));
        assert!(err(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#).contains("neither Action nor NotAction"));
        assert!(
            err(&format!(r#"{{"Statement":[{{{allow},"NotAction":"iam:*"}}]}}"#)).contains("both Action and NotAction")
        );
        assert!(err(&format!(r#"{{"Statement":[{{{allow},"Condition":{{"StringEqual":{{"aws:x":"y"}}}}}}]}}"#))
            .contains("unknown condition operator `StringEqual`"));
        assert!(err(&format!(r#"{{"Statement":[{{{allow},"Condition":{{"Bool":{{"aws:x":{{"a":1}}}}}}}}]}}"#))
            .contains("not a string"));
        assert!(
            err(&format!(r#"{{"Version":"2020-01-01","Statement":[{{{allow}}}]}}"#)).contains("unknown policy Version")
        );
        assert!(
            err(&format!(r#"{{"Statement":[{{"Sid":"S1",{allow},"Effect":"Allow"}}]}}"#)).contains("duplicate field")
        );
        let ok = format!(
            r#"{{"Version":"2012-10-17","Id":"x","Statement":[{{"Sid":"A",{allow},"Condition":{{"ForAnyValue:StringLikeIfExists":{{"aws:TagKeys":["a*"]}},"Null":{{"aws:x":"true"}}}}}}]}}"#
        );
        serde_json::from_str::<PolicyDocument>(&ok).unwrap();
    }

    #[test]
    fn the_element_names_are_the_readers() {
        assert_eq!(crate::schema::field_names::<DocumentElements>(), DOCUMENT_ELEMENTS);
    }

    #[test]
    fn condition_operators() {
        for op in ["StringEquals", "ForAllValues:StringEquals", "ForAnyValue:ArnLikeIfExists", "BoolIfExists", "Null"] {
            assert!(is_condition_operator(op), "{op}");
        }
        for op in ["NullIfExists", "StringEqual", "ForSomeValues:StringEquals", "stringequals", ""] {
            assert!(!is_condition_operator(op), "{op}");
        }
        assert_eq!(operator_parts("ForAnyValue:StringLikeIfExists"), ("StringLike", true, Some("ForAnyValue")));
        assert_eq!(operator_parts("Bool"), ("Bool", false, None));
    }

    #[test]
    fn typed_principals_keep_their_type() {
        let p: Principal =
            serde_json::from_str(r#"{"AWS":"arn:aws:iam::999999999999:root","Service":["ec2.amazonaws.com"]}"#)
                .unwrap();
        assert!(!p.is_anyone());
        assert_eq!(p.values("AWS"), vec!["arn:aws:iam::999999999999:root"]);
        assert!(serde_json::from_str::<Principal>(r#""someone""#).is_err());
        let typo = serde_json::from_str::<Principal>(r#"{"AWSS":"*"}"#).unwrap_err().to_string();
        assert!(typo.contains("unknown principal type `AWSS`"), "{typo}");
        let star: Principal = serde_json::from_str(r#"{"AWS":"*"}"#).unwrap();
        assert!(star.is_anyone());
    }
}

//! What a control may read below an asset's attributes, read from the model's
//! serde derives without any data: the shape at a path (`shape_at`: a field of a
//! struct, a bool, a list, ...) and, where a value's shape is set by the data, every
//! field name of the model (`nested_names`). So a misspelt nested name (`s.Actions`
//! for `s.Action`) or a bool compared with a string is refused when the control
//! loads, instead of reading as absent (or unequal) on every asset.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::{aws, gcp, policy};

/// Fields whose values are maps with keys of the data's own choosing (a policy's
/// condition operators and keys, an asset's tags, an account's settings by region):
/// any name may be selected below them.
pub const MAP_FIELDS: &[&str] = &[
    "Condition",
    "tags",
    "ebs_encryption_by_default",
    "guardduty_enabled",
    "config_recording",
    "security_hub_enabled",
    "backup_opted_in",
];

/// Every field and variant name of the model's nested types.
pub fn nested_names() -> &'static BTreeSet<&'static str> {
    static NAMES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let lists: &[&[&str]] = &[
            field_names::<aws::PasswordPolicy>(),
            field_names::<aws::Organization>(),
            field_names::<aws::ScpLevel>(),
            field_names::<aws::ScpPolicy>(),
            field_names::<aws::Route>(),
            field_names::<aws::RouteTargetKind>(),
            field_names::<aws::NaclEntry>(),
            field_names::<aws::SgRule>(),
            field_names::<aws::SgPeer>(),
            field_names::<aws::AclGrant>(),
            field_names::<aws::PublicAccessBlock>(),
            field_names::<aws::BucketEncryption>(),
            field_names::<aws::Listener>(),
            field_names::<aws::ListenerAction>(),
            field_names::<aws::Target>(),
            field_names::<aws::InlinePolicy>(),
            field_names::<aws::PolicyVersion>(),
            field_names::<aws::FunctionUrl>(),
            field_names::<aws::BackupRule>(),
            field_names::<aws::BackupSelection>(),
            field_names::<aws::TagCondition>(),
            field_names::<gcp::IamBinding>(),
            field_names::<gcp::Ancestor>(),
            field_names::<gcp::DenyRule>(),
            field_names::<gcp::AuditLogConfig>(),
            field_names::<gcp::LogSink>(),
            field_names::<gcp::FirewallMatch>(),
            field_names::<gcp::GcpNetworkInterface>(),
            field_names::<gcp::AuthorizedNetwork>(),
            &policy::DOCUMENT_ELEMENTS,
            field_names::<policy::Statement>(),
            field_names::<policy::Effect>(),
            &policy::PRINCIPAL_TYPES,
            // The fields of `ListenerAction::Redirect` and `::FixedResponse`.
            &["protocol", "port", "status"],
        ];
        lists.iter().flat_map(|l| l.iter().copied()).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_names_come_from_the_types() {
        let names = nested_names();
        for name in
            ["Statement", "Effect", "Action", "NotPrincipal", "AWS", "cidr", "rule_number", "members", "forward"]
        {
            assert!(names.contains(name), "{name}");
        }
        assert!(!names.contains("Actions"));
    }
}

/// The field names a `Deserialize` struct accepts (or the variant names of an
/// enum), read from its derive without parsing anything.
pub fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match shape_at::<T>(&[]) {
        Shape::Struct(names) | Shape::Enum(names) => names,
        _ => &[],
    }
}

/// One step down a typed value: a field of a struct, or an element of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Element,
}

/// What a typed value is, as far as a control's expression is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Bool,
    Number,
    /// Text, and what the inventory writes as text (ids, times, addresses, enums).
    Text,
    List,
    Map,
    Struct(&'static [&'static str]),
    /// An enum, with its variants' names (unit variants are written as text).
    Enum(&'static [&'static str]),
    /// A value whose shape the type does not fix (a one-or-many list, raw JSON).
    Any,
    /// The path names a field the struct at `at` does not have.
    NoSuchField {
        at: usize,
        fields: &'static [&'static str],
    },
    /// The path goes into something that has no such step (a field of a number).
    NotAContainer {
        at: usize,
    },
}

/// The shape of the value at `path` inside a `T`, read from `T`'s `Deserialize`
/// without any data: a tracer deserializer follows the path through the derive.
pub fn shape_at<'de, T: Deserialize<'de>>(path: &[Step]) -> Shape {
    let mut found = None;
    let _ = T::deserialize(Tracer { path, depth: 0, found: &mut found });
    found.unwrap_or(Shape::Any)
}

/// Stops the traced deserialisation once the shape is found.
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("traced")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Stop
    }
}

struct Tracer<'a, 'p> {
    path: &'p [Step],
    depth: usize,
    found: &'a mut Option<Shape>,
}

impl<'a, 'p> Tracer<'a, 'p> {
    fn leaf(self, shape: Shape) -> Result<(), Stop> {
        *self.found = Some(if self.path.is_empty() { shape } else { Shape::NotAContainer { at: self.depth } });
        Err(Stop)
    }

    fn deeper(self) -> Tracer<'a, 'p> {
        Tracer { path: &self.path[1..], depth: self.depth + 1, found: self.found }
    }
}

macro_rules! leaves {
    ($($method:ident => $shape:expr),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            self.leaf($shape).map(|()| unreachable!())
        })*
    };
}

impl<'de> Deserializer<'de> for Tracer<'_, '_> {
    type Error = Stop;

    leaves! {
        deserialize_bool => Shape::Bool,
        deserialize_i8 => Shape::Number, deserialize_i16 => Shape::Number, deserialize_i32 => Shape::Number,
        deserialize_i64 => Shape::Number, deserialize_u8 => Shape::Number, deserialize_u16 => Shape::Number,
        deserialize_u32 => Shape::Number, deserialize_u64 => Shape::Number, deserialize_f32 => Shape::Number,
        deserialize_f64 => Shape::Number,
        deserialize_char => Shape::Text, deserialize_str => Shape::Text, deserialize_string => Shape::Text,
        deserialize_bytes => Shape::Text, deserialize_byte_buf => Shape::Text, deserialize_identifier => Shape::Text,
        deserialize_unit => Shape::Any, deserialize_ignored_any => Shape::Any,
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        // Shaped by the data (untagged, raw JSON): nothing can be said below here.
        *self.found = Some(Shape::Any);
        Err(Stop)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, Stop> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        match self.path.first() {
            None => self.leaf(Shape::List).map(|()| unreachable!()),
            Some(Step::Element) => visitor.visit_seq(OneElement(Some(self.deeper()))),
            Some(Step::Field(_)) => {
                *self.found = Some(Shape::NotAContainer { at: self.depth });
                Err(Stop)
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Stop> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, Stop> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        // Any key may be asked of a map, and its values are not traced further.
        *self.found = Some(if self.path.is_empty() { Shape::Map } else { Shape::Any });
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        match self.path.first() {
            None => self.leaf(Shape::Struct(fields)).map(|()| unreachable!()),
            Some(Step::Field(name)) if fields.contains(&name.as_str()) => {
                let key = name.clone();
                visitor.visit_map(OneField { key: Some(key), value: Some(self.deeper()) })
            }
            Some(Step::Field(_)) => {
                *self.found = Some(Shape::NoSuchField { at: self.depth, fields });
                Err(Stop)
            }
            Some(Step::Element) => {
                *self.found = Some(Shape::NotAContainer { at: self.depth });
                Err(Stop)
            }
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        // Below a variant (a one-key map of data) the path is not followed.
        *self.found = Some(if self.path.is_empty() { Shape::Enum(variants) } else { Shape::Any });
        Err(Stop)
    }
}

/// A list of one element, traced.
struct OneElement<'a, 'p>(Option<Tracer<'a, 'p>>);

impl<'de> SeqAccess<'de> for OneElement<'_, '_> {
    type Error = Stop;
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Stop> {
        match self.0.take() {
            Some(tracer) => seed.deserialize(tracer).map(Some),
            None => Ok(None),
        }
    }
}

/// A map of the one field the path names, its value traced.
struct OneField<'a, 'p> {
    key: Option<String>,
    value: Option<Tracer<'a, 'p>>,
}

impl<'de> MapAccess<'de> for OneField<'_, '_> {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Stop> {
        match self.key.take() {
            Some(key) => seed.deserialize(de::value::StringDeserializer::<Stop>::new(key)).map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        match self.value.take() {
            Some(tracer) => seed.deserialize(tracer),
            None => Err(Stop),
        }
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    fn field(names: &[&str]) -> Vec<Step> {
        names.iter().map(|n| if *n == "[]" { Step::Element } else { Step::Field(n.to_string()) }).collect()
    }

    #[test]
    fn shapes_follow_the_types() {
        use crate::aws::{LoadBalancer, RdsInstance, S3Bucket};
        assert_eq!(shape_at::<RdsInstance>(&field(&["storage_encrypted"])), Shape::Bool);
        assert_eq!(shape_at::<RdsInstance>(&field(&["backup_retention_days"])), Shape::Number);
        assert!(matches!(shape_at::<RdsInstance>(&field(&["storage_encryption"])), Shape::NoSuchField { at: 0, .. }));
        assert_eq!(shape_at::<S3Bucket>(&field(&["default_encryption", "algorithm"])), Shape::Text);
        assert!(matches!(
            shape_at::<S3Bucket>(&field(&["default_encryption", "algorythm"])),
            Shape::NoSuchField { at: 1, .. }
        ));
        assert_eq!(shape_at::<LoadBalancer>(&field(&["listeners", "[]", "protocol"])), Shape::Text);
        assert!(matches!(
            shape_at::<LoadBalancer>(&field(&["listeners", "[]", "protocoll"])),
            Shape::NoSuchField { .. }
        ));
        assert!(matches!(shape_at::<RdsInstance>(&field(&["storage_encrypted", "x"])), Shape::NotAContainer { at: 1 }));
        assert_eq!(shape_at::<S3Bucket>(&field(&["policy", "Statement"])), Shape::Any, "one-or-many is data-shaped");
    }
}

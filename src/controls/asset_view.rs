//! The `asset` variable as a lazy CEL value: a view over the typed asset that turns
//! a field into a CEL value only when an expression reads it, instead of converting
//! the whole asset (header, tags, every attribute) for every asset a control checks.
//! A failed check's evidence reads the attributes it used the same way, as JSON.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use auditgraph_model::{Asset, AssetId, Attributes};
use cel::common::traits::Indexer;
use cel::common::types::{CelString, Type};
use cel::common::value::{CowVal, Val};
use cel::objects::{Key, Map};
use cel::{ExecutionError, Value};
use serde::ser::{self, Impossible, Serialize, SerializeStruct, Serializer};

static ASSET_TYPE: Type = Type::new_unspecified_type("auditgraph.asset");
static ATTRIBUTES_TYPE: Type = Type::new_unspecified_type("auditgraph.attributes");

/// `asset`: its header fields, `class`, `cloud`, `tags` and `attributes`.
#[derive(Clone, Copy)]
pub struct AssetView<'a>(pub &'a Asset);

/// `asset.attributes`: the typed attributes of the asset's kind.
#[derive(Clone, Copy)]
pub struct AttributesView<'a>(&'a Attributes);

impl fmt::Debug for AssetView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "asset {}", self.0.id)
    }
}

impl fmt::Debug for AttributesView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attributes of a {}", self.0.kind())
    }
}

fn field_name(idx: &dyn Val) -> Result<&str, ExecutionError> {
    idx.downcast_ref::<CelString>().map(|s| s.inner()).ok_or_else(|| ExecutionError::no_such_key("?"))
}

fn owned<'b, 'v>(value: Value) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let val: Box<dyn Val> = value.try_into()?;
    Ok(CowVal::Owned(val))
}

/// A string field, borrowed from the asset rather than copied.
fn string<'b, 'v>(s: &'v str) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelString::from(s)))
}

/// The `Val` side of a view: its CEL type, and indexing as its only operation.
macro_rules! view_val {
    ($view:ident, $cel_type:ident) => {
        impl<'a> Val for $view<'a> {
            fn get_type(&self) -> &Type {
                &$cel_type
            }

            fn cel_type() -> &'static Type {
                &$cel_type
            }

            fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }

            fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
            where
                Self: 'v,
            {
                Box::new(*self)
            }
        }
    };
}

view_val!(AssetView, ASSET_TYPE);
view_val!(AttributesView, ATTRIBUTES_TYPE);

impl<'a> Indexer for AssetView<'a> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let a = self.0;
        match field_name(idx)? {
            "id" => string(a.id.as_str()),
            "kind" => string(a.kind().as_str()),
            "class" => string(a.class().as_str()),
            "cloud" => string(a.cloud().as_str()),
            "name" => string(&a.name),
            "account" => string(&a.account),
            "region" => match &a.region {
                Some(region) => string(region),
                None => Err(ExecutionError::no_such_key("region")),
            },
            "tags" => {
                let tags: HashMap<Key, Value> = a
                    .tags
                    .iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.clone())), Value::String(Arc::new(v.clone()))))
                    .collect();
                owned(Value::Map(Map { map: Arc::new(tags) }))
            }
            "attributes" => Ok(CowVal::Owned(Box::new(AttributesView(&a.attributes)))),
            other => Err(ExecutionError::no_such_key(other)),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl<'a> Indexer for AttributesView<'a> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let name = field_name(idx)?;
        match self.0.serialize(FieldPicker::<ToCel> { wanted: name, convert: PhantomData }) {
            Ok(Some(value)) => owned(value),
            // Not collected (a `None` field is not written), or not a field of this kind.
            Ok(None) => Err(ExecutionError::no_such_key(name)),
            Err(e) => Err(ExecutionError::function_error("attributes", e.0)),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

/// One attribute of an asset as JSON, converting no other: `None` when it was not
/// collected (or is not a field of the asset's kind).
pub fn attribute_json(attributes: &Attributes, field: &str) -> Option<serde_json::Value> {
    attributes.serialize(FieldPicker::<ToJson> { wanted: field, convert: PhantomData }).ok().flatten()
}

/// Turns the one field a `FieldPicker` wants into a value of its output.
trait Convert {
    type Out;
    fn convert<T: ?Sized + Serialize>(value: &T) -> Result<Self::Out, PickError>;
}

/// A field as a CEL value, as `cel::to_value` makes it.
struct ToCel;

impl Convert for ToCel {
    type Out = Value;
    fn convert<T: ?Sized + Serialize>(value: &T) -> Result<Value, PickError> {
        cel::to_value(value).map_err(|e| PickError(e.to_string()))
    }
}

/// A field as JSON, as `serde_json::to_value` makes it.
struct ToJson;

impl Convert for ToJson {
    type Out = serde_json::Value;
    fn convert<T: ?Sized + Serialize>(value: &T) -> Result<serde_json::Value, PickError> {
        serde_json::to_value(value).map_err(|e| PickError(e.to_string()))
    }
}

/// Serialises a struct only as far as one field: that field is converted (`C`),
/// the others are skipped unconverted.
struct FieldPicker<'w, C> {
    wanted: &'w str,
    convert: PhantomData<C>,
}

#[derive(Debug)]
struct PickError(String);

impl fmt::Display for PickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PickError {}

impl ser::Error for PickError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PickError(msg.to_string())
    }
}

/// The struct being walked, and the field once found.
struct Picking<'w, C: Convert> {
    wanted: &'w str,
    found: Option<C::Out>,
}

impl<C: Convert> SerializeStruct for Picking<'_, C> {
    type Ok = Option<C::Out>;
    type Error = PickError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), PickError> {
        if self.found.is_none() && key == self.wanted {
            self.found = Some(C::convert(value)?);
        }
        Ok(())
    }

    fn end(self) -> Result<Option<C::Out>, PickError> {
        Ok(self.found)
    }
}

fn not_a_struct<T>() -> Result<T, PickError> {
    Err(PickError("attributes are not a struct".into()))
}

impl<'w, C: Convert> Serializer for FieldPicker<'w, C> {
    type Ok = Option<C::Out>;
    type Error = PickError;
    type SerializeSeq = Impossible<Option<C::Out>, PickError>;
    type SerializeTuple = Impossible<Option<C::Out>, PickError>;
    type SerializeTupleStruct = Impossible<Option<C::Out>, PickError>;
    type SerializeTupleVariant = Impossible<Option<C::Out>, PickError>;
    type SerializeMap = Impossible<Option<C::Out>, PickError>;
    type SerializeStruct = Picking<'w, C>;
    type SerializeStructVariant = Impossible<Option<C::Out>, PickError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Picking<'w, C>, PickError> {
        Ok(Picking { wanted: self.wanted, found: None })
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<Self::Ok, PickError> {
        v.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_i8(self, _: i8) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_i16(self, _: i16) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_i32(self, _: i32) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_i64(self, _: i64) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_u8(self, _: u8) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_u16(self, _: u16) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_u32(self, _: u32) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_u64(self, _: u64) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_f32(self, _: f32) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_f64(self, _: f64) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_char(self, _: char) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_str(self, _: &str) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_none(self) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_unit(self) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, PickError> {
        not_a_struct()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, PickError> {
        not_a_struct()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, PickError> {
        not_a_struct()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, PickError> {
        not_a_struct()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, PickError> {
        not_a_struct()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, PickError> {
        not_a_struct()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, PickError> {
        not_a_struct()
    }
}

/// The asset id of a fact function's argument: the `asset` variable, or any map
/// with an `id`, read without converting the rest of it.
pub fn id_of(value: &dyn Val) -> Result<AssetId, ExecutionError> {
    let indexer =
        value.as_indexer().ok_or_else(|| ExecutionError::function_error("asset", "expected the `asset` variable"))?;
    let id = indexer.get(&CelString::from("id"))?;
    let Some(text) = id.downcast_ref::<CelString>().map(CelString::inner) else {
        return Err(ExecutionError::function_error("asset", "expected an asset (a map with an id)"));
    };
    // The bound asset's own id text (borrowed, so the very same bytes): its id as is.
    let bound = BOUND.with(|b| b.borrow().as_ref().filter(|id| std::ptr::eq(id.as_str(), text)).cloned());
    Ok(bound.unwrap_or_else(|| AssetId::new(text)))
}

thread_local! {
    /// The id of the asset last bound as `asset` on this thread, so that a fact
    /// function called with it gets the id back without a lookup in the id table.
    static BOUND: RefCell<Option<AssetId>> = const { RefCell::new(None) };
}

/// `asset` on this thread is now `asset` (see `id_of`).
pub fn bound(asset: &Asset) -> AssetView<'_> {
    BOUND.with(|b| *b.borrow_mut() = Some(asset.id.clone()));
    AssetView(asset)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use auditgraph_model::aws::EbsVolume;
    use auditgraph_model::AssetId;
    use cel::{Context, Program};

    use super::*;

    fn volume(region: Option<&str>, kms_key: Option<&str>) -> Asset {
        Asset {
            id: AssetId::new("arn:aws:ec2:eu-west-1:1:volume/vol-1"),
            name: "data".into(),
            account: "1".into(),
            region: region.map(str::to_string),
            tags: BTreeMap::from([("data".to_string(), "customer".to_string())]),
            attributes: Attributes::AwsEbsVolume(EbsVolume {
                size_gib: 20,
                encrypted: false,
                kms_key: kms_key.map(AssetId::new),
                attached_to: vec![AssetId::new("arn:aws:ec2:eu-west-1:1:instance/i-1")],
            }),
        }
    }

    fn eval(asset: &Asset, expr: &str) -> Result<Value, ExecutionError> {
        let mut ctx = Context::default();
        ctx.add_variable_as_val("asset", Box::new(AssetView(asset)));
        Program::compile(expr).unwrap().execute(&ctx)
    }

    #[test]
    fn fields_read_as_the_inventory_writes_them() {
        let a = volume(Some("eu-west-1"), None);
        assert_eq!(eval(&a, "asset.kind == 'aws_ebs_volume' && asset.class == 'data_store'"), Ok(Value::Bool(true)));
        assert_eq!(eval(&a, "asset.attributes.size_gib > 10 && !asset.attributes.encrypted"), Ok(Value::Bool(true)));
        assert_eq!(eval(&a, "asset.tags['data'] == 'customer' && asset.region == 'eu-west-1'"), Ok(Value::Bool(true)));
        assert_eq!(eval(&a, "size(asset.attributes.attached_to)"), Ok(Value::Int(1)));
    }

    #[test]
    fn what_was_not_collected_is_missing_not_empty() {
        let a = volume(None, None);
        assert_eq!(eval(&a, "has(asset.attributes.kms_key)"), Ok(Value::Bool(false)));
        assert_eq!(eval(&a, "has(asset.region)"), Ok(Value::Bool(false)));
        assert!(matches!(eval(&a, "asset.attributes.kms_key == ''"), Err(ExecutionError::NoSuchKey(_))));
        let b = volume(None, Some("arn:aws:kms:eu-west-1:1:key/k"));
        assert_eq!(eval(&b, "asset.attributes.kms_key.startsWith('arn:aws:kms')"), Ok(Value::Bool(true)));
    }

    #[test]
    fn one_attribute_as_json_is_that_attribute_of_the_whole() {
        let a = volume(None, Some("arn:aws:kms:eu-west-1:1:key/k"));
        let whole = serde_json::to_value(&a.attributes).unwrap();
        for field in ["size_gib", "encrypted", "kms_key", "attached_to"] {
            assert_eq!(attribute_json(&a.attributes, field).as_ref(), whole.get(field), "{field}");
        }
        assert_eq!(attribute_json(&volume(None, None).attributes, "kms_key"), None);
        assert_eq!(attribute_json(&a.attributes, "nonsense"), None);
    }

    #[test]
    fn fact_functions_find_the_id_without_converting_the_asset() {
        let a = volume(None, None);
        assert_eq!(id_of(&AssetView(&a)).unwrap(), a.id);
        assert!(id_of(&CelString::from("x".to_string())).is_err());
        // The asset bound on this thread comes back as is; any other by its text.
        let mut b = volume(None, None);
        b.id = AssetId::new("arn:aws:ec2:eu-west-1:1:volume/vol-2");
        assert_eq!(id_of(&bound(&a)).unwrap(), a.id);
        assert_eq!(id_of(&AssetView(&b)).unwrap(), b.id);
        let same_text = volume(None, None);
        assert_eq!(id_of(&AssetView(&same_text)).unwrap(), a.id);
    }
}

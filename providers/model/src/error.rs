//! Errors of the model (a malformed inventory, a provider that could not run), and
//! the strict way the model reads JSON that produces them.

use serde::{Deserialize, Deserializer};
use thiserror::Error;

/// Deserialises `json`, tracking the JSON path only when that fails: a good
/// document is read at full speed, a bad one still says where it went wrong.
/// Anything after the document but white space (a second document, garbage) is an
/// error at the empty path, never ignored.
pub fn deserialize_at_path<'de, T: Deserialize<'de>>(
    json: &'de str,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    let mut de = serde_json::Deserializer::from_str(json);
    match ObjectOnly::<T>::deserialize(&mut de) {
        Ok(ObjectOnly(value)) => {
            de.end().map_err(|e| serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), e))?;
            Ok(value)
        }
        Err(_) => {
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json)).map(|ObjectOnly(v)| v)
        }
    }
}

/// A struct read only from a JSON object: serde's derive would also take a list of
/// the fields' values in order (`[]` as an empty document), which IAM never writes.
pub struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }
        d.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// An inventory that cannot be read: where in the JSON, and why.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{}{reason}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct InventoryError {
    /// A JSON path such as `assets[3].attributes.cidr_block`; empty for the whole document.
    pub path: String,
    pub reason: String,
}

impl InventoryError {
    pub fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        InventoryError { path: path.into(), reason: reason.into() }
    }
}

/// A provider that could not produce any inventory (partial access is not an
/// error: it becomes coverage records).
#[derive(Debug, Error)]
pub enum ProviderError {
    // The cause is part of the message, and not also a `source`: shown with its
    // chain (`{:#}`), it would otherwise print twice.
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{file}: {error}")]
    Inventory { file: String, error: InventoryError },
    #[error("{0}")]
    Other(String),
}

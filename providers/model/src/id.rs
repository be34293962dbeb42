//! Stable asset identifiers: an ARN for AWS, a full resource name for GCP, or a
//! synthetic id (`internet`) for nodes that no cloud API returns.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize};

/// The identity of an asset across scans, accounts and clouds.
///
/// Ids are compared as exact strings: two inventories that name the same ARN
/// describe the same asset. The string is shared: the graph index, relations,
/// reachability hops and findings hold the same id many times, and a copy is a
/// reference count, not an allocation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AssetId(Arc<str>);

impl AssetId {
    /// The id of the synthetic node that stands for every address on the internet.
    pub const INTERNET: &'static str = "internet";

    pub fn new(id: impl AsRef<str>) -> Self {
        AssetId(id.as_ref().into())
    }

    pub fn internet() -> Self {
        static INTERNET: OnceLock<AssetId> = OnceLock::new();
        INTERNET.get_or_init(|| AssetId::new(Self::INTERNET)).clone()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_internet(&self) -> bool {
        &*self.0 == Self::INTERNET
    }
}

impl<'de> Deserialize<'de> for AssetId {
    /// Straight from the parser's string into the shared one (one allocation).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = AssetId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an asset id (a string)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<AssetId, E> {
                Ok(AssetId::new(s))
            }
        }
        deserializer.deserialize_str(IdVisitor)
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for AssetId {
    fn from(s: &str) -> Self {
        AssetId::new(s)
    }
}

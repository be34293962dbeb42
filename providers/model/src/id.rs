//! Stable asset identifiers: an ARN for AWS, a full resource name for GCP, or a
//! synthetic id (`internet`) for nodes that no cloud API returns.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The identity of an asset across scans, accounts and clouds.
///
/// Ids are compared as exact strings: two inventories that name the same ARN
/// describe the same asset.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(String);

impl AssetId {
    /// The id of the synthetic node that stands for every address on the internet.
    pub const INTERNET: &'static str = "internet";

    pub fn new(id: impl Into<String>) -> Self {
        AssetId(id.into())
    }

    pub fn internet() -> Self {
        AssetId(Self::INTERNET.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_internet(&self) -> bool {
        self.0 == Self::INTERNET
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for AssetId {
    fn from(s: &str) -> Self {
        AssetId(s.to_string())
    }
}

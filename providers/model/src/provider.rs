//! The contract every provider fulfils: collect inventories from one source (a cloud
//! API, a folder of inventory files) without building the graph or judging.

use crate::error::ProviderError;
use crate::inventory::Inventory;

pub trait Provider {
    /// A short name for progress and errors: `aws`, `gcp`, `fixture:<path>`.
    fn name(&self) -> String;

    /// Reads everything the provider can see. Partial access yields coverage
    /// records inside the inventories; only a provider that cannot start at all
    /// (no credentials, unreadable path) returns an error.
    fn collect(&self) -> Result<Vec<Inventory>, ProviderError>;
}

//! The provider-neutral model of auditgraph: the vocabulary of assets and relations
//! that every provider emits and the engine loads, the `Inventory` that carries them
//! (with a coverage record of what was and was not read), and the `Provider` trait.

pub mod asset;
pub mod aws;
pub mod calls;
pub mod error;
pub mod gcp;
pub mod id;
pub mod inventory;
pub mod kind;
pub mod net;
pub mod policy;
pub mod provider;
pub mod relation;
pub mod schema;

pub use asset::Asset;
pub use error::{InventoryError, ProviderError};
pub use id::AssetId;
pub use inventory::{CoverageRecord, CoverageStatus, Inventory, INVENTORY_FORMAT};
pub use kind::{AssetClass, AssetKind, Attributes, Cloud};
pub use provider::Provider;
pub use relation::{Relation, RelationKind};

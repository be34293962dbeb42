//! Stable asset identifiers: an ARN for AWS, a full resource name for GCP, or a
//! synthetic id (`internet`) for nodes that no cloud API returns.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use serde::{Deserialize, Deserializer, Serialize};

/// The identity of an asset across scans, accounts and clouds.
///
/// Ids are compared as exact strings: two inventories that name the same ARN
/// describe the same asset. Every id is interned: all ids with the same text share
/// one allocation for the life of the process, so a copy is a reference count, and
/// hashing and equality look at the address instead of reading the text (the graph
/// index, the reachability facts and the controls look ids up millions of times).
/// Ordering still compares the text, so sorted output does not depend on addresses.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct AssetId(Arc<str>);

impl AssetId {
    /// The id of the synthetic node that stands for every address on the internet.
    pub const INTERNET: &'static str = "internet";

    pub fn new(id: impl AsRef<str>) -> Self {
        AssetId(interned(id.as_ref()))
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

/// Interning makes equal text and equal address the same thing.
impl PartialEq for AssetId {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for AssetId {}

impl Hash for AssetId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as *const u8 as usize).hash(state)
    }
}

impl Ord for AssetId {
    fn cmp(&self, other: &Self) -> Ordering {
        if self == other {
            Ordering::Equal
        } else {
            self.0.cmp(&other.0)
        }
    }
}

impl PartialOrd for AssetId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The one shared allocation for `text`: from this thread's recent ids if it is
/// there, else from the table all threads share.
fn interned(text: &str) -> Arc<str> {
    let hash = FxBuildHasher.hash_one(text);
    let slot = hash as usize % RECENT_SLOTS;
    let recent =
        RECENT.with_borrow(|recent| recent[slot].as_ref().filter(|(h, id)| *h == hash && **id == *text).cloned());
    if let Some((_, id)) = recent {
        return id;
    }
    let id = interned_shared(text, hash);
    RECENT.with_borrow_mut(|recent| recent[slot] = Some((hash, id.clone())));
    id
}

const RECENT_SLOTS: usize = 4096;

/// An interned id with its hash.
type Entry = (u64, Arc<str>);

thread_local! {
    /// The ids this thread met last, by hash. References repeat close together (a
    /// VPC's id in each of its subnets, a subnet's in each of its instances), and
    /// finding one here takes no lock.
    static RECENT: RefCell<Vec<Option<Entry>>> = RefCell::new(vec![None; RECENT_SLOTS]);
}

/// `interned` through the table all threads share. It is split into shards, each
/// behind its own lock, so inventories read on several threads rarely wait. Each
/// entry keeps its hash: growing a shard does not read a million strings again.
fn interned_shared(text: &str, hash: u64) -> Arc<str> {
    const SHARDS: usize = 64;
    type Shard = Mutex<HashTable<Entry>>;
    static TABLE: OnceLock<Vec<Shard>> = OnceLock::new();
    let table = TABLE.get_or_init(|| (0..SHARDS).map(|_| Mutex::default()).collect());
    // The table uses the low bits (bucket) and the top seven (tag): pick the shard
    // with bits in between, so that the entries of one shard still differ in both.
    let shard = &table[(hash >> 32) as usize % SHARDS];
    // A panic elsewhere while the lock was held cannot leave the table half-updated.
    let mut ids = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, known)) = ids.find(hash, |(h, id)| *h == hash && **id == *text) {
        return known.clone();
    }
    let id: Arc<str> = text.into();
    ids.insert_unique(hash, (hash, id.clone()), |(h, _)| *h);
    id
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(id: &AssetId) -> u64 {
        FxBuildHasher.hash_one(id)
    }

    #[test]
    fn ids_with_the_same_text_are_one_id() {
        let text = String::from("arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1");
        let parsed: AssetId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        let built = AssetId::new(&text);
        assert!(Arc::ptr_eq(&parsed.0, &built.0), "the text was stored twice");
        assert_eq!((parsed == built, hash_of(&parsed)), (true, hash_of(&built)));
        let other = AssetId::new("arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-2");
        assert_ne!(parsed, other);
        assert!(
            AssetId::new(AssetId::INTERNET).is_internet() && AssetId::new(AssetId::INTERNET) == AssetId::internet()
        );
    }

    #[test]
    fn ids_sort_by_text_not_by_address() {
        // Made in reverse order, so that addresses (if anything used them) would disagree.
        let mut ids: Vec<AssetId> = (0..50).rev().map(|i| AssetId::new(format!("id-{i:02}"))).collect();
        ids.sort();
        let texts: Vec<&str> = ids.iter().map(AssetId::as_str).collect();
        let mut expected = texts.clone();
        expected.sort_unstable();
        assert_eq!(texts, expected);
        assert_eq!(AssetId::new("b").cmp(&AssetId::new("a")), Ordering::Greater);
        assert_eq!(AssetId::new("a").cmp(&AssetId::new("a")), Ordering::Equal);
    }
}

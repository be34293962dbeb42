//! The graph's lookup from asset id to node: one hash map split into shards by the
//! id's hash, so that loading a million assets fills the shards on every core.

use std::hash::BuildHasher;

use auditgraph_model::AssetId;
use petgraph::stable_graph::NodeIndex;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// Enough shards to keep two to a few dozen cores busy; few enough that a lookup's
/// extra step costs nothing.
const SHARDS: usize = 16;

pub struct IdIndex {
    shards: Vec<FxHashMap<AssetId, NodeIndex>>,
}

impl Default for IdIndex {
    fn default() -> Self {
        IdIndex { shards: (0..SHARDS).map(|_| FxHashMap::default()).collect() }
    }
}

impl IdIndex {
    /// The shard an id lives in, from hash bits that the shard's own table does not
    /// use to place entries (it uses the low bits and the top seven).
    fn shard_of(id: &AssetId) -> usize {
        (FxBuildHasher.hash_one(id) >> 32) as usize % SHARDS
    }

    pub fn get(&self, id: &AssetId) -> Option<NodeIndex> {
        self.shards[Self::shard_of(id)].get(id).copied()
    }

    pub fn insert(&mut self, id: AssetId, node: NodeIndex) {
        self.shards[Self::shard_of(&id)].insert(id, node);
    }

    /// Adds many entries, each shard filled on its own core. A later entry for an id
    /// replaces an earlier one, as with `insert`.
    pub fn extend(&mut self, entries: Vec<(&AssetId, NodeIndex)>) {
        let mut by_shard: Vec<Vec<(&AssetId, NodeIndex)>> = vec![Vec::new(); SHARDS];
        for (id, node) in entries {
            by_shard[Self::shard_of(id)].push((id, node));
        }
        self.shards.par_iter_mut().zip(by_shard).for_each(|(shard, entries)| {
            shard.reserve(entries.len());
            shard.extend(entries.into_iter().map(|(id, node)| (id.clone(), node)));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_added_one_by_one_or_in_bulk() {
        let ids: Vec<AssetId> = (0..1000).map(|i| AssetId::new(format!("arn:aws:s3:::bucket-{i}"))).collect();
        let mut index = IdIndex::default();
        index.insert(ids[0].clone(), NodeIndex::new(7));
        index.extend(ids.iter().enumerate().skip(1).map(|(i, id)| (id, NodeIndex::new(i))).collect());
        // A later entry replaces an earlier one.
        index.extend(vec![(&ids[5], NodeIndex::new(5000))]);
        assert_eq!(index.get(&ids[0]), Some(NodeIndex::new(7)));
        assert_eq!(index.get(&ids[5]), Some(NodeIndex::new(5000)));
        for (i, id) in ids.iter().enumerate().skip(6) {
            assert_eq!(index.get(id), Some(NodeIndex::new(i)), "{id}");
        }
        assert_eq!(index.get(&AssetId::new("arn:aws:s3:::never-added")), None);
        // Entries spread over the shards rather than piling into one.
        assert!(index.shards.iter().all(|shard| !shard.is_empty()));
    }
}

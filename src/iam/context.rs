//! What the scan knows of a request's context: for each condition key, its values,
//! that it is absent, that the caller sets it as it likes, or (for any key not set)
//! that the scan cannot know it.

use std::collections::BTreeMap;

/// The context keys of one request. Keys compare case-insensitively, as IAM's do.
#[derive(Clone, Debug, Default)]
pub struct Context {
    keys: BTreeMap<String, Known>,
    /// What a key not set is: `Unknown`, unless the caller is a stranger who sets
    /// every other key as it likes (`chosen_by_caller`).
    others_chosen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known {
    Values(Vec<String>),
    Absent,
    Unknown,
    /// The caller sets it to whatever serves it: a condition on it holds in an Allow
    /// and fails in a Deny. An IP address so chosen is a typical internet address:
    /// inside every range wider than a /8 (IPv6: /32), outside every narrower one.
    Chosen,
}

impl Context {
    pub fn with(mut self, key: &str, values: &[&str]) -> Self {
        self.keys.insert(key.to_ascii_lowercase(), Known::Values(values.iter().map(|v| v.to_string()).collect()));
        self
    }

    pub fn with_absent(mut self, key: &str) -> Self {
        self.keys.insert(key.to_ascii_lowercase(), Known::Absent);
        self
    }

    /// A context in which every key not set is the caller's to choose.
    pub fn chosen_by_caller() -> Self {
        Context { keys: BTreeMap::new(), others_chosen: true }
    }

    pub fn get(&self, key: &str) -> Known {
        let otherwise = if self.others_chosen { Known::Chosen } else { Known::Unknown };
        self.keys.get(&key.to_ascii_lowercase()).cloned().unwrap_or(otherwise)
    }
}

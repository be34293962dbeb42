//! What the scan knows of a request's context: for each condition key, its values,
//! that it is absent, or (for any key not set) that the scan cannot know it.

use std::collections::BTreeMap;

/// The context keys of one request. Keys compare case-insensitively, as IAM's do.
#[derive(Clone, Debug, Default)]
pub struct Context {
    keys: BTreeMap<String, Known>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known {
    Values(Vec<String>),
    Absent,
    Unknown,
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

    pub fn get(&self, key: &str) -> Known {
        self.keys.get(&key.to_ascii_lowercase()).cloned().unwrap_or(Known::Unknown)
    }
}

//! KMS keys to model assets, named by their first alias, with their key policies.

use std::collections::HashMap;

use auditgraph_model::aws;
use auditgraph_model::{AssetId, Attributes};

use super::Out;
use crate::get::kms::KmsData;

pub fn transform(out: &mut Out, d: &KmsData, region: &str) {
    let mut aliases: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in d.aliases.iter().flatten() {
        if let (Some(key), Some(name)) = (a.target_key_id(), a.alias_name()) {
            aliases.entry(key).or_default().push(name.trim_start_matches("alias/"));
        }
    }
    for key in d.keys.iter().flatten() {
        let meta = &key.meta;
        let Some(arn) = meta.arn() else { continue };
        let id = AssetId::new(arn);
        let key_id = meta.key_id();
        let mut names = aliases.get(key_id).cloned().unwrap_or_default();
        names.sort();
        let name = names.first().copied().unwrap_or(key_id).to_string();
        let tags = names.first().map(|a| [("alias".to_string(), a.to_string())].into()).unwrap_or_default();
        let attrs = aws::KmsKey {
            key_manager: meta.key_manager().map(|m| m.as_str().to_string()).unwrap_or_default(),
            state: meta.key_state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            rotation_enabled: key.rotation,
            key_spec: meta.key_spec().map(|s| s.as_str().to_string()),
            origin: meta.origin().map(|o| o.as_str().to_string()),
            policy: key.policy.as_deref().and_then(|text| out.policy(&id, ("kms", "GetKeyPolicy", Some(region)), text)),
        };
        out.add(id, name, Some(region), tags, Attributes::AwsKmsKey(attrs));
    }
}

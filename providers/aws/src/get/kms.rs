//! KMS, per region: every key with its metadata and key policy, whether customer
//! keys rotate, and the aliases that name keys.

use auditgraph_model::AssetId;
use aws_sdk_kms::types::{AliasListEntry, KeyManagerType, KeyMetadata, KeySpec, OriginType};
use aws_sdk_kms::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

#[derive(Default)]
pub struct KmsData {
    pub keys: Option<Vec<KeyData>>,
    pub aliases: Option<Vec<AliasListEntry>>,
}

pub struct KeyData {
    pub meta: KeyMetadata,
    /// Whether it rotates (`None`: not read, or not applicable).
    pub rotation: Option<bool>,
    /// The key policy's text (`None`: not read).
    pub policy: Option<String>,
}

pub async fn read(rec: &Recorder, kms: &Client, region: &str) -> KmsData {
    let (keys, aliases) = tokio::join!(
        rec.call(Api::new("kms", "ListKeys").in_region(region), all_pages!(kms.list_keys())),
        rec.call(Api::new("kms", "ListAliases").in_region(region), all_pages!(kms.list_aliases())),
    );
    let Some(keys) = keys else {
        return KmsData { keys: None, aliases };
    };
    let described = join_all(keys.iter().map(|k| async move {
        let arn = AssetId::new(k.key_arn().unwrap_or_default());
        let id = k.key_id().unwrap_or_default();
        let api = Api::new("kms", "DescribeKey").in_region(region).on(&arn);
        let meta = rec.call(api, kms.describe_key().key_id(id).send()).await?.key_metadata?;
        // AWS-managed keys rotate yearly by AWS's own rule; asking is for customer keys,
        // and only those that can rotate: symmetric, with material KMS made (KMS
        // refuses the question for the others, which is no gap in what was read).
        let rotatable =
            meta.key_spec() == Some(&KeySpec::SymmetricDefault) && meta.origin() == Some(&OriginType::AwsKms);
        let rotation = async {
            match meta.key_manager() {
                Some(KeyManagerType::Customer) if rotatable => {
                    let api = Api::new("kms", "GetKeyRotationStatus").in_region(region).on(&arn);
                    rec.call(api, kms.get_key_rotation_status().key_id(id).send()).await.map(|r| r.key_rotation_enabled)
                }
                Some(KeyManagerType::Customer) => None,
                _ => Some(true),
            }
        };
        // Every key has exactly one policy, named `default`.
        let api = Api::new("kms", "GetKeyPolicy").in_region(region).on(&arn);
        let policy = rec.call(api, kms.get_key_policy().key_id(id).policy_name("default").send());
        let (rotation, policy) = tokio::join!(rotation, policy);
        Some(KeyData { meta, rotation, policy: policy.and_then(|p| p.policy) })
    }))
    .await;
    KmsData { keys: Some(described.into_iter().flatten().collect()), aliases }
}

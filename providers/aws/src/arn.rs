//! The ids auditgraph gives AWS resources: ARNs built the way AWS writes them, for
//! the `aws` partition. Both the calls (`get`, for per-resource coverage records)
//! and the transforms name resources through here.

use auditgraph_model::AssetId;

/// `arn:aws:ec2:REGION:ACCOUNT:TYPE/ID`, the id of every EC2 and VPC resource.
/// The asset of an account itself (its root user's ARN), which account-wide settings belong to.
pub fn account(account: &str) -> AssetId {
    AssetId::new(format!("arn:aws:iam::{account}:root"))
}

pub fn ec2_arn(region: &str, account: &str, resource_type: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:{resource_type}/{id}")
}

/// `arn:aws:redshift:REGION:ACCOUNT:TYPE:NAME` (`cluster`, `parametergroup`): the
/// Redshift API returns names, not ARNs.
pub fn redshift_arn(region: &str, account: &str, resource_type: &str, name: &str) -> AssetId {
    AssetId::new(format!("arn:aws:redshift:{region}:{account}:{resource_type}:{name}"))
}

/// A KMS key reference (key id, key ARN or alias ARN) as the id of the key asset.
pub fn kms_key(reference: &str, region: &str, account: &str) -> AssetId {
    if reference.starts_with("arn:") {
        AssetId::new(reference)
    } else if let Some(alias) = reference.strip_prefix("alias/") {
        AssetId::new(format!("arn:aws:kms:{region}:{account}:alias/{alias}"))
    } else {
        AssetId::new(format!("arn:aws:kms:{region}:{account}:key/{reference}"))
    }
}

//! Secrets Manager, per region: every secret's metadata (rotation, last use). The
//! value of a secret is never asked for.

use aws_sdk_secretsmanager::types::SecretListEntry;
use aws_sdk_secretsmanager::Client;

use crate::calls::{Api, Recorder, SdkCall};

/// `None` when the listing failed.
pub type SecretsData = Option<Vec<SecretListEntry>>;

pub async fn read(rec: &Recorder, client: &Client, region: &str) -> SecretsData {
    let pages = client.list_secrets().into_paginator().send().collect::<Result<Vec<_>, _>>();
    let pages = rec.call(Api::new("secretsmanager", "ListSecrets").in_region(region), pages).await?;
    Some(pages.into_iter().flat_map(|p| p.secret_list.unwrap_or_default()).collect())
}

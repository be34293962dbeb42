//! S3, once per account: the buckets, and for each (in its own region) its policy,
//! ACL, public access block, default encryption, versioning, logging and tags; and
//! the account-wide public access block (S3 Control).

use std::collections::HashMap;

use auditgraph_model::AssetId;
use aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput;
use aws_sdk_s3::types::{
    Bucket, BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryptionConfiguration, Tag,
};
use aws_sdk_s3control::config::endpoint::{Endpoint, EndpointFuture, Params, ResolveEndpoint};
use futures::future::join_all;

use crate::calls::{Api, Recorder, SdkCall};
use crate::session::{AccountSession, HOME_REGION};

/// One bucket. Each `Option` is `None` when its call failed; an inner `None` is a
/// successful read of "not configured".
pub struct BucketData {
    pub bucket: Bucket,
    pub region: String,
    pub policy: Option<Option<String>>,
    pub acl: Option<GetBucketAclOutput>,
    pub public_access_block: Option<Option<PublicAccessBlockConfiguration>>,
    pub encryption: Option<Option<ServerSideEncryptionConfiguration>>,
    pub versioning: Option<Option<BucketVersioningStatus>>,
    pub logging: Option<bool>,
    pub tags: Option<Option<Vec<Tag>>>,
    /// Whether S3 Object Lock is on (`None`: not read).
    pub object_lock: Option<bool>,
}

#[derive(Default)]
pub struct S3Data {
    pub buckets: Option<Vec<BucketData>>,
    pub account_public_access_block: Option<Option<aws_sdk_s3control::types::PublicAccessBlockConfiguration>>,
}

/// S3 clients by region: a bucket's configuration is read in the bucket's region.
fn s3_client(session: &AccountSession, region: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&session.in_region(region))
        // Emulators and proxies answer on one host: bucket names go in the path.
        .force_path_style(session.endpoint_url.is_some())
        .interceptor(session.counter())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

pub async fn read(rec: &Recorder, session: &AccountSession) -> S3Data {
    let (buckets, account_public_access_block) = tokio::join!(buckets(rec, session), account_block(rec, session));
    S3Data { buckets, account_public_access_block }
}

async fn buckets(rec: &Recorder, session: &AccountSession) -> Option<Vec<BucketData>> {
    let home = s3_client(session, HOME_REGION);
    let list = rec.call(Api::new("s3", "ListBuckets"), crate::all_pages!(home.list_buckets())).await?;
    // ListBuckets names each bucket's region; older endpoints do not, so ask.
    let regions = join_all(list.iter().map(|b| async {
        if let Some(region) = b.bucket_region() {
            return region.to_string();
        }
        let name = b.name().unwrap_or_default();
        let id = AssetId::new(format!("arn:aws:s3:::{name}"));
        let api = Api::new("s3", "GetBucketLocation").on(&id);
        let location = rec.call(api, home.get_bucket_location().bucket(name).send()).await;
        location
            .and_then(|l| l.location_constraint().map(|c| c.as_str().to_string()))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| HOME_REGION.to_string())
    }))
    .await;
    let mut clients: HashMap<String, aws_sdk_s3::Client> = HashMap::new();
    for region in &regions {
        clients.entry(region.clone()).or_insert_with(|| s3_client(session, region));
    }
    let clients = &clients;
    let details = join_all(
        list.into_iter()
            .zip(regions)
            .map(|(bucket, region)| async move { bucket_details(rec, &clients[&region], bucket, region).await }),
    )
    .await;
    Some(details)
}

async fn bucket_details(rec: &Recorder, s3: &aws_sdk_s3::Client, bucket: Bucket, region: String) -> BucketData {
    let name = bucket.name().unwrap_or_default().to_string();
    let id = AssetId::new(format!("arn:aws:s3:::{name}"));
    let api = |call| Api::new("s3", call).on(&id);
    let (policy, acl, public_access_block, encryption, versioning, logging, tags, object_lock) = tokio::join!(
        rec.call_optional(api("GetBucketPolicy"), &["NoSuchBucketPolicy"], s3.get_bucket_policy().bucket(&name).send()),
        rec.call(api("GetBucketAcl"), s3.get_bucket_acl().bucket(&name).send()),
        rec.call_optional(
            api("GetPublicAccessBlock"),
            &["NoSuchPublicAccessBlockConfiguration"],
            s3.get_public_access_block().bucket(&name).send()
        ),
        rec.call_optional(
            api("GetBucketEncryption"),
            &["ServerSideEncryptionConfigurationNotFoundError"],
            s3.get_bucket_encryption().bucket(&name).send()
        ),
        rec.call(api("GetBucketVersioning"), s3.get_bucket_versioning().bucket(&name).send()),
        rec.call(api("GetBucketLogging"), s3.get_bucket_logging().bucket(&name).send()),
        rec.call_optional(api("GetBucketTagging"), &["NoSuchTagSet"], s3.get_bucket_tagging().bucket(&name).send()),
        rec.call_optional(
            api("GetObjectLockConfiguration"),
            &["ObjectLockConfigurationNotFoundError"],
            s3.get_object_lock_configuration().bucket(&name).send()
        ),
    );
    BucketData {
        bucket,
        region,
        policy: policy.map(|p| p.and_then(|p| p.policy)),
        acl,
        public_access_block: public_access_block.map(|p| p.and_then(|p| p.public_access_block_configuration)),
        encryption: encryption.map(|e| e.and_then(|e| e.server_side_encryption_configuration)),
        versioning: versioning.map(|v| v.status),
        logging: logging.map(|l| l.logging_enabled.is_some()),
        tags: tags.map(|t| t.map(|t| t.tag_set)),
        object_lock: object_lock.map(|o| {
            let enabled = o.and_then(|o| o.object_lock_configuration).and_then(|c| c.object_lock_enabled);
            enabled == Some(aws_sdk_s3::types::ObjectLockEnabled::Enabled)
        }),
    }
}

/// Sends S3 Control calls to the endpoint as given. S3 Control's own rules put the
/// account id in front of the host (`123456789012.host`), which an emulator or a
/// proxy on one address cannot answer.
#[derive(Debug)]
struct FixedEndpoint(String);

impl ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(&'a self, _: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::ready(Ok(Endpoint::builder().url(self.0.clone()).build()))
    }
}

async fn account_block(
    rec: &Recorder,
    session: &AccountSession,
) -> Option<Option<aws_sdk_s3control::types::PublicAccessBlockConfiguration>> {
    let mut config = aws_sdk_s3control::config::Builder::from(&session.global()).interceptor(session.counter());
    if let Some(url) = &session.endpoint_url {
        config = config.endpoint_resolver(FixedEndpoint(url.clone()));
    }
    let control = aws_sdk_s3control::Client::from_conf(config.build());
    let out = rec
        .call_optional(
            Api::new("s3control", "GetPublicAccessBlock"),
            &["NoSuchPublicAccessBlockConfiguration"],
            control.get_public_access_block().account_id(&session.account_id).send(),
        )
        .await?;
    Some(out.and_then(|o| o.public_access_block_configuration))
}

//! Credentials, accounts and regions the way AWS users expect: the standard
//! credential chain (environment, profile, SSO, web identity, instance metadata),
//! an optional endpoint override, the organisation's accounts reached by assuming a
//! role in each, and the regions enabled for each account.

use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use auditgraph_model::CoverageStatus;

use auditgraph_crawl::error_chain;

use crate::calls::{outcome_of, Budget, RequestCounter};

/// The region global services (IAM, Organizations, STS, S3 listing) are called in
/// when no region is configured.
pub const HOME_REGION: &str = "us-east-1";

/// How to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    /// A named profile of ~/.aws/config; `None`: the default chain.
    pub profile: Option<String>,
    /// An endpoint for every service (an emulator, a VPC endpoint proxy).
    pub endpoint_url: Option<String>,
}

/// The base configuration: credentials from the standard chain, adaptive retries
/// with backoff on throttling.
pub async fn base_config(connection: &Connection) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(6))
        .app_name(aws_config::AppName::new("auditgraph").expect("a valid app name"));
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &connection.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return config.into_builder().region(Region::new(HOME_REGION)).build();
    }
    config
}

/// The configuration of one account: its id, the SDK configuration whose
/// credentials reach it, and the shared call budget.
#[derive(Clone, Debug)]
pub struct AccountSession {
    pub account_id: String,
    pub config: SdkConfig,
    pub endpoint_url: Option<String>,
    pub budget: Arc<Budget>,
}

impl AccountSession {
    /// The SDK configuration for `region`.
    pub fn in_region(&self, region: &str) -> SdkConfig {
        self.config.to_builder().region(Region::new(region.to_string())).build()
    }

    /// The configuration for global services.
    pub fn global(&self) -> SdkConfig {
        self.in_region(self.config.region().map(|r| r.as_ref()).unwrap_or(HOME_REGION))
    }

    pub fn counter(&self) -> RequestCounter {
        RequestCounter(self.budget.clone())
    }
}

/// Builds a client of one SDK crate from an SDK configuration, with the request counter.
#[macro_export]
macro_rules! client {
    ($sdk:ident, $config:expr, $counter:expr) => {
        $sdk::Client::from_conf($sdk::config::Builder::from($config).interceptor($counter).build())
    };
}

/// Who the credentials are (`sts:GetCallerIdentity`).
#[derive(Clone, Debug)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

/// The principal and account the credentials belong to. Their values are
/// registered for redaction first, so no message can carry them out.
pub async fn caller(config: &SdkConfig, budget: &Arc<Budget>) -> Result<Caller, String> {
    register_credentials(config).await;
    let sts = client!(aws_sdk_sts, config, RequestCounter(budget.clone()));
    let identity = sts.get_caller_identity().send().await.map_err(|e| error_chain(&e))?;
    let account = identity.account.ok_or_else(|| "GetCallerIdentity returned no account".to_string())?;
    let arn = identity.arn.ok_or_else(|| "GetCallerIdentity returned no ARN".to_string())?;
    Ok(Caller { account, arn })
}

async fn register_credentials(config: &SdkConfig) {
    use aws_credential_types::provider::ProvideCredentials;
    let Some(provider) = config.credentials_provider() else { return };
    if let Ok(credentials) = provider.provide_credentials().await {
        auditgraph_crawl::register_secret(credentials.access_key_id());
        auditgraph_crawl::register_secret(credentials.secret_access_key());
        if let Some(token) = credentials.session_token() {
            auditgraph_crawl::register_secret(token);
        }
    }
}

/// The active accounts of the organisation (`organizations:ListAccounts`); `Err`
/// says what the call's failure means for coverage, and why.
pub async fn organization_accounts(
    config: &SdkConfig,
    budget: &Arc<Budget>,
) -> Result<Vec<String>, (CoverageStatus, String)> {
    let org = client!(aws_sdk_organizations, config, RequestCounter(budget.clone()));
    let pages: Vec<_> = org
        .list_accounts()
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| outcome_of(&e, false))?;
    let mut ids: Vec<String> = pages
        .into_iter()
        .flat_map(|page| page.accounts.unwrap_or_default())
        .filter(|a| {
            a.state().is_none_or(|s| s.as_str() == "ACTIVE") && a.status().is_none_or(|s| s.as_str() == "ACTIVE")
        })
        .filter_map(|a| a.id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// A configuration whose credentials come from assuming `role_name` in `account`,
/// checked by asking STS who it is. `Err` says why the role could not be assumed.
pub async fn assume(
    base: &SdkConfig,
    account: &str,
    role_name: &str,
    external_id: Option<&str>,
    budget: &Arc<Budget>,
) -> Result<(SdkConfig, Caller), String> {
    let arn = format!("arn:aws:iam::{account}:role/{role_name}");
    let mut builder = AssumeRoleProvider::builder(arn).session_name("auditgraph").configure(base);
    if let Some(id) = external_id {
        builder = builder.external_id(id);
    }
    let provider = builder.build().await;
    let config = base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
    let reached = caller(&config, budget).await?;
    if reached.account != account {
        return Err(format!("assuming the role gave credentials of account {}", reached.account));
    }
    Ok((config, reached))
}

/// The regions enabled for the account (`ec2:DescribeRegions`).
pub async fn enabled_regions(session: &AccountSession) -> Result<Vec<String>, String> {
    let ec2 = client!(aws_sdk_ec2, &session.global(), session.counter());
    let out = ec2.describe_regions().send().await.map_err(|e| error_chain(&e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
        .filter_map(|r| r.region_name.clone())
        .collect();
    regions.sort();
    Ok(regions)
}

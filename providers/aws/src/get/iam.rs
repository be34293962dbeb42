//! IAM, once per account: one `GetAccountAuthorizationDetails` crawl for users,
//! groups, roles and policies with their documents; each user's MFA devices and
//! access keys (with last use); the credential report; the password policy; the
//! account summary (root MFA and keys) and alias.

use std::collections::HashMap;

use auditgraph_model::AssetId;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata, MfaDevice, PasswordPolicy, ReportStateType};
use aws_sdk_iam::Client;
use futures::future::join_all;

use crate::all_pages;
use crate::calls::{Api, Recorder, SdkCall};

/// An access key and when it was last used (`None`: not read).
pub type KeyWithLastUse = (AccessKeyMetadata, Option<AccessKeyLastUsed>);

#[derive(Default)]
pub struct IamData {
    /// The pages of `GetAccountAuthorizationDetails`.
    pub details: Option<Vec<GetAccountAuthorizationDetailsOutput>>,
    /// The credential report as CSV text.
    pub credential_report: Option<String>,
    /// User name → whether it has a console password, read one by one when the
    /// credential report is not available.
    pub login_profiles: HashMap<String, Option<bool>>,
    /// User name → its MFA devices.
    pub mfa_devices: HashMap<String, Option<Vec<MfaDevice>>>,
    /// User name → its access keys, each with its last use.
    pub access_keys: HashMap<String, Option<Vec<KeyWithLastUse>>>,
    pub password_policy: Option<Option<PasswordPolicy>>,
    pub summary: Option<HashMap<String, i32>>,
    pub alias: Option<Option<String>>,
}

pub async fn read(rec: &Recorder, iam: &Client, account: &str) -> IamData {
    let api = Api::new;
    let details_pages = async {
        rec.call(
            api("iam", "GetAccountAuthorizationDetails"),
            iam.get_account_authorization_details().into_paginator().send().collect::<Result<Vec<_>, _>>(),
        )
        .await
    };
    let (details, credential_report, password_policy, summary, alias) = tokio::join!(
        details_pages,
        credential_report(rec, iam),
        rec.call_optional(
            api("iam", "GetAccountPasswordPolicy"),
            &["NoSuchEntity"],
            iam.get_account_password_policy().send()
        ),
        rec.call(api("iam", "GetAccountSummary"), iam.get_account_summary().send()),
        rec.call(api("iam", "ListAccountAliases"), all_pages!(iam.list_account_aliases())),
    );
    let users: Vec<String> =
        details.iter().flatten().flat_map(|page| page.user_detail_list()).filter_map(|u| u.user_name.clone()).collect();
    let has_report = credential_report.is_some();
    let user_id = |name: &str| AssetId::new(format!("arn:aws:iam::{account}:user/{name}"));
    let per_user = join_all(users.iter().map(|name| async move {
        let id = user_id(name);
        let mfa = rec.call(api("iam", "ListMFADevices").on(&id), all_pages!(iam.list_mfa_devices().user_name(name)));
        let keys = access_keys(rec, iam, name, &id);
        let login = async {
            if has_report {
                return None;
            }
            let profile = iam.get_login_profile().user_name(name);
            let found =
                rec.call_optional(api("iam", "GetLoginProfile").on(&id), &["NoSuchEntity"], profile.send()).await;
            Some(found.map(|p| p.is_some()))
        };
        let (mfa, keys, login) = tokio::join!(mfa, keys, login);
        (name.clone(), mfa, keys, login)
    }))
    .await;
    let mut data = IamData {
        details,
        credential_report,
        password_policy: password_policy.map(|p| p.and_then(|p| p.password_policy)),
        summary: summary
            .map(|s| s.summary_map.unwrap_or_default().into_iter().map(|(k, v)| (k.as_str().to_string(), v)).collect()),
        alias: alias.map(|a| a.into_iter().next()),
        ..IamData::default()
    };
    for (name, mfa, keys, login) in per_user {
        data.mfa_devices.insert(name.clone(), mfa);
        data.access_keys.insert(name.clone(), keys);
        if let Some(login) = login {
            data.login_profiles.insert(name, login);
        }
    }
    data
}

async fn access_keys(rec: &Recorder, iam: &Client, user: &str, user_id: &AssetId) -> Option<Vec<KeyWithLastUse>> {
    let keys = rec
        .call(Api::new("iam", "ListAccessKeys").on(user_id), all_pages!(iam.list_access_keys().user_name(user)))
        .await?;
    let last_used = join_all(keys.iter().map(|k| async move {
        let key_id = k.access_key_id().unwrap_or_default();
        let request = iam.get_access_key_last_used().access_key_id(key_id);
        rec.call(Api::new("iam", "GetAccessKeyLastUsed").on(user_id), request.send()).await?.access_key_last_used
    }))
    .await;
    Some(keys.into_iter().zip(last_used).collect())
}

/// Asks IAM to build the credential report, waits for it (a few seconds at most),
/// and reads it.
async fn credential_report(rec: &Recorder, iam: &Client) -> Option<String> {
    for attempt in 0..10 {
        let generated =
            rec.call(Api::new("iam", "GenerateCredentialReport"), iam.generate_credential_report().send()).await?;
        if generated.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if attempt == 9 {
            rec.record(
                Api::new("iam", "GetCredentialReport"),
                auditgraph_model::CoverageStatus::Failed,
                Some("the credential report was not ready after 10 attempts".into()),
            );
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500 * (attempt + 1))).await;
    }
    let report = rec.call(Api::new("iam", "GetCredentialReport"), iam.get_credential_report().send()).await?;
    let content = report.content?.into_inner();
    Some(String::from_utf8_lossy(&content).into_owned())
}

//! Organizations, per account: which organisation it belongs to and, when the scan
//! runs as the organisation's management account, the service control policies on
//! its path from the root (root, each OU, the account), each with its document.

use aws_sdk_organizations::types::{ParentType, PolicyType};
use aws_sdk_organizations::Client;

use crate::calls::{Api, Recorder, SdkCall};

pub struct OrgData {
    pub id: String,
    pub management_account: String,
    /// Root first; `None`: not read.
    pub levels: Option<Vec<Level>>,
}

/// The SCPs attached to one target (root, OU, account), as their text.
pub struct Level {
    pub target: String,
    pub policies: Vec<PolicyText>,
}

pub struct PolicyText {
    pub id: String,
    pub name: String,
    pub content: String,
}

/// `own` asks as the account itself; `management`, with the scan's own
/// credentials, for the account's policies (denied unless they are the management
/// account's, and then recorded as such: the policies were not read).
pub async fn read(rec: &Recorder, own: &Client, management: &Client, account: &str) -> Option<OrgData> {
    let api = Api::new("organizations", "DescribeOrganization");
    let org =
        rec.call_optional(api, &["AWSOrganizationsNotInUseException"], own.describe_organization().send()).await??;
    let org = org.organization?;
    let id = org.id?;
    let management_account = org.master_account_id.unwrap_or_default();
    let levels = if management_account == account {
        // SCPs do not apply to the management account itself.
        Some(Vec::new())
    } else {
        levels(rec, management, account).await
    };
    Some(OrgData { id, management_account, levels })
}

async fn levels(rec: &Recorder, org: &Client, account: &str) -> Option<Vec<Level>> {
    // The path from the account up to the root.
    let mut path = vec![account.to_string()];
    loop {
        let child = path.last().expect("the path starts with the account").clone();
        let api = Api::new("organizations", "ListParents");
        let parents = rec.call(api, org.list_parents().child_id(&child).send()).await?;
        let parent = parents.parents().first()?;
        let parent_id = parent.id()?.to_string();
        let is_root = parent.r#type() == Some(&ParentType::Root);
        path.push(parent_id);
        // Organisations nest OUs at most five deep: a longer path is a loop.
        if is_root || path.len() > 8 {
            break;
        }
    }
    path.reverse();
    let mut out = Vec::new();
    for target in path {
        let api = Api::new("organizations", "ListPoliciesForTarget");
        let listed = rec
            .call(
                api,
                org.list_policies_for_target().target_id(&target).filter(PolicyType::ServiceControlPolicy).send(),
            )
            .await?;
        let mut policies = Vec::new();
        for summary in listed.policies() {
            let Some(policy_id) = summary.id() else { continue };
            let api = Api::new("organizations", "DescribePolicy");
            let described = rec.call(api, org.describe_policy().policy_id(policy_id).send()).await?;
            let policy = described.policy?;
            let name = summary.name().unwrap_or(policy_id).to_string();
            policies.push(PolicyText { id: policy_id.to_string(), name, content: policy.content.unwrap_or_default() });
        }
        out.push(Level { target, policies });
    }
    Some(out)
}

//! The API calls, per project: Resource Manager (project, IAM policy, the folders
//! and organisation above it and their IAM policies, each read once), IAM v2 (the
//! deny policies of the project and of each folder and organisation), Cloud Storage
//! (buckets and each bucket's IAM policy), Compute Engine (networks, subnetworks,
//! routes, firewalls, instances) and Cloud SQL. Every call leaves a coverage record;
//! a failed call leaves a gap and the crawl goes on.

use std::collections::HashMap;
use std::sync::Mutex;

use auditgraph_crawl::{Api, Recorder};
use auditgraph_model::{AssetId, CoverageStatus};
use futures::future::join_all;
use serde_json::Value;

use crate::client::{CallError, Client};

/// What one project returned, raw.
#[derive(Default)]
pub struct ProjectData {
    pub project: Option<Value>,
    pub project_iam: Option<Value>,
    /// The deny policies attached to the project, rules included (`None`: not read).
    pub project_deny: Option<Vec<Value>>,
    /// The folders and organisation above the project, nearest first; `None` when
    /// the ancestry was not read.
    pub ancestors: Option<Vec<AncestorData>>,
    pub buckets: Vec<Value>,
    /// Bucket name → its IAM policy (absent when the call failed).
    pub bucket_iam: Vec<(String, Option<Value>)>,
    pub networks: Vec<Value>,
    pub subnetworks: Vec<Value>,
    pub routes: Vec<Value>,
    pub firewalls: Vec<Value>,
    pub instances: Vec<Value>,
    pub sql_instances: Vec<Value>,
}

/// A folder or organisation above a project, as read.
pub struct AncestorData {
    /// `folders/N` or `organizations/N`.
    pub resource: String,
    /// Its IAM policy (`None`: not read).
    pub policy: Option<Value>,
    /// Its deny policies (`None`: not read).
    pub deny: Option<Vec<Value>>,
}

/// Records a call's outcome as coverage.
fn record(rec: &Recorder, api: Api<'_>, result: &Result<impl Sized, CallError>) {
    match result {
        Ok(_) => rec.record(api, CoverageStatus::Read, None),
        Err(e) => rec.record(api, e.status, Some(e.detail.clone())),
    }
}

/// The active projects the credentials can see (Resource Manager `projects.list`),
/// or only those directly under an organisation.
pub async fn list_projects(client: &Client, organization: Option<&str>) -> Result<Vec<String>, CallError> {
    let filter = match organization {
        Some(org) => format!("lifecycleState%3AACTIVE%20parent.type%3Aorganization%20parent.id%3A{org}"),
        None => "lifecycleState%3AACTIVE".to_string(),
    };
    let url = format!("{}/projects?filter={filter}", client.endpoints.resource_manager);
    let projects = client.list(&url, "projects").await?;
    Ok(projects.iter().filter_map(|p| p["projectId"].as_str().map(str::to_string)).collect())
}

/// A failed call with the API it was (`policies.get`).
type Failure = (&'static str, CallError);

/// The IAM and deny policies of folders and organisations, read once for all the
/// projects under them (`folders/1` → the calls' outcome).
#[derive(Default)]
pub struct AncestorPolicies {
    allow: Mutex<HashMap<String, Result<Value, CallError>>>,
    deny: Mutex<HashMap<String, Result<Vec<Value>, Failure>>>,
}

impl AncestorPolicies {
    /// The policy of `resource` (`folders/1`, `organizations/2`), read on first use;
    /// its outcome is recorded for every project that inherits it.
    async fn policy(&self, client: &Client, rec: &Recorder, resource: &str) -> Option<Value> {
        let (base, api) = if resource.starts_with("folders/") {
            (&client.endpoints.folders, "folders.getIamPolicy")
        } else {
            (&client.endpoints.resource_manager, "organizations.getIamPolicy")
        };
        let known = self.allow.lock().expect("not poisoned").get(resource).cloned();
        let result = match known {
            Some(r) => r,
            None => {
                let r = client.post_read(&format!("{base}/{resource}:getIamPolicy")).await;
                self.allow.lock().expect("not poisoned").insert(resource.to_string(), r.clone());
                r
            }
        };
        let id = AssetId::new(format!("//cloudresourcemanager.googleapis.com/{resource}"));
        record(rec, Api::new("cloudresourcemanager", api).on(&id), &result);
        result.ok()
    }

    /// The deny policies of `resource`, read on first use and recorded like `policy`.
    async fn deny(&self, client: &Client, rec: &Recorder, resource: &str) -> Option<Vec<Value>> {
        let known = self.deny.lock().expect("not poisoned").get(resource).cloned();
        let result = match known {
            Some(r) => r,
            None => {
                let r = deny_policies(client, resource).await;
                self.deny.lock().expect("not poisoned").insert(resource.to_string(), r.clone());
                r
            }
        };
        record_deny(rec, resource, &result);
        result.ok()
    }
}

/// Every deny policy attached to `resource` (`projects/p`, `folders/1`), rules
/// included: `policies.listPolicies` names them without their rules, so each is
/// read with `policies.get`.
async fn deny_policies(client: &Client, resource: &str) -> Result<Vec<Value>, Failure> {
    let iam = &client.endpoints.iam;
    // The attachment point is the resource's full name, URL-encoded.
    let attachment = format!("cloudresourcemanager.googleapis.com/{resource}").replace('/', "%2F");
    let url = format!("{iam}/policies/{attachment}/denypolicies");
    let listed = client.list(&url, "policies").await.map_err(|e| ("policies.listPolicies", e))?;
    let mut out = Vec::new();
    for name in listed.iter().filter_map(|p| p["name"].as_str()) {
        out.push(client.get(&format!("{iam}/{name}")).await.map_err(|e| ("policies.get", e))?);
    }
    Ok(out)
}

fn record_deny(rec: &Recorder, resource: &str, result: &Result<Vec<Value>, Failure>) {
    let id = AssetId::new(format!("//cloudresourcemanager.googleapis.com/{resource}"));
    match result {
        Ok(_) => rec.record(Api::new("iam", "policies.listPolicies").on(&id), CoverageStatus::Read, None),
        Err((api, e)) => rec.record(Api::new("iam", api).on(&id), e.status, Some(e.detail.clone())),
    }
}

/// The folders and organisation above a project, nearest first, as `folders/N` and
/// `organizations/N`, from `projects.getAncestry` (which lists the project first).
fn ancestors_of(ancestry: &Value) -> Vec<String> {
    let chain = ancestry["ancestor"].as_array().into_iter().flatten();
    chain
        .filter_map(|a| {
            let id = a["resourceId"]["id"].as_str()?;
            match a["resourceId"]["type"].as_str()? {
                "folder" => Some(format!("folders/{id}")),
                "organization" => Some(format!("organizations/{id}")),
                _ => None,
            }
        })
        .collect()
}

/// Reads one project, recording every call's outcome in `rec`; calls run concurrently.
pub async fn project(client: &Client, rec: &Recorder, above: &AncestorPolicies, project: &str) -> ProjectData {
    let e = &client.endpoints;
    let crm = format!("{}/projects/{project}", e.resource_manager);
    let compute = format!("{}/projects/{project}", e.compute);
    let urls = (
        format!("{}/b?project={project}", e.storage),
        format!("{compute}/global/networks"),
        format!("{compute}/aggregated/subnetworks"),
        format!("{compute}/global/routes"),
        format!("{compute}/global/firewalls"),
        format!("{compute}/aggregated/instances"),
        format!("{}/projects/{project}/instances", e.sql),
    );
    let crm_iam = format!("{crm}:getIamPolicy");
    let crm_ancestry = format!("{crm}:getAncestry");
    let project_resource = format!("projects/{project}");
    let (proj, iam, ancestry, deny, buckets, networks, subnetworks, routes, firewalls, instances, sql) = tokio::join!(
        client.get(&crm),
        client.post_read(&crm_iam),
        client.post_read(&crm_ancestry),
        deny_policies(client, &project_resource),
        client.list(&urls.0, "items"),
        client.list(&urls.1, "items"),
        client.list(&urls.2, "items"),
        client.list(&urls.3, "items"),
        client.list(&urls.4, "items"),
        client.list(&urls.5, "items"),
        client.list(&urls.6, "items"),
    );
    let mut data = ProjectData::default();
    let calls: [(&str, &str, &Result<_, _>); 3] = [
        ("cloudresourcemanager", "projects.get", &proj),
        ("cloudresourcemanager", "projects.getIamPolicy", &iam),
        ("cloudresourcemanager", "projects.getAncestry", &ancestry),
    ];
    for (service, api, result) in calls {
        record(rec, Api::new(service, api), result);
    }
    record_deny(rec, &project_resource, &deny);
    data.project_deny = deny.ok();
    let lists = [
        ("storage", "buckets.list", &buckets),
        ("compute", "networks.list", &networks),
        ("compute", "subnetworks.aggregatedList", &subnetworks),
        ("compute", "routes.list", &routes),
        ("compute", "firewalls.list", &firewalls),
        ("compute", "instances.aggregatedList", &instances),
        ("sqladmin", "instances.list", &sql),
    ];
    for (service, api, result) in lists {
        record(rec, Api::new(service, api), result);
    }
    data.project = proj.ok();
    data.project_iam = iam.ok();
    data.buckets = buckets.unwrap_or_default();
    data.networks = networks.unwrap_or_default();
    data.subnetworks = subnetworks.unwrap_or_default();
    data.routes = routes.unwrap_or_default();
    data.firewalls = firewalls.unwrap_or_default();
    data.instances = instances.unwrap_or_default();
    data.sql_instances = sql.unwrap_or_default();
    if let Ok(ancestry) = &ancestry {
        let mut ancestors = Vec::new();
        for resource in ancestors_of(ancestry) {
            let policy = above.policy(client, rec, &resource).await;
            let deny = above.deny(client, rec, &resource).await;
            ancestors.push(AncestorData { resource, policy, deny });
        }
        data.ancestors = Some(ancestors);
    }

    let names: Vec<String> = data.buckets.iter().filter_map(|b| b["name"].as_str().map(str::to_string)).collect();
    let iam_urls: Vec<String> = names.iter().map(|n| format!("{}/b/{n}/iam", e.storage)).collect();
    let policies = join_all(iam_urls.iter().map(|u| client.get(u))).await;
    for (name, result) in names.into_iter().zip(policies) {
        let id = AssetId::new(format!("//storage.googleapis.com/projects/_/buckets/{name}"));
        record(rec, Api::new("storage", "buckets.getIamPolicy").on(&id), &result);
        data.bucket_iam.push((name, result.ok()));
    }
    data
}

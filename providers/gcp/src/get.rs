//! The API calls, per project: Resource Manager (project, IAM policy, the folders
//! and organisation above it and their IAM policies, each read once), IAM v2 (the
//! deny policies of the project and of each folder and organisation), Cloud Storage
//! (buckets and each bucket's IAM policy), Compute Engine (networks, subnetworks,
//! routes, firewalls, instances, the project's instance metadata), Cloud SQL, Cloud
//! KMS (the keys of every location's key rings) and Cloud Logging (the sinks of the
//! project, its folders and organisation). Every call leaves a coverage record; a
//! failed call leaves a gap and the crawl goes on.

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
    /// Compute Engine's view of the project (`projects.get`), for the metadata every
    /// instance inherits (`None`: not read).
    pub compute_project: Option<Value>,
    /// The project's log sinks (`None`: not read).
    pub log_sinks: Option<Vec<Value>>,
    /// The Cloud KMS keys of every location's key rings.
    pub kms_keys: Vec<Value>,
}

/// A folder or organisation above a project, as read.
pub struct AncestorData {
    /// `folders/N` or `organizations/N`.
    pub resource: String,
    /// Its IAM policy (`None`: not read).
    pub policy: Option<Value>,
    /// Its deny policies (`None`: not read).
    pub deny: Option<Vec<Value>>,
    /// Its log sinks (`None`: not read).
    pub sinks: Option<Vec<Value>>,
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

/// Outcomes read on first use and shared by every project that asks again.
struct ReadOnce<T>(Mutex<HashMap<String, T>>);

impl<T> Default for ReadOnce<T> {
    fn default() -> Self {
        ReadOnce(Mutex::new(HashMap::new()))
    }
}

impl<T: Clone> ReadOnce<T> {
    async fn get<F: std::future::Future<Output = T>>(&self, key: &str, read: impl FnOnce() -> F) -> T {
        if let Some(known) = self.0.lock().expect("not poisoned").get(key).cloned() {
            return known;
        }
        let outcome = read().await;
        self.0.lock().expect("not poisoned").insert(key.to_string(), outcome.clone());
        outcome
    }
}

/// What is read of the folders and organisations above projects (IAM and deny
/// policies, log sinks), once for all the projects under them; each outcome is
/// recorded for every project that inherits it.
#[derive(Default)]
pub struct Ancestors {
    allow: ReadOnce<Result<Value, CallError>>,
    deny: ReadOnce<Result<Vec<Value>, Failure>>,
    sinks: ReadOnce<Result<Vec<Value>, CallError>>,
}

fn resource_id(resource: &str) -> AssetId {
    AssetId::new(format!("//cloudresourcemanager.googleapis.com/{resource}"))
}

impl Ancestors {
    /// The IAM policy of `resource` (`folders/1`, `organizations/2`).
    async fn policy(&self, client: &Client, rec: &Recorder, resource: &str) -> Option<Value> {
        let (base, api) = if resource.starts_with("folders/") {
            (&client.endpoints.folders, "folders.getIamPolicy")
        } else {
            (&client.endpoints.resource_manager, "organizations.getIamPolicy")
        };
        let url = format!("{base}/{resource}:getIamPolicy");
        let result = self.allow.get(resource, || client.get_iam_policy(&url)).await;
        record(rec, Api::new("cloudresourcemanager", api).on(&resource_id(resource)), &result);
        result.ok()
    }

    /// The deny policies of `resource`.
    async fn deny(&self, client: &Client, rec: &Recorder, resource: &str) -> Option<Vec<Value>> {
        let result = self.deny.get(resource, || deny_policies(client, resource)).await;
        record_deny(rec, resource, &result);
        result.ok()
    }

    /// The log sinks of `resource`.
    async fn sinks(&self, client: &Client, rec: &Recorder, resource: &str) -> Option<Vec<Value>> {
        let url = format!("{}/{resource}/sinks", client.endpoints.logging);
        let result = self.sinks.get(resource, || client.list(&url, "sinks")).await;
        record(rec, Api::new("logging", "sinks.list").on(&resource_id(resource)), &result);
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
    let id = resource_id(resource);
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
pub async fn project(client: &Client, rec: &Recorder, above: &Ancestors, project: &str) -> ProjectData {
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
        format!("{}/projects/{project}/sinks", e.logging),
    );
    let crm_iam = format!("{crm}:getIamPolicy");
    let crm_ancestry = format!("{crm}:getAncestry");
    let project_resource = format!("projects/{project}");
    let (
        proj,
        iam,
        ancestry,
        deny,
        compute_project,
        sinks,
        kms_keys,
        buckets,
        networks,
        subnetworks,
        routes,
        firewalls,
        instances,
        sql,
    ) = tokio::join!(
        client.get(&crm),
        client.get_iam_policy(&crm_iam),
        client.post_read(&crm_ancestry),
        deny_policies(client, &project_resource),
        client.get(&compute),
        client.list(&urls.7, "sinks"),
        kms_keys(client, rec, project),
        client.list(&urls.0, "items"),
        client.list(&urls.1, "items"),
        client.list(&urls.2, "items"),
        client.list(&urls.3, "items"),
        client.list(&urls.4, "items"),
        client.list(&urls.5, "items"),
        client.list(&urls.6, "items"),
    );
    let mut data = ProjectData::default();
    let calls: [(&str, &str, &Result<_, _>); 4] = [
        ("cloudresourcemanager", "projects.get", &proj),
        ("cloudresourcemanager", "projects.getIamPolicy", &iam),
        ("cloudresourcemanager", "projects.getAncestry", &ancestry),
        ("compute", "projects.get", &compute_project),
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
        ("logging", "sinks.list", &sinks),
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
    data.compute_project = compute_project.ok();
    data.log_sinks = sinks.ok();
    data.kms_keys = kms_keys;
    if let Ok(ancestry) = &ancestry {
        let mut ancestors = Vec::new();
        for resource in ancestors_of(ancestry) {
            let policy = above.policy(client, rec, &resource).await;
            let deny = above.deny(client, rec, &resource).await;
            let sinks = above.sinks(client, rec, &resource).await;
            ancestors.push(AncestorData { resource, policy, deny, sinks });
        }
        data.ancestors = Some(ancestors);
    }

    let names: Vec<String> = data.buckets.iter().filter_map(|b| b["name"].as_str().map(str::to_string)).collect();
    let iam_urls: Vec<String> =
        names.iter().map(|n| format!("{}/b/{n}/iam?optionsRequestedPolicyVersion=3", e.storage)).collect();
    let policies = join_all(iam_urls.iter().map(|u| client.get(u))).await;
    for (name, result) in names.into_iter().zip(policies) {
        let id = AssetId::new(format!("//storage.googleapis.com/projects/_/buckets/{name}"));
        record(rec, Api::new("storage", "buckets.getIamPolicy").on(&id), &result);
        data.bucket_iam.push((name, result.ok()));
    }
    data
}

/// The keys of every key ring in every Cloud KMS location of the project. A
/// location or key ring that does not list is a gap naming it.
async fn kms_keys(client: &Client, rec: &Recorder, project: &str) -> Vec<Value> {
    let kms = &client.endpoints.kms;
    let locations = client.list(&format!("{kms}/projects/{project}/locations"), "locations").await;
    record(rec, Api::new("cloudkms", "locations.list"), &locations);
    let locations: Vec<String> =
        locations.unwrap_or_default().iter().filter_map(|l| l["locationId"].as_str().map(str::to_string)).collect();
    let rings = join_all(locations.iter().map(|location| async move {
        let url = format!("{kms}/projects/{project}/locations/{location}/keyRings");
        (location, client.list(&url, "keyRings").await)
    }))
    .await;
    let mut ring_names = Vec::new();
    for (location, result) in rings {
        // A read is recorded once for the project; a failure names its location.
        let api = Api::new("cloudkms", "keyRings.list");
        record(rec, if result.is_err() { api.in_region(location) } else { api }, &result);
        let listed = result.unwrap_or_default();
        ring_names.extend(listed.iter().filter_map(|r| r["name"].as_str().map(str::to_string)));
    }
    let keys = join_all(
        ring_names
            .iter()
            .map(|ring| async move { client.list(&format!("{kms}/{ring}/cryptoKeys"), "cryptoKeys").await }),
    )
    .await;
    let mut out = Vec::new();
    for (ring, result) in ring_names.iter().zip(keys) {
        let id = AssetId::new(format!("//cloudkms.googleapis.com/{ring}"));
        let api = Api::new("cloudkms", "cryptoKeys.list");
        record(rec, if result.is_err() { api.on(&id) } else { api }, &result);
        out.extend(result.unwrap_or_default());
    }
    out
}

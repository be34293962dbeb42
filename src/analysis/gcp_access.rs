//! Google Cloud IAM: who holds a permission on a resource, from the allow
//! bindings of the resource, its project and the folders and organisation above
//! (inherited downwards). A binding with an IAM condition grants conditionally, and
//! so does a role whose permissions auditgraph does not know (a custom role): never
//! silently granted, never silently dropped. A policy on the way up that was not
//! read leaves the answer open ("and whoever that policy names"). The deny rules
//! above the resource (`gcp_deny`) remove the grants they surely stop and make
//! conditional those they may. A compute instance holds what the service account
//! it runs as holds.

use std::collections::BTreeSet;

use auditgraph_model::gcp::IamBinding;
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes};

use super::access_graph::{Access, Level, Permit};
use super::gcp_deny::{denial, DenyLevel};
use crate::graph::AssetGraph;
use crate::iam::{Grant, Truth};

/// One member that holds the permission, through one binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub member: String,
    pub role: String,
    /// Where the binding is: `bucket`, `project`, `folder 12`, `organization 34`.
    pub at: String,
    /// Empty when it grants outright; else what it depends on.
    pub conditional_on: BTreeSet<String>,
    /// A compute instance that holds it by running as `member` (a service account).
    pub instance: Option<(AssetId, String)>,
}

impl Binding {
    /// The binding as the grant that gives the access.
    pub fn grant(&self) -> Grant {
        Grant { policy: format!("the IAM policy of {}", self.at), statement: format!("binding of {}", self.role) }
    }
}

/// The permissions that give each access level to a Google Cloud data store.
pub fn level_permissions(kind: AssetKind) -> &'static [(Level, &'static [&'static str])] {
    use Level::*;
    match kind {
        AssetKind::GcpStorageBucket => &[
            (List, &["storage.objects.list"]),
            (Read, &["storage.objects.get"]),
            (Write, &["storage.objects.create", "storage.objects.delete"]),
            (Permissions, &["storage.buckets.setIamPolicy"]),
        ],
        AssetKind::GcpSqlInstance => &[
            (List, &["cloudsql.instances.get"]),
            (Read, &["cloudsql.instances.connect", "cloudsql.instances.export"]),
            (Write, &["cloudsql.instances.update", "cloudsql.instances.delete"]),
        ],
        AssetKind::GcpKmsKey => &[
            (List, &["cloudkms.cryptoKeys.get"]),
            (Read, &["cloudkms.cryptoKeyVersions.useToDecrypt"]),
            (Write, &["cloudkms.cryptoKeyVersions.useToEncrypt", "cloudkms.cryptoKeyVersions.destroy"]),
            (Permissions, &["cloudkms.cryptoKeys.setIamPolicy"]),
        ],
        _ => &[],
    }
}

/// What one member can do to one data store.
pub struct MemberReach {
    pub store: AssetId,
    pub access: Vec<Access>,
    /// Policies on the way up that were not read: the member may hold more.
    pub unread: BTreeSet<String>,
}

/// Every Google Cloud data store a member holds some access level to, from the
/// bindings that name it; bindings to `allUsers` (and, for a member with a Google
/// identity, `allAuthenticatedUsers`) count for it too. The groups a user belongs
/// to are not read, so a user's access through a group is not found here: ask
/// about the group.
pub fn reach_of_member(graph: &AssetGraph, member: &str) -> Vec<MemberReach> {
    let names = |m: &str| m == member || m == "allUsers" || (m == "allAuthenticatedUsers" && member != "allUsers");
    let kinds = [AssetKind::GcpStorageBucket, AssetKind::GcpSqlInstance, AssetKind::GcpKmsKey];
    let mut out = Vec::new();
    for store in graph.assets_of(&kinds) {
        let mut reach = MemberReach { store: store.id.clone(), access: Vec::new(), unread: BTreeSet::new() };
        for (level, permissions) in level_permissions(store.kind()) {
            let mut permits = Vec::new();
            for permission in *permissions {
                let holders = who_can(graph, permission, store);
                reach.unread.extend(holders.unread);
                // The member's bindings for this permission, as one permit: outright if one is.
                let mine: Vec<&Binding> =
                    holders.found.iter().filter(|b| b.instance.is_none() && names(&b.member)).collect();
                if mine.is_empty() {
                    continue;
                }
                let outright = mine.iter().any(|b| b.conditional_on.is_empty());
                let conditional_on = if outright {
                    BTreeSet::new()
                } else {
                    mine.iter().flat_map(|b| b.conditional_on.clone()).collect()
                };
                permits
                    .push((*permission, Permit { conditional_on, grants: mine.iter().map(|b| b.grant()).collect() }));
            }
            reach.access.extend(Access::gather(*level, permits));
        }
        if !reach.access.is_empty() || !reach.unread.is_empty() {
            out.push(reach);
        }
    }
    out
}

/// The permissions of the roles auditgraph knows, as patterns (`storage.objects.*`),
/// with what a role leaves out. The basic roles follow Google's description:
/// Viewer reads (`get`, `list`), Editor changes everything but IAM, Owner all.
fn role_permissions(role: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match role {
        "roles/owner" => (&["*"], &[]),
        "roles/editor" => (&["*"], &["*.setIamPolicy", "*.getIamPolicy"]),
        "roles/viewer" => (&["*.get", "*.list"], &[]),
        "roles/storage.admin" => (&["storage.*"], &[]),
        "roles/storage.objectAdmin" => (&["storage.objects.*"], &[]),
        "roles/storage.objectViewer" => (&["storage.objects.get", "storage.objects.list"], &[]),
        "roles/storage.objectCreator" => (&["storage.objects.create"], &[]),
        "roles/storage.objectUser" => (&["storage.objects.*"], &["storage.objects.setIamPolicy"]),
        "roles/storage.legacyBucketOwner" => {
            (&["storage.buckets.*", "storage.objects.list", "storage.objects.create", "storage.objects.delete"], &[])
        }
        "roles/storage.legacyBucketWriter" => {
            (&["storage.buckets.get", "storage.objects.list", "storage.objects.create", "storage.objects.delete"], &[])
        }
        "roles/storage.legacyBucketReader" => (&["storage.buckets.get", "storage.objects.list"], &[]),
        "roles/storage.legacyObjectOwner" => (&["storage.objects.*"], &[]),
        "roles/storage.legacyObjectReader" => (&["storage.objects.get"], &[]),
        "roles/cloudsql.admin" => (&["cloudsql.*"], &[]),
        "roles/cloudsql.editor" => (&["cloudsql.*"], &["cloudsql.instances.delete", "cloudsql.*.setIamPolicy"]),
        "roles/cloudsql.client" => (&["cloudsql.instances.connect", "cloudsql.instances.get"], &[]),
        "roles/cloudsql.viewer" => (&["cloudsql.*.get", "cloudsql.*.list"], &[]),
        "roles/cloudkms.admin" => (&["cloudkms.*"], &["cloudkms.cryptoKeyVersions.useTo*"]),
        "roles/cloudkms.cryptoKeyEncrypterDecrypter" => {
            (&["cloudkms.cryptoKeyVersions.useToEncrypt", "cloudkms.cryptoKeyVersions.useToDecrypt"], &[])
        }
        "roles/cloudkms.cryptoKeyDecrypter" => (&["cloudkms.cryptoKeyVersions.useToDecrypt"], &[]),
        "roles/cloudkms.cryptoKeyEncrypter" => (&["cloudkms.cryptoKeyVersions.useToEncrypt"], &[]),
        _ => return None,
    })
}

/// Whether a role grants `permission`: yes, no, or not known (a role auditgraph
/// has no table for).
fn grants(role: &str, permission: &str) -> Option<bool> {
    let glob = |p: &str| crate::iam::pattern::glob(p, permission, false);
    role_permissions(role).map(|(allow, except)| allow.iter().any(|p| glob(p)) && !except.iter().any(|p| glob(p)))
}

/// The service a permission belongs to (`storage.objects.get` → `storage`).
fn service_of(permission: &str) -> &str {
    permission.split('.').next().unwrap_or(permission)
}

/// Whether a permission is about this kind of resource.
pub fn applies_to(permission: &str, target: &Asset) -> bool {
    let service = service_of(permission);
    match target.kind() {
        AssetKind::GcpStorageBucket => service == "storage",
        AssetKind::GcpSqlInstance => service == "cloudsql",
        AssetKind::GcpKmsKey => service == "cloudkms",
        AssetKind::GcpProject => true,
        k => k.cloud() == auditgraph_model::Cloud::Gcp && !matches!(service, "storage" | "cloudsql" | "cloudkms"),
    }
}

/// Who holds a permission on a resource, and which policies above it were not read.
#[derive(Debug, Default)]
pub struct Holders {
    pub found: Vec<Binding>,
    /// The IAM policies on the way up that were not read (`the IAM policy of folder 12`):
    /// whoever they name may hold the permission too.
    pub unread: Vec<String>,
    /// Bindings that grant the permission but a deny rule surely stops, with the rules.
    pub denied: Vec<(Binding, Vec<String>)>,
}

/// Every member that holds `permission` on `target`, by binding: the target's own
/// (a bucket's), its project's, and its folders' and organisation's; less what the
/// deny rules of the project, folders and organisation stop.
pub fn who_can(graph: &AssetGraph, permission: &str, target: &Asset) -> Holders {
    let mut out = granted(graph, permission, target);
    let levels = deny_levels(graph, target);
    let mut kept = Vec::new();
    for mut binding in std::mem::take(&mut out.found) {
        match denial(&levels, &binding.member, permission) {
            (Truth::True, rules) => out.denied.push((binding, rules)),
            (Truth::False, _) => kept.push(binding),
            (Truth::Unknown(on), _) => {
                binding.conditional_on.extend(on);
                kept.push(binding);
            }
        }
    }
    out.found = runs_as(graph, target, kept);
    out
}

/// The bindings, each followed by one for every compute instance of the target's
/// project that runs as the service account it names: an instance acts as its
/// service account, as an AWS instance acts as its role.
fn runs_as(graph: &AssetGraph, target: &Asset, bindings: Vec<Binding>) -> Vec<Binding> {
    let instances: Vec<(&Asset, &[String])> = graph
        .assets_of(&[AssetKind::GcpComputeInstance])
        .into_iter()
        .filter(|a| a.account == target.account)
        .filter_map(|a| match &a.attributes {
            Attributes::GcpComputeInstance(vm) => Some((a, &vm.service_accounts[..])),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for b in bindings {
        let account = b.member.strip_prefix("serviceAccount:");
        let on: Vec<Binding> = instances
            .iter()
            .filter(|(_, accounts)| account.is_some_and(|sa| accounts.iter().any(|a| a == sa)))
            .map(|(vm, _)| Binding { instance: Some((vm.id.clone(), vm.name.clone())), ..b.clone() })
            .collect();
        out.push(b);
        out.extend(on);
    }
    out
}

/// The deny rules that bear on a resource: its project's, then each ancestor's.
fn deny_levels<'g>(graph: &'g AssetGraph, target: &Asset) -> Vec<DenyLevel<'g>> {
    let Some(Attributes::GcpProject(p)) = project_of(graph, target).map(|p| &p.attributes) else {
        return vec![DenyLevel { at: format!("project {}", target.account), rules: None }];
    };
    let mut levels = vec![DenyLevel { at: format!("project {}", p.project_id), rules: p.deny_rules.as_deref() }];
    match &p.ancestors {
        Some(chain) => levels.extend(
            chain.iter().map(|a| DenyLevel { at: describe_resource(&a.resource), rules: a.deny_rules.as_deref() }),
        ),
        None => levels.push(DenyLevel {
            at: format!("the folders and organisation above project {}", p.project_id),
            rules: None,
        }),
    }
    levels
}

fn project_of<'g>(graph: &'g AssetGraph, target: &Asset) -> Option<&'g Asset> {
    graph.assets_of(&[AssetKind::GcpProject]).into_iter().find(|p| p.account == target.account)
}

/// The bindings that grant `permission` on `target`, before deny rules.
fn granted(graph: &AssetGraph, permission: &str, target: &Asset) -> Holders {
    let mut out = Holders::default();
    let mut read = |bindings: Option<&[IamBinding]>, at: String| match bindings {
        Some(b) => out.found.extend(holders(b, permission, &at)),
        None => out.unread.push(format!("the IAM policy of {at}")),
    };
    if let Attributes::GcpStorageBucket(b) = &target.attributes {
        read(b.iam_bindings.as_deref(), format!("bucket {}", target.name));
    }
    match project_of(graph, target).map(|p| &p.attributes) {
        Some(Attributes::GcpProject(p)) => {
            read(p.iam_bindings.as_deref(), format!("project {}", p.project_id));
            match &p.ancestors {
                Some(chain) => {
                    for a in chain {
                        read(a.iam_bindings.as_deref(), describe_resource(&a.resource));
                    }
                }
                None => out.unread.push(format!("the folders and organisation above project {}", p.project_id)),
            }
        }
        _ => out.unread.push(format!("the IAM policy of project {}", target.account)),
    }
    out
}

/// `folders/12` → `folder 12`, `organizations/34` → `organization 34`.
fn describe_resource(resource: &str) -> String {
    match resource.split_once('/') {
        Some(("folders", id)) => format!("folder {id}"),
        Some(("organizations", id)) => format!("organization {id}"),
        _ => resource.to_string(),
    }
}

fn holders(bindings: &[IamBinding], permission: &str, at: &str) -> Vec<Binding> {
    let mut out = Vec::new();
    for b in bindings {
        let mut on = BTreeSet::new();
        match grants(&b.role, permission) {
            Some(false) => continue,
            Some(true) => {}
            None => {
                on.insert(format!("role {} (its permissions are not known to auditgraph)", b.role));
            }
        }
        if let Some(condition) = &b.condition {
            on.insert(format!("the binding's condition {condition}"));
        }
        for member in &b.members {
            out.push(Binding {
                member: member.clone(),
                role: b.role.clone(),
                at: at.to_string(),
                conditional_on: on.clone(),
                instance: None,
            });
        }
    }
    out
}

/// A member in words: `allUsers` is anyone on the internet.
pub fn describe_member(member: &str) -> String {
    match member {
        "allUsers" => "anyone on the internet (allUsers)".into(),
        "allAuthenticatedUsers" => "anyone with a Google account (allAuthenticatedUsers)".into(),
        m => m.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_their_tables_say() {
        assert_eq!(grants("roles/owner", "storage.objects.get"), Some(true));
        assert_eq!(grants("roles/editor", "storage.objects.delete"), Some(true));
        assert_eq!(grants("roles/editor", "storage.buckets.setIamPolicy"), Some(false), "Editor cannot change IAM");
        assert_eq!(grants("roles/viewer", "storage.objects.get"), Some(true));
        assert_eq!(grants("roles/viewer", "storage.objects.create"), Some(false));
        assert_eq!(grants("roles/storage.objectViewer", "storage.objects.get"), Some(true));
        assert_eq!(grants("roles/storage.legacyBucketReader", "storage.objects.get"), Some(false));
        assert_eq!(grants("roles/cloudkms.admin", "cloudkms.cryptoKeyVersions.useToDecrypt"), Some(false));
        assert_eq!(grants("projects/p/roles/custom", "storage.objects.get"), None);
    }

    #[test]
    fn conditions_and_unknown_roles_make_a_binding_conditional() {
        let bindings = vec![
            IamBinding { role: "roles/storage.objectViewer".into(), members: vec!["allUsers".into()], condition: None },
            IamBinding {
                role: "roles/storage.objectAdmin".into(),
                members: vec!["user:a@x.example".into()],
                condition: Some("request.time < timestamp('2027-01-01T00:00:00Z')".into()),
            },
            IamBinding {
                role: "projects/p/roles/reader".into(),
                members: vec!["group:g@x.example".into()],
                condition: None,
            },
            IamBinding {
                role: "roles/storage.objectCreator".into(),
                members: vec!["user:w@x.example".into()],
                condition: None,
            },
        ];
        let found = holders(&bindings, "storage.objects.get", "bucket");
        let members: Vec<(&str, bool)> =
            found.iter().map(|b| (b.member.as_str(), b.conditional_on.is_empty())).collect();
        assert_eq!(members, [("allUsers", true), ("user:a@x.example", false), ("group:g@x.example", false)]);
    }

    /// A project with a bucket, as inventory JSON, with the project's `ancestors` as given.
    fn estate(ancestors: Option<serde_json::Value>) -> AssetGraph {
        let mut project = serde_json::json!({"project_id": "p", "iam_bindings": []});
        if let Some(a) = ancestors {
            project["ancestors"] = a;
        }
        let text = serde_json::json!({"format": "auditgraph-inventory/1", "cloud": "gcp", "scope": "p",
            "collected_at": "2026-11-01T00:00:00Z", "assets": [
                {"id": "//cloudresourcemanager.googleapis.com/projects/p", "kind": "gcp_project", "name": "p",
                 "account": "p", "attributes": project},
                {"id": "//storage.googleapis.com/projects/_/buckets/b", "kind": "gcp_storage_bucket", "name": "b",
                 "account": "p", "attributes": {"location": "EU", "iam_bindings": []}}]})
        .to_string();
        let inventory = auditgraph_model::Inventory::from_json(&text).unwrap();
        AssetGraph::from_inventories(vec![crate::source::SourcedInventory::new(inventory, "test")])
    }

    fn holders_of_bucket(graph: &AssetGraph) -> Holders {
        let bucket = graph.assets_of(&[AssetKind::GcpStorageBucket])[0];
        who_can(graph, "storage.objects.get", bucket)
    }

    #[test]
    fn bindings_are_inherited_from_folders_and_the_organisation() {
        let graph = estate(Some(serde_json::json!([
            {"resource": "folders/1", "iam_bindings": [{"role": "roles/storage.objectViewer", "members": ["group:f@x"]}]},
            {"resource": "organizations/2", "iam_bindings": [{"role": "roles/viewer", "members": ["group:o@x"]}]}
        ])));
        let found = holders_of_bucket(&graph);
        let at: Vec<(&str, &str)> = found.found.iter().map(|b| (b.member.as_str(), b.at.as_str())).collect();
        assert_eq!(at, [("group:f@x", "folder 1"), ("group:o@x", "organization 2")]);
        assert!(found.unread.is_empty());
    }

    #[test]
    fn a_policy_not_read_on_the_way_up_leaves_the_answer_open() {
        let graph = estate(None);
        assert_eq!(holders_of_bucket(&graph).unread, ["the folders and organisation above project p"]);
        let graph = estate(Some(serde_json::json!([
            {"resource": "folders/1"},
            {"resource": "organizations/2", "iam_bindings": [{"role": "roles/viewer", "members": ["group:o@x"]}]}
        ])));
        let found = holders_of_bucket(&graph);
        assert_eq!(found.unread, ["the IAM policy of folder 1"]);
        assert_eq!(found.found.len(), 1, "what was read still answers");
    }
}

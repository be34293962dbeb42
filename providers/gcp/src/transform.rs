//! From Google's API shapes to the model: one function per resource, each writing
//! an inventory asset record, and the inventory read back through the model so the
//! provider can only emit what the model accepts.

use auditgraph_model::{Inventory, InventoryError};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::get::ProjectData;

/// `https://www.googleapis.com/compute/v1/projects/p/global/networks/n` (or a
/// relative `projects/p/...`) → `//compute.googleapis.com/projects/p/global/networks/n`.
pub fn compute_name(link: &str) -> String {
    let path = link.split_once("/compute/v1/").map(|(_, p)| p).unwrap_or(link).trim_start_matches('/');
    format!("//compute.googleapis.com/{path}")
}

fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str()
}

fn bindings(policy: &Value) -> Value {
    let list: Vec<Value> = policy["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let mut out = json!({"role": b["role"], "members": b["members"].as_array().cloned().unwrap_or_default()});
            if let Some(expr) = b["condition"]["expression"].as_str() {
                out["condition"] = json!(expr);
            }
            out
        })
        .collect();
    Value::Array(list)
}

struct Assets {
    project: String,
    list: Vec<Value>,
}

impl Assets {
    fn add(&mut self, id: String, kind: &str, name: &str, region: Option<String>, attributes: Value) {
        self.add_labelled(id, kind, name, region, attributes, &Value::Null);
    }

    /// Adds an asset whose GCP labels become its tags.
    fn add_labelled(
        &mut self,
        id: String,
        kind: &str,
        name: &str,
        region: Option<String>,
        attributes: Value,
        labels: &Value,
    ) {
        let mut a = json!({"id": id, "kind": kind, "name": name, "account": self.project, "attributes": attributes});
        if let Some(r) = region {
            a["region"] = json!(r);
        }
        if let Some(labels) = labels.as_object().filter(|l| !l.is_empty()) {
            a["tags"] = Value::Object(labels.clone());
        }
        self.list.push(a);
    }
}

fn project_asset(out: &mut Assets, d: &ProjectData) {
    let p = out.project.clone();
    let mut attrs = json!({"project_id": p});
    if let Some(number) = d.project.as_ref().and_then(|v| str_of(v, "projectNumber")) {
        attrs["project_number"] = json!(number);
    }
    if let Some(policy) = &d.project_iam {
        attrs["iam_bindings"] = bindings(policy);
    }
    out.add(format!("//cloudresourcemanager.googleapis.com/projects/{p}"), "gcp_project", &p, None, attrs);
}

fn bucket(out: &mut Assets, b: &Value, policy: Option<&Value>) {
    let Some(name) = str_of(b, "name") else { return };
    let iam = &b["iamConfiguration"];
    let mut attrs = Map::new();
    attrs.insert("location".into(), json!(str_of(b, "location").unwrap_or("")));
    if let Some(class) = str_of(b, "storageClass") {
        attrs.insert("storage_class".into(), json!(class));
    }
    attrs.insert(
        "uniform_bucket_level_access".into(),
        json!(iam["uniformBucketLevelAccess"]["enabled"].as_bool().unwrap_or(false)),
    );
    // The API leaves the field out when the bucket inherits the organisation's setting.
    attrs.insert(
        "public_access_prevention".into(),
        json!(iam["publicAccessPrevention"].as_str().unwrap_or("inherited")),
    );
    if let Some(key) = b["encryption"]["defaultKmsKeyName"].as_str() {
        attrs.insert("default_kms_key".into(), json!(format!("//cloudkms.googleapis.com/{key}")));
    }
    if let Some(policy) = policy {
        attrs.insert("iam_bindings".into(), bindings(policy));
    }
    attrs.insert("versioning".into(), json!(b["versioning"]["enabled"].as_bool().unwrap_or(false)));
    if let Some(secs) = b["retentionPolicy"]["retentionPeriod"].as_str().and_then(|s| s.parse::<u64>().ok()) {
        attrs.insert("retention_days".into(), json!(secs / 86_400));
    }
    attrs.insert("access_logging".into(), json!(b.get("logging").is_some()));
    let region = str_of(b, "location").map(str::to_lowercase);
    let id = format!("//storage.googleapis.com/projects/_/buckets/{name}");
    out.add_labelled(id, "gcp_storage_bucket", name, region, Value::Object(attrs), &b["labels"]);
}

fn network(out: &mut Assets, n: &Value) {
    let (Some(link), Some(name)) = (str_of(n, "selfLink"), str_of(n, "name")) else { return };
    out.add(
        compute_name(link),
        "gcp_network",
        name,
        None,
        json!({"auto_create_subnetworks": n["autoCreateSubnetworks"].as_bool().unwrap_or(false)}),
    );
}

fn subnetwork(out: &mut Assets, s: &Value) {
    let (Some(link), Some(name), Some(net)) = (str_of(s, "selfLink"), str_of(s, "name"), str_of(s, "network")) else {
        return;
    };
    out.add(compute_name(link), "gcp_subnetwork", name, str_of(s, "region").map(|r| last_segment(r).to_string()), json!({
        "network": compute_name(net), "ip_cidr_range": s["ipCidrRange"], "private_google_access": s["privateIpGoogleAccess"].as_bool().unwrap_or(false)}));
}

fn route(out: &mut Assets, r: &Value) {
    let (Some(link), Some(name), Some(net)) = (str_of(r, "selfLink"), str_of(r, "name"), str_of(r, "network")) else {
        return;
    };
    let next_hop =
        ["nextHopGateway", "nextHopInstance", "nextHopIp", "nextHopVpnTunnel", "nextHopPeering", "nextHopIlb"]
            .iter()
            .find_map(|k| str_of(r, k))
            .map(|h| {
                if h.ends_with("/default-internet-gateway") {
                    "default-internet-gateway".to_string()
                } else {
                    h.to_string()
                }
            })
            .unwrap_or_default();
    out.add(compute_name(link), "gcp_route", name, None, json!({"network": compute_name(net), "dest_range": r["destRange"],
        "priority": r["priority"].as_u64().unwrap_or(1000), "next_hop": next_hop, "tags": r["tags"].as_array().cloned().unwrap_or_default()}));
}

fn firewall(out: &mut Assets, f: &Value) {
    let (Some(link), Some(name), Some(net)) = (str_of(f, "selfLink"), str_of(f, "name"), str_of(f, "network")) else {
        return;
    };
    let (action, list) = if f["denied"].is_array() { ("deny", &f["denied"]) } else { ("allow", &f["allowed"]) };
    let rules: Vec<Value> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| json!({"protocol": r["IPProtocol"].as_str().unwrap_or("all"), "ports": r["ports"].as_array().cloned().unwrap_or_default()}))
        .collect();
    let strings = |key: &str| f[key].as_array().cloned().unwrap_or_default();
    out.add(compute_name(link), "gcp_firewall_rule", name, None, json!({"network": compute_name(net),
        "direction": str_of(f, "direction").unwrap_or("INGRESS").to_lowercase(), "priority": f["priority"].as_u64().unwrap_or(1000),
        "action": action, "rules": rules, "source_ranges": strings("sourceRanges"), "destination_ranges": strings("destinationRanges"),
        "source_tags": strings("sourceTags"), "target_tags": strings("targetTags"),
        "target_service_accounts": strings("targetServiceAccounts"), "disabled": f["disabled"].as_bool().unwrap_or(false)}));
}

fn instance(out: &mut Assets, i: &Value) {
    let (Some(link), Some(name), Some(zone)) = (str_of(i, "selfLink"), str_of(i, "name"), str_of(i, "zone")) else {
        return;
    };
    let zone = last_segment(zone);
    let nics: Vec<Value> = i["networkInterfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            let mut nic = json!({"network": compute_name(str_of(n, "network").unwrap_or("")),
                "subnetwork": compute_name(str_of(n, "subnetwork").unwrap_or("")), "internal_ip": n["networkIP"]});
            if let Some(ip) = n["accessConfigs"].as_array().and_then(|a| a.iter().find_map(|c| str_of(c, "natIP"))) {
                nic["external_ip"] = json!(ip);
            }
            nic
        })
        .collect();
    let accounts: Vec<Value> =
        i["serviceAccounts"].as_array().into_iter().flatten().filter_map(|s| s.get("email").cloned()).collect();
    let region = zone.rsplit_once('-').map(|(r, _)| r.to_string());
    let attrs = json!({"zone": zone, "status": i["status"],
        "machine_type": last_segment(str_of(i, "machineType").unwrap_or("")), "network_interfaces": nics,
        "network_tags": i["tags"]["items"].as_array().cloned().unwrap_or_default(), "service_accounts": accounts});
    out.add_labelled(compute_name(link), "gcp_compute_instance", name, region, attrs, &i["labels"]);
}

fn sql_instance(out: &mut Assets, s: &Value) {
    let Some(name) = str_of(s, "name") else { return };
    let ip = &s["settings"]["ipConfiguration"];
    let mut attrs = json!({"database_version": str_of(s, "databaseVersion").unwrap_or(""),
        "authorized_networks": ip["authorizedNetworks"].as_array().into_iter().flatten()
            .map(|n| json!({"name": n["name"], "cidr": n["value"]})).collect::<Vec<_>>(),
        "backups_enabled": s["settings"]["backupConfiguration"]["enabled"].as_bool().unwrap_or(false)});
    let public = s["ipAddresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "PRIMARY")
        .and_then(|a| a.get("ipAddress"));
    if let Some(public) = public {
        attrs["public_ip"] = public.clone();
    }
    if let Some(net) = ip["privateNetwork"].as_str() {
        attrs["private_network"] = json!(compute_name(net));
    }
    let mode = ip["sslMode"].as_str().unwrap_or("");
    let required = ip["requireSsl"].as_bool().unwrap_or(false)
        || mode == "ENCRYPTED_ONLY"
        || mode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED";
    attrs["ssl_required"] = json!(required);
    if let Some(key) = s["diskEncryptionConfiguration"]["kmsKeyName"].as_str() {
        attrs["kms_key"] = json!(format!("//cloudkms.googleapis.com/{key}"));
    }
    let id = format!("//sqladmin.googleapis.com/projects/{}/instances/{name}", out.project);
    let region = str_of(s, "region").map(str::to_string);
    out.add_labelled(id, "gcp_sql_instance", name, region, attrs, &s["settings"]["userLabels"]);
}

/// The inventory of one project.
pub fn inventory(project: &str, d: &ProjectData, collected_at: DateTime<Utc>) -> Result<Inventory, InventoryError> {
    let mut out = Assets { project: project.to_string(), list: Vec::new() };
    project_asset(&mut out, d);
    for (b, (_, policy)) in d.buckets.iter().zip(&d.bucket_iam) {
        bucket(&mut out, b, policy.as_ref());
    }
    d.networks.iter().for_each(|n| network(&mut out, n));
    d.subnetworks.iter().for_each(|s| subnetwork(&mut out, s));
    d.routes.iter().for_each(|r| route(&mut out, r));
    d.firewalls.iter().for_each(|f| firewall(&mut out, f));
    d.instances.iter().for_each(|i| instance(&mut out, i));
    d.sql_instances.iter().for_each(|s| sql_instance(&mut out, s));
    let doc = json!({"format": auditgraph_model::INVENTORY_FORMAT, "cloud": "gcp", "scope": project,
        "collected_at": collected_at, "assets": out.list, "coverage": d.coverage});
    Inventory::from_json(&doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_links_become_full_resource_names() {
        assert_eq!(
            compute_name("https://www.googleapis.com/compute/v1/projects/p/global/networks/n"),
            "//compute.googleapis.com/projects/p/global/networks/n"
        );
        assert_eq!(
            compute_name("projects/p/global/networks/n"),
            "//compute.googleapis.com/projects/p/global/networks/n"
        );
    }
}

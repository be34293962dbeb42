//! From Google's API shapes to the model: one function per resource, each building
//! the typed model asset. A resource whose fields the model cannot hold (an address
//! that does not parse, a missing name) is left out and becomes a coverage gap of
//! its listing, so the scope's controls report unknown instead of a smaller estate.

use std::collections::BTreeMap;
use std::str::FromStr;

use auditgraph_model::gcp::{
    self, AuthorizedNetwork, FirewallMatch, GcpNetworkInterface, GcpRoute, IamBinding, SqlInstance,
};
use auditgraph_model::net::{IpNet, PortRange, Protocol, RuleAction};
use auditgraph_model::{Asset, AssetId, Attributes, Cloud, CoverageRecord, CoverageStatus, Inventory};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::get::{AncestorData, ProjectData};

/// `https://www.googleapis.com/compute/v1/projects/p/global/networks/n` (or a
/// relative `projects/p/...`) → `//compute.googleapis.com/projects/p/global/networks/n`.
pub fn compute_name(link: &str) -> String {
    let path = link.split_once("/compute/v1/").map(|(_, p)| p).unwrap_or(link).trim_start_matches('/');
    format!("//compute.googleapis.com/{path}")
}

fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Why a resource could not be read into the model.
type Read<T> = Result<T, String>;

/// A string field the resource must have.
fn text<'a>(v: &'a Value, key: &str) -> Read<&'a str> {
    v[key].as_str().ok_or_else(|| format!("no `{key}`"))
}

/// A field parsed into a model type (`10.0.0.0/8`, `tcp`, `22-80`).
fn parsed<T: FromStr>(v: &Value, key: &str) -> Read<T>
where
    T::Err: std::fmt::Display,
{
    let raw = text(v, key)?;
    raw.parse().map_err(|e| format!("`{key}` {raw:?}: {e}"))
}

/// A list of strings, each parsed; an absent list is empty.
fn parsed_list<T: FromStr>(v: &Value, key: &str) -> Read<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    strings(v, key).iter().map(|s| s.parse().map_err(|e| format!("`{key}` {s:?}: {e}"))).collect()
}

/// A list of strings; an absent list is empty.
fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

fn flag(v: &Value, key: &str) -> bool {
    v[key].as_bool().unwrap_or(false)
}

fn bindings(policy: &Value) -> Vec<IamBinding> {
    policy["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| IamBinding {
            role: b["role"].as_str().unwrap_or_default().to_string(),
            members: strings(b, "members"),
            condition: b["condition"]["expression"].as_str().map(str::to_string),
        })
        .collect()
}

/// GCP labels, which become the asset's tags.
fn labels(v: &Value) -> BTreeMap<String, String> {
    let pairs = v.as_object().into_iter().flatten();
    pairs.map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect()
}

/// One project's assets, and the resources that could not be read.
struct Out {
    project: String,
    assets: Vec<Asset>,
    gaps: Vec<CoverageRecord>,
}

/// A resource as the transforms make it: id, name, region, tags, attributes.
type Made = (String, String, Option<String>, BTreeMap<String, String>, Attributes);

/// The transform of one kind of Compute Engine resource.
type Transform = fn(&Value) -> Read<Made>;

impl Out {
    /// Adds the resource that `made` describes, or a gap of the listing (`service`,
    /// `api`) that returned it, naming the resource and why it did not read.
    fn add(&mut self, service: &str, api: &str, what: &str, made: Read<Made>) {
        match made {
            Ok((id, name, region, tags, attributes)) => self.assets.push(Asset {
                id: AssetId::new(id),
                name,
                account: self.project.clone(),
                region,
                tags,
                attributes,
            }),
            Err(why) => self.gaps.push(CoverageRecord {
                service: service.into(),
                api: api.into(),
                region: None,
                resource: None,
                status: CoverageStatus::Failed,
                detail: Some(format!("{what} could not be read: {why}")),
            }),
        }
    }
}

/// The audit log types an IAM policy turns on (its `auditConfigs`), one per service and type.
fn audit_logs(policy: &Value) -> Vec<gcp::AuditLogConfig> {
    let mut out = Vec::new();
    for config in policy["auditConfigs"].as_array().into_iter().flatten() {
        let service = config["service"].as_str().unwrap_or_default();
        for log in config["auditLogConfigs"].as_array().into_iter().flatten() {
            out.push(gcp::AuditLogConfig {
                service: service.to_string(),
                log_type: log["logType"].as_str().unwrap_or_default().to_string(),
                exempted_members: strings(log, "exemptedMembers"),
            });
        }
    }
    out
}

fn log_sinks(sinks: &[Value]) -> Vec<gcp::LogSink> {
    let sink = |v: &Value| gcp::LogSink {
        name: v["name"].as_str().unwrap_or_default().to_string(),
        destination: v["destination"].as_str().unwrap_or_default().to_string(),
        filter: v["filter"].as_str().unwrap_or_default().to_string(),
        disabled: flag(v, "disabled"),
        include_children: flag(v, "includeChildren"),
    };
    sinks.iter().map(sink).collect()
}

fn project_asset(project: &str, d: &ProjectData) -> Made {
    let attrs = gcp::Project {
        project_id: project.to_string(),
        project_number: d.project.as_ref().and_then(|v| v["projectNumber"].as_str()).map(str::to_string),
        iam_bindings: d.project_iam.as_ref().map(bindings),
        ancestors: d.ancestors.as_ref().map(|chain| {
            let ancestor = |a: &AncestorData| gcp::Ancestor {
                resource: a.resource.clone(),
                iam_bindings: a.policy.as_ref().map(bindings),
                deny_rules: a.deny.as_deref().map(deny_rules),
                audit_logs: a.policy.as_ref().map(audit_logs),
                log_sinks: a.sinks.as_deref().map(log_sinks),
            };
            chain.iter().map(ancestor).collect()
        }),
        deny_rules: d.project_deny.as_deref().map(deny_rules),
        audit_logs: d.project_iam.as_ref().map(audit_logs),
        log_sinks: d.log_sinks.as_deref().map(log_sinks),
    };
    let id = format!("//cloudresourcemanager.googleapis.com/projects/{project}");
    (id, project.to_string(), None, BTreeMap::new(), Attributes::GcpProject(attrs))
}

/// The rules of deny policies (IAM v2 `Policy` resources), each named by its policy.
fn deny_rules(policies: &[Value]) -> Vec<gcp::DenyRule> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
    };
    let mut out = Vec::new();
    for p in policies {
        // The policy's id: the last part of its name (`…/denypolicies/no-public-reads`).
        let policy = last_segment(p["name"].as_str().unwrap_or_default());
        for rule in p["rules"].as_array().into_iter().flatten() {
            let d = &rule["denyRule"];
            out.push(gcp::DenyRule {
                policy: policy.to_string(),
                denied_principals: strings(&d["deniedPrincipals"]),
                exception_principals: strings(&d["exceptionPrincipals"]),
                denied_permissions: strings(&d["deniedPermissions"]),
                exception_permissions: strings(&d["exceptionPermissions"]),
                condition: d["denialCondition"]["expression"].as_str().map(str::to_string),
            });
        }
    }
    out
}

fn bucket(b: &Value, policy: Option<&Value>) -> Read<Made> {
    let name = text(b, "name")?;
    let iam = &b["iamConfiguration"];
    let attrs = gcp::StorageBucket {
        location: b["location"].as_str().unwrap_or_default().to_string(),
        storage_class: b["storageClass"].as_str().map(str::to_string),
        uniform_bucket_level_access: Some(flag(&iam["uniformBucketLevelAccess"], "enabled")),
        // The API leaves the field out when the bucket inherits the organisation's setting.
        public_access_prevention: Some(iam["publicAccessPrevention"].as_str().unwrap_or("inherited").to_string()),
        default_kms_key: b["encryption"]["defaultKmsKeyName"]
            .as_str()
            .map(|key| AssetId::new(format!("//cloudkms.googleapis.com/{key}"))),
        iam_bindings: policy.map(bindings),
        versioning: Some(flag(&b["versioning"], "enabled")),
        retention_days: b["retentionPolicy"]["retentionPeriod"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .map(|secs| u32::try_from(secs / 86_400).unwrap_or(u32::MAX)),
        access_logging: Some(b.get("logging").is_some()),
    };
    let id = format!("//storage.googleapis.com/projects/_/buckets/{name}");
    let region = b["location"].as_str().map(str::to_lowercase);
    Ok((id, name.to_string(), region, labels(&b["labels"]), Attributes::GcpStorageBucket(attrs)))
}

fn network(n: &Value) -> Read<Made> {
    let attrs = gcp::Network { auto_create_subnetworks: flag(n, "autoCreateSubnetworks") };
    Ok((compute_name(text(n, "selfLink")?), text(n, "name")?.to_string(), None, BTreeMap::new(), attrs.into()))
}

fn subnetwork(s: &Value) -> Read<Made> {
    let attrs = gcp::Subnetwork {
        network: AssetId::new(compute_name(text(s, "network")?)),
        ip_cidr_range: parsed(s, "ipCidrRange")?,
        private_google_access: flag(s, "privateIpGoogleAccess"),
        // `enableFlowLogs` is the field's older name, still returned for some subnets.
        flow_logs: Some(flag(&s["logConfig"], "enable") || flag(s, "enableFlowLogs")),
        purpose: s["purpose"].as_str().map(str::to_string),
    };
    let region = s["region"].as_str().map(|r| last_segment(r).to_string());
    Ok((compute_name(text(s, "selfLink")?), text(s, "name")?.to_string(), region, BTreeMap::new(), attrs.into()))
}

fn route(r: &Value) -> Read<Made> {
    let next_hop =
        ["nextHopGateway", "nextHopInstance", "nextHopIp", "nextHopVpnTunnel", "nextHopPeering", "nextHopIlb"]
            .iter()
            .find_map(|k| r[*k].as_str())
            .map(|h| if h.ends_with("/default-internet-gateway") { "default-internet-gateway" } else { h })
            .unwrap_or_default();
    let attrs = GcpRoute {
        network: AssetId::new(compute_name(text(r, "network")?)),
        dest_range: parsed(r, "destRange")?,
        priority: priority(r)?,
        next_hop: next_hop.to_string(),
        tags: strings(r, "tags"),
    };
    Ok((compute_name(text(r, "selfLink")?), text(r, "name")?.to_string(), None, BTreeMap::new(), attrs.into()))
}

/// A route's or firewall rule's priority (1000 when the API leaves it out).
fn priority(v: &Value) -> Read<u32> {
    match &v["priority"] {
        Value::Null => Ok(1000),
        p => p.as_u64().and_then(|p| u32::try_from(p).ok()).ok_or_else(|| format!("`priority` {p}")),
    }
}

fn firewall(f: &Value) -> Read<Made> {
    let (action, list) =
        if f["denied"].is_array() { (RuleAction::Deny, &f["denied"]) } else { (RuleAction::Allow, &f["allowed"]) };
    let rules = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let protocol: Protocol = r["IPProtocol"].as_str().unwrap_or("all").parse()?;
            Ok(FirewallMatch { protocol, ports: parsed_list::<PortRange>(r, "ports")? })
        })
        .collect::<Read<Vec<_>>>()?;
    let attrs = gcp::FirewallRule {
        network: AssetId::new(compute_name(text(f, "network")?)),
        direction: f["direction"].as_str().unwrap_or("INGRESS").to_lowercase(),
        priority: priority(f)?,
        action,
        rules,
        source_ranges: parsed_list::<IpNet>(f, "sourceRanges")?,
        destination_ranges: parsed_list::<IpNet>(f, "destinationRanges")?,
        source_tags: strings(f, "sourceTags"),
        target_tags: strings(f, "targetTags"),
        target_service_accounts: strings(f, "targetServiceAccounts"),
        disabled: flag(f, "disabled"),
    };
    Ok((compute_name(text(f, "selfLink")?), text(f, "name")?.to_string(), None, BTreeMap::new(), attrs.into()))
}

/// Metadata `items` as key → value.
fn metadata(v: &Value) -> BTreeMap<&str, &str> {
    let items = v["items"].as_array().into_iter().flatten();
    items.filter_map(|item| Some((item["key"].as_str()?, item["value"].as_str().unwrap_or_default()))).collect()
}

/// A boolean metadata value as Compute Engine's guest environment reads it; `None`
/// for a value it would not take as either.
fn metadata_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => Some(true),
        "false" | "f" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// A metadata setting as it applies to an instance: its own value, else the
/// project's, else off (the default); `None` when the instance does not set it and
/// the project's metadata was not read.
fn setting(own: &BTreeMap<&str, &str>, project: Option<&BTreeMap<&str, &str>>, key: &str) -> Option<bool> {
    match own.get(key) {
        Some(value) => metadata_bool(value),
        None => project.map(|p| p.get(key).map_or(Some(false), |value| metadata_bool(value)))?,
    }
}

fn instance(i: &Value, project_metadata: Option<&BTreeMap<&str, &str>>) -> Read<Made> {
    let zone = last_segment(text(i, "zone")?).to_string();
    let network_interfaces = i["networkInterfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            let external_ip = n["accessConfigs"].as_array().and_then(|a| a.iter().find_map(|c| c["natIP"].as_str()));
            Ok(GcpNetworkInterface {
                network: AssetId::new(compute_name(text(n, "network")?)),
                subnetwork: AssetId::new(compute_name(text(n, "subnetwork")?)),
                internal_ip: parsed(n, "networkIP")?,
                external_ip: external_ip
                    .map(|ip| ip.parse().map_err(|e| format!("`natIP` {ip:?}: {e}")))
                    .transpose()?,
            })
        })
        .collect::<Read<Vec<_>>>()?;
    let service_accounts =
        i["serviceAccounts"].as_array().into_iter().flatten().filter_map(|s| s["email"].as_str()).map(String::from);
    let region = zone.rsplit_once('-').map(|(r, _)| r.to_string());
    let own = metadata(&i["metadata"]);
    let attrs = gcp::ComputeInstance {
        status: i["status"].as_str().unwrap_or_default().to_string(),
        machine_type: i["machineType"].as_str().map(|m| last_segment(m).to_string()),
        network_interfaces,
        network_tags: strings(&i["tags"], "items"),
        service_accounts: service_accounts.collect(),
        zone,
        can_ip_forward: Some(flag(i, "canIpForward")),
        os_login: setting(&own, project_metadata, "enable-oslogin"),
        serial_port_enabled: setting(&own, project_metadata, "serial-port-enable"),
        project_ssh_keys_blocked: setting(&own, project_metadata, "block-project-ssh-keys"),
    };
    let (id, name) = (compute_name(text(i, "selfLink")?), text(i, "name")?.to_string());
    Ok((id, name, region, labels(&i["labels"]), attrs.into()))
}

fn sql_instance(project: &str, s: &Value) -> Read<Made> {
    let name = text(s, "name")?;
    let ip = &s["settings"]["ipConfiguration"];
    let authorized_networks = ip["authorizedNetworks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| Ok(AuthorizedNetwork { name: n["name"].as_str().map(str::to_string), cidr: parsed(n, "value")? }))
        .collect::<Read<Vec<_>>>()?;
    let primary = s["ipAddresses"].as_array().into_iter().flatten().find(|a| a["type"] == "PRIMARY");
    let mode = ip["sslMode"].as_str().unwrap_or("");
    let attrs = SqlInstance {
        database_version: s["databaseVersion"].as_str().unwrap_or_default().to_string(),
        public_ip: primary.map(|a| parsed(a, "ipAddress")).transpose()?,
        private_network: ip["privateNetwork"].as_str().map(|n| AssetId::new(compute_name(n))),
        authorized_networks,
        ssl_required: Some(
            flag(ip, "requireSsl") || mode == "ENCRYPTED_ONLY" || mode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        ),
        backups_enabled: flag(&s["settings"]["backupConfiguration"], "enabled"),
        kms_key: s["diskEncryptionConfiguration"]["kmsKeyName"]
            .as_str()
            .map(|key| AssetId::new(format!("//cloudkms.googleapis.com/{key}"))),
    };
    let id = format!("//sqladmin.googleapis.com/projects/{project}/instances/{name}");
    let region = s["region"].as_str().map(str::to_string);
    Ok((id, name.to_string(), region, labels(&s["settings"]["userLabels"]), attrs.into()))
}

fn kms_key(k: &Value) -> Read<Made> {
    let name = text(k, "name")?;
    // `projects/p/locations/L/keyRings/r/cryptoKeys/k`
    let location = name.split('/').nth(3).map(str::to_string);
    let attrs = gcp::KmsKey {
        purpose: text(k, "purpose")?.to_string(),
        rotation_period_days: match k["rotationPeriod"].as_str() {
            None => None,
            Some(period) => Some(days_of(period).ok_or_else(|| format!("`rotationPeriod` {period:?}"))?),
        },
        protection_level: k["versionTemplate"]["protectionLevel"].as_str().map(str::to_string),
        primary_state: k["primary"]["state"].as_str().map(str::to_string),
    };
    let id = format!("//cloudkms.googleapis.com/{name}");
    Ok((id, last_segment(name).to_string(), location, labels(&k["labels"]), Attributes::GcpKmsKey(attrs)))
}

/// A protobuf duration (`7776000s`) in whole days.
fn days_of(duration: &str) -> Option<u32> {
    let seconds: f64 = duration.strip_suffix('s')?.parse().ok()?;
    (seconds >= 0.0).then(|| (seconds / 86_400.0).floor().min(f64::from(u32::MAX)) as u32)
}

/// How a resource is named in a gap when it could not be read.
fn what(kind: &str, v: &Value) -> String {
    let name = v["selfLink"].as_str().or(v["name"].as_str()).unwrap_or("(unnamed)");
    format!("{kind} {name}")
}

/// The inventory of one project: every resource read, and the coverage records.
pub fn inventory(
    project: &str,
    d: &ProjectData,
    mut coverage: Vec<CoverageRecord>,
    collected_at: DateTime<Utc>,
) -> Inventory {
    let mut out = Out { project: project.to_string(), assets: Vec::new(), gaps: Vec::new() };
    out.add("cloudresourcemanager", "projects.get", "the project", Ok(project_asset(project, d)));
    for (b, (_, policy)) in d.buckets.iter().zip(&d.bucket_iam) {
        out.add("storage", "buckets.list", &what("bucket", b), bucket(b, policy.as_ref()));
    }
    let compute: [(&str, &[Value], Transform); 4] = [
        ("networks.list", &d.networks, network),
        ("subnetworks.aggregatedList", &d.subnetworks, subnetwork),
        ("routes.list", &d.routes, route),
        ("firewalls.list", &d.firewalls, firewall),
    ];
    for (api, items, make) in compute {
        for item in items {
            out.add("compute", api, &what("resource", item), make(item));
        }
    }
    let project_metadata = d.compute_project.as_ref().map(|p| metadata(&p["commonInstanceMetadata"]));
    for i in &d.instances {
        out.add("compute", "instances.aggregatedList", &what("resource", i), instance(i, project_metadata.as_ref()));
    }
    for k in &d.kms_keys {
        out.add("cloudkms", "cryptoKeys.list", &what("key", k), kms_key(k));
    }
    for s in &d.sql_instances {
        out.add("sqladmin", "instances.list", &what("instance", s), sql_instance(project, s));
    }
    coverage.append(&mut out.gaps);
    Inventory {
        cloud: Cloud::Gcp,
        scope: project.to_string(),
        collected_at,
        // Application Default Credentials do not say whose they are without one more
        // call (tokeninfo); not recorded yet.
        collected_by: None,
        assets: out.assets,
        relations: Vec::new(),
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn a_resource_the_model_cannot_hold_is_a_gap_not_a_smaller_estate() {
        let good = json!({"selfLink": "projects/p/global/firewalls/ok", "name": "ok", "network": "projects/p/global/networks/n",
            "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]});
        let mut bad = good.clone();
        bad["selfLink"] = json!("projects/p/global/firewalls/bad");
        bad["sourceRanges"] = json!(["0.0.0.0/33"]);
        let data = ProjectData { firewalls: vec![good, bad], ..ProjectData::default() };
        let inv = inventory("p", &data, Vec::new(), Utc::now());
        let names: Vec<&str> = inv.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["p", "ok"]);
        let gap = inv.gaps().next().expect("a gap for the bad rule");
        assert_eq!(
            (gap.service.as_str(), gap.api.as_str(), gap.resource.is_none()),
            ("compute", "firewalls.list", true)
        );
        let detail = gap.detail.as_deref().unwrap();
        assert!(detail.contains("firewalls/bad") && detail.contains("`sourceRanges` \"0.0.0.0/33\""), "{detail}");
    }

    #[test]
    fn an_instance_setting_is_its_own_else_the_projects_else_unknown() {
        let project: BTreeMap<&str, &str> = [("enable-oslogin", "TRUE")].into_iter().collect();
        let own: BTreeMap<&str, &str> =
            [("enable-oslogin", "false"), ("serial-port-enable", "1")].into_iter().collect();
        let none = BTreeMap::new();
        assert_eq!(setting(&own, Some(&project), "enable-oslogin"), Some(false), "the instance overrides");
        assert_eq!(setting(&none, Some(&project), "enable-oslogin"), Some(true), "inherited");
        assert_eq!(
            setting(&own, None, "serial-port-enable"),
            Some(true),
            "set on the instance: no need for the project"
        );
        assert_eq!(setting(&none, Some(&project), "serial-port-enable"), Some(false), "off by default");
        assert_eq!(setting(&none, None, "serial-port-enable"), None, "the project's metadata was not read");
        let odd: BTreeMap<&str, &str> = [("enable-oslogin", "maybe")].into_iter().collect();
        assert_eq!(setting(&odd, Some(&project), "enable-oslogin"), None, "a value the guest would not take");
    }

    #[test]
    fn kms_keys_read_their_rotation_in_days_and_a_bad_period_is_a_gap() {
        let good = json!({"name": "projects/p/locations/eu/keyRings/r/cryptoKeys/k", "purpose": "ENCRYPT_DECRYPT",
            "rotationPeriod": "7776000s", "primary": {"state": "ENABLED"}, "versionTemplate": {"protectionLevel": "HSM"}});
        let (id, name, region, _, attrs) = kms_key(&good).unwrap();
        assert_eq!(
            (id.as_str(), name.as_str(), region.as_deref()),
            ("//cloudkms.googleapis.com/projects/p/locations/eu/keyRings/r/cryptoKeys/k", "k", Some("eu"))
        );
        let Attributes::GcpKmsKey(k) = attrs else { panic!("a Cloud KMS key") };
        assert_eq!(
            (k.rotation_period_days, k.protection_level.as_deref(), k.primary_state.as_deref()),
            (Some(90), Some("HSM"), Some("ENABLED"))
        );
        let mut bad = good.clone();
        bad["rotationPeriod"] = json!("ninety days");
        assert!(kms_key(&bad).unwrap_err().contains("rotationPeriod"));
    }

    #[test]
    fn audit_configs_become_one_entry_per_service_and_log_type() {
        let policy = json!({"auditConfigs": [{"service": "allServices", "auditLogConfigs": [
            {"logType": "DATA_READ", "exemptedMembers": ["user:a@example.com"]}, {"logType": "DATA_WRITE"}]}]});
        let logs = audit_logs(&policy);
        let types: Vec<(&str, &str, usize)> =
            logs.iter().map(|l| (l.service.as_str(), l.log_type.as_str(), l.exempted_members.len())).collect();
        assert_eq!(types, [("allServices", "DATA_READ", 1), ("allServices", "DATA_WRITE", 0)]);
        assert!(audit_logs(&json!({"bindings": []})).is_empty(), "a policy without audit configs turns none on");
    }
}

//! Synthetic estates for scale tests and benchmarks: a deterministic generator of
//! ordinary inventories with realistic proportions (accounts, regions, VPCs with
//! routes, ACLs and security groups that reference each other, instances, volumes,
//! load balancers, databases, buckets, IAM; GCP projects) and a known share of
//! planted problems.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Value};

/// A small, fast, deterministic pseudo-random generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// The share of each planted problem, in percent of the assets it can apply to.
pub const PLANTED: &[(&str, u64)] = &[
    ("instance with SSH open to the internet", 5),
    ("unencrypted EBS volume", 10),
    ("public bucket (policy)", 3),
    ("publicly accessible, unencrypted database", 4),
    ("console user without MFA", 10),
    ("CI user that can pass an administrator role to EC2 (privilege escalation)", 10),
];

struct Writer {
    account: String,
    assets: Vec<Value>,
}

impl Writer {
    fn add(&mut self, id: String, kind: &str, name: String, region: Option<&str>, attributes: Value) -> String {
        let mut a = json!({"id": id, "kind": kind, "name": name, "account": self.account, "attributes": attributes});
        if let Some(r) = region {
            a["region"] = json!(r);
        }
        self.assets.push(a);
        id
    }
}

fn inventory(cloud: &str, scope: &str, assets: Vec<Value>) -> Value {
    json!({"format": "auditgraph-inventory/1", "cloud": cloud, "scope": scope,
           "collected_at": "2026-11-20T09:00:00Z", "assets": assets})
}

const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"];

/// One AWS account: its settings and trail, IAM, keys, buckets, and a VPC per region
/// with a web, app and data tier, each with the attributes a live scan reads. About
/// 240 assets for two regions.
fn aws_account(n: usize, regions: usize, rng: &mut Rng) -> (String, Value) {
    let acct = format!("{:012}", 100_000_000_000u64 + n as u64);
    let mut w = Writer { account: acct.clone(), assets: Vec::new() };
    // What a scan with SecurityAudit reads of an account: root user, password policy,
    // and the settings made region by region (a few regions off in a few accounts).
    let used = REGIONS.iter().cycle().take(regions);
    let mut per_region = |on_percent: u64| -> Value {
        used.clone().map(|r| (r.to_string(), json!(rng.chance(on_percent)))).collect::<serde_json::Map<_, _>>().into()
    };
    let (ebs, guardduty, config, hub) = (per_region(85), per_region(90), per_region(90), per_region(80));
    let root_last_used = if rng.chance(5) { "2026-11-15T08:00:00Z" } else { "2026-04-02T10:00:00Z" };
    w.add(format!("arn:aws:iam::{acct}:root"), "aws_account", format!("acct-{n}"), None, json!({
        "account_id": acct, "root_mfa_enabled": true, "root_password_present": true, "root_access_keys": 0,
        "root_never_used": false, "root_last_used": root_last_used,
        "custom_password_policy": true, "password_policy": {"minimum_length": 14, "require_symbols": true,
            "require_numbers": true, "require_uppercase": true, "require_lowercase": true, "max_age_days": 90,
            "reuse_prevention": 24},
        "ebs_encryption_by_default": ebs, "guardduty_enabled": guardduty, "config_recording": config,
        "security_hub_enabled": hub,
        "s3_public_access_block": {"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false}}));
    w.add(format!("arn:aws:cloudtrail:eu-west-1:{acct}:trail/audit"), "aws_cloudtrail", "audit".into(), Some("eu-west-1"), json!({
        "multi_region": true, "home_region": "eu-west-1", "logging": true, "log_file_validation": true,
        "s3_bucket": format!("arn:aws:s3:::bucket-{n}-0-0"), "kms_key": format!("arn:aws:kms:eu-west-1:{acct}:key/{n:08}-0000"),
        "cloudwatch_logs_group": format!("arn:aws:logs:eu-west-1:{acct}:log-group:audit:*"),
        "s3_object_writes_logged": true, "s3_object_reads_logged": rng.chance(30)}));
    let admin = w.add(
        format!("arn:aws:iam::{acct}:policy/admin"),
        "aws_iam_policy",
        "admin".into(),
        None,
        json!({"document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}),
    );
    let read = w.add(format!("arn:aws:iam::{acct}:policy/read"), "aws_iam_policy", "read".into(), None,
        json!({"document": {"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "ec2:Describe*"], "Resource": "*"}]}}));
    let admins = w.add(
        format!("arn:aws:iam::{acct}:group/admins"),
        "aws_iam_group",
        "admins".into(),
        None,
        json!({"attached_policies": [admin]}),
    );
    let devs = w.add(
        format!("arn:aws:iam::{acct}:group/devs"),
        "aws_iam_group",
        "devs".into(),
        None,
        json!({"attached_policies": [read]}),
    );
    for u in 0..8 {
        let user = format!("arn:aws:iam::{acct}:user/user-{u}");
        let mut mfa = Vec::new();
        if !rng.chance(10) {
            mfa.push(w.add(
                format!("arn:aws:iam::{acct}:mfa/user-{u}"),
                "aws_iam_mfa_device",
                format!("user-{u}-mfa"),
                None,
                json!({"user": user, "virtual_device": true, "enabled": "2026-01-01T00:00:00Z"}),
            ));
        }
        w.add(
            user.clone(),
            "aws_iam_user",
            format!("user-{u}"),
            None,
            json!({"created": "2025-06-01T00:00:00Z", "console_access": true,
            "password_never_used": false, "password_last_used": if rng.chance(10) { "2026-08-01T00:00:00Z" } else { "2026-11-18T00:00:00Z" },
            "mfa_devices": mfa, "groups": [if u == 0 { &admins } else { &devs }]}),
        );
        if u % 2 == 0 {
            let created = if rng.chance(20) { "2025-01-01T00:00:00Z" } else { "2026-10-01T00:00:00Z" };
            w.add(
                format!("arn:aws:iam::{acct}:access-key/AKIA{n:08}{u:08}"),
                "aws_iam_access_key",
                format!("key-{u}"),
                None,
                json!({"user": user, "status": "Active", "created": created, "last_used": "2026-11-19T00:00:00Z"}),
            );
        }
    }
    // Roles: instance roles that read, one that writes the account's buckets (bounded
    // by the read policy, so it cannot), and a break-glass administrator that the
    // account's principals may assume with MFA.
    let data = w.add(
        format!("arn:aws:iam::{acct}:policy/data-{n}"),
        "aws_iam_policy",
        format!("data-{n}"),
        None,
        json!({"document": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!("arn:aws:s3:::bucket-{n}-*")}]}}),
    );
    let ec2_trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    for r in 0..5 {
        let mut attrs = json!({"trust_policy": ec2_trust, "attached_policies": [if r == 1 { &data } else { &read }]});
        if r == 2 {
            attrs["attached_policies"] = json!([data]);
            attrs["permissions_boundary"] = json!(read);
        }
        w.add(format!("arn:aws:iam::{acct}:role/role-{r}"), "aws_iam_role", format!("role-{r}"), None, attrs);
    }
    w.add(format!("arn:aws:iam::{acct}:role/break-glass"), "aws_iam_role", "break-glass".into(), None, json!({
        "trust_policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{acct}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
        "attached_policies": [admin]}));
    if rng.chance(10) {
        w.add(
            format!("arn:aws:iam::{acct}:role/ops-automation"),
            "aws_iam_role",
            "ops-automation".into(),
            None,
            json!({"trust_policy": ec2_trust, "attached_policies": [admin]}),
        );
        let runner = w.add(format!("arn:aws:iam::{acct}:policy/ci-runner"), "aws_iam_policy", "ci-runner".into(), None,
            json!({"document": {"Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]}}));
        w.add(
            format!("arn:aws:iam::{acct}:user/ci"),
            "aws_iam_user",
            "ci".into(),
            None,
            json!({"created": "2025-06-01T00:00:00Z", "console_access": false, "attached_policies": [runner]}),
        );
    }
    for (ri, region) in REGIONS.iter().cycle().take(regions).enumerate() {
        let key = w.add(
            format!("arn:aws:kms:{region}:{acct}:key/{n:08}-{ri:04}"),
            "aws_kms_key",
            format!("key-{ri}"),
            Some(region),
            json!({"key_manager": "CUSTOMER", "state": "Enabled", "rotation_enabled": rng.chance(90),
                   "key_spec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS",
                   "policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{acct}:root")},
                       "Action": "kms:*", "Resource": "*"}]}}),
        );
        for b in 0..5 {
            let name = format!("bucket-{n}-{ri}-{b}");
            let public = rng.chance(3);
            let statements = if public {
                json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{name}/*")}])
            } else {
                json!([])
            };
            w.add(format!("arn:aws:s3:::{name}"), "aws_s3_bucket", name, Some(region), json!({"policy": {"Statement": statements}, "acl_grants": [],
                "public_access_block": {"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false},
                "default_encryption": {"algorithm": "aws:kms", "kms_key": key},
                "versioning": rng.chance(80), "access_logging": rng.chance(60)}));
        }
        let ec2 = |kind: &str, id: String| format!("arn:aws:ec2:{region}:{acct}:{kind}/{id}");
        let vpc = w.add(
            ec2("vpc", format!("vpc-{n}-{ri}")),
            "aws_vpc",
            format!("vpc-{ri}"),
            Some(region),
            json!({"cidr_blocks": ["10.0.0.0/16"], "flow_logs": rng.chance(90)}),
        );
        let igw = w.add(
            ec2("internet-gateway", format!("igw-{n}-{ri}")),
            "aws_internet_gateway",
            format!("igw-{ri}"),
            Some(region),
            json!({"vpcs": [vpc]}),
        );
        let subnets: Vec<String> = (0..4)
            .map(|s| {
                w.add(
                    ec2("subnet", format!("subnet-{n}-{ri}-{s}")),
                    "aws_subnet",
                    format!("subnet-{ri}-{s}"),
                    Some(region),
                    json!({"vpc": vpc, "cidr_block": format!("10.0.{s}.0/24"), "map_public_ip_on_launch": s == 0 && ri == 0}),
                )
            })
            .collect();
        let nat = w.add(
            ec2("natgateway", format!("nat-{n}-{ri}")),
            "aws_nat_gateway",
            format!("nat-{ri}"),
            Some(region),
            json!({"subnet": subnets[0]}),
        );
        w.add(
            ec2("route-table", format!("rtb-pub-{n}-{ri}")),
            "aws_route_table",
            format!("public-{ri}"),
            Some(region),
            json!({"vpc": vpc,
            "subnets": [subnets[0], subnets[1]], "routes": [{"destination": "10.0.0.0/16", "target_kind": "local"},
                {"destination": "0.0.0.0/0", "target_kind": "internet_gateway", "target": igw}]}),
        );
        w.add(ec2("route-table", format!("rtb-main-{n}-{ri}")), "aws_route_table", format!("main-{ri}"), Some(region), json!({"vpc": vpc, "main": true,
            "routes": [{"destination": "10.0.0.0/16", "target_kind": "local"}, {"destination": "0.0.0.0/0", "target_kind": "nat_gateway", "target": nat}]}));
        w.add(ec2("network-acl", format!("acl-{n}-{ri}")), "aws_network_acl", format!("acl-{ri}"), Some(region), json!({"vpc": vpc, "subnets": subnets,
            "entries": [{"rule_number": 100, "egress": false, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"},
                        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}]}));
        let sg = |w: &mut Writer, name: &str, ingress: Value| {
            w.add(ec2("security-group", format!("sg-{n}-{ri}-{name}")), "aws_security_group", name.to_string(), Some(region),
                json!({"vpc": vpc, "group_name": name, "ingress": ingress, "egress": [{"protocol": "all", "peer": {"cidr": "0.0.0.0/0"}}]}))
        };
        let lb_sg = sg(&mut w, "lb", json!([{"protocol": "tcp", "ports": "443", "peer": {"cidr": "0.0.0.0/0"}}]));
        let web_sg =
            sg(&mut w, "web", json!([{"protocol": "tcp", "ports": "8080", "peer": {"security_group": lb_sg}}]));
        let ssh_sg = sg(&mut w, "ssh-open", json!([{"protocol": "tcp", "ports": "22", "peer": {"cidr": "0.0.0.0/0"}}]));
        let db_sg = sg(&mut w, "db", json!([{"protocol": "tcp", "ports": "5432", "peer": {"security_group": web_sg}}]));
        let public_db_sg =
            sg(&mut w, "db-public", json!([{"protocol": "tcp", "ports": "5432", "peer": {"cidr": "0.0.0.0/0"}}]));
        sg(&mut w, "default", json!([]));
        let mut web = Vec::new();
        for i in 0..24 {
            let exposed = rng.chance(5);
            let subnet = if exposed { &subnets[1] } else { &subnets[2 + i % 2] };
            let iid = ec2("instance", format!("i-{n}-{ri}-{i}"));
            let ip = format!("10.0.{}.{}", if exposed { 1 } else { 2 + i % 2 }, 10 + i);
            let groups = if exposed { json!([web_sg, ssh_sg]) } else { json!([web_sg]) };
            let eni = w.add(ec2("network-interface", format!("eni-{n}-{ri}-{i}")), "aws_network_interface", format!("web-{i}-eth0"), Some(region),
                if exposed { json!({"subnet": subnet, "private_ips": [ip], "public_ip": format!("34.{}.{}.{}", n % 250, ri, i), "security_groups": groups, "attached_to": iid}) }
                else { json!({"subnet": subnet, "private_ips": [ip], "security_groups": groups, "attached_to": iid}) });
            w.add(
                iid.clone(),
                "aws_ec2_instance",
                format!("web-{i}"),
                Some(region),
                json!({"state": "running", "subnet": subnet, "imdsv2_required": !rng.chance(15),
                "private_ip": ip, "security_groups": groups, "network_interfaces": [eni]}),
            );
            let encrypted = !rng.chance(10);
            w.add(
                ec2("volume", format!("vol-{n}-{ri}-{i}")),
                "aws_ebs_volume",
                format!("web-{i}-root"),
                Some(region),
                if encrypted {
                    json!({"size_gib": 20, "encrypted": true, "kms_key": key, "attached_to": [iid]})
                } else {
                    json!({"size_gib": 20, "encrypted": false, "attached_to": [iid]})
                },
            );
            web.push(iid);
        }
        let tg = w.add(format!("arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/web-{n}-{ri}/0"), "aws_target_group", format!("web-{ri}"), Some(region),
            json!({"protocol": "HTTP", "port": 8080, "vpc": vpc, "target_type": "instance", "targets": web.iter().map(|t| json!({"id": t, "port": 8080})).collect::<Vec<_>>()}));
        w.add(format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/web-{n}-{ri}/0"), "aws_load_balancer", format!("web-{ri}"), Some(region),
            json!({"lb_type": "application", "internet_facing": true, "vpc": vpc, "subnets": [subnets[0], subnets[1]], "security_groups": [lb_sg],
                   "listeners": [{"port": 443, "protocol": "HTTPS", "default_action": {"forward": [tg]}}],
                   "access_logs": rng.chance(70), "deletion_protection": rng.chance(70), "drops_invalid_headers": rng.chance(50)}));
        for d in 0..3 {
            let public = rng.chance(4);
            w.add(format!("arn:aws:rds:{region}:{acct}:db:db-{n}-{ri}-{d}"), "aws_rds_instance", format!("db-{d}"), Some(region), json!({
                "engine": "postgres", "publicly_accessible": public, "port": 5432, "storage_encrypted": !public, "vpc": vpc,
                "subnets": if public { json!([subnets[0], subnets[1]]) } else { json!([subnets[2], subnets[3]]) },
                "security_groups": if public { json!([public_db_sg]) } else { json!([db_sg]) }, "backup_retention_days": 7, "tls_required": true,
                "multi_az": d == 0, "deletion_protection": !public, "auto_minor_version_upgrade": true, "iam_auth": rng.chance(30)}));
        }
    }
    (format!("aws-{acct}.json"), inventory("aws", &acct, w.assets))
}

/// One GCP project: a network, a firewall, VMs, buckets and a database; about 40 assets.
fn gcp_project(n: usize, rng: &mut Rng) -> (String, Value) {
    let p = format!("synth-project-{n}");
    let mut w = Writer { account: p.clone(), assets: Vec::new() };
    let compute = format!("//compute.googleapis.com/projects/{p}");
    w.add(
        format!("//cloudresourcemanager.googleapis.com/projects/{p}"),
        "gcp_project",
        p.clone(),
        None,
        json!({"project_id": p, "iam_bindings": [{"role": "roles/owner", "members": ["group:admins@example.com"]}],
            "deny_rules": [], "audit_logs": [{"service": "allServices", "log_type": "DATA_WRITE"}], "log_sinks": [],
            "ancestors": [{"resource": "organizations/100000000001", "deny_rules": [],
                "iam_bindings": [{"role": "roles/viewer", "members": ["group:security@example.com"]}],
                "audit_logs": [{"service": "allServices", "log_type": "ADMIN_READ"}, {"service": "allServices", "log_type": "DATA_READ"}],
                "log_sinks": [{"name": "org-archive", "destination": "storage.googleapis.com/org-logs", "include_children": true}]}]}),
    );
    let net = w.add(format!("{compute}/global/networks/main"), "gcp_network", "main".into(), None, json!({}));
    let sub = w.add(
        format!("{compute}/regions/europe-west1/subnetworks/main"),
        "gcp_subnetwork",
        "main".into(),
        Some("europe-west1"),
        json!({"network": net, "ip_cidr_range": "10.128.0.0/20", "purpose": "PRIVATE", "flow_logs": rng.chance(50)}),
    );
    w.add(
        format!("{compute}/global/routes/default"),
        "gcp_route",
        "default".into(),
        None,
        json!({"network": net, "dest_range": "0.0.0.0/0", "priority": 1000, "next_hop": "default-internet-gateway"}),
    );
    w.add(
        format!("{compute}/global/firewalls/allow-ssh"),
        "gcp_firewall_rule",
        "allow-ssh".into(),
        None,
        json!({"network": net,
        "direction": "ingress", "priority": 1000, "action": "allow", "rules": [{"protocol": "tcp", "ports": ["22"]}],
        "source_ranges": ["0.0.0.0/0"], "target_tags": ["ssh"]}),
    );
    for i in 0..30 {
        let exposed = rng.chance(5);
        let mut nic = json!({"network": net, "subnetwork": sub, "internal_ip": format!("10.128.0.{}", 10 + i)});
        if exposed {
            nic["external_ip"] = json!(format!("35.{}.0.{i}", n % 250));
        }
        w.add(format!("{compute}/zones/europe-west1-b/instances/vm-{i}"), "gcp_compute_instance", format!("vm-{i}"), Some("europe-west1"),
            json!({"zone": "europe-west1-b", "status": "RUNNING", "network_interfaces": [nic], "network_tags": if exposed { json!(["ssh"]) } else { json!([]) },
                   "can_ip_forward": i == 0, "os_login": !rng.chance(10), "serial_port_enabled": rng.chance(3), "project_ssh_keys_blocked": false}));
    }
    for b in 0..4 {
        let public = rng.chance(3);
        let members = if public { json!(["allUsers"]) } else { json!([format!("projectViewer:{p}")]) };
        w.add(format!("//storage.googleapis.com/projects/_/buckets/{p}-b{b}"), "gcp_storage_bucket", format!("{p}-b{b}"), Some("europe-west1"),
            json!({"location": "EUROPE-WEST1", "uniform_bucket_level_access": true, "public_access_prevention": "inherited",
                   "iam_bindings": [{"role": "roles/storage.objectViewer", "members": members}], "versioning": rng.chance(80)}));
    }
    w.add(format!("//sqladmin.googleapis.com/projects/{p}/instances/db"), "gcp_sql_instance", "db".into(), Some("europe-west1"),
        json!({"database_version": "POSTGRES_15", "private_network": net, "ssl_required": true, "backups_enabled": true}));
    (format!("gcp-{p}.json"), inventory("gcp", &p, w.assets))
}

/// Writes an estate of about `assets` assets into `dir`; returns (files, assets).
pub fn generate(assets: usize, seed: u64, dir: &Path) -> Result<(usize, usize)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = Rng::new(seed);
    let (mut written, mut files, mut n) = (0, 0, 0);
    while written < assets {
        // Every fifth scope is a GCP project.
        let (name, doc) = if n % 5 == 4 { gcp_project(n, &mut rng) } else { aws_account(n, 2, &mut rng) };
        written += doc["assets"].as_array().map_or(0, Vec::len);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(&doc)?).with_context(|| format!("writing {}", path.display()))?;
        files += 1;
        n += 1;
    }
    Ok((files, written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FixtureProvider;

    #[test]
    fn estates_are_valid_deterministic_and_sized() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (files, assets) = generate(2_000, 7, a.path()).unwrap();
        generate(2_000, 7, b.path()).unwrap();
        assert!(files >= 5 && (2_000..2_400).contains(&assets), "{files} files, {assets} assets");
        let inventories = FixtureProvider::new(a.path()).collect_sourced().unwrap();
        let graph = crate::graph::AssetGraph::from_inventories(inventories);
        assert_eq!(graph.asset_count(), assets);
        assert!(graph.warnings.is_empty(), "{:?}", &graph.warnings[..graph.warnings.len().min(3)]);
        for f in std::fs::read_dir(a.path()).unwrap() {
            let f = f.unwrap();
            assert_eq!(std::fs::read(f.path()).unwrap(), std::fs::read(b.path().join(f.file_name())).unwrap());
        }
    }
}

//! IAM to model assets: the account (root, password policy, S3 account-wide block),
//! users with their MFA devices and access keys, groups, roles and the managed
//! policies in use.

use std::collections::{BTreeMap, HashMap};

use auditgraph_model::aws::{self, InlinePolicy};
use auditgraph_model::{AssetId, Attributes};
use aws_sdk_iam::types::{AttachedPolicy, PolicyDetail};
use chrono::{DateTime, Utc};

use super::{public_access_block, tags, time, Out, RegionalSettings};
use crate::get::iam::IamData;
use crate::get::organizations::OrgData;
use crate::get::s3::S3Data;

/// One row of the credential report, by column name.
struct ReportRow<'a>(HashMap<&'a str, &'a str>);

impl ReportRow<'_> {
    fn get(&self, column: &str) -> Option<&str> {
        self.0.get(column).copied().filter(|v| !matches!(*v, "N/A" | "no_information" | "not_supported" | ""))
    }
}

/// The credential report's rows by user ARN (the root user under `<root_account>`).
fn report_rows(csv: &str) -> HashMap<&str, ReportRow<'_>> {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else { return HashMap::new() };
    let columns: Vec<&str> = header.split(',').collect();
    lines
        .filter_map(|line| {
            let row: HashMap<&str, &str> = columns.iter().copied().zip(line.split(',')).collect();
            let key = if row.get("user") == Some(&"<root_account>") { "<root_account>" } else { row.get("arn")? };
            Some((key, ReportRow(row)))
        })
        .collect()
}

/// Adds the account (its root user, password policy, organisation, and the
/// settings read region by region: `regional`) and its identities;
/// returns instance profile ARN → role ARN.
pub fn transform(
    out: &mut Out,
    d: &IamData,
    s3: &S3Data,
    org: Option<&OrgData>,
    regional: RegionalSettings,
) -> HashMap<String, String> {
    let report = d.credential_report.as_deref().map(report_rows).unwrap_or_default();
    account(out, d, s3, org, report.get("<root_account>"), regional);
    let mut profiles = HashMap::new();
    let Some(pages) = &d.details else { return profiles };
    let account = out.account.clone();
    let attached = |list: &[AttachedPolicy]| list.iter().filter_map(|p| p.policy_arn().map(AssetId::new)).collect();

    let mut group_arns: HashMap<&str, AssetId> = HashMap::new();
    for g in pages.iter().flat_map(|p| p.group_detail_list()) {
        let (Some(name), Some(arn)) = (g.group_name(), g.arn()) else { continue };
        group_arns.insert(name, AssetId::new(arn));
        let id = AssetId::new(arn);
        let attrs = aws::IamGroup {
            attached_policies: attached(g.attached_managed_policies()),
            inline_policies: inline(out, &id, g.group_policy_list()),
        };
        out.add(id, name.to_string(), None, BTreeMap::new(), Attributes::AwsIamGroup(attrs));
    }

    for u in pages.iter().flat_map(|p| p.user_detail_list()) {
        let (Some(name), Some(arn)) = (u.user_name(), u.arn()) else { continue };
        let id = AssetId::new(arn);
        let row = report.get(arn);
        let console_access = match (row, d.login_profiles.get(name)) {
            (Some(row), _) => row.get("password_enabled") == Some("true"),
            (None, Some(Some(has_password))) => *has_password,
            _ => false,
        };
        let mfa_devices = d.mfa_devices.get(name).cloned().flatten().map(|devices| {
            devices
                .iter()
                .map(|m| {
                    let serial = m.serial_number();
                    let device_id = if serial.starts_with("arn:") {
                        AssetId::new(serial)
                    } else {
                        AssetId::new(format!("arn:aws:iam::{account}:mfa-hardware/{serial}"))
                    };
                    let attrs = aws::IamMfaDevice {
                        user: id.clone(),
                        virtual_device: serial.starts_with("arn:"),
                        enabled: time(m.enable_date()).unwrap_or_default(),
                    };
                    out.add(
                        device_id.clone(),
                        serial.to_string(),
                        None,
                        BTreeMap::new(),
                        Attributes::AwsIamMfaDevice(attrs),
                    );
                    device_id
                })
                .collect()
        });
        for (key, last_used) in d.access_keys.get(name).into_iter().flatten().flatten() {
            let Some(key_id) = key.access_key_id() else { continue };
            let attrs = aws::IamAccessKey {
                user: id.clone(),
                status: key.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                created: key.create_date().and_then(time).unwrap_or_default(),
                last_used: last_used.as_ref().and_then(|l| l.last_used_date()).and_then(time),
                last_used_service: last_used
                    .as_ref()
                    .map(|l| l.service_name())
                    .filter(|s| *s != "N/A" && !s.is_empty())
                    .map(str::to_string),
            };
            let key_asset = AssetId::new(format!("arn:aws:iam::{account}:access-key/{key_id}"));
            out.add(key_asset, key_id.to_string(), None, BTreeMap::new(), Attributes::AwsIamAccessKey(attrs));
        }
        let attrs = aws::IamUser {
            created: u.create_date().and_then(time).unwrap_or_default(),
            console_access,
            password_last_used: row
                .and_then(|r| r.get("password_last_used"))
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.to_utc()),
            // The report writes `no_information` for a password never used.
            password_never_used: row.map(|r| r.0.get("password_last_used") == Some(&"no_information")),
            mfa_devices,
            groups: u.group_list().iter().filter_map(|g| group_arns.get(g.as_str()).cloned()).collect(),
            attached_policies: attached(u.attached_managed_policies()),
            inline_policies: inline(out, &id, u.user_policy_list()),
            permissions_boundary: u.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(AssetId::new),
        };
        let t = tags(u.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
        out.add(id, name.to_string(), None, t, Attributes::AwsIamUser(attrs));
    }

    for r in pages.iter().flat_map(|p| p.role_detail_list()) {
        let (Some(name), Some(arn)) = (r.role_name(), r.arn()) else { continue };
        let id = AssetId::new(arn);
        for profile in r.instance_profile_list() {
            profiles.insert(profile.arn().to_string(), arn.to_string());
        }
        let trust = r.assume_role_policy_document().unwrap_or("{}");
        let attrs = aws::IamRole {
            trust_policy: out.policy(&id, ("iam", "GetAccountAuthorizationDetails", None), trust).unwrap_or_default(),
            attached_policies: attached(r.attached_managed_policies()),
            inline_policies: inline(out, &id, r.role_policy_list()),
            last_used: r.role_last_used().and_then(|l| l.last_used_date()).and_then(time),
            permissions_boundary: r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(AssetId::new),
        };
        let t = tags(r.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
        out.add(id, name.to_string(), None, t, Attributes::AwsIamRole(attrs));
    }

    for p in pages.iter().flat_map(|p| p.policies()) {
        let Some(arn) = p.arn() else { continue };
        // moto leaves PolicyName out; the ARN ends with it.
        let name = p.policy_name().unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn));
        let aws_managed = arn.starts_with("arn:aws:iam::aws:");
        // AWS's own policies are many; only those in use (attached or bounding) belong to the estate.
        if aws_managed
            && p.attachment_count().unwrap_or(0) == 0
            && p.permissions_boundary_usage_count().unwrap_or(0) == 0
        {
            continue;
        }
        let id = AssetId::new(arn);
        let version = p.policy_version_list().iter().find(|v| v.is_default_version()).and_then(|v| v.document());
        let Some(document) =
            version.and_then(|text| out.policy(&id, ("iam", "GetAccountAuthorizationDetails", None), text))
        else {
            continue;
        };
        // A version that does not parse is a coverage gap, and the versions count as not read.
        let other_versions: Option<Vec<aws::PolicyVersion>> = p
            .policy_version_list()
            .iter()
            .filter(|v| !v.is_default_version())
            .map(|v| {
                let document = out.policy(&id, ("iam", "GetAccountAuthorizationDetails", None), v.document()?)?;
                Some(aws::PolicyVersion { version_id: v.version_id().unwrap_or_default().to_string(), document })
            })
            .collect();
        let attrs = aws::IamPolicy { document, aws_managed, other_versions };
        // AWS-managed policies are the same in every account: the first account wins on merge.
        out.add(id, name.to_string(), None, BTreeMap::new(), Attributes::AwsIamPolicy(attrs));
    }
    profiles
}

/// The organisation, with each SCP's document parsed (one that does not parse is a
/// coverage gap, and the levels count as not read: a deny in it is not known).
fn organization(out: &mut Out, o: &OrgData) -> aws::Organization {
    let account_id = crate::arn::account(&out.account);
    let mut parse_failed = false;
    let levels = o.levels.as_ref().map(|levels| {
        levels
            .iter()
            .map(|level| aws::ScpLevel {
                target: level.target.clone(),
                policies: level
                    .policies
                    .iter()
                    .filter_map(|p| {
                        let document = out.policy(&account_id, ("organizations", "DescribePolicy", None), &p.content);
                        parse_failed |= document.is_none();
                        Some(aws::ScpPolicy { id: p.id.clone(), name: p.name.clone(), document: document? })
                    })
                    .collect(),
            })
            .collect()
    });
    aws::Organization {
        id: o.id.clone(),
        management_account: o.management_account.clone(),
        service_control_policies: levels.filter(|_| !parse_failed),
    }
}

fn inline(out: &mut Out, owner: &AssetId, list: &[PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            let name = p.policy_name()?.to_string();
            let document = out.policy(owner, ("iam", "GetAccountAuthorizationDetails", None), p.policy_document()?)?;
            Some(InlinePolicy { name, document })
        })
        .collect()
}

/// When a report row's password and access keys were last used (those ever used).
fn last_uses(row: &ReportRow) -> Vec<DateTime<Utc>> {
    ["password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date"]
        .iter()
        .filter_map(|c| row.get(c).and_then(|t| DateTime::parse_from_rfc3339(t).ok()))
        .map(|t| t.with_timezone(&Utc))
        .collect()
}

/// The account asset: root user facts from the account summary (or the credential
/// report), the password policy, the alias and S3's account-wide public access block.
fn account(
    out: &mut Out,
    d: &IamData,
    s3: &S3Data,
    org: Option<&OrgData>,
    root: Option<&ReportRow>,
    regional: RegionalSettings,
) {
    let summary = |key: &str| d.summary.as_ref().and_then(|s| s.get(key).copied());
    let root_mfa_enabled = summary("AccountMFAEnabled")
        .map(|n| n > 0)
        .or_else(|| root.and_then(|r| r.get("mfa_active")).map(|v| v == "true"));
    let root_password_present = summary("AccountPasswordPresent")
        .map(|n| n > 0)
        .or_else(|| root.and_then(|r| r.get("password_enabled")).map(|v| v == "true"));
    let root_access_keys = summary("AccountAccessKeysPresent").and_then(|n| u32::try_from(n).ok()).or_else(|| {
        root.map(|r| {
            ["access_key_1_active", "access_key_2_active"].iter().filter(|c| r.get(c) == Some("true")).count() as u32
        })
    });
    let root_uses = root.map(last_uses);
    let root_last_used = root_uses.as_ref().and_then(|uses| uses.iter().max().copied());
    let root_never_used = root_uses.as_ref().map(Vec::is_empty);
    let custom_password_policy = d.password_policy.as_ref().map(Option::is_some);
    let password_policy = d.password_policy.clone().flatten().map(|p| aws::PasswordPolicy {
        minimum_length: p.minimum_password_length().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase: p.require_uppercase_characters(),
        require_lowercase: p.require_lowercase_characters(),
        max_age_days: p.max_password_age().and_then(|n| u32::try_from(n).ok()),
        reuse_prevention: p.password_reuse_prevention().and_then(|n| u32::try_from(n).ok()),
    });
    let s3_public_access_block = s3.account_public_access_block.as_ref().map(|block| {
        block
            .as_ref()
            .map(|b| {
                public_access_block([
                    b.block_public_acls(),
                    b.ignore_public_acls(),
                    b.block_public_policy(),
                    b.restrict_public_buckets(),
                ])
            })
            .unwrap_or_default()
    });
    let alias = d.alias.clone().flatten();
    let attrs = aws::Account {
        account_id: out.account.clone(),
        alias: alias.clone(),
        s3_public_access_block,
        root_mfa_enabled,
        root_password_present,
        root_access_keys,
        root_last_used,
        root_never_used,
        custom_password_policy,
        password_policy,
        organization: org.map(|o| organization(out, o)),
        ebs_encryption_by_default: regional.ebs_encryption_by_default,
        guardduty_enabled: regional.guardduty_enabled,
        config_recording: regional.config_recording,
        security_hub_enabled: regional.security_hub_enabled,
        backup_opted_in: regional.backup_opted_in,
    };
    let id = crate::arn::account(&out.account);
    let name = alias.unwrap_or_else(|| out.account.clone());
    out.add(id, name, None, BTreeMap::new(), Attributes::AwsAccount(attrs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_report_rows_are_found_by_arn_and_root() {
        let csv = "user,arn,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_2_active\n\
                   <root_account>,arn:aws:iam::1:root,not_supported,2026-01-01T00:00:00+00:00,false,true,false\n\
                   alice,arn:aws:iam::1:user/alice,true,N/A,false,false,false\n";
        let rows = report_rows(csv);
        assert_eq!(rows["<root_account>"].get("access_key_1_active"), Some("true"));
        assert_eq!(rows["<root_account>"].get("password_enabled"), None);
        assert_eq!(rows["arn:aws:iam::1:user/alice"].get("password_enabled"), Some("true"));
        assert_eq!(rows["arn:aws:iam::1:user/alice"].get("password_last_used"), None);
    }

    #[test]
    fn the_root_users_last_use_is_its_latest_sign_in_or_key_use() {
        let csv = "user,arn,password_last_used,access_key_1_last_used_date,access_key_2_last_used_date\n\
                   <root_account>,arn:aws:iam::1:root,2026-01-01T00:00:00+00:00,2026-03-02T10:00:00+00:00,N/A\n\
                   alice,arn:aws:iam::1:user/alice,no_information,N/A,N/A\n";
        let rows = report_rows(csv);
        let root = last_uses(&rows["<root_account>"]);
        assert_eq!(root.iter().max().map(|t| t.to_rfc3339()), Some("2026-03-02T10:00:00+00:00".to_string()));
        assert!(last_uses(&rows["arn:aws:iam::1:user/alice"]).is_empty(), "never used");
    }
}

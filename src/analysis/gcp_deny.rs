//! Google Cloud IAM deny policies (IAM v2): whether the deny rules on a resource's
//! project, folders and organisation stop a member from using a permission that
//! its bindings grant. Deny rules are checked before allow bindings, so a rule
//! that surely applies removes the grant; one that may apply (a denied group the
//! member may belong to, a denial condition on resource tags, deny policies that
//! were not read) makes it conditional, naming why.

use auditgraph_model::gcp::DenyRule;

use crate::iam::pattern::glob;
use crate::iam::truth::any;
use crate::iam::Truth;

/// The deny rules attached at one level above a resource, and where (`project p`).
pub struct DenyLevel<'a> {
    pub at: String,
    /// `None`: the level's deny policies were not read.
    pub rules: Option<&'a [DenyRule]>,
}

/// Whether the rules stop `member` from using `permission` (v1 form,
/// `storage.objects.get`), and the rules that surely or possibly do, as evidence
/// (`deny policy no-public-data on folder 1`).
pub fn denial(levels: &[DenyLevel], member: &str, permission: &str) -> (Truth, Vec<String>) {
    let mut truth = Truth::False;
    let mut rules = Vec::new();
    for level in levels {
        let Some(list) = level.rules else {
            truth = truth.or(Truth::unknown(format!("the deny policies of {} (not read)", level.at)));
            continue;
        };
        for rule in list {
            let t = applies(rule, member, permission);
            let named = format!("deny policy {} on {}", rule.policy, level.at);
            if t.possible() && !rules.contains(&named) {
                rules.push(named);
            }
            truth = truth.or(t);
        }
    }
    (truth, rules)
}

fn applies(rule: &DenyRule, member: &str, permission: &str) -> Truth {
    let names = |list: &[String]| list.iter().any(|p| permission_matches(p, permission));
    if !names(&rule.denied_permissions) || names(&rule.exception_permissions) {
        return Truth::False;
    }
    let denied = any(rule.denied_principals.iter().map(|p| denies(p, member)));
    let excepted = any(rule.exception_principals.iter().map(|p| excepts(p, member)));
    let condition = match &rule.condition {
        Some(expr) => Truth::unknown(format!("its denial condition {expr}")),
        None => Truth::True,
    };
    match denied.and(!excepted).and(condition) {
        Truth::Unknown(on) => {
            Truth::Unknown(on.into_iter().map(|why| format!("deny policy {}: {why}", rule.policy)).collect())
        }
        t => t,
    }
}

/// Whether a permission (`storage.googleapis.com/objects.*` in a deny rule) covers
/// a v1 permission (`storage.objects.get`).
fn permission_matches(pattern: &str, permission: &str) -> bool {
    let Some((fqdn, rest)) = pattern.split_once('/') else { return false };
    let Some((service, action)) = permission.split_once('.') else { return false };
    fqdn.strip_suffix(".googleapis.com") == Some(service) && glob(rest, action, false)
}

/// A binding's member in the deny policy's identifier form, when it is one
/// principal (a user or a service account) or a group.
fn identifier(member: &str) -> Option<String> {
    let (kind, email) = member.split_once(':')?;
    Some(match kind {
        "user" => format!("principal://goog/subject/{email}"),
        "serviceAccount" => format!("principal://iam.googleapis.com/projects/-/serviceAccounts/{email}"),
        "group" => format!("principalSet://goog/group/{email}"),
        _ => return None,
    })
}

fn is_one_principal(member: &str) -> bool {
    member.starts_with("user:") || member.starts_with("serviceAccount:")
}

/// Whether a denied principal covers the whole of a member: everyone does; the
/// member's own identifier does; a group or other set may hold a user, a service
/// account or a group (memberships are not read). A set member (`allUsers`, a
/// domain, `projectOwner:…`) is denied as a whole only by everyone.
fn denies(principal: &str, member: &str) -> Truth {
    if principal == "principalSet://goog/public:all" {
        return Truth::True;
    }
    match identifier(member) {
        Some(own) if principal.eq_ignore_ascii_case(&own) => Truth::True,
        Some(_) if principal.starts_with("principalSet://") => {
            Truth::unknown(format!("whether {member} is in {principal} (memberships are not read)"))
        }
        _ => Truth::False,
    }
}

/// Whether an exception principal lifts the rule from a member: exactly when it
/// is the member; possibly when the member is one principal of a set it names, or
/// when the member is a set some of whose principals it may name.
fn excepts(principal: &str, member: &str) -> Truth {
    let own = identifier(member).is_some_and(|own| principal.eq_ignore_ascii_case(&own));
    if own || principal == "principalSet://goog/public:all" {
        return Truth::True;
    }
    if !is_one_principal(member) {
        Truth::unknown(format!("whether some of {member} are the exception {principal}"))
    } else if principal.starts_with("principalSet://") {
        Truth::unknown(format!("whether {member} is in the exception {principal} (memberships are not read)"))
    } else {
        Truth::False
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(denied: &[&str], permissions: &[&str]) -> DenyRule {
        DenyRule {
            policy: "p".into(),
            denied_principals: denied.iter().map(|s| s.to_string()).collect(),
            exception_principals: Vec::new(),
            denied_permissions: permissions.iter().map(|s| s.to_string()).collect(),
            exception_permissions: Vec::new(),
            condition: None,
        }
    }

    fn decide(rules: &[DenyRule], member: &str, permission: &str) -> Truth {
        denial(&[DenyLevel { at: "project x".into(), rules: Some(rules) }], member, permission).0
    }

    #[test]
    fn a_rule_denies_the_principals_and_permissions_it_names() {
        let r = [rule(&["principal://goog/subject/ana@x.example"], &["storage.googleapis.com/objects.*"])];
        assert_eq!(decide(&r, "user:ana@x.example", "storage.objects.get"), Truth::True);
        assert_eq!(decide(&r, "user:bo@x.example", "storage.objects.get"), Truth::False);
        assert_eq!(decide(&r, "user:ana@x.example", "storage.buckets.get"), Truth::False);
        assert_eq!(decide(&r, "user:ana@x.example", "cloudsql.instances.connect"), Truth::False);
        let everyone = [rule(&["principalSet://goog/public:all"], &["storage.googleapis.com/*.get"])];
        for member in ["allUsers", "allAuthenticatedUsers", "serviceAccount:s@p.iam.gserviceaccount.com"] {
            assert_eq!(decide(&everyone, member, "storage.objects.get"), Truth::True, "{member}");
        }
    }

    #[test]
    fn a_group_the_member_may_be_in_or_a_condition_leaves_it_open() {
        let group = [rule(&["principalSet://goog/group/eng@x.example"], &["storage.googleapis.com/objects.get"])];
        assert!(matches!(decide(&group, "user:ana@x.example", "storage.objects.get"), Truth::Unknown(_)));
        assert_eq!(decide(&group, "group:eng@x.example", "storage.objects.get"), Truth::True);
        assert_eq!(decide(&group, "allUsers", "storage.objects.get"), Truth::False, "a group is not everyone");
        let mut tagged = rule(&["principalSet://goog/public:all"], &["storage.googleapis.com/objects.get"]);
        tagged.condition = Some("resource.matchTag('1/env', 'prod')".into());
        match decide(&[tagged], "allUsers", "storage.objects.get") {
            Truth::Unknown(on) => assert!(on.iter().any(|k| k.contains("matchTag")), "{on:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exceptions_and_unread_levels() {
        let mut r = rule(&["principalSet://goog/public:all"], &["storage.googleapis.com/objects.get"]);
        r.exception_principals = vec!["principal://goog/subject/ana@x.example".into()];
        assert_eq!(decide(std::slice::from_ref(&r), "user:ana@x.example", "storage.objects.get"), Truth::False);
        assert_eq!(decide(std::slice::from_ref(&r), "user:bo@x.example", "storage.objects.get"), Truth::True);
        assert!(matches!(decide(std::slice::from_ref(&r), "allUsers", "storage.objects.get"), Truth::Unknown(_)));
        assert!(
            matches!(decide(std::slice::from_ref(&r), "group:eng@x.example", "storage.objects.get"), Truth::Unknown(_)),
            "ana may be in the group, and keeps her access through it"
        );
        r.exception_permissions = vec!["storage.googleapis.com/objects.get".into()];
        assert_eq!(decide(&[r], "user:bo@x.example", "storage.objects.get"), Truth::False);
        let unread = [DenyLevel { at: "folder 1".into(), rules: None }];
        match denial(&unread, "user:bo@x.example", "storage.objects.get").0 {
            Truth::Unknown(on) => assert!(on.contains("the deny policies of folder 1 (not read)"), "{on:?}"),
            other => panic!("{other:?}"),
        }
    }
}

//! One request (who, which action, on what) decided the way AWS documents policy
//! evaluation: an explicit Deny in any policy wins; SCPs on the principal's account
//! must allow at every level; a permission boundary must allow what identity
//! policies grant; in one account a resource policy that names the principal (or
//! anyone) suffices, otherwise identity policies must allow, and a key or trust
//! policy that must allow does so by naming the principal or delegating to its
//! account; across accounts both sides must allow. Conditions the scan cannot
//! decide make the answer conditional on their keys.

use std::collections::BTreeSet;
use std::ops::Not;

use auditgraph_model::policy::{Effect, PolicyDocument, Principal, Statement};

use super::acl::{AclEntry, Grantee};
use super::condition;
use super::context::Context;
use super::pattern::any_matches;
use super::truth::{all, Truth};

/// Who asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An IAM user or role (for a role, the role's ARN stands for its sessions).
    Principal { arn: String, account: String },
    /// A request without credentials.
    Anonymous,
}

impl Caller {
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Principal { account, .. } => Some(account),
            Caller::Anonymous => None,
        }
    }
}

pub struct Request<'a> {
    pub caller: Caller,
    pub action: &'a str,
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    pub context: &'a Context,
}

/// A policy with the name evidence gives it.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub name: &'a str,
    pub doc: &'a PolicyDocument,
}

/// What the organisation's service control policies say for the caller's account.
#[derive(Clone, Copy)]
pub enum Scps<'a> {
    /// Not in an organisation (or the management account): no SCP applies.
    None,
    /// Each level from the root to the account: every level must allow.
    Levels(&'a [Vec<Named<'a>>]),
    /// Could not be read: an allow depends on them.
    NotRead,
}

#[derive(Clone, Copy)]
/// The resource's own policy, and whether it must allow (KMS key policies, role
/// trust policies) or merely may (S3 bucket policies and most others).
pub struct ResourcePolicy<'a> {
    pub policy: Named<'a>,
    pub must_allow: bool,
}

/// The caller's permissions boundary.
#[derive(Clone, Copy)]
pub enum Boundary<'a> {
    None,
    /// The boundary's policy (one managed policy in AWS; a list keeps tests plain).
    Policies(&'a [Named<'a>]),
    /// It names a policy the scan did not read: an allow depends on it.
    NotRead,
}

/// Every policy that bears on one request; a view, cheap to copy.
#[derive(Clone, Copy)]
pub struct Policies<'a> {
    pub identity: &'a [Named<'a>],
    pub boundary: Boundary<'a>,
    pub scps: Scps<'a>,
    pub resource: Option<ResourcePolicy<'a>>,
    /// The resource's ACL (S3 buckets); it allows as a bucket policy would.
    pub acl: &'a [AclEntry],
}

/// A statement that took part in a decision, for evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Grant {
    pub policy: String,
    pub statement: String,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.policy, self.statement)
    }
}

impl Grant {
    /// Grants as evidence names them: `policy read: statement 1; …`.
    pub fn list(grants: &[Grant]) -> String {
        grants.iter().map(Grant::to_string).collect::<Vec<_>>().join("; ")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed(Vec<Grant>),
    /// Allowed only if these condition keys (or unread policies) turn out so.
    Conditional {
        on: BTreeSet<String>,
        grants: Vec<Grant>,
    },
    /// No policy allows it.
    NotAllowed,
    Denied(Vec<Grant>),
}

/// How a resource policy's principal element matches the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PrincipalMatch {
    /// The caller itself, or anyone: the grant needs nothing more in its account.
    Exactly,
    /// The caller's account: the account's own policies must allow too.
    ItsAccount,
}

fn principal_match(p: &Principal, caller: &Caller) -> Option<PrincipalMatch> {
    if p.is_anyone() {
        return Some(PrincipalMatch::Exactly);
    }
    let Caller::Principal { arn, account } = caller else { return None };
    let mut best = None;
    for v in p.values("AWS") {
        if v == arn {
            return Some(PrincipalMatch::Exactly);
        }
        if v == account || *v == format!("arn:aws:iam::{account}:root") {
            best = Some(PrincipalMatch::ItsAccount);
        }
    }
    best
}

/// How an ACL grantee matches the caller, like a policy's principal element.
fn grantee_match(g: &Grantee, caller: &Caller) -> Option<PrincipalMatch> {
    match (g, caller) {
        (Grantee::Anyone, _) | (Grantee::AnyAccount, Caller::Principal { .. }) => Some(PrincipalMatch::Exactly),
        (Grantee::Account(a), Caller::Principal { account, .. }) if a == account => Some(PrincipalMatch::ItsAccount),
        _ => None,
    }
}

/// Whether some ACL grant allows the request to the caller as `how` names it.
fn acl_allows(acl: &[AclEntry], req: &Request, how: PrincipalMatch) -> (Truth, Vec<Grant>) {
    let grants: Vec<Grant> = acl
        .iter()
        .filter(|e| e.allows(req.action) && grantee_match(&e.grantee, &req.caller) == Some(how))
        .map(|e| Grant { policy: "its bucket ACL".into(), statement: e.label.clone() })
        .collect();
    (Truth::from_bool(!grants.is_empty()), grants)
}

/// Whether a statement applies to the request (without its principal element),
/// and how sure that is.
fn applies(s: &Statement, req: &Request) -> Truth {
    let action = if s.not_action.is_empty() {
        any_matches(&s.action, req.action, true, req.context)
    } else {
        any_matches(&s.not_action, req.action, true, req.context).not()
    };
    let resource = if !s.not_resource.is_empty() {
        any_matches(&s.not_resource, req.resource, false, req.context).not()
    } else if s.resource.is_empty() {
        // Trust policies name no resource: the role itself.
        Truth::True
    } else {
        any_matches(&s.resource, req.resource, false, req.context)
    };
    action.and(resource).and(condition::evaluate(&s.condition, req.context, s.effect == Effect::Allow))
}

fn label(policy: &str, i: usize, s: &Statement) -> Grant {
    let statement = s.sid.clone().unwrap_or_else(|| format!("statement {}", i + 1));
    Grant { policy: policy.to_string(), statement }
}

/// The truth that some statement of `effect` in the policies applies, with those that may.
fn some_statement(
    policies: &[Named],
    effect: Effect,
    req: &Request,
    principal: impl Fn(&Statement) -> Truth,
) -> (Truth, Vec<Grant>) {
    let mut truth = Truth::False;
    let mut grants = Vec::new();
    for p in policies {
        for (i, s) in p.doc.statements.iter().enumerate().filter(|(_, s)| s.effect == effect) {
            let t = applies(s, req).and(principal(s));
            if t.possible() {
                grants.push(label(p.name, i, s));
            }
            truth = truth.or(t);
        }
    }
    (truth, grants)
}

/// A resource policy statement's principal element against the caller: the truth
/// that it names the caller exactly (or anyone), and that it names the caller's account.
fn names_caller(s: &Statement, caller: &Caller, how: PrincipalMatch) -> Truth {
    match (&s.principal, &s.not_principal) {
        (Some(p), _) => Truth::from_bool(principal_match(p, caller) == Some(how)),
        // NotPrincipal: everyone it does not name, as if named exactly.
        (None, Some(np)) => Truth::from_bool(how == PrincipalMatch::Exactly && principal_match(np, caller).is_none()),
        (None, None) => Truth::False,
    }
}

pub fn decide(req: &Request, policies: &Policies) -> Decision {
    let anyone = |_: &Statement| Truth::True;
    let resource = policies.resource.as_ref().map(|r| std::slice::from_ref(&r.policy)).unwrap_or(&[]);
    let is_principal = matches!(req.caller, Caller::Principal { .. });
    // An anonymous caller has no identity policies, boundary or organisation.
    let identity: &[Named] = if is_principal { policies.identity } else { &[] };
    let boundary: &[Named] = match policies.boundary {
        Boundary::Policies(b) if is_principal => b,
        _ => &[],
    };

    // Explicit denies, from every policy that applies to the caller.
    let scp_levels: &[Vec<Named>] = match policies.scps {
        Scps::Levels(levels) if is_principal => levels,
        _ => &[],
    };
    let own: Vec<Named> = identity.iter().chain(boundary).chain(scp_levels.iter().flatten()).copied().collect();
    let (own_deny, mut deny_grants) = some_statement(&own, Effect::Deny, req, anyone);
    // A resource policy's deny binds whom it names, exactly or by account.
    let (resource_deny, resource_deny_grants) = some_statement(resource, Effect::Deny, req, |s| {
        names_caller(s, &req.caller, PrincipalMatch::Exactly).or(names_caller(
            s,
            &req.caller,
            PrincipalMatch::ItsAccount,
        ))
    });
    deny_grants.extend(resource_deny_grants);
    let deny = own_deny.or(resource_deny);

    let (identity_allow, mut grants) = some_statement(identity, Effect::Allow, req, anyone);
    let boundary_allow = match policies.boundary {
        _ if !is_principal => Truth::True,
        Boundary::None => Truth::True,
        Boundary::Policies(b) => some_statement(b, Effect::Allow, req, anyone).0,
        Boundary::NotRead => Truth::unknown("permissions boundary (not read)"),
    };
    let scp_allow = match policies.scps {
        _ if !is_principal => Truth::True,
        Scps::None => Truth::True,
        Scps::NotRead => Truth::unknown("service control policies (not read)"),
        Scps::Levels(levels) => all(levels.iter().map(|level| some_statement(level, Effect::Allow, req, anyone).0)),
    };
    let (exact, exact_grants) =
        some_statement(resource, Effect::Allow, req, |s| names_caller(s, &req.caller, PrincipalMatch::Exactly));
    let (delegated, delegated_grants) =
        some_statement(resource, Effect::Allow, req, |s| names_caller(s, &req.caller, PrincipalMatch::ItsAccount));
    let (acl_exact, acl_exact_grants) = acl_allows(policies.acl, req, PrincipalMatch::Exactly);
    let (acl_delegated, acl_delegated_grants) = acl_allows(policies.acl, req, PrincipalMatch::ItsAccount);
    let (exact, delegated) = (exact.or(acl_exact), delegated.or(acl_delegated));
    grants.extend(exact_grants.into_iter().chain(acl_exact_grants));

    let same_account = req.caller.account() == Some(req.resource_account);
    let must_allow = policies.resource.as_ref().is_some_and(|r| r.must_allow);
    let identity_side = identity_allow.and(boundary_allow);
    let allowed = if !is_principal {
        exact
    } else if same_account && !must_allow {
        scp_allow.and(exact.or(identity_side))
    } else {
        // Only here does a grant to the caller's account take part (and is evidence).
        grants.extend(delegated_grants.into_iter().chain(acl_delegated_grants));
        // A key or trust policy in the account, or any resource across accounts:
        // the resource side must allow, by name or by delegating to the account.
        let named = if same_account { exact } else { exact.and(identity_side.clone()) };
        scp_allow.and(named.or(delegated.and(identity_side)))
    };
    let verdict = allowed.and(deny.clone().not());
    grants.sort();
    grants.dedup();
    match (verdict, deny) {
        (_, Truth::True) => Decision::Denied(deny_grants),
        (Truth::True, _) => Decision::Allowed(grants),
        (Truth::Unknown(on), _) => Decision::Conditional { on, grants },
        (Truth::False, _) => Decision::NotAllowed,
    }
}

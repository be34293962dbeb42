//! The registry of fact functions: every function a control's condition can call
//! over the analyses' results, with how it is called, what it means, how it is
//! evaluated and what evidence it gives. The CEL environment, a failed check's
//! evidence and `query --help` come from this one list, and a test holds the
//! README's table to it.

use std::sync::Arc;

use auditgraph_model::AssetId;
use cel::common::types::Kind;
use cel::{ExecutionError, FunctionContext, Value};
use rustc_hash::FxHashMap;

use super::asset_view;
use crate::analysis::access::Verdict;
use crate::analysis::trails::AccountTrails;
use crate::analysis::{name_in, Facts, Reach};
use crate::findings::Evidence;
use crate::graph::AssetGraph;

/// One function over the analyses' facts; each takes the asset first.
#[derive(Debug)]
pub struct FactFunction {
    pub name: &'static str,
    /// How a condition calls it: `internet_port_open(asset, [22, 3389])`.
    pub call: &'static str,
    /// What it answers, in one line.
    pub meaning: &'static str,
    /// Its answer for one call. An error makes the check unknown; its message says
    /// why (`not collected: …`, `undecided: …`).
    pub eval: fn(&Facts, &FunctionContext) -> Result<Value, ExecutionError>,
    /// What the facts it reads say about an asset, as a failed check's evidence.
    pub evidence: fn(&AssetGraph, &Facts, &AssetId) -> Vec<Evidence>,
}

pub const FACT_FUNCTIONS: &[FactFunction] = &[
    FactFunction {
        name: "internet_reachable",
        call: "internet_reachable(asset)",
        meaning: "the internet reaches it (directly or through a load balancer)",
        eval: internet_reachable,
        evidence: internet_evidence,
    },
    FactFunction {
        name: "internet_ports",
        call: "internet_ports(asset)",
        meaning: "what the internet reaches, e.g. `[\"tcp/22\", \"tcp/443\"]`",
        eval: internet_ports,
        evidence: internet_evidence,
    },
    FactFunction {
        name: "internet_port_open",
        call: "internet_port_open(asset, [22, 3389])",
        meaning: "one of these TCP/UDP ports is reachable from the internet",
        eval: internet_port_open,
        evidence: internet_evidence,
    },
    FactFunction {
        name: "anywhere_port_open",
        call: "anywhere_port_open(asset, [22, 3389])",
        meaning: "a security group, network ACL or firewall rule that on its own, attached or not, admits one of these TCP/UDP ports from every internet address (all of IPv4 or of IPv6), as its cloud evaluates the rules; undecided where a rule's source is an unresolved prefix list",
        eval: anywhere_port_open,
        evidence: anywhere_evidence,
    },
    FactFunction {
        name: "via_exposed_host",
        call: "via_exposed_host(asset)",
        meaning: "a host the internet reaches directly can connect to it (undecided where a cloud's model cannot tell)",
        eval: via_exposed_host,
        evidence: exposed_host_evidence,
    },
    FactFunction {
        name: "exposed_hosts",
        call: "exposed_hosts(asset)",
        meaning: "the ids of those hosts",
        eval: exposed_hosts,
        evidence: exposed_host_evidence,
    },
    FactFunction {
        name: "is_public",
        call: "is_public(asset)",
        meaning: "a bucket anyone can use (policy, NotPrincipal included, ACL, IAM) unless a condition names its callers, after public access blocks and prevention; a KMS key any AWS account may use by its key policy; a Lambda function anyone may invoke by its resource-based policy",
        eval: is_public,
        evidence: public_evidence,
    },
    FactFunction {
        name: "public_access",
        call: "public_access(asset)",
        meaning: "why it is public: the statements, grants and bindings",
        eval: public_access,
        evidence: public_evidence,
    },
    FactFunction {
        name: "accepts_insecure_transport",
        call: "accepts_insecure_transport(asset)",
        meaning: "a bucket whose policy lets an object read or write, or a listing, through over plain HTTP (`aws:SecureTransport` false), as the IAM evaluator decides it",
        eval: accepts_insecure_transport,
        evidence: insecure_transport_evidence,
    },
    FactFunction {
        name: "multi_region_trail",
        call: "multi_region_trail(asset)",
        meaning: "an AWS account whose activity a multi-region CloudTrail trail that is logging records: its own, or its organisation's; undecided where no such trail was found and trails or their status could not be read",
        eval: multi_region_trail,
        evidence: trail_evidence,
    },
    FactFunction {
        name: "s3_object_reads_logged",
        call: "s3_object_reads_logged(asset)",
        meaning: "an AWS account recorded by a multi-region CloudTrail trail that is logging (its own or its organisation's) whose event selectors take S3 object-level reads of every bucket; undecided where none was found and trails, their status or their selectors could not be read",
        eval: s3_object_reads_logged,
        evidence: trail_evidence,
    },
    FactFunction {
        name: "s3_object_writes_logged",
        call: "s3_object_writes_logged(asset)",
        meaning: "the same for S3 object-level writes",
        eval: s3_object_writes_logged,
        evidence: trail_evidence,
    },
    FactFunction {
        name: "trail_bucket_object_lock",
        call: "trail_bucket_object_lock(asset)",
        meaning: "a CloudTrail trail whose S3 bucket (in any account of the estate) has S3 Object Lock on; undecided where the bucket was not scanned or its setting not read",
        eval: trail_bucket_object_lock,
        evidence: trail_bucket_evidence,
    },
    FactFunction {
        name: "backup_plans",
        call: "backup_plans(asset)",
        meaning: "the AWS Backup plans whose resource assignments take this RDS instance, DynamoDB table or EBS volume (ARN patterns, tags, conditions, exclusions, and the region's opt-in as AWS Backup applies them); undecided where none does and a plan, its selections, the opt-in or the store's tags could not be read",
        eval: backup_plans,
        evidence: backup_evidence,
    },
    FactFunction {
        name: "is_admin",
        call: "is_admin(asset)",
        meaning: "a user or role the IAM evaluator allows every administrative action probed (changing IAM, reading data, running compute, decrypting) after its denies, boundary and SCPs, through any of its or its groups' policies; conditions named",
        eval: is_admin,
        evidence: admin_evidence,
    },
    FactFunction {
        name: "can_become_admin",
        call: "can_become_admin(asset)",
        meaning: "a user or role that is not an administrator but can become one by a chain of escalation steps (its own policies, a group, another user's credentials, a trust policy, PassRole to a service that runs code, SSM on an instance, assuming a role), each allowed by the IAM evaluator",
        eval: can_become_admin,
        evidence: escalation_evidence,
    },
    FactFunction {
        name: "untrusted_assumers",
        call: "untrusted_assumers(asset)",
        meaning: "who may assume the role from outside the estate without proving who they are: accounts (or anyone) with no fixed ExternalId unless limited to the organisation (`aws:PrincipalOrgID`), identity providers with no condition on the token's subject (SAML: audience)",
        eval: untrusted_assumers,
        evidence: untrusted_assumer_evidence,
    },
];

/// The fact function of this name.
pub fn find(name: &str) -> Option<&'static FactFunction> {
    FACT_FUNCTIONS.iter().find(|f| f.name == name)
}

/// The functions as `query --help` lists them, one a line.
pub fn help() -> String {
    FACT_FUNCTIONS.iter().map(|f| format!("  {:<40} {}\n", f.call, f.meaning)).collect()
}

fn strings(v: Vec<String>) -> Value {
    Value::List(Arc::new(v.into_iter().map(|s| Value::String(Arc::new(s))).collect()))
}

/// The id of the asset a fact function was called with (its first argument),
/// read from the lazy view without converting the asset.
fn asset_arg(ftx: &FunctionContext) -> Result<AssetId, ExecutionError> {
    let arg = ftx.args.first().ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    asset_view::id_of(arg.as_ref())
}

fn internet_reachable(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(f.from_internet.contains_key(&asset_arg(ftx)?)))
}

fn internet_ports(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    let mut ports: Vec<String> =
        f.from_internet.get(&id).into_iter().flatten().flat_map(|r| r.flows.port_labels()).collect();
    ports.sort();
    ports.dedup();
    Ok(strings(ports))
}

fn internet_port_open(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    let ports = port_list(ftx, "internet_port_open")?;
    // Most assets are not reachable at all: their answer needs no port list.
    let Some(reaches) = f.from_internet.get(&id) else {
        return Ok(Value::Bool(false));
    };
    let wanted = ports()?;
    Ok(Value::Bool(reaches.iter().any(|r| wanted.iter().any(|p| r.flows.allows_port(*p)))))
}

/// The ports a fact function was given as its second argument: checked to be a
/// list on every call (so a wrong argument is an error on every asset), read only
/// when the converter it returns is called.
fn port_list<'f>(
    ftx: &'f FunctionContext,
    function: &'static str,
) -> Result<impl FnOnce() -> Result<Vec<u16>, ExecutionError> + 'f, ExecutionError> {
    let not_a_list = move || ExecutionError::function_error(function, "could not evaluate: expected a list of ports");
    let ports = ftx.args.get(1).filter(|p| p.get_type().kind() == Kind::List).ok_or_else(not_a_list)?;
    Ok(move || {
        let Value::List(ports) = Value::try_from(ports.as_ref())? else {
            return Err(not_a_list());
        };
        Ok(ports.iter().filter_map(|p| if let Value::Int(i) = p { u16::try_from(*i).ok() } else { None }).collect())
    })
}

fn anywhere_port_open(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    let ports = port_list(ftx, "anywhere_port_open")?;
    let Some(admitted) = f.admitted.get(&id) else {
        return Ok(Value::Bool(false));
    };
    let mut undecided = None;
    for port in ports()? {
        match admitted.open_to_anywhere(port) {
            Ok(true) => return Ok(Value::Bool(true)),
            Ok(false) => {}
            Err(why) => undecided = undecided.or(Some(why)),
        }
    }
    match undecided {
        Some(why) => Err(ExecutionError::function_error("anywhere_port_open", format!("undecided: {why}"))),
        None => Ok(Value::Bool(false)),
    }
}

/// The undecided exposed-host fact of an asset, as the error that makes a check unknown.
fn exposed_host_undecided(f: &Facts, id: &AssetId, function: &str) -> Result<(), ExecutionError> {
    match f.via_exposed_host_undecided.get(id) {
        Some(why) => Err(ExecutionError::function_error(function, format!("undecided: {why}"))),
        None => Ok(()),
    }
}

fn via_exposed_host(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    exposed_host_undecided(f, &id, "via_exposed_host")?;
    Ok(Value::Bool(f.via_exposed_host.contains_key(&id)))
}

fn exposed_hosts(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    exposed_host_undecided(f, &id, "exposed_hosts")?;
    Ok(strings(f.via_exposed_host.get(&id).into_iter().flatten().map(|r| r.from.to_string()).collect()))
}

/// The public verdict of a bucket: its reasons, none, or the error of an undecided one.
/// The reasons a yes/no fact holds for the asset (none when it does not); an error,
/// in the verdict's own words, when it could not be decided.
fn verdict(
    of: &FxHashMap<AssetId, Verdict>,
    ftx: &FunctionContext,
    function: &str,
) -> Result<Vec<String>, ExecutionError> {
    match of.get(&asset_arg(ftx)?) {
        Some(Verdict::Yes(reasons)) => Ok(reasons.clone()),
        Some(Verdict::Unknown(why)) => Err(ExecutionError::function_error(function, why.clone())),
        _ => Ok(Vec::new()),
    }
}

fn is_public(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    verdict(&f.access.public, ftx, "is_public").map(|reasons| Value::Bool(!reasons.is_empty()))
}

fn public_access(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    verdict(&f.access.public, ftx, "public_access").map(strings)
}

fn accepts_insecure_transport(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    verdict(&f.access.insecure_transport, ftx, "accepts_insecure_transport").map(|r| Value::Bool(!r.is_empty()))
}

/// One of an AWS account's trail facts, as the function `name` returns it.
fn account_trail_fact(
    f: &Facts,
    ftx: &FunctionContext,
    name: &str,
    pick: fn(&AccountTrails) -> &Result<bool, String>,
) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    let Some(trails) = f.trails.get(&id) else {
        return Err(ExecutionError::function_error(name, "not an AWS account"));
    };
    match pick(trails) {
        Ok(found) => Ok(Value::Bool(*found)),
        Err(why) => Err(ExecutionError::function_error(name, why.clone())),
    }
}

fn multi_region_trail(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    account_trail_fact(f, ftx, "multi_region_trail", |t| &t.recorded)
}

fn s3_object_reads_logged(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    account_trail_fact(f, ftx, "s3_object_reads_logged", |t| &t.s3_object_reads)
}

fn s3_object_writes_logged(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    account_trail_fact(f, ftx, "s3_object_writes_logged", |t| &t.s3_object_writes)
}

fn trail_bucket_object_lock(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    match f.trail_object_lock.get(&id) {
        Some(Ok((locked, _))) => Ok(Value::Bool(*locked)),
        Some(Err(why)) => Err(ExecutionError::function_error("trail_bucket_object_lock", why.clone())),
        None => Err(ExecutionError::function_error("trail_bucket_object_lock", "not collected: the trail's bucket")),
    }
}

fn backup_plans(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let id = asset_arg(ftx)?;
    let Some(store) = f.backups.get(&id) else {
        return Err(ExecutionError::function_error("backup_plans", "not a data store AWS Backup can protect"));
    };
    match &store.covering {
        Ok(plans) => Ok(strings(plans.clone())),
        Err(why) => Err(ExecutionError::function_error("backup_plans", why.clone())),
    }
}

fn is_admin(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(f.privilege.admins.contains_key(&asset_arg(ftx)?)))
}

fn can_become_admin(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(f.privilege.escalations.contains_key(&asset_arg(ftx)?)))
}

fn untrusted_assumers(f: &Facts, ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    Ok(strings(f.access.untrusted_assumers.get(&asset_arg(ftx)?).cloned().unwrap_or_default()))
}

fn reach_evidence(graph: &AssetGraph, reaches: Option<&Vec<Reach>>) -> Vec<Evidence> {
    reaches.into_iter().flatten().map(|r| r.evidence(&|id| name_in(graph, id))).collect()
}

fn internet_evidence(graph: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    reach_evidence(graph, facts.from_internet.get(id))
}

fn anywhere_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    let Some(admitted) = facts.admitted.get(id) else { return Vec::new() };
    admitted.from_anywhere.iter().map(|rule| Evidence::note(format!("{rule}: from anywhere"))).collect()
}

fn exposed_host_evidence(graph: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    reach_evidence(graph, facts.via_exposed_host.get(id))
}

fn verdict_evidence(of: &FxHashMap<AssetId, Verdict>, id: &AssetId) -> Vec<Evidence> {
    match of.get(id) {
        Some(Verdict::Yes(reasons)) => reasons.iter().map(Evidence::note).collect(),
        _ => Vec::new(),
    }
}

fn public_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    verdict_evidence(&facts.access.public, id)
}

fn insecure_transport_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    verdict_evidence(&facts.access.insecure_transport, id)
}

fn trail_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    facts.trails.get(id).into_iter().flat_map(|t| &t.seen).map(Evidence::note).collect()
}

fn trail_bucket_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    match facts.trail_object_lock.get(id) {
        Some(Ok((_, bucket))) => vec![Evidence::note(bucket)],
        _ => Vec::new(),
    }
}

fn backup_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    let Some(store) = facts.backups.get(id) else { return Vec::new() };
    let covering = store.covering.as_ref().map(Vec::as_slice).unwrap_or_default();
    let notes = if covering.is_empty() { &store.seen } else { covering };
    notes.iter().map(Evidence::note).collect()
}

fn escalation_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    let Some(chain) = facts.privilege.escalations.get(id) else { return Vec::new() };
    vec![Evidence { summary: chain.join("; then "), hops: Vec::new() }]
}

fn admin_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    facts.privilege.admins.get(id).into_iter().flatten().map(Evidence::note).collect()
}

fn untrusted_assumer_evidence(_: &AssetGraph, facts: &Facts, id: &AssetId) -> Vec<Evidence> {
    facts.access.untrusted_assumers.get(id).into_iter().flatten().map(Evidence::note).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_each_call_starts_with_its_name() {
        for (i, f) in FACT_FUNCTIONS.iter().enumerate() {
            assert!(f.call.starts_with(&format!("{}(asset", f.name)), "{}", f.call);
            assert!(FACT_FUNCTIONS[..i].iter().all(|g| g.name != f.name), "{} twice", f.name);
        }
        assert!(help().lines().count() == FACT_FUNCTIONS.len());
    }
}

//! Access edges on small hand-built estates, one rule each (boundaries, denies,
//! groups, bucket-policy grants, accounts, role chains, instance profiles, key
//! policies), a property test that checks `who_can` against a brute-force search
//! that asks the evaluator about every pair of actors, and administrators and
//! escalation steps (`privilege`).

use std::collections::BTreeSet;

use auditgraph_model::{AssetId, Inventory};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::access_graph::{access_to, reach_of, role_steps, who_can, Level, StepKind};
use super::principals::{Actor, PolicySets, Principals};
use crate::graph::AssetGraph;
use crate::source::SourcedInventory;

const A: &str = "111111111111";
const B: &str = "222222222222";

/// IAM assets of two accounts, written as inventory JSON.
#[derive(Clone, Debug, Default)]
struct Estate {
    assets: Vec<(String, Value)>,
}

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn user_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

impl Estate {
    fn add(&mut self, account: &str, id: &str, kind: &str, attributes: Value) -> &mut Self {
        let name = id.rsplit(['/', ':']).next().unwrap_or(id);
        self.assets.push((
            account.to_string(),
            json!({"id": id, "kind": kind, "name": name, "account": account, "attributes": attributes}),
        ));
        self
    }

    /// A customer-managed policy `arn:aws:iam::ACCOUNT:policy/NAME`.
    fn managed(&mut self, account: &str, name: &str, statements: Value) -> &mut Self {
        let id = format!("arn:aws:iam::{account}:policy/{name}");
        self.add(account, &id, "aws_iam_policy", json!({"document": policy(statements)}))
    }

    fn user(&mut self, account: &str, name: &str, inline: Value, extra: Value) -> &mut Self {
        let mut attrs = json!({"created": "2026-01-01T00:00:00Z", "console_access": false,
            "inline_policies": [{"name": "own", "document": policy(inline)}]});
        merge(&mut attrs, extra);
        self.add(account, &user_arn(account, name), "aws_iam_user", attrs)
    }

    fn role(&mut self, account: &str, name: &str, trust: Value, inline: Value) -> &mut Self {
        let attrs =
            json!({"trust_policy": policy(trust), "inline_policies": [{"name": "own", "document": policy(inline)}]});
        self.add(account, &role_arn(account, name), "aws_iam_role", attrs)
    }

    fn bucket(&mut self, account: &str, name: &str, statements: Value) -> &mut Self {
        let attrs = json!({"policy": policy(statements), "acl_grants": []});
        self.add(account, &format!("arn:aws:s3:::{name}"), "aws_s3_bucket", attrs)
    }

    fn graph(&self) -> AssetGraph {
        let inventories = [A, B]
            .iter()
            .map(|account| {
                let assets: Vec<&Value> = self.assets.iter().filter(|(a, _)| a == account).map(|(_, v)| v).collect();
                let text = json!({"format": "auditgraph-inventory/1", "cloud": "aws", "scope": account,
                    "collected_at": "2026-11-01T00:00:00Z", "assets": assets})
                .to_string();
                SourcedInventory::new(Inventory::from_json(&text).unwrap(), "test")
            })
            .collect();
        AssetGraph::from_inventories(inventories)
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(into), Value::Object(extra)) = (into.as_object_mut(), extra) {
        into.extend(extra);
    }
}

/// The actors that can perform `action` on `target`, and whether each is conditional.
fn holders(graph: &AssetGraph, action: &str, target: &str) -> Vec<(String, bool)> {
    let sets = PolicySets::of(graph);
    let principals = Principals::new(graph, &sets);
    let steps = role_steps(graph, &principals);
    let target = graph.asset(&AssetId::new(target)).expect("target");
    let mut out: Vec<(String, bool)> = who_can(&principals, &steps, action, target)
        .iter()
        .map(|h| {
            let who = match &h.actor {
                Actor::Asset(id) => id.to_string(),
                Actor::Outside(w) => format!("outside {w}"),
                Actor::Anyone => "anyone".into(),
                Actor::Federated(p) => format!("federated {p}"),
                Actor::Member(m) => format!("member {m}"),
            };
            (who, !h.conditional_on().is_empty())
        })
        .collect();
    out.sort();
    out
}

fn names(found: &[(String, bool)]) -> Vec<&str> {
    found.iter().map(|(w, _)| w.as_str()).collect()
}

const BUCKET: &str = "arn:aws:s3:::data";

#[test]
fn a_permissions_boundary_limits_what_identity_policies_grant() {
    let mut e = Estate::default();
    e.managed(A, "read-only", json!([allow("s3:Get*", "*")]))
        .user(
            A,
            "ci",
            json!([allow("s3:*", "*")]),
            json!({"permissions_boundary": "arn:aws:iam::111111111111:policy/read-only"}),
        )
        .bucket(A, "data", json!([]));
    let g = e.graph();
    assert_eq!(names(&holders(&g, "s3:GetObject", BUCKET)), [user_arn(A, "ci")]);
    assert!(holders(&g, "s3:PutObject", BUCKET).is_empty(), "the boundary does not allow writing");

    // A boundary the scan did not read leaves the grant conditional, never allowed.
    let mut unread = Estate::default();
    unread
        .user(
            A,
            "ci",
            json!([allow("s3:*", "*")]),
            json!({"permissions_boundary": "arn:aws:iam::111111111111:policy/gone"}),
        )
        .bucket(A, "data", json!([]));
    assert_eq!(holders(&unread.graph(), "s3:PutObject", BUCKET), [(user_arn(A, "ci"), true)]);
}

#[test]
fn an_explicit_deny_in_any_policy_removes_access() {
    let mut e = Estate::default();
    e.user(A, "u", json!([allow("s3:*", "*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]), json!({}))
        .user(A, "v", json!([allow("s3:*", "*")]), json!({}))
        .bucket(A, "data", json!([{"Effect": "Deny", "Principal": {"AWS": user_arn(A, "v")}, "Action": "s3:*", "Resource": format!("{BUCKET}/*")}]));
    let g = e.graph();
    assert!(holders(&g, "s3:GetObject", BUCKET).is_empty(), "{:?}", holders(&g, "s3:GetObject", BUCKET));
    assert_eq!(names(&holders(&g, "s3:ListBucket", BUCKET)), [user_arn(A, "u"), user_arn(A, "v")]);
}

#[test]
fn group_policies_apply_to_their_members() {
    let mut e = Estate::default();
    e.add(A, "arn:aws:iam::111111111111:group/readers", "aws_iam_group",
        json!({"inline_policies": [{"name": "read", "document": policy(json!([allow("s3:GetObject", &format!("{BUCKET}/*"))]))}]}))
        .user(A, "member", json!([]), json!({"groups": ["arn:aws:iam::111111111111:group/readers"]}))
        .user(A, "outsider", json!([]), json!({}))
        .bucket(A, "data", json!([]));
    assert_eq!(names(&holders(&e.graph(), "s3:GetObject", BUCKET)), [user_arn(A, "member")]);
}

#[test]
fn a_bucket_policy_alone_grants_a_principal_it_names_in_its_account() {
    let mut e = Estate::default();
    e.user(A, "named", json!([]), json!({}))
        .user(A, "by-account", json!([]), json!({}))
        .bucket(A, "data", json!([
            {"Effect": "Allow", "Principal": {"AWS": user_arn(A, "named")}, "Action": "s3:GetObject", "Resource": format!("{BUCKET}/reports/*")},
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "s3:GetObject", "Resource": format!("{BUCKET}/*")}
        ]));
    // Naming the account delegates to its own policies, which allow nothing here;
    // the grant on a prefix counts as reading some objects.
    assert_eq!(names(&holders(&e.graph(), "s3:GetObject", BUCKET)), [user_arn(A, "named")]);
}

#[test]
fn across_accounts_both_sides_must_allow() {
    let mut e = Estate::default();
    e.user(B, "reader", json!([allow("s3:GetObject", "*")]), json!({}))
        .user(B, "unnamed", json!([allow("s3:GetObject", "*")]), json!({}))
        .user(B, "no-identity", json!([]), json!({}))
        .bucket(A, "data", json!([
            {"Effect": "Allow", "Principal": {"AWS": [user_arn(B, "reader"), user_arn(B, "no-identity")]}, "Action": "s3:GetObject", "Resource": format!("{BUCKET}/*")},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "s3:GetObject", "Resource": format!("{BUCKET}/*")}
        ]));
    assert_eq!(
        names(&holders(&e.graph(), "s3:GetObject", BUCKET)),
        [user_arn(B, "reader").as_str(), "outside arn:aws:iam::333333333333:root"]
    );
}

#[test]
fn role_chains_and_instance_profiles_lead_to_what_the_last_role_can_do() {
    let mut e = Estate::default();
    e.user(A, "dev", json!([allow("sts:AssumeRole", &role_arn(A, "hop"))]), json!({}))
        .user(A, "stranger", json!([allow("sts:AssumeRole", "*")]), json!({}))
        .role(
            A,
            "hop",
            json!([{"Effect": "Allow", "Principal": {"AWS": user_arn(A, "dev")}, "Action": "sts:AssumeRole"}]),
            json!([allow("sts:AssumeRole", &role_arn(A, "data"))]),
        )
        .role(
            A,
            "data",
            json!([{"Effect": "Allow", "Principal": {"AWS": role_arn(A, "hop")}, "Action": "sts:AssumeRole"}]),
            json!([allow("s3:GetObject", &format!("{BUCKET}/*"))]),
        )
        .role(
            A,
            "app",
            json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
            json!([allow("s3:GetObject", "*")]),
        )
        .add(
            A,
            "arn:aws:ec2:eu-west-1:111111111111:instance/i-1",
            "aws_ec2_instance",
            json!({"state": "running", "subnet": "sn", "instance_role": role_arn(A, "app")}),
        )
        .bucket(A, "data", json!([]));
    let g = e.graph();
    let found = holders(&g, "s3:GetObject", BUCKET);
    assert_eq!(
        names(&found),
        [
            "arn:aws:ec2:eu-west-1:111111111111:instance/i-1",
            role_arn(A, "app").as_str(),
            role_arn(A, "data").as_str(),
            role_arn(A, "hop").as_str(),
            user_arn(A, "dev").as_str(),
        ],
        "the stranger is not trusted by any role"
    );
    let sets = PolicySets::of(&g);
    let principals = Principals::new(&g, &sets);
    let steps = role_steps(&g, &principals);
    let reached = reach_of(&g, &principals, &steps, &AssetId::new(user_arn(A, "dev")));
    let via_data = reached.iter().find(|r| r.store.as_str() == BUCKET).expect("dev reaches the bucket");
    assert_eq!(via_data.path.len(), 2, "dev → hop → data");
    assert!(matches!(via_data.path[0].kind, StepKind::Assume(_)));
    assert_eq!(via_data.access.iter().map(|a| a.level).collect::<Vec<_>>(), [Level::Read]);
}

#[test]
fn a_key_policy_must_allow_and_an_unread_one_leaves_it_conditional() {
    let key = "arn:aws:kms:eu-west-1:111111111111:key/k";
    let key_attrs = |policy_value: Option<Value>| {
        let mut a = json!({"key_manager": "CUSTOMER", "state": "Enabled"});
        if let Some(p) = policy_value {
            a["policy"] = p;
        }
        a
    };
    let delegate = policy(
        json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"}]),
    );
    let only_admin = policy(
        json!([{"Effect": "Allow", "Principal": {"AWS": user_arn(A, "admin")}, "Action": "kms:*", "Resource": "*"}]),
    );
    for (policy_value, expected) in [
        (Some(delegate), vec![(user_arn(A, "user"), false)]),
        (Some(only_admin), vec![(user_arn(A, "admin"), false)]),
        (None, vec![(user_arn(A, "user"), true)]),
    ] {
        let mut e = Estate::default();
        e.user(A, "admin", json!([]), json!({})).user(A, "user", json!([allow("kms:Decrypt", "*")]), json!({})).add(
            A,
            key,
            "aws_kms_key",
            key_attrs(policy_value),
        );
        // A key policy that names a principal needs nothing more in its account;
        // one that names the account delegates to identity policies.
        assert_eq!(holders(&e.graph(), "kms:Decrypt", key), expected);
    }
}

#[test]
fn anyone_and_outside_accounts_are_actors_of_their_own() {
    let mut e = Estate::default();
    e.role(
        A,
        "vendor",
        json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "k"}}}]),
        json!([allow("s3:GetObject", "*")]),
    )
    .bucket(
        A,
        "data",
        json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("{BUCKET}/*")}]),
    );
    let g = e.graph();
    let found = holders(&g, "s3:GetObject", BUCKET);
    assert!(found.contains(&("anyone".into(), false)), "{found:?}");
    assert!(
        found.contains(&("outside arn:aws:iam::999999999999:root".into(), true)),
        "conditional on the ExternalId: {found:?}"
    );
    let sets = PolicySets::of(&g);
    let principals = Principals::new(&g, &sets);
    let stores = g.assets_of(&[auditgraph_model::AssetKind::AwsS3Bucket]);
    let access = access_to(&principals, &stores);
    let actors: BTreeSet<&Actor> = access[&AssetId::new(BUCKET)].iter().map(|(a, _)| a).collect();
    assert!(actors.contains(&Actor::Anyone));
}

/// A random small estate: users and roles in two accounts with random identity
/// and trust policies, a bucket with a random policy, an instance with a role.
fn random_estate() -> impl Strategy<Value = Estate> {
    let users = ["u0", "u1", "u2"];
    let roles = ["r0", "r1", "r2"];
    let account = prop_oneof![Just(A), Just(B)];
    let action = prop_oneof![
        Just("s3:GetObject"),
        Just("s3:*"),
        Just("sts:AssumeRole"),
        Just("*"),
        Just("s3:PutObject"),
        Just("s3:ListBucket")
    ];
    let resource = prop_oneof![
        Just("*".to_string()),
        Just(format!("{BUCKET}/*")),
        Just(BUCKET.to_string()),
        Just("arn:aws:iam::*:role/r*".to_string()),
        Just(role_arn(A, "r1"))
    ];
    let statement = (prop::bool::weighted(0.8), action, resource).prop_map(|(is_allow, action, resource)| {
        json!({"Effect": if is_allow { "Allow" } else { "Deny" }, "Action": action, "Resource": resource})
    });
    let identity = prop::collection::vec(statement, 0..3);
    let who = prop_oneof![
        (0..3usize, prop_oneof![Just(A), Just(B)])
            .prop_map(|(i, acct)| json!({"AWS": user_arn(acct, &format!("u{i}"))})),
        (0..3usize, prop_oneof![Just(A), Just(B)])
            .prop_map(|(i, acct)| json!({"AWS": role_arn(acct, &format!("r{i}"))})),
        prop_oneof![Just(A), Just(B)].prop_map(|acct| json!({"AWS": format!("arn:aws:iam::{acct}:root")})),
        Just(json!("*")),
        Just(json!({"Service": "ec2.amazonaws.com"}))
    ];
    let trust = prop::collection::vec(who.clone(), 1..3).prop_map(|ps| {
        ps.into_iter()
            .map(|p| json!({"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"}))
            .collect::<Vec<_>>()
    });
    let bucket_statements = prop::collection::vec(
        (who, prop_oneof![Just("s3:GetObject"), Just("s3:*"), Just("s3:ListBucket")], prop::bool::weighted(0.8)),
        0..3,
    );
    (
        prop::collection::vec((account.clone(), identity.clone()), 3),
        prop::collection::vec((account, identity, trust), 3),
        bucket_statements,
        0..3usize,
    )
        .prop_map(move |(user_specs, role_specs, bucket_specs, instance_role)| {
            let mut e = Estate::default();
            for (name, (acct, statements)) in users.iter().zip(user_specs) {
                e.user(acct, name, Value::Array(statements), json!({}));
            }
            let mut role_ids = Vec::new();
            for (name, (acct, statements, trust)) in roles.iter().zip(role_specs) {
                e.role(acct, name, Value::Array(trust), Value::Array(statements));
                role_ids.push(role_arn(acct, name));
            }
            let bucket: Vec<Value> = bucket_specs
                .into_iter()
                .map(|(p, action, is_allow)| {
                    json!({"Effect": if is_allow { "Allow" } else { "Deny" }, "Principal": p, "Action": action,
                        "Resource": [BUCKET, format!("{BUCKET}/*")]})
                })
                .collect();
            e.bucket(A, "data", Value::Array(bucket));
            e.add(
                A,
                "arn:aws:ec2:eu-west-1:111111111111:instance/i-1",
                "aws_ec2_instance",
                json!({"state": "running", "subnet": "sn", "instance_role": role_ids[instance_role]}),
            );
            e
        })
}

/// Every estate actor that can perform `action` on `target`: the principals the
/// evaluator allows, closed under "can act as" where every caller is asked about
/// every role, with no pruning of candidates.
fn brute_force_holders(graph: &AssetGraph, action: &str, target: &str) -> BTreeSet<String> {
    let sets = PolicySets::of(graph);
    let principals = Principals::new(graph, &sets);
    let target = graph.asset(&AssetId::new(target)).unwrap();
    let mut holders: BTreeSet<String> = who_can(&principals, &[], action, target)
        .into_iter()
        .filter_map(|h| match h.actor {
            Actor::Asset(id) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut acts_as: Vec<(String, String)> = Vec::new();
    for role in graph.assets_of(&[auditgraph_model::AssetKind::AwsIamRole]) {
        for p in &principals.list {
            if p.id != &role.id
                && matches!(
                    p.asker().ask("sts:AssumeRole", role.id.as_str(), &super::principals::resource_side(role)),
                    crate::iam::Decision::Allowed(_) | crate::iam::Decision::Conditional { .. }
                )
            {
                acts_as.push((p.id.to_string(), role.id.to_string()));
            }
        }
    }
    for i in graph.assets_of(&[auditgraph_model::AssetKind::AwsEc2Instance]) {
        if let auditgraph_model::Attributes::AwsEc2Instance(x) = &i.attributes {
            acts_as.extend(x.instance_role.iter().map(|r| (i.id.to_string(), r.to_string())));
        }
    }
    loop {
        let before = holders.len();
        for (from, role) in &acts_as {
            if holders.contains(role) {
                holders.insert(from.clone());
            }
        }
        if holders.len() == before {
            return holders;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn who_can_agrees_with_a_brute_force_search(estate in random_estate(), action in prop_oneof![Just("s3:GetObject"), Just("s3:PutObject"), Just("s3:ListBucket")]) {
        let g = estate.graph();
        let found: BTreeSet<String> = holders(&g, action, BUCKET)
            .into_iter()
            .map(|(w, _)| w)
            .filter(|w| w.starts_with("arn:"))
            .collect();
        prop_assert_eq!(found, brute_force_holders(&g, action, BUCKET));

        // The access map prunes candidates; it must find the same estate principals.
        let sets = PolicySets::of(&g);
        let principals = Principals::new(&g, &sets);
        let stores = g.assets_of(&[auditgraph_model::AssetKind::AwsS3Bucket]);
        let map = access_to(&principals, &stores);
        let actors: Vec<&Actor> = map.get(&AssetId::new(BUCKET)).into_iter().flatten().map(|(a, _)| a).collect();
        let mapped: BTreeSet<String> = actors
            .iter()
            .filter_map(|actor| match actor { Actor::Asset(id) => Some(id.to_string()), _ => None })
            .collect();
        let anyone = actors.contains(&&Actor::Anyone);
        let target = g.asset(&AssetId::new(BUCKET)).unwrap();
        let mut direct = BTreeSet::new();
        for (_, actions) in super::access_graph::level_actions(target.kind()) {
            for a in *actions {
                direct.extend(who_can(&principals, &[], a, target).into_iter().filter_map(|h| match h.actor {
                    Actor::Asset(id) => Some(id.to_string()),
                    _ => None,
                }));
            }
        }
        // Where anyone may, the map lists `anyone` rather than every principal.
        prop_assert!(mapped.is_subset(&direct), "{:?} not in {:?}", mapped, direct);
        prop_assert!(anyone || direct == mapped, "{:?} != {:?}", direct, mapped);
    }
}

/// Who the privilege analysis calls an administrator, and who can become one.
fn privilege(e: &Estate) -> (BTreeSet<String>, BTreeSet<String>) {
    let graph = e.graph();
    let sets = PolicySets::of(&graph);
    let principals = Principals::new(&graph, &sets);
    let facts = super::privilege::PrivilegeFacts::derive(&graph, &principals, &role_steps(&graph, &principals));
    let names =
        |ids: Vec<&AssetId>| ids.into_iter().map(|id| id.as_str().rsplit('/').next().unwrap().to_string()).collect();
    (names(facts.admins.keys().collect()), names(facts.escalations.keys().collect()))
}

const EVERYTHING: &str = "*";

#[test]
fn an_administrator_is_allowed_everything_after_denies_and_boundaries() {
    let mut e = Estate::default();
    e.managed(A, "s3-only", json!([allow("s3:*", "*")]))
        .user(A, "root-like", json!([allow(EVERYTHING, "*")]), json!({}))
        .user(
            A,
            "denied-iam",
            json!([allow(EVERYTHING, "*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]),
            json!({}),
        )
        .user(
            A,
            "bounded",
            json!([allow(EVERYTHING, "*")]),
            json!({"permissions_boundary": "arn:aws:iam::111111111111:policy/s3-only"}),
        )
        .user(
            A,
            "not-action",
            json!([{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"}]),
            json!({}),
        );
    let (admins, _) = privilege(&e);
    assert_eq!(admins, BTreeSet::from(["root-like".to_string(), "not-action".to_string()]));
}

#[test]
fn each_escalation_step_is_found_and_a_deny_or_boundary_breaks_it() {
    let admin_role = role_arn(A, "admin-role");
    let mut e = Estate::default();
    e.managed(A, "own", json!([allow("s3:GetObject", "*")]))
        .managed(A, "s3-and-iam", json!([allow("s3:*", "*"), allow("iam:PutUserPolicy", "*")]))
        .add(
            A,
            "arn:aws:iam::111111111111:group/admins",
            "aws_iam_group",
            json!({"inline_policies": [{"name": "all", "document": policy(json!([allow(EVERYTHING, "*")]))}]}),
        )
        .user(A, "boss", json!([allow(EVERYTHING, "*")]), json!({}))
        .role(
            A,
            "admin-role",
            json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
            json!([allow(EVERYTHING, "*")]),
        )
        .add(
            A,
            "arn:aws:ec2:eu-west-1:111111111111:instance/i-9",
            "aws_ec2_instance",
            json!({"state": "running", "subnet": "sn", "instance_role": admin_role}),
        )
        .user(A, "self-writer", json!([allow("iam:PutUserPolicy", &user_arn(A, "self-writer"))]), json!({}))
        .user(
            A,
            "bounded-writer",
            json!([allow("iam:PutUserPolicy", &user_arn(A, "bounded-writer"))]),
            json!({"permissions_boundary": "arn:aws:iam::111111111111:policy/s3-and-iam"}),
        )
        .managed(
            A,
            "removable",
            json!([allow("iam:PutUserPolicy", "*"), allow("iam:DeleteUserPermissionsBoundary", "*")]),
        )
        .user(
            A,
            "unbounding-writer",
            json!([allow("iam:PutUserPolicy", "*"), allow("iam:DeleteUserPermissionsBoundary", "*")]),
            json!({"permissions_boundary": "arn:aws:iam::111111111111:policy/removable"}),
        )
        .user(
            A,
            "versioner",
            json!([allow("iam:CreatePolicyVersion", "arn:aws:iam::111111111111:policy/own")]),
            json!({"attached_policies": ["arn:aws:iam::111111111111:policy/own"]}),
        )
        .user(A, "joiner", json!([allow("iam:AddUserToGroup", "*")]), json!({}))
        .user(A, "key-maker", json!([allow("iam:CreateAccessKey", &user_arn(A, "boss"))]), json!({}))
        .user(A, "passer", json!([allow("iam:PassRole", "*"), allow("ec2:RunInstances", "*")]), json!({}))
        .user(
            A,
            "denied-passer",
            json!([allow("iam:PassRole", "*"), allow("ec2:RunInstances", "*"),
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": admin_role}]),
            json!({}),
        )
        .user(A, "pass-only", json!([allow("iam:PassRole", "*")]), json!({}))
        .user(A, "ssm", json!([allow("ssm:SendCommand", "*")]), json!({}))
        .user(A, "trust-writer", json!([allow("iam:UpdateAssumeRolePolicy", &admin_role)]), json!({}))
        .user(A, "reader", json!([allow("s3:GetObject", "*")]), json!({}));
    let (admins, escalating) = privilege(&e);
    assert_eq!(admins, BTreeSet::from(["boss".to_string(), "admin-role".to_string()]));
    let expected =
        ["self-writer", "unbounding-writer", "versioner", "joiner", "key-maker", "passer", "ssm", "trust-writer"];
    assert_eq!(escalating, expected.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>());
}

#[test]
fn setting_an_older_default_version_escalates_only_when_that_version_is_stronger() {
    let set_default = |policy: &str| {
        json!([
            allow("iam:SetDefaultPolicyVersion", &format!("arn:aws:iam::111111111111:policy/{policy}")),
            allow("s3:GetObject", "*")
        ])
    };
    let version = |id: &str, statements: Value| json!({"version_id": id, "document": policy(statements)});
    let mut e = Estate::default();
    for (name, versions) in [
        ("was-admin", Some(json!([version("v1", json!([allow(EVERYTHING, "*")]))]))),
        ("was-reader", Some(json!([version("v1", json!([allow("s3:ListBucket", "*")]))]))),
        ("unread", None),
    ] {
        let mut attrs = json!({"document": policy(set_default(name))});
        if let Some(v) = versions {
            attrs["other_versions"] = v;
        }
        e.add(A, &format!("arn:aws:iam::111111111111:policy/{name}"), "aws_iam_policy", attrs);
        let attached = json!({"attached_policies": [format!("arn:aws:iam::111111111111:policy/{name}")],
            "inline_policies": []});
        e.add(A, &user_arn(A, &format!("user-{name}")), "aws_iam_user", {
            let mut u = json!({"created": "2026-01-01T00:00:00Z", "console_access": false});
            merge(&mut u, attached);
            u
        });
    }
    let (admins, escalating) = privilege(&e);
    assert!(admins.is_empty(), "{admins:?}");
    // An unread version may be the stronger one: it is reported (never a silent pass).
    assert_eq!(escalating, BTreeSet::from(["user-was-admin".to_string(), "user-unread".to_string()]));
}

#[test]
fn service_control_policies_bind_where_read_and_the_organisation_decides_principal_org_id() {
    let full_access =
        json!({"id": "p-FullAWSAccess", "name": "FullAWSAccess", "document": policy(json!([allow("*", "*")]))});
    let no_writes = json!({"id": "p-1", "name": "no-s3-writes",
        "document": policy(json!([{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]))});
    let with_org = |scps: Option<Value>, management: &str| {
        let mut org = json!({"id": "o-north", "management_account": management});
        if let Some(levels) = scps {
            org["service_control_policies"] = levels;
        }
        let mut e = Estate::default();
        e.add(A, &format!("arn:aws:iam::{A}:root"), "aws_account", json!({"account_id": A, "organization": org}))
            .user(A, "u", json!([allow("s3:*", "*"), allow("sts:AssumeRole", "*")]), json!({}))
            .bucket(A, "data", json!([]))
            .role(
                A,
                "org-wide",
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-north"}}}]),
                json!([]),
            )
            .role(
                A,
                "other-org",
                json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-elsewhere"}}}]),
                json!([]),
            );
        e
    };
    let levels =
        json!([{"target": "r-1", "policies": [full_access]}, {"target": A, "policies": [full_access, no_writes]}]);
    let bound = with_org(Some(levels.clone()), B).graph();
    let u = user_arn(A, "u");
    assert_eq!(holders(&bound, "s3:GetObject", BUCKET), [(u.clone(), false)]);
    assert!(holders(&bound, "s3:PutObject", BUCKET).is_empty(), "the account's SCP denies it");
    // The organisation is known, so the trust limited to it is decided both ways.
    assert!(holders(&bound, "sts:AssumeRole", &role_arn(A, "org-wide")).contains(&(u.clone(), false)));
    let other = holders(&bound, "sts:AssumeRole", &role_arn(A, "other-org"));
    assert!(!other.iter().any(|(who, _)| who == &u), "{other:?}");
    // The management account is not bound by SCPs; unread SCPs make every grant conditional.
    assert_eq!(holders(&with_org(Some(levels), A).graph(), "s3:PutObject", BUCKET), [(u.clone(), false)]);
    assert_eq!(holders(&with_org(None, B).graph(), "s3:GetObject", BUCKET), [(u, true)]);
}

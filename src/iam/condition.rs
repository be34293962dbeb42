//! A statement's `Condition` block against a request context, as IAM evaluates it:
//! every operator and every key must hold; a key with several policy values holds
//! when any matches (none, for the negated operators); `…IfExists` and the negated
//! operators hold when the key is absent; `ForAnyValue`/`ForAllValues` compare
//! sets. A key the scan cannot know makes the answer unknown, naming it.

use std::collections::BTreeMap;
use std::ops::Not;

use auditgraph_model::policy::{condition_values, operator_parts};
use serde_json::Value;

use super::context::{Context, Known};
use super::pattern::{glob, substitute};
use super::truth::{all, Truth};

/// The truth of a whole condition block (true when there is none) in a statement
/// that allows (`in_allow`) or denies.
pub fn evaluate(block: &BTreeMap<String, BTreeMap<String, Value>>, ctx: &Context, in_allow: bool) -> Truth {
    all(block.iter().flat_map(|(operator, keys)| {
        keys.iter().map(move |(key, value)| one(operator, key, &condition_values(value), ctx, in_allow))
    }))
}

/// Whether a typical internet address chosen by a stranger is in one of the
/// policy's ranges: it is in every range wider than a /8 (IPv6: /32), and in no
/// narrower one (those name someone's network, as S3 decides what is public).
fn typical_address_in(policy_values: &[&Value]) -> bool {
    policy_values.iter().any(|v| match text(v).parse::<ipnet::IpNet>() {
        Ok(ipnet::IpNet::V4(n)) => n.prefix_len() < 8,
        Ok(ipnet::IpNet::V6(n)) => n.prefix_len() < 32,
        Err(_) => false,
    })
}

fn one(operator: &str, key: &str, policy_values: &[&Value], ctx: &Context, in_allow: bool) -> Truth {
    let (base, if_exists, qualifier) = operator_parts(operator);
    let negated = matches!(
        base,
        "StringNotEquals"
            | "StringNotEqualsIgnoreCase"
            | "StringNotLike"
            | "NumericNotEquals"
            | "DateNotEquals"
            | "NotIpAddress"
            | "ArnNotEquals"
            | "ArnNotLike"
    );
    let request = match ctx.get(key) {
        Known::Unknown => return Truth::unknown(key),
        Known::Chosen if matches!(base, "IpAddress" | "NotIpAddress") => {
            return Truth::from_bool(typical_address_in(policy_values) != negated);
        }
        Known::Chosen => return Truth::from_bool(in_allow),
        Known::Absent => {
            if base == "Null" {
                return Truth::from_bool(policy_values.iter().any(|v| text(v).eq_ignore_ascii_case("true")));
            }
            return Truth::from_bool(if_exists || negated || qualifier == Some("ForAllValues"));
        }
        Known::Values(values) => values,
    };
    if base == "Null" {
        return Truth::from_bool(policy_values.iter().any(|v| text(v).eq_ignore_ascii_case("false")));
    }
    // Policy values may hold variables; one the scan cannot resolve makes it unknown.
    let mut wanted = Vec::with_capacity(policy_values.len());
    for v in policy_values {
        match substitute(&text(v), ctx) {
            Ok(t) => wanted.push(t.into_owned()),
            Err(Truth::False) => {}
            Err(why) => return why,
        }
    }
    let positive = positive_of(base);
    let matches_one = |request_value: &str| -> Truth {
        let mut truth = Truth::False;
        for w in &wanted {
            truth = truth.or(compare(positive, request_value, w, key));
        }
        truth
    };
    let per_value: Vec<Truth> = request
        .iter()
        .map(|r| {
            let m = matches_one(r);
            if negated {
                m.not()
            } else {
                m
            }
        })
        .collect();
    match qualifier {
        Some("ForAllValues") => all(per_value),
        // ForAnyValue, and a single-valued key (one request value), hold when one does.
        _ => super::truth::any(per_value),
    }
}

/// The operator a negated one negates (`StringNotLike` → `StringLike`).
fn positive_of(base: &str) -> &str {
    match base {
        "StringNotEquals" => "StringEquals",
        "StringNotEqualsIgnoreCase" => "StringEqualsIgnoreCase",
        "StringNotLike" => "StringLike",
        "NumericNotEquals" => "NumericEquals",
        "DateNotEquals" => "DateEquals",
        "NotIpAddress" => "IpAddress",
        "ArnNotEquals" => "ArnEquals",
        "ArnNotLike" => "ArnLike",
        other => other,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One request value against one policy value under a positive operator.
fn compare(operator: &str, request: &str, policy: &str, key: &str) -> Truth {
    match operator {
        "StringEquals" | "ArnEquals" | "BinaryEquals" => Truth::from_bool(request == policy),
        "StringEqualsIgnoreCase" | "Bool" => Truth::from_bool(request.eq_ignore_ascii_case(policy)),
        "StringLike" | "ArnLike" => Truth::from_bool(glob(policy, request, false)),
        "IpAddress" => match (request.parse::<std::net::IpAddr>(), policy.parse::<ipnet::IpNet>()) {
            (Ok(ip), Ok(net)) => Truth::from_bool(net.contains(&ip)),
            (Ok(ip), Err(_)) => Truth::from_bool(policy.parse::<std::net::IpAddr>().is_ok_and(|p| p == ip)),
            _ => Truth::unknown(key),
        },
        _ => {
            let order = if let Some(relation) = operator.strip_prefix("Numeric") {
                let number = |s: &str| s.trim().parse::<f64>().ok();
                relation_holds(relation, number(request).zip(number(policy)).and_then(|(a, b)| a.partial_cmp(&b)))
            } else if let Some(relation) = operator.strip_prefix("Date") {
                let date = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
                relation_holds(relation, date(request).zip(date(policy)).map(|(a, b)| a.cmp(&b)))
            } else {
                // The document reader refuses operators IAM does not define.
                None
            };
            // A value that is not a number (or date) is a malformed request: unknown.
            order.map_or_else(|| Truth::unknown(key), Truth::from_bool)
        }
    }
}

/// Whether an ordering satisfies `Equals`, `LessThan`, `LessThanEquals`, ...;
/// `None` when the values could not be compared or the relation is not IAM's.
fn relation_holds(relation: &str, order: Option<std::cmp::Ordering>) -> Option<bool> {
    use std::cmp::Ordering::*;
    let wanted: &[std::cmp::Ordering] = match relation {
        "Equals" => &[Equal],
        "LessThan" => &[Less],
        "LessThanEquals" => &[Less, Equal],
        "GreaterThan" => &[Greater],
        "GreaterThanEquals" => &[Greater, Equal],
        _ => return None,
    };
    order.map(|o| wanted.contains(&o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(json: &str) -> BTreeMap<String, BTreeMap<String, Value>> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn each_operator_family() {
        let ctx = Context::default()
            .with("aws:SecureTransport", &["false"])
            .with("aws:SourceIp", &["203.0.113.9"])
            .with("aws:PrincipalOrgID", &["o-abc"])
            .with("aws:TagKeys", &["env", "team"])
            .with("s3:max-keys", &["50"])
            .with_absent("aws:SourceVpce");
        let t = |json: &str| evaluate(&block(json), &ctx, true);
        assert_eq!(t(r#"{"Bool":{"aws:SecureTransport":"false"}}"#), Truth::True);
        assert_eq!(t(r#"{"Bool":{"aws:SecureTransport":false}}"#), Truth::True, "a JSON boolean reads as its text");
        assert_eq!(t(r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}"#), Truth::True);
        assert_eq!(t(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), Truth::False);
        assert_eq!(t(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-xyz"}}"#), Truth::False);
        assert_eq!(t(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-xyz"}}"#), Truth::True);
        assert_eq!(t(r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#), Truth::True);
        assert_eq!(t(r#"{"NumericLessThanEquals":{"s3:max-keys":"50"}}"#), Truth::True);
        assert_eq!(t(r#"{"NumericLessThan":{"s3:max-keys":"50"}}"#), Truth::False);
        // Absent keys: false, except IfExists, the negated operators, Null and ForAllValues.
        assert_eq!(t(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), Truth::False);
        assert_eq!(t(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#), Truth::True);
        assert_eq!(t(r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#), Truth::True);
        assert_eq!(t(r#"{"Null":{"aws:SourceVpce":"true"}}"#), Truth::True);
        assert_eq!(t(r#"{"Null":{"aws:SourceIp":"true"}}"#), Truth::False);
        // Sets.
        assert_eq!(t(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","cost"]}}"#), Truth::True);
        assert_eq!(t(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}"#), Truth::False);
        assert_eq!(t(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}"#), Truth::True);
        // Every operator and key must hold; an unknown key makes it unknown, unless another fails.
        assert_eq!(
            t(r#"{"Bool":{"aws:SecureTransport":"false","aws:MultiFactorAuthPresent":"true"}}"#),
            Truth::unknown("aws:MultiFactorAuthPresent")
        );
        assert_eq!(t(r#"{"Bool":{"aws:SecureTransport":"true","aws:MultiFactorAuthPresent":"true"}}"#), Truth::False);
        assert_eq!(t("{}"), Truth::True);
    }

    #[test]
    fn a_key_the_caller_chooses_passes_its_allows_and_dodges_its_denies() {
        let ctx = Context::chosen_by_caller().with_absent("aws:PrincipalOrgID");
        let t = |json: &str, in_allow: bool| evaluate(&block(json), &ctx, in_allow);
        assert_eq!(t(r#"{"Bool":{"aws:SecureTransport":"false"}}"#, false), Truth::False, "it uses TLS");
        assert_eq!(t(r#"{"StringEquals":{"aws:UserAgent":"x"}}"#, true), Truth::True, "it sends that agent");
        assert_eq!(t(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}"#, false), Truth::True, "set: absent");
        // Its address is a typical internet one: in wide ranges, outside narrow ones, in allows and denies alike.
        assert_eq!(t(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, false), Truth::True);
        assert_eq!(t(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, true), Truth::False);
        assert_eq!(t(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, false), Truth::True);
        assert_eq!(t(r#"{"NotIpAddress":{"aws:SourceIp":["::/0","0.0.0.0/1"]}}"#, true), Truth::False);
    }
}

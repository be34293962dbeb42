//! An asset as the lines a person reads, one fact per line (`ingress tcp/22 from
//! 0.0.0.0/0`, `encrypted = false`, `tag env = prod`): what drift compares, so a
//! changed rule is one added or removed line, not four field paths.

use std::collections::BTreeSet;

use auditgraph_model::aws::{SgPeer, SgRule};
use auditgraph_model::{Asset, Attributes};
use serde_json::Value;

/// The asset's facts, sorted.
pub fn lines(asset: &Asset) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (k, v) in &asset.tags {
        out.insert(format!("tag {k} = {v}"));
    }
    if let Some(region) = &asset.region {
        out.insert(format!("region = {region}"));
    }
    let mut attributes = serde_json::to_value(&asset.attributes).unwrap_or(Value::Null);
    if let Attributes::AwsSecurityGroup(sg) = &asset.attributes {
        out.extend(sg.ingress.iter().map(|r| rule_line("ingress", r)));
        out.extend(sg.egress.iter().map(|r| rule_line("egress", r)));
        if let Some(map) = attributes.as_object_mut() {
            map.remove("ingress");
            map.remove("egress");
        }
    }
    flatten("", &attributes, &mut out);
    out
}

/// The lines that went and came between two versions: `-old` then `+new`, each sorted.
pub fn changes(old: &Asset, new: &Asset) -> Vec<String> {
    let (a, b) = (lines(old), lines(new));
    let mut out: Vec<String> = a.difference(&b).map(|l| format!("-{l}")).collect();
    out.extend(b.difference(&a).map(|l| format!("+{l}")));
    out
}

fn rule_line(direction: &str, rule: &SgRule) -> String {
    let peer = match &rule.peer {
        SgPeer::Cidr(c) => c.to_string(),
        SgPeer::SecurityGroup(g) => g.to_string(),
        SgPeer::PrefixList(p) => p.clone(),
    };
    let ports = rule.ports.map(|p| format!("/{p}")).unwrap_or_default();
    let towards = if direction == "ingress" { "from" } else { "to" };
    let description = rule.description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    format!("{direction} {}{ports} {towards} {peer}{description}", rule.protocol)
}

/// Scalars as `path = value`; a list of objects as one line per element, so that an
/// element added or removed is one line.
fn flatten(path: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                flatten(&p, v, out);
            }
        }
        Value::Array(items) if items.is_empty() => {
            out.insert(format!("{path} = []"));
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(s) => out.insert(format!("{path}: {s}")),
                    other => out.insert(format!("{path}: {other}")),
                };
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(format!("{path} = {s}"));
        }
        other => {
            out.insert(format!("{path} = {other}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sg(ingress: &str) -> Asset {
        let json = serde_json::json!({
            "id": "arn:aws:ec2:eu-west-1:1:security-group/sg-1", "name": "web", "account": "1",
            "region": "eu-west-1", "tags": {},
            "kind": "aws_security_group",
            "attributes": {"vpc": "arn:aws:ec2:eu-west-1:1:vpc/vpc-1", "group_name": "web",
                "ingress": serde_json::from_str::<Value>(ingress).unwrap(), "egress": []}
        });
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn an_opened_port_is_one_line() {
        let old = sg(r#"[{"protocol": "tcp", "ports": "443", "peer": {"cidr": "0.0.0.0/0"}}]"#);
        let new = sg(r#"[{"protocol": "tcp", "ports": "443", "peer": {"cidr": "0.0.0.0/0"}},
                         {"protocol": "tcp", "ports": "22", "peer": {"cidr": "0.0.0.0/0"}}]"#);
        assert_eq!(changes(&old, &new), vec!["+ingress tcp/22 from 0.0.0.0/0"]);
        assert!(changes(&new, &new).is_empty());
    }
}

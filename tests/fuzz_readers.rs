//! The readers of untrusted input, fuzzed with proptest for a bounded number of
//! cases: inventories and snapshots as the demo's files damaged at random (bytes
//! changed, cut, dropped, repeated), policy documents built from a vocabulary with
//! typos in it. Each reader must never panic, and whatever it accepts it must
//! accept whole: as many assets, findings and statements as the JSON holds.

mod common;

use auditgraph::snapshot::Snapshot;
use auditgraph_model::policy::PolicyDocument;
use auditgraph_model::Inventory;
use proptest::prelude::*;
use serde_json::Value;

/// One way of damaging a text: at a position (a fraction of the length), with a length and a byte.
#[derive(Clone, Debug)]
enum Damage {
    Replace(f64, u8),
    Cut(f64),
    Drop(f64, usize),
    Repeat(f64, usize),
    Insert(f64, &'static str),
}

fn damage() -> impl Strategy<Value = Damage> {
    let at = 0.0..1.0f64;
    let snippet = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        "\"",
        "null",
        "\"internet\"",
        "\u{feff}",
        "\\u0000",
        "1e999",
    ]);
    prop_oneof![
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Damage::Replace(a, b)),
        at.clone().prop_map(Damage::Cut),
        (at.clone(), 1..200usize).prop_map(|(a, n)| Damage::Drop(a, n)),
        (at.clone(), 1..400usize).prop_map(|(a, n)| Damage::Repeat(a, n)),
        (at, snippet).prop_map(|(a, s)| Damage::Insert(a, s)),
    ]
}

fn apply(text: &str, damages: &[Damage]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for d in damages {
        let pos = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match *d {
            Damage::Replace(f, b) if !bytes.is_empty() => {
                let i = pos(f, bytes.len() - 1);
                bytes[i] = b;
            }
            Damage::Replace(..) => {}
            Damage::Cut(f) => bytes.truncate(pos(f, bytes.len())),
            Damage::Drop(f, n) => {
                let i = pos(f, bytes.len());
                bytes.drain(i..(i + n).min(bytes.len()));
            }
            Damage::Repeat(f, n) => {
                let i = pos(f, bytes.len());
                let piece = bytes[i..(i + n).min(bytes.len())].to_vec();
                bytes.splice(i..i, piece);
            }
            Damage::Insert(f, s) => {
                let i = pos(f, bytes.len());
                bytes.splice(i..i, s.bytes());
            }
        }
    }
    bytes
}

/// The number of elements of a top-level array field of a JSON text, when it parses.
fn json_len(text: &str, field: &str) -> Option<usize> {
    serde_json::from_str::<Value>(text).ok()?.get(field)?.as_array().map(Vec::len)
}

fn demo_inventory() -> String {
    std::fs::read_to_string(common::demo().join("aws-staging.json")).unwrap()
}

fn demo_snapshot() -> String {
    let dir = common::scratch();
    let out = dir.path().join("s.json");
    let run =
        common::auditgraph(dir.path(), &["scan", common::demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::read_to_string(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_inventory_is_refused_or_read_whole(damages in prop::collection::vec(damage(), 1..4)) {
        let text = demo_inventory();
        let damaged = apply(&text, &damages);
        let Ok(damaged) = String::from_utf8(damaged) else { return Ok(()) };
        if let Ok(inventory) = Inventory::from_json(&damaged) {
            prop_assert_eq!(Some(inventory.assets.len()), json_len(&damaged, "assets"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_snapshot_is_refused_or_read_whole(damages in prop::collection::vec(damage(), 1..4)) {
        thread_local!(static SNAPSHOT: String = demo_snapshot());
        let text = SNAPSHOT.with(String::clone);
        let Ok(damaged) = String::from_utf8(apply(&text, &damages)) else { return Ok(()) };
        if let Ok(snapshot) = Snapshot::from_json(&damaged) {
            prop_assert_eq!(Some(snapshot.findings.len()), json_len(&damaged, "findings"));
            prop_assert_eq!(Some(snapshot.assets.len()), json_len(&damaged, "assets"));
        }
    }
}

/// A policy-ish JSON value: the real element names, some misspelt, values of every type.
fn policy_value() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Statment",
        "effect",
        "Principle",
        "Actions",
    ]);
    let leaf = prop_oneof![
        prop::sample::select(vec!["Allow", "Deny", "*", "s3:GetObject", "arn:aws:s3:::b/*", "2012-10-17", "AWS"])
            .prop_map(|s| Value::String(s.to_string())),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone().prop_map(str::to_string), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_policy_document_is_refused_or_read_whole(doc in policy_value()) {
        if let Ok(parsed) = serde_json::from_value::<PolicyDocument>(doc.clone()) {
            let written = match &doc["Statement"] {
                Value::Array(items) => items.len(),
                Value::Object(_) => 1,
                other => panic!("a document was read with Statement {other}"),
            };
            prop_assert_eq!(parsed.statements.len(), written);
            // What was read writes back to the same document.
            let again: PolicyDocument = serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
            prop_assert_eq!(again, parsed);
        }
    }
}

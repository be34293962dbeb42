//! The interactive view: one self-contained HTML page holding a diagram's SVG
//! (as Graphviz drew it), what every node and edge stands for as JSON, and a small
//! script for pan, zoom and a side panel that shows, for what is clicked, its
//! assets' attributes, their findings and each finding's evidence hop by hop. A
//! content security policy lets the page load nothing: no request leaves it.
//! `#select=n3` in the address opens the panel on node `n3` (or edge `e3`).

use serde_json::{json, Value};

use super::dot::html_escaped;
use super::picture::{Look, Picture};
use super::select::hops_text;
use super::Scene;
use crate::findings::Outcome;

const PAGE: &str = include_str!("html_page.html");

/// What the panel shows for every node (`n0`, …) and edge (`e0`, …), by the
/// SVG element ids `dot::write` gives them.
fn panel_data(scene: &Scene, picture: &Picture) -> Value {
    let g = scene.graph;
    // Failed and unknown findings by asset, gathered once for every node.
    let mut not_passed: std::collections::HashMap<&str, Vec<&crate::findings::Finding>> = Default::default();
    for f in scene.findings.iter().filter(|f| f.outcome != Outcome::Pass) {
        not_passed.entry(f.asset.as_str()).or_default().push(f);
    }
    let mut items = serde_json::Map::new();
    let nodes = picture.nodes();
    for (i, n) in nodes.iter().enumerate() {
        // A part of an overview links to its own page, which shows its assets.
        let shown: &[String] = if n.look == Look::Part { &[] } else { &n.stands_for };
        let members: Vec<Value> = shown
            .iter()
            .filter_map(|id| g.asset(&auditgraph_model::AssetId::new(id.clone())))
            .map(|a| {
                let findings: Vec<Value> = not_passed
                    .get(a.id.as_str())
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        json!({
                            "control": f.control,
                            "title": f.title,
                            "severity": f.severity.as_str(),
                            "outcome": if f.outcome == Outcome::Fail { "fail" } else { "unknown" },
                            "evidence": f.evidence.iter().map(|e| evidence_json(g, e)).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({
                    "name": a.name,
                    "id": a.id.as_str(),
                    "kind": a.kind().to_string(),
                    "account": a.account,
                    "region": a.region,
                    "attributes": serde_json::to_value(&a.attributes).unwrap_or(Value::Null),
                    "findings": findings,
                })
            })
            .collect();
        let what = if n.look == Look::Part { "diagram" } else { n.look.meaning() };
        items.insert(format!("n{i}"), json!({ "title": n.label, "what": what, "members": members, "link": n.url }));
    }
    let label_of =
        |id: &str| nodes.iter().find(|n| n.id == id).map(|n| n.label.lines().next().unwrap_or_default().to_string());
    for (i, e) in picture.edges.iter().enumerate() {
        items.insert(
            format!("e{i}"),
            json!({
                "title": format!("{} → {}", label_of(&e.from).unwrap_or_default(), label_of(&e.to).unwrap_or_default()),
                "what": e.style.meaning(),
                "label": e.label,
                "detail": e.detail.lines().collect::<Vec<_>>(),
            }),
        );
    }
    Value::Object(items)
}

/// One evidence item as the pages show it: its summary, and its path hop by hop
/// as the lines a person reads (names, ports, the rules that allow each hop).
pub fn evidence_json(graph: &crate::graph::AssetGraph, e: &crate::findings::Evidence) -> Value {
    json!({"summary": e.summary, "hops": hops_text(graph, &e.hops).lines().collect::<Vec<_>>()})
}

/// JSON to hold inside a `<script>` element: only `</` could end it early, and
/// `<\/` reads back as the same JSON string.
fn script_json(value: &Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// The page for `picture`, whose SVG (from `dot -Tsvg`) is `svg`.
pub fn page(scene: &Scene, picture: &Picture, svg: &str) -> String {
    let svg = svg.find("<svg").map(|at| &svg[at..]).unwrap_or(svg);
    let data = script_json(&panel_data(scene, picture));
    fill(PAGE, &[("TITLE", &html_escaped(&picture.title)), ("DATA", &data), ("SVG", svg)])
}

/// The template with each `{{NAME}}` replaced by its value, in one pass, so that
/// a value holding a placeholder's text is never filled in itself.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find("}}").and_then(|end| values.iter().find(|(k, _)| *k == &after[..end]).map(|v| (end, v.1))) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_values_are_not_refilled() {
        let filled = fill("<t>{{TITLE}}</t>{{DATA}}{{X}}", &[("TITLE", "{{DATA}}"), ("DATA", "d")]);
        assert_eq!(filled, "<t>{{DATA}}</t>d{{X}}");
        assert_eq!(html_escaped("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
        let hostile = json!({"name": "</script><script>alert(1)</script>"});
        let held = script_json(&hostile);
        assert!(!held.contains("</"), "{held}");
        assert_eq!(serde_json::from_str::<Value>(&held).unwrap(), hostile);
    }
}

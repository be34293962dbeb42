//! Writes a `Picture` as Graphviz DOT text: quoting, attributes, nested clusters,
//! node and edge styles, the legend. DOT is plain text; writing it directly keeps
//! the output byte-for-byte deterministic.

use std::fmt::Write;

use super::picture::{Cluster, Edge, EdgeStyle, Node, Picture};

/// Quotes a string for DOT (`"` and `\` escaped, newlines as `\n`).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[a="x", b="y"]` with attributes in the order given.
pub fn attrs(list: &[(&str, String)]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = list.iter().map(|(k, v)| format!("{k}={}", quote(v))).collect();
    format!(" [{}]", parts.join(", "))
}

/// The picture as DOT.
pub fn write(picture: &Picture) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph auditgraph {{");
    let graph = [
        ("label", picture.title.clone()),
        ("labelloc", "t".into()),
        ("fontsize", "20".into()),
        ("fontname", "Helvetica".into()),
        ("rankdir", "LR".into()),
        ("compound", "true".into()),
        ("newrank", "true".into()),
    ];
    let _ = writeln!(out, "  graph{};", attrs(&graph));
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    for node in &picture.outside {
        let _ = writeln!(out, "  {}", node_line(node));
    }
    cluster_body(&mut out, &picture.clusters, "c", 1);
    for edge in &picture.edges {
        let _ = writeln!(out, "  {}", edge_line(edge));
    }
    legend(&mut out);
    let _ = writeln!(out, "}}");
    out
}

fn node_line(n: &Node) -> String {
    let mut list = vec![
        ("label", n.label.clone()),
        ("shape", n.shape.to_string()),
        ("style", "filled".to_string()),
        ("fillcolor", n.fill.to_string()),
    ];
    if n.flagged {
        list.push(("color", "#cc0000".into()));
        list.push(("penwidth", "2.5".into()));
    }
    if n.double_border {
        list.push(("peripheries", "2".into()));
    }
    format!("{}{};", quote(&n.id), attrs(&list))
}

fn edge_line(e: &Edge) -> String {
    let (color, style) = match e.style {
        EdgeStyle::Crossing => ("#cc0000", "bold"),
        EdgeStyle::Reach => ("#1f5fa8", "solid"),
        EdgeStyle::Access => ("#7a4fa0", "solid"),
        EdgeStyle::Structure => ("#888888", "dashed"),
        EdgeStyle::Undecided => ("#b26b00", "dotted"),
    };
    let list = [("label", e.label.clone()), ("color", color.into()), ("style", style.into())];
    format!("{} -> {}{};", quote(&e.from), quote(&e.to), attrs(&list))
}

fn cluster(out: &mut String, c: &Cluster, name: &str, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{name}")));
    let _ = writeln!(out, "{pad}  label={};", quote(&c.label));
    for (k, v) in [("style", "rounded,filled"), ("fillcolor", c.fill), ("color", "#999999")] {
        let _ = writeln!(out, "{pad}  {k}={};", quote(v));
    }
    cluster_body(out, c, name, depth + 1);
    let _ = writeln!(out, "{pad}}}");
}

fn cluster_body(out: &mut String, c: &Cluster, name: &str, depth: usize) {
    let pad = "  ".repeat(depth);
    for n in &c.nodes {
        let _ = writeln!(out, "{pad}{}", node_line(n));
    }
    for (i, child) in c.children.values().enumerate() {
        cluster(out, child, &format!("{name}_{i}"), depth);
    }
}

fn legend(out: &mut String) {
    let _ = writeln!(out, "  subgraph \"cluster_legend\" {{");
    let _ = writeln!(out, "    label=\"Legend\"; style=\"rounded\"; color=\"#999999\"; fontsize=12;");
    let items = [
        ("legend_compute", "host", "box", "#dbe9f6"),
        ("legend_store", "data store", "cylinder", "#fde9b8"),
        ("legend_lb", "load balancer", "hexagon", "#d9ead3"),
        ("legend_gw", "gateway", "diamond", "#d9ead3"),
        ("legend_identity", "principal", "ellipse", "#ece2f5"),
        ("legend_key", "key", "note", "#eeeeee"),
    ];
    for (id, label, shape, fill) in items {
        let node = Node { id: id.into(), label: label.into(), shape, fill, flagged: false, double_border: false };
        let _ = writeln!(out, "    {}", node_line(&node));
    }
    let _ = writeln!(
        out,
        "    \"legend_finding\" [label=\"has findings\", shape=\"box\", color=\"#cc0000\", penwidth=\"2.5\"];"
    );
    let _ = writeln!(out, "    \"legend_compute\" -> \"legend_store\" [label=\"reaches (ports)\", color=\"#1f5fa8\"];");
    // Its own pair of nodes, so that its label does not print over the edge above.
    for (id, label, shape, fill) in
        [("legend_may_from", "host", "box", "#dbe9f6"), ("legend_may_to", "data store", "cylinder", "#fde9b8")]
    {
        let node = Node { id: id.into(), label: label.into(), shape, fill, flagged: false, double_border: false };
        let _ = writeln!(out, "    {}", node_line(&node));
    }
    let _ = writeln!(
        out,
        "    \"legend_may_from\" -> \"legend_may_to\" [label=\"may reach (undecided)\", color=\"#b26b00\", style=\"dotted\"];"
    );
    let _ = writeln!(
        out,
        "    \"legend_gw\" -> \"legend_lb\" [label=\"from the internet\", color=\"#cc0000\", style=\"bold\"];"
    );
    let _ = writeln!(out, "  }}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_dot_needs_quoted() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(attrs(&[("label", "x\ny".into())]), r#" [label="x\ny"]"#);
    }
}

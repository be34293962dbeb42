//! Writes a `Picture` as Graphviz DOT text: quoting, attributes, nested clusters,
//! node and edge styles, the legend. DOT is plain text; writing it directly keeps
//! the output byte-for-byte deterministic.

use std::fmt::Write;

use super::picture::{Cluster, Edge, EdgeStyle, Node, Picture};

/// Quotes a string for DOT (`"` and `\` escaped, newlines as `\n`). A character
/// that could move a terminal's cursor or that XML forbids (controls, U+FFFE) is
/// written as its escape text (`\u{1b}`), so an SVG of any name is well-formed.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if crate::terminal::is_unsafe_char(c) || is_noncharacter(c) => {
                out.push('\\');
                out.extend(c.escape_unicode());
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Unicode's noncharacters (U+FDD0..U+FDEF and the last two of every plane).
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{fdd0}'..='\u{fdef}') || (c as u32) & 0xfffe == 0xfffe
}

/// The longest line a label keeps; the rest goes to the tooltip.
const MAX_LABEL_LINE: usize = 60;
/// The longest tooltip and node id written: Graphviz refuses longer strings.
const MAX_TEXT: usize = 2_000;

/// A label with each line cut to `MAX_LABEL_LINE` characters, and the whole text
/// (cut to `MAX_TEXT`) for a tooltip when anything was cut.
fn fitted(label: &str) -> (String, Option<String>) {
    if label.lines().all(|l| l.chars().count() <= MAX_LABEL_LINE) {
        return (label.to_string(), None);
    }
    let cut: Vec<String> = label
        .lines()
        .map(|l| {
            if l.chars().count() <= MAX_LABEL_LINE {
                l.to_string()
            } else {
                let mut short: String = l.chars().take(MAX_LABEL_LINE - 1).collect();
                short.push('…');
                short
            }
        })
        .collect();
    (cut.join("\n"), Some(label.chars().take(MAX_TEXT).collect()))
}

/// A node's DOT name: its id, or for an id Graphviz could not hold, its start
/// and a hash of the whole (so distinct ids stay distinct).
fn node_name(id: &str) -> String {
    if id.len() <= MAX_TEXT {
        return quote(id);
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    let start: String = id.chars().take(200).collect();
    quote(&format!("{start}…#{:016x}", h.finish()))
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
        ("label", picture.title.chars().take(MAX_TEXT).collect()),
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
    let (label, tooltip) = fitted(&n.label);
    let mut list = vec![
        ("label", label),
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
    if let Some(full) = tooltip {
        list.push(("tooltip", full));
    }
    format!("{}{};", node_name(&n.id), attrs(&list))
}

fn edge_line(e: &Edge) -> String {
    let (color, style) = match e.style {
        EdgeStyle::Crossing => ("#cc0000", "bold"),
        EdgeStyle::Reach => ("#1f5fa8", "solid"),
        EdgeStyle::Access => ("#7a4fa0", "solid"),
        EdgeStyle::Structure => ("#888888", "dashed"),
        EdgeStyle::Undecided => ("#b26b00", "dotted"),
    };
    let list = [("label", fitted(&e.label).0), ("color", color.into()), ("style", style.into())];
    format!("{} -> {}{};", node_name(&e.from), node_name(&e.to), attrs(&list))
}

fn cluster(out: &mut String, c: &Cluster, name: &str, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{name}")));
    let (label, tooltip) = fitted(&c.label);
    let _ = writeln!(out, "{pad}  label={};", quote(&label));
    if let Some(full) = tooltip {
        let _ = writeln!(out, "{pad}  tooltip={};", quote(&full));
    }
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
        assert_eq!(quote("x\u{1b}[31m\u{fffe}"), r#""x\\u{1b}[31m\\u{fffe}""#);
    }

    #[test]
    fn long_labels_are_cut_with_the_whole_in_the_tooltip() {
        let long = "n".repeat(100);
        let (label, tooltip) = fitted(&format!("{long}\naws_ec2_instance"));
        assert_eq!(label, format!("{}…\naws_ec2_instance", "n".repeat(59)));
        assert_eq!(tooltip.unwrap(), format!("{long}\naws_ec2_instance"));
        assert_eq!(fitted("short"), ("short".to_string(), None));
        let huge = "i".repeat(10_000_000);
        let name = node_name(&huge);
        assert!(name.len() < 300 && name != node_name(&format!("{huge}j")));
    }
}

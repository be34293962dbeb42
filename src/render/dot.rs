//! Writes a `Picture` as Graphviz DOT text: quoting, attributes, nested clusters,
//! node and edge styles, the legend. DOT is plain text; writing it directly keeps
//! the output byte-for-byte deterministic.

use std::fmt::Write;

use super::legend::Legend;
use super::picture::{Cluster, ClusterLook, Edge, EdgeStyle, Look, Node, Picture};

/// Quotes a string for DOT (`"` and `\` escaped, newlines as `\n`), each unsafe
/// character as `escaped` writes it.
pub fn quote(s: &str) -> String {
    let special = |c| match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '\n' => Some("\\n"),
        _ => None,
    };
    // A backslash itself is escaped in DOT: `\\u{1b}` shows as `\u{1b}`.
    format!("\"{}\"", escaped(s, special, "\\"))
}

/// Text safe inside a Graphviz HTML-like label (newlines as line breaks).
fn html_text(s: &str) -> String {
    escaped(s, |c| if c == '\n' { Some("<BR/>") } else { html_entity(c) }, "")
}

/// Text safe inside HTML elements and attributes (the interactive page's too).
pub fn html_escaped(s: &str) -> String {
    escaped(s, html_entity, "")
}

/// The entity HTML needs for `c`, if any.
fn html_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// `s` with each character `special` names replaced. A character that could move
/// a terminal's cursor or that XML forbids (controls, U+FFFE) is written as its
/// escape text (`\u{1b}`, after `prefix`), so an SVG of any name is well-formed.
fn escaped(s: &str, special: impl Fn(char) -> Option<&'static str>, prefix: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match special(c) {
            Some(replacement) => out.push_str(replacement),
            None if crate::terminal::is_unsafe_char(c) || is_noncharacter(c) => {
                out.push_str(prefix);
                out.extend(c.escape_unicode());
            }
            None => out.push(c),
        }
    }
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
        ("labelloc", "t".into()),
        ("fontsize", "12".into()),
        ("fontname", "Helvetica".into()),
        ("rankdir", "LR".into()),
        ("compound", "true".into()),
        ("newrank", "true".into()),
        ("forcelabels", "true".into()),
    ];
    let _ = writeln!(out, "  graph{};", attrs(&graph));
    let _ = writeln!(out, "  graph [label=<{}>];", heading(&picture.title, &Legend::of(picture)));
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    let mut ids = 0..;
    for node in &picture.outside {
        let _ = writeln!(out, "  {}", node_line(node, ids.next().unwrap_or_default()));
    }
    cluster_body(&mut out, &picture.clusters, "c", 1, &mut ids);
    for (i, edge) in picture.edges.iter().enumerate() {
        let _ = writeln!(out, "  {}", edge_line(edge, i));
    }
    for column in &picture.columns {
        let names: Vec<String> = column.iter().map(|id| node_name(id)).collect();
        let _ = writeln!(out, "  {{rank=same; {};}}", names.join("; "));
    }
    let _ = writeln!(out, "}}");
    out
}

/// A node's line; `index` gives its SVG element id (`n7`), which the interactive
/// page finds it by.
fn node_line(n: &Node, index: usize) -> String {
    let (label, cut) = fitted(&n.label);
    let mut list = vec![
        ("id", format!("n{index}")),
        ("label", label),
        ("shape", n.look.shape().to_string()),
        ("style", "filled".to_string()),
        ("fillcolor", n.look.fill().to_string()),
    ];
    if n.look == Look::DataStore {
        // Room for the cylinder's top curve above the name.
        list.push(("margin", "0.15,0.2".into()));
    }
    if n.flagged {
        list.push(("color", "#cc0000".into()));
        list.push(("penwidth", "2.5".into()));
    }
    if n.double_border {
        list.push(("peripheries", "2".into()));
    }
    let tooltip = [cut, n.tooltip.clone()].into_iter().flatten().collect::<Vec<_>>().join("\n");
    if !tooltip.is_empty() {
        list.push(("tooltip", tooltip.chars().take(MAX_TEXT).collect()));
    }
    if let Some(url) = &n.url {
        list.push(("URL", url.clone()));
    }
    format!("{}{};", node_name(&n.id), attrs(&list))
}

/// An edge's line. Its label is an `xlabel`, placed beside the edge after layout
/// rather than as a node of its own that the layout moves away; `index` gives its
/// SVG element id (`e3`).
fn edge_line(e: &Edge, index: usize) -> String {
    let (color, style) = e.style.pen();
    let mut list = vec![
        ("id", format!("e{index}")),
        ("xlabel", fitted(&e.label).0),
        ("color", color.into()),
        ("fontcolor", color.into()),
        ("style", style.into()),
    ];
    if !e.detail.is_empty() {
        list.push(("tooltip", e.detail.chars().take(MAX_TEXT).collect()));
    }
    format!("{} -> {}{};", node_name(&e.from), node_name(&e.to), attrs(&list))
}

fn cluster(out: &mut String, c: &Cluster, name: &str, depth: usize, ids: &mut std::ops::RangeFrom<usize>) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{name}")));
    let (label, tooltip) = fitted(&c.label);
    let _ = writeln!(out, "{pad}  label={};", quote(&label));
    if let Some(full) = tooltip {
        let _ = writeln!(out, "{pad}  tooltip={};", quote(&full));
    }
    let fill = c.look.map(ClusterLook::fill).unwrap_or("#ffffff");
    for (k, v) in [("style", "rounded,filled"), ("fillcolor", fill), ("color", "#999999")] {
        let _ = writeln!(out, "{pad}  {k}={};", quote(v));
    }
    cluster_body(out, c, name, depth + 1, ids);
    let _ = writeln!(out, "{pad}}}");
}

fn cluster_body(out: &mut String, c: &Cluster, name: &str, depth: usize, ids: &mut std::ops::RangeFrom<usize>) {
    let pad = "  ".repeat(depth);
    for n in &c.nodes {
        let _ = writeln!(out, "{pad}{}", node_line(n, ids.next().unwrap_or_default()));
    }
    for (i, child) in c.children.values().enumerate() {
        cluster(out, child, &format!("{name}_{i}"), depth, ids);
    }
}

/// Legend entries per row of its table.
const LEGEND_ROW: usize = 4;

/// How an edge style is drawn in the legend's table: a coloured arrow of its line.
fn edge_sample(style: EdgeStyle) -> String {
    let (color, line) = style.pen();
    let arrow = match line {
        "dashed" => "- - - ▶",
        "dotted" => "· · · · ▶",
        "bold" => "━━━▶",
        _ => "───▶",
    };
    format!(r#"<TD><FONT COLOR="{color}" POINT-SIZE="10">{arrow}</FONT></TD>"#)
}

/// The diagram's heading, as the graph's label: its title, and under it the legend
/// as a table (a label takes no part in the layout's ranks, so the legend neither
/// widens a column nor pushes the diagram aside). Each legend entry is a sample
/// cell (the fill and shape of a node, the mark, the container fill, the line of an
/// edge) and its meaning.
fn heading(title: &str, legend: &Legend) -> String {
    let title: String = title.chars().take(MAX_TEXT).collect();
    let title = format!(r#"<TR><TD><FONT POINT-SIZE="20">{}</FONT></TD></TR>"#, html_text(&title));
    if legend.is_empty() {
        return format!(r#"<TABLE BORDER="0">{title}</TABLE>"#);
    }
    let swatch = |fill: &str, border: &str, width: u8, text: &str| {
        format!(
            r#"<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="{width}"><FONT POINT-SIZE="10">{}</FONT></TD>"#,
            html_text(text)
        )
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    for look in &legend.looks {
        entries.push((swatch(look.fill(), "#333333", 1, look.shape()), look.meaning().to_string()));
    }
    if legend.aggregated {
        entries.push((
            swatch("#ffffff", "#333333", 1, "N × name"),
            "N assets alike in place, rules, findings and edges".into(),
        ));
    }
    if legend.flagged {
        entries.push((
            swatch("#ffffff", "#cc0000", 3, "red border"),
            "has failed findings (N findings: controls failed)".into(),
        ));
    }
    if legend.exposed_store {
        entries.push((
            swatch(Look::DataStore.fill(), "#333333", 2, "double border"),
            "data store the internet reaches".into(),
        ));
    }
    for look in &legend.containers {
        entries.push((swatch(look.fill(), "#999999", 1, "container"), look.meaning().to_string()));
    }
    for (style, meaning) in &legend.edges {
        entries.push((edge_sample(*style), meaning.clone()));
    }
    let mut rows = String::new();
    for row in entries.chunks(LEGEND_ROW) {
        rows.push_str("<TR>");
        for (sample, meaning) in row {
            rows.push_str(&format!(
                r#"{sample}<TD ALIGN="LEFT"><FONT POINT-SIZE="10">{}</FONT></TD>"#,
                html_text(meaning)
            ));
        }
        rows.push_str("</TR>");
    }
    format!(
        r##"<TABLE BORDER="0">{title}<TR><TD><TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3"><TR><TD COLSPAN="{}"><FONT POINT-SIZE="11"><B>Legend</B></FONT></TD></TR>{rows}</TABLE></TD></TR></TABLE>"##,
        2 * LEGEND_ROW.min(entries.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_dot_needs_quoted() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(attrs(&[("label", "x\ny".into())]), r#" [label="x\ny"]"#);
        assert_eq!(quote("x\u{1b}[31m\u{fffe}"), r#""x\\u{1b}[31m\\u{fffe}""#);
        assert_eq!(html_text("<b>&\"\n\u{1b}"), r#"&lt;b&gt;&amp;&quot;<BR/>\u{1b}"#);
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

//! A small writer for Graphviz DOT text: quoting, attributes, nested clusters. DOT
//! is plain text; writing it directly keeps the output byte-for-byte deterministic.

use std::fmt::Write;

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

/// A cluster tree: clusters nest, and hold node lines.
#[derive(Default)]
pub struct Cluster {
    pub label: String,
    pub style: Vec<(&'static str, String)>,
    pub children: std::collections::BTreeMap<String, Cluster>,
    pub nodes: Vec<String>,
}

impl Cluster {
    /// The child cluster at `key`, created with `label` and `style` if new.
    pub fn child(&mut self, key: &str, label: &str, style: &[(&'static str, &str)]) -> &mut Cluster {
        self.children.entry(key.to_string()).or_insert_with(|| Cluster {
            label: label.to_string(),
            style: style.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            ..Default::default()
        })
    }

    pub fn write(&self, out: &mut String, name: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{name}")));
        let _ = writeln!(out, "{pad}  label={};", quote(&self.label));
        for (k, v) in &self.style {
            let _ = writeln!(out, "{pad}  {k}={};", quote(v));
        }
        self.write_body(out, name, depth + 1);
        let _ = writeln!(out, "{pad}}}");
    }

    pub fn write_body(&self, out: &mut String, name: &str, depth: usize) {
        let pad = "  ".repeat(depth);
        for n in &self.nodes {
            let _ = writeln!(out, "{pad}{n}");
        }
        for (i, (_, c)) in self.children.iter().enumerate() {
            c.write(out, &format!("{name}_{i}"), depth);
        }
    }
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

//! The page budget: a view too large for one page (`--max-nodes`, or `--split`)
//! becomes one diagram per account or project, an account still too large one per
//! VPC or network (what sits outside every network apart), and an overview that
//! draws each part as one node linking to its file, with the edges between parts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::aggregate::{Aggregation, Group};
use super::compose::{outside_node, title, Parts};
use super::picture::{ClusterLook, Edge, EdgeStyle, Look, Node, Picture};
use super::{Diagram, Options, Scene, View, INTERNET};

/// Nodes past which one diagram no longer prints readably on a page: `diagram`
/// says so, and the evidence pack and the report split such a view into parts.
pub const READABLE_NODES: usize = 120;

/// The page budget `diagram` suggests then (bench/README.md: at 60 nodes, every
/// part of a 2,000-asset estate prints on A3).
pub const PAGE_BUDGET: usize = 60;

/// `dir/name.ext` → `dir/name-suffix.ext`: where the part with `suffix` is written.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    if suffix.is_empty() {
        return path.to_path_buf();
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("diagram");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{suffix}.{ext}"),
        None => format!("{stem}-{suffix}"),
    };
    path.with_file_name(name)
}

/// A name safe in a file name: letters, digits, `.`, `_` and `-`.
fn file_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect()
}

/// One part of a view: the key it is grouped by, and its groups.
struct Part<'a, 'g> {
    suffix: String,
    title: String,
    /// The cloud and account containers, for the overview.
    place: Vec<(String, String, ClusterLook)>,
    groups: Vec<&'a Group<'g>>,
}

/// The parts of `groups` by account or project, or by network within one.
fn split_by<'a, 'g>(groups: Vec<&'a Group<'g>>, by_network: bool) -> Vec<Part<'a, 'g>> {
    let mut parts: BTreeMap<String, Part> = BTreeMap::new();
    for g in groups {
        let account = &g.place[..2.min(g.place.len())];
        let account_label = account.last().map(|p| p.1.clone()).unwrap_or_default();
        let scope = g.members[0].account.as_str();
        let network = g.place.iter().find(|(_, _, look)| *look == ClusterLook::Network);
        let (key, suffix, title) = match (by_network, network) {
            (false, _) => (scope.to_string(), file_safe(scope), account_label),
            (true, Some((key, label, _))) => {
                let short = key.rsplit(['/', ':']).next().unwrap_or(key);
                (key.clone(), file_safe(&format!("{scope}-{short}")), format!("{account_label} · {label}"))
            }
            (true, None) => (
                format!("{scope}/~"),
                file_safe(&format!("{scope}-outside-networks")),
                format!("{account_label} · outside any network"),
            ),
        };
        parts
            .entry(key)
            .or_insert_with(|| Part { suffix, title, place: account.to_vec(), groups: Vec::new() })
            .groups
            .push(g);
    }
    parts.into_values().collect()
}

/// The view's diagrams: one when it fits, else an overview and its parts.
pub fn paginate(
    scene: &Scene,
    view: View,
    options: &Options,
    nodes: &Aggregation,
    outsiders: &HashMap<String, String>,
) -> Vec<Diagram> {
    let fits = |groups: usize| options.max_nodes.is_none_or(|max| groups <= max);
    let all: Vec<&Group> = nodes.groups.iter().collect();
    let parts: Vec<Part> = if !options.split && fits(all.len()) {
        vec![Part { suffix: String::new(), title: String::new(), place: Vec::new(), groups: all }]
    } else {
        split_by(all, false)
            .into_iter()
            .flat_map(|p| {
                if fits(p.groups.len()) || options.max_nodes.is_none() {
                    vec![p]
                } else {
                    split_by(p.groups, true)
                }
            })
            .collect()
    };
    let composer = Parts::new(
        scene,
        view,
        nodes,
        outsiders,
        parts.iter().enumerate().flat_map(|(i, p)| p.groups.iter().map(move |g| (g.id.as_str(), i))).collect(),
        parts.iter().map(|p| (p.suffix.clone(), p.title.clone())).collect(),
    );
    let mut diagrams: Vec<Diagram> =
        (0..parts.len()).map(|i| Diagram { suffix: parts[i].suffix.clone(), picture: composer.compose(i) }).collect();
    if parts.len() > 1 || options.split {
        diagrams.insert(0, Diagram { suffix: String::new(), picture: overview(&composer, &parts, options) });
    }
    diagrams
}

/// One node per part, in its cloud and account, linking to the part's file; the
/// internet and outsiders where they reach into a part; edges between parts.
fn overview(composer: &Parts, parts: &[Part], options: &Options) -> Picture {
    let mut picture = Picture::default();
    let mut scopes: BTreeSet<&str> = BTreeSet::new();
    let node_of = |i: usize| format!("part:{}", parts[i].suffix);
    for (i, p) in parts.iter().enumerate() {
        let mut cluster = &mut picture.clusters;
        for (key, label, look) in &p.place {
            cluster = cluster.child(key, label, *look);
        }
        let assets: usize = p.groups.iter().map(|g| g.members.len()).sum();
        let flagged = p.groups.iter().filter(|g| !g.failed.is_empty()).map(|g| g.members.len()).sum::<usize>();
        let name = p.title.rsplit(" · ").next().unwrap_or(&p.title).to_string();
        let mut label = format!("{name}\n{} nodes, {assets} assets", p.groups.len());
        if flagged > 0 {
            label.push_str(&format!("\n{flagged} with findings"));
        }
        let file = options.file_name.as_deref().map(|f| with_suffix(Path::new(f), &p.suffix));
        cluster.nodes.push(Node {
            id: node_of(i),
            label,
            look: Look::Part,
            stands_for: p.groups.iter().flat_map(|g| g.members.iter().map(|m| m.id.to_string())).collect(),
            flagged: flagged > 0,
            double_border: false,
            tooltip: Some(format!("diagram {}", p.suffix)),
            url: file.map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        });
        scopes.extend(p.groups.iter().map(|g| g.members[0].account.as_str()));
    }
    // Edges between parts (and from outside into them), counted by style.
    let mut between: BTreeMap<(String, String, EdgeStyle), usize> = BTreeMap::new();
    for e in &composer.nodes.edges {
        let end = |id: &str| composer.part_of.get(id).map(|&i| node_of(i)).unwrap_or_else(|| id.to_string());
        let (from, to) = (end(&e.from), end(&e.to));
        if from != to {
            *between.entry((from, to, e.style)).or_default() += 1;
        }
    }
    let mut outside: BTreeSet<String> = BTreeSet::new();
    for ((from, to, style), n) in between {
        for id in [&from, &to] {
            if id == INTERNET || composer.outsiders.contains_key(id.as_str()) {
                outside.insert(id.clone());
            }
        }
        let what = match style {
            EdgeStyle::Crossing => "entry point",
            EdgeStyle::Reach | EdgeStyle::Undecided => "path",
            EdgeStyle::Access => "access edge",
            EdgeStyle::Structure => "relation",
        };
        let label = format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        picture.edges.push(Edge { from, to, label, style, detail: String::new() });
    }
    for id in outside {
        let (words, look) = match composer.outsiders.get(&id) {
            Some(words) => (words.as_str(), Look::Outsider),
            None => ("Internet", Look::Internet),
        };
        picture.outside.push(outside_node(&id, words, look, &id));
    }
    picture.title = title(composer.scene, composer.view, &format!("overview of {} diagrams", parts.len()), &scopes);
    picture
}

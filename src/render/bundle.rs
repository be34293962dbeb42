//! Bundles access edges that say the same thing: when several actors have the same
//! access levels to the same set of data stores (or one actor to many), their edges
//! meet at one junction and fan out from it once, instead of every actor drawing a
//! labelled edge to every store.
//! A junction claims exactly what the edges it replaces did: each actor into it has
//! the levels on its in-edge to each store out of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::picture::{Edge, EdgeStyle, Look, Node, Picture};

/// The fewest actors and stores worth a junction: two actors sharing two stores,
/// or one actor with the same access to three (one labelled edge instead of three).
const BUNDLE_AT: usize = 2;
const FAN_OUT_AT: usize = 3;

/// Replaces the picture's access edges by junctions where actors share the same
/// levels to the same stores.
pub fn bundle(picture: &mut Picture) {
    // (from, levels) → the stores it has them on; and each access edge's evidence.
    let mut reach: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut evidence: HashMap<(&str, &str, &str), &str> = HashMap::new();
    for e in picture.edges.iter().filter(|e| e.style == EdgeStyle::Access) {
        reach.entry((e.from.clone(), e.label.clone())).or_default().insert(e.to.clone());
        evidence.insert((&e.from, &e.to, &e.label), &e.detail);
    }
    // The evidence of the bundled edges from `actors` to `stores`, each once.
    let joined = |actors: &[&String], stores: &[&String], levels: &str| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for a in actors {
            for s in stores {
                seen.extend(evidence.get(&(a.as_str(), s.as_str(), levels)).copied().filter(|d| !d.is_empty()));
            }
        }
        seen.into_iter().collect::<Vec<_>>().join("\n")
    };
    // (levels, stores) → the actors that have exactly them.
    let mut shared: BTreeMap<(String, BTreeSet<String>), Vec<String>> = BTreeMap::new();
    for ((from, levels), stores) in reach {
        if stores.len() >= BUNDLE_AT {
            shared.entry((levels, stores)).or_default().push(from);
        }
    }
    let mut bundled: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut added = Vec::new();
    for (i, ((levels, stores), actors)) in shared
        .into_iter()
        .filter(|((_, stores), actors)| actors.len() >= BUNDLE_AT || stores.len() >= FAN_OUT_AT)
        .enumerate()
    {
        let junction = format!("bundle:{i}");
        let (actor_list, store_list): (Vec<&String>, Vec<&String>) = (actors.iter().collect(), stores.iter().collect());
        // Drawn in the innermost container that holds all its stores, beside them.
        let paths: Vec<Vec<String>> = stores.iter().filter_map(|s| picture.clusters.path_of(s)).collect();
        let mut common: Vec<String> = paths.first().cloned().unwrap_or_default();
        for p in &paths {
            let same = common.iter().zip(p).take_while(|(a, b)| a == b).count();
            common.truncate(same);
        }
        if paths.len() < stores.len() {
            common.clear();
        }
        let home = match picture.clusters.at_mut(&common) {
            Some(c) if !common.is_empty() => &mut c.nodes,
            _ => &mut picture.outside,
        };
        home.push(Node {
            id: junction.clone(),
            label: String::new(),
            look: Look::Junction,
            stands_for: Vec::new(),
            flagged: false,
            double_border: false,
            tooltip: Some(format!("{} actors have {levels} access to {} data stores", actors.len(), stores.len())),
            url: None,
        });
        for a in &actors {
            for s in &stores {
                bundled.insert((a.clone(), s.clone(), levels.clone()));
            }
        }
        for a in &actors {
            added.push(Edge {
                from: a.clone(),
                to: junction.clone(),
                label: levels.clone(),
                style: EdgeStyle::Access,
                detail: joined(&[a], &store_list, &levels),
            });
        }
        for s in &stores {
            added.push(Edge {
                from: junction.clone(),
                to: s.clone(),
                label: String::new(),
                style: EdgeStyle::Access,
                detail: joined(&actor_list, &[s], &levels),
            });
        }
    }
    picture.edges.retain(|e| {
        !(e.style == EdgeStyle::Access && bundled.contains(&(e.from.clone(), e.to.clone(), e.label.clone())))
    });
    picture.edges.extend(added);
    picture.edges.sort();
}

//! A legend of exactly what one picture uses: the node looks, the marks on nodes
//! (findings, aggregation, double borders), the container fills and the edge
//! styles, each once; relations by the labels drawn.

use std::collections::BTreeSet;

use super::picture::{ClusterLook, EdgeStyle, Look, Picture};

/// What a picture's legend lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Legend {
    pub looks: BTreeSet<Look>,
    /// Some node stands for several alike assets.
    pub aggregated: bool,
    /// Some node has failed findings.
    pub flagged: bool,
    /// Some data store is drawn with a double border (reached from the internet).
    pub exposed_store: bool,
    pub containers: BTreeSet<ClusterLook>,
    /// Edge styles, with the relation labels used for `Structure`.
    pub edges: BTreeSet<(EdgeStyle, String)>,
}

impl Legend {
    pub fn of(picture: &Picture) -> Legend {
        let mut legend = Legend::default();
        for n in picture.nodes() {
            legend.looks.insert(n.look);
            legend.aggregated |= n.stands_for.len() > 1 && n.look != Look::Part;
            legend.flagged |= n.flagged;
            legend.exposed_store |= n.double_border && n.look == Look::DataStore;
        }
        picture.clusters.each(&mut |c| legend.containers.extend(c.look));
        for e in &picture.edges {
            let meaning = match e.style {
                EdgeStyle::Structure => e.label.clone(),
                style => style.meaning().to_string(),
            };
            legend.edges.insert((e.style, meaning));
        }
        legend
    }

    pub fn is_empty(&self) -> bool {
        *self == Legend::default()
    }
}

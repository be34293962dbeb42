//! Drift between two snapshots: assets and relations added, removed and changed,
//! with each changed field's old and new value (compared as `Asset::changed_fields`
//! compares them, as the loader does for conflicts) and, for people, the facts that
//! went and came (`describe`).

use std::collections::BTreeMap;

use auditgraph_model::asset::FieldChange;
use auditgraph_model::{Asset, AssetId, Relation};
use serde::Serialize;

use crate::snapshot::Snapshot;

#[derive(Clone, Debug, Serialize)]
pub struct AssetSummary {
    pub id: AssetId,
    pub kind: String,
    pub name: String,
}

impl From<&Asset> for AssetSummary {
    fn from(a: &Asset) -> Self {
        AssetSummary { id: a.id.clone(), kind: a.kind().to_string(), name: a.name.clone() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangedAsset {
    pub id: AssetId,
    pub kind: String,
    pub name: String,
    pub changes: Vec<FieldChange>,
    /// The same change as a person reads it (`crate::describe`): `-` a fact that went, `+` one that came.
    pub lines: Vec<String>,
}

/// What changed between two snapshots.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotDiff {
    pub old_scanned_at: String,
    pub new_scanned_at: String,
    pub assets_added: Vec<AssetSummary>,
    pub assets_removed: Vec<AssetSummary>,
    pub assets_changed: Vec<ChangedAsset>,
    pub relations_added: Vec<Relation>,
    pub relations_removed: Vec<Relation>,
}

impl SnapshotDiff {
    pub fn between(old: &Snapshot, new: &Snapshot) -> Self {
        let before: BTreeMap<&AssetId, &Asset> = old.assets.iter().map(|a| (&a.id, a)).collect();
        let after: BTreeMap<&AssetId, &Asset> = new.assets.iter().map(|a| (&a.id, a)).collect();
        let assets_added = after.iter().filter(|(id, _)| !before.contains_key(*id)).map(|(_, a)| (*a).into()).collect();
        let assets_removed =
            before.iter().filter(|(id, _)| !after.contains_key(*id)).map(|(_, a)| (*a).into()).collect();
        let assets_changed = after
            .iter()
            .filter_map(|(id, a)| {
                let b = before.get(id)?;
                let changes = b.changed_fields(a);
                (!changes.is_empty()).then(|| ChangedAsset {
                    id: (*id).clone(),
                    kind: a.kind().to_string(),
                    name: a.name.clone(),
                    lines: crate::describe::changes(b, a),
                    changes,
                })
            })
            .collect();
        // Every relation, the implied ones included: a moved instance shows as a relation too.
        let (old_relations, new_relations) = (old.graph().relations(), new.graph().relations());
        let old_rel: std::collections::BTreeSet<&Relation> = old_relations.iter().collect();
        let new_rel: std::collections::BTreeSet<&Relation> = new_relations.iter().collect();
        SnapshotDiff {
            old_scanned_at: old.scan.scanned_at.to_rfc3339(),
            new_scanned_at: new.scan.scanned_at.to_rfc3339(),
            assets_added,
            assets_removed,
            assets_changed,
            relations_added: new_rel.difference(&old_rel).map(|r| (*r).clone()).collect(),
            relations_removed: old_rel.difference(&new_rel).map(|r| (*r).clone()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.assets_added.is_empty()
            && self.assets_removed.is_empty()
            && self.assets_changed.is_empty()
            && self.relations_added.is_empty()
            && self.relations_removed.is_empty()
    }

    /// The diff as lines a person reads: `+` added, `-` removed, `~` changed.
    pub fn to_text(&self) -> String {
        let mut out = format!("drift from {} to {}\n", self.old_scanned_at, self.new_scanned_at);
        if self.is_empty() {
            out.push_str("no changes\n");
            return out;
        }
        for a in &self.assets_added {
            out.push_str(&format!("+ {} {} ({})\n", a.kind, a.id, a.name));
        }
        for a in &self.assets_removed {
            out.push_str(&format!("- {} {} ({})\n", a.kind, a.id, a.name));
        }
        for c in &self.assets_changed {
            out.push_str(&format!("~ {} {} ({})\n", c.kind, c.id, c.name));
            for line in &c.lines {
                out.push_str(&format!("    {line}\n"));
            }
        }
        for r in &self.relations_added {
            out.push_str(&format!("+ {} --{}--> {}\n", r.from, r.kind, r.to));
        }
        for r in &self.relations_removed {
            out.push_str(&format!("- {} --{}--> {}\n", r.from, r.kind, r.to));
        }
        out.push_str(&format!(
            "{} assets added, {} removed, {} changed; {} relations added, {} removed\n",
            self.assets_added.len(),
            self.assets_removed.len(),
            self.assets_changed.len(),
            self.relations_added.len(),
            self.relations_removed.len()
        ));
        out
    }
}

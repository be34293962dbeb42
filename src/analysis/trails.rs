//! Whether each AWS account's API activity is recorded in every region: by a
//! multi-region CloudTrail trail that is logging, the account's own or its
//! organisation's (an organisation trail lives in the management account and
//! records every member). An account for which no such trail was found, while a
//! trail listing or status could not be read, is undecided, never "no trail".

use auditgraph_model::{Asset, AssetId, AssetKind, Attributes, Cloud, CoverageStatus};
use rustc_hash::FxHashMap;

use crate::graph::AssetGraph;

/// One account's trails as the fact sees them.
#[derive(Clone, Debug)]
pub struct AccountTrails {
    /// Whether a multi-region logging trail records the account; an error says
    /// what could not be read when none was found.
    pub recorded: Result<bool, String>,
    /// Each trail that applies to the account, with whether it counts and why.
    pub seen: Vec<String>,
}

/// The trails of every AWS account of the graph, by the account's asset.
pub fn derive(graph: &AssetGraph) -> FxHashMap<AssetId, AccountTrails> {
    let trails = graph.assets_of(&[AssetKind::AwsCloudTrail]);
    graph
        .assets_of(&[AssetKind::AwsAccount])
        .into_iter()
        .filter_map(|account| {
            let Attributes::AwsAccount(a) = &account.attributes else { return None };
            let management = a.organization.as_ref().map(|o| o.management_account.as_str());
            let applies = |t: &&&Asset| {
                t.account == account.account
                    || matches!(&t.attributes, Attributes::AwsCloudTrail(c)
                        if c.organization_trail && Some(t.account.as_str()) == management)
            };
            let mut recorded = false;
            let mut status_unread = Vec::new();
            let mut seen = Vec::new();
            for trail in trails.iter().filter(applies) {
                let Attributes::AwsCloudTrail(t) = &trail.attributes else { continue };
                let scope = if t.organization_trail { "organisation trail" } else { "trail" };
                let verdict = match (t.multi_region, t.logging) {
                    (true, Some(true)) => {
                        recorded = true;
                        "multi-region, logging"
                    }
                    (false, _) => "home region only",
                    (true, Some(false)) => "multi-region, stopped",
                    (true, None) => {
                        status_unread.push(trail.name.clone());
                        "multi-region, status not read"
                    }
                };
                seen.push(format!("{scope} {} ({verdict})", trail.name));
            }
            let gaps: Vec<String> = graph
                .sources
                .iter()
                .filter(|s| s.cloud == Cloud::Aws && s.scope == account.account)
                .flat_map(|s| s.gaps())
                .filter(|g| g.service == "cloudtrail" && g.status != CoverageStatus::RegionDisabled)
                .map(|g| format!("cloudtrail:{} in {}", g.api, g.region.as_deref().unwrap_or("every region")))
                .collect();
            let recorded = if recorded {
                Ok(true)
            } else if !status_unread.is_empty() {
                Err(format!("not collected: the logging status of {}", status_unread.join(", ")))
            } else if !gaps.is_empty() {
                Err(format!("not collected: {}", gaps.join(", ")))
            } else {
                Ok(false)
            };
            if seen.is_empty() {
                seen.push("no trail".to_string());
            }
            Some((account.id.clone(), AccountTrails { recorded, seen }))
        })
        .collect()
}

//! Whether each AWS account's API activity is recorded in every region: by a
//! multi-region CloudTrail trail that is logging, the account's own or its
//! organisation's (an organisation trail lives in the management account and
//! records every member); and whether such a trail also records S3 object reads and
//! writes in every bucket. An account for which no such trail was found, while a
//! trail listing, status or selectors could not be read, is undecided, never "no
//! trail".

use auditgraph_model::aws::CloudTrail;
use auditgraph_model::{Asset, AssetId, AssetKind, Attributes, Cloud, CoverageStatus};
use rustc_hash::FxHashMap;

use crate::graph::AssetGraph;

/// One account's trails as the fact sees them.
#[derive(Clone, Debug)]
pub struct AccountTrails {
    /// Whether a multi-region logging trail records the account; an error says
    /// what could not be read when none was found.
    pub recorded: Result<bool, String>,
    /// Whether such a trail records S3 object-level reads of every bucket.
    pub s3_object_reads: Result<bool, String>,
    /// Whether such a trail records S3 object-level writes of every bucket.
    pub s3_object_writes: Result<bool, String>,
    /// Each trail that applies to the account, with whether it counts and why.
    pub seen: Vec<String>,
}

/// A CloudTrail call that could not be read for the account: (API, as worded).
type Gap = (String, String);

/// Whether one of `trails` that records the account in every region also has the
/// property `has` (`None`: not read): decided when one does, or when every trail
/// that might was read and none does and none of the calls `needed` failed.
fn recorded_with(
    trails: &[(&Asset, &CloudTrail)],
    gaps: &[Gap],
    needed: &[&str],
    what: &str,
    has: impl Fn(&CloudTrail) -> Option<bool>,
) -> Result<bool, String> {
    let gaps: Vec<&str> =
        gaps.iter().filter(|(api, _)| needed.contains(&api.as_str())).map(|(_, text)| text.as_str()).collect();
    let recording = |t: &CloudTrail| if t.multi_region { t.logging } else { Some(false) };
    if trails.iter().any(|(_, t)| recording(t) == Some(true) && has(t) == Some(true)) {
        return Ok(true);
    }
    let unread: Vec<&str> = trails
        .iter()
        .filter(|(_, t)| recording(t).is_none() || (recording(t) == Some(true) && has(t).is_none()))
        .map(|(trail, _)| trail.name.as_str())
        .collect();
    if !unread.is_empty() {
        Err(format!("not collected: {what} of {}", unread.join(", ")))
    } else if !gaps.is_empty() {
        Err(format!("not collected: {}", gaps.join(", ")))
    } else {
        Ok(false)
    }
}

/// Per trail: whether the bucket it delivers to has S3 Object Lock on, so that its
/// log files cannot be deleted or overwritten, with the bucket named; undecided when
/// the bucket is outside the scanned estate or its setting was not read.
pub fn bucket_object_lock(graph: &AssetGraph) -> FxHashMap<AssetId, Result<(bool, String), String>> {
    graph
        .assets_of(&[AssetKind::AwsCloudTrail])
        .into_iter()
        .filter_map(|trail| {
            let Attributes::AwsCloudTrail(t) = &trail.attributes else { return None };
            let bucket = t.s3_bucket.as_ref()?;
            let locked = match graph.asset(bucket).map(|b| &b.attributes) {
                Some(Attributes::AwsS3Bucket(b)) => match b.object_lock {
                    Some(on) => Ok((
                        on,
                        format!("delivers to bucket {} (object lock {})", bucket, if on { "on" } else { "off" }),
                    )),
                    None => Err(format!("not collected: the object lock setting of bucket {bucket}")),
                },
                _ => Err(format!("not collected: bucket {bucket} is not in the scanned estate")),
            };
            Some((trail.id.clone(), locked))
        })
        .collect()
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
            let applying: Vec<(&Asset, &CloudTrail)> = trails
                .iter()
                .filter(applies)
                .filter_map(|t| match &t.attributes {
                    Attributes::AwsCloudTrail(c) => Some((*t, c)),
                    _ => None,
                })
                .collect();
            let mut seen: Vec<String> = applying
                .iter()
                .map(|(trail, t)| {
                    let scope = if t.organization_trail { "organisation trail" } else { "trail" };
                    let verdict = match (t.multi_region, t.logging) {
                        (true, Some(true)) => "multi-region, logging",
                        (false, _) => "home region only",
                        (true, Some(false)) => "multi-region, stopped",
                        (true, None) => "multi-region, status not read",
                    };
                    let objects = match (t.s3_object_reads_logged, t.s3_object_writes_logged) {
                        (Some(true), Some(true)) => "; S3 object reads and writes",
                        (Some(true), _) => "; S3 object reads",
                        (_, Some(true)) => "; S3 object writes",
                        _ => "",
                    };
                    format!("{scope} {} ({verdict}{objects})", trail.name)
                })
                .collect();
            let gaps: Vec<Gap> = graph
                .sources
                .iter()
                .filter(|s| s.cloud == Cloud::Aws && s.scope == account.account)
                .flat_map(|s| s.gaps())
                .filter(|g| g.service == "cloudtrail" && g.status != CoverageStatus::RegionDisabled)
                .map(|g| {
                    let text = format!("cloudtrail:{} in {}", g.api, g.region.as_deref().unwrap_or("every region"));
                    (g.api.clone(), text)
                })
                .collect();
            let trail_calls = ["DescribeTrails", "GetTrailStatus"];
            let selector_calls = ["DescribeTrails", "GetTrailStatus", "GetEventSelectors"];
            let recorded = recorded_with(&applying, &gaps, &trail_calls, "the logging status", |_| Some(true));
            let s3_object_reads =
                recorded_with(&applying, &gaps, &selector_calls, "the event selectors", |t| t.s3_object_reads_logged);
            let s3_object_writes =
                recorded_with(&applying, &gaps, &selector_calls, "the event selectors", |t| t.s3_object_writes_logged);
            if seen.is_empty() {
                seen.push("no trail".to_string());
            }
            Some((account.id.clone(), AccountTrails { recorded, s3_object_reads, s3_object_writes, seen }))
        })
        .collect()
}

//! Frameworks as data: each file of `frameworks/` lists one framework's requirements
//! (SOC 2's criteria, a CIS benchmark's recommendations) and the controls that verify
//! each. SOC 2's file is where a control's criteria come from.

use std::path::{Path, PathBuf};

use auditgraph_model::Cloud;
use serde::Deserialize;
use toml::Spanned;

use crate::data_file::{self, FileError};
use crate::findings::ControlResult;

/// A framework file that cannot be used: where, and why.
pub type FrameworkError = FileError;

/// The framework every control maps to, and whose criteria findings carry.
pub const SOC2: &str = "soc2";

#[derive(Clone, Debug)]
pub struct Framework {
    pub id: String,
    pub title: String,
    pub source: String,
    /// The one cloud a benchmark is about: its verdicts count only that cloud's
    /// assets, even for a control that judges every cloud (`None`: every cloud).
    pub cloud: Option<Cloud>,
    pub requirements: Vec<Requirement>,
    pub file: PathBuf,
    /// SHA-256 of the file as read (hex).
    pub digest: String,
}

#[derive(Clone, Debug)]
pub struct Requirement {
    pub id: String,
    /// A few words for tables (the full text is `title`).
    pub short: Option<String>,
    pub title: String,
    /// The controls that verify it; none: it is verified by hand.
    pub controls: Vec<String>,
}

impl Framework {
    /// How each requirement stands on these results: the verdict of its controls,
    /// over the framework's cloud.
    pub fn coverage<'a>(&'a self, results: &[ControlResult]) -> Vec<RequirementResult<'a>> {
        self.requirements
            .iter()
            .map(|requirement| {
                let controls: Vec<ControlResult> = results
                    .iter()
                    .filter(|c| requirement.controls.contains(&c.control))
                    .map(|c| self.cloud.map_or_else(|| c.clone(), |cloud| c.in_cloud(cloud)))
                    .collect();
                let sum = |f: fn(&ControlResult) -> usize| controls.iter().map(f).sum::<usize>();
                let verdict = if requirement.controls.is_empty() {
                    Verdict::Manual
                } else if sum(|c| c.failed) > 0 {
                    Verdict::Fail
                } else if sum(|c| c.unknown) > 0 {
                    Verdict::Unknown
                } else if sum(|c| c.evaluated) == 0 {
                    // No asset to judge is no evidence that it holds.
                    Verdict::NothingEvaluated
                } else {
                    Verdict::Pass
                };
                RequirementResult { requirement, controls, verdict }
            })
            .collect()
    }

    /// The requirements that name `control`, in the framework's order.
    pub fn requirements_of<'a>(&'a self, control: &'a str) -> impl Iterator<Item = &'a Requirement> + 'a {
        self.requirements.iter().filter(move |r| r.controls.iter().any(|c| c == control))
    }
}

/// A requirement's standing in one scan.
pub struct RequirementResult<'a> {
    pub requirement: &'a Requirement,
    /// Its controls' results, over the framework's cloud.
    pub controls: Vec<ControlResult>,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every control passed on every asset it evaluated.
    Pass,
    Fail,
    /// No failure, but some check could not be decided.
    Unknown,
    /// Its controls found nothing to evaluate.
    NothingEvaluated,
    /// No control verifies it: it is verified by hand.
    Manual,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
            Verdict::NothingEvaluated => "nothing evaluated",
            Verdict::Manual => "manual",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    id: String,
    title: String,
    source: String,
    #[serde(default)]
    cloud: Option<Cloud>,
    requirement: Vec<RequirementFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementFile {
    id: Spanned<String>,
    #[serde(default)]
    short: Option<String>,
    title: String,
    controls: Vec<Spanned<String>>,
}

/// Where the frameworks are: `frameworks/` beside the controls folder.
pub fn dir_beside(queries: &Path) -> PathBuf {
    queries.parent().unwrap_or(Path::new(".")).join("frameworks")
}

/// The framework with this id among those in `dir`.
pub fn named(dir: &Path, id: &str) -> anyhow::Result<Framework> {
    let mut all = load_dir(dir, None)?;
    match all.iter().position(|f| f.id == id) {
        Some(i) => Ok(all.swap_remove(i)),
        None => {
            let ids: Vec<&str> = all.iter().map(|f| f.id.as_str()).collect();
            anyhow::bail!("no framework `{id}` in {} (there: {})", dir.display(), ids.join(", "))
        }
    }
}

/// Every `*.toml` framework in `dir`, in file-name order, each requirement's
/// controls checked against `known` (the ids of the loaded controls) if given.
pub fn load_dir(dir: &Path, known: Option<&[&str]>) -> Result<Vec<Framework>, FrameworkError> {
    let fail = |message: String| FrameworkError { file: dir.to_path_buf(), line: 0, message };
    let mut frameworks: Vec<Framework> = Vec::new();
    for (file, text) in data_file::toml_files(dir, "frameworks")? {
        let framework = parse(&file, &text, known)?;
        if frameworks.iter().any(|f| f.id == framework.id) {
            return Err(FrameworkError {
                file,
                line: 1,
                message: format!("duplicate framework id `{}`", framework.id),
            });
        }
        frameworks.push(framework);
    }
    if !frameworks.iter().any(|f| f.id == SOC2) {
        return Err(fail(format!("no framework with id `{SOC2}`: the controls' SOC 2 criteria are mapped there")));
    }
    Ok(frameworks)
}

fn parse(file: &Path, text: &str, known: Option<&[&str]>) -> Result<Framework, FrameworkError> {
    let err = |offset: usize, message: String| FrameworkError {
        file: file.to_path_buf(),
        line: data_file::line_of(text, offset),
        message,
    };
    let raw: FrameworkFile =
        toml::from_str(text).map_err(|e| err(e.span().map_or(0, |s| s.start), e.message().to_string()))?;
    let mut requirements: Vec<Requirement> = Vec::new();
    for r in raw.requirement {
        if requirements.iter().any(|seen| seen.id == *r.id.get_ref()) {
            return Err(err(r.id.span().start, format!("duplicate requirement id `{}`", r.id.get_ref())));
        }
        for c in &r.controls {
            if known.is_some_and(|known| !known.contains(&c.get_ref().as_str())) {
                return Err(err(
                    c.span().start,
                    format!(
                        "requirement {} names control `{}`, which no control file defines",
                        r.id.get_ref(),
                        c.get_ref()
                    ),
                ));
            }
        }
        requirements.push(Requirement {
            id: r.id.into_inner(),
            short: r.short,
            title: r.title,
            controls: r.controls.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    Ok(Framework {
        id: raw.id,
        title: raw.title,
        source: raw.source,
        cloud: raw.cloud,
        requirements,
        file: file.to_path_buf(),
        digest: crate::digest::sha256_hex(text.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Outcome, Severity};

    fn result(control: &str, evaluated: usize, failed: usize, unknown: usize) -> ControlResult {
        ControlResult {
            control: control.into(),
            title: String::new(),
            severity: Severity::Low,
            criteria: Vec::new(),
            description: String::new(),
            remediation: String::new(),
            evaluated,
            passed: evaluated - failed - unknown,
            failed,
            unknown,
            accepted: 0,
            by_cloud: Default::default(),
        }
    }

    fn framework(cloud: Option<Cloud>, requirements: Vec<Requirement>) -> Framework {
        Framework {
            id: "f".into(),
            title: "F".into(),
            source: String::new(),
            cloud,
            requirements,
            file: PathBuf::new(),
            digest: String::new(),
        }
    }

    fn requirement(id: &str, controls: &[&str]) -> Requirement {
        Requirement {
            id: id.into(),
            short: None,
            title: id.into(),
            controls: controls.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_requirement_passes_only_on_evidence_that_it_holds() {
        let framework = framework(
            None,
            vec![
                requirement("held", &["a"]),
                requirement("failed", &["a", "b"]),
                requirement("undecided", &["a", "c"]),
                requirement("nothing", &["d"]),
                requirement("absent", &["not-run"]),
                requirement("by-hand", &[]),
            ],
        );
        let results = [result("a", 3, 0, 0), result("b", 2, 1, 0), result("c", 2, 0, 1), result("d", 0, 0, 0)];
        let verdicts: Vec<(&str, Verdict)> =
            framework.coverage(&results).iter().map(|r| (r.requirement.id.as_str(), r.verdict)).collect();
        assert_eq!(
            verdicts,
            [
                ("held", Verdict::Pass),
                ("failed", Verdict::Fail),
                ("undecided", Verdict::Unknown),
                ("nothing", Verdict::NothingEvaluated),
                ("absent", Verdict::NothingEvaluated),
                ("by-hand", Verdict::Manual),
            ]
        );
    }

    /// A control that judges both clouds: its AWS failure is no GCP benchmark's
    /// failure, and GCP assets it never saw are no GCP pass.
    #[test]
    fn a_framework_of_one_cloud_counts_only_that_clouds_assets() {
        let mut both = result("keys", 0, 0, 0);
        for _ in 0..3 {
            both.count_evaluated(Cloud::Aws, true);
        }
        both.count_outcome(Cloud::Aws, Outcome::Fail);
        both.count_evaluated(Cloud::Gcp, true);
        both.settle_passed();
        let mut aws_only = result("buckets", 0, 0, 0);
        aws_only.count_evaluated(Cloud::Aws, true);
        aws_only.settle_passed();
        let results = [both, aws_only];
        let verdicts = |cloud| {
            let f = framework(cloud, vec![requirement("keys", &["keys"]), requirement("buckets", &["buckets"])]);
            f.coverage(&results).iter().map(|r| r.verdict).collect::<Vec<_>>()
        };
        assert_eq!(verdicts(None), [Verdict::Fail, Verdict::Pass]);
        assert_eq!(verdicts(Some(Cloud::Aws)), [Verdict::Fail, Verdict::Pass]);
        assert_eq!(verdicts(Some(Cloud::Gcp)), [Verdict::Pass, Verdict::NothingEvaluated]);
        let gcp = framework(Some(Cloud::Gcp), vec![requirement("keys", &["keys"])]);
        let keys = &gcp.coverage(&results)[0].controls[0];
        assert_eq!((keys.evaluated, keys.passed, keys.failed), (1, 1, 0));
    }
}

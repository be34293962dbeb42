//! Exceptions as data: risks an organisation has accepted, each naming a control,
//! the assets it covers, why, who approved it and when it expires
//! (`exceptions.toml`). A failure an active exception covers is `accepted`, never a
//! pass; once the exception expires it is a failure again.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use auditgraph_model::{Asset, AssetKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::findings::{ControlResult, Evidence, Finding, Outcome};
use crate::selector::Selector;

/// Where exceptions are read from unless `--exceptions` names a file: the working directory.
pub const DEFAULT_FILE: &str = "exceptions.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    #[serde(default)]
    exception: Vec<ExceptionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionEntry {
    control: String,
    asset: String,
    reason: String,
    approved_by: String,
    expires: String,
}

/// One accepted risk.
#[derive(Clone, Debug)]
pub struct Exception {
    pub control: String,
    /// The selector as written (`name:legacy-*`), and parsed.
    pub asset_text: String,
    pub asset: Selector,
    pub reason: String,
    pub approved_by: String,
    /// The last day (UTC) the exception holds.
    pub expires: NaiveDate,
}

impl Exception {
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        at.date_naive() <= self.expires
    }
}

/// The exceptions of one file (none when there is no file).
#[derive(Clone, Debug, Default)]
pub struct Exceptions {
    pub file: Option<PathBuf>,
    pub list: Vec<Exception>,
}

/// What became of one exception in one scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ExceptionState {
    /// Active: the failures it accepted.
    Active { accepted: usize },
    /// Past its expiry date: the failures it named count as failures again.
    Expired { failures: usize },
    /// It names a control that is not loaded.
    NoSuchControl,
    /// Its selector matches no asset the control evaluated.
    MatchesNothing,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExceptionStatus {
    pub control: String,
    pub asset: String,
    pub expires: String,
    #[serde(flatten)]
    pub state: ExceptionState,
}

impl ExceptionStatus {
    /// One line for the terminal; `None` for an exception in order (active, used).
    pub fn problem(&self) -> Option<String> {
        let what = format!("exception for {} on {}", self.control, self.asset);
        match &self.state {
            ExceptionState::Active { .. } => None,
            ExceptionState::Expired { failures } => {
                Some(format!("{what} expired on {}: {failures} failure(s) it covered count again", self.expires))
            }
            ExceptionState::NoSuchControl => Some(format!("{what}: no control `{}` is loaded", self.control)),
            ExceptionState::MatchesNothing => {
                Some(format!("{what}: `{}` matches no asset the control evaluates", self.asset))
            }
        }
    }
}

impl Exceptions {
    /// The file given, else `exceptions.toml` here if there is one, else none.
    pub fn load(given: Option<&Path>) -> Result<Exceptions> {
        let path = match given {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Exceptions::default()),
        };
        crate::atomic_file::note_input(&path);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading exceptions {}", path.display()))?;
        let list = Exceptions::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        Ok(Exceptions { file: Some(path), list })
    }

    pub fn parse(text: &str) -> Result<Vec<Exception>> {
        let file: ExceptionsFile = toml::from_str(text).map_err(|e| anyhow!("{}", e.message()))?;
        file.exception
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let at = format!("exception {} ({} on {})", i + 1, e.control, e.asset);
                let asset = e.asset.parse::<Selector>().map_err(|m| anyhow!("{at}: {m}"))?;
                let expires = NaiveDate::parse_from_str(&e.expires, "%Y-%m-%d")
                    .map_err(|_| anyhow!("{at}: expires `{}` is not a date (YYYY-MM-DD)", e.expires))?;
                for (field, value) in [("reason", &e.reason), ("approved_by", &e.approved_by)] {
                    if value.trim().is_empty() {
                        bail!("{at}: `{field}` is empty: an exception says why and who approved it");
                    }
                }
                Ok(Exception {
                    control: e.control,
                    asset_text: e.asset,
                    asset,
                    reason: e.reason,
                    approved_by: e.approved_by,
                    expires,
                })
            })
            .collect()
    }

    /// Turns each failure an exception active `at` covers into `accepted` (with the
    /// exception as its first evidence) and moves it from the control's failed count
    /// to its accepted count. `evaluated` says which assets each control evaluated.
    pub fn apply<'a>(
        &self,
        findings: &mut [Finding],
        results: &mut [ControlResult],
        asset: impl Fn(&Finding) -> Option<&'a Asset>,
        evaluated: impl Fn(&str, &Selector) -> bool,
        at: DateTime<Utc>,
    ) -> Vec<ExceptionStatus> {
        let mut states: Vec<ExceptionState> = self
            .list
            .iter()
            .map(|e| {
                if !results.iter().any(|r| r.control == e.control) {
                    ExceptionState::NoSuchControl
                } else if !evaluated(&e.control, &e.asset) {
                    ExceptionState::MatchesNothing
                } else if e.is_active(at) {
                    ExceptionState::Active { accepted: 0 }
                } else {
                    ExceptionState::Expired { failures: 0 }
                }
            })
            .collect();
        for f in findings.iter_mut().filter(|f| f.outcome == Outcome::Fail) {
            let Some(a) = asset(f) else { continue };
            let covering = self.list.iter().enumerate().filter(|(_, e)| e.control == f.control && e.asset.matches(a));
            let mut accepted_by = None;
            for (i, e) in covering {
                match &mut states[i] {
                    ExceptionState::Active { accepted } => {
                        *accepted += 1;
                        accepted_by.get_or_insert(e);
                    }
                    ExceptionState::Expired { failures } => *failures += 1,
                    _ => {}
                }
            }
            if let Some(e) = accepted_by {
                f.outcome = Outcome::Accepted;
                let note = format!(
                    "accepted by exception: {} (approved by {}, expires {})",
                    e.reason, e.approved_by, e.expires
                );
                f.evidence.insert(0, Evidence::note(note));
                if let Some(r) = results.iter_mut().find(|r| r.control == f.control) {
                    r.accept_failure(AssetKind::from_name(&f.asset_kind).map(|k| k.cloud()));
                }
            }
        }
        self.list
            .iter()
            .zip(states)
            .map(|(e, state)| ExceptionStatus {
                control: e.control.clone(),
                asset: e.asset_text.clone(),
                expires: e.expires.to_string(),
                state,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_exception_names_itself() {
        let err = Exceptions::parse(
            "[[exception]]\ncontrol = \"c\"\nasset = \"name:x\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"soon\"\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "exception 1 (c on name:x): expires `soon` is not a date (YYYY-MM-DD)");
        let err = Exceptions::parse(
            "[[exception]]\ncontrol = \"c\"\nasset = \"name:x\"\nreason = \" \"\napproved_by = \"a\"\nexpires = \"2027-01-01\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`reason` is empty"), "{err}");
        assert!(Exceptions::parse("[[exception]]\ncontrol = \"c\"\n").is_err());
    }

    #[test]
    fn an_exception_holds_through_its_last_day() {
        let e = &Exceptions::parse(
            "[[exception]]\ncontrol = \"c\"\nasset = \"name:x\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"2027-01-31\"\n",
        )
        .unwrap()[0];
        assert!(e.is_active("2027-01-31T23:59:59Z".parse().unwrap()));
        assert!(!e.is_active("2027-02-01T00:00:00Z".parse().unwrap()));
    }
}

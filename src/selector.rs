//! Selectors name sets of assets on the command line: `id:ARN`, `kind:aws_rds_instance`,
//! `class:data_store`, `tag:data=customer`, `name:prod-*`, `account:111111111111`,
//! and `internet` for the synthetic internet node.

use std::str::FromStr;

use auditgraph_model::{Asset, AssetClass, AssetKind};

#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    Internet,
    Id(String),
    Kind(AssetKind),
    Class(AssetClass),
    Tag { key: String, value: Option<String> },
    Name(String),
    Account(String),
}

impl FromStr for Selector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "internet" {
            return Ok(Selector::Internet);
        }
        let (how, what) = s.split_once(':').ok_or_else(|| {
            format!("selector `{s}`: expected internet, id:ARN, kind:KIND, class:CLASS, tag:KEY=VALUE, name:GLOB or account:ID")
        })?;
        Ok(match how {
            "id" => Selector::Id(what.to_string()),
            "kind" => Selector::Kind(
                AssetKind::from_name(what).ok_or_else(|| format!("selector `{s}`: unknown kind `{what}`"))?,
            ),
            "class" => Selector::Class(AssetClass::from_name(what).ok_or_else(|| {
                let names: Vec<&str> = AssetClass::ALL.iter().map(|c| c.as_str()).collect();
                format!("selector `{s}`: unknown class `{what}` (known: {})", names.join(", "))
            })?),
            "tag" => match what.split_once('=') {
                Some((k, v)) => Selector::Tag { key: k.to_string(), value: Some(v.to_string()) },
                None => Selector::Tag { key: what.to_string(), value: None },
            },
            "name" => Selector::Name(what.to_string()),
            "account" => Selector::Account(what.to_string()),
            _ => return Err(format!("selector `{s}`: unknown selector type `{how}`")),
        })
    }
}

impl Selector {
    pub fn matches(&self, a: &Asset) -> bool {
        match self {
            Selector::Internet => false,
            Selector::Id(id) => a.id.as_str() == id,
            Selector::Kind(k) => a.kind() == *k,
            Selector::Class(c) => a.class() == *c,
            Selector::Tag { key, value } => {
                a.tags.get(key).is_some_and(|v| value.as_ref().is_none_or(|want| want == v))
            }
            Selector::Name(glob) => glob_match(glob, &a.name),
            Selector::Account(acc) => &a.account == acc,
        }
    }
}

impl Selector {
    /// Whether an asset with this id, kind and name matches, where those alone
    /// decide it; `None` when the answer needs the rest of the asset (tags, account).
    pub fn matches_columns(&self, id: &str, kind: &str, name: &str) -> Option<bool> {
        match self {
            Selector::Internet => Some(false),
            Selector::Id(want) => Some(id == want),
            Selector::Kind(k) => Some(k.as_str() == kind),
            // A kind this auditgraph does not know is in no class it knows.
            Selector::Class(c) => Some(AssetKind::from_name(kind).is_some_and(|k| k.class() == *c)),
            Selector::Name(glob) => Some(glob_match(glob, name)),
            Selector::Tag { .. } | Selector::Account(_) => None,
        }
    }

    /// Whether matching needs more of an asset than its id, kind and name.
    pub fn needs_whole_asset(&self) -> bool {
        self.matches_columns("", "", "").is_none()
    }
}

/// `*` matches any run of characters, `?` any one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("prod-*", "prod-orders"));
        assert!(glob_match("*-db?", "orders-db1"));
        assert!(!glob_match("prod-*", "staging-orders"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn parses_selectors() {
        assert_eq!("class:data_store".parse::<Selector>().unwrap(), Selector::Class(AssetClass::DataStore));
        assert_eq!(
            "tag:data=customer".parse::<Selector>().unwrap(),
            Selector::Tag { key: "data".into(), value: Some("customer".into()) }
        );
        assert!("kind:aws_spaceship".parse::<Selector>().is_err());
        assert!("prod".parse::<Selector>().is_err());
    }
}

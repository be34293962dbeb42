//! The scan history: every scan appends what changed (outcomes of every control on
//! every asset, asset versions, the scopes read and their gaps) to one store, SQLite
//! by default or PostgreSQL for a team, so that a control can be shown to have
//! held over an audit window and drift be read since any date.

pub mod append;
pub mod db;
pub mod drift;
pub mod read;
pub mod record;
mod schema;

use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};

pub use append::Appended;
pub use db::Location;
pub use record::ScanRecord;
pub use schema::VERSION as SCHEMA_VERSION;

use db::Db;

/// An open history store, migrated to the schema this auditgraph reads.
pub struct Store {
    db: Db,
    pub location: Location,
}

impl Store {
    pub fn open(location: Location) -> Result<Store> {
        let mut db = Db::open(&location)?;
        schema::migrate(&mut db, &location)?;
        Ok(Store { db, location })
    }

    /// The store a reading command asks about: a SQLite file that is not there is
    /// an error, not a new empty store.
    pub fn open_existing(location: Location) -> Result<Store> {
        if let Location::Sqlite(path) = &location {
            if !path.exists() {
                bail!("no history store at {}: `auditgraph scan` creates it", path.display());
            }
        }
        Store::open(location)
    }

    /// Appends one scan in one transaction.
    pub fn append(&mut self, record: &ScanRecord) -> Result<Appended> {
        let location = self.location.to_string();
        append::append(&mut self.db, record).map_err(|e| anyhow!("history store {location}: {e:#}"))
    }

    pub fn db(&mut self) -> &mut Db {
        &mut self.db
    }
}

/// Times as the store keeps them: RFC 3339 in UTC with milliseconds, so that text
/// order is time order.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_time(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow!("history store: bad time `{text}`: {e}"))
}

/// The period a question is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    /// `--since 90d` (or `12h`, `2w`), or `--from DATE --to DATE` (a date is a whole
    /// day: `--to 2026-09-30` includes that day); `to` defaults to now.
    pub fn parse(since: Option<&str>, from: Option<&str>, to: Option<&str>, now: DateTime<Utc>) -> Result<Window> {
        let to = match to {
            Some(t) => parse_point(t, true).map_err(|e| anyhow!("--to: {e}"))?,
            None => now,
        };
        let from = match (since, from) {
            (Some(_), Some(_)) => bail!("give --since or --from, not both"),
            (Some(s), None) => to - parse_span(s).map_err(|e| anyhow!("--since: {e}"))?,
            (None, Some(f)) => parse_point(f, false).map_err(|e| anyhow!("--from: {e}"))?,
            (None, None) => to - Duration::days(90),
        };
        if from > to {
            bail!("the window starts ({}) after it ends ({})", time_text(from), time_text(to));
        }
        Ok(Window { from, to })
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t <= self.to
    }
}

/// `90d`, `12h`, `2w`, `30m`.
pub fn parse_span(text: &str) -> Result<Duration> {
    let (n, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: i64 = n.parse().map_err(|_| anyhow!("`{text}`: expected a number and a unit, as in 90d, 12h, 2w"))?;
    Ok(match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        _ => bail!("`{text}`: the unit is s, m, h, d or w (as in 90d)"),
    })
}

/// A date (the day's start, or with `end_of_day` its end) or an RFC 3339 time.
fn parse_point(text: &str, end_of_day: bool) -> Result<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        return Ok(if end_of_day { start + Duration::days(1) - Duration::milliseconds(1) } else { start });
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| anyhow!("`{text}` is neither a date (2026-09-30) nor a time (2026-09-30T12:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_people_write_them() {
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let w = Window::parse(Some("7d"), None, None, now).unwrap();
        assert_eq!(w.from, "2026-11-24T12:00:00Z".parse::<DateTime<Utc>>().unwrap());
        let w = Window::parse(None, Some("2026-03-01"), Some("2026-09-30"), now).unwrap();
        assert_eq!(time_text(w.from), "2026-03-01T00:00:00.000Z");
        assert_eq!(time_text(w.to), "2026-09-30T23:59:59.999Z");
        assert_eq!(parse_span("90s").unwrap(), Duration::seconds(90));
        assert_eq!(parse_span("2w").unwrap(), Duration::days(14));
        assert!(Window::parse(Some("7x"), None, None, now).unwrap_err().to_string().contains("unit"));
        assert!(Window::parse(None, Some("2026-10-01"), Some("2026-09-01"), now).is_err());
        assert!(Window::parse(Some("1d"), Some("2026-10-01"), None, now).is_err());
    }
}

//! The one data-access layer under the history store: the same SQL (written with
//! PostgreSQL's `$1` placeholders) run on an embedded SQLite file or a PostgreSQL
//! server, with values limited to the two types both hold alike (64-bit integers
//! and text).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

/// Where the history is kept.
#[derive(Clone, Debug, PartialEq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL (it may hold a password: never shown).
    Postgres(String),
}

/// The environment variable that names the history store when `--history` does not.
pub const HISTORY_ENV: &str = "AUDITGRAPH_HISTORY";

/// Where `scan` keeps its history unless told otherwise, relative to the working directory.
pub const DEFAULT_PATH: &str = ".auditgraph/history.db";

impl Location {
    /// `--history`, else `AUDITGRAPH_HISTORY`, else `.auditgraph/history.db`.
    pub fn resolve(given: Option<&str>) -> Location {
        let env = std::env::var(HISTORY_ENV).ok().filter(|v| !v.is_empty());
        Location::parse(given.map(str::to_string).or(env).as_deref().unwrap_or(DEFAULT_PATH))
    }

    /// A PostgreSQL URL, else a SQLite file path (`sqlite://` optional).
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Location::Postgres(text.to_string());
        }
        Location::Sqlite(PathBuf::from(text.strip_prefix("sqlite://").unwrap_or(text)))
    }
}

impl std::fmt::Display for Location {
    /// The location as messages show it: a URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => write!(f, "{}", without_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let query_free = path.map(|p| p.split('?').next().unwrap_or_default().to_string());
    match query_free {
        Some(p) => format!("{scheme}://{authority}/{p}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// `$first, $first+1, ...`: `count` placeholders for an `IN (...)` list.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A value bound to a statement or read from a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}

/// One row of a result, its columns in the order the query named them.
#[derive(Debug)]
pub struct Row(Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| anyhow!("history store: column {i} is empty"))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            other => bail!("history store: column {i} is not an integer ({other:?})"),
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| anyhow!("history store: column {i} is empty"))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            // SQLite keeps NULL untyped.
            Some(Value::Int(None)) => Ok(None),
            other => bail!("history store: column {i} is not text ({other:?})"),
        }
    }
}

/// A row as the database returned it, read in place.
pub enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl RowRef<'_> {
    pub fn columns(&self) -> usize {
        match self {
            RowRef::Sqlite(row) => row.as_ref().column_count(),
            RowRef::Postgres(row) => row.len(),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| anyhow!("history store: column {i} is empty"))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.value(i)? {
            Value::Int(v) => Ok(v),
            other => bail!("history store: column {i} is not an integer ({other:?})"),
        }
    }

    /// A text column, borrowed.
    pub fn text(&self, i: usize) -> Result<&str> {
        self.opt_text(i)?.ok_or_else(|| anyhow!("history store: column {i} is empty"))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<&str>> {
        Ok(match self {
            RowRef::Sqlite(row) => row.get_ref(i)?.as_str_or_null()?,
            RowRef::Postgres(row) => row.try_get::<_, Option<&str>>(i)?,
        })
    }

    /// Column `i` as an owned value.
    pub fn value(&self, i: usize) -> Result<Value> {
        match self {
            RowRef::Sqlite(row) => Ok(sqlite_value(row.get_ref(i)?)?),
            RowRef::Postgres(row) => pg_value(row, i),
        }
    }
}

/// An open connection to either database.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// How long a writer waits for another scan's write to finish before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(120);

impl Db {
    pub fn open(location: &Location) -> Result<Db> {
        match location {
            Location::Sqlite(path) => open_sqlite(path),
            Location::Postgres(url) => {
                let client = postgres::Client::connect(url, postgres::NoTls)
                    .map_err(|e| anyhow!("history store {location}: cannot connect: {}", error_text(&e)))?;
                Ok(Db::Postgres(Box::new(client)))
            }
        }
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql)).with_context(|| sql_context(sql))?;
                let n = stmt.execute(rusqlite::params_from_iter(params.iter())).with_context(|| sql_context(sql))?;
                Ok(n as u64)
            }
            Db::Postgres(c) => {
                let bound = pg_params(params);
                c.execute(sql, &bound).map_err(|e| anyhow!("{}: {}", sql_context(sql), error_text(&e)))
            }
        }
    }

    /// Runs a script of statements without parameters (schema changes).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => c.execute_batch(sql).with_context(|| sql_context(sql)),
            Db::Postgres(c) => c.batch_execute(sql).map_err(|e| anyhow!("{}: {}", sql_context(sql), error_text(&e))),
        }
    }

    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        self.each(sql, params, |row| {
            rows.push(Row((0..row.columns()).map(|i| row.value(i)).collect::<Result<_>>()?));
            Ok(())
        })?;
        Ok(rows)
    }

    /// Hands each row of a query to `each` as it is read, its text borrowed where
    /// the database allows: for reads of many rows, of which few are kept.
    pub fn each(&mut self, sql: &str, params: &[Value], mut each: impl FnMut(&RowRef) -> Result<()>) -> Result<()> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql)).with_context(|| sql_context(sql))?;
                let mut rows =
                    stmt.query(rusqlite::params_from_iter(params.iter())).with_context(|| sql_context(sql))?;
                while let Some(row) = rows.next().with_context(|| sql_context(sql))? {
                    each(&RowRef::Sqlite(row))?;
                }
                Ok(())
            }
            Db::Postgres(c) => {
                let bound = pg_params(params);
                let rows = c.query(sql, &bound).map_err(|e| anyhow!("{}: {}", sql_context(sql), error_text(&e)))?;
                rows.iter().try_for_each(|row| each(&RowRef::Postgres(row)))
            }
        }
    }

    /// Inserts many rows with as few statements as the databases allow.
    pub fn insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()> {
        self.insert_rows(table, columns, rows, "")
    }

    /// Inserts many rows, each replacing the values of a row with the same `key`.
    pub fn upsert(&mut self, table: &str, key: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()> {
        let updates: Vec<String> =
            columns.iter().filter(|c| **c != key).map(|c| format!("{c} = excluded.{c}")).collect();
        self.insert_rows(table, columns, rows, &format!(" ON CONFLICT ({key}) DO UPDATE SET {}", updates.join(", ")))
    }

    fn insert_rows(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>], on_conflict: &str) -> Result<()> {
        // Both databases take at least 32,766 parameters per statement.
        let per_statement = (30_000 / columns.len()).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (r, row) in chunk.iter().enumerate() {
                debug_assert_eq!(row.len(), columns.len());
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..row.len() {
                    n += 1;
                    sql.push_str(&if c == 0 { format!("${n}") } else { format!(", ${n}") });
                }
                sql.push(')');
            }
            sql.push_str(on_conflict);
            let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
            self.execute(&sql, &params)?;
        }
        Ok(())
    }

    /// Starts the transaction a scan writes in: one writer at a time, so that each
    /// scan compares itself with the scan committed before it.
    pub fn begin_write(&mut self) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.batch("BEGIN IMMEDIATE"),
            Db::Postgres(_) => self.batch("BEGIN; LOCK TABLE scans IN SHARE ROW EXCLUSIVE MODE"),
        }
    }

    /// Starts a read that sees one committed state throughout.
    pub fn begin_read(&mut self) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.batch("BEGIN"),
            Db::Postgres(_) => self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ"),
        }
    }

    pub fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT")
    }

    pub fn rollback(&mut self) {
        let _ = self.batch("ROLLBACK");
    }

    /// Runs `work` in a write transaction: committed whole, or not at all.
    pub fn write<T>(&mut self, work: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        self.begin_write()?;
        match work(self).and_then(|v| self.commit().map(|()| v)) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    /// Runs `work` in a read transaction.
    pub fn read<T>(&mut self, work: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        self.begin_read()?;
        let out = work(self);
        self.rollback();
        out
    }
}

/// How much of a SQLite store is read through a memory map.
const MMAP_BYTES: i64 = 1 << 30;

fn open_sqlite(path: &Path) -> Result<Db> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let conn =
        rusqlite::Connection::open(path).with_context(|| format!("history store {}: cannot open", path.display()))?;
    conn.busy_timeout(LOCK_WAIT)?;
    // The write-ahead log lets `history` read while a scan writes, and survives a
    // killed process: a transaction is in the file whole, or not at all.
    let what = || format!("history store {}", path.display());
    in_wal_mode(&conn).with_context(|| format!("{}: not a SQLite database?", what()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
        // Drift and history read much of the file: mapped, its pages are read in
        // place, not copied in one system call each (drift over a year of 100 k
        // assets 1.5x faster; the mapped pages count in the resident size but are
        // the kernel's file cache, shared and dropped under pressure).
        .and_then(|()| conn.pragma_update(None, "mmap_size", MMAP_BYTES))
        .with_context(|| format!("{}: not a SQLite database?", what()))?;
    Ok(Db::Sqlite(conn))
}

/// Switches a store to the write-ahead log. Two scans opening a new store at once
/// both ask; SQLite answers one of them "locked" at once rather than through the
/// busy handler, so the question is asked again until `LOCK_WAIT` has passed.
fn in_wal_mode(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            done => return done,
        }
    }
}

/// `$1` placeholders as SQLite numbers them (`?1`).
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Int(None) | Value::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Value> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Ok(Value::Int(None)),
        ValueRef::Integer(i) => Ok(Value::Int(Some(i))),
        ValueRef::Text(t) => Ok(Value::Text(Some(String::from_utf8_lossy(t).into_owned()))),
        other => Err(rusqlite::Error::InvalidColumnType(0, format!("{:?}", other.data_type()), other.data_type())),
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| match v {
            Value::Int(i) => i as &(dyn postgres::types::ToSql + Sync),
            Value::Text(t) => t as &(dyn postgres::types::ToSql + Sync),
        })
        .collect()
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value> {
    use postgres::types::Type;
    let col = &row.columns()[i];
    Ok(match *col.type_() {
        Type::INT8 => Value::Int(row.try_get::<_, Option<i64>>(i)?),
        Type::INT4 => Value::Int(row.try_get::<_, Option<i32>>(i)?.map(i64::from)),
        Type::TEXT | Type::VARCHAR => Value::Text(row.try_get::<_, Option<String>>(i)?),
        ref other => bail!("history store: column {} has type {other}, expected bigint or text", col.name()),
    })
}

/// A PostgreSQL error with the server's own message, not only "db error".
fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}

/// The statement an error came from, shortened.
fn sql_context(sql: &str) -> String {
    let first: String = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
    format!("history store: `{first} ...`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        let shown = Location::parse("postgres://audit:s3cret@db.internal:5432/history?sslmode=disable").to_string();
        assert_eq!(shown, "postgres://audit:***@db.internal:5432/history");
        assert_eq!(Location::parse("postgresql://127.0.0.1/h").to_string(), "postgresql://127.0.0.1/h");
        assert_eq!(Location::parse("sqlite://x/h.db"), Location::Sqlite(PathBuf::from("x/h.db")));
    }

    #[test]
    fn placeholders_become_sqlites() {
        assert_eq!(sqlite_sql("SELECT $1, '$' || $12"), "SELECT ?1, '$' || ?12");
    }
}

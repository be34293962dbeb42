//! The history store's schema and its versioned migrations: each migration is
//! applied once, in order, in one transaction; a store written by a newer
//! auditgraph is refused rather than misread.

use anyhow::{bail, Result};

use super::db::{Db, Location};

/// Migration `i` takes the store from version `i` to `i + 1`. Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: scans, the scopes each read, per-control counts, outcome runs and asset versions.
    "CREATE TABLE scans (
        id BIGINT PRIMARY KEY,
        scanned_at TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        controls_digest TEXT NOT NULL,
        assets BIGINT NOT NULL
    );
    CREATE INDEX scans_by_time ON scans (scanned_at);
    CREATE TABLE scan_scopes (
        scan BIGINT NOT NULL REFERENCES scans (id),
        cloud TEXT NOT NULL,
        scope TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        collected_by TEXT,
        gaps TEXT NOT NULL,
        PRIMARY KEY (scan, scope)
    );
    CREATE TABLE scan_controls (
        scan BIGINT NOT NULL REFERENCES scans (id),
        control TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        criteria TEXT NOT NULL,
        evaluated BIGINT NOT NULL,
        passed BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        unknown BIGINT NOT NULL,
        accepted BIGINT NOT NULL,
        PRIMARY KEY (scan, control)
    );
    CREATE TABLE runs (
        id BIGINT PRIMARY KEY,
        control TEXT NOT NULL,
        asset TEXT NOT NULL,
        scope TEXT NOT NULL,
        outcome TEXT NOT NULL,
        evidence TEXT NOT NULL,
        first_scan BIGINT NOT NULL REFERENCES scans (id),
        end_scan BIGINT REFERENCES scans (id)
    );
    CREATE INDEX runs_open ON runs (end_scan);
    CREATE INDEX runs_by_asset ON runs (asset);
    CREATE INDEX runs_by_outcome ON runs (outcome, control);
    CREATE TABLE asset_versions (
        id BIGINT PRIMARY KEY,
        asset TEXT NOT NULL,
        scope TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        body TEXT NOT NULL,
        first_scan BIGINT NOT NULL REFERENCES scans (id),
        end_scan BIGINT REFERENCES scans (id)
    );
    CREATE INDEX asset_versions_open ON asset_versions (end_scan);
    CREATE INDEX asset_versions_by_asset ON asset_versions (asset);",
    // 2: each asset's latest name, for reports that name many assets without
    // reading every version of every asset.
    "CREATE TABLE asset_names (
        asset TEXT PRIMARY KEY,
        name TEXT NOT NULL
    );
    INSERT INTO asset_names (asset, name)
        SELECT v.asset, v.name FROM asset_versions v
        WHERE v.id = (SELECT MAX(w.id) FROM asset_versions w WHERE w.asset = v.asset);",
];

/// The schema version this auditgraph writes and reads.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the store to `VERSION`, or says why it cannot.
pub fn migrate(db: &mut Db, location: &Location) -> Result<()> {
    // A store already at this version needs no lock; anything else is settled under one.
    if let Ok(current) = stored_version(db) {
        if current == VERSION {
            return Ok(());
        }
    }
    // Two scans may meet an empty store at once. Even `CREATE TABLE IF NOT EXISTS`
    // races in PostgreSQL, so everything, the schema table included, is created in
    // one transaction under a lock: SQLite's write lock, or a PostgreSQL advisory lock.
    let begin = match db {
        Db::Sqlite(_) => "BEGIN IMMEDIATE".to_string(),
        Db::Postgres(_) => format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"),
    };
    db.batch(&begin)?;
    let applied = (|| {
        db.batch("CREATE TABLE IF NOT EXISTS auditgraph_schema (version BIGINT NOT NULL)")?;
        let current = stored_version(db)?;
        if current > VERSION {
            bail!(
                "history store {location} has schema version {current}, newer than this auditgraph reads \
                 (version {VERSION}): upgrade auditgraph, or name another store with --history"
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            db.batch(sql)?;
            db.execute("DELETE FROM auditgraph_schema", &[])?;
            db.execute("INSERT INTO auditgraph_schema (version) VALUES ($1)", &[(i as i64 + 1).into()])?;
        }
        db.commit()
    })();
    if applied.is_err() {
        db.rollback();
    }
    applied
}

/// The PostgreSQL advisory lock key migrations hold ("auditgr" in ASCII).
const MIGRATION_LOCK: i64 = 0x0061_7564_6974_6772;

fn stored_version(db: &mut Db) -> Result<i64> {
    let rows = db.query("SELECT version FROM auditgraph_schema", &[])?;
    match rows.as_slice() {
        [] => Ok(0),
        [row] => row.int(0),
        _ => bail!("history store: auditgraph_schema holds {} versions, expected one", rows.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_store_gains_each_asset_s_latest_name() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().join("h.db"));
        let mut db = Db::open(&location).unwrap();
        db.batch(MIGRATIONS[0]).unwrap();
        db.batch(
            "CREATE TABLE auditgraph_schema (version BIGINT NOT NULL);
             INSERT INTO auditgraph_schema (version) VALUES (1);
             INSERT INTO scans VALUES (1, '2026-03-01T09:00:00.000Z', 't', 'd', 1), (2, '2026-03-02T09:00:00.000Z', 't', 'd', 1);
             INSERT INTO asset_versions VALUES
                 (1, 'vol-1', 's', 'ebs_volume', 'old-name', 'a', '{}', 1, 2),
                 (2, 'vol-1', 's', 'ebs_volume', 'new-name', 'b', '{}', 2, NULL),
                 (3, 'vol-2', 's', 'ebs_volume', 'gone', 'c', '{}', 1, 2);",
        )
        .unwrap();
        migrate(&mut db, &location).unwrap();
        assert_eq!(stored_version(&mut db).unwrap(), VERSION);
        let names: Vec<(String, String)> = db
            .query("SELECT asset, name FROM asset_names ORDER BY asset", &[])
            .unwrap()
            .iter()
            .map(|r| (r.text(0).unwrap(), r.text(1).unwrap()))
            .collect();
        assert_eq!(names, [("vol-1".into(), "new-name".into()), ("vol-2".into(), "gone".into())]);
    }
}

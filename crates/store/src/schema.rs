//! Schema migrations. See `SCHEMA.md` beside `Cargo.toml` for the meaning of each table.
//!
//! The DDL is written once in portable SQL; `{BLOB}` and `{REAL}` are replaced per dialect.
//! Every text key uses `''` rather than NULL for "no version" so natural unique keys work
//! (NULLs are distinct in unique constraints on both backends).

use crate::StoreError;
use crate::db::{Conn, Dialect, Value};

/// Migrations in order; `schema_migrations` records which ones ran.
const MIGRATIONS: &[(i64, &str)] = &[(1, V1)];

const V1: &str = r#"
CREATE TABLE IF NOT EXISTS source (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    location    TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    advisories  BIGINT NOT NULL,
    samples     BIGINT NOT NULL,
    names       BIGINT NOT NULL,
    reports     BIGINT NOT NULL,
    errors      BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_error (
    source   TEXT NOT NULL,
    seq      BIGINT NOT NULL,
    location TEXT NOT NULL,
    reason   TEXT NOT NULL,
    PRIMARY KEY (source, seq)
);
CREATE TABLE IF NOT EXISTS package (
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name)
);
CREATE TABLE IF NOT EXISTS package_version (
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, version)
);
CREATE TABLE IF NOT EXISTS advisory (
    source        TEXT NOT NULL,
    id            TEXT NOT NULL,
    ecosystem     TEXT NOT NULL,
    name          TEXT NOT NULL,
    versions_json TEXT NOT NULL,
    published     TEXT,
    modified      TEXT,
    withdrawn     TEXT,
    aliases_json  TEXT NOT NULL,
    summary       TEXT,
    details       TEXT,
    category      TEXT,
    location      TEXT NOT NULL,
    PRIMARY KEY (source, id, ecosystem, name)
);
CREATE INDEX IF NOT EXISTS advisory_package ON advisory (ecosystem, name);
CREATE TABLE IF NOT EXISTS advisory_reference (
    source      TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    url         TEXT NOT NULL,
    PRIMARY KEY (source, advisory_id, seq)
);
CREATE TABLE IF NOT EXISTS advisory_credit (
    source      TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    credit      TEXT NOT NULL,
    PRIMARY KEY (source, advisory_id, seq)
);
CREATE TABLE IF NOT EXISTS advisory_origin (
    source        TEXT NOT NULL,
    advisory_id   TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    origin_source TEXT,
    sha256        TEXT,
    versions_json TEXT NOT NULL,
    import_time   TEXT,
    PRIMARY KEY (source, advisory_id, seq)
);
CREATE TABLE IF NOT EXISTS name_entry (
    source      TEXT NOT NULL,
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    listed_date TEXT,
    list_source TEXT,
    PRIMARY KEY (source, ecosystem, name, version)
);
CREATE TABLE IF NOT EXISTS sample (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sample_package (
    source    TEXT NOT NULL,
    location  TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    sample_date TEXT,
    label     TEXT,
    PRIMARY KEY (source, location)
);
CREATE INDEX IF NOT EXISTS sample_package_sha ON sample_package (sha256);
CREATE INDEX IF NOT EXISTS sample_package_pkg ON sample_package (ecosystem, name, version);
CREATE TABLE IF NOT EXISTS report (
    source    TEXT NOT NULL,
    location  TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    title     TEXT,
    published TEXT,
    PRIMARY KEY (source, location)
);
CREATE TABLE IF NOT EXISTS report_package (
    source    TEXT NOT NULL,
    location  TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    PRIMARY KEY (source, location, ecosystem, name, version)
);
CREATE TABLE IF NOT EXISTS indicator (
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE TABLE IF NOT EXISTS advisory_indicator (
    source      TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (source, advisory_id, kind, value)
);
CREATE INDEX IF NOT EXISTS advisory_indicator_value ON advisory_indicator (kind, value);
CREATE TABLE IF NOT EXISTS report_indicator (
    source   TEXT NOT NULL,
    location TEXT NOT NULL,
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (source, location, kind, value)
);
CREATE INDEX IF NOT EXISTS report_indicator_value ON report_indicator (kind, value);
CREATE TABLE IF NOT EXISTS fact (
    source         TEXT NOT NULL,
    ecosystem      TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    withdrawn      BIGINT NOT NULL,
    first_reported TEXT,
    PRIMARY KEY (source, ecosystem, name, version, kind, withdrawn)
);
CREATE INDEX IF NOT EXISTS fact_package ON fact (ecosystem, name, version);
CREATE TABLE IF NOT EXISTS scan (
    sha256      TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    ecosystem   TEXT,
    name        TEXT,
    version     TEXT,
    verdict     TEXT NOT NULL,
    score       {REAL} NOT NULL,
    error       TEXT,
    report_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scan_package ON scan (ecosystem, name, version);
CREATE TABLE IF NOT EXISTS scan_category (
    sha256   TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (sha256, category)
);
CREATE TABLE IF NOT EXISTS scan_indicator (
    sha256 TEXT NOT NULL,
    kind   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (sha256, kind, value)
);
CREATE INDEX IF NOT EXISTS scan_indicator_value ON scan_indicator (kind, value);
CREATE TABLE IF NOT EXISTS blob (
    key   TEXT PRIMARY KEY,
    value {BLOB} NOT NULL
);
"#;

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 1;

fn render(sql: &str, dialect: Dialect) -> String {
    let (blob, real) = match dialect {
        Dialect::Sqlite => ("BLOB", "REAL"),
        Dialect::Postgres => ("BYTEA", "DOUBLE PRECISION"),
    };
    sql.replace("{BLOB}", blob).replace("{REAL}", real)
}

/// Create `schema_migrations` and run every migration not yet recorded, each in its own
/// transaction. Refuses a database written by a newer version.
pub(crate) fn migrate(conn: &mut Conn) -> Result<(), StoreError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
            version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let rows = conn.query("SELECT MAX(version) FROM schema_migrations", &[])?;
    let current = rows.first().map(|r| r.int(0)).unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "database schema version {current} is newer than this build ({SCHEMA_VERSION})"
        )));
    }
    let dialect = conn.dialect();
    for (version, sql) in MIGRATIONS {
        if *version <= current {
            continue;
        }
        conn.batch("BEGIN")?;
        let res = (|| {
            conn.batch(&render(sql, dialect))?;
            conn.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?) \
                 ON CONFLICT (version) DO NOTHING",
                &[Value::int(*version), Value::text(crate::now_rfc3339())],
            )?;
            Ok::<(), StoreError>(())
        })();
        match res {
            Ok(()) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

//! The malgraph store: one database for intelligence, samples, scans and derived data.
//!
//! This crate owns persistence. [`Store::open`] opens a SQLite file (the default; WAL
//! journal, `synchronous=NORMAL`) or, for a `postgres://` / `postgresql://` URL, a
//! PostgreSQL database with the same logical schema, and runs the schema migrations.
//! [`Store::ingest`] writes one [`malgraph_intel::Batch`] in one transaction: a crash or a
//! kill leaves the database as it was before the batch, and re-ingesting a source replaces
//! what it contributed (updates, never duplicates). [`Store::stats`] computes the counts of
//! `malgraph stats`; the read API serves the graph engine; blobs keep derived data.
//! The schema is documented in `SCHEMA.md` beside this crate's `Cargo.toml`.
//!
//! It must not parse sources (that is `malgraph-intel`), read or scan sample bytes (it
//! stores locations and hashes only), or build the graph. It never panics on stored data:
//! a broken row is a [`StoreError`].

#![warn(missing_docs)]

mod db;
mod ingest;
mod schema;
mod stats;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use malgraph_core::{Ecosystem, Iocs, PackageId, PackageName, ScanReport};
use malgraph_intel::{Advisory, Batch, NameEntry, Origin, Report, Sample, Versions};
use serde::Serialize;

use db::{Conn, Row, Value};

pub use ingest::IngestSummary;
pub use schema::SCHEMA_VERSION;
pub use stats::{EcosystemStats, Overlap, SourceStats, Stats, render_text};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error (connection, SQL, or type conversion).
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// A value could not be encoded for storage.
    #[error("cannot encode value: {0}")]
    Encode(String),
    /// Stored data could not be read back (or the schema is from a newer version).
    #[error("corrupt or incompatible store: {0}")]
    Corrupt(String),
    /// The connection lock was poisoned by a panic in another thread.
    #[error("store connection lock poisoned")]
    Poisoned,
}

/// What kind of evidence a [`PackageFact`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactKind {
    /// An OSV advisory.
    Advisory,
    /// A name-list entry.
    Name,
    /// A stored sample archive.
    Sample,
    /// A security report page naming the package.
    Report,
}

impl FactKind {
    /// Name used in the `fact.kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Advisory => "advisory",
            FactKind::Name => "name",
            FactKind::Sample => "sample",
            FactKind::Report => "report",
        }
    }

    /// Parse [`FactKind::as_str`].
    pub fn parse(s: &str) -> Option<FactKind> {
        match s {
            "advisory" => Some(FactKind::Advisory),
            "name" => Some(FactKind::Name),
            "sample" => Some(FactKind::Sample),
            "report" => Some(FactKind::Report),
            _ => None,
        }
    }
}

/// An advisory with the source it was ingested from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAdvisory {
    /// Source name.
    pub source: String,
    /// The advisory as ingested (references, credits, origins and indicators included).
    pub advisory: Advisory,
}

/// A sample file with the source that found it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSample {
    /// Source name.
    pub source: String,
    /// The sample as ingested.
    pub sample: Sample,
}

/// A name-list entry with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredName {
    /// Source name.
    pub source: String,
    /// The entry as ingested.
    pub entry: NameEntry,
}

/// A report page with its source (linked packages and indicators included).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    /// Source name.
    pub source: String,
    /// The report as ingested.
    pub report: Report,
}

/// One "who reported what when" fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageFact {
    /// The package; `version` is `None` when the fact is about every version.
    pub package: PackageId,
    /// Source name.
    pub source: String,
    /// Kind of evidence.
    pub kind: FactKind,
    /// Earliest date (`YYYY-MM-DD`) this source reported it, when known.
    pub first_reported: Option<String>,
    /// True when the fact only comes from withdrawn advisories.
    pub withdrawn: bool,
    /// True when a sample of this package (of this version, when the fact has one) is stored.
    pub has_sample: bool,
}

/// One ingested source, as recorded by its last ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// Source name (the provenance key).
    pub name: String,
    /// Source kind (`osv`, `names`, ...).
    pub kind: String,
    /// What was passed to `collect`.
    pub location: String,
    /// When it was last ingested (RFC 3339, UTC).
    pub ingested_at: String,
    /// Rows written by the last ingest.
    pub advisories: u64,
    /// Sample files written by the last ingest.
    pub samples: u64,
    /// Name entries written by the last ingest.
    pub names: u64,
    /// Report pages written by the last ingest.
    pub reports: u64,
    /// Per-file errors of the last ingest.
    pub errors: u64,
}

/// The store. Cheap operations take `&self`; the connection sits behind a mutex so a
/// `Store` can be shared between threads.
pub struct Store {
    conn: Mutex<Conn>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Current UTC time as RFC 3339 (seconds precision), without a date crate.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn is_postgres_url(target: &str) -> bool {
    let t = target.trim_start();
    t.starts_with("postgres://") || t.starts_with("postgresql://")
}

fn iocs_add(iocs: &mut Iocs, kind: &str, value: String) {
    match kind {
        "url" => iocs.urls.insert(value),
        "domain" => iocs.domains.insert(value),
        "ip" => iocs.ips.insert(value),
        "email" => iocs.emails.insert(value),
        "webhook" => iocs.webhooks.insert(value),
        "wallet" => iocs.wallets.insert(value),
        _ => false,
    };
}

/// A child row's parent: (source, advisory id) or (source, report location).
type Key = (String, String);

/// Runs `sql`, whose first two columns are the parent [`Key`], and groups what `item` reads
/// from each row under that key, in query order.
fn grouped<T>(
    c: &mut Conn,
    sql: &str,
    mut item: impl FnMut(&Row) -> Result<T, StoreError>,
) -> Result<HashMap<Key, Vec<T>>, StoreError> {
    let mut out: HashMap<Key, Vec<T>> = HashMap::new();
    for r in c.query(sql, &[])? {
        let value = item(&r)?;
        out.entry((r.text(0), r.text(1))).or_default().push(value);
    }
    Ok(out)
}

/// Runs `sql` over an indicator table (columns: the parent [`Key`], kind, value) and
/// collects each parent's indicators.
fn indicators(c: &mut Conn, sql: &str) -> Result<HashMap<Key, Iocs>, StoreError> {
    let mut out: HashMap<Key, Iocs> = HashMap::new();
    for r in c.query(sql, &[])? {
        iocs_add(
            out.entry((r.text(0), r.text(1))).or_default(),
            &r.text(2),
            r.text(3),
        );
    }
    Ok(out)
}

fn opt_version(v: String) -> Option<String> {
    if v.is_empty() { None } else { Some(v) }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

impl Store {
    /// Open (creating when needed) the store at `target`: a `postgres://` or
    /// `postgresql://` URL selects PostgreSQL, anything else is a SQLite file path.
    /// Migrations run on open.
    pub fn open(target: &str) -> Result<Store, StoreError> {
        let mut conn = if is_postgres_url(target) {
            let client = postgres::Client::connect(target.trim(), postgres::NoTls)?;
            let mut c = Conn::Postgres(Box::new(client));
            c.batch("SET client_min_messages = WARNING")?;
            c
        } else {
            let c = rusqlite::Connection::open(target)?;
            c.busy_timeout(std::time::Duration::from_secs(30))?;
            // journal_mode returns a row; query it rather than execute.
            let _mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            c.execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; \
                 PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
            )?;
            Conn::Sqlite(c)
        };
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// True when this store is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.lock()
            .map(|c| c.dialect() == db::Dialect::Postgres)
            .unwrap_or(false)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Conn>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Run `f` in one transaction: commit on `Ok`, roll back on `Err` or when `f` panics
    /// (the guard rolls back while unwinding, so the connection stays usable).
    fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        struct Guard<'a> {
            conn: &'a mut Conn,
            open: bool,
        }
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                if self.open {
                    let _ = self.conn.batch("ROLLBACK");
                }
            }
        }
        let conn = self.conn.get_mut().map_err(|_| StoreError::Poisoned)?;
        let begin = match conn.dialect() {
            db::Dialect::Sqlite => "BEGIN IMMEDIATE",
            db::Dialect::Postgres => "BEGIN",
        };
        conn.batch(begin)?;
        let mut guard = Guard { conn, open: true };
        let value = f(guard.conn)?;
        guard.conn.batch("COMMIT")?;
        guard.open = false;
        Ok(value)
    }

    /// Write `batch` in one transaction. Re-ingesting the same source name replaces
    /// everything that source contributed before, so running it twice changes nothing.
    pub fn ingest(&mut self, batch: &Batch) -> Result<IngestSummary, StoreError> {
        self.ingest_with_progress(batch, &mut |_| {})
    }

    /// [`Store::ingest`], calling `progress` with a step name (`delete`, `advisory`, ...,
    /// `done`) inside the transaction after each step. Nothing is visible to other
    /// connections before the transaction commits.
    pub fn ingest_with_progress(
        &mut self,
        batch: &Batch,
        progress: &mut dyn FnMut(&str),
    ) -> Result<IngestSummary, StoreError> {
        let now = now_rfc3339();
        self.transaction(|c| ingest::write_batch(c, batch, &now, progress))
    }

    /// Store (or replace) the scan result of the archive `sha256`.
    pub fn add_scan(&mut self, sha256: &str, report: &ScanReport) -> Result<(), StoreError> {
        if !report.score.is_finite() {
            return Err(StoreError::Encode(format!(
                "scan score of {sha256} is not a finite number"
            )));
        }
        let json = serde_json::to_string(report).map_err(|e| StoreError::Encode(e.to_string()))?;
        let sha = sha256.trim().to_ascii_lowercase();
        self.transaction(|c| {
            c.exec(
                "INSERT INTO scan (sha256, path, ecosystem, name, version, verdict, score, error, \
                 report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, \
                 ecosystem = excluded.ecosystem, name = excluded.name, \
                 version = excluded.version, verdict = excluded.verdict, \
                 score = excluded.score, error = excluded.error, \
                 report_json = excluded.report_json",
                &[
                    Value::text(sha.clone()),
                    Value::text(report.path.clone()),
                    Value::Text(report.ecosystem.as_ref().map(|e| e.as_str().to_string())),
                    Value::opt_text(report.name.as_deref()),
                    Value::opt_text(report.version.as_deref()),
                    Value::text(report.verdict.as_str()),
                    Value::Real(Some(report.score)),
                    Value::opt_text(report.error.as_deref()),
                    Value::text(json),
                ],
            )?;
            c.exec(
                "DELETE FROM scan_category WHERE sha256 = ?",
                &[Value::text(sha.clone())],
            )?;
            c.exec(
                "DELETE FROM scan_indicator WHERE sha256 = ?",
                &[Value::text(sha.clone())],
            )?;
            let cats = report
                .categories
                .iter()
                .map(|k| vec![Value::text(sha.clone()), Value::text(k.as_str())])
                .collect();
            c.insert_rows("scan_category", &["sha256", "category"], 2, "", cats)?;
            let inds: Vec<Vec<Value>> = report
                .iocs
                .iter()
                .map(|(k, v)| {
                    vec![
                        Value::text(sha.clone()),
                        Value::text(k),
                        Value::text(ingest::indicator_value(v)),
                    ]
                })
                .collect();
            let shared = inds.iter().map(|r| r[1..].to_vec()).collect();
            c.insert_rows(
                "indicator",
                &["kind", "value"],
                2,
                "ON CONFLICT (kind, value) DO NOTHING",
                shared,
            )?;
            c.insert_rows("scan_indicator", &["sha256", "kind", "value"], 3, "", inds)?;
            Ok(())
        })
    }

    /// Counts for `malgraph stats`.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        stats::compute(&mut *self.lock()?)
    }

    /// Every advisory with its source, ordered by source, id, package.
    pub fn advisories(&self) -> Result<Vec<StoredAdvisory>, StoreError> {
        let mut c = self.lock()?;
        let refs = grouped(
            &mut c,
            "SELECT source, advisory_id, url FROM advisory_reference ORDER BY source, advisory_id, seq",
            |r| Ok(r.text(2)),
        )?;
        let credits = grouped(
            &mut c,
            "SELECT source, advisory_id, credit FROM advisory_credit ORDER BY source, advisory_id, seq",
            |r| Ok(r.text(2)),
        )?;
        let origins = grouped(
            &mut c,
            "SELECT source, advisory_id, origin_source, sha256, versions_json, import_time \
             FROM advisory_origin ORDER BY source, advisory_id, seq",
            |r| {
                let versions: Vec<String> = serde_json::from_str(&r.text(4))
                    .map_err(|e| corrupt("advisory_origin.versions_json", e))?;
                Ok(Origin {
                    source: r.opt_text(2),
                    sha256: r.opt_text(3),
                    versions,
                    import_time: r.opt_text(5),
                })
            },
        )?;
        let iocs = indicators(
            &mut c,
            "SELECT source, advisory_id, kind, value FROM advisory_indicator",
        )?;
        let rows = c.query(
            "SELECT source, id, ecosystem, name, versions_json, published, modified, withdrawn, \
             aliases_json, summary, details, category, location FROM advisory \
             ORDER BY source, id, ecosystem, name",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key = (r.text(0), r.text(1));
            let versions: Versions = serde_json::from_str(&r.text(4))
                .map_err(|e| corrupt("advisory.versions_json", e))?;
            let aliases: Vec<String> = serde_json::from_str(&r.text(8))
                .map_err(|e| corrupt("advisory.aliases_json", e))?;
            let advisory = Advisory {
                id: key.1.clone(),
                package: PackageName {
                    ecosystem: Ecosystem::parse(&r.text(2)),
                    name: r.text(3),
                },
                versions,
                published: r.opt_text(5),
                modified: r.opt_text(6),
                withdrawn: r.opt_text(7),
                aliases,
                summary: r.opt_text(9),
                details: r.opt_text(10),
                references: refs.get(&key).cloned().unwrap_or_default(),
                credits: credits.get(&key).cloned().unwrap_or_default(),
                origins: origins.get(&key).cloned().unwrap_or_default(),
                iocs: iocs.get(&key).cloned().unwrap_or_default(),
                category: r.opt_text(11),
                location: r.text(12),
            };
            out.push(StoredAdvisory {
                source: key.0,
                advisory,
            });
        }
        Ok(out)
    }

    /// Every sample file with its source, ordered by source and location.
    pub fn samples(&self) -> Result<Vec<StoredSample>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT p.source, p.location, p.sha256, p.ecosystem, p.name, p.version, \
             p.sample_date, p.label, s.size FROM sample_package p \
             JOIN sample s ON s.sha256 = p.sha256 ORDER BY p.source, p.location",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StoredSample {
                source: r.text(0),
                sample: Sample {
                    package: PackageId {
                        ecosystem: Ecosystem::parse(&r.text(3)),
                        name: r.text(4),
                        version: opt_version(r.text(5)),
                    },
                    sha256: r.text(2),
                    size: r.int(8).max(0) as u64,
                    location: r.text(1),
                    date: r.opt_text(6),
                    label: r.opt_text(7),
                },
            })
            .collect())
    }

    /// Every name-list entry with its source.
    pub fn name_entries(&self) -> Result<Vec<StoredName>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT source, ecosystem, name, version, listed_date, list_source FROM name_entry \
             ORDER BY source, ecosystem, name, version",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StoredName {
                source: r.text(0),
                entry: NameEntry {
                    package: PackageId {
                        ecosystem: Ecosystem::parse(&r.text(1)),
                        name: r.text(2),
                        version: opt_version(r.text(3)),
                    },
                    date: r.opt_text(4),
                    source: r.opt_text(5),
                },
            })
            .collect())
    }

    /// Every report page with its source, linked packages and indicators.
    pub fn reports(&self) -> Result<Vec<StoredReport>, StoreError> {
        let mut c = self.lock()?;
        let mut pkgs = grouped(
            &mut c,
            "SELECT source, location, ecosystem, name, version FROM report_package \
             ORDER BY source, location, ecosystem, name, version",
            |r| {
                Ok(PackageId {
                    ecosystem: Ecosystem::parse(&r.text(2)),
                    name: r.text(3),
                    version: opt_version(r.text(4)),
                })
            },
        )?;
        let mut iocs = indicators(
            &mut c,
            "SELECT source, location, kind, value FROM report_indicator",
        )?;
        let rows = c.query(
            "SELECT source, location, sha256, title, published FROM report \
             ORDER BY source, location",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let key = (r.text(0), r.text(1));
                StoredReport {
                    report: Report {
                        location: key.1.clone(),
                        title: r.opt_text(3),
                        published: r.opt_text(4),
                        packages: pkgs.remove(&key).unwrap_or_default(),
                        iocs: iocs.remove(&key).unwrap_or_default(),
                        sha256: r.text(2),
                    },
                    source: key.0,
                }
            })
            .collect())
    }

    /// Every stored scan result, ordered by sha256.
    pub fn scans(&self) -> Result<Vec<(String, ScanReport)>, StoreError> {
        let rows = self
            .lock()?
            .query("SELECT sha256, report_json FROM scan ORDER BY sha256", &[])?;
        rows.into_iter()
            .map(|r| {
                let report: ScanReport = serde_json::from_str(&r.text(1))
                    .map_err(|e| corrupt(&format!("scan {}", r.text(0)), e))?;
                Ok((r.text(0), report))
            })
            .collect()
    }

    /// Every per-source fact, ordered by package, version, source, kind.
    pub fn package_facts(&self) -> Result<Vec<PackageFact>, StoreError> {
        let mut c = self.lock()?;
        let mut sampled_pkg: HashSet<(String, String)> = HashSet::new();
        let mut sampled_ver: BTreeSet<(String, String, String)> = BTreeSet::new();
        for r in c.query(
            "SELECT DISTINCT ecosystem, name, version FROM sample_package",
            &[],
        )? {
            sampled_pkg.insert((r.text(0), r.text(1)));
            sampled_ver.insert((r.text(0), r.text(1), r.text(2)));
        }
        let rows = c.query(
            "SELECT ecosystem, name, version, source, kind, first_reported, withdrawn FROM fact \
             ORDER BY ecosystem, name, version, source, kind, withdrawn",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (eco, name, version) = (r.text(0), r.text(1), r.text(2));
            let kind =
                FactKind::parse(&r.text(4)).ok_or_else(|| corrupt("fact.kind", r.text(4)))?;
            let has_sample = if version.is_empty() {
                sampled_pkg.contains(&(eco.clone(), name.clone()))
            } else {
                sampled_ver.contains(&(eco.clone(), name.clone(), version.clone()))
            };
            out.push(PackageFact {
                package: PackageId {
                    ecosystem: Ecosystem::parse(&eco),
                    name,
                    version: opt_version(version),
                },
                source: r.text(3),
                kind,
                first_reported: r.opt_text(5),
                withdrawn: r.int(6) != 0,
                has_sample,
            });
        }
        Ok(out)
    }

    /// Store `value` under `key` (replacing any previous value).
    pub fn put_blob(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.lock()?.exec(
            "INSERT INTO blob (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[Value::text(key), Value::Blob(Some(value.to_vec()))],
        )?;
        Ok(())
    }

    /// The value stored under `key`, if any.
    pub fn get_blob(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self
            .lock()?
            .query("SELECT value FROM blob WHERE key = ?", &[Value::text(key)])?;
        Ok(rows.first().and_then(|r| r.blob(0)))
    }

    /// The ingested sources, by name.
    pub fn sources(&self) -> Result<Vec<SourceInfo>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT name, kind, location, ingested_at, advisories, samples, names, reports, \
             errors FROM source ORDER BY name",
            &[],
        )?;
        let n = |r: &db::Row, i: usize| r.int(i).max(0) as u64;
        Ok(rows
            .iter()
            .map(|r| SourceInfo {
                name: r.text(0),
                kind: r.text(1),
                location: r.text(2),
                ingested_at: r.text(3),
                advisories: n(r, 4),
                samples: n(r, 5),
                names: n(r, 6),
                reports: n(r, 7),
                errors: n(r, 8),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_now_has_shape() {
        let n = now_rfc3339();
        assert_eq!(n.len(), 20, "{n}");
        assert!(n.starts_with("20"), "{n}");
        assert!(n.ends_with('Z'));
    }

    #[test]
    fn postgres_urls_are_recognised() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("/tmp/x.db"));
        assert!(!is_postgres_url("postgres.db"));
    }
}

//! Writing one [`Batch`] in one transaction.
//!
//! Re-ingesting a source replaces everything that source contributed: its rows in every
//! source-owned table are deleted and re-inserted inside the same transaction, shared
//! entities (packages, samples, indicators) are upserted, and shared rows nothing refers to
//! any more are removed at the end. So a re-run updates and never duplicates, and items
//! removed from the source disappear.

use std::collections::{BTreeMap, HashSet};

use malgraph_core::{Iocs, PackageId, PackageName};
use malgraph_intel::{Advisory, Batch, Versions};
use serde::Serialize;

use crate::db::{Conn, Value};
use crate::{FactKind, StoreError};

/// What one ingest wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    /// Source name the rows were written under.
    pub source: String,
    /// Advisories (one per advisory id and affected package) written.
    pub advisories: u64,
    /// Sample files (locations) written.
    pub samples: u64,
    /// Name entries written (after de-duplication by package and version).
    pub names: u64,
    /// Report pages written.
    pub reports: u64,
    /// Per-source facts (package, version, kind, withdrawn) written.
    pub facts: u64,
    /// Per-file errors recorded for this source.
    pub errors: u64,
}

/// Tables owned by one source: all of their rows are replaced on re-ingest.
const SOURCE_TABLES: &[&str] = &[
    "source_error",
    "advisory",
    "advisory_reference",
    "advisory_credit",
    "advisory_origin",
    "advisory_indicator",
    "name_entry",
    "sample_package",
    "report",
    "report_package",
    "report_indicator",
    "fact",
];

/// Reduce a date or timestamp to `YYYY-MM-DD` when it starts with one; `None` otherwise.
pub(crate) fn date_key(s: &str) -> Option<String> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() < 10 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) {
        let month: u32 = t[5..7].parse().ok()?;
        let day: u32 = t[8..10].parse().ok()?;
        if (1..=12).contains(&month) && (1..=31).contains(&day) {
            return Some(t[..10].to_string());
        }
    }
    None
}

/// Longest indicator value kept, in bytes: PostgreSQL b-tree keys must stay under ~2.7 kB,
/// and both backends must store the same thing.
pub(crate) const MAX_INDICATOR_BYTES: usize = 2000;

/// `value` cut to [`MAX_INDICATOR_BYTES`] at a character boundary.
pub(crate) fn indicator_value(value: &str) -> &str {
    if value.len() <= MAX_INDICATOR_BYTES {
        return value;
    }
    let mut end = MAX_INDICATOR_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// Earliest of two optional dates (a date beats no date).
fn min_date(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y < x { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Key of a fact row: ecosystem, name, version ('' = any), kind, withdrawn.
type FactKey = (String, String, String, &'static str, bool);

#[derive(Default)]
struct Rows {
    packages: HashSet<(String, String)>,
    versions: HashSet<(String, String, String)>,
    facts: BTreeMap<FactKey, Option<String>>,
    indicators: HashSet<(String, String)>,
}

impl Rows {
    fn package(&mut self, p: &PackageName, version: Option<&str>) {
        let eco = p.ecosystem.as_str().to_string();
        if let Some(v) = version.filter(|v| !v.is_empty()) {
            self.versions
                .insert((eco.clone(), p.name.clone(), v.to_string()));
        }
        self.packages.insert((eco, p.name.clone()));
    }

    fn fact(
        &mut self,
        p: &PackageName,
        version: Option<&str>,
        kind: FactKind,
        withdrawn: bool,
        date: Option<&str>,
    ) {
        self.package(p, version);
        let key = (
            p.ecosystem.as_str().to_string(),
            p.name.clone(),
            version.unwrap_or("").to_string(),
            kind.as_str(),
            withdrawn,
        );
        let date = date.and_then(date_key);
        let slot = self.facts.entry(key).or_insert(None);
        *slot = min_date(slot.take(), date);
    }

    fn iocs(&mut self, iocs: &Iocs, mut link: impl FnMut(&str, &str)) {
        for (kind, value) in iocs.iter() {
            let value = indicator_value(value);
            self.indicators
                .insert((kind.to_string(), value.to_string()));
            link(kind, value);
        }
    }
}

fn id_package(id: &PackageId) -> PackageName {
    id.package()
}

/// The fact-level versions an advisory names: each listed version, or `None` for "any".
fn advisory_versions(a: &Advisory) -> Vec<Option<String>> {
    match &a.versions {
        Versions::List(vs) => {
            let vs: Vec<Option<String>> = vs
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| Some(v.to_string()))
                .collect();
            if vs.is_empty() { vec![None] } else { vs }
        }
        Versions::All | Versions::Ranges(_) => vec![None],
    }
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Write `batch` inside an already open transaction. `progress` is called with the name of
/// each table after its rows are written (used by tests to interrupt an ingest midway).
pub(crate) fn write_batch(
    conn: &mut Conn,
    batch: &Batch,
    ingested_at: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<IngestSummary, StoreError> {
    let src = batch.source.as_str();
    let mut summary = IngestSummary {
        source: src.to_string(),
        ..IngestSummary::default()
    };

    for table in SOURCE_TABLES {
        conn.exec(
            &format!("DELETE FROM {table} WHERE source = ?"),
            &[Value::text(src)],
        )?;
    }
    progress("delete");

    let mut rows = Rows::default();

    // Advisories and their children.
    let mut adv = Vec::with_capacity(batch.advisories.len());
    let mut refs = Vec::new();
    let mut credits = Vec::new();
    let mut origins = Vec::new();
    let mut adv_ind = Vec::new();
    let mut seen_children = HashSet::new();
    for a in &batch.advisories {
        let withdrawn = a.withdrawn.is_some();
        let date = a.published.as_deref().or(a.modified.as_deref());
        for v in advisory_versions(a) {
            rows.fact(
                &a.package,
                v.as_deref(),
                FactKind::Advisory,
                withdrawn,
                date,
            );
        }
        adv.push(vec![
            Value::text(src),
            Value::text(a.id.clone()),
            Value::text(a.package.ecosystem.as_str()),
            Value::text(a.package.name.clone()),
            Value::text(json(&a.versions)?),
            Value::opt_text(a.published.as_deref()),
            Value::opt_text(a.modified.as_deref()),
            Value::opt_text(a.withdrawn.as_deref()),
            Value::text(json(&a.aliases)?),
            Value::opt_text(a.summary.as_deref()),
            Value::opt_text(a.details.as_deref()),
            Value::opt_text(a.category.as_deref()),
            Value::text(a.location.clone()),
        ]);
        // One OSV document may affect several packages: its references, credits, origins
        // and indicators are stored once per advisory id.
        if !seen_children.insert(a.id.clone()) {
            continue;
        }
        for (i, r) in a.references.iter().enumerate() {
            refs.push(vec![
                Value::text(src),
                Value::text(a.id.clone()),
                Value::int(i as i64),
                Value::text(r.clone()),
            ]);
        }
        for (i, c) in a.credits.iter().enumerate() {
            credits.push(vec![
                Value::text(src),
                Value::text(a.id.clone()),
                Value::int(i as i64),
                Value::text(c.clone()),
            ]);
        }
        for (i, o) in a.origins.iter().enumerate() {
            origins.push(vec![
                Value::text(src),
                Value::text(a.id.clone()),
                Value::int(i as i64),
                Value::opt_text(o.source.as_deref()),
                Value::opt_text(o.sha256.as_deref()),
                Value::text(json(&o.versions)?),
                Value::opt_text(o.import_time.as_deref()),
            ]);
        }
        rows.iocs(&a.iocs, |k, v| {
            adv_ind.push(vec![
                Value::text(src),
                Value::text(a.id.clone()),
                Value::text(k),
                Value::text(v),
            ])
        });
    }
    summary.advisories = conn.insert_rows(
        "advisory",
        &[
            "source",
            "id",
            "ecosystem",
            "name",
            "versions_json",
            "published",
            "modified",
            "withdrawn",
            "aliases_json",
            "summary",
            "details",
            "category",
            "location",
        ],
        4,
        "",
        adv,
    )?;
    progress("advisory");
    let child = ["source", "advisory_id", "seq"];
    conn.insert_rows(
        "advisory_reference",
        &[child[0], child[1], child[2], "url"],
        0,
        "",
        refs,
    )?;
    conn.insert_rows(
        "advisory_credit",
        &[child[0], child[1], child[2], "credit"],
        0,
        "",
        credits,
    )?;
    conn.insert_rows(
        "advisory_origin",
        &[
            child[0],
            child[1],
            child[2],
            "origin_source",
            "sha256",
            "versions_json",
            "import_time",
        ],
        0,
        "",
        origins,
    )?;
    conn.insert_rows(
        "advisory_indicator",
        &["source", "advisory_id", "kind", "value"],
        4,
        "",
        adv_ind,
    )?;
    progress("advisory children");

    // Name entries.
    let mut names = Vec::with_capacity(batch.names.len());
    for n in &batch.names {
        let p = id_package(&n.package);
        rows.fact(
            &p,
            n.package.version.as_deref(),
            FactKind::Name,
            false,
            n.date.as_deref(),
        );
        names.push(vec![
            Value::text(src),
            Value::text(p.ecosystem.as_str()),
            Value::text(p.name.clone()),
            Value::text(n.package.version.clone().unwrap_or_default()),
            Value::opt_text(n.date.as_deref()),
            Value::opt_text(n.source.as_deref()),
        ]);
    }
    summary.names = conn.insert_rows(
        "name_entry",
        &[
            "source",
            "ecosystem",
            "name",
            "version",
            "listed_date",
            "list_source",
        ],
        4,
        "",
        names,
    )?;
    progress("name_entry");

    // Samples: the archive (shared, by hash) and where this source found it.
    let mut samples = Vec::with_capacity(batch.samples.len());
    let mut sample_pkgs = Vec::with_capacity(batch.samples.len());
    for s in &batch.samples {
        let p = id_package(&s.package);
        rows.fact(
            &p,
            s.package.version.as_deref(),
            FactKind::Sample,
            false,
            s.date.as_deref(),
        );
        let sha = s.sha256.trim().to_ascii_lowercase();
        samples.push(vec![
            Value::text(sha.clone()),
            Value::int(i64::try_from(s.size).unwrap_or(i64::MAX)),
        ]);
        sample_pkgs.push(vec![
            Value::text(src),
            Value::text(s.location.clone()),
            Value::text(sha),
            Value::text(p.ecosystem.as_str()),
            Value::text(p.name.clone()),
            Value::text(s.package.version.clone().unwrap_or_default()),
            Value::opt_text(s.date.as_deref()),
            Value::opt_text(s.label.as_deref()),
        ]);
    }
    conn.insert_rows(
        "sample",
        &["sha256", "size"],
        1,
        "ON CONFLICT (sha256) DO UPDATE SET size = excluded.size",
        samples,
    )?;
    summary.samples = conn.insert_rows(
        "sample_package",
        &[
            "source",
            "location",
            "sha256",
            "ecosystem",
            "name",
            "version",
            "sample_date",
            "label",
        ],
        2,
        "",
        sample_pkgs,
    )?;
    progress("sample");

    // Report pages, the packages they name and their indicators.
    let mut reports = Vec::with_capacity(batch.reports.len());
    let mut report_pkgs = Vec::new();
    let mut report_ind = Vec::new();
    for r in &batch.reports {
        reports.push(vec![
            Value::text(src),
            Value::text(r.location.clone()),
            Value::text(r.sha256.trim().to_ascii_lowercase()),
            Value::opt_text(r.title.as_deref()),
            Value::opt_text(r.published.as_deref()),
        ]);
        for id in &r.packages {
            let p = id_package(id);
            rows.fact(
                &p,
                id.version.as_deref(),
                FactKind::Report,
                false,
                r.published.as_deref(),
            );
            report_pkgs.push(vec![
                Value::text(src),
                Value::text(r.location.clone()),
                Value::text(p.ecosystem.as_str()),
                Value::text(p.name.clone()),
                Value::text(id.version.clone().unwrap_or_default()),
            ]);
        }
        rows.iocs(&r.iocs, |k, v| {
            report_ind.push(vec![
                Value::text(src),
                Value::text(r.location.clone()),
                Value::text(k),
                Value::text(v),
            ])
        });
    }
    summary.reports = conn.insert_rows(
        "report",
        &["source", "location", "sha256", "title", "published"],
        2,
        "",
        reports,
    )?;
    conn.insert_rows(
        "report_package",
        &["source", "location", "ecosystem", "name", "version"],
        5,
        "",
        report_pkgs,
    )?;
    conn.insert_rows(
        "report_indicator",
        &["source", "location", "kind", "value"],
        4,
        "",
        report_ind,
    )?;
    progress("report");

    // Shared entities.
    conn.insert_rows(
        "package",
        &["ecosystem", "name"],
        2,
        "ON CONFLICT (ecosystem, name) DO NOTHING",
        std::mem::take(&mut rows.packages)
            .into_iter()
            .map(|(e, n)| vec![Value::text(e), Value::text(n)])
            .collect(),
    )?;
    conn.insert_rows(
        "package_version",
        &["ecosystem", "name", "version"],
        3,
        "ON CONFLICT (ecosystem, name, version) DO NOTHING",
        std::mem::take(&mut rows.versions)
            .into_iter()
            .map(|(e, n, v)| vec![Value::text(e), Value::text(n), Value::text(v)])
            .collect(),
    )?;
    conn.insert_rows(
        "indicator",
        &["kind", "value"],
        2,
        "ON CONFLICT (kind, value) DO NOTHING",
        std::mem::take(&mut rows.indicators)
            .into_iter()
            .map(|(k, v)| vec![Value::text(k), Value::text(v)])
            .collect(),
    )?;
    progress("shared");

    // Facts.
    let facts: Vec<Vec<Value>> = std::mem::take(&mut rows.facts)
        .into_iter()
        .map(|((eco, name, version, kind, withdrawn), date)| {
            vec![
                Value::text(src),
                Value::text(eco),
                Value::text(name),
                Value::text(version),
                Value::text(kind),
                Value::int(i64::from(withdrawn)),
                Value::Text(date),
            ]
        })
        .collect();
    summary.facts = conn.insert_rows(
        "fact",
        &[
            "source",
            "ecosystem",
            "name",
            "version",
            "kind",
            "withdrawn",
            "first_reported",
        ],
        0,
        "",
        facts,
    )?;
    progress("fact");

    // Errors and the source row itself.
    let errors: Vec<Vec<Value>> = batch
        .errors
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                Value::text(src),
                Value::int(i as i64),
                Value::text(e.location.clone()),
                Value::text(e.reason.clone()),
            ]
        })
        .collect();
    summary.errors = conn.insert_rows(
        "source_error",
        &["source", "seq", "location", "reason"],
        2,
        "",
        errors,
    )?;
    let count = |n: u64| Value::int(i64::try_from(n).unwrap_or(i64::MAX));
    conn.exec(
        "INSERT INTO source (name, kind, location, ingested_at, advisories, samples, names, \
         reports, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, \
         ingested_at = excluded.ingested_at, advisories = excluded.advisories, \
         samples = excluded.samples, names = excluded.names, reports = excluded.reports, \
         errors = excluded.errors",
        &[
            Value::text(src),
            Value::text(batch.kind.as_str()),
            Value::text(batch.location.clone()),
            Value::text(ingested_at),
            count(summary.advisories),
            count(summary.samples),
            count(summary.names),
            count(summary.reports),
            count(summary.errors),
        ],
    )?;

    garbage_collect(conn)?;
    progress("done");
    Ok(summary)
}

/// Remove shared rows that nothing refers to any more (after a source shrank).
pub(crate) fn garbage_collect(conn: &mut Conn) -> Result<(), StoreError> {
    conn.batch(
        "DELETE FROM sample WHERE NOT EXISTS \
            (SELECT 1 FROM sample_package p WHERE p.sha256 = sample.sha256);
         DELETE FROM package_version WHERE NOT EXISTS \
            (SELECT 1 FROM fact f WHERE f.ecosystem = package_version.ecosystem \
             AND f.name = package_version.name AND f.version = package_version.version);
         DELETE FROM package WHERE NOT EXISTS \
            (SELECT 1 FROM fact f WHERE f.ecosystem = package.ecosystem \
             AND f.name = package.name);
         DELETE FROM indicator WHERE NOT EXISTS \
            (SELECT 1 FROM advisory_indicator a WHERE a.kind = indicator.kind \
             AND a.value = indicator.value) \
          AND NOT EXISTS (SELECT 1 FROM report_indicator r WHERE r.kind = indicator.kind \
             AND r.value = indicator.value) \
          AND NOT EXISTS (SELECT 1 FROM scan_indicator s WHERE s.kind = indicator.kind \
             AND s.value = indicator.value);",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_keys() {
        assert_eq!(
            date_key("2023-02-27T10:00:00Z").as_deref(),
            Some("2023-02-27")
        );
        assert_eq!(date_key(" 2024-12-01 ").as_deref(), Some("2024-12-01"));
        assert_eq!(date_key("2024-13-01"), None);
        assert_eq!(date_key("Mon, 27 Feb 2023"), None);
        assert_eq!(date_key("2024-1"), None);
    }

    #[test]
    fn long_indicators_are_cut_at_a_char_boundary() {
        let long = "é".repeat(MAX_INDICATOR_BYTES);
        let cut = indicator_value(&long);
        assert!(cut.len() <= MAX_INDICATOR_BYTES && cut.len() >= MAX_INDICATOR_BYTES - 1);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(indicator_value("short"), "short");
    }

    #[test]
    fn earliest_date_wins() {
        assert_eq!(
            min_date(Some("2024-01-02".into()), Some("2023-05-05".into())).as_deref(),
            Some("2023-05-05")
        );
        assert_eq!(
            min_date(None, Some("2023-05-05".into())).as_deref(),
            Some("2023-05-05")
        );
    }
}

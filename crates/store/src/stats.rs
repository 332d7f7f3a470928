//! `malgraph stats`: counts per source and ecosystem, overlap between sources.
//!
//! Everything is computed from the `fact` table (who reported what, when) plus the sample
//! and report tables. A package counts as *reported malicious* when it has at least one fact
//! that is not from a withdrawn advisory; it counts as *withdrawn* when every fact about it
//! comes from withdrawn advisories. A package is *tracked* when at least one sample of it
//! (any version, any source) is stored, *untracked* otherwise; the missing rate is
//! untracked / packages (Guo et al. call these tracked and untracked packages).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::StoreError;
use crate::db::Conn;

/// Counts for one source and one ecosystem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStats {
    /// Source name.
    pub source: String,
    /// Source kind (`osv`, `names`, `malregistry`, ...).
    pub kind: String,
    /// Ecosystem (OSV spelling).
    pub ecosystem: String,
    /// Distinct packages this source reports malicious (not withdrawn).
    pub packages: u64,
    /// Distinct (package, version) pairs with an explicit version.
    pub versions: u64,
    /// Of `packages`, how many have a stored sample (from any source): tracked.
    pub with_sample: u64,
    /// Of `packages`, how many have none: untracked.
    pub without_sample: u64,
    /// `without_sample / packages` (0 when there are no packages).
    pub missing_rate: f64,
    /// Earliest report date (`YYYY-MM-DD`) of a non-withdrawn fact, if any is dated.
    pub first_report: Option<String>,
    /// Latest first-report date of a non-withdrawn fact.
    pub last_report: Option<String>,
    /// Packages this source only reported in withdrawn advisories.
    pub withdrawn: u64,
}

/// Totals for one ecosystem over all sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcosystemStats {
    /// Ecosystem (OSV spelling).
    pub ecosystem: String,
    /// Distinct packages reported malicious and not withdrawn.
    pub packages: u64,
    /// Distinct (package, version) pairs with an explicit version.
    pub versions: u64,
    /// Packages with a stored sample.
    pub tracked: u64,
    /// Packages without one.
    pub untracked: u64,
    /// `untracked / packages`.
    pub missing_rate: f64,
    /// Packages only ever reported in withdrawn advisories.
    pub withdrawn: u64,
}

/// How many packages two sources both report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    /// First source (alphabetically smaller).
    pub a: String,
    /// Second source.
    pub b: String,
    /// Distinct packages (ecosystem, normalised name) reported by both, not withdrawn.
    pub shared: u64,
}

/// Everything `malgraph stats` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Distinct normalised names reported malicious and not withdrawn, per ecosystem.
    pub packages_by_ecosystem: BTreeMap<String, u64>,
    /// Documents ingested: distinct advisory ids plus distinct report pages (by sha256).
    pub reports: u64,
    /// Archives stored: distinct sample sha256.
    pub samples: u64,
    /// Sample files (distinct locations); larger than `samples` when identical archives
    /// sit at several places.
    pub sample_files: u64,
    /// Distinct advisory ids (OSV documents), withdrawn ones included.
    pub advisories: u64,
    /// Distinct advisory ids that are withdrawn.
    pub withdrawn_advisories: u64,
    /// Distinct report pages (by sha256).
    pub report_pages: u64,
    /// Name-list entries (source, package, version).
    pub name_entries: u64,
    /// Stored scan results.
    pub scans: u64,
    /// Distinct packages reported malicious and not withdrawn, all ecosystems.
    pub packages: u64,
    /// Packages only reported in withdrawn advisories, all ecosystems.
    pub withdrawn_packages: u64,
    /// Packages with a stored sample.
    pub tracked: u64,
    /// Packages without one.
    pub untracked: u64,
    /// `untracked / packages`.
    pub missing_rate: f64,
    /// Per ecosystem totals.
    pub ecosystems: Vec<EcosystemStats>,
    /// Per source and ecosystem.
    pub sources: Vec<SourceStats>,
    /// Pairwise overlap between sources (pairs sharing nothing are listed with 0).
    pub overlap: Vec<Overlap>,
    /// Number of sources reporting a package -> number of such packages.
    pub sources_per_package: BTreeMap<u32, u64>,
}

fn rate(missing: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        // Rounded to 4 decimals so JSON output is stable and readable.
        ((missing as f64 / total as f64) * 10_000.0).round() / 10_000.0
    }
}

fn count(conn: &mut Conn, sql: &str) -> Result<u64, StoreError> {
    let rows = conn.query(sql, &[])?;
    Ok(rows.first().map(|r| r.int(0)).unwrap_or(0).max(0) as u64)
}

#[derive(Default)]
struct Acc {
    packages: HashSet<String>,
    versions: HashSet<(String, String)>,
    first: Option<String>,
    last: Option<String>,
    withdrawn_only: HashSet<String>,
}

/// Compute [`Stats`].
pub(crate) fn compute(conn: &mut Conn) -> Result<Stats, StoreError> {
    // Source kinds.
    let kinds: HashMap<String, String> = conn
        .query("SELECT name, kind FROM source", &[])?
        .into_iter()
        .map(|r| (r.text(0), r.text(1)))
        .collect();

    // Packages with a sample.
    let sampled: HashSet<(String, String)> = conn
        .query("SELECT DISTINCT ecosystem, name FROM sample_package", &[])?
        .into_iter()
        .map(|r| (r.text(0), r.text(1)))
        .collect();

    // Facts.
    let facts = conn.query(
        "SELECT source, ecosystem, name, version, withdrawn, first_reported FROM fact",
        &[],
    )?;
    let mut per: BTreeMap<(String, String), Acc> = BTreeMap::new();
    // (eco, name) -> sources with an active fact.
    let mut active: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    let mut withdrawn_any: HashSet<(String, String)> = HashSet::new();
    let mut eco_versions: HashSet<(String, String, String)> = HashSet::new();
    for r in &facts {
        let (source, eco, name, version) = (r.text(0), r.text(1), r.text(2), r.text(3));
        let withdrawn = r.int(4) != 0;
        let date = r.opt_text(5);
        let acc = per.entry((source.clone(), eco.clone())).or_default();
        if withdrawn {
            acc.withdrawn_only.insert(name.clone());
            withdrawn_any.insert((eco, name));
            continue;
        }
        acc.packages.insert(name.clone());
        if !version.is_empty() {
            acc.versions.insert((name.clone(), version.clone()));
            eco_versions.insert((eco.clone(), name.clone(), version));
        }
        if let Some(d) = date {
            if acc.first.as_ref().is_none_or(|f| d < *f) {
                acc.first = Some(d.clone());
            }
            if acc.last.as_ref().is_none_or(|l| d > *l) {
                acc.last = Some(d);
            }
        }
        active.entry((eco, name)).or_default().insert(source);
    }

    let mut sources = Vec::with_capacity(per.len());
    for ((source, eco), acc) in per {
        let packages = acc.packages.len() as u64;
        let with_sample = acc
            .packages
            .iter()
            .filter(|n| sampled.contains(&(eco.clone(), (*n).clone())))
            .count() as u64;
        let withdrawn = acc
            .withdrawn_only
            .iter()
            .filter(|n| !acc.packages.contains(*n))
            .count() as u64;
        sources.push(SourceStats {
            kind: kinds.get(&source).cloned().unwrap_or_default(),
            source,
            ecosystem: eco,
            packages,
            versions: acc.versions.len() as u64,
            with_sample,
            without_sample: packages - with_sample,
            missing_rate: rate(packages - with_sample, packages),
            first_report: acc.first,
            last_report: acc.last,
            withdrawn,
        });
    }

    // Per ecosystem, overlap, sources per package.
    let mut packages_by_ecosystem: BTreeMap<String, u64> = BTreeMap::new();
    let mut eco_tracked: BTreeMap<String, u64> = BTreeMap::new();
    let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut sources_per_package: BTreeMap<u32, u64> = BTreeMap::new();
    let all_sources: BTreeSet<String> = kinds.keys().cloned().collect();
    for a in &all_sources {
        for b in all_sources.range::<String, _>((
            std::ops::Bound::Excluded(a.clone()),
            std::ops::Bound::Unbounded,
        )) {
            pairs.insert((a.clone(), b.clone()), 0);
        }
    }
    for ((eco, name), srcs) in &active {
        *packages_by_ecosystem.entry(eco.clone()).or_default() += 1;
        if sampled.contains(&(eco.clone(), name.clone())) {
            *eco_tracked.entry(eco.clone()).or_default() += 1;
        }
        *sources_per_package
            .entry(u32::try_from(srcs.len()).unwrap_or(u32::MAX))
            .or_default() += 1;
        let v: Vec<&String> = srcs.iter().collect();
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                *pairs.entry((v[i].clone(), v[j].clone())).or_default() += 1;
            }
        }
    }
    let mut eco_withdrawn: BTreeMap<String, u64> = BTreeMap::new();
    for (eco, name) in &withdrawn_any {
        if !active.contains_key(&(eco.clone(), name.clone())) {
            *eco_withdrawn.entry(eco.clone()).or_default() += 1;
        }
    }
    let mut eco_version_counts: BTreeMap<String, u64> = BTreeMap::new();
    for (eco, _, _) in &eco_versions {
        *eco_version_counts.entry(eco.clone()).or_default() += 1;
    }
    let eco_names: BTreeSet<String> = packages_by_ecosystem
        .keys()
        .chain(eco_withdrawn.keys())
        .cloned()
        .collect();
    let ecosystems: Vec<EcosystemStats> = eco_names
        .into_iter()
        .map(|eco| {
            let packages = packages_by_ecosystem.get(&eco).copied().unwrap_or(0);
            let tracked = eco_tracked.get(&eco).copied().unwrap_or(0);
            EcosystemStats {
                versions: eco_version_counts.get(&eco).copied().unwrap_or(0),
                withdrawn: eco_withdrawn.get(&eco).copied().unwrap_or(0),
                packages,
                tracked,
                untracked: packages - tracked,
                missing_rate: rate(packages - tracked, packages),
                ecosystem: eco,
            }
        })
        .collect();
    let packages: u64 = packages_by_ecosystem.values().sum();
    let tracked: u64 = eco_tracked.values().sum();

    let advisories = count(
        conn,
        "SELECT COUNT(*) FROM (SELECT DISTINCT id FROM advisory) t",
    )?;
    let withdrawn_advisories = count(
        conn,
        "SELECT COUNT(*) FROM (SELECT DISTINCT id FROM advisory WHERE withdrawn IS NOT NULL) t",
    )?;
    let report_pages = count(
        conn,
        "SELECT COUNT(*) FROM (SELECT DISTINCT sha256 FROM report) t",
    )?;
    Ok(Stats {
        reports: advisories + report_pages,
        samples: count(conn, "SELECT COUNT(*) FROM sample")?,
        sample_files: count(
            conn,
            "SELECT COUNT(*) FROM (SELECT DISTINCT location FROM sample_package) t",
        )?,
        advisories,
        withdrawn_advisories,
        report_pages,
        name_entries: count(conn, "SELECT COUNT(*) FROM name_entry")?,
        scans: count(conn, "SELECT COUNT(*) FROM scan")?,
        packages,
        withdrawn_packages: eco_withdrawn.values().sum(),
        tracked,
        untracked: packages - tracked,
        missing_rate: rate(packages - tracked, packages),
        packages_by_ecosystem,
        ecosystems,
        sources,
        overlap: pairs
            .into_iter()
            .map(|((a, b), shared)| Overlap { a, b, shared })
            .collect(),
        sources_per_package,
    })
}

/// Lay out rows as an aligned table (first column left-aligned, the rest right-aligned).
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                s.push_str("  ");
            }
            if i < 2 {
                let _ = write!(s, "{c:<w$}");
            } else {
                let _ = write!(s, "{c:>w$}");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &head);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule);
    for r in rows {
        line(out, r);
    }
}

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// Render [`Stats`] as aligned text tables (the default output of `malgraph stats`).
pub fn render_text(s: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "documents: {} ({} advisories, {} withdrawn; {} report pages)   samples: {} archives in {} files   name entries: {}   scans: {}",
        s.reports,
        s.advisories,
        s.withdrawn_advisories,
        s.report_pages,
        s.samples,
        s.sample_files,
        s.name_entries,
        s.scans
    );
    let _ = writeln!(
        out,
        "packages reported malicious: {} (tracked {}, untracked {}, missing rate {}); withdrawn only: {}\n",
        s.packages,
        s.tracked,
        s.untracked,
        pct(s.missing_rate),
        s.withdrawn_packages
    );

    let rows: Vec<Vec<String>> = s
        .ecosystems
        .iter()
        .map(|e| {
            vec![
                e.ecosystem.clone(),
                String::new(),
                e.packages.to_string(),
                e.versions.to_string(),
                e.tracked.to_string(),
                e.untracked.to_string(),
                pct(e.missing_rate),
                e.withdrawn.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "ecosystem",
            "",
            "packages",
            "versions",
            "tracked",
            "untracked",
            "missing",
            "withdrawn",
        ],
        &rows,
    );
    out.push('\n');

    let rows: Vec<Vec<String>> = s
        .sources
        .iter()
        .map(|x| {
            vec![
                x.source.clone(),
                x.ecosystem.clone(),
                x.packages.to_string(),
                x.versions.to_string(),
                x.with_sample.to_string(),
                x.without_sample.to_string(),
                pct(x.missing_rate),
                x.first_report.clone().unwrap_or_else(|| "-".into()),
                x.last_report.clone().unwrap_or_else(|| "-".into()),
                x.withdrawn.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "source",
            "ecosystem",
            "packages",
            "versions",
            "sample",
            "no sample",
            "missing",
            "first",
            "last",
            "withdrawn",
        ],
        &rows,
    );

    if !s.overlap.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = s
            .overlap
            .iter()
            .map(|o| vec![o.a.clone(), o.b.clone(), o.shared.to_string()])
            .collect();
        table(&mut out, &["source", "source", "shared packages"], &rows);
    }

    if !s.sources_per_package.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = s
            .sources_per_package
            .iter()
            .map(|(n, c)| vec![n.to_string(), String::new(), c.to_string()])
            .collect();
        table(&mut out, &["sources", "", "packages"], &rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_rounded_and_safe() {
        assert_eq!(rate(0, 0), 0.0);
        assert_eq!(rate(1, 3), 0.3333);
        assert_eq!(rate(2, 2), 1.0);
    }

    #[test]
    fn table_aligns_columns() {
        let mut out = String::new();
        table(
            &mut out,
            &["a", "b", "n"],
            &[
                vec!["long-name".into(), "x".into(), "5".into()],
                vec!["s".into(), "yy".into(), "12345".into()],
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "a          b       n");
        assert_eq!(lines[2], "long-name  x       5");
        assert_eq!(lines[3], "s          yy  12345");
    }
}

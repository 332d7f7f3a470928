//! Shared helpers of the store tests: synthetic batches and the backends to run on.
#![allow(dead_code)]

use malgraph_core::{Ecosystem, Iocs, PackageId, PackageName};
use malgraph_intel::{
    Advisory, Batch, NameEntry, Origin, Report, Sample, SourceError, SourceKind, Versions,
};

/// Run `f` on a fresh SQLite file, then on a fresh PostgreSQL schema when
/// `MALGRAPH_TEST_POSTGRES` is set (otherwise a skip line is printed).
pub fn each_backend(test: &str, f: impl Fn(&str)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    let target = path.to_str().expect("utf-8 temp path").to_string();
    eprintln!("[{test}] sqlite: {target}");
    f(&target);
    match pg_target(test) {
        Some(url) => {
            eprintln!("[{test}] postgres");
            f(&url);
        }
        None => eprintln!("[{test}] postgres: skipped (MALGRAPH_TEST_POSTGRES not set)"),
    }
}

/// A URL for a fresh, empty schema named after `test` on the test server, if configured.
pub fn pg_target(test: &str) -> Option<String> {
    let url = std::env::var("MALGRAPH_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    let schema = format!(
        "mgtest_{}",
        test.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let mut c = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to MALGRAPH_TEST_POSTGRES={url}: {e}"));
    c.batch_execute(&format!(
        "SET client_min_messages = WARNING; DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))
    .expect("create test schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}

pub fn pkg(eco: Ecosystem, name: &str) -> PackageName {
    PackageName::new(eco, name)
}

pub fn pypi(name: &str) -> PackageName {
    pkg(Ecosystem::PyPI, name)
}

pub fn npm(name: &str) -> PackageName {
    pkg(Ecosystem::Npm, name)
}

/// An advisory with every field filled.
pub fn advisory(id: &str, package: PackageName, versions: Versions, published: &str) -> Advisory {
    let mut iocs = Iocs::default();
    iocs.domains.insert(format!("{}.evil.test", package.name));
    Advisory {
        id: id.to_string(),
        package,
        versions,
        published: Some(published.to_string()),
        modified: Some(format!("{published}-modified")),
        withdrawn: None,
        aliases: vec![format!("GHSA-{id}")],
        summary: Some(format!("Malicious code in {id}")),
        details: Some("steals credentials".into()),
        references: vec![
            format!("https://example.test/{id}"),
            "https://blog.test/campaign".into(),
        ],
        credits: vec!["Researcher A".into()],
        origins: vec![Origin {
            source: Some("ghsa-malware".into()),
            sha256: Some("ab".repeat(32)),
            versions: vec!["1.0".into()],
            import_time: Some("2024-01-01T00:00:00Z".into()),
        }],
        iocs,
        category: Some("malware".into()),
        location: format!("osv/malicious/{id}.json"),
    }
}

pub fn withdrawn(mut a: Advisory) -> Advisory {
    a.withdrawn = Some("2024-06-01T00:00:00Z".into());
    a
}

pub fn sample(package: PackageId, sha_seed: u32, date: Option<&str>) -> Sample {
    Sample {
        location: format!(
            "/samples/{}/{}/{}.tar.gz",
            package.name,
            package.version.clone().unwrap_or_default(),
            sha_seed
        ),
        sha256: format!("{sha_seed:064x}"),
        size: 1000 + u64::from(sha_seed),
        date: date.map(str::to_string),
        label: Some("malicious_intent".into()),
        package,
    }
}

pub fn name_entry(package: PackageId, date: Option<&str>) -> NameEntry {
    NameEntry {
        package,
        date: date.map(str::to_string),
        source: Some("list-a".into()),
    }
}

pub fn report(location: &str, packages: Vec<PackageId>, published: Option<&str>) -> Report {
    let mut iocs = Iocs::default();
    iocs.ips.insert("203.0.113.9".into());
    iocs.webhooks
        .insert("https://discord.com/api/webhooks/1/x".into());
    Report {
        location: location.to_string(),
        title: Some(format!("Report {location}")),
        published: published.map(str::to_string),
        packages,
        iocs,
        sha256: format!("{:064x}", location.len() + 7),
    }
}

/// An OSV batch of `n` PyPI advisories `pkg-<i>` (every 10th withdrawn), plus one npm
/// advisory affecting two packages (same id). `variant` 2 drops the first 5 and adds 3.
pub fn osv_batch(source: &str, n: usize, variant: u32) -> Batch {
    let mut b = Batch::new(source, SourceKind::Osv, "/intel/ossf.zip");
    let (start, end) = if variant == 2 { (5, n + 3) } else { (0, n) };
    for i in start..end {
        let versions = match i % 3 {
            0 => Versions::All,
            1 => Versions::List(vec!["1.0".into(), format!("1.{i}")]),
            _ => Versions::Ranges(vec![malgraph_intel::VersionRange {
                introduced: Some("0".into()),
                fixed: Some("2.0".into()),
                last_affected: None,
            }]),
        };
        let mut a = advisory(
            &format!("MAL-2023-{i}"),
            pypi(&format!("Pkg_{i}")),
            versions,
            &format!("2023-{:02}-{:02}T00:00:00Z", 1 + i % 12, 1 + i % 28),
        );
        if i % 10 == 9 {
            a = withdrawn(a);
        }
        b.advisories.push(a);
    }
    let shared = advisory(
        "MAL-2024-1",
        npm("@Evil/one"),
        Versions::List(vec!["0.0.1".into()]),
        "2024-02-02T10:00:00Z",
    );
    let mut second = shared.clone();
    second.package = npm("evil-two");
    b.advisories.push(shared);
    b.advisories.push(second);
    b.errors
        .push(SourceError::new("osv/broken.json", "expected value"));
    b
}

//! The real corpus (`../shared/corpus`, or `$MALGRAPH_CORPUS`) parsed by malgraph-intel and
//! ingested: counts against an independent count of the same files, idempotence, speed.
//! Skips cleanly when the corpus is absent. Samples are never opened here: intel only hashes
//! their bytes.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use malgraph_store::Store;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("MALGRAPH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    (dir.join("intel").is_dir() && dir.join("malicious").is_dir()).then_some(dir)
}

/// Names of the `.json` members of a zip (read from its central directory only).
fn zip_json_members(path: &Path) -> BTreeSet<String> {
    let f = std::fs::File::open(path).expect("open zip");
    let z = zip::ZipArchive::new(f).expect("read zip");
    z.file_names()
        .filter_map(Result::ok)
        .filter(|n| n.to_ascii_lowercase().ends_with(".json"))
        .map(|n| n.into_owned())
        .collect()
}

/// Independent count of advisory documents: distinct OSV ids in the JSON members, read with
/// a plain JSON parser rather than malgraph-intel.
fn distinct_ids(path: &Path) -> BTreeSet<String> {
    let f = std::fs::File::open(path).expect("open zip");
    let mut z = zip::ZipArchive::new(f).expect("read zip");
    let mut ids = BTreeSet::new();
    for name in zip_json_members(path) {
        let mut buf = String::new();
        if z.by_name(&name)
            .ok()
            .and_then(|mut m| m.read_to_string(&mut buf).ok())
            .is_none()
        {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&buf)
            && let Some(id) = v.get("id").and_then(|i| i.as_str())
        {
            ids.insert(id.to_string());
        }
    }
    ids
}

#[test]
fn real_corpus_counts_and_idempotence() {
    let Some(dir) = corpus() else {
        eprintln!("corpus absent: skipped");
        return;
    };
    let sources: Vec<PathBuf> = [
        "intel/ossf-malicious-packages.zip",
        "intel/leitwacht-malicious-packages.zip",
        "intel/backstabbers-knife-collection/packages.json",
        "intel/maloss",
        "malicious",
    ]
    .iter()
    .map(|s| dir.join(s))
    .collect();

    let t = Instant::now();
    let mut batches = Vec::new();
    for s in &sources {
        let b =
            malgraph_intel::parse_source(s.to_str().expect("utf-8 path"), None, None, &|_, _| {})
                .unwrap_or_else(|e| panic!("parse {}: {e}", s.display()));
        eprintln!(
            "[corpus] {} -> source {:?} kind {}: {} advisories, {} samples, {} names, {} errors",
            s.display(),
            b.source,
            b.kind,
            b.advisories.len(),
            b.samples.len(),
            b.names.len(),
            b.errors.len()
        );
        batches.push(b);
    }
    let parse = t.elapsed();

    common::each_backend("corpus", |target| {
        let mut store = Store::open(target).expect("open");
        let t = Instant::now();
        for b in &batches {
            store.ingest(b).expect("ingest");
        }
        let ingest = t.elapsed();
        let first = store.stats().expect("stats");
        let t = Instant::now();
        for b in &batches {
            store.ingest(b).expect("re-ingest");
        }
        let reingest = t.elapsed();
        let second = store.stats().expect("stats");
        eprintln!(
            "[corpus] {target}: parse {parse:?}, ingest {ingest:?}, re-ingest {reingest:?}; \
             packages_by_ecosystem {:?}, reports {}, samples {} ({} files), tracked {}, untracked {}",
            first.packages_by_ecosystem,
            first.reports,
            first.samples,
            first.sample_files,
            first.tracked,
            first.untracked
        );
        assert_eq!(first, second, "collect twice must give the same counts");

        // Advisory documents: distinct ids of the JSON files, counted without malgraph-intel.
        let mut ids = distinct_ids(&dir.join("intel/ossf-malicious-packages.zip"));
        ids.extend(distinct_ids(
            &dir.join("intel/leitwacht-malicious-packages.zip"),
        ));
        assert_eq!(first.advisories, ids.len() as u64);
        assert_eq!(
            first.reports,
            ids.len() as u64,
            "no report pages in this corpus"
        );

        // Samples: the manifest's rows (files) and distinct sha256 (archives).
        let mut rdr = csv::Reader::from_path(dir.join("malicious/manifest.csv")).expect("manifest");
        let headers = rdr.headers().expect("headers").clone();
        let sha_col = headers
            .iter()
            .position(|h| h == "sha256")
            .expect("sha256 column");
        let mut files = 0u64;
        let mut shas = BTreeSet::new();
        for rec in rdr.records() {
            let rec = rec.expect("manifest row");
            files += 1;
            shas.insert(rec.get(sha_col).unwrap_or_default().to_string());
        }
        assert_eq!(first.sample_files, files);
        assert_eq!(first.samples, shas.len() as u64);
    });
}

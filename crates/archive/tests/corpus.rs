//! Opens every archive of the shared malicious corpus in memory (skips when it is absent).

use std::collections::BTreeMap;
use std::path::PathBuf;

use malgraph_archive::{Options, find_archives, open_bytes};

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/malicious");
    p.is_dir().then_some(p)
}

#[test]
fn malicious_corpus_opens_in_memory() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: shared/corpus/malicious is absent");
        return;
    };
    // Every file, not only those that look like archives: the empty and broken ones count too.
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x != "csv"))
        .collect();
    paths.sort();
    assert!(
        paths.len() > 100,
        "corpus looks incomplete: {}",
        paths.len()
    );
    let opts = Options::default();
    let mut formats: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut anomalies: BTreeMap<String, usize> = BTreeMap::new();
    let (mut ok, mut files) = (0usize, 0usize);
    let start = std::time::Instant::now();
    for p in &paths {
        let bytes = std::fs::read(p).expect("read corpus file");
        match open_bytes(&bytes, &opts) {
            Ok(u) => {
                ok += 1;
                files += u.files.len();
                *formats.entry(u.format.to_string()).or_default() += 1;
                for a in &u.anomalies {
                    *anomalies.entry(a.kind.to_string()).or_default() += 1;
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", p.display());
                let kind = e.to_string().split(':').next().unwrap_or("").to_string();
                *errors.entry(kind).or_default() += 1;
            }
        }
    }
    eprintln!(
        "corpus: {} archives, {ok} opened, {files} files, {:.1}s",
        paths.len(),
        start.elapsed().as_secs_f64()
    );
    eprintln!("formats: {formats:?}");
    eprintln!("errors: {errors:?}");
    eprintln!("anomalies: {anomalies:?}");
    let archives = find_archives(&dir);
    eprintln!("find_archives: {}", archives.len());
    assert!(
        ok * 100 >= paths.len() * 99,
        "only {ok} of {} opened",
        paths.len()
    );
}

#[test]
fn benign_corpus_opens_cleanly() {
    let Some(mal) = corpus() else {
        eprintln!("skipped: shared/corpus is absent");
        return;
    };
    let dir = mal.join("../benign");
    if !dir.is_dir() {
        eprintln!("skipped: shared/corpus/benign is absent");
        return;
    }
    let archives = find_archives(&dir);
    assert!(!archives.is_empty());
    let opts = Options::default();
    let (mut ok, mut files, mut bytes_in, mut bytes_out) = (0usize, 0usize, 0u64, 0u64);
    let mut anomalies: BTreeMap<String, usize> = BTreeMap::new();
    let start = std::time::Instant::now();
    for p in &archives {
        let bytes = std::fs::read(p).expect("read corpus file");
        bytes_in += bytes.len() as u64;
        match open_bytes(&bytes, &opts) {
            Ok(u) => {
                ok += 1;
                files += u.files.len();
                bytes_out += u.files.iter().map(|f| f.data.len() as u64).sum::<u64>();
                for a in &u.anomalies {
                    eprintln!(
                        "anomaly: {}: {} {} {}",
                        p.display(),
                        a.kind,
                        a.path,
                        a.detail
                    );
                    *anomalies.entry(a.kind.to_string()).or_default() += 1;
                }
            }
            Err(e) => eprintln!("error: {}: {e}", p.display()),
        }
    }
    eprintln!(
        "benign: {} archives, {ok} opened, {files} files, {bytes_in} -> {bytes_out} bytes, {:.1}s; anomalies {anomalies:?}",
        archives.len(),
        start.elapsed().as_secs_f64()
    );
    assert_eq!(ok, archives.len(), "every benign sdist opens");
}

//! Corpus evaluation (ignored by default; needs /work/shared/corpus, skips without it):
//! `cargo test -p malgraph-analyze --release -- --ignored corpus_eval --nocapture`.
//!
//! Reads every archive of the malicious corpus (manifest.csv) and the benign sdists in
//! memory, analyses them, and prints recall, false-positive rate, throughput, and the
//! misses / false alarms with their top findings. Nothing is unpacked to disk or run.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use malgraph_analyze::{Analyzer, AnalyzerConfig};
use malgraph_core::{ScanReport, Verdict};

fn corpus_root() -> Option<PathBuf> {
    let p = std::env::var("MALGRAPH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/work/shared/corpus"));
    p.join("malicious/manifest.csv").exists().then_some(p)
}

type Scanned = Vec<(PathBuf, Option<ScanReport>, f64)>;

fn scan_all(a: &Analyzer, paths: &[PathBuf]) -> (Scanned, usize) {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    let bytes = AtomicUsize::new(0);
    let threads = std::env::var("EVAL_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { break };
                    let t = Instant::now();
                    let data = std::fs::read(p).unwrap_or_default();
                    bytes.fetch_add(data.len(), Ordering::Relaxed);
                    let r =
                        malgraph_archive::open_bytes(&data, &malgraph_archive::Options::default())
                            .ok()
                            .map(|u| a.analyze(&u.files, &u.anomalies));
                    let secs = t.elapsed().as_secs_f64();
                    out.lock().unwrap().push((p.clone(), r, secs));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    (v, bytes.into_inner())
}

fn top(r: &ScanReport) -> String {
    if std::env::var("EVAL_FULL").is_ok() {
        return r
            .findings
            .iter()
            .map(|f| format!("\n      {} {}:{} {}", f.rule, f.file, f.line, f.message))
            .collect();
    }
    let mut f: Vec<_> = r.findings.iter().collect();
    f.sort_by_key(|x| std::cmp::Reverse(x.severity));
    f.iter()
        .take(4)
        .map(|f| {
            format!(
                "{}@{}:{}",
                f.rule,
                f.file.rsplit('/').next().unwrap_or(""),
                f.line
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Score with the runtime-stage part capped (what-if analysis of the scoring policy).
fn capped(r: &ScanReport, cap: f64) -> f64 {
    let w = |f: &malgraph_core::Finding| {
        f.message
            .rsplit("[+")
            .next()
            .and_then(|x| x.trim_end_matches(']').parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let runtime: f64 = r
        .findings
        .iter()
        .filter(|f| f.stage == Some(malgraph_core::Stage::Runtime))
        .map(w)
        .sum();
    r.score - runtime + runtime.min(cap)
}

fn list_archives(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .filter(|p| {
            let s = p.to_string_lossy();
            s.ends_with(".tar.gz")
                || s.ends_with(".zip")
                || s.ends_with(".whl")
                || s.ends_with(".tgz")
                || s.ends_with(".tar.bz2")
                || s.ends_with(".egg")
        })
        .collect();
    v.sort();
    v
}

#[test]
#[ignore]
fn corpus_eval() {
    let Some(root) = corpus_root() else {
        eprintln!("corpus absent: skipped");
        return;
    };
    let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
    let mut rdr = csv::Reader::from_path(root.join("malicious/manifest.csv")).unwrap();
    let mal: Vec<PathBuf> = rdr
        .records()
        .filter_map(|r| r.ok())
        .map(|r| root.join("malicious").join(&r[0]))
        .collect();
    let t = Instant::now();
    let (mres, mbytes) = scan_all(&a, &mal);
    let secs = t.elapsed().as_secs_f64();
    let unreadable = mres.iter().filter(|(_, r, _)| r.is_none()).count();
    let read: Vec<_> = mres
        .iter()
        .filter_map(|(p, r, _)| r.as_ref().map(|r| (p, r)))
        .collect();
    let mut slow: Vec<_> = mres.iter().map(|(p, _, t)| (*t, p)).collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, p) in slow.iter().take(8) {
        println!("  SLOW {t:.3}s {}", p.display());
    }
    let det_mal = read
        .iter()
        .filter(|(_, r)| r.verdict == Verdict::Malicious)
        .count();
    let det_any = read
        .iter()
        .filter(|(_, r)| r.verdict != Verdict::Benign)
        .count();
    println!(
        "MALICIOUS: {} archives ({unreadable} unreadable), {:.1} pkg/s, {:.1} MB/s",
        mres.len(),
        mres.len() as f64 / secs,
        mbytes as f64 / secs / 1e6
    );
    println!(
        "recall (verdict malicious): {:.2}%   recall (suspicious or malicious): {:.2}%",
        100.0 * det_mal as f64 / read.len() as f64,
        100.0 * det_any as f64 / read.len() as f64
    );
    let mal_reports: Vec<ScanReport> = read.iter().map(|(_, r)| (*r).clone()).collect();
    let show = std::env::var("EVAL_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60usize);
    for (p, r) in read
        .iter()
        .filter(|(_, r)| r.verdict != Verdict::Malicious)
        .take(show)
    {
        let p = p.strip_prefix(root.join("malicious/pypi")).unwrap_or(p);
        println!(
            "  MISS {:<60} {:>5.1} {:?} {}",
            p.display(),
            r.score,
            r.verdict,
            top(r)
        );
    }

    let mut benign = list_archives(&root.join("benign/pypi"));
    let extra = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/benign-sdists");
    if extra.is_dir() {
        benign.extend(list_archives(&extra));
    }
    let t = Instant::now();
    let (bres, _) = scan_all(&a, &benign);
    let secs = t.elapsed().as_secs_f64();
    let read: Vec<_> = bres
        .iter()
        .filter_map(|(p, r, _)| r.as_ref().map(|r| (p, r)))
        .collect();
    let mut slow: Vec<_> = bres.iter().map(|(p, _, t)| (*t, p)).collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, p) in slow.iter().take(8) {
        println!("  SLOW {t:.3}s {}", p.display());
    }
    let fp_mal = read
        .iter()
        .filter(|(_, r)| r.verdict == Verdict::Malicious)
        .count();
    let fp_any = read
        .iter()
        .filter(|(_, r)| r.verdict != Verdict::Benign)
        .count();
    println!(
        "BENIGN: {} archives ({} read), {:.1} pkg/s",
        bres.len(),
        read.len(),
        bres.len() as f64 / secs
    );
    println!(
        "FPR (verdict malicious): {:.2}% ({fp_mal})   FPR (suspicious or malicious): {:.2}% ({fp_any})",
        100.0 * fp_mal as f64 / read.len().max(1) as f64,
        100.0 * fp_any as f64 / read.len().max(1) as f64
    );
    for cap in [6.0, 8.0, 9.9] {
        let rec = mal_reports
            .iter()
            .filter(|r| capped(r, cap) >= 10.0)
            .count();
        let fp = read.iter().filter(|(_, r)| capped(r, cap) >= 10.0).count();
        println!(
            "what-if runtime cap {cap}: recall {:.2}% FP {fp}",
            100.0 * rec as f64 / mal_reports.len() as f64
        );
    }
    for (p, r) in read.iter().filter(|(_, r)| r.verdict != Verdict::Benign) {
        println!(
            "  FALSE-ALARM {:<50} {:>5.1} {:?} {}",
            p.file_name().unwrap().to_string_lossy(),
            r.score,
            r.verdict,
            top(r)
        );
    }
}

//! Audit the extractor on real archives, read in memory only (never unpacked to disk).
//!
//! `cargo run --release -p malgraph-ioc --example audit -- DIR [--literals] [--show KIND]`
//!
//! Walks `DIR` for `.tar.gz` files, runs [`malgraph_ioc::extract`] on every text member
//! (or, with `--literals`, on every quoted string literal of it, as the scanner does),
//! and prints how many indicators of each kind were found, the most frequent ones, and
//! the time spent in extraction.

use flate2::read::GzDecoder;
use malgraph_core::Iocs;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.to_string_lossy().ends_with(".tar.gz") {
            out.push(p);
        }
    }
}

/// Quoted string literals of `src` (single, double or backtick quotes; no escapes
/// handling beyond skipping `\x`). Rough, like a scanner's tokenizer for strings.
fn literals(src: &str) -> Vec<&str> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q == b'"' || q == b'\'' || q == b'`' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != q && b[j] != b'\n' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(b.len());
            if let Some(s) = src.get(start..end) {
                out.push(s);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: audit DIR [--literals] [--show KIND]");
        return;
    };
    let lit = args.iter().any(|a| a == "--literals");
    let show = args
        .iter()
        .position(|a| a == "--show")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let mut counts: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    let mut elapsed = Duration::ZERO;
    let (mut bytes, mut calls, mut members) = (0usize, 0usize, 0usize);
    for f in &files {
        let Ok(data) = std::fs::read(f) else { continue };
        let mut ar = tar::Archive::new(GzDecoder::new(&data[..]));
        let Ok(entries) = ar.entries() else { continue };
        let mut pkg = Iocs::default();
        for e in entries {
            let Ok(mut e) = e else { break };
            if e.size() > 4 << 20 {
                continue;
            }
            let mut buf = Vec::new();
            if e.read_to_end(&mut buf).is_err() {
                break;
            }
            let Ok(text) = String::from_utf8(buf) else {
                continue;
            };
            members += 1;
            bytes += text.len();
            let t = Instant::now();
            if lit {
                for l in literals(&text) {
                    calls += 1;
                    malgraph_ioc::extract_into(l, &mut pkg);
                }
            } else {
                calls += 1;
                malgraph_ioc::extract_into(&text, &mut pkg);
            }
            elapsed += t.elapsed();
        }
        for (k, v) in pkg.iter() {
            *counts.entry((k, v.to_string())).or_default() += 1;
        }
    }
    println!(
        "{} archives, {} text members, {:.1} MB, {} extract calls, {:.3} s in extract ({:.1} MB/s)",
        files.len(),
        members,
        bytes as f64 / 1e6,
        calls,
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
    );
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((k, _), n) in &counts {
        let e = per_kind.entry(k).or_default();
        e.0 += 1;
        e.1 += n;
    }
    for (k, (distinct, pkgs)) in &per_kind {
        println!("{k}: {distinct} distinct, {pkgs} package-hits");
    }
    let mut top: Vec<_> = counts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1));
    for ((k, v), n) in top
        .iter()
        .filter(|((k, _), _)| show.as_deref().is_none_or(|s| s == *k))
        .take(
            std::env::var("TOP")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
        )
    {
        println!("{n:5} {k:8} {v}");
    }
}

//! Every rule of the registry fires on its positive fixture and not on its near-miss
//! negative fixture (`tests/fixtures/<RULE-ID>/{positive,negative}/...`). A rule added
//! to the registry without fixtures fails here.
//!
//! Harness conventions: every file below `positive/` or `negative/` is a package file
//! (path relative to that folder), except `_anomalies.txt` (lines `kind path detail`:
//! archive anomalies handed to the analyser) and `_max_parse.txt` (a parse size limit).

use std::path::Path;

use malgraph_analyze::{Analyzer, AnalyzerConfig, rules};
use malgraph_core::{Anomaly, AnomalyKind, PackageFile, ScanReport};

fn load(dir: &Path) -> (Vec<PackageFile>, Vec<Anomaly>, Option<usize>) {
    let mut files = Vec::new();
    let mut anomalies = Vec::new();
    let mut max_parse = None;
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let data = std::fs::read(e.path()).unwrap();
        match rel.as_str() {
            "_anomalies.txt" => {
                for line in String::from_utf8(data).unwrap().lines() {
                    let mut it = line.splitn(3, ' ');
                    let kind = AnomalyKind::parse(it.next().unwrap()).unwrap();
                    anomalies.push(Anomaly {
                        kind,
                        path: it.next().unwrap_or("").into(),
                        detail: it.next().unwrap_or("").into(),
                    });
                }
            }
            "_max_parse.txt" => {
                max_parse = Some(String::from_utf8(data).unwrap().trim().parse().unwrap());
            }
            _ => files.push(PackageFile { path: rel, data }),
        }
    }
    (files, anomalies, max_parse)
}

fn run(dir: &Path) -> ScanReport {
    let (files, anomalies, max_parse) = load(dir);
    let mut cfg = AnalyzerConfig::default();
    if let Some(m) = max_parse {
        cfg.max_parse_bytes = m;
    }
    Analyzer::new(cfg).unwrap().analyze(&files, &anomalies)
}

#[test]
fn every_rule_fires_on_its_positive_and_not_on_its_negative() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for r in rules() {
        let dir = root.join(r.id);
        for (kind, want) in [("positive", true), ("negative", false)] {
            let d = dir.join(kind);
            if !d.is_dir() {
                problems.push(format!("{}: missing fixture {kind}/", r.id));
                continue;
            }
            let report = run(&d);
            let hit = report.findings.iter().any(|f| f.rule == r.id);
            if hit != want {
                let got: Vec<_> = report.findings.iter().map(|f| f.rule.as_str()).collect();
                problems.push(format!(
                    "{}: {kind} fixture {} (findings: {got:?})",
                    r.id,
                    if want { "did not fire" } else { "fired" }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn fixture_folders_all_name_registered_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for e in std::fs::read_dir(root).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            malgraph_analyze::rule(&name).is_some(),
            "fixture folder {name} names no rule"
        );
    }
}

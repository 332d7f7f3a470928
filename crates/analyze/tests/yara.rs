//! YARA integration (feature `yara`): rules compiled once, hits become findings.
#![cfg(feature = "yara")]

use std::path::Path;

use malgraph_analyze::{AnalyzeError, Analyzer, AnalyzerConfig};
use malgraph_core::{Category, PackageFile, Severity};

fn dir(sub: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/yara_rules")
        .join(sub)
}

#[test]
fn hits_become_findings_with_metadata_and_line() {
    let a = Analyzer::new(AnalyzerConfig {
        yara_dir: Some(dir("good")),
        ..AnalyzerConfig::default()
    })
    .unwrap();
    let files = vec![
        PackageFile {
            path: "p-1/p/x.py".into(),
            data: b"a = 1\nb = 'MALGRAPH-TEST-MARKER'\n".to_vec(),
        },
        PackageFile {
            path: "p-1/p/y.txt".into(),
            data: b"OTHER-TEST-MARKER".to_vec(),
        },
    ];
    let r = a.analyze(&files, &[]);
    let hit = r
        .findings
        .iter()
        .find(|f| f.rule == "yara:DemoMarker")
        .expect("DemoMarker hit");
    assert_eq!(hit.category, Category::Cryptomining);
    assert_eq!(hit.severity, Severity::Critical);
    assert_eq!(hit.line, 2);
    assert_eq!(hit.file, "p-1/p/x.py");
    let d = r
        .findings
        .iter()
        .find(|f| f.rule == "yara:DemoDefaults")
        .expect("DemoDefaults hit");
    assert_eq!(d.category, Category::Evasion);
    assert_eq!(d.severity, Severity::High);
    assert!(r.score >= 18.0, "{}", r.score);
    // Nothing matches a clean package.
    let clean = a.analyze(
        &[PackageFile {
            path: "q/q.py".into(),
            data: b"print(1)\n".to_vec(),
        }],
        &[],
    );
    assert!(!clean.findings.iter().any(|f| f.rule.starts_with("yara:")));
}

#[test]
fn broken_rules_name_file_and_line() {
    let err = match Analyzer::new(AnalyzerConfig {
        yara_dir: Some(dir("bad")),
        ..AnalyzerConfig::default()
    }) {
        Err(e) => e,
        Ok(_) => panic!("broken rule compiled"),
    };
    match &err {
        AnalyzeError::Yara { file, line, .. } => {
            assert!(file.ends_with("broken.yara"), "{file:?}");
            assert!(*line >= 5, "line {line}");
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("broken.yara"));
}

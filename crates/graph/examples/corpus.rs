//! Real-corpus measurement: collect the intel files and the malicious corpus into a temporary
//! SQLite store, build the graph twice (cold and with cached fingerprints), check that the
//! exports are identical, and measure how often similar edges join packages that share a
//! report reference, for several thresholds.
//!
//! `cargo run --release -p malgraph-graph --example corpus [-- CORPUS_DIR]`
//! (CORPUS_DIR defaults to ../shared/corpus; the example exits quietly when it is absent).

use malgraph_graph::build::{canonical_url, is_generic_reference};
use malgraph_graph::*;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

fn main() {
    let corpus = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/work/shared/corpus".into());
    if !std::path::Path::new(&corpus).join("malicious").is_dir() {
        eprintln!("no corpus at {corpus}; nothing to measure");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = std::env::var("MALGRAPH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("graph.db"));
    let mut store = malgraph_store::Store::open(db.to_str().unwrap_or("graph.db")).expect("store");
    let t = Instant::now();
    for src in [
        "intel/ossf-malicious-packages.zip",
        "intel/leitwacht-malicious-packages.zip",
        "intel/backstabbers-knife-collection",
        "intel/maloss",
        "malicious",
    ] {
        let p = format!("{corpus}/{src}");
        match malgraph_intel::parse_source(&p, None, None, &|_, _| {}) {
            Ok(batch) => match store.ingest(&batch) {
                Ok(_) => eprintln!("ingested {src}"),
                Err(e) => eprintln!("{src}: ingest: {e}"),
            },
            Err(e) => eprintln!("{src}: {e}"),
        }
    }
    println!("collect: {:.1}s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let (input, ls) = load_input(&mut store).expect("load");
    println!(
        "load (cold): {:.1}s, samples {} computed {} cached {} errors {}",
        t.elapsed().as_secs_f64(),
        ls.samples,
        ls.computed,
        ls.cached,
        ls.errors.len()
    );
    let t = Instant::now();
    let g = build(&input, &BuildOptions::default());
    println!("build: {:.2}s", t.elapsed().as_secs_f64());
    println!("nodes: {:?}\nedges: {:?}", g.stats.nodes, g.stats.edges);
    println!(
        "campaigns: {} covering {}/{} names; code clusters {} / {} versions with code",
        g.campaigns.len(),
        g.stats.names_in_campaigns,
        g.stats.names_total,
        g.diversity.code_clusters,
        g.diversity.packages_with_code
    );
    // corpus coverage: package names with a sample that are in a campaign
    let in_c: BTreeSet<&String> = g.campaigns.iter().flat_map(|c| c.names.iter()).collect();
    let sample_names: BTreeSet<String> = input
        .samples
        .iter()
        .map(|s| format!("{}/{}", s.package.ecosystem.slug(), s.package.name))
        .collect();
    let covered = sample_names.iter().filter(|n| in_c.contains(n)).count();
    println!(
        "corpus names in campaigns: {covered}/{}",
        sample_names.len()
    );
    if std::env::var("MALGRAPH_DEBUG").is_ok() {
        let text = render_campaigns_text(&g);
        println!("{}", &text[..text.len().min(6000)]);
        let mut inds: Vec<(&String, usize)> = g
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Indicator)
            .map(|n| {
                (
                    &n.id,
                    n.attrs
                        .get("packages")
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0) as usize,
                )
            })
            .collect();
        inds.sort_by_key(|a| std::cmp::Reverse(a.1));
        println!("top indicators: {:?}", &inds[..inds.len().min(10)]);
        for n in sample_names.iter().filter(|n| !in_c.contains(n)).take(15) {
            let id = malgraph_core::PackageId::parse_ref(n).expect("ref");
            let kinds: Vec<String> = neighbours(&g, &id)
                .iter()
                .map(|e| format!("{}:{}", e.kind, e.neighbour))
                .collect();
            println!("  uncovered {n}: {kinds:?}");
        }
    }

    if let Ok(out) = std::env::var("MALGRAPH_EXPORT_DIR") {
        let out = std::path::Path::new(&out);
        std::fs::create_dir_all(out).expect("export dir");
        export(&g, ExportFormat::Json, Some(&out.join("graph.json"))).expect("json");
        export(&g, ExportFormat::Graphml, Some(&out.join("graph.graphml"))).expect("graphml");
        export(&g, ExportFormat::Neo4j, Some(&out.join("neo4j"))).expect("neo4j");
        std::fs::write(out.join("campaigns.txt"), render_campaigns_text(&g)).expect("text");
    }
    let t = Instant::now();
    let (input2, ls2) = load_input(&mut store).expect("load");
    let g2 = build(&input2, &BuildOptions::default());
    println!(
        "rebuild (cached fingerprints): {:.2}s, cached {}",
        t.elapsed().as_secs_f64(),
        ls2.cached
    );
    println!(
        "exports identical: {}",
        to_node_link_json(&g) == to_node_link_json(&g2) && to_graphml(&g) == to_graphml(&g2)
    );

    // report references per package name (advisory references, non-generic)
    let mut refs: HashMap<String, BTreeSet<String>> = HashMap::new();
    for a in &input.advisories {
        if a.withdrawn {
            continue;
        }
        for u in &a.references {
            if !is_generic_reference(u) {
                refs.entry(format!("{}/{}", a.package.ecosystem.slug(), a.package.name))
                    .or_default()
                    .insert(canonical_url(u));
            }
        }
    }
    // the corpus manifest's references (osv_refs), for comparison with the store's
    let mut mrefs: HashMap<String, BTreeSet<String>> = HashMap::new();
    if let Ok(mut rd) = csv::Reader::from_path(format!("{corpus}/malicious/manifest.csv")) {
        let headers = rd.headers().cloned().unwrap_or_default();
        let col = |n: &str| headers.iter().position(|h| h == n);
        if let (Some(ni), Some(ri)) = (col("name"), col("osv_refs")) {
            for rec in rd.records().flatten() {
                let name = malgraph_core::normalise_name(
                    &malgraph_core::Ecosystem::PyPI,
                    rec.get(ni).unwrap_or(""),
                );
                for u in rec.get(ri).unwrap_or("").split_whitespace() {
                    if !is_generic_reference(u) {
                        mrefs
                            .entry(format!("pypi/{name}"))
                            .or_default()
                            .insert(canonical_url(u));
                    }
                }
            }
        }
    }
    let name_of = |id: &str| -> String {
        let rest = id.strip_prefix("ver:").unwrap_or(id);
        match rest.rfind('@') {
            Some(i) if i > 0 => rest[..i].to_string(),
            _ => rest.to_string(),
        }
    };
    // known-benign reference: the benign corpus, fingerprinted in memory
    let benign_dir = std::path::Path::new(&corpus).join("benign/pypi");
    let t = Instant::now();
    let mut benign_fps = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&benign_dir) {
        let mut paths: Vec<std::path::PathBuf> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if let Ok(fp) = persist::fingerprint_file(&p.to_string_lossy()) {
                benign_fps.push(fp);
            }
        }
    }
    let benign = std::sync::Arc::new(build::benign_reference(&benign_fps));
    println!(
        "benign reference: {} packages, {} shingles, {:.1}s",
        benign_fps.len(),
        benign.len(),
        t.elapsed().as_secs_f64()
    );

    println!(
        "variant                 threshold  similar-edges  both-known  share-report  campaigns  covered"
    );
    let d = BuildOptions::default();
    let mut rows: Vec<(String, BuildOptions)> = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|&t| {
            (
                "default".to_string(),
                BuildOptions {
                    similarity_threshold: t,
                    ..d.clone()
                },
            )
        })
        .collect();
    for share in [0.1, 0.05, 0.03] {
        rows.push((
            format!("idf {share}"),
            BuildOptions {
                max_shingle_share: share,
                ..d.clone()
            },
        ));
    }
    for m in [50, 100, 200] {
        rows.push((
            format!("min-shingles {m}"),
            BuildOptions {
                min_shingles: m,
                ..d.clone()
            },
        ));
    }
    if !benign.is_empty() {
        for t in [0.5, 0.6, 0.7, 0.8] {
            rows.push((
                "benign-ref".to_string(),
                BuildOptions {
                    similarity_threshold: t,
                    known_benign: Some(benign.clone()),
                    ..d.clone()
                },
            ));
        }
        for m in [50, 100] {
            rows.push((
                format!("benign-ref+min {m}"),
                BuildOptions {
                    min_shingles: m,
                    known_benign: Some(benign.clone()),
                    ..d.clone()
                },
            ));
        }
    }
    let miss_row: Option<usize> = std::env::var("MALGRAPH_MISS_ROW")
        .ok()
        .and_then(|v| v.parse().ok());
    for (ri, (label, opts)) in rows.iter().enumerate() {
        let g = build(&input, opts);
        let (mut known, mut share, mut n) = (0, 0, 0);
        let (mut mknown, mut mshare) = (0, 0);
        for e in g.edges.iter().filter(|e| e.kind == EdgeKind::Similar) {
            n += 1;
            let (a, b) = (name_of(&e.source), name_of(&e.target));
            if let (Some(ra), Some(rb)) = (mrefs.get(&a), mrefs.get(&b)) {
                mknown += 1;
                mshare += usize::from(!ra.is_disjoint(rb));
            }
            if let (Some(ra), Some(rb)) = (refs.get(&a), refs.get(&b)) {
                known += 1;
                if !ra.is_disjoint(rb) {
                    share += 1;
                } else if miss_row == Some(ri) {
                    println!("  miss {a} {ra:?} <-> {b} {rb:?} ({})", e.why);
                }
            }
        }
        let in_c: BTreeSet<&String> = g.campaigns.iter().flat_map(|c| c.names.iter()).collect();
        let covered = sample_names.iter().filter(|n| in_c.contains(n)).count();
        println!(
            "{ri:>2} {label:<20} {:.1}        {n:>6}         {known:>6}      {:.3}         {:>5}      {covered}    manifest refs: {mknown} {:.3}",
            opts.similarity_threshold,
            share as f64 / known.max(1) as f64,
            g.campaigns.len(),
            mshare as f64 / mknown.max(1) as f64,
        );
    }
}

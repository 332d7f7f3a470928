//! Real-corpus measurement: collect the intel files and the malicious corpus into a temporary
//! SQLite store, build the graph twice (cold and with cached fingerprints), check that the
//! exports are identical, and measure how often similar edges join packages that share a
//! report reference, for several thresholds.
//!
//! `cargo run --release -p malgraph-graph --example corpus [-- CORPUS_DIR]`
//! (CORPUS_DIR defaults to ../shared/corpus; the example exits quietly when it is absent).

use malgraph_graph::build::{DEFAULT_MAX_SHINGLE_SHARE, canonical_url, is_generic_reference};
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
    let name_of = |id: &str| -> String {
        let rest = id.strip_prefix("ver:").unwrap_or(id);
        match rest.rfind('@') {
            Some(i) if i > 0 => rest[..i].to_string(),
            _ => rest.to_string(),
        }
    };
    println!("threshold  df-share  similar-edges  both-known  share-report  campaigns  covered");
    let mut rows: Vec<(f64, f64)> = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|&t| (t, DEFAULT_MAX_SHINGLE_SHARE))
        .collect();
    for share in [1.0, 0.1, 0.05, 0.03, 0.02] {
        rows.push((DEFAULT_SIMILARITY, share));
    }
    for (th, df) in rows {
        let opts = BuildOptions {
            similarity_threshold: th,
            max_shingle_share: df,
            ..BuildOptions::default()
        };
        let g = build(&input, &opts);
        let (mut known, mut share, mut n) = (0, 0, 0);
        for e in g.edges.iter().filter(|e| e.kind == EdgeKind::Similar) {
            n += 1;
            let (a, b) = (name_of(&e.source), name_of(&e.target));
            if let (Some(ra), Some(rb)) = (refs.get(&a), refs.get(&b)) {
                known += 1;
                if !ra.is_disjoint(rb) {
                    share += 1;
                } else if std::env::var("MALGRAPH_DEBUG").is_ok()
                    && th == DEFAULT_SIMILARITY
                    && df
                        == std::env::var("MALGRAPH_MISS_DF")
                            .ok()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(DEFAULT_MAX_SHINGLE_SHARE)
                {
                    println!("  miss {a} {ra:?} <-> {b} {rb:?} ({})", e.why);
                }
            }
        }
        let in_c: BTreeSet<&String> = g.campaigns.iter().flat_map(|c| c.names.iter()).collect();
        let covered = sample_names.iter().filter(|n| in_c.contains(n)).count();
        println!(
            "{th:.1}        {df:<6}    {n:>6}         {known:>6}      {:.3}         {:>5}      {covered}",
            share as f64 / known.max(1) as f64,
            g.campaigns.len()
        );
    }
}

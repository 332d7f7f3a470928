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
    let mut benign_paths: Vec<String> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&benign_dir) {
        let mut paths: Vec<std::path::PathBuf> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if let Ok(fp) = persist::fingerprint_file(&p.to_string_lossy()) {
                benign_fps.push(fp);
            }
            benign_paths.push(p.to_string_lossy().into_owned());
        }
    }
    let benign = std::sync::Arc::new(build::benign_reference(&benign_fps));
    println!(
        "benign reference: {} packages, {} shingles, {:.1}s",
        benign_fps.len(),
        benign.len(),
        t.elapsed().as_secs_f64()
    );

    // sample locations per version node id, for the miss details
    let mut locs: HashMap<String, String> = HashMap::new();
    let mut loc_of_sha: std::collections::BTreeMap<String, String> = Default::default();
    for s in store.samples().expect("samples") {
        loc_of_sha
            .entry(s.sample.sha256.to_ascii_lowercase())
            .or_insert(s.sample.location.clone());
        let p = &s.sample.package;
        if let Some(v) = &p.version {
            locs.entry(format!("ver:{}/{}@{}", p.ecosystem.slug(), p.name, v))
                .or_insert(s.sample.location.clone());
        }
    }
    println!(
        "variant                 threshold  similar-edges  both-known  share-report  campaigns  covered"
    );
    let d = BuildOptions::default();
    let at = |t: f64| BuildOptions {
        similarity_threshold: t,
        ..d.clone()
    };
    // (label, options, input index): input 0 is the default fingerprint
    let mut rows: Vec<(String, BuildOptions, usize)> = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|&t| ("default".to_string(), at(t), 0))
        .collect();
    for share in [0.1, 0.05, 0.03] {
        rows.push((
            format!("idf {share}"),
            BuildOptions {
                max_shingle_share: share,
                ..d.clone()
            },
            0,
        ));
    }
    for m in [50, 100] {
        rows.push((
            format!("min-shingles {m}"),
            BuildOptions {
                min_shingles: m,
                ..d.clone()
            },
            0,
        ));
    }
    for (label, sim) in [
        ("containment", build::Similarity::Containment),
        ("idf-weighted", build::Similarity::IdfWeighted),
    ] {
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            rows.push((
                label.to_string(),
                BuildOptions {
                    similarity: sim,
                    ..at(t)
                },
                0,
            ));
        }
    }
    // fingerprint variants: (label, options); input i + 1
    let fdef = FingerprintOptions::default();
    let fvars: Vec<(&str, FingerprintOptions)> = vec![
        (
            "fp str-classes",
            FingerprintOptions {
                strings: fingerprint::StringMode::Classes,
                ..fdef
            },
        ),
        (
            "fp str-hosts",
            FingerprintOptions {
                strings: fingerprint::StringMode::ClassesAndHosts,
                ..fdef
            },
        ),
        (
            "fp setup-args",
            FingerprintOptions {
                drop_setup_arguments: true,
                ..fdef
            },
        ),
        (
            "fp non-runtime",
            FingerprintOptions {
                skip_non_runtime: true,
                ..fdef
            },
        ),
        (
            "fp setup+nonrt",
            FingerprintOptions {
                drop_setup_arguments: true,
                skip_non_runtime: true,
                ..fdef
            },
        ),
        (
            "fp hosts+setup+nonrt",
            FingerprintOptions {
                strings: fingerprint::StringMode::ClassesAndHosts,
                drop_setup_arguments: true,
                skip_non_runtime: true,
                ..fdef
            },
        ),
    ];
    let mut fvars = fvars;
    fvars.push((
        "fp payload-only",
        FingerprintOptions {
            payload_only: true,
            ..fdef
        },
    ));
    fvars.push((
        "fp payload+nonrt",
        FingerprintOptions {
            payload_only: true,
            skip_non_runtime: true,
            ..fdef
        },
    ));
    // focused fingerprints: shingles of the files the scanner flags (high / medium and above)
    let t = Instant::now();
    let (focus_high, focus_medium, nfocus, scans) = refingerprint_focused(&input, &loc_of_sha);
    eprintln!(
        "focused fingerprints (scan in memory): {:.1}s, packages focused high {} medium {}",
        t.elapsed().as_secs_f64(),
        nfocus.0,
        nfocus.1
    );
    let focus_only = std::env::var("MALGRAPH_FOCUS_ONLY").is_ok();
    if focus_only {
        rows.retain(|r| r.0 == "default");
        fvars.clear();
    }
    let mut inputs: Vec<GraphInput> = vec![input.clone()];
    let mut benign_of: Vec<std::sync::Arc<std::collections::HashSet<u64>>> = vec![benign.clone()];
    for (label, fo) in &fvars {
        let t = Instant::now();
        inputs.push(refingerprint(&input, &loc_of_sha, *fo));
        let bfps: Vec<fingerprint::CodeFingerprint> = benign_paths
            .iter()
            .filter_map(|p| fp_file(p, *fo))
            .collect();
        benign_of.push(std::sync::Arc::new(build::benign_reference(&bfps)));
        eprintln!("{label}: fingerprints {:.1}s", t.elapsed().as_secs_f64());
    }
    for (i, (label, _)) in fvars.iter().enumerate() {
        let ts: &[f64] = if i >= 3 {
            &[0.5, 0.6, 0.7, 0.8]
        } else {
            &[0.6]
        };
        for &t in ts {
            rows.push((label.to_string(), at(t), i + 1));
        }
    }
    let fp_min_rows: Vec<usize> = if focus_only { vec![] } else { vec![7, 8] };
    for i in fp_min_rows {
        for m in [5usize, 10, 20] {
            for t in [0.5, 0.6, 0.7] {
                rows.push((
                    format!("{} min {m}", fvars[i - 1].0),
                    BuildOptions {
                        min_shingles: m,
                        ..at(t)
                    },
                    i,
                ));
            }
        }
    }
    let base = inputs.len();
    inputs.push(focus_high);
    inputs.push(focus_medium);
    for (off, label) in [(0, "focus high"), (1, "focus medium")] {
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            rows.push((label.to_string(), at(t), base + off));
        }
    }
    // the CLI path: the scans stored as `collect --scan` stores them, then load_input
    for (sha, scan) in &scans {
        store.add_scan(sha, scan).expect("add scan");
    }
    let t = Instant::now();
    let (with_scans, ls3) = load_input(&mut store).expect("load");
    eprintln!(
        "load with stored scans: {:.1}s, computed {} cached {}, focused {}",
        t.elapsed().as_secs_f64(),
        ls3.computed,
        ls3.cached,
        with_scans
            .samples
            .iter()
            .filter(|s| s.focused.is_some())
            .count()
    );
    inputs.push(with_scans);
    for t in [0.6, 0.7] {
        rows.push(("store scans, default".to_string(), at(t), inputs.len() - 1));
        rows.push((
            "store scans, focus off".to_string(),
            BuildOptions {
                focus_flagged: false,
                ..at(t)
            },
            inputs.len() - 1,
        ));
    }
    if !benign.is_empty() && !focus_only {
        for (i, label) in [
            (0, "benign-ref"),
            (4, "nonrt+benign-ref"),
            (5, "setup+nonrt+benign-ref"),
            (6, "all+benign-ref"),
        ] {
            for t in [0.5, 0.6, 0.7, 0.8] {
                rows.push((
                    label.to_string(),
                    BuildOptions {
                        known_benign: Some(benign_of[i].clone()),
                        ..at(t)
                    },
                    i,
                ));
            }
        }
    }
    // MALGRAPH_MISS_ROW=2,25: list the missed pairs of these rows (and build only them)
    let miss_rows: Vec<usize> = std::env::var("MALGRAPH_MISS_ROW")
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let detail = std::env::var("MALGRAPH_MISS_DETAIL").is_ok();
    for (ri, (label, opts, inp)) in rows.iter().enumerate() {
        if !miss_rows.is_empty() && !miss_rows.contains(&ri) {
            continue;
        }
        let g = build(&inputs[*inp], opts);
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
                    if miss_rows.contains(&ri) && detail {
                        println!("  hit {a} <-> {b} ({})", e.why);
                    }
                } else if miss_rows.contains(&ri) {
                    println!("  miss {a} {ra:?} <-> {b} {rb:?} ({})", e.why);
                    if detail {
                        miss_detail(&locs, &e.source, &e.target);
                    }
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

/// Files of an archive (unpacked in memory) and its whole fingerprint.
fn files_of(
    loc: &str,
) -> Option<(
    Vec<malgraph_core::PackageFile>,
    fingerprint::CodeFingerprint,
)> {
    let bytes = std::fs::read(loc).ok()?;
    let un = malgraph_archive::open_bytes(&bytes, &malgraph_archive::Options::default()).ok()?;
    let fp = fingerprint::fingerprint(&un.files);
    Some((un.files, fp))
}

/// For a missed pair: per code file of each side, its shingles in the package fingerprint and
/// how many of them the other side holds too.
fn miss_detail(locs: &HashMap<String, String>, a: &str, b: &str) {
    let (Some(la), Some(lb)) = (locs.get(a), locs.get(b)) else {
        return;
    };
    let (Some((fa, pa)), Some((fb, pb))) = (files_of(la), files_of(lb)) else {
        return;
    };
    for (id, loc, files, own, other) in [(a, la, &fa, &pa, &pb), (b, lb, &fb, &pb, &pa)] {
        println!("    {id} {loc} shingles {}", own.shingles.len());
        for f in files.iter() {
            let one = fingerprint::fingerprint(std::slice::from_ref(f));
            let mine: Vec<u64> = one
                .shingles
                .iter()
                .copied()
                .filter(|h| own.shingles.binary_search(h).is_ok())
                .collect();
            if mine.is_empty() {
                continue;
            }
            let shared = mine
                .iter()
                .filter(|h| other.shingles.binary_search(h).is_ok())
                .count();
            println!(
                "      {:>6} {:>6} {} ({} B)",
                mine.len(),
                shared,
                f.path,
                f.data.len()
            );
        }
    }
}

/// Fingerprint one archive on disk (unpacked in memory) with `fo`.
fn fp_file(path: &str, fo: FingerprintOptions) -> Option<fingerprint::CodeFingerprint> {
    let bytes = std::fs::read(path).ok()?;
    let un = malgraph_archive::open_bytes(&bytes, &malgraph_archive::Options::default()).ok()?;
    Some(fingerprint_with(&un.files, fo))
}

/// `input` with every sample re-fingerprinted with `fo`.
fn refingerprint(
    input: &GraphInput,
    loc_of_sha: &std::collections::BTreeMap<String, String>,
    fo: FingerprintOptions,
) -> GraphInput {
    use rayon::prelude::*;
    let fps: HashMap<String, fingerprint::CodeFingerprint> = loc_of_sha
        .par_iter()
        .filter_map(|(sha, loc)| Some((sha.clone(), fp_file(loc, fo)?)))
        .collect();
    let mut out = input.clone();
    for s in &mut out.samples {
        s.fingerprint = fps.get(&s.sha256).cloned();
    }
    out
}

/// `input` with focused fingerprints ([`fingerprint_focused`]) on the files the scanner (run
/// in memory) flags at high and at medium severity or above; how many samples got one at each
/// level; and the scans (by sha256).
#[allow(clippy::type_complexity)]
fn refingerprint_focused(
    input: &GraphInput,
    loc_of_sha: &std::collections::BTreeMap<String, String>,
) -> (
    GraphInput,
    GraphInput,
    (usize, usize),
    Vec<(String, malgraph_core::ScanReport)>,
) {
    use malgraph_core::Severity;
    use rayon::prelude::*;
    let analyzer = malgraph_analyze::Analyzer::new(malgraph_analyze::AnalyzerConfig::default())
        .expect("analyzer");
    fn focused(
        files: &[malgraph_core::PackageFile],
        scan: &malgraph_core::ScanReport,
        min: malgraph_core::Severity,
    ) -> Option<fingerprint::CodeFingerprint> {
        let fo = FingerprintOptions::default();
        let whole = fingerprint_with(files, fo);
        let part = fingerprint_focused(files, fo, &flagged_code_files(scan, min));
        (part != whole).then_some(part)
    }
    let res: Vec<(
        String,
        Option<fingerprint::CodeFingerprint>,
        Option<fingerprint::CodeFingerprint>,
        malgraph_core::ScanReport,
    )> = loc_of_sha
        .par_iter()
        .filter_map(|(sha, loc)| {
            let bytes = std::fs::read(loc).ok()?;
            let un =
                malgraph_archive::open_bytes(&bytes, &malgraph_archive::Options::default()).ok()?;
            let mut scan = analyzer.analyze(&un.files, &un.anomalies);
            scan.path = loc.clone();
            scan.sha256 = Some(sha.clone());
            let high = focused(&un.files, &scan, Severity::High);
            let medium = focused(&un.files, &scan, Severity::Medium);
            Some((sha.clone(), high, medium, scan))
        })
        .collect();
    let by_sha: HashMap<&str, (&Option<_>, &Option<_>)> = res
        .iter()
        .map(|(s, h, m, _)| (s.as_str(), (h, m)))
        .collect();
    let (mut hi, mut me) = (input.clone(), input.clone());
    let mut n = (0, 0);
    for (h, m) in hi.samples.iter_mut().zip(me.samples.iter_mut()) {
        if let Some((fh, fm)) = by_sha.get(h.sha256.as_str()) {
            n.0 += usize::from(fh.is_some());
            n.1 += usize::from(fm.is_some());
            h.focused = (*fh).clone();
            m.focused = (*fm).clone();
        }
    }
    let scans = res.into_iter().map(|(s, _, _, r)| (s, r)).collect();
    (hi, me, n, scans)
}

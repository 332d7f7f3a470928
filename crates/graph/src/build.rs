//! Build the knowledge graph from a [`GraphInput`]: nodes, the relations, campaigns.

use crate::campaign;
use crate::fingerprint::CodeFingerprint;
use crate::model::*;
use crate::similar::{LshOptions, Measure, similar_pairs_with};
use crate::stdlib::never_links;
use malgraph_core::{Ecosystem, Iocs, PackageId, PackageName, ScanReport, normalise_name};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Default minimum Jaccard similarity of a similar edge (see the crate docs for the measurement).
pub const DEFAULT_SIMILARITY: f64 = 0.6;

/// Default of [`BuildOptions::max_shingle_share`] (see the crate docs for the measurement).
pub const DEFAULT_MAX_SHINGLE_SHARE: f64 = 1.0;
/// A shingle is never "frequent" when held by this many distinct fingerprints or fewer, so
/// small inputs (and small families) are not filtered at all.
pub const MIN_FREQUENT_DF: usize = 5;

/// Drop shingles that are frequent across `sets` (held by more than `max_share` of the sets
/// and more than [`MIN_FREQUENT_DF`] of them). Each set must be sorted and de-duplicated; the
/// result is too. Deterministic: depends only on the multiset of sets. Sets left with fewer
/// than `min_len` shingles become empty (they take no part in similarity).
pub fn drop_frequent_shingles(sets: &[&[u64]], max_share: f64, min_len: usize) -> Vec<Vec<u64>> {
    let cutoff = ((max_share * sets.len() as f64).floor() as usize).max(MIN_FREQUENT_DF);
    if max_share >= 1.0 || sets.len() <= cutoff {
        return sets.iter().map(|s| s.to_vec()).collect();
    }
    let mut all: Vec<u64> = sets.iter().flat_map(|s| s.iter().copied()).collect();
    all.sort_unstable();
    let mut frequent: HashSet<u64> = HashSet::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j] == all[i] {
            j += 1;
        }
        if j - i > cutoff {
            frequent.insert(all[i]);
        }
        i = j;
    }
    sets.iter()
        .map(|s| without(s, &frequent, min_len))
        .collect()
}

/// The union of the shingles of known-benign code fingerprints (see
/// [`BuildOptions::known_benign`]).
pub fn benign_reference<'a>(fps: impl IntoIterator<Item = &'a CodeFingerprint>) -> HashSet<u64> {
    fps.into_iter()
        .flat_map(|f| f.shingles.iter().copied())
        .collect()
}

/// `set` without the shingles in `drop`; empty when fewer than `min_len` remain (too little
/// code of its own to compare).
pub fn without(set: &[u64], drop: &HashSet<u64>, min_len: usize) -> Vec<u64> {
    let kept: Vec<u64> = set.iter().copied().filter(|h| !drop.contains(h)).collect();
    if kept.len() < min_len {
        Vec::new()
    } else {
        kept
    }
}

/// Similarity measure of similar edges (see [`BuildOptions::similarity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Similarity {
    /// Jaccard of the shingle sets.
    #[default]
    Jaccard,
    /// Containment: shared shingles over the smaller set.
    Containment,
    /// Jaccard with every shingle weighted by its inverse document frequency over the
    /// distinct code of the input (`ln(1 + N / df)`): code every family shares counts less
    /// than code only a few packages hold, without dropping it.
    IdfWeighted,
}

impl Similarity {
    /// Short name used in edge reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Similarity::Jaccard => "Jaccard",
            Similarity::Containment => "containment",
            Similarity::IdfWeighted => "IDF-weighted Jaccard",
        }
    }
}

/// Inverse document frequency weights `ln(1 + N / df)` of the shingles of `sets`.
pub fn idf_weights(sets: &[&[u64]]) -> HashMap<u64, f64> {
    let mut df: HashMap<u64, u32> = HashMap::new();
    for s in sets {
        for &h in *s {
            *df.entry(h).or_default() += 1;
        }
    }
    let n = sets.len() as f64;
    df.into_iter()
        .map(|(h, d)| (h, (1.0 + n / f64::from(d)).ln()))
        .collect()
}

/// Knobs of [`build`].
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// Minimum exact Jaccard similarity of shingle sets for a similar edge.
    pub similarity_threshold: f64,
    /// Packages with fewer distinct shingles take no part in code relations (trivial code,
    /// e.g. a bare `setup()` call, is identical across unrelated packages).
    pub min_shingles: usize,
    /// LSH buckets larger than this are compared by a sliding window of this size.
    pub bucket_cap: usize,
    /// Similar edges kept per package version (best first).
    pub max_neighbours: usize,
    /// Corpus-frequency filter of similar edges: a shingle held by more than this share of the
    /// distinct code fingerprints (and by more than [`MIN_FREQUENT_DF`] of them) is boilerplate
    /// or a vendored popular library and is dropped before LSH and Jaccard. `1.0` disables it.
    pub max_shingle_share: f64,
    /// Shingles of known-benign code (popular libraries, packaging scaffolding), e.g. from
    /// [`benign_reference`] over benign packages: dropped from every package's shingles
    /// before LSH and Jaccard, so similarity is measured on the package's own code and a
    /// renamed copy of a benign library (a typosquat shipping all of `requests` under its
    /// own name) does not make two packages similar. `None` = no reference.
    pub known_benign: Option<Arc<HashSet<u64>>>,
    /// Code relations (duplicated, similar) use a sample's [`SampleEntry::focused`]
    /// fingerprint when it has one: packages are compared on the files that carry their
    /// malicious behaviour, not on a renamed benign library they also ship.
    pub focus_flagged: bool,
    /// Similarity measure verified on LSH candidates.
    pub similarity: Similarity,
    /// Edge kinds that join campaigns (`version-of` and `artifact-of` always do).
    pub campaign_edges: Vec<EdgeKind>,
    /// Components with more package / package-version members than this are split by Louvain.
    pub split_above: usize,
    /// Louvain resolution (higher = smaller communities).
    pub resolution: f64,
    /// A campaign needs at least this many distinct package names.
    pub min_campaign_names: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            similarity_threshold: DEFAULT_SIMILARITY,
            min_shingles: 20,
            bucket_cap: 32,
            max_neighbours: 6,
            max_shingle_share: DEFAULT_MAX_SHINGLE_SHARE,
            known_benign: None,
            focus_flagged: true,
            similarity: Similarity::Jaccard,
            campaign_edges: vec![
                EdgeKind::Duplicated,
                EdgeKind::Similar,
                EdgeKind::CoExisting,
                EdgeKind::SharedIndicator,
                EdgeKind::Dependency,
            ],
            split_above: 400,
            resolution: 1.0,
            min_campaign_names: 2,
        }
    }
}

/// `YYYY-MM-DD` prefix of a date or timestamp, if it looks like one.
pub fn day_of(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
    {
        Some(s[..10].to_string())
    } else {
        None
    }
}

fn min_date(cur: &mut Option<String>, new: Option<&str>) {
    if let Some(d) = new.and_then(day_of) {
        match cur {
            Some(c) if *c <= d => {}
            _ => *cur = Some(d),
        }
    }
}

/// Canonical form of a report URL (the report node's identity): see
/// [`malgraph_ioc::canonical_url`].
pub use malgraph_ioc::canonical_url;

/// True for advisory references that are not security reports: registry and per-package
/// database pages, datasets, index pages. These never become report nodes.
pub fn is_generic_reference(url: &str) -> bool {
    let c = canonical_url(url);
    let Some(rest) = c.split_once("://").map(|(_, r)| r) else {
        return true;
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    const HOSTS: &[&str] = &[
        "pypi.org",
        "pypi.python.org",
        "npmjs.com",
        "npmjs.org",
        "registry.npmjs.org",
        "osv.dev",
        "security.snyk.io",
        "snyk.io",
        "socket.dev",
        "inspector.pypi.io",
        "rubygems.org",
        "nuget.org",
        "pkg.go.dev",
        "crates.io",
        "libraries.io",
        "deps.dev",
        "opensourcemalware.com",
    ];
    if HOSTS.contains(&host) && !path.starts_with("/blog") {
        return true;
    }
    if host == "github.com" {
        let lower = path.to_ascii_lowercase();
        return lower.starts_with("/advisories")
            || lower.starts_with("/ossf/malicious-packages")
            || lower.starts_with("/datadog/malicious-software-packages-dataset")
            || lower.starts_with("/lxyeternal/pypi_malregistry")
            || lower.starts_with("/github/advisory-database");
    }
    if host == "research.jfrog.com" && (path.is_empty() || path == "/malicious-packages") {
        return true;
    }
    path.is_empty()
}

/// Source name -> the earliest day it reported the record (if it said).
type SourceDates = BTreeMap<String, Option<String>>;

fn add_source(sources: &mut SourceDates, source: &str, date: Option<&str>) {
    min_date(sources.entry(source.to_string()).or_default(), date);
}

#[derive(Default)]
struct PkgInfo {
    sources: BTreeSet<String>,
    /// Sources that reported the package as a whole (no version: name lists, advisories for
    /// all versions or ranges).
    whole: SourceDates,
    first: Option<String>,
    advisories: BTreeSet<String>,
}

#[derive(Default)]
struct VerInfo {
    sources: SourceDates,
    first: Option<String>,
    shas: BTreeSet<String>,
}

/// The *duplicated by sources* relation of one record (a package version, or a package
/// reported as a whole) that several sources reported.
///
/// Representation: one `duplicated` edge from the record's node to the source node of each
/// *extra* source: every source but the first to report it (earliest date, then name). So
/// a record reported by k sources has k - 1 duplicated edges, each saying which source it
/// duplicates and listing all k sources.
///
/// Why this shape: the graph already merges the sources' records into one package-version
/// node, so "the same version in several sources" is a relation between that node and the
/// sources, not between package nodes. Edges between the per-source records would need a
/// node per (record, source) — tens of thousands of nodes saying nothing new — and edges
/// between the sources themselves would be cliques. Source nodes are hubs (one source names
/// thousands of packages), so campaigns never join through them (see `campaign::campaigns`).
fn duplicated_by_sources(b: &mut Builder, id: &str, sources: &SourceDates) {
    if sources.len() < 2 {
        return;
    }
    let mut order: Vec<(&String, &Option<String>)> = sources.iter().collect();
    // dated before undated, then earliest, then by name
    order.sort_by(|x, y| {
        x.1.is_none()
            .cmp(&y.1.is_none())
            .then(x.1.cmp(y.1))
            .then(x.0.cmp(y.0))
    });
    let dated = |s: &str, d: &Option<String>| match d {
        Some(d) => format!("{s} ({d})"),
        None => s.to_string(),
    };
    let (first, first_date) = order[0];
    let all: Vec<&str> = sources.keys().map(String::as_str).collect();
    for &(s, d) in &order[1..] {
        let sid = format!("src:{s}");
        b.node(&sid, NodeKind::Source, s);
        b.edge(
            id,
            &sid,
            EdgeKind::Duplicated,
            format!(
                "duplicate report: also reported by {}; first reported by {}; {} sources: {}",
                dated(s, d),
                dated(first, first_date),
                all.len(),
                all.join(", ")
            ),
            None,
        );
    }
}

/// Per package-version facts the campaign summaries need.
#[derive(Debug, Clone, Default)]
pub(crate) struct VersionFacts {
    pub name: String,
    pub version: Option<String>,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub deps: Option<Vec<String>>,
    pub code: Option<String>,
    pub categories: Vec<String>,
    pub stages: Vec<String>,
    pub evasions: Vec<String>,
    pub has_code: bool,
}

struct Builder {
    nodes: BTreeMap<String, Node>,
    edges: Vec<Edge>,
}

impl Builder {
    fn node(&mut self, id: &str, kind: NodeKind, label: &str) -> &mut Node {
        self.nodes.entry(id.to_string()).or_insert_with(|| Node {
            id: id.to_string(),
            kind,
            label: label.to_string(),
            attrs: BTreeMap::new(),
        })
    }

    fn edge(&mut self, s: &str, t: &str, kind: EdgeKind, why: String, score: Option<f64>) {
        self.edges.push(Edge {
            source: s.to_string(),
            target: t.to_string(),
            kind,
            why,
            score,
        });
    }
}

fn short(h: &str) -> &str {
    &h[..h.len().min(16)]
}

fn set_list(attrs: &mut BTreeMap<String, Value>, key: &str, v: impl IntoIterator<Item = String>) {
    let v: Vec<Value> = v.into_iter().map(Value::String).collect();
    if !v.is_empty() {
        attrs.insert(key.to_string(), Value::Array(v));
    }
}

fn indicator_allowed(kind: &str, value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    match kind {
        "ip" => {
            !(v.starts_with("127.")
                || v.starts_with("10.")
                || v.starts_with("192.168.")
                || v.starts_with("0.")
                || v == "8.8.8.8"
                || v == "1.1.1.1"
                || v.starts_with("169.254.")
                || malgraph_ioc::is_benign_ip(v))
        }
        "domain" => !is_benign_host(v),
        "url" => {
            let host = malgraph_ioc::url_host(v).unwrap_or_default();
            !is_benign_host(&host) || PASTE_HOSTS.contains(&host.as_str())
        }
        _ => true,
    }
}

/// Hosts that serve payloads by URL: a URL on them is specific even if the host is common.
const PASTE_HOSTS: &[&str] = &[
    "pastebin.com",
    "paste.ee",
    "rentry.co",
    "raw.githubusercontent.com",
    "gist.githubusercontent.com",
    "cdn.discordapp.com",
    "transfer.sh",
    "dl.dropbox.com",
    "dropbox.com",
    "www.dropbox.com",
];

/// Common infrastructure that says nothing about a campaign when shared.
fn is_benign_host(h: &str) -> bool {
    const BENIGN: &[&str] = &[
        "github.com",
        "githubusercontent.com",
        "pypi.org",
        "python.org",
        "pythonhosted.org",
        "npmjs.com",
        "npmjs.org",
        "google.com",
        "googleapis.com",
        "microsoft.com",
        "windows.net",
        "apple.com",
        "amazonaws.com",
        "cloudflare.com",
        "mozilla.org",
        "w3.org",
        "example.com",
        "example.org",
        "localhost",
        "readthedocs.io",
        "readthedocs.org",
        "gitlab.com",
        "bitbucket.org",
        "apache.org",
        "opensource.org",
        "discord.com",
        "discordapp.com",
        "youtube.com",
        "twitter.com",
        "x.com",
        "medium.com",
        "stackoverflow.com",
        "wikipedia.org",
        "ipinfo.io",
        "api.ipify.org",
        "ipify.org",
        "sourceforge.net",
        "nodejs.org",
        "yarnpkg.com",
        "schema.org",
        "json-schema.org",
        "dropbox.com",
        "dropboxusercontent.com",
    ];
    let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
    if malgraph_ioc::is_benign_domain(&h) {
        return true;
    }
    BENIGN
        .iter()
        .any(|b| h == *b || h.ends_with(&format!(".{b}")))
}

/// Build the graph. Deterministic: same input (in any order) gives the same graph.
pub fn build(input: &GraphInput, opts: &BuildOptions) -> Graph {
    let mut b = Builder {
        nodes: BTreeMap::new(),
        edges: Vec::new(),
    };
    let mut pkgs: BTreeMap<PackageName, PkgInfo> = BTreeMap::new();
    let mut vers: BTreeMap<PackageId, VerInfo> = BTreeMap::new();
    let mut summaries: BTreeMap<PackageName, String> = BTreeMap::new();

    for p in &input.packages {
        if p.withdrawn || p.id.name.is_empty() {
            continue;
        }
        let pi = pkgs.entry(p.id.package()).or_default();
        pi.sources.insert(p.source.clone());
        min_date(&mut pi.first, p.first_reported.as_deref());
        if p.id.version.is_some() {
            let vi = vers.entry(p.id.clone()).or_default();
            add_source(&mut vi.sources, &p.source, p.first_reported.as_deref());
            min_date(&mut vi.first, p.first_reported.as_deref());
        } else {
            add_source(&mut pi.whole, &p.source, p.first_reported.as_deref());
        }
    }
    let mut adv_sorted: Vec<&AdvisoryEntry> = input
        .advisories
        .iter()
        .filter(|a| !a.withdrawn && !a.package.name.is_empty())
        .collect();
    adv_sorted.sort_by(|x, y| x.id.cmp(&y.id).then(x.source.cmp(&y.source)));
    for a in &adv_sorted {
        let pi = pkgs.entry(a.package.clone()).or_default();
        pi.sources.insert(a.source.clone());
        pi.advisories.insert(a.id.clone());
        min_date(&mut pi.first, a.published.as_deref());
        if let Some(s) = &a.summary {
            summaries
                .entry(a.package.clone())
                .or_insert_with(|| s.clone());
        }
        if a.versions.is_empty() {
            add_source(&mut pi.whole, &a.source, a.published.as_deref());
        }
        for v in &a.versions {
            let vi = vers.entry(a.package.at(v.clone())).or_default();
            add_source(&mut vi.sources, &a.source, a.published.as_deref());
            min_date(&mut vi.first, a.published.as_deref());
        }
    }
    let mut samples: Vec<&SampleEntry> = input
        .samples
        .iter()
        .filter(|s| !s.package.name.is_empty() && !s.sha256.is_empty())
        .collect();
    samples.sort_by(|x, y| {
        x.sha256
            .cmp(&y.sha256)
            .then(x.package.cmp(&y.package))
            .then(x.source.cmp(&y.source))
    });
    for s in &samples {
        let pi = pkgs.entry(s.package.package()).or_default();
        if let Some(src) = &s.source {
            pi.sources.insert(src.clone());
        }
        min_date(&mut pi.first, s.date.as_deref());
        if s.package.version.is_some() {
            let vi = vers.entry(s.package.clone()).or_default();
            if let Some(src) = &s.source {
                add_source(&mut vi.sources, src, s.date.as_deref());
            }
            vi.shas.insert(s.sha256.to_ascii_lowercase());
            min_date(&mut vi.first, s.date.as_deref());
        }
    }
    let mut reports: Vec<&ReportEntry> = input.reports.iter().collect();
    reports.sort_by(|x, y| x.location.cmp(&y.location));
    for r in &reports {
        for p in &r.packages {
            if p.name.is_empty() {
                continue;
            }
            let pi = pkgs.entry(p.package()).or_default();
            min_date(&mut pi.first, r.published.as_deref());
            if p.version.is_some() {
                let vi = vers.entry(p.clone()).or_default();
                min_date(&mut vi.first, r.published.as_deref());
            }
        }
    }

    // package and version nodes
    for (name, info) in &pkgs {
        let id = package_node_id(name);
        let n = b.node(&id, NodeKind::Package, &name.to_string());
        n.attrs
            .insert("ecosystem".into(), json!(name.ecosystem.as_str()));
        n.attrs.insert("name".into(), json!(name.name));
        set_list(&mut n.attrs, "sources", info.sources.iter().cloned());
        set_list(&mut n.attrs, "advisories", info.advisories.iter().cloned());
        if let Some(d) = &info.first {
            n.attrs.insert("first_reported".into(), json!(d));
        }
        if let Some(s) = summaries.get(name) {
            n.attrs.insert("summary".into(), json!(s));
        }
        let srcs: Vec<String> = info.sources.iter().cloned().collect();
        for s in srcs {
            let sid = format!("src:{s}");
            b.node(&sid, NodeKind::Source, &s);
            b.edge(
                &id,
                &sid,
                EdgeKind::ReportedBy,
                format!("reported by {s}"),
                None,
            );
        }
        duplicated_by_sources(&mut b, &id, &info.whole);
    }
    for (pid, info) in &vers {
        let id = version_node_id(pid);
        let pkg = package_node_id(&pid.package());
        let n = b.node(&id, NodeKind::PackageVersion, &pid.to_string());
        n.attrs
            .insert("ecosystem".into(), json!(pid.ecosystem.as_str()));
        n.attrs.insert("name".into(), json!(pid.name));
        n.attrs.insert(
            "version".into(),
            json!(pid.version.clone().unwrap_or_default()),
        );
        set_list(&mut n.attrs, "sources", info.sources.keys().cloned());
        set_list(&mut n.attrs, "sha256", info.shas.iter().cloned());
        if let Some(d) = &info.first {
            n.attrs.insert("first_reported".into(), json!(d));
        }
        if info.sources.len() >= 2 {
            n.attrs
                .insert("duplicated_reports".into(), json!(info.sources.len()));
        }
        b.edge(&id, &pkg, EdgeKind::VersionOf, "version of".into(), None);
        let srcs: Vec<String> = info.sources.keys().cloned().collect();
        for s in srcs {
            let sid = format!("src:{s}");
            b.node(&sid, NodeKind::Source, &s);
            b.edge(
                &id,
                &sid,
                EdgeKind::ReportedBy,
                format!("reported by {s}"),
                None,
            );
        }
        duplicated_by_sources(&mut b, &id, &info.sources);
    }

    // artifacts, per-version scan and fingerprint
    let mut by_sha: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ver_fp: BTreeMap<String, &CodeFingerprint> = BTreeMap::new();
    let mut ver_scan: BTreeMap<String, &ScanReport> = BTreeMap::new();
    let mut ver_pid: BTreeMap<String, &PackageId> = BTreeMap::new();
    for s in &samples {
        let sha = s.sha256.to_ascii_lowercase();
        let vid = version_node_id(&s.package);
        let aid = format!("sha256:{sha}");
        let n = b.node(&aid, NodeKind::Artifact, &sha);
        n.attrs.insert("sha256".into(), json!(sha));
        if let Some(fp) = &s.fingerprint {
            n.attrs.insert("tokens".into(), json!(fp.tokens));
            if !fp.normalized_sha256.is_empty() {
                n.attrs
                    .insert("normalized_sha256".into(), json!(fp.normalized_sha256));
            }
            let code = match &s.focused {
                Some(f) if opts.focus_flagged => f,
                _ => fp,
            };
            ver_fp.entry(vid.clone()).or_insert(code);
        }
        if let Some(sc) = &s.scan {
            ver_scan.entry(vid.clone()).or_insert(sc);
        }
        ver_pid.entry(vid.clone()).or_insert(&s.package);
        if by_sha.entry(sha.clone()).or_default().insert(vid.clone()) {
            b.edge(&aid, &vid, EdgeKind::ArtifactOf, "archive of".into(), None);
        }
    }
    for (vid, sc) in &ver_scan {
        if let Some(n) = b.nodes.get_mut(vid.as_str()) {
            set_list(
                &mut n.attrs,
                "categories",
                sc.categories.iter().map(|c| c.as_str().to_string()),
            );
            n.attrs.insert("verdict".into(), json!(sc.verdict.as_str()));
        }
    }

    // duplicated: same bytes
    let mut joined: HashSet<(String, String)> = HashSet::new();
    for (sha, vids) in &by_sha {
        let mut it = vids.iter();
        if let Some(first) = it.next() {
            for other in it {
                joined.insert((first.clone(), other.clone()));
                b.edge(
                    first,
                    other,
                    EdgeKind::Duplicated,
                    format!("same sha256 {}", short(sha)),
                    None,
                );
            }
        }
    }

    // duplicated: identical normalised code; representatives for similarity
    let mut by_code: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for (vid, fp) in &ver_fp {
        if fp.shingles.len() >= opts.min_shingles && !fp.normalized_sha256.is_empty() {
            by_code
                .entry(fp.normalized_sha256.as_str())
                .or_default()
                .push(vid);
        }
    }
    let mut reps: Vec<&String> = Vec::new();
    for (code, vids) in &by_code {
        let first = vids[0];
        for other in &vids[1..] {
            if joined.contains(&(first.clone(), (*other).clone())) {
                continue;
            }
            b.edge(
                first,
                other,
                EdgeKind::Duplicated,
                format!("identical normalised code {}", short(code)),
                None,
            );
        }
        reps.push(first);
    }

    // similar
    let own: Vec<Vec<u64>> = match &opts.known_benign {
        Some(benign) => reps
            .iter()
            .map(|v| without(&ver_fp[*v].shingles, benign, opts.min_shingles))
            .collect(),
        None => Vec::new(),
    };
    let raw_sets: Vec<&[u64]> = if opts.known_benign.is_some() {
        own.iter().map(Vec::as_slice).collect()
    } else {
        reps.iter()
            .map(|v| ver_fp[*v].shingles.as_slice())
            .collect()
    };
    let filtered = drop_frequent_shingles(&raw_sets, opts.max_shingle_share, opts.min_shingles);
    let sets: Vec<&[u64]> = filtered.iter().map(|s| s.as_slice()).collect();
    let weights = match opts.similarity {
        Similarity::IdfWeighted => idf_weights(&sets),
        _ => HashMap::new(),
    };
    let measure = match opts.similarity {
        Similarity::Jaccard => Measure::Jaccard,
        Similarity::Containment => Measure::Containment,
        Similarity::IdfWeighted => Measure::Weighted(&weights),
    };
    let (pairs, n_cands) = similar_pairs_with(
        &sets,
        &LshOptions {
            threshold: opts.similarity_threshold,
            bucket_cap: opts.bucket_cap,
            max_neighbours: opts.max_neighbours,
        },
        measure,
    );
    for (i, j, score) in pairs {
        let score = (score * 1000.0).round() / 1000.0;
        b.edge(
            reps[i],
            reps[j],
            EdgeKind::Similar,
            format!(
                "code similarity {score:.3} ({} of normalised token shingles)",
                opts.similarity.as_str()
            ),
            Some(score),
        );
    }

    // dependency
    let known: HashSet<(Ecosystem, String)> = pkgs
        .keys()
        .map(|p| (p.ecosystem.clone(), p.name.clone()))
        .collect();
    for (vid, sc) in &ver_scan {
        let Some(pid) = ver_pid.get(vid) else {
            continue;
        };
        let eco = &pid.ecosystem;
        let own: HashSet<String> = ver_fp
            .get(vid)
            .map(|fp| fp.modules.iter().map(|m| normalise_name(eco, m)).collect())
            .unwrap_or_default();
        let mut targets: BTreeMap<String, String> = BTreeMap::new();
        let cands = sc
            .metadata
            .dependencies
            .iter()
            .map(|d| (d, true))
            .chain(sc.metadata.imports.iter().map(|d| (d, false)));
        for (raw, declared) in cands {
            let raw = raw.trim();
            if raw.is_empty() || never_links(eco, raw) {
                continue;
            }
            let norm = normalise_name(eco, raw);
            if norm == pid.name || (!declared && own.contains(&norm)) {
                continue;
            }
            if !known.contains(&(eco.clone(), norm.clone())) {
                continue;
            }
            let target = package_node_id(&PackageName {
                ecosystem: eco.clone(),
                name: norm,
            });
            let why = if declared {
                format!("declares dependency {raw}")
            } else {
                format!("imports {raw}")
            };
            match targets.get(&target) {
                Some(w) if w.starts_with("declares") => {}
                _ => {
                    targets.insert(target, why);
                }
            }
        }
        for (t, why) in targets {
            b.edge(vid, &t, EdgeKind::Dependency, why, None);
        }
    }

    // reports: co-existing
    for r in &reports {
        let rid = format!("report:{}", canonical_url(&r.location));
        let label = r.title.clone().unwrap_or_else(|| r.location.clone());
        let n = b.node(&rid, NodeKind::Report, &label);
        n.attrs.insert("url".into(), json!(r.location));
        if let Some(t) = &r.title {
            n.attrs.insert("title".into(), json!(t));
        }
        if let Some(d) = r.published.as_deref().and_then(day_of) {
            n.attrs.insert("published".into(), json!(d));
        }
        let targets: BTreeSet<String> = r
            .packages
            .iter()
            .filter(|p| !p.name.is_empty())
            .map(version_node_id)
            .collect();
        for t in targets {
            b.edge(
                &rid,
                &t,
                EdgeKind::CoExisting,
                format!("named in report {label}"),
                None,
            );
        }
    }
    let mut ref_links: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for a in &adv_sorted {
        for u in &a.references {
            if is_generic_reference(u) {
                continue;
            }
            let c = canonical_url(u);
            ref_links
                .entry(c)
                .or_insert_with(|| (u.clone(), BTreeSet::new()))
                .1
                .insert(package_node_id(&a.package));
        }
    }
    for (c, (orig, targets)) in ref_links {
        let rid = format!("report:{c}");
        let n = b.node(&rid, NodeKind::Report, &orig);
        n.attrs.entry("url".into()).or_insert_with(|| json!(orig));
        let label = n
            .attrs
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(&orig)
            .to_string();
        for t in targets {
            b.edge(
                &rid,
                &t,
                EdgeKind::CoExisting,
                format!("referenced by the advisory as {label}"),
                None,
            );
        }
    }

    // shared indicators
    let mut holders: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut add_iocs = |holder: &str, iocs: &Iocs| {
        for (k, v) in iocs.iter() {
            let v = if k == "domain" || k == "email" {
                v.trim().to_ascii_lowercase()
            } else {
                v.trim().to_string()
            };
            if indicator_allowed(k, &v) {
                holders
                    .entry((k.to_string(), v))
                    .or_default()
                    .insert(holder.to_string());
            }
        }
    };
    for (vid, sc) in &ver_scan {
        add_iocs(vid, &sc.iocs);
    }
    for a in &adv_sorted {
        add_iocs(&package_node_id(&a.package), &a.iocs);
    }
    for r in &reports {
        add_iocs(&format!("report:{}", canonical_url(&r.location)), &r.iocs);
    }
    for ((k, v), hs) in holders {
        let names: BTreeSet<&str> = hs
            .iter()
            .filter(|h| !h.starts_with("report:"))
            .map(|h| package_part(h))
            .collect();
        if names.len() < 2 {
            continue;
        }
        let iid = format!("ioc:{k}:{v}");
        let n = b.node(&iid, NodeKind::Indicator, &v);
        n.attrs.insert("ioc_kind".into(), json!(k));
        n.attrs.insert("value".into(), json!(v));
        n.attrs.insert("packages".into(), json!(names.len()));
        for h in hs {
            b.edge(
                &h,
                &iid,
                EdgeKind::SharedIndicator,
                format!("{k} {v}"),
                None,
            );
        }
    }

    // facts for campaigns
    let mut facts: HashMap<String, VersionFacts> = HashMap::new();
    for (pid, info) in &vers {
        let vid = version_node_id(pid);
        let sc = ver_scan.get(&vid);
        let fp = ver_fp.get(&vid);
        facts.insert(
            vid.clone(),
            VersionFacts {
                name: format!("{}/{}", pid.ecosystem.slug(), pid.name),
                version: pid.version.clone(),
                date: info.first.clone(),
                summary: sc
                    .and_then(|s| s.metadata.summary.clone())
                    .or_else(|| summaries.get(&pid.package()).cloned()),
                deps: sc.map(|s| {
                    let mut d: Vec<String> = s
                        .metadata
                        .dependencies
                        .iter()
                        .map(|x| normalise_name(&pid.ecosystem, x))
                        .collect();
                    d.sort();
                    d.dedup();
                    d
                }),
                code: fp
                    .filter(|f| !f.normalized_sha256.is_empty())
                    .map(|f| f.normalized_sha256.clone())
                    .or_else(|| info.shas.iter().next().cloned()),
                categories: sc
                    .map(|s| {
                        s.categories
                            .iter()
                            .map(|c| c.as_str().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                stages: sc
                    .map(|s| s.stages.iter().map(|c| c.as_str().to_string()).collect())
                    .unwrap_or_default(),
                evasions: sc
                    .map(|s| s.evasion.iter().map(|c| c.as_str().to_string()).collect())
                    .unwrap_or_default(),
                has_code: fp.is_some_and(|f| f.shingles.len() >= opts.min_shingles),
            },
        );
    }
    for (name, info) in &pkgs {
        facts.insert(
            package_node_id(name),
            VersionFacts {
                name: name.to_string(),
                version: None,
                date: info.first.clone(),
                ..VersionFacts::default()
            },
        );
    }

    let mut nodes: Vec<Node> = b.nodes.into_values().collect();
    let mut edges = b.edges;
    sort_edges(&mut edges);
    edges.dedup_by(|a, b| {
        a.source == b.source && a.target == b.target && a.kind == b.kind && a.why == b.why
    });
    let diversity = campaign::diversity(&nodes, &edges, &facts);
    let campaigns = campaign::campaigns(&nodes, &edges, &facts, opts);
    // campaign nodes and member-of edges
    for c in &campaigns {
        let mut attrs = BTreeMap::new();
        attrs.insert("size".into(), json!(c.members.len()));
        attrs.insert("names".into(), json!(c.names.len()));
        if let Some(d) = &c.first_seen {
            attrs.insert("first_seen".into(), json!(d));
        }
        if let Some(d) = &c.last_seen {
            attrs.insert("last_seen".into(), json!(d));
        }
        nodes.push(Node {
            id: c.id.clone(),
            kind: NodeKind::Campaign,
            label: c.id.clone(),
            attrs,
        });
        for m in &c.members {
            edges.push(Edge {
                source: m.clone(),
                target: c.id.clone(),
                kind: EdgeKind::MemberOf,
                why: "member of the campaign".into(),
                score: None,
            });
        }
    }
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    sort_edges(&mut edges);
    let mut stats = GraphStats::default();
    for n in &nodes {
        *stats.nodes.entry(n.kind.as_str().into()).or_default() += 1;
    }
    for e in &edges {
        *stats.edges.entry(e.kind.as_str().into()).or_default() += 1;
    }
    stats.similar_candidates = n_cands;
    stats.names_total = pkgs.len();
    let in_c: BTreeSet<&String> = campaigns.iter().flat_map(|c| c.names.iter()).collect();
    stats.names_in_campaigns = in_c.len();
    Graph {
        nodes,
        edges,
        campaigns,
        diversity,
        stats,
    }
}

/// `pkg:eco/name` part of a package or version node id (`ver:eco/name@v` -> `eco/name`).
pub(crate) fn package_part(id: &str) -> &str {
    if let Some(rest) = id.strip_prefix("pkg:") {
        return rest;
    }
    if let Some(rest) = id.strip_prefix("ver:") {
        // the version separator is the last '@' that is not at the start of the name
        let slash = rest.find('/').map(|i| i + 1).unwrap_or(0);
        let name_part = &rest[slash..];
        if let Some(at) = name_part.char_indices().skip(1).find(|&(_, c)| c == '@') {
            return &rest[..slash + at.0];
        }
        return rest;
    }
    id
}

fn sort_edges(edges: &mut [Edge]) {
    edges.sort_by(|a, b| {
        a.source
            .cmp(&b.source)
            .then(a.target.cmp(&b.target))
            .then(a.kind.cmp(&b.kind))
            .then(a.why.cmp(&b.why))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_part_handles_scopes() {
        assert_eq!(package_part("ver:npm/@a/b@1.0"), "npm/@a/b");
        assert_eq!(package_part("ver:pypi/x@2"), "pypi/x");
        assert_eq!(package_part("pkg:pypi/x"), "pypi/x");
    }

    #[test]
    fn generic_references_are_filtered() {
        assert!(is_generic_reference(
            "https://security.snyk.io/vuln/SNYK-PYTHON-X-1"
        ));
        assert!(is_generic_reference(
            "https://research.jfrog.com/malicious-packages/"
        ));
        assert!(is_generic_reference(
            "https://github.com/DataDog/malicious-software-packages-dataset"
        ));
        assert!(!is_generic_reference(
            "https://medium.com/checkmarx-security/the-skeleton-squad-x"
        ));
        // canonical forms (tested in malgraph-ioc) make generic references generic
        assert!(is_generic_reference(
            "http://WWW.PyPI.org/project/x/?utm_source=y"
        ));
        assert!(!is_generic_reference(
            "https://checkmarx.medium.com/fake-python-infra-05a04b7e058a?source=rss"
        ));
    }

    #[test]
    fn frequent_shingles_are_dropped() {
        let common: Vec<u64> = (0..10).collect();
        let sets: Vec<Vec<u64>> = (0..20u64)
            .map(|i| {
                let mut s = common.clone();
                s.extend([100 + i, 200 + i]);
                s
            })
            .collect();
        let refs: Vec<&[u64]> = sets.iter().map(|s| s.as_slice()).collect();
        let out = drop_frequent_shingles(&refs, 0.1, 0);
        assert_eq!(out[3], vec![103, 203]);
        // disabled, or too few sets to call anything frequent
        assert_eq!(drop_frequent_shingles(&refs, 1.0, 0)[3].len(), 12);
        assert_eq!(drop_frequent_shingles(&refs[..4], 0.1, 0)[3].len(), 12);
        // sets left below the minimum take no part
        assert!(drop_frequent_shingles(&refs, 0.1, 3)[3].is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(
            day_of("2023-02-27T10:00:00Z").as_deref(),
            Some("2023-02-27")
        );
        assert_eq!(day_of("27/02/2023"), None);
    }
}

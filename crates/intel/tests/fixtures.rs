//! Synthetic fixtures for every source kind, written by the tests themselves.

use malgraph_core::Ecosystem;
use malgraph_intel::{
    IntelError, SourceKind, Versions, detect_kind, parse_report_html, parse_report_markdown,
    parse_source,
};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn no_progress(_: u64, _: u64) {}

const OSV_ALL: &str = r#"{"id":"MAL-2024-1","published":"2024-01-01T00:00:00Z","modified":"2024-01-02T00:00:00Z",
 "summary":"Malicious code in Evil_Pkg (PyPI)","aliases":["GHSA-xxxx"],
 "affected":[{"package":{"ecosystem":"PyPI","name":"Evil_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],"versions":["1.0"]}],
 "references":[{"type":"ARTICLE","url":"https://blog.example.org/evil"}],
 "credits":[{"name":"Finder One","type":"FINDER"}],
 "database_specific":{"malicious-packages-origins":[{"source":"ghsa-malware","sha256":"ab","import_time":"2024-01-01T01:00:00Z","versions":["1.0"]}],
   "iocs":{"urls":["hxxps://evil-c2[.]xyz/p","https://canary.discord.com/api/webhooks/1153431050517762059/MAkfrB4n1Gz6qe7W8ffWTZF92yfN3D_FWPFFaK_FBgDQWB1ZYfbKHa61X_8L6GK175r0"],"domains":["evil-c2.xyz"],"ips":["45.61.139.12"]}}}"#;
const OSV_LIST: &str = r#"{"id":"MAL-2024-2","published":"2024-02-01T00:00:00Z",
 "affected":[{"package":{"ecosystem":"npm","name":"@Scope/X"},"versions":["1.0.0","1.0.1"]}],
 "database_specific":{"malicious-packages-origins":[{"source":"ossf-package-analysis","sha256":"cd","versions":["1.0.0"]},{"source":"socket","sha256":"ef","versions":["1.0.1"]}]}}"#;
const OSV_RANGE: &str = r#"{"id":"MAL-2024-3","affected":[{"package":{"ecosystem":"PyPI","name":"ranged"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.2"}]}]}]}"#;
const OSV_WITHDRAWN: &str = r#"{"id":"MAL-2024-4","modified":"2024-04-04T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"oops"},"versions":["0.1"]}]}"#;

fn osv_tree(root: &Path) {
    write(
        &root.join("osv/malicious/pypi/evil-pkg/MAL-2024-1.json"),
        OSV_ALL.as_bytes(),
    );
    write(
        &root.join("osv/malicious/npm/@scope/x/MAL-2024-2.json"),
        OSV_LIST.as_bytes(),
    );
    write(
        &root.join("osv/malicious/pypi/ranged/MAL-2024-3.json"),
        OSV_RANGE.as_bytes(),
    );
    write(
        &root.join("osv/withdrawn/pypi/oops/MAL-2024-4.json"),
        OSV_WITHDRAWN.as_bytes(),
    );
    write(
        &root.join("osv/malicious/pypi/bad/MAL-2024-5.json"),
        b"{\"id\": \"MAL-2024-5\", ",
    );
    write(&root.join("README.md"), b"# malicious packages\n");
    // Hidden folders of a clone are not entered (this would be a second error).
    write(&root.join(".github/settings.json"), b"not osv");
}

fn check_osv(batch: &malgraph_intel::Batch) {
    assert_eq!(batch.advisories.len(), 4, "{:?}", batch.errors);
    assert_eq!(batch.errors.len(), 1);
    assert!(batch.errors[0].location.contains("MAL-2024-5.json"));
    assert!(batch.errors[0].reason.contains("malformed"));
    let by = |id: &str| batch.advisories.iter().find(|a| a.id == id).unwrap();
    let a = by("MAL-2024-1");
    assert_eq!(a.package.name, "evil-pkg");
    assert_eq!(a.package.ecosystem, Ecosystem::PyPI);
    assert_eq!(a.versions, Versions::All);
    assert_eq!(a.aliases, ["GHSA-xxxx"]);
    assert_eq!(a.credits, ["Finder One"]);
    assert_eq!(a.references, ["https://blog.example.org/evil"]);
    assert_eq!(a.origins[0].source.as_deref(), Some("ghsa-malware"));
    assert_eq!(
        a.origins[0].import_time.as_deref(),
        Some("2024-01-01T01:00:00Z")
    );
    assert!(a.iocs.urls.contains("https://evil-c2.xyz/p"));
    assert!(a.iocs.ips.contains("45.61.139.12"));
    // Webhooks are classified (canonical form) as the scanner does.
    assert!(
        a.iocs
            .webhooks
            .iter()
            .any(|w| w.starts_with("https://discord.com/api/webhooks/1153431050517762059/")),
        "{:?}",
        a.iocs
    );
    assert_eq!(a.withdrawn, None);
    let b = by("MAL-2024-2");
    assert_eq!(b.package.name, "@scope/x");
    assert_eq!(
        b.versions,
        Versions::List(vec!["1.0.0".into(), "1.0.1".into()])
    );
    assert_eq!(b.origins.len(), 2);
    let Versions::Ranges(r) = &by("MAL-2024-3").versions else {
        panic!("ranges expected")
    };
    assert_eq!(r[0].introduced.as_deref(), Some("1.0"));
    assert_eq!(r[0].fixed.as_deref(), Some("1.2"));
    assert_eq!(
        by("MAL-2024-4").withdrawn.as_deref(),
        Some("2024-04-04T00:00:00Z")
    );
}

#[test]
fn osv_tree_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("malicious-packages");
    osv_tree(&root);
    assert_eq!(detect_kind(&root).unwrap(), SourceKind::Osv);
    let calls = std::cell::RefCell::new(Vec::new());
    let batch = parse_source(s(&root), None, None, &|d, t| {
        calls.borrow_mut().push((d, t))
    })
    .unwrap();
    assert_eq!(batch.source, "malicious-packages");
    check_osv(&batch);
    assert_eq!(calls.borrow().last(), Some(&(5, 5)));
    // The `osv` folder itself is generic: prefixed by its parent.
    let batch = parse_source(s(&root.join("osv")), None, None, &no_progress).unwrap();
    assert_eq!(batch.source, "malicious-packages-osv");
    check_osv(&batch);
    // --source wins.
    let batch = parse_source(s(&root), None, Some("mine"), &no_progress).unwrap();
    assert_eq!(batch.source, "mine");
}

#[test]
fn osv_zip_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let zpath = tmp.path().join("my-osv-feed.zip");
    {
        let f = std::fs::File::create(&zpath).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let o = zip::write::SimpleFileOptions::default();
        for (name, body) in [
            ("osv/", ""),
            ("osv/malicious/pypi/evil-pkg/MAL-2024-1.json", OSV_ALL),
            ("osv/malicious/npm/@scope/x/MAL-2024-2.json", OSV_LIST),
            ("osv/malicious/pypi/ranged/MAL-2024-3.json", OSV_RANGE),
            ("osv/withdrawn/pypi/oops/MAL-2024-4.json", OSV_WITHDRAWN),
            ("osv/malicious/pypi/bad/MAL-2024-5.json", "[1,"),
            ("index.json", "{\"MAL-2024-1\": {\"file\": \"x\"}}"),
            ("README.md", "# feed"),
        ] {
            if name.ends_with('/') {
                z.add_directory(name, o).unwrap();
            } else {
                z.start_file(name, o).unwrap();
                z.write_all(body.as_bytes()).unwrap();
            }
        }
        z.finish().unwrap();
    }
    assert_eq!(detect_kind(&zpath).unwrap(), SourceKind::Osv);
    let batch = parse_source(s(&zpath), None, None, &no_progress).unwrap();
    assert_eq!(batch.source, "my-osv-feed");
    check_osv(&batch);
    assert!(
        batch.advisories[0]
            .location
            .contains("my-osv-feed.zip!/osv/")
    );
    // A file that is not a zip at all is an error for the whole source.
    let broken = tmp.path().join("broken.zip");
    write(&broken, b"PK\x03\x04 not really");
    let err = parse_source(s(&broken), Some(SourceKind::Osv), None, &no_progress).unwrap_err();
    assert!(err.to_string().contains("broken.zip"), "{err}");
}

fn encrypted_zip(path: &Path, member: &str, body: &[u8]) {
    use zip::unstable::write::FileOptionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default()
        .with_deprecated_encryption(malgraph_intel::DATADOG_ZIP_PASSWORD.as_bytes())
        .unwrap();
    z.start_file(member, o).unwrap();
    z.write_all(body).unwrap();
    z.finish().unwrap();
}

fn sha(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn datadog_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("malicious-software-packages-dataset");
    let z1 = root.join("samples/pypi/malicious_intent/Evil_Pkg/1.0/2024-01-02-Evil_Pkg-v1.0.zip");
    let z2 = root.join("samples/npm/compromised_lib/@sc/pkg/2.0.0/2024-02-03-pkg-v2.0.0.zip");
    encrypted_zip(&z1, "Evil_Pkg-1.0/setup.py", b"print('synthetic')");
    encrypted_zip(&z2, "package/package.json", b"{}");
    write(
        &root.join("samples/pypi/manifest.json"),
        br#"{"Evil_Pkg": ["1.0"], "other": null}"#,
    );
    write(&root.join("README.md"), b"# dataset");
    // The archive really is ZipCrypto-encrypted: reading it without the password fails.
    let mut ar = zip::ZipArchive::new(std::fs::File::open(&z1).unwrap()).unwrap();
    assert!(ar.by_index(0).is_err());

    for arg in [
        root.clone(),
        root.join("samples"),
        root.join("samples/pypi"),
    ] {
        assert_eq!(
            detect_kind(&arg).unwrap(),
            SourceKind::DataDog,
            "{}",
            arg.display()
        );
    }
    let batch = parse_source(s(&root), None, None, &no_progress).unwrap();
    assert_eq!(batch.source, "datadog");
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.samples.len(), 2);
    let pypi = batch
        .samples
        .iter()
        .find(|s| s.package.ecosystem == Ecosystem::PyPI)
        .unwrap();
    assert_eq!(pypi.package.name, "evil-pkg");
    assert_eq!(pypi.package.version.as_deref(), Some("1.0"));
    assert_eq!(pypi.date.as_deref(), Some("2024-01-02"));
    assert_eq!(pypi.label.as_deref(), Some("malicious_intent"));
    assert_eq!(pypi.sha256, sha(&z1));
    assert_eq!(pypi.size, std::fs::metadata(&z1).unwrap().len());
    assert!(Path::new(&pypi.location).is_absolute());
    let npm = batch
        .samples
        .iter()
        .find(|s| s.package.ecosystem == Ecosystem::Npm)
        .unwrap();
    assert_eq!(npm.package.name, "@sc/pkg");
    assert_eq!(npm.label.as_deref(), Some("compromised_lib"));
    assert_eq!(npm.sha256, sha(&z2));
    let names: Vec<String> = batch.names.iter().map(|n| n.package.to_string()).collect();
    assert_eq!(names, ["pypi/evil-pkg@1.0", "pypi/other"]);

    // One ecosystem folder alone still finds its labels.
    let batch = parse_source(
        s(&root.join("samples/npm")),
        Some(SourceKind::DataDog),
        None,
        &no_progress,
    )
    .unwrap();
    assert_eq!(batch.samples.len(), 1);
    assert_eq!(batch.samples[0].package.name, "@sc/pkg");
}

#[test]
fn malregistry_and_archive_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("pypi_malregistry");
    write(
        &reg.join("Evil_Pkg/0.1/Evil_Pkg-0.1.tar.gz"),
        b"not really gzip",
    );
    write(&reg.join("other/2.0/other-2.0-py3-none-any.whl"), b"PK");
    write(&reg.join("stray.tar.gz"), b"x");
    write(&reg.join("manifest.jsonl"), b"{}");
    assert_eq!(detect_kind(&reg).unwrap(), SourceKind::MalRegistry);
    let batch = parse_source(s(&reg), None, None, &no_progress).unwrap();
    assert_eq!(batch.kind, SourceKind::MalRegistry);
    let ids: Vec<String> = batch
        .samples
        .iter()
        .map(|s| s.package.to_string())
        .collect();
    assert_eq!(ids, ["pypi/evil-pkg@0.1", "pypi/other@2.0"]);
    assert_eq!(batch.errors.len(), 1);
    assert!(batch.errors[0].location.ends_with("stray.tar.gz"));
    assert_eq!(
        batch.samples[0].sha256,
        sha(&reg.join("Evil_Pkg/0.1/Evil_Pkg-0.1.tar.gz"))
    );

    let arch = tmp.path().join("drop");
    write(&arch.join("foo-1.2.3.tar.gz"), b"a");
    write(&arch.join("bar_baz-0.1-py3-none-any.whl"), b"b");
    write(&arch.join("left-pad-1.3.0.tgz"), b"c");
    write(&arch.join("noversion.tar.gz"), b"d");
    write(&arch.join("notes.txt"), b"e");
    assert_eq!(detect_kind(&arch).unwrap(), SourceKind::ArchiveFolder);
    let batch = parse_source(s(&arch), None, None, &no_progress).unwrap();
    let mut ids: Vec<String> = batch
        .samples
        .iter()
        .map(|s| s.package.to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["npm/left-pad@1.3.0", "pypi/bar-baz@0.1", "pypi/foo@1.2.3"]
    );
    assert_eq!(batch.errors.len(), 1);
    assert!(batch.errors[0].location.ends_with("noversion.tar.gz"));
    assert_eq!(batch.source, "drop");
}

#[test]
fn name_lists_of_each_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("lists");
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "full.csv",
            "Name,Version,Ecosystem,Date,Source\nEvil_Pkg,1.0,pypi,2024-01-01,vendor-a\n@S/x,,npm,,\n",
            vec!["pypi/evil-pkg@1.0", "npm/@s/x"],
        ),
        ("pypi-names.csv", "package\nfoo.bar\n", vec!["pypi/foo-bar"]),
        (
            "npm-rows.tsv",
            "name\tversion\nqq\t2.0\n",
            vec!["npm/qq@2.0"],
        ),
        (
            "feed.jsonl",
            "{\"name\":\"a1\",\"ecosystem\":\"npm\",\"version\":\"0.0.1\"}\n\n{\"package\":\"B_2\",\"ecosystem\":\"PyPI\"}\n",
            vec!["npm/a1@0.0.1", "pypi/b-2"],
        ),
        (
            "rows.json",
            "[{\"name\":\"c3\",\"ecosystem\":\"rubygems\"},\"ignored-without-eco\"]",
            vec!["rubygems/c3"],
        ),
        (
            "by-eco.json",
            "{\"pypi\":[\"D_4\"],\"gem\":[\"e5\"],\"npm\":[]}",
            vec!["pypi/d-4", "rubygems/e5"],
        ),
        (
            "npmjs-mal-pkgs.aug2019.txt",
            "package name\ncal_rd\nsailclothjs,\"{'overall': 1}\"\n",
            vec!["npm/cal_rd", "npm/sailclothjs"],
        ),
    ];
    for (file, body, want) in &cases {
        let p = d.join(file);
        write(&p, body.as_bytes());
        assert_eq!(detect_kind(&p).unwrap(), SourceKind::NameList, "{file}");
        let batch = parse_source(s(&p), None, None, &no_progress).unwrap();
        let mut got: Vec<String> = batch.names.iter().map(|n| n.package.to_string()).collect();
        got.sort();
        let mut want = want.clone();
        want.sort();
        assert_eq!(got, want, "{file}: {:?}", batch.errors);
    }
    let full = parse_source(s(&d.join("full.csv")), None, None, &no_progress).unwrap();
    assert_eq!(full.names[0].date.as_deref(), Some("2024-01-01"));
    assert_eq!(full.names[0].source.as_deref(), Some("vendor-a"));
    // `lists` is a generic folder name: the file stem alone names the source.
    assert_eq!(full.source, "full");
    let dated = parse_source(
        s(&d.join("npmjs-mal-pkgs.aug2019.txt")),
        None,
        None,
        &no_progress,
    )
    .unwrap();
    assert_eq!(dated.names[0].date.as_deref(), Some("2019-08"));
    // rows.json had one row without an ecosystem: reported, not guessed.
    let rows = parse_source(s(&d.join("rows.json")), None, None, &no_progress).unwrap();
    assert_eq!(rows.errors.len(), 1);
    assert!(rows.errors[0].reason.contains("without a known ecosystem"));
    // Malformed JSON names the file; the rest of a folder still parses.
    write(&d.join("broken.json"), b"{\"pypi\": [");
    let all = parse_source(s(&d), None, None, &no_progress).unwrap();
    assert_eq!(all.kind, SourceKind::NameList);
    assert!(
        all.errors
            .iter()
            .any(|e| e.location.ends_with("broken.json") && e.reason.contains("malformed"))
    );
    assert!(all.names.len() >= 11, "{}", all.names.len());
    assert!(
        all.names
            .iter()
            .any(|n| n.source.as_deref() == Some("pypi-names"))
    );
}

const HTML_PAGE: &str = r#"<!doctype html><html><head>
<title>Malicious PyPI packages steal credentials</title>
<meta property="og:title" content="OG title">
<meta property="article:published_time" content="2024-05-06T10:00:00Z">
<script type="application/ld+json">{"datePublished": "1999-01-01"}</script>
</head><body>
<h1>Campaign</h1>
<p>We found the malicious package <code>colourama</code> on PyPI. It impersonates the popular <code>colorama</code> package.
It calls <code>subprocess</code> and <code>os.system</code> from <code>setup.py</code>.</p>
<p>Run pip install the package from the index? No: victims ran <code>pip install reqeusts==2.28.1</code>.</p>
<p>See <a href="https://pypi.org/project/pytorch-nightly-cpu/1.0.1/">the project page</a> and
<a href="https://www.npmjs.com/package/@evil/loader/v/0.0.3">npm</a>.</p>
<h2>Indicators</h2>
<ul><li>hxxps://evil-c2[.]xyz/payload</li><li>45.61.139[.]12</li><li>requests</li></ul>
<h2>Affected packages</h2>
<table><tr><th>Package</th><th>Version</th></tr>
<tr><td>typo-lib</td><td>0.4</td></tr><tr><td>typo_lib2</td><td>1.1</td></tr></table>
<p>Installing, installs and package managers in general are fine words.</p>
</body></html>"#;

const MD_PAGE: &str = r#"---
title: "npm worm hits scoped packages"
date: 2024-07-08
---
# Ignored heading title

Attackers published new versions. The JavaScript payload beacons to hxxp://203.0.113[.]9 and
hxxps://drop.evil-npm[.]top/x.js.

## Malicious packages

- `@acme/utils@1.2.4`
- shady-color 3.0.1
- `worm-core` (v0.9.1)
- `worm-extra` — the second stage
- a sentence about the worm that is not a name
- `postinstall.js`

```sh
npm install --save left-padd@1.0.0 && yarn add got-cache
```

The `child_process` module and `index.js` are used; the legitimate `chalk` package is not affected.
A later package `color-strng==2.0.1` was seen too.
Links: [registry](https://www.npmjs.com/package/%40acme%2Futils).
"#;

#[test]
fn report_pages() {
    let r = parse_report_html(HTML_PAGE.as_bytes(), "page.html");
    assert_eq!(
        r.title.as_deref(),
        Some("Malicious PyPI packages steal credentials")
    );
    assert_eq!(r.published.as_deref(), Some("2024-05-06T10:00:00Z"));
    let ids: Vec<String> = r.packages.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        ids,
        [
            "pypi/colourama",
            "pypi/pytorch-nightly-cpu@1.0.1",
            "pypi/reqeusts@2.28.1",
            "pypi/typo-lib@0.4",
            "pypi/typo-lib2@1.1",
            "npm/@evil/loader@0.0.3",
        ]
    );
    assert!(
        r.iocs
            .urls
            .iter()
            .any(|u| u.contains("evil-c2.xyz/payload")),
        "{:?}",
        r.iocs
    );
    assert!(r.iocs.ips.contains("45.61.139.12"), "{:?}", r.iocs);
    assert_eq!(r.sha256, hex::encode(Sha256::digest(HTML_PAGE.as_bytes())));

    let m = parse_report_markdown(MD_PAGE.as_bytes(), "post.md");
    assert_eq!(m.title.as_deref(), Some("npm worm hits scoped packages"));
    assert_eq!(m.published.as_deref(), Some("2024-07-08"));
    let ids: Vec<String> = m.packages.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        ids,
        [
            "npm/@acme/utils@1.2.4",
            "npm/color-strng@2.0.1",
            "npm/got-cache",
            "npm/left-padd@1.0.0",
            "npm/shady-color@3.0.1",
            "npm/worm-core@0.9.1",
            "npm/worm-extra",
        ]
    );
    assert!(
        m.iocs.domains.iter().any(|d| d == "drop.evil-npm.top"),
        "{:?}",
        m.iocs
    );

    // Through parse_source: a folder of pages.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("blog");
    write(&dir.join("a.html"), HTML_PAGE.as_bytes());
    write(&dir.join("b.md"), MD_PAGE.as_bytes());
    write(
        &dir.join("README.md"),
        b"# not a report, `pip install nope`",
    );
    assert_eq!(detect_kind(&dir).unwrap(), SourceKind::Report);
    let batch = parse_source(s(&dir), None, None, &no_progress).unwrap();
    assert_eq!(batch.reports.len(), 2);
    assert_eq!(batch.source, "blog");
}

#[test]
fn unknown_layouts_and_missing_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("stuff");
    write(&d.join("a.bin"), b"\0\0");
    write(&d.join("b.dat"), b"x");
    match detect_kind(&d) {
        Err(IntelError::UnknownLayout { path, hint }) => {
            assert_eq!(path, d);
            assert!(hint.contains("--kind"));
        }
        other => panic!("expected UnknownLayout, got {other:?}"),
    }
    let err = parse_source(s(&d), None, None, &no_progress).unwrap_err();
    assert!(err.to_string().contains("unknown source layout"), "{err}");
    let missing: PathBuf = tmp.path().join("nope");
    assert!(matches!(
        parse_source(s(&missing), None, None, &no_progress),
        Err(IntelError::Io { .. })
    ));
    assert!(matches!(
        parse_source(
            "https://example.invalid/x",
            Some(SourceKind::Osv),
            None,
            &no_progress
        ),
        Err(IntelError::Invalid { .. })
    ));
}

/// Serve `body` with `status` once per connection, `n` times, on a local port.
fn serve(status: &'static str, body: &'static str, n: usize) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
fn report_fetched_over_http() {
    let base = serve("200 OK", HTML_PAGE, 1);
    let url = format!("{base}/blog/post.html");
    let batch = parse_source(&url, None, None, &no_progress).unwrap();
    assert_eq!(batch.kind, SourceKind::Report);
    assert_eq!(batch.source, "127.0.0.1");
    assert_eq!(batch.reports.len(), 1);
    assert_eq!(batch.reports[0].location, url);
    assert!(
        batch.reports[0]
            .packages
            .iter()
            .any(|p| p.name == "colourama")
    );

    let base = serve("404 Not Found", "gone", 1);
    match parse_source(&format!("{base}/x"), None, None, &no_progress) {
        Err(IntelError::Fetch { reason, .. }) => assert!(reason.contains("404"), "{reason}"),
        other => panic!("expected a fetch error, got {other:?}"),
    }
}

/// Garbage in: an error value or an empty result, never a panic.
#[test]
fn garbage_never_panics() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const ALPHABET: &[u8] = b"{}[]\",:@/=-_.0123456789abcXYZ \n\t<>`#pipnstal\xff\xfe";
    let tmp = tempfile::tempdir().unwrap();
    for round in 0..60 {
        let len = (next() % 400) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let _ = malgraph_intel::parse_osv_bytes(&bytes, "g", round % 2 == 0);
        let _ = parse_report_html(&bytes, "g");
        let _ = parse_report_markdown(&bytes, "g");
        for ext in ["txt", "csv", "json", "jsonl", "tsv"] {
            let p = tmp.path().join(format!("pypi-g{round}.{ext}"));
            std::fs::write(&p, &bytes).unwrap();
            let _ = parse_source(s(&p), Some(SourceKind::NameList), None, &no_progress).unwrap();
        }
    }
}

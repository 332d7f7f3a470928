//! Store behaviour on SQLite and (when `MALGRAPH_TEST_POSTGRES` is set) PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use malgraph_core::{
    Category, Ecosystem, Finding, Iocs, Metadata, PackageId, ScanReport, ScanStats, Severity,
    Stage, Verdict,
};
use malgraph_intel::{Batch, SourceKind, Versions};
use malgraph_store::{FactKind, Overlap, Stats, Store, render_text};

fn pid(eco: Ecosystem, name: &str, version: Option<&str>) -> PackageId {
    PackageId::new(eco, name, version)
}

/// Names, samples and reports that overlap with `osv_batch("ossf", 30, 1)`.
fn side_batches() -> Vec<Batch> {
    let mut names = Batch::new("maloss", SourceKind::NameList, "/intel/maloss");
    for (eco, n, v) in [
        (Ecosystem::PyPI, "pkg-0", None),
        (Ecosystem::PyPI, "PKG_0", None), // same package after normalisation
        (Ecosystem::PyPI, "pkg-9", Some("0.1")),
        (Ecosystem::PyPI, "pkg-100", None),
        (Ecosystem::Npm, "evil-two", None),
    ] {
        names
            .names
            .push(name_entry(pid(eco, n, v), Some("2022-05-05")));
    }
    let mut samples = Batch::new("malregistry", SourceKind::MalRegistry, "/corpus/malicious");
    samples
        .samples
        .push(sample(pid(Ecosystem::PyPI, "pkg-1", Some("1.0")), 1, None));
    samples.samples.push(sample(
        pid(Ecosystem::PyPI, "pkg-1", Some("1.1")),
        2,
        Some("2021-01-01"),
    ));
    samples.samples.push(sample(
        pid(Ecosystem::PyPI, "pkg-200", Some("0.1")),
        3,
        None,
    ));
    // The same archive under a second folder name.
    let mut dup = sample(pid(Ecosystem::PyPI, "pkg_200", Some("0.1")), 3, None);
    dup.location = "/samples/pkg_200/0.1/copy.tar.gz".into();
    samples.samples.push(dup);
    let mut reports = Batch::new("reports", SourceKind::Report, "/intel/reports");
    reports.reports.push(report(
        "https://blog.test/campaign",
        vec![
            pid(Ecosystem::PyPI, "pkg-2", Some("2.0")),
            pid(Ecosystem::Npm, "evil-two", None),
        ],
        Some("2024-03-03T12:00:00+02:00"),
    ));
    vec![names, samples, reports]
}

fn ingest_all(store: &mut Store, batches: &[Batch]) {
    for b in batches {
        store.ingest(b).expect("ingest");
    }
}

#[test]
fn ingest_twice_gives_same_stats_and_expected_counts() {
    each_backend("twice", |target| {
        let mut store = Store::open(target).expect("open");
        let mut batches = vec![osv_batch("ossf", 30, 1)];
        batches.extend(side_batches());
        ingest_all(&mut store, &batches);
        let s1 = store.stats().expect("stats");
        ingest_all(&mut store, &batches);
        let s2 = store.stats().expect("stats");
        assert_eq!(s1, s2, "second ingest changed the stats");

        // Hand-counted (see side_batches and osv_batch).
        let expect: BTreeMap<String, u64> = [("PyPI".to_string(), 30), ("npm".to_string(), 2)]
            .into_iter()
            .collect();
        assert_eq!(s1.packages_by_ecosystem, expect);
        assert_eq!(s1.advisories, 31);
        assert_eq!(s1.withdrawn_advisories, 3);
        assert_eq!(s1.report_pages, 1);
        assert_eq!(s1.reports, 32);
        assert_eq!(s1.samples, 3);
        assert_eq!(s1.sample_files, 4);
        assert_eq!(s1.name_entries, 4);
        assert_eq!(s1.withdrawn_packages, 2);
        assert_eq!(s1.tracked, 2);
        assert_eq!(s1.untracked, 30);
        let spp: BTreeMap<u32, u64> = [(1, 28), (2, 3), (3, 1)].into_iter().collect();
        assert_eq!(s1.sources_per_package, spp);
        let ov = |a: &str, b: &str, shared: u64| Overlap {
            a: a.into(),
            b: b.into(),
            shared,
        };
        assert_eq!(
            s1.overlap,
            vec![
                ov("maloss", "malregistry", 0),
                ov("maloss", "ossf", 2),
                ov("maloss", "reports", 1),
                ov("malregistry", "ossf", 1),
                ov("malregistry", "reports", 0),
                ov("ossf", "reports", 2),
            ]
        );
        let ossf = s1
            .sources
            .iter()
            .find(|s| s.source == "ossf" && s.ecosystem == "PyPI")
            .expect("ossf PyPI row");
        assert_eq!(ossf.kind, "osv");
        assert_eq!(ossf.packages, 27);
        assert_eq!(ossf.versions, 18);
        assert_eq!(ossf.with_sample, 1);
        assert_eq!(ossf.without_sample, 26);
        assert_eq!(ossf.withdrawn, 3);
        assert_eq!(ossf.first_report.as_deref(), Some("2023-01-01"));
        assert_eq!(ossf.last_report.as_deref(), Some("2023-12-24"));
        let reports = s1
            .sources
            .iter()
            .find(|s| s.source == "reports" && s.ecosystem == "PyPI")
            .expect("reports row");
        assert_eq!(reports.first_report.as_deref(), Some("2024-03-03"));
        let reg = s1
            .sources
            .iter()
            .find(|s| s.source == "malregistry")
            .expect("malregistry row");
        assert_eq!((reg.packages, reg.versions, reg.with_sample), (2, 3, 2));
        assert_eq!(reg.missing_rate, 0.0);
        assert_eq!(reg.first_report.as_deref(), Some("2021-01-01"));

        // The read API is idempotent too.
        assert_eq!(store.advisories().expect("advisories").len(), 32);
        assert_eq!(store.samples().expect("samples").len(), 4);
        assert_eq!(store.name_entries().expect("names").len(), 4);
        assert_eq!(store.reports().expect("reports").len(), 1);

        let text = render_text(&s1);
        assert!(text.contains("ossf"), "{text}");
        assert!(text.lines().any(|l| l.starts_with("source")), "{text}");
        let json = serde_json::to_value(&s1).expect("json");
        assert_eq!(json["packages_by_ecosystem"]["PyPI"], 30);
        assert_eq!(json["reports"], 32);
        assert_eq!(json["samples"], 3);
    });
}

#[test]
fn reingest_replaces_what_the_source_said() {
    each_backend("replace", |target| {
        let mut store = Store::open(target).expect("open");
        store.ingest(&osv_batch("ossf", 20, 1)).expect("v1");
        let mut samples = Batch::new("dd", SourceKind::DataDog, "/dd");
        for i in 0..3 {
            samples.samples.push(sample(
                pid(Ecosystem::Npm, &format!("s{i}"), Some("1.0")),
                100 + i,
                Some("2024-01-01"),
            ));
        }
        store.ingest(&samples).expect("samples v1");
        assert_eq!(store.stats().expect("stats").samples, 3);

        store.ingest(&osv_batch("ossf", 20, 2)).expect("v2");
        samples.samples.truncate(1);
        store.ingest(&samples).expect("samples v2");
        let got = store.stats().expect("stats");
        assert_eq!(got.samples, 1, "samples no longer listed must disappear");
        assert_eq!(got.advisories, 19);
        assert_eq!(got.packages_by_ecosystem.get("PyPI"), Some(&16));

        // Same as a fresh store that only ever saw v2.
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh_path = dir.path().join("fresh.db");
        let mut fresh = Store::open(fresh_path.to_str().expect("utf-8")).expect("open fresh");
        fresh.ingest(&osv_batch("ossf", 20, 2)).expect("fresh v2");
        fresh.ingest(&samples).expect("fresh samples");
        assert_eq!(got, fresh.stats().expect("fresh stats"));
    });
}

#[test]
fn withdrawn_reports_do_not_count_as_malicious() {
    each_backend("withdrawn", |target| {
        let mut store = Store::open(target).expect("open");
        let mut a = Batch::new("osv-a", SourceKind::Osv, "/a");
        a.advisories.push(withdrawn(advisory(
            "MAL-1",
            pypi("x"),
            Versions::All,
            "2023-01-01T00:00:00Z",
        )));
        a.advisories.push(advisory(
            "MAL-2",
            pypi("y"),
            Versions::All,
            "2023-01-02T00:00:00Z",
        ));
        a.advisories.push(withdrawn(advisory(
            "MAL-3",
            pypi("z"),
            Versions::All,
            "2023-01-03T00:00:00Z",
        )));
        a.advisories.push(advisory(
            "MAL-4",
            pypi("z"),
            Versions::All,
            "2023-01-04T00:00:00Z",
        ));
        store.ingest(&a).expect("ingest a");
        let s = store.stats().expect("stats");
        assert_eq!(s.packages_by_ecosystem.get("PyPI"), Some(&2), "y and z");
        assert_eq!(s.withdrawn_packages, 1, "x only");
        assert_eq!(s.withdrawn_advisories, 2);
        let row = &s.sources[0];
        assert_eq!((row.packages, row.withdrawn), (2, 1));
        // Withdrawn advisories do not date the first report.
        assert_eq!(row.first_report.as_deref(), Some("2023-01-02"));

        let facts = store.package_facts().expect("facts");
        let x: Vec<_> = facts.iter().filter(|f| f.package.name == "x").collect();
        assert_eq!(x.len(), 1);
        assert!(x[0].withdrawn);
        assert_eq!(x[0].kind, FactKind::Advisory);

        // Another source naming x makes it malicious again; osv-a still withdrew it.
        let mut b = Batch::new("names", SourceKind::NameList, "/b");
        b.names
            .push(name_entry(pid(Ecosystem::PyPI, "X", None), None));
        store.ingest(&b).expect("ingest b");
        let s = store.stats().expect("stats");
        assert_eq!(s.packages_by_ecosystem.get("PyPI"), Some(&3));
        assert_eq!(s.withdrawn_packages, 0);
        let row = s.sources.iter().find(|r| r.source == "osv-a").expect("row");
        assert_eq!(row.withdrawn, 1);
    });
}

#[test]
fn overlap_of_three_sources_matches_hand_count() {
    each_backend("overlap", |target| {
        let mut store = Store::open(target).expect("open");
        let mut s1 = Batch::new("s1", SourceKind::Osv, "/s1");
        for (i, n) in ["a", "b", "c", "d"].iter().enumerate() {
            s1.advisories.push(advisory(
                &format!("MAL-{i}"),
                pypi(n),
                Versions::All,
                "2023-03-01T00:00:00Z",
            ));
        }
        s1.advisories.push(advisory(
            "MAL-9",
            npm("e"),
            Versions::All,
            "2023-03-01T00:00:00Z",
        ));
        let mut s2 = Batch::new("s2", SourceKind::NameList, "/s2");
        for (eco, n) in [
            (Ecosystem::PyPI, "B"),
            (Ecosystem::PyPI, "c"),
            (Ecosystem::PyPI, "f"),
            (Ecosystem::Npm, "E"),
        ] {
            s2.names.push(name_entry(pid(eco, n, None), None));
        }
        let mut s3 = Batch::new("s3", SourceKind::ArchiveFolder, "/s3");
        for (i, n) in ["c", "d", "f", "g"].iter().enumerate() {
            s3.samples.push(sample(
                pid(Ecosystem::PyPI, n, Some("1.0")),
                i as u32 + 1,
                None,
            ));
        }
        ingest_all(&mut store, &[s1, s2, s3]);
        let s = store.stats().expect("stats");
        let got: Vec<(String, String, u64)> = s
            .overlap
            .iter()
            .map(|o| (o.a.clone(), o.b.clone(), o.shared))
            .collect();
        assert_eq!(
            got,
            vec![
                ("s1".into(), "s2".into(), 3), // b, c, npm e
                ("s1".into(), "s3".into(), 2), // c, d
                ("s2".into(), "s3".into(), 2), // c, f
            ]
        );
        let spp: BTreeMap<u32, u64> = [(1, 2), (2, 4), (3, 1)].into_iter().collect();
        assert_eq!(s.sources_per_package, spp);
        let s1_pypi = s
            .sources
            .iter()
            .find(|r| r.source == "s1" && r.ecosystem == "PyPI")
            .expect("row");
        assert_eq!((s1_pypi.packages, s1_pypi.with_sample), (4, 2));
        assert_eq!(s1_pypi.missing_rate, 0.5);
        assert_eq!(s.tracked, 4);
        assert_eq!(s.packages, 7, "a b c d f g + npm e");
        assert_eq!(s.missing_rate, 0.4286, "a, b, e have no sample");
    });
}

#[test]
fn read_api_round_trips_the_batches() {
    each_backend("roundtrip", |target| {
        let mut store = Store::open(target).expect("open");
        let osv = osv_batch("ossf", 12, 1);
        let side = side_batches();
        store.ingest(&osv).expect("osv");
        ingest_all(&mut store, &side);

        let key = |a: &malgraph_intel::Advisory| (a.id.clone(), a.package.clone());
        let mut want = osv.advisories.clone();
        want.sort_by_key(key);
        let mut got: Vec<_> = store
            .advisories()
            .expect("advisories")
            .into_iter()
            .map(|s| {
                assert_eq!(s.source, "ossf");
                s.advisory
            })
            .collect();
        got.sort_by_key(key);
        assert_eq!(got, want);

        let mut want_samples = side[1].samples.clone();
        want_samples.sort_by(|a, b| a.location.cmp(&b.location));
        let got_samples: Vec<_> = store
            .samples()
            .expect("samples")
            .into_iter()
            .map(|s| s.sample)
            .collect();
        assert_eq!(got_samples, want_samples);

        let got_reports = store.reports().expect("reports");
        assert_eq!(got_reports.len(), 1);
        assert_eq!(got_reports[0].report, side[2].reports[0]);

        let names = store.name_entries().expect("names");
        let listed: BTreeSet<String> = names.iter().map(|n| n.entry.package.to_string()).collect();
        let expect: BTreeSet<String> = [
            "npm/evil-two",
            "pypi/pkg-0",
            "pypi/pkg-100",
            "pypi/pkg-9@0.1",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(listed, expect);

        let facts = store.package_facts().expect("facts");
        let pkg1: Vec<_> = facts
            .iter()
            .filter(|f| f.package.name == "pkg-1")
            .map(|f| (f.package.version.clone(), f.kind, f.has_sample))
            .collect();
        assert!(pkg1.contains(&(Some("1.0".into()), FactKind::Advisory, true)));
        assert!(pkg1.contains(&(Some("1.1".into()), FactKind::Advisory, true)));
        assert!(pkg1.contains(&(Some("1.1".into()), FactKind::Sample, true)));
        let pkg3: Vec<_> = facts.iter().filter(|f| f.package.name == "pkg-3").collect();
        assert_eq!(pkg3.len(), 1);
        assert_eq!(
            pkg3[0].package.version, None,
            "Versions::All is a whole-package fact"
        );
        assert!(!pkg3[0].has_sample);
    });
}

fn scan_report(verdict: Verdict, score: f64) -> ScanReport {
    let mut iocs = Iocs::default();
    iocs.urls.insert("http://payload.test/x".into());
    ScanReport {
        path: "/corpus/x-1.0.tar.gz".into(),
        ecosystem: Some(Ecosystem::PyPI),
        name: Some("x".into()),
        version: Some("1.0".into()),
        sha256: Some("cd".repeat(32)),
        verdict,
        score,
        categories: [Category::CommandExecution, Category::Exfiltration]
            .into_iter()
            .collect(),
        stages: [Stage::Install].into_iter().collect(),
        evasion: BTreeSet::new(),
        findings: vec![Finding {
            rule: "PY-CMD-001".into(),
            category: Category::CommandExecution,
            severity: Severity::High,
            stage: Some(Stage::Install),
            evasion: None,
            file: "x-1.0/setup.py".into(),
            line: 12,
            snippet: "os.system('curl …')".into(),
            layer: 0,
            message: "runs a shell command at install".into(),
        }],
        iocs,
        platforms: BTreeSet::new(),
        metadata: Metadata::default(),
        stats: ScanStats {
            files: 3,
            code_bytes: 400,
            code_lines: 20,
            flagged_lines: 1,
        },
        error: None,
    }
}

#[test]
fn scans_round_trip_and_upsert() {
    each_backend("scans", |target| {
        let mut store = Store::open(target).expect("open");
        let sha = "CD".repeat(32);
        let first = scan_report(Verdict::Suspicious, 4.5);
        store.add_scan(&sha, &first).expect("add");
        let got = store.scans().expect("scans");
        assert_eq!(got, vec![(sha.to_ascii_lowercase(), first)]);

        let second = scan_report(Verdict::Malicious, 12.25);
        store.add_scan(&sha, &second).expect("replace");
        let got = store.scans().expect("scans");
        assert_eq!(got.len(), 1, "upsert by sha256");
        assert_eq!(got[0].1.verdict, Verdict::Malicious);
        assert_eq!(store.stats().expect("stats").scans, 1);

        let mut bad = scan_report(Verdict::Benign, f64::NAN);
        bad.score = f64::NAN;
        assert!(store.add_scan("ee", &bad).is_err());
        assert_eq!(store.scans().expect("scans").len(), 1);
    });
}

#[test]
fn blobs_store_and_replace_bytes() {
    each_backend("blobs", |target| {
        let mut store = Store::open(target).expect("open");
        assert_eq!(store.get_blob("graph").expect("get"), None);
        let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        store.put_blob("graph", &big).expect("put");
        store.put_blob("empty", b"").expect("put empty");
        assert_eq!(store.get_blob("graph").expect("get"), Some(big));
        assert_eq!(store.get_blob("empty").expect("get"), Some(Vec::new()));
        store.put_blob("graph", b"\0v2\xff").expect("replace");
        assert_eq!(
            store.get_blob("graph").expect("get"),
            Some(b"\0v2\xff".to_vec())
        );
    });
}

#[test]
fn reopening_keeps_everything() {
    each_backend("reopen", |target| {
        let before = {
            let mut store = Store::open(target).expect("open");
            store.ingest(&osv_batch("ossf", 10, 1)).expect("ingest");
            store.put_blob("k", b"v").expect("blob");
            store.stats().expect("stats")
        };
        let store = Store::open(target).expect("reopen runs migrations again");
        assert_eq!(store.stats().expect("stats"), before);
        assert_eq!(store.get_blob("k").expect("blob"), Some(b"v".to_vec()));
        let sources = store.sources().expect("sources");
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].kind, "osv");
        assert_eq!(sources[0].errors, 1);
    });
}

const KILL_ENV: &str = "MALGRAPH_STORE_KILL_TARGET";
const BEGUN: &str = "INGEST-BEGUN";

/// Not a test on its own: the child half of `kill_mid_ingest_leaves_consistent_store`.
/// It starts the v2 ingest, reports that the transaction has begun and written rows, then
/// waits to be killed.
#[test]
fn kill_child_helper() {
    let Ok(target) = std::env::var(KILL_ENV) else {
        return;
    };
    let mut store = Store::open(&target).expect("child open");
    let batch = osv_batch("ossf", 400, 2);
    let _ = store.ingest_with_progress(&batch, &mut |step| {
        if step == "advisory children" {
            println!("{BEGUN}");
            use std::io::Write;
            let _ = std::io::stdout().flush();
            std::thread::sleep(Duration::from_secs(120));
        }
    });
    // Reaching this point means the parent never killed us: make that visible.
    println!("CHILD-NOT-KILLED");
}

fn run_killed_child(target: &str) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "kill_child_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(KILL_ENV, target)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains(BEGUN) {
                let _ = tx.send(());
                break;
            }
        }
    });
    let begun = rx.recv_timeout(Duration::from_secs(120));
    child.kill().expect("kill child");
    child.wait().expect("reap child");
    assert!(begun.is_ok(), "child never reported that the ingest began");
}

#[test]
fn kill_mid_ingest_leaves_consistent_store() {
    each_backend("kill", |target| {
        let v1 = osv_batch("ossf", 400, 1);
        let v2 = osv_batch("ossf", 400, 2);
        let before = {
            let mut store = Store::open(target).expect("open");
            store.ingest(&v1).expect("v1");
            store.stats().expect("stats")
        };

        run_killed_child(target);

        // Nothing of the interrupted v2 ingest is visible.
        let mut store = Store::open(target).expect("reopen after kill");
        let after_kill = store.stats().expect("stats");
        assert_eq!(after_kill, before);
        assert_eq!(store.advisories().expect("advisories").len(), 402);

        // A re-run completes and gives the same result as a clean ingest of v2.
        store.ingest(&v2).expect("re-run v2");
        let rerun = store.stats().expect("stats");
        let dir = tempfile::tempdir().expect("tempdir");
        let clean_path = dir.path().join("clean.db");
        let mut clean = Store::open(clean_path.to_str().expect("utf-8")).expect("clean");
        clean.ingest(&v2).expect("clean v2");
        assert_eq!(rerun, clean.stats().expect("clean stats"));
        assert_ne!(rerun, before);
    });
}

#[test]
fn failed_ingest_rolls_back_and_connection_stays_usable() {
    each_backend("rollback", |target| {
        let mut store = Store::open(target).expect("open");
        store.ingest(&osv_batch("ossf", 20, 1)).expect("v1");
        let before = store.stats().expect("stats");
        let v2 = osv_batch("ossf", 20, 2);
        // A panic in the middle of the transaction (after rows were written).
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.ingest_with_progress(&v2, &mut |step| {
                if step == "fact" {
                    panic!("interrupted");
                }
            });
        }));
        assert!(res.is_err());
        assert_eq!(
            store.stats().expect("stats"),
            before,
            "partial ingest visible"
        );
        // The same connection takes the next ingest.
        store.ingest(&v2).expect("v2 after rollback");
        assert_eq!(store.stats().expect("stats").advisories, 19);
    });
}

#[test]
fn hostile_text_is_stored_on_both_backends() {
    each_backend("hostile", |target| {
        let mut store = Store::open(target).expect("open");
        let mut b = Batch::new("odd", SourceKind::Osv, "/odd");
        let mut a = advisory("MAL-0", pypi("nul"), Versions::All, "not a date");
        a.summary = Some("has a \0 NUL".into());
        a.details = Some("line 1\nline\t2\r\\.\n\\N \\x00 é".into());
        let long = format!("http://x.test/{}", "a".repeat(5000));
        a.iocs.urls.insert(long.clone());
        a.iocs.urls.insert(format!("{long}-other-tail"));
        b.advisories.push(a);
        store.ingest(&b).expect("ingest hostile text");
        store.ingest(&b).expect("again");
        let got = store.advisories().expect("advisories");
        assert_eq!(got[0].advisory.summary.as_deref(), Some("has a  NUL"));
        assert_eq!(
            got[0].advisory.details.as_deref(),
            Some("line 1\nline\t2\r\\.\n\\N \\x00 é")
        );
        let urls = &got[0].advisory.iocs.urls;
        assert_eq!(
            urls.len(),
            1,
            "two values equal after the cut are one indicator"
        );
        assert!(urls.iter().all(|u| u.len() <= 2000));
        let s = store.stats().expect("stats");
        assert_eq!(
            s.sources[0].first_report, None,
            "unparseable date is no date"
        );
    });
}

/// A batch the size of the real intel corpus (36k advisories, 8k names, 3k samples).
fn corpus_sized_batches() -> Vec<Batch> {
    let mut osv = osv_batch("ossf", 36_000, 1);
    osv.advisories.iter_mut().enumerate().for_each(|(i, a)| {
        if i % 3 == 0 {
            a.package = npm(&format!("npm-{i}"));
        }
    });
    let mut names = Batch::new("bkc", SourceKind::NameList, "/bkc");
    for i in 0..8_000 {
        names.names.push(name_entry(
            pid(Ecosystem::PyPI, &format!("pkg-{}", i * 3), None),
            None,
        ));
    }
    let mut samples = Batch::new("malregistry", SourceKind::MalRegistry, "/m");
    for i in 0..3_038u32 {
        samples.samples.push(sample(
            pid(Ecosystem::PyPI, &format!("pkg-{i}"), Some("1.0")),
            i,
            None,
        ));
    }
    vec![osv, names, samples]
}

#[test]
fn corpus_sized_ingest_is_fast() {
    let batches = corpus_sized_batches();
    each_backend("speed", |target| {
        let mut store = Store::open(target).expect("open");
        let t = Instant::now();
        for b in &batches {
            let mut last = Instant::now();
            let mut steps = Vec::new();
            store
                .ingest_with_progress(b, &mut |step| {
                    steps.push(format!("{step} {:?}", last.elapsed()));
                    last = Instant::now();
                })
                .expect("ingest");
            eprintln!("[speed] {}: {}", b.source, steps.join(", "));
        }
        let first = t.elapsed();
        let t = Instant::now();
        ingest_all(&mut store, &batches);
        let second = t.elapsed();
        let t = Instant::now();
        let stats: Stats = store.stats().expect("stats");
        let st = t.elapsed();
        eprintln!(
            "[speed] {target}: ingest {first:?}, re-ingest {second:?}, stats {st:?}; {} packages",
            stats.packages
        );
        assert_eq!(stats.samples, 3_038);
        assert_eq!(stats.advisories, 36_001);
        // The 20 s budget (parsing included) is for the release binary; unoptimised test
        // builds on a shared machine get more room.
        let budget = Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 10 });
        assert!(
            first < budget && second < budget,
            "too slow: {first:?} / {second:?}"
        );
    });
}

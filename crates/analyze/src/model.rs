//! Intermediate results shared by the language analysers and the scorer.

use std::collections::BTreeSet;

use malgraph_core::{Platform, Stage};

/// A finding before scoring: a rule id from the registry plus evidence.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub rule: &'static str,
    pub file: String,
    pub line: u32,
    pub snippet: String,
    pub layer: u32,
    pub message: String,
    pub stage: Option<Stage>,
    /// Multiplier of the rule's severity weight (stage and reachability).
    pub factor: f64,
}

/// Where in a package's life a piece of code runs, and how much it counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scope {
    pub stage: Stage,
    pub factor: f64,
}

impl Scope {
    pub const INSTALL: Scope = Scope {
        stage: Stage::Install,
        factor: 1.0,
    };
    pub const IMPORT: Scope = Scope {
        stage: Stage::Import,
        factor: 1.0,
    };
    /// Scaled by a path multiplier (tests, docs).
    pub fn scaled(self, m: f64) -> Scope {
        Scope {
            stage: self.stage,
            factor: self.factor * m,
        }
    }
    /// For behaviours with no benign reading: a function body weighs like its file's top
    /// level `top` (the stage stays this one's).
    pub fn undiscounted(self, top: Scope) -> Scope {
        Scope {
            stage: self.stage,
            factor: self.factor.max(top.factor),
        }
    }
}

/// One fact of a file's code: (function id, or 0 at the top level; line; scope; snippet).
pub(crate) type Fact = (usize, u32, Scope, String);

/// Facts that rules combine across a file (data flow is per file).
#[derive(Debug, Default, Clone)]
pub(crate) struct Facts {
    /// (function id, line, scope, snippet) of a download written to disk.
    pub download_to_file: Vec<Fact>,
    /// Decoded or obfuscated data written to disk.
    pub decoded_to_file: Vec<Fact>,
    /// Running a program or opening a file with the shell.
    pub run_program: Vec<Fact>,
    /// A remote repository cloned (`git clone <url>`).
    pub clone_repo: Vec<Fact>,
    /// An interpreter started on a script (`python x.py`, `node x.js`, `bash x.sh`).
    pub run_script: Vec<Fact>,
    /// Python code loaded from a path, or a directory put on the import path.
    pub load_code: Vec<Fact>,
    pub dup2: Option<(u32, Scope, String)>,
    /// Network calls.
    pub network: Vec<Fact>,
    /// Network calls that send data (a POST or PUT, a body, a socket or mail send).
    pub upload: Vec<Fact>,
    /// (file name of the program, line, scope, snippet) of commands and shell opens.
    pub run_files: Vec<(String, u32, Scope, String)>,
    /// A file opened for writing in an autostart place (Startup folder, cron, shell rc).
    pub autostart_write: Vec<Fact>,
    /// Keystrokes captured (a keyboard hook or listener).
    pub key_capture: Vec<Fact>,
    /// Host identity collected (getuser, gethostname, getcwd...).
    pub host_collect: Vec<Fact>,
    pub socket_connect: bool,
    pub shell_ref: bool,
    /// Executable memory allocated (VirtualAlloc, mmap with PROT_EXEC).
    pub native_alloc: Vec<Fact>,
    /// Native code started from an address (CreateThread, QueueUserAPC, CFUNCTYPE).
    pub native_run: Vec<Fact>,
    /// Files (base name) whose content is exec'd, that are not Python modules: (name,
    /// line of the exec, its scope).
    pub exec_files: Vec<(String, u32, Scope)>,
    /// A program's URL on a file-sharing or paste host, a tunnel or a raw IP
    /// (`malgraph_ioc::is_staged_executable_url`).
    pub staged_exe_url: Vec<Fact>,
}

impl Facts {
    /// Adds the facts of a decoded or written layer of code analysed at `line` of this
    /// file: they are placed at that line, and the layer's top level becomes a function
    /// of its own (`id`), so a download and a run both inside the layer combine, while the
    /// layer does not combine with this file's top level.
    pub fn absorb(&mut self, inner: Facts, id: usize, line: u32) {
        let place = |v: Vec<Fact>| {
            v.into_iter()
                .map(move |(f, _, s, t)| (if f == 0 { id } else { f }, line, s, t))
        };
        self.download_to_file.extend(place(inner.download_to_file));
        self.decoded_to_file.extend(place(inner.decoded_to_file));
        self.run_program.extend(place(inner.run_program));
        self.clone_repo.extend(place(inner.clone_repo));
        self.run_script.extend(place(inner.run_script));
        self.load_code.extend(place(inner.load_code));
        self.network.extend(place(inner.network));
        self.host_collect.extend(place(inner.host_collect));
        self.upload.extend(place(inner.upload));
        self.key_capture.extend(place(inner.key_capture));
        self.autostart_write.extend(place(inner.autostart_write));
        self.staged_exe_url.extend(place(inner.staged_exe_url));
        self.run_files.extend(
            inner
                .run_files
                .into_iter()
                .map(|(n, _, s, t)| (n, line, s, t)),
        );
        self.native_alloc.extend(place(inner.native_alloc));
        self.native_run.extend(place(inner.native_run));
        self.exec_files
            .extend(inner.exec_files.into_iter().map(|(n, _, s)| (n, line, s)));
        self.dup2 = self
            .dup2
            .take()
            .or(inner.dup2.map(|(_, s, t)| (line, s, t)));
        self.socket_connect |= inner.socket_connect;
        self.shell_ref |= inner.shell_ref;
    }
}

/// What analysing some code produced.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub findings: Vec<Raw>,
    pub imports: BTreeSet<String>,
    /// String literals (joined by newlines) for indicator extraction.
    pub strings: String,
    pub platforms: BTreeSet<Platform>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub summary: Option<String>,
    pub homepage: Option<String>,
    pub dependencies: Vec<String>,
    pub code_bytes: u64,
    pub code_lines: u64,
}

impl Sink {
    /// Add what analysing one file produced (`part`, recorded under `from`) as the
    /// file `to`: the same as if that analysis had written here directly.
    pub fn absorb(&mut self, part: &Sink, from: &str, to: &str) {
        self.findings.extend(part.findings.iter().map(|r| {
            let mut r = r.clone();
            if r.file == from {
                r.file = to.to_string();
            }
            r
        }));
        self.imports.extend(part.imports.iter().cloned());
        if self.strings.len() < 1 << 20 {
            self.strings.push_str(&part.strings);
        }
        self.platforms.extend(part.platforms.iter().copied());
        for (mine, theirs) in [
            (&mut self.name, &part.name),
            (&mut self.version, &part.version),
            (&mut self.author, &part.author),
            (&mut self.author_email, &part.author_email),
            (&mut self.summary, &part.summary),
            (&mut self.homepage, &part.homepage),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        for d in &part.dependencies {
            crate::meta::push_dep(&mut self.dependencies, d);
        }
        self.code_bytes += part.code_bytes;
        self.code_lines += part.code_lines;
    }
}

/// Cut a snippet to a readable size on a char boundary, on one line.
pub(crate) fn snippet(s: &str) -> String {
    let s = s.trim();
    let one: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .take(160)
        .collect();
    if s.chars().count() > 160 {
        format!("{one}…")
    } else {
        one
    }
}

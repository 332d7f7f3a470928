//! What a scan finds, and the per-package report.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::Ecosystem;

/// A reference such as `pypi/name@1.0` that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("not a package reference (expected ECOSYSTEM/NAME[@VERSION]): {0:?}")]
pub struct ParseRefError(pub String);

/// Declare a fieldless enum whose variants have kebab-case names: serde, `ALL`, `as_str`,
/// `parse` and `Display`, all from one table. Used for every vocabulary enum of malgraph.
#[macro_export]
macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The kebab-case name used in JSON, SARIF, exports and the store.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            /// Parse the kebab-case name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kebab_enum! {
    /// Behaviour categories: the five of Guo et al. (ASE 2023) and the ones the study lacks.
    Category {
        /// `os.system`, `subprocess`, `child_process`, shells, PowerShell.
        CommandExecution => "command-execution",
        /// Environment, SSH keys, browser profiles and cookies, Discord tokens, wallets, host info, clipboard.
        InformationStealing => "information-stealing",
        /// Writes, deletes, trace erasure, dropping executables.
        FileOperation => "file-operation",
        /// exec/eval/compile/`__import__`/marshal of decoded or downloaded data.
        CodeExecution => "code-execution",
        /// Socket connect, receive, execute loops; reverse shells.
        RemoteControl => "remote-control",
        /// Fetch a payload from the network and run it.
        DownloadExecute => "download-execute",
        /// Run keys, startup folder, cron, systemd, shell rc files.
        Persistence => "persistence",
        /// Miners and mining pools.
        Cryptomining => "cryptomining",
        /// Discord/Telegram webhooks, paste sites, DNS tunnelling, plain HTTP posts of stolen data.
        Exfiltration => "exfiltration",
        /// Network access that is not (yet) one of the above.
        Network => "network",
        /// Obfuscation and other anti-detection on its own.
        Evasion => "evasion",
        /// Suspicious archive structure: traversal, links, bombs, bundled binaries.
        Packaging => "packaging",
        /// Package metadata: typosquatting, install scripts, odd fields.
        Metadata => "metadata",
    }
}

kebab_enum! {
    /// When the code that triggers a behaviour runs.
    Stage {
        /// `setup.py` top level, `cmdclass` overrides, build backends, npm install scripts.
        Install => "install",
        /// Top level of `__init__.py`, `.pth` files, top level of imported modules.
        Import => "import",
        /// Function bodies of other modules, entry points.
        Runtime => "runtime",
    }
}

kebab_enum! {
    /// The seven anti-detection techniques of Guo et al. (ASE 2023).
    Evasion {
        Obfuscation => "obfuscation",
        ExternalPayload => "external-payload",
        MultiStageRequest => "multi-stage-request",
        BehaviourOverlap => "behaviour-overlap",
        IndirectImport => "indirect-import",
        ImageSteganography => "image-steganography",
        BuiltinsEscape => "builtins-escape",
    }
}

kebab_enum! {
    /// How much a finding weighs.
    Severity {
        Info => "info",
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

kebab_enum! {
    /// The verdict on a package.
    Verdict {
        Benign => "benign",
        Suspicious => "suspicious",
        Malicious => "malicious",
    }
}

kebab_enum! {
    /// Operating systems a package singles out.
    Platform {
        Windows => "windows",
        Linux => "linux",
        Macos => "macos",
    }
}

kebab_enum! {
    /// What is wrong with an archive member (never followed, always reported).
    AnomalyKind {
        PathTraversal => "path-traversal",
        AbsolutePath => "absolute-path",
        Symlink => "symlink",
        Hardlink => "hardlink",
        DeviceEntry => "device-entry",
        MemberTooLarge => "member-too-large",
        TotalTooLarge => "total-too-large",
        RatioExceeded => "ratio-exceeded",
        TooManyMembers => "too-many-members",
        DepthExceeded => "depth-exceeded",
        NestedArchiveError => "nested-archive-error",
        Encrypted => "encrypted",
        BundledBinary => "bundled-binary",
        /// The archive ended early or broke after some members were read; those are kept.
        Truncated => "truncated",
        /// Two entries share one path: tools disagree on which one wins (a known evasion).
        DuplicateName => "duplicate-name",
    }
}

/// One file of a package, as handed from the archive reader to the analyser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Path inside the package, `/`-separated, with the archive's top folder kept
    /// (e.g. `pkg-1.0/setup.py`). Nested archives: `outer.zip!/inner/file.py`.
    pub path: String,
    /// The bytes (possibly truncated to the member limit; see the anomalies).
    pub data: Vec<u8>,
}

/// Something odd about the archive itself, found while reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The member it concerns (as named in the archive).
    pub path: String,
    /// Human-readable detail, e.g. the link target or the ratio.
    pub detail: String,
}

/// One piece of evidence: a rule that matched at a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. `PY-CMD-001` or `yara:RuleName`.
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// When the code runs; `None` for findings that are not about code (archive, metadata).
    pub stage: Option<Stage>,
    /// Anti-detection technique this finding shows, if any.
    pub evasion: Option<Evasion>,
    /// File inside the package.
    pub file: String,
    /// 1-based line; 0 when the finding is about the whole file or package.
    pub line: u32,
    /// The offending source text, trimmed to a short snippet.
    pub snippet: String,
    /// 0 for code as shipped; n for code recovered by decoding n layers (base64, zlib...).
    pub layer: u32,
    /// Short human explanation of this match.
    pub message: String,
}

/// Indicators of compromise found in a package or report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iocs {
    pub urls: BTreeSet<String>,
    pub domains: BTreeSet<String>,
    pub ips: BTreeSet<String>,
    pub emails: BTreeSet<String>,
    pub webhooks: BTreeSet<String>,
    pub wallets: BTreeSet<String>,
}

impl Iocs {
    /// Add everything of `other`.
    pub fn extend(&mut self, other: Iocs) {
        self.urls.extend(other.urls);
        self.domains.extend(other.domains);
        self.ips.extend(other.ips);
        self.emails.extend(other.emails);
        self.webhooks.extend(other.webhooks);
        self.wallets.extend(other.wallets);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Every indicator with its kind (`url`, `domain`, `ip`, `email`, `webhook`, `wallet`).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("url", &self.urls),
            ("domain", &self.domains),
            ("ip", &self.ips),
            ("email", &self.emails),
            ("webhook", &self.webhooks),
            ("wallet", &self.wallets),
        ]
        .into_iter()
        .flat_map(|(kind, set)| set.iter().map(move |v| (kind, v.as_str())))
    }
}

/// Package metadata as declared by the package itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub name: Option<String>,
    pub version: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub summary: Option<String>,
    pub homepage: Option<String>,
    /// Declared dependencies (names as given, requirement specifiers stripped).
    pub dependencies: Vec<String>,
    /// Top-level modules the package's code imports or requires (stdlib included;
    /// consumers filter), e.g. `requests`, `os`, `child_process`.
    pub imports: Vec<String>,
    /// A popular package this name is one edit, swap or separator away from.
    pub typosquat_of: Option<String>,
}

/// Size counters of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Files in the package.
    pub files: u64,
    /// Bytes of source code analysed (Python, JavaScript).
    pub code_bytes: u64,
    /// Lines of source code analysed.
    pub code_lines: u64,
    /// Distinct (file, line) pairs with at least one finding.
    pub flagged_lines: u64,
}

/// The result of scanning one package. Serialised as one JSON Lines record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// What was scanned, as given on the command line (or found below a folder).
    pub path: String,
    pub ecosystem: Option<Ecosystem>,
    /// Normalised name, from metadata or the file name.
    pub name: Option<String>,
    pub version: Option<String>,
    /// sha256 of the archive bytes; `None` for an unpacked folder.
    pub sha256: Option<String>,
    pub verdict: Verdict,
    /// Sum of the weights of the findings that count (see the analyser's scoring).
    pub score: f64,
    pub categories: BTreeSet<Category>,
    pub stages: BTreeSet<Stage>,
    pub evasion: BTreeSet<Evasion>,
    pub findings: Vec<Finding>,
    pub iocs: Iocs,
    pub platforms: BTreeSet<Platform>,
    pub metadata: Metadata,
    pub stats: ScanStats,
    /// `None` when the package was read; otherwise why it could not be.
    pub error: Option<String>,
}

impl ScanReport {
    /// A report for a package that could not be read at all.
    pub fn error(
        path: impl Into<String>,
        sha256: Option<String>,
        reason: impl Into<String>,
    ) -> Self {
        ScanReport {
            path: path.into(),
            ecosystem: None,
            name: None,
            version: None,
            sha256,
            verdict: Verdict::Benign,
            score: 0.0,
            categories: BTreeSet::new(),
            stages: BTreeSet::new(),
            evasion: BTreeSet::new(),
            findings: Vec::new(),
            iocs: Iocs::default(),
            platforms: BTreeSet::new(),
            metadata: Metadata::default(),
            stats: ScanStats::default(),
            error: Some(reason.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_json() {
        for c in Category::ALL {
            let j = serde_json::to_string(c).unwrap();
            assert_eq!(j, format!("\"{}\"", c.as_str()));
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Stage::parse("import"), Some(Stage::Import));
        assert_eq!(Evasion::parse("nope"), None);
    }

    #[test]
    fn severity_orders_by_weight() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
    }

    #[test]
    fn iocs_iterate_with_kinds() {
        let mut i = Iocs::default();
        assert!(i.is_empty());
        i.ips.insert("1.2.3.4".into());
        i.urls.insert("http://x.test/".into());
        let v: Vec<_> = i.iter().collect();
        assert_eq!(v, vec![("url", "http://x.test/"), ("ip", "1.2.3.4")]);
    }
}

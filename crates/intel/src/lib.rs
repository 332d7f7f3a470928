//! Parsers of malicious-package intelligence sources.
//!
//! This crate owns turning one source argument of `malgraph collect` (an OSV tree or zip,
//! a sample dataset folder, a name list, security report pages) into a [`Batch`]: the
//! advisories, samples, name entries and reports it holds, plus per-file errors.
//!
//! It must not write to the store, open or scan samples (it only hashes their bytes),
//! execute anything, or extract archives to disk.

pub mod model;

pub use model::{
    Advisory, Batch, NameEntry, Origin, ParseKindError, Report, Sample, SourceError, SourceKind,
    VersionRange, Versions,
};

use std::path::{Path, PathBuf};

/// Errors that make a whole source unusable.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The layout of the argument was not recognised.
    #[error("{}: unknown source layout: {hint}", path.display())]
    UnknownLayout { path: PathBuf, hint: String },
    /// The argument could not be read at all.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A URL could not be fetched.
    #[error("{url}: {reason}")]
    Fetch { url: String, reason: String },
    /// The argument names a file the given kind cannot read.
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

/// Detect what kind of source `path` is.
pub fn detect_kind(path: &Path) -> Result<SourceKind, IntelError> {
    Err(IntelError::UnknownLayout {
        path: path.to_path_buf(),
        hint: "not implemented yet".into(),
    })
}

/// Parse one source argument (a path or an http(s) URL) into a [`Batch`].
///
/// `kind` overrides detection; `source_name` overrides the derived provenance name;
/// `progress(done, total)` is called as files are parsed. Returns `Err` only when the
/// whole source is unusable; per-file problems go to [`Batch::errors`].
pub fn parse_source(
    path_or_url: &str,
    kind: Option<SourceKind>,
    source_name: Option<&str>,
    progress: &dyn Fn(u64, u64),
) -> Result<Batch, IntelError> {
    let _ = (kind, source_name, progress);
    Err(IntelError::UnknownLayout {
        path: PathBuf::from(path_or_url),
        hint: "not implemented yet".into(),
    })
}

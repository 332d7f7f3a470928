//! The data model shared with `malgraph-store` (see the intel/store contract).
//!
//! These types are what parsers produce and what the store writes, one [`Batch`] per
//! source argument, in one transaction.

use malgraph_core::{Iocs, PackageId, PackageName};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of source a batch came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    /// OSV reports (ossf/malicious-packages tree or a zip of OSV JSON).
    Osv,
    /// DataDog malicious-software-packages-dataset layout.
    DataDog,
    /// pypi_malregistry layout (`<name>/<version>/<archive>`).
    MalRegistry,
    /// A plain folder of package archives.
    ArchiveFolder,
    /// A list of package names (JSON, CSV, JSON Lines, MalOSS `.txt`).
    NameList,
    /// Security report pages (HTML / Markdown, files or URLs).
    Report,
}

impl SourceKind {
    /// Every kind, in a stable order.
    pub const ALL: [SourceKind; 6] = [
        SourceKind::Osv,
        SourceKind::DataDog,
        SourceKind::MalRegistry,
        SourceKind::ArchiveFolder,
        SourceKind::NameList,
        SourceKind::Report,
    ];

    /// Short name: `osv`, `datadog`, `malregistry`, `archives`, `names`, `report`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Osv => "osv",
            SourceKind::DataDog => "datadog",
            SourceKind::MalRegistry => "malregistry",
            SourceKind::ArchiveFolder => "archives",
            SourceKind::NameList => "names",
            SourceKind::Report => "report",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown `--kind` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown source kind `{0}` (expected one of: osv, datadog, malregistry, archives, names, report)"
)]
pub struct ParseKindError(pub String);

impl FromStr for SourceKind {
    type Err = ParseKindError;
    /// Accepts the [`SourceKind::as_str`] names and a few synonyms
    /// (`ossf`, `samples`, `folder`, `namelist`, `list`, `reports`, `html`, `markdown`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "osv" | "ossf" => Ok(SourceKind::Osv),
            "datadog" | "dd" => Ok(SourceKind::DataDog),
            "malregistry" | "pypi_malregistry" => Ok(SourceKind::MalRegistry),
            "archives" | "archive" | "folder" | "samples" => Ok(SourceKind::ArchiveFolder),
            "names" | "namelist" | "list" | "name-list" => Ok(SourceKind::NameList),
            "report" | "reports" | "html" | "markdown" | "md" => Ok(SourceKind::Report),
            other => Err(ParseKindError(other.to_string())),
        }
    }
}

/// Which versions an advisory covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Versions {
    /// Every version: introduced "0" with no fix, or no versions given at all.
    All,
    /// An explicit list of versions.
    List(Vec<String>),
    /// Version ranges (OSV `ranges[].events`).
    Ranges(Vec<VersionRange>),
}

/// One OSV range: `introduced` .. `fixed` (exclusive) or `last_affected` (inclusive).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VersionRange {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

/// An OSV report (malicious or withdrawn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Report id, e.g. `MAL-2023-1234`.
    pub id: String,
    pub package: PackageName,
    pub versions: Versions,
    /// RFC 3339 as given.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Set when the report is under `osv/withdrawn` or has a `withdrawn` field.
    pub withdrawn: Option<String>,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    /// Reference URLs.
    pub references: Vec<String>,
    /// Credited names.
    pub credits: Vec<String>,
    /// `database_specific.malicious-packages-origins`.
    pub origins: Vec<Origin>,
    /// `database_specific.iocs` where present.
    pub iocs: Iocs,
    /// Source-specific category, e.g. `database_specific.leitwacht.category`.
    pub category: Option<String>,
    /// File path, or `zip!/member`, it came from.
    pub location: String,
}

/// One entry of `database_specific.malicious-packages-origins`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Origin {
    pub source: Option<String>,
    pub sha256: Option<String>,
    pub versions: Vec<String>,
    pub import_time: Option<String>,
}

/// A sample archive found on disk (the store keeps location + hash, not the bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Identity, version from the layout.
    pub package: PackageId,
    /// sha256 of the file bytes (lower-case hex).
    pub sha256: String,
    pub size: u64,
    /// Absolute path on disk (DataDog: the encrypted `.zip`).
    pub location: String,
    /// `YYYY-MM-DD` when the layout tells (DataDog file name).
    pub date: Option<String>,
    /// DataDog: `malicious_intent` | `compromised_lib`.
    pub label: Option<String>,
}

/// A name (and maybe version) listed as malicious by a name list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameEntry {
    pub package: PackageId,
    pub date: Option<String>,
    /// Per-row source column when the list has one.
    pub source: Option<String>,
}

/// A security report page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// URL or file path.
    pub location: String,
    pub title: Option<String>,
    /// Publication date if found.
    pub published: Option<String>,
    /// Packages named in package contexts (ecosystem inferred from context).
    pub packages: Vec<PackageId>,
    pub iocs: Iocs,
    /// sha256 of the page bytes.
    pub sha256: String,
}

/// Everything parsed from one source argument. `errors` are per-file problems: the rest
/// still goes in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Provenance name (`--source NAME`, or derived from the input).
    pub source: String,
    pub kind: SourceKind,
    /// What the user passed.
    pub location: String,
    pub advisories: Vec<Advisory>,
    pub samples: Vec<Sample>,
    pub names: Vec<NameEntry>,
    pub reports: Vec<Report>,
    pub errors: Vec<SourceError>,
}

impl Batch {
    /// An empty batch.
    pub fn new(source: impl Into<String>, kind: SourceKind, location: impl Into<String>) -> Batch {
        Batch {
            source: source.into(),
            kind,
            location: location.into(),
            advisories: Vec::new(),
            samples: Vec::new(),
            names: Vec::new(),
            reports: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// A per-file problem in a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    pub location: String,
    pub reason: String,
}

impl SourceError {
    /// Build an error for `location`.
    pub fn new(location: impl Into<String>, reason: impl Into<String>) -> SourceError {
        SourceError {
            location: location.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

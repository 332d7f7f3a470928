//! The malgraph knowledge graph: relations between malicious packages, campaigns, evolution,
//! diversity and exports.
//!
//! This crate owns turning what `collect` and `scan` stored (advisories, samples, reports,
//! scan reports) into a graph of packages, package versions, artifacts, sources, reports,
//! indicators and campaigns, with the MalGraph relations (duplicated, dependency, similar,
//! co-existing) plus shared indicators; campaign detection (connected components split by
//! Louvain), the study's evolution ratios, code diversity; and exports (networkx node-link
//! JSON, GraphML, Neo4j CSV + Cypher).
//!
//! It must not execute, install or unpack to disk any sample (code is read from in-memory
//! [`malgraph_core::PackageFile`]s), must not fetch anything from the network, and must stay
//! deterministic: the same input always yields byte-identical exports.
//!
//! Layers: [`fingerprint`] (normalised token shingles) -> [`build()`] over a plain
//! [`GraphInput`] -> [`Graph`] -> [`export`] / [`show`].
//!
//! Decisions (measurements in `bench/RESULTS.md`):
//! - *similar*: 7-token shingles of normalised tokens (identifiers `ID`, strings `STR`, numbers
//!   `NUM`, keywords / operators / well-known API names kept); one-permutation MinHash (128
//!   bins) with banded LSH (32 bands x 4 rows), candidates ranked by their signature estimate,
//!   the best 6 per package verified by exact Jaccard; edges at Jaccard >=
//!   [`DEFAULT_SIMILARITY`] (0.6). Identical normalised code is grouped first (duplicated
//!   edges, star-shaped) so LSH only sees distinct code. Packages with fewer than 20 distinct
//!   shingles (a bare `setup()`) take no part in code relations. Fingerprints leave out
//!   vendored copies of popular Python libraries (a top-level folder named like one of the
//!   1,000 most popular PyPI packages, not the archive's own name, with >= 3 code files: a
//!   typosquat shipping all of `requests`). When a sample has a stored scan that flags code
//!   files at high severity or above, its code relations use only those files
//!   ([`fingerprint::fingerprint_focused`], [`SampleEntry::focused`],
//!   [`BuildOptions::focus_flagged`], on by default): packages that ship the same renamed
//!   benign library with different payloads are compared on their payloads. An optional corpus-frequency filter
//!   ([`BuildOptions::max_shingle_share`], [`build::drop_frequent_shingles`]) is off by
//!   default: on the real corpus it removed most true family edges (see `bench/RESULTS.md`).
//!   An optional known-benign reference ([`BuildOptions::known_benign`],
//!   [`build::benign_reference`]: shingles of benign packages) is dropped from every package
//!   so similarity is measured on its own code (a typosquat shipping `requests` renamed to
//!   its own name); off by default, measured in `bench/RESULTS.md`. Also measured and off
//!   by default: containment and IDF-weighted Jaccard ([`build::Similarity`],
//!   [`BuildOptions::similarity`]) and the fingerprint variants of [`FingerprintOptions`]
//!   (string literal classes / URL hosts, `setup(...)` arguments dropped, test / doc / example
//!   folders left out, payload-API shingles only). On the real corpus none raised the share of
//!   similar edges whose two packages share a report: most misses are different malware that
//!   ship the same benign library renamed to their own name (pystyle, requests), the rest one
//!   family reported by different vendors.
//! - *dependency*: only to names that are known-malicious in the input, never to standard
//!   library modules (Python 3.11 `sys.stdlib_module_names` + Python 2 names, Node built-ins)
//!   or ubiquitous packages ([`stdlib::UBIQUITOUS`]), never to the package's own modules.
//! - *co-existing*: report nodes (store reports and non-generic advisory reference URLs) with
//!   report -> package edges; no cliques. Registry, per-package database and dataset pages
//!   ([`build::is_generic_reference`]) are not reports.
//! - *shared indicator*: indicator nodes only when held by >= 2 package names and not benign
//!   infrastructure (`malgraph_ioc::is_benign_domain` plus a local list).
//! - *duplicated by sources*: a package version (or a package reported as a whole) named by
//!   several sources gets one `duplicated` edge to each source but the first to report it,
//!   with the reason (which source, the first one, all of them); attribute
//!   `duplicated_reports` counts the sources. Campaigns never join through source nodes.
//! - campaigns: connected components over duplicated, similar, co-existing, shared-indicator
//!   and dependency edges (plus version-of / artifact-of), Louvain above 400 members, then
//!   communities with a single package name merged into their best-connected neighbour;
//!   a campaign needs >= 2 package names.

pub mod build;
pub mod campaign;
pub mod export;
pub mod fingerprint;
pub mod louvain;
pub mod model;
pub mod persist;
pub mod show;
pub mod similar;
pub mod stdlib;
pub mod synthetic;

pub use build::{BuildOptions, DEFAULT_SIMILARITY, Similarity, build};
pub use export::{ExportFormat, export, to_graphml, to_neo4j, to_node_link_json};
pub use fingerprint::{
    CodeFingerprint, FingerprintOptions, fingerprint, fingerprint_focused, fingerprint_with,
    flagged_code_files,
};
pub use model::*;
pub use persist::{LoadStats, load, load_input, save};
pub use show::{
    EdgeExplanation, campaigns_json, neighbours, render_campaigns_text, render_show_text,
};
pub use synthetic::synthetic_input;

use std::path::{Path, PathBuf};

/// Errors of the graph engine.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// CSV writing failed.
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    /// A snapshot could not be (de)serialised.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
    /// A request that cannot be served (bad option combination).
    #[error("{0}")]
    Invalid(String),
}

impl GraphError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> GraphError {
        GraphError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

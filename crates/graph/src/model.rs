//! Plain data: what the graph is built from ([`GraphInput`]) and what it is ([`Graph`]).

use crate::fingerprint::CodeFingerprint;
use malgraph_core::{Iocs, PackageId, PackageName, ScanReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One package (or package version) named by one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageEntry {
    /// Version `None` = the package as a whole (name lists, "all versions" advisories).
    pub id: PackageId,
    /// Provenance name (`ossf-malicious-packages`, `maloss` ...).
    pub source: String,
    /// First report date (RFC 3339 or `YYYY-MM-DD`).
    pub first_reported: Option<String>,
    /// Withdrawn (false positive): left out of the graph.
    pub withdrawn: bool,
}

/// An OSV advisory, reduced to what the graph uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisoryEntry {
    /// `MAL-2023-1234`.
    pub id: String,
    pub package: PackageName,
    /// Versions listed explicitly (empty for "all" or ranges).
    pub versions: Vec<String>,
    pub source: String,
    pub published: Option<String>,
    /// Reference URLs: security reports become report nodes (co-existing edges).
    pub references: Vec<String>,
    pub summary: Option<String>,
    pub iocs: Iocs,
    pub withdrawn: bool,
}

/// One sample archive, with its code fingerprint and scan when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleEntry {
    pub sha256: String,
    pub package: PackageId,
    /// Source that provided the sample, if known.
    pub source: Option<String>,
    /// Date the layout tells (`YYYY-MM-DD`).
    pub date: Option<String>,
    pub fingerprint: Option<CodeFingerprint>,
    /// Fingerprint over only the code files the scan flags at high severity or above
    /// ([`crate::fingerprint::fingerprint_focused`]); `None` when there is no scan, it flags no
    /// code file, or the flagged files are too small to stand for the package.
    #[serde(default)]
    pub focused: Option<CodeFingerprint>,
    pub scan: Option<ScanReport>,
}

/// A security report page and the packages it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportEntry {
    /// URL or file path: the report's identity.
    pub location: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub packages: Vec<PackageId>,
    pub iocs: Iocs,
}

/// Everything the graph is built from. Order does not matter: the build sorts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphInput {
    pub packages: Vec<PackageEntry>,
    pub advisories: Vec<AdvisoryEntry>,
    pub samples: Vec<SampleEntry>,
    pub reports: Vec<ReportEntry>,
}

malgraph_core::kebab_enum! {
    /// What a node stands for.
    NodeKind {
        /// A package name (all versions).
        Package => "package",
        /// One version of a package.
        PackageVersion => "package-version",
        /// Archive bytes, by sha256.
        Artifact => "artifact",
        /// An intelligence source.
        Source => "source",
        /// A security report (page or advisory reference URL).
        Report => "report",
        /// A URL, domain, IP, webhook, wallet or e-mail shared by packages.
        Indicator => "indicator",
        /// A campaign found by the build.
        Campaign => "campaign",
    }
}

malgraph_core::kebab_enum! {
    /// What an edge says.
    EdgeKind {
        /// package-version -> package.
        VersionOf => "version-of",
        /// package / package-version -> source that reported it (several = duplicated report).
        ReportedBy => "reported-by",
        /// artifact -> package-version.
        ArtifactOf => "artifact-of",
        /// package-version -> package-version: same bytes or identical normalised code;
        /// package-version (or package reported as a whole) -> source: the same record
        /// reported again by that source.
        Duplicated => "duplicated",
        /// package-version -> package: declared dependency or import of a known-malicious name.
        Dependency => "dependency",
        /// package-version -> package-version: near-duplicate code (MinHash/LSH, exact Jaccard).
        Similar => "similar",
        /// report -> package / package-version named in it.
        CoExisting => "co-existing",
        /// package / package-version / report -> indicator shared by at least two packages.
        SharedIndicator => "shared-indicator",
        /// package / package-version -> campaign.
        MemberOf => "member-of",
    }
}

/// A node. `attrs` hold kind-specific attributes (package-version: `ecosystem`, `name`,
/// `version`, `sources`, `first_reported` ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    pub attrs: BTreeMap<String, serde_json::Value>,
}

/// An edge with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub kind: EdgeKind,
    /// Human explanation: shared sha256, similarity, report title, indicator ...
    pub why: String,
    /// Similarity (Jaccard) for similar edges.
    pub score: Option<f64>,
}

/// Changes between consecutive members of a campaign in time order (the study's ratios).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evolution {
    /// Dated members considered, in time order.
    pub members: usize,
    /// Consecutive pairs compared.
    pub steps: usize,
    /// Name changed (CN).
    pub cn: f64,
    /// Same name, version changed (CV).
    pub cv: f64,
    /// Description changed, over the pairs where both are known (CD).
    pub cd: f64,
    /// Dependencies changed, over the pairs where both are known (CDep).
    pub cdep: f64,
    /// Code changed (normalised code hash), over the pairs where both are known (CC).
    pub cc: f64,
    /// Days between the first and the last dated member.
    pub active_days: Option<i64>,
}

/// One campaign and its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// `campaign:N`, numbered by size (largest first).
    pub id: String,
    /// Package and package-version node ids.
    pub members: Vec<String>,
    /// Distinct package names (`eco/name`).
    pub names: Vec<String>,
    pub ecosystems: Vec<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Categories with the number of member versions showing them, most frequent first.
    pub categories: Vec<(String, usize)>,
    pub stages: Vec<(String, usize)>,
    pub evasions: Vec<(String, usize)>,
    /// Indicator node ids shared inside the campaign.
    pub indicators: Vec<String>,
    /// A representative package-version (the best connected one with code).
    pub representative: Option<String>,
    /// Report node ids describing it, most linked first.
    pub reports: Vec<String>,
    pub evolution: Evolution,
    /// True when Louvain split this out of a larger component.
    pub split: bool,
}

/// Code diversity: how many distinct code clusters the packages with code fall into.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diversity {
    /// Package versions with a code fingerprint.
    pub packages_with_code: usize,
    /// Connected groups under duplicated + similar edges among them.
    pub code_clusters: usize,
    /// `YYYY-MM` -> clusters whose first dated member appeared that month.
    pub new_clusters_per_month: BTreeMap<String, usize>,
}

/// Counters of a build.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphStats {
    /// Nodes per kind.
    pub nodes: BTreeMap<String, usize>,
    /// Edges per kind.
    pub edges: BTreeMap<String, usize>,
    /// LSH candidate pairs verified with exact Jaccard.
    pub similar_candidates: usize,
    /// Package names in at least one campaign / all package names.
    pub names_in_campaigns: usize,
    pub names_total: usize,
}

/// The knowledge graph: sorted nodes, sorted edges, campaigns and diversity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub campaigns: Vec<Campaign>,
    pub diversity: Diversity,
    pub stats: GraphStats,
}

impl Graph {
    /// Index of a node by id (nodes are sorted by id).
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.nodes[i])
    }
}

/// Node id of a package name.
pub fn package_node_id(p: &PackageName) -> String {
    format!("pkg:{}/{}", p.ecosystem.slug(), p.name)
}

/// Node id of a package version (or of the package when `version` is `None`).
pub fn version_node_id(p: &PackageId) -> String {
    match &p.version {
        Some(v) => format!("ver:{}/{}@{}", p.ecosystem.slug(), p.name, v),
        None => package_node_id(&p.package()),
    }
}

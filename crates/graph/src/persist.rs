//! Reading the graph input from the store, caching fingerprints, saving and loading snapshots.
//!
//! Fingerprints are cached in the store's blob table under `graph:fp3:<sha256>`, so a rebuild
//! only reads and fingerprints samples it has not seen (incremental). Samples whose stored scan
//! flags code files also get a focused fingerprint over those files, cached under
//! `graph:ffp1:<sha256>:<digest of the flagged paths>`. Sample archives are read
//! from their `location` on disk and unpacked in memory with `malgraph_archive::open_bytes`.

use crate::GraphError;
use crate::fingerprint::{
    CodeFingerprint, FingerprintOptions, fingerprint, fingerprint_focused, flagged_code_files,
};
use crate::model::*;
use malgraph_intel::Versions;
use malgraph_store::Store;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Blob key of the graph snapshot.
pub const SNAPSHOT_KEY: &str = "graph:snapshot";
/// Prefix of fingerprint cache keys (bump the version when the fingerprint changes).
pub const FINGERPRINT_PREFIX: &str = "graph:fp3:";

/// Prefix of focused-fingerprint cache keys: `graph:ffp1:<sha256>:<digest of the focus files>`
/// (the focus comes from the stored scan, so a re-scan that flags other files recomputes it).
pub const FOCUSED_PREFIX: &str = "graph:ffp1:";

/// Severity from which a finding's file joins the focused fingerprint.
pub const FOCUS_SEVERITY: malgraph_core::Severity = malgraph_core::Severity::High;

/// Cache key of the focused fingerprint of `sha` over `focus`.
fn focused_key(sha: &str, focus: &BTreeSet<String>) -> String {
    let mut h = Sha256::new();
    for f in focus {
        h.update(f.as_bytes());
        h.update([0u8]);
    }
    format!("{FOCUSED_PREFIX}{sha}:{}", &hex::encode(h.finalize())[..16])
}

/// What [`load_input`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadStats {
    /// Distinct sample hashes.
    pub samples: usize,
    /// Fingerprints taken from the cache.
    pub cached: usize,
    /// Fingerprints computed now.
    pub computed: usize,
    /// Samples that could not be read or unpacked (listed with the reason).
    pub errors: Vec<(String, String)>,
}

fn store_err(e: impl std::fmt::Display) -> GraphError {
    GraphError::Store(e.to_string())
}

/// Fingerprint one archive file on disk (read into memory, unpacked in memory).
pub fn fingerprint_file(path: &str) -> Result<CodeFingerprint, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("read: {e}"))?;
    let unpacked = malgraph_archive::open_bytes(&bytes, &malgraph_archive::Options::default())
        .map_err(|e| format!("unpack: {e}"))?;
    Ok(fingerprint(&unpacked.files))
}

/// Fingerprint one archive on disk and, when `focus` is not empty, its focused fingerprint
/// ([`fingerprint_focused`]; `None` when it falls back to the whole package).
pub fn fingerprint_file_focused(
    path: &str,
    focus: &BTreeSet<String>,
) -> Result<(CodeFingerprint, Option<CodeFingerprint>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("read: {e}"))?;
    let unpacked = malgraph_archive::open_bytes(&bytes, &malgraph_archive::Options::default())
        .map_err(|e| format!("unpack: {e}"))?;
    let whole = fingerprint(&unpacked.files);
    if focus.is_empty() {
        return Ok((whole, None));
    }
    let part = fingerprint_focused(&unpacked.files, FingerprintOptions::default(), focus);
    let part = (part != whole).then_some(part);
    Ok((whole, part))
}

/// Read everything the graph needs from the store. Computes missing fingerprints (in
/// parallel) and caches them; a sample that cannot be read gets no fingerprint and is listed
/// in [`LoadStats::errors`] (I/O errors are not cached, so a later build retries).
pub fn load_input(store: &mut Store) -> Result<(GraphInput, LoadStats), GraphError> {
    let mut input = GraphInput::default();
    let mut stats = LoadStats::default();
    for f in store.package_facts().map_err(store_err)? {
        input.packages.push(PackageEntry {
            id: f.package,
            source: f.source,
            first_reported: f.first_reported,
            withdrawn: f.withdrawn,
        });
    }
    for a in store.advisories().map_err(store_err)? {
        let adv = a.advisory;
        input.advisories.push(AdvisoryEntry {
            id: adv.id,
            package: adv.package,
            versions: match adv.versions {
                Versions::List(v) => v,
                _ => Vec::new(),
            },
            source: a.source,
            published: adv.published,
            references: adv.references,
            summary: adv.summary,
            iocs: adv.iocs,
            withdrawn: adv.withdrawn.is_some(),
        });
    }
    for r in store.reports().map_err(store_err)? {
        let rep = r.report;
        input.reports.push(ReportEntry {
            location: rep.location,
            title: rep.title,
            published: rep.published,
            packages: rep.packages,
            iocs: rep.iocs,
        });
    }
    let scans: HashMap<String, malgraph_core::ScanReport> = store
        .scans()
        .map_err(store_err)?
        .into_iter()
        .map(|(sha, r)| (sha.to_ascii_lowercase(), r))
        .collect();
    let samples = store.samples().map_err(store_err)?;
    // one location per sha256
    let mut locations: BTreeMap<String, String> = BTreeMap::new();
    for s in &samples {
        locations
            .entry(s.sample.sha256.to_ascii_lowercase())
            .or_insert_with(|| s.sample.location.clone());
    }
    stats.samples = locations.len();
    let mut fps: HashMap<String, CodeFingerprint> = HashMap::new();
    // focused fingerprints; an empty entry caches "falls back to the whole package"
    let mut focused: HashMap<String, CodeFingerprint> = HashMap::new();
    let mut missing: Vec<(String, String, BTreeSet<String>)> = Vec::new();
    for (sha, loc) in &locations {
        let focus = scans
            .get(sha)
            .map(|r| flagged_code_files(r, FOCUS_SEVERITY))
            .unwrap_or_default();
        let cached = store
            .get_blob(&format!("{FINGERPRINT_PREFIX}{sha}"))
            .map_err(store_err)?
            .and_then(|b| serde_json::from_slice::<CodeFingerprint>(&b).ok());
        let cached_focus = if focus.is_empty() {
            Some(None)
        } else {
            store
                .get_blob(&focused_key(sha, &focus))
                .map_err(store_err)?
                .and_then(|b| serde_json::from_slice::<Option<CodeFingerprint>>(&b).ok())
        };
        match (cached, cached_focus) {
            (Some(fp), Some(part)) => {
                stats.cached += 1;
                fps.insert(sha.clone(), fp);
                if let Some(part) = part {
                    focused.insert(sha.clone(), part);
                }
            }
            _ => missing.push((sha.clone(), loc.clone(), focus)),
        }
    }
    type Computed = Result<(CodeFingerprint, Option<CodeFingerprint>), String>;
    let computed: Vec<(String, BTreeSet<String>, Computed)> = missing
        .into_par_iter()
        .map(|(sha, loc, focus)| {
            let res = fingerprint_file_focused(&loc, &focus);
            (sha, focus, res)
        })
        .collect();
    for (sha, focus, res) in computed {
        match res {
            Ok((fp, part)) => {
                store
                    .put_blob(
                        &format!("{FINGERPRINT_PREFIX}{sha}"),
                        &serde_json::to_vec(&fp)?,
                    )
                    .map_err(store_err)?;
                if !focus.is_empty() {
                    store
                        .put_blob(&focused_key(&sha, &focus), &serde_json::to_vec(&part)?)
                        .map_err(store_err)?;
                }
                stats.computed += 1;
                fps.insert(sha.clone(), fp);
                if let Some(part) = part {
                    focused.insert(sha, part);
                }
            }
            Err(reason) => stats.errors.push((sha, reason)),
        }
    }
    for s in samples {
        let sha = s.sample.sha256.to_ascii_lowercase();
        input.samples.push(SampleEntry {
            fingerprint: fps.get(&sha).cloned(),
            focused: focused.get(&sha).cloned(),
            scan: scans.get(&sha).cloned(),
            sha256: sha,
            package: s.sample.package,
            source: Some(s.source),
            date: s.sample.date,
        });
    }
    Ok((input, stats))
}

/// Save a graph snapshot in the store.
pub fn save(store: &mut Store, graph: &Graph) -> Result<(), GraphError> {
    let bytes = serde_json::to_vec(graph)?;
    store.put_blob(SNAPSHOT_KEY, &bytes).map_err(store_err)
}

/// Load the last saved snapshot, if any.
pub fn load(store: &Store) -> Result<Option<Graph>, GraphError> {
    match store.get_blob(SNAPSHOT_KEY).map_err(store_err)? {
        Some(b) => Ok(Some(serde_json::from_slice(&b)?)),
        None => Ok(None),
    }
}

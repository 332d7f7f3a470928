//! Sample datasets on disk: the DataDog layout, the pypi_malregistry layout, a plain folder of
//! archives. Samples are hashed (sha256 of the file bytes, in parallel), never opened.

use crate::model::{NameEntry, Sample, SourceError};
use crate::util;
use malgraph_core::{Ecosystem, PackageId, guess_from_filename};
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

/// Password of the encrypted zips of the DataDog dataset (for `--scan`, which reads them in
/// memory through the archive crate; this crate never opens them).
pub const DATADOG_ZIP_PASSWORD: &str = "infected";

/// DataDog labels (folder names between the ecosystem and the package name).
pub(crate) const DATADOG_LABELS: [&str; 2] = ["malicious_intent", "compromised_lib"];

/// Archive file-name endings recognised as package archives.
pub(crate) const ARCHIVE_EXTS: [&str; 10] = [
    ".tar.gz", ".tgz", ".zip", ".whl", ".egg", ".tar.bz2", ".tar.xz", ".tar", ".gem", ".jar",
];

/// True when the file name ends like a package archive.
pub(crate) fn is_archive_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ARCHIVE_EXTS.iter().any(|e| l.ends_with(e))
}

/// Output of a sample dataset walk.
#[derive(Default)]
pub(crate) struct SamplesOut {
    pub samples: Vec<Sample>,
    pub names: Vec<NameEntry>,
    pub errors: Vec<SourceError>,
}

/// A file found by a layout, before hashing.
struct Found {
    path: PathBuf,
    package: PackageId,
    date: Option<String>,
    label: Option<String>,
}

fn components(rel: &Path) -> Vec<String> {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// Hash found files in parallel, in chunks, calling `progress` between chunks.
fn hash_all(found: Vec<Found>, out: &mut SamplesOut, progress: &dyn Fn(u64, u64)) {
    let total = found.len() as u64;
    progress(0, total);
    let mut done = 0u64;
    for chunk in found.chunks(util::CHUNK) {
        let results: Vec<Result<Sample, SourceError>> = chunk
            .par_iter()
            .map(|f| {
                let location = util::absolute(&f.path);
                let (sha256, size) =
                    util::hash_file(&f.path).map_err(|r| SourceError::new(&location, r))?;
                Ok(Sample {
                    package: f.package.clone(),
                    sha256,
                    size,
                    location,
                    date: f.date.clone(),
                    label: f.label.clone(),
                })
            })
            .collect();
        for r in results {
            match r {
                Ok(s) => out.samples.push(s),
                Err(e) => out.errors.push(e),
            }
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
}

/// DataDog layout: `samples/<eco>/<label>/<name...>/<version>/<date>-<name>-v<version>.zip` and
/// per-ecosystem `manifest.json` (`{name: null | [versions]}`, turned into name entries).
/// `root` may be the dataset, its `samples/` folder or one ecosystem folder.
pub(crate) fn parse_datadog(root: &Path, progress: &dyn Fn(u64, u64)) -> SamplesOut {
    let mut out = SamplesOut::default();
    let (files, errs) = util::walk_files(root, |p| {
        let n = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        n.ends_with(".zip") || n == "manifest.json"
    });
    out.errors.extend(errs);
    let root_name = root.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut found = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let comps = components(rel);
        let loc = path.to_string_lossy().into_owned();
        let file = comps.last().cloned().unwrap_or_default();
        if file.eq_ignore_ascii_case("manifest.json") {
            // Ecosystem: the folder holding the manifest (or the root when it is that folder).
            let eco_dir = if comps.len() >= 2 {
                Some(comps[comps.len() - 2].clone())
            } else {
                root_name.clone()
            };
            let Some(eco_dir) = eco_dir else { continue };
            let eco = Ecosystem::parse(&eco_dir);
            match util::read_capped(&path, 256 * 1024 * 1024) {
                Ok(bytes) => match crate::names::parse_version_map(&bytes, &eco) {
                    Ok(entries) => out.names.extend(entries),
                    Err(r) => out.errors.push(SourceError::new(&loc, r)),
                },
                Err(r) => out.errors.push(SourceError::new(&loc, r)),
            }
            continue;
        }
        // Full path components so that a root inside `samples/<eco>/` still finds the label.
        let abs = components(&path);
        let Some(li) = abs
            .iter()
            .rposition(|c| DATADOG_LABELS.contains(&c.as_str()))
        else {
            out.errors.push(SourceError::new(
                &loc,
                "zip outside a malicious_intent/compromised_lib folder",
            ));
            continue;
        };
        // <eco>/<label>/<name parts...>/<version>/<file>
        if li == 0 || abs.len() < li + 4 {
            out.errors.push(SourceError::new(
                &loc,
                "path does not follow <eco>/<label>/<name>/<version>/<file>.zip",
            ));
            continue;
        }
        let eco = Ecosystem::parse(&abs[li - 1]);
        let version = abs[abs.len() - 2].clone();
        let name = abs[li + 1..abs.len() - 2].join("/");
        found.push(Found {
            path,
            package: PackageId::new(eco, &name, Some(&version)),
            date: util::leading_date(&file),
            label: Some(abs[li].clone()),
        });
    }
    hash_all(found, &mut out, progress);
    out
}

/// pypi_malregistry layout: `[<eco>/]<name>/<version>/<archive>`. The ecosystem is taken from
/// an ecosystem-named folder on the way (`pypi/`, `npm/`), PyPI otherwise. `manifest.csv` is not
/// needed (names and versions come from the folders; hashes are computed). Every file at the
/// archive level is a sample, whatever its extension (the dataset holds mislabelled archives);
/// archive-named files elsewhere are errors; other files elsewhere are ignored.
pub(crate) fn parse_malregistry(root: &Path, progress: &dyn Fn(u64, u64)) -> SamplesOut {
    let mut out = SamplesOut::default();
    let (files, errs) = util::walk_files(root, |p| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            !n.starts_with('.') && !n.eq_ignore_ascii_case("manifest.csv") && !is_doc_file(&n)
        })
    });
    out.errors.extend(errs);
    let root_eco = root
        .file_name()
        .and_then(|n| known_ecosystem(&n.to_string_lossy()));
    let mut found = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let comps = components(rel);
        let loc = path.to_string_lossy().into_owned();
        let (eco, rest) = match comps.first().and_then(|c| known_ecosystem(c)) {
            Some(e) if comps.len() == 4 => (e, &comps[1..]),
            _ => (root_eco.clone().unwrap_or(Ecosystem::PyPI), &comps[..]),
        };
        if rest.len() != 3 {
            // Archives out of place are reported; other side files (metadata) are not samples.
            if comps.last().is_some_and(|f| is_archive_name(f)) {
                out.errors.push(SourceError::new(
                    &loc,
                    "path does not follow <name>/<version>/<archive>",
                ));
            }
            continue;
        }
        found.push(Found {
            path: path.clone(),
            package: PackageId::new(eco, &rest[0], Some(&rest[1])),
            date: None,
            label: None,
        });
    }
    hash_all(found, &mut out, progress);
    out
}

/// A plain folder (or one file) of archives; name and version are guessed from each file name
/// (`name-1.2.3.tar.gz`, `name-1.2.3-py3-none-any.whl`, npm `name-1.2.3.tgz`, `name-1.2.3.gem`).
/// An ecosystem-named folder on the way (`npm/`, `pypi/`, `rubygems/`) overrides the guess.
pub(crate) fn parse_archive_folder(root: &Path, progress: &dyn Fn(u64, u64)) -> SamplesOut {
    let mut out = SamplesOut::default();
    let files = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        let (files, errs) = util::walk_files(root, |p| {
            p.file_name()
                .is_some_and(|n| is_archive_name(&n.to_string_lossy()))
        });
        out.errors.extend(errs);
        files
    };
    let mut found = Vec::new();
    for path in files {
        let loc = path.to_string_lossy().into_owned();
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let date = util::leading_date(&file);
        let Some((eco, name, version)) = guess_archive(&file) else {
            out.errors.push(SourceError::new(
                &loc,
                "cannot tell package name and version from the file name",
            ));
            continue;
        };
        let folder_eco = path
            .parent()
            .and_then(|p| p.strip_prefix(root).ok().or(Some(p)))
            .and_then(|p| components(p).iter().rev().find_map(|c| known_ecosystem(c)));
        let eco = folder_eco.unwrap_or(eco);
        found.push(Found {
            path,
            package: PackageId::new(eco, &name, Some(&version)),
            date,
            label: None,
        });
    }
    hash_all(found, &mut out, progress);
    out
}

/// [`guess_from_filename`] plus RubyGems `.gem` files and DataDog sample names
/// (`2024-01-02-name-v1.0.zip`, ecosystem PyPI unless a folder says otherwise).
fn guess_archive(file: &str) -> Option<(Ecosystem, String, String)> {
    let lower = file.to_ascii_lowercase();
    if let (Some(_), Some(stem)) = (util::leading_date(file), lower.strip_suffix(".zip"))
        && stem.len() > 11
        && file.as_bytes()[10] == b'-'
    {
        let rest = &file[11..stem.len()];
        if let Some(i) = rest.rfind("-v") {
            let (n, v) = (&rest[..i], &rest[i + 2..]);
            if !n.is_empty() && v.starts_with(|c: char| c.is_ascii_digit()) {
                return Some((Ecosystem::PyPI, n.to_string(), v.to_string()));
            }
        }
    }
    if util::leading_date(file).is_some() {
        // A dated name that is not DataDog's: the registry-style guess would read the date.
        return None;
    }
    if let Some(stem) = lower.strip_suffix(".gem").map(|_| &file[..file.len() - 4]) {
        let b = stem.as_bytes();
        let split = (0..b.len().saturating_sub(1))
            .rev()
            .find(|&i| b[i] == b'-' && b[i + 1].is_ascii_digit())?;
        let (n, v) = (&stem[..split], &stem[split + 1..]);
        return (!n.is_empty() && !v.is_empty())
            .then(|| (Ecosystem::RubyGems, n.to_string(), v.to_string()));
    }
    guess_from_filename(file)
}

/// A folder name that names a known ecosystem (`pypi`, `npm`, `rubygems`...), not `Other`.
pub(crate) fn known_ecosystem(name: &str) -> Option<Ecosystem> {
    match Ecosystem::parse(name) {
        Ecosystem::Other(_) => None,
        e => Some(e),
    }
}

/// README, LICENSE and similar files that sit next to datasets.
pub(crate) fn is_doc_file(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [
        "readme",
        "license",
        "licence",
        "changelog",
        "notice",
        "copying",
    ]
    .iter()
    .any(|d| l.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_and_archives() {
        assert_eq!(
            guess_archive("rest-client-1.6.13.gem"),
            Some((Ecosystem::RubyGems, "rest-client".into(), "1.6.13".into()))
        );
        assert_eq!(
            guess_archive("2024-01-02-my-pkg-v1.0.0.zip"),
            Some((Ecosystem::PyPI, "my-pkg".into(), "1.0.0".into()))
        );
        assert_eq!(guess_archive("2024-01-02.zip"), None);
        assert!(is_archive_name("x-1.0.TAR.GZ"));
        assert!(!is_archive_name("notes.txt"));
        assert_eq!(known_ecosystem("pypi"), Some(Ecosystem::PyPI));
        assert_eq!(known_ecosystem("samples"), None);
    }
}

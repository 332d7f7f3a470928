//! Turning command-line paths into scan targets.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One package to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A file that should be an archive (format recognised by its bytes when read).
    Archive(PathBuf),
    /// An unpacked package folder (has `setup.py`, `pyproject.toml`, `PKG-INFO` or
    /// `package.json` at its root).
    Dir(PathBuf),
}

impl Target {
    /// The path as given or found.
    pub fn path(&self) -> &Path {
        match self {
            Target::Archive(p) | Target::Dir(p) => p,
        }
    }
}

/// A path that cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or folder")]
    Missing(PathBuf),
}

/// Expand paths into targets, in the order given; below a plain folder, every archive
/// (recognised by its magic bytes) is one package, sorted by path.
///
/// A file is always a target, even when it is not an archive: it then gets an error record
/// rather than vanishing from the results.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Target>, DiscoverError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(Target::Archive(p.clone()));
        } else if p.is_dir() {
            if malgraph_archive::is_package_dir(p) {
                out.push(Target::Dir(p.clone()));
            } else {
                let mut found: BTreeSet<PathBuf> =
                    malgraph_archive::find_archives(p).into_iter().collect();
                // Files named like archives are packages too, even when their bytes are not an
                // archive (empty, truncated): they get an error record instead of vanishing.
                found.extend(
                    walkdir::WalkDir::new(p)
                        .follow_links(false)
                        .into_iter()
                        .filter_entry(|e| e.depth() == 0 || !is_hidden_dir(e))
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_file() && has_archive_extension(e.path()))
                        .map(walkdir::DirEntry::into_path),
                );
                out.extend(found.into_iter().map(Target::Archive));
            }
        } else {
            return Err(DiscoverError::Missing(p.clone()));
        }
    }
    Ok(out)
}

fn is_hidden_dir(e: &walkdir::DirEntry) -> bool {
    e.file_type().is_dir() && e.file_name().to_string_lossy().starts_with('.')
}

/// Extensions of the package archives registries serve.
pub fn has_archive_extension(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [
        ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".whl", ".egg", ".tar",
    ]
    .iter()
    .any(|e| name.ends_with(e))
}

//! Turning command-line paths into scan targets.

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
                out.extend(
                    malgraph_archive::find_archives(p)
                        .into_iter()
                        .map(Target::Archive),
                );
            }
        } else {
            return Err(DiscoverError::Missing(p.clone()));
        }
    }
    Ok(out)
}

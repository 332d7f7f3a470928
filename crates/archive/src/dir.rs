//! Unpacked package folders on disk, and finding archives below a folder.

use std::fs;
use std::path::{Path, PathBuf};

use malgraph_core::AnomalyKind;
use walkdir::WalkDir;

use crate::{ArchiveError, Ctx, Flow, Format, Options, Out, Sink, Unpacked, read_limited};

/// Files whose presence at a folder's root marks an unpacked package.
const PACKAGE_MARKERS: &[&str] = &[
    "setup.py",
    "pyproject.toml",
    "PKG-INFO",
    "setup.cfg",
    "package.json",
];

/// Version-control folders skipped by [`read_dir`]: history, not package content.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn"];

/// Whether `path` is a folder with a package marker (`setup.py`, `pyproject.toml`, `PKG-INFO`,
/// `setup.cfg` or `package.json`) at its root.
pub fn is_package_dir(path: &Path) -> bool {
    path.is_dir() && PACKAGE_MARKERS.iter().any(|m| path.join(m).is_file())
}

/// Every regular file below `dir` that is an archive by magic bytes, sorted. Hidden folders
/// (name starting with `.`) are skipped and symlinks are not followed.
pub fn find_archives(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir() && e.file_name().to_string_lossy().starts_with('.'))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && crate::file_is_archive(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    found.sort();
    found
}

/// Read an unpacked package folder under the same limits as an archive.
///
/// Paths are relative to `root` and `/`-separated. Symlinks are reported, never followed;
/// device, fifo and socket entries are reported; `.git`, `.hg` and `.svn` are skipped. Archives
/// found inside are opened like nested archives (depth 1). The result's format is
/// [`Format::Dir`].
pub fn read_dir(root: &Path, opts: &Options) -> Result<Unpacked, ArchiveError> {
    // The root itself may be a link to a folder; links below it are never followed.
    let meta = fs::metadata(root).map_err(|source| ArchiveError::Io {
        path: root.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(ArchiveError::Io {
            path: root.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        });
    }
    let mut ctx = Ctx::new(opts);
    let mut out = Out::default();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_dir()
                && VCS_DIRS.iter().any(|v| e.file_name() == *v))
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e.path().map(|p| rel(root, p)).unwrap_or_default();
                out.anomaly(
                    AnomalyKind::Truncated,
                    &p,
                    format!("cannot read folder entry: {e}"),
                );
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let name = rel(root, entry.path());
        if !ctx.count_member(&mut out, &name) {
            break;
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            let target = fs::read_link(entry.path())
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            out.anomaly(
                AnomalyKind::Symlink,
                &name,
                format!(
                    "symlink to {target:?} ({}); not followed",
                    crate::link_scope(&name, &target, true).replace("archive", "folder")
                ),
            );
            continue;
        }
        if !ft.is_file() {
            out.anomaly(
                AnomalyKind::DeviceEntry,
                &name,
                "device, fifo or socket; not read",
            );
            continue;
        }
        let mut sink = Sink {
            ctx: &mut ctx,
            out: &mut out,
            depth: 0,
            prefix: "",
        };
        let cap = sink.cap();
        let read = match fs::File::open(entry.path()) {
            Ok(f) => read_limited(f, cap, 0),
            Err(e) => {
                sink.anomaly(
                    AnomalyKind::Truncated,
                    &name,
                    format!("cannot read file: {e}"),
                );
                continue;
            }
        };
        if let Some(e) = read.error {
            let got = read.data.len();
            sink.push(&name, read.data, false);
            sink.anomaly(
                AnomalyKind::Truncated,
                &name,
                format!("read failed after {got} bytes: {e}"),
            );
            continue;
        }
        if sink.member(&name, read) == Flow::Stop {
            break;
        }
    }
    Ok(Unpacked {
        format: Format::Dir,
        files: out.files,
        anomalies: out.anomalies,
    })
}

/// `/`-separated path of `p` relative to `root`.
fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

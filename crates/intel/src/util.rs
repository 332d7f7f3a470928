//! Small helpers shared by the parsers: walking folders, capped reads, hashing, refanging.

use crate::model::SourceError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files handled per parallel step between two progress calls.
pub(crate) const CHUNK: usize = 1024;

/// Every regular file under `root` that `keep` accepts, sorted; unreadable entries become errors.
/// Hidden folders and files below the root (`.git`, `.github`) are not entered.
pub(crate) fn walk_files(
    root: &Path,
    keep: impl Fn(&Path) -> bool,
) -> (Vec<PathBuf>, Vec<SourceError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                if keep(e.path()) {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => {
                let loc = err
                    .path()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_else(|| root.to_string_lossy().into_owned());
                errors.push(SourceError::new(loc, format!("cannot read: {err}")));
            }
        }
    }
    (files, errors)
}

/// Read a whole file, refusing files larger than `cap` bytes.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut data = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read: {e}"))?;
    if data.len() as u64 > cap {
        return Err(format!("file larger than {cap} bytes, skipped"));
    }
    Ok(data)
}

/// sha256 (lower-case hex) and size of a file, streamed.
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64), String> {
    let mut f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), size))
}

/// sha256 (lower-case hex) of bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Absolute form of a path, without resolving symlinks when it cannot be canonicalised.
pub(crate) fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The `YYYY-MM-DD` a string starts with, if any.
pub(crate) fn leading_date(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
    {
        Some(s[..10].to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_dates() {
        assert_eq!(
            leading_date("2024-03-01-foo-v1.zip").as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(leading_date("foo-2024-03-01"), None);
    }
}

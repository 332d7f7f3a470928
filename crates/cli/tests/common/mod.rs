//! Fixture writers shared by the `malgraph` integration tests (`cli.rs`, `pipeline.rs`).

use std::io::Write;
use std::path::Path;

/// Writes a gzip-compressed tar archive at `path` holding `files` as (name, body) pairs,
/// each a regular file of mode 0644. Creates the parent folders first.
pub fn targz<N: AsRef<str>, B: AsRef<str>>(path: &Path, files: &[(N, B)]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let f = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, body) in files {
        let body = body.as_ref().as_bytes();
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, name.as_ref(), body).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

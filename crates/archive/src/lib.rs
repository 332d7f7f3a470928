//! malgraph-archive: safe, in-memory unpacking of package archives.
//!
//! This crate owns three things:
//! - detecting an archive's format from its magic bytes (never from its file name: real
//!   malware ships xz or zip files named `.tar.gz`), see [`detect`];
//! - reading tar (plain, gzip, bzip2, xz), single compressed files (`.gz`, `.bz2`, `.xz`) and zip
//!   (wheels, eggs, and zips encrypted with ZipCrypto or AES, trying [`Options::passwords`]) into
//!   memory with hard [`Limits`], recursing into nested archives, see [`open_bytes`];
//! - reading an unpacked package folder from disk under the same limits, see [`read_dir`].
//!
//! It must not analyse content (that is `malgraph-analyze`'s job) and it must never write a member
//! to disk: no `unpack`/`extract` API is ever called. Links, devices, absolute paths and `..`
//! components are never followed nor returned as files; each is reported as an
//! [`Anomaly`]. A limit that is hit does not fail the package: reading stops, what was read is
//! kept, and an anomaly says why.
//!
//! What the analyser sees is what an installer would see: tar entries of unknown type are files
//! (pip's `tarfile` extracts them as such); every copy of a duplicated name is returned (tar, and
//! zip entries that the central directory lists twice), with a `DuplicateName` anomaly; members
//! of nested archives are named `outer/inner.whl!/member` (see [`Limits::max_depth`]).

mod detect;
mod dir;
mod guard;
mod tarball;
mod zipfile;

use std::fmt;
use std::path::Path;

pub use malgraph_core::{Anomaly, AnomalyKind, PackageFile};

pub use detect::detect;
pub use dir::{find_archives, is_package_dir, read_dir};

/// Hard limits on what one package may make us read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of all returned files together (nested archives included); also caps the bytes a
    /// single decompression stream may produce.
    pub max_total_bytes: u64,
    /// Bytes of one member; a larger member is truncated to this size.
    pub max_member_bytes: u64,
    /// Decompressed / compressed ratio; only enforced once a stream or member has inflated past
    /// [`RATIO_GRACE_BYTES`], so small highly compressible files are fine.
    pub max_ratio: u64,
    /// Entries of all archives together (directories and links count too).
    pub max_members: usize,
    /// Levels of nested archives opened below the outer one (0: none).
    pub max_depth: u32,
}

/// Bytes a stream may inflate to before [`Limits::max_ratio`] is enforced.
pub const RATIO_GRACE_BYTES: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 512 << 20,
            max_member_bytes: 64 << 20,
            max_ratio: 200,
            max_members: 50_000,
            max_depth: 3,
        }
    }
}

/// How to open archives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Limits, shared by an archive and every archive nested in it.
    pub limits: Limits,
    /// Passwords tried, in order, on encrypted zip members.
    pub passwords: Vec<Vec<u8>>,
}

impl Default for Options {
    /// Default limits; the research convention password `infected`.
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            passwords: vec![b"infected".to_vec()],
        }
    }
}

/// A format this crate reads, as detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Uncompressed tar.
    Tar,
    /// gzip-compressed tar (`.tar.gz`, `.tgz`).
    TarGz,
    /// bzip2-compressed tar.
    TarBz2,
    /// xz-compressed tar.
    TarXz,
    /// Zip, including wheels and eggs.
    Zip,
    /// A single gzip-compressed file that is not a tar.
    Gz,
    /// A single bzip2-compressed file that is not a tar.
    Bz2,
    /// A single xz-compressed file that is not a tar.
    Xz,
    /// An unpacked folder on disk (from [`read_dir`]).
    Dir,
}

impl Format {
    /// Short lowercase name: `tar`, `tar.gz`, `zip`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Tar => "tar",
            Format::TarGz => "tar.gz",
            Format::TarBz2 => "tar.bz2",
            Format::TarXz => "tar.xz",
            Format::Zip => "zip",
            Format::Gz => "gz",
            Format::Bz2 => "bz2",
            Format::Xz => "xz",
            Format::Dir => "dir",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The files of a package and what was odd about its archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// The outer format.
    pub format: Format,
    /// Regular files, in archive order; members of nested archives are named
    /// `outer/inner.zip!/member`.
    pub files: Vec<PackageFile>,
    /// Links, traversal, limits hit, encryption, truncation...
    pub anomalies: Vec<Anomaly>,
}

/// Why an archive could not be read at all. Messages are meant for the scan report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// Zero bytes.
    #[error("empty file")]
    Empty,
    /// Not a format this crate reads.
    #[error("not an archive this tool reads: {0}")]
    Unknown(String),
    /// The archive ends before any member could be read.
    #[error("truncated archive: {0}")]
    Truncated(String),
    /// The archive is broken before any member could be read.
    #[error("corrupt archive: {0}")]
    Corrupt(String),
    /// Encrypted members, and none of the passwords decrypted any of them.
    #[error("encrypted archive: none of the {tried} password(s) tried worked")]
    Encrypted {
        /// How many passwords were tried.
        tried: usize,
    },
    /// Reading from disk failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Open an archive held in memory.
///
/// The format is detected from magic bytes. Members are read under `opts.limits`; nested archives
/// are opened recursively up to [`Limits::max_depth`]. Returns an error only when nothing at all
/// could be read; otherwise problems are [`Anomaly`] values in the result.
pub fn open_bytes(bytes: &[u8], opts: &Options) -> Result<Unpacked, ArchiveError> {
    let mut ctx = Ctx::new(opts);
    let mut out = Out::default();
    let format = open_into(bytes, &mut ctx, &mut out, 0, "", "data")?;
    Ok(Unpacked {
        format,
        files: out.files,
        anomalies: out.anomalies,
    })
}

/// Budgets shared by an archive and all archives nested in it.
pub(crate) struct Ctx<'o> {
    pub(crate) opts: &'o Options,
    /// Bytes handed out (or held as raw nested archives) so far.
    pub(crate) total: u64,
    /// Entries seen so far.
    pub(crate) members: usize,
    /// A global limit was hit: read nothing more.
    pub(crate) stopped: bool,
}

impl<'o> Ctx<'o> {
    pub(crate) fn new(opts: &'o Options) -> Self {
        Ctx {
            opts,
            total: 0,
            members: 0,
            stopped: false,
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.opts.limits
    }

    /// Bytes the total budget still allows.
    pub(crate) fn remaining(&self) -> u64 {
        self.limits().max_total_bytes.saturating_sub(self.total)
    }

    /// Count one entry; false (and an anomaly, once) when the member limit is hit.
    pub(crate) fn count_member(&mut self, out: &mut Out, path: &str) -> bool {
        if self.stopped {
            return false;
        }
        if self.members >= self.limits().max_members {
            self.stopped = true;
            out.anomaly(
                AnomalyKind::TooManyMembers,
                path,
                format!(
                    "more than {} entries; the rest was not read",
                    self.limits().max_members
                ),
            );
            return false;
        }
        self.members += 1;
        true
    }
}

/// Files and anomalies collected so far.
#[derive(Default)]
pub(crate) struct Out {
    pub(crate) files: Vec<PackageFile>,
    pub(crate) anomalies: Vec<Anomaly>,
}

impl Out {
    pub(crate) fn anomaly(&mut self, kind: AnomalyKind, path: &str, detail: impl Into<String>) {
        self.anomalies.push(Anomaly {
            kind,
            path: path.to_string(),
            detail: detail.into(),
        });
    }
}

/// Detect and open `bytes` at nesting `depth`, appending to `out`. `prefix` is prepended to member
/// names (`outer/inner.zip!/`); `single_name` names the content of a single compressed file.
pub(crate) fn open_into(
    bytes: &[u8],
    ctx: &mut Ctx<'_>,
    out: &mut Out,
    depth: u32,
    prefix: &str,
    single_name: &str,
) -> Result<Format, ArchiveError> {
    if bytes.is_empty() {
        return Err(ArchiveError::Empty);
    }
    let Some(format) = detect(bytes) else {
        return Err(ArchiveError::Unknown(detect::describe_magic(bytes)));
    };
    let mut sink = Sink {
        ctx,
        out,
        depth,
        prefix,
    };
    // Defence in depth: a decoder bug on hostile bytes must not take the batch down.
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_format(bytes, format, &mut sink, single_name)
    }));
    match res {
        Ok(r) => r.map(|()| format),
        Err(_) => Err(ArchiveError::Corrupt(format!(
            "the {format} decoder failed on these bytes"
        ))),
    }
}

fn read_format(
    bytes: &[u8],
    format: Format,
    sink: &mut Sink<'_, '_>,
    single_name: &str,
) -> Result<(), ArchiveError> {
    match format {
        Format::Tar | Format::TarGz | Format::TarBz2 | Format::TarXz => {
            tarball::read_tar(bytes, format, sink)
        }
        Format::Gz | Format::Bz2 | Format::Xz => {
            tarball::read_single(bytes, format, single_name, sink)
        }
        Format::Zip => zipfile::read_zip(bytes, sink),
        Format::Dir => Err(ArchiveError::Unknown("a folder, not bytes".into())),
    }
}

/// Where the readers put members: applies limits, nesting and naming.
pub(crate) struct Sink<'a, 'o> {
    pub(crate) ctx: &'a mut Ctx<'o>,
    pub(crate) out: &'a mut Out,
    pub(crate) depth: u32,
    pub(crate) prefix: &'a str,
}

/// What a reader should do after handing a member over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// Outcome of reading one member's bytes through [`read_limited`].
pub(crate) struct MemberRead {
    pub(crate) data: Vec<u8>,
    /// The member had more bytes than the cap; `data` holds the first `cap`.
    pub(crate) over_cap: bool,
    /// The reader failed; `data` holds what came before.
    pub(crate) error: Option<std::io::Error>,
}

/// Read at most `cap` bytes of `r` (plus one to know whether there was more), keeping what was
/// read when the reader fails. Never allocates past `cap + 1` whatever the member claims.
pub(crate) fn read_limited<R: std::io::Read>(r: R, cap: u64, size_hint: u64) -> MemberRead {
    use std::io::Read;
    let mut data = Vec::with_capacity(size_hint.min(cap).min(1 << 20) as usize);
    let res = r.take(cap.saturating_add(1)).read_to_end(&mut data);
    let over_cap = data.len() as u64 > cap;
    if over_cap {
        data.truncate(cap as usize);
    }
    if data.capacity() - data.len() > 1 << 20 {
        // `read_to_end` doubles its buffer: give back the slack of large members.
        data.shrink_to_fit();
    }
    MemberRead {
        data,
        over_cap,
        error: res.err(),
    }
}

impl Sink<'_, '_> {
    /// Full display name of a member.
    pub(crate) fn full(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// Record an anomaly about member `name` (relative to this archive).
    pub(crate) fn anomaly(&mut self, kind: AnomalyKind, name: &str, detail: impl Into<String>) {
        let p = self.full(name);
        self.out.anomaly(kind, &p, detail);
    }

    /// The archive-level path for anomalies about the archive itself (`""` at the top).
    pub(crate) fn archive_path(&self) -> String {
        self.prefix.trim_end_matches("!/").to_string()
    }

    /// Cap for the next member: the member limit or what the total budget has left.
    pub(crate) fn cap(&self) -> u64 {
        self.ctx.limits().max_member_bytes.min(self.ctx.remaining())
    }

    /// Hand over a member read with [`read_limited`] against [`Sink::cap`]. Applies the member and
    /// total limits, opens nested archives, and says whether the reader should go on.
    pub(crate) fn member(&mut self, name: &str, read: MemberRead) -> Flow {
        let MemberRead { data, over_cap, .. } = read;
        let mut flow = Flow::Continue;
        let mut complete = true;
        if over_cap {
            complete = false;
            let l = *self.ctx.limits();
            if self.ctx.remaining() < l.max_member_bytes {
                self.ctx.stopped = true;
                flow = Flow::Stop;
                self.anomaly(
                    AnomalyKind::TotalTooLarge,
                    name,
                    format!(
                        "package exceeds {} bytes in total; kept {} bytes of this member, read nothing more",
                        l.max_total_bytes,
                        data.len()
                    ),
                );
            } else {
                self.anomaly(
                    AnomalyKind::MemberTooLarge,
                    name,
                    format!("member exceeds {} bytes; truncated", l.max_member_bytes),
                );
            }
        }
        self.push(name, data, complete);
        flow
    }

    /// Store a file, or open it when it is a complete nested archive.
    pub(crate) fn push(&mut self, name: &str, data: Vec<u8>, complete: bool) {
        let full = self.full(name);
        if complete && !data.is_empty() && detect(&data).is_some() {
            if self.depth >= self.ctx.limits().max_depth {
                self.out.anomaly(
                    AnomalyKind::DepthExceeded,
                    &full,
                    format!(
                        "nested archive deeper than {} level(s); kept unopened",
                        self.ctx.limits().max_depth
                    ),
                );
            } else {
                let (total, members) = (self.ctx.total, self.ctx.members);
                let mut inner = Out::default();
                let prefix = format!("{full}!/");
                let single = single_name_for(name);
                match open_into(
                    &data,
                    self.ctx,
                    &mut inner,
                    self.depth + 1,
                    &prefix,
                    &single,
                ) {
                    Ok(_) => {
                        self.out.files.append(&mut inner.files);
                        self.out.anomalies.append(&mut inner.anomalies);
                        return;
                    }
                    Err(e) => {
                        self.ctx.total = total;
                        self.ctx.members = members;
                        self.out
                            .anomaly(AnomalyKind::NestedArchiveError, &full, e.to_string());
                    }
                }
            }
        }
        self.ctx.total += data.len() as u64;
        self.out.files.push(PackageFile { path: full, data });
    }
}

/// Name for the content of a nested single compressed file: `x/data.json.gz` -> `data.json`.
fn single_name_for(member: &str) -> String {
    let base = member.rsplit('/').next().unwrap_or(member);
    for ext in [".gz", ".tgz", ".bz2", ".xz", ".GZ"] {
        if let Some(stem) = base.strip_suffix(ext)
            && !stem.is_empty()
        {
            return stem.to_string();
        }
    }
    "data".to_string()
}

/// Outcome of cleaning a member name from an archive.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CleanName {
    /// A safe relative `/`-separated path.
    Ok(String),
    /// Nothing left (`./`, empty): a directory marker, skip silently.
    Empty,
    /// Absolute path (`/x`, `C:\x`, `\\host\x`); the normalised name.
    Absolute(String),
    /// A `..` component; the normalised name.
    Traversal(String),
}

/// Normalise a raw member name: backslashes to `/`, drop `.` and empty components, reject
/// absolute paths and `..`.
pub(crate) fn clean_name(raw: &[u8]) -> CleanName {
    let s = String::from_utf8_lossy(raw).replace('\\', "/");
    let b = s.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if s.starts_with('/') || drive {
        return CleanName::Absolute(s);
    }
    let mut parts = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => return CleanName::Traversal(s),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        CleanName::Empty
    } else {
        CleanName::Ok(parts.join("/"))
    }
}

/// Check a raw name and report it when unsafe. Returns the clean name of a safe member.
pub(crate) fn checked_name(sink: &mut Sink<'_, '_>, raw: &[u8]) -> Option<String> {
    match clean_name(raw) {
        CleanName::Ok(n) => Some(n),
        CleanName::Empty => None,
        CleanName::Absolute(n) => {
            sink.anomaly(
                AnomalyKind::AbsolutePath,
                &n,
                "absolute member path; not returned",
            );
            None
        }
        CleanName::Traversal(n) => {
            sink.anomaly(
                AnomalyKind::PathTraversal,
                &n,
                "member path escapes the archive with `..`; not returned",
            );
            None
        }
    }
}

/// Describe where a link named `name` (archive-relative) pointing at `target` lands: inside the
/// archive, or outside it (absolute, or escaping with `..`). For symlinks the target is relative
/// to the link's folder; for hard links it is relative to the archive root.
pub(crate) fn link_scope(name: &str, target: &str, relative_to_dir: bool) -> &'static str {
    let t = target.replace('\\', "/");
    let b = t.as_bytes();
    if t.starts_with('/') || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':') {
        return "points outside the archive";
    }
    let mut depth: i64 = if relative_to_dir {
        name.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .count() as i64
            - 1
    } else {
        0
    };
    for c in t.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return "points outside the archive";
                }
            }
            _ => depth += 1,
        }
    }
    "stays inside the archive"
}

/// Whether a path looks like an archive by magic bytes (reads at most 4 KiB).
pub(crate) fn file_is_archive(path: &Path) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    detect(&head).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_names() {
        assert_eq!(clean_name(b"a/./b//c"), CleanName::Ok("a/b/c".into()));
        assert_eq!(clean_name(b"a\\b.py"), CleanName::Ok("a/b.py".into()));
        assert_eq!(clean_name(b"./"), CleanName::Empty);
        assert!(matches!(clean_name(b"/etc/passwd"), CleanName::Absolute(_)));
        assert!(matches!(clean_name(b"C:\\x\\y"), CleanName::Absolute(_)));
        assert!(matches!(clean_name(b"\\\\host\\x"), CleanName::Absolute(_)));
        assert!(matches!(clean_name(b"a/../../x"), CleanName::Traversal(_)));
        assert!(matches!(clean_name(b"..\\x"), CleanName::Traversal(_)));
        assert_eq!(clean_name(b"a..b/c"), CleanName::Ok("a..b/c".into()));
    }

    #[test]
    fn link_scopes() {
        assert_eq!(
            link_scope("p/docs/a.md", "../README.md", true),
            "stays inside the archive"
        );
        assert_eq!(
            link_scope("p/a", "../../etc/passwd", true),
            "points outside the archive"
        );
        assert_eq!(
            link_scope("p/a", "/etc/passwd", true),
            "points outside the archive"
        );
        assert_eq!(link_scope("p/a", "p/b", false), "stays inside the archive");
        assert_eq!(
            link_scope("p/a", "../x", false),
            "points outside the archive"
        );
    }

    #[test]
    fn single_names() {
        assert_eq!(single_name_for("x/data.json.gz"), "data.json");
        assert_eq!(single_name_for(".gz"), "data");
        assert_eq!(single_name_for("blob"), "data");
    }
}

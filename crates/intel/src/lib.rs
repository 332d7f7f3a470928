//! Parsers of malicious-package intelligence sources.
//!
//! This crate owns turning one source argument of `malgraph collect` (an OSV tree or zip,
//! a sample dataset folder, a name list, security report pages) into a [`Batch`]: the
//! advisories, samples, name entries and reports it holds, plus per-file errors. The
//! [`model`] types are the contract with `malgraph-store`.
//!
//! It must not write to the store, open or scan samples (it only hashes their bytes),
//! execute anything, or extract archives to disk: zips of OSV JSON are read in memory.
//!
//! # Source kinds and detection ([`detect_kind`])
//!
//! | kind | what | detected by |
//! |---|---|---|
//! | `osv` | ossf/malicious-packages tree, zip of OSV JSON, one OSV file | an `osv/`, `malicious/` or `withdrawn/` folder; a zip with `.json` members; JSON with `id` + `affected` |
//! | `datadog` | `samples/<eco>/{malicious_intent,compromised_lib}/<name>/<version>/<date>-<name>-v<version>.zip` | a `samples/` folder or a label folder |
//! | `malregistry` | `[<eco>/]<name>/<version>/<archive>` (pypi_malregistry) | archives two folders below the root (or three under an ecosystem folder) |
//! | `archives` | a plain folder (or one file) of archives | archives directly in the folder |
//! | `names` | name lists (`.txt`, `.csv`, `.tsv`, `.json`, `.jsonl`) | list files |
//! | `report` | HTML / Markdown pages, files, folders or http(s) URLs | `.html`, `.htm`, `.md` files; URLs |
//!
//! Name lists take a row's ecosystem from its `ecosystem` column, else a `# ecosystem: NAME`
//! line, else a word of the file name (`pypi-…`, `npmjs-…`), else of its folder; rows whose
//! ecosystem stays unknown are reported as a [`SourceError`], never guessed (see `names.rs`).
//! Report pages take packages only from contexts that mark them as packages (see `report.rs`).
//!
//! # Provenance names (`Batch::source`)
//!
//! `--source NAME` wins. Otherwise: DataDog -> `datadog`; malregistry -> `pypi_malregistry`;
//! a URL -> its host; a zip or folder -> its stem (`ossf-malicious-packages`,
//! `leitwacht-malicious-packages`, `maloss`), where a generic folder name (`osv`, `samples`,
//! `data`, `intel`, an ecosystem name...) is prefixed by its parent's (`corpus-malicious`);
//! one file -> its folder's name when the file stem is generic (`packages.json` ->
//! `backstabbers-knife-collection`), `<folder>-<first word of stem>` when the stem starts
//! with a word that is not the folder's (`maloss/pypi-mal-pkgs.txt` -> `maloss-pypi`), else
//! the stem.

pub mod model;
mod names;
mod osv;
mod report;
mod samples;
mod util;

pub use model::{
    Advisory, Batch, NameEntry, Origin, ParseKindError, Report, Sample, SourceError, SourceKind,
    VersionRange, Versions,
};
pub use osv::parse_osv_bytes;
pub use report::{parse_report_html, parse_report_markdown};
pub use samples::DATADOG_ZIP_PASSWORD;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Errors that make a whole source unusable.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The layout of the argument was not recognised.
    #[error("{}: unknown source layout: {hint}", path.display())]
    UnknownLayout { path: PathBuf, hint: String },
    /// The argument could not be read at all.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A URL could not be fetched.
    #[error("{url}: {reason}")]
    Fetch { url: String, reason: String },
    /// The argument names a file the given kind cannot read.
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

/// True for `http://` and `https://` arguments.
pub fn is_url(s: &str) -> bool {
    let l = s.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Folder names that say nothing about the source on their own.
const GENERIC_DIRS: [&str; 12] = [
    "osv",
    "samples",
    "data",
    "intel",
    "malicious",
    "withdrawn",
    "dataset",
    "datasets",
    "lists",
    "reports",
    "src",
    "corpus",
];
/// File stems that say nothing about the source on their own.
const GENERIC_STEMS: [&str; 8] = [
    "packages",
    "manifest",
    "index",
    "list",
    "names",
    "data",
    "malicious",
    "all",
];

/// Detect what kind of source `path` is (see the crate docs for the rules).
pub fn detect_kind(path: &Path) -> Result<SourceKind, IntelError> {
    let meta = std::fs::metadata(path).map_err(|source| IntelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let unknown = |hint: String| IntelError::UnknownLayout {
        path: path.to_path_buf(),
        hint,
    };
    if meta.is_file() {
        return detect_file(path).ok_or_else(|| {
            unknown("expected a .zip of OSV JSON, an OSV .json, a name list (.txt .csv .tsv .json .jsonl), a report (.html .md) or a package archive".into())
        });
    }
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let own = name_of(path);
    let child_dirs: Vec<String> = std::fs::read_dir(path)
        .map_err(|source| IntelError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().to_ascii_lowercase())
        .collect();
    let has = |n: &str| child_dirs.iter().any(|c| c == n);
    // OSV tree markers.
    if own == "osv" || has("osv") || ((has("malicious") || has("withdrawn")) && !has("samples")) {
        return Ok(SourceKind::Osv);
    }
    // DataDog markers: samples/, a label folder, or an ecosystem folder holding a label folder.
    if samples::DATADOG_LABELS.contains(&own.as_str())
        || samples::DATADOG_LABELS.iter().any(|l| has(l))
        || (own == "samples" || has("samples")) && datadog_below(path)
    {
        return Ok(SourceKind::DataDog);
    }
    // Otherwise look at files up to 4 levels down (bounded).
    let mut depth_of_archives = [0usize; 6];
    let (mut osvjson, mut json, mut lists, mut pages) = (0usize, 0usize, 0usize, 0usize);
    let mut seen = 0usize;
    for e in walkdir::WalkDir::new(path)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !e.file_type().is_file() {
            continue;
        }
        seen += 1;
        if seen > 5000 {
            break;
        }
        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
        if samples::is_doc_file(&n) || n == "manifest.csv" {
            continue;
        }
        if samples::is_archive_name(&n) {
            depth_of_archives[e.depth().min(5)] += 1;
        } else if n.ends_with(".json") {
            if ["mal-", "ghsa-", "lwa-", "pysec-", "rustsec-", "osv-"]
                .iter()
                .any(|p| n.starts_with(p))
            {
                osvjson += 1;
            } else {
                json += 1;
            }
        } else if n.ends_with(".html")
            || n.ends_with(".htm")
            || n.ends_with(".md")
            || n.ends_with(".markdown")
        {
            pages += 1;
        } else if names::LIST_EXTS
            .iter()
            .any(|x| n.ends_with(&format!(".{x}")))
        {
            lists += 1;
        }
    }
    let archives: usize = depth_of_archives.iter().sum();
    if osvjson > 0 && osvjson >= json {
        return Ok(SourceKind::Osv);
    }
    if archives > 0 {
        let best = (1..6).max_by_key(|&d| depth_of_archives[d]).unwrap_or(1);
        let eco_child = child_dirs
            .iter()
            .any(|c| samples::known_ecosystem(c).is_some());
        return Ok(match best {
            3 => SourceKind::MalRegistry,
            4 if eco_child => SourceKind::MalRegistry,
            _ => SourceKind::ArchiveFolder,
        });
    }
    if pages > 0 && pages >= lists + json {
        return Ok(SourceKind::Report);
    }
    if lists + json > 0 {
        return Ok(SourceKind::NameList);
    }
    Err(unknown(format!(
        "no OSV reports, sample archives, name lists or report pages found in {seen} files (use --kind to force one)"
    )))
}

/// Any label folder two levels below (`samples/<eco>/<label>`) or one level below.
fn datadog_below(path: &Path) -> bool {
    walkdir::WalkDir::new(path)
        .min_depth(1)
        .max_depth(3)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_type().is_dir()
                && samples::DATADOG_LABELS.contains(&e.file_name().to_string_lossy().as_ref())
        })
}

fn detect_file(path: &Path) -> Option<SourceKind> {
    let n = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if n.ends_with(".zip") {
        // A zip of JSON members is OSV; another zip is an archive (a sample).
        let f = std::fs::File::open(path).ok()?;
        let zip = zip::ZipArchive::new(std::io::BufReader::new(f)).ok();
        let json = zip.as_ref().is_some_and(|z| {
            z.file_names()
                .filter_map(Result::ok)
                .filter(|m| m.to_ascii_lowercase().ends_with(".json"))
                .take(1)
                .count()
                > 0
        });
        return Some(if json {
            SourceKind::Osv
        } else {
            SourceKind::ArchiveFolder
        });
    }
    if n.ends_with(".json") {
        let bytes = util::read_capped(path, 64 * 1024 * 1024).ok()?;
        return Some(if osv::looks_like_osv(&bytes) {
            SourceKind::Osv
        } else {
            SourceKind::NameList
        });
    }
    if n.ends_with(".html") || n.ends_with(".htm") || n.ends_with(".md") || n.ends_with(".markdown")
    {
        return Some(SourceKind::Report);
    }
    if names::LIST_EXTS
        .iter()
        .any(|x| n.ends_with(&format!(".{x}")))
    {
        return Some(SourceKind::NameList);
    }
    if samples::is_archive_name(&n) {
        return Some(SourceKind::ArchiveFolder);
    }
    None
}

/// The provenance name derived from the argument (see the crate docs).
pub fn derive_source_name(path_or_url: &str, kind: SourceKind) -> String {
    match kind {
        SourceKind::DataDog => return "datadog".into(),
        SourceKind::MalRegistry => return "pypi_malregistry".into(),
        _ => {}
    }
    if is_url(path_or_url) {
        return malgraph_ioc::url_host(path_or_url).unwrap_or_else(|| "web".into());
    }
    let p = PathBuf::from(path_or_url);
    let p = std::fs::canonicalize(&p).unwrap_or(p);
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent = p.parent().and_then(name).unwrap_or_default();
    let generic_dir = |d: &str| {
        let l = d.to_ascii_lowercase();
        GENERIC_DIRS.contains(&l.as_str()) || samples::known_ecosystem(&l).is_some()
    };
    if p.is_dir() {
        let own = name(&p).unwrap_or_else(|| "local".into());
        if generic_dir(&own) && !parent.is_empty() {
            return format!("{parent}-{own}");
        }
        return own;
    }
    let file = name(&p).unwrap_or_else(|| "local".into());
    let stem = strip_exts(&file);
    if stem.eq_ignore_ascii_case(&parent) || parent.is_empty() {
        return stem;
    }
    if kind == SourceKind::Osv && file.to_ascii_lowercase().ends_with(".zip") {
        return stem;
    }
    if GENERIC_STEMS.contains(&stem.to_ascii_lowercase().as_str()) {
        return parent;
    }
    if kind == SourceKind::NameList && !generic_dir(&parent) {
        let first = stem
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or(&stem)
            .to_ascii_lowercase();
        let first = match names::ecosystem_in_name(&first) {
            Some(e) => e.slug(),
            None => first,
        };
        if !first.is_empty() && !parent.to_ascii_lowercase().contains(&first) {
            return format!("{parent}-{first}");
        }
    }
    stem
}

fn strip_exts(file: &str) -> String {
    let l = file.to_ascii_lowercase();
    for ext in [".tar.gz", ".tar.bz2", ".tar.xz"] {
        if l.ends_with(ext) {
            return file[..file.len() - ext.len()].to_string();
        }
    }
    match file.rfind('.') {
        Some(i) if i > 0 => file[..i].to_string(),
        _ => file.to_string(),
    }
}

/// Parse one source argument (a path or an http(s) URL) into a [`Batch`].
///
/// `kind` overrides detection; `source_name` overrides the derived provenance name;
/// `progress(done, total)` is called as files are parsed. Returns `Err` only when the
/// whole source is unusable; per-file problems go to [`Batch::errors`].
pub fn parse_source(
    path_or_url: &str,
    kind: Option<SourceKind>,
    source_name: Option<&str>,
    progress: &dyn Fn(u64, u64),
) -> Result<Batch, IntelError> {
    if is_url(path_or_url) {
        if kind.is_some_and(|k| k != SourceKind::Report) {
            return Err(IntelError::Invalid {
                path: PathBuf::from(path_or_url),
                reason: "only report pages can be fetched from a URL".into(),
            });
        }
        let source = source_name
            .map(str::to_string)
            .unwrap_or_else(|| derive_source_name(path_or_url, SourceKind::Report));
        let mut batch = Batch::new(source, SourceKind::Report, path_or_url);
        progress(0, 1);
        let r = report::fetch_report(path_or_url)?;
        batch.reports.push(r);
        progress(1, 1);
        return Ok(batch);
    }
    let path = Path::new(path_or_url);
    if !path.exists() {
        return Err(IntelError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        });
    }
    let kind = match kind {
        Some(k) => k,
        None => detect_kind(path)?,
    };
    let source = source_name
        .map(str::to_string)
        .unwrap_or_else(|| derive_source_name(path_or_url, kind));
    let mut batch = Batch::new(source, kind, path_or_url);
    match kind {
        SourceKind::Osv => {
            let is_zip = path.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            let out = if is_zip {
                let bytes = std::fs::read(path).map_err(|source| IntelError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                osv::parse_zip(&bytes, path_or_url, progress).map_err(|reason| {
                    IntelError::Invalid {
                        path: path.to_path_buf(),
                        reason,
                    }
                })?
            } else {
                osv::parse_tree(path, progress)
            };
            batch.advisories = out.advisories;
            batch.errors = out.errors;
        }
        SourceKind::DataDog | SourceKind::MalRegistry | SourceKind::ArchiveFolder => {
            let out = match kind {
                SourceKind::DataDog => samples::parse_datadog(path, progress),
                SourceKind::MalRegistry => samples::parse_malregistry(path, progress),
                _ => samples::parse_archive_folder(path, progress),
            };
            batch.samples = out.samples;
            batch.names = out.names;
            batch.errors = out.errors;
        }
        SourceKind::NameList => {
            let out = names::parse_names(path, progress);
            batch.names = out.names;
            batch.errors = out.errors;
        }
        SourceKind::Report => {
            let out = report::parse_report_files(path, progress);
            batch.reports = out.0;
            batch.errors = out.1;
        }
    }
    dedupe_names(&mut batch.names);
    Ok(batch)
}

/// Drop exact duplicate name entries, keeping the first.
fn dedupe_names(names: &mut Vec<NameEntry>) {
    let mut seen = HashSet::new();
    names.retain(|n| seen.insert((n.package.clone(), n.date.clone(), n.source.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_and_stems() {
        let name = |u: &str| derive_source_name(u, SourceKind::Report);
        assert_eq!(
            name("https://User@Blog.Example.com:443/a?b"),
            "blog.example.com"
        );
        assert_eq!(name(" http://[2001:db8::1]:8080/x "), "2001:db8::1");
        assert_eq!(name("https://Example.com./a"), "example.com");
        assert_eq!(name("https:///nohost"), "web");
        assert_eq!(strip_exts("x-1.0.tar.gz"), "x-1.0");
        assert_eq!(strip_exts("packages.json"), "packages");
        assert!(is_url("HTTPS://x"));
        assert!(!is_url("/tmp/x"));
    }
}

//! Name lists: files that list malicious package names (and maybe versions).
//!
//! Shapes read:
//! - JSON object keyed by ecosystem, `{"pypi": ["a", "b"], "npm": [...]}` (Backstabber's Knife
//!   Collection `packages.json`);
//! - JSON object keyed by name, `{"name": null | ["1.0", ...]}` (DataDog `manifest.json`);
//! - JSON array of names or of objects, JSON Lines of objects or strings, CSV/TSV with a header.
//!   Columns (any order, case-insensitive): `name` (or `package`, `package name`,
//!   `package_name`), `version`, `ecosystem` (or `eco`, `registry`), `date`, `source`;
//! - text, one name per line (MalOSS): `#` comments, a `package name` header, CSV-like
//!   `name,stats` lines, `name==1.0` / `name@1.0`, Maven `group:artifact[:version]`, Maven
//!   repository paths `/user/repo/group/.../artifact/version/file`, and `eco/name/...` prefixes
//!   (`pip/acqusition/40662/README.md:...`).
//!
//! Ecosystem of a row without one: a `# ecosystem: NAME` line in a text file, else a token of
//! the file name (`pypi-mal-pkgs.txt`, `npmjs-...`, `rubygems-...`, `jcenter-...`), else a token
//! of the folder name. When none is known the rows are reported as a [`SourceError`] (never
//! guessed). The date of a row: its `date` column, else a `mon` + year token in the file name
//! (`npmjs-mal-pkgs.aug2019.txt` -> `2019-08`).

use crate::model::{NameEntry, SourceError};
use crate::samples::is_doc_file;
use crate::util;
use malgraph_core::{Ecosystem, PackageId};
use serde_json::Value;
use std::path::Path;

/// Largest name list read.
const LIST_CAP: u64 = 512 * 1024 * 1024;

/// Extensions read as name lists.
pub(crate) const LIST_EXTS: [&str; 6] = ["txt", "csv", "tsv", "json", "jsonl", "ndjson"];

/// Output of name-list parsing.
#[derive(Default)]
pub(crate) struct NamesOut {
    pub names: Vec<NameEntry>,
    pub errors: Vec<SourceError>,
}

/// Parse one list file, or every list file under a folder.
pub(crate) fn parse_names(root: &Path, progress: &dyn Fn(u64, u64)) -> NamesOut {
    let mut out = NamesOut::default();
    let from_folder = root.is_dir();
    let files = if from_folder {
        let (files, errs) = util::walk_files(root, |p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !is_doc_file(&n)
                && p.extension()
                    .is_some_and(|e| LIST_EXTS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        });
        out.errors.extend(errs);
        files
    } else {
        vec![root.to_path_buf()]
    };
    let total = files.len() as u64;
    progress(0, total);
    for (i, path) in files.iter().enumerate() {
        let loc = path.to_string_lossy().into_owned();
        match util::read_capped(path, LIST_CAP) {
            Ok(bytes) => {
                let ctx = FileCtx::new(path, from_folder);
                match parse_list_bytes(&bytes, &ctx) {
                    Ok((entries, problems)) => {
                        out.names.extend(entries);
                        if let Some(p) = problems.summary() {
                            out.errors.push(SourceError::new(&loc, p));
                        }
                    }
                    Err(r) => out.errors.push(SourceError::new(&loc, r)),
                }
            }
            Err(r) => out.errors.push(SourceError::new(&loc, r)),
        }
        progress(i as u64 + 1, total);
    }
    out
}

/// What the file name and folder tell about its rows.
pub(crate) struct FileCtx {
    /// Lower-case extension.
    ext: String,
    eco: Option<Ecosystem>,
    date: Option<String>,
    /// Per-row source when the file is one of many in a folder (its stem).
    source: Option<String>,
}

impl FileCtx {
    fn new(path: &Path, from_folder: bool) -> FileCtx {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = file
            .strip_suffix(&format!(".{ext}"))
            .unwrap_or(&file)
            .to_string();
        FileCtx {
            ext,
            eco: ecosystem_in_name(&stem).or_else(|| ecosystem_in_name(&parent)),
            date: month_in_name(&stem),
            source: from_folder.then_some(stem),
        }
    }
}

/// Ecosystem named by a token of a file or folder name.
pub(crate) fn ecosystem_in_name(name: &str) -> Option<Ecosystem> {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|t| match t {
            "pypi" | "pip" | "python" => Some(Ecosystem::PyPI),
            "npm" | "npmjs" | "node" => Some(Ecosystem::Npm),
            "rubygems" | "gem" | "gems" | "ruby" => Some(Ecosystem::RubyGems),
            "maven" | "jcenter" => Some(Ecosystem::Maven),
            "nuget" => Some(Ecosystem::NuGet),
            "crates" | "cargo" => Some(Ecosystem::CratesIo),
            "packagist" | "composer" => Some(Ecosystem::Packagist),
            "golang" => Some(Ecosystem::Go),
            _ => None,
        })
}

/// `aug2019` / `july2019` token -> `2019-08`.
fn month_in_name(name: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|t| {
            let split = t.find(|c: char| c.is_ascii_digit())?;
            let (m, y) = t.split_at(split);
            if y.len() != 4 || !y.chars().all(|c| c.is_ascii_digit()) || m.len() < 3 {
                return None;
            }
            let idx = MONTHS.iter().position(|mm| m.starts_with(mm))?;
            Some(format!("{y}-{:02}", idx + 1))
        })
}

/// Rows that could not become entries, summarised into one error per file.
#[derive(Default)]
pub(crate) struct Problems {
    no_ecosystem: usize,
    bad: usize,
    first_bad: Option<String>,
}

impl Problems {
    fn bad(&mut self, line: &str) {
        self.bad += 1;
        if self.first_bad.is_none() {
            self.first_bad = Some(line.chars().take(80).collect());
        }
    }

    fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.no_ecosystem > 0 {
            parts.push(format!(
                "{} names without a known ecosystem (add an ecosystem column, a `# ecosystem: NAME` line, or name the file after the ecosystem)",
                self.no_ecosystem
            ));
        }
        if self.bad > 0 {
            parts.push(format!(
                "{} rows are not package names (first: {:?})",
                self.bad,
                self.first_bad.as_deref().unwrap_or("")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A row before validation.
#[derive(Default)]
struct Row {
    name: String,
    version: Option<String>,
    eco: Option<Ecosystem>,
    date: Option<String>,
    source: Option<String>,
}

struct Sink<'a> {
    ctx: &'a FileCtx,
    eco: Option<Ecosystem>,
    entries: Vec<NameEntry>,
    problems: Problems,
}

impl Sink<'_> {
    fn push(&mut self, row: Row) {
        let name = row.name.trim();
        if !plausible_name(name) {
            self.problems.bad(name);
            return;
        }
        let Some(eco) = row.eco.or_else(|| self.eco.clone()) else {
            self.problems.no_ecosystem += 1;
            return;
        };
        let version = row
            .version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty() && plausible_version(v));
        self.entries.push(NameEntry {
            package: PackageId::new(eco, name, version),
            date: row
                .date
                .filter(|d| !d.trim().is_empty())
                .or_else(|| self.ctx.date.clone()),
            source: row
                .source
                .filter(|s| !s.trim().is_empty())
                .or_else(|| self.ctx.source.clone()),
        });
    }
}

/// Could this be a package name in some ecosystem? (No spaces, no quotes, bounded length.)
pub(crate) fn plausible_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 214
        && s.chars().any(|c| c.is_alphanumeric())
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_.@/:~+".contains(c))
        && !s.starts_with(['-', '.', '/', ':'])
}

fn plausible_version(s: &str) -> bool {
    s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+~!".contains(c))
}

/// Parse the bytes of one list file.
pub(crate) fn parse_list_bytes(
    bytes: &[u8],
    ctx: &FileCtx,
) -> Result<(Vec<NameEntry>, Problems), String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut sink = Sink {
        ctx,
        eco: ctx.eco.clone(),
        entries: Vec::new(),
        problems: Problems::default(),
    };
    match ctx.ext.as_str() {
        "json" => {
            let v: Value =
                serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
            json_value(&v, &mut sink)?;
        }
        "jsonl" | "ndjson" => {
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line)
                    .map_err(|e| format!("line {}: malformed JSON: {e}", i + 1))?;
                json_row(&v, &mut sink);
            }
        }
        "csv" | "tsv" => csv_rows(text, if ctx.ext == "tsv" { b'\t' } else { b',' }, &mut sink)?,
        _ => text_lines(text, &mut sink),
    }
    Ok((sink.entries, sink.problems))
}

fn json_value(v: &Value, sink: &mut Sink) -> Result<(), String> {
    match v {
        Value::Array(items) => {
            for it in items {
                json_row(it, sink);
            }
            Ok(())
        }
        Value::Object(map) => {
            if let Some(p) = map
                .get("packages")
                .filter(|p| p.is_array() || p.is_object())
            {
                return json_value(p, sink);
            }
            let eco_keys = map
                .keys()
                .filter(|k| ecosystem_in_name(k).is_some() || k.as_str() == "vsx")
                .count();
            let all_lists = map
                .values()
                .all(|v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
            if all_lists && eco_keys * 2 >= map.len() && !map.is_empty() {
                for (k, names) in map {
                    let eco = ecosystem_in_name(k).unwrap_or_else(|| Ecosystem::parse(k));
                    for n in names
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        sink.push(Row {
                            name: n.to_string(),
                            eco: Some(eco.clone()),
                            ..Row::default()
                        });
                    }
                }
                return Ok(());
            }
            if map.values().all(|v| {
                v.is_null() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }) {
                version_map(map, sink);
                return Ok(());
            }
            Err("JSON object is neither {ecosystem: [names]} nor {name: null | [versions]}".into())
        }
        _ => Err("JSON name list must be an array or an object".into()),
    }
}

fn version_map(map: &serde_json::Map<String, Value>, sink: &mut Sink) {
    for (name, versions) in map {
        match versions.as_array() {
            Some(vs) if !vs.is_empty() => {
                for v in vs.iter().filter_map(Value::as_str) {
                    sink.push(Row {
                        name: name.clone(),
                        version: Some(v.to_string()),
                        ..Row::default()
                    });
                }
            }
            _ => sink.push(Row {
                name: name.clone(),
                ..Row::default()
            }),
        }
    }
}

/// Parse a DataDog-style `{name: null | [versions]}` manifest for `eco`.
pub(crate) fn parse_version_map(bytes: &[u8], eco: &Ecosystem) -> Result<Vec<NameEntry>, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed manifest JSON: {e}"))?;
    let Value::Object(map) = v else {
        return Err("manifest.json is not an object {name: null | [versions]}".into());
    };
    let ctx = FileCtx {
        ext: "json".into(),
        eco: Some(eco.clone()),
        date: None,
        source: None,
    };
    let mut sink = Sink {
        ctx: &ctx,
        eco: Some(eco.clone()),
        entries: Vec::new(),
        problems: Problems::default(),
    };
    version_map(&map, &mut sink);
    Ok(sink.entries)
}

fn field(map: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        map.iter()
            .find(|(mk, _)| mk.eq_ignore_ascii_case(k))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    })
}

const NAME_KEYS: [&str; 5] = ["name", "package", "package_name", "package name", "pkg"];
const VERSION_KEYS: [&str; 2] = ["version", "package_version"];
const ECO_KEYS: [&str; 4] = ["ecosystem", "eco", "registry", "type"];
const DATE_KEYS: [&str; 4] = ["date", "published", "reported", "first_seen"];
const SOURCE_KEYS: [&str; 2] = ["source", "reporter"];

fn json_row(v: &Value, sink: &mut Sink) {
    match v {
        Value::String(s) => text_line(s, sink),
        Value::Object(map) => {
            let Some(name) = field(map, &NAME_KEYS) else {
                sink.problems.bad(&v.to_string());
                return;
            };
            sink.push(Row {
                name,
                version: field(map, &VERSION_KEYS),
                eco: field(map, &ECO_KEYS).map(|e| Ecosystem::parse(&e)),
                date: field(map, &DATE_KEYS),
                source: field(map, &SOURCE_KEYS),
            });
        }
        other => sink.problems.bad(&other.to_string()),
    }
}

fn csv_rows(text: &str, delim: u8, sink: &mut Sink) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cols: Option<[Option<usize>; 5]> = None;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("malformed CSV: {e}"))?;
        if i == 0 {
            let find = |keys: &[&str]| {
                rec.iter()
                    .position(|c| keys.iter().any(|k| c.trim().eq_ignore_ascii_case(k)))
            };
            let name = find(&NAME_KEYS);
            if name.is_some() {
                cols = Some([
                    name,
                    find(&VERSION_KEYS),
                    find(&ECO_KEYS),
                    find(&DATE_KEYS),
                    find(&SOURCE_KEYS),
                ]);
                continue;
            }
            cols = Some([Some(0), Some(1).filter(|_| rec.len() > 1), None, None, None]);
        }
        let [n, v, e, d, s] = cols.unwrap_or([Some(0), None, None, None, None]);
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(|s| s.trim().to_string());
        let Some(name) = get(n) else { continue };
        if name.is_empty() {
            continue;
        }
        sink.push(Row {
            name,
            version: get(v),
            eco: get(e)
                .filter(|e| !e.is_empty())
                .map(|e| Ecosystem::parse(&e)),
            date: get(d),
            source: get(s),
        });
    }
    Ok(())
}

fn text_lines(text: &str, sink: &mut Sink) {
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(c) = l.strip_prefix('#') {
            let c = c.trim();
            if let Some(e) = c
                .strip_prefix("ecosystem:")
                .or_else(|| c.strip_prefix("ecosystem ="))
            {
                sink.eco = Some(Ecosystem::parse(e.trim()));
            }
            continue;
        }
        let low = l.to_ascii_lowercase();
        if matches!(
            low.as_str(),
            "package name" | "name" | "package" | "package_name"
        ) || low.starts_with("package name,")
            || low.starts_with("name,")
        {
            continue;
        }
        text_line(l, sink);
    }
}

/// One line of a text list.
fn text_line(l: &str, sink: &mut Sink) {
    // `name,stats` (MalOSS with_stats): the name is the first field.
    let l = l.split(',').next().unwrap_or(l).trim();
    // Maven repository path: /user/repo/group.../artifact/version/file
    if l.starts_with('/') {
        let segs: Vec<&str> = l.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() >= 6 {
            let n = segs.len();
            let group = segs[2..n - 3].join(".");
            sink.push(Row {
                name: format!("{group}:{}", segs[n - 3]),
                version: Some(segs[n - 2].to_string()),
                eco: Some(Ecosystem::Maven),
                ..Row::default()
            });
        } else {
            sink.problems.bad(l);
        }
        return;
    }
    // `eco/name/...` (MalOSS snyk list): ecosystem prefix, npm scope kept.
    if let Some((first, rest)) = l.split_once('/')
        && let Some(eco) = ecosystem_in_name(first).filter(|_| !first.starts_with('@'))
    {
        let mut parts = rest.split('/');
        let mut name = parts.next().unwrap_or("").to_string();
        if name.starts_with('@')
            && let Some(second) = parts.next()
        {
            name = format!("{name}/{second}");
        }
        sink.push(Row {
            name,
            eco: Some(eco),
            ..Row::default()
        });
        return;
    }
    // Maven coordinates group:artifact[:version].
    let maven = matches!(sink.eco, Some(Ecosystem::Maven));
    if maven || l.matches(':').count() >= 1 && !l.contains("://") {
        let parts: Vec<&str> = l.split(':').collect();
        if parts.len() >= 2 && parts.iter().all(|p| !p.is_empty()) {
            sink.push(Row {
                name: format!("{}:{}", parts[0], parts[1]),
                version: parts.get(2).map(|v| v.to_string()),
                eco: Some(Ecosystem::Maven),
                ..Row::default()
            });
            return;
        }
    }
    // name==1.0, name@1.0 (npm scope kept), or `name 1.0`.
    let (name, version) = if let Some((n, v)) = l.split_once("==") {
        (n.trim(), Some(v.trim()))
    } else if let Some(i) = l
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '@')
        .map(|(i, _)| i)
    {
        (&l[..i], Some(&l[i + 1..]))
    } else if let Some((n, v)) = l.split_once(char::is_whitespace) {
        let v = v.trim();
        if v.starts_with(|c: char| c.is_ascii_digit()) && !v.contains(char::is_whitespace) {
            (n, Some(v))
        } else {
            sink.problems.bad(l);
            return;
        }
    } else {
        (l, None)
    };
    sink.push(Row {
        name: name.to_string(),
        version: version.map(str::to_string),
        ..Row::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(ext: &str, eco: Option<Ecosystem>) -> FileCtx {
        FileCtx {
            ext: ext.into(),
            eco,
            date: None,
            source: None,
        }
    }

    #[test]
    fn file_name_facts() {
        assert_eq!(
            ecosystem_in_name("npmjs-mal-pkgs.aug2019"),
            Some(Ecosystem::Npm)
        );
        assert_eq!(
            ecosystem_in_name("jcenter-mal-pkgs"),
            Some(Ecosystem::Maven)
        );
        assert_eq!(ecosystem_in_name("snyk-mal-pkgs"), None);
        assert_eq!(
            month_in_name("npmjs-mal-pkgs.july2019.with_stats").as_deref(),
            Some("2019-07")
        );
        assert_eq!(month_in_name("pypi-mal-pkgs"), None);
    }

    #[test]
    fn text_shapes() {
        let t = "package name\nfoo_Bar\n# ecosystem: npm\n@Scope/x@1.2.3\nleft-pad==1.0\ncal_rd,\"{'overall': 1}\"\nnot a name at all\n";
        let (e, p) = parse_list_bytes(t.as_bytes(), &ctx("txt", Some(Ecosystem::PyPI))).unwrap();
        let ids: Vec<String> = e.iter().map(|n| n.package.to_string()).collect();
        assert_eq!(
            ids,
            [
                "pypi/foo-bar",
                "npm/@scope/x@1.2.3",
                "npm/left-pad@1.0",
                "npm/cal_rd"
            ]
        );
        assert_eq!(p.bad, 1);
    }

    #[test]
    fn maven_paths_and_prefixes() {
        let t = "/u/r/com/github/x/Lib/0.3.0/Lib-0.3.0.pom\npip/acqusition/4/README.md:- [x](y)\nnpm/@a/b/1/README.md\n";
        let (e, _) = parse_list_bytes(t.as_bytes(), &ctx("txt", None)).unwrap();
        let ids: Vec<String> = e.iter().map(|n| n.package.to_string()).collect();
        assert_eq!(
            ids,
            [
                "maven/com.github.x:Lib@0.3.0",
                "pypi/acqusition",
                "npm/@a/b"
            ]
        );
    }

    #[test]
    fn no_ecosystem_is_reported_not_guessed() {
        let (e, p) = parse_list_bytes(b"foo\nbar\n", &ctx("txt", None)).unwrap();
        assert!(e.is_empty());
        assert_eq!(p.no_ecosystem, 2);
        assert!(p.summary().unwrap().contains("ecosystem"));
    }
}

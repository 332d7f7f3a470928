//! OSV reports: the ossf/malicious-packages folder tree, a zip of OSV JSON, or one OSV file.
//!
//! Layout facts used: a report under a `withdrawn` folder (`osv/withdrawn/...`) is withdrawn
//! (a false positive), as is a report with a `withdrawn` field. Top-level `index.json` files
//! (the Leitwacht feed has one mapping ids to files) are not reports and are skipped.

use crate::model::{Advisory, Origin, SourceError, VersionRange, Versions};
use crate::util;
use malgraph_core::{Ecosystem, Iocs, PackageName};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

/// Largest OSV JSON member read from a zip (OSV reports are a few KB).
pub(crate) const MEMBER_CAP: u64 = 16 * 1024 * 1024;

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvDoc {
    id: Option<String>,
    published: Option<String>,
    modified: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    affected: Option<Vec<OsvAffected>>,
    references: Option<Vec<OsvReference>>,
    credits: Option<Vec<OsvCredit>>,
    database_specific: Option<DatabaseSpecific>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvAffected {
    package: Option<OsvPackage>,
    versions: Option<Vec<String>>,
    ranges: Option<Vec<OsvRange>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvPackage {
    ecosystem: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: Option<String>,
    events: Option<Vec<BTreeMap<String, Value>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvReference {
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvCredit {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DatabaseSpecific {
    #[serde(rename = "malicious-packages-origins")]
    origins: Option<Vec<OsvOrigin>>,
    iocs: Option<BTreeMap<String, Value>>,
    leitwacht: Option<Leitwacht>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvOrigin {
    source: Option<String>,
    sha256: Option<String>,
    versions: Option<Vec<String>>,
    import_time: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Leitwacht {
    category: Option<String>,
    indicators_observed: Option<BTreeMap<String, Value>>,
}

/// Parse the bytes of one OSV JSON document found at `location`.
///
/// `in_withdrawn_folder` marks reports that the layout says are withdrawn. One advisory is
/// returned per `affected` entry (in practice one). `Ok(vec![])` for documents that are not
/// reports but known companions (an `index.json`).
pub fn parse_osv_bytes(
    bytes: &[u8],
    location: &str,
    in_withdrawn_folder: bool,
) -> Result<Vec<Advisory>, String> {
    let doc: OsvDoc = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => return Err(format!("malformed OSV JSON: {e}")),
    };
    let Some(id) = doc.id.filter(|s| !s.trim().is_empty()) else {
        return Err("not an OSV report: no `id`".into());
    };
    let affected = doc.affected.unwrap_or_default();
    if affected.is_empty() {
        return Err(format!("OSV report {id} has no `affected` package"));
    }
    let withdrawn = doc.withdrawn.clone().or_else(|| {
        in_withdrawn_folder.then(|| {
            doc.modified
                .clone()
                .or_else(|| doc.published.clone())
                .unwrap_or_else(|| "withdrawn".to_string())
        })
    });
    let ds = doc.database_specific.unwrap_or_default();
    let origins: Vec<Origin> = ds
        .origins
        .unwrap_or_default()
        .into_iter()
        .map(|o| Origin {
            source: o.source,
            sha256: o.sha256,
            versions: o.versions.unwrap_or_default(),
            import_time: o.import_time,
        })
        .collect();
    let mut iocs = Iocs::default();
    if let Some(map) = &ds.iocs {
        add_ioc_map(&mut iocs, map);
    }
    let mut category = None;
    if let Some(lw) = &ds.leitwacht {
        category = lw.category.clone();
        if let Some(map) = &lw.indicators_observed {
            add_ioc_map(&mut iocs, map);
        }
    }
    if !iocs.is_empty() {
        // Classify the given values as the scanner does (canonical webhooks, URL hosts as
        // domains), so that the graph links them with indicators found in samples.
        let joined: Vec<&str> = iocs.iter().map(|(_, v)| v).collect();
        let derived = malgraph_ioc::extract(&joined.join("\n"));
        iocs.extend(derived);
    }
    let references: Vec<String> = doc
        .references
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.url)
        .collect();
    let credits: Vec<String> = doc
        .credits
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| c.name)
        .collect();
    let aliases = doc.aliases.unwrap_or_default();

    let mut out = Vec::with_capacity(affected.len());
    for a in affected {
        let pkg = a.package.unwrap_or_default();
        let (Some(eco), Some(name)) = (pkg.ecosystem, pkg.name) else {
            return Err(format!(
                "OSV report {id}: affected entry without package ecosystem and name"
            ));
        };
        if name.trim().is_empty() {
            return Err(format!("OSV report {id}: empty package name"));
        }
        let package = PackageName::new(Ecosystem::parse(&eco), &name);
        out.push(Advisory {
            id: id.clone(),
            package,
            versions: versions_of(a.versions.unwrap_or_default(), a.ranges.unwrap_or_default()),
            published: doc.published.clone(),
            modified: doc.modified.clone(),
            withdrawn: withdrawn.clone(),
            aliases: aliases.clone(),
            summary: doc.summary.clone(),
            details: doc.details.clone(),
            references: references.clone(),
            credits: credits.clone(),
            origins: origins.clone(),
            iocs: iocs.clone(),
            category: category.clone(),
            location: location.to_string(),
        });
    }
    Ok(out)
}

/// OSV affected versions -> [`Versions`].
///
/// A range opened at "0" (or with no `introduced`) and never closed covers every version, and
/// wins over everything else. Other ranges are kept; explicit versions given next to ranges are
/// added as one-version ranges (`introduced = last_affected = v`) so nothing is lost. Only
/// versions -> a list; nothing at all -> every version.
fn versions_of(versions: Vec<String>, ranges: Vec<OsvRange>) -> Versions {
    let mut out: Vec<VersionRange> = Vec::new();
    for r in &ranges {
        if r.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("GIT"))
        {
            continue;
        }
        let mut cur: Option<VersionRange> = None;
        for ev in r.events.iter().flatten() {
            for (k, v) in ev {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                match k.as_str() {
                    "introduced" => {
                        if let Some(done) = cur.take() {
                            out.push(done);
                        }
                        cur = Some(VersionRange {
                            introduced: Some(v),
                            ..VersionRange::default()
                        });
                    }
                    "fixed" => {
                        let mut c = cur.take().unwrap_or_default();
                        c.fixed = Some(v);
                        out.push(c);
                    }
                    "last_affected" => {
                        let mut c = cur.take().unwrap_or_default();
                        c.last_affected = Some(v);
                        out.push(c);
                    }
                    _ => {}
                }
            }
        }
        if let Some(done) = cur.take() {
            out.push(done);
        }
    }
    let covers_all = out.iter().any(|r| {
        r.fixed.is_none()
            && r.last_affected.is_none()
            && r.introduced.as_deref().is_none_or(|i| i.trim() == "0")
    });
    if covers_all {
        return Versions::All;
    }
    if !out.is_empty() {
        for v in versions {
            out.push(VersionRange {
                introduced: Some(v.clone()),
                fixed: None,
                last_affected: Some(v),
            });
        }
        return Versions::Ranges(out);
    }
    if !versions.is_empty() {
        return Versions::List(versions);
    }
    Versions::All
}

/// Fold an IoC map (`{"urls": [...], "domains": [...], "domain_observed": [...]}`) into `iocs`.
/// Keys are matched by their stem (`url`, `domain`, `ip`, `email`, `webhook`, `wallet`);
/// values are refanged (`hxxp`, `[.]`) and kept as given. Other keys (hashes, strings, keys) are not IoCs the
/// graph links on and are left out.
fn add_ioc_map(iocs: &mut Iocs, map: &BTreeMap<String, Value>) {
    for (key, value) in map {
        let k = key.to_ascii_lowercase();
        let set = if k.starts_with("url") || k.starts_with("endpoint") {
            &mut iocs.urls
        } else if k.starts_with("domain") || k.starts_with("host") {
            &mut iocs.domains
        } else if k.starts_with("ip") {
            &mut iocs.ips
        } else if k.starts_with("email") {
            &mut iocs.emails
        } else if k.starts_with("webhook") {
            &mut iocs.webhooks
        } else if k.starts_with("wallet") {
            &mut iocs.wallets
        } else {
            continue;
        };
        let items: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for s in items {
            let s = malgraph_ioc::refang(s.trim()).into_owned();
            if !s.is_empty() {
                set.insert(s);
            }
        }
    }
}

/// True when the member or file path puts the report in a `withdrawn` folder.
fn in_withdrawn(path: &str) -> bool {
    path.split(['/', '\\']).any(|c| c == "withdrawn")
}

/// True for JSON files that are companions of an OSV database, not reports.
fn is_companion(path: &str) -> bool {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.eq_ignore_ascii_case("index.json") || file.starts_with('.')
}

/// Output of parsing many OSV documents.
#[derive(Default)]
pub(crate) struct OsvOut {
    pub advisories: Vec<Advisory>,
    pub errors: Vec<SourceError>,
}

impl OsvOut {
    fn absorb(&mut self, r: Result<Vec<Advisory>, SourceError>) {
        match r {
            Ok(a) => self.advisories.extend(a),
            Err(e) => self.errors.push(e),
        }
    }
}

/// Parse every OSV JSON member of a zip held in memory. `zip_label` names the zip in locations.
pub(crate) fn parse_zip(
    bytes: &[u8],
    zip_label: &str,
    progress: &dyn Fn(u64, u64),
) -> Result<OsvOut, String> {
    let archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip: {e}"))?;
    let mut members: Vec<(usize, String)> = Vec::new();
    let mut out = OsvOut::default();
    for i in 0..archive.len() {
        let name = match archive.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            Some(Err(e)) => {
                out.errors.push(SourceError::new(
                    format!("{zip_label}!/#{i}"),
                    format!("unreadable member name: {e}"),
                ));
                continue;
            }
            None => continue,
        };
        if name.ends_with('/')
            || !name.to_ascii_lowercase().ends_with(".json")
            || is_companion(&name)
        {
            continue;
        }
        members.push((i, name));
    }
    let total = members.len() as u64;
    progress(0, total);
    let mut done = 0u64;
    for chunk in members.chunks(util::CHUNK) {
        let results: Vec<Result<Vec<Advisory>, SourceError>> = chunk
            .par_iter()
            .map_init(
                || archive.clone(),
                |ar, (i, name)| {
                    let location = format!("{zip_label}!/{name}");
                    let data = read_member(ar, *i).map_err(|r| SourceError::new(&location, r))?;
                    parse_osv_bytes(&data, &location, in_withdrawn(name))
                        .map_err(|r| SourceError::new(&location, r))
                },
            )
            .collect();
        for r in results {
            out.absorb(r);
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    Ok(out)
}

fn read_member(ar: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<Vec<u8>, String> {
    let f = ar
        .by_index(i)
        .map_err(|e| format!("unreadable zip member: {e}"))?;
    let mut data = Vec::with_capacity(f.size().min(MEMBER_CAP) as usize);
    f.take(MEMBER_CAP + 1)
        .read_to_end(&mut data)
        .map_err(|e| format!("unreadable zip member: {e}"))?;
    if data.len() as u64 > MEMBER_CAP {
        return Err(format!("member larger than {MEMBER_CAP} bytes, skipped"));
    }
    Ok(data)
}

/// Parse every OSV JSON file under `dir` (or the one file `dir` names).
pub(crate) fn parse_tree(root: &Path, progress: &dyn Fn(u64, u64)) -> OsvOut {
    let mut out = OsvOut::default();
    let files: Vec<std::path::PathBuf> = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        let (files, errs) = util::walk_files(root, |p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                && !is_companion(&p.to_string_lossy())
        });
        out.errors.extend(errs);
        files
    };
    let total = files.len() as u64;
    progress(0, total);
    let mut done = 0u64;
    for chunk in files.chunks(util::CHUNK) {
        let results: Vec<Result<Vec<Advisory>, SourceError>> = chunk
            .par_iter()
            .map(|p| {
                let location = p.to_string_lossy().into_owned();
                let data =
                    util::read_capped(p, MEMBER_CAP).map_err(|r| SourceError::new(&location, r))?;
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned();
                parse_osv_bytes(&data, &location, in_withdrawn(&rel))
                    .map_err(|r| SourceError::new(&location, r))
            })
            .collect();
        for r in results {
            out.absorb(r);
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    out
}

/// Does this JSON text look like one OSV report? (Cheap check used by detection.)
pub(crate) fn looks_like_osv(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let s = String::from_utf8_lossy(head);
    s.trim_start().starts_with('{') && s.contains("\"affected\"") && s.contains("\"id\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(events: &[(&str, &str)]) -> Vec<OsvRange> {
        vec![OsvRange {
            kind: Some("ECOSYSTEM".into()),
            events: Some(
                events
                    .iter()
                    .map(|(k, v)| BTreeMap::from([(k.to_string(), Value::String(v.to_string()))]))
                    .collect(),
            ),
        }]
    }

    #[test]
    fn introduced_zero_is_all_even_with_versions() {
        let v = versions_of(vec!["1.0".into()], ranges(&[("introduced", "0")]));
        assert_eq!(v, Versions::All);
    }

    #[test]
    fn bounded_range_keeps_versions_as_point_ranges() {
        let v = versions_of(
            vec!["3.0".into()],
            ranges(&[
                ("introduced", "1.0"),
                ("fixed", "1.2"),
                ("introduced", "2.0"),
                ("last_affected", "2.1"),
            ]),
        );
        let Versions::Ranges(r) = v else {
            panic!("expected ranges, got {v:?}")
        };
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].introduced.as_deref(), Some("1.0"));
        assert_eq!(r[0].fixed.as_deref(), Some("1.2"));
        assert_eq!(r[1].last_affected.as_deref(), Some("2.1"));
        assert_eq!(r[2].introduced.as_deref(), Some("3.0"));
        assert_eq!(r[2].last_affected.as_deref(), Some("3.0"));
    }

    #[test]
    fn list_and_nothing() {
        assert_eq!(
            versions_of(vec!["0.1".into(), "0.2".into()], vec![]),
            Versions::List(vec!["0.1".into(), "0.2".into()])
        );
        assert_eq!(versions_of(vec![], vec![]), Versions::All);
    }

    #[test]
    fn malformed_and_non_reports_are_errors() {
        assert!(parse_osv_bytes(b"{not json", "x.json", false).is_err());
        assert!(parse_osv_bytes(b"{\"id\":\"MAL-1\"}", "x.json", false).is_err());
        assert!(parse_osv_bytes(b"[1,2]", "x.json", false).is_err());
    }

    #[test]
    fn leitwacht_indicators_are_refanged() {
        let doc = br#"{"id":"LWA-1","affected":[{"package":{"ecosystem":"npm","name":"@A/b"},"versions":["1.0.0"]}],
            "database_specific":{"leitwacht":{"category":"malware","indicators_observed":{
              "domain_observed":["evil[.]example[.]com"],"url_observed":["hxxps://evil[.]example[.]com/x"],
              "sha256":["00"]}}}}"#;
        let a = parse_osv_bytes(doc, "m", false).unwrap();
        assert_eq!(a[0].package.name, "@a/b");
        assert_eq!(a[0].category.as_deref(), Some("malware"));
        assert!(a[0].iocs.domains.contains("evil.example.com"));
        assert!(a[0].iocs.urls.contains("https://evil.example.com/x"));
        assert_eq!(a[0].withdrawn, None);
    }
}

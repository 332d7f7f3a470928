//! Scoring a scan against labelled sets: confusion matrix, recall, false-positive rate,
//! precision and F1, per ecosystem and per category, with every miss and false alarm listed.

use crate::{Target, discover};
use malgraph_core::{Category, ScanReport, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A labelled set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Discover(#[from] crate::DiscoverError),
    #[error("{path}: cannot read manifest: {reason}")]
    Manifest { path: PathBuf, reason: String },
}

/// Is `p` a manifest (CSV or JSON Lines with a `path` column) rather than an archive?
fn is_manifest(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    [".csv", ".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// Read the `path` entries of a manifest, resolved against the manifest's folder.
fn read_manifest(p: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let err = |reason: String| EvalError::Manifest {
        path: p.to_path_buf(),
        reason,
    };
    let base = p.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(p).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::new();
    let lower = p.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".csv") {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
        let col = headers
            .iter()
            .position(|h| h.trim() == "path")
            .ok_or_else(|| err("no `path` column".into()))?;
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| err(format!("row {}: {e}", i + 2)))?;
            if let Some(v) = rec.get(col).filter(|v| !v.trim().is_empty()) {
                out.push(base.join(v.trim()));
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| err(format!("line {}: {e}", i + 1)))?;
            let path = v
                .get("path")
                .and_then(|p| p.as_str())
                .ok_or_else(|| err(format!("line {}: no `path` field", i + 1)))?;
            out.push(base.join(path));
        }
    }
    Ok(out)
}

/// Expand a labelled set: folders of archives, unpacked package folders, archives, and
/// manifest files (CSV or JSON Lines with a `path` column or field, relative to the manifest;
/// an entry that is a folder is scanned as one unpacked package).
pub fn load_set(paths: &[PathBuf]) -> Result<Vec<Target>, EvalError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() && is_manifest(p) {
            out.extend(read_manifest(p)?.into_iter().map(|p| {
                if p.is_dir() {
                    Target::Dir(p)
                } else {
                    Target::Archive(p)
                }
            }));
        } else {
            out.extend(discover(std::slice::from_ref(p))?);
        }
    }
    Ok(out)
}

/// Counts of a binary confusion matrix (positive = malicious).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub tp: u64,
    pub fn_: u64,
    pub fp: u64,
    pub tn: u64,
}

impl Confusion {
    /// tp / (tp + fn)
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// fp / (fp + tn)
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }
    /// tp / (tp + fp)
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A miss or a false alarm, with what drove the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub verdict: Verdict,
    pub score: f64,
    pub error: Option<String>,
    /// The heaviest findings: `RULE category severity stage file:line`.
    pub findings: Vec<String>,
}

/// Per-category counts: packages showing the category among detected malware and among false alarms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoryCounts {
    /// Malicious packages (all, detected or not) whose report has the category.
    pub malicious: u64,
    /// Of those, detected.
    pub detected: u64,
    /// Benign packages flagged (false alarms) whose report has the category.
    pub false_alarms: u64,
}

/// Metrics and cases of one evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    /// What counted as a detection: `malicious`, or `suspicious` (= suspicious or malicious).
    pub positive: Verdict,
    pub confusion: Confusion,
    pub recall: f64,
    pub false_positive_rate: f64,
    pub precision: f64,
    pub f1: f64,
    /// Packages that could not be read (they count in the matrix: a malicious one as a miss,
    /// a benign one as a true negative).
    pub unreadable_malicious: u64,
    pub unreadable_benign: u64,
    pub per_ecosystem: BTreeMap<String, Confusion>,
    pub per_category: BTreeMap<Category, CategoryCounts>,
    pub misses: Vec<Case>,
    pub false_alarms: Vec<Case>,
}

fn case(r: &ScanReport) -> Case {
    let mut fs: Vec<_> = r.findings.iter().collect();
    fs.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Case {
        path: r.path.clone(),
        name: r.name.clone(),
        version: r.version.clone(),
        verdict: r.verdict,
        score: r.score,
        error: r.error.clone(),
        findings: fs
            .iter()
            .take(6)
            .map(|f| {
                format!(
                    "{} {} {} {} {}:{}",
                    f.rule,
                    f.category,
                    f.severity,
                    f.stage.map(|s| s.as_str()).unwrap_or("-"),
                    f.file,
                    f.line
                )
            })
            .collect(),
    }
}

/// Score reports of known-malicious and known-benign packages.
pub fn evaluate(malicious: &[ScanReport], benign: &[ScanReport], positive: Verdict) -> EvalResult {
    let flagged = |r: &ScanReport| r.error.is_none() && r.verdict >= positive;
    let eco = |r: &ScanReport| {
        r.ecosystem
            .as_ref()
            .map(|e| e.slug())
            .unwrap_or_else(|| "unknown".into())
    };
    let mut c = Confusion::default();
    let mut per_eco: BTreeMap<String, Confusion> = BTreeMap::new();
    let mut per_cat: BTreeMap<Category, CategoryCounts> = BTreeMap::new();
    let (mut misses, mut false_alarms) = (Vec::new(), Vec::new());
    let (mut um, mut ub) = (0, 0);
    for r in malicious {
        let e = per_eco.entry(eco(r)).or_default();
        um += u64::from(r.error.is_some());
        let hit = flagged(r);
        for cat in &r.categories {
            let cc = per_cat.entry(*cat).or_default();
            cc.malicious += 1;
            cc.detected += u64::from(hit);
        }
        if hit {
            c.tp += 1;
            e.tp += 1;
        } else {
            c.fn_ += 1;
            e.fn_ += 1;
            misses.push(case(r));
        }
    }
    for r in benign {
        let e = per_eco.entry(eco(r)).or_default();
        ub += u64::from(r.error.is_some());
        if flagged(r) {
            c.fp += 1;
            e.fp += 1;
            for cat in &r.categories {
                per_cat.entry(*cat).or_default().false_alarms += 1;
            }
            false_alarms.push(case(r));
        } else {
            c.tn += 1;
            e.tn += 1;
        }
    }
    EvalResult {
        positive,
        recall: c.recall(),
        false_positive_rate: c.fpr(),
        precision: c.precision(),
        f1: c.f1(),
        confusion: c,
        unreadable_malicious: um,
        unreadable_benign: ub,
        per_ecosystem: per_eco,
        per_category: per_cat,
        misses,
        false_alarms,
    }
}

/// Human-readable evaluation summary.
pub fn render_text(e: &EvalResult) -> String {
    let mut s = String::new();
    let c = &e.confusion;
    let _ = writeln!(s, "positive = verdict >= {}", e.positive);
    let _ = writeln!(s, "                 flagged   not flagged");
    let _ = writeln!(s, "  malicious   {:>10}    {:>10}", c.tp, c.fn_);
    let _ = writeln!(s, "  benign      {:>10}    {:>10}", c.fp, c.tn);
    let _ = writeln!(
        s,
        "recall {:.2}%  false-positive rate {:.2}%  precision {:.2}%  F1 {:.4}",
        100.0 * e.recall,
        100.0 * e.false_positive_rate,
        100.0 * e.precision,
        e.f1
    );
    let _ = writeln!(
        s,
        "unreadable: {} malicious (counted as misses), {} benign",
        e.unreadable_malicious, e.unreadable_benign
    );
    let _ = writeln!(s, "\nper ecosystem:");
    for (eco, c) in &e.per_ecosystem {
        let _ = writeln!(
            s,
            "  {eco:<10} tp {:>6} fn {:>5} fp {:>5} tn {:>6}  recall {:.2}%  fpr {:.2}%",
            c.tp,
            c.fn_,
            c.fp,
            c.tn,
            100.0 * c.recall(),
            100.0 * c.fpr()
        );
    }
    let _ = writeln!(s, "\nper category (packages):");
    for (cat, cc) in &e.per_category {
        let _ = writeln!(
            s,
            "  {:<22} malicious {:>6}  detected {:>6}  false alarms {:>4}",
            cat.as_str(),
            cc.malicious,
            cc.detected,
            cc.false_alarms
        );
    }
    for (title, cases) in [("misses", &e.misses), ("false alarms", &e.false_alarms)] {
        let _ = writeln!(s, "\n{title} ({}):", cases.len());
        for k in cases {
            let _ = writeln!(
                s,
                "  {}  {} score {:.1}{}",
                k.path,
                k.verdict,
                k.score,
                k.error
                    .as_ref()
                    .map(|e| format!("  error: {e}"))
                    .unwrap_or_default()
            );
            for f in &k.findings {
                let _ = writeln!(s, "      {f}");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(verdict: Verdict, cats: &[Category]) -> ScanReport {
        let mut r = ScanReport::error("x", None, "");
        r.error = None;
        r.verdict = verdict;
        r.categories = cats.iter().copied().collect();
        r
    }

    #[test]
    fn confusion_and_rates() {
        let mal = vec![
            rep(Verdict::Malicious, &[Category::CommandExecution]),
            rep(Verdict::Suspicious, &[Category::Network]),
            rep(Verdict::Benign, &[]),
        ];
        let ben = vec![
            rep(Verdict::Benign, &[]),
            rep(Verdict::Malicious, &[Category::CommandExecution]),
            rep(Verdict::Benign, &[]),
            rep(Verdict::Benign, &[]),
        ];
        let e = evaluate(&mal, &ben, Verdict::Malicious);
        assert_eq!(
            e.confusion,
            Confusion {
                tp: 1,
                fn_: 2,
                fp: 1,
                tn: 3
            }
        );
        assert!((e.recall - 1.0 / 3.0).abs() < 1e-9);
        assert!((e.false_positive_rate - 0.25).abs() < 1e-9);
        assert_eq!(e.misses.len(), 2);
        assert_eq!(e.per_category[&Category::CommandExecution].false_alarms, 1);
        let loose = evaluate(&mal, &ben, Verdict::Suspicious);
        assert_eq!(loose.confusion.tp, 2);
    }

    #[test]
    fn manifests_resolve_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.csv"), "name,path\na,pypi/a-1.0.tar.gz\n").unwrap();
        std::fs::write(
            dir.path().join("m.jsonl"),
            "{\"path\": \"b-1.0.tar.gz\"}\n\n",
        )
        .unwrap();
        let t = load_set(&[dir.path().join("m.csv"), dir.path().join("m.jsonl")]).unwrap();
        assert_eq!(
            t,
            vec![
                Target::Archive(dir.path().join("pypi/a-1.0.tar.gz")),
                Target::Archive(dir.path().join("b-1.0.tar.gz"))
            ]
        );
        std::fs::write(dir.path().join("bad.csv"), "name\na\n").unwrap();
        assert!(load_set(&[dir.path().join("bad.csv")]).is_err());
    }
}

//! The user's YARA rules (feature `yara`): compiled once, run on every file.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use malgraph_core::{Category, Finding, PackageFile, Severity};
use regex::Regex;

use crate::AnalyzeError;

/// Compiled YARA rules.
pub(crate) struct YaraRules {
    rules: yara_x::Rules,
}

static LINE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r":(\d+):\d+").expect("static regex compiles"));

impl YaraRules {
    /// Compile every `.yar` / `.yara` file under `dir` (a single file works too).
    pub(crate) fn load(dir: &Path) -> Result<YaraRules, AnalyzeError> {
        let mut paths: Vec<PathBuf> = Vec::new();
        if dir.is_file() {
            paths.push(dir.to_path_buf());
        } else {
            for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
                let e = e.map_err(|err| AnalyzeError::Io {
                    path: dir.to_path_buf(),
                    source: err.into(),
                })?;
                let p = e.path();
                if e.file_type().is_file()
                    && matches!(p.extension().and_then(|x| x.to_str()), Some("yar" | "yara"))
                {
                    paths.push(p.to_path_buf());
                }
            }
        }
        let mut compiler = yara_x::Compiler::new();
        for p in &paths {
            let text = std::fs::read_to_string(p).map_err(|source| AnalyzeError::Io {
                path: p.clone(),
                source,
            })?;
            let origin = p.display().to_string();
            let src = yara_x::SourceCode::from(text.as_str()).with_origin(origin.as_str());
            if let Err(e) = compiler.add_source(src) {
                let message = e.to_string();
                let line = LINE_RE
                    .captures(&message)
                    .and_then(|c| c[1].parse().ok())
                    .unwrap_or(0);
                return Err(AnalyzeError::Yara {
                    file: p.clone(),
                    line,
                    message: message.lines().next().unwrap_or("").to_string(),
                });
            }
        }
        Ok(YaraRules {
            rules: compiler.build(),
        })
    }

    /// Findings `yara:<Rule>` for every rule matching any file.
    pub(crate) fn scan(&self, files: &[PackageFile]) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut scanner = yara_x::Scanner::new(&self.rules);
        scanner.set_timeout(std::time::Duration::from_secs(5));
        for f in files {
            let Ok(res) = scanner.scan(&f.data) else {
                continue;
            };
            for r in res.matching_rules() {
                let mut category = Category::Evasion;
                let mut severity = Severity::High;
                let mut description = String::new();
                for (k, v) in r.metadata() {
                    let s = match v {
                        yara_x::MetaValue::String(s) => s.to_string(),
                        _ => continue,
                    };
                    match k {
                        "category" => {
                            if let Some(c) = Category::parse(&s) {
                                category = c;
                            }
                        }
                        "severity" => {
                            if let Some(sv) = Severity::parse(&s.to_ascii_lowercase()) {
                                severity = sv;
                            }
                        }
                        "description" => description = s,
                        _ => {}
                    }
                }
                let offset = r
                    .patterns()
                    .filter_map(|p| p.matches().next().map(|m| m.range().start))
                    .min();
                let (line, snippet) = match offset {
                    Some(o) => {
                        let before = &f.data[..o.min(f.data.len())];
                        let line = before.iter().filter(|&&c| c == b'\n').count() as u32 + 1;
                        let start = before
                            .iter()
                            .rposition(|&c| c == b'\n')
                            .map_or(0, |i| i + 1);
                        let end = f.data[o.min(f.data.len())..]
                            .iter()
                            .position(|&c| c == b'\n')
                            .map_or(f.data.len(), |i| o + i);
                        (
                            line,
                            crate::model::snippet(&String::from_utf8_lossy(&f.data[start..end])),
                        )
                    }
                    None => (0, String::new()),
                };
                let w = crate::severity_weight(severity);
                let what = if description.is_empty() {
                    format!("YARA rule {}", r.identifier())
                } else {
                    format!("YARA rule {}: {description}", r.identifier())
                };
                out.push(Finding {
                    rule: format!("yara:{}", r.identifier()),
                    category,
                    severity,
                    stage: None,
                    evasion: None,
                    file: f.path.clone(),
                    line,
                    snippet,
                    layer: 0,
                    message: format!("{what} [+{w}]"),
                });
            }
        }
        out
    }
}

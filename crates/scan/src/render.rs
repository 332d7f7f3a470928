//! Rendering scan reports: human text, JSON Lines, SARIF 2.1.0.

use malgraph_core::{Category, ScanReport, Severity, Verdict};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One JSON object per package, one per line.
pub fn json_line(r: &ScanReport) -> String {
    serde_json::to_string(r).unwrap_or_else(|e| {
        // Serialising plain data cannot fail short of a bug; never lose the record.
        json!({"path": r.path, "error": format!("cannot serialise report: {e}")}).to_string()
    })
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Malicious => "MALICIOUS",
        Verdict::Suspicious => "SUSPICIOUS",
        Verdict::Benign => "benign",
    }
}

/// Text for a person: the verdict, then findings grouped by category with `file:line` and snippet.
pub fn text(r: &ScanReport) -> String {
    let mut s = String::new();
    let id = match (&r.ecosystem, &r.name, &r.version) {
        (Some(e), Some(n), Some(v)) => format!(" ({}/{n}@{v})", e.slug()),
        (Some(e), Some(n), None) => format!(" ({}/{n})", e.slug()),
        _ => String::new(),
    };
    if let Some(err) = &r.error {
        let _ = writeln!(s, "{}{id}  ERROR  {err}", r.path);
        return s;
    }
    let _ = writeln!(
        s,
        "{}{id}  {}  score {:.1}",
        r.path,
        verdict_label(r.verdict),
        r.score
    );
    if let Some(t) = &r.metadata.typosquat_of {
        let _ = writeln!(s, "  name imitates popular package `{t}`");
    }
    let mut by_cat: BTreeMap<Category, Vec<&malgraph_core::Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_cat.entry(f.category).or_default().push(f);
    }
    for (cat, fs) in by_cat {
        let _ = writeln!(s, "  {cat}");
        for f in fs {
            let stage = f.stage.map(|st| format!(" {st}")).unwrap_or_default();
            let layer = if f.layer > 0 {
                format!(" layer {}", f.layer)
            } else {
                String::new()
            };
            let evasion = f.evasion.map(|e| format!(" {e}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "    {}:{}  [{} {}{stage}{evasion}{layer}] {}",
                f.file, f.line, f.rule, f.severity, f.message
            );
            if !f.snippet.is_empty() {
                let _ = writeln!(s, "        {}", f.snippet.trim());
            }
        }
    }
    if !r.platforms.is_empty() {
        let p: Vec<_> = r.platforms.iter().map(|p| p.as_str()).collect();
        let _ = writeln!(s, "  platforms: {}", p.join(", "));
    }
    if !r.iocs.is_empty() {
        let mut kinds: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in r.iocs.iter() {
            kinds.entry(k).or_default().push(v);
        }
        for (k, vs) in kinds {
            let _ = writeln!(s, "  {k}s: {}", vs.join(", "));
        }
    }
    s
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Percent-encode what is not allowed in a URI reference (RFC 3986), keeping `/`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A SARIF 2.1.0 log of all reports: one run, the analyser's rule registry as the driver's
/// rules, one result per finding (located at `ARCHIVE!/FILE:LINE`), one result per package
/// whose verdict is not benign, and unreadable packages as tool notifications.
pub fn sarif(reports: &[ScanReport]) -> Value {
    let registry = malgraph_analyze::rules();
    let mut rules: Vec<Value> = registry
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.explanation},
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "properties": {
                    "category": r.category.as_str(),
                    "severity": r.severity.as_str(),
                    "evasion": r.evasion.map(|e| e.as_str()),
                },
            })
        })
        .collect();
    let mut index: BTreeMap<String, usize> = registry
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), i))
        .collect();
    let mut rule_index = |id: &str, rules: &mut Vec<Value>| -> usize {
        if let Some(i) = index.get(id) {
            return *i;
        }
        // Rules outside the registry (the user's YARA rules, the verdict).
        rules.push(json!({"id": id, "shortDescription": {"text": id}}));
        index.insert(id.to_string(), rules.len() - 1);
        rules.len() - 1
    };

    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in reports {
        if let Some(err) = &r.error {
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: {err}", r.path)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri_encode(&r.path)}}}],
            }));
            continue;
        }
        if r.verdict != Verdict::Benign {
            let i = rule_index("MALGRAPH-VERDICT", &mut rules);
            results.push(json!({
                "ruleId": "MALGRAPH-VERDICT",
                "ruleIndex": i,
                "level": if r.verdict == Verdict::Malicious { "error" } else { "warning" },
                "message": {"text": format!("{} is {} (score {:.1})", r.path, r.verdict, r.score)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri_encode(&r.path)}}}],
                "properties": {"verdict": r.verdict.as_str(), "score": r.score, "sha256": r.sha256},
            }));
        }
        for f in &r.findings {
            let i = rule_index(&f.rule, &mut rules);
            let mut phys = json!({
                "artifactLocation": {"uri": uri_encode(&format!("{}!/{}", r.path, f.file))},
            });
            if f.line > 0 {
                let mut region = json!({"startLine": f.line});
                if !f.snippet.is_empty() {
                    region["snippet"] = json!({"text": f.snippet});
                }
                phys["region"] = region;
            }
            results.push(json!({
                "ruleId": f.rule,
                "ruleIndex": i,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": phys}],
                "properties": {
                    "package": r.path,
                    "category": f.category.as_str(),
                    "stage": f.stage.map(|s| s.as_str()),
                    "evasion": f.evasion.map(|e| e.as_str()),
                    "layer": f.layer,
                },
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "malgraph",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/malgraph/malgraph",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding_keeps_paths_readable() {
        assert_eq!(uri_encode("a b/c.py"), "a%20b/c.py");
        assert_eq!(
            uri_encode("x.tar.gz!/pkg/setup.py"),
            "x.tar.gz!/pkg/setup.py"
        );
        assert_eq!(uri_encode("é"), "%C3%A9");
    }
}

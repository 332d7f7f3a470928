//! Self-referencing assignments must not send the static evaluators into endless recursion
//! (found on real benign code: werkzeug, sympy).

use malgraph_analyze::{Analyzer, AnalyzerConfig};
use malgraph_core::{PackageFile, ScanReport, Verdict};

/// Analyse on a 2 MB stack, on purpose: unbounded recursion overflows it and aborts the test.
fn analyze_on_small_stack(files: Vec<PackageFile>) -> ScanReport {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
            a.analyze(&files, &[])
        })
        .unwrap()
        .join()
        .expect("analysis finished")
}

#[test]
fn self_referencing_subscript_calls_terminate() {
    let src = "\
handlers = {}
def dispatch(handler):
    handler = handlers[handler]()
    return handler

name = table[name]()
key = getattr(key, key)(key)
";
    let files = vec![PackageFile {
        path: "pkg-1.0/pkg/__init__.py".into(),
        data: src.as_bytes().to_vec(),
    }];
    let report = analyze_on_small_stack(files);
    assert_eq!(report.verdict, Verdict::Benign);
}

/// Deep JavaScript nesting (long `+` chains, nested templates and parentheses, long member
/// chains: obfuscators produce all of them) must not exhaust the stack either.
#[test]
fn deep_javascript_nesting_terminates() {
    let concat = vec!["'a'"; 30_000].join(" + ");
    let template = format!("{}x{}", "`${".repeat(2_000), "}`".repeat(2_000));
    let parens = format!("{}cp{}", "(".repeat(5_000), ")".repeat(5_000));
    let chain = format!("cp{}", ".a".repeat(30_000));
    let src = format!(
        "const cp = require('child_process');\ncp.exec({concat});\ncp.exec({template});\n{parens}.exec('id');\n{chain}.exec('id');\neval({concat});\n"
    );
    let files = vec![
        PackageFile {
            path: "package/package.json".into(),
            data: br#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"node index.js"}}"#
                .to_vec(),
        },
        PackageFile {
            path: "package/index.js".into(),
            data: src.into_bytes(),
        },
    ];
    let report = analyze_on_small_stack(files);
    assert!(report.findings.iter().any(|f| f.rule == "JS-CHILD-PROCESS"));
}

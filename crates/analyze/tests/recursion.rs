//! Self-referencing assignments must not send the static evaluators into endless recursion
//! (found on real benign code: werkzeug, sympy).

use malgraph_analyze::{Analyzer, AnalyzerConfig};
use malgraph_core::{PackageFile, Verdict};

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
    // A small stack on purpose: unbounded recursion would overflow it and abort the test.
    let report = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let a = Analyzer::new(AnalyzerConfig::default()).unwrap();
            a.analyze(&files, &[])
        })
        .unwrap()
        .join()
        .expect("analysis finished");
    assert_eq!(report.verdict, Verdict::Benign);
}

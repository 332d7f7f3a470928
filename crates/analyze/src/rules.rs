//! The rule registry: every rule the analyser can emit, in one table.

use malgraph_core::{Category, Evasion, Severity};

/// Score at or above which a package is malicious.
pub const THRESHOLD_MALICIOUS: f64 = 10.0;
/// Score at or above which a package is suspicious.
pub const THRESHOLD_SUSPICIOUS: f64 = 4.0;

/// Metadata of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id, e.g. `PY-CMD-OS-SYSTEM`.
    pub id: &'static str,
    /// Behaviour category of its findings.
    pub category: Category,
    /// How much a finding weighs.
    pub severity: Severity,
    /// Anti-detection technique its findings show, if any.
    pub evasion: Option<Evasion>,
    /// One line: what it matches.
    pub summary: &'static str,
    /// Why it matters, and what a benign package would do instead.
    pub explanation: &'static str,
}

static RULES: &[RuleInfo] = &[];

/// Every rule the analyser can emit.
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

/// Look a rule up by id.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

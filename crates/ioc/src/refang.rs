//! Undo the "defanging" that threat reports apply to indicators (`hxxp://evil[.]com`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Defang markers and what they stand for. Order matters: the first pattern that matches
/// at a position wins (`[://]` before `[:]`).
const MARKERS: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("hxtp", "http"),
    ("htxp", "http"),
    ("fxp://", "ftp://"),
    ("[://]", "://"),
    ("[:]//", "://"),
    ("[:]", ":"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    (" [.] ", "."),
    ("[@]", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("[/]", "/"),
];

static AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(MARKERS.iter().map(|(m, _)| *m))
        .ok()
});

/// `text` with defang markers replaced (`hxxp` -> `http`, `[.]` / `(.)` / `[dot]` -> `.`,
/// `[:]` -> `:`, `[@]` -> `@` ...). Borrows when there is nothing to replace.
pub fn refang(text: &str) -> Cow<'_, str> {
    let Some(ac) = AC.as_ref() else {
        return Cow::Borrowed(text);
    };
    if !ac.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in ac.find_iter(text) {
        out.push_str(&text[last..m.start()]);
        out.push_str(MARKERS[m.pattern().as_usize()].1);
        last = m.end();
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

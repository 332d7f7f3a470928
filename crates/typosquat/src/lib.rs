//! Popular package names and typosquat hints.
//!
//! This crate owns the embedded lists of popular package names per ecosystem
//! (`data/pypi.txt`, `data/npm.txt`: the 5,000 most downloaded names, most popular first;
//! see `data/README.md` for their origin) and the rules that say a name imitates one of
//! them ([`typosquat_of`]).
//!
//! It must not do I/O, network look-ups or scoring: a typosquat match is a *hint* that
//! the analyser weighs with everything else. Lists are parsed and indexed once, lazily,
//! on first use; every query is a handful of hash look-ups (no scan of the list).
//!
//! # Rules
//!
//! For an ecosystem with a list, a name `n` (normalised with
//! [`malgraph_core::normalise_name`]) imitates a popular name `p` when `n != p`, `n` is
//! not itself popular, and one of these holds:
//!
//! 1. **One edit**: `n` is one insertion, deletion, substitution or adjacent swap away
//!    from `p` (optimal string alignment distance 1), where `p` has at least
//!    [`SHORT_NAME_LEN`] characters, or at least [`MIN_EDIT_LEN`] and ranks among the
//!    [`SHORT_NAME_TOP`] most popular (short names have many legitimate neighbours).
//!    A digit replaced by a digit does not count (`crispy-bootstrap4`/`5` are siblings),
//!    and in a name of several components the edited component must have at least
//!    [`MIN_EDIT_LEN`] characters (`tree-sitter-rst` is a sibling of `tree-sitter-rust`,
//!    `requets-toolbelt` a typo of `requests-toolbelt`). A popular name ending in digits
//!    also stands for its base (`beautifulsoup` for `beautifulsoup4`), so `beautifulsoup`
//!    and `beautfulsoup` point at `beautifulsoup4`.
//! 2. **Separators**: `n` and `p` are equal once `-`, `_` and `.` are removed
//!    (`python-dateutil` vs `pythondateutil`, `lodash.merge` vs `lodash_merge`).
//! 3. **Affix**: `n` is `p` with one conservative prefix or suffix added
//!    ([`PREFIXES`], [`SUFFIXES`]: `python-`, `py`, `node-`, `-python`, `-dev`, `-js`,
//!    `2`, `3` ...), `p` has at least [`MIN_AFFIX_LEN`] characters and ranks among the
//!    [`AFFIX_TOP`] most popular. This rule is the noisiest (`py` + name is also a normal
//!    way to name a binding); treat its hits as weak hints.
//!
//! A scoped npm name is never an imitation of a name in the same scope (only the scope's
//! owner can publish there). When several popular names match, the most popular one
//! (lowest rank) wins.

use malgraph_core::{Ecosystem, normalise_name};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Popular names of shorter length are not used for the one-edit rule.
pub const MIN_EDIT_LEN: usize = 5;
/// Popular names shorter than this (but at least [`MIN_EDIT_LEN`]) are used for the
/// one-edit rule only when they rank among the [`SHORT_NAME_TOP`] most popular: short
/// names have many legitimate one-edit neighbours (`pydot`/`pyvis`/`pysam`).
pub const SHORT_NAME_LEN: usize = 7;
/// See [`SHORT_NAME_LEN`].
pub const SHORT_NAME_TOP: usize = 1000;
/// Popular names of shorter length are not used for the affix rule.
pub const MIN_AFFIX_LEN: usize = 4;
/// Only this many of the most popular names take part in the affix rule: `py` + a name
/// is a common, legitimate way to name a binding, so it is only a hint for names that
/// are worth imitating.
pub const AFFIX_TOP: usize = 2000;

/// Prefixes that, added to a popular name, make a likely imitation (`python-requests`).
pub const PREFIXES: &[&str] = &[
    "python-", "python3-", "python", "py-", "py", "node-", "js-", "py3-",
];
/// Suffixes that, added to a popular name, make a likely imitation (`requests-dev`).
pub const SUFFIXES: &[&str] = &["-python", "-dev", "-js", "js", "2", "3"];

const PYPI_LIST: &str = include_str!("../data/pypi.txt");
const NPM_LIST: &str = include_str!("../data/npm.txt");

/// The index of one ecosystem's popular list, built once.
struct Index {
    /// Names, most popular first.
    names: Vec<&'static str>,
    /// Name -> rank (index in `names`).
    rank: HashMap<&'static str, u32>,
    /// Deletion neighbourhood (the name itself and every one-character deletion) of
    /// the names that take part in the one-edit rule (see `edit_eligible`) and of their
    /// digit-less aliases -> ranks, ascending (symmetric-delete index: two strings one
    /// edit apart share an entry).
    deletes: HashMap<String, Vec<u32>>,
    /// Name with separators removed -> best rank.
    squashed: HashMap<String, u32>,
    /// Popular names without their trailing digits (`beautifulsoup` for
    /// `beautifulsoup4`) -> rank of the popular name, when not popular themselves.
    alias: HashMap<String, u32>,
}

impl Index {
    fn build(list: &'static str) -> Index {
        let mut names = Vec::new();
        let mut rank = HashMap::new();
        for line in list.lines() {
            let n = line.trim();
            if n.is_empty() || n.starts_with('#') || rank.contains_key(n) {
                continue;
            }
            rank.insert(n, names.len() as u32);
            names.push(n);
        }
        let mut deletes: HashMap<String, Vec<u32>> = HashMap::new();
        let mut squashed: HashMap<String, u32> = HashMap::new();
        let mut aliases: Vec<(String, u32)> = Vec::new();
        for (r, n) in names.iter().enumerate() {
            let r = r as u32;
            squashed.entry(squash(n)).or_insert(r);
            if edit_eligible(n, r as usize) {
                for d in deletion_neighbourhood(n) {
                    let v = deletes.entry(d).or_default();
                    if v.last() != Some(&r) {
                        v.push(r);
                    }
                }
            }
            // `beautifulsoup4` is known as `beautifulsoup` too: squats target both.
            let base = n.trim_end_matches(|c: char| c.is_ascii_digit());
            if base.len() != n.len()
                && base.chars().count() >= SHORT_NAME_LEN
                && !base.ends_with(['-', '_', '.'])
                && !rank.contains_key(base)
            {
                aliases.push((base.to_string(), r));
            }
        }
        let mut alias: HashMap<String, u32> = HashMap::new();
        for (a, r) in aliases {
            alias.entry(a.clone()).or_insert(r);
            squashed.entry(squash(&a)).or_insert(r);
            for d in deletion_neighbourhood(&a) {
                let v = deletes.entry(d).or_default();
                if !v.contains(&r) {
                    v.push(r);
                    v.sort_unstable();
                }
            }
        }
        Index {
            names,
            rank,
            deletes,
            squashed,
            alias,
        }
    }

    fn typosquat_of(&self, name: &str) -> Option<&'static str> {
        if name.is_empty() || self.rank.contains_key(name) {
            return None;
        }
        let mut best: Option<u32> = None;
        let scope = npm_scope(name);
        let mut consider = |r: u32| {
            // Only a scope's owner publishes in it: a sibling in the same scope
            // (`@types/tap` and `@types/tmp`) is never an imitation.
            if scope.is_some() && npm_scope(self.names[r as usize]) == scope {
                return;
            }
            if best.is_none_or(|b| r < b) {
                best = Some(r);
            }
        };

        // 1. One edit, through the symmetric deletion index.
        for d in deletion_neighbourhood(name) {
            if let Some(ranks) = self.deletes.get(&d) {
                for &r in ranks {
                    let p = self.names[r as usize];
                    if one_edit_squat(name, p) {
                        consider(r);
                    }
                    if let Some(base) = self.alias_of(r)
                        && (name == base || one_edit_squat(name, base))
                        && name.trim_end_matches(|c: char| c.is_ascii_digit()) != base
                    {
                        consider(r);
                    }
                }
            }
        }
        // 2. Separators removed or changed.
        if let Some(&r) = self.squashed.get(&squash(name)) {
            consider(r);
        }
        // 3. A conservative prefix or suffix added.
        for pre in PREFIXES {
            if let Some(rest) = name.strip_prefix(pre) {
                self.affix_match(rest, &mut consider);
            }
        }
        for suf in SUFFIXES {
            if let Some(rest) = name.strip_suffix(suf) {
                self.affix_match(rest, &mut consider);
            }
        }
        best.map(|r| self.names[r as usize])
    }

    /// The alias (name without trailing digits) of the popular name of rank `r`, if any.
    fn alias_of(&self, r: u32) -> Option<&str> {
        let n = self.names[r as usize];
        let base = n.trim_end_matches(|c: char| c.is_ascii_digit());
        (base.len() != n.len() && self.alias.get(base) == Some(&r)).then_some(base)
    }

    fn affix_match(&self, rest: &str, consider: &mut impl FnMut(u32)) {
        if rest.chars().count() < MIN_AFFIX_LEN {
            return;
        }
        if let Some(&r) = self.rank.get(rest)
            && (r as usize) < AFFIX_TOP
        {
            consider(r);
        }
    }
}

static PYPI: LazyLock<Index> = LazyLock::new(|| Index::build(PYPI_LIST));
static NPM: LazyLock<Index> = LazyLock::new(|| Index::build(NPM_LIST));

fn index(eco: &Ecosystem) -> Option<&'static Index> {
    match eco {
        Ecosystem::PyPI => Some(&PYPI),
        Ecosystem::Npm => Some(&NPM),
        _ => None,
    }
}

/// Popular names of `eco`, normalised, most popular first. Empty for ecosystems without
/// a list (only PyPI and npm have one).
pub fn popular(eco: &Ecosystem) -> &'static [&'static str] {
    index(eco).map_or(&[], |i| i.names.as_slice())
}

/// Rank of `name` in the popular list of `eco` (0 = most popular), if it is there.
/// `name` is normalised first.
pub fn popularity_rank(eco: &Ecosystem, name: &str) -> Option<usize> {
    let idx = index(eco)?;
    let n = normalise_name(eco, name);
    idx.rank.get(n.as_str()).map(|&r| r as usize)
}

/// True when `name` (normalised first) is in the popular list of `eco`.
pub fn is_popular(eco: &Ecosystem, name: &str) -> bool {
    popularity_rank(eco, name).is_some()
}

/// The popular package that `name` imitates, if any (see the crate docs for the rules).
/// `name` is normalised first; `None` for popular names themselves and for ecosystems
/// without a list.
pub fn typosquat_of(eco: &Ecosystem, name: &str) -> Option<&'static str> {
    let idx = index(eco)?;
    let n = normalise_name(eco, name);
    idx.typosquat_of(&n)
}

/// True when the popular name `p` of rank `rank` takes part in the one-edit rule.
fn edit_eligible(p: &str, rank: usize) -> bool {
    let len = p.chars().count();
    len >= SHORT_NAME_LEN || (len >= MIN_EDIT_LEN && rank < SHORT_NAME_TOP)
}

fn is_sep(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/')
}

/// The scope of an npm name (`@types` of `@types/node`).
fn npm_scope(name: &str) -> Option<&str> {
    name.strip_prefix('@')?.split_once('/').map(|(s, _)| s)
}

/// True when `name` is one edit from `p` and the edit is a plausible typo of `p`:
///
/// - not a digit replaced by another digit (`crispy-bootstrap4` / `crispy-bootstrap5`,
///   `boto2`: sibling versions, not typos);
/// - in a name made of several components (`tree-sitter-rust`), the edited component
///   has at least [`MIN_EDIT_LEN`] characters: `tree-sitter-rst` and `pidp-tools` are
///   siblings in a family of names, `requets-toolbelt` is a typo.
fn one_edit_squat(name: &str, p: &str) -> bool {
    if name == p || !osa_distance_at_most_one(name, p) {
        return false;
    }
    let a: Vec<char> = name.chars().collect();
    let b: Vec<char> = p.chars().collect();
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len()
        && a.get(pre).is_some_and(char::is_ascii_digit)
        && b.get(pre).is_some_and(char::is_ascii_digit)
        && a[pre + 1..] == b[pre + 1..]
    {
        return false;
    }
    if !b.iter().any(|&c| is_sep(c)) {
        return true;
    }
    // The component of `p` where the edit happens.
    let at = pre.min(b.len().saturating_sub(1));
    if b.get(at).is_some_and(|&c| is_sep(c)) && a.get(pre).is_none_or(|&c| is_sep(c)) {
        // An edit on a separator itself is the separator rule's business.
        return false;
    }
    let start = b[..at]
        .iter()
        .rposition(|&c| is_sep(c))
        .map_or(0, |i| i + 1);
    let end = b[at..]
        .iter()
        .position(|&c| is_sep(c))
        .map_or(b.len(), |i| at + i);
    end - start >= MIN_EDIT_LEN
}

/// `s` without `-`, `_` and `.`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect()
}

/// `s` itself and every string made by deleting one character of it.
fn deletion_neighbourhood(s: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(s.len() + 1);
    out.push(s.to_string());
    for (i, c) in s.char_indices() {
        let mut d = String::with_capacity(s.len());
        d.push_str(&s[..i]);
        d.push_str(&s[i + c.len_utf8()..]);
        if out.last() != Some(&d) {
            out.push(d);
        }
    }
    out
}

/// True when `a` and `b` differ by at most one insertion, deletion, substitution or
/// swap of two adjacent characters.
fn osa_distance_at_most_one(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if pre == la && pre == lb {
        return true;
    }
    let (ra, rb) = (&a[pre..], &b[pre..]);
    if la == lb {
        // substitution, or adjacent swap
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if la > lb {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

#[cfg(test)]
mod tests;

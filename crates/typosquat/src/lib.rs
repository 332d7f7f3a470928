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
//!    from `p` (optimal string alignment distance 1), and `p` has at least
//!    [`MIN_EDIT_LEN`] characters (short names have too many legitimate neighbours).
//! 2. **Separators**: `n` and `p` are equal once `-`, `_` and `.` are removed
//!    (`python-dateutil` vs `pythondateutil`, `lodash.merge` vs `lodash_merge`).
//! 3. **Affix**: `n` is `p` with one conservative prefix or suffix added
//!    ([`PREFIXES`], [`SUFFIXES`]: `python-`, `py`, `node-`, `-python`, `-dev`, `-js`,
//!    `2`, `3` ...), and `p` has at least [`MIN_AFFIX_LEN`] characters.
//!
//! When several popular names match, the most popular one (lowest rank) wins.

use malgraph_core::{Ecosystem, normalise_name};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Popular names of shorter length are not used for the one-edit rule.
pub const MIN_EDIT_LEN: usize = 5;
/// Popular names of shorter length are not used for the affix rule.
pub const MIN_AFFIX_LEN: usize = 4;

/// Prefixes that, added to a popular name, make a likely imitation (`python-requests`).
pub const PREFIXES: &[&str] = &[
    "python-", "python3-", "python", "py-", "py", "node-", "js-", "py3-",
];
/// Suffixes that, added to a popular name, make a likely imitation (`requests-dev`).
pub const SUFFIXES: &[&str] = &[
    "-python", "-py", "-dev", "-js", "js", "-lib", "2", "3", "-new", "-latest", "-utils",
];

const PYPI_LIST: &str = include_str!("../data/pypi.txt");
const NPM_LIST: &str = include_str!("../data/npm.txt");

/// The index of one ecosystem's popular list, built once.
struct Index {
    /// Names, most popular first.
    names: Vec<&'static str>,
    /// Name -> rank (index in `names`).
    rank: HashMap<&'static str, u32>,
    /// Deletion neighbourhood (the name itself and every one-character deletion) of
    /// names at least [`MIN_EDIT_LEN`] long -> ranks, ascending.
    deletes: HashMap<String, Vec<u32>>,
    /// Name with separators removed -> best rank.
    squashed: HashMap<String, u32>,
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
        for (r, n) in names.iter().enumerate() {
            let r = r as u32;
            squashed.entry(squash(n)).or_insert(r);
            if n.chars().count() >= MIN_EDIT_LEN {
                for d in deletion_neighbourhood(n) {
                    let v = deletes.entry(d).or_default();
                    if v.last() != Some(&r) {
                        v.push(r);
                    }
                }
            }
        }
        Index {
            names,
            rank,
            deletes,
            squashed,
        }
    }

    fn typosquat_of(&self, name: &str) -> Option<&'static str> {
        if name.is_empty() || self.rank.contains_key(name) {
            return None;
        }
        let mut best: Option<u32> = None;
        let mut consider = |r: u32| {
            if best.is_none_or(|b| r < b) {
                best = Some(r);
            }
        };

        // 1. One edit, through the symmetric deletion index.
        for d in deletion_neighbourhood(name) {
            if let Some(ranks) = self.deletes.get(&d) {
                for &r in ranks {
                    let p = self.names[r as usize];
                    if osa_distance_at_most_one(name, p) {
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

    fn affix_match(&self, rest: &str, consider: &mut impl FnMut(u32)) {
        if rest.chars().count() < MIN_AFFIX_LEN {
            return;
        }
        if let Some(&r) = self.rank.get(rest) {
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

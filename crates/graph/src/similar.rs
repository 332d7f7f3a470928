//! Near-duplicate search: one-permutation MinHash, banded LSH, exact Jaccard verification.
//!
//! Written here rather than with `gaoya`: we need a deterministic candidate order, a cap on
//! huge buckets (thousands of copies of one payload would otherwise make the candidate set
//! quadratic) and one hash pass per shingle (one-permutation hashing with rotation
//! densification), which keeps 100k packages to a few seconds.

use crate::fingerprint::mix;
use rayon::prelude::*;
use std::collections::HashMap;

/// A pair of item indices and their similarity.
type Pair = (usize, usize, f64);

/// Signature length (bins of one-permutation hashing).
pub const BINS: usize = 128;
/// Rows per LSH band; `BINS / ROWS` bands. 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a
/// candidate with probability 0.87, at 0.6 with 0.99, at 0.3 with 0.23.
pub const ROWS: usize = 4;

/// Options of [`similar_pairs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LshOptions {
    /// Minimum exact Jaccard similarity for an edge.
    pub threshold: f64,
    /// Buckets larger than this compare each member with its next `bucket_cap` members only.
    pub bucket_cap: usize,
    /// Keep at most this many best neighbours per item (an edge survives when it is in the
    /// top list of either end).
    pub max_neighbours: usize,
}

/// Candidates whose signature estimate is this far below the threshold are still verified.
const ESTIMATE_MARGIN: f64 = 0.1;

/// Jaccard estimate from two signatures (share of equal bins).
fn estimate(a: &[u64; BINS], b: &[u64; BINS]) -> f64 {
    let eq = a.iter().zip(b.iter()).filter(|(x, y)| x == y).count();
    eq as f64 / BINS as f64
}

/// One-permutation MinHash signature of a sorted shingle set (empty set: all `u64::MAX`).
pub fn signature(shingles: &[u64]) -> [u64; BINS] {
    let mut sig = [u64::MAX; BINS];
    for &s in shingles {
        let h = mix(s ^ 0x5bd1_e995_0000_0000);
        let bin = (h >> 57) as usize; // top 7 bits: 128 bins
        let v = h & ((1u64 << 57) - 1);
        if v < sig[bin] {
            sig[bin] = v;
        }
    }
    // rotation densification: an empty bin borrows from the next non-empty one
    if sig.iter().any(|&v| v != u64::MAX) {
        let orig = sig;
        for i in 0..BINS {
            if orig[i] == u64::MAX {
                let mut j = (i + 1) % BINS;
                let mut d = 1u64;
                while orig[j] == u64::MAX {
                    j = (j + 1) % BINS;
                    d += 1;
                }
                sig[i] = mix(orig[j] ^ d.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            }
        }
    }
    sig
}

/// Exact Jaccard similarity of two sorted, de-duplicated sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Size of the intersection of two sorted, de-duplicated sets, with a weight per element.
fn weighted_intersection(a: &[u64], b: &[u64], w: &dyn Fn(u64) -> f64) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += w(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    inter
}

/// Containment similarity of two sorted, de-duplicated sets: `|A ∩ B| / min(|A|, |B|)`
/// (1.0 when the smaller set is inside the larger one; 0.0 when either is empty).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    let small = a.len().min(b.len());
    if small == 0 {
        return 0.0;
    }
    weighted_intersection(a, b, &|_| 1.0) / small as f64
}

/// Weighted Jaccard of two sorted, de-duplicated sets: the summed weight of the intersection
/// over the summed weight of the union (`weight` of an element missing from the map is 1.0).
pub fn weighted_jaccard(a: &[u64], b: &[u64], weight: &HashMap<u64, f64>) -> f64 {
    let w = |h: u64| weight.get(&h).copied().unwrap_or(1.0);
    let inter = weighted_intersection(a, b, &w);
    let total: f64 = a.iter().chain(b.iter()).map(|&h| w(h)).sum::<f64>() - inter;
    if total <= 0.0 { 0.0 } else { inter / total }
}

/// Similarity measure verified on LSH candidates (see [`similar_pairs_with`]).
#[derive(Debug, Clone, Copy)]
pub enum Measure<'a> {
    /// Exact Jaccard.
    Jaccard,
    /// [`containment`]: a package whose code is inside a larger one is similar to it.
    Containment,
    /// [`weighted_jaccard`] with these per-shingle weights.
    Weighted(&'a HashMap<u64, f64>),
}

impl Measure<'_> {
    /// The similarity of two sets under this measure.
    pub fn score(&self, a: &[u64], b: &[u64]) -> f64 {
        match self {
            Measure::Jaccard => jaccard(a, b),
            Measure::Containment => containment(a, b),
            Measure::Weighted(w) => weighted_jaccard(a, b, w),
        }
    }
}

/// Pairs `(i, j, jaccard)` with `i < j` of items whose exact Jaccard is at least the threshold.
/// LSH candidates are ranked by their signature estimate, pruned to the best neighbours per
/// item, then verified with the exact Jaccard of the shingle sets. Deterministic: sorted by `(i, j)`.
/// Also returns the number of candidate pairs verified.
pub fn similar_pairs(sets: &[&[u64]], opts: &LshOptions) -> (Vec<(usize, usize, f64)>, usize) {
    similar_pairs_with(sets, opts, Measure::Jaccard)
}

/// As [`similar_pairs`], verified with `measure` instead of Jaccard. For measures other than
/// Jaccard the candidates are not pre-filtered by size or signature estimate (those bound
/// only Jaccard); LSH still proposes them, so pairs with a low Jaccard are rarely seen.
pub fn similar_pairs_with(
    sets: &[&[u64]],
    opts: &LshOptions,
    measure: Measure<'_>,
) -> (Vec<(usize, usize, f64)>, usize) {
    let is_jaccard = matches!(measure, Measure::Jaccard);
    let sigs: Vec<[u64; BINS]> = sets.par_iter().map(|s| signature(s)).collect();
    let bands = BINS / ROWS;
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(sets.len() * bands);
    for (idx, sig) in sigs.iter().enumerate() {
        if sets[idx].is_empty() {
            continue;
        }
        for b in 0..bands {
            let mut h = mix(b as u64 + 1);
            for r in 0..ROWS {
                h = mix(h ^ sig[b * ROWS + r]);
            }
            keys.push((h, idx as u32));
        }
    }
    keys.par_sort_unstable();
    // bucket end for every position; positions of every item's entries
    let mut bucket_end = vec![0u32; keys.len()];
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() && keys[end].0 == keys[start].0 {
            end += 1;
        }
        for e in &mut bucket_end[start..end] {
            *e = end as u32;
        }
        start = end;
    }
    let mut positions: Vec<Vec<u32>> = vec![Vec::new(); sets.len()];
    for (p, &(_, idx)) in keys.iter().enumerate() {
        positions[idx as usize].push(p as u32);
    }
    // per item: the members after it in each of its buckets (a window of `bucket_cap` in big
    // buckets; buckets are sorted by item index, so every candidate has a larger index)
    let per_item: Vec<(usize, Vec<Pair>)> = positions
        .par_iter()
        .enumerate()
        .map(|(a, pos)| {
            let mut cands: Vec<u32> = Vec::new();
            for &p in pos {
                let p = p as usize;
                let end = bucket_end[p] as usize;
                let limit = end.min(p + 1 + opts.bucket_cap);
                cands.extend(keys[p + 1..limit].iter().map(|k| k.1));
            }
            cands.sort_unstable();
            cands.dedup();
            let sa = sets[a];
            let found = cands
                .iter()
                .filter_map(|&b| {
                    let sb = sets[b as usize];
                    let (lo, hi) = (sa.len().min(sb.len()), sa.len().max(sb.len()));
                    // Jaccard can not exceed |small| / |large|
                    if is_jaccard && (lo as f64) < opts.threshold * hi as f64 {
                        return None;
                    }
                    // signature estimate first; exact Jaccard only for the kept pairs
                    let est = estimate(&sigs[a], &sigs[b as usize]);
                    (!is_jaccard || est >= opts.threshold - ESTIMATE_MARGIN)
                        .then_some((a, b as usize, est))
                })
                .collect();
            (cands.len(), found)
        })
        .collect();
    let n_cands = per_item.iter().map(|(c, _)| c).sum();
    let verified: Vec<(usize, usize, f64)> = per_item.into_iter().flat_map(|(_, v)| v).collect();
    // prune to the best neighbours per item
    let mut per: Vec<Vec<(f64, usize)>> = vec![Vec::new(); sets.len()];
    for &(a, b, j) in &verified {
        per[a].push((j, b));
        per[b].push((j, a));
    }
    let keep_of: Vec<Vec<usize>> = per
        .into_par_iter()
        .map(|mut v| {
            v.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            v.truncate(opts.max_neighbours);
            let mut ids: Vec<usize> = v.into_iter().map(|(_, o)| o).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let kept: Vec<(usize, usize)> = verified
        .into_iter()
        .filter(|&(a, b, _)| {
            keep_of[a].binary_search(&b).is_ok() || keep_of[b].binary_search(&a).is_ok()
        })
        .map(|(a, b, _)| (a, b))
        .collect();
    let out = kept
        .into_par_iter()
        .filter_map(|(a, b)| {
            let j = measure.score(sets[a], sets[b]);
            (j >= opts.threshold).then_some((a, b, j))
        })
        .collect();
    (out, n_cands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_exact() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[1], &[2]), 0.0);
    }

    #[test]
    fn containment_and_weighted() {
        assert_eq!(containment(&[1, 2], &[1, 2, 3, 4]), 1.0);
        assert_eq!(containment(&[], &[1]), 0.0);
        let mut w = HashMap::new();
        w.insert(1u64, 0.0);
        // the shared element weighs nothing, the two others 1 each
        assert_eq!(weighted_jaccard(&[1, 2], &[1, 3], &w), 0.0);
        w.insert(1u64, 2.0);
        assert_eq!(weighted_jaccard(&[1, 2], &[1, 3], &w), 0.5);
        assert_eq!(Measure::Jaccard.score(&[1, 2], &[1, 3]), 1.0 / 3.0);
    }

    #[test]
    fn lsh_finds_near_duplicates_only() {
        let a: Vec<u64> = (0..300).collect();
        let mut b: Vec<u64> = (10..310).collect(); // J = 290/310
        b.sort_unstable();
        let c: Vec<u64> = (1000..1300).collect();
        let sets: Vec<&[u64]> = vec![&a, &b, &c];
        let (pairs, _) = similar_pairs(
            &sets,
            &LshOptions {
                threshold: 0.5,
                bucket_cap: 10,
                max_neighbours: 5,
            },
        );
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].0, pairs[0].1), (0, 1));
        assert!((pairs[0].2 - 290.0 / 310.0).abs() < 1e-9);
    }
}

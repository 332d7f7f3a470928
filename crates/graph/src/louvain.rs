//! Louvain community detection (Blondel et al. 2008) on a small weighted undirected graph.
//!
//! Own implementation so that the result is deterministic (nodes visited in index order, ties
//! keep the current community, then the smallest community id): two builds of the same input
//! must export identical graphs.

use std::collections::BTreeMap;

/// Communities of `n` nodes joined by weighted undirected `edges`. Returns the community index
/// of each node, numbered from 0 in order of the first node of each community.
pub fn louvain(n: usize, edges: &[(usize, usize, f64)], resolution: f64) -> Vec<usize> {
    // adjacency without self loops; self weights kept apart
    let mut adj: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); n];
    let mut selfw = vec![0.0f64; n];
    for &(a, b, w) in edges {
        if a >= n || b >= n || !w.is_finite() || w <= 0.0 {
            continue;
        }
        if a == b {
            selfw[a] += w;
        } else {
            *adj[a].entry(b).or_default() += w;
            *adj[b].entry(a).or_default() += w;
        }
    }
    let mut assignment: Vec<usize> = (0..n).collect();
    let mut cur_n = n;
    for _level in 0..32 {
        let (comm, moved) = one_level(cur_n, &adj, &selfw, resolution);
        if !moved {
            break;
        }
        // renumber
        let mut remap: BTreeMap<usize, usize> = BTreeMap::new();
        let mut order = Vec::with_capacity(cur_n);
        for &c in &comm {
            let next = remap.len();
            let id = *remap.entry(c).or_insert(next);
            order.push(id);
        }
        let new_n = remap.len();
        for a in assignment.iter_mut() {
            *a = order[*a];
        }
        let mut nadj: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); new_n];
        let mut nself = vec![0.0f64; new_n];
        for i in 0..cur_n {
            nself[order[i]] += selfw[i];
            for (&j, &w) in &adj[i] {
                if i < j {
                    let (ci, cj) = (order[i], order[j]);
                    if ci == cj {
                        nself[ci] += w;
                    } else {
                        *nadj[ci].entry(cj).or_default() += w;
                        *nadj[cj].entry(ci).or_default() += w;
                    }
                }
            }
        }
        adj = nadj;
        selfw = nself;
        if new_n == cur_n {
            break;
        }
        cur_n = new_n;
    }
    // final renumbering by first node
    let mut remap: BTreeMap<usize, usize> = BTreeMap::new();
    assignment
        .iter()
        .map(|&c| {
            let next = remap.len();
            *remap.entry(c).or_insert(next)
        })
        .collect()
}

fn one_level(
    n: usize,
    adj: &[BTreeMap<usize, f64>],
    selfw: &[f64],
    resolution: f64,
) -> (Vec<usize>, bool) {
    let k: Vec<f64> = (0..n)
        .map(|i| adj[i].values().sum::<f64>() + 2.0 * selfw[i])
        .collect();
    let m2: f64 = k.iter().sum();
    let mut comm: Vec<usize> = (0..n).collect();
    if m2 <= 0.0 {
        return (comm, false);
    }
    let mut tot = k.clone();
    let mut moved_any = false;
    for _pass in 0..64 {
        let mut moved = false;
        for i in 0..n {
            let old = comm[i];
            tot[old] -= k[i];
            let mut w_to: BTreeMap<usize, f64> = BTreeMap::new();
            w_to.insert(old, 0.0);
            for (&j, &w) in &adj[i] {
                *w_to.entry(comm[j]).or_default() += w;
            }
            let gain = |c: usize, w: f64| w - resolution * tot[c] * k[i] / m2;
            let mut best = old;
            let mut best_gain = gain(old, w_to[&old]);
            for (&c, &w) in &w_to {
                let g = gain(c, w);
                if g > best_gain + 1e-12 {
                    best = c;
                    best_gain = g;
                }
            }
            tot[best] += k[i];
            if best != old {
                comm[i] = best;
                moved = true;
                moved_any = true;
            }
        }
        if !moved {
            break;
        }
    }
    (comm, moved_any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_joined_by_a_bridge_split() {
        let mut e = Vec::new();
        for a in 0..5 {
            for b in a + 1..5 {
                e.push((a, b, 1.0));
                e.push((a + 5, b + 5, 1.0));
            }
        }
        e.push((4, 5, 1.0));
        let c = louvain(10, &e, 1.0);
        assert!(c[..5].iter().all(|&x| x == c[0]));
        assert!(c[5..].iter().all(|&x| x == c[5]));
        assert_ne!(c[0], c[5]);
        assert_eq!(c, louvain(10, &e, 1.0));
    }
}

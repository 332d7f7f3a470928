//! Campaigns (connected groups, split by Louvain), their summaries, evolution and diversity.

use crate::build::{BuildOptions, VersionFacts, package_part};
use crate::louvain::louvain;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Union-find with path halving; union by smaller index keeps roots deterministic.
pub(crate) struct Dsu(Vec<usize>);

impl Dsu {
    pub(crate) fn new(n: usize) -> Dsu {
        Dsu((0..n).collect())
    }
    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

fn is_member(k: NodeKind) -> bool {
    matches!(k, NodeKind::Package | NodeKind::PackageVersion)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn days_from_civil(d: &str) -> Option<i64> {
    let y: i64 = d.get(0..4)?.parse().ok()?;
    let m: i64 = d.get(5..7)?.parse().ok()?;
    let dd: i64 = d.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Campaigns over the chosen edge kinds.
pub(crate) fn campaigns(
    nodes: &[Node],
    edges: &[Edge],
    facts: &HashMap<String, VersionFacts>,
    opts: &BuildOptions,
) -> Vec<Campaign> {
    let idx: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let joins = |k: EdgeKind| {
        matches!(k, EdgeKind::VersionOf | EdgeKind::ArtifactOf) || opts.campaign_edges.contains(&k)
    };
    let mut dsu = Dsu::new(nodes.len());
    let mut jedges: Vec<(usize, usize, f64)> = Vec::new();
    for e in edges {
        if !joins(e.kind) {
            continue;
        }
        if let (Some(&a), Some(&b)) = (idx.get(e.source.as_str()), idx.get(e.target.as_str())) {
            // a source names thousands of packages: duplicated-by-sources edges to it are
            // facts about one record, never a link between records
            if nodes[a].kind == NodeKind::Source || nodes[b].kind == NodeKind::Source {
                continue;
            }
            dsu.union(a, b);
            jedges.push((a, b, e.score.unwrap_or(1.0)));
        }
    }
    let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..nodes.len() {
        let r = dsu.find(i);
        comps.entry(r).or_default().push(i);
    }
    // group id per node
    let mut group_of: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut groups: Vec<(Vec<usize>, bool)> = Vec::new();
    let mut edges_by_root: HashMap<usize, Vec<(usize, usize, f64)>> = HashMap::new();
    let big: BTreeSet<usize> = comps
        .iter()
        .filter(|(_, c)| c.iter().filter(|&&i| is_member(nodes[i].kind)).count() > opts.split_above)
        .map(|(&r, _)| r)
        .collect();
    for &(a, b, w) in &jedges {
        let r = dsu.find(a);
        if big.contains(&r) {
            edges_by_root.entry(r).or_default().push((a, b, w));
        }
    }
    for (root, comp) in &comps {
        let n_members = comp.iter().filter(|&&i| is_member(nodes[i].kind)).count();
        if n_members == 0 {
            continue;
        }
        if n_members > opts.split_above {
            let local: HashMap<usize, usize> =
                comp.iter().enumerate().map(|(l, &g)| (g, l)).collect();
            let le: Vec<(usize, usize, f64)> = edges_by_root
                .get(root)
                .map(|v| {
                    v.iter()
                        .filter_map(|&(a, b, w)| Some((*local.get(&a)?, *local.get(&b)?, w)))
                        .collect()
                })
                .unwrap_or_default();
            let mut comm = louvain(comp.len(), &le, opts.resolution);
            merge_small_communities(
                &mut comm,
                &le,
                |l| is_member(nodes[comp[l]].kind).then(|| package_part(&nodes[comp[l]].id)),
                opts.min_campaign_names.max(2),
            );
            let n_comm = comm.iter().max().map_or(0, |m| m + 1);
            let base = groups.len();
            for _ in 0..n_comm {
                groups.push((Vec::new(), true));
            }
            for (l, &g) in comp.iter().enumerate() {
                groups[base + comm[l]].0.push(g);
                group_of[g] = Some(base + comm[l]);
            }
        } else {
            let gi = groups.len();
            groups.push((comp.clone(), false));
            for &g in comp {
                group_of[g] = Some(gi);
            }
        }
    }
    // per-group edge facts in one pass
    let mut reports: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); groups.len()];
    let mut iocs: Vec<BTreeMap<usize, BTreeSet<String>>> = vec![BTreeMap::new(); groups.len()];
    let mut code_degree: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); groups.len()];
    for e in edges {
        let (Some(&a), Some(&b)) = (idx.get(e.source.as_str()), idx.get(e.target.as_str())) else {
            continue;
        };
        match e.kind {
            EdgeKind::CoExisting => {
                if let Some(g) = group_of[b] {
                    *reports[g].entry(a).or_default() += 1;
                }
            }
            EdgeKind::SharedIndicator => {
                if let Some(g) = group_of[a]
                    && is_member(nodes[a].kind)
                {
                    iocs[g]
                        .entry(b)
                        .or_default()
                        .insert(package_part(&nodes[a].id).to_string());
                }
            }
            EdgeKind::Similar | EdgeKind::Duplicated
                if group_of[a].is_some() && group_of[a] == group_of[b] =>
            {
                let g = group_of[a].unwrap_or_default();
                *code_degree[g].entry(a).or_default() += 1;
                *code_degree[g].entry(b).or_default() += 1;
            }
            _ => {}
        }
    }
    let mut out: Vec<Campaign> = Vec::new();
    for (gi, (members_idx, split)) in groups.iter().enumerate() {
        let members: Vec<usize> = members_idx
            .iter()
            .copied()
            .filter(|&i| is_member(nodes[i].kind))
            .collect();
        let names: BTreeSet<String> = members
            .iter()
            .map(|&i| package_part(&nodes[i].id).to_string())
            .collect();
        if names.len() < opts.min_campaign_names.max(1) {
            continue;
        }
        let ecosystems: BTreeSet<String> = members
            .iter()
            .filter_map(|&i| {
                nodes[i]
                    .attrs
                    .get("ecosystem")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        let mut dates: Vec<&str> = members
            .iter()
            .filter_map(|&i| facts.get(&nodes[i].id)?.date.as_deref())
            .collect();
        dates.sort_unstable();
        let mut cats: BTreeMap<String, usize> = BTreeMap::new();
        let mut stages: BTreeMap<String, usize> = BTreeMap::new();
        let mut evs: BTreeMap<String, usize> = BTreeMap::new();
        for &i in &members {
            if let Some(f) = facts.get(&nodes[i].id) {
                for c in &f.categories {
                    *cats.entry(c.clone()).or_default() += 1;
                }
                for c in &f.stages {
                    *stages.entry(c.clone()).or_default() += 1;
                }
                for c in &f.evasions {
                    *evs.entry(c.clone()).or_default() += 1;
                }
            }
        }
        let representative = members
            .iter()
            .copied()
            .filter(|&i| facts.get(&nodes[i].id).is_some_and(|f| f.has_code))
            .max_by(|&a, &b| {
                let da = code_degree[gi].get(&a).copied().unwrap_or(0);
                let db = code_degree[gi].get(&b).copied().unwrap_or(0);
                da.cmp(&db).then(b.cmp(&a))
            })
            .or_else(|| {
                members
                    .iter()
                    .copied()
                    .find(|&i| nodes[i].kind == NodeKind::PackageVersion)
            })
            .map(|i| nodes[i].id.clone());
        let mut rep_list: Vec<(usize, usize)> = reports[gi].iter().map(|(&r, &c)| (r, c)).collect();
        rep_list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let indicators: Vec<String> = iocs[gi]
            .iter()
            .filter(|(_, n)| n.len() >= 2)
            .map(|(&i, _)| nodes[i].id.clone())
            .collect();
        let member_ids: Vec<String> = members.iter().map(|&i| nodes[i].id.clone()).collect();
        let evolution = evolution(&member_ids, facts);
        out.push(Campaign {
            id: String::new(),
            members: member_ids,
            names: names.into_iter().collect(),
            ecosystems: ecosystems.into_iter().collect(),
            first_seen: dates.first().map(|s| s.to_string()),
            last_seen: dates.last().map(|s| s.to_string()),
            categories: ranked(cats),
            stages: ranked(stages),
            evasions: ranked(evs),
            indicators,
            representative,
            reports: rep_list
                .into_iter()
                .map(|(r, _)| nodes[r].id.clone())
                .collect(),
            evolution,
            split: *split,
        });
    }
    out.sort_by(|a, b| {
        b.names
            .len()
            .cmp(&a.names.len())
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.members.cmp(&b.members))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.id = format!("campaign:{}", i + 1);
    }
    out
}

/// Merge every community with fewer than `min_names` distinct package names into the
/// community it is most strongly connected to (ties: the smallest community index), so that a
/// split never leaves a package alone that its component joined to others.
fn merge_small_communities<'a>(
    comm: &mut [usize],
    edges: &[(usize, usize, f64)],
    name_of: impl Fn(usize) -> Option<&'a str>,
    min_names: usize,
) {
    for _round in 0..4 {
        let n_comm = comm.iter().max().map_or(0, |m| m + 1);
        let mut names: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); n_comm];
        for (l, &c) in comm.iter().enumerate() {
            if let Some(n) = name_of(l) {
                names[c].insert(n);
            }
        }
        let small: Vec<bool> = names.iter().map(|s| s.len() < min_names).collect();
        if !small.iter().any(|&x| x) {
            return;
        }
        let mut links: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
        for &(a, b, w) in edges {
            let (ca, cb) = (comm[a], comm[b]);
            if ca != cb {
                if small[ca] {
                    *links.entry(ca).or_default().entry(cb).or_default() += w;
                }
                if small[cb] {
                    *links.entry(cb).or_default().entry(ca).or_default() += w;
                }
            }
        }
        let mut target: Vec<usize> = (0..n_comm).collect();
        let mut changed = false;
        for (c, to) in links {
            let mut best: Option<(usize, f64)> = None;
            for (&d, &w) in &to {
                if best.is_none_or(|(_, bw)| w > bw) {
                    best = Some((d, w));
                }
            }
            if let Some((d, _)) = best {
                // never merge two small communities into each other both ways
                if !(small[d] && target[d] == c) {
                    target[c] = d;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
        for c in comm.iter_mut() {
            // follow chains of merges
            let mut t = *c;
            for _ in 0..n_comm {
                if target[t] == t {
                    break;
                }
                t = target[t];
            }
            *c = t;
        }
    }
}

fn ranked(m: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Evolution over the members in time order: versions, plus packages with no version member.
pub(crate) fn evolution(members: &[String], facts: &HashMap<String, VersionFacts>) -> Evolution {
    let with_versions: BTreeSet<&str> = members
        .iter()
        .filter(|m| m.starts_with("ver:"))
        .map(|m| package_part(m))
        .collect();
    let mut units: Vec<(&str, &VersionFacts)> = members
        .iter()
        .filter(|m| m.starts_with("ver:") || !with_versions.contains(package_part(m)))
        .filter_map(|m| {
            let f = facts.get(m)?;
            Some((f.date.as_deref()?, f))
        })
        .collect();
    units.sort_by(|a, b| {
        a.0.cmp(b.0)
            .then(a.1.name.cmp(&b.1.name))
            .then(a.1.version.cmp(&b.1.version))
    });
    let mut ev = Evolution {
        members: units.len(),
        ..Evolution::default()
    };
    if units.len() < 2 {
        return ev;
    }
    let (mut cn, mut cv) = (0usize, 0usize);
    let (mut cd, mut cd_n, mut cdep, mut cdep_n, mut cc, mut cc_n) = (0, 0, 0, 0, 0, 0);
    for w in units.windows(2) {
        let (a, b) = (w[0].1, w[1].1);
        if a.name != b.name {
            cn += 1;
        } else if a.version != b.version {
            cv += 1;
        }
        if let (Some(x), Some(y)) = (&a.summary, &b.summary) {
            cd_n += 1;
            cd += usize::from(x != y);
        }
        if let (Some(x), Some(y)) = (&a.deps, &b.deps) {
            cdep_n += 1;
            cdep += usize::from(x != y);
        }
        if let (Some(x), Some(y)) = (&a.code, &b.code) {
            cc_n += 1;
            cc += usize::from(x != y);
        }
    }
    let steps = units.len() - 1;
    let ratio = |x: usize, n: usize| {
        if n == 0 {
            0.0
        } else {
            ((x as f64 / n as f64) * 1000.0).round() / 1000.0
        }
    };
    ev.steps = steps;
    ev.cn = ratio(cn, steps);
    ev.cv = ratio(cv, steps);
    ev.cd = ratio(cd, cd_n);
    ev.cdep = ratio(cdep, cdep_n);
    ev.cc = ratio(cc, cc_n);
    let first = units.first().and_then(|u| days_from_civil(u.0));
    let last = units.last().and_then(|u| days_from_civil(u.0));
    ev.active_days = match (first, last) {
        (Some(f), Some(l)) => Some(l - f),
        _ => None,
    };
    ev
}

/// Diversity: package versions with code versus distinct code clusters (connected under
/// duplicated and similar edges), and new clusters per month.
pub(crate) fn diversity(
    nodes: &[Node],
    edges: &[Edge],
    facts: &HashMap<String, VersionFacts>,
) -> Diversity {
    let coded: Vec<&str> = nodes
        .iter()
        .filter(|n| facts.get(&n.id).is_some_and(|f| f.has_code))
        .map(|n| n.id.as_str())
        .collect();
    let idx: HashMap<&str, usize> = coded.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let mut dsu = Dsu::new(coded.len());
    for e in edges {
        if matches!(e.kind, EdgeKind::Similar | EdgeKind::Duplicated)
            && let (Some(&a), Some(&b)) = (idx.get(e.source.as_str()), idx.get(e.target.as_str()))
        {
            dsu.union(a, b);
        }
    }
    let mut first: BTreeMap<usize, Option<String>> = BTreeMap::new();
    for (i, id) in coded.iter().enumerate() {
        let r = dsu.find(i);
        let d = facts.get(*id).and_then(|f| f.date.clone());
        let slot = first.entry(r).or_insert(None);
        if let Some(d) = d
            && slot.as_ref().is_none_or(|s| d < *s)
        {
            *slot = Some(d);
        }
    }
    let mut per_month: BTreeMap<String, usize> = BTreeMap::new();
    for d in first.values().flatten() {
        *per_month.entry(d[..7].to_string()).or_default() += 1;
    }
    Diversity {
        packages_with_code: coded.len(),
        code_clusters: first.len(),
        new_clusters_per_month: per_month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil("1970-01-01"), Some(0));
        assert_eq!(days_from_civil("2024-03-01"), Some(19783));
        assert_eq!(
            days_from_civil("2023-03-01")
                .zip(days_from_civil("2023-02-01"))
                .map(|(a, b)| a - b),
            Some(28)
        );
        assert_eq!(days_from_civil("2023-13-01"), None);
    }

    #[test]
    fn evolution_ratios() {
        let f = |name: &str, v: &str, d: &str, code: &str| VersionFacts {
            name: name.into(),
            version: Some(v.into()),
            date: Some(d.into()),
            code: Some(code.into()),
            ..VersionFacts::default()
        };
        let mut facts = HashMap::new();
        facts.insert(
            "ver:pypi/a@1".to_string(),
            f("pypi/a", "1", "2023-01-01", "x"),
        );
        facts.insert(
            "ver:pypi/a@2".to_string(),
            f("pypi/a", "2", "2023-01-05", "x"),
        );
        facts.insert(
            "ver:pypi/b@1".to_string(),
            f("pypi/b", "1", "2023-01-11", "y"),
        );
        let ev = evolution(
            &[
                "ver:pypi/b@1".into(),
                "ver:pypi/a@2".into(),
                "ver:pypi/a@1".into(),
            ],
            &facts,
        );
        assert_eq!(ev.steps, 2);
        assert_eq!(ev.cn, 0.5);
        assert_eq!(ev.cv, 0.5);
        assert_eq!(ev.cc, 0.5);
        assert_eq!(ev.active_days, Some(10));
    }
}

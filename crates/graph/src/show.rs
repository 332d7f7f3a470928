//! `graph show` and `campaigns`: neighbours with explanations, text renderers.

use crate::model::*;
use malgraph_core::PackageId;
use serde::Serialize;
use std::fmt::Write as _;

/// One edge at a package node, seen from that node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeExplanation {
    /// The node of the queried package the edge touches (package or one of its versions).
    pub node: String,
    /// The node at the other end.
    pub neighbour: String,
    pub neighbour_kind: NodeKind,
    pub neighbour_label: String,
    pub kind: EdgeKind,
    /// True when the edge points from `node` to `neighbour`.
    pub outgoing: bool,
    pub why: String,
    pub score: Option<f64>,
}

/// Neighbours of a package (its package node and all its versions) or of one version, each
/// edge with its kind and reason. Sorted by node, edge kind, neighbour.
pub fn neighbours(graph: &Graph, id: &PackageId) -> Vec<EdgeExplanation> {
    let own: Vec<String> = match &id.version {
        Some(_) => vec![version_node_id(id)],
        None => {
            let pkg = package_node_id(&id.package());
            let prefix = format!("ver:{}/{}@", id.ecosystem.slug(), id.name);
            let mut v: Vec<String> = graph
                .nodes
                .iter()
                .filter(|n| n.id.starts_with(&prefix))
                .map(|n| n.id.clone())
                .collect();
            v.insert(0, pkg);
            v
        }
    };
    let is_own = |s: &str| own.iter().any(|o| o == s);
    let mut out = Vec::new();
    for e in &graph.edges {
        let (node, other, outgoing) = if is_own(&e.source) {
            (&e.source, &e.target, true)
        } else if is_own(&e.target) {
            (&e.target, &e.source, false)
        } else {
            continue;
        };
        // the version-of edges between the queried package and its own versions say nothing
        if e.kind == EdgeKind::VersionOf && is_own(other) {
            continue;
        }
        let (nk, nl) = graph
            .node(other)
            .map(|n| (n.kind, n.label.clone()))
            .unwrap_or((NodeKind::Package, other.clone()));
        out.push(EdgeExplanation {
            node: node.clone(),
            neighbour: other.clone(),
            neighbour_kind: nk,
            neighbour_label: nl,
            kind: e.kind,
            outgoing,
            why: e.why.clone(),
            score: e.score,
        });
    }
    out.sort_by(|a, b| {
        a.node
            .cmp(&b.node)
            .then(a.kind.cmp(&b.kind))
            .then(a.neighbour.cmp(&b.neighbour))
    });
    out
}

/// Text for `graph show`.
pub fn render_show_text(graph: &Graph, id: &PackageId, edges: &[EdgeExplanation]) -> String {
    let mut s = String::new();
    let pkg = package_node_id(&id.package());
    if graph.node(&pkg).is_none() {
        let _ = writeln!(s, "{id}: not in the graph");
        return s;
    }
    let _ = writeln!(s, "{id}: {} edges", edges.len());
    let mut cur = "";
    for e in edges {
        if e.node != cur {
            cur = &e.node;
            let _ = writeln!(s, "\n{cur}");
        }
        let arrow = if e.outgoing { "->" } else { "<-" };
        let _ = writeln!(
            s,
            "  {arrow} [{}] {} ({}): {}",
            e.kind, e.neighbour_label, e.neighbour_kind, e.why
        );
    }
    s
}

fn top(list: &[(String, usize)], n: usize) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter()
        .take(n)
        .map(|(k, c)| format!("{k} ({c})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text for `campaigns`: one block per campaign, then the diversity figures.
pub fn render_campaigns_text(graph: &Graph) -> String {
    let mut s = String::new();
    let st = &graph.stats;
    let _ = writeln!(
        s,
        "{} campaigns covering {} of {} package names\n",
        graph.campaigns.len(),
        st.names_in_campaigns,
        st.names_total
    );
    for c in &graph.campaigns {
        let _ = writeln!(
            s,
            "{}{}: {} packages, {} members, {}",
            c.id,
            if c.split { " (split by Louvain)" } else { "" },
            c.names.len(),
            c.members.len(),
            c.ecosystems.join(", ")
        );
        let _ = writeln!(
            s,
            "  active: {} .. {}{}",
            c.first_seen.as_deref().unwrap_or("?"),
            c.last_seen.as_deref().unwrap_or("?"),
            c.evolution
                .active_days
                .map(|d| format!(" ({d} days)"))
                .unwrap_or_default()
        );
        let names: Vec<&str> = c.names.iter().take(8).map(String::as_str).collect();
        let more = c.names.len().saturating_sub(8);
        let _ = writeln!(
            s,
            "  names: {}{}",
            names.join(", "),
            if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            }
        );
        let _ = writeln!(s, "  categories: {}", top(&c.categories, 5));
        let _ = writeln!(s, "  stages: {}", top(&c.stages, 3));
        let _ = writeln!(s, "  evasion: {}", top(&c.evasions, 4));
        if !c.indicators.is_empty() {
            let ind: Vec<&str> = c
                .indicators
                .iter()
                .take(5)
                .map(|i| graph.node(i).map_or(i.as_str(), |n| n.label.as_str()))
                .collect();
            let _ = writeln!(s, "  shared indicators: {}", ind.join(", "));
        }
        if let Some(r) = &c.representative {
            let _ = writeln!(s, "  representative: {r}");
        }
        for r in c.reports.iter().take(3) {
            let label = graph.node(r).map_or(r.as_str(), |n| n.label.as_str());
            let _ = writeln!(s, "  report: {label}");
        }
        let e = &c.evolution;
        if e.steps > 0 {
            let _ = writeln!(
                s,
                "  evolution over {} steps: CN {:.2} CV {:.2} CD {:.2} CDep {:.2} CC {:.2}",
                e.steps, e.cn, e.cv, e.cd, e.cdep, e.cc
            );
        }
        s.push('\n');
    }
    let d = &graph.diversity;
    let _ = writeln!(
        s,
        "diversity: {} package versions with code in {} code clusters",
        d.packages_with_code, d.code_clusters
    );
    for (m, n) in &d.new_clusters_per_month {
        let _ = writeln!(s, "  {m}: {n} new clusters");
    }
    s
}

/// JSON for `campaigns --format json`: campaigns, diversity and counters.
pub fn campaigns_json(graph: &Graph) -> serde_json::Value {
    serde_json::json!({
        "campaigns": graph.campaigns,
        "diversity": graph.diversity,
        "stats": graph.stats,
    })
}

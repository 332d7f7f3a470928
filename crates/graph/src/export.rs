//! Exports: node-link JSON (networkx), GraphML, Neo4j import files (CSV + Cypher).
//!
//! All exports are deterministic: nodes and edges are written in the graph's sorted order.

use crate::GraphError;
use crate::model::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// networkx node-link JSON.
    Json,
    /// GraphML.
    Graphml,
    /// Neo4j CSV files and an `import.cypher` script (a directory).
    Neo4j,
}

impl ExportFormat {
    /// Parse `json`, `graphml` or `neo4j`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "json" | "node-link" => Some(ExportFormat::Json),
            "graphml" => Some(ExportFormat::Graphml),
            "neo4j" | "cypher" => Some(ExportFormat::Neo4j),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct NlNode<'a> {
    id: &'a str,
    kind: &'a str,
    label: &'a str,
    #[serde(flatten)]
    attrs: &'a BTreeMap<String, Value>,
}

#[derive(Serialize)]
struct NlLink<'a> {
    source: &'a str,
    target: &'a str,
    key: usize,
    kind: &'a str,
    why: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

#[derive(Serialize)]
struct NlGraph<'a> {
    name: &'a str,
    stats: &'a GraphStats,
    diversity: &'a Diversity,
}

#[derive(Serialize)]
struct NlDoc<'a> {
    directed: bool,
    multigraph: bool,
    graph: NlGraph<'a>,
    nodes: Vec<NlNode<'a>>,
    links: Vec<NlLink<'a>>,
}

/// Write node-link JSON (see [`to_node_link_json`]) to `w`, streaming.
pub fn write_node_link_json<W: std::io::Write>(g: &Graph, w: W) -> Result<(), GraphError> {
    let doc = NlDoc {
        directed: true,
        multigraph: true,
        graph: NlGraph {
            name: "malgraph",
            stats: &g.stats,
            diversity: &g.diversity,
        },
        nodes: g
            .nodes
            .iter()
            .map(|n| NlNode {
                id: &n.id,
                kind: n.kind.as_str(),
                label: &n.label,
                attrs: &n.attrs,
            })
            .collect(),
        links: g
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| NlLink {
                source: &e.source,
                target: &e.target,
                key: i,
                kind: e.kind.as_str(),
                why: &e.why,
                score: e.score,
            })
            .collect(),
    };
    let mut w = std::io::BufWriter::new(w);
    serde_json::to_writer(&mut w, &doc)?;
    w.write_all(b"\n")
        .and_then(|_| w.flush())
        .map_err(|e| GraphError::io(Path::new("<output>"), e))
}

/// Node-link JSON as read by `networkx.node_link_graph(data, edges="links")`: top-level
/// `directed`, `multigraph`, `graph`, `nodes` (`id`, `kind`, `label`, attributes) and `links`
/// (`source`, `target`, `key`, `kind`, `why`, `score`).
pub fn to_node_link_json(g: &Graph) -> String {
    let mut buf = Vec::new();
    if write_node_link_json(g, &mut buf).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

fn xml_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // characters XML 1.0 cannot carry
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum AttrType {
    Long,
    Double,
    Boolean,
    Str,
}

fn type_of(v: &Value) -> AttrType {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => AttrType::Long,
        Value::Number(_) => AttrType::Double,
        Value::Bool(_) => AttrType::Boolean,
        _ => AttrType::Str,
    }
}

fn unify(a: AttrType, b: AttrType) -> AttrType {
    match (a, b) {
        (x, y) if x == y => x,
        (AttrType::Long, AttrType::Double) | (AttrType::Double, AttrType::Long) => AttrType::Double,
        _ => AttrType::Str,
    }
}

fn type_name(t: AttrType) -> &'static str {
    match t {
        AttrType::Long => "long",
        AttrType::Double => "double",
        AttrType::Boolean => "boolean",
        AttrType::Str => "string",
    }
}

/// GraphML (directed; every attribute declared with a `<key>`; lists joined with `; `).
pub fn to_graphml(g: &Graph) -> String {
    let mut node_keys: BTreeMap<String, AttrType> = BTreeMap::new();
    node_keys.insert("kind".into(), AttrType::Str);
    node_keys.insert("label".into(), AttrType::Str);
    for n in &g.nodes {
        for (k, v) in &n.attrs {
            let t = type_of(v);
            node_keys
                .entry(k.clone())
                .and_modify(|x| *x = unify(*x, t))
                .or_insert(t);
        }
    }
    let mut out = String::with_capacity(g.nodes.len() * 200 + g.edges.len() * 150);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    let node_key_ids: BTreeMap<&String, String> = node_keys
        .keys()
        .enumerate()
        .map(|(i, k)| (k, format!("n{i}")))
        .collect();
    for (k, t) in &node_keys {
        out.push_str("  <key id=\"");
        out.push_str(&node_key_ids[k]);
        out.push_str("\" for=\"node\" attr.name=\"");
        xml_escape(k, &mut out);
        let _ = writeln!(out, "\" attr.type=\"{}\"/>", type_name(*t));
    }
    out.push_str("  <key id=\"e_kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"e_why\" for=\"edge\" attr.name=\"why\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"e_score\" for=\"edge\" attr.name=\"score\" attr.type=\"double\"/>\n");
    out.push_str("  <graph id=\"malgraph\" edgedefault=\"directed\">\n");
    for n in &g.nodes {
        out.push_str("    <node id=\"");
        xml_escape(&n.id, &mut out);
        out.push_str("\">");
        let data = |key: &str, val: &str, out: &mut String| {
            out.push_str("<data key=\"");
            out.push_str(key);
            out.push_str("\">");
            xml_escape(val, out);
            out.push_str("</data>");
        };
        data(
            &node_key_ids[&"kind".to_string()],
            n.kind.as_str(),
            &mut out,
        );
        data(&node_key_ids[&"label".to_string()], &n.label, &mut out);
        for (k, v) in &n.attrs {
            if k == "kind" || k == "label" {
                continue;
            }
            data(&node_key_ids[k], &scalar(v), &mut out);
        }
        out.push_str("</node>\n");
    }
    for (i, e) in g.edges.iter().enumerate() {
        let _ = write!(out, "    <edge id=\"e{i}\" source=\"");
        xml_escape(&e.source, &mut out);
        out.push_str("\" target=\"");
        xml_escape(&e.target, &mut out);
        out.push_str("\"><data key=\"e_kind\">");
        out.push_str(e.kind.as_str());
        out.push_str("</data><data key=\"e_why\">");
        xml_escape(&e.why, &mut out);
        out.push_str("</data>");
        if let Some(s) = e.score {
            let _ = write!(out, "<data key=\"e_score\">{s}</data>");
        }
        out.push_str("</edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn neo4j_label(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Package => "Package",
        NodeKind::PackageVersion => "PackageVersion",
        NodeKind::Artifact => "Artifact",
        NodeKind::Source => "Source",
        NodeKind::Report => "Report",
        NodeKind::Indicator => "Indicator",
        NodeKind::Campaign => "Campaign",
    }
}

fn neo4j_rel(k: EdgeKind) -> String {
    k.as_str().replace('-', "_").to_ascii_uppercase()
}

fn file_stem(s: &str) -> String {
    s.replace('-', "_")
}

/// Neo4j import files, as `(file name, bytes)`: `nodes_<kind>.csv`, `rels_<kind>.csv` and
/// `import.cypher` (LOAD CSV; copy the files into Neo4j's import directory, then run the script
/// with `cypher-shell -f import.cypher`). Every node also carries the `:Node` label with a
/// unique `id`.
pub fn to_neo4j(g: &Graph) -> Result<Vec<(String, Vec<u8>)>, GraphError> {
    let mut files = Vec::new();
    let mut script = String::from(
        "// malgraph knowledge graph: run with cypher-shell -f import.cypher after copying the CSV\n\
         // files into the Neo4j import directory.\n\
         CREATE CONSTRAINT malgraph_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE;\n",
    );
    for kind in NodeKind::ALL {
        let nodes: Vec<&Node> = g.nodes.iter().filter(|n| n.kind == *kind).collect();
        if nodes.is_empty() {
            continue;
        }
        let mut cols: Vec<&String> = nodes.iter().flat_map(|n| n.attrs.keys()).collect();
        cols.sort();
        cols.dedup();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["id", "label"];
        header.extend(cols.iter().map(|c| c.as_str()));
        w.write_record(&header)?;
        for n in &nodes {
            let mut rec = vec![n.id.clone(), n.label.clone()];
            for c in &cols {
                rec.push(n.attrs.get(*c).map(scalar).unwrap_or_default());
            }
            w.write_record(&rec)?;
        }
        let name = format!("nodes_{}.csv", file_stem(kind.as_str()));
        files.push((
            name.clone(),
            w.into_inner()
                .map_err(|e| csv::Error::from(e.into_error()))?,
        ));
        let label = neo4j_label(*kind);
        let _ = writeln!(
            script,
            "LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row\n\
             MERGE (n:Node {{id: row.id}}) SET n += row, n:{label};"
        );
    }
    for kind in EdgeKind::ALL {
        let edges: Vec<&Edge> = g.edges.iter().filter(|e| e.kind == *kind).collect();
        if edges.is_empty() {
            continue;
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["source", "target", "why", "score"])?;
        for e in &edges {
            w.write_record([
                e.source.as_str(),
                e.target.as_str(),
                e.why.as_str(),
                &e.score.map(|s| s.to_string()).unwrap_or_default(),
            ])?;
        }
        let name = format!("rels_{}.csv", file_stem(kind.as_str()));
        files.push((
            name.clone(),
            w.into_inner()
                .map_err(|e| csv::Error::from(e.into_error()))?,
        ));
        let rel = neo4j_rel(*kind);
        let _ = writeln!(
            script,
            "LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row\n\
             MATCH (a:Node {{id: row.source}}) MATCH (b:Node {{id: row.target}}) \
             CREATE (a)-[:{rel} {{why: row.why, score: toFloat(row.score)}}]->(b);"
        );
    }
    files.push(("import.cypher".into(), script.into_bytes()));
    Ok(files)
}

/// Write an export. `json` and `graphml` go to `out` (a file) or are returned when `out` is
/// `None`; `neo4j` needs `out` (a directory, created) and returns the list of files written.
pub fn export(
    g: &Graph,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<(Option<String>, Vec<PathBuf>), GraphError> {
    if let (ExportFormat::Json, Some(p)) = (format, out) {
        let f = std::fs::File::create(p).map_err(|e| GraphError::io(p, e))?;
        write_node_link_json(g, f)?;
        return Ok((None, vec![p.to_path_buf()]));
    }
    let text = match format {
        ExportFormat::Json => to_node_link_json(g),
        ExportFormat::Graphml => to_graphml(g),
        ExportFormat::Neo4j => {
            let dir = out.ok_or(GraphError::Invalid(
                "neo4j export needs --out DIRECTORY".into(),
            ))?;
            std::fs::create_dir_all(dir).map_err(|e| GraphError::io(dir, e))?;
            let mut written = Vec::new();
            for (name, bytes) in to_neo4j(g)? {
                let p = dir.join(name);
                std::fs::write(&p, bytes).map_err(|e| GraphError::io(&p, e))?;
                written.push(p);
            }
            return Ok((None, written));
        }
    };
    match out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| GraphError::io(p, e))?;
            Ok((None, vec![p.to_path_buf()]))
        }
        None => Ok((Some(text), Vec::new())),
    }
}

//! `malgraph graph build|show|export` and `malgraph campaigns`.

use crate::collect::DbArgs;
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use malgraph_core::PackageId;
use malgraph_graph::{BuildOptions, EdgeKind, ExportFormat, Graph};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand)]
pub enum GraphCommand {
    /// Build or refresh the graph from what collect and scan stored (fingerprints of samples
    /// already seen are reused).
    Build(BuildArgs),
    /// A package's neighbours, each edge with its kind and why.
    Show(ShowArgs),
    /// Write the graph as node-link JSON (networkx), GraphML, or Neo4j import files.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Edge kinds that join campaigns, comma-separated (default: duplicated, similar,
    /// co-existing, shared-indicator, dependency).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    edges: Vec<String>,
    /// Minimum Jaccard similarity of normalised code for a similar edge.
    #[arg(long, value_name = "F")]
    similarity: Option<f64>,
}

#[derive(Args)]
pub struct ShowArgs {
    /// ECOSYSTEM/NAME[@VERSION], e.g. pypi/requestss or npm/@scope/name@1.0.0
    #[arg(value_name = "PACKAGE")]
    package: String,
    #[command(flatten)]
    db: DbArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportAs {
    Json,
    Graphml,
    Neo4j,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// json (networkx node-link), graphml, or neo4j (CSV files + import.cypher; needs --out DIR).
    #[arg(long, value_enum, default_value = "json")]
    format: ExportAs,
    /// File (json, graphml) or folder (neo4j); standard output when omitted.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct CampaignsArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

fn load_graph(db: &DbArgs) -> Result<Graph> {
    let store = db.open()?;
    malgraph_graph::load(&store)?.ok_or_else(|| {
        anyhow!(
            "no graph in {} yet: run `malgraph graph build` first",
            db.db
        )
    })
}

pub fn run(cmd: GraphCommand) -> Result<ExitCode> {
    match cmd {
        GraphCommand::Build(a) => build(a),
        GraphCommand::Show(a) => show(a),
        GraphCommand::Export(a) => export(a),
    }
}

fn build(a: BuildArgs) -> Result<ExitCode> {
    let mut opts = BuildOptions::default();
    if !a.edges.is_empty() {
        opts.campaign_edges = a
            .edges
            .iter()
            .map(|e| {
                EdgeKind::parse(e.trim()).ok_or_else(|| {
                    let all: Vec<_> = EdgeKind::ALL.iter().map(|k| k.as_str()).collect();
                    anyhow!("unknown edge kind `{e}` (one of: {})", all.join(", "))
                })
            })
            .collect::<Result<_>>()?;
    }
    if let Some(s) = a.similarity {
        if !(0.0..=1.0).contains(&s) {
            bail!("--similarity must be between 0 and 1");
        }
        opts.similarity_threshold = s;
    }
    let t = Instant::now();
    let mut store = a.db.open()?;
    let (input, load) = malgraph_graph::load_input(&mut store).context("cannot read the store")?;
    for (path, why) in &load.errors {
        eprintln!("malgraph: warning: {path}: {why}");
    }
    let graph = malgraph_graph::build(&input, &opts);
    malgraph_graph::save(&mut store, &graph).context("cannot save the graph")?;
    let s = &graph.stats;
    let fmt = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        std::io::stdout(),
        "graph: {} nodes ({}), {} edges ({})",
        graph.nodes.len(),
        fmt(&s.nodes),
        graph.edges.len(),
        fmt(&s.edges)
    )?;
    writeln!(
        std::io::stdout(),
        "samples: {} ({} fingerprints reused, {} computed, {} unreadable)",
        load.samples,
        load.cached,
        load.computed,
        load.errors.len()
    )?;
    writeln!(
        std::io::stdout(),
        "campaigns: {} covering {} of {} package names; built in {:.1} s",
        graph.campaigns.len(),
        s.names_in_campaigns,
        s.names_total,
        t.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn show(a: ShowArgs) -> Result<ExitCode> {
    let id = PackageId::parse_ref(&a.package)?;
    let graph = load_graph(&a.db)?;
    let edges = malgraph_graph::neighbours(&graph, &id);
    match a.format {
        TextOrJson::Text => write!(
            std::io::stdout(),
            "{}",
            malgraph_graph::render_show_text(&graph, &id, &edges)
        )?,
        TextOrJson::Json => writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&edges)?
        )?,
    }
    Ok(if edges.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn export(a: ExportArgs) -> Result<ExitCode> {
    let graph = load_graph(&a.db)?;
    let format = match a.format {
        ExportAs::Json => ExportFormat::Json,
        ExportAs::Graphml => ExportFormat::Graphml,
        ExportAs::Neo4j => ExportFormat::Neo4j,
    };
    let (text, written) = malgraph_graph::export(&graph, format, a.out.as_deref())?;
    if let Some(t) = text {
        let mut out = std::io::stdout().lock();
        out.write_all(t.as_bytes())?;
        out.flush()?;
    }
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn campaigns(a: CampaignsArgs) -> Result<ExitCode> {
    let graph = load_graph(&a.db)?;
    match a.format {
        TextOrJson::Text => write!(
            std::io::stdout(),
            "{}",
            malgraph_graph::render_campaigns_text(&graph)
        )?,
        TextOrJson::Json => writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&malgraph_graph::campaigns_json(&graph))?
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

//! `malgraph collect` and `malgraph stats`.

use crate::scan::EngineArgs;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use malgraph_intel::SourceKind;
use malgraph_scan::Target;
use malgraph_store::Store;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the store lives: a SQLite file (default) or a `postgres://` URL.
#[derive(Args, Clone)]
pub struct DbArgs {
    /// SQLite file, or a postgres:// URL.
    #[arg(
        long,
        env = "MALGRAPH_DB",
        default_value = "malgraph.db",
        value_name = "PATH|URL"
    )]
    pub db: String,
}

impl DbArgs {
    pub fn open(&self) -> Result<Store> {
        Store::open(&self.db).with_context(|| format!("cannot open the store {}", self.db))
    }
}

#[derive(Args)]
pub struct CollectArgs {
    /// Sources: OSV trees or zips, sample folders (DataDog, pypi_malregistry, archives),
    /// name lists (Backstabber's packages.json, MalOSS .txt, CSV / JSON), report pages
    /// (HTML / Markdown files or folders, http(s) URLs).
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<String>,
    #[command(flatten)]
    db: DbArgs,
    /// The kind of every source (detected when omitted): osv, datadog, malregistry,
    /// archives, names, report.
    #[arg(long, value_name = "KIND")]
    kind: Option<SourceKind>,
    /// Provenance name of the source (derived from the input when omitted; only with one source).
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Also scan every sample and store its findings.
    #[arg(long)]
    scan: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = format!("{{spinner}} {what} {{bar:40}} {{pos}}/{{len}} ({{per_sec}})");
    b.set_style(
        ProgressStyle::with_template(&style).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

pub fn run_collect(a: CollectArgs) -> Result<ExitCode> {
    if a.source.is_some() && a.sources.len() > 1 {
        anyhow::bail!("--source names one source; give one SOURCE with it");
    }
    let mut store = a.db.open()?;
    let pipeline = if a.scan {
        Some(a.engine.pipeline()?)
    } else {
        None
    };
    let mut failed = 0;
    for src in &a.sources {
        let pb = bar(0, "parsing");
        let progress = |done: u64, total: u64| {
            pb.set_length(total);
            pb.set_position(done);
        };
        let batch = match malgraph_intel::parse_source(src, a.kind, a.source.as_deref(), &progress)
        {
            Ok(b) => b,
            Err(e) => {
                pb.finish_and_clear();
                eprintln!("malgraph: error: {src}: {e}");
                failed += 1;
                continue;
            }
        };
        pb.finish_and_clear();
        for e in &batch.errors {
            eprintln!("malgraph: warning: {}: {}", e.location, e.reason);
        }
        let summary = store
            .ingest(&batch)
            .with_context(|| format!("cannot store {src}"))?;
        writeln!(
            std::io::stdout(),
            "{} ({}): {} advisories, {} samples, {} names, {} reports, {} problems",
            batch.source,
            batch.kind,
            summary.advisories,
            summary.samples,
            summary.names,
            summary.reports,
            batch.errors.len()
        )?;
        if let Some(p) = &pipeline {
            let mut by_sha: BTreeMap<&str, &str> = BTreeMap::new();
            for s in &batch.samples {
                by_sha.entry(&s.sha256).or_insert(&s.location);
            }
            let targets: Vec<Target> = by_sha
                .values()
                .map(|l| Target::Archive(PathBuf::from(l)))
                .collect();
            let reports = p.scan_all(&targets);
            let mut stored = 0;
            for ((sha, _), r) in by_sha.iter().zip(&reports) {
                store
                    .add_scan(sha, r)
                    .with_context(|| format!("cannot store the scan of {}", r.path))?;
                stored += 1;
            }
            let flagged = reports
                .iter()
                .filter(|r| r.verdict == malgraph_core::Verdict::Malicious)
                .count();
            writeln!(
                std::io::stdout(),
                "  scanned {stored} samples: {flagged} malicious"
            )?;
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StatsFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// text, or json.
    #[arg(long, value_enum, default_value = "text")]
    format: StatsFormat,
}

pub fn run_stats(a: StatsArgs) -> Result<ExitCode> {
    let store = a.db.open()?;
    let stats = store.stats()?;
    match a.format {
        StatsFormat::Json => writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&stats)?
        )?,
        StatsFormat::Text => write!(std::io::stdout(), "{}", malgraph_store::render_text(&stats))?,
    }
    Ok(ExitCode::SUCCESS)
}

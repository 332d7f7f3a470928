//! `malgraph scan` and `malgraph eval`.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use malgraph_analyze::{Analyzer, AnalyzerConfig};
use malgraph_core::{ScanReport, Verdict};
use malgraph_scan::{Pipeline, PipelineOptions, discover, eval, render};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Level {
    Malicious,
    Suspicious,
}

impl From<Level> for Verdict {
    fn from(l: Level) -> Verdict {
        match l {
            Level::Malicious => Verdict::Malicious,
            Level::Suspicious => Verdict::Suspicious,
        }
    }
}

/// Options shared by scan and eval: how packages are read and analysed.
#[derive(Args)]
pub struct EngineArgs {
    /// Folder of YARA rules (`.yar`, `.yara`) to match against every file of every package.
    #[arg(long, value_name = "DIR")]
    yara: Option<PathBuf>,
    /// Extra password to try on encrypted zips (`infected` is always tried).
    #[arg(long, value_name = "PASSWORD")]
    zip_password: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Stop reading a package after this many uncompressed bytes.
    #[arg(long, value_name = "BYTES")]
    max_total_bytes: Option<u64>,
    /// Stop reading an archive member after this many bytes.
    #[arg(long, value_name = "BYTES")]
    max_member_bytes: Option<u64>,
    /// Highest compression ratio allowed for a large member.
    #[arg(long, value_name = "RATIO")]
    max_ratio: Option<u64>,
    /// Most archive members read from one package.
    #[arg(long, value_name = "N")]
    max_members: Option<usize>,
    /// How deep archives inside archives are opened.
    #[arg(long, value_name = "N")]
    max_depth: Option<u32>,
}

impl EngineArgs {
    pub fn pipeline(&self) -> Result<Pipeline> {
        let analyzer = Analyzer::new(AnalyzerConfig {
            yara_dir: self.yara.clone(),
            ..AnalyzerConfig::default()
        })
        .context("cannot prepare the analyser")?;
        let mut archive = malgraph_archive::Options::default();
        for p in &self.zip_password {
            archive.passwords.push(p.as_bytes().to_vec());
        }
        let l = &mut archive.limits;
        if let Some(v) = self.max_total_bytes {
            l.max_total_bytes = v;
        }
        if let Some(v) = self.max_member_bytes {
            l.max_member_bytes = v;
        }
        if let Some(v) = self.max_ratio {
            l.max_ratio = v;
        }
        if let Some(v) = self.max_members {
            l.max_members = v;
        }
        if let Some(v) = self.max_depth {
            l.max_depth = v;
        }
        Ok(Pipeline::new(
            analyzer,
            PipelineOptions {
                archive,
                jobs: self.jobs,
                progress: std::io::stderr().is_terminal(),
            },
        ))
    }
}

#[derive(Args)]
pub struct ScanArgs {
    /// Archives (.tar.gz .tgz .tar.bz2 .tar.xz .zip .whl .egg, recognised by content),
    /// unpacked package folders, or folders whose archives are each one package.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format: text for people, json (JSON Lines, one object per package), sarif (2.1.0).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit with status 1 when a package reaches this verdict.
    #[arg(long, value_enum, default_value = "malicious")]
    fail_on: Level,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Exit status: 0 nothing reached `--fail-on`, 1 something did, 2 nothing could be read.
pub fn run_scan(a: ScanArgs) -> Result<ExitCode> {
    let targets = discover(&a.paths)?;
    if targets.is_empty() {
        bail!("no package found under the given paths");
    }
    let pipeline = a.engine.pipeline()?;
    let reports = pipeline.scan_all(&targets);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match a.format {
        Format::Text => {
            for r in &reports {
                write!(out, "{}", render::text(r))?;
            }
            writeln!(out, "{}", summary(&reports))?;
        }
        Format::Json => {
            for r in &reports {
                writeln!(out, "{}", render::json_line(r))?;
            }
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &render::sarif(&reports))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    let threshold = Verdict::from(a.fail_on);
    if reports.iter().all(|r| r.error.is_some()) {
        eprintln!("malgraph: no package could be read");
        return Ok(ExitCode::from(2));
    }
    if reports
        .iter()
        .any(|r| r.error.is_none() && r.verdict >= threshold)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(reports: &[ScanReport]) -> String {
    let count = |v: Verdict| {
        reports
            .iter()
            .filter(|r| r.error.is_none() && r.verdict == v)
            .count()
    };
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    format!(
        "{} packages: {} malicious, {} suspicious, {} benign, {} unreadable",
        reports.len(),
        count(Verdict::Malicious),
        count(Verdict::Suspicious),
        count(Verdict::Benign),
        errors
    )
}

#[derive(Args)]
pub struct EvalArgs {
    /// Known-malicious packages: folders of archives, archives, or manifests (CSV / JSON Lines
    /// with a `path` column, relative to the manifest).
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    malicious: Vec<PathBuf>,
    /// Known-benign packages, in the same forms.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    benign: Vec<PathBuf>,
    /// What counts as a detection.
    #[arg(long, value_enum, default_value = "malicious")]
    positive: Level,
    /// text, or json (one object) for scripts.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run_eval(a: EvalArgs) -> Result<ExitCode> {
    let mal = eval::load_set(&a.malicious)?;
    let ben = eval::load_set(&a.benign)?;
    if mal.is_empty() || ben.is_empty() {
        bail!(
            "both sets need packages (malicious: {}, benign: {})",
            mal.len(),
            ben.len()
        );
    }
    let pipeline = a.engine.pipeline()?;
    let mal_reports = pipeline.scan_all(&mal);
    let ben_reports = pipeline.scan_all(&ben);
    let result = eval::evaluate(&mal_reports, &ben_reports, a.positive.into());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match a.format {
        Format::Json | Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &result)?;
            writeln!(out)?;
        }
        Format::Text => write!(out, "{}", eval::render_text(&result))?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

//! Reading and analysing packages in parallel.

use crate::Target;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use malgraph_analyze::Analyzer;
use malgraph_core::{Ecosystem, ScanReport, guess_from_filename, normalise_name};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Stack of each worker thread (the analyser walks syntax trees recursively).
const WORKER_STACK_BYTES: usize = 256 << 20;

/// How the pipeline runs.
#[derive(Debug, Clone, Default)]
pub struct PipelineOptions {
    /// Limits and passwords for reading archives.
    pub archive: malgraph_archive::Options,
    /// Worker threads; `None` = one per core.
    pub jobs: Option<usize>,
    /// Draw a progress bar (only ever drawn on a terminal).
    pub progress: bool,
}

/// A compiled analyser plus reading options: build once, scan many packages.
pub struct Pipeline {
    analyzer: Analyzer,
    opts: PipelineOptions,
}

impl Pipeline {
    /// Wrap a compiled analyser.
    pub fn new(analyzer: Analyzer, opts: PipelineOptions) -> Pipeline {
        Pipeline { analyzer, opts }
    }

    /// Scan every target in parallel; the reports come back in the targets' order.
    pub fn scan_all(&self, targets: &[Target]) -> Vec<ScanReport> {
        let bar = if self.opts.progress {
            let b = ProgressBar::with_draw_target(
                Some(targets.len() as u64),
                ProgressDrawTarget::stderr(),
            );
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} packages ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        } else {
            ProgressBar::hidden()
        };
        // Largest packages first, one package per task: a few huge packages at the end of the
        // list would otherwise leave cores idle. Reports are put back in the targets' order.
        let mut order: Vec<(u64, usize)> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (std::fs::metadata(t.path()).map(|m| m.len()).unwrap_or(0), i))
            .collect();
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let run = || {
            let mut done: Vec<(usize, ScanReport)> = order
                .par_iter()
                .with_max_len(1)
                .map(|&(_, i)| {
                    let r = self.scan_target(&targets[i]);
                    bar.inc(1);
                    (i, r)
                })
                .collect();
            done.sort_by_key(|(i, _)| *i);
            done.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
        };
        // Syntax trees of generated or hostile code can nest very deeply: give workers room.
        let mut pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES);
        if let Some(n) = self.opts.jobs {
            pool = pool.num_threads(n.max(1));
        }
        let reports = match pool.build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        };
        bar.finish_and_clear();
        reports
    }

    /// Scan one target; never fails: problems become the report's `error`.
    pub fn scan_target(&self, target: &Target) -> ScanReport {
        let label = target.path().display().to_string();
        match target {
            Target::Archive(p) => match std::fs::read(p) {
                Ok(bytes) => self.scan_bytes(&label, &bytes),
                Err(e) => ScanReport::error(label, None, format!("cannot read file: {e}")),
            },
            Target::Dir(p) => match malgraph_archive::read_dir(p, &self.opts.archive) {
                Ok(u) => {
                    let mut r = self.analyzer.analyze(&u.files, &u.anomalies);
                    r.path = label;
                    r.sha256 = None;
                    fill_identity(&mut r, p);
                    r
                }
                Err(e) => ScanReport::error(label, None, e.to_string()),
            },
        }
    }

    /// Scan an archive given as bytes; `label` names it in the report.
    pub fn scan_bytes(&self, label: &str, bytes: &[u8]) -> ScanReport {
        let sha = hex::encode(Sha256::digest(bytes));
        match malgraph_archive::open_bytes(bytes, &self.opts.archive) {
            Ok(u) => {
                let mut r = self.analyzer.analyze(&u.files, &u.anomalies);
                r.path = label.to_string();
                r.sha256 = Some(sha);
                fill_identity(&mut r, Path::new(label));
                r
            }
            Err(e) => {
                let mut r = ScanReport::error(label, Some(sha), e.to_string());
                fill_identity(&mut r, Path::new(label));
                r
            }
        }
    }
}

/// When the package's own metadata gave no name or version, fall back on the file name.
fn fill_identity(r: &mut ScanReport, path: &Path) {
    let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
        return;
    };
    if let Some((eco, name, version)) = guess_from_filename(file) {
        let eco = r.ecosystem.clone().unwrap_or(eco);
        if r.name.is_none() {
            r.name = Some(normalise_name(&eco, &name));
        }
        if r.version.is_none() {
            r.version = Some(version);
        }
        if r.ecosystem.is_none() && r.error.is_none() {
            r.ecosystem = Some(eco);
        }
    } else if r.ecosystem.is_none() && r.error.is_none() {
        r.ecosystem = Some(Ecosystem::PyPI);
    }
}

//! `malgraph`: the command-line front of the malgraph libraries.
//!
//! This binary owns argument parsing, choosing output streams and exit codes. It must stay
//! thin: every capability lives in a library crate (`malgraph-scan`, `malgraph-intel`,
//! `malgraph-store`, `malgraph-graph`), so it can be tested and reused without the CLI.

mod collect;
mod graph;
mod scan;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Malicious open-source package intelligence: collect, scan, graph, report.
#[derive(Parser)]
#[command(name = "malgraph", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse packages statically (archives, unpacked folders, folders of archives).
    Scan(scan::ScanArgs),
    /// Score the scanner on labelled malicious and benign sets.
    Eval(scan::EvalArgs),
    /// Ingest intelligence sources (reports, samples, name lists, pages) into the store.
    Collect(collect::CollectArgs),
    /// What the store knows: per source and ecosystem, overlaps, missing rate.
    Stats(collect::StatsArgs),
    /// The knowledge graph: build, show a package's neighbours, export.
    #[command(subcommand)]
    Graph(graph::GraphCommand),
    /// Attack campaigns read off the graph, with summaries and evolution.
    Campaigns(graph::CampaignsArgs),
}

/// mimalloc for Rust's allocations and for tree-sitter's (parsing allocates and frees
/// millions of small nodes; glibc malloc was a tenth of the scan time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn use_mimalloc_in_tree_sitter() {
    let allocator = tree_sitter::Allocator {
        malloc: libmimalloc_sys::mi_malloc,
        calloc: libmimalloc_sys::mi_calloc,
        realloc: libmimalloc_sys::mi_realloc,
        free: libmimalloc_sys::mi_free,
    };
    // SAFETY: called once, first thing in `main`, before any thread starts and before
    // any tree-sitter object exists; the four functions are one allocator family and
    // align like malloc.
    unsafe { tree_sitter::set_allocator(Some(allocator)) };
}

fn main() -> ExitCode {
    use_mimalloc_in_tree_sitter();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(a) => scan::run_scan(a),
        Command::Eval(a) => scan::run_eval(a),
        Command::Collect(a) => collect::run_collect(a),
        Command::Stats(a) => collect::run_stats(a),
        Command::Graph(c) => graph::run(c),
        Command::Campaigns(a) => graph::campaigns(a),
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`malgraph ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("malgraph: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! Scale test: `cargo run --release -p malgraph-graph --example scale -- 100000`
//! (run under `/usr/bin/time -v` for peak RSS).

use malgraph_graph::{BuildOptions, build, synthetic_input, to_node_link_json};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let input = synthetic_input(n, 42);
    let t_gen = t.elapsed();
    let t = Instant::now();
    let g = build(&input, &BuildOptions::default());
    let t_build = t.elapsed();
    let t = Instant::now();
    let json = to_node_link_json(&g);
    let t_export = t.elapsed();
    println!("packages: {n}");
    println!("generate: {:.2}s", t_gen.as_secs_f64());
    println!("build: {:.2}s", t_build.as_secs_f64());
    println!(
        "export json: {:.2}s ({} MB)",
        t_export.as_secs_f64(),
        json.len() / 1_000_000
    );
    println!("nodes: {:?}", g.stats.nodes);
    println!("edges: {:?}", g.stats.edges);
    println!("similar candidates: {}", g.stats.similar_candidates);
    println!(
        "campaigns: {} covering {}/{} names; code clusters {} of {} packages with code",
        g.campaigns.len(),
        g.stats.names_in_campaigns,
        g.stats.names_total,
        g.diversity.code_clusters,
        g.diversity.packages_with_code
    );
}

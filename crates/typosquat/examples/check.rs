//! Print the popular name each input name imitates.
//!
//! `cut -d, -f2 manifest.csv | cargo run --release -p malgraph-typosquat --example check -- pypi`
//!
//! Reads one name a line on standard input; prints `name<TAB>popular` for each hit and a
//! summary (names read, hits, popular names, time per query) on standard error.

use malgraph_core::Ecosystem;
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let eco = Ecosystem::parse(&std::env::args().nth(1).unwrap_or_else(|| "pypi".into()));
    // Build the index before timing.
    let _ = malgraph_typosquat::typosquat_of(&eco, "x");
    let names: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .collect();
    let t = Instant::now();
    let (mut hits, mut popular) = (0usize, 0usize);
    for n in &names {
        if malgraph_typosquat::is_popular(&eco, n) {
            popular += 1;
        } else if let Some(p) = malgraph_typosquat::typosquat_of(&eco, n) {
            hits += 1;
            println!("{n}\t{p}");
        }
    }
    let el = t.elapsed();
    eprintln!(
        "{} names, {} hits ({:.1}%), {} popular, {:.2} us/query",
        names.len(),
        hits,
        100.0 * hits as f64 / names.len().max(1) as f64,
        popular,
        el.as_secs_f64() * 1e6 / names.len().max(1) as f64
    );
}

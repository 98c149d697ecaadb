//! Full-text search alone, on a generated database: `cargo bench -p rapport-store --bench
//! search`. Like the agenda bench, not a test and not part of CI: it needs a big database
//! (`rapport generate`, see docs/benchmarks.md) and prints timings for a person to record.
//!
//! - `RAPPORT_BENCH_DB`: the database, a SQLite path or a `postgres://` URL (required; without
//!   it the bench says so and does nothing);
//! - `RAPPORT_BENCH_RUNS`: timed runs of each query (default 200), after 20 untimed ones.
//!
//! It times `Store::search` (20 results, as the local owner) for queries a seller types
//! against the generated book's vocabulary: a family name, a first and family name, a name
//! with a typo, an organization, an email's part, a phrase said in touches, an organization
//! with touch words (the words found in different places), and a word nothing holds; then
//! the median over all of them.

use std::time::{Duration, Instant};

use rapport_store::{OpenOptions, Store};

/// Untimed runs first, so caches are warm.
const WARMUP: usize = 20;

const QUERIES: &[&str] = &[
    "lovelace",
    "grace hopper",
    "lovelce",
    "northwind logistics",
    "turing.1",
    "industry retreat",
    "acme retreat migration",
    "zzyzx",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(location) = std::env::var("RAPPORT_BENCH_DB") else {
        eprintln!(
            "search bench: set RAPPORT_BENCH_DB to a generated database (docs/benchmarks.md); \
             nothing to do"
        );
        return Ok(());
    };
    let runs: usize = std::env::var("RAPPORT_BENCH_RUNS")
        .unwrap_or_else(|_| "200".into())
        .parse()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(&location, OpenOptions::default()).await?;
        let viewer = store.local_user().await?.id;
        let mut all = Vec::new();
        for query in QUERIES {
            let mut times = Vec::with_capacity(runs);
            let mut found = (0, 0);
            for run in 0..WARMUP + runs {
                let started = Instant::now();
                let results = store.search(viewer, query, None, 20).await?;
                if run >= WARMUP {
                    times.push(started.elapsed());
                }
                found = (results.contacts.len(), results.organizations.len());
            }
            all.extend_from_slice(&times);
            report(
                &format!(
                    "search \"{query}\" ({} contacts, {} organizations)",
                    found.0, found.1
                ),
                times,
            );
        }
        report("all queries together", all);
        store.close().await;
        Ok(())
    })
}

fn report(what: &str, mut sorted: Vec<Duration>) {
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what}\n  median {:>8.3} ms   min {:>8.3} ms   p90 {:>8.3} ms   ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        sorted.len()
    );
}

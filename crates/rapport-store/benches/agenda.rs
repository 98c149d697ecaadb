//! The agenda query alone, on a generated database: `cargo bench -p rapport-store --bench agenda`.
//!
//! Not a test and not part of CI: it needs a big database (`rapport generate`, see
//! docs/benchmarks.md) and prints timings for a person to read and record.
//!
//! - `RAPPORT_BENCH_DB`: the database, a SQLite path or a `postgres://` URL (required; without
//!   it the bench says so and does nothing);
//! - `RAPPORT_BENCH_TODAY`: the agenda's day, as the database was generated for (default
//!   2026-06-01);
//! - `RAPPORT_BENCH_RUNS`: timed runs of each query (default 200), after 20 untimed ones.
//!
//! It times, for the local owner (the user the CLI acts as):
//! 1. `Store::agenda` — what `rapport today` asks for: the range scan of the owner's due
//!    contacts, decoding, ranking, then the top 50's follow-ups and last touches;
//! 2. the range scan alone, the same SQL as the first step of `Store::agenda`, sent through
//!    the same sqlx driver, rows fetched but not decoded into the domain's types;
//! 3. the same scan written with a LEFT JOIN of organizations, as the issue states it (and as
//!    the store wrote it before PostgreSQL's planner turned it into a hash join).
//!
//! Compare them with the same SQL run directly in `sqlite3` or `psql` (commands in
//! docs/benchmarks.md).

use std::time::{Duration, Instant};

use jiff::civil::Date;
use rapport_store::{OpenOptions, Store};
use sqlx::any::{AnyPoolOptions, install_default_drivers};

/// Untimed runs first, so caches are warm.
const WARMUP: usize = 20;

/// The first query of `Store::agenda`, with the same parameters: the ranking columns of the
/// whole due range.
const RANKING_SCAN: &str = "SELECT id, tier, effective_cadence, next_touch_on, \
    next_touch_source FROM contacts \
    WHERE owner_id = $1 AND archived_at IS NULL AND next_touch_on <= $2";

/// Every column an agenda entry shows, for the whole due range: the raw SQL of
/// docs/benchmarks.md, which the agenda is measured against.
const FULL_SCAN: &str = "SELECT c.id, c.name, \
    (SELECT o.name FROM organizations o WHERE o.id = c.organization_id) AS organization, \
    c.tier, c.effective_cadence, c.cadence_source, c.added_on, c.last_touch_on, \
    c.last_touch_id, c.hold_until, c.hold_reason, c.next_touch_on, c.next_touch_source \
    FROM contacts c \
    WHERE c.owner_id = $1 AND c.archived_at IS NULL AND c.next_touch_on <= $2";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(location) = std::env::var("RAPPORT_BENCH_DB") else {
        eprintln!(
            "agenda bench: set RAPPORT_BENCH_DB to a generated database (docs/benchmarks.md); \
             nothing to do"
        );
        return Ok(());
    };
    let today: Date = std::env::var("RAPPORT_BENCH_TODAY")
        .unwrap_or_else(|_| "2026-06-01".into())
        .parse()?;
    let runs: usize = std::env::var("RAPPORT_BENCH_RUNS")
        .unwrap_or_else(|_| "200".into())
        .parse()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(&location, OpenOptions::default()).await?;
        let owner = store.local_user().await?.id;

        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for run in 0..WARMUP + runs {
            let started = Instant::now();
            let agenda = store.agenda(owner, owner, today, today, 50, None).await?;
            if run >= WARMUP {
                times.push(started.elapsed());
            }
            last = Some(agenda);
        }
        if let Some(agenda) = last {
            report(
                &format!(
                    "Store::agenda (owner #{owner}: {} overdue, {} due today, {} entries)",
                    agenda.overdue,
                    agenda.due_today,
                    agenda.entries.len()
                ),
                times,
            );
        }

        // A pool of its own, connected to the same database through the same driver.
        install_default_drivers();
        let url = if location.contains("://") {
            location.clone()
        } else {
            format!("sqlite://{location}")
        };
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await?;
        for (what, sql) in [
            (
                "ranking scan alone via sqlx (the store's first query)",
                RANKING_SCAN,
            ),
            (
                "full-width scan via sqlx (every column, every row)",
                FULL_SCAN,
            ),
        ] {
            let mut times = Vec::with_capacity(runs);
            let mut rows = 0;
            for run in 0..WARMUP + runs {
                let started = Instant::now();
                rows = sqlx::query(sql)
                    .bind(owner.0)
                    .bind(today.to_string())
                    .fetch_all(&pool)
                    .await?
                    .len();
                if run >= WARMUP {
                    times.push(started.elapsed());
                }
            }
            report(&format!("{what} ({rows} rows)"), times);
        }
        pool.close().await;
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

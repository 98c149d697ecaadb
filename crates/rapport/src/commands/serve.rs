//! `rapport serve`: the team server on the same store, clock and time zone as the CLI.

use anyhow::{Context, Result};
use rapport_server::{AppState, Clock};
use rapport_store::OpenOptions;
use tokio::net::TcpListener;

use crate::app::{self, App};
use crate::cli::{Global, ServeArgs};

/// Serves the database `--db` names (else `default_file` in the data directory). `greeting`
/// is printed after the address, for a person reading the terminal.
pub async fn run(
    global: &Global,
    args: &ServeArgs,
    default_file: &str,
    greeting: Option<&str>,
) -> Result<()> {
    rapport_server::init_logging();
    let app = App::open_with(
        global,
        || app::data_file(default_file),
        OpenOptions {
            max_connections: args.connections,
        },
    )
    .await?;
    let state = AppState::new(
        app.store.clone(),
        // --now fixes the clock for every request; otherwise each request reads the real one.
        if global.now.is_some() {
            Clock::Fixed(app.now)
        } else {
            Clock::System
        },
        // --tz overrides every user's own zone; otherwise each request uses its user's.
        global.tz.is_some().then(|| app.tz.clone()),
        args.secure_cookies,
    );
    let shutdown = rapport_server::shutdown_signal();
    let listener = TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("--bind: cannot listen on {}", args.bind))?;
    let address = listener.local_addr().context("--bind")?;
    // The first line on stdout, so scripts and tests can learn a port chosen by the system.
    println!("listening on http://{address}");
    if let Some(greeting) = greeting {
        println!("{greeting}");
    }
    tracing::info!(%address, backend = ?app.store.backend(), "serving");
    rapport_server::serve(listener, state, shutdown)
        .await
        .context("server failed")?;
    app.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

//! `rapport import`: a JSON dump into a new database, whole or not at all.

use std::fs::File;
use std::io::BufReader;

use anyhow::{Context, Result, bail};

use crate::app::App;
use crate::cli::ImportArgs;

pub async fn run(app: &App, args: &ImportArgs) -> Result<()> {
    if args.format != "json" {
        bail!(
            "--format: unknown format '{}' (expected: json, a dump from `rapport export`)",
            args.format
        );
    }
    let file = File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
    let summary = app
        .store
        .import_json(BufReader::new(file))
        .await
        .with_context(|| format!("{}", args.file.display()))?;
    println!(
        "imported {} users, {} organizations, {} contacts, {} touches, {} follow-ups",
        summary.users, summary.organizations, summary.contacts, summary.touches, summary.follow_ups
    );
    Ok(())
}

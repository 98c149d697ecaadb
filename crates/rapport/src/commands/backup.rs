//! `rapport backup` and `rapport restore`: whole-file copies of a SQLite database.

use anyhow::{Context, Result, bail};
use rapport_store::{Backend, StoreError, restore_sqlite, sqlite_file};

use crate::app::App;
use crate::cli::{BackupArgs, RestoreArgs};

const POSTGRES_ROUTES: &str = "use `rapport export --format json` (and `rapport import` into \
     a new database), or PostgreSQL's pg_dump and pg_restore (README.md, \"Your data\")";

pub async fn backup(app: &App, args: &BackupArgs) -> Result<()> {
    if app.store.backend() == Backend::Postgres {
        bail!("backup copies a SQLite database; this one is on PostgreSQL: {POSTGRES_ROUTES}");
    }
    match app.store.backup_sqlite(&args.file, args.force).await {
        Ok(()) => {
            println!("backed up {} to {}", app.location, args.file.display());
            Ok(())
        }
        Err(err @ StoreError::FileExists { .. }) => {
            bail!("{err}; pass --force to replace it")
        }
        Err(err) => Err(err).context("backup"),
    }
}

pub async fn restore(location: &str, args: &RestoreArgs) -> Result<()> {
    let Some(target) = sqlite_file(location)? else {
        bail!("restore replaces a SQLite database file; this one is not: {POSTGRES_ROUTES}");
    };
    let version = restore_sqlite(&args.file, &target)
        .await
        .context("restore")?;
    println!(
        "restored {} (schema version {version}) into {}",
        args.file.display(),
        target.display()
    );
    Ok(())
}

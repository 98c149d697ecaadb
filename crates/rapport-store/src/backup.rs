//! Backups of a SQLite database as a file, and bringing one back.
//!
//! A backup is `VACUUM INTO`: SQLite writes a compact copy of the database as one read
//! transaction sees it, so it is consistent even while other processes keep writing. A
//! restore checks the file is a Rapport database this build can open, copies it beside the
//! live file and renames it over it, so the live file is always either the old database or
//! the new one, whole.
//!
//! PostgreSQL has its own tools (`pg_dump`); the JSON export is the route that works on both.

use std::fs;
use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::error::{Result, StoreError, is_busy};
use crate::whole_file::WholeFile;
use crate::{Backend, Store, known_schema_version};

impl Store {
    /// Writes a consistent copy of this SQLite database to `path`. An existing file is
    /// refused unless `replace`, and then replaced only once the copy is complete.
    pub async fn backup_sqlite(&self, path: &Path, replace: bool) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "a file backup is for SQLite databases".into(),
            ));
        }
        if !replace && path.exists() {
            return Err(StoreError::FileExists {
                path: path.display().to_string(),
            });
        }
        let cannot = |action| {
            move |source| StoreError::File {
                path: path.display().to_string(),
                action,
                source,
            }
        };
        // VACUUM INTO wants a file that does not exist or is empty: a new temporary one, put
        // in place when complete.
        let partial = WholeFile::create(path).map_err(cannot("cannot create the backup"))?;
        let mut conn = self.pool.acquire().await?;
        sqlx::query("VACUUM INTO $1")
            .bind(partial.path().to_string_lossy().into_owned())
            .execute(&mut *conn)
            .await?;
        partial
            .finish()
            .map_err(cannot("cannot write the backup"))?;
        Ok(())
    }
}

/// Replaces the SQLite database at `target` with the backup at `backup`, after checking the
/// backup is a sound Rapport database no newer than this build. Returns its schema version.
///
/// The database must not be in use: switching it out of WAL mode needs every other
/// connection closed, which is how a running server is detected (a server started after that
/// check, in the instant before the swap, is not).
pub async fn restore_sqlite(backup: &Path, target: &Path) -> Result<i64> {
    let version = check_backup(backup).await?;
    let cannot = |path: &Path, action| {
        let path = path.display().to_string();
        move |source| StoreError::File {
            path,
            action,
            source,
        }
    };
    // Beside the file a symbolic link names: the link stays, pointing at the restored file.
    let partial = WholeFile::create(target)
        .map_err(cannot(target, "cannot create a temporary file beside it"))?;
    fs::copy(backup, partial.path()).map_err(cannot(backup, "cannot copy the backup"))?;
    // Holds the live database exclusively, out of WAL mode (so no write-ahead log of the old
    // database is left to be replayed into the new one), until the new file is in place.
    let mut live = if target.exists() {
        Some(take_exclusively(target).await?)
    } else {
        None
    };
    partial
        .finish()
        .map_err(cannot(target, "cannot replace the database"))?;
    if let Some(conn) = live.take() {
        conn.close().await?;
    }
    Ok(version)
}

async fn check_backup(backup: &Path) -> Result<i64> {
    let not_rapport = |reason: String| StoreError::NotRapportDatabase {
        path: backup.display().to_string(),
        reason,
    };
    if !backup.is_file() {
        return Err(not_rapport("no such file".into()));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(backup)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| not_rapport(e.to_string()))?;
    let checked: Result<(String, Option<i64>), sqlx::Error> = async {
        let integrity: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&mut conn)
            .await?;
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&mut conn)
                .await?;
        Ok((integrity, version))
    }
    .await;
    conn.close().await?;
    let (integrity, version) = checked.map_err(|e| not_rapport(e.to_string()))?;
    if integrity != "ok" {
        return Err(not_rapport(format!("integrity check: {integrity}")));
    }
    let found = version.ok_or_else(|| not_rapport("it has no schema version".into()))?;
    let known = known_schema_version(Backend::Sqlite);
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    Ok(found)
}

/// Opens the live database alone: out of WAL mode (which SQLite allows only when no other
/// connection is open) and under an exclusive lock.
async fn take_exclusively(target: &Path) -> Result<SqliteConnection> {
    let mut conn = SqliteConnectOptions::new()
        .filename(target)
        .connect()
        .await?;
    // SQLite leaves WAL mode only when no other connection has the database open; otherwise
    // the pragma answers with the mode it kept, or fails as busy.
    let mode: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await;
    let alone = match mode {
        Ok(mode) => mode.eq_ignore_ascii_case("delete"),
        Err(err) if is_busy(&err) => false,
        Err(err) => {
            conn.close().await?;
            return Err(err.into());
        }
    };
    if !alone || conn.execute("BEGIN EXCLUSIVE").await.is_err() {
        conn.close().await?;
        return Err(StoreError::InUse);
    }
    Ok(conn)
}

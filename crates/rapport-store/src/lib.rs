//! Rapport's storage: one query layer over embedded SQLite and PostgreSQL.
//!
//! The backend is chosen once, when the store is opened, from the URL. Every query is written
//! once, in the SQL both backends share (`$N` placeholders, ISO-8601 text for dates and
//! instants, integers for ids and flags), and runs through sqlx's `Any` driver. What truly
//! differs — identity columns, collations — lives in the two migration folders, which hold the
//! same versions (a test checks it).
//!
//! Every public write method is one transaction: it lands whole or not at all.

mod agenda;
mod audit;
mod bulk;
mod contacts;
mod error;
mod health;
mod network;
mod organizations;
mod relationships;
mod rows;
mod schedule;
mod touches;
mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

pub use audit::{AuditEntry, AuditFilter, FieldChange, PRIVATE_MARKER};
pub use bulk::{
    BulkContact, BulkFollowUp, BulkLoader, BulkOrganization, BulkRows, BulkStats, BulkTouch,
    BulkUser, schedule_of,
};
pub use contacts::{ContactFilter, ContactPatch, NewContact};
pub use error::{Candidate, Result, StoreError};
pub use health::{ContactHealth, OrganizationHealth};
pub use network::{Neighbour, Network};
pub use relationships::{
    CompetitorUpdate, NewOpportunity, OpportunityFilter, RelationshipRules, RulesPatch,
};
pub use touches::NewTouch;
pub use users::{Account, ApiToken, Authenticated, NewUser};

use rapport_core::model::{User, UserId};
use rapport_core::{AuditAction, AuditEntity};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How many connections the pool may open: one for a CLI command, more for a server.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { max_connections: 1 }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time. Writers of this process wait their turn here, in
    /// order, rather than in SQLite's busy handler, which sleeps and retries (seconds of tail
    /// latency under load). Other processes still meet the busy timeout.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
}

/// The current data version (see [`Store::data_version`]), as a query any read can embed.
pub(crate) const DATA_VERSION: &str = "SELECT version FROM data_version WHERE id = 1";

/// One write transaction: it lands whole or not at all. On SQLite it takes the write lock up
/// front (`BEGIN IMMEDIATE`), so two writers queue instead of failing half-way through. Its
/// commit also moves the data version on, so every reader learns that something changed.
pub(crate) struct Write {
    tx: Transaction<'static, Any>,
    _queue: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Write {
    pub(crate) async fn commit(mut self) -> Result<()> {
        sqlx::query("UPDATE data_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the database named by `location` — a SQLite file path, a
    /// `sqlite:` URL or a `postgres://` URL — and brings its schema up to date.
    pub async fn open(location: &str, options: OpenOptions) -> Result<Store> {
        install_default_drivers();
        let (backend, url) = connection_url(location)?;
        let unreachable = |source| StoreError::Unreachable {
            url: redact(location),
            source,
        };
        // One direct connection first: a pool retries failed connects until its timeout and
        // then reports only "timed out", while a direct connect names the real problem
        // (refused, unknown host, no such database) at once. It also runs the migrations.
        let mut first = AnyConnection::connect(&url).await.map_err(unreachable)?;
        migrate(&mut first, backend).await?;
        first.close().await.map_err(unreachable)?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers (the agenda) run while a writer commits; NORMAL sync
                        // is durable across application crashes, which is what WAL needs.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(unreachable)?;
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The schema version this database is at.
    pub async fn schema_version(&self) -> Result<i64> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// A write transaction; see [`Write`].
    async fn write(&self) -> Result<Write> {
        let (queue, tx) = match self.backend {
            Backend::Sqlite => {
                let turn = Arc::clone(&self.sqlite_writer).lock_owned().await;
                (Some(turn), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres => (None, self.pool.begin().await?),
        };
        Ok(Write { tx, _queue: queue })
    }

    /// A number that changes whenever any write transaction commits, on any process sharing
    /// the database. Something computed from the database after reading version `v` is
    /// current for as long as the version still reads `v` — which is what lets a server
    /// reuse an answer (the agenda) without keeping state that could go stale.
    pub async fn data_version(&self) -> Result<i64> {
        let version: i64 = sqlx::query_scalar(DATA_VERSION)
            .fetch_one(&self.pool)
            .await?;
        Ok(version)
    }

    /// The local owner: the first user, who owns everything a seller working alone creates.
    pub async fn local_user(&self) -> Result<User> {
        let row = sqlx::query("SELECT id, email, name, time_zone FROM users ORDER BY id LIMIT 1")
            .fetch_one(&self.pool)
            .await?;
        rows::user(&row)
    }

    /// Sets a user's time zone (an IANA name), or with `None` follows the machine's zone.
    /// The user themself or an admin.
    pub async fn set_time_zone(
        &self,
        actor: UserId,
        user: UserId,
        zone: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_change_own(user, "user's settings")?;
        let before: Option<Option<String>> =
            sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
        let before = before.ok_or_else(|| StoreError::UserNotFound(format!("#{user}")))?;
        sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
            .bind(zone)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        let change = audit::Change {
            action: AuditAction::Update,
            entity: AuditEntity::User,
            entity_id: Some(user.0),
            contact: None,
            before: Some(serde_json::json!({ "time_zone": before })),
            after: Some(serde_json::json!({ "time_zone": zone })),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Brings the schema up to date, refusing a database written by a newer version.
async fn migrate(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    let migrator = migrator(backend);
    let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    // A fresh database has no migrations table yet; that is not an error.
    let (found, applied): (Option<i64>, i64) =
        sqlx::query_as("SELECT MAX(version), COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or((None, 0));
    if let Some(found) = found.filter(|v| *v > known) {
        return Err(StoreError::NewerSchema { found, known });
    }
    // Up to date — every command but the first after an upgrade: skip the migrator, whose
    // lock, table check and checksum queries are five more round trips on PostgreSQL for
    // every command (docs/benchmarks.md).
    let up_to_date =
        found == Some(known) && usize::try_from(applied) == Ok(migrator.iter().count());
    if !up_to_date {
        migrator.run(conn).await?;
    }
    Ok(())
}

/// The instant as stored: UTC, whole seconds, fixed width, so text order is time order.
pub(crate) fn instant_text(at: Timestamp) -> String {
    Timestamp::from_second(at.as_second())
        .unwrap_or(at)
        .to_string()
}

/// Maps a user-facing location to a backend and a sqlx URL.
fn connection_url<'a>(location: &'a str) -> Result<(Backend, String)> {
    let bad = |reason: &str| StoreError::BadUrl {
        url: redact(location),
        reason: reason.into(),
    };
    let trimmed = location.trim();
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        let parsed: sqlx::postgres::PgConnectOptions = trimmed
            .parse()
            .map_err(|e: sqlx::Error| bad(&e.to_string()))?;
        drop(parsed);
        return Ok((Backend::Postgres, trimmed.to_owned()));
    }
    // A URL may carry parameters after '?' (we set our own); a plain path is taken whole.
    let url_path = |rest: &'a str| rest.split('?').next().unwrap_or(rest);
    let path = if let Some(rest) = trimmed.strip_prefix("sqlite://") {
        url_path(rest)
    } else if let Some(rest) = trimmed.strip_prefix("sqlite:") {
        url_path(rest)
    } else if trimmed.contains("://") {
        return Err(bad(
            "expected a SQLite file path, a sqlite: URL or a postgres:// URL",
        ));
    } else {
        trimmed
    };
    if path.is_empty() {
        return Err(bad("no file name"));
    }
    if path == ":memory:" {
        return Ok((Backend::Sqlite, "sqlite::memory:".into()));
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| bad(&format!("cannot create folder {}: {e}", parent.display())))?;
    }
    // sqlx percent-decodes the file name, so characters that mean something in a URL are
    // encoded first.
    let encoded = path
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    Ok((Backend::Sqlite, format!("sqlite://{encoded}?mode=rwc")))
}

/// The location without a password, for messages and logs.
fn redact(location: &str) -> String {
    match location.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((credentials, host)) => match credentials.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => location.to_owned(),
            },
            None => location.to_owned(),
        },
        None => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let versions = |m: &Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert!(!versions(&SQLITE_MIGRATIONS).is_empty());
    }

    #[test]
    fn locations_map_to_backends() {
        assert_eq!(
            connection_url("postgres://u:p@localhost/db").unwrap(),
            (Backend::Postgres, "postgres://u:p@localhost/db".into())
        );
        let dir = std::env::temp_dir().join("rapport-url-test");
        let file = dir.join("a?b.db");
        let (backend, url) = connection_url(file.to_str().unwrap()).unwrap();
        assert_eq!(backend, Backend::Sqlite);
        assert!(url.ends_with("a%3Fb.db?mode=rwc"), "{url}");
        assert!(matches!(
            connection_url("mysql://x"),
            Err(StoreError::BadUrl { .. })
        ));
        assert!(matches!(
            connection_url("  "),
            Err(StoreError::BadUrl { .. })
        ));
        assert!(matches!(
            connection_url("postgres://:::"),
            Err(StoreError::BadUrl { .. })
        ));
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://bob:secret@db/x"),
            "postgres://bob:***@db/x"
        );
        assert_eq!(redact("/tmp/x.db"), "/tmp/x.db");
    }
}

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
mod backup;
mod bulk;
mod contacts;
mod error;
mod export;
mod group_commit;
mod health;
mod import;
mod insights;
mod intake;
mod merge;
mod network;
mod nurture;
mod organizations;
mod playbooks;
mod profile;
mod relationships;
mod rows;
mod schedule;
mod search;
mod sessions;
mod suggestions;
mod touch_index;
mod touches;
mod users;
mod whole_file;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

pub use audit::{AuditEntry, AuditFilter, FieldChange, PRIVATE_MARKER};
pub use backup::restore_sqlite;
pub use bulk::{
    BulkContact, BulkFollowUp, BulkLoader, BulkOrganization, BulkRows, BulkStats, BulkTouch,
    BulkUser, schedule_of,
};
pub use contacts::{ContactFilter, ContactPatch, NewContact, Reassigned};
pub use error::{Candidate, Ownership, Result, StoreError};
pub use export::{EXPORT_RIGHT, ExportFormat, ExportSummary};
pub use health::{ContactHealth, OrganizationHealth};
pub use import::ImportSummary;
pub use insights::TouchWith;
pub use intake::{ImportOptions, ImportReport};
pub use merge::{DuplicatePair, Evidence, Merged, Moved};
pub use network::{Neighbour, Network};
pub use nurture::{
    ContentFields, ContentPatch, ContentReplies, Handoff, Handoffs, HistoryLine, NurtureOwners,
    NurtureReport, NurtureRules, Recommendations,
};
pub use organizations::OrganizationPatch;
pub use playbooks::{ContactChecklist, PlaybookPatch, StagePlaybook};
pub use profile::StoredCriterion;
pub use rapport_intake;
pub use relationships::{
    CompetitorUpdate, NewOpportunity, OpportunityFilter, RelationshipRules, RulesPatch,
};
pub use search::{ContactHit, OrganizationHit, SearchResults};
pub use sessions::{LoginFailures, NewSession, Session};
pub use suggestions::{ContactSuggestions, OrganizationSuggestions};
pub use touches::NewTouch;
pub use users::{Account, ApiToken, Authenticated, NewUser, UserPatch};
pub use whole_file::WholeFile;

use rapport_core::model::{User, UserId};
use rapport_core::{AuditAction, AuditEntity};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `conn` talks to.
    pub(crate) fn of(conn: &AnyConnection) -> Backend {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// What a `SELECT` in a write transaction ends with to lock the rows it reads until the
    /// transaction ends: on PostgreSQL, where each statement reads what others committed
    /// meanwhile, so that a check and the write it allows see the same rows; nothing on
    /// SQLite, whose `BEGIN IMMEDIATE` already runs one writer at a time.
    pub(crate) fn row_lock(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }
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
    /// Where write transactions run. On SQLite, which admits one writer at a time, a pool of
    /// its own with a single connection: concurrent writes wait their turn in the pool's
    /// queue and start the moment the previous one commits, instead of retrying in SQLite's
    /// busy handler, which sleeps between attempts (1, 2, 5 … 100 ms) and so turned a burst of
    /// writers into long stalls. A dropped, uncommitted write's rollback runs on that same
    /// connection before the next write begins. On PostgreSQL, the one pool.
    writers: AnyPool,
    backend: Backend,
    scheduling_rules: schedule::RulesCache,
    /// A SQLite server's logged touches go through group commit (see [`group_commit`]).
    touch_queue: Option<group_commit::TouchQueue>,
}

/// The current data version (see [`Store::data_version`]), as a query any read can embed.
pub(crate) const DATA_VERSION: &str = "SELECT version FROM data_version WHERE id = 1";

/// One write transaction: it lands whole or not at all. On SQLite it takes the write lock up
/// front (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing
/// half-way through. Its commit also moves the data version on, so every reader learns that
/// something changed.
pub(crate) struct Write {
    tx: Transaction<'static, Any>,
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
        let pool = pool_options(backend, options.max_connections)
            .connect(&url)
            .await
            .map_err(unreachable)?;
        let writers = match backend {
            Backend::Sqlite if options.max_connections > 1 => pool_options(backend, 1)
                .connect_lazy(&url)
                .map_err(unreachable)?,
            _ => pool.clone(),
        };
        let mut store = Store {
            pool,
            writers,
            backend,
            scheduling_rules: schedule::RulesCache::default(),
            touch_queue: None,
        };
        if backend == Backend::Sqlite && options.max_connections > 1 {
            store.touch_queue = Some(group_commit::TouchQueue::start(store.clone()));
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.writers.close().await;
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
        let tx = match self.backend {
            Backend::Sqlite => self.writers.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writers.begin().await?,
        };
        Ok(Write { tx })
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

/// The newest schema version this build knows.
pub(crate) fn known_schema_version(backend: Backend) -> i64 {
    migrator(backend)
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Moves PostgreSQL's identity sequences of `tables` past the largest id each holds, after
/// rows were inserted with their ids given (SQLite picks the next rowid from the table).
pub(crate) async fn move_sequences_past_ids(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &[&str],
) -> Result<()> {
    if backend == Backend::Postgres {
        for table in tables {
            // The table names are this crate's constants, never input.
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            );
            conn.execute(sql.as_str()).await?;
        }
    }
    Ok(())
}

/// Brings the schema up to date, refusing a database written by a newer version.
async fn migrate(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    let migrator = migrator(backend);
    let known = known_schema_version(backend);
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
    stored_instant(at).to_string()
}

/// The instant as it reads back once stored: cut to whole seconds.
pub(crate) fn stored_instant(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

/// What a user-facing location names.
enum Location<'a> {
    Postgres(&'a str),
    SqliteFile(&'a str),
}

fn parse_location<'a>(location: &'a str) -> Result<Location<'a>> {
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
        return Ok(Location::Postgres(trimmed));
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
    match path {
        "" => Err(bad("no file name")),
        // Every pooled connection would open a database of its own, empty and unmigrated.
        ":memory:" => Err(bad(
            "an in-memory database cannot be shared by the store's connections; give a file path",
        )),
        path => Ok(Location::SqliteFile(path)),
    }
}

/// The SQLite file a location names; `None` for PostgreSQL.
pub fn sqlite_file(location: &str) -> Result<Option<PathBuf>> {
    Ok(match parse_location(location)? {
        Location::SqliteFile(path) => Some(PathBuf::from(path)),
        Location::Postgres(_) => None,
    })
}

fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A SQLite connection is a file handle in this process: nothing between it and the
        // database can break, and a ping before each use is one more hand-off to sqlx's
        // SQLite thread and back on every read and write. A PostgreSQL connection can be
        // cut by the server or the network, so it is tested.
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers (the agenda) run while a writer commits; NORMAL sync is
                    // durable across application crashes, which is what WAL needs.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
}

/// Maps a user-facing location to a backend and a sqlx URL.
fn connection_url(location: &str) -> Result<(Backend, String)> {
    let path = match parse_location(location)? {
        Location::Postgres(url) => return Ok((Backend::Postgres, url.to_owned())),
        Location::SqliteFile(path) => path,
    };
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::BadUrl {
            url: redact(location),
            reason: format!("cannot create folder {}: {e}", parent.display()),
        })?;
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
    fn a_write_dropped_before_its_commit_leaves_nothing_and_holds_up_no_one() {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("writes.db");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = Store::open(
                location.to_str().unwrap(),
                OpenOptions { max_connections: 8 },
            )
            .await
            .unwrap();
            let version = store.data_version().await.unwrap();
            let insert = "INSERT INTO cadence_defaults (scope, key, cadence) \
                          VALUES ('stage', 'dormant', '6m')";
            {
                let mut abandoned = store.write().await.unwrap();
                sqlx::query(insert).execute(&mut *abandoned).await.unwrap();
            }
            // The next write starts at once (the busy timeout would otherwise answer
            // "database is locked" after 5 s) and sees nothing of the dropped one.
            let mut next = store.write().await.unwrap();
            sqlx::query(insert).execute(&mut *next).await.unwrap();
            next.commit().await.unwrap();
            assert_eq!(store.data_version().await.unwrap(), version + 1);
        });
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
    fn sqlite_locations_name_their_file() {
        let file = |location: &str| sqlite_file(location).unwrap();
        assert_eq!(file("/tmp/a b.db"), Some(PathBuf::from("/tmp/a b.db")));
        assert_eq!(
            file("sqlite:///tmp/x.db?mode=ro"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(file("sqlite:rel.db"), Some(PathBuf::from("rel.db")));
        assert!(matches!(
            sqlite_file("sqlite::memory:"),
            Err(StoreError::BadUrl { reason, .. }) if reason.contains("in-memory")
        ));
        assert_eq!(file("postgres://u@localhost/db"), None);
        assert!(sqlite_file("mysql://x").is_err());
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

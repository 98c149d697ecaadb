//! A database for the store tests, on the backend `RAPPORT_TEST_DATABASE_URL` names.
//!
//! Unset: every case gets a fresh SQLite file in its own temporary folder. Set to a
//! `postgres://` URL: the test creates one database of its own on that server, empties it
//! between cases (creating a database per case would be slow) and drops it at the end. An
//! unreachable server fails the test; nothing is skipped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rapport_core::UserRole;
use rapport_store::{NewUser, OpenOptions, Store};
use sqlx::any::install_default_drivers;
use sqlx::{AnyConnection, Connection, PgConnection};

pub const DATABASE_URL_VAR: &str = "RAPPORT_TEST_DATABASE_URL";

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000_000
    )
}

/// One opened store, and what to clean up after it.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    /// The SQLite file or the PostgreSQL URL.
    location: String,
    folder: Option<PathBuf>,
}

impl Opened {
    pub fn is_postgres(&self) -> bool {
        self.location.starts_with("postgres")
    }

    /// A connection of the test's own to the store's database, beside the store's pools: to
    /// put the database in a state the store's API cannot make (one an older version left).
    pub async fn connect(&self) -> AnyConnection {
        install_default_drivers();
        let url = if self.is_postgres() {
            self.location.clone()
        } else {
            format!("sqlite://{}", self.location)
        };
        AnyConnection::connect(&url)
            .await
            .unwrap_or_else(|err| panic!("cannot connect to {url}: {err}"))
    }

    /// The database opened again, as the next command of a newer version opens it: the
    /// migrations it lacks are applied.
    pub async fn reopen(&self) -> Store {
        Store::open(&self.location, OpenOptions::default())
            .await
            .unwrap_or_else(|err| panic!("cannot open {} again: {err}", self.location))
    }

    pub async fn close(self) {
        self.store.close().await;
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

#[derive(Debug)]
enum Backend {
    Sqlite,
    Postgres {
        admin_url: String,
        name: String,
        url: String,
        /// The default cadences a fresh database is seeded with, restored between cases.
        seed_defaults: Vec<(String, String, String)>,
    },
}

#[derive(Debug)]
pub struct Harness {
    backend: Backend,
}

impl Harness {
    /// Call outside any async runtime: on PostgreSQL this creates the test's database.
    pub fn new(runtime: &tokio::runtime::Runtime) -> Harness {
        let admin_url = match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => {
                return Harness {
                    backend: Backend::Sqlite,
                };
            }
        };
        let name = unique_name("rapport_test");
        let url = with_database(&admin_url, &name);
        let seed_defaults = runtime.block_on(async {
            let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
                panic!(
                    "{DATABASE_URL_VAR}={admin_url}: cannot reach PostgreSQL ({err}); start it or \
                     unset {DATABASE_URL_VAR} to test on SQLite"
                )
            });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
            let _ = admin.close().await;
            // Let Rapport create its schema, then remember the seeded defaults.
            let store = Store::open(&url, OpenOptions::default())
                .await
                .unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
            store.close().await;
            let mut conn = PgConnection::connect(&url).await.unwrap();
            let seed: Vec<(String, String, String)> =
                sqlx::query_as("SELECT scope, key, cadence FROM cadence_defaults")
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let _ = conn.close().await;
            seed
        });
        Harness {
            backend: Backend::Postgres {
                admin_url,
                name,
                url,
                seed_defaults,
            },
        }
    }

    /// An empty store, as freshly created.
    pub async fn fresh(&self) -> Opened {
        self.fresh_with(OpenOptions::default()).await
    }

    /// An empty store with a pool of the given size.
    pub async fn fresh_with(&self, options: OpenOptions) -> Opened {
        match &self.backend {
            Backend::Sqlite => {
                let folder = std::env::temp_dir().join(unique_name("rapport-store-test"));
                std::fs::create_dir_all(&folder).unwrap();
                let file = folder.join("rapport.db");
                let store = Store::open(file.to_str().unwrap(), options)
                    .await
                    .unwrap_or_else(|err| panic!("cannot open {}: {err}", file.display()));
                Opened {
                    store,
                    location: file.to_str().unwrap().to_owned(),
                    folder: Some(folder),
                }
            }
            Backend::Postgres {
                url, seed_defaults, ..
            } => {
                let mut conn = PgConnection::connect(url).await.unwrap();
                // Every table that refers to contacts or organizations goes with them.
                sqlx::query("TRUNCATE contacts, organizations, audit_log RESTART IDENTITY CASCADE")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                sqlx::query("DELETE FROM cadence_defaults")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                for (scope, key, cadence) in seed_defaults {
                    sqlx::query(
                        "INSERT INTO cadence_defaults (scope, key, cadence) VALUES ($1, $2, $3)",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(cadence)
                    .execute(&mut conn)
                    .await
                    .unwrap();
                }
                let _ = conn.close().await;
                let store = Store::open(url, options)
                    .await
                    .unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
                Opened {
                    store,
                    location: url.clone(),
                    folder: None,
                }
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Backend::Postgres {
            admin_url, name, ..
        } = &self.backend
        {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(sqlx::Error::Io)
                .and_then(|rt| {
                    rt.block_on(async {
                        let mut admin = PgConnection::connect(admin_url).await?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin)
                            .await?;
                        admin.close().await
                    })
                });
            if let Err(err) = result {
                eprintln!("warning: cannot drop test database {name}: {err}");
            }
        }
    }
}

/// `admin_url` with its database name replaced by `name`, keeping any query string.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..authority_end])
}

/// A user without a password, to add with `Store::add_user`.
pub fn new_user(email: &str, name: &str, role: UserRole) -> NewUser {
    NewUser {
        email: email.parse().unwrap(),
        name: name.into(),
        role,
        password_hash: None,
    }
}

//! Running the real `rapport` binary against a throw-away database.
//!
//! The backend comes from the environment, never from the test: with
//! `RAPPORT_TEST_DATABASE_URL` unset every test gets a fresh SQLite file in a temporary folder;
//! set to a `postgres://` URL, every test creates its own database on that server and drops it
//! when done. An unreachable server fails the test; nothing is ever skipped.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sqlx::{Connection, Executor};

pub const DATABASE_URL_VAR: &str = "RAPPORT_TEST_DATABASE_URL";

/// A name no other test, in this process or another, is using.
pub fn unique_name(prefix: &str) -> String {
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

/// An empty folder under the system's temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(unique_name("rapport-test"));
        std::fs::create_dir_all(&path).expect("cannot create a temporary folder");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The names of what the folder holds now.
    pub fn entries(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .expect("cannot read the temporary folder")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot start a tokio runtime")
        .block_on(future)
}

#[derive(Debug)]
enum Backend {
    /// The folder holding the database file (and its WAL files), removed on drop.
    Sqlite {
        _dir: TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

/// One test's own database.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    backend: Backend,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => TestDb::postgres(url.trim()),
            _ => {
                let dir = TempDir::new();
                let url = dir.path().join("rapport.db").to_string_lossy().into_owned();
                TestDb {
                    url,
                    backend: Backend::Sqlite { _dir: dir },
                }
            }
        }
    }

    fn postgres(admin_url: &str) -> TestDb {
        assert!(
            admin_url.starts_with("postgres://") || admin_url.starts_with("postgresql://"),
            "{DATABASE_URL_VAR} must be a postgres:// URL, got '{admin_url}'"
        );
        let name = unique_name("rapport_test");
        block_on(async {
            let mut admin = sqlx::PgConnection::connect(admin_url)
                .await
                .unwrap_or_else(|err| {
                    panic!(
                        "{DATABASE_URL_VAR}={admin_url}: cannot reach PostgreSQL ({err}); start \
                         it or unset {DATABASE_URL_VAR} to test on SQLite"
                    )
                });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
            let _ = admin.close().await;
        });
        TestDb {
            url: with_database(admin_url, &name),
            backend: Backend::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// What `--db` takes: a file path or a postgres:// URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Records a migration this version of Rapport does not know, as a newer Rapport would
    /// have: a row in sqlx's `_sqlx_migrations` table.
    pub fn record_migration(&self, version: i64, description: &str) {
        const SQL: &str = "INSERT INTO _sqlx_migrations \
            (version, description, success, checksum, execution_time) \
            VALUES ($1, $2, TRUE, $3, 0)";
        let checksum = vec![0u8; 48];
        block_on(async {
            match &self.backend {
                Backend::Sqlite { .. } => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.sqlite_url())
                        .await
                        .unwrap();
                    sqlx::query(SQL)
                        .bind(version)
                        .bind(description)
                        .bind(checksum)
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    conn.close().await.unwrap();
                }
                Backend::Postgres { .. } => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    sqlx::query(SQL)
                        .bind(version)
                        .bind(description)
                        .bind(checksum)
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    conn.close().await.unwrap();
                }
            }
        });
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.backend, Backend::Sqlite { .. })
    }

    /// See [`stale_schedules`].
    pub fn stale_schedules(&self) -> u64 {
        stale_schedules(&self.url)
    }

    /// Runs one statement directly on the database, behind Rapport's back.
    pub fn execute(&self, sql: &str) {
        block_on(async {
            match &self.backend {
                Backend::Sqlite { .. } => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.sqlite_url())
                        .await
                        .unwrap();
                    sqlx::query(sql).execute(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                }
                Backend::Postgres { .. } => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    sqlx::query(sql).execute(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                }
            }
        });
    }

    /// Runs `during` while another connection holds a write transaction open: on SQLite the
    /// database's write lock (`BEGIN IMMEDIATE`), on PostgreSQL the row locks `lock` takes
    /// (`SELECT … FOR UPDATE`). The transaction is rolled back after.
    pub fn while_locked<T>(&self, lock: &str, during: impl FnOnce() -> T) -> T {
        block_on(async {
            match &self.backend {
                Backend::Sqlite { .. } => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.sqlite_url())
                        .await
                        .unwrap();
                    conn.execute("BEGIN IMMEDIATE").await.unwrap();
                    let result = during();
                    conn.execute("ROLLBACK").await.unwrap();
                    conn.close().await.unwrap();
                    result
                }
                Backend::Postgres { .. } => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    conn.execute("BEGIN").await.unwrap();
                    conn.execute(lock).await.unwrap();
                    let result = during();
                    conn.execute("ROLLBACK").await.unwrap();
                    conn.close().await.unwrap();
                    result
                }
            }
        })
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.url)
    }

    /// One integer, read directly from the database.
    pub fn count(&self, sql: &str) -> i64 {
        block_on(async {
            match &self.backend {
                Backend::Sqlite { .. } => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.sqlite_url())
                        .await
                        .unwrap();
                    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                    n
                }
                Backend::Postgres { .. } => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                    n
                }
            }
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, name } = &self.backend {
            let result = block_on(async {
                let mut admin = sqlx::PgConnection::connect(admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            });
            if let Err(err) = result {
                eprintln!("warning: cannot drop test database {name}: {err}");
            }
        }
        // A SQLite folder removes itself (TempDir).
    }
}

/// How many contacts' stored schedule or last touch the store finds stale in the database at
/// `location` (`Store::reschedule_all`, `Store::stale_last_touches`): 0 when consistent.
pub fn stale_schedules(location: &str) -> u64 {
    block_on(async {
        let store = rapport_store::Store::open(location, Default::default())
            .await
            .unwrap();
        let stale = store.reschedule_all().await.unwrap()
            + u64::try_from(store.stale_last_touches().await.unwrap()).unwrap();
        store.close().await;
        stale
    })
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

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `rapport` with the given global flags and arguments, from `cwd` if given. Inherited
/// Rapport settings are removed so the machine running the tests cannot change the outcome.
pub fn rapport_raw(globals: &[&str], args: &[&str], cwd: Option<&Path>) -> Run {
    let mut command = rapport_command(globals, args);
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    finished(command.output().expect("cannot run the rapport binary"))
}

/// [`rapport_raw`] with `input` on standard input (how `user add` reads a password).
pub fn rapport_with_input(globals: &[&str], args: &[&str], input: &str) -> Run {
    let mut child = rapport_command(globals, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the rapport binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    finished(child.wait_with_output().unwrap())
}

/// Runs `rapport` with its standard output a pipe whose reading end is already closed — what
/// `rapport contact list | head -1` does once `head` has its line. Returns how the process
/// ended and what it wrote on standard error.
pub fn rapport_into_closed_pipe(
    globals: &[&str],
    args: &[&str],
) -> (std::process::ExitStatus, String) {
    let mut child = rapport_command(globals, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the rapport binary");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn rapport_command(globals: &[&str], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rapport"));
    command
        .args(globals)
        .args(args)
        .env_remove("RAPPORT_DATABASE_URL")
        .env_remove("RAPPORT_NOW")
        .env_remove("RAPPORT_TZ")
        .env_remove("RAPPORT_USER");
    command
}

fn finished(output: std::process::Output) -> Run {
    Run {
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts a failed run: exit code 1, nothing on stdout, and exactly one line on stderr,
/// `error: …`, that contains every one of `wanted`. Returns that line.
pub fn assert_failed(run: &Run, context: &str, wanted: &[&str]) -> String {
    assert!(
        !run.success,
        "{context}: expected a failure, got success\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.code,
        Some(1),
        "{context}: exit code\nstderr: {}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "{context}: nothing on stdout on failure");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{context}: one line on stderr, got:\n{}",
        run.stderr
    );
    let line = lines[0];
    assert!(line.starts_with("error: "), "{context}: {line}");
    for w in wanted {
        assert!(line.contains(w), "{context}: '{w}' not in: {line}");
    }
    line.to_owned()
}

/// A Rapport "installation" for one test: its own database, a fixed clock and time zone.
#[derive(Debug)]
pub struct Rapport {
    pub db: TestDb,
    now: RefCell<String>,
    tz: RefCell<String>,
}

impl Rapport {
    /// A fresh database; the clock at 2026-11-25 (local noon) in UTC.
    pub fn new() -> Rapport {
        Rapport {
            db: TestDb::new(),
            now: RefCell::new("2026-11-25".into()),
            tz: RefCell::new("UTC".into()),
        }
    }

    /// Moves the clock: a day (local noon) or a date and time.
    pub fn at(&self, now: &str) -> &Rapport {
        *self.now.borrow_mut() = now.to_owned();
        self
    }

    pub fn in_zone(&self, tz: &str) -> &Rapport {
        *self.tz.borrow_mut() = tz.to_owned();
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let now = self.now.borrow().clone();
        let tz = self.tz.borrow().clone();
        rapport_raw(
            &["--db", self.db.url(), "--now", &now, "--tz", &tz],
            args,
            None,
        )
    }

    /// [`Rapport::run`] with an environment variable set (`RAPPORT_USER`…).
    pub fn run_with_env(&self, var: &str, value: &str, args: &[&str]) -> Run {
        let now = self.now.borrow().clone();
        let tz = self.tz.borrow().clone();
        let mut command =
            rapport_command(&["--db", self.db.url(), "--now", &now, "--tz", &tz], args);
        command.env(var, value);
        finished(command.output().expect("cannot run the rapport binary"))
    }

    /// [`Rapport::run`] with `input` on standard input.
    pub fn run_with_input(&self, input: &str, args: &[&str]) -> Run {
        let now = self.now.borrow().clone();
        let tz = self.tz.borrow().clone();
        rapport_with_input(
            &["--db", self.db.url(), "--now", &now, "--tz", &tz],
            args,
            input,
        )
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(
            run.success,
            "rapport {} failed ({:?}):\n{}",
            args.join(" "),
            run.code,
            run.stderr
        );
        run.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("rapport {}: invalid JSON ({e}):\n{out}", all.join(" ")))
    }

    /// Runs a command that must fail with a one-line error containing each of `wanted`.
    pub fn fails(&self, args: &[&str], wanted: &[&str]) -> String {
        assert_failed(
            &self.run(args),
            &format!("rapport {}", args.join(" ")),
            wanted,
        )
    }

    /// Adds a contact and returns its id.
    pub fn add(&self, name: &str, flags: &[&str]) -> i64 {
        let mut args = vec!["contact", "add", name];
        args.extend_from_slice(flags);
        let out = self.ok(&args);
        out.trim()
            .parse()
            .unwrap_or_else(|_| panic!("contact add printed '{out}', not an id"))
    }

    pub fn show(&self, contact: &str) -> Value {
        self.json(&["contact", "show", contact])
    }

    /// Every contact, archived ones too, as `contact list --json --archived` prints them.
    pub fn all_contacts(&self) -> Value {
        self.json(&["contact", "list", "--archived"])
    }

    /// Everything the CLI can read back: each contact in full (touches, follow-ups done or
    /// not), organizations and default cadences. Equal snapshots mean nothing was written.
    pub fn snapshot(&self) -> Value {
        let contacts = self.all_contacts();
        let mut shown = vec![];
        for c in contacts.as_array().unwrap() {
            let id = c["id"].to_string();
            shown.push(serde_json::json!({
                "contact": self.json(&["contact", "show", &id, "--touches", "1000"]),
                "follow_ups": self.json(&["follow-up", "list", &id, "--all"]),
            }));
        }
        serde_json::json!({
            "contacts": contacts,
            "shown": shown,
            "organizations": self.json(&["org", "list"]),
            "defaults": self.json(&["cadence", "default"]),
        })
    }

    /// Today's agenda entries as (contact id, section, due date).
    pub fn today(&self) -> Vec<(i64, String, String)> {
        entries(&self.json(&["today"]))
    }
}

/// An agenda's entries as (contact id, section, due date), in the order given.
pub fn entries(agenda: &Value) -> Vec<(i64, String, String)> {
    agenda["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no entries in {agenda}"))
        .iter()
        .map(|e| {
            (
                e["contact_id"].as_i64().unwrap(),
                e["section"].as_str().unwrap().to_owned(),
                e["due_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The entry for one contact in an agenda, if it is there.
pub fn entry(agenda: &Value, contact: i64) -> Option<Value> {
    agenda["entries"]
        .as_array()?
        .iter()
        .find(|e| e["contact_id"].as_i64() == Some(contact))
        .cloned()
}

/// Shorthand for a JSON string field.
pub fn s(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
}

#[test]
fn database_names_are_swapped_into_urls() {
    assert_eq!(
        with_database("postgres://root@127.0.0.1:5432/postgres", "x"),
        "postgres://root@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

/// The newest schema version this build knows: the highest-numbered migration file.
pub fn latest_schema_version() -> i64 {
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rapport-store/migrations/sqlite"
    );
    std::fs::read_dir(folder)
        .expect("the migrations folder")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.split('_').next()?.parse::<i64>().ok()
        })
        .max()
        .expect("at least one migration")
}

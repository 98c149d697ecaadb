//! Bad input: every case exits non-zero with one line naming the problem, and writes nothing.

use crate::support::{Rapport, TempDir, assert_failed, latest_schema_version, rapport_raw};

/// A small book of contacts to make mistakes against.
fn fixture() -> Rapport {
    let r = Rapport::new();
    r.add(
        "Ada Lovelace",
        &["--email", "ada@example.com", "--org", "Analytical Engines"],
    );
    r.add("Bob Stone", &["--email", "bob@example.com", "--tier", "B"]);
    r.add("Bobby Tables", &["--email", "bobby@example.com"]);
    r.ok(&[
        "log",
        "Ada Lovelace",
        "--kind",
        "call",
        "--summary",
        "intro",
    ]);
    r.ok(&[
        "follow-up",
        "add",
        "Bob Stone",
        "--due",
        "2026-12-01",
        "send deck",
    ]);
    r.ok(&[
        "hold",
        "Bobby Tables",
        "--until",
        "2027-01-10",
        "--reason",
        "budget freeze",
    ]);
    r.ok(&["contact", "add", "Archie Ved"]);
    r.ok(&["contact", "archive", "Archie"]);
    r
}

/// Each refused command, and what its one error line must say.
#[rustfmt::skip]
const REFUSED: &[(&[&str], &[&str])] = &[
    // Unknown and ambiguous contacts.
    (&["log", "nobody", "--kind", "call"], &["no contact matches 'nobody'"]),
    (&["hold", "#42", "--until", "3m", "--reason", "x"], &["no contact matches '#42'"]),
    (&["follow-up", "add", "zed@example.com", "--due", "tomorrow", "x"], &["no contact matches 'zed@example.com'"]),
    (&["contact", "archive", "nobody"], &["no contact matches 'nobody'"]),
    (&["log", "bob", "--kind", "call", "--summary", "hello"], &["'bob' matches 2 contacts", "#2 Bob Stone <bob@example.com>", "#3 Bobby Tables <bobby@example.com>", "use the id or the email"]),
    (&["contact", "edit", "bo", "--tier", "A"], &["'bo' matches 2 contacts"]),
    (&["cadence", "set", "bo", "10d"], &["'bo' matches 2 contacts"]),
    // Invalid dates and times.
    (&["hold", "Bob Stone", "--until", "2026-02-30", "--reason", "x"], &["--until", "invalid date '2026-02-30'"]),
    (&["hold", "Bob Stone", "--until", "soonish", "--reason", "x"], &["--until", "invalid date 'soonish'"]),
    (&["follow-up", "add", "Bob Stone", "--due", "2026-13-01", "x"], &["--due", "invalid date '2026-13-01'"]),
    (&["log", "Bob Stone", "--kind", "call", "--at", "last week"], &["--at", "invalid time 'last week'"]),
    // Holds must end after today and say why.
    (&["hold", "Bob Stone", "--until", "today", "--reason", "x"], &["--until", "a hold must end after today (2026-11-25); got 2026-11-25"]),
    (&["hold", "Bob Stone", "--until", "2026-11-25", "--reason", "x"], &["a hold must end after today"]),
    (&["hold", "Bob Stone", "--until", "2026-01-01", "--reason", "x"], &["a hold must end after today (2026-11-25); got 2026-01-01"]),
    (&["hold", "Bob Stone", "--until", "3m", "--reason", "  "], &["--reason"]),
    // Invalid cadences.
    (&["contact", "add", "Carol", "--cadence", "0d"], &["--cadence", "invalid cadence '0d': a cadence must be at least one day"]),
    (&["contact", "add", "Carol", "--cadence", "abc"], &["--cadence", "invalid cadence 'abc'", "like 30d, 6w or 3m"]),
    (&["contact", "add", "Carol", "--cadence", "10y"], &["invalid cadence '10y'", "5 years"]),
    (&["contact", "edit", "Bob Stone", "--cadence=-3d"], &["invalid cadence '-3d'"]),
    (&["cadence", "set", "Bob Stone", "0w"], &["invalid cadence '0w'"]),
    (&["cadence", "default", "--tier", "A", "abc"], &["invalid cadence 'abc'"]),
    (&["cadence", "default", "--fallback", "none"], &["the fallback cadence cannot be removed"]),
    (&["cadence", "default", "30d"], &["say which default"]),
    (&["cadence", "default", "--tier", "A"], &["give a cadence"]),
    // Closed vocabularies.
    (&["contact", "add", "Carol", "--tier", "Z"], &["--tier", "unknown tier 'Z'", "expected one of: A, B, C, D"]),
    (&["contact", "add", "Carol", "--role", "boss"], &["--role", "unknown role 'boss'", "prospect"]),
    (&["contact", "add", "Carol", "--stage", "friend"], &["--stage", "unknown lifecycle stage 'friend'"]),
    (&["contact", "add", "Carol", "--horizon", "forever"], &["--horizon", "unknown horizon 'forever'"]),
    (&["contact", "add", "Carol", "--kind", "veteran"], &["--kind", "unknown prospect kind 'veteran'"]),
    (&["log", "Bob Stone", "--kind", "tweet"], &["--kind", "unknown touch kind 'tweet'", "content-shared"]),
    (&["contact", "edit", "Bob Stone", "--tier", "Z"], &["--tier", "unknown tier 'Z'"]),
    (&["contact", "edit", "Bob Stone", "--end-role", "boss"], &["--end-role", "unknown role 'boss'"]),
    (&["contact", "edit", "Bob Stone", "--end-role", "champion"], &["is not a champion now"]),
    (&["contact", "list", "--tier", "Z"], &["--tier", "unknown tier 'Z'"]),
    (&["cadence", "default", "--role", "boss", "30d"], &["--role", "unknown role 'boss'"]),
    // Emails: malformed, or already someone else's (in any case).
    (&["contact", "add", "Carol", "--email", "not-an-email"], &["--email", "invalid email address 'not-an-email'"]),
    (&["contact", "add", "Carol", "--email", "ADA@example.com"], &["email ada@example.com already belongs to contact #1 Ada Lovelace"]),
    (&["contact", "add", "Carol", "--email", "c@example.com", "--email", "C@example.com"], &["email c@example.com is given twice"]),
    (&["contact", "edit", "Bob Stone", "--add-email", "ada@example.com"], &["email ada@example.com already belongs to contact #1 Ada Lovelace"]),
    // A valid change alongside a bad one: the whole edit is refused.
    (&["contact", "edit", "Bob Stone", "--tier", "A", "--name", "Robert", "--add-email", "bobby@example.com"], &["already belongs to contact #3 Bobby Tables"]),
    (&["contact", "edit", "Bob Stone", "--tag", "vip", "--remove-email", "nope@example.com"], &["has no email nope@example.com"]),
    // Names.
    (&["contact", "add", "  "], &["name: a name cannot be empty"]),
    (&["contact", "edit", "Bob Stone", "--name", ""], &["--name: a name cannot be empty"]),
    // Archived contacts take no new activity.
    (&["log", "Archie", "--kind", "call"], &["contact #4 is archived; unarchive it first"]),
    (&["hold", "Archie", "--until", "3m", "--reason", "x"], &["is archived"]),
    (&["follow-up", "add", "Archie", "--due", "tomorrow", "x"], &["is archived"]),
    // Things that are not there.
    (&["follow-up", "done", "999"], &["no follow-up #999"]),
    (&["unhold", "Ada Lovelace"], &["has no hold"]),
    (&["org", "show", "Initech"], &["no organization matches 'Initech'"]),
    (&["contact", "list", "--org", "Initech"], &["no organization matches 'Initech'"]),
    (&["org", "add", "analytical engines"], &["already exists"]),
    (&["settings", "--time-zone", "Mars/Olympus"], &["unknown time zone 'Mars/Olympus'"]),
];

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let r = fixture();
    let before = r.snapshot();
    for (args, wanted) in REFUSED {
        let contacts = r.all_contacts();
        r.fails(args, wanted);
        assert_eq!(
            r.all_contacts(),
            contacts,
            "rapport {} changed the contacts",
            args.join(" ")
        );
    }
    assert_eq!(r.snapshot(), before, "a refused command wrote something");
}

#[test]
fn bad_global_flags_are_refused() {
    let r = fixture();
    let before = r.snapshot();
    let db = r.db.url();
    for (globals, wanted) in [
        (
            vec!["--db", db, "--now", "someday", "--tz", "UTC"],
            "--now: invalid time 'someday'",
        ),
        (
            vec!["--db", db, "--now", "2026-02-30", "--tz", "UTC"],
            "--now: invalid time '2026-02-30'",
        ),
        (
            vec!["--db", db, "--now", "2026-11-25", "--tz", "Mars/Olympus"],
            "--tz: unknown time zone 'Mars/Olympus'",
        ),
    ] {
        for args in [&["today"][..], &["contact", "add", "Carol"][..]] {
            let run = rapport_raw(&globals, args, None);
            assert_failed(&run, &format!("{globals:?} {args:?}"), &[wanted]);
        }
    }
    assert_eq!(r.snapshot(), before);
}

/// A write that cannot get its lock in time — SQLite's write lock held by another process
/// past the 5 s busy timeout, a PostgreSQL row lock past the session's `lock_timeout` — says
/// the database is busy, saves nothing, and goes through when run again.
#[test]
fn a_write_blocked_by_another_transaction_is_refused_as_busy_and_saves_nothing() {
    let r = fixture();
    let before = r.snapshot();
    let log = [
        "log",
        "Ada Lovelace",
        "--kind",
        "call",
        "--summary",
        "again",
    ];
    let run = r.db.while_locked("SELECT id FROM contacts FOR UPDATE", || {
        r.run_with_env("PGOPTIONS", "-c lock_timeout=1000", &log)
    });
    assert_failed(
        &run,
        "a touch logged while another transaction holds the lock",
        &["the database is busy with other writes; nothing was saved, try again"],
    );
    assert_eq!(r.snapshot(), before, "a busy write saved something");
    r.ok(&log);
    assert_ne!(r.snapshot(), before, "the touch logged again did not land");
}

/// A URL Rapport cannot use is refused before anything is created.
#[test]
fn malformed_database_urls_are_refused() {
    let cwd = TempDir::new();
    for (url, wanted) in [
        (
            "mysql://x",
            "invalid database URL 'mysql://x': expected a SQLite file path",
        ),
        ("", "invalid database URL '': it is empty"),
        (
            "sqlite://",
            "invalid database URL 'sqlite://': no file name",
        ),
        ("postgres://:::", "invalid database URL 'postgres://:::'"),
        (
            "sqlite::memory:",
            "invalid database URL 'sqlite::memory:': an in-memory database cannot be shared",
        ),
    ] {
        let run = rapport_raw(
            &["--db", url, "--now", "2026-11-25", "--tz", "UTC"],
            &["contact", "add", "Carol"],
            Some(cwd.path()),
        );
        assert_failed(&run, url, &[wanted]);
    }
    assert!(cwd.entries().is_empty(), "created {:?}", cwd.entries());
}

/// A database that cannot be reached is a clear error, not a hang or a panic.
#[test]
fn unreachable_databases_are_reported() {
    let cwd = TempDir::new();
    let blocker = cwd.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let under_a_file = blocker.join("rapport.db");
    for (url, wanted) in [
        (
            "postgres://root@127.0.0.1:1/none".to_owned(),
            "cannot open database postgres://root@127.0.0.1:1/none",
        ),
        (
            "postgres://bob:secret@127.0.0.1:1/none".to_owned(),
            "cannot open database postgres://bob:***@127.0.0.1:1/none",
        ),
        (
            under_a_file.to_string_lossy().into_owned(),
            "cannot create folder",
        ),
    ] {
        let run = rapport_raw(
            &["--db", &url, "--now", "2026-11-25", "--tz", "UTC"],
            &["today"],
            Some(cwd.path()),
        );
        let line = assert_failed(&run, &url, &[wanted]);
        assert!(!line.contains("secret"), "the password leaked: {line}");
    }
}

/// A database written by a newer Rapport is refused, on whichever backend is under test.
#[test]
fn a_database_from_a_newer_version_is_refused() {
    let r = Rapport::new();
    r.add("Ada Lovelace", &[]);
    let version = r.json(&["settings"])["schema_version"].as_i64().unwrap();
    assert_eq!(version, latest_schema_version());
    let applied = r.db.count("SELECT COUNT(*) FROM _sqlx_migrations");
    r.db.record_migration(99_990_101_000_000, "from the future");
    let known = format!("knows up to {version}");
    for args in [
        &["today"][..],
        &["contact", "list"][..],
        &["contact", "add", "Carol"][..],
        &["settings"][..],
    ] {
        r.fails(
            args,
            &[
                "newer version of Rapport",
                "schema version 99990101000000",
                &known,
            ],
        );
    }
    assert_eq!(r.db.count("SELECT COUNT(*) FROM contacts"), 1);
    assert_eq!(
        r.db.count("SELECT COUNT(*) FROM _sqlx_migrations"),
        applied + 1,
        "no migration ran"
    );
}

//! `rapport search`: full-text search end to end, and the index built for a database written
//! before search existed.

use crate::support::{Rapport, s};

/// Names of the contacts a search found, best first.
fn found(r: &Rapport, words: &[&str]) -> Vec<String> {
    let mut args = vec!["search"];
    args.extend_from_slice(words);
    r.json(&args)["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|hit| s(&hit["contact"]["name"]).to_owned())
        .collect()
}

fn acme_book(r: &Rapport) -> i64 {
    let priya = r.add(
        "Priya Raman",
        &["--org", "Acme Logistics", "--email", "priya@acme.example"],
    );
    r.add("Tom Becker", &["--org", "Acme Logistics"]);
    r.add("Dana Whitfield", &["--org", "Borealis"]);
    r.ok(&[
        "log",
        &priya.to_string(),
        "--kind",
        "meeting",
        "--summary",
        "Met at the partner retreat in Lisbon",
        "--needs",
        "Data migration off their old ERP",
    ]);
    r.ok(&[
        "log",
        "Tom",
        "--kind",
        "call",
        "--summary",
        "Retreat logistics",
    ]);
    priya
}

#[test]
fn search_finds_someone_from_a_fragment_and_says_what_matched() {
    let r = Rapport::new();
    let priya = acme_book(&r);

    let hits = r.json(&["search", "acme", "retreat", "migr"]);
    let contacts = hits["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "{hits}");
    assert_eq!(contacts[0]["contact"]["id"], priya);
    let matched: Vec<(&str, &str)> = contacts[0]["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (s(&m["field"]), s(&m["text"])))
        .collect();
    assert_eq!(
        matched,
        vec![
            ("organization", "Acme Logistics"),
            (
                "touch",
                "Met at the partner retreat in Lisbon · Data migration off their old ERP"
            ),
        ]
    );
    assert_eq!(
        hits["organizations"],
        serde_json::json!([]),
        "no organization says all that"
    );
    let acme = r.json(&["search", "acme"]);
    assert_eq!(s(&acme["organizations"][0]["name"]), "Acme Logistics");
    assert_eq!(s(&acme["organizations"][0]["matched"][0]["field"]), "name");

    // Prefix, a typo in a name, an email's part; --limit.
    assert_eq!(found(&r, &["retr"]), vec!["Priya Raman", "Tom Becker"]);
    assert_eq!(found(&r, &["--limit", "1", "retr"]), vec!["Priya Raman"]);
    assert_eq!(found(&r, &["Whitfeld"]), vec!["Dana Whitfield"]);
    assert_eq!(found(&r, &["acme.example"]), vec!["Priya Raman"]);

    let text = r.ok(&["search", "acme", "retreat"]);
    assert!(
        text.starts_with(&format!("#{priya:<5} Priya Raman · Acme Logistics")),
        "{text}"
    );
    assert!(text.contains("organization: Acme Logistics"), "{text}");
    assert!(
        r.ok(&["search", "acme"])
            .contains("Organizations:\n#1     Acme Logistics\n"),
        "{text}"
    );
    assert_eq!(r.ok(&["search", "zzyzx"]), "Nothing matches “zzyzx”.\n");
    // A limit is read with the other arguments: refused like `--limit ten`, as a usage error.
    for list in [
        &["search", "x"][..],
        &["contact", "list"],
        &["today"],
        &["duplicates"],
        &["audit"],
    ] {
        let mut args = list.to_vec();
        args.extend(["--limit", "0"]);
        let refused = r.run(&args);
        assert_eq!(refused.code, Some(2), "{args:?}: {}", refused.stderr);
        assert!(
            refused
                .stderr
                .starts_with("error: invalid value '0' for '--limit <LIMIT>': expected a whole number of at least 1"),
            "{args:?}: {}",
            refused.stderr
        );
    }
}

/// A database written before search existed gets its index on the first run of the new
/// version: what it already held is found.
#[test]
fn the_upgrade_indexes_what_the_database_already_holds() {
    let r = Rapport::new();
    acme_book(&r);
    let undo: &[&str] = if r.db.is_sqlite() {
        &[
            "DROP TRIGGER search_name_inbox_insert",
            "DROP TRIGGER search_name_inbox_update",
            "DROP TRIGGER search_name_inbox_gather",
            "DROP TABLE search_name_inbox_terms",
            "DROP TABLE search_name_inbox",
            "DROP TABLE search_name_words",
            "DROP TRIGGER contact_text_insert",
            "DROP TRIGGER contact_text_update",
            "DROP TRIGGER contact_text_delete",
            "DROP TRIGGER contact_text_email_insert",
            "DROP TRIGGER contact_text_email_delete",
            "DROP TRIGGER contact_text_email_update",
            "DROP TRIGGER contact_text_organization_rename",
            // Version 15 replaced the touch triggers and added the index's high-water mark.
            "DROP TRIGGER touch_text_update",
            "DROP TRIGGER touch_text_delete",
            "DROP TABLE touch_text_indexed",
            "DROP TRIGGER organization_text_insert",
            "DROP TRIGGER organization_text_update",
            "DROP TRIGGER organization_text_delete",
            "DROP TABLE contact_text",
            "DROP TABLE touch_text",
            "DROP TABLE organization_text",
            "ALTER TABLE contacts DROP COLUMN merged_into",
        ]
    } else {
        &[
            "DROP FUNCTION search_name_words_add CASCADE",
            "DROP TABLE search_name_words",
            "DROP FUNCTION contact_text_changed CASCADE",
            "DROP FUNCTION contact_text_refresh",
            "DROP TABLE contact_text",
            "DROP INDEX touches_text",
            "DROP INDEX organizations_text",
            "DROP FUNCTION search_words",
            "ALTER TABLE contacts DROP COLUMN merged_into",
        ]
    };
    for sql in undo {
        r.db.execute(sql);
    }
    r.db.execute("DELETE FROM _sqlx_migrations WHERE version IN (11, 15, 16)");

    assert_eq!(
        found(&r, &["acme", "retreat", "migration"]),
        vec!["Priya Raman"]
    );
    assert_eq!(found(&r, &["whitfeld"]), vec!["Dana Whitfield"]);
    assert_eq!(
        r.db.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE version IN (11, 15, 16)"),
        3
    );
}

/// Version 18 rebuilds SQLite's email, phone and tag tables (WITHOUT ROWID) and its contact
/// search index (no word positions), copying what they hold; PostgreSQL has nothing to change.
/// Run again over a book, with version 19 after it as an upgrade from 17 runs them, it keeps
/// every email, phone and tag, and search — and the triggers that keep the index in step with
/// edits — work as before.
#[test]
fn the_lean_rows_upgrade_keeps_every_email_phone_and_tag_and_what_search_finds() {
    let r = Rapport::new();
    acme_book(&r);
    let tess = r.add(
        "Tess Tagwell",
        &[
            "--email",
            "tess@halcyon.example",
            "--email",
            "t.tagwell@home.example",
            "--phone",
            "+1 555 0101",
            "--tag",
            "vip",
            "--tag",
            "summit",
        ],
    );
    let rows = |r: &Rapport| {
        ["contact_emails", "contact_phones", "contact_tags"].map(|table| {
            r.db.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE contact_id = {tess}"
            ))
        })
    };
    assert_eq!(rows(&r), [2, 1, 2]);
    // A book at version 17 runs 18, then 19 (phone keys, on the table 18 rebuilt).
    r.db.execute("DELETE FROM _sqlx_migrations WHERE version IN (18, 19)");

    assert_eq!(found(&r, &["tagwell"]), vec!["Tess Tagwell"]);
    assert_eq!(
        r.db.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE version IN (18, 19)"),
        2
    );
    assert_eq!(rows(&r), [2, 1, 2]);
    assert_eq!(
        r.db.count(&format!(
            "SELECT COUNT(*) FROM contact_phones WHERE contact_id = {tess} \
             AND phone_key = '15550101'"
        )),
        1
    );
    r.ok(&[
        "contact",
        "edit",
        &tess.to_string(),
        "--add-phone",
        "+1 555 0102",
    ]);
    assert_eq!(found(&r, &["halcyon"]), vec!["Tess Tagwell"]);
    assert_eq!(
        found(&r, &["acme", "retreat", "migration"]),
        vec!["Priya Raman"]
    );
    r.ok(&[
        "contact",
        "edit",
        &tess.to_string(),
        "--add-email",
        "tess@orbital.example",
    ]);
    assert_eq!(found(&r, &["orbital"]), vec!["Tess Tagwell"]);
    assert!(
        r.ok(&["contact", "list", "--tag", "vip"])
            .contains("Tess Tagwell")
    );
}

/// Touches reach SQLite's search index in batches, outside the touch's own transaction
/// (migration 15): a search indexes what is waiting before it reads, so what was said a moment
/// ago is found. When the newest indexed touch is deleted, SQLite hands its id to the next
/// touch, which must still be indexed.
#[test]
fn a_touch_logged_a_moment_ago_is_found_though_touches_are_indexed_in_batches() {
    let r = Rapport::new();
    acme_book(&r);
    let waiting = "SELECT COUNT(*) FROM touches \
                   WHERE id > (SELECT through FROM touch_text_indexed WHERE id = 1)";
    let index_matches_touches = || {
        if r.db.is_sqlite() {
            assert_eq!(r.db.count(waiting), 0);
            // With rank 1, FTS5 also checks the index against the touches table itself.
            r.db.execute("INSERT INTO touch_text (touch_text, rank) VALUES ('integrity-check', 1)");
        }
    };
    if r.db.is_sqlite() {
        assert_eq!(r.db.count(waiting), 2, "logging a touch indexes nothing");
    }
    assert_eq!(found(&r, &["lisbon"]), vec!["Priya Raman"]);
    index_matches_touches();

    // Tom's touch, the newest, goes (behind Rapport's back); its id comes back for the next.
    let newest = r.db.count("SELECT MAX(id) FROM touches");
    r.db.execute(&format!(
        "UPDATE contacts SET last_touch_id = NULL WHERE last_touch_id = {newest}"
    ));
    r.db.execute(&format!("DELETE FROM touches WHERE id = {newest}"));
    r.ok(&[
        "log",
        "Tom",
        "--kind",
        "call",
        "--summary",
        "Kickoff in Porto",
    ]);
    if r.db.is_sqlite() {
        assert_eq!(r.db.count("SELECT MAX(id) FROM touches"), newest);
    }
    assert_eq!(found(&r, &["porto"]), vec!["Tom Becker"]);
    index_matches_touches();
}

/// A call from a number on the screen is logged by that number, and José by "jose": the
/// quickest way to log a touch takes what the user has in front of them.
#[test]
fn a_touch_is_logged_by_a_phone_number_or_a_name_without_its_accents() {
    let r = Rapport::new();
    let jose = r.add("José Müller", &["--phone", "+44 20 7946 0958"]);
    r.add("Dana Whitfield", &["--phone", "555-0100"]);
    r.ok(&[
        "log",
        "020 7946 0958",
        "--kind",
        "call",
        "--summary",
        "Caller ID",
    ]);
    r.ok(&[
        "log",
        "jose mul",
        "--kind",
        "email",
        "--summary",
        "Sent the deck",
    ]);
    let shown = r.show("jose");
    assert_eq!(shown["id"], jose, "{shown}");
    let mut summaries: Vec<&str> = shown["recent_touches"]
        .as_array()
        .expect("recent_touches")
        .iter()
        .map(|t| s(&t["summary"]))
        .collect();
    summaries.sort_unstable();
    assert_eq!(summaries, ["Caller ID", "Sent the deck"]);

    let hits = r.json(&["search", "+44", "20", "7946", "0958"]);
    assert_eq!(hits["contacts"][0]["contact"]["id"], jose, "{hits}");
    assert_eq!(s(&hits["contacts"][0]["matched"][0]["field"]), "phone");
    assert_eq!(
        s(&hits["contacts"][0]["matched"][0]["text"]),
        "+44 20 7946 0958"
    );
    r.fails(
        &["log", "555 9999", "--kind", "call", "--summary", "x"],
        &["no contact", "555 9999"],
    );
}

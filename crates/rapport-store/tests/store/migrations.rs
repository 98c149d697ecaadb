//! Migrations that fill a new column from the rows already stored: a database written by an
//! older version opens in this one with the column as this version would have written it.

use rapport_core::phone::phone_key;
use rapport_core::{Direction, TouchKind};
use rapport_store::{NewContact, NewTouch};
use sqlx::{Connection, Executor};

use crate::runtime;
use crate::support::Harness;

/// Migration 0019 keys the phones stored before it (SQLite's SQL has no regular expressions
/// and walks each phone's characters) exactly as `phone_key` keys a phone written after it.
#[test]
fn migration_0019_keys_the_phones_stored_before_it_as_new_phones_are_keyed() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = jiff::civil::date(2026, 11, 25);
        let phones = [
            "+1 (555) 010-0199",
            "+44 20 7946 0958",
            "555.010.0199",
            "020 7946 0958",
            "0142",
            "ext. 123456",
            "+33 1 23 45 67 89 poste 12",
            "tel: 0142",
            "٣٣٣ 1234567",
            "12345678901234567890",
        ];
        for (n, pair) in phones.chunks(2).enumerate() {
            let contact = NewContact {
                name: format!("Person {n}"),
                phones: pair.iter().map(|p| p.parse().unwrap()).collect(),
                ..NewContact::default()
            };
            store.add_contact(me, contact, now, today).await.unwrap();
        }

        let mut conn = opened.connect().await;
        let written_by_this_version: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT phone, phone_key FROM contact_phones ORDER BY phone")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(written_by_this_version.len(), phones.len());
        for (phone, key) in &written_by_this_version {
            assert_eq!(key, &phone_key(phone), "{phone} as the store writes it");
        }

        // The table as version 18 left it, then version 19's migration as it stands.
        conn.execute(
            "DROP INDEX contact_phones_key; \
             DROP INDEX contact_phones_short; \
             ALTER TABLE contact_phones DROP COLUMN phone_key; \
             CREATE INDEX contact_phones_phone ON contact_phones (phone)",
        )
        .await
        .unwrap();
        let migration = if opened.is_postgres() {
            include_str!("../../migrations/postgres/0019_phone_keys.sql")
        } else {
            include_str!("../../migrations/sqlite/0019_phone_keys.sql")
        };
        conn.execute(migration).await.unwrap();
        let migrated: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT phone, phone_key FROM contact_phones ORDER BY phone")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(migrated, written_by_this_version);
        assert!(
            migrated.iter().filter(|(_, key)| key.is_some()).count() >= 6,
            "{migrated:?}"
        );
        conn.close().await.unwrap();

        // Persons 0 and 1 hold the same two numbers, written other ways: `duplicates` reads
        // the keys.
        let pairs = store.duplicates(10).await.unwrap();
        assert!(
            pairs.iter().any(|pair| {
                let mut names = [pair.first.name.as_str(), pair.second.name.as_str()];
                names.sort();
                names == ["Person 0", "Person 1"]
            }),
            "{pairs:?}"
        );
        opened.close().await;
    });
}

/// Migration 0020: a team's book from before users could be disabled opens with every user
/// active (as this version writes a user nobody disabled), and users can be disabled in it.
#[test]
fn migration_0020_opens_an_older_book_with_every_user_active() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let admin = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let new =
            crate::support::new_user("bob@example.com", "Bob", rapport_core::UserRole::Member);
        let bob = store.add_user(admin, &new, now).await.unwrap();

        // The users table and the migrations applied as version 19 left them.
        let mut conn = opened.connect().await;
        conn.execute(
            "ALTER TABLE users DROP COLUMN disabled_at; \
             DELETE FROM _sqlx_migrations WHERE version = 20",
        )
        .await
        .unwrap();
        conn.close().await.unwrap();

        let upgraded = opened.reopen().await;
        let users = upgraded.users().await.unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.iter().all(|a| a.disabled_at.is_none()), "{users:?}");
        assert!(
            !upgraded
                .set_user_disabled(admin, bob, true, now)
                .await
                .unwrap()
        );
        assert_eq!(upgraded.user(bob).await.unwrap().disabled_at, Some(now));
        upgraded.close().await;
        opened.close().await;
    });
}

/// A book whose search was built before accents folded (version 20) finds "zurich" in
/// "Zürich" once opened: on PostgreSQL the migration computes the documents, indexes and name
/// words again with the new `search_words`; SQLite's index folded these single marks already
/// (letters with two are migration 0022's).
#[test]
fn migration_0021_folds_the_accents_of_what_was_indexed_before_it() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let day = jiff::civil::date(2026, 11, 25);
        let new = NewContact {
            name: "José Müller".into(),
            organization: Some("Café Zürich".into()),
            ..NewContact::default()
        };
        store.add_contact(me, new, now, day).await.unwrap();

        let mut conn = opened.connect().await;
        if opened.is_postgres() {
            // `search_words` and everything computed with it as version 20 left them.
            conn.execute(
                "CREATE OR REPLACE FUNCTION search_words(text TEXT) RETURNS TEXT \
                 LANGUAGE sql IMMUTABLE PARALLEL SAFE \
                 RETURN regexp_replace(lower(COALESCE(text, '')), '[^[:alnum:]]+', ' ', 'g'); \
                 REINDEX INDEX organizations_text; \
                 SELECT contact_text_refresh_range(MIN(id), MAX(id)) FROM contacts; \
                 DELETE FROM search_name_words",
            )
            .await
            .unwrap();
            let unfolded: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM contact_text \
                 WHERE document @@ to_tsquery('simple', 'zurich')",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(unfolded, 0, "the old documents keep the accents");
        }
        conn.execute("DELETE FROM _sqlx_migrations WHERE version = 21")
            .await
            .unwrap();
        conn.close().await.unwrap();

        let upgraded = opened.reopen().await;
        let found = upgraded.search(me, "zurich jose", None, 10).await.unwrap();
        let people: Vec<&str> = found
            .contacts
            .iter()
            .map(|h| h.contact.name.as_str())
            .collect();
        assert_eq!(people, ["José Müller"]);
        assert_eq!(
            found.organizations.len(),
            0,
            "no organization is named José"
        );
        let typo = upgraded.search(me, "mueller", None, 10).await.unwrap();
        assert_eq!(
            typo.contacts.len(),
            1,
            "the folded name word is there for typos"
        );
        upgraded.close().await;
        opened.close().await;
    });
}

/// Migration 0022 makes SQLite's search indexes again with every accent folded: a name, an
/// organization, a touch indexed before it and one logged after it but not yet indexed are
/// all found without their double marks ("nguyen" is Nguyễn, "hong" Hồng), the touch index
/// holds each touch once, and both backends get the index on opportunities' organization.
#[test]
fn migration_0022_folds_letters_with_two_marks_in_what_was_indexed_before_it() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let day = jiff::civil::date(2026, 11, 25);
        let mut people = vec![];
        for (name, organization) in [("Nguyễn Văn Minh", "Phở Hồng"), ("Trần Thị Lan", "Acme")] {
            let new = NewContact {
                name: name.into(),
                organization: Some(organization.into()),
                ..NewContact::default()
            };
            people.push(store.add_contact(me, new, now, day).await.unwrap());
        }
        let said = |summary: &str| NewTouch {
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: now,
            on: day,
            summary: Some(summary.into()),
            needs: None,
            next_approach: None,
            private: false,
        };
        store
            .log_touch(me, people[0], said("Gặp ở hội chợ Hội An"), now)
            .await
            .unwrap();
        store.index_touches().await.unwrap();
        store
            .log_touch(me, people[1], said("Hẹn gặp lại ở Hội An"), now)
            .await
            .unwrap();

        let mut conn = opened.connect().await;
        if opened.is_postgres() {
            conn.execute("DROP INDEX opportunities_organization")
                .await
                .unwrap();
        } else {
            // The indexes as version 21 left them: the same tables and rows, without
            // `remove_diacritics 2`.
            let statements: Vec<&str> =
                include_str!("../../migrations/sqlite/0022_full_accent_folding.sql")
                    .lines()
                    .filter(|line| !line.starts_with("--"))
                    .collect();
            let as_version_21 = statements
                .join("\n")
                .replace(",\n    tokenize = 'unicode61 remove_diacritics 2'", "")
                .replace(", tokenize = 'unicode61 remove_diacritics 2'", "")
                .replace(
                    "CREATE INDEX opportunities_organization ON opportunities (organization_id, outcome);",
                    "DROP INDEX opportunities_organization;",
                );
            assert!(!as_version_21.contains("remove_diacritics"));
            assert!(as_version_21.contains("DROP INDEX opportunities_organization;"));
            conn.execute(as_version_21.as_str()).await.unwrap();
            let unfolded: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM contact_text WHERE contact_text MATCH 'nguyen'",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(unfolded, 0, "version 21's index keeps the double marks");
        }
        conn.execute("DELETE FROM _sqlx_migrations WHERE version = 22")
            .await
            .unwrap();
        conn.close().await.unwrap();

        let upgraded = opened.reopen().await;
        let names = |query: &'static str| {
            let upgraded = &upgraded;
            async move {
                let found = upgraded.search(me, query, None, 10).await.unwrap();
                let contacts: Vec<String> =
                    found.contacts.into_iter().map(|h| h.contact.name).collect();
                let organizations: Vec<String> =
                    found.organizations.into_iter().map(|o| o.name).collect();
                (contacts, organizations)
            }
        };
        assert_eq!(
            names("nguyen").await,
            (vec!["Nguyễn Văn Minh".to_owned()], vec![])
        );
        assert_eq!(
            names("pho hong").await,
            (
                vec!["Nguyễn Văn Minh".to_owned()],
                vec!["Phở Hồng".to_owned()]
            )
        );
        assert_eq!(
            names("hoi an").await.0,
            ["Nguyễn Văn Minh", "Trần Thị Lan"],
            "the touch indexed before the migration, and the one after"
        );
        assert_eq!(names("nguyn").await.0, ["Nguyễn Văn Minh"], "a typo");
        assert_eq!(
            upgraded.resolve_contact("tran lan").await.unwrap(),
            people[1]
        );

        let mut conn = opened.connect().await;
        if !opened.is_postgres() {
            for index in ["contact_text", "organization_text", "touch_text"] {
                conn.execute(
                    format!("INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")
                        .as_str(),
                )
                .await
                .unwrap_or_else(|err| panic!("{index}: {err}"));
            }
        }
        let indexed: i64 = sqlx::query_scalar(if opened.is_postgres() {
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'opportunities_organization'"
        } else {
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'opportunities_organization'"
        })
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(indexed, 1);
        conn.close().await.unwrap();
        upgraded.close().await;
        opened.close().await;
    });
}

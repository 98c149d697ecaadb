//! The data version: every committed write moves it on, reads never do, and a failed write
//! leaves it where it was.

use jiff::civil::date;
use rapport_core::model::Hold;
use rapport_core::{DefaultScope, Direction, Tier, TouchKind};
use rapport_store::{AuditFilter, ContactPatch, NewContact, NewTouch};

use crate::runtime;
use crate::support::Harness;

#[test]
fn every_committed_write_and_only_a_committed_write_moves_the_data_version() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);

        let start = store.data_version().await.unwrap();
        let contact = store
            .add_contact(
                me,
                NewContact {
                    name: "Ada".into(),
                    ..NewContact::default()
                },
                now,
                today,
            )
            .await
            .unwrap();
        let after_add = store.data_version().await.unwrap();
        assert!(after_add > start, "{after_add} > {start}");

        store.contact(contact).await.unwrap();
        store.agenda(me, me, today, today, 50, None).await.unwrap();
        assert_eq!(
            store.data_version().await.unwrap(),
            after_add,
            "reads change nothing"
        );

        let ada_again = NewContact {
            name: "Ada again".into(),
            emails: vec!["ada@example.com".parse().unwrap()],
            ..NewContact::default()
        };
        store
            .add_contact(me, ada_again.clone(), now, today)
            .await
            .unwrap();
        let before_refusal = store.data_version().await.unwrap();
        assert!(store.add_contact(me, ada_again, now, today).await.is_err());
        assert_eq!(
            store.data_version().await.unwrap(),
            before_refusal,
            "a refused write rolls back its version step with everything else"
        );
        let held = Hold {
            until: date(2027, 3, 1),
            reason: "budget freeze".into(),
        };
        store.hold(me, contact, &held, now).await.unwrap();
        let after_hold = store.data_version().await.unwrap();
        assert!(after_hold > before_refusal);
        opened.close().await;
    });
}

/// Logging a touch reuses the scheduling rules it read at the same rules version; a change to
/// the default cadences moves that version on (a trigger), so the next touch follows the new
/// cadence at once.
#[test]
fn a_touch_logged_after_the_default_cadences_change_follows_the_new_ones() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let contact = store
            .add_contact(
                me,
                NewContact {
                    name: "Ada".into(),
                    tier: Some(Tier::A),
                    ..NewContact::default()
                },
                now,
                date(2026, 1, 1),
            )
            .await
            .unwrap();
        let touch_on = |day: jiff::civil::Date| NewTouch {
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: day
                .at(12, 0, 0, 0)
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp(),
            on: day,
            summary: None,
            needs: None,
            next_approach: None,
            private: false,
        };
        // Tier A's seeded default: every 30 days.
        let (_, first) = store
            .log_touch(me, contact, touch_on(date(2026, 2, 1)), now)
            .await
            .unwrap();
        assert_eq!(first.on, date(2026, 3, 3));

        store
            .set_cadence_default(
                me,
                DefaultScope::Tier(Tier::A),
                Some("10d".parse().unwrap()),
                now,
            )
            .await
            .unwrap();
        let (_, second) = store
            .log_touch(me, contact, touch_on(date(2026, 2, 5)), now)
            .await
            .unwrap();
        assert_eq!(second.on, date(2026, 2, 15));
        assert_eq!(store.reschedule_all().await.unwrap(), 0);
        opened.close().await;
    });
}

/// An edit that changes nothing — no field named, or only values the contact already holds —
/// leaves the contact's version and `updated_at` as they were and writes no audit row, so a
/// colleague's ETag does not go stale for nothing; a real change moves the version on.
#[test]
fn an_edit_that_changes_nothing_keeps_the_version_and_writes_no_audit_row() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let later = "2026-11-26T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let new = NewContact {
            name: "Ada".into(),
            tier: Some(Tier::A),
            tags: vec!["expo".into()],
            phones: vec!["+44 20 7946 0958".parse().unwrap()],
            ..NewContact::default()
        };
        let ada = store.add_contact(me, new, now, today).await.unwrap();
        let before = store.contact(ada).await.unwrap();
        let audit_rows = || async {
            let filter = AuditFilter {
                contact: Some(ada),
                ..AuditFilter::default()
            };
            store.audit(me, &filter).await.unwrap().len()
        };
        let rows_before = audit_rows().await;

        let repeats = [
            ContactPatch::default(),
            ContactPatch {
                name: Some("Ada".into()),
                tier: Some(Some(Tier::A)),
                add_tags: vec!["expo".into()],
                add_phones: vec!["020 7946 0958".parse().unwrap()],
                expected_version: Some(before.version),
                ..ContactPatch::default()
            },
        ];
        for patch in repeats {
            let changed = store
                .edit_contact(me, ada, patch, later, today)
                .await
                .unwrap();
            assert!(!changed);
            let after = store.contact(ada).await.unwrap();
            assert_eq!(
                (after.version, after.updated_at),
                (before.version, before.updated_at)
            );
        }
        assert_eq!(audit_rows().await, rows_before);

        let retier = ContactPatch {
            tier: Some(Some(Tier::B)),
            expected_version: Some(before.version),
            ..ContactPatch::default()
        };
        assert!(
            store
                .edit_contact(me, ada, retier, later, today)
                .await
                .unwrap()
        );
        let after = store.contact(ada).await.unwrap();
        assert_eq!(after.version, before.version + 1);
        assert_eq!(after.updated_at, later);
        assert_eq!(audit_rows().await, rows_before + 1);
        opened.close().await;
    });
}

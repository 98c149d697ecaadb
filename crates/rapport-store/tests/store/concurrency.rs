//! Concurrent writers to one contact: each reads what the previous one committed, so the
//! stored schedule always matches a recomputation from scratch.

use jiff::Timestamp;
use jiff::civil::date;
use rapport_core::model::UserId;
use rapport_core::{Direction, TouchKind};
use rapport_store::{NewContact, NewTouch, OpenOptions, Store};

use crate::runtime;
use crate::support::Harness;

const WRITERS: usize = 6;
const ROUNDS: usize = 8;

async fn write_round(
    store: Store,
    me: UserId,
    contact: rapport_core::model::ContactId,
    writer: usize,
) {
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    for round in 0..ROUNDS {
        // Touches on different days, so the latest one depends on commit order.
        let day = date(2026, 1, 1)
            .checked_add(jiff::Span::new().days(i64::try_from(writer * ROUNDS + round).unwrap()))
            .unwrap();
        let touch = NewTouch {
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: day
                .at(12, 0, 0, 0)
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp(),
            on: day,
            summary: Some(format!("writer {writer} round {round}")),
            needs: None,
            next_approach: None,
            private: false,
        };
        store.log_touch(me, contact, touch, now).await.unwrap();
        let due = date(2026, 2, 1)
            .checked_add(jiff::Span::new().days(i64::try_from(round).unwrap()))
            .unwrap();
        let (follow_up, _) = store
            .add_follow_up(me, contact, due, "call back", now)
            .await
            .unwrap();
        if round % 2 == 0 {
            store.complete_follow_up(me, follow_up, now).await.unwrap();
        }
    }
}

#[test]
fn concurrent_writes_to_one_contact_leave_a_consistent_schedule() {
    // One thread is enough: the writers interleave at every await, and each holds its own
    // connection, so the database sees them at once.
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let me = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let contact = store
            .add_contact(
                me,
                NewContact {
                    name: "Ada".into(),
                    ..NewContact::default()
                },
                now,
                date(2025, 12, 1),
            )
            .await
            .unwrap();
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| tokio::spawn(write_round(store.clone(), me, contact, writer)))
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        assert_eq!(
            store.reschedule_all().await.unwrap(),
            0,
            "a stored schedule went stale"
        );
        let shown = store.contact(contact).await.unwrap();
        let latest = date(2026, 1, 1)
            .checked_add(jiff::Span::new().days(i64::try_from(WRITERS * ROUNDS - 1).unwrap()))
            .unwrap();
        assert_eq!(shown.last_touch_on, Some(latest));
        let open = store.follow_ups(contact, false).await.unwrap();
        assert_eq!(open.len(), WRITERS * ROUNDS / 2);
        opened.close().await;
    });
}

//! Duplicates and merging: nothing of either contact is lost, the survivor is rescheduled,
//! both are audited, and refusals change nothing.

use jiff::Timestamp;
use jiff::civil::{Date, date};
use rapport_core::model::{ContactId, Hold, UserId};
use rapport_core::opportunity::Timeline;
use rapport_core::{BuyingTimeline, Direction, Role, Stage, TouchKind, UserRole};
use rapport_store::{
    AuditFilter, Evidence, NewContact, NewOpportunity, NewTouch, OpportunityFilter, Store,
    StoreError,
};

use crate::runtime;
use crate::support::{Harness, new_user};

fn noon(day: Date) -> Timestamp {
    day.at(12, 0, 0, 0).in_tz("UTC").unwrap().timestamp()
}

async fn log(store: &Store, author: UserId, contact: ContactId, on: Date, private: bool) {
    store
        .log_touch(
            author,
            contact,
            NewTouch {
                kind: TouchKind::Call,
                direction: Direction::Outbound,
                at: noon(on),
                on,
                summary: Some(format!("call on {on}")),
                needs: None,
                next_approach: None,
                private,
            },
            noon(on),
        )
        .await
        .unwrap();
}

async fn count(store: &Store, contact: ContactId) -> Vec<usize> {
    let me = store.local_user().await.unwrap().id;
    let c = store.contact(contact).await.unwrap();
    vec![
        store.touches(me, contact, None, None).await.unwrap().len(),
        store.follow_ups(contact, true).await.unwrap().len(),
        store
            .opportunities(OpportunityFilter {
                contact: Some(contact),
                open_only: false,
            })
            .await
            .unwrap()
            .len(),
        c.stage_history.len(),
        c.roles.len(),
        c.emails.len(),
        c.phones.len(),
        c.tags.len(),
    ]
}

#[test]
fn merging_keeps_everything_of_both_and_reschedules_the_survivor() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let new = |name: &str, email: &str, phone: &str, tags: &[&str], role: Role| NewContact {
            name: name.into(),
            organization: Some("Acme Logistics".into()),
            emails: vec![email.parse().unwrap()],
            phones: vec![phone.parse().unwrap()],
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            roles: vec![role],
            notes: Some(format!("{name}'s notes")),
            cadence: Some("30d".parse().unwrap()),
            ..NewContact::default()
        };
        let dana = store
            .add_contact(
                me,
                new(
                    "Dana Whitfield",
                    "dana@acme.example",
                    "+1 555 123 4567",
                    &["expo"],
                    Role::Champion,
                ),
                noon(added),
                added,
            )
            .await
            .unwrap();
        let twin = store
            .add_contact(
                me,
                NewContact {
                    stage: Some(Stage::Engaged),
                    ..new(
                        "Dana Whitfeld",
                        "dwhitfield@home.example",
                        "(555) 123-4567",
                        &["expo", "golf"],
                        Role::Evaluator,
                    )
                },
                noon(added),
                added,
            )
            .await
            .unwrap();
        let lee = store
            .add_contact(
                me,
                NewContact {
                    name: "Lee Park".into(),
                    ..NewContact::default()
                },
                noon(added),
                added,
            )
            .await
            .unwrap();

        // The duplicate list finds them, with the evidence.
        let pairs = store.duplicates(10).await.unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].first.id, pairs[0].second.id), (dana, twin));
        assert_eq!(
            pairs[0].evidence,
            vec![
                Evidence::SamePhone("+1 555 123 4567".into()),
                Evidence::Names {
                    likeness: rapport_core::duplicates::NameLikeness::Similar,
                    organization: Some("Acme Logistics".into()),
                },
            ]
        );

        log(store, me, dana, date(2026, 1, 10), false).await;
        log(store, me, twin, date(2026, 2, 1), false).await;
        log(store, me, twin, date(2026, 2, 20), true).await;
        store
            .add_follow_up(
                me,
                twin,
                date(2026, 2, 25),
                "send the deck",
                noon(date(2026, 2, 20)),
            )
            .await
            .unwrap();
        store
            .hold(
                me,
                twin,
                &Hold {
                    until: date(2026, 6, 1),
                    reason: "budget freeze".into(),
                },
                noon(date(2026, 2, 20)),
            )
            .await
            .unwrap();
        store
            .add_opportunity(
                me,
                twin,
                NewOpportunity {
                    title: "Fleet telematics".into(),
                    value: 40_000,
                    timeline: Timeline::Within(BuyingTimeline::Within90),
                },
                noon(date(2026, 2, 20)),
                date(2026, 2, 20),
            )
            .await
            .unwrap();
        store
            .introduce(me, twin, lee, date(2026, 2, 2), noon(date(2026, 2, 2)))
            .await
            .unwrap();
        store
            .introduce(me, lee, dana, date(2026, 2, 3), noon(date(2026, 2, 3)))
            .await
            .unwrap();

        let before_dana = count(store, dana).await;
        let before_twin = count(store, twin).await;
        // touches, follow-ups, opportunities, stage changes, roles, emails, phones, tags
        assert_eq!(before_dana, vec![1, 0, 0, 0, 1, 1, 1, 1]);
        // The twin: two touches, the follow-up, the deal, the stage set at its creation,
        // evaluator and (having introduced Lee) referrer, one email, one phone, two tags.
        assert_eq!(before_twin, vec![2, 1, 1, 1, 2, 1, 1, 2]);

        // Refusals change nothing.
        assert!(matches!(
            store.merge_contacts(me, dana, dana, noon(date(2026, 3, 1))).await,
            Err(StoreError::Invalid(m)) if m.contains("into itself")
        ));
        let bob = store
            .add_user(
                me,
                &new_user("bob@example.com", "Bob", UserRole::Member),
                noon(added),
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .merge_contacts(bob, dana, twin, noon(date(2026, 3, 1)))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(count(store, twin).await, before_twin);

        let merged = store
            .merge_contacts(me, dana, twin, noon(date(2026, 3, 1)))
            .await
            .unwrap();
        assert_eq!(merged.moved.touches, 2);
        assert_eq!(
            merged.moved.phones, 0,
            "one number written two ways: Dana's spelling stays"
        );
        assert_eq!(merged.moved.tags, 1, "expo is Dana's already; golf moves");
        let after = count(store, dana).await;
        // Every touch, follow-up, opportunity, stage change, role and email of both; the
        // phone and the tags without repeating the number or "expo".
        assert_eq!(after, vec![3, 1, 1, 1, 3, 2, 1, 2]);
        let survivor = store.contact(dana).await.unwrap();
        assert_eq!(survivor.stage, Some(Stage::Engaged), "filled from the twin");
        assert_eq!(
            survivor.notes.as_deref(),
            Some("Dana Whitfield's notes\n\nDana Whitfeld's notes")
        );
        assert_eq!(
            survivor.hold.as_ref().map(|h| (h.until, h.reason.as_str())),
            Some((date(2026, 6, 1), "budget freeze"))
        );
        // The latest touch is the twin's (Feb 20); the hold runs to June 1: the schedule is
        // the engine's, from the merged facts.
        assert_eq!(survivor.last_touch_on, Some(date(2026, 2, 20)));
        assert_eq!(survivor.next_touch.on, merged.next_touch.on);
        assert_eq!(store.reschedule_all().await.unwrap(), 0, "nothing stale");
        assert_eq!(store.stale_last_touches().await.unwrap(), 0);

        let network = store.network(dana).await.unwrap();
        assert_eq!(network.introduced.len(), 1, "the twin introduced Lee");
        assert_eq!(network.introduced_by.len(), 1, "Lee introduced Dana");

        let gone = store.contact(twin).await.unwrap();
        assert!(gone.archived_at.is_some());
        assert!(gone.emails.is_empty() && gone.phones.is_empty());
        assert!(count(store, twin).await.iter().all(|n| *n == 0));

        // Found by what the twin brought; the twin itself no longer.
        let found = store.search(me, "dwhitfield", None, 10).await.unwrap();
        assert_eq!(found.contacts.len(), 1);
        assert_eq!(found.contacts[0].contact.id, dana);
        assert!(store.duplicates(10).await.unwrap().is_empty());

        let audit = store.audit(me, &AuditFilter::default()).await.unwrap();
        let merges: Vec<Option<i64>> = audit
            .iter()
            .filter(|e| e.action == rapport_core::AuditAction::Merge)
            .map(|e| e.entity_id)
            .collect();
        assert_eq!(merges.len(), 2);
        assert!(merges.contains(&Some(dana.0)) && merges.contains(&Some(twin.0)));

        assert!(matches!(
            store.merge_contacts(me, dana, twin, noon(date(2026, 3, 2))).await,
            Err(StoreError::Merged { contact, into }) if contact == twin && into == dana
        ));
        opened.close().await;
    });
}

#[test]
fn merging_keeps_the_duplicates_nurture_owners_and_sales_ready_signal() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = noon(date(2026, 3, 1));
        let add = |name: &str| NewContact {
            name: name.into(),
            ..NewContact::default()
        };
        let dana = store
            .add_contact(me, add("Dana Whitfield"), now, date(2026, 1, 1))
            .await
            .unwrap();
        let twin = store
            .add_contact(me, add("Dana Whitfeld"), now, date(2026, 1, 1))
            .await
            .unwrap();
        store
            .set_nurture_owners(me, twin, None, Some(Some(me)), now)
            .await
            .unwrap();
        store
            .signal_ready(
                me,
                twin,
                Some((date(2026, 2, 20), Some("asked for a quote".into()))),
                now,
            )
            .await
            .unwrap();

        store.merge_contacts(me, dana, twin, now).await.unwrap();
        let owners = store.nurture_owners(dana).await.unwrap();
        assert_eq!(owners.sales_owner, Some(me));
        assert_eq!(
            owners.ready,
            Some((date(2026, 2, 20), Some("asked for a quote".into())))
        );
        opened.close().await;
    });
}

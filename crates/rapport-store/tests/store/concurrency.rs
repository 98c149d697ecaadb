//! Concurrent writers to one contact: each reads what the previous one committed, so the
//! stored schedule always matches a recomputation from scratch. Concurrent inserts of one
//! unique value: one lands, the others are duplicates.

use jiff::Timestamp;
use jiff::civil::date;
use rapport_core::model::UserId;
use rapport_core::{Direction, EmailAddress, TouchKind, UserRole};
use rapport_store::{
    AuditFilter, Backend, NewContact, NewTouch, NewUser, OpenOptions, Store, StoreError,
};

use crate::runtime;
use crate::support::{Harness, new_user};

const WRITERS: usize = 6;

/// How many audit rows concern `contact` (its creation, its touches…).
async fn audit_rows_of(
    store: &Store,
    me: UserId,
    contact: rapport_core::model::ContactId,
) -> usize {
    let filter = AuditFilter {
        contact: Some(contact),
        limit: Some(1000),
        ..AuditFilter::default()
    };
    store.audit(me, &filter).await.unwrap().len()
}
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
        // Every write left its audit row: the contact, then per round a touch, a follow-up
        // and every other round its completion.
        assert_eq!(
            audit_rows_of(&store, me, contact).await,
            1 + WRITERS * ROUNDS * 2 + WRITERS * ROUNDS / 2
        );
        opened.close().await;
    });
}

/// Two writers adding the same new email or name at once: the one that loses the race gets
/// the same `Duplicate…` error the check before the insert gives (a 409), never a database
/// error (a 500).
#[test]
fn racing_inserts_of_one_unique_value_are_duplicates_not_failures() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let me = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        for round in 0..5 {
            let email: EmailAddress = format!("dana{round}@example.com").parse().unwrap();
            let contacts: Vec<_> = (0..4)
                .map(|_| {
                    let store = store.clone();
                    let new = NewContact {
                        name: "Dana".into(),
                        emails: vec![email.clone()],
                        ..NewContact::default()
                    };
                    tokio::spawn(async move {
                        store.add_contact(me, new, now, date(2026, 11, 25)).await
                    })
                })
                .collect();
            let organizations: Vec<_> = (0..4)
                .map(|_| {
                    let store = store.clone();
                    let name = format!("Halcyon {round}");
                    tokio::spawn(
                        async move { store.add_organization(me, &name, None, None, now).await },
                    )
                })
                .collect();
            let users: Vec<_> = (0..4)
                .map(|_| {
                    let store = store.clone();
                    let new = NewUser {
                        email: email.clone(),
                        name: "Dana".into(),
                        role: UserRole::Member,
                        password_hash: None,
                    };
                    tokio::spawn(async move { store.add_user(me, &new, now).await })
                })
                .collect();
            let mut added = 0;
            for task in contacts {
                match task.await.unwrap() {
                    Ok(_) => added += 1,
                    Err(StoreError::DuplicateEmail { .. }) => {}
                    Err(other) => panic!("a racing contact insert failed: {other:?}"),
                }
            }
            for task in organizations {
                match task.await.unwrap() {
                    Ok(_) => added += 1,
                    Err(StoreError::DuplicateOrganization(_)) => {}
                    Err(other) => panic!("a racing organization insert failed: {other:?}"),
                }
            }
            for task in users {
                match task.await.unwrap() {
                    Ok(_) => added += 1,
                    Err(StoreError::DuplicateUser(_)) => {}
                    Err(other) => panic!("a racing user insert failed: {other:?}"),
                }
            }
            assert_eq!(added, 3, "exactly one of each landed");
        }
        opened.close().await;
    });
}

fn note(summary: &str) -> NewTouch {
    NewTouch {
        kind: TouchKind::Note,
        direction: Direction::Outbound,
        at: "2026-11-25T10:00:00Z".parse().unwrap(),
        on: date(2026, 11, 25),
        summary: Some(summary.into()),
        needs: None,
        next_approach: None,
        private: false,
    }
}

/// Touches logged at the same moment on a SQLite server share commits (group commit), yet
/// each lands or fails on its own: one refused touch among them (an archived or missing
/// contact, a disabled author) fails alone, with the error it would have had alone, and the
/// others still land.
#[test]
fn touches_logged_at_once_share_commits_and_fail_alone() {
    const AT_ONCE: usize = 20;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let me = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let mut contacts = Vec::new();
        for name in ["Ada", "Grace", "Edsger"] {
            let new = NewContact {
                name: name.into(),
                ..NewContact::default()
            };
            contacts.push(
                store
                    .add_contact(me, new, now, date(2025, 12, 1))
                    .await
                    .unwrap(),
            );
        }
        let [ada, grace, archived] = contacts[..] else {
            unreachable!()
        };
        store.set_archived(me, archived, true, now).await.unwrap();
        // A teammate who left: their touch fails among the others, as it would alone.
        let gone = new_user("gone@example.com", "Gone", UserRole::Member);
        let gone = store.add_user(me, &gone, now).await.unwrap();
        store.set_user_disabled(me, gone, true, now).await.unwrap();

        let version_before = store.data_version().await.unwrap();
        let logging: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                let store = store.clone();
                let contact = if i % 2 == 0 { ada } else { grace };
                tokio::spawn(async move {
                    store
                        .log_touch(me, contact, note(&format!("at once {i}")), now)
                        .await
                })
            })
            .collect();
        for task in logging {
            task.await.unwrap().unwrap();
        }
        let commits = store.data_version().await.unwrap() - version_before;
        match store.backend() {
            Backend::Sqlite => assert!(
                commits < i64::try_from(AT_ONCE).unwrap(),
                "{AT_ONCE} touches at once took {commits} commits"
            ),
            // Several servers may share a PostgreSQL database; each touch commits alone.
            Backend::Postgres => assert_eq!(commits, i64::try_from(AT_ONCE).unwrap()),
        }

        // The same again with three touches that must fail among them: on an archived
        // contact, on a missing one, and by a disabled author.
        let version_before = store.data_version().await.unwrap();
        let missing = rapport_core::model::ContactId(archived.0 + 1000);
        let targets = [
            (me, ada),
            (me, archived),
            (me, grace),
            (me, missing),
            (gone, ada),
            (me, ada),
            (me, grace),
        ];
        let logging: Vec<_> = targets
            .iter()
            .enumerate()
            .map(|(i, &(author, contact))| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .log_touch(author, contact, note(&format!("mixed {i}")), now)
                        .await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in logging {
            outcomes.push(task.await.unwrap());
        }
        for ((author, contact), outcome) in targets.iter().zip(&outcomes) {
            match outcome {
                Ok(_) => assert!(*author == me && (*contact == ada || *contact == grace)),
                Err(StoreError::Archived(c)) => assert_eq!(*c, archived),
                Err(StoreError::ContactNotFound(_)) => assert_eq!(*contact, missing),
                Err(StoreError::DisabledUser(_)) => assert_eq!(*author, gone),
                Err(other) => panic!("touch on {contact} failed: {other:?}"),
            }
        }
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 4);
        // The four that land still share commits: the three that fail leave the group.
        let commits = store.data_version().await.unwrap() - version_before;
        match store.backend() {
            Backend::Sqlite => assert!(commits < 4, "4 good touches took {commits} commits"),
            Backend::Postgres => assert_eq!(commits, 4),
        }
        for (contact, expected) in [
            (ada, AT_ONCE / 2 + 2),
            (grace, AT_ONCE / 2 + 2),
            (archived, 0),
        ] {
            let logged = store.touches(me, contact, None, None).await.unwrap();
            assert_eq!(logged.len(), expected, "touches of {contact}");
        }
        for contact in [ada, grace] {
            assert_eq!(
                audit_rows_of(&store, me, contact).await,
                1 + AT_ONCE / 2 + 2,
                "one audit row per touch of {contact}"
            );
        }
        assert_eq!(
            store.reschedule_all().await.unwrap(),
            0,
            "a schedule went stale"
        );
        opened.close().await;
    });
}

/// Admins changing each other's roles at once, and a contact handed to a user while an admin
/// makes them a viewer: whatever the order, the team keeps an admin and no viewer owns a
/// contact (each change locks the users it checks).
#[test]
fn racing_role_changes_keep_an_admin_and_leave_viewers_owning_nothing() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        for round in 0..6 {
            // An admin left by the round before (the local owner at first).
            let admins = |store: Store| async move {
                let users = store.users().await.unwrap();
                users
                    .into_iter()
                    .filter(|a| a.role == UserRole::Admin)
                    .map(|a| a.user.id)
                    .collect::<Vec<_>>()
            };
            let before = admins(store.clone()).await;
            let local = before[0];
            let add = |email: String, role: UserRole| {
                let store = store.clone();
                async move {
                    let new = new_user(&email, &email, role);
                    store.add_user(local, &new, now).await.unwrap()
                }
            };
            let ann = add(format!("ann{round}@example.com"), UserRole::Admin).await;
            let bob = add(format!("bob{round}@example.com"), UserRole::Admin).await;
            let sam = add(format!("sam{round}@example.com"), UserRole::Member).await;
            // Every earlier admin steps down, so Ann and Bob are the only ones.
            for earlier in before {
                store
                    .set_user_role(ann, earlier, UserRole::Member, now)
                    .await
                    .unwrap();
            }
            let contact = store
                .add_contact(
                    ann,
                    NewContact {
                        name: format!("Dana {round}"),
                        ..NewContact::default()
                    },
                    now,
                    date(2025, 12, 1),
                )
                .await
                .unwrap();
            let demote = |actor: UserId, user: UserId, role: UserRole| {
                let store = store.clone();
                tokio::spawn(async move { store.set_user_role(actor, user, role, now).await })
            };
            let hand_over = {
                let store = store.clone();
                tokio::spawn(async move {
                    let patch = rapport_store::ContactPatch {
                        owner: Some(sam),
                        ..rapport_store::ContactPatch::default()
                    };
                    store
                        .edit_contact(ann, contact, patch, now, date(2025, 12, 1))
                        .await
                })
            };
            let changes = [
                demote(ann, bob, UserRole::Member),
                demote(bob, ann, UserRole::Member),
                demote(bob, sam, UserRole::Viewer),
            ];
            let handed = hand_over.await.unwrap();
            for change in changes {
                // Refusals are expected: which ones depends on the order.
                let _ = change.await.unwrap();
            }
            assert!(
                !admins(store.clone()).await.is_empty(),
                "round {round}: no admin left"
            );
            let sam_now = store.user(sam).await.unwrap();
            let owner = store.contact(contact).await.unwrap().owner;
            assert!(
                !(sam_now.role == UserRole::Viewer && owner == sam),
                "round {round}: a viewer owns a contact (hand-over: {handed:?})"
            );
        }
        opened.close().await;
    });
}

/// Runs `a` and `b` at once and, on PostgreSQL, makes both reach their commit before either
/// commits: the data version's row, which every write updates as it commits, is held until
/// both have made their checks and writes. A race the row locks did not close shows every
/// time instead of once in a while. Answers what each returned.
async fn at_once<A, B>(opened: &crate::support::Opened, a: A, b: B) -> (A::Output, B::Output)
where
    A: std::future::Future + Send + 'static,
    A::Output: Send,
    B: std::future::Future + Send + 'static,
    B::Output: Send,
{
    use sqlx::Executor;
    let mut holder = opened.connect().await;
    let postgres = opened.is_postgres();
    if postgres {
        holder.execute("BEGIN").await.unwrap();
        holder
            .execute("SELECT version FROM data_version WHERE id = 1 FOR UPDATE")
            .await
            .unwrap();
    }
    let (a, b) = (tokio::spawn(a), tokio::spawn(b));
    if postgres {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        holder.execute("COMMIT").await.unwrap();
    }
    (a.await.unwrap(), b.await.unwrap())
}

/// A hand-over to a member and an admin making that member a viewer, committing together:
/// one of them waits for the other and then refuses.
#[test]
fn a_hand_over_racing_a_demotion_never_leaves_a_viewer_owning_the_contact() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let new = new_user("vic@example.com", "Vic", UserRole::Member);
        let vic = store.add_user(admin, &new, now).await.unwrap();
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(admin, new, now, today).await.unwrap();
        let (handing, demoting) = (store.clone(), store.clone());
        // Either may be refused: which one depends on the order.
        let _ = at_once(
            &opened,
            async move {
                let patch = rapport_store::ContactPatch {
                    owner: Some(vic),
                    ..rapport_store::ContactPatch::default()
                };
                handing.edit_contact(admin, dana, patch, now, today).await
            },
            async move {
                demoting
                    .set_user_role(admin, vic, UserRole::Viewer, now)
                    .await
            },
        )
        .await;
        let role = store.user(vic).await.unwrap().role;
        let owner = store.contact(dana).await.unwrap().owner;
        assert!(
            !(role == UserRole::Viewer && owner == vic),
            "a viewer owns Dana"
        );
        opened.close().await;
    });
}

/// Two admins disabling each other, committing together: the one that gets the users' locks
/// second finds itself disabled and changes nothing, so the team keeps an active admin.
/// (Without `set_user_disabled`'s row locks, both land on PostgreSQL and nobody is left to
/// administer the team.)
#[test]
fn admins_disabling_each_other_at_once_leave_one_of_them_active() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let local = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let admin = |email: &str| new_user(email, email, UserRole::Admin);
        let ann = store
            .add_user(local, &admin("ann@example.com"), now)
            .await
            .unwrap();
        let bob = store
            .add_user(local, &admin("bob@example.com"), now)
            .await
            .unwrap();
        // The local owner steps aside: Ann and Bob are the only active admins.
        store
            .set_user_disabled(ann, local, true, now)
            .await
            .unwrap();
        let (by_ann, by_bob) = (store.clone(), store.clone());
        let (ann_disabling_bob, bob_disabling_ann) = at_once(
            &opened,
            async move { by_ann.set_user_disabled(ann, bob, true, now).await },
            async move { by_bob.set_user_disabled(bob, ann, true, now).await },
        )
        .await;
        let active_admins: Vec<UserId> = store
            .users()
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.role == UserRole::Admin && a.disabled_at.is_none())
            .map(|a| a.user.id)
            .collect();
        assert_eq!(
            active_admins.len(),
            1,
            "{active_admins:?} (Ann: {ann_disabling_bob:?}, Bob: {bob_disabling_ann:?})"
        );
        let refused = [&ann_disabling_bob, &bob_disabling_ann]
            .into_iter()
            .filter(|result| matches!(result, Err(StoreError::DisabledUser(_))))
            .count();
        assert_eq!(refused, 1, "{ann_disabling_bob:?} {bob_disabling_ann:?}");
        opened.close().await;
    });
}

/// A hand-over to a member and an admin disabling that member, committing together: one of
/// them waits for the other's lock on the member and then refuses, so no disabled user owns
/// the contact.
#[test]
fn a_hand_over_racing_a_disabling_never_leaves_a_disabled_user_owning_the_contact() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let new = new_user("bob@example.com", "Bob", UserRole::Member);
        let bob = store.add_user(admin, &new, now).await.unwrap();
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(admin, new, now, today).await.unwrap();
        let (handing, disabling) = (store.clone(), store.clone());
        let (handed, disabled) = at_once(
            &opened,
            async move {
                let patch = rapport_store::ContactPatch {
                    owner: Some(bob),
                    ..rapport_store::ContactPatch::default()
                };
                handing.edit_contact(admin, dana, patch, now, today).await
            },
            async move { disabling.set_user_disabled(admin, bob, true, now).await },
        )
        .await;
        let bob_disabled = store.user(bob).await.unwrap().disabled_at.is_some();
        let owner = store.contact(dana).await.unwrap().owner;
        assert!(
            !(bob_disabled && owner == bob),
            "a disabled user owns Dana (hand-over: {handed:?}, disabling: {disabled:?})"
        );
        assert!(
            handed.is_ok() != disabled.is_ok(),
            "exactly one lands: {handed:?} {disabled:?}"
        );
        opened.close().await;
    });
}

/// A contact import by one admin into another admin's book while that other admin changes
/// the importer's role: both lock the two users' rows, and in the same (id) order, so one
/// waits for the other. (With the import locking its actor first and the owner second, the
/// two deadlocked on PostgreSQL, which aborted one of them with a database error.)
#[test]
fn an_import_into_a_book_racing_a_role_change_of_the_importer_never_deadlocks() {
    use rapport_store::ImportOptions;
    use rapport_store::rapport_intake::{self, Format};
    const RACES: usize = 12;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        // The local owner (the lower id) owns the book; Ann (the higher id) imports into it.
        let local = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let new = new_user("ann@example.com", "Ann", UserRole::Admin);
        let ann = store.add_user(local, &new, now).await.unwrap();
        assert!(local < ann);
        for race in 0..RACES {
            let csv = format!("name,email\nPerson {race},person{race}@example.com\n");
            let intake = rapport_intake::read(
                Format::Csv,
                std::io::Cursor::new(csv.into_bytes()),
                &rapport_intake::Options::default(),
            )
            .unwrap();
            let options = ImportOptions {
                owner: Some(local),
                dry_run: false,
                file: format!("race-{race}.csv"),
            };
            let (importing, demoting) = (store.clone(), store.clone());
            let imported = tokio::spawn(async move {
                importing
                    .import_contacts(ann, intake, &options, now, today)
                    .await
            });
            let demoted = tokio::spawn(async move {
                demoting
                    .set_user_role(local, ann, UserRole::Member, now)
                    .await
            });
            let (imported, demoted) = (imported.await.unwrap(), demoted.await.unwrap());
            // Ann demoted first: her import into another's book is refused, and nothing else.
            assert!(
                matches!(
                    imported,
                    Ok(_)
                        | Err(StoreError::Forbidden(
                            rapport_core::access::Forbidden::AdminOnly(_)
                        ))
                ),
                "race {race}: import {imported:?}"
            );
            assert!(demoted.is_ok(), "race {race}: demotion {demoted:?}");
            store
                .set_user_role(local, ann, UserRole::Admin, now)
                .await
                .unwrap();
        }
        opened.close().await;
    });
}

/// A login and an admin disabling that user, committing together: the session starts under
/// the user's row lock, so either the login waits and is refused, or the disabling waits and
/// then deletes the new session. Either way, enabling the user again brings no session back.
/// (Without the lock both landed on PostgreSQL: the disabling deleted the sessions it could
/// see, not the one being started.)
#[test]
fn a_login_racing_a_disabling_leaves_no_session_to_come_back() {
    use jiff::SignedDuration;
    use rapport_store::NewSession;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let new = NewUser {
            email: "bob@example.com".parse().unwrap(),
            name: "Bob".into(),
            role: UserRole::Member,
            password_hash: Some("$argon2id$hash".into()),
        };
        let bob = store.add_user(admin, &new, now).await.unwrap();
        let day = SignedDuration::from_hours(24);
        let (logging_in, disabling) = (store.clone(), store.clone());
        // The disabling first: it holds the user's row when the session is started.
        let (disabled, started) = at_once(
            &opened,
            async move { disabling.set_user_disabled(admin, bob, true, now).await },
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let new = NewSession {
                    user: bob,
                    token_hash: "racing".into(),
                    csrf_token: "c".into(),
                    expires_at: now + day,
                };
                logging_in.start_session(&new, now).await
            },
        )
        .await;
        assert!(disabled.is_ok(), "{disabled:?}");
        assert!(
            matches!(started, Ok(()) | Err(StoreError::DisabledUser(_))),
            "{started:?}"
        );
        store
            .set_user_disabled(admin, bob, false, now)
            .await
            .unwrap();
        assert_eq!(
            store.session("racing", now, now + day).await.unwrap(),
            None,
            "the session started during the disabling is back (login: {started:?})"
        );
        opened.close().await;
    });
}

/// A user making themself an API token while an admin disables them, committing together:
/// the token is made under both users' row locks, so either it is refused or the disabling
/// waits and then revokes it. Enabling the user again brings no token back. (Without the
/// locks both landed on PostgreSQL, the disabling revoking only the tokens it could see.)
#[test]
fn a_token_made_while_its_user_is_disabled_does_not_come_back() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let new = new_user("bob@example.com", "Bob", UserRole::Member);
        let bob = store.add_user(admin, &new, now).await.unwrap();
        let (making, disabling) = (store.clone(), store.clone());
        // The disabling first: it holds the user's row when the token is asked for.
        let (disabled, made) = at_once(
            &opened,
            async move { disabling.set_user_disabled(admin, bob, true, now).await },
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                making
                    .add_api_token(bob, bob, "racing", "racing-hash", now)
                    .await
            },
        )
        .await;
        assert!(disabled.is_ok(), "{disabled:?}");
        assert!(
            matches!(made, Ok(_) | Err(StoreError::DisabledUser(_))),
            "{made:?}"
        );
        store
            .set_user_disabled(admin, bob, false, now)
            .await
            .unwrap();
        assert_eq!(
            store.account_by_token("racing-hash", now).await.unwrap(),
            None,
            "the token made during the disabling works again (made: {made:?})"
        );
        opened.close().await;
    });
}

/// Naming a member sales owner while an admin disables them, committing together: the
/// naming checks the member under their row lock, so it waits for the disabling and is
/// refused, and no handoff is left for a disabled seller. (A check without the lock saw the
/// member still active on PostgreSQL, and the disabling saw no nurture row naming them.)
#[test]
fn naming_a_sales_owner_racing_their_disabling_never_leaves_a_disabled_seller() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let new = new_user("sam@example.com", "Sam", UserRole::Member);
        let sam = store.add_user(admin, &new, now).await.unwrap();
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(admin, new, now, today).await.unwrap();
        let (naming, disabling) = (store.clone(), store.clone());
        // The disabling first: it holds Sam's row when he is named.
        let (disabled, named) = at_once(
            &opened,
            async move { disabling.set_user_disabled(admin, sam, true, now).await },
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                naming
                    .set_nurture_owners(admin, dana, None, Some(Some(sam)), now)
                    .await
            },
        )
        .await;
        let sam_disabled = store.user(sam).await.unwrap().disabled_at.is_some();
        let seller = store.nurture_owners(dana).await.unwrap().sales_owner;
        assert!(
            !(sam_disabled && seller == Some(sam)),
            "a disabled user sells to Dana (naming: {named:?}, disabling: {disabled:?})"
        );
        assert!(
            named.is_ok() != disabled.is_ok(),
            "exactly one lands: {named:?} {disabled:?}"
        );
        opened.close().await;
    });
}

/// A hand-over of a leaving seller's contact to their successor while an admin reassigns the
/// seller's whole book to that successor: both lock the contact before the successor's row,
/// so one waits for the other. (With the reassignment locking the successor first, the two
/// could deadlock on PostgreSQL.)
#[test]
fn a_hand_over_racing_a_reassignment_to_the_same_user_never_deadlocks() {
    const RACES: usize = 12;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let member = |email: &str| new_user(email, email, UserRole::Member);
        let bob = store
            .add_user(admin, &member("bob@example.com"), now)
            .await
            .unwrap();
        let carl = store
            .add_user(admin, &member("carl@example.com"), now)
            .await
            .unwrap();
        for race in 0..RACES {
            let new = NewContact {
                name: format!("Person {race}"),
                ..NewContact::default()
            };
            let contact = store.add_contact(bob, new, now, today).await.unwrap();
            let (handing, reassigning) = (store.clone(), store.clone());
            let handed = tokio::spawn(async move {
                let patch = rapport_store::ContactPatch {
                    owner: Some(carl),
                    ..rapport_store::ContactPatch::default()
                };
                handing
                    .edit_contact(admin, contact, patch, now, today)
                    .await
            });
            let reassigned =
                tokio::spawn(
                    async move { reassigning.reassign_contacts(admin, bob, carl, now).await },
                );
            let (handed, reassigned) = (handed.await.unwrap(), reassigned.await.unwrap());
            assert!(handed.is_ok(), "race {race}: hand-over {handed:?}");
            assert!(
                reassigned.is_ok(),
                "race {race}: reassignment {reassigned:?}"
            );
            assert_eq!(store.contact(contact).await.unwrap().owner, carl);
        }
        opened.close().await;
    });
}

/// A contact import into a user's book racing a hand-over of a contact to that same user, or
/// a new contact in that book: on PostgreSQL each takes its lock on contacts (the import's
/// table lock, the hand-over's contact row, the new contact's table lock) before the owner's
/// row, so one waits for the other. The owner's row is held first, so that the first one
/// started waits there and the second queues behind it: with the import locking the owner's
/// row before the table, it deadlocked with the hand-over; with contact creation locking the
/// owner's row before the tables it writes, it deadlocked with the import. PostgreSQL aborted
/// one of the two.
#[test]
fn an_import_racing_a_hand_over_or_a_new_contact_for_its_owner_never_deadlocks() {
    use rapport_store::ImportOptions;
    use rapport_store::rapport_intake::{self, Format};
    use sqlx::Executor;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh_with(OpenOptions { max_connections: 8 }).await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let today = date(2026, 11, 25);
        let bob = new_user("bob@example.com", "Bob", UserRole::Member);
        let bob = store.add_user(admin, &bob, now).await.unwrap();
        let new = NewContact {
            name: "Dana Handed".into(),
            ..NewContact::default()
        };
        let contact = store.add_contact(bob, new, now, today).await.unwrap();

        let import = |race: &str| {
            let intake = rapport_intake::read(
                Format::Csv,
                std::io::Cursor::new(format!("name\nPerson {race}\n").into_bytes()),
                &rapport_intake::Options::default(),
            )
            .unwrap();
            let options = ImportOptions {
                owner: None,
                dry_run: false,
                file: format!("{race}.csv"),
            };
            let importing = store.clone();
            async move {
                importing
                    .import_contacts(admin, intake, &options, now, today)
                    .await
                    .map(|_| ())
            }
        };
        let hand_over = {
            let handing = store.clone();
            async move {
                let patch = rapport_store::ContactPatch {
                    owner: Some(admin),
                    ..rapport_store::ContactPatch::default()
                };
                handing
                    .edit_contact(admin, contact, patch, now, today)
                    .await
                    .map(|_| ())
            }
        };
        let creation = {
            let adding = store.clone();
            async move {
                let new = NewContact {
                    name: "Eve New".into(),
                    organization: Some("Orbital".into()),
                    ..NewContact::default()
                };
                adding.add_contact(admin, new, now, today).await.map(|_| ())
            }
        };
        let holding_the_owner = || async {
            let mut holder = opened.connect().await;
            if opened.is_postgres() {
                holder.execute("BEGIN").await.unwrap();
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                    .bind(admin.0)
                    .execute(&mut holder)
                    .await
                    .unwrap();
            }
            holder
        };
        let pause = || tokio::time::sleep(std::time::Duration::from_millis(300));

        // The import first, then the hand-over.
        let mut holder = holding_the_owner().await;
        let imported = tokio::spawn(import("handed"));
        pause().await;
        let handed = tokio::spawn(hand_over);
        pause().await;
        if opened.is_postgres() {
            holder.execute("COMMIT").await.unwrap();
        }
        let (imported, handed) = (imported.await.unwrap(), handed.await.unwrap());
        assert!(imported.is_ok(), "import {imported:?}");
        assert!(handed.is_ok(), "hand-over {handed:?}");
        assert_eq!(store.contact(contact).await.unwrap().owner, admin);

        // A new contact first, then the import.
        let mut holder = holding_the_owner().await;
        let created = tokio::spawn(creation);
        pause().await;
        let imported = tokio::spawn(import("created"));
        pause().await;
        if opened.is_postgres() {
            holder.execute("COMMIT").await.unwrap();
        }
        let (created, imported) = (created.await.unwrap(), imported.await.unwrap());
        assert!(created.is_ok(), "new contact {created:?}");
        assert!(imported.is_ok(), "import {imported:?}");
        opened.close().await;
    });
}

/// A write that another transaction blocks for too long is refused as busy, saves nothing,
/// and lands when sent again. On SQLite another connection holds the write lock past the busy
/// timeout; on PostgreSQL the two deadlock, and the write, which waited first, is the one
/// PostgreSQL aborts.
#[test]
fn a_write_another_transaction_blocks_is_busy_saves_nothing_and_lands_when_retried() {
    use sqlx::Executor;
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = opened.store.clone();
        let admin = store.local_user().await.unwrap().id;
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let new = new_user("vic@example.com", "Vic", UserRole::Member);
        let vic = store.add_user(admin, &new, now).await.unwrap();
        let set_zone = {
            let store = store.clone();
            move || {
                let store = store.clone();
                async move {
                    store
                        .set_time_zone(admin, vic, Some("Europe/Paris"), now)
                        .await
                }
            }
        };

        let mut holder = opened.connect().await;
        let refused = if opened.is_postgres() {
            // Held until the write waits for it at its commit, holding Vic's row by then.
            holder.execute("BEGIN").await.unwrap();
            holder
                .execute("SELECT version FROM data_version WHERE id = 1 FOR UPDATE")
                .await
                .unwrap();
            let write = tokio::spawn(set_zone());
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(vic.0)
                .execute(&mut holder)
                .await
                .unwrap();
            write.await.unwrap()
        } else {
            holder.execute("BEGIN IMMEDIATE").await.unwrap();
            set_zone().await
        };
        holder.execute("ROLLBACK").await.unwrap();
        assert!(matches!(refused, Err(StoreError::Busy(_))), "{refused:?}");
        assert_eq!(store.user(vic).await.unwrap().user.time_zone, None);

        set_zone().await.unwrap();
        let zone = store.user(vic).await.unwrap().user.time_zone;
        assert_eq!(zone.as_deref(), Some("Europe/Paris"));
        opened.close().await;
    });
}

//! The team model in the store: the access rules hold for every caller, a refused write
//! leaves nothing behind, every change leaves its audit row, and no secret reaches the log.

use jiff::Timestamp;
use jiff::civil::date;
use rapport_core::access::Forbidden;
use rapport_core::model::{Hold, UserId};
use rapport_core::{AuditAction, Direction, TouchKind, UserRole};
use rapport_store::{
    AuditFilter, ContactPatch, NewContact, NewSession, NewTouch, NewUser, Store, StoreError,
};

use crate::runtime;
use crate::support::Harness;

async fn user(store: &Store, admin: UserId, email: &str, role: UserRole) -> UserId {
    let new = NewUser {
        email: email.parse().unwrap(),
        name: email.into(),
        role,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$c2VjcmV0".into()),
    };
    store.add_user(admin, &new, now()).await.unwrap()
}

fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

#[test]
fn refused_writes_change_nothing_and_every_change_is_audited() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let admin = store.local_user().await.unwrap().id;
        let bob = user(store, admin, "bob@example.com", UserRole::Member).await;
        let vic = user(store, admin, "vic@example.com", UserRole::Viewer).await;
        let today = date(2026, 11, 25);
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(admin, new, now(), today).await.unwrap();
        let before = store.contact(dana).await.unwrap();
        let audit_all = AuditFilter {
            limit: Some(1000),
            ..AuditFilter::default()
        };
        let rows_before = store.audit(admin, &audit_all).await.unwrap().len();

        let tier_a = || ContactPatch {
            tier: Some(Some(rapport_core::Tier::A)),
            ..ContactPatch::default()
        };
        let hold = Hold {
            until: date(2027, 3, 1),
            reason: "budget".into(),
        };
        assert!(matches!(
            store.edit_contact(bob, dana, tier_a(), now(), today).await,
            Err(StoreError::Forbidden(Forbidden::NotOwner))
        ));
        assert!(matches!(
            store.hold(bob, dana, &hold, now()).await,
            Err(StoreError::Forbidden(Forbidden::NotOwner))
        ));
        assert!(matches!(
            store.set_archived(vic, dana, true, now()).await,
            Err(StoreError::Forbidden(Forbidden::ReadOnly(UserRole::Viewer)))
        ));
        assert!(matches!(
            store.reassign_contacts(bob, admin, bob, now()).await,
            Err(StoreError::Forbidden(Forbidden::AdminOnly(_)))
        ));
        assert!(matches!(
            store.audit(bob, &audit_all).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(store.contact(dana).await.unwrap(), before);
        assert_eq!(
            store.audit(admin, &audit_all).await.unwrap().len(),
            rows_before
        );

        // A member logs a private touch on someone else's contact: allowed, audited as
        // theirs, text masked in the log and withheld from everyone else.
        let touch = NewTouch {
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: now(),
            on: today,
            summary: Some("salary worries".into()),
            needs: None,
            next_approach: None,
            private: true,
        };
        store.log_touch(bob, dana, touch, now()).await.unwrap();
        let seen = store.touches(admin, dana, None, None).await.unwrap();
        assert_eq!((seen[0].private, seen[0].summary.as_deref()), (true, None));
        let own = store.touches(bob, dana, None, None).await.unwrap();
        assert_eq!(own[0].summary.as_deref(), Some("salary worries"));

        // Reassigning keeps the schedule; the new owner may now change the record.
        let scheduled = store.contact(dana).await.unwrap();
        assert_eq!(
            store
                .reassign_contacts(admin, admin, bob, now())
                .await
                .unwrap()
                .contacts,
            1
        );
        let moved = store.contact(dana).await.unwrap();
        assert_eq!(moved.owner, bob);
        assert_eq!(
            (
                moved.next_touch,
                moved.effective_cadence,
                moved.cadence_source.clone()
            ),
            (
                scheduled.next_touch,
                scheduled.effective_cadence,
                scheduled.cadence_source
            )
        );
        store
            .edit_contact(bob, dana, tier_a(), now(), today)
            .await
            .unwrap();

        let rows = store.audit(admin, &audit_all).await.unwrap();
        let actions: Vec<(AuditAction, UserId)> =
            rows.iter().take(3).map(|r| (r.action, r.actor)).collect();
        assert_eq!(
            actions,
            [
                (AuditAction::Update, bob),
                (AuditAction::Reassign, admin),
                (AuditAction::Create, bob),
            ]
        );
        let logged = rows.iter().map(|r| format!("{:?} {:?}", r.before, r.after));
        for text in logged {
            assert!(!text.contains("salary"), "private text in the log: {text}");
            assert!(
                !text.contains("argon2"),
                "a password hash in the log: {text}"
            );
        }
        opened.close().await;
    });
}

#[test]
fn tokens_are_listed_for_their_owner_and_revoked_by_them_or_an_admin() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let admin = store.local_user().await.unwrap().id;
        let bob = user(store, admin, "bob@example.com", UserRole::Member).await;
        let carl = user(store, admin, "carl@example.com", UserRole::Member).await;
        let bobs = store
            .add_api_token(bob, bob, "laptop", "hash-b", now())
            .await
            .unwrap();
        assert!(matches!(
            store
                .add_api_token(bob, carl, "sneaky", "hash-c", now())
                .await,
            Err(StoreError::Forbidden(_))
        ));
        store
            .add_api_token(admin, carl, "phone", "hash-c", now())
            .await
            .unwrap();
        assert_eq!(store.api_tokens(bob).await.unwrap().len(), 1);
        assert_eq!(store.api_tokens(admin).await.unwrap().len(), 2);
        assert!(matches!(
            store.revoke_api_token(carl, bobs, now()).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(
            store
                .account_by_token("hash-b", now())
                .await
                .unwrap()
                .is_some()
        );
        let revoked = store.revoke_api_token(bob, bobs, now()).await.unwrap();
        assert_eq!(revoked.revoked_at, Some(now()));
        assert_eq!(store.account_by_token("hash-b", now()).await.unwrap(), None);
        let rows = store.audit(admin, &AuditFilter::default()).await.unwrap();
        assert_eq!(rows[0].action, AuditAction::Revoke);
        assert!(
            rows.iter()
                .all(|r| !format!("{:?}{:?}", r.before, r.after).contains("hash-")),
            "a token hash reached the log"
        );
        opened.close().await;
    });
}

/// Disabling is for admins, never of oneself, never of a user who still owns contacts; a
/// refusal changes nothing and audits nothing.
#[test]
fn disabling_is_refused_to_non_admins_for_oneself_and_for_an_owner_of_contacts() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let admin = store.local_user().await.unwrap().id;
        let ann = user(store, admin, "ann@example.com", UserRole::Admin).await;
        let bob = user(store, admin, "bob@example.com", UserRole::Member).await;
        let vic = user(store, admin, "vic@example.com", UserRole::Viewer).await;
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        store
            .add_contact(bob, new, now(), date(2026, 11, 25))
            .await
            .unwrap();
        let audited = store.audit(admin, &AuditFilter::default()).await.unwrap();

        for (actor, target) in [(bob, vic), (vic, bob)] {
            assert!(
                matches!(
                    store.set_user_disabled(actor, target, true, now()).await,
                    Err(StoreError::Forbidden(Forbidden::AdminOnly(_)))
                ),
                "user #{actor} is not an admin"
            );
        }
        let own = store.set_user_disabled(ann, ann, true, now()).await;
        assert!(
            matches!(&own, Err(StoreError::UserChangeRefused(m)) if m.contains("another admin")),
            "{own:?}"
        );
        let owner = store.set_user_disabled(ann, bob, true, now()).await;
        assert!(
            matches!(&owner, Err(StoreError::UserChangeRefused(m))
            if m == &format!(
                "user #{bob} bob@example.com owns 1 contact; reassign their book first (a \
                 disabled user owns none)"
            )),
            "{owner:?}"
        );
        assert!(matches!(
            store.set_user_disabled(ann, UserId(999), true, now()).await,
            Err(StoreError::UserNotFound(_))
        ));
        assert!(
            store
                .users()
                .await
                .unwrap()
                .iter()
                .all(|a| a.disabled_at.is_none())
        );
        assert_eq!(
            store.audit(admin, &AuditFilter::default()).await.unwrap(),
            audited,
            "a refusal audits nothing"
        );
        opened.close().await;
    });
}

/// Once disabled, a user's sessions and tokens are gone in the same transaction, nothing of
/// theirs authenticates, they act nowhere and are given no contacts; enabling them again
/// lets them log in but brings back no token. Each change has one audit row, a repeat none.
#[test]
fn a_disabled_user_authenticates_nowhere_acts_nowhere_and_owns_nothing() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let today = date(2026, 11, 25);
        let admin = store.local_user().await.unwrap().id;
        let bob = user(store, admin, "bob@example.com", UserRole::Member).await;
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(bob, new, now(), today).await.unwrap();
        store
            .add_api_token(bob, bob, "laptop", "hash-b", now())
            .await
            .unwrap();
        store
            .start_session(
                &NewSession {
                    user: bob,
                    token_hash: "session-b".into(),
                    csrf_token: "csrf-b".into(),
                    expires_at: "2026-12-25T12:00:00Z".parse().unwrap(),
                },
                now(),
            )
            .await
            .unwrap();
        assert!(
            store
                .session("session-b", now(), now())
                .await
                .unwrap()
                .is_some()
        );

        // His book goes first; then he can be disabled.
        assert_eq!(
            store
                .reassign_contacts(admin, bob, admin, now())
                .await
                .unwrap()
                .contacts,
            1
        );
        assert!(
            !store
                .set_user_disabled(admin, bob, true, now())
                .await
                .unwrap()
        );
        let account = store.user(bob).await.unwrap();
        assert_eq!(account.disabled_at, Some(now()));
        let listed = store.users().await.unwrap();
        assert_eq!(
            listed
                .iter()
                .find(|a| a.user.id == bob)
                .unwrap()
                .disabled_at,
            Some(now())
        );
        assert_eq!(store.account_by_token("hash-b", now()).await.unwrap(), None);
        assert_eq!(
            store.session("session-b", now(), now()).await.unwrap(),
            None
        );
        let mut conn = opened.connect().await;
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(bob.0)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(sessions, 0, "his sessions are deleted, not only refused");
        sqlx::Connection::close(conn).await.unwrap();
        // His one token is there, revoked at the disabling (not merely refused).
        let tokens = store.api_tokens(admin).await.unwrap();
        let his: Vec<_> = tokens
            .iter()
            .filter(|t| t.user == bob)
            .map(|t| (t.name.as_str(), t.revoked_at))
            .collect();
        assert_eq!(his, [("laptop", Some(now()))], "{tokens:?}");
        // Login is told apart: the right password finds the account, disabled.
        let email = "bob@example.com".parse().unwrap();
        let (found, _) = store.credentials(&email).await.unwrap().unwrap();
        assert_eq!(found.disabled_at, Some(now()));

        // He acts nowhere, and is nobody's owner.
        let new = NewContact {
            name: "Sam".into(),
            ..NewContact::default()
        };
        assert!(matches!(
            store.add_contact(bob, new, now(), today).await,
            Err(StoreError::DisabledUser(_))
        ));
        let touch = NewTouch {
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: now(),
            on: today,
            summary: None,
            needs: None,
            next_approach: None,
            private: false,
        };
        assert!(matches!(
            store.log_touch(bob, dana, touch.clone(), now()).await,
            Err(StoreError::DisabledUser(_))
        ));
        // Nor adds a follow-up, nor sends content: their check is read in the contact's
        // locking statement (`lock_active_to_add`), not by `audit::acting`.
        let follow_up = store
            .add_follow_up(bob, dana, date(2026, 12, 1), "call back", now())
            .await;
        assert!(
            matches!(&follow_up, Err(StoreError::DisabledUser(who)) if who == &format!("#{bob}")),
            "{follow_up:?}"
        );
        let guide = store
            .add_content(
                admin,
                rapport_store::ContentFields {
                    title: "Guide".into(),
                    link: "https://example.com/guide".into(),
                    summary: None,
                    format: "guide".into(),
                    topics: vec![rapport_core::nurture::Term::parse("dispatch").unwrap()],
                    needs: vec![],
                    stages: vec![],
                    kinds: vec![],
                    expires_on: None,
                },
                now(),
            )
            .await
            .unwrap();
        let sent = store.send_content(bob, dana, guide.id, touch, now()).await;
        assert!(
            matches!(&sent, Err(StoreError::DisabledUser(_))),
            "{sent:?}"
        );
        assert!(store.follow_ups(dana, true).await.unwrap().is_empty());
        assert!(
            store
                .touches(admin, dana, None, None)
                .await
                .unwrap()
                .is_empty()
        );
        // Asked by an active admin: the admin may act, the token is what is refused.
        let token = store
            .add_api_token(admin, bob, "again", "hash-b2", now())
            .await;
        assert!(
            matches!(&token, Err(e @ StoreError::TokenForDisabledUser(_))
                if e.to_string().contains("user #2 bob@example.com is disabled")),
            "{token:?}"
        );
        let hand_over = ContactPatch {
            owner: Some(bob),
            ..ContactPatch::default()
        };
        let refused = store
            .edit_contact(admin, dana, hand_over, now(), today)
            .await;
        assert!(
            matches!(&refused, Err(e @ StoreError::DisabledOwner { .. })
                if e.to_string().contains(&format!("user #{bob} bob@example.com is disabled"))),
            "{refused:?}"
        );
        assert!(matches!(
            store.reassign_contacts(admin, admin, bob, now()).await,
            Err(StoreError::DisabledOwner { .. })
        ));
        assert_eq!(store.contact(dana).await.unwrap().owner, admin);
        // Made an admin while disabled, he still administers nothing.
        store
            .set_user_role(admin, bob, UserRole::Admin, now())
            .await
            .unwrap();
        assert!(matches!(
            store.set_user_disabled(bob, admin, true, now()).await,
            Err(StoreError::DisabledUser(_))
        ));

        // Disabling twice changes nothing and audits nothing.
        let disabled_rows = |store: Store| async move {
            store
                .audit(
                    admin,
                    &AuditFilter {
                        entity: Some(rapport_core::AuditEntity::User),
                        entity_id: Some(bob.0),
                        ..AuditFilter::default()
                    },
                )
                .await
                .unwrap()
                .into_iter()
                .filter(|e| {
                    e.after
                        .as_ref()
                        .is_some_and(|a| a.get("disabled").is_some())
                })
                .map(|e| (e.action, e.before.unwrap(), e.after.unwrap()))
                .collect::<Vec<_>>()
        };
        let later: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        assert!(
            store
                .set_user_disabled(admin, bob, true, later)
                .await
                .unwrap()
        );
        assert_eq!(store.user(bob).await.unwrap().disabled_at, Some(now()));
        // The one row says what the disabling took away: his token by id, his one session.
        let laptop = tokens.iter().find(|t| t.user == bob).unwrap().id;
        assert_eq!(
            disabled_rows(store.clone()).await,
            vec![(
                AuditAction::Update,
                serde_json::json!({"disabled": false}),
                serde_json::json!({"disabled": true, "revoked_tokens": [laptop],
                                   "sessions_ended": 1})
            )]
        );

        // Enabled again: he logs in with his password and can be given contacts; his old
        // token and session stay gone.
        assert!(
            store
                .set_user_disabled(admin, bob, false, later)
                .await
                .unwrap()
        );
        assert_eq!(store.user(bob).await.unwrap().disabled_at, None);
        assert_eq!(store.account_by_token("hash-b", later).await.unwrap(), None);
        assert_eq!(
            store.session("session-b", later, later).await.unwrap(),
            None
        );
        let hand_over = ContactPatch {
            owner: Some(bob),
            ..ContactPatch::default()
        };
        store
            .edit_contact(admin, dana, hand_over, later, today)
            .await
            .unwrap();
        assert_eq!(disabled_rows(store.clone()).await.len(), 2);
        assert_eq!(
            disabled_rows(store.clone()).await[0].2,
            serde_json::json!({"disabled": false})
        );
        opened.close().await;
    });
}

/// Sales-ready handoffs go to people who can act on them: naming a disabled user or a viewer
/// nurture or sales owner is refused (naming the field), a user still named is neither
/// disabled nor made a viewer, and reassigning a leaving seller's book moves their nurture
/// and sales ownerships too, each move audited, so the handoff goes to the new seller.
#[test]
fn nurture_and_sales_owners_are_users_who_can_act_on_a_handoff() {
    use rapport_store::{NurtureOwners, Ownership, Reassigned};
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let today = date(2026, 11, 25);
        let admin = store.local_user().await.unwrap().id;
        let bob = user(store, admin, "bob@example.com", UserRole::Member).await;
        let carl = user(store, admin, "carl@example.com", UserRole::Member).await;
        let vic = user(store, admin, "vic@example.com", UserRole::Viewer).await;
        let dan = user(store, admin, "dan@example.com", UserRole::Member).await;
        store.set_user_disabled(admin, dan, true, now()).await.unwrap();
        let new = NewContact {
            name: "Dana".into(),
            ..NewContact::default()
        };
        let dana = store.add_contact(admin, new, now(), today).await.unwrap();

        // Nobody who could not act on the handoff is named; nothing is written.
        let to_dan = store
            .set_nurture_owners(admin, dana, None, Some(Some(dan)), now())
            .await;
        assert!(
            matches!(&to_dan, Err(e @ StoreError::DisabledOwner { ownership: Ownership::SalesOwner, .. })
                if e.to_string().contains(&format!("user #{dan} dan@example.com is disabled"))
                    && e.to_string().contains("choose another sales owner")),
            "{to_dan:?}"
        );
        let to_vic = store
            .set_nurture_owners(admin, dana, Some(Some(vic)), None, now())
            .await;
        assert!(
            matches!(&to_vic, Err(e @ StoreError::ViewerOwner { ownership: Ownership::NurtureOwner, .. })
                if e.to_string().contains("is a viewer, who cannot nurture contacts")),
            "{to_vic:?}"
        );
        assert_eq!(
            store.nurture_owners(dana).await.unwrap(),
            NurtureOwners::default()
        );

        // Bob nurtures Dana and is to sell to her; she is sales-ready.
        store
            .set_nurture_owners(admin, dana, Some(Some(bob)), Some(Some(bob)), now())
            .await
            .unwrap();
        store
            .signal_ready(admin, dana, Some((today, None)), now())
            .await
            .unwrap();
        let incoming = |store: Store, user: UserId| async move {
            store
                .handoffs(user, today)
                .await
                .unwrap()
                .incoming
                .iter()
                .map(|h| h.contact)
                .collect::<Vec<_>>()
        };
        assert_eq!(incoming(store.clone(), bob).await, [dana]);

        // While he is named, Bob is neither disabled nor made a viewer.
        let disabling = store.set_user_disabled(admin, bob, true, now()).await;
        assert!(
            matches!(&disabling, Err(StoreError::UserChangeRefused(m))
                if m == &format!(
                    "user #{bob} bob@example.com is the nurture or sales owner of 1 contact; \
                     reassign their book first (a disabled user nurtures and sells to nobody)"
                )),
            "{disabling:?}"
        );
        let demoting = store.set_user_role(admin, bob, UserRole::Viewer, now()).await;
        assert!(
            matches!(&demoting, Err(StoreError::UserChangeRefused(m))
                if m.contains("is the nurture or sales owner of 1 contact, and a viewer")),
            "{demoting:?}"
        );
        assert!(store.user(bob).await.unwrap().disabled_at.is_none());

        // A reassignment to someone who could not act on it is refused, and moves nothing.
        assert!(matches!(
            store.reassign_contacts(admin, bob, dan, now()).await,
            Err(StoreError::DisabledOwner { ownership: Ownership::Owner, .. })
        ));
        assert_eq!(store.nurture_owners(dana).await.unwrap().sales_owner, Some(bob));

        // Bob leaves: Carl takes over his nurturing and his handoffs, audited.
        let reassigned = store.reassign_contacts(admin, bob, carl, now()).await.unwrap();
        assert_eq!(
            reassigned,
            Reassigned {
                contacts: 0,
                nurture_owner: 1,
                sales_owner: 1
            }
        );
        let owners = store.nurture_owners(dana).await.unwrap();
        assert_eq!(
            (owners.nurture_owner, owners.sales_owner, owners.ready.is_some()),
            (Some(carl), Some(carl), true)
        );
        assert_eq!(incoming(store.clone(), carl).await, [dana]);
        assert_eq!(incoming(store.clone(), bob).await, []);
        let rows = store
            .audit(
                admin,
                &AuditFilter {
                    entity: Some(rapport_core::AuditEntity::Nurture),
                    contact: Some(dana),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        let moved = &rows[0];
        assert_eq!(moved.action, AuditAction::Reassign);
        assert_eq!(
            moved.before,
            Some(serde_json::json!({"nurture_owner_id": bob.0, "sales_owner_id": bob.0}))
        );
        assert_eq!(
            moved.after,
            Some(serde_json::json!({"nurture_owner_id": carl.0, "sales_owner_id": carl.0}))
        );
        // Now Bob holds nothing, and can go.
        store.set_user_disabled(admin, bob, true, now()).await.unwrap();
        // The signal is still news anyone may give, whoever the owners are.
        store.signal_ready(admin, dana, None, now()).await.unwrap();
        opened.close().await;
    });
}

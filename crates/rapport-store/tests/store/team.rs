//! The team model in the store: the access rules hold for every caller, a refused write
//! leaves nothing behind, every change leaves its audit row, and no secret reaches the log.

use jiff::Timestamp;
use jiff::civil::date;
use rapport_core::access::Forbidden;
use rapport_core::model::{Hold, UserId};
use rapport_core::{AuditAction, Direction, TouchKind, UserRole};
use rapport_store::{AuditFilter, ContactPatch, NewContact, NewTouch, NewUser, Store, StoreError};

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
                .unwrap(),
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

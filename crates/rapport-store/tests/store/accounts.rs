//! Users and API tokens: hashes in, accounts out.

use jiff::Timestamp;
use rapport_core::{EmailAddress, UserRole};
use rapport_store::{NewUser, StoreError};

use crate::runtime;
use crate::support::Harness;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn users_are_unique_by_email_and_tokens_find_them_by_hash() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let now = at("2026-11-25T12:00:00Z");
        let email: EmailAddress = "Ann@Example.com".parse().unwrap();
        let new = NewUser {
            email: email.clone(),
            name: " Ann ".into(),
            role: UserRole::Viewer,
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        };
        let me = store.local_user().await.unwrap().id;
        let id = store.add_user(me, &new, now).await.unwrap();
        assert!(matches!(
            store.add_user(me, &new, now).await,
            Err(StoreError::DuplicateUser(_))
        ));

        let users = store.users().await.unwrap();
        assert_eq!(users.len(), 2, "the local owner and Ann");
        assert_eq!(users[0].user.email, "me@localhost");
        assert!(!users[0].has_password);
        let ann = store.user_by_email(&email).await.unwrap();
        assert_eq!(
            (ann.user.id, ann.role, ann.user.name.as_str()),
            (id, UserRole::Viewer, "Ann")
        );
        assert!(ann.has_password);
        assert_eq!(ann.created_at, now);

        store
            .add_api_token(me, id, "laptop", "ab12", now)
            .await
            .unwrap();
        let found = store.account_by_token("ab12", now).await.unwrap().unwrap();
        assert_eq!(found.account.user.id, id);
        // The first use notes the time (a write); another within the minute writes nothing
        // and sees the version as it stands.
        let version = store.data_version().await.unwrap();
        let again = store.account_by_token("ab12", now).await.unwrap().unwrap();
        assert_eq!(again.data_version, version);
        assert_eq!(store.data_version().await.unwrap(), version);
        assert_eq!(store.account_by_token("ab13", now).await.unwrap(), None);
        assert!(matches!(
            store
                .user_by_email(&"nobody@example.com".parse().unwrap())
                .await,
            Err(StoreError::UserNotFound(_))
        ));
        opened.close().await;
    });
}

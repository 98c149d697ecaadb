//! Sessions and failed logins: hashes in, accounts out; lapsed sessions are gone.

use jiff::{SignedDuration, Timestamp};
use rapport_core::{EmailAddress, UserRole};
use rapport_store::{NewSession, NewUser, StoreError};

use crate::runtime;
use crate::support::Harness;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn a_session_finds_its_user_slides_and_ends() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let now = at("2026-11-25T12:00:00Z");
        let email: EmailAddress = "ann@example.com".parse().unwrap();
        let admin = store.local_user().await.unwrap().id;
        let id = store
            .add_user(
                admin,
                &NewUser {
                    email: email.clone(),
                    name: "Ann".into(),
                    role: UserRole::Member,
                    password_hash: Some("$argon2id$hash".into()),
                },
                now,
            )
            .await
            .unwrap();
        let (account, hash) = store.credentials(&email).await.unwrap().unwrap();
        assert_eq!((account.user.id, hash.as_str()), (id, "$argon2id$hash"));
        let token_only: EmailAddress = "bot@example.com".parse().unwrap();
        store
            .add_user(
                admin,
                &NewUser {
                    email: token_only.clone(),
                    name: "Bot".into(),
                    role: UserRole::Member,
                    password_hash: None,
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            store.credentials(&token_only).await.unwrap(),
            None,
            "no password"
        );
        let nobody: EmailAddress = "nobody@example.com".parse().unwrap();
        assert_eq!(store.credentials(&nobody).await.unwrap(), None);

        let day = SignedDuration::from_hours(24);
        store
            .start_session(
                &NewSession {
                    user: id,
                    token_hash: "h1".into(),
                    csrf_token: "c1".into(),
                    expires_at: now + day,
                },
                now,
            )
            .await
            .unwrap();
        let later = now + SignedDuration::from_hours(2);
        let session = store
            .session("h1", later, later + day)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.account.user.id, id);
        assert_eq!(session.csrf_token, "c1");
        assert_eq!(session.expires_at, later + day, "used sessions slide");
        assert_eq!(store.session("h2", later, later).await.unwrap(), None);
        // Past its (slid) expiry, it is gone.
        let lapsed = later + day + SignedDuration::from_secs(1);
        assert_eq!(store.session("h1", lapsed, lapsed).await.unwrap(), None);

        store
            .start_session(
                &NewSession {
                    user: id,
                    token_hash: "h3".into(),
                    csrf_token: "c3".into(),
                    expires_at: now + day,
                },
                now,
            )
            .await
            .unwrap();
        store.end_session("h3").await.unwrap();
        assert_eq!(store.session("h3", now, now).await.unwrap(), None);
        store.end_session("h3").await.unwrap();
        opened.close().await;
    });
}

#[test]
fn failed_logins_count_by_email_and_client_and_a_success_forgets_them() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let now = at("2026-11-25T12:00:00Z");
        let email: EmailAddress = "ann@example.com".parse().unwrap();
        let admin = store.local_user().await.unwrap().id;
        let id = store
            .add_user(
                admin,
                &NewUser {
                    email,
                    name: "Ann".into(),
                    role: UserRole::Member,
                    password_hash: Some("x".into()),
                },
                now,
            )
            .await
            .unwrap();
        let old = now - SignedDuration::from_hours(1);
        let forget = now - SignedDuration::from_hours(24);
        for (who, client, when) in [
            ("ann@example.com", "10.0.0.1", old),
            ("ann@example.com", "10.0.0.1", now),
            ("ann@example.com", "10.0.0.2", now),
            ("bob@example.com", "10.0.0.1", now),
        ] {
            store
                .record_login_failure(who, client, when, forget)
                .await
                .unwrap();
        }
        let since = now - SignedDuration::from_mins(15);
        let failures = store
            .login_failures("ann@example.com", "10.0.0.1", since, 5)
            .await
            .unwrap();
        assert_eq!(failures.by_email, vec![now, now]);
        assert_eq!(failures.by_client, vec![now, now]);
        let capped = store
            .login_failures(
                "ann@example.com",
                "10.0.0.1",
                old - SignedDuration::from_secs(1),
                2,
            )
            .await
            .unwrap();
        assert_eq!(capped.by_email.len(), 2, "at most the limit, newest first");

        store
            .start_session(
                &NewSession {
                    user: id,
                    token_hash: "h".into(),
                    csrf_token: "c".into(),
                    expires_at: now + SignedDuration::from_hours(1),
                },
                now,
            )
            .await
            .unwrap();
        let after = store
            .login_failures("ann@example.com", "10.0.0.1", since, 5)
            .await
            .unwrap();
        assert!(
            after.by_email.is_empty(),
            "a success forgets the email's failures"
        );
        assert_eq!(
            after.by_client,
            vec![now],
            "other emails' failures from the address stay"
        );
        opened.close().await;
    });
}

/// A disabled user's login starts no session (checked under their row lock, in the session's
/// own transaction), so enabling them again brings none back.
#[test]
fn a_disabled_user_starts_no_session_and_enabling_them_brings_none_back() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let now = at("2026-11-25T12:00:00Z");
        let admin = store.local_user().await.unwrap().id;
        let ann = store
            .add_user(
                admin,
                &NewUser {
                    email: "ann@example.com".parse().unwrap(),
                    name: "Ann".into(),
                    role: UserRole::Member,
                    password_hash: Some("$argon2id$hash".into()),
                },
                now,
            )
            .await
            .unwrap();
        store.set_user_disabled(admin, ann, true, now).await.unwrap();
        let day = SignedDuration::from_hours(24);
        let refused = store
            .start_session(
                &NewSession {
                    user: ann,
                    token_hash: "late".into(),
                    csrf_token: "c".into(),
                    expires_at: now + day,
                },
                now,
            )
            .await;
        assert!(
            matches!(&refused, Err(StoreError::DisabledUser(who)) if who.contains("ann@example.com")),
            "{refused:?}"
        );
        store.set_user_disabled(admin, ann, false, now).await.unwrap();
        assert_eq!(store.session("late", now, now + day).await.unwrap(), None);
        opened.close().await;
    });
}

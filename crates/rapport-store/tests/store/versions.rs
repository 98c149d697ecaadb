//! The data version: every committed write moves it on, reads never do, and a failed write
//! leaves it where it was.

use jiff::civil::date;
use rapport_core::model::Hold;
use rapport_store::NewContact;

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

//! The ideal client profile in the store, on whichever backend the harness runs: criteria
//! are admin-only and audited, custom fields and organization profiles feed the fit, a stale
//! organization edit is refused, and a list sorted by fit pages correctly.

use jiff::Timestamp;
use jiff::civil::date;
use rapport_core::access::Forbidden;
use rapport_core::fit::{Criterion, Test, Weight};
use rapport_core::model::UserId;
use rapport_core::{AuditEntity, UserRole};
use rapport_store::{
    AuditFilter, ContactFilter, ContactPatch, NewContact, OrganizationPatch, Store, StoreError,
};

use crate::runtime;
use crate::support::{Harness, new_user};

fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn criterion(field: &str, value: &str, weight: i64) -> Criterion {
    Criterion {
        test: Test::parse(field, value).unwrap(),
        weight: Weight::new(weight).unwrap(),
    }
}

async fn member(store: &Store, admin: UserId) -> UserId {
    let new = new_user("max@example.com", "Max", UserRole::Member);
    store.add_user(admin, &new, now()).await.unwrap()
}

async fn contact(
    store: &Store,
    admin: UserId,
    name: &str,
    org: Option<&str>,
) -> rapport_core::model::ContactId {
    let new = NewContact {
        name: name.into(),
        organization: org.map(str::to_owned),
        ..NewContact::default()
    };
    store
        .add_contact(admin, new, now(), date(2026, 11, 25))
        .await
        .unwrap()
}

#[test]
fn criteria_fields_and_fit_hold_on_every_backend() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let admin = store.local_user().await.unwrap().id;
        let max = member(store, admin).await;

        // Only an admin changes the profile; a refusal writes nothing.
        let industry = criterion("industry", "Software", 3);
        assert!(matches!(
            store.add_icp_criterion(max, &industry, now()).await,
            Err(StoreError::Forbidden(Forbidden::AdminOnly(_)))
        ));
        assert!(store.icp_criteria().await.unwrap().is_empty());
        let first = store
            .add_icp_criterion(admin, &industry, now())
            .await
            .unwrap();
        store
            .add_icp_criterion(admin, &criterion("field:segment", "enterprise", 1), now())
            .await
            .unwrap();
        assert!(matches!(
            store.remove_icp_criterion(max, first, now()).await,
            Err(StoreError::Forbidden(Forbidden::AdminOnly(_)))
        ));

        let acme = store
            .add_organization(admin, "Acme", None, None, now())
            .await
            .unwrap();
        let ann = contact(store, admin, "Ann", Some("Acme")).await;
        let bob = contact(store, admin, "Bob", None).await;
        let cy = contact(store, admin, "Cy", None).await;

        // Members change an organization's profile; a stale version is refused whole.
        let profile = OrganizationPatch {
            industry: Some(Some("software".into())),
            size: Some(Some(300)),
            set_fields: vec![("segment".parse().unwrap(), "enterprise".into())],
            expected_version: Some(1),
            ..OrganizationPatch::default()
        };
        store
            .edit_organization(max, acme, profile.clone(), now())
            .await
            .unwrap();
        let stale = store.edit_organization(max, acme, profile, now()).await;
        assert!(
            matches!(
                stale,
                Err(StoreError::StaleOrganization {
                    expected: 1,
                    current: 2,
                    ..
                })
            ),
            "{stale:?}"
        );
        let org = store.organization(acme).await.unwrap();
        assert_eq!(
            (org.industry.as_deref(), org.size, org.version),
            (Some("software"), Some(300), 2)
        );

        // Acme meets both (4 of 4); Ann inherits it; Bob's own field meets the second only.
        assert_eq!(
            store.organization_fit(acme).await.unwrap().unwrap().score,
            100
        );
        assert_eq!(store.contact_fit(ann).await.unwrap().unwrap().score, 100);
        let fields = ContactPatch {
            set_fields: vec![("segment".parse().unwrap(), "enterprise".into())],
            ..ContactPatch::default()
        };
        store
            .edit_contact(admin, bob, fields, now(), date(2026, 11, 25))
            .await
            .unwrap();
        assert_eq!(store.contact_fit(bob).await.unwrap().unwrap().score, 25);
        let missing = ContactPatch {
            remove_fields: vec!["nothing".parse().unwrap()],
            ..ContactPatch::default()
        };
        assert!(matches!(
            store
                .edit_contact(admin, cy, missing, now(), date(2026, 11, 25))
                .await,
            Err(StoreError::Invalid(_))
        ));

        // Sorted by fit, a page at a time: Ann 100, Bob 25, Cy 0.
        let page = |after, limit| ContactFilter {
            after,
            limit: Some(limit),
            ..ContactFilter::default()
        };
        let ids = |found: Vec<(rapport_core::model::ContactSummary, Option<u8>)>| {
            found
                .into_iter()
                .map(|(c, fit)| (c.id, fit))
                .collect::<Vec<_>>()
        };
        let first_page = ids(store.contacts_by_fit(&page(None, 2)).await.unwrap());
        assert_eq!(first_page, [(ann, Some(100)), (bob, Some(25))]);
        let next = ids(store.contacts_by_fit(&page(Some(bob), 2)).await.unwrap());
        assert_eq!(next, [(cy, Some(0))]);

        store
            .remove_icp_criterion(admin, first, now())
            .await
            .unwrap();
        assert_eq!(store.icp_criteria().await.unwrap().len(), 1);
        let audited = store
            .audit(
                admin,
                &AuditFilter {
                    entity: Some(AuditEntity::IcpCriterion),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audited.len(), 3, "two added and one removed");
        opened.close().await;
    });
}

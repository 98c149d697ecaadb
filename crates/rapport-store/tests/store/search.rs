//! Search by any fragment, and the reads behind the dashboard and organization pages.

use jiff::Timestamp;
use jiff::civil::{Date, date};
use rapport_core::model::{ContactId, UserId};
use rapport_core::{Direction, Role, Tier, TouchKind, UserRole};
use rapport_store::{Backend, ContactPatch, NewContact, NewTouch, Store, StoreError};

use crate::runtime;
use crate::support::{Harness, new_user};

fn noon(day: Date) -> Timestamp {
    day.at(12, 0, 0, 0).in_tz("UTC").unwrap().timestamp()
}

/// The names of the contacts and the organizations a search finds, best first.
async fn names_found(store: &Store, viewer: UserId, query: &str) -> (Vec<String>, Vec<String>) {
    let results = store.search(viewer, query, None, 10).await.unwrap();
    let people = results
        .contacts
        .iter()
        .map(|h| h.contact.name.clone())
        .collect();
    let organizations = results
        .organizations
        .iter()
        .map(|h| h.name.clone())
        .collect();
    (people, organizations)
}

async fn touch(store: &Store, owner: UserId, contact: ContactId, on: Date, summary: &str) {
    logged(store, owner, contact, on, summary, false).await;
}

async fn logged(
    store: &Store,
    owner: UserId,
    contact: ContactId,
    on: Date,
    summary: &str,
    private: bool,
) {
    store
        .log_touch(
            owner,
            contact,
            NewTouch {
                kind: TouchKind::Call,
                direction: Direction::Outbound,
                at: noon(on),
                on,
                summary: Some(summary.into()),
                needs: Some("Replace the DISPATCH system".into()),
                next_approach: None,
                private,
            },
            noon(on),
        )
        .await
        .unwrap();
}

#[test]
fn search_finds_contacts_by_any_fragment_ignoring_case() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let add =
            |name: &str, org: Option<&str>, email: Option<&str>, notes: Option<&str>| NewContact {
                name: name.into(),
                organization: org.map(Into::into),
                emails: email.map(|e| e.parse().unwrap()).into_iter().collect(),
                notes: notes.map(Into::into),
                ..NewContact::default()
            };
        let dana = store
            .add_contact(
                owner,
                add("Dana Whitfield", Some("Halcyon Freight"), None, None),
                noon(added),
                added,
            )
            .await
            .unwrap();
        let sam = store
            .add_contact(
                owner,
                add(
                    "Sam Okafor",
                    None,
                    Some("sam@northwind.example"),
                    Some("Met at the 50% off fair"),
                ),
                noon(added),
                added,
            )
            .await
            .unwrap();
        store
            .add_contact(owner, add("Lee Park", None, None, None), noon(added), added)
            .await
            .unwrap();
        touch(
            store,
            owner,
            dana,
            date(2026, 2, 1),
            "Budget frozen until March",
        )
        .await;

        let ids = |found: rapport_store::SearchResults| {
            found
                .contacts
                .into_iter()
                .map(|hit| hit.contact.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(store.search(owner, "whitf", None, 10).await.unwrap()),
            vec![dana]
        );
        assert_eq!(
            ids(store.search(owner, "HALCYON", None, 10).await.unwrap()),
            vec![dana]
        );
        assert_eq!(
            ids(store.search(owner, "northwind", None, 10).await.unwrap()),
            vec![sam]
        );
        assert_eq!(
            ids(store.search(owner, "50%", None, 10).await.unwrap()),
            vec![sam]
        );
        assert_eq!(
            ids(store.search(owner, "frozen", None, 10).await.unwrap()),
            vec![dana]
        );
        assert_eq!(
            ids(store.search(owner, "dispatch", None, 10).await.unwrap()),
            vec![dana]
        );
        assert!(
            ids(store.search(owner, "%_", None, 10).await.unwrap()).is_empty(),
            "punctuation is no word"
        );
        assert!(ids(store.search(owner, "  ", None, 10).await.unwrap()).is_empty());
        // "f" starts Dana's "Freight" and Sam's "fair", no word of Lee's.
        assert_eq!(
            ids(store.search(owner, "f", None, 10).await.unwrap()),
            vec![dana, sam]
        );
        assert_eq!(
            ids(store.search(owner, "f", None, 1).await.unwrap()).len(),
            1
        );

        // A private touch's text finds the contact for its author only.
        logged(
            store,
            owner,
            sam,
            date(2026, 2, 2),
            "Quiet merger talks",
            true,
        )
        .await;
        let bob = colleague(store, owner).await;
        assert_eq!(
            ids(store.search(owner, "merger", None, 10).await.unwrap()),
            vec![sam]
        );
        assert!(
            ids(store.search(bob, "merger", None, 10).await.unwrap()).is_empty(),
            "someone else's private text is not searched"
        );
        opened.close().await;
    });
}

#[test]
fn punctuality_overdue_counts_and_organization_touches() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 1);
        let new = |name: &str, tier: Option<Tier>| NewContact {
            name: name.into(),
            organization: Some("Halcyon Freight".into()),
            tier,
            cadence: Some("30d".parse().unwrap()),
            ..NewContact::default()
        };
        let dana = store
            .add_contact(owner, new("Dana", Some(Tier::A)), noon(added), added)
            .await
            .unwrap();
        let sam = store
            .add_contact(owner, new("Sam", None), noon(added), added)
            .await
            .unwrap();
        // Dana: first touch late (due on the day added), second early, third late.
        touch(store, owner, dana, date(2026, 1, 3), "hello").await;
        touch(store, owner, dana, date(2026, 1, 30), "again").await;
        touch(store, owner, dana, date(2026, 3, 15), "late").await;

        let timings = store
            .touch_punctuality(owner, date(2026, 1, 20))
            .await
            .unwrap();
        let mut pairs: Vec<(Date, Date)> = timings.iter().map(|t| (t.due, t.on)).collect();
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                (date(2026, 2, 2), date(2026, 1, 30)),
                (date(2026, 3, 1), date(2026, 3, 15)),
            ],
            "touches before `since` count only as the previous touch"
        );

        let overdue = store
            .overdue_by_tier(owner, date(2026, 4, 20))
            .await
            .unwrap();
        assert_eq!(overdue, vec![(Some(Tier::A), 1), (None, 1)]);
        assert!(
            store
                .overdue_by_tier(owner, date(2026, 1, 1))
                .await
                .unwrap()
                .is_empty()
        );

        let org = store.contact(sam).await.unwrap().organization.unwrap().id;
        let latest = store.organization_touches(owner, org, 2).await.unwrap();
        assert_eq!(
            latest
                .iter()
                .map(|t| (t.contact_name.as_str(), t.touch.summary.as_deref()))
                .collect::<Vec<_>>(),
            vec![("Dana", Some("late")), ("Dana", Some("again"))]
        );
        logged(
            store,
            owner,
            sam,
            date(2026, 3, 20),
            "pricing, privately",
            true,
        )
        .await;
        let bob = colleague(store, owner).await;
        let seen = |touches: Vec<rapport_store::TouchWith>| {
            touches
                .into_iter()
                .map(|t| (t.touch.private, t.touch.summary))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            seen(store.organization_touches(owner, org, 1).await.unwrap()),
            vec![(true, Some("pricing, privately".to_owned()))]
        );
        assert_eq!(
            seen(store.organization_touches(bob, org, 1).await.unwrap()),
            vec![(true, None)],
            "the touch shows, its text does not"
        );
        opened.close().await;
    });
}

/// A member of the team besides the local owner.
async fn colleague(store: &Store, admin: UserId) -> UserId {
    let new = new_user("bob@example.com", "Bob", UserRole::Member);
    store
        .add_user(admin, &new, noon(date(2026, 1, 1)))
        .await
        .unwrap()
}

#[test]
fn full_text_search_finds_someone_from_a_fragment_and_stays_right_after_writes() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let at = |org: &str, name: &str| NewContact {
            name: name.into(),
            organization: Some(org.into()),
            ..NewContact::default()
        };
        let priya = store
            .add_contact(
                owner,
                at("Acme Logistics", "Priya Raman"),
                noon(added),
                added,
            )
            .await
            .unwrap();
        let other = store
            .add_contact(
                owner,
                at("Acme Logistics", "Tom Becker"),
                noon(added),
                added,
            )
            .await
            .unwrap();
        store
            .add_contact(owner, at("Borealis", "Dana Whitfield"), noon(added), added)
            .await
            .unwrap();
        store
            .log_touch(
                owner,
                priya,
                NewTouch {
                    kind: TouchKind::Meeting,
                    direction: Direction::Inbound,
                    at: noon(date(2026, 2, 3)),
                    on: date(2026, 2, 3),
                    summary: Some("Met at the partner retreat in Lisbon".into()),
                    needs: Some("Data migration off their old ERP".into()),
                    next_approach: None,
                    private: false,
                },
                noon(date(2026, 2, 3)),
            )
            .await
            .unwrap();
        touch(
            store,
            owner,
            other,
            date(2026, 2, 4),
            "Call about the retreat",
        )
        .await;

        let found = |query: &'static str| async move {
            store
                .search(owner, query, None, 10)
                .await
                .unwrap()
                .contacts
                .into_iter()
                .map(|hit| hit.contact.name)
                .collect::<Vec<_>>()
        };
        // Someone from Acme I met at the retreat who needed data migration: the words are
        // spread over the organization and one touch, and each may be a word's start.
        assert_eq!(found("acme retreat migration").await, vec!["Priya Raman"]);
        assert_eq!(found("Acme retr migr").await, vec!["Priya Raman"]);
        assert_eq!(found("data migration").await, vec!["Priya Raman"]);
        // Both Acme people were at a retreat; only one needed a migration.
        assert_eq!(found("retreat").await, vec!["Priya Raman", "Tom Becker"]);
        // Names: a prefix, and a typo.
        assert_eq!(found("whitf").await, vec!["Dana Whitfield"]);
        assert_eq!(found("Whitfeld").await, vec!["Dana Whitfield"]);
        assert!(found("Zzyzx").await.is_empty());

        // The results say what matched.
        let hit = store
            .search(owner, "acme migration", None, 10)
            .await
            .unwrap()
            .contacts
            .remove(0);
        let matched: Vec<(&str, &str)> = hit
            .matched
            .iter()
            .map(|m| (m.field.as_str(), m.text.as_str()))
            .collect();
        assert_eq!(
            matched,
            vec![
                ("organization", "Acme Logistics"),
                (
                    "touch",
                    "Met at the partner retreat in Lisbon · Data migration off their old ERP"
                ),
            ]
        );
        let orgs = store
            .search(owner, "acme", None, 10)
            .await
            .unwrap()
            .organizations;
        assert_eq!(
            orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            vec!["Acme Logistics"]
        );

        // The index follows every write: a rename, a new email, an archive.
        store
            .edit_contact(
                owner,
                priya,
                rapport_store::ContactPatch {
                    name: Some("Priya Raman-Osei".into()),
                    add_emails: vec!["priya@zenith.example".parse().unwrap()],
                    ..rapport_store::ContactPatch::default()
                },
                noon(added),
                added,
            )
            .await
            .unwrap();
        assert_eq!(found("osei").await, vec!["Priya Raman-Osei"]);
        assert_eq!(found("zenith").await, vec!["Priya Raman-Osei"]);
        store
            .set_archived(owner, priya, true, noon(added))
            .await
            .unwrap();
        assert!(
            found("osei").await.is_empty(),
            "archived contacts are not found"
        );
        assert_eq!(found("retreat").await, vec!["Tom Becker"]);
        opened.close().await;
    });
}

/// A fragment longer than the index's own prefixes finds only words it starts: the index is
/// asked for the first three letters, and the core's rules keep the rest honest.
#[test]
fn a_long_fragment_finds_the_words_it_starts_and_not_those_sharing_three_letters() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let add = |name: &str| NewContact {
            name: name.into(),
            organization: Some("Retlaw Freight".into()),
            ..NewContact::default()
        };
        let priya = store
            .add_contact(owner, add("Priya Raman"), noon(added), added)
            .await
            .unwrap();
        let tom = store
            .add_contact(owner, add("Tom Becker"), noon(added), added)
            .await
            .unwrap();
        touch(store, owner, priya, date(2026, 2, 1), "Met at the retreat").await;
        touch(store, owner, tom, date(2026, 2, 2), "Retirement party").await;

        let found = |query: &'static str| async move {
            store
                .search(owner, query, None, 10)
                .await
                .unwrap()
                .contacts
                .into_iter()
                .map(|hit| hit.contact.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("retre").await, vec!["Priya Raman"]);
        assert_eq!(found("retir").await, vec!["Tom Becker"]);
        assert_eq!(found("ret").await, vec!["Priya Raman", "Tom Becker"]);
        // Every word a fragment: the organization's, then what was said.
        assert_eq!(found("retla retre").await, vec!["Priya Raman"]);
        assert!(found("retri").await.is_empty());
        // A single letter beside a longer word still has to start a word of the result.
        assert_eq!(found("priya m").await, vec!["Priya Raman"]);
        assert!(found("tom m").await.is_empty());
        let orgs = store
            .search(owner, "retla freig", None, 10)
            .await
            .unwrap()
            .organizations;
        assert_eq!(orgs.len(), 1);
        assert!(
            store
                .search(owner, "retlo", None, 10)
                .await
                .unwrap()
                .organizations
                .is_empty()
        );
        opened.close().await;
    });
}

/// Near spellings are looked for among the words of names as they are now: a name written
/// just now, a rename, and names written long enough ago to have been gathered into the
/// word table (every 512th contact on SQLite).
#[test]
fn a_typo_in_a_name_finds_new_renamed_and_gathered_names() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let add = |name: String| NewContact {
            name,
            ..NewContact::default()
        };
        let first = store
            .add_contact(owner, add("Ottoline Quennell".into()), noon(added), added)
            .await
            .unwrap();
        let found = |query: &'static str| async move {
            store
                .search(owner, query, None, 10)
                .await
                .unwrap()
                .contacts
                .into_iter()
                .map(|hit| hit.contact.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("quennel").await, vec![first], "a name just written");

        // Past the 512th contact: the first names' words have been gathered.
        for n in 0..520 {
            store
                .add_contact(owner, add(format!("Person {n}")), noon(added), added)
                .await
                .unwrap();
        }
        let last = store
            .add_contact(owner, add("Zebedee Farquharson".into()), noon(added), added)
            .await
            .unwrap();
        assert_eq!(found("quennel").await, vec![first], "a gathered name");
        assert_eq!(found("farquarson").await, vec![last], "a name since");

        store
            .edit_contact(
                owner,
                first,
                rapport_store::ContactPatch {
                    name: Some("Ottoline Morrell".into()),
                    ..rapport_store::ContactPatch::default()
                },
                noon(added),
                added,
            )
            .await
            .unwrap();
        assert_eq!(found("morell").await, vec![first], "a renamed name");
        assert!(
            found("quennel").await.is_empty(),
            "the old name's word finds nobody"
        );
        opened.close().await;
    });
}

/// On SQLite, touches reach the search index in batches (`index_touches`, which a server runs
/// in the background): one run indexes everything logged since the last, the next finds nothing
/// left, and what it indexed is found. PostgreSQL's index needs no catching up.
#[test]
fn touches_reach_the_index_in_batches() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let owner = store.local_user().await.unwrap().id;
        let added = date(2026, 1, 5);
        let lee = store
            .add_contact(
                owner,
                NewContact {
                    name: "Lee Park".into(),
                    ..NewContact::default()
                },
                noon(added),
                added,
            )
            .await
            .unwrap();
        for day in 6..9 {
            touch(store, owner, lee, date(2026, 1, day), "Rollout review").await;
        }
        let expected = match store.backend() {
            Backend::Sqlite => 3,
            Backend::Postgres => 0,
        };
        assert_eq!(store.index_touches().await.unwrap(), expected);
        assert_eq!(store.index_touches().await.unwrap(), 0);
        let found = store.search(owner, "dispatch", None, 10).await.unwrap();
        let ids: Vec<ContactId> = found.contacts.iter().map(|hit| hit.contact.id).collect();
        assert_eq!(ids, vec![lee]);
        opened.close().await;
    });
}

/// An organization renamed (a rebrand) is found by its new name and domain, and so are the
/// people there; the old name finds neither. Its name stays unique ignoring case, cannot be
/// blank, and the change is audited with the name, domain and tier before and after.
#[test]
fn a_renamed_organization_and_its_people_are_found_by_the_new_name_only() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let now = noon(date(2026, 3, 2));
        let ada = NewContact {
            name: "Ada Lovelace".into(),
            organization: Some("Initech".into()),
            ..NewContact::default()
        };
        store
            .add_contact(me, ada, now, date(2026, 3, 2))
            .await
            .unwrap();
        let initech = store.resolve_organization("initech").await.unwrap();
        store
            .add_organization(me, "Globex", None, None, now)
            .await
            .unwrap();
        let found = |query: &'static str| names_found(store, me, query);
        assert_eq!(
            found("initech").await,
            (vec!["Ada Lovelace".to_owned()], vec!["Initech".to_owned()])
        );

        let rename = |name: &str| rapport_store::OrganizationPatch {
            name: Some(name.into()),
            ..rapport_store::OrganizationPatch::default()
        };
        let taken = store
            .edit_organization(me, initech, rename(" GLOBEX "), now)
            .await;
        assert!(
            matches!(taken, Err(StoreError::DuplicateOrganization(ref n)) if n == "GLOBEX"),
            "{taken:?}"
        );
        let blank = store
            .edit_organization(me, initech, rename("  "), now)
            .await;
        assert!(matches!(blank, Err(StoreError::Invalid(_))), "{blank:?}");

        let rebrand = rapport_store::OrganizationPatch {
            domain: Some(Some(" Hooli.Example ".into())),
            tier: Some(Some(Tier::B)),
            ..rename("Hooli")
        };
        store
            .edit_organization(me, initech, rebrand, now)
            .await
            .unwrap();
        let hooli = store.organization(initech).await.unwrap();
        assert_eq!(
            (hooli.name.as_str(), hooli.domain.as_deref(), hooli.tier),
            ("Hooli", Some("hooli.example"), Some(Tier::B))
        );
        assert_eq!(found("initech").await, (vec![], vec![]));
        assert_eq!(
            found("hooli").await,
            (vec!["Ada Lovelace".to_owned()], vec!["Hooli".to_owned()])
        );
        assert_eq!(
            store.resolve_organization("hooli.example").await.unwrap(),
            initech
        );
        // A change of case only is the same organization's name.
        store
            .edit_organization(me, initech, rename("HOOLI"), now)
            .await
            .unwrap();
        assert_eq!(store.organization(initech).await.unwrap().name, "HOOLI");

        let filter = rapport_store::AuditFilter {
            entity: Some(rapport_core::AuditEntity::Organization),
            entity_id: Some(initech.0),
            ..rapport_store::AuditFilter::default()
        };
        let audit = store.audit(me, &filter).await.unwrap();
        let rebranded = &audit[1];
        let changed: Vec<(String, String, String)> = rebranded
            .changes()
            .into_iter()
            .map(|c| (c.field, c.before.to_string(), c.after.to_string()))
            .collect();
        assert!(
            changed.contains(&("name".into(), "\"Initech\"".into(), "\"Hooli\"".into())),
            "{changed:?}"
        );
        assert!(
            changed.contains(&("tier".into(), "null".into(), "\"B\"".into())),
            "{changed:?}"
        );
        opened.close().await;
    });
}

/// Accents fold away on both sides of a search: "zurich" finds Café Zürich and the people
/// there, "jose" José, and "Zürich" typed with its accent finds the same.
#[test]
fn accents_fold_away_in_search() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let day = date(2026, 3, 2);
        for (name, organization) in [
            ("José Müller", Some("Café Zürich")),
            ("Ångström Smörgås", None),
        ] {
            let new = NewContact {
                name: name.into(),
                organization: organization.map(Into::into),
                ..NewContact::default()
            };
            store.add_contact(me, new, noon(day), day).await.unwrap();
        }
        let jose = store.resolve_contact("José Müller").await.unwrap();
        touch(store, me, jose, day, "Café au lait près de la gare").await;
        let found = |query: &'static str| names_found(store, me, query);
        let jose_at_zurich = (
            vec!["José Müller".to_owned()],
            vec!["Café Zürich".to_owned()],
        );
        assert_eq!(found("zurich").await, jose_at_zurich);
        assert_eq!(found("ZÜRICH").await, jose_at_zurich);
        assert_eq!(found("cafe zur").await, jose_at_zurich);
        assert_eq!(found("jose").await.0, ["José Müller"]);
        assert_eq!(found("pres gare").await.0, ["José Müller"]);
        assert_eq!(found("angstrom").await.0, ["Ångström Smörgås"]);
        assert_eq!(found("smorgas").await.0, ["Ångström Smörgås"]);
        opened.close().await;
    });
}

/// A contact named without the name's accents is found when nothing matches as typed: "jose
/// mul" is José Müller, "muller jo" too (words' starts, in any order); words two names start
/// are ambiguous, and a piece from the middle of a word finds no one.
#[test]
fn a_name_typed_without_its_accents_finds_the_contact() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let day = date(2026, 3, 2);
        let mut ids = vec![];
        for name in [
            "José Müller",
            "Zoë Okafor",
            "Zoe Oakes",
            "Jörg Mueller",
            "Josée Martin",
        ] {
            let new = NewContact {
                name: name.into(),
                ..NewContact::default()
            };
            ids.push(store.add_contact(me, new, noon(day), day).await.unwrap());
        }
        let [jose, zoe_okafor, _, jorg, _] = ids[..] else {
            unreachable!()
        };
        for typed in ["jose mul", "JOSE MULLER", "muller jo", "Jose Mül"] {
            assert_eq!(store.resolve_contact(typed).await.unwrap(), jose, "{typed}");
        }
        assert_eq!(store.resolve_contact("jorg").await.unwrap(), jorg);
        // "zoe" is a piece of Zoe Oakes's name as typed, which wins before any folding.
        assert_ne!(store.resolve_contact("zoe").await.unwrap(), zoe_okafor);
        assert_eq!(store.resolve_contact("zoe okaf").await.unwrap(), zoe_okafor);
        match store.resolve_contact("jose").await {
            Err(StoreError::AmbiguousContact { candidates, .. }) => {
                let names: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
                assert_eq!(names, ["José Müller", "Josée Martin"]);
            }
            other => panic!("expected an ambiguous name, got {other:?}"),
        }
        assert!(matches!(
            store.resolve_contact("ulle").await,
            Err(StoreError::ContactNotFound(_))
        ));
        opened.close().await;
    });
}

/// A phone number, however it is written in the query or was written in the book, finds the
/// active contacts holding it, before anyone the text finds; `resolve_contact` takes the
/// number too.
#[test]
fn a_phone_number_finds_whoever_holds_it() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let me = store.local_user().await.unwrap().id;
        let day = date(2026, 3, 2);
        let mut ids = vec![];
        for (name, phones, notes) in [
            ("Dana Whitfield", vec!["+44 20 7946 0958"], None),
            ("Sam Okoro", vec!["555-0100", "(020) 7946 0958"], None),
            (
                "Priya Raman",
                vec!["+1 555 010 0000"],
                Some("call 020 7946 0958"),
            ),
            ("Old Number", vec!["020 7946 0958"], None),
        ] {
            let new = NewContact {
                name: name.into(),
                phones: phones.into_iter().map(|p| p.parse().unwrap()).collect(),
                notes: notes.map(Into::into),
                ..NewContact::default()
            };
            ids.push(store.add_contact(me, new, noon(day), day).await.unwrap());
        }
        let [dana, sam, priya, old] = ids[..] else {
            unreachable!()
        };
        store.set_archived(me, old, true, noon(day)).await.unwrap();

        let found = |query: &'static str| async move {
            let results = store.search(me, query, None, 20).await.unwrap();
            results
                .contacts
                .into_iter()
                .map(|hit| {
                    let matched: Vec<String> = hit
                        .matched
                        .iter()
                        .map(|m| format!("{}: {}", m.field.as_str(), m.text))
                        .collect();
                    (hit.contact.id, matched)
                })
                .collect::<Vec<_>>()
        };
        let london = vec![
            (dana, vec!["phone: +44 20 7946 0958".to_owned()]),
            (sam, vec!["phone: (020) 7946 0958".to_owned()]),
        ];
        for query in ["+44 20 7946 0958", "(0)20-7946-0958", "02079460958"] {
            assert_eq!(found(query).await, london, "{query}");
        }
        // Priya's notes hold these digits as words: found by the text, after the number.
        let mut and_notes = london.clone();
        and_notes.push((priya, vec!["notes: call 020 7946 0958".to_owned()]));
        assert_eq!(found("020 7946 0958").await, and_notes);
        assert_eq!(
            found("5550100").await,
            [(sam, vec!["phone: 555-0100".to_owned()])]
        );
        assert_eq!(found("555 010 0000").await[0].0, priya);
        // With a role, only holders of the number who hold it, before the limit counts.
        let prospect = ContactPatch {
            add_roles: vec![Role::Prospect],
            ..ContactPatch::default()
        };
        store
            .edit_contact(me, sam, prospect, noon(day), day)
            .await
            .unwrap();
        let prospects = store
            .search(me, "020 7946 0958", Some(Role::Prospect), 1)
            .await
            .unwrap();
        let ids: Vec<_> = prospects.contacts.iter().map(|h| h.contact.id).collect();
        assert_eq!(ids, [sam]);
        assert!(found("12345").await.is_empty(), "too short to be a number");

        assert_eq!(store.resolve_contact("555 0100").await.unwrap(), sam);
        assert_eq!(store.resolve_contact("15550100000").await.unwrap(), priya);
        // Dana and Sam hold it, and Old Number, archived, who is not among the candidates.
        match store.resolve_contact("+44 20 7946 0958").await {
            Err(StoreError::AmbiguousContact { candidates, .. }) => {
                let ids: Vec<_> = candidates.iter().map(|c| c.id).collect();
                assert_eq!(ids, [dana, sam]);
            }
            other => panic!("expected an ambiguous number, got {other:?}"),
        }
        // A number only an archived contact holds still finds them.
        let retired = NewContact {
            name: "Retired Line".into(),
            phones: vec!["+1 555 777 0000".parse().unwrap()],
            ..NewContact::default()
        };
        let retired = store
            .add_contact(me, retired, noon(day), day)
            .await
            .unwrap();
        store
            .set_archived(me, retired, true, noon(day))
            .await
            .unwrap();
        assert_eq!(
            store.resolve_contact("555 777 0000").await.unwrap(),
            retired
        );
        assert!(matches!(
            store.resolve_contact("555 9999").await,
            Err(StoreError::ContactNotFound(_))
        ));
        opened.close().await;
    });
}

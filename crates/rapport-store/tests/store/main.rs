//! The store under random use: any sequence of writes through the public API keeps every
//! contact's stored schedule equal to what the scheduling engine says, on whichever backend
//! `RAPPORT_TEST_DATABASE_URL` names (see `support`).
//!
//! A small model replays each operation the way the design describes it; after every step the
//! store must agree with the model, and a from-scratch recomputation (`reschedule_all`) must
//! find nothing to fix.

// Test code: an unwrap that fails is a test failure with its message, which is what we want;
// clippy.toml's allow-unwrap-in-tests does not reach helpers outside #[test] functions.
#![allow(clippy::unwrap_used)]

mod accounts;
mod concurrency;
mod export;
mod merge;
mod migrations;
mod profile;
mod search;
mod sessions;
mod support;
mod team;
mod versions;

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use rapport_core::model::{ContactId, FollowUpId, Hold, UserId};
use rapport_core::{
    Cadence, CadenceDefaults, CadenceProfile, CadenceSource, CadenceUnit, DefaultScope, Direction,
    Horizon, NextTouch, Role, ScheduleInput, Stage, Tier, TouchKind, next_touch,
};
use rapport_store::{ContactFilter, ContactPatch, NewContact, NewTouch, Store, StoreError};

use support::Harness;

// ---------------------------------------------------------------------------------------------
// What a user can do.

#[derive(Debug, Clone)]
enum Op {
    Add {
        cadence: Option<Cadence>,
        tier: Option<Tier>,
        stage: Option<Stage>,
        horizon: Option<Horizon>,
        roles: Vec<Role>,
    },
    /// A touch `offset` days from today: in the past, or booked in the future.
    Touch {
        who: usize,
        offset: i64,
    },
    Hold {
        who: usize,
        offset: i64,
    },
    Unhold {
        who: usize,
    },
    FollowUp {
        who: usize,
        offset: i64,
    },
    Complete {
        pick: usize,
    },
    Default {
        scope: DefaultScope,
        cadence: Option<Cadence>,
    },
    Edit {
        who: usize,
        cadence: Option<Option<Cadence>>,
        tier: Option<Option<Tier>>,
        add_role: Option<Role>,
        end_role: Option<Role>,
    },
    Archive {
        who: usize,
        archived: bool,
    },
    /// Time passes.
    Wait {
        days: i64,
    },
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop_oneof![
        (1u16..=400).prop_map(|n| Cadence::new(n, CadenceUnit::Days).unwrap()),
        (1u16..=52).prop_map(|n| Cadence::new(n, CadenceUnit::Weeks).unwrap()),
        (1u16..=24).prop_map(|n| Cadence::new(n, CadenceUnit::Months).unwrap()),
    ]
}

fn tier() -> impl Strategy<Value = Tier> {
    prop::sample::select(Tier::ALL)
}

fn stage() -> impl Strategy<Value = Stage> {
    prop::sample::select(Stage::ALL)
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL)
}

fn horizon() -> impl Strategy<Value = Horizon> {
    prop::sample::select(Horizon::ALL)
}

fn scope() -> impl Strategy<Value = DefaultScope> {
    prop_oneof![
        Just(DefaultScope::Fallback),
        tier().prop_map(DefaultScope::Tier),
        stage().prop_map(DefaultScope::Stage),
        role().prop_map(DefaultScope::Role),
        horizon().prop_map(DefaultScope::Horizon),
    ]
}

fn add() -> impl Strategy<Value = Op> {
    (
        prop::option::weighted(0.3, cadence()),
        prop::option::of(tier()),
        prop::option::of(stage()),
        prop::option::of(horizon()),
        prop::collection::vec(role(), 0..3),
    )
        .prop_map(|(cadence, tier, stage, horizon, roles)| Op::Add {
            cadence,
            tier,
            stage,
            horizon,
            roles,
        })
}

fn op() -> impl Strategy<Value = Op> {
    let who = any::<usize>();
    prop_oneof![
        3 => add(),
        5 => (who, -400i64..=120).prop_map(|(who, offset)| Op::Touch { who, offset }),
        2 => (who, -20i64..=300).prop_map(|(who, offset)| Op::Hold { who, offset }),
        1 => who.prop_map(|who| Op::Unhold { who }),
        2 => (who, -30i64..=200).prop_map(|(who, offset)| Op::FollowUp { who, offset }),
        2 => any::<usize>().prop_map(|pick| Op::Complete { pick }),
        2 => (scope(), prop::option::weighted(0.7, cadence()))
            .prop_map(|(scope, cadence)| Op::Default { scope, cadence }),
        2 => (
            who,
            prop::option::of(prop::option::of(cadence())),
            prop::option::of(prop::option::of(tier())),
            prop::option::of(role()),
            prop::option::of(role()),
        )
            .prop_map(|(who, cadence, tier, add_role, end_role)| Op::Edit {
                who,
                cadence,
                tier,
                add_role,
                end_role,
            }),
        1 => (who, any::<bool>()).prop_map(|(who, archived)| Op::Archive { who, archived }),
        1 => (0i64..=60).prop_map(|days| Op::Wait { days }),
    ]
}

/// A history always starts with someone to act on.
fn history() -> impl Strategy<Value = Vec<Op>> {
    (add(), prop::collection::vec(op(), 0..24)).prop_map(|(first, rest)| {
        let mut all = vec![first];
        all.extend(rest);
        all
    })
}

// ---------------------------------------------------------------------------------------------
// The model: the facts the design says decide a contact's schedule.

#[derive(Debug, Clone)]
struct Person {
    id: ContactId,
    explicit: Option<Cadence>,
    tier: Option<Tier>,
    stage: Option<Stage>,
    horizon: Option<Horizon>,
    roles: Vec<Role>,
    added_on: Date,
    last_touch_on: Option<Date>,
    hold: Option<Date>,
    archived: bool,
}

#[derive(Debug, Clone)]
struct FollowUpFact {
    id: FollowUpId,
    contact: ContactId,
    due_on: Date,
    done: bool,
}

#[derive(Debug)]
struct Model {
    today: Date,
    defaults: CadenceDefaults,
    people: Vec<Person>,
    follow_ups: Vec<FollowUpFact>,
}

impl Model {
    fn earliest_follow_up(&self, contact: ContactId) -> Option<Date> {
        self.follow_ups
            .iter()
            .filter(|f| f.contact == contact && !f.done)
            .map(|f| f.due_on)
            .min()
    }

    fn expected(&self, p: &Person) -> (Cadence, CadenceSource, NextTouch) {
        let (cadence, source) = self.defaults.resolve(&CadenceProfile {
            explicit: p.explicit,
            tier: p.tier,
            stage: p.stage,
            active_roles: &p.roles,
            horizon: p.horizon,
        });
        let next = next_touch(&ScheduleInput {
            cadence,
            added_on: p.added_on,
            last_touch_on: p.last_touch_on,
            hold_until: p.hold,
            earliest_follow_up: self.earliest_follow_up(p.id),
            renewal_from: None,
        });
        (cadence, source, next)
    }

    fn now(&self) -> Timestamp {
        noon(self.today)
    }

    fn pick(&self, who: usize) -> usize {
        who % self.people.len()
    }
}

fn noon(day: Date) -> Timestamp {
    day.at(12, 0, 0, 0)
        .to_zoned_datetime(TimeZone::UTC)
        .unwrap()
        .timestamp()
}

fn day(today: Date, offset: i64) -> Date {
    today.checked_add(offset.days()).unwrap()
}

/// The store must refuse activity on an archived contact.
fn refused_as_archived<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    op: &Op,
) -> Result<(), String> {
    match result {
        Err(StoreError::Archived(_)) => Ok(()),
        other => Err(format!("{op:?} on an archived contact gave {other:?}")),
    }
}

async fn apply(store: &Store, me: UserId, model: &mut Model, op: &Op) -> Result<(), String> {
    let now = model.now();
    let today = model.today;
    let fail = |e: StoreError| format!("{op:?}: {e}");
    match op {
        Op::Add {
            cadence,
            tier,
            stage,
            horizon,
            roles,
        } => {
            let n = model.people.len();
            let id = store
                .add_contact(
                    me,
                    NewContact {
                        name: format!("Person {n}"),
                        emails: vec![format!("p{n}@example.com").parse().unwrap()],
                        tier: *tier,
                        stage: *stage,
                        horizon: *horizon,
                        cadence: *cadence,
                        roles: roles.clone(),
                        ..NewContact::default()
                    },
                    now,
                    today,
                )
                .await
                .map_err(fail)?;
            let mut active = roles.clone();
            active.sort();
            active.dedup();
            model.people.push(Person {
                id,
                explicit: *cadence,
                tier: *tier,
                stage: *stage,
                horizon: *horizon,
                roles: active,
                added_on: today,
                last_touch_on: None,
                hold: None,
                archived: false,
            });
        }
        Op::Touch { who, offset } => {
            let i = model.pick(*who);
            let on = day(today, *offset);
            let touch = NewTouch {
                kind: TouchKind::Call,
                direction: Direction::Outbound,
                at: noon(on),
                on,
                summary: None,
                needs: None,
                next_approach: None,
                private: false,
            };
            let result = store.log_touch(me, model.people[i].id, touch, now).await;
            if model.people[i].archived {
                return refused_as_archived(result, op);
            }
            let (_, next) = result.map_err(fail)?;
            // Logging a touch never moves the next touch earlier than a full cycle after it,
            // unless an open follow-up (an explicit promise) is due earlier.
            let (cadence, _, _) = model.expected(&model.people[i]);
            let cycle = cadence.after(on);
            let floor = model
                .earliest_follow_up(model.people[i].id)
                .map_or(cycle, |f| f.min(cycle));
            if next.on < floor {
                return Err(format!(
                    "{op:?}: next touch {next:?} is before {floor} (touch {on} + {cadence})"
                ));
            }
            let p = &mut model.people[i];
            p.last_touch_on = Some(p.last_touch_on.map_or(on, |last| last.max(on)));
            if p.hold.is_some_and(|until| until <= on) {
                p.hold = None;
            }
            let (_, _, expected) = model.expected(&model.people[i]);
            if next != expected {
                return Err(format!(
                    "{op:?}: log_touch said {next:?}, expected {expected:?}"
                ));
            }
        }
        Op::Hold { who, offset } => {
            let i = model.pick(*who);
            let hold = Hold {
                until: day(today, *offset),
                reason: "on hold".into(),
            };
            let result = store.hold(me, model.people[i].id, &hold, now).await;
            if model.people[i].archived {
                return refused_as_archived(result, op);
            }
            let next = result.map_err(fail)?;
            model.people[i].hold = Some(hold.until);
            let (_, _, expected) = model.expected(&model.people[i]);
            if next != expected {
                return Err(format!("{op:?}: hold said {next:?}, expected {expected:?}"));
            }
        }
        Op::Unhold { who } => {
            let i = model.pick(*who);
            let result = store.unhold(me, model.people[i].id, now).await;
            match (model.people[i].hold, model.people[i].archived) {
                (None, _) => match result {
                    Ok(None) => {}
                    other => return Err(format!("{op:?} without a hold gave {other:?}")),
                },
                (Some(_), true) => return refused_as_archived(result, op),
                (Some(_), false) => {
                    let next = result.map_err(fail)?;
                    model.people[i].hold = None;
                    let (_, _, expected) = model.expected(&model.people[i]);
                    if next != Some(expected) {
                        return Err(format!("{op:?}: said {next:?}, expected {expected:?}"));
                    }
                }
            }
        }
        Op::FollowUp { who, offset } => {
            let i = model.pick(*who);
            let due = day(today, *offset);
            let contact = model.people[i].id;
            let result = store
                .add_follow_up(me, contact, due, "follow up", now)
                .await;
            if model.people[i].archived {
                return refused_as_archived(result, op);
            }
            let (id, next) = result.map_err(fail)?;
            model.follow_ups.push(FollowUpFact {
                id,
                contact,
                due_on: due,
                done: false,
            });
            let (_, _, expected) = model.expected(&model.people[i]);
            if next != expected {
                return Err(format!("{op:?}: said {next:?}, expected {expected:?}"));
            }
        }
        Op::Complete { pick } => {
            if model.follow_ups.is_empty() {
                let result = store.complete_follow_up(me, FollowUpId(9_999), now).await;
                return match result {
                    Err(StoreError::FollowUpNotFound(_)) => Ok(()),
                    other => Err(format!("completing a missing follow-up gave {other:?}")),
                };
            }
            // Done ones too: completing twice must be harmless.
            let f = pick % model.follow_ups.len();
            let (done, next) = store
                .complete_follow_up(me, model.follow_ups[f].id, now)
                .await
                .map_err(fail)?;
            model.follow_ups[f].done = true;
            if done.contact != model.follow_ups[f].contact || done.done_at.is_none() {
                return Err(format!("{op:?}: completed {done:?}"));
            }
            let p = model.people.iter().find(|p| p.id == done.contact).unwrap();
            let (_, _, expected) = model.expected(p);
            if next != expected {
                return Err(format!("{op:?}: said {next:?}, expected {expected:?}"));
            }
        }
        Op::Default { scope, cadence } => {
            store
                .set_cadence_default(me, *scope, *cadence, now)
                .await
                .map_err(fail)?;
            model.defaults.set(*scope, *cadence);
        }
        Op::Edit {
            who,
            cadence,
            tier,
            add_role,
            end_role,
        } => {
            let i = model.pick(*who);
            let patch = ContactPatch {
                cadence: *cadence,
                tier: *tier,
                add_roles: add_role.iter().copied().collect(),
                end_roles: end_role.iter().copied().collect(),
                ..ContactPatch::default()
            };
            let result = store
                .edit_contact(me, model.people[i].id, patch, now, today)
                .await;
            let p = &mut model.people[i];
            match end_role {
                // Ending a role the contact does not hold refuses the whole edit.
                Some(role) if !p.roles.contains(role) => {
                    return match result {
                        Err(StoreError::Invalid(_)) => Ok(()),
                        other => Err(format!("{op:?}: expected a refusal, got {other:?}")),
                    };
                }
                _ => {
                    result.map_err(fail)?;
                }
            }
            if let Some(c) = cadence {
                p.explicit = *c;
            }
            if let Some(t) = tier {
                p.tier = *t;
            }
            let had = p.roles.clone();
            if let Some(role) = end_role {
                p.roles.retain(|r| r != role);
            }
            if let Some(role) = add_role
                && !had.contains(role)
            {
                p.roles.push(*role);
            }
        }
        Op::Archive { who, archived } => {
            let i = model.pick(*who);
            store
                .set_archived(me, model.people[i].id, *archived, now)
                .await
                .map_err(fail)?;
            model.people[i].archived = *archived;
        }
        Op::Wait { days } => model.today = day(today, *days),
    }
    Ok(())
}

/// The store agrees with the model about everyone, and a recomputation from scratch finds
/// nothing stale.
async fn check(store: &Store, model: &Model, after: &Op) -> Result<(), String> {
    let active = store
        .list_contacts(&ContactFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut active_ids: Vec<ContactId> = active.iter().map(|c| c.id).collect();
    active_ids.sort();
    let mut expected_ids: Vec<ContactId> = model
        .people
        .iter()
        .filter(|p| !p.archived)
        .map(|p| p.id)
        .collect();
    expected_ids.sort();
    if active_ids != expected_ids {
        return Err(format!(
            "after {after:?}: active contacts {active_ids:?}, expected {expected_ids:?}"
        ));
    }
    let everyone = store
        .list_contacts(&ContactFilter {
            include_archived: true,
            ..ContactFilter::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    if everyone.len() != model.people.len() {
        return Err(format!(
            "after {after:?}: {} contacts stored, {} expected",
            everyone.len(),
            model.people.len()
        ));
    }
    for summary in &everyone {
        let p = model.people.iter().find(|p| p.id == summary.id).unwrap();
        let (_, _, next) = model.expected(p);
        if summary.next_touch != next || summary.archived != p.archived {
            return Err(format!(
                "after {after:?}: contact {} is {summary:?}, expected next {next:?} ({p:?})",
                p.id
            ));
        }
    }
    let stale = store.reschedule_all().await.map_err(|e| e.to_string())?;
    if stale != 0 {
        return Err(format!(
            "after {after:?}: reschedule_all fixed {stale} stale schedules"
        ));
    }
    Ok(())
}

/// Everything about each contact's schedule, read back one by one.
async fn check_contacts(store: &Store, model: &Model) -> Result<(), String> {
    for p in &model.people {
        let c = store.contact(p.id).await.map_err(|e| e.to_string())?;
        let (cadence, source, next) = model.expected(p);
        let got = (
            c.effective_cadence,
            &c.cadence_source,
            c.next_touch,
            c.last_touch_on,
            c.hold.as_ref().map(|h| h.until),
            c.archived_at.is_some(),
            c.cadence,
        );
        let want = (
            cadence,
            &source,
            next,
            p.last_touch_on,
            p.hold,
            p.archived,
            p.explicit,
        );
        if got != want {
            return Err(format!(
                "contact {}: stored {got:?}, expected {want:?}",
                p.id
            ));
        }
        let mut roles = c.active_roles();
        roles.sort();
        let mut want_roles = p.roles.clone();
        want_roles.sort();
        if roles != want_roles {
            return Err(format!(
                "contact {}: roles {roles:?}, expected {want_roles:?}",
                p.id
            ));
        }
    }
    Ok(())
}

async fn run_history(harness: &Harness, ops: &[Op]) -> Result<(), String> {
    let opened = harness.fresh().await;
    let store = &opened.store;
    let outcome = async {
        let me = store.local_user().await.map_err(|e| e.to_string())?.id;
        let mut model = Model {
            today: date(2026, 1, 15),
            defaults: store.cadence_defaults().await.map_err(|e| e.to_string())?,
            people: vec![],
            follow_ups: vec![],
        };
        for op in ops {
            apply(store, me, &mut model, op).await?;
            check(store, &model, op).await?;
        }
        check_contacts(store, &model).await
    }
    .await;
    opened.close().await;
    outcome
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn random_histories_keep_every_schedule_consistent() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    let config = ProptestConfig {
        cases: 24,
        // Failures are saved beside this file, as main.proptest-regressions.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in history())| {
        rt.block_on(run_history(&harness, &ops)).map_err(TestCaseError::fail)?;
    });
}

/// Hand-written histories the random ones might take long to find.
#[test]
fn known_histories_keep_every_schedule_consistent() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    let quarterly = Some(Cadence::new(3, CadenceUnit::Months).unwrap());
    let add = |cadence, tier| Op::Add {
        cadence,
        tier,
        stage: None,
        horizon: None,
        roles: vec![Role::Champion],
    };
    let histories = vec![
        // The on-hold story: touch, hold to the day the cycle comes due, touch that day.
        vec![
            add(quarterly, None),
            Op::Touch { who: 0, offset: 0 },
            Op::Hold { who: 0, offset: 90 },
            Op::Wait { days: 90 },
            Op::Touch { who: 0, offset: 0 },
        ],
        // A booked touch, then an earlier one; a follow-up during a hold; defaults changing.
        vec![
            add(None, Some(Tier::A)),
            Op::Touch { who: 0, offset: 20 },
            Op::Touch { who: 0, offset: -5 },
            Op::Hold {
                who: 0,
                offset: 200,
            },
            Op::FollowUp { who: 0, offset: 3 },
            Op::Default {
                scope: DefaultScope::Tier(Tier::A),
                cadence: Some(Cadence::new(1, CadenceUnit::Weeks).unwrap()),
            },
            Op::Complete { pick: 0 },
            Op::Complete { pick: 0 },
            Op::Default {
                scope: DefaultScope::Tier(Tier::A),
                cadence: None,
            },
            Op::Default {
                scope: DefaultScope::Role(Role::Champion),
                cadence: Some(Cadence::new(10, CadenceUnit::Days).unwrap()),
            },
            Op::Unhold { who: 0 },
        ],
        // Archived contacts take no activity but keep their schedule; they come back.
        vec![
            add(None, None),
            add(quarterly, Some(Tier::B)),
            Op::Archive {
                who: 1,
                archived: true,
            },
            Op::Touch { who: 1, offset: 0 },
            Op::Hold { who: 1, offset: 5 },
            Op::FollowUp { who: 1, offset: 5 },
            Op::Default {
                scope: DefaultScope::Fallback,
                cadence: Some(Cadence::new(2, CadenceUnit::Weeks).unwrap()),
            },
            Op::Edit {
                who: 1,
                cadence: Some(None),
                tier: Some(None),
                add_role: Some(Role::Partner),
                end_role: Some(Role::Champion),
            },
            Op::Edit {
                who: 1,
                cadence: None,
                tier: Some(Some(Tier::A)),
                add_role: None,
                end_role: Some(Role::Vendor),
            },
            Op::Archive {
                who: 1,
                archived: false,
            },
            Op::Touch { who: 1, offset: 0 },
        ],
    ];
    for ops in histories {
        if let Err(err) = rt.block_on(run_history(&harness, &ops)) {
            panic!("{err}\nhistory: {ops:#?}");
        }
    }
}

//! Property tests for the scheduling engine over random contact histories.
//!
//! A history is a random sequence of what users do to a contact: log touches (past or booked
//! in the future, in any order), put it on hold, lift the hold, add and complete follow-ups,
//! change its cadence. A small model replays the history the way the store does and asks the
//! engine for the next touch after every step.

#![allow(clippy::unwrap_used)] // strategies build known-valid values

use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use rapport_core::{Cadence, CadenceUnit, NextTouchSource, ScheduleInput, next_touch, renewal};

/// The renewal lead time the model uses (the default).
const LEAD: &str = "90";

#[derive(Debug, Clone)]
enum Event {
    Touch(Date),
    Hold(Date),
    Unhold,
    FollowUp(Date),
    CompleteFollowUp(usize),
    SetCadence(Cadence),
    /// A competitor's contract at the contact's organization renews on this day.
    Renewal(Date),
}

fn day() -> impl Strategy<Value = Date> {
    // 2020-01-01 plus up to ~15 years, so cadences cross month ends, leap days and years.
    (0i64..5_500).prop_map(|offset| date(2020, 1, 1).checked_add(offset.days()).unwrap())
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop_oneof![
        (1u16..=365).prop_map(|n| Cadence::new(n, CadenceUnit::Days).unwrap()),
        (1u16..=52).prop_map(|n| Cadence::new(n, CadenceUnit::Weeks).unwrap()),
        (1u16..=24).prop_map(|n| Cadence::new(n, CadenceUnit::Months).unwrap()),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => day().prop_map(Event::Touch),
        1 => day().prop_map(Event::Hold),
        1 => Just(Event::Unhold),
        1 => day().prop_map(Event::FollowUp),
        1 => any::<usize>().prop_map(Event::CompleteFollowUp),
        1 => cadence().prop_map(Event::SetCadence),
        1 => day().prop_map(Event::Renewal),
    ]
}

/// A contact's facts as the store keeps them.
#[derive(Debug, Clone)]
struct Contact {
    input: ScheduleInput,
    open_follow_ups: Vec<Date>,
    renewals: Vec<Date>,
}

impl Contact {
    fn new(added_on: Date, cadence: Cadence) -> Self {
        Contact {
            input: ScheduleInput {
                cadence,
                added_on,
                last_touch_on: None,
                hold_until: None,
                earliest_follow_up: None,
                renewal_from: None,
            },
            open_follow_ups: vec![],
            renewals: vec![],
        }
    }

    fn apply(&mut self, event: &Event) {
        match *event {
            Event::Touch(on) => {
                self.input.last_touch_on = Some(self.input.last_touch_on.map_or(on, |l| l.max(on)));
            }
            Event::Hold(until) => self.input.hold_until = Some(until),
            Event::Unhold => self.input.hold_until = None,
            Event::FollowUp(due) => self.open_follow_ups.push(due),
            Event::CompleteFollowUp(pick) => {
                if !self.open_follow_ups.is_empty() {
                    let index = pick % self.open_follow_ups.len();
                    self.open_follow_ups.remove(index);
                }
            }
            Event::SetCadence(cadence) => self.input.cadence = cadence,
            Event::Renewal(on) => self.renewals.push(on),
        }
        self.input.earliest_follow_up = self.open_follow_ups.iter().min().copied();
        self.input.renewal_from = renewal::watch_from(
            &self.renewals,
            LEAD.parse().unwrap(),
            self.input.added_on,
            self.input.last_touch_on,
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Invariant 1: after every step of any history the contact has exactly one next touch
    /// date, and it is the one the rules describe.
    #[test]
    fn every_history_keeps_a_next_touch_that_follows_the_rules(
        added_on in day(),
        initial in cadence(),
        events in prop::collection::vec(event(), 0..40),
    ) {
        let mut contact = Contact::new(added_on, initial);
        for event in &events {
            contact.apply(event);
            let input = contact.input;
            let next = next_touch(&input);

            let cycle = input.last_touch_on.map_or(input.added_on, |l| input.cadence.after(l));
            let watched = input.renewal_from.map_or(cycle, |r| r.min(cycle));
            let held = input.hold_until.map_or(watched, |h| h.max(watched));
            let expected = input.earliest_follow_up.map_or(held, |f| f.min(held));
            prop_assert_eq!(next.on, expected);

            let source_is_consistent = match next.source {
                NextTouchSource::FirstTouch => input.last_touch_on.is_none() && next.on == input.added_on,
                NextTouchSource::Cadence => input.last_touch_on.is_some() && next.on == cycle,
                NextTouchSource::Hold => input.hold_until == Some(next.on) && next.on >= watched,
                NextTouchSource::Renewal => input.renewal_from == Some(next.on) && next.on < cycle,
                NextTouchSource::FollowUp => input.earliest_follow_up == Some(next.on),
            };
            prop_assert!(source_is_consistent, "{:?} for {:?}", next, input);
        }
    }

    /// Logging a touch never pulls the due date earlier than a full cycle after that touch
    /// (only an explicit follow-up can), and never earlier than it already was once the
    /// contact has been touched.
    #[test]
    fn logging_a_touch_never_moves_the_due_date_back_past_the_cadence(
        added_on in day(),
        initial in cadence(),
        events in prop::collection::vec(event(), 0..30),
        touch_on in day(),
    ) {
        let mut contact = Contact::new(added_on, initial);
        for event in &events {
            contact.apply(event);
        }
        let before = next_touch(&contact.input);
        let had_touch = contact.input.last_touch_on.is_some();
        contact.apply(&Event::Touch(touch_on));
        let after = next_touch(&contact.input);

        // Only a follow-up or a renewal still ahead of the touch can pull the date in.
        let floor = contact.input.cadence.after(touch_on);
        let floor = contact.input.earliest_follow_up.map_or(floor, |f| f.min(floor));
        let floor = contact.input.renewal_from.map_or(floor, |r| r.min(floor));
        prop_assert!(after.on >= floor, "after {:?} < floor {}", after, floor);
        if had_touch {
            prop_assert!(after.on >= before.on, "moved back from {:?} to {:?}", before, after);
        }
    }

    /// A cycle always moves forward, and calendar months never overshoot into the month after.
    #[test]
    fn cadences_move_forward_by_calendar_units(start in day(), cadence in cadence()) {
        let next = cadence.after(start);
        prop_assert!(next > start);
        if cadence.unit() == CadenceUnit::Months {
            let months = i32::from(start.year()) * 12 + i32::from(start.month())
                + i32::from(cadence.count());
            prop_assert_eq!(i32::from(next.year()) * 12 + i32::from(next.month()), months);
            prop_assert!(next.day() <= start.day());
        } else {
            let days = (next - start).get_days();
            prop_assert_eq!(f64::from(days), cadence.approx_days());
        }
    }
}

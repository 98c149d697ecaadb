//! The scheduling engine: one contact's next touch date, and why.
//!
//! Pure and total: every input has exactly one answer (DESIGN.md invariant 1), so no code path
//! can leave an active contact without a next touch date. The answer does not depend on
//! "today", which is what lets storage keep it as an indexed column for the agenda.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use crate::cadence::Cadence;

/// Everything that decides a contact's next touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleInput {
    pub cadence: Cadence,
    /// The calendar day the contact was added; a contact never touched is due from then.
    pub added_on: Date,
    /// The calendar day of the latest touch, including one booked in the future: a booked
    /// meeting *is* the next touch, and the cycle continues from it.
    pub last_touch_on: Option<Date>,
    /// "Don't contact before this day."
    pub hold_until: Option<Date>,
    /// The earliest open follow-up's due day.
    pub earliest_follow_up: Option<Date>,
    /// The day a competitor's contract renewal at the contact's organization starts to
    /// matter ([`crate::renewal::watch_from`]).
    pub renewal_from: Option<Date>,
}

/// What set the next touch date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextTouchSource {
    /// Never touched: due from the day the contact was added.
    FirstTouch,
    /// Last touch plus the cadence.
    Cadence,
    /// A hold pushed the date out.
    Hold,
    /// An open follow-up pulled the date in.
    FollowUp,
    /// A competitor's contract renewal at the organization pulled the date in.
    Renewal,
}

impl NextTouchSource {
    pub fn as_str(self) -> &'static str {
        match self {
            NextTouchSource::FirstTouch => "first-touch",
            NextTouchSource::Cadence => "cadence",
            NextTouchSource::Hold => "hold",
            NextTouchSource::FollowUp => "follow-up",
            NextTouchSource::Renewal => "renewal",
        }
    }
}

impl fmt::Display for NextTouchSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NextTouchSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            NextTouchSource::FirstTouch,
            NextTouchSource::Cadence,
            NextTouchSource::Hold,
            NextTouchSource::FollowUp,
            NextTouchSource::Renewal,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown next touch source '{s}'"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextTouch {
    pub on: Date,
    pub source: NextTouchSource,
}

/// The rules, in order:
/// 1. the cycle: last touch + cadence, or the day added when never touched;
/// 2. a competitor's renewal lead time starting before that pulls the date in: the account
///    is worth a call ahead of the renewal, whatever the cycle says;
/// 3. a hold ending on or after that day sets the date to the hold's end, so the contact
///    comes back with the hold's reason (a hold is respected, renewal or not);
/// 4. an open follow-up due on or before that pulls the date in, hold or not: a dated task
///    the user set is an explicit promise.
pub fn next_touch(input: &ScheduleInput) -> NextTouch {
    let mut next = match input.last_touch_on {
        None => NextTouch {
            on: input.added_on,
            source: NextTouchSource::FirstTouch,
        },
        Some(last) => NextTouch {
            on: input.cadence.after(last),
            source: NextTouchSource::Cadence,
        },
    };
    if let Some(from) = input.renewal_from.filter(|from| *from < next.on) {
        next = NextTouch {
            on: from,
            source: NextTouchSource::Renewal,
        };
    }
    if let Some(until) = input.hold_until.filter(|until| *until >= next.on) {
        next = NextTouch {
            on: until,
            source: NextTouchSource::Hold,
        };
    }
    if let Some(due) = input.earliest_follow_up.filter(|due| *due <= next.on) {
        next = NextTouch {
            on: due,
            source: NextTouchSource::FollowUp,
        };
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input() -> ScheduleInput {
        ScheduleInput {
            cadence: "30d".parse().unwrap(),
            added_on: date(2026, 1, 10),
            last_touch_on: None,
            hold_until: None,
            earliest_follow_up: None,
            renewal_from: None,
        }
    }

    #[test]
    fn never_touched_is_due_the_day_it_was_added() {
        let next = next_touch(&input());
        assert_eq!(
            next,
            NextTouch {
                on: date(2026, 1, 10),
                source: NextTouchSource::FirstTouch
            }
        );
    }

    #[test]
    fn the_cycle_runs_from_the_last_touch() {
        let next = next_touch(&ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            ..input()
        });
        assert_eq!(
            next,
            NextTouch {
                on: date(2026, 3, 3),
                source: NextTouchSource::Cadence
            }
        );
    }

    #[test]
    fn a_hold_defers_and_a_past_hold_does_nothing() {
        let held = ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            hold_until: Some(date(2026, 5, 1)),
            ..input()
        };
        assert_eq!(
            next_touch(&held),
            NextTouch {
                on: date(2026, 5, 1),
                source: NextTouchSource::Hold
            }
        );
        let expired = ScheduleInput {
            hold_until: Some(date(2026, 2, 15)),
            ..held
        };
        assert_eq!(next_touch(&expired).source, NextTouchSource::Cadence);
    }

    #[test]
    fn a_hold_ending_the_day_the_cycle_comes_due_brings_its_reason() {
        let next = next_touch(&ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            hold_until: Some(date(2026, 3, 3)),
            ..input()
        });
        assert_eq!(
            next,
            NextTouch {
                on: date(2026, 3, 3),
                source: NextTouchSource::Hold
            }
        );
    }

    #[test]
    fn a_follow_up_pulls_the_date_in_even_during_a_hold() {
        let next = next_touch(&ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            hold_until: Some(date(2026, 5, 1)),
            earliest_follow_up: Some(date(2026, 2, 6)),
            ..input()
        });
        assert_eq!(
            next,
            NextTouch {
                on: date(2026, 2, 6),
                source: NextTouchSource::FollowUp
            }
        );
    }

    #[test]
    fn a_later_follow_up_does_not_delay_the_cycle() {
        let next = next_touch(&ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            earliest_follow_up: Some(date(2026, 6, 1)),
            ..input()
        });
        assert_eq!(next.source, NextTouchSource::Cadence);
    }

    #[test]
    fn a_booked_meeting_is_the_next_touch_and_the_cycle_continues_after_it() {
        let next = next_touch(&ScheduleInput {
            last_touch_on: Some(date(2026, 12, 1)),
            ..input()
        });
        assert_eq!(next.on, date(2026, 12, 31));
    }

    #[test]
    fn a_renewal_pulls_the_cycle_in_but_respects_a_hold() {
        // Cycle: 2026-02-01 + 30 days = 2026-03-03; the renewal watch opens on 2026-02-20.
        let watched = ScheduleInput {
            last_touch_on: Some(date(2026, 2, 1)),
            renewal_from: Some(date(2026, 2, 20)),
            ..input()
        };
        assert_eq!(
            next_touch(&watched),
            NextTouch {
                on: date(2026, 2, 20),
                source: NextTouchSource::Renewal
            }
        );
        let later = ScheduleInput {
            renewal_from: Some(date(2026, 4, 1)),
            ..watched
        };
        assert_eq!(next_touch(&later).source, NextTouchSource::Cadence);
        let held = ScheduleInput {
            hold_until: Some(date(2026, 2, 25)),
            ..watched
        };
        assert_eq!(
            next_touch(&held),
            NextTouch {
                on: date(2026, 2, 25),
                source: NextTouchSource::Hold
            }
        );
    }

    #[test]
    fn source_round_trips() {
        for s in ["first-touch", "cadence", "hold", "follow-up", "renewal"] {
            assert_eq!(s.parse::<NextTouchSource>().unwrap().as_str(), s);
        }
    }
}

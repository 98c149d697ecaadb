//! Keeping to the cycle: when each touch was due and when it happened, and how a week of
//! touches adds up. The contact page draws one contact's history from it; the dashboard
//! draws a seller's weeks.
//!
//! A touch is due one cycle after the touch before it; a contact's first touch is due the
//! day they were added. The cycle used is the contact's cadence today: cadences that changed
//! over time, holds and follow-ups are not replayed, so this is a picture of habit, not an
//! audit of every rule that applied then.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::cadence::Cadence;

/// One touch: the day it was due and the day it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Punctuality {
    pub due: Date,
    pub on: Date,
}

impl Punctuality {
    /// The touch on `on`, after the touch on `previous` (none for a first touch).
    pub fn of(on: Date, previous: Option<Date>, added_on: Date, cadence: Cadence) -> Punctuality {
        let due = previous.map_or(added_on, |day| cadence.after(day));
        Punctuality { due, on }
    }

    /// Made on or before its due day.
    pub fn on_time(self) -> bool {
        self.on <= self.due
    }

    /// Days after the due day (negative: early).
    pub fn days_late(self) -> i64 {
        self.on
            .since(self.due)
            .map(|span| i64::from(span.get_days()))
            .unwrap_or(0)
    }
}

/// A contact's touches, oldest first, each with its due day.
pub fn history(added_on: Date, cadence: Cadence, days_oldest_first: &[Date]) -> Vec<Punctuality> {
    let mut previous = None;
    days_oldest_first
        .iter()
        .map(|&on| {
            let timing = Punctuality::of(on, previous, added_on, cadence);
            previous = Some(on);
            timing
        })
        .collect()
}

/// The Monday starting `day`'s week.
pub fn week_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// One week of touches: how many, and how many were on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// The Monday the week starts.
    pub starts: Date,
    pub touches: usize,
    pub on_time: usize,
}

impl Week {
    /// The share of the week's touches made on or before their due day; `None` for a week
    /// without touches (no touches is not 0% on time).
    pub fn adherence(self) -> Option<f64> {
        (self.touches > 0).then(|| self.on_time as f64 / self.touches as f64)
    }
}

/// The `count` weeks ending with `today`'s, oldest first, with the touches that fall in them.
pub fn weeks(today: Date, count: usize, touches: &[Punctuality]) -> Vec<Week> {
    let last = week_of(today);
    let mut weeks: Vec<Week> = (0..count)
        .rev()
        .map(|back| Week {
            starts: last
                .checked_sub((7 * i64::try_from(back).unwrap_or(0)).days())
                .unwrap_or(last),
            touches: 0,
            on_time: 0,
        })
        .collect();
    for touch in touches {
        let starts = week_of(touch.on);
        if let Some(week) = weeks.iter_mut().find(|w| w.starts == starts) {
            week.touches += 1;
            week.on_time += usize::from(touch.on_time());
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn days(n: u16) -> Cadence {
        Cadence::days(n).unwrap()
    }

    #[test]
    fn each_touch_is_due_one_cycle_after_the_one_before() {
        let added = date(2026, 1, 1);
        let timings = history(
            added,
            days(30),
            &[date(2026, 1, 5), date(2026, 2, 1), date(2026, 3, 20)],
        );
        assert_eq!(
            timings,
            vec![
                Punctuality {
                    due: added,
                    on: date(2026, 1, 5)
                },
                Punctuality {
                    due: date(2026, 2, 4),
                    on: date(2026, 2, 1)
                },
                Punctuality {
                    due: date(2026, 3, 3),
                    on: date(2026, 3, 20)
                },
            ]
        );
        assert!(!timings[0].on_time());
        assert!(timings[1].on_time());
        assert_eq!(timings[1].days_late(), -3);
        assert_eq!(timings[2].days_late(), 17);
    }

    #[test]
    fn weeks_start_on_monday_and_count_on_time_touches() {
        // 2026-11-25 is a Wednesday.
        assert_eq!(week_of(date(2026, 11, 25)), date(2026, 11, 23));
        assert_eq!(week_of(date(2026, 11, 23)), date(2026, 11, 23));
        let touches = [
            Punctuality {
                due: date(2026, 11, 24),
                on: date(2026, 11, 24),
            },
            Punctuality {
                due: date(2026, 11, 20),
                on: date(2026, 11, 25),
            },
            Punctuality {
                due: date(2026, 11, 10),
                on: date(2026, 11, 9),
            },
            Punctuality {
                due: date(2026, 1, 1),
                on: date(2026, 1, 1),
            },
        ];
        let weeks = weeks(date(2026, 11, 25), 3, &touches);
        assert_eq!(
            weeks
                .iter()
                .map(|w| (w.starts, w.touches, w.on_time))
                .collect::<Vec<_>>(),
            vec![
                (date(2026, 11, 9), 1, 1),
                (date(2026, 11, 16), 0, 0),
                (date(2026, 11, 23), 2, 1),
            ]
        );
        assert_eq!(weeks[1].adherence(), None);
        assert_eq!(weeks[2].adherence(), Some(0.5));
    }
}

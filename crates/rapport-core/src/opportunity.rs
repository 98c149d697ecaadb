//! Opportunities, secondary to the relationship: when a deal is expected to close, the
//! 30/60/90-day forecast, and the rule that moves a contact on when a deal closes.
//!
//! Closing never takes a contact out of the agenda: a won deal moves it into a retention
//! cycle, a lost one into a nurture cycle (DESIGN.md, "A lost deal").

use jiff::ToSpan;
use jiff::civil::Date;

use crate::cadence::Cadence;
use crate::vocab::{BuyingTimeline, Outcome, Role, Stage};

/// A buying timeline as the prospect states it: a window ("within 60 days") or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeline {
    Within(BuyingTimeline),
    By(Date),
}

/// When a deal is expected to close: a timeline, and the day it was stated (a window counts
/// from then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    pub stated_on: Date,
    pub timeline: Timeline,
}

impl Expectation {
    /// The day the deal is expected to have closed by: the date given, else the end of the
    /// stated window ("within 30 days", said on 1 March, means by 31 March). "Later than 90
    /// days" has no end, so no date: it stays in the last bucket until someone asks again.
    pub fn close_by(self) -> Option<Date> {
        match self.timeline {
            Timeline::By(day) => Some(day),
            Timeline::Within(window) => {
                window_days(window).and_then(|days| self.stated_on.checked_add(days.days()).ok())
            }
        }
    }
}

fn window_days(timeline: BuyingTimeline) -> Option<i32> {
    match timeline {
        BuyingTimeline::Within30 => Some(30),
        BuyingTimeline::Within60 => Some(60),
        BuyingTimeline::Within90 => Some(90),
        BuyingTimeline::Later => None,
    }
}

/// One column of the 30/60/90 forecast, counted from today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Expected within 30 days — or already past its expected date and still open, which is
    /// the hottest of all.
    Days30,
    Days60,
    Days90,
    Later,
}

impl Bucket {
    pub const ALL: [Bucket; 4] = [
        Bucket::Days30,
        Bucket::Days60,
        Bucket::Days90,
        Bucket::Later,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Days30 => "30",
            Bucket::Days60 => "60",
            Bucket::Days90 => "90",
            Bucket::Later => "later",
        }
    }

    /// "≤30 days", "31–60 days", "61–90 days", "later".
    pub fn label(self) -> &'static str {
        match self {
            Bucket::Days30 => "≤30 days",
            Bucket::Days60 => "31–60 days",
            Bucket::Days90 => "61–90 days",
            Bucket::Later => "later",
        }
    }

    /// The bucket of a deal expected to close by `close_by`, seen from `today`.
    pub fn of(today: Date, close_by: Option<Date>) -> Bucket {
        match close_by.map(|day| (day - today).get_days()) {
            Some(days) if days <= 30 => Bucket::Days30,
            Some(days) if days <= 60 => Bucket::Days60,
            Some(days) if days <= 90 => Bucket::Days90,
            _ => Bucket::Later,
        }
    }
}

/// One bucket's open deals: how many and what they are worth together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketTotal {
    pub bucket: Bucket,
    pub count: u64,
    /// Whole units of the team's currency.
    pub value: i64,
}

/// The 30/60/90-day forecast of open deals from `today`: every bucket, in order, even the
/// empty ones. Closed deals do not count. `deals` are (expectation, value, outcome).
pub fn forecast(
    today: Date,
    deals: impl IntoIterator<Item = (Expectation, i64, Outcome)>,
) -> [BucketTotal; 4] {
    let mut totals = Bucket::ALL.map(|bucket| BucketTotal {
        bucket,
        count: 0,
        value: 0,
    });
    for (expected, value, outcome) in deals {
        if outcome != Outcome::Open {
            continue;
        }
        let bucket = Bucket::of(today, expected.close_by());
        let total = &mut totals[bucket as usize];
        total.count += 1;
        total.value = total.value.saturating_add(value);
    }
    totals
}

/// Where a contact goes when one of their deals closes one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseMove {
    pub stage: Stage,
    /// A role the contact takes on (if not already held), e.g. customer after a win.
    pub role: Option<Role>,
    /// The contact's calling cycle from then on: retention after a win, nurture after a loss.
    pub cadence: Cadence,
}

impl CloseMove {
    /// "stage customer, role customer, every 1 month".
    pub fn describe(&self) -> String {
        let role = self.role.map(|r| format!(", role {r}")).unwrap_or_default();
        format!("stage {}{role}, {}", self.stage, self.cadence.describe())
    }
}

/// The team's rule for closing deals: won → retention, lost → nurture. Configurable; the
/// defaults are in the migration that creates the settings (`0007_relationships`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseRules {
    pub won: CloseMove,
    pub lost: CloseMove,
}

impl CloseRules {
    /// The move for a closing outcome; an open outcome is not a close.
    pub fn on_close(&self, outcome: Outcome) -> Option<&CloseMove> {
        match outcome {
            Outcome::Won => Some(&self.won),
            Outcome::Lost => Some(&self.lost),
            Outcome::Open => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cadence::CadenceUnit;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 25);

    fn window(stated_on: Date, window: BuyingTimeline) -> Expectation {
        Expectation {
            stated_on,
            timeline: Timeline::Within(window),
        }
    }

    fn by(day: Date) -> Expectation {
        Expectation {
            stated_on: TODAY,
            timeline: Timeline::By(day),
        }
    }

    #[test]
    fn a_window_closes_by_its_last_day_and_later_has_no_date() {
        assert_eq!(
            window(date(2027, 3, 1), BuyingTimeline::Within30).close_by(),
            Some(date(2027, 3, 31))
        );
        assert_eq!(
            window(date(2026, 11, 25), BuyingTimeline::Within90).close_by(),
            Some(date(2027, 2, 23))
        );
        assert_eq!(window(TODAY, BuyingTimeline::Later).close_by(), None);
        assert_eq!(by(date(2027, 1, 4)).close_by(), Some(date(2027, 1, 4)));
    }

    #[test]
    fn buckets_count_from_today_and_past_due_is_hottest() {
        assert_eq!(Bucket::of(TODAY, Some(date(2026, 11, 1))), Bucket::Days30);
        assert_eq!(Bucket::of(TODAY, Some(date(2026, 12, 25))), Bucket::Days30); // 30 days
        assert_eq!(Bucket::of(TODAY, Some(date(2026, 12, 26))), Bucket::Days60); // 31 days
        assert_eq!(Bucket::of(TODAY, Some(date(2027, 1, 24))), Bucket::Days60); // 60 days
        assert_eq!(Bucket::of(TODAY, Some(date(2027, 2, 23))), Bucket::Days90); // 90 days
        assert_eq!(Bucket::of(TODAY, Some(date(2027, 2, 24))), Bucket::Later); // 91 days
        assert_eq!(Bucket::of(TODAY, None), Bucket::Later);
    }

    #[test]
    fn the_forecast_sums_open_deals_per_bucket() {
        let deals = [
            // Said "within 30 days" 20 days ago: by 2026-12-05, 10 days out.
            (
                window(date(2026, 11, 5), BuyingTimeline::Within30),
                10_000,
                Outcome::Open,
            ),
            // A date 45 days out.
            (by(date(2027, 1, 9)), 25_000, Outcome::Open),
            // "Within 90 days" said today: 90 days out.
            (
                window(TODAY, BuyingTimeline::Within90),
                40_000,
                Outcome::Open,
            ),
            // "Within 60" said today, 60 days out, but already won: not forecast.
            (
                window(TODAY, BuyingTimeline::Within60),
                99_000,
                Outcome::Won,
            ),
            (window(TODAY, BuyingTimeline::Later), 5_000, Outcome::Open),
            (by(date(2027, 1, 1)), 7_000, Outcome::Open),
        ];
        let totals = forecast(TODAY, deals);
        let got: Vec<(Bucket, u64, i64)> = totals
            .iter()
            .map(|t| (t.bucket, t.count, t.value))
            .collect();
        assert_eq!(
            got,
            [
                (Bucket::Days30, 1, 10_000),
                (Bucket::Days60, 2, 32_000),
                (Bucket::Days90, 1, 40_000),
                (Bucket::Later, 1, 5_000),
            ]
        );
    }

    #[test]
    fn closing_moves_by_the_rule_and_open_is_no_close() {
        let rules = CloseRules {
            won: CloseMove {
                stage: Stage::Customer,
                role: Some(Role::Customer),
                cadence: Cadence::new(1, CadenceUnit::Months).unwrap(),
            },
            lost: CloseMove {
                stage: Stage::Engaged,
                role: None,
                cadence: Cadence::new(3, CadenceUnit::Months).unwrap(),
            },
        };
        assert_eq!(rules.on_close(Outcome::Won), Some(&rules.won));
        assert_eq!(rules.on_close(Outcome::Lost), Some(&rules.lost));
        assert_eq!(rules.on_close(Outcome::Open), None);
        assert_eq!(
            rules.won.describe(),
            format!(
                "stage customer, role customer, {}",
                rules.won.cadence.describe()
            )
        );
    }
}

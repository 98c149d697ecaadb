//! Relationship health, explainable: a score out of 100 whose every part says where its
//! points came from ("overdue by 40% of cycle; 2 of last 10 touches inbound; one contact at
//! Acme"), and the fortress's at-risk reasons for valuable relationships.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::cadence::Cadence;
use crate::vocab::{Direction, Tier};

/// How many of the latest touches reciprocity weighs.
pub const RECENT_TOUCHES: usize = 10;
/// The frequency trend compares the touches of the last this-many days with the same span
/// before; only touches from the last twice this span matter to health at all.
pub const TREND_DAYS: i64 = 180;

const RECENCY_POINTS: f64 = 50.0;
const TREND_POINTS: f64 = 25.0;
const RECIPROCITY_POINTS: f64 = 25.0;

/// One logged touch, as health sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TouchFact {
    pub on: Date,
    pub direction: Direction,
}

/// A contact's facts for health, on `today`.
#[derive(Debug, Clone, Copy)]
pub struct HealthInput<'a> {
    pub today: Date,
    pub cadence: Cadence,
    pub added_on: Date,
    /// The latest touch, which may be a meeting booked ahead.
    pub last_touch_on: Option<Date>,
    /// Touches of the last `2 × TREND_DAYS` days, in any order; later ones are ignored.
    pub touches: &'a [TouchFact],
}

/// One part of a score: its points out of its maximum, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: &'static str,
    pub points: u32,
    pub max: u32,
    pub reason: String,
}

/// A health score and its parts; the score is the sum of the parts' points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub score: u32,
    pub parts: Vec<Part>,
    /// Fewer touches lately than in the span before.
    pub falling: bool,
}

impl Health {
    fn of(parts: Vec<Part>, falling: bool) -> Health {
        Health {
            score: parts.iter().map(|p| p.points).sum(),
            parts,
            falling,
        }
    }

    /// The parts' reasons in one line: "overdue by 40% of cycle; …".
    pub fn explain(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn points(max: f64, share: f64) -> u32 {
    // Bounded to 0..=max, so the cast cannot overflow or go negative.
    (max * share.clamp(0.0, 1.0)).round() as u32
}

/// "1 touch", "4 touches".
fn touches(n: usize) -> String {
    if n == 1 {
        "1 touch".to_owned()
    } else {
        format!("{n} touches")
    }
}

/// A contact's health: recency against their own cycle (50 points), the frequency trend
/// (25) and reciprocity (25).
pub fn contact_health(input: &HealthInput<'_>) -> Health {
    let mut past: Vec<TouchFact> = input
        .touches
        .iter()
        .copied()
        .filter(|t| t.on <= input.today)
        .collect();
    past.sort_by_key(|t| std::cmp::Reverse(t.on));
    let (trend, falling) = trend(input.today, &past);
    Health::of(vec![recency(input), trend, reciprocity(&past)], falling)
}

/// Full points within the cycle; overdue by a whole cycle or more, none.
fn recency(input: &HealthInput<'_>) -> Part {
    let cycle = input.cadence.approx_days();
    let (points, reason) = match input.last_touch_on {
        None => (
            0,
            format!(
                "never touched (added {} days ago)",
                (input.today - input.added_on).get_days()
            ),
        ),
        Some(last) => {
            let since = f64::from((input.today - last).get_days());
            let overdue_share = since / cycle - 1.0;
            if overdue_share <= 0.0 {
                (
                    points(RECENCY_POINTS, 1.0),
                    format!("within cycle ({})", input.cadence.describe()),
                )
            } else {
                (
                    points(RECENCY_POINTS, 1.0 - overdue_share),
                    format!(
                        "overdue by {:.0}% of cycle",
                        (overdue_share * 100.0).round()
                    ),
                )
            }
        }
    };
    Part {
        name: "recency",
        points,
        max: RECENCY_POINTS as u32,
        reason,
    }
}

/// The touches of the last `TREND_DAYS` against the `TREND_DAYS` before: as many or more
/// earns full points, fewer earns the ratio.
fn trend(today: Date, past: &[TouchFact]) -> (Part, bool) {
    let recent_from = today.checked_sub(TREND_DAYS.days()).unwrap_or(Date::MIN);
    let earlier_from = today
        .checked_sub((2 * TREND_DAYS).days())
        .unwrap_or(Date::MIN);
    let recent = past.iter().filter(|t| t.on > recent_from).count();
    let earlier = past
        .iter()
        .filter(|t| t.on <= recent_from && t.on > earlier_from)
        .count();
    let counts = format!(
        "{} in the last {TREND_DAYS} days, {earlier} in the {TREND_DAYS} before",
        touches(recent)
    );
    let (share, falling, reason) = if recent == 0 && earlier == 0 {
        (
            0.0,
            false,
            format!("no touches in the last {} days", 2 * TREND_DAYS),
        )
    } else if recent >= earlier {
        (1.0, false, format!("steady or rising: {counts}"))
    } else {
        (
            recent as f64 / earlier as f64,
            true,
            format!("falling: {counts}"),
        )
    };
    let part = Part {
        name: "frequency",
        points: points(TREND_POINTS, share),
        max: TREND_POINTS as u32,
        reason,
    };
    (part, falling)
}

/// Of the latest touches, how many came from them: half inbound or more is full points.
fn reciprocity(past: &[TouchFact]) -> Part {
    let latest = &past[..past.len().min(RECENT_TOUCHES)];
    let inbound = latest
        .iter()
        .filter(|t| t.direction == Direction::Inbound)
        .count();
    let (share, reason) = if latest.is_empty() {
        (0.0, "no touches to weigh reciprocity".to_owned())
    } else {
        (
            2.0 * inbound as f64 / latest.len() as f64,
            format!("{inbound} of last {} touches inbound", latest.len()),
        )
    };
    Part {
        name: "reciprocity",
        points: points(RECIPROCITY_POINTS, share),
        max: RECIPROCITY_POINTS as u32,
        reason,
    }
}

/// How much an organization's health keeps with this many people known there: one person is
/// a single thread that breaks when they leave.
fn breadth_factor(people: usize) -> f64 {
    match people {
        0 => 0.0,
        1 => 0.5,
        2 => 0.8,
        _ => 1.0,
    }
}

/// An organization's health: its people's average health, scaled by breadth (how many
/// people we know there). Parts: the average (out of 100) and the breadth factor.
pub fn organization_health(name: &str, people: &[Health]) -> Health {
    let count = people.len();
    let average = if count == 0 {
        0.0
    } else {
        people.iter().map(|h| f64::from(h.score)).sum::<f64>() / count as f64
    };
    let factor = breadth_factor(count);
    let score = points(100.0, average * factor / 100.0);
    let falling = people.iter().filter(|h| h.falling).count() * 2 > count;
    let breadth = match count {
        0 => format!("nobody known at {name}"),
        1 => format!("one contact at {name}"),
        n => format!("{n} contacts at {name}"),
    };
    let parts = vec![
        Part {
            name: "people",
            points: points(100.0, average / 100.0),
            max: 100,
            reason: format!("average contact health {average:.0} of 100"),
        },
        Part {
            name: "breadth",
            points: score,
            max: 100,
            reason: format!("{breadth} (health × {factor})"),
        },
    ];
    Health {
        score,
        parts,
        falling,
    }
}

/// Why a valuable relationship is at risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Risk {
    /// Past its next touch date.
    Overdue { since: Date, days: i32 },
    /// Fewer touches lately than before.
    Falling,
    /// The only person we know at the account.
    SingleThreaded { organization: String },
}

impl std::fmt::Display for Risk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Risk::Overdue { since, days } => write!(f, "overdue since {since} ({days} days)"),
            Risk::Falling => f.write_str("health falling: fewer touches lately"),
            Risk::SingleThreaded { organization } => {
                write!(f, "single-threaded: the only contact at {organization}")
            }
        }
    }
}

/// A valuable relationship's facts for the fortress.
#[derive(Debug, Clone, Copy)]
pub struct FortressFacts<'a> {
    /// The contact's tier, else their organization's.
    pub tier: Option<Tier>,
    pub next_touch_on: Date,
    pub health: &'a Health,
    /// The organization's name and how many active contacts we know there.
    pub organization: Option<(&'a str, usize)>,
}

/// Tiers the fortress watches: the most valuable.
pub fn is_fortress(tier: Option<Tier>) -> bool {
    matches!(tier, Some(Tier::A | Tier::B))
}

/// Why a relationship is at risk on `today`: nothing unless its tier is A or B; then each of
/// overdue, falling health and single-threaded that holds.
pub fn risks(today: Date, facts: &FortressFacts<'_>) -> Vec<Risk> {
    if !is_fortress(facts.tier) {
        return vec![];
    }
    let mut found = vec![];
    if facts.next_touch_on < today {
        found.push(Risk::Overdue {
            since: facts.next_touch_on,
            days: (today - facts.next_touch_on).get_days(),
        });
    }
    if facts.health.falling {
        found.push(Risk::Falling);
    }
    if let Some((organization, 1)) = facts.organization {
        found.push(Risk::SingleThreaded {
            organization: organization.to_owned(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 25);

    fn touch(on: Date, direction: Direction) -> TouchFact {
        TouchFact { on, direction }
    }

    fn days_ago(n: i64) -> Date {
        TODAY.checked_sub(n.days()).unwrap()
    }

    #[test]
    fn every_part_shows_its_points_and_why() {
        // Ten touches: the latest 42 days ago on a 30-day cycle, two of them inbound; 4 in
        // the last 180 days, 6 in the 180 before.
        let mut touches = vec![
            touch(days_ago(42), Direction::Inbound),
            touch(days_ago(80), Direction::Outbound),
            touch(days_ago(120), Direction::Inbound),
            touch(days_ago(179), Direction::Outbound),
        ];
        touches.extend((0..6).map(|i| touch(days_ago(200 + i * 20), Direction::Outbound)));
        let health = contact_health(&HealthInput {
            today: TODAY,
            cadence: "30d".parse().unwrap(),
            added_on: date(2025, 1, 1),
            last_touch_on: Some(days_ago(42)),
            touches: &touches,
        });
        // Recency: 42/30 − 1 = 40% overdue → 50 × 0.6 = 30.
        // Frequency: 4 of 6 → 25 × 4/6 = 16.67 → 17.
        // Reciprocity: 2 of 10 inbound → 25 × 2 × 2/10 = 10.
        let got: Vec<(&str, u32)> = health.parts.iter().map(|p| (p.name, p.points)).collect();
        assert_eq!(
            got,
            [("recency", 30), ("frequency", 17), ("reciprocity", 10)]
        );
        assert_eq!(health.score, 57);
        assert!(health.falling);
        assert_eq!(
            health.explain(),
            "overdue by 40% of cycle; falling: 4 touches in the last 180 days, 6 in the 180 \
             before; 2 of last 10 touches inbound"
        );
    }

    #[test]
    fn a_healthy_contact_scores_full_marks_and_a_stranger_none() {
        let touches = [
            touch(days_ago(3), Direction::Inbound),
            touch(days_ago(40), Direction::Outbound),
        ];
        let healthy = contact_health(&HealthInput {
            today: TODAY,
            cadence: "30d".parse().unwrap(),
            added_on: date(2025, 1, 1),
            last_touch_on: Some(days_ago(3)),
            touches: &touches,
        });
        assert_eq!(healthy.score, 100);
        assert_eq!(
            healthy.explain(),
            "within cycle (every 30 days); steady or rising: 2 touches in the last 180 days, \
             0 in the 180 before; 1 of last 2 touches inbound"
        );
        let stranger = contact_health(&HealthInput {
            today: TODAY,
            cadence: "30d".parse().unwrap(),
            added_on: days_ago(10),
            last_touch_on: None,
            touches: &[],
        });
        assert_eq!(stranger.score, 0);
        assert!(
            stranger
                .explain()
                .starts_with("never touched (added 10 days ago)")
        );
    }

    #[test]
    fn organization_health_is_the_average_scaled_by_breadth() {
        let with = |score| Health {
            score,
            parts: vec![],
            falling: false,
        };
        let one = organization_health("Acme", &[with(80)]);
        // 80 × 0.5 = 40.
        assert_eq!(one.score, 40);
        assert_eq!(
            one.explain(),
            "average contact health 80 of 100; one contact at Acme (health × 0.5)"
        );
        // (80 + 60) / 2 = 70, × 0.8 = 56.
        assert_eq!(organization_health("Acme", &[with(80), with(60)]).score, 56);
        assert_eq!(
            organization_health("Acme", &[with(80), with(60), with(100)]).score,
            80
        );
    }

    #[test]
    fn only_valuable_relationships_are_at_risk_and_each_reason_is_named() {
        let falling = Health {
            score: 40,
            parts: vec![],
            falling: true,
        };
        let facts = FortressFacts {
            tier: Some(Tier::A),
            next_touch_on: date(2026, 11, 10),
            health: &falling,
            organization: Some(("Acme", 1)),
        };
        let found = risks(TODAY, &facts);
        let said: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "overdue since 2026-11-10 (15 days)",
                "health falling: fewer touches lately",
                "single-threaded: the only contact at Acme"
            ]
        );
        assert!(
            risks(
                TODAY,
                &FortressFacts {
                    tier: Some(Tier::C),
                    ..facts
                }
            )
            .is_empty()
        );
        let fine = Health {
            falling: false,
            ..falling.clone()
        };
        assert!(
            risks(
                TODAY,
                &FortressFacts {
                    next_touch_on: TODAY,
                    health: &fine,
                    organization: Some(("Acme", 2)),
                    ..facts
                }
            )
            .is_empty()
        );
    }
}

//! The agenda: which contacts to touch, in what order, and why.

use std::cmp::Ordering;

use jiff::civil::Date;

use crate::cadence::{Cadence, CadenceSource};
use crate::model::{Contact, FollowUp};
use crate::schedule::{NextTouch, NextTouchSource};
use crate::vocab::Tier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Overdue,
    Today,
    Upcoming,
}

impl Section {
    pub fn of(today: Date, due: Date) -> Section {
        match due.cmp(&today) {
            Ordering::Less => Section::Overdue,
            Ordering::Equal => Section::Today,
            Ordering::Greater => Section::Upcoming,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Overdue => "overdue",
            Section::Today => "today",
            Section::Upcoming => "upcoming",
        }
    }
}

/// What ranks a contact on the agenda: when it is due, its cycle and its tier. Deliberately
/// small, so storage can rank a whole book on these few columns and load the context of only
/// the entries shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priority {
    pub next: NextTouch,
    pub cadence: Cadence,
    pub tier: Option<Tier>,
}

/// What the agenda knows about one contact: enough to rank it and say why it is there.
#[derive(Debug, Clone, Copy)]
pub struct AgendaFacts<'a> {
    pub next: NextTouch,
    pub cadence: Cadence,
    pub cadence_source: &'a CadenceSource,
    pub tier: Option<Tier>,
    pub added_on: Date,
    pub last_touch_on: Option<Date>,
    pub hold: Option<(Date, &'a str)>,
    /// The earliest open follow-up: due day and text.
    pub follow_up: Option<(Date, &'a str)>,
    /// The competitor renewal that brought the contact back, when that is the source.
    pub renewal: Option<RenewalContext<'a>>,
}

/// The incumbent whose contract renewal put an account's contact on the agenda.
#[derive(Debug, Clone, Copy)]
pub struct RenewalContext<'a> {
    pub competitor: &'a str,
    pub renews_on: Date,
    /// What the account is unhappy about, one per line.
    pub dissatisfactions: &'a [String],
}

impl<'a> AgendaFacts<'a> {
    /// A contact's facts as its profile shows them, with its earliest open follow-up. The
    /// profile names no competitor (the agenda entry does), so `renewal` is left out.
    pub fn of_contact(contact: &'a Contact, open_follow_up: Option<&'a FollowUp>) -> Self {
        AgendaFacts {
            next: contact.next_touch,
            cadence: contact.effective_cadence,
            cadence_source: &contact.cadence_source,
            tier: contact.tier,
            added_on: contact.added_on,
            last_touch_on: contact.last_touch_on,
            hold: contact.hold.as_ref().map(|h| (h.until, h.reason.as_str())),
            follow_up: open_follow_up.map(|f| (f.due_on, f.text.as_str())),
            renewal: None,
        }
    }
}

impl AgendaFacts<'_> {
    pub fn priority(&self) -> Priority {
        Priority {
            next: self.next,
            cadence: self.cadence,
            tier: self.tier,
        }
    }
}

/// How urgent a contact is, for ordering within a section. Explainable on purpose: the share
/// of its own cycle it is overdue by (30 days late is a lot on a weekly cycle and little on a
/// yearly one), plus a bonus for valuable tiers, plus a bonus for a promise made (a follow-up),
/// a competitor's renewal ahead (a window that closes) or a project coming off hold.
pub fn urgency(today: Date, p: &Priority) -> f64 {
    let late_days = (today - p.next.on).get_days().max(0);
    let overdue_share = f64::from(late_days) / p.cadence.approx_days();
    let tier_bonus = p.tier.map_or(0.0, Tier::urgency_bonus);
    let source_bonus = match p.next.source {
        NextTouchSource::FollowUp | NextTouchSource::Renewal => 0.5,
        NextTouchSource::Hold => 0.25,
        NextTouchSource::FirstTouch | NextTouchSource::Cadence => 0.0,
    };
    overdue_share + tier_bonus + source_bonus
}

/// Orders agenda entries: overdue first, then due today, then upcoming; the first two by
/// urgency (most urgent first), upcoming by date and then urgency.
pub fn compare(today: Date, a: &Priority, b: &Priority) -> Ordering {
    let (sa, sb) = (Section::of(today, a.next.on), Section::of(today, b.next.on));
    sa.cmp(&sb).then_with(|| {
        let by_urgency = urgency(today, b).total_cmp(&urgency(today, a));
        if sa == Section::Upcoming {
            a.next.on.cmp(&b.next.on).then(by_urgency)
        } else {
            by_urgency
        }
    })
}

/// One line saying why the contact is on the agenda, e.g. "every 3 months (the default),
/// last touch 97 days ago" or "hold ended 2027-03-01: project on hold until the budget".
pub fn explain(today: Date, facts: &AgendaFacts<'_>) -> String {
    match facts.next.source {
        NextTouchSource::FirstTouch => {
            format!(
                "new contact, no touch logged yet (added {})",
                days_phrase(today, facts.added_on)
            )
        }
        NextTouchSource::Cadence => {
            let last = facts.last_touch_on.map_or_else(
                || "no touch logged".to_owned(),
                |on| format!("last touch {}", days_phrase(today, on)),
            );
            format!(
                "{} ({}), {last}",
                cycle_name(facts.cadence),
                facts.cadence_source
            )
        }
        NextTouchSource::Hold => match facts.hold {
            Some((until, reason)) => hold_phrase(today, until, reason),
            None => "hold ended".to_owned(),
        },
        NextTouchSource::FollowUp => match facts.follow_up {
            Some((due, text)) => format!("follow-up due {}: {text}", days_phrase(today, due)),
            None => "follow-up due".to_owned(),
        },
        NextTouchSource::Renewal => match facts.renewal {
            Some(renewal) => renewal_phrase(today, &renewal),
            None => "ahead of a competitor's contract renewal".to_owned(),
        },
    }
}

/// "Globex's contract renews 2027-05-01 (in 90 days); unhappy with: slow support; price".
fn renewal_phrase(today: Date, renewal: &RenewalContext<'_>) -> String {
    let mut phrase = format!(
        "{}'s contract renews {} ({})",
        renewal.competitor,
        renewal.renews_on,
        days_phrase(today, renewal.renews_on)
    );
    if !renewal.dissatisfactions.is_empty() {
        phrase.push_str("; unhappy with: ");
        phrase.push_str(&renewal.dissatisfactions.join("; "));
    }
    phrase
}

fn hold_phrase(today: Date, until: Date, reason: &str) -> String {
    if until <= today {
        format!("hold ended {until}: {reason}")
    } else {
        format!("on hold until {until}: {reason}")
    }
}

/// "quarterly cycle", "monthly cycle", or "every 45 days".
pub fn cycle_name(cadence: Cadence) -> String {
    use crate::cadence::CadenceUnit::{Days, Months, Weeks};
    match (cadence.count(), cadence.unit()) {
        (1, Weeks) | (7, Days) => "weekly cycle".into(),
        (1, Months) => "monthly cycle".into(),
        (3, Months) => "quarterly cycle".into(),
        (6, Months) => "half-yearly cycle".into(),
        (12, Months) => "yearly cycle".into(),
        _ => format!("cycle {}", cadence.describe()),
    }
}

/// "today", "yesterday", "97 days ago", "in 3 days" — relative to `today`.
pub fn days_phrase(today: Date, on: Date) -> String {
    let days = (today - on).get_days();
    match days {
        0 => "today".into(),
        1 => "yesterday".into(),
        -1 => "tomorrow".into(),
        d if d > 1 => format!("{d} days ago"),
        d => format!("in {} days", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 25);

    fn facts<'a>(due: Date, cadence: &str, source: &'a CadenceSource) -> AgendaFacts<'a> {
        AgendaFacts {
            next: NextTouch {
                on: due,
                source: NextTouchSource::Cadence,
            },
            cadence: cadence.parse().unwrap(),
            cadence_source: source,
            tier: None,
            added_on: date(2025, 1, 1),
            last_touch_on: Some(date(2026, 8, 20)),
            hold: None,
            follow_up: None,
            renewal: None,
        }
    }

    #[test]
    fn urgency_is_the_share_of_the_cycle_overdue_plus_bonuses() {
        let src = CadenceSource::Default;
        let weekly = facts(date(2026, 11, 18), "7d", &src);
        assert!((urgency(TODAY, &weekly.priority()) - 1.0).abs() < 1e-9);
        let tier_a = AgendaFacts {
            tier: Some(Tier::A),
            ..weekly
        };
        assert!((urgency(TODAY, &tier_a.priority()) - 2.0).abs() < 1e-9);
        let upcoming = facts(date(2026, 12, 1), "7d", &src);
        assert_eq!(urgency(TODAY, &upcoming.priority()), 0.0);
    }

    #[test]
    fn a_week_late_on_a_weekly_cycle_beats_a_week_late_on_a_quarterly_one() {
        let src = CadenceSource::Default;
        let weekly = facts(date(2026, 11, 18), "1w", &src);
        let quarterly = facts(date(2026, 11, 18), "3m", &src);
        assert_eq!(
            compare(TODAY, &weekly.priority(), &quarterly.priority()),
            Ordering::Less
        );
    }

    #[test]
    fn sections_come_in_order_and_upcoming_sorts_by_date() {
        let src = CadenceSource::Default;
        let overdue = facts(date(2026, 11, 24), "3m", &src);
        let today = facts(TODAY, "1w", &src);
        let soon = facts(date(2026, 11, 26), "3m", &src);
        let later = AgendaFacts {
            tier: Some(Tier::A),
            ..facts(date(2026, 11, 30), "1w", &src)
        };
        let mut all = [later, today, soon, overdue];
        all.sort_by(|a, b| compare(TODAY, &a.priority(), &b.priority()));
        let dues: Vec<Date> = all.iter().map(|f| f.next.on).collect();
        assert_eq!(
            dues,
            [
                date(2026, 11, 24),
                TODAY,
                date(2026, 11, 26),
                date(2026, 11, 30)
            ]
        );
    }

    #[test]
    fn explains_each_source() {
        let src = CadenceSource::Tier(Tier::A);
        let cadence = facts(date(2026, 11, 20), "3m", &src);
        assert_eq!(
            explain(TODAY, &cadence),
            "quarterly cycle (from tier A), last touch 97 days ago"
        );
        let hold = AgendaFacts {
            next: NextTouch {
                on: TODAY,
                source: NextTouchSource::Hold,
            },
            hold: Some((TODAY, "project restarting in the new fiscal year")),
            ..cadence
        };
        assert_eq!(
            explain(TODAY, &hold),
            "hold ended 2026-11-25: project restarting in the new fiscal year"
        );
        let follow = AgendaFacts {
            next: NextTouch {
                on: date(2026, 11, 27),
                source: NextTouchSource::FollowUp,
            },
            follow_up: Some((date(2026, 11, 27), "send proposal")),
            ..cadence
        };
        assert_eq!(
            explain(TODAY, &follow),
            "follow-up due in 2 days: send proposal"
        );
        let new = AgendaFacts {
            next: NextTouch {
                on: TODAY,
                source: NextTouchSource::FirstTouch,
            },
            added_on: TODAY,
            last_touch_on: None,
            ..cadence
        };
        assert_eq!(
            explain(TODAY, &new),
            "new contact, no touch logged yet (added today)"
        );
        let unhappy = ["slow support".to_owned(), "price rises".to_owned()];
        let renewal = AgendaFacts {
            next: NextTouch {
                on: TODAY,
                source: NextTouchSource::Renewal,
            },
            renewal: Some(RenewalContext {
                competitor: "Globex",
                renews_on: date(2027, 2, 23),
                dissatisfactions: &unhappy,
            }),
            ..cadence
        };
        assert_eq!(
            explain(TODAY, &renewal),
            "Globex's contract renews 2027-02-23 (in 90 days); unhappy with: slow support; price rises"
        );
        assert!((urgency(TODAY, &renewal.priority()) - 0.5).abs() < 1e-9);
    }
}

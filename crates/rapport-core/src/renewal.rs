//! Competitors' contract renewals: when an account is worth a call ahead of one.
//!
//! A seasoned prospect unhappy with their incumbent is ready to talk in the months before the
//! contract renews (DESIGN.md, "A seasoned prospect … shows up on the agenda ahead of the
//! renewal"). The team sets how far ahead (the lead time, 90 days by default).

use jiff::ToSpan;
use jiff::civil::Date;

/// How many days before a renewal its account comes back on the agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalLead(u16);

/// A lead time outside 1..=730 days.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a renewal lead time is 1 to 730 days, not '{0}'")]
pub struct BadRenewalLead(pub String);

impl RenewalLead {
    pub const MAX_DAYS: u16 = 730;

    pub fn days(self) -> u16 {
        self.0
    }
}

impl std::str::FromStr for RenewalLead {
    type Err = BadRenewalLead;

    /// "90", "90d".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().trim_end_matches(['d', 'D']);
        match digits.parse::<u16>() {
            Ok(days) if (1..=Self::MAX_DAYS).contains(&days) => Ok(RenewalLead(days)),
            _ => Err(BadRenewalLead(s.to_owned())),
        }
    }
}

impl std::fmt::Display for RenewalLead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The first day the lead time before `renews_on` is open.
pub fn watch_start(renews_on: Date, lead: RenewalLead) -> Date {
    renews_on
        .checked_sub(i64::from(lead.days()).days())
        .unwrap_or(Date::MIN)
}

/// The day a contact should be reached because of a renewal at their organization, if any:
/// the earliest lead-time start of a renewal they have not been touched about yet — no touch
/// on or after that start. A touch in the lead time answers it; renewals before the contact
/// was added are history, not a reason to call, and nobody is due before the day they were
/// added. Does not depend on "today", like the rest of the schedule.
pub fn watch_from(
    renewals: &[Date],
    lead: RenewalLead,
    added_on: Date,
    last_touch_on: Option<Date>,
) -> Option<Date> {
    renewals
        .iter()
        .filter(|renews_on| **renews_on >= added_on)
        .map(|renews_on| watch_start(*renews_on, lead).max(added_on))
        .filter(|start| last_touch_on.is_none_or(|touched| touched < *start))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn lead(days: &str) -> RenewalLead {
        days.parse().unwrap()
    }

    #[test]
    fn the_lead_time_parses_days_within_bounds() {
        assert_eq!(lead("90").days(), 90);
        assert_eq!(lead("45d").days(), 45);
        assert!("0".parse::<RenewalLead>().is_err());
        assert!("731".parse::<RenewalLead>().is_err());
        assert!("soon".parse::<RenewalLead>().is_err());
    }

    #[test]
    fn the_watch_opens_the_lead_time_before_the_renewal() {
        // 2027-05-01 minus 90 days: April 30, March 31, February 28 (2027 is not a leap
        // year) and January 31 make 1 + 30 + 31 + 28 = 90 days back: 2027-01-31.
        assert_eq!(watch_start(date(2027, 5, 1), lead("90")), date(2027, 1, 31));
        let added = date(2026, 6, 1);
        assert_eq!(
            watch_from(
                &[date(2027, 5, 1)],
                lead("90"),
                added,
                Some(date(2026, 11, 25))
            ),
            Some(date(2027, 1, 31))
        );
    }

    #[test]
    fn a_touch_in_the_lead_time_answers_it_and_the_next_renewal_counts() {
        let renewals = [date(2027, 5, 1), date(2028, 5, 1)];
        let added = date(2026, 6, 1);
        assert_eq!(
            watch_from(&renewals, lead("90"), added, Some(date(2027, 2, 10))),
            // 2028-05-01 minus 90 days (2028 is a leap year): 2028-02-01.
            Some(date(2028, 2, 1))
        );
        assert_eq!(
            watch_from(&renewals, lead("90"), added, Some(date(2028, 2, 1))),
            None
        );
    }

    #[test]
    fn renewals_before_the_contact_was_added_are_history() {
        assert_eq!(
            watch_from(&[date(2026, 5, 1)], lead("90"), date(2026, 6, 1), None),
            None
        );
        // Never touched, a renewal ahead: watched from its lead-time start…
        assert_eq!(
            watch_from(&[date(2026, 9, 1)], lead("30"), date(2026, 6, 1), None),
            Some(date(2026, 8, 2))
        );
        // …but never from before the day the contact was added.
        assert_eq!(
            watch_from(&[date(2026, 7, 1)], lead("90"), date(2026, 6, 1), None),
            Some(date(2026, 6, 1))
        );
    }
}

//! Reading dates and times the way a person types them, relative to the user's own clock.
//!
//! "Today" is always the user's calendar day in their time zone (DESIGN.md invariant 4): the
//! caller supplies `now` (fixed by `--now` in tests and demos) and the time zone.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;

use crate::cadence::Cadence;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error(
        "invalid date '{0}': expected YYYY-MM-DD, today, tomorrow, a weekday, or an offset like 2w or 3m"
    )]
    Date(String),
    #[error(
        "invalid time '{0}': expected now, YYYY-MM-DDTHH:MM, an RFC 3339 timestamp, or a day (YYYY-MM-DD, today, yesterday, a weekday, or an offset like 3d)"
    )]
    Time(String),
    #[error("time '{0}' does not exist in time zone {1}")]
    OutOfRange(String, String),
}

/// The user's calendar day at `now`.
pub fn today(now: Timestamp, tz: &TimeZone) -> Date {
    now.to_zoned_datetime(tz.clone()).date()
}

/// A calendar day: `2027-03-01`, `today`, `tomorrow`, `yesterday`, a weekday (`friday`, `fri`:
/// the next one after today), or an offset from today such as `3m` or `+2w` ("on hold for
/// three months").
pub fn parse_date(text: &str, today: Date) -> Result<Date, WhenError> {
    let s = text.trim();
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "today" => return Ok(today),
        "tomorrow" => return Ok(today.tomorrow().unwrap_or(today)),
        "yesterday" => return Ok(today.yesterday().unwrap_or(today)),
        _ => {}
    }
    if let Some(weekday) = weekday(&lower) {
        return today
            .nth_weekday(1, weekday)
            .map_err(|_| WhenError::Date(text.to_owned()));
    }
    if let Ok(date) = s.parse::<Date>() {
        return Ok(date);
    }
    let offset = s
        .strip_prefix('+')
        .or_else(|| s.strip_prefix("in "))
        .unwrap_or(s);
    offset
        .parse::<Cadence>()
        .map(|cadence| cadence.after(today))
        .map_err(|_| WhenError::Date(text.to_owned()))
}

fn weekday(name: &str) -> Option<Weekday> {
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    NAMES
        .iter()
        .find(|(full, _)| name == *full || (name.len() >= 3 && full.starts_with(name)))
        .map(|(_, day)| *day)
}

/// An instant: `now`, an RFC 3339 timestamp, a local `YYYY-MM-DDTHH:MM[:SS]` in the user's
/// zone, or a day (as [`parse_date`]). A bare day means "now" when it is today and local noon
/// otherwise, so the touch lands on that calendar day whatever the zone's offset.
pub fn parse_instant(text: &str, now: Timestamp, tz: &TimeZone) -> Result<Timestamp, WhenError> {
    let s = text.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let out_of_range = |_| WhenError::OutOfRange(text.to_owned(), tz_name(tz));
    if let Ok(local) = s.parse::<DateTime>()
        && s.contains(['T', 't', ' '])
    {
        return local
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(out_of_range);
    }
    let today = today(now, tz);
    let day = parse_date(s, today).map_err(|_| WhenError::Time(text.to_owned()))?;
    if day == today {
        return Ok(now);
    }
    day.at(12, 0, 0, 0)
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .map_err(out_of_range)
}

/// The zone's IANA name where it has one ("Europe/Paris"), else its offset form.
pub fn tz_name(tz: &TimeZone) -> String {
    tz.iana_name()
        .map_or_else(|| format!("{tz:?}"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    #[test]
    fn today_is_the_users_calendar_day() {
        let now: Timestamp = "2026-11-25T23:30:00Z".parse().unwrap();
        assert_eq!(today(now, &TimeZone::UTC), date(2026, 11, 25));
        assert_eq!(today(now, &paris()), date(2026, 11, 26));
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let early: Timestamp = "2026-11-25T16:00:00Z".parse().unwrap();
        assert_eq!(today(early, &tokyo), date(2026, 11, 26));
    }

    #[test]
    fn dates_absolute_named_and_relative() {
        let t = date(2026, 11, 25);
        assert_eq!(parse_date("2027-03-01", t), Ok(date(2027, 3, 1)));
        assert_eq!(parse_date("Tomorrow", t), Ok(date(2026, 11, 26)));
        assert_eq!(parse_date("3m", t), Ok(date(2027, 2, 25)));
        assert_eq!(parse_date("+2w", t), Ok(date(2026, 12, 9)));
        assert_eq!(parse_date("in 10 days", t), Ok(date(2026, 12, 5)));
        // 2026-11-25 is a Wednesday: "friday" is two days on, "wed" a week on.
        assert_eq!(parse_date("Friday", t), Ok(date(2026, 11, 27)));
        assert_eq!(parse_date("wed", t), Ok(date(2026, 12, 2)));
        assert!(matches!(
            parse_date("2026-02-30", t),
            Err(WhenError::Date(_))
        ));
        assert!(matches!(parse_date("soon", t), Err(WhenError::Date(_))));
    }

    #[test]
    fn instants_in_the_users_zone() {
        let now: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let tz = paris();
        assert_eq!(parse_instant("now", now, &tz), Ok(now));
        assert_eq!(parse_instant("today", now, &tz), Ok(now));
        assert_eq!(
            parse_instant("2026-11-20T09:30", now, &tz)
                .unwrap()
                .to_string(),
            "2026-11-20T08:30:00Z"
        );
        assert_eq!(
            parse_instant("2026-11-20", now, &tz).unwrap().to_string(),
            "2026-11-20T11:00:00Z"
        );
        assert_eq!(
            parse_instant("2026-11-20T09:30:00-05:00", now, &tz)
                .unwrap()
                .to_string(),
            "2026-11-20T14:30:00Z"
        );
        assert!(matches!(
            parse_instant("last week", now, &tz),
            Err(WhenError::Time(_))
        ));
    }
}

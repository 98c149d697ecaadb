//! Calling cycles: how often a contact should be touched, and where that rule comes from.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::vocab::{Horizon, Role, Stage, Tier};

/// The unit of a cadence. Months are calendar months (31 Jan + 1 month = 28/29 Feb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CadenceUnit {
    Days,
    Weeks,
    Months,
}

/// "Every N days/weeks/months". Never zero, never absurdly long: parse, don't validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cadence {
    count: u16,
    unit: CadenceUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("invalid cadence '{0}': expected a number and a unit, like 30d, 6w or 3m")]
    Malformed(String),
    #[error("invalid cadence '{0}': a cadence must be at least one day")]
    Zero(String),
    #[error("invalid cadence '{0}': the longest cadence is 5 years")]
    TooLong(String),
}

impl Cadence {
    const MAX_DAYS: u32 = 5 * 366;

    pub fn new(count: u16, unit: CadenceUnit) -> Result<Self, CadenceError> {
        let cadence = Cadence { count, unit };
        if count == 0 {
            return Err(CadenceError::Zero(cadence.to_string()));
        }
        if cadence.approx_days() > f64::from(Self::MAX_DAYS) {
            return Err(CadenceError::TooLong(cadence.to_string()));
        }
        Ok(cadence)
    }

    pub fn days(count: u16) -> Result<Self, CadenceError> {
        Self::new(count, CadenceUnit::Days)
    }

    pub fn count(self) -> u16 {
        self.count
    }

    pub fn unit(self) -> CadenceUnit {
        self.unit
    }

    /// The date one cycle after `date`. Saturates at the last representable date rather than
    /// failing, so a next touch date always exists.
    pub fn after(self, date: Date) -> Date {
        let n = i64::from(self.count);
        let span = match self.unit {
            CadenceUnit::Days => n.days(),
            CadenceUnit::Weeks => n.weeks(),
            CadenceUnit::Months => n.months(),
        };
        date.checked_add(span).unwrap_or(Date::MAX)
    }

    /// Average length in days, for comparing cadences and measuring how overdue a contact is
    /// relative to its own cycle.
    pub fn approx_days(self) -> f64 {
        let n = f64::from(self.count);
        match self.unit {
            CadenceUnit::Days => n,
            CadenceUnit::Weeks => n * 7.0,
            CadenceUnit::Months => n * 30.436_875,
        }
    }

    /// Human wording: "every 30 days", "every 3 months".
    pub fn describe(self) -> String {
        let unit = match (self.unit, self.count) {
            (CadenceUnit::Days, 1) => "day",
            (CadenceUnit::Days, _) => "days",
            (CadenceUnit::Weeks, 1) => "week",
            (CadenceUnit::Weeks, _) => "weeks",
            (CadenceUnit::Months, 1) => "month",
            (CadenceUnit::Months, _) => "months",
        };
        if self.count == 1 {
            format!("every {unit}")
        } else {
            format!("every {} {unit}", self.count)
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            CadenceUnit::Days => 'd',
            CadenceUnit::Weeks => 'w',
            CadenceUnit::Months => 'm',
        };
        write!(f, "{}{unit}", self.count)
    }
}

impl FromStr for Cadence {
    type Err = CadenceError;

    /// Accepts `30d`, `6w`, `3m`, `1y` and spelled-out forms such as `30 days` or `2 weeks`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim().to_ascii_lowercase();
        let malformed = || CadenceError::Malformed(s.to_owned());
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(malformed)?;
        let (digits, unit) = text.split_at(split);
        let count: u32 = digits.parse().map_err(|_| malformed())?;
        let (count, unit) = match unit.trim() {
            "d" | "day" | "days" => (count, CadenceUnit::Days),
            "w" | "wk" | "week" | "weeks" => (count, CadenceUnit::Weeks),
            "m" | "mo" | "month" | "months" => (count, CadenceUnit::Months),
            "y" | "year" | "years" => (count.saturating_mul(12), CadenceUnit::Months),
            _ => return Err(malformed()),
        };
        let count = u16::try_from(count).map_err(|_| CadenceError::TooLong(s.trim().to_owned()))?;
        Cadence::new(count, unit).map_err(|err| match err {
            CadenceError::Zero(_) => CadenceError::Zero(s.trim().to_owned()),
            CadenceError::TooLong(_) => CadenceError::TooLong(s.trim().to_owned()),
            other => other,
        })
    }
}

/// Where a contact's effective cadence comes from, so the UI can say "every 30 days, from tier A".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CadenceSource {
    /// Set on the contact itself.
    Contact,
    Tier(Tier),
    Stage(Stage),
    Role(Role),
    Horizon(Horizon),
    /// The workspace-wide fallback: every contact has a cadence.
    Default,
}

impl CadenceSource {
    /// Stable storage form: `contact`, `tier:A`, `stage:engaged`, `role:champion`,
    /// `horizon:season`, `default`.
    pub fn code(&self) -> String {
        match self {
            CadenceSource::Contact => "contact".into(),
            CadenceSource::Tier(t) => format!("tier:{t}"),
            CadenceSource::Stage(s) => format!("stage:{s}"),
            CadenceSource::Role(r) => format!("role:{r}"),
            CadenceSource::Horizon(h) => format!("horizon:{h}"),
            CadenceSource::Default => "default".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let source = match code.split_once(':') {
            None if code == "contact" => CadenceSource::Contact,
            None if code == "default" => CadenceSource::Default,
            Some(("tier", t)) => CadenceSource::Tier(t.parse().ok()?),
            Some(("stage", s)) => CadenceSource::Stage(s.parse().ok()?),
            Some(("role", r)) => CadenceSource::Role(r.parse().ok()?),
            Some(("horizon", h)) => CadenceSource::Horizon(h.parse().ok()?),
            _ => return None,
        };
        Some(source)
    }
}

impl fmt::Display for CadenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CadenceSource::Contact => f.write_str("set on the contact"),
            CadenceSource::Tier(t) => write!(f, "from tier {t}"),
            CadenceSource::Stage(s) => write!(f, "from stage {s}"),
            CadenceSource::Role(r) => write!(f, "from role {r}"),
            CadenceSource::Horizon(h) => write!(f, "from horizon {h}"),
            CadenceSource::Default => f.write_str("the default"),
        }
    }
}

/// Where a default cadence applies: the fallback, or one tier, stage, role or horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultScope {
    Fallback,
    Tier(Tier),
    Stage(Stage),
    Role(Role),
    Horizon(Horizon),
}

impl DefaultScope {
    /// Storage form: (scope, key), e.g. ("tier", "A") or ("fallback", "").
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            DefaultScope::Fallback => ("fallback", ""),
            DefaultScope::Tier(t) => ("tier", t.as_str()),
            DefaultScope::Stage(s) => ("stage", s.as_str()),
            DefaultScope::Role(r) => ("role", r.as_str()),
            DefaultScope::Horizon(h) => ("horizon", h.as_str()),
        }
    }

    pub fn from_parts(scope: &str, key: &str) -> Option<Self> {
        Some(match scope {
            "fallback" => DefaultScope::Fallback,
            "tier" => DefaultScope::Tier(key.parse().ok()?),
            "stage" => DefaultScope::Stage(key.parse().ok()?),
            "role" => DefaultScope::Role(key.parse().ok()?),
            "horizon" => DefaultScope::Horizon(key.parse().ok()?),
            _ => return None,
        })
    }
}

impl fmt::Display for DefaultScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            (scope, "") => f.write_str(scope),
            (scope, key) => write!(f, "{scope} {key}"),
        }
    }
}

/// The facts about a contact that decide which default cadence applies.
#[derive(Debug, Clone, Default)]
pub struct CadenceProfile<'a> {
    pub explicit: Option<Cadence>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub active_roles: &'a [Role],
    pub horizon: Option<Horizon>,
}

/// Default cadences by tier, lifecycle stage, role and horizon, with one fallback.
///
/// Precedence (documented in ARCHITECTURE.md): a cadence set on the contact, then tier, then
/// lifecycle stage, then role (the tightest among the contact's active roles), then horizon,
/// then the fallback. The most specific business rule wins: a tier is a deliberate decision
/// about an account's value, a stage describes the relationship, roles and horizon are broad.
#[derive(Debug, Clone, PartialEq)]
pub struct CadenceDefaults {
    pub fallback: Cadence,
    pub tier: BTreeMap<Tier, Cadence>,
    pub stage: BTreeMap<Stage, Cadence>,
    pub role: BTreeMap<Role, Cadence>,
    pub horizon: BTreeMap<Horizon, Cadence>,
}

impl CadenceDefaults {
    /// The built-in fallback: a quarter, so a "no immediate need" contact still shows up every
    /// quarter.
    pub fn with_fallback(fallback: Cadence) -> Self {
        CadenceDefaults {
            fallback,
            tier: BTreeMap::new(),
            stage: BTreeMap::new(),
            role: BTreeMap::new(),
            horizon: BTreeMap::new(),
        }
    }

    /// Sets (or, with `None`, removes) one default. The fallback cannot be removed: every
    /// contact must have a cadence; `None` for it is ignored.
    pub fn set(&mut self, scope: DefaultScope, cadence: Option<Cadence>) {
        fn put<K: Ord>(map: &mut BTreeMap<K, Cadence>, key: K, cadence: Option<Cadence>) {
            match cadence {
                Some(c) => map.insert(key, c),
                None => map.remove(&key),
            };
        }
        match scope {
            DefaultScope::Fallback => {
                if let Some(c) = cadence {
                    self.fallback = c;
                }
            }
            DefaultScope::Tier(t) => put(&mut self.tier, t, cadence),
            DefaultScope::Stage(s) => put(&mut self.stage, s, cadence),
            DefaultScope::Role(r) => put(&mut self.role, r, cadence),
            DefaultScope::Horizon(h) => put(&mut self.horizon, h, cadence),
        }
    }

    /// Every default, fallback first.
    pub fn entries(&self) -> Vec<(DefaultScope, Cadence)> {
        let mut all = vec![(DefaultScope::Fallback, self.fallback)];
        all.extend(self.tier.iter().map(|(k, c)| (DefaultScope::Tier(*k), *c)));
        all.extend(
            self.stage
                .iter()
                .map(|(k, c)| (DefaultScope::Stage(*k), *c)),
        );
        all.extend(self.role.iter().map(|(k, c)| (DefaultScope::Role(*k), *c)));
        all.extend(
            self.horizon
                .iter()
                .map(|(k, c)| (DefaultScope::Horizon(*k), *c)),
        );
        all
    }

    pub fn resolve(&self, profile: &CadenceProfile<'_>) -> (Cadence, CadenceSource) {
        if let Some(cadence) = profile.explicit {
            return (cadence, CadenceSource::Contact);
        }
        if let Some(found) = profile
            .tier
            .and_then(|t| self.tier.get(&t).map(|c| (*c, t)))
        {
            return (found.0, CadenceSource::Tier(found.1));
        }
        if let Some(found) = profile
            .stage
            .and_then(|s| self.stage.get(&s).map(|c| (*c, s)))
        {
            return (found.0, CadenceSource::Stage(found.1));
        }
        let tightest_role = profile
            .active_roles
            .iter()
            .filter_map(|r| self.role.get(r).map(|c| (*c, *r)))
            .min_by(|a, b| a.0.approx_days().total_cmp(&b.0.approx_days()));
        if let Some((cadence, role)) = tightest_role {
            return (cadence, CadenceSource::Role(role));
        }
        if let Some(found) = profile
            .horizon
            .and_then(|h| self.horizon.get(&h).map(|c| (*c, h)))
        {
            return (found.0, CadenceSource::Horizon(found.1));
        }
        (self.fallback, CadenceSource::Default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn c(s: &str) -> Cadence {
        s.parse().unwrap()
    }

    #[test]
    fn parses_short_and_spelled_forms() {
        assert_eq!(c("30d"), Cadence::days(30).unwrap());
        assert_eq!(c("6w").to_string(), "6w");
        assert_eq!(c("3 months").to_string(), "3m");
        assert_eq!(c("1y").to_string(), "12m");
        assert_eq!(c("3m").describe(), "every 3 months");
        assert_eq!(c("1w").describe(), "every week");
    }

    #[test]
    fn rejects_zero_garbage_and_absurd_lengths() {
        assert!(matches!(
            "0d".parse::<Cadence>(),
            Err(CadenceError::Zero(_))
        ));
        assert!(matches!(
            "d30".parse::<Cadence>(),
            Err(CadenceError::Malformed(_))
        ));
        assert!(matches!(
            "30x".parse::<Cadence>(),
            Err(CadenceError::Malformed(_))
        ));
        assert!(matches!(
            "".parse::<Cadence>(),
            Err(CadenceError::Malformed(_))
        ));
        assert!(matches!(
            "99999999d".parse::<Cadence>(),
            Err(CadenceError::TooLong(_))
        ));
        assert!(matches!(
            "10y".parse::<Cadence>(),
            Err(CadenceError::TooLong(_))
        ));
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(c("1m").after(date(2027, 1, 31)), date(2027, 2, 28));
        assert_eq!(c("1m").after(date(2028, 1, 31)), date(2028, 2, 29));
        assert_eq!(c("3m").after(date(2026, 11, 30)), date(2027, 2, 28));
        assert_eq!(c("2w").after(date(2026, 12, 25)), date(2027, 1, 8));
    }

    #[test]
    fn after_saturates_instead_of_failing() {
        assert_eq!(c("1m").after(Date::MAX), Date::MAX);
    }

    #[test]
    fn precedence_is_contact_tier_stage_role_horizon_default() {
        let mut defaults = CadenceDefaults::with_fallback(c("3m"));
        defaults.tier.insert(Tier::A, c("14d"));
        defaults.stage.insert(Stage::Engaged, c("30d"));
        defaults.role.insert(Role::Champion, c("3w"));
        defaults.role.insert(Role::Partner, c("2w"));
        defaults.horizon.insert(Horizon::Lifetime, c("6m"));
        let roles = [Role::Champion, Role::Partner];
        let mut profile = CadenceProfile {
            explicit: Some(c("10d")),
            tier: Some(Tier::A),
            stage: Some(Stage::Engaged),
            active_roles: &roles,
            horizon: Some(Horizon::Lifetime),
        };
        assert_eq!(
            defaults.resolve(&profile),
            (c("10d"), CadenceSource::Contact)
        );
        profile.explicit = None;
        assert_eq!(
            defaults.resolve(&profile),
            (c("14d"), CadenceSource::Tier(Tier::A))
        );
        profile.tier = Some(Tier::B);
        assert_eq!(
            defaults.resolve(&profile),
            (c("30d"), CadenceSource::Stage(Stage::Engaged))
        );
        profile.stage = None;
        assert_eq!(
            defaults.resolve(&profile),
            (c("2w"), CadenceSource::Role(Role::Partner))
        );
        profile.active_roles = &[];
        assert_eq!(
            defaults.resolve(&profile),
            (c("6m"), CadenceSource::Horizon(Horizon::Lifetime))
        );
        profile.horizon = None;
        assert_eq!(
            defaults.resolve(&profile),
            (c("3m"), CadenceSource::Default)
        );
    }

    #[test]
    fn source_codes_round_trip() {
        for source in [
            CadenceSource::Contact,
            CadenceSource::Tier(Tier::B),
            CadenceSource::Stage(Stage::Customer),
            CadenceSource::Role(Role::Referrer),
            CadenceSource::Horizon(Horizon::Season),
            CadenceSource::Default,
        ] {
            assert_eq!(CadenceSource::from_code(&source.code()), Some(source));
        }
        assert_eq!(CadenceSource::from_code("tier:Z"), None);
    }
}

//! Suggestions from history, each with its reason, shown beside what was set by hand and
//! never applied on their own: the prospect kind (a seasoned prospect has bought this kind of
//! thing before — from an incumbent competitor, or from us) and the tier a relationship's
//! value earns (won plus open opportunity value, against the team's thresholds).

use jiff::civil::Date;

use crate::vocab::{ProspectKind, Tier};

/// A suggested value and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested<T> {
    pub value: T,
    pub reason: String,
}

/// What says whether a prospect has bought before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurchaseHistory {
    /// Their organization's incumbent competitors, by name.
    pub incumbents: Vec<String>,
    /// Won opportunities with them or their organization.
    pub won_deals: u32,
    /// Spans they held the customer role and no longer do.
    pub past_customer: Vec<(Date, Date)>,
}

/// Seasoned when anything shows a past purchase; new otherwise. The reason lists every piece
/// of evidence ("buys from Globex today; 1 won deal").
pub fn prospect_kind(history: &PurchaseHistory) -> Suggested<ProspectKind> {
    let mut evidence = Vec::new();
    if !history.incumbents.is_empty() {
        evidence.push(format!(
            "buys from {} today",
            history.incumbents.join(" and ")
        ));
    }
    match history.won_deals {
        0 => {}
        1 => evidence.push("1 won deal".to_owned()),
        n => evidence.push(format!("{n} won deals")),
    }
    for (since, until) in &history.past_customer {
        evidence.push(format!("a customer {since} – {until}"));
    }
    if evidence.is_empty() {
        Suggested {
            value: ProspectKind::New,
            reason: "no incumbent competitor, no won deal, never a customer".to_owned(),
        }
    } else {
        Suggested {
            value: ProspectKind::Seasoned,
            reason: evidence.join("; "),
        }
    }
}

/// The value a tier takes: A from `a` up, B from `b`, C from `c`, D below (whole units of the
/// team's currency). Written `100000,25000,5000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierValues {
    a: i64,
    b: i64,
    c: i64,
}

/// Thresholds that are not three non-negative numbers, highest first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "tier values are the least value for A, B and C, highest first, such as 100000,25000,5000; \
     not '{0}'"
)]
pub struct BadTierValues(pub String);

impl TierValues {
    pub fn new(a: i64, b: i64, c: i64) -> Result<TierValues, BadTierValues> {
        if c >= 0 && b >= c && a >= b {
            Ok(TierValues { a, b, c })
        } else {
            Err(BadTierValues(format!("{a},{b},{c}")))
        }
    }

    /// The least value of `tier`; D has none.
    pub fn least(self, tier: Tier) -> Option<i64> {
        match tier {
            Tier::A => Some(self.a),
            Tier::B => Some(self.b),
            Tier::C => Some(self.c),
            Tier::D => None,
        }
    }
}

impl std::str::FromStr for TierValues {
    type Err = BadTierValues;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let numbers: Vec<i64> = s
            .split(',')
            .map(|n| n.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| BadTierValues(s.to_owned()))?;
        match numbers[..] {
            [a, b, c] => TierValues::new(a, b, c).map_err(|_| BadTierValues(s.to_owned())),
            _ => Err(BadTierValues(s.to_owned())),
        }
    }
}

impl std::fmt::Display for TierValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.a, self.b, self.c)
    }
}

/// What a relationship is worth: its won and open opportunities, at an organization or with
/// one contact (`at` names which).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipValue {
    pub at: String,
    pub won: i64,
    pub open: i64,
}

/// The tier the value earns, and the sum behind it ("won 52000 + open 40000 at Orbit Labs =
/// 92000: tier B from 25000").
pub fn tier(value: &RelationshipValue, values: TierValues) -> Suggested<Tier> {
    let total = value.won.saturating_add(value.open);
    let tier = [Tier::A, Tier::B, Tier::C]
        .into_iter()
        .find(|t| values.least(*t).is_some_and(|least| total >= least))
        .unwrap_or(Tier::D);
    let sum = format!(
        "won {} + open {} at {} = {total}",
        value.won, value.open, value.at
    );
    let rule = match values.least(tier) {
        Some(least) => format!("tier {tier} from {least}"),
        None => format!("under {} for tier C", values.c),
    };
    Suggested {
        value: tier,
        reason: format!("{sum}: {rule}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_prospect_with_nothing_behind_them_is_new() {
        let suggested = prospect_kind(&PurchaseHistory::default());
        assert_eq!(suggested.value, ProspectKind::New);
        assert_eq!(
            suggested.reason,
            "no incumbent competitor, no won deal, never a customer"
        );
    }

    #[test]
    fn an_incumbent_won_deals_or_a_past_customer_role_make_a_prospect_seasoned() {
        let incumbent = PurchaseHistory {
            incumbents: vec!["Globex".into()],
            ..PurchaseHistory::default()
        };
        assert_eq!(
            prospect_kind(&incumbent),
            Suggested {
                value: ProspectKind::Seasoned,
                reason: "buys from Globex today".into()
            }
        );
        let everything = PurchaseHistory {
            incumbents: vec!["Globex".into(), "Initech".into()],
            won_deals: 2,
            past_customer: vec![(date(2024, 1, 1), date(2025, 6, 1))],
        };
        assert_eq!(
            prospect_kind(&everything).reason,
            "buys from Globex and Initech today; 2 won deals; a customer 2024-01-01 – 2025-06-01"
        );
        let one_deal = PurchaseHistory {
            won_deals: 1,
            ..PurchaseHistory::default()
        };
        assert_eq!(prospect_kind(&one_deal).reason, "1 won deal");
    }

    #[test]
    fn tier_values_are_three_thresholds_highest_first() {
        let values: TierValues = "100000, 25000,5000".parse().unwrap();
        assert_eq!(values.to_string(), "100000,25000,5000");
        assert_eq!(values.least(Tier::B), Some(25000));
        assert_eq!(values.least(Tier::D), None);
        for bad in [
            "",
            "1,2",
            "5000,25000,100000",
            "a,b,c",
            "10,5,-1",
            "1,2,3,4",
        ] {
            assert!(bad.parse::<TierValues>().is_err(), "{bad}");
        }
        // Equal thresholds are allowed: a team may not use a tier.
        assert!("1000,1000,0".parse::<TierValues>().is_ok());
    }

    #[test]
    fn the_tier_a_value_earns_is_the_highest_whose_threshold_it_reaches() {
        let values = TierValues::new(100_000, 25_000, 5_000).unwrap();
        let at = |won, open| RelationshipValue {
            at: "Orbit Labs".into(),
            won,
            open,
        };
        // 52000 + 40000 = 92000: under A's 100000, at least B's 25000.
        assert_eq!(
            tier(&at(52_000, 40_000), values),
            Suggested {
                value: Tier::B,
                reason: "won 52000 + open 40000 at Orbit Labs = 92000: tier B from 25000".into()
            }
        );
        // Exactly a threshold reaches it.
        assert_eq!(tier(&at(100_000, 0), values).value, Tier::A);
        assert_eq!(tier(&at(0, 5_000), values).value, Tier::C);
        let nothing = tier(&at(0, 4_999), values);
        assert_eq!(nothing.value, Tier::D);
        assert_eq!(
            nothing.reason,
            "won 0 + open 4999 at Orbit Labs = 4999: under 5000 for tier C"
        );
    }
}

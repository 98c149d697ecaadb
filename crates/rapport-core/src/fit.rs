//! The ideal client profile: weighted criteria describing the clients we serve best, and how
//! well an organization or a contact fits them — a score out of 100 whose every criterion
//! says what it earned and why ("industry is Software: +3 of 3", "no region recorded: 0 of 1").
//!
//! A contact is judged on its organization's facts (industry, size, region, custom fields)
//! and its own tags and custom fields; its own value of a custom field wins over its
//! organization's. Organizations carry no tags, so a tag criterion says so and counts for
//! nothing in an organization's score rather than lowering every one of them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::model::Organization;

/// The heaviest a criterion may weigh.
pub const MAX_WEIGHT: u8 = 10;
/// The longest custom field key and value (in characters).
pub const MAX_KEY_CHARS: usize = 40;
pub const MAX_VALUE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error(
        "unknown criterion field '{0}' (expected one of: industry, size, region, tag, field:KEY)"
    )]
    UnknownField(String),
    #[error("a weight is a whole number from 1 to {MAX_WEIGHT}, got '{0}'")]
    Weight(String),
    #[error("size is MIN..MAX, MIN.. or ..MAX with whole numbers of employees, got '{0}'")]
    SizeRange(String),
    #[error("size range {min}..{max} is empty: the minimum is above the maximum")]
    MinAboveMax { min: u64, max: u64 },
    #[error("a {0} criterion needs at least one value")]
    NoValues(&'static str),
    #[error("a custom field key is 1 to {MAX_KEY_CHARS} letters, digits, '-' or '_', got '{0}'")]
    Key(String),
    #[error("a custom field value is one line of 1 to {MAX_VALUE_CHARS} characters")]
    Value,
    #[error("an employee count is a whole number of at least 0, got '{0}'")]
    Size(String),
}

/// A criterion's weight: 1 to [`MAX_WEIGHT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Weight(u8);

impl Weight {
    pub fn new(value: i64) -> Result<Weight, FitError> {
        u8::try_from(value)
            .ok()
            .filter(|w| (1..=MAX_WEIGHT).contains(w))
            .map(Weight)
            .ok_or_else(|| FitError::Weight(value.to_string()))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl FromStr for Weight {
    type Err = FitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| FitError::Weight(s.to_owned()))
            .and_then(Weight::new)
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A custom field's key: lowercase letters, digits, `-` and `_`, so `Segment` and `segment`
/// are one field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldKey(String);

impl FieldKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for FieldKey {
    type Err = FitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_lowercase();
        let fine = !key.is_empty()
            && key.chars().count() <= MAX_KEY_CHARS
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if fine {
            Ok(FieldKey(key))
        } else {
            Err(FitError::Key(s.to_owned()))
        }
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Custom fields to set (key and value) and to remove, as an edit asks for them.
pub type FieldChanges = (Vec<(FieldKey, String)>, Vec<FieldKey>);

/// A custom field's value, trimmed: one line, not empty.
pub fn field_value(text: &str) -> Result<String, FitError> {
    let value = text.trim();
    if value.is_empty() || value.chars().count() > MAX_VALUE_CHARS || value.contains(['\n', '\r']) {
        return Err(FitError::Value);
    }
    Ok(value.to_owned())
}

/// An organization's head count: a whole number, at least 0.
pub fn employee_count(text: &str) -> Result<u64, FitError> {
    text.trim()
        .replace([',', '_'], "")
        .parse::<u64>()
        .map_err(|_| FitError::Size(text.to_owned()))
}

/// What a criterion asks of the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// The industry is one of these (ignoring case).
    Industry(Vec<String>),
    /// The head count lies in this range, both ends included; an open end is unbounded.
    Size { min: Option<u64>, max: Option<u64> },
    /// The region is one of these (ignoring case).
    Region(Vec<String>),
    /// The contact carries this tag (ignoring case).
    Tag(String),
    /// The custom field `key` holds one of these values (ignoring case).
    Field { key: FieldKey, values: Vec<String> },
}

impl Test {
    /// Reads a criterion as the CLI, the API and the settings page spell it: a field
    /// (`industry`, `size`, `region`, `tag`, `field:KEY`) and its value (a comma-separated
    /// list, a tag, or a size range `50..500`).
    pub fn parse(field: &str, value: &str) -> Result<Test, FitError> {
        let field = field.trim().to_lowercase();
        let values = || -> Vec<String> {
            value
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect()
        };
        let some = |what: &'static str, list: Vec<String>| {
            if list.is_empty() {
                Err(FitError::NoValues(what))
            } else {
                Ok(list)
            }
        };
        match field.as_str() {
            "industry" => Ok(Test::Industry(some("industry", values())?)),
            "region" => Ok(Test::Region(some("region", values())?)),
            "tag" => {
                let tag = value.trim();
                if tag.is_empty() {
                    return Err(FitError::NoValues("tag"));
                }
                Ok(Test::Tag(tag.to_owned()))
            }
            "size" => size_range(value),
            other => match other.strip_prefix("field:") {
                Some(key) => Ok(Test::Field {
                    key: key.parse()?,
                    values: some("custom field", values())?,
                }),
                None => Err(FitError::UnknownField(other.to_owned())),
            },
        }
    }

    /// The field, as [`Test::parse`] reads it back.
    pub fn field(&self) -> String {
        match self {
            Test::Industry(_) => "industry".to_owned(),
            Test::Size { .. } => "size".to_owned(),
            Test::Region(_) => "region".to_owned(),
            Test::Tag(_) => "tag".to_owned(),
            Test::Field { key, .. } => format!("field:{key}"),
        }
    }

    /// The value, as [`Test::parse`] reads it back.
    pub fn value(&self) -> String {
        match self {
            Test::Industry(list) | Test::Region(list) | Test::Field { values: list, .. } => {
                list.join(", ")
            }
            Test::Tag(tag) => tag.clone(),
            Test::Size { min, max } => format!(
                "{}..{}",
                min.map(|n| n.to_string()).unwrap_or_default(),
                max.map(|n| n.to_string()).unwrap_or_default()
            ),
        }
    }
}

fn size_range(text: &str) -> Result<Test, FitError> {
    let bad = || FitError::SizeRange(text.to_owned());
    let (low, high) = text.trim().split_once("..").ok_or_else(bad)?;
    let end = |part: &str| -> Result<Option<u64>, FitError> {
        let part = part.trim();
        if part.is_empty() {
            Ok(None)
        } else {
            employee_count(part).map(Some).map_err(|_| bad())
        }
    };
    let (min, max) = (end(low)?, end(high)?);
    match (min, max) {
        (None, None) => Err(bad()),
        (Some(min), Some(max)) if min > max => Err(FitError::MinAboveMax { min, max }),
        _ => Ok(Test::Size { min, max }),
    }
}

/// One criterion of the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub test: Test,
    pub weight: Weight,
}

/// What is known about the organization or contact being judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub industry: Option<String>,
    pub size: Option<u64>,
    pub region: Option<String>,
    /// A contact's tags; `None` for an organization, which has none.
    pub tags: Option<Vec<String>>,
    /// Custom fields: a contact's own over its organization's.
    pub fields: BTreeMap<FieldKey, String>,
}

impl Facts {
    /// An organization's facts.
    pub fn of_organization(org: &Organization) -> Facts {
        Facts {
            industry: org.industry.clone(),
            size: org.size,
            region: org.region.clone(),
            tags: None,
            fields: org.fields.clone(),
        }
    }

    /// A contact's facts: its organization's, its own tags, and its custom fields over its
    /// organization's.
    pub fn of_contact(
        organization: Option<&Organization>,
        tags: &[String],
        fields: &BTreeMap<FieldKey, String>,
    ) -> Facts {
        let mut facts = organization.map(Facts::of_organization).unwrap_or_default();
        facts.tags = Some(tags.to_vec());
        facts
            .fields
            .extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        facts
    }
}

/// The order of a list sorted by fit: best first, records without a score last.
pub fn best_first(a: Option<u8>, b: Option<u8>) -> std::cmp::Ordering {
    b.cmp(&a)
}

/// How one criterion went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What the facts say about the criterion ("industry is Software").
    pub fact: String,
    pub earned: u32,
    /// The criterion's weight; 0 when it does not apply to this kind of record.
    pub possible: u32,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.possible == 0 {
            write!(f, "{}", self.fact)
        } else if self.earned > 0 {
            write!(f, "{}: +{} of {}", self.fact, self.earned, self.possible)
        } else {
            write!(f, "{}: 0 of {}", self.fact, self.possible)
        }
    }
}

/// A fit score out of 100: the weight of the criteria met over the weight of those that
/// apply, rounded, with a reason per criterion in the profile's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub score: u8,
    pub earned: u32,
    pub possible: u32,
    pub reasons: Vec<Reason>,
}

/// How well `facts` fit the profile. `None` when no criterion applies (no profile at all, or
/// an organization judged only by tags): no score is not a score of 0.
pub fn fit(criteria: &[Criterion], facts: &Facts) -> Option<Fit> {
    let reasons: Vec<Reason> = criteria.iter().map(|c| judge(c, facts)).collect();
    let possible: u32 = reasons.iter().map(|r| r.possible).sum();
    if possible == 0 {
        return None;
    }
    let earned: u32 = reasons.iter().map(|r| r.earned).sum();
    // Rounded half up in integers: (200·earned + possible) / (2·possible).
    let score = (200 * earned + possible) / (2 * possible);
    Some(Fit {
        score: u8::try_from(score).unwrap_or(100),
        earned,
        possible,
        reasons,
    })
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn judge(criterion: &Criterion, facts: &Facts) -> Reason {
    let weight = u32::from(criterion.weight.get());
    let verdict = |met: bool, fact: String| Reason {
        fact,
        earned: if met { weight } else { 0 },
        possible: weight,
    };
    let one_of = |what: &str, value: &Option<String>, list: &[String]| match value {
        None => verdict(false, format!("no {what} recorded")),
        Some(v) if list.iter().any(|w| same(w, v)) => verdict(true, format!("{what} is {v}")),
        Some(v) => verdict(false, format!("{what} {v} is not {}", alternatives(list))),
    };
    match &criterion.test {
        Test::Industry(list) => one_of("industry", &facts.industry, list),
        Test::Region(list) => one_of("region", &facts.region, list),
        Test::Field { key, values } => {
            one_of(key.as_str(), &facts.fields.get(key).cloned(), values)
        }
        Test::Size { min, max } => {
            let range = describe_range(*min, *max);
            match facts.size {
                None => verdict(false, "no size recorded".to_owned()),
                Some(n) => {
                    let inside = min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
                    let word = if inside { "within" } else { "outside" };
                    verdict(inside, format!("size {} is {word} {range}", grouped(n)))
                }
            }
        }
        Test::Tag(tag) => match &facts.tags {
            None => Reason {
                fact: format!("tag {tag}: applies to contacts only"),
                earned: 0,
                possible: 0,
            },
            Some(tags) if tags.iter().any(|t| same(t, tag)) => {
                verdict(true, format!("tagged {tag}"))
            }
            Some(_) => verdict(false, format!("not tagged {tag}")),
        },
    }
}

/// "Software", "Software or Logistics", "Software, Logistics or Retail".
fn alternatives(list: &[String]) -> String {
    match list {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// "50–500", "at least 50", "at most 500".
fn describe_range(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{}–{}", grouped(a), grouped(b)),
        (Some(a), None) => format!("at least {}", grouped(a)),
        (None, Some(b)) => format!("at most {}", grouped(b)),
        (None, None) => "any size".to_owned(),
    }
}

/// 1200 → "1,200".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(field: &str, value: &str, weight: i64) -> Criterion {
        Criterion {
            test: Test::parse(field, value).unwrap(),
            weight: Weight::new(weight).unwrap(),
        }
    }

    fn profile() -> Vec<Criterion> {
        vec![
            criterion("industry", "Software, Logistics", 3),
            criterion("size", "50..500", 2),
            criterion("region", "EU", 1),
            criterion("tag", "conference", 2),
            criterion("field:segment", "enterprise", 2),
        ]
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<FieldKey, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn no_criteria_is_no_score_not_zero() {
        assert_eq!(fit(&[], &Facts::default()), None);
    }

    #[test]
    fn an_organization_that_meets_everything_it_can_scores_100() {
        let org = Facts {
            industry: Some("software".into()),
            size: Some(120),
            region: Some("EU".into()),
            tags: None,
            fields: fields(&[("segment", "Enterprise")]),
        };
        let got = fit(&profile(), &org).unwrap();
        // The tag criterion does not apply to an organization: 3 + 2 + 1 + 2 of 8.
        assert_eq!((got.earned, got.possible, got.score), (8, 8, 100));
        let text: Vec<String> = got.reasons.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "industry is software: +3 of 3",
                "size 120 is within 50–500: +2 of 2",
                "region is EU: +1 of 1",
                "tag conference: applies to contacts only",
                "segment is Enterprise: +2 of 2",
            ]
        );
    }

    #[test]
    fn missing_and_mismatched_facts_earn_nothing_and_say_why() {
        let contact = Facts {
            industry: Some("Retail".into()),
            size: Some(1200),
            region: None,
            tags: Some(vec!["Conference".into()]),
            fields: BTreeMap::new(),
        };
        let got = fit(&profile(), &contact).unwrap();
        // Only the tag (2) is met, of 3 + 2 + 1 + 2 + 2 = 10: 20.
        assert_eq!((got.earned, got.possible, got.score), (2, 10, 20));
        let text: Vec<String> = got.reasons.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "industry Retail is not Software or Logistics: 0 of 3",
                "size 1,200 is outside 50–500: 0 of 2",
                "no region recorded: 0 of 1",
                "tagged conference: +2 of 2",
                "no segment recorded: 0 of 2",
            ]
        );
    }

    #[test]
    fn scores_round_half_up() {
        // 1 of 3 → 33.33 → 33; 2 of 3 → 66.67 → 67; 1 of 8 → 12.5 → 13.
        let three = vec![criterion("region", "EU", 1), criterion("industry", "x", 2)];
        let one = fit(
            &three,
            &Facts {
                region: Some("eu".into()),
                ..Facts::default()
            },
        );
        assert_eq!(one.map(|f| f.score), Some(33));
        let two = fit(
            &three,
            &Facts {
                industry: Some("X".into()),
                ..Facts::default()
            },
        );
        assert_eq!(two.map(|f| f.score), Some(67));
        let eight = vec![criterion("region", "EU", 1), criterion("industry", "x", 7)];
        let half = fit(
            &eight,
            &Facts {
                region: Some("EU".into()),
                ..Facts::default()
            },
        );
        assert_eq!(half.map(|f| f.score), Some(13));
    }

    #[test]
    fn open_ended_sizes_include_their_bound() {
        let at_least = vec![criterion("size", "50..", 1)];
        let at = |n| {
            fit(
                &at_least,
                &Facts {
                    size: Some(n),
                    ..Facts::default()
                },
            )
            .unwrap()
        };
        assert_eq!(at(50).score, 100);
        assert_eq!(at(49).score, 0);
        assert_eq!(
            at(49).reasons[0].to_string(),
            "size 49 is outside at least 50: 0 of 1"
        );
        let at_most = vec![criterion("size", "..10", 1)];
        let small = fit(
            &at_most,
            &Facts {
                size: Some(0),
                ..Facts::default()
            },
        )
        .unwrap();
        assert_eq!(small.score, 100);
    }

    #[test]
    fn an_organization_judged_only_by_tags_has_no_score() {
        let tags_only = vec![criterion("tag", "vip", 5)];
        assert_eq!(fit(&tags_only, &Facts::default()), None);
    }

    #[test]
    fn bad_criteria_are_refused_by_name() {
        assert_eq!(
            Test::parse("colour", "red"),
            Err(FitError::UnknownField("colour".into()))
        );
        assert_eq!(
            Test::parse("size", "500..50"),
            Err(FitError::MinAboveMax { min: 500, max: 50 })
        );
        assert!(matches!(
            Test::parse("size", ".."),
            Err(FitError::SizeRange(_))
        ));
        assert!(matches!(
            Test::parse("size", "-5..9"),
            Err(FitError::SizeRange(_))
        ));
        assert_eq!(
            Test::parse("industry", " , "),
            Err(FitError::NoValues("industry"))
        );
        assert!(matches!(
            Test::parse("field:has space", "x"),
            Err(FitError::Key(_))
        ));
        assert!(Weight::new(0).is_err());
        assert!(Weight::new(11).is_err());
        assert_eq!("10".parse::<Weight>().map(Weight::get), Ok(10));
    }

    #[test]
    fn a_criterion_reads_back_as_written() {
        for (field, value) in [
            ("industry", "Software, Logistics"),
            ("size", "50..500"),
            ("size", "..20"),
            ("region", "EU"),
            ("tag", "conference"),
            ("field:segment", "enterprise, mid-market"),
        ] {
            let test = Test::parse(field, value).unwrap();
            assert_eq!(
                (test.field(), test.value()),
                (field.to_owned(), value.to_owned())
            );
        }
    }

    #[test]
    fn a_contact_takes_its_organizations_facts_and_its_own_fields_win() {
        let org = Organization {
            id: crate::model::OrganizationId(1),
            name: "Acme".into(),
            domain: None,
            tier: None,
            industry: Some("Software".into()),
            size: Some(80),
            region: Some("EU".into()),
            fields: fields(&[("segment", "mid-market"), ("crm", "none")]),
            contact_count: 1,
            version: 1,
            created_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let own = fields(&[("segment", "enterprise")]);
        let facts = Facts::of_contact(Some(&org), &["conference".to_owned()], &own);
        assert_eq!(
            facts.fields,
            fields(&[("segment", "enterprise"), ("crm", "none")])
        );
        // Every criterion met: 3 + 2 + 1 + 2 + 2 of 10.
        assert_eq!(fit(&profile(), &facts).map(|f| f.score), Some(100));
        let alone = Facts::of_contact(None, &[], &BTreeMap::new());
        let got = fit(&profile(), &alone).unwrap();
        assert_eq!((got.earned, got.possible, got.score), (0, 10, 0));
    }

    #[test]
    fn best_first_puts_unscored_last() {
        let mut scores = vec![None, Some(20), Some(100), None, Some(0)];
        scores.sort_by(|a, b| best_first(*a, *b));
        assert_eq!(scores, [Some(100), Some(20), Some(0), None, None]);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1200), "1,200");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}

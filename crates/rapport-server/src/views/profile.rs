//! The wire format of the ideal client profile: its criteria and a fit score with its
//! reasons.

use std::collections::BTreeMap;

use rapport_core::fit::{FieldKey, Fit};
use rapport_store::StoredCriterion;
use serde::Serialize;
use utoipa::ToSchema;

/// One criterion of the ideal client profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionView {
    pub id: i64,
    /// `industry`, `size`, `region`, `tag` or `field:KEY`.
    pub field: String,
    /// A comma-separated list (industry, region, field), a tag, or a size range `MIN..MAX`
    /// (either end may be left open).
    pub value: String,
    /// 1 to 10.
    pub weight: u8,
}

impl From<&StoredCriterion> for CriterionView {
    fn from(c: &StoredCriterion) -> Self {
        CriterionView {
            id: c.id,
            field: c.criterion.test.field(),
            value: c.criterion.test.value(),
            weight: c.criterion.weight.get(),
        }
    }
}

/// How one criterion went for this record.
#[derive(Debug, Serialize, ToSchema)]
pub struct FitReasonView {
    /// The whole reason, as shown: "industry is Software: +3 of 3".
    pub reason: String,
    /// What the facts say: "industry is Software".
    pub fact: String,
    pub earned: u32,
    /// The criterion's weight; 0 when it does not apply (a tag, for an organization).
    pub possible: u32,
}

/// A fit score against the ideal client profile. `score` is null when the profile has no
/// criterion that applies: no score, not a score of 0.
#[derive(Debug, Serialize, ToSchema)]
pub struct FitView {
    /// 0–100: the weight of the criteria met over the weight of those that apply, rounded.
    pub score: Option<u8>,
    pub earned: u32,
    pub possible: u32,
    /// One per criterion, in the profile's order.
    pub reasons: Vec<FitReasonView>,
    /// Why there is no score, when there is none.
    pub note: Option<String>,
}

impl FitView {
    pub fn new(fit: Option<&Fit>) -> Self {
        match fit {
            Some(f) => FitView {
                score: Some(f.score),
                earned: f.earned,
                possible: f.possible,
                reasons: f
                    .reasons
                    .iter()
                    .map(|r| FitReasonView {
                        reason: r.to_string(),
                        fact: r.fact.clone(),
                        earned: r.earned,
                        possible: r.possible,
                    })
                    .collect(),
                note: None,
            },
            None => FitView {
                score: None,
                earned: 0,
                possible: 0,
                reasons: Vec::new(),
                note: Some(NO_SCORE.to_owned()),
            },
        }
    }
}

/// Why a record has no fit score.
pub const NO_SCORE: &str = "no fit score: the ideal client profile has no criteria that apply \
     (an admin adds them with `rapport icp add` or on the settings page)";

/// Custom fields on the wire: key → value.
pub fn fields_view(fields: &BTreeMap<FieldKey, String>) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

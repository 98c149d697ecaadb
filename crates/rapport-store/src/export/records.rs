//! The JSON dump's records: one JSON object per line, the header first, then one record per
//! row, each tagged with its `type`. This is the one definition of the dump's fields: the
//! export writes these structs and the import reads them back.
//!
//! Values are the stored text (dates `YYYY-MM-DD`, instants `YYYY-MM-DDTHH:MM:SSZ`,
//! vocabularies in their lowercase spelling). Secrets are never part of it: users come
//! without password hashes, API tokens not at all. A field the import does not know is an
//! error, never silently dropped.

use serde::{Deserialize, Serialize};

/// The dump format's version, in the header line. Version 2 ends with [`Record::End`]; an
/// import reads version 1 (without it) too, and refuses any other.
pub const EXPORT_FORMAT: i64 = 2;

/// The first line of a dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub rapport_export: i64,
    /// The schema version of the database it was taken from.
    pub schema_version: i64,
    pub exported_at: String,
}

/// Every line after the header. The order in a dump is the order of the variants, each type
/// by id, so every record comes after the records it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// One record lives at a time (a line read or written); boxing contacts would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    User(UserRecord),
    CadenceDefault(CadenceDefaultRecord),
    RelationshipSetting(RelationshipSettingRecord),
    NurtureSetting(NurtureSettingRecord),
    IcpCriterion(IcpCriterionRecord),
    Organization(OrganizationRecord),
    OrganizationField(OrganizationFieldRecord),
    Competitor(CompetitorRecord),
    ContentItem(ContentItemRecord),
    Contact(ContactRecord),
    Touch(TouchRecord),
    FollowUp(FollowUpRecord),
    StageChange(StageChangeRecord),
    Opportunity(OpportunityRecord),
    Introduction(IntroductionRecord),
    ContactInterest(ContactInterestRecord),
    ContentSend(ContentSendRecord),
    NurtureOwner(NurtureOwnerRecord),
    /// The last line: how many records came before it (the header not counted), so that a
    /// dump cut short at a line's end is told from a whole one.
    End(EndRecord),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndRecord {
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub time_zone: Option<String>,
    pub created_at: String,
    /// When an admin disabled the user (null: active). Absent in dumps made before users
    /// could be disabled.
    #[serde(default)]
    pub disabled_at: Option<String>,
}

/// `scope` is `fallback` (with `key` ""), `tier`, `stage`, `role` or `horizon`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadenceDefaultRecord {
    pub scope: String,
    pub key: String,
    pub cadence: String,
}

/// One of the team's relationship rules (`won_stage`, `renewal_lead_days`, …), as stored: a
/// role that takes none on is "". Absent from dumps made before the rules existed, which
/// import with the new database's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipSettingRecord {
    pub key: String,
    pub value: String,
}

/// One of the team's nurture rules (`content_gap_days`, `touch_limit`, …), a whole number as
/// text. Absent from dumps made before lead nurturing existed, which import with the new
/// database's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NurtureSettingRecord {
    pub key: String,
    pub value: String,
}

/// A criterion of the ideal client profile, as `rapport_core::fit::Test` spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IcpCriterionRecord {
    pub id: i64,
    pub field: String,
    pub value: String,
    pub weight: i64,
    pub created_at: String,
}

/// One custom field of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFieldRecord {
    pub organization_id: i64,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecord {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub tier: Option<String>,
    /// The ideal client profile's facts. Absent in dumps made before the profile existed.
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub region: Option<String>,
    /// Its edit counter (the API's ETag). Absent in dumps made before organizations had one.
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub organization_id: Option<i64>,
    /// The organization's name, for the per-contact formats (CSV, vCard); the JSON dump has
    /// the organization's own record instead.
    #[serde(skip)]
    pub organization: Option<String>,
    pub notes: Option<String>,
    /// Where they came from. Absent in dumps made before the lead network existed.
    #[serde(default)]
    pub source: Option<String>,
    pub tier: Option<String>,
    pub stage: Option<String>,
    pub horizon: Option<String>,
    pub prospect_kind: Option<String>,
    /// The contact's own cadence; `None` inherits the defaults.
    pub cadence: Option<String>,
    pub added_on: String,
    pub hold_until: Option<String>,
    pub hold_reason: Option<String>,
    pub archived_at: Option<String>,
    /// The contact this one was merged into (it is archived and empty since). Absent in
    /// dumps made before merging existed. It may name a contact later in the file.
    #[serde(default)]
    pub merged_into: Option<i64>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    /// Custom fields, by key. Absent in dumps made before custom fields existed.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    pub roles: Vec<RoleRecord>,
    /// Checklist steps ticked, with the stage they were ticked at. Absent in dumps made
    /// before playbooks existed.
    #[serde(default)]
    pub checklist: Vec<TickRecord>,
    /// What the scheduling engine derived from the facts above and the contact's touches and
    /// follow-ups. Exported for readers; an import ignores it and derives it again.
    #[serde(default)]
    pub schedule: Option<ScheduleRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TickRecord {
    pub stage: String,
    pub step: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    pub id: i64,
    pub role: String,
    pub since: String,
    /// When the contact stopped holding the role; `None` while it still does.
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRecord {
    pub effective_cadence: String,
    pub cadence_source: String,
    pub next_touch_on: String,
    pub next_touch_source: String,
    pub last_touch_id: Option<i64>,
    pub last_touch_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchRecord {
    pub id: i64,
    pub contact_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub direction: String,
    pub occurred_at: String,
    /// The author's calendar day of `occurred_at`.
    pub occurred_on: String,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
    /// Its text is for its author's eyes only. Absent in dumps made before private touches
    /// existed, which read as not private.
    #[serde(default)]
    pub private: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRecord {
    pub id: i64,
    pub contact_id: i64,
    pub owner_id: i64,
    pub due_on: String,
    pub text: String,
    /// When it was marked done; `None` while open.
    pub done_at: Option<String>,
    pub created_at: String,
}

/// An incumbent competitor at an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitorRecord {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub renews_on: Option<String>,
    /// One line each, in the order they were recorded.
    pub dissatisfactions: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One step of a contact's lifecycle history; `stage` is `None` when it was cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageChangeRecord {
    pub id: i64,
    pub contact_id: i64,
    pub stage: Option<String>,
    pub changed_on: String,
    pub reason: Option<String>,
    pub actor_id: i64,
    pub created_at: String,
}

/// An opportunity: its buying timeline is a window (`timeline`: "30", "60", "90", "later")
/// stated on `opened_on`, or an `expected_close_on` date. `outcome` is `open`, `won` or
/// `lost`; a closed one has its `closed_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityRecord {
    pub id: i64,
    pub contact_id: i64,
    /// Where the contact was when it was opened.
    pub organization_id: Option<i64>,
    pub author_id: i64,
    pub title: String,
    pub value: i64,
    pub opened_on: String,
    pub timeline: Option<String>,
    pub expected_close_on: Option<String>,
    pub outcome: String,
    pub closed_on: Option<String>,
    pub close_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Who introduced whom. Keyed by the pair, so it has no id of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntroductionRecord {
    pub introducer_id: i64,
    pub introduced_id: i64,
    pub introduced_on: String,
    pub author_id: i64,
    pub created_at: String,
}

/// An item of the content library. Topics and needs are lowercase terms; `stages` and
/// `kinds` the lifecycle stages and prospect kinds it suits (empty: any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentItemRecord {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub summary: Option<String>,
    pub format: String,
    pub topics: Vec<String>,
    pub needs: Vec<String>,
    pub stages: Vec<String>,
    pub kinds: Vec<String>,
    /// The last day it may be sent.
    pub expires_on: Option<String>,
    /// The day it was retired from recommendations; kept for the history.
    pub retired_on: Option<String>,
    pub author_id: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// An interest or need (`kind`: `interest` or `need`) set by hand on a contact. Keyed by the
/// three, so it has no id of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInterestRecord {
    pub contact_id: i64,
    pub kind: String,
    pub term: String,
}

/// Which library item a content touch sent: one per such touch, keyed by the touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSendRecord {
    pub touch_id: i64,
    pub content_id: i64,
    pub contact_id: i64,
    pub sent_on: String,
}

/// Who nurtures a contact and who sells to them (`None`: the contact's owner), and the
/// sales-ready signal with its day and note. Keyed by the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NurtureOwnerRecord {
    pub contact_id: i64,
    pub nurture_owner_id: Option<i64>,
    pub sales_owner_id: Option<i64>,
    pub ready_on: Option<String>,
    pub ready_note: Option<String>,
    pub updated_at: String,
}

fn first_version() -> i64 {
    1
}

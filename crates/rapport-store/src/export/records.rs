//! The JSON dump's records: one JSON object per line, the header first, then one record per
//! row, each tagged with its `type`. This is the one definition of the dump's fields: the
//! export writes these structs and the import reads them back.
//!
//! Values are the stored text (dates `YYYY-MM-DD`, instants `YYYY-MM-DDTHH:MM:SSZ`,
//! vocabularies in their lowercase spelling). Secrets are never part of it: users come
//! without password hashes, API tokens not at all. A field the import does not know is an
//! error, never silently dropped.

use serde::{Deserialize, Serialize};

/// The dump format's version, in the header line. An import refuses any other.
pub const EXPORT_FORMAT: i64 = 1;

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
    Organization(OrganizationRecord),
    Contact(ContactRecord),
    Touch(TouchRecord),
    FollowUp(FollowUpRecord),
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
}

/// `scope` is `fallback` (with `key` ""), `tier`, `stage`, `role` or `horizon`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadenceDefaultRecord {
    pub scope: String,
    pub key: String,
    pub cadence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecord {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub tier: Option<String>,
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
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    pub roles: Vec<RoleRecord>,
    /// What the scheduling engine derived from the facts above and the contact's touches and
    /// follow-ups. Exported for readers; an import ignores it and derives it again.
    #[serde(default)]
    pub schedule: Option<ScheduleRecord>,
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

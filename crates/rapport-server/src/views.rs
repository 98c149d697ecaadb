//! The wire format: what the CLI's `--json` prints and what the REST API returns. Only this
//! module knows it; the domain types stay free of serialisation concerns. Each view derives
//! `ToSchema`, so the OpenAPI document describes exactly what is sent.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rapport_core::agenda::{self, AgendaFacts};
use rapport_core::health::Health;
use rapport_core::model::ContactId;
use rapport_core::model::{
    Agenda, AgendaEntry, Contact, ContactSummary, FollowUp, Hold, Organization, Touch, UserId,
};
use rapport_core::model::{Competitor, Opportunity};
use rapport_core::network::Reach;
use rapport_core::opportunity::{Bucket, BucketTotal, CloseMove, Timeline, forecast};
use rapport_core::suggest::Suggested;
use rapport_core::{Cadence, CadenceSource, NextTouch};
use rapport_store::{
    ContactChecklist, ContactHealth, ContactSuggestions, Neighbour, Network, OrganizationHealth,
    OrganizationSuggestions, RelationshipRules, StagePlaybook,
};
use serde::Serialize;
use utoipa::ToSchema;

mod nurture;
mod profile;
pub use nurture::*;
pub use profile::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct CadenceView {
    /// Short form: 30d, 6w, 3m.
    pub every: String,
    pub description: String,
    /// `contact`, `tier:A`, `stage:engaged`, `role:champion`, `horizon:season` or `default`.
    pub source: String,
    /// "set on the contact", "from tier A"…
    pub source_description: String,
}

impl CadenceView {
    pub fn new(cadence: Cadence, source: &CadenceSource) -> Self {
        CadenceView {
            every: cadence.to_string(),
            description: cadence.describe(),
            source: source.code(),
            source_description: source.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextTouchView {
    pub on: String,
    /// `first-touch`, `cadence`, `hold`, `follow-up` or `renewal`.
    pub source: String,
    pub why: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    pub until: String,
    pub reason: String,
}

impl From<&Hold> for HoldView {
    fn from(hold: &Hold) -> Self {
        HoldView {
            until: hold.until.to_string(),
            reason: hold.reason.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TouchView {
    pub id: i64,
    pub contact_id: i64,
    pub author_id: i64,
    /// A private touch's text is shown to its author only: everyone else gets it with
    /// `summary`, `needs` and `next_approach` null.
    pub private: bool,
    pub kind: String,
    pub direction: String,
    pub at: String,
    pub on: String,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
}

impl From<&Touch> for TouchView {
    fn from(t: &Touch) -> Self {
        TouchView {
            id: t.id.0,
            contact_id: t.contact.0,
            author_id: t.author.0,
            private: t.private,
            kind: t.kind.to_string(),
            direction: t.direction.to_string(),
            at: t.at.to_string(),
            on: t.on.to_string(),
            summary: t.summary.clone(),
            needs: t.needs.clone(),
            next_approach: t.next_approach.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: i64,
    pub contact_id: i64,
    pub due_on: String,
    pub text: String,
    pub done: bool,
    pub done_at: Option<String>,
}

impl From<&FollowUp> for FollowUpView {
    fn from(f: &FollowUp) -> Self {
        FollowUpView {
            id: f.id.0,
            contact_id: f.contact.0,
            due_on: f.due_on.to_string(),
            text: f.text.clone(),
            done: f.done_at.is_some(),
            done_at: f.done_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationRefView {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub since: String,
    pub until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageChangeView {
    /// Null when the stage was cleared.
    pub stage: Option<String>,
    pub on: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<OrganizationRefView>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    /// Custom fields, key → value.
    pub fields: BTreeMap<String, String>,
    pub notes: Option<String>,
    /// Where they came from.
    pub source: Option<String>,
    pub roles: Vec<RoleView>,
    pub tier: Option<String>,
    pub stage: Option<String>,
    /// Every stage change, oldest first, with the day and why.
    pub stage_history: Vec<StageChangeView>,
    pub horizon: Option<String>,
    pub prospect_kind: Option<String>,
    pub cadence: CadenceView,
    /// True when the cadence is set on the contact rather than inherited.
    pub cadence_is_own: bool,
    pub next_touch: NextTouchView,
    pub hold: Option<HoldView>,
    pub last_touch_on: Option<String>,
    pub added_on: String,
    pub archived: bool,
    pub archived_at: Option<String>,
    /// The contact a merge moved this one's touches, roles and notes into.
    pub merged_into: Option<i64>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub follow_ups: Vec<FollowUpView>,
    pub recent_touches: Vec<TouchView>,
    /// What history suggests beside what is set: the prospect kind (when unset) and the tier
    /// the relationship's value earns.
    pub suggestions: SuggestionsView,
}

impl ContactView {
    pub fn new(
        c: &Contact,
        today: Date,
        follow_ups: &[FollowUp],
        touches: &[Touch],
        suggestions: &ContactSuggestions,
    ) -> Self {
        let open = follow_ups.iter().find(|f| f.done_at.is_none());
        let facts = AgendaFacts::of_contact(c, open);
        ContactView {
            id: c.id.0,
            owner_id: c.owner.0,
            name: c.name.clone(),
            title: c.title.clone(),
            organization: c.organization.as_ref().map(|o| OrganizationRefView {
                id: o.id.0,
                name: o.name.clone(),
            }),
            emails: c.emails.iter().map(ToString::to_string).collect(),
            phones: c.phones.clone(),
            tags: c.tags.clone(),
            fields: fields_view(&c.fields),
            notes: c.notes.clone(),
            source: c.source.clone(),
            roles: c
                .roles
                .iter()
                .map(|r| RoleView {
                    role: r.role.to_string(),
                    since: r.since.to_string(),
                    until: r.until.map(|d| d.to_string()),
                })
                .collect(),
            tier: c.tier.map(|t| t.to_string()),
            stage: c.stage.map(|s| s.to_string()),
            stage_history: c
                .stage_history
                .iter()
                .map(|h| StageChangeView {
                    stage: h.stage.map(|s| s.to_string()),
                    on: h.on.to_string(),
                    reason: h.reason.clone(),
                })
                .collect(),
            horizon: c.horizon.map(|h| h.to_string()),
            prospect_kind: c.prospect_kind.map(|k| k.to_string()),
            cadence: CadenceView::new(c.effective_cadence, &c.cadence_source),
            cadence_is_own: c.cadence.is_some(),
            next_touch: next_touch_view(c.next_touch, agenda::explain(today, &facts)),
            hold: c.hold.as_ref().map(HoldView::from),
            last_touch_on: c.last_touch_on.map(|d| d.to_string()),
            added_on: c.added_on.to_string(),
            archived: c.archived_at.is_some(),
            archived_at: c.archived_at.map(|t| t.to_string()),
            merged_into: c.merged_into.map(|id| id.0),
            version: c.version,
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
            follow_ups: follow_ups.iter().map(FollowUpView::from).collect(),
            recent_touches: touches.iter().map(TouchView::from).collect(),
            suggestions: SuggestionsView::of_contact(suggestions),
        }
    }
}

/// A suggested value and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub value: String,
    /// "buys from Globex today; 1 won deal", "won 52000 + open 40000 at Orbit Labs = 92000:
    /// tier B from 25000".
    pub reason: String,
}

impl<T: std::fmt::Display> From<&Suggested<T>> for SuggestionView {
    fn from(s: &Suggested<T>) -> Self {
        SuggestionView {
            value: s.value.to_string(),
            reason: s.reason.clone(),
        }
    }
}

/// What history suggests about a contact or an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsView {
    /// Null when the prospect kind is set by hand (and for an organization).
    pub prospect_kind: Option<SuggestionView>,
    /// The tier the won + open opportunity value earns (at the contact's organization, else
    /// with the contact), against the team's `tier_values`.
    pub tier: SuggestionView,
    /// The default cycle of the tier that is set ("every 30 days"): top tiers get tighter
    /// ones. Null without a tier or a default for it.
    pub tier_cadence: Option<String>,
}

impl SuggestionsView {
    pub fn of_contact(s: &ContactSuggestions) -> Self {
        SuggestionsView {
            prospect_kind: s.prospect_kind.as_ref().map(SuggestionView::from),
            tier: SuggestionView::from(&s.tier),
            tier_cadence: s.tier_cadence.map(|c| c.describe()),
        }
    }

    pub fn of_organization(s: &OrganizationSuggestions) -> Self {
        SuggestionsView {
            prospect_kind: None,
            tier: SuggestionView::from(&s.tier),
            tier_cadence: s.tier_cadence.map(|c| c.describe()),
        }
    }
}

pub fn next_touch_view(next: NextTouch, why: String) -> NextTouchView {
    NextTouchView {
        on: next.on.to_string(),
        source: next.source.to_string(),
        why,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactSummaryView {
    pub id: i64,
    /// The user whose contact this is.
    pub owner: i64,
    pub name: String,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub tier: Option<String>,
    pub stage: Option<String>,
    pub next_touch_on: String,
    pub next_touch_source: String,
    pub archived: bool,
    /// The fit score against the ideal client profile (0–100): present in lists sorted by
    /// fit, null there for a contact without a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<Option<u8>>,
}

impl ContactSummaryView {
    /// A list line with its fit score, for lists sorted by fit.
    pub fn with_fit(c: &ContactSummary, fit: Option<u8>) -> Self {
        ContactSummaryView {
            fit: Some(fit),
            ..ContactSummaryView::from(c)
        }
    }
}

impl From<&ContactSummary> for ContactSummaryView {
    fn from(c: &ContactSummary) -> Self {
        ContactSummaryView {
            id: c.id.0,
            owner: c.owner.0,
            name: c.name.clone(),
            organization: c.organization.clone(),
            email: c.email.clone(),
            tier: c.tier.map(|t| t.to_string()),
            stage: c.stage.map(|s| s.to_string()),
            next_touch_on: c.next_touch.on.to_string(),
            next_touch_source: c.next_touch.source.to_string(),
            archived: c.archived,
            fit: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub tier: Option<String>,
    /// What it does ("Software").
    pub industry: Option<String>,
    /// How many people it employs.
    pub size: Option<u64>,
    pub region: Option<String>,
    /// Custom fields, key → value.
    pub fields: BTreeMap<String, String>,
    pub contact_count: i64,
    /// Moves on with every edit; send it back as `If-Match` (the ETag) to edit.
    pub version: i64,
    pub created_at: String,
    /// The fit score against the ideal client profile (0–100): present in lists sorted by
    /// fit, null there for an organization without a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<Option<u8>>,
}

impl OrganizationView {
    /// A list line with its fit score, for lists sorted by fit.
    pub fn with_fit(o: &Organization, fit: Option<u8>) -> Self {
        OrganizationView {
            fit: Some(fit),
            ..OrganizationView::from(o)
        }
    }
}

impl From<&Organization> for OrganizationView {
    fn from(o: &Organization) -> Self {
        OrganizationView {
            id: o.id.0,
            name: o.name.clone(),
            domain: o.domain.clone(),
            tier: o.tier.map(|t| t.to_string()),
            industry: o.industry.clone(),
            size: o.size,
            region: o.region.clone(),
            fields: fields_view(&o.fields),
            contact_count: o.contact_count,
            version: o.version,
            created_at: o.created_at.to_string(),
            fit: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaCountsView {
    pub overdue: usize,
    pub today: usize,
    pub upcoming: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaEntryView {
    pub contact_id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub tier: Option<String>,
    /// `overdue`, `today` or `upcoming`.
    pub section: String,
    pub due_on: String,
    /// Positive when overdue, 0 when due today, negative when upcoming.
    pub days_overdue: i32,
    pub why: String,
    pub next_touch_source: String,
    pub urgency: f64,
    pub cadence: CadenceView,
    pub hold: Option<HoldView>,
    pub last_touch: Option<TouchView>,
    pub follow_ups: Vec<FollowUpView>,
    /// The incumbent whose contract renewal brought the contact back (source `renewal`).
    pub competitor: Option<CompetitorView>,
}

impl AgendaEntryView {
    fn new(e: &AgendaEntry, today: Date) -> Self {
        AgendaEntryView {
            contact_id: e.contact.0,
            name: e.name.clone(),
            organization: e.organization.clone(),
            tier: e.tier.map(|t| t.to_string()),
            section: e.section.as_str().to_owned(),
            due_on: e.next_touch.on.to_string(),
            days_overdue: (today - e.next_touch.on).get_days(),
            why: e.why.clone(),
            next_touch_source: e.next_touch.source.to_string(),
            urgency: (e.urgency * 1000.0).round() / 1000.0,
            cadence: CadenceView::new(e.cadence, &e.cadence_source),
            hold: e.hold.as_ref().map(HoldView::from),
            last_touch: e.last_touch.as_ref().map(TouchView::from),
            follow_ups: e.open_follow_ups.iter().map(FollowUpView::from).collect(),
            competitor: e.renewal.as_ref().map(CompetitorView::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaView {
    pub today: String,
    pub through: String,
    pub counts: AgendaCountsView,
    /// True when `entries` was cut to the limit.
    pub truncated: bool,
    pub entries: Vec<AgendaEntryView>,
}

impl From<&Agenda> for AgendaView {
    fn from(a: &Agenda) -> Self {
        AgendaView {
            today: a.today.to_string(),
            through: a.through.to_string(),
            counts: AgendaCountsView {
                overdue: a.overdue,
                today: a.due_today,
                upcoming: a.upcoming,
            },
            truncated: a.entries.len() < a.overdue + a.due_today + a.upcoming,
            entries: a
                .entries
                .iter()
                .map(|e| AgendaEntryView::new(e, a.today))
                .collect(),
        }
    }
}

/// What a write that moves a contact's schedule (a touch, a hold, a follow-up) answers: the
/// contact's next touch afterwards, and the id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleChangeView {
    pub contact_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub touch_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<HoldView>,
    pub next_touch_on: String,
    pub next_touch_source: String,
}

impl ScheduleChangeView {
    pub fn new(contact: ContactId, next: NextTouch) -> Self {
        ScheduleChangeView {
            contact_id: contact.0,
            touch_id: None,
            follow_up_id: None,
            hold: None,
            next_touch_on: next.on.to_string(),
            next_touch_source: next.source.to_string(),
        }
    }
}

/// A user, without any secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin`, `member` or `viewer`.
    pub role: String,
    pub time_zone: Option<String>,
    /// Whether the user can log in with a password.
    pub has_password: bool,
    pub created_at: String,
    /// Whether an admin disabled the user: they log in nowhere and own no contacts.
    pub disabled: bool,
    /// When they were disabled (null: active).
    pub disabled_at: Option<String>,
}

impl From<&rapport_store::Account> for UserView {
    fn from(a: &rapport_store::Account) -> Self {
        UserView {
            id: a.user.id.0,
            email: a.user.email.clone(),
            name: a.user.name.clone(),
            role: a.role.to_string(),
            time_zone: a.user.time_zone.clone(),
            has_password: a.has_password,
            created_at: a.created_at.to_string(),
            disabled: a.disabled_at.is_some(),
            disabled_at: a.disabled_at.map(|at| at.to_string()),
        }
    }
}

/// An API token, without its secret or hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenView {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
    pub revoked_at: Option<String>,
}

impl From<&rapport_store::ApiToken> for ApiTokenView {
    fn from(t: &rapport_store::ApiToken) -> Self {
        ApiTokenView {
            id: t.id,
            user_id: t.user.0,
            user_email: t.user_email.clone(),
            name: t.name.clone(),
            created_at: t.created_at.to_string(),
            last_used_at: t.last_used_at.map(|at| at.to_string()),
            revoked: t.revoked_at.is_some(),
            revoked_at: t.revoked_at.map(|at| at.to_string()),
        }
    }
}

/// What reassigning a user's contacts did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignView {
    pub from: i64,
    pub to: i64,
    /// How many contacts changed hands.
    pub moved: u64,
    /// Of how many contacts `to` became the nurture owner in `from`'s place.
    pub nurture_owner_moved: u64,
    /// Of how many contacts `to` became the sales owner (their sales-ready handoffs go to
    /// them) in `from`'s place.
    pub sales_owner_moved: u64,
}

impl ReassignView {
    pub fn new(from: UserId, to: UserId, reassigned: &rapport_store::Reassigned) -> ReassignView {
        ReassignView {
            from: from.0,
            to: to.0,
            moved: reassigned.contacts,
            nurture_owner_moved: reassigned.nurture_owner,
            sales_owner_moved: reassigned.sales_owner,
        }
    }
}

/// One field an audited change altered.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeView {
    pub field: String,
    #[schema(value_type = Value)]
    pub before: serde_json::Value,
    #[schema(value_type = Value)]
    pub after: serde_json::Value,
}

/// One audit row: who did what, when, to which record, with the record before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: String,
    pub actor_id: i64,
    pub actor_email: String,
    /// create, update, archive, unarchive, hold, unhold, complete, reassign, revoke.
    pub action: String,
    /// contact, organization, touch, follow_up, cadence_default, user, api_token.
    pub entity: String,
    pub entity_id: Option<i64>,
    pub contact_id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The fields that differ between before and after.
    pub changes: Vec<FieldChangeView>,
}

impl From<&rapport_store::AuditEntry> for AuditEntryView {
    fn from(e: &rapport_store::AuditEntry) -> Self {
        AuditEntryView {
            id: e.id,
            at: e.at.to_string(),
            actor_id: e.actor.0,
            actor_email: e.actor_email.clone(),
            action: e.action.to_string(),
            entity: e.entity.to_string(),
            entity_id: e.entity_id,
            contact_id: e.contact.map(|c| c.0),
            before: e.before.clone(),
            after: e.after.clone(),
            changes: e
                .changes()
                .into_iter()
                .map(|c| FieldChangeView {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        }
    }
}

/// One default cadence: where it applies and how often.
#[derive(Debug, Serialize, ToSchema)]
pub struct CadenceDefaultView {
    /// fallback, tier, stage, role or horizon.
    pub scope: String,
    /// The tier, stage, role or horizon it applies to (empty for the fallback).
    pub key: String,
    pub every: String,
    pub description: String,
}

impl CadenceDefaultView {
    pub fn new(scope: rapport_core::DefaultScope, cadence: Cadence) -> Self {
        let (name, key) = scope.parts();
        CadenceDefaultView {
            scope: name.to_owned(),
            key: key.to_owned(),
            every: cadence.to_string(),
            description: cadence.describe(),
        }
    }
}

/// An opportunity: secondary to the relationship, on one contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityView {
    pub id: i64,
    pub contact_id: i64,
    pub contact_name: String,
    pub organization: Option<OrganizationRefView>,
    pub title: String,
    /// Whole units of the team's currency.
    pub value: i64,
    pub opened_on: String,
    /// The stated window: `30`, `60`, `90` or `later` (days); null when a date was given.
    pub timeline: Option<String>,
    /// The day it is expected to close by: the date given or the end of the window; null for
    /// `later`.
    pub close_by: Option<String>,
    /// `open`, `won` or `lost`.
    pub outcome: String,
    pub closed_on: Option<String>,
    pub close_reason: Option<String>,
}

impl From<&Opportunity> for OpportunityView {
    fn from(o: &Opportunity) -> Self {
        OpportunityView {
            id: o.id.0,
            contact_id: o.contact.0,
            contact_name: o.contact_name.clone(),
            organization: o.organization.as_ref().map(|org| OrganizationRefView {
                id: org.id.0,
                name: org.name.clone(),
            }),
            title: o.title.clone(),
            value: o.value,
            opened_on: o.opened_on.to_string(),
            timeline: match o.expected.timeline {
                Timeline::Within(window) => Some(window.to_string()),
                Timeline::By(_) => None,
            },
            close_by: o.expected.close_by().map(|d| d.to_string()),
            outcome: o.outcome.to_string(),
            closed_on: o.closed.as_ref().map(|(on, _)| on.to_string()),
            close_reason: o.closed.as_ref().and_then(|(_, why)| why.clone()),
        }
    }
}

/// Where closing a deal one way moves the contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct CloseMoveView {
    pub stage: String,
    pub role: Option<String>,
    pub cadence: String,
    /// "stage customer, role customer, every month".
    pub description: String,
}

impl From<&CloseMove> for CloseMoveView {
    fn from(m: &CloseMove) -> Self {
        CloseMoveView {
            stage: m.stage.to_string(),
            role: m.role.map(|r| r.to_string()),
            cadence: m.cadence.to_string(),
            description: m.describe(),
        }
    }
}

/// The team's relationship rules: won → retention, lost → nurture, and how many days before
/// a competitor's renewal its account comes back on the agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipRulesView {
    pub won: CloseMoveView,
    pub lost: CloseMoveView,
    pub renewal_lead_days: u16,
    /// The least won + open opportunity value for tiers A, B and C: `100000,25000,5000`.
    pub tier_values: String,
}

impl From<&RelationshipRules> for RelationshipRulesView {
    fn from(r: &RelationshipRules) -> Self {
        RelationshipRulesView {
            won: CloseMoveView::from(&r.close.won),
            lost: CloseMoveView::from(&r.close.lost),
            renewal_lead_days: r.renewal_lead.days(),
            tier_values: r.tier_values.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastBucketView {
    /// `30`, `60`, `90` or `later`.
    pub bucket: String,
    /// "≤30 days" (past-due open deals count here), "31–60 days", "61–90 days", "later".
    pub label: String,
    pub count: u64,
    pub value: i64,
}

impl From<&BucketTotal> for ForecastBucketView {
    fn from(t: &BucketTotal) -> Self {
        ForecastBucketView {
            bucket: t.bucket.as_str().to_owned(),
            label: t.bucket.label().to_owned(),
            count: t.count,
            value: t.value,
        }
    }
}

/// The 30/60/90-day forecast of open opportunities, counted from today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub today: String,
    pub buckets: Vec<ForecastBucketView>,
    /// The open opportunities, each with its bucket.
    pub open: Vec<ForecastEntryView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastEntryView {
    pub bucket: String,
    #[serde(flatten)]
    pub opportunity: OpportunityView,
}

impl ForecastView {
    pub fn new(today: Date, open: &[Opportunity]) -> Self {
        let totals = forecast(today, open.iter().map(|o| (o.expected, o.value, o.outcome)));
        ForecastView {
            today: today.to_string(),
            buckets: totals.iter().map(ForecastBucketView::from).collect(),
            open: open
                .iter()
                .map(|o| ForecastEntryView {
                    bucket: Bucket::of(today, o.expected.close_by()).as_str().to_owned(),
                    opportunity: OpportunityView::from(o),
                })
                .collect(),
        }
    }
}

/// An organization's incumbent competitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitorView {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub renews_on: Option<String>,
    pub dissatisfactions: Vec<String>,
}

impl From<&Competitor> for CompetitorView {
    fn from(c: &Competitor) -> Self {
        CompetitorView {
            id: c.id.0,
            organization_id: c.organization.0,
            name: c.name.clone(),
            renews_on: c.renews_on.map(|d| d.to_string()),
            dissatisfactions: c.dissatisfactions.clone(),
        }
    }
}

/// What closing an opportunity answers: the opportunity, and where its contact went.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedOpportunityView {
    pub opportunity: OpportunityView,
    pub schedule: ScheduleChangeView,
}

/// One person in a contact's lead network, and what came of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourView {
    pub contact_id: i64,
    pub name: String,
    pub introduced_on: String,
    pub touches: u64,
    /// A client now: the customer role, the customer or advocate stage, or a won deal.
    pub client: bool,
    pub won_value: i64,
}

impl From<&Neighbour> for NeighbourView {
    fn from(n: &Neighbour) -> Self {
        NeighbourView {
            contact_id: n.contact.0,
            name: n.name.clone(),
            introduced_on: n.introduced_on.to_string(),
            touches: n.outcome.touches,
            client: n.outcome.client,
            won_value: n.outcome.won_value,
        }
    }
}

/// A contact's neighbourhood in the lead network: who introduced them, whom they introduced,
/// what that added up to, and whether they are a connector (brought clients, never bought).
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkView {
    pub contact_id: i64,
    pub name: String,
    pub source: Option<String>,
    pub client: bool,
    pub connector: bool,
    pub introduced_by: Vec<NeighbourView>,
    pub introduced: Vec<NeighbourView>,
    pub introduced_count: u64,
    pub clients_brought: u64,
    pub touches_with_introduced: u64,
    pub won_value_brought: i64,
    /// "introduced 3: 2 became clients, 5 touches, 52000 won".
    pub summary: String,
}

impl From<&Network> for NetworkView {
    fn from(n: &Network) -> Self {
        let outcomes: Vec<_> = n.introduced.iter().map(|i| i.outcome).collect();
        let reach = Reach::of(&outcomes);
        NetworkView {
            contact_id: n.contact.0,
            name: n.name.clone(),
            source: n.source.clone(),
            client: n.client,
            connector: reach.is_connector(n.client),
            introduced_by: n.introduced_by.iter().map(NeighbourView::from).collect(),
            introduced: n.introduced.iter().map(NeighbourView::from).collect(),
            introduced_count: reach.introduced,
            clients_brought: reach.clients,
            touches_with_introduced: reach.touches,
            won_value_brought: reach.won_value,
            summary: reach.describe(),
        }
    }
}

/// One part of a health score.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthPartView {
    /// `recency`, `frequency`, `reciprocity`; for an organization `people` and `breadth`.
    pub name: String,
    pub points: u32,
    pub max: u32,
    pub reason: String,
}

/// An explainable health score out of 100: the parts say where the points came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    pub score: u32,
    /// Fewer touches lately than in the span before.
    pub falling: bool,
    /// The parts' reasons in one line.
    pub explanation: String,
    pub parts: Vec<HealthPartView>,
}

impl From<&Health> for HealthView {
    fn from(h: &Health) -> Self {
        HealthView {
            score: h.score,
            falling: h.falling,
            explanation: h.explain(),
            parts: h
                .parts
                .iter()
                .map(|p| HealthPartView {
                    name: p.name.to_owned(),
                    points: p.points,
                    max: p.max,
                    reason: p.reason.clone(),
                })
                .collect(),
        }
    }
}

/// A contact's health, and why a valuable relationship is at risk (empty when it is not).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactHealthView {
    pub contact_id: i64,
    pub name: String,
    pub organization: Option<String>,
    /// The contact's tier, else their organization's.
    pub tier: Option<String>,
    pub next_touch_on: String,
    pub health: HealthView,
    pub risks: Vec<String>,
}

impl From<&ContactHealth> for ContactHealthView {
    fn from(c: &ContactHealth) -> Self {
        ContactHealthView {
            contact_id: c.contact.0,
            name: c.name.clone(),
            organization: c.organization.clone(),
            tier: c.tier.map(|t| t.to_string()),
            next_touch_on: c.next_touch_on.to_string(),
            health: HealthView::from(&c.health),
            risks: c.risks.iter().map(ToString::to_string).collect(),
        }
    }
}

/// An organization's health: its people's average, scaled by breadth.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationHealthView {
    pub organization_id: i64,
    pub name: String,
    pub health: HealthView,
    pub people: Vec<ContactHealthView>,
}

impl From<&OrganizationHealth> for OrganizationHealthView {
    fn from(o: &OrganizationHealth) -> Self {
        OrganizationHealthView {
            organization_id: o.organization.0,
            name: o.name.clone(),
            health: HealthView::from(&o.health),
            people: o.people.iter().map(ContactHealthView::from).collect(),
        }
    }
}

/// A lifecycle stage's playbook.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookView {
    pub stage: String,
    /// What the relationship looks like at this stage.
    pub looks_like: String,
    /// What it takes to move to the next step.
    pub checklist: Vec<String>,
    /// The approach for a prospect buying this kind of thing for the first time.
    pub approach_new: String,
    /// The approach for a prospect who bought before (often from a competitor).
    pub approach_seasoned: String,
    /// The stage's default cycle (`6w`), the one in the cadence defaults; null when none.
    pub cadence: Option<String>,
    /// "every 6 weeks".
    pub cadence_description: Option<String>,
}

impl From<&StagePlaybook> for PlaybookView {
    fn from(p: &StagePlaybook) -> Self {
        PlaybookView {
            stage: p.playbook.stage.to_string(),
            looks_like: p.playbook.looks_like.clone(),
            checklist: p.playbook.checklist.clone(),
            approach_new: p.playbook.approach_new.clone(),
            approach_seasoned: p.playbook.approach_seasoned.clone(),
            cadence: p.cadence.map(|c| c.to_string()),
            cadence_description: p.cadence.map(|c| c.describe()),
        }
    }
}

/// One checklist step and whether it is done for this contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// From 1.
    pub number: u64,
    pub text: String,
    pub done: bool,
}

/// A contact's place in their stage's playbook.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistView {
    pub contact_id: i64,
    pub playbook: PlaybookView,
    pub steps: Vec<StepView>,
    /// "1 of 3 steps done".
    pub progress: String,
    /// The prospect kind the approach is for.
    pub prospect_kind: String,
    /// True when that kind is suggested from history rather than set.
    pub prospect_kind_suggested: bool,
    pub approach: String,
}

impl From<&ContactChecklist> for ChecklistView {
    fn from(c: &ContactChecklist) -> Self {
        ChecklistView {
            contact_id: c.contact.0,
            playbook: PlaybookView::from(&c.stage),
            steps: c
                .steps
                .iter()
                .map(|s| StepView {
                    number: s.number as u64,
                    text: s.text.clone(),
                    done: s.done,
                })
                .collect(),
            progress: rapport_core::playbook::describe(&c.steps),
            prospect_kind: c.kind.to_string(),
            prospect_kind_suggested: c.kind_suggested,
            approach: c.approach().to_owned(),
        }
    }
}
/// One row an import could not take.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRowView {
    /// Where the row (or vCard) starts in the file, from 1.
    pub line: u64,
    /// The column (or vCard property) at fault, when one is.
    pub column: Option<String>,
    pub reason: String,
}

/// What an import did — or, in a dry run, would do (then nothing was written).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportView {
    pub file: String,
    /// The format read: csv, google, outlook, linkedin, vcard, xlsx or ods.
    pub format: String,
    pub dry_run: bool,
    /// Rows (or cards) read, the header not counted.
    pub rows: u64,
    /// New contacts.
    pub imported: u64,
    /// Rows that added something to a contact already there.
    pub updated: u64,
    /// Rows that changed nothing: already there, or empty.
    pub skipped: u64,
    /// Of the skipped: rows matching a contact that holds all they say.
    pub unchanged: u64,
    /// Of the skipped: rows with nothing in them.
    pub empty: u64,
    pub rejected: Vec<RejectedRowView>,
    /// Columns kept as notes or left out, photos skipped.
    pub notices: Vec<String>,
}

impl From<&rapport_store::ImportReport> for ImportReportView {
    fn from(r: &rapport_store::ImportReport) -> Self {
        ImportReportView {
            file: r.file.clone(),
            format: r.format.clone(),
            dry_run: r.dry_run,
            rows: r.rows,
            imported: r.imported,
            updated: r.updated,
            skipped: r.skipped(),
            unchanged: r.unchanged,
            empty: r.empty,
            rejected: r
                .rejected
                .iter()
                .map(|x| RejectedRowView {
                    line: x.line,
                    column: x.column.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
            notices: r.notices.clone(),
        }
    }
}

impl ImportReportView {
    /// The report as people read it, in a terminal and in the report file.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        let _ = writeln!(
            out,
            "{}: {} rows read as {}",
            self.file, self.rows, self.format
        );
        if self.dry_run {
            let _ = writeln!(out, "dry run: nothing was written");
        }
        let _ = writeln!(out, "{verb}: {}", self.imported);
        let _ = writeln!(out, "updated: {}", self.updated);
        let _ = writeln!(
            out,
            "skipped: {} ({} already up to date, {} empty)",
            self.skipped, self.unchanged, self.empty
        );
        let _ = writeln!(out, "rejected: {}", self.rejected.len());
        for r in &self.rejected {
            match &r.column {
                Some(column) => {
                    let _ = writeln!(out, "  line {}, column '{column}': {}", r.line, r.reason);
                }
                None => {
                    let _ = writeln!(out, "  line {}: {}", r.line, r.reason);
                }
            }
        }
        for notice in &self.notices {
            let _ = writeln!(out, "note: {notice}");
        }
        out
    }
}

/// Where a search result matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedView {
    /// `name`, `organization`, `email`, `domain`, `notes`, `touch` or `phone`.
    pub field: String,
    /// The text that matched (for a touch: its summary, needs and next approach).
    pub text: String,
    /// The touch, when `field` is `touch`.
    pub touch_id: Option<i64>,
}

impl From<&rapport_core::search::Matched> for MatchedView {
    fn from(m: &rapport_core::search::Matched) -> Self {
        MatchedView {
            field: m.field.as_str().to_owned(),
            text: m.text.clone(),
            touch_id: m.touch.map(|t| t.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactHitView {
    pub contact: ContactSummaryView,
    pub matched: Vec<MatchedView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationHitView {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub matched: Vec<MatchedView>,
}

/// Search results, best first: contacts, then organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchView {
    pub query: String,
    pub contacts: Vec<ContactHitView>,
    pub organizations: Vec<OrganizationHitView>,
}

impl SearchView {
    pub fn new(query: &str, found: &rapport_store::SearchResults) -> Self {
        let matched =
            |m: &[rapport_core::search::Matched]| m.iter().map(MatchedView::from).collect();
        SearchView {
            query: query.trim().to_owned(),
            contacts: found
                .contacts
                .iter()
                .map(|hit| ContactHitView {
                    contact: ContactSummaryView::from(&hit.contact),
                    matched: matched(&hit.matched),
                })
                .collect(),
            organizations: found
                .organizations
                .iter()
                .map(|o| OrganizationHitView {
                    id: o.id.0,
                    name: o.name.clone(),
                    domain: o.domain.clone(),
                    matched: matched(&o.matched),
                })
                .collect(),
        }
    }
}

/// Why two contacts look like one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    /// `same_phone`, `same_name` or `similar_names`.
    pub kind: String,
    /// "same phone +1 555 123 4567", "similar names at Acme Logistics".
    pub description: String,
}

impl From<&rapport_store::Evidence> for EvidenceView {
    fn from(evidence: &rapport_store::Evidence) -> Self {
        use rapport_core::duplicates::NameLikeness;
        use rapport_store::Evidence;
        let (kind, description) = match evidence {
            Evidence::SamePhone(phone) => ("same_phone", format!("same phone {phone}")),
            Evidence::Names {
                likeness,
                organization,
            } => {
                let (kind, what) = match likeness {
                    NameLikeness::Same => ("same_name", "same name"),
                    NameLikeness::Similar => ("similar_names", "similar names"),
                };
                let place = organization
                    .as_deref()
                    .map(|o| format!(" at {o}"))
                    .unwrap_or_default();
                (kind, format!("{what}{place}"))
            }
        };
        EvidenceView {
            kind: kind.to_owned(),
            description,
        }
    }
}

/// Two contacts that look like one person, the lower id first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePairView {
    pub first: ContactSummaryView,
    pub second: ContactSummaryView,
    pub evidence: Vec<EvidenceView>,
}

impl From<&rapport_store::DuplicatePair> for DuplicatePairView {
    fn from(pair: &rapport_store::DuplicatePair) -> Self {
        DuplicatePairView {
            first: ContactSummaryView::from(&pair.first),
            second: ContactSummaryView::from(&pair.second),
            evidence: pair.evidence.iter().map(EvidenceView::from).collect(),
        }
    }
}

/// How many records a merge moved from the merged contact to the survivor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedView {
    pub touches: u64,
    pub follow_ups: u64,
    pub opportunities: u64,
    pub stage_changes: u64,
    pub roles: u64,
    pub emails: u64,
    pub phones: u64,
    pub tags: u64,
    /// Custom fields the survivor did not have (its own values win).
    pub fields: u64,
    pub introductions: u64,
}

/// A merge done: the survivor, the merged contact (now archived, `merged_into` the
/// survivor), what moved, and the survivor's next touch.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeView {
    pub survivor_id: i64,
    pub merged_id: i64,
    pub moved: MovedView,
    pub next_touch_on: String,
    pub next_touch_source: String,
}

impl From<&rapport_store::Merged> for MergeView {
    fn from(m: &rapport_store::Merged) -> Self {
        let moved = m.moved;
        MergeView {
            survivor_id: m.survivor.0,
            merged_id: m.merged.0,
            moved: MovedView {
                touches: moved.touches,
                follow_ups: moved.follow_ups,
                opportunities: moved.opportunities,
                stage_changes: moved.stage_changes,
                roles: moved.roles,
                emails: moved.emails,
                phones: moved.phones,
                tags: moved.tags,
                fields: moved.fields,
                introductions: moved.introductions,
            },
            next_touch_on: m.next_touch.on.to_string(),
            next_touch_source: m.next_touch.source.to_string(),
        }
    }
}

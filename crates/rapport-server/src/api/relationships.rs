//! Relationship intelligence: opportunities and the 30/60/90 forecast, closing a deal (which
//! moves the contact by the team's rule), incumbent competitors, the lead network,
//! relationship health and the at-risk list, and the rules themselves.
//! Who may do what is the store's access rules: a contact's owner (or an admin) opens and
//! closes its opportunities, anyone who writes records competitors, admins change the rules.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use rapport_core::model::{ContactId, OpportunityId, OrganizationId};
use rapport_core::opportunity::Timeline;
use rapport_core::{Outcome, Role};
use rapport_store::{CompetitorUpdate, NewOpportunity, OpportunityFilter, RulesPatch, StoreError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Body, Fields, Moment, Page, Params, clearable, created, path_id};
use crate::AppState;
use crate::auth::{Actor, Writer};
use crate::problem::Problem;
use crate::views::{
    ClosedOpportunityView, CompetitorView, ContactHealthView, ForecastView, NetworkView,
    OpportunityView, OrganizationHealthView, RelationshipRulesView, ScheduleChangeView,
    SuggestionsView,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpportunityQuery {
    /// Only this contact's opportunities (a contact id).
    contact: Option<String>,
    /// `true`: only open ones.
    open: Option<String>,
}

/// Opportunities, newest first.
#[utoipa::path(get, path = "/api/v1/opportunities", params(OpportunityQuery), responses(
    (status = 200, body = Page<OpportunityView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn list_opportunities(
    State(state): State<AppState>,
    Actor(_): Actor,
    Params(query): Params<OpportunityQuery>,
) -> ApiResult<Json<Page<OpportunityView>>> {
    let mut fields = Fields::default();
    let contact = query.contact.as_deref().and_then(|text| {
        let id = path_id("contact", text).ok().map(ContactId);
        if id.is_none() {
            fields.error("contact", format!("expected a contact id, got '{text}'"));
        }
        id
    });
    let open_only = fields
        .parse::<bool>("open", query.open.as_deref())
        .unwrap_or(false);
    fields.finish_params()?;
    let found = state
        .store
        .opportunities(OpportunityFilter { contact, open_only })
        .await?;
    Ok(Json(Page {
        items: found.iter().map(OpportunityView::from).collect(),
        next_cursor: None,
    }))
}

/// A new opportunity on a contact. Give a `timeline` (`30`, `60`, `90` or `later`: days, as
/// the prospect says it today) or a `close_by` date, not both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOpportunityBody {
    title: String,
    /// Whole units of the team's currency.
    value: i64,
    timeline: Option<String>,
    /// `2027-03-01`, `3m`…
    close_by: Option<String>,
}

/// Opens an opportunity on a contact (its owner or an admin). It does not move the contact's
/// schedule: the relationship comes first.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/opportunities", params(("id" = i64, Path)), request_body = NewOpportunityBody, responses(
    (status = 201, body = OpportunityView, headers(("Location" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn add_opportunity(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<NewOpportunityBody>,
) -> ApiResult<Response> {
    let contact = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let new = opportunity_of(
        &mut fields,
        &body.title,
        Some(body.value),
        body.timeline.as_deref(),
        body.close_by.as_deref(),
        moment.today(),
    );
    fields.finish()?;
    let Some(new) = new else {
        return Err(Problem::internal());
    };
    let opened = state
        .store
        .add_opportunity(account.user.id, contact, new, moment.now, moment.today())
        .await?;
    Ok(created(
        format!("/api/v1/opportunities?contact={contact}"),
        OpportunityView::from(&opened),
    ))
}

/// The opportunity a request or form describes — a title, a value that is not negative, and
/// either a timeline (`30`, `60`, `90`, `later`) or a `close_by` date — or `None` with every
/// problem recorded in `fields` (`value: None` means it was already found unreadable).
pub(crate) fn opportunity_of(
    fields: &mut Fields,
    title: &str,
    value: Option<i64>,
    timeline: Option<&str>,
    close_by: Option<&str>,
    today: jiff::civil::Date,
) -> Option<NewOpportunity> {
    let title = title.trim().to_owned();
    if title.is_empty() {
        fields.error("title", "an opportunity needs a title");
    }
    if value.is_some_and(|v| v < 0) {
        fields.error("value", "a value cannot be negative");
    }
    let timeline = match (timeline, close_by) {
        (Some(window), None) => fields.parse("timeline", Some(window)).map(Timeline::Within),
        (None, Some(day)) => fields.date("close_by", day, today).map(Timeline::By),
        (None, None) => {
            fields.error(
                "timeline",
                "give a timeline (30, 60, 90, later) or a close_by date",
            );
            None
        }
        (Some(_), Some(_)) => {
            fields.error(
                "timeline",
                "give a timeline or a close_by date, not both: the date would contradict it",
            );
            None
        }
    };
    if !fields.errors.is_empty() {
        return None;
    }
    Some(NewOpportunity {
        title,
        value: value?,
        timeline: timeline?,
    })
}

/// How an opportunity closed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// `won` or `lost`.
    outcome: String,
    reason: Option<String>,
}

/// Closes an opportunity as won or lost (its contact's owner or an admin). The contact moves
/// by the team's close rule — won into retention, lost into nurture — and stays on the
/// agenda; the answer says when it is due next.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/close", params(("id" = i64, Path)), request_body = CloseBody, responses(
    (status = 200, body = ClosedOpportunityView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn close_opportunity(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<CloseBody>,
) -> ApiResult<Json<ClosedOpportunityView>> {
    let id = OpportunityId(path_id("id", &id)?);
    let mut fields = Fields::default();
    let outcome = closing_outcome(&mut fields, &body.outcome);
    fields.finish()?;
    let Some(outcome) = outcome else {
        return Err(Problem::internal());
    };
    let moment = Moment::of(&state, &account);
    let (closed, next) = state
        .store
        .close_opportunity(
            account.user.id,
            id,
            outcome,
            body.reason.as_deref(),
            moment.now,
            moment.today(),
        )
        .await?;
    Ok(Json(ClosedOpportunityView {
        schedule: ScheduleChangeView::new(closed.contact, next),
        opportunity: OpportunityView::from(&closed),
    }))
}

/// How a deal closes: `won` or `lost` (never back to `open`), or `None` with the error.
pub(crate) fn closing_outcome(fields: &mut Fields, text: &str) -> Option<Outcome> {
    match fields.parse::<Outcome>("outcome", Some(text)) {
        Some(Outcome::Open) => {
            fields.error("outcome", "an opportunity closes as won or lost");
            None
        }
        other => other,
    }
}

/// The 30/60/90-day forecast of open opportunities from today (the acting user's day): per
/// bucket, how many and what they are worth; an open deal past its date counts as ≤30 days.
#[utoipa::path(get, path = "/api/v1/forecast", responses(
    (status = 200, body = ForecastView),
))]
pub(super) async fn forecast(
    State(state): State<AppState>,
    Actor(account): Actor,
) -> ApiResult<Json<ForecastView>> {
    let today = Moment::of(&state, &account).today();
    let open = state.store.open_opportunities().await?;
    Ok(Json(ForecastView::new(today, &open)))
}

/// The team's relationship rules.
#[utoipa::path(get, path = "/api/v1/relationship-rules", responses(
    (status = 200, body = RelationshipRulesView),
))]
pub(super) async fn rules(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<RelationshipRulesView>> {
    Ok(Json(RelationshipRulesView::from(
        &state.store.relationship_rules().await?,
    )))
}

/// A change to the relationship rules; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RulesBody {
    /// The stage a won deal moves its contact to.
    pub(crate) won_stage: Option<String>,
    /// The role a won deal gives its contact; null for none.
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub(crate) won_role: Option<Option<String>>,
    /// The retention cycle after a win (`1m`, `6w`…).
    pub(crate) won_cadence: Option<String>,
    pub(crate) lost_stage: Option<String>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub(crate) lost_role: Option<Option<String>>,
    /// The nurture cycle after a loss.
    pub(crate) lost_cadence: Option<String>,
    /// How many days before a competitor's renewal its account comes back (1–730).
    pub(crate) renewal_lead_days: Option<u16>,
    /// The least won + open opportunity value for tiers A, B and C, highest first:
    /// `100000,25000,5000`.
    pub(crate) tier_values: Option<String>,
}

/// The change to the rules a request or form asks for; bad values are recorded in `fields`
/// and left out.
pub(crate) fn rules_patch(fields: &mut Fields, body: RulesBody) -> RulesPatch {
    let mut role = |field: &str, value: Option<Option<String>>| -> Option<Option<Role>> {
        match value? {
            None => Some(None),
            Some(word) => fields.parse(field, Some(&word)).map(Some),
        }
    };
    let (won_role, lost_role) = (
        role("won_role", body.won_role),
        role("lost_role", body.lost_role),
    );
    RulesPatch {
        won_stage: fields.parse("won_stage", body.won_stage.as_deref()),
        won_role,
        won_cadence: fields.parse("won_cadence", body.won_cadence.as_deref()),
        lost_stage: fields.parse("lost_stage", body.lost_stage.as_deref()),
        lost_role,
        lost_cadence: fields.parse("lost_cadence", body.lost_cadence.as_deref()),
        renewal_lead: fields.parse(
            "renewal_lead_days",
            body.renewal_lead_days.map(|d| d.to_string()).as_deref(),
        ),
        tier_values: fields.parse("tier_values", body.tier_values.as_deref()),
    }
}

/// Changes the relationship rules (admins only: they move everyone's contacts).
#[utoipa::path(patch, path = "/api/v1/relationship-rules", request_body = RulesBody, responses(
    (status = 200, body = RelationshipRulesView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn change_rules(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<RulesBody>,
) -> ApiResult<Json<RelationshipRulesView>> {
    let mut fields = Fields::default();
    let patch = rules_patch(&mut fields, body);
    fields.finish()?;
    let now = Moment::of(&state, &account).now;
    let rules = state
        .store
        .change_relationship_rules(account.user.id, patch, now)
        .await?;
    Ok(Json(RelationshipRulesView::from(&rules)))
}

/// An organization's incumbent competitors, soonest renewal first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/competitors", params(("id" = i64, Path)), responses(
    (status = 200, body = Page<CompetitorView>),
))]
pub(super) async fn list_competitors(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<CompetitorView>>> {
    let id = OrganizationId(path_id("id", &id)?);
    state.store.organization(id).await?;
    let found = state.store.competitors(id).await?;
    Ok(Json(Page {
        items: found.iter().map(CompetitorView::from).collect(),
        next_cursor: None,
    }))
}

/// An incumbent competitor to record: new by name, or an update (a renewal date replaces the
/// old one; dissatisfactions are added).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorBody {
    name: String,
    /// When their contract renews: `2027-05-01`, `6m`…
    renews_on: Option<String>,
    #[serde(default)]
    dissatisfactions: Vec<String>,
}

/// The competitor a request or form records — a name, perhaps a renewal date — or what is
/// wrong with it in `fields`.
pub(crate) fn competitor_of(
    fields: &mut Fields,
    name: &str,
    renews_on: Option<&str>,
    dissatisfactions: Vec<String>,
    today: jiff::civil::Date,
) -> CompetitorUpdate {
    let name = name.trim().to_owned();
    if name.is_empty() {
        fields.error("name", "a competitor needs a name");
    }
    let renews_on = renews_on.and_then(|day| fields.date("renews_on", day, today));
    CompetitorUpdate {
        name,
        renews_on,
        dissatisfactions,
    }
}

/// Records an organization's incumbent competitor. The account's contacts come back on the
/// agenda the team's lead time before the renewal, with the dissatisfactions as the reason.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/competitors", params(("id" = i64, Path)), request_body = CompetitorBody, responses(
    (status = 200, body = CompetitorView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn record_competitor(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<CompetitorBody>,
) -> ApiResult<Json<CompetitorView>> {
    let organization = OrganizationId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let update = competitor_of(
        &mut fields,
        &body.name,
        body.renews_on.as_deref(),
        body.dissatisfactions,
        moment.today(),
    );
    fields.finish()?;
    let recorded = state
        .store
        .record_competitor(account.user.id, organization, update, moment.now)
        .await?;
    Ok(Json(CompetitorView::from(&recorded)))
}

/// Who introduced whom: two contact ids, and the day (default: today).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroductionBody {
    introducer: i64,
    introduced: i64,
    /// `2026-11-01`, `yesterday`…
    on: Option<String>,
}

/// Records an introduction (anyone who writes: it is activity). The introducer takes on the
/// referrer role; the introduced contact's empty source becomes "introduced by …". Answers
/// the introducer's network.
#[utoipa::path(post, path = "/api/v1/introductions", request_body = IntroductionBody, responses(
    (status = 201, body = NetworkView, headers(("Location" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn introduce(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<IntroductionBody>,
) -> ApiResult<Response> {
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let on = match body.on.as_deref() {
        Some(day) => fields.date("on", day, moment.today()),
        None => Some(moment.today()),
    };
    fields.finish()?;
    let Some(on) = on else {
        return Err(Problem::internal());
    };
    let (introducer, introduced) = (ContactId(body.introducer), ContactId(body.introduced));
    match state
        .store
        .introduce(account.user.id, introducer, introduced, on, moment.now)
        .await
    {
        // Itself, again, or the other way round: the pair is refused, named by its second.
        Err(StoreError::Invalid(message)) => return Err(Problem::field("introduced", message)),
        other => other?,
    }
    let network = state.store.network(introducer).await?;
    Ok(created(
        format!("/api/v1/contacts/{introducer}/network"),
        NetworkView::from(&network),
    ))
}

/// A contact's lead network: who introduced them, whom they introduced and what came of it
/// (touches, clients, won value), and whether they are a connector.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/network", params(("id" = i64, Path)), responses(
    (status = 200, body = NetworkView),
))]
pub(super) async fn network(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<NetworkView>> {
    let contact = ContactId(path_id("id", &id)?);
    Ok(Json(NetworkView::from(
        &state.store.network(contact).await?,
    )))
}

/// A contact's health on the acting user's today, every part explained, with why it is at
/// risk if it is a valuable relationship (tier A/B) that is overdue, falling or
/// single-threaded.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/health", params(("id" = i64, Path)), responses(
    (status = 200, body = ContactHealthView),
))]
pub(super) async fn contact_health(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<ContactHealthView>> {
    let contact = ContactId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    let health = state.store.contact_health(contact, today).await?;
    Ok(Json(ContactHealthView::from(&health)))
}

/// An organization's health: its people's average, scaled by breadth (how many we know).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/health", params(("id" = i64, Path)), responses(
    (status = 200, body = OrganizationHealthView),
))]
pub(super) async fn organization_health(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganizationHealthView>> {
    let organization = OrganizationId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    let health = state.store.organization_health(organization, today).await?;
    Ok(Json(OrganizationHealthView::from(&health)))
}

/// The at-risk list: valuable relationships (tier A/B, the contact's or its organization's)
/// that are overdue, falling or single-threaded, each with its reasons; most reasons first.
#[utoipa::path(get, path = "/api/v1/at-risk", responses(
    (status = 200, body = Page<ContactHealthView>),
))]
pub(super) async fn at_risk(
    State(state): State<AppState>,
    Actor(account): Actor,
) -> ApiResult<Json<Page<ContactHealthView>>> {
    let today = Moment::of(&state, &account).today();
    let found = state.store.at_risk(today).await?;
    Ok(Json(Page {
        items: found.iter().map(ContactHealthView::from).collect(),
        next_cursor: None,
    }))
}

/// What history suggests about an organization: the tier its won + open opportunity value
/// earns, beside the default cycle of the tier it has.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/suggestions", params(("id" = i64, Path)), responses(
    (status = 200, body = SuggestionsView),
))]
pub(super) async fn organization_suggestions(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<SuggestionsView>> {
    let organization = OrganizationId(path_id("id", &id)?);
    let suggestions = state.store.organization_suggestions(organization).await?;
    Ok(Json(SuggestionsView::of_organization(&suggestions)))
}

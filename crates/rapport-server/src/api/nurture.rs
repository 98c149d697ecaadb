//! Lead nurturing: the content library, a contact's interests and needs, recommendations,
//! sending an item (a content touch, within the caps), nurture and sales owners, the
//! sales-ready signal, handoffs, the nurture rules and the nurture report. There is no bulk
//! send: an item's audience is a list for a person to work through.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_core::model::{ContactId, UserId, non_blank};
use rapport_core::nurture::{ContentId, Term, word_list};
use rapport_core::{Direction, InterestKind, TouchKind, when};
use rapport_store::{ContentFields, ContentPatch, NewTouch, NurtureRules};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Body, Fields, Moment, Page, Params, clearable, created, limit, path_id};
use crate::AppState;
use crate::auth::{Actor, Writer};
use crate::problem::Problem;
use crate::views::{
    ContentView, HandoffsView, InterestView, NurtureOwnersView, NurtureReportView,
    NurtureRulesView, RecommendationsView, ScheduleChangeView,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// `true`: include retired items.
    all: Option<String>,
}

/// The content library, newest first.
#[utoipa::path(get, path = "/api/v1/content", params(ContentQuery), responses(
    (status = 200, body = Page<ContentView>),
))]
pub(super) async fn list_content(
    State(state): State<AppState>,
    Actor(_): Actor,
    Params(query): Params<ContentQuery>,
) -> ApiResult<Json<Page<ContentView>>> {
    let mut fields = Fields::default();
    let all = fields
        .parse::<bool>("all", query.all.as_deref())
        .unwrap_or(false);
    fields.finish_params()?;
    let library = state.store.content_library(all).await?;
    Ok(Json(Page {
        items: library.iter().map(ContentView::from).collect(),
        next_cursor: None,
    }))
}

/// An item's fields. On create, `title`, `link`, `format` and at least one topic or need are
/// required; on PATCH, absent fields stay as they are and null clears `summary`/`expires_on`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ContentBody {
    pub(crate) title: Option<String>,
    /// A URL or a file reference.
    pub(crate) link: Option<String>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub(crate) summary: Option<Option<String>>,
    /// article, guide, case study, video…
    pub(crate) format: Option<String>,
    pub(crate) topics: Option<Vec<String>>,
    /// The needs it addresses.
    pub(crate) needs: Option<Vec<String>>,
    /// Lifecycle stages it suits; empty: any.
    pub(crate) stages: Option<Vec<String>>,
    /// Prospect kinds it suits (`new`, `seasoned`); empty: any.
    pub(crate) kinds: Option<Vec<String>>,
    /// The last day it may be sent: `2027-06-30`, `6m`…
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub(crate) expires_on: Option<Option<String>>,
}

impl Fields {
    fn terms(&mut self, field: &str, values: Option<Vec<String>>) -> Option<Vec<Term>> {
        let values = values?;
        let mut terms = vec![];
        for (i, value) in values.iter().enumerate() {
            if let Some(term) = self.check(&format!("{field}[{i}]"), Term::parse(value))
                && !terms.contains(&term)
            {
                terms.push(term);
            }
        }
        Some(terms)
    }

    fn words<T>(&mut self, field: &str, values: Option<Vec<String>>) -> Option<Vec<T>>
    where
        T: std::str::FromStr + PartialEq,
        T::Err: std::fmt::Display,
    {
        let values = values?;
        self.check(field, word_list::<T>(&values.join(",")))
    }

    /// The body as a change to an item; errors name their fields.
    pub(crate) fn content_patch(
        &mut self,
        body: ContentBody,
        today: jiff::civil::Date,
    ) -> ContentPatch {
        ContentPatch {
            title: body.title,
            link: body.link,
            summary: body.summary.map(non_blank),
            format: body.format,
            topics: self.terms("topics", body.topics),
            needs: self.terms("needs", body.needs),
            stages: self.words("stages", body.stages),
            kinds: self.words("kinds", body.kinds),
            expires_on: match body.expires_on {
                None => None,
                Some(None) => Some(None),
                Some(Some(text)) => self.date("expires_on", &text, today).map(Some),
            },
        }
    }
}

/// Adds an item to the library (anyone who writes).
#[utoipa::path(post, path = "/api/v1/content", request_body = ContentBody, responses(
    (status = 201, body = ContentView, headers(("Location" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn add_content(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<ContentBody>,
) -> ApiResult<Response> {
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    for (given, field) in [
        (&body.title, "title"),
        (&body.link, "link"),
        (&body.format, "format"),
    ] {
        if given.as_deref().is_none_or(|v| v.trim().is_empty()) {
            fields.error(field, format!("an item needs a {field}"));
        }
    }
    let no_terms = |values: &Option<Vec<String>>| {
        values
            .as_ref()
            .is_none_or(|v| v.iter().all(|t| t.trim().is_empty()))
    };
    if no_terms(&body.topics) && no_terms(&body.needs) {
        fields.error(
            "topics",
            "give topics or needs, so the item can be matched to people",
        );
    }
    let patch = fields.content_patch(body, moment.today());
    fields.finish()?;
    let added = state
        .store
        .add_content(
            account.user.id,
            patch.apply(ContentFields::default()),
            moment.now,
        )
        .await?;
    Ok(created(
        format!("/api/v1/content/{}", added.id),
        ContentView::from(&added),
    ))
}

/// One library item.
#[utoipa::path(get, path = "/api/v1/content/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = ContentView),
))]
pub(super) async fn show_content(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<ContentView>> {
    let id = ContentId(path_id("id", &id)?);
    Ok(Json(ContentView::from(&state.store.content(id).await?)))
}

/// Changes an item (anyone who writes); absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/content/{id}", params(("id" = i64, Path)), request_body = ContentBody, responses(
    (status = 200, body = ContentView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn edit_content(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<ContentBody>,
) -> ApiResult<Json<ContentView>> {
    let id = ContentId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let patch = fields.content_patch(body, moment.today());
    fields.finish()?;
    let edited = state
        .store
        .edit_content(account.user.id, id, patch, moment.now)
        .await?;
    Ok(Json(ContentView::from(&edited)))
}

/// Retires an item: never recommended or sent again; the touches that sent it keep naming it.
#[utoipa::path(post, path = "/api/v1/content/{id}/retire", params(("id" = i64, Path)), responses(
    (status = 200, body = ContentView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn retire_content(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<ContentView>> {
    let id = ContentId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let retired = state
        .store
        .retire_content(account.user.id, id, moment.today(), moment.now)
        .await?;
    Ok(Json(ContentView::from(&retired)))
}

/// A contact an item is relevant to, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceView {
    pub contact_id: i64,
    pub name: String,
    pub score: u32,
    pub reason: String,
}

/// The contacts an item is relevant to today, best match first — a list for a person to work
/// through one by one; there is no bulk send.
#[utoipa::path(get, path = "/api/v1/content/{id}/audience", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<AudienceView>),
))]
pub(super) async fn audience(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AudienceView>>> {
    let id = ContentId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    let found = state.store.audience(account.user.id, id, today).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(contact, name, r)| AudienceView {
                contact_id: contact.0,
                name,
                score: r.score,
                reason: r.reason,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// Most recommendations to return (1–1000, default 5).
    limit: Option<String>,
}

/// A contact's interests and needs and the library ranked for them, each with its reason;
/// never an item they received, an expired or a retired one. `held_back` names the cap
/// that keeps content from going today, and when it lifts.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/recommendations", params(("id" = i64, Path), RecommendationQuery), responses(
    (status = 200, body = RecommendationsView),
))]
pub(super) async fn recommendations(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
    Params(query): Params<RecommendationQuery>,
) -> ApiResult<Json<RecommendationsView>> {
    let contact = ContactId(path_id("id", &id)?);
    let limit = limit("limit", query.limit.as_deref(), 5)?;
    let today = Moment::of(&state, &account).today();
    let found = state
        .store
        .recommend(account.user.id, contact, today)
        .await?;
    Ok(Json(RecommendationsView::new(
        contact.0,
        &found,
        usize::try_from(limit).unwrap_or(usize::MAX),
    )))
}

/// A contact's interests and needs: stated by hand, and taken from their touches.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/interests", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<InterestView>),
))]
pub(super) async fn interests(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<InterestView>>> {
    let contact = ContactId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    let found = state
        .store
        .recommend(account.user.id, contact, today)
        .await?;
    Ok(Json(
        found.interests.iter().map(InterestView::from).collect(),
    ))
}

/// The stated interests and needs; an absent list stays as it is, a given one replaces them.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct InterestsBody {
    interests: Option<Vec<String>>,
    needs: Option<Vec<String>>,
}

/// Sets a contact's stated interests and needs (its owner or an admin).
#[utoipa::path(put, path = "/api/v1/contacts/{id}/interests", params(("id" = i64, Path)), request_body = InterestsBody, responses(
    (status = 200, body = Vec<InterestView>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn set_interests(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<InterestsBody>,
) -> ApiResult<Json<Vec<InterestView>>> {
    let contact = ContactId(path_id("id", &id)?);
    let mut fields = Fields::default();
    let changes = [
        (
            InterestKind::Interest,
            fields.terms("interests", body.interests),
        ),
        (InterestKind::Need, fields.terms("needs", body.needs)),
    ];
    fields.finish()?;
    let moment = Moment::of(&state, &account);
    for (kind, terms) in changes {
        if let Some(terms) = terms {
            state
                .store
                .set_interests(account.user.id, contact, kind, &terms, moment.now)
                .await?;
        }
    }
    let found = state
        .store
        .recommend(account.user.id, contact, moment.today())
        .await?;
    Ok(Json(
        found.interests.iter().map(InterestView::from).collect(),
    ))
}

/// A library item to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    content_id: i64,
    /// What you wrote with it; default "Sent 'TITLE' (LINK)".
    summary: Option<String>,
    /// When it was sent: default now.
    at: Option<String>,
}

/// Sends a library item to a contact: logged as a content touch by the acting user, which
/// moves the contact's cycle on. Refused (409) when a cap holds the contact back, naming the
/// cap and when it lifts; 422 when the item is retired, expired or already received.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/content-touches", params(("id" = i64, Path)), request_body = SendBody, responses(
    (status = 201, body = ScheduleChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn send_content(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<SendBody>,
) -> ApiResult<Response> {
    let contact = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    if body.content_id < 1 {
        fields.error("content_id", "expected a library item's id");
    }
    let at = match body.at.as_deref() {
        None => Some(moment.now),
        Some(text) => fields.check("at", when::parse_instant(text, moment.now, &moment.tz)),
    };
    fields.finish()?;
    let Some(at) = at else {
        return Err(Problem::internal());
    };
    let touch = NewTouch {
        kind: TouchKind::ContentShared,
        direction: Direction::Outbound,
        at,
        on: when::today(at, &moment.tz),
        summary: non_blank(body.summary),
        needs: None,
        next_approach: None,
        private: false,
    };
    let (touch_id, next) = state
        .store
        .send_content(
            account.user.id,
            contact,
            ContentId(body.content_id),
            touch,
            moment.now,
        )
        .await?;
    Ok(created(
        format!("/api/v1/contacts/{contact}/touches"),
        ScheduleChangeView {
            touch_id: Some(touch_id.0),
            ..ScheduleChangeView::new(contact, next)
        },
    ))
}

/// Who nurtures a contact and who sells to them.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/nurture", params(("id" = i64, Path)), responses(
    (status = 200, body = NurtureOwnersView),
))]
pub(super) async fn owners(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<NurtureOwnersView>> {
    let contact = ContactId(path_id("id", &id)?);
    let owners = state.store.nurture_owners(contact).await?;
    Ok(Json(NurtureOwnersView::new(contact.0, &owners)))
}

/// Nurture and sales owners: user ids; null clears one (the contact's owner again); absent
/// stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OwnersBody {
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<i64>)]
    nurture_owner_id: Option<Option<i64>>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<i64>)]
    sales_owner_id: Option<Option<i64>>,
}

/// Sets who nurtures a contact and who sells to them (its owner or an admin).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}/nurture", params(("id" = i64, Path)), request_body = OwnersBody, responses(
    (status = 200, body = NurtureOwnersView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn set_owners(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<OwnersBody>,
) -> ApiResult<Json<NurtureOwnersView>> {
    let contact = ContactId(path_id("id", &id)?);
    let now = Moment::of(&state, &account).now;
    let user = |value: Option<Option<i64>>| value.map(|v| v.map(UserId));
    let owners = state
        .store
        .set_nurture_owners(
            account.user.id,
            contact,
            user(body.nurture_owner_id),
            user(body.sales_owner_id),
            now,
        )
        .await?;
    Ok(Json(NurtureOwnersView::new(contact.0, &owners)))
}

/// The explicit sales-ready signal.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReadyBody {
    /// What they said or did ("asked for a quote").
    note: Option<String>,
}

/// Marks a contact sales-ready today: it goes to its sales owner as a handoff.
#[utoipa::path(put, path = "/api/v1/contacts/{id}/ready", params(("id" = i64, Path)), request_body = ReadyBody, responses(
    (status = 200, body = NurtureOwnersView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn ready(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<ReadyBody>,
) -> ApiResult<Json<NurtureOwnersView>> {
    let contact = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let signal = Some((moment.today(), non_blank(body.note)));
    let owners = state
        .store
        .signal_ready(account.user.id, contact, signal, moment.now)
        .await?;
    Ok(Json(NurtureOwnersView::new(contact.0, &owners)))
}

/// Withdraws the sales-ready signal.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}/ready", params(("id" = i64, Path)), responses(
    (status = 204, description = "withdrawn"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn unready(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let contact = ContactId(path_id("id", &id)?);
    let now = Moment::of(&state, &account).now;
    state
        .store
        .signal_ready(account.user.id, contact, None, now)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Sales-ready contacts handed to the acting user (as sales owner), and those that went from
/// their nurture, each with the whole nurture history.
#[utoipa::path(get, path = "/api/v1/handoffs", responses(
    (status = 200, body = HandoffsView),
))]
pub(super) async fn handoffs(
    State(state): State<AppState>,
    Actor(account): Actor,
) -> ApiResult<Json<HandoffsView>> {
    let today = Moment::of(&state, &account).today();
    let found = state.store.handoffs(account.user.id, today).await?;
    Ok(Json(HandoffsView::from(&found)))
}

/// The team's nurture rules: the caps and the engagement rule.
#[utoipa::path(get, path = "/api/v1/nurture-rules", responses(
    (status = 200, body = NurtureRulesView),
))]
pub(super) async fn rules(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<NurtureRulesView>> {
    Ok(Json(NurtureRulesView::from(
        &state.store.nurture_rules().await?,
    )))
}

/// A change to the nurture rules; absent fields stay as they are. Periods are at least one
/// day; a limit of 0 turns the touch cap or the engagement rule off.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NurtureRulesBody {
    #[schema(minimum = 1)]
    content_gap_days: Option<u16>,
    touch_limit: Option<u16>,
    #[schema(minimum = 1)]
    touch_period_days: Option<u16>,
    ready_inbound: Option<u16>,
    #[schema(minimum = 1)]
    ready_inbound_days: Option<u16>,
}

/// Changes the nurture rules (admins only: they bind everyone).
#[utoipa::path(patch, path = "/api/v1/nurture-rules", request_body = NurtureRulesBody, responses(
    (status = 200, body = NurtureRulesView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn change_rules(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<NurtureRulesBody>,
) -> ApiResult<Json<NurtureRulesView>> {
    let mut fields = Fields::default();
    for (value, field) in [
        (body.content_gap_days, "content_gap_days"),
        (body.touch_period_days, "touch_period_days"),
        (body.ready_inbound_days, "ready_inbound_days"),
    ] {
        if value == Some(0) {
            fields.error(field, "a period is at least one day");
        }
    }
    fields.finish()?;
    let now = Moment::of(&state, &account).now;
    let change = |r: NurtureRules| {
        let mut r = r;
        r.caps.content_gap_days = body.content_gap_days.unwrap_or(r.caps.content_gap_days);
        r.caps.touch_limit = body.touch_limit.unwrap_or(r.caps.touch_limit);
        r.caps.touch_period_days = body.touch_period_days.unwrap_or(r.caps.touch_period_days);
        r.engagement.inbound = body.ready_inbound.unwrap_or(r.engagement.inbound);
        r.engagement.days = body.ready_inbound_days.unwrap_or(r.engagement.days);
        r
    };
    let rules = state
        .store
        .change_nurture_rules(account.user.id, change, now)
        .await?;
    Ok(Json(NurtureRulesView::from(&rules)))
}

/// Nurture coverage on the acting user's today, and which content gets replies.
#[utoipa::path(get, path = "/api/v1/reports/nurture", responses(
    (status = 200, body = NurtureReportView),
))]
pub(super) async fn report(
    State(state): State<AppState>,
    Actor(account): Actor,
) -> ApiResult<Json<NurtureReportView>> {
    let today = Moment::of(&state, &account).today();
    let report = state.store.nurture_report(today).await?;
    Ok(Json(NurtureReportView::new(today, &report)))
}

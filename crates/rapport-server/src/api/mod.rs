//! The `/api/v1` routes. Handlers parse what arrives into domain types (so a bad value is a
//! 422 naming its field), call the store as the authenticated user, and answer with the
//! shared views. Reads need a token; writes need a role that may write.

use std::any::Any;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_core::model::{
    ContactId, FollowUpId, Hold, OrganizationId, TouchId, UserId, non_blank,
};
use rapport_core::{Direction, EmailAddress, Role, TouchKind, when};
use rapport_store::{Account, ContactFilter, ContactPatch, NewContact, NewTouch};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::agenda_cache::AgendaKey;
use crate::auth::{Actor, SeenVersion, Writer};
use crate::openapi::CommonResponses;
use crate::problem::{FieldError, Problem};
use crate::views::{
    AgendaView, ContactSummaryView, ContactView, DuplicatePairView, FollowUpView, HoldView,
    MergeView, OrganizationView, ScheduleChangeView, SearchView, TouchView,
};

pub(crate) mod nurture;
mod playbooks;
pub(crate) mod profile;
pub(crate) mod relationships;
mod team;

type ApiResult<T> = Result<T, Problem>;

/// How many recent touches a contact's profile carries.
const RECENT_TOUCHES: i64 = 10;
/// The furthest ahead an agenda looks, and the most entries one answer holds.
const MAX_AGENDA_DAYS: u16 = 366;
const MAX_LIMIT: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agenda", get(agenda))
        .route("/contacts", get(list_contacts).post(add_contact))
        .route("/contacts/{id}", get(show_contact).patch(edit_contact))
        .route("/contacts/{id}/archive", post(archive_contact))
        .route("/contacts/{id}/unarchive", post(unarchive_contact))
        .route("/contacts/{id}/touches", get(list_touches).post(log_touch))
        .route("/contacts/{id}/hold", put(hold).delete(unhold))
        .route(
            "/contacts/{id}/cadence",
            put(set_cadence).delete(clear_cadence),
        )
        .route(
            "/contacts/{id}/follow-ups",
            get(list_follow_ups).post(add_follow_up),
        )
        .route("/follow-ups/{id}/done", post(complete_follow_up))
        .route(
            "/organizations",
            get(list_organizations).post(add_organization),
        )
        .route(
            "/organizations/{id}",
            get(show_organization).patch(profile::edit_organization),
        )
        .route("/organizations/{id}/fit", get(profile::organization_fit))
        .route("/contacts/{id}/fit", get(profile::contact_fit))
        .route("/icp/criteria", get(profile::list).post(profile::add))
        .route("/icp/criteria/{id}", delete(profile::remove))
        .route("/users", get(team::list_users))
        .route("/users/{id}", patch(team::edit_user))
        .route("/users/{id}/reassign", post(team::reassign))
        .route("/me", get(team::me).patch(team::edit_me))
        .route("/tokens", get(team::list_tokens))
        .route("/tokens/{id}", delete(team::revoke_token))
        .route("/cadence-defaults", get(team::cadence_defaults))
        .route(
            "/cadence-defaults/{scope}/{key}",
            put(team::set_cadence_default),
        )
        .route("/audit", get(team::audit))
        .route(
            "/session",
            post(crate::session::create).delete(crate::session::delete),
        )
        .route("/export", get(crate::export::export))
        .route("/opportunities", get(relationships::list_opportunities))
        .route(
            "/contacts/{id}/opportunities",
            post(relationships::add_opportunity),
        )
        .route(
            "/opportunities/{id}/close",
            post(relationships::close_opportunity),
        )
        .route("/forecast", get(relationships::forecast))
        .route("/introductions", post(relationships::introduce))
        .route("/contacts/{id}/health", get(relationships::contact_health))
        .route(
            "/organizations/{id}/health",
            get(relationships::organization_health),
        )
        .route("/at-risk", get(relationships::at_risk))
        .route("/contacts/{id}/network", get(relationships::network))
        .route(
            "/relationship-rules",
            get(relationships::rules).patch(relationships::change_rules),
        )
        .route(
            "/organizations/{id}/competitors",
            get(relationships::list_competitors).post(relationships::record_competitor),
        )
        .route(
            "/content",
            get(nurture::list_content).post(nurture::add_content),
        )
        .route(
            "/content/{id}",
            get(nurture::show_content).patch(nurture::edit_content),
        )
        .route("/content/{id}/retire", post(nurture::retire_content))
        .route("/content/{id}/audience", get(nurture::audience))
        .route(
            "/contacts/{id}/recommendations",
            get(nurture::recommendations),
        )
        .route(
            "/contacts/{id}/interests",
            get(nurture::interests).put(nurture::set_interests),
        )
        .route(
            "/contacts/{id}/content-touches",
            post(nurture::send_content),
        )
        .route(
            "/contacts/{id}/nurture",
            get(nurture::owners).patch(nurture::set_owners),
        )
        .route(
            "/contacts/{id}/ready",
            put(nurture::ready).delete(nurture::unready),
        )
        .route("/handoffs", get(nurture::handoffs))
        .route(
            "/nurture-rules",
            get(nurture::rules).patch(nurture::change_rules),
        )
        .route("/reports/nurture", get(nurture::report))
        .route(
            "/organizations/{id}/suggestions",
            get(relationships::organization_suggestions),
        )
        .route("/playbooks", get(playbooks::list))
        .route("/playbooks/{stage}", patch(playbooks::change))
        .route(
            "/contacts/{id}/checklist",
            get(playbooks::checklist).post(playbooks::tick),
        )
        .route("/search", get(search))
        .route("/duplicates", get(duplicates))
        .route("/contacts/{id}/merge", post(merge))
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Rapport",
        description = "The relationship-first CRM's team API. Every /api/v1 route takes \
            `Authorization: Bearer <token>` (create one with `rapport token create`), or the \
            session cookie from POST /api/v1/session with `X-CSRF-Token` on unsafe methods. \
            Errors are RFC 9457 problem details (application/problem+json)."
    ),
    paths(
        healthz, readyz, agenda, list_contacts, add_contact, show_contact, edit_contact,
        archive_contact, unarchive_contact, list_touches, log_touch, hold, unhold, set_cadence,
        clear_cadence, list_follow_ups, add_follow_up, complete_follow_up, list_organizations,
        add_organization, show_organization, team::list_users, team::edit_user, team::me, team::edit_me,
        team::list_tokens, team::revoke_token, team::reassign, team::cadence_defaults,
        team::set_cadence_default, team::audit, crate::session::create, crate::session::delete,
        crate::export::export, relationships::list_opportunities,
        relationships::add_opportunity, relationships::close_opportunity,
        relationships::forecast, relationships::rules, relationships::change_rules,
        relationships::list_competitors, relationships::record_competitor,
        relationships::introduce, relationships::network, relationships::contact_health,
        relationships::organization_health, relationships::at_risk,
        nurture::list_content, nurture::add_content, nurture::show_content,
        nurture::edit_content, nurture::retire_content, nurture::audience,
        nurture::recommendations, nurture::interests, nurture::set_interests,
        nurture::send_content, nurture::owners, nurture::set_owners, nurture::ready,
        nurture::unready, nurture::handoffs, nurture::rules, nurture::change_rules,
        nurture::report,
        relationships::organization_suggestions, playbooks::list, playbooks::change,
        playbooks::checklist, playbooks::tick, profile::list, profile::add, profile::remove,
        profile::contact_fit, profile::organization_fit, profile::edit_organization,
        crate::imports::import, search, duplicates, merge
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth, &CommonResponses),
    security(("bearer" = []))
)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", security(()), responses((status = 200, description = "alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", security(()), responses(
    (status = 200, description = "ready", body = String),
    (status = 503, description = "the database does not answer", body = Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.schema_version().await {
        Ok(_) => "ready".into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
            .into_response()
        }
    }
}

pub async fn not_found() -> Problem {
    Problem::not_found("no such route")
}

/// Errors that middleware or the router answer on their own (413 from the body limit, 405)
/// come without a body or as plain text; they become problem details too, keeping their
/// headers (`Allow` on a 405).
pub async fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes()
                .starts_with(crate::problem::CONTENT_TYPE.as_bytes())
        });
    // Web pages answer their errors as HTML pages of their own.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_page {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the body is larger than {} bytes", crate::MAX_BODY_BYTES)
        }
        StatusCode::METHOD_NOT_ALLOWED => "this route does not take that method".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (mut parts, _) = response.into_parts();
    let problem = Problem::new(status, detail).into_response();
    let (problem_parts, body) = problem.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, body)
}

/// A panic in a handler becomes a plain 500; the panic message goes to the log only.
pub fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(panic = message, "handler panicked");
    Problem::internal().into_response()
}

/// A JSON body whose rejections (bad JSON, wrong content type, unknown or missing field) are
/// problem details rather than axum's plain text.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match Json::<JsonObject<T>>::from_request(request, state).await {
            Ok(Json(JsonObject(value))) => Ok(Body(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

/// A value that must arrive as a JSON object. serde would also build a struct from an array
/// of its fields in order (`[null]` as `{"cadence": null}`), which no client means.
struct JsonObject<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(Object(std::marker::PhantomData))
            .map(JsonObject)
    }
}

/// Query parameters whose rejections are 400 problem details naming the parameter
/// (`?archived=maybe` → `errors[0].field = "archived"`), rather than axum's plain text.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                let field = serde_field(detail).unwrap_or_else(|| "query".into());
                let message = detail.strip_prefix(&format!("{field}: ")).unwrap_or(detail);
                Err(Problem::bad_parameter(&field, message))
            }
            Err(other) => Err(Problem::bad_parameter("query", other.body_text())),
        }
    }
}

/// The field a serde error names: the path before ": " ("kind: invalid type…"), or the
/// field in "missing field `name`" / "unknown field `x`".
fn serde_field(detail: &str) -> Option<String> {
    detail
        .split_once(": ")
        .map(|(path, _)| path.to_owned())
        .filter(|p| !p.contains(' '))
        .or_else(|| {
            detail
                .split('`')
                .nth(1)
                .filter(|_| detail.contains("field `"))
                .map(str::to_owned)
        })
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let detail = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .unwrap_or(&text)
                .to_owned();
            let field = serde_field(&detail).unwrap_or_else(|| "body".into());
            Problem {
                type_: "urn:rapport:problem:validation".into(),
                errors: vec![FieldError {
                    field,
                    message: detail.clone(),
                }],
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
            }
        }
        JsonRejection::JsonSyntaxError(_) => {
            Problem::new(StatusCode::BAD_REQUEST, "the body is not valid JSON")
        }
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(_) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes", crate::MAX_BODY_BYTES),
        ),
        _ => Problem::new(StatusCode::BAD_REQUEST, "the body could not be read"),
    }
}

/// Collects every bad field of a request, so one answer names them all.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub(crate) errors: Vec<FieldError>,
}

impl Fields {
    pub(crate) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// The value, or `None` with the error recorded against `field`.
    pub(crate) fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(field, e.to_string());
                None
            }
        }
    }

    pub(crate) fn parse<T>(&mut self, field: &str, text: Option<&str>) -> Option<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let result = text?.parse::<T>();
        self.check(field, result)
    }

    pub(crate) fn date(&mut self, field: &str, text: &str, today: Date) -> Option<Date> {
        self.check(field, when::parse_date(text, today))
    }

    fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::invalid(self.errors))
        }
    }
}

/// Who, where and when for one request: the acting user's zone (unless `--tz` overrides it)
/// and the server's clock.
#[derive(Debug, Clone)]
pub(crate) struct Moment {
    pub(crate) now: jiff::Timestamp,
    pub(crate) tz: TimeZone,
}

impl Moment {
    pub(crate) fn of(state: &AppState, account: &Account) -> Moment {
        let tz = state.tz.clone().unwrap_or_else(|| {
            account
                .user
                .time_zone
                .as_deref()
                .and_then(|name| TimeZone::get(name).ok())
                .unwrap_or_else(TimeZone::system)
        });
        Moment {
            now: state.clock.now(),
            tz,
        }
    }

    pub(crate) fn today(&self) -> Date {
        when::today(self.now, &self.tz)
    }
}

fn path_id(field: &str, text: &str) -> ApiResult<i64> {
    text.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            Problem::bad_parameter(
                field,
                format!("expected a positive integer id, got '{text}'"),
            )
        })
}

fn limit(field: &str, text: Option<&str>, default: i64) -> ApiResult<i64> {
    match text {
        None => Ok(default),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Problem::bad_parameter(field, format!("expected 1 to {MAX_LIMIT}, got '{text}'"))
            }),
    }
}

impl Fields {
    /// An `owner` query parameter: `me` or a user id.
    fn owner(&mut self, account: &Account, text: Option<&str>) -> Option<UserId> {
        match text.map(str::trim) {
            None => None,
            Some("me") => Some(account.user.id),
            Some(text) => match text.trim_start_matches('#').parse::<i64>() {
                Ok(id) => Some(UserId(id)),
                Err(_) => {
                    self.error("owner", format!("expected 'me' or a user id, got '{text}'"));
                    None
                }
            },
        }
    }

    /// A keyset cursor this server gave out: an id.
    fn cursor(&mut self, text: Option<&str>) -> Option<i64> {
        let text = text?;
        match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                self.error("cursor", "not a cursor this server gave out");
                None
            }
        }
    }

    /// Like [`Fields::finish`], for query parameters: a 400 naming every bad one.
    fn finish_params(mut self) -> ApiResult<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let first = self.errors.remove(0);
        Err(Problem {
            errors: std::iter::once(first.clone()).chain(self.errors).collect(),
            ..Problem::bad_parameter(&first.field, first.message)
        })
    }
}

pub(crate) fn created<T: serde::Serialize>(location: String, body: T) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A list answer: the items, and the cursor of the next page (`null` on the last).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// A page from `found`, read with one row more than `limit` to know whether another page
    /// follows; its cursor is the last row shown.
    pub(crate) fn cut<R>(mut found: Vec<R>, limit: i64, cursor: impl Fn(&R) -> String) -> Page<T>
    where
        T: for<'a> From<&'a R>,
    {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = found.len() > limit;
        found.truncate(limit);
        Page {
            next_cursor: more.then(|| found.last().map(&cursor)).flatten(),
            items: found.iter().map(T::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// Days ahead to include (0: overdue and due today only). At most 366.
    days: Option<String>,
    /// Most entries to return (1–1000, default 50).
    limit: Option<String>,
    /// `me` (default) or a user id: whose agenda. Another user's agenda is for admins.
    owner: Option<String>,
    /// Only contacts holding this relationship role today (`champion`, `prospect`…).
    role: Option<String>,
}

/// An agenda: overdue, due today and upcoming touches, ranked. The acting user's own, or
/// (admins) another user's with `owner`.
#[utoipa::path(get, path = "/api/v1/agenda", params(AgendaQuery), responses(
    (status = 200, body = AgendaView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn agenda(
    State(state): State<AppState>,
    Actor(account): Actor,
    seen: Option<Extension<SeenVersion>>,
    Params(query): Params<AgendaQuery>,
) -> ApiResult<Response> {
    let days = match query.days.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|d| *d <= MAX_AGENDA_DAYS)
            .ok_or_else(|| {
                Problem::bad_parameter(
                    "days",
                    format!("expected 0 to {MAX_AGENDA_DAYS}, got '{text}'"),
                )
            })?,
    };
    let limit = usize::try_from(limit("limit", query.limit.as_deref(), 50)?).unwrap_or(50);
    let mut fields = Fields::default();
    let owner = fields.owner(&account, query.owner.as_deref());
    let role = fields.parse::<Role>("role", query.role.as_deref());
    fields.finish_params()?;
    let moment = Moment::of(&state, &account);
    let today = moment.today();
    let through = today.checked_add(i64::from(days).days()).unwrap_or(today);
    let key = AgendaKey {
        viewer: account.user.id,
        owner: owner.unwrap_or(account.user.id),
        today,
        through,
        limit,
        role,
    };
    let version = match seen {
        Some(Extension(SeenVersion(version))) => version,
        None => state.store.data_version().await?,
    };
    let body = match state.agendas.get(&key, version) {
        Some(body) => body,
        None => {
            let agenda = state
                .store
                .agenda(key.viewer, key.owner, today, through, limit, role)
                .await?;
            let body =
                Bytes::from(serde_json::to_vec(&AgendaView::from(&agenda)).map_err(|e| {
                    tracing::error!(error = %e, "cannot serialise the agenda");
                    Problem::internal()
                })?);
            state.agendas.put(key, version, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    tag: Option<String>,
    /// A, B, C or D.
    tier: Option<String>,
    /// Lifecycle stage.
    stage: Option<String>,
    /// A relationship role held now.
    role: Option<String>,
    /// `me`, or a user id: only contacts that user owns.
    owner: Option<String>,
    /// `true` includes archived contacts.
    archived: Option<bool>,
    /// Most contacts to return (1–1000, default 100).
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `name` (default) or `fit`: best fit against the ideal client profile first (contacts
    /// without a score last, ties by name), each item with its `fit`. A fit page's cursor
    /// resumes after that contact's place in the order as it stands when the next page is
    /// asked for; fit is computed when read, so every page reads the whole list.
    sort: Option<String>,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Fit,
}

impl FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "name" => Ok(Sort::Name),
            "fit" => Ok(Sort::Fit),
            other => Err(format!("expected name or fit, got '{other}'")),
        }
    }
}

/// Contacts, filtered, in name order (or by fit with `sort=fit`), a page at a time: pass
/// `next_cursor` back as `cursor` for the next page (`null` when there is none).
#[utoipa::path(get, path = "/api/v1/contacts", params(ContactQuery), responses(
    (status = 200, body = Page<ContactSummaryView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn list_contacts(
    State(state): State<AppState>,
    Actor(account): Actor,
    Params(query): Params<ContactQuery>,
) -> ApiResult<Json<Page<ContactSummaryView>>> {
    let mut fields = Fields::default();
    let owner = fields.owner(&account, query.owner.as_deref());
    let after = fields.cursor(query.cursor.as_deref()).map(ContactId);
    let limit = limit("limit", query.limit.as_deref(), 100)?;
    let filter = ContactFilter {
        tag: non_blank(query.tag),
        tier: fields.parse("tier", query.tier.as_deref()),
        stage: fields.parse("stage", query.stage.as_deref()),
        role: fields.parse("role", query.role.as_deref()),
        organization: None,
        owner,
        include_archived: query.archived.unwrap_or(false),
        after,
        // One more than asked, to know whether there is a next page.
        limit: Some(limit + 1),
    };
    let sort = fields
        .parse::<Sort>("sort", query.sort.as_deref())
        .unwrap_or(Sort::Name);
    fields.finish_params()?;
    // The store refuses a cursor that is no longer in the list.
    let cursor_problem = |err| match err {
        rapport_store::StoreError::Invalid(message) => Problem::bad_parameter("cursor", message),
        other => other.into(),
    };
    if sort == Sort::Fit {
        let found = state
            .store
            .contacts_by_fit(&filter)
            .await
            .map_err(cursor_problem)?;
        let mut page: Page<ContactSummaryView> = Page {
            items: Vec::new(),
            next_cursor: None,
        };
        let more = found.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        for (contact, fit) in found
            .iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
        {
            page.items.push(ContactSummaryView::with_fit(contact, *fit));
            if more {
                page.next_cursor = Some(contact.id.to_string());
            }
        }
        return Ok(Json(page));
    }
    let found = state
        .store
        .list_contacts(&filter)
        .await
        .map_err(cursor_problem)?;
    Ok(Json(Page::cut(found, limit, |c| c.id.to_string())))
}

/// A new contact. Only `name` is required; vocabularies use the CLI's spellings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactBody {
    name: String,
    #[serde(default)]
    emails: Vec<String>,
    /// Phone numbers as written: each has a digit, no control character and at most 64
    /// characters; one number written two ways is kept once.
    #[serde(default)]
    phones: Vec<String>,
    /// An organization name; created if it does not exist yet.
    organization: Option<String>,
    title: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    notes: Option<String>,
    /// Where they came from ("LinkedIn", "introduced by Ann Lee").
    source: Option<String>,
    /// A, B, C or D.
    tier: Option<String>,
    stage: Option<String>,
    horizon: Option<String>,
    /// `new` or `seasoned`.
    prospect_kind: Option<String>,
    /// The contact's own calling cycle: `30d`, `6w`, `3m`.
    cadence: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

pub(crate) fn one_line_name(fields: &mut Fields, field: &str, text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        fields.error(field, "a name cannot be empty");
    } else if trimmed.chars().count() > 200 || trimmed.contains(['\n', '\r']) {
        fields.error(field, "a name is one line of at most 200 characters");
    }
    trimmed.to_owned()
}

/// Adds a contact owned by the acting user and schedules its first touch.
#[utoipa::path(post, path = "/api/v1/contacts", request_body = NewContactBody, responses(
    (status = 201, body = ContactView, headers(("Location" = String), ("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn add_contact(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<NewContactBody>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let name = one_line_name(&mut fields, "name", &body.name);
    let emails = body
        .emails
        .iter()
        .enumerate()
        .filter_map(|(i, e)| fields.parse::<EmailAddress>(&format!("emails[{i}]"), Some(e)))
        .collect();
    let organization =
        non_blank(body.organization).map(|o| one_line_name(&mut fields, "organization", &o));
    let roles = body
        .roles
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fields.parse(&format!("roles[{i}]"), Some(r)))
        .collect();
    let new = NewContact {
        name,
        emails,
        phones: fields.list("phones", &body.phones),
        organization,
        title: non_blank(body.title),
        tags: body
            .tags
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        notes: non_blank(body.notes),
        source: non_blank(body.source),
        tier: fields.parse("tier", body.tier.as_deref()),
        stage: fields.parse("stage", body.stage.as_deref()),
        horizon: fields.parse("horizon", body.horizon.as_deref()),
        prospect_kind: fields.parse("prospect_kind", body.prospect_kind.as_deref()),
        cadence: fields.parse("cadence", body.cadence.as_deref()),
        roles,
    };
    fields.finish()?;
    let moment = Moment::of(&state, &account);
    let id = state
        .store
        .add_contact(account.user.id, new, moment.now, moment.today())
        .await?;
    let mut response = with_etag(contact_view(&state, &account, id, moment.today()).await?);
    *response.status_mut() = StatusCode::CREATED;
    if let Ok(value) = HeaderValue::from_str(&format!("/api/v1/contacts/{id}")) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A contact in full as `viewer` may see it.
async fn contact_view(
    state: &AppState,
    viewer: &Account,
    id: ContactId,
    today: Date,
) -> ApiResult<ContactView> {
    let contact = state.store.contact(id).await?;
    let follow_ups = state.store.follow_ups(id, false).await?;
    let touches = state
        .store
        .touches(viewer.user.id, id, Some(RECENT_TOUCHES), None)
        .await?;
    let suggestions = state.store.contact_suggestions(id).await?;
    Ok(ContactView::new(
        &contact,
        today,
        &follow_ups,
        &touches,
        &suggestions,
    ))
}

/// A contact's profile: cadence and its source, next touch and why, open follow-ups, recent
/// touches.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
))]
async fn show_contact(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = ContactId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    Ok(with_etag(contact_view(&state, &account, id, today).await?))
}

/// A contact with its version as a strong ETag (`"3"`), for `If-Match` on the next edit.
fn with_etag(view: ContactView) -> Response {
    let etag = format!("\"{}\"", view.version);
    let mut response = Json(view).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The version an `If-Match` header names. It is required: an edit must say which version it
/// read, so two people editing one contact (or organization) can never silently overwrite
/// each other.
fn if_match(headers: &HeaderMap) -> ApiResult<i64> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "send If-Match with the record's ETag (its version), as read by GET",
        )
    })?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            Problem::bad_parameter("If-Match", "expected the record's ETag, such as \"3\"")
        })
}

/// `Option<Option<T>>` from JSON: absent leaves a field alone, `null` clears it.
fn clearable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A change to a contact: absent fields are left alone, `null` clears a clearable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ContactPatchBody {
    name: Option<String>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    title: Option<Option<String>>,
    /// An organization name (created if new), or null to clear.
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    organization: Option<Option<String>>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    notes: Option<Option<String>>,
    /// Where they came from, or null to clear.
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    source: Option<Option<String>>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    tier: Option<Option<String>>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    stage: Option<Option<String>>,
    /// Why the stage changes: kept in the contact's stage history.
    stage_reason: Option<String>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    horizon: Option<Option<String>>,
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    prospect_kind: Option<Option<String>>,
    /// The contact's own cycle (`30d`), or null to inherit again.
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    cadence: Option<Option<String>>,
    add_emails: Vec<String>,
    remove_emails: Vec<String>,
    /// Numbers the contact does not have yet, however written (rules as for a new contact's).
    add_phones: Vec<String>,
    /// Removes the contact's phone written so or, if it has no such spelling, its phones that
    /// are this number written another way.
    remove_phones: Vec<String>,
    add_tags: Vec<String>,
    remove_tags: Vec<String>,
    add_roles: Vec<String>,
    end_roles: Vec<String>,
    /// Custom fields to set (`key → value`) or remove (`key → null`). Keys are letters,
    /// digits, `-` and `_` (stored in lowercase).
    fields: std::collections::BTreeMap<String, Option<String>>,
    /// Hand the contact to another user (an id or email): its owner or an admin.
    owner: Option<String>,
}

impl Fields {
    /// A clearable vocabulary value: absent, cleared (null), or parsed.
    fn clearable<T>(&mut self, field: &str, value: Option<Option<String>>) -> Option<Option<T>>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match value {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => self.parse(field, Some(&text)).map(Some),
        }
    }

    fn list<T>(&mut self, field: &str, values: &[String]) -> Vec<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| self.parse(&format!("{field}[{i}]"), Some(v)))
            .collect()
    }
}

fn trimmed(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Changes a contact, if it is still at the version `If-Match` names (else 412). An edit that
/// changes nothing keeps the version (and the ETag).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", params(
    ("id" = i64, Path),
    ("If-Match" = String, Header, description = "the ETag from GET: the contact's version"),
), request_body = ContactPatchBody, responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 428, body = Problem, content_type = "application/problem+json"),
))]
async fn edit_contact(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<ContactPatchBody>,
) -> ApiResult<Response> {
    let id = ContactId(path_id("id", &id)?);
    let expected = if_match(&headers)?;
    let mut fields = Fields::default();
    let owner = match body.owner.as_deref() {
        None => None,
        Some(reference) => match state.store.resolve_user(reference).await {
            Ok(found) => Some(found.user.id),
            Err(rapport_store::StoreError::UserNotFound(_)) => {
                fields.error("owner", format!("no user {reference}"));
                None
            }
            Err(other) => return Err(other.into()),
        },
    };
    let (set_fields, remove_fields) = profile::custom_fields(&mut fields, "fields", body.fields);
    let patch = ContactPatch {
        name: body.name.map(|n| one_line_name(&mut fields, "name", &n)),
        title: body.title.map(non_blank),
        organization: body
            .organization
            .map(|o| non_blank(o).map(|name| one_line_name(&mut fields, "organization", &name))),
        notes: body.notes.map(non_blank),
        source: body.source.map(non_blank),
        tier: fields.clearable("tier", body.tier),
        stage: fields.clearable("stage", body.stage),
        stage_reason: non_blank(body.stage_reason),
        horizon: fields.clearable("horizon", body.horizon),
        prospect_kind: fields.clearable("prospect_kind", body.prospect_kind),
        cadence: fields.clearable("cadence", body.cadence),
        add_emails: fields.list("add_emails", &body.add_emails),
        remove_emails: fields.list("remove_emails", &body.remove_emails),
        add_phones: fields.list("add_phones", &body.add_phones),
        remove_phones: trimmed(body.remove_phones),
        add_tags: trimmed(body.add_tags),
        remove_tags: trimmed(body.remove_tags),
        add_roles: fields.list("add_roles", &body.add_roles),
        end_roles: fields.list("end_roles", &body.end_roles),
        set_fields,
        remove_fields,
        owner,
        expected_version: Some(expected),
    };
    fields.finish()?;
    apply_patch(&state, &account, id, patch).await
}

/// Applies a patch as `account` and answers with the contact as it is now.
async fn apply_patch(
    state: &AppState,
    account: &Account,
    id: ContactId,
    patch: ContactPatch,
) -> ApiResult<Response> {
    let moment = Moment::of(state, account);
    state
        .store
        .edit_contact(account.user.id, id, patch, moment.now, moment.today())
        .await?;
    Ok(with_etag(
        contact_view(state, account, id, moment.today()).await?,
    ))
}

/// Archives a contact: it leaves the agenda; its history is kept. Archiving twice is harmless.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/archive", params(("id" = i64, Path)), responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn archive_contact(
    state: State<AppState>,
    writer: Writer,
    id: Path<String>,
) -> ApiResult<Response> {
    set_archived(state, writer, id, true).await
}

/// Brings an archived contact back; its schedule is recomputed. A contact merged into
/// another stays archived (409): its history lives on the survivor.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/unarchive", params(("id" = i64, Path)), responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
async fn unarchive_contact(
    state: State<AppState>,
    writer: Writer,
    id: Path<String>,
) -> ApiResult<Response> {
    set_archived(state, writer, id, false).await
}

async fn set_archived(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    archived: bool,
) -> ApiResult<Response> {
    let id = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    state
        .store
        .set_archived(account.user.id, id, archived, moment.now)
        .await?;
    Ok(with_etag(
        contact_view(&state, &account, id, moment.today()).await?,
    ))
}

/// A touch to log. `at` defaults to now; a future `at` books the touch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTouchBody {
    /// call, meeting, email, message, event, note or content-shared.
    kind: String,
    /// outbound (default) or inbound.
    direction: Option<String>,
    /// When: `2027-03-01T09:30` (in the user's zone), RFC 3339, `yesterday`…
    at: Option<String>,
    summary: Option<String>,
    needs: Option<String>,
    next_approach: Option<String>,
    /// `true`: the text (summary, needs, next approach) is shown to you only; everyone else
    /// sees that the touch happened.
    #[serde(default)]
    private: bool,
}

/// Logs a touch by the acting user (on any contact) and moves the contact's cycle on.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/touches", params(("id" = i64, Path)), request_body = NewTouchBody, responses(
    (status = 201, body = ScheduleChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn log_touch(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<NewTouchBody>,
) -> ApiResult<Response> {
    let contact = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let kind: Option<TouchKind> = fields.parse("kind", Some(&body.kind));
    let direction: Option<Direction> = fields.parse("direction", body.direction.as_deref());
    let at = match body.at.as_deref() {
        None => Some(moment.now),
        Some(text) => match when::parse_instant(text, moment.now, &moment.tz) {
            Ok(at) => Some(at),
            Err(e) => {
                fields.error("at", e.to_string());
                None
            }
        },
    };
    fields.finish()?;
    let (Some(kind), Some(at)) = (kind, at) else {
        return Err(Problem::internal());
    };
    let touch = NewTouch {
        kind,
        direction: direction.unwrap_or(Direction::Outbound),
        at,
        on: when::today(at, &moment.tz),
        summary: non_blank(body.summary),
        needs: non_blank(body.needs),
        next_approach: non_blank(body.next_approach),
        private: body.private,
    };
    let (touch_id, next) = state
        .store
        .log_touch(account.user.id, contact, touch, moment.now)
        .await?;
    Ok(created(
        format!("/api/v1/contacts/{contact}"),
        ScheduleChangeView {
            touch_id: Some(touch_id.0),
            ..ScheduleChangeView::new(contact, next)
        },
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TouchQuery {
    /// Most touches to return (1–1000, default 50).
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A contact's touches, newest first, a page at a time. A private touch by someone else
/// comes with `"private": true` and its text withheld.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/touches", params(("id" = i64, Path), TouchQuery), responses(
    (status = 200, body = Page<TouchView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn list_touches(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
    Params(query): Params<TouchQuery>,
) -> ApiResult<Json<Page<TouchView>>> {
    let contact = ContactId(path_id("id", &id)?);
    let mut fields = Fields::default();
    let before = fields.cursor(query.cursor.as_deref()).map(TouchId);
    fields.finish_params()?;
    let limit = limit("limit", query.limit.as_deref(), 50)?;
    // An unknown contact is a 404, not an empty list.
    state.store.contact(contact).await?;
    let found = state
        .store
        .touches(account.user.id, contact, Some(limit + 1), before)
        .await?;
    Ok(Json(Page::cut(found, limit, |t| t.id.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// `true` includes done follow-ups.
    all: Option<bool>,
}

/// A contact's follow-ups, open ones first by due date.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/follow-ups", params(("id" = i64, Path), FollowUpQuery), responses(
    (status = 200, body = Page<FollowUpView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn list_follow_ups(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
    Params(query): Params<FollowUpQuery>,
) -> ApiResult<Json<Page<FollowUpView>>> {
    let contact = ContactId(path_id("id", &id)?);
    state.store.contact(contact).await?;
    let found = state
        .store
        .follow_ups(contact, query.all.unwrap_or(false))
        .await?;
    Ok(Json(Page {
        items: found.iter().map(FollowUpView::from).collect(),
        next_cursor: None,
    }))
}

/// A contact's own calling cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceBody {
    /// `30d`, `6w`, `3m`.
    cadence: String,
}

/// Sets a contact's own cadence (the owner or an admin); its next touch follows.
#[utoipa::path(put, path = "/api/v1/contacts/{id}/cadence", params(("id" = i64, Path)), request_body = CadenceBody, responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn set_cadence(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<CadenceBody>,
) -> ApiResult<Response> {
    let id = ContactId(path_id("id", &id)?);
    let mut fields = Fields::default();
    let cadence = fields.parse("cadence", Some(&body.cadence));
    fields.finish()?;
    let patch = ContactPatch {
        cadence: Some(cadence),
        ..ContactPatch::default()
    };
    apply_patch(&state, &account, id, patch).await
}

/// Clears a contact's own cadence: it inherits from the defaults again.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}/cadence", params(("id" = i64, Path)), responses(
    (status = 200, body = ContactView, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn clear_cadence(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = ContactId(path_id("id", &id)?);
    let patch = ContactPatch {
        cadence: Some(None),
        ..ContactPatch::default()
    };
    apply_patch(&state, &account, id, patch).await
}

/// "Don't contact before `until`, because `reason`."
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    /// A day after today: `2027-03-01`, `3m`, `in 10 days`.
    until: String,
    reason: String,
}

/// Puts a contact on hold (replacing any earlier hold).
#[utoipa::path(put, path = "/api/v1/contacts/{id}/hold", params(("id" = i64, Path)), request_body = HoldBody, responses(
    (status = 200, body = ScheduleChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn hold(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<HoldBody>,
) -> ApiResult<Json<ScheduleChangeView>> {
    let contact = ContactId(path_id("id", &id)?);
    let today = Moment::of(&state, &account).today();
    let mut fields = Fields::default();
    let until = fields
        .date("until", &body.until, today)
        .and_then(|day| fields.check("until", Hold::check_until(day, today)));
    let reason = fields.check("reason", Hold::check_reason(&body.reason));
    fields.finish()?;
    let (Some(until), Some(reason)) = (until, reason) else {
        return Err(Problem::internal());
    };
    let hold = Hold { until, reason };
    let next = state
        .store
        .hold(
            account.user.id,
            contact,
            &hold,
            Moment::of(&state, &account).now,
        )
        .await?;
    Ok(Json(ScheduleChangeView {
        hold: Some(HoldView::from(&hold)),
        ..ScheduleChangeView::new(contact, next)
    }))
}

/// Lifts a contact's hold; it returns to its cycle. Lifting when there is none is harmless.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}/hold", params(("id" = i64, Path)), responses(
    (status = 200, body = ScheduleChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn unhold(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<ScheduleChangeView>> {
    let contact = ContactId(path_id("id", &id)?);
    let now = Moment::of(&state, &account).now;
    let next = match state.store.unhold(account.user.id, contact, now).await? {
        Some(next) => next,
        None => state.store.contact(contact).await?.next_touch,
    };
    Ok(Json(ScheduleChangeView::new(contact, next)))
}

/// A dated one-off task about a contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// `2026-12-04`, `friday`, `3d`, `tomorrow`.
    due: String,
    text: String,
}

/// Adds a follow-up; an earlier due date pulls the next touch in.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/follow-ups", params(("id" = i64, Path)), request_body = FollowUpBody, responses(
    (status = 201, body = ScheduleChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn add_follow_up(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<FollowUpBody>,
) -> ApiResult<Response> {
    let contact = ContactId(path_id("id", &id)?);
    let moment = Moment::of(&state, &account);
    let mut fields = Fields::default();
    let due = fields.date("due", &body.due, moment.today());
    let text = body.text.trim().to_owned();
    if text.is_empty() {
        fields.error("text", "a follow-up says what to do");
    }
    fields.finish()?;
    let Some(due) = due else {
        return Err(Problem::internal());
    };
    let (id, next) = state
        .store
        .add_follow_up(account.user.id, contact, due, &text, moment.now)
        .await?;
    Ok(created(
        format!("/api/v1/contacts/{contact}"),
        ScheduleChangeView {
            follow_up_id: Some(id.0),
            ..ScheduleChangeView::new(contact, next)
        },
    ))
}

/// What completing a follow-up answers: the follow-up and its contact's next touch.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct FollowUpDoneView {
    pub follow_up: FollowUpView,
    pub schedule: ScheduleChangeView,
}

/// Marks a follow-up done (twice is harmless) and reschedules its contact.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/done", params(("id" = i64, Path)), responses(
    (status = 200, body = FollowUpDoneView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn complete_follow_up(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<FollowUpDoneView>> {
    let id = FollowUpId(path_id("id", &id)?);
    let now = Moment::of(&state, &account).now;
    let (done, next) = state
        .store
        .complete_follow_up(account.user.id, id, now)
        .await?;
    Ok(Json(FollowUpDoneView {
        follow_up: FollowUpView::from(&done),
        schedule: ScheduleChangeView {
            follow_up_id: Some(done.id.0),
            ..ScheduleChangeView::new(done.contact, next)
        },
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// `name` (default) or `fit`: best fit against the ideal client profile first
    /// (organizations without a score last, ties by name), each item with its `fit`.
    sort: Option<String>,
}

/// Organizations with how many contacts we know at each, all on one page, in name order or
/// by fit.
#[utoipa::path(get, path = "/api/v1/organizations", params(OrganizationQuery), responses(
    (status = 200, body = Page<OrganizationView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn list_organizations(
    State(state): State<AppState>,
    Actor(_): Actor,
    Params(query): Params<OrganizationQuery>,
) -> ApiResult<Json<Page<OrganizationView>>> {
    let mut fields = Fields::default();
    let sort = fields
        .parse::<Sort>("sort", query.sort.as_deref())
        .unwrap_or(Sort::Name);
    fields.finish_params()?;
    let items = match sort {
        Sort::Name => state
            .store
            .organizations()
            .await?
            .iter()
            .map(OrganizationView::from)
            .collect(),
        Sort::Fit => state
            .store
            .organizations_by_fit()
            .await?
            .iter()
            .map(|(o, fit)| OrganizationView::with_fit(o, *fit))
            .collect(),
    };
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    name: String,
    /// Its web domain, such as `halcyon.example`.
    domain: Option<String>,
    /// A, B, C or D.
    tier: Option<String>,
}

/// Adds an organization (names are unique, ignoring case).
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganizationBody, responses(
    (status = 201, body = OrganizationView, headers(("Location" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn add_organization(
    State(state): State<AppState>,
    Writer(account): Writer,
    Body(body): Body<NewOrganizationBody>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let name = one_line_name(&mut fields, "name", &body.name);
    let tier = fields.parse("tier", body.tier.as_deref());
    let domain = non_blank(body.domain);
    fields.finish()?;
    let now = Moment::of(&state, &account).now;
    let id = state
        .store
        .add_organization(account.user.id, &name, domain.as_deref(), tier, now)
        .await?;
    let view = OrganizationView::from(&state.store.organization(id).await?);
    Ok(created(format!("/api/v1/organizations/{id}"), view))
}

/// One organization, with its version as the ETag (for `If-Match` on an edit).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = OrganizationView, headers(("ETag" = String))),
))]
async fn show_organization(
    State(state): State<AppState>,
    Actor(_): Actor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = OrganizationId(path_id("id", &id)?);
    Ok(profile::organization_with_etag(OrganizationView::from(
        &state.store.organization(id).await?,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find, each the start of a word (names also forgive a typo or two): in a
    /// contact's name, organization, emails, notes or touches, or an organization's name
    /// or domain.
    q: String,
    /// Most contacts (and most organizations) to return (1–1000, default 20).
    limit: Option<String>,
}

/// Full-text search, best first, each result saying what matched. A query that is a phone
/// number also finds, first, the contacts holding it however it was written. Someone else's
/// private touch text is never searched.
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery), responses(
    (status = 200, body = SearchView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn search(
    State(state): State<AppState>,
    Actor(account): Actor,
    Params(query): Params<SearchQuery>,
) -> ApiResult<Json<SearchView>> {
    let limit = limit("limit", query.limit.as_deref(), 20)?;
    let found = state
        .store
        .search(
            account.user.id,
            &query.q,
            None,
            usize::try_from(limit).unwrap_or(20),
        )
        .await?;
    Ok(Json(SearchView::new(&query.q, &found)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// Most pairs to return (1–1000, default 100).
    limit: Option<String>,
}

/// Likely duplicate contacts, the most evidence first: the same phone number, alike names at
/// the same organization, the same name. Merge a pair with `POST /contacts/{id}/merge`.
#[utoipa::path(get, path = "/api/v1/duplicates", params(DuplicatesQuery), responses(
    (status = 200, body = Page<DuplicatePairView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
))]
async fn duplicates(
    State(state): State<AppState>,
    Actor(_account): Actor,
    Params(query): Params<DuplicatesQuery>,
) -> ApiResult<Json<Page<DuplicatePairView>>> {
    let limit = limit("limit", query.limit.as_deref(), 100)?;
    let pairs = state
        .store
        .duplicates(usize::try_from(limit).unwrap_or(100))
        .await?;
    Ok(Json(Page {
        items: pairs.iter().map(DuplicatePairView::from).collect(),
        next_cursor: None,
    }))
}

/// Which contact to merge into the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The duplicate's id: everything it has moves to the contact in the path, and it is
    /// archived.
    duplicate: i64,
}

/// Merges a duplicate into this contact in one transaction: every touch, follow-up, deal,
/// stage change, role, email, phone, tag and introduction of the duplicate moves here, empty
/// fields are filled from it (notes are joined), this contact is rescheduled, and the
/// duplicate is archived pointing here. Both are audited. Needs the right to change both.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", params(("id" = i64, Path)), request_body = MergeBody, responses(
    (status = 200, body = MergeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn merge(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<MergeBody>,
) -> ApiResult<Json<MergeView>> {
    let survivor = ContactId(path_id("id", &id)?);
    if body.duplicate < 1 {
        return Err(Problem::invalid(vec![FieldError {
            field: "duplicate".into(),
            message: format!("expected a contact id, got {}", body.duplicate),
        }]));
    }
    let merged = state
        .store
        .merge_contacts(
            account.user.id,
            survivor,
            ContactId(body.duplicate),
            Moment::of(&state, &account).now,
        )
        .await?;
    Ok(Json(MergeView::from(&merged)))
}

//! The team's own records: users, the acting user's settings, API tokens, reassigning a
//! book, default cadences and the audit log. Who may do what is decided by the store's access
//! rules (`rapport_core::access`); a refusal is a 403 naming the rule.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::tz::TimeZone;
use rapport_core::model::{ContactId, UserId};
use rapport_core::{AuditEntity, Cadence, DefaultScope, UserRole};
use rapport_store::{AuditFilter, StoreError, UserPatch};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Body, Fields, Moment, Page, Params, clearable, limit, path_id};
use crate::AppState;
use crate::auth::{Actor, Writer};
use crate::problem::Problem;
use crate::views::{ApiTokenView, AuditEntryView, CadenceDefaultView, ReassignView, UserView};

/// Everyone on the team (any authenticated user may see who their colleagues are).
#[utoipa::path(get, path = "/api/v1/users", responses(
    (status = 200, body = Page<UserView>),
))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<Page<UserView>>> {
    let users = state.store.users().await?;
    Ok(Json(Page {
        items: users.iter().map(UserView::from).collect(),
        next_cursor: None,
    }))
}

/// The acting user.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = UserView),
))]
pub(super) async fn me(Actor(account): Actor) -> Json<UserView> {
    Json(UserView::from(&account))
}

/// A change to the acting user's settings.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MeBody {
    /// An IANA time zone name (`Europe/Paris`), or null to follow the server's zone.
    #[serde(deserialize_with = "clearable")]
    #[schema(value_type = Option<String>)]
    time_zone: Option<Option<String>>,
}

/// Changes the acting user's settings (their time zone: "today" and typed dates follow it).
#[utoipa::path(patch, path = "/api/v1/me", request_body = MeBody, responses(
    (status = 200, body = UserView),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn edit_me(
    State(state): State<AppState>,
    Actor(account): Actor,
    Body(body): Body<MeBody>,
) -> ApiResult<Json<UserView>> {
    if let Some(zone) = body.time_zone {
        let zone = zone.map(|z| z.trim().to_owned());
        if let Some(name) = &zone
            && TimeZone::get(name).is_err()
        {
            return Err(Problem::field(
                "time_zone",
                format!("unknown time zone '{name}' (expected an IANA name such as Europe/Paris)"),
            ));
        }
        let now = Moment::of(&state, &account).now;
        state
            .store
            .set_time_zone(account.user.id, account.user.id, zone.as_deref(), now)
            .await?;
    }
    Ok(Json(UserView::from(
        &state.store.user(account.user.id).await?,
    )))
}

/// API tokens: your own; an admin sees everyone's. Never a secret or a hash.
#[utoipa::path(get, path = "/api/v1/tokens", responses(
    (status = 200, body = Page<ApiTokenView>),
))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    Actor(account): Actor,
) -> ApiResult<Json<Page<ApiTokenView>>> {
    let tokens = state.store.api_tokens(account.user.id).await?;
    Ok(Json(Page {
        items: tokens.iter().map(ApiTokenView::from).collect(),
        next_cursor: None,
    }))
}

/// Revokes a token (yours; an admin's may be anyone's). It is refused (401) from the next
/// request on. Revoking twice is harmless.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), responses(
    (status = 204, description = "revoked"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Actor(account): Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id("id", &id)?;
    let now = Moment::of(&state, &account).now;
    state
        .store
        .revoke_api_token(account.user.id, id, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A change to a user's account: the role, whether they are disabled, or both (in one
/// transaction).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UserBody {
    /// `admin`, `member` or `viewer`.
    role: Option<String>,
    /// `true` disables the user: their sessions end, their API tokens are revoked, and they
    /// log in nowhere until enabled again (`false`).
    disabled: Option<bool>,
}

/// Changes a user's role or disables them (or enables them again). Admins only, and not
/// their own account (another admin changes it, so the team always keeps an active admin);
/// a user who owns contacts becomes a viewer or is disabled only once their book is
/// reassigned (409 says so). A body with neither field is a 422.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = i64, Path)), request_body = UserBody, responses(
    (status = 200, body = UserView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn edit_user(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<UserBody>,
) -> ApiResult<Json<UserView>> {
    let user = UserId(path_id("id", &id)?);
    if body.role.is_none() && body.disabled.is_none() {
        return Err(Problem::field(
            "body",
            "nothing to change: send role, disabled or both",
        ));
    }
    let mut fields = Fields::default();
    let role: Option<UserRole> = fields.parse("role", body.role.as_deref().map(str::trim));
    fields.finish()?;
    let patch = UserPatch {
        role,
        disabled: body.disabled,
    };
    let now = Moment::of(&state, &account).now;
    state
        .store
        .edit_user(account.user.id, user, patch, now)
        .await?;
    Ok(Json(UserView::from(&state.store.user(user).await?)))
}

/// A user named by id or email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UserRef {
    Id(i64),
    Email(String),
}

/// Who takes the contacts over.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    /// A user id or email.
    to: UserRef,
}

/// Hands every contact the user owns to another user in one transaction (a seller leaves),
/// and makes that user the nurture and sales owner wherever the leaving one was. Every
/// cadence and next touch stays as it was; each move is in the audit log. Admins only.
#[utoipa::path(post, path = "/api/v1/users/{id}/reassign", params(("id" = i64, Path)), request_body = ReassignBody, responses(
    (status = 200, body = ReassignView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn reassign(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path(id): Path<String>,
    Body(body): Body<ReassignBody>,
) -> ApiResult<Json<ReassignView>> {
    let from = UserId(path_id("id", &id)?);
    let to = match &body.to {
        UserRef::Id(id) => state.store.user(UserId(*id)).await,
        UserRef::Email(email) => state.store.resolve_user(email).await,
    };
    let to = match to {
        Ok(found) => found.user.id,
        Err(StoreError::UserNotFound(who)) => {
            return Err(Problem::field("to", format!("no user {who}")));
        }
        Err(other) => return Err(other.into()),
    };
    let now = Moment::of(&state, &account).now;
    let reassigned = state
        .store
        .reassign_contacts(account.user.id, from, to, now)
        .await
        .map_err(|err| match err {
            StoreError::ViewerOwner { .. } | StoreError::DisabledOwner { .. } => {
                Problem::field("to", err.to_string())
            }
            other => other.into(),
        })?;
    Ok(Json(ReassignView::new(from, to, &reassigned)))
}

/// The default cadences contacts inherit (fallback, then by tier, stage, role, horizon).
#[utoipa::path(get, path = "/api/v1/cadence-defaults", responses(
    (status = 200, body = Page<CadenceDefaultView>),
))]
pub(super) async fn cadence_defaults(
    State(state): State<AppState>,
    Actor(_): Actor,
) -> ApiResult<Json<Page<CadenceDefaultView>>> {
    let defaults = state.store.cadence_defaults().await?;
    Ok(Json(Page {
        items: defaults
            .entries()
            .iter()
            .map(|(scope, cadence)| CadenceDefaultView::new(*scope, *cadence))
            .collect(),
        next_cursor: None,
    }))
}

/// A default cadence, or null to remove it (the fallback cannot be removed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceDefaultBody {
    /// `30d`, `6w`, `3m`, or null.
    cadence: Option<String>,
}

/// What setting a default did.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CadenceDefaultChangeView {
    pub scope: String,
    pub key: String,
    /// The cadence now, or null when removed.
    pub every: Option<String>,
    /// How many contacts' next touch moved.
    pub rescheduled: u64,
}

/// Sets or removes one default cadence and reschedules every contact. Admins only: it moves
/// everyone's schedule. `scope` is `fallback` (any `key`, e.g. `fallback/all`), `tier`,
/// `stage`, `role` or `horizon`, and `key` the value (`tier/A`).
#[utoipa::path(put, path = "/api/v1/cadence-defaults/{scope}/{key}", params(
    ("scope" = String, Path), ("key" = String, Path),
), request_body = CadenceDefaultBody, responses(
    (status = 200, body = CadenceDefaultChangeView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn set_cadence_default(
    State(state): State<AppState>,
    Writer(account): Writer,
    Path((scope, key)): Path<(String, String)>,
    Body(body): Body<CadenceDefaultBody>,
) -> ApiResult<Json<CadenceDefaultChangeView>> {
    let mut fields = Fields::default();
    let scope = DefaultScope::from_parts(scope.trim(), key.trim());
    if scope.is_none() {
        fields.error(
            "scope",
            "expected fallback, tier/A-D, stage/…, role/… or horizon/… with a known value",
        );
    }
    let cadence: Option<Cadence> = fields.parse("cadence", body.cadence.as_deref());
    if scope == Some(DefaultScope::Fallback) && body.cadence.is_none() {
        fields.error(
            "cadence",
            "the fallback cadence cannot be removed: every contact needs a cycle",
        );
    }
    fields.finish()?;
    let Some(scope) = scope else {
        return Err(Problem::internal());
    };
    let now = Moment::of(&state, &account).now;
    let rescheduled = state
        .store
        .set_cadence_default(account.user.id, scope, cadence, now)
        .await?;
    let (scope_name, key) = scope.parts();
    Ok(Json(CadenceDefaultChangeView {
        scope: scope_name.to_owned(),
        key: key.to_owned(),
        every: cadence.map(|c| c.to_string()),
        rescheduled,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// contact, organization, touch, follow_up, cadence_default, user or api_token.
    entity: Option<String>,
    /// With `entity`: that record only.
    entity_id: Option<String>,
    /// A contact id: changes to it, its touches and its follow-ups.
    contact: Option<String>,
    /// A user id: changes that user made.
    actor: Option<String>,
    /// Most rows to return (1–1000, default 100).
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The audit log, newest first: who changed what, when, with the record before and after.
/// Admins only — it holds every change to every record, whoever owns it (a contact's notes,
/// a hold's reason, who was given which role), which a member's own view does not show.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses(
    (status = 200, body = Page<AuditEntryView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub(super) async fn audit(
    State(state): State<AppState>,
    Actor(account): Actor,
    Params(query): Params<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let mut fields = Fields::default();
    let entity: Option<AuditEntity> = fields.parse("entity", query.entity.as_deref());
    let entity_id: Option<i64> = fields.parse("entity_id", query.entity_id.as_deref());
    let contact: Option<i64> = fields.parse("contact", query.contact.as_deref());
    let actor: Option<i64> = fields.parse("actor", query.actor.as_deref());
    let before = fields.cursor(query.cursor.as_deref());
    fields.finish_params()?;
    let limit = limit("limit", query.limit.as_deref(), 100)?;
    let filter = AuditFilter {
        entity,
        entity_id,
        contact: contact.map(ContactId),
        actor: actor.map(UserId),
        before,
        // One more than asked, to know whether there is a next page.
        limit: Some(limit + 1),
    };
    let found = state.store.audit(account.user.id, &filter).await?;
    Ok(Json(Page::cut(found, limit, |e| e.id.to_string())))
}

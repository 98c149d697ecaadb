//! `/settings`: the user's time zone; the default calling cycles (by tier, stage, role,
//! horizon, and the fallback), which admins may change; API tokens (one's own; an admin sees
//! and may revoke everyone's); and, for admins, the users.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use rapport_core::{Cadence, DefaultScope, Horizon, Role, Stage, Tier, UserRole, when};
use serde::Deserialize;

use super::contact::FormEcho;
use super::{Chrome, OwnForm, SignedIn, WebError, WebForm, WebResult, page, short_date};
use crate::AppState;
use crate::api::Fields;

#[derive(Debug)]
pub struct DefaultRow {
    pub scope: &'static str,
    pub key: &'static str,
    pub label: String,
    pub cadence: String,
    /// The name its errors are filed under.
    pub field: String,
}

#[derive(Debug)]
pub struct UserRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
}

#[derive(Debug)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub owner: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    time_zone: String,
    zone_is_saved: bool,
    is_admin: bool,
    defaults: Vec<DefaultRow>,
    users: Vec<UserRow>,
    tokens: Vec<TokenRow>,
    echo: FormEcho,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Query(saved): Query<SavedQuery>,
) -> WebResult<Response> {
    let notice = saved.saved.map(|_| "Saved.");
    render(&state, &user, notice, FormEcho::default(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    notice: Option<&'static str>,
    echo: FormEcho,
    status: StatusCode,
) -> WebResult<Response> {
    let defaults = state.store.cadence_defaults().await?;
    let set: std::collections::HashMap<DefaultScope, Cadence> =
        defaults.entries().into_iter().collect();
    let scopes = std::iter::once(DefaultScope::Fallback)
        .chain(Tier::ALL.iter().map(|t| DefaultScope::Tier(*t)))
        .chain(Stage::ALL.iter().map(|s| DefaultScope::Stage(*s)))
        .chain(Role::ALL.iter().map(|r| DefaultScope::Role(*r)))
        .chain(Horizon::ALL.iter().map(|h| DefaultScope::Horizon(*h)));
    let is_admin = user.session.account.role == UserRole::Admin;
    let users = if is_admin {
        state
            .store
            .users()
            .await?
            .into_iter()
            .map(|a| UserRow {
                name: a.user.name,
                email: a.user.email,
                role: a.role.as_str(),
            })
            .collect()
    } else {
        vec![]
    };
    let day = |at: jiff::Timestamp| short_date(when::today(at, &user.moment.tz));
    let tokens = state
        .store
        .api_tokens(user.user())
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            owner: t.user_email,
            created: day(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".to_owned(), day),
            revoked: t.revoked_at.map(day),
        })
        .collect();
    let account = &user.session.account;
    page(
        &SettingsPage {
            chrome: user.chrome("Settings"),
            notice,
            time_zone: when::tz_name(&user.moment.tz),
            zone_is_saved: account.user.time_zone.is_some(),
            is_admin,
            defaults: scopes
                .map(|scope| {
                    let (name, key) = scope.parts();
                    DefaultRow {
                        scope: name,
                        key,
                        label: scope.to_string(),
                        cadence: set.get(&scope).map(|c| c.to_string()).unwrap_or_default(),
                        field: cadence_field(name, key),
                    }
                })
                .collect(),
            users,
            tokens,
            echo,
        },
        status,
    )
}

#[derive(Debug, Deserialize)]
pub struct TimeZoneForm {
    time_zone: String,
}

/// Saves the user's own time zone (blank: follow the server's).
pub async fn set_time_zone(
    State(state): State<AppState>,
    OwnForm { user, form }: OwnForm<TimeZoneForm>,
) -> WebResult<Response> {
    let name = form.time_zone.trim();
    if !name.is_empty() && TimeZone::get(name).is_err() {
        let mut fields = Fields::default();
        fields.error(
            "time_zone",
            format!("unknown time zone '{name}' (expected an IANA name such as Europe/Paris)"),
        );
        let echo = FormEcho::new(fields, &[("time_zone", Some(name))]);
        return render(&state, &user, None, echo, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    state
        .store
        .set_time_zone(
            user.user(),
            user.user(),
            Some(name).filter(|n| !n.is_empty()),
            user.moment.now,
        )
        .await?;
    Ok(Redirect::to("/settings?saved=1").into_response())
}

#[derive(Debug, Deserialize)]
pub struct CadenceForm {
    scope: String,
    #[serde(default)]
    key: String,
    /// `30d`, `6w`, `3m`; blank removes the default.
    cadence: String,
}

/// Sets or removes one default cycle (admins only); every contact inheriting it is
/// rescheduled in the same transaction.
pub async fn set_cadence_default(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<CadenceForm>,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let scope = DefaultScope::from_parts(&form.scope, &form.key)
        .ok_or_else(|| WebError::BadForm(format!("no default '{} {}'", form.scope, form.key)))?;
    let field = cadence_field(&form.scope, &form.key);
    let mut fields = Fields::default();
    let text = form.cadence.trim();
    let cadence = if text.is_empty() {
        Some(None)
    } else {
        fields.parse::<Cadence>(&field, Some(text)).map(Some)
    };
    if let Some(cadence) = cadence {
        match state
            .store
            .set_cadence_default(user.user(), scope, cadence, user.moment.now)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/settings?saved=1").into_response()),
            Err(rapport_store::StoreError::Invalid(message)) => fields.error(&field, message),
            Err(err) => return Err(err.into()),
        }
    }
    let echo = FormEcho::new(fields, &[(field.as_str(), Some(text))]);
    render(&state, &user, None, echo, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Where the error about one default's cycle is shown.
fn cadence_field(scope: &str, key: &str) -> String {
    format!("cadence.{scope}.{key}")
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {}

/// Revokes an API token: one's own, or (admins) anyone's. From the commit on it authenticates
/// nobody.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OwnForm { user, .. }: OwnForm<RevokeForm>,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .map_err(|_| WebError::NotFound(format!("no token '{id}'")))?;
    state
        .store
        .revoke_api_token(user.user(), id, user.moment.now)
        .await?;
    Ok(Redirect::to("/settings?saved=1").into_response())
}

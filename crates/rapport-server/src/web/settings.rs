//! `/settings`: the user's time zone; the default calling cycles (by tier, stage, role,
//! horizon, and the fallback), which admins may change; API tokens (one's own; an admin sees
//! and may revoke everyone's); the relationship rules (where closing a deal moves its
//! contact, the renewal lead time), which admins may change; the ideal client profile's
//! criteria, which admins add and remove; and, for admins, the users, whom they disable and
//! enable again.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use rapport_core::model::UserId;
use rapport_core::playbook::Part;
use rapport_core::{Cadence, DefaultScope, Horizon, Role, Stage, Tier, UserRole, when};
use rapport_store::PlaybookPatch;
use serde::Deserialize;

use super::contact::FormEcho;
use super::{Chrome, OwnForm, SignedIn, WebError, WebForm, WebResult, page, short_date};
use crate::AppState;
use crate::api::Fields;
use crate::api::profile::criterion_of;
use crate::api::relationships::{RulesBody, rules_patch};
use crate::views::{CriterionView, PlaybookView, RelationshipRulesView};

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
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    /// The day they were disabled, if they are.
    pub disabled_on: Option<String>,
    /// The signed-in admin's own row: another admin disables them.
    pub is_me: bool,
    /// Where a refusal to disable or enable them is shown.
    pub field: String,
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

/// The relationship rules' form values.
#[derive(Debug)]
pub struct RuleInputs {
    pub won_stage: String,
    pub won_role: String,
    pub won_cadence: String,
    pub lost_stage: String,
    pub lost_role: String,
    pub lost_cadence: String,
    pub renewal_lead_days: String,
    pub tier_values: String,
}

impl RuleInputs {
    fn of(rules: &RelationshipRulesView, echo: &FormEcho) -> RuleInputs {
        let pick = |field: &str, current: &str| echo.sent(field).unwrap_or(current).to_owned();
        let role = |role: &Option<String>| role.clone().unwrap_or_default();
        RuleInputs {
            won_stage: pick("won_stage", &rules.won.stage),
            won_role: pick("won_role", &role(&rules.won.role)),
            won_cadence: pick("won_cadence", &rules.won.cadence),
            lost_stage: pick("lost_stage", &rules.lost.stage),
            lost_role: pick("lost_role", &role(&rules.lost.role)),
            lost_cadence: pick("lost_cadence", &rules.lost.cadence),
            renewal_lead_days: pick("renewal_lead_days", &rules.renewal_lead_days.to_string()),
            tier_values: pick("tier_values", &rules.tier_values),
        }
    }
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
    rules: RelationshipRulesView,
    /// What the rules form shows: the rules, or what a refused form sent.
    rule_inputs: RuleInputs,
    playbooks: Vec<PlaybookView>,
    stages: &'static [Stage],
    roles: &'static [Role],
    echo: FormEcho,
    criteria: Vec<CriterionView>,
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
    let day = |at: jiff::Timestamp| short_date(when::today(at, &user.moment.tz));
    let users = if is_admin {
        state
            .store
            .users()
            .await?
            .into_iter()
            .map(|a| UserRow {
                id: a.user.id.0,
                is_me: a.user.id == user.user(),
                field: user_field(a.user.id.0),
                name: a.user.name,
                email: a.user.email,
                role: a.role.as_str(),
                disabled_on: a.disabled_at.map(day),
            })
            .collect()
    } else {
        vec![]
    };
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
    let rules = RelationshipRulesView::from(&state.store.relationship_rules().await?);
    let rule_inputs = RuleInputs::of(&rules, &echo);
    let playbooks = state
        .store
        .playbooks()
        .await?
        .iter()
        .map(PlaybookView::from)
        .collect();
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
            rules,
            rule_inputs,
            playbooks,
            stages: Stage::ALL,
            roles: Role::ALL,
            echo,
            criteria: state
                .store
                .icp_criteria()
                .await?
                .iter()
                .map(CriterionView::from)
                .collect(),
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

/// Disables a user (admins only): their sessions end and their API tokens are revoked.
pub async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, .. }: WebForm<EmptyForm>,
) -> WebResult<Response> {
    toggle_user(&state, &user, &id, true).await
}

/// Enables a disabled user again (admins only).
pub async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, .. }: WebForm<EmptyForm>,
) -> WebResult<Response> {
    toggle_user(&state, &user, &id, false).await
}

/// Disables or enables a user through `Store::set_user_disabled`. A refusal (oneself; a
/// user who still owns contacts or is a nurture or sales owner) is shown beside the user's
/// row.
async fn toggle_user(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    disabled: bool,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let id = super::path_id(id, "user", UserId)?;
    match state
        .store
        .set_user_disabled(user.user(), id, disabled, user.moment.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/settings?saved=1#users").into_response()),
        Err(err @ rapport_store::StoreError::UserChangeRefused(_)) => {
            let mut fields = Fields::default();
            fields.error(&user_field(id.0), err.to_string());
            let echo = FormEcho::new(fields, &[]);
            render(state, user, None, echo, StatusCode::CONFLICT).await
        }
        Err(err) => Err(err.into()),
    }
}

/// Where the error about disabling or enabling a user is shown.
fn user_field(id: i64) -> String {
    format!("user.{id}")
}

/// A form that sends nothing but its CSRF token (checked by the extractor).
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// Revokes an API token: one's own, or (admins) anyone's. From the commit on it authenticates
/// nobody.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OwnForm { user, .. }: OwnForm<EmptyForm>,
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

/// The relationship rules as the settings form sends them, every value present; a blank role
/// means none.
#[derive(Debug, Deserialize)]
pub struct RulesForm {
    won_stage: String,
    won_role: String,
    won_cadence: String,
    lost_stage: String,
    lost_role: String,
    lost_cadence: String,
    renewal_lead_days: String,
    tier_values: String,
}

/// Changes the relationship rules (admins only); a new lead time reschedules everyone in the
/// same transaction.
pub async fn set_relationship_rules(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<RulesForm>,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let mut fields = Fields::default();
    let renewal_lead_days = form.renewal_lead_days.trim().parse::<u16>().ok();
    if renewal_lead_days.is_none() {
        fields.error(
            "renewal_lead_days",
            format!(
                "expected a number of days (1 to 730), got '{}'",
                form.renewal_lead_days
            ),
        );
    }
    let role = |text: &str| Some(Some(text.trim().to_owned()).filter(|r| !r.is_empty()));
    let body = RulesBody {
        won_stage: Some(form.won_stage.clone()),
        won_role: role(&form.won_role),
        won_cadence: Some(form.won_cadence.trim().to_owned()),
        lost_stage: Some(form.lost_stage.clone()),
        lost_role: role(&form.lost_role),
        lost_cadence: Some(form.lost_cadence.trim().to_owned()),
        renewal_lead_days,
        tier_values: Some(form.tier_values.trim().to_owned()),
    };
    let patch = rules_patch(&mut fields, body);
    if fields.errors.is_empty() {
        state
            .store
            .change_relationship_rules(user.user(), patch, user.moment.now)
            .await?;
        return Ok(Redirect::to("/settings?saved=1").into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("won_stage", Some(&form.won_stage)),
            ("won_role", Some(&form.won_role)),
            ("won_cadence", Some(&form.won_cadence)),
            ("lost_stage", Some(&form.lost_stage)),
            ("lost_role", Some(&form.lost_role)),
            ("lost_cadence", Some(&form.lost_cadence)),
            ("renewal_lead_days", Some(&form.renewal_lead_days)),
            ("tier_values", Some(&form.tier_values)),
        ],
    );
    render(&state, &user, None, echo, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A stage's playbook as the settings form sends it: every part, the checklist one step a
/// line.
#[derive(Debug, Deserialize)]
pub struct PlaybookForm {
    looks_like: String,
    checklist: String,
    approach_new: String,
    approach_seasoned: String,
}

/// Changes a stage's playbook (admins only). Errors show beside the stage's fields.
pub async fn set_playbook(
    State(state): State<AppState>,
    Path(stage): Path<String>,
    WebForm { user, form }: WebForm<PlaybookForm>,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let stage: Stage = stage
        .parse()
        .map_err(|_| WebError::NotFound(format!("no lifecycle stage '{stage}'")))?;
    let mut fields = Fields::default();
    let parts = [
        (Part::LooksLike, &form.looks_like),
        (Part::Checklist, &form.checklist),
        (Part::ApproachNew, &form.approach_new),
        (Part::ApproachSeasoned, &form.approach_seasoned),
    ];
    for (part, text) in parts {
        fields.check(&playbook_field(stage, part), part.canonical(text));
    }
    if fields.errors.is_empty() {
        let patch = PlaybookPatch {
            looks_like: Some(form.looks_like),
            checklist: Some(form.checklist),
            approach_new: Some(form.approach_new),
            approach_seasoned: Some(form.approach_seasoned),
        };
        state
            .store
            .set_playbook(user.user(), stage, patch, user.moment.now)
            .await?;
        return Ok(Redirect::to("/settings?saved=1#playbooks").into_response());
    }
    let names: Vec<String> = parts
        .iter()
        .map(|(part, _)| playbook_field(stage, *part))
        .collect();
    let values: Vec<(&str, Option<&str>)> = names
        .iter()
        .zip(parts)
        .map(|(name, (_, text))| (name.as_str(), Some(text.as_str())))
        .collect();
    let echo = FormEcho::new(fields, &values);
    render(&state, &user, None, echo, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Where the error about one part of a stage's playbook is shown.
pub fn playbook_field(stage: Stage, part: Part) -> String {
    format!("playbook.{stage}.{}", part.as_str())
}

/// A new criterion of the ideal client profile, as the settings form sends it.
#[derive(Debug, Deserialize)]
pub struct CriterionForm {
    field: String,
    value: String,
    weight: String,
}

/// Adds a criterion to the ideal client profile (admins).
pub async fn add_criterion(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<CriterionForm>,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let mut fields = Fields::default();
    let criterion = criterion_of(&mut fields, &form.field, &form.value, &form.weight);
    if let (true, Some(criterion)) = (fields.errors.is_empty(), criterion) {
        state
            .store
            .add_icp_criterion(user.user(), &criterion, user.moment.now)
            .await?;
        return Ok(Redirect::to("/settings?saved=1#icp").into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("icp_field", Some(&form.field)),
            ("icp_value", Some(&form.value)),
            ("icp_weight", Some(&form.weight)),
        ],
    );
    render(&state, &user, None, echo, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Removes a criterion from the ideal client profile (admins).
pub async fn remove_criterion(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, .. }: WebForm<EmptyForm>,
) -> WebResult<Response> {
    if user.session.account.role != UserRole::Admin {
        return Err(WebError::NotAdmin);
    }
    let id = super::path_id(&id, "criterion", |n| n)?;
    state
        .store
        .remove_icp_criterion(user.user(), id, user.moment.now)
        .await?;
    Ok(Redirect::to("/settings?saved=1#icp").into_response())
}

//! `/organizations/{id}`: the people we know there, when each is next due, and the latest
//! touches with any of them; the organization's health with its parts; its incumbent
//! competitors with their renewal dates and dissatisfactions, and the form that records them;
//! the tier its deals' value suggests beside the one it has.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::Tier;
use rapport_core::agenda::days_phrase;
use rapport_core::fit::FieldKey;
use rapport_core::model::OrganizationId;
use rapport_store::{ContactFilter, OrganizationPatch, StoreError};
use serde::Deserialize;

use super::contact::FormEcho;
use super::search::Hit;
use super::{Chrome, SignedIn, WebForm, WebResult, page, path_id, short_date};
use crate::AppState;
use crate::api::Fields;
use crate::api::profile::{OrganizationEdit, fields_from_lines, organization_patch};
use crate::api::relationships::competitor_of;
use crate::views::{CompetitorView, FitView, OrganizationHealthView, SuggestionsView};

/// The most people and touches the page lists.
const MAX_PEOPLE: i64 = 200;
const MAX_TOUCHES: i64 = 30;

#[derive(Debug)]
pub struct OrgTouch {
    pub contact: String,
    pub contact_id: i64,
    pub when: String,
    pub kind: &'static str,
    pub summary: Option<String>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    id: i64,
    name: String,
    domain: Option<String>,
    tier: Option<&'static str>,
    people: Vec<Hit>,
    touches: Vec<OrgTouch>,
    health: OrganizationHealthView,
    competitors: Vec<CompetitorView>,
    suggestions: SuggestionsView,
    echo: FormEcho,
    profile: ProfileValues,
    fit: FitView,
    tiers: &'static [Tier],
}

/// The profile form's values: the organization's, or what a refused form sent.
#[derive(Debug)]
pub struct ProfileValues {
    name: String,
    domain: String,
    /// A tier's letter, or empty for none.
    tier: String,
    industry: String,
    size: String,
    region: String,
    /// Custom fields, one `key: value` per line.
    fields: String,
    version: i64,
}

/// `?recorded=1` after a competitor was saved, `?profiled=1` after the profile.
#[derive(Debug, Default, Deserialize)]
pub struct RecordedQuery {
    recorded: Option<i64>,
    /// `?profiled=1` after the profile was saved.
    profiled: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<RecordedQuery>,
) -> WebResult<Response> {
    let id = organization_id(&id)?;
    let notice = match (done.recorded, done.profiled) {
        (Some(_), _) => Some("Competitor saved."),
        (None, Some(_)) => Some("Profile saved."),
        (None, None) => None,
    };
    render(
        &state,
        &user,
        id,
        notice,
        FormEcho::default(),
        StatusCode::OK,
    )
    .await
}

fn organization_id(text: &str) -> WebResult<OrganizationId> {
    path_id(text, "organization", OrganizationId)
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    id: OrganizationId,
    notice: Option<&'static str>,
    echo: FormEcho,
    status: StatusCode,
) -> WebResult<Response> {
    let today = user.today();
    let organization = state.store.organization(id).await?;
    let people = state
        .store
        .list_contacts(&ContactFilter {
            organization: Some(id),
            limit: Some(MAX_PEOPLE),
            ..ContactFilter::default()
        })
        .await?
        .into_iter()
        .map(|c| Hit {
            id: c.id.0,
            name: c.name,
            organization: None,
            email: c.email,
            next_touch: format!(
                "{} ({})",
                short_date(c.next_touch.on),
                days_phrase(today, c.next_touch.on)
            ),
            matched: vec![],
        })
        .collect();
    let touches = state
        .store
        .organization_touches(user.user(), id, MAX_TOUCHES)
        .await?
        .into_iter()
        .map(|t| OrgTouch {
            contact: t.contact_name,
            contact_id: t.touch.contact.0,
            when: format!(
                "{} ({})",
                short_date(t.touch.on),
                days_phrase(today, t.touch.on)
            ),
            kind: t.touch.kind.as_str(),
            summary: t.touch.summary,
        })
        .collect();
    let health = state.store.organization_health(id, today).await?;
    let competitors = state.store.competitors(id).await?;
    let suggestions = state.store.organization_suggestions(id).await?;
    let fit = state.store.organization_fit(id).await?;
    let sent_or = |field: &str, current: Option<&str>| {
        echo.sent(field)
            .unwrap_or_else(|| current.unwrap_or_default())
            .to_owned()
    };
    let profile = ProfileValues {
        name: sent_or("profile.name", Some(&organization.name)),
        domain: sent_or("profile.domain", organization.domain.as_deref()),
        tier: sent_or("profile.tier", organization.tier.map(Tier::as_str)),
        industry: echo
            .sent("profile.industry")
            .map(str::to_owned)
            .unwrap_or_else(|| organization.industry.clone().unwrap_or_default()),
        size: echo
            .sent("profile.size")
            .map(str::to_owned)
            .unwrap_or_else(|| organization.size.map(|n| n.to_string()).unwrap_or_default()),
        region: echo
            .sent("profile.region")
            .map(str::to_owned)
            .unwrap_or_else(|| organization.region.clone().unwrap_or_default()),
        fields: echo
            .sent("profile.fields")
            .map(str::to_owned)
            .unwrap_or_else(|| field_lines(&organization.fields)),
        version: organization.version,
    };
    page(
        &OrganizationPage {
            chrome: user.chrome(&organization.name),
            notice,
            id: id.0,
            name: organization.name,
            domain: organization.domain,
            tier: organization.tier.map(|t| t.as_str()),
            people,
            touches,
            health: OrganizationHealthView::from(&health),
            competitors: competitors.iter().map(CompetitorView::from).collect(),
            suggestions: SuggestionsView::of_organization(&suggestions),
            echo,
            profile,
            fit: FitView::new(fit.as_ref()),
            tiers: Tier::ALL,
        },
        status,
    )
}

/// A competitor as the page's forms send it: new by name, or an existing one again with a
/// new renewal date or one more dissatisfaction.
#[derive(Debug, Deserialize)]
pub struct CompetitorForm {
    name: String,
    renews_on: Option<String>,
    dissatisfaction: Option<String>,
}

/// Records an incumbent competitor; the account's contacts come back on the agenda the
/// team's lead time before the renewal.
pub async fn record_competitor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<CompetitorForm>,
) -> WebResult<Response> {
    let id = organization_id(&id)?;
    let mut fields = Fields::default();
    let renews_on = form
        .renews_on
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let dissatisfactions = form
        .dissatisfaction
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let update = competitor_of(
        &mut fields,
        &form.name,
        renews_on,
        dissatisfactions,
        user.today(),
    );
    if fields.errors.is_empty() {
        state
            .store
            .record_competitor(user.user(), id, update, user.moment.now)
            .await?;
        return Ok(Redirect::to(&format!("/organizations/{id}?recorded=1")).into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("name", Some(&form.name)),
            ("renews_on", form.renews_on.as_deref()),
            ("dissatisfaction", form.dissatisfaction.as_deref()),
        ],
    );
    render(
        &state,
        &user,
        id,
        None,
        echo,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Custom fields as the form's text area shows them: one `key: value` per line.
pub(super) fn field_lines(fields: &BTreeMap<FieldKey, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The profile form: name, domain, tier, industry, size, region and custom fields, all sent
/// every time (blank clears all but the name), with the version the page showed.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    name: String,
    domain: String,
    tier: String,
    industry: String,
    size: String,
    region: String,
    fields: String,
    version: i64,
}

/// Saves an organization's profile; a concurrent edit since the page was read is refused.
pub async fn edit_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<ProfileForm>,
) -> WebResult<Response> {
    let id = organization_id(&id)?;
    let current = state.store.organization(id).await?;
    let mut fields = Fields::default();
    let custom = fields_from_lines(&mut fields, &form.fields, &current.fields);
    let sent = |value: &String| Some(Some(value.clone()));
    let edit = OrganizationEdit {
        name: Some(form.name.clone()),
        domain: sent(&form.domain),
        tier: sent(&form.tier),
        industry: sent(&form.industry),
        size: sent(&form.size),
        region: sent(&form.region),
        custom,
    };
    let patch = organization_patch(&mut fields, edit);
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if fields.errors.is_empty() {
        let patch = OrganizationPatch {
            expected_version: Some(form.version),
            ..patch
        };
        match state
            .store
            .edit_organization(user.user(), id, patch, user.moment.now)
            .await
        {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/organizations/{id}?profiled=1#profile"))
                        .into_response(),
                );
            }
            Err(err @ StoreError::DuplicateOrganization(_)) => {
                fields.error("name", err.to_string());
                status = StatusCode::CONFLICT;
            }
            Err(err) => return Err(err.into()),
        }
    }
    // Keyed `profile.…`: the competitor form on the same page has a `name` of its own.
    for error in &mut fields.errors {
        error.field = format!("profile.{}", error.field);
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("profile.name", Some(&form.name)),
            ("profile.domain", Some(&form.domain)),
            ("profile.tier", Some(&form.tier)),
            ("profile.industry", Some(&form.industry)),
            ("profile.size", Some(&form.size)),
            ("profile.region", Some(&form.region)),
            ("profile.fields", Some(&form.fields)),
        ],
    );
    render(&state, &user, id, None, echo, status).await
}

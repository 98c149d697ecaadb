//! `/organizations/{id}`: the people we know there, when each is next due, and the latest
//! touches with any of them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_core::agenda::days_phrase;
use rapport_core::model::OrganizationId;
use rapport_store::ContactFilter;

use super::search::Hit;
use super::{Chrome, SignedIn, WebError, WebResult, page, short_date};
use crate::AppState;

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
    name: String,
    domain: Option<String>,
    tier: Option<&'static str>,
    people: Vec<Hit>,
    touches: Vec<OrgTouch>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .map(OrganizationId)
        .map_err(|_| WebError::NotFound(format!("no organization '{id}'")))?;
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
    page(
        &OrganizationPage {
            chrome: user.chrome(&organization.name),
            name: organization.name,
            domain: organization.domain,
            tier: organization.tier.map(|t| t.as_str()),
            people,
            touches,
        },
        StatusCode::OK,
    )
}

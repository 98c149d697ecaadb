//! `/search?q=`: contacts by any words of their name, email, organization, notes or touches
//! (full-text, the store's `search`), each saying what matched, and organizations.
//! With `partial=1` (what the page's script asks for as you type) only the results list is
//! sent, to be swapped into the page; without JavaScript the form submits and the whole page
//! comes back. With `role`, only contacts holding that role now; a role and no text lists
//! everyone holding it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_core::Role;
use rapport_core::agenda::days_phrase;
use rapport_store::{ContactFilter, ContactHit};
use serde::Deserialize;

use super::{Chrome, SignedIn, WebError, WebResult, page, short_date};
use crate::AppState;

/// The most results one search shows.
const MAX_RESULTS: usize = 50;

#[derive(Debug)]
pub struct Hit {
    pub id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub next_touch: String,
    /// "organization: Acme Freight", "touch: Met at the retreat · data migration".
    pub matched: Vec<String>,
}

#[derive(Debug)]
pub struct OrganizationHit {
    pub id: i64,
    pub name: String,
    pub matched: Vec<String>,
}

fn matched(found: &[rapport_core::search::Matched]) -> Vec<String> {
    found
        .iter()
        .map(|m| format!("{}: {}", m.field.as_str(), m.text))
        .collect()
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    role: &'static str,
    roles: &'static [Role],
    hits: Vec<Hit>,
    organizations: Vec<OrganizationHit>,
}

#[derive(Template)]
#[template(path = "search_results.html")]
struct SearchResults {
    query: String,
    role: &'static str,
    hits: Vec<Hit>,
    organizations: Vec<OrganizationHit>,
}

#[derive(Template)]
#[template(path = "search_options.html")]
struct SearchOptions {
    hits: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    /// `results`: the results list only; `options`: `<option>`s for the quick log's
    /// contact suggestions.
    partial: Option<String>,
    /// A relationship role held now; blank for any.
    role: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    let today = user.today();
    let role = role_filter(query.role.as_deref())?;
    let found = match role {
        // A role alone lists everyone holding it.
        Some(role) if query.q.trim().is_empty() => rapport_store::SearchResults {
            contacts: state
                .store
                .list_contacts(&ContactFilter {
                    role: Some(role),
                    limit: Some(MAX_RESULTS as i64),
                    ..ContactFilter::default()
                })
                .await?
                .into_iter()
                .map(|contact| ContactHit {
                    contact,
                    matched: vec![],
                })
                .collect(),
            organizations: vec![],
        },
        _ => {
            state
                .store
                .search(user.user(), &query.q, role, MAX_RESULTS)
                .await?
        }
    };
    let role = role.map_or("", Role::as_str);
    let hits = found
        .contacts
        .into_iter()
        .map(|hit| {
            let c = hit.contact;
            Hit {
                id: c.id.0,
                name: c.name,
                organization: c.organization,
                email: c.email,
                next_touch: format!(
                    "{} ({})",
                    short_date(c.next_touch.on),
                    days_phrase(today, c.next_touch.on)
                ),
                matched: matched(&hit.matched),
            }
        })
        .collect();
    let organizations = found
        .organizations
        .into_iter()
        .map(|o| OrganizationHit {
            id: o.id.0,
            name: o.name,
            matched: matched(&o.matched),
        })
        .collect();
    let query_text = query.q.trim().to_owned();
    match query.partial.as_deref() {
        Some("results") => page(
            &SearchResults {
                query: query_text,
                role,
                hits,
                organizations,
            },
            StatusCode::OK,
        ),
        Some("options") => page(&SearchOptions { hits }, StatusCode::OK),
        _ => page(
            &SearchPage {
                chrome: user.chrome("Search"),
                query: query_text,
                role,
                roles: Role::ALL,
                hits,
                organizations,
            },
            StatusCode::OK,
        ),
    }
}

/// The role a list is narrowed to: blank for any; a role the filter never offers is a bad
/// request that names it.
pub fn role_filter(text: Option<&str>) -> WebResult<Option<Role>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e: rapport_core::vocab::UnknownWord| WebError::BadForm(e.to_string())),
    }
}

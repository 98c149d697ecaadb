//! `/organizations`: every organization with its profile and its fit against the ideal
//! client profile, sorted by name or (`?sort=fit`) best fit first.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_core::fit::grouped;
use rapport_core::model::Organization;
use serde::Deserialize;

use super::{Chrome, SignedIn, WebError, WebResult, page};
use crate::AppState;
use crate::api::Sort;

#[derive(Debug)]
pub struct OrganizationRow {
    pub id: i64,
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub tier: String,
    pub contacts: i64,
    /// The score, "–" without one.
    pub fit: String,
}

impl OrganizationRow {
    fn of(o: &Organization, fit: Option<u8>) -> OrganizationRow {
        OrganizationRow {
            id: o.id.0,
            name: o.name.clone(),
            industry: o.industry.clone().unwrap_or_default(),
            size: o.size.map(grouped).unwrap_or_default(),
            region: o.region.clone().unwrap_or_default(),
            tier: o.tier.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            contacts: o.contact_count,
            fit: fit.map_or_else(|| "–".to_owned(), |s| s.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    chrome: Chrome,
    rows: Vec<OrganizationRow>,
    by_fit: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SortQuery {
    sort: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<SortQuery>,
) -> WebResult<Response> {
    let sort = match query.sort.as_deref() {
        None => Sort::Name,
        Some(text) => text
            .parse::<Sort>()
            .map_err(|e| WebError::BadForm(format!("sort: {e}")))?,
    };
    // Every organization's fit is computed either way: the column shows it in name order too.
    let mut scored = state.store.organizations_by_fit().await?;
    if sort == Sort::Name {
        // `organizations_by_fit` is a stable sort of the name order: undo it.
        scored.sort_by(|a, b| {
            (a.0.name.to_lowercase(), a.0.id.0).cmp(&(b.0.name.to_lowercase(), b.0.id.0))
        });
    }
    let rows = scored
        .iter()
        .map(|(o, fit)| OrganizationRow::of(o, *fit))
        .collect();
    page(
        &OrganizationsPage {
            chrome: user.chrome("Organizations"),
            rows,
            by_fit: sort == Sort::Fit,
        },
        StatusCode::OK,
    )
}

//! `/at-risk`: valuable relationships (tier A/B) that are overdue, falling or
//! single-threaded, each with its reasons and its health's parts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, SignedIn, WebResult, page};
use crate::AppState;
use crate::views::ContactHealthView;

#[derive(Template)]
#[template(path = "at_risk.html")]
struct AtRiskPage {
    chrome: Chrome,
    entries: Vec<ContactHealthView>,
}

pub async fn show(State(state): State<AppState>, user: SignedIn) -> WebResult<Response> {
    let entries = state
        .store
        .at_risk(user.today())
        .await?
        .iter()
        .map(ContactHealthView::from)
        .collect();
    page(
        &AtRiskPage {
            chrome: user.chrome("At risk"),
            entries,
        },
        StatusCode::OK,
    )
}

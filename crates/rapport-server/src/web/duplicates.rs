//! `/duplicates`: likely duplicate contacts with the evidence, and for each pair a form per
//! direction to merge one into the other (`POST /contacts/{id}/merge`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::model::ContactId;
use serde::Deserialize;

use super::contact::contact_id;
use super::{Chrome, SignedIn, WebForm, WebResult, page};
use crate::AppState;
use crate::views::DuplicatePairView;

/// The most pairs one page shows.
const MAX_PAIRS: usize = 100;

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    chrome: Chrome,
    pairs: Vec<DuplicatePairView>,
    merged: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MergedQuery {
    /// The survivor of the merge just done.
    merged: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<MergedQuery>,
) -> WebResult<Response> {
    let pairs = state.store.duplicates(MAX_PAIRS).await?;
    let merged = match query.merged {
        Some(id) => {
            let contact = state.store.contact(ContactId(id)).await?;
            Some(format!("Merged into {}.", contact.name))
        }
        None => None,
    };
    page(
        &DuplicatesPage {
            chrome: user.chrome("Duplicates"),
            pairs: pairs.iter().map(DuplicatePairView::from).collect(),
            merged,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    duplicate: String,
}

pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<MergeForm>,
) -> WebResult<Response> {
    let survivor = contact_id(&id)?;
    let duplicate = contact_id(&form.duplicate)?;
    state
        .store
        .merge_contacts(user.user(), survivor, duplicate, user.moment.now)
        .await?;
    Ok(Redirect::to(&format!("/duplicates?merged={survivor}")).into_response())
}

//! The contact page's relationship forms: custom fields, an introduction (who introduced
//! this contact, or whom they introduced), a lifecycle stage change with its reason, and a
//! role started or ended. Each goes through the same store call as the CLI and the API
//! (`edit_contact`, `introduce`) and comes back to the page with what happened.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rapport_core::model::{ContactId, non_blank};
use rapport_core::{Role, Stage};
use rapport_store::{ContactPatch, StoreError};
use serde::Deserialize;

use super::contact::{FormEcho, contact_id, refused};
use super::{SignedIn, WebForm, WebResult, after};
use crate::AppState;
use crate::api::Fields;
use crate::api::profile::{custom_fields, fields_from_lines};

/// Custom fields: one `key: value` per line; a field left out is removed.
#[derive(Debug, Deserialize)]
pub struct FieldsForm {
    fields: String,
    back: Option<String>,
}

pub async fn set_fields(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<FieldsForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let current = state.store.contact(id).await?;
    let mut fields = Fields::default();
    let wanted = fields_from_lines(&mut fields, &form.fields, &current.fields);
    let (set_fields, remove_fields) = custom_fields(&mut fields, "fields", wanted);
    if !fields.errors.is_empty() {
        let echo = FormEcho::new(fields, &[("fields", Some(&form.fields))]);
        return refused(&state, &user, id, echo).await;
    }
    let patch = ContactPatch {
        set_fields,
        remove_fields,
        ..ContactPatch::default()
    };
    Ok(apply(&state, &user, id, patch, form.back.as_deref()).await?)
}

/// An introduction: `other` (a name, email or id) introduced this contact (`by`), or this
/// contact introduced them (`of`); on `on` (default today).
#[derive(Debug, Deserialize)]
pub struct IntroForm {
    other: String,
    direction: String,
    on: Option<String>,
    back: Option<String>,
}

pub async fn introduce(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<IntroForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let today = user.today();
    let mut fields = Fields::default();
    let on = match form.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(day) => fields.date("intro.on", day, today),
        None => Some(today),
    };
    let other = match non_blank(Some(form.other.clone())) {
        None => {
            fields.error(
                "intro.other",
                "name the other contact (a name, email or id)",
            );
            None
        }
        Some(reference) => match state.store.resolve_contact(&reference).await {
            Ok(other) => Some(other),
            Err(err @ (StoreError::ContactNotFound(_) | StoreError::AmbiguousContact { .. })) => {
                fields.error("intro.other", err.to_string());
                None
            }
            Err(err) => return Err(err.into()),
        },
    };
    let pair = match (form.direction.as_str(), other) {
        ("by", Some(other)) => Some((other, id)),
        ("of", Some(other)) => Some((id, other)),
        (_, None) => None,
        (direction, Some(_)) => {
            fields.error(
                "intro.direction",
                format!("expected by or of, got '{direction}'"),
            );
            None
        }
    };
    let (Some((introducer, introduced)), Some(on), true) = (pair, on, fields.errors.is_empty())
    else {
        let echo = FormEcho::new(
            fields,
            &[
                ("intro.other", Some(&form.other)),
                ("intro.on", form.on.as_deref()),
            ],
        );
        return refused(&state, &user, id, echo).await;
    };
    match state
        .store
        .introduce(user.user(), introducer, introduced, on, user.moment.now)
        .await
    {
        Ok(()) => Ok(after(form.back.as_deref(), "introduced", id).into_response()),
        // A refusal about the pair (itself, already recorded) belongs beside the form.
        Err(StoreError::Invalid(message)) => {
            let mut fields = Fields::default();
            fields.error("intro.other", message);
            let echo = FormEcho::new(fields, &[("intro.other", Some(&form.other))]);
            refused(&state, &user, id, echo).await
        }
        Err(err) => Err(err.into()),
    }
}

/// A lifecycle stage (blank: none) and why it changes, kept in the stage history.
#[derive(Debug, Deserialize)]
pub struct StageForm {
    stage: String,
    reason: Option<String>,
    back: Option<String>,
}

pub async fn change_stage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<StageForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    let stage = match form.stage.trim() {
        "" => Some(None),
        text => fields.parse::<Stage>("stage", Some(text)).map(Some),
    };
    let Some(stage) = stage else {
        let echo = FormEcho::new(fields, &[("stage.reason", form.reason.as_deref())]);
        return refused(&state, &user, id, echo).await;
    };
    let patch = ContactPatch {
        stage: Some(stage),
        stage_reason: non_blank(form.reason),
        ..ContactPatch::default()
    };
    Ok(apply(&state, &user, id, patch, form.back.as_deref()).await?)
}

/// A role to start (`add`) or to end today (`end`).
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
    action: String,
    back: Option<String>,
}

pub async fn change_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<RoleForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    let role = fields.parse::<Role>("role", Some(form.role.trim()));
    let patch = match (role, form.action.as_str()) {
        (Some(role), "add") => Some(ContactPatch {
            add_roles: vec![role],
            ..ContactPatch::default()
        }),
        (Some(role), "end") => Some(ContactPatch {
            end_roles: vec![role],
            ..ContactPatch::default()
        }),
        (Some(_), other) => {
            fields.error("role", format!("expected add or end, got '{other}'"));
            None
        }
        (None, _) => None,
    };
    let Some(patch) = patch else {
        return refused(&state, &user, id, FormEcho::new(fields, &[])).await;
    };
    match apply(&state, &user, id, patch, form.back.as_deref()).await {
        Ok(response) => Ok(response),
        // "is not a champion now": shown beside the form, not as an error page.
        Err(StoreError::Invalid(message)) => {
            let mut fields = Fields::default();
            fields.error("role", message);
            refused(&state, &user, id, FormEcho::new(fields, &[])).await
        }
        Err(err) => Err(err.into()),
    }
}

/// Makes a form's change to the contact, then goes back to the page saying so.
async fn apply(
    state: &AppState,
    user: &SignedIn,
    id: ContactId,
    patch: ContactPatch,
    back: Option<&str>,
) -> Result<Response, StoreError> {
    state
        .store
        .edit_contact(user.user(), id, patch, user.moment.now, user.today())
        .await?;
    Ok(after(back, "changed", id).into_response())
}

//! The contact page's forms beside the touch log: its details (and the new-contact page,
//! which sends the same), custom fields, an introduction (who introduced this contact, or
//! whom they introduced), a lifecycle stage change with its reason, and a role started or
//! ended. Each goes through the same store call as the CLI and the API (`add_contact`,
//! `edit_contact`, `introduce`) and comes back to the page with what happened.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::model::{Contact, ContactId, non_blank};
use rapport_core::{EmailAddress, PhoneNumber, Role, Stage, Tier};
use rapport_store::{ContactPatch, NewContact, StoreError};
use serde::Deserialize;

use super::contact::{FormEcho, contact_id, refused};
use super::{Chrome, SignedIn, WebForm, WebResult, after, page};
use crate::AppState;
use crate::api::profile::{custom_fields, fields_from_lines};
use crate::api::{Fields, one_line_name};

/// A contact's details as a form sends them: emails and phones one per line, tags separated
/// by commas. On the contact page, what the form leaves out is removed.
#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    phones: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    notes: String,
    /// The contact's version the form was filled from (not on the new-contact page): the
    /// form says everything, so an edit made meanwhile would be undone by it.
    version: Option<i64>,
    back: Option<String>,
}

/// A [`DetailsForm`] parsed by the domain's types.
struct Details {
    name: String,
    title: Option<String>,
    organization: Option<String>,
    tier: Option<Tier>,
    emails: Vec<EmailAddress>,
    phones: Vec<PhoneNumber>,
    tags: Vec<String>,
    notes: Option<String>,
}

impl DetailsForm {
    /// The details, with every value that does not parse named in `fields`.
    fn parse(&self, fields: &mut Fields) -> Details {
        // One error beside the box for a bad line, whichever line it is.
        fn lines<T: std::str::FromStr>(fields: &mut Fields, field: &str, text: &str) -> Vec<T>
        where
            T::Err: std::fmt::Display,
        {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .filter_map(|line| fields.parse(field, Some(line)))
                .collect()
        }
        Details {
            name: one_line_name(fields, "details.name", &self.name),
            title: non_blank(Some(self.title.clone())),
            organization: non_blank(Some(self.organization.clone()))
                .map(|name| one_line_name(fields, "details.organization", &name)),
            tier: match self.tier.trim() {
                "" => None,
                tier => fields.parse("details.tier", Some(tier)),
            },
            emails: lines(fields, "details.emails", &self.emails),
            phones: lines(fields, "details.phones", &self.phones),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect(),
            notes: non_blank(Some(self.notes.clone())),
        }
    }

    /// The form again as it was sent, with its errors.
    fn echo(&self, fields: Fields) -> FormEcho {
        FormEcho::new(
            fields,
            &[
                ("details.name", Some(&self.name)),
                ("details.title", Some(&self.title)),
                ("details.organization", Some(&self.organization)),
                ("details.tier", Some(&self.tier)),
                ("details.emails", Some(&self.emails)),
                ("details.phones", Some(&self.phones)),
                ("details.tags", Some(&self.tags)),
                ("details.notes", Some(&self.notes)),
            ],
        )
    }
}

/// The edit that turns `current` into `wanted`: each field that differs, what was added and
/// what is gone. A phone is compared as written, so a new spelling replaces the old one.
fn changes(current: &Contact, wanted: Details) -> ContactPatch {
    fn changed<T: PartialEq>(now: T, wanted: T) -> Option<T> {
        (now != wanted).then_some(wanted)
    }
    fn added<T: PartialEq + Clone>(now: &[T], wanted: &[T]) -> Vec<T> {
        wanted
            .iter()
            .filter(|v| !now.contains(v))
            .cloned()
            .collect()
    }
    let written: Vec<String> = wanted.phones.iter().map(ToString::to_string).collect();
    ContactPatch {
        name: changed(current.name.clone(), wanted.name),
        title: changed(current.title.clone(), wanted.title),
        organization: changed(
            current.organization.as_ref().map(|o| o.name.clone()),
            wanted.organization,
        ),
        tier: changed(current.tier, wanted.tier),
        notes: changed(current.notes.clone(), wanted.notes),
        add_emails: added(&current.emails, &wanted.emails),
        remove_emails: added(&wanted.emails, &current.emails),
        add_phones: wanted
            .phones
            .into_iter()
            .filter(|phone| !current.phones.iter().any(|held| held == phone.as_str()))
            .collect(),
        remove_phones: added(&written, &current.phones),
        add_tags: added(&current.tags, &wanted.tags),
        remove_tags: added(&wanted.tags, &current.tags),
        ..ContactPatch::default()
    }
}

pub async fn set_details(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<DetailsForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let current = state.store.contact(id).await?;
    let changed_meanwhile = || {
        let mut fields = Fields::default();
        fields.error(
            "details",
            format!(
                "{} was changed since this page was opened: here is how it is now; make your \
                 change again",
                current.name
            ),
        );
        FormEcho::new(fields, &[])
    };
    if form.version != Some(current.version) {
        return refused(&state, &user, id, changed_meanwhile()).await;
    }
    let mut fields = Fields::default();
    let wanted = form.parse(&mut fields);
    if fields.errors.is_empty() {
        let patch = ContactPatch {
            expected_version: form.version,
            ..changes(&current, wanted)
        };
        match apply(&state, &user, id, patch, form.back.as_deref()).await {
            Ok(response) => return Ok(response),
            Err(StoreError::VersionMismatch { .. }) => {
                return refused(&state, &user, id, changed_meanwhile()).await;
            }
            Err(err @ StoreError::DuplicateEmail { .. }) => {
                fields.error("details.emails", err.to_string());
            }
            Err(StoreError::Invalid(message)) => fields.error("details.name", message),
            Err(err) => return Err(err.into()),
        }
    }
    refused(&state, &user, id, form.echo(fields)).await
}

#[derive(Template)]
#[template(path = "new_contact.html")]
struct NewContactPage {
    chrome: Chrome,
    echo: FormEcho,
    tiers: &'static [Tier],
}

/// The new-contact page.
pub async fn new_contact_form(user: SignedIn) -> WebResult<Response> {
    new_contact_page(&user, FormEcho::default(), StatusCode::OK)
}

fn new_contact_page(user: &SignedIn, echo: FormEcho, status: StatusCode) -> WebResult<Response> {
    let form = NewContactPage {
        chrome: user.chrome("New contact"),
        echo,
        tiers: Tier::ALL,
    };
    page(&form, status)
}

/// Adds the contact, owned by the user, with the default cycle; then shows its page.
pub async fn add_contact(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<DetailsForm>,
) -> WebResult<Response> {
    let mut fields = Fields::default();
    let details = form.parse(&mut fields);
    if fields.errors.is_empty() {
        let new = NewContact {
            name: details.name,
            emails: details.emails,
            phones: details.phones,
            organization: details.organization,
            title: details.title,
            tags: details.tags,
            notes: details.notes,
            tier: details.tier,
            ..NewContact::default()
        };
        match state
            .store
            .add_contact(user.user(), new, user.moment.now, user.today())
            .await
        {
            Ok(id) => {
                return Ok(Redirect::to(&format!("/contacts/{id}?added={id}")).into_response());
            }
            Err(err @ StoreError::DuplicateEmail { .. }) => {
                fields.error("details.emails", err.to_string());
            }
            Err(err) => return Err(err.into()),
        }
    }
    new_contact_page(&user, form.echo(fields), StatusCode::UNPROCESSABLE_ENTITY)
}

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

/// Takes the contact off the agenda (`archive`) or puts it back (`unarchive`); its history
/// stays either way.
#[derive(Debug, Deserialize)]
pub struct ArchiveForm {
    action: String,
    back: Option<String>,
}

pub async fn archive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<ArchiveForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let (archived, done) = match form.action.as_str() {
        "archive" => (true, "archived"),
        "unarchive" => (false, "unarchived"),
        other => {
            let mut fields = Fields::default();
            fields.error(
                "archive",
                format!("expected archive or unarchive, got '{other}'"),
            );
            return refused(&state, &user, id, FormEcho::new(fields, &[])).await;
        }
    };
    state
        .store
        .set_archived(user.user(), id, archived, user.moment.now)
        .await?;
    Ok(after(form.back.as_deref(), done, id).into_response())
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

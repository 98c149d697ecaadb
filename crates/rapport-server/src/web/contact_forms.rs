//! The contact page's forms beside the touch log: its details (and the new-contact page,
//! which sends the same), custom fields, an introduction (who introduced this contact, or
//! whom they introduced), a lifecycle stage change with its reason, and a role started or
//! ended. Each goes through the same store call as the CLI and the API (`add_contact`,
//! `edit_contact`, `introduce`) and comes back to the page with what happened.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::model::{Contact, ContactId, UserId, non_blank};
use rapport_core::{EmailAddress, Role, Stage, Tier};
use rapport_store::{ContactPatch, NewContact, StoreError};
use serde::Deserialize;

use super::contact::{FormEcho, contact_id, refused};
use super::{Chrome, SignedIn, WebForm, WebResult, after, page};
use crate::AppState;
use crate::api::profile::{custom_fields, fields_from_lines};
use crate::api::{Fields, one_line_name};

/// How a details box is drawn, and so how its text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A one-line input.
    Line,
    /// A text area of one item per line.
    Lines,
    /// A text area of free text.
    Text,
    /// The tier's drop-down.
    Tier,
}

/// One box of the details form: its field name (`details.NAME` in a [`FormEcho`]), label,
/// hint and kind. The template draws the form from [`DETAIL_BOXES`], so the boxes the form
/// shows and the ones a post is read for are one list.
#[derive(Debug)]
pub struct DetailBox {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: BoxKind,
    /// Drawn across the form's width.
    pub wide: bool,
}

impl DetailBox {
    const fn new(name: &'static str, label: &'static str, kind: BoxKind) -> DetailBox {
        DetailBox {
            name,
            label,
            hint: "",
            kind,
            wide: !matches!(kind, BoxKind::Line | BoxKind::Tier),
        }
    }

    const fn hint(self, hint: &'static str) -> DetailBox {
        DetailBox { hint, ..self }
    }

    const fn wide(self) -> DetailBox {
        DetailBox { wide: true, ..self }
    }

    fn multi_line(&self) -> bool {
        matches!(self.kind, BoxKind::Lines | BoxKind::Text)
    }
}

/// The details form's boxes, in the form's order.
pub const DETAIL_BOXES: [DetailBox; 9] = [
    DetailBox::new("name", "Name", BoxKind::Line),
    DetailBox::new("title", "Job title", BoxKind::Line),
    DetailBox::new("organization", "Organization", BoxKind::Line)
        .hint("created if new")
        .wide(),
    DetailBox::new("emails", "Emails", BoxKind::Lines).hint("one per line"),
    DetailBox::new("phones", "Phones", BoxKind::Lines).hint("one per line, as you dial them"),
    DetailBox::new("tags", "Tags", BoxKind::Line)
        .hint("comma-separated")
        .wide(),
    DetailBox::new("notes", "Notes", BoxKind::Text),
    DetailBox::new("tier", "Tier", BoxKind::Tier),
    DetailBox::new("cycle", "Calling cycle", BoxKind::Line)
        .hint("30d, 6w, 3m…; blank for the default"),
];

/// The text of each details box for `contact`, in [`DETAIL_BOXES`]' order, as the form shows
/// it: emails and phones one per line, tags separated by commas.
pub fn details_text(contact: &Contact) -> [String; 9] {
    let organization = contact.organization.as_ref();
    [
        contact.name.clone(),
        contact.title.clone().unwrap_or_default(),
        organization.map(|o| o.name.clone()).unwrap_or_default(),
        contact
            .emails
            .iter()
            .map(EmailAddress::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        contact.phones.join("\n"),
        contact.tags.join(", "),
        contact.notes.clone().unwrap_or_default(),
        contact.tier.map(|t| t.to_string()).unwrap_or_default(),
        contact.cadence.map(|c| c.to_string()).unwrap_or_default(),
    ]
}

/// A box's text as compared: browsers send a text area's line breaks as CRLF, and drop the
/// line breaks from a one-line input's value (a title stored with one shows without it).
fn normalized(name: &str, text: &str) -> String {
    let multi_line = DETAIL_BOXES
        .iter()
        .any(|b| b.name == name && b.multi_line());
    let text = if multi_line {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.replace(['\r', '\n'], "")
    };
    text.trim().to_owned()
}

/// A contact's details as a form sends them. On the contact page each box comes with
/// `was_BOX`, its text when the page was made: only the boxes the user changed are applied,
/// so what the page did not show (a tag with a comma in it, a note's line breaks, an old
/// phone) and what others changed in the other boxes meanwhile stay as they are.
#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    back: Option<String>,
    #[serde(flatten)]
    boxes: HashMap<String, String>,
}

impl DetailsForm {
    fn text(&self, name: &str) -> String {
        normalized(name, self.boxes.get(name).map_or("", String::as_str))
    }

    /// What the box held when the page was made (the contact page only).
    fn was(&self, name: &str) -> Option<String> {
        let was = self.boxes.get(&format!("was_{name}"))?;
        Some(normalized(name, was))
    }

    /// Whether the page was made with each box's `was_` (the contact page since they exist).
    fn knows_what_was(&self) -> bool {
        DETAIL_BOXES.iter().all(|b| self.was(b.name).is_some())
    }

    /// Whether the user changed the box: always on the new-contact page; never for a box
    /// the form did not send.
    fn edited(&self, name: &str) -> bool {
        self.boxes.contains_key(name) && self.was(name).is_none_or(|was| was != self.text(name))
    }

    /// The form again with its errors: the boxes the user changed as typed, each with the
    /// text it is a change of (`rebased`: the text now, for a box someone else changed too,
    /// so that saving again replaces it), and the others as the contact has them now.
    fn echo(&self, fields: Fields, rebased: &[(&str, String)]) -> FormEcho {
        let edited: Vec<&str> = DETAIL_BOXES
            .iter()
            .map(|b| b.name)
            .filter(|name| self.edited(name))
            .collect();
        let sent: Vec<(String, String)> = edited
            .iter()
            .map(|name| (format!("details.{name}"), self.text(name)))
            .collect();
        let values: Vec<(&str, Option<&str>)> = sent
            .iter()
            .map(|(key, text)| (key.as_str(), Some(text.as_str())))
            .collect();
        let mut echo = FormEcho::new(fields, &values);
        for name in edited {
            let now = rebased.iter().find(|(box_name, _)| *box_name == name);
            if let Some(was) = now.map(|(_, now)| now.clone()).or_else(|| self.was(name)) {
                echo.hold(format!("details.{name}"), was);
            }
        }
        echo
    }
}

/// The lines of a box, each once.
fn lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// Each line parsed; one error beside the box for a bad line, whichever line it is.
fn parsed<T: std::str::FromStr>(fields: &mut Fields, name: &str, lines: &[&str]) -> Vec<T>
where
    T::Err: std::fmt::Display,
{
    let key = format!("details.{name}");
    lines
        .iter()
        .filter_map(|line| fields.parse(&key, Some(line)))
        .collect()
}

fn tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// A box that is blank for "none" (the tier, the contact's own cycle), else parsed.
fn chosen<T: std::str::FromStr>(fields: &mut Fields, name: &str, text: &str) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    match text {
        "" => None,
        text => fields.parse(&format!("details.{name}"), Some(text)),
    }
}

fn organization(fields: &mut Fields, text: String) -> Option<String> {
    non_blank(Some(text)).map(|name| one_line_name(fields, "details.organization", &name))
}

/// The values of `wanted` that `held` lacks.
fn missing<T: PartialEq + Clone>(held: &[T], wanted: &[T]) -> Vec<T> {
    wanted
        .iter()
        .filter(|v| !held.contains(v))
        .cloned()
        .collect()
}

/// The edit the form asks of `current`: for each box the user changed, the new value, or
/// what was added to the list and what is gone from it. A phone is compared as written (a
/// line the contact holds is kept unparsed), so a new spelling replaces the old one. A box
/// that someone else changed since the page was made is an error beside it: the user's text
/// is shown again, and saving it again replaces theirs.
fn changes(
    form: &DetailsForm,
    current: &Contact,
    fields: &mut Fields,
    rebased: &mut Vec<(&'static str, String)>,
) -> ContactPatch {
    let now = details_text(current);
    let mut patch = ContactPatch::default();
    for (name, now) in DETAIL_BOXES.iter().map(|b| b.name).zip(now) {
        if !form.edited(name) {
            continue;
        }
        if form
            .was(name)
            .is_some_and(|was| was != normalized(name, &now))
        {
            let shown = if now.is_empty() {
                "empty".to_owned()
            } else {
                format!("'{now}'")
            };
            fields.error(
                &format!("details.{name}"),
                format!("changed by someone else since this page was opened: it is now {shown}; save again to replace it with this"),
            );
            rebased.push((name, now));
            continue;
        }
        let text = form.text(name);
        match name {
            "name" => patch.name = Some(one_line_name(fields, "details.name", &text)),
            "title" => patch.title = Some(non_blank(Some(text))),
            "organization" => patch.organization = Some(organization(fields, text)),
            "tier" => patch.tier = Some(chosen(fields, "tier", &text)),
            "cycle" => patch.cadence = Some(chosen(fields, "cycle", &text)),
            "emails" => {
                let wanted: Vec<EmailAddress> = parsed(fields, name, &lines(&text));
                patch.add_emails = missing(&current.emails, &wanted);
                patch.remove_emails = missing(&wanted, &current.emails);
            }
            "phones" => {
                let wanted = lines(&text);
                let new: Vec<&str> = wanted
                    .iter()
                    .copied()
                    .filter(|line| !current.phones.iter().any(|held| held == line))
                    .collect();
                patch.add_phones = parsed(fields, name, &new);
                patch.remove_phones = current
                    .phones
                    .iter()
                    .filter(|held| !wanted.contains(&held.as_str()))
                    .cloned()
                    .collect();
            }
            "tags" => {
                let wanted = tags(&text);
                patch.add_tags = missing(&current.tags, &wanted);
                patch.remove_tags = missing(&wanted, &current.tags);
            }
            "notes" => patch.notes = Some(non_blank(Some(text))),
            // Every box of `DETAIL_BOXES` has its arm above; the web tests save each one.
            _ => {}
        }
    }
    patch
}

pub async fn set_details(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<DetailsForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    if !form.knows_what_was() {
        fields.error(
            "details",
            "this form is from an older page: it is shown again as the contact is now",
        );
        return refused(&state, &user, id, FormEcho::new(fields, &[])).await;
    }
    let current = state.store.contact(id).await?;
    let mut rebased = Vec::new();
    let patch = changes(&form, &current, &mut fields, &mut rebased);
    if fields.errors.is_empty() {
        // Another edit between the read above and this write is refused by the store.
        let patch = ContactPatch {
            expected_version: Some(current.version),
            ..patch
        };
        match apply(&state, &user, id, patch, form.back.as_deref()).await {
            Ok(response) => return Ok(response),
            Err(StoreError::VersionMismatch { .. }) => fields.error(
                "details",
                "changed by someone else while saving: save again",
            ),
            Err(err @ StoreError::DuplicateEmail { .. }) => {
                fields.error("details.emails", err.to_string());
            }
            Err(StoreError::Invalid(message)) => fields.error("details", message),
            Err(err) => return Err(err.into()),
        }
    }
    refused(&state, &user, id, form.echo(fields, &rebased)).await
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
    user.may_write()?;
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
    let new = NewContact {
        name: one_line_name(&mut fields, "details.name", &form.text("name")),
        title: non_blank(Some(form.text("title"))),
        organization: organization(&mut fields, form.text("organization")),
        tier: chosen(&mut fields, "tier", &form.text("tier")),
        cadence: chosen(&mut fields, "cycle", &form.text("cycle")),
        emails: parsed(&mut fields, "emails", &lines(&form.text("emails"))),
        phones: parsed(&mut fields, "phones", &lines(&form.text("phones"))),
        tags: tags(&form.text("tags")),
        notes: non_blank(Some(form.text("notes"))),
        ..NewContact::default()
    };
    if fields.errors.is_empty() {
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
            Err(StoreError::Invalid(message)) => fields.error("details", message),
            Err(err) => return Err(err.into()),
        }
    }
    new_contact_page(
        &user,
        form.echo(fields, &[]),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
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

/// An introduction: `other` (a name, email, phone or id) introduced this contact (`by`), or this
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
                "name the other contact (a name, email, phone or id)",
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

/// The hand-over form: the new owner's user id, and the owner the page showed.
#[derive(Debug, Deserialize)]
pub struct HandOverForm {
    owner: String,
    was_owner: String,
    back: Option<String>,
}

/// Hands the contact to another user (the owner or an admin may). Refused beside the form
/// when someone else handed it over since the page was made.
pub async fn hand_over(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<HandOverForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    let current = state.store.contact(id).await?;
    let owner = match form.owner.trim().parse::<i64>() {
        Err(_) => Err(format!("expected a user id, got '{}'", form.owner.trim())),
        Ok(_) if form.was_owner.trim() != current.owner.to_string() => Err(
            "handed over by someone else since this page was opened: it shows the owner now"
                .to_owned(),
        ),
        Ok(owner) if owner == current.owner.0 => {
            Err("already the owner: choose whom to hand the contact over to".to_owned())
        }
        Ok(owner) => Ok(owner),
    };
    match owner {
        Err(message) => fields.error("owner", message),
        Ok(owner) => {
            let patch = ContactPatch {
                owner: Some(UserId(owner)),
                expected_version: Some(current.version),
                ..ContactPatch::default()
            };
            match state
                .store
                .edit_contact(user.user(), id, patch, user.moment.now, user.today())
                .await
            {
                Ok(_) => return Ok(after(form.back.as_deref(), "handed", id).into_response()),
                Err(StoreError::VersionMismatch { .. }) => {
                    fields.error("owner", "changed by someone else while saving: try again");
                }
                Err(StoreError::UserNotFound(_)) => {
                    fields.error("owner", format!("there is no user #{owner}"));
                }
                Err(err @ (StoreError::ViewerOwner { .. } | StoreError::DisabledOwner { .. })) => {
                    fields.error("owner", err.to_string())
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    // The page again with the choice the user made.
    let echo = FormEcho::new(fields, &[("owner", Some(form.owner.trim()))]);
    refused(&state, &user, id, echo).await
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

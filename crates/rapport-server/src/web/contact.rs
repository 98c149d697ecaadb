//! `/contacts/{id}`: a contact's profile, cycle and where it comes from, hold, follow-ups,
//! the timeline of touches against the cycle, and the forms that change them. Also the quick
//! log (`/log`), which finds the contact by whatever the user typed.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use rapport_core::agenda::{self, AgendaFacts, days_phrase};
use rapport_core::model::{Contact, ContactId, FollowUpId, Hold, non_blank};
use rapport_core::punctuality;
use rapport_core::{Direction, TouchKind, when};
use rapport_store::{NewTouch, StoreError};
use serde::Deserialize;

use super::charts::Timeline;
use super::today::LastTouch;
use super::{
    Chrome, DoneQuery, SignedIn, WebError, WebForm, WebResult, after, local_path, long_date,
    notice, page, short_date,
};
use crate::AppState;
use crate::api::Fields;

/// What a form sent, and what was wrong with it, to show it again next to its fields.
#[derive(Debug, Default)]
pub struct FormEcho {
    errors: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
}

impl FormEcho {
    pub fn new(fields: Fields, values: &[(&str, Option<&str>)]) -> FormEcho {
        FormEcho {
            errors: fields
                .errors
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect(),
            values: values
                .iter()
                .filter_map(|(k, v)| v.map(|v| ((*k).to_owned(), v.to_owned())))
                .collect(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
}

#[derive(Debug)]
pub struct TouchRow {
    pub when: String,
    pub kind: &'static str,
    pub direction: &'static str,
    /// Logged private: its text shows to its author only (and is absent for anyone else).
    pub private: bool,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
}

#[derive(Debug)]
pub struct FollowUpRow {
    pub id: i64,
    pub due: String,
    pub text: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    chrome: Chrome,
    notice: Option<String>,
    contact: Contact,
    roles: String,
    past_roles: String,
    cadence: String,
    next_touch: String,
    why: String,
    hold: Option<String>,
    last: Option<LastTouch>,
    touches: Vec<TouchRow>,
    follow_ups: Vec<FollowUpRow>,
    timeline: Timeline,
    kinds: &'static [TouchKind],
    echo: FormEcho,
    back: String,
    hold_min: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<DoneQuery>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let notice = notice(&state, &done, user.today()).await?;
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

pub(super) fn contact_id(text: &str) -> WebResult<ContactId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(ContactId)
        .ok_or_else(|| WebError::NotFound(format!("no contact '{text}'")))
}

/// The contact page, with a form's errors when one needs fixing.
async fn render(
    state: &AppState,
    user: &SignedIn,
    id: ContactId,
    notice: Option<String>,
    echo: FormEcho,
    status: StatusCode,
) -> WebResult<Response> {
    let today = user.today();
    let contact = state.store.contact(id).await?;
    let touches = state.store.touches(user.user(), id, None, None).await?;
    let follow_ups = state.store.follow_ups(id, true).await?;
    let open = follow_ups.iter().find(|f| f.done_at.is_none());
    let why = agenda::explain(today, &AgendaFacts::of_contact(&contact, open));
    let oldest_first: Vec<_> = touches.iter().rev().map(|t| t.on).collect();
    let history = punctuality::history(contact.added_on, contact.effective_cadence, &oldest_first);
    let join = |roles: Vec<&str>| roles.join(", ");
    let page_data = ContactPage {
        chrome: user.chrome(&contact.name),
        notice,
        roles: join(contact.active_roles().iter().map(|r| r.as_str()).collect()),
        past_roles: join(
            contact
                .roles
                .iter()
                .filter(|r| r.until.is_some())
                .map(|r| r.role.as_str())
                .collect(),
        ),
        cadence: format!(
            "{} ({})",
            contact.effective_cadence.describe(),
            contact.cadence_source
        ),
        next_touch: format!(
            "{} ({})",
            long_date(contact.next_touch.on),
            days_phrase(today, contact.next_touch.on)
        ),
        why,
        hold: contact
            .hold
            .as_ref()
            .map(|h| format!("until {}: {}", long_date(h.until), h.reason)),
        last: touches.first().map(|t| LastTouch::of(t, today)),
        touches: touches
            .iter()
            .map(|t| TouchRow {
                when: format!("{} ({})", long_date(t.on), days_phrase(today, t.on)),
                kind: t.kind.as_str(),
                direction: t.direction.as_str(),
                private: t.private,
                summary: t.summary.clone(),
                needs: t.needs.clone(),
                next_approach: t.next_approach.clone(),
            })
            .collect(),
        follow_ups: follow_ups
            .iter()
            .map(|f| FollowUpRow {
                id: f.id.0,
                due: short_date(f.due_on),
                text: f.text.clone(),
                done: f.done_at.is_some(),
            })
            .collect(),
        timeline: Timeline::new(&history, contact.next_touch.on),
        kinds: TouchKind::ALL,
        echo,
        back: format!("/contacts/{id}"),
        hold_min: today.checked_add(1.day()).unwrap_or(today).to_string(),
        contact,
    };
    page(&page_data, status)
}

/// A touch as the forms send it. `back` is the page to return to.
#[derive(Debug, Deserialize)]
pub struct TouchForm {
    kind: String,
    direction: Option<String>,
    summary: Option<String>,
    needs: Option<String>,
    next_approach: Option<String>,
    /// A checkbox: present when ticked.
    private: Option<String>,
    back: Option<String>,
}

/// The touch a form describes, happening now; `None` with the errors in `fields`.
fn touch_of(fields: &mut Fields, user: &SignedIn, form: &TouchForm) -> Option<NewTouch> {
    let kind: Option<TouchKind> = fields.parse("touch.kind", Some(&form.kind));
    let direction: Option<Direction> = fields.parse(
        "touch.direction",
        form.direction.as_deref().filter(|d| !d.is_empty()),
    );
    let now = user.moment.now;
    Some(NewTouch {
        kind: kind?,
        direction: direction.unwrap_or(Direction::Outbound),
        at: now,
        on: when::today(now, &user.moment.tz),
        summary: non_blank(form.summary.clone()),
        needs: non_blank(form.needs.clone()),
        next_approach: non_blank(form.next_approach.clone()),
        private: form.private.is_some(),
    })
}

/// The contact page again, with a refused form's values and errors beside its fields (422).
async fn refused(
    state: &AppState,
    user: &SignedIn,
    id: ContactId,
    echo: FormEcho,
) -> WebResult<Response> {
    render(
        state,
        user,
        id,
        None,
        echo,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

fn touch_echo(fields: Fields, form: &TouchForm) -> FormEcho {
    FormEcho::new(
        fields,
        &[
            ("touch.kind", Some(&form.kind)),
            ("touch.summary", form.summary.as_deref()),
            ("touch.needs", form.needs.as_deref()),
            ("touch.next_approach", form.next_approach.as_deref()),
        ],
    )
}

pub async fn log_touch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<TouchForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    match touch_of(&mut fields, &user, &form) {
        Some(touch) if fields.errors.is_empty() => {
            state
                .store
                .log_touch(user.user(), id, touch, user.moment.now)
                .await?;
            Ok(after(form.back.as_deref(), "logged", id).into_response())
        }
        _ => {
            let echo = touch_echo(fields, &form);
            refused(&state, &user, id, echo).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct HoldForm {
    until: String,
    reason: String,
    back: Option<String>,
}

pub async fn hold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<HoldForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let today = user.today();
    let mut fields = Fields::default();
    let until = fields
        .date("hold.until", &form.until, today)
        .and_then(|day| fields.check("hold.until", Hold::check_until(day, today)));
    let reason = fields.check("hold.reason", Hold::check_reason(&form.reason));
    if let (Some(until), Some(reason), true) = (until, reason, fields.errors.is_empty()) {
        state
            .store
            .hold(user.user(), id, &Hold { until, reason }, user.moment.now)
            .await?;
        return Ok(after(form.back.as_deref(), "held", id).into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("hold.until", Some(&form.until)),
            ("hold.reason", Some(&form.reason)),
        ],
    );
    refused(&state, &user, id, echo).await
}

#[derive(Debug, Deserialize)]
pub struct BackForm {
    back: Option<String>,
}

pub async fn unhold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<BackForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    state.store.unhold(user.user(), id, user.moment.now).await?;
    Ok(after(form.back.as_deref(), "unheld", id).into_response())
}

#[derive(Debug, Deserialize)]
pub struct FollowUpForm {
    due: String,
    text: String,
    back: Option<String>,
}

pub async fn add_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<FollowUpForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let mut fields = Fields::default();
    let due = fields.date("follow_up.due", &form.due, user.today());
    let text = form.text.trim();
    if text.is_empty() {
        fields.error("follow_up.text", "say what to do");
    }
    if let (Some(due), true) = (due, fields.errors.is_empty()) {
        state
            .store
            .add_follow_up(user.user(), id, due, text, user.moment.now)
            .await?;
        return Ok(after(form.back.as_deref(), "followed", id).into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("follow_up.due", Some(&form.due)),
            ("follow_up.text", Some(&form.text)),
        ],
    );
    refused(&state, &user, id, echo).await
}

pub async fn complete_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<BackForm>,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .map(FollowUpId)
        .map_err(|_| WebError::NotFound(format!("no follow-up '{id}'")))?;
    let (done, _) = state
        .store
        .complete_follow_up(user.user(), id, user.moment.now)
        .await?;
    Ok(after(form.back.as_deref(), "completed", done.contact).into_response())
}

#[derive(Template)]
#[template(path = "log.html")]
struct QuickLogPage {
    chrome: Chrome,
    kinds: &'static [TouchKind],
    echo: FormEcho,
    back: String,
}

#[derive(Debug, Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

/// The quick log as a page: where the shortcut leads without JavaScript.
pub async fn quick_log_form(user: SignedIn, Query(query): Query<BackQuery>) -> WebResult<Response> {
    page(
        &QuickLogPage {
            chrome: user.chrome("Log a touch"),
            kinds: TouchKind::ALL,
            echo: FormEcho::default(),
            back: local_path(query.back.as_deref()).to_owned(),
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct QuickLogForm {
    contact: String,
    #[serde(flatten)]
    touch: TouchForm,
}

/// Logs a touch with the contact the user named: `#42` (what the suggestions fill in, with
/// the name after it), an email, or a name or a unique part of one.
pub async fn quick_log(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<QuickLogForm>,
) -> WebResult<Response> {
    let mut fields = Fields::default();
    let typed = form.contact.trim();
    let reference = match typed.split_whitespace().next() {
        Some(first) if first.starts_with('#') => first,
        _ => typed,
    };
    let contact = if reference.is_empty() {
        fields.error(
            "contact",
            "name the contact: a name, part of one, or an email",
        );
        None
    } else {
        match state.store.resolve_contact(reference).await {
            Ok(id) => Some(id),
            Err(err @ (StoreError::ContactNotFound(_) | StoreError::AmbiguousContact { .. })) => {
                fields.error("contact", err.to_string());
                None
            }
            Err(err) => return Err(err.into()),
        }
    };
    let touch = touch_of(&mut fields, &user, &form.touch);
    if let (Some(contact), Some(touch), true) = (contact, touch, fields.errors.is_empty()) {
        state
            .store
            .log_touch(user.user(), contact, touch, user.moment.now)
            .await?;
        return Ok(after(form.touch.back.as_deref(), "logged", contact).into_response());
    }
    let mut echo = touch_echo(fields, &form.touch);
    echo.values.insert("contact".into(), form.contact.clone());
    page(
        &QuickLogPage {
            chrome: user.chrome("Log a touch"),
            kinds: TouchKind::ALL,
            echo,
            back: local_path(form.touch.back.as_deref()).to_owned(),
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

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
use rapport_core::model::OpportunityId;
use rapport_core::model::{Contact, ContactId, FollowUpId, Hold, non_blank};
use rapport_core::punctuality;
use rapport_core::{BuyingTimeline, Outcome, Role, Stage, Tier};
use rapport_core::{Direction, TouchKind, when};
use rapport_store::{NewTouch, OpportunityFilter, StoreError};
use serde::Deserialize;

use super::charts::Timeline;
use super::contact_forms::{DETAIL_BOXES, details_text};
use super::contacts::Choice;
use super::today::LastTouch;
use super::{
    Chrome, DoneQuery, SignedIn, WebError, WebForm, WebResult, after, local_path, long_date,
    notice, page, path_id, short_date,
};
use crate::AppState;
use crate::api::Fields;
use crate::api::relationships::{closing_outcome, opportunity_of};
use crate::views::{
    ChecklistView, FitView, HealthView, NetworkView, OpportunityView, RelationshipRulesView,
    SuggestionsView,
};

/// What a form sent, and what was wrong with it, to show it again next to its fields.
#[derive(Debug, Default)]
pub struct FormEcho {
    errors: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    held: BTreeMap<String, String>,
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
            held: BTreeMap::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// What the form sent for `field`, when it sent it (a blank counts).
    pub fn sent(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }

    /// Whether the details form was refused: then it shows open.
    pub fn has_details_errors(&self) -> bool {
        self.errors.keys().any(|field| field.starts_with("details"))
    }

    /// The details form's boxes as the contact has them where a refused form did not send
    /// them, and each box's `was` (what its text is a change of: see
    /// [`super::contact_forms::DetailsForm`]) where the refusal did not set one.
    fn or_details_of(mut self, contact: &Contact) -> FormEcho {
        for (name, text) in DETAIL_BOXES
            .iter()
            .map(|b| b.name)
            .zip(details_text(contact))
        {
            let key = format!("details.{name}");
            self.values
                .entry(key.clone())
                .or_insert_with(|| text.clone());
            self.held.entry(key).or_insert(text);
        }
        self
    }

    /// Notes the text a refused details box is a change of (see [`Self::or_details_of`]).
    pub(super) fn hold(&mut self, field: String, was: String) {
        self.held.insert(field, was);
    }

    /// What the contact's details box held when the page was made (none on the new-contact
    /// page).
    pub fn held(&self, field: &str) -> Option<&str> {
        self.held.get(field).map(String::as_str)
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

/// A role the contact holds or held, with its span.
#[derive(Debug)]
pub struct RoleRow {
    pub role: &'static str,
    pub since: String,
    /// `None` while it is held.
    pub until: Option<String>,
}

/// One step of the stage history.
#[derive(Debug)]
pub struct StageRow {
    pub stage: &'static str,
    pub on: String,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    chrome: Chrome,
    notice: Option<String>,
    contact: Contact,
    roles: Vec<RoleRow>,
    stages: Vec<StageRow>,
    opportunities: Vec<OpportunityView>,
    network: NetworkView,
    health: HealthView,
    rules: RelationshipRulesView,
    suggestions: SuggestionsView,
    checklist: Option<ChecklistView>,
    timelines: &'static [BuyingTimeline],
    cadence: String,
    next_touch: String,
    why: String,
    hold: Option<String>,
    last: Option<LastTouch>,
    touches: Vec<TouchRow>,
    follow_ups: Vec<FollowUpRow>,
    timeline: Timeline,
    kinds: &'static [TouchKind],
    /// A refused form's values and errors; the details form's fields as the contact has them.
    echo: FormEcho,
    tiers: &'static [Tier],
    back: String,
    hold_min: String,
    nurture: super::nurture::NurtureCard,
    fit: FitView,
    /// Custom fields as the form shows them: one `key: value` per line.
    fields_text: String,
    all_stages: &'static [Stage],
    all_roles: &'static [Role],
    active_roles: Vec<&'static str>,
    /// More than one user: the contact's owner is worth showing.
    team: bool,
    /// Whom the contact can be handed over to: the users who may write.
    owners: Vec<Choice>,
    owner_name: String,
    /// The signed-in user is the owner or an admin, and may write.
    may_hand_over: bool,
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
    path_id(text, "contact", ContactId)
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
    let opportunities = state
        .store
        .opportunities(OpportunityFilter {
            contact: Some(id),
            open_only: false,
        })
        .await?;
    let network = state.store.network(id).await?;
    let health = state.store.contact_health(id, today).await?;
    let rules = state.store.relationship_rules().await?;
    let suggestions = state.store.contact_suggestions(id).await?;
    let checklist = state.store.checklist(id).await?;
    let users = state.store.users().await?;
    let owner_name = users
        .iter()
        .find(|account| account.user.id == contact.owner)
        .map(|account| account.user.name.clone())
        .unwrap_or_default();
    // Those the store would hand it to: neither viewers nor disabled users own contacts.
    let eligible: Vec<_> = users
        .iter()
        .filter(|account| account.role.can_write() && account.disabled_at.is_none())
        .collect();
    let owners: Vec<Choice> = eligible
        .iter()
        .map(|account| Choice {
            value: account.user.id.to_string(),
            label: account.user.name.clone(),
        })
        .collect();
    // The hand-over shows when the user may hand the contact over and there is someone
    // eligible to hand it to besides its owner (a team of one, or whose others are viewers
    // or disabled, has nobody).
    let may_hand_over = user
        .session
        .account
        .acting()
        .may_change_contact(contact.owner)
        .is_ok()
        && eligible
            .iter()
            .any(|account| account.user.id != contact.owner);
    let page_data = ContactPage {
        chrome: user.chrome(&contact.name),
        notice,
        roles: contact
            .roles
            .iter()
            .map(|r| RoleRow {
                role: r.role.as_str(),
                since: r.since.to_string(),
                until: r.until.map(|d| d.to_string()),
            })
            .collect(),
        stages: contact
            .stage_history
            .iter()
            .rev()
            .map(|c| StageRow {
                stage: c.stage.map_or("(none)", |s| s.as_str()),
                on: c.on.to_string(),
                reason: c.reason.clone(),
            })
            .collect(),
        opportunities: opportunities.iter().map(OpportunityView::from).collect(),
        network: NetworkView::from(&network),
        health: HealthView::from(&health.health),
        rules: RelationshipRulesView::from(&rules),
        suggestions: SuggestionsView::of_contact(&suggestions),
        checklist: checklist.as_ref().map(ChecklistView::from),
        timelines: BuyingTimeline::ALL,
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
        echo: echo.or_details_of(&contact),
        tiers: Tier::ALL,
        back: format!("/contacts/{id}"),
        hold_min: today.checked_add(1.day()).unwrap_or(today).to_string(),
        nurture: super::nurture::card(state, user, id).await?,
        fit: FitView::new(state.store.contact_fit(id).await?.as_ref()),
        fields_text: super::organization::field_lines(&contact.fields),
        all_stages: Stage::ALL,
        all_roles: Role::ALL,
        active_roles: contact.active_roles().iter().map(|r| r.as_str()).collect(),
        team: users.len() > 1,
        owners,
        owner_name,
        may_hand_over,
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
pub(super) async fn refused(
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
    user.may_write()?;
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

/// A new opportunity as the contact page's form sends it: a window, or a date that wins
/// over it.
#[derive(Debug, Deserialize)]
pub struct OpportunityForm {
    title: String,
    value: String,
    timeline: Option<String>,
    close_by: Option<String>,
    back: Option<String>,
}

pub async fn open_opportunity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<OpportunityForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    let today = user.today();
    let mut fields = Fields::default();
    let value = fields
        .parse::<i64>("value", Some(form.value.trim()))
        .or_else(|| {
            // `parse` recorded the error; say what a value looks like instead.
            fields.errors.pop();
            fields.error("value", "a value is a whole number, such as 12000");
            None
        });
    let close_by = form
        .close_by
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let timeline = form.timeline.as_deref().filter(|_| close_by.is_none());
    let new = opportunity_of(&mut fields, &form.title, value, timeline, close_by, today);
    if let Some(new) = new {
        state
            .store
            .add_opportunity(user.user(), id, new, user.moment.now, today)
            .await?;
        return Ok(after(form.back.as_deref(), "opened", id).into_response());
    }
    let echo = FormEcho::new(
        fields,
        &[
            ("title", Some(&form.title)),
            ("value", Some(&form.value)),
            ("timeline", form.timeline.as_deref()),
            ("close_by", form.close_by.as_deref()),
        ],
    );
    refused(&state, &user, id, echo).await
}

/// Closing a deal: which way (the button pressed) and why.
#[derive(Debug, Deserialize)]
pub struct CloseForm {
    outcome: String,
    reason: Option<String>,
    back: Option<String>,
}

/// Closes an opportunity as won or lost; the contact moves by the team's close rule and the
/// next page says when they are due next.
pub async fn close_opportunity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<CloseForm>,
) -> WebResult<Response> {
    let id = path_id(&id, "opportunity", OpportunityId)?;
    let mut fields = Fields::default();
    let outcome: Option<Outcome> = closing_outcome(&mut fields, &form.outcome);
    let Some(outcome) = outcome else {
        let contact = state.store.opportunity(id).await?.contact;
        let echo = FormEcho::new(fields, &[]);
        return refused(&state, &user, contact, echo).await;
    };
    let reason = non_blank(form.reason.clone());
    let (closed, _) = state
        .store
        .close_opportunity(
            user.user(),
            id,
            outcome,
            reason.as_deref(),
            user.moment.now,
            user.today(),
        )
        .await?;
    Ok(after(form.back.as_deref(), "closed", closed.contact).into_response())
}

/// A checklist step ticked or unticked from the contact page.
#[derive(Debug, Deserialize)]
pub struct TickForm {
    step: usize,
    /// `1` ticks, `0` unticks.
    done: u8,
    back: Option<String>,
}

pub async fn tick_step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<TickForm>,
) -> WebResult<Response> {
    let id = contact_id(&id)?;
    state
        .store
        .tick_step(user.user(), id, form.step, form.done != 0, user.moment.now)
        .await?;
    Ok(after(form.back.as_deref(), "ticked", id).into_response())
}

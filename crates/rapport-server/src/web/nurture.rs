//! Lead nurturing on the web: `/content` (the library: list, add, edit, retire), the nurture
//! card on a contact's page (interests and needs, what to send with a Send button, the
//! sales-ready signal), what to send on the Today rows, `/handoffs` and `/reports/nurture`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::model::{ContactId, non_blank};
use rapport_core::nurture::{ContentId, ContentItem, Interest, Origin, Term};
use rapport_core::{Direction, InterestKind, TouchKind};
use rapport_store::{ContentFields, Handoff, NewTouch, Recommendations};
use serde::Deserialize;

use super::contact::FormEcho;
use super::{Chrome, SignedIn, WebError, WebForm, WebResult, after, page, short_date};
use crate::AppState;
use crate::api::Fields;
use crate::api::nurture::ContentBody;

/// How many items a contact's page and an agenda row suggest.
pub const SUGGESTIONS: usize = 3;

/// One item to send, with the reason, as a row or a card shows it.
#[derive(Debug)]
pub struct Suggestion {
    pub item: i64,
    pub title: String,
    pub format: String,
    pub link: String,
    pub reason: String,
}

/// What to send a contact: the best few items, or the cap that holds sending back.
#[derive(Debug, Default)]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
    pub held_back: Option<String>,
}

impl Suggestions {
    pub fn of(found: Option<&Recommendations>) -> Suggestions {
        let Some(found) = found else {
            return Suggestions::default();
        };
        Suggestions {
            items: found
                .ranked
                .iter()
                .take(SUGGESTIONS)
                .map(|(item, r)| Suggestion {
                    item: item.id.0,
                    title: item.title.clone(),
                    format: item.format.clone(),
                    link: item.link.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
            held_back: found.held_back.map(|cap| cap.to_string()),
        }
    }
}

/// The nurture card on a contact's page.
#[derive(Debug, Default)]
pub struct NurtureCard {
    /// "need 'data migration' — discussed 12 Mar".
    pub interests: Vec<String>,
    pub stated_interests: String,
    pub stated_needs: String,
    pub suggestions: Suggestions,
    pub ready: Option<String>,
}

fn interest_line(i: &Interest) -> String {
    match i.origin {
        Origin::Stated => format!("{} '{}' — stated", i.kind, i.term),
        Origin::Discussed { on, .. } => {
            format!("{} '{}' — discussed {}", i.kind, i.term, short_date(on))
        }
    }
}

fn stated(interests: &[Interest], kind: InterestKind) -> String {
    interests
        .iter()
        .filter(|i| i.kind == kind && i.origin == Origin::Stated)
        .map(|i| i.term.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The card for one contact, as `user` sees it.
pub async fn card(state: &AppState, user: &SignedIn, contact: ContactId) -> WebResult<NurtureCard> {
    let found = state
        .store
        .recommend(user.user(), contact, user.today())
        .await?;
    let owners = state.store.nurture_owners(contact).await?;
    Ok(NurtureCard {
        interests: found.interests.iter().map(interest_line).collect(),
        stated_interests: stated(&found.interests, InterestKind::Interest),
        stated_needs: stated(&found.interests, InterestKind::Need),
        suggestions: Suggestions::of(Some(&found)),
        ready: owners.ready.map(|(on, note)| match note {
            Some(note) => format!("since {}: {note}", short_date(on)),
            None => format!("since {}", short_date(on)),
        }),
    })
}

/// What to send each of the agenda's shown rows.
pub async fn for_rows(
    state: &AppState,
    user: &SignedIn,
    contacts: &[ContactId],
) -> WebResult<HashMap<ContactId, Recommendations>> {
    Ok(state
        .store
        .recommendations(user.user(), contacts, user.today())
        .await?)
}

/// A handoff as Today and `/handoffs` show it.
#[derive(Debug)]
pub struct HandoffRow {
    pub id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub reason: String,
    pub nurture_owner: String,
    pub sales_owner: String,
    /// "12 Mar content-shared: Sent 'Migration playbook'", newest first.
    pub history: Vec<String>,
}

impl HandoffRow {
    pub fn of(h: &Handoff) -> HandoffRow {
        HandoffRow {
            id: h.contact.0,
            name: h.name.clone(),
            organization: h.organization.clone(),
            reason: h.ready.reason(),
            nurture_owner: h.nurture_owner.name.clone(),
            sales_owner: h.sales_owner.name.clone(),
            history: h
                .history
                .iter()
                .map(|line| {
                    let t = &line.touch;
                    let what = match (&line.content, &t.summary) {
                        (Some((_, title)), _) => format!(": sent '{title}'"),
                        (None, Some(summary)) => format!(": {summary}"),
                        (None, None) => String::new(),
                    };
                    let needs = t
                        .needs
                        .as_deref()
                        .map(|n| format!(" · needs: {n}"))
                        .unwrap_or_default();
                    format!(
                        "{} {} ({}){what}{needs}",
                        short_date(t.on),
                        t.kind,
                        t.direction
                    )
                })
                .collect(),
        }
    }
}

/// The sales-ready contacts coming to `user`.
pub async fn incoming(state: &AppState, user: &SignedIn) -> WebResult<Vec<HandoffRow>> {
    let found = state.store.handoffs(user.user(), user.today()).await?;
    Ok(found.incoming.iter().map(HandoffRow::of).collect())
}

#[derive(Debug)]
pub struct ItemRow {
    pub id: i64,
    pub title: String,
    pub format: String,
    pub link: String,
    pub summary: Option<String>,
    pub topics: String,
    pub needs: String,
    pub suits: String,
    pub status: Option<String>,
}

fn list<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl ItemRow {
    fn of(item: &ContentItem) -> ItemRow {
        let any = |words: String| {
            if words.is_empty() {
                "any".to_owned()
            } else {
                words
            }
        };
        ItemRow {
            id: item.id.0,
            title: item.title.clone(),
            format: item.format.clone(),
            link: item.link.clone(),
            summary: item.summary.clone(),
            topics: list(&item.topics),
            needs: list(&item.needs),
            suits: format!(
                "stages: {}; prospects: {}",
                any(list(&item.stages)),
                any(list(&item.kinds))
            ),
            status: match (item.retired_on, item.expires_on) {
                (Some(day), _) => Some(format!("retired {}", short_date(day))),
                (None, Some(day)) => Some(format!("until {}", short_date(day))),
                (None, None) => None,
            },
        }
    }
}

/// The library page: the items, and the add form (or an item's edit form).
#[derive(Template)]
#[template(path = "content.html")]
struct LibraryPage {
    chrome: Chrome,
    notice: Option<String>,
    items: Vec<ItemRow>,
    /// The item being edited, if any (the form then changes it).
    editing: Option<ItemRow>,
    echo: FormEcho,
}

#[derive(Debug, Default, Deserialize)]
pub struct LibraryQuery {
    saved: Option<i64>,
    retired: Option<i64>,
}

async fn library(
    state: &AppState,
    user: &SignedIn,
    notice: Option<String>,
    editing: Option<ContentItem>,
    echo: Option<FormEcho>,
    status: StatusCode,
) -> WebResult<Response> {
    let items = state.store.content_library(true).await?;
    let title = if editing.is_some() {
        "Edit content"
    } else {
        "Content library"
    };
    // An edit form opens with the item's values, unless it comes back with errors.
    let echo = match (&editing, echo) {
        (_, Some(echo)) => echo,
        (None, None) => FormEcho::default(),
        (Some(item), None) => FormEcho::new(
            Fields::default(),
            &[
                ("title", Some(&item.title)),
                ("link", Some(&item.link)),
                ("summary", item.summary.as_deref()),
                ("format", Some(&item.format)),
                ("topics", Some(&list(&item.topics))),
                ("needs", Some(&list(&item.needs))),
                ("stages", Some(&list(&item.stages))),
                ("kinds", Some(&list(&item.kinds))),
                (
                    "expires_on",
                    item.expires_on.map(|d| d.to_string()).as_deref(),
                ),
            ],
        ),
    };
    page(
        &LibraryPage {
            chrome: user.chrome(title),
            notice,
            items: items.iter().map(ItemRow::of).collect(),
            editing: editing.as_ref().map(ItemRow::of),
            echo,
        },
        status,
    )
}

pub async fn show_library(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<LibraryQuery>,
) -> WebResult<Response> {
    let notice = match (query.saved, query.retired) {
        (Some(id), _) => Some(format!("Saved content #{id}.")),
        (None, Some(id)) => Some(format!(
            "Retired content #{id}: it is no longer recommended."
        )),
        (None, None) => None,
    };
    library(&state, &user, notice, None, None, StatusCode::OK).await
}

fn content_id(text: &str) -> WebResult<ContentId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(ContentId)
        .ok_or_else(|| WebError::NotFound(format!("no content item '{text}'")))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let item = state.store.content(content_id(&id)?).await?;
    library(&state, &user, None, Some(item), None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct ContentForm {
    title: String,
    link: String,
    summary: Option<String>,
    format: String,
    topics: Option<String>,
    needs: Option<String>,
    stages: Option<String>,
    kinds: Option<String>,
    expires_on: Option<String>,
}

impl ContentForm {
    /// The form as the API's body (lists split at commas), so both parse alike; every field
    /// is given, since the form shows them all.
    fn body(&self) -> ContentBody {
        let split = |text: &Option<String>| {
            Some(
                text.as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        };
        ContentBody {
            title: Some(self.title.clone()),
            link: Some(self.link.clone()),
            summary: Some(non_blank(self.summary.clone())),
            format: Some(self.format.clone()),
            topics: split(&self.topics),
            needs: split(&self.needs),
            stages: split(&self.stages),
            kinds: split(&self.kinds),
            expires_on: Some(non_blank(self.expires_on.clone())),
        }
    }

    fn echo(&self, fields: Fields) -> FormEcho {
        // A list's errors are filed under the list ("topics[1]" → "topics"), beside its field.
        let mut fields = fields;
        for error in &mut fields.errors {
            if let Some((list, _)) = error.field.split_once('[') {
                error.field = list.to_owned();
            }
        }
        FormEcho::new(
            fields,
            &[
                ("title", Some(&self.title)),
                ("link", Some(&self.link)),
                ("summary", self.summary.as_deref()),
                ("format", Some(&self.format)),
                ("topics", self.topics.as_deref()),
                ("needs", self.needs.as_deref()),
                ("stages", self.stages.as_deref()),
                ("kinds", self.kinds.as_deref()),
                ("expires_on", self.expires_on.as_deref()),
            ],
        )
    }
}

/// Saves the form as a new item (`id: None`) or over an item; errors come back beside their
/// fields, with what was typed.
async fn save(
    state: &AppState,
    user: &SignedIn,
    id: Option<ContentId>,
    form: &ContentForm,
) -> WebResult<Response> {
    let mut fields = Fields::default();
    for (value, field) in [
        (&form.title, "title"),
        (&form.link, "link"),
        (&form.format, "format"),
    ] {
        if value.trim().is_empty() {
            fields.error(field, format!("an item needs a {field}"));
        }
    }
    let patch = fields.content_patch(form.body(), user.today());
    if patch.topics.as_ref().is_some_and(Vec::is_empty)
        && patch.needs.as_ref().is_some_and(Vec::is_empty)
    {
        fields.error(
            "topics",
            "give topics or needs, so the item can be matched to people",
        );
    }
    let editing = match id {
        Some(id) => Some(state.store.content(id).await?),
        None => None,
    };
    if !fields.errors.is_empty() {
        let echo = form.echo(fields);
        return library(
            state,
            user,
            None,
            editing,
            Some(echo),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let saved = match id {
        Some(id) => {
            state
                .store
                .edit_content(user.user(), id, patch, user.moment.now)
                .await?
        }
        None => {
            state
                .store
                .add_content(
                    user.user(),
                    patch.apply(ContentFields::default()),
                    user.moment.now,
                )
                .await?
        }
    };
    Ok(Redirect::to(&format!("/content?saved={}", saved.id)).into_response())
}

pub async fn add(
    State(state): State<AppState>,
    WebForm { user, form }: WebForm<ContentForm>,
) -> WebResult<Response> {
    save(&state, &user, None, &form).await
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<ContentForm>,
) -> WebResult<Response> {
    let id = content_id(&id)?;
    save(&state, &user, Some(id), &form).await
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn retire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, .. }: WebForm<EmptyForm>,
) -> WebResult<Response> {
    let id = content_id(&id)?;
    state
        .store
        .retire_content(user.user(), id, user.today(), user.moment.now)
        .await?;
    Ok(Redirect::to(&format!("/content?retired={id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    item: i64,
    back: Option<String>,
}

/// The Send button: a content touch, within the caps (a refusal is a page naming the cap and
/// when it lifts).
pub async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<SendForm>,
) -> WebResult<Response> {
    let contact = super::contact::contact_id(&id)?;
    let touch = NewTouch {
        kind: TouchKind::ContentShared,
        direction: Direction::Outbound,
        at: user.moment.now,
        on: user.today(),
        summary: None,
        needs: None,
        next_approach: None,
        private: false,
    };
    state
        .store
        .send_content(
            user.user(),
            contact,
            ContentId(form.item),
            touch,
            user.moment.now,
        )
        .await?;
    Ok(after(form.back.as_deref(), "logged", contact).into_response())
}

#[derive(Debug, Deserialize)]
pub struct InterestsForm {
    interests: Option<String>,
    needs: Option<String>,
}

pub async fn set_interests(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<InterestsForm>,
) -> WebResult<Response> {
    let contact = super::contact::contact_id(&id)?;
    let mut fields = Fields::default();
    let interests = fields.check(
        "interests",
        Term::list(form.interests.as_deref().unwrap_or_default()),
    );
    let needs = fields.check(
        "needs",
        Term::list(form.needs.as_deref().unwrap_or_default()),
    );
    let (Some(interests), Some(needs)) = (interests, needs) else {
        let message = fields
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(WebError::BadForm(message));
    };
    for (kind, terms) in [
        (InterestKind::Interest, interests),
        (InterestKind::Need, needs),
    ] {
        state
            .store
            .set_interests(user.user(), contact, kind, &terms, user.moment.now)
            .await?;
    }
    Ok(Redirect::to(&format!("/contacts/{contact}#nurture")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReadyForm {
    note: Option<String>,
    /// Present: withdraw the signal.
    clear: Option<String>,
}

pub async fn ready(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user, form }: WebForm<ReadyForm>,
) -> WebResult<Response> {
    let contact = super::contact::contact_id(&id)?;
    let signal = form
        .clear
        .is_none()
        .then(|| (user.today(), non_blank(form.note)));
    state
        .store
        .signal_ready(user.user(), contact, signal, user.moment.now)
        .await?;
    Ok(Redirect::to(&format!("/contacts/{contact}#nurture")).into_response())
}

#[derive(Template)]
#[template(path = "handoffs.html")]
struct HandoffsPage {
    chrome: Chrome,
    incoming: Vec<HandoffRow>,
    outgoing: Vec<HandoffRow>,
}

pub async fn handoffs(State(state): State<AppState>, user: SignedIn) -> WebResult<Response> {
    let found = state.store.handoffs(user.user(), user.today()).await?;
    let me = user.user();
    page(
        &HandoffsPage {
            chrome: user.chrome("Handoffs"),
            incoming: found.incoming.iter().map(HandoffRow::of).collect(),
            outgoing: found
                .outgoing
                .iter()
                .filter(|h| h.sales_owner.id != me)
                .map(HandoffRow::of)
                .collect(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "nurture_report.html")]
struct ReportPage {
    chrome: Chrome,
    today: String,
    prospects: usize,
    covered: usize,
    percent: u32,
    /// (title, sends, replies), most replies first.
    replies: Vec<(String, usize, usize)>,
}

pub async fn report(State(state): State<AppState>, user: SignedIn) -> WebResult<Response> {
    let today = user.today();
    let report = state.store.nurture_report(today).await?;
    page(
        &ReportPage {
            chrome: user.chrome("Nurture report"),
            today: super::long_date(today),
            prospects: report.coverage.prospects,
            covered: report.coverage.covered,
            percent: report.coverage.percent(),
            replies: report
                .replies
                .iter()
                .map(|r| (r.title.clone(), r.sends, r.replies))
                .collect(),
        },
        StatusCode::OK,
    )
}

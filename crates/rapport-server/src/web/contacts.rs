//! `/contacts`: everyone in the book, a page at a time in name order, narrowed by owner, stage,
//! tier, role, tag and whether archived contacts count — the list a seller scans, where
//! `/search` finds someone by what they remember. Admins get the book's exports from here.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_core::agenda::days_phrase;
use rapport_core::model::{ContactId, UserId};
use rapport_core::{Role, Stage, Tier, UserRole};
use rapport_store::ContactFilter;
use serde::{Deserialize, Serialize};

use super::{Chrome, SignedIn, WebError, WebResult, page, short_date};
use crate::AppState;

/// Contacts on one page.
const PAGE_SIZE: usize = 50;

/// The filters as the form sends them, and as the next page's link carries them on.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ListQuery {
    /// `me`, a user id, or empty for anyone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    owner: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    stage: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    tier: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    tag: String,
    /// `1` (what the checkbox sends) includes archived contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archived: Option<String>,
    /// Only contacts listed after this one: the previous page's last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
}

/// A vocabulary word from the form: blank is "any", anything else must be a word of it.
fn word<T>(field: &str, text: &str) -> WebResult<Option<T>>
where
    T: std::str::FromStr<Err = rapport_core::vocab::UnknownWord>,
{
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e| WebError::BadForm(format!("{field}: {e}")))
}

impl ListQuery {
    fn filter(&self, me: UserId) -> WebResult<ContactFilter> {
        let owner = match self.owner.trim() {
            "" => None,
            "me" => Some(me),
            text => Some(text.parse().map(UserId).map_err(|_| {
                WebError::BadForm(format!("owner: expected 'me' or a user id, got '{text}'"))
            })?),
        };
        let after = match self.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse().map(ContactId).map_err(|_| {
                WebError::BadForm(format!("after: expected a contact id, got '{text}'"))
            })?),
        };
        let tag = self.tag.trim();
        Ok(ContactFilter {
            tag: (!tag.is_empty()).then(|| tag.to_owned()),
            tier: word("tier", &self.tier)?,
            stage: word("stage", &self.stage)?,
            role: word("role", &self.role)?,
            organization: None,
            owner,
            include_archived: self.includes_archived(),
            after,
            // One more than a page, to know whether there is a next one.
            limit: Some(PAGE_SIZE as i64 + 1),
        })
    }

    /// The link to the page after `last`, with the same filters.
    fn next_page(&self, last: ContactId) -> String {
        let next = ListQuery {
            after: Some(last.to_string()),
            ..self.clone()
        };
        format!(
            "/contacts?{}",
            serde_urlencoded::to_string(&next).unwrap_or_default()
        )
    }

    /// The link to the first page with the same filters.
    fn first_page(&self) -> String {
        let first = ListQuery {
            after: None,
            ..self.clone()
        };
        match serde_urlencoded::to_string(&first).unwrap_or_default() {
            query if query.is_empty() => "/contacts".to_owned(),
            query => format!("/contacts?{query}"),
        }
    }

    fn includes_archived(&self) -> bool {
        matches!(
            self.archived.as_deref().map(str::trim),
            Some("1" | "on" | "true")
        )
    }

    fn is_filtered(&self) -> bool {
        [&self.owner, &self.stage, &self.tier, &self.role, &self.tag]
            .iter()
            .any(|value| !value.trim().is_empty())
    }
}

#[derive(Debug)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub organization: String,
    pub email: String,
    pub owner: String,
    pub stage: String,
    pub tier: String,
    pub next_touch: String,
    pub overdue: bool,
    pub archived: bool,
}

/// A choice in a `<select>`.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    query: ListQuery,
    owners: Vec<Choice>,
    stages: &'static [Stage],
    tiers: &'static [Tier],
    roles: &'static [Role],
    rows: Vec<Row>,
    /// More than one user: the owner column and filter mean something.
    team: bool,
    first_page: Option<String>,
    next_page: Option<String>,
    may_export: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    let filter = query.filter(user.user())?;
    let today = user.today();
    let users = state.store.users().await?;
    let names: HashMap<UserId, &str> = users
        .iter()
        .map(|account| (account.user.id, account.user.name.as_str()))
        .collect();
    let mut found = state
        .store
        .list_contacts(&filter)
        .await
        .map_err(|err| match err {
            // A cursor naming no contact: said so, not shown as an empty page.
            rapport_store::StoreError::Invalid(message) => {
                WebError::BadForm(format!("after: {message}"))
            }
            other => other.into(),
        })?;
    let more = found.len() > PAGE_SIZE;
    found.truncate(PAGE_SIZE);
    let next_page = found
        .last()
        .filter(|_| more)
        .map(|last| query.next_page(last.id));
    let rows = found
        .into_iter()
        .map(|c| Row {
            id: c.id.0,
            owner: names.get(&c.owner).copied().unwrap_or_default().to_owned(),
            name: c.name,
            organization: c.organization.unwrap_or_default(),
            email: c.email.unwrap_or_default(),
            stage: c.stage.map(|s| s.to_string()).unwrap_or_default(),
            tier: c.tier.map(|t| t.to_string()).unwrap_or_default(),
            next_touch: format!(
                "{} ({})",
                short_date(c.next_touch.on),
                days_phrase(today, c.next_touch.on)
            ),
            overdue: c.next_touch.on < today,
            archived: c.archived,
        })
        .collect();
    let owners = std::iter::once(Choice {
        value: "me".to_owned(),
        label: "me".to_owned(),
    })
    // The signed-in user is "me", not a second entry of their own; a disabled user owns no
    // contacts, so there is nothing of theirs to filter.
    .chain(
        users
            .iter()
            .filter(|account| account.user.id != user.user() && account.disabled_at.is_none())
            .map(|account| Choice {
                value: account.user.id.to_string(),
                label: account.user.name.clone(),
            }),
    )
    .collect();
    page(
        &ContactsPage {
            chrome: user.chrome("Contacts"),
            first_page: filter.after.map(|_| query.first_page()),
            next_page,
            owners,
            stages: Stage::ALL,
            tiers: Tier::ALL,
            roles: Role::ALL,
            rows,
            team: users.len() > 1,
            may_export: user.session.account.role == UserRole::Admin,
            query,
        },
        StatusCode::OK,
    )
}

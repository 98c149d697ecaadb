//! `/`: today's agenda — overdue, due today, the week ahead — each row with why it is there,
//! the last touch's context, and actions right on the row; narrowed to one relationship role
//! with `?role=`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::ToSpan;
use rapport_core::agenda::{Section, days_phrase};
use rapport_core::model::{AgendaEntry, Touch};
use rapport_core::{Role, TouchKind};

use serde::Deserialize;

use super::contact::FormEcho;
use super::nurture::{self, HandoffRow, Suggestions};
use super::search::role_filter;
use super::{Chrome, DoneQuery, SignedIn, WebResult, long_date, notice, page, short_date};
use crate::AppState;

/// How far ahead "upcoming" looks.
const UPCOMING_DAYS: i64 = 7;
/// The most rows one page shows; the counts say how many more there are.
const MAX_ROWS: usize = 100;
/// "Snooze" holds a contact this many days.
const SNOOZE_DAYS: i64 = 3;

/// The context of the last touch, as a row shows it.
#[derive(Debug)]
pub struct LastTouch {
    pub when: String,
    pub kind: &'static str,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
}

impl LastTouch {
    pub fn of(touch: &Touch, today: jiff::civil::Date) -> LastTouch {
        LastTouch {
            when: format!(
                "{} ({})",
                short_date(touch.on),
                days_phrase(today, touch.on)
            ),
            kind: touch.kind.as_str(),
            summary: touch.summary.clone(),
            needs: touch.needs.clone(),
            next_approach: touch.next_approach.clone(),
        }
    }
}

#[derive(Debug)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub tier: Option<&'static str>,
    pub due: String,
    pub why: String,
    pub last: Option<LastTouch>,
    pub hold: Option<String>,
    pub follow_ups: Vec<String>,
    /// What to send them, or the cap that holds sending back.
    pub suggestions: Suggestions,
}

impl Row {
    fn of(entry: &AgendaEntry, today: jiff::civil::Date, suggestions: Suggestions) -> Row {
        Row {
            id: entry.contact.0,
            name: entry.name.clone(),
            organization: entry.organization.clone(),
            tier: entry.tier.map(|t| t.as_str()),
            due: format!(
                "{} ({})",
                short_date(entry.next_touch.on),
                days_phrase(today, entry.next_touch.on)
            ),
            why: entry.why.clone(),
            last: entry.last_touch.as_ref().map(|t| LastTouch::of(t, today)),
            hold: entry
                .hold
                .as_ref()
                .map(|h| format!("hold until {}: {}", short_date(h.until), h.reason)),
            follow_ups: entry
                .open_follow_ups
                .iter()
                .map(|f| format!("{} — {}", short_date(f.due_on), f.text))
                .collect(),
            suggestions,
        }
    }
}

#[derive(Debug)]
pub struct SectionView {
    pub key: &'static str,
    pub title: &'static str,
    pub count: usize,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    chrome: Chrome,
    notice: Option<String>,
    today: String,
    /// Nobody due this week: the page says how to start.
    empty: bool,
    /// The role the agenda is narrowed to; blank for everyone.
    role: &'static str,
    roles: &'static [Role],
    sections: Vec<SectionView>,
    kinds: &'static [TouchKind],
    snooze_until: String,
    hold_min: String,
    /// The row forms show no errors (a form that needs fixing opens its contact's page).
    echo: FormEcho,
    /// Sales-ready contacts handed to this user.
    handoffs: Vec<HandoffRow>,
}

/// `?role=champion`: the agenda narrowed to contacts holding that role today.
#[derive(Debug, Default, Deserialize)]
pub struct RoleQuery {
    role: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Query(done): Query<DoneQuery>,
    Query(filter): Query<RoleQuery>,
) -> WebResult<Response> {
    let today = user.today();
    let through = today.checked_add(UPCOMING_DAYS.days()).unwrap_or(today);
    let role = role_filter(filter.role.as_deref())?;
    let agenda = state
        .store
        .agenda(user.user(), user.user(), today, through, MAX_ROWS, role)
        .await?;
    // What to send, for the rows shown only, in a fixed number of queries.
    let shown: Vec<_> = agenda.entries.iter().map(|e| e.contact).collect();
    let content = nurture::for_rows(&state, &user, &shown).await?;
    let sections = [
        (Section::Overdue, "overdue", "Overdue", agenda.overdue),
        (Section::Today, "today", "Due today", agenda.due_today),
        (
            Section::Upcoming,
            "upcoming",
            "Next 7 days",
            agenda.upcoming,
        ),
    ]
    .into_iter()
    .map(|(section, key, title, count)| SectionView {
        key,
        title,
        count,
        rows: agenda
            .entries
            .iter()
            .filter(|e| e.section == section)
            .map(|e| Row::of(e, today, Suggestions::of(content.get(&e.contact))))
            .collect(),
    })
    .collect::<Vec<_>>();
    page(
        &TodayPage {
            empty: sections.iter().all(|s| s.count == 0),
            role: role.map_or("", Role::as_str),
            roles: Role::ALL,
            chrome: user.chrome("Today"),
            notice: notice(&state, &done, today).await?,
            today: long_date(today),
            sections,
            kinds: TouchKind::ALL,
            snooze_until: today
                .checked_add(SNOOZE_DAYS.days())
                .unwrap_or(today)
                .to_string(),
            hold_min: today.checked_add(1.day()).unwrap_or(today).to_string(),
            echo: FormEcho::default(),
            handoffs: nurture::incoming(&state, &user).await?,
        },
        StatusCode::OK,
    )
}

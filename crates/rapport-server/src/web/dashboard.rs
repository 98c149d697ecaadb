//! `/dashboard`: how the seller keeps to their cycles — adherence over recent weeks, touches
//! per week, and who is overdue by tier — as SVG bar charts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::ToSpan;
use rapport_core::punctuality;

use super::charts::{BarChart, HEIGHT, WIDTH};
use super::{Chrome, SignedIn, WebResult, page, short_date};
use crate::AppState;

/// How many weeks the charts look back over (this week included).
const WEEKS: usize = 12;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    width: f64,
    height: f64,
    adherence: BarChart,
    adherence_overall: String,
    per_week: BarChart,
    overdue: BarChart,
    overdue_total: i64,
}

pub async fn show(State(state): State<AppState>, user: SignedIn) -> WebResult<Response> {
    let today = user.today();
    let first_week = punctuality::week_of(today)
        .checked_sub((7 * (WEEKS as i64 - 1)).days())
        .unwrap_or(today);
    let touches = state
        .store
        .touch_punctuality(user.user(), first_week)
        .await?;
    let weeks = punctuality::weeks(today, WEEKS, &touches);
    let adherence = BarChart::new(
        weeks
            .iter()
            .map(|w| {
                let share = w.adherence();
                let shown = share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0));
                let title = format!(
                    "week of {}: {} of {} touches on time",
                    short_date(w.starts),
                    w.on_time,
                    w.touches
                );
                (short_date(w.starts), share.unwrap_or(0.0), shown, title)
            })
            .collect(),
        Some(1.0),
    );
    let (on_time, all) = weeks
        .iter()
        .fold((0, 0), |(o, a), w| (o + w.on_time, a + w.touches));
    let adherence_overall = if all == 0 {
        "no touches logged in these weeks yet".to_owned()
    } else {
        format!(
            "{:.0}% of {all} touches on or before their due day",
            on_time as f64 * 100.0 / all as f64
        )
    };
    let per_week = BarChart::new(
        weeks
            .iter()
            .map(|w| {
                let title = format!("week of {}: {} touches", short_date(w.starts), w.touches);
                (
                    short_date(w.starts),
                    w.touches as f64,
                    w.touches.to_string(),
                    title,
                )
            })
            .collect(),
        None,
    );
    let by_tier = state.store.overdue_by_tier(user.user(), today).await?;
    let overdue_total = by_tier.iter().map(|(_, n)| n).sum();
    let overdue = BarChart::new(
        by_tier
            .iter()
            .map(|(tier, n)| {
                let label = tier.map_or_else(|| "no tier".to_owned(), |t| format!("tier {t}"));
                let title = format!("{label}: {n} overdue");
                (label, *n as f64, n.to_string(), title)
            })
            .collect(),
        None,
    );
    page(
        &DashboardPage {
            chrome: user.chrome("Dashboard"),
            width: WIDTH,
            height: HEIGHT,
            adherence,
            adherence_overall,
            per_week,
            overdue,
            overdue_total,
        },
        StatusCode::OK,
    )
}

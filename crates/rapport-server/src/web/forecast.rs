//! `/forecast`: the 30/60/90-day forecast of open opportunities from the user's today, each
//! bucket with its total and the deals behind it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, SignedIn, WebResult, page};
use crate::AppState;
use crate::views::{ForecastBucketView, ForecastEntryView, ForecastView};

/// One bucket and the open deals in it.
#[derive(Debug)]
pub struct BucketSection {
    pub total: ForecastBucketView,
    pub deals: Vec<ForecastEntryView>,
}

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    chrome: Chrome,
    today: String,
    buckets: Vec<BucketSection>,
}

pub async fn show(State(state): State<AppState>, user: SignedIn) -> WebResult<Response> {
    let open = state.store.open_opportunities().await?;
    let ForecastView {
        today,
        buckets,
        mut open,
    } = ForecastView::new(user.today(), &open);
    let buckets = buckets
        .into_iter()
        .map(|total| {
            let (deals, rest) = open.drain(..).partition(|d| d.bucket == total.bucket);
            open = rest;
            BucketSection { total, deals }
        })
        .collect();
    page(
        &ForecastPage {
            chrome: user.chrome("Forecast"),
            today,
            buckets,
        },
        StatusCode::OK,
    )
}

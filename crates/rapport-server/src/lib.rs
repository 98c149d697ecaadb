//! Rapport's team server: the REST API under `/api/v1`, its OpenAPI 3.1 document at
//! `/api/openapi.json` (browsable at `/api/docs`), health checks, API-token and session
//! authentication, RFC 9457 errors and the web UI (`web`), over the same store and domain core
//! as the CLI. Also home of the JSON wire format (`views`), which the CLI's `--json` shares.
//!
//! The server keeps no state of its own outside the database: any number of instances can
//! serve one PostgreSQL.

mod agenda_cache;
mod api;
pub mod auth;
mod export;
mod imports;
mod openapi;
pub mod problem;
pub mod session;
pub mod views;
mod web;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request, Response};
use axum::routing::get;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rapport_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use api::ApiDoc;

use crate::agenda_cache::AgendaCache;

/// Requests larger than this are refused with 413 before they are read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Where "now" comes from: the real clock, or one fixed for demos and tests (`--now`).
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(at) => at,
        }
    }
}

/// What every request handler shares: the store, the clock, an optional time zone that
/// overrides each user's own (`--tz`), whether cookies must be `Secure`, and agenda answers
/// that are still current.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub tz: Option<TimeZone>,
    /// Mark session cookies `Secure` whatever the request says (`--secure-cookies`): the
    /// server sits behind TLS.
    pub secure_cookies: bool,
    agendas: Arc<AgendaCache>,
}

impl AppState {
    pub fn new(store: Store, clock: Clock, tz: Option<TimeZone>, secure_cookies: bool) -> AppState {
        AppState {
            store,
            clock,
            tz,
            secure_cookies,
            agendas: Arc::default(),
        }
    }
}

/// The whole application: API routes, health checks and the middleware every request passes
/// through (request id, trace span, body limit, panic guard).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        // The document and a browsable page over it; Swagger UI's files are compiled into the
        // binary (the crate's `vendored` feature), so the page asks no outside host for anything.
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
        .nest("/api/v1", api::routes())
        .merge(web::routes())
        .fallback(api::not_found)
        // The routes above take small JSON or form bodies; the imports, merged after this
        // limit, take files and carry their own.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(imports::routes())
        .with_state(state)
        .layer(axum::middleware::map_response(api::problem_for_bare_errors))
        .layer(CatchPanicLayer::custom(api::panicked))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %request.method(),
                        path = %request.uri().path(),
                        user_id = tracing::field::Empty,
                    )
                })
                .on_response(|response: &Response<Body>, latency: Duration, _: &Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "response"
                    );
                }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves until `shutdown` completes, then stops accepting connections and lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let indexer = tokio::spawn(index_touches(state.store.clone()));
    // The peer's address reaches handlers (`session::ClientAddress`) to count failed logins.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    // An interrupted catch-up rolls back; the next run, or the next search, redoes it.
    indexer.abort();
    served
}

/// How often a server indexes the touches logged since its last look (the store's
/// `touch_index`): often enough that a search seldom finds a backlog to index first, seldom
/// enough that each catch-up takes hundreds of touches in one transaction under load.
const TOUCH_INDEXING: Duration = Duration::from_millis(500);

async fn index_touches(store: Store) {
    let mut every = tokio::time::interval(TOUCH_INDEXING);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = store.index_touches().await {
            // Not fatal: a search indexes what is missing before it reads.
            tracing::warn!(%error, "indexing touches for search failed");
        }
    }
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this
/// is called, not when the future is first polled: call it before announcing the address, so a
/// signal sent as soon as the server answers stops it gracefully rather than killing it.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            // A handler that could not be installed never fires.
            let wait = |handler: Option<tokio::signal::unix::Signal>| async move {
                match handler {
                    Some(mut handler) => {
                        handler.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// Logs to stderr, one line per event with its fields (the request id among them). The level
/// comes from `RAPPORT_LOG` (`info` by default; e.g. `RAPPORT_LOG=debug`);
/// `RAPPORT_LOG_FORMAT=json` writes one JSON object per line instead of text.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let json = std::env::var("RAPPORT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

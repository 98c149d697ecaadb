//! The web UI: server-rendered pages over the same store and domain core as the API (issue 4).
//!
//! Every page is plain HTML from an askama template (compiled into the binary and checked at
//! build time); every form works without JavaScript. `assets/app.js` only adds speed: the
//! quick-log shortcut, search as you type. Pages need a session (else a redirect to
//! `/login`); every form carries the session's CSRF token, checked by [`WebForm`] before a
//! handler sees the form. Writes answer with a redirect (post/redirect/get) whose query names
//! what was done (`?logged=7`), so the next page can say so without the server keeping state.

mod assets;
mod at_risk;
mod charts;
mod contact;
mod contact_forms;
mod contacts;
mod dashboard;
mod duplicates;
mod forecast;
mod imports;
mod login;
mod nurture;
mod organization;
mod organizations;
mod search;
mod settings;
mod today;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use rapport_core::agenda::days_phrase;
use rapport_core::model::ContactId;
use rapport_store::{Session, StoreError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::api::Moment;
use crate::session;

/// Every page's security headers: nothing but our own origin may supply scripts, styles or
/// images, and no other site may frame us.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

pub fn routes() -> Router<AppState> {
    let routes = Router::new()
        .route("/", get(today::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/contacts/new", get(contact_forms::new_contact_form))
        .route(
            "/contacts",
            get(contacts::list).post(contact_forms::add_contact),
        )
        .route("/contacts/{id}", get(contact::show))
        .route("/contacts/{id}/details", post(contact_forms::set_details))
        .route("/contacts/{id}/archive", post(contact_forms::archive))
        .route("/contacts/{id}/owner", post(contact_forms::hand_over))
        .route("/contacts/{id}/touches", post(contact::log_touch))
        .route("/contacts/{id}/hold", post(contact::hold))
        .route("/contacts/{id}/unhold", post(contact::unhold))
        .route("/contacts/{id}/follow-ups", post(contact::add_follow_up))
        .route("/follow-ups/{id}/done", post(contact::complete_follow_up))
        .route(
            "/log",
            get(contact::quick_log_form).post(contact::quick_log),
        )
        .route("/organizations/{id}", get(organization::show))
        .route("/search", get(search::show))
        .route("/dashboard", get(dashboard::show))
        .route("/settings", get(settings::show))
        .route("/settings/time-zone", post(settings::set_time_zone))
        .route("/settings/cadence", post(settings::set_cadence_default))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .route("/settings/users/{id}/disable", post(settings::disable_user))
        .route("/settings/users/{id}/enable", post(settings::enable_user))
        .route("/content", get(nurture::show_library).post(nurture::add))
        .route("/content/{id}", get(nurture::edit_form).post(nurture::edit))
        .route("/content/{id}/retire", post(nurture::retire))
        .route("/contacts/{id}/send", post(nurture::send))
        .route("/contacts/{id}/interests", post(nurture::set_interests))
        .route("/contacts/{id}/ready", post(nurture::ready))
        .route("/handoffs", get(nurture::handoffs))
        .route("/reports/nurture", get(nurture::report))
        .route("/assets/{file}", get(assets::serve))
        .route("/forecast", get(forecast::show))
        .route("/at-risk", get(at_risk::show))
        .route(
            "/contacts/{id}/opportunities",
            post(contact::open_opportunity),
        )
        .route(
            "/opportunities/{id}/close",
            post(contact::close_opportunity),
        )
        .route(
            "/organizations/{id}/competitors",
            post(organization::record_competitor),
        )
        .route(
            "/organizations/{id}/profile",
            post(organization::edit_profile),
        )
        .route(
            "/settings/relationship-rules",
            post(settings::set_relationship_rules),
        )
        .route("/contacts/{id}/checklist", post(contact::tick_step))
        .route("/contacts/{id}/fields", post(contact_forms::set_fields))
        .route(
            "/contacts/{id}/introductions",
            post(contact_forms::introduce),
        )
        .route("/contacts/{id}/stage", post(contact_forms::change_stage))
        .route("/contacts/{id}/roles", post(contact_forms::change_role))
        .route("/organizations", get(organizations::list))
        .route("/settings/playbooks/{stage}", post(settings::set_playbook))
        .route("/settings/icp", post(settings::add_criterion))
        .route(
            "/settings/icp/{id}/remove",
            post(settings::remove_criterion),
        )
        .route("/duplicates", get(duplicates::show))
        .route("/contacts/{id}/merge", post(duplicates::merge));
    with_page_headers(routes)
}

/// The upload page, whose form carries a file: routed with the API's import under the
/// imports' own body limit (`crate::imports`).
pub fn import_routes() -> Router<AppState> {
    with_page_headers(Router::new().route("/import", get(imports::form).post(imports::submit)))
}

/// What every page's response gets: compression and the security headers.
fn with_page_headers(routes: Router<AppState>) -> Router<AppState> {
    routes
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// What went wrong serving a page, answered as an HTML page (or a redirect to log in).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("log in first")]
    LoginFirst { next: String },
    #[error("this form is stale or was not sent from Rapport; reload the page and try again")]
    BadCsrf,
    #[error("a {0} can read but not change records")]
    ReadOnly(rapport_core::UserRole),
    #[error("only an admin can change this")]
    NotAdmin,
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the page could not be drawn")]
    Render(#[from] askama::Error),
    #[error("the server could not make a secret token")]
    Secret(#[from] crate::auth::SecretError),
    #[error("the form could not be read: {0}")]
    BadForm(String),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match self {
            WebError::LoginFirst { next } => {
                let target = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", percent_encode(&next))
                };
                return Redirect::to(&target).into_response();
            }
            // The store's errors map to statuses once, for the API and the pages alike.
            WebError::Store(err) => {
                let problem = crate::problem::Problem::from(err);
                let status = StatusCode::from_u16(problem.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return error_page(status, &problem.detail);
            }
            WebError::BadCsrf | WebError::ReadOnly(_) | WebError::NotAdmin => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadForm(_) => StatusCode::BAD_REQUEST,
            WebError::Render(ref err) => {
                tracing::error!(error = %err, "template failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::Secret(ref err) => {
                tracing::error!(error = %err, "no random token");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        error_page(status, &self.to_string())
    }
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        chrome: Chrome::anonymous("Error"),
        status: status.as_u16(),
        message,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

type WebResult<T> = Result<T, WebError>;

/// What every page's frame needs: the title, who is signed in (for the menu and the logout
/// form's CSRF token), and the asset version for cache-busting URLs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub user_name: Option<String>,
    pub csrf: String,
    pub can_write: bool,
    pub asset_version: &'static str,
}

impl Chrome {
    fn anonymous(title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            user_name: None,
            csrf: String::new(),
            can_write: false,
            asset_version: assets::version(),
        }
    }
}

/// A signed-in request: the session and the user's "now" and "today".
#[derive(Debug)]
pub struct SignedIn {
    pub session: Session,
    pub moment: Moment,
}

impl SignedIn {
    fn chrome(&self, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            user_name: Some(self.session.account.user.name.clone()),
            csrf: self.session.csrf_token.clone(),
            can_write: self.session.account.role.can_write(),
            asset_version: assets::version(),
        }
    }

    fn today(&self) -> Date {
        self.moment.today()
    }

    fn user(&self) -> rapport_core::model::UserId {
        self.session.account.user.id
    }

    /// Refuses a viewer: for the forms that change records, and the pages that only hold one.
    fn may_write(&self) -> WebResult<()> {
        let role = self.session.account.role;
        if role.can_write() {
            Ok(())
        } else {
            Err(WebError::ReadOnly(role))
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> WebResult<SignedIn> {
        let next = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let session = session::current(state, &parts.headers)
            .await?
            .ok_or(WebError::LoginFirst { next })?;
        tracing::Span::current().record("user_id", session.account.user.id.0);
        let moment = Moment::of(state, &session.account);
        Ok(SignedIn { session, moment })
    }
}

/// A form that changes records, posted by a signed-in user whose role may write, with the
/// session's CSRF token checked before the handler sees it (else 403).
#[derive(Debug)]
pub struct WebForm<T> {
    pub user: SignedIn,
    pub form: T,
}

/// A form about the user's own session or settings (logging out, their time zone): the CSRF
/// token is checked, any role may send it.
#[derive(Debug)]
pub struct OwnForm<T> {
    pub user: SignedIn,
    pub form: T,
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// The signed-in user and the form, once the form's CSRF token matches the session's.
async fn read_form<T: DeserializeOwned>(
    request: Request,
    state: &AppState,
) -> WebResult<(SignedIn, T)> {
    let (mut parts, body) = request.into_parts();
    let user = SignedIn::from_request_parts(&mut parts, state).await?;
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|e| WebError::BadForm(e.body_text()))?;
    let bad_form = |e: serde_urlencoded::de::Error| WebError::BadForm(e.to_string());
    let csrf: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(bad_form)?;
    if !session::csrf_matches(&user.session, csrf.csrf.as_deref()) {
        return Err(WebError::BadCsrf);
    }
    let form = serde_urlencoded::from_bytes(&bytes).map_err(bad_form)?;
    Ok((user, form))
}

impl<T: DeserializeOwned> FromRequest<AppState> for WebForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> WebResult<WebForm<T>> {
        let (user, form) = read_form(request, state).await?;
        user.may_write()?;
        Ok(WebForm { user, form })
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for OwnForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> WebResult<OwnForm<T>> {
        let (user, form) = read_form(request, state).await?;
        Ok(OwnForm { user, form })
    }
}

/// The record a path's id names (`what` says which kind, for the 404), or a 404 when the id is
/// not a positive number.
pub fn path_id<T>(text: &str, what: &str, id: fn(i64) -> T) -> WebResult<T> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(id)
        .ok_or_else(|| WebError::NotFound(format!("no {what} '{text}'")))
}

/// Where to go back to after a form: a path on this site only (never `//elsewhere`).
pub fn local_path(back: Option<&str>) -> &str {
    match back {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

/// `back` with a query parameter saying what was done, for the next page's notice.
pub fn after(back: Option<&str>, what: &str, contact: ContactId) -> Redirect {
    let path = local_path(back);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    Redirect::to(&format!("{path}?{what}={contact}"))
}

/// What the previous form did, named by the redirect's query (`?logged=7`).
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    logged: Option<i64>,
    held: Option<i64>,
    unheld: Option<i64>,
    followed: Option<i64>,
    completed: Option<i64>,
    opened: Option<i64>,
    closed: Option<i64>,
    ticked: Option<i64>,
    changed: Option<i64>,
    introduced: Option<i64>,
    added: Option<i64>,
    archived: Option<i64>,
    unarchived: Option<i64>,
    handed: Option<i64>,
}

/// The notice for a [`DoneQuery`]: what happened to whom, and the contact's next touch now.
pub async fn notice(state: &AppState, done: &DoneQuery, today: Date) -> WebResult<Option<String>> {
    let done = [
        (done.logged, "Logged a touch with"),
        (done.held, "Put on hold:"),
        (done.unheld, "Hold lifted for"),
        (done.followed, "Follow-up added for"),
        (done.completed, "Follow-up done for"),
        (done.opened, "Opportunity opened for"),
        (done.closed, "Deal closed for"),
        (done.ticked, "Checklist updated for"),
        (done.changed, "Updated"),
        (done.introduced, "Introduction recorded for"),
        (done.added, "Added"),
        (done.archived, "Archived"),
        (done.unarchived, "Back on the agenda:"),
        (done.handed, "Handed over"),
    ];
    let Some((id, verb)) = done
        .into_iter()
        .find_map(|(id, verb)| id.map(|id| (id, verb)))
    else {
        return Ok(None);
    };
    let contact = match state.store.contact(ContactId(id)).await {
        Ok(contact) => contact,
        Err(StoreError::ContactNotFound(_)) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    if contact.archived_at.is_some() {
        // Off the agenda: no next touch to speak of.
        return Ok(Some(format!("{verb} {}.", contact.name)));
    }
    Ok(Some(format!(
        "{verb} {}. Next touch: {} ({}).",
        contact.name,
        long_date(contact.next_touch.on),
        days_phrase(today, contact.next_touch.on)
    )))
}

/// "Wed 25 Nov 2026".
pub fn long_date(day: Date) -> String {
    day.strftime("%a %-d %b %Y").to_string()
}

/// "25 Nov".
pub fn short_date(day: Date) -> String {
    day.strftime("%-d %b").to_string()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Renders a page as a 200, or with `status` when a form needs fixing.
fn page(template: &impl Template, status: StatusCode) -> WebResult<Response> {
    Ok((status, Html(template.render()?)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path(Some("/contacts/3")), "/contacts/3");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil")), "/");
        assert_eq!(local_path(None), "/");
        assert_eq!(
            after(Some("/contacts/3?held=3#x"), "logged", ContactId(3))
                .into_response()
                .headers()[header::LOCATION],
            "/contacts/3?logged=3"
        );
    }

    #[test]
    fn next_paths_are_percent_encoded() {
        assert_eq!(percent_encode("/search?q=a b"), "/search%3Fq%3Da%20b");
    }
}

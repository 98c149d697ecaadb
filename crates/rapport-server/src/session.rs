//! Password login and browser sessions (issue 3): `POST /api/v1/session` and
//! `DELETE /api/v1/session` for scripts and the JSON API, and the pieces the web pages' login
//! form shares with them.
//!
//! A session is a cookie holding 32 random bytes; the store keeps only their SHA-256, like an
//! API token's. Each session has a CSRF token: with cookie authentication every unsafe request
//! (POST, PUT, PATCH, DELETE) must echo it (`X-CSRF-Token` for the API, a `csrf` form field for
//! pages), so another site cannot make a logged-in browser write. Sessions slide: the server
//! ends one after [`SESSION_IDLE`] unused. Failed logins are counted in the database (any
//! instance sees them all): after [`MAX_FAILURES`] for one email or one client address within
//! [`FAILURE_WINDOW`], logins are refused with 429 and `Retry-After`.

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use rapport_core::EmailAddress;
use rapport_store::{Account, NewSession, Session, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::Body;
use crate::auth::{self, SecretError};
use crate::problem::Problem;
use crate::views::UserView;

/// The session cookie's name.
pub const COOKIE: &str = "rapport_session";
/// The header API requests authenticated by the cookie send their CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session unused this long is over.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(14 * 24);
/// Failed logins allowed per email and per client address within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Failed logins older than this are deleted as new ones arrive.
const FAILURE_RETENTION: SignedDuration = SignedDuration::from_hours(24);
/// The cookie itself lives as long as browsers allow (400 days); the server decides when the
/// session is over, so the cookie need not be re-sent each time the session slides.
const COOKIE_MAX_AGE_SECONDS: i64 = 400 * 24 * 60 * 60;

/// The same answer for an unknown email and a wrong password, so neither can be told apart.
pub const BAD_CREDENTIALS: &str = "the email or the password is not right";

/// Why a login did not start a session.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{BAD_CREDENTIALS}")]
    BadCredentials,
    /// The password is right but an admin disabled the account. Said only after the password
    /// checked out, so it tells nothing to someone guessing.
    #[error("this account is disabled; ask an admin to enable it")]
    Disabled,
    #[error("too many failed logins; try again in {} minutes", retry_after_seconds.div_ceil(60))]
    TooManyFailures { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("the password check did not finish")]
    Blocking(#[from] tokio::task::JoinError),
}

impl From<LoginError> for Problem {
    fn from(err: LoginError) -> Problem {
        match err {
            LoginError::BadCredentials => Problem::unauthorized(BAD_CREDENTIALS),
            LoginError::Disabled => Problem::forbidden(err.to_string()),
            LoginError::TooManyFailures { .. } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, err.to_string())
            }
            LoginError::Store(err) => err.into(),
            LoginError::Secret(_) | LoginError::Blocking(_) => {
                tracing::error!(error = %err, "login failed");
                Problem::internal()
            }
        }
    }
}

/// A session just started: who, the cookie to set, and the CSRF token to hand out.
#[derive(Debug)]
pub struct LoggedIn {
    pub account: Account,
    pub csrf_token: String,
    pub set_cookie: HeaderValue,
}

/// An argon2id hash of nothing anyone knows: an unknown email is checked against it, so it
/// costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| auth::hash_password("no user has this password").unwrap_or_default());

/// Checks a password login and, if it is right, starts a session. `secure` marks the cookie
/// `Secure` (the browser reached us over TLS).
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &str,
    secure: bool,
) -> Result<LoggedIn, LoginError> {
    let now = state.clock.now();
    // Failures are counted under the email as typed (normalised), valid or not.
    let email_key = email.trim().to_lowercase();
    let failures = state
        .store
        .login_failures(
            &email_key,
            client,
            now - FAILURE_WINDOW,
            MAX_FAILURES as i64,
        )
        .await?;
    let blocked_until = [&failures.by_email, &failures.by_client]
        .into_iter()
        .filter(|recent| recent.len() >= MAX_FAILURES)
        .filter_map(|recent| recent.last().map(|oldest| *oldest + FAILURE_WINDOW))
        .max();
    if let Some(until) = blocked_until.filter(|until| *until > now) {
        let seconds = until.duration_since(now).as_secs().max(1);
        return Err(LoginError::TooManyFailures {
            retry_after_seconds: u64::try_from(seconds).unwrap_or(1),
        });
    }
    let found = match email.parse::<EmailAddress>() {
        Ok(address) => state.store.credentials(&address).await?,
        Err(_) => None,
    };
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let password = password.to_owned();
    // argon2id takes tens of milliseconds of CPU on purpose: off the async workers.
    let verified =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await?;
    let Some(account) = account.filter(|_| verified) else {
        state
            .store
            .record_login_failure(&email_key, client, now, now - FAILURE_RETENTION)
            .await?;
        return Err(LoginError::BadCredentials);
    };
    if account.disabled_at.is_some() {
        return Err(LoginError::Disabled);
    }
    let secret = auth::random_secret()?;
    let csrf_token = auth::random_secret()?;
    state
        .store
        .start_session(
            &NewSession {
                user: account.user.id,
                token_hash: auth::token_hash(&secret),
                csrf_token: csrf_token.clone(),
                expires_at: now + SESSION_IDLE,
            },
            now,
        )
        .await
        .map_err(|err| match err {
            // Disabled since the account was read: the same answer as if before.
            StoreError::DisabledUser(_) => LoginError::Disabled,
            other => other.into(),
        })?;
    Ok(LoggedIn {
        account,
        csrf_token,
        set_cookie: session_cookie(&secret, COOKIE_MAX_AGE_SECONDS, secure),
    })
}

/// Ends the request's session, if it has one; answers the cookie that clears it.
pub async fn log_out(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, StoreError> {
    if let Some(secret) = cookie(headers, COOKIE) {
        state.store.end_session(&auth::token_hash(secret)).await?;
    }
    Ok(session_cookie("", 0, is_secure(state, headers)))
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rapport_session=; Path=/; Max-Age=0"))
}

/// The live session the request's cookie names, if any.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, StoreError> {
    let Some(secret) = cookie(headers, COOKIE) else {
        return Ok(None);
    };
    let now = state.clock.now();
    state
        .store
        .session(&auth::token_hash(secret), now, now + SESSION_IDLE)
        .await
}

/// A cookie's value from the `Cookie` headers (`a=1; b=2`).
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether a request changes something, and so needs the CSRF token under cookie auth.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `given` is the session's CSRF token. Compared through their hashes, so the time
/// taken says nothing about how much of a guess was right.
pub fn csrf_matches(session: &Session, given: Option<&str>) -> bool {
    given.is_some_and(|given| same_secret(given, &session.csrf_token))
}

fn same_secret(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// The login form's CSRF token lives in this cookie: before logging in there is no session
/// to hold one, so the form page sets a fresh token here (seen only by `/login`) and in a
/// hidden field, and the submitted form must carry the same one back. A page on another
/// site can make the browser post to `/login` but can neither read nor set this cookie.
const LOGIN_FORM_COOKIE: &str = "rapport_login";

pub fn login_form_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_FORM_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rapport_login=; Path=/login; Max-Age=0"))
}

/// Whether a submitted login form carries the token its page set in the cookie.
pub fn login_form_token_matches(headers: &HeaderMap, given: Option<&str>) -> bool {
    match (cookie(headers, LOGIN_FORM_COOKIE), given) {
        (Some(expected), Some(given)) => same_secret(given, expected),
        _ => false,
    }
}

/// The CSRF check for API requests authenticated by the cookie.
pub fn check_csrf_header(
    method: &Method,
    headers: &HeaderMap,
    session: &Session,
) -> Result<(), Problem> {
    let given = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if is_unsafe(method) && !csrf_matches(session, given) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "send the session's CSRF token in X-CSRF-Token (it comes with the login answer)",
        ));
    }
    Ok(())
}

/// Whether the browser reached us over TLS: `--secure-cookies`, or a proxy in front saying so.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// The client's address, for counting failed logins: the peer's IP address. Behind a proxy
/// that is the proxy's, so the per-address limit then counts everyone behind it together.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddress(peer.map_or_else(
            || "unknown".to_owned(),
            |c| c.0.ip().to_string(),
        )))
    }
}

/// 429 with `Retry-After`, or the problem the error is.
pub fn login_problem(err: LoginError) -> Response {
    let retry = match &err {
        LoginError::TooManyFailures {
            retry_after_seconds,
        } => Some(*retry_after_seconds),
        _ => None,
    };
    let mut response = Problem::from(err).into_response();
    if let Some(seconds) = retry {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A password login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// A session just started: the user, and the CSRF token to send as `X-CSRF-Token` with every
/// POST, PUT, PATCH and DELETE made with the session cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    pub csrf_token: String,
}

/// Logs in with an email and password: sets the `rapport_session` cookie (HttpOnly,
/// SameSite=Lax; Secure behind TLS). After 5 failures for one email or one address within 15
/// minutes, answers 429 with Retry-After. The right password of a disabled account is a 403
/// saying so.
#[utoipa::path(post, path = "/api/v1/session", security(()), request_body = LoginBody, responses(
    (status = 200, body = SessionView, headers(("Set-Cookie" = String))),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Body(body): Body<LoginBody>,
) -> Response {
    let secure = is_secure(&state, &headers);
    match log_in(&state, &body.email, &body.password, &client, secure).await {
        Ok(logged_in) => {
            let mut response = Json(SessionView {
                user: UserView::from(&logged_in.account),
                csrf_token: logged_in.csrf_token,
            })
            .into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, logged_in.set_cookie);
            response
        }
        Err(err) => login_problem(err),
    }
}

/// Logs out: ends the cookie's session and clears the cookie. Needs `X-CSRF-Token`.
#[utoipa::path(delete, path = "/api/v1/session", security(()), responses(
    (status = 204, description = "logged out", headers(("Set-Cookie" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if let Some(session) = current(&state, &headers).await? {
        check_csrf_header(&method, &headers, &session)?;
    }
    let clear = log_out(&state, &headers).await?;
    Ok(([(header::SET_COOKIE, clear)], StatusCode::NO_CONTENT).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; rapport_session=abc ; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("rapport_session="));
        assert_eq!(cookie(&headers, COOKIE), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_when_asked() {
        let plain = session_cookie("s3cret", 60, false);
        assert_eq!(
            plain.to_str().unwrap(),
            "rapport_session=s3cret; HttpOnly; SameSite=Lax; Path=/; Max-Age=60"
        );
        assert!(
            session_cookie("s", 60, true)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
    }

    #[test]
    fn the_login_forms_token_must_come_back_as_its_cookie_set_it() {
        assert_eq!(
            login_form_cookie("t0k", false).to_str().unwrap(),
            "rapport_login=t0k; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"
        );
        let mut headers = HeaderMap::new();
        assert!(
            !login_form_token_matches(&headers, Some("t0k")),
            "no cookie"
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("rapport_session=x; rapport_login=t0k"),
        );
        assert!(login_form_token_matches(&headers, Some("t0k")));
        assert!(!login_form_token_matches(&headers, Some("t0x")));
        assert!(!login_form_token_matches(&headers, None));
    }
}

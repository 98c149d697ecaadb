//! `/login` and `/logout`: the password form, sharing the API's login (rate limit included).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, OwnForm, WebError, WebResult, local_path, page};
use crate::AppState;
use crate::auth;
use crate::session::{self, ClientAddress, LoginError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    /// The form's CSRF token, also set in the login cookie (see `session::login_form_cookie`).
    csrf: String,
    next: String,
    email: String,
    /// The message shown by the field it is about (the password, for wrong credentials).
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> WebResult<Response> {
    let csrf = auth::random_secret()?;
    let mut response = page(
        &LoginPage {
            chrome: Chrome::anonymous("Log in"),
            csrf: csrf.clone(),
            next: local_path(query.next.as_deref()).to_owned(),
            email: String::new(),
            error: None,
        },
        StatusCode::OK,
    )?;
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::login_form_cookie(&csrf, session::is_secure(&state, &headers)),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    email: String,
    password: String,
    next: Option<String>,
}

/// Logs in from the form. A cross-site form (logging the victim into someone else's account)
/// is refused twice over: by its `Origin`, and for lacking the token the login page set.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    if !same_origin(&headers) || !session::login_form_token_matches(&headers, form.csrf.as_deref())
    {
        return Err(WebError::BadCsrf);
    }
    let secure = session::is_secure(&state, &headers);
    let next = local_path(form.next.as_deref()).to_owned();
    let mut retry_after = None;
    let (status, message) =
        match session::log_in(&state, &form.email, &form.password, &client, secure).await {
            Ok(logged_in) => {
                let mut response = Redirect::to(&next).into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, logged_in.set_cookie);
                return Ok(response);
            }
            Err(err @ LoginError::BadCredentials) => (StatusCode::UNAUTHORIZED, err.to_string()),
            Err(err @ LoginError::Disabled) => (StatusCode::FORBIDDEN, err.to_string()),
            Err(
                err @ LoginError::TooManyFailures {
                    retry_after_seconds,
                },
            ) => {
                retry_after = Some(retry_after_seconds);
                (StatusCode::TOO_MANY_REQUESTS, err.to_string())
            }
            Err(LoginError::Store(err)) => return Err(WebError::Store(err)),
            Err(err) => {
                tracing::error!(error = %err, "login failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server could not check the password; it has been logged".to_owned(),
                )
            }
        };
    let mut response = page(
        &LoginPage {
            chrome: Chrome::anonymous("Log in"),
            csrf: form.csrf.unwrap_or_default(),
            next,
            email: form.email,
            error: Some(message),
        },
        status,
    )?;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    OwnForm { .. }: OwnForm<LogoutForm>,
) -> WebResult<Response> {
    let clear = session::log_out(&state, &headers).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, clear);
    Ok(response)
}

/// Whether the request's `Origin`, when the browser sends one, names this server's host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_login_form_from_another_site_is_told_apart() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(
            same_origin(&headers),
            "no Origin: not a browser form, or an old one"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers));
    }
}

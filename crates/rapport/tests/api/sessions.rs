//! Password login and sessions over the API: the cookie, CSRF on unsafe methods, logout, and
//! the failed-login limit.

use serde_json::json;

use crate::server::{Body, Reply, Server, TODAY, user_with_token};
use crate::support::Rapport;

/// The password `user_with_token` gives every user.
pub const PASSWORD: &str = "a long enough password";

/// Logs in over the API; returns the answer, the `Cookie` header to send back and the CSRF
/// token.
pub fn log_in(server: &Server, email: &str, password: &str) -> (Reply, String, String) {
    let reply = server.request(
        "POST",
        "/api/v1/session",
        &[],
        Body::Json(json!({"email": email, "password": password})),
    );
    let cookie = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let csrf = reply.json["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (reply, cookie, csrf)
}

#[test]
fn a_password_login_sets_a_session_cookie_that_reads_the_api() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (reply, cookie, csrf) = log_in(&server, "Ann@Example.com", PASSWORD);
    assert_eq!(reply.ok(200)["user"]["email"], "ann@example.com");
    assert_eq!(csrf.len(), 64, "{}", reply.text);
    let set_cookie = reply.header("set-cookie").unwrap();
    let secret = cookie.strip_prefix("rapport_session=").unwrap();
    assert_eq!(secret.len(), 64, "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");

    let agenda = server.request("GET", "/api/v1/agenda", &[("Cookie", &cookie)], Body::Empty);
    agenda.ok(200);

    // Behind a TLS-terminating proxy the cookie is Secure.
    let proxied = server.request(
        "POST",
        "/api/v1/session",
        &[("X-Forwarded-Proto", "https")],
        Body::Json(json!({"email": "ann@example.com", "password": PASSWORD})),
    );
    assert!(proxied.header("set-cookie").unwrap().ends_with("; Secure"));
}

#[test]
fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (wrong, cookie, _) = log_in(&server, "ann@example.com", "not the password");
    let (unknown, _, _) = log_in(&server, "nobody@example.com", PASSWORD);
    assert_eq!(wrong.problem(401)["detail"], unknown.problem(401)["detail"]);
    assert!(cookie.is_empty(), "no cookie for a failed login");
    let (invalid, _, _) = log_in(&server, "not an email", PASSWORD);
    invalid.problem(401);
}

#[test]
fn with_the_cookie_a_write_needs_the_csrf_token_and_a_bearer_token_does_not() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (_, cookie, csrf) = log_in(&server, "ann@example.com", PASSWORD);
    let body = || Body::Json(json!({"name": "Dana Whitfield"}));
    let missing = server.request("POST", "/api/v1/contacts", &[("Cookie", &cookie)], body());
    missing.problem(403);
    let wrong = server.request(
        "POST",
        "/api/v1/contacts",
        &[("Cookie", &cookie), ("X-CSRF-Token", "0000")],
        body(),
    );
    wrong.problem(403);
    let with = server.request(
        "POST",
        "/api/v1/contacts",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        body(),
    );
    with.ok(201);
    let bearer = format!("Bearer {token}");
    let by_token = server.request(
        "POST",
        "/api/v1/contacts",
        &[("Authorization", &bearer)],
        body(),
    );
    by_token.ok(201);
}

#[test]
fn logging_out_ends_the_session() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let (_, cookie, csrf) = log_in(&server, "ann@example.com", PASSWORD);
    let refused = server.request(
        "DELETE",
        "/api/v1/session",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    refused.problem(403);
    let out = server.request(
        "DELETE",
        "/api/v1/session",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        Body::Empty,
    );
    assert_eq!(out.status, 204, "{}", out.text);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = server.request("GET", "/api/v1/agenda", &[("Cookie", &cookie)], Body::Empty);
    after.problem(401);
}

#[test]
fn five_failed_logins_lock_the_email_and_the_address_for_a_while() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    for _ in 0..5 {
        log_in(&server, "ann@example.com", "guess").0.problem(401);
    }
    // Even the right password is refused now, and the answer says when to come back.
    let (locked, cookie, _) = log_in(&server, "ann@example.com", PASSWORD);
    locked.problem(429);
    assert!(cookie.is_empty());
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After: {retry}");
    // The same address trying another email is refused too.
    log_in(&server, "bob@example.com", "guess").0.problem(429);
}

#[test]
fn the_openapi_document_describes_login_and_logout() {
    let rapport = Rapport::new();
    let server = Server::start(&rapport, TODAY);
    let doc = server.get("/api/openapi.json", None);
    let session = &doc.ok(200)["paths"]["/api/v1/session"];
    assert!(session["post"].is_object(), "{session}");
    assert!(session["delete"].is_object(), "{session}");
    assert!(session["post"]["responses"]["429"].is_object());
}

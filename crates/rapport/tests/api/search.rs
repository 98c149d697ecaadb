//! `GET /api/v1/search` and the web UI's search page: the same full-text search, who may
//! read what, and bad parameters named.

use serde_json::{Value, json};

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::form_login;

fn names(found: &Value) -> Vec<&str> {
    found["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["contact"]["name"].as_str().unwrap())
        .collect()
}

#[test]
fn search_over_http_finds_by_fragment_and_keeps_private_text_private() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let priya = rapport.add("Priya Raman", &["--org", "Acme Logistics"]);
    rapport.ok(&[
        "--as",
        "ann@example.com",
        "log",
        "Priya",
        "--kind",
        "meeting",
        "--summary",
        "Met at the partner retreat",
        "--needs",
        "data migration",
    ]);
    rapport.ok(&[
        "--as",
        "ann@example.com",
        "log",
        "Priya",
        "--kind",
        "call",
        "--summary",
        "Quiet merger talks",
        "--private",
    ]);
    let server = Server::start(&rapport, TODAY);

    let found = server.get("/api/v1/search?q=acme%20retreat%20migr", Some(&bob));
    let found = found.ok(200);
    assert_eq!(names(found), ["Priya Raman"]);
    assert_eq!(found["contacts"][0]["contact"]["id"], priya);
    assert_eq!(
        found["contacts"][0]["matched"][1],
        json!({"field": "touch", "text": "Met at the partner retreat · data migration", "touch_id": 1})
    );
    // The private touch's text finds Priya for its author only.
    assert_eq!(
        names(server.get("/api/v1/search?q=merger", Some(&ann)).ok(200)),
        ["Priya Raman"]
    );
    assert!(names(server.get("/api/v1/search?q=merger", Some(&bob)).ok(200)).is_empty());

    assert_eq!(
        server
            .get("/api/v1/search?q=a&limit=0", Some(&bob))
            .fields(),
        ["limit"]
    );
    assert_eq!(server.get("/api/v1/search", Some(&bob)).fields(), ["q"]);
    server.get("/api/v1/search?q=acme", None).problem(401);

    // The web page: the same results, saying what matched.
    let cookie = form_login(&server, "bob@example.com");
    let page = server.request(
        "GET",
        "/search?q=retreat+migr",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text
            .contains("<a href=\"/contacts/1\">Priya Raman</a>"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("touch: Met at the partner retreat · data migration"),
        "{}",
        page.text
    );
}

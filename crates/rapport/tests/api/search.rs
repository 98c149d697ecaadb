//! `GET /api/v1/search` and the web UI's search page: the same full-text search, who may
//! read what, and bad parameters named.

use serde_json::{Value, json};

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

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

#[test]
fn duplicates_and_merge_over_http_and_on_the_web_page() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let dana = rapport.add(
        "Dana Whitfield",
        &["--org", "Acme", "--phone", "+1 555 123 4567"],
    );
    let twin = rapport.add("Dana Whitfeld", &["--org", "Acme", "--phone", "5551234567"]);
    let sam = rapport.add(
        "Sam Okafor",
        &["--org", "Borealis", "--phone", "+44 20 7946 0958"],
    );
    let sam_twin = rapport.add(
        "Sam Okafor",
        &["--org", "Borealis", "--email", "sam@b.example"],
    );
    rapport.ok(&[
        "log",
        &twin.to_string(),
        "--kind",
        "call",
        "--summary",
        "Lisbon retreat",
    ]);
    let server = Server::start(&rapport, TODAY);

    let pairs = server.get("/api/v1/duplicates", Some(&vic));
    let pairs = pairs.ok(200);
    let listed: Vec<(i64, i64, usize)> = pairs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["first"]["id"].as_i64().unwrap(),
                p["second"]["id"].as_i64().unwrap(),
                p["evidence"].as_array().unwrap().len(),
            )
        })
        .collect();
    // Dana's pair has two pieces of evidence (phone, names), so it comes first.
    assert_eq!(listed, [(dana, twin, 2), (sam, sam_twin, 1)]);
    assert_eq!(pairs["items"][1]["evidence"][0]["kind"], "same_name");
    assert_eq!(
        server
            .get("/api/v1/duplicates?limit=x", Some(&vic))
            .fields(),
        ["limit"]
    );

    let merge = |survivor: i64, body: Value, token: &str| {
        server.send(
            "POST",
            &format!("/api/v1/contacts/{survivor}/merge"),
            Some(token),
            body,
        )
    };
    merge(dana, json!({"duplicate": twin}), &vic).problem(403);
    merge(dana, json!({"duplicate": dana}), &ann).problem(422);
    assert_eq!(
        merge(dana, json!({"duplicate": 0}), &ann).fields(),
        ["duplicate"]
    );
    merge(dana, json!({"duplicate": 999}), &ann).problem(404);
    let merged = merge(dana, json!({"duplicate": twin}), &ann);
    let merged = merged.ok(200);
    assert_eq!(merged["survivor_id"], dana);
    assert_eq!(merged["merged_id"], twin);
    assert_eq!(merged["moved"]["touches"], 1);
    merge(dana, json!({"duplicate": twin}), &ann).problem(409);

    // The web page lists what is left and merges with a form.
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| {
        let reply = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.text
    };
    let page = get("/duplicates");
    assert!(page.contains("same name at Borealis"), "{page}");
    assert!(!page.contains("Dana Whitfeld"), "merged pairs are gone");
    let csrf = csrf_of(&page);
    let posted = server.request(
        "POST",
        &format!("/contacts/{sam}/merge"),
        &[("Cookie", &cookie)],
        Body::Form(vec![("csrf", csrf), ("duplicate", sam_twin.to_string())]),
    );
    assert_eq!(posted.status, 303, "{}", posted.text);
    assert_eq!(
        posted.header("location"),
        Some(format!("/duplicates?merged={sam}").as_str())
    );
    let after = get(&format!("/duplicates?merged={sam}"));
    assert!(after.contains("Merged into Sam Okafor."), "{after}");
    assert!(after.contains("No likely duplicates"), "{after}");
    let survivor = server.get(&format!("/api/v1/contacts/{sam}"), Some(&ann));
    assert_eq!(survivor.ok(200)["emails"], json!(["sam@b.example"]));
    // The merged contacts say where their history went: the record, and the page.
    let husk = server.get(&format!("/api/v1/contacts/{twin}"), Some(&ann));
    assert_eq!(husk.ok(200)["merged_into"], dana);
    let husk_page = get(&format!("/contacts/{sam_twin}"));
    assert!(
        husk_page.contains(&format!(
            "Merged into <a href=\"/contacts/{sam}\">#{sam}</a>"
        )),
        "{husk_page}"
    );
    // Without the CSRF token, nothing happens.
    let refused = server.request(
        "POST",
        &format!("/contacts/{dana}/merge"),
        &[("Cookie", &cookie)],
        Body::Form(vec![("duplicate", sam.to_string())]),
    );
    assert_eq!(refused.status, 403, "{}", refused.text);
}

//! Lifecycle playbooks over the API and on the pages: anyone reads them, admins change them,
//! anyone who logs activity ticks a contact's checklist.

use serde_json::json;

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

fn book() -> (Rapport, String, String, String) {
    let r = Rapport::new();
    let admin = user_with_token(&r, "ann@example.com", "admin");
    let member = user_with_token(&r, "max@example.com", "member");
    let viewer = user_with_token(&r, "vic@example.com", "viewer");
    r.add(
        "Dana Whitfield",
        &["--org", "Halcyon Freight", "--stage", "engaged"],
    );
    r.add("No Stage", &[]);
    (r, admin, member, viewer)
}

#[test]
fn playbooks_over_the_api() {
    let (rapport, admin, member, viewer) = book();
    let server = Server::start(&rapport, TODAY);

    let all = server.get("/api/v1/playbooks", Some(&viewer));
    assert_eq!(all.ok(200)["items"].as_array().unwrap().len(), 6);
    assert_eq!(all.json["items"][2]["stage"], "engaged");

    let change = |token: &str, stage: &str, body: serde_json::Value| {
        server.patch(
            &format!("/api/v1/playbooks/{stage}"),
            Some(token),
            None,
            body,
        )
    };
    change(&member, "engaged", json!({"looks_like": "x"})).problem(403);
    let empty = change(
        &admin,
        "engaged",
        json!({"looks_like": " ", "checklist": []}),
    );
    empty.problem(422);
    assert_eq!(empty.fields(), vec!["looks_like", "checklist"]);
    let unknown = change(&admin, "someday", json!({"looks_like": "x"}));
    unknown.problem(400);
    assert_eq!(unknown.fields(), vec!["stage"]);
    let changed = change(
        &admin,
        "engaged",
        json!({"checklist": ["Meet the decision maker", "Agree on success"]}),
    );
    assert_eq!(changed.ok(200)["checklist"][1], "Agree on success");
    assert_eq!(
        changed.json["looks_like"],
        "Regular two-way conversations about a real need."
    );

    let checklist = server.get("/api/v1/contacts/1/checklist", Some(&viewer));
    assert_eq!(checklist.ok(200)["progress"], "0 of 2 steps done");
    assert_eq!(checklist.json["prospect_kind"], "new");
    let tick = |token: &str, contact: i64, body: serde_json::Value| {
        server.send(
            "POST",
            &format!("/api/v1/contacts/{contact}/checklist"),
            Some(token),
            body,
        )
    };
    tick(&viewer, 1, json!({"step": 1})).problem(403);
    let ticked = tick(&member, 1, json!({"step": 2}));
    assert_eq!(ticked.ok(200)["progress"], "1 of 2 steps done");
    assert_eq!(ticked.json["steps"][1]["done"], true);
    let unticked = tick(&member, 1, json!({"step": 2, "done": false}));
    assert_eq!(unticked.ok(200)["progress"], "0 of 2 steps done");
    let beyond = tick(&member, 1, json!({"step": 3}));
    assert!(
        beyond.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("steps 1 to 2, not 3")
    );
    server
        .get("/api/v1/contacts/2/checklist", Some(&viewer))
        .problem(409);
    tick(&member, 2, json!({"step": 1})).problem(409);
    server
        .get("/api/v1/contacts/99/checklist", Some(&viewer))
        .problem(404);
}

#[test]
fn playbooks_on_the_pages() {
    let (rapport, _, _, _) = book();
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |cookie: &str, path: &str| {
        let page = server.request("GET", path, &[("Cookie", cookie)], Body::Empty);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        page.text
    };
    let post = |cookie: &str, path: &str, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf_of(&get(cookie, "/settings"))));
        server.request("POST", path, &[("Cookie", cookie)], Body::Form(form))
    };

    let dana = get(&cookie, "/contacts/1");
    assert!(
        dana.contains("Playbook: engaged <span class=\"muted\">0 of 3 steps done</span>"),
        "{dana}"
    );
    assert!(
        dana.contains("Approach for a new prospect (suggested):"),
        "{dana}"
    );
    let ticked = post(
        &cookie,
        "/contacts/1/checklist",
        vec![
            ("step", "1".into()),
            ("done", "1".into()),
            ("back", "/contacts/1".into()),
        ],
    );
    assert_eq!(ticked.status, 303, "{}", ticked.text);
    assert_eq!(ticked.header("location"), Some("/contacts/1?ticked=1"));
    let dana = get(&cookie, "/contacts/1?ticked=1");
    assert!(
        dana.contains("Checklist updated for Dana Whitfield."),
        "{dana}"
    );
    assert!(dana.contains("1 of 3 steps done"));
    assert!(dana.contains("<li class=\"done\"><span class=\"mark\" aria-hidden=\"true\">✓</span> Meet the decision maker"), "{dana}");
    let nobody = get(&cookie, "/contacts/2");
    assert!(nobody.contains("No lifecycle stage yet"));

    let playbook = |looks_like: &str| {
        vec![
            ("looks_like", looks_like.to_owned()),
            (
                "checklist",
                "Meet the decision maker\r\n\r\n  Agree on success ".to_owned(),
            ),
            ("approach_new", "Explain how buying works".to_owned()),
            ("approach_seasoned", "Beat the incumbent".to_owned()),
        ]
    };
    let refused = post(&cookie, "/settings/playbooks/engaged", playbook("  "));
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text
            .contains("id=\"playbook.engaged.looks_like-error\">cannot be empty"),
        "{}",
        refused.text
    );
    let saved = post(
        &cookie,
        "/settings/playbooks/engaged",
        playbook("Real talks"),
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    let settings = get(&cookie, "/settings");
    assert!(settings.contains("engaged · 2 steps"), "{settings}");
    assert!(get(&cookie, "/contacts/1").contains("1 of 2 steps done"));

    let member = form_login(&server, "max@example.com");
    assert!(!get(&member, "/settings").contains("action=\"/settings/playbooks/engaged\""));
    assert_eq!(
        post(&member, "/settings/playbooks/engaged", playbook("Mine")).status,
        403
    );
}

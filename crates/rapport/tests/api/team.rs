//! The team model end to end: the audit log, private touches, reassigning a book, token
//! revocation, the acting user on the command line, and query parameters named in errors.

use serde_json::{Value, json};

use crate::server::{Server, TODAY, user_with_token};
use crate::support::Rapport;

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().unwrap()
}

fn user_id(server: &Server, token: &str) -> i64 {
    id_of(server.get("/api/v1/me", Some(token)).ok(200))
}

#[test]
fn the_audit_log_says_who_changed_what_and_from_what() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let bob_id = user_id(&server, &bob);
    let ann_id = user_id(&server, &ann);

    let created = server.send(
        "POST",
        "/api/v1/contacts",
        Some(&ann),
        json!({"name": "Dana Whitfield", "tier": "B", "notes": "met at the summit"}),
    );
    let id = id_of(created.ok(201));
    let path = format!("/api/v1/contacts/{id}");
    server
        .patch(
            &path,
            Some(&ann),
            created.etag.as_deref(),
            json!({"tier": "A"}),
        )
        .ok(200);
    server
        .call("POST", &format!("{path}/archive"), Some(&ann), None)
        .ok(200);
    server
        .call("POST", &format!("{path}/unarchive"), Some(&ann), None)
        .ok(200);
    server
        .send(
            "PUT",
            &format!("{path}/hold"),
            Some(&ann),
            json!({"until": "2027-03-01", "reason": "budget freeze"}),
        )
        .ok(200);
    server
        .send(
            "POST",
            &format!("/api/v1/users/{ann_id}/reassign"),
            Some(&ann),
            json!({"to": "bob@example.com"}),
        )
        .ok(200);
    server
        .send(
            "POST",
            &format!("{path}/touches"),
            Some(&bob),
            json!({"kind": "call", "summary": "introduced myself"}),
        )
        .ok(201);

    let log = server.get(&format!("/api/v1/audit?contact={id}"), Some(&ann));
    let entries = log.ok(200)["items"].as_array().unwrap().clone();
    let actions: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["entity"].as_str().unwrap(),
                e["actor_email"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("create", "touch", "bob@example.com"),
            ("reassign", "contact", "ann@example.com"),
            ("hold", "contact", "ann@example.com"),
            ("unarchive", "contact", "ann@example.com"),
            ("archive", "contact", "ann@example.com"),
            ("update", "contact", "ann@example.com"),
            ("create", "contact", "ann@example.com"),
        ],
        "newest first: {}",
        log.text
    );
    let changes = |entry: &Value| -> Vec<(String, Value, Value)> {
        entry["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["field"].as_str().unwrap().to_owned(),
                    c["before"].clone(),
                    c["after"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        changes(&entries[5]),
        [("tier".into(), json!("B"), json!("A"))]
    );
    assert_eq!(
        changes(&entries[4]),
        [("archived".into(), json!(false), json!(true))]
    );
    assert_eq!(
        changes(&entries[2]),
        [
            ("hold_reason".into(), Value::Null, json!("budget freeze")),
            ("hold_until".into(), Value::Null, json!("2027-03-01")),
        ]
    );
    assert_eq!(
        changes(&entries[1]),
        [("owner_id".into(), json!(ann_id), json!(bob_id))]
    );
    assert_eq!(entries[6]["before"], Value::Null);
    assert_eq!(entries[6]["after"]["notes"], "met at the summit");
    assert_eq!(entries[0]["after"]["summary"], "introduced myself");

    // Paging and filters.
    let first = server.get(&format!("/api/v1/audit?contact={id}&limit=4"), Some(&ann));
    let cursor = first.ok(200)["next_cursor"].as_str().unwrap().to_owned();
    let rest = server.get(
        &format!("/api/v1/audit?contact={id}&limit=4&cursor={cursor}"),
        Some(&ann),
    );
    assert_eq!(rest.ok(200)["items"].as_array().unwrap().len(), 3);
    assert_eq!(rest.json["next_cursor"], Value::Null);
    let bobs = server.get(&format!("/api/v1/audit?actor={bob_id}"), Some(&ann));
    assert_eq!(bobs.ok(200)["items"].as_array().unwrap().len(), 1);

    // Members cannot read it; bad filters name themselves.
    let refused = server.get("/api/v1/audit", Some(&bob));
    assert_eq!(
        refused.problem(403)["detail"],
        "only an admin may read the audit log"
    );
    let bad = server.get("/api/v1/audit?entity=spaceship&actor=x", Some(&ann));
    bad.problem(400);
    assert_eq!(bad.fields(), ["entity", "actor"]);

    // The command line shows the same log as a table, with a field-level diff.
    let table = rapport.ok(&["audit", "--contact", &id.to_string()]);
    assert!(table.contains("update contact"), "{table}");
    assert!(table.contains("tier: B → A"), "{table}");
    assert!(table.contains("owner_id:"), "{table}");
    assert!(table.contains("bob@example.com  create touch"), "{table}");
}

#[test]
fn private_touch_text_is_for_its_author_only() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let created = server.send(
        "POST",
        "/api/v1/contacts",
        Some(&ann),
        json!({"name": "Dana Whitfield"}),
    );
    let id = id_of(created.ok(201));
    let logged = server.send(
        "POST",
        &format!("/api/v1/contacts/{id}/touches"),
        Some(&bob),
        json!({"kind": "call", "at": "yesterday", "summary": "salary worries",
               "needs": "a new job", "next_approach": "ask about the offer", "private": true}),
    );
    let touch_id = logged.ok(201)["touch_id"].as_i64().unwrap();

    let seen_by = |token: &str| {
        let contact = server.get(&format!("/api/v1/contacts/{id}"), Some(token));
        contact.ok(200)["recent_touches"][0].clone()
    };
    let by_ann = seen_by(&ann);
    assert_eq!(by_ann["private"], true);
    assert_eq!(by_ann["kind"], "call");
    for field in ["summary", "needs", "next_approach"] {
        assert_eq!(by_ann[field], Value::Null, "{field} leaked: {by_ann}");
    }
    assert_eq!(seen_by(&bob)["summary"], "salary worries");
    let listed = server.get(&format!("/api/v1/contacts/{id}/touches"), Some(&ann));
    assert_eq!(listed.ok(200)["items"][0]["id"], touch_id);
    assert_eq!(listed.json["items"][0]["summary"], Value::Null);

    // The owner's agenda explains the schedule from the touch without its text.
    let agenda = server.get("/api/v1/agenda?days=366", Some(&ann));
    let entry = &agenda.ok(200)["entries"][0];
    assert_eq!(entry["last_touch"]["private"], true);
    assert_eq!(entry["last_touch"]["summary"], Value::Null);
    assert!(!agenda.text.contains("salary"), "{}", agenda.text);

    // The audit log, read by admins, keeps a marker instead of the text.
    let audit = server.get("/api/v1/audit?entity=touch", Some(&ann));
    assert_eq!(audit.ok(200)["items"][0]["after"]["summary"], "(private)");
    assert!(!audit.text.contains("salary"), "{}", audit.text);

    // The command line applies the same rule to whoever it acts as.
    let shown = rapport.ok(&["contact", "show", &id.to_string()]);
    assert!(shown.contains("call (outbound) [private]"), "{shown}");
    assert!(!shown.contains("salary"), "{shown}");
    let own = rapport.ok(&[
        "--as",
        "bob@example.com",
        "contact",
        "show",
        &id.to_string(),
    ]);
    assert!(own.contains("salary worries"), "{own}");
    let today = rapport.ok(&["--as", "ann@example.com", "agenda", "--days", "366"]);
    assert!(
        today.contains("[private]") && !today.contains("salary"),
        "{today}"
    );
    let logged = rapport.ok(&[
        "--as",
        "bob@example.com",
        "log",
        &id.to_string(),
        "--kind",
        "note",
        "--summary",
        "thinking of leaving",
        "--private",
    ]);
    assert!(logged.contains("Logged note"), "{logged}");
    let touches = server.get(&format!("/api/v1/contacts/{id}/touches"), Some(&ann));
    assert_eq!(touches.ok(200)["items"][0]["private"], true);
    assert!(!touches.text.contains("leaving"), "{}", touches.text);

    // The touch list pages, newest first.
    let path = format!("/api/v1/contacts/{id}/touches?limit=1");
    let first = server.get(&path, Some(&ann));
    let cursor = first.ok(200)["next_cursor"].as_str().unwrap().to_owned();
    let second = server.get(&format!("{path}&cursor={cursor}"), Some(&ann));
    assert_eq!(second.ok(200)["items"][0]["id"], touch_id);
    assert_eq!(second.json["next_cursor"], Value::Null);
}

#[test]
fn reassigning_a_leaving_sellers_book_keeps_every_cadence() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let carl = user_with_token(&rapport, "carl@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let bob_id = user_id(&server, &bob);
    let carl_id = user_id(&server, &carl);
    let mut ids = vec![];
    for (name, cadence) in [("Dana", "30d"), ("Sam", "3m")] {
        let created = server.send(
            "POST",
            "/api/v1/contacts",
            Some(&bob),
            json!({"name": name, "cadence": cadence}),
        );
        let id = id_of(created.ok(201));
        server
            .send(
                "POST",
                &format!("/api/v1/contacts/{id}/touches"),
                Some(&bob),
                json!({"kind": "call", "at": "2026-11-01T10:00"}),
            )
            .ok(201);
        ids.push(id);
    }
    let schedule = |id: i64| {
        let c = server.get(&format!("/api/v1/contacts/{id}"), Some(&ann));
        let c = c.ok(200);
        (
            c["cadence"].clone(),
            c["next_touch"]["on"].clone(),
            c["owner_id"].clone(),
        )
    };
    let before: Vec<_> = ids.iter().map(|id| schedule(*id)).collect();

    let refused = server.send(
        "POST",
        &format!("/api/v1/users/{bob_id}/reassign"),
        Some(&carl),
        json!({"to": carl_id}),
    );
    refused.problem(403);
    let unknown = server.send(
        "POST",
        &format!("/api/v1/users/{bob_id}/reassign"),
        Some(&ann),
        json!({"to": "nobody@example.com"}),
    );
    assert_eq!(unknown.problem(422)["errors"][0]["field"], "to");

    let moved = server.send(
        "POST",
        &format!("/api/v1/users/{bob_id}/reassign"),
        Some(&ann),
        json!({"to": "carl@example.com"}),
    );
    assert_eq!(moved.ok(200)["moved"], 2);
    for (id, (cadence, next, owner)) in ids.iter().zip(before) {
        let (cadence_now, next_now, owner_now) = schedule(*id);
        assert_eq!((cadence_now, next_now), (cadence, next), "contact {id}");
        assert_eq!((owner, owner_now), (json!(bob_id), json!(carl_id)));
    }
    let carls = server.get("/api/v1/agenda?days=366", Some(&carl));
    let names: Vec<&str> = carls.ok(200)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dana", "Sam"]);
    let for_admin = server.get(
        &format!("/api/v1/agenda?days=366&owner={carl_id}"),
        Some(&ann),
    );
    assert_eq!(for_admin.ok(200)["entries"].as_array().unwrap().len(), 2);
    let bobs = server.get("/api/v1/agenda?days=366", Some(&bob));
    assert_eq!(bobs.ok(200)["entries"], json!([]));

    // The command line does the same in one command, as an admin.
    let back = rapport.ok(&[
        "user",
        "reassign",
        "carl@example.com",
        "--to",
        "bob@example.com",
    ]);
    assert!(back.contains("Reassigned 2 contacts"), "{back}");
    rapport.fails(
        &[
            "--as",
            "carl@example.com",
            "user",
            "reassign",
            "bob@example.com",
            "--to",
            "carl@example.com",
        ],
        &["only an admin may reassign"],
    );
}

/// Sales-ready handoffs go to someone who can act on them: naming a viewer or a disabled user
/// nurture or sales owner is a 422 naming the field; a seller still named is not disabled
/// (409, saying to reassign); reassigning their book moves their nurture and sales
/// ownerships too, and says so.
#[test]
fn a_leaving_sellers_handoffs_go_to_whoever_takes_their_book() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let sam = user_with_token(&rapport, "sam@example.com", "member");
    let dan = user_with_token(&rapport, "dan@example.com", "member");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let (sam_id, dan_id, vic_id) = (
        user_id(&server, &sam),
        user_id(&server, &dan),
        user_id(&server, &vic),
    );
    let lena = id_of(
        server
            .send(
                "POST",
                "/api/v1/contacts",
                Some(&ann),
                json!({"name": "Lena"}),
            )
            .ok(201),
    );
    let nurture = format!("/api/v1/contacts/{lena}/nurture");
    let name = |body: Value| server.patch(&nurture, Some(&ann), None, body);

    for field in ["nurture_owner_id", "sales_owner_id"] {
        let viewer = name(json!({ field: vic_id }));
        let problem = viewer.problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{}", viewer.text);
        assert!(viewer.text.contains("is a viewer"), "{}", viewer.text);
    }
    name(json!({"sales_owner_id": sam_id})).ok(200);
    let user = |id: i64| format!("/api/v1/users/{id}");
    let refused = server.patch(&user(sam_id), Some(&ann), None, json!({"disabled": true}));
    assert!(
        refused.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains(
                "sam@example.com is the nurture or sales owner of 1 contact; reassign their book \
             first"
            )),
        "{}",
        refused.text
    );
    let demoted = server.patch(&user(sam_id), Some(&ann), None, json!({"role": "viewer"}));
    demoted.problem(409);

    let moved = server.send(
        "POST",
        &format!("/api/v1/users/{sam_id}/reassign"),
        Some(&ann),
        json!({"to": dan_id}),
    );
    assert_eq!(
        moved.ok(200).clone(),
        json!({"from": sam_id, "to": dan_id, "moved": 0, "nurture_owner_moved": 0,
               "sales_owner_moved": 1})
    );
    assert_eq!(
        server.get(&nurture, Some(&ann)).ok(200)["sales_owner_id"],
        dan_id
    );
    server
        .patch(&user(sam_id), Some(&ann), None, json!({"disabled": true}))
        .ok(200);
    let disabled = name(json!({"sales_owner_id": sam_id}));
    assert_eq!(
        disabled.problem(422)["errors"][0]["field"],
        "sales_owner_id",
        "{}",
        disabled.text
    );
    assert!(
        disabled
            .text
            .contains("is disabled, and a disabled user takes no sales-ready handoffs"),
        "{}",
        disabled.text
    );
}

#[test]
fn a_revoked_token_is_refused_at_once() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let tokens = server.get("/api/v1/tokens", Some(&bob));
    let mine = tokens.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1, "a member sees their own tokens only");
    assert!(
        !tokens.text.contains("hash") && !tokens.text.contains(&bob),
        "{}",
        tokens.text
    );
    let all = server.get("/api/v1/tokens", Some(&ann));
    assert_eq!(all.ok(200)["items"].as_array().unwrap().len(), 2);
    let anns = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["user_email"] == "ann@example.com")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    server
        .call(
            "DELETE",
            &format!("/api/v1/tokens/{anns}"),
            Some(&bob),
            None,
        )
        .problem(403);

    let bobs = id_of(&mine[0]);
    let revoked = server.call(
        "DELETE",
        &format!("/api/v1/tokens/{bobs}"),
        Some(&bob),
        None,
    );
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    server.get("/api/v1/me", Some(&bob)).problem(401);
    let listed = server.get("/api/v1/tokens", Some(&ann));
    assert!(listed.text.contains("\"revoked\":true"), "{}", listed.text);
    server
        .call("DELETE", "/api/v1/tokens/999", Some(&ann), None)
        .problem(404);

    // The command line lists and revokes too; the secret is never shown again.
    let listing = rapport.ok(&["token", "list"]);
    assert!(
        listing.contains("bob@example.com") && listing.contains("revoked"),
        "{listing}"
    );
    assert!(!listing.contains(&ann), "{listing}");
    let out = rapport.ok(&["token", "revoke", &anns.to_string()]);
    assert!(out.contains("Revoked token"), "{out}");
    server.get("/api/v1/me", Some(&ann)).problem(401);
}

#[test]
fn query_parameter_errors_name_the_parameter() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let server = Server::start(&rapport, TODAY);
    let id = id_of(
        server
            .send(
                "POST",
                "/api/v1/contacts",
                Some(&ann),
                json!({"name": "Dana"}),
            )
            .ok(201),
    );
    for (path, field) in [
        ("/api/v1/contacts?archived=maybe".to_owned(), "archived"),
        ("/api/v1/agenda?days=x".to_owned(), "days"),
        ("/api/v1/agenda?owner=someone".to_owned(), "owner"),
        (format!("/api/v1/contacts/{id}/touches?limit=0"), "limit"),
        (
            format!("/api/v1/contacts/{id}/touches?cursor=abc"),
            "cursor",
        ),
        (
            format!("/api/v1/contacts/{id}/follow-ups?all=perhaps"),
            "all",
        ),
        ("/api/v1/audit?entity_id=one".to_owned(), "entity_id"),
    ] {
        let reply = server.get(&path, Some(&ann));
        reply.problem(400);
        assert_eq!(reply.fields(), [field], "{path}: {}", reply.text);
    }
}

#[test]
fn users_set_their_own_time_zone_and_admins_the_defaults() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let bad = server.patch(
        "/api/v1/me",
        Some(&vic),
        None,
        json!({"time_zone": "Mars/Olympus"}),
    );
    assert_eq!(bad.problem(422)["errors"][0]["field"], "time_zone");
    let set = server.patch(
        "/api/v1/me",
        Some(&vic),
        None,
        json!({"time_zone": "Europe/Paris"}),
    );
    assert_eq!(set.ok(200)["time_zone"], "Europe/Paris");
    let cleared = server.patch("/api/v1/me", Some(&vic), None, json!({"time_zone": null}));
    assert_eq!(cleared.ok(200)["time_zone"], Value::Null);
    let users = server.get("/api/v1/users", Some(&vic));
    assert_eq!(users.ok(200)["items"].as_array().unwrap().len(), 3);

    let defaults = server.get("/api/v1/cadence-defaults", Some(&vic));
    assert_eq!(defaults.ok(200)["items"][0]["scope"], "fallback");
    let set = server.send(
        "PUT",
        "/api/v1/cadence-defaults/stage/engaged",
        Some(&ann),
        json!({"cadence": "2w"}),
    );
    assert_eq!(set.ok(200)["every"], "2w");
    let listed = server.get("/api/v1/cadence-defaults", Some(&ann));
    assert!(
        listed.text.contains("\"key\":\"engaged\""),
        "{}",
        listed.text
    );
    let wrong = server.send(
        "PUT",
        "/api/v1/cadence-defaults/tier/Z",
        Some(&ann),
        json!({"cadence": "nope"}),
    );
    wrong.problem(422);
    assert_eq!(wrong.fields(), ["scope", "cadence"]);
    let fallback = server.send(
        "PUT",
        "/api/v1/cadence-defaults/fallback/all",
        Some(&ann),
        json!({"cadence": null}),
    );
    assert_eq!(fallback.problem(422)["errors"][0]["field"], "cadence");
}

#[test]
fn the_command_line_acts_as_the_user_it_is_told() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "bob@example.com", "member");
    user_with_token(&rapport, "vic@example.com", "viewer");
    let dana = rapport.add("Dana Whitfield", &[]);
    rapport.fails(
        &["--as", "nobody@example.com", "today"],
        &["--as", "no user nobody@example.com"],
    );
    let bobs = rapport.json(&["--as", "bob@example.com", "contact", "add", "Sam Okoro"]);
    assert_eq!(bobs["owner_id"], 2);
    let today = rapport.ok(&["--as", "bob@example.com", "agenda", "--days", "7"]);
    assert!(
        today.contains("Sam Okoro") && !today.contains("Dana"),
        "{today}"
    );
    let listed = rapport.ok(&["contact", "list", "--owner", "bob@example.com"]);
    assert!(
        listed.contains("Sam Okoro") && !listed.contains("Dana"),
        "{listed}"
    );
    rapport.fails(
        &[
            "--as",
            "bob@example.com",
            "contact",
            "edit",
            &dana.to_string(),
            "--tier",
            "A",
        ],
        &["only the owner or an admin may change this contact"],
    );
    rapport.fails(
        &["--as", "vic@example.com", "log", "Sam", "--kind", "call"],
        &["a viewer can read but not change records"],
    );
    // Members log activity on anyone's contact; it is audited as theirs.
    rapport.ok(&[
        "--as",
        "bob@example.com",
        "log",
        &dana.to_string(),
        "--kind",
        "call",
    ]);
    let audit = rapport.json(&["audit", "--contact", &dana.to_string()]);
    assert_eq!(audit[0]["actor_email"], "bob@example.com");
    assert_eq!(audit[0]["entity"], "touch");
    rapport.fails(
        &["--as", "bob@example.com", "audit"],
        &["only an admin may read the audit log"],
    );
}

/// An admin changes another user's role, never their own: the team always keeps an admin,
/// and a viewer owns no contacts.
#[test]
fn an_admin_changes_other_users_roles_but_not_their_own() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (ann_id, bob_id) = (user_id(&server, &ann), user_id(&server, &bob));
    let role = |who: &str, id: i64, body: Value| {
        server.patch(&format!("/api/v1/users/{id}"), Some(who), None, body)
    };

    // A member or a viewer may not; a bad role or user is named.
    role(&bob, ann_id, json!({"role": "viewer"})).problem(403);
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    role(&vic, bob_id, json!({"role": "admin"})).problem(403);
    let bad = role(&ann, bob_id, json!({"role": "owner"}));
    assert_eq!(bad.problem(422)["errors"][0]["field"], "role");
    role(&ann, 999, json!({"role": "member"})).problem(404);
    // Not one's own.
    let own = role(&ann, ann_id, json!({"role": "member"}));
    assert!(
        own.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("your own role")),
        "{}",
        own.text
    );

    // Bob owns a contact: not a viewer until his book is reassigned.
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&bob),
            json!({"name": "Dana"}),
        )
        .ok(201);
    let owner = role(&ann, bob_id, json!({"role": "viewer"}));
    assert!(
        owner.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("bob@example.com owns 1 contact, and a viewer owns none")),
        "{}",
        owner.text
    );
    server
        .send(
            "POST",
            &format!("/api/v1/users/{bob_id}/reassign"),
            Some(&ann),
            json!({"to": ann_id}),
        )
        .ok(200);
    let demoted = role(&ann, bob_id, json!({"role": "viewer"}));
    assert_eq!(demoted.ok(200)["role"], "viewer");
    // At once: his token now only reads.
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&bob),
            json!({"name": "Sam"}),
        )
        .problem(403);

    // Ann, the only admin once the local owner (#1) is a member, stays one until another
    // admin changes her role; then she administers nothing.
    role(&ann, 1, json!({"role": "member"})).ok(200);
    role(&ann, bob_id, json!({"role": "admin"})).ok(200);
    role(&bob, ann_id, json!({"role": "member"})).ok(200);
    role(&ann, bob_id, json!({"role": "member"})).problem(403);
    let audit = server.get("/api/v1/audit?entity=user", Some(&bob));
    let changes: Vec<(Value, Value)> = audit.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "update")
        .map(|e| (e["before"]["role"].clone(), e["after"]["role"].clone()))
        .collect();
    assert_eq!(changes.len(), 4, "{}", audit.text);
    assert!(changes.contains(&(json!("admin"), json!("member"))));
}

/// A seller leaves: once their book is reassigned, an admin disables them, and from the next
/// request on their token, their session and their password let them in nowhere (the right
/// password is told it is disabled; a wrong one gets the usual answer). Nobody can hand them
/// contacts. Enabled again, they log in with their password; the old token stays revoked.
#[test]
fn a_disabled_user_is_refused_everywhere_until_enabled_again() {
    use crate::server::Body;
    use crate::sessions::{PASSWORD, log_in};

    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (ann_id, bob_id) = (user_id(&server, &ann), user_id(&server, &bob));
    let (_, cookie, _) = log_in(&server, "bob@example.com", PASSWORD);
    let agenda_by_cookie =
        || server.request("GET", "/api/v1/agenda", &[("Cookie", &cookie)], Body::Empty);
    agenda_by_cookie().ok(200);
    let dana = id_of(
        server
            .send(
                "POST",
                "/api/v1/contacts",
                Some(&bob),
                json!({"name": "Dana"}),
            )
            .ok(201),
    );
    let set =
        |body: Value| server.patch(&format!("/api/v1/users/{bob_id}"), Some(&ann), None, body);

    // Not while he owns Dana: his book goes first.
    let owner = set(json!({"disabled": true}));
    assert!(
        owner.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("owns 1 contact; reassign their book first")),
        "{}",
        owner.text
    );
    server.get("/api/v1/me", Some(&bob)).ok(200);
    server
        .send(
            "POST",
            &format!("/api/v1/users/{bob_id}/reassign"),
            Some(&ann),
            json!({"to": ann_id}),
        )
        .ok(200);
    let disabled = set(json!({"disabled": true}));
    assert_eq!(disabled.ok(200)["disabled"], true, "{}", disabled.text);
    assert!(
        disabled.json["disabled_at"].is_string(),
        "{}",
        disabled.text
    );

    // His token and his session are refused at once; his password logs in nowhere.
    server.get("/api/v1/me", Some(&bob)).problem(401);
    agenda_by_cookie().problem(401);
    let (right, right_cookie, _) = log_in(&server, "bob@example.com", PASSWORD);
    assert!(
        right.problem(403)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("disabled; ask an admin")),
        "{}",
        right.text
    );
    assert!(right_cookie.is_empty(), "no session for a disabled user");
    let (wrong, _, _) = log_in(&server, "bob@example.com", "not the password");
    let (unknown, _, _) = log_in(&server, "nobody@example.com", PASSWORD);
    assert_eq!(wrong.problem(401)["detail"], unknown.problem(401)["detail"]);
    let users = server.get("/api/v1/users", Some(&ann));
    let listed = users.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == bob_id)
        .unwrap()
        .clone();
    assert_eq!(listed["disabled"], true, "{}", users.text);

    // Nobody hands him contacts: the field says why.
    let contact = server.get(&format!("/api/v1/contacts/{dana}"), Some(&ann));
    let handed = server.patch(
        &format!("/api/v1/contacts/{dana}"),
        Some(&ann),
        contact.etag.as_deref(),
        json!({"owner": bob_id.to_string()}),
    );
    assert_eq!(handed.problem(422)["errors"][0]["field"], "owner");
    assert!(handed.text.contains("is disabled"), "{}", handed.text);
    let reassigned = server.send(
        "POST",
        &format!("/api/v1/users/{ann_id}/reassign"),
        Some(&ann),
        json!({"to": "bob@example.com"}),
    );
    assert_eq!(reassigned.problem(422)["errors"][0]["field"], "to");

    // Disabling him again changes nothing; enabling him lets his password in again, and
    // the token revoked when he was disabled stays revoked.
    set(json!({"disabled": true})).ok(200);
    let enabled = set(json!({"disabled": false}));
    assert_eq!(enabled.ok(200)["disabled"], false);
    assert_eq!(enabled.json["disabled_at"], Value::Null);
    let (again, again_cookie, _) = log_in(&server, "bob@example.com", PASSWORD);
    again.ok(200);
    server
        .request(
            "GET",
            "/api/v1/me",
            &[("Cookie", &again_cookie)],
            Body::Empty,
        )
        .ok(200);
    server.get("/api/v1/me", Some(&bob)).problem(401);

    // Both fields at once: one change, one audit row.
    let both = set(json!({"role": "viewer", "disabled": true}));
    assert_eq!(
        (both.ok(200)["role"].clone(), both.json["disabled"].clone()),
        (json!("viewer"), json!(true))
    );
    let audit = server.get(
        &format!("/api/v1/audit?entity=user&entity_id={bob_id}"),
        Some(&ann),
    );
    let changes: Vec<(Value, Value)> = audit.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "update")
        .map(|e| (e["before"].clone(), e["after"].clone()))
        .collect();
    // Each disabling says what it took away: the first his token, each his session then.
    let tokens = server.get("/api/v1/tokens", Some(&ann));
    let his_token = tokens.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["user_id"] == bob_id)
        .unwrap()["id"]
        .clone();
    assert_eq!(
        changes,
        [
            (
                json!({"role": "member", "disabled": false}),
                json!({"role": "viewer", "disabled": true, "revoked_tokens": [],
                       "sessions_ended": 1})
            ),
            (json!({"disabled": true}), json!({"disabled": false})),
            (
                json!({"disabled": false}),
                json!({"disabled": true, "revoked_tokens": [his_token], "sessions_ended": 1})
            ),
        ],
        "{}",
        audit.text
    );
}

/// `PATCH /api/v1/users/{id}` names what is wrong with its body, and who may not use it.
#[test]
fn disabling_a_user_over_the_api_names_what_is_wrong() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let (ann_id, bob_id) = (user_id(&server, &ann), user_id(&server, &bob));
    let patch = |who: &str, id: i64, body: Value| {
        server.patch(&format!("/api/v1/users/{id}"), Some(who), None, body)
    };

    let empty = patch(&ann, bob_id, json!({}));
    let problem = empty.problem(422);
    assert_eq!(problem["errors"][0]["field"], "body", "{}", empty.text);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("send role, disabled or both")),
        "{}",
        empty.text
    );
    let not_a_flag = patch(&ann, bob_id, json!({"disabled": "yes"}));
    assert_eq!(not_a_flag.problem(422)["errors"][0]["field"], "disabled");
    let unknown = patch(&ann, bob_id, json!({"disabled": true, "suspended": true}));
    unknown.problem(422);
    let bad_role = patch(&ann, bob_id, json!({"role": "owner", "disabled": true}));
    assert_eq!(bad_role.problem(422)["errors"][0]["field"], "role");
    patch(&bob, ann_id, json!({"disabled": true})).problem(403);
    patch(&ann, 999, json!({"disabled": true})).problem(404);
    let own = patch(&ann, ann_id, json!({"disabled": true}));
    assert!(
        own.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("another admin disables you")),
        "{}",
        own.text
    );
    // Refused requests changed nothing.
    for token in [&ann, &bob] {
        assert_eq!(
            server.get("/api/v1/me", Some(token)).ok(200)["disabled"],
            false
        );
    }
}

use serde_json::json;

use crate::server::{Server, TODAY, user_with_token, with_stdin};
use crate::support::Rapport;

#[test]
fn health_is_open_and_the_api_needs_a_token() {
    let rapport = Rapport::new();
    let server = Server::start(&rapport, TODAY);
    assert_eq!(server.get("/healthz", None).status, 200);
    assert_eq!(server.get("/readyz", None).status, 200);

    let missing = server.get("/api/v1/agenda", None);
    missing.problem(401);
    assert!(
        missing
            .request_id
            .as_deref()
            .is_some_and(|id| id.len() >= 32),
        "every answer carries its request id: {:?}",
        missing.request_id
    );
    let wrong = server.get("/api/v1/contacts", Some("rap_0000"));
    wrong.problem(401);
    let post = server.send("POST", "/api/v1/contacts", None, json!({"name": "Dana"}));
    post.problem(401);
    assert_eq!(
        server.get("/api/v1/nowhere", None).problem(404)["detail"],
        "no such route"
    );
}

#[test]
fn a_viewer_reads_but_cannot_write() {
    let rapport = Rapport::new();
    let admin = user_with_token(&rapport, "ann@example.com", "admin");
    let viewer = user_with_token(&rapport, "vic@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let created = server.send(
        "POST",
        "/api/v1/contacts",
        Some(&admin),
        json!({"name": "Dana Whitfield"}),
    );
    let id = created.ok(201)["id"].as_i64().unwrap();

    assert_eq!(server.get("/api/v1/contacts", Some(&viewer)).status, 200);
    assert_eq!(
        server
            .get(&format!("/api/v1/contacts/{id}"), Some(&viewer))
            .status,
        200
    );
    let writes = [
        (
            "POST",
            "/api/v1/contacts".to_owned(),
            Some(json!({"name": "Sam"})),
        ),
        (
            "POST",
            format!("/api/v1/contacts/{id}/touches"),
            Some(json!({"kind": "call"})),
        ),
        (
            "PUT",
            format!("/api/v1/contacts/{id}/hold"),
            Some(json!({"until": "2027-03-01", "reason": "budget"})),
        ),
        ("DELETE", format!("/api/v1/contacts/{id}/hold"), None),
        (
            "POST",
            format!("/api/v1/contacts/{id}/follow-ups"),
            Some(json!({"due": "friday", "text": "call"})),
        ),
        ("POST", "/api/v1/follow-ups/1/done".to_owned(), None),
        ("POST", format!("/api/v1/contacts/{id}/archive"), None),
    ];
    for (method, path, body) in writes {
        let reply = server.call(method, &path, Some(&viewer), body);
        reply.problem(403);
    }
    server
        .patch(
            &format!("/api/v1/contacts/{id}"),
            Some(&viewer),
            Some("\"1\""),
            json!({"tier": "B"}),
        )
        .problem(403);
    // Nothing the viewer tried landed.
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 1);
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM touches"), 0);

    // Nor is a contact given to a viewer, who could not log its touches: not one contact,
    // not a whole book.
    let handed = server.patch(
        &format!("/api/v1/contacts/{id}"),
        Some(&admin),
        Some("\"1\""),
        json!({"owner": "vic@example.com"}),
    );
    let problem = handed.problem(422);
    assert_eq!(handed.fields(), ["owner"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is a viewer, who cannot own contacts")),
        "{problem}"
    );
    let admin_id = server.get("/api/v1/me", Some(&admin)).ok(200)["id"].clone();
    let viewer_id = server.get("/api/v1/me", Some(&viewer)).ok(200)["id"].clone();
    let reassigned = server.send(
        "POST",
        &format!("/api/v1/users/{admin_id}/reassign"),
        Some(&admin),
        json!({"to": viewer_id}),
    );
    reassigned.problem(422);
    assert_eq!(reassigned.fields(), ["to"]);
    let owner = server.get(&format!("/api/v1/contacts/{id}"), Some(&admin));
    assert_eq!(owner.ok(200)["owner_id"], admin_id);
}

/// DESIGN.md's on-hold project, over HTTP: met at an event, on hold for three months, back on
/// the agenda on that day with the reason and the needs discussed.
#[test]
fn the_on_hold_project_comes_back_on_its_day() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let t = Some(token.as_str());

    let created = server.send(
        "POST",
        "/api/v1/contacts",
        t,
        json!({"name": "Dana Whitfield", "emails": ["dana@halcyon.example"],
               "organization": "Halcyon Freight", "tier": "A", "roles": ["prospect"]}),
    );
    let contact = created.ok(201);
    let id = contact["id"].as_i64().unwrap();
    assert_eq!(created.etag.as_deref(), Some("\"1\""));
    assert_eq!(contact["cadence"]["source"], "tier:A");
    assert_eq!(contact["next_touch"]["on"], TODAY);

    let touch = server.send(
        "POST",
        &format!("/api/v1/contacts/{id}/touches"),
        t,
        json!({"kind": "event", "summary": "Met at the logistics summit",
               "needs": "replace the dispatch system", "next_approach": "ask about the budget"}),
    );
    assert_eq!(touch.ok(201)["next_touch_on"], "2026-12-25");

    let held = server.send(
        "PUT",
        &format!("/api/v1/contacts/{id}/hold"),
        t,
        json!({"until": "2027-03-01", "reason": "project on hold until the new budget"}),
    );
    let held = held.ok(200);
    assert_eq!(held["next_touch_on"], "2027-03-01");
    assert_eq!(held["next_touch_source"], "hold");

    // A follow-up pulls the date in; done, the hold rules again.
    let follow_up = server.send(
        "POST",
        &format!("/api/v1/contacts/{id}/follow-ups"),
        t,
        json!({"due": "2026-12-04", "text": "send the case study"}),
    );
    let follow_up = follow_up.ok(201);
    assert_eq!(follow_up["next_touch_on"], "2026-12-04");
    let done = server.call(
        "POST",
        &format!("/api/v1/follow-ups/{}/done", follow_up["follow_up_id"]),
        t,
        None,
    );
    let done = done.ok(200);
    assert_eq!(done["follow_up"]["done"], true);
    assert_eq!(done["schedule"]["next_touch_on"], "2027-03-01");

    let week = server.get("/api/v1/agenda?days=7", t);
    assert_eq!(week.ok(200)["entries"], json!([]));
    let listed = server.get("/api/v1/contacts?tier=A", t);
    assert_eq!(listed.ok(200)["items"][0]["id"], id);
    let orgs = server.get("/api/v1/organizations", t);
    assert_eq!(orgs.ok(200)["items"][0]["name"], "Halcyon Freight");
    let org = server.send(
        "POST",
        "/api/v1/organizations",
        t,
        json!({"name": "Northwind", "domain": "Northwind.example", "tier": "B"}),
    );
    let org_id = org.ok(201)["id"].as_i64().unwrap();
    let shown = server.get(&format!("/api/v1/organizations/{org_id}"), t);
    assert_eq!(shown.ok(200)["domain"], "northwind.example");
    server
        .send(
            "POST",
            "/api/v1/organizations",
            t,
            json!({"name": "northwind"}),
        )
        .problem(409);
    server.get("/api/v1/organizations/999", t).problem(404);
    drop(server);

    // On the hold's day the contact is due, with the reason and the needs discussed.
    let later = Server::start(&rapport, "2027-03-01");
    let agenda = later.get("/api/v1/agenda", t);
    let agenda = agenda.ok(200);
    assert_eq!(agenda["today"], "2027-03-01");
    let entry = &agenda["entries"][0];
    assert_eq!(entry["contact_id"], id);
    assert_eq!(entry["section"], "today");
    assert!(
        entry["why"]
            .as_str()
            .unwrap()
            .contains("project on hold until the new budget"),
        "{entry}"
    );
    assert_eq!(entry["last_touch"]["needs"], "replace the dispatch system");

    // Logged on that day: the hold is lifted and the cadence continues.
    let touch = later.send(
        "POST",
        &format!("/api/v1/contacts/{id}/touches"),
        t,
        json!({"kind": "call", "summary": "budget landed"}),
    );
    assert_eq!(touch.ok(201)["next_touch_on"], "2027-03-31");
    let shown = later.get(&format!("/api/v1/contacts/{id}"), t);
    let shown = shown.ok(200);
    assert_eq!(shown["hold"], json!(null));
    assert_eq!(shown["recent_touches"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_input_is_a_problem_naming_each_field() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "admin");
    let server = Server::start(&rapport, TODAY);
    let t = Some(token.as_str());

    let bad = server.send(
        "POST",
        "/api/v1/contacts",
        t,
        json!({"name": " ", "emails": ["dana@halcyon.example", "nope"], "tier": "Z",
               "cadence": "0d", "roles": ["boss"], "phones": ["+1 555 0100", "call reception"]}),
    );
    let body = bad.problem(422);
    assert_eq!(body["type"], "urn:rapport:problem:validation");
    assert_eq!(
        bad.fields(),
        [
            "name",
            "emails[1]",
            "roles[0]",
            "phones[1]",
            "tier",
            "cadence"
        ]
    );
    assert!(bad.text.contains("unknown tier 'Z'"), "{}", bad.text);
    assert!(
        bad.text
            .contains("'call reception' is not a phone number: it has no digits"),
        "{}",
        bad.text
    );

    let unknown_field = server.send(
        "POST",
        "/api/v1/contacts",
        t,
        json!({"name": "X", "colour": "red"}),
    );
    unknown_field.problem(422);
    assert_eq!(unknown_field.fields(), ["colour"]);
    let missing = server.send("POST", "/api/v1/contacts", t, json!({"emails": []}));
    missing.problem(422);
    assert_eq!(missing.fields(), ["name"]);
    // A body is an object: the fields in order as an array are not taken for one.
    for (method, path, body) in [
        ("POST", "/api/v1/contacts", json!(["Dana"])),
        ("PUT", "/api/v1/cadence-defaults/tier/A", json!([null])),
    ] {
        let array = server.send(method, path, t, body);
        array.problem(422);
        assert!(
            array.text.contains("expected a JSON object"),
            "{}",
            array.text
        );
    }
    let defaults = server.get("/api/v1/cadence-defaults", t);
    let tier_a = defaults.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["scope"] == "tier" && d["key"] == "A")
        .cloned();
    assert_eq!(
        tier_a.map(|d| d["every"].clone()),
        Some(json!("30d")),
        "tier A keeps its default"
    );

    let id = server
        .send("POST", "/api/v1/contacts", t, json!({"name": "Dana"}))
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let touch = server.send(
        "POST",
        &format!("/api/v1/contacts/{id}/touches"),
        t,
        json!({"kind": "carrier pigeon", "at": "someday"}),
    );
    touch.problem(422);
    assert_eq!(touch.fields(), ["kind", "at"]);
    let phone = server.patch(
        &format!("/api/v1/contacts/{id}"),
        t,
        Some("\"1\""),
        json!({"add_phones": ["+1 555 0100", "555\u{0}0101"]}),
    );
    phone.problem(422);
    assert_eq!(phone.fields(), ["add_phones[1]"]);
    assert!(phone.text.contains("control character"), "{}", phone.text);
    let unchanged = server.get(&format!("/api/v1/contacts/{id}"), t);
    assert_eq!(
        unchanged.ok(200)["phones"],
        json!([]),
        "nothing half-written"
    );
    let hold = server.send(
        "PUT",
        &format!("/api/v1/contacts/{id}/hold"),
        t,
        json!({"until": "yesterday", "reason": ""}),
    );
    hold.problem(422);
    assert_eq!(hold.fields(), ["until", "reason"]);

    let days = server.get("/api/v1/agenda?days=many", t);
    days.problem(400);
    assert_eq!(days.fields(), ["days"]);
    let tier = server.get("/api/v1/contacts?tier=Q", t);
    tier.problem(400);
    assert_eq!(tier.fields(), ["tier"]);

    // The same email twice is a conflict naming the field; nothing about SQL leaks.
    let first = server.send(
        "POST",
        "/api/v1/contacts",
        t,
        json!({"name": "A", "emails": ["a@x.example"]}),
    );
    first.ok(201);
    let dup = server.send(
        "POST",
        "/api/v1/contacts",
        t,
        json!({"name": "B", "emails": ["a@x.example"]}),
    );
    dup.problem(409);
    assert_eq!(dup.fields(), ["emails"]);
    assert!(!dup.text.to_lowercase().contains("sql"), "{}", dup.text);

    // Too large a body is refused before it is read.
    let huge = "x".repeat(100 * 1024);
    let big = server.send("POST", "/api/v1/contacts", t, json!({"name": huge}));
    big.problem(413);
}

#[test]
fn unknown_records_are_404_problems() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "admin");
    let server = Server::start(&rapport, TODAY);
    let t = Some(token.as_str());
    let missing = server.get("/api/v1/contacts/4242", t);
    assert!(
        missing.problem(404)["detail"]
            .as_str()
            .unwrap()
            .contains("4242"),
        "{}",
        missing.text
    );
    server
        .send(
            "POST",
            "/api/v1/contacts/4242/touches",
            t,
            json!({"kind": "call"}),
        )
        .problem(404);
    server
        .call("POST", "/api/v1/follow-ups/4242/done", t, None)
        .problem(404);
    server.get("/api/v1/contacts/abc", t).problem(400);
}

#[test]
fn the_openapi_document_describes_every_route() {
    let rapport = Rapport::new();
    let server = Server::start(&rapport, TODAY);
    let doc = server.get("/api/openapi.json", None);
    let doc = doc.ok(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/agenda",
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/{id}/touches",
        "/api/v1/contacts/{id}/hold",
        "/api/v1/contacts/{id}/follow-ups",
        "/api/v1/follow-ups/{id}/done",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/contacts/{id}/archive",
        "/api/v1/contacts/{id}/unarchive",
        "/api/v1/contacts/{id}/cadence",
        "/api/v1/users",
        "/api/v1/users/{id}/reassign",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/cadence-defaults",
        "/api/v1/cadence-defaults/{scope}/{key}",
        "/api/v1/audit",
        "/api/v1/export",
        "/api/v1/icp/criteria",
        "/api/v1/icp/criteria/{id}",
        "/api/v1/contacts/{id}/fit",
        "/api/v1/organizations/{id}/fit",
    ] {
        assert!(paths.contains(&path), "{path} not in {paths:?}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ContactView"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["paths"]["/api/v1/contacts/{id}"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/organizations/{id}"]["patch"].is_object());
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let rapport = Rapport::new();
    let server = Server::start(&rapport, TODAY);
    assert!(server.terminate(), "serve should exit 0 on SIGTERM");
}

/// The signal handlers are in place before the address is announced: a SIGTERM sent the moment
/// a script learns the address is a graceful stop, not a kill.
#[test]
fn sigterm_right_after_the_address_is_still_graceful() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let rapport = Rapport::new();
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["--db", rapport.db.url(), "serve", "--bind", "127.0.0.1:0"])
            .env_remove("RAPPORT_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("listening on "), "{first}");
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        assert!(status.success(), "killed instead of stopped: {status}");
    }
}

#[test]
fn users_and_tokens_keep_no_secret_in_the_clear() {
    let rapport = Rapport::new();
    let short = with_stdin(
        &rapport,
        "short\n",
        &["user", "add", "ann@example.com", "--role", "admin"],
    );
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    let role = with_stdin(
        &rapport,
        "a long enough password\n",
        &["user", "add", "x@example.com", "--role", "boss"],
    );
    assert!(String::from_utf8_lossy(&role.stderr).contains("--role: unknown user role 'boss'"));

    let token = user_with_token(&rapport, "ann@example.com", "admin");
    assert!(token.starts_with("rap_") && token.len() == 68, "{token}");
    rapport.fails(
        &["token", "create", "--user", "nobody@example.com"],
        &["no user nobody@example.com"],
    );
    let dup = with_stdin(
        &rapport,
        "a long enough password\n",
        &["user", "add", "ann@example.com"],
    );
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let users = rapport.json(&["user", "list"]);
    let ann = &users.as_array().unwrap()[1];
    assert_eq!(ann["email"], "ann@example.com");
    assert_eq!(ann["role"], "admin");
    assert_eq!(ann["has_password"], true);
    assert!(!users.to_string().contains("argon2"), "{users}");

    // Only hashes are stored: an argon2id PHC string and the token's SHA-256.
    assert_eq!(
        rapport
            .db
            .count("SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'"),
        1
    );
    assert_eq!(
        rapport.db.count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{}'",
            rapport_server_hash(&token)
        )),
        1
    );
    assert_eq!(
        rapport.db.count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE '%{}%'",
            &token[4..]
        )),
        0
    );
}

fn rapport_server_hash(token: &str) -> String {
    rapport_server::auth::token_hash(token)
}

/// Two people edit the same contact: the second, holding a stale version, gets 412 and
/// nothing of theirs lands. An edit that names no version is refused (428).
#[test]
fn a_stale_edit_is_refused_never_lost() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let t = Some(token.as_str());
    let id = server
        .send(
            "POST",
            "/api/v1/contacts",
            t,
            json!({"name": "Dana", "tier": "A", "title": "CTO"}),
        )
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/contacts/{id}");
    let read = server.get(&path, t);
    assert_eq!(read.ok(200)["version"], 1);
    assert_eq!(read.etag.as_deref(), Some("\"1\""));

    let first = server.patch(
        &path,
        t,
        Some("\"1\""),
        json!({"tier": "C", "title": null, "add_tags": ["fleet"]}),
    );
    let first_body = first.ok(200);
    assert_eq!(first_body["tier"], "C");
    assert_eq!(first_body["title"], json!(null));
    assert_eq!(first_body["tags"], json!(["fleet"]));
    assert_eq!(first_body["cadence"]["every"], "3m");
    assert_eq!(first.etag.as_deref(), Some("\"2\""));

    let second = server.patch(&path, t, Some("\"1\""), json!({"tier": "B"}));
    assert!(
        second.problem(412)["detail"]
            .as_str()
            .unwrap()
            .contains("now at 2"),
        "{}",
        second.text
    );
    server
        .patch(&path, t, None, json!({"tier": "B"}))
        .problem(428);
    let garbage = server.patch(&path, t, Some("yesterday"), json!({"tier": "B"}));
    garbage.problem(400);
    assert_eq!(garbage.fields(), ["If-Match"]);
    let bad = server.patch(
        &path,
        t,
        Some("\"2\""),
        json!({"tier": "Z", "add_emails": ["x"]}),
    );
    bad.problem(422);
    assert_eq!(bad.fields(), ["tier", "add_emails[0]"]);

    let after = server.get(&path, t);
    assert_eq!(after.ok(200)["tier"], "C", "the stale edit changed nothing");
    assert_eq!(after.json["version"], 2);
    // An edit repeating what the contact holds changes nothing, not even the version: a
    // colleague who read version 2 may still edit.
    for repeat in [json!({}), json!({"tier": "C", "add_tags": ["fleet"]})] {
        let same = server.patch(&path, t, Some("\"2\""), repeat);
        assert_eq!(same.ok(200)["version"], 2);
        assert_eq!(same.etag.as_deref(), Some("\"2\""));
    }
    server
        .patch(
            "/api/v1/contacts/4242",
            t,
            Some("\"1\""),
            json!({"tier": "B"}),
        )
        .problem(404);

    // Archived: off the list and closed to new activity; back: on its cycle again.
    let archived = server.call("POST", &format!("{path}/archive"), t, None);
    assert_eq!(archived.ok(200)["archived"], true);
    assert_eq!(archived.etag.as_deref(), Some("\"3\""));
    assert_eq!(
        server.get("/api/v1/contacts", t).ok(200)["items"],
        json!([])
    );
    let touch = server.send(
        "POST",
        &format!("{path}/touches"),
        t,
        json!({"kind": "call"}),
    );
    touch.problem(409);
    let back = server.call("POST", &format!("{path}/unarchive"), t, None);
    assert_eq!(back.ok(200)["archived"], false);
}

/// Lists come a page at a time, in name order, and filter by owner.
#[test]
fn contact_lists_page_with_cursors_and_filter_by_owner() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "member");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    for name in ["Erin", "alice", "Dana", "Carol", "bea"] {
        server
            .send(
                "POST",
                "/api/v1/contacts",
                Some(&ann),
                json!({"name": name}),
            )
            .ok(201);
    }
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&bob),
            json!({"name": "Bob's own"}),
        )
        .ok(201);

    let mut names = vec![];
    let mut path = "/api/v1/contacts?owner=me&limit=2".to_owned();
    loop {
        let page = server.get(&path, Some(&ann));
        let page = page.ok(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        names.extend(items.iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/contacts?owner=me&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["alice", "bea", "Carol", "Dana", "Erin"]);

    let everyone = server.get("/api/v1/contacts", Some(&ann));
    assert_eq!(everyone.ok(200)["items"].as_array().unwrap().len(), 6);
    assert_eq!(everyone.json["next_cursor"], json!(null));
    let bobs = server.get("/api/v1/contacts?owner=me", Some(&bob));
    assert_eq!(bobs.ok(200)["items"][0]["name"], "Bob's own");
    let bad = server.get("/api/v1/contacts?owner=someone&cursor=x", Some(&bob));
    bad.problem(400);
    assert_eq!(bad.fields(), ["owner", "cursor"]);
    // A cursor naming no contact is refused, not answered with an empty last page.
    let gone = server.get("/api/v1/contacts?cursor=9999", Some(&ann));
    gone.problem(400);
    assert_eq!(gone.fields(), ["cursor"]);
    assert!(
        gone.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no contact #9999")),
        "{}",
        gone.json
    );
}

/// Many edits of one version at once: exactly one lands, every other is a 412.
#[test]
fn concurrent_edits_of_one_version_land_once() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let id = server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&token),
            json!({"name": "Dana"}),
        )
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/contacts/{id}");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (server, token, path) = (&server, &token, &path);
                scope.spawn(move || {
                    server
                        .patch(
                            path,
                            Some(token),
                            Some("\"1\""),
                            json!({"add_tags": [format!("t{i}")]}),
                        )
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        7,
        "{statuses:?}"
    );
    let after = server.get(&path, Some(&token));
    assert_eq!(after.ok(200)["version"], 2);
    assert_eq!(after.json["tags"].as_array().unwrap().len(), 1);
}

/// The server keeps nothing of its own: two instances on one database see each other's
/// writes at once.
#[test]
fn two_instances_share_one_database() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "member");
    let one = Server::start(&rapport, TODAY);
    let two = Server::start(&rapport, TODAY);
    assert_ne!(one.base, two.base);
    let id = one
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&token),
            json!({"name": "Dana", "tier": "A"}),
        )
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    // Both instances answer (and may keep) the agenda before the next write.
    for server in [&one, &two] {
        let agenda = server.get("/api/v1/agenda", Some(&token));
        assert_eq!(agenda.ok(200)["entries"][0]["tier"], "A");
    }
    let read = two.get(&format!("/api/v1/contacts/{id}"), Some(&token));
    assert_eq!(read.ok(200)["name"], "Dana");
    let etag = read.etag.clone().unwrap();
    two.patch(
        &format!("/api/v1/contacts/{id}"),
        Some(&token),
        Some(&etag),
        json!({"tier": "B"}),
    )
    .ok(200);
    // The first instance still holds the old version: its edit is refused.
    one.patch(
        &format!("/api/v1/contacts/{id}"),
        Some(&token),
        Some(&etag),
        json!({"tier": "C"}),
    )
    .problem(412);
    // The first instance's agenda shows the second's write at once, though it answered the
    // same agenda a moment ago.
    assert_eq!(
        one.get("/api/v1/agenda", Some(&token)).ok(200)["entries"][0]["tier"],
        "B"
    );
    two.send(
        "POST",
        &format!("/api/v1/contacts/{id}/touches"),
        Some(&token),
        json!({"kind": "call", "summary": "Caught up"}),
    )
    .ok(201);
    let after = one.get("/api/v1/agenda", Some(&token));
    assert_eq!(after.ok(200)["counts"]["today"], 0, "{}", after.text);
    assert!(after.json["entries"].as_array().unwrap().is_empty());
}

/// A write another transaction blocks for too long is a 503 problem with `Retry-After`, saves
/// nothing, and lands when sent again: on SQLite the server's busy timeout runs out, on
/// PostgreSQL the `lock_timeout` the database URL gives the server's sessions.
#[test]
fn a_blocked_write_is_a_503_to_retry_and_saves_nothing() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "admin");
    let url = rapport.db.url();
    let url = if rapport.db.is_sqlite() {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}options=-c%20lock_timeout%3D1000")
    };
    let server = Server::start_on(&url, TODAY);
    let paris = json!({"time_zone": "Europe/Paris"});
    let blocked = rapport
        .db
        .while_locked("SELECT id FROM users FOR UPDATE", || {
            server.patch("/api/v1/me", Some(&token), None, paris.clone())
        });
    let problem = blocked.problem(503);
    assert_eq!(problem["type"], "urn:rapport:problem:busy", "{problem}");
    assert_eq!(blocked.header("retry-after"), Some("1"));
    let me = server.get("/api/v1/me", Some(&token));
    assert_eq!(me.ok(200)["time_zone"], serde_json::Value::Null);

    let retried = server.patch("/api/v1/me", Some(&token), None, paris);
    assert_eq!(retried.ok(200)["time_zone"], "Europe/Paris");
}

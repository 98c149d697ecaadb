//! The web pages over HTTP (the browser suite in tests/browser drives them in Chromium):
//! login by form, pages behind the session, CSRF on every form, security headers.

use crate::server::{Body, Reply, Server, TODAY, user_with_token};
use crate::sessions::PASSWORD;
use crate::support::{Rapport, s};

/// Logs in through the form; returns the `Cookie` header.
pub(crate) fn form_login(server: &Server, email: &str) -> String {
    let reply = post_login(server, email, PASSWORD);
    assert_eq!(reply.status, 303, "{}", reply.text);
    assert_eq!(reply.header("location"), Some("/"));
    reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

/// Opens the login page as a browser does, then sends its form back with `email` and
/// `password` (and the page's token and cookie).
fn post_login(server: &Server, email: &str, password: &str) -> Reply {
    let page = server.request("GET", "/login", &[], Body::Empty);
    let cookie = page
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("the login page sets its form's cookie")
        .to_owned();
    server.request(
        "POST",
        "/login",
        &[("Cookie", &cookie)],
        Body::Form(vec![
            ("csrf", csrf_of(&page.text)),
            ("email", email.to_owned()),
            ("password", password.to_owned()),
            ("next", "/".to_owned()),
        ]),
    )
}

/// The CSRF token a page's forms carry.
pub(crate) fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

#[test]
fn pages_need_a_login_and_forms_need_the_csrf_token() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "admin");
    rapport.ok(&["contact", "add", "Dana Whitfield", "--tier", "A"]);
    let server = Server::start(&rapport, TODAY);

    let anonymous = server.request("GET", "/contacts/1", &[], Body::Empty);
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.header("location"),
        Some("/login?next=/contacts/1")
    );
    let login = server.request("GET", "/login", &[], Body::Empty);
    assert_eq!(login.status, 200);
    assert!(
        login
            .text
            .contains("<form method=\"post\" action=\"/login\"")
    );
    assert_eq!(
        login.header("content-security-policy"),
        Some(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'"
        )
    );
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));

    // A form posted from elsewhere, without the login page's token and cookie, is refused
    // before the password is even looked at.
    let forged = server.request(
        "POST",
        "/login",
        &[],
        Body::Form(vec![
            ("email", "ann@example.com".to_owned()),
            ("password", PASSWORD.to_owned()),
        ]),
    );
    assert_eq!(forged.status, 403, "{}", forged.text);
    assert!(forged.header("set-cookie").is_none());
    assert!(
        forged.text.contains("this form is stale"),
        "{}",
        forged.text
    );

    let bad = post_login(&server, "ann@example.com", "wrong");
    assert_eq!(bad.status, 401);
    assert!(
        bad.text.contains("the email or the password is not right"),
        "{}",
        bad.text
    );

    let cookie = form_login(&server, "ann@example.com");
    let page = server.request("GET", "/contacts/1", &[("Cookie", &cookie)], Body::Empty);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Dana Whitfield"));
    let csrf = csrf_of(&page.text);

    let hold = |csrf: Option<&str>| {
        let mut form = vec![
            ("until", "2027-03-01".to_owned()),
            ("reason", "budget".to_owned()),
            ("back", "/contacts/1".to_owned()),
        ];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf.to_owned()));
        }
        server.request(
            "POST",
            "/contacts/1/hold",
            &[("Cookie", &cookie)],
            Body::Form(form),
        )
    };
    assert_eq!(hold(None).status, 403);
    assert_eq!(hold(Some("0000")).status, 403);
    let held = hold(Some(&csrf));
    assert_eq!(held.status, 303, "{}", held.text);
    assert_eq!(held.header("location"), Some("/contacts/1?held=1"));
    let after = server.request(
        "GET",
        "/contacts/1?held=1",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert!(
        after
            .text
            .contains("Put on hold: Dana Whitfield. Next touch: Mon 1 Mar 2027"),
        "{}",
        after.text
    );
}

#[test]
fn a_bad_form_is_answered_with_the_error_next_to_its_field() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    rapport.ok(&["contact", "add", "Dana Whitfield"]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let page = server.request("GET", "/", &[("Cookie", &cookie)], Body::Empty);
    let csrf = csrf_of(&page.text);
    let reply = server.request(
        "POST",
        "/contacts/1/hold",
        &[("Cookie", &cookie)],
        Body::Form(vec![
            ("csrf", csrf),
            ("until", "2020-01-01".to_owned()),
            ("reason", " ".to_owned()),
        ]),
    );
    assert_eq!(reply.status, 422);
    assert!(
        reply.text.contains("id=\"hold-until-error\""),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("a hold must end after today"));
    assert!(reply.text.contains("id=\"hold-reason-error\""));
}

#[test]
fn contacts_are_added_and_their_details_edited_on_the_web() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    rapport.ok(&[
        "contact",
        "add",
        "Other Person",
        "--email",
        "taken@acme.example",
    ]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let page = server.request("GET", "/contacts/new", &[("Cookie", &cookie)], Body::Empty);
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"new-contact\""), "{}", page.text);
    let csrf = csrf_of(&page.text);
    let form = |fields: &[(&'static str, &str)]| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        Body::Form(form)
    };
    let dana = [
        ("name", "Dana Whitfield"),
        ("title", "COO"),
        ("organization", "Acme Logistics"),
        ("tier", "B"),
        ("emails", "dana@acme.example\r\n"),
        ("phones", "+44 20 7946 0958\r\ncall reception"),
        ("tags", "retreat, logistics"),
        ("notes", "Met at the retreat"),
        ("cycle", "6w"),
    ];

    // A bad value: the page again, the error beside its field, what was typed kept.
    let refused = server.request("POST", "/contacts", &[("Cookie", &cookie)], form(&dana));
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"new-phones-error\""),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("&#39;call reception&#39; is not a phone number")
    );
    assert!(refused.text.contains("Met at the retreat"));
    assert_eq!(
        rapport.json(&["contact", "list"]).as_array().unwrap().len(),
        1
    );

    let mut fixed = dana;
    fixed[5].1 = "+44 20 7946 0958";
    let added = server.request("POST", "/contacts", &[("Cookie", &cookie)], form(&fixed));
    assert_eq!(added.status, 303, "{}", added.text);
    assert_eq!(added.header("location"), Some("/contacts/2?added=2"));
    let shown = rapport.show("2");
    assert_eq!(shown["name"], "Dana Whitfield");
    assert_eq!(shown["organization"]["name"], "Acme Logistics");
    assert_eq!(shown["tier"], "B");
    assert_eq!(shown["phones"], serde_json::json!(["+44 20 7946 0958"]));
    assert_eq!(shown["tags"], serde_json::json!(["logistics", "retreat"]));
    assert_eq!(
        (s(&shown["cadence"]["every"]), &shown["cadence_is_own"]),
        ("6w", &serde_json::json!(true))
    );
    let page = server.request(
        "GET",
        "/contacts/2?added=2",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert!(page.text.contains("Added Dana Whitfield."), "{}", page.text);

    // The details form holds what the contact has, and what each box held (`was_*`): the
    // boxes the user changed are saved, what they took out is removed.
    assert!(page.text.contains("id=\"edit-details\""));
    assert!(
        page.text.contains(">dana@acme.example</textarea>"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("name=\"was_tags\" value=\"logistics, retreat\"")
    );
    let was = [
        ("was_name", "Dana Whitfield"),
        ("was_title", "COO"),
        ("was_organization", "Acme Logistics"),
        ("was_tier", "B"),
        ("was_emails", "dana@acme.example"),
        ("was_phones", "+44 20 7946 0958"),
        ("was_tags", "logistics, retreat"),
        ("was_notes", "Met at the retreat"),
        ("was_cycle", "6w"),
    ];
    let edit = |boxes: &[(&'static str, &str)]| {
        let mut sent = was.to_vec();
        sent.extend_from_slice(boxes);
        sent.push(("back", "/contacts/2"));
        server.request(
            "POST",
            "/contacts/2/details",
            &[("Cookie", &cookie)],
            form(&sent),
        )
    };
    let cleared = [
        ("name", "Dana Whitfield"),
        ("title", ""),
        ("organization", "Acme Logistics"),
        ("tier", ""),
        ("emails", "dana.w@acme.example\r\ndana.w@acme.example"),
        ("phones", "020 7946 0958\r\n+1 555 0100"),
        ("tags", "logistics, board"),
        ("notes", ""),
        ("cycle", ""),
    ];
    let mut bad_cycle = cleared;
    bad_cycle[8].1 = "every so often";
    let edited = edit(&bad_cycle);
    assert_eq!(edited.status, 422);
    assert!(
        edited.text.contains("id=\"details-cycle-error\"")
            && edited
                .text
                .contains("invalid cadence &#39;every so often&#39;: expected a number and a unit"),
        "{}",
        edited.text
    );
    assert_eq!(rapport.show("2")["title"], "COO", "nothing half-written");
    let edited = edit(&cleared);
    assert_eq!(edited.status, 303, "{}", edited.text);
    let shown = rapport.show("2");
    assert!(shown["title"].is_null() && shown["tier"].is_null() && shown["notes"].is_null());
    assert_eq!(shown["emails"], serde_json::json!(["dana.w@acme.example"]));
    assert_eq!(
        shown["phones"],
        serde_json::json!(["020 7946 0958", "+1 555 0100"]),
        "a new spelling replaces the old one"
    );
    assert_eq!(shown["tags"], serde_json::json!(["board", "logistics"]));
    assert_eq!(
        shown["cadence_is_own"], false,
        "a blank cycle is the default's"
    );

    // What the boxes cannot show faithfully stays as it is when they are not changed: a note's
    // line breaks (sent back as CRLF), a tag with a comma in it; and what someone else
    // changed meanwhile in another box (an email, a touch) is not undone.
    rapport.ok(&[
        "contact",
        "edit",
        "dana",
        "--notes",
        "line one\nline two",
        "--tag",
        "vip, emea",
    ]);
    let page = server.request("GET", "/contacts/2", &[("Cookie", &cookie)], Body::Empty);
    assert!(
        page.text
            .contains("name=\"was_tags\" value=\"board, logistics, vip, emea\"")
    );
    rapport.ok(&[
        "contact",
        "edit",
        "dana",
        "--add-email",
        "dana@home.example",
    ]);
    rapport.ok(&["log", "dana", "--kind", "call"]);
    let was = [
        ("was_name", "Dana Whitfield"),
        ("was_title", ""),
        ("was_organization", "Acme Logistics"),
        ("was_tier", ""),
        ("was_emails", "dana.w@acme.example"),
        ("was_phones", "020 7946 0958\n+1 555 0100"),
        ("was_tags", "board, logistics, vip, emea"),
        ("was_notes", "line one\nline two"),
        ("was_cycle", ""),
    ];
    let unchanged = [
        ("name", "Dana Whitfield"),
        ("title", "VP Operations"),
        ("organization", "Acme Logistics"),
        ("tier", "A"),
        ("emails", "dana.w@acme.example"),
        ("phones", "020 7946 0958\r\n+1 555 0100"),
        ("tags", "board, logistics, vip, emea"),
        ("notes", "line one\r\nline two"),
        ("cycle", "2w"),
    ];
    let mut sent = was.to_vec();
    sent.extend_from_slice(&unchanged);
    let saved = server.request(
        "POST",
        "/contacts/2/details",
        &[("Cookie", &cookie)],
        form(&sent),
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    let shown = rapport.show("2");
    assert_eq!(
        (s(&shown["title"]), s(&shown["tier"])),
        ("VP Operations", "A")
    );
    assert_eq!(s(&shown["cadence"]["description"]), "every 2 weeks");
    assert_eq!(shown["notes"], "line one\nline two");
    assert_eq!(
        shown["tags"],
        serde_json::json!(["board", "logistics", "vip, emea"])
    );
    assert_eq!(
        shown["emails"],
        serde_json::json!(["dana.w@acme.example", "dana@home.example"])
    );

    // A box someone else changed too: refused beside it, saying what it holds now, with what
    // the user typed kept; nothing saved.
    rapport.ok(&["contact", "edit", "dana", "--title", "COO again"]);
    let mut sent = was.to_vec();
    sent.extend_from_slice(&[
        ("name", "Dana Whitfield"),
        ("title", "Chief of Staff"),
        ("tier", "C"),
    ]);
    let clash = server.request(
        "POST",
        "/contacts/2/details",
        &[("Cookie", &cookie)],
        form(&sent),
    );
    assert_eq!(clash.status, 422);
    assert!(
        clash.text.contains("id=\"details-title-error\""),
        "{}",
        clash.text
    );
    assert!(
        clash.text.contains("it is now &#39;COO again&#39;"),
        "{}",
        clash.text
    );
    assert!(clash.text.contains("value=\"Chief of Staff\""));
    assert_eq!(s(&rapport.show("2")["tier"]), "A", "nothing half-written");

    // Another contact's email: refused beside the field, nothing changed.
    let now = [
        ("name", "Dana Whitfield"),
        ("title", "COO again"),
        ("organization", "Acme Logistics"),
        ("tier", "A"),
        ("emails", "dana.w@acme.example\ndana@home.example"),
        ("phones", "020 7946 0958\n+1 555 0100"),
        ("tags", "board, logistics, vip, emea"),
        ("notes", "line one\nline two"),
        ("cycle", "2w"),
    ];
    // The form as a page made now would send it, with some boxes typed over.
    let typed_over = |typed: &[(&str, &'static str)]| {
        let mut sent: Vec<(&'static str, &'static str)> = Vec::new();
        for ((name, text), (was, _)) in now.iter().zip(was) {
            let over = typed.iter().find(|(box_name, _)| box_name == name);
            sent.extend([(*name, over.map_or(*text, |(_, t)| *t)), (was, *text)]);
        }
        sent
    };
    let save = |sent: &[(&'static str, &str)]| {
        server.request(
            "POST",
            "/contacts/2/details",
            &[("Cookie", &cookie)],
            form(sent),
        )
    };
    let taken = save(&typed_over(&[
        ("name", "Dana W."),
        ("emails", "taken@acme.example"),
    ]));
    assert_eq!(taken.status, 422);
    assert!(
        taken.text.contains("id=\"details-emails-error\""),
        "{}",
        taken.text
    );
    assert!(taken.text.contains("already belongs to contact #1"));
    assert_eq!(rapport.show("2")["name"], "Dana Whitfield");

    // After a refusal, the boxes the user did not change show what they hold now (here a
    // title set by someone else after the page was made), so saving the page again keeps it.
    rapport.ok(&["contact", "edit", "dana", "--title", "Chief of Ops"]);
    let refused = save(&typed_over(&[("emails", "not-an-email")]));
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"details-emails-error\""),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("name=\"title\" autocomplete=\"off\" value=\"Chief of Ops\"")
    );
    assert!(
        refused
            .text
            .contains("name=\"was_title\" value=\"Chief of Ops\"")
    );
    assert!(refused.text.contains(">not-an-email</textarea>"));
    assert!(
        refused
            .text
            .contains("name=\"was_emails\" value=\"dana.w@acme.example\ndana@home.example\"")
    );

    // A form from a page made before the boxes carried what they held: refused, not applied.
    let old = save(&[("name", "Dana X"), ("version", "1")]);
    assert_eq!(old.status, 422);
    assert!(
        old.text.contains("this form is from an older page"),
        "{}",
        old.text
    );
    assert_eq!(rapport.show("2")["name"], "Dana Whitfield");

    // A one-line box shows a stored line break as nothing (browsers drop it from an input):
    // that is not a change, so saving another box leaves the title as it was.
    rapport.ok(&["contact", "edit", "dana", "--title", "Head of Ops\nEMEA"]);
    let mut sent = typed_over(&[("title", "Head of OpsEMEA"), ("notes", "line one")]);
    for (name, text) in &mut sent {
        if *name == "was_title" {
            *text = "Head of Ops\nEMEA";
        }
    }
    let saved = save(&sent);
    assert_eq!(saved.status, 303, "{}", saved.text);
    let shown = rapport.show("2");
    assert_eq!(
        (s(&shown["title"]), s(&shown["notes"])),
        ("Head of Ops\nEMEA", "line one")
    );

    // Archived from its page: off the agenda, and back.
    let archive = |action: &str| {
        server.request(
            "POST",
            "/contacts/2/archive",
            &[("Cookie", &cookie)],
            form(&[("action", action), ("back", "/contacts/2")]),
        )
    };
    let archived = archive("archive");
    assert_eq!(archived.header("location"), Some("/contacts/2?archived=2"));
    assert_eq!(rapport.show("2")["archived"], true);
    let page = server.request(
        "GET",
        "/contacts/2?archived=2",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert!(
        page.text.contains("Archived Dana Whitfield.</p>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("value=\"unarchive\""));
    let back = archive("unarchive");
    assert_eq!(back.header("location"), Some("/contacts/2?unarchived=2"));
    assert_eq!(rapport.show("2")["archived"], false);
    assert_eq!(archive("delete").status, 422);
}

#[test]
fn a_viewer_sees_pages_but_cannot_post_forms() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "vic@example.com", "viewer");
    rapport.ok(&["contact", "add", "Dana Whitfield"]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "vic@example.com");
    let page = server.request("GET", "/contacts/1", &[("Cookie", &cookie)], Body::Empty);
    assert_eq!(page.status, 200);
    assert!(
        !page.text.contains("action=\"/contacts/1/touches\""),
        "no write forms"
    );
    let csrf = csrf_of(&page.text);
    let reply = server.request(
        "POST",
        "/contacts/1/touches",
        &[("Cookie", &cookie)],
        Body::Form(vec![("csrf", csrf), ("kind", "call".to_owned())]),
    );
    assert_eq!(reply.status, 403);
    // The pages that only hold a form that changes records are refused too.
    for path in ["/contacts/new", "/import", "/log"] {
        let reply = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(reply.status, 403, "{path}");
        assert!(
            reply
                .text
                .contains("a viewer can read but not change records")
        );
    }
    let list = server.request("GET", "/contacts", &[("Cookie", &cookie)], Body::Empty);
    assert!(list.text.contains("Dana Whitfield"));
    assert!(
        !list.text.contains("href=\"/contacts/new\""),
        "no way to add"
    );
}

#[test]
fn the_login_form_says_when_too_many_attempts_failed() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let attempt = |password: &str| post_login(&server, "ann@example.com", password);
    for _ in 0..5 {
        assert_eq!(attempt("guess").status, 401);
    }
    let locked = attempt(PASSWORD);
    assert_eq!(locked.status, 429);
    assert!(
        locked
            .text
            .contains("too many failed logins; try again in 15 minutes"),
        "{}",
        locked.text
    );
    assert!(locked.header("set-cookie").is_none());
    assert!(locked.header("retry-after").is_some());
}

#[test]
fn the_other_pages_show_what_the_store_knows() {
    let rapport = Rapport::new();
    let token = user_with_token(&rapport, "ann@example.com", "admin");
    let server = Server::start(&rapport, TODAY);
    // Ann's own contact and touch: the dashboard is about the signed-in user's contacts.
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&token),
            serde_json::json!({"name": "Dana Whitfield", "organization": "Halcyon Freight", "tier": "A"}),
        )
        .ok(201);
    server
        .send(
            "POST",
            "/api/v1/contacts/1/touches",
            Some(&token),
            serde_json::json!({"kind": "call", "summary": "Replace the dispatch system"}),
        )
        .ok(201);
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| {
        let reply = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.text
    };
    let organization = get("/organizations/1");
    assert!(organization.contains("Halcyon Freight") && organization.contains("Dana Whitfield"));
    assert!(organization.contains("Replace the dispatch system"));
    let results = get("/search?q=DISPATCH&partial=results");
    assert!(results.starts_with("<ul class=\"hits\">") || results.contains("Dana Whitfield"));
    assert!(!results.contains("<html"), "a fragment, not a page");
    let options = get("/search?q=dana&partial=options");
    assert!(
        options.contains("<option value=\"#1 Dana Whitfield\">"),
        "{options}"
    );
    let dashboard = get("/dashboard");
    assert!(dashboard.contains("<svg class=\"chart bars adherence\""));
    assert!(dashboard.contains("1 of 1 touches on time"), "{dashboard}");

    let settings = get("/settings");
    assert!(settings.contains("tier A"));
    let csrf = csrf_of(&settings);
    let set = server.request(
        "POST",
        "/settings/cadence",
        &[("Cookie", &cookie)],
        Body::Form(vec![
            ("csrf", csrf.clone()),
            ("scope", "tier".to_owned()),
            ("key", "A".to_owned()),
            ("cadence", "2w".to_owned()),
        ]),
    );
    assert_eq!(set.status, 303, "{}", set.text);
    let contact = get("/contacts/1");
    assert!(contact.contains("every 2 weeks (from tier A)"), "{contact}");
    let bad = server.request(
        "POST",
        "/settings/time-zone",
        &[("Cookie", &cookie)],
        Body::Form(vec![
            ("csrf", csrf),
            ("time_zone", "Mars/Olympus".to_owned()),
        ]),
    );
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("id=\"tz-error\""));

    // API tokens: listed (never their secret) and revoked from the page; the token then
    // authenticates nobody.
    let settings = get("/settings");
    assert!(
        settings.contains("ann@example.com") && settings.contains(">api<"),
        "{settings}"
    );
    assert!(
        !settings.contains(&token),
        "a token's secret is never shown again"
    );
    assert_eq!(server.get("/api/v1/me", Some(&token)).status, 200);
    let revoke = server.request(
        "POST",
        "/settings/tokens/1/revoke",
        &[("Cookie", &cookie)],
        Body::Form(vec![("csrf", csrf_of(&settings))]),
    );
    assert_eq!(revoke.status, 303, "{}", revoke.text);
    assert!(get("/settings").contains("revoked "));
    server.get("/api/v1/me", Some(&token)).problem(401);
}

/// The rows of a `/contacts` page, by name.
fn listed(html: &str) -> Vec<String> {
    html.split("<tr id=\"contact-")
        .skip(1)
        .map(|row| {
            let link = &row[row.find("<a href=\"/contacts/").unwrap()..];
            let start = link.find("\">").unwrap() + 2;
            let end = link.find("</a>").unwrap();
            link[start..end].to_owned()
        })
        .collect()
}

/// The target of the link with this id, as a browser reads it.
fn link(html: &str, id: &str) -> Option<String> {
    let marker = "href=\"";
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind(marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[test]
fn the_contacts_page_lists_everyone_a_page_at_a_time_narrowed_by_filters() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let mo = user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    // 52 of Ann's, every fourth a tier A "vip", added in the reverse of name order, and one
    // whose name starts in lower case (listed by name whatever its case); one of Mo's.
    let mut file = String::from("name,email,tier,tags\nanna lower,anna@example.com,,\n");
    for n in (0..52).rev() {
        let (tier, tag) = if n % 4 == 0 { ("A", "vip") } else { ("", "") };
        file.push_str(&format!("Person {n:02},p{n}@example.com,{tier},{tag}\n"));
    }
    let upload = server.request(
        "POST",
        "/api/v1/imports?filename=people.csv",
        &[("Authorization", &format!("Bearer {ann}"))],
        Body::Raw("application/octet-stream".into(), file.into_bytes()),
    );
    assert_eq!(upload.ok(200)["imported"], 53);
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&mo),
            serde_json::json!({"name": "Zoe Mo", "stage": "customer"}),
        )
        .ok(201);
    rapport.ok(&["contact", "archive", "Person 07"]);

    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| {
        let reply = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.text
    };
    let first = get("/contacts");
    let names = listed(&first);
    let expected: Vec<String> = std::iter::once("anna lower".to_owned())
        .chain(
            (0..52)
                .filter(|n| *n != 7)
                .map(|n| format!("Person {n:02}")),
        )
        .chain(["Zoe Mo".to_owned()])
        .collect();
    assert_eq!(
        names,
        expected[..50],
        "the first 50 by name, archived left out"
    );
    assert!(link(&first, "first-page").is_none());
    let next = link(&first, "next-page").expect("a next page");
    let second = get(&next);
    assert_eq!(listed(&second), expected[50..]);
    assert!(link(&second, "next-page").is_none());
    assert_eq!(link(&second, "first-page").as_deref(), Some("/contacts"));

    // Filters narrow the list, and the next page keeps them.
    let vips = get("/contacts?tier=A&tag=vip");
    assert_eq!(listed(&vips).len(), 13, "{vips}");
    assert!(
        vips.contains("<option selected>A</option>"),
        "the form shows the filter"
    );
    assert_eq!(listed(&get("/contacts?stage=customer")), ["Zoe Mo"]);
    let with_archived = get("/contacts?archived=1&tag=vip&tier=A");
    assert_eq!(listed(&with_archived).len(), 13);
    let archived_too = get("/contacts?archived=1");
    assert!(listed(&archived_too).contains(&"Person 07".to_owned()));
    assert!(archived_too.contains("none while archived"));
    let everyone_then = link(&archived_too, "next-page").unwrap();
    assert!(everyone_then.contains("archived=1"), "{everyone_then}");
    assert_eq!(
        listed(&get(&everyone_then)),
        ["Person 49", "Person 50", "Person 51", "Zoe Mo"]
    );
    assert!(!listed(&get("/contacts?archived=0")).contains(&"Person 07".to_owned()));
    assert_eq!(listed(&get("/contacts?owner=me")).len(), 50);
    // The owner filter offers "me" and the others, not the signed-in user twice.
    let user_id = |token: &str| server.get("/api/v1/me", Some(token)).ok(200)["id"].clone();
    let option = |id: serde_json::Value| format!("<option value=\"{id}\"");
    assert!(first.contains("<option value=\"me\""));
    assert!(first.contains(&option(user_id(&mo))));
    assert!(!first.contains(&option(user_id(&ann))), "{first}");
    assert!(get("/contacts?tag=nobody").contains("No contacts match these filters."));

    // A bad filter names itself.
    let bad = server.request(
        "GET",
        "/contacts?stage=bogus",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.text
            .contains("stage: unknown lifecycle stage &#39;bogus&#39;"),
        "{}",
        bad.text
    );
    let gone = server.request(
        "GET",
        "/contacts?after=9999",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert_eq!(gone.status, 400);
    assert!(
        gone.text.contains("after: no contact #9999"),
        "{}",
        gone.text
    );

    // The admin exports the book from here; the session is enough.
    let export = link(&first, "export-csv").expect("an admin's export link");
    let csv = server.request("GET", &export, &[("Cookie", &cookie)], Body::Empty);
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.text.contains("Person 07") && csv.text.contains("Zoe Mo"));

    // A member sees their own with owner=me, and no export link.
    let mo_cookie = form_login(&server, "mo@example.com");
    let mine = server.request(
        "GET",
        "/contacts?owner=me",
        &[("Cookie", &mo_cookie)],
        Body::Empty,
    );
    assert_eq!(listed(&mine.text), ["Zoe Mo"]);
    assert!(link(&mine.text, "export-csv").is_none());
}

#[test]
fn a_contact_is_handed_over_from_its_page() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "member");
    let mo = user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let id_of = |token: &str| {
        server.get("/api/v1/me", Some(token)).ok(200)["id"]
            .as_i64()
            .unwrap()
    };
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let (ann_id, mo_id, vic_id) = (id_of(&ann), id_of(&mo), id_of(&vic));
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&ann),
            serde_json::json!({"name": "Dana Whitfield"}),
        )
        .ok(201);
    let cookie = form_login(&server, "ann@example.com");
    let page = server.request("GET", "/contacts/1", &[("Cookie", &cookie)], Body::Empty);
    assert!(page.text.contains("id=\"hand-over\""), "{}", page.text);
    assert!(page.text.contains(&format!("<option value=\"{mo_id}\">")));
    assert!(
        !page.text.contains(&format!("<option value=\"{vic_id}\"")),
        "a viewer is not offered"
    );
    let csrf = csrf_of(&page.text);
    let hand = |owner: String, was: i64| {
        server.request(
            "POST",
            "/contacts/1/owner",
            &[("Cookie", &cookie)],
            Body::Form(vec![
                ("csrf", csrf.clone()),
                ("owner", owner),
                ("was_owner", was.to_string()),
                ("back", "/contacts/1".to_owned()),
            ]),
        )
    };

    // Bad input, beside the form; nothing changes.
    for (owner, was, wanted) in [
        (
            "someone".to_owned(),
            ann_id,
            "expected a user id, got &#39;someone&#39;",
        ),
        ("99".to_owned(), ann_id, "there is no user #99"),
        (
            vic_id.to_string(),
            ann_id,
            "is a viewer, who cannot own contacts",
        ),
        (
            mo_id.to_string(),
            mo_id,
            "handed over by someone else since this page was opened",
        ),
        (ann_id.to_string(), ann_id, "already the owner"),
    ] {
        let refused = hand(owner, was);
        assert_eq!(refused.status, 422);
        assert!(
            refused.text.contains("id=\"owner-error\"") && refused.text.contains(wanted),
            "{wanted}: {}",
            refused.text
        );
        assert_eq!(rapport.show("1")["owner_id"], ann_id);
    }
    // A refused form shows the choice the user made.
    let refused = hand(mo_id.to_string(), mo_id);
    assert!(
        refused
            .text
            .contains(&format!("<option value=\"{mo_id}\" selected>")),
        "{}",
        refused.text
    );

    let handed = hand(mo_id.to_string(), ann_id);
    assert_eq!(handed.status, 303, "{}", handed.text);
    assert_eq!(handed.header("location"), Some("/contacts/1?handed=1"));
    assert_eq!(rapport.show("1")["owner_id"], mo_id);
    let page = server.request(
        "GET",
        "/contacts/1?handed=1",
        &[("Cookie", &cookie)],
        Body::Empty,
    );
    assert!(page.text.contains("Handed over Dana Whitfield."));
    assert!(
        !page.text.contains("id=\"hand-over\""),
        "no longer Ann's to hand over"
    );
    // Nor can she by posting the form: only the owner or an admin may.
    assert_eq!(hand(ann_id.to_string(), mo_id).status, 403);
    let mo_cookie = form_login(&server, "mo@example.com");
    let page = server.request("GET", "/contacts/1", &[("Cookie", &mo_cookie)], Body::Empty);
    assert!(page.text.contains("id=\"hand-over\""));
}

/// The hand-over shows when there is someone eligible to hand the contact to besides its
/// owner, counted among active users who write: a contact a viewer still owns (a book from
/// before viewers owned none) can be handed to the one admin who could take it, and a team
/// whose other users are a viewer and a disabled user offers no hand-over.
#[test]
fn the_hand_over_counts_who_could_take_the_contact() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let id_of = |token: &str| {
        server.get("/api/v1/me", Some(token)).ok(200)["id"]
            .as_i64()
            .unwrap()
    };
    let (ann_id, vic_id) = (id_of(&ann), id_of(&vic));
    // The database's first user steps aside: Ann is the only active user who writes.
    rapport.ok(&["--as", "ann@example.com", "user", "disable", "1"]);
    server
        .send(
            "POST",
            "/api/v1/contacts",
            Some(&ann),
            serde_json::json!({"name": "Dana Whitfield"}),
        )
        .ok(201);
    let cookie = form_login(&server, "ann@example.com");
    let page = || server.request("GET", "/contacts/1", &[("Cookie", &cookie)], Body::Empty);
    let own = page();
    assert!(!own.text.contains("id=\"hand-over\""), "{}", own.text);

    rapport.db.execute(&format!(
        "UPDATE contacts SET owner_id = {vic_id} WHERE id = 1"
    ));
    let viewers = page();
    assert!(
        viewers.text.contains("id=\"hand-over\""),
        "{}",
        viewers.text
    );
    assert!(
        viewers
            .text
            .contains(&format!("<option value=\"{ann_id}\">")),
        "{}",
        viewers.text
    );
}

/// Admins disable and enable users on the settings page (CSRF-checked forms); a refusal shows
/// beside the user's row; a disabled user's login form says so, and no owner picker offers
/// them.
#[test]
fn an_admin_disables_and_enables_users_on_the_settings_page() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let mo = user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let id_of = |token: &str| {
        server.get("/api/v1/me", Some(token)).ok(200)["id"]
            .as_i64()
            .unwrap()
    };
    let (ann_id, bob_id, mo_id) = (id_of(&ann), id_of(&bob), id_of(&mo));
    for (token, name) in [(&ann, "Dana Whitfield"), (&mo, "Sam Okoro")] {
        server
            .send(
                "POST",
                "/api/v1/contacts",
                Some(token),
                serde_json::json!({"name": name}),
            )
            .ok(201);
    }
    let bob_cookie = form_login(&server, "bob@example.com");
    let cookie = form_login(&server, "ann@example.com");
    let settings = || server.request("GET", "/settings", &[("Cookie", &cookie)], Body::Empty);
    let page = settings();
    assert!(
        page.text
            .contains(&format!("action=\"/settings/users/{bob_id}/disable\"")),
        "{}",
        page.text
    );
    assert!(
        !page
            .text
            .contains(&format!("action=\"/settings/users/{ann_id}/disable\"")),
        "no button to disable oneself"
    );
    let csrf = csrf_of(&page.text);
    let post = |path: String, csrf: &str| {
        server.request(
            "POST",
            &path,
            &[("Cookie", &cookie)],
            Body::Form(vec![("csrf", csrf.to_owned())]),
        )
    };

    assert_eq!(
        post(format!("/settings/users/{bob_id}/disable"), "forged").status,
        403,
        "no CSRF token, no change"
    );
    // Refusals, beside the row: oneself, and Mo, who owns Sam.
    let own = post(format!("/settings/users/{ann_id}/disable"), &csrf);
    assert_eq!(own.status, 409);
    assert!(
        own.text.contains("another admin disables you"),
        "{}",
        own.text
    );
    let owner = post(format!("/settings/users/{mo_id}/disable"), &csrf);
    assert_eq!(owner.status, 409);
    assert!(
        owner.text.contains(&format!(
            "user #{mo_id} mo@example.com owns 1 contact; reassign their book first"
        )),
        "{}",
        owner.text
    );
    assert_eq!(
        post("/settings/users/999/disable".to_owned(), &csrf).status,
        404
    );

    let done = post(format!("/settings/users/{bob_id}/disable"), &csrf);
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), Some("/settings?saved=1#users"));
    let page = settings();
    assert!(
        page.text
            .contains(&format!("action=\"/settings/users/{bob_id}/enable\"")),
        "{}",
        page.text
    );
    // His session is over, and his password is told it is disabled.
    let his_page = server.request("GET", "/", &[("Cookie", &bob_cookie)], Body::Empty);
    assert_eq!(his_page.status, 303, "back to the login page");
    let refused = post_login(&server, "bob@example.com", PASSWORD);
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .text
            .contains("this account is disabled; ask an admin to enable it"),
        "{}",
        refused.text
    );
    assert!(refused.header("set-cookie").is_none());
    assert_eq!(post_login(&server, "bob@example.com", "guess").status, 401);

    // No picker offers him: the hand-over and the owner filter.
    let contact = server.request("GET", "/contacts/1", &[("Cookie", &cookie)], Body::Empty);
    assert!(contact.text.contains(&format!("<option value=\"{mo_id}\"")));
    assert!(
        !contact
            .text
            .contains(&format!("<option value=\"{bob_id}\"")),
        "{}",
        contact.text
    );
    let list = server.request("GET", "/contacts", &[("Cookie", &cookie)], Body::Empty);
    assert!(list.text.contains(&format!("<option value=\"{mo_id}\"")));
    assert!(!list.text.contains(&format!("<option value=\"{bob_id}\"")));
    // A hand-over posted to him anyway is refused beside the field.
    let handed = server.request(
        "POST",
        "/contacts/1/owner",
        &[("Cookie", &cookie)],
        Body::Form(vec![
            ("csrf", csrf.clone()),
            ("owner", bob_id.to_string()),
            ("was_owner", ann_id.to_string()),
            ("back", "/contacts/1".to_owned()),
        ]),
    );
    assert_eq!(handed.status, 422);
    assert!(handed.text.contains("is disabled"), "{}", handed.text);

    // A member may not; the admin enables him again, and his password logs in.
    let mo_cookie = form_login(&server, "mo@example.com");
    let mo_csrf = csrf_of(
        &server
            .request("GET", "/settings", &[("Cookie", &mo_cookie)], Body::Empty)
            .text,
    );
    let by_member = server.request(
        "POST",
        &format!("/settings/users/{bob_id}/enable"),
        &[("Cookie", &mo_cookie)],
        Body::Form(vec![("csrf", mo_csrf)]),
    );
    assert_eq!(by_member.status, 403);
    assert_eq!(
        post(format!("/settings/users/{bob_id}/enable"), &csrf).status,
        303
    );
    form_login(&server, "bob@example.com");
}

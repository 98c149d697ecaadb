//! `POST /api/v1/imports` and the `/import` page: the CLI's import over HTTP.

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

const LEADS: &str = "Full Name,Email,Company,Tier\n\
Ada Lovelace,ada@engines.example,Analytical Engines,A\n\
Bob Broken,bob-at-nowhere,,\n\
Grace Hopper,grace@navy.example,Navy,\n";

fn upload(server: &Server, token: &str, query: &str, file: &[u8]) -> crate::server::Reply {
    server.request(
        "POST",
        &format!("/api/v1/imports{query}"),
        &[("Authorization", &format!("Bearer {token}"))],
        Body::Raw("application/octet-stream".into(), file.to_vec()),
    )
}

#[test]
fn an_upload_is_imported_with_the_report_and_a_dry_run_writes_nothing() {
    let rapport = Rapport::new();
    let member = user_with_token(&rapport, "mo@example.com", "member");
    let viewer = user_with_token(&rapport, "vi@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);

    let dry = upload(
        &server,
        &member,
        "?filename=leads.csv&dry_run=true",
        LEADS.as_bytes(),
    );
    let report = dry.ok(200);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["imported"], 2);
    assert_eq!(report["rejected"][0]["line"], 3);
    assert_eq!(report["rejected"][0]["column"], "Email");
    assert_eq!(
        rapport.db.count("SELECT COUNT(*) FROM contacts"),
        0,
        "dry run"
    );

    let done = upload(&server, &member, "?filename=leads.csv", LEADS.as_bytes());
    let report = done.ok(200);
    assert_eq!(
        (report["dry_run"].clone(), report["imported"].clone()),
        (false.into(), 2.into())
    );
    let contacts = server.get("/api/v1/contacts", Some(&member));
    let listed: Vec<(&str, i64)> = contacts.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["owner"].as_i64().unwrap()))
        .collect();
    let mo = server.get("/api/v1/me", Some(&member)).ok(200)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(listed, [("Ada Lovelace", mo), ("Grace Hopper", mo)]);

    // Again: matched, not doubled.
    let again = upload(&server, &member, "?filename=leads.csv", LEADS.as_bytes());
    assert_eq!(again.ok(200)["unchanged"], 2);
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 2);

    // Bad parameters and unreadable files are problems naming what is wrong.
    let bad = upload(&server, &member, "?format=xls", LEADS.as_bytes());
    assert_eq!(bad.fields(), ["format"]);
    let bad = upload(&server, &member, "?map=Tier=level", LEADS.as_bytes());
    assert_eq!(bad.fields(), ["map"]);
    let unreadable = upload(&server, &member, "", b"just some words\n");
    assert!(
        unreadable.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("no column holds a name or an email"),
        "{}",
        unreadable.text
    );
    let refused = upload(&server, &viewer, "", LEADS.as_bytes());
    refused.problem(403);
    let other_book = upload(&server, &member, "?owner=1", LEADS.as_bytes());
    assert!(
        other_book.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("only an admin"),
        "{}",
        other_book.text
    );
}

#[test]
fn a_file_larger_than_a_json_body_is_accepted() {
    let rapport = Rapport::new();
    let member = user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let mut file = String::from("name,email\n");
    for n in 0..3000 {
        file.push_str(&format!("Person Number {n},person.{n}@example.com\n"));
    }
    assert!(file.len() > 64 * 1024, "past the JSON bodies' limit");
    let report = upload(&server, &member, "?filename=many.csv", file.as_bytes());
    assert_eq!(report.ok(200)["imported"], 3000);
}

/// A multipart form as a browser sends it: text fields, then the file.
fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Body {
    let boundary = "----rapport-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Body::Raw(format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn the_import_page_previews_then_imports_and_checks_csrf() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "mo@example.com");
    let cookies = [("Cookie", cookie.as_str())];

    let form = server.request("GET", "/import", &cookies, Body::Empty);
    assert_eq!(form.status, 200);
    assert!(
        form.text.contains("enctype=\"multipart/form-data\""),
        "{}",
        form.text
    );
    let csrf = csrf_of(&form.text);

    let forged = server.request(
        "POST",
        "/import",
        &cookies,
        multipart(
            &[("csrf", "not-the-token"), ("action", "import")],
            "leads.csv",
            LEADS.as_bytes(),
        ),
    );
    assert_eq!(forged.status, 403);
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 0);

    let preview = server.request(
        "POST",
        "/import",
        &cookies,
        multipart(
            &[("csrf", &csrf), ("format", "auto"), ("action", "preview")],
            "leads.csv",
            LEADS.as_bytes(),
        ),
    );
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert!(
        preview.text.contains("nothing written yet"),
        "{}",
        preview.text
    );
    assert!(
        preview.text.contains("<dd id=\"imported\">2</dd>"),
        "{}",
        preview.text
    );
    assert!(preview.text.contains("bob-at-nowhere"), "{}", preview.text);
    assert_eq!(
        rapport.db.count("SELECT COUNT(*) FROM contacts"),
        0,
        "a preview writes nothing"
    );

    let done = server.request(
        "POST",
        "/import",
        &cookies,
        multipart(
            &[("csrf", &csrf), ("action", "import")],
            "leads.csv",
            LEADS.as_bytes(),
        ),
    );
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("Imported leads.csv"), "{}", done.text);
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 2);

    // A bad mapping is said beside its field, and the form keeps what was typed.
    let bad = server.request(
        "POST",
        "/import",
        &cookies,
        multipart(
            &[
                ("csrf", &csrf),
                ("map", "Tier=level"),
                ("action", "preview"),
            ],
            "leads.csv",
            LEADS.as_bytes(),
        ),
    );
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("id=\"map-error\""), "{}", bad.text);
    assert!(bad.text.contains(">Tier=level</textarea>"), "{}", bad.text);
}

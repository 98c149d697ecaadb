//! `GET /api/v1/export`: the CLI's export, streamed to admins only.

use serde_json::json;

use crate::server::{Server, TODAY, user_with_token};
use crate::support::{Rapport, TempDir};

#[test]
fn an_admin_downloads_what_the_cli_exports() {
    let rapport = Rapport::new();
    // Many chunks of the stream, loaded in one go by importing a dump (the store's own
    // tests export more than one of its pages).
    let mut book = String::from(
        "{\"rapport_export\":1,\"schema_version\":1,\"exported_at\":\"2026-11-25T12:00:00Z\"}\n\
         {\"type\":\"user\",\"id\":1,\"email\":\"me@localhost\",\"name\":\"Me\",\
         \"role\":\"admin\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n",
    );
    for id in 1..=520 {
        let contact = json!({
            "type": "contact", "id": id, "owner_id": 1, "name": format!("Person {id}"),
            "title": "Head of Ops, EMEA", "added_on": "2026-01-01", "version": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "emails": [format!("p{id}@example.com")], "phones": [], "tags": ["bulk"], "roles": [],
        });
        book.push_str(&format!("{contact}\n"));
    }
    let dir = TempDir::new();
    let file = dir.path().join("book.jsonl");
    std::fs::write(&file, book).unwrap();
    rapport.ok(&["import", file.to_str().unwrap()]);
    let admin = user_with_token(&rapport, "ann@example.com", "admin");
    let member = user_with_token(&rapport, "mo@example.com", "member");
    let server = Server::start(&rapport, TODAY);

    for (format, content_type) in [
        ("json", "application/x-ndjson"),
        ("csv", "text/csv; charset=utf-8"),
        ("vcard", "text/vcard; charset=utf-8"),
    ] {
        let reply = server.get(&format!("/api/v1/export?format={format}"), Some(&admin));
        assert_eq!(reply.status, 200, "{format}: {}", reply.text);
        assert_eq!(reply.content_type, content_type);
        assert_eq!(
            reply.text,
            rapport.ok(&["export", "--format", format]),
            "{format}: the API streams what the CLI writes"
        );
    }
    let default = server.get("/api/v1/export", Some(&admin));
    assert!(
        default.text.starts_with("{\"rapport_export\":2,"),
        "json by default"
    );

    let refused = server.get("/api/v1/export", Some(&member));
    assert!(
        refused.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("only an admin")
    );
    server.get("/api/v1/export", None).problem(401);
    let bad = server.get("/api/v1/export?format=xml", Some(&admin));
    bad.problem(422);
    assert_eq!(bad.fields(), ["format"]);
}

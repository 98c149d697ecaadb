//! `--json` on every read command, and the demo.

use crate::support::{Rapport, s};

#[test]
fn every_read_command_speaks_json() {
    let r = Rapport::new();
    // An empty database first: empty lists, not errors.
    assert_eq!(r.json(&["contact", "list"]), serde_json::json!([]));
    assert_eq!(r.json(&["org", "list"]), serde_json::json!([]));
    assert_eq!(r.json(&["today"])["entries"], serde_json::json!([]));

    let ada = r.add(
        "Ada Lovelace",
        &["--email", "ada@example.com", "--org", "Acme"],
    );
    let id = ada.to_string();
    r.ok(&["log", &id, "--kind", "call", "--needs", "reporting"]);
    r.ok(&[
        "follow-up",
        "add",
        &id,
        "--due",
        "2026-11-30",
        "send",
        "notes",
    ]);

    let list = r.json(&["contact", "list"]);
    assert_eq!(list[0]["id"], ada);
    assert_eq!(s(&list[0]["email"]), "ada@example.com");
    assert_eq!(s(&list[0]["organization"]), "Acme");
    assert_eq!(s(&list[0]["next_touch_on"]), "2026-11-30");
    assert_eq!(s(&list[0]["next_touch_source"]), "follow-up");
    assert_eq!(list[0]["archived"], false);

    let shown = r.json(&["contact", "show", &id]);
    assert_eq!(shown["id"], ada);
    assert_eq!(s(&shown["follow_ups"][0]["text"]), "send notes");
    assert_eq!(s(&shown["recent_touches"][0]["needs"]), "reporting");
    assert_eq!(
        s(&shown["next_touch"]["why"]),
        "follow-up due in 5 days: send notes"
    );
    let none = r.json(&["contact", "show", &id, "--touches", "0"]);
    assert_eq!(none["recent_touches"], serde_json::json!([]));

    let orgs = r.json(&["org", "list"]);
    assert_eq!(s(&orgs[0]["name"]), "Acme");
    assert_eq!(orgs[0]["contact_count"], 1);
    let org = r.json(&["org", "show", "Acme"]);
    assert_eq!(org["contacts"][0]["id"], ada);

    let today = r.json(&["today"]);
    assert_eq!(s(&today["today"]), "2026-11-25");
    assert!(today["entries"].as_array().unwrap().is_empty());
    let agenda = r.json(&["agenda", "--days", "5"]);
    assert_eq!(agenda["entries"][0]["contact_id"], ada);
    assert_eq!(
        s(&agenda["entries"][0]["follow_ups"][0]["text"]),
        "send notes"
    );

    let follow_ups = r.json(&["follow-up", "list", "ada"]);
    assert_eq!(follow_ups[0]["contact_id"], ada);
    assert_eq!(
        r.json(&["follow-up", "list", "ada", "--all"]),
        follow_ups,
        "no done follow-ups yet"
    );

    let defaults = r.json(&["cadence", "default"]);
    assert_eq!(s(&defaults[0]["scope"]), "fallback");
    assert_eq!(s(&defaults[0]["every"]), "3m");
    assert_eq!(
        defaults.as_array().unwrap().len(),
        5,
        "fallback and tiers A-D"
    );

    let settings = r.json(&["settings"]);
    assert_eq!(s(&settings["user"]), "me@localhost");
    assert_eq!(settings["schema_version"], 4);

    // Writes answer in JSON too.
    let added = r.json(&["contact", "add", "Grace"]);
    assert_eq!(s(&added["name"]), "Grace");
    let archived = r.json(&["contact", "archive", "Grace"]);
    assert_eq!(archived["archived"], true);
    let back = r.json(&["contact", "unarchive", "Grace"]);
    assert_eq!(back["archived"], false);
    let org = r.json(&["org", "add", "Globex"]);
    assert_eq!(s(&org["name"]), "Globex");
}

#[test]
fn demo_fills_an_empty_database_and_leaves_a_full_one_alone() {
    let r = Rapport::new();
    let shown = r.json(&["demo", "--contacts", "40"]);
    assert_eq!(s(&shown["today"]), "2026-11-25");
    // At least the 40 asked for (the demo may add its story characters).
    let created = r.all_contacts().as_array().unwrap().len();
    assert!(created >= 40, "{created} contacts");
    let today = r.json(&["today"]);
    let entries = today["entries"].as_array().unwrap();
    assert!(
        !entries.is_empty(),
        "the demo leaves work for today: {today}"
    );
    for e in entries {
        assert!(
            ["overdue", "today"].contains(&s(&e["section"])),
            "{}",
            e["section"]
        );
        assert!(!s(&e["why"]).is_empty());
    }
    // Run again (the README's command, twice): nothing added, today's agenda shown.
    let again = r.json(&["demo", "--contacts", "5"]);
    assert_eq!(again["entries"], today["entries"]);
    assert_eq!(r.all_contacts().as_array().unwrap().len(), created);
}

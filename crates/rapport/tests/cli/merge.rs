//! `rapport duplicates` and `rapport merge`: the evidence, a merge that loses nothing, and
//! the refusals.

use crate::support::{Rapport, s};

#[test]
fn duplicates_are_listed_with_evidence_and_merged_without_losing_anything() {
    let r = Rapport::new();
    let dana = r.add(
        "Dana Whitfield",
        &[
            "--org",
            "Acme",
            "--phone",
            "+1 555 123 4567",
            "--tag",
            "expo",
        ],
    );
    let twin = r.add(
        "Dana Whitfeld",
        &[
            "--org",
            "Acme",
            "--email",
            "d@home.example",
            "--phone",
            "555-123-4567",
        ],
    );
    r.add("Lee Park", &["--phone", "+1 555 999 0000"]);
    let (d, t) = (dana.to_string(), twin.to_string());
    r.ok(&["log", &t, "--kind", "call", "--summary", "Lisbon retreat"]);
    r.ok(&[
        "follow-up",
        "add",
        &t,
        "--due",
        "2026-12-01",
        "send the deck",
    ]);

    let pairs = r.json(&["duplicates"]);
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs}");
    assert_eq!(pairs[0]["first"]["id"], dana);
    assert_eq!(pairs[0]["second"]["id"], twin);
    let evidence: Vec<&str> = pairs[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["description"]))
        .collect();
    assert_eq!(
        evidence,
        ["same phone +1 555 123 4567", "similar names at Acme"]
    );
    let text = r.ok(&["duplicates"]);
    assert!(
        text.starts_with(&format!(
            "#{dana} Dana Whitfield · Acme  ⟷  #{twin} Dana Whitfeld · Acme: same phone"
        )),
        "{text}"
    );

    r.fails(&["merge", &d, &d], &["cannot merge contact", "into itself"]);
    r.fails(
        &["merge", &d, "nobody"],
        &["duplicate", "no contact matches 'nobody'"],
    );

    let merged = r.json(&["merge", &d, &t]);
    assert_eq!(merged["survivor_id"], dana);
    assert_eq!(merged["moved"]["touches"], 1);
    assert_eq!(merged["moved"]["follow_ups"], 1);
    assert_eq!(merged["moved"]["emails"], 1);
    assert_eq!(merged["moved"]["phones"], 0, "Dana has that number already");

    let survivor = r.show(&d);
    assert_eq!(survivor["emails"], serde_json::json!(["d@home.example"]));
    assert_eq!(survivor["phones"], serde_json::json!(["+1 555 123 4567"]));
    // The open follow-up (due 2026-12-01) moved with her and now sets her next touch.
    assert_eq!(s(&survivor["next_touch"]["on"]), "2026-12-01");
    assert_eq!(s(&merged["next_touch_on"]), "2026-12-01");
    let gone = r.show(&t);
    assert!(gone["archived"].as_bool().unwrap(), "{gone}");
    assert_eq!(gone["merged_into"], dana, "{gone}");
    let text = r.ok(&["contact", "show", &t]);
    let first_line = text.lines().next().unwrap_or_default();
    assert!(
        first_line.starts_with(&format!("#{twin} Dana Whitfeld"))
            && first_line.ends_with(&format!("(merged into #{dana})")),
        "{text}"
    );
    assert!(r.show(&d)["merged_into"].is_null());
    assert_eq!(r.db.stale_schedules(), 0);

    let found = r.json(&["search", "lisbon"]);
    assert_eq!(found["contacts"][0]["contact"]["id"], dana);
    assert_eq!(r.ok(&["duplicates"]), "No likely duplicates.\n");
    r.fails(
        &["merge", &d, &t],
        &[&format!("contact #{twin} was merged into #{dana}")],
    );
    r.ok(&["contact", "archive", "Lee Park"]);
    r.fails(&["merge", &d, "Lee Park"], &["is archived"]);
    // Bringing the merged husk back would put an empty double of Dana on the agenda.
    r.fails(
        &["contact", "unarchive", &t],
        &[&format!("contact #{twin} was merged into #{dana}")],
    );
    assert!(r.show(&t)["archived"].as_bool().unwrap());
}

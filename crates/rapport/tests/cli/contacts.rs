//! Contacts and organizations: adding, finding by every kind of reference, editing.

use serde_json::Value;

use crate::support::{Rapport, s};

#[test]
fn contacts_are_found_by_id_email_or_unambiguous_name() {
    let r = Rapport::new();
    let ada = r.add(
        "Ada Lovelace",
        &["--email", "Ada@Example.com", "--org", "Analytical Engines"],
    );
    let byron = r.add("Ada Byron", &["--email", "byron@example.com"]);
    let grace = r.add("Grace Hopper", &["--email", "grace@navy.example"]);
    let name_of = |reference: &str| s(&r.show(reference)["name"]).to_owned();

    assert_eq!(name_of(&ada.to_string()), "Ada Lovelace");
    assert_eq!(name_of(&format!("#{grace}")), "Grace Hopper");
    // Emails are stored lowercase and matched whatever the case.
    assert_eq!(name_of("ada@example.com"), "Ada Lovelace");
    assert_eq!(name_of("ADA@EXAMPLE.COM"), "Ada Lovelace");
    assert_eq!(name_of("hopper"), "Grace Hopper");
    assert_eq!(name_of("  ada lovelace "), "Ada Lovelace");
    assert_eq!(name_of("byron"), "Ada Byron");

    // "ada" matches two people: refused, with the candidates listed so the user can choose.
    let line = r.fails(
        &["contact", "show", "ada"],
        &[
            "'ada' matches 2 contacts",
            &format!("#{byron} Ada Byron <byron@example.com>"),
            &format!("#{ada} Ada Lovelace (Analytical Engines) <ada@example.com>"),
            "use the id or the email",
        ],
    );
    assert!(!line.contains("Grace"), "{line}");
    r.fails(&["log", "ada", "--kind", "call"], &["matches 2 contacts"]);

    // An exact name wins over fragments.
    let just_ada = r.add("Ada", &[]);
    assert_eq!(r.show("ada")["id"], just_ada);

    // Fragments are literal text: % and _ are not wildcards.
    let fifty = r.add("Deal 50% Off", &[]);
    r.add("Deal 500 Offers", &[]);
    r.add("Deal a_b", &[]);
    r.add("Deal axb", &[]);
    assert_eq!(r.show("50%")["id"], fifty);
    assert_eq!(s(&r.show("a_b")["name"]), "Deal a_b");
    r.fails(&["contact", "show", "deal 50"], &["matches 2 contacts"]);

    for missing in ["nobody", "999", "#999", "nobody@example.com"] {
        r.fails(
            &["contact", "show", missing],
            &[&format!("no contact matches '{missing}'")],
        );
    }
}

#[test]
fn contacts_carry_their_profile_and_edits_apply() {
    let r = Rapport::new();
    let added = r.json(&[
        "contact",
        "add",
        "  Linus Tor  ",
        "--email",
        "linus@kernel.example",
        "--email",
        "lt@kernel.example",
        "--phone",
        "+1 555 0100",
        "--org",
        "Kernel Corp",
        "--title",
        "Maintainer",
        "--tag",
        "oss",
        "--tag",
        "board",
        "--tier",
        "b",
        "--stage",
        "Engaged",
        "--horizon",
        "lifetime",
        "--kind",
        "seasoned",
        "--role",
        "champion",
        "--role",
        "referrer",
        "--notes",
        "prefers email",
    ]);
    assert_eq!(s(&added["name"]), "Linus Tor");
    assert_eq!(
        added["emails"],
        serde_json::json!(["linus@kernel.example", "lt@kernel.example"])
    );
    assert_eq!(added["phones"], serde_json::json!(["+1 555 0100"]));
    assert_eq!(s(&added["organization"]["name"]), "Kernel Corp");
    assert_eq!(added["tags"], serde_json::json!(["board", "oss"]));
    assert_eq!(s(&added["tier"]), "B");
    assert_eq!(s(&added["stage"]), "engaged");
    assert_eq!(s(&added["horizon"]), "lifetime");
    assert_eq!(s(&added["prospect_kind"]), "seasoned");
    assert_eq!(s(&added["notes"]), "prefers email");
    assert_eq!(s(&added["added_on"]), "2026-11-25");
    assert_eq!(s(&added["created_at"]), "2026-11-25T12:00:00Z");
    let roles: Vec<&str> = added["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["role"]))
        .collect();
    assert_eq!(roles, ["champion", "referrer"]);
    // Never touched: due today, and says so.
    assert_eq!(s(&added["next_touch"]["on"]), "2026-11-25");
    assert_eq!(
        s(&added["next_touch"]["why"]),
        "new contact, no touch logged yet (added today)"
    );

    let edited = r.at("2026-12-01").json(&[
        "contact",
        "edit",
        "linus",
        "--name",
        "Linus Torvalds",
        "--remove-email",
        "lt@kernel.example",
        "--add-email",
        "torvalds@kernel.example",
        "--untag",
        "board",
        "--tag",
        "vip",
        "--org",
        "none",
        "--title",
        "Fellow",
    ]);
    assert_eq!(s(&edited["name"]), "Linus Torvalds");
    assert_eq!(
        edited["emails"],
        serde_json::json!(["linus@kernel.example", "torvalds@kernel.example"])
    );
    assert_eq!(edited["tags"], serde_json::json!(["oss", "vip"]));
    assert!(edited["organization"].is_null());
    assert_eq!(s(&edited["title"]), "Fellow");
    assert_eq!(edited["version"], 2);
    assert_eq!(s(&edited["updated_at"]), "2026-12-01T12:00:00Z");
    assert_eq!(
        s(&r.show("torvalds@kernel.example")["name"]),
        "Linus Torvalds"
    );
    r.fails(
        &["contact", "show", "lt@kernel.example"],
        &["no contact matches 'lt@kernel.example'"],
    );

    // Lists filter by tag, tier, stage, role and organization.
    r.add("Other Person", &["--org", "Kernel Corp", "--tier", "C"]);
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["contact", "list"];
        all.extend_from_slice(args);
        r.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| s(&c["name"]).to_owned())
            .collect()
    };
    assert_eq!(names(&[]), ["Linus Torvalds", "Other Person"]);
    assert_eq!(names(&["--tag", "vip"]), ["Linus Torvalds"]);
    assert_eq!(names(&["--tier", "c"]), ["Other Person"]);
    assert_eq!(names(&["--stage", "engaged"]), ["Linus Torvalds"]);
    assert_eq!(names(&["--role", "referrer"]), ["Linus Torvalds"]);
    assert_eq!(names(&["--org", "kernel"]), ["Other Person"]);
    assert_eq!(names(&["--limit", "1"]), ["Linus Torvalds"]);
}

#[test]
fn a_phone_is_a_number_and_each_number_is_kept_once() {
    let r = Rapport::new();
    for (bad, why) in [
        (
            "call reception",
            "'call reception' is not a phone number: it has no digits",
        ),
        (
            "555\u{1}0100",
            "'555\\u{1}0100' is not a phone number: it has a control character",
        ),
        ("", "'' is not a phone number: it has no digits"),
    ] {
        r.fails(
            &["contact", "add", "Dana Whitfield", "--phone", bad],
            &["--phone", why],
        );
    }
    assert_eq!(
        r.json(&["contact", "list"]),
        serde_json::json!([]),
        "nothing written"
    );

    // Two spellings of one number are one phone, kept as first written.
    let dana = r.json(&[
        "contact",
        "add",
        "Dana Whitfield",
        "--phone",
        "+44 20 7946 0958",
        "--phone",
        "020 7946 0958",
    ]);
    assert_eq!(dana["phones"], serde_json::json!(["+44 20 7946 0958"]));
    let phones = |args: &[&str]| {
        let mut all = vec!["contact", "edit", "dana"];
        all.extend_from_slice(args);
        r.json(&all)["phones"].clone()
    };
    assert_eq!(
        phones(&["--add-phone", "(020) 7946-0958", "--add-phone", "112"]),
        serde_json::json!(["+44 20 7946 0958", "112"])
    );
    // Removed by number, however it is written; a number the contact lacks is an error.
    assert_eq!(
        phones(&["--remove-phone", "0207 946 0958"]),
        serde_json::json!(["112"])
    );
    r.fails(
        &["contact", "edit", "dana", "--remove-phone", "+1 555 0100"],
        &["has no phone +1 555 0100"],
    );
    r.fails(
        &["contact", "edit", "dana", "--add-phone", "ext. only"],
        &["--add-phone", "is not a phone number"],
    );
    assert_eq!(r.show("dana")["phones"], serde_json::json!(["112"]));
    // A number she has changes nothing, and says so.
    let same = r.ok(&["contact", "edit", "dana", "--add-phone", "112"]);
    assert!(same.starts_with("Nothing to change: #"), "{same}");
    let updated = r.ok(&["contact", "edit", "dana", "--add-phone", "113"]);
    assert!(updated.starts_with("Updated #"), "{updated}");
}

#[test]
fn organizations_hold_their_people() {
    let r = Rapport::new();
    let acme = r.json(&[
        "org",
        "add",
        "Acme Corp",
        "--domain",
        "ACME.example",
        "--tier",
        "A",
    ]);
    assert_eq!(s(&acme["name"]), "Acme Corp");
    assert_eq!(s(&acme["domain"]), "acme.example");
    assert_eq!(s(&acme["tier"]), "A");
    assert_eq!(acme["contact_count"], 0);
    r.fails(
        &["org", "add", "acme corp"],
        &["an organization named 'acme corp' already exists"],
    );
    // Contacts join an existing organization by name, whatever the case.
    r.add("Wile Coyote", &["--org", "ACME CORP"]);
    r.add("Road Runner", &["--org", "Acme Corp"]);
    let archived = r.add("Gone Person", &["--org", "acme corp"]);
    r.ok(&["contact", "archive", &archived.to_string()]);
    r.add("Elsewhere", &["--org", "Globex"]);

    let list = r.json(&["org", "list"]);
    let summary: Vec<(String, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                s(&o["name"]).to_owned(),
                o["contact_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("Acme Corp".to_owned(), 2), ("Globex".to_owned(), 1)]
    );
    for reference in ["Acme Corp", "acme.example", "acm", "#1", "1"] {
        let shown = r.json(&["org", "show", reference]);
        assert_eq!(s(&shown["name"]), "Acme Corp", "{reference}");
        let people: Vec<&str> = shown["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| s(&c["name"]))
            .collect();
        assert_eq!(people, ["Road Runner", "Wile Coyote"]);
    }
    r.fails(
        &["org", "show", "Initech"],
        &["no organization matches 'Initech'"],
    );
    r.fails(
        &["org", "add", "Initech", "--tier", "S"],
        &["--tier", "unknown tier 'S'"],
    );

    // A rebrand: the name, domain and tier change; the people stay; names stay unique.
    r.fails(
        &["org", "edit", "Acme Corp", "--name", "globex"],
        &["an organization named 'globex' already exists"],
    );
    r.fails(
        &["org", "edit", "Acme Corp", "--name", " "],
        &["--name: an organization name cannot be empty"],
    );
    r.fails(
        &["org", "edit", "Acme Corp", "--tier", "S"],
        &["--tier", "unknown tier 'S'"],
    );
    let renamed = r.json(&[
        "org",
        "edit",
        "acme.example",
        "--name",
        "Acme Group",
        "--domain",
        "acmegroup.EXAMPLE",
        "--tier",
        "B",
    ]);
    assert_eq!(
        (
            s(&renamed["name"]),
            s(&renamed["domain"]),
            s(&renamed["tier"])
        ),
        ("Acme Group", "acmegroup.example", "B")
    );
    assert_eq!(renamed["contact_count"], 2);
    let shown = r.ok(&["org", "show", "acmegroup.example"]);
    assert!(shown.contains("Acme Group"), "{shown}");
    let cleared = r.json(&[
        "org",
        "edit",
        "Acme Group",
        "--domain",
        "none",
        "--tier",
        "none",
    ]);
    assert_eq!(
        (&cleared["domain"], &cleared["tier"]),
        (&Value::Null, &Value::Null)
    );
    let found = r.json(&["search", "acme", "group"]);
    let people: Vec<&str> = found["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| s(&hit["contact"]["name"]))
        .collect();
    assert_eq!(people, ["Road Runner", "Wile Coyote"], "{found}");
    assert_eq!(s(&found["organizations"][0]["name"]), "Acme Group");
}

/// `rapport contact list | head -1`: once the reader has gone, the command stops the way every
/// Unix tool does (SIGPIPE), instead of panicking on its next line of output.
#[cfg(unix)]
#[test]
fn a_listing_piped_into_a_reader_that_stops_early_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;

    let r = Rapport::new();
    r.add("Ada Lovelace", &[]);
    let (status, stderr) =
        crate::support::rapport_into_closed_pipe(&["--db", r.db.url()], &["contact", "list"]);
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

//! The ideal client profile from the command line: criteria, organization profiles, custom
//! fields, `fit` with its reasons, lists sorted by fit, and the refusals (nothing written).

use crate::support::{Rapport, s};

/// Two organizations and three contacts, profiled, with the profile below.
fn book(r: &Rapport) -> (String, String, String) {
    r.ok(&["org", "add", "Acme"]);
    r.ok(&["org", "add", "Globex"]);
    r.ok(&[
        "org",
        "edit",
        "Acme",
        "--industry",
        "Software",
        "--size",
        "1,200",
        "--region",
        "EU",
    ]);
    r.ok(&[
        "org",
        "edit",
        "Globex",
        "--industry",
        "logistics",
        "--size",
        "120",
        "--field",
        "segment=enterprise",
    ]);
    let ann = r.add("Ann Lee", &["--org", "Acme", "--tag", "conference"]);
    let bob = r.add("Bob Stone", &["--org", "Globex"]);
    let cy = r.add("Cy Young", &[]);
    (ann.to_string(), bob.to_string(), cy.to_string())
}

fn profile(r: &Rapport) {
    r.ok(&[
        "icp",
        "add",
        "industry",
        "Software, Logistics",
        "--weight",
        "3",
    ]);
    r.ok(&["icp", "add", "size", "50..500", "--weight", "2"]);
    r.ok(&["icp", "add", "region", "EU", "--weight", "1"]);
    r.ok(&["icp", "add", "tag", "conference", "--weight", "2"]);
    r.ok(&["icp", "add", "field:segment", "enterprise", "--weight", "2"]);
}

#[test]
fn without_criteria_there_is_no_score_not_zero() {
    let r = Rapport::new();
    let (ann, _, _) = book(&r);
    let fit = r.json(&["fit", &ann]);
    assert_eq!(fit["score"], serde_json::Value::Null);
    assert!(s(&fit["note"]).starts_with("no fit score"), "{fit}");
    assert!(r.ok(&["fit", &ann]).contains("no fit score"));
    assert_eq!(r.json(&["icp", "list"]), serde_json::json!([]));
}

#[test]
fn criteria_are_added_listed_removed_and_audited() {
    let r = Rapport::new();
    profile(&r);
    let listed = r.json(&["icp", "list"]);
    let rows: Vec<(String, String, i64)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                s(&c["field"]).to_owned(),
                s(&c["value"]).to_owned(),
                c["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("industry".into(), "Software, Logistics".into(), 3),
            ("size".into(), "50..500".into(), 2),
            ("region".into(), "EU".into(), 1),
            ("tag".into(), "conference".into(), 2),
            ("field:segment".into(), "enterprise".into(), 2),
        ]
    );
    let region = listed[2]["id"].to_string();
    r.ok(&["icp", "remove", &region]);
    assert_eq!(r.json(&["icp", "list"]).as_array().unwrap().len(), 4);
    r.fails(
        &["icp", "remove", &region],
        &["no ideal client profile criterion"],
    );
    let audit = r.ok(&["audit"]);
    assert!(audit.contains("remove icp_criterion"), "{audit}");
    assert!(audit.contains("create icp_criterion"), "{audit}");
}

#[test]
fn fit_explains_every_criterion_for_contacts_and_organizations() {
    let r = Rapport::new();
    let (ann, bob, cy) = book(&r);
    profile(&r);
    // Acme: Software (+3), 1,200 outside 50–500 (0), EU (+1), no tag for an organization,
    // no segment (0): 4 of 8 → 50.
    let acme = r.json(&["fit", "--org", "Acme"]);
    assert_eq!(
        (
            acme["score"].as_i64(),
            acme["earned"].as_i64(),
            acme["possible"].as_i64()
        ),
        (Some(50), Some(4), Some(8))
    );
    let reasons: Vec<&str> = acme["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["reason"]))
        .collect();
    assert_eq!(
        reasons,
        [
            "industry is Software: +3 of 3",
            "size 1,200 is outside 50–500: 0 of 2",
            "region is EU: +1 of 1",
            "tag conference: applies to contacts only",
            "no segment recorded: 0 of 2",
        ]
    );
    // Ann at Acme, tagged conference: 4 + 2 of 10 → 60.
    assert_eq!(r.json(&["fit", &ann])["score"], 60);
    // Bob at Globex: logistics (+3), 120 within (+2), no region (0), not tagged (0),
    // segment from Globex (+2): 7 of 10 → 70.
    let bob_fit = r.json(&["fit", &bob]);
    assert_eq!(bob_fit["score"], 70);
    assert_eq!(
        bob_fit["reasons"][2]["reason"],
        "no region recorded: 0 of 1"
    );
    // A contact's own field wins over its organization's.
    r.ok(&["contact", "edit", &bob, "--field", "Segment=smb"]);
    let bob_fit = r.json(&["fit", &bob]);
    assert_eq!(bob_fit["score"], 50);
    assert_eq!(
        bob_fit["reasons"][4]["reason"],
        "segment smb is not enterprise: 0 of 2"
    );
    assert_eq!(
        r.show(&bob)["fields"],
        serde_json::json!({"segment": "smb"})
    );
    r.ok(&["contact", "edit", &bob, "--unset-field", "segment"]);
    assert_eq!(r.json(&["fit", &bob])["score"], 70);
    // No organization, no tag: everything missing, 0 of 10 — a score of 0, with reasons.
    assert_eq!(r.json(&["fit", &cy])["score"], 0);
    // `fit NAME` falls back to an organization; show prints the fit too.
    assert!(
        r.ok(&["fit", "Globex"])
            .contains("fit      88/100 (7 of 8)")
    );
    let shown = r.ok(&["contact", "show", &ann]);
    assert!(shown.contains("fit      60/100 (6 of 10)"), "{shown}");
    assert!(shown.contains("tagged conference: +2 of 2"), "{shown}");
    let org = r.ok(&["org", "show", "Acme"]);
    assert!(
        org.contains("profile  Software, 1,200 employees, EU"),
        "{org}"
    );
}

#[test]
fn lists_sort_by_fit_best_first_and_unscored_last() {
    let r = Rapport::new();
    let (ann, bob, cy) = book(&r);
    let by_name = r.json(&["contact", "list", "--sort", "fit"]);
    let fits: Vec<_> = by_name
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["fit"].clone())
        .collect();
    assert_eq!(
        fits,
        vec![serde_json::Value::Null; 3],
        "no profile: no scores, name order"
    );
    profile(&r);
    let ids = |v: serde_json::Value| -> Vec<(String, i64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].to_string(), c["fit"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(
        ids(r.json(&["contact", "list", "--sort", "fit"])),
        [(bob.clone(), 70), (ann.clone(), 60), (cy.clone(), 0)]
    );
    assert_eq!(
        ids(r.json(&["contact", "list", "--sort", "fit", "--limit", "2"])),
        [(bob, 70), (ann, 60)]
    );
    let orgs: Vec<(String, i64)> = r
        .json(&["org", "list", "--sort", "fit"])
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (s(&o["name"]).to_owned(), o["fit"].as_i64().unwrap()))
        .collect();
    assert_eq!(orgs, [("Globex".into(), 88), ("Acme".into(), 50)]);
    let text = r.ok(&["org", "list", "--sort", "fit"]);
    assert!(text.starts_with("fit  88  #2"), "{text}");
    r.fails(
        &["contact", "list", "--sort", "best"],
        &["--sort", "expected name or fit"],
    );
}

#[test]
fn bad_input_is_refused_by_name_and_writes_nothing() {
    let r = Rapport::new();
    let (ann, _, _) = book(&r);
    profile(&r);
    let before = (r.json(&["icp", "list"]), r.snapshot(), r.ok(&["audit"]));
    r.fails(
        &["icp", "add", "colour", "red"],
        &["field", "unknown criterion field 'colour'"],
    );
    r.fails(
        &["icp", "add", "region", "EU", "--weight", "11"],
        &["--weight", "from 1 to 10"],
    );
    r.fails(
        &["icp", "add", "region", "EU", "--weight", "0"],
        &["--weight"],
    );
    r.fails(
        &["icp", "add", "size", "500..50", "--weight", "2"],
        &["value", "minimum is above the maximum"],
    );
    r.fails(&["icp", "add", "size", "lots"], &["value", "MIN..MAX"]);
    r.fails(
        &["icp", "add", "industry", " , "],
        &["value", "at least one value"],
    );
    r.fails(
        &["icp", "add", "field:no space", "x"],
        &["value", "custom field key"],
    );
    r.fails(
        &["org", "edit", "Acme", "--size=-3"],
        &["--size", "at least 0"],
    );
    r.fails(
        &["org", "edit", "Acme", "--field", "novalue"],
        &["--field", "KEY=VALUE"],
    );
    r.fails(
        &["contact", "edit", &ann, "--field", "a b=c"],
        &["--field", "custom field key"],
    );
    r.fails(
        &["contact", "edit", &ann, "--unset-field", "nothing"],
        &["no custom field 'nothing'"],
    );
    r.fails(&["icp", "remove", "x"], &["id", "criterion id"]);
    let after = (r.json(&["icp", "list"]), r.snapshot(), r.ok(&["audit"]));
    assert_eq!(before, after, "a refused command writes nothing");
}

#[test]
fn only_admins_change_the_profile_but_everyone_reads_it() {
    let r = Rapport::new();
    book(&r);
    profile(&r);
    for (email, role) in [("mo@team.example", "member"), ("vi@team.example", "viewer")] {
        let added = r.run_with_input(
            "a long enough password\n",
            &["user", "add", email, "--role", role],
        );
        assert!(added.success, "{}", added.stderr);
        r.fails(
            &["--as", email, "icp", "add", "region", "EU"],
            &["only an admin", "ideal client profile"],
        );
        r.fails(
            &["--as", email, "icp", "remove", "1"],
            &["only an admin", "ideal client profile"],
        );
        assert_eq!(
            r.json(&["--as", email, "icp", "list"])
                .as_array()
                .unwrap()
                .len(),
            5
        );
        assert_eq!(
            r.json(&["--as", email, "fit", "--org", "Acme"])["score"],
            50
        );
    }
    r.fails(
        &[
            "--as",
            "vi@team.example",
            "org",
            "edit",
            "Acme",
            "--region",
            "APAC",
        ],
        &["viewer"],
    );
    r.ok(&[
        "--as",
        "mo@team.example",
        "org",
        "edit",
        "Acme",
        "--region",
        "APAC",
    ]);
}

#[test]
fn custom_fields_survive_a_merge() {
    let r = Rapport::new();
    let a = r.add(
        "Dana Whitfield",
        &["--org", "Acme", "--phone", "+1 555 0100"],
    );
    let b = r.add("Dana Whitfeld", &["--org", "Acme", "--phone", "555 0100"]);
    let (a, b) = (a.to_string(), b.to_string());
    r.ok(&["contact", "edit", &a, "--field", "segment=enterprise"]);
    r.ok(&[
        "contact",
        "edit",
        &b,
        "--field",
        "segment=smb",
        "--field",
        "crm=hubspot",
    ]);
    let merged = r.json(&["merge", &a, &b]);
    assert_eq!(merged["moved"]["fields"], 1);
    assert_eq!(
        r.show(&a)["fields"],
        serde_json::json!({"crm": "hubspot", "segment": "enterprise"}),
        "the survivor's own value wins; what it lacked comes over"
    );
}

//! Calling cycles: where a contact's cadence comes from, and that changing a default
//! reschedules the contacts who inherit it.

use serde_json::json;

use crate::support::{Rapport, s};

/// (cadence, cadence source, next touch, next touch source) as `contact show --json` says.
fn schedule(r: &Rapport, who: &str) -> (String, String, String, String) {
    let c = r.show(who);
    (
        s(&c["cadence"]["every"]).to_owned(),
        s(&c["cadence"]["source"]).to_owned(),
        s(&c["next_touch"]["on"]).to_owned(),
        s(&c["next_touch"]["source"]).to_owned(),
    )
}

fn expect(every: &str, source: &str, on: &str) -> (String, String, String, String) {
    (every.into(), source.into(), on.into(), "cadence".into())
}

#[test]
fn precedence_is_own_then_tier_stage_role_horizon_fallback() {
    let r = Rapport::new();
    for args in [
        ["--stage", "engaged", "45d"],
        ["--role", "champion", "3w"],
        ["--role", "partner", "2w"],
        ["--horizon", "lifetime", "6m"],
    ] {
        let mut all = vec!["cadence", "default"];
        all.extend(args);
        r.ok(&all);
    }
    let everything = [
        "--stage",
        "engaged",
        "--role",
        "champion",
        "--horizon",
        "lifetime",
    ];
    let mut own = vec!["--cadence", "10d", "--tier", "A"];
    own.extend(everything);
    let mut tiered = vec!["--tier", "A"];
    tiered.extend(everything);
    let people: [(&str, Vec<&str>); 7] = [
        ("Olga Own", own),
        ("Tina Tier", tiered),
        ("Stan Stage", everything.to_vec()),
        (
            "Rolf Role",
            vec![
                "--role",
                "champion",
                "--role",
                "partner",
                "--horizon",
                "lifetime",
            ],
        ),
        ("Hank Horizon", vec!["--horizon", "lifetime"]),
        ("Fred Fallback", vec![]),
        ("Dora Dtier", vec!["--tier", "D"]),
    ];
    for (name, flags) in &people {
        r.add(name, flags);
        r.ok(&["log", name, "--kind", "call"]);
    }

    // Touched on 2026-11-25; the tightest role wins among several.
    assert_eq!(schedule(&r, "Olga"), expect("10d", "contact", "2026-12-05"));
    assert_eq!(schedule(&r, "Tina"), expect("30d", "tier:A", "2026-12-25"));
    assert_eq!(
        schedule(&r, "Stan"),
        expect("45d", "stage:engaged", "2027-01-09")
    );
    assert_eq!(
        schedule(&r, "Rolf"),
        expect("2w", "role:partner", "2026-12-09")
    );
    assert_eq!(
        schedule(&r, "Hank"),
        expect("6m", "horizon:lifetime", "2027-05-25")
    );
    assert_eq!(schedule(&r, "Fred"), expect("3m", "default", "2027-02-25"));
    assert_eq!(schedule(&r, "Dora"), expect("6m", "tier:D", "2027-05-25"));

    // contact show explains the rule and its source in words.
    let tina = r.show("Tina");
    assert_eq!(s(&tina["cadence"]["source_description"]), "from tier A");
    assert_eq!(s(&tina["cadence"]["description"]), "every 30 days");
    assert_eq!(tina["cadence_is_own"], false);
    assert_eq!(
        s(&tina["next_touch"]["why"]),
        "cycle every 30 days (from tier A), last touch today"
    );
    let olga = r.show("Olga");
    assert_eq!(olga["cadence_is_own"], true);
    assert_eq!(
        s(&olga["cadence"]["source_description"]),
        "set on the contact"
    );
    assert_eq!(
        s(&r.show("Hank")["next_touch"]["why"]),
        "half-yearly cycle (from horizon lifetime), last touch today"
    );
    assert_eq!(
        s(&r.show("Fred")["next_touch"]["why"]),
        "quarterly cycle (the default), last touch today"
    );
    let text = r.ok(&["contact", "show", "Tina"]);
    assert!(text.contains("every 30 days, from tier A"), "{text}");

    // A tighter tier default reschedules the tier-A contacts who inherit it, and only them.
    let out = r.ok(&["cadence", "default", "--tier", "A", "14d"]);
    assert!(out.contains("1 contacts rescheduled"), "{out}");
    assert_eq!(schedule(&r, "Tina"), expect("14d", "tier:A", "2026-12-09"));
    assert_eq!(schedule(&r, "Olga"), expect("10d", "contact", "2026-12-05"));

    // Removing it hands Tina down to her stage.
    let defaults = r.json(&["cadence", "default", "--tier", "A", "none"]);
    assert!(
        !defaults
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["scope"] == "tier" && d["key"] == "A"),
        "{defaults}"
    );
    assert_eq!(
        schedule(&r, "Tina"),
        expect("45d", "stage:engaged", "2027-01-09")
    );

    // Olga gives up her own cadence: her tier has no default any more, so her stage decides.
    let set = r.json(&["cadence", "set", "Olga", "inherit"]);
    assert_eq!(s(&set["cadence"]["source"]), "stage:engaged");
    assert_eq!(s(&set["next_touch_on"]), "2027-01-09");
    assert_eq!(r.show("Olga")["cadence_is_own"], false);

    // The fallback moves everyone who has nothing more specific.
    r.ok(&["cadence", "default", "--fallback", "2m"]);
    assert_eq!(schedule(&r, "Fred"), expect("2m", "default", "2027-01-25"));
    let set = r.json(&["cadence", "set", "Fred", "2w"]);
    assert_eq!(s(&set["cadence"]["source"]), "contact");
    assert_eq!(s(&set["next_touch_on"]), "2026-12-09");
    r.ok(&["cadence", "set", "Fred", "inherit"]);
    assert_eq!(schedule(&r, "Fred"), expect("2m", "default", "2027-01-25"));

    // Roles change over time: ending one changes the tightest.
    r.ok(&["contact", "edit", "Rolf", "--end-role", "partner"]);
    assert_eq!(
        schedule(&r, "Rolf"),
        expect("3w", "role:champion", "2026-12-16")
    );
    let rolf = r.show("Rolf");
    let partner = rolf["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|role| role["role"] == "partner")
        .unwrap();
    assert_eq!(partner["until"], "2026-11-25", "role history is kept");
    r.ok(&["contact", "edit", "Rolf", "--end-role", "champion"]);
    assert_eq!(
        schedule(&r, "Rolf"),
        expect("6m", "horizon:lifetime", "2027-05-25")
    );
    r.ok(&["cadence", "default", "--stage", "engaged", "none"]);
    assert_eq!(
        schedule(&r, "Stan"),
        expect("3w", "role:champion", "2026-12-16")
    );

    let defaults = r.json(&["cadence", "default"]);
    let listed: Vec<(String, String, String)> = defaults
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                s(&d["scope"]).to_owned(),
                s(&d["key"]).to_owned(),
                s(&d["every"]).to_owned(),
            )
        })
        .collect();
    let want = [
        ("fallback", "", "2m"),
        ("tier", "B", "60d"),
        ("tier", "C", "3m"),
        ("tier", "D", "6m"),
        ("role", "champion", "3w"),
        ("role", "partner", "2w"),
        ("horizon", "lifetime", "6m"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(listed, want);
    assert_eq!(
        defaults[0],
        json!({"scope": "fallback", "key": "", "every": "2m", "description": "every 2 months"})
    );
}

/// A tier set on a contact after the fact, or an edited own cadence, reschedules at once.
#[test]
fn editing_a_contact_reschedules_it() {
    let r = Rapport::new();
    let id = r.add("Eve Edit", &[]).to_string();
    r.ok(&["log", &id, "--kind", "meeting"]);
    assert_eq!(schedule(&r, &id), expect("3m", "default", "2027-02-25"));
    let edited = r.json(&["contact", "edit", &id, "--tier", "b"]);
    assert_eq!(s(&edited["tier"]), "B");
    assert_eq!(s(&edited["next_touch"]["on"]), "2027-01-24");
    assert_eq!(s(&edited["cadence"]["source"]), "tier:B");
    r.ok(&["contact", "edit", &id, "--cadence", "1w"]);
    assert_eq!(schedule(&r, &id), expect("1w", "contact", "2026-12-02"));
    r.ok(&[
        "contact",
        "edit",
        &id,
        "--cadence",
        "none",
        "--tier",
        "none",
    ]);
    assert_eq!(schedule(&r, &id), expect("3m", "default", "2027-02-25"));
}

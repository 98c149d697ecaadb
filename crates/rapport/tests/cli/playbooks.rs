//! Lifecycle playbooks from the command line: every stage's, changed by admins; a stage's
//! cadence is its default cycle (one source); a contact's checklist ticked off and audited;
//! the approach follows the prospect kind; staying in a stage costs nothing.

use crate::support::{Rapport, s};

#[test]
fn playbooks_every_stage_has_one_and_its_cadence_is_the_stage_default() {
    let r = Rapport::new();
    let all = r.json(&["playbook"]);
    let stages: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| s(&p["stage"]))
        .collect();
    assert_eq!(
        stages,
        vec![
            "stranger",
            "acquainted",
            "engaged",
            "customer",
            "advocate",
            "dormant"
        ]
    );
    let engaged = &all[2];
    assert_eq!(engaged["checklist"].as_array().unwrap().len(), 3);
    assert!(
        engaged["cadence"].is_null(),
        "no stage default until one is set"
    );

    // The stage's default cycle is the playbook's cadence: set in one place, seen in both.
    r.ok(&["cadence", "default", "--stage", "engaged", "6w"]);
    let text = r.ok(&["playbook", "engaged"]);
    assert!(
        text.starts_with("engaged  (cadence: every 6 weeks)"),
        "{text}"
    );
    assert!(text.contains("  3. Know the buying timeline"), "{text}");

    let changed = r.json(&[
        "playbook",
        "set",
        "engaged",
        "--step",
        "Meet the   decision maker",
        "--step",
        "Agree on success",
        "--approach-seasoned",
        "Show the difference from the incumbent",
    ]);
    assert_eq!(
        changed["checklist"],
        serde_json::json!(["Meet the decision maker", "Agree on success"])
    );
    assert_eq!(
        s(&changed["approach_seasoned"]),
        "Show the difference from the incumbent"
    );
    assert_eq!(s(&changed["cadence"]), "6w");
    assert_eq!(
        r.db.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'relationship_setting' \
             AND after LIKE '%Agree on success%'"
        ),
        1
    );

    r.fails(
        &["playbook", "set", "engaged", "--looks-like", "  "],
        &["--looks-like: cannot be empty"],
    );
    r.fails(
        &["playbook", "set", "someday", "--looks-like", "x"],
        &["stage: unknown lifecycle stage 'someday'"],
    );
    let thirteen: Vec<String> = (1..=13).map(|n| format!("step {n}")).collect();
    let mut args = vec!["playbook", "set", "engaged"];
    for step in &thirteen {
        args.extend(["--step", step.as_str()]);
    }
    r.fails(&args, &["--step: a checklist has at most 12 steps"]);
    assert_eq!(
        r.json(&["playbook", "engaged"])[0]["checklist"][1],
        "Agree on success",
        "a refused change changes nothing"
    );
}

#[test]
fn playbooks_a_contacts_checklist_is_ticked_off_and_the_approach_follows_the_kind() {
    let r = Rapport::new();
    r.add(
        "Dana Whitfield",
        &["--org", "Halcyon Freight", "--stage", "engaged"],
    );
    let listed = r.ok(&["checklist", "Dana"]);
    assert!(
        listed.contains("playbook engaged: 0 of 3 steps done"),
        "{listed}"
    );
    assert!(
        listed.contains("approach for a new (suggested) prospect: Walk them through"),
        "{listed}"
    );

    let ticked = r.json(&["checklist", "Dana", "--tick", "2"]);
    assert_eq!(s(&ticked["progress"]), "1 of 3 steps done");
    assert_eq!(ticked["steps"][1]["done"], true);
    assert_eq!(ticked["steps"][0]["done"], false);
    assert_eq!(
        r.db.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'contact' AND action = 'update' \
             AND after LIKE '%engaged: Agree on the problem%'"
        ),
        1
    );
    let shown = r.ok(&["contact", "show", "Dana"]);
    assert!(
        shown.contains("    [x] 2. Agree on the problem and what success looks like"),
        "{shown}"
    );
    r.fails(
        &["checklist", "Dana", "--tick", "4"],
        &["the engaged checklist has steps 1 to 3, not 4"],
    );
    let unticked = r.json(&["checklist", "Dana", "--untick", "2"]);
    assert_eq!(s(&unticked["progress"]), "0 of 3 steps done");

    // An incumbent makes her a seasoned prospect: the seasoned approach.
    r.ok(&["org", "competitor", "Halcyon", "--name", "Globex"]);
    let seasoned = r.json(&["checklist", "Dana"]);
    assert_eq!(s(&seasoned["prospect_kind"]), "seasoned");
    assert_eq!(seasoned["prospect_kind_suggested"], true);
    assert_eq!(
        s(&seasoned["approach"]),
        "Show the difference from the incumbent ahead of the renewal."
    );
    r.ok(&["contact", "edit", "Dana", "--kind", "new"]);
    let set = r.json(&["checklist", "Dana"]);
    assert_eq!(set["prospect_kind_suggested"], false);
    assert_eq!(
        s(&set["approach"]),
        "Walk them through how buying works and who to involve."
    );

    // Progress is kept per stage: moving on and back loses nothing.
    r.ok(&["checklist", "Dana", "--tick", "1"]);
    r.ok(&["contact", "edit", "Dana", "--stage", "customer"]);
    assert_eq!(
        s(&r.json(&["checklist", "Dana"])["progress"]),
        "0 of 3 steps done"
    );
    r.ok(&["contact", "edit", "Dana", "--stage", "engaged"]);
    assert_eq!(
        s(&r.json(&["checklist", "Dana"])["progress"]),
        "1 of 3 steps done"
    );

    r.add("No Stage", &[]);
    r.fails(
        &["checklist", "No Stage"],
        &["has no lifecycle stage, so no checklist"],
    );
}

/// Staying in a stage is fine: a year in "engaged" scores what a day there does.
#[test]
fn playbooks_time_in_a_stage_is_never_penalised() {
    let r = Rapport::new();
    r.at("2025-11-25");
    r.add("Long Stayer", &["--stage", "engaged", "--cadence", "30d"]);
    r.add(
        "New Arrival",
        &["--stage", "acquainted", "--cadence", "30d"],
    );
    r.at("2026-11-20");
    for name in ["Long", "New"] {
        r.ok(&["log", name, "--kind", "call", "--inbound"]);
    }
    r.ok(&["contact", "edit", "New", "--stage", "engaged"]);
    r.at("2026-11-25");
    let health = |name: &str| r.json(&["health", name])["health"].clone();
    assert_eq!(health("Long"), health("New"));
    assert!(r.json(&["at-risk"]).as_array().unwrap().is_empty());
}

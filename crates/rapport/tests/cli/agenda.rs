//! The agenda: overdue, due today and upcoming, ranked; windows; archiving; time zones.

use crate::support::{Rapport, entries, entry, rapport_raw, s};

/// Adds a contact on `day` and, if `touch`, logs a call that day. Returns its id.
fn contact_on(r: &Rapport, day: &str, name: &str, flags: &[&str], touch: bool) -> i64 {
    r.at(day);
    let id = r.add(name, flags);
    if touch {
        r.ok(&["log", &id.to_string(), "--kind", "call"]);
    }
    id
}

#[test]
fn ranked_overdue_then_today_then_upcoming_within_the_window() {
    let r = Rapport::new();
    // Never touched, added 2026-10-01: due that day, 55 days late on 2026-11-25 on a
    // quarterly cycle.
    let olive = contact_on(&r, "2026-10-01", "Olive Old", &[], false);
    // A week late on a weekly cycle: a whole cycle overdue.
    let walt = contact_on(&r, "2026-11-11", "Walt Weekly", &["--cadence", "1w"], true);
    // One day late, but tier A (a fortress client): 1/30 of a cycle plus the tier bonus.
    let fran = contact_on(&r, "2026-10-25", "Fran Fortress", &["--tier", "A"], true);
    let tom = contact_on(&r, "2026-10-26", "Tom Today", &["--cadence", "30d"], true);
    let sue = contact_on(&r, "2026-10-28", "Sue Soon", &["--cadence", "30d"], true);
    let lee = contact_on(&r, "2026-11-04", "Lee Later", &["--cadence", "30d"], true);
    let far = contact_on(&r, "2026-11-25", "Fay Far", &[], true);

    r.at("2026-11-25");
    let today = r.json(&["today"]);
    assert_eq!(s(&today["today"]), "2026-11-25");
    assert_eq!(s(&today["through"]), "2026-11-25");
    assert_eq!(today["counts"]["overdue"], 3);
    assert_eq!(today["counts"]["today"], 1);
    assert_eq!(today["counts"]["upcoming"], 0);
    assert_eq!(today["truncated"], false);
    let overdue = |id, due: &str| (id, "overdue".to_owned(), due.to_owned());
    assert_eq!(
        entries(&today),
        vec![
            overdue(fran, "2026-11-24"),
            overdue(walt, "2026-11-18"),
            overdue(olive, "2026-10-01"),
            (tom, "today".into(), "2026-11-25".into()),
        ]
    );
    let e = entry(&today, fran).unwrap();
    assert_eq!(e["urgency"], 1.033);
    assert_eq!(e["days_overdue"], 1);
    let e = entry(&today, walt).unwrap();
    assert_eq!(e["urgency"], 1.0);
    assert_eq!(e["days_overdue"], 7);
    assert_eq!(
        s(&e["why"]),
        "weekly cycle (set on the contact), last touch 14 days ago"
    );
    let e = entry(&today, olive).unwrap();
    assert_eq!(e["urgency"], 0.602);
    assert_eq!(e["days_overdue"], 55);
    assert_eq!(
        s(&e["why"]),
        "new contact, no touch logged yet (added 55 days ago)"
    );
    assert!(e["last_touch"].is_null());

    // A week ahead: Sue (27 Nov) is upcoming; Lee (4 Dec) is not yet in the window.
    let week = r.json(&["agenda", "--days", "7"]);
    assert_eq!(s(&week["through"]), "2026-12-02");
    assert_eq!(week["counts"]["upcoming"], 1);
    let ids: Vec<i64> = entries(&week).iter().map(|e| e.0).collect();
    assert_eq!(ids, vec![fran, walt, olive, tom, sue]);
    let e = entry(&week, sue).unwrap();
    assert_eq!(s(&e["section"]), "upcoming");
    assert_eq!(e["days_overdue"], -2);
    assert_eq!(e["urgency"], 0.0);
    // The window is inclusive: 8 days ahead stops on 3 Dec, 9 days reaches Lee on 4 Dec.
    assert!(entry(&r.json(&["agenda", "--days", "8"]), lee).is_none());
    let nine = r.json(&["agenda", "--days", "9"]);
    let ids: Vec<i64> = entries(&nine).iter().map(|e| e.0).collect();
    assert_eq!(ids, vec![fran, walt, olive, tom, sue, lee]);
    // The default window is 7 days; Fay (next quarter) is on none of them.
    assert_eq!(entries(&r.json(&["agenda"])), entries(&week));
    assert!(entry(&r.json(&["agenda", "--days", "60"]), far).is_none());
    assert!(entry(&r.json(&["agenda", "--days", "92"]), far).is_some());

    // A limit cuts the list, not the counts.
    let short = r.json(&["today", "--limit", "2"]);
    assert_eq!(short["truncated"], true);
    assert_eq!(short["counts"]["overdue"], 3);
    let ids: Vec<i64> = entries(&short).iter().map(|e| e.0).collect();
    assert_eq!(ids, vec![fran, walt]);
    let text = r.ok(&["today", "--limit", "2"]);
    assert!(text.contains("and 2 more"), "{text}");

    // Archiving takes a contact off the agenda and out of lists; history is kept.
    r.ok(&["contact", "archive", "Walt"]);
    let today = r.json(&["today"]);
    assert_eq!(today["counts"]["overdue"], 2);
    assert!(entry(&today, walt).is_none());
    let active = r.json(&["contact", "list"]);
    assert_eq!(active.as_array().unwrap().len(), 6);
    let all = r.all_contacts();
    assert_eq!(all.as_array().unwrap().len(), 7);
    let archived = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == walt)
        .unwrap();
    assert_eq!(archived["archived"], true);
    let shown = r.show(&walt.to_string());
    assert_eq!(shown["archived"], true);
    assert_eq!(shown["recent_touches"].as_array().unwrap().len(), 1);
    r.fails(
        &["log", "Walt", "--kind", "call"],
        &[&format!("contact #{walt} is archived")],
    );

    // Unarchiving brings the contact back, due as before.
    r.ok(&["contact", "unarchive", &walt.to_string()]);
    let today = r.json(&["today"]);
    assert_eq!(today["counts"]["overdue"], 3);
    let e = entry(&today, walt).expect("back on the agenda");
    assert_eq!(s(&e["due_on"]), "2026-11-18");
}

/// "Today" is the user's calendar day in their zone: at 23:30 UTC it is already tomorrow in
/// Paris, and a touch logged then falls on the Paris day.
#[test]
fn today_is_the_users_own_calendar_day() {
    let r = Rapport::new();
    let id = r.add("Zoe Zone", &["--cadence", "1d"]).to_string();
    r.ok(&["log", &id, "--kind", "call"]);
    // Due 2026-11-26.
    r.at("2026-11-25T23:30:00Z");
    assert!(r.in_zone("UTC").today().is_empty());
    assert!(r.in_zone("America/Los_Angeles").today().is_empty());
    let paris = r.in_zone("Europe/Paris").json(&["today"]);
    assert_eq!(s(&paris["today"]), "2026-11-26");
    assert_eq!(
        entries(&paris),
        vec![(1, "today".into(), "2026-11-26".into())]
    );

    // Logged at that instant from Paris, the touch is on the 26th; the next is the 27th.
    let logged = r.json(&["log", &id, "--kind", "message"]);
    assert_eq!(s(&logged["next_touch_on"]), "2026-11-27");
    let touch = &r.show(&id)["recent_touches"][0];
    assert_eq!(s(&touch["at"]), "2026-11-25T23:30:00Z");
    assert_eq!(s(&touch["on"]), "2026-11-26");

    // A local time is read in the zone in force.
    let r2 = Rapport::new();
    r2.in_zone("Asia/Tokyo").at("2026-11-25T08:00");
    let id2 = r2.add("Taro", &[]).to_string();
    r2.ok(&["log", &id2, "--kind", "call"]);
    let touch = &r2.show(&id2)["recent_touches"][0];
    assert_eq!(s(&touch["at"]), "2026-11-24T23:00:00Z");
    assert_eq!(s(&touch["on"]), "2026-11-25");
}

/// The saved time zone applies when no --tz is given; --tz overrides it for one run.
#[test]
fn the_saved_time_zone_sets_today() {
    let r = Rapport::new();
    let saved = r.json(&["settings", "--time-zone", "Pacific/Auckland"]);
    assert_eq!(s(&saved["time_zone_saved"]), "Pacific/Auckland");
    assert_eq!(s(&saved["time_zone"]), "Pacific/Auckland");
    assert!(saved["schema_version"].as_i64().unwrap() >= 1);
    let db = r.db.url();
    // 2026-11-25 20:00 UTC is already the 26th in Auckland (UTC+13 in summer).
    let run = rapport_raw(
        &["--db", db, "--now", "2026-11-25T20:00:00Z", "--json"],
        &["today"],
        None,
    );
    assert!(run.success, "{}", run.stderr);
    let agenda: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(s(&agenda["today"]), "2026-11-26");
    let run = rapport_raw(
        &[
            "--db",
            db,
            "--now",
            "2026-11-25T20:00:00Z",
            "--tz",
            "UTC",
            "--json",
        ],
        &["today"],
        None,
    );
    let agenda: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(s(&agenda["today"]), "2026-11-25");
    let back = r.json(&["settings", "--time-zone", "system"]);
    assert!(back["time_zone_saved"].is_null());
}

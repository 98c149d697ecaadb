//! Lists and the agenda narrowed to a relationship role: only roles held on the day asked
//! about count (begun by then, not yet ended). Dates worked out by hand in the comments.

use crate::support::{Rapport, entries, s};

/// Three contacts due the same day: Cleo becomes a champion on 2026-11-25, Ida was one from
/// 2026-09-01 until 2026-11-25, Pete never was. All on a 30-day cycle from a call on
/// 2026-09-01, so due 2026-10-01 and overdue since.
fn champions() -> (Rapport, i64, i64, i64) {
    let r = Rapport::new();
    r.at("2026-09-01");
    let cleo = r.add("Cleo Champ", &["--cadence", "30d"]);
    let ida = r.add("Ida Former", &["--cadence", "30d", "--role", "champion"]);
    let pete = r.add("Pete Plain", &["--cadence", "30d", "--role", "prospect"]);
    for name in ["Cleo", "Ida", "Pete"] {
        r.ok(&["log", name, "--kind", "call"]);
    }
    r.at("2026-11-25");
    r.ok(&["contact", "edit", "Cleo", "--role", "champion"]);
    r.ok(&["contact", "edit", "Ida", "--end-role", "champion"]);
    (r, cleo, ida, pete)
}

#[test]
fn roles_the_agenda_narrows_to_a_role_held_on_the_day() {
    let (r, cleo, ida, pete) = champions();
    let ids = |agenda: &serde_json::Value| -> Vec<i64> {
        entries(agenda).into_iter().map(|(id, _, _)| id).collect()
    };

    let everyone = r.json(&["today"]);
    assert_eq!(ids(&everyone).len(), 3);
    let champions = r.json(&["today", "--role", "champion"]);
    assert_eq!(ids(&champions), vec![cleo]);
    // The counts are the narrowed agenda's too.
    assert_eq!(champions["counts"]["overdue"], 1, "{champions}");
    let text = r.ok(&["today", "--role", "champion"]);
    assert!(
        text.contains("Cleo Champ") && !text.contains("Ida Former"),
        "{text}"
    );

    // On 2026-11-20 Ida was still a champion and Cleo not yet one.
    let earlier = r.at("2026-11-20").json(&["today", "--role", "champion"]);
    assert_eq!(ids(&earlier), vec![ida]);
    let prospects = r.at("2026-11-25").json(&["today", "--role", "prospect"]);
    assert_eq!(ids(&prospects), vec![pete]);

    r.fails(
        &["today", "--role", "boss"],
        &["--role: unknown role 'boss'", "champion"],
    );
}

#[test]
fn roles_the_contact_list_narrows_to_a_current_role() {
    let (r, cleo, _, _) = champions();
    let listed = r.json(&["contact", "list", "--role", "champion"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["name"]))
        .collect();
    assert_eq!(names, vec!["Cleo Champ"]);
    assert_eq!(listed[0]["id"], cleo);
}

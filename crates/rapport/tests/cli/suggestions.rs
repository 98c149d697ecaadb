//! Suggestions from history, with their reasons, beside what is set: the prospect kind (a
//! seasoned prospect has an incumbent or past purchases) and the tier a relationship's value
//! earns. Sums worked out by hand in the comments.

use crate::support::{Rapport, s};

/// DESIGN.md: "A seasoned prospect unhappy with a competitor…": Rapport says so before anyone
/// sets the kind by hand.
#[test]
fn suggest_a_prospect_with_an_incumbent_or_past_purchases_is_seasoned() {
    let r = Rapport::new();
    r.add(
        "Dana Whitfield",
        &["--org", "Halcyon Freight", "--role", "prospect"],
    );
    let kind = |name: &str| r.show(name)["suggestions"]["prospect_kind"].clone();
    assert_eq!(s(&kind("Dana")["value"]), "new");
    assert_eq!(
        s(&kind("Dana")["reason"]),
        "no incumbent competitor, no won deal, never a customer"
    );

    r.ok(&[
        "org",
        "competitor",
        "Halcyon",
        "--name",
        "Globex",
        "--renews",
        "2027-05-01",
    ]);
    assert_eq!(s(&kind("Dana")["value"]), "seasoned");
    assert_eq!(s(&kind("Dana")["reason"]), "buys from Globex today");
    let text = r.ok(&["contact", "show", "Dana"]);
    assert!(
        text.contains("suggest  seasoned prospect: buys from Globex today"),
        "{text}"
    );

    // A won deal with a colleague at the same organization counts too.
    r.add("Sam Ortiz", &["--org", "Halcyon Freight"]);
    let id = r.ok(&[
        "opportunity",
        "add",
        "Sam",
        "--title",
        "Pilot",
        "--value",
        "9000",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", id.trim(), "--won"]);
    assert_eq!(
        s(&kind("Dana")["reason"]),
        "buys from Globex today; 1 won deal"
    );

    // A customer once: the role held from 2026-09-01 until 2026-11-25.
    r.at("2026-09-01");
    r.add("Ola Former", &["--role", "customer"]);
    r.at("2026-11-25");
    r.ok(&["contact", "edit", "Ola", "--end-role", "customer"]);
    assert_eq!(s(&kind("Ola")["value"]), "seasoned");
    assert_eq!(
        s(&kind("Ola")["reason"]),
        "a customer 2026-09-01 – 2026-11-25"
    );

    // Set by hand, the kind needs no suggestion.
    r.ok(&["contact", "edit", "Dana", "--kind", "new"]);
    assert!(kind("Dana").is_null());
    assert!(!r.ok(&["contact", "show", "Dana"]).contains("prospect:"));
}

#[test]
fn suggest_the_tier_a_relationships_value_earns() {
    let r = Rapport::new();
    r.add("Lena Park", &["--org", "Orbit Labs", "--tier", "A"]);
    r.add("Max Park", &["--org", "Orbit Labs"]);
    r.ok(&[
        "opportunity",
        "add",
        "Lena",
        "--title",
        "Fleet",
        "--value",
        "40000",
        "--timeline",
        "60",
    ]);
    let won = r.ok(&[
        "opportunity",
        "add",
        "Max",
        "--title",
        "Pilot",
        "--value",
        "52000",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", won.trim(), "--won"]);
    let lost = r.ok(&[
        "opportunity",
        "add",
        "Max",
        "--title",
        "Extra",
        "--value",
        "99000",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", lost.trim(), "--lost"]);

    // Won 52000 + open 40000 at Orbit Labs (the lost 99000 counts for nothing) = 92000:
    // under A's 100000, at least B's 25000.
    let shown = r.show("Lena");
    let tier = &shown["suggestions"]["tier"];
    assert_eq!(s(&tier["value"]), "B");
    assert_eq!(
        s(&tier["reason"]),
        "won 52000 + open 40000 at Orbit Labs = 92000: tier B from 25000"
    );
    // Her set tier A keeps its tighter default cycle, and says so.
    assert_eq!(s(&shown["suggestions"]["tier_cadence"]), "every 30 days");
    let text = r.ok(&["contact", "show", "Lena"]);
    assert!(
        text.contains("tier A (default cycle every 30 days)"),
        "{text}"
    );
    assert!(
        text.contains("suggest  tier B: won 52000 + open 40000 at Orbit Labs = 92000"),
        "{text}"
    );
    let org = r.json(&["org", "show", "Orbit"]);
    assert_eq!(s(&org["suggestions"]["tier"]["value"]), "B");

    // The thresholds are the team's: from 90000, 92000 is tier A.
    r.ok(&["settings", "--tier-values", "90000,20000,1000"]);
    assert_eq!(
        s(&r.show("Lena")["suggestions"]["tier"]["reason"]),
        "won 52000 + open 40000 at Orbit Labs = 92000: tier A from 90000"
    );
    assert!(
        r.ok(&["forecast", "--rules"])
            .contains("tier values: 90000,20000,1000")
    );
    r.fails(
        &["settings", "--tier-values", "1000,20000,90000"],
        &["--tier-values", "highest first"],
    );
    // A contact without an organization: their own deals.
    r.add("Solo Trader", &[]);
    assert_eq!(
        s(&r.show("Solo")["suggestions"]["tier"]["reason"]),
        "won 0 + open 0 at Solo Trader = 0: under 1000 for tier C"
    );
}

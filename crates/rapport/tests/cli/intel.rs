//! Relationship intelligence from the command line: opportunities and the forecast, the close
//! rule (won → retention, lost → nurture), competitors' renewals on the agenda. Dates are
//! worked out by hand in the comments.

use crate::support::{Rapport, entry, s};

/// DESIGN.md: "A lost deal: the contact moves to a nurture cycle and keeps showing up."
#[test]
fn intel_the_lost_deal_goes_to_nurture_and_keeps_showing_up() {
    let r = Rapport::new();
    r.at("2026-11-25");
    let lena = r.add(
        "Lena Park",
        &["--org", "Orbit Labs", "--tier", "A", "--role", "prospect"],
    );
    r.ok(&[
        "log",
        "Lena",
        "--kind",
        "call",
        "--summary",
        "Demo of the fleet module",
    ]);
    // Tier A: every 30 days from 2026-11-25.
    assert_eq!(s(&r.show("Lena")["next_touch"]["on"]), "2026-12-25");

    // "Within 60 days", said on 2026-11-25: by 2027-01-24 (5 + 31 + 24 days).
    let opened = r.json(&[
        "opportunity",
        "add",
        "Lena",
        "--title",
        "Fleet telematics",
        "--value",
        "40000",
        "--timeline",
        "60",
    ]);
    assert_eq!(s(&opened["close_by"]), "2027-01-24");
    assert_eq!(s(&opened["outcome"]), "open");
    assert_eq!(s(&opened["organization"]["name"]), "Orbit Labs");
    let id = opened["id"].to_string();

    let closed = r.at("2026-12-10").json(&[
        "opportunity",
        "close",
        &id,
        "--lost",
        "--reason",
        "chose a cheaper vendor",
    ]);
    assert_eq!(s(&closed["opportunity"]["outcome"]), "lost");
    assert_eq!(s(&closed["opportunity"]["closed_on"]), "2026-12-10");
    assert_eq!(
        s(&closed["opportunity"]["close_reason"]),
        "chose a cheaper vendor"
    );
    // The default lost rule: stage engaged, a 3-month nurture cycle of her own, which beats
    // her tier's 30 days: 2026-11-25 + 3 months.
    assert_eq!(s(&closed["schedule"]["next_touch_on"]), "2027-02-25");
    let shown = r.show("Lena");
    assert_eq!(s(&shown["stage"]), "engaged");
    assert_eq!(s(&shown["cadence"]["every"]), "3m");
    assert_eq!(shown["cadence_is_own"], true);
    assert_eq!(shown["archived"], false);

    // Never out of sight: off the agenda until the nurture touch is due, then on it…
    assert!(r.at("2027-02-24").today().is_empty());
    let due = r.at("2027-02-25").json(&["today"]);
    let lena_due = entry(&due, lena).expect("Lena is due on 2027-02-25");
    assert_eq!(
        s(&lena_due["why"]),
        "quarterly cycle (set on the contact), last touch 92 days ago"
    );
    // …and again a quarter after the next touch, and the one after that.
    r.ok(&[
        "log",
        "Lena",
        "--kind",
        "content-shared",
        "--summary",
        "Sent the TCO guide",
    ]);
    assert!(r.at("2027-05-24").today().is_empty());
    assert!(entry(&r.at("2027-05-25").json(&["today"]), lena).is_some());
    r.ok(&["log", "Lena", "--kind", "email"]);
    assert!(entry(&r.at("2027-08-25").json(&["today"]), lena).is_some());
}

#[test]
fn intel_a_won_deal_moves_the_contact_into_retention() {
    let r = Rapport::new();
    r.at("2026-11-25");
    r.add(
        "Sam Ortiz",
        &["--role", "prospect", "--stage", "acquainted"],
    );
    r.ok(&["log", "Sam", "--kind", "meeting"]);
    let id = r.ok(&[
        "opportunity",
        "add",
        "Sam",
        "--title",
        "Pilot",
        "--value",
        "12000",
        "--close-by",
        "2026-12-20",
    ]);
    let text = r.at("2026-12-01").ok(&[
        "opportunity",
        "close",
        id.trim(),
        "--won",
        "--reason",
        "pilot approved",
    ]);
    // The rule is said as it is applied.
    assert!(
        text.contains("Sam Ortiz moves to stage customer, role customer, every month"),
        "{text}"
    );
    let shown = r.show("Sam");
    assert_eq!(s(&shown["stage"]), "customer");
    let roles: Vec<(&str, &str)> = shown["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(&r["role"]), s(&r["since"])))
        .collect();
    assert!(roles.contains(&("customer", "2026-12-01")), "{roles:?}");
    assert!(roles.contains(&("prospect", "2026-11-25")), "{roles:?}");
    // Retention: a month after the last touch.
    assert_eq!(s(&shown["next_touch"]["on"]), "2026-12-25");
    assert_eq!(s(&shown["next_touch"]["source"]), "cadence");

    // The stage history says when and why, the close included.
    r.at("2027-01-10").ok(&[
        "contact",
        "edit",
        "Sam",
        "--stage",
        "advocate",
        "--stage-reason",
        "referred two peers",
    ]);
    assert_eq!(
        r.show("Sam")["stage_history"],
        serde_json::json!([
            {"stage": "acquainted", "on": "2026-11-25", "reason": null},
            {"stage": "customer", "on": "2026-12-01", "reason": "won: Pilot (pilot approved)"},
            {"stage": "advocate", "on": "2027-01-10", "reason": "referred two peers"},
        ])
    );
    let text = r.ok(&["contact", "show", "Sam"]);
    assert!(
        text.contains("stage    2026-12-01 → customer: won: Pilot (pilot approved)"),
        "{text}"
    );
    // An edit that leaves the stage as it is adds nothing.
    r.ok(&["contact", "edit", "Sam", "--title", "COO"]);
    assert_eq!(r.show("Sam")["stage_history"].as_array().unwrap().len(), 3);
}

#[test]
fn intel_the_forecast_buckets_open_deals_by_expected_close_from_today() {
    let r = Rapport::new();
    r.at("2026-11-25");
    for name in ["Ann Able", "Ben Baker", "Cy Cole"] {
        r.add(name, &[]);
    }
    let add = |who: &str, value: &str, when: &[&str]| {
        let mut args = vec![
            "opportunity",
            "add",
            who,
            "--title",
            "Deal",
            "--value",
            value,
        ];
        args.extend_from_slice(when);
        r.ok(&args).trim().to_owned()
    };
    add("Ann", "10000", &["--timeline", "30"]); // by 2026-12-25: 30 days
    add("Ben", "25000", &["--close-by", "2027-01-09"]); // 45 days
    add("Cy", "40000", &["--timeline", "90"]); // by 2027-02-23: 90 days
    add("Cy", "5000", &["--timeline", "later"]); // no date: later
    let won = add("Ben", "7000", &["--close-by", "2027-01-01"]); // 37 days, but won below
    r.ok(&["opportunity", "close", &won, "--won"]);

    let buckets = |at: &str| -> Vec<(String, u64, i64)> {
        r.at(at).json(&["forecast"])["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    s(&b["bucket"]).to_owned(),
                    b["count"].as_u64().unwrap(),
                    b["value"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let row = |b: &str, n: u64, v: i64| (b.to_owned(), n, v);
    assert_eq!(
        buckets("2026-11-25"),
        [
            row("30", 1, 10_000),
            row("60", 1, 25_000),
            row("90", 1, 40_000),
            row("later", 1, 5_000)
        ]
    );
    // 35 days on: Ann's is past due (still ≤30), Ben's 10 days out, Cy's 55 days out.
    assert_eq!(
        buckets("2026-12-30"),
        [
            row("30", 2, 35_000),
            row("60", 1, 40_000),
            row("90", 0, 0),
            row("later", 1, 5_000)
        ]
    );
    let text = r.at("2026-11-25").ok(&["forecast"]);
    assert!(text.contains("≤30 days"), "{text}");
    assert!(text.contains("10000"), "{text}");
}

#[test]
fn intel_the_close_rule_is_shown_and_changed_in_settings() {
    let r = Rapport::new();
    let rules = r.ok(&["forecast", "--rules"]);
    assert!(
        rules.contains("won  → retention: stage customer, role customer, every month"),
        "{rules}"
    );
    assert!(
        rules.contains("lost → nurture:   stage engaged, every 3 months"),
        "{rules}"
    );
    assert!(rules.contains("90 days before"), "{rules}");

    // A bad value is refused, naming its flag, and nothing changes.
    let before = r.json(&["forecast", "--rules"]);
    r.fails(
        &[
            "settings",
            "--lost-cadence",
            "2m",
            "--lost-stage",
            "nowhere",
        ],
        &["--lost-stage", "unknown lifecycle stage 'nowhere'"],
    );
    r.fails(
        &["settings", "--renewal-lead", "0"],
        &["--renewal-lead", "1 to 730 days"],
    );
    assert_eq!(r.json(&["forecast", "--rules"]), before);
    assert_eq!(
        r.db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'relationship_setting'"),
        0
    );

    let changed = r.json(&[
        "settings",
        "--lost-stage",
        "acquainted",
        "--lost-role",
        "prospect",
        "--lost-cadence",
        "2m",
        "--won-role",
        "none",
    ]);
    let rules = &changed["relationship_rules"];
    assert_eq!(
        s(&rules["lost"]["description"]),
        "stage acquainted, role prospect, every 2 months"
    );
    assert_eq!(rules["won"]["role"], serde_json::Value::Null);
    assert_eq!(rules["renewal_lead_days"], 90);
    assert_eq!(
        r.db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'relationship_setting'"),
        1
    );

    // The changed rule is the one applied.
    r.add("Kim Lowe", &[]);
    r.ok(&["log", "Kim", "--kind", "call"]);
    let id = r.ok(&[
        "opportunity",
        "add",
        "Kim",
        "--title",
        "X",
        "--value",
        "1",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", id.trim(), "--lost"]);
    let kim = r.show("Kim");
    assert_eq!(s(&kim["stage"]), "acquainted");
    assert_eq!(s(&kim["cadence"]["every"]), "2m");
    assert_eq!(s(&kim["next_touch"]["on"]), "2027-01-25");
}

/// DESIGN.md: "A seasoned prospect unhappy with a competitor whose contract renews in May
/// shows up on the agenda ahead of the renewal."
#[test]
fn intel_the_seasoned_prospect_surfaces_ahead_of_the_competitors_renewal() {
    let r = Rapport::new();
    r.at("2026-11-25");
    let dana = r.add(
        "Dana Whitfield",
        &[
            "--org",
            "Halcyon Freight",
            "--kind",
            "seasoned",
            "--role",
            "prospect",
        ],
    );
    let ed = r.add("Ed Stone", &["--org", "Northwind"]);
    r.ok(&[
        "log",
        "Dana",
        "--kind",
        "event",
        "--needs",
        "replace the dispatch system",
    ]);
    r.ok(&["log", "Ed", "--kind", "call"]);
    // The fallback quarter: both due 2027-02-25.
    assert_eq!(s(&r.show("Dana")["next_touch"]["on"]), "2027-02-25");

    let recorded = r.json(&[
        "org",
        "competitor",
        "Halcyon",
        "--name",
        "Globex",
        "--renews",
        "2027-05-01",
        "--dissatisfaction",
        "slow support",
        "--dissatisfaction",
        "price rises every year",
    ]);
    assert_eq!(s(&recorded["renews_on"]), "2027-05-01");
    // 90 days before 2027-05-01 (30 + 31 + 28 + 1 back): 2027-01-31, ahead of her cycle.
    let shown = r.show("Dana");
    assert_eq!(s(&shown["next_touch"]["on"]), "2027-01-31");
    assert_eq!(s(&shown["next_touch"]["source"]), "renewal");
    assert_eq!(s(&r.show("Ed")["next_touch"]["on"]), "2027-02-25");
    let org = r.json(&["org", "show", "Halcyon"]);
    assert_eq!(s(&org["competitors"][0]["name"]), "Globex");

    // The lead time is the team's: 30 days opens the watch on 2027-04-01, after her cycle.
    r.ok(&["settings", "--renewal-lead", "30"]);
    assert_eq!(s(&r.show("Dana")["next_touch"]["source"]), "cadence");
    r.ok(&["settings", "--renewal-lead", "90"]);
    assert_eq!(s(&r.show("Dana")["next_touch"]["on"]), "2027-01-31");

    assert!(r.at("2027-01-30").today().is_empty());
    let agenda = r.at("2027-01-31").json(&["today"]);
    let due = entry(&agenda, dana).expect("Dana surfaces ahead of the renewal");
    assert_eq!(s(&due["next_touch_source"]), "renewal");
    assert_eq!(
        s(&due["why"]),
        "Globex's contract renews 2027-05-01 (in 90 days); unhappy with: slow support; price rises every year"
    );
    assert_eq!(s(&due["competitor"]["name"]), "Globex");
    assert!(entry(&agenda, ed).is_none());
    let text = r.ok(&["today"]);
    assert!(
        text.contains("Globex's contract renews 2027-05-01"),
        "{text}"
    );

    // The call in the lead time answers it; her cycle runs on from there.
    r.ok(&[
        "log",
        "Dana",
        "--kind",
        "call",
        "--summary",
        "Globex renewal: wants a proposal",
    ]);
    let after = r.show("Dana");
    assert_eq!(s(&after["next_touch"]["on"]), "2027-04-30");
    assert_eq!(s(&after["next_touch"]["source"]), "cadence");
    assert!(r.db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'competitor'") == 1);
}

#[test]
fn intel_refused_opportunity_writes_change_nothing() {
    let r = Rapport::new();
    r.add("Ola Berg", &[]);
    let id = r.ok(&[
        "opportunity",
        "add",
        "Ola",
        "--title",
        "Deal",
        "--value",
        "500",
        "--timeline",
        "90",
    ]);
    let id = id.trim();
    r.ok(&["opportunity", "close", id, "--lost"]);
    let before = (r.snapshot(), r.json(&["opportunity", "list"]));
    let audit_rows = r.db.count("SELECT COUNT(*) FROM audit_log");

    r.fails(
        &["opportunity", "close", id, "--won"],
        &[&format!("opportunity #{id} is already lost")],
    );
    r.fails(
        &["opportunity", "close", "99", "--won"],
        &["no opportunity #99"],
    );
    r.fails(
        &[
            "opportunity",
            "add",
            "Ola",
            "--title",
            "Deal",
            "--value=-5",
            "--timeline",
            "30",
        ],
        &["--value", "cannot be negative"],
    );
    r.fails(
        &[
            "opportunity",
            "add",
            "Ola",
            "--title",
            "Deal",
            "--value",
            "5",
            "--timeline",
            "45",
        ],
        &["--timeline", "unknown buying timeline '45'"],
    );
    r.fails(
        &["org", "competitor", "Nowhere Inc", "--name", "Globex"],
        &["no organization matches 'Nowhere Inc'"],
    );
    r.ok(&["contact", "archive", "Ola"]);
    let before = (r.snapshot(), before.1);
    let audit_rows = audit_rows + 1;
    r.fails(
        &[
            "opportunity",
            "add",
            "Ola",
            "--title",
            "Deal",
            "--value",
            "5",
            "--timeline",
            "30",
        ],
        &["archived"],
    );

    assert_eq!((r.snapshot(), r.json(&["opportunity", "list"])), before);
    assert_eq!(r.db.count("SELECT COUNT(*) FROM audit_log"), audit_rows);
}

/// DESIGN.md: "A connector who never buys but introduced three clients is visible as such."
#[test]
fn intel_the_connector_who_never_buys_is_visible_as_such() {
    let r = Rapport::new();
    r.at("2026-11-25");
    r.ok(&["cadence", "default", "--role", "referrer", "6w"]);
    let carla = r.add("Carla Connector", &[]);
    for name in ["Ben Baker", "Dee Dunn", "Eve East"] {
        r.add(name, &[]);
    }
    r.add("Fay Frost", &["--source", "LinkedIn"]);
    r.ok(&["intro", "Carla", "Ben"]);
    r.ok(&["intro", "Carla", "Dee", "--on", "2026-11-01"]);
    r.ok(&["intro", "Carla", "Eve"]);
    r.ok(&["intro", "Carla", "Fay"]);

    // What came of them: Ben won a deal, Dee is at the customer stage, Eve holds the
    // customer role, Fay was only touched.
    let deal = r.ok(&[
        "opportunity",
        "add",
        "Ben",
        "--title",
        "Rollout",
        "--value",
        "40000",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", deal.trim(), "--won"]);
    r.ok(&["contact", "edit", "Dee", "--stage", "customer"]);
    r.ok(&["contact", "edit", "Eve", "--role", "customer"]);
    r.ok(&["log", "Ben", "--kind", "call"]);
    r.ok(&["log", "Fay", "--kind", "call"]);
    r.ok(&["log", "Fay", "--kind", "email", "--inbound"]);

    let network = r.json(&["network", "Carla"]);
    assert_eq!(network["connector"], true);
    assert_eq!(network["client"], false);
    assert_eq!(network["introduced_count"], 4);
    assert_eq!(network["clients_brought"], 3);
    assert_eq!(network["touches_with_introduced"], 3);
    assert_eq!(network["won_value_brought"], 40000);
    assert_eq!(
        s(&network["summary"]),
        "introduced 4: 3 became clients, 3 touches, 40000 won"
    );
    // Earliest introduction first.
    assert_eq!(s(&network["introduced"][0]["name"]), "Dee Dunn");
    let text = r.ok(&["network", "Carla"]);
    assert!(
        text.contains("connector: brings clients, never bought"),
        "{text}"
    );

    // A referrer now, with the referrer cadence of her own role.
    let shown = r.show("Carla");
    assert_eq!(s(&shown["cadence"]["source"]), "role:referrer");
    assert_eq!(s(&shown["cadence"]["every"]), "6w");
    let referrers = r.json(&["contact", "list", "--role", "referrer"]);
    assert_eq!(referrers[0]["id"], carla);
    // Where the others came from: set by the introduction unless already known.
    assert_eq!(s(&r.show("Ben")["source"]), "introduced by Carla Connector");
    assert_eq!(s(&r.show("Fay")["source"]), "LinkedIn");
    let ben = r.json(&["network", "Ben"]);
    assert_eq!(s(&ben["introduced_by"][0]["name"]), "Carla Connector");
    assert_eq!(ben["client"], true);

    // Refusals write nothing.
    let audit_rows = r.db.count("SELECT COUNT(*) FROM audit_log");
    r.fails(
        &["intro", "Carla", "Carla"],
        &["cannot introduce themselves"],
    );
    r.fails(
        &["intro", "Carla", "Ben"],
        &["Carla Connector introducing Ben Baker is already recorded"],
    );
    // Carla brought Ben to us, so he cannot have brought her, nor can anyone he brought.
    r.fails(
        &["intro", "Ben", "Carla"],
        &["Carla Connector introduced Ben Baker, directly or through others"],
    );
    assert_eq!(r.db.count("SELECT COUNT(*) FROM audit_log"), audit_rows);
    assert_eq!(r.db.count("SELECT COUNT(*) FROM introductions"), 4);
    r.add("Gus Green", &[]);
    r.ok(&["intro", "Ben", "Gus"]);
    r.fails(
        &["intro", "Gus", "Carla"],
        &["Gus Green cannot have introduced Carla Connector"],
    );
    assert_eq!(r.db.count("SELECT COUNT(*) FROM introductions"), 5);

    // Once she buys herself she is a client, no longer a connector.
    r.ok(&["contact", "edit", "Carla", "--role", "customer"]);
    assert_eq!(r.json(&["network", "Carla"])["connector"], false);
}

/// DESIGN.md / issue 6: "an account that goes single-threaded or cold appears on the at-risk
/// list before anyone notices by hand".
#[test]
fn intel_single_threaded_and_cold_accounts_appear_on_the_at_risk_list() {
    let r = Rapport::new();
    r.at("2026-11-25");
    r.ok(&["org", "add", "Acme", "--tier", "A"]);
    let ann = r.add("Ann Acme", &["--org", "Acme"]);
    r.add("Bo Acme", &["--org", "Acme"]);
    let cleo = r.add("Cleo Cold", &["--tier", "B", "--cadence", "30d"]);
    r.add("Dan Calm", &["--tier", "C", "--cadence", "30d"]);
    for who in ["Ann", "Bo", "Cleo", "Dan"] {
        r.ok(&["log", who, "--kind", "call"]);
    }
    let ids = |list: &serde_json::Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["contact_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&r.json(&["at-risk"])), Vec::<i64>::new());

    // Bo leaves Acme's book: Ann is now the only thread.
    r.at("2026-12-01").ok(&["contact", "archive", "Bo"]);
    let risky = r.json(&["at-risk"]);
    assert_eq!(ids(&risky), [ann]);
    assert_eq!(
        risky[0]["risks"],
        serde_json::json!(["single-threaded: the only contact at Acme"])
    );

    // 41 days after the calls, Cleo (tier B, 30-day cycle) has gone cold; Dan too, but he is
    // tier C and not in the fortress.
    let risky = r.at("2027-01-05").json(&["at-risk"]);
    // Cleo: 41/30 − 1 = 37% overdue → 50 × 0.633 = 32, + 25 (steady) + 0 (none inbound) = 57;
    // Ann: within her 3-month cycle, 50 + 25 + 0 = 75. The less healthy first.
    assert_eq!(ids(&risky), [cleo, ann]);
    assert_eq!(
        risky[0]["risks"],
        serde_json::json!(["overdue since 2026-12-25 (11 days)"])
    );
    let cleo_health = r.json(&["health", "Cleo"]);
    assert_eq!(cleo_health["health"]["score"], 57);
    assert_eq!(
        s(&cleo_health["health"]["explanation"]),
        "overdue by 37% of cycle; steady or rising: 1 touch in the last 180 days, 0 in the 180 \
         before; 0 of last 1 touches inbound"
    );
    // Acme: Ann's 75, halved for a single thread: 37.5 → 38.
    let acme = r.json(&["health", "--org", "Acme"]);
    assert_eq!(acme["health"]["score"], 38);
    assert_eq!(
        s(&acme["health"]["explanation"]),
        "average contact health 75 of 100; one contact at Acme (health × 0.5)"
    );
    let text = r.ok(&["at-risk"]);
    assert!(
        text.contains("overdue since 2026-12-25 (11 days)"),
        "{text}"
    );
    let text = r.ok(&["health", "Cleo"]);
    assert!(text.contains("recency"), "{text}");
    assert!(text.contains("at risk: overdue since 2026-12-25"), "{text}");

    // A touch, and an inbound one at that, takes Cleo off the list.
    r.ok(&["log", "Cleo", "--kind", "call", "--inbound"]);
    assert_eq!(ids(&r.json(&["at-risk"])), [ann]);
}

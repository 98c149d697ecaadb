//! Lead nurturing end to end: the content library, interests and needs, recommendations,
//! sending within the caps, and the handoff to sales — dates and rankings worked out by hand.

use crate::support::{Rapport, s};

fn add_item(r: &Rapport, flags: &[&str]) -> i64 {
    let mut args = vec!["content", "add"];
    args.extend_from_slice(flags);
    r.ok(&args).trim().parse().unwrap()
}

fn titles(recommended: &serde_json::Value) -> Vec<(String, u64)> {
    recommended["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(&r["content"]["title"]).to_owned(),
                r["score"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A seasoned prospect with a buying timeline of more than 90 days gets, over months, a
/// sequence of different, relevant content touches within the caps, each logged and each
/// moving the cycle on; when the timeline drops to 30 days the prospect is a handoff on the
/// seller's agenda with the whole nurture history, and the nurturer sees that it went.
#[test]
fn a_prospect_is_nurtured_for_months_then_handed_to_sales() {
    let r = Rapport::new();
    r.at("2027-01-04");
    let added = r.run_with_input(
        "a long enough password\n",
        &["user", "add", "sam@team.example", "--name", "Sam Seller"],
    );
    assert!(added.success, "{}", added.stderr);
    let dana = r.add(
        "Dana Whitfield",
        &[
            "--kind",
            "seasoned",
            "--stage",
            "engaged",
            "--role",
            "prospect",
            "--cadence",
            "30d",
        ],
    );
    let id = dana.to_string();
    r.ok(&[
        "opportunity",
        "add",
        &id,
        "--title",
        "Fleet",
        "--value",
        "40000",
        "--timeline",
        "later",
    ]);
    r.ok(&["nurture", "owners", &id, "--seller", "sam@team.example"]);
    // The team's rule: no contact gets more than 3 touches in 30 days.
    r.ok(&[
        "nurture",
        "rules",
        "--touch-limit",
        "3",
        "--touch-period",
        "30",
    ]);

    let playbook = add_item(
        &r,
        &[
            "--title",
            "Migration playbook",
            "--link",
            "https://example.com/playbook",
            "--format",
            "guide",
            "--needs",
            "data migration",
            "--stages",
            "engaged",
            "--kinds",
            "seasoned",
        ],
    );
    let webinar = add_item(
        &r,
        &[
            "--title",
            "Migration webinar",
            "--link",
            "https://example.com/webinar",
            "--format",
            "video",
            "--needs",
            "Data Migration",
            "--expires",
            "2027-01-31",
        ],
    );
    let cost = add_item(
        &r,
        &[
            "--title",
            "Cost model",
            "--link",
            "files/cost-model.xlsx",
            "--format",
            "sheet",
            "--needs",
            "budget",
        ],
    );
    let checklist = add_item(
        &r,
        &[
            "--title",
            "Security checklist",
            "--link",
            "https://example.com/security",
            "--format",
            "checklist",
            "--topics",
            "security, compliance",
        ],
    );
    let pricing = add_item(
        &r,
        &[
            "--title",
            "Pricing sheet",
            "--link",
            "https://example.com/pricing",
            "--format",
            "sheet",
            "--topics",
            "pricing",
        ],
    );

    r.ok(&[
        "log",
        &id,
        "--kind",
        "call",
        "--summary",
        "Met at the summit",
        "--needs",
        "Worried about the data migration; security audits coming",
    ]);
    r.ok(&["interests", &id, "--needs", "budget"]);
    let interests = r.json(&["interests", &id]);
    let found: Vec<(String, String, String)> = interests
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                s(&i["kind"]).into(),
                s(&i["term"]).into(),
                s(&i["origin"]).into(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("need".into(), "budget".into(), "stated".into()),
            ("need".into(), "data migration".into(), "discussed".into()),
            ("need".into(), "security".into(), "discussed".into()),
        ]
    );
    assert_eq!(s(&interests[1]["discussed_on"]), "2027-01-04");

    // Playbook: addresses a discussed need (3) + fits engaged (1) + seasoned (1) = 5.
    // Webinar: addresses data migration (3), discussed on 4 Jan; cost model: a stated need
    // (3), so the more recent discussion ranks the webinar first. Checklist: security among
    // its topics (2). Pricing matches nothing.
    let recommended = r.json(&["recommend", &id]);
    assert_eq!(
        titles(&recommended),
        vec![
            ("Migration playbook".into(), 5),
            ("Migration webinar".into(), 3),
            ("Cost model".into(), 3),
            ("Security checklist".into(), 2),
        ]
    );
    assert_eq!(
        s(&recommended["recommendations"][0]["reason"]),
        "addresses 'data migration' discussed on 4 Jan; suits seasoned prospects at stage engaged"
    );
    let audience = r.ok(&["content", "audience", &checklist.to_string()]);
    assert!(audience.contains(&format!("#{dana}")), "{audience}");
    assert!(
        r.ok(&["content", "audience", &pricing.to_string()])
            .contains("Nobody to send")
    );

    // 4 Jan: the playbook goes out.
    let sent = r.json(&["send", &playbook.to_string(), &id]);
    assert_eq!(s(&sent["next_touch_on"]), "2027-02-03");
    r.fails(
        &["send", &playbook.to_string(), &id],
        &["already received", "Migration playbook", "2027-01-04"],
    );
    // 10 Jan: the content cap holds until 14 days after the last content touch.
    r.at("2027-01-10").fails(
        &["send", &cost.to_string(), &id],
        &["content cap", "every 14 days", "2027-01-04", "2027-01-18"],
    );
    let held = r.json(&["recommend", &id]);
    assert_eq!(s(&held["held_back"]["cap"]), "content");
    assert_eq!(s(&held["held_back"]["lifts_on"]), "2027-01-18");
    // 18 Jan: the top one now is the webinar.
    r.at("2027-01-18");
    assert_eq!(
        titles(&r.json(&["recommend", &id]))[0].0,
        "Migration webinar"
    );
    r.ok(&["send", &webinar.to_string(), &id]);
    // 1 Feb: the content cap has lifted, but the call and the playbook (4 Jan) and the
    // webinar (18 Jan) are three touches in the 30 days (2 Jan, 1 Feb]: the team's cap holds
    // until the third newest, 4 Jan, leaves the window, on 3 Feb.
    r.at("2027-02-01").fails(
        &["send", &cost.to_string(), &id],
        &[
            "team touch cap",
            "at most 3 touches in 30 days",
            "2027-02-03",
        ],
    );
    // The webinar expired on 31 Jan; it would not be offered again anyway.
    r.at("2027-02-03");
    assert_eq!(
        titles(&r.json(&["recommend", &id])),
        vec![("Cost model".into(), 3), ("Security checklist".into(), 2)]
    );
    r.ok(&["send", &cost.to_string(), &id]);
    r.at("2027-02-17");
    let last = r.json(&["send", &checklist.to_string(), &id]);
    // Each content touch counts toward the cycle: 17 Feb + 30 days.
    assert_eq!(s(&last["next_touch_on"]), "2027-03-19");
    r.at("2027-03-03");
    assert!(titles(&r.json(&["recommend", &id])).is_empty());

    // Nothing is handed over while the timeline is more than 90 days.
    let sam = ["--as", "sam@team.example"];
    let before = r.json(&[sam[0], sam[1], "handoffs"]);
    assert_eq!(before["incoming"].as_array().unwrap().len(), 0);

    // 5 Mar: Dana says they will buy within 30 days.
    r.at("2027-03-05").ok(&[
        "opportunity",
        "add",
        &id,
        "--title",
        "Fleet rollout",
        "--value",
        "40000",
        "--timeline",
        "30",
    ]);
    let handoffs = r.json(&[sam[0], sam[1], "handoffs"]);
    let incoming = handoffs["incoming"].as_array().unwrap();
    assert_eq!(incoming.len(), 1);
    let handoff = &incoming[0];
    assert_eq!(handoff["contact_id"], dana);
    assert_eq!(s(&handoff["ready_by"]), "timeline");
    assert_eq!(
        s(&handoff["reason"]),
        "buying timeline ≤ 30 days: 'Fleet rollout' expected to close by 2027-04-04"
    );
    assert_eq!(s(&handoff["nurture_owner"]["name"]), "Me");
    assert_eq!(s(&handoff["sales_owner"]["email"]), "sam@team.example");
    let history: Vec<(String, String, Option<String>)> = handoff["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                s(&h["touch"]["on"]).into(),
                s(&h["touch"]["kind"]).into(),
                h["content_title"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let content = |day: &str, title: &str| {
        (
            day.to_owned(),
            "content-shared".to_owned(),
            Some(title.to_owned()),
        )
    };
    assert_eq!(
        history,
        vec![
            content("2027-02-17", "Security checklist"),
            content("2027-02-03", "Cost model"),
            content("2027-01-18", "Migration webinar"),
            content("2027-01-04", "Migration playbook"),
            ("2027-01-04".into(), "call".into(), None),
        ]
    );
    // On the seller's agenda, with the history.
    let agenda = r.ok(&[sam[0], sam[1], "today"]);
    assert!(agenda.contains("HANDOFFS"), "{agenda}");
    assert!(
        agenda.contains("Dana Whitfield — buying timeline ≤ 30 days"),
        "{agenda}"
    );
    assert!(
        agenda.contains("[content #4 Security checklist]"),
        "{agenda}"
    );
    // The nurturer sees that it went.
    let mine = r.ok(&["handoffs"]);
    assert!(mine.contains("WENT FROM YOUR NURTURE"), "{mine}");
    assert!(mine.contains("Dana Whitfield → Sam Seller"), "{mine}");

    // Coverage: Dana is sales-ready now, so no not-ready prospect is left; four items were
    // sent once each and nobody has replied.
    let report = r.json(&["nurture", "report"]);
    assert_eq!(report["prospects"], 0);
    assert_eq!(report["replies"].as_array().unwrap().len(), 4);
}

#[test]
fn an_explicit_signal_hands_over_and_can_be_withdrawn() {
    let r = Rapport::new();
    let lee = r
        .add("Lee Park", &["--role", "lead", "--cadence", "30d"])
        .to_string();
    r.ok(&["nurture", "owners", &lee, "--nurturer", "1"]);
    let handoffs = r.json(&["handoffs"]);
    assert_eq!(handoffs["incoming"].as_array().unwrap().len(), 0);
    r.ok(&["ready", &lee, "--note", "asked for a quote"]);
    let handoffs = r.json(&["handoffs"]);
    assert_eq!(
        s(&handoffs["incoming"][0]["reason"]),
        "marked sales-ready on 2026-11-25: asked for a quote"
    );
    r.ok(&["ready", &lee, "--clear"]);
    assert_eq!(
        r.json(&["handoffs"])["incoming"].as_array().unwrap().len(),
        0
    );
    // Lee is a not-ready lead with no touch yet: not covered.
    let report = r.json(&["nurture", "report"]);
    assert_eq!(
        (report["prospects"].as_u64(), report["covered"].as_u64()),
        (Some(1), Some(0))
    );
    r.ok(&["log", &lee, "--kind", "call"]);
    let report = r.json(&["nurture", "report"]);
    assert_eq!(report["coverage_percent"], 100);
}

#[test]
fn the_engagement_rule_and_replies_to_content() {
    let r = Rapport::new();
    let kim = r.add("Kim Ode", &["--role", "prospect"]).to_string();
    r.ok(&["nurture", "owners", &kim, "--seller", "1"]);
    let item = add_item(
        &r,
        &[
            "--title",
            "ROI guide",
            "--link",
            "https://example.com/roi",
            "--format",
            "guide",
            "--topics",
            "roi",
        ],
    );
    r.ok(&["interests", &kim, "--interests", "ROI"]);
    r.ok(&["send", &item.to_string(), &kim]);
    r.at("2026-11-26")
        .ok(&["log", &kim, "--kind", "email", "--inbound"]);
    r.ok(&[
        "nurture",
        "rules",
        "--ready-inbound",
        "2",
        "--ready-days",
        "30",
    ]);
    assert_eq!(
        r.json(&["handoffs"])["incoming"].as_array().unwrap().len(),
        0
    );
    r.at("2026-11-27")
        .ok(&["log", &kim, "--kind", "call", "--inbound"]);
    let handoffs = r.json(&["handoffs"]);
    assert_eq!(
        s(&handoffs["incoming"][0]["reason"]),
        "engaged: reached out 2 times in 30 days"
    );
    let report = r.json(&["nurture", "report"]);
    assert_eq!(report["replies"][0]["title"], "ROI guide");
    assert_eq!(
        (
            report["replies"][0]["sends"].as_u64(),
            report["replies"][0]["replies"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[test]
fn the_library_refuses_bad_input_and_retires_items() {
    let r = Rapport::new();
    r.fails(
        &[
            "content", "add", "--link", "x", "--format", "guide", "--topics", "a",
        ],
        &["--title"],
    );
    r.fails(
        &[
            "content", "add", "--title", "T", "--link", "x", "--format", "guide",
        ],
        &["--topics"],
    );
    r.fails(
        &[
            "content",
            "add",
            "--title",
            "T",
            "--link",
            "x",
            "--format",
            "guide",
            "--topics",
            "a",
            "--stages",
            "engaged, hot",
        ],
        &["--stages", "unknown lifecycle stage 'hot'"],
    );
    let item = add_item(
        &r,
        &[
            "--title", "T", "--link", "x", "--format", "Guide", "--topics", "a",
        ],
    )
    .to_string();
    let edited = r.json(&[
        "content",
        "edit",
        &item,
        "--summary",
        "short",
        "--expires",
        "2027-06-30",
    ]);
    assert_eq!(s(&edited["summary"]), "short");
    assert_eq!(s(&edited["format"]), "guide");
    assert_eq!(s(&edited["expires_on"]), "2027-06-30");
    r.fails(
        &["content", "edit", &item, "--topics", ""],
        &["topics", "at least one topic"],
    );
    let c = r.add("Ann", &[]).to_string();
    r.ok(&["interests", &c, "--interests", "a"]);
    assert_eq!(
        r.json(&["recommend", &c])["recommendations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let retired = r.json(&["content", "retire", &item]);
    assert_eq!(s(&retired["retired_on"]), "2026-11-25");
    assert_eq!(
        r.json(&["recommend", &c])["recommendations"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    r.fails(&["send", &item, &c], &["retired"]);
    assert_eq!(r.json(&["content", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(
        r.json(&["content", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    r.fails(&["content", "show", "99"], &["no content item #99"]);
}

/// A prospect whose kind nobody set is recommended content for the kind history suggests, as
/// their stage checklist is: at an organization buying from a competitor today, a guide for
/// seasoned prospects suits them, and one for new prospects does not.
#[test]
fn recommendations_use_the_suggested_prospect_kind_when_none_is_set() {
    let r = Rapport::new();
    let dana = r
        .add(
            "Dana Whitfield",
            &["--org", "Halcyon Freight", "--stage", "engaged"],
        )
        .to_string();
    let item = |title: &str, kinds: &str| {
        add_item(
            &r,
            &[
                "--title",
                title,
                "--link",
                "https://example.com/guide",
                "--format",
                "guide",
                "--needs",
                "data migration",
                "--kinds",
                kinds,
            ],
        )
    };
    item("Switching guide", "seasoned");
    item("First steps", "new");
    r.ok(&[
        "log",
        &dana,
        "--kind",
        "call",
        "--needs",
        "the data migration",
    ]);
    let first_steps = vec![("First steps".to_owned(), 4)];
    assert_eq!(titles(&r.json(&["recommend", &dana])), first_steps);

    r.ok(&["org", "competitor", "halcyon", "--name", "Globex"]);
    let recommended = r.json(&["recommend", &dana]);
    assert_eq!(
        titles(&recommended),
        vec![("Switching guide".to_owned(), 4)]
    );
    assert!(
        s(&recommended["recommendations"][0]["reason"]).ends_with("suits seasoned prospects"),
        "{recommended}"
    );

    // Set by hand, the kind wins over the suggestion.
    r.ok(&["contact", "edit", &dana, "--kind", "new"]);
    assert_eq!(titles(&r.json(&["recommend", &dana])), first_steps);
}

/// With nobody to nurture, the report says so rather than "0 of 0 (100%)".
#[test]
fn the_nurture_report_of_an_empty_book_says_there_is_nobody_to_cover() {
    let r = Rapport::new();
    let report = r.ok(&["nurture", "report"]);
    assert!(
        report.contains(": no not-ready prospects to cover\n"),
        "{report}"
    );
    r.add("Pat Prospect", &["--role", "prospect"]);
    let report = r.ok(&["nurture", "report"]);
    assert!(
        report.contains(": 0 of 1 not-ready prospects touched within their cycle (0%)"),
        "{report}"
    );
}

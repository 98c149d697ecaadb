//! Relationship intelligence in the web pages over HTTP: opening and closing a deal from the
//! contact page (the lost deal goes to nurture and the page says when it is due next), the
//! forecast and at-risk pages, competitors on the organization page, the connector on the
//! contact page, and the relationship rules on the settings page. Dates worked out by hand in
//! the comments; the server's clock is at 2026-11-25 (a Wednesday).

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

fn get(server: &Server, cookie: &str, path: &str) -> String {
    let page = server.request("GET", path, &[("Cookie", cookie)], Body::Empty);
    assert_eq!(page.status, 200, "{path}: {}", page.text);
    page.text
}

fn post(
    server: &Server,
    cookie: &str,
    path: &str,
    form: &[(&'static str, &str)],
) -> crate::server::Reply {
    let csrf = csrf_of(&get(server, cookie, "/settings"));
    let mut form: Vec<(&str, String)> = form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    form.push(("csrf", csrf));
    server.request("POST", path, &[("Cookie", cookie)], Body::Form(form))
}

#[test]
fn web_a_deal_opened_and_lost_on_the_contact_page_goes_to_nurture() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "admin");
    rapport.add(
        "Lena Park",
        &["--org", "Orbit Labs", "--tier", "A", "--role", "prospect"],
    );
    rapport.ok(&["log", "Lena", "--kind", "call"]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");

    let page = get(&server, &cookie, "/contacts/1");
    assert!(
        page.contains("<strong>prospect</strong> since 2026-11-25"),
        "{page}"
    );
    assert!(page.contains("No opportunities"), "{page}");
    // The default rule, said before anyone closes anything.
    assert!(
        page.contains("lost: stage engaged, every 3 months"),
        "{page}"
    );

    // Every bad field is named beside it, and nothing is written.
    let refused = post(
        &server,
        &cookie,
        "/contacts/1/opportunities",
        &[("title", " "), ("value", "lots"), ("timeline", "60")],
    );
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("id=\"opp-title-error\">an opportunity needs a title")
    );
    assert!(
        refused
            .text
            .contains("id=\"opp-value-error\">a value is a whole number, such as 12000")
    );
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM opportunities"), 0);

    let opened = post(
        &server,
        &cookie,
        "/contacts/1/opportunities",
        &[
            ("title", "Fleet telematics"),
            ("value", "40000"),
            ("timeline", "60"),
            ("close_by", ""),
            ("back", "/contacts/1"),
        ],
    );
    assert_eq!(opened.status, 303, "{}", opened.text);
    assert_eq!(opened.header("location"), Some("/contacts/1?opened=1"));
    // Within 60 days of 2026-11-25: by 2027-01-24, in the 31–60 bucket.
    let forecast = get(&server, &cookie, "/forecast");
    let sixty = &forecast[forecast.find("id=\"bucket-60\"").unwrap()..];
    let sixty = &sixty[..sixty.find("</section>").unwrap()];
    assert!(sixty.contains("<span class=\"count\">1</span>"), "{sixty}");
    assert!(sixty.contains("Worth <strong>40000</strong>"), "{sixty}");
    assert!(sixty.contains("Fleet telematics"), "{sixty}");
    assert!(sixty.contains("by 2027-01-24"), "{sixty}");
    assert!(forecast.contains("Nothing expected in this window."));

    let wrong = post(
        &server,
        &cookie,
        "/opportunities/1/close",
        &[("outcome", "open"), ("back", "/contacts/1")],
    );
    assert_eq!(wrong.status, 422);
    assert!(wrong.text.contains("an opportunity closes as won or lost"));

    let closed = post(
        &server,
        &cookie,
        "/opportunities/1/close",
        &[
            ("outcome", "lost"),
            ("reason", "chose a cheaper vendor"),
            ("back", "/contacts/1"),
        ],
    );
    assert_eq!(closed.status, 303, "{}", closed.text);
    assert_eq!(closed.header("location"), Some("/contacts/1?closed=1"));
    // Nurture: a 3-month cycle of her own from her last touch, 2026-11-25 → 2027-02-25 (a
    // Thursday: 92 days on from a Wednesday).
    let after = get(&server, &cookie, "/contacts/1?closed=1");
    assert!(
        after.contains("Deal closed for Lena Park. Next touch: Thu 25 Feb 2027"),
        "{after}"
    );
    assert!(
        after.contains(
            "<span class=\"when\">2026-11-25</span> → <strong>engaged</strong>: \
             lost: Fleet telematics (chose a cheaper vendor)"
        ),
        "{after}"
    );
    assert!(
        after.contains("<span class=\"outcome\">lost</span>"),
        "{after}"
    );
    assert!(
        !after.contains("/opportunities/1/close"),
        "closed deals have no form"
    );
    let forecast = get(&server, &cookie, "/forecast");
    assert!(!forecast.contains("Fleet telematics"));

    let again = post(
        &server,
        &cookie,
        "/opportunities/1/close",
        &[("outcome", "won"), ("back", "/contacts/1")],
    );
    assert_eq!(again.status, 422, "{}", again.text);
    assert!(again.text.contains("opportunity #1 is already lost"));
}

#[test]
fn web_the_organization_page_records_competitors_and_shows_its_health() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "admin");
    user_with_token(&rapport, "max@example.com", "member");
    rapport.add("Dana Whitfield", &["--org", "Halcyon Freight"]);
    rapport.ok(&["log", "Dana", "--kind", "event"]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");

    let page = get(&server, &cookie, "/organizations/1");
    // One person, touched today: full contact health, halved for a single thread.
    assert!(
        page.contains("one contact at Halcyon Freight (health × 0.5)"),
        "{page}"
    );
    assert!(page.contains("None recorded."));

    let refused = post(
        &server,
        &cookie,
        "/organizations/1/competitors",
        &[("name", ""), ("renews_on", "someday")],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text
            .contains("id=\"comp-name-error\">a competitor needs a name")
    );
    assert!(refused.text.contains("id=\"comp-renews-error\">"));
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM competitors"), 0);

    let recorded = post(
        &server,
        &cookie,
        "/organizations/1/competitors",
        &[
            ("name", "Globex"),
            ("renews_on", "2027-05-01"),
            ("dissatisfaction", "slow support"),
        ],
    );
    assert_eq!(recorded.status, 303, "{}", recorded.text);
    assert_eq!(
        recorded.header("location"),
        Some("/organizations/1?recorded=1")
    );
    // Edited from its own form: a later renewal date, one more dissatisfaction.
    let edited = post(
        &server,
        &cookie,
        "/organizations/1/competitors",
        &[
            ("name", "Globex"),
            ("renews_on", "2027-06-01"),
            ("dissatisfaction", "price rises every year"),
        ],
    );
    assert_eq!(edited.status, 303, "{}", edited.text);
    let page = get(&server, &cookie, "/organizations/1?recorded=1");
    assert!(page.contains("Competitor saved."));
    assert!(
        page.contains("<strong>Globex</strong> — renews 2027-06-01"),
        "{page}"
    );
    assert!(
        page.contains("<li>slow support</li><li>price rises every year</li>"),
        "{page}"
    );
    // The fallback quarter would bring Dana back 2027-02-25; 90 days before 2027-06-01
    // (31 + 30 + 29 back) is 2027-03-03, after it: her cycle stays.
    let dana = get(&server, &cookie, "/contacts/1");
    assert!(dana.contains("Thu 25 Feb 2027"), "{dana}");

    // The lead time is on the settings page, and changing it there moves her.
    let settings = get(&server, &cookie, "/settings");
    assert!(settings.contains("comes back <strong>90 days</strong> before its renewal"));
    let rules = |lead: &str| {
        post(
            &server,
            &cookie,
            "/settings/relationship-rules",
            &[
                ("won_stage", "customer"),
                ("won_role", "customer"),
                ("won_cadence", "1m"),
                ("lost_stage", "engaged"),
                ("lost_role", ""),
                ("lost_cadence", "3m"),
                ("renewal_lead_days", lead),
                ("tier_values", "100000,25000,5000"),
            ],
        )
    };
    let bad = rules("soon");
    assert_eq!(bad.status, 422);
    assert!(
        bad.text
            .contains("id=\"renewal_lead_days-error\">expected a number of days (1 to 730), got &#39;soon&#39;"),
        "{}",
        bad.text
    );
    let saved = rules("120");
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(saved.header("location"), Some("/settings?saved=1"));
    // 120 days before 2027-06-01 (31 + 30 + 28 + 31 back): 2027-02-01, ahead of her cycle.
    let dana = get(&server, &cookie, "/contacts/1");
    assert!(dana.contains("Mon 1 Feb 2027"), "{dana}");
    let settings = get(&server, &cookie, "/settings");
    assert!(settings.contains("comes back <strong>120 days</strong> before its renewal"));

    // A member sees the rules but cannot change them.
    let member = form_login(&server, "max@example.com");
    let theirs = get(&server, &member, "/settings");
    assert!(theirs.contains("Only an admin can change them."));
    assert!(!theirs.contains("action=\"/settings/relationship-rules\""));
    let refused = post(
        &server,
        &member,
        "/settings/relationship-rules",
        &[
            ("won_stage", "customer"),
            ("won_role", ""),
            ("won_cadence", "1m"),
            ("lost_stage", "engaged"),
            ("lost_role", ""),
            ("lost_cadence", "3m"),
            ("renewal_lead_days", "10"),
            ("tier_values", "100000,25000,5000"),
        ],
    );
    assert_eq!(refused.status, 403);
}

#[test]
fn web_the_at_risk_page_and_the_connector() {
    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "admin");
    // Tier A, the only person we know at Tyrell, last touched 2026-10-01 on a 30-day cycle:
    // due 2026-10-31, 25 days overdue on 2026-11-25.
    rapport.at("2026-10-01");
    rapport.add("Rick Deck", &["--org", "Tyrell", "--tier", "A"]);
    rapport.ok(&["log", "Rick", "--kind", "call"]);
    rapport.at(TODAY);
    // Tier C and overdue: not a fortress relationship, not on the list.
    rapport.add("Cora Low", &["--tier", "C"]);
    // Nina introduced Omar, who bought: Nina, who never bought, is a connector.
    rapport.add("Nina Link", &[]);
    rapport.add("Omar Buys", &[]);
    rapport.ok(&["intro", "Nina", "Omar", "--on", "2026-11-02"]);
    let id = rapport.ok(&[
        "opportunity",
        "add",
        "Omar",
        "--title",
        "Pilot",
        "--value",
        "9000",
        "--timeline",
        "30",
    ]);
    rapport.ok(&["opportunity", "close", id.trim(), "--won"]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");

    let page = get(&server, &cookie, "/at-risk");
    assert!(
        page.contains("At risk <span class=\"count\">1</span>"),
        "{page}"
    );
    let rick = &page[page.find("id=\"risk-1\"").unwrap()..];
    assert!(
        rick.contains("overdue since 2026-10-31 (25 days)"),
        "{rick}"
    );
    assert!(
        rick.contains("single-threaded: the only contact at Tyrell"),
        "{rick}"
    );
    assert!(!page.contains("Cora Low"));

    let nina = get(&server, &cookie, "/contacts/3");
    assert!(
        nina.contains("<span class=\"badge connector\">connector</span>"),
        "{nina}"
    );
    assert!(nina.contains("introduced 1: 1 became a client"), "{nina}");
    assert!(nina.contains("a client, 9000 won"), "{nina}");
    let omar = get(&server, &cookie, "/contacts/4");
    assert!(!omar.contains("badge connector"));
    assert!(
        omar.contains("<a href=\"/contacts/3\">Nina Link</a>"),
        "{omar}"
    );
}

//! Suggestions over the API and on the pages: the prospect kind and tier beside what is set,
//! the tier values among the relationship rules. The same book as the CLI's: Orbit Labs has
//! won 52000 and has 40000 open; Halcyon Freight buys from Globex.

use serde_json::json;

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

fn book() -> (Rapport, String) {
    let r = Rapport::new();
    let token = user_with_token(&r, "ann@example.com", "admin");
    r.add("Lena Park", &["--org", "Orbit Labs", "--tier", "A"]);
    r.add("Dana Whitfield", &["--org", "Halcyon Freight"]);
    r.ok(&["org", "competitor", "Halcyon", "--name", "Globex"]);
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
        "Lena",
        "--title",
        "Pilot",
        "--value",
        "52000",
        "--timeline",
        "30",
    ]);
    r.ok(&["opportunity", "close", won.trim(), "--won"]);
    (r, token)
}

#[test]
fn suggestions_over_the_api() {
    let (rapport, token) = book();
    let server = Server::start(&rapport, TODAY);
    let token = Some(token.as_str());

    let lena = server.get("/api/v1/contacts/1", token);
    let lena = lena.ok(200);
    assert_eq!(lena["suggestions"]["tier"]["value"], "B");
    assert_eq!(
        lena["suggestions"]["tier"]["reason"],
        "won 52000 + open 40000 at Orbit Labs = 92000: tier B from 25000"
    );
    assert_eq!(lena["suggestions"]["tier_cadence"], "every 30 days");
    // A won deal with her: seasoned.
    assert_eq!(lena["suggestions"]["prospect_kind"]["reason"], "1 won deal");
    let dana = server.get("/api/v1/contacts/2", token);
    assert_eq!(
        dana.ok(200)["suggestions"]["prospect_kind"],
        json!({"value": "seasoned", "reason": "buys from Globex today"})
    );

    let orbit = server.get("/api/v1/organizations/1/suggestions", token);
    let orbit = orbit.ok(200);
    assert_eq!(orbit["tier"]["value"], "B");
    assert!(orbit["prospect_kind"].is_null());
    assert!(orbit["tier_cadence"].is_null(), "Orbit Labs has no tier");
    let missing = server.get("/api/v1/organizations/99/suggestions", token);
    missing.problem(404);

    let bad = server.patch(
        "/api/v1/relationship-rules",
        token,
        None,
        json!({"tier_values": "5,10,20"}),
    );
    bad.problem(422);
    assert_eq!(bad.fields(), vec!["tier_values"]);
    let changed = server.patch(
        "/api/v1/relationship-rules",
        token,
        None,
        json!({"tier_values": "90000,20000,1000"}),
    );
    assert_eq!(changed.ok(200)["tier_values"], "90000,20000,1000");
    let lena = server.get("/api/v1/contacts/1", token);
    assert_eq!(lena.ok(200)["suggestions"]["tier"]["value"], "A");
}

#[test]
fn suggestions_on_the_pages() {
    let (rapport, _) = book();
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| {
        let page = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        page.text
    };

    let lena = get("/contacts/1");
    assert!(
        lena.contains("A <span class=\"muted\">(default cycle every 30 days)</span>"),
        "{lena}"
    );
    assert!(
        lena.contains(
            "suggested B: won 52000 + open 40000 at Orbit Labs = 92000: tier B from 25000"
        ),
        "{lena}"
    );
    let dana = get("/contacts/2");
    assert!(
        dana.contains("suggested seasoned: buys from Globex today"),
        "{dana}"
    );
    let orbit = get("/organizations/1");
    assert!(
        orbit.contains("Suggested tier B: won 52000 + open 40000"),
        "{orbit}"
    );

    let settings = get("/settings");
    assert!(
        settings.contains("value=\"100000,25000,5000\""),
        "{settings}"
    );
    let post = |values: &str| {
        let form = vec![
            ("won_stage", "customer".to_owned()),
            ("won_role", "customer".to_owned()),
            ("won_cadence", "1m".to_owned()),
            ("lost_stage", "engaged".to_owned()),
            ("lost_role", String::new()),
            ("lost_cadence", "3m".to_owned()),
            ("renewal_lead_days", "90".to_owned()),
            ("tier_values", values.to_owned()),
            ("csrf", csrf_of(&settings)),
        ];
        server.request(
            "POST",
            "/settings/relationship-rules",
            &[("Cookie", &cookie)],
            Body::Form(form),
        )
    };
    let bad = post("lots");
    assert_eq!(bad.status, 422);
    assert!(
        bad.text
            .contains("id=\"tier_values-error\">tier values are the least value"),
        "{}",
        bad.text
    );
    assert!(bad.text.contains("value=\"lots\""));
    assert_eq!(post("90000,20000,1000").status, 303);
    assert!(get("/organizations/1").contains("Suggested tier A"));
}

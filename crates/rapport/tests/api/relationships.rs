//! Relationship intelligence over HTTP: opportunities, the forecast, closing a deal by the
//! team's rule, competitors' renewals on the agenda, and who may change what.

use serde_json::{Value, json};

use crate::server::{Server, TODAY, user_with_token};
use crate::support::Rapport;

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().unwrap()
}

#[test]
fn an_opportunity_opens_forecasts_and_closes_into_nurture() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let server = Server::start(&rapport, TODAY);
    let auth = Some(ann.as_str());
    let lena = id_of(
        server
            .send(
                "POST",
                "/api/v1/contacts",
                auth,
                json!({"name": "Lena Park", "tier": "A"}),
            )
            .ok(201),
    );
    server
        .send(
            "POST",
            &format!("/api/v1/contacts/{lena}/touches"),
            auth,
            json!({"kind": "call"}),
        )
        .ok(201);

    let path = format!("/api/v1/contacts/{lena}/opportunities");
    let bad = server.send(
        "POST",
        &path,
        auth,
        json!({"title": " ", "value": -1, "timeline": "30", "close_by": "2027-01-01"}),
    );
    bad.problem(422);
    assert_eq!(bad.fields(), ["title", "value", "timeline"]);
    assert!(bad.text.contains("not both"), "{}", bad.text);
    let unknown = server.send(
        "POST",
        &path,
        auth,
        json!({"title": "X", "value": 1, "timeline": "45"}),
    );
    assert_eq!(unknown.fields(), ["timeline"]);
    assert_eq!(
        server.get("/api/v1/opportunities", auth).ok(200)["items"],
        json!([]),
        "a refused add writes nothing"
    );

    // "Within 60 days" said on 2026-11-25: by 2027-01-24, 60 days out.
    let opened = server.send(
        "POST",
        &path,
        auth,
        json!({"title": "Fleet telematics", "value": 40000, "timeline": "60"}),
    );
    let opened = opened.ok(201);
    assert_eq!(opened["close_by"], "2027-01-24");
    let opportunity = id_of(opened);
    let forecast = server.get("/api/v1/forecast", auth);
    let buckets = &forecast.ok(200)["buckets"];
    assert_eq!(buckets[1]["bucket"], "60");
    assert_eq!(buckets[1]["count"], 1);
    assert_eq!(buckets[1]["value"], 40000);
    assert_eq!(buckets[0]["count"], 0);

    let close = format!("/api/v1/opportunities/{opportunity}/close");
    let open = server.send("POST", &close, auth, json!({"outcome": "open"}));
    assert_eq!(open.fields(), ["outcome"]);
    let closed = server.send(
        "POST",
        &close,
        auth,
        json!({"outcome": "lost", "reason": "chose a cheaper vendor"}),
    );
    let closed = closed.ok(200);
    assert_eq!(closed["opportunity"]["outcome"], "lost");
    // Nurture: her own 3-month cycle from the call on 2026-11-25.
    assert_eq!(closed["schedule"]["next_touch_on"], "2027-02-25");
    let contact = server.get(&format!("/api/v1/contacts/{lena}"), auth);
    assert_eq!(contact.ok(200)["stage"], "engaged");
    let again = server.send("POST", &close, auth, json!({"outcome": "won"}));
    again.problem(422);
    server
        .send(
            "POST",
            "/api/v1/opportunities/999/close",
            auth,
            json!({"outcome": "won"}),
        )
        .problem(404);
    assert_eq!(
        server.get("/api/v1/forecast", auth).ok(200)["open"],
        json!([])
    );
}

#[test]
fn only_the_owner_or_an_admin_closes_and_only_admins_change_the_rules() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let bob = user_with_token(&rapport, "bob@example.com", "member");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    // Owned by the database's first user, not Bob.
    rapport.add("Omar Other", &[]);
    let id = rapport.ok(&[
        "opportunity",
        "add",
        "Omar",
        "--title",
        "Deal",
        "--value",
        "100",
        "--timeline",
        "30",
    ]);
    let server = Server::start(&rapport, TODAY);
    let audit = |server: &Server| {
        server
            .get("/api/v1/audit?limit=1000", Some(&ann))
            .ok(200)
            .clone()
    };
    let before = (
        server
            .get("/api/v1/opportunities", Some(&ann))
            .ok(200)
            .clone(),
        server
            .get("/api/v1/relationship-rules", Some(&ann))
            .ok(200)
            .clone(),
        audit(&server),
    );

    let close = format!("/api/v1/opportunities/{}/close", id.trim());
    let refused = server.send("POST", &close, Some(&bob), json!({"outcome": "won"}));
    assert!(
        refused.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("only the owner or an admin")
    );
    server
        .send("POST", &close, Some(&vic), json!({"outcome": "won"}))
        .problem(403);
    let rules = server.patch(
        "/api/v1/relationship-rules",
        Some(&bob),
        None,
        json!({"lost_cadence": "1m"}),
    );
    assert!(
        rules.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("only an admin may change the relationship rules")
    );
    let invalid = server.patch(
        "/api/v1/relationship-rules",
        Some(&ann),
        None,
        json!({"won_stage": "rich", "renewal_lead_days": 0}),
    );
    invalid.problem(422);
    assert_eq!(invalid.fields(), ["won_stage", "renewal_lead_days"]);
    assert_eq!(
        (
            server
                .get("/api/v1/opportunities", Some(&ann))
                .ok(200)
                .clone(),
            server
                .get("/api/v1/relationship-rules", Some(&ann))
                .ok(200)
                .clone(),
            audit(&server),
        ),
        before,
        "refusals wrote nothing"
    );

    let changed = server.patch(
        "/api/v1/relationship-rules",
        Some(&ann),
        None,
        json!({"lost_cadence": "2m", "lost_role": "prospect"}),
    );
    let changed = changed.ok(200);
    assert_eq!(
        changed["lost"]["description"],
        "stage engaged, role prospect, every 2 months"
    );
    assert_eq!(changed["won"]["cadence"], "1m");
    let closed = server.send("POST", &close, Some(&ann), json!({"outcome": "lost"}));
    // Never touched (added 2026-11-25): first due the day it was added, whatever the cycle.
    assert_eq!(closed.ok(200)["schedule"]["next_touch_on"], "2026-11-25");
}

#[test]
fn a_competitors_renewal_brings_the_account_onto_the_agenda() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let dana = rapport.add(
        "Dana Whitfield",
        &["--org", "Halcyon Freight", "--kind", "seasoned"],
    );
    rapport.ok(&["log", "Dana", "--kind", "event"]);
    let server = Server::start(&rapport, TODAY);
    let path = "/api/v1/organizations/1/competitors";
    let refused = server.send("POST", path, Some(&vic), json!({"name": "Globex"}));
    refused.problem(403);
    let bad = server.send(
        "POST",
        path,
        Some(&ann),
        json!({"name": "", "renews_on": "someday"}),
    );
    bad.problem(422);
    assert_eq!(bad.fields(), ["name", "renews_on"]);
    assert_eq!(server.get(path, Some(&vic)).ok(200)["items"], json!([]));
    server
        .send(
            "POST",
            "/api/v1/organizations/99/competitors",
            Some(&ann),
            json!({"name": "Globex"}),
        )
        .problem(404);

    let recorded = server.send(
        "POST",
        path,
        Some(&ann),
        json!({"name": "Globex", "renews_on": "2027-05-01", "dissatisfactions": ["slow support"]}),
    );
    assert_eq!(recorded.ok(200)["renews_on"], "2027-05-01");
    // A second record adds a dissatisfaction and keeps the date.
    let updated = server.send(
        "POST",
        path,
        Some(&ann),
        json!({"name": "globex", "dissatisfactions": ["price rises"]}),
    );
    assert_eq!(
        updated.ok(200)["dissatisfactions"],
        json!(["slow support", "price rises"])
    );
    assert!(server.terminate());

    // The CLI's first user owns Dana; on 2027-01-31 (90 days before) she is due, with why.
    let server = Server::start(&rapport, "2027-01-31");
    let me_id = rapport
        .json(&["user", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "me@localhost")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let agenda = server.get(&format!("/api/v1/agenda?owner={me_id}"), Some(&ann));
    let entries = agenda.ok(200)["entries"].as_array().unwrap().clone();
    let entry = entries
        .iter()
        .find(|e| e["contact_id"] == dana)
        .expect("Dana is on the agenda");
    assert_eq!(entry["next_touch_source"], "renewal");
    assert_eq!(entry["competitor"]["name"], "Globex");
    assert_eq!(
        entry["why"],
        "Globex's contract renews 2027-05-01 (in 90 days); unhappy with: slow support; price rises"
    );
}

#[test]
fn introductions_build_the_network_over_http() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let carla = rapport.add("Carla Connector", &[]);
    let ben = rapport.add("Ben Baker", &["--stage", "customer"]);
    let server = Server::start(&rapport, TODAY);
    let body = json!({"introducer": carla, "introduced": ben, "on": "2026-11-01"});
    server
        .send("POST", "/api/v1/introductions", Some(&vic), body.clone())
        .problem(403);
    let bad = server.send(
        "POST",
        "/api/v1/introductions",
        Some(&ann),
        json!({"introducer": carla, "introduced": ben, "on": "whenever"}),
    );
    assert_eq!(bad.fields(), ["on"]);
    server
        .send(
            "POST",
            "/api/v1/introductions",
            Some(&ann),
            json!({"introducer": carla, "introduced": 99}),
        )
        .problem(404);
    let path = format!("/api/v1/contacts/{carla}/network");
    assert_eq!(
        server.get(&path, Some(&vic)).ok(200)["introduced"],
        json!([])
    );

    let made = server.send("POST", "/api/v1/introductions", Some(&ann), body.clone());
    let network = made.ok(201);
    assert_eq!(network["connector"], true);
    assert_eq!(network["introduced"][0]["introduced_on"], "2026-11-01");
    assert_eq!(
        network["summary"],
        "introduced 1: 1 became a client, 0 touches, 0 won"
    );
    // Again, the other way round, or to themselves: refused, naming the field.
    for pair in [
        body,
        json!({"introducer": ben, "introduced": carla}),
        json!({"introducer": ben, "introduced": ben}),
    ] {
        let refused = server.send("POST", "/api/v1/introductions", Some(&ann), pair);
        refused.problem(422);
        assert_eq!(refused.fields(), ["introduced"], "{}", refused.text);
    }
    let ben_now = server.get(&format!("/api/v1/contacts/{ben}"), Some(&vic));
    assert_eq!(ben_now.ok(200)["source"], "introduced by Carla Connector");
    assert_eq!(server.get(&path, Some(&vic)).ok(200)["client"], false);
}

#[test]
fn health_and_the_at_risk_list_over_http() {
    let rapport = Rapport::new();
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    rapport.ok(&["org", "add", "Acme", "--tier", "A"]);
    let ann = rapport.add("Ann Acme", &["--org", "Acme"]);
    rapport.ok(&["log", "Ann", "--kind", "call", "--inbound"]);
    let server = Server::start(&rapport, "2026-12-01");
    let health = server.get(&format!("/api/v1/contacts/{ann}/health"), Some(&vic));
    let health = health.ok(200);
    // Within her quarterly cycle (50), one touch and none before (25), 1 of 1 inbound (25).
    assert_eq!(health["health"]["score"], 100);
    assert_eq!(
        health["risks"],
        json!(["single-threaded: the only contact at Acme"])
    );
    let parts: Vec<&str> = health["health"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["recency", "frequency", "reciprocity"]);
    let acme = server.get("/api/v1/organizations/1/health", Some(&vic));
    assert_eq!(acme.ok(200)["health"]["score"], 50);
    let risky = server.get("/api/v1/at-risk", Some(&vic));
    assert_eq!(risky.ok(200)["items"][0]["contact_id"], ann);
    server
        .get("/api/v1/contacts/99/health", Some(&vic))
        .problem(404);
}

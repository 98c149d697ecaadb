//! The ideal client profile over the API and on the pages: everyone reads the criteria and the
//! fit, admins change the criteria, writers change an organization's profile (with If-Match)
//! and custom fields, lists sort by fit; the contact page's intro, stage and role forms.

use serde_json::json;

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::{csrf_of, form_login};

fn book() -> (Rapport, String, String, String) {
    let r = Rapport::new();
    let admin = user_with_token(&r, "ann@example.com", "admin");
    let member = user_with_token(&r, "max@example.com", "member");
    let viewer = user_with_token(&r, "vic@example.com", "viewer");
    r.ok(&["org", "add", "Acme"]);
    r.ok(&["org", "add", "Globex"]);
    r.add("Ann Lee", &["--org", "Acme", "--tag", "conference"]);
    r.add("Bob Stone", &["--org", "Globex"]);
    r.add("Cy Young", &[]);
    (r, admin, member, viewer)
}

#[test]
fn criteria_fit_and_profiles_over_the_api() {
    let (rapport, admin, member, viewer) = book();
    let server = Server::start(&rapport, TODAY);

    let none = server.get("/api/v1/organizations/1/fit", Some(&viewer));
    assert_eq!(none.ok(200)["score"], serde_json::Value::Null);
    assert!(
        none.json["note"]
            .as_str()
            .unwrap()
            .starts_with("no fit score")
    );

    let add = |token: &str, body: serde_json::Value| {
        server.send("POST", "/api/v1/icp/criteria", Some(token), body)
    };
    let industry = json!({"field": "industry", "value": "Software, Logistics", "weight": 3});
    add(&viewer, industry.clone()).problem(403);
    add(&member, industry.clone()).problem(403);
    let bad = add(
        &admin,
        json!({"field": "colour", "value": "red", "weight": 11}),
    );
    bad.problem(422);
    assert_eq!(bad.fields(), vec!["weight", "field"]);
    let empty = add(
        &admin,
        json!({"field": "size", "value": "500..50", "weight": 2}),
    );
    empty.problem(422);
    assert_eq!(empty.fields(), vec!["value"]);
    assert!(
        empty.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("minimum is above the maximum")
    );
    let created = add(&admin, industry);
    assert_eq!(created.ok(201)["weight"], 3);
    assert_eq!(created.header("location"), Some("/api/v1/icp/criteria/1"));
    add(
        &admin,
        json!({"field": "size", "value": "50..500", "weight": 2}),
    )
    .ok(201);
    add(
        &admin,
        json!({"field": "tag", "value": "conference", "weight": 2}),
    )
    .ok(201);
    add(
        &admin,
        json!({"field": "field:segment", "value": "enterprise", "weight": 2}),
    )
    .ok(201);
    let listed = server.get("/api/v1/icp/criteria", Some(&viewer));
    assert_eq!(listed.ok(200)["items"].as_array().unwrap().len(), 4);
    assert_eq!(listed.json["items"][3]["field"], "field:segment");

    // An organization's profile: If-Match required and checked; viewers may not.
    let org = server.get("/api/v1/organizations/2", Some(&viewer));
    assert_eq!(org.ok(200)["version"], 1);
    assert_eq!(org.header("etag"), Some("\"1\""));
    let patch = json!({"industry": "Logistics", "size": 120, "fields": {"segment": "enterprise"}});
    server
        .patch(
            "/api/v1/organizations/2",
            Some(&viewer),
            Some("\"1\""),
            patch.clone(),
        )
        .problem(403);
    server
        .patch(
            "/api/v1/organizations/2",
            Some(&member),
            None,
            patch.clone(),
        )
        .problem(428);
    let refused = server.patch(
        "/api/v1/organizations/2",
        Some(&member),
        Some("\"1\""),
        json!({"size": -5, "fields": {"bad key": "x"}}),
    );
    refused.problem(422);
    assert_eq!(refused.fields(), vec!["size", "fields.bad key"]);
    let changed = server.patch(
        "/api/v1/organizations/2",
        Some(&member),
        Some("\"1\""),
        patch,
    );
    assert_eq!(changed.ok(200)["industry"], "Logistics");
    assert_eq!(changed.json["fields"], json!({"segment": "enterprise"}));
    assert_eq!(changed.header("etag"), Some("\"2\""));
    server
        .patch(
            "/api/v1/organizations/2",
            Some(&member),
            Some("\"1\""),
            json!({"region": "EU"}),
        )
        .problem(412);
    // Its name, domain and tier change the same way; names stay unique ignoring case.
    let globex = |etag: &str, body: serde_json::Value| {
        server.patch("/api/v1/organizations/2", Some(&member), Some(etag), body)
    };
    let refused = globex("\"2\"", json!({"name": " ", "tier": "S"}));
    refused.problem(422);
    let mut bad = refused.fields();
    bad.sort();
    assert_eq!(bad, ["name", "tier"]);
    let taken = globex("\"2\"", json!({"name": "ACME"}));
    assert!(
        taken.problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("'ACME' already exists")),
        "{}",
        taken.text
    );
    let renamed = globex(
        "\"2\"",
        json!({"name": "Globex Group", "domain": " GLOBEX.example", "tier": "B"}),
    );
    assert_eq!(
        (
            &renamed.ok(200)["name"],
            &renamed.json["domain"],
            &renamed.json["tier"]
        ),
        (
            &json!("Globex Group"),
            &json!("globex.example"),
            &json!("B")
        )
    );
    let cleared = globex("\"3\"", json!({"domain": null, "tier": null}));
    assert_eq!(
        (&cleared.ok(200)["domain"], &cleared.json["tier"]),
        (&json!(null), &json!(null))
    );
    let found = server.get("/api/v1/search?q=globex%20group", Some(&viewer));
    assert_eq!(found.ok(200)["organizations"][0]["name"], "Globex Group");
    server
        .patch(
            "/api/v1/organizations/1",
            Some(&admin),
            Some("\"1\""),
            json!({"industry": "Software", "size": 1200}),
        )
        .ok(200);

    // Globex: Logistics +3, 120 within 50–500 +2, segment enterprise +2; the tag does not
    // apply to an organization: 7 of 7.
    let globex = server.get("/api/v1/organizations/2/fit", Some(&viewer));
    assert_eq!(globex.ok(200)["score"], 100);
    assert_eq!(
        globex.json["reasons"][2]["reason"],
        "tag conference: applies to contacts only"
    );
    assert_eq!(globex.json["reasons"][2]["possible"], 0);
    // Ann at Acme: Software +3, 1,200 outside 0 of 2, tagged +2, no segment 0 of 2: 5 of 9.
    let ann = server.get("/api/v1/contacts/1/fit", Some(&viewer));
    assert_eq!(
        (ann.ok(200)["score"].as_i64(), ann.json["possible"].as_i64()),
        (Some(56), Some(9))
    );
    assert_eq!(
        ann.json["reasons"][1]["reason"],
        "size 1,200 is outside 50–500: 0 of 2"
    );

    // A contact's custom fields through the contact PATCH: null removes.
    let etag = server
        .get("/api/v1/contacts/1", Some(&admin))
        .header("etag")
        .unwrap()
        .to_owned();
    let edited = server.patch(
        "/api/v1/contacts/1",
        Some(&admin),
        Some(&etag),
        json!({"fields": {"Segment": "enterprise", "crm": "hubspot"}}),
    );
    assert_eq!(
        edited.ok(200)["fields"],
        json!({"crm": "hubspot", "segment": "enterprise"})
    );
    let etag = edited.header("etag").unwrap().to_owned();
    let edited = server.patch(
        "/api/v1/contacts/1",
        Some(&admin),
        Some(&etag),
        json!({"fields": {"crm": null}}),
    );
    assert_eq!(edited.ok(200)["fields"], json!({"segment": "enterprise"}));
    assert_eq!(
        server.get("/api/v1/contacts/1/fit", Some(&viewer)).ok(200)["score"],
        78
    );

    // Lists by fit: best first, unscored last; pages continue where the last one stopped.
    let page1 = server.get("/api/v1/contacts?sort=fit&limit=2", Some(&viewer));
    let fits = |page: &serde_json::Value| -> Vec<(i64, i64)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_i64().unwrap(), c["fit"].as_i64().unwrap()))
            .collect()
    };
    // Bob at Globex: 3 + 2 + 0 + 2 = 7 of 9 → 78; Ann 7 of 9 → 78 (ties by name); Cy 0.
    assert_eq!(fits(page1.ok(200)), [(1, 78), (2, 78)]);
    let cursor = page1.json["next_cursor"].as_str().unwrap().to_owned();
    let page2 = server.get(
        &format!("/api/v1/contacts?sort=fit&limit=2&cursor={cursor}"),
        Some(&viewer),
    );
    assert_eq!(fits(page2.ok(200)), [(3, 0)]);
    assert_eq!(page2.json["next_cursor"], serde_json::Value::Null);
    let by_name = server.get("/api/v1/contacts", Some(&viewer));
    assert!(
        by_name.ok(200)["items"][0].get("fit").is_none(),
        "no fit unless sorted by it"
    );
    let bad_sort = server.get("/api/v1/contacts?sort=best", Some(&viewer));
    bad_sort.problem(400);
    assert_eq!(bad_sort.fields(), vec!["sort"]);
    let orgs = server.get("/api/v1/organizations?sort=fit", Some(&viewer));
    let names: Vec<(&str, i64)> = orgs.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["fit"].as_i64().unwrap()))
        .collect();
    assert_eq!(names, [("Globex Group", 100), ("Acme", 43)]);

    // Removing: admins only, then gone.
    server
        .send("DELETE", "/api/v1/icp/criteria/1", Some(&member), json!({}))
        .problem(403);
    let gone = server.call("DELETE", "/api/v1/icp/criteria/1", Some(&admin), None);
    assert_eq!(gone.status, 204);
    server
        .call("DELETE", "/api/v1/icp/criteria/1", Some(&admin), None)
        .problem(404);
    let audit = server.get("/api/v1/audit?entity=icp_criterion", Some(&admin));
    assert_eq!(
        audit.ok(200)["items"].as_array().unwrap().len(),
        5,
        "{}",
        audit.json
    );
}

#[test]
fn the_profile_on_the_pages() {
    let (rapport, _, _, _) = book();
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |cookie: &str, path: &str| {
        let page = server.request("GET", path, &[("Cookie", cookie)], Body::Empty);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        page.text
    };
    let post = |cookie: &str, path: &str, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf_of(&get(cookie, "/settings"))));
        server.request("POST", path, &[("Cookie", cookie)], Body::Form(form))
    };
    let criterion = |field: &str, value: &str, weight: &str| {
        vec![
            ("field", field.to_owned()),
            ("value", value.to_owned()),
            ("weight", weight.to_owned()),
        ]
    };

    assert!(get(&cookie, "/organizations/1").contains("no fit score"));
    let refused = post(&cookie, "/settings/icp", criterion("size", "9..1", "2"));
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text
            .contains("id=\"icp-value-error\">size range 9..1 is empty"),
        "{}",
        refused.text
    );
    let saved = post(
        &cookie,
        "/settings/icp",
        criterion("industry", "Software", "3"),
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    post(&cookie, "/settings/icp", criterion("region", "EU", "1"));
    let settings = get(&cookie, "/settings");
    assert!(
        settings.contains("<td>industry</td><td>Software</td><td>3</td>"),
        "{settings}"
    );

    let profile = |version: &str, size: &str| {
        vec![
            ("name", "Acme".to_owned()),
            ("domain", "".to_owned()),
            ("tier", "".to_owned()),
            ("industry", "software".to_owned()),
            ("size", size.to_owned()),
            ("region", "".to_owned()),
            ("fields", "segment: enterprise\r\n".to_owned()),
            ("version", version.to_owned()),
        ]
    };
    let refused = post(&cookie, "/organizations/1/profile", profile("1", "many"));
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text
            .contains("id=\"org-size-error\">an employee count"),
        "{}",
        refused.text
    );
    let saved = post(&cookie, "/organizations/1/profile", profile("1", "80"));
    assert_eq!(saved.status, 303, "{}", saved.text);
    let stale = post(&cookie, "/organizations/1/profile", profile("1", "90"));
    assert_eq!(
        stale.status, 412,
        "a form from before the last save is refused"
    );
    let acme = get(&cookie, "/organizations/1?profiled=1");
    assert!(acme.contains("Profile saved."), "{acme}");
    assert!(
        acme.contains("<span class=\"score\">75/100</span>"),
        "{acme}"
    );
    assert!(
        acme.contains("<td>industry is software</td><td>3/3</td>"),
        "{acme}"
    );
    assert!(
        acme.contains("<td>no region recorded</td><td>0/1</td>"),
        "{acme}"
    );
    assert!(acme.contains(">segment: enterprise</textarea>"), "{acme}");

    let list = get(&cookie, "/organizations?sort=fit");
    let acme_at = list.find(">Acme</a>").unwrap();
    let globex_at = list.find(">Globex</a>").unwrap();
    assert!(acme_at < globex_at, "Acme (75) before Globex (0): {list}");
    assert!(list.contains("<td class=\"fit\">75</td>"), "{list}");
    assert!(list.contains("aria-sort=\"descending\""), "{list}");

    // The same form renames the organization and sets its domain and tier; a name another
    // organization has is refused on the name field.
    let rebrand = |version: &str, name: &str| {
        let mut form = profile(version, "80");
        form[0].1 = name.to_owned();
        form[1].1 = " ACME.example ".to_owned();
        form[2].1 = "B".to_owned();
        form
    };
    let taken = post(&cookie, "/organizations/1/profile", rebrand("2", "globex"));
    assert_eq!(taken.status, 409, "{}", taken.text);
    assert!(
        taken.text.contains(
            "id=\"org-name-error\">an organization named &#39;globex&#39; already exists"
        ),
        "{}",
        taken.text
    );
    let renamed = post(
        &cookie,
        "/organizations/1/profile",
        rebrand("2", "Acme Group"),
    );
    assert_eq!(renamed.status, 303, "{}", renamed.text);
    let acme = get(&cookie, "/organizations/1");
    assert!(acme.contains("<h1>Acme Group</h1>"), "{acme}");
    assert!(acme.contains("acme.example · tier B"), "{acme}");
    assert!(acme.contains("<option selected>B</option>"), "{acme}");

    let ann = get(&cookie, "/contacts/1");
    assert!(ann.contains("Ideal client fit"), "{ann}");
    let saved = post(
        &cookie,
        "/contacts/1/fields",
        vec![
            ("fields", "crm: hubspot".into()),
            ("back", "/contacts/1".into()),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert!(get(&cookie, "/contacts/1").contains(">crm: hubspot</textarea>"));
    let bad = post(
        &cookie,
        "/contacts/1/fields",
        vec![("fields", "no colon here".into())],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("expected KEY: VALUE"), "{}", bad.text);

    // Viewers see the profile but no form.
    let viewer = form_login(&server, "vic@example.com");
    let page = get(&viewer, "/organizations/1");
    assert!(!page.contains("action=\"/organizations/1/profile\""));
    assert!(page.contains("75/100"));
    let member = form_login(&server, "max@example.com");
    assert!(!get(&member, "/settings").contains("action=\"/settings/icp\""));
    assert_eq!(
        post(&member, "/settings/icp", criterion("tag", "x", "1")).status,
        403
    );
}

#[test]
fn introductions_stages_and_roles_from_the_contact_page() {
    let (rapport, _, _, _) = book();
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| {
        let page = server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        page.text
    };
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf_of(&get("/settings"))));
        form.push(("back", "/contacts/1".into()));
        server.request("POST", path, &[("Cookie", &cookie)], Body::Form(form))
    };

    let intro = |other: &str, direction: &str| {
        vec![
            ("other", other.to_owned()),
            ("direction", direction.to_owned()),
            ("on", String::new()),
        ]
    };
    let unknown = post("/contacts/1/introductions", intro("Nobody", "by"));
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .text
            .contains("id=\"intro-other-error\">no contact matches"),
        "{}",
        unknown.text
    );
    let itself = post("/contacts/1/introductions", intro("Ann Lee", "of"));
    assert_eq!(itself.status, 422);
    let done = post("/contacts/1/introductions", intro("Bob Stone", "of"));
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), Some("/contacts/1?introduced=1"));
    let page = get("/contacts/1?introduced=1");
    assert!(
        page.contains("Introduction recorded for Ann Lee."),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"/contacts/2\">Bob Stone</a>"),
        "{page}"
    );
    let network = rapport.json(&["network", "2"]);
    assert_eq!(network["introduced_by"][0]["name"], "Ann Lee");

    let staged = post(
        "/contacts/1/stage",
        vec![
            ("stage", "engaged".into()),
            ("reason", "asked for a demo".into()),
        ],
    );
    assert_eq!(staged.status, 303, "{}", staged.text);
    assert!(get("/contacts/1").contains("<strong>engaged</strong>: asked for a demo"));
    let bad = post("/contacts/1/stage", vec![("stage", "married".into())]);
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("id=\"stage-error\""), "{}", bad.text);

    let role =
        |role: &str, action: &str| vec![("role", role.to_owned()), ("action", action.to_owned())];
    assert_eq!(
        post("/contacts/1/roles", role("champion", "add")).status,
        303
    );
    let shown = rapport.show("1");
    assert!(
        shown["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "champion" && r["until"].is_null())
    );
    let not_now = post("/contacts/1/roles", role("vendor", "end"));
    assert_eq!(not_now.status, 422);
    assert!(
        not_now.text.contains("is not a vendor now"),
        "{}",
        not_now.text
    );
    assert_eq!(
        post("/contacts/1/roles", role("champion", "end")).status,
        303
    );
    let shown = rapport.show("1");
    assert!(
        shown["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["role"] != "champion" || !r["until"].is_null())
    );

    // The forms check CSRF like every other.
    let forged = server.request(
        "POST",
        "/contacts/1/stage",
        &[("Cookie", &cookie)],
        Body::Form(vec![("stage", "customer".into())]),
    );
    assert_eq!(forged.status, 403);
}

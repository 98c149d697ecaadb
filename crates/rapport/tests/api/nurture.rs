//! Lead nurturing over HTTP: the library, interests, recommendations, sending within the caps,
//! owners and handoffs, the rules and the report — and who may change what.

use serde_json::{Value, json};

use crate::server::{Server, TODAY, user_with_token};
use crate::support::Rapport;

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().unwrap()
}

#[test]
fn content_is_recommended_sent_within_the_caps_and_handed_over() {
    let rapport = Rapport::new();
    let ann = user_with_token(&rapport, "ann@example.com", "admin");
    let sam = user_with_token(&rapport, "sam@example.com", "member");
    let vic = user_with_token(&rapport, "vic@example.com", "viewer");
    let server = Server::start(&rapport, TODAY);
    let (ann, sam, vic) = (Some(ann.as_str()), Some(sam.as_str()), Some(vic.as_str()));

    let bad = server.send(
        "POST",
        "/api/v1/content",
        ann,
        json!({"title": " ", "link": "x", "stages": ["hot"], "needs": [""]}),
    );
    bad.problem(422);
    assert_eq!(
        bad.fields(),
        ["title", "format", "topics", "needs[0]", "stages"]
    );
    server
        .send("POST", "/api/v1/content", vic, json!({"title": "T"}))
        .problem(403);
    assert_eq!(
        server.get("/api/v1/content", ann).ok(200)["items"],
        json!([])
    );

    let guide = server.send(
        "POST",
        "/api/v1/content",
        ann,
        json!({"title": "Migration guide", "link": "https://example.com/g", "format": "guide",
               "needs": ["Data Migration"], "kinds": ["seasoned"]}),
    );
    let guide = id_of(guide.ok(201));
    let sheet = id_of(
        server
            .send(
                "POST",
                "/api/v1/content",
                ann,
                json!({"title": "Security sheet", "link": "files/sec.pdf", "format": "sheet",
                       "topics": ["security"]}),
            )
            .ok(201),
    );
    let edited = server.patch(
        &format!("/api/v1/content/{sheet}"),
        sam,
        None,
        json!({"summary": "Ten checks", "expires_on": "2027-06-30"}),
    );
    assert_eq!(edited.ok(200)["summary"], "Ten checks");
    assert_eq!(edited.ok(200)["expires_on"], "2027-06-30");

    let lena = id_of(
        server
            .send(
                "POST",
                "/api/v1/contacts",
                ann,
                json!({"name": "Lena Park", "prospect_kind": "seasoned", "cadence": "30d"}),
            )
            .ok(201),
    );
    server
        .send(
            "POST",
            &format!("/api/v1/contacts/{lena}/touches"),
            ann,
            json!({"kind": "call", "needs": "the data migration is late"}),
        )
        .ok(201);
    // A member who does not own Lena cannot set her interests; the owner can.
    let interests = format!("/api/v1/contacts/{lena}/interests");
    server
        .send("PUT", &interests, sam, json!({"interests": ["security"]}))
        .problem(403);
    let set = server.send("PUT", &interests, ann, json!({"interests": ["Security"]}));
    assert_eq!(
        set.ok(200),
        &json!([
            {"kind": "interest", "term": "security", "origin": "stated", "touch_id": null,
             "discussed_on": null},
            {"kind": "need", "term": "data migration", "origin": "discussed", "touch_id": 1,
             "discussed_on": "2026-11-25"},
        ])
    );

    // Guide: a discussed need it addresses (3) + made for seasoned prospects (1) = 4; the
    // sheet: an interest among its topics (1).
    let recommended = server
        .get(&format!("/api/v1/contacts/{lena}/recommendations"), sam)
        .ok(200)
        .clone();
    let ranked: Vec<(i64, u64)> = recommended["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["content"]["id"].as_i64().unwrap(),
                r["score"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranked, vec![(guide, 4), (sheet, 1)]);
    assert_eq!(
        recommended["recommendations"][0]["reason"],
        "addresses 'data migration' discussed on 25 Nov; suits seasoned prospects"
    );
    assert_eq!(recommended["held_back"], Value::Null);

    // A member sends on any contact; the touch moves the cycle (25 Nov + 30 days).
    let send = format!("/api/v1/contacts/{lena}/content-touches");
    let sent = server.send("POST", &send, sam, json!({"content_id": guide}));
    assert_eq!(sent.ok(201)["next_touch_on"], "2026-12-25");
    let again = server.send("POST", &send, sam, json!({"content_id": sheet}));
    again.problem(409);
    assert!(
        again.json["detail"]
            .as_str()
            .unwrap()
            .contains("content cap: at most one content touch every 14 days"),
        "{}",
        again.text
    );
    server
        .send(
            "POST",
            &send,
            sam,
            json!({"content_id": guide, "at": "not a time"}),
        )
        .problem(422);
    server
        .send("POST", &send, vic, json!({"content_id": sheet}))
        .problem(403);
    server
        .send("POST", &send, sam, json!({"content_id": 999}))
        .problem(404);
    let touches = server
        .get(&format!("/api/v1/contacts/{lena}/touches"), ann)
        .ok(200)
        .clone();
    assert_eq!(touches["items"][0]["kind"], "content-shared");
    assert_eq!(
        touches["items"][0]["summary"],
        "Sent 'Migration guide' (https://example.com/g)"
    );

    // Rules: admins only; a zero period is refused.
    server
        .patch(
            "/api/v1/nurture-rules",
            sam,
            None,
            json!({"content_gap_days": 7}),
        )
        .problem(403);
    let zero = server.patch(
        "/api/v1/nurture-rules",
        ann,
        None,
        json!({"touch_period_days": 0}),
    );
    zero.problem(422);
    assert_eq!(zero.fields(), ["touch_period_days"]);
    let rules = server.patch(
        "/api/v1/nurture-rules",
        ann,
        None,
        json!({"content_gap_days": 7}),
    );
    assert_eq!(rules.ok(200)["content_gap_days"], 7);

    // Owners and the handoff to Sam.
    let nurture = format!("/api/v1/contacts/{lena}/nurture");
    let nobody = server.patch(&nurture, ann, None, json!({"sales_owner_id": 99}));
    nobody.problem(422);
    assert_eq!(nobody.fields(), ["sales_owner_id"]);
    assert!(
        nobody
            .text
            .contains("there is no user #99 to be the sales owner")
    );
    let sam_id = server.get("/api/v1/me", sam).ok(200)["id"]
        .as_i64()
        .unwrap();
    server
        .patch(&nurture, ann, None, json!({"sales_owner_id": sam_id}))
        .ok(200);
    assert_eq!(
        server.get("/api/v1/handoffs", sam).ok(200)["incoming"],
        json!([])
    );
    let ready = format!("/api/v1/contacts/{lena}/ready");
    server
        .send("PUT", &ready, sam, json!({"note": "asked for a quote"}))
        .ok(200);
    let handoffs = server.get("/api/v1/handoffs", sam).ok(200).clone();
    assert_eq!(handoffs["incoming"][0]["contact_id"], lena);
    assert_eq!(
        handoffs["incoming"][0]["reason"],
        "marked sales-ready on 2026-11-25: asked for a quote"
    );
    assert_eq!(
        handoffs["incoming"][0]["history"][0]["content_title"],
        "Migration guide"
    );
    assert_eq!(
        server.get("/api/v1/handoffs", ann).ok(200)["outgoing"][0]["sales_owner"]["email"],
        "sam@example.com"
    );
    let gone = server.call("DELETE", &ready, sam, None);
    assert_eq!(gone.status, 204);
    assert_eq!(
        server.get("/api/v1/handoffs", sam).ok(200)["incoming"],
        json!([])
    );

    let retired = server.send(
        "POST",
        &format!("/api/v1/content/{sheet}/retire"),
        sam,
        Value::Null,
    );
    assert!(retired.ok(200)["retired_on"].is_string());
    assert_eq!(
        server.get("/api/v1/content", ann).ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let report = server.get("/api/v1/reports/nurture", vic).ok(200).clone();
    assert_eq!(report["replies"][0]["title"], "Migration guide");
    assert_eq!(report["replies"][0]["replies"], 0);
}

#[test]
fn the_library_page_the_nurture_card_and_handoffs_work_without_javascript() {
    use crate::server::Body;
    use crate::web::{csrf_of, form_login};

    let rapport = Rapport::new();
    user_with_token(&rapport, "ann@example.com", "member");
    rapport.ok(&[
        "--as",
        "ann@example.com",
        "contact",
        "add",
        "Dana Whitfield",
        "--kind",
        "seasoned",
    ]);
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);
    let post = |path: &str, form: &[(&'static str, &str)]| {
        let csrf = csrf_of(&get("/content").text);
        let mut fields = vec![("csrf", csrf)];
        fields.extend(form.iter().map(|(k, v)| (*k, (*v).to_owned())));
        server.request("POST", path, &[("Cookie", &cookie)], Body::Form(fields))
    };

    let library = get("/content");
    assert_eq!(library.status, 200);
    assert!(
        library.text.contains("The library is empty"),
        "{}",
        library.text
    );
    let empty_item = [
        ("title", " "),
        ("link", "https://example.com/g"),
        ("format", "guide"),
        ("topics", ""),
        ("needs", "data migration"),
        ("stages", "engaged, hot"),
        ("kinds", ""),
        ("summary", ""),
        ("expires_on", ""),
    ];
    let refused = post("/content", &empty_item);
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"c-title-error\""),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("id=\"c-stages-error\""),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("unknown lifecycle stage"),
        "{}",
        refused.text
    );
    // What was typed comes back.
    assert!(refused.text.contains("value=\"https://example.com/g\""));
    assert!(
        get("/content").text.contains("The library is empty"),
        "nothing half-written"
    );

    let mut good = empty_item;
    good[0] = ("title", "Migration guide");
    good[5] = ("stages", "");
    let saved = post("/content", &good);
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(saved.header("location"), Some("/content?saved=1"));
    let mut other = good;
    other[0] = ("title", "Migration checklist");
    assert_eq!(post("/content", &other).status, 303);

    // The contact page: interests set by hand, what to send with its reason, a Send button.
    let set = post(
        "/contacts/1/interests",
        &[("interests", ""), ("needs", "Data Migration")],
    );
    assert_eq!(set.status, 303);
    let contact = get("/contacts/1");
    assert!(
        contact
            .text
            .contains("need &#39;data migration&#39; — stated")
            || contact.text.contains("need 'data migration' — stated"),
        "{}",
        contact.text
    );
    assert!(contact.text.contains("Migration guide"), "{}", contact.text);
    assert!(
        contact.text.contains("action=\"/contacts/1/send\""),
        "{}",
        contact.text
    );

    // Today: Dana (new, due today) with what to send on her row.
    let today = get("/");
    assert!(
        today.text.contains("aria-label=\"Send Migration guide\""),
        "{}",
        today.text
    );

    let sent = post(
        "/contacts/1/send",
        &[("item", "1"), ("back", "/contacts/1")],
    );
    assert_eq!(sent.status, 303);
    assert_eq!(sent.header("location"), Some("/contacts/1?logged=1"));
    let capped = post(
        "/contacts/1/send",
        &[("item", "2"), ("back", "/contacts/1")],
    );
    assert_eq!(capped.status, 409);
    assert!(capped.text.contains("content cap"), "{}", capped.text);
    assert!(get("/contacts/1").text.contains("Not now — content cap"));

    // Sales-ready: a handoff to the contact's owner (no sales owner set), with the history.
    assert_eq!(
        post("/contacts/1/ready", &[("note", "asked for a quote")]).status,
        303
    );
    let handoffs = get("/handoffs");
    assert!(
        handoffs
            .text
            .contains("marked sales-ready on 2026-11-25: asked for a quote"),
        "{}",
        handoffs.text
    );
    assert!(
        handoffs.text.contains("sent &#39;Migration guide&#39;")
            || handoffs.text.contains("sent 'Migration guide'"),
        "{}",
        handoffs.text
    );
    assert!(get("/").text.contains("id=\"h-handoffs\""));

    let report = get("/reports/nurture");
    assert_eq!(report.status, 200);
    assert!(
        report
            .text
            .contains("<td>Migration guide</td><td>1</td><td>0</td>"),
        "{}",
        report.text
    );

    // Edit and retire.
    let form = get("/content/2");
    assert!(
        form.text.contains("value=\"Migration checklist\""),
        "{}",
        form.text
    );
    let mut renamed = other;
    renamed[0] = ("title", "Migration checklist v2");
    assert_eq!(post("/content/2", &renamed).status, 303);
    assert_eq!(post("/content/2/retire", &[]).status, 303);
    let after = get("/content");
    assert!(after.text.contains("Migration checklist v2"));
    assert!(after.text.contains("retired 25 Nov"), "{}", after.text);
}

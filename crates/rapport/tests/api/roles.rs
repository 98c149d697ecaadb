//! The agenda and the contact lists narrowed to a relationship role, over the API and on the
//! web pages; the same book as the CLI's `roles` tests: Cleo a champion from 2026-11-25, Ida
//! one until then, Pete a prospect, all overdue.

use crate::server::{Body, Server, TODAY, user_with_token};
use crate::support::Rapport;
use crate::web::form_login;

fn book() -> (Rapport, String) {
    let r = Rapport::new();
    let token = user_with_token(&r, "ann@example.com", "admin");
    // Ann's own book: the agenda is its owner's.
    let ann = ["--as", "ann@example.com"];
    r.at("2026-09-01");
    r.add("Cleo Champ", &[&ann[..], &["--cadence", "30d"]].concat());
    r.add(
        "Ida Former",
        &[&ann[..], &["--cadence", "30d", "--role", "champion"]].concat(),
    );
    r.add(
        "Pete Plain",
        &[&ann[..], &["--cadence", "30d", "--role", "prospect"]].concat(),
    );
    for name in ["Cleo", "Ida", "Pete"] {
        r.ok(&["log", name, "--kind", "call"]);
    }
    r.at(TODAY);
    r.ok(&["contact", "edit", "Cleo", "--role", "champion"]);
    r.ok(&["contact", "edit", "Ida", "--end-role", "champion"]);
    (r, token)
}

fn names(list: &serde_json::Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn roles_the_api_agenda_and_contact_list_filter_by_role() {
    let (rapport, token) = book();
    let server = Server::start(&rapport, TODAY);
    let token = Some(token.as_str());

    // Everyone first, so a cached answer for the whole agenda is there to be wrongly reused.
    let all = server.get("/api/v1/agenda", token);
    assert_eq!(names(all.ok(200), "entries").len(), 3);
    let champions = server.get("/api/v1/agenda?role=champion", token);
    let champions = champions.ok(200);
    assert_eq!(names(champions, "entries"), vec!["Cleo Champ"]);
    assert_eq!(champions["counts"]["overdue"], 1);
    let prospects = server.get("/api/v1/agenda?role=prospect", token);
    assert_eq!(names(prospects.ok(200), "entries"), vec!["Pete Plain"]);

    let bad = server.get("/api/v1/agenda?role=boss", token);
    let problem = bad.problem(400);
    assert_eq!(bad.fields(), vec!["role"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown role 'boss'"),
        "{problem}"
    );

    let listed = server.get("/api/v1/contacts?role=champion", token);
    assert_eq!(names(listed.ok(200), "items"), vec!["Cleo Champ"]);
}

#[test]
fn roles_today_and_search_pages_filter_by_role() {
    let (rapport, _) = book();
    let server = Server::start(&rapport, TODAY);
    let cookie = form_login(&server, "ann@example.com");
    let get = |path: &str| server.request("GET", path, &[("Cookie", &cookie)], Body::Empty);

    let today = get("/?role=champion");
    assert_eq!(today.status, 200, "{}", today.text);
    assert!(today.text.contains("Cleo Champ"));
    assert!(!today.text.contains("Ida Former") && !today.text.contains("Pete Plain"));
    assert!(
        today.text.contains("<option selected>champion</option>"),
        "{}",
        today.text
    );
    let everyone = get("/");
    assert!(everyone.text.contains("Ida Former") && everyone.text.contains("Pete Plain"));
    let nobody = get("/?role=vendor");
    assert!(
        nobody
            .text
            .contains("Nobody holding the role vendor is due this week."),
        "{}",
        nobody.text
    );
    let bad = get("/?role=boss");
    assert_eq!(bad.status, 400);
    assert!(
        bad.text.contains("unknown role &#39;boss&#39;"),
        "{}",
        bad.text
    );

    // A role alone lists everyone holding it; with text, the matches holding it.
    let listed = get("/search?role=champion");
    assert!(listed.text.contains("Cleo Champ"), "{}", listed.text);
    assert!(!listed.text.contains("Ida Former"));
    let matched = get("/search?q=pete&role=prospect&partial=results");
    assert!(matched.text.contains("Pete Plain"), "{}", matched.text);
    assert!(!matched.text.contains("Cleo Champ") && !matched.text.contains("Ida Former"));
    let none = get("/search?q=cleo&role=prospect&partial=results");
    assert!(
        none.text
            .contains("Nobody holding the role prospect matches “cleo”."),
        "{}",
        none.text
    );
}

//! The authorization matrix: every role × every endpoint × their own record and someone
//! else's, against the real server. Each cell states the status it must get; a refused write
//! must leave the record and the audit log exactly as they were; without a token, or with a
//! disabled user's, every endpoint is a 401.

use serde_json::{Value, json};

use crate::server::{Reply, Server, TODAY, user_with_token};
use crate::support::Rapport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Admin,
    Member,
    Viewer,
}

/// Whose record a cell acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    Own,
    Other,
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Every authenticated user.
    Anyone,
    /// Admins and members, on any record (adding records, logging activity).
    Writers,
    /// The record's owner (if a member or admin) or an admin: changing a contact's record.
    OwnerOrAdmin,
    /// The record's owner whatever their role, or an admin: their own tokens.
    SelfOrAdmin,
    /// Admins only.
    Admins,
}

impl Rule {
    fn allows(self, role: Role, whose: Whose) -> bool {
        match self {
            Rule::Anyone => true,
            Rule::Writers => role != Role::Viewer,
            Rule::OwnerOrAdmin => {
                role == Role::Admin || (role == Role::Member && whose == Whose::Own)
            }
            Rule::SelfOrAdmin => role == Role::Admin || whose == Whose::Own,
            Rule::Admins => role == Role::Admin,
        }
    }
}

/// The records one cell acts on.
#[derive(Debug, Clone)]
struct Target {
    contact: i64,
    follow_up: i64,
    user: i64,
    token: i64,
}

/// One endpoint: method, path and body from the target, the rule, and the success status.
struct Endpoint {
    method: &'static str,
    path: fn(&Target) -> String,
    body: Option<fn(&Target) -> Value>,
    rule: Rule,
    success: u16,
    /// Whether a refusal must be checked to have changed nothing (writes).
    write: bool,
}

fn endpoints() -> Vec<Endpoint> {
    fn read(path: fn(&Target) -> String, rule: Rule) -> Endpoint {
        Endpoint {
            method: "GET",
            path,
            body: None,
            rule,
            success: 200,
            write: false,
        }
    }
    fn write(
        method: &'static str,
        path: fn(&Target) -> String,
        body: Option<fn(&Target) -> Value>,
        rule: Rule,
        success: u16,
    ) -> Endpoint {
        Endpoint {
            method,
            path,
            body,
            rule,
            success,
            write: true,
        }
    }
    vec![
        read(|_| "/api/v1/agenda".into(), Rule::Anyone),
        read(
            |t| format!("/api/v1/agenda?owner={}", t.user),
            Rule::SelfOrAdmin,
        ),
        read(|_| "/api/v1/contacts?owner=me".into(), Rule::Anyone),
        read(|t| format!("/api/v1/contacts/{}", t.contact), Rule::Anyone),
        read(
            |t| format!("/api/v1/contacts/{}/touches", t.contact),
            Rule::Anyone,
        ),
        read(
            |t| format!("/api/v1/contacts/{}/follow-ups", t.contact),
            Rule::Anyone,
        ),
        read(|_| "/api/v1/organizations".into(), Rule::Anyone),
        read(|_| "/api/v1/organizations/1".into(), Rule::Anyone),
        read(|_| "/api/v1/users".into(), Rule::Anyone),
        read(|_| "/api/v1/me".into(), Rule::Anyone),
        read(|_| "/api/v1/tokens".into(), Rule::Anyone),
        read(|_| "/api/v1/cadence-defaults".into(), Rule::Anyone),
        read(|_| "/api/v1/audit".into(), Rule::Admins),
        read(
            |t| format!("/api/v1/contacts/{}/network", t.contact),
            Rule::Anyone,
        ),
        read(
            |t| format!("/api/v1/contacts/{}/health", t.contact),
            Rule::Anyone,
        ),
        read(|_| "/api/v1/organizations/1/health".into(), Rule::Anyone),
        read(|_| "/api/v1/at-risk".into(), Rule::Anyone),
        read(|_| "/api/v1/opportunities".into(), Rule::Anyone),
        read(|_| "/api/v1/forecast".into(), Rule::Anyone),
        read(|_| "/api/v1/relationship-rules".into(), Rule::Anyone),
        read(
            |_| "/api/v1/organizations/1/competitors".into(),
            Rule::Anyone,
        ),
        read(|_| "/api/v1/content".into(), Rule::Anyone),
        read(
            |t| format!("/api/v1/contacts/{}/recommendations", t.contact),
            Rule::Anyone,
        ),
        read(
            |t| format!("/api/v1/contacts/{}/interests", t.contact),
            Rule::Anyone,
        ),
        read(
            |t| format!("/api/v1/contacts/{}/nurture", t.contact),
            Rule::Anyone,
        ),
        read(|_| "/api/v1/handoffs".into(), Rule::Anyone),
        read(|_| "/api/v1/nurture-rules".into(), Rule::Anyone),
        read(|_| "/api/v1/reports/nurture".into(), Rule::Anyone),
        write(
            "PATCH",
            |t| format!("/api/v1/contacts/{}", t.contact),
            Some(|_| json!({"title": "Head of Operations"})),
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "POST",
            |t| format!("/api/v1/contacts/{}/archive", t.contact),
            None,
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "POST",
            |t| format!("/api/v1/contacts/{}/unarchive", t.contact),
            None,
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "PUT",
            |t| format!("/api/v1/contacts/{}/hold", t.contact),
            Some(|_| json!({"until": "2027-03-01", "reason": "budget"})),
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "DELETE",
            |t| format!("/api/v1/contacts/{}/hold", t.contact),
            None,
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "PUT",
            |t| format!("/api/v1/contacts/{}/cadence", t.contact),
            Some(|_| json!({"cadence": "6w"})),
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "DELETE",
            |t| format!("/api/v1/contacts/{}/cadence", t.contact),
            None,
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "POST",
            |t| format!("/api/v1/contacts/{}/touches", t.contact),
            Some(|_| json!({"kind": "call", "summary": "caught up"})),
            Rule::Writers,
            201,
        ),
        write(
            "POST",
            |t| format!("/api/v1/contacts/{}/follow-ups", t.contact),
            Some(|_| json!({"due": "friday", "text": "send the deck"})),
            Rule::Writers,
            201,
        ),
        write(
            "POST",
            |t| format!("/api/v1/follow-ups/{}/done", t.follow_up),
            None,
            Rule::Writers,
            200,
        ),
        write(
            "POST",
            |_| "/api/v1/contacts".into(),
            Some(|_| json!({"name": "Someone New"})),
            Rule::Writers,
            201,
        ),
        write(
            "POST",
            |t| format!("/api/v1/contacts/{}/opportunities", t.contact),
            Some(|_| json!({"title": "Pilot", "value": 5000, "timeline": "90"})),
            Rule::OwnerOrAdmin,
            201,
        ),
        write(
            "POST",
            |_| "/api/v1/organizations/1/competitors".into(),
            Some(|_| json!({"name": "Globex", "renews_on": "2027-05-01"})),
            Rule::Writers,
            200,
        ),
        write(
            "PATCH",
            |_| "/api/v1/relationship-rules".into(),
            Some(|_| json!({"renewal_lead_days": 90})),
            Rule::Admins,
            200,
        ),
        write(
            "PUT",
            |t| format!("/api/v1/contacts/{}/interests", t.contact),
            Some(|_| json!({"needs": ["data migration"]})),
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "PATCH",
            |t| format!("/api/v1/contacts/{}/nurture", t.contact),
            Some(|t| json!({"sales_owner_id": t.user})),
            Rule::OwnerOrAdmin,
            200,
        ),
        write(
            "PUT",
            |t| format!("/api/v1/contacts/{}/ready", t.contact),
            Some(|_| json!({"note": "asked for a quote"})),
            Rule::Writers,
            200,
        ),
        write(
            "DELETE",
            |t| format!("/api/v1/contacts/{}/ready", t.contact),
            None,
            Rule::Writers,
            204,
        ),
        write(
            "POST",
            |_| "/api/v1/content".into(),
            Some(|_| json!({"title": "Guide", "link": "x", "format": "guide", "topics": ["a"]})),
            Rule::Writers,
            201,
        ),
        write(
            "PATCH",
            |_| "/api/v1/nurture-rules".into(),
            Some(|_| json!({"content_gap_days": 14})),
            Rule::Admins,
            200,
        ),
        write(
            "PUT",
            |_| "/api/v1/cadence-defaults/tier/A".into(),
            Some(|_| json!({"cadence": "30d"})),
            Rule::Admins,
            200,
        ),
        write(
            "POST",
            |t| format!("/api/v1/users/{}/reassign", t.user),
            Some(|t| json!({"to": t.user})),
            Rule::Admins,
            200,
        ),
        write(
            "PATCH",
            |_| "/api/v1/me".into(),
            Some(|_| json!({"time_zone": "Europe/Paris"})),
            Rule::Anyone,
            200,
        ),
        write(
            "DELETE",
            |t| format!("/api/v1/tokens/{}", t.token),
            None,
            Rule::SelfOrAdmin,
            204,
        ),
        read(|_| "/api/v1/icp/criteria".into(), Rule::Anyone),
        read(
            |t| format!("/api/v1/contacts/{}/fit", t.contact),
            Rule::Anyone,
        ),
        read(|_| "/api/v1/organizations/1/fit".into(), Rule::Anyone),
        write(
            "POST",
            |_| "/api/v1/icp/criteria".into(),
            Some(|_| json!({"field": "region", "value": "EU", "weight": 1})),
            Rule::Admins,
            201,
        ),
        write(
            "PATCH",
            |_| "/api/v1/organizations/1".into(),
            Some(|_| json!({"region": "EU", "fields": {"segment": "enterprise"}})),
            Rule::Writers,
            200,
        ),
    ]
}

struct Team {
    rapport: Rapport,
    admin_token: String,
}

impl Team {
    /// A user with a token for the matrix and a spare token to revoke; their id.
    fn user(&self, email: &str, role: &str) -> (i64, String, i64) {
        let token = user_with_token(&self.rapport, email, role);
        let spare = self
            .rapport
            .json(&["token", "create", "--user", email, "--name", "spare"]);
        let id = self
            .rapport
            .json(&["user", "list"])
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        (id, token, spare["id"].as_i64().unwrap())
    }

    /// A contact owned by `owner` (made by the admin, then handed over), with an open
    /// follow-up. A viewer is handed none; a book written before that rule may still hold a
    /// viewer's contacts, so theirs is made in the database.
    fn contact(&self, server: &Server, name: &str, owner: i64, role: Role) -> (i64, i64) {
        let admin = Some(self.admin_token.as_str());
        let created = server.send("POST", "/api/v1/contacts", admin, json!({"name": name}));
        let id = created.ok(201)["id"].as_i64().unwrap();
        let handed = server.patch(
            &format!("/api/v1/contacts/{id}"),
            admin,
            created.etag.as_deref(),
            json!({"owner": owner.to_string()}),
        );
        if role == Role::Viewer {
            handed.problem(422);
            self.rapport.db.execute(&format!(
                "UPDATE contacts SET owner_id = {owner} WHERE id = {id}"
            ));
        } else {
            handed.ok(200);
        }
        let shown = server.get(&format!("/api/v1/contacts/{id}"), admin);
        assert_eq!(shown.ok(200)["owner_id"], owner);
        let follow_up = server.send(
            "POST",
            &format!("/api/v1/contacts/{id}/follow-ups"),
            admin,
            json!({"due": "2027-01-10", "text": "check in"}),
        );
        (id, follow_up.ok(201)["follow_up_id"].as_i64().unwrap())
    }
}

/// The call a cell makes, with `If-Match` from a fresh read for a PATCH of a contact.
fn call(server: &Server, endpoint: &Endpoint, target: &Target, token: Option<&str>) -> Reply {
    let path = (endpoint.path)(target);
    let body = endpoint.body.map(|body| body(target));
    if endpoint.method == "PATCH" {
        // The version the record reads now, as its own GET gives it (contacts and
        // organizations; a PATCH without an ETag'd record sends none).
        let etag = server.get(&path, token).etag;
        return server.patch(&path, token, etag.as_deref(), body.unwrap_or(json!({})));
    }
    server.call(endpoint.method, &path, token, body)
}

/// What a refused write must not change: the target contact, every token, and the audit log.
fn state_of(server: &Server, admin: &str, target: &Target) -> (Value, Value, Value) {
    let contact = server.get(&format!("/api/v1/contacts/{}", target.contact), Some(admin));
    let tokens = server.get("/api/v1/tokens", Some(admin));
    let audit = server.get("/api/v1/audit?limit=1000", Some(admin));
    (
        contact.ok(200).clone(),
        tokens.ok(200).clone(),
        audit.ok(200).clone(),
    )
}

#[test]
fn every_role_gets_exactly_its_rights_on_every_endpoint() {
    let rapport = Rapport::new();
    let admin_token = user_with_token(&rapport, "ann@example.com", "admin");
    let team = Team {
        rapport,
        admin_token,
    };
    let server = Server::start(&team.rapport, TODAY);
    let admin_token = team.admin_token.clone();
    let admin_spare = team.rapport.json(&[
        "token",
        "create",
        "--user",
        "ann@example.com",
        "--name",
        "spare",
    ]);
    let admin_id = server.get("/api/v1/me", Some(&admin_token)).ok(200)["id"]
        .as_i64()
        .unwrap();
    let member = team.user("max@example.com", "member");
    let viewer = team.user("vic@example.com", "viewer");
    let other = team.user("olga@example.com", "member");
    server.send(
        "POST",
        "/api/v1/organizations",
        Some(&admin_token),
        json!({"name": "Halcyon Freight"}),
    );

    let others_contact = team.contact(&server, "Omar Other", other.0, Role::Member);
    let others = Target {
        contact: others_contact.0,
        follow_up: others_contact.1,
        user: other.0,
        token: other.2,
    };
    let roles = [
        (Role::Viewer, viewer.0, viewer.1.clone(), viewer.2),
        (Role::Member, member.0, member.1.clone(), member.2),
        (
            Role::Admin,
            admin_id,
            admin_token.clone(),
            admin_spare["id"].as_i64().unwrap(),
        ),
    ];
    let mut cells = 0;
    for (role, user, token, spare) in &roles {
        let (contact, follow_up) = team.contact(&server, &format!("Own of {role:?}"), *user, *role);
        let own = Target {
            contact,
            follow_up,
            user: *user,
            token: *spare,
        };
        for (whose, target) in [(Whose::Own, &own), (Whose::Other, &others)] {
            for endpoint in endpoints() {
                let path = (endpoint.path)(target);
                let cell = format!("{role:?} {} {path} ({whose:?})", endpoint.method);
                let allowed = endpoint.rule.allows(*role, whose);
                let before =
                    (!allowed && endpoint.write).then(|| state_of(&server, &admin_token, target));
                let reply = call(&server, &endpoint, target, Some(token));
                if allowed {
                    assert_eq!(reply.status, endpoint.success, "{cell}: {}", reply.text);
                } else {
                    reply.problem(403);
                    assert!(
                        reply.json["detail"].as_str().is_some_and(
                            |d| d.contains("only") || d.contains("can read but not change")
                        ),
                        "{cell}: a refusal says why: {}",
                        reply.text
                    );
                }
                if let Some(before) = before {
                    assert_eq!(
                        before,
                        state_of(&server, &admin_token, target),
                        "{cell}: a refused write changed something"
                    );
                }
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 3 * 2 * endpoints().len());

    // Without a token, or with a disabled user's, every endpoint is a 401 problem.
    let leaver = team.user("lee@example.com", "admin");
    server
        .patch(
            &format!("/api/v1/users/{}", leaver.0),
            Some(&admin_token),
            None,
            json!({"disabled": true}),
        )
        .ok(200);
    for token in [None, Some(leaver.1.as_str())] {
        for endpoint in endpoints() {
            let reply = call(&server, &endpoint, &others, token);
            let cell = format!("{} {}", endpoint.method, (endpoint.path)(&others));
            assert_eq!(reply.status, 401, "{cell} ({token:?}): {}", reply.text);
            assert_eq!(reply.content_type, "application/problem+json", "{cell}");
        }
    }
}

//! Getting data out and back: the JSON dump round trip, CSV and vCard, backup and restore.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Rapport, TempDir, rapport_raw, s, stale_schedules};

/// A book with every kind of record: two users (one with a password and a token, which the
/// dump must leave out), organizations, a contact with several emails, phones, tags, a role
/// that ended and a hold, a contact with its own cadence, a booked meeting and follow-ups
/// open and done, an archived contact, one never touched, backdated touches, and default
/// cadences changed, added and removed; and the lead-nurturing records: library items (one
/// retired), one sent, stated interests and needs, nurture and sales owners with a
/// sales-ready signal, changed nurture rules, and a contact merged into a later one.
/// Returns the id of the open follow-up.
fn full_book(r: &Rapport) -> i64 {
    let added = r.run_with_input(
        "a long enough password\n",
        &[
            "user",
            "add",
            "sam@team.example",
            "--name",
            "Sam Seller",
            "--role",
            "member",
        ],
    );
    assert!(added.success, "user add: {}", added.stderr);
    r.ok(&["token", "create", "--user", "sam@team.example"]);
    r.ok(&["settings", "--time-zone", "Europe/Paris"]);
    r.ok(&[
        "org",
        "add",
        "Halcyon Freight",
        "--domain",
        "halcyon.example",
        "--tier",
        "A",
    ]);
    r.ok(&[
        "org",
        "edit",
        "Halcyon Freight",
        "--industry",
        "Logistics",
        "--size",
        "240",
        "--region",
        "EU",
        "--field",
        "fleet=trucks",
    ]);
    r.ok(&[
        "icp",
        "add",
        "industry",
        "Logistics, Software",
        "--weight",
        "3",
    ]);
    r.ok(&["icp", "add", "field:segment", "enterprise", "--weight", "2"]);
    let dana = r
        .add(
            "Dana Whitfield",
            &[
                "--email",
                "dana@halcyon.example",
                "--email",
                "d.whitfield@home.example",
                "--phone",
                "+44 20 7946 0000",
                "--org",
                "Halcyon Freight",
                "--title",
                "Head of Operations, EMEA",
                "--tag",
                "logistics",
                "--tag",
                "summit-2026",
                "--tier",
                "A",
                "--stage",
                "engaged",
                "--horizon",
                "lifetime",
                "--kind",
                "seasoned",
                "--role",
                "prospect",
                "--role",
                "champion",
                "--notes",
                "Met at the summit;\nprefers calls — café at 9, \"not email\"",
            ],
        )
        .to_string();
    r.ok(&["contact", "edit", &dana, "--end-role", "prospect"]);
    r.ok(&["contact", "edit", &dana, "--field", "segment=enterprise"]);
    r.ok(&[
        "log",
        &dana,
        "--kind",
        "event",
        "--summary",
        "Met at the summit",
        "--needs",
        "replace the dispatch system",
        "--next",
        "ask whether the budget landed",
        "--at",
        "2026-10-01T09:30",
    ]);
    r.ok(&[
        "log",
        &dana,
        "--kind",
        "call",
        "--inbound",
        "--at",
        "2026-11-20",
    ]);
    r.ok(&[
        "hold",
        &dana,
        "--until",
        "2027-03-01",
        "--reason",
        "project on hold until the new budget",
    ]);
    let sam = r
        .add(
            "Sam Okoro",
            &[
                "--email",
                "sam@northwind.example",
                "--cadence",
                "3m",
                "--org",
                "Northwind",
            ],
        )
        .to_string();
    let open = r.json(&[
        "follow-up",
        "add",
        &sam,
        "--due",
        "2026-12-04",
        "send the proposal",
    ]);
    let done = r.json(&["follow-up", "add", &sam, "--due", "2026-11-30", "call back"]);
    r.ok(&["follow-up", "done", &done["follow_up_id"].to_string()]);
    r.ok(&["log", &sam, "--kind", "meeting", "--at", "2026-12-10T10:00"]);
    r.ok(&[
        "log",
        &sam,
        "--kind",
        "call",
        "--at",
        "2026-11-20",
        "--private",
        "--summary",
        "pricing, between us",
    ]);
    // The relationship data: a stage history with a reason, one deal won and one open, an
    // incumbent competitor, an introduction, a lead source and a changed team rule.
    r.ok(&[
        "settings",
        "--renewal-lead",
        "60",
        "--lost-role",
        "none",
        "--tier-values",
        "50000,10000,1000",
    ]);
    r.ok(&[
        "contact",
        "edit",
        &dana,
        "--stage",
        "customer",
        "--stage-reason",
        "signed the pilot",
    ]);
    r.ok(&[
        "opportunity",
        "add",
        &dana,
        "--title",
        "Dispatch replacement",
        "--value",
        "25000",
        "--timeline",
        "60",
    ]);
    let won = r.ok(&[
        "opportunity",
        "add",
        &sam,
        "--title",
        "Northwind pilot",
        "--value",
        "4000",
        "--close-by",
        "2027-01-15",
    ]);
    r.ok(&[
        "opportunity",
        "close",
        won.trim(),
        "--won",
        "--reason",
        "best fit for the fleet",
    ]);
    r.ok(&[
        "org",
        "competitor",
        "Halcyon Freight",
        "--name",
        "Legacy Dispatch Co",
        "--renews",
        "2027-06-30",
        "--dissatisfaction",
        "slow support",
        "--dissatisfaction",
        "no mobile app",
    ]);
    r.ok(&["intro", &dana, &sam, "--on", "2026-11-02"]);
    let gone = r.add("Old Contact", &["--tier", "D"]).to_string();
    r.ok(&["log", &gone, "--kind", "email", "--at", "2026-06-01"]);
    r.ok(&["contact", "archive", &gone]);
    r.add(
        "Never Touched",
        &[
            "--stage",
            "acquainted",
            "--role",
            "referrer",
            "--source",
            "summit 2026",
        ],
    );
    r.ok(&["checklist", "Never Touched", "--tick", "2"]);
    r.ok(&[
        "playbook",
        "set",
        "dormant",
        "--step",
        "Send the yearly review",
    ]);
    r.ok(&["cadence", "default", "--tier", "A", "14d"]);
    r.ok(&["cadence", "default", "--role", "referrer", "45d"]);
    r.ok(&["cadence", "default", "--tier", "D", "none"]);
    r.ok(&["cadence", "default", "--fallback", "2m"]);

    // Lead nurturing.
    let guide = r
        .ok(&[
            "content",
            "add",
            "--title",
            "Dispatch migration guide",
            "--link",
            "https://halcyon.example/guide.pdf",
            "--summary",
            "How a fleet moved off its old dispatch system",
            "--format",
            "Case Study",
            "--topics",
            "Data Migration, dispatch",
            "--needs",
            "replace the dispatch system",
            "--stages",
            "engaged, customer",
            "--kinds",
            "seasoned",
            "--expires",
            "2027-06-30",
        ])
        .trim()
        .to_owned();
    let old = r
        .ok(&[
            "content",
            "add",
            "--title",
            "Old pricing sheet",
            "--link",
            "pricing-2025.pdf",
            "--format",
            "sheet",
            "--topics",
            "pricing",
        ])
        .trim()
        .to_owned();
    r.ok(&["content", "retire", &old]);
    r.ok(&["send", &guide, &sam, "--at", "2026-11-24T15:00"]);
    r.ok(&[
        "interests",
        &dana,
        "--interests",
        "Fleet Telematics, dispatch",
        "--needs",
        "budget approval",
    ]);
    r.ok(&[
        "nurture",
        "owners",
        &dana,
        "--nurturer",
        "sam@team.example",
        "--seller",
        "1",
    ]);
    r.ok(&["ready", &dana, "--note", "asked for a quote"]);
    r.ok(&[
        "nurture",
        "rules",
        "--content-gap",
        "21",
        "--ready-inbound",
        "3",
    ]);
    // The duplicate is the older contact: its `merged_into` names one later in the dump.
    let twin = r
        .add(
            "R. Vale",
            &["--email", "robin@vale.example", "--phone", "+1 555 0100"],
        )
        .to_string();
    let robin = r
        .add("Robin Vale", &["--email", "robin.vale@work.example"])
        .to_string();
    r.ok(&["log", &twin, "--kind", "call", "--at", "2026-11-10"]);
    r.ok(&["merge", &robin, &twin]);
    open["follow_up_id"].as_i64().unwrap()
}

/// The dump of `r`, as `export --format json` prints it.
fn dump(r: &Rapport) -> String {
    r.ok(&["export", "--format", "json"])
}

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn types(dump: &str) -> Vec<String> {
    dump.lines()
        .skip(1)
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            record["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_full_book_round_trips_through_export_and_import() {
    let source = Rapport::new();
    let open_follow_up = full_book(&source);
    let dir = TempDir::new();
    let file = dir.path().join("book.jsonl");
    let file = file.to_str().unwrap();
    let said = source.ok(&["export", "--format", "json", "--output", file]);
    assert!(said.starts_with("exported "), "{said}");
    let exported = std::fs::read_to_string(file).unwrap();
    assert_eq!(exported, dump(&source), "--output writes what stdout shows");

    let header: Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(header["rapport_export"], 2);
    assert_eq!(header["exported_at"], "2026-11-25T12:00:00Z");
    let end: Value = serde_json::from_str(exported.lines().last().unwrap()).unwrap();
    let records = exported.lines().count() - 2;
    assert_eq!(end, serde_json::json!({"type": "end", "records": records}));
    let types = types(&exported);
    let count = |t: &str| types.iter().filter(|x| *x == t).count();
    assert_eq!(
        [
            count("user"),
            count("organization"),
            count("contact"),
            count("touch"),
            count("follow_up"),
            count("cadence_default"),
            count("relationship_setting"),
            count("competitor"),
            count("stage_change"),
            count("opportunity"),
            count("introduction"),
            count("nurture_setting"),
            count("content_item"),
            count("contact_interest"),
            count("content_send"),
            count("nurture_owner"),
            count("icp_criterion"),
            count("organization_field"),
        ],
        // Relationship settings: the close rule (6), the renewal lead time, the tier values,
        // and 4 parts of each of the 6 stages' playbooks. Nurture settings: the 3 caps and
        // the 2 parts of the engagement rule.
        [2, 2, 6, 7, 2, 5, 32, 1, 4, 2, 1, 5, 2, 3, 1, 1, 2, 1]
    );
    assert!(
        exported.contains("\"private\":true") && exported.contains("pricing, between us"),
        "a private touch is dumped whole, flag and text: the dump is an admin's backup"
    );
    for carried in [
        "\"reason\":\"signed the pilot\"",
        "\"key\":\"renewal_lead_days\",\"value\":\"60\"",
        "\"key\":\"tier_values\",\"value\":\"50000,10000,1000\"",
        "\"key\":\"playbook.dormant.checklist\",\"value\":\"Send the yearly review\"",
        "\"checklist\":[{\"stage\":\"acquainted\",\"step\":\"Learn their needs and timing\"}]",
        "\"dissatisfactions\":[\"slow support\",\"no mobile app\"]",
        "\"source\":\"summit 2026\"",
        "\"close_reason\":\"best fit for the fleet\"",
        "\"key\":\"content_gap_days\",\"value\":\"21\"",
        "\"key\":\"ready_inbound\",\"value\":\"3\"",
        "\"topics\":[\"data migration\",\"dispatch\"]",
        "\"stages\":[\"engaged\",\"customer\"]",
        "\"retired_on\":\"2026-11-25\"",
        "\"type\":\"contact_interest\",\"contact_id\":1,\"kind\":\"need\",\"term\":\"budget approval\"",
        "\"content_id\":1,\"contact_id\":2,\"sent_on\":\"2026-11-24\"",
        "\"nurture_owner_id\":2,\"sales_owner_id\":1,\"ready_on\":\"2026-11-25\",\"ready_note\":\"asked for a quote\"",
        "\"merged_into\":6",
        "\"industry\":\"Logistics\",\"size\":240,\"region\":\"EU\"",
        "\"field\":\"field:segment\",\"value\":\"enterprise\",\"weight\":2",
        "\"organization_id\":1,\"key\":\"fleet\",\"value\":\"trucks\"",
        "\"fields\":{\"segment\":\"enterprise\"}",
    ] {
        assert!(exported.contains(carried), "the dump carries {carried}");
    }
    for secret in ["password", "argon2", "token", "hash"] {
        assert!(!exported.contains(secret), "the dump holds no '{secret}'");
    }

    let target = Rapport::new();
    let said = target.ok(&["import", file]);
    assert_eq!(
        said.trim(),
        "imported 2 users, 2 organizations, 6 contacts, 7 touches, 2 follow-ups"
    );
    assert_eq!(
        dump(&target),
        exported,
        "export → import → export is identical"
    );
    assert_eq!(target.snapshot(), source.snapshot());
    for view in [
        &["settings"][..],
        &["opportunity", "list"],
        &["org", "show", "Halcyon Freight"],
        &["content", "list"],
        &["content", "show", "1"],
        &["nurture", "rules"],
        &["nurture", "owners", "1"],
        &["nurture", "report"],
        &["interests", "1"],
        &["handoffs", "--as", "1"],
        &["contact", "show", "5"],
        &["icp", "list"],
        &["fit", "1"],
        &["fit", "--org", "Halcyon Freight"],
    ] {
        assert_eq!(target.json(view), source.json(view), "{view:?}");
    }
    assert_eq!(target.db.stale_schedules(), 0);

    // The imported book carries on: new ids follow the imported ones, and the follow-up is
    // closed by the id it had.
    assert_eq!(target.add("After Import", &["--stage", "engaged"]), 7);
    let opened = target.ok(&[
        "opportunity",
        "add",
        "7",
        "--title",
        "After",
        "--value",
        "1",
        "--timeline",
        "later",
    ]);
    assert_eq!(
        opened.trim(),
        "3",
        "opportunity ids follow the imported ones"
    );
    target.ok(&["org", "competitor", "Northwind", "--name", "Rival"]);
    target.ok(&["contact", "edit", "7", "--stage", "customer"]);
    // The library carries on too: item ids follow, and the guide counts as received.
    let added = target.ok(&[
        "content", "add", "--title", "New", "--link", "x", "--format", "guide", "--topics", "y",
    ]);
    assert_eq!(added.trim(), "3", "content ids follow the imported ones");
    target.fails(&["send", "1", "2"], &["already"]);
    target.ok(&["follow-up", "done", &open_follow_up.to_string()]);
    let sam = target.show("sam@northwind.example");
    assert!(
        sam["follow_ups"].as_array().unwrap().is_empty(),
        "no open follow-up left: {sam}"
    );
}

#[test]
fn only_an_admin_exports_the_book() {
    let r = Rapport::new();
    full_book(&r);
    let added = r.run_with_input(
        "a long enough password\n",
        &["user", "add", "mo@team.example", "--role", "member"],
    );
    assert!(added.success, "{}", added.stderr);
    for format in ["json", "csv", "vcard"] {
        r.fails(
            &["--as", "mo@team.example", "export", "--format", format],
            &["only an admin", "export the whole book"],
        );
    }
}

#[test]
fn a_dump_from_before_the_relationship_data_still_imports() {
    let source = Rapport::new();
    source.add("Dana Whitfield", &["--source", "summit 2026"]);
    source.ok(&["settings", "--renewal-lead", "60"]);
    // What an export wrote before contacts had a source and the relationship records existed,
    // in format 1: no end line.
    let newer = [
        "end",
        "relationship_setting",
        "competitor",
        "stage_change",
        "opportunity",
        "introduction",
        "nurture_setting",
        "content_item",
        "contact_interest",
        "content_send",
        "nurture_owner",
    ];
    let old: String = dump(&source)
        .lines()
        .filter_map(|line| {
            let mut record: Value = serde_json::from_str(line).unwrap();
            let kind = record["type"].as_str().unwrap_or("header").to_owned();
            if newer.contains(&kind.as_str()) {
                return None;
            }
            if kind == "header" {
                record["rapport_export"] = 1.into();
            }
            if let Some(fields) = record.as_object_mut() {
                fields.remove("source");
                fields.remove("merged_into");
            }
            Some(record.to_string() + "\n")
        })
        .collect();
    let dir = TempDir::new();
    let file = write(&dir, "old.jsonl", &old);
    let target = Rapport::new();
    target.ok(&["import", &file]);
    let imported = dump(&target);
    assert!(!imported.contains("summit 2026"), "{imported}");
    assert!(
        imported.contains("\"key\":\"renewal_lead_days\",\"value\":\"90\""),
        "the new database's rules stay: {imported}"
    );
}

/// A disabled user stays disabled in the copy: the dump carries when they were disabled.
#[test]
fn a_disabled_user_stays_disabled_through_export_and_import() {
    let source = Rapport::new();
    let added = source.run_with_input(
        "a long enough password\n",
        &["user", "add", "lee@team.example", "--role", "member"],
    );
    assert!(added.success, "{}", added.stderr);
    source.ok(&["user", "disable", "lee@team.example"]);
    let exported = dump(&source);
    assert!(
        exported.contains("\"email\":\"lee@team.example\"")
            && exported.contains("\"disabled_at\":\"2026-11-25T12:00:00Z\""),
        "{exported}"
    );
    let dir = TempDir::new();
    let file = write(&dir, "book.jsonl", &exported);
    let target = Rapport::new();
    target.ok(&["import", &file]);
    assert_eq!(dump(&target), exported);
    let users = target.json(&["user", "list"]);
    let disabled: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["disabled"] == true)
        .map(|u| s(&u["email"]))
        .collect();
    assert_eq!(disabled, ["lee@team.example"]);
}

/// A dump is refused when its only admin is disabled, even with every contact owned by an
/// active member (nobody could administer the copy), and when a disabled user is a
/// contact's nurture or sales owner (the handoff would go to nobody); nothing is written.
#[test]
fn a_dump_without_an_active_admin_or_with_a_disabled_seller_is_refused() {
    let source = Rapport::new();
    for email in ["mo@team.example", "lee@team.example"] {
        let added = source.run_with_input(
            "a long enough password\n",
            &["user", "add", email, "--role", "member"],
        );
        assert!(added.success, "{}", added.stderr);
    }
    source.ok(&[
        "--as",
        "mo@team.example",
        "contact",
        "add",
        "Dana Whitfield",
    ]);
    source.ok(&["nurture", "owners", "Dana", "--seller", "lee@team.example"]);
    let good = dump(&source);
    let lines: Vec<&str> = good.lines().collect();
    let disabled = |email: &str| -> String {
        lines
            .iter()
            .map(|line| {
                let mut record: Value = serde_json::from_str(line).unwrap();
                if record["type"] == "user" && record["email"] == email {
                    record["disabled_at"] = "2026-11-25T12:00:00Z".into();
                }
                record.to_string() + "\n"
            })
            .collect()
    };
    let owners_line = lines
        .iter()
        .position(|l| l.contains("\"type\":\"nurture_owner\""))
        .unwrap();
    let cases = [
        (
            disabled("me@localhost"),
            vec!["the file has no active admin".to_owned()],
        ),
        (
            disabled("lee@team.example"),
            vec![
                format!("line {}:", owners_line + 1),
                "sales_owner_id: user #3 lee@team.example is disabled, and a disabled user takes \
                 no sales-ready handoffs"
                    .to_owned(),
            ],
        ),
    ];
    let dir = TempDir::new();
    for (case, (text, wanted)) in cases.iter().enumerate() {
        let target = Rapport::new();
        let fresh = target.snapshot();
        let file = write(&dir, &format!("case{case}.jsonl"), text);
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        target.fails(&["import", &file], &wanted);
        assert_eq!(target.snapshot(), fresh, "case {case}: nothing written");
    }
    // As exported, it goes in.
    let target = Rapport::new();
    target.ok(&["import", &write(&dir, "good.jsonl", &good)]);
}

#[test]
fn import_refuses_a_database_that_is_not_empty() {
    let source = Rapport::new();
    source.add("Dana Whitfield", &["--email", "dana@halcyon.example"]);
    let dir = TempDir::new();
    let file = write(&dir, "book.jsonl", &dump(&source));

    let target = Rapport::new();
    target.add("Someone Else", &[]);
    let before = target.snapshot();
    target.fails(&["import", &file], &["book.jsonl", "not empty"]);
    assert_eq!(target.snapshot(), before, "nothing written");

    // A user of its own (with a password) is data too.
    let with_user = Rapport::new();
    let added = with_user.run_with_input(
        "a long enough password\n",
        &["user", "add", "ann@team.example", "--role", "admin"],
    );
    assert!(added.success, "{}", added.stderr);
    with_user.fails(&["import", &file], &["not empty"]);
    assert_eq!(with_user.db.count("SELECT COUNT(*) FROM contacts"), 0);
}

#[test]
fn a_bad_line_names_its_number_and_writes_nothing() {
    let source = Rapport::new();
    let dana = source
        .add("Dana Whitfield", &["--email", "dana@halcyon.example"])
        .to_string();
    source.add("Sam Okoro", &["--email", "sam@northwind.example"]);
    source.ok(&["log", &dana, "--kind", "call"]);
    source.ok(&[
        "content", "add", "--title", "Guide", "--link", "g", "--format", "guide", "--topics",
        "dispatch",
    ]);
    source.ok(&["send", "1", &dana]);
    let good = dump(&source);
    let lines: Vec<&str> = good.lines().collect();
    let find = |kind: &str| {
        lines
            .iter()
            .position(|l| l.contains(&format!("\"type\":\"{kind}\"")))
            .unwrap()
    };
    let (first_contact, touch, setting) =
        (find("contact"), find("touch"), find("relationship_setting"));
    let (nurture_setting, item, send) = (
        find("nurture_setting"),
        find("content_item"),
        find("content_send"),
    );
    let edited = |at: usize, edit: &dyn Fn(&mut Value)| {
        let mut all: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let mut record: Value = serde_json::from_str(&all[at]).unwrap();
        edit(&mut record);
        all[at] = record.to_string();
        all.join("\n") + "\n"
    };
    let replaced = |at: usize, text: &str| {
        let mut all: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        all[at] = text.to_owned();
        all.join("\n") + "\n"
    };
    let end = lines.len() - 1;
    let cut = |keep: usize| lines[..keep].join("\n") + "\n";
    let cases: Vec<(String, Vec<String>)> = vec![
        // Cut short at a line's end: without the end line, or before the records it counts.
        (
            cut(end),
            vec![
                format!("line {end}:"),
                format!(
                    "the file ends after {} records without the dump's end line",
                    end - 1
                ),
                "it was cut short".into(),
            ],
        ),
        (
            cut(touch),
            vec![format!("line {touch}:"), "it was cut short".into()],
        ),
        (
            edited(end, &|e| e["records"] = 3.into()),
            vec![
                format!("line {}:", end + 1),
                format!(
                    "the end line counts 3 records, but {} came before it",
                    end - 1
                ),
            ],
        ),
        (
            good.clone() + lines[touch] + "\n",
            vec![
                format!("line {}:", end + 2),
                "a record after the dump's end line".into(),
            ],
        ),
        (
            edited(first_contact, &|c| c["tier"] = "Z".into()),
            vec![
                format!("line {}:", first_contact + 1),
                "tier: unknown tier 'Z'".into(),
            ],
        ),
        (
            edited(first_contact, &|c| c["titel"] = "typo".into()),
            vec![
                format!("line {}:", first_contact + 1),
                "unknown field `titel`".into(),
            ],
        ),
        (
            edited(touch, &|t| t["contact_id"] = 999.into()),
            vec![
                format!("line {}:", touch + 1),
                "contact_id: no contact #999 earlier in the file".into(),
            ],
        ),
        (
            edited(first_contact + 1, &|c| {
                c["emails"] = serde_json::json!(["dana@halcyon.example"])
            }),
            vec![
                format!("line {}:", first_contact + 2),
                "the database refused it".into(),
            ],
        ),
        (
            edited(touch, &|t| t["occurred_at"] = "yesterday-ish".into()),
            vec![format!("line {}:", touch + 1), "occurred_at".into()],
        ),
        (
            edited(setting, &|s| s["value"] = "whenever".into()),
            vec![format!("line {}:", setting + 1), "lost_cadence:".into()],
        ),
        (
            edited(setting, &|s| s["key"] = "lunch_break".into()),
            vec![
                format!("line {}:", setting + 1),
                "'lunch_break' is not a relationship setting".into(),
            ],
        ),
        (
            edited(first_contact, &|c| c["merged_into"] = 999.into()),
            vec![
                format!("line {}:", first_contact + 1),
                "merged_into: no contact #999 in the file".into(),
            ],
        ),
        (
            edited(nurture_setting, &|s| s["value"] = "0".into()),
            vec![
                format!("line {}:", nurture_setting + 1),
                "content_gap_days: a period is at least one day".into(),
            ],
        ),
        (
            edited(item, &|i| i["topics"] = serde_json::json!([])),
            vec![
                format!("line {}:", item + 1),
                "at least one topic or need".into(),
            ],
        ),
        (
            edited(send, &|s| s["contact_id"] = 2.into()),
            vec![
                format!("line {}:", send + 1),
                "contact_id: touch #2 is contact #1's, not #2's".into(),
            ],
        ),
        (
            replaced(touch, "{not json"),
            vec![format!("line {}:", touch + 1)],
        ),
        (
            // The local owner, this book's only user and admin, made a member by hand.
            edited(find("user"), &|u| u["role"] = "member".into()),
            vec!["the file has no active admin".into()],
        ),
        (
            // Disabled by hand while owning contacts, which no disabled user does.
            edited(find("user"), &|u| {
                u["disabled_at"] = "2026-11-25T12:00:00Z".into();
            }),
            vec![
                format!("line {}:", first_contact + 1),
                "owner_id: user #1 me@localhost is disabled, and a disabled user owns no contacts"
                    .into(),
            ],
        ),
        (
            replaced(
                0,
                r#"{"rapport_export":3,"schema_version":1,"exported_at":"x"}"#,
            ),
            vec!["line 1:".into(), "export format 3".into()],
        ),
        (
            replaced(0, "name,email"),
            vec!["line 1:".into(), "not a Rapport JSON export".into()],
        ),
        (
            replaced(
                0,
                r#"{"rapport_export":1,"schema_version":999,"exported_at":"x"}"#,
            ),
            vec!["line 1:".into(), "newer than this version".into()],
        ),
    ];
    let dir = TempDir::new();
    for (case, (text, wanted)) in cases.iter().enumerate() {
        let target = Rapport::new();
        // Opened once, so "nothing written" compares with what a new database holds.
        let fresh = target.snapshot();
        let file = write(&dir, &format!("case{case}.jsonl"), text);
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        target.fails(&["import", &file], &wanted);
        assert_eq!(target.snapshot(), fresh, "case {case}: nothing written");
        assert_eq!(
            target
                .db
                .count("SELECT COUNT(*) FROM users WHERE email = 'me@localhost'"),
            1,
            "case {case}: the new database's owner is still there"
        );
        assert_eq!(
            target.db.count("SELECT COUNT(*) FROM cadence_defaults"),
            5,
            "case {case}: the default cadences are still there"
        );
    }
}

#[test]
fn export_to_a_file_appears_whole_or_not_at_all() {
    let r = Rapport::new();
    r.add("Dana Whitfield", &["--email", "dana@halcyon.example"]);
    r.add("Sam Okoro", &[]);
    let dir = TempDir::new();
    let file = write(&dir, "contacts.csv", "an older export\n");

    let said = r.ok(&["export", "--format", "csv", "--output", &file]);
    assert!(said.contains("exported 2 contacts to"), "{said}");
    assert_eq!(
        dir.entries(),
        ["contacts.csv"],
        "no temporary file left behind"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("id,name,title,organization,emails,"),
        "{text}"
    );

    // A device or a named pipe is written into, never replaced by a file: renaming over
    // it would, run as root, turn `--output /dev/null` into a plain file for the machine.
    let pipes = TempDir::new();
    let pipe = pipes.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read_to_string(pipe).unwrap())
    };
    r.ok(&[
        "export",
        "--format",
        "csv",
        "--output",
        pipe.to_str().unwrap(),
    ]);
    assert_eq!(reader.join().unwrap(), text);
    assert!(std::fs::metadata(&pipe).unwrap().file_type().is_fifo());
    assert_eq!(
        pipes.entries(),
        ["pipe"],
        "no temporary file left beside it"
    );

    // A folder that does not exist: an error, and no file.
    let missing = dir.path().join("missing").join("book.jsonl");
    r.fails(
        &["export", "--output", missing.to_str().unwrap()],
        &["--output"],
    );
    assert!(!missing.exists());
    r.fails(
        &["export", "--format", "xml"],
        &["--format", "xml", "json, csv, vcard"],
    );

    // A failure half-way (an unreadable contact, after the first was written): the previous
    // file stays as it was. Only SQLite lets a column hold a value of the wrong type.
    if r.db.is_sqlite() {
        r.db.execute("UPDATE contacts SET version = 'not a number' WHERE id = 2");
        r.fails(&["export", "--output", &file], &["version"]);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
        assert_eq!(
            dir.entries(),
            ["contacts.csv"],
            "no temporary file left behind"
        );
    }
}

#[test]
fn contacts_export_as_csv_and_vcard() {
    let r = Rapport::new();
    let dana = r.add(
        "Dana Whitfield",
        &[
            "--email",
            "dana@halcyon.example",
            "--email",
            "d@home.example",
            "--org",
            "Halcyon Freight",
            "--title",
            "Head of Operations, EMEA",
            "--tag",
            "logistics",
            "--tag",
            "summit-2026",
            "--role",
            "prospect",
            "--role",
            "champion",
            "--notes",
            "Met at the summit;\nprefers calls",
        ],
    );
    r.ok(&[
        "contact",
        "edit",
        &dana.to_string(),
        "--end-role",
        "prospect",
    ]);
    r.ok(&[
        "log",
        &dana.to_string(),
        "--kind",
        "call",
        "--at",
        "2026-11-20",
    ]);
    r.add("Cher", &[]);

    let csv = r.ok(&["export", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let cell = |row: usize, name: &str| {
        let at = header.iter().position(|h| h == name).unwrap();
        rows[row][at].to_owned()
    };
    assert_eq!(cell(0, "name"), "Dana Whitfield");
    assert_eq!(cell(0, "title"), "Head of Operations, EMEA");
    assert_eq!(cell(0, "organization"), "Halcyon Freight");
    assert_eq!(cell(0, "emails"), "dana@halcyon.example; d@home.example");
    assert_eq!(cell(0, "tags"), "logistics; summit-2026");
    assert_eq!(cell(0, "roles"), "champion");
    assert_eq!(cell(0, "last_touch"), "2026-11-20");
    let shown = r.show(&dana.to_string());
    assert_eq!(
        cell(0, "next_touch"),
        shown["next_touch"]["on"].as_str().unwrap()
    );
    assert_eq!(cell(0, "notes"), "Met at the summit;\nprefers calls");
    assert_eq!(cell(1, "name"), "Cher");

    let vcf = r.ok(&["export", "--format", "vcard"]);
    assert_eq!(vcf.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 2);
    assert_eq!(vcf.matches("END:VCARD\r\n").count(), 2);
    for expected in [
        "FN:Dana Whitfield\r\n",
        "N:Whitfield;Dana;;;\r\n",
        "ORG:Halcyon Freight\r\n",
        "TITLE:Head of Operations\\, EMEA\r\n",
        "EMAIL:dana@halcyon.example\r\nEMAIL:d@home.example\r\n",
        "NOTE:Met at the summit\\;\\nprefers calls\r\n",
        "CATEGORIES:logistics,summit-2026\r\n",
        "FN:Cher\r\nN:;Cher;;;\r\n",
    ] {
        assert!(vcf.contains(expected), "{expected:?} not in:\n{vcf}");
    }
}

/// A `rapport log` loop on `db` in other processes, until `count` touches are logged.
fn log_touches(db: String, contact: String, count: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for n in 0..count {
            let run = rapport_raw(
                &["--db", &db, "--tz", "UTC"],
                &[
                    "log",
                    &contact,
                    "--kind",
                    "call",
                    "--summary",
                    &format!("call {n}"),
                ],
                None,
            );
            assert!(run.success, "log: {}", run.stderr);
        }
    })
}

fn touches_in(db: &str) -> usize {
    let run = rapport_raw(
        &["--db", db],
        &["--json", "contact", "show", "1", "--touches", "1000"],
        None,
    );
    assert!(run.success, "{}", run.stderr);
    let shown: Value = serde_json::from_str(&run.stdout).unwrap();
    shown["recent_touches"].as_array().unwrap().len()
}

#[test]
fn backup_of_a_live_database_is_consistent_and_restore_brings_it_back() {
    let r = Rapport::new();
    let dir = TempDir::new();
    let backup = dir.path().join("backup.db");
    let backup = backup.to_str().unwrap();
    if !r.db.is_sqlite() {
        r.fails(
            &["backup", backup],
            &["PostgreSQL", "rapport export --format json", "pg_dump"],
        );
        r.fails(&["restore", backup], &["pg_dump"]);
        assert!(!Path::new(backup).exists());
        return;
    }
    let dana = r.add("Dana Whitfield", &["--tier", "A"]).to_string();
    let writer = log_touches(r.db.url().to_owned(), dana.clone(), 40);
    let mut taken = vec![];
    // Backups for as long as the other processes write (and at least one).
    while taken.is_empty() || !writer.is_finished() {
        let file = dir.path().join(format!("live-{}.db", taken.len()));
        let file = file.to_str().unwrap().to_owned();
        r.ok(&["backup", &file]);
        taken.push(file);
    }
    writer.join().unwrap();
    let mut counts = vec![];
    for file in &taken {
        assert_eq!(stale_schedules(file), 0, "{file}: a consistent schedule");
        counts.push(touches_in(file));
    }
    assert!(
        counts.iter().any(|n| *n < 40) && counts.iter().all(|n| *n <= 40),
        "backups taken while touches were being logged: {counts:?}"
    );

    r.ok(&["backup", backup]);
    r.fails(&["backup", backup], &["already exists", "--force"]);
    r.ok(&["backup", backup, "--force"]);
    r.add("Added After The Backup", &[]);
    assert_eq!(r.all_contacts().as_array().unwrap().len(), 2);

    let said = r.ok(&["restore", backup]);
    assert!(said.starts_with("restored "), "{said}");
    let names: Vec<Value> = r
        .all_contacts()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, ["Dana Whitfield"]);
    assert_eq!(touches_in(r.db.url()), 40);
    assert_eq!(r.db.stale_schedules(), 0);
    assert_eq!(
        dir.entries()
            .iter()
            .filter(|e| e.ends_with(".partial"))
            .count(),
        0
    );
}

/// A database reached through a symbolic link (a data folder kept elsewhere) is restored into
/// the file the link names: the link stays a link. A restore is of a SQLite file, whichever
/// backend the suite runs on.
#[test]
fn restore_through_a_symbolic_link_replaces_its_file_and_keeps_the_link() {
    let dir = TempDir::new();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (real, link, backup) = (path("real.db"), path("link.db"), path("backup.db"));
    let on = |db: &str, args: &[&str]| {
        let run = rapport_raw(&["--db", db], args, None);
        assert!(run.success, "{args:?}: {}", run.stderr);
        run.stdout
    };
    on(&real, &["contact", "add", "Before The Backup"]);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    on(&link, &["backup", &backup]);
    on(&link, &["contact", "add", "After The Backup"]);

    on(&link, &["restore", &backup]);
    assert!(
        std::fs::symlink_metadata(&link).unwrap().is_symlink(),
        "the link is still a link"
    );
    let listed: Value = serde_json::from_str(&on(&real, &["--json", "contact", "list"])).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Before The Backup"],
        "the file it names is restored"
    );
}

#[test]
fn restore_refuses_what_is_not_a_rapport_database_and_a_database_in_use() {
    let r = Rapport::new();
    if !r.db.is_sqlite() {
        return; // PostgreSQL's refusal is in the backup test.
    }
    r.add("Dana Whitfield", &[]);
    let before = r.snapshot();
    let dir = TempDir::new();
    let text = write(&dir, "notes.txt", "not a database at all, just some text\n");
    r.fails(&["restore", &text], &["not a Rapport SQLite database"]);
    let missing = dir.path().join("missing.db");
    r.fails(&["restore", missing.to_str().unwrap()], &["no such file"]);
    let future = Rapport::new();
    future.add("From The Future", &[]);
    future.db.record_migration(999, "from a newer Rapport");
    r.fails(
        &["restore", future.db.url()],
        &["newer version of Rapport", "schema version 999"],
    );
    assert_eq!(r.snapshot(), before);

    let backup = dir.path().join("backup.db");
    let backup = backup.to_str().unwrap();
    r.ok(&["backup", backup]);
    let mut server = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", r.db.url(), "serve", "--bind", "127.0.0.1:0"])
        .env_remove("RAPPORT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on"), "{first}");
    let refused = r.run(&["restore", backup]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(!refused.success);
    assert!(refused.stderr.contains("in use"), "{}", refused.stderr);
    assert_eq!(r.snapshot(), before);
}

/// `rapport generate` (benchmark data) fills an empty book through the bulk loader, and
/// `--verify` checks every schedule, last touch and reference. Past 512 contacts migration
/// 0016's trigger has gathered name words, with its own conflict clause, during the load.
#[test]
fn generate_fills_an_empty_book_that_verifies() {
    let r = Rapport::new();
    let out = r.ok(&[
        "generate",
        "--contacts",
        "1500",
        "--touches",
        "3000",
        "--owners",
        "2",
        "--verify",
    ]);
    assert!(
        out.contains("Generated 1,500 contacts for 2 owners"),
        "{out}"
    );
    assert!(out.contains("every reference points to a row"), "{out}");
    assert_eq!(r.db.count("SELECT COUNT(*) FROM contacts"), 1500);
    assert_eq!(r.db.count("SELECT COUNT(*) FROM touches"), 3000);
}

/// A file piped in (`… | rapport import /dev/stdin`) is told by its first bytes, which are
/// then read again as the file's start: a pipe cannot be opened twice.
#[test]
fn a_piped_file_is_told_by_its_content_and_read_whole() {
    let phone = Rapport::new();
    let cards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@engines.example\r\n\
                 END:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Grace Hopper\r\nEND:VCARD\r\n";
    let run = phone.run_with_input(cards, &["import", "/dev/stdin"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout.contains("2 rows read as vcard"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("imported: 2"), "{}", run.stdout);

    let sheet = Rapport::new();
    let csv = "Name,Email\nAda Lovelace,ada@engines.example\n";
    let run = sheet.run_with_input(csv, &["import", "/dev/stdin"]);
    assert!(
        run.stdout.contains("imported: 1"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );

    let moved = Rapport::new();
    let run = moved.run_with_input(&dump(&phone), &["import", "/dev/stdin"]);
    assert!(
        run.stdout.contains("2 contacts"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(dump(&moved), dump(&phone));
}

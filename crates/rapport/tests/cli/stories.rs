//! The user stories of DESIGN.md, end to end, with dates worked out by hand.

use crate::support::{Rapport, assert_failed, entry, s};

/// A decision maker met at an event; the project is on hold for three months. On the day the
/// hold ends the contact is back on the agenda with the reason, the needs discussed and the
/// approach planned; the touch is logged and the cadence continues.
#[test]
fn the_on_hold_project() {
    let r = Rapport::new();
    r.in_zone("Europe/Paris").at("2026-11-25");
    let dana = r.add(
        "Dana Whitfield",
        &[
            "--email",
            "dana@northwind.example",
            "--org",
            "Northwind Logistics",
            "--title",
            "CIO",
        ],
    );
    let id = dana.to_string();
    let needs = "replace the legacy warehouse system";
    let next = "call when the budget is approved; bring the migration case study";
    let logged = r.json(&[
        "log",
        "Dana",
        "--kind",
        "event",
        "--summary",
        "Met at the Logistics Expo",
        "--needs",
        needs,
        "--next",
        next,
    ]);
    // Fallback cadence: three months.
    assert_eq!(s(&logged["next_touch_on"]), "2027-02-25");

    let reason = "project on hold until the new fiscal year budget";
    let held = r.json(&["hold", &id, "--until", "3m", "--reason", reason]);
    assert_eq!(s(&held["hold"]["until"]), "2027-02-25");
    assert_eq!(s(&held["hold"]["reason"]), reason);
    assert_eq!(s(&held["next_touch_on"]), "2027-02-25");

    // Every day until then she is off the agenda.
    for day in ["2026-11-26", "2027-01-15", "2027-02-24"] {
        assert!(
            r.at(day).today().is_empty(),
            "nothing due on {day}: {:?}",
            r.today()
        );
    }
    // The day before, a look one day ahead shows her coming.
    let ahead = r.at("2027-02-24").json(&["agenda", "--days", "1"]);
    let upcoming = entry(&ahead, dana).expect("upcoming tomorrow");
    assert_eq!(s(&upcoming["section"]), "upcoming");

    // On the day the hold ends: on today's agenda, with the context needed to make the call.
    let today = r.at("2027-02-25").json(&["today"]);
    assert_eq!(today["counts"]["today"], 1);
    let e = entry(&today, dana).expect("Dana is due today");
    assert_eq!(s(&e["section"]), "today");
    assert_eq!(s(&e["due_on"]), "2027-02-25");
    assert_eq!(e["days_overdue"], 0);
    assert!(
        s(&e["why"]).contains(reason),
        "why names the hold reason: {}",
        e["why"]
    );
    assert_eq!(s(&e["hold"]["reason"]), reason);
    assert_eq!(s(&e["organization"]), "Northwind Logistics");
    let last = &e["last_touch"];
    assert_eq!(s(&last["kind"]), "event");
    assert_eq!(s(&last["on"]), "2026-11-25");
    assert_eq!(s(&last["summary"]), "Met at the Logistics Expo");
    assert_eq!(s(&last["needs"]), needs);
    assert_eq!(s(&last["next_approach"]), next);
    // The text agenda says the same.
    let text = r.ok(&["today"]);
    assert!(text.contains("Dana Whitfield"), "{text}");
    assert!(text.contains(reason), "{text}");
    assert!(text.contains(needs), "{text}");

    // The call is made; the hold is history and the quarterly cycle runs from today.
    let called = r.json(&[
        "log",
        "dana@northwind.example",
        "--kind",
        "call",
        "--summary",
        "Budget approved, demo booked",
    ]);
    assert_eq!(s(&called["next_touch_on"]), "2027-05-25");
    assert_eq!(s(&called["next_touch_source"]), "cadence");
    assert!(r.today().is_empty(), "Dana leaves today's agenda");
    let shown = r.show(&id);
    assert!(
        shown["hold"].is_null(),
        "the hold is lifted: {}",
        shown["hold"]
    );
    assert_eq!(s(&shown["last_touch_on"]), "2027-02-25");
    assert_eq!(s(&shown["next_touch"]["on"]), "2027-05-25");
    assert_eq!(s(&shown["next_touch"]["source"]), "cadence");
    assert_eq!(s(&shown["cadence"]["every"]), "3m");
    assert_eq!(shown["recent_touches"].as_array().unwrap().len(), 2);

    // And the cycle continues: back on the agenda three months later.
    let may = r.at("2027-05-25").json(&["today"]);
    let e = entry(&may, dana).expect("due again a quarter later");
    assert_eq!(s(&e["next_touch_source"]), "cadence");
    assert_eq!(
        s(&e["last_touch"]["summary"]),
        "Budget approved, demo booked"
    );
}

/// A hold that ends after the cycle comes due pushes the date out, and says so.
#[test]
fn a_hold_longer_than_the_cycle_pushes_the_date_out() {
    let r = Rapport::new();
    let hal = r.add("Hal Holden", &["--cadence", "30d"]);
    let id = hal.to_string();
    r.ok(&["log", &id, "--kind", "call"]);
    // 2026-11-25 + 30 days = 2026-12-25; the hold runs to 2027-03-01.
    let held = r.json(&[
        "hold",
        &id,
        "--until",
        "2027-03-01",
        "--reason",
        "parental leave",
    ]);
    assert_eq!(s(&held["next_touch_on"]), "2027-03-01");
    assert_eq!(s(&held["next_touch_source"]), "hold");
    let shown = r.show(&id);
    assert_eq!(
        s(&shown["next_touch"]["why"]),
        "on hold until 2027-03-01: parental leave"
    );
    assert!(r.at("2026-12-25").today().is_empty());
    assert!(r.at("2027-02-28").today().is_empty());
    let back = r.at("2027-03-01").json(&["today"]);
    let e = entry(&back, hal).expect("back on the day the hold ends");
    assert_eq!(s(&e["why"]), "hold ended 2027-03-01: parental leave");
    assert_eq!(s(&e["next_touch_source"]), "hold");
    // Unnoticed for a week, the contact is overdue — still with the reason.
    let later = r.at("2027-03-08").json(&["today"]);
    let e = entry(&later, hal).expect("overdue");
    assert_eq!(s(&e["section"]), "overdue");
    assert_eq!(e["days_overdue"], 7);
    assert!(s(&e["why"]).contains("parental leave"));

    // Lifting a hold early returns the contact to its cycle (overdue since 2026-12-25).
    r.at("2026-12-01");
    r.ok(&["hold", &id, "--until", "2027-06-01", "--reason", "reorg"]);
    let lifted = r.json(&["unhold", &id]);
    assert_eq!(s(&lifted["next_touch_on"]), "2026-12-25");
    assert_eq!(s(&lifted["next_touch_source"]), "cadence");
    assert!(r.show(&id)["hold"].is_null());
}

/// The "no immediate need" decision maker stays on a quarterly cycle and shows up every
/// quarter; months are calendar months.
#[test]
fn no_immediate_need_shows_up_every_quarter() {
    let r = Rapport::new();
    r.at("2026-11-30");
    let quinn = r.add("Quinn Harper", &["--cadence", "3m", "--org", "Fabrikam"]);
    let id = quinn.to_string();
    // Never touched: due the day added.
    let shown = r.show(&id);
    assert_eq!(s(&shown["next_touch"]["on"]), "2026-11-30");
    assert_eq!(s(&shown["next_touch"]["source"]), "first-touch");
    assert_eq!(s(&shown["cadence"]["source"]), "contact");
    assert_eq!(shown["cadence_is_own"], true);
    r.ok(&[
        "log",
        &id,
        "--kind",
        "call",
        "--summary",
        "no need right now",
    ]);

    // 30 Nov + 3 months is 28 Feb (2027 is not a leap year), then the 28th of each quarter.
    let quarters = [
        ("2027-02-27", "2027-02-28", "2027-05-28"),
        ("2027-05-27", "2027-05-28", "2027-08-28"),
        ("2027-08-27", "2027-08-28", "2027-11-28"),
        ("2027-11-27", "2027-11-28", "2028-02-28"),
    ];
    for (eve, due, next) in quarters {
        assert!(r.at(eve).today().is_empty(), "not yet due on {eve}");
        let agenda = r.at(due).json(&["today"]);
        let e = entry(&agenda, quinn).unwrap_or_else(|| panic!("due on {due}: {agenda}"));
        assert_eq!(s(&e["section"]), "today");
        assert!(
            s(&e["why"]).starts_with("quarterly cycle (set on the contact), last touch"),
            "{}",
            e["why"]
        );
        let logged = r.json(&["log", "quinn", "--kind", "email"]);
        assert_eq!(
            s(&logged["next_touch_on"]),
            next,
            "after the touch on {due}"
        );
    }
    // The first quarter's wording, worked out: 30 Nov to 28 Feb is 90 days.
    let r2 = Rapport::new();
    r2.at("2026-11-30");
    r2.add("Quinn", &["--cadence", "3m"]);
    r2.ok(&["log", "1", "--kind", "call"]);
    let e = entry(&r2.at("2027-02-28").json(&["today"]), 1).unwrap();
    assert_eq!(
        s(&e["why"]),
        "quarterly cycle (set on the contact), last touch 90 days ago"
    );
}

/// Months are calendar months: 31 January + 1 month is 28 February, and the cycle then runs
/// from the 28th, not back to the 31st.
#[test]
fn monthly_cycles_respect_month_ends() {
    let r = Rapport::new();
    r.at("2027-01-31");
    let id = r.add("Mo Monthly", &["--cadence", "1m"]).to_string();
    let logged = r.json(&["log", &id, "--kind", "call"]);
    assert_eq!(s(&logged["next_touch_on"]), "2027-02-28");
    let logged = r.at("2027-02-28").json(&["log", &id, "--kind", "call"]);
    assert_eq!(s(&logged["next_touch_on"]), "2027-03-28");
    // A leap year: 31 January 2028 + 1 month is 29 February.
    let logged = r.at("2028-01-31").json(&["log", &id, "--kind", "call"]);
    assert_eq!(s(&logged["next_touch_on"]), "2028-02-29");
    assert_eq!(
        s(&r.show(&id)["next_touch"]["why"]),
        "monthly cycle (set on the contact), last touch today"
    );
}

/// A touch booked in the future is the next touch; the cycle continues after it, and an
/// earlier touch logged meanwhile does not pull it back.
#[test]
fn a_booked_meeting_sets_the_cycle_from_its_date() {
    let r = Rapport::new();
    r.in_zone("Europe/Paris").at("2026-11-25T10:00");
    let id = r.add("Bea Booked", &["--cadence", "30d"]).to_string();
    let booked = r.json(&[
        "log",
        &id,
        "--kind",
        "meeting",
        "--at",
        "2026-12-10T14:30",
        "--summary",
        "on-site workshop",
    ]);
    // 10 Dec + 30 days = 9 Jan.
    assert_eq!(s(&booked["next_touch_on"]), "2027-01-09");
    let shown = r.show(&id);
    assert_eq!(s(&shown["last_touch_on"]), "2026-12-10");
    let touch = &shown["recent_touches"][0];
    // 14:30 in Paris is 13:30 UTC.
    assert_eq!(s(&touch["at"]), "2026-12-10T13:30:00Z");
    assert_eq!(s(&touch["on"]), "2026-12-10");

    // A quick call today does not move the cycle back before the booked meeting.
    let call = r.json(&["log", &id, "--kind", "call"]);
    assert_eq!(s(&call["next_touch_on"]), "2027-01-09");
    assert_eq!(s(&r.show(&id)["last_touch_on"]), "2026-12-10");

    // Booked by day only: lands on that calendar day at local noon.
    let day = r.json(&["log", &id, "--kind", "meeting", "--at", "2027-01-20"]);
    assert_eq!(s(&day["next_touch_on"]), "2027-02-19");
    assert_eq!(
        s(&r.show(&id)["recent_touches"][0]["at"]),
        "2027-01-20T11:00:00Z"
    );
    // Not on the agenda before then.
    assert!(r.at("2027-01-09").today().is_empty());
}

/// A dated follow-up pulls the next touch in, even during a hold; completing it puts the
/// contact back on its cycle. A follow-up later than the cycle does not delay it.
#[test]
fn follow_ups_pull_the_date_in_and_done_puts_it_back() {
    let r = Rapport::new();
    let fay = r.add("Fay Follow", &["--email", "fay@contoso.example"]);
    let id = fay.to_string();
    r.ok(&["log", &id, "--kind", "call"]);
    assert_eq!(s(&r.show(&id)["next_touch"]["on"]), "2027-02-25");

    let added = r.json(&[
        "follow-up",
        "add",
        &id,
        "--due",
        "2026-12-04",
        "send",
        "the",
        "proposal",
    ]);
    let follow_up = added["follow_up_id"].as_i64().unwrap();
    assert_eq!(s(&added["next_touch_on"]), "2026-12-04");
    assert_eq!(s(&added["next_touch_source"]), "follow-up");
    let listed = r.json(&["follow-up", "list", &id]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(s(&listed[0]["text"]), "send the proposal");
    assert_eq!(s(&listed[0]["due_on"]), "2026-12-04");
    assert_eq!(listed[0]["done"], false);

    // A later follow-up does not delay anything.
    let later = r.json(&["follow-up", "add", &id, "--due", "2027-06-01", "renewal"]);
    assert_eq!(s(&later["next_touch_on"]), "2026-12-04");

    assert!(r.at("2026-12-03").today().is_empty());
    let agenda = r.at("2026-12-04").json(&["today"]);
    let e = entry(&agenda, fay).expect("due on the follow-up's day");
    assert_eq!(s(&e["why"]), "follow-up due today: send the proposal");
    assert_eq!(s(&e["next_touch_source"]), "follow-up");
    assert_eq!(e["follow_ups"].as_array().unwrap().len(), 2);

    let done = r.json(&["follow-up", "done", &follow_up.to_string()]);
    assert_eq!(s(&done["next_touch_on"]), "2027-02-25");
    assert_eq!(s(&done["next_touch_source"]), "cadence");
    assert!(r.today().is_empty());
    // Done twice is harmless.
    let again = r.json(&["follow-up", "done", &follow_up.to_string()]);
    assert_eq!(s(&again["next_touch_on"]), "2027-02-25");
    let all = r.json(&["follow-up", "list", &id, "--all"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["done"], true);
    assert_eq!(s(&all[1]["done_at"]), "2026-12-04T12:00:00Z");

    // During a hold, a follow-up is an explicit promise: it still pulls the date in.
    r.ok(&["hold", &id, "--until", "2027-09-01", "--reason", "merger"]);
    assert_eq!(s(&r.show(&id)["next_touch"]["on"]), "2027-06-01");
    assert_eq!(s(&r.show(&id)["next_touch"]["source"]), "follow-up");
    let urgent = r.json(&["follow-up", "add", &id, "--due", "tomorrow", "call back"]);
    assert_eq!(s(&urgent["next_touch_on"]), "2026-12-05");
    let urgent_id = urgent["follow_up_id"].as_i64().unwrap().to_string();
    r.ok(&["follow-up", "done", &urgent_id]);
    let renewal = r.json(&["follow-up", "list", &id])[0]["id"].to_string();
    let back = r.json(&["follow-up", "done", &renewal]);
    assert_eq!(s(&back["next_touch_on"]), "2027-09-01");
    assert_eq!(s(&back["next_touch_source"]), "hold");
}

/// A seller leaves: their contacts are reassigned in one action, none losing its cycle or
/// next touch; then an admin disables them, and nothing acts as them any more until they are
/// enabled again. Disabling comes after the reassignment, never before.
#[test]
fn a_seller_leaves_and_is_disabled_once_their_book_is_reassigned() {
    let r = Rapport::new();
    for (email, role) in [
        ("bob@team.example", "member"),
        ("carl@team.example", "member"),
        ("ann@team.example", "admin"),
    ] {
        let added = r.run_with_input(
            "a long enough password\n",
            &["user", "add", email, "--role", role],
        );
        assert!(added.success, "user add: {}", added.stderr);
    }
    let bob = ["--as", "bob@team.example"];
    for (name, cadence) in [("Dana Whitfield", "30d"), ("Sam Okoro", "6w")] {
        r.ok(&[&bob[..], &["contact", "add", name, "--cadence", cadence]].concat());
    }
    r.at("2026-12-01");
    r.ok(&[&bob[..], &["log", "Dana", "--kind", "call"]].concat());
    let schedules = |r: &Rapport| -> Vec<(String, String, String)> {
        ["Dana", "Sam"]
            .iter()
            .map(|name| {
                let c = r.show(name);
                (
                    s(&c["cadence"]["every"]).to_owned(),
                    s(&c["next_touch"]["on"]).to_owned(),
                    c["owner_id"].to_string(),
                )
            })
            .collect()
    };
    let before = schedules(&r);
    // Bob is also to sell to Lena, whom Ann nurtures: her handoff would go to him.
    r.ok(&["--as", "ann@team.example", "contact", "add", "Lena Park"]);
    r.ok(&["nurture", "owners", "Lena", "--seller", "bob@team.example"]);

    r.fails(
        &["user", "disable", "bob@team.example"],
        &[
            "user #2 bob@team.example owns 2 contacts and is the nurture or sales owner of 1 \
             contact; reassign their book first",
        ],
    );
    let reassigned = r.ok(&[
        "user",
        "reassign",
        "bob@team.example",
        "--to",
        "carl@team.example",
    ]);
    assert_eq!(
        reassigned,
        "Reassigned 2 contacts from bob@team.example to carl@team.example; every cadence and \
         next touch kept.\ncarl@team.example is now the sales owner of 1 contact in \
         bob@team.example's place.\n"
    );
    let lena = r.ok(&["nurture", "owners", "Lena"]);
    assert!(lena.contains("sales owner:   carl"), "{lena}");
    let disabled = r.ok(&["user", "disable", "bob@team.example"]);
    assert!(
        disabled.contains("Disabled user #2 bob@team.example"),
        "{disabled}"
    );
    let after: Vec<_> = schedules(&r)
        .into_iter()
        .map(|(cadence, next, _)| (cadence, next))
        .collect();
    let kept: Vec<_> = before
        .iter()
        .map(|(cadence, next, _)| (cadence.clone(), next.clone()))
        .collect();
    assert_eq!(after, kept, "every cycle and next touch kept");
    assert!(
        schedules(&r).iter().all(|(_, _, owner)| owner == "3"),
        "Carl's now"
    );

    // Listed as disabled; nothing acts as him, nor gives him anything.
    let listed = r.ok(&["user", "list"]);
    let line = listed
        .lines()
        .find(|l| l.contains("bob@team.example"))
        .unwrap();
    assert!(line.contains("(disabled 2026-12-01)"), "{listed}");
    let users = r.json(&["user", "list"]);
    assert_eq!(users[1]["disabled"], true, "{users}");
    assert_eq!(users[2]["disabled"], false, "{users}");
    r.fails(
        &[&bob[..], &["today"]].concat(),
        &[
            "--as: user #2 bob@team.example is disabled",
            "`rapport --as ADMIN user enable bob@team.example`",
        ],
    );
    // Named by RAPPORT_USER, the message says so (and --as is not what to fix).
    let by_env = r.run_with_env("RAPPORT_USER", "bob@team.example", &["today"]);
    let line = assert_failed(
        &by_env,
        "RAPPORT_USER=bob@team.example rapport today",
        &[
            "RAPPORT_USER: user #2 bob@team.example is disabled",
            "`rapport --as ADMIN user enable bob@team.example`",
        ],
    );
    assert!(!line.contains("--as:"), "{line}");
    // An --as given as well is what counts, and what the message names.
    let both = r.run_with_env(
        "RAPPORT_USER",
        "bob@team.example",
        &[&bob[..], &["today"]].concat(),
    );
    assert_failed(&both, "--as with RAPPORT_USER", &["--as: user #2"]);
    let nobody = r.run_with_env("RAPPORT_USER", "nobody@team.example", &["today"]);
    assert_failed(&nobody, "RAPPORT_USER=nobody", &["RAPPORT_USER: no user"]);
    // The local owner is named as `user list` names them, though `me@localhost` is no
    // address a contact could have.
    let me = r.json(&["--as", "ME@localhost", "settings"]);
    assert_eq!(s(&me["user"]), "me@localhost", "{me}");
    r.fails(
        &["contact", "edit", "Dana", "--owner", "bob@team.example"],
        &[
            "user #2 bob@team.example is disabled",
            "choose another owner",
        ],
    );
    r.fails(
        &[
            "nurture",
            "owners",
            "Lena",
            "--nurturer",
            "bob@team.example",
        ],
        &[
            "user #2 bob@team.example is disabled, and a disabled user nurtures no contacts",
            "choose another nurture owner",
        ],
    );
    r.fails(
        &["token", "create", "--user", "bob@team.example"],
        &[
            "user #2 bob@team.example is disabled",
            "an API token for them would let nobody in",
        ],
    );
    let again = r.ok(&["user", "disable", "2"]);
    assert!(again.contains("is already disabled"), "{again}");

    // Bad input and refusals: named, non-zero, nothing changed.
    r.fails(
        &["user", "disable", "nobody@team.example"],
        &["USER", "no user"],
    );
    r.fails(&["user", "enable", "not an email"], &["USER", "no user"]);
    r.fails(&["user", "disable", "1"], &["cannot disable yourself"]);
    r.fails(
        &[
            "--as",
            "carl@team.example",
            "user",
            "enable",
            "bob@team.example",
        ],
        &["only an admin may disable and enable users"],
    );
    // Ann disables the database's first user: commands then need --as.
    r.ok(&["--as", "ann@team.example", "user", "disable", "1"]);
    r.fails(
        &["today"],
        &[
            "user #1 me@localhost, the database's first user",
            "without --as or RAPPORT_USER, is disabled",
            "--as EMAIL",
            "`rapport --as ADMIN user enable me@localhost`",
        ],
    );
    r.ok(&["--as", "ann@team.example", "user", "enable", "1"]);

    let enabled = r.ok(&["user", "enable", "bob@team.example"]);
    assert!(
        enabled.contains("Enabled user #2 bob@team.example: they log in with their password"),
        "{enabled}"
    );
    r.ok(&[&bob[..], &["today"]].concat());
    let shown = r.json(&["user", "enable", "bob@team.example"]);
    assert_eq!(shown["disabled"], false, "{shown}");

    // A user without a password comes back through a token, and is told so.
    let added = r.run_with_input(
        "a long enough password\n",
        &["user", "add", "bot@team.example", "--role", "member"],
    );
    assert!(added.success, "{}", added.stderr);
    r.db.execute("UPDATE users SET password_hash = NULL WHERE email = 'bot@team.example'");
    r.ok(&["user", "disable", "bot@team.example"]);
    let enabled = r.ok(&["user", "enable", "bot@team.example"]);
    assert!(
        enabled.contains("they have no password")
            && enabled.contains("rapport token create --user bot@team.example")
            && !enabled.contains("log in with their password"),
        "{enabled}"
    );
}

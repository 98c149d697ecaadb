//! `rapport demo`: a believable book of relationships, so the agenda is interesting on day one.
//!
//! Everything goes through the same store calls as real use (add, log, hold, follow-up), so the
//! demo also exercises the scheduling rules. Seeded: the same seed gives the same people.

use anyhow::Result;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rapport_core::fit::{Criterion, Test, Weight};
use rapport_core::model::Hold;
use rapport_core::{
    Cadence, CadenceUnit, Direction, EmailAddress, Horizon, ProspectKind, Role, Stage, Tier,
    TouchKind, when,
};
use rapport_store::{ContactFilter, NewContact, NewTouch, OrganizationPatch};

use crate::app::App;
use crate::cli::{AgendaArgs, DemoArgs};

pub(crate) const GIVEN: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "John",
    "Sophie",
    "Niklaus",
    "Lynn",
    "Bjarne",
    "Joan",
    "Guido",
    "Anita",
    "James",
    "Shafi",
    "Leslie",
    "Mary",
    "Donald",
    "Ivan",
    "Adele",
    "Yukihiro",
    "Jean",
    "Carol",
    "Whitfield",
    "Evelyn",
    "Robin",
    "Marta",
    "Omar",
    "Priya",
    "Chen",
    "Fatima",
    "Lars",
    "Ingrid",
    "Mateo",
    "Amara",
    "Kofi",
    "Yara",
    "Hiro",
    "Elena",
];
pub(crate) const FAMILY: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "McCarthy",
    "Wilson",
    "Wirth",
    "Conway",
    "Stroustrup",
    "Clarke",
    "van Rossum",
    "Borg",
    "Gosling",
    "Goldwasser",
    "Lamport",
    "Keller",
    "Knuth",
    "Sutherland",
    "Goldberg",
    "Matsumoto",
    "Sammet",
    "Shaw",
    "Diffie",
    "Boyd",
    "Milner",
    "Kowalski",
    "Haddad",
    "Raman",
    "Wei",
    "Okafor",
    "Nilsson",
];
const ORGS: &[(&str, &str)] = &[
    ("Acme Logistics", "acme-logistics.example"),
    ("Northwind Traders", "northwind.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Health", "umbrella-health.example"),
    ("Stark Components", "stark-components.example"),
    ("Wayne Foundation", "wayne-foundation.example"),
    ("Tyrell Robotics", "tyrell.example"),
    ("Cyberdyne Analytics", "cyberdyne.example"),
    ("Soylent Foods", "soylent.example"),
    ("Hooli", "hooli.example"),
    ("Pied Piper", "piedpiper.example"),
    ("Vandelay Industries", "vandelay.example"),
    ("Massive Dynamic", "massive-dynamic.example"),
    ("Oscorp Materials", "oscorp.example"),
    ("Aperture Labs", "aperture.example"),
    ("Black Mesa Energy", "blackmesa.example"),
    ("Wonka Confectionery", "wonka.example"),
    ("Gringotts Bank", "gringotts.example"),
    ("Dunder Mifflin Paper", "dundermifflin.example"),
    ("Bluth Homes", "bluth.example"),
    ("Prestige Worldwide", "prestige.example"),
    ("Monarch Solutions", "monarch.example"),
    ("Sterling Cooper", "sterling-cooper.example"),
    ("Rekall Travel", "rekall.example"),
    ("Nakatomi Trading", "nakatomi.example"),
    ("Zorg Industries", "zorg.example"),
    ("Ollivander Supplies", "ollivander.example"),
    ("Cogswell Cogs", "cogswell.example"),
    ("Spacely Sprockets", "spacely.example"),
];
pub(crate) const TITLES: &[&str] = &[
    "CTO",
    "Head of Operations",
    "VP Engineering",
    "Procurement Lead",
    "CFO",
    "IT Director",
    "Head of Data",
    "COO",
    "Product Manager",
    "Founder",
    "Chief of Staff",
    "Plant Manager",
];
pub(crate) const NEEDS: &[&str] = &[
    "data migration off the legacy ERP",
    "faster month-end close",
    "reporting for the board",
    "cutting warehouse errors",
    "GDPR audit readiness",
    "onboarding 40 new sales reps",
    "replacing their current vendor at renewal",
    "integration with Salesforce",
    "a pilot in one region before rollout",
    "budget approval next fiscal year",
];
pub(crate) const SUMMARIES: &[&str] = &[
    "Caught up on their quarter",
    "Walked through the roadmap",
    "Met at the industry retreat",
    "Shared a case study on migrations",
    "Quick check-in, busy season",
    "Intro call with their team",
    "Lunch; talked about hiring plans",
    "They asked about pricing",
    "Demo for the operations team",
    "Congratulated them on the funding round",
];
pub(crate) const APPROACHES: &[&str] = &[
    "send the migration checklist",
    "invite to the spring customer day",
    "ask for an intro to their CFO",
    "share the benchmark report",
    "check whether the budget was approved",
    "propose a two-week pilot",
    "follow up after their board meeting",
    "send a note on their product launch",
];
pub(crate) const HOLD_REASONS: &[&str] = &[
    "project on hold until the new fiscal year",
    "parental leave",
    "waiting for the merger to close",
    "budget frozen this quarter",
];
pub(crate) const TAGS: &[&str] = &[
    "retreat-2026",
    "referral",
    "webinar",
    "conference",
    "inbound",
    "partner-network",
];

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// A lifecycle stage and one or two relationship roles, in believable proportions (most
/// people acquainted or engaged; one in ten also a referrer).
pub(crate) fn stage_and_roles(rng: &mut fastrand::Rng) -> (Stage, Vec<Role>) {
    let stage = *pick(
        rng,
        &[
            Stage::Acquainted,
            Stage::Acquainted,
            Stage::Engaged,
            Stage::Engaged,
            Stage::Customer,
            Stage::Advocate,
            Stage::Dormant,
        ],
    );
    let mut roles = vec![*pick(
        rng,
        &[
            Role::Prospect,
            Role::Lead,
            Role::Customer,
            Role::Influencer,
            Role::Champion,
            Role::Evaluator,
            Role::Partner,
        ],
    )];
    if rng.u8(..10) == 0 {
        roles.push(Role::Referrer);
    }
    (stage, roles)
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// The demo's login: the owner of the demo's contacts. The password is public on purpose: a
/// demo database holds made-up people, and the demo listens on 127.0.0.1 unless told otherwise.
pub const DEMO_EMAIL: &str = "demo@rapport.test";
pub const DEMO_PASSWORD: &str = "rapport-demo";

/// Fills an empty database with the demo, makes its owner the demo login, and shows today's
/// agenda. A database with contacts already is left alone.
pub async fn run(app: &App, args: &DemoArgs) -> Result<()> {
    let existing = app
        .store
        .list_contacts(&ContactFilter {
            include_archived: true,
            limit: Some(1),
            ..ContactFilter::default()
        })
        .await?;
    if !existing.is_empty() {
        // Running the README's command twice must work: the second time, the demo is already
        // there (or this is someone's real database), so nothing is written.
        eprintln!("This database already has contacts; no demo data added. Today's agenda:");
        return crate::commands::show_today(
            app,
            &AgendaArgs {
                limit: 50,
                role: None,
            },
        )
        .await;
    }
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let today = app.today();
    let year_ago = app.now.checked_sub(days(365))?;
    // The profile has its own generator, so the rest of the demo stays what it was.
    let mut profile_rng = fastrand::Rng::with_seed(args.seed ^ 0x1c9);
    for (name, domain) in ORGS {
        let tier = if rng.u8(..10) < 2 {
            Tier::A
        } else if rng.bool() {
            Tier::B
        } else {
            Tier::C
        };
        let id = app
            .store
            .add_organization(app.user.id, name, Some(domain), Some(tier), app.now)
            .await?;
        let profile = OrganizationPatch {
            industry: Some(Some((*pick(&mut profile_rng, INDUSTRIES)).to_owned())),
            size: Some(Some(*pick(
                &mut profile_rng,
                &[12, 45, 80, 150, 320, 600, 1_200, 5_000],
            ))),
            region: Some(Some((*pick(&mut profile_rng, REGIONS)).to_owned())),
            ..OrganizationPatch::default()
        };
        app.store
            .edit_organization(app.user.id, id, profile, app.now)
            .await?;
    }
    ideal_client_profile(app).await?;
    for n in 0..args.contacts {
        let given = pick(&mut rng, GIVEN);
        let family = pick(&mut rng, FAMILY);
        let (org, domain) = pick(&mut rng, ORGS);
        let (stage, roles) = stage_and_roles(&mut rng);
        let new = NewContact {
            name: format!("{given} {family}"),
            emails: vec![
                format!(
                    "{}.{}{n}@{domain}",
                    given.to_lowercase(),
                    family.to_lowercase().replace(' ', "")
                )
                .parse()?,
            ],
            phones: vec![
                format!("+1 555 {:03} {:04}", rng.u16(100..999), rng.u16(0..9999)).parse()?,
            ],
            organization: Some((*org).to_owned()),
            title: Some((*pick(&mut rng, TITLES)).to_owned()),
            tags: vec![(*pick(&mut rng, TAGS)).to_owned()],
            notes: None,
            source: None,
            tier: match rng.u8(..10) {
                0..=1 => Some(Tier::A),
                2..=4 => Some(Tier::B),
                5..=6 => Some(Tier::C),
                _ => None,
            },
            stage: Some(stage),
            horizon: Some(*pick(
                &mut rng,
                &[Horizon::Reason, Horizon::Season, Horizon::Lifetime],
            )),
            prospect_kind: roles.contains(&Role::Prospect).then(|| {
                if rng.bool() {
                    ProspectKind::New
                } else {
                    ProspectKind::Seasoned
                }
            }),
            cadence: if rng.u8(..8) == 0 {
                Some(Cadence::days(*pick(&mut rng, &[14, 21, 45]))?)
            } else {
                None
            },
            roles,
        };
        let added = year_ago.checked_add(days(rng.i64(0..60)))?;
        let id = app
            .store
            .add_contact(app.user.id, new, added, when::today(added, &app.tz))
            .await?;

        // A year of touches in the contact's rhythm, give or take; one in twenty went cold months
        // ago, which is what the agenda is for.
        let cycle = app.store.contact(id).await?.effective_cadence.approx_days();
        let stop = if rng.u8(..20) == 0 {
            app.now.checked_sub(days(rng.i64(30..120)))?
        } else {
            app.now
        };
        let mut at = added;
        loop {
            let gap_hours = (cycle * 24.0 * (0.55 + 0.6 * rng.f64())) as i64;
            at = at.checked_add(SignedDuration::from_hours(gap_hours.max(24)))?;
            if at > stop {
                break;
            }
            log(app, &mut rng, id, at).await?;
        }
        match rng.u8(..20) {
            // The on-hold story: "project on hold", back on the agenda on the day it ends.
            0 => {
                let until = today.checked_add(rng.i64(0..60).days()).unwrap_or(today);
                let hold = Hold {
                    until,
                    reason: (*pick(&mut rng, HOLD_REASONS)).to_owned(),
                };
                app.store.hold(app.user.id, id, &hold, app.now).await?;
            }
            1..=2 => {
                let due = today.checked_add(rng.i64(-3..10).days()).unwrap_or(today);
                let text = format!(
                    "{} ({})",
                    pick(&mut rng, APPROACHES),
                    pick(
                        &mut rng,
                        &[
                            "promised on the last call",
                            "they asked for it",
                            "before their board meeting"
                        ]
                    )
                );
                app.store
                    .add_follow_up(app.user.id, id, due, &text, app.now)
                    .await?;
            }
            _ => {}
        }
    }
    stories(app).await?;
    give_login(app).await?;
    eprintln!(
        "Demo data: {} contacts at {} organizations, a year of touches.",
        args.contacts + 2,
        ORGS.len() + 2
    );
    crate::commands::show_today(
        app,
        &AgendaArgs {
            limit: 50,
            role: None,
        },
    )
    .await?;
    eprintln!(
        "\nTo explore the demo: export RAPPORT_DATABASE_URL={}",
        app.location
    );
    Ok(())
}

/// Whether the demo's login is there to serve this database with: the demo made it (it has
/// the login), or it is the demo's own file (`is_demo_file`) from a Rapport that did not make
/// logins yet, which gets one now. Any other database is refused: a well-known password must
/// never be added to someone's real data.
pub async fn ensure_login(app: &App, is_demo_file: bool) -> Result<bool> {
    // Read again: `run` may have just given the login.
    if app.store.local_user().await?.email == DEMO_EMAIL {
        return Ok(true);
    }
    if !is_demo_file {
        return Ok(false);
    }
    give_login(app).await?;
    Ok(true)
}

/// The demo's owner (the local user) becomes the demo login.
async fn give_login(app: &App) -> Result<()> {
    let email: EmailAddress = DEMO_EMAIL.parse()?;
    let hash = rapport_server::auth::hash_password(DEMO_PASSWORD)?;
    app.store
        .set_password_login(app.user.id, &email, &hash)
        .await?;
    Ok(())
}

const INDUSTRIES: &[&str] = &[
    "Logistics",
    "Software",
    "Manufacturing",
    "Retail",
    "Finance",
];
const REGIONS: &[&str] = &["EU", "North America", "Nordics", "APAC"];

/// A few criteria, so every organization and contact has a fit score to sort by.
async fn ideal_client_profile(app: &App) -> Result<()> {
    for (field, value, weight) in [
        ("industry", "Logistics, Software", 3),
        ("size", "50..1000", 2),
        ("region", "EU, Nordics", 1),
        ("tag", "conference", 1),
    ] {
        let criterion = Criterion {
            test: Test::parse(field, value)?,
            weight: Weight::new(weight)?,
        };
        app.store
            .add_icp_criterion(app.user.id, &criterion, app.now)
            .await?;
    }
    Ok(())
}

/// The stories from the product design, due today so the first agenda tells them.
async fn stories(app: &App) -> Result<()> {
    let today = app.today();
    // Met at an event three months ago; the project went on hold until today.
    let dana = NewContact {
        name: "Dana Whitfield".into(),
        emails: vec!["dana@halcyon-freight.example".parse()?],
        organization: Some("Halcyon Freight".into()),
        title: Some("Head of Operations".into()),
        tier: Some(Tier::A),
        roles: vec![Role::Prospect],
        stage: Some(Stage::Acquainted),
        prospect_kind: Some(ProspectKind::New),
        tags: vec!["logistics-summit".into()],
        ..NewContact::default()
    };
    let met = app.now.checked_sub(days(92))?;
    let id = app
        .store
        .add_contact(app.user.id, dana, met, when::today(met, &app.tz))
        .await?;
    let touch = NewTouch {
        kind: TouchKind::Event,
        direction: Direction::Outbound,
        at: met,
        on: when::today(met, &app.tz),
        summary: Some("Met at the logistics summit; project on hold".into()),
        needs: Some("replace the dispatch system before peak season".into()),
        next_approach: Some("ask whether the new budget landed; offer a pilot".into()),
        private: false,
    };
    app.store.log_touch(app.user.id, id, touch, met).await?;
    let hold = Hold {
        until: today,
        reason: "project on hold until the new budget".into(),
    };
    app.store.hold(app.user.id, id, &hold, met).await?;

    // No immediate need: a decision maker on a quarterly cycle, due again today.
    let sam = NewContact {
        name: "Sam Okoro".into(),
        emails: vec!["sam@okoro-partners.example".parse()?],
        organization: Some("Okoro Partners".into()),
        title: Some("Managing Director".into()),
        cadence: Some(Cadence::new(3, CadenceUnit::Months)?),
        roles: vec![Role::Influencer],
        ..NewContact::default()
    };
    let last = today
        .checked_sub(3.months())?
        .at(10, 0, 0, 0)
        .to_zoned_datetime(app.tz.clone())?
        .timestamp();
    let id = app
        .store
        .add_contact(app.user.id, sam, last, when::today(last, &app.tz))
        .await?;
    let touch = NewTouch {
        kind: TouchKind::Call,
        direction: Direction::Outbound,
        at: last,
        on: when::today(last, &app.tz),
        summary: Some("No immediate need; happy with the current setup".into()),
        needs: Some("visibility across their portfolio companies".into()),
        next_approach: Some("share the portfolio reporting case study".into()),
        private: false,
    };
    app.store.log_touch(app.user.id, id, touch, last).await?;
    Ok(())
}

async fn log(
    app: &App,
    rng: &mut fastrand::Rng,
    id: rapport_core::model::ContactId,
    at: Timestamp,
) -> Result<()> {
    let touch = NewTouch {
        kind: *pick(
            rng,
            &[
                TouchKind::Call,
                TouchKind::Call,
                TouchKind::Email,
                TouchKind::Meeting,
                TouchKind::Message,
                TouchKind::Event,
                TouchKind::ContentShared,
            ],
        ),
        direction: if rng.u8(..4) == 0 {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        at,
        on: when::today(at, &app.tz),
        summary: Some((*pick(rng, SUMMARIES)).to_owned()),
        needs: rng.bool().then(|| (*pick(rng, NEEDS)).to_owned()),
        next_approach: Some((*pick(rng, APPROACHES)).to_owned()),
        private: false,
    };
    app.store.log_touch(app.user.id, id, touch, at).await?;
    Ok(())
}

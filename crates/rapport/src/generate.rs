//! `rapport generate` (hidden): a big, realistic and consistent book of relationships, for the
//! benchmarks in docs/benchmarks.md.
//!
//! Owners, organizations, contacts spread over the owners with tiers, stages and roles, a year
//! of touches, some holds and follow-ups, a few archived contacts. Every contact's schedule
//! columns are computed by the domain core's engine from the stored default cadences (the store's
//! bulk loader does it, as `reschedule` would), so the agenda over generated data is the agenda
//! the application would have built itself. Most contacts are on their cycle; a minority slipped
//! or went cold, so one owner's `today` is realistic: around a tenth of their book overdue.
//!
//! Rows are built on a thread of their own and handed to the loader in batches, so building the
//! next batch overlaps with the database writing the previous one. Seeded: the same arguments
//! give the same database.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_core::model::{ContactId, Hold, OrganizationId, TouchId, UserId};
use rapport_core::{
    Cadence, CadenceDefaults, CadenceProfile, Direction, EmailAddress, Horizon, ProspectKind, Role,
    Stage, Tier, TouchKind, when,
};
use rapport_store::{BulkContact, BulkFollowUp, BulkOrganization, BulkRows, BulkTouch, BulkUser};

use crate::app::App;
use crate::cli::GenerateArgs;
use crate::demo::{
    APPROACHES, FAMILY, GIVEN, HOLD_REASONS, NEEDS, SUMMARIES, TAGS, TITLES, stage_and_roles,
};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// Contacts per batch handed to the loader (with their touches: about ten times as many rows).
const CONTACTS_PER_BATCH: u64 = 5_000;
/// Organizations: one for about every twenty contacts.
const CONTACTS_PER_ORGANIZATION: u64 = 20;
const REPORT_EVERY: u64 = 1_000_000;

const ORG_FIRST: &[&str] = &[
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Massive",
    "Oscorp",
    "Aperture",
    "Black Mesa",
    "Wonka",
    "Gringotts",
    "Dunder",
    "Bluth",
    "Prestige",
    "Monarch",
    "Sterling",
    "Rekall",
    "Nakatomi",
    "Zorg",
    "Ollivander",
    "Cogswell",
    "Spacely",
    "Blue Harbor",
    "Red Rock",
    "Silver Lake",
    "Granite",
    "Evergreen",
    "Summit",
    "Pioneer",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Juniper",
];
const ORG_SECOND: &[&str] = &[
    "Logistics",
    "Health",
    "Foods",
    "Robotics",
    "Analytics",
    "Energy",
    "Bank",
    "Paper",
    "Homes",
    "Travel",
    "Trading",
    "Supplies",
    "Labs",
    "Materials",
    "Components",
    "Foundation",
    "Partners",
    "Systems",
    "Media",
    "Insurance",
    "Capital",
    "Motors",
    "Pharma",
    "Retail",
    "Consulting",
];
const CITIES: &[&str] = &[
    "Lyon", "Porto", "Leeds", "Ghent", "Turin", "Bergen", "Krakow", "Austin", "Denver", "Osaka",
    "Pune", "Lagos", "Quito", "Perth", "Hobart", "Tampere", "Graz", "Malmo", "Bilbao", "Nantes",
    "Bremen", "Aarhus", "Cork", "Brno", "Split", "Tartu", "Riga", "Vilnius", "Seville", "Genoa",
];

/// How a contact's relationship is going, which decides where its touches fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Touched within the last cycle: not due yet.
    OnSchedule,
    /// The cycle ran out days or weeks ago: overdue.
    Slipping,
    /// No touch for months; a third of these were archived.
    Cold { archived: bool },
    /// A meeting is booked in the next three weeks.
    Booked,
    /// Added in the last three weeks, never touched yet.
    New,
}

/// A contact's profile, drawn first so the touches can be shared out by cadence.
#[derive(Debug)]
struct Sketch {
    owner: i64,
    organization: Option<i64>,
    tier: Option<Tier>,
    stage: Stage,
    horizon: Horizon,
    prospect_kind: Option<ProspectKind>,
    cadence: Option<Cadence>,
    roles: Vec<Role>,
    cycle_days: f64,
    state: State,
    touches: u64,
}

#[derive(Debug)]
struct Settings {
    contacts: u64,
    touches: u64,
    owners: u64,
    seed: u64,
    now: Timestamp,
    tz: TimeZone,
    defaults: CadenceDefaults,
}

#[derive(Debug, Default)]
struct Counts {
    users: u64,
    organizations: u64,
    contacts: u64,
    touches: u64,
    follow_ups: u64,
    holds: u64,
    archived: u64,
}

pub async fn run(app: &App, args: &GenerateArgs) -> Result<()> {
    if args.owners == 0 {
        bail!("--owners: there must be at least one owner");
    }
    if args.touches > 0 && args.contacts == 0 {
        bail!("--touches: touches need contacts; raise --contacts");
    }
    let started = Instant::now();
    let mut loader = app.store.bulk_loader().await?;
    let settings = Settings {
        contacts: args.contacts,
        touches: args.touches,
        owners: args.owners,
        seed: args.seed,
        now: app.now,
        tz: app.tz.clone(),
        defaults: loader.defaults().clone(),
    };
    let (sender, batches) = sync_channel::<Vec<BulkRows>>(4);
    let producer = thread::Builder::new()
        .name("generator".into())
        .spawn(move || produce(&settings, &sender))?;

    let mut next_report = REPORT_EVERY;
    // A blocking receive is fine here: this runtime has nothing else to run meanwhile.
    while let Ok(batch) = batches.recv() {
        for rows in &batch {
            loader.insert(rows).await?;
        }
        if loader.rows() >= next_report {
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "{:>12} rows  {seconds:>6.1} s  {:>9} rows/s",
                grouped(loader.rows()),
                grouped(per_second(loader.rows(), started.elapsed()))
            );
            next_report += REPORT_EVERY;
        }
    }
    let counts = producer
        .join()
        .map_err(|_| anyhow!("the data generator crashed"))??;
    let stats = loader.finish().await?;
    let elapsed = started.elapsed();
    println!(
        "Generated {} contacts for {} owners at {} organizations, {} touches, {} follow-ups, \
         {} holds, {} archived.",
        grouped(counts.contacts),
        grouped(counts.users + 1),
        grouped(counts.organizations),
        grouped(counts.touches),
        grouped(counts.follow_ups),
        grouped(counts.holds),
        grouped(counts.archived),
    );
    println!(
        "{} rows in {:.1} s ({:.1} s loading, {:.1} s statistics and checkpoint): {} rows/s; \
         contacts and touches alone: {} rows/s.",
        grouped(stats.rows),
        elapsed.as_secs_f64(),
        stats.load.as_secs_f64(),
        stats.finish.as_secs_f64(),
        grouped(per_second(stats.rows, elapsed)),
        grouped(per_second(counts.contacts + counts.touches, elapsed)),
    );
    if args.verify {
        verify(app).await?;
    }
    Ok(())
}

/// Recomputes every schedule with the normal write path and checks every last touch.
async fn verify(app: &App) -> Result<()> {
    let started = Instant::now();
    let stale = app.store.reschedule_all().await?;
    let wrong = app.store.stale_last_touches().await?;
    let dangling = app.store.dangling_references().await?;
    if stale != 0 || wrong != 0 || dangling != 0 {
        bail!(
            "generated data is inconsistent: {stale} stale schedules, {wrong} wrong last \
             touches, {dangling} dangling references"
        );
    }
    println!(
        "Verified in {:.1} s: every schedule is what the engine computes, every last touch is \
         the latest, every reference points to a row.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn per_second(rows: u64, elapsed: Duration) -> u64 {
    (rows as f64 / elapsed.as_secs_f64().max(1e-9)) as u64
}

/// 1234567 → "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn stamp(second: i64) -> Result<Timestamp> {
    Timestamp::from_second(second).context("generated time out of range")
}

/// Builds every row and sends them in batches; stops early if the loader hangs up.
fn produce(s: &Settings, out: &SyncSender<Vec<BulkRows>>) -> Result<Counts> {
    let send = |rows: Vec<BulkRows>| {
        out.send(rows)
            .map_err(|_| anyhow!("the loader stopped before the generator"))
    };
    let mut rng = fastrand::Rng::with_seed(s.seed);
    let mut counts = Counts::default();
    let now = s.now.as_second();

    // Owners: the local owner (id 1, whom the CLI acts as) exists; the others join them.
    let users: Vec<BulkUser> = (2..=s.owners)
        .map(|n| {
            Ok(BulkUser {
                id: UserId(i64::try_from(n)?),
                email: format!("owner{n}@rapport.example"),
                name: format!("{} {}", pick(&mut rng, GIVEN), pick(&mut rng, FAMILY)),
                role: "member".into(),
                time_zone: None,
                created_at: stamp(now - 800 * DAY)?,
            })
        })
        .collect::<Result<_>>()?;
    counts.users = users.len() as u64;
    if !users.is_empty() {
        send(vec![BulkRows::users(&users)])?;
    }

    let organizations = if s.contacts == 0 {
        0
    } else {
        (s.contacts / CONTACTS_PER_ORGANIZATION).max(1)
    };
    let mut batch = Vec::new();
    for n in 0..organizations {
        let (name, domain) = organization_name(n);
        batch.push(BulkOrganization {
            id: OrganizationId(i64::try_from(n + 1)?),
            owner: UserId(rng.i64(1..=i64::try_from(s.owners)?)),
            name,
            domain: Some(domain),
            tier: match rng.u8(..20) {
                0..=2 => Some(Tier::A),
                3..=9 => Some(Tier::B),
                10..=17 => Some(Tier::C),
                _ => None,
            },
            created_at: stamp(now - rng.i64(400..800) * DAY)?,
        });
        if batch.len() == 10_000 || n + 1 == organizations {
            send(vec![BulkRows::organizations(&batch)])?;
            batch.clear();
        }
    }
    counts.organizations = organizations;

    let mut sketches = (0..s.contacts)
        .map(|_| sketch(&mut rng, s, organizations))
        .collect::<Result<Vec<_>>>()?;
    share_out_touches(&mut sketches, s.touches)?;

    let mut writer = Writer {
        s,
        now,
        offset: i64::from(s.tz.to_offset(s.now).seconds()),
        today: when::today(s.now, &s.tz),
        next_touch_id: 1,
        contacts: Vec::new(),
        touches: Vec::new(),
        follow_ups: Vec::new(),
    };
    for (n, sketch) in (1..).zip(&sketches) {
        writer.contact(&mut rng, &mut counts, ContactId(n), sketch)?;
        if writer.contacts.len() as u64 == CONTACTS_PER_BATCH {
            send(writer.flush())?;
        }
    }
    if !writer.contacts.is_empty() {
        send(writer.flush())?;
    }
    counts.contacts = s.contacts;
    Ok(counts)
}

/// "Acme Logistics", then "Acme Logistics Lyon", then "Acme Logistics Lyon 2": always unique.
fn organization_name(n: u64) -> (String, String) {
    let len = |items: &[&str]| items.len() as u64;
    let first = ORG_FIRST[(n % len(ORG_FIRST)) as usize];
    let rest = n / len(ORG_FIRST);
    let second = ORG_SECOND[(rest % len(ORG_SECOND)) as usize];
    let rest = rest / len(ORG_SECOND);
    let name = match rest {
        0 => format!("{first} {second}"),
        _ => {
            let city = CITIES[((rest - 1) % len(CITIES)) as usize];
            match (rest - 1) / len(CITIES) {
                0 => format!("{first} {second} {city}"),
                k => format!("{first} {second} {city} {}", k + 1),
            }
        }
    };
    let domain = format!("{}.example", name.to_lowercase().replace(' ', "-"));
    (name, domain)
}

fn sketch(rng: &mut fastrand::Rng, s: &Settings, organizations: u64) -> Result<Sketch> {
    let owners = i64::try_from(s.owners)?;
    let (stage, roles) = stage_and_roles(rng);
    let tier = match rng.u8(..20) {
        0..=1 => Some(Tier::A),
        2..=6 => Some(Tier::B),
        7..=12 => Some(Tier::C),
        13..=14 => Some(Tier::D),
        _ => None,
    };
    let horizon = *pick(rng, &[Horizon::Reason, Horizon::Season, Horizon::Lifetime]);
    let cadence = match rng.u8(..25) {
        0 => Some(Cadence::days(14)?),
        1 => Some(Cadence::days(21)?),
        2 => Some(Cadence::days(45)?),
        _ => None,
    };
    let (effective, _) = s.defaults.resolve(&CadenceProfile {
        explicit: cadence,
        tier,
        stage: Some(stage),
        active_roles: &roles,
        horizon: Some(horizon),
    });
    let state = match rng.u16(..1000) {
        0..=59 => State::Slipping,
        60..=89 => State::Cold {
            archived: rng.u8(..3) == 0,
        },
        90..=109 => State::Booked,
        110..=119 => State::New,
        _ => State::OnSchedule,
    };
    Ok(Sketch {
        owner: rng.i64(1..=owners),
        organization: (organizations > 0 && rng.u8(..20) != 0)
            .then(|| rng.i64(1..=i64::try_from(organizations).unwrap_or(i64::MAX))),
        prospect_kind: roles.contains(&Role::Prospect).then(|| {
            if rng.bool() {
                ProspectKind::New
            } else {
                ProspectKind::Seasoned
            }
        }),
        tier,
        stage,
        horizon,
        cadence,
        roles,
        cycle_days: effective.approx_days(),
        state,
        touches: 0,
    })
}

/// Shares `total` touches out over the contacts in proportion to how often their cadence asks
/// for one, so a monthly contact has about three times the history of a quarterly one.
fn share_out_touches(sketches: &mut [Sketch], total: u64) -> Result<()> {
    let weight = |s: &Sketch| match s.state {
        State::New => 0.0,
        _ => 365.0 / s.cycle_days,
    };
    let sum: f64 = sketches.iter().map(weight).sum();
    if total == 0 {
        return Ok(());
    }
    if sum <= 0.0 {
        bail!("--touches: every generated contact is new; raise --contacts");
    }
    let (mut cumulative, mut given) = (0.0, 0_u64);
    let mut last = None;
    for (i, sketch) in sketches.iter_mut().enumerate() {
        let w = weight(sketch);
        if w > 0.0 {
            cumulative += w * total as f64 / sum;
            let upto = (cumulative.round() as u64).min(total);
            sketch.touches = upto - given;
            given = upto;
            last = Some(i);
        }
    }
    if let Some(i) = last {
        sketches[i].touches += total - given;
    }
    Ok(())
}

/// Turns sketches into rows, one batch at a time.
struct Writer<'a> {
    s: &'a Settings,
    now: i64,
    /// The zone's UTC offset now, in seconds: enough to put touches in working hours.
    offset: i64,
    today: Date,
    next_touch_id: i64,
    contacts: Vec<BulkContact>,
    touches: Vec<BulkTouch>,
    follow_ups: Vec<BulkFollowUp>,
}

impl Writer<'_> {
    fn day_of(&self, second: i64) -> Result<Date> {
        Ok(when::today(stamp(second)?, &self.s.tz))
    }

    /// A moment between 8:00 and 18:00 local time on the day of `second`.
    fn working_hours(&self, rng: &mut fastrand::Rng, second: i64) -> i64 {
        let local_day = (second + self.offset).div_euclid(DAY);
        local_day * DAY - self.offset + 8 * HOUR + rng.i64(0..10 * HOUR)
    }

    fn flush(&mut self) -> Vec<BulkRows> {
        let mut rows = BulkRows::contacts(&self.s.defaults, &self.contacts);
        rows.push(BulkRows::touches(&self.touches));
        rows.push(BulkRows::follow_ups(&self.follow_ups));
        self.contacts.clear();
        self.touches.clear();
        self.follow_ups.clear();
        rows
    }

    fn contact(
        &mut self,
        rng: &mut fastrand::Rng,
        counts: &mut Counts,
        id: ContactId,
        sketch: &Sketch,
    ) -> Result<()> {
        let now = self.now;
        let cycle = sketch.cycle_days;
        let state = match sketch.touches {
            0 => State::New,
            _ => sketch.state,
        };
        let days = |d: f64| (d * DAY as f64) as i64;
        // The latest touch first; the rest of the history falls before it.
        let last = match state {
            State::New => None,
            // Up to a whole cycle ago: the ones touched exactly a cycle ago are due today.
            State::OnSchedule => Some(now - rng.i64(0..=cycle as i64) * DAY),
            State::Slipping => Some(now - days(cycle + 1.0 + rng.f64() * (cycle / 2.0).max(2.0))),
            State::Cold { .. } => Some(now - days((cycle + 30.0 + rng.f64() * 240.0).min(360.0))),
            State::Booked => Some(now + rng.i64(1..=21) * DAY),
        }
        .map(|at| {
            let snapped = self.working_hours(rng, at);
            match state {
                State::Booked => snapped,
                _ if snapped >= now => now - rng.i64(60..HOUR),
                _ => snapped,
            }
        });
        let added = match last {
            None => now - rng.i64(0..21 * DAY),
            Some(last) => {
                let age = (now - last).max(0) / DAY;
                now - rng.i64((age + 1).max(30)..=730) * DAY - rng.i64(0..DAY)
            }
        };
        let added_on = self.day_of(added)?;

        let owner = UserId(sketch.owner);
        let mut touch_times = Vec::new();
        if let Some(last) = last {
            let start = added.max(now - 365 * DAY);
            let end = last.min(now);
            for _ in 1..sketch.touches {
                let raw = rng.i64(start..end.max(start + 1));
                let snapped = self.working_hours(rng, raw);
                touch_times.push(if (start..end).contains(&snapped) {
                    snapped
                } else {
                    raw
                });
            }
            touch_times.sort_unstable();
            touch_times.push(last);
        }
        let mut last_touch = None;
        for (i, &at) in touch_times.iter().enumerate() {
            let booked = state == State::Booked && i + 1 == touch_times.len();
            let touch = TouchId(self.next_touch_id);
            self.next_touch_id += 1;
            let on = self.day_of(at)?;
            last_touch = Some((touch, on));
            self.touches.push(BulkTouch {
                id: touch,
                contact: id,
                author: owner,
                kind: if booked {
                    TouchKind::Meeting
                } else {
                    *pick(
                        rng,
                        &[
                            TouchKind::Call,
                            TouchKind::Call,
                            TouchKind::Email,
                            TouchKind::Email,
                            TouchKind::Meeting,
                            TouchKind::Message,
                            TouchKind::Event,
                            TouchKind::Note,
                            TouchKind::ContentShared,
                        ],
                    )
                },
                direction: if rng.u8(..4) == 0 {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                at: stamp(at)?,
                on,
                summary: Some(if booked {
                    format!("Booked: {}", pick(rng, APPROACHES))
                } else {
                    (*pick(rng, SUMMARIES)).to_owned()
                }),
                needs: rng.bool().then(|| (*pick(rng, NEEDS)).to_owned()),
                next_approach: (rng.u8(..5) != 0).then(|| (*pick(rng, APPROACHES)).to_owned()),
                created_at: stamp(if booked {
                    now - rng.i64(HOUR..7 * DAY)
                } else {
                    at
                })?,
            });
        }
        counts.touches += touch_times.len() as u64;

        let archived_at = match (state, last) {
            (State::Cold { archived: true }, Some(last)) => {
                counts.archived += 1;
                Some(stamp((last + rng.i64(DAY..60 * DAY)).min(now))?)
            }
            _ => None,
        };
        let last_on = last_touch.map(|(_, on)| on);
        let hold = match rng.u8(..40) {
            0 if archived_at.is_none() && state != State::Booked => {
                let until = self
                    .today
                    .checked_add(jiff::Span::new().days(rng.i64(-10..=90)))?;
                // Logging a touch on or after a hold's last day lifts it: a hold still in
                // place ends after the latest touch.
                (last_on.is_none_or(|on| until > on)).then(|| Hold {
                    until,
                    reason: (*pick(rng, HOLD_REASONS)).to_owned(),
                })
            }
            _ => None,
        };
        counts.holds += u64::from(hold.is_some());
        let mut earliest_follow_up = None;
        if archived_at.is_none() && rng.u8(..33) == 0 {
            let due = self
                .today
                .checked_add(jiff::Span::new().days(rng.i64(-5..=14)))?;
            earliest_follow_up = Some(due);
            self.follow_ups.push(BulkFollowUp {
                contact: id,
                owner,
                due_on: due,
                text: format!(
                    "{} ({})",
                    pick(rng, APPROACHES),
                    pick(
                        rng,
                        &[
                            "promised on the last call",
                            "they asked for it",
                            "before their board meeting"
                        ]
                    )
                ),
                done_at: None,
                created_at: stamp(now - rng.i64(HOUR..20 * DAY))?,
            });
            counts.follow_ups += 1;
        }
        if let (Some((_, on)), 0) = (last_touch, rng.u8(..20)) {
            // A follow-up done at the last touch: history, no effect on the schedule.
            let done = touch_times.last().copied().unwrap_or(now).min(now);
            self.follow_ups.push(BulkFollowUp {
                contact: id,
                owner,
                due_on: on,
                text: (*pick(rng, APPROACHES)).to_owned(),
                done_at: Some(stamp(done)?),
                created_at: stamp(done - rng.i64(DAY..30 * DAY))?,
            });
            counts.follow_ups += 1;
        }

        let given = pick(rng, GIVEN);
        let family = pick(rng, FAMILY);
        let initial = char::from(b'A' + rng.u8(..26));
        let domain = match sketch.organization {
            Some(org) => organization_name(u64::try_from(org - 1)?).1,
            None => "mail.example".to_owned(),
        };
        let email: EmailAddress = format!(
            "{}.{}.{}@{domain}",
            given.to_lowercase(),
            family.to_lowercase().replace(' ', ""),
            id.0
        )
        .parse()?;
        self.contacts.push(BulkContact {
            id,
            owner,
            name: format!("{given} {initial}. {family}"),
            title: (rng.u8(..10) != 0).then(|| (*pick(rng, TITLES)).to_owned()),
            organization: sketch.organization.map(OrganizationId),
            notes: (rng.u8(..20) == 0).then(|| format!("Met through {}", pick(rng, TAGS))),
            source: None,
            tier: sketch.tier,
            stage: Some(sketch.stage),
            horizon: Some(sketch.horizon),
            prospect_kind: sketch.prospect_kind,
            cadence: sketch.cadence,
            emails: vec![email],
            phones: if rng.u8(..10) < 7 {
                vec![format!("+1 555 {:03} {:04}", rng.u16(100..999), rng.u16(0..9999)).parse()?]
            } else {
                vec![]
            },
            tags: if rng.bool() {
                vec![(*pick(rng, TAGS)).to_owned()]
            } else {
                vec![]
            },
            roles: sketch.roles.clone(),
            fields: Vec::new(),
            added_on,
            created_at: stamp(added)?,
            last_touch,
            hold,
            earliest_follow_up,
            archived_at,
        });
        Ok(())
    }
}

//! Lead nurturing: `rapport content …`, `interests`, `recommend`, `send`, `ready`,
//! `handoffs` and `nurture owners|rules|report`.

use anyhow::{Context, Result, bail};
use rapport_core::model::{ContactId, UserId, non_blank};
use rapport_core::nurture::{ContentId, ContentItem, Interest, Origin, Term, word_list};
use rapport_core::{Direction, InterestKind, TouchKind, when};
use rapport_store::{ContentFields, ContentPatch, Handoff, NewTouch, Recommendations};

use crate::app::{App, print_json};
use crate::cli::{
    ContentCommand, ContentFieldArgs, InterestsArgs, NurtureCommand, NurtureRulesArgs, ReadyArgs,
    RecommendArgs, SendArgs,
};
use crate::commands::touch::one_line;
use crate::views::{
    ContentView, HandoffsView, InterestView, NurtureOwnersView, NurtureReportView,
    NurtureRulesView, RecommendationsView, ScheduleChangeView,
};

/// The flags given, as a change to an item; each error names its flag.
fn patch(app: &App, args: ContentFieldArgs) -> Result<ContentPatch> {
    let clearable =
        |text: String| non_blank(Some(text)).filter(|t| !t.eq_ignore_ascii_case("none"));
    Ok(ContentPatch {
        title: args.title,
        link: args.link,
        summary: args.summary.map(clearable),
        format: args.format,
        topics: args
            .topics
            .map(|t| Term::list(&t))
            .transpose()
            .context("--topics")?,
        needs: args
            .needs
            .map(|t| Term::list(&t))
            .transpose()
            .context("--needs")?,
        stages: args
            .stages
            .map(|t| word_list(&t))
            .transpose()
            .context("--stages")?,
        kinds: args
            .kinds
            .map(|t| word_list(&t))
            .transpose()
            .context("--kinds")?,
        expires_on: match args.expires.map(clearable) {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => Some(Some(app.date("--expires", &text)?)),
        },
    })
}

/// "#3 Migration playbook (guide) · topics: data migration · needs: … · until 2027-06-30".
fn item_line(item: &ContentItem) -> String {
    let list = |terms: &[Term]| {
        terms
            .iter()
            .map(Term::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!("#{:<4} {} ({})", item.id, item.title, item.format);
    if !item.topics.is_empty() {
        line.push_str(&format!(" · topics: {}", list(&item.topics)));
    }
    if !item.needs.is_empty() {
        line.push_str(&format!(" · needs: {}", list(&item.needs)));
    }
    if let Some(day) = item.retired_on {
        line.push_str(&format!(" · retired {day}"));
    } else if let Some(day) = item.expires_on {
        line.push_str(&format!(" · until {day}"));
    }
    line
}

fn print_item(app: &App, item: &ContentItem) -> Result<()> {
    if app.json {
        return print_json(&ContentView::from(item));
    }
    println!("{}", item_line(item));
    println!("  link:    {}", item.link);
    if let Some(summary) = &item.summary {
        println!("  summary: {summary}");
    }
    let suits = |words: Vec<String>| {
        if words.is_empty() {
            "any".to_owned()
        } else {
            words.join(", ")
        }
    };
    println!(
        "  suits:   stages {}; prospects {}",
        suits(item.stages.iter().map(ToString::to_string).collect()),
        suits(item.kinds.iter().map(ToString::to_string).collect())
    );
    Ok(())
}

pub async fn content(app: &App, command: ContentCommand) -> Result<()> {
    match command {
        ContentCommand::Add(args) => {
            for (given, flag) in [
                (&args.title, "--title"),
                (&args.link, "--link"),
                (&args.format, "--format"),
            ] {
                if given.as_deref().is_none_or(|v| v.trim().is_empty()) {
                    bail!("{flag}: an item needs it");
                }
            }
            if args.topics.is_none() && args.needs.is_none() {
                bail!("--topics: give topics or --needs, so the item can be matched to people");
            }
            let fields = patch(app, args)?.apply(ContentFields::default());
            let added = app.store.add_content(app.user.id, fields, app.now).await?;
            if app.json {
                return print_json(&ContentView::from(&added));
            }
            eprintln!("Added {}", item_line(&added));
            println!("{}", added.id);
            Ok(())
        }
        ContentCommand::List { all } => {
            let library = app.store.content_library(all).await?;
            if app.json {
                return print_json(&library.iter().map(ContentView::from).collect::<Vec<_>>());
            }
            if library.is_empty() {
                println!(
                    "The library is empty. Add an item with: rapport content add --title \"…\" \
                     --link URL --format guide --topics \"data migration\""
                );
            }
            for item in &library {
                println!("{}", item_line(item));
            }
            Ok(())
        }
        ContentCommand::Show { id } => {
            let item = app.store.content(ContentId(id)).await?;
            print_item(app, &item)
        }
        ContentCommand::Edit { id, fields: args } => {
            let change = patch(app, args)?;
            let edited = app
                .store
                .edit_content(app.user.id, ContentId(id), change, app.now)
                .await?;
            print_item(app, &edited)
        }
        ContentCommand::Retire { id } => {
            let retired = app
                .store
                .retire_content(app.user.id, ContentId(id), app.today(), app.now)
                .await?;
            print_item(app, &retired)
        }
        ContentCommand::Audience { id } => {
            let item = ContentId(id);
            let audience = app.store.audience(app.user.id, item, app.today()).await?;
            if app.json {
                let rows: Vec<serde_json::Value> = audience
                    .iter()
                    .map(|(contact, name, r)| {
                        serde_json::json!({
                            "contact_id": contact.0, "name": name, "score": r.score,
                            "reason": r.reason,
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            if audience.is_empty() {
                println!("Nobody to send #{id} to today: it matches no one's interests or needs.");
            }
            for (contact, name, r) in &audience {
                println!("  #{contact:<5} {name} — {}", r.reason);
            }
            if !audience.is_empty() {
                println!("Send it one by one: rapport send {id} CONTACT");
            }
            Ok(())
        }
    }
}

/// "need 'data migration' (discussed on 2027-03-12, touch #41)".
fn interest_line(i: &Interest) -> String {
    match i.origin {
        Origin::Stated => format!("{} '{}' (stated)", i.kind, i.term),
        Origin::Discussed { touch, on } => {
            format!(
                "{} '{}' (discussed on {on}, touch #{touch})",
                i.kind, i.term
            )
        }
    }
}

pub async fn interests(app: &App, args: InterestsArgs) -> Result<()> {
    let contact = app.store.resolve_contact(&args.contact).await?;
    let changes = [
        (InterestKind::Interest, args.interests, "--interests"),
        (InterestKind::Need, args.needs, "--needs"),
    ];
    let mut parsed = vec![];
    for (kind, text, flag) in changes {
        if let Some(text) = text {
            parsed.push((kind, Term::list(&text).context(flag)?));
        }
    }
    for (kind, terms) in &parsed {
        app.store
            .set_interests(app.user.id, contact, *kind, terms, app.now)
            .await?;
    }
    let found = app
        .store
        .recommend(app.user.id, contact, app.today())
        .await?;
    if app.json {
        return print_json(
            &found
                .interests
                .iter()
                .map(InterestView::from)
                .collect::<Vec<_>>(),
        );
    }
    if found.interests.is_empty() {
        println!(
            "No interests or needs known for #{contact}. Set them with --interests/--needs, or \
             log touches with --needs \"…\" that name the library's topics."
        );
    }
    for i in &found.interests {
        println!("  {}", interest_line(i));
    }
    Ok(())
}

/// The recommendations as `recommend` and the agenda print them, indented.
pub fn render_recommendations(found: &Recommendations, limit: usize, indent: &str) -> String {
    let mut out = String::new();
    if let Some(cap) = &found.held_back {
        out.push_str(&format!("{indent}not now — {cap}\n"));
    }
    for (item, r) in found.ranked.iter().take(limit) {
        out.push_str(&format!(
            "{indent}send #{} {} ({}) — {}\n",
            item.id, item.title, item.format, r.reason
        ));
    }
    out
}

pub async fn recommend(app: &App, args: &RecommendArgs) -> Result<()> {
    let contact = app.store.resolve_contact(&args.contact).await?;
    let found = app
        .store
        .recommend(app.user.id, contact, app.today())
        .await?;
    if app.json {
        return print_json(&RecommendationsView::new(contact.0, &found, args.limit));
    }
    if found.ranked.is_empty() {
        println!(
            "Nothing to recommend for #{contact}: no available item matches their interests or \
             needs (see: rapport interests {contact})."
        );
        return Ok(());
    }
    print!("{}", render_recommendations(&found, args.limit, ""));
    Ok(())
}

pub async fn send(app: &App, args: SendArgs) -> Result<()> {
    let at = match &args.at {
        Some(text) => when::parse_instant(text, app.now, &app.tz).context("--at")?,
        None => app.now,
    };
    let contact = app.store.resolve_contact(&args.contact).await?;
    let touch = NewTouch {
        kind: TouchKind::ContentShared,
        direction: Direction::Outbound,
        at,
        on: when::today(at, &app.tz),
        summary: non_blank(args.summary),
        needs: None,
        next_approach: None,
        private: false,
    };
    let (touch_id, next) = app
        .store
        .send_content(app.user.id, contact, ContentId(args.item), touch, app.now)
        .await?;
    if app.json {
        return print_json(&ScheduleChangeView {
            touch_id: Some(touch_id.0),
            ..ScheduleChangeView::new(contact, next)
        });
    }
    println!(
        "Sent content #{} to #{contact} (touch #{touch_id}); next touch {} ({})",
        args.item, next.on, next.source
    );
    Ok(())
}

pub async fn ready(app: &App, args: ReadyArgs) -> Result<()> {
    let contact = app.store.resolve_contact(&args.contact).await?;
    let signal = (!args.clear).then(|| (app.today(), non_blank(args.note)));
    let owners = app
        .store
        .signal_ready(app.user.id, contact, signal, app.now)
        .await?;
    if app.json {
        return print_json(&NurtureOwnersView::new(contact.0, &owners));
    }
    match owners.ready {
        Some((on, _)) => println!(
            "#{contact} is sales-ready since {on}; it is on its sales owner's agenda as a handoff"
        ),
        None => println!("#{contact} is no longer marked sales-ready"),
    }
    Ok(())
}

/// One handoff with its history, as `handoffs` and the agenda print it.
pub fn render_handoff(h: &Handoff, history: usize) -> String {
    let org = h
        .organization
        .as_deref()
        .map(|o| format!(" · {o}"))
        .unwrap_or_default();
    let mut out = format!(
        "  #{:<5} {}{org} — {}\n         from {} (nurture) to {} (sales)\n",
        h.contact,
        h.name,
        h.ready.reason(),
        h.nurture_owner.name,
        h.sales_owner.name
    );
    for line in h.history.iter().take(history) {
        let sent = line
            .content
            .as_ref()
            .map(|(id, title)| format!(" [content #{id} {title}]"))
            .unwrap_or_default();
        out.push_str(&format!("         {}{sent}\n", one_line(&line.touch)));
    }
    if h.history.len() > history {
        out.push_str(&format!(
            "         … {} earlier touches (rapport handoffs shows them all)\n",
            h.history.len() - history
        ));
    }
    out
}

pub async fn handoffs(app: &App) -> Result<()> {
    let found = app.store.handoffs(app.user.id, app.today()).await?;
    if app.json {
        return print_json(&HandoffsView::from(&found));
    }
    if found.incoming.is_empty() && found.outgoing.is_empty() {
        println!("No handoffs: none of your nurtured contacts is sales-ready.");
        return Ok(());
    }
    if !found.incoming.is_empty() {
        println!("HANDED TO YOU (sales-ready, with their nurture history)");
        for h in &found.incoming {
            print!("{}", render_handoff(h, usize::MAX));
        }
    }
    let gone: Vec<&Handoff> = found
        .outgoing
        .iter()
        .filter(|h| h.sales_owner.id != app.user.id)
        .collect();
    if !gone.is_empty() {
        println!("WENT FROM YOUR NURTURE");
        for h in gone {
            println!(
                "  #{:<5} {} → {} ({})",
                h.contact,
                h.name,
                h.sales_owner.name,
                h.ready.reason()
            );
        }
    }
    Ok(())
}

async fn user_or_none(app: &App, flag: &str, text: Option<&str>) -> Result<Option<Option<UserId>>> {
    match text.map(str::trim) {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("none") => Ok(Some(None)),
        Some(t) => Ok(Some(Some(
            app.store
                .resolve_user(t)
                .await
                .context(flag.to_owned())?
                .user
                .id,
        ))),
    }
}

pub async fn run(app: &App, command: NurtureCommand) -> Result<()> {
    match command {
        NurtureCommand::Owners {
            contact,
            nurturer,
            seller,
        } => {
            let contact: ContactId = app.store.resolve_contact(&contact).await?;
            let nurturer = user_or_none(app, "--nurturer", nurturer.as_deref()).await?;
            let seller = user_or_none(app, "--seller", seller.as_deref()).await?;
            let owners = if nurturer.is_none() && seller.is_none() {
                app.store.nurture_owners(contact).await?
            } else {
                app.store
                    .set_nurture_owners(app.user.id, contact, nurturer, seller, app.now)
                    .await?
            };
            if app.json {
                return print_json(&NurtureOwnersView::new(contact.0, &owners));
            }
            let name = |user: Option<UserId>| async move {
                match user {
                    Some(id) => app.store.user(id).await.map(|a| a.user.name),
                    None => Ok("the contact's owner".to_owned()),
                }
            };
            println!("nurture owner: {}", name(owners.nurture_owner).await?);
            println!("sales owner:   {}", name(owners.sales_owner).await?);
            if let Some((on, note)) = &owners.ready {
                println!(
                    "sales-ready since {on}{}",
                    note.as_deref()
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        NurtureCommand::Rules(args) => rules(app, args).await,
        NurtureCommand::Report => {
            let today = app.today();
            let report = app.store.nurture_report(today).await?;
            let view = NurtureReportView::new(today, &report);
            if app.json {
                return print_json(&view);
            }
            if view.prospects == 0 {
                println!("Nurture coverage on {today}: no not-ready prospects to cover");
            } else {
                println!(
                    "Nurture coverage on {today}: {} of {} not-ready prospects touched within \
                     their cycle ({}%)",
                    view.covered, view.prospects, view.coverage_percent
                );
            }
            if view.replies.is_empty() {
                println!("No content sent yet.");
            } else {
                println!("Content that gets replies (an inbound touch after it was sent):");
            }
            for r in &view.replies {
                println!(
                    "  #{:<4} {}: {} of {} sends replied",
                    r.content_id, r.title, r.replies, r.sends
                );
            }
            Ok(())
        }
    }
}

async fn rules(app: &App, args: NurtureRulesArgs) -> Result<()> {
    let changing = args.content_gap.is_some()
        || args.touch_limit.is_some()
        || args.touch_period.is_some()
        || args.ready_inbound.is_some()
        || args.ready_days.is_some();
    let rules = if changing {
        app.store
            .change_nurture_rules(
                app.user.id,
                |mut r| {
                    r.caps.content_gap_days = args.content_gap.unwrap_or(r.caps.content_gap_days);
                    r.caps.touch_limit = args.touch_limit.unwrap_or(r.caps.touch_limit);
                    r.caps.touch_period_days =
                        args.touch_period.unwrap_or(r.caps.touch_period_days);
                    r.engagement.inbound = args.ready_inbound.unwrap_or(r.engagement.inbound);
                    r.engagement.days = args.ready_days.unwrap_or(r.engagement.days);
                    r
                },
                app.now,
            )
            .await?
    } else {
        app.store.nurture_rules().await?
    };
    if app.json {
        return print_json(&NurtureRulesView::from(&rules));
    }
    println!(
        "content cap:     at most one content touch per contact every {} days",
        rules.caps.content_gap_days
    );
    match rules.caps.touch_limit {
        0 => println!("team touch cap:  none"),
        n => println!(
            "team touch cap:  at most {n} touches per contact in {} days",
            rules.caps.touch_period_days
        ),
    }
    match rules.engagement.inbound {
        0 => println!("engagement rule: off"),
        n => println!(
            "engagement rule: sales-ready after {n} inbound touches in {} days",
            rules.engagement.days
        ),
    }
    Ok(())
}

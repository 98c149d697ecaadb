//! Opportunities and the forecast: `rapport opportunity add|list|close`, `rapport forecast`.

use anyhow::Result;
use rapport_core::model::{Opportunity, OpportunityId};
use rapport_core::opportunity::Timeline;
use rapport_core::{Outcome, agenda::days_phrase};
use rapport_store::{NewOpportunity, OpportunityFilter, RelationshipRules};

use crate::app::{App, parse, print_json};
use crate::cli::{ForecastArgs, OpportunityAddArgs, OpportunityCloseArgs, OpportunityCommand};
use crate::views::{
    ClosedOpportunityView, ForecastView, OpportunityView, RelationshipRulesView, ScheduleChangeView,
};

pub async fn run(app: &App, command: OpportunityCommand) -> Result<()> {
    match command {
        OpportunityCommand::Add(args) => add(app, args).await,
        OpportunityCommand::List { contact, open } => {
            let contact = match contact {
                Some(reference) => Some(app.store.resolve_contact(&reference).await?),
                None => None,
            };
            let found = app
                .store
                .opportunities(OpportunityFilter {
                    contact,
                    open_only: open,
                })
                .await?;
            if app.json {
                return print_json(&found.iter().map(OpportunityView::from).collect::<Vec<_>>());
            }
            if found.is_empty() {
                println!(
                    "No opportunities. Open one with: rapport opportunity add NAME --title \"…\" --value 25000 --timeline 90"
                );
            }
            for o in &found {
                println!("{}", line(o));
            }
            Ok(())
        }
        OpportunityCommand::Close(args) => close(app, args).await,
    }
}

async fn add(app: &App, args: OpportunityAddArgs) -> Result<()> {
    let contact = app.store.resolve_contact(&args.contact).await?;
    let timeline = match (&args.timeline, &args.close_by) {
        (Some(window), _) => Timeline::Within(parse("--timeline", window)?),
        (None, Some(day)) => Timeline::By(app.date("--close-by", day)?),
        (None, None) => {
            anyhow::bail!("--timeline: give a timeline (30, 60, 90, later) or --close-by")
        }
    };
    if args.title.trim().is_empty() {
        anyhow::bail!("--title: an opportunity needs a title");
    }
    if args.value < 0 {
        anyhow::bail!("--value: a value cannot be negative");
    }
    let new = NewOpportunity {
        title: args.title,
        value: args.value,
        timeline,
    };
    let opened = app
        .store
        .add_opportunity(app.user.id, contact, new, app.now, app.today())
        .await?;
    if app.json {
        return print_json(&OpportunityView::from(&opened));
    }
    eprintln!("Opened {}", line(&opened));
    println!("{}", opened.id);
    Ok(())
}

async fn close(app: &App, args: OpportunityCloseArgs) -> Result<()> {
    let outcome = if args.won {
        Outcome::Won
    } else {
        Outcome::Lost
    };
    let (closed, next) = app
        .store
        .close_opportunity(
            app.user.id,
            OpportunityId(args.id),
            outcome,
            args.reason.as_deref(),
            app.now,
            app.today(),
        )
        .await?;
    if app.json {
        return print_json(&ClosedOpportunityView {
            schedule: ScheduleChangeView::new(closed.contact, next),
            opportunity: OpportunityView::from(&closed),
        });
    }
    let rules = app.store.relationship_rules().await?;
    let moved = rules
        .close
        .on_close(outcome)
        .map(|m| m.describe())
        .unwrap_or_default();
    println!("{}", line(&closed));
    println!(
        "{} moves to {moved}; next touch {} ({})",
        closed.contact_name,
        next.on,
        days_phrase(app.today(), next.on)
    );
    Ok(())
}

/// "#3 Dana Whitfield · Halcyon: Dispatch system, 25000, open, close by 2027-02-23".
fn line(o: &Opportunity) -> String {
    let org = o
        .organization
        .as_ref()
        .map(|org| format!(" · {}", org.name))
        .unwrap_or_default();
    let when = match o.expected.close_by() {
        Some(day) => format!("close by {day}"),
        None => "later than 90 days".to_owned(),
    };
    let status = match &o.closed {
        Some((on, reason)) => {
            let why = reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("{} {on}{why}", o.outcome)
        }
        None => format!("{}, {when}", o.outcome),
    };
    format!(
        "#{:<4} {}{org}: {}, {}, {status}",
        o.id, o.contact_name, o.title, o.value
    )
}

pub async fn forecast(app: &App, args: &ForecastArgs) -> Result<()> {
    if args.rules {
        let rules = app.store.relationship_rules().await?;
        if app.json {
            return print_json(&RelationshipRulesView::from(&rules));
        }
        print!("{}", render_rules(&rules));
        return Ok(());
    }
    let open = app.store.open_opportunities().await?;
    let view = ForecastView::new(app.today(), &open);
    if app.json {
        return print_json(&view);
    }
    println!("Forecast from {} (open opportunities)", view.today);
    for b in &view.buckets {
        println!("  {:<11} {:>3} deals  {:>12}", b.label, b.count, b.value);
    }
    for entry in &view.open {
        let o = &entry.opportunity;
        let by = o.close_by.as_deref().unwrap_or("later");
        println!(
            "  [{:>5}] #{} {}: {} ({}, by {by})",
            entry.bucket, o.id, o.contact_name, o.title, o.value
        );
    }
    Ok(())
}

/// The rules as `forecast --rules` and `settings` print them.
pub fn render_rules(rules: &RelationshipRules) -> String {
    format!(
        "won  → retention: {}\nlost → nurture:   {}\nrenewal lead time: {} days before a competitor's contract renews\ntier values: {} (the least won + open deal value for tiers A, B, C)\n",
        rules.close.won.describe(),
        rules.close.lost.describe(),
        rules.renewal_lead.days(),
        rules.tier_values
    )
}

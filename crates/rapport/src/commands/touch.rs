use anyhow::{Context, Result, bail};
use rapport_core::model::{FollowUpId, Hold, Touch, non_blank};
use rapport_core::{Direction, NextTouch, TouchKind, when};
use rapport_store::NewTouch;

use crate::app::{App, parse, print_json};
use crate::cli::{FollowUpCommand, HoldArgs, LogArgs};
use crate::views::{FollowUpView, HoldView, ScheduleChangeView};

/// "2026-11-20 call (outbound): Discussed Q1 budget · needs: migration · next: send case study",
/// ending in "[private]" for a private touch (whose text only its author gets).
pub fn one_line(t: &Touch) -> String {
    let mut line = format!("{} {} ({})", t.on, t.kind, t.direction);
    if let Some(summary) = &t.summary {
        line.push_str(&format!(": {summary}"));
    }
    if let Some(needs) = &t.needs {
        line.push_str(&format!(" · needs: {needs}"));
    }
    if let Some(next) = &t.next_approach {
        line.push_str(&format!(" · next: {next}"));
    }
    if t.private {
        // Its author reads the text; for everyone else it was withheld.
        line.push_str(" [private]");
    }
    line
}

fn print_change(app: &App, change: ScheduleChangeView, message: String) -> Result<()> {
    if app.json {
        print_json(&change)
    } else {
        println!("{message}");
        Ok(())
    }
}

pub async fn log(app: &App, args: LogArgs) -> Result<()> {
    let kind: TouchKind = parse("--kind", &args.kind)?;
    let at = match &args.at {
        Some(text) => when::parse_instant(text, app.now, &app.tz).context("--at")?,
        None => app.now,
    };
    let contact = app.store.resolve_contact(&args.contact).await?;
    let touch = NewTouch {
        kind,
        direction: if args.inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        at,
        on: when::today(at, &app.tz),
        summary: non_blank(args.summary),
        needs: non_blank(args.needs),
        next_approach: non_blank(args.next_approach),
        private: args.private,
    };
    let (touch_id, next) = app
        .store
        .log_touch(app.user.id, contact, touch, app.now)
        .await?;
    print_change(
        app,
        ScheduleChangeView {
            touch_id: Some(touch_id.0),
            ..ScheduleChangeView::new(contact, next)
        },
        format!(
            "Logged {kind} #{touch_id} with #{contact}; next touch {}",
            describe(next)
        ),
    )
}

fn describe(next: NextTouch) -> String {
    format!("{} ({})", next.on, next.source)
}

pub async fn hold(app: &App, args: HoldArgs) -> Result<()> {
    let until =
        Hold::check_until(app.date("--until", &args.until)?, app.today()).context("--until")?;
    let reason = Hold::check_reason(&args.reason).context("--reason")?;
    let contact = app.store.resolve_contact(&args.contact).await?;
    let hold = Hold { until, reason };
    let next = app.store.hold(app.user.id, contact, &hold, app.now).await?;
    print_change(
        app,
        ScheduleChangeView {
            hold: Some(HoldView::from(&hold)),
            ..ScheduleChangeView::new(contact, next)
        },
        format!(
            "On hold until {}: {}. Next touch {}",
            hold.until,
            hold.reason,
            describe(next)
        ),
    )
}

pub async fn unhold(app: &App, reference: &str) -> Result<()> {
    let contact = app.store.resolve_contact(reference).await?;
    let Some(next) = app.store.unhold(app.user.id, contact, app.now).await? else {
        bail!("contact #{contact} has no hold");
    };
    print_change(
        app,
        ScheduleChangeView::new(contact, next),
        format!("Hold lifted on #{contact}; next touch {}", describe(next)),
    )
}

pub async fn follow_up(app: &App, command: FollowUpCommand) -> Result<()> {
    match command {
        FollowUpCommand::Add { contact, due, text } => {
            let due = app.date("--due", &due)?;
            let text = text.join(" ");
            if text.trim().is_empty() {
                bail!("follow-up text cannot be empty");
            }
            let contact = app.store.resolve_contact(&contact).await?;
            let (id, next) = app
                .store
                .add_follow_up(app.user.id, contact, due, &text, app.now)
                .await?;
            print_change(
                app,
                ScheduleChangeView {
                    follow_up_id: Some(id.0),
                    ..ScheduleChangeView::new(contact, next)
                },
                format!("Follow-up #{id} due {due}; next touch {}", describe(next)),
            )
        }
        FollowUpCommand::Done { id } => {
            let (done, next) = app
                .store
                .complete_follow_up(app.user.id, FollowUpId(id), app.now)
                .await?;
            print_change(
                app,
                ScheduleChangeView {
                    follow_up_id: Some(done.id.0),
                    ..ScheduleChangeView::new(done.contact, next)
                },
                format!(
                    "Follow-up #{id} done: {}; next touch {}",
                    done.text,
                    describe(next)
                ),
            )
        }
        FollowUpCommand::List { contact, all } => {
            let contact = app.store.resolve_contact(&contact).await?;
            let list = app.store.follow_ups(contact, all).await?;
            if app.json {
                return print_json(&list.iter().map(FollowUpView::from).collect::<Vec<_>>());
            }
            if list.is_empty() {
                println!(
                    "No follow-ups. Add one with: rapport follow-up add {contact} --due tomorrow \"send proposal\""
                );
            }
            for f in &list {
                let state = if f.done_at.is_some() { "done" } else { "open" };
                println!("#{:<5} {state:<4} due {}  {}", f.id, f.due_on, f.text);
            }
            Ok(())
        }
    }
}

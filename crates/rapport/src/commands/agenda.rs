use anyhow::Result;
use jiff::ToSpan;
use rapport_core::Role;
use rapport_core::agenda::{Section, days_phrase};
use std::collections::HashMap;

use rapport_core::model::{Agenda, ContactId};
use rapport_store::Recommendations;

use crate::app::{App, parse, print_json};
use crate::cli::AgendaArgs;
use crate::commands::nurture::{render_handoff, render_recommendations};
use crate::commands::touch::one_line;
use crate::views::AgendaView;

/// The agenda from today through `days` days ahead (0: today only).
pub async fn show(app: &App, days: u16, args: &AgendaArgs) -> Result<()> {
    let today = app.today();
    let through = today.checked_add(i64::from(days).days()).unwrap_or(today);
    let role: Option<Role> = args
        .role
        .as_deref()
        .map(|r| parse("--role", r))
        .transpose()?;
    let agenda = app
        .store
        .agenda(app.user.id, app.user.id, today, through, args.limit, role)
        .await?;
    if app.json {
        return print_json(&AgendaView::from(&agenda));
    }
    // What to send, for the rows shown only, in a fixed number of queries.
    let shown: Vec<ContactId> = agenda.entries.iter().map(|e| e.contact).collect();
    let content = app
        .store
        .recommendations(app.user.id, &shown, today)
        .await?;
    print!("{}", render(&agenda, &content));
    let handoffs = app.store.handoffs(app.user.id, today).await?;
    if !handoffs.incoming.is_empty() {
        println!("\nHANDOFFS (sales-ready, from nurture; rapport handoffs for the whole history)");
        for h in &handoffs.incoming {
            print!("{}", render_handoff(h, AGENDA_HISTORY));
        }
    }
    Ok(())
}

/// How many recent touches of a handoff's nurture history the agenda shows.
const AGENDA_HISTORY: usize = 3;

/// How many recommendations an agenda row shows.
const AGENDA_RECOMMENDATIONS: usize = 2;

pub fn render(agenda: &Agenda, content: &HashMap<ContactId, Recommendations>) -> String {
    let mut out = String::new();
    let weekday = agenda.today.strftime("%a %-d %b %Y");
    let window = if agenda.through == agenda.today {
        String::new()
    } else {
        format!(", {} upcoming through {}", agenda.upcoming, agenda.through)
    };
    out.push_str(&format!(
        "{weekday}: {} overdue, {} due today{window}\n",
        agenda.overdue, agenda.due_today
    ));
    if agenda.entries.is_empty() {
        out.push_str("Nothing due. Log touches as they happen: rapport log NAME --kind call --summary \"…\"\n");
        return out;
    }
    let mut section = None;
    for e in &agenda.entries {
        if section != Some(e.section) {
            section = Some(e.section);
            out.push_str(match e.section {
                Section::Overdue => "\nOVERDUE\n",
                Section::Today => "\nDUE TODAY\n",
                Section::Upcoming => "\nUPCOMING\n",
            });
        }
        let org = e
            .organization
            .as_deref()
            .map(|o| format!(" · {o}"))
            .unwrap_or_default();
        let tier = e.tier.map(|t| format!(" [{t}]")).unwrap_or_default();
        let when = match e.section {
            Section::Today => "today".to_owned(),
            _ => format!(
                "{} ({})",
                e.next_touch.on,
                days_phrase(agenda.today, e.next_touch.on)
            ),
        };
        out.push_str(&format!(
            "  #{:<5} {}{org}{tier} — due {when}\n",
            e.contact, e.name
        ));
        out.push_str(&format!("         why:  {}\n", e.why));
        match &e.last_touch {
            Some(t) => out.push_str(&format!("         last: {}\n", one_line(t))),
            None => out.push_str("         last: no touch logged yet\n"),
        }
        if let Some(found) = content.get(&e.contact) {
            out.push_str(&render_recommendations(
                found,
                AGENDA_RECOMMENDATIONS,
                "         ",
            ));
        }
        for f in e
            .open_follow_ups
            .iter()
            .filter(|f| !e.why.ends_with(&f.text))
        {
            out.push_str(&format!(
                "         follow-up #{} due {}: {}\n",
                f.id, f.due_on, f.text
            ));
        }
    }
    let shown = agenda.entries.len();
    let total = agenda.overdue + agenda.due_today + agenda.upcoming;
    if shown < total {
        out.push_str(&format!(
            "\n… and {} more (raise --limit to see them)\n",
            total - shown
        ));
    }
    out
}

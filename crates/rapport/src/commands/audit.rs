//! `rapport audit`: the audit log as a readable table — when, who, what, and which fields
//! changed from what to what.

use anyhow::Result;
use rapport_store::{AuditEntry, AuditFilter};
use serde_json::Value;

use crate::app::{App, print_json};
use crate::cli::AuditArgs;
use crate::views::AuditEntryView;

pub async fn show(app: &App, args: &AuditArgs) -> Result<()> {
    let contact = match &args.contact {
        Some(reference) => Some(app.store.resolve_contact(reference).await?),
        None => None,
    };
    let filter = AuditFilter {
        contact,
        limit: Some(args.limit),
        ..AuditFilter::default()
    };
    let entries = app.store.audit(app.user.id, &filter).await?;
    if app.json {
        return print_json(&entries.iter().map(AuditEntryView::from).collect::<Vec<_>>());
    }
    if entries.is_empty() {
        println!("Nothing recorded yet.");
    }
    for entry in &entries {
        println!("{}", line(entry));
    }
    Ok(())
}

/// "2026-11-25T12:00:00Z  ann@example.com  update contact #3  tier: B → A; title: – → CEO"
fn line(entry: &AuditEntry) -> String {
    let what = match entry.entity_id {
        Some(id) => format!("{} {} #{id}", entry.action, entry.entity),
        None => format!("{} {}", entry.action, entry.entity),
    };
    let changes = entry
        .changes()
        .iter()
        .map(|c| {
            format!(
                "{}: {} → {}",
                c.field,
                show_value(&c.before),
                show_value(&c.after)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!("{}  {}  {what}  {changes}", entry.at, entry.actor_email)
        .trim_end()
        .to_owned()
}

fn show_value(value: &Value) -> String {
    match value {
        Value::Null => "–".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

//! The lead network: `rapport intro A B`, `rapport network REF`.

use anyhow::Result;

use crate::app::{App, print_json};
use crate::cli::IntroArgs;
use crate::views::{NeighbourView, NetworkView};

pub async fn intro(app: &App, args: &IntroArgs) -> Result<()> {
    let introducer = app.store.resolve_contact(&args.introducer).await?;
    let introduced = app.store.resolve_contact(&args.introduced).await?;
    let on = match &args.on {
        Some(day) => app.date("--on", day)?,
        None => app.today(),
    };
    app.store
        .introduce(app.user.id, introducer, introduced, on, app.now)
        .await?;
    show_network(app, introducer).await
}

pub async fn show(app: &App, reference: &str) -> Result<()> {
    let contact = app.store.resolve_contact(reference).await?;
    show_network(app, contact).await
}

async fn show_network(app: &App, contact: rapport_core::model::ContactId) -> Result<()> {
    let view = NetworkView::from(&app.store.network(contact).await?);
    if app.json {
        return print_json(&view);
    }
    let marker = if view.connector {
        " — connector: brings clients, never bought"
    } else if view.client {
        " — client"
    } else {
        ""
    };
    println!("#{} {}{marker}", view.contact_id, view.name);
    if let Some(source) = &view.source {
        println!("  source: {source}");
    }
    for n in &view.introduced_by {
        println!("  introduced by {}", neighbour(n));
    }
    if view.introduced.is_empty() {
        println!("  introduced nobody yet");
        return Ok(());
    }
    println!("  {}", view.summary);
    for n in &view.introduced {
        println!("    → {}", neighbour(n));
    }
    Ok(())
}

/// "#4 Ben Baker (2026-11-25): client, 3 touches, 40000 won".
fn neighbour(n: &NeighbourView) -> String {
    let client = if n.client { "client, " } else { "" };
    format!(
        "#{} {} ({}): {client}{} touches, {} won",
        n.contact_id, n.name, n.introduced_on, n.touches, n.won_value
    )
}

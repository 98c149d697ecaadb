//! Relationship health and the fortress: `rapport health REF|--org ORG`, `rapport at-risk`.

use anyhow::Result;

use crate::app::{App, print_json};
use crate::cli::HealthArgs;
use crate::views::{ContactHealthView, HealthView, OrganizationHealthView};

pub async fn show(app: &App, args: &HealthArgs) -> Result<()> {
    match (&args.contact, &args.org) {
        (_, Some(org)) => {
            let id = app.store.resolve_organization(org).await?;
            let view = OrganizationHealthView::from(
                &app.store.organization_health(id, app.today()).await?,
            );
            if app.json {
                return print_json(&view);
            }
            println!(
                "#{} {}: health {} of 100",
                view.organization_id, view.name, view.health.score
            );
            print_parts(&view.health);
            for person in &view.people {
                println!(
                    "  #{:<5} {}: {} — {}",
                    person.contact_id, person.name, person.health.score, person.health.explanation
                );
            }
            Ok(())
        }
        (Some(contact), None) => {
            let id = app.store.resolve_contact(contact).await?;
            let view = ContactHealthView::from(&app.store.contact_health(id, app.today()).await?);
            if app.json {
                return print_json(&view);
            }
            println!(
                "#{} {}: health {} of 100",
                view.contact_id, view.name, view.health.score
            );
            print_parts(&view.health);
            for risk in &view.risks {
                println!("  at risk: {risk}");
            }
            Ok(())
        }
        (None, None) => anyhow::bail!("health: name a contact, or an organization with --org"),
    }
}

fn print_parts(health: &HealthView) {
    for part in &health.parts {
        println!(
            "  {:<12} {:>3}/{:<3} {}",
            part.name, part.points, part.max, part.reason
        );
    }
}

pub async fn at_risk(app: &App) -> Result<()> {
    let found = app.store.at_risk(app.today()).await?;
    let views: Vec<ContactHealthView> = found.iter().map(ContactHealthView::from).collect();
    if app.json {
        return print_json(&views);
    }
    if views.is_empty() {
        println!("No valuable relationship (tier A or B) is overdue, falling or single-threaded.");
    }
    for v in &views {
        let org = v
            .organization
            .as_deref()
            .map(|o| format!(" · {o}"))
            .unwrap_or_default();
        let tier = v.tier.as_deref().unwrap_or("-");
        println!(
            "#{:<5} {}{org} [{tier}] health {}",
            v.contact_id, v.name, v.health.score
        );
        for risk in &v.risks {
            println!("         {risk}");
        }
    }
    Ok(())
}

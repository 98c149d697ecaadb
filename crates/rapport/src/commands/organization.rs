use anyhow::Result;
use rapport_core::model::Competitor;
use rapport_store::{CompetitorUpdate, ContactFilter};
use serde::Serialize;

use crate::app::{App, parse, print_json};
use crate::cli::OrganizationCommand;
use crate::views::{CompetitorView, ContactSummaryView, OrganizationView, SuggestionsView};

pub async fn run(app: &App, command: OrganizationCommand) -> Result<()> {
    match command {
        OrganizationCommand::Add { name, domain, tier } => {
            let name = name.trim();
            if name.is_empty() {
                anyhow::bail!("name: an organization name cannot be empty");
            }
            let tier = tier.as_deref().map(|t| parse("--tier", t)).transpose()?;
            let domain = domain
                .map(|d| d.trim().to_lowercase())
                .filter(|d| !d.is_empty());
            let id = app
                .store
                .add_organization(app.user.id, name, domain.as_deref(), tier, app.now)
                .await?;
            if app.json {
                return print_json(&OrganizationView::from(&app.store.organization(id).await?));
            }
            eprintln!("Added organization #{id} {name}");
            println!("{id}");
            Ok(())
        }
        OrganizationCommand::List => {
            let all = app.store.organizations().await?;
            if app.json {
                return print_json(&all.iter().map(OrganizationView::from).collect::<Vec<_>>());
            }
            if all.is_empty() {
                println!(
                    "No organizations. Add one with: rapport org add \"Acme\" --domain acme.example --tier A"
                );
            }
            for o in &all {
                let tier = o.tier.map(|t| format!(" [{t}]")).unwrap_or_default();
                let domain = o
                    .domain
                    .as_deref()
                    .map(|d| format!(" · {d}"))
                    .unwrap_or_default();
                println!(
                    "#{:<5} {}{domain}{tier}  {} contacts",
                    o.id, o.name, o.contact_count
                );
            }
            Ok(())
        }
        OrganizationCommand::Show { organization } => {
            let id = app.store.resolve_organization(&organization).await?;
            let org = app.store.organization(id).await?;
            let filter = ContactFilter {
                organization: Some(id),
                ..ContactFilter::default()
            };
            let people = app.store.list_contacts(&filter).await?;
            let competitors = app.store.competitors(id).await?;
            let suggestions =
                SuggestionsView::of_organization(&app.store.organization_suggestions(id).await?);
            if app.json {
                #[derive(Serialize)]
                struct Shown {
                    #[serde(flatten)]
                    organization: OrganizationView,
                    contacts: Vec<ContactSummaryView>,
                    competitors: Vec<CompetitorView>,
                    suggestions: SuggestionsView,
                }
                return print_json(&Shown {
                    organization: OrganizationView::from(&org),
                    contacts: people.iter().map(ContactSummaryView::from).collect(),
                    competitors: competitors.iter().map(CompetitorView::from).collect(),
                    suggestions,
                });
            }
            let tier = org
                .tier
                .map(|t| match &suggestions.tier_cadence {
                    Some(cycle) => format!(" [tier {t}, default cycle {cycle}]"),
                    None => format!(" [tier {t}]"),
                })
                .unwrap_or_default();
            let domain = org
                .domain
                .as_deref()
                .map(|d| format!(" · {d}"))
                .unwrap_or_default();
            println!("#{} {}{domain}{tier}", org.id, org.name);
            println!(
                "  suggested tier {}: {}",
                suggestions.tier.value, suggestions.tier.reason
            );
            if people.is_empty() {
                println!(
                    "  nobody yet: rapport contact add NAME --org \"{}\"",
                    org.name
                );
            }
            for c in &people {
                println!(
                    "  #{:<5} {}  next {} ({})",
                    c.id, c.name, c.next_touch.on, c.next_touch.source
                );
            }
            for c in &competitors {
                println!("  {}", competitor_line(c));
            }
            Ok(())
        }
        OrganizationCommand::Competitor(args) => {
            let id = app.store.resolve_organization(&args.organization).await?;
            let renews_on = args
                .renews
                .as_deref()
                .map(|day| app.date("--renews", day))
                .transpose()?;
            if args.name.trim().is_empty() {
                anyhow::bail!("--name: a competitor needs a name");
            }
            let update = CompetitorUpdate {
                name: args.name,
                renews_on,
                dissatisfactions: args.dissatisfactions,
            };
            let recorded = app
                .store
                .record_competitor(app.user.id, id, update, app.now)
                .await?;
            if app.json {
                return print_json(&CompetitorView::from(&recorded));
            }
            println!("{}", competitor_line(&recorded));
            Ok(())
        }
    }
}

/// "incumbent Globex, renews 2027-05-01; unhappy with: slow support".
fn competitor_line(c: &Competitor) -> String {
    let renews = c
        .renews_on
        .map(|d| format!(", renews {d}"))
        .unwrap_or_default();
    let unhappy = if c.dissatisfactions.is_empty() {
        String::new()
    } else {
        format!("; unhappy with: {}", c.dissatisfactions.join("; "))
    };
    format!("incumbent {}{renews}{unhappy}", c.name)
}

use anyhow::{Context, Result};
use rapport_core::fit::employee_count;
use rapport_core::model::{Competitor, Organization, non_blank};
use rapport_store::{CompetitorUpdate, ContactFilter, OrganizationPatch};
use serde::Serialize;

use crate::app::{App, parse, parse_clearable, print_json};
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
        OrganizationCommand::List { sort } => {
            let all: Vec<(Organization, Option<Option<u8>>)> = match sort.trim() {
                "name" => {
                    let found = app.store.organizations().await?;
                    found.into_iter().map(|o| (o, None)).collect()
                }
                "fit" => {
                    let scored = app.store.organizations_by_fit().await?;
                    scored.into_iter().map(|(o, fit)| (o, Some(fit))).collect()
                }
                other => anyhow::bail!("--sort: expected name or fit, got '{other}'"),
            };
            if app.json {
                return print_json(
                    &all.iter()
                        .map(|(o, fit)| match fit {
                            Some(fit) => OrganizationView::with_fit(o, *fit),
                            None => OrganizationView::from(o),
                        })
                        .collect::<Vec<_>>(),
                );
            }
            if all.is_empty() {
                println!(
                    "No organizations. Add one with: rapport org add \"Acme\" --domain acme.example --tier A"
                );
            }
            for (o, fit) in &all {
                let fit = match fit {
                    None => String::new(),
                    Some(Some(score)) => format!("fit {score:>3}  "),
                    Some(None) => "fit   -  ".to_owned(),
                };
                let tier = o.tier.map(|t| format!(" [{t}]")).unwrap_or_default();
                let domain = o
                    .domain
                    .as_deref()
                    .map(|d| format!(" · {d}"))
                    .unwrap_or_default();
                println!(
                    "{fit}#{:<5} {}{domain}{tier}  {} contacts",
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
            let profile: Vec<String> = [
                org.industry.clone(),
                org.size
                    .map(|n| format!("{} employees", rapport_core::fit::grouped(n))),
                org.region.clone(),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !profile.is_empty() {
                println!("  profile  {}", profile.join(", "));
            }
            for (key, value) in &org.fields {
                println!("  field    {key}: {value}");
            }
            print!(
                "{}",
                crate::commands::profile::fit_lines(app.store.organization_fit(id).await?.as_ref())
            );
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
        OrganizationCommand::Edit(args) => {
            let id = app.store.resolve_organization(&args.organization).await?;
            let text = |value: Option<String>| {
                value.map(|v| non_blank(Some(v)).filter(|v| !v.eq_ignore_ascii_case("none")))
            };
            let size = match args.size.as_deref().map(str::trim) {
                None => None,
                Some(v) if v.is_empty() || v.eq_ignore_ascii_case("none") => Some(None),
                Some(v) => Some(Some(employee_count(v).context("--size")?)),
            };
            let (set_fields, remove_fields) =
                crate::commands::profile::custom_fields(&args.set_fields, &args.unset_fields)?;
            if args.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                anyhow::bail!("--name: an organization name cannot be empty");
            }
            let tier = args
                .tier
                .as_deref()
                .map(|t| parse_clearable("--tier", t))
                .transpose()?;
            for (flag, value) in [("--industry", &args.industry), ("--region", &args.region)] {
                if value
                    .as_deref()
                    .is_some_and(|v| v.chars().count() > 200 || v.contains(['\n', '\r']))
                {
                    anyhow::bail!("{flag}: one line of at most 200 characters");
                }
            }
            let patch = OrganizationPatch {
                name: args.name,
                domain: text(args.domain),
                tier,
                industry: text(args.industry),
                size,
                region: text(args.region),
                set_fields,
                remove_fields,
                expected_version: None,
            };
            app.store
                .edit_organization(app.user.id, id, patch, app.now)
                .await?;
            let org = app.store.organization(id).await?;
            if app.json {
                return print_json(&OrganizationView::from(&org));
            }
            println!("Updated #{} {}", org.id, org.name);
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

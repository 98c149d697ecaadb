use anyhow::{Result, bail};
use rapport_core::{Cadence, DefaultScope};
use rapport_store::ContactPatch;
use serde::Serialize;

use crate::app::{App, parse, parse_clearable, print_json};
use crate::cli::{CadenceCommand, DefaultArgs};
use crate::views::{CadenceDefaultView, CadenceView};

pub async fn run(app: &App, command: CadenceCommand) -> Result<()> {
    match command {
        CadenceCommand::Set { contact, cadence } => {
            let own = if cadence.trim().eq_ignore_ascii_case("inherit") {
                None
            } else {
                parse_clearable::<Cadence>("cadence", &cadence)?
            };
            let id = app.store.resolve_contact(&contact).await?;
            let patch = ContactPatch {
                cadence: Some(own),
                ..ContactPatch::default()
            };
            app.store
                .edit_contact(app.user.id, id, patch, app.now, app.today())
                .await?;
            let c = app.store.contact(id).await?;
            if app.json {
                #[derive(Serialize)]
                struct Set {
                    contact_id: i64,
                    cadence: CadenceView,
                    next_touch_on: String,
                }
                return print_json(&Set {
                    contact_id: id.0,
                    cadence: CadenceView::new(c.effective_cadence, &c.cadence_source),
                    next_touch_on: c.next_touch.on.to_string(),
                });
            }
            println!(
                "#{id} {}: {}, {}; next touch {}",
                c.name,
                c.effective_cadence.describe(),
                c.cadence_source,
                c.next_touch.on
            );
            Ok(())
        }
        CadenceCommand::Default(args) => default(app, args).await,
    }
}

fn scope(args: &DefaultArgs) -> Result<Option<DefaultScope>> {
    Ok(if let Some(t) = &args.tier {
        Some(DefaultScope::Tier(parse("--tier", t)?))
    } else if let Some(s) = &args.stage {
        Some(DefaultScope::Stage(parse("--stage", s)?))
    } else if let Some(r) = &args.role {
        Some(DefaultScope::Role(parse("--role", r)?))
    } else if let Some(h) = &args.horizon {
        Some(DefaultScope::Horizon(parse("--horizon", h)?))
    } else if args.fallback {
        Some(DefaultScope::Fallback)
    } else {
        None
    })
}

async fn default(app: &App, args: DefaultArgs) -> Result<()> {
    match (scope(&args)?, &args.cadence) {
        (Some(scope), Some(text)) => {
            let cadence = parse_clearable::<Cadence>("cadence", text)?;
            if scope == DefaultScope::Fallback && cadence.is_none() {
                bail!("the fallback cadence cannot be removed: every contact needs a cycle");
            }
            let moved = app
                .store
                .set_cadence_default(app.user.id, scope, cadence, app.now)
                .await?;
            if !app.json {
                match cadence {
                    Some(c) => println!(
                        "Default for {scope}: {}. {moved} contacts rescheduled.",
                        c.describe()
                    ),
                    None => println!("Default for {scope} removed. {moved} contacts rescheduled."),
                }
                return Ok(());
            }
        }
        (Some(_), None) => bail!("give a cadence (30d, 6w, 3m) or \"none\" to remove the default"),
        (None, Some(_)) => {
            bail!("say which default: --tier, --stage, --role, --horizon or --fallback")
        }
        (None, None) => {}
    }
    let defaults = app.store.cadence_defaults().await?;
    let entries = defaults.entries();
    if app.json {
        return print_json(
            &entries
                .iter()
                .map(|(scope, c)| CadenceDefaultView::new(*scope, *c))
                .collect::<Vec<_>>(),
        );
    }
    println!(
        "Default cadences (a contact's own cadence wins, then tier, stage, role, horizon, fallback):"
    );
    for (scope, c) in entries {
        println!("  {:<20} {}", scope.to_string(), c.describe());
    }
    Ok(())
}

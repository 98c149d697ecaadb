//! The ideal client profile: `icp list|add|remove`, `fit`, and the custom-field flags the
//! contact and organization edits share.

use anyhow::{Context, Result, bail};
use rapport_core::fit::{Criterion, FieldChanges, FieldKey, Fit, Test, field_value};
use rapport_store::{StoreError, StoredCriterion};

use crate::app::{App, parse, print_json};
use crate::cli::{FitArgs, IcpCommand};
use crate::views::{CriterionView, FitView, NO_SCORE};

pub async fn icp(app: &App, command: IcpCommand) -> Result<()> {
    match command {
        IcpCommand::List => {
            let all = app.store.icp_criteria().await?;
            if app.json {
                return print_json(&all.iter().map(CriterionView::from).collect::<Vec<_>>());
            }
            if all.is_empty() {
                println!(
                    "No ideal client profile yet. An admin adds criteria with: \
                     rapport icp add industry \"Software\" --weight 3"
                );
            }
            for c in &all {
                println!("{}", criterion_line(c));
            }
            Ok(())
        }
        IcpCommand::Add {
            field,
            value,
            weight,
        } => {
            let test = Test::parse(&field, &value).map_err(|e| match e {
                rapport_core::fit::FitError::UnknownField(_) => anyhow::anyhow!("field: {e}"),
                other => anyhow::anyhow!("value: {other}"),
            })?;
            let criterion = Criterion {
                test,
                weight: parse("--weight", &weight)?,
            };
            let id = app
                .store
                .add_icp_criterion(app.user.id, &criterion, app.now)
                .await?;
            let stored = StoredCriterion { id, criterion };
            if app.json {
                return print_json(&CriterionView::from(&stored));
            }
            println!("Added {}", criterion_line(&stored));
            Ok(())
        }
        IcpCommand::Remove { id } => {
            let id = id
                .trim()
                .trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!("id: expected a criterion id from `rapport icp list`, got '{id}'")
                })?;
            app.store
                .remove_icp_criterion(app.user.id, id, app.now)
                .await?;
            println!("Removed criterion #{id}");
            Ok(())
        }
    }
}

/// "#3 industry is one of Software, Logistics (weight 3)".
fn criterion_line(c: &StoredCriterion) -> String {
    let test = &c.criterion.test;
    let what = match test {
        Test::Size { .. } => format!("size {} employees", test.value()),
        Test::Tag(tag) => format!("tagged {tag}"),
        _ => format!("{} is one of {}", test.field(), test.value()),
    };
    format!("#{:<4} {what} (weight {})", c.id, c.criterion.weight)
}

pub async fn fit(app: &App, args: &FitArgs) -> Result<()> {
    let (name, fit) = if args.org {
        let id = app.store.resolve_organization(&args.reference).await?;
        let org = app.store.organization(id).await?;
        (org.name, app.store.organization_fit(id).await?)
    } else {
        match app.store.resolve_contact(&args.reference).await {
            Ok(id) => {
                let contact = app.store.contact(id).await?;
                (contact.name, app.store.contact_fit(id).await?)
            }
            // Not a contact: an organization by that name is what was meant.
            Err(StoreError::ContactNotFound(_)) => {
                let id = app
                    .store
                    .resolve_organization(&args.reference)
                    .await
                    .with_context(|| {
                        format!("no contact or organization matches '{}'", args.reference)
                    })?;
                let org = app.store.organization(id).await?;
                (org.name, app.store.organization_fit(id).await?)
            }
            Err(other) => return Err(other.into()),
        }
    };
    if app.json {
        return print_json(&FitView::new(fit.as_ref()));
    }
    println!("{name}");
    print!("{}", fit_lines(fit.as_ref()));
    Ok(())
}

/// "  fit      67/100 (4 of 6)" and a line per reason, or why there is no score.
pub fn fit_lines(fit: Option<&Fit>) -> String {
    match fit {
        None => format!("  fit      {NO_SCORE}\n"),
        Some(f) => {
            let mut out = format!(
                "  fit      {}/100 ({} of {})\n",
                f.score, f.earned, f.possible
            );
            for reason in &f.reasons {
                out.push_str(&format!("           {reason}\n"));
            }
            out
        }
    }
}

/// `--field KEY=VALUE` and `--unset-field KEY`, parsed: what to set and what to remove.
pub fn custom_fields(set: &[String], unset: &[String]) -> Result<FieldChanges> {
    let set = set
        .iter()
        .map(|pair| {
            let Some((key, value)) = pair.split_once('=') else {
                bail!("--field: expected KEY=VALUE, got '{pair}'");
            };
            let key: FieldKey = parse("--field", key)?;
            let value = field_value(value).with_context(|| format!("--field {key}"))?;
            Ok((key, value))
        })
        .collect::<Result<Vec<_>>>()?;
    let unset = unset
        .iter()
        .map(|key| parse("--unset-field", key))
        .collect::<Result<Vec<FieldKey>>>()?;
    Ok((set, unset))
}

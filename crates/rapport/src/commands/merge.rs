//! `rapport duplicates` and `rapport merge A B`.

use anyhow::{Context, Result};

use crate::app::{App, print_json};
use crate::cli::{DuplicatesArgs, MergeArgs};
use crate::views::{ContactSummaryView, DuplicatePairView, MergeView};

pub async fn duplicates(app: &App, args: &DuplicatesArgs) -> Result<()> {
    let pairs = app.store.duplicates(args.limit).await?;
    let views: Vec<DuplicatePairView> = pairs.iter().map(DuplicatePairView::from).collect();
    if app.json {
        return print_json(&views);
    }
    if views.is_empty() {
        println!("No likely duplicates.");
    }
    for pair in &views {
        let evidence: Vec<&str> = pair
            .evidence
            .iter()
            .map(|e| e.description.as_str())
            .collect();
        println!(
            "{}  ⟷  {}: {}",
            line(&pair.first),
            line(&pair.second),
            evidence.join("; ")
        );
    }
    if let Some(pair) = views.first() {
        println!(
            "\nMerge one into the other with `rapport merge {} {}` (the second is archived).",
            pair.first.id, pair.second.id
        );
    }
    Ok(())
}

fn line(c: &ContactSummaryView) -> String {
    let org = c
        .organization
        .as_deref()
        .map(|o| format!(" · {o}"))
        .unwrap_or_default();
    format!("#{} {}{org}", c.id, c.name)
}

pub async fn merge(app: &App, args: &MergeArgs) -> Result<()> {
    let survivor = app
        .store
        .resolve_contact(&args.survivor)
        .await
        .context("survivor")?;
    let duplicate = app
        .store
        .resolve_contact(&args.duplicate)
        .await
        .context("duplicate")?;
    let merged = app
        .store
        .merge_contacts(app.user.id, survivor, duplicate, app.now)
        .await?;
    let view = MergeView::from(&merged);
    if app.json {
        return print_json(&view);
    }
    let m = &view.moved;
    println!(
        "Merged #{} into #{} (#{} is archived). Moved: {} touches, {} follow-ups, {} \
         opportunities, {} stage changes, {} roles, {} emails, {} phones, {} tags, {} \
         custom fields, {} introductions.",
        view.merged_id,
        view.survivor_id,
        view.merged_id,
        m.touches,
        m.follow_ups,
        m.opportunities,
        m.stage_changes,
        m.roles,
        m.emails,
        m.phones,
        m.tags,
        m.fields,
        m.introductions
    );
    println!(
        "Next touch with #{}: {} ({}).",
        view.survivor_id, view.next_touch_on, view.next_touch_source
    );
    Ok(())
}

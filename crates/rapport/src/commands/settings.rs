use anyhow::Result;
use rapport_core::when::tz_name;
use rapport_store::RulesPatch;
use serde::Serialize;

use crate::app::{App, parse, parse_clearable, print_json, zone};
use crate::cli::SettingsArgs;
use crate::commands::opportunity::render_rules;
use crate::views::RelationshipRulesView;

#[derive(Serialize)]
struct SettingsView {
    user: String,
    time_zone: String,
    time_zone_saved: Option<String>,
    today: String,
    schema_version: i64,
    relationship_rules: RelationshipRulesView,
}

/// The relationship-rule flags given, if any.
fn rules_patch(args: &SettingsArgs) -> Result<Option<RulesPatch>> {
    let patch = RulesPatch {
        won_stage: args
            .won_stage
            .as_deref()
            .map(|s| parse("--won-stage", s))
            .transpose()?,
        won_role: args
            .won_role
            .as_deref()
            .map(|r| parse_clearable("--won-role", r))
            .transpose()?,
        won_cadence: args
            .won_cadence
            .as_deref()
            .map(|c| parse("--won-cadence", c))
            .transpose()?,
        lost_stage: args
            .lost_stage
            .as_deref()
            .map(|s| parse("--lost-stage", s))
            .transpose()?,
        lost_role: args
            .lost_role
            .as_deref()
            .map(|r| parse_clearable("--lost-role", r))
            .transpose()?,
        lost_cadence: args
            .lost_cadence
            .as_deref()
            .map(|c| parse("--lost-cadence", c))
            .transpose()?,
        renewal_lead: args
            .renewal_lead
            .as_deref()
            .map(|d| parse("--renewal-lead", d))
            .transpose()?,
        tier_values: args
            .tier_values
            .as_deref()
            .map(|v| parse("--tier-values", v))
            .transpose()?,
    };
    let given = [
        &args.won_stage,
        &args.won_role,
        &args.won_cadence,
        &args.lost_stage,
        &args.lost_role,
        &args.lost_cadence,
        &args.renewal_lead,
        &args.tier_values,
    ]
    .iter()
    .any(|flag| flag.is_some());
    Ok(given.then_some(patch))
}

pub async fn run(app: &App, args: SettingsArgs) -> Result<()> {
    // Every flag is checked before anything is written.
    let patch = rules_patch(&args)?;
    if let Some(name) = args.time_zone.as_deref().map(str::trim)
        && !name.eq_ignore_ascii_case("system")
    {
        zone(name)?;
    }
    let rules = match patch {
        Some(patch) => {
            app.store
                .change_relationship_rules(app.user.id, patch, app.now)
                .await?
        }
        None => app.store.relationship_rules().await?,
    };
    let mut saved = app.user.time_zone.clone();
    if let Some(name) = &args.time_zone {
        let name = name.trim();
        saved = if name.eq_ignore_ascii_case("system") {
            None
        } else {
            Some(name.to_owned())
        };
        app.store
            .set_time_zone(app.user.id, app.user.id, saved.as_deref(), app.now)
            .await?;
    }
    // The zone just saved, else what this run uses (--tz wins over the saved zone, as for
    // every other command).
    let (tz, source) = match (&saved, app.tz_from_flag && args.time_zone.is_none()) {
        (_, true) => (app.tz.clone(), "from --tz"),
        (Some(name), false) => (zone(name)?, "saved"),
        (None, false) => (jiff::tz::TimeZone::system(), "the system's"),
    };
    let view = SettingsView {
        user: app.user.email.clone(),
        time_zone: tz_name(&tz),
        time_zone_saved: saved,
        today: rapport_core::when::today(app.now, &tz).to_string(),
        schema_version: app.store.schema_version().await?,
        relationship_rules: RelationshipRulesView::from(&rules),
    };
    if app.json {
        return print_json(&view);
    }
    println!("user            {}", view.user);
    println!("time zone       {} ({source})", view.time_zone);
    println!("today           {}", view.today);
    println!("schema version  {}", view.schema_version);
    print!("{}", render_rules(&rules));
    Ok(())
}

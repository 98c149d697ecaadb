use anyhow::Result;
use rapport_core::when::tz_name;
use serde::Serialize;

use crate::app::{App, print_json, zone};
use crate::cli::SettingsArgs;

#[derive(Serialize)]
struct SettingsView {
    user: String,
    time_zone: String,
    time_zone_saved: Option<String>,
    today: String,
    schema_version: i64,
}

pub async fn run(app: &App, args: SettingsArgs) -> Result<()> {
    let mut saved = app.user.time_zone.clone();
    if let Some(name) = &args.time_zone {
        let name = name.trim();
        saved = if name.eq_ignore_ascii_case("system") {
            None
        } else {
            zone(name)?;
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
    };
    if app.json {
        return print_json(&view);
    }
    println!("user            {}", view.user);
    println!("time zone       {} ({source})", view.time_zone);
    println!("today           {}", view.today);
    println!("schema version  {}", view.schema_version);
    Ok(())
}

//! What every command needs: the store, the acting user, their time zone and the clock.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_core::model::User;
use rapport_core::when;
use rapport_store::{OpenOptions, Store};

use crate::cli::Global;

#[derive(Debug)]
pub struct App {
    pub store: Store,
    /// Where the database is, as given or defaulted (for messages).
    pub location: String,
    /// Who is acting: `--as`, else the database's first user.
    pub user: User,
    pub tz: TimeZone,
    /// Whether `--tz` (or `RAPPORT_TZ`) chose the zone, rather than the saved setting.
    pub tz_from_flag: bool,
    pub now: Timestamp,
    pub json: bool,
}

impl App {
    /// Opens the database (`--db`, else `default`) and settles who is acting, where and when.
    /// A disabled user acts nowhere: a command run as one is refused.
    pub async fn open(global: &Global, default: impl FnOnce() -> Result<PathBuf>) -> Result<App> {
        let app = App::open_with(global, default, OpenOptions::default()).await?;
        app.refuse_disabled_user(ActingAs::of(global)).await?;
        Ok(app)
    }

    /// [`App::open`] with a pool sized for the caller (the server wants several connections),
    /// and whoever the acting user is: a server acts as each request's user, and uses this
    /// one's only for its time zone.
    pub async fn open_with(
        global: &Global,
        default: impl FnOnce() -> Result<PathBuf>,
        options: OpenOptions,
    ) -> Result<App> {
        let location = location(global, default)?;
        let store = Store::open(&location, options).await?;
        let user = match &global.as_user {
            Some(reference) => {
                let source = ActingAs::of(global).source();
                store.resolve_user(reference).await.context(source)?.user
            }
            None => store.local_user().await?,
        };
        let tz = match global.tz.as_deref().or(user.time_zone.as_deref()) {
            Some(name) => zone(name).with_context(|| "--tz")?,
            None => TimeZone::system(),
        };
        let now = match &global.now {
            Some(text) => fixed_clock(text, &tz).context("--now")?,
            None => Timestamp::now(),
        };
        Ok(App {
            store,
            location,
            user,
            tz_from_flag: global.tz.is_some(),
            tz,
            now,
            json: global.json,
        })
    }

    /// Refuses to act as a disabled user, naming where they came from and how to go on.
    async fn refuse_disabled_user(&self, acting_as: ActingAs) -> Result<()> {
        let account = self.store.user(self.user.id).await?;
        if account.disabled_at.is_none() {
            return Ok(());
        }
        let (id, email) = (self.user.id, &self.user.email);
        let enable =
            format!("an admin enables them again with `rapport --as ADMIN user enable {email}`");
        match acting_as {
            ActingAs::Flag => bail!("--as: user #{id} {email} is disabled; {enable}"),
            ActingAs::Environment => bail!(
                "RAPPORT_USER: user #{id} {email} is disabled; {enable}, or act as another user \
                 with --as EMAIL (or RAPPORT_USER)"
            ),
            ActingAs::FirstUser => bail!(
                "user #{id} {email}, the database's first user, whom commands act as without \
                 --as or RAPPORT_USER, is disabled; act as another user with --as EMAIL ({enable})"
            ),
        }
    }

    /// The user's calendar day.
    pub fn today(&self) -> Date {
        when::today(self.now, &self.tz)
    }

    /// A day as the user types it, relative to their today.
    pub fn date(&self, flag: &str, text: &str) -> Result<Date> {
        when::parse_date(text, self.today()).with_context(|| flag.to_owned())
    }
}

/// Who a command acts as, by where that came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActingAs {
    /// `--as EMAIL`.
    Flag,
    /// `RAPPORT_USER`.
    Environment,
    /// Neither: the database's first user.
    FirstUser,
}

impl ActingAs {
    fn of(global: &Global) -> ActingAs {
        match (&global.as_user, global.as_user_source) {
            (None, _) => ActingAs::FirstUser,
            (Some(_), Some(clap::parser::ValueSource::EnvVariable)) => ActingAs::Environment,
            (Some(_), _) => ActingAs::Flag,
        }
    }

    /// What a message about the user names first.
    fn source(self) -> &'static str {
        match self {
            ActingAs::Flag | ActingAs::FirstUser => "--as",
            ActingAs::Environment => "RAPPORT_USER",
        }
    }
}

/// The clock `--now` fixes. A bare day is that day's local noon whatever the real date, so a
/// fixed clock gives the same instants on every run (`parse_instant` reads a bare day that
/// happens to be the real today as "now").
fn fixed_clock(text: &str, tz: &TimeZone) -> Result<Timestamp> {
    let text = text.trim();
    // jiff reads a date out of a date-time too; only a bare day means noon.
    match text.parse::<Date>() {
        Ok(day) if !text.contains(['T', 't', ' ']) => Ok(day
            .at(12, 0, 0, 0)
            .to_zoned_datetime(tz.clone())?
            .timestamp()),
        _ => Ok(when::parse_instant(text, Timestamp::now(), tz)?),
    }
}

pub fn zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| {
        anyhow!("unknown time zone '{name}' (expected an IANA name such as Europe/Paris)")
    })
}

/// `<platform data dir>/rapport/<file>`: ~/.local/share/rapport on Linux.
/// Where the database is: `--db`, else `default`.
pub fn location(global: &Global, default: impl FnOnce() -> Result<PathBuf>) -> Result<String> {
    Ok(match &global.db {
        Some(location) => location.clone(),
        None => default()?.to_string_lossy().into_owned(),
    })
}

pub fn data_file(file: &str) -> Result<PathBuf> {
    let dir = dirs::data_dir()
        .ok_or_else(|| anyhow!("cannot find a data directory for this user; pass --db PATH"))?;
    Ok(dir.join("rapport").join(file))
}

/// Parses a flag's value into a domain type; the error names the flag.
pub fn parse<T>(flag: &str, text: &str) -> Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse::<T>().with_context(|| flag.to_owned())
}

/// Like [`parse`], for a field that "none" clears.
pub fn parse_clearable<T>(flag: &str, text: &str) -> Result<Option<T>>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    if text.trim().eq_ignore_ascii_case("none") || text.trim().is_empty() {
        Ok(None)
    } else {
        parse(flag, text).map(Some)
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

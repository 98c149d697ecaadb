//! One module per noun; each function is a verb. Commands parse their flags into domain types
//! (so errors name the flag), call the store, and print text or `--json`.

mod agenda;
mod audit;
mod backup;
mod cadence;
mod contact;
mod export;
mod health;
mod import;
mod merge;
mod network;
mod nurture;
mod opportunity;
mod organization;
mod playbook;
mod profile;
mod search;
mod serve;
mod settings;
mod touch;
mod user;

use anyhow::Result;

use crate::app::{self, App};
use crate::cli::{Cli, Command, ServeArgs};

pub async fn run(cli: Cli) -> Result<()> {
    let Cli { global, command } = cli;
    // Demo data goes into its own file unless --db says otherwise, so a real database is never
    // filled with made-up people.
    let default_file = if matches!(command, Command::Demo(_)) {
        "demo.db"
    } else {
        "rapport.db"
    };
    if matches!(command, Command::Generate(_)) && global.db.is_none() {
        // A million made-up people must never land in the user's own database by default.
        anyhow::bail!("generate: name the new database with --db PATH|URL");
    }
    if let Command::Serve(args) = &command {
        return serve::run(&global, args, default_file, None).await;
    }
    if let Command::Restore(args) = &command {
        // Not through the store: the database being replaced must have no connection open.
        let location = app::location(&global, || app::data_file(default_file))?;
        return backup::restore(&location, args).await;
    }
    let app = App::open(&global, || app::data_file(default_file)).await?;
    match command {
        Command::Contact(command) => contact::run(&app, command).await,
        Command::Organization(command) => organization::run(&app, command).await,
        Command::Log(args) => touch::log(&app, args).await,
        Command::Hold(args) => touch::hold(&app, args).await,
        Command::Unhold { contact } => touch::unhold(&app, &contact).await,
        Command::FollowUp(command) => touch::follow_up(&app, command).await,
        Command::Cadence(command) => cadence::run(&app, command).await,
        Command::Opportunity(command) => opportunity::run(&app, command).await,
        Command::Intro(args) => network::intro(&app, &args).await,
        Command::Network { contact } => network::show(&app, &contact).await,
        Command::Health(args) => health::show(&app, &args).await,
        Command::AtRisk => health::at_risk(&app).await,
        Command::Forecast(args) => opportunity::forecast(&app, &args).await,
        Command::Today(args) => agenda::show(&app, 0, &args).await,
        Command::Agenda(args) => agenda::show(&app, args.days, &args.agenda).await,
        Command::Settings(args) => settings::run(&app, args).await,
        // Opened and run above, with a pool sized for a server.
        Command::Serve(_) => Ok(()),
        Command::User(command) => user::run(&app, command).await,
        Command::Token(command) => user::token(&app, command).await,
        Command::Audit(args) => audit::show(&app, &args).await,
        Command::Demo(args) => {
            crate::demo::run(&app, &args).await?;
            if args.no_serve || app.json {
                return Ok(());
            }
            // The demo's own file (no --db) only ever holds the demo, whichever version of
            // Rapport filled it.
            let demo_file = global.db.is_none();
            if !crate::demo::ensure_login(&app, demo_file).await? {
                eprintln!(
                    "\nThis database was not made by `rapport demo`, so no demo login was added; \
                     to open it in the browser, add a user and run `rapport serve`."
                );
                return Ok(());
            }
            app.store.close().await;
            let serve = ServeArgs {
                bind: args.bind,
                secure_cookies: false,
                connections: crate::cli::DEFAULT_SERVER_CONNECTIONS,
            };
            let greeting = format!(
                "Open it in your browser and log in as {} with the password {}",
                crate::demo::DEMO_EMAIL,
                crate::demo::DEMO_PASSWORD
            );
            serve::run(&global, &serve, default_file, Some(&greeting)).await
        }
        Command::Generate(args) => crate::generate::run(&app, &args).await,
        Command::Playbook(args) => playbook::run(&app, args).await,
        Command::Checklist(args) => playbook::checklist(&app, &args).await,
        Command::Export(args) => export::run(&app, &args).await,
        Command::Import(args) => import::run(&app, &args).await,
        Command::Backup(args) => backup::backup(&app, &args).await,
        Command::Search(args) => search::run(&app, &args).await,
        Command::Duplicates(args) => merge::duplicates(&app, &args).await,
        Command::Merge(args) => merge::merge(&app, &args).await,
        Command::Icp(command) => profile::icp(&app, command).await,
        Command::Fit(args) => profile::fit(&app, &args).await,
        // Run above, without opening the store.
        Command::Restore(_) => Ok(()),
        Command::Content(command) => nurture::content(&app, command).await,
        Command::Interests(args) => nurture::interests(&app, args).await,
        Command::Recommend(args) => nurture::recommend(&app, &args).await,
        Command::Send(args) => nurture::send(&app, args).await,
        Command::Ready(args) => nurture::ready(&app, args).await,
        Command::Handoffs => nurture::handoffs(&app).await,
        Command::Nurture(command) => nurture::run(&app, command).await,
    }
}

/// Today's agenda, as `rapport today` prints it.
pub async fn show_today(app: &App, args: &crate::cli::AgendaArgs) -> Result<()> {
    agenda::show(app, 0, args).await
}

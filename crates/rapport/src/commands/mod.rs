//! One module per noun; each function is a verb. Commands parse their flags into domain types
//! (so errors name the flag), call the store, and print text or `--json`.

mod agenda;
mod audit;
mod cadence;
mod contact;
mod health;
mod network;
mod opportunity;
mod organization;
mod serve;
mod settings;
mod touch;
mod user;

use anyhow::Result;

use crate::app::{self, App};
use crate::cli::{Cli, Command};

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
        return serve::run(&global, args).await;
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
        Command::Demo(args) => crate::demo::run(&app, &args).await,
        Command::Generate(args) => crate::generate::run(&app, &args).await,
    }
}

/// Today's agenda, as `rapport today` prints it.
pub async fn show_today(app: &App, args: &crate::cli::AgendaArgs) -> Result<()> {
    agenda::show(app, 0, args).await
}

//! `rapport`: the relationship-first CRM. This binary is a thin shell: it parses the command
//! line, opens the store the URL names, and hands over to the commands.

mod app;
mod cli;
mod commands;
mod demo;
mod views;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that names the problem, with its causes: "error: --tier: unknown tier…"
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

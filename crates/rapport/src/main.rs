//! `rapport`: the relationship-first CRM. This binary is a thin shell: it parses the command
//! line, opens the store the URL names, and hands over to the commands.

mod app;
mod cli;
mod commands;
mod demo;
mod generate;
mod views;

use std::process::ExitCode;

use clap::Parser;

// mimalloc rather than the system allocator: a bulk load hands millions of small strings from
// the thread that builds rows to sqlx's SQLite worker thread, and glibc's malloc spent a quarter
// of the load's time consolidating them (perf, docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A command is one request: one thread. The server answers many at once.
    let serves = match &cli.command {
        cli::Command::Serve(_) => true,
        cli::Command::Demo(args) => !args.no_serve && !cli.global.json,
        _ => false,
    };
    let mut builder = if serves {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line — "--tier: unknown tier 'Z' (expected one of: A, B,
/// C, D)" — skipping a cause whose words are already there (drivers often repeat their
/// source in their own message).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

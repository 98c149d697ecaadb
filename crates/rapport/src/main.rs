//! `rapport`: the relationship-first CRM. This binary is a thin shell: it parses the command
//! line, opens the store the URL names, and hands over to the commands.

mod app;
mod cli;
mod commands;
mod demo;
mod generate;
mod views;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

// mimalloc rather than the system allocator: a bulk load hands millions of small strings from
// the thread that builds rows to sqlx's SQLite worker thread, and glibc's malloc spent a quarter
// of the load's time consolidating them (perf, docs/benchmarks.md). Its `override` feature
// (Cargo.toml) gives the bundled SQLite mimalloc's `malloc` too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `Cli::parse()`, keeping the matches to tell `--as` from `RAPPORT_USER`.
    let matches = cli::Cli::command().get_matches();
    let mut cli = cli::Cli::from_arg_matches(&matches)
        .unwrap_or_else(|err| err.format(&mut cli::Cli::command()).exit());
    cli.global.as_user_source = matches.value_source("as_user");
    // A command is one request: one thread. The server answers many at once.
    let serves = match &cli.command {
        cli::Command::Serve(_) => true,
        cli::Command::Demo(args) => !args.no_serve && !cli.global.json,
        _ => false,
    };
    #[cfg(unix)]
    if !serves {
        stop_quietly_on_a_closed_pipe();
    }
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

/// `rapport contact list | head -1`: once the reader has gone, a command should end the way
/// every Unix tool does, killed by SIGPIPE, rather than panic in its next `println!` (Rust
/// ignores SIGPIPE, so the write fails and `println!` panics). The server keeps ignoring it:
/// a client that hangs up must not stop it.
#[cfg(unix)]
#[expect(
    unsafe_code,
    reason = "restoring a signal's default action has no safe interface"
)]
fn stop_quietly_on_a_closed_pipe() {
    // SAFETY: runs first in `main`, before any other thread exists, and SIG_DFL is a valid
    // action for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
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

//! `rapport user` and `rapport token`: accounts for the team server. Passwords are read from
//! a prompt (or a line of standard input when it is not a terminal), never from an argument,
//! and stored as argon2id hashes; a token is printed once and stored as its SHA-256.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, Result, bail};
use rapport_core::{EmailAddress, UserRole, when};
use rapport_server::auth;
use rapport_server::views::{ApiTokenView, ReassignView, UserView};
use rapport_store::NewUser;
use serde::Serialize;

use crate::app::{App, parse, print_json};
use crate::cli::{TokenCommand, UserCommand};

/// Shorter passwords are refused.
const MIN_PASSWORD_CHARS: usize = 12;

pub async fn run(app: &App, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add { email, name, role } => add(app, &email, name, &role).await,
        UserCommand::List => list(app).await,
        UserCommand::Role { user, role } => set_role(app, &user, &role).await,
        UserCommand::Disable { user } => set_disabled(app, &user, true).await,
        UserCommand::Enable { user } => set_disabled(app, &user, false).await,
        UserCommand::Reassign { from, to } => reassign(app, &from, &to).await,
    }
}

async fn set_role(app: &App, user: &str, role: &str) -> Result<()> {
    let role: UserRole = parse("ROLE", role)?;
    let account = app.store.resolve_user(user).await.context("USER")?;
    let before = app
        .store
        .set_user_role(app.user.id, account.user.id, role, app.now)
        .await?;
    if app.json {
        return print_json(&UserView::from(&app.store.user(account.user.id).await?));
    }
    let email = &account.user.email;
    if before == role {
        println!("User #{} {email} is already {role}", account.user.id);
    } else {
        println!("User #{} {email}: {before} → {role}", account.user.id);
    }
    Ok(())
}

async fn set_disabled(app: &App, user: &str, disabled: bool) -> Result<()> {
    let account = app.store.resolve_user(user).await.context("USER")?;
    let was_disabled = app
        .store
        .set_user_disabled(app.user.id, account.user.id, disabled, app.now)
        .await?;
    if app.json {
        return print_json(&UserView::from(&app.store.user(account.user.id).await?));
    }
    let (id, email) = (account.user.id, &account.user.email);
    match (was_disabled, disabled) {
        (true, true) => println!("User #{id} {email} is already disabled"),
        (false, false) => println!("User #{id} {email} is already enabled"),
        (false, true) => println!(
            "Disabled user #{id} {email}: they log in nowhere, their sessions ended and their \
             API tokens are revoked."
        ),
        (true, false) if account.has_password => println!(
            "Enabled user #{id} {email}: they log in with their password again; API tokens \
             are made anew (rapport token create)."
        ),
        (true, false) => println!(
            "Enabled user #{id} {email}: they have no password, so they come back through an \
             API token, made anew (rapport token create --user {email})."
        ),
    }
    Ok(())
}

async fn add(app: &App, email: &str, name: Option<String>, role: &str) -> Result<()> {
    let email: EmailAddress = parse("EMAIL", email)?;
    let role: UserRole = parse("--role", role)?;
    let name = match name.map(|n| n.trim().to_owned()) {
        Some(n) if n.is_empty() => bail!("--name: a name cannot be empty"),
        Some(n) => n,
        None => email
            .to_string()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let password = read_password()?;
    let hash = auth::hash_password(&password)?;
    let id = app
        .store
        .add_user(
            app.user.id,
            &NewUser {
                email: email.clone(),
                name,
                role,
                password_hash: Some(hash),
            },
            app.now,
        )
        .await?;
    if app.json {
        let account = app.store.user_by_email(&email).await?;
        return print_json(&UserView::from(&account));
    }
    println!("Added user #{id} {email} ({role})");
    Ok(())
}

/// The password from a prompt (asked twice) on a terminal, else the first line of stdin.
fn read_password() -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("password")?;
        let again = rpassword::prompt_password("Password again: ").context("password")?;
        if first != again {
            bail!("password: the two entries differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("password: cannot read standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("password: use at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

async fn list(app: &App) -> Result<()> {
    let users = app.store.users().await?;
    if app.json {
        return print_json(&users.iter().map(UserView::from).collect::<Vec<_>>());
    }
    for account in &users {
        let login = if account.has_password {
            ""
        } else {
            "  (no password)"
        };
        let disabled = account
            .disabled_at
            .map(|at| format!("  (disabled {})", when::today(at, &app.tz)))
            .unwrap_or_default();
        println!(
            "#{:<4} {:<7} {} <{}>{login}{disabled}",
            account.user.id, account.role, account.user.name, account.user.email
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct TokenView {
    id: i64,
    user: String,
    name: String,
    token: String,
}

pub async fn token(app: &App, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { user, name } => {
            let email: EmailAddress = parse("--user", &user)?;
            let account = app.store.user_by_email(&email).await?;
            let name = name.trim();
            if name.is_empty() {
                bail!("--name: a token name cannot be empty");
            }
            let token = auth::new_token()?;
            let id = app
                .store
                .add_api_token(app.user.id, account.user.id, name, &token.hash, app.now)
                .await?;
            if app.json {
                return print_json(&TokenView {
                    id,
                    user: account.user.email,
                    name: name.to_owned(),
                    token: token.secret,
                });
            }
            eprintln!(
                "Token #{id} '{name}' for {} ({}). It is shown once: store it now.",
                account.user.email, account.role
            );
            println!("{}", token.secret);
            Ok(())
        }
        TokenCommand::List => {
            let tokens = app.store.api_tokens(app.user.id).await?;
            if app.json {
                return print_json(&tokens.iter().map(ApiTokenView::from).collect::<Vec<_>>());
            }
            if tokens.is_empty() {
                println!("No tokens. Create one with: rapport token create --user EMAIL");
            }
            for t in &tokens {
                let state = match (t.revoked_at, t.last_used_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("last used {at}"),
                    (None, None) => "never used".to_owned(),
                };
                println!("#{:<4} {:<20} {}  {state}", t.id, t.name, t.user_email);
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let revoked = app.store.revoke_api_token(app.user.id, id, app.now).await?;
            if app.json {
                return print_json(&ApiTokenView::from(&revoked));
            }
            println!(
                "Revoked token #{id} '{}' of {}: it no longer works.",
                revoked.name, revoked.user_email
            );
            Ok(())
        }
    }
}

/// A leaving seller's whole book to another user, cadences and schedules untouched, with the
/// contacts they nurtured or were to sell to.
async fn reassign(app: &App, from: &str, to: &str) -> Result<()> {
    let from = app.store.resolve_user(from).await.context("FROM")?;
    let to = app.store.resolve_user(to).await.context("--to")?;
    let reassigned = app
        .store
        .reassign_contacts(app.user.id, from.user.id, to.user.id, app.now)
        .await?;
    if app.json {
        return print_json(&ReassignView::new(from.user.id, to.user.id, &reassigned));
    }
    let (from, to) = (&from.user.email, &to.user.email);
    println!(
        "Reassigned {} from {from} to {to}; every cadence and next touch kept.",
        contacts(reassigned.contacts)
    );
    let roles: Vec<String> = [
        ("nurture", reassigned.nurture_owner),
        ("sales", reassigned.sales_owner),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(role, count)| format!("the {role} owner of {}", contacts(count)))
    .collect();
    if !roles.is_empty() {
        println!("{to} is now {} in {from}'s place.", roles.join(" and "));
    }
    Ok(())
}

/// "1 contact", "2 contacts".
fn contacts(count: u64) -> String {
    if count == 1 {
        "1 contact".to_owned()
    } else {
        format!("{count} contacts")
    }
}

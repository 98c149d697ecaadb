//! Browser sessions and failed logins for the team server. As with API tokens, the store keeps
//! only the SHA-256 of a session's secret; hashing, the cookie and the rate-limit policy are
//! the server's business. Both live in the database so that any number of server instances
//! share them.

use jiff::Timestamp;
use rapport_core::EmailAddress;
use rapport_core::model::UserId;

use crate::audit;
use crate::contacts::lock_user;
use crate::error::{Result, StoreError};
use crate::users::{ACCOUNT_COLUMNS, Account, account, account_columns_of};
use crate::{Store, instant_text, rows};

/// A live session: who it is, and the CSRF token its pages and requests must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// A session to start: the hash of its secret, its CSRF token and when it lapses.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user: UserId,
    pub token_hash: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// Recent failed logins, newest first, for the email tried and for the client's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFailures {
    pub by_email: Vec<Timestamp>,
    pub by_client: Vec<Timestamp>,
}

impl Store {
    /// The account with this email and its password hash (an argon2id PHC string), or `None`
    /// when there is no such user or they have no password. A disabled user's account is
    /// returned too (`Account::disabled_at`): once the password is right, they are told why
    /// they cannot log in.
    pub async fn credentials(&self, email: &EmailAddress) -> Result<Option<(Account, String)>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE email = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(email.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let hash = rows::opt_text(&row, "password_hash")?;
        hash.map(|hash| account(&row).map(|a| (a, hash)))
            .transpose()
    }

    /// Gives a user a password login under `email` (the demo's owner, for one). Refused when
    /// another user has that email.
    pub async fn set_password_login(
        &self,
        user: UserId,
        email: &EmailAddress,
        password_hash: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND id <> $2")
                .bind(email.to_string())
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::DuplicateUser(email.to_string()));
        }
        sqlx::query("UPDATE users SET email = $1, password_hash = $2 WHERE id = $3")
            .bind(email.to_string())
            .bind(password_hash)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a session after a successful login. In the same transaction the user's failed
    /// logins are forgotten and lapsed sessions are cleared away. Refused for a disabled user
    /// (`DisabledUser`), checked under their row lock: a login overlapping a disabling either
    /// waits for it and is refused, or commits first and its session is deleted by the
    /// disabling, so no session is left to come back when the user is enabled again.
    pub async fn start_session(&self, new: &NewSession, now: Timestamp) -> Result<()> {
        let mut tx = self.write().await?;
        audit::acting_with_standing(new.user, lock_user(&mut tx, new.user).await?)?;
        let now_text = instant_text(now);
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(&now_text)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM login_failures WHERE email = (SELECT email FROM users WHERE id = $1)",
        )
        .bind(new.user.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, \
                last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(&new.token_hash)
        .bind(new.user.0)
        .bind(&new.csrf_token)
        .bind(&now_text)
        .bind(instant_text(new.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session whose secret hashes to `token_hash`, or `None` (unknown, ended,
    /// lapsed, or its user disabled: checked on every request, so a session that started
    /// while its user was being disabled lets nobody in either). A session in use slides: its expiry moves to `extend_to`, written at most once
    /// a minute so that reading pages stays reading.
    pub async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
        extend_to: Timestamp,
    ) -> Result<Option<Session>> {
        let sql = format!(
            "SELECT s.id AS session_id, s.csrf_token, s.expires_at, s.last_seen_at, {} \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            account_columns_of("u")
        );
        let now_text = instant_text(now);
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .bind(&now_text)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut session = Session {
            account: account(&row)?,
            csrf_token: rows::text(&row, "csrf_token")?,
            expires_at: rows::instant(&row, "expires_at")?,
        };
        let last_seen = rows::instant(&row, "last_seen_at")?;
        if now.duration_since(last_seen) >= jiff::SignedDuration::from_mins(1) {
            // One statement, so one implicit transaction; on the writers' pool, so on SQLite
            // it queues behind other writes instead of meeting them as SQLITE_BUSY.
            sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
                .bind(&now_text)
                .bind(instant_text(extend_to))
                .bind(rows::int(&row, "session_id")?)
                .execute(&self.writers)
                .await?;
            session.expires_at = extend_to;
        }
        Ok(Some(session))
    }

    /// Ends a session (logging out). Ending one that is gone already is harmless.
    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writers)
            .await?;
        Ok(())
    }

    /// Notes a failed login for `email` (as typed, normalised by the caller) from `client`,
    /// and prunes failures older than `forget_before` in the same transaction.
    pub async fn record_login_failure(
        &self,
        email: &str,
        client: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(instant_text(forget_before))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO login_failures (email, client, at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(client)
            .bind(instant_text(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest failed logins since `since` (at most `limit` of each), for this email and
    /// for this client address.
    pub async fn login_failures(
        &self,
        email: &str,
        client: &str,
        since: Timestamp,
        limit: i64,
    ) -> Result<LoginFailures> {
        let since = instant_text(since);
        let mut failures = LoginFailures::default();
        for (column, value, into) in [
            ("email", email, &mut failures.by_email),
            ("client", client, &mut failures.by_client),
        ] {
            // `column` is one of two fixed names, never input.
            let sql = format!(
                "SELECT at FROM login_failures WHERE {column} = $1 AND at > $2 \
                 ORDER BY at DESC LIMIT $3"
            );
            for row in sqlx::query(&sql)
                .bind(value)
                .bind(&since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            {
                into.push(rows::instant(&row, "at")?);
            }
        }
        Ok(failures)
    }
}

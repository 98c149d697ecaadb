//! Users and API tokens for the team server. The store keeps only hashes: the password as an
//! argon2id PHC string and each token as the hex SHA-256 of its secret. Hashing is the
//! caller's business (the server crate), so no secret ever reaches this layer.

use jiff::Timestamp;
use rapport_core::model::{User, UserId};
use rapport_core::{EmailAddress, UserRole};
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::{Store, instant_text, rows};

/// A user with what the server needs to decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub role: UserRole,
    /// Whether a password is set (the hash itself never leaves the store through this type).
    pub has_password: bool,
    pub created_at: Timestamp,
}

/// A new user. `password_hash` is an argon2id PHC string, or `None` for a token-only account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: EmailAddress,
    pub name: String,
    pub role: UserRole,
    pub password_hash: Option<String>,
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "id, email, name, time_zone, role, password_hash, created_at";

pub(crate) fn account(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        user: rows::user(row)?,
        role: rows::parsed(row, "role")?,
        has_password: rows::opt_text(row, "password_hash")?.is_some(),
        created_at: rows::instant(row, "created_at")?,
    })
}

/// `u.id, u.email, …`: the account columns read through a join.
pub(crate) fn account_columns_of(alias: &str) -> String {
    ACCOUNT_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Adds a user. Emails are unique (compared in their normalised form).
    pub async fn add_user(&self, new: &NewUser, now: Timestamp) -> Result<UserId> {
        let mut tx = self.write().await?;
        let email = new.email.to_string();
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::DuplicateUser(email));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(new.password_hash.as_deref())
        .bind(instant_text(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// Every user, oldest first.
    pub async fn users(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users ORDER BY id");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(account)
            .collect()
    }

    pub async fn user_by_email(&self, email: &EmailAddress) -> Result<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(&sql)
            .bind(email.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UserNotFound(email.to_string()))?;
        account(&row)
    }

    /// Stores a new API token for `user` by the hash of its secret. Returns the token's id.
    pub async fn add_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.0)
        .bind(name.trim())
        .bind(token_hash)
        .bind(instant_text(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The account an unrevoked token (by the hash of its secret) belongs to, or `None`.
    /// Notes when the token was used, at most once a minute so reads stay reads.
    pub async fn account_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Account>> {
        let sql = format!(
            "SELECT t.id AS token_id, {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
            account_columns_of("u")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let found = account(&row)?;
        let stale = instant_text(
            now.checked_sub(jiff::SignedDuration::from_mins(1))
                .unwrap_or(now),
        );
        // One statement, so one implicit transaction.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(instant_text(now))
        .bind(rows::int(&row, "token_id")?)
        .bind(stale)
        .execute(&self.pool)
        .await?;
        Ok(Some(found))
    }
}

//! Users and API tokens for the team server. The store keeps only hashes: the password as an
//! argon2id PHC string and each token as the hex SHA-256 of its secret. Hashing is the
//! caller's business (the server crate), so no secret ever reaches this layer.

use jiff::Timestamp;
use rapport_core::model::{User, UserId};
use rapport_core::{EmailAddress, UserRole};
use sqlx::any::AnyRow;

use crate::audit::{self, Change, STANDING_COLUMNS, Standing};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::{DATA_VERSION, Store, instant_text, rows};
use rapport_core::{AuditAction, AuditEntity};
use serde_json::json;

/// A user with what the server needs to decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub role: UserRole,
    /// Whether a password is set (the hash itself never leaves the store through this type).
    pub has_password: bool,
    pub created_at: Timestamp,
    /// When an admin disabled the user (`None`: active). A disabled user authenticates
    /// nowhere, acts nowhere once disabled, and owns, nurtures and sells to no contacts.
    pub disabled_at: Option<Timestamp>,
}

/// Who a credential belongs to, and the data version seen when it was checked
/// ([`Store::data_version`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub account: Account,
    pub data_version: i64,
}

impl Account {
    /// The account as the access rules see it.
    pub fn acting(&self) -> rapport_core::access::Acting {
        rapport_core::access::Acting {
            user: self.user.id,
            role: self.role,
        }
    }
}

/// A new user. `password_hash` is an argon2id PHC string, or `None` for a token-only account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: EmailAddress,
    pub name: String,
    pub role: UserRole,
    pub password_hash: Option<String>,
}

/// A change to a user's account ([`Store::edit_user`]): `None` leaves a part as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub role: Option<UserRole>,
    /// `true` disables the user, `false` enables them again.
    pub disabled: Option<bool>,
}

/// An API token as its owner and admins see it: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user: UserId,
    pub user_email: String,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

fn api_token(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: rows::int(row, "id")?,
        user: UserId(rows::int(row, "user_id")?),
        user_email: rows::text(row, "email")?,
        name: rows::text(row, "name")?,
        created_at: rows::instant(row, "created_at")?,
        last_used_at: rows::opt_instant(row, "last_used_at")?,
        revoked_at: rows::opt_instant(row, "revoked_at")?,
    })
}

const TOKEN_SELECT: &str = "SELECT t.id, t.user_id, u.email, t.name, t.created_at, \
     t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// What the audit log keeps of a token: whose it is and its name (never its hash).
fn token_snapshot(token: &ApiToken) -> serde_json::Value {
    json!({
        "user_id": token.user.0,
        "name": token.name,
        "revoked": token.revoked_at.is_some(),
    })
}

async fn load_api_token(conn: &mut sqlx::AnyConnection, id: i64) -> Result<ApiToken> {
    let sql = format!("{TOKEN_SELECT} WHERE t.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::TokenNotFound(id))?;
    api_token(&row)
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "id, email, name, time_zone, role, password_hash, created_at, disabled_at";

pub(crate) fn account(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        user: rows::user(row)?,
        role: rows::parsed(row, "role")?,
        has_password: rows::opt_text(row, "password_hash")?.is_some(),
        created_at: rows::instant(row, "created_at")?,
        disabled_at: rows::opt_instant(row, "disabled_at")?,
    })
}

/// Locks the rows of the acting user and the user they act on, in id order (so two admins
/// changing each other wait for one another instead of deadlocking), before anything is
/// checked, and answers their standings (`None`: no such user): two admins changing each
/// other's roles or disabling each other at once, or a hand-over to this user
/// (`contacts::ensure_owner`), wait for this change and then see it. Every write that locks
/// two users takes them this way (`edit_user`, the contact import, `add_api_token`).
pub(crate) async fn lock_actor_and_user(
    conn: &mut sqlx::AnyConnection,
    actor: UserId,
    user: UserId,
) -> Result<(Option<Standing>, Option<Standing>)> {
    let row_lock = crate::Backend::of(conn).row_lock();
    let mut pair = [actor.0, user.0];
    pair.sort_unstable();
    let found = sqlx::query(&format!(
        "SELECT id, {STANDING_COLUMNS} FROM users WHERE id IN ($1, $2) ORDER BY id{row_lock}"
    ))
    .bind(pair[0])
    .bind(pair[1])
    .fetch_all(&mut *conn)
    .await?;
    let (mut of_actor, mut of_user) = (None, None);
    for row in &found {
        let id = UserId(rows::int(row, "id")?);
        let standing = Standing::of_row(row)?;
        if id == actor {
            of_actor = Some(standing.clone());
        }
        if id == user {
            of_user = Some(standing);
        }
    }
    Ok((of_actor, of_user))
}

/// `user`'s account, read on the caller's transaction.
async fn load_account(conn: &mut sqlx::AnyConnection, user: UserId) -> Result<Account> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::UserNotFound(format!("#{user}")))?;
    account(&row)
}

/// What a user holds that a viewer or a disabled user may not: contacts they own, and
/// contacts they nurture or are to sell to (archived and merged ones included: each would
/// come back to them if unarchived).
struct Held {
    owned: i64,
    nurturing_or_selling: i64,
}

impl Held {
    async fn by(conn: &mut sqlx::AnyConnection, user: UserId) -> Result<Held> {
        let (owned, nurturing_or_selling): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM contacts WHERE owner_id = $1), \
                (SELECT COUNT(*) FROM nurture_owners \
                 WHERE nurture_owner_id = $1 OR sales_owner_id = $1)",
        )
        .bind(user.0)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Held {
            owned,
            nurturing_or_selling,
        })
    }

    /// "owns 2 contacts and is the nurture or sales owner of 1 contact", or `None` when they
    /// hold nothing.
    fn said(&self) -> Option<String> {
        let mut parts = vec![];
        if self.owned > 0 {
            parts.push(format!("owns {}", contacts(self.owned)));
        }
        if self.nurturing_or_selling > 0 {
            parts.push(format!(
                "is the nurture or sales owner of {}",
                contacts(self.nurturing_or_selling)
            ));
        }
        (!parts.is_empty()).then(|| parts.join(" and "))
    }

    /// What a user who may hold none of it does not do.
    fn none(&self) -> &'static str {
        match (self.owned > 0, self.nurturing_or_selling > 0) {
            (true, false) => "owns none",
            (false, _) => "nurtures and sells to nobody",
            (true, true) => "owns none and nurtures and sells to nobody",
        }
    }
}

/// "1 contact", "2 contacts".
fn contacts(count: i64) -> String {
    if count == 1 {
        "1 contact".to_owned()
    } else {
        format!("{count} contacts")
    }
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
    /// Adds a user (admins only). Emails are unique (compared in their normalised form).
    pub async fn add_user(&self, actor: UserId, new: &NewUser, now: Timestamp) -> Result<UserId> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("add users")?;
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
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                StoreError::DuplicateUser(email.clone())
            } else {
                StoreError::from(err)
            }
        })?;
        // The password hash is a secret: the log records that there is one, never what.
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::User,
            entity_id: Some(id),
            contact: None,
            before: None,
            after: Some(json!({
                "email": email,
                "name": new.name.trim(),
                "role": new.role.as_str(),
                "has_password": new.password_hash.is_some(),
            })),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// Changes a user's role (admins only); returns the role they had. See
    /// [`Store::edit_user`].
    pub async fn set_user_role(
        &self,
        actor: UserId,
        user: UserId,
        role: UserRole,
        now: Timestamp,
    ) -> Result<UserRole> {
        let patch = UserPatch {
            role: Some(role),
            disabled: None,
        };
        Ok(self.edit_user(actor, user, patch, now).await?.role)
    }

    /// Disables a user (`disabled`) or enables them again (admins only); returns whether they
    /// were disabled. See [`Store::edit_user`].
    pub async fn set_user_disabled(
        &self,
        actor: UserId,
        user: UserId,
        disabled: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let patch = UserPatch {
            role: None,
            disabled: Some(disabled),
        };
        let before = self.edit_user(actor, user, patch, now).await?;
        Ok(before.disabled_at.is_some())
    }

    /// Changes a user's role and whether they are disabled, in one transaction (admins only);
    /// returns the account as it was. Refused for the actor themself (another admin changes
    /// or disables them, so the team always keeps an active admin), and for a user who owns
    /// contacts or is a contact's nurture or sales owner becoming a viewer or disabled (their
    /// book is reassigned first, [`Store::reassign_contacts`]: a viewer or a disabled user
    /// would call nobody and act on no handoff). Disabling ends the user's sessions and
    /// revokes their API tokens; enabling gives neither back (they log in again and are given
    /// new tokens). Nothing changes, and nothing is audited, when the user already is as
    /// asked; otherwise one audit row holds the fields that changed (a disabling's also the
    /// ids of the tokens it revoked, `revoked_tokens`, and how many sessions it ended,
    /// `sessions_ended`).
    pub async fn edit_user(
        &self,
        actor: UserId,
        user: UserId,
        patch: UserPatch,
        now: Timestamp,
    ) -> Result<Account> {
        let mut tx = self.write().await?;
        let (of_actor, _) = lock_actor_and_user(&mut tx, actor, user).await?;
        // Refuses a disabled actor too: of two admins disabling each other at once, the one
        // that gets the locks second finds itself disabled and changes nothing.
        let what = if patch.role.is_some() {
            "change users' roles"
        } else {
            "disable and enable users"
        };
        audit::acting_with_standing(actor, of_actor)?.may_administer(what)?;
        let before = load_account(&mut tx, user).await?;
        let was_disabled = before.disabled_at.is_some();
        let role = patch.role.filter(|role| *role != before.role);
        let disabled = patch.disabled.filter(|disabled| *disabled != was_disabled);
        if role.is_none() && disabled.is_none() {
            return Ok(before);
        }
        if user == actor {
            let refusal = if role.is_some() {
                "your own role is changed by another admin"
            } else {
                "you cannot disable yourself; another admin disables you"
            };
            return Err(StoreError::UserChangeRefused(refusal.into()));
        }
        let disabling = disabled == Some(true);
        if disabling || role == Some(UserRole::Viewer) {
            let held = Held::by(&mut tx, user).await?;
            if let Some(holds) = held.said() {
                let who = format!("#{user} {}", before.user.email);
                return Err(StoreError::UserChangeRefused(if disabling {
                    format!(
                        "user {who} {holds}; reassign their book first (a disabled user {})",
                        held.none()
                    )
                } else {
                    format!(
                        "user {who} {holds}, and a viewer {}; reassign their book first",
                        held.none()
                    )
                }));
            }
        }
        let (mut was, mut is) = (serde_json::Map::new(), serde_json::Map::new());
        if let Some(role) = role {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            was.insert("role".into(), json!(before.role.as_str()));
            is.insert("role".into(), json!(role.as_str()));
        }
        if let Some(disabled) = disabled {
            let stamp = instant_text(now);
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                .bind(disabled.then_some(&stamp))
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            was.insert("disabled".into(), json!(was_disabled));
            is.insert("disabled".into(), json!(disabled));
            if disabled {
                // Nothing of theirs authenticates any more (the requests' own checks refuse a
                // disabled user too; this leaves nothing to come back if they are enabled).
                // The audit row says what went: the tokens by id, the sessions by number.
                let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let mut revoked: Vec<i64> = sqlx::query_scalar(
                    "UPDATE api_tokens SET revoked_at = $1 \
                     WHERE user_id = $2 AND revoked_at IS NULL RETURNING id",
                )
                .bind(&stamp)
                .bind(user.0)
                .fetch_all(&mut *tx)
                .await?;
                revoked.sort_unstable();
                is.insert("revoked_tokens".into(), json!(revoked));
                is.insert("sessions_ended".into(), json!(ended));
            }
        }
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::User,
            entity_id: Some(user.0),
            contact: None,
            before: Some(was.into()),
            after: Some(is.into()),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(before)
    }

    pub async fn user(&self, id: UserId) -> Result<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UserNotFound(format!("#{id}")))?;
        account(&row)
    }

    /// A user by id (`7` or `#7`) or email.
    pub async fn resolve_user(&self, reference: &str) -> Result<Account> {
        let wanted = reference.trim();
        if let Ok(id) = wanted.trim_start_matches('#').parse::<i64>() {
            return self.user(UserId(id)).await;
        }
        // The local owner's `me@localhost` is no address the parser takes (its domain has no
        // dot), yet it is how `user list` names them: the text is looked up as it is.
        let email = match wanted.parse::<EmailAddress>() {
            Ok(email) => email.to_string(),
            Err(_) => wanted.to_lowercase(),
        };
        self.user_with_email(&email).await
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
        self.user_with_email(&email.to_string()).await
    }

    async fn user_with_email(&self, email: &str) -> Result<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(&sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UserNotFound(email.to_owned()))?;
        account(&row)
    }

    /// Stores a new API token for `user` by the hash of its secret (the user themself or an
    /// admin), never for a disabled user (`TokenForDisabledUser`). Returns the token's id.
    pub async fn add_api_token(
        &self,
        actor: UserId,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.write().await?;
        // Both rows locked until commit, in id order: a disabling of either waits for this
        // token (and then revokes it) or lands first and is seen here.
        let (of_actor, of_user) = lock_actor_and_user(&mut tx, actor, user).await?;
        audit::acting_with_standing(actor, of_actor)?.may_change_own(user, "user's API tokens")?;
        // A token for a disabled user would authenticate nobody: said now, not at first use.
        match of_user {
            None => return Err(StoreError::UserNotFound(format!("#{user}"))),
            Some(standing) if standing.disabled => {
                return Err(StoreError::TokenForDisabledUser(standing.name(user)));
            }
            Some(_) => {}
        }
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
        let created = load_api_token(&mut tx, id).await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::ApiToken,
            entity_id: Some(id),
            contact: None,
            before: None,
            after: Some(token_snapshot(&created)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The API tokens `viewer` may see, newest first: their own; an admin sees everyone's.
    pub async fn api_tokens(&self, viewer: UserId) -> Result<Vec<ApiToken>> {
        let mut conn = self.pool.acquire().await?;
        let everyone = audit::acting(&mut conn, viewer)
            .await?
            .may_administer("see other users' tokens")
            .is_ok();
        let sql = format!("{TOKEN_SELECT} WHERE ($1 IS NULL OR t.user_id = $1) ORDER BY t.id DESC");
        sqlx::query(&sql)
            .bind((!everyone).then_some(viewer.0))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(api_token)
            .collect()
    }

    /// Revokes a token (its owner or an admin): from the commit on, it authenticates nobody.
    /// Revoking twice is harmless and audited once.
    pub async fn revoke_api_token(
        &self,
        actor: UserId,
        id: i64,
        now: Timestamp,
    ) -> Result<ApiToken> {
        let mut tx = self.write().await?;
        let before = load_api_token(&mut tx, id).await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_change_own(before.user, "user's API tokens")?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(instant_text(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = load_api_token(&mut tx, id).await?;
        let change = Change {
            action: AuditAction::Revoke,
            entity: AuditEntity::ApiToken,
            entity_id: Some(id),
            contact: None,
            before: Some(token_snapshot(&before)),
            after: Some(token_snapshot(&after)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The account an unrevoked token (by the hash of its secret) belongs to, or `None` (for
    /// a disabled user's too: checked on every request, not only when tokens are revoked),
    /// with the data version as of this read (in the same query: a request learns who it is
    /// and whether anything changed in one round trip). Notes when the token was used.
    pub async fn account_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Authenticated>> {
        let sql = format!(
            "SELECT t.id AS token_id, t.last_used_at, {}, ({DATA_VERSION}) AS data_version \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
            account_columns_of("u")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let found = Authenticated {
            account: account(&row)?,
            data_version: rows::int(&row, "data_version")?,
        };
        // Noted at most once a minute, and only then written: a read stays a read (on SQLite
        // even an UPDATE that matches nothing takes the write lock).
        let last_used = rows::opt_instant(&row, "last_used_at")?;
        let stale = last_used.is_none_or(|at| now.duration_since(at).as_secs() >= 60);
        if stale {
            let mut tx = self.write().await?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(instant_text(now))
                .bind(rows::int(&row, "token_id")?)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(Some(found))
    }
}

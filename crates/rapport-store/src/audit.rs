//! The audit log: who did what, when, to which record, with JSON snapshots before and after.
//!
//! Every public write records its row through [`record`] inside its own transaction, so a
//! change and its audit row land together or not at all. Snapshots never hold a secret
//! (password or token hashes are not in them) and a private touch's text is replaced by
//! [`PRIVATE_MARKER`]: the log is read by admins, who are not the touch's author.

use jiff::Timestamp;
use rapport_core::access::Acting;
use rapport_core::model::{Contact, ContactId, FollowUp, Organization, Touch, UserId};
use rapport_core::{AuditAction, AuditEntity, UserRole};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::{Store, instant_text, rows};

/// What a private touch's text reads as in the audit log.
pub const PRIVATE_MARKER: &str = "(private)";

/// The most rows one audit read returns.
const MAX_AUDIT_ROWS: i64 = 1000;

/// One change, as a write describes it to [`record`].
#[derive(Debug)]
pub(crate) struct Change {
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: Option<i64>,
    /// The contact the change concerns, if any (also for its touches and follow-ups).
    pub contact: Option<ContactId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Writes one audit row, on the caller's transaction.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    actor: UserId,
    at: Timestamp,
    change: Change,
) -> Result<()> {
    record_all(conn, vec![(actor, at, change)]).await
}

/// [`record`] for several changes by one statement (a group commit's touches).
pub(crate) async fn record_all(
    conn: &mut AnyConnection,
    changes: Vec<(UserId, Timestamp, Change)>,
) -> Result<()> {
    const COLUMNS: usize = 8;
    if changes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..changes.len())
        .map(|row| {
            let first = row * COLUMNS + 1;
            let numbered: Vec<String> = (first..first + COLUMNS).map(|n| format!("${n}")).collect();
            format!("({})", numbered.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, contact_id, before, \
            after) VALUES {}",
        rows.join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for (actor, at, change) in changes {
        insert = insert
            .bind(instant_text(at))
            .bind(actor.0)
            .bind(change.action.as_str())
            .bind(change.entity.as_str())
            .bind(change.entity_id)
            .bind(change.contact.map(|c| c.0))
            .bind(change.before.map(|v| v.to_string()))
            .bind(change.after.map(|v| v.to_string()));
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

/// What the access check reads of a user: their role, whether an admin disabled them
/// (`Store::set_user_disabled`) and, where the query read it, their email (to name them in a
/// refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Standing {
    pub role: UserRole,
    pub disabled: bool,
    pub email: Option<String>,
}

/// The columns of `users` a [`Standing`] is read from ([`Standing::of`]).
pub(crate) const STANDING_COLUMNS: &str = "role, disabled_at, email";

impl Standing {
    /// From `role, disabled_at` as a query reads them, and the email if it read it.
    pub fn of(role: &str, disabled_at: Option<&str>, email: Option<String>) -> Result<Standing> {
        Ok(Standing {
            role: rows::parse("role", role)?,
            disabled: disabled_at.is_some(),
            email,
        })
    }

    /// From a row of [`STANDING_COLUMNS`].
    pub fn of_row(row: &AnyRow) -> Result<Standing> {
        Standing::of(
            &rows::text(row, "role")?,
            rows::opt_text(row, "disabled_at")?.as_deref(),
            Some(rows::text(row, "email")?),
        )
    }

    /// How a message names `user`: `#7 bob@example.com`, or `#7` when the email was not read.
    pub fn name(&self, user: UserId) -> String {
        match &self.email {
            Some(email) => format!("#{user} {email}"),
            None => format!("#{user}"),
        }
    }
}

/// The acting user with their role, read inside the write's transaction so a role changed
/// (or the user disabled) and committed a moment ago counts. An unknown or disabled user
/// cannot act. Reads without a row lock: see [`acting_with_standing`].
pub(crate) async fn acting(conn: &mut AnyConnection, user: UserId) -> Result<Acting> {
    let standing = sqlx::query(&format!(
        "SELECT {STANDING_COLUMNS} FROM users WHERE id = $1"
    ))
    .bind(user.0)
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| Standing::of_row(&row))
    .transpose()?;
    acting_with_standing(user, standing)
}

/// The acting user from their standing, read by the caller (`None`: no such user). A
/// disabled user is refused here, so every write's access check refuses one whose disabling
/// has committed. Strictly so where the caller read the standing under the user's row lock
/// (`contacts::lock_user`, `users::lock_actor_and_user`: `edit_user`, `ensure_owner`, contact
/// creation, the contacts import, `start_session`, `add_api_token`): a disabling then waits
/// for the write or the write for it. An ordinary write reads it without the lock, so on
/// PostgreSQL one whose check ran just before a disabling committed may still land: it was
/// authorised when it began, and the user owns nothing by then.
pub(crate) fn acting_with_standing(user: UserId, standing: Option<Standing>) -> Result<Acting> {
    let standing = standing.ok_or_else(|| StoreError::UserNotFound(format!("#{user}")))?;
    if standing.disabled {
        return Err(StoreError::DisabledUser(standing.name(user)));
    }
    Ok(Acting {
        user,
        role: standing.role,
    })
}

fn fields_snapshot(
    fields: &std::collections::BTreeMap<rapport_core::fit::FieldKey, String>,
) -> Value {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub(crate) fn contact_snapshot(c: &Contact) -> Value {
    json!({
        "name": c.name,
        "owner_id": c.owner.0,
        "title": c.title,
        "organization": c.organization.as_ref().map(|o| o.name.clone()),
        "emails": c.emails.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "phones": c.phones,
        "tags": c.tags,
        "fields": fields_snapshot(&c.fields),
        "notes": c.notes,
        "source": c.source,
        "roles": c.active_roles().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "tier": c.tier.map(|t| t.as_str()),
        "stage": c.stage.map(|s| s.as_str()),
        "horizon": c.horizon.map(|h| h.as_str()),
        "prospect_kind": c.prospect_kind.map(|k| k.as_str()),
        "cadence": c.cadence.map(|c| c.to_string()),
        "hold_until": c.hold.as_ref().map(|h| h.until.to_string()),
        "hold_reason": c.hold.as_ref().map(|h| h.reason.clone()),
        "archived": c.archived_at.is_some(),
    })
}

pub(crate) fn touch_snapshot(t: &Touch) -> Value {
    let text = |value: &Option<String>| {
        if t.private {
            value.as_ref().map(|_| PRIVATE_MARKER.to_owned())
        } else {
            value.clone()
        }
    };
    json!({
        "contact_id": t.contact.0,
        "author_id": t.author.0,
        "kind": t.kind.as_str(),
        "direction": t.direction.as_str(),
        "at": t.at.to_string(),
        "private": t.private,
        "summary": text(&t.summary),
        "needs": text(&t.needs),
        "next_approach": text(&t.next_approach),
    })
}

pub(crate) fn follow_up_snapshot(f: &FollowUp) -> Value {
    json!({
        "contact_id": f.contact.0,
        "due_on": f.due_on.to_string(),
        "text": f.text,
        "done": f.done_at.is_some(),
    })
}

pub(crate) fn organization_snapshot(o: &Organization) -> Value {
    json!({
        "name": o.name,
        "domain": o.domain,
        "tier": o.tier.map(|t| t.as_str()),
        "industry": o.industry,
        "size": o.size,
        "region": o.region,
        "fields": fields_snapshot(&o.fields),
    })
}

/// Which audit rows to read, newest first. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<AuditEntity>,
    pub entity_id: Option<i64>,
    /// Rows about this contact, its touches and its follow-ups.
    pub contact: Option<ContactId>,
    pub actor: Option<UserId>,
    /// Keyset pagination: only rows older than this audit row id.
    pub before: Option<i64>,
    /// At most this many rows (capped at 1000).
    pub limit: Option<i64>,
}

/// One audit row as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: UserId,
    pub actor_email: String,
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: Option<i64>,
    pub contact: Option<ContactId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One field that differs between an audit row's before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

impl AuditEntry {
    /// The fields that differ between before and after, in field-name order; a field
    /// missing on one side counts as `null` there.
    pub fn changes(&self) -> Vec<FieldChange> {
        let empty = serde_json::Map::new();
        let object = |v: &Option<Value>| v.as_ref().and_then(Value::as_object).cloned();
        let before = object(&self.before).unwrap_or_else(|| empty.clone());
        let after = object(&self.after).unwrap_or(empty);
        let mut fields: Vec<&String> = before.keys().collect();
        fields.extend(after.keys().filter(|k| !before.contains_key(*k)));
        fields
            .into_iter()
            .filter_map(|field| {
                let old = before.get(field).cloned().unwrap_or(Value::Null);
                let new = after.get(field).cloned().unwrap_or(Value::Null);
                (old != new).then(|| FieldChange {
                    field: field.clone(),
                    before: old,
                    after: new,
                })
            })
            .collect()
    }
}

fn json_column(row: &AnyRow, col: &str) -> Result<Option<Value>> {
    rows::opt_text(row, col)?
        .map(|text| {
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
        })
        .transpose()
}

fn entry(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: rows::int(row, "id")?,
        at: rows::instant(row, "at")?,
        actor: UserId(rows::int(row, "actor_id")?),
        actor_email: rows::text(row, "actor_email")?,
        action: rows::parsed(row, "action")?,
        entity: rows::parsed(row, "entity")?,
        entity_id: rows::opt_int(row, "entity_id")?,
        contact: rows::opt_int(row, "contact_id")?.map(ContactId),
        before: json_column(row, "before")?,
        after: json_column(row, "after")?,
    })
}

impl Store {
    /// Audit rows matching `filter`, newest first. Admins only: the log holds every change to
    /// every record, whoever owns it.
    pub async fn audit(&self, actor: UserId, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut conn = self.pool.acquire().await?;
        acting(&mut conn, actor)
            .await?
            .may_administer("read the audit log")?;
        // Each condition is always present and switched off by a NULL parameter, so the
        // statement text is fixed.
        let found = sqlx::query(
            "SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.entity, \
                a.entity_id, a.contact_id, a.before, a.after \
             FROM audit_log a JOIN users u ON u.id = a.actor_id \
             WHERE ($1 IS NULL OR a.entity = $1) AND ($2 IS NULL OR a.entity_id = $2) \
               AND ($3 IS NULL OR a.contact_id = $3) AND ($4 IS NULL OR a.actor_id = $4) \
               AND ($5 IS NULL OR a.id < $5) \
             ORDER BY a.id DESC LIMIT $6",
        )
        .bind(filter.entity.map(AuditEntity::as_str))
        .bind(filter.entity_id)
        .bind(filter.contact.map(|c| c.0))
        .bind(filter.actor.map(|a| a.0))
        .bind(filter.before)
        .bind(filter.limit.unwrap_or(100).clamp(1, MAX_AUDIT_ROWS))
        .fetch_all(&mut *conn)
        .await?;
        found.iter().map(entry).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_the_fields_that_differ() {
        let entry = AuditEntry {
            id: 1,
            at: Timestamp::UNIX_EPOCH,
            actor: UserId(1),
            actor_email: "a@b.c".into(),
            action: AuditAction::Update,
            entity: AuditEntity::Contact,
            entity_id: Some(1),
            contact: Some(ContactId(1)),
            before: Some(json!({"tier": "B", "name": "Dana", "title": null})),
            after: Some(json!({"tier": "A", "name": "Dana", "title": "CEO"})),
        };
        let changed: Vec<(String, Value, Value)> = entry
            .changes()
            .into_iter()
            .map(|c| (c.field, c.before, c.after))
            .collect();
        assert_eq!(
            changed,
            vec![
                ("tier".into(), json!("B"), json!("A")),
                ("title".into(), Value::Null, json!("CEO")),
            ]
        );
        let created = AuditEntry {
            before: None,
            ..entry
        };
        assert_eq!(created.changes().len(), 3);
    }
}

//! Touches, holds and follow-ups: the writes that move a contact's next touch date.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::model::{Contact, ContactId, FollowUp, FollowUpId, Hold, Touch, TouchId, UserId};
use rapport_core::{AuditAction, AuditEntity, Direction, NextTouch, TouchKind};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change, Standing, follow_up_snapshot, touch_snapshot};
use crate::contacts::{contact_to_change, record_contact_change};
use crate::error::{Result, StoreError};
use crate::schedule::{lock_contact, reschedule, reschedule_under};
use crate::{Store, instant_text, rows, stored_instant};

#[derive(Debug, Clone)]
pub struct NewTouch {
    pub kind: TouchKind,
    pub direction: Direction,
    pub at: Timestamp,
    /// The calendar day of `at` for the person logging it.
    pub on: Date,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
    /// Its text is for its author's eyes only.
    pub private: bool,
}

const FOLLOW_UP_COLUMNS: &str = "id, contact_id, due_on, body, done_at";

fn follow_up(row: &AnyRow) -> Result<FollowUp> {
    Ok(FollowUp {
        id: FollowUpId(rows::int(row, "id")?),
        contact: ContactId(rows::int(row, "contact_id")?),
        due_on: rows::date(row, "due_on")?,
        text: rows::text(row, "body")?,
        done_at: rows::opt_instant(row, "done_at")?,
    })
}

async fn load_follow_up(conn: &mut AnyConnection, id: FollowUpId) -> Result<FollowUp> {
    let sql = format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::FollowUpNotFound(id))?;
    follow_up(&row)
}

/// Locks the contact (see [`lock_contact`]) and fails unless it is active: archived contacts
/// take no new activity. The contact's version moves on: what it shows is about to change.
async fn lock_active(conn: &mut AnyConnection, contact: ContactId) -> Result<()> {
    match lock_contact(conn, contact, true).await? {
        Some(_) => Err(StoreError::Archived(contact)),
        None => Ok(()),
    }
}

/// [`lock_active`] for a write that adds activity (a follow-up, a content touch): `actor`
/// must be allowed to add, which is read in the locking statement itself, one round trip
/// fewer. A refusal comes before "not found" and "archived", as in every other write.
pub(crate) async fn lock_active_to_add(
    conn: &mut AnyConnection,
    contact: ContactId,
    actor: UserId,
) -> Result<()> {
    let locked: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "UPDATE contacts SET version = version + 1 WHERE id = $1 \
         RETURNING archived_at, (SELECT u.role FROM users u WHERE u.id = $2) AS actor_role, \
            (SELECT u.disabled_at FROM users u WHERE u.id = $2) AS actor_disabled_at",
    )
    .bind(contact.0)
    .bind(actor.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((archived_at, role, disabled_at)) = locked else {
        audit::acting(conn, actor).await?.may_add()?;
        return Err(StoreError::ContactNotFound(format!("#{contact}")));
    };
    let standing = role
        .map(|role| Standing::of(&role, disabled_at.as_deref(), None))
        .transpose()?;
    audit::acting_with_standing(actor, standing)?.may_add()?;
    match archived_at {
        Some(_) => Err(StoreError::Archived(contact)),
        None => Ok(()),
    }
}

impl Store {
    /// Logs a touch by `author` and moves the contact's cycle on from it. A hold that has run
    /// its course by the day of the touch is lifted: the contact was reached, the reason is
    /// history. Anyone who may write logs touches on any contact: it is their own activity.
    pub async fn log_touch(
        &self,
        author: UserId,
        contact: ContactId,
        touch: NewTouch,
        now: Timestamp,
    ) -> Result<(TouchId, NextTouch)> {
        let touch = match &self.touch_queue {
            Some(queue) => match queue.log(author, contact, touch, now).await {
                Ok(logged) => return logged,
                Err(not_queued) => not_queued,
            },
            None => touch,
        };
        self.log_touch_alone(author, contact, &touch, now).await
    }

    /// [`Store::log_touch`] in a transaction of its own.
    pub(crate) async fn log_touch_alone(
        &self,
        author: UserId,
        contact: ContactId,
        touch: &NewTouch,
        now: Timestamp,
    ) -> Result<(TouchId, NextTouch)> {
        let mut tx = self.write().await?;
        let logged = self
            .insert_touch(&mut tx, author, contact, touch, now)
            .await?;
        tx.commit().await?;
        Ok(logged)
    }

    /// The contact's touches as `viewer` may see them (private text withheld from everyone
    /// but its author), newest first; with `before`, only those listed after that touch.
    pub async fn touches(
        &self,
        viewer: UserId,
        contact: ContactId,
        limit: Option<i64>,
        before: Option<TouchId>,
    ) -> Result<Vec<Touch>> {
        let sql = format!(
            "SELECT {} FROM touches WHERE contact_id = $1 AND ($2 IS NULL OR \
                (occurred_at, id) < ((SELECT b.occurred_at FROM touches b WHERE b.id = $2), $2)) \
             ORDER BY occurred_at DESC, id DESC LIMIT $3",
            rows::TOUCH_COLUMNS
        );
        let found = sqlx::query(&sql)
            .bind(contact.0)
            .bind(before.map(|t| t.0))
            .bind(limit.unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        found
            .iter()
            .map(|row| Ok(rows::touch(row)?.as_seen_by(viewer)))
            .collect()
    }

    /// "Don't contact before `until`, because `reason`." Replaces any earlier hold. The
    /// contact's owner or an admin.
    pub async fn hold(
        &self,
        actor: UserId,
        contact: ContactId,
        hold: &Hold,
        now: Timestamp,
    ) -> Result<NextTouch> {
        let mut tx = self.write().await?;
        let before = contact_to_change(&mut tx, actor, contact).await?;
        let next = write_hold(&mut tx, actor, &before, Some(hold), now).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Lifts the hold; the contact returns to its cycle. `None` when there was no hold. The
    /// contact's owner or an admin.
    pub async fn unhold(
        &self,
        actor: UserId,
        contact: ContactId,
        now: Timestamp,
    ) -> Result<Option<NextTouch>> {
        let mut tx = self.write().await?;
        let before = contact_to_change(&mut tx, actor, contact).await?;
        if before.hold.is_none() {
            return Ok(None);
        }
        let next = write_hold(&mut tx, actor, &before, None, now).await?;
        tx.commit().await?;
        Ok(Some(next))
    }
}

impl Store {
    /// The touch-logging path every touch takes, on the caller's write transaction: the
    /// touch, the contact's latest touch and lapsed hold, the new schedule and the audit row.
    /// Checks the author and that the contact exists and is active itself, so it needs no
    /// lock taken before it (a caller that checks more first, like a content touch's caps,
    /// takes [`lock_active_to_add`]).
    pub(crate) async fn insert_touch(
        &self,
        conn: &mut AnyConnection,
        author: UserId,
        contact: ContactId,
        touch: &NewTouch,
        now: Timestamp,
    ) -> Result<(TouchId, NextTouch)> {
        let (logged, change) = self
            .insert_touch_unaudited(conn, author, contact, touch, now)
            .await?;
        audit::record(&mut *conn, author, now, change).await?;
        Ok(logged)
    }

    /// [`Store::insert_touch`] but for its audit row, which it returns for the caller to
    /// record in the same transaction (a group commit records its touches' rows at once).
    pub(crate) async fn insert_touch_unaudited(
        &self,
        conn: &mut AnyConnection,
        author: UserId,
        contact: ContactId,
        touch: &NewTouch,
        now: Timestamp,
    ) -> Result<((TouchId, NextTouch), Change)> {
        // The most frequent write, so as few statements as it can be. The insert reads the
        // contact's row (a missing contact inserts nothing) and, on PostgreSQL, locks it, so
        // the statements after it read what a concurrent writer of this contact committed;
        // SQLite's `BEGIN IMMEDIATE` already serialises writers. A refusal, an archived
        // contact, rolls the insert back with the rest.
        let row_lock = self.backend.row_lock();
        let inserted: Option<i64> = sqlx::query_scalar(&format!(
            "INSERT INTO touches (contact_id, author_id, kind, direction, occurred_at, \
                occurred_on, summary, needs, next_approach, created_at, private) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM contacts c \
             WHERE c.id = $1{row_lock} RETURNING id"
        ))
        .bind(contact.0)
        .bind(author.0)
        .bind(touch.kind.as_str())
        .bind(touch.direction.as_str())
        .bind(instant_text(touch.at))
        .bind(touch.on.to_string())
        .bind(touch.summary.as_deref())
        .bind(touch.needs.as_deref())
        .bind(touch.next_approach.as_deref())
        .bind(instant_text(now))
        .bind(i64::from(touch.private))
        .fetch_optional(&mut *conn)
        .await?;
        let Some(id) = inserted else {
            audit::acting(&mut *conn, author).await?.may_add()?;
            return Err(StoreError::ContactNotFound(format!("#{contact}")));
        };
        // One statement: the latest touch (which may be an older one, when this touch is
        // logged after the fact), the end of a hold that has run its course, the contact's
        // version, and what the checks need — whether the author may add, whether the
        // contact is archived.
        type Updated = (Option<String>, Option<String>, Option<String>, i64);
        let (archived_at, author_role, author_disabled_at, rules_version): Updated =
            sqlx::query_as(
                "UPDATE contacts SET \
                last_touch_id = (SELECT t.id FROM touches t WHERE t.contact_id = $1 \
                                 ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), \
                last_touch_on = (SELECT t.occurred_on FROM touches t WHERE t.contact_id = $1 \
                                 ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), \
                hold_reason = CASE WHEN hold_until <= $2 THEN NULL ELSE hold_reason END, \
                hold_until = CASE WHEN hold_until <= $2 THEN NULL ELSE hold_until END, \
                updated_at = $3, version = version + 1 \
             WHERE id = $1 \
             RETURNING archived_at, (SELECT u.role FROM users u WHERE u.id = $4) AS author_role, \
                (SELECT u.disabled_at FROM users u WHERE u.id = $4) AS author_disabled_at, \
                (SELECT d.rules_version FROM data_version d WHERE d.id = 1) AS rules_version",
            )
            .bind(contact.0)
            .bind(touch.on.to_string())
            .bind(instant_text(now))
            .bind(author.0)
            .fetch_one(&mut *conn)
            .await?;
        let standing = author_role
            .map(|role| Standing::of(&role, author_disabled_at.as_deref(), None))
            .transpose()?;
        audit::acting_with_standing(author, standing)?.may_add()?;
        if archived_at.is_some() {
            return Err(StoreError::Archived(contact));
        }
        let rules = self.scheduling_rules.at(&mut *conn, rules_version).await?;
        let next = reschedule_under(&mut *conn, &rules, contact).await?;
        // The touch as it now reads from the database, for the audit row.
        let logged = Touch {
            id: TouchId(id),
            contact,
            author,
            kind: touch.kind,
            direction: touch.direction,
            at: stored_instant(touch.at),
            on: touch.on,
            summary: touch.summary.clone(),
            needs: touch.needs.clone(),
            next_approach: touch.next_approach.clone(),
            private: touch.private,
        };
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::Touch,
            entity_id: Some(id),
            contact: Some(contact),
            before: None,
            after: Some(touch_snapshot(&logged)),
        };
        Ok(((TouchId(id), next), change))
    }
}

/// Sets (or with `None` lifts) the hold of a contact that [`contact_to_change`] has locked and
/// checked; `before` is the contact as it stood. Archived contacts take no hold.
async fn write_hold(
    conn: &mut AnyConnection,
    actor: UserId,
    before: &Contact,
    hold: Option<&Hold>,
    now: Timestamp,
) -> Result<NextTouch> {
    let contact = before.id;
    lock_active(conn, contact).await?;
    sqlx::query(
        "UPDATE contacts SET hold_until = $1, hold_reason = $2, updated_at = $3, \
                version = version + 1 WHERE id = $4",
    )
    .bind(hold.map(|h| h.until.to_string()))
    .bind(hold.map(|h| h.reason.clone()))
    .bind(instant_text(now))
    .bind(contact.0)
    .execute(&mut *conn)
    .await?;
    let next = reschedule(conn, contact).await?;
    let action = if hold.is_some() {
        AuditAction::Hold
    } else {
        AuditAction::Unhold
    };
    record_contact_change(conn, actor, now, action, before).await?;
    Ok(next)
}

impl Store {
    /// Adds a follow-up by `actor` (anyone who may write, on any contact: their own task).
    pub async fn add_follow_up(
        &self,
        actor: UserId,
        contact: ContactId,
        due_on: Date,
        text: &str,
        now: Timestamp,
    ) -> Result<(FollowUpId, NextTouch)> {
        let mut tx = self.write().await?;
        lock_active_to_add(&mut tx, contact, actor).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO follow_ups (contact_id, owner_id, due_on, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(contact.0)
        .bind(actor.0)
        .bind(due_on.to_string())
        .bind(text.trim())
        .bind(instant_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let next = reschedule(&mut tx, contact).await?;
        let added = load_follow_up(&mut tx, FollowUpId(id)).await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::FollowUp,
            entity_id: Some(id),
            contact: Some(contact),
            before: None,
            after: Some(follow_up_snapshot(&added)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok((FollowUpId(id), next))
    }

    /// Marks a follow-up done (doing so twice is harmless, and audited once) and reschedules
    /// its contact. Anyone who may write, on any contact.
    pub async fn complete_follow_up(
        &self,
        actor: UserId,
        id: FollowUpId,
        now: Timestamp,
    ) -> Result<(FollowUp, NextTouch)> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let before = load_follow_up(&mut tx, id).await?;
        sqlx::query("UPDATE follow_ups SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
            .bind(instant_text(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let done = load_follow_up(&mut tx, id).await?;
        lock_contact(&mut tx, done.contact, true).await?;
        let next = reschedule(&mut tx, done.contact).await?;
        if before.done_at.is_none() {
            let change = Change {
                action: AuditAction::Complete,
                entity: AuditEntity::FollowUp,
                entity_id: Some(id.0),
                contact: Some(done.contact),
                before: Some(follow_up_snapshot(&before)),
                after: Some(follow_up_snapshot(&done)),
            };
            audit::record(&mut tx, actor, now, change).await?;
        }
        tx.commit().await?;
        Ok((done, next))
    }

    /// A contact's follow-ups, open ones first by due date.
    pub async fn follow_ups(
        &self,
        contact: ContactId,
        include_done: bool,
    ) -> Result<Vec<FollowUp>> {
        let sql = format!(
            "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups \
             WHERE contact_id = $1 AND (done_at IS NULL OR $2 = 1) \
             ORDER BY done_at IS NOT NULL, due_on, id"
        );
        let found = sqlx::query(&sql)
            .bind(contact.0)
            .bind(i64::from(include_done))
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(follow_up).collect()
    }

    /// Open follow-ups of several contacts, for the agenda.
    pub(crate) async fn open_follow_ups_of(&self, contacts: &[ContactId]) -> Result<Vec<FollowUp>> {
        let mut all = vec![];
        for chunk in contacts.chunks(500) {
            let sql = format!(
                "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups \
                 WHERE done_at IS NULL AND contact_id IN ({}) ORDER BY due_on, id",
                rows::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.pool).await? {
                all.push(follow_up(&row)?);
            }
        }
        Ok(all)
    }

    /// Touches by id, for the agenda's "last touch" context.
    pub(crate) async fn touches_by_id(&self, ids: &[i64]) -> Result<Vec<Touch>> {
        let mut all = vec![];
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {} FROM touches WHERE id IN ({})",
                rows::TOUCH_COLUMNS,
                rows::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                all.push(rows::touch(&row)?);
            }
        }
        Ok(all)
    }
}

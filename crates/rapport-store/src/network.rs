//! The lead network: recording who introduced whom, and reading a contact's neighbourhood
//! with what came of each introduction. The rules (who is a client, who is a connector) are
//! the core's (`rapport_core::network`).

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::model::{ContactId, UserId};
use rapport_core::network::{IntroOutcome, is_client};
use rapport_core::{AuditAction, AuditEntity, Role};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change};
use crate::contacts::{load_contact, record_contact_change};
use crate::error::{Result, StoreError};
use crate::schedule::{lock_contact, reschedule};
use crate::{Store, instant_text, rows};

/// One person in a contact's neighbourhood: who, when the introduction was, and what came of
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub contact: ContactId,
    pub name: String,
    pub introduced_on: Date,
    pub outcome: IntroOutcome,
}

/// A contact's place in the lead network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub contact: ContactId,
    pub name: String,
    pub source: Option<String>,
    /// Whether they are a client themselves.
    pub client: bool,
    /// Who introduced them.
    pub introduced_by: Vec<Neighbour>,
    /// Whom they introduced.
    pub introduced: Vec<Neighbour>,
}

/// Each person's facts, as the core's rules need them.
const NEIGHBOUR_COLUMNS: &str = "c.id, c.name, c.stage, i.introduced_on, \
    (SELECT COUNT(*) FROM touches t WHERE t.contact_id = c.id) AS touches, \
    (SELECT CAST(COALESCE(SUM(p.value), 0) AS BIGINT) FROM opportunities p \
      WHERE p.contact_id = c.id AND p.outcome = 'won') AS won_value, \
    (SELECT COUNT(*) FROM contact_roles r \
      WHERE r.contact_id = c.id AND r.role = 'customer' AND r.until IS NULL) AS customer_roles";

fn neighbour(row: &AnyRow) -> Result<Neighbour> {
    let won_value = rows::int(row, "won_value")?;
    let client = is_client(
        rows::opt_parsed(row, "stage")?,
        rows::int(row, "customer_roles")? > 0,
        won_value,
    );
    Ok(Neighbour {
        contact: ContactId(rows::int(row, "id")?),
        name: rows::text(row, "name")?,
        introduced_on: rows::date(row, "introduced_on")?,
        outcome: IntroOutcome {
            touches: u64::try_from(rows::int(row, "touches")?).unwrap_or_default(),
            client,
            won_value,
        },
    })
}

impl Store {
    /// Records that `introducer` introduced `introduced` on `on`. The introducer takes on the
    /// referrer role (so the referrer default cadence reaches them) and the introduced
    /// contact's source, if empty, becomes "introduced by …". Logging who introduced whom is
    /// activity, like a touch: anyone who may write. One transaction, audited. Refused when
    /// `introduced` brought `introducer` to us, directly or through others.
    pub async fn introduce(
        &self,
        actor: UserId,
        introducer: ContactId,
        introduced: ContactId,
        on: Date,
        now: Timestamp,
    ) -> Result<()> {
        if introducer == introduced {
            return Err(StoreError::Invalid(
                "a contact cannot introduce themselves".to_owned(),
            ));
        }
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        // In id order, so two introductions between the same people never deadlock.
        for id in [introducer.min(introduced), introducer.max(introduced)] {
            lock_contact(&mut tx, id, false).await?;
        }
        let (a, b) = (
            load_contact(&mut tx, introducer).await?,
            load_contact(&mut tx, introduced).await?,
        );
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM introductions WHERE introducer_id = $1 AND introduced_id = $2",
        )
        .bind(introducer.0)
        .bind(introduced.0)
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_some() {
            return Err(StoreError::Invalid(format!(
                "{} introducing {} is already recorded",
                a.name, b.name
            )));
        }
        // Whoever brought the introducer to us cannot have been brought by them: an
        // introduction the other way round, however many people it went through, is a circle.
        let circle: Option<i64> = sqlx::query_scalar(
            "WITH RECURSIVE brought_by(id) AS ( \
                 SELECT introducer_id FROM introductions WHERE introduced_id = $1 \
                 UNION SELECT i.introducer_id FROM introductions i \
                     JOIN brought_by ON i.introduced_id = brought_by.id) \
             SELECT 1 FROM brought_by WHERE id = $2",
        )
        .bind(introducer.0)
        .bind(introduced.0)
        .fetch_optional(&mut *tx)
        .await?;
        if circle.is_some() {
            return Err(StoreError::Invalid(format!(
                "{b} introduced {a}, directly or through others: {a} cannot have introduced {b}",
                a = a.name,
                b = b.name
            )));
        }
        let stamp = instant_text(now);
        sqlx::query(
            "INSERT INTO introductions (introducer_id, introduced_id, introduced_on, author_id, \
                created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(introducer.0)
        .bind(introduced.0)
        .bind(on.to_string())
        .bind(actor.0)
        .bind(&stamp)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::Introduction,
            entity_id: None,
            contact: Some(introduced),
            before: None,
            after: Some(json!({
                "introducer_id": introducer.0,
                "introduced_id": introduced.0,
                "introduced_on": on.to_string(),
            })),
        };
        audit::record(&mut tx, actor, now, change).await?;

        if b.source.is_none() {
            sqlx::query(
                "UPDATE contacts SET source = $1, updated_at = $2, version = version + 1 \
                 WHERE id = $3",
            )
            .bind(format!("introduced by {}", a.name))
            .bind(&stamp)
            .bind(introduced.0)
            .execute(&mut *tx)
            .await?;
            record_contact_change(&mut tx, actor, now, AuditAction::Update, &b).await?;
        }
        if !a.active_roles().contains(&Role::Referrer) {
            sqlx::query("INSERT INTO contact_roles (contact_id, role, since) VALUES ($1, $2, $3)")
                .bind(introducer.0)
                .bind(Role::Referrer.as_str())
                .bind(on.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE contacts SET updated_at = $1, version = version + 1 WHERE id = $2")
                .bind(&stamp)
                .bind(introducer.0)
                .execute(&mut *tx)
                .await?;
            reschedule(&mut tx, introducer).await?;
            record_contact_change(&mut tx, actor, now, AuditAction::Update, &a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A contact's neighbourhood: who introduced them, whom they introduced, and what came
    /// of each.
    pub async fn network(&self, contact: ContactId) -> Result<Network> {
        let mut conn = self.pool.acquire().await?;
        let me = load_contact(&mut conn, contact).await?;
        let introduced = neighbours(&mut conn, Side::Introduced, contact).await?;
        let introduced_by = neighbours(&mut conn, Side::Introducer, contact).await?;
        let won_value: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM opportunities \
             WHERE contact_id = $1 AND outcome = 'won'",
        )
        .bind(contact.0)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Network {
            contact,
            client: is_client(
                me.stage,
                me.active_roles().contains(&Role::Customer),
                won_value,
            ),
            name: me.name,
            source: me.source,
            introduced_by,
            introduced,
        })
    }
}

/// Which end of an introduction the neighbours are at, seen from the contact asked about.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// The people the contact introduced.
    Introduced,
    /// Whoever introduced the contact.
    Introducer,
}

async fn neighbours(
    conn: &mut AnyConnection,
    side: Side,
    contact: ContactId,
) -> Result<Vec<Neighbour>> {
    // Fixed column names only: the contact's id is bound.
    let (theirs, ours) = match side {
        Side::Introduced => ("introduced_id", "introducer_id"),
        Side::Introducer => ("introducer_id", "introduced_id"),
    };
    let sql = format!(
        "SELECT {NEIGHBOUR_COLUMNS} FROM introductions i \
         JOIN contacts c ON c.id = i.{theirs} \
         WHERE i.{ours} = $1 ORDER BY i.introduced_on, c.id"
    );
    sqlx::query(&sql)
        .bind(contact.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(neighbour)
        .collect()
}

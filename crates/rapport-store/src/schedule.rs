//! Keeping every contact's stored next touch date equal to what the scheduling engine says.
//!
//! The engine (`rapport_core::schedule`) is pure; this module feeds it a contact's stored
//! facts and writes the answer back, inside the caller's transaction. Every write that changes
//! one of those facts ends by calling [`reschedule`], so the indexed `next_touch_on` column the
//! agenda scans is never stale.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::model::{ContactId, UserId};
use rapport_core::{
    AuditAction, AuditEntity, Cadence, CadenceDefaults, CadenceProfile, CadenceUnit, DefaultScope,
    NextTouch, Role, ScheduleInput, next_touch,
};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use rapport_core::renewal::{self, RenewalLead};

use crate::audit::{self, Change};
use crate::error::{Result, StoreError};
use crate::rows;
use crate::{Backend, Store};

const BATCH: i64 = 5_000;

/// Takes the contact's row lock for the rest of the transaction and returns its
/// `archived_at`. Every write that reads a contact's facts to reschedule it calls this first,
/// so concurrent writers to one contact queue and each reads what the previous one committed
/// (PostgreSQL's Read Committed; SQLite's `BEGIN IMMEDIATE` already serialises writers).
/// `bump` also moves the contact's version on, for writes that change what it shows.
pub(crate) async fn lock_contact(
    conn: &mut AnyConnection,
    contact: ContactId,
    bump: bool,
) -> Result<Option<String>> {
    let found: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE contacts SET version = version + $1 WHERE id = $2 RETURNING archived_at",
    )
    .bind(i64::from(bump))
    .bind(contact.0)
    .fetch_optional(&mut *conn)
    .await?;
    found.ok_or_else(|| StoreError::ContactNotFound(format!("#{contact}")))
}

pub(crate) async fn load_defaults(conn: &mut AnyConnection) -> Result<CadenceDefaults> {
    let rows = sqlx::query("SELECT scope, key, cadence FROM cadence_defaults")
        .fetch_all(&mut *conn)
        .await?;
    let mut defaults = fallback_defaults()?;
    for row in &rows {
        add_default(&mut defaults, row)?;
    }
    Ok(defaults)
}

/// The migration seeds a fallback row; this value only stands in until that row is read.
fn fallback_defaults() -> Result<CadenceDefaults> {
    Ok(CadenceDefaults::with_fallback(
        Cadence::new(3, CadenceUnit::Months).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    ))
}

/// Adds one stored default: a row with `scope`, `key` and `cadence`.
fn add_default(defaults: &mut CadenceDefaults, row: &AnyRow) -> Result<()> {
    let (scope, key) = (rows::text(row, "scope")?, rows::text(row, "key")?);
    let scope = DefaultScope::from_parts(&scope, &key)
        .ok_or_else(|| StoreError::Corrupt(format!("cadence default scope '{scope}:{key}'")))?;
    defaults.set(scope, Some(rows::parsed(row, "cadence")?));
    Ok(())
}

/// The team-wide rules the engine applies to every contact: the default cadences and the
/// renewal lead time.
#[derive(Debug)]
pub(crate) struct SchedulingRules {
    defaults: CadenceDefaults,
    lead: RenewalLead,
}

/// Reads [`SchedulingRules`] in one round trip: nearly every write reschedules a contact, so
/// this runs in most transactions (a logged touch among them).
pub(crate) async fn load_scheduling_rules(conn: &mut AnyConnection) -> Result<SchedulingRules> {
    let found = sqlx::query(
        "SELECT scope, key, cadence FROM cadence_defaults \
         UNION ALL \
         SELECT 'renewal_lead_days', '', value FROM relationship_settings \
         WHERE key = 'renewal_lead_days'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut defaults = fallback_defaults()?;
    let mut lead = None;
    for row in &found {
        if rows::text(row, "scope")? == "renewal_lead_days" {
            lead = Some(rows::parsed(row, "cadence")?);
        } else {
            add_default(&mut defaults, row)?;
        }
    }
    let lead = lead.ok_or_else(|| {
        StoreError::Corrupt("relationship setting 'renewal_lead_days' is missing".into())
    })?;
    Ok(SchedulingRules { defaults, lead })
}

/// The scheduling rules this process read last, with the rules version (`data_version.
/// rules_version`, moved on by triggers on every change to them) they were read at.
#[derive(Debug, Clone, Default)]
pub(crate) struct RulesCache(Arc<Mutex<Option<RulesAt>>>);

/// Scheduling rules and the rules version they were read at.
type RulesAt = (i64, Arc<SchedulingRules>);

impl RulesCache {
    /// The rules at `version`, which the caller read in its own transaction: reused when this
    /// process has read them at that version, read afresh (and kept) otherwise.
    pub(crate) async fn at(
        &self,
        conn: &mut AnyConnection,
        version: i64,
    ) -> Result<Arc<SchedulingRules>> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some((kept_version, rules)) = kept
            && kept_version == version
        {
            return Ok(rules);
        }
        let rules = Arc::new(load_scheduling_rules(conn).await?);
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, rules.clone()));
        Ok(rules)
    }
}

/// Recomputes the next touch of the contacts with ids in `first..=last`, in batches, and
/// writes back those that changed.
pub(crate) async fn reschedule_range(
    conn: &mut AnyConnection,
    rules: &SchedulingRules,
    first: i64,
    last: i64,
) -> Result<u64> {
    let mut changed = 0;
    let mut from = first;
    while from <= last {
        let to = last.min(from.saturating_add(BATCH - 1));
        let schedules = reschedule_batch(conn, rules, from, to).await?;
        changed += schedules.iter().filter(|(changed, _)| *changed).count() as u64;
        from = match to.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(changed)
}

/// Brings one contact's stored schedule up to date and returns it.
pub(crate) async fn reschedule(conn: &mut AnyConnection, contact: ContactId) -> Result<NextTouch> {
    let rules = load_scheduling_rules(conn).await?;
    reschedule_under(conn, &rules, contact).await
}

/// [`reschedule`] under rules the caller has read already.
pub(crate) async fn reschedule_under(
    conn: &mut AnyConnection,
    rules: &SchedulingRules,
    contact: ContactId,
) -> Result<NextTouch> {
    let mut schedules = reschedule_batch(conn, rules, contact.0, contact.0).await?;
    schedules
        .pop()
        .map(|(_, next)| next)
        .ok_or_else(|| StoreError::ContactNotFound(format!("#{contact}")))
}

/// Recomputes the schedules of the contacts with ids in `from..=to`, writes back those that
/// changed, and returns every contact's schedule with whether it changed.
async fn reschedule_batch(
    conn: &mut AnyConnection,
    rules: &SchedulingRules,
    from: i64,
    to: i64,
) -> Result<Vec<(bool, NextTouch)>> {
    // One row per contact, active role and competitor renewal at its organization (one row
    // with NULLs for a contact with neither), in id order, so a contact's rows arrive
    // together. A role or renewal repeated by the cross product changes nothing: the engine
    // takes the tightest role and the earliest renewal.
    let found = sqlx::query(
        "SELECT c.id, c.cadence, c.tier, c.stage, c.horizon, c.added_on, c.last_touch_on, \
                c.hold_until, c.effective_cadence, c.cadence_source, c.next_touch_on, \
                c.next_touch_source, r.role, k.renews_on, \
                (SELECT MIN(f.due_on) FROM follow_ups f \
                  WHERE f.contact_id = c.id AND f.done_at IS NULL) AS follow_up_on \
         FROM contacts c \
         LEFT JOIN contact_roles r ON r.contact_id = c.id AND r.until IS NULL \
         LEFT JOIN competitors k ON k.organization_id = c.organization_id \
                                AND k.renews_on IS NOT NULL \
         WHERE c.id >= $1 AND c.id <= $2 ORDER BY c.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut contacts: Vec<(&AnyRow, Vec<Role>, Vec<Date>)> = Vec::new();
    for row in &found {
        let role: Option<Role> = rows::opt_parsed(row, "role")?;
        let renewal = rows::opt_date(row, "renews_on")?;
        let id = rows::int(row, "id")?;
        match contacts.last_mut() {
            Some((first, roles, renewals)) if rows::int(first, "id")? == id => {
                roles.extend(role);
                renewals.extend(renewal);
            }
            _ => contacts.push((
                row,
                role.into_iter().collect(),
                renewal.into_iter().collect(),
            )),
        }
    }

    let mut schedules = Vec::with_capacity(contacts.len());
    for (row, active_roles, renewals) in &contacts {
        let id = rows::int(row, "id")?;
        let (cadence, source) = rules.defaults.resolve(&CadenceProfile {
            explicit: rows::opt_parsed(row, "cadence")?,
            tier: rows::opt_parsed(row, "tier")?,
            stage: rows::opt_parsed(row, "stage")?,
            active_roles: active_roles.as_slice(),
            horizon: rows::opt_parsed(row, "horizon")?,
        });
        let added_on = rows::date(row, "added_on")?;
        let last_touch_on = rows::opt_date(row, "last_touch_on")?;
        let next = next_touch(&ScheduleInput {
            cadence,
            added_on,
            last_touch_on,
            hold_until: rows::opt_date(row, "hold_until")?,
            earliest_follow_up: rows::opt_date(row, "follow_up_on")?,
            renewal_from: renewal::watch_from(renewals, rules.lead, added_on, last_touch_on),
        });
        let stored = (
            rows::text(row, "effective_cadence")?,
            rows::text(row, "cadence_source")?,
            rows::text(row, "next_touch_on")?,
            rows::text(row, "next_touch_source")?,
        );
        let fresh = (
            cadence.to_string(),
            source.code(),
            next.on.to_string(),
            next.source.as_str().to_owned(),
        );
        let changed = stored != fresh;
        if changed {
            sqlx::query(
                "UPDATE contacts SET effective_cadence = $1, cadence_source = $2, \
                 next_touch_on = $3, next_touch_source = $4 WHERE id = $5",
            )
            .bind(fresh.0)
            .bind(fresh.1)
            .bind(fresh.2)
            .bind(fresh.3)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        schedules.push((changed, next));
    }
    Ok(schedules)
}

impl Store {
    pub async fn cadence_defaults(&self) -> Result<CadenceDefaults> {
        let mut conn = self.pool.acquire().await?;
        load_defaults(&mut conn).await
    }

    /// Sets or removes one default cadence and reschedules every contact, in one transaction.
    /// Admins only: it moves everyone's schedule. Returns how many contacts' next touch moved.
    pub async fn set_cadence_default(
        &self,
        actor: UserId,
        scope: DefaultScope,
        cadence: Option<Cadence>,
        now: Timestamp,
    ) -> Result<u64> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change default cadences")?;
        let (scope_name, key) = scope.parts();
        let before: Option<String> = sqlx::query_scalar(
            "SELECT cadence FROM cadence_defaults WHERE scope = $1 AND key = $2",
        )
        .bind(scope_name)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        match (scope, cadence) {
            (_, Some(cadence)) => {
                sqlx::query(
                    "INSERT INTO cadence_defaults (scope, key, cadence) VALUES ($1, $2, $3) \
                     ON CONFLICT (scope, key) DO UPDATE SET cadence = excluded.cadence",
                )
                .bind(scope_name)
                .bind(key)
                .bind(cadence.to_string())
                .execute(&mut *tx)
                .await?;
            }
            (DefaultScope::Fallback, None) => {}
            (_, None) => {
                sqlx::query("DELETE FROM cadence_defaults WHERE scope = $1 AND key = $2")
                    .bind(scope_name)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let snapshot = |cadence: Option<String>| json!({ "scope": scope_name, "key": key, "cadence": cadence });
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::CadenceDefault,
            entity_id: None,
            contact: None,
            before: Some(snapshot(before)),
            after: Some(snapshot(cadence.map(|c| c.to_string()))),
        };
        audit::record(&mut tx, actor, now, change).await?;
        self.lock_all_contacts(&mut tx).await?;
        let changed = reschedule_everyone(&mut tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Recomputes every contact's next touch from scratch and reports how many were stale.
    /// A consistency check: after any sequence of writes it must return 0.
    pub async fn reschedule_all(&self) -> Result<u64> {
        let mut tx = self.write().await?;
        self.lock_all_contacts(&mut tx).await?;
        let changed = reschedule_everyone(&mut tx).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

impl Store {
    /// Holds off every other writer of contacts until the transaction ends, so a reschedule
    /// of everyone never writes a schedule computed from facts another writer has since
    /// changed. SQLite's `BEGIN IMMEDIATE` already does; PostgreSQL needs a table lock
    /// (readers are not blocked).
    pub(crate) async fn lock_all_contacts(&self, conn: &mut AnyConnection) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE contacts IN EXCLUSIVE MODE")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

pub(crate) async fn reschedule_everyone(conn: &mut AnyConnection) -> Result<u64> {
    let rules = load_scheduling_rules(conn).await?;
    let bounds: (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MIN(id), MAX(id) FROM contacts")
            .fetch_one(&mut *conn)
            .await?;
    match bounds {
        (Some(first), Some(last)) => reschedule_range(conn, &rules, first, last).await,
        _ => Ok(0),
    }
}

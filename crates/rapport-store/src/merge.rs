//! Duplicates and merging them.
//!
//! [`Store::duplicates`] reads the active contacts' phones and names and applies the core's
//! rules (`rapport_core::duplicates`, `rapport_core::phone`): the same phone number anywhere
//! (by the `phone_key` stored beside each phone), alike names at the same organization, the
//! same name between two contacts without one.
//!
//! [`Store::merge_contacts`] folds one contact into another in one transaction: every row
//! that refers to the merged contact (touches, follow-ups, opportunities, stage changes,
//! roles, emails, phones, tags, custom fields, introductions) moves to the survivor, the survivor's own
//! fields are filled from the merged one where empty (notes are joined), the survivor is
//! rescheduled through the normal path, and the merged contact is archived with
//! `merged_into` pointing at the survivor — nothing is deleted but what would repeat. Both
//! contacts get an audit row.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rapport_core::duplicates::{NameLikeness, name_likeness};
use rapport_core::model::{ContactId, ContactSummary, UserId};
use rapport_core::{AuditAction, AuditEntity, NextTouch};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Change, contact_snapshot};
use crate::contacts::{
    SUMMARY_COLUMNS, contact_summary, contact_to_change, load_contact, next_position,
};
use crate::error::{Result, StoreError};
use crate::schedule::reschedule;
use crate::{Store, instant_text, rows};

/// Why two contacts look like one person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// The same phone number (as the first of the two has it written).
    SamePhone(String),
    /// Alike names at the same organization (named), or the same name with none.
    Names {
        likeness: NameLikeness,
        organization: Option<String>,
    },
}

/// Two contacts that look like one person, the lower id first, with the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    pub first: ContactSummary,
    pub second: ContactSummary,
    pub evidence: Vec<Evidence>,
}

/// What a merge moved from the merged contact to the survivor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    pub touches: u64,
    pub follow_ups: u64,
    pub opportunities: u64,
    pub stage_changes: u64,
    pub roles: u64,
    pub emails: u64,
    pub phones: u64,
    pub tags: u64,
    /// Custom fields the survivor did not have (its own values win).
    pub fields: u64,
    pub introductions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub survivor: ContactId,
    pub merged: ContactId,
    pub moved: Moved,
    pub next_touch: NextTouch,
}

impl Store {
    /// Likely duplicate pairs among the active contacts, the most evidence first, at most
    /// `limit`.
    pub async fn duplicates(&self, limit: usize) -> Result<Vec<DuplicatePair>> {
        let mut pairs: BTreeMap<(i64, i64), Vec<Evidence>> = BTreeMap::new();
        let mut add = |a: i64, b: i64, evidence: Evidence| {
            pairs
                .entry((a.min(b), a.max(b)))
                .or_default()
                .push(evidence);
        };

        let phones = sqlx::query(
            "SELECT p.contact_id, p.phone, p.phone_key FROM contact_phones p \
             JOIN contacts c ON c.id = p.contact_id \
             WHERE c.archived_at IS NULL AND p.phone_key IS NOT NULL \
             ORDER BY p.contact_id, p.position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_phone: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for row in &phones {
            let holders = by_phone.entry(rows::text(row, "phone_key")?).or_default();
            let contact = rows::int(row, "contact_id")?;
            if !holders.iter().any(|(c, _)| *c == contact) {
                holders.push((contact, rows::text(row, "phone")?));
            }
        }
        for holders in by_phone.values() {
            for (i, (a, phone)) in holders.iter().enumerate() {
                for (b, _) in &holders[i + 1..] {
                    add(*a, *b, Evidence::SamePhone(phone.clone()));
                }
            }
        }

        let people = sqlx::query(
            "SELECT c.id, c.name, o.name AS organization FROM contacts c \
             LEFT JOIN organizations o ON o.id = c.organization_id \
             WHERE c.archived_at IS NULL ORDER BY c.organization_id, c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_organization: HashMap<Option<String>, Vec<(i64, String)>> = HashMap::new();
        for row in &people {
            by_organization
                .entry(rows::opt_text(row, "organization")?)
                .or_default()
                .push((rows::int(row, "id")?, rows::text(row, "name")?));
        }
        for (organization, members) in &by_organization {
            for (i, (a, name_a)) in members.iter().enumerate() {
                for (b, name_b) in &members[i + 1..] {
                    // Without an organization, only the very same name is evidence enough.
                    let likeness = name_likeness(name_a, name_b)
                        .filter(|l| organization.is_some() || *l == NameLikeness::Same);
                    if let Some(likeness) = likeness {
                        add(
                            *a,
                            *b,
                            Evidence::Names {
                                likeness,
                                organization: organization.clone(),
                            },
                        );
                    }
                }
            }
        }

        let mut ranked: Vec<((i64, i64), Vec<Evidence>)> = pairs.into_iter().collect();
        ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        let mut ids: Vec<i64> = ranked.iter().flat_map(|((a, b), _)| [*a, *b]).collect();
        ids.sort_unstable();
        ids.dedup();
        let summaries = self.summaries(&ids).await?;
        ranked
            .into_iter()
            .map(|((a, b), mut evidence)| {
                evidence.sort();
                let get = |id: i64| {
                    summaries
                        .get(&ContactId(id))
                        .cloned()
                        .ok_or_else(|| StoreError::ContactNotFound(format!("#{id}")))
                };
                Ok(DuplicatePair {
                    first: get(a)?,
                    second: get(b)?,
                    evidence,
                })
            })
            .collect()
    }

    async fn summaries(&self, ids: &[i64]) -> Result<HashMap<ContactId, ContactSummary>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {SUMMARY_COLUMNS} FROM contacts c \
                 LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id IN ({})",
                rows::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let summary = contact_summary(&row)?;
                found.insert(summary.id, summary);
            }
        }
        Ok(found)
    }

    /// Merges `merged` into `survivor` (see the module's documentation). Refused, changing
    /// nothing, for one contact twice, an archived contact, or an actor who may not change
    /// both.
    pub async fn merge_contacts(
        &self,
        actor: UserId,
        survivor: ContactId,
        merged: ContactId,
        now: Timestamp,
    ) -> Result<Merged> {
        if survivor == merged {
            return Err(StoreError::Invalid(format!(
                "cannot merge contact #{survivor} into itself"
            )));
        }
        let mut tx = self.write().await?;
        // Locked in id order, so two merges of the same pair queue instead of deadlocking.
        let (low, high) = (survivor.min(merged), survivor.max(merged));
        let low_before = contact_to_change(&mut tx, actor, low).await?;
        let high_before = contact_to_change(&mut tx, actor, high).await?;
        let (kept, gone) = if low == survivor {
            (low_before, high_before)
        } else {
            (high_before, low_before)
        };
        for contact in [&kept, &gone] {
            // Merged contacts are archived too, but unarchiving one is refused: say where it went.
            if let Some(into) = contact.merged_into {
                return Err(StoreError::Merged {
                    contact: contact.id,
                    into,
                });
            }
            if contact.archived_at.is_some() {
                return Err(StoreError::Archived(contact.id));
            }
        }

        let moved = move_records(&mut tx, survivor, merged).await?;
        let stamp = instant_text(now);
        sqlx::query(
            "UPDATE contacts SET \
                title = COALESCE(contacts.title, b.title), \
                organization_id = COALESCE(contacts.organization_id, b.organization_id), \
                source = COALESCE(contacts.source, b.source), \
                tier = COALESCE(contacts.tier, b.tier), \
                stage = COALESCE(contacts.stage, b.stage), \
                horizon = COALESCE(contacts.horizon, b.horizon), \
                prospect_kind = COALESCE(contacts.prospect_kind, b.prospect_kind), \
                cadence = COALESCE(contacts.cadence, b.cadence), \
                notes = CASE WHEN b.notes IS NULL THEN contacts.notes \
                    WHEN contacts.notes IS NULL THEN b.notes \
                    ELSE contacts.notes || $3 || b.notes END, \
                added_on = CASE WHEN b.added_on < contacts.added_on THEN b.added_on \
                    ELSE contacts.added_on END, \
                hold_until = CASE WHEN b.hold_until > COALESCE(contacts.hold_until, '') \
                    THEN b.hold_until ELSE contacts.hold_until END, \
                hold_reason = CASE WHEN b.hold_until > COALESCE(contacts.hold_until, '') \
                    THEN b.hold_reason ELSE contacts.hold_reason END, \
                last_touch_id = (SELECT t.id FROM touches t WHERE t.contact_id = $1 \
                    ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), \
                last_touch_on = (SELECT t.occurred_on FROM touches t WHERE t.contact_id = $1 \
                    ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), \
                updated_at = $4, version = contacts.version + 1 \
             FROM contacts b WHERE contacts.id = $1 AND b.id = $2",
        )
        .bind(survivor.0)
        .bind(merged.0)
        .bind("\n\n")
        .bind(&stamp)
        .execute(&mut *tx)
        .await?;
        // The merged contact keeps its name and notes, archived; what it had is the
        // survivor's now, so it holds no last touch or hold of its own.
        sqlx::query(
            "UPDATE contacts SET archived_at = $1, updated_at = $1, merged_into = $2, \
                last_touch_id = NULL, last_touch_on = NULL, hold_until = NULL, \
                hold_reason = NULL, version = version + 1 \
             WHERE id = $3",
        )
        .bind(&stamp)
        .bind(survivor.0)
        .bind(merged.0)
        .execute(&mut *tx)
        .await?;
        let next_touch = reschedule(&mut tx, survivor).await?;
        reschedule(&mut tx, merged).await?;

        let survivor_after = load_contact(&mut tx, survivor).await?;
        let merged_after = load_contact(&mut tx, merged).await?;
        let mut after = contact_snapshot(&survivor_after);
        after["merged"] = json!({ "id": merged.0, "name": gone.name });
        let mut gone_after = contact_snapshot(&merged_after);
        gone_after["merged_into"] = json!({ "id": survivor.0, "name": kept.name });
        for (contact, before, after) in [
            (survivor, contact_snapshot(&kept), after),
            (merged, contact_snapshot(&gone), gone_after),
        ] {
            let change = Change {
                action: AuditAction::Merge,
                entity: AuditEntity::Contact,
                entity_id: Some(contact.0),
                contact: Some(contact),
                before: Some(before),
                after: Some(after),
            };
            audit::record(&mut tx, actor, now, change).await?;
        }
        tx.commit().await?;
        Ok(Merged {
            survivor,
            merged,
            moved,
            next_touch,
        })
    }
}

/// Moves every row referring to `merged` over to `survivor`, dropping only what would repeat:
/// a phone (the same number however written) or tag the survivor has, an open role it holds
/// already (the earlier start is kept), an introduction it already has, and an introduction
/// between the two.
async fn move_records(
    conn: &mut AnyConnection,
    survivor: ContactId,
    merged: ContactId,
) -> Result<Moved> {
    let run = |sql: &'static str| sqlx::query(sql).bind(survivor.0).bind(merged.0);
    let mut moved = Moved {
        touches: run("UPDATE touches SET contact_id = $1 WHERE contact_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        follow_ups: run("UPDATE follow_ups SET contact_id = $1 WHERE contact_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        opportunities: run("UPDATE opportunities SET contact_id = $1 WHERE contact_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        stage_changes: run("UPDATE stage_changes SET contact_id = $1 WHERE contact_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        roles: run("UPDATE contact_roles SET contact_id = $1 WHERE contact_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        ..Moved::default()
    };
    sqlx::query(
        "DELETE FROM contact_roles WHERE contact_id = $1 AND until IS NULL AND EXISTS ( \
            SELECT 1 FROM contact_roles r WHERE r.contact_id = $1 AND r.until IS NULL \
            AND r.role = contact_roles.role AND (r.since < contact_roles.since \
                OR (r.since = contact_roles.since AND r.id < contact_roles.id)))",
    )
    .bind(survivor.0)
    .execute(&mut *conn)
    .await?;

    // Emails are unique across contacts, so they move as they are, after the survivor's own.
    let after = next_position(conn, "contact_emails", survivor).await?;
    moved.emails = sqlx::query(
        "UPDATE contact_emails SET contact_id = $1, position = position + $3 \
         WHERE contact_id = $2",
    )
    .bind(survivor.0)
    .bind(merged.0)
    .bind(after)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let after = next_position(conn, "contact_phones", survivor).await?;
    moved.phones = sqlx::query(
        "INSERT INTO contact_phones (contact_id, phone, position, phone_key) \
         SELECT $1, b.phone, b.position + $3, b.phone_key FROM contact_phones b \
         WHERE b.contact_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM contact_phones a \
             WHERE a.contact_id = $1 AND (a.phone = b.phone OR a.phone_key = b.phone_key))",
    )
    .bind(survivor.0)
    .bind(merged.0)
    .bind(after)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    moved.tags = run("INSERT INTO contact_tags (contact_id, tag) \
         SELECT $1, b.tag FROM contact_tags b WHERE b.contact_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM contact_tags a WHERE a.contact_id = $1 AND a.tag = b.tag)")
    .execute(&mut *conn)
    .await?
    .rows_affected();
    moved.fields = run("INSERT INTO contact_fields (contact_id, field_key, value) \
         SELECT $1, b.field_key, b.value FROM contact_fields b WHERE b.contact_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM contact_fields a \
             WHERE a.contact_id = $1 AND a.field_key = b.field_key)")
    .execute(&mut *conn)
    .await?
    .rows_affected();
    for sql in [
        "DELETE FROM contact_phones WHERE contact_id = $1",
        "DELETE FROM contact_tags WHERE contact_id = $1",
        "DELETE FROM contact_fields WHERE contact_id = $1",
    ] {
        sqlx::query(sql).bind(merged.0).execute(&mut *conn).await?;
    }
    for sql in [
        // One person cannot have introduced themself.
        "DELETE FROM introductions WHERE (introducer_id = $1 AND introduced_id = $2) \
            OR (introducer_id = $2 AND introduced_id = $1)",
        "DELETE FROM introductions WHERE introducer_id = $2 AND introduced_id IN \
            (SELECT i.introduced_id FROM introductions i WHERE i.introducer_id = $1)",
        "DELETE FROM introductions WHERE introduced_id = $2 AND introducer_id IN \
            (SELECT i.introducer_id FROM introductions i WHERE i.introduced_id = $1)",
    ] {
        run(sql).execute(&mut *conn).await?;
    }
    // Nurture: what was sent follows its touch; stated interests join the survivor's; the
    // survivor's nurture and sales owners and sales-ready signal stay, B's fill what it lacks.
    for sql in [
        "UPDATE content_sends SET contact_id = $1 WHERE contact_id = $2",
        "INSERT INTO contact_interests (contact_id, kind, term) \
         SELECT $1, b.kind, b.term FROM contact_interests b WHERE b.contact_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM contact_interests a WHERE a.contact_id = $1 \
             AND a.kind = b.kind AND a.term = b.term)",
        "UPDATE nurture_owners SET \
            nurture_owner_id = COALESCE(nurture_owner_id, \
                (SELECT b.nurture_owner_id FROM nurture_owners b WHERE b.contact_id = $2)), \
            sales_owner_id = COALESCE(sales_owner_id, \
                (SELECT b.sales_owner_id FROM nurture_owners b WHERE b.contact_id = $2)), \
            ready_note = CASE WHEN ready_on IS NULL THEN \
                (SELECT b.ready_note FROM nurture_owners b WHERE b.contact_id = $2) \
                ELSE ready_note END, \
            ready_on = COALESCE(ready_on, \
                (SELECT b.ready_on FROM nurture_owners b WHERE b.contact_id = $2)) \
         WHERE contact_id = $1",
        "UPDATE nurture_owners SET contact_id = $1 WHERE contact_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM nurture_owners a WHERE a.contact_id = $1)",
    ] {
        run(sql).execute(&mut *conn).await?;
    }
    for sql in [
        "DELETE FROM contact_interests WHERE contact_id = $1",
        "DELETE FROM nurture_owners WHERE contact_id = $1",
    ] {
        sqlx::query(sql).bind(merged.0).execute(&mut *conn).await?;
    }
    moved.introductions =
        run("UPDATE introductions SET introducer_id = $1 WHERE introducer_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected()
            + run("UPDATE introductions SET introduced_id = $1 WHERE introduced_id = $2")
                .execute(&mut *conn)
                .await?
                .rows_affected();
    Ok(moved)
}

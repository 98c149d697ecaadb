//! Contacts: adding, editing, archiving, finding and reading them.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::fit::FieldKey;
use rapport_core::model::{
    Contact, ContactId, ContactSummary, Hold, OrganizationId, OrganizationRef, RoleSpan,
    StageChange, UserId,
};
use rapport_core::phone::same_number;
use rapport_core::search;
use rapport_core::{
    AuditAction, AuditEntity, Cadence, CadenceSource, EmailAddress, Horizon, NextTouch,
    PhoneNumber, ProspectKind, Role, Stage, Tier, UserRole,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change, STANDING_COLUMNS, Standing, contact_snapshot};
use crate::error::{Candidate, Ownership, Result, StoreError, is_unique_violation};
use crate::organizations::find_or_create_organization;
use crate::profile::{self, FieldsOf};
use crate::schedule::{lock_contact, reschedule};
use crate::{Backend, Store, instant_text, rows};

#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub name: String,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<PhoneNumber>,
    /// An organization name; created if it does not exist yet.
    pub organization: Option<String>,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Where they came from.
    pub source: Option<String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub horizon: Option<Horizon>,
    pub prospect_kind: Option<ProspectKind>,
    pub cadence: Option<Cadence>,
    pub roles: Vec<Role>,
}

/// A change to a contact. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub title: Option<Option<String>>,
    pub organization: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub tier: Option<Option<Tier>>,
    pub stage: Option<Option<Stage>>,
    /// Why the stage changed, recorded in its history.
    pub stage_reason: Option<String>,
    pub horizon: Option<Option<Horizon>>,
    pub prospect_kind: Option<Option<ProspectKind>>,
    pub cadence: Option<Option<Cadence>>,
    pub add_emails: Vec<EmailAddress>,
    pub remove_emails: Vec<EmailAddress>,
    /// Numbers the contact does not have yet (see [`same_number`]) are added.
    pub add_phones: Vec<PhoneNumber>,
    /// Each removes the contact's phone written so, or else its phones that are the same
    /// number written another way. Not parsed, so a phone stored before numbers were checked
    /// can still be removed.
    pub remove_phones: Vec<String>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub add_roles: Vec<Role>,
    pub end_roles: Vec<Role>,
    /// Custom fields to set (a key already there gets the new value) and to remove.
    pub set_fields: Vec<(FieldKey, String)>,
    pub remove_fields: Vec<FieldKey>,
    /// A new owner (the current owner or an admin may hand a contact over).
    pub owner: Option<UserId>,
    /// Optimistic concurrency: apply only if the contact is still at this version, else
    /// `StoreError::VersionMismatch` and nothing changes. `None` applies whatever the version.
    pub expected_version: Option<i64>,
}

/// What [`Store::reassign_contacts`] moved from one user to another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reassigned {
    /// Contacts whose owner moved.
    pub contacts: u64,
    /// Contacts whose nurture owner moved.
    pub nurture_owner: u64,
    /// Contacts whose sales owner (who takes their sales-ready handoff) moved.
    pub sales_owner: u64,
}

/// Which contacts a list shows. Empty filters match everyone active.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub tag: Option<String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub role: Option<Role>,
    pub organization: Option<OrganizationId>,
    pub owner: Option<UserId>,
    pub include_archived: bool,
    /// Keyset pagination: only contacts listed after this one (in name order, then id).
    pub after: Option<ContactId>,
    pub limit: Option<i64>,
}

/// What a contact list reads, from `contacts c LEFT JOIN organizations o`.
pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.owner_id, c.name, o.name AS organization, c.tier, \
    c.stage, c.next_touch_on, c.next_touch_source, c.archived_at, \
    (SELECT MIN(e.email) FROM contact_emails e WHERE e.contact_id = c.id) AS email";

/// The one contact `reference` names among `candidates`: none is not found, several are
/// ambiguous.
fn only_one(reference: &str, candidates: Vec<Candidate>) -> Result<ContactId> {
    match candidates.as_slice() {
        [] => Err(StoreError::ContactNotFound(reference.to_owned())),
        [one] => Ok(one.id),
        _ => Err(StoreError::AmbiguousContact {
            given: reference.to_owned(),
            candidates,
        }),
    }
}

/// One line of a contact list, from a row of [`SUMMARY_COLUMNS`].
pub(crate) fn contact_summary(row: &AnyRow) -> Result<ContactSummary> {
    Ok(ContactSummary {
        id: ContactId(rows::int(row, "id")?),
        owner: UserId(rows::int(row, "owner_id")?),
        name: rows::text(row, "name")?,
        organization: rows::opt_text(row, "organization")?,
        email: rows::opt_text(row, "email")?,
        tier: rows::opt_parsed(row, "tier")?,
        stage: rows::opt_parsed(row, "stage")?,
        next_touch: NextTouch {
            on: rows::date(row, "next_touch_on")?,
            source: rows::parsed(row, "next_touch_source")?,
        },
        archived: rows::opt_text(row, "archived_at")?.is_some(),
    })
}

/// The lowercase form names are matched on.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Store {
    /// Adds a contact owned by `actor`, added on `today` (their calendar day), and schedules
    /// its first touch. Returns its id.
    pub async fn add_contact(
        &self,
        actor: UserId,
        new: NewContact,
        now: Timestamp,
        today: Date,
    ) -> Result<ContactId> {
        let emails = new.emails.clone();
        let added = self.insert_contact(actor, new, now, today).await;
        self.explain_email_race(added, &emails).await
    }

    async fn insert_contact(
        &self,
        owner: UserId,
        new: NewContact,
        now: Timestamp,
        today: Date,
    ) -> Result<ContactId> {
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            // The locks its INSERTs take, taken before the owner's row: a lock on contacts
            // comes before a user's (ARCHITECTURE.md), or this deadlocked with an import.
            sqlx::query("LOCK TABLE organizations, contacts IN ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        audit::acting_with_standing(owner, lock_user(&mut tx, owner).await?)?.may_add()?;
        ensure_emails_free(&mut tx, None, &new.emails).await?;
        let organization = match new.organization.as_deref() {
            Some(name) => Some(find_or_create_organization(&mut tx, owner, name, now).await?),
            None => None,
        };
        let stamp = instant_text(now);
        // The schedule columns get placeholders that `reschedule` overwrites before commit.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO contacts (owner_id, name, name_key, title, organization_id, notes, tier, \
                stage, horizon, prospect_kind, cadence, effective_cadence, cadence_source, \
                added_on, next_touch_on, next_touch_source, version, created_at, updated_at, \
                source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '1d', 'default', $12, $12, \
                'first-touch', 1, $13, $13, $14) \
             RETURNING id",
        )
        .bind(owner.0)
        .bind(new.name.trim())
        .bind(name_key(&new.name))
        .bind(new.title.as_deref())
        .bind(organization.map(|o| o.0))
        .bind(new.notes.as_deref())
        .bind(new.tier.map(Tier::as_str))
        .bind(new.stage.map(Stage::as_str))
        .bind(new.horizon.map(Horizon::as_str))
        .bind(new.prospect_kind.map(ProspectKind::as_str))
        .bind(new.cadence.map(|c| c.to_string()))
        .bind(today.to_string())
        .bind(&stamp)
        .bind(new.source.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        let contact = ContactId(id);
        insert_emails(&mut tx, contact, 0, &new.emails).await?;
        insert_phones(&mut tx, contact, 0, &new.phones).await?;
        insert_tags(&mut tx, contact, &new.tags).await?;
        start_roles(&mut tx, contact, &new.roles, today).await?;
        let stage = StageMove {
            from: None,
            to: new.stage,
            on: today,
            reason: None,
        };
        record_stage(&mut tx, owner, contact, stage, now).await?;
        reschedule(&mut tx, contact).await?;
        let after = load_contact(&mut tx, contact).await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::Contact,
            entity_id: Some(contact.0),
            contact: Some(contact),
            before: None,
            after: Some(contact_snapshot(&after)),
        };
        audit::record(&mut tx, owner, now, change).await?;
        tx.commit().await?;
        Ok(contact)
    }

    /// A unique violation on an email means a concurrent write took it after our check
    /// (PostgreSQL); now that it has committed, say whose it is, as the check would have.
    async fn explain_email_race<T>(&self, result: Result<T>, emails: &[EmailAddress]) -> Result<T> {
        match result {
            Err(StoreError::Database(err)) if is_unique_violation(&err) => {
                let mut conn = self.pool.acquire().await?;
                ensure_emails_free(&mut conn, None, emails).await?;
                Err(StoreError::Database(err))
            }
            other => other,
        }
    }

    /// Hands every contact `from` owns to `to` in one transaction (a seller leaves), and makes
    /// `to` the nurture owner and the sales owner wherever `from` was one, so no handoff is
    /// left waiting for someone who left. Cadences, schedules and history stay as they are:
    /// the owner is not a scheduling fact. Admins only; one `reassign` audit row per contact
    /// whose owner moved, and one per contact whose nurture or sales owner moved.
    pub async fn reassign_contacts(
        &self,
        actor: UserId,
        from: UserId,
        to: UserId,
        now: Timestamp,
    ) -> Result<Reassigned> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("reassign a user's contacts")?;
        ensure_user(&mut tx, from).await?;
        let stamp = instant_text(now);
        // The contacts first, then `to`'s row (`ensure_owner`): the order a hand-over or a
        // change of nurture owners takes them in (the contact, then the user it names), so
        // neither deadlocks with this. The contacts `from` nurtures or sells to are locked as
        // `set_nurture_owners` and `signal_ready` lock them, so neither writes back an owner
        // it read before this move.
        let moved: Vec<i64> = sqlx::query_scalar(
            "UPDATE contacts SET owner_id = $1, version = version + 1, updated_at = $2 \
             WHERE owner_id = $3 RETURNING id",
        )
        .bind(to.0)
        .bind(&stamp)
        .bind(from.0)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE contacts SET version = version WHERE id IN (SELECT n.contact_id \
                FROM nurture_owners n WHERE n.nurture_owner_id = $1 OR n.sales_owner_id = $1)",
        )
        .bind(from.0)
        .execute(&mut *tx)
        .await?;
        ensure_owner(&mut tx, to).await?;
        let nurtured: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT contact_id, nurture_owner_id, sales_owner_id FROM nurture_owners \
             WHERE nurture_owner_id = $1 OR sales_owner_id = $1 ORDER BY contact_id",
        )
        .bind(from.0)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE nurture_owners SET \
                nurture_owner_id = CASE WHEN nurture_owner_id = $1 THEN $2 \
                    ELSE nurture_owner_id END, \
                sales_owner_id = CASE WHEN sales_owner_id = $1 THEN $2 ELSE sales_owner_id END, \
                updated_at = $3 \
             WHERE nurture_owner_id = $1 OR sales_owner_id = $1",
        )
        .bind(from.0)
        .bind(to.0)
        .bind(&stamp)
        .execute(&mut *tx)
        .await?;
        let mut reassigned = Reassigned {
            contacts: moved.len() as u64,
            ..Reassigned::default()
        };
        let mut changes = Vec::with_capacity(moved.len() + nurtured.len());
        for id in &moved {
            changes.push(Change {
                action: AuditAction::Reassign,
                entity: AuditEntity::Contact,
                entity_id: Some(*id),
                contact: Some(ContactId(*id)),
                before: Some(serde_json::json!({ "owner_id": from.0 })),
                after: Some(serde_json::json!({ "owner_id": to.0 })),
            });
        }
        for (id, nurture_owner, sales_owner) in nurtured {
            let (mut was, mut is) = (serde_json::Map::new(), serde_json::Map::new());
            if nurture_owner == Some(from.0) {
                reassigned.nurture_owner += 1;
                was.insert("nurture_owner_id".into(), from.0.into());
                is.insert("nurture_owner_id".into(), to.0.into());
            }
            if sales_owner == Some(from.0) {
                reassigned.sales_owner += 1;
                was.insert("sales_owner_id".into(), from.0.into());
                is.insert("sales_owner_id".into(), to.0.into());
            }
            changes.push(Change {
                action: AuditAction::Reassign,
                entity: AuditEntity::Nurture,
                entity_id: Some(id),
                contact: Some(ContactId(id)),
                before: Some(was.into()),
                after: Some(is.into()),
            });
        }
        for change in changes {
            audit::record(&mut tx, actor, now, change).await?;
        }
        tx.commit().await?;
        Ok(reassigned)
    }

    /// Applies a patch and reschedules, in one transaction. The owner or an admin. Whether
    /// anything changed: a patch that only repeats what the contact holds changes nothing,
    /// not even its version.
    pub async fn edit_contact(
        &self,
        actor: UserId,
        id: ContactId,
        patch: ContactPatch,
        now: Timestamp,
        today: Date,
    ) -> Result<bool> {
        let emails = patch.add_emails.clone();
        let edited = self.apply_patch(actor, id, patch, now, today).await;
        self.explain_email_race(edited, &emails).await
    }

    async fn apply_patch(
        &self,
        actor: UserId,
        id: ContactId,
        patch: ContactPatch,
        now: Timestamp,
        today: Date,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        let changed = patch_contact(&mut tx, actor, id, patch, now, today).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Archives (or brings back) a contact. History is kept either way; an archived contact
    /// leaves the agenda, and on return its schedule is recomputed.
    /// The owner or an admin.
    pub async fn set_archived(
        &self,
        actor: UserId,
        id: ContactId,
        archived: bool,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let before = contact_to_change(&mut tx, actor, id).await?;
        if !archived {
            // A merged contact's touches, roles and notes moved to the survivor: bringing the
            // husk back would put an empty double of that person on the agenda.
            let merged_into: Option<i64> =
                sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(into) = merged_into {
                return Err(StoreError::Merged {
                    contact: id,
                    into: ContactId(into),
                });
            }
        }
        let stamp = instant_text(now);
        sqlx::query(
            "UPDATE contacts SET archived_at = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3",
        )
        .bind(archived.then_some(stamp.as_str()))
        .bind(&stamp)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        reschedule(&mut tx, id).await?;
        let action = if archived {
            AuditAction::Archive
        } else {
            AuditAction::Unarchive
        };
        record_contact_change(&mut tx, actor, now, action, &before).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds one contact by id (`42` or `#42`), email, phone number (however written:
    /// `020 7946 0958` is `+44 20 7946 0958`), or name — exact (ignoring case) first, then a
    /// unique fragment, then the starts of the name's words with accents aside ("jose" is
    /// José, "mul" Jörg Müller). An ambiguous name or number is an error listing the
    /// candidates.
    pub async fn resolve_contact(&self, reference: &str) -> Result<ContactId> {
        let wanted = reference.trim();
        let not_found = || StoreError::ContactNotFound(reference.to_owned());
        let dialled = search::dialled(wanted);
        let digits = wanted.trim_start_matches('#');
        if let Some(id) = digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse::<i64>().ok())
            .flatten()
        {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            // A number no contact has as its id may be a phone number typed without spaces.
            match found {
                Some(id) => return Ok(ContactId(id)),
                None if dialled.is_none() => return Err(not_found()),
                None => {}
            }
        }
        if let Some(key) = dialled {
            // The active holders of a number; an archived one only when nobody active has it
            // (a line passed on to a successor is theirs now).
            const HOLDS_IT: &str =
                "c.id IN (SELECT p.contact_id FROM contact_phones p WHERE p.phone_key = $1)";
            let active = format!("c.archived_at IS NULL AND {HOLDS_IT}");
            let mut holding = self.candidates(&active, &key).await?;
            if holding.is_empty() {
                holding = self.candidates(HOLDS_IT, &key).await?;
            }
            return only_one(reference, holding);
        }
        if wanted.contains('@') {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT contact_id FROM contact_emails WHERE email = $1")
                    .bind(wanted.to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
            return found.map(ContactId).ok_or_else(not_found);
        }
        let key = name_key(wanted);
        if key.is_empty() {
            return Err(not_found());
        }
        let mut candidates = self.candidates("c.name_key = $1", &key).await?;
        if candidates.is_empty() {
            let pattern = rows::like_pattern(&key);
            candidates = self
                .candidates("c.name_key LIKE $1 ESCAPE '\\'", &pattern)
                .await?;
        }
        if candidates.is_empty()
            && let Some((condition, words)) = self.name_words_match(wanted)
        {
            candidates = self.candidates(condition, &words).await?;
        }
        only_one(reference, candidates)
    }

    async fn candidates(&self, condition: &str, value: &str) -> Result<Vec<Candidate>> {
        let sql = format!(
            "SELECT c.id, c.name, o.name AS organization, \
                (SELECT MIN(e.email) FROM contact_emails e WHERE e.contact_id = c.id) AS email \
             FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id \
             WHERE {condition} ORDER BY c.archived_at IS NOT NULL, c.name_key, c.id LIMIT 10"
        );
        let found = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        found
            .iter()
            .map(|row| {
                Ok(Candidate {
                    id: ContactId(rows::int(row, "id")?),
                    name: rows::text(row, "name")?,
                    organization: rows::opt_text(row, "organization")?,
                    email: rows::opt_text(row, "email")?,
                })
            })
            .collect()
    }

    pub async fn contact(&self, id: ContactId) -> Result<Contact> {
        let mut conn = self.pool.acquire().await?;
        load_contact(&mut conn, id).await
    }

    /// The contacts `filter` lets through, in name order. A cursor (`after`) naming no
    /// contact is refused rather than answered with an empty page, which would read as the
    /// end of the list.
    pub async fn list_contacts(&self, filter: &ContactFilter) -> Result<Vec<ContactSummary>> {
        enum Value {
            Text(String),
            Int(i64),
        }
        let mut conditions: Vec<String> = vec![];
        let mut values: Vec<Value> = vec![];
        let mut add = |condition: &str, value: Value| {
            values.push(value);
            conditions.push(condition.replace("$?", &format!("${}", values.len())));
        };
        if let Some(tag) = &filter.tag {
            add(
                "EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = $?)",
                Value::Text(tag.clone()),
            );
        }
        if let Some(tier) = filter.tier {
            add("c.tier = $?", Value::Text(tier.as_str().into()));
        }
        if let Some(stage) = filter.stage {
            add("c.stage = $?", Value::Text(stage.as_str().into()));
        }
        if let Some(role) = filter.role {
            add(
                "EXISTS (SELECT 1 FROM contact_roles r WHERE r.contact_id = c.id \
                 AND r.role = $? AND r.until IS NULL)",
                Value::Text(role.as_str().into()),
            );
        }
        if let Some(organization) = filter.organization {
            add("c.organization_id = $?", Value::Int(organization.0));
        }
        if let Some(owner) = filter.owner {
            add("c.owner_id = $?", Value::Int(owner.0));
        }
        if let Some(after) = filter.after {
            add(
                "(c.name_key, c.id) > ((SELECT a.name_key FROM contacts a WHERE a.id = $?), $?)",
                Value::Int(after.0),
            );
        }
        if !filter.include_archived {
            conditions.push("c.archived_at IS NULL".into());
        }
        let where_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} \
             FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id \
             {where_sql} ORDER BY c.name_key, c.id LIMIT {}",
            filter.limit.unwrap_or(i64::MAX).max(0)
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(int) => query.bind(int),
            };
        }
        if let Some(after) = filter.after {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
                .bind(after.0)
                .fetch_optional(&self.pool)
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!(
                    "no contact #{after} to continue after; start from the first page"
                )));
            }
        }
        let found = query.fetch_all(&self.pool).await?;
        found.iter().map(contact_summary).collect()
    }
}

/// Applies `patch` to a contact on the caller's transaction: the access check, the change, its
/// stage history, the new schedule and the audit row. Whether anything changed: when the
/// contact ends as it was (an empty patch, or values it already holds), its version and
/// `updated_at` are put back and no audit row is written, so nobody's ETag goes stale for a
/// change that was none.
pub(crate) async fn patch_contact(
    conn: &mut AnyConnection,
    actor: UserId,
    id: ContactId,
    patch: ContactPatch,
    now: Timestamp,
    today: Date,
) -> Result<bool> {
    let current = contact_to_change(conn, actor, id).await?;
    let owner = match patch.owner {
        Some(owner) if owner != current.owner => {
            ensure_owner(conn, owner).await?;
            owner
        }
        _ => current.owner,
    };
    let organization = match patch.organization {
        None => current.organization.as_ref().map(|o| o.id),
        Some(None) => None,
        Some(Some(ref name)) => Some(find_or_create_organization(conn, actor, name, now).await?),
    };
    let active = current.active_roles();
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let expected = patch.expected_version;
    let mismatch = |current: i64| StoreError::VersionMismatch {
        contact: id,
        expected: expected.unwrap_or(current),
        current,
    };
    if expected.is_some_and(|v| v != current.version) {
        return Err(mismatch(current.version));
    }
    // The version is checked again by the UPDATE itself: on PostgreSQL a concurrent edit
    // may commit between our read and our write, and then this matches no row.
    let updated = sqlx::query(
        "UPDATE contacts SET name = $1, name_key = $2, title = $3, organization_id = $4, \
            notes = $5, tier = $6, stage = $7, horizon = $8, prospect_kind = $9, \
            cadence = $10, updated_at = $11, owner_id = $12, version = version + 1, \
            source = $15 \
         WHERE id = $13 AND version = $14",
    )
    .bind(name.trim())
    .bind(name_key(&name))
    .bind(patch.title.unwrap_or_else(|| current.title.clone()))
    .bind(organization.map(|o| o.0))
    .bind(patch.notes.unwrap_or_else(|| current.notes.clone()))
    .bind(patch.tier.unwrap_or(current.tier).map(Tier::as_str))
    .bind(patch.stage.unwrap_or(current.stage).map(Stage::as_str))
    .bind(
        patch
            .horizon
            .unwrap_or(current.horizon)
            .map(Horizon::as_str),
    )
    .bind(
        patch
            .prospect_kind
            .unwrap_or(current.prospect_kind)
            .map(ProspectKind::as_str),
    )
    .bind(
        patch
            .cadence
            .unwrap_or(current.cadence)
            .map(|c| c.to_string()),
    )
    .bind(instant_text(now))
    .bind(owner.0)
    .bind(id.0)
    .bind(current.version)
    .bind(patch.source.unwrap_or_else(|| current.source.clone()))
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        let now_at: i64 = sqlx::query_scalar("SELECT version FROM contacts WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?;
        return Err(mismatch(now_at));
    }

    for email in &patch.remove_emails {
        if !current.emails.contains(email) {
            return Err(StoreError::Invalid(format!(
                "contact #{id} has no email {email}"
            )));
        }
        sqlx::query("DELETE FROM contact_emails WHERE contact_id = $1 AND email = $2")
            .bind(id.0)
            .bind(email.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let new_emails: Vec<EmailAddress> = patch
        .add_emails
        .into_iter()
        .filter(|e| !current.emails.contains(e))
        .collect();
    ensure_emails_free(conn, Some(id), &new_emails).await?;
    let first = next_position(conn, "contact_emails", id).await?;
    insert_emails(conn, id, first, &new_emails).await?;

    let mut phones = current.phones.clone();
    for (i, phone) in patch.remove_phones.iter().enumerate() {
        if patch.remove_phones[..i].contains(phone) {
            continue;
        }
        let held = phones.len();
        if phones.contains(phone) {
            phones.retain(|stored| stored != phone);
        } else {
            phones.retain(|stored| !same_number(stored, phone));
        }
        if phones.len() == held {
            return Err(StoreError::Invalid(format!(
                "contact #{id} has no phone {phone}"
            )));
        }
    }
    for removed in current.phones.iter().filter(|p| !phones.contains(p)) {
        sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1 AND phone = $2")
            .bind(id.0)
            .bind(removed)
            .execute(&mut *conn)
            .await?;
    }
    let new_phones: Vec<PhoneNumber> = patch
        .add_phones
        .into_iter()
        .filter(|p| !phones.iter().any(|held| same_number(held, p.as_str())))
        .collect();
    let first = next_position(conn, "contact_phones", id).await?;
    insert_phones(conn, id, first, &new_phones).await?;

    for tag in &patch.remove_tags {
        sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2")
            .bind(id.0)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    let new_tags: Vec<String> = patch
        .add_tags
        .into_iter()
        .filter(|t| !current.tags.contains(t))
        .collect();
    insert_tags(conn, id, &new_tags).await?;

    for role in &patch.end_roles {
        if !active.contains(role) {
            return Err(StoreError::Invalid(format!(
                "contact #{id} is not a {role} now"
            )));
        }
        sqlx::query(
            "UPDATE contact_roles SET until = $1 \
             WHERE contact_id = $2 AND role = $3 AND until IS NULL",
        )
        .bind(today.to_string())
        .bind(id.0)
        .bind(role.as_str())
        .execute(&mut *conn)
        .await?;
    }
    let new_roles: Vec<Role> = patch
        .add_roles
        .into_iter()
        .filter(|r| !active.contains(r))
        .collect();
    start_roles(conn, id, &new_roles, today).await?;
    let fields = FieldsOf::Contact(id);
    profile::change_fields(conn, fields, &patch.set_fields, &patch.remove_fields).await?;
    let stage = StageMove {
        from: current.stage,
        to: patch.stage.unwrap_or(current.stage),
        on: today,
        reason: patch.stage_reason.as_deref(),
    };
    record_stage(conn, actor, id, stage, now).await?;

    reschedule(conn, id).await?;
    let after = load_contact(conn, id).await?;
    let snapshot = contact_snapshot(&current);
    if contact_snapshot(&after) == snapshot && after.next_touch == current.next_touch {
        sqlx::query("UPDATE contacts SET version = $1, updated_at = $2 WHERE id = $3")
            .bind(current.version)
            .bind(instant_text(current.updated_at))
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
        return Ok(false);
    }
    let change = Change {
        action: AuditAction::Update,
        entity: AuditEntity::Contact,
        entity_id: Some(id.0),
        contact: Some(id),
        before: Some(snapshot),
        after: Some(contact_snapshot(&after)),
    };
    audit::record(conn, actor, now, change).await?;
    Ok(true)
}

/// Locks a contact for a change to its record and checks that `actor` may make it (its owner
/// or an admin). Returns the contact as it stands: the audit row's "before".
pub(crate) async fn contact_to_change(
    conn: &mut AnyConnection,
    actor: UserId,
    id: ContactId,
) -> Result<Contact> {
    lock_contact(conn, id, false).await?;
    let current = load_contact(conn, id).await?;
    audit::acting(conn, actor)
        .await?
        .may_change_contact(current.owner)?;
    Ok(current)
}

/// A contact's lifecycle stage moving, as [`record_stage`] records it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StageMove<'a> {
    pub from: Option<Stage>,
    pub to: Option<Stage>,
    pub on: Date,
    pub reason: Option<&'a str>,
}

/// Adds a stage change to the contact's history, if the stage moved at all.
pub(crate) async fn record_stage(
    conn: &mut AnyConnection,
    actor: UserId,
    contact: ContactId,
    stage: StageMove<'_>,
    now: Timestamp,
) -> Result<()> {
    if stage.from == stage.to {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO stage_changes (contact_id, stage, changed_on, reason, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(contact.0)
    .bind(stage.to.map(Stage::as_str))
    .bind(stage.on.to_string())
    .bind(stage.reason.map(str::trim).filter(|r| !r.is_empty()))
    .bind(actor.0)
    .bind(instant_text(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a change to a contact's record: `before` as it was, the contact as it is now.
pub(crate) async fn record_contact_change(
    conn: &mut AnyConnection,
    actor: UserId,
    now: Timestamp,
    action: AuditAction,
    before: &Contact,
) -> Result<()> {
    let after = load_contact(conn, before.id).await?;
    let change = Change {
        action,
        entity: AuditEntity::Contact,
        entity_id: Some(before.id.0),
        contact: Some(before.id),
        before: Some(contact_snapshot(before)),
        after: Some(contact_snapshot(&after)),
    };
    audit::record(conn, actor, now, change).await
}

/// `user`'s standing (`None`: no such user), their row locked until the caller's transaction
/// ends (on PostgreSQL; SQLite's writers take turns anyway), so that no role change or
/// disabling (`Store::edit_user`, which locks it too) lands between this check and the write
/// it allows.
pub(crate) async fn lock_user(conn: &mut AnyConnection, user: UserId) -> Result<Option<Standing>> {
    let row_lock = Backend::of(conn).row_lock();
    sqlx::query(&format!(
        "SELECT {STANDING_COLUMNS} FROM users WHERE id = $1{row_lock}"
    ))
    .bind(user.0)
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| Standing::of_row(&row))
    .transpose()
}

/// Checks that `user` may be given contacts: a user who is neither disabled nor a viewer
/// ([`lock_user`]).
pub(crate) async fn ensure_owner(conn: &mut AnyConnection, user: UserId) -> Result<()> {
    ensure_may_hold(conn, user, Ownership::Owner).await
}

/// Checks, under their row lock ([`lock_user`]), that `user` may be made `ownership` of a
/// contact: neither a viewer nor disabled. A refusal names the field.
pub(crate) async fn ensure_may_hold(
    conn: &mut AnyConnection,
    user: UserId,
    ownership: Ownership,
) -> Result<()> {
    match lock_user(conn, user).await? {
        None => Err(StoreError::UserNotFound(format!("#{user}"))),
        Some(standing) if standing.disabled => Err(StoreError::DisabledOwner {
            user: standing.name(user),
            ownership,
        }),
        Some(standing) if standing.role == UserRole::Viewer => Err(StoreError::ViewerOwner {
            user: standing.name(user),
            ownership,
        }),
        Some(_) => Ok(()),
    }
}

pub(crate) async fn ensure_user(conn: &mut AnyConnection, user: UserId) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::UserNotFound(format!("#{user}")))
}

/// The position after the contact's last email or phone, so order survives removals.
pub(crate) async fn next_position(
    conn: &mut AnyConnection,
    table: &'static str,
    contact: ContactId,
) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(position) + 1, 0) FROM {table} WHERE contact_id = $1");
    Ok(sqlx::query_scalar(&sql)
        .bind(contact.0)
        .fetch_one(&mut *conn)
        .await?)
}

pub(crate) async fn load_contact(conn: &mut AnyConnection, id: ContactId) -> Result<Contact> {
    let row = sqlx::query(
        "SELECT c.*, o.name AS organization_name \
         FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::ContactNotFound(format!("#{id}")))?;

    let emails = sqlx::query_scalar::<_, String>(
        "SELECT email FROM contact_emails WHERE contact_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|e| rows::parse("email", e))
    .collect::<Result<Vec<EmailAddress>>>()?;
    let phones = sqlx::query_scalar::<_, String>(
        "SELECT phone FROM contact_phones WHERE contact_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let tags = sqlx::query_scalar::<_, String>(
        "SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let stage_rows = sqlx::query(
        "SELECT stage, changed_on, reason FROM stage_changes WHERE contact_id = $1 \
         ORDER BY changed_on, id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let stage_history = stage_rows
        .iter()
        .map(|r| {
            Ok(StageChange {
                stage: rows::opt_parsed(r, "stage")?,
                on: rows::date(r, "changed_on")?,
                reason: rows::opt_text(r, "reason")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let role_rows = sqlx::query(
        "SELECT role, since, until FROM contact_roles WHERE contact_id = $1 ORDER BY since, id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let roles = role_rows
        .iter()
        .map(|r| {
            Ok(RoleSpan {
                role: rows::parsed(r, "role")?,
                since: rows::date(r, "since")?,
                until: rows::opt_date(r, "until")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let fields = profile::fields_of(conn, FieldsOf::Contact(id)).await?;
    let organization = match rows::opt_int(&row, "organization_id")? {
        Some(org) => Some(OrganizationRef {
            id: OrganizationId(org),
            name: rows::text(&row, "organization_name")?,
        }),
        None => None,
    };
    let hold = match (
        rows::opt_date(&row, "hold_until")?,
        rows::opt_text(&row, "hold_reason")?,
    ) {
        (Some(until), reason) => Some(Hold {
            until,
            reason: reason.unwrap_or_default(),
        }),
        (None, _) => None,
    };
    let source_code = rows::text(&row, "cadence_source")?;
    Ok(Contact {
        id,
        owner: UserId(rows::int(&row, "owner_id")?),
        name: rows::text(&row, "name")?,
        title: rows::opt_text(&row, "title")?,
        organization,
        emails,
        phones,
        tags,
        notes: rows::opt_text(&row, "notes")?,
        source: rows::opt_text(&row, "source")?,
        roles,
        fields,
        tier: rows::opt_parsed(&row, "tier")?,
        stage: rows::opt_parsed(&row, "stage")?,
        stage_history,
        horizon: rows::opt_parsed(&row, "horizon")?,
        prospect_kind: rows::opt_parsed(&row, "prospect_kind")?,
        cadence: rows::opt_parsed(&row, "cadence")?,
        effective_cadence: rows::parsed(&row, "effective_cadence")?,
        cadence_source: CadenceSource::from_code(&source_code)
            .ok_or_else(|| StoreError::Corrupt(format!("cadence_source = '{source_code}'")))?,
        added_on: rows::date(&row, "added_on")?,
        last_touch_on: rows::opt_date(&row, "last_touch_on")?,
        hold,
        next_touch: NextTouch {
            on: rows::date(&row, "next_touch_on")?,
            source: rows::parsed(&row, "next_touch_source")?,
        },
        archived_at: rows::opt_instant(&row, "archived_at")?,
        merged_into: rows::opt_int(&row, "merged_into")?.map(ContactId),
        version: rows::int(&row, "version")?,
        created_at: rows::instant(&row, "created_at")?,
        updated_at: rows::instant(&row, "updated_at")?,
    })
}

/// Fails with `DuplicateEmail` if any address already belongs to a contact other than `except`.
async fn ensure_emails_free(
    conn: &mut AnyConnection,
    except: Option<ContactId>,
    emails: &[EmailAddress],
) -> Result<()> {
    for email in emails {
        let owner = sqlx::query(
            "SELECT c.id, c.name FROM contact_emails e JOIN contacts c ON c.id = e.contact_id \
             WHERE e.email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = owner {
            let contact = ContactId(rows::int(&row, "id")?);
            if Some(contact) != except {
                return Err(StoreError::DuplicateEmail {
                    email: email.to_string(),
                    contact,
                    name: rows::text(&row, "name")?,
                });
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = emails.iter().find(|e| !seen.insert(*e)) {
        return Err(StoreError::Invalid(format!("email {twice} is given twice")));
    }
    Ok(())
}

async fn insert_emails(
    conn: &mut AnyConnection,
    contact: ContactId,
    first_position: i64,
    emails: &[EmailAddress],
) -> Result<()> {
    for (position, email) in (first_position..).zip(emails) {
        sqlx::query("INSERT INTO contact_emails (contact_id, email, position) VALUES ($1, $2, $3)")
            .bind(contact.0)
            .bind(email.as_str())
            .bind(position)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_phones(
    conn: &mut AnyConnection,
    contact: ContactId,
    first_position: i64,
    phones: &[PhoneNumber],
) -> Result<()> {
    let mut kept: Vec<&str> = Vec::new();
    let distinct = phones.iter().filter(|phone| {
        let new = !kept.iter().any(|k| same_number(k, phone.as_str()));
        if new {
            kept.push(phone.as_str());
        }
        new
    });
    for (position, phone) in (first_position..).zip(distinct) {
        sqlx::query(
            "INSERT INTO contact_phones (contact_id, phone, position, phone_key) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(contact.0)
        .bind(phone.as_str())
        .bind(position)
        .bind(phone.key())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_tags(conn: &mut AnyConnection, contact: ContactId, tags: &[String]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for tag in tags.iter().filter(|t| seen.insert(*t)) {
        sqlx::query("INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2)")
            .bind(contact.0)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn start_roles(
    conn: &mut AnyConnection,
    contact: ContactId,
    roles: &[Role],
    today: Date,
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for role in roles.iter().filter(|r| seen.insert(**r)) {
        sqlx::query("INSERT INTO contact_roles (contact_id, role, since) VALUES ($1, $2, $3)")
            .bind(contact.0)
            .bind(role.as_str())
            .bind(today.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

//! Organizations: the companies and institutions contacts belong to.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rapport_core::fit::FieldKey;
use rapport_core::model::{Organization, OrganizationId, UserId};
use rapport_core::{AuditAction, AuditEntity, Tier};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change, organization_snapshot};
use crate::contacts::name_key;
use crate::error::{Result, StoreError, is_unique_violation};
use crate::profile::{self, FieldsOf};
use crate::{Store, instant_text, rows};

const ORGANIZATION_SELECT: &str = "SELECT o.id, o.name, o.domain, o.tier, o.industry, o.size, \
     o.region, o.version, o.created_at, \
     (SELECT COUNT(*) FROM contacts c WHERE c.organization_id = o.id AND c.archived_at IS NULL) \
        AS contact_count \
     FROM organizations o";

/// The organization with this name (ignoring case), created (by `actor`, audited) if there
/// is none.
pub(crate) async fn find_or_create_organization(
    conn: &mut AnyConnection,
    actor: UserId,
    name: &str,
    now: Timestamp,
) -> Result<OrganizationId> {
    match organization_named(conn, name).await? {
        Some(id) => Ok(id),
        None => insert_organization(conn, actor, name, None, None, now).await,
    }
}

async fn insert_organization(
    conn: &mut AnyConnection,
    actor: UserId,
    name: &str,
    domain: Option<&str>,
    tier: Option<Tier>,
    now: Timestamp,
) -> Result<OrganizationId> {
    let stamp = instant_text(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (owner_id, name, name_key, domain, tier, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(actor.0)
    .bind(name.trim())
    .bind(name_key(name))
    .bind(domain_text(domain))
    .bind(tier.map(Tier::as_str))
    .bind(stamp)
    .fetch_one(&mut *conn)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            StoreError::DuplicateOrganization(name.trim().to_owned())
        } else {
            StoreError::from(err)
        }
    })?;
    let created = load_organization(conn, OrganizationId(id)).await?;
    let change = Change {
        action: AuditAction::Create,
        entity: AuditEntity::Organization,
        entity_id: Some(id),
        contact: None,
        before: None,
        after: Some(organization_snapshot(&created)),
    };
    audit::record(conn, actor, now, change).await?;
    Ok(created.id)
}

/// A domain as stored: trimmed, in lowercase; blank is none.
fn domain_text(domain: Option<&str>) -> Option<String> {
    domain
        .map(|d| d.trim().to_lowercase())
        .filter(|d| !d.is_empty())
}

/// The organization with this name, ignoring case.
async fn organization_named(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<OrganizationId>> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE name_key = $1")
        .bind(name_key(name))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(OrganizationId))
}

async fn load_organization(conn: &mut AnyConnection, id: OrganizationId) -> Result<Organization> {
    let sql = format!("{ORGANIZATION_SELECT} WHERE o.id = $1");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::OrganizationNotFound(format!("#{id}")))?;
    let fields = profile::fields_of(conn, FieldsOf::Organization(id)).await?;
    organization(&row, fields)
}

fn organization(row: &AnyRow, fields: BTreeMap<FieldKey, String>) -> Result<Organization> {
    let size = rows::opt_int(row, "size")?
        .map(|n| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("size = {n}"))))
        .transpose()?;
    Ok(Organization {
        id: OrganizationId(rows::int(row, "id")?),
        name: rows::text(row, "name")?,
        domain: rows::opt_text(row, "domain")?,
        tier: rows::opt_parsed(row, "tier")?,
        industry: rows::opt_text(row, "industry")?,
        size,
        region: rows::opt_text(row, "region")?,
        fields,
        contact_count: rows::int(row, "contact_count")?,
        version: rows::int(row, "version")?,
        created_at: rows::instant(row, "created_at")?,
    })
}

/// A change to an organization. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct OrganizationPatch {
    /// A new name (a rebrand, a typo put right): unique ignoring case, like every name.
    /// Contacts there are found by search under it from then on.
    pub name: Option<String>,
    /// Its web domain (stored in lowercase); search and `org show` find it by it.
    pub domain: Option<Option<String>>,
    pub tier: Option<Option<Tier>>,
    pub industry: Option<Option<String>>,
    pub size: Option<Option<u64>>,
    pub region: Option<Option<String>>,
    /// Custom fields to set (a key already there gets the new value).
    pub set_fields: Vec<(FieldKey, String)>,
    pub remove_fields: Vec<FieldKey>,
    /// Optimistic concurrency, as for contacts: `StoreError::StaleOrganization` unless the
    /// organization is still at this version. `None` applies whatever the version.
    pub expected_version: Option<i64>,
}

impl Store {
    pub async fn add_organization(
        &self,
        actor: UserId,
        name: &str,
        domain: Option<&str>,
        tier: Option<Tier>,
        now: Timestamp,
    ) -> Result<OrganizationId> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        if organization_named(&mut tx, name).await?.is_some() {
            return Err(StoreError::DuplicateOrganization(name.trim().to_owned()));
        }
        let id = insert_organization(&mut tx, actor, name, domain, tier, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let mut conn = self.pool.acquire().await?;
        let sql = format!("{ORGANIZATION_SELECT} ORDER BY o.name_key, o.id");
        let found = sqlx::query(&sql).fetch_all(&mut *conn).await?;
        let mut fields = profile::all_fields(&mut conn, FieldsOf::EveryOrganization).await?;
        found
            .iter()
            .map(|row| {
                let id = rows::int(row, "id")?;
                organization(row, fields.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Changes an organization's profile and custom fields, in one transaction, audited.
    /// Organizations are team-wide: anyone who may write may change them.
    pub async fn edit_organization(
        &self,
        actor: UserId,
        id: OrganizationId,
        patch: OrganizationPatch,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let before = load_organization(&mut tx, id).await?;
        let stale = |current: i64| StoreError::StaleOrganization {
            organization: id,
            expected: patch.expected_version.unwrap_or(current),
            current,
        };
        if patch.expected_version.is_some_and(|v| v != before.version) {
            return Err(stale(before.version));
        }
        let size = patch
            .size
            .unwrap_or(before.size)
            .map(|n| {
                i64::try_from(n).map_err(|_| StoreError::Invalid(format!("size {n} is too large")))
            })
            .transpose()?;
        let name = match patch.name.as_deref().map(str::trim) {
            None => before.name.clone(),
            Some("") => {
                return Err(StoreError::Invalid(
                    "name: an organization name cannot be empty".into(),
                ));
            }
            Some(name) => {
                if organization_named(&mut tx, name)
                    .await?
                    .is_some_and(|other| other != id)
                {
                    return Err(StoreError::DuplicateOrganization(name.to_owned()));
                }
                name.to_owned()
            }
        };
        let domain = match patch.domain {
            Some(domain) => domain_text(domain.as_deref()),
            None => before.domain.clone(),
        };
        // Checked again by the UPDATE: a concurrent edit may commit between read and write.
        let updated = sqlx::query(
            "UPDATE organizations SET name = $1, name_key = $2, domain = $3, tier = $4, \
                industry = $5, size = $6, region = $7, updated_at = $8, version = version + 1 \
             WHERE id = $9 AND version = $10",
        )
        .bind(&name)
        .bind(name_key(&name))
        .bind(domain)
        .bind(patch.tier.unwrap_or(before.tier).map(Tier::as_str))
        .bind(patch.industry.unwrap_or_else(|| before.industry.clone()))
        .bind(size)
        .bind(patch.region.unwrap_or_else(|| before.region.clone()))
        .bind(instant_text(now))
        .bind(id.0)
        .bind(before.version)
        .execute(&mut *tx)
        .await
        .map_err(|err| {
            // Another organization took the name after the check above.
            if is_unique_violation(&err) {
                StoreError::DuplicateOrganization(name.clone())
            } else {
                StoreError::from(err)
            }
        })?;
        if updated.rows_affected() == 0 {
            return Err(stale(before.version + 1));
        }
        let owner = FieldsOf::Organization(id);
        profile::change_fields(&mut tx, owner, &patch.set_fields, &patch.remove_fields).await?;
        let after = load_organization(&mut tx, id).await?;
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::Organization,
            entity_id: Some(id.0),
            contact: None,
            before: Some(organization_snapshot(&before)),
            after: Some(organization_snapshot(&after)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn organization(&self, id: OrganizationId) -> Result<Organization> {
        let mut conn = self.pool.acquire().await?;
        load_organization(&mut conn, id).await
    }

    /// Finds an organization by id, exact name (ignoring case), domain, or a unique fragment.
    pub async fn resolve_organization(&self, reference: &str) -> Result<OrganizationId> {
        let wanted = reference.trim();
        let not_found = || StoreError::OrganizationNotFound(reference.to_owned());
        if let Ok(id) = wanted.trim_start_matches('#').parse::<i64>() {
            return self.organization(OrganizationId(id)).await.map(|o| o.id);
        }
        let key = name_key(wanted);
        let exact: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE name_key = $1 OR LOWER(domain) = $1 \
             ORDER BY id LIMIT 1",
        )
        .bind(&key)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = exact {
            return Ok(OrganizationId(id));
        }
        let pattern = rows::like_pattern(&key);
        let found = sqlx::query(
            "SELECT id, name FROM organizations WHERE name_key LIKE $1 ESCAPE '\\' \
             ORDER BY name_key LIMIT 10",
        )
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?;
        match found.as_slice() {
            [] => Err(not_found()),
            [one] => Ok(OrganizationId(rows::int(one, "id")?)),
            many => {
                let names = many
                    .iter()
                    .map(|r| {
                        Ok(format!(
                            "#{} {}",
                            rows::int(r, "id")?,
                            rows::text(r, "name")?
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Err(StoreError::Invalid(format!(
                    "'{reference}' matches {} organizations: {}; use the id",
                    many.len(),
                    names.join(", ")
                )))
            }
        }
    }
}

//! The ideal client profile: custom fields on organizations and contacts, the team's weighted
//! criteria (admins change them, audited), and fit scores — computed when read by the core's
//! `fit`, never stored, so a changed criterion or fact shows at once.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rapport_core::fit::{self, Criterion, Facts, FieldKey, Fit, Test};
use rapport_core::model::{ContactId, ContactSummary, Organization, OrganizationId, UserId};
use rapport_core::{AuditAction, AuditEntity};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Change};
use crate::contacts::ContactFilter;
use crate::error::{Result, StoreError};
use crate::{Store, instant_text, rows};

/// Whose custom fields: one record's, or every record's of a kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldsOf {
    Contact(ContactId),
    Organization(OrganizationId),
    EveryContact,
    EveryOrganization,
}

impl FieldsOf {
    /// The table and its owner column: fixed names, never user input.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            FieldsOf::Contact(_) | FieldsOf::EveryContact => ("contact_fields", "contact_id"),
            FieldsOf::Organization(_) | FieldsOf::EveryOrganization => {
                ("organization_fields", "organization_id")
            }
        }
    }

    fn id(self) -> Option<i64> {
        match self {
            FieldsOf::Contact(id) => Some(id.0),
            FieldsOf::Organization(id) => Some(id.0),
            FieldsOf::EveryContact | FieldsOf::EveryOrganization => None,
        }
    }
}

/// One record's custom fields.
pub(crate) async fn fields_of(
    conn: &mut AnyConnection,
    of: FieldsOf,
) -> Result<BTreeMap<FieldKey, String>> {
    Ok(all_fields(conn, of)
        .await?
        .into_values()
        .next()
        .unwrap_or_default())
}

/// Custom fields by owner id: one record's, or all of a kind's (one query either way).
pub(crate) async fn all_fields(
    conn: &mut AnyConnection,
    of: FieldsOf,
) -> Result<HashMap<i64, BTreeMap<FieldKey, String>>> {
    let (table, owner) = of.table();
    let filter = if of.id().is_some() {
        format!(" WHERE {owner} = $1")
    } else {
        String::new()
    };
    let sql = format!("SELECT {owner} AS owner, field_key, value FROM {table}{filter}");
    let mut query = sqlx::query(&sql);
    if let Some(id) = of.id() {
        query = query.bind(id);
    }
    let mut found: HashMap<i64, BTreeMap<FieldKey, String>> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        found
            .entry(rows::int(&row, "owner")?)
            .or_default()
            .insert(rows::parsed(&row, "field_key")?, rows::text(&row, "value")?);
    }
    Ok(found)
}

/// Sets and removes one record's custom fields on the caller's transaction. Removing a field
/// the record does not have is refused, as removing an email it does not have is.
pub(crate) async fn change_fields(
    conn: &mut AnyConnection,
    of: FieldsOf,
    set: &[(FieldKey, String)],
    remove: &[FieldKey],
) -> Result<()> {
    let (table, owner) = of.table();
    let Some(id) = of.id() else {
        return Err(StoreError::Invalid(
            "fields change one record at a time".into(),
        ));
    };
    for key in remove {
        let sql = format!("DELETE FROM {table} WHERE {owner} = $1 AND field_key = $2");
        let gone = sqlx::query(&sql)
            .bind(id)
            .bind(key.as_str())
            .execute(&mut *conn)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "there is no custom field '{key}'"
            )));
        }
    }
    for (key, value) in set {
        let delete = format!("DELETE FROM {table} WHERE {owner} = $1 AND field_key = $2");
        sqlx::query(&delete)
            .bind(id)
            .bind(key.as_str())
            .execute(&mut *conn)
            .await?;
        let insert = format!("INSERT INTO {table} ({owner}, field_key, value) VALUES ($1, $2, $3)");
        sqlx::query(&insert)
            .bind(id)
            .bind(key.as_str())
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A criterion as stored, with its id (what `remove` names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCriterion {
    pub id: i64,
    pub criterion: Criterion,
}

fn criterion_snapshot(c: &Criterion) -> serde_json::Value {
    json!({
        "field": c.test.field(),
        "value": c.test.value(),
        "weight": c.weight.get(),
    })
}

async fn criteria(conn: &mut AnyConnection) -> Result<Vec<StoredCriterion>> {
    let found = sqlx::query("SELECT id, field, value, weight FROM icp_criteria ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    found
        .iter()
        .map(|row| {
            let field = rows::text(row, "field")?;
            let value = rows::text(row, "value")?;
            let test = Test::parse(&field, &value)
                .map_err(|e| StoreError::Corrupt(format!("icp criterion {field}: {e}")))?;
            let weight = fit::Weight::new(rows::int(row, "weight")?)
                .map_err(|e| StoreError::Corrupt(format!("icp criterion weight: {e}")))?;
            Ok(StoredCriterion {
                id: rows::int(row, "id")?,
                criterion: Criterion { test, weight },
            })
        })
        .collect()
}

/// Writes criteria as they come (an import's, keeping their ids), on the caller's
/// transaction.
pub(crate) async fn insert_criterion(
    conn: &mut AnyConnection,
    id: Option<i64>,
    criterion: &Criterion,
    now: Timestamp,
) -> Result<i64> {
    let mut query = sqlx::query_scalar(if id.is_some() {
        "INSERT INTO icp_criteria (field, value, weight, created_at, id) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    } else {
        "INSERT INTO icp_criteria (field, value, weight, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id"
    })
    .bind(criterion.test.field())
    .bind(criterion.test.value())
    .bind(i64::from(criterion.weight.get()))
    .bind(instant_text(now));
    if let Some(id) = id {
        query = query.bind(id);
    }
    Ok(query.fetch_one(&mut *conn).await?)
}

/// A contact's id, organization and tags: what its fit needs beyond custom fields.
struct ContactFacts {
    organization: Option<i64>,
    tags: Vec<String>,
}

impl Store {
    /// The profile's criteria, in the order they were added.
    pub async fn icp_criteria(&self) -> Result<Vec<StoredCriterion>> {
        let mut conn = self.pool.acquire().await?;
        criteria(&mut conn).await
    }

    /// Adds a criterion (admins only), audited. Returns its id.
    pub async fn add_icp_criterion(
        &self,
        actor: UserId,
        criterion: &Criterion,
        now: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change the ideal client profile")?;
        let id = insert_criterion(&mut tx, None, criterion, now).await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::IcpCriterion,
            entity_id: Some(id),
            contact: None,
            before: None,
            after: Some(criterion_snapshot(criterion)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a criterion (admins only), audited.
    pub async fn remove_icp_criterion(&self, actor: UserId, id: i64, now: Timestamp) -> Result<()> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change the ideal client profile")?;
        let before = criteria(&mut tx)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::CriterionNotFound(id))?;
        sqlx::query("DELETE FROM icp_criteria WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: AuditAction::Remove,
            entity: AuditEntity::IcpCriterion,
            entity_id: Some(id),
            contact: None,
            before: Some(criterion_snapshot(&before.criterion)),
            after: None,
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An organization's fit, with its reasons; `None` without criteria that apply.
    pub async fn organization_fit(&self, id: OrganizationId) -> Result<Option<Fit>> {
        let profile = self.profile().await?;
        let organization = self.organization(id).await?;
        Ok(fit::fit(&profile, &Facts::of_organization(&organization)))
    }

    /// A contact's fit, with its reasons; `None` without criteria.
    pub async fn contact_fit(&self, id: ContactId) -> Result<Option<Fit>> {
        let profile = self.profile().await?;
        let contact = self.contact(id).await?;
        let organization = match &contact.organization {
            Some(o) => Some(self.organization(o.id).await?),
            None => None,
        };
        let facts = Facts::of_contact(organization.as_ref(), &contact.tags, &contact.fields);
        Ok(fit::fit(&profile, &facts))
    }

    async fn profile(&self) -> Result<Vec<Criterion>> {
        Ok(self
            .icp_criteria()
            .await?
            .into_iter()
            .map(|c| c.criterion)
            .collect())
    }

    /// Every organization with its fit score, best first (then by name); without a profile,
    /// by name with no scores.
    pub async fn organizations_by_fit(&self) -> Result<Vec<(Organization, Option<u8>)>> {
        let profile = self.profile().await?;
        let mut scored: Vec<(Organization, Option<u8>)> = self
            .organizations()
            .await?
            .into_iter()
            .map(|o| {
                let score = fit::fit(&profile, &Facts::of_organization(&o)).map(|f| f.score);
                (o, score)
            })
            .collect();
        // `organizations()` is in name order and the sort is stable: ties stay by name.
        scored.sort_by(|a, b| fit::best_first(a.1, b.1));
        Ok(scored)
    }

    /// The contacts `filter` lists, with their fit scores, best first (ties in name order).
    /// The fit is computed when read, so this reads every listed contact's facts: a page
    /// costs as much as the whole list. `filter.after` names the last contact of the
    /// previous page; the page starts after its place in the order as it stands now
    /// (a contact no longer listed is refused: start again).
    pub async fn contacts_by_fit(
        &self,
        filter: &ContactFilter,
    ) -> Result<Vec<(ContactSummary, Option<u8>)>> {
        let everyone = ContactFilter {
            after: None,
            limit: None,
            ..filter.clone()
        };
        let listed = self.list_contacts(&everyone).await?;
        let profile = self.profile().await?;
        let organizations: HashMap<i64, Organization> = self
            .organizations()
            .await?
            .into_iter()
            .map(|o| (o.id.0, o))
            .collect();
        let mut conn = self.pool.acquire().await?;
        let mut facts: HashMap<i64, ContactFacts> = HashMap::new();
        for row in sqlx::query("SELECT id, organization_id FROM contacts")
            .fetch_all(&mut *conn)
            .await?
        {
            facts.insert(
                rows::int(&row, "id")?,
                ContactFacts {
                    organization: rows::opt_int(&row, "organization_id")?,
                    tags: Vec::new(),
                },
            );
        }
        for row in sqlx::query("SELECT contact_id, tag FROM contact_tags ORDER BY tag")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(f) = facts.get_mut(&rows::int(&row, "contact_id")?) {
                f.tags.push(rows::text(&row, "tag")?);
            }
        }
        let fields = all_fields(&mut conn, FieldsOf::EveryContact).await?;
        let none = BTreeMap::new();
        let mut scored: Vec<(ContactSummary, Option<u8>)> = listed
            .into_iter()
            .map(|c| {
                let known = facts.get(&c.id.0);
                let organization = known
                    .and_then(|f| f.organization)
                    .and_then(|o| organizations.get(&o));
                let tags = known.map(|f| f.tags.as_slice()).unwrap_or_default();
                let own = fields.get(&c.id.0).unwrap_or(&none);
                let facts = Facts::of_contact(organization, tags, own);
                let score = fit::fit(&profile, &facts).map(|f| f.score);
                (c, score)
            })
            .collect();
        scored.sort_by(|a, b| fit::best_first(a.1, b.1));
        if let Some(after) = filter.after {
            let place = scored
                .iter()
                .position(|(c, _)| c.id == after)
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "contact #{after} is no longer in this list; start from the first page"
                    ))
                })?;
            scored.drain(..=place);
        }
        if let Some(limit) = filter.limit {
            scored.truncate(usize::try_from(limit.max(0)).unwrap_or(usize::MAX));
        }
        Ok(scored)
    }
}

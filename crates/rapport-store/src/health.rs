//! Relationship health and the fortress's at-risk list: reads the facts the core's rules
//! (`rapport_core::health`) need, and nothing else. Read-only.

use std::collections::HashMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rapport_core::health::{
    FortressFacts, Health, HealthInput, Risk, TREND_DAYS, TouchFact, contact_health, is_fortress,
    organization_health, risks,
};
use rapport_core::model::{ContactId, OrganizationId};
use rapport_core::{Cadence, Tier};
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::{Store, rows};

/// One active contact's health, with what identifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactHealth {
    pub contact: ContactId,
    pub name: String,
    pub organization: Option<String>,
    /// The contact's tier, else their organization's.
    pub tier: Option<Tier>,
    pub next_touch_on: Date,
    pub health: Health,
    /// Why it is at risk (valuable relationships only).
    pub risks: Vec<Risk>,
}

/// An organization's health and its people's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationHealth {
    pub organization: OrganizationId,
    pub name: String,
    pub health: Health,
    pub people: Vec<ContactHealth>,
}

/// What health needs of each contact, with the size of their organization.
const FACTS_SELECT: &str = "SELECT c.id, c.name, c.tier, c.effective_cadence, c.added_on, \
        c.last_touch_on, c.next_touch_on, o.name AS organization, o.tier AS organization_tier, \
        (SELECT COUNT(*) FROM contacts p \
          WHERE p.organization_id = c.organization_id AND p.archived_at IS NULL) AS people \
     FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id";

struct Facts {
    id: ContactId,
    name: String,
    organization: Option<String>,
    people: i64,
    tier: Option<Tier>,
    cadence: Cadence,
    added_on: Date,
    last_touch_on: Option<Date>,
    next_touch_on: Date,
}

fn facts(row: &AnyRow) -> Result<Facts> {
    let own: Option<Tier> = rows::opt_parsed(row, "tier")?;
    Ok(Facts {
        id: ContactId(rows::int(row, "id")?),
        name: rows::text(row, "name")?,
        organization: rows::opt_text(row, "organization")?,
        people: rows::int(row, "people")?,
        tier: own.or(rows::opt_parsed(row, "organization_tier")?),
        cadence: rows::parsed(row, "effective_cadence")?,
        added_on: rows::date(row, "added_on")?,
        last_touch_on: rows::opt_date(row, "last_touch_on")?,
        next_touch_on: rows::date(row, "next_touch_on")?,
    })
}

impl Store {
    /// The touches health weighs (the last `2 × TREND_DAYS` days) of each of `contacts`.
    async fn touch_facts(
        &self,
        contacts: &[ContactId],
        today: Date,
    ) -> Result<HashMap<ContactId, Vec<TouchFact>>> {
        let since = today
            .checked_sub((2 * TREND_DAYS).days())
            .unwrap_or(Date::MIN);
        let mut found: HashMap<ContactId, Vec<TouchFact>> = HashMap::new();
        for chunk in contacts.chunks(500) {
            let sql = format!(
                "SELECT contact_id, occurred_on, direction FROM touches \
                 WHERE occurred_on > $1 AND contact_id IN ({})",
                rows::placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(since.to_string());
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.pool).await? {
                found
                    .entry(ContactId(rows::int(&row, "contact_id")?))
                    .or_default()
                    .push(TouchFact {
                        on: rows::date(&row, "occurred_on")?,
                        direction: rows::parsed(&row, "direction")?,
                    });
            }
        }
        Ok(found)
    }

    async fn healths(&self, all: Vec<Facts>, today: Date) -> Result<Vec<ContactHealth>> {
        let ids: Vec<ContactId> = all.iter().map(|f| f.id).collect();
        let mut touches = self.touch_facts(&ids, today).await?;
        Ok(all
            .into_iter()
            .map(|f| {
                let theirs = touches.remove(&f.id).unwrap_or_default();
                let health = contact_health(&HealthInput {
                    today,
                    cadence: f.cadence,
                    added_on: f.added_on,
                    last_touch_on: f.last_touch_on,
                    touches: &theirs,
                });
                let people = usize::try_from(f.people).unwrap_or_default();
                let found = risks(
                    today,
                    &FortressFacts {
                        tier: f.tier,
                        next_touch_on: f.next_touch_on,
                        health: &health,
                        organization: f.organization.as_deref().map(|o| (o, people)),
                    },
                );
                ContactHealth {
                    contact: f.id,
                    name: f.name,
                    organization: f.organization,
                    tier: f.tier,
                    next_touch_on: f.next_touch_on,
                    health,
                    risks: found,
                }
            })
            .collect())
    }

    /// One contact's health on `today`.
    pub async fn contact_health(&self, contact: ContactId, today: Date) -> Result<ContactHealth> {
        let sql = format!("{FACTS_SELECT} WHERE c.id = $1");
        let row = sqlx::query(&sql)
            .bind(contact.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::ContactNotFound(format!("#{contact}")))?;
        let mut found = self.healths(vec![facts(&row)?], today).await?;
        found
            .pop()
            .ok_or_else(|| StoreError::ContactNotFound(format!("#{contact}")))
    }

    /// An organization's health on `today`, from its active contacts'.
    pub async fn organization_health(
        &self,
        organization: OrganizationId,
        today: Date,
    ) -> Result<OrganizationHealth> {
        let name = self.organization(organization).await?.name;
        let sql = format!(
            "{FACTS_SELECT} WHERE c.organization_id = $1 AND c.archived_at IS NULL \
             ORDER BY c.name_key, c.id"
        );
        let found = sqlx::query(&sql)
            .bind(organization.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(facts)
            .collect::<Result<Vec<_>>>()?;
        let people = self.healths(found, today).await?;
        let healths: Vec<Health> = people.iter().map(|p| p.health.clone()).collect();
        Ok(OrganizationHealth {
            organization,
            health: organization_health(&name, &healths),
            name,
            people,
        })
    }

    /// The fortress's at-risk list on `today`: active contacts of the fortress tiers (their
    /// own tier, else their organization's) that are overdue, falling or single-threaded,
    /// most reasons first, then the least healthy.
    pub async fn at_risk(&self, today: Date) -> Result<Vec<ContactHealth>> {
        // Only the fortress tiers can be at risk (the core's rule); reading just them keeps
        // the scan to the valuable few.
        let fortress: Vec<&str> = Tier::ALL
            .iter()
            .filter(|t| is_fortress(Some(**t)))
            .map(|t| t.as_str())
            .collect();
        let list = rows::placeholders(1, fortress.len());
        let sql = format!(
            "{FACTS_SELECT} WHERE c.archived_at IS NULL AND (c.tier IN ({list}) \
             OR (c.tier IS NULL AND o.tier IN ({list})))"
        );
        let mut query = sqlx::query(&sql);
        for tier in &fortress {
            query = query.bind(*tier);
        }
        let found = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(facts)
            .collect::<Result<Vec<_>>>()?;
        let mut at_risk: Vec<ContactHealth> = self
            .healths(found, today)
            .await?
            .into_iter()
            .filter(|c| !c.risks.is_empty())
            .collect();
        at_risk.sort_by(|a, b| {
            b.risks
                .len()
                .cmp(&a.risks.len())
                .then(a.health.score.cmp(&b.health.score))
                .then(a.contact.cmp(&b.contact))
        });
        Ok(at_risk)
    }
}

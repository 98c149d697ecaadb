//! Suggestions read from history and judged by the core (`rapport_core::suggest`): a
//! contact's prospect kind (when none is set by hand) and the tier a relationship's value
//! earns, beside the default cycle the tier that is set gives. Read-only, team-wide like every
//! read of the book.

use std::collections::HashMap;

use rapport_core::model::{ContactId, OrganizationId};
use rapport_core::suggest::{self, PurchaseHistory, RelationshipValue, Suggested};
use rapport_core::{Cadence, DefaultScope, ProspectKind, Tier};
use sqlx::AnyConnection;

use crate::error::Result;
use crate::nurture::rows_for_contacts;
use crate::relationships::load_rules;
use crate::schedule::load_defaults;
use crate::{Store, rows};

/// What history suggests about a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSuggestions {
    /// `None` when the prospect kind is set by hand.
    pub prospect_kind: Option<Suggested<ProspectKind>>,
    /// From the value at their organization, or with them alone when they have none.
    pub tier: Suggested<Tier>,
    /// The default cycle of the tier set on the contact: top tiers get tighter ones.
    pub tier_cadence: Option<Cadence>,
}

/// What history suggests about an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSuggestions {
    pub tier: Suggested<Tier>,
    /// The default cycle of the tier set on the organization.
    pub tier_cadence: Option<Cadence>,
}

/// Won and open opportunity value, with one contact or at one organization.
const VALUE_SELECT: &str = "SELECT \
    CAST(COALESCE(SUM(CASE WHEN outcome = 'won' THEN value ELSE 0 END), 0) AS BIGINT) AS won, \
    CAST(COALESCE(SUM(CASE WHEN outcome = 'open' THEN value ELSE 0 END), 0) AS BIGINT) AS open \
    FROM opportunities";

/// Whose opportunities a relationship's value adds up.
enum ValueOf {
    Organization(OrganizationId),
    Contact(ContactId),
}

async fn value_of(conn: &mut AnyConnection, of: ValueOf, at: String) -> Result<RelationshipValue> {
    let (where_clause, id) = match of {
        ValueOf::Organization(id) => (" WHERE organization_id = $1", id.0),
        ValueOf::Contact(id) => (" WHERE contact_id = $1", id.0),
    };
    let row = sqlx::query(&format!("{VALUE_SELECT}{where_clause}"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(RelationshipValue {
        at,
        won: rows::int(&row, "won")?,
        open: rows::int(&row, "open")?,
    })
}

async fn tier_cadence(conn: &mut AnyConnection, tier: Option<Tier>) -> Result<Option<Cadence>> {
    let Some(tier) = tier else { return Ok(None) };
    let defaults = load_defaults(conn).await?;
    Ok(defaults
        .entries()
        .into_iter()
        .find_map(|(scope, cadence)| (scope == DefaultScope::Tier(tier)).then_some(cadence)))
}

/// What says whether each of `contacts` has bought before (see
/// [`suggest::prospect_kind`]), in three queries whatever their number; a contact with no
/// evidence at all is left out.
pub(crate) async fn purchase_histories(
    conn: &mut AnyConnection,
    contacts: &[ContactId],
) -> Result<HashMap<ContactId, PurchaseHistory>> {
    let mut histories: HashMap<ContactId, PurchaseHistory> = HashMap::new();
    let incumbents = rows_for_contacts(
        conn,
        "SELECT c.id, k.name FROM contacts c \
         JOIN competitors k ON k.organization_id = c.organization_id \
         WHERE c.id IN ({ids}) ORDER BY c.id, k.name",
        contacts,
        &[],
    )
    .await?;
    for row in &incumbents {
        let history = histories
            .entry(ContactId(rows::int(row, "id")?))
            .or_default();
        history.incumbents.push(rows::text(row, "name")?);
    }
    // Theirs, and their organization's with others: two counts an index answers each
    // (`opportunities_contact`, `opportunities_organization`), where one condition with OR
    // read every won deal for each contact.
    let won = rows_for_contacts(
        conn,
        "SELECT c.id, \
             (SELECT COUNT(*) FROM opportunities o \
              WHERE o.contact_id = c.id AND o.outcome = 'won') \
             + (SELECT COUNT(*) FROM opportunities o \
                WHERE o.organization_id = c.organization_id AND o.outcome = 'won' \
                AND o.contact_id <> c.id) AS n \
         FROM contacts c WHERE c.id IN ({ids})",
        contacts,
        &[],
    )
    .await?;
    for row in &won {
        let deals = u32::try_from(rows::int(row, "n")?).unwrap_or(u32::MAX);
        if deals > 0 {
            let history = histories
                .entry(ContactId(rows::int(row, "id")?))
                .or_default();
            history.won_deals = deals;
        }
    }
    let customer_spans = rows_for_contacts(
        conn,
        "SELECT contact_id, since, until FROM contact_roles \
         WHERE role = 'customer' AND until IS NOT NULL AND contact_id IN ({ids}) \
         ORDER BY contact_id, since, id",
        contacts,
        &[],
    )
    .await?;
    for row in &customer_spans {
        let history = histories
            .entry(ContactId(rows::int(row, "contact_id")?))
            .or_default();
        let span = (rows::date(row, "since")?, rows::date(row, "until")?);
        history.past_customer.push(span);
    }
    Ok(histories)
}

impl Store {
    /// What history suggests about a contact: seasoned when their organization has an
    /// incumbent competitor, or there are won deals with them or their organization, or they
    /// were a customer; the tier their organization's (else their own) won + open value earns.
    pub async fn contact_suggestions(&self, id: ContactId) -> Result<ContactSuggestions> {
        let contact = self.contact(id).await?;
        let mut conn = self.pool.acquire().await?;
        let prospect_kind = match contact.prospect_kind {
            Some(_) => None,
            None => {
                let mut histories = purchase_histories(&mut conn, &[id]).await?;
                let history = histories.remove(&id).unwrap_or_default();
                Some(suggest::prospect_kind(&history))
            }
        };
        let value = match &contact.organization {
            Some(org) => {
                value_of(&mut conn, ValueOf::Organization(org.id), org.name.clone()).await?
            }
            None => value_of(&mut conn, ValueOf::Contact(id), contact.name.clone()).await?,
        };
        let rules = load_rules(&mut conn).await?;
        Ok(ContactSuggestions {
            prospect_kind,
            tier: suggest::tier(&value, rules.tier_values),
            tier_cadence: tier_cadence(&mut conn, contact.tier).await?,
        })
    }

    /// The tier an organization's won + open opportunity value earns.
    pub async fn organization_suggestions(
        &self,
        id: OrganizationId,
    ) -> Result<OrganizationSuggestions> {
        let organization = self.organization(id).await?;
        let mut conn = self.pool.acquire().await?;
        let value = value_of(&mut conn, ValueOf::Organization(id), organization.name).await?;
        let rules = load_rules(&mut conn).await?;
        Ok(OrganizationSuggestions {
            tier: suggest::tier(&value, rules.tier_values),
            tier_cadence: tier_cadence(&mut conn, organization.tier).await?,
        })
    }
}

//! Reads for pictures: a seller's recent touches against their due days, overdue counts by
//! tier, and the latest touches with the people of one organization.

use jiff::civil::Date;
use rapport_core::model::{OrganizationId, Touch, UserId};
use rapport_core::punctuality::Punctuality;
use rapport_core::{Cadence, Tier};

use crate::error::Result;
use crate::{Store, rows};

/// A touch with the name of the contact it was with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchWith {
    pub contact_name: String,
    pub touch: Touch,
}

impl Store {
    /// Every touch on or after `since` with a contact `owner` owns, with the day it was due
    /// (one cycle after the contact's touch before it; see `rapport_core::punctuality`).
    pub async fn touch_punctuality(&self, owner: UserId, since: Date) -> Result<Vec<Punctuality>> {
        // The previous touch may be older than `since`, so the window runs over each
        // contact's whole history and the date filter applies outside it.
        let found = sqlx::query(
            "SELECT h.occurred_on, h.previous_on, h.added_on, h.effective_cadence FROM ( \
                SELECT t.occurred_on, c.added_on, c.effective_cadence, \
                    LAG(t.occurred_on) OVER \
                        (PARTITION BY t.contact_id ORDER BY t.occurred_at, t.id) AS previous_on \
                FROM touches t JOIN contacts c ON c.id = t.contact_id \
                WHERE c.owner_id = $1 AND c.id IN \
                    (SELECT contact_id FROM touches WHERE occurred_on >= $2) \
             ) h WHERE h.occurred_on >= $2",
        )
        .bind(owner.0)
        .bind(since.to_string())
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| {
                let cadence: Cadence = rows::parsed(row, "effective_cadence")?;
                Ok(Punctuality::of(
                    rows::date(row, "occurred_on")?,
                    rows::opt_parsed(row, "previous_on")?,
                    rows::date(row, "added_on")?,
                    cadence,
                ))
            })
            .collect()
    }

    /// How many of `owner`'s active contacts are overdue on `today`, by tier (`None`: no
    /// tier), most valuable tier first.
    pub async fn overdue_by_tier(
        &self,
        owner: UserId,
        today: Date,
    ) -> Result<Vec<(Option<Tier>, i64)>> {
        let found = sqlx::query(
            "SELECT tier, COUNT(*) AS overdue FROM contacts \
             WHERE owner_id = $1 AND archived_at IS NULL AND next_touch_on < $2 \
             GROUP BY tier",
        )
        .bind(owner.0)
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = found
            .iter()
            .map(|row| Ok((rows::opt_parsed(row, "tier")?, rows::int(row, "overdue")?)))
            .collect::<Result<Vec<(Option<Tier>, i64)>>>()?;
        // Tiers A…D, then the contacts without one.
        counts.sort_by_key(|(tier, _)| (tier.is_none(), *tier));
        Ok(counts)
    }

    /// The latest touches with anyone at `organization`, newest first, as `viewer` may see
    /// them (private text withheld from all but its author).
    pub async fn organization_touches(
        &self,
        viewer: UserId,
        organization: OrganizationId,
        limit: i64,
    ) -> Result<Vec<TouchWith>> {
        let sql = format!(
            "SELECT c.name AS contact_name, {} FROM touches t \
             JOIN contacts c ON c.id = t.contact_id \
             WHERE c.organization_id = $1 ORDER BY t.occurred_at DESC, t.id DESC LIMIT $2",
            rows::TOUCH_COLUMNS
                .split(", ")
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        sqlx::query(&sql)
            .bind(organization.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(TouchWith {
                    contact_name: rows::text(row, "contact_name")?,
                    touch: rows::touch(row)?.as_seen_by(viewer),
                })
            })
            .collect()
    }
}

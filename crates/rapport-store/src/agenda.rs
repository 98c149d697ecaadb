//! The agenda query: a range scan of one owner's due dates, ranked by the domain core.

use std::collections::HashMap;

use jiff::civil::Date;
use rapport_core::agenda::{self, AgendaFacts, Priority, RenewalContext, Section};
use rapport_core::model::{
    Agenda, AgendaEntry, Competitor, ContactId, FollowUp, Hold, OrganizationId, UserId,
};
use rapport_core::{Cadence, CadenceSource, NextTouch, NextTouchSource, Role, Tier};

use crate::error::{Result, StoreError};
use crate::{Store, rows};
use sqlx::any::AnyRow;

/// One entry's context, owned, so the explanation can borrow from it.
struct Due {
    id: ContactId,
    name: String,
    organization: Option<String>,
    organization_id: Option<OrganizationId>,
    tier: Option<Tier>,
    cadence: Cadence,
    cadence_source: CadenceSource,
    added_on: Date,
    last_touch_on: Option<Date>,
    last_touch_id: Option<i64>,
    hold: Option<Hold>,
    next: NextTouch,
}

impl Due {
    fn facts<'a>(
        &'a self,
        follow_up: Option<&'a FollowUp>,
        renewal: Option<&'a Competitor>,
    ) -> AgendaFacts<'a> {
        AgendaFacts {
            next: self.next,
            cadence: self.cadence,
            cadence_source: &self.cadence_source,
            tier: self.tier,
            added_on: self.added_on,
            last_touch_on: self.last_touch_on,
            hold: self.hold.as_ref().map(|h| (h.until, h.reason.as_str())),
            follow_up: follow_up.map(|f| (f.due_on, f.text.as_str())),
            renewal: renewal.and_then(|c| {
                Some(RenewalContext {
                    competitor: &c.name,
                    renews_on: c.renews_on?,
                    dissatisfactions: &c.dissatisfactions,
                })
            }),
        }
    }
}

const DUE_COLUMNS: &str = "c.id, c.name, \
    (SELECT o.name FROM organizations o WHERE o.id = c.organization_id) AS organization, \
    c.organization_id, \
    c.tier, c.effective_cadence, c.cadence_source, c.added_on, c.last_touch_on, \
    c.last_touch_id, c.hold_until, c.hold_reason, c.next_touch_on, c.next_touch_source";

fn due(row: &AnyRow) -> Result<Due> {
    let source = rows::text(row, "cadence_source")?;
    Ok(Due {
        id: ContactId(rows::int(row, "id")?),
        name: rows::text(row, "name")?,
        organization: rows::opt_text(row, "organization")?,
        organization_id: rows::opt_int(row, "organization_id")?.map(OrganizationId),
        tier: rows::opt_parsed(row, "tier")?,
        cadence: rows::parsed(row, "effective_cadence")?,
        cadence_source: CadenceSource::from_code(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("cadence_source = '{source}'")))?,
        added_on: rows::date(row, "added_on")?,
        last_touch_on: rows::opt_date(row, "last_touch_on")?,
        last_touch_id: rows::opt_int(row, "last_touch_id")?,
        hold: match rows::opt_date(row, "hold_until")? {
            Some(until) => Some(Hold {
                until,
                reason: rows::opt_text(row, "hold_reason")?.unwrap_or_default(),
            }),
            None => None,
        },
        next: next_touch(row)?,
    })
}

fn next_touch(row: &AnyRow) -> Result<NextTouch> {
    Ok(NextTouch {
        on: rows::date(row, "next_touch_on")?,
        source: rows::parsed(row, "next_touch_source")?,
    })
}

impl Store {
    /// `owner`'s agenda on `today`: everything due up to `through`, ranked, the first `limit`
    /// entries with their context (last touch, open follow-ups, hold), as `viewer` may see
    /// it (a private last touch keeps its text for its author only). Another user's agenda
    /// is for admins. With `role`, only contacts holding that role on `today` (begun by then,
    /// not yet ended), counts included.
    ///
    /// The whole due range is ranked on the five columns ranking needs; the context is loaded
    /// for the entries shown only. A book's due range is a thousand rows or more, and every
    /// row and column out of the driver costs (docs/benchmarks.md).
    pub async fn agenda(
        &self,
        viewer: UserId,
        owner: UserId,
        today: Date,
        through: Date,
        limit: usize,
        role: Option<Role>,
    ) -> Result<Agenda> {
        if viewer != owner {
            let mut conn = self.pool.acquire().await?;
            crate::audit::acting(&mut conn, viewer)
                .await?
                .may_administer("see another user's agenda")?;
        }
        let mut sql = "SELECT c.id, c.tier, c.effective_cadence, c.next_touch_on, \
             c.next_touch_source FROM contacts c \
             WHERE c.owner_id = $1 AND c.archived_at IS NULL AND c.next_touch_on <= $2"
            .to_owned();
        if role.is_some() {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM contact_roles r WHERE r.contact_id = c.id \
                 AND r.role = $3 AND r.since <= $4 AND (r.until IS NULL OR r.until > $4))",
            );
        }
        let mut query = sqlx::query(&sql).bind(owner.0).bind(through.to_string());
        if let Some(role) = role {
            query = query.bind(role.as_str()).bind(today.to_string());
        }
        let found = query.fetch_all(&self.pool).await?;
        let mut ranked = found
            .iter()
            .map(|row| {
                let priority = Priority {
                    next: next_touch(row)?,
                    cadence: rows::parsed(row, "effective_cadence")?,
                    tier: rows::opt_parsed(row, "tier")?,
                };
                Ok((ContactId(rows::int(row, "id")?), priority))
            })
            .collect::<Result<Vec<(ContactId, Priority)>>>()?;

        let count = |section: Section| {
            ranked
                .iter()
                .filter(|(_, p)| Section::of(today, p.next.on) == section)
                .count()
        };
        let (overdue, due_today, upcoming) = (
            count(Section::Overdue),
            count(Section::Today),
            count(Section::Upcoming),
        );

        ranked.sort_by(|a, b| agenda::compare(today, &a.1, &b.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);

        let ids: Vec<ContactId> = ranked.iter().map(|(id, _)| *id).collect();
        let mut details: HashMap<ContactId, Due> = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {DUE_COLUMNS} FROM contacts c WHERE c.id IN ({})",
                rows::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.pool).await? {
                let d = due(&row)?;
                details.insert(d.id, d);
            }
        }
        let mut follow_ups: HashMap<ContactId, Vec<FollowUp>> = HashMap::new();
        for f in self.open_follow_ups_of(&ids).await? {
            follow_ups.entry(f.contact).or_default().push(f);
        }
        let touch_ids: Vec<i64> = details.values().filter_map(|d| d.last_touch_id).collect();
        let mut last_touches: HashMap<ContactId, _> = self
            .touches_by_id(&touch_ids)
            .await?
            .into_iter()
            .map(|t| (t.contact, t.as_seen_by(viewer)))
            .collect();

        // The competitor behind each entry a renewal brought back: the agenda's context.
        let mut renewals: HashMap<ContactId, Competitor> = HashMap::new();
        for d in details.values() {
            if let (NextTouchSource::Renewal, Some(org)) = (d.next.source, d.organization_id)
                && let Some(competitor) = self.renewal_behind(org, d.next.on).await?
            {
                renewals.insert(d.id, competitor);
            }
        }

        // In rank order; a contact changed between the two reads shows as it is now.
        let entries = ids
            .iter()
            .filter_map(|id| details.remove(id))
            .map(|d| {
                let open = follow_ups.remove(&d.id).unwrap_or_default();
                let renewal = renewals.remove(&d.id);
                let facts = d.facts(open.first(), renewal.as_ref());
                AgendaEntry {
                    contact: d.id,
                    section: Section::of(today, d.next.on),
                    urgency: agenda::urgency(today, &facts.priority()),
                    why: agenda::explain(today, &facts),
                    last_touch: last_touches.remove(&d.id),
                    open_follow_ups: open,
                    name: d.name,
                    organization: d.organization,
                    tier: d.tier,
                    next_touch: d.next,
                    cadence: d.cadence,
                    cadence_source: d.cadence_source,
                    hold: d.hold,
                    renewal,
                }
            })
            .collect();
        Ok(Agenda {
            today,
            through,
            overdue,
            due_today,
            upcoming,
            entries,
        })
    }
}

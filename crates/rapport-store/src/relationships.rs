//! Relationship intelligence: opportunities and what closing one does to the contact,
//! incumbent competitors with their renewals, and the team's rules for both.
//!
//! The rules themselves are the core's (`rapport_core::opportunity`, `rapport_core::renewal`);
//! this module stores the facts, applies the rules inside each write's transaction, and
//! records the audit rows.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::model::{
    Competitor, CompetitorId, ContactId, Opportunity, OpportunityId, OrganizationId,
    OrganizationRef, UserId,
};
use rapport_core::opportunity::{CloseMove, CloseRules, Expectation, Timeline};
use rapport_core::playbook::Part;
use rapport_core::renewal::RenewalLead;
use rapport_core::suggest::TierValues;
use rapport_core::{
    AuditAction, AuditEntity, BuyingTimeline, Cadence, NextTouch, Outcome, Role, Stage,
};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change};
use crate::contacts::{
    StageMove, contact_to_change, name_key, record_contact_change, record_stage,
};
use crate::error::{Result, StoreError, is_unique_violation};
use crate::import::vocabulary;
use crate::schedule::{lock_contact, reschedule, reschedule_everyone};
use crate::{Store, instant_text, rows};

/// The team's relationship rules: where closing a deal moves the contact, and how long
/// before a competitor's renewal its account comes back on the agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationshipRules {
    pub close: CloseRules,
    pub renewal_lead: RenewalLead,
    /// What won + open opportunity value earns each tier, for the suggested tier.
    pub tier_values: TierValues,
}

/// A change to the relationship rules. `None` leaves a value alone; a role of `Some(None)`
/// takes no role on.
#[derive(Debug, Clone, Copy, Default)]
pub struct RulesPatch {
    pub won_stage: Option<Stage>,
    pub won_role: Option<Option<Role>>,
    pub won_cadence: Option<Cadence>,
    pub lost_stage: Option<Stage>,
    pub lost_role: Option<Option<Role>>,
    pub lost_cadence: Option<Cadence>,
    pub renewal_lead: Option<RenewalLead>,
    pub tier_values: Option<TierValues>,
}

impl RulesPatch {
    fn apply(self, rules: RelationshipRules) -> RelationshipRules {
        let (won, lost) = (rules.close.won, rules.close.lost);
        RelationshipRules {
            close: CloseRules {
                won: CloseMove {
                    stage: self.won_stage.unwrap_or(won.stage),
                    role: self.won_role.unwrap_or(won.role),
                    cadence: self.won_cadence.unwrap_or(won.cadence),
                },
                lost: CloseMove {
                    stage: self.lost_stage.unwrap_or(lost.stage),
                    role: self.lost_role.unwrap_or(lost.role),
                    cadence: self.lost_cadence.unwrap_or(lost.cadence),
                },
            },
            renewal_lead: self.renewal_lead.unwrap_or(rules.renewal_lead),
            tier_values: self.tier_values.unwrap_or(rules.tier_values),
        }
    }
}

/// A new opportunity on a contact.
#[derive(Debug, Clone)]
pub struct NewOpportunity {
    pub title: String,
    /// Whole units of the team's currency; never negative.
    pub value: i64,
    /// The buying timeline, as stated today.
    pub timeline: Timeline,
}

/// Which opportunities a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpportunityFilter {
    pub contact: Option<ContactId>,
    pub open_only: bool,
}

/// A competitor to record at an organization: created if new (by name, ignoring case), else
/// updated — a given renewal date replaces the old one, dissatisfactions are added.
#[derive(Debug, Clone, Default)]
pub struct CompetitorUpdate {
    pub name: String,
    pub renews_on: Option<Date>,
    pub dissatisfactions: Vec<String>,
}

const OPPORTUNITY_SELECT: &str = "SELECT p.id, p.contact_id, p.organization_id, p.title, \
        p.value, p.opened_on, p.timeline, p.expected_close_on, p.outcome, p.closed_on, \
        p.close_reason, c.name AS contact_name, o.name AS organization_name \
     FROM opportunities p JOIN contacts c ON c.id = p.contact_id \
     LEFT JOIN organizations o ON o.id = p.organization_id";

const COMPETITOR_SELECT: &str =
    "SELECT id, organization_id, name, renews_on, dissatisfactions FROM competitors";

/// The rules as stored, keyed as in `relationship_settings`.
fn setting_pairs(rules: &RelationshipRules) -> [(&'static str, String); 8] {
    let role = |m: &CloseMove| m.role.map(|r| r.as_str().to_owned()).unwrap_or_default();
    [
        ("won_stage", rules.close.won.stage.as_str().to_owned()),
        ("won_role", role(&rules.close.won)),
        ("won_cadence", rules.close.won.cadence.to_string()),
        ("lost_stage", rules.close.lost.stage.as_str().to_owned()),
        ("lost_role", role(&rules.close.lost)),
        ("lost_cadence", rules.close.lost.cadence.to_string()),
        ("renewal_lead_days", rules.renewal_lead.to_string()),
        ("tier_values", rules.tier_values.to_string()),
    ]
}

fn rules_snapshot(rules: &RelationshipRules) -> Value {
    Value::Object(
        setting_pairs(rules)
            .into_iter()
            .map(|(key, value)| (key.to_owned(), Value::String(value)))
            .collect(),
    )
}

/// A relationship setting's value in its stored spelling, parsed by the rule its key names:
/// an import's check, so a dump cannot plant a value `load_rules` would call corrupt. An
/// unknown key is refused.
pub(crate) fn canonical_setting(key: &str, value: &str) -> Result<String> {
    // A stage's playbook part: `playbook.engaged.checklist`.
    if let Some((_, part)) = Part::of_key(key) {
        return part
            .canonical(value)
            .map_err(|e| StoreError::Invalid(format!("{key}: {e}")));
    }
    match key {
        "won_stage" | "lost_stage" => vocabulary::<Stage>(key, value),
        // An empty role takes no role on.
        "won_role" | "lost_role" if value.is_empty() => Ok(String::new()),
        "won_role" | "lost_role" => vocabulary::<Role>(key, value),
        "won_cadence" | "lost_cadence" => vocabulary::<Cadence>(key, value),
        "renewal_lead_days" => vocabulary::<RenewalLead>(key, value),
        "tier_values" => vocabulary::<TierValues>(key, value),
        _ => Err(StoreError::Invalid(format!(
            "key: '{key}' is not a relationship setting"
        ))),
    }
}

pub(crate) async fn load_rules(conn: &mut AnyConnection) -> Result<RelationshipRules> {
    let found = sqlx::query("SELECT key, value FROM relationship_settings")
        .fetch_all(&mut *conn)
        .await?;
    let mut values = HashMap::new();
    for row in &found {
        values.insert(rows::text(row, "key")?, rows::text(row, "value")?);
    }
    let value = |key: &str| {
        values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| StoreError::Corrupt(format!("relationship setting '{key}' is missing")))
    };
    let role = |key: &str| -> Result<Option<Role>> {
        match value(key)? {
            "" => Ok(None),
            word => rows::parse(key, word).map(Some),
        }
    };
    let close_move = |side: &str| -> Result<CloseMove> {
        Ok(CloseMove {
            stage: rows::parse::<Stage>("stage", value(&format!("{side}_stage"))?)?,
            role: role(&format!("{side}_role"))?,
            cadence: rows::parse("cadence", value(&format!("{side}_cadence"))?)?,
        })
    };
    Ok(RelationshipRules {
        close: CloseRules {
            won: close_move("won")?,
            lost: close_move("lost")?,
        },
        renewal_lead: rows::parse("renewal_lead_days", value("renewal_lead_days")?)?,
        tier_values: rows::parse("tier_values", value("tier_values")?)?,
    })
}

fn opportunity(row: &AnyRow) -> Result<Opportunity> {
    let opened_on = rows::date(row, "opened_on")?;
    let timeline = match (
        rows::opt_parsed::<BuyingTimeline>(row, "timeline")?,
        rows::opt_date(row, "expected_close_on")?,
    ) {
        (_, Some(day)) => Timeline::By(day),
        (Some(window), None) => Timeline::Within(window),
        (None, None) => {
            return Err(StoreError::Corrupt(
                "an opportunity has neither a timeline nor an expected close date".into(),
            ));
        }
    };
    let expected = Expectation {
        stated_on: opened_on,
        timeline,
    };
    let organization = match rows::opt_int(row, "organization_id")? {
        Some(id) => Some(OrganizationRef {
            id: OrganizationId(id),
            name: rows::text(row, "organization_name")?,
        }),
        None => None,
    };
    Ok(Opportunity {
        id: OpportunityId(rows::int(row, "id")?),
        contact: ContactId(rows::int(row, "contact_id")?),
        contact_name: rows::text(row, "contact_name")?,
        organization,
        title: rows::text(row, "title")?,
        value: rows::int(row, "value")?,
        expected,
        outcome: rows::parsed(row, "outcome")?,
        closed: rows::opt_date(row, "closed_on")?
            .map(|on| Ok::<_, StoreError>((on, rows::opt_text(row, "close_reason")?)))
            .transpose()?,
        opened_on,
    })
}

fn opportunity_snapshot(o: &Opportunity) -> Value {
    let (timeline, expected_close_on) = timeline_columns(o.expected.timeline);
    json!({
        "contact_id": o.contact.0,
        "title": o.title,
        "value": o.value,
        "timeline": timeline,
        "expected_close_on": expected_close_on,
        "outcome": o.outcome.as_str(),
        "closed_on": o.closed.as_ref().map(|(on, _)| on.to_string()),
        "close_reason": o.closed.as_ref().and_then(|(_, why)| why.clone()),
    })
}

/// A timeline as stored: a window's word, or an expected close date.
fn timeline_columns(timeline: Timeline) -> (Option<&'static str>, Option<String>) {
    match timeline {
        Timeline::Within(window) => (Some(window.as_str()), None),
        Timeline::By(day) => (None, Some(day.to_string())),
    }
}

async fn load_opportunity(conn: &mut AnyConnection, id: OpportunityId) -> Result<Opportunity> {
    let sql = format!("{OPPORTUNITY_SELECT} WHERE p.id = $1");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::OpportunityNotFound(id))?;
    opportunity(&row)
}

fn competitor(row: &AnyRow) -> Result<Competitor> {
    Ok(Competitor {
        id: CompetitorId(rows::int(row, "id")?),
        organization: OrganizationId(rows::int(row, "organization_id")?),
        name: rows::text(row, "name")?,
        renews_on: rows::opt_date(row, "renews_on")?,
        dissatisfactions: rows::text(row, "dissatisfactions")?
            .lines()
            .map(str::to_owned)
            .collect(),
    })
}

fn competitor_snapshot(c: &Competitor) -> Value {
    json!({
        "organization_id": c.organization.0,
        "name": c.name,
        "renews_on": c.renews_on.map(|d| d.to_string()),
        "dissatisfactions": c.dissatisfactions,
    })
}

/// One line of stored text per dissatisfaction: a line break inside one would split it.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Store {
    pub async fn relationship_rules(&self) -> Result<RelationshipRules> {
        let mut conn = self.pool.acquire().await?;
        load_rules(&mut conn).await
    }

    /// Changes the team's relationship rules (admins only: they move everyone's contacts)
    /// and, when the renewal lead time changed, reschedules every contact. One transaction,
    /// one audit row. Returns the rules now in force.
    pub async fn change_relationship_rules(
        &self,
        actor: UserId,
        patch: RulesPatch,
        now: Timestamp,
    ) -> Result<RelationshipRules> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change the relationship rules")?;
        let before = load_rules(&mut tx).await?;
        let rules = patch.apply(before);
        for (key, value) in setting_pairs(&rules) {
            sqlx::query("UPDATE relationship_settings SET value = $1 WHERE key = $2")
                .bind(value)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::RelationshipSetting,
            entity_id: None,
            contact: None,
            before: Some(rules_snapshot(&before)),
            after: Some(rules_snapshot(&rules)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        if before.renewal_lead != rules.renewal_lead {
            self.lock_all_contacts(&mut tx).await?;
            reschedule_everyone(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(rules)
    }

    /// Opens an opportunity on a contact, at the organization they are at now. The
    /// contact's owner or an admin; not on an archived contact.
    pub async fn add_opportunity(
        &self,
        actor: UserId,
        contact: ContactId,
        new: NewOpportunity,
        now: Timestamp,
        today: Date,
    ) -> Result<Opportunity> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid(
                "an opportunity needs a title".to_owned(),
            ));
        }
        if new.value < 0 {
            return Err(StoreError::Invalid(format!(
                "an opportunity's value cannot be negative ({})",
                new.value
            )));
        }
        let mut tx = self.write().await?;
        let current = contact_to_change(&mut tx, actor, contact).await?;
        if current.archived_at.is_some() {
            return Err(StoreError::Archived(contact));
        }
        let (timeline, expected_close_on) = timeline_columns(new.timeline);
        let stamp = instant_text(now);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO opportunities (contact_id, organization_id, author_id, title, value, \
                opened_on, timeline, expected_close_on, outcome, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(contact.0)
        .bind(current.organization.as_ref().map(|o| o.id.0))
        .bind(actor.0)
        .bind(title)
        .bind(new.value)
        .bind(today.to_string())
        .bind(timeline)
        .bind(expected_close_on)
        .bind(Outcome::Open.as_str())
        .bind(stamp)
        .fetch_one(&mut *tx)
        .await?;
        let created = load_opportunity(&mut tx, OpportunityId(id)).await?;
        let change = Change {
            action: AuditAction::Create,
            entity: AuditEntity::Opportunity,
            entity_id: Some(id),
            contact: Some(contact),
            before: None,
            after: Some(opportunity_snapshot(&created)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn opportunity(&self, id: OpportunityId) -> Result<Opportunity> {
        let mut conn = self.pool.acquire().await?;
        load_opportunity(&mut conn, id).await
    }

    /// Every open opportunity, newest first: what the forecast counts.
    pub async fn open_opportunities(&self) -> Result<Vec<Opportunity>> {
        self.opportunities(OpportunityFilter {
            contact: None,
            open_only: true,
        })
        .await
    }

    /// Opportunities, newest first.
    pub async fn opportunities(&self, filter: OpportunityFilter) -> Result<Vec<Opportunity>> {
        let sql = format!(
            "{OPPORTUNITY_SELECT} WHERE ($1 = 0 OR p.contact_id = $1) \
             AND ($2 = 0 OR p.outcome = 'open') ORDER BY p.id DESC"
        );
        let found = sqlx::query(&sql)
            .bind(filter.contact.map_or(0, |c| c.0))
            .bind(i64::from(filter.open_only))
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(opportunity).collect()
    }

    /// Closes an opportunity as won or lost, with a reason, and moves its contact by the
    /// team's close rule — stage, role, and the retention or nurture cycle as the contact's
    /// own cadence — so the contact stays on the agenda. The contact's owner or an admin; one
    /// transaction with an audit row for the opportunity and one for the contact.
    pub async fn close_opportunity(
        &self,
        actor: UserId,
        id: OpportunityId,
        outcome: Outcome,
        reason: Option<&str>,
        now: Timestamp,
        today: Date,
    ) -> Result<(Opportunity, NextTouch)> {
        let mut tx = self.write().await?;
        let of_contact = load_opportunity(&mut tx, id).await?.contact;
        let contact = contact_to_change(&mut tx, actor, of_contact).await?;
        // Read again under the contact's lock: a concurrent close of the same deal has
        // committed by now, and this one must see it.
        let before = load_opportunity(&mut tx, id).await?;
        if before.outcome != Outcome::Open {
            return Err(StoreError::Invalid(format!(
                "opportunity #{id} is already {}",
                before.outcome
            )));
        }
        if contact.archived_at.is_some() {
            return Err(StoreError::Archived(contact.id));
        }
        let rules = load_rules(&mut tx).await?;
        let Some(close_move) = rules.close.on_close(outcome).copied() else {
            return Err(StoreError::Invalid(
                "an opportunity closes as won or lost".to_owned(),
            ));
        };
        let stamp = instant_text(now);
        sqlx::query(
            "UPDATE opportunities SET outcome = $1, closed_on = $2, close_reason = $3, \
                updated_at = $4 WHERE id = $5",
        )
        .bind(outcome.as_str())
        .bind(today.to_string())
        .bind(reason.map(str::trim).filter(|r| !r.is_empty()))
        .bind(&stamp)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE contacts SET stage = $1, cadence = $2, updated_at = $3, \
                version = version + 1 WHERE id = $4",
        )
        .bind(close_move.stage.as_str())
        .bind(close_move.cadence.to_string())
        .bind(&stamp)
        .bind(contact.id.0)
        .execute(&mut *tx)
        .await?;
        if let Some(role) = close_move.role
            && !contact.active_roles().contains(&role)
        {
            sqlx::query("INSERT INTO contact_roles (contact_id, role, since) VALUES ($1, $2, $3)")
                .bind(contact.id.0)
                .bind(role.as_str())
                .bind(today.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let why = match reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => format!("{outcome}: {} ({reason})", before.title),
            None => format!("{outcome}: {}", before.title),
        };
        let stage = StageMove {
            from: contact.stage,
            to: Some(close_move.stage),
            on: today,
            reason: Some(&why),
        };
        record_stage(&mut tx, actor, contact.id, stage, now).await?;
        let next = reschedule(&mut tx, contact.id).await?;
        let after = load_opportunity(&mut tx, id).await?;
        let change = Change {
            action: AuditAction::Close,
            entity: AuditEntity::Opportunity,
            entity_id: Some(id.0),
            contact: Some(contact.id),
            before: Some(opportunity_snapshot(&before)),
            after: Some(opportunity_snapshot(&after)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        record_contact_change(&mut tx, actor, now, AuditAction::Update, &contact).await?;
        tx.commit().await?;
        Ok((after, next))
    }

    /// Records an incumbent competitor at an organization (or updates one) and reschedules
    /// the organization's contacts, whose agenda date a renewal may pull in. Anyone who may
    /// write: organizations are team-wide.
    pub async fn record_competitor(
        &self,
        actor: UserId,
        organization: OrganizationId,
        update: CompetitorUpdate,
        now: Timestamp,
    ) -> Result<Competitor> {
        let name = update.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a competitor needs a name".to_owned()));
        }
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
            .bind(organization.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::OrganizationNotFound(format!("#{organization}")));
        }
        let sql = format!("{COMPETITOR_SELECT} WHERE organization_id = $1 AND name_key = $2");
        let found = sqlx::query(&sql)
            .bind(organization.0)
            .bind(name_key(name))
            .fetch_optional(&mut *tx)
            .await?;
        let before = found.as_ref().map(competitor).transpose()?;
        let mut dissatisfactions = before
            .as_ref()
            .map(|c| c.dissatisfactions.clone())
            .unwrap_or_default();
        for text in update.dissatisfactions.iter().map(|t| one_line(t)) {
            if !text.is_empty() && !dissatisfactions.contains(&text) {
                dissatisfactions.push(text);
            }
        }
        let renews_on = update
            .renews_on
            .or(before.as_ref().and_then(|c| c.renews_on));
        let stamp = instant_text(now);
        let id = match &before {
            Some(existing) => {
                sqlx::query(
                    "UPDATE competitors SET renews_on = $1, dissatisfactions = $2, \
                        updated_at = $3 WHERE id = $4",
                )
                .bind(renews_on.map(|d| d.to_string()))
                .bind(dissatisfactions.join("\n"))
                .bind(&stamp)
                .bind(existing.id.0)
                .execute(&mut *tx)
                .await?;
                existing.id
            }
            None => CompetitorId(
                sqlx::query_scalar(
                    "INSERT INTO competitors (organization_id, name, name_key, renews_on, \
                        dissatisfactions, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(organization.0)
                .bind(name)
                .bind(name_key(name))
                .bind(renews_on.map(|d| d.to_string()))
                .bind(dissatisfactions.join("\n"))
                .bind(&stamp)
                .fetch_one(&mut *tx)
                .await
                .map_err(|err| {
                    if is_unique_violation(&err) {
                        StoreError::Invalid(format!(
                            "competitor '{name}' was just recorded by someone else; try again"
                        ))
                    } else {
                        StoreError::from(err)
                    }
                })?,
            ),
        };
        let sql = format!("{COMPETITOR_SELECT} WHERE id = $1");
        let after = competitor(&sqlx::query(&sql).bind(id.0).fetch_one(&mut *tx).await?)?;
        let change = Change {
            action: if before.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            },
            entity: AuditEntity::Competitor,
            entity_id: Some(id.0),
            contact: None,
            before: before.as_ref().map(competitor_snapshot),
            after: Some(competitor_snapshot(&after)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        let people: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE organization_id = $1 ORDER BY id")
                .bind(organization.0)
                .fetch_all(&mut *tx)
                .await?;
        for person in people.into_iter().map(ContactId) {
            lock_contact(&mut tx, person, false).await?;
            reschedule(&mut tx, person).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// An organization's incumbent competitors, soonest renewal first.
    pub async fn competitors(&self, organization: OrganizationId) -> Result<Vec<Competitor>> {
        let sql = format!(
            "{COMPETITOR_SELECT} WHERE organization_id = $1 \
             ORDER BY renews_on IS NULL, renews_on, name_key"
        );
        let found = sqlx::query(&sql)
            .bind(organization.0)
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(competitor).collect()
    }

    /// The renewal that brought a contact at `organization` onto the agenda on `due`: the
    /// earliest competitor renewal on or after that day.
    pub(crate) async fn renewal_behind(
        &self,
        organization: OrganizationId,
        due: Date,
    ) -> Result<Option<Competitor>> {
        let sql = format!(
            "{COMPETITOR_SELECT} WHERE organization_id = $1 AND renews_on >= $2 \
             ORDER BY renews_on, id LIMIT 1"
        );
        let found = sqlx::query(&sql)
            .bind(organization.0)
            .bind(due.to_string())
            .fetch_optional(&self.pool)
            .await?;
        found.as_ref().map(competitor).transpose()
    }
}

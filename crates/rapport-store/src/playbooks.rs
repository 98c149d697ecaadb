//! Lifecycle playbooks, kept among the team's relationship rules (`relationship_settings`,
//! keys `playbook.STAGE.PART`, so they are exported, imported and audited like the others),
//! with each stage's cadence read from its default cycle; and each contact's checklist
//! progress (`contacts.checklist`: the steps ticked, per stage).

use std::collections::HashMap;

use jiff::Timestamp;
use rapport_core::Cadence;
use rapport_core::model::{ContactId, UserId};
use rapport_core::playbook::{self, Part, Playbook, Step};
use rapport_core::{AuditAction, AuditEntity, DefaultScope, ProspectKind, Stage};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Change};
use crate::error::{Result, StoreError};
use crate::schedule::{load_defaults, lock_contact};
use crate::{Store, instant_text, rows};

/// A stage's playbook and its cadence (the stage's default cycle, if one is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlaybook {
    pub playbook: Playbook,
    pub cadence: Option<Cadence>,
}

/// A change to one stage's playbook; absent parts stay as they are. Text as typed: the core
/// tidies and checks it.
#[derive(Debug, Clone, Default)]
pub struct PlaybookPatch {
    pub looks_like: Option<String>,
    pub checklist: Option<String>,
    pub approach_new: Option<String>,
    pub approach_seasoned: Option<String>,
}

/// A contact's place in their stage's playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChecklist {
    pub contact: ContactId,
    pub stage: StagePlaybook,
    pub steps: Vec<Step>,
    /// The prospect kind the approach is for: set by hand, else suggested.
    pub kind: ProspectKind,
    pub kind_suggested: bool,
}

impl ContactChecklist {
    pub fn approach(&self) -> &str {
        self.stage.playbook.approach(self.kind)
    }
}

async fn load_playbooks(conn: &mut AnyConnection) -> Result<Vec<StagePlaybook>> {
    let found = sqlx::query(
        "SELECT key, value FROM relationship_settings WHERE key LIKE 'playbook.%' ORDER BY key",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut parts: HashMap<(Stage, &'static str), String> = HashMap::new();
    for row in &found {
        let key = rows::text(row, "key")?;
        if let Some((stage, part)) = Part::of_key(&key) {
            parts.insert((stage, part.as_str()), rows::text(row, "value")?);
        }
    }
    let defaults = load_defaults(conn).await?;
    let cadences: HashMap<DefaultScope, Cadence> = defaults.entries().into_iter().collect();
    Stage::ALL
        .iter()
        .map(|stage| {
            let mut part = |p: Part| {
                parts.remove(&(*stage, p.as_str())).ok_or_else(|| {
                    StoreError::Corrupt(format!("playbook setting '{}' is missing", p.key(*stage)))
                })
            };
            Ok(StagePlaybook {
                playbook: Playbook {
                    stage: *stage,
                    looks_like: part(Part::LooksLike)?,
                    checklist: part(Part::Checklist)?.lines().map(str::to_owned).collect(),
                    approach_new: part(Part::ApproachNew)?,
                    approach_seasoned: part(Part::ApproachSeasoned)?,
                },
                cadence: cadences.get(&DefaultScope::Stage(*stage)).copied(),
            })
        })
        .collect()
}

fn playbook_snapshot(p: &Playbook) -> serde_json::Value {
    json!({
        "stage": p.stage.as_str(),
        "looks_like": p.looks_like,
        "checklist": p.checklist,
        "approach_new": p.approach_new,
        "approach_seasoned": p.approach_seasoned,
    })
}

impl Store {
    /// Every stage's playbook, in the stages' order.
    pub async fn playbooks(&self) -> Result<Vec<StagePlaybook>> {
        let mut conn = self.pool.acquire().await?;
        load_playbooks(&mut conn).await
    }

    /// Changes one stage's playbook (admins: it is the team's). One transaction, one audit
    /// row with the playbook before and after. Returns it as it is now.
    pub async fn set_playbook(
        &self,
        actor: UserId,
        stage: Stage,
        patch: PlaybookPatch,
        now: Timestamp,
    ) -> Result<StagePlaybook> {
        let parts = [
            (Part::LooksLike, patch.looks_like),
            (Part::Checklist, patch.checklist),
            (Part::ApproachNew, patch.approach_new),
            (Part::ApproachSeasoned, patch.approach_seasoned),
        ];
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change the playbooks")?;
        let before = load_playbooks(&mut tx).await?;
        for (part, text) in parts {
            let Some(text) = text else { continue };
            let value = part
                .canonical(&text)
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", part.as_str())))?;
            sqlx::query("UPDATE relationship_settings SET value = $1 WHERE key = $2")
                .bind(value)
                .bind(part.key(stage))
                .execute(&mut *tx)
                .await?;
        }
        let after = load_playbooks(&mut tx).await?;
        let of_stage = |all: &[StagePlaybook]| {
            all.iter()
                .find(|p| p.playbook.stage == stage)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("no playbook for {stage}")))
        };
        let (before, after) = (of_stage(&before)?, of_stage(&after)?);
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::RelationshipSetting,
            entity_id: None,
            contact: None,
            before: Some(playbook_snapshot(&before.playbook)),
            after: Some(playbook_snapshot(&after.playbook)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A contact's stage playbook with their progress; `None` when they have no stage.
    pub async fn checklist(&self, id: ContactId) -> Result<Option<ContactChecklist>> {
        let contact = self.contact(id).await?;
        let Some(stage) = contact.stage else {
            return Ok(None);
        };
        let kind = match contact.prospect_kind {
            Some(kind) => (kind, false),
            None => {
                let suggestions = self.contact_suggestions(id).await?;
                let kind = suggestions
                    .prospect_kind
                    .map_or(ProspectKind::New, |s| s.value);
                (kind, true)
            }
        };
        let mut conn = self.pool.acquire().await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT checklist FROM contacts WHERE id = $1")
                .bind(id.0)
                .fetch_one(&mut *conn)
                .await?;
        let all = load_playbooks(&mut conn).await?;
        let Some(stage) = all.into_iter().find(|p| p.playbook.stage == stage) else {
            return Err(StoreError::Corrupt(format!("no playbook for {stage}")));
        };
        let steps = playbook::progress(&stage.playbook, &playbook::ticks_of(stored.as_deref()));
        Ok(Some(ContactChecklist {
            contact: id,
            stage,
            steps,
            kind: kind.0,
            kind_suggested: kind.1,
        }))
    }

    /// Ticks (or, with `done` false, unticks) step `number` (from 1) of the contact's stage
    /// checklist. Anyone who may log activity; one transaction with its audit row. Returns
    /// the checklist as it is now.
    pub async fn tick_step(
        &self,
        actor: UserId,
        id: ContactId,
        number: usize,
        done: bool,
        now: Timestamp,
    ) -> Result<ContactChecklist> {
        let current = self.checklist(id).await?.ok_or_else(|| {
            StoreError::Invalid(format!(
                "contact #{id} has no lifecycle stage, so no checklist"
            ))
        })?;
        let stage = current.stage.playbook.stage;
        let step = current
            .steps
            .iter()
            .find(|s| s.number == number)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "step: the {stage} checklist has steps 1 to {}, not {number}",
                    current.steps.len()
                ))
            })?;
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        if lock_contact(&mut tx, id, true).await?.is_some() {
            return Err(StoreError::Archived(id));
        }
        let stored: Option<String> =
            sqlx::query_scalar("SELECT checklist FROM contacts WHERE id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
        let before = playbook::ticks_of(stored.as_deref());
        let mut after: Vec<(Stage, String)> = before
            .iter()
            .filter(|(s, text)| !(*s == stage && *text == step.text))
            .cloned()
            .collect();
        if done {
            after.push((stage, step.text.clone()));
        }
        sqlx::query("UPDATE contacts SET checklist = $1, updated_at = $2 WHERE id = $3")
            .bind(playbook::stored_ticks(&after))
            .bind(instant_text(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let snapshot = |ticks: &[(Stage, String)]| json!({ "checklist": ticks.iter().map(|(s, t)| format!("{s}: {t}")).collect::<Vec<_>>() });
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::Contact,
            entity_id: Some(id.0),
            contact: Some(id),
            before: Some(snapshot(&before)),
            after: Some(snapshot(&after)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        self.checklist(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("contact #{id} lost its stage")))
    }
}

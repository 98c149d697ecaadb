//! Loading a JSON dump (see [`crate::export`]) into an empty database, keeping every id.
//!
//! The whole file is one write transaction: a bad line rolls everything back, and the error
//! names the line and the problem. Every value goes through the domain's own parser (and is
//! stored in its canonical spelling), and every reference must point at a record earlier in
//! the file, which is the order the export writes them in.
//!
//! What the scheduling engine derives — each contact's last touch and next touch — is not
//! taken from the file: it is computed again from the imported facts before commit, so an
//! imported book is consistent by construction.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::io;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_core::{
    BuyingTimeline, Cadence, DefaultScope, Direction, EmailAddress, Horizon, InterestKind, Outcome,
    ProspectKind, Role, Stage, Tier, TouchKind, UserRole,
};
use sqlx::AnyConnection;

use crate::contacts::name_key;
use crate::error::{Result, StoreError};
use crate::export::records::{
    CadenceDefaultRecord, CompetitorRecord, ContactInterestRecord, ContactRecord,
    ContentItemRecord, ContentSendRecord, EXPORT_FORMAT, FollowUpRecord, Header,
    IcpCriterionRecord, IntroductionRecord, NurtureOwnerRecord, NurtureSettingRecord,
    OpportunityRecord, OrganizationFieldRecord, OrganizationRecord, Record,
    RelationshipSettingRecord, StageChangeRecord, TouchRecord, UserRecord,
};
use crate::nurture::canonical_nurture_setting;
use crate::profile::{self, FieldsOf};
use crate::relationships::{canonical_setting, one_line};
use crate::schedule::reschedule_everyone;
use crate::{Store, instant_text, known_schema_version, move_sequences_past_ids};
use rapport_core::fit::{Criterion, FieldKey, Test, Weight, field_value};
use rapport_core::model::{ContactId, OrganizationId, non_blank};
use rapport_core::nurture::Term;
use rapport_core::phone::phone_key;
use rapport_core::playbook::{self, Part};

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub users: u64,
    pub organizations: u64,
    pub contacts: u64,
    pub touches: u64,
    pub follow_ups: u64,
}

/// The tables whose ids an import sets, which PostgreSQL's identity sequences must move past.
const IDENTITY_TABLES: &[&str] = &[
    "users",
    "organizations",
    "contacts",
    "contact_roles",
    "touches",
    "follow_ups",
    "competitors",
    "stage_changes",
    "opportunities",
    "content_items",
    "icp_criteria",
];

impl Store {
    /// Loads a JSON Lines dump into this database, which must be empty (as a new database
    /// is: the local owner and the default cadences, which the dump's own replace). One
    /// transaction: on any error nothing is written.
    pub async fn import_json(&self, input: impl io::BufRead) -> Result<ImportSummary> {
        let mut tx = self.write().await?;
        refuse_unless_empty(&mut tx).await?;
        // The new database's seeded rows give way to the dump's.
        sqlx::query("DELETE FROM cadence_defaults")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users").execute(&mut *tx).await?;
        let known_schema = known_schema_version(self.backend);

        let mut importer = Importer::default();
        let mut merges = vec![];
        let mut lines = input.lines();
        let header = match lines.next() {
            Some(line) => line.map_err(|e| at_line(1, e.to_string()))?,
            None => return Err(at_line(1, "the file is empty".into())),
        };
        let format = check_header(&header, known_schema).map_err(|problem| at_line(1, problem))?;
        let mut last_line = 1;
        for (number, line) in (2..).zip(lines) {
            last_line = number;
            let line = line.map_err(|e| at_line(number, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record =
                serde_json::from_str(&line).map_err(|e| at_line(number, e.to_string()))?;
            // A merged contact may come before the one it was merged into: checked at the end.
            if let Record::Contact(ContactRecord {
                id,
                merged_into: Some(survivor),
                ..
            }) = &record
            {
                merges.push((number, *id, *survivor));
            }
            importer
                .insert(&mut tx, record)
                .await
                .map_err(|err| match err {
                    StoreError::Invalid(problem) => at_line(number, problem),
                    StoreError::Database(err) => {
                        at_line(number, format!("the database refused it: {err}"))
                    }
                    other => other,
                })?;
        }
        if format >= 2 && !importer.ended {
            return Err(at_line(
                last_line,
                format!(
                    "the file ends after {} records without the dump's end line: it was cut \
                     short (export it again)",
                    importer.records
                ),
            ));
        }
        if importer.users.is_empty() {
            return Err(StoreError::Invalid(
                "the file has no users; a Rapport export always has at least one".into(),
            ));
        }
        if importer.admins == 0 {
            return Err(StoreError::Invalid(
                "the file has no active admin, and nobody could add users or change roles; a \
                 Rapport export always has one"
                    .into(),
            ));
        }
        for (line, id, survivor) in merges {
            if survivor == id {
                return Err(at_line(
                    line,
                    "merged_into: a contact cannot be merged into itself".into(),
                ));
            }
            if !importer.contacts.contains(&survivor) {
                return Err(at_line(
                    line,
                    format!("merged_into: no contact #{survivor} in the file"),
                ));
            }
        }

        // Each contact's last touch is the latest of its touches, by time then id.
        sqlx::query(
            "UPDATE contacts SET \
               last_touch_id = (SELECT t.id FROM touches t WHERE t.contact_id = contacts.id \
                                ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), \
               last_touch_on = (SELECT t.occurred_on FROM touches t \
                                WHERE t.contact_id = contacts.id \
                                ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1)",
        )
        .execute(&mut *tx)
        .await?;
        reschedule_everyone(&mut tx).await?;
        move_sequences_past_ids(&mut tx, self.backend, IDENTITY_TABLES).await?;
        tx.commit().await?;
        Ok(importer.summary)
    }
}

fn at_line(line: u64, problem: String) -> StoreError {
    StoreError::Import { line, problem }
}

/// Anything but what a new database holds is refused: an import keeps the dump's ids, and
/// merging two books is not what it does.
async fn refuse_unless_empty(conn: &mut AnyConnection) -> Result<()> {
    let (records, users, secrets): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM (SELECT 1 FROM organizations LIMIT 1) o) \
         + (SELECT COUNT(*) FROM (SELECT 1 FROM contacts LIMIT 1) c) \
         + (SELECT COUNT(*) FROM (SELECT 1 FROM touches LIMIT 1) t) \
         + (SELECT COUNT(*) FROM (SELECT 1 FROM follow_ups LIMIT 1) f) \
         + (SELECT COUNT(*) FROM (SELECT 1 FROM content_items LIMIT 1) i), \
           (SELECT COUNT(*) FROM users), \
           (SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL) \
         + (SELECT COUNT(*) FROM api_tokens)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if records > 0 || users > 1 || secrets > 0 {
        return Err(StoreError::NotEmpty);
    }
    Ok(())
}

/// The dump's format, once its header says this version reads it.
fn check_header(line: &str, known_schema: i64) -> Result<i64, String> {
    let header: Header = serde_json::from_str(line).map_err(|e| {
        format!(
            "not a Rapport JSON export (the first line must be its header, \
             {{\"rapport_export\": {EXPORT_FORMAT}, …}}): {e}"
        )
    })?;
    if !(1..=EXPORT_FORMAT).contains(&header.rapport_export) {
        return Err(format!(
            "export format {} is not one this version reads (it reads 1 to {EXPORT_FORMAT})",
            header.rapport_export
        ));
    }
    if header.schema_version > known_schema {
        return Err(format!(
            "exported from schema version {}, newer than this version of Rapport knows \
             ({known_schema}); upgrade Rapport to import it",
            header.schema_version
        ));
    }
    Ok(header.rapport_export)
}

/// The ids seen so far, which later records may refer to, and the counts.
#[derive(Default)]
struct Importer {
    users: HashSet<i64>,
    /// How many of them are active admins: a team always keeps one (`Store::set_user_role`,
    /// `Store::set_user_disabled`).
    admins: usize,
    /// The disabled users, who own, nurture and sell to no contacts.
    disabled: HashMap<i64, String>,
    organizations: HashSet<i64>,
    contacts: HashSet<i64>,
    /// Each touch's contact, which its content send must name too.
    touches: HashMap<i64, i64>,
    content: HashSet<i64>,
    /// Relationship settings already read: a key given twice is a mistake, not an override.
    settings: HashSet<String>,
    /// Nurture settings already read, likewise.
    nurture_settings: HashSet<String>,
    summary: ImportSummary,
    /// Records read so far, and whether the end line (format 2) was one of them.
    records: u64,
    ended: bool,
}

impl Importer {
    /// Inserts one record. A problem with its values is `StoreError::Invalid`.
    async fn insert(&mut self, conn: &mut AnyConnection, record: Record) -> Result<()> {
        if self.ended {
            return Err(invalid("a record after the dump's end line".into()));
        }
        if !matches!(record, Record::End(_)) {
            self.records += 1;
        }
        match record {
            Record::End(end) => {
                if end.records != self.records {
                    return Err(invalid(format!(
                        "the end line counts {} records, but {} came before it: records are \
                         missing",
                        end.records, self.records
                    )));
                }
                self.ended = true;
                Ok(())
            }
            Record::User(user) => self.user(conn, user).await,
            Record::CadenceDefault(default) => cadence_default(conn, default).await,
            Record::RelationshipSetting(setting) => self.setting(conn, setting).await,
            Record::Organization(organization) => self.organization(conn, organization).await,
            Record::Competitor(competitor) => self.competitor(conn, competitor).await,
            Record::Contact(contact) => self.contact(conn, contact).await,
            Record::IcpCriterion(criterion) => self.icp_criterion(conn, criterion).await,
            Record::OrganizationField(field) => self.organization_field(conn, field).await,
            Record::Touch(touch) => self.touch(conn, touch).await,
            Record::FollowUp(follow_up) => self.follow_up(conn, follow_up).await,
            Record::StageChange(change) => self.stage_change(conn, change).await,
            Record::Opportunity(opportunity) => self.opportunity(conn, opportunity).await,
            Record::Introduction(introduction) => self.introduction(conn, introduction).await,
            Record::NurtureSetting(setting) => self.nurture_setting(conn, setting).await,
            Record::ContentItem(item) => self.content_item(conn, item).await,
            Record::ContactInterest(interest) => self.interest(conn, interest).await,
            Record::ContentSend(send) => self.content_send(conn, send).await,
            Record::NurtureOwner(owners) => self.nurture_owner(conn, owners).await,
        }
    }

    async fn user(&mut self, conn: &mut AnyConnection, user: UserRecord) -> Result<()> {
        let time_zone = user
            .time_zone
            .map(|zone| match TimeZone::get(&zone) {
                Ok(_) => Ok(zone),
                Err(e) => Err(invalid(format!("time_zone '{zone}': {e}"))),
            })
            .transpose()?;
        let role = vocabulary::<UserRole>("role", &user.role)?;
        let disabled_at = optional(instant, "disabled_at", user.disabled_at)?;
        let email = required("email", &user.email)?;
        sqlx::query(
            "INSERT INTO users (id, email, name, role, time_zone, created_at, disabled_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user.id)
        .bind(&email)
        .bind(user.name)
        .bind(&role)
        .bind(time_zone)
        .bind(instant("created_at", &user.created_at)?)
        .bind(&disabled_at)
        .execute(&mut *conn)
        .await?;
        self.users.insert(user.id);
        if disabled_at.is_some() {
            self.disabled.insert(user.id, email);
        } else {
            self.admins += usize::from(role == UserRole::Admin.as_str());
        }
        self.summary.users += 1;
        Ok(())
    }

    async fn organization(
        &mut self,
        conn: &mut AnyConnection,
        organization: OrganizationRecord,
    ) -> Result<()> {
        known(&self.users, "owner_id", "user", organization.owner_id)?;
        let name = required("name", &organization.name)?;
        let key = name_key(&name);
        if let Some(size) = organization.size.filter(|n| *n < 0) {
            return Err(invalid(format!(
                "size: an employee count is at least 0, got {size}"
            )));
        }
        sqlx::query(
            "INSERT INTO organizations (id, owner_id, name, name_key, domain, tier, created_at, \
             updated_at, industry, size, region, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(organization.id)
        .bind(organization.owner_id)
        .bind(name)
        .bind(key)
        .bind(organization.domain)
        .bind(optional(vocabulary::<Tier>, "tier", organization.tier)?)
        .bind(instant("created_at", &organization.created_at)?)
        .bind(instant("updated_at", &organization.updated_at)?)
        .bind(non_blank(organization.industry))
        .bind(organization.size)
        .bind(non_blank(organization.region))
        .bind(organization.version.max(1))
        .execute(&mut *conn)
        .await?;
        self.organizations.insert(organization.id);
        self.summary.organizations += 1;
        Ok(())
    }

    async fn contact(&mut self, conn: &mut AnyConnection, contact: ContactRecord) -> Result<()> {
        known(&self.users, "owner_id", "user", contact.owner_id)?;
        if let Some(email) = self.disabled.get(&contact.owner_id) {
            return Err(invalid(format!(
                "owner_id: user #{} {email} is disabled, and a disabled user owns no contacts",
                contact.owner_id
            )));
        }
        if let Some(organization) = contact.organization_id {
            known(
                &self.organizations,
                "organization_id",
                "organization",
                organization,
            )?;
        }
        let name = required("name", &contact.name)?;
        let key = name_key(&name);
        let added_on = date("added_on", &contact.added_on)?;
        let ticks = contact
            .checklist
            .iter()
            .map(|tick| {
                let stage = tick
                    .stage
                    .parse::<Stage>()
                    .map_err(|e| invalid(format!("checklist.stage: {e}")))?;
                let step = Part::Checklist
                    .canonical(&tick.step)
                    .ok()
                    .filter(|step| !step.contains('\n'))
                    .ok_or_else(|| {
                        invalid(format!("checklist.step: '{}' is not one step", tick.step))
                    })?;
                Ok((stage, step))
            })
            .collect::<Result<Vec<_>>>()?;
        let checklist = playbook::stored_ticks(&ticks);
        // The four schedule columns are derived before commit (`reschedule_everyone`); until
        // then they hold placeholders.
        sqlx::query(
            "INSERT INTO contacts (id, owner_id, name, name_key, title, organization_id, notes, \
               source, tier, stage, horizon, prospect_kind, cadence, effective_cadence, \
               cadence_source, added_on, hold_until, hold_reason, next_touch_on, \
               next_touch_source, archived_at, version, created_at, updated_at, checklist, \
               merged_into) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '', '', $14, $15, \
                     $16, $14, '', $17, $18, $19, $20, $21, $22)",
        )
        .bind(contact.id)
        .bind(contact.owner_id)
        .bind(name)
        .bind(key)
        .bind(contact.title)
        .bind(contact.organization_id)
        .bind(contact.notes)
        .bind(contact.source)
        .bind(optional(vocabulary::<Tier>, "tier", contact.tier)?)
        .bind(optional(vocabulary::<Stage>, "stage", contact.stage)?)
        .bind(optional(vocabulary::<Horizon>, "horizon", contact.horizon)?)
        .bind(optional(
            vocabulary::<ProspectKind>,
            "prospect_kind",
            contact.prospect_kind,
        )?)
        .bind(optional(vocabulary::<Cadence>, "cadence", contact.cadence)?)
        .bind(added_on)
        .bind(optional(date, "hold_until", contact.hold_until)?)
        .bind(contact.hold_reason)
        .bind(optional(instant, "archived_at", contact.archived_at)?)
        .bind(contact.version)
        .bind(instant("created_at", &contact.created_at)?)
        .bind(instant("updated_at", &contact.updated_at)?)
        .bind(checklist)
        .bind(contact.merged_into)
        .execute(&mut *conn)
        .await?;
        for (position, email) in contact.emails.iter().enumerate() {
            sqlx::query(
                "INSERT INTO contact_emails (contact_id, email, position) VALUES ($1, $2, $3)",
            )
            .bind(contact.id)
            .bind(vocabulary::<EmailAddress>("emails", email)?)
            .bind(position as i64)
            .execute(&mut *conn)
            .await?;
        }
        for (position, phone) in contact.phones.iter().enumerate() {
            let phone = required("phones", phone)?;
            let key = phone_key(&phone);
            sqlx::query(
                "INSERT INTO contact_phones (contact_id, phone, position, phone_key) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(contact.id)
            .bind(phone)
            .bind(position as i64)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        for tag in &contact.tags {
            sqlx::query("INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2)")
                .bind(contact.id)
                .bind(required("tags", tag)?)
                .execute(&mut *conn)
                .await?;
        }
        let fields = custom_fields(contact.fields)?;
        profile::change_fields(conn, FieldsOf::Contact(ContactId(contact.id)), &fields, &[])
            .await?;
        for role in contact.roles {
            sqlx::query(
                "INSERT INTO contact_roles (id, contact_id, role, since, until) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(role.id)
            .bind(contact.id)
            .bind(vocabulary::<Role>("roles.role", &role.role)?)
            .bind(date("roles.since", &role.since)?)
            .bind(optional(date, "roles.until", role.until)?)
            .execute(&mut *conn)
            .await?;
        }
        self.contacts.insert(contact.id);
        self.summary.contacts += 1;
        Ok(())
    }

    async fn touch(&mut self, conn: &mut AnyConnection, touch: TouchRecord) -> Result<()> {
        known(&self.contacts, "contact_id", "contact", touch.contact_id)?;
        known(&self.users, "author_id", "user", touch.author_id)?;
        sqlx::query(
            "INSERT INTO touches (id, contact_id, author_id, kind, direction, occurred_at, \
               occurred_on, summary, needs, next_approach, created_at, private) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(touch.id)
        .bind(touch.contact_id)
        .bind(touch.author_id)
        .bind(vocabulary::<TouchKind>("kind", &touch.kind)?)
        .bind(vocabulary::<Direction>("direction", &touch.direction)?)
        .bind(instant("occurred_at", &touch.occurred_at)?)
        .bind(date("occurred_on", &touch.occurred_on)?)
        .bind(touch.summary)
        .bind(touch.needs)
        .bind(touch.next_approach)
        .bind(instant("created_at", &touch.created_at)?)
        .bind(i64::from(touch.private))
        .execute(&mut *conn)
        .await?;
        self.touches.insert(touch.id, touch.contact_id);
        self.summary.touches += 1;
        Ok(())
    }

    async fn follow_up(
        &mut self,
        conn: &mut AnyConnection,
        follow_up: FollowUpRecord,
    ) -> Result<()> {
        known(
            &self.contacts,
            "contact_id",
            "contact",
            follow_up.contact_id,
        )?;
        known(&self.users, "owner_id", "user", follow_up.owner_id)?;
        sqlx::query(
            "INSERT INTO follow_ups (id, contact_id, owner_id, due_on, body, done_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(follow_up.id)
        .bind(follow_up.contact_id)
        .bind(follow_up.owner_id)
        .bind(date("due_on", &follow_up.due_on)?)
        .bind(required("text", &follow_up.text)?)
        .bind(optional(instant, "done_at", follow_up.done_at)?)
        .bind(instant("created_at", &follow_up.created_at)?)
        .execute(&mut *conn)
        .await?;
        self.summary.follow_ups += 1;
        Ok(())
    }
}

impl Importer {
    /// A relationship rule replaces the new database's default for its key.
    async fn setting(
        &mut self,
        conn: &mut AnyConnection,
        setting: RelationshipSettingRecord,
    ) -> Result<()> {
        let value = canonical_setting(&setting.key, &setting.value)?;
        if !self.settings.insert(setting.key.clone()) {
            return Err(invalid(format!(
                "key: relationship setting '{}' is given twice",
                setting.key
            )));
        }
        sqlx::query("UPDATE relationship_settings SET value = $1 WHERE key = $2")
            .bind(value)
            .bind(&setting.key)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn competitor(
        &mut self,
        conn: &mut AnyConnection,
        competitor: CompetitorRecord,
    ) -> Result<()> {
        known(
            &self.organizations,
            "organization_id",
            "organization",
            competitor.organization_id,
        )?;
        let name = required("name", &competitor.name)?;
        let key = name_key(&name);
        // Stored one per line, as `record_competitor` keeps them.
        let dissatisfactions = competitor
            .dissatisfactions
            .iter()
            .map(|text| match one_line(text) {
                line if line.is_empty() => Err(invalid("dissatisfactions: an empty one".into())),
                line => Ok(line),
            })
            .collect::<Result<Vec<_>>>()?;
        sqlx::query(
            "INSERT INTO competitors (id, organization_id, name, name_key, renews_on, \
               dissatisfactions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(competitor.id)
        .bind(competitor.organization_id)
        .bind(name)
        .bind(key)
        .bind(optional(date, "renews_on", competitor.renews_on)?)
        .bind(dissatisfactions.join("\n"))
        .bind(instant("created_at", &competitor.created_at)?)
        .bind(instant("updated_at", &competitor.updated_at)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn stage_change(
        &mut self,
        conn: &mut AnyConnection,
        change: StageChangeRecord,
    ) -> Result<()> {
        known(&self.contacts, "contact_id", "contact", change.contact_id)?;
        known(&self.users, "actor_id", "user", change.actor_id)?;
        sqlx::query(
            "INSERT INTO stage_changes (id, contact_id, stage, changed_on, reason, actor_id, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(change.id)
        .bind(change.contact_id)
        .bind(optional(vocabulary::<Stage>, "stage", change.stage)?)
        .bind(date("changed_on", &change.changed_on)?)
        .bind(optional(required, "reason", change.reason)?)
        .bind(change.actor_id)
        .bind(instant("created_at", &change.created_at)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn opportunity(
        &mut self,
        conn: &mut AnyConnection,
        opportunity: OpportunityRecord,
    ) -> Result<()> {
        known(
            &self.contacts,
            "contact_id",
            "contact",
            opportunity.contact_id,
        )?;
        if let Some(organization) = opportunity.organization_id {
            known(
                &self.organizations,
                "organization_id",
                "organization",
                organization,
            )?;
        }
        known(&self.users, "author_id", "user", opportunity.author_id)?;
        if opportunity.value < 0 {
            return Err(invalid(format!(
                "value: cannot be negative ({})",
                opportunity.value
            )));
        }
        // The same shape the store reads back: a timeline or a date, and a close day on
        // exactly the closed ones.
        if opportunity.timeline.is_none() && opportunity.expected_close_on.is_none() {
            return Err(invalid(
                "timeline: neither a timeline nor an expected_close_on".into(),
            ));
        }
        let outcome = vocabulary::<Outcome>("outcome", &opportunity.outcome)?;
        let open = outcome == Outcome::Open.as_str();
        if open != opportunity.closed_on.is_none() {
            return Err(invalid(format!(
                "closed_on: an opportunity that is {outcome} {} one",
                if open { "cannot have" } else { "needs" }
            )));
        }
        sqlx::query(
            "INSERT INTO opportunities (id, contact_id, organization_id, author_id, title, \
               value, opened_on, timeline, expected_close_on, outcome, closed_on, close_reason, \
               created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(opportunity.id)
        .bind(opportunity.contact_id)
        .bind(opportunity.organization_id)
        .bind(opportunity.author_id)
        .bind(required("title", &opportunity.title)?)
        .bind(opportunity.value)
        .bind(date("opened_on", &opportunity.opened_on)?)
        .bind(optional(
            vocabulary::<BuyingTimeline>,
            "timeline",
            opportunity.timeline,
        )?)
        .bind(optional(
            date,
            "expected_close_on",
            opportunity.expected_close_on,
        )?)
        .bind(outcome)
        .bind(optional(date, "closed_on", opportunity.closed_on)?)
        .bind(optional(
            required,
            "close_reason",
            opportunity.close_reason,
        )?)
        .bind(instant("created_at", &opportunity.created_at)?)
        .bind(instant("updated_at", &opportunity.updated_at)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn introduction(
        &mut self,
        conn: &mut AnyConnection,
        introduction: IntroductionRecord,
    ) -> Result<()> {
        known(
            &self.contacts,
            "introducer_id",
            "contact",
            introduction.introducer_id,
        )?;
        known(
            &self.contacts,
            "introduced_id",
            "contact",
            introduction.introduced_id,
        )?;
        known(&self.users, "author_id", "user", introduction.author_id)?;
        if introduction.introducer_id == introduction.introduced_id {
            return Err(invalid(
                "introduced_id: a contact cannot introduce themselves".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO introductions (introducer_id, introduced_id, introduced_on, author_id, \
               created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(introduction.introducer_id)
        .bind(introduction.introduced_id)
        .bind(date("introduced_on", &introduction.introduced_on)?)
        .bind(introduction.author_id)
        .bind(instant("created_at", &introduction.created_at)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

impl Importer {
    /// A criterion of the ideal client profile, read by the domain's parsers.
    async fn icp_criterion(
        &mut self,
        conn: &mut AnyConnection,
        criterion: IcpCriterionRecord,
    ) -> Result<()> {
        let test = Test::parse(&criterion.field, &criterion.value)
            .map_err(|e| invalid(format!("field: {e}")))?;
        let weight = Weight::new(criterion.weight).map_err(|e| invalid(format!("weight: {e}")))?;
        let at = instant("created_at", &criterion.created_at)?;
        let at = at
            .parse()
            .map_err(|e| invalid(format!("created_at: {e}")))?;
        profile::insert_criterion(conn, Some(criterion.id), &Criterion { test, weight }, at)
            .await?;
        Ok(())
    }

    /// One custom field of an organization earlier in the file.
    async fn organization_field(
        &mut self,
        conn: &mut AnyConnection,
        field: OrganizationFieldRecord,
    ) -> Result<()> {
        let id = field.organization_id;
        known(&self.organizations, "organization_id", "organization", id)?;
        let set = custom_fields([(field.key, field.value)].into_iter().collect())?;
        profile::change_fields(conn, FieldsOf::Organization(OrganizationId(id)), &set, &[]).await
    }

    /// A nurture rule replaces the new database's default for its key.
    async fn nurture_setting(
        &mut self,
        conn: &mut AnyConnection,
        setting: NurtureSettingRecord,
    ) -> Result<()> {
        let value = canonical_nurture_setting(&setting.key, &setting.value)?;
        if !self.nurture_settings.insert(setting.key.clone()) {
            return Err(invalid(format!(
                "key: nurture setting '{}' is given twice",
                setting.key
            )));
        }
        sqlx::query("UPDATE nurture_settings SET value = $1 WHERE key = $2")
            .bind(value)
            .bind(&setting.key)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// An item of the library, refused as `add_content` refuses one: it needs a title, a
    /// link, a format and a topic or need to be matched by.
    async fn content_item(
        &mut self,
        conn: &mut AnyConnection,
        item: ContentItemRecord,
    ) -> Result<()> {
        known(&self.users, "author_id", "user", item.author_id)?;
        let topics = terms("topics", &item.topics)?;
        let needs = terms("needs", &item.needs)?;
        if topics.is_empty() && needs.is_empty() {
            return Err(invalid(
                "topics: an item needs at least one topic or need".into(),
            ));
        }
        let stages = item
            .stages
            .iter()
            .map(|stage| vocabulary::<Stage>("stages", stage))
            .collect::<Result<Vec<_>>>()?;
        let kinds = item
            .kinds
            .iter()
            .map(|kind| vocabulary::<ProspectKind>("kinds", kind))
            .collect::<Result<Vec<_>>>()?;
        sqlx::query(
            "INSERT INTO content_items (id, title, link, summary, format, topics, needs, stages, \
               kinds, expires_on, retired_on, author_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(item.id)
        .bind(required("title", &item.title)?)
        .bind(required("link", &item.link)?)
        .bind(optional(required, "summary", item.summary)?)
        .bind(required("format", &item.format)?.to_lowercase())
        .bind(topics.join("\n"))
        .bind(needs.join("\n"))
        .bind(stages.join("\n"))
        .bind(kinds.join("\n"))
        .bind(optional(date, "expires_on", item.expires_on)?)
        .bind(optional(date, "retired_on", item.retired_on)?)
        .bind(item.author_id)
        .bind(instant("created_at", &item.created_at)?)
        .bind(instant("updated_at", &item.updated_at)?)
        .execute(&mut *conn)
        .await?;
        self.content.insert(item.id);
        Ok(())
    }

    async fn interest(
        &mut self,
        conn: &mut AnyConnection,
        interest: ContactInterestRecord,
    ) -> Result<()> {
        known(&self.contacts, "contact_id", "contact", interest.contact_id)?;
        sqlx::query("INSERT INTO contact_interests (contact_id, kind, term) VALUES ($1, $2, $3)")
            .bind(interest.contact_id)
            .bind(vocabulary::<InterestKind>("kind", &interest.kind)?)
            .bind(term("term", &interest.term)?)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn content_send(
        &mut self,
        conn: &mut AnyConnection,
        send: ContentSendRecord,
    ) -> Result<()> {
        let Some(&touch_contact) = self.touches.get(&send.touch_id) else {
            return Err(invalid(format!(
                "touch_id: no touch #{} earlier in the file",
                send.touch_id
            )));
        };
        known(&self.content, "content_id", "content item", send.content_id)?;
        known(&self.contacts, "contact_id", "contact", send.contact_id)?;
        if touch_contact != send.contact_id {
            return Err(invalid(format!(
                "contact_id: touch #{} is contact #{touch_contact}'s, not #{}'s",
                send.touch_id, send.contact_id
            )));
        }
        sqlx::query(
            "INSERT INTO content_sends (touch_id, content_id, contact_id, sent_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(send.touch_id)
        .bind(send.content_id)
        .bind(send.contact_id)
        .bind(date("sent_on", &send.sent_on)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn nurture_owner(
        &mut self,
        conn: &mut AnyConnection,
        owners: NurtureOwnerRecord,
    ) -> Result<()> {
        known(&self.contacts, "contact_id", "contact", owners.contact_id)?;
        let named = [
            (
                "nurture_owner_id",
                owners.nurture_owner_id,
                "nurtures no contacts",
            ),
            (
                "sales_owner_id",
                owners.sales_owner_id,
                "takes no sales-ready handoffs",
            ),
        ];
        for (field, user, none) in named {
            let Some(user) = user else { continue };
            known(&self.users, field, "user", user)?;
            if let Some(email) = self.disabled.get(&user) {
                return Err(invalid(format!(
                    "{field}: user #{user} {email} is disabled, and a disabled user {none}"
                )));
            }
        }
        if owners.ready_on.is_none() && owners.ready_note.is_some() {
            return Err(invalid(
                "ready_note: a note without the ready_on day it goes with".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO nurture_owners (contact_id, nurture_owner_id, sales_owner_id, ready_on, \
               ready_note, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(owners.contact_id)
        .bind(owners.nurture_owner_id)
        .bind(owners.sales_owner_id)
        .bind(optional(date, "ready_on", owners.ready_on)?)
        .bind(owners.ready_note)
        .bind(instant("updated_at", &owners.updated_at)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// A topic, interest or need, in its canonical spelling.
fn term(field: &str, value: &str) -> Result<String> {
    Term::parse(value)
        .map(|term| term.to_string())
        .map_err(|e| invalid(format!("{field}: {e}")))
}

/// Terms stored one per line, so each must be one of them and none repeated.
fn terms(field: &str, values: &[String]) -> Result<Vec<String>> {
    let mut seen = vec![];
    for value in values {
        let term = term(field, value)?;
        if seen.contains(&term) {
            return Err(invalid(format!("{field}: '{term}' is given twice")));
        }
        seen.push(term);
    }
    Ok(seen)
}

async fn cadence_default(conn: &mut AnyConnection, default: CadenceDefaultRecord) -> Result<()> {
    let scope = DefaultScope::from_parts(&default.scope, &default.key).ok_or_else(|| {
        invalid(format!(
            "scope '{}' with key '{}' is not a cadence default",
            default.scope, default.key
        ))
    })?;
    let (scope, key) = scope.parts();
    sqlx::query("INSERT INTO cadence_defaults (scope, key, cadence) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(key)
        .bind(vocabulary::<Cadence>("cadence", &default.cadence)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Custom fields from a dump, through the domain's parsers.
fn custom_fields(
    fields: std::collections::BTreeMap<String, String>,
) -> Result<Vec<(FieldKey, String)>> {
    fields
        .into_iter()
        .map(|(key, value)| {
            let parsed = key
                .parse::<FieldKey>()
                .map_err(|e| invalid(format!("fields: {e}")))?;
            let value = field_value(&value).map_err(|e| invalid(format!("fields.{key}: {e}")))?;
            Ok((parsed, value))
        })
        .collect()
}

fn invalid(problem: String) -> StoreError {
    StoreError::Invalid(problem)
}

fn known(seen: &HashSet<i64>, field: &str, what: &str, id: i64) -> Result<()> {
    if seen.contains(&id) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field}: no {what} #{id} earlier in the file"
        )))
    }
}

fn required(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(format!("{field}: empty")));
    }
    Ok(trimmed.to_owned())
}

/// A value of a domain type, in its canonical spelling.
pub(crate) fn vocabulary<T>(field: &str, value: &str) -> Result<String>
where
    T: FromStr + Display,
    T::Err: Display,
{
    value
        .parse::<T>()
        .map(|parsed| parsed.to_string())
        .map_err(|e| invalid(format!("{field}: {e}")))
}

fn date(field: &str, value: &str) -> Result<String> {
    vocabulary::<Date>(field, value)
}

/// An instant, as the store keeps them (UTC, whole seconds).
fn instant(field: &str, value: &str) -> Result<String> {
    value
        .parse::<Timestamp>()
        .map(instant_text)
        .map_err(|e| invalid(format!("{field}: '{value}': {e}")))
}

fn optional(
    parse: impl Fn(&str, &str) -> Result<String>,
    field: &str,
    value: Option<String>,
) -> Result<Option<String>> {
    value.map(|v| parse(field, &v)).transpose()
}

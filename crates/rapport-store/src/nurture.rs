//! Personal lead nurturing: the content library, contacts' interests and needs, ranked
//! recommendations, sending an item (a content touch through the one touch-logging path,
//! within the caps), nurture and sales owners with the handoff between them, and the nurture
//! reports.
//!
//! The rules are the core's (`rapport_core::nurture`); this module reads the facts they need
//! in a fixed number of queries for any number of contacts, and records the writes with their
//! audit rows.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rapport_core::model::{ContactId, Touch, TouchId, User, UserId};
use rapport_core::nurture::{
    self, CapReached, Caps, ContactHistory, ContentId, ContentItem, Coverage, Discussed,
    EngagementRule, Interest, Profile, ReadinessFacts, Ready, Recommendation, Send, Term,
};
use rapport_core::opportunity::{Expectation, Timeline};
use rapport_core::suggest;
use rapport_core::{
    AuditAction, AuditEntity, BuyingTimeline, Cadence, Direction, InterestKind, NextTouch,
    ProspectKind, Stage, TouchKind,
};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::audit::{self, Change};
use crate::contacts::{contact_to_change, ensure_may_hold};
use crate::error::{Ownership, Result, StoreError};
use crate::schedule::lock_contact;
use crate::suggestions::purchase_histories;
use crate::touches::{NewTouch, lock_active_to_add};
use crate::{Store, instant_text, rows};

/// A new library item, or an item's fields after an edit.
#[derive(Debug, Clone, Default)]
pub struct ContentFields {
    pub title: String,
    pub link: String,
    pub summary: Option<String>,
    pub format: String,
    pub topics: Vec<Term>,
    pub needs: Vec<Term>,
    pub stages: Vec<Stage>,
    pub kinds: Vec<ProspectKind>,
    pub expires_on: Option<Date>,
}

impl ContentFields {
    /// The fields as they stand on an item, to edit.
    fn of(item: &ContentItem) -> ContentFields {
        ContentFields {
            title: item.title.clone(),
            link: item.link.clone(),
            summary: item.summary.clone(),
            format: item.format.clone(),
            topics: item.topics.clone(),
            needs: item.needs.clone(),
            stages: item.stages.clone(),
            kinds: item.kinds.clone(),
            expires_on: item.expires_on,
        }
    }

    /// Trimmed, and refused when an item could not be matched or sent: it needs a title, a
    /// link, a format and at least one topic or need.
    fn checked(mut self) -> Result<ContentFields> {
        self.title = self.title.trim().to_owned();
        self.link = self.link.trim().to_owned();
        self.format = self.format.trim().to_lowercase();
        self.summary = self
            .summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        for (value, name) in [
            (&self.title, "title"),
            (&self.link, "link"),
            (&self.format, "format"),
        ] {
            if value.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "{name}: {}",
                    nurture::NurtureError::Missing(name)
                )));
            }
        }
        if self.topics.is_empty() && self.needs.is_empty() {
            return Err(StoreError::Invalid(format!(
                "topics: {}",
                nurture::NurtureError::NoTerms
            )));
        }
        Ok(self)
    }
}

/// A change to an item: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ContentPatch {
    pub title: Option<String>,
    pub link: Option<String>,
    pub summary: Option<Option<String>>,
    pub format: Option<String>,
    pub topics: Option<Vec<Term>>,
    pub needs: Option<Vec<Term>>,
    pub stages: Option<Vec<Stage>>,
    pub kinds: Option<Vec<ProspectKind>>,
    pub expires_on: Option<Option<Date>>,
}

impl ContentPatch {
    pub fn apply(self, f: ContentFields) -> ContentFields {
        ContentFields {
            title: self.title.unwrap_or(f.title),
            link: self.link.unwrap_or(f.link),
            summary: self.summary.unwrap_or(f.summary),
            format: self.format.unwrap_or(f.format),
            topics: self.topics.unwrap_or(f.topics),
            needs: self.needs.unwrap_or(f.needs),
            stages: self.stages.unwrap_or(f.stages),
            kinds: self.kinds.unwrap_or(f.kinds),
            expires_on: self.expires_on.unwrap_or(f.expires_on),
        }
    }
}

/// The team's nurture rules: the caps and the engagement rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NurtureRules {
    pub caps: Caps,
    pub engagement: EngagementRule,
}

/// A contact's interests and needs, and the library ranked for them (best first), with the
/// cap that holds sending back, if one does.
#[derive(Debug, Clone, Default)]
pub struct Recommendations {
    pub interests: Vec<Interest>,
    pub ranked: Vec<(ContentItem, Recommendation)>,
    pub held_back: Option<CapReached>,
}

/// One line of a nurture history: a touch, and the item it sent if it was a content touch.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub touch: Touch,
    pub content: Option<(ContentId, String)>,
}

/// A sales-ready contact moving from its nurture owner to its sales owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    pub contact: ContactId,
    pub name: String,
    pub organization: Option<String>,
    pub nurture_owner: User,
    pub sales_owner: User,
    pub ready: Ready,
    /// The whole nurture history, newest first.
    pub history: Vec<HistoryLine>,
}

/// Handoffs as one user sees them: to them as sales owner, and from them as nurture owner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handoffs {
    pub incoming: Vec<Handoff>,
    pub outgoing: Vec<Handoff>,
}

/// Who nurtures and who sells to a contact (`None`: the contact's owner), and the explicit
/// sales-ready signal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NurtureOwners {
    pub nurture_owner: Option<UserId>,
    pub sales_owner: Option<UserId>,
    pub ready: Option<(Date, Option<String>)>,
}

/// How often one item was sent and how many sends drew a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentReplies {
    pub item: ContentId,
    pub title: String,
    pub sends: usize,
    pub replies: usize,
}

/// The nurture reports on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NurtureReport {
    pub coverage: Coverage,
    pub replies: Vec<ContentReplies>,
}

const CONTENT_COLUMNS: &str = "id, title, link, summary, format, topics, needs, stages, kinds, \
    expires_on, retired_on";

fn lines<T>(row: &AnyRow, col: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
    rows::text(row, col)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(parse)
        .collect()
}

fn stored_term(word: &str) -> Result<Term> {
    Term::parse(word).map_err(|err| StoreError::Corrupt(format!("term '{word}': {err}")))
}

fn content_item(row: &AnyRow) -> Result<ContentItem> {
    Ok(ContentItem {
        id: ContentId(rows::int(row, "id")?),
        title: rows::text(row, "title")?,
        link: rows::text(row, "link")?,
        summary: rows::opt_text(row, "summary")?,
        format: rows::text(row, "format")?,
        topics: lines(row, "topics", stored_term)?,
        needs: lines(row, "needs", stored_term)?,
        stages: lines(row, "stages", |w| rows::parse("stages", w))?,
        kinds: lines(row, "kinds", |w| rows::parse("kinds", w))?,
        expires_on: rows::opt_date(row, "expires_on")?,
        retired_on: rows::opt_date(row, "retired_on")?,
    })
}

fn joined<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn content_snapshot(item: &ContentItem) -> Value {
    let words = |values: Vec<String>| Value::from(values);
    json!({
        "title": item.title,
        "link": item.link,
        "summary": item.summary,
        "format": item.format,
        "topics": words(item.topics.iter().map(ToString::to_string).collect()),
        "needs": words(item.needs.iter().map(ToString::to_string).collect()),
        "stages": words(item.stages.iter().map(ToString::to_string).collect()),
        "kinds": words(item.kinds.iter().map(ToString::to_string).collect()),
        "expires_on": item.expires_on.map(|d| d.to_string()),
        "retired_on": item.retired_on.map(|d| d.to_string()),
    })
}

async fn load_content(conn: &mut AnyConnection, id: ContentId) -> Result<ContentItem> {
    let sql = format!("SELECT {CONTENT_COLUMNS} FROM content_items WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::ContentNotFound(id))?;
    content_item(&row)
}

/// Runs `sql` (whose `{ids}` is replaced by a placeholder list starting at `$first`) once
/// per 500 contacts, with `bind_first` binding the parameters before the list.
pub(crate) async fn rows_for_contacts(
    conn: &mut AnyConnection,
    sql: &str,
    contacts: &[ContactId],
    leading: &[String],
) -> Result<Vec<AnyRow>> {
    let mut all = vec![];
    for chunk in contacts.chunks(500) {
        let sql = sql.replace("{ids}", &rows::placeholders(leading.len() + 1, chunk.len()));
        let mut query = sqlx::query(&sql);
        for value in leading {
            query = query.bind(value.clone());
        }
        for id in chunk {
            query = query.bind(id.0);
        }
        all.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(all)
}

fn days_before(day: Date, days: u16) -> Date {
    day.checked_sub(i64::from(days).days()).unwrap_or(Date::MIN)
}

/// What the caps look at for each of `contacts`, from their touches since the longer of the
/// two cap windows began (an older touch cannot hold anyone back).
async fn histories(
    conn: &mut AnyConnection,
    contacts: &[ContactId],
    caps: Caps,
    today: Date,
) -> Result<HashMap<ContactId, ContactHistory>> {
    let since = days_before(today, caps.content_gap_days.max(caps.touch_period_days));
    let found = rows_for_contacts(
        conn,
        "SELECT contact_id, kind, direction, occurred_on FROM touches \
         WHERE occurred_on > $1 AND contact_id IN ({ids})",
        contacts,
        &[since.to_string()],
    )
    .await?;
    let mut histories: HashMap<ContactId, ContactHistory> = HashMap::new();
    for row in &found {
        let history = histories
            .entry(ContactId(rows::int(row, "contact_id")?))
            .or_default();
        let on = rows::date(row, "occurred_on")?;
        if rows::parsed::<TouchKind>(row, "kind")? == TouchKind::ContentShared {
            history.last_content_on = history.last_content_on.max(Some(on));
        }
        if rows::parsed::<Direction>(row, "direction")? == Direction::Outbound {
            history.outbound_on.push(on);
        }
    }
    Ok(histories)
}

pub(crate) async fn load_nurture_rules(conn: &mut AnyConnection) -> Result<NurtureRules> {
    let found = sqlx::query("SELECT key, value FROM nurture_settings")
        .fetch_all(&mut *conn)
        .await?;
    let mut values = HashMap::new();
    for row in &found {
        values.insert(rows::text(row, "key")?, rows::text(row, "value")?);
    }
    let number = |key: &str| -> Result<u16> {
        let value = values
            .get(key)
            .ok_or_else(|| StoreError::Corrupt(format!("nurture setting '{key}' is missing")))?;
        rows::parse(key, value)
    };
    Ok(NurtureRules {
        caps: Caps {
            content_gap_days: number("content_gap_days")?,
            touch_limit: number("touch_limit")?,
            touch_period_days: number("touch_period_days")?,
        },
        engagement: EngagementRule {
            inbound: number("ready_inbound")?,
            days: number("ready_inbound_days")?,
        },
    })
}

/// A nurture rule's value as stored, checked the way [`Store::change_nurture_rules`] checks
/// it: a whole number, and at least one for a period.
pub(crate) fn canonical_nurture_setting(key: &str, value: &str) -> Result<String> {
    let period = match key {
        "content_gap_days" | "touch_period_days" | "ready_inbound_days" => true,
        "touch_limit" | "ready_inbound" => false,
        _ => {
            return Err(StoreError::Invalid(format!(
                "key: '{key}' is not a nurture setting"
            )));
        }
    };
    let number: u16 = value
        .trim()
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{key}: '{value}': {e}")))?;
    if period && number == 0 {
        return Err(StoreError::Invalid(format!(
            "{key}: a period is at least one day"
        )));
    }
    Ok(number.to_string())
}

fn rules_pairs(rules: &NurtureRules) -> [(&'static str, u16); 5] {
    [
        ("content_gap_days", rules.caps.content_gap_days),
        ("touch_limit", rules.caps.touch_limit),
        ("touch_period_days", rules.caps.touch_period_days),
        ("ready_inbound", rules.engagement.inbound),
        ("ready_inbound_days", rules.engagement.days),
    ]
}

fn rules_snapshot(rules: &NurtureRules) -> Value {
    Value::Object(
        rules_pairs(rules)
            .into_iter()
            .map(|(key, value)| (key.to_owned(), Value::from(value)))
            .collect(),
    )
}

async fn load_owners(conn: &mut AnyConnection, contact: ContactId) -> Result<NurtureOwners> {
    let row = sqlx::query(
        "SELECT nurture_owner_id, sales_owner_id, ready_on, ready_note FROM nurture_owners \
         WHERE contact_id = $1",
    )
    .bind(contact.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(NurtureOwners::default());
    };
    Ok(NurtureOwners {
        nurture_owner: rows::opt_int(&row, "nurture_owner_id")?.map(UserId),
        sales_owner: rows::opt_int(&row, "sales_owner_id")?.map(UserId),
        ready: rows::opt_date(&row, "ready_on")?
            .map(|on| Ok::<_, StoreError>((on, rows::opt_text(&row, "ready_note")?)))
            .transpose()?,
    })
}

fn owners_snapshot(o: &NurtureOwners) -> Value {
    json!({
        "nurture_owner_id": o.nurture_owner.map(|u| u.0),
        "sales_owner_id": o.sales_owner.map(|u| u.0),
        "ready_on": o.ready.as_ref().map(|(on, _)| on.to_string()),
        "ready_note": o.ready.as_ref().and_then(|(_, note)| note.clone()),
    })
}

/// Writes a contact's nurture row as `after` and its audit row (`before` → `after`). A user
/// newly named nurture or sales owner is checked under their row lock
/// (`contacts::ensure_may_hold`): a viewer could not act on a handoff and a disabled user
/// takes none, and a disabling or a demotion (`Store::edit_user`, which refuses a user still
/// named) waits for this write and then sees it. A user named before is not checked again:
/// they were checked when named and `edit_user` has kept them from being disabled or made a
/// viewer since, so the signal is never refused for an owner nobody is changing. (Rows from
/// before these checks may still name a viewer or a disabled user: reassigning that user's
/// book moves them.)
async fn write_owners(
    conn: &mut AnyConnection,
    actor: UserId,
    contact: ContactId,
    before: &NurtureOwners,
    after: &NurtureOwners,
    now: Timestamp,
) -> Result<()> {
    let named = [
        (
            Ownership::NurtureOwner,
            before.nurture_owner,
            after.nurture_owner,
        ),
        (Ownership::SalesOwner, before.sales_owner, after.sales_owner),
    ];
    for (ownership, was, is) in named {
        let Some(user) = is.filter(|user| was != Some(*user)) else {
            continue;
        };
        match ensure_may_hold(conn, user, ownership).await {
            Err(StoreError::UserNotFound(_)) => {
                return Err(StoreError::NoSuchOwner {
                    user: user.0,
                    ownership,
                });
            }
            other => other?,
        }
    }
    sqlx::query("DELETE FROM nurture_owners WHERE contact_id = $1")
        .bind(contact.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO nurture_owners (contact_id, nurture_owner_id, sales_owner_id, ready_on, \
            ready_note, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(contact.0)
    .bind(after.nurture_owner.map(|u| u.0))
    .bind(after.sales_owner.map(|u| u.0))
    .bind(after.ready.as_ref().map(|(on, _)| on.to_string()))
    .bind(after.ready.as_ref().and_then(|(_, note)| note.clone()))
    .bind(instant_text(now))
    .execute(&mut *conn)
    .await?;
    let change = Change {
        action: AuditAction::Update,
        entity: AuditEntity::Nurture,
        entity_id: Some(contact.0),
        contact: Some(contact),
        before: Some(owners_snapshot(before)),
        after: Some(owners_snapshot(after)),
    };
    audit::record(conn, actor, now, change).await
}

/// What readiness needs of each contact: their open opportunities, and their inbound touches
/// within the engagement rule's days (read only when the rule is on).
async fn readiness_facts(
    conn: &mut AnyConnection,
    contacts: &[ContactId],
    rule: EngagementRule,
    today: Date,
) -> Result<(
    HashMap<ContactId, Vec<(String, Expectation)>>,
    HashMap<ContactId, u16>,
)> {
    let mut open: HashMap<ContactId, Vec<(String, Expectation)>> = HashMap::new();
    let found = rows_for_contacts(
        conn,
        "SELECT contact_id, title, opened_on, timeline, expected_close_on FROM opportunities \
         WHERE outcome = 'open' AND contact_id IN ({ids})",
        contacts,
        &[],
    )
    .await?;
    for row in &found {
        let timeline = match rows::opt_date(row, "expected_close_on")? {
            Some(day) => Timeline::By(day),
            None => Timeline::Within(rows::parsed::<BuyingTimeline>(row, "timeline")?),
        };
        open.entry(ContactId(rows::int(row, "contact_id")?))
            .or_default()
            .push((
                rows::text(row, "title")?,
                Expectation {
                    stated_on: rows::date(row, "opened_on")?,
                    timeline,
                },
            ));
    }
    let mut inbound: HashMap<ContactId, u16> = HashMap::new();
    if rule.inbound > 0 {
        let found = rows_for_contacts(
            conn,
            "SELECT contact_id FROM touches WHERE direction = 'inbound' AND occurred_on > $1 \
             AND occurred_on <= $2 AND contact_id IN ({ids})",
            contacts,
            &[days_before(today, rule.days).to_string(), today.to_string()],
        )
        .await?;
        for row in &found {
            let count = inbound
                .entry(ContactId(rows::int(row, "contact_id")?))
                .or_default();
            *count = count.saturating_add(1);
        }
    }
    Ok((open, inbound))
}

/// The audit row of a change to a library item: `before` is `None` when it was added.
async fn record_content_change(
    conn: &mut AnyConnection,
    actor: UserId,
    now: Timestamp,
    action: AuditAction,
    before: Option<&ContentItem>,
    after: &ContentItem,
) -> Result<()> {
    let change = Change {
        action,
        entity: AuditEntity::Content,
        entity_id: Some(after.id.0),
        contact: None,
        before: before.map(content_snapshot),
        after: Some(content_snapshot(after)),
    };
    audit::record(conn, actor, now, change).await
}

impl Store {
    /// Adds an item to the content library (anyone who writes: the library is the team's).
    pub async fn add_content(
        &self,
        actor: UserId,
        fields: ContentFields,
        now: Timestamp,
    ) -> Result<ContentItem> {
        let fields = fields.checked()?;
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO content_items (title, link, summary, format, topics, needs, stages, \
                kinds, expires_on, author_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(&fields.title)
        .bind(&fields.link)
        .bind(fields.summary.as_deref())
        .bind(&fields.format)
        .bind(joined(&fields.topics))
        .bind(joined(&fields.needs))
        .bind(joined(&fields.stages))
        .bind(joined(&fields.kinds))
        .bind(fields.expires_on.map(|d| d.to_string()))
        .bind(actor.0)
        .bind(instant_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let added = load_content(&mut tx, ContentId(id)).await?;
        record_content_change(&mut tx, actor, now, AuditAction::Create, None, &added).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Replaces an item's fields (anyone who writes). A retired item stays retired.
    pub async fn edit_content(
        &self,
        actor: UserId,
        id: ContentId,
        patch: ContentPatch,
        now: Timestamp,
    ) -> Result<ContentItem> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let before = load_content(&mut tx, id).await?;
        let fields = patch.apply(ContentFields::of(&before)).checked()?;
        sqlx::query(
            "UPDATE content_items SET title = $1, link = $2, summary = $3, format = $4, \
                topics = $5, needs = $6, stages = $7, kinds = $8, expires_on = $9, \
                updated_at = $10 WHERE id = $11",
        )
        .bind(&fields.title)
        .bind(&fields.link)
        .bind(fields.summary.as_deref())
        .bind(&fields.format)
        .bind(joined(&fields.topics))
        .bind(joined(&fields.needs))
        .bind(joined(&fields.stages))
        .bind(joined(&fields.kinds))
        .bind(fields.expires_on.map(|d| d.to_string()))
        .bind(instant_text(now))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let after = load_content(&mut tx, id).await?;
        record_content_change(
            &mut tx,
            actor,
            now,
            AuditAction::Update,
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Retires an item: never recommended or sent again; the touches that sent it keep
    /// naming it. Retiring twice changes nothing (and is audited once).
    pub async fn retire_content(
        &self,
        actor: UserId,
        id: ContentId,
        today: Date,
        now: Timestamp,
    ) -> Result<ContentItem> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        let before = load_content(&mut tx, id).await?;
        if before.retired_on.is_some() {
            return Ok(before);
        }
        sqlx::query("UPDATE content_items SET retired_on = $1, updated_at = $2 WHERE id = $3")
            .bind(today.to_string())
            .bind(instant_text(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let after = load_content(&mut tx, id).await?;
        record_content_change(
            &mut tx,
            actor,
            now,
            AuditAction::Retire,
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn content(&self, id: ContentId) -> Result<ContentItem> {
        let mut conn = self.pool.acquire().await?;
        load_content(&mut conn, id).await
    }

    /// The library, newest first; retired items only when asked for.
    pub async fn content_library(&self, include_retired: bool) -> Result<Vec<ContentItem>> {
        let sql = format!(
            "SELECT {CONTENT_COLUMNS} FROM content_items \
             WHERE retired_on IS NULL OR $1 = 1 ORDER BY id DESC"
        );
        let found = sqlx::query(&sql)
            .bind(i64::from(include_retired))
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(content_item).collect()
    }

    /// Replaces the interests or needs (`kind`) set by hand on a contact. Its owner or an
    /// admin, like any change to the contact's record.
    pub async fn set_interests(
        &self,
        actor: UserId,
        contact: ContactId,
        kind: InterestKind,
        terms: &[Term],
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        contact_to_change(&mut tx, actor, contact).await?;
        let before: Vec<String> = sqlx::query_scalar(
            "SELECT term FROM contact_interests WHERE contact_id = $1 AND kind = $2 ORDER BY term",
        )
        .bind(contact.0)
        .bind(kind.as_str())
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM contact_interests WHERE contact_id = $1 AND kind = $2")
            .bind(contact.0)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?;
        for term in terms {
            sqlx::query(
                "INSERT INTO contact_interests (contact_id, kind, term) VALUES ($1, $2, $3)",
            )
            .bind(contact.0)
            .bind(kind.as_str())
            .bind(term.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let mut after: Vec<String> = terms.iter().map(ToString::to_string).collect();
        after.sort();
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::Interests,
            entity_id: Some(contact.0),
            contact: Some(contact),
            before: Some(json!({ kind.as_str(): before })),
            after: Some(json!({ kind.as_str(): after })),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Interests, needs and ranked recommendations for each of `contacts`, as `viewer` sees
    /// them (a private touch's needs count only for its author), in ten queries whatever
    /// their number — so the agenda can show them for the rows it shows. A prospect kind not
    /// set by hand is the one history suggests, as for the stage playbooks.
    pub async fn recommendations(
        &self,
        viewer: UserId,
        contacts: &[ContactId],
        today: Date,
    ) -> Result<HashMap<ContactId, Recommendations>> {
        let mut conn = self.pool.acquire().await?;
        let conn = &mut *conn;
        let rules = load_nurture_rules(conn).await?;
        let library: Vec<ContentItem> = {
            let sql = format!(
                "SELECT {CONTENT_COLUMNS} FROM content_items WHERE retired_on IS NULL ORDER BY id"
            );
            let found = sqlx::query(&sql).fetch_all(&mut *conn).await?;
            found.iter().map(content_item).collect::<Result<_>>()?
        };
        let vocabulary: HashSet<Term> = library.iter().flat_map(|i| i.terms().cloned()).collect();
        let by_id: HashMap<ContentId, &ContentItem> = library.iter().map(|i| (i.id, i)).collect();
        let mut profiles: HashMap<ContactId, (Option<Stage>, Option<ProspectKind>)> =
            HashMap::new();
        for row in rows_for_contacts(
            conn,
            "SELECT id, stage, prospect_kind FROM contacts WHERE id IN ({ids})",
            contacts,
            &[],
        )
        .await?
        {
            profiles.insert(
                ContactId(rows::int(&row, "id")?),
                (
                    rows::opt_parsed(&row, "stage")?,
                    rows::opt_parsed(&row, "prospect_kind")?,
                ),
            );
        }
        let unset: Vec<ContactId> = profiles
            .iter()
            .filter(|(_, (_, kind))| kind.is_none())
            .map(|(id, _)| *id)
            .collect();
        let mut purchases = purchase_histories(conn, &unset).await?;
        for id in unset {
            let history = purchases.remove(&id).unwrap_or_default();
            if let Some((_, kind)) = profiles.get_mut(&id) {
                *kind = Some(suggest::prospect_kind(&history).value);
            }
        }
        let mut stated: HashMap<ContactId, Vec<(InterestKind, Term)>> = HashMap::new();
        for row in rows_for_contacts(
            conn,
            "SELECT contact_id, kind, term FROM contact_interests WHERE contact_id IN ({ids}) \
             ORDER BY contact_id, kind, term",
            contacts,
            &[],
        )
        .await?
        {
            stated
                .entry(ContactId(rows::int(&row, "contact_id")?))
                .or_default()
                .push((
                    rows::parsed(&row, "kind")?,
                    stored_term(&rows::text(&row, "term")?)?,
                ));
        }
        let mut discussed: HashMap<ContactId, Vec<(TouchId, Date, String)>> = HashMap::new();
        for row in rows_for_contacts(
            conn,
            "SELECT id, contact_id, author_id, occurred_on, needs, private FROM touches \
             WHERE needs IS NOT NULL AND contact_id IN ({ids})",
            contacts,
            &[],
        )
        .await?
        {
            if rows::flag(&row, "private")? && UserId(rows::int(&row, "author_id")?) != viewer {
                continue;
            }
            discussed
                .entry(ContactId(rows::int(&row, "contact_id")?))
                .or_default()
                .push((
                    TouchId(rows::int(&row, "id")?),
                    rows::date(&row, "occurred_on")?,
                    rows::text(&row, "needs")?,
                ));
        }
        let mut received: HashMap<ContactId, HashSet<ContentId>> = HashMap::new();
        for row in rows_for_contacts(
            conn,
            "SELECT contact_id, content_id FROM content_sends WHERE contact_id IN ({ids})",
            contacts,
            &[],
        )
        .await?
        {
            received
                .entry(ContactId(rows::int(&row, "contact_id")?))
                .or_default()
                .insert(ContentId(rows::int(&row, "content_id")?));
        }
        let histories = histories(conn, contacts, rules.caps, today).await?;
        let nothing = HashSet::new();
        let mut all = HashMap::new();
        for contact in contacts {
            let Some(&(stage, kind)) = profiles.get(contact) else {
                continue;
            };
            let touches: Vec<Discussed<'_>> = discussed
                .get(contact)
                .map(|found| {
                    found
                        .iter()
                        .map(|(touch, on, needs)| Discussed {
                            touch: *touch,
                            on: *on,
                            needs,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let interests = nurture::interests(
                stated.get(contact).map(Vec::as_slice).unwrap_or_default(),
                &touches,
                &vocabulary,
            );
            let profile = Profile {
                stage,
                kind,
                interests: &interests,
            };
            let ranked = nurture::recommend(
                profile,
                &library,
                received.get(contact).unwrap_or(&nothing),
                today,
            )
            .into_iter()
            .filter_map(|r| Some(((*by_id.get(&r.item)?).clone(), r)))
            .collect();
            let held_back = rules
                .caps
                .check(&histories.get(contact).cloned().unwrap_or_default(), today)
                .err();
            all.insert(
                *contact,
                Recommendations {
                    interests,
                    ranked,
                    held_back,
                },
            );
        }
        Ok(all)
    }

    /// One contact's [`Store::recommendations`].
    pub async fn recommend(
        &self,
        viewer: UserId,
        contact: ContactId,
        today: Date,
    ) -> Result<Recommendations> {
        let mut found = self.recommendations(viewer, &[contact], today).await?;
        found
            .remove(&contact)
            .ok_or_else(|| StoreError::ContactNotFound(format!("#{contact}")))
    }

    /// Sends a library item to a contact: a content touch through the one touch-logging path
    /// (so the contact's cycle moves on), recording which item it sent. Refused when the item
    /// is retired or expired, when the contact already received it, or when a cap holds the
    /// contact back (naming the cap and when it lifts). Anyone who may write.
    pub async fn send_content(
        &self,
        author: UserId,
        contact: ContactId,
        item: ContentId,
        touch: NewTouch,
        now: Timestamp,
    ) -> Result<(TouchId, NextTouch)> {
        let mut tx = self.write().await?;
        // Under the contact's lock, so two sends at once cannot both slip under a cap.
        lock_active_to_add(&mut tx, contact, author).await?;
        let content = load_content(&mut tx, item).await?;
        if !content.available(touch.on) {
            return Err(StoreError::Invalid(format!(
                "content #{item} '{}' is {} and is no longer sent",
                content.title,
                if content.retired_on.is_some() {
                    "retired"
                } else {
                    "expired"
                }
            )));
        }
        let before: Option<String> = sqlx::query_scalar(
            "SELECT MIN(sent_on) FROM content_sends WHERE contact_id = $1 AND content_id = $2",
        )
        .bind(contact.0)
        .bind(item.0)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(on) = before {
            return Err(StoreError::Invalid(format!(
                "contact #{contact} already received content #{item} '{}' on {on}",
                content.title
            )));
        }
        let rules = load_nurture_rules(&mut tx).await?;
        let history = histories(&mut tx, &[contact], rules.caps, touch.on)
            .await?
            .remove(&contact)
            .unwrap_or_default();
        rules.caps.check(&history, touch.on)?;
        let sent_on = touch.on;
        let touch = NewTouch {
            kind: TouchKind::ContentShared,
            summary: touch
                .summary
                .or_else(|| Some(format!("Sent '{}' ({})", content.title, content.link))),
            ..touch
        };
        let (touch_id, next) = self
            .insert_touch(&mut tx, author, contact, &touch, now)
            .await?;
        sqlx::query(
            "INSERT INTO content_sends (touch_id, content_id, contact_id, sent_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(touch_id.0)
        .bind(item.0)
        .bind(contact.0)
        .bind(sent_on.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((touch_id, next))
    }

    /// The contacts an item is relevant to today — it suits them, matches their interests or
    /// needs and they have not received it — ranked by how well it matches, for a person to
    /// work through one by one. Candidates are the contacts with a stated term of the item's
    /// or a touch whose needs mention one.
    pub async fn audience(
        &self,
        viewer: UserId,
        item: ContentId,
        today: Date,
    ) -> Result<Vec<(ContactId, String, Recommendation)>> {
        let mut conn = self.pool.acquire().await?;
        let content = load_content(&mut conn, item).await?;
        let terms: Vec<String> = content.terms().map(ToString::to_string).collect();
        let mut candidates: Vec<i64> = vec![];
        for term in &terms {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT c.id FROM contacts c WHERE c.archived_at IS NULL AND (\
                    EXISTS (SELECT 1 FROM contact_interests i WHERE i.contact_id = c.id \
                            AND i.term = $1) \
                    OR EXISTS (SELECT 1 FROM touches t WHERE t.contact_id = c.id \
                            AND LOWER(t.needs) LIKE $2 ESCAPE '\\'))",
            )
            .bind(term)
            .bind(rows::like_pattern(term))
            .fetch_all(&mut *conn)
            .await?;
            candidates.extend(found);
        }
        candidates.sort_unstable();
        candidates.dedup();
        drop(conn);
        let contacts: Vec<ContactId> = candidates.into_iter().map(ContactId).collect();
        let ranked = self.recommendations(viewer, &contacts, today).await?;
        let names = self.contact_names(&contacts).await?;
        let mut audience: Vec<(ContactId, String, Recommendation)> = ranked
            .into_iter()
            .filter_map(|(contact, found)| {
                let (_, r) = found.ranked.into_iter().find(|(i, _)| i.id == item)?;
                Some((contact, names.get(&contact)?.clone(), r))
            })
            .collect();
        audience.sort_by(|a, b| b.2.score.cmp(&a.2.score).then(a.0.cmp(&b.0)));
        Ok(audience)
    }

    async fn contact_names(&self, contacts: &[ContactId]) -> Result<HashMap<ContactId, String>> {
        let mut conn = self.pool.acquire().await?;
        let found = rows_for_contacts(
            &mut conn,
            "SELECT id, name FROM contacts WHERE id IN ({ids})",
            contacts,
            &[],
        )
        .await?;
        found
            .iter()
            .map(|row| Ok((ContactId(rows::int(row, "id")?), rows::text(row, "name")?)))
            .collect()
    }

    pub async fn nurture_rules(&self) -> Result<NurtureRules> {
        let mut conn = self.pool.acquire().await?;
        load_nurture_rules(&mut conn).await
    }

    /// Changes the team's nurture rules (admins only: they bind everyone). One audit row.
    pub async fn change_nurture_rules(
        &self,
        actor: UserId,
        change: impl FnOnce(NurtureRules) -> NurtureRules,
        now: Timestamp,
    ) -> Result<NurtureRules> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor)
            .await?
            .may_administer("change the nurture rules")?;
        let before = load_nurture_rules(&mut tx).await?;
        let rules = change(before);
        if rules.caps.content_gap_days == 0 || rules.caps.touch_period_days == 0 {
            return Err(StoreError::Invalid(
                "a cap's period is at least one day".to_owned(),
            ));
        }
        if rules.engagement.days == 0 {
            return Err(StoreError::Invalid(
                "ready_inbound_days: the engagement rule's period is at least one day".to_owned(),
            ));
        }
        for (key, value) in rules_pairs(&rules) {
            sqlx::query("UPDATE nurture_settings SET value = $1 WHERE key = $2")
                .bind(value.to_string())
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        let change = Change {
            action: AuditAction::Update,
            entity: AuditEntity::NurtureSetting,
            entity_id: None,
            contact: None,
            before: Some(rules_snapshot(&before)),
            after: Some(rules_snapshot(&rules)),
        };
        audit::record(&mut tx, actor, now, change).await?;
        tx.commit().await?;
        Ok(rules)
    }

    pub async fn nurture_owners(&self, contact: ContactId) -> Result<NurtureOwners> {
        let mut conn = self.pool.acquire().await?;
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
            .bind(contact.0)
            .fetch_optional(&mut *conn)
            .await?;
        if found.is_none() {
            return Err(StoreError::ContactNotFound(format!("#{contact}")));
        }
        load_owners(&mut conn, contact).await
    }

    /// Sets who nurtures and who sells to a contact (`Some(None)` clears one: the contact's
    /// owner again). The contact's owner or an admin.
    pub async fn set_nurture_owners(
        &self,
        actor: UserId,
        contact: ContactId,
        nurture_owner: Option<Option<UserId>>,
        sales_owner: Option<Option<UserId>>,
        now: Timestamp,
    ) -> Result<NurtureOwners> {
        let mut tx = self.write().await?;
        contact_to_change(&mut tx, actor, contact).await?;
        let before = load_owners(&mut tx, contact).await?;
        let after = NurtureOwners {
            nurture_owner: nurture_owner.unwrap_or(before.nurture_owner),
            sales_owner: sales_owner.unwrap_or(before.sales_owner),
            ready: before.ready.clone(),
        };
        write_owners(&mut tx, actor, contact, &before, &after, now).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The explicit sales-ready signal (with `None`, withdraws it). Anyone who may write: it is
    /// news about the contact, like a touch.
    pub async fn signal_ready(
        &self,
        actor: UserId,
        contact: ContactId,
        ready: Option<(Date, Option<String>)>,
        now: Timestamp,
    ) -> Result<NurtureOwners> {
        let mut tx = self.write().await?;
        audit::acting(&mut tx, actor).await?.may_add()?;
        if lock_contact(&mut tx, contact, false).await?.is_some() {
            return Err(StoreError::Archived(contact));
        }
        let before = load_owners(&mut tx, contact).await?;
        let after = NurtureOwners {
            ready,
            ..before.clone()
        };
        write_owners(&mut tx, actor, contact, &before, &after, now).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The handoffs `user` is part of on `today`: nurtured contacts (those with a nurture row)
    /// that are sales-ready, to them as sales owner and from them as nurture owner (either
    /// defaulting to the contact's owner), each with its whole nurture history.
    pub async fn handoffs(&self, viewer: UserId, today: Date) -> Result<Handoffs> {
        let mut conn = self.pool.acquire().await?;
        let conn = &mut *conn;
        let rules = load_nurture_rules(conn).await?;
        // The few nurtured contacts drive the join (SQLite keeps a CROSS JOIN's order): led
        // by `contacts`, SQLite scanned the whole book, 10 ms at 100,000 contacts, on every
        // Today page.
        let found = sqlx::query(
            "SELECT n.contact_id, n.ready_on, n.ready_note, c.name, \
                (SELECT o.name FROM organizations o WHERE o.id = c.organization_id) AS organization, \
                COALESCE(n.nurture_owner_id, c.owner_id) AS nurture_id, \
                COALESCE(n.sales_owner_id, c.owner_id) AS sales_id \
             FROM nurture_owners n CROSS JOIN contacts c \
             WHERE c.id = n.contact_id AND c.archived_at IS NULL \
                AND (COALESCE(n.nurture_owner_id, c.owner_id) = $1 \
                OR COALESCE(n.sales_owner_id, c.owner_id) = $1) \
             ORDER BY c.name, c.id",
        )
        .bind(viewer.0)
        .fetch_all(&mut *conn)
        .await?;
        let contacts: Vec<ContactId> = found
            .iter()
            .map(|row| rows::int(row, "contact_id").map(ContactId))
            .collect::<Result<_>>()?;
        let (open, inbound) = readiness_facts(conn, &contacts, rules.engagement, today).await?;
        let mut ready = vec![];
        for row in &found {
            let contact = ContactId(rows::int(row, "contact_id")?);
            let signal = rows::opt_date(row, "ready_on")?;
            let note = rows::opt_text(row, "ready_note")?;
            let facts = ReadinessFacts {
                signal: signal.map(|on| (on, note.as_deref())),
                open: open.get(&contact).map(Vec::as_slice).unwrap_or_default(),
                recent_inbound: inbound.get(&contact).copied().unwrap_or(0),
            };
            if let Some(why) = nurture::sales_ready(facts, rules.engagement, today) {
                ready.push((contact, row, why));
            }
        }
        let shown: Vec<ContactId> = ready.iter().map(|(c, _, _)| *c).collect();
        let mut histories = histories_of(conn, viewer, &shown).await?;
        let mut users: HashMap<UserId, User> = HashMap::new();
        let mut handoffs = Handoffs::default();
        for (contact, row, why) in ready {
            let nurture_id = UserId(rows::int(row, "nurture_id")?);
            let sales_id = UserId(rows::int(row, "sales_id")?);
            for id in [nurture_id, sales_id] {
                if let Entry::Vacant(slot) = users.entry(id) {
                    let row =
                        sqlx::query("SELECT id, email, name, time_zone FROM users WHERE id = $1")
                            .bind(id.0)
                            .fetch_one(&mut *conn)
                            .await?;
                    slot.insert(rows::user(&row)?);
                }
            }
            let handoff = Handoff {
                contact,
                name: rows::text(row, "name")?,
                organization: rows::opt_text(row, "organization")?,
                nurture_owner: users[&nurture_id].clone(),
                sales_owner: users[&sales_id].clone(),
                ready: why,
                history: histories.remove(&contact).unwrap_or_default(),
            };
            if sales_id == viewer {
                handoffs.incoming.push(handoff.clone());
            }
            if nurture_id == viewer {
                handoffs.outgoing.push(handoff);
            }
        }
        Ok(handoffs)
    }

    /// Nurture coverage on `today` — of the active, not sales-ready contacts holding the
    /// prospect or lead role or being nurtured, how many had a touch within their cycle — and
    /// which content draws replies.
    pub async fn nurture_report(&self, today: Date) -> Result<NurtureReport> {
        let mut conn = self.pool.acquire().await?;
        let conn = &mut *conn;
        let rules = load_nurture_rules(conn).await?;
        let found = sqlx::query(
            "SELECT c.id, c.effective_cadence, c.last_touch_on, n.ready_on FROM contacts c \
             LEFT JOIN nurture_owners n ON n.contact_id = c.id \
             WHERE c.archived_at IS NULL AND (n.contact_id IS NOT NULL OR EXISTS (\
                SELECT 1 FROM contact_roles r WHERE r.contact_id = c.id AND r.until IS NULL \
                AND r.role IN ('prospect', 'lead')))",
        )
        .fetch_all(&mut *conn)
        .await?;
        let contacts: Vec<ContactId> = found
            .iter()
            .map(|row| rows::int(row, "id").map(ContactId))
            .collect::<Result<_>>()?;
        let (open, inbound) = readiness_facts(conn, &contacts, rules.engagement, today).await?;
        let mut coverage = Coverage::default();
        for row in &found {
            let contact = ContactId(rows::int(row, "id")?);
            let facts = ReadinessFacts {
                signal: rows::opt_date(row, "ready_on")?.map(|on| (on, None)),
                open: open.get(&contact).map(Vec::as_slice).unwrap_or_default(),
                recent_inbound: inbound.get(&contact).copied().unwrap_or(0),
            };
            if nurture::sales_ready(facts, rules.engagement, today).is_some() {
                continue;
            }
            coverage.prospects += 1;
            let cadence: Cadence = rows::parsed(row, "effective_cadence")?;
            if rows::opt_date(row, "last_touch_on")?
                .is_some_and(|last| cadence.after(last) >= today)
            {
                coverage.covered += 1;
            }
        }
        let sends = sqlx::query(
            "SELECT s.content_id, i.title, CAST(CASE WHEN EXISTS (SELECT 1 FROM touches r \
                WHERE r.contact_id = s.contact_id AND r.direction = 'inbound' \
                AND r.occurred_at > t.occurred_at) THEN 1 ELSE 0 END AS BIGINT) AS replied \
             FROM content_sends s JOIN touches t ON t.id = s.touch_id \
             JOIN content_items i ON i.id = s.content_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut titles: HashMap<ContentId, String> = HashMap::new();
        let mut all = vec![];
        for row in &sends {
            let item = ContentId(rows::int(row, "content_id")?);
            titles.insert(item, rows::text(row, "title")?);
            all.push(Send {
                item,
                replied: rows::flag(row, "replied")?,
            });
        }
        let replies = nurture::replies(&all)
            .into_iter()
            .map(|(item, sends, replies)| ContentReplies {
                item,
                title: titles.get(&item).cloned().unwrap_or_default(),
                sends,
                replies,
            })
            .collect();
        Ok(NurtureReport { coverage, replies })
    }
}

/// Every touch of `contacts` as `viewer` sees it, newest first, with the items content
/// touches sent: two queries.
async fn histories_of(
    conn: &mut AnyConnection,
    viewer: UserId,
    contacts: &[ContactId],
) -> Result<HashMap<ContactId, Vec<HistoryLine>>> {
    let sql = format!(
        "SELECT {}, s.content_id, i.title AS content_title FROM touches t \
         LEFT JOIN content_sends s ON s.touch_id = t.id \
         LEFT JOIN content_items i ON i.id = s.content_id \
         WHERE t.contact_id IN ({{ids}}) ORDER BY t.occurred_at DESC, t.id DESC",
        rows::TOUCH_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let found = rows_for_contacts(conn, &sql, contacts, &[]).await?;
    let mut all: HashMap<ContactId, Vec<HistoryLine>> = HashMap::new();
    for row in &found {
        let touch = rows::touch(row)?.as_seen_by(viewer);
        let content = match rows::opt_int(row, "content_id")? {
            Some(id) => Some((ContentId(id), rows::text(row, "content_title")?)),
            None => None,
        };
        all.entry(touch.contact)
            .or_default()
            .push(HistoryLine { touch, content });
    }
    Ok(all)
}

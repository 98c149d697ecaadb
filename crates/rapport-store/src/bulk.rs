//! Bulk loading: millions of pre-built rows into an empty database, fast, on both backends.
//!
//! The normal write path (one transaction per user action, rescheduling through queries) is
//! right for people and far too slow for a data generator. This path takes batches of rows
//! that the caller built, turns them into bind values ([`BulkRows`], pure, so the caller can
//! do it on another thread while the database works), and inserts them with multi-row
//! `INSERT … VALUES (…), (…)` statements — the same SQL on SQLite and PostgreSQL — inside one
//! transaction: the database ends up fully loaded or untouched.
//!
//! The denormalised schedule columns of every contact are computed here, with the domain
//! core's engine (`CadenceDefaults::resolve` + `next_touch`) and the stored defaults, exactly as
//! `schedule::reschedule` would; the caller only states the facts (cadence, tier, roles, last
//! touch, hold, earliest open follow-up). The caller must state them truthfully: the last touch
//! it names must be the latest of the touches it loads for that contact (by time, then id).
//!
//! Ids of users, organizations, contacts and touches are given by the caller (a contact row
//! names its last touch before the touch is loaded); on PostgreSQL the identity sequences are
//! moved past them when the load finishes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::fit::FieldKey;
use rapport_core::model::{ContactId, Hold, OrganizationId, TouchId, UserId};
use rapport_core::{
    Cadence, CadenceDefaults, CadenceProfile, CadenceSource, Direction, EmailAddress, Horizon,
    NextTouch, PhoneNumber, ProspectKind, Role, ScheduleInput, Stage, Tier, TouchKind, next_touch,
};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Connection, Executor};

use crate::error::{Result, StoreError};
use crate::schedule::load_defaults;
use crate::touch_index;
use crate::{Backend, Store, instant_text, move_sequences_past_ids};

/// A user (an owner of contacts) to load. The migration's local owner (id 1) already exists.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    /// `admin` or `member`.
    pub role: String,
    pub time_zone: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct BulkOrganization {
    pub id: OrganizationId,
    pub owner: UserId,
    /// Unique, ignoring case.
    pub name: String,
    pub domain: Option<String>,
    pub tier: Option<Tier>,
    pub created_at: Timestamp,
}

/// A contact with its emails, phones, tags and active roles, and the facts its schedule is
/// computed from.
#[derive(Debug, Clone)]
pub struct BulkContact {
    pub id: ContactId,
    pub owner: UserId,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<OrganizationId>,
    pub notes: Option<String>,
    /// Where they came from.
    pub source: Option<String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub horizon: Option<Horizon>,
    pub prospect_kind: Option<ProspectKind>,
    /// A cadence set on the contact itself; `None` inherits the defaults.
    pub cadence: Option<Cadence>,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<PhoneNumber>,
    pub tags: Vec<String>,
    /// Roles held since `added_on` and still held.
    pub roles: Vec<Role>,
    /// Custom fields, each key once.
    pub fields: Vec<(FieldKey, String)>,
    pub added_on: Date,
    pub created_at: Timestamp,
    /// The latest of the contact's touches (by time, then id), and its calendar day.
    pub last_touch: Option<(TouchId, Date)>,
    pub hold: Option<Hold>,
    /// The due day of the earliest open follow-up among those loaded for this contact.
    pub earliest_follow_up: Option<Date>,
    pub archived_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct BulkTouch {
    pub id: TouchId,
    pub contact: ContactId,
    pub author: UserId,
    pub kind: TouchKind,
    pub direction: Direction,
    pub at: Timestamp,
    /// The author's calendar day of `at`.
    pub on: Date,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct BulkFollowUp {
    pub contact: ContactId,
    pub owner: UserId,
    pub due_on: Date,
    pub text: String,
    pub done_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Table {
    Users,
    Organizations,
    Contacts,
    ContactEmails,
    ContactPhones,
    ContactTags,
    ContactRoles,
    ContactFields,
    Touches,
    FollowUps,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Organizations => "organizations",
            Table::Contacts => "contacts",
            Table::ContactEmails => "contact_emails",
            Table::ContactPhones => "contact_phones",
            Table::ContactTags => "contact_tags",
            Table::ContactRoles => "contact_roles",
            Table::ContactFields => "contact_fields",
            Table::Touches => "touches",
            Table::FollowUps => "follow_ups",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Users => &["id", "email", "name", "role", "time_zone", "created_at"],
            Table::Organizations => &[
                "id",
                "owner_id",
                "name",
                "name_key",
                "domain",
                "tier",
                "created_at",
                "updated_at",
            ],
            Table::Contacts => &[
                "id",
                "owner_id",
                "name",
                "name_key",
                "title",
                "organization_id",
                "notes",
                "tier",
                "stage",
                "horizon",
                "prospect_kind",
                "cadence",
                "effective_cadence",
                "cadence_source",
                "added_on",
                "last_touch_id",
                "last_touch_on",
                "hold_until",
                "hold_reason",
                "next_touch_on",
                "next_touch_source",
                "archived_at",
                "version",
                "created_at",
                "updated_at",
                "source",
            ],
            Table::ContactEmails => &["contact_id", "email", "position"],
            Table::ContactPhones => &["contact_id", "phone", "position", "phone_key"],
            Table::ContactTags => &["contact_id", "tag"],
            Table::ContactRoles => &["contact_id", "role", "since"],
            Table::ContactFields => &["contact_id", "field_key", "value"],
            Table::Touches => &[
                "id",
                "contact_id",
                "author_id",
                "kind",
                "direction",
                "occurred_at",
                "occurred_on",
                "summary",
                "needs",
                "next_approach",
                "created_at",
            ],
            Table::FollowUps => &[
                "contact_id",
                "owner_id",
                "due_on",
                "body",
                "done_at",
                "created_at",
            ],
        }
    }
}

/// One bind value. NULLs carry their type: PostgreSQL will not put a text NULL in a BIGINT.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

fn opt_text<T: Into<String>>(value: Option<T>) -> Value {
    value.map_or(Value::NullText, |v| Value::Text(v.into()))
}

fn opt_int(value: Option<i64>) -> Value {
    value.map_or(Value::NullInt, Value::Int)
}

/// Rows of one table, as bind values in column order: what [`BulkLoader::insert`] takes.
/// Building them does no I/O, so a generator can build the next batch on its own thread while
/// the database writes the previous one.
#[derive(Debug, Clone)]
pub struct BulkRows {
    table: Table,
    values: Vec<Value>,
}

impl BulkRows {
    fn new(table: Table, rows: usize) -> BulkRows {
        BulkRows {
            table,
            values: Vec::with_capacity(rows * table.columns().len()),
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.values.len() / self.table.columns().len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The columns that hold the same value in every row, when at least one column does not.
    fn shared_columns(&self) -> SharedColumns {
        let width = self.table.columns().len();
        let mut rows = self.values.chunks_exact(width);
        let Some(first) = rows.next() else {
            return SharedColumns::NONE;
        };
        let every = SharedColumns((1 << width) - 1);
        let mut shared = every;
        for row in rows {
            for column in 0..width {
                if shared.holds(column) && row[column] != first[column] {
                    shared.0 &= !(1 << column);
                }
            }
            if shared == SharedColumns::NONE {
                break;
            }
        }
        if shared == every {
            SharedColumns::NONE
        } else {
            shared
        }
    }

    pub fn users(users: &[BulkUser]) -> BulkRows {
        let mut rows = BulkRows::new(Table::Users, users.len());
        for u in users {
            rows.values.extend([
                Value::Int(u.id.0),
                text(u.email.trim().to_lowercase()),
                text(u.name.trim()),
                text(u.role.as_str()),
                opt_text(u.time_zone.as_deref()),
                text(instant_text(u.created_at)),
            ]);
        }
        rows
    }

    pub fn organizations(organizations: &[BulkOrganization]) -> BulkRows {
        let mut rows = BulkRows::new(Table::Organizations, organizations.len());
        for o in organizations {
            let stamp = instant_text(o.created_at);
            rows.values.extend([
                Value::Int(o.id.0),
                Value::Int(o.owner.0),
                text(o.name.trim()),
                text(crate::contacts::name_key(&o.name)),
                opt_text(o.domain.as_deref()),
                opt_text(o.tier.map(Tier::as_str)),
                text(stamp.clone()),
                text(stamp),
            ]);
        }
        rows
    }

    /// The contacts, then their emails, phones, tags and roles: insert them in this order.
    /// Each contact's schedule columns come from the scheduling engine and `defaults` (the
    /// stored ones: [`BulkLoader::defaults`]).
    pub fn contacts(defaults: &CadenceDefaults, contacts: &[BulkContact]) -> Vec<BulkRows> {
        let mut main = BulkRows::new(Table::Contacts, contacts.len());
        let mut emails = BulkRows::new(Table::ContactEmails, contacts.len());
        let mut phones = BulkRows::new(Table::ContactPhones, contacts.len());
        let mut tags = BulkRows::new(Table::ContactTags, contacts.len());
        let mut roles = BulkRows::new(Table::ContactRoles, contacts.len());
        let mut fields = BulkRows::new(Table::ContactFields, 0);
        for c in contacts {
            let (cadence, source, next) = schedule_of(defaults, c);
            let stamp = instant_text(c.created_at);
            main.values.extend([
                Value::Int(c.id.0),
                Value::Int(c.owner.0),
                text(c.name.trim()),
                text(crate::contacts::name_key(&c.name)),
                opt_text(c.title.as_deref()),
                opt_int(c.organization.map(|o| o.0)),
                opt_text(c.notes.as_deref()),
                opt_text(c.tier.map(Tier::as_str)),
                opt_text(c.stage.map(Stage::as_str)),
                opt_text(c.horizon.map(Horizon::as_str)),
                opt_text(c.prospect_kind.map(ProspectKind::as_str)),
                opt_text(c.cadence.map(|c| c.to_string())),
                text(cadence.to_string()),
                text(source.code()),
                text(c.added_on.to_string()),
                opt_int(c.last_touch.map(|(id, _)| id.0)),
                opt_text(c.last_touch.map(|(_, on)| on.to_string())),
                opt_text(c.hold.as_ref().map(|h| h.until.to_string())),
                opt_text(c.hold.as_ref().map(|h| h.reason.as_str())),
                text(next.on.to_string()),
                text(next.source.as_str()),
                opt_text(c.archived_at.map(instant_text)),
                Value::Int(1),
                text(stamp.clone()),
                text(stamp),
                opt_text(c.source.as_deref()),
            ]);
            for (position, email) in (0..).zip(&c.emails) {
                emails.values.extend([
                    Value::Int(c.id.0),
                    text(email.as_str()),
                    Value::Int(position),
                ]);
            }
            for (position, phone) in (0..).zip(&c.phones) {
                phones.values.extend([
                    Value::Int(c.id.0),
                    text(phone.as_str()),
                    Value::Int(position),
                    opt_text(phone.key()),
                ]);
            }
            for tag in &c.tags {
                tags.values.extend([Value::Int(c.id.0), text(tag.trim())]);
            }
            for role in &c.roles {
                roles.values.extend([
                    Value::Int(c.id.0),
                    text(role.as_str()),
                    text(c.added_on.to_string()),
                ]);
            }
            for (key, value) in &c.fields {
                fields.values.extend([
                    Value::Int(c.id.0),
                    text(key.as_str()),
                    text(value.as_str()),
                ]);
            }
        }
        vec![main, emails, phones, tags, roles, fields]
    }

    pub fn touches(touches: &[BulkTouch]) -> BulkRows {
        let mut rows = BulkRows::new(Table::Touches, touches.len());
        for t in touches {
            rows.values.extend([
                Value::Int(t.id.0),
                Value::Int(t.contact.0),
                Value::Int(t.author.0),
                text(t.kind.as_str()),
                text(t.direction.as_str()),
                text(instant_text(t.at)),
                text(t.on.to_string()),
                opt_text(t.summary.as_deref()),
                opt_text(t.needs.as_deref()),
                opt_text(t.next_approach.as_deref()),
                text(instant_text(t.created_at)),
            ]);
        }
        rows
    }

    pub fn follow_ups(follow_ups: &[BulkFollowUp]) -> BulkRows {
        let mut rows = BulkRows::new(Table::FollowUps, follow_ups.len());
        for f in follow_ups {
            rows.values.extend([
                Value::Int(f.contact.0),
                Value::Int(f.owner.0),
                text(f.due_on.to_string()),
                text(f.text.trim()),
                opt_text(f.done_at.map(instant_text)),
                text(instant_text(f.created_at)),
            ]);
        }
        rows
    }
}

/// What `schedule::reschedule` would store for this contact.
pub fn schedule_of(
    defaults: &CadenceDefaults,
    contact: &BulkContact,
) -> (Cadence, CadenceSource, NextTouch) {
    let (cadence, source) = defaults.resolve(&CadenceProfile {
        explicit: contact.cadence,
        tier: contact.tier,
        stage: contact.stage,
        active_roles: &contact.roles,
        horizon: contact.horizon,
    });
    let next = next_touch(&ScheduleInput {
        cadence,
        added_on: contact.added_on,
        last_touch_on: contact.last_touch.map(|(_, on)| on),
        hold_until: contact.hold.as_ref().map(|h| h.until),
        earliest_follow_up: contact.earliest_follow_up,
        // Generated books record no competitors, so no renewal pulls a date in.
        renewal_from: None,
    });
    (cadence, source, next)
}

/// The most bind parameters one statement may carry: SQLite's default limit (32766 since
/// 3.32) and PostgreSQL's protocol limit (65535).
fn max_parameters(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 32_766,
        Backend::Postgres => 65_535,
    }
}

/// How many rows one INSERT carries: as many as the backend's parameter limit allows, with
/// `shared` values bound once for the statement and `varying` for each row.
///
/// Except for SQLite's `INSERT OR FAIL`, which keeps no statement journal, so that fewer,
/// larger statements save it nothing: it carries at most [`ROWS_PER_FAILING_STATEMENT`].
fn rows_per_statement(
    backend: Backend,
    on_conflict: OnConflict,
    varying: usize,
    shared: usize,
) -> usize {
    let most = (max_parameters(backend).saturating_sub(shared) / varying).max(1);
    match (backend, on_conflict) {
        (Backend::Sqlite, OnConflict::Fail) => most.min(ROWS_PER_FAILING_STATEMENT),
        _ => most,
    }
}

/// Every statement SQLite has prepared stays in sqlx's cache with a slot for each of its
/// parameters and a copy of each value last bound to it: statements of 32,766 parameters held
/// an import's memory 20–30 MB higher than statements of 1,024 rows, and were no faster
/// (docs/benchmarks.md).
const ROWS_PER_FAILING_STATEMENT: usize = 1024;

/// A set of a table's columns (bit N is column N) whose value is the same in every row of a
/// batch: an import's owner, its dates and the NULLs of fields no row of the file fills.
///
/// Each is bound once per statement rather than once per row (see [`insert_sql`]): in an
/// import they are more than half of a contact's values, and every value bound is copied
/// twice on its way through sqlx to SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SharedColumns(u32);

impl SharedColumns {
    const NONE: SharedColumns = SharedColumns(0);

    fn holds(self, column: usize) -> bool {
        self.0 & (1 << column) != 0
    }

    fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The items of `row` in these columns (`true`) or in the others (`false`), in order.
    fn pick<T>(self, row: &[T], shared: bool) -> impl Iterator<Item = &T> {
        (0..)
            .zip(row)
            .filter_map(move |(column, item)| (self.holds(column) == shared).then_some(item))
    }
}

/// Splits `rows` into statement sizes: full statements of `per_statement` rows, then the rest
/// in powers of two, so only a handful of distinct statements is ever prepared (and cached).
fn statement_sizes(rows: usize, per_statement: usize) -> impl Iterator<Item = usize> {
    let full = rows / per_statement;
    let rest = rows % per_statement;
    std::iter::repeat_n(per_statement, full).chain(
        (0..usize::BITS)
            .rev()
            .map(|bit| 1_usize << bit)
            .filter(move |size| rest & size != 0),
    )
}

/// What a finished load did.
#[derive(Debug, Clone, Copy)]
pub struct BulkStats {
    pub rows: u64,
    /// Inserting, from the loader's start to the commit.
    pub load: Duration,
    /// Afterwards: statistics for the planner, sequences, checkpoint.
    pub finish: Duration,
}

/// An open bulk load: one connection of its own (taken out of the pool), one transaction.
/// Dropping it without [`finish`] closes the connection, which rolls everything back.
///
/// While it is open, the secondary indexes (all but those backing a constraint) are dropped,
/// and [`finish`] recreates them from their own stored definitions before committing: their
/// keys (owner and due date, name, email, organization, tag…) arrive in random order, building
/// an index from sorted keys is several times faster than a million random insertions, and the
/// schema that commits is the one the migrations made. `touches_contact` stays: touches arrive
/// contact by contact, oldest first, so its keys are appended in order.
///
/// On SQLite the session also trades safety nets it does not need for speed: a rollback
/// journal in memory instead of the WAL (a load into an empty database changes almost no
/// existing page, so there is next to nothing to journal, while the WAL would write every page
/// twice), no fsync, a 1 GiB page cache, and no foreign-key checks — the caller builds every
/// reference itself, and [`Store::dangling_references`] checks them afterwards. PostgreSQL keeps
/// checking foreign keys.
///
/// [`finish`]: BulkLoader::finish
#[derive(Debug)]
pub struct BulkLoader {
    conn: AnyConnection,
    backend: Backend,
    defaults: CadenceDefaults,
    statements: Statements,
    /// Dropped for the load, recreated by `finish`: (name, CREATE statement).
    deferred_indexes: Vec<(String, String)>,
    rows: u64,
    started: Instant,
}

/// Indexes kept during a load because their keys arrive in order anyway.
const KEPT_INDEXES: &[&str] = &["touches_contact"];

impl Store {
    /// Starts a bulk load. Refuses a database that holds anything beyond what the migrations
    /// put there (the local owner, the default cadences): bulk rows come with their own ids.
    pub async fn bulk_loader(&self) -> Result<BulkLoader> {
        let mut conn = self.pool.acquire().await?.detach();
        let occupied: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users) - 1 \
                + (SELECT COUNT(*) FROM (SELECT 1 FROM organizations LIMIT 1) o) \
                + (SELECT COUNT(*) FROM (SELECT 1 FROM contacts LIMIT 1) c) \
                + (SELECT COUNT(*) FROM (SELECT 1 FROM touches LIMIT 1) t)",
        )
        .fetch_one(&mut conn)
        .await?;
        if occupied != 0 {
            return Err(StoreError::Invalid(
                "this database is not empty; a bulk load goes into a new database".into(),
            ));
        }
        let defaults = load_defaults(&mut conn).await?;
        if self.backend == Backend::Sqlite {
            // For this session only; `finish` puts the WAL back.
            conn.execute(
                "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; \
                 PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; \
                 PRAGMA foreign_keys = OFF;",
            )
            .await?;
        }
        conn.execute("BEGIN").await?;
        if self.backend == Backend::Postgres {
            conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
                .await?;
        }
        // Indexes that are not a constraint's own (primary keys and UNIQUE columns stay).
        let catalog = match self.backend {
            Backend::Sqlite => {
                "SELECT name, sql AS definition FROM sqlite_master \
                 WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT indexname::text AS name, indexdef AS definition FROM pg_indexes \
                 WHERE schemaname = current_schema() \
                   AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
            }
        };
        let deferred_indexes: Vec<(String, String)> = sqlx::query_as(catalog)
            .fetch_all(&mut conn)
            .await?
            .into_iter()
            .filter(|(name, _): &(String, String)| {
                !KEPT_INDEXES.contains(&name.as_str()) && !name.starts_with('_')
            })
            .collect();
        for (name, _) in &deferred_indexes {
            conn.execute(format!("DROP INDEX {name}").as_str()).await?;
        }
        Ok(BulkLoader {
            conn,
            backend: self.backend,
            defaults,
            // The load fires migration 0016's triggers, whose `OR IGNORE` an `OR FAIL` would
            // override.
            statements: Statements::new(self.backend, OnConflict::Abort),
            deferred_indexes,
            rows: 0,
            started: Instant::now(),
        })
    }

    /// References that point nowhere (a touch of a missing contact, a contact of a missing
    /// owner…): 0 on a sound database. A check for bulk loads, which do not check foreign keys
    /// on SQLite.
    pub async fn dangling_references(&self) -> Result<i64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT \
               (SELECT COUNT(*) FROM organizations o \
                 WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.owner_id)) \
             + (SELECT COUNT(*) FROM contacts c \
                 WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.owner_id) \
                    OR (c.organization_id IS NOT NULL AND NOT EXISTS \
                        (SELECT 1 FROM organizations o WHERE o.id = c.organization_id))) \
             + (SELECT COUNT(*) FROM touches t \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id) \
                    OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.author_id)) \
             + (SELECT COUNT(*) FROM follow_ups f \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = f.contact_id) \
                    OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = f.owner_id)) \
             + (SELECT COUNT(*) FROM contact_emails x \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = x.contact_id)) \
             + (SELECT COUNT(*) FROM contact_phones x \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = x.contact_id)) \
             + (SELECT COUNT(*) FROM contact_tags x \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = x.contact_id)) \
             + (SELECT COUNT(*) FROM contact_roles x \
                 WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = x.contact_id))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }
}

impl Store {
    /// How many contacts' stored last touch is not the latest of their touches (by time, then
    /// id) or has the wrong day: a consistency check, 0 on a sound database.
    pub async fn stale_last_touches(&self) -> Result<i64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contacts c \
             WHERE COALESCE(c.last_touch_id, 0) <> COALESCE((SELECT t.id FROM touches t \
                    WHERE t.contact_id = c.id ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1), 0) \
                OR COALESCE(c.last_touch_on, '') <> COALESCE((SELECT t.occurred_on FROM touches t \
                    WHERE t.id = c.last_touch_id), '')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }
}

impl BulkLoader {
    /// The stored default cadences, which [`BulkRows::contacts`] needs.
    pub fn defaults(&self) -> &CadenceDefaults {
        &self.defaults
    }

    /// Rows inserted so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Inserts the rows with multi-row INSERTs (see [`rows_per_statement`]).
    pub async fn insert(&mut self, rows: &BulkRows) -> Result<()> {
        self.rows += insert_rows(&mut self.conn, &mut self.statements, rows).await?;
        Ok(())
    }

    /// Recreates the deferred indexes and commits, then readies the database for use:
    /// PostgreSQL's identity sequences move past the loaded ids, SQLite goes back to its WAL,
    /// and both gather planner statistics.
    pub async fn finish(mut self) -> Result<BulkStats> {
        for (_, definition) in &self.deferred_indexes {
            self.conn.execute(definition.as_str()).await?;
        }
        if self.backend == Backend::Sqlite {
            // The loaded touches, indexed for search in one pass, in id order.
            touch_index::index_after(&mut self.conn, None).await?;
        }
        self.conn
            .execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
            .await?;
        self.conn.execute("COMMIT").await?;
        let load = self.started.elapsed();
        let finishing = Instant::now();
        match self.backend {
            Backend::Postgres => {
                move_sequences_past_ids(
                    &mut self.conn,
                    self.backend,
                    &["users", "organizations", "contacts", "touches"],
                )
                .await?;
                self.conn.execute("ANALYZE").await?;
            }
            Backend::Sqlite => {
                // A sample per index is plenty for the planner and keeps this to a second.
                self.conn
                    .execute(
                        "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA journal_mode = WAL; \
                         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
            }
        }
        self.conn.close().await?;
        Ok(BulkStats {
            rows: self.rows,
            load,
            finish: finishing.elapsed(),
        })
    }
}

/// What a multi-row INSERT does with a row that breaks a constraint. Either way the caller's
/// whole transaction ends on the error; the difference is what SQLite keeps to get there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnConflict {
    /// The default (`ABORT`): the statement alone is undone, so SQLite keeps a statement
    /// journal for every multi-row INSERT.
    Abort,
    /// `INSERT OR FAIL` on SQLite: the rows before the failing one stay, and with foreign keys
    /// off no statement journal is kept. It also overrides the conflict clause of every
    /// statement in a trigger the INSERT fires (migration 0016's `OR IGNORE` would fail), so
    /// only for a caller that has dropped such triggers: the import.
    Fail,
}

/// The SQL of each (table, row count) statement, built once per load.
#[derive(Debug)]
pub(crate) struct Statements {
    backend: Backend,
    on_conflict: OnConflict,
    sql: HashMap<(Table, usize, SharedColumns), String>,
}

impl Statements {
    pub(crate) fn new(backend: Backend, on_conflict: OnConflict) -> Statements {
        Statements {
            backend,
            on_conflict,
            sql: HashMap::new(),
        }
    }
}

/// Inserts `rows` on `conn` with multi-row INSERTs; returns how many.
///
/// Each statement's values are bound while the one before runs: sqlx hands a statement to
/// its SQLite thread on the first poll, so the binding (on this thread) and SQLite's inserts
/// (on that one) overlap instead of taking turns.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    statements: &mut Statements,
    rows: &BulkRows,
) -> Result<u64> {
    let Statements {
        backend,
        on_conflict,
        ref mut sql,
    } = *statements;
    let width = rows.table.columns().len();
    let shared = rows.shared_columns();
    let varying = width - shared.count();
    let sizes: Vec<usize> = statement_sizes(
        rows.len(),
        rows_per_statement(backend, on_conflict, varying, shared.count()),
    )
    .collect();
    for count in &sizes {
        sql.entry((rows.table, *count, shared))
            .or_insert_with(|| insert_sql(backend, on_conflict, rows.table, *count, shared));
    }
    let statements = &*sql;
    let mut queries = sizes.iter().scan(rows.values.as_slice(), |values, count| {
        let (chunk, rest) = values.split_at(count * width);
        *values = rest;
        let mut query = sqlx::query::<Any>(statements[&(rows.table, *count, shared)].as_str());
        for value in shared.pick(&chunk[..width], true) {
            query = bind(query, value);
        }
        for row in chunk.chunks_exact(width) {
            for value in shared.pick(row, false) {
                query = bind(query, value);
            }
        }
        Some((*count, query))
    });
    let mut inserted = 0;
    let mut current = queries.next();
    while let Some((count, query)) = current {
        let (executed, next) =
            tokio::join!(biased; query.execute(&mut *conn), async { queries.next() });
        executed?;
        inserted += count as u64;
        current = next;
    }
    Ok(inserted)
}

/// `count` bind placeholders from the `first`: `?` on SQLite (see [`insert_sql`]), `$N` on
/// PostgreSQL.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    let mut list = String::with_capacity(count * 4);
    for n in first..first + count {
        if n > first {
            list.push_str(", ");
        }
        match backend {
            Backend::Sqlite => list.push('?'),
            Backend::Postgres => {
                list.push('$');
                list.push_str(&n.to_string());
            }
        }
    }
    list
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

fn bind<'q>(query: AnyQuery<'q>, value: &'q Value) -> AnyQuery<'q> {
    match value {
        Value::Int(v) => query.bind(*v),
        Value::Text(v) => query.bind(v.as_str()),
        Value::NullInt => query.bind(None::<i64>),
        Value::NullText => query.bind(None::<&str>),
    }
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), …` for `rows` rows; with `shared`
/// columns, `INSERT INTO t (s, a) SELECT ?, column1 FROM (VALUES (?), (?), …) AS batch`:
/// the shared values are bound once, first, and the database copies them into every row.
///
/// Where the SQL differs between the backends: on SQLite the statement may be `INSERT OR
/// FAIL` ([`OnConflict`]), and the placeholders are plain `?`.
///
/// The placeholders: sqlx binds a `$N` by asking SQLite for each parameter's name, and
/// `sqlite3_bind_parameter_name` walks the statement's list of names from its start, so binding
/// N named parameters costs O(N²) (parsing them is quadratic too). With 30,000 parameters a
/// statement that was 99% of a load's time (perf: docs/benchmarks.md); anonymous `?` are
/// bound by position and cost nothing, so statements can be as large as SQLite allows.
fn insert_sql(
    backend: Backend,
    on_conflict: OnConflict,
    table: Table,
    rows: usize,
    shared: SharedColumns,
) -> String {
    let columns = table.columns();
    let verb = match (backend, on_conflict) {
        (Backend::Sqlite, OnConflict::Fail) => "INSERT OR FAIL",
        _ => "INSERT",
    };
    let named: Vec<&str> = shared
        .pick(columns, true)
        .chain(shared.pick(columns, false))
        .copied()
        .collect();
    let mut sql = format!("{verb} INTO {} ({}) ", table.name(), named.join(", "));
    let varying = columns.len() - shared.count();
    if shared != SharedColumns::NONE {
        sql.push_str("SELECT ");
        sql.push_str(&placeholders(backend, 1, shared.count()));
        for column in 1..=varying {
            sql.push_str(&format!(", column{column}"));
        }
        sql.push_str(" FROM (");
    }
    sql.push_str("VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders(
            backend,
            shared.count() + row * varying + 1,
            varying,
        ));
        sql.push(')');
    }
    if shared != SharedColumns::NONE {
        // PostgreSQL (before 16) wants every subquery in FROM named.
        sql.push_str(") AS batch");
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_under_the_parameter_limits() {
        for table in [Table::Contacts, Table::Touches, Table::ContactTags] {
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let width = table.columns().len();
                let rows = rows_per_statement(backend, OnConflict::Abort, width, 0);
                assert!(rows * width <= max_parameters(backend));
                assert!(
                    rows >= 1000,
                    "{table:?} on {backend:?}: {rows} rows per statement"
                );
            }
        }
        assert_eq!(
            insert_sql(
                Backend::Postgres,
                OnConflict::Fail,
                Table::ContactTags,
                2,
                SharedColumns::NONE
            ),
            "INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(
                Backend::Sqlite,
                OnConflict::Abort,
                Table::ContactTags,
                2,
                SharedColumns::NONE
            ),
            "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(
            insert_sql(
                Backend::Sqlite,
                OnConflict::Fail,
                Table::ContactTags,
                2,
                SharedColumns::NONE
            ),
            "INSERT OR FAIL INTO contact_tags (contact_id, tag) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn values_the_same_in_every_row_are_bound_once_per_statement() {
        let rows = |values: Vec<Value>| BulkRows {
            table: Table::ContactPhones,
            values,
        };
        let phone = |id: i64, phone: &str, key: Option<&str>| {
            [Value::Int(id), text(phone), Value::Int(0), opt_text(key)]
        };
        let batch = rows([phone(7, "+1 555 0100", None), phone(8, "+1 555 0101", None)].concat());
        let shared = batch.shared_columns();
        assert_eq!(shared, SharedColumns(0b1100), "position and phone key");
        assert_eq!(
            shared.pick(&batch.values[4..], false).collect::<Vec<_>>(),
            [&Value::Int(8), &text("+1 555 0101")]
        );
        assert_eq!(
            insert_sql(
                Backend::Sqlite,
                OnConflict::Fail,
                Table::ContactPhones,
                2,
                shared
            ),
            "INSERT OR FAIL INTO contact_phones (position, phone_key, contact_id, phone) \
             SELECT ?, ?, column1, column2 FROM (VALUES (?, ?), (?, ?)) AS batch"
        );
        assert_eq!(
            rows_per_statement(Backend::Sqlite, OnConflict::Abort, 2, 2),
            16_382
        );
        assert_eq!(
            rows_per_statement(Backend::Sqlite, OnConflict::Fail, 2, 2),
            ROWS_PER_FAILING_STATEMENT
        );

        // One row, or rows alike in every column: each value is bound in its row.
        let one = rows(phone(7, "+1 555 0100", Some("5550100")).to_vec());
        assert_eq!(one.shared_columns(), SharedColumns::NONE);
        let differing = rows([phone(7, "1", Some("1")), phone(8, "2", None)].concat());
        assert_eq!(differing.shared_columns(), SharedColumns(0b100));
        assert_eq!(rows(Vec::new()).shared_columns(), SharedColumns::NONE);
    }

    #[test]
    fn statement_sizes_cover_every_row_with_few_shapes() {
        assert_eq!(statement_sizes(0, 90).count(), 0);
        assert_eq!(
            statement_sizes(250, 90).collect::<Vec<_>>(),
            [90, 90, 64, 4, 2]
        );
        for rows in 0..1000 {
            assert_eq!(statement_sizes(rows, 90).sum::<usize>(), rows);
        }
    }
}

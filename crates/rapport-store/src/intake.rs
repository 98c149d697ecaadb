//! Importing contacts from other tools' files ([`rapport_intake`] reads them) into a book
//! that may already hold some of them.
//!
//! **One transaction, valid rows land.** The whole file is one write: a crash or a database
//! error half-way leaves the book as it was. Inside it, a row the domain refuses (a bad email,
//! an unknown tier) is not written and is listed in the report with its line, column and
//! reason; every other row lands. A dry run does all of it, reports, and rolls back.
//!
//! **No duplicates.** A row is the contact already in the book (or earlier in the file) that
//! has one of its emails; failing that, one of its phone numbers (by the digits that identify
//! it, `phone_key`, stored beside each phone: "+1 555 010 0000" is "(555) 010-0000"; a
//! number too short to have a key, as written) under the same name (`name_key`) — a
//! switchboard's number, or two countries' numbers alike in their last nine digits, do not
//! make two people one — or, for a row without a name of its own (named after its email),
//! under any; failing that, the same name at the same organization, or, for a row with
//! nothing but a name (no email, phone or organization), the same name at no organization in
//! the owner's book. A match is updated only where the file adds something: emails, phone
//! numbers, tags and roles it lacks, fields it has empty, notes it does not hold yet.
//! Nothing the book holds is overwritten, so importing a file twice changes nothing the
//! second time.
//!
//! **Fast.** The file is read and validated on a thread of its own, a chunk ahead of the
//! writing ([`read_ahead`]), and a chunk's rows are matched while the chunk before is written
//! ([`match_and_write`]). Rows are handled a chunk at a time: one indexed lookup per chunk
//! for each key (emails, phones, names) — after the first chunk, in a book of up to 50,000
//! contacts, only for keys a Bloom filter of the book's keys and the file's says it may hold
//! ([`KnownKeys`]) —
//! then new organizations and contacts go in with the bulk loader's
//! multi-row INSERTs, their schedules computed by the core engine from the stored defaults
//! (`bulk::schedule_of`, what `schedule::reschedule` computes), and contacts at an
//! organization with competitors are rescheduled through `reschedule_range` before commit so
//! their renewals count. Ids are handed out here, under the write lock (SQLite's
//! `BEGIN IMMEDIATE`; a table lock on PostgreSQL, where the identity sequences move past them
//! after). The stored contacts a chunk's rows match are read at once, only what a row could
//! add to ([`Held`]); a row that adds nothing — every row of a file imported again — is
//! counted and left, and only one that adds something reads its contact whole and goes
//! through the edit path.
//!
//! **Searchable at commit, indexed in bulk.** On SQLite the triggers that keep a contact's
//! search row (`contact_text`, FTS5) in step fire per row, and an email added after its
//! contact rewrites the row it just wrote; over a large file that was most of the import's
//! time. The same goes for the words of names the typo pass looks through (migration 0016's
//! inbox: an FTS5 row per contact). The import drops those triggers inside its own
//! transaction; it gives the inbox each distinct piece of a name once, and once every row is
//! in, writes its new contacts' search rows with a few `INSERT … SELECT`s over their ids,
//! rewrites the rows of the stored contacts it changed, and recreates the triggers from their
//! stored definitions before commit: other connections never see the schema without them, and
//! a rollback (a dry run, an error) puts everything back as it was. On PostgreSQL a setting
//! of the import's own transaction tells the search trigger to leave its contacts alone
//! (migration 0017), and one statement writes their search documents before commit.
//!
//! **Audited.** A matched contact that changes gets its own audit row (before and after),
//! like any edit. The contacts an import creates share one audit row, the import's: who, when,
//! which file, the counts and the range of new ids — a row per new contact would double the
//! cost of a large import to repeat what the file says.

use std::collections::{HashMap, HashSet};

use fastbloom::BloomFilter;
use foldhash::fast::FixedState;
use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::access::Acting;
use rapport_core::model::{ContactId, OrganizationId, UserId};
use rapport_core::phone::{phone_key, same_number};
use rapport_core::{AuditAction, AuditEntity, CadenceDefaults, EmailAddress};
use rapport_intake::{Incoming, Intake, IntakeError, IntakeRows, Rejection, Row};
use serde_json::json;
use sqlx::{AnyConnection, Executor, Transaction};
use tokio::sync::mpsc;

use crate::audit::{self, Change};
use crate::bulk::{
    BulkContact, BulkOrganization, BulkRows, OnConflict, Statements, insert_rows, placeholders,
};
use crate::contacts::{
    ContactPatch, StageMove, ensure_owner, load_contact, name_key, patch_contact, record_stage,
};
use crate::error::{Result, StoreError};
use crate::schedule::{load_defaults, load_scheduling_rules, reschedule_range};
use crate::users::lock_actor_and_user;
use crate::{Backend, Store, Write, move_sequences_past_ids, rows};

/// Rows looked up and written together.
const CHUNK: usize = 5_000;

/// The SQLite triggers that index a contact row by row as it is written (see the module
/// documentation): an import indexes its own contacts in bulk instead.
const ROW_INDEXING_TRIGGERS: &[&str] = &[
    "contact_text_insert",
    "contact_text_update",
    "contact_text_email_insert",
    "search_name_inbox_insert",
    "search_name_inbox_gather",
];

/// The page cache of the import's connection on SQLite, in KiB (see
/// [`Store::sqlite_import_write`]).
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Whose book new contacts go into; the acting user's if `None` (someone else's: admins).
    pub owner: Option<UserId>,
    /// Do everything, report, and write nothing.
    pub dry_run: bool,
    /// The file's name, for the report and the audit row.
    pub file: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub file: String,
    /// The format read, with a CSV's flavour (google, outlook, linkedin).
    pub format: String,
    pub dry_run: bool,
    /// Rows (or cards) read, the header not counted.
    pub rows: u64,
    /// New contacts.
    pub imported: u64,
    /// Rows that added something to a contact already there (in the book or earlier in the
    /// file).
    pub updated: u64,
    /// Rows matching a contact that already holds all they say.
    pub unchanged: u64,
    /// Rows with nothing in them.
    pub empty: u64,
    pub rejected: Vec<Rejection>,
    /// What was read differently from how it was written: columns kept as notes or left out,
    /// photos skipped.
    pub notices: Vec<String>,
}

impl ImportReport {
    /// Rows that changed nothing: already there, or empty.
    pub fn skipped(&self) -> u64 {
        self.unchanged + self.empty
    }

    /// Adds what another part of the same import counted.
    fn absorb(&mut self, other: ImportReport) {
        self.rows += other.rows;
        self.imported += other.imported;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.empty += other.empty;
        self.rejected.extend(other.rejected);
        self.notices.extend(other.notices);
    }
}

/// The contact a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// In the book already, or new in an earlier chunk.
    Stored(i64),
    /// New in this chunk, not written yet: its index.
    New(usize),
}

/// Matching an import's rows to contacts: the ids it hands out and what it has seen. It owns
/// all it needs, so a chunk can be matched on a thread of its own while the chunk before is
/// written ([`match_and_write`]).
struct Matching {
    owner: UserId,
    backend: Backend,
    defaults: CadenceDefaults,
    now: Timestamp,
    today: Date,
    next_contact: i64,
    next_organization: i64,
    /// Organizations by name key: those read from the book and those this import made.
    organizations: HashMap<String, i64>,
    /// Whether the book is small enough to read its keys into [`KnownKeys`] after the first
    /// chunk ([`KNOWN_KEYS_BOOK_LIMIT`]).
    keeps_known_keys: bool,
    /// The keys the book may hold, so that keys it cannot hold are not looked up; `None`
    /// during the first chunk and in a large book, where every key is looked up.
    known: Option<KnownKeys>,
    /// The new contacts of the chunk being written while this one is matched, by key: the
    /// book's indexes do not hold them yet.
    in_flight: Option<KeyOwners>,
    report: ImportReport,
}

/// Writing matched chunks, and changing the stored contacts rows match.
struct Writing {
    actor: UserId,
    acting: Acting,
    backend: Backend,
    now: Timestamp,
    today: Date,
    statements: Statements,
    /// On SQLite, the import indexes its contacts for search itself ([`RowIndexing`]).
    row_indexing: Option<RowIndexing>,
    /// Contacts this import changed after they were written, whose search rows are rewritten
    /// at the end.
    changed: Vec<i64>,
    /// Names at organizations that changed contacts hold now, by key, for [`KnownKeys`].
    gained: Vec<(String, String)>,
    report: ImportReport,
}

/// A chunk's rows, matched: what to write.
struct Planned {
    contacts: Vec<BulkContact>,
    /// The new organizations' and contacts' rows, in the order they are inserted.
    rows: Vec<BulkRows>,
    /// Rows matching a contact already written, to add to it.
    updates: Vec<(i64, Incoming)>,
}

/// Which contact holds each key: the book's answers to a chunk's lookups, or a chunk's new
/// contacts.
#[derive(Debug, Default)]
struct KeyOwners {
    emails: HashMap<String, i64>,
    /// By [`phone_match`], with their names: a phone alone matches nobody ([`PhoneOwners`]).
    phones: HashMap<String, PhoneOwners<i64>>,
    /// By name key and organization id; 0 for contacts at no organization.
    names: HashMap<(String, i64), i64>,
}

/// The contacts holding one phone (ids, or indexes of a chunk's new contacts): for each
/// name key among them, the lowest that holds it under that name. A row matches by phone
/// only the one whose name agrees with its own, or, for a row without a name of its own
/// ([`own_name`]), the lowest of all: a number shared by a switchboard, or by two countries'
/// numbers with the same last nine digits, does not make two people one.
///
/// By name in a map: a company's main line may be the number of thousands of people.
#[derive(Debug, Clone)]
struct PhoneOwners<T> {
    by_name: HashMap<String, T>,
    lowest: T,
}

impl<T: Copy + Ord> PhoneOwners<T> {
    fn one(name: String, owner: T) -> PhoneOwners<T> {
        PhoneOwners {
            by_name: HashMap::from([(name, owner)]),
            lowest: owner,
        }
    }

    /// Notes that `owner` holds the phone under `name`.
    fn add(&mut self, name: String, owner: T) {
        self.by_name
            .entry(name)
            .and_modify(|lowest| *lowest = (*lowest).min(owner))
            .or_insert(owner);
        self.lowest = self.lowest.min(owner);
    }

    /// Whom a row with this name (key) matches by the phone; `None` for a row without a name
    /// of its own.
    fn owner(&self, name: Option<&str>) -> Option<T> {
        match name {
            Some(name) => self.by_name.get(name).copied(),
            None => Some(self.lowest),
        }
    }

    fn map<U>(self, f: impl Fn(T) -> U) -> PhoneOwners<U> {
        PhoneOwners {
            by_name: self
                .by_name
                .into_iter()
                .map(|(name, owner)| (name, f(owner)))
                .collect(),
            lowest: f(self.lowest),
        }
    }
}

/// Whether a row's name is its own (name key `name`): the readers name a row without a name
/// after its first email. A row without one may match by phone whoever holds the number.
fn own_name(row: &Incoming, name: &str) -> bool {
    !row.emails
        .iter()
        .any(|email| name_key(email.as_str()) == name)
}

/// Whether a row says nothing that identifies someone but a name: no email, no phone, no
/// organization. Such a row is the contact with that name at no organization, if the book or
/// the file has one; a row with an email or a phone of its own that matched nobody is someone
/// new, though a contact at no organization shares the name.
fn only_a_name(row: &Incoming) -> bool {
    row.emails.is_empty() && row.phones.is_empty() && row.organization.is_none()
}

/// The keys of a chunk's rows to ask the book about ([`Matching::key_lists`]).
#[derive(Debug, Default)]
struct KeyLists {
    /// Name keys of organizations not seen yet.
    organizations: Vec<String>,
    emails: Vec<String>,
    /// Each phone's `phone_match`, and whether it is a key.
    phones: Vec<(String, bool)>,
    /// Name keys of people at an organization, and of rows with only a name ([`only_a_name`]).
    names: Vec<String>,
    /// Whether they were narrowed by [`KnownKeys`]: lists gathered before the book's keys were
    /// read hold every key, but noted none.
    narrowed: bool,
}

impl Store {
    /// Imports the contacts `intake` reads; see the module documentation for the rules.
    pub async fn import_contacts(
        &self,
        actor: UserId,
        intake: Intake<'static>,
        options: &ImportOptions,
        now: Timestamp,
        today: Date,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            file: options.file.clone(),
            format: intake.format.to_string(),
            dry_run: options.dry_run,
            notices: intake.notices,
            ..ImportReport::default()
        };
        let mut tx = match self.backend {
            Backend::Sqlite => self.sqlite_import_write().await?,
            Backend::Postgres => self.write().await?,
        };
        let done = self
            .import_into(
                &mut tx,
                actor,
                intake.rows,
                options,
                (now, today),
                &mut report,
            )
            .await;
        let ended = if done.is_ok() && !options.dry_run {
            tx.commit().await
        } else {
            // A dry run rolls back here, as does a failed import.
            drop(tx);
            Ok(())
        };
        done?;
        ended?;
        Ok(report)
    }

    /// The import's write transaction on SQLite, on a writer connection set up for a large
    /// write, which is closed when the import ends — committed, rolled back or abandoned —
    /// instead of going back to the pool with these settings (the pool opens a fresh one):
    ///
    /// - a page cache of [`IMPORT_CACHE_KIB`], so the indexes new rows land in at random
    ///   places (names, emails, phones) stay in memory instead of being spilled to the WAL and
    ///   read back, and temporary storage (the sorts of the search rows' rewrite) in memory;
    /// - no foreign-key checks. Checked, every row looked its references up, and a multi-row
    ///   INSERT that may abort part-way keeps a statement journal (a copy of every page it
    ///   touches that the transaction wrote before) so that it alone can be undone; together
    ///   that was 40 % of SQLite's time writing the rows (docs/benchmarks.md). The import makes
    ///   every reference it writes itself — ids it hands out under the write lock, the owner it
    ///   checked, organizations and contacts it read in this transaction — as the bulk loader
    ///   does, and its tests check that none dangles. Its INSERTs are `OR FAIL`, which needs
    ///   no statement journal: a failing row fails the import, which rolls back whole.
    ///
    /// SQLite reads both settings when a transaction begins, hence before `BEGIN`.
    async fn sqlite_import_write(&self) -> Result<Write> {
        let mut conn = self.writers.acquire().await?;
        conn.close_on_drop();
        conn.execute(
            format!(
                "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA temp_store = MEMORY; \
                 PRAGMA foreign_keys = OFF"
            )
            .as_str(),
        )
        .await?;
        let tx = Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await?;
        Ok(Write { tx })
    }

    /// Everything an import writes, in `tx`, which the caller commits (or drops, for a dry
    /// run).
    async fn import_into(
        &self,
        tx: &mut Write,
        actor: UserId,
        rows: IntakeRows<'static>,
        options: &ImportOptions,
        (now, today): (Timestamp, Date),
        report: &mut ImportReport,
    ) -> Result<()> {
        if self.backend == Backend::Postgres {
            // Ids are handed out here; nobody else may take one until this commits. Taken
            // before the users' rows below: a hand-over locks its contact, then the new
            // owner's row, so the other order deadlocked with a hand-over to this owner.
            sqlx::query("LOCK TABLE organizations, contacts IN EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        // The actor's row and the owner's stay locked, taken in id order as `edit_user` takes
        // them: no role change or disabling lands mid-import, and none deadlocks with it.
        let owner = options.owner.unwrap_or(actor);
        let (of_actor, _) = lock_actor_and_user(tx, actor, owner).await?;
        let acting = audit::acting_with_standing(actor, of_actor)?;
        acting.may_add()?;
        if owner != actor {
            acting.may_administer("import into another user's book")?;
            ensure_owner(tx, owner).await?;
        }
        let (next_contact, next_organization): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM contacts), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM organizations)",
        )
        .fetch_one(&mut **tx)
        .await?;
        let first_new = next_contact;
        let row_indexing = match self.backend {
            Backend::Sqlite => Some(RowIndexing::suspend(tx).await?),
            Backend::Postgres => {
                defer_search_documents(tx).await?;
                None
            }
        };
        let matching = Matching {
            owner,
            backend: self.backend,
            defaults: load_defaults(tx).await?,
            now,
            today,
            next_contact,
            next_organization,
            organizations: HashMap::new(),
            keeps_known_keys: first_new - 1 <= KNOWN_KEYS_BOOK_LIMIT,
            known: None,
            in_flight: None,
            report: ImportReport::default(),
        };
        let mut writing = Writing {
            actor,
            acting,
            backend: self.backend,
            now,
            today,
            // The triggers with a conflict clause of their own are suspended on SQLite
            // (`RowIndexing`); `OR FAIL` keeps no statement journal there.
            statements: Statements::new(self.backend, OnConflict::Fail),
            row_indexing,
            changed: Vec::new(),
            gained: Vec::new(),
            report: ImportReport::default(),
        };
        let matching =
            match_and_write(tx, read_ahead(rows)?, matching, &mut writing, report).await?;
        report.absorb(matching.report);
        report.absorb(writing.report);
        // Rows are counted as they are read, matched and written: listed in the file's order.
        report.rejected.sort_by_key(|rejection| rejection.line);

        let last_new = matching.next_contact - 1;
        match writing.row_indexing {
            Some(row_indexing) => {
                row_indexing
                    .resume(tx, (first_new, last_new), writing.changed)
                    .await?;
            }
            None => refresh_search_documents(tx, (first_new, last_new), writing.changed).await?,
        }

        if last_new >= first_new {
            // The engine's answer at insert knew no competitor renewals; where an
            // organization has competitors, the normal path computes it again.
            let competitors: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM competitors p JOIN contacts c \
                   ON c.organization_id = p.organization_id WHERE c.id >= $1",
            )
            .bind(first_new)
            .fetch_one(&mut **tx)
            .await?;
            if competitors > 0 {
                let rules = load_scheduling_rules(tx).await?;
                reschedule_range(tx, &rules, first_new, last_new).await?;
            }
            move_sequences_past_ids(tx, self.backend, &["organizations", "contacts"]).await?;
        }
        let change = Change {
            action: AuditAction::Import,
            entity: AuditEntity::Contact,
            entity_id: None,
            contact: None,
            before: None,
            after: Some(json!({
                "file": report.file,
                "format": report.format,
                "owner": owner.0,
                "rows": report.rows,
                "imported": report.imported,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "empty": report.empty,
                "rejected": report.rejected.len(),
                "new_contact_ids": (last_new >= first_new).then_some([first_new, last_new]),
            })),
        };
        audit::record(tx, actor, now, change).await?;
        Ok(())
    }
}

/// What a stored contact holds of what a row may add to it ([`Import::update`]): read for a
/// chunk's matched contacts at once, so that a row that adds nothing — every row of a file
/// imported again — costs no reading of its contact whole.
#[derive(Debug)]
struct Held {
    owner: UserId,
    /// Title, source, organization, tier, stage, horizon, prospect kind and cadence: whether
    /// each is set.
    fields: [bool; 8],
    notes: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    tags: Vec<String>,
    /// Roles held now.
    roles: Vec<String>,
    /// The keys of its custom fields.
    custom_fields: Vec<String>,
}

impl Held {
    async fn read(
        conn: &mut AnyConnection,
        backend: Backend,
        ids: &[i64],
    ) -> Result<HashMap<i64, Held>> {
        let mut held: HashMap<i64, Held> = HashMap::new();
        if ids.is_empty() {
            return Ok(held);
        }
        let list = placeholders(backend, 1, ids.len());
        let sql = format!(
            "SELECT id, owner_id, notes, title, source, organization_id, tier, stage, horizon, \
                    prospect_kind, cadence \
             FROM contacts WHERE id IN ({list})"
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let set = |column: &str| rows::opt_text(&row, column).map(|v| v.is_some());
            let fields = [
                set("title")?,
                set("source")?,
                rows::opt_int(&row, "organization_id")?.is_some(),
                set("tier")?,
                set("stage")?,
                set("horizon")?,
                set("prospect_kind")?,
                set("cadence")?,
            ];
            held.insert(
                rows::int(&row, "id")?,
                Held {
                    owner: UserId(rows::int(&row, "owner_id")?),
                    notes: rows::opt_text(&row, "notes")?,
                    fields,
                    emails: Vec::new(),
                    phones: Vec::new(),
                    tags: Vec::new(),
                    roles: Vec::new(),
                    custom_fields: Vec::new(),
                },
            );
        }
        let lists: [(&str, HeldList); 5] = [
            (
                "SELECT contact_id, email FROM contact_emails WHERE contact_id IN",
                |h| &mut h.emails,
            ),
            (
                "SELECT contact_id, phone FROM contact_phones WHERE contact_id IN",
                |h| &mut h.phones,
            ),
            (
                "SELECT contact_id, tag FROM contact_tags WHERE contact_id IN",
                |h| &mut h.tags,
            ),
            (
                "SELECT contact_id, role FROM contact_roles WHERE until IS NULL AND contact_id IN",
                |h| &mut h.roles,
            ),
            (
                "SELECT contact_id, field_key FROM contact_fields WHERE contact_id IN",
                |h| &mut h.custom_fields,
            ),
        ];
        for (select, list_of) in lists {
            let sql = format!("{select} ({list})");
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            for (id, value) in query.fetch_all(&mut *conn).await? {
                if let Some(held) = held.get_mut(&id) {
                    list_of(held).push(value);
                }
            }
        }
        Ok(held)
    }

    /// Whether `row` would add nothing: [`Import::update`]'s test for a change, on what is
    /// held.
    fn holds_all(&self, row: &Incoming) -> bool {
        let offered = [
            row.title.is_some(),
            row.source.is_some(),
            row.organization.is_some(),
            row.tier.is_some(),
            row.stage.is_some(),
            row.horizon.is_some(),
            row.prospect_kind.is_some(),
            row.cadence.is_some(),
        ];
        let fills = offered
            .iter()
            .zip(self.fields)
            .any(|(offered, held)| *offered && !held);
        let notes = match (&self.notes, &row.notes) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(held), Some(notes)) => !held.contains(notes.as_str()),
        };
        !fills
            && !notes
            && holds_each(&self.emails, row.emails.iter().map(EmailAddress::as_str))
            && row.phones.iter().all(|phone| {
                self.phones
                    .iter()
                    .any(|held| same_number(held, phone.as_str()))
            })
            && holds_each(&self.tags, row.tags.iter().map(String::as_str))
            && holds_each(&self.roles, row.roles.iter().map(|r| r.as_str()))
            && holds_each(
                &self.custom_fields,
                row.fields.iter().map(|(key, _)| key.as_str()),
            )
    }
}

/// One of [`Held`]'s lists.
type HeldList = fn(&mut Held) -> &mut Vec<String>;

fn holds_each<'a>(held: &[String], mut offered: impl Iterator<Item = &'a str>) -> bool {
    offered.all(|value| held.iter().any(|h| h == value))
}

/// A key a row is matched by: an email, a phone's [`phone_match`], a name (key) at an
/// organization (its name's key), or a name at no organization.
#[derive(Debug, Clone, Copy, Hash)]
enum Key<'a> {
    Email(&'a str),
    Phone(&'a str),
    NameAt(&'a str, &'a str),
    NameAlone(&'a str),
}

/// The books whose keys an import of more than one chunk reads whole after its first
/// ([`KnownKeys`]): up to this many contacts before the import, read in well under a second.
/// In a larger book, or for a file of one chunk, every key is looked up.
const KNOWN_KEYS_BOOK_LIMIT: i64 = 50_000;

/// The keys an import expects a file to bring, besides the book's: the Bloom filter is sized
/// for them (about 4 MB with the book's) and grows less precise past them — more keys looked
/// up for nothing, never a key missed.
const KNOWN_KEYS_FROM_FILE: usize = 3_000_000;

/// Every key the book may hold (a Bloom filter): those it held after the import's first
/// chunk, and every key of every later row, noted as the row's chunk's keys are gathered
/// ([`Matching::key_lists`], in the file's order, before any later chunk's) — its name at no
/// organization too, looked up or not, as a row without one makes a contact with that key —,
/// and the names at organizations a chunk gave contacts (a row can give its own keys to the
/// book, and that name, never any other). Looking a key up in the book's
/// indexes was a fifth of a large import's time, though a new file's keys are nearly all
/// absent. A key the filter has not seen is certainly not in the book, so the lookups ask
/// only for the others (the file's repeats, and about 1% more); the answers are the same as
/// looking up every key.
#[derive(Debug)]
struct KnownKeys {
    /// A fixed seed: a file made to collide costs lookups, never a missed match.
    filter: BloomFilter<FixedState>,
}

impl KnownKeys {
    /// The book's keys, `contacts` contacts' worth.
    async fn of_book(conn: &mut AnyConnection, contacts: i64) -> Result<KnownKeys> {
        let book = usize::try_from(contacts).unwrap_or(0) * 3;
        let mut known = KnownKeys {
            filter: BloomFilter::with_false_pos(0.01)
                .hasher(FixedState::default())
                .expected_items(book + KNOWN_KEYS_FROM_FILE),
        };
        for email in sqlx::query_scalar::<_, String>("SELECT email FROM contact_emails")
            .fetch_all(&mut *conn)
            .await?
        {
            known.note(Key::Email(&email));
        }
        for phone in
            sqlx::query_scalar::<_, String>("SELECT COALESCE(phone_key, phone) FROM contact_phones")
                .fetch_all(&mut *conn)
                .await?
        {
            known.note(Key::Phone(&phone));
        }
        for (name, organization) in sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT c.name_key, o.name_key FROM contacts c \
             LEFT JOIN organizations o ON o.id = c.organization_id",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            match organization {
                Some(organization) => known.note(Key::NameAt(&name, &organization)),
                None => known.note(Key::NameAlone(&name)),
            };
        }
        Ok(known)
    }

    /// Notes a key the book holds or may soon hold; whether it may have held it already.
    fn note(&mut self, key: Key<'_>) -> bool {
        self.filter.insert(&key)
    }
}

/// What the reading thread hands over: up to [`CHUNK`] contacts, and what it counted on the
/// way to them.
#[derive(Default)]
struct ReadChunk {
    contacts: Vec<Incoming>,
    rows: u64,
    empty: u64,
    rejected: Vec<Rejection>,
    /// The file's end: nothing follows.
    last: bool,
}

/// Reads and validates `rows` on a thread of their own, a chunk ahead, so parsing the next
/// chunk overlaps with writing this one (SQLite works on sqlx's thread meanwhile). A file that
/// cannot be read further ends with the error; a chunk marked `last` ends a file read whole,
/// so a reader that stopped any other way is told apart from the file's end.
fn read_ahead(
    rows: IntakeRows<'static>,
) -> std::result::Result<mpsc::Receiver<std::result::Result<ReadChunk, IntakeError>>, IntakeError> {
    let (sender, receiver) = mpsc::channel(1);
    std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || {
            let fresh_chunk = || ReadChunk {
                contacts: Vec::with_capacity(CHUNK),
                ..ReadChunk::default()
            };
            let mut chunk = fresh_chunk();
            for row in rows {
                chunk.rows += 1;
                match row {
                    Err(error) => {
                        // Nobody left to tell if the import already ended.
                        let _ = sender.blocking_send(Err(error));
                        return;
                    }
                    Ok(Row::Empty { .. }) => chunk.empty += 1,
                    Ok(Row::Rejected(rejection)) => chunk.rejected.push(rejection),
                    Ok(Row::Contact(contact)) => {
                        chunk.contacts.push(*contact);
                        if chunk.contacts.len() == CHUNK
                            && sender
                                .blocking_send(Ok(std::mem::replace(&mut chunk, fresh_chunk())))
                                .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            chunk.last = true;
            let _ = sender.blocking_send(Ok(chunk));
        })?;
    Ok(receiver)
}

/// What [`owners_of`] looks keys up by.
#[derive(Debug, Clone, Copy)]
enum KeyColumn {
    Email,
    PhoneKey,
    /// A number too short to have a key, as written.
    ShortPhone,
}

impl KeyColumn {
    /// The table, the column, and what narrows the rows to those the column's index holds.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            KeyColumn::Email => ("contact_emails", "email", ""),
            KeyColumn::PhoneKey => ("contact_phones", "phone_key", ""),
            // Migration 0019's partial index.
            KeyColumn::ShortPhone => ("contact_phones", "phone", " AND phone_key IS NULL"),
        }
    }
}

/// The ids the book gives `keys`: key → contact, the lowest id if shared.
async fn owners_of(
    conn: &mut AnyConnection,
    backend: Backend,
    by: KeyColumn,
    keys: &[impl AsRef<str>],
) -> Result<HashMap<String, i64>> {
    let mut owners = HashMap::new();
    if keys.is_empty() {
        return Ok(owners);
    }
    let (table, column, narrowed) = by.sql();
    let sql = format!(
        "SELECT {column} AS k, MIN(contact_id) AS id FROM {table} \
         WHERE {column} IN ({}){narrowed} GROUP BY {column}",
        placeholders(backend, 1, keys.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
    for key in keys {
        query = query.bind(key.as_ref());
    }
    owners.extend(query.fetch_all(&mut *conn).await?);
    Ok(owners)
}

/// The contacts the book gives phone `keys` (by `PhoneKey` or `ShortPhone`), with their name
/// keys: each name's lowest id, in one query.
async fn phone_owners(
    conn: &mut AnyConnection,
    backend: Backend,
    by: KeyColumn,
    keys: &[&str],
    owners: &mut HashMap<String, PhoneOwners<i64>>,
) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let (table, column, narrowed) = by.sql();
    let sql = format!(
        "SELECT p.{column}, c.name_key, MIN(p.contact_id) FROM {table} p \
         JOIN contacts c ON c.id = p.contact_id \
         WHERE p.{column} IN ({}){narrowed} GROUP BY p.{column}, c.name_key",
        placeholders(backend, 1, keys.len())
    );
    let mut query = sqlx::query_as::<_, (String, String, i64)>(&sql);
    for key in keys {
        query = query.bind(*key);
    }
    for (key, name, id) in query.fetch_all(&mut *conn).await? {
        match owners.get_mut(&key) {
            Some(held) => held.add(name, id),
            None => {
                owners.insert(key, PhoneOwners::one(name, id));
            }
        }
    }
    Ok(())
}

/// Matches and writes the chunks `read_ahead` hands over, counting what the reader counted
/// into `report`; gives the matching back for its ids and counts.
///
/// A chunk is matched while the chunk before it is written: the book's lookups for it are made
/// first (the connection runs one statement at a time), then its rows are matched on a
/// blocking thread while the chunk before goes in — one after the other, matching left
/// SQLite's thread idle for a tenth of a large import. That thread also gathers the keys of
/// the chunk after, if the reader has it ready ([`KeyLists`]), which SQLite's thread otherwise
/// waited for. The chunk being written is not in the book's indexes yet, so its new contacts
/// are matched from memory ([`Matching::in_flight`]), as the book would match them once it
/// holds them. A chunk whose updates may change the book's answers for the next
/// ([`may_change_matches`]), and the first chunk when the book's keys are read after it, are
/// written before the next chunk is looked up.
async fn match_and_write(
    conn: &mut AnyConnection,
    mut chunks: mpsc::Receiver<std::result::Result<ReadChunk, IntakeError>>,
    mut matching: Matching,
    writing: &mut Writing,
    report: &mut ImportReport,
) -> Result<Matching> {
    let mut behind: Option<Planned> = None;
    // The next chunk, taken from the reader while this one was matched, and its keys if they
    // are still the ones to look up.
    let mut ahead: Option<(ReadChunk, Option<KeyLists>)> = None;
    loop {
        let (read, mut lists) = match ahead.take() {
            Some(ahead) => ahead,
            None => (
                chunks.recv().await.ok_or_else(|| {
                    StoreError::Invalid("the import stopped reading the file part-way".into())
                })??,
                None,
            ),
        };
        report.rows += read.rows;
        report.empty += read.empty;
        report.rejected.extend(read.rejected);
        // A file of more than one chunk: from the second on, only keys the book may hold are
        // looked up; the book read once the first chunk is in holds its keys too.
        let reads_known_keys =
            matching.keeps_known_keys && matching.known.is_none() && behind.is_some();
        if let Some(previous) = behind.take_if(|previous| {
            reads_known_keys || may_change_matches(&previous.updates, &read.contacts)
        }) {
            if writing.write(conn, previous, &mut matching).await? {
                lists = None;
            }
            matching.in_flight = None;
        }
        if reads_known_keys {
            let contacts = matching.next_contact - 1;
            matching.known = Some(KnownKeys::of_book(conn, contacts).await?);
        }
        let lists = lists
            .filter(|lists| lists.narrowed == matching.known.is_some())
            .unwrap_or_else(|| matching.key_lists(&read.contacts));
        let found = matching.look_up(conn, lists).await?;
        let last = read.last;
        let planned = match behind.take() {
            None => matching.plan(read.contacts, &found),
            Some(previous) => {
                // Only a chunk the reader has finished: waiting for one would keep SQLite
                // waiting too.
                let next = if last { None } else { chunks.try_recv().ok() };
                let matched = tokio::task::spawn_blocking(move || {
                    let planned = matching.plan(read.contacts, &found);
                    let next = next.map(|next| {
                        next.map(|chunk| {
                            let lists = matching.key_lists(&chunk.contacts);
                            (chunk, lists)
                        })
                    });
                    (matching, planned, next)
                });
                let written = writing.write_aside(conn, previous).await;
                let next;
                let planned;
                (matching, planned, next) = matched
                    .await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                written?;
                // The chunk just written gave the book keys after the next chunk's were
                // gathered: they are gathered again, and as every one of them has been noted
                // by then, the next chunk looks every key up.
                let gained = writing.hand_over_gained(&mut matching);
                ahead = next
                    .transpose()?
                    .map(|(chunk, lists)| (chunk, Some(lists).filter(|_| !gained)));
                planned
            }
        };
        behind = Some(planned);
        if last {
            break;
        }
    }
    if let Some(last) = behind {
        writing.write(conn, last, &mut matching).await?;
    }
    Ok(matching)
}

/// Whether adding `updates`' rows to their contacts may change what the book answers for
/// `rows`: they share an email or a phone, or an organization (an update can give a contact
/// the organization, and so a name there), or an update gives an organization and a row has
/// only a name (the contact it gives one leaves those at no organization). Otherwise `rows`
/// can be looked up before the updates are written.
fn may_change_matches(updates: &[(i64, Incoming)], rows: &[Incoming]) -> bool {
    if updates.is_empty() {
        return false;
    }
    if updates.iter().any(|(_, row)| row.organization.is_some()) && rows.iter().any(only_a_name) {
        return true;
    }
    let mut emails: HashSet<&str> = HashSet::new();
    let mut phones: HashSet<String> = HashSet::new();
    let mut organizations: HashSet<String> = HashSet::new();
    for (_, row) in updates {
        emails.extend(row.emails.iter().map(EmailAddress::as_str));
        phones.extend(row.phones.iter().map(|p| phone_match(p.as_str())));
        organizations.extend(row.organization.as_deref().map(name_key));
    }
    // The sets are a few updates' keys; the rows a chunk: no row's key is made for nothing.
    rows.iter().any(|row| {
        row.emails.iter().any(|e| emails.contains(e.as_str()))
            || (!phones.is_empty()
                && row
                    .phones
                    .iter()
                    .any(|p| phones.contains(&phone_match(p.as_str()))))
            || (!organizations.is_empty()
                && row
                    .organization
                    .as_deref()
                    .is_some_and(|o| organizations.contains(&name_key(o))))
    })
}

impl Matching {
    /// The keys of a chunk's rows worth looking up ([`Matching::worth_looking_up`]), noting
    /// them as it goes, and its organizations not seen yet.
    fn key_lists(&mut self, rows: &[Incoming]) -> KeyLists {
        let mut lists = KeyLists {
            narrowed: self.known.is_some(),
            ..KeyLists::default()
        };
        for row in rows {
            for email in &row.emails {
                if self.worth_looking_up(Key::Email(email.as_str())) {
                    lists.emails.push(email.as_str().to_owned());
                }
            }
            for phone in &row.phones {
                let key = phone.key();
                let keyed = key.is_some();
                let key = key.unwrap_or_else(|| phone.to_string());
                if self.worth_looking_up(Key::Phone(&key)) {
                    lists.phones.push((key, keyed));
                }
            }
            match &row.organization {
                Some(organization) => {
                    let organization = name_key(organization);
                    let name = name_key(&row.name);
                    if self.worth_looking_up(Key::NameAt(&name, &organization)) {
                        lists.names.push(name);
                    }
                    if !self.organizations.contains_key(&organization) {
                        lists.organizations.push(organization);
                    }
                }
                None if only_a_name(row) => {
                    let name = name_key(&row.name);
                    if self.worth_looking_up(Key::NameAlone(&name)) {
                        lists.names.push(name);
                    }
                }
                None => {
                    // Looked up by its email or phone, it may still make a contact at no
                    // organization that a later row with only its name is.
                    if let Some(known) = &mut self.known {
                        known.note(Key::NameAlone(&name_key(&row.name)));
                    }
                }
            }
        }
        lists
    }

    /// What the book holds of a chunk's keys (emails, phones, names at organizations), and the
    /// ids of the chunk's organizations not seen yet.
    async fn look_up(&mut self, conn: &mut AnyConnection, lists: KeyLists) -> Result<KeyOwners> {
        let KeyLists {
            organizations,
            emails,
            phones,
            names,
            narrowed: _,
        } = lists;
        self.read_organizations(conn, organizations).await?;
        Ok(KeyOwners {
            emails: owners_of(conn, self.backend, KeyColumn::Email, &emails).await?,
            phones: {
                // Keys never equal a short number as written (see `phone_match`): one map.
                let of = |keyed: bool| -> Vec<&str> {
                    phones
                        .iter()
                        .filter(|(_, k)| *k == keyed)
                        .map(|(key, _)| key.as_str())
                        .collect()
                };
                let mut owners = HashMap::new();
                for (by, keyed) in [(KeyColumn::PhoneKey, true), (KeyColumn::ShortPhone, false)] {
                    phone_owners(conn, self.backend, by, &of(keyed), &mut owners).await?;
                }
                owners
            },
            names: self.names_at_organizations(conn, names).await?,
        })
    }

    /// Matches a chunk's rows to the contacts the book holds (`found`), to those of the chunk
    /// in flight, and to each other.
    fn plan(&mut self, rows: Vec<Incoming>, found: &KeyOwners) -> Planned {
        let in_flight = self.in_flight.take().unwrap_or_default();
        let written = |key: &dyn Fn(&KeyOwners) -> Option<i64>| {
            key(found).or_else(|| key(&in_flight)).map(Match::Stored)
        };
        let mut fresh: Vec<BulkContact> = Vec::with_capacity(rows.len());
        let mut fresh_organizations: Vec<BulkOrganization> = Vec::new();
        // This chunk's new contacts by key, so a person twice in it is one contact.
        let mut new_emails: HashMap<String, usize> = HashMap::new();
        let mut new_phones: HashMap<String, PhoneOwners<usize>> = HashMap::new();
        let mut new_names: HashMap<(String, i64), usize> = HashMap::new();
        // Those at no organization by name key, in the order they were made: the first is the
        // one a row with only that name is, until it is given an organization.
        let mut new_alone: HashMap<String, Vec<usize>> = HashMap::new();
        let mut updates: Vec<(i64, Incoming)> = Vec::new();

        for row in rows {
            let organization = row
                .organization
                .as_deref()
                .map(|name| self.organization(name, &mut fresh_organizations));
            let name = (name_key(&row.name), organization.unwrap_or(0));
            let email_matches: Vec<Match> = {
                let mut matches = Vec::new();
                for email in &row.emails {
                    let hit = written(&|owners| owners.emails.get(email.as_str()).copied())
                        .or_else(|| new_emails.get(email.as_str()).map(|i| Match::New(*i)));
                    if let Some(hit) = hit.filter(|h| !matches.contains(h)) {
                        matches.push(hit);
                    }
                }
                matches
            };
            if email_matches.len() > 1 {
                let who: Vec<String> = email_matches.iter().map(|m| describe(*m)).collect();
                self.report.rejected.push(Rejection {
                    line: row.line,
                    column: None,
                    reason: format!(
                        "its emails belong to different contacts ({}); merge them first",
                        who.join(", ")
                    ),
                });
                continue;
            }
            let matched = email_matches.first().copied().or_else(|| {
                if row.phones.is_empty() {
                    return None;
                }
                // By a phone, only the contact with the row's name, unless the row has none.
                let own = own_name(&row, &name.0).then_some(name.0.as_str());
                row.phones
                    .iter()
                    .map(|phone| phone_match(phone.as_str()))
                    .find_map(|key| {
                        written(&|owners| owners.phones.get(&key)?.owner(own)).or_else(|| {
                            let index = new_phones.get(&key)?.owner(own)?;
                            Some(Match::New(index))
                        })
                    })
            });
            let matched = matched.or_else(|| {
                if organization.is_some() {
                    written(&|owners| owners.names.get(&name).copied())
                        .or_else(|| new_names.get(&name).map(|i| Match::New(*i)))
                } else if only_a_name(&row) {
                    written(&|owners| owners.names.get(&name).copied()).or_else(|| {
                        let first = new_alone.get(&name.0)?.first()?;
                        Some(Match::New(*first))
                    })
                } else {
                    None
                }
            });
            match matched {
                Some(Match::Stored(id)) => updates.push((id, row)),
                Some(Match::New(index)) => {
                    let contact = &mut fresh[index];
                    // Met by email or phone, at an organization it had none at: from now on
                    // its own name there is one of its keys too.
                    let gained = match (contact.organization, organization, &row.organization) {
                        (None, Some(id), Some(organization)) => Some((id, name_key(organization))),
                        _ => None,
                    };
                    if merge_into_new(contact, row, organization) {
                        self.report.updated += 1;
                    } else {
                        self.report.unchanged += 1;
                    }
                    if let Some((id, organization)) = gained {
                        let name = name_key(&contact.name);
                        if let Some(known) = &mut self.known {
                            known.note(Key::NameAt(&name, &organization));
                        }
                        if let Some(alone) = new_alone.get_mut(&name) {
                            alone.retain(|other| *other != index);
                        }
                        new_names.entry((name, id)).or_insert(index);
                    }
                    register(contact, index, &mut new_emails, &mut new_phones);
                }
                None => {
                    let index = fresh.len();
                    if organization.is_some() {
                        new_names.insert(name, index);
                    } else {
                        new_alone.entry(name.0).or_default().push(index);
                    }
                    let contact = self.new_contact(row, organization);
                    register(&contact, index, &mut new_emails, &mut new_phones);
                    fresh.push(contact);
                    self.report.imported += 1;
                }
            }
        }

        let id_of = |index: usize| fresh[index].id.0;
        let mut names: HashMap<(String, i64), i64> =
            new_names.into_iter().map(|(k, i)| (k, id_of(i))).collect();
        names.extend(
            new_alone
                .into_iter()
                .filter_map(|(name, alone)| Some(((name, 0), id_of(*alone.first()?)))),
        );
        self.in_flight = Some(KeyOwners {
            emails: new_emails.into_iter().map(|(k, i)| (k, id_of(i))).collect(),
            phones: new_phones
                .into_iter()
                .map(|(k, owners)| (k, owners.map(id_of)))
                .collect(),
            names,
        });
        let mut rows = vec![BulkRows::organizations(&fresh_organizations)];
        rows.extend(BulkRows::contacts(&self.defaults, &fresh));
        Planned {
            contacts: fresh,
            rows,
            updates,
        }
    }

    /// Reads the ids of the organizations not seen yet, by name key, that the book holds.
    async fn read_organizations(
        &mut self,
        conn: &mut AnyConnection,
        mut unseen: Vec<String>,
    ) -> Result<()> {
        unseen.sort_unstable();
        unseen.dedup();
        if unseen.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT name_key, id FROM organizations WHERE name_key IN ({})",
            placeholders(self.backend, 1, unseen.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for key in &unseen {
            query = query.bind(key.as_str());
        }
        self.organizations
            .extend(query.fetch_all(&mut *conn).await?);
        Ok(())
    }

    /// The book's contacts with the chunk's names, by (name key, organization id), the lowest
    /// id of each; and, as organization 0, the lowest of those at no organization in the
    /// owner's book (a name alone is too little to find someone in a colleague's).
    async fn names_at_organizations(
        &self,
        conn: &mut AnyConnection,
        mut names: Vec<String>,
    ) -> Result<HashMap<(String, i64), i64>> {
        names.sort_unstable();
        names.dedup();
        let mut found = HashMap::new();
        if names.is_empty() {
            return Ok(found);
        }
        let sql = format!(
            "SELECT name_key, COALESCE(organization_id, 0), MIN(id) FROM contacts \
             WHERE name_key IN ({}) AND (organization_id IS NOT NULL OR owner_id = {}) \
               AND merged_into IS NULL \
             GROUP BY name_key, organization_id",
            placeholders(self.backend, 1, names.len()),
            placeholders(self.backend, names.len() + 1, 1)
        );
        let mut query = sqlx::query_as::<_, (String, i64, i64)>(&sql);
        for name in &names {
            query = query.bind(name.as_str());
        }
        query = query.bind(self.owner.0);
        for (name, organization, id) in query.fetch_all(&mut *conn).await? {
            found.insert((name, organization), id);
        }
        Ok(found)
    }

    /// Whether the book may hold `key` already (always, unless the import keeps
    /// [`KnownKeys`]), so it is worth looking up; notes it, as a row of this chunk may give
    /// it to the book.
    fn worth_looking_up(&mut self, key: Key<'_>) -> bool {
        self.known.as_mut().is_none_or(|known| known.note(key))
    }

    /// The organization's id, made up (and queued for insertion) if it is new.
    fn organization(&mut self, name: &str, fresh: &mut Vec<BulkOrganization>) -> i64 {
        let key = name_key(name);
        if let Some(id) = self.organizations.get(&key) {
            return *id;
        }
        let id = self.next_organization;
        self.next_organization += 1;
        fresh.push(BulkOrganization {
            id: OrganizationId(id),
            owner: self.owner,
            name: name.trim().to_owned(),
            domain: None,
            tier: None,
            created_at: self.now,
        });
        self.organizations.insert(key, id);
        id
    }

    fn new_contact(&mut self, row: Incoming, organization: Option<i64>) -> BulkContact {
        let id = ContactId(self.next_contact);
        self.next_contact += 1;
        self.report.notices.extend(
            row.notices
                .iter()
                .map(|n| format!("line {}: {n}", row.line)),
        );
        BulkContact {
            id,
            owner: self.owner,
            name: row.name,
            title: row.title,
            organization: organization.map(OrganizationId),
            notes: row.notes,
            source: row.source,
            tier: row.tier,
            stage: row.stage,
            horizon: row.horizon,
            prospect_kind: row.prospect_kind,
            cadence: row.cadence,
            emails: row.emails,
            // A row may give one number twice, written two ways (two columns).
            phones: missing_phones::<&str, _>(&[], row.phones),
            tags: row.tags,
            roles: row.roles,
            fields: row.fields,
            added_on: self.today,
            created_at: self.now,
            last_touch: None,
            hold: None,
            earliest_follow_up: None,
            archived_at: None,
        }
    }
}

fn describe(found: Match) -> String {
    match found {
        Match::Stored(id) => format!("#{id}"),
        Match::New(_) => "a contact earlier in this file".to_owned(),
    }
}

impl Writing {
    /// Writes a matched chunk, and notes in `matching` the keys it gave the book; whether
    /// there were any ([`Writing::hand_over_gained`]).
    async fn write(
        &mut self,
        conn: &mut AnyConnection,
        planned: Planned,
        matching: &mut Matching,
    ) -> Result<bool> {
        self.write_aside(conn, planned).await?;
        Ok(self.hand_over_gained(matching))
    }

    /// Notes in `matching`'s [`KnownKeys`] the names at organizations the chunks written gave
    /// contacts that had none: the only keys a chunk gives the book that its rows do not name.
    /// Whether it noted any: key lists gathered before may lack them.
    fn hand_over_gained(&mut self, matching: &mut Matching) -> bool {
        let Some(known) = &mut matching.known else {
            self.gained.clear();
            return false;
        };
        let gained = !self.gained.is_empty();
        for (name, organization) in self.gained.drain(..) {
            known.note(Key::NameAt(&name, &organization));
        }
        gained
    }

    /// Writes a matched chunk while the next is matched: its new organizations and contacts,
    /// then what its other rows add to contacts already written.
    async fn write_aside(&mut self, conn: &mut AnyConnection, planned: Planned) -> Result<()> {
        for rows in planned.rows.iter().filter(|rows| !rows.is_empty()) {
            insert_rows(conn, &mut self.statements, rows).await?;
        }
        if let Some(row_indexing) = &mut self.row_indexing {
            row_indexing.note_names(conn, &planned.contacts).await?;
        }
        for contact in planned.contacts.iter().filter(|c| c.stage.is_some()) {
            let stage = StageMove {
                from: None,
                to: contact.stage,
                on: self.today,
                reason: Some("imported"),
            };
            record_stage(conn, self.actor, contact.id, stage, self.now).await?;
        }
        let Planned {
            contacts,
            rows,
            updates,
        } = planned;
        // Freeing a chunk's thousands of strings took this thread as long as SQLite's next
        // statements wait for it: another thread frees them.
        tokio::task::spawn_blocking(move || drop((contacts, rows)));
        let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
        let held = Held::read(conn, self.backend, &ids).await?;
        for (id, row) in updates {
            // Read before this chunk's updates, but a contact only gains from them: if it held
            // all the row says then, it still does.
            let unchanged = held.get(&id).is_some_and(|held| {
                self.acting.may_change_contact(held.owner).is_ok() && held.holds_all(&row)
            });
            if unchanged {
                self.report.unchanged += 1;
            } else {
                self.update(conn, ContactId(id), row).await?;
            }
        }
        Ok(())
    }

    /// Adds what the row says and the stored contact lacks, through the normal edit path.
    async fn update(
        &mut self,
        conn: &mut AnyConnection,
        id: ContactId,
        row: Incoming,
    ) -> Result<()> {
        let current = load_contact(conn, id).await?;
        if self.acting.may_change_contact(current.owner).is_err() {
            self.report.rejected.push(Rejection {
                line: row.line,
                column: None,
                reason: format!(
                    "it is {} (#{id}), whose owner or an admin may change it, not you",
                    current.name
                ),
            });
            return Ok(());
        }
        let mut patch = ContactPatch::default();
        let mut changes = false;
        let mut fill = |slot: &Option<String>, value: Option<String>| -> Option<Option<String>> {
            let value = value.filter(|_| slot.is_none())?;
            changes = true;
            Some(Some(value))
        };
        patch.title = fill(&current.title, row.title);
        patch.source = fill(&current.source, row.source);
        let organization = current.organization.as_ref().map(|o| o.name.clone());
        patch.organization = fill(&organization, row.organization);
        patch.notes = match (&current.notes, row.notes) {
            (None, Some(notes)) => Some(Some(notes)),
            (Some(held), Some(notes)) if !held.contains(notes.as_str()) => {
                Some(Some(format!("{held}\n\n{notes}")))
            }
            _ => None,
        };
        changes |= patch.notes.is_some();
        if current.tier.is_none() && row.tier.is_some() {
            patch.tier = Some(row.tier);
        }
        if current.stage.is_none() && row.stage.is_some() {
            patch.stage = Some(row.stage);
            patch.stage_reason = Some("imported".into());
        }
        if current.horizon.is_none() && row.horizon.is_some() {
            patch.horizon = Some(row.horizon);
        }
        if current.prospect_kind.is_none() && row.prospect_kind.is_some() {
            patch.prospect_kind = Some(row.prospect_kind);
        }
        if current.cadence.is_none() && row.cadence.is_some() {
            patch.cadence = Some(row.cadence);
        }
        let active = current.active_roles();
        patch.add_emails = missing(&current.emails, row.emails);
        // An earlier row of this chunk may have given one of them to someone else since the
        // chunk's lookup.
        let offered: Vec<&str> = patch.add_emails.iter().map(EmailAddress::as_str).collect();
        let taken = owners_of(conn, self.backend, KeyColumn::Email, &offered).await?;
        if let Some((email, owner)) = taken.iter().find(|(_, owner)| **owner != id.0) {
            self.report.rejected.push(Rejection {
                line: row.line,
                column: None,
                reason: format!(
                    "it matches {} (#{id}), but its email {email} belongs to #{owner}; merge them first",
                    current.name
                ),
            });
            return Ok(());
        }
        patch.add_phones = missing_phones(&current.phones, row.phones);
        patch.add_tags = missing(&current.tags, row.tags);
        patch.add_roles = missing(&active, row.roles);
        // A field the contact has keeps its value: the file only fills what is empty.
        patch.set_fields = row
            .fields
            .into_iter()
            .filter(|(key, _)| !current.fields.contains_key(key))
            .collect();
        changes |= patch.tier.is_some()
            || patch.stage.is_some()
            || patch.horizon.is_some()
            || patch.prospect_kind.is_some()
            || patch.cadence.is_some()
            || !patch.add_emails.is_empty()
            || !patch.add_phones.is_empty()
            || !patch.add_tags.is_empty()
            || !patch.add_roles.is_empty()
            || !patch.set_fields.is_empty();
        if changes {
            if let Some(Some(organization)) = &patch.organization {
                self.gained
                    .push((name_key(&current.name), name_key(organization)));
            }
            patch_contact(conn, self.actor, id, patch, self.now, self.today).await?;
            self.changed.push(id.0);
            self.report.updated += 1;
        } else {
            self.report.unchanged += 1;
        }
        Ok(())
    }
}

/// PostgreSQL's search documents (`contact_text`) are refreshed by a trigger per contact and
/// again per email; for an import's transaction alone, the trigger leaves them to the import
/// (migration 0017), which refreshes them all before it commits
/// ([`refresh_search_documents`]).
async fn defer_search_documents(conn: &mut AnyConnection) -> Result<()> {
    conn.execute("SET LOCAL rapport.deferred_search = 'on'")
        .await?;
    Ok(())
}

/// The search documents of the contacts made (ids `first..=last`), in one statement, and of
/// the stored contacts the import changed; then the trigger is back for the rest of the
/// transaction.
async fn refresh_search_documents(
    conn: &mut AnyConnection,
    (first, last): (i64, i64),
    mut changed: Vec<i64>,
) -> Result<()> {
    if last >= first {
        sqlx::query("SELECT contact_text_refresh_range($1, $2)")
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await?;
    }
    changed.retain(|id| *id < first);
    changed.sort_unstable();
    changed.dedup();
    for id in changed {
        sqlx::query("SELECT contact_text_refresh($1)")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    conn.execute("SET LOCAL rapport.deferred_search = 'off'")
        .await?;
    Ok(())
}

/// SQLite's row-by-row search indexing, suspended for an import (see the module
/// documentation).
struct RowIndexing {
    /// The dropped triggers' own `CREATE TRIGGER` statements.
    triggers: Vec<String>,
    /// The pieces of names (between spaces) already given to the name inbox.
    name_pieces: HashSet<String>,
}

impl RowIndexing {
    async fn suspend(conn: &mut AnyConnection) -> Result<RowIndexing> {
        let sql = format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({})",
            placeholders(Backend::Sqlite, 1, ROW_INDEXING_TRIGGERS.len())
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for name in ROW_INDEXING_TRIGGERS {
            query = query.bind(*name);
        }
        let found = query.fetch_all(&mut *conn).await?;
        let mut triggers = Vec::with_capacity(found.len());
        for (name, definition) in found {
            // The names are this module's constants, read back from the catalogue.
            conn.execute(format!("DROP TRIGGER {name}").as_str())
                .await?;
            triggers.push(definition);
        }
        Ok(RowIndexing {
            triggers,
            name_pieces: HashSet::new(),
        })
    }

    /// Gives the words of `contacts`' names to the typo pass's inbox (migration 0016), as its
    /// suspended trigger would, but once per distinct piece of a name rather than once per
    /// contact: the pieces this import has not given yet, in one row. FTS5 splits that row
    /// into the same words as the names themselves, since no word spans a space.
    async fn note_names(
        &mut self,
        conn: &mut AnyConnection,
        contacts: &[BulkContact],
    ) -> Result<()> {
        let mut unseen = String::new();
        for piece in contacts.iter().flat_map(|c| c.name.split_whitespace()) {
            if !self.name_pieces.contains(piece) {
                self.name_pieces.insert(piece.to_owned());
                unseen.push_str(piece);
                unseen.push(' ');
            }
        }
        if !unseen.is_empty() {
            sqlx::query("INSERT INTO search_name_inbox (name) VALUES (?)")
                .bind(unseen)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Writes the search rows of the contacts made (ids `first..=last`) in one statement and
    /// rewrites those of the stored contacts the import changed, moves the inbox's name words
    /// into their table, then recreates the triggers.
    async fn resume(
        self,
        conn: &mut AnyConnection,
        (first, last): (i64, i64),
        mut changed: Vec<i64>,
    ) -> Result<()> {
        set_automerge(conn, IMPORT_AUTOMERGE).await?;
        let mut start = first;
        while start <= last {
            let end = last.min(start + SEARCH_ROWS_PER_STATEMENT - 1);
            sqlx::query(&format!("{SEARCH_ROWS} WHERE c.id BETWEEN ? AND ?"))
                .bind(start)
                .bind(end)
                .execute(&mut *conn)
                .await?;
            start = end + 1;
        }
        set_automerge(conn, DEFAULT_AUTOMERGE).await?;
        // New contacts a later row changed were written whole just now.
        changed.retain(|id| *id < first);
        changed.sort_unstable();
        changed.dedup();
        for ids in changed.chunks(CHUNK) {
            let list = placeholders(Backend::Sqlite, 1, ids.len());
            let delete = format!("DELETE FROM contact_text WHERE rowid IN ({list})");
            let insert = format!("{SEARCH_ROWS} WHERE c.id IN ({list})");
            for sql in [delete, insert] {
                let mut query = sqlx::query(&sql);
                for id in ids {
                    query = query.bind(*id);
                }
                query.execute(&mut *conn).await?;
            }
        }
        // What migration 0016's `search_name_inbox_gather` does every 512th contact.
        conn.execute(
            "INSERT OR IGNORE INTO search_name_words (word) \
               SELECT term FROM search_name_inbox_terms; \
             INSERT INTO search_name_inbox (search_name_inbox) VALUES ('delete-all')",
        )
        .await?;
        for definition in &self.triggers {
            conn.execute(definition.as_str()).await?;
        }
        Ok(())
    }
}

/// FTS5's `automerge` while an import writes its contacts' search rows: how many segments of
/// a size gather before they are merged into one. FTS5's default (4) merged the same postings
/// again and again, a quarter of the search rows' time.
const IMPORT_AUTOMERGE: i64 = 16;

/// FTS5's own `automerge`, put back before the import commits: it is stored with the index.
const DEFAULT_AUTOMERGE: i64 = 4;

async fn set_automerge(conn: &mut AnyConnection, segments: i64) -> Result<()> {
    sqlx::query("INSERT INTO contact_text (contact_text, rank) VALUES ('automerge', ?)")
        .bind(segments)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many new contacts' search rows one statement writes. As fast as one statement for the
/// whole file, which held a quarter more memory at its peak (docs/benchmarks.md).
const SEARCH_ROWS_PER_STATEMENT: i64 = 5_000;

/// The search rows of contacts, as the suspended triggers write them: name, organization's
/// name, emails and notes. Completed by a `WHERE` on `c.id`.
const SEARCH_ROWS: &str = "INSERT INTO contact_text (rowid, name, organization, emails, notes) \
     SELECT c.id, c.name, o.name, \
            (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), \
            c.notes \
     FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id";

fn missing<T: PartialEq>(held: &[T], offered: Vec<T>) -> Vec<T> {
    offered.into_iter().filter(|v| !held.contains(v)).collect()
}

/// The numbers of `offered` that neither `held` nor an earlier one of `offered` is, each as
/// the file writes it.
fn missing_phones<H: AsRef<str>, P: AsRef<str>>(held: &[H], offered: Vec<P>) -> Vec<P> {
    let mut added: Vec<P> = Vec::new();
    for phone in offered {
        let phone_text = phone.as_ref();
        let known = |h: &str| same_number(h, phone_text);
        if !held
            .iter()
            .map(AsRef::as_ref)
            .chain(added.iter().map(AsRef::as_ref))
            .any(known)
        {
            added.push(phone);
        }
    }
    added
}

/// What a phone is matched by: its [`phone_key`], or, for a number too short to have one, the
/// phone as written. The two never meet: a key is seven to nine ASCII digits and nothing
/// else, and a phone without one has fewer than seven digits.
fn phone_match(phone: &str) -> String {
    phone_key(phone).unwrap_or_else(|| phone.to_owned())
}

/// Adds a row to a contact new in this chunk, at `organization` (the row's); whether it added
/// anything. Like [`Import::update`] for a stored contact: what the contact lacks, nothing it
/// holds.
fn merge_into_new(contact: &mut BulkContact, row: Incoming, organization: Option<i64>) -> bool {
    let before = (
        contact.emails.len(),
        contact.phones.len(),
        contact.tags.len(),
        contact.roles.len(),
        contact.fields.len(),
        filled(contact),
        contact.notes.clone(),
    );
    let mut emails = missing(&contact.emails, row.emails);
    contact.emails.append(&mut emails);
    let mut phones = missing_phones(&contact.phones, row.phones);
    contact.phones.append(&mut phones);
    let mut tags = missing(&contact.tags, row.tags);
    contact.tags.append(&mut tags);
    let mut roles = missing(&contact.roles, row.roles);
    contact.roles.append(&mut roles);
    for (key, value) in row.fields {
        if !contact.fields.iter().any(|(held, _)| *held == key) {
            contact.fields.push((key, value));
        }
    }
    contact.title = contact.title.take().or(row.title);
    contact.source = contact.source.take().or(row.source);
    contact.organization = contact.organization.or(organization.map(OrganizationId));
    contact.tier = contact.tier.or(row.tier);
    contact.stage = contact.stage.or(row.stage);
    contact.horizon = contact.horizon.or(row.horizon);
    contact.prospect_kind = contact.prospect_kind.or(row.prospect_kind);
    contact.cadence = contact.cadence.or(row.cadence);
    contact.notes = match (contact.notes.take(), row.notes) {
        (Some(held), Some(notes)) if !held.contains(notes.as_str()) => {
            Some(format!("{held}\n\n{notes}"))
        }
        (held, notes) => held.or(notes),
    };
    before
        != (
            contact.emails.len(),
            contact.phones.len(),
            contact.tags.len(),
            contact.roles.len(),
            contact.fields.len(),
            filled(contact),
            contact.notes.clone(),
        )
}

/// Which of a new contact's one-value fields hold something.
fn filled(contact: &BulkContact) -> [bool; 8] {
    [
        contact.title.is_some(),
        contact.source.is_some(),
        contact.organization.is_some(),
        contact.tier.is_some(),
        contact.stage.is_some(),
        contact.horizon.is_some(),
        contact.prospect_kind.is_some(),
        contact.cadence.is_some(),
    ]
}

/// Notes a new contact's emails and phones (under its name) as its own.
fn register(
    contact: &BulkContact,
    index: usize,
    emails: &mut HashMap<String, usize>,
    phones: &mut HashMap<String, PhoneOwners<usize>>,
) {
    for email in &contact.emails {
        emails.insert(email.as_str().to_owned(), index);
    }
    if contact.phones.is_empty() {
        return;
    }
    let name = name_key(&contact.name);
    for phone in &contact.phones {
        phones
            .entry(phone_match(phone.as_str()))
            .and_modify(|owners| owners.add(name.clone(), index))
            .or_insert_with(|| PhoneOwners::one(name.clone(), index));
    }
}

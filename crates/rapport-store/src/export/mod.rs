//! Getting the book out: the full JSON Lines dump (which [`crate::import`] reads back), and
//! one-row-per-contact CSV and vCard 4.0 for other tools.
//!
//! Every export reads one consistent snapshot (a read transaction: SQLite's WAL snapshot,
//! PostgreSQL's `REPEATABLE READ`), so a write landing meanwhile is either wholly in it or not
//! at all. It pages through each table by id and writes each page before reading the next:
//! the book is never held in memory whole.

mod contacts;
mod csv;
pub(crate) mod records;
mod vcard;

use std::io::{self, BufWriter, Write as _};

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::error::{Result, StoreError};
use crate::{Backend, Store, audit, instant_text, rows};
use rapport_core::model::UserId;
use records::{
    CadenceDefaultRecord, CompetitorRecord, ContactInterestRecord, ContentItemRecord,
    ContentSendRecord, EXPORT_FORMAT, EndRecord, FollowUpRecord, Header, IcpCriterionRecord,
    IntroductionRecord, NurtureOwnerRecord, NurtureSettingRecord, OpportunityRecord,
    OrganizationFieldRecord, OrganizationRecord, Record, RelationshipSettingRecord,
    StageChangeRecord, TouchRecord, UserRecord,
};

/// What exporting needs, as the refusal names it.
pub const EXPORT_RIGHT: &str = "export the whole book";

/// Rows read per query.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Everything, as JSON Lines: a header, then one record per line.
    Json,
    /// One row per contact, with a header row.
    Csv,
    /// One vCard 4.0 per contact.
    Vcard,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportSummary {
    /// Records (JSON: every line between the header and the end line) or contacts (CSV,
    /// vCard).
    pub records: u64,
}

/// The tables read a row per record (contacts come with their child rows; cadence defaults,
/// relationship and nurture settings whole: they are a handful of keyed rows with no ids;
/// contacts' interests a page of contacts at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Users,
    Organizations,
    Competitors,
    ContentItems,
    Touches,
    FollowUps,
    StageChanges,
    Opportunities,
    Introductions,
    ContentSends,
    NurtureOwners,
}

impl Store {
    /// Writes the whole book to `out` in `format`, from one consistent snapshot. `now` is the
    /// export's time, for the dump's header. Admins only: the dump holds everything, private
    /// touch text included, whoever owns it.
    pub async fn export(
        &self,
        actor: UserId,
        format: ExportFormat,
        now: Timestamp,
        out: impl io::Write,
    ) -> Result<ExportSummary> {
        let mut conn = self.pool.acquire().await?;
        audit::acting(&mut conn, actor)
            .await?
            .may_administer(EXPORT_RIGHT)?;
        drop(conn);
        let mut snapshot = Snapshot::begin(self).await?;
        let mut out = BufWriter::new(out);
        let mut summary = ExportSummary::default();
        match format {
            ExportFormat::Json => {
                let header = Header {
                    rapport_export: EXPORT_FORMAT,
                    schema_version: snapshot.schema_version().await?,
                    exported_at: instant_text(now),
                };
                write_json_line(&mut out, &header)?;
                let mut emit = |record: Record| {
                    summary.records += 1;
                    write_json_line(&mut out, &record)
                };
                // The order of `Record`'s variants: everything after what it refers to.
                snapshot.each(Table::Users, &mut emit).await?;
                for default in snapshot.cadence_defaults().await? {
                    emit(Record::CadenceDefault(default))?;
                }
                for setting in snapshot.relationship_settings().await? {
                    emit(Record::RelationshipSetting(setting))?;
                }
                for setting in snapshot.nurture_settings().await? {
                    emit(Record::NurtureSetting(setting))?;
                }
                for criterion in snapshot.icp_criteria().await? {
                    emit(Record::IcpCriterion(criterion))?;
                }
                snapshot.each(Table::Organizations, &mut emit).await?;
                for field in snapshot.organization_fields().await? {
                    emit(Record::OrganizationField(field))?;
                }
                snapshot.each(Table::Competitors, &mut emit).await?;
                snapshot.each(Table::ContentItems, &mut emit).await?;
                snapshot
                    .each_contact(|contact| emit(Record::Contact(contact)))
                    .await?;
                for table in [
                    Table::Touches,
                    Table::FollowUps,
                    Table::StageChanges,
                    Table::Opportunities,
                    Table::Introductions,
                ] {
                    snapshot.each(table, &mut emit).await?;
                }
                snapshot.each_interest(&mut emit).await?;
                for table in [Table::ContentSends, Table::NurtureOwners] {
                    snapshot.each(table, &mut emit).await?;
                }
                let end = EndRecord {
                    records: summary.records,
                };
                write_json_line(&mut out, &Record::End(end))?;
            }
            ExportFormat::Csv => {
                let keys = snapshot.contact_field_keys().await?;
                let mut writer = csv::ContactWriter::new(&mut out, keys)?;
                snapshot
                    .each_contact(|contact| {
                        summary.records += 1;
                        writer.write(contact)
                    })
                    .await?;
                writer.finish()?;
            }
            ExportFormat::Vcard => {
                snapshot
                    .each_contact(|contact| {
                        summary.records += 1;
                        vcard::write_card(&mut out, contact).map_err(StoreError::Output)
                    })
                    .await?;
            }
        }
        out.flush().map_err(StoreError::Output)?;
        snapshot.tx.commit().await?;
        Ok(summary)
    }
}

fn write_json_line(out: &mut impl io::Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| StoreError::Output(e.into()))?;
    out.write_all(b"\n").map_err(StoreError::Output)
}

/// One read transaction that every page of an export comes from.
struct Snapshot {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Snapshot {
    async fn begin(store: &Store) -> Result<Snapshot> {
        let mut tx = store.pool.begin().await?;
        if store.backend == Backend::Postgres {
            // Read Committed would let each page see later commits; SQLite's read transaction
            // is a snapshot already.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(Snapshot {
            tx,
            backend: store.backend,
        })
    }

    async fn schema_version(&mut self) -> Result<i64> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(version.unwrap_or(0))
    }

    async fn cadence_defaults(&mut self) -> Result<Vec<CadenceDefaultRecord>> {
        let rows =
            sqlx::query("SELECT scope, key, cadence FROM cadence_defaults ORDER BY scope, key")
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(CadenceDefaultRecord {
                    scope: rows::text(row, "scope")?,
                    key: rows::text(row, "key")?,
                    cadence: rows::text(row, "cadence")?,
                })
            })
            .collect()
    }

    /// The relationship rules, by key.
    async fn relationship_settings(&mut self) -> Result<Vec<RelationshipSettingRecord>> {
        let rows = sqlx::query("SELECT key, value FROM relationship_settings ORDER BY key")
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RelationshipSettingRecord {
                    key: rows::text(row, "key")?,
                    value: rows::text(row, "value")?,
                })
            })
            .collect()
    }

    async fn nurture_settings(&mut self) -> Result<Vec<NurtureSettingRecord>> {
        let rows = sqlx::query("SELECT key, value FROM nurture_settings ORDER BY key")
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(NurtureSettingRecord {
                    key: rows::text(row, "key")?,
                    value: rows::text(row, "value")?,
                })
            })
            .collect()
    }

    /// Every interest and need set on a contact, by contact, kind and term: a page of
    /// contacts at a time (the table's key is not a number to page by).
    async fn each_interest(&mut self, mut emit: impl FnMut(Record) -> Result<()>) -> Result<()> {
        let mut after = 0;
        loop {
            let page = self
                .page(
                    "SELECT id FROM contacts WHERE id > $1 ORDER BY id LIMIT $2",
                    &[after],
                )
                .await?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else {
                return Ok(());
            };
            let range = (rows::int(first, "id")?, rows::int(last, "id")?);
            after = range.1;
            let found = sqlx::query(
                "SELECT contact_id, kind, term FROM contact_interests \
                 WHERE contact_id >= $1 AND contact_id <= $2 ORDER BY contact_id, kind, term",
            )
            .bind(range.0)
            .bind(range.1)
            .fetch_all(&mut *self.tx)
            .await?;
            for row in &found {
                emit(Record::ContactInterest(ContactInterestRecord {
                    contact_id: rows::int(row, "contact_id")?,
                    kind: rows::text(row, "kind")?,
                    term: rows::text(row, "term")?,
                }))?;
            }
        }
    }

    /// The ideal client profile's criteria: a handful of rows, read whole.
    async fn icp_criteria(&mut self) -> Result<Vec<IcpCriterionRecord>> {
        let found = sqlx::query(
            "SELECT id, field, value, weight, created_at FROM icp_criteria ORDER BY id",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        found
            .iter()
            .map(|row| {
                Ok(IcpCriterionRecord {
                    id: rows::int(row, "id")?,
                    field: rows::text(row, "field")?,
                    value: rows::text(row, "value")?,
                    weight: rows::int(row, "weight")?,
                    created_at: rows::text(row, "created_at")?,
                })
            })
            .collect()
    }

    /// Organizations' custom fields, read whole: a few per organization, and organizations
    /// are far fewer than contacts.
    /// The keys of the contacts' custom fields, each once.
    async fn contact_field_keys(&mut self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT field_key FROM contact_fields ORDER BY field_key")
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    async fn organization_fields(&mut self) -> Result<Vec<OrganizationFieldRecord>> {
        let found = sqlx::query(
            "SELECT organization_id, field_key, value FROM organization_fields \
             ORDER BY organization_id, field_key",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        found
            .iter()
            .map(|row| {
                Ok(OrganizationFieldRecord {
                    organization_id: rows::int(row, "organization_id")?,
                    key: rows::text(row, "field_key")?,
                    value: rows::text(row, "value")?,
                })
            })
            .collect()
    }

    /// Every record of `table`, in key order, a page at a time.
    async fn each(
        &mut self,
        table: Table,
        mut emit: impl FnMut(Record) -> Result<()>,
    ) -> Result<()> {
        let key = table.key();
        let mut after = vec![0; key.len()];
        loop {
            let page = self.page(table.page_sql(), &after).await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = key
                .iter()
                .map(|column| rows::int(last, column))
                .collect::<Result<_>>()?;
            for row in &page {
                emit(table.record(row)?)?;
            }
        }
    }

    /// The rows of `sql` (a page query: `id > $1 … LIMIT $2`, or with a two-column key
    /// `… LIMIT $3`) after the key `after`.
    async fn page(&mut self, sql: &str, after: &[i64]) -> Result<Vec<AnyRow>> {
        let mut query = sqlx::query(sql);
        for value in after {
            query = query.bind(*value);
        }
        Ok(query.bind(PAGE).fetch_all(&mut *self.tx).await?)
    }
}

impl Table {
    /// The columns a page is ordered and resumed by: the id, or an introduction's pair.
    fn key(self) -> &'static [&'static str] {
        match self {
            Table::Introductions => &["introducer_id", "introduced_id"],
            Table::ContentSends => &["touch_id"],
            Table::NurtureOwners => &["contact_id"],
            _ => &["id"],
        }
    }

    fn page_sql(self) -> &'static str {
        match self {
            Table::Users => {
                "SELECT id, email, name, role, time_zone, created_at, disabled_at FROM users \
                 WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Organizations => {
                "SELECT id, owner_id, name, domain, tier, industry, size, region, version, \
                        created_at, updated_at \
                 FROM organizations WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Competitors => {
                "SELECT id, organization_id, name, renews_on, dissatisfactions, created_at, \
                        updated_at \
                 FROM competitors WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Touches => {
                "SELECT id, contact_id, author_id, kind, direction, occurred_at, occurred_on, \
                        summary, needs, next_approach, private, created_at \
                 FROM touches WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::FollowUps => {
                "SELECT id, contact_id, owner_id, due_on, body, done_at, created_at \
                 FROM follow_ups WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::StageChanges => {
                "SELECT id, contact_id, stage, changed_on, reason, actor_id, created_at \
                 FROM stage_changes WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Opportunities => {
                "SELECT id, contact_id, organization_id, author_id, title, value, opened_on, \
                        timeline, expected_close_on, outcome, closed_on, close_reason, \
                        created_at, updated_at \
                 FROM opportunities WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Introductions => {
                "SELECT introducer_id, introduced_id, introduced_on, author_id, created_at \
                 FROM introductions \
                 WHERE introducer_id > $1 OR (introducer_id = $1 AND introduced_id > $2) \
                 ORDER BY introducer_id, introduced_id LIMIT $3"
            }
            Table::ContentItems => {
                "SELECT id, title, link, summary, format, topics, needs, stages, kinds, \
                        expires_on, retired_on, author_id, created_at, updated_at \
                 FROM content_items WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::ContentSends => {
                "SELECT touch_id, content_id, contact_id, sent_on FROM content_sends \
                 WHERE touch_id > $1 ORDER BY touch_id LIMIT $2"
            }
            Table::NurtureOwners => {
                "SELECT contact_id, nurture_owner_id, sales_owner_id, ready_on, ready_note, \
                        updated_at \
                 FROM nurture_owners WHERE contact_id > $1 ORDER BY contact_id LIMIT $2"
            }
        }
    }

    /// One row of [`Table::page_sql`], as its record.
    fn record(self, row: &AnyRow) -> Result<Record> {
        Ok(match self {
            Table::Users => Record::User(UserRecord {
                id: rows::int(row, "id")?,
                email: rows::text(row, "email")?,
                name: rows::text(row, "name")?,
                role: rows::text(row, "role")?,
                time_zone: rows::opt_text(row, "time_zone")?,
                created_at: rows::text(row, "created_at")?,
                disabled_at: rows::opt_text(row, "disabled_at")?,
            }),
            Table::Organizations => Record::Organization(OrganizationRecord {
                id: rows::int(row, "id")?,
                owner_id: rows::int(row, "owner_id")?,
                name: rows::text(row, "name")?,
                domain: rows::opt_text(row, "domain")?,
                tier: rows::opt_text(row, "tier")?,
                industry: rows::opt_text(row, "industry")?,
                size: rows::opt_int(row, "size")?,
                region: rows::opt_text(row, "region")?,
                version: rows::int(row, "version")?,
                created_at: rows::text(row, "created_at")?,
                updated_at: rows::text(row, "updated_at")?,
            }),
            Table::Competitors => Record::Competitor(CompetitorRecord {
                id: rows::int(row, "id")?,
                organization_id: rows::int(row, "organization_id")?,
                name: rows::text(row, "name")?,
                renews_on: rows::opt_text(row, "renews_on")?,
                dissatisfactions: rows::text(row, "dissatisfactions")?
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                created_at: rows::text(row, "created_at")?,
                updated_at: rows::text(row, "updated_at")?,
            }),
            Table::Touches => Record::Touch(TouchRecord {
                id: rows::int(row, "id")?,
                contact_id: rows::int(row, "contact_id")?,
                author_id: rows::int(row, "author_id")?,
                kind: rows::text(row, "kind")?,
                direction: rows::text(row, "direction")?,
                occurred_at: rows::text(row, "occurred_at")?,
                occurred_on: rows::text(row, "occurred_on")?,
                summary: rows::opt_text(row, "summary")?,
                needs: rows::opt_text(row, "needs")?,
                next_approach: rows::opt_text(row, "next_approach")?,
                private: rows::int(row, "private")? != 0,
                created_at: rows::text(row, "created_at")?,
            }),
            Table::FollowUps => Record::FollowUp(FollowUpRecord {
                id: rows::int(row, "id")?,
                contact_id: rows::int(row, "contact_id")?,
                owner_id: rows::int(row, "owner_id")?,
                due_on: rows::text(row, "due_on")?,
                text: rows::text(row, "body")?,
                done_at: rows::opt_text(row, "done_at")?,
                created_at: rows::text(row, "created_at")?,
            }),
            Table::StageChanges => Record::StageChange(StageChangeRecord {
                id: rows::int(row, "id")?,
                contact_id: rows::int(row, "contact_id")?,
                stage: rows::opt_text(row, "stage")?,
                changed_on: rows::text(row, "changed_on")?,
                reason: rows::opt_text(row, "reason")?,
                actor_id: rows::int(row, "actor_id")?,
                created_at: rows::text(row, "created_at")?,
            }),
            Table::Opportunities => Record::Opportunity(OpportunityRecord {
                id: rows::int(row, "id")?,
                contact_id: rows::int(row, "contact_id")?,
                organization_id: rows::opt_int(row, "organization_id")?,
                author_id: rows::int(row, "author_id")?,
                title: rows::text(row, "title")?,
                value: rows::int(row, "value")?,
                opened_on: rows::text(row, "opened_on")?,
                timeline: rows::opt_text(row, "timeline")?,
                expected_close_on: rows::opt_text(row, "expected_close_on")?,
                outcome: rows::text(row, "outcome")?,
                closed_on: rows::opt_text(row, "closed_on")?,
                close_reason: rows::opt_text(row, "close_reason")?,
                created_at: rows::text(row, "created_at")?,
                updated_at: rows::text(row, "updated_at")?,
            }),
            Table::Introductions => Record::Introduction(IntroductionRecord {
                introducer_id: rows::int(row, "introducer_id")?,
                introduced_id: rows::int(row, "introduced_id")?,
                introduced_on: rows::text(row, "introduced_on")?,
                author_id: rows::int(row, "author_id")?,
                created_at: rows::text(row, "created_at")?,
            }),
            Table::ContentItems => Record::ContentItem(ContentItemRecord {
                id: rows::int(row, "id")?,
                title: rows::text(row, "title")?,
                link: rows::text(row, "link")?,
                summary: rows::opt_text(row, "summary")?,
                format: rows::text(row, "format")?,
                topics: lines(row, "topics")?,
                needs: lines(row, "needs")?,
                stages: lines(row, "stages")?,
                kinds: lines(row, "kinds")?,
                expires_on: rows::opt_text(row, "expires_on")?,
                retired_on: rows::opt_text(row, "retired_on")?,
                author_id: rows::int(row, "author_id")?,
                created_at: rows::text(row, "created_at")?,
                updated_at: rows::text(row, "updated_at")?,
            }),
            Table::ContentSends => Record::ContentSend(ContentSendRecord {
                touch_id: rows::int(row, "touch_id")?,
                content_id: rows::int(row, "content_id")?,
                contact_id: rows::int(row, "contact_id")?,
                sent_on: rows::text(row, "sent_on")?,
            }),
            Table::NurtureOwners => Record::NurtureOwner(NurtureOwnerRecord {
                contact_id: rows::int(row, "contact_id")?,
                nurture_owner_id: rows::opt_int(row, "nurture_owner_id")?,
                sales_owner_id: rows::opt_int(row, "sales_owner_id")?,
                ready_on: rows::opt_text(row, "ready_on")?,
                ready_note: rows::opt_text(row, "ready_note")?,
                updated_at: rows::text(row, "updated_at")?,
            }),
        })
    }
}

/// A column stored one value per line, as its values.
fn lines(row: &AnyRow, column: &str) -> Result<Vec<String>> {
    Ok(rows::text(row, column)?
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

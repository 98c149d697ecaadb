//! Contacts with everything they carry — emails, phones, tags, custom fields, roles, the
//! organization's name and the schedule — a page at a time.
//!
//! Each query answers one JSON value for the whole page (the contacts; each kind of child row)
//! instead of a row per record. Through sqlx every row crosses from the driver's worker thread
//! to ours (on SQLite a channel send and often a futex wake-up) and has every column copied
//! into an `AnyRow`: reading contacts and their child rows as rows made those handoffs most of
//! an export's time (docs/benchmarks.md). The child rows are read by contact-id range, a scan
//! of each table's primary key: a lookup per contact and child table (a correlated subquery)
//! cost SQLite more than the JSON did.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::records::{ContactRecord, RoleRecord, ScheduleRecord, TickRecord};
use super::{PAGE, Snapshot};
use crate::error::{Result, StoreError};
use crate::{Backend, rows};
use rapport_core::playbook;

/// Declares [`PagedContact`], whose fields a page's JSON holds positionally, and
/// [`CONTACT_COLUMNS`], the SQL each field is read from, from the one list below.
macro_rules! paged_contact {
    ($($field:ident: $type:ty = $column:literal,)*) => {
        /// A contact's own columns, as a page's JSON array holds them.
        #[derive(Deserialize)]
        struct PagedContact {
            $($field: $type,)*
        }

        /// The SQL of [`PagedContact`]'s fields, in their order.
        const CONTACT_COLUMNS: &[&str] = &[$($column,)*];

        impl PagedContact {
            /// The first of `row`'s values (one contact of a page) that does not read as its
            /// field, named; `None` if they all do.
            fn unreadable_field(row: &[serde_json::Value]) -> Option<String> {
                let mut values = row.iter();
                $(
                    let value = values.next().cloned().unwrap_or_default();
                    if let Err(e) = serde_json::from_value::<$type>(value.clone()) {
                        return Some(format!("{} = {value}: {e}", stringify!($field)));
                    }
                )*
                None
            }
        }
    };
}

paged_contact! {
    id: i64 = "c.id",
    owner_id: i64 = "c.owner_id",
    name: String = "c.name",
    title: Option<String> = "c.title",
    organization_id: Option<i64> = "c.organization_id",
    organization: Option<String> = "o.name",
    notes: Option<String> = "c.notes",
    source: Option<String> = "c.source",
    tier: Option<String> = "c.tier",
    stage: Option<String> = "c.stage",
    horizon: Option<String> = "c.horizon",
    prospect_kind: Option<String> = "c.prospect_kind",
    cadence: Option<String> = "c.cadence",
    added_on: String = "c.added_on",
    hold_until: Option<String> = "c.hold_until",
    hold_reason: Option<String> = "c.hold_reason",
    archived_at: Option<String> = "c.archived_at",
    merged_into: Option<i64> = "c.merged_into",
    version: i64 = "c.version",
    created_at: String = "c.created_at",
    updated_at: String = "c.updated_at",
    effective_cadence: String = "c.effective_cadence",
    cadence_source: String = "c.cadence_source",
    next_touch_on: String = "c.next_touch_on",
    next_touch_source: String = "c.next_touch_source",
    last_touch_id: Option<i64> = "c.last_touch_id",
    last_touch_on: Option<String> = "c.last_touch_on",
    checklist: Option<String> = "c.checklist",
}

/// The backend's JSON functions: `{array}` aggregates values into an array (with `ORDER BY`
/// inside), `{tuple}` makes an array of its arguments.
fn in_dialect(sql: &str, backend: Backend) -> String {
    let (array, tuple) = match backend {
        Backend::Sqlite => ("json_group_array", "json_array"),
        Backend::Postgres => ("json_agg", "json_build_array"),
    };
    sql.replace("{array}", array).replace("{tuple}", tuple)
}

/// A page of contacts after the id `$1`, at most `$2`: one JSON array of [`PagedContact`]s,
/// in no particular order (ordering the large values inside the aggregate made SQLite write
/// them to a temporary b-tree; they are sorted here instead). NULL or `[]` past the end.
fn contacts_sql(backend: Backend) -> String {
    let sql = format!(
        "SELECT CAST({{array}}({{tuple}}({})) AS TEXT) AS page \
         FROM (SELECT * FROM contacts WHERE id > $1 ORDER BY id LIMIT $2) c \
         LEFT JOIN organizations o ON o.id = c.organization_id",
        CONTACT_COLUMNS.join(", ")
    );
    in_dialect(&sql, backend)
}

/// One kind of child row: its table, and the query for the contacts with ids in `($1, $2]`,
/// which answers one JSON array of `[contact_id, value]` pairs, by contact and then in the
/// order the contact lists them.
struct ChildQuery {
    table: &'static str,
    sql: String,
}

impl ChildQuery {
    fn new(value: &str, table: &'static str, order: &str, backend: Backend) -> ChildQuery {
        let sql = format!(
            "SELECT CAST({{array}}({{tuple}}(contact_id, {value}) ORDER BY contact_id, {order}) \
             AS TEXT) AS page \
             FROM {table} WHERE contact_id > $1 AND contact_id <= $2"
        );
        ChildQuery {
            table,
            sql: in_dialect(&sql, backend),
        }
    }
}

/// The page queries, in the snapshot's backend's dialect.
struct ContactQueries {
    contacts: String,
    emails: ChildQuery,
    phones: ChildQuery,
    tags: ChildQuery,
    fields: ChildQuery,
    roles: ChildQuery,
}

impl ContactQueries {
    fn new(backend: Backend) -> ContactQueries {
        ContactQueries {
            contacts: contacts_sql(backend),
            emails: ChildQuery::new("email", "contact_emails", "position", backend),
            phones: ChildQuery::new("phone", "contact_phones", "position", backend),
            tags: ChildQuery::new("tag", "contact_tags", "tag", backend),
            fields: ChildQuery::new(
                "{tuple}(field_key, value)",
                "contact_fields",
                "field_key",
                backend,
            ),
            roles: ChildQuery::new(
                "{tuple}(id, role, since, until)",
                "contact_roles",
                "id",
                backend,
            ),
        }
    }
}

/// A role as the roles query holds it: id, role, since, until.
type PagedRole = (i64, String, String, Option<String>);

/// Contacts written between two looks at the next page's queries (see [`Page::write`]).
const WRITTEN_BETWEEN_YIELDS: usize = 250;

/// A page of contacts with their child rows, read and not yet written.
struct Page {
    contacts: Vec<PagedContact>,
    emails: Children<String>,
    phones: Children<String>,
    tags: Children<String>,
    fields: Children<(String, String)>,
    roles: Children<PagedRole>,
}

impl Snapshot {
    /// Every contact, in id order, a page at a time. While one page is written the next is
    /// read: on SQLite the driver's worker thread builds it on the other core meanwhile.
    pub(super) async fn each_contact(
        &mut self,
        mut emit: impl FnMut(ContactRecord) -> Result<()>,
    ) -> Result<()> {
        let queries = ContactQueries::new(self.backend);
        let mut page = self.contacts_page(&queries, 0).await?;
        while let Some(last) = page.contacts.last().map(|contact| contact.id) {
            let (next, written) =
                tokio::join!(self.contacts_page(&queries, last), page.write(&mut emit));
            written?;
            page = next?;
        }
        Ok(())
    }

    /// The page of contacts after the id `after`, in id order, with their child rows.
    async fn contacts_page(&mut self, queries: &ContactQueries, after: i64) -> Result<Page> {
        let page = self.json_text(&queries.contacts, (after, PAGE)).await?;
        let mut contacts: Vec<PagedContact> =
            parse(page.as_deref()).map_err(|e| unreadable_contact(page.as_deref(), e))?;
        contacts.sort_unstable_by_key(|contact| contact.id);
        let Some(last) = contacts.last().map(|contact| contact.id) else {
            return Ok(Page {
                contacts,
                emails: Children::none(),
                phones: Children::none(),
                tags: Children::none(),
                fields: Children::none(),
                roles: Children::none(),
            });
        };
        let range = (after, last);
        Ok(Page {
            contacts,
            emails: Children::read(self, &queries.emails, range).await?,
            phones: Children::read(self, &queries.phones, range).await?,
            tags: Children::read(self, &queries.tags, range).await?,
            fields: Children::read(self, &queries.fields, range).await?,
            roles: Children::read(self, &queries.roles, range).await?,
        })
    }

    /// The one value `sql`, bound to `params`, answers: a JSON array, or NULL for an
    /// aggregate over no rows on PostgreSQL.
    async fn json_text(&mut self, sql: &str, params: (i64, i64)) -> Result<Option<String>> {
        let row = sqlx::query(sql)
            .bind(params.0)
            .bind(params.1)
            .fetch_one(&mut *self.tx)
            .await?;
        rows::opt_text(&row, "page")
    }
}

/// The values of a page's JSON array (none for NULL).
fn parse<T: DeserializeOwned>(page: Option<&str>) -> serde_json::Result<Vec<T>> {
    page.map_or_else(|| Ok(Vec::new()), serde_json::from_str)
}

/// Why a page of contacts did not read: the contact and its field, when one is to blame (only
/// SQLite lets a column hold a value of another type).
fn unreadable_contact(page: Option<&str>, error: serde_json::Error) -> StoreError {
    let blamed = parse::<Vec<serde_json::Value>>(page)
        .unwrap_or_default()
        .iter()
        .find_map(|row| {
            let field = PagedContact::unreadable_field(row)?;
            Some(format!("contact {}: {field}", row.first()?))
        });
    StoreError::Corrupt(blamed.unwrap_or_else(|| format!("a page of contacts: {error}")))
}

/// A page's child rows of one kind, by contact id, handed out contact by contact in id order.
struct Children<V> {
    rows: std::iter::Peekable<std::vec::IntoIter<(i64, V)>>,
}

impl<V: DeserializeOwned> Children<V> {
    fn none() -> Self {
        Children {
            rows: Vec::new().into_iter().peekable(),
        }
    }

    async fn read(snapshot: &mut Snapshot, query: &ChildQuery, range: (i64, i64)) -> Result<Self> {
        let page = snapshot.json_text(&query.sql, range).await?;
        let rows: Vec<(i64, V)> = parse(page.as_deref()).map_err(|e| {
            StoreError::Corrupt(format!(
                "a page of {} after contact {}: {e}",
                query.table, range.0
            ))
        })?;
        Ok(Children {
            rows: rows.into_iter().peekable(),
        })
    }

    /// The values of contact `id`, which is after every contact asked for before. Rows of a
    /// contact not in the page (none, while references hold) are passed over.
    fn of(&mut self, id: i64) -> Vec<V> {
        while self.rows.next_if(|(owner, _)| *owner < id).is_some() {}
        let mut values = Vec::new();
        while let Some((_, value)) = self.rows.next_if(|(owner, _)| *owner == id) {
            values.push(value);
        }
        values
    }
}

impl Page {
    /// Emits every contact of the page with its child rows. It yields now and then, so that
    /// the read of the next page it is joined with can send its next query.
    async fn write(self, emit: &mut impl FnMut(ContactRecord) -> Result<()>) -> Result<()> {
        let Page {
            contacts,
            mut emails,
            mut phones,
            mut tags,
            mut fields,
            mut roles,
        } = self;
        for (written, contact) in contacts.into_iter().enumerate() {
            if written % WRITTEN_BETWEEN_YIELDS == 0 {
                tokio::task::yield_now().await;
            }
            let id = contact.id;
            emit(
                contact.into_record(
                    emails.of(id),
                    phones.of(id),
                    tags.of(id),
                    fields.of(id).into_iter().collect(),
                    roles
                        .of(id)
                        .into_iter()
                        .map(|(id, role, since, until)| RoleRecord {
                            id,
                            role,
                            since,
                            until,
                        })
                        .collect(),
                ),
            )?;
        }
        Ok(())
    }
}

impl PagedContact {
    fn into_record(
        self,
        emails: Vec<String>,
        phones: Vec<String>,
        tags: Vec<String>,
        fields: BTreeMap<String, String>,
        roles: Vec<RoleRecord>,
    ) -> ContactRecord {
        ContactRecord {
            id: self.id,
            owner_id: self.owner_id,
            name: self.name,
            title: self.title,
            organization_id: self.organization_id,
            organization: self.organization,
            notes: self.notes,
            source: self.source,
            tier: self.tier,
            stage: self.stage,
            horizon: self.horizon,
            prospect_kind: self.prospect_kind,
            cadence: self.cadence,
            added_on: self.added_on,
            hold_until: self.hold_until,
            hold_reason: self.hold_reason,
            archived_at: self.archived_at,
            merged_into: self.merged_into,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            emails,
            phones,
            tags,
            fields,
            roles,
            checklist: playbook::ticks_of(self.checklist.as_deref())
                .into_iter()
                .map(|(stage, step)| TickRecord {
                    stage: stage.as_str().to_owned(),
                    step,
                })
                .collect(),
            schedule: Some(ScheduleRecord {
                effective_cadence: self.effective_cadence,
                cadence_source: self.cadence_source,
                next_touch_on: self.next_touch_on,
                next_touch_source: self.next_touch_source,
                last_touch_id: self.last_touch_id,
                last_touch_on: self.last_touch_on,
            }),
        }
    }
}

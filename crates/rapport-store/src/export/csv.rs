//! One row per contact, for spreadsheets and other tools, with the column names they
//! commonly recognise. Several values in one cell (emails, phones, tags, roles) are joined
//! with "; ". Custom fields follow, a `field:KEY` column per key the book uses — the header
//! `rapport import` reads them back from.

use std::borrow::Cow;
use std::io;

use super::records::{ContactRecord, ScheduleRecord};
use crate::error::{Result, StoreError};

/// How a contact fills one column: most cells borrow the contact's own text.
type Cell = for<'a> fn(&'a ContactRecord) -> Cow<'a, str>;

/// The columns, in order: the header's name and how a contact fills it. The one list of them.
const COLUMNS: &[(&str, Cell)] = &[
    ("id", |c| Cow::Owned(c.id.to_string())),
    ("name", |c| Cow::Borrowed(&c.name)),
    ("title", |c| text(c.title.as_ref())),
    ("organization", |c| text(c.organization.as_ref())),
    ("emails", |c| joined(&c.emails)),
    ("phones", |c| joined(&c.phones)),
    ("tags", |c| joined(&c.tags)),
    ("roles", |c| {
        // The roles held now; ended ones are history, kept in the JSON dump.
        let held: Vec<&str> = c
            .roles
            .iter()
            .filter(|r| r.until.is_none())
            .map(|r| r.role.as_str())
            .collect();
        Cow::Owned(held.join("; "))
    }),
    ("tier", |c| text(c.tier.as_ref())),
    ("stage", |c| text(c.stage.as_ref())),
    ("horizon", |c| text(c.horizon.as_ref())),
    ("prospect_kind", |c| text(c.prospect_kind.as_ref())),
    ("cadence", |c| schedule(c, |s| Some(&s.effective_cadence))),
    ("next_touch", |c| schedule(c, |s| Some(&s.next_touch_on))),
    ("last_touch", |c| schedule(c, |s| s.last_touch_on.as_ref())),
    ("hold_until", |c| text(c.hold_until.as_ref())),
    ("hold_reason", |c| text(c.hold_reason.as_ref())),
    ("archived_at", |c| text(c.archived_at.as_ref())),
    ("added_on", |c| Cow::Borrowed(&c.added_on)),
    ("notes", |c| text(c.notes.as_ref())),
];

fn text(value: Option<&String>) -> Cow<'_, str> {
    Cow::Borrowed(value.map_or("", String::as_str))
}

/// Several values in one cell.
fn joined(values: &[String]) -> Cow<'_, str> {
    match values {
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.join("; ")),
    }
}

fn schedule(
    contact: &ContactRecord,
    field: fn(&ScheduleRecord) -> Option<&String>,
) -> Cow<'_, str> {
    text(contact.schedule.as_ref().and_then(field))
}

pub(super) struct ContactWriter<W: io::Write> {
    out: csv::Writer<W>,
    /// The custom fields' keys, a column each after [`COLUMNS`].
    field_keys: Vec<String>,
}

impl<W: io::Write> ContactWriter<W> {
    /// Starts the file with its header row.
    pub(super) fn new(out: W, field_keys: Vec<String>) -> Result<ContactWriter<W>> {
        let mut out = csv::Writer::from_writer(out);
        let fields = field_keys.iter().map(|key| format!("field:{key}"));
        out.write_record(
            COLUMNS
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .chain(fields),
        )
        .map_err(output)?;
        Ok(ContactWriter { out, field_keys })
    }

    pub(super) fn write(&mut self, contact: ContactRecord) -> Result<()> {
        for (_, cell) in COLUMNS {
            self.out
                .write_field(cell(&contact).as_bytes())
                .map_err(output)?;
        }
        for key in &self.field_keys {
            let value = contact.fields.get(key).map_or("", String::as_str);
            self.out.write_field(value).map_err(output)?;
        }
        // No more fields: ends the row.
        self.out.write_record(None::<&[u8]>).map_err(output)
    }

    pub(super) fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(StoreError::Output)
    }
}

fn output(err: csv::Error) -> StoreError {
    StoreError::Output(err.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::records::RoleRecord;

    fn contact() -> ContactRecord {
        ContactRecord {
            id: 7,
            owner_id: 1,
            name: "Dana \"D\" Whitfield".into(),
            title: Some("Head of Ops, EMEA".into()),
            organization_id: Some(3),
            organization: Some("Halcyon Freight".into()),
            notes: Some("two lines\nof notes".into()),
            source: None,
            tier: Some("A".into()),
            stage: None,
            horizon: None,
            prospect_kind: None,
            cadence: None,
            added_on: "2026-01-02".into(),
            hold_until: None,
            hold_reason: None,
            archived_at: None,
            merged_into: None,
            version: 1,
            created_at: "2026-01-02T10:00:00Z".into(),
            updated_at: "2026-01-02T10:00:00Z".into(),
            emails: vec!["dana@halcyon.example".into(), "d@home.example".into()],
            phones: vec![],
            tags: vec!["logistics".into()],
            fields: Default::default(),
            roles: vec![
                RoleRecord {
                    id: 1,
                    role: "prospect".into(),
                    since: "2026-01-02".into(),
                    until: Some("2026-02-01".into()),
                },
                RoleRecord {
                    id: 2,
                    role: "customer".into(),
                    since: "2026-02-01".into(),
                    until: None,
                },
            ],
            checklist: vec![],
            schedule: None,
        }
    }

    #[test]
    fn a_contact_is_one_quoted_row_under_the_header() {
        let mut buffer = Vec::new();
        let mut writer = ContactWriter::new(&mut buffer, Vec::new()).unwrap();
        writer.write(contact()).unwrap();
        writer.finish().unwrap();
        let text = String::from_utf8(buffer).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header[..4], ["id", "name", "title", "organization"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        let cell = |name: &str| {
            let at = header.iter().position(|h| h == name).unwrap();
            rows[0][at].to_owned()
        };
        assert_eq!(cell("name"), "Dana \"D\" Whitfield");
        assert_eq!(cell("title"), "Head of Ops, EMEA");
        assert_eq!(cell("emails"), "dana@halcyon.example; d@home.example");
        assert_eq!(cell("roles"), "customer", "ended roles are not listed");
        assert_eq!(cell("notes"), "two lines\nof notes");
        assert_eq!(cell("next_touch"), "");
    }
}

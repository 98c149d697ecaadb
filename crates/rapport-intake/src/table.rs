//! A header and rows of cells (from a CSV or a sheet) into contacts: the columns are
//! recognised once, then every row is parsed through the domain's parsers.

use std::str::FromStr;

use rapport_core::fit::field_value;
use rapport_core::{EmailAddress, PhoneNumber};

use crate::fields::{Field, flavour, recognise};
use crate::{Format, Incoming, IntakeError, Options, Rejection, Row, names_header};

#[derive(Debug)]
struct Column {
    header: String,
    field: Field,
}

/// What each column of a file holds.
#[derive(Debug)]
pub(crate) struct Table {
    format: Format,
    columns: Vec<Column>,
}

impl Table {
    /// How many columns the header has.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// The header of the column at `index`, as the file wrote it.
    pub(crate) fn header(&self, index: usize) -> Option<&str> {
        self.columns.get(index).map(|c| c.header.as_str())
    }

    /// Recognises the header's columns; `format` is `Csv` to tell a CSV's flavour from it.
    pub(crate) fn new(
        format: Format,
        headers: Vec<String>,
        options: &Options,
    ) -> Result<Table, IntakeError> {
        let format = if format == Format::Csv {
            flavour(&headers)
        } else {
            format
        };
        for (column, _) in &options.maps {
            if !headers.iter().any(|h| names_header(column, h)) {
                return Err(IntakeError::NoSuchColumn {
                    column: column.clone(),
                    columns: headers.join(", "),
                });
            }
        }
        let columns: Vec<Column> = headers
            .into_iter()
            .map(|header| {
                let mapped = options.mapped(&header).cloned();
                let field = mapped
                    .or_else(|| recognise(format, &header))
                    .unwrap_or(Field::Note);
                Column { header, field }
            })
            .collect();
        let names = columns.iter().any(|c| c.field.names_someone());
        if !names {
            let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
            return Err(IntakeError::NoNameColumn(headers.join(", ")));
        }
        Ok(Table { format, columns })
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// What the report says about the columns: which are kept as notes, which are left out.
    pub(crate) fn notices(&self) -> Vec<String> {
        let of = |field: Field| -> Vec<&str> {
            self.columns
                .iter()
                .filter(|c| c.field == field && !c.header.trim().is_empty())
                .map(|c| c.header.as_str())
                .collect()
        };
        let mut notices = Vec::new();
        let kept = of(Field::Note);
        if !kept.is_empty() {
            notices.push(format!(
                "kept in each contact's notes as \"column: value\": {} (map them with --map COLUMN=FIELD)",
                kept.join(", ")
            ));
        }
        let ignored = of(Field::Ignore);
        if !ignored.is_empty() {
            notices.push(format!("not imported: {}", ignored.join(", ")));
        }
        notices
    }

    /// One row of cells (fewer or more than the header is fine: missing cells are empty,
    /// extra ones are kept as notes).
    pub(crate) fn row<S: AsRef<str>>(&self, line: u64, cells: &[S]) -> Row {
        if cells.iter().all(|c| c.as_ref().trim().is_empty()) {
            return Row::Empty { line };
        }
        match self.contact(line, cells) {
            Ok(contact) => Row::Contact(Box::new(contact)),
            Err(rejection) => Row::Rejected(rejection),
        }
    }

    fn contact<S: AsRef<str>>(&self, line: u64, cells: &[S]) -> Result<Incoming, Rejection> {
        let mut contact = Incoming {
            line,
            ..Incoming::default()
        };
        let (mut name, mut first, mut middle, mut last) = (None, None, None, None);
        let mut notes: Vec<String> = Vec::new();
        let mut note_lines: Vec<String> = Vec::new();
        for (index, cell) in cells.iter().enumerate() {
            let value = cell.as_ref().trim();
            if value.is_empty() {
                continue;
            }
            let Some(column) = self.columns.get(index) else {
                note_lines.push(format!("column {}: {value}", index + 1));
                continue;
            };
            let reject = |reason: String| Rejection {
                line,
                column: Some(column.header.clone()),
                reason,
            };
            match &column.field {
                Field::Name => first_of(&mut name, value, &column.header, &mut note_lines),
                Field::FirstName => first_of(&mut first, value, &column.header, &mut note_lines),
                Field::MiddleName => first_of(&mut middle, value, &column.header, &mut note_lines),
                Field::LastName => first_of(&mut last, value, &column.header, &mut note_lines),
                Field::Email => {
                    for address in split(value, &[";", ",", ":::"]) {
                        let email: EmailAddress =
                            address
                                .parse()
                                .map_err(|e: rapport_core::email::InvalidEmail| {
                                    reject(e.to_string())
                                })?;
                        if !contact.emails.contains(&email) {
                            contact.emails.push(email);
                        }
                    }
                }
                Field::Phone => {
                    // A spreadsheet cell may hold one number per line.
                    for phone in split(value, &[";", ":::", "\n"]) {
                        let phone: PhoneNumber =
                            phone
                                .parse()
                                .map_err(|e: rapport_core::phone::InvalidPhone| {
                                    reject(e.to_string())
                                })?;
                        if !contact.phones.contains(&phone) {
                            contact.phones.push(phone);
                        }
                    }
                }
                Field::Organization => {
                    first_of(
                        &mut contact.organization,
                        value,
                        &column.header,
                        &mut note_lines,
                    );
                }
                Field::Title => {
                    first_of(&mut contact.title, value, &column.header, &mut note_lines);
                }
                Field::Notes => notes.push(value.to_owned()),
                Field::Tags => {
                    for tag in split(value, &[";", ",", ":::"]) {
                        // Google marks every contact "* myContacts"; starred ones "* starred".
                        let tag = tag.trim_start_matches("* ").trim();
                        let noise = self.format == Format::Google && tag == "myContacts";
                        if !tag.is_empty() && !noise && !contact.tags.iter().any(|t| t == tag) {
                            contact.tags.push(tag.to_owned());
                        }
                    }
                }
                Field::Tier => contact.tier = Some(parse(value).map_err(reject)?),
                Field::Stage => contact.stage = Some(parse(value).map_err(reject)?),
                Field::Horizon => contact.horizon = Some(parse(value).map_err(reject)?),
                Field::ProspectKind => {
                    contact.prospect_kind = Some(parse(value).map_err(reject)?);
                }
                Field::Cadence => contact.cadence = Some(parse(value).map_err(reject)?),
                Field::Roles => {
                    for role in split(value, &[";", ","]) {
                        let role = parse(role).map_err(reject)?;
                        if !contact.roles.contains(&role) {
                            contact.roles.push(role);
                        }
                    }
                }
                Field::Source => {
                    first_of(&mut contact.source, value, &column.header, &mut note_lines);
                }
                Field::Note => note_lines.push(format!("{}: {value}", column.header.trim())),
                Field::Ignore => {}
                Field::Custom(key) => {
                    if !contact.fields.iter().any(|(k, _)| k == key) {
                        let value = field_value(value).map_err(|e| reject(e.to_string()))?;
                        contact.fields.push((key.clone(), value));
                    }
                }
            }
        }
        let parts: Vec<&str> = [&first, &middle, &last]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        contact.name = match name {
            Some(name) => name,
            None if !parts.is_empty() => parts.join(" "),
            None => match contact.emails.first() {
                Some(email) => email.to_string(),
                None => {
                    return Err(Rejection {
                        line,
                        column: None,
                        reason: "no name and no email: a contact needs one of them".into(),
                    });
                }
            },
        };
        contact.name = crate::checked_name(contact.name, line, "name")?;
        if contact.source.is_none() && self.format == Format::Linkedin {
            contact.source = Some("LinkedIn".into());
        }
        notes.extend(note_lines);
        contact.notes = (!notes.is_empty()).then(|| notes.join("\n"));
        Ok(contact)
    }
}

/// Fills a field that holds one value; a different one from a second column of the same
/// field (a repeated header) is kept as a note line, not dropped.
fn first_of(slot: &mut Option<String>, value: &str, header: &str, notes: &mut Vec<String>) {
    match slot {
        None => *slot = Some(value.to_owned()),
        Some(held) if held.eq_ignore_ascii_case(value) => {}
        Some(_) => notes.push(format!("{}: {value}", header.trim())),
    }
}

/// The non-empty, trimmed pieces of `value` between any of `separators`.
pub(crate) fn split<'v>(value: &'v str, separators: &[&str]) -> Vec<&'v str> {
    // Most cells hold one value: `contains` finds a separator without the searcher and the
    // vectors splitting builds, which were a tenth of a large file's reading.
    if !separators.iter().any(|separator| value.contains(separator)) {
        let value = value.trim();
        return if value.is_empty() {
            vec![]
        } else {
            vec![value]
        };
    }
    let mut pieces = vec![value];
    for separator in separators {
        pieces = pieces
            .into_iter()
            .flat_map(|p| p.split(separator))
            .collect();
    }
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse<T: FromStr>(value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> Table {
        let headers = headers.iter().map(|h| h.to_string()).collect();
        Table::new(Format::Csv, headers, &Options::default()).expect("a table")
    }

    #[test]
    fn a_cell_splits_into_its_trimmed_non_empty_values() {
        let separators = [";", ",", ":::"];
        assert_eq!(split(" ada@example.com ", &separators), ["ada@example.com"]);
        assert_eq!(split("  ", &separators), Vec::<&str>::new());
        assert_eq!(
            split(
                "a@x.example ::: b@x.example; c@x.example,, d@x.example",
                &separators
            ),
            ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]
        );
        // A lone colon is no separator.
        assert_eq!(split("a:b", &separators), ["a:b"]);
    }

    #[test]
    fn names_are_built_from_parts_and_unknown_columns_become_notes() {
        let t = table(&["First Name", "Last Name", "E-mail", "Shoe size", "Comments"]);
        let Row::Contact(c) = t.row(
            2,
            &[
                "Ada",
                "Lovelace",
                "ADA@example.com",
                "38",
                "met at the summit",
            ],
        ) else {
            panic!("a contact");
        };
        assert_eq!(c.name, "Ada Lovelace");
        assert_eq!(c.emails[0].as_str(), "ada@example.com");
        assert_eq!(c.notes.as_deref(), Some("met at the summit\nShoe size: 38"));
        assert_eq!(
            t.notices(),
            [
                "kept in each contact's notes as \"column: value\": Shoe size (map them with --map COLUMN=FIELD)"
            ]
        );
    }

    #[test]
    fn a_map_names_its_column_ignoring_case() {
        let options = Options {
            maps: vec![Options::parse_map("shoe SIZE=field:shoe").expect("a map")],
            ..Options::default()
        };
        let headers = ["Name", "Shoe size"].map(String::from).to_vec();
        let t = Table::new(Format::Csv, headers, &options).expect("a table");
        let Row::Contact(c) = t.row(2, &["Ada", "38"]) else {
            panic!("a contact");
        };
        assert_eq!(c.fields.len(), 1, "{c:?}");
        let unknown = Options {
            maps: vec![Options::parse_map("hat=note").expect("a map")],
            ..Options::default()
        };
        let headers = ["Name"].map(String::from).to_vec();
        assert!(matches!(
            Table::new(Format::Csv, headers, &unknown),
            Err(IntakeError::NoSuchColumn { .. })
        ));
    }

    #[test]
    fn a_bad_value_names_its_line_and_column() {
        let t = table(&["Name", "Email", "Tier"]);
        assert_eq!(
            t.row(7, &["Ada", "ada@example.com", "Z"]),
            Row::Rejected(Rejection {
                line: 7,
                column: Some("Tier".into()),
                reason: "unknown tier 'Z' (expected one of: A, B, C, D)".into(),
            })
        );
        let Row::Rejected(r) = t.row(8, &["Bob", "bob-at-example", ""]) else {
            panic!("rejected");
        };
        assert_eq!((r.line, r.column.as_deref()), (8, Some("Email")));
        assert_eq!(t.row(9, &["", " ", ""]), Row::Empty { line: 9 });
        let Row::Rejected(long) = t.row(10, &["two\nlines", "", ""]) else {
            panic!("rejected");
        };
        assert_eq!(long.reason, "a name is one line of at most 200 characters");
        let t = table(&["Name", "Phone"]);
        let Row::Contact(cy) = t.row(12, &["Cy", "+1 555 0100\r\n+44 20 7946 0958"]) else {
            panic!("a contact");
        };
        assert_eq!(cy.phones, ["+1 555 0100", "+44 20 7946 0958"]);
        assert_eq!(
            t.row(11, &["Cy", "+1 555 0100; 555\u{0}0101"]),
            Row::Rejected(Rejection {
                line: 11,
                column: Some("Phone".into()),
                reason: "'555\\00101' is not a phone number: it has a control character".into(),
            })
        );
    }
}

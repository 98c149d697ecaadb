//! vCard 2.1, 3.0 and 4.0, streamed card by card: folded lines (a line starting with a space
//! or tab continues the one before), quoted-printable values with their soft line breaks and
//! `CHARSET`, escaped text (`\n`, `\,`, `\;`), grouped properties (`item1.EMAIL`). Photos and
//! logos are skipped with a notice; properties Rapport has no field for are kept as notes.
//! Custom fields come from [`CUSTOM_FIELD`] properties, as Rapport's vCard export writes them.

use std::io::BufRead;

use rapport_core::fit::{FieldKey, FitError, field_value};
use rapport_core::{EmailAddress, PhoneNumber};

use crate::table::split;
use crate::text::{decode, decode_charset};
use crate::{Incoming, IntakeError, Rejection, Row};

/// The property holding one custom field: `X-RAPPORT-FIELD;KEY=segment:Enterprise`.
pub const CUSTOM_FIELD: &str = "X-RAPPORT-FIELD";

/// Properties that describe the card, not the person.
const TECHNICAL: &[&str] = &[
    "VERSION",
    "PRODID",
    "UID",
    "REV",
    "KIND",
    "CLIENTPIDMAP",
    "N",
    "FN",
];

/// One content line: `group.NAME;PARAM=VALUE:value`.
#[derive(Debug)]
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// vCard 2.1 writes `ENCODING=QUOTED-PRINTABLE` or just `QUOTED-PRINTABLE`.
    fn has_flag(&self, flag: &str) -> bool {
        self.params
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(flag) || v.eq_ignore_ascii_case(flag))
    }
}

pub(crate) struct Cards<R> {
    input: R,
    /// A physical line read ahead to see whether it continues the one before.
    ahead: Option<Vec<u8>>,
    /// The number of the last physical line read.
    line: u64,
    failed: bool,
}

impl<R: BufRead> Cards<R> {
    pub(crate) fn new(input: R) -> Cards<R> {
        Cards {
            input,
            ahead: None,
            line: 0,
            failed: false,
        }
    }

    fn physical(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if let Some(line) = self.ahead.take() {
            return Ok(Some(line));
        }
        let mut line = Vec::new();
        if self.input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.line == 1 && line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        Ok(Some(line))
    }

    /// The next content line, unfolded, with the number of its first physical line.
    fn logical(&mut self) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        let Some(mut content) = self.physical()? else {
            return Ok(None);
        };
        let start = self.line - u64::from(self.ahead.is_some());
        while let Some(next) = self.physical()? {
            if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                content.extend_from_slice(&next[1..]);
            } else if content.ends_with(b"=") && quoted_printable(&content) {
                // A soft line break: the value goes on on the next line, as it is.
                content.pop();
                content.extend_from_slice(&next);
            } else {
                self.ahead = Some(next);
                break;
            }
        }
        Ok(Some((start, content)))
    }

    fn card(&mut self, begin: u64) -> Result<Row, IntakeError> {
        let mut properties = Vec::new();
        loop {
            let Some((line, content)) = self.logical()? else {
                return Ok(Row::Rejected(Rejection {
                    line: begin,
                    column: None,
                    reason: "the card never ends (no END:VCARD)".into(),
                }));
            };
            let Some(property) = parse_property(&content) else {
                continue;
            };
            match property.name.as_str() {
                "END" if property.value.eq_ignore_ascii_case("VCARD") => break,
                // A vCard 2.1 AGENT may hold a whole card; it is someone else's.
                "BEGIN" => {
                    return Ok(Row::Rejected(Rejection {
                        line,
                        column: None,
                        reason: "a card inside a card".into(),
                    }));
                }
                _ => properties.push(property),
            }
        }
        Ok(match contact(begin, &properties) {
            Ok(contact) => Row::Contact(Box::new(contact)),
            Err(rejection) => Row::Rejected(rejection),
        })
    }
}

impl<R: BufRead> Iterator for Cards<R> {
    type Item = Result<Row, IntakeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let (line, content) = match self.logical() {
                Ok(Some(found)) => found,
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e.into()));
                }
            };
            let begins = parse_property(&content)
                .is_some_and(|p| p.name == "BEGIN" && p.value.eq_ignore_ascii_case("VCARD"));
            if begins {
                let card = self.card(line);
                self.failed = card.is_err();
                return Some(card);
            }
        }
    }
}

fn quoted_printable(content: &[u8]) -> bool {
    let head = content.split(|b| *b == b':').next().unwrap_or_default();
    head.to_ascii_uppercase()
        .windows(b"QUOTED-PRINTABLE".len())
        .any(|w| w == b"QUOTED-PRINTABLE")
}

/// Splits a content line; `None` for a line that is not one (no colon, no name).
fn parse_property(content: &[u8]) -> Option<Property> {
    // The first colon outside a quoted parameter value ends the name and parameters.
    let mut quoted = false;
    let colon = content.iter().position(|b| {
        if *b == b'"' {
            quoted = !quoted;
        }
        *b == b':' && !quoted
    })?;
    let head = decode(&content[..colon]);
    let raw = &content[colon + 1..];
    let mut parts = head.split(';');
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params: Vec<(String, String)> = parts
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.trim().to_owned(), v.trim().trim_matches('"').to_owned()),
            None => ("TYPE".to_owned(), p.trim().to_owned()),
        })
        .collect();
    let mut property = Property {
        name,
        params,
        value: String::new(),
    };
    let charset = property.param("CHARSET").map(str::to_owned);
    property.value = if property.has_flag("QUOTED-PRINTABLE") {
        decode_charset(&decode_quoted_printable(raw), charset.as_deref())
    } else {
        decode_charset(raw, charset.as_deref())
    };
    Some(property)
}

fn decode_quoted_printable(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (raw[i], raw.get(i + 1).copied(), raw.get(i + 2).copied()) {
            (b'=', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let (h, l) = (hex(h).unwrap_or(0), hex(l).unwrap_or(0));
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Splits a structured value at unescaped `separator`s and unescapes each piece.
fn components(value: &str, separator: char) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => pieces.last_mut().map(|p| p.push('\n')).unwrap_or_default(),
                Some(other) => pieces.last_mut().map(|p| p.push(other)).unwrap_or_default(),
                None => {}
            },
            c if c == separator => pieces.push(String::new()),
            c => pieces.last_mut().map(|p| p.push(c)).unwrap_or_default(),
        }
    }
    pieces.into_iter().map(|p| p.trim().to_owned()).collect()
}

fn text(value: &str) -> String {
    components(value, '\u{0}').concat()
}

fn contact(line: u64, properties: &[Property]) -> Result<Incoming, Rejection> {
    let mut contact = Incoming {
        line,
        ..Incoming::default()
    };
    let mut notes = Vec::new();
    let mut extra = Vec::new();
    let (mut full_name, mut structured) = (None, None);
    for property in properties {
        let reject = |reason: String| Rejection {
            line,
            column: Some(property.name.clone()),
            reason,
        };
        let value = property.value.trim();
        if value.is_empty() {
            continue;
        }
        match property.name.as_str() {
            "FN" => full_name = Some(text(value)),
            "N" => {
                // Family; Given; Additional; Prefixes; Suffixes.
                let parts = components(value, ';');
                let ordered = [1, 2, 0].iter().filter_map(|i| parts.get(*i));
                let name: Vec<&str> = ordered
                    .map(String::as_str)
                    .filter(|p| !p.is_empty())
                    .collect();
                structured = (!name.is_empty()).then(|| name.join(" "));
            }
            "EMAIL" => {
                let address = text(value);
                let address = address.strip_prefix("mailto:").unwrap_or(&address);
                let email: EmailAddress = address
                    .parse()
                    .map_err(|e: rapport_core::email::InvalidEmail| reject(e.to_string()))?;
                if !contact.emails.contains(&email) {
                    contact.emails.push(email);
                }
            }
            "TEL" => {
                let phone = text(value);
                let phone: PhoneNumber = phone
                    .strip_prefix("tel:")
                    .unwrap_or(&phone)
                    .parse()
                    .map_err(|e: rapport_core::phone::InvalidPhone| reject(e.to_string()))?;
                if !contact.phones.contains(&phone) {
                    contact.phones.push(phone);
                }
            }
            "ORG" => {
                // The organization, then its units (a department, a team): kept as a note.
                let mut parts = components(value, ';').into_iter().filter(|p| !p.is_empty());
                let organization = parts.next();
                let units: Vec<String> = parts.collect();
                if !units.is_empty() {
                    extra.push(format!("ORG unit: {}", units.join(", ")));
                }
                contact.organization = contact.organization.take().or(organization);
            }
            "TITLE" => contact.title = contact.title.take().or(Some(text(value))),
            "NOTE" => notes.push(text(value)),
            "CATEGORIES" => {
                for tag in components(value, ',') {
                    if !tag.is_empty() && !contact.tags.contains(&tag) {
                        contact.tags.push(tag);
                    }
                }
            }
            CUSTOM_FIELD => {
                let key: FieldKey = property
                    .param("KEY")
                    .ok_or_else(|| reject("a custom field without its KEY parameter".into()))?
                    .parse()
                    .map_err(|e: FitError| reject(e.to_string()))?;
                // The first value of a key, as a spreadsheet's first column for it.
                if !contact.fields.iter().any(|(held, _)| *held == key) {
                    let value = field_value(&text(value)).map_err(|e| reject(e.to_string()))?;
                    contact.fields.push((key, value));
                }
            }
            "PHOTO" | "LOGO" => contact
                .notices
                .push(format!("{} skipped", property.name.to_lowercase())),
            "ADR" => {
                let parts = components(value, ';');
                let address: Vec<&str> = parts
                    .iter()
                    .map(String::as_str)
                    .filter(|p| !p.is_empty())
                    .collect();
                extra.push(format!("ADR: {}", address.join(", ")));
            }
            name if TECHNICAL.contains(&name) => {}
            name => extra.push(format!(
                "{name}: {}",
                split(&text(value), &["\n"]).join(" ")
            )),
        }
    }
    contact.name = match full_name.filter(|n| !n.is_empty()).or(structured) {
        Some(name) => name,
        None => match (contact.emails.first(), &contact.organization) {
            (Some(email), _) => email.to_string(),
            (None, Some(organization)) => organization.clone(),
            (None, None) => {
                return Err(Rejection {
                    line,
                    column: None,
                    reason: "no name, no email and no organization".into(),
                });
            }
        },
    };
    contact.name = crate::checked_name(contact.name, line, "FN")?;
    notes.extend(extra);
    contact.notes = (!notes.is_empty()).then(|| notes.join("\n"));
    Ok(contact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(file: &str) -> Vec<Row> {
        Cards::new(file.as_bytes())
            .map(|r| r.expect("a row"))
            .collect()
    }

    fn only(row: &Row) -> &Incoming {
        match row {
            Row::Contact(c) => c,
            other => panic!("not a contact: {other:?}"),
        }
    }

    #[test]
    fn version_3_with_folding_escapes_and_a_photo() {
        let file = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\nORG:Analytical Engines\\, Ltd;Research\r\nEMAIL;TYPE=INTERNET,WORK:ada@example.com\r\nitem1.TEL;TYPE=CELL:+44 20 7946 0000\r\nNOTE:Met at the summit\\, wants a\\ndata migration. Long notes are fol\r\n ded here.\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ\r\n AAAQABAAD\r\nCATEGORIES:summit,vip\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nTEL;VALUE=uri:tel:+1-555-0100\r\nEND:VCARD\r\n";
        let rows = rows(file);
        assert_eq!(rows.len(), 2);
        let ada = only(&rows[0]);
        assert_eq!(ada.line, 1);
        assert_eq!(ada.name, "Ada Lovelace");
        assert_eq!(ada.organization.as_deref(), Some("Analytical Engines, Ltd"));
        assert_eq!(ada.phones, ["+44 20 7946 0000"]);
        assert_eq!(
            ada.notes.as_deref(),
            Some(
                "Met at the summit, wants a\ndata migration. Long notes are folded here.\nORG unit: Research"
            )
        );
        assert_eq!(ada.tags, ["summit", "vip"]);
        assert_eq!(ada.notices, ["photo skipped"]);
        let grace = only(&rows[1]);
        assert_eq!((grace.line, grace.phones[0].as_str()), (14, "+1-555-0100"));
    }

    #[test]
    fn version_2_1_quoted_printable_with_soft_breaks_and_latin1() {
        let file = "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=\n=F6rg\nTEL;CELL:0170 1234567\nEND:VCARD\n";
        let rows = rows(file);
        let jorg = only(&rows[0]);
        assert_eq!(jorg.name, "Jörg Müller");
        assert_eq!(jorg.phones, ["0170 1234567"]);
    }

    #[test]
    fn custom_fields_come_from_their_extended_property_and_a_bad_one_rejects_its_card() {
        let file = "BEGIN:VCARD\r\nFN:Dana Whitfield\r\nX-RAPPORT-FIELD;KEY=Segment:Freight\\, EU\r\n\
                    item2.x-rapport-field;key=région:Nord\r\nX-RAPPORT-FIELD;KEY=segment:Later\r\n\
                    X-OTHER:kept\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nFN:No Key\r\nX-RAPPORT-FIELD:orphan\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nFN:Bad Key\r\nX-RAPPORT-FIELD;KEY=a b:x\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nFN:Two Lines\r\nX-RAPPORT-FIELD;KEY=k:one\\ntwo\r\nEND:VCARD\r\n";
        let rows = rows(file);
        let dana = only(&rows[0]);
        let fields: Vec<(&str, &str)> = dana
            .fields
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        assert_eq!(fields, [("segment", "Freight, EU"), ("région", "Nord")]);
        assert_eq!(dana.notes.as_deref(), Some("X-OTHER: kept"));
        let reasons: Vec<(u64, String)> = rows[1..]
            .iter()
            .map(|row| match row {
                Row::Rejected(r) => {
                    assert_eq!(r.column.as_deref(), Some("X-RAPPORT-FIELD"));
                    (r.line, r.reason.clone())
                }
                other => panic!("not rejected: {other:?}"),
            })
            .collect();
        assert_eq!(reasons.len(), 3);
        assert_eq!(
            reasons[0],
            (8, "a custom field without its KEY parameter".into())
        );
        assert_eq!(reasons[1].0, 12);
        assert!(
            reasons[1].1.contains("custom field key"),
            "{}",
            reasons[1].1
        );
        assert_eq!(reasons[2].0, 16);
        assert!(reasons[2].1.contains("one line"), "{}", reasons[2].1);
    }

    #[test]
    fn a_bad_card_is_rejected_with_its_line_and_property() {
        let file =
            "BEGIN:VCARD\nFN:Nobody\nEMAIL:not-an-address\nEND:VCARD\nBEGIN:VCARD\nFN:Half\n";
        let rows = rows(file);
        let Row::Rejected(bad) = &rows[0] else {
            panic!("rejected")
        };
        assert_eq!((bad.line, bad.column.as_deref()), (1, Some("EMAIL")));
        let Row::Rejected(open) = &rows[1] else {
            panic!("rejected")
        };
        assert_eq!(open.line, 5);
    }
}

//! vCard 4.0 (RFC 6350), one card per contact: FN, N, ORG, TITLE, EMAIL, TEL, NOTE,
//! CATEGORIES (the tags) and each custom field as an extended property,
//! `X-RAPPORT-FIELD;KEY=segment:Enterprise`, which other tools keep or ignore and Rapport's
//! import reads back. A key is letters, digits, `-` and `_`: nothing a parameter value must
//! quote.
//!
//! A small writer of our own: the maintained Rust crate (`vcard4`) writes property values
//! without escaping them (a comma or newline in a note comes out as structure) and brings
//! the `time` crate next to our `jiff`. Writing the handful of properties above needs only
//! the two rules implemented here: escaping (§3.4) and folding at 75 octets (§3.2).

use std::io;

use super::records::ContactRecord;

/// Lines longer than this many octets (without the CRLF) are folded.
const LINE_OCTETS: usize = 75;

/// The property a custom field is written as; `rapport_intake` reads the same name.
const CUSTOM_FIELD: &str = rapport_intake::VCARD_CUSTOM_FIELD;

pub(super) fn write_card(out: &mut impl io::Write, contact: ContactRecord) -> io::Result<()> {
    let mut card = String::from("BEGIN:VCARD\r\nVERSION:4.0\r\n");
    property(&mut card, "FN", &escape(&contact.name));
    let (family, given) = split_name(&contact.name);
    property(
        &mut card,
        "N",
        &format!("{};{};;;", escape(family), escape(given)),
    );
    if let Some(organization) = &contact.organization {
        property(&mut card, "ORG", &escape(organization));
    }
    if let Some(title) = &contact.title {
        property(&mut card, "TITLE", &escape(title));
    }
    for email in &contact.emails {
        property(&mut card, "EMAIL", &escape(email));
    }
    for phone in &contact.phones {
        property(&mut card, "TEL", &escape(phone));
    }
    if let Some(notes) = &contact.notes {
        property(&mut card, "NOTE", &escape(notes));
    }
    if !contact.tags.is_empty() {
        let tags: Vec<String> = contact.tags.iter().map(|t| escape(t)).collect();
        property(&mut card, "CATEGORIES", &tags.join(","));
    }
    for (key, value) in &contact.fields {
        property(
            &mut card,
            &format!("{CUSTOM_FIELD};KEY={key}"),
            &escape(value),
        );
    }
    card.push_str("END:VCARD\r\n");
    out.write_all(card.as_bytes())
}

/// The family name (the last word) and the given names (the rest). A one-word name is a
/// given name. Rapport keeps one name field; this is a guess other tools need for N.
fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim();
    match name.rsplit_once(char::is_whitespace) {
        Some((given, family)) => (family, given.trim_end()),
        None => ("", name),
    }
}

/// A text value with `\`, `,`, `;` and newlines escaped (RFC 6350 §3.4).
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ',' => escaped.push_str("\\,"),
            ';' => escaped.push_str("\\;"),
            '\r' => {
                // CRLF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends `NAME:value` as one content line, folded so no physical line is longer than 75
/// octets: a fold is CRLF and one space, never inside a UTF-8 character.
fn property(card: &mut String, name: &str, value: &str) {
    let line = format!("{name}:{value}");
    let mut width = 0;
    for c in line.chars() {
        let octets = c.len_utf8();
        if width + octets > LINE_OCTETS {
            card.push_str("\r\n ");
            width = 1;
        }
        card.push(c);
        width += octets;
    }
    card.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str) -> ContactRecord {
        ContactRecord {
            id: 1,
            owner_id: 1,
            name: name.into(),
            title: None,
            organization_id: None,
            organization: None,
            notes: None,
            source: None,
            tier: None,
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
            emails: vec![],
            phones: vec![],
            tags: vec![],
            fields: Default::default(),
            roles: vec![],
            checklist: vec![],
            schedule: None,
        }
    }

    fn card(contact: ContactRecord) -> String {
        let mut out = Vec::new();
        write_card(&mut out, contact).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Undoes folding: a CRLF followed by one space joins the lines.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn a_card_has_every_field_escaped() {
        let mut dana = contact("Dana Whitfield");
        dana.organization = Some("Halcyon Freight; Logistics".into());
        dana.title = Some("Head of Ops, EMEA".into());
        dana.emails = vec!["dana@halcyon.example".into(), "d@home.example".into()];
        dana.phones = vec!["+44 20 7946 0000".into()];
        dana.notes = Some("met at the summit\r\nneeds: a new dispatch\\routing system".into());
        dana.tags = vec!["logistics".into(), "uk,emea".into()];
        dana.fields = [("segment", "Freight, EU"), ("région", "Nord")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        assert_eq!(
            card(dana),
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dana Whitfield\r\nN:Whitfield;Dana;;;\r\n\
             ORG:Halcyon Freight\\; Logistics\r\nTITLE:Head of Ops\\, EMEA\r\n\
             EMAIL:dana@halcyon.example\r\nEMAIL:d@home.example\r\nTEL:+44 20 7946 0000\r\n\
             NOTE:met at the summit\\nneeds: a new dispatch\\\\routing system\r\n\
             CATEGORIES:logistics,uk\\,emea\r\nX-RAPPORT-FIELD;KEY=région:Nord\r\n\
             X-RAPPORT-FIELD;KEY=segment:Freight\\, EU\r\nEND:VCARD\r\n"
        );
    }

    #[test]
    fn names_split_into_family_and_given() {
        assert_eq!(split_name("Dana Whitfield"), ("Whitfield", "Dana"));
        assert_eq!(split_name("Anne Marie  Duval "), ("Duval", "Anne Marie"));
        assert_eq!(split_name("Cher"), ("", "Cher"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut long = contact("Zoë");
        // Two-octet characters, so a fold that ignored octets would split one.
        long.notes = Some("é".repeat(100));
        let text = card(long);
        for line in text.split("\r\n") {
            assert!(line.len() <= LINE_OCTETS, "{} octets: {line}", line.len());
        }
        assert!(
            text.contains("\r\n é"),
            "continuation lines start with a space"
        );
        assert!(unfold(&text).contains(&format!("NOTE:{}\r\n", "é".repeat(100))));
    }
}

//! Phone numbers: what one may be, and when two are one number.
//!
//! Permissive about formatting (people write "+44 (0)20 7946 0958", "555-0100 ext. 12" and
//! "0800-FLOWERS"), strict about what cannot be a number: no digit at all, a control
//! character, a paragraph. Every way a phone is typed in — the CLI, the API, the web forms,
//! an import — parses through [`PhoneNumber`], so a new phone always has a digit to be
//! called on and matched by. (The JSON dump restores phones as they were stored.)

use std::fmt;
use std::str::FromStr;

/// The longest phone accepted, in characters: room for a country code, spacing and an
/// extension, not for a note.
pub const MAX_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhone {
    #[error("'{0}' is not a phone number: it has no digits")]
    NoDigits(String),
    /// Shown escaped: the character itself would be invisible or break the line.
    #[error("'{0}' is not a phone number: it has a control character")]
    ControlCharacter(String),
    /// Its first characters, escaped.
    #[error("'{0}…' is not a phone number: it is longer than {MAX_LEN} characters")]
    TooLong(String),
}

impl PhoneNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits it is matched by (see [`phone_key`]).
    pub fn key(&self) -> Option<String> {
        phone_key(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for PhoneNumber {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl FromStr for PhoneNumber {
    type Err = InvalidPhone;

    /// Trimmed, otherwise kept as written: the owner's spelling is the one they dial.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let phone = s.trim();
        // Checked first, so an error never repeats a pasted paragraph.
        if phone.chars().count() > MAX_LEN {
            let start: String = phone.chars().take(20).collect();
            return Err(InvalidPhone::TooLong(
                start.trim_end().escape_debug().to_string(),
            ));
        }
        if phone.chars().any(char::is_control) {
            return Err(InvalidPhone::ControlCharacter(
                phone.escape_debug().to_string(),
            ));
        }
        if !phone.chars().any(|c| c.is_ascii_digit()) {
            return Err(InvalidPhone::NoDigits(phone.to_owned()));
        }
        Ok(PhoneNumber(phone.to_owned()))
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The digits that identify a phone number: the last nine, so "+44 20 7946 0958" and
/// "020 7946 0958" are one number. Fewer than seven digits identify nothing.
/// The store keeps it beside each phone (migration 0019 computes the same in SQL).
pub fn phone_key(phone: &str) -> Option<String> {
    let mut digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return None;
    }
    // ASCII digits: a byte is a character.
    digits.drain(..digits.len().saturating_sub(9));
    Some(digits)
}

/// Whether two phones, as stored, are one number: the same [`phone_key`], or, for a number
/// too short to have one, the same as written.
pub fn same_number(a: &str, b: &str) -> bool {
    match (phone_key(a), phone_key(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_one_when_their_last_nine_digits_are() {
        assert_eq!(phone_key("+44 20 7946 0958"), phone_key("020 7946 0958"));
        assert_eq!(phone_key("+1 (555) 123-4567").as_deref(), Some("551234567"));
        assert_ne!(phone_key("+1 555 123 4567"), phone_key("+1 555 123 4568"));
        assert_eq!(phone_key("ext. 123"), None);
        assert!(same_number("+1 (555) 123-4567", "555.123.4567"));
        assert!(same_number("112", "112"));
        assert!(!same_number("112", "110"));
        assert!(!same_number("112", "+1 555 123 4567"));
    }

    #[test]
    fn accepts_numbers_as_people_write_them() {
        for written in [
            "+44 (0)20 7946 0958",
            "555-0100 ext. 12",
            "0800-FLOWERS",
            "112",
        ] {
            let phone: PhoneNumber = format!("  {written} ").parse().unwrap();
            assert_eq!(phone.as_str(), written);
        }
    }

    #[test]
    fn refuses_what_cannot_be_dialled_and_names_why() {
        assert_eq!(
            "call reception".parse::<PhoneNumber>(),
            Err(InvalidPhone::NoDigits("call reception".into()))
        );
        assert_eq!(
            "  ".parse::<PhoneNumber>(),
            Err(InvalidPhone::NoDigits(String::new()))
        );
        let with_nul = "555\u{0}0100".parse::<PhoneNumber>().unwrap_err();
        assert_eq!(
            with_nul.to_string(),
            "'555\\00100' is not a phone number: it has a control character"
        );
        let long = "5".repeat(MAX_LEN + 1);
        assert!(matches!(
            long.parse::<PhoneNumber>(),
            Err(InvalidPhone::TooLong(_))
        ));
        assert!("5".repeat(MAX_LEN).parse::<PhoneNumber>().is_ok());
        let pasted = format!("555 0100\n{}", "call after five ".repeat(5));
        assert_eq!(
            pasted.parse::<PhoneNumber>().unwrap_err().to_string(),
            "'555 0100\\ncall after…' is not a phone number: it is longer than 64 characters"
        );
    }
}

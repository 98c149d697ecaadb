//! Bytes to text, the way real files need it: UTF-8 when the bytes are UTF-8, otherwise
//! Windows-1252 (the superset of Latin-1 that Excel and Outlook write on Western systems).
//! Decided per value, so a file that mixes both (one person's export pasted into another's)
//! still reads right, and a stream never needs to be read ahead.

use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// Decodes with a vCard's `CHARSET` parameter, when it names one `encoding_rs` knows.
pub(crate) fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let encoding = charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()));
    match encoding {
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            encoding.decode_without_bom_handling(bytes).0.into_owned()
        }
        _ => decode(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_stays_and_latin1_is_windows_1252() {
        assert_eq!(decode("Zoë".as_bytes()), "Zoë");
        assert_eq!(decode(b"Zo\xEB M\xFCller \x80"), "Zoë Müller €");
        assert_eq!(without_bom(b"\xEF\xBB\xBFname"), b"name");
        assert_eq!(decode_charset(b"Jos\xE9", Some("ISO-8859-1")), "José");
    }
}

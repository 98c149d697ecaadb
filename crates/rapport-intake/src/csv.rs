//! CSV, streamed: the `csv` crate for quoting (commas and newlines inside quotes, CRLF),
//! byte records decoded per value ([`crate::text`]), the delimiter (`,`, `;` or tab) sniffed
//! from the first line, and any preamble before the header skipped (LinkedIn writes a note
//! above its header).

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use csv::{ByteRecord, ReaderBuilder};

use crate::fields::recognise;
use crate::table::Table;
use crate::text::{decode, without_bom};
use crate::{Format, Intake, IntakeError, Options, Row};

/// How many records may come before the header.
const MAX_PREAMBLE: usize = 10;

pub(crate) fn read<'a, R: BufRead + Send + 'a>(
    format: Format,
    mut input: R,
    options: &Options,
) -> Result<Intake<'a>, IntakeError> {
    let start = input.fill_buf()?;
    let delimiter = sniff_delimiter(start);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Lines::new(input));
    let mut record = ByteRecord::new();
    let mut first_filled: Option<Vec<String>> = None;
    let mut header = None;
    for _ in 0..MAX_PREAMBLE {
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            break;
        }
        let cells = cells(&record);
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A header names who: a name or email column, or one the user mapped.
        let known = cells.iter().any(|c| {
            let who = recognise(format, c).is_some_and(|field| field.names_someone());
            who || options.maps.iter().any(|(m, _)| m == c.trim())
        });
        if known {
            header = Some(cells);
            break;
        }
        first_filled.get_or_insert(cells);
    }
    let Some(headers) = header.or(first_filled) else {
        return Err(IntakeError::NoHeader);
    };
    let table = Table::new(format, headers, options)?;
    Ok(Intake {
        format: table.format(),
        notices: table.notices(),
        rows: Box::new(Rows {
            reader,
            record,
            table,
        }),
    })
}

struct Rows<R> {
    reader: csv::Reader<R>,
    record: ByteRecord,
    table: Table,
}

/// Counts lines itself: the `csv` crate's line numbers and record starts drift on CRLF files
/// and around skipped blank lines, while the offset where it stopped reading a record and the
/// record's own bytes are exact.
struct Lines<R> {
    inner: R,
    read: u64,
    /// Offsets of the newlines read ahead but not yet passed by a record.
    newlines: VecDeque<u64>,
    /// Newlines passed so far, and the offset of the last one.
    passed: u64,
    last: Option<u64>,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            read: 0,
            newlines: VecDeque::new(),
            passed: 0,
            last: None,
        }
    }

    /// The line a record starts on, from where its reading stopped (`end`: just past its
    /// terminator, `\n` or the `\r` of a CRLF) and the newlines inside its values.
    fn line_of(&mut self, end: u64, inside: u64) -> u64 {
        while let Some(at) = self.newlines.front().copied().filter(|at| *at < end) {
            self.newlines.pop_front();
            self.passed += 1;
            self.last = Some(at);
        }
        let ended_by_newline = end > 0 && self.last == Some(end - 1);
        (self.passed - u64::from(ended_by_newline)).saturating_sub(inside) + 1
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (at, byte) in (self.read..).zip(&buf[..n]) {
            if *byte == b'\n' {
                self.newlines.push_back(at);
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Read> Iterator for Rows<Lines<R>> {
    type Item = Result<Row, IntakeError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let end = self.reader.position().byte();
                let inside = self
                    .record
                    .as_slice()
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                let line = self.reader.get_mut().line_of(end, inside as u64);
                let cells: Vec<_> = self.record.iter().map(decode).collect();
                Some(Ok(self.table.row(line, &cells)))
            }
            Err(e) => Some(Err(csv_error(e))),
        }
    }
}

fn cells(record: &ByteRecord) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let cell = if i == 0 { without_bom(cell) } else { cell };
            decode(cell).trim().to_owned()
        })
        .collect()
}

/// The most frequent of `,`, `;` and tab on the first line (`,` if none).
fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = first_line(start);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b';', b'\t']
        .into_iter()
        .filter(|d| count(*d) > count(b','))
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
}

fn first_line(start: &[u8]) -> &[u8] {
    start.split(|b| *b == b'\n').next().unwrap_or_default()
}

fn csv_error(e: csv::Error) -> IntakeError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => IntakeError::Io(io),
        other => IntakeError::Csv {
            line,
            reason: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Incoming;

    fn contacts(format: Format, bytes: &[u8]) -> (Format, Vec<Row>) {
        let intake = read(format, bytes, &Options::default()).expect("readable");
        let format = intake.format;
        (format, intake.rows.map(|r| r.expect("a row")).collect())
    }

    fn only(row: &Row) -> &Incoming {
        match row {
            Row::Contact(c) => c,
            other => panic!("not a contact: {other:?}"),
        }
    }

    #[test]
    fn bom_crlf_quotes_semicolons_and_latin1() {
        let file = b"\xEF\xBB\xBFName;Email;Notes\r\n\"M\xFCller, Zo\xEB\";zoe@example.com;\"two\r\nlines\"\r\n\r\n;;\r\nBo;bo@example.com;\r\n";
        let (format, rows) = contacts(Format::Csv, file);
        assert_eq!(format, Format::Csv);
        // A blank line is no record at all; a line of empty cells is an empty row.
        assert_eq!(rows.len(), 3);
        let zoe = only(&rows[0]);
        assert_eq!((zoe.line, zoe.name.as_str()), (2, "Müller, Zoë"));
        assert_eq!(zoe.notes.as_deref(), Some("two\r\nlines"));
        assert_eq!(rows[1], Row::Empty { line: 5 });
        assert_eq!(only(&rows[2]).line, 6);
    }

    #[test]
    fn linkedin_is_told_by_its_header_after_its_preamble() {
        let file = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nGrace,Hopper,https://www.linkedin.com/in/grace,,Navy,Rear Admiral,12 Jan 2024\n";
        let (format, rows) = contacts(Format::Csv, file.as_bytes());
        assert_eq!(format, Format::Linkedin);
        let grace = only(&rows[0]);
        assert_eq!(grace.line, 5);
        assert_eq!(grace.name, "Grace Hopper");
        assert_eq!(grace.organization.as_deref(), Some("Navy"));
        assert_eq!(grace.title.as_deref(), Some("Rear Admiral"));
        assert_eq!(grace.source.as_deref(), Some("LinkedIn"));
        assert_eq!(
            grace.notes.as_deref(),
            Some("URL: https://www.linkedin.com/in/grace\nConnected On: 12 Jan 2024")
        );
    }

    #[test]
    fn duplicate_headers_both_count() {
        let file = "Name,Email,Email,Phone,Phone\nAda,a@example.com,b@example.com,+44 1,+44 1\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        let ada = only(&rows[0]);
        assert_eq!(ada.emails.len(), 2);
        assert_eq!(ada.phones, ["+44 1"]);
    }
}

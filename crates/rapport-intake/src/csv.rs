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
use crate::{Format, Intake, IntakeError, Options, Rejection, Row};

/// How many records may come before the header.
pub(crate) const MAX_PREAMBLE: usize = 10;

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
        if names_someone(format, options, &cells) {
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
            delimiter,
        }),
    })
}

/// Whether a row of cells is a header: it names who, a name or email column, or one the user
/// mapped. Rows before it are a preamble (a title, LinkedIn's note).
pub(crate) fn names_someone(format: Format, options: &Options, cells: &[String]) -> bool {
    cells.iter().any(|c| {
        let who = recognise(format, c).is_some_and(|field| field.names_someone());
        who || options.mapped(c).is_some()
    })
}

struct Rows<R> {
    reader: csv::Reader<R>,
    record: ByteRecord,
    table: Table,
    delimiter: u8,
}

impl<R> Rows<R> {
    /// A cell into which an opening quote that is never closed read the rows after it: the
    /// `csv` crate, like every reader, takes everything up to the next quote (or the end of
    /// the file) as one value, so those rows would be lost in a note. A line inside a cell
    /// that holds as many delimiters as a row has is taken for one of them — a note's own
    /// lines rarely do; files of fewer than three columns are not judged.
    fn swallowed(&self, line: u64, cells: &[impl AsRef<str>]) -> Option<Rejection> {
        let separators = self.table.width().checked_sub(1).filter(|n| *n >= 2)?;
        let delimiter = char::from(self.delimiter);
        cells.iter().enumerate().find_map(|(index, cell)| {
            let rows = cell
                .as_ref()
                .lines()
                .skip(1)
                .filter(|l| l.matches(delimiter).count() >= separators)
                .count();
            (rows > 0).then(|| Rejection {
                line,
                column: self.table.header(index).map(str::to_owned),
                reason: format!(
                    "a quote opened in this cell is never closed, so the {rows} row(s) after \
                     it were read into it; close the quote and import the file again"
                ),
            })
        })
    }
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
    /// Whether the input has ended: the `csv` reader then finished its record without a
    /// terminator.
    ended: bool,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            read: 0,
            newlines: VecDeque::new(),
            passed: 0,
            last: None,
            ended: false,
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
        self.ended |= n == 0 && !buf.is_empty();
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
                let bytes = self.record.as_slice();
                let mut inside = bytes.iter().filter(|b| **b == b'\n').count() as u64;
                // A record the file's end cut off inside quotes has no terminator: the last
                // newline is its value's, not the end of its line.
                if self.reader.get_ref().ended && bytes.last() == Some(&b'\n') {
                    inside -= 1;
                }
                let line = self.reader.get_mut().line_of(end, inside);
                let cells: Vec<_> = self.record.iter().map(decode).collect();
                if let Some(rejection) = self.swallowed(line, &cells) {
                    return Some(Ok(Row::Rejected(rejection)));
                }
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

/// The most frequent of `,`, `;` and tab on the first line that holds any (`,` if none): a
/// title above the header holds none.
fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start
        .split(|b| *b == b'\n')
        .take(MAX_PREAMBLE)
        .find(|line| line.iter().any(|b| matches!(b, b',' | b';' | b'\t')))
        .unwrap_or_default();
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b';', b'\t']
        .into_iter()
        .filter(|d| count(*d) > count(b','))
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
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
    fn a_quote_never_closed_rejects_its_row_instead_of_hiding_the_rows_it_swallowed() {
        let file = "Name,Email,Notes\nAnn One,ann@x.example,\"said \"\"hi\nBen Two,ben@x.example,ok\nCal Three,cal@x.example,\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        assert_eq!(
            rows,
            [Row::Rejected(Rejection {
                line: 2,
                column: Some("Notes".into()),
                reason: "a quote opened in this cell is never closed, so the 2 row(s) after it \
                         were read into it; close the quote and import the file again"
                    .into(),
            })]
        );
        // A note of several lines, even with commas in them, is a note.
        let file = "Name,Email,Notes\nAnn One,ann@x.example,\"met at the summit\nwants: pricing, a demo\"\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        assert_eq!(
            only(&rows[0]).notes.as_deref(),
            Some("met at the summit\nwants: pricing, a demo")
        );
    }

    #[test]
    fn a_title_above_a_semicolon_header_is_skipped() {
        let file =
            "Contacts export\nName;Email;Phone\nAda Lovelace;ada@example.com;+44 20 7946 0000\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        let ada = only(&rows[0]);
        assert_eq!((ada.line, ada.name.as_str()), (3, "Ada Lovelace"));
        assert_eq!(ada.emails[0].as_str(), "ada@example.com");
    }

    #[test]
    fn utf16_is_refused_with_what_to_do() {
        let file = b"\xFF\xFEN\0a\0m\0e\0\n\0";
        let refused = crate::read(Format::Csv, &file[..], &Options::default());
        let Err(error) = refused else {
            panic!("UTF-16 read as something");
        };
        assert!(
            error
                .to_string()
                .contains("it is UTF-16 text; save it as UTF-8"),
            "{error}"
        );
    }

    #[test]
    fn duplicate_headers_both_count() {
        let file = "Name,Email,Email,Phone,Phone\nAda,a@example.com,b@example.com,+44 1,+44 1\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        let ada = only(&rows[0]);
        assert_eq!(ada.emails.len(), 2);
        assert_eq!(ada.phones, ["+44 1"]);
        // A field of one value keeps the first, and a different second one as a note.
        let file = "Name,Company,Name,Company\nAda,Engines,ADA,Analytical\n";
        let (_, rows) = contacts(Format::Csv, file.as_bytes());
        let ada = only(&rows[0]);
        assert_eq!(
            (ada.name.as_str(), ada.organization.as_deref()),
            ("Ada", Some("Engines"))
        );
        assert_eq!(ada.notes.as_deref(), Some("Company: Analytical"));
    }
}

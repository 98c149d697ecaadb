//! Reading contacts out of the files people keep them in: any CSV with a header (and the
//! exports of Google Contacts, Outlook and LinkedIn, recognised by their headers), vCard 3.0
//! and 4.0, and .xlsx/.ods workbooks.
//!
//! Pure readers: bytes in, [`Row`]s out, no database and no clock. Every value goes through
//! the domain's parsers, so a row either becomes an [`Incoming`] contact that the store can
//! write as it is, or a [`Rejection`] naming its line, its column and what is wrong with it.
//! Only a file that cannot be read at all (not a CSV, no header, an unknown `--map` column, a
//! missing sheet) is an [`IntakeError`]. CSV and vCard are streamed: memory does not grow
//! with the file.

mod csv;
mod fields;
mod sheet;
mod table;
mod text;
mod vcard;

use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use rapport_core::fit::FieldKey;
use rapport_core::{Cadence, EmailAddress, Horizon, PhoneNumber, ProspectKind, Role, Stage, Tier};

pub use fields::Field;
pub use vcard::CUSTOM_FIELD as VCARD_CUSTOM_FIELD;

/// What kind of file this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Decide from the file name and its first bytes.
    Auto,
    /// The JSON Lines dump of `rapport export --format json` (a whole book, not read here).
    Json,
    /// Any CSV with a header row.
    Csv,
    /// Google Contacts' CSV export.
    Google,
    /// Outlook's CSV export.
    Outlook,
    /// LinkedIn's connections export (Connections.csv).
    Linkedin,
    Vcard,
    Xlsx,
    Ods,
}

impl Format {
    pub const NAMES: &'static str = "auto, json, csv, google, outlook, linkedin, vcard, xlsx, ods";

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Google => "google",
            Format::Outlook => "outlook",
            Format::Linkedin => "linkedin",
            Format::Vcard => "vcard",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
        }
    }

    /// The format of a file named `name` that starts with `head`. A CSV's flavour (Google,
    /// Outlook, LinkedIn) is told by its header, when it is read.
    pub fn detect(name: Option<&str>, head: &[u8]) -> Format {
        let extension = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match extension.as_deref() {
            Some("xlsx" | "xlsm") => return Format::Xlsx,
            Some("ods") => return Format::Ods,
            Some("vcf" | "vcard") => return Format::Vcard,
            Some("jsonl" | "json") => return Format::Json,
            _ => {}
        }
        let head = text::without_bom(head);
        let start = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |at| &head[at..]);
        if start.starts_with(b"PK\x03\x04") {
            // A zip: an OpenDocument file names its type first, uncompressed.
            let ods = head
                .windows(b"opendocument.spreadsheet".len())
                .any(|w| w == b"opendocument.spreadsheet");
            if ods { Format::Ods } else { Format::Xlsx }
        } else if start.len() >= 11 && start[..11].eq_ignore_ascii_case(b"BEGIN:VCARD") {
            Format::Vcard
        } else if start.starts_with(b"{") {
            Format::Json
        } else {
            Format::Csv
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = IntakeError;
    fn from_str(s: &str) -> Result<Format, IntakeError> {
        let format = match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Format::Auto,
            "json" | "jsonl" => Format::Json,
            "csv" => Format::Csv,
            "google" => Format::Google,
            "outlook" => Format::Outlook,
            "linkedin" => Format::Linkedin,
            "vcard" | "vcf" => Format::Vcard,
            "xlsx" => Format::Xlsx,
            "ods" => Format::Ods,
            _ => return Err(IntakeError::UnknownFormat(s.to_owned())),
        };
        Ok(format)
    }
}

/// How to read a file beyond its format.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--map COLUMN=FIELD`: a column the header does not make clear, and where it goes.
    pub maps: Vec<(String, Field)>,
    /// The worksheet of a workbook; the first one if `None`.
    pub sheet: Option<String>,
}

impl Options {
    /// Where `--map` sends the column with this header, if it names it: ignoring case, as
    /// people type a header they read.
    pub(crate) fn mapped(&self, header: &str) -> Option<&Field> {
        self.maps
            .iter()
            .find(|(column, _)| names_header(column, header))
            .map(|(_, field)| field)
    }

    /// Parses one `COLUMN=FIELD`.
    pub fn parse_map(map: &str) -> Result<(String, Field), IntakeError> {
        let (column, field) = map
            .split_once('=')
            .ok_or_else(|| IntakeError::BadMap(map.to_owned()))?;
        let field = field.parse()?;
        Ok((column.trim().to_owned(), field))
    }
}

/// Whether `--map`'s `column` names the column with this header.
pub(crate) fn names_header(column: &str, header: &str) -> bool {
    column.trim().to_lowercase() == header.trim().to_lowercase()
}

/// A file that cannot be imported at all. A bad row is not this but a [`Rejection`].
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("unknown format '{0}' (expected one of: {names})", names = Format::NAMES)]
    UnknownFormat(String),
    #[error("--map '{0}': expected COLUMN=FIELD")]
    BadMap(String),
    #[error("--map: unknown field '{0}' (expected one of: {names})", names = Field::NAMES)]
    UnknownField(String),
    #[error("--map '{0}': {1}")]
    BadFieldKey(String, rapport_core::fit::FitError),
    #[error("--map: the header has no column '{column}' (columns: {columns})")]
    NoSuchColumn { column: String, columns: String },
    #[error("the file has no header row")]
    NoHeader,
    #[error("no column holds a name or an email (columns: {0}); say which with --map COLUMN=name")]
    NoNameColumn(String),
    #[error("the workbook has no sheet '{wanted}' (sheets: {sheets})")]
    NoSuchSheet { wanted: String, sheets: String },
    #[error("the workbook has no sheets")]
    EmptyWorkbook,
    #[error("not a readable {format} file: {reason}")]
    Unreadable { format: Format, reason: String },
    #[error("line {line}: {reason}")]
    Csv { line: u64, reason: String },
    #[error("{0} is a whole-book dump; it is read by the JSON import, not here")]
    NotContacts(Format),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A contact as a file describes it, every value already parsed by the domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incoming {
    /// Where it starts in the file (1-based; a sheet's row number).
    pub line: u64,
    pub name: String,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<PhoneNumber>,
    pub organization: Option<String>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub horizon: Option<Horizon>,
    pub prospect_kind: Option<ProspectKind>,
    pub cadence: Option<Cadence>,
    pub roles: Vec<Role>,
    /// Custom fields, each key once (the first column that fills it).
    pub fields: Vec<(FieldKey, String)>,
    /// What was left out of this row, to tell the user (a vCard's photo).
    pub notices: Vec<String>,
}

/// The longest name a contact may have, as the API and the web forms allow.
const MAX_NAME_CHARS: usize = 200;

/// A name as every way in takes it: one line of at most 200 characters. The rejection names
/// `column` at `line`.
pub(crate) fn checked_name(name: String, line: u64, column: &str) -> Result<String, Rejection> {
    if name.chars().count() > MAX_NAME_CHARS || name.contains(['\n', '\r']) {
        return Err(Rejection {
            line,
            column: Some(column.to_owned()),
            reason: format!("a name is one line of at most {MAX_NAME_CHARS} characters"),
        });
    }
    Ok(name)
}

/// A row that cannot become a contact, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", column '{column}'")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// One row (or card) of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Contact(Box<Incoming>),
    /// Nothing in it.
    Empty {
        line: u64,
    },
    Rejected(Rejection),
}

/// The rows of a file, read as they are asked for.
pub type IntakeRows<'a> = Box<dyn Iterator<Item = Result<Row, IntakeError>> + Send + 'a>;

/// A file being read: what was found out from its start, and its rows.
pub struct Intake<'a> {
    /// The format, with a CSV's flavour told from its header.
    pub format: Format,
    /// What the header says about columns: which are kept as notes, which are ignored.
    pub notices: Vec<String>,
    pub rows: IntakeRows<'a>,
}

impl fmt::Debug for Intake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intake")
            .field("format", &self.format)
            .field("notices", &self.notices)
            .finish_non_exhaustive()
    }
}

/// Starts reading a CSV or vCard stream. `format` must not be `Auto` (see [`Format::detect`]),
/// nor a workbook (see [`read_workbook`]).
pub fn read<'a, R: BufRead + Send + 'a>(
    format: Format,
    mut input: R,
    options: &Options,
) -> Result<Intake<'a>, IntakeError> {
    // Excel's "Unicode Text" and some phones write UTF-16, which would read as nonsense.
    if matches!(input.fill_buf()?, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
        return Err(IntakeError::Unreadable {
            format,
            reason: "it is UTF-16 text; save it as UTF-8 (Excel: \"CSV UTF-8\") and import that"
                .into(),
        });
    }
    match format {
        Format::Csv | Format::Google | Format::Outlook | Format::Linkedin => {
            csv::read(format, input, options)
        }
        Format::Vcard => Ok(Intake {
            format,
            notices: Vec::new(),
            rows: Box::new(vcard::Cards::new(input)),
        }),
        Format::Xlsx | Format::Ods => Err(IntakeError::Unreadable {
            format,
            reason: "a workbook is read whole, not streamed".into(),
        }),
        Format::Json | Format::Auto => Err(IntakeError::NotContacts(format)),
    }
}

/// Reads the first sheet of an .xlsx or .ods workbook (or `options.sheet`).
pub fn read_workbook(
    format: Format,
    bytes: &[u8],
    options: &Options,
) -> Result<Intake<'static>, IntakeError> {
    sheet::read(format, bytes, options)
}

//! Workbooks (.xlsx, .ods) through calamine: the first sheet, or the one named, read whole
//! (a workbook is a zip; its sheet cannot be streamed) and then parsed like a CSV.

use std::io::Cursor;

use calamine::{Data, Ods, Reader, Xlsx, open_workbook_from_rs};

use crate::csv::{MAX_PREAMBLE, names_someone};
use crate::table::Table;
use crate::{Format, Intake, IntakeError, Options};

pub(crate) fn read(
    format: Format,
    bytes: &[u8],
    options: &Options,
) -> Result<Intake<'static>, IntakeError> {
    let unreadable = |reason: String| IntakeError::Unreadable { format, reason };
    let range = match format {
        Format::Xlsx => {
            let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
            let sheet = pick(book.sheet_names(), options)?;
            book.worksheet_range(&sheet)
                .map_err(|e| unreadable(e.to_string()))?
        }
        Format::Ods => {
            let mut book: Ods<_> = open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|e: calamine::OdsError| unreadable(e.to_string()))?;
            let sheet = pick(book.sheet_names(), options)?;
            book.worksheet_range(&sheet)
                .map_err(|e| unreadable(e.to_string()))?
        }
        other => return Err(IntakeError::NotContacts(other)),
    };
    // Rows of the sheet as people number them (the range may start below row 1).
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let rows: Vec<(Vec<String>, u64)> = range
        .rows()
        .map(|cells| cells.iter().map(cell_text).collect::<Vec<String>>())
        .zip(first_row..)
        .collect();
    let header = header_row(&rows, options).ok_or(IntakeError::NoHeader)?;
    let mut rows = rows.into_iter().skip(header);
    let (headers, _) = rows.next().ok_or(IntakeError::NoHeader)?;
    let table = Table::new(Format::Csv, headers, options)?;
    let format_read = if table.format() == Format::Csv {
        format
    } else {
        table.format()
    };
    let parsed: Vec<_> = rows
        .map(|(cells, line): (Vec<String>, u64)| Ok(table.row(line, &cells)))
        .collect();
    Ok(Intake {
        format: format_read,
        notices: table.notices(),
        rows: Box::new(parsed.into_iter()),
    })
}

/// Which of the sheet's rows is its header: the first that names who, within a preamble's
/// reach (a title above it), else the first with anything in it, as in a CSV.
fn header_row(rows: &[(Vec<String>, u64)], options: &Options) -> Option<usize> {
    let filled: Vec<usize> = (0..rows.len())
        .filter(|i| rows[*i].0.iter().any(|c| !c.is_empty()))
        .take(MAX_PREAMBLE)
        .collect();
    filled
        .iter()
        .copied()
        .find(|i| names_someone(Format::Csv, options, &rows[*i].0))
        .or(filled.first().copied())
}

fn pick(sheets: Vec<String>, options: &Options) -> Result<String, IntakeError> {
    match &options.sheet {
        Some(wanted) => sheets
            .iter()
            .find(|s| *s == wanted)
            .cloned()
            .ok_or_else(|| IntakeError::NoSuchSheet {
                wanted: wanted.clone(),
                sheets: sheets.join(", "),
            }),
        None => sheets.into_iter().next().ok_or(IntakeError::EmptyWorkbook),
    }
}

/// A cell as text; whole numbers (a phone typed as a number) without a decimal point, and an
/// Excel date as the ISO date (and time) it shows — stored, it is a count of days since 1899.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(when) if when.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = when.to_ymd_hms_milli();
            let date = format!("{year:04}-{month:02}-{day:02}");
            match (hour, minute, second) {
                (0, 0, 0) => date,
                (_, _, 0) => format!("{date}T{hour:02}:{minute:02}"),
                _ => format!("{date}T{hour:02}:{minute:02}:{second:02}"),
            }
        }
        other => other.to_string().trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    use super::*;

    #[test]
    fn the_header_is_found_below_a_title() {
        let row = |cells: &[&str], line: u64| (cells.iter().map(|c| c.to_string()).collect(), line);
        let options = Options::default();
        let titled = [
            row(&["Q3 Leads list", "", ""], 1),
            row(&["", "", ""], 2),
            row(&["Name", "Email", "Phone"], 3),
            row(&["Ada", "ada@example.com", ""], 4),
        ];
        assert_eq!(header_row(&titled, &options), Some(2));
        // No row names who: the first with anything in it, which the table then refuses.
        let unnamed = [row(&["", ""], 1), row(&["Shoe", "Hat"], 2)];
        assert_eq!(header_row(&unnamed, &options), Some(1));
        assert_eq!(header_row(&[row(&[""], 1)], &options), None);
    }

    #[test]
    fn excel_dates_read_as_the_dates_they_show() {
        let excel = |days: f64| {
            cell_text(&Data::DateTime(ExcelDateTime::new(
                days,
                ExcelDateTimeType::DateTime,
                false,
            )))
        };
        assert_eq!(excel(46296.0), "2026-10-01");
        assert_eq!(excel(46280.604166666664), "2026-09-15T14:30");
        assert_eq!(excel(46280.60417824074), "2026-09-15T14:30:01");
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(cell_text(&Data::DateTime(duration)), duration.to_string());
        assert_eq!(cell_text(&Data::Float(442079460000.0)), "442079460000");
    }
}

//! `rapport import`: contacts from another tool's file into this book, with a report; or a
//! JSON dump into a new database, whole or not at all.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rapport_server::views::ImportReportView;
use rapport_store::rapport_intake::{self, Format, Options};
use rapport_store::{ImportOptions, WholeFile};

use crate::app::{App, print_json};
use crate::cli::ImportArgs;

pub async fn run(app: &App, args: &ImportArgs) -> Result<()> {
    let path = &args.file;
    let shown = path.display().to_string();
    let mut format: Format = args.format.parse().context("--format")?;
    let mut file = File::open(path).with_context(|| shown.clone())?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    // What the format is told by is read once and given back in front of the rest: a pipe
    // (`… | rapport import /dev/stdin`) cannot be read from its start a second time.
    let mut head = Vec::with_capacity(4096);
    if format == Format::Auto {
        (&mut file)
            .take(4096)
            .read_to_end(&mut head)
            .with_context(|| shown.clone())?;
        format = Format::detect(path.file_name().and_then(|n| n.to_str()), &head);
    }
    let input = std::io::Cursor::new(head).chain(file);
    if format == Format::Json {
        return import_dump(app, args, input).await;
    }
    let mut options = Options {
        sheet: args.sheet.clone(),
        ..Options::default()
    };
    for map in &args.maps {
        // Its errors name --map themselves.
        options.maps.push(Options::parse_map(map)?);
    }
    let owner = match &args.owner {
        Some(user) => Some(
            app.store
                .resolve_user(user)
                .await
                .context("--owner")?
                .user
                .id,
        ),
        None => None,
    };
    // A bar only for a person watching, never in a pipe or a log.
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} ({eta} left)")
                .context("progress bar")?,
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let intake = match format {
        Format::Xlsx | Format::Ods => {
            let mut bytes = Vec::new();
            bar.wrap_read(input)
                .read_to_end(&mut bytes)
                .with_context(|| shown.clone())?;
            rapport_intake::read_workbook(format, &bytes, &options)
        }
        _ => rapport_intake::read(format, BufReader::new(bar.wrap_read(input)), &options),
    }
    .with_context(|| shown.clone())?;
    let import = ImportOptions {
        owner,
        dry_run: args.dry_run,
        file: path
            .file_name()
            .map_or(shown.clone(), |n| n.to_string_lossy().into_owned()),
    };
    let report = app
        .store
        .import_contacts(app.user.id, intake, &import, app.now, app.today())
        .await
        .with_context(|| shown.clone())?;
    bar.finish_and_clear();
    let view = ImportReportView::from(&report);
    let report_path = args.report.clone().or_else(|| default_report(path));
    if let Some(report_path) = &report_path {
        write_report(report_path, &view.text())?;
    }
    if app.json {
        print_json(&view)?;
    } else {
        print!("{}", view.text());
        match report_path {
            Some(report_path) => println!("report written to {}", report_path.display()),
            None => println!(
                "no report file: {} is not a regular file (--report FILE writes one)",
                path.display()
            ),
        }
    }
    Ok(())
}

/// `FILE.import-report.txt`, beside FILE — when FILE is a regular file: beside a pipe or a
/// device (`/dev/stdin`) it would land in `/dev` or wherever the pipe lives.
fn default_report(path: &Path) -> Option<PathBuf> {
    if !std::fs::metadata(path).is_ok_and(|found| found.is_file()) {
        return None;
    }
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".import-report.txt");
    Some(path.with_file_name(name))
}

/// Whole or not at all ([`WholeFile`]).
fn write_report(path: &Path, text: &str) -> Result<()> {
    let cannot = || format!("--report: cannot write {}", path.display());
    let partial = WholeFile::create(path).with_context(cannot)?;
    partial
        .file()
        .write_all(text.as_bytes())
        .with_context(cannot)?;
    partial.finish().with_context(cannot)?;
    Ok(())
}

/// A whole book from `rapport export --format json`, into an empty database.
async fn import_dump(app: &App, args: &ImportArgs, input: impl Read) -> Result<()> {
    if args.dry_run || !args.maps.is_empty() || args.owner.is_some() || args.sheet.is_some() {
        bail!(
            "--dry-run, --map, --owner and --sheet are for contact files; a JSON dump is a \
             whole book, imported as it is into an empty database"
        );
    }
    let summary = app
        .store
        .import_json(BufReader::new(input))
        .await
        .with_context(|| format!("{}", args.file.display()))?;
    println!(
        "imported {} users, {} organizations, {} contacts, {} touches, {} follow-ups",
        summary.users, summary.organizations, summary.contacts, summary.touches, summary.follow_ups
    );
    Ok(())
}

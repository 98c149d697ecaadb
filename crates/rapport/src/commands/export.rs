//! `rapport export`: the store writes the format; this writes it to standard output, or to a
//! file that appears only once the export is complete.

use std::io;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rapport_store::{ExportFormat, ExportSummary, WholeFile};

use crate::app::App;
use crate::cli::ExportArgs;

pub async fn run(app: &App, args: &ExportArgs) -> Result<()> {
    let format = match args.format.as_str() {
        "json" => ExportFormat::Json,
        "csv" => ExportFormat::Csv,
        "vcard" => ExportFormat::Vcard,
        other => bail!("--format: unknown format '{other}' (expected one of: json, csv, vcard)"),
    };
    match &args.output {
        None => {
            app.store
                .export(app.user.id, format, app.now, io::stdout().lock())
                .await?;
        }
        Some(path) => {
            let summary = export_to_file(app, format, path).await?;
            let what = match format {
                ExportFormat::Json => "records",
                ExportFormat::Csv | ExportFormat::Vcard => "contacts",
            };
            println!("exported {} {what} to {}", summary.records, path.display());
        }
    }
    Ok(())
}

/// Writes the export whole or not at all ([`WholeFile`]): a failed export leaves no file, or
/// the previous one, never half a file.
async fn export_to_file(app: &App, format: ExportFormat, path: &Path) -> Result<ExportSummary> {
    let cannot = || format!("--output: cannot write {}", path.display());
    let partial = WholeFile::create(path).with_context(cannot)?;
    let summary = app
        .store
        .export(app.user.id, format, app.now, partial.file())
        .await?;
    partial.finish().with_context(cannot)?;
    Ok(summary)
}

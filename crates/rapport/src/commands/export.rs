//! `rapport export`: the store writes the format; this writes it to standard output, or to a
//! file that appears only once the export is complete.

use std::io;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rapport_store::{ExportFormat, ExportSummary};

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

/// Writes into a new temporary file beside `path` and renames it over `path` when complete:
/// a failed export leaves no file, or the previous one, never half a file.
async fn export_to_file(app: &App, format: ExportFormat, path: &Path) -> Result<ExportSummary> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let partial = tempfile::Builder::new()
        .prefix(".rapport-export-")
        .suffix(".partial")
        .tempfile_in(folder)
        .with_context(|| format!("--output: cannot create a file in {}", folder.display()))?;
    let summary = app
        .store
        .export(app.user.id, format, app.now, partial.as_file())
        .await?;
    partial
        .as_file()
        .sync_all()
        .with_context(|| format!("--output: cannot write {}", path.display()))?;
    partial
        .persist(path)
        .with_context(|| format!("--output: cannot write {}", path.display()))?;
    Ok(summary)
}

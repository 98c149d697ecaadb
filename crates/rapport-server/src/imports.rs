//! `POST /api/v1/imports`: a contacts file as the request body, read and imported as
//! `rapport import` does, answered with the report. The web page's upload (`web/imports.rs`)
//! runs the same [`run`].
//!
//! These routes take files far larger than the JSON bodies the rest of the server accepts,
//! so they carry their own body limit, and the import (CPU-bound parsing and a long write
//! transaction) runs on a blocking thread, never on the threads serving other requests.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use rapport_core::model::UserId;
use rapport_store::rapport_intake::{self, Format, Options};
use rapport_store::{ImportOptions, ImportReport, StoreError};
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{Moment, Params};
use crate::auth::Writer;
use crate::problem::Problem;
use crate::views::ImportReportView;

/// The largest file an upload may carry: a spreadsheet of several hundred thousand rows.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// The import routes, with their own body limit (see the module documentation).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/imports", post(import))
        .merge(crate::web::import_routes())
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_IMPORT_BYTES))
}

/// The file, as it is on disk: a schema only (the handler takes the body's bytes).
#[derive(Debug)]
pub enum ImportFile {}

impl utoipa::PartialSchema for ImportFile {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for ImportFile {}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `auto` (the default: from `filename` and the contents; Google, Outlook and LinkedIn
    /// CSVs are told by their header), `csv`, `google`, `outlook`, `linkedin`, `vcard`,
    /// `xlsx` or `ods`
    pub format: Option<String>,
    /// The file's name, which tells `auto` its format and names it in the report
    pub filename: Option<String>,
    /// What columns hold that their header does not make clear: `COLUMN=FIELD` pairs
    /// separated by commas (fields: name, first_name, last_name, email, phone, organization,
    /// title, notes, tags, tier, stage, cadence, source, note, ignore, `field:KEY` for a custom field…)
    pub map: Option<String>,
    /// Read and report, write nothing
    pub dry_run: Option<bool>,
    /// Whose book new contacts go into (a user id; admins only); the caller's by default
    #[param(minimum = 1)]
    pub owner: Option<i64>,
    /// The worksheet of a workbook; the first by default
    pub sheet: Option<String>,
}

/// What to do with an upload: its query (or form) read into the reader's terms.
#[derive(Debug)]
pub struct Plan {
    pub format: Format,
    pub options: Options,
    pub import: ImportOptions,
}

impl ImportQuery {
    /// Checks every parameter; a bad one is a problem naming it.
    pub fn plan(&self, body: &[u8]) -> Result<Plan, Problem> {
        let filename = self.filename.clone().unwrap_or_else(|| "upload".into());
        let mut format: Format =
            self.format.as_deref().unwrap_or("auto").parse().map_err(
                |e: rapport_intake::IntakeError| Problem::field("format", e.to_string()),
            )?;
        if format == Format::Auto {
            format = Format::detect(Some(&filename), body);
        }
        if format == Format::Json {
            return Err(Problem::field(
                "format",
                "a JSON dump is a whole book: load it into a new database with `rapport import`",
            ));
        }
        let mut options = Options {
            sheet: self.sheet.clone().filter(|s| !s.trim().is_empty()),
            ..Options::default()
        };
        for map in self.map.iter().flat_map(|m| m.split([',', '\n'])) {
            if map.trim().is_empty() {
                continue;
            }
            let map =
                Options::parse_map(map.trim()).map_err(|e| Problem::field("map", e.to_string()))?;
            options.maps.push(map);
        }
        let owner = match self.owner {
            Some(id) if id < 1 => {
                return Err(Problem::field("owner", "expected a positive user id"));
            }
            owner => owner.map(UserId),
        };
        Ok(Plan {
            format,
            options,
            import: ImportOptions {
                owner,
                dry_run: self.dry_run.unwrap_or(false),
                file: filename,
            },
        })
    }
}

/// Imports `body` as `plan` says, on a blocking thread.
pub async fn run(
    state: &AppState,
    actor: UserId,
    moment: Moment,
    body: Bytes,
    plan: Plan,
) -> Result<ImportReport, StoreError> {
    let store = state.store.clone();
    let runtime = tokio::runtime::Handle::current();
    let today = moment.today();
    let work = tokio::task::spawn_blocking(move || {
        let intake = match plan.format {
            Format::Xlsx | Format::Ods => {
                rapport_intake::read_workbook(plan.format, &body, &plan.options)
            }
            format => rapport_intake::read(format, std::io::Cursor::new(body), &plan.options),
        }?;
        runtime.block_on(store.import_contacts(actor, intake, &plan.import, moment.now, today))
    });
    work.await
        .map_err(|e| StoreError::Invalid(format!("the import stopped: {e}")))?
}

/// Imports a contacts file (the request body, as it is on disk): any CSV with a header, the
/// CSV exports of Google Contacts, Outlook and LinkedIn, vCard 3.0/4.0, .xlsx or .ods.
/// People already in the book (same email, else phone, else name at organization) are
/// updated with what the file adds, never doubled. Rows the domain refuses are listed in the
/// report with their line, column and reason; the others land, all in one transaction. With
/// `dry_run=true` nothing is written and the report says what would happen.
#[utoipa::path(post, path = "/api/v1/imports", params(ImportQuery),
    request_body(content = ImportFile, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = ImportReportView, description = "the report (dry run or done)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "the file cannot be read at all, or a parameter is wrong"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    Writer(account): Writer,
    Params(query): Params<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReportView>, Problem> {
    let plan = query.plan(&body)?;
    let moment = Moment::of(&state, &account);
    let report = run(&state, account.user.id, moment, body, plan).await?;
    Ok(Json(ImportReportView::from(&report)))
}

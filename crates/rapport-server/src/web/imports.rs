//! `/import`: upload a contacts file, preview what it would do (a dry run: the report,
//! nothing written), then import it. The upload is a multipart form with the session's CSRF
//! token, checked before anything is read from the file; the import itself is the API's
//! ([`crate::imports::run`]). The page keeps no state between the preview and the import: the
//! browser sends the file again.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_store::StoreError;

use super::contact::FormEcho;
use super::{Chrome, SignedIn, WebError, WebResult, page};
use crate::AppState;
use crate::api::Fields;
use crate::imports::{ImportQuery, run};
use crate::session;
use crate::views::ImportReportView;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    echo: FormEcho,
    report: Option<ImportReportView>,
    formats: &'static [(&'static str, &'static str)],
}

const FORMATS: &[(&str, &str)] = &[
    ("auto", "Tell from the file"),
    ("csv", "CSV with a header"),
    ("google", "Google Contacts CSV"),
    ("outlook", "Outlook CSV"),
    ("linkedin", "LinkedIn connections CSV"),
    ("vcard", "vCard (.vcf)"),
    ("xlsx", "Excel workbook (.xlsx)"),
    ("ods", "OpenDocument spreadsheet (.ods)"),
];

pub async fn form(user: SignedIn) -> WebResult<Response> {
    user.may_write()?;
    let chrome = user.chrome("Import contacts");
    let template = ImportPage {
        chrome,
        echo: FormEcho::default(),
        report: None,
        formats: FORMATS,
    };
    page(&template, StatusCode::OK)
}

/// The form's fields, the file among them.
#[derive(Debug, Default)]
struct Upload {
    csrf: Option<String>,
    file: Vec<u8>,
    filename: Option<String>,
    format: Option<String>,
    sheet: Option<String>,
    map: Option<String>,
    preview: bool,
}

async fn read_upload(mut multipart: Multipart) -> WebResult<Upload> {
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadForm(e.body_text());
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.filename = field.file_name().map(str::to_owned);
            upload.file = field.bytes().await.map_err(bad)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "csrf" => upload.csrf = Some(text),
            "format" => upload.format = Some(text),
            "sheet" => upload.sheet = Some(text),
            "map" => upload.map = Some(text),
            "action" => upload.preview = text == "preview",
            _ => {}
        }
    }
    Ok(upload)
}

pub async fn submit(State(state): State<AppState>, request: Request) -> WebResult<Response> {
    let (mut parts, body) = request.into_parts();
    let user = SignedIn::from_request_parts(&mut parts, &state).await?;
    let multipart = Multipart::from_request(Request::from_parts(parts, body), &state)
        .await
        .map_err(|e| WebError::BadForm(e.body_text()))?;
    let upload = read_upload(multipart).await?;
    if !session::csrf_matches(&user.session, upload.csrf.as_deref()) {
        return Err(WebError::BadCsrf);
    }
    user.may_write()?;
    let values = [
        ("format", upload.format.as_deref()),
        ("sheet", upload.sheet.as_deref()),
        ("map", upload.map.as_deref()),
    ];
    let mut fields = Fields::default();
    if upload.file.is_empty() {
        fields.error("file", "choose a file to import");
    }
    let query = ImportQuery {
        format: upload.format.clone(),
        filename: upload.filename.clone().filter(|n| !n.is_empty()),
        map: upload.map.clone(),
        dry_run: Some(upload.preview),
        owner: None,
        sheet: upload.sheet.clone(),
    };
    let plan = match query.plan(&upload.file) {
        Ok(plan) if fields.errors.is_empty() => Some(plan),
        Ok(_) => None,
        Err(problem) => {
            fields.errors.extend(problem.errors);
            None
        }
    };
    let report = match plan {
        None => None,
        Some(plan) => {
            let moment = user.moment.clone();
            match run(&state, user.user(), moment, upload.file.into(), plan).await {
                Ok(report) => Some(ImportReportView::from(&report)),
                // A file that cannot be read at all: said beside the file field.
                Err(StoreError::Intake(e)) => {
                    fields.error("file", e.to_string());
                    None
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    let status = if fields.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let template = ImportPage {
        chrome: user.chrome("Import contacts"),
        echo: FormEcho::new(fields, &values),
        report,
        formats: FORMATS,
    };
    page(&template, status)
}

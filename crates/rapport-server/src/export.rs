//! `GET /api/v1/export`: what `rapport export` writes, streamed to an admin.
//!
//! The store writes an export to a blocking `io::Write`, a page at a time. Here that writer
//! runs on a blocking thread and hands its chunks over a small bounded channel to the
//! response body, so a slow client slows the export down instead of the book piling up in
//! memory, and a client that goes away stops it.

use std::io;
use std::sync::mpsc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rapport_store::{EXPORT_RIGHT, ExportFormat};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::Actor;
use crate::problem::Problem;

/// Chunks (of the store's 8 KiB buffer) written but not yet sent.
const CHUNKS_IN_FLIGHT: usize = 16;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (everything, JSON Lines; the default), `csv` or `vcard` (contacts)
    #[param(pattern = "^(json|csv|vcard)$")]
    format: Option<String>,
}

/// The whole book, as `rapport export --format …` writes it. Admins only.
#[utoipa::path(get, path = "/api/v1/export", params(ExportQuery), responses(
    (status = 200, description = "the export, streamed", content(
        (String = "application/x-ndjson"),
        (String = "text/csv"),
        (String = "text/vcard"),
    )),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn export(
    State(state): State<AppState>,
    Actor(account): Actor,
    Query(query): Query<ExportQuery>,
) -> Result<Response, Problem> {
    // Checked here as well as in the store: once the answer streams, a refusal could only
    // break the transfer.
    account.acting().may_administer(EXPORT_RIGHT)?;
    let (format, content_type, file_name) = match query.format.as_deref().unwrap_or("json") {
        "json" => (ExportFormat::Json, "application/x-ndjson", "rapport.jsonl"),
        "csv" => (ExportFormat::Csv, "text/csv; charset=utf-8", "rapport.csv"),
        "vcard" => (
            ExportFormat::Vcard,
            "text/vcard; charset=utf-8",
            "rapport.vcf",
        ),
        other => {
            return Err(Problem::field(
                "format",
                format!("unknown format '{other}' (expected one of: json, csv, vcard)"),
            ));
        }
    };
    let (sender, receiver) = mpsc::sync_channel::<io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    let store = state.store.clone();
    let now = state.clock.now();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let writer = ChunkWriter(sender.clone());
        if let Err(err) = runtime.block_on(store.export(account.user.id, format, now, writer)) {
            tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "export failed");
            // Ends the body with an error, so the client sees a broken transfer, never a
            // complete-looking short file.
            let _ = sender.send(Err(io::Error::other("the export failed")));
        }
    });
    let chunks = futures_util::stream::unfold(receiver, |receiver| async move {
        let (next, receiver) = tokio::task::spawn_blocking(move || (receiver.recv(), receiver))
            .await
            .ok()?;
        next.ok().map(|chunk| (chunk, receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

/// Each write becomes one chunk of the response; it blocks while the channel is full and
/// fails once the response is gone.
struct ChunkWriter(mpsc::SyncSender<io::Result<Bytes>>);

impl io::Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

//! The stylesheet and script, compiled into the binary. Pages link them as
//! `/assets/app.css?v=<version>`, so they can be cached for a year: a new build changes the
//! version and so the URL. The ETag (the same version) answers revalidations with 304.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

/// The first 16 hex characters of the SHA-256 of every asset: changes with any of them.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    hash.update(CSS);
    hash.update(JS);
    hex::encode(hash.finalize())[..16].to_owned()
});

pub fn version() -> &'static str {
    &VERSION
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (body, content_type) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    let etag = format!("\"{}\"", version());
    let cache = [
        (header::ETAG, etag.clone()),
        (
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_owned(),
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let mut response = (cache, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

//! The API's own documentation: the OpenAPI document and the browsable page over it.

use crate::server::{Server, TODAY};
use crate::support::Rapport;

#[test]
fn the_docs_page_is_served_from_the_binary_and_reads_the_openapi_document() {
    let rapport = Rapport::new();
    let server = Server::start(&rapport, TODAY);

    let page = server.get("/api/docs/", None);
    assert_eq!(page.status, 200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    // Every script and stylesheet is a relative path this server answers: no outside host.
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "{}",
        page.text
    );
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        assert!(page.text.contains(asset), "the page loads {asset}");
        let served = server.get(&format!("/api/docs/{asset}"), None);
        assert_eq!(served.status, 200, "{asset}");
        assert!(!served.text.is_empty(), "{asset}");
    }
    let initializer = server.get("/api/docs/swagger-initializer.js", None);
    assert!(
        initializer.text.contains("\"/api/openapi.json\""),
        "{}",
        initializer.text
    );

    let document = server.get("/api/openapi.json", None);
    assert_eq!(document.status, 200);
    assert_eq!(document.json["openapi"], "3.1.0");
    assert!(document.json["paths"]["/api/v1/agenda"]["get"].is_object());
}

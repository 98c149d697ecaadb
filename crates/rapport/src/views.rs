//! The wire format lives in `rapport-server` (`rapport_server::views`), shared by the CLI's
//! `--json` and the REST API so the two can never drift apart.

pub use rapport_server::views::*;

//! The `rapport` command line, end to end: the real binary against a real database.
//!
//! One test binary (fast to link on two cores). The backend is chosen by the environment:
//! `RAPPORT_TEST_DATABASE_URL` unset runs every test on its own SQLite file; set to a
//! `postgres://` URL, every test gets its own database on that server. See `support`.

// Test code: an unwrap that fails is a test failure with its message, which is what we want;
// clippy.toml's allow-unwrap-in-tests does not reach helpers outside #[test] functions.
#![allow(clippy::unwrap_used)]

mod agenda;
mod cadence;
mod contacts;
mod data;
mod errors;
mod imports;
mod intel;
mod json;
mod merge;
mod nurture;
mod playbooks;
mod profile;
mod roles;
mod search;
mod stories;
mod suggestions;
mod support;

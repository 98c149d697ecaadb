//! The team server, end to end: the real `rapport serve` on a port the system picks, driven
//! over loopback HTTP, with users and tokens made by the real CLI. The backend comes from
//! `RAPPORT_TEST_DATABASE_URL` exactly as for the CLI suite (see `../cli/support.rs`).

// Test code: an unwrap that fails is a test failure with its message.
#![allow(clippy::unwrap_used)]

mod docs;
mod export;
mod imports;
mod matrix;
mod nurture;
mod playbooks;
mod profile;
mod relationships;
mod roles;
mod search;
mod server;
mod sessions;
mod suggestions;
mod team;
// Shared with the CLI suite; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../cli/support.rs"]
mod support;
mod tests;
mod web;
mod web_relationships;

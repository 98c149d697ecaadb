//! Rapport's domain core: the vocabulary, calling cycles, the scheduling engine and agenda
//! ranking.
//!
//! Architecture invariant: this crate does no I/O — no database, no network, no clock, no
//! environment. Time arrives as arguments, so every rule here is a pure function that tests
//! (and property tests) can drive directly.

pub mod access;
pub mod agenda;
pub mod cadence;
pub mod duplicates;
pub mod email;
pub mod fit;
pub mod health;
pub mod network;
pub mod nurture;
pub mod opportunity;
pub mod phone;
pub mod playbook;
pub mod punctuality;
pub mod renewal;
pub mod schedule;
pub mod search;
pub mod suggest;
pub mod vocab;
pub mod when;

pub use cadence::{
    Cadence, CadenceDefaults, CadenceProfile, CadenceSource, CadenceUnit, DefaultScope,
};
pub use email::EmailAddress;
pub use phone::PhoneNumber;
pub use schedule::{NextTouch, NextTouchSource, ScheduleInput, next_touch};
pub use vocab::{
    AuditAction, AuditEntity, BuyingTimeline, Direction, Horizon, InterestKind, Outcome,
    ProspectKind, Role, Stage, Tier, TouchKind, UserRole,
};
pub mod model;

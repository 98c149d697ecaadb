//! The records of the domain, as the rest of the program sees them.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::agenda::Section;
use crate::cadence::{Cadence, CadenceSource};
use crate::email::EmailAddress;
use crate::fit::FieldKey;
use crate::opportunity::Expectation;
use crate::schedule::NextTouch;
use crate::vocab::{Direction, Horizon, Outcome, ProspectKind, Role, Stage, Tier, TouchKind};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

id_type!(
    UserId,
    ContactId,
    OrganizationId,
    TouchId,
    FollowUpId,
    OpportunityId,
    CompetitorId
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    /// IANA zone name; `None` means the zone of the machine running Rapport.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRef {
    pub id: OrganizationId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub domain: Option<String>,
    pub tier: Option<Tier>,
    /// The ideal client profile's facts: what it does, how many it employs, where.
    pub industry: Option<String>,
    pub size: Option<u64>,
    pub region: Option<String>,
    /// Custom fields, by key.
    pub fields: std::collections::BTreeMap<FieldKey, String>,
    pub contact_count: i64,
    /// Moves on with every edit: the ETag an `If-Match` names.
    pub version: i64,
    pub created_at: Timestamp,
}

/// A possible deal with a contact (and the organization they were at when it opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opportunity {
    pub id: OpportunityId,
    pub contact: ContactId,
    pub contact_name: String,
    pub organization: Option<OrganizationRef>,
    pub title: String,
    /// Whole units of the team's currency.
    pub value: i64,
    pub expected: Expectation,
    pub outcome: Outcome,
    /// The day it was won or lost, and why.
    pub closed: Option<(Date, Option<String>)>,
    pub opened_on: Date,
}

/// The competitor an organization buys from today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competitor {
    pub id: CompetitorId,
    pub organization: OrganizationId,
    pub name: String,
    pub renews_on: Option<Date>,
    pub dissatisfactions: Vec<String>,
}

/// A move to a lifecycle stage (`None`: the stage was cleared), the day and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    pub stage: Option<Stage>,
    pub on: Date,
    pub reason: Option<String>,
}

/// A relationship role held over a span of time; `until: None` means it is held now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpan {
    pub role: Role,
    pub since: Date,
    pub until: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub until: Date,
    pub reason: String,
}

/// Why a hold a person asked for cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error("a hold must end after today ({today}); got {until}")]
    NotAfterToday { today: Date, until: Date },
    #[error("say why, so the contact comes back with its context")]
    NoReason,
}

impl Hold {
    /// The end of a hold as a person asks for it: a day after `today` (a hold ending today
    /// or earlier would defer nothing).
    pub fn check_until(until: Date, today: Date) -> Result<Date, HoldError> {
        if until <= today {
            return Err(HoldError::NotAfterToday { today, until });
        }
        Ok(until)
    }

    /// The reason, trimmed; it cannot be empty, since it is what the contact comes back with.
    pub fn check_reason(reason: &str) -> Result<String, HoldError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(HoldError::NoReason);
        }
        Ok(reason.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    pub owner: UserId,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<OrganizationRef>,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Where they came from: "introduced by Ann Lee", "LinkedIn", "logistics summit".
    pub source: Option<String>,
    pub roles: Vec<RoleSpan>,
    /// Custom fields, by key.
    pub fields: std::collections::BTreeMap<FieldKey, String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    /// Every stage change, oldest first.
    pub stage_history: Vec<StageChange>,
    pub horizon: Option<Horizon>,
    pub prospect_kind: Option<ProspectKind>,
    /// Set on the contact itself; `None` means inherited from the defaults.
    pub cadence: Option<Cadence>,
    pub effective_cadence: Cadence,
    pub cadence_source: CadenceSource,
    pub added_on: Date,
    pub last_touch_on: Option<Date>,
    pub hold: Option<Hold>,
    pub next_touch: NextTouch,
    pub archived_at: Option<Timestamp>,
    /// The contact a merge moved this one's history into; this one stays archived and empty.
    pub merged_into: Option<ContactId>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Contact {
    pub fn active_roles(&self) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|r| r.until.is_none())
            .map(|r| r.role)
            .collect()
    }
}

/// One line of a contact list.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactSummary {
    pub id: ContactId,
    pub owner: UserId,
    pub name: String,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub tier: Option<Tier>,
    pub stage: Option<Stage>,
    pub next_touch: NextTouch,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub id: TouchId,
    pub contact: ContactId,
    pub author: UserId,
    pub kind: TouchKind,
    pub direction: Direction,
    pub at: Timestamp,
    /// The calendar day of the touch for the person who logged it.
    pub on: Date,
    pub summary: Option<String>,
    pub needs: Option<String>,
    pub next_approach: Option<String>,
    /// Its text is for its author's eyes only ([`Touch::as_seen_by`]).
    pub private: bool,
}

impl Touch {
    /// The touch as `viewer` may see it: a private touch by someone else keeps its date, kind,
    /// direction and author — so the schedule it drives stays explainable — and loses its
    /// text (summary, needs, next approach).
    pub fn as_seen_by(&self, viewer: UserId) -> Touch {
        if self.private && self.author != viewer {
            Touch {
                summary: None,
                needs: None,
                next_approach: None,
                ..self.clone()
            }
        } else {
            self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub contact: ContactId,
    pub due_on: Date,
    pub text: String,
    pub done_at: Option<Timestamp>,
}

/// One contact on the agenda, with the context needed to make the call.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaEntry {
    pub contact: ContactId,
    pub name: String,
    pub organization: Option<String>,
    pub tier: Option<Tier>,
    pub section: Section,
    pub next_touch: NextTouch,
    pub cadence: Cadence,
    pub cadence_source: CadenceSource,
    pub urgency: f64,
    pub why: String,
    pub hold: Option<Hold>,
    pub last_touch: Option<Touch>,
    pub open_follow_ups: Vec<FollowUp>,
    /// The competitor whose renewal brought the contact back, when that is the source.
    pub renewal: Option<Competitor>,
}

/// A ranked agenda, cut to a length a person can work through, with the full counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    pub today: Date,
    pub through: Date,
    pub overdue: usize,
    pub due_today: usize,
    pub upcoming: usize,
    pub entries: Vec<AgendaEntry>,
}

/// Optional free text as people send it: trimmed, and blank means absent.
pub fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(private: bool) -> Touch {
        Touch {
            id: TouchId(1),
            contact: ContactId(1),
            author: UserId(7),
            kind: TouchKind::Call,
            direction: Direction::Outbound,
            at: Timestamp::UNIX_EPOCH,
            on: Date::constant(2026, 11, 25),
            summary: Some("salary talk".into()),
            needs: Some("a raise".into()),
            next_approach: Some("wait".into()),
            private,
        }
    }

    #[test]
    fn private_text_is_for_its_author_only() {
        let private = touch(true);
        assert_eq!(private.as_seen_by(UserId(7)), private);
        let seen = private.as_seen_by(UserId(8));
        assert_eq!(
            (seen.summary, seen.needs, seen.next_approach),
            (None, None, None)
        );
        assert!(seen.private);
        assert_eq!(
            (seen.on, seen.kind, seen.author),
            (private.on, private.kind, private.author)
        );
        assert_eq!(touch(false).as_seen_by(UserId(8)), touch(false));
    }
}

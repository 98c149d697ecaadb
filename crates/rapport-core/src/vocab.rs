//! The closed vocabularies of the domain (DESIGN.md, "Vocabulary").
//!
//! Each is stored and typed as its lowercase name, so the database, the CLI and the API all
//! spell them the same way.

use std::fmt;
use std::str::FromStr;

/// A value outside a closed vocabulary, with the words that would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' (expected one of: {expected})")]
pub struct UnknownWord {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| UnknownWord {
                        what: $what,
                        given: s.to_owned(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

vocabulary! {
    /// What a person is to us. A contact holds several at once, each with its own history.
    Role, "role" {
        Prospect => "prospect",
        Lead => "lead",
        Customer => "customer",
        Influencer => "influencer",
        Champion => "champion",
        Evaluator => "evaluator",
        Referrer => "referrer",
        Partner => "partner",
        Advocate => "advocate",
        Vendor => "vendor",
    }
}

vocabulary! {
    /// How long we expect the relationship to matter; shapes default cadences.
    Horizon, "horizon" {
        Reason => "reason",
        Season => "season",
        Lifetime => "lifetime",
    }
}

vocabulary! {
    /// Where the relationship stands. Moving on is never required.
    Stage, "lifecycle stage" {
        Stranger => "stranger",
        Acquainted => "acquainted",
        Engaged => "engaged",
        Customer => "customer",
        Advocate => "advocate",
        Dormant => "dormant",
    }
}

vocabulary! {
    /// First time buying this kind of thing, or bought before (often from a competitor).
    ProspectKind, "prospect kind" {
        New => "new",
        Seasoned => "seasoned",
    }
}

vocabulary! {
    /// How valuable a client is; A is the fortress tier.
    Tier, "tier" {
        A => "A",
        B => "B",
        C => "C",
        D => "D",
    }
}

vocabulary! {
    /// How a touch happened.
    TouchKind, "touch kind" {
        Call => "call",
        Meeting => "meeting",
        Email => "email",
        Message => "message",
        Event => "event",
        Note => "note",
        ContentShared => "content-shared",
    }
}

vocabulary! {
    /// Who reached out: us (outbound) or them (inbound).
    Direction, "direction" {
        Outbound => "outbound",
        Inbound => "inbound",
    }
}

vocabulary! {
    /// What a user of a team server may do: an admin manages users; a member reads and writes;
    /// a viewer only reads.
    UserRole, "user role" {
        Admin => "admin",
        Member => "member",
        Viewer => "viewer",
    }
}

vocabulary! {
    /// What a write did, as the audit log records it.
    AuditAction, "audit action" {
        Create => "create",
        Update => "update",
        Archive => "archive",
        Unarchive => "unarchive",
        Hold => "hold",
        Unhold => "unhold",
        Complete => "complete",
        Reassign => "reassign",
        Revoke => "revoke",
        Close => "close",
        Retire => "retire",
        Import => "import",
        Merge => "merge",
        Remove => "remove",
    }
}

vocabulary! {
    /// What kind of record an audit row is about.
    AuditEntity, "audit entity" {
        Contact => "contact",
        Organization => "organization",
        Touch => "touch",
        FollowUp => "follow_up",
        CadenceDefault => "cadence_default",
        User => "user",
        ApiToken => "api_token",
        Opportunity => "opportunity",
        Competitor => "competitor",
        RelationshipSetting => "relationship_setting",
        Introduction => "introduction",
        Content => "content",
        Interests => "interests",
        Nurture => "nurture",
        NurtureSetting => "nurture_setting",
        IcpCriterion => "icp_criterion",
    }
}

vocabulary! {
    /// How soon a prospect expects to buy, as they say it: within 30, 60 or 90 days, or later.
    BuyingTimeline, "buying timeline" {
        Within30 => "30",
        Within60 => "60",
        Within90 => "90",
        Later => "later",
    }
}

vocabulary! {
    /// Where an opportunity stands.
    Outcome, "outcome" {
        Open => "open",
        Won => "won",
        Lost => "lost",
    }
}

vocabulary! {
    /// What a contact cares about (an interest) or is trying to solve (a need).
    InterestKind, "interest kind" {
        Interest => "interest",
        Need => "need",
    }
}

impl UserRole {
    /// Whether this role may change records (contacts, touches, holds, follow-ups).
    pub fn can_write(self) -> bool {
        matches!(self, UserRole::Admin | UserRole::Member)
    }
}

impl Tier {
    /// How much more urgent an overdue touch is at this tier ("build a fortress around your
    /// best clients"); added to the overdue ratio when ranking the agenda.
    pub fn urgency_bonus(self) -> f64 {
        match self {
            Tier::A => 1.0,
            Tier::B => 0.5,
            Tier::C => 0.2,
            Tier::D => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_ignore_case() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert_eq!("Champion".parse::<Role>(), Ok(Role::Champion));
        assert_eq!("a".parse::<Tier>(), Ok(Tier::A));
        assert_eq!(
            "content-shared".parse::<TouchKind>(),
            Ok(TouchKind::ContentShared)
        );
    }

    #[test]
    fn unknown_word_lists_the_choices() {
        let err = "boss".parse::<Role>().unwrap_err();
        assert_eq!(err.given, "boss");
        assert!(
            err.to_string().contains("expected one of: prospect, lead"),
            "{err}"
        );
    }
}

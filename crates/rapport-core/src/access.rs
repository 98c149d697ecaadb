//! Who may do what: the visibility model of a team database, as pure rules.
//!
//! - Contacts and organizations are team-wide: every user reads all of them.
//! - A **viewer** reads only.
//! - A **member** changes a contact's record (edit, archive, hold, cadence, owner) only for
//!   the contacts they own, and logs touches and follow-ups on any contact: that is their own
//!   activity, not a change to someone else's record.
//! - An **admin** may do everything, including the team-wide settings (default cadences,
//!   users, reassigning a book, the audit log).
//! - A touch marked private shows its text (summary, needs, next approach) to its author only;
//!   everyone else sees that it happened ([`crate::model::Touch::as_seen_by`]).

use crate::model::UserId;
use crate::vocab::UserRole;

/// Why an action is refused. The message is what the person is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forbidden {
    #[error("a {0} can read but not change records")]
    ReadOnly(UserRole),
    #[error("only the owner or an admin may change this contact")]
    NotOwner,
    #[error("only an admin may {0}")]
    AdminOnly(&'static str),
    #[error("only its owner or an admin may change this {0}")]
    NotYours(&'static str),
}

/// The user a write acts as, with their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting {
    pub user: UserId,
    pub role: UserRole,
}

impl Acting {
    /// Adding records and logging activity (contacts, organizations, touches, follow-ups):
    /// anyone who may write at all.
    pub fn may_add(self) -> Result<(), Forbidden> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(Forbidden::ReadOnly(self.role))
        }
    }

    /// Changing a contact's own record: its owner (a member or admin) or any admin.
    pub fn may_change_contact(self, owner: UserId) -> Result<(), Forbidden> {
        self.may_add()?;
        if self.role == UserRole::Admin || self.user == owner {
            Ok(())
        } else {
            Err(Forbidden::NotOwner)
        }
    }

    /// Something that belongs to one user (their settings, their API tokens): that user or
    /// an admin. Viewers may manage their own settings and tokens too.
    pub fn may_change_own(self, owner: UserId, what: &'static str) -> Result<(), Forbidden> {
        if self.role == UserRole::Admin || self.user == owner {
            Ok(())
        } else {
            Err(Forbidden::NotYours(what))
        }
    }

    /// Team-wide settings and oversight: admins only. `what` completes "only an admin may …".
    pub fn may_administer(self, what: &'static str) -> Result<(), Forbidden> {
        if self.role == UserRole::Admin {
            Ok(())
        } else {
            Err(Forbidden::AdminOnly(what))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: UserId = UserId(1);
    const BOB: UserId = UserId(2);

    fn acting(user: UserId, role: UserRole) -> Acting {
        Acting { user, role }
    }

    #[test]
    fn members_change_their_own_contacts_only() {
        let bob = acting(BOB, UserRole::Member);
        assert_eq!(bob.may_change_contact(BOB), Ok(()));
        assert_eq!(bob.may_change_contact(ANN), Err(Forbidden::NotOwner));
        assert_eq!(bob.may_add(), Ok(()));
        assert!(bob.may_administer("reassign contacts").is_err());
    }

    #[test]
    fn admins_change_anything_and_viewers_nothing() {
        let ann = acting(ANN, UserRole::Admin);
        assert_eq!(ann.may_change_contact(BOB), Ok(()));
        assert_eq!(ann.may_administer("x"), Ok(()));
        let vic = acting(BOB, UserRole::Viewer);
        assert_eq!(
            vic.may_change_contact(BOB),
            Err(Forbidden::ReadOnly(UserRole::Viewer))
        );
        assert_eq!(vic.may_add(), Err(Forbidden::ReadOnly(UserRole::Viewer)));
        assert_eq!(vic.may_change_own(BOB, "token"), Ok(()));
        assert!(vic.may_change_own(ANN, "token").is_err());
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            Forbidden::NotOwner.to_string(),
            "only the owner or an admin may change this contact"
        );
    }
}

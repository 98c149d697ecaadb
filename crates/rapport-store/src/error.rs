use rapport_core::access::Forbidden;
use rapport_core::model::{ContactId, FollowUpId, OpportunityId, OrganizationId};
use rapport_core::nurture::{CapReached, ContentId};

/// What a write makes a user of a contact, when it checks that they may be it
/// ([`StoreError::ViewerOwner`], [`StoreError::DisabledOwner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The contact's owner (a hand-over, a reassignment, an import's owner).
    Owner,
    /// Who nurtures the contact.
    NurtureOwner,
    /// Who sells to the contact: sales-ready handoffs go to them.
    SalesOwner,
}

impl Ownership {
    /// The field a request names the user in: `owner`, `nurture_owner_id`, `sales_owner_id`.
    pub fn field(self) -> &'static str {
        match self {
            Ownership::Owner => "owner",
            Ownership::NurtureOwner => "nurture_owner_id",
            Ownership::SalesOwner => "sales_owner_id",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Ownership::Owner => "owner",
            Ownership::NurtureOwner => "nurture owner",
            Ownership::SalesOwner => "sales owner",
        }
    }

    fn viewer_cannot(self) -> &'static str {
        match self {
            Ownership::Owner => "own contacts",
            Ownership::NurtureOwner => "nurture contacts",
            Ownership::SalesOwner => "take sales-ready handoffs",
        }
    }

    fn disabled_does_not(self) -> &'static str {
        match self {
            Ownership::Owner => "owns no contacts",
            Ownership::NurtureOwner => "nurtures no contacts",
            Ownership::SalesOwner => "takes no sales-ready handoffs",
        }
    }
}

/// A contact that matched a reference, listed when a name is ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: ContactId,
    pub name: String,
    pub organization: Option<String>,
    pub email: Option<String>,
}

impl std::fmt::Display for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} {}", self.id, self.name)?;
        if let Some(org) = &self.organization {
            write!(f, " ({org})")?;
        }
        if let Some(email) = &self.email {
            write!(f, " <{email}>")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid database URL '{url}': {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open database {url}")]
    Unreachable {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "this database was written by a newer version of Rapport (schema version {found}, this \
         version knows up to {known}); upgrade Rapport to open it"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("no contact matches '{0}'")]
    ContactNotFound(String),
    #[error("'{given}' matches {} contacts: {}; use the id or the email", candidates.len(), list(candidates))]
    AmbiguousContact {
        given: String,
        candidates: Vec<Candidate>,
    },
    #[error("email {email} already belongs to contact #{contact} {name}")]
    DuplicateEmail {
        email: String,
        contact: ContactId,
        name: String,
    },
    #[error("no user {0}")]
    UserNotFound(String),
    /// Contacts belong to users who write: a viewer could not log the touches an owner is
    /// asked for, nor act on a handoff as its nurture or sales owner.
    #[error("user {user} is a viewer, who cannot {}; make them a member first", .ownership.viewer_cannot())]
    ViewerOwner { user: String, ownership: Ownership },
    /// Contacts belong to users who work them: a disabled user calls nobody and takes no
    /// handoff.
    #[error(
        "user {user} is disabled, and a disabled user {}; choose another {} or have an admin \
         enable them first",
        .ownership.disabled_does_not(),
        .ownership.what()
    )]
    DisabledOwner { user: String, ownership: Ownership },
    /// A nurture or sales owner named by an id no user has.
    #[error("there is no user #{user} to be the {}", .ownership.what())]
    NoSuchOwner { user: i64, ownership: Ownership },
    /// A disabled user acts nowhere: they were disabled after the request authenticated, or
    /// the command line was told to act as them.
    #[error("user {0} is disabled; an admin can enable them again")]
    DisabledUser(String),
    /// An API token asked for a disabled user: it would authenticate nobody.
    #[error(
        "user {0} is disabled, so an API token for them would let nobody in; an admin enables \
         them first"
    )]
    TokenForDisabledUser(String),
    /// A change to a user that would leave the team without an active admin, or contacts
    /// owned by a viewer or a disabled user (see `Store::set_user_role`,
    /// `Store::set_user_disabled`).
    #[error("{0}")]
    UserChangeRefused(String),
    #[error("a user with email {0} already exists")]
    DuplicateUser(String),
    #[error("no organization matches '{0}'")]
    OrganizationNotFound(String),
    #[error("an organization named '{0}' already exists")]
    DuplicateOrganization(String),
    #[error("no follow-up #{0}")]
    FollowUpNotFound(FollowUpId),
    #[error("no opportunity #{0}")]
    OpportunityNotFound(OpportunityId),
    #[error(
        "contact #{contact} changed since you read it (you had version {expected}, it is now \
         at {current}); read it again and reapply your change"
    )]
    VersionMismatch {
        contact: ContactId,
        expected: i64,
        current: i64,
    },
    #[error(
        "organization #{organization} changed since you read it (you had version {expected}, \
         it is now at {current}); read it again and reapply your change"
    )]
    StaleOrganization {
        organization: OrganizationId,
        expected: i64,
        current: i64,
    },
    #[error("no ideal client profile criterion #{0}")]
    CriterionNotFound(i64),
    #[error("no content item #{0}")]
    ContentNotFound(ContentId),
    #[error(transparent)]
    CapReached(#[from] CapReached),
    #[error("contact #{0} is archived; unarchive it first")]
    Archived(ContactId),
    #[error("contact #{contact} was merged into #{into}; its history is there now")]
    Merged { contact: ContactId, into: ContactId },
    #[error("no API token #{0}")]
    TokenNotFound(i64),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("line {line}: {problem}")]
    Import { line: u64, problem: String },
    /// A file of contacts that cannot be read at all (its bad rows are in the report instead).
    #[error(transparent)]
    Intake(#[from] rapport_intake::IntakeError),
    #[error(
        "this database is not empty; an import keeps the file's ids, so it goes into a new \
         database"
    )]
    NotEmpty,
    #[error("cannot write the export")]
    Output(#[source] std::io::Error),
    #[error("{path}: {action}")]
    File {
        path: String,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} already exists")]
    FileExists { path: String },
    #[error("{path} is not a Rapport SQLite database: {reason}")]
    NotRapportDatabase { path: String, reason: String },
    #[error(
        "the database is in use by another process (is `rapport serve` running?); stop it, \
         then restore"
    )]
    InUse,
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Another write held what this one needed for too long — SQLite's write lock past the busy
    /// timeout, a PostgreSQL deadlock, serialization failure or lock timeout — or every pooled
    /// connection stayed in use. The transaction was rolled back whole, so trying the same
    /// request again is safe.
    #[error("the database is busy with other writes; nothing was saved, try again")]
    Busy(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

/// Every database error becomes a [`StoreError`] here, so one that only contention caused is
/// [`StoreError::Busy`] wherever it was met.
impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        if is_contention(&err) {
            StoreError::Busy(err)
        } else {
            StoreError::Database(err)
        }
    }
}

/// Whether `err` says the database was busy rather than that the work was wrong: retrying
/// the transaction may succeed.
fn is_contention(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(e) => {
            if let Some(pg) = e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // serialization_failure, deadlock_detected, lock_not_available
                matches!(pg.code(), "40001" | "40P01" | "55P03")
            } else {
                e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() && is_busy(err)
            }
        }
        _ => false,
    }
}

/// SQLite's SQLITE_BUSY or SQLITE_LOCKED, or one of their extended codes (the primary code
/// is the low byte): another connection holds a lock this one needs.
pub(crate) fn is_busy(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

fn list(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the database refused a row because a unique index already has its key: the
/// loser of two concurrent inserts of the same email or name, which the check before the
/// insert could not see yet.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_contention_caused_are_busy() {
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Busy(_)
        ));
        for err in [sqlx::Error::RowNotFound, sqlx::Error::WorkerCrashed] {
            assert!(matches!(StoreError::from(err), StoreError::Database(_)));
        }
    }
}

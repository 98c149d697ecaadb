//! What a column holds: recognised from its header in the spellings people and tools use,
//! or said with `--map COLUMN=FIELD`.

use std::str::FromStr;

use rapport_core::fit::FieldKey;

use crate::{Format, IntakeError};

/// Where a column's values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Name,
    FirstName,
    MiddleName,
    LastName,
    /// One or more addresses (separated by `;`, `,` or Google's ` ::: `).
    Email,
    /// One or more numbers (separated by `;` or ` ::: `).
    Phone,
    Organization,
    Title,
    Notes,
    Tags,
    Tier,
    Stage,
    Horizon,
    ProspectKind,
    Cadence,
    Roles,
    Source,
    /// Kept in the contact's notes as "Column: value".
    Note,
    /// Left out (and the report says so).
    Ignore,
    /// A custom field of the contact's (`field:KEY`), as the ideal client profile reads them.
    Custom(FieldKey),
}

const FIELDS: &[(&str, Field)] = &[
    ("name", Field::Name),
    ("first_name", Field::FirstName),
    ("middle_name", Field::MiddleName),
    ("last_name", Field::LastName),
    ("email", Field::Email),
    ("phone", Field::Phone),
    ("organization", Field::Organization),
    ("title", Field::Title),
    ("notes", Field::Notes),
    ("tags", Field::Tags),
    ("tier", Field::Tier),
    ("stage", Field::Stage),
    ("horizon", Field::Horizon),
    ("prospect_kind", Field::ProspectKind),
    ("cadence", Field::Cadence),
    ("roles", Field::Roles),
    ("source", Field::Source),
    ("note", Field::Note),
    ("ignore", Field::Ignore),
];

impl Field {
    /// Whether a column of this field can say who a contact is.
    pub(crate) fn names_someone(&self) -> bool {
        matches!(
            self,
            Field::Name | Field::FirstName | Field::LastName | Field::Email
        )
    }

    pub const NAMES: &'static str = "name, first_name, middle_name, last_name, email, phone, \
        organization, title, notes, tags, tier, stage, horizon, prospect_kind, cadence, roles, \
        source, note, ignore, field:KEY (a custom field)";
}

impl FromStr for Field {
    type Err = IntakeError;
    fn from_str(s: &str) -> Result<Field, IntakeError> {
        if let Some(key) = s.trim().strip_prefix("field:") {
            return key
                .parse()
                .map(Field::Custom)
                .map_err(|e| IntakeError::BadFieldKey(s.to_owned(), e));
        }
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        FIELDS
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, field)| field.clone())
            .ok_or_else(|| IntakeError::UnknownField(s.to_owned()))
    }
}

/// A header as compared: lowercase letters only, so "E-mail 2 Address", "email_address" and
/// "Email Address" are one spelling ("emailaddress"); numbered columns lose their number.
pub(crate) fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The spellings recognised, by [`header_key`].
const ALIASES: &[(&[&str], Field)] = &[
    (
        &[
            "name",
            "fullname",
            "displayname",
            "contactname",
            "contact",
            "fn",
            "names",
        ],
        Field::Name,
    ),
    (
        &[
            "firstname",
            "givenname",
            "first",
            "forename",
            "prenom",
            "vorname",
        ],
        Field::FirstName,
    ),
    (
        &["middlename", "additionalname", "middle"],
        Field::MiddleName,
    ),
    (
        &["lastname", "familyname", "surname", "last", "nachname"],
        Field::LastName,
    ),
    (
        &[
            "email",
            "emails",
            "mail",
            "emailaddress",
            "emailaddresses",
            "emailvalue",
            "workemail",
            "personalemail",
            "businessemail",
            "homeemail",
            "otheremail",
            "primaryemail",
        ],
        Field::Email,
    ),
    (
        &[
            "phone",
            "phones",
            "phonenumber",
            "phonenumbers",
            "telephone",
            "tel",
            "mobile",
            "mobilephone",
            "cell",
            "cellphone",
            "workphone",
            "homephone",
            "businessphone",
            "otherphone",
            "primaryphone",
            "phonevalue",
            "companymainphone",
            "carphone",
            "assistantsphone",
            "radiophone",
        ],
        Field::Phone,
    ),
    (
        &[
            "organization",
            "organisation",
            "organizationname",
            "organisationname",
            "company",
            "companyname",
            "org",
            "employer",
            "account",
            "accountname",
        ],
        Field::Organization,
    ),
    (
        &[
            "title",
            "jobtitle",
            "position",
            "organizationtitle",
            "jobposition",
        ],
        Field::Title,
    ),
    (
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "description",
            "remarks",
        ],
        Field::Notes,
    ),
    (
        &[
            "tags",
            "tag",
            "labels",
            "categories",
            "groupmembership",
            "groups",
        ],
        Field::Tags,
    ),
    (&["tier"], Field::Tier),
    (&["stage", "lifecyclestage"], Field::Stage),
    (&["horizon"], Field::Horizon),
    (&["prospectkind"], Field::ProspectKind),
    (&["cadence", "callingcycle"], Field::Cadence),
    (&["roles", "relationshiproles"], Field::Roles),
    (&["source", "leadsource"], Field::Source),
    // Columns Rapport computes itself (its own CSV export has them), and the type labels
    // Google and Outlook put beside an email or phone: nothing to keep.
    (
        &[
            "id",
            "nexttouch",
            "lasttouch",
            "addedon",
            "emailtype",
            "emaillabel",
            "phonetype",
            "phonelabel",
            "emaildisplayname",
            "organizationtype",
            "organizationlabel",
        ],
        Field::Ignore,
    ),
];

/// What a header recognised in `format` holds; `None` when no spelling matches. A
/// `field:KEY` header (Rapport's own CSV export) is that custom field.
pub(crate) fn recognise(format: Format, header: &str) -> Option<Field> {
    if let Some(Ok(key)) = header.trim().strip_prefix("field:").map(str::parse) {
        return Some(Field::Custom(key));
    }
    let key = header_key(header);
    // Outlook's "Title" is the courtesy title ("Dr."), its "Job Title" the job.
    if format == Format::Outlook && key == "title" {
        return Some(Field::Note);
    }
    ALIASES
        .iter()
        .find(|(spellings, _)| spellings.contains(&key.as_str()))
        .map(|(_, field)| field.clone())
}

/// The flavour of a CSV, told from its header.
pub(crate) fn flavour(headers: &[String]) -> Format {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let has = |key: &str| keys.iter().any(|k| k == key);
    if has("groupmembership") || has("emailvalue") || has("organizationname") && has("labels") {
        Format::Google
    } else if has("connectedon") && has("url") {
        Format::Linkedin
    } else if has("emaildisplayname") || (has("jobtitle") && has("businessphone")) {
        Format::Outlook
    } else {
        Format::Csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_meet_in_one_key() {
        for header in [
            "E-mail 2 Address",
            "email_address",
            "Email Address",
            "EMAIL ADDRESS",
        ] {
            assert_eq!(
                recognise(Format::Csv, header),
                Some(Field::Email),
                "{header}"
            );
        }
        assert_eq!(
            recognise(Format::Csv, "E-mail 1 - Value"),
            Some(Field::Email)
        );
        assert_eq!(
            recognise(Format::Csv, "Organization 1 - Title"),
            Some(Field::Title)
        );
        assert_eq!(recognise(Format::Csv, "Title"), Some(Field::Title));
        assert_eq!(recognise(Format::Outlook, "Title"), Some(Field::Note));
        assert_eq!(recognise(Format::Csv, "Birthday"), None);
    }

    #[test]
    fn map_fields_parse_by_name() {
        assert_eq!(
            "prospect-kind".parse::<Field>().ok(),
            Some(Field::ProspectKind)
        );
        assert!("phone number".parse::<Field>().is_err());
    }
}

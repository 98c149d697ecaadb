//! Email addresses as a parsed type: an `EmailAddress` cannot hold an invalid address.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid email address '{0}': expected name@domain.tld")]
pub struct InvalidEmail(pub String);

impl EmailAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EmailAddress {
    type Err = InvalidEmail;

    /// Deliberately permissive (real addresses are strange) but structural: one `@`, a
    /// non-empty local part, a dotted domain, no spaces. Stored lowercase, because address
    /// matching (duplicates, imports) must not depend on how someone typed it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let invalid = || InvalidEmail(s.to_owned());
        let (local, domain) = trimmed.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || domain.contains('@')
            || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
            || trimmed.len() > 254
        {
            return Err(invalid());
        }
        Ok(EmailAddress(trimmed.to_lowercase()))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let email: EmailAddress = " Ada@Example.COM ".parse().unwrap();
        assert_eq!(email.as_str(), "ada@example.com");
        assert!(
            "o'brien+crm@mail.example.co.uk"
                .parse::<EmailAddress>()
                .is_ok()
        );
    }

    #[test]
    fn rejects_structural_nonsense() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(
                bad.parse::<EmailAddress>().is_err(),
                "{bad} should be rejected"
            );
        }
    }
}

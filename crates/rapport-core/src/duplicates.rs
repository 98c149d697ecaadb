//! Likely duplicates as rules: when two names are one person's (when two phone numbers are one is
//! `phone`'s). The store reads the candidates; these rules decide, and name the evidence.
//!
//! The same email cannot be evidence here: the store refuses an email already on another
//! contact, so two contacts never share one.

use crate::search::{near, words};

/// How alike two names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameLikeness {
    /// The same words, in any order and case.
    Same,
    /// The same first and last names but for a typo or two ("Whitfield", "Whitfeld") or an
    /// initial ("D. Whitfield").
    Similar,
}

/// Whether two names look like one person's; `None` if not. A single word is not enough.
pub fn name_likeness(a: &str, b: &str) -> Option<NameLikeness> {
    let mut a: Vec<String> = words(a).collect();
    let mut b: Vec<String> = words(b).collect();
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (first_a, last_a) = (a[0].clone(), a[a.len() - 1].clone());
    let (first_b, last_b) = (b[0].clone(), b[b.len() - 1].clone());
    a.sort();
    b.sort();
    if a == b {
        return Some(NameLikeness::Same);
    }
    let alike = |x: &str, y: &str| x == y || near(x, y) || near(y, x);
    let initial = |x: &str, y: &str| x.chars().count() == 1 && y.starts_with(x);
    let firsts =
        alike(&first_a, &first_b) || initial(&first_a, &first_b) || initial(&first_b, &first_a);
    (firsts && alike(&last_a, &last_b)).then_some(NameLikeness::Similar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_alike_by_words_typos_and_initials() {
        use NameLikeness::*;
        assert_eq!(
            name_likeness("Dana Whitfield", "whitfield, DANA"),
            Some(Same)
        );
        assert_eq!(
            name_likeness("Dana Whitfield", "Dana Whitfeld"),
            Some(Similar)
        );
        assert_eq!(
            name_likeness("D. Whitfield", "Dana Whitfield"),
            Some(Similar)
        );
        assert_eq!(
            name_likeness("Dana J. Whitfield", "Dana Whitfield"),
            Some(Similar)
        );
        assert_eq!(name_likeness("Dana Whitfield", "Dana Whitman"), None);
        assert_eq!(name_likeness("Dana Whitfield", "Lana Whitfield"), None);
        assert_eq!(
            name_likeness("Dana", "Dana"),
            None,
            "one word is not enough"
        );
    }
}

//! Full-text search as rules: how a query splits into terms, when a term matches a piece of
//! text (a word starting with it, or — on names — a word one or two typos away), what each
//! field is worth, and so how results rank and say what matched. The store finds candidates
//! with each backend's index; these rules decide, identically on both, which candidates match
//! and in what order. A query that is a phone number is also looked up by the number
//! ([`dialled`]).

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::model::TouchId;
use crate::phone::phone_key;

/// The most terms a query uses: more narrows nothing a person would type.
pub const MAX_TERMS: usize = 8;

/// Terms shorter than this get no typo tolerance: two letters away from a short word is
/// another word.
const TYPO_MIN_LEN: usize = 4;

/// The words of `query`, lowercased, in order, without repeats: letters and digits, split on
/// everything else — as the indexes split the text they hold, so `sam@northwind.example` is
/// `sam`, `northwind`, `example` on both sides.
pub fn terms(query: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in words(query) {
        if !found.contains(&word) {
            found.push(word);
        }
        if found.len() == MAX_TERMS {
            break;
        }
    }
    found
}

/// The words of a piece of text, lowercased and without accents — "Zürich" is `zurich` —
/// as SQLite's `unicode61` tokenizer and PostgreSQL's `search_words` (migration 0021) fold
/// them: a letter and the marks Unicode decomposes it into lose the marks.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|word| {
            word.to_lowercase()
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .collect()
        })
}

/// The number a query dials, if it is one: nothing but digits and the signs phone numbers
/// are written with (`+44 (0)20 7946-0958`), and digits enough to identify a number. The
/// [`phone_key`] it returns finds the contacts holding that number however they wrote it,
/// with or without the country code.
pub fn dialled(query: &str) -> Option<String> {
    let phone_shaped = query
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+()-./".contains(c));
    phone_shaped.then(|| phone_key(query)).flatten()
}

/// How many typos a term may carry and still match a name: none below four letters, one up
/// to seven, two from eight.
pub fn typos_allowed(term: &str) -> usize {
    match term.chars().count() {
        n if n < TYPO_MIN_LEN => 0,
        n if n < 8 => 1,
        _ => 2,
    }
}

/// Whether `word` (from a name) is within the typos `term` allows. Typos do not reach the first
/// letter, which people rarely get wrong and which lets an index narrow the words to compare.
pub fn near(term: &str, word: &str) -> bool {
    let allowed = typos_allowed(term);
    allowed > 0
        && term.chars().next() == word.chars().next()
        && strsim::levenshtein(term, word) <= allowed
}

/// Where a contact or organization matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Organization,
    Email,
    Domain,
    Notes,
    /// A touch's summary, needs or next approach.
    Touch,
    /// A phone number: the query dialled it ([`dialled`]).
    Phone,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Organization => "organization",
            Field::Email => "email",
            Field::Domain => "domain",
            Field::Notes => "notes",
            Field::Touch => "touch",
            Field::Phone => "phone",
        }
    }

    /// What a term found here is worth: who someone is counts more than what was said.
    fn weight(self) -> u32 {
        match self {
            Field::Name | Field::Phone => 8,
            Field::Organization | Field::Domain => 5,
            Field::Email => 4,
            Field::Notes | Field::Touch => 2,
        }
    }
}

/// How well a term matched a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    /// A word one or two typos from the term (names only).
    Near,
    /// A word starting with the term.
    Prefix,
    /// The whole word.
    Exact,
}

impl Quality {
    fn weight(self) -> u32 {
        match self {
            Quality::Near => 1,
            Quality::Prefix => 3,
            Quality::Exact => 4,
        }
    }
}

/// How `term` matches `text` at best, if at all. Typos count only where `typos` is true.
pub fn quality(term: &str, text: &str, typos: bool) -> Option<Quality> {
    words(text)
        .filter_map(|word| {
            if word == term {
                Some(Quality::Exact)
            } else if word.starts_with(term) {
                Some(Quality::Prefix)
            } else if typos && near(term, &word) {
                Some(Quality::Near)
            } else {
                None
            }
        })
        .max()
}

/// One piece of text a record can be found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a> {
    pub field: Field,
    pub text: &'a str,
    /// The touch the text is from, for [`Field::Touch`].
    pub touch: Option<TouchId>,
}

/// What matched: a field, and the text of that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub field: Field,
    pub text: String,
    pub touch: Option<TouchId>,
}

/// A record's score against the terms, and what matched; `None` unless every term matches
/// somewhere. Each term counts once, where it matched best.
pub fn score(terms: &[String], texts: &[Text<'_>]) -> Option<(u32, Vec<Matched>)> {
    let mut total = 0;
    let mut matched: Vec<Matched> = Vec::new();
    for term in terms {
        let (points, best) = texts
            .iter()
            .filter_map(|t| {
                quality(term, t.text, t.field == Field::Name)
                    .map(|q| (t.field.weight() * q.weight(), t))
            })
            .max_by_key(|(points, _)| *points)?;
        total += points;
        if !matched
            .iter()
            .any(|m| m.field == best.field && m.text == best.text && m.touch == best.touch)
        {
            matched.push(Matched {
                field: best.field,
                text: best.text.to_owned(),
                touch: best.touch,
            });
        }
    }
    matched.sort_by_key(|m| m.field);
    Some((total, matched))
}

/// Result order: the higher score first, then the name (lowercased), then the id.
pub fn rank<K: Ord>(a: (u32, &str, K), b: (u32, &str, K)) -> Ordering {
    b.0.cmp(&a.0)
        .then_with(|| a.1.to_lowercase().cmp(&b.1.to_lowercase()))
        .then_with(|| a.2.cmp(&b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_lowercase_words_without_repeats() {
        assert_eq!(
            terms("  Acme, RETREAT acme data-migration "),
            vec!["acme", "retreat", "data", "migration"]
        );
        assert_eq!(
            terms("sam@Northwind.example"),
            vec!["sam", "northwind", "example"]
        );
        assert!(terms(" %_ -- ").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), MAX_TERMS);
    }

    #[test]
    fn typos_are_allowed_on_longer_words_and_never_on_the_first_letter() {
        assert!(near("whitfeld", "whitfield"), "one letter missing");
        assert!(
            !near("okafro", "okafor"),
            "a swap is two edits: too many for six letters"
        );
        assert!(!near("dana", "lana"), "the first letter is never a typo");
        assert!(!near("lee", "lea"), "short words need the exact letters");
        assert!(near("whitfielt", "whitfield"));
        assert!(!near("whitfxxxx", "whitfield"));
    }

    #[test]
    fn a_term_matches_a_word_it_starts_or_is_and_names_forgive_typos() {
        assert_eq!(
            quality("dana", "Dana Whitfield", false),
            Some(Quality::Exact)
        );
        assert_eq!(
            quality("whit", "Dana Whitfield", false),
            Some(Quality::Prefix)
        );
        assert_eq!(
            quality("field", "Dana Whitfield", false),
            None,
            "words start"
        );
        assert_eq!(
            quality("whitfeld", "Dana Whitfield", true),
            Some(Quality::Near)
        );
        assert_eq!(quality("whitfeld", "Dana Whitfield", false), None);
    }

    #[test]
    fn a_query_dials_a_number_when_it_is_one() {
        let london = Some("079460958".to_owned());
        assert_eq!(dialled("+44 (0)20 7946-0958"), london);
        assert_eq!(dialled("020 7946 0958"), london);
        assert_eq!(dialled("+44 20 7946 0958"), london);
        assert_eq!(dialled("00442079460958"), london);
        assert_eq!(dialled("555.0100.12"), dialled("555 010 012"));
        assert_eq!(dialled("555 0100"), Some("5550100".to_owned()));
        assert_eq!(dialled("12345"), None, "too few digits to be a number");
        assert_eq!(dialled("acme 2026 0100 555"), None, "words are not dialled");
        assert_eq!(dialled("ext. 5550100"), None);
    }

    #[test]
    fn accents_fold_away_on_both_sides() {
        assert_eq!(
            terms("Ångström ZÜRICH josé"),
            ["angstrom", "zurich", "jose"]
        );
        assert_eq!(
            quality("zurich", "Café Zürich", false),
            Some(Quality::Exact)
        );
        assert_eq!(quality("cafe", "Café Zürich", false), Some(Quality::Exact));
        assert_eq!(
            quality("smorg", "Ångström Smörgås", false),
            Some(Quality::Prefix)
        );
    }

    #[test]
    fn every_term_must_match_and_each_counts_where_it_matched_best() {
        let texts = [
            Text {
                field: Field::Name,
                text: "Dana Whitfield",
                touch: None,
            },
            Text {
                field: Field::Organization,
                text: "Acme Freight",
                touch: None,
            },
            Text {
                field: Field::Touch,
                text: "Met at the retreat; needs data migration",
                touch: Some(TouchId(7)),
            },
        ];
        let terms = terms("acme retreat migr");
        let (points, matched) = score(&terms, &texts).unwrap();
        // acme: organization exact 5×4; retreat: touch exact 2×4; migr: touch prefix 2×3.
        assert_eq!(points, 20 + 8 + 6);
        assert_eq!(
            matched,
            vec![
                Matched {
                    field: Field::Organization,
                    text: "Acme Freight".into(),
                    touch: None,
                },
                Matched {
                    field: Field::Touch,
                    text: "Met at the retreat; needs data migration".into(),
                    touch: Some(TouchId(7)),
                },
            ]
        );
        assert_eq!(score(&super::terms("acme zebra"), &texts), None);
    }

    #[test]
    fn results_rank_by_score_then_name() {
        assert_eq!(rank((10, "b", 1), (5, "a", 2)), Ordering::Less);
        assert_eq!(rank((5, "B", 1), (5, "a", 2)), Ordering::Greater);
        assert_eq!(rank((5, "a", 1), (5, "a", 2)), Ordering::Less);
    }
}

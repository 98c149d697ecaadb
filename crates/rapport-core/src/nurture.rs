//! Personal lead nurturing, as pure rules: the content library's items, a contact's interests
//! and needs (stated, or taken from the "needs discussed" of their touches), ranked and
//! explained recommendations, the caps that keep anyone from being blasted, and when a
//! nurtured contact becomes sales-ready.

use std::collections::HashSet;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::model::TouchId;
use crate::opportunity::{Expectation, Timeline};
use crate::vocab::{BuyingTimeline, InterestKind, ProspectKind, Stage};

/// The id of an item of the content library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentId(pub i64);

impl std::fmt::Display for ContentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a value of the library or of a contact's interests cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NurtureError {
    #[error("a term cannot be empty")]
    EmptyTerm,
    #[error("'{0}' is too long for a term (at most 60 characters)")]
    LongTerm(String),
    #[error("an item needs a {0}")]
    Missing(&'static str),
    #[error("an item needs at least one topic or need, so it can be matched to people")]
    NoTerms,
}

/// A topic, interest or need: lowercase words separated by single spaces ("data migration"),
/// so "Data  Migration" and "data migration" are one term.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term(String);

const LONGEST_TERM: usize = 60;

impl Term {
    pub fn parse(text: &str) -> Result<Term, NurtureError> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let term = words.join(" ");
        if term.is_empty() {
            return Err(NurtureError::EmptyTerm);
        }
        if term.chars().count() > LONGEST_TERM {
            return Err(NurtureError::LongTerm(term));
        }
        Ok(Term(term))
    }

    /// Terms as people list them: separated by commas, blanks skipped, each once.
    pub fn list(text: &str) -> Result<Vec<Term>, NurtureError> {
        let mut terms: Vec<Term> = vec![];
        for piece in text.split(',').filter(|p| !p.trim().is_empty()) {
            let term = Term::parse(piece)?;
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        Ok(terms)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Words of a closed vocabulary (stages, prospect kinds) as people list them: separated by
/// commas, each once; empty or "none" lists none (the item then suits any).
pub fn word_list<T>(text: &str) -> Result<Vec<T>, T::Err>
where
    T: std::str::FromStr + PartialEq,
{
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(vec![]);
    }
    let mut words: Vec<T> = vec![];
    for piece in text.split(',').filter(|p| !p.trim().is_empty()) {
        let word = piece.trim().parse::<T>()?;
        if !words.contains(&word) {
            words.push(word);
        }
    }
    Ok(words)
}

/// An item of the content library: an article, guide, case study… worth sending to the
/// people it suits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentItem {
    pub id: ContentId,
    pub title: String,
    /// A URL or a file reference.
    pub link: String,
    pub summary: Option<String>,
    /// What it is: article, guide, case study, video…
    pub format: String,
    pub topics: Vec<Term>,
    /// The needs it addresses.
    pub needs: Vec<Term>,
    /// The lifecycle stages it suits; empty: any.
    pub stages: Vec<Stage>,
    /// The prospect kinds it suits; empty: any.
    pub kinds: Vec<ProspectKind>,
    /// The last day it may be sent.
    pub expires_on: Option<Date>,
    pub retired_on: Option<Date>,
}

impl ContentItem {
    /// Whether it may be sent on `today`: not retired, not expired.
    pub fn available(&self, today: Date) -> bool {
        self.retired_on.is_none() && self.expires_on.is_none_or(|last| today <= last)
    }

    /// Whether it suits a contact at `stage` of `kind` (a list left empty suits anyone).
    pub fn suits(&self, stage: Option<Stage>, kind: Option<ProspectKind>) -> bool {
        let fits = |wanted: bool, empty: bool| empty || wanted;
        fits(
            stage.is_some_and(|s| self.stages.contains(&s)),
            self.stages.is_empty(),
        ) && fits(
            kind.is_some_and(|k| self.kinds.contains(&k)),
            self.kinds.is_empty(),
        )
    }

    /// The library's vocabulary this item adds: its topics and needs.
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.topics.iter().chain(&self.needs)
    }
}

/// Where a contact's interest or need comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Set by hand.
    Stated,
    /// Found in the "needs discussed" of this touch, on this day.
    Discussed { touch: TouchId, on: Date },
}

/// One of a contact's interests or needs, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    pub kind: InterestKind,
    pub term: Term,
    pub origin: Origin,
}

/// The library's terms found in a touch's "needs discussed": each term that appears in the
/// text as whole words, ignoring case and punctuation ("Data-migration risks" matches "data
/// migration"; "migrations" does not match "migration"). Simple on purpose, so anyone can see
/// why a need was taken.
pub fn extract<'a>(
    needs_discussed: &str,
    vocabulary: impl IntoIterator<Item = &'a Term>,
) -> Vec<Term> {
    let words: Vec<String> = needs_discussed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut found: Vec<Term> = vec![];
    for term in vocabulary {
        let wanted: Vec<&str> = term.0.split(' ').collect();
        let present = words
            .windows(wanted.len())
            .any(|window| window.iter().zip(&wanted).all(|(w, t)| w == t));
        if present && !found.contains(term) {
            found.push(term.clone());
        }
    }
    found
}

/// A touch's "needs discussed", as the extraction reads it.
#[derive(Debug, Clone, Copy)]
pub struct Discussed<'a> {
    pub touch: TouchId,
    pub on: Date,
    pub needs: &'a str,
}

/// A contact's interests and needs: those set by hand, then each need taken from their
/// touches (the latest touch that mentioned it) that was not already stated.
pub fn interests(
    stated: &[(InterestKind, Term)],
    discussed: &[Discussed<'_>],
    vocabulary: &HashSet<Term>,
) -> Vec<Interest> {
    let mut all: Vec<Interest> = stated
        .iter()
        .map(|(kind, term)| Interest {
            kind: *kind,
            term: term.clone(),
            origin: Origin::Stated,
        })
        .collect();
    let mut latest_first: Vec<&Discussed<'_>> = discussed.iter().collect();
    latest_first.sort_by_key(|d| std::cmp::Reverse((d.on, d.touch)));
    // Sorted, so the set's order cannot change the order in which a text yields its terms.
    let mut vocabulary: Vec<&Term> = vocabulary.iter().collect();
    vocabulary.sort();
    for touch in latest_first {
        for term in extract(touch.needs, vocabulary.iter().copied()) {
            let known = all
                .iter()
                .any(|i| i.kind == InterestKind::Need && i.term == term);
            if !known {
                all.push(Interest {
                    kind: InterestKind::Need,
                    term,
                    origin: Origin::Discussed {
                        touch: touch.touch,
                        on: touch.on,
                    },
                });
            }
        }
    }
    all
}

/// What a contact is, for ranking: their stage, prospect kind and interests and needs.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    pub stage: Option<Stage>,
    pub kind: Option<ProspectKind>,
    pub interests: &'a [Interest],
}

/// Points a match earns: a need the item addresses counts most, a need among its topics
/// next, an interest least; an item made for the contact's stage or kind gains a point each.
pub const NEED_ADDRESSED: u32 = 3;
pub const NEED_IN_TOPICS: u32 = 2;
pub const INTEREST: u32 = 1;
pub const FITS_STAGE_OR_KIND: u32 = 1;

/// One ranked item for a contact, with its points and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub item: ContentId,
    pub score: u32,
    pub reason: String,
}

/// The library ranked for one contact, best first: only items available today that suit
/// their stage and kind, that match at least one of their interests or needs, and that they
/// have not received. Ties go to the item whose matching need was discussed most recently,
/// then to the older item (lower id).
pub fn recommend(
    profile: Profile<'_>,
    library: &[ContentItem],
    received: &HashSet<ContentId>,
    today: Date,
) -> Vec<Recommendation> {
    let mut ranked: Vec<(Recommendation, Option<Date>)> = library
        .iter()
        .filter(|item| item.available(today) && !received.contains(&item.id))
        .filter(|item| item.suits(profile.stage, profile.kind))
        .filter_map(|item| rank(profile, item, today))
        .collect();
    ranked.sort_by(|(a, a_day), (b, b_day)| {
        b.score
            .cmp(&a.score)
            .then(b_day.cmp(a_day))
            .then(a.item.cmp(&b.item))
    });
    ranked.into_iter().map(|(r, _)| r).collect()
}

fn rank(
    profile: Profile<'_>,
    item: &ContentItem,
    today: Date,
) -> Option<(Recommendation, Option<Date>)> {
    let mut score = 0;
    let mut because = vec![];
    let mut latest: Option<Date> = None;
    for interest in profile.interests {
        let term = &interest.term;
        let points = match interest.kind {
            InterestKind::Need if item.needs.contains(term) => NEED_ADDRESSED,
            InterestKind::Need if item.topics.contains(term) => NEED_IN_TOPICS,
            InterestKind::Interest if item.terms().any(|t| t == term) => INTEREST,
            _ => continue,
        };
        score += points;
        because.push(match (interest.kind, interest.origin) {
            (InterestKind::Need, Origin::Discussed { on, .. }) => {
                latest = latest.max(Some(on));
                format!("addresses '{term}' discussed on {}", short_day(on, today))
            }
            (InterestKind::Need, Origin::Stated) => format!("addresses '{term}', a stated need"),
            (InterestKind::Interest, _) => format!("on '{term}', an interest"),
        });
    }
    if score == 0 {
        return None;
    }
    let stage = profile.stage.filter(|s| item.stages.contains(s));
    let kind = profile.kind.filter(|k| item.kinds.contains(k));
    score += FITS_STAGE_OR_KIND * (u32::from(stage.is_some()) + u32::from(kind.is_some()));
    match (kind, stage) {
        (Some(kind), Some(stage)) => {
            because.push(format!("suits {kind} prospects at stage {stage}"));
        }
        (Some(kind), None) => because.push(format!("suits {kind} prospects")),
        (None, Some(stage)) => because.push(format!("suits stage {stage}")),
        (None, None) => {}
    }
    let reason = because.join("; ");
    Some((
        Recommendation {
            item: item.id,
            score,
            reason,
        },
        latest,
    ))
}

/// "12 Mar" within today's year, "12 Mar 2026" otherwise.
fn short_day(day: Date, today: Date) -> String {
    if day.year() == today.year() {
        day.strftime("%-d %b").to_string()
    } else {
        day.strftime("%-d %b %Y").to_string()
    }
}

/// How often anyone may be contacted: at most one content touch every `content_gap_days`
/// per contact, and (a team rule, when `touch_limit` is not zero) at most `touch_limit`
/// outbound touches of any kind in `touch_period_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub content_gap_days: u16,
    pub touch_limit: u16,
    pub touch_period_days: u16,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            content_gap_days: 14,
            touch_limit: 0,
            touch_period_days: 30,
        }
    }
}

/// What the caps look at: the day of the contact's latest content touch and the days of
/// their outbound touches (any order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactHistory {
    pub last_content_on: Option<Date>,
    pub outbound_on: Vec<Date>,
}

/// Which cap holds a contact back, and the first day it no longer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CapReached {
    #[error(
        "content cap: at most one content touch every {gap_days} days; the last went on {last}, \
         so the next may go on {lifts_on}"
    )]
    Content {
        gap_days: u16,
        last: Date,
        lifts_on: Date,
    },
    #[error(
        "team touch cap: at most {limit} touches in {period_days} days; this contact has had \
         {limit}, so the next may go on {lifts_on}"
    )]
    Touches {
        limit: u16,
        period_days: u16,
        lifts_on: Date,
    },
}

impl CapReached {
    pub fn lifts_on(&self) -> Date {
        match *self {
            CapReached::Content { lifts_on, .. } | CapReached::Touches { lifts_on, .. } => lifts_on,
        }
    }
}

impl Caps {
    /// Whether a content touch may go to a contact on `today`; when both caps hold, the one
    /// that lifts later is named (that is when sending becomes possible).
    pub fn check(&self, history: &ContactHistory, today: Date) -> Result<(), CapReached> {
        let content = history.last_content_on.and_then(|last| {
            let lifts_on = last
                .checked_add(i64::from(self.content_gap_days).days())
                .unwrap_or(Date::MAX);
            (today < lifts_on).then_some(CapReached::Content {
                gap_days: self.content_gap_days,
                last,
                lifts_on,
            })
        });
        let touches = self.touches_reached(history, today);
        match (content, touches) {
            (None, None) => Ok(()),
            (Some(one), None) | (None, Some(one)) => Err(one),
            (Some(a), Some(b)) => Err(if b.lifts_on() > a.lifts_on() { b } else { a }),
        }
    }

    /// The team rule: a window of `touch_period_days` ending today may hold fewer than
    /// `touch_limit` touches. With the touches newest first, the window clears once the
    /// `touch_limit`-th newest falls out of it.
    fn touches_reached(&self, history: &ContactHistory, today: Date) -> Option<CapReached> {
        if self.touch_limit == 0 {
            return None;
        }
        let period = i64::from(self.touch_period_days).days();
        let window_start = today.checked_sub(period).unwrap_or(Date::MIN);
        let mut recent: Vec<Date> = history
            .outbound_on
            .iter()
            .copied()
            .filter(|d| *d > window_start && *d <= today)
            .collect();
        recent.sort_unstable_by(|a, b| b.cmp(a));
        let oldest_counted = *recent.get(usize::from(self.touch_limit) - 1)?;
        Some(CapReached::Touches {
            limit: self.touch_limit,
            period_days: self.touch_period_days,
            lifts_on: oldest_counted.checked_add(period).unwrap_or(Date::MAX),
        })
    }
}

/// The team's engagement rule: a contact who reached out (inbound touches) at least
/// `inbound` times in `days` is sales-ready; `inbound` zero turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngagementRule {
    pub inbound: u16,
    pub days: u16,
}

impl Default for EngagementRule {
    fn default() -> Self {
        EngagementRule {
            inbound: 0,
            days: 30,
        }
    }
}

/// Why a contact is sales-ready, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ready {
    /// Someone said so ("asked for a quote").
    Signal { on: Date, note: Option<String> },
    /// An open opportunity expected to close within 30 days.
    Timeline {
        title: String,
        close_by: Date,
        since: Date,
    },
    /// They reached out often enough (the engagement rule).
    Engaged { inbound: u16, days: u16 },
}

impl Ready {
    /// The one-line reason, for the handoff.
    pub fn reason(&self) -> String {
        match self {
            Ready::Signal {
                on,
                note: Some(note),
            } => format!("marked sales-ready on {on}: {note}"),
            Ready::Signal { on, note: None } => format!("marked sales-ready on {on}"),
            Ready::Timeline {
                title, close_by, ..
            } => format!("buying timeline ≤ 30 days: '{title}' expected to close by {close_by}"),
            Ready::Engaged { inbound, days } => {
                format!("engaged: reached out {inbound} times in {days} days")
            }
        }
    }
}

/// What readiness looks at for one contact.
#[derive(Debug, Clone, Copy)]
pub struct ReadinessFacts<'a> {
    pub signal: Option<(Date, Option<&'a str>)>,
    /// Open opportunities: title and expectation.
    pub open: &'a [(String, Expectation)],
    /// Inbound touches within the engagement rule's days.
    pub recent_inbound: u16,
}

/// Whether a contact is sales-ready on `today`, and why: an explicit signal first, then the
/// open deal expected soonest if within 30 days (or past its date and still open), then the
/// engagement rule.
pub fn sales_ready(facts: ReadinessFacts<'_>, rule: EngagementRule, today: Date) -> Option<Ready> {
    if let Some((on, note)) = facts.signal {
        return Some(Ready::Signal {
            on,
            note: note.map(str::to_owned),
        });
    }
    let horizon = today.checked_add(30.days()).unwrap_or(Date::MAX);
    let soonest = facts
        .open
        .iter()
        .filter_map(|(title, e)| Some((e.close_by()?, title, e)))
        .filter(|(close_by, _, _)| *close_by <= horizon)
        .min_by_key(|(close_by, _, _)| *close_by);
    if let Some((close_by, title, expectation)) = soonest {
        // The day the deal came within 30 days: when it was stated as ≤ 30, else 30 days
        // before its date (never before it was stated).
        let since = match expectation.timeline {
            Timeline::Within(BuyingTimeline::Within30) => expectation.stated_on,
            _ => close_by
                .checked_sub(30.days())
                .unwrap_or(Date::MIN)
                .max(expectation.stated_on),
        };
        return Some(Ready::Timeline {
            title: title.clone(),
            close_by,
            since,
        });
    }
    (rule.inbound > 0 && facts.recent_inbound >= rule.inbound).then_some(Ready::Engaged {
        inbound: facts.recent_inbound,
        days: rule.days,
    })
}

/// Nurture coverage: of the not-ready prospects, how many had a touch within their cycle
/// (their last touch no more than one cadence before today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub prospects: usize,
    pub covered: usize,
}

impl Coverage {
    /// Whole percent covered; 100 when there is nobody to cover.
    pub fn percent(&self) -> u32 {
        if self.prospects == 0 {
            return 100;
        }
        ((self.covered * 100) / self.prospects) as u32
    }
}

/// One content touch and whether the contact reached out (an inbound touch) after it; the
/// unit of the "which content gets replies" report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Send {
    pub item: ContentId,
    pub replied: bool,
}

/// Per item: how many times it was sent and how many of those sends got a reply, most
/// replies first (then most sends, then id).
pub fn replies(sends: &[Send]) -> Vec<(ContentId, usize, usize)> {
    let mut by_item: Vec<(ContentId, usize, usize)> = vec![];
    for send in sends {
        match by_item.iter_mut().find(|(id, _, _)| *id == send.item) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += usize::from(send.replied);
            }
            None => by_item.push((send.item, 1, usize::from(send.replied))),
        }
    }
    by_item.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    by_item
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn terms(text: &str) -> Vec<Term> {
        Term::list(text).unwrap()
    }

    fn item(id: i64, topics: &str, needs: &str) -> ContentItem {
        ContentItem {
            id: ContentId(id),
            title: format!("item {id}"),
            link: format!("https://example.com/{id}"),
            summary: None,
            format: "article".into(),
            topics: terms(topics),
            needs: terms(needs),
            stages: vec![],
            kinds: vec![],
            expires_on: None,
            retired_on: None,
        }
    }

    fn need(term: &str, origin: Origin) -> Interest {
        Interest {
            kind: InterestKind::Need,
            term: Term::parse(term).unwrap(),
            origin,
        }
    }

    fn interest(term: &str) -> Interest {
        Interest {
            kind: InterestKind::Interest,
            term: Term::parse(term).unwrap(),
            origin: Origin::Stated,
        }
    }

    #[test]
    fn terms_are_lowercase_single_spaced_and_listed_once() {
        assert_eq!(
            Term::parse("  Data   Migration ").unwrap().as_str(),
            "data migration"
        );
        assert_eq!(Term::parse(" "), Err(NurtureError::EmptyTerm));
        assert_eq!(
            terms("Security, data migration,, security"),
            vec![Term("security".into()), Term("data migration".into())]
        );
        assert!(matches!(
            Term::parse(&"x".repeat(61)),
            Err(NurtureError::LongTerm(_))
        ));
    }

    #[test]
    fn word_lists_parse_each_word_once() {
        assert_eq!(
            word_list::<Stage>("engaged, Acquainted,engaged"),
            Ok(vec![Stage::Engaged, Stage::Acquainted])
        );
        assert_eq!(word_list::<Stage>("none"), Ok(vec![]));
        assert!(word_list::<ProspectKind>("new, veteran").is_err());
    }

    #[test]
    fn extraction_takes_whole_words_only() {
        let vocabulary = terms("data migration, security, ai, cost");
        let found = extract(
            "Worried about DATA migration risks; costs too high, said AI twice",
            &vocabulary,
        );
        // "costs" is not the word "cost"; "ai" is a whole word.
        assert_eq!(found, terms("data migration, ai"));
        assert!(extract("data-migration", &terms("data migration")).len() == 1);
        assert!(extract("migration of data", &terms("data migration")).is_empty());
    }

    #[test]
    fn derived_needs_name_the_latest_touch_and_skip_stated_ones() {
        let vocabulary: HashSet<Term> = terms("data migration, security, budget")
            .into_iter()
            .collect();
        let stated = vec![(InterestKind::Need, Term::parse("security").unwrap())];
        let discussed = [
            Discussed {
                touch: TouchId(1),
                on: date(2027, 1, 10),
                needs: "data migration, security",
            },
            Discussed {
                touch: TouchId(2),
                on: date(2027, 3, 12),
                needs: "the data migration again",
            },
        ];
        let found = interests(&stated, &discussed, &vocabulary);
        assert_eq!(
            found,
            vec![
                need("security", Origin::Stated),
                need(
                    "data migration",
                    Origin::Discussed {
                        touch: TouchId(2),
                        on: date(2027, 3, 12)
                    }
                ),
            ]
        );
    }

    #[test]
    fn ranking_by_hand_computed_points() {
        let today = date(2027, 4, 1);
        let discussed = Origin::Discussed {
            touch: TouchId(7),
            on: date(2027, 3, 12),
        };
        let profile_interests = vec![
            need("data migration", discussed),
            need("security", Origin::Stated),
            interest("cloud"),
        ];
        let profile = Profile {
            stage: Some(Stage::Engaged),
            kind: Some(ProspectKind::Seasoned),
            interests: &profile_interests,
        };
        // 1: addresses data migration (3) + fits engaged (1) + fits seasoned (1) = 5.
        let mut one = item(1, "", "data migration");
        one.stages = vec![Stage::Engaged];
        one.kinds = vec![ProspectKind::Seasoned];
        // 2: security among its topics (2) + cloud interest (1) = 3.
        let two = item(2, "security, cloud", "");
        // 3: cloud only (1).
        let three = item(3, "cloud", "");
        // 4: addresses security (3) but made for new prospects only: left out.
        let mut four = item(4, "", "security");
        four.kinds = vec![ProspectKind::New];
        // 5: nothing in common: left out.
        let five = item(5, "pricing", "budget");
        // 6: addresses data migration (3) + security (3) = 6, but expired yesterday.
        let mut six = item(6, "", "data migration, security");
        six.expires_on = Some(date(2027, 3, 31));
        // 7: addresses security (3) = 3, ties with 2; 2 matched no discussed need either, so
        // the lower id comes first.
        let seven = item(7, "", "security");
        let library = [one, two, three, four, five, six, seven];
        let ranked = recommend(profile, &library, &HashSet::new(), today);
        let order: Vec<(i64, u32)> = ranked.iter().map(|r| (r.item.0, r.score)).collect();
        assert_eq!(order, vec![(1, 5), (2, 3), (7, 3), (3, 1)]);
        assert_eq!(
            ranked[0].reason,
            "addresses 'data migration' discussed on 12 Mar; suits seasoned prospects at stage engaged"
        );
        assert_eq!(
            ranked[1].reason,
            "addresses 'security', a stated need; on 'cloud', an interest"
        );
        // What they received is never offered again.
        let received: HashSet<ContentId> = [ContentId(1)].into_iter().collect();
        let again = recommend(profile, &library, &received, today);
        assert_eq!(again.first().map(|r| r.item), Some(ContentId(2)));
    }

    #[test]
    fn a_more_recently_discussed_need_breaks_a_tie() {
        let today = date(2027, 4, 1);
        let found = vec![
            need(
                "security",
                Origin::Discussed {
                    touch: TouchId(1),
                    on: date(2027, 1, 5),
                },
            ),
            need(
                "budget",
                Origin::Discussed {
                    touch: TouchId(2),
                    on: date(2026, 12, 5),
                },
            ),
        ];
        let profile = Profile {
            stage: None,
            kind: None,
            interests: &found,
        };
        let library = [item(1, "", "budget"), item(2, "", "security")];
        let ranked = recommend(profile, &library, &HashSet::new(), today);
        assert_eq!(
            ranked.iter().map(|r| r.item.0).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(
            ranked[1].reason,
            "addresses 'budget' discussed on 5 Dec 2026"
        );
    }

    #[test]
    fn retired_and_stage_bound_items_are_not_offered() {
        let found = vec![need("security", Origin::Stated)];
        let mut retired = item(1, "", "security");
        retired.retired_on = Some(date(2027, 1, 1));
        let mut for_customers = item(2, "", "security");
        for_customers.stages = vec![Stage::Customer];
        let profile = Profile {
            stage: None,
            kind: None,
            interests: &found,
        };
        let ranked = recommend(
            profile,
            &[retired, for_customers],
            &HashSet::new(),
            date(2027, 2, 1),
        );
        assert!(ranked.is_empty(), "{ranked:?}");
    }

    #[test]
    fn content_cap_lifts_a_gap_after_the_last_content_touch() {
        let caps = Caps::default();
        let history = ContactHistory {
            last_content_on: Some(date(2027, 1, 5)),
            outbound_on: vec![date(2027, 1, 5)],
        };
        // 5 Jan + 14 days = 19 Jan.
        assert_eq!(
            caps.check(&history, date(2027, 1, 18)),
            Err(CapReached::Content {
                gap_days: 14,
                last: date(2027, 1, 5),
                lifts_on: date(2027, 1, 19)
            })
        );
        assert_eq!(caps.check(&history, date(2027, 1, 19)), Ok(()));
        assert_eq!(
            caps.check(&history, date(2027, 1, 18))
                .unwrap_err()
                .to_string(),
            "content cap: at most one content touch every 14 days; the last went on 2027-01-05, \
             so the next may go on 2027-01-19"
        );
    }

    #[test]
    fn touch_cap_counts_a_sliding_window() {
        let caps = Caps {
            content_gap_days: 14,
            touch_limit: 3,
            touch_period_days: 30,
        };
        let history = ContactHistory {
            last_content_on: None,
            outbound_on: vec![
                date(2027, 1, 2),
                date(2027, 1, 20),
                date(2027, 1, 10),
                date(2026, 12, 1),
            ],
        };
        // On 25 Jan the window (26 Dec, 25 Jan] holds 2, 10 and 20 Jan: three. The third
        // newest, 2 Jan, leaves the window 30 days later, on 1 Feb.
        assert_eq!(
            caps.check(&history, date(2027, 1, 25)),
            Err(CapReached::Touches {
                limit: 3,
                period_days: 30,
                lifts_on: date(2027, 2, 1)
            })
        );
        assert_eq!(caps.check(&history, date(2027, 2, 1)), Ok(()));
        let off = Caps::default();
        assert_eq!(off.check(&history, date(2027, 1, 25)), Ok(()));
    }

    #[test]
    fn when_both_caps_hold_the_later_one_is_named() {
        let caps = Caps {
            content_gap_days: 14,
            touch_limit: 1,
            touch_period_days: 30,
        };
        let history = ContactHistory {
            last_content_on: Some(date(2027, 1, 5)),
            outbound_on: vec![date(2027, 1, 5)],
        };
        assert_eq!(
            caps.check(&history, date(2027, 1, 6))
                .unwrap_err()
                .lifts_on(),
            date(2027, 2, 4)
        );
    }

    #[test]
    fn readiness_signal_then_timeline_then_engagement() {
        let today = date(2027, 5, 1);
        let rule = EngagementRule {
            inbound: 2,
            days: 30,
        };
        let later = vec![(
            "Fleet".to_owned(),
            Expectation {
                stated_on: date(2027, 1, 1),
                timeline: Timeline::Within(BuyingTimeline::Later),
            },
        )];
        let none = ReadinessFacts {
            signal: None,
            open: &later,
            recent_inbound: 1,
        };
        assert_eq!(sales_ready(none, rule, today), None);
        let engaged = ReadinessFacts {
            recent_inbound: 2,
            ..none
        };
        assert_eq!(
            sales_ready(engaged, rule, today),
            Some(Ready::Engaged {
                inbound: 2,
                days: 30
            })
        );
        // Expected by 20 May: within 30 days of 1 May; it came within 30 days on 20 April.
        let soon = vec![(
            "Fleet".to_owned(),
            Expectation {
                stated_on: date(2027, 1, 1),
                timeline: Timeline::By(date(2027, 5, 20)),
            },
        )];
        let timeline = ReadinessFacts {
            signal: None,
            open: &soon,
            recent_inbound: 0,
        };
        assert_eq!(
            sales_ready(timeline, rule, today),
            Some(Ready::Timeline {
                title: "Fleet".into(),
                close_by: date(2027, 5, 20),
                since: date(2027, 4, 20)
            })
        );
        let signalled = ReadinessFacts {
            signal: Some((date(2027, 4, 2), Some("asked for a quote"))),
            ..timeline
        };
        assert_eq!(
            sales_ready(signalled, rule, today).unwrap().reason(),
            "marked sales-ready on 2027-04-02: asked for a quote"
        );
        // A deal stated as within 30 days is ready from the day it was stated.
        let thirty = vec![(
            "Fleet".to_owned(),
            Expectation {
                stated_on: date(2027, 4, 25),
                timeline: Timeline::Within(BuyingTimeline::Within30),
            },
        )];
        let stated = ReadinessFacts {
            signal: None,
            open: &thirty,
            recent_inbound: 0,
        };
        assert!(matches!(
            sales_ready(stated, rule, today),
            Some(Ready::Timeline { since, close_by, .. }) if since == date(2027, 4, 25) && close_by == date(2027, 5, 25)
        ));
    }

    #[test]
    fn replies_rank_items_by_replies_then_sends() {
        let send = |item, replied| Send {
            item: ContentId(item),
            replied,
        };
        let sends = [
            send(1, false),
            send(2, true),
            send(1, true),
            send(1, false),
            send(3, false),
        ];
        assert_eq!(
            replies(&sends),
            vec![
                (ContentId(1), 3, 1),
                (ContentId(2), 1, 1),
                (ContentId(3), 1, 0)
            ]
        );
        assert_eq!(
            Coverage {
                prospects: 3,
                covered: 2
            }
            .percent(),
            66
        );
        assert_eq!(Coverage::default().percent(), 100);
    }
}

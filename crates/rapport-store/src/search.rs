//! Full-text search over contacts (name, organization, emails, notes), what was said in their
//! touches (summary, needs, next approach) and organizations (name, domain).
//!
//! The indexes (migration 0011) are SQLite FTS5 tables and PostgreSQL tsvector GIN indexes,
//! plus the distinct words of names (migration 0016), all kept in step by triggers or as
//! expression indexes, so no write has to remember them. Search is the one place besides
//! migrations and the bulk loader whose SQL differs by backend, and only in how a text
//! matches ([`Dialect`]).
//!
//! Each backend's index finds **candidates** — at most [`CANDIDATES`] per way of matching,
//! so a query's cost does not grow with the book — and the core's rules
//! (`rapport_core::search`) decide, the same on both backends, which candidates match every
//! term and in what order, and say what matched. The ways, in order:
//! 1. the contact's own text holds every term (a word starting with it);
//! 2. one visible touch holds every term (the most recent touches first);
//! 3. with several terms: the contact's own text holds some, their visible touches the rest
//!    ("acme retreat migration": Acme is the organization, the rest was said at a meeting);
//! 4. when those found fewer than asked: names one or two typos away (the distinct words of
//!    names, migration 0016, compared by the core's edit distance).
//!
//! A query that is a phone number (`search::dialled`) also finds the contacts holding that
//! number by its key (migration 0019's index), written however they wrote it; they come
//! first.
//!
//! A private touch's text is searched for its author only: a match would tell what it says.

use std::collections::{BTreeSet, HashMap};

use rapport_core::Role;
use rapport_core::model::{ContactId, ContactSummary, OrganizationId, TouchId, UserId};
use rapport_core::search::{self, Field, Matched, Text};

use crate::contacts::{SUMMARY_COLUMNS, contact_summary};
use crate::error::Result;
use crate::{Backend, Store, rows};

/// The most candidates one way of matching contributes: enough to rank the first page well,
/// few enough that a common word costs the same in a big book as in a small one.
const CANDIDATES: i64 = 200;

/// How many of the mixed pass's candidates are read at a time. Each is read with every
/// visible touch it has (ten on average in the generated book: 2,000 touches for 200
/// contacts, most of the query's time), so the pass stops reading once it has a page of
/// results; a later candidate can then not outrank them.
const MIXED_PAGE: usize = 50;

/// A contact found, and what matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactHit {
    pub contact: ContactSummary,
    pub matched: Vec<Matched>,
}

/// An organization found, and what matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationHit {
    pub id: OrganizationId,
    pub name: String,
    pub domain: Option<String>,
    pub matched: Vec<Matched>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub contacts: Vec<ContactHit>,
    pub organizations: Vec<OrganizationHit>,
}

/// How each backend's index matches text. Everything else in a search query is shared.
struct Dialect {
    /// The contact index joined to `contacts c`; `$1` is the query.
    contact_match: &'static str,
    /// The touch index joined to `touches t`; `$1` is the query.
    touch_match: &'static str,
    /// Newest touches first, in the order the index can stream them.
    touch_order: &'static str,
    /// The organization index joined to `organizations o`; `$1` is the query.
    organization_match: &'static str,
    /// Every email of contact `c`, in order, one a line: read with the contact, not by a
    /// second query.
    emails: &'static str,
    /// `all` or `any` of the terms, each matching a whole word or, with `prefix`, the start
    /// of a word.
    query: fn(&[String], bool, bool) -> String,
    /// A condition on `c.id`: the contact's name holds, for each term in `$1`
    /// ([`Dialect::name_words`]), a word starting with it, accents aside.
    name_condition: &'static str,
    /// Every term the start of a word of the name, each asked whole (see
    /// [`Store::name_words_match`]).
    name_words: fn(&[String]) -> String,
}

const SQLITE: Dialect = Dialect {
    contact_match: "contact_text f JOIN contacts c ON c.id = f.rowid WHERE contact_text MATCH $1",
    touch_match: "touch_text f JOIN touches t ON t.id = f.rowid WHERE touch_text MATCH $1",
    touch_order: "f.rowid DESC",
    organization_match: "organization_text f JOIN organizations o ON o.id = f.rowid \
                         WHERE organization_text MATCH $1",
    emails: "(SELECT group_concat(e.email, char(10) ORDER BY e.position) \
             FROM contact_emails e WHERE e.contact_id = c.id)",
    query: |terms, all, prefix| {
        // Terms are letters and digits only (`search::terms`), so quoting cannot break out.
        let join = if all { " " } else { " OR " };
        terms
            .iter()
            .map(|t| {
                if prefix {
                    format!("\"{}\"*", indexed_prefix(t))
                } else {
                    format!("\"{t}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(join)
    },
    name_condition: "c.id IN (SELECT f.rowid FROM contact_text f WHERE contact_text MATCH $1)",
    name_words: |terms| {
        let starts: Vec<String> = terms.iter().map(|t| format!("\"{t}\"*")).collect();
        format!("name : ({})", starts.join(" "))
    },
};

/// The longest prefix the FTS5 indexes keep their own lists for (`prefix = '2 3'`, migration
/// 0011).
const INDEXED_PREFIX: usize = 3;

/// The start of `term` FTS5 is asked for when a term may be a word's start: at most
/// [`INDEXED_PREFIX`] characters. A prefix that long is one list in the index, read a page at
/// a time newest first, so a pass stops at its candidates; a longer one makes FTS5 merge
/// every posting of every word it starts before answering (`migr*` over ten million touches:
/// two million postings). The core's rules keep only candidates where a word starts with the
/// whole term; words that merely share the first three letters can take candidate places.
fn indexed_prefix(term: &str) -> &str {
    term.char_indices()
        .nth(INDEXED_PREFIX)
        .map_or(term, |(end, _)| &term[..end])
}

const POSTGRES: Dialect = Dialect {
    contact_match: "contact_text f JOIN contacts c ON c.id = f.contact_id \
                    WHERE f.document @@ to_tsquery('simple', $1)",
    touch_match: "touches t WHERE to_tsvector('simple', search_words(t.summary) || ' ' || \
                  search_words(t.needs) || ' ' || search_words(t.next_approach)) \
                  @@ to_tsquery('simple', $1)",
    // `+ 0`: the index on id must not drive the query. With it, a word the planner cannot
    // see (a parameter, or a generic plan) is walked for backwards through every touch;
    // without it the GIN index finds the matches and only those are sorted.
    touch_order: "t.id + 0 DESC",
    organization_match: "organizations o WHERE to_tsvector('simple', search_words(o.name) \
                         || ' ' || search_words(o.domain)) @@ to_tsquery('simple', $1)",
    emails: "(SELECT string_agg(e.email, chr(10) ORDER BY e.position) \
             FROM contact_emails e WHERE e.contact_id = c.id)",
    query: |terms, all, prefix| {
        let join = if all { " & " } else { " | " };
        let star = if prefix { ":*" } else { "" };
        terms
            .iter()
            .map(|t| format!("'{t}'{star}"))
            .collect::<Vec<_>>()
            .join(join)
    },
    name_condition: "c.id IN (SELECT f.contact_id FROM contact_text f \
                     WHERE f.document @@ to_tsquery('simple', $1))",
    // Weight A is the name's (migration 0011).
    name_words: |terms| {
        terms
            .iter()
            .map(|t| format!("'{t}':*A"))
            .collect::<Vec<_>>()
            .join(" & ")
    },
};

/// What the contact-side passes found: contacts, and the touches that matched for them.
#[derive(Default)]
struct Candidates {
    contacts: BTreeSet<ContactId>,
    touches: BTreeSet<TouchId>,
    /// Contacts whose visible touches are all read (the mixed pass).
    all_touches_of: BTreeSet<ContactId>,
}

impl Store {
    fn dialect(&self) -> &'static Dialect {
        match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        }
    }

    /// A condition on contact `c` and its value: the name holds a word starting with each word
    /// of `reference`, accents and case aside ("jose gar" is José García), as the search index
    /// folds them. `None` when `reference` has no letter or digit. Each word is asked of the
    /// index whole, not as its first letters as [`Store::search`] asks: few names share a
    /// word's start, and this lookup has no rules after it to drop near misses.
    pub(crate) fn name_words_match(&self, reference: &str) -> Option<(&'static str, String)> {
        let terms = search::terms(reference);
        if terms.is_empty() {
            return None;
        }
        let dialect = self.dialect();
        Some((dialect.name_condition, (dialect.name_words)(&terms)))
    }

    /// Active contacts and organizations matching every word of `query`, as `viewer` may see
    /// them, best first, at most `limit` of each; with `role`, only contacts holding it now. A
    /// query without a letter or digit matches nothing.
    pub async fn search(
        &self,
        viewer: UserId,
        query: &str,
        role: Option<Role>,
        limit: usize,
    ) -> Result<SearchResults> {
        let terms = search::terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(SearchResults::default());
        }
        // Touches reach SQLite's index in batches (touch_index.rs): catch up first, so a touch
        // logged a moment ago is found.
        self.index_touches().await?;
        let dialect = self.dialect();
        let asked = asked_of_the_index(&terms);
        let mut found = Candidates::default();

        // Each way of matching asks for whole words first and for words' starts only when
        // whole words did not fill its candidates: an index answers a whole word a page at a
        // time, but gathers every word a prefix starts before answering, which for a word in
        // a million touches costs a hundred times more.
        let own = format!(
            "SELECT c.id FROM {} AND c.archived_at IS NULL LIMIT $2",
            dialect.contact_match
        );
        found
            .contacts
            .extend(self.whole_words_first(&own, &asked, true).await?);

        let said = format!(
            "SELECT t.id, t.contact_id FROM {} AND (t.private = 0 OR t.author_id = $3) \
             AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id \
                 AND c.archived_at IS NULL) \
             ORDER BY {} LIMIT $2",
            dialect.touch_match, dialect.touch_order
        );
        for prefix in [false, true] {
            let rows = sqlx::query(&said)
                .bind((dialect.query)(&asked, true, prefix))
                .bind(CANDIDATES)
                .bind(viewer.0)
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                found.touches.insert(TouchId(rows::int(row, "id")?));
                found
                    .contacts
                    .insert(ContactId(rows::int(row, "contact_id")?));
            }
            if filled(rows.len()) {
                break;
            }
        }

        let mut hits = self.rank(viewer, &terms, &found).await?;
        if terms.len() > 1 && found.contacts.len() < limit {
            // A contact the other passes found may still match once all its touches are
            // read (its own text held the words asked of the index, a touch the rest).
            let ranked: BTreeSet<ContactId> = hits.iter().map(|(_, h)| h.contact.id).collect();
            let mixed: Vec<ContactId> = self
                .whole_words_first(&own, &asked, false)
                .await?
                .into_iter()
                .filter(|id| !ranked.contains(id))
                .collect();
            for page in mixed.chunks(MIXED_PAGE) {
                let page = Candidates {
                    contacts: page.iter().copied().collect(),
                    all_touches_of: page.iter().copied().collect(),
                    ..Candidates::default()
                };
                hits.extend(self.rank(viewer, &terms, &page).await?);
                found.contacts.extend(page.contacts);
                if hits.len() >= limit {
                    break;
                }
            }
            hits.sort_by(order);
        }
        if let Some(role) = role {
            self.keep_holding(role, &mut hits).await?;
        }
        if hits.len() < limit {
            let near = self.near_names(&terms).await?;
            let more: Vec<ContactId> = near
                .into_iter()
                .filter(|id| !found.contacts.contains(id))
                .collect();
            if !more.is_empty() {
                let typos = Candidates {
                    contacts: more.into_iter().collect(),
                    ..Candidates::default()
                };
                let mut near_hits = self.rank(viewer, &terms, &typos).await?;
                if let Some(role) = role {
                    self.keep_holding(role, &mut near_hits).await?;
                }
                hits.extend(near_hits);
                hits.sort_by(order);
            }
        }
        if let Some(key) = search::dialled(query) {
            let holding = self.holding_number(&key, role, limit).await?;
            hits.retain(|(_, hit)| !holding.iter().any(|(_, h)| h.contact.id == hit.contact.id));
            hits.splice(0..0, holding);
        }
        hits.truncate(limit);

        let organizations = self.search_organizations(&terms, &asked, limit).await?;
        Ok(SearchResults {
            contacts: hits.into_iter().map(|(_, hit)| hit).collect(),
            organizations,
        })
    }

    /// Active contacts holding the phone number with key `key` (and, with `role`, holding that
    /// role now), by name, at most `limit`, each with the number as they wrote it (their first
    /// spelling of it). The number identifies them: they outrank any match of the text.
    async fn holding_number(
        &self,
        key: &str,
        role: Option<Role>,
        limit: usize,
    ) -> Result<Vec<(u32, ContactHit)>> {
        let holding_role = if role.is_some() {
            "AND EXISTS (SELECT 1 FROM contact_roles r WHERE r.contact_id = c.id \
                 AND r.role = $3 AND r.until IS NULL)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, \
                 (SELECT p.phone FROM contact_phones p WHERE p.contact_id = c.id \
                  AND p.phone_key = $1 ORDER BY p.position LIMIT 1) AS phone \
             FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id \
             WHERE c.id IN (SELECT p.contact_id FROM contact_phones p WHERE p.phone_key = $1) \
             AND c.archived_at IS NULL {holding_role} \
             ORDER BY c.name_key, c.id LIMIT $2"
        );
        let mut query = sqlx::query(&sql)
            .bind(key)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        if let Some(role) = role {
            query = query.bind(role.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let matched = vec![Matched {
                    field: Field::Phone,
                    text: rows::text(row, "phone")?,
                    touch: None,
                }];
                let contact = contact_summary(row)?;
                Ok((u32::MAX, ContactHit { contact, matched }))
            })
            .collect()
    }

    /// Keeps the hits whose contact holds `role` now.
    async fn keep_holding(&self, role: Role, hits: &mut Vec<(u32, ContactHit)>) -> Result<()> {
        if hits.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT contact_id FROM contact_roles WHERE role = $1 AND until IS NULL \
             AND contact_id IN ({})",
            rows::placeholders(2, hits.len())
        );
        let mut holding = sqlx::query_scalar::<_, i64>(&sql).bind(role.as_str());
        for (_, hit) in hits.iter() {
            holding = holding.bind(hit.contact.id.0);
        }
        let holding: BTreeSet<i64> = holding.fetch_all(&self.pool).await?.into_iter().collect();
        hits.retain(|(_, hit)| holding.contains(&hit.contact.id.0));
        Ok(())
    }

    /// The contacts `sql` finds for `all` (or any) of the terms as whole words, and as words'
    /// starts when whole words do not fill the candidates.
    async fn whole_words_first(
        &self,
        sql: &str,
        terms: &[String],
        all: bool,
    ) -> Result<Vec<ContactId>> {
        let query = self.dialect().query;
        let mut found = self.contact_ids(sql, &query(terms, all, false)).await?;
        if !filled(found.len()) {
            found.extend(self.contact_ids(sql, &query(terms, all, true)).await?);
        }
        Ok(found)
    }

    async fn contact_ids(&self, sql: &str, query: &str) -> Result<Vec<ContactId>> {
        sqlx::query(sql)
            .bind(query)
            .bind(CANDIDATES)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok(ContactId(rows::int(row, "id")?)))
            .collect()
    }

    /// Active contacts with a name word near one of `terms` (the typo pass's candidates): the
    /// distinct words of names with the term's first letter (migration 0016's small table,
    /// and on SQLite the names written since its words were last gathered), compared in Rust,
    /// then the contacts whose name holds one of the near words.
    async fn near_names(&self, terms: &[String]) -> Result<Vec<ContactId>> {
        let words_sql = match self.backend {
            Backend::Sqlite => {
                "SELECT word FROM search_name_words WHERE word >= $1 AND word < $2 \
                 UNION SELECT term FROM search_name_inbox_terms WHERE term >= $1 AND term < $2"
            }
            Backend::Postgres => {
                "SELECT word FROM search_name_words WHERE word >= $1 AND word < $2"
            }
        };
        let mut found = Vec::new();
        for term in terms.iter().filter(|t| search::typos_allowed(t) > 0) {
            let Some(first) = term.chars().next() else {
                continue;
            };
            let after = char::from_u32(u32::from(first) + 1).unwrap_or(char::MAX);
            let words: Vec<String> = sqlx::query_scalar(words_sql)
                .bind(first.to_string())
                .bind(after.to_string())
                .fetch_all(&self.pool)
                .await?;
            let near: Vec<String> = words
                .into_iter()
                .filter(|w| search::near(term, w))
                .collect();
            if near.is_empty() {
                continue;
            }
            let (sql, query) = match self.backend {
                Backend::Sqlite => (
                    SQLITE.contact_match,
                    format!("name : ({})", (SQLITE.query)(&near, false, false)),
                ),
                // Weight A is the name (migration 0011's `contact_text`).
                Backend::Postgres => (
                    POSTGRES.contact_match,
                    near.iter()
                        .map(|w| format!("'{w}':A"))
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
            };
            let sql = format!("SELECT c.id FROM {sql} AND c.archived_at IS NULL LIMIT $2");
            found.extend(self.contact_ids(&sql, &query).await?);
        }
        Ok(found)
    }

    /// Reads the candidates' text and keeps those matching every term, scored.
    async fn rank(
        &self,
        viewer: UserId,
        terms: &[String],
        found: &Candidates,
    ) -> Result<Vec<(u32, ContactHit)>> {
        if found.contacts.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = found.contacts.iter().map(|c| c.0).collect();
        let list = rows::placeholders(1, ids.len());

        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, c.notes, {} AS emails FROM contacts c \
             LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id IN ({list})",
            self.dialect().emails
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(id);
        }
        let mut people = Vec::new();
        for row in query.fetch_all(&self.pool).await? {
            people.push((
                contact_summary(&row)?,
                rows::opt_text(&row, "notes")?,
                rows::opt_text(&row, "emails")?,
            ));
        }

        let touches = self.touch_texts(viewer, found).await?;

        let mut hits = Vec::new();
        for (contact, notes, emails) in people {
            let id = contact.id;
            let mut texts = vec![Text {
                field: Field::Name,
                text: &contact.name,
                touch: None,
            }];
            let optional = [
                (Field::Organization, contact.organization.as_deref()),
                (Field::Notes, notes.as_deref()),
            ];
            texts.extend(optional.into_iter().filter_map(|(field, text)| {
                text.map(|text| Text {
                    field,
                    text,
                    touch: None,
                })
            }));
            texts.extend(emails.iter().flat_map(|e| e.lines()).map(|e| Text {
                field: Field::Email,
                text: e,
                touch: None,
            }));
            texts.extend(
                touches
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .map(|(touch, text)| Text {
                        field: Field::Touch,
                        text,
                        touch: Some(*touch),
                    }),
            );
            if let Some((score, matched)) = search::score(terms, &texts) {
                hits.push((score, ContactHit { contact, matched }));
            }
        }
        hits.sort_by(order);
        Ok(hits)
    }

    /// The text of the touches that matched, and of every visible touch of the contacts the
    /// mixed pass found, newest first: summary, needs and next approach, one line.
    async fn touch_texts(
        &self,
        viewer: UserId,
        found: &Candidates,
    ) -> Result<HashMap<ContactId, Vec<(TouchId, String)>>> {
        let mut texts: HashMap<ContactId, Vec<(TouchId, String)>> = HashMap::new();
        let by_touch: Vec<i64> = found.touches.iter().map(|t| t.0).collect();
        let by_contact: Vec<i64> = found.all_touches_of.iter().map(|c| c.0).collect();
        let mut read = |rows: Vec<sqlx::any::AnyRow>| -> Result<()> {
            for row in rows {
                let parts: Vec<String> = ["summary", "needs", "next_approach"]
                    .into_iter()
                    .filter_map(|col| rows::opt_text(&row, col).transpose())
                    .collect::<Result<_>>()?;
                let touch = TouchId(rows::int(&row, "id")?);
                let entry = texts
                    .entry(ContactId(rows::int(&row, "contact_id")?))
                    .or_default();
                if !entry.iter().any(|(t, _)| *t == touch) {
                    entry.push((touch, parts.join(" · ")));
                }
            }
            Ok(())
        };
        const COLUMNS: &str = "t.id, t.contact_id, t.summary, t.needs, t.next_approach";
        if !by_touch.is_empty() {
            let sql = format!(
                "SELECT {COLUMNS} FROM touches t WHERE t.id IN ({})",
                rows::placeholders(1, by_touch.len())
            );
            let mut query = sqlx::query(&sql);
            for id in &by_touch {
                query = query.bind(id);
            }
            read(query.fetch_all(&self.pool).await?)?;
        }
        if !by_contact.is_empty() {
            let sql = format!(
                "SELECT {COLUMNS} FROM touches t WHERE t.contact_id IN ({}) \
                 AND (t.private = 0 OR t.author_id = $1) ORDER BY t.id DESC",
                rows::placeholders(2, by_contact.len())
            );
            let mut query = sqlx::query(&sql).bind(viewer.0);
            for id in &by_contact {
                query = query.bind(id);
            }
            read(query.fetch_all(&self.pool).await?)?;
        }
        Ok(texts)
    }

    async fn search_organizations(
        &self,
        terms: &[String],
        asked: &[String],
        limit: usize,
    ) -> Result<Vec<OrganizationHit>> {
        let all = (self.dialect().query)(asked, true, true);
        let sql = format!(
            "SELECT o.id, o.name, o.domain FROM {} LIMIT $2",
            self.dialect().organization_match
        );
        let mut hits = Vec::new();
        for row in sqlx::query(&sql)
            .bind(&all)
            .bind(CANDIDATES)
            .fetch_all(&self.pool)
            .await?
        {
            let name = rows::text(&row, "name")?;
            let domain = rows::opt_text(&row, "domain")?;
            let mut texts = vec![Text {
                field: Field::Name,
                text: &name,
                touch: None,
            }];
            texts.extend(domain.as_deref().map(|text| Text {
                field: Field::Domain,
                text,
                touch: None,
            }));
            if let Some((score, matched)) = search::score(terms, &texts) {
                let id = OrganizationId(rows::int(&row, "id")?);
                hits.push((
                    score,
                    OrganizationHit {
                        id,
                        name: name.clone(),
                        domain: domain.clone(),
                        matched,
                    },
                ));
            }
        }
        hits.sort_by(|a, b| search::rank((a.0, &a.1.name, a.1.id), (b.0, &b.1.name, b.1.id)));
        hits.truncate(limit);
        Ok(hits.into_iter().map(|(_, hit)| hit).collect())
    }
}

/// The terms the indexes are asked for: those of two characters or more when there are
/// any. A single letter or digit is the start of a large part of every index, with no list
/// of its own (`prefix = '2 3'`), so asking for it makes FTS5 merge every posting of every
/// word it starts (`turing.1`: every id from 1 to 199,999 in the emails) and narrows little;
/// the core's rules still require it of every result. Alone, it is asked for.
fn asked_of_the_index(terms: &[String]) -> Vec<String> {
    let long: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().nth(1).is_some())
        .cloned()
        .collect();
    if long.is_empty() {
        terms.to_vec()
    } else {
        long
    }
}

/// Whether a way of matching found all the candidates it may.
fn filled(found: usize) -> bool {
    i64::try_from(found).is_ok_and(|n| n >= CANDIDATES)
}

fn order(a: &(u32, ContactHit), b: &(u32, ContactHit)) -> std::cmp::Ordering {
    search::rank(
        (a.0, &a.1.contact.name, a.1.contact.id),
        (b.0, &b.1.contact.name, b.1.contact.id),
    )
}

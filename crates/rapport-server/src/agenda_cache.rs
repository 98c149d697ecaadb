//! Agenda answers kept for as long as nothing in the database has changed.
//!
//! The agenda is the most read answer of the API — every client polls it — and among the
//! dearest to compute (a ranked range scan and its context). Each request already reads the
//! data version with its credential ([`crate::auth::SeenVersion`]); an answer computed after
//! reading version `v` is still right while the version reads `v`, on any instance, so the
//! cache needs no invalidation messages and the server stays stateless in the sense that
//! matters: losing the cache loses nothing, and no instance can serve another's stale data.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use jiff::civil::Date;
use rapport_core::Role;
use rapport_core::model::UserId;

/// Entries kept at most; a team's agendas for today fit many times over.
const CAPACITY: usize = 1024;

/// What an agenda answer depends on besides the data: whose agenda, seen by whom (private
/// notes are withheld from others), for which days, how long, and which role it is
/// narrowed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgendaKey {
    pub viewer: UserId,
    pub owner: UserId,
    pub today: Date,
    pub through: Date,
    pub limit: usize,
    pub role: Option<Role>,
}

#[derive(Debug, Default)]
pub struct AgendaCache {
    entries: Mutex<HashMap<AgendaKey, (i64, Bytes)>>,
}

impl AgendaCache {
    /// The answer computed at `version`, if there is one.
    pub fn get(&self, key: &AgendaKey, version: i64) -> Option<Bytes> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, body)| body.clone())
    }

    /// Keeps `body` as the answer for `key` at `version`. When full, answers computed at
    /// older versions go first (they can never be served again); if that frees nothing, all go.
    pub fn put(&self, key: AgendaKey, version: i64, body: Bytes) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.retain(|_, (at, _)| *at >= version);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn key(owner: i64) -> AgendaKey {
        AgendaKey {
            viewer: UserId(owner),
            owner: UserId(owner),
            today: date(2026, 11, 25),
            through: date(2026, 11, 25),
            limit: 50,
            role: None,
        }
    }

    #[test]
    fn an_answer_is_served_only_at_the_version_it_was_computed_at() {
        let cache = AgendaCache::default();
        cache.put(key(1), 7, Bytes::from_static(b"seven"));
        assert_eq!(cache.get(&key(1), 7).as_deref(), Some(&b"seven"[..]));
        assert_eq!(
            cache.get(&key(1), 8),
            None,
            "anything written since: recompute"
        );
        assert_eq!(cache.get(&key(2), 7), None, "another owner's agenda");
        let tomorrow = AgendaKey {
            today: date(2026, 11, 26),
            ..key(1)
        };
        assert_eq!(cache.get(&tomorrow, 7), None, "another day");
        let champions = AgendaKey {
            role: Some(Role::Champion),
            ..key(1)
        };
        assert_eq!(cache.get(&champions, 7), None, "one role's agenda");
    }

    #[test]
    fn a_full_cache_drops_answers_of_older_versions_first() {
        let cache = AgendaCache::default();
        for owner in 0..CAPACITY {
            let version = if owner == 0 { 9 } else { 8 };
            cache.put(key(owner as i64), version, Bytes::from_static(b"x"));
        }
        cache.put(key(-1), 9, Bytes::from_static(b"new"));
        assert!(cache.get(&key(0), 9).is_some(), "current answers stay");
        assert!(cache.get(&key(-1), 9).is_some());
        assert_eq!(cache.entries.lock().unwrap().len(), 2);
    }
}

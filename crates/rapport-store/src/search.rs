//! Finding contacts by a fragment of anything we know about them: name, email, organization,
//! notes, and what was said in their touches (summary, needs, next approach).
//!
//! A case-insensitive `LIKE` on both backends: simple and exact, and a scan, which is fine at
//! a seller's scale. Ranked full-text search is a later step.

use rapport_core::Role;
use rapport_core::model::{ContactSummary, UserId};

use crate::contacts::{SUMMARY_COLUMNS, contact_summary};
use crate::error::Result;
use crate::{Store, rows};

impl Store {
    /// Active contacts matching `fragment` anywhere `viewer` may read, in name order, at most
    /// `limit`: the text of someone else's private touch is not searched (a match would tell
    /// what it says). With `role`, only contacts holding it now. A blank fragment matches
    /// nothing.
    pub async fn search_contacts(
        &self,
        viewer: UserId,
        fragment: &str,
        role: Option<Role>,
        limit: i64,
    ) -> Result<Vec<ContactSummary>> {
        let fragment = fragment.trim().to_lowercase();
        if fragment.is_empty() {
            return Ok(vec![]);
        }
        let role_held = if role.is_some() {
            "AND EXISTS (SELECT 1 FROM contact_roles r WHERE r.contact_id = c.id \
             AND r.role = $4 AND r.until IS NULL)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} \
             FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id \
             WHERE c.archived_at IS NULL AND ( \
                c.name_key LIKE $1 ESCAPE '\\' \
                OR LOWER(c.notes) LIKE $1 ESCAPE '\\' \
                OR o.name_key LIKE $1 ESCAPE '\\' \
                OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id \
                    AND e.email LIKE $1 ESCAPE '\\') \
                OR EXISTS (SELECT 1 FROM touches t WHERE t.contact_id = c.id \
                    AND (t.private = 0 OR t.author_id = $3) \
                    AND (LOWER(t.summary) LIKE $1 ESCAPE '\\' \
                        OR LOWER(t.needs) LIKE $1 ESCAPE '\\' \
                        OR LOWER(t.next_approach) LIKE $1 ESCAPE '\\'))) {role_held} \
             ORDER BY c.name_key, c.id LIMIT $2"
        );
        let mut query = sqlx::query(&sql)
            .bind(rows::like_pattern(&fragment))
            .bind(limit)
            .bind(viewer.0);
        if let Some(role) = role {
            query = query.bind(role.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(contact_summary)
            .collect()
    }
}

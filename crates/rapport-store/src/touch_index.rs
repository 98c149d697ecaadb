//! Touches reach SQLite's search index in batches, not one by one (migration 0015).
//!
//! Logging a touch writes nothing for search: writing an FTS5 row in every touch's own
//! transaction cost about a third of the write (a new index segment per transaction). The
//! index keeps a high-water mark on `touches.id` instead — every touch up to it is indexed,
//! none after — and [`Store::index_touches`] catches up from it, many touches per transaction.
//! A server runs it in the background; a search runs it before reading, so a touch logged a
//! moment ago is always found. PostgreSQL's expression index needs none of this.

use sqlx::AnyConnection;

use crate::error::Result;
use crate::{Backend, Store};

/// The most touches one catch-up transaction indexes: 5–10 ms of CPU on the benchmark machine
/// (docs/benchmarks.md), so a backlog never holds the write lock long enough to stall the
/// writes queued behind it.
const BATCH: i64 = 1_000;

impl Store {
    /// Indexes the touches logged since the last catch-up, in transactions of at most
    /// [`BATCH`] touches; returns how many. Nothing to do costs one read. On PostgreSQL, a
    /// no-op.
    pub async fn index_touches(&self) -> Result<u64> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let mut indexed = 0;
        loop {
            let (through, newest) = marks(&mut *self.pool.acquire().await?).await?;
            if newest <= through {
                return Ok(indexed);
            }
            let mut tx = self.write().await?;
            indexed += index_after(&mut tx, Some(BATCH)).await?;
            tx.commit().await?;
        }
    }
}

/// The high-water mark and the newest touch's id.
async fn marks(conn: &mut AnyConnection) -> Result<(i64, i64)> {
    let marks = sqlx::query_as(
        "SELECT through, (SELECT COALESCE(MAX(id), 0) FROM touches) AS newest \
         FROM touch_text_indexed WHERE id = 1",
    )
    .fetch_one(conn)
    .await?;
    Ok(marks)
}

/// On the caller's SQLite write transaction: indexes the touches after the mark (at most
/// `limit` ids' worth, else all) and moves the mark past them; returns how many.
pub(crate) async fn index_after(conn: &mut AnyConnection, limit: Option<i64>) -> Result<u64> {
    // Read again under the write lock: another catch-up may have run since the caller looked.
    let (through, newest) = marks(&mut *conn).await?;
    let upto = limit.map_or(newest, |limit| newest.min(through.saturating_add(limit)));
    if upto <= through {
        return Ok(0);
    }
    let indexed = sqlx::query(
        "INSERT INTO touch_text (rowid, summary, needs, next_approach) \
         SELECT id, summary, needs, next_approach FROM touches \
         WHERE id > $1 AND id <= $2 ORDER BY id",
    )
    .bind(through)
    .bind(upto)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("UPDATE touch_text_indexed SET through = $1 WHERE id = 1")
        .bind(upto)
        .execute(&mut *conn)
        .await?;
    Ok(indexed)
}

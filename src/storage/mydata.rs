//! Everything stored about one person, to export or delete.

use super::{Reflection, Storage, StorageError, UserId, with_pool};
use chrono::{DateTime, Utc};

/// How many records of each kind were deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeletedCounts {
    pub reflections: u64,
    pub content_views: u64,
}

impl Storage {
    /// All of a person's reflections, oldest first.
    pub async fn all_reflections(&self, author: UserId) -> Result<Vec<Reflection>, StorageError> {
        let mut all = self.recent_reflections(author, u32::MAX).await?;
        all.reverse();
        Ok(all)
    }

    /// Every item a person was shown: slug, first and last time, how often.
    pub async fn content_views(
        &self,
        user: UserId,
    ) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>, i32)>, StorageError> {
        const SQL: &str = "SELECT slug, first_seen, last_seen, times FROM content_views WHERE user_id = $1 ORDER BY first_seen, slug";
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, (String, DateTime<Utc>, DateTime<Utc>, i32)>(SQL)
                .bind(user.0)
                .fetch_all(pool)
                .await
        })?)
    }

    /// Deletes the person: their user row (name, zone) and, through the foreign keys, every
    /// reflection, record of items shown, pending notice, confirmation and schedule addressed
    /// to them, in one transaction. What belongs to others stays: a channel's schedule they set
    /// keeps running, its `created_by` cleared. Counts say how much was deleted.
    ///
    /// On SQLite the connection runs with `secure_delete`, so freed pages are zeroed, and the
    /// write-ahead log is checkpointed and truncated afterwards, so no copy of the deleted text
    /// stays in either file. PostgreSQL keeps dead row versions until its vacuum runs (see the
    /// README's "Deleting data" section).
    pub async fn delete_user_data(&self, user: UserId) -> Result<DeletedCounts, StorageError> {
        const REFLECTIONS: &str = "SELECT COUNT(*) FROM reflections WHERE user_id = $1";
        const VIEWS: &str = "SELECT COUNT(*) FROM content_views WHERE user_id = $1";
        // A pair's check-in schedule targets the leader: when the manager leaves, it goes too.
        const PAIR_SCHEDULES: &str = "DELETE FROM schedules WHERE id IN
             (SELECT schedule_id FROM checkin_pairs WHERE manager_id = $1 OR leader_id = $1)";
        const USER: &str = "DELETE FROM users WHERE id = $1";
        let counts = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let reflections: i64 = sqlx::query_scalar(REFLECTIONS)
                .bind(user.0)
                .fetch_one(&mut *tx)
                .await?;
            let content_views: i64 = sqlx::query_scalar(VIEWS)
                .bind(user.0)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(PAIR_SCHEDULES)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(USER).bind(user.0).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(DeletedCounts {
                reflections: reflections.max(0) as u64,
                content_views: content_views.max(0) as u64,
            })
        })?;
        self.purge_freed_space().await?;
        Ok(counts)
    }

    /// Leaves no copy of deleted rows in the database files where the engine allows it: on
    /// SQLite, checkpoints the write-ahead log into the (securely deleted) main file and
    /// truncates the log to zero bytes. On PostgreSQL nothing can be done from a connection
    /// without blocking everyone; dead rows go at the next vacuum.
    pub async fn purge_freed_space(&self) -> Result<(), StorageError> {
        if let super::Pool::Sqlite(pool) = &self.pool {
            // Returns (busy, log frames, frames checkpointed); busy = 1 means a reader kept
            // the log from being emptied, which the next checkpoint finishes.
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(pool)
                .await?;
            if busy != 0 {
                tracing::warn!(
                    "the write-ahead log was busy; deleted text stays in it until the next checkpoint"
                );
            }
        }
        Ok(())
    }
}

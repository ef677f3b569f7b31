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

    /// Deletes everything a person wrote or did, in one transaction, and says how much.
    /// The user row itself stays (it holds no content), so schedules they set keep working.
    pub async fn delete_user_data(&self, user: UserId) -> Result<DeletedCounts, StorageError> {
        const REFLECTIONS: &str = "DELETE FROM reflections WHERE user_id = $1";
        const VIEWS: &str = "DELETE FROM content_views WHERE user_id = $1";
        const NOTICES: &str = "DELETE FROM pending_notices WHERE user_id = $1";
        let counts = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let reflections = sqlx::query(REFLECTIONS)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let content_views = sqlx::query(VIEWS)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(NOTICES).bind(user.0).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(DeletedCounts {
                reflections,
                content_views,
            })
        })?;
        Ok(counts)
    }
}

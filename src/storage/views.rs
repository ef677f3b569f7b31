//! Which catalog items each person has been shown.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

impl Storage {
    /// Records that `user` was shown the item `slug` at `now`.
    pub async fn record_view(
        &self,
        user: UserId,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO content_views (user_id, slug, first_seen, last_seen) VALUES ($1, $2, $3, $3)
             ON CONFLICT (user_id, slug) DO UPDATE
                SET last_seen = excluded.last_seen, times = content_views.times + 1";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(user.0)
                .bind(slug)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Every item `user` has been shown, with when they last saw it.
    pub async fn seen_items(
        &self,
        user: UserId,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StorageError> {
        const SQL: &str = "SELECT slug, last_seen FROM content_views WHERE user_id = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, (String, DateTime<Utc>)>(SQL)
                .bind(user.0)
                .fetch_all(pool)
                .await
        })?)
    }
}

//! Notices waiting for a person's next command, because a direct message could not reach them.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

impl Storage {
    /// Keeps a notice for `user` until their next command.
    pub async fn add_pending_notice(
        &self,
        user: UserId,
        title: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO pending_notices (user_id, title, body, created_at) VALUES ($1, $2, $3, $4)";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(user.0)
                .bind(title)
                .bind(body)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Removes and returns `user`'s waiting notices, oldest first.
    pub async fn take_pending_notices(
        &self,
        user: UserId,
    ) -> Result<Vec<(String, String)>, StorageError> {
        const SQL: &str =
            "DELETE FROM pending_notices WHERE user_id = $1 RETURNING id, title, body";
        let mut rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, String)>(SQL)
                .bind(user.0)
                .fetch_all(pool)
                .await
        })?;
        rows.sort_by_key(|row| row.0);
        Ok(rows
            .into_iter()
            .map(|(_, title, body)| (title, body))
            .collect())
    }
}

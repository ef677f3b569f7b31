//! Notices waiting for a person's next interaction, because a direct message could not reach
//! them. A notice is removed only once it has been delivered.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

/// A notice waiting to be shown.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingNotice {
    pub id: i64,
    pub title: String,
    pub body: String,
}

// A notice may quote what a person shared (a check-in answer in a digest): debug output
// shows the body's size, not its text.
impl std::fmt::Debug for PendingNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingNotice")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("body_chars", &self.body.chars().count())
            .finish()
    }
}

impl Storage {
    /// Keeps a notice for `user` until it can be shown with their next interaction.
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

    /// `user`'s waiting notices, oldest first. They stay stored until
    /// [`Storage::remove_pending_notice`].
    pub async fn pending_notices(&self, user: UserId) -> Result<Vec<PendingNotice>, StorageError> {
        const SQL: &str =
            "SELECT id, title, body FROM pending_notices WHERE user_id = $1 ORDER BY id";
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, String)>(SQL)
                .bind(user.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, title, body)| PendingNotice { id, title, body })
            .collect())
    }

    /// Removes a notice once it was delivered; `false` if it was already gone.
    pub async fn remove_pending_notice(&self, id: i64) -> Result<bool, StorageError> {
        const SQL: &str = "DELETE FROM pending_notices WHERE id = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }
}

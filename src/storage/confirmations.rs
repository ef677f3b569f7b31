//! Single-use confirmations: a question such as "delete all your data?" whose answer counts
//! once, only while it is the person's latest question of its kind, and only before it expires.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

/// How a confirmation was answered, or why the answer no longer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationOutcome {
    /// This answer settled it: act on it.
    Settled,
    /// Already answered, replaced by a newer question, expired, or not this person's.
    Stale,
}

impl Storage {
    /// Opens a confirmation of `purpose` for `user` that expires at `expires_at`, replacing any
    /// open one of the same purpose (whose buttons stop working), and returns its id.
    pub async fn open_confirmation(
        &self,
        user: UserId,
        purpose: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64, StorageError> {
        const SUPERSEDE: &str = "UPDATE confirmations SET state = 'superseded'
             WHERE user_id = $1 AND purpose = $2 AND state = 'open'";
        const INSERT: &str = "INSERT INTO confirmations (user_id, purpose, created_at, expires_at)
             VALUES ($1, $2, $3, $4) RETURNING id";
        Ok(with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(SUPERSEDE)
                .bind(user.0)
                .bind(purpose)
                .execute(&mut *tx)
                .await?;
            let id = sqlx::query_scalar::<_, i64>(INSERT)
                .bind(user.0)
                .bind(purpose)
                .bind(now)
                .bind(expires_at)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?)
    }

    /// Records `user`'s answer to confirmation `id` of `purpose`. Only the first answer to an
    /// open, unexpired confirmation of this person settles it; every other press is stale.
    pub async fn settle_confirmation(
        &self,
        id: i64,
        user: UserId,
        purpose: &str,
        accept: bool,
        now: DateTime<Utc>,
    ) -> Result<ConfirmationOutcome, StorageError> {
        const SQL: &str = "UPDATE confirmations SET state = $5
             WHERE id = $1 AND user_id = $2 AND purpose = $3 AND state = 'open' AND expires_at > $4";
        let state = if accept { "accepted" } else { "declined" };
        let changed = with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(user.0)
                .bind(purpose)
                .bind(now)
                .bind(state)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(if changed == 1 {
            ConfirmationOutcome::Settled
        } else {
            ConfirmationOutcome::Stale
        })
    }
}

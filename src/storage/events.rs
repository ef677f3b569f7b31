//! Events from the chat platforms, claimed once by their platform id.

use chrono::{DateTime, Utc};

use super::{Platform, Storage, StorageError, with_pool};

impl Storage {
    /// Claims the event `event_id` (Slack's `event_id` or envelope id, a Discord interaction
    /// id) on `platform`: `true` for the first claim, `false` for every later one, whichever
    /// process or replica makes it. Claim before any effect, so a redelivered event does
    /// nothing twice.
    pub async fn claim_event(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str =
            "INSERT INTO handled_events (platform, event_id, received_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform, event_id) DO NOTHING";
        let inserted = with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(platform.as_str())
                .bind(event_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(inserted == 1)
    }

    /// Forgets events claimed before `before` (a redelivery comes within minutes; a day is
    /// ample) and says how many.
    pub async fn forget_events_before(&self, before: DateTime<Utc>) -> Result<u64, StorageError> {
        const SQL: &str = "DELETE FROM handled_events WHERE received_at < $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(before)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }
}

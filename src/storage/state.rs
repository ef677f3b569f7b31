//! Small named values kept between runs.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, with_pool};

impl Storage {
    /// The value stored under `key`, if any.
    pub async fn state(&self, key: &str) -> Result<Option<String>, StorageError> {
        const SQL: &str = "SELECT value FROM app_state WHERE key = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(SQL)
                .bind(key)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn set_state(
        &self,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO app_state (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(key)
                .bind(value)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Stores the time `at` under `key` only if it is later than the time stored there, and
    /// returns the time stored afterwards: a clock shared by several processes (consoles on
    /// one data folder) only ever moves forward. Times are stored as RFC 3339 in UTC with
    /// microseconds, which sort as text for years 0 to 9999.
    pub async fn advance_state_time(
        &self,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StorageError> {
        const SQL: &str = "INSERT INTO app_state (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
             WHERE app_state.value < excluded.value";
        let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(key)
                .bind(&stamp)
                .bind(at)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        let stored = self
            .state(key)
            .await?
            .and_then(|value| DateTime::parse_from_rfc3339(&value).ok())
            .map_or(at, |time| time.with_timezone(&Utc));
        Ok(stored.max(at))
    }
}

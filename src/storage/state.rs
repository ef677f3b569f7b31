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
}

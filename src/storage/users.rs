//! People, identified per platform.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, with_pool};

/// Who someone is on a chat platform: all three parts are the platform's own text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub platform: String,
    pub workspace: String,
    pub external_id: String,
}

/// The database id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct UserId(pub i64);

impl Storage {
    /// Records that `identity` was seen now, with its current display name and zone (a `None`
    /// zone keeps the one stored), and returns the user's id.
    pub async fn upsert_user(
        &self,
        identity: &Identity,
        display_name: &str,
        zone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<UserId, StorageError> {
        const SQL: &str = "INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (platform, workspace, external_id) DO UPDATE
                SET display_name = excluded.display_name,
                    zone = COALESCE(excluded.zone, users.zone),
                    updated_at = excluded.updated_at
             RETURNING id";
        let id = with_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(&identity.platform)
                .bind(&identity.workspace)
                .bind(&identity.external_id)
                .bind(display_name)
                .bind(zone)
                .bind(now)
                .fetch_one(pool)
                .await
        })?;
        Ok(UserId(id))
    }

    /// Who a stored user is on their platform.
    pub async fn user_identity(&self, user: UserId) -> Result<Option<Identity>, StorageError> {
        const SQL: &str = "SELECT platform, workspace, external_id FROM users WHERE id = $1";
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String, String)>(SQL)
                .bind(user.0)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(platform, workspace, external_id)| Identity {
            platform,
            workspace,
            external_id,
        }))
    }

    /// The zone stored for a user, if any.
    pub async fn user_zone(&self, user: UserId) -> Result<Option<String>, StorageError> {
        const SQL: &str = "SELECT zone FROM users WHERE id = $1";
        let zone = with_pool!(self, |pool| {
            sqlx::query_scalar::<_, Option<String>>(SQL)
                .bind(user.0)
                .fetch_optional(pool)
                .await
        })?;
        Ok(zone.flatten())
    }
}

//! People, identified per platform.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, with_pool};

/// The chat surface a person, a channel or a message belongs to. Stored as its [`as_str`]
/// name; nowhere else in shiftcoach is a platform written as text.
///
/// [`as_str`]: Platform::as_str
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Console,
    Discord,
    Slack,
}

impl Platform {
    /// Every platform, in a fixed order.
    pub const ALL: [Self; 3] = [Self::Console, Self::Discord, Self::Slack];

    /// The stored name: `console`, `discord` or `slack`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Discord => "discord",
            Self::Slack => "slack",
        }
    }

    /// The platform stored under `name`, if any.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|platform| platform.as_str() == name)
    }

    /// Whether a person's account is the same in every workspace of the platform. Discord user
    /// ids are global (one account across every server and its direct messages); Slack user
    /// ids belong to one team, and the console's names to the terminal.
    pub fn global_accounts(self) -> bool {
        matches!(self, Self::Discord)
    }

    /// Whether a mention names a real member: Discord and Slack clients only turn a name into
    /// a mention for someone in the workspace, while a console name is whatever was typed.
    pub fn mentions_are_verified(self) -> bool {
        !matches!(self, Self::Console)
    }
}

super::stored_as_text!(Platform);

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One person's account on one platform. `scope` is empty where accounts are global
/// ([`Platform::global_accounts`], Discord) and the workspace otherwise (Slack's team id, the
/// console's `local`), so (platform, scope, external id) names exactly one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub platform: Platform,
    pub scope: String,
    pub external_id: String,
}

impl Identity {
    /// The identity of `external_id` acting in `workspace` on `platform`.
    pub fn new(platform: Platform, workspace: &str, external_id: &str) -> Self {
        let scope = if platform.global_accounts() {
            String::new()
        } else {
            workspace.to_owned()
        };
        Self {
            platform,
            scope,
            external_id: external_id.to_owned(),
        }
    }
}

/// A person as [`Storage::see_user`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenUser {
    pub id: UserId,
    /// The zone stored for them, if any.
    pub zone: Option<String>,
    /// Whether notices wait to be shown to them.
    pub has_notices: bool,
}

/// The database id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct UserId(pub i64);

/// Binds a person as they were seen (`$1` platform, `$2` workspace, `$3` their id there, `$4`
/// display name, `$5` zone or NULL, `$6` the time), on either engine: the first parameters of
/// every statement that records someone as seen.
macro_rules! bind_person {
    ($query:expr, $identity:expr, $display_name:expr, $zone:expr, $at:expr) => {
        $query
            .bind($identity.platform.as_str())
            .bind(&$identity.scope)
            .bind(&$identity.external_id)
            .bind($display_name)
            .bind($zone)
            .bind($at)
    };
}
pub(super) use bind_person;

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
        Ok(self.see_user(identity, display_name, zone, now).await?.id)
    }

    /// [`Storage::upsert_user`], answering in the same statement what every interaction needs
    /// next: the zone stored for the person and whether notices wait for them. `updated_at`
    /// says when the name or zone last changed.
    pub async fn see_user(
        &self,
        identity: &Identity,
        display_name: &str,
        zone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SeenUser, StorageError> {
        // SQLite (one local file): an upsert. PostgreSQL: the row is written only when the
        // person is new or their name or zone changed; most interactions only read it.
        const UPSERT: &str = "INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (platform, workspace, external_id) DO UPDATE
                SET display_name = excluded.display_name,
                    zone = COALESCE(excluded.zone, users.zone),
                    updated_at = excluded.updated_at
             RETURNING id, zone, EXISTS (SELECT 1 FROM pending_notices WHERE pending_notices.user_id = users.id)";
        const WRITE_IF_CHANGED: &str = "WITH added AS (
                INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $6)
                ON CONFLICT (platform, workspace, external_id) DO NOTHING
                RETURNING id, zone
             ), changed AS (
                UPDATE users SET display_name = $4, zone = COALESCE($5, zone), updated_at = $6
                WHERE platform = $1 AND workspace = $2 AND external_id = $3
                  AND (display_name IS DISTINCT FROM $4 OR ($5::text IS NOT NULL AND zone IS DISTINCT FROM $5))
                RETURNING id, zone
             ), seen AS (
                SELECT id, zone FROM added
                UNION ALL SELECT id, zone FROM changed
                UNION ALL SELECT id, zone FROM users
                   WHERE platform = $1 AND workspace = $2 AND external_id = $3
                     AND NOT EXISTS (SELECT 1 FROM added) AND NOT EXISTS (SELECT 1 FROM changed)
             )
             SELECT id, zone, EXISTS (SELECT 1 FROM pending_notices WHERE pending_notices.user_id = seen.id) FROM seen";
        let (id, zone, has_notices) = match &self.pool {
            super::Pool::Sqlite(pool) => {
                bind_person!(
                    sqlx::query_as::<_, (i64, Option<String>, bool)>(UPSERT),
                    identity,
                    display_name,
                    zone,
                    now
                )
                .fetch_one(pool)
                .await?
            }
            super::Pool::Postgres(pool) => {
                // A person recorded by another interaction committing meanwhile is invisible to
                // this statement's snapshot: the second try sees them.
                let mut found = None;
                for _ in 0..2 {
                    found = bind_person!(
                        sqlx::query_as::<_, (i64, Option<String>, bool)>(WRITE_IF_CHANGED),
                        identity,
                        display_name,
                        zone,
                        now
                    )
                    .fetch_optional(pool)
                    .await?;
                    if found.is_some() {
                        break;
                    }
                }
                found.ok_or(sqlx::Error::RowNotFound)?
            }
        };
        Ok(SeenUser {
            id: UserId(id),
            zone,
            has_notices,
        })
    }

    /// The id of the person with `identity`, recording them (named by their id until they
    /// act themselves) when they were never seen: someone a message is addressed to.
    pub async fn user_for(
        &self,
        identity: &Identity,
        now: DateTime<Utc>,
    ) -> Result<UserId, StorageError> {
        const SQL: &str = "INSERT INTO users (platform, workspace, external_id, display_name, created_at, updated_at)
             VALUES ($1, $2, $3, $3, $4, $4)
             ON CONFLICT (platform, workspace, external_id) DO UPDATE SET updated_at = users.updated_at
             RETURNING id";
        let id = with_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(identity.platform.as_str())
                .bind(&identity.scope)
                .bind(&identity.external_id)
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
            sqlx::query_as::<_, (Platform, String, String)>(SQL)
                .bind(user.0)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(platform, scope, external_id)| Identity {
            platform,
            scope,
            external_id,
        }))
    }

    /// The user `identity` names, if they were ever seen.
    pub async fn find_user(&self, identity: &Identity) -> Result<Option<UserId>, StorageError> {
        const SQL: &str =
            "SELECT id FROM users WHERE platform = $1 AND workspace = $2 AND external_id = $3";
        let id = with_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(identity.platform.as_str())
                .bind(&identity.scope)
                .bind(&identity.external_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(id.map(UserId))
    }

    /// The name a user was last seen with, if they exist.
    pub async fn display_name(&self, user: UserId) -> Result<Option<String>, StorageError> {
        const SQL: &str = "SELECT display_name FROM users WHERE id = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(SQL)
                .bind(user.0)
                .fetch_optional(pool)
                .await
        })?)
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

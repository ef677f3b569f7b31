//! Reflections: what people wrote, private to them.

use chrono::{DateTime, Utc};

use super::{Identity, SeenUser, Storage, StorageError, UserId, users::bind_person, with_pool};

/// How a reflection reached the coach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReflectionSource {
    /// Typed after `/reflect`.
    Command,
    /// Submitted through the reflection form.
    Form,
    /// A reply in a nudge's thread.
    Reply,
}

impl ReflectionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Form => "form",
            Self::Reply => "reply",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "form" => Self::Form,
            "reply" => Self::Reply,
            _ => Self::Command,
        }
    }
}

/// A reflection about to be stored; its author is named to [`Storage::record_reflection`].
#[derive(Clone)]
pub struct NewReflection<'a> {
    pub channel: &'a str,
    pub source: ReflectionSource,
    /// The content item it answers, when there is one.
    pub slug: Option<&'a str>,
    /// The nudge it answers, when there is one.
    pub delivery: Option<i64>,
    pub body: &'a str,
    pub created_at: DateTime<Utc>,
    /// The platform event it came from (`discord:message:123`), when it came as one: a
    /// reflection is stored once per event, however many times the event is recorded.
    pub event: Option<&'a str>,
}

// The body is the author's private text: keep it out of any debug output.
impl std::fmt::Debug for NewReflection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewReflection")
            .field("channel", &self.channel)
            .field("source", &self.source)
            .field("slug", &self.slug)
            .field("delivery", &self.delivery)
            .field("body_chars", &self.body.chars().count())
            .field("created_at", &self.created_at)
            .field("event", &self.event)
            .finish()
    }
}

/// What [`Storage::record_reflection`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedReflection {
    /// The author, as seen when the reflection was stored.
    pub person: SeenUser,
    /// How many reflections the author has, this one included.
    pub total: i64,
}

/// A stored reflection.
#[derive(Clone, PartialEq, Eq)]
pub struct Reflection {
    pub id: i64,
    pub author: UserId,
    pub channel: String,
    pub source: ReflectionSource,
    pub slug: Option<String>,
    pub delivery: Option<i64>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

// The body is the author's private text: keep it out of any debug output.
impl std::fmt::Debug for Reflection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reflection")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("source", &self.source)
            .field("slug", &self.slug)
            .field("delivery", &self.delivery)
            .field("body_chars", &self.body.chars().count())
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct ReflectionRow {
    id: i64,
    user_id: i64,
    channel: String,
    source: String,
    slug: Option<String>,
    delivery_id: Option<i64>,
    body: String,
    created_at: DateTime<Utc>,
}

impl From<ReflectionRow> for Reflection {
    fn from(row: ReflectionRow) -> Self {
        Self {
            id: row.id,
            author: UserId(row.user_id),
            channel: row.channel,
            source: ReflectionSource::parse(&row.source),
            slug: row.slug,
            delivery: row.delivery_id,
            body: row.body,
            created_at: row.created_at,
        }
    }
}

impl Storage {
    /// Stores a reflection written by the person `identity` names and records them as seen,
    /// as [`Storage::see_user`] does (created when new; the display name, and the zone unless
    /// `zone` is `None`, updated), in one statement on PostgreSQL and one transaction on
    /// SQLite. Returns the person as seen and how many reflections they now have (the count is
    /// kept with the person, so nothing is counted).
    ///
    /// A reflection whose [`NewReflection::event`] is stored already is not stored again: the
    /// call writes nothing (the count stays) and answers with the person as they are.
    pub async fn record_reflection(
        &self,
        identity: &Identity,
        display_name: &str,
        zone: Option<&str>,
        new: &NewReflection<'_>,
    ) -> Result<RecordedReflection, StorageError> {
        // The person's row is written anyway (the count), so the name and zone go with it;
        // `updated_at` still says when they last changed.
        const PERSON: &str = "INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at, reflection_count)
             VALUES ($1, $2, $3, $4, $5, $6, $6, 1)
             ON CONFLICT (platform, workspace, external_id) DO UPDATE
                SET display_name = excluded.display_name,
                    zone = COALESCE(excluded.zone, users.zone),
                    updated_at = CASE
                        WHEN users.display_name IS DISTINCT FROM excluded.display_name
                          OR (excluded.zone IS NOT NULL AND users.zone IS DISTINCT FROM excluded.zone)
                        THEN excluded.updated_at ELSE users.updated_at END,
                    reflection_count = users.reflection_count + 1";
        const NOTICES: &str =
            "EXISTS (SELECT 1 FROM pending_notices WHERE pending_notices.user_id = person.id)";
        let recorded: Result<(i64, Option<String>, i64, bool), sqlx::Error> = match &self.pool {
            super::Pool::Postgres(pool) => {
                // The reflection's foreign key is checked at the end of the statement, so it
                // sees a person created by the statement itself.
                let sql = format!(
                    "WITH person AS ({PERSON} RETURNING id, zone, reflection_count),
                     kept AS (INSERT INTO reflections (user_id, channel, source, slug, delivery_id, body, created_at, event)
                              SELECT id, $7, $8, $9, $10, $11, $6, $12 FROM person)
                     SELECT id, zone, reflection_count, {NOTICES} FROM person"
                );
                bind_person!(
                    sqlx::query_as::<_, (i64, Option<String>, i64, bool)>(&sql),
                    identity,
                    display_name,
                    zone,
                    new.created_at
                )
                .bind(new.channel)
                    .bind(new.source.as_str())
                    .bind(new.slug)
                    .bind(new.delivery)
                    .bind(new.body)
                    .bind(new.event)
                    .fetch_one(pool)
                    .await
            }
            super::Pool::Sqlite(pool) => {
                async {
                    let mut tx = pool.begin().await?;
                    let sql = format!(
                        "{PERSON} RETURNING id, zone, reflection_count, {}",
                        NOTICES.replace("person.id", "users.id")
                    );
                    let person = bind_person!(
                        sqlx::query_as::<_, (i64, Option<String>, i64, bool)>(&sql),
                        identity,
                        display_name,
                        zone,
                        new.created_at
                    )
                    .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO reflections (user_id, channel, source, slug, delivery_id, body, created_at, event)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(person.0)
                    .bind(new.channel)
                    .bind(new.source.as_str())
                    .bind(new.slug)
                    .bind(new.delivery)
                    .bind(new.body)
                    .bind(new.created_at)
                    .bind(new.event)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(person)
                }
                .await
            }
        };
        // The only unique key the statement can break is the event's: it is stored already
        // (by another replica, or before an outage cut the answer short), and nothing was
        // written now. The person is as they are.
        let (id, stored_zone, total, has_notices) = match recorded {
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                let seen = self
                    .see_user(identity, display_name, zone, new.created_at)
                    .await?;
                let total = self.count_reflections(seen.id).await?;
                return Ok(RecordedReflection {
                    person: seen,
                    total,
                });
            }
            other => other?,
        };
        Ok(RecordedReflection {
            person: SeenUser {
                id: UserId(id),
                zone: stored_zone,
                has_notices,
            },
            total,
        })
    }

    /// The author's most recent reflections, newest first.
    pub async fn recent_reflections(
        &self,
        author: UserId,
        limit: u32,
    ) -> Result<Vec<Reflection>, StorageError> {
        const SQL: &str = "SELECT id, user_id, channel, source, slug, delivery_id, body, created_at
             FROM reflections WHERE user_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2";
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, ReflectionRow>(SQL)
                .bind(author.0)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Reflection::from).collect())
    }

    /// How many reflections the author has stored.
    pub async fn count_reflections(&self, author: UserId) -> Result<i64, StorageError> {
        const SQL: &str = "SELECT reflection_count FROM users WHERE id = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(author.0)
                .fetch_optional(pool)
                .await
        })?
        .unwrap_or(0))
    }
}

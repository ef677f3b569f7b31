//! Reflections: what people wrote, private to them.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

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

/// A reflection about to be stored.
#[derive(Debug, Clone)]
pub struct NewReflection<'a> {
    pub author: UserId,
    pub channel: &'a str,
    pub source: ReflectionSource,
    /// The content item it answers, when there is one.
    pub slug: Option<&'a str>,
    /// The nudge it answers, when there is one.
    pub delivery: Option<i64>,
    pub body: &'a str,
    pub created_at: DateTime<Utc>,
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
    /// Stores a reflection and returns how many its author now has (kept with the author,
    /// so nothing is counted): one statement on PostgreSQL, one transaction on SQLite.
    pub async fn insert_reflection(&self, new: &NewReflection<'_>) -> Result<i64, StorageError> {
        const INSERT: &str =
            "INSERT INTO reflections (user_id, channel, source, slug, delivery_id, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        const COUNT: &str = "UPDATE users SET reflection_count = reflection_count + 1
             WHERE id = $1 RETURNING reflection_count";
        let total = match &self.pool {
            super::Pool::Postgres(pool) => {
                let sql = format!("WITH kept AS ({INSERT} RETURNING user_id) {COUNT}");
                sqlx::query_scalar::<_, i64>(&sql)
                    .bind(new.author.0)
                    .bind(new.channel)
                    .bind(new.source.as_str())
                    .bind(new.slug)
                    .bind(new.delivery)
                    .bind(new.body)
                    .bind(new.created_at)
                    .fetch_one(pool)
                    .await?
            }
            super::Pool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(INSERT)
                    .bind(new.author.0)
                    .bind(new.channel)
                    .bind(new.source.as_str())
                    .bind(new.slug)
                    .bind(new.delivery)
                    .bind(new.body)
                    .bind(new.created_at)
                    .execute(&mut *tx)
                    .await?;
                let total = sqlx::query_scalar::<_, i64>(COUNT)
                    .bind(new.author.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                total
            }
        };
        Ok(total)
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

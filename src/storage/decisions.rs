//! The decision journal: a leader's decisions with the outcome they expected and how sure
//! they were, each reviewed once its review date comes (the review is claimed once, by any
//! replica, by setting `review_sent_at`).

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, UserId, with_pool};

/// Whether the expected outcome happened, as the author judged at review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Yes,
    Partly,
    No,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::Partly => "partly",
            Self::No => "no",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Yes, Self::Partly, Self::No]
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
    }
}

super::stored_as_text!(Outcome);

/// A decision about to be recorded.
#[derive(Clone)]
pub struct NewDecision<'a> {
    pub author: UserId,
    /// The workspace it was recorded in: sharing reaches the author's manager there.
    pub workspace: &'a str,
    pub decision: &'a str,
    pub options: &'a str,
    pub expected: &'a str,
    /// 50 to 99 (percent).
    pub confidence: u8,
    pub review_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// The platform event it came from (`slack:view:V1:hash`), when it came as one: a
    /// decision is recorded once per event.
    pub event: Option<&'a str>,
}

/// A recorded decision.
#[derive(Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub author: UserId,
    pub workspace: String,
    pub decision: String,
    pub options: String,
    pub expected: String,
    /// 50 to 99 (percent).
    pub confidence: u8,
    pub review_at: DateTime<Utc>,
    pub review_sent_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub learned: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Shared with the author's manager (off unless the author shares it).
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

// The author's words never reach debug output.
impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("confidence", &self.confidence)
            .field("review_at", &self.review_at)
            .field("outcome", &self.outcome)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    user_id: i64,
    workspace: String,
    decision: String,
    options: String,
    expected: String,
    confidence: i32,
    review_at: DateTime<Utc>,
    review_sent_at: Option<DateTime<Utc>>,
    outcome: Option<Outcome>,
    learned: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    shared: bool,
    created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, user_id, workspace, decision, options, expected, confidence, review_at, review_sent_at, outcome, learned, reviewed_at, shared, created_at";

impl From<DecisionRow> for Decision {
    fn from(row: DecisionRow) -> Self {
        Self {
            id: row.id,
            author: UserId(row.user_id),
            workspace: row.workspace,
            decision: row.decision,
            options: row.options,
            expected: row.expected,
            confidence: u8::try_from(row.confidence).unwrap_or(50),
            review_at: row.review_at,
            review_sent_at: row.review_sent_at,
            outcome: row.outcome,
            learned: row.learned,
            reviewed_at: row.reviewed_at,
            shared: row.shared,
            created_at: row.created_at,
        }
    }
}

impl Storage {
    /// Records a decision and returns it; a decision whose [`NewDecision::event`] is recorded
    /// already is not recorded again, and that one is returned.
    pub async fn add_decision(&self, new: &NewDecision<'_>) -> Result<Decision, StorageError> {
        let insert = format!(
            "INSERT INTO decisions (user_id, workspace, decision, options, expected, confidence, review_at, created_at, event)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (event) WHERE event IS NOT NULL DO NOTHING
             RETURNING {COLUMNS}"
        );
        let stored = format!("SELECT {COLUMNS} FROM decisions WHERE event = $1");
        let row = with_pool!(self, |pool| {
            let added = sqlx::query_as::<_, DecisionRow>(&insert)
                .bind(new.author.0)
                .bind(new.workspace)
                .bind(new.decision)
                .bind(new.options)
                .bind(new.expected)
                .bind(i32::from(new.confidence))
                .bind(new.review_at)
                .bind(new.now)
                .bind(new.event)
                .fetch_optional(pool)
                .await?;
            match added {
                Some(row) => Ok(row),
                // Recorded already under this event: that decision.
                None => {
                    sqlx::query_as::<_, DecisionRow>(&stored)
                        .bind(new.event)
                        .fetch_one(pool)
                        .await
                }
            }
        })?;
        Ok(row.into())
    }

    /// A decision by id.
    pub async fn decision(&self, id: i64) -> Result<Option<Decision>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM decisions WHERE id = $1");
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, DecisionRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(Into::into))
    }

    /// Every decision `author` recorded, newest first.
    pub async fn decisions(&self, author: UserId) -> Result<Vec<Decision>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM decisions WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, DecisionRow>(&sql)
                .bind(author.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Decisions whose review is due at `now` and not yet sent, oldest first.
    pub async fn due_reviews(&self, now: DateTime<Utc>) -> Result<Vec<Decision>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM decisions WHERE review_sent_at IS NULL AND review_at <= $1
             ORDER BY review_at, id LIMIT 500"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, DecisionRow>(&sql)
                .bind(now)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Claims a due review, once: `true` for the one caller that should send it.
    pub async fn claim_review(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE decisions SET review_sent_at = $2
             WHERE id = $1 AND review_sent_at IS NULL AND review_at <= $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Records the author's review of their decision (changing an earlier one is allowed).
    /// `false` when the decision is not theirs.
    pub async fn record_outcome(
        &self,
        id: i64,
        author: UserId,
        outcome: Outcome,
        learned: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str =
            "UPDATE decisions SET outcome = $3, learned = COALESCE($4, learned), reviewed_at = $5,
                review_sent_at = COALESCE(review_sent_at, $5)
             WHERE id = $1 AND user_id = $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(author.0)
                .bind(outcome.as_str())
                .bind(learned)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Shares a decision with the author's manager, or makes it private again; `false` when
    /// it is not theirs.
    pub async fn set_decision_shared(
        &self,
        id: i64,
        author: UserId,
        shared: bool,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE decisions SET shared = $3 WHERE id = $1 AND user_id = $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(author.0)
                .bind(shared)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }
}

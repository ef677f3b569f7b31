//! Manager check-ins: pairs of a manager and a new leader, the check-ins sent to the leader,
//! their answers and monthly self-ratings, and the follow-ups each check-in still owes (a
//! reminder, a snoozed re-send, the manager's digest). A follow-up is due at a stored time
//! and claimed once, by any replica, by clearing that time.

use chrono::{DateTime, Utc};

use super::{
    NewSchedule, Storage, StorageError, UserId,
    schedules::{ScheduleRow, bind_new_schedule, insert_schedule_sql},
    with_pool,
};

/// Where a pair stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairState {
    /// Invited; nothing is scheduled or shared until the leader accepts.
    Pending,
    /// Accepted: check-ins are scheduled and shared answers reach the manager.
    Active,
    /// The leader declined.
    Declined,
    /// Ended by either side; the manager sees nothing of it any more.
    Ended,
}

impl PairState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Declined, Self::Ended]
            .into_iter()
            .find(|state| state.as_str() == name)
    }
}

super::stored_as_text!(PairState);

/// A manager and a leader paired for check-ins in one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinPair {
    pub id: i64,
    pub workspace: String,
    pub manager: UserId,
    pub leader: UserId,
    pub state: PairState,
    /// The cadence as a cron pattern (in `zone`) and as people read it.
    pub cron: String,
    pub label: String,
    /// 1 for weekly, 2 for every other week.
    pub every_weeks: u8,
    /// The zone check-ins follow; `None` until accepted when the leader's own zone is meant.
    pub zone: Option<String>,
    /// The schedule that sends the check-ins, once accepted.
    pub schedule: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When the leader accepted or declined.
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    id: i64,
    workspace: String,
    manager_id: i64,
    leader_id: i64,
    state: PairState,
    cron: String,
    label: String,
    every_weeks: i32,
    zone: Option<String>,
    schedule_id: Option<i64>,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
}

const PAIR_COLUMNS: &str = "id, workspace, manager_id, leader_id, state, cron, label, every_weeks, zone, schedule_id, created_at, decided_at";

impl From<PairRow> for CheckinPair {
    fn from(row: PairRow) -> Self {
        Self {
            id: row.id,
            workspace: row.workspace,
            manager: UserId(row.manager_id),
            leader: UserId(row.leader_id),
            state: row.state,
            cron: row.cron,
            label: row.label,
            every_weeks: u8::try_from(row.every_weeks).unwrap_or(1),
            zone: row.zone,
            schedule: row.schedule_id,
            created_at: row.created_at,
            decided_at: row.decided_at,
        }
    }
}

/// An invitation about to be stored.
#[derive(Debug, Clone)]
pub struct NewPair<'a> {
    pub workspace: &'a str,
    pub manager: UserId,
    pub leader: UserId,
    pub cron: &'a str,
    pub label: &'a str,
    pub every_weeks: u8,
    pub zone: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Where a check-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckinState {
    Open,
    Answered,
    Skipped,
}

impl CheckinState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Skipped => "skipped",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Open, Self::Answered, Self::Skipped]
            .into_iter()
            .find(|state| state.as_str() == name)
    }
}

super::stored_as_text!(CheckinState);

/// One check-in sent to a leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkin {
    pub id: i64,
    /// The pair it was sent for; `None` once the manager's data was deleted.
    pub pair: Option<i64>,
    pub leader: UserId,
    /// The occurrence it was sent for.
    pub due_at: DateTime<Utc>,
    /// The slugs of the weekly questions it asks, in order.
    pub questions: Vec<String>,
    /// Whether it also asks for the monthly self-rating of the shifts.
    pub monthly: bool,
    pub state: CheckinState,
    pub remind_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub digest_due_at: Option<DateTime<Utc>>,
    pub digest_sent_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CheckinRow {
    id: i64,
    pair_id: Option<i64>,
    leader_id: i64,
    due_at: DateTime<Utc>,
    questions: String,
    monthly: bool,
    state: CheckinState,
    remind_at: Option<DateTime<Utc>>,
    reminded_at: Option<DateTime<Utc>>,
    snoozed_until: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
    digest_due_at: Option<DateTime<Utc>>,
    digest_sent_at: Option<DateTime<Utc>>,
}

const CHECKIN_COLUMNS: &str = "id, pair_id, leader_id, due_at, questions, monthly, state, remind_at, reminded_at, snoozed_until, answered_at, digest_due_at, digest_sent_at";

impl From<CheckinRow> for Checkin {
    fn from(row: CheckinRow) -> Self {
        Self {
            id: row.id,
            pair: row.pair_id,
            leader: UserId(row.leader_id),
            due_at: row.due_at,
            questions: row
                .questions
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            monthly: row.monthly,
            state: row.state,
            remind_at: row.remind_at,
            reminded_at: row.reminded_at,
            snoozed_until: row.snoozed_until,
            answered_at: row.answered_at,
            digest_due_at: row.digest_due_at,
            digest_sent_at: row.digest_sent_at,
        }
    }
}

/// A leader's answer to one question of a check-in.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckinAnswer {
    pub id: i64,
    pub checkin: i64,
    /// The question's slug.
    pub slug: String,
    pub body: String,
    /// Shared with the manager (the default) or private.
    pub shared: bool,
    pub answered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// The leader's words never reach debug output.
impl std::fmt::Debug for CheckinAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckinAnswer")
            .field("id", &self.id)
            .field("checkin", &self.checkin)
            .field("slug", &self.slug)
            .field("body_chars", &self.body.chars().count())
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

/// One monthly self-rating of one shift, 1 to 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub checkin: i64,
    pub shift: String,
    pub rating: u8,
    pub shared: bool,
    pub rated_at: DateTime<Utc>,
}

impl Storage {
    /// Stores an invitation. `Ok(None)` when the leader already has a pending or active
    /// manager in this workspace (checked by the database, so two managers inviting at once
    /// cannot both succeed).
    pub async fn create_pair(
        &self,
        new: &NewPair<'_>,
    ) -> Result<Option<CheckinPair>, StorageError> {
        let sql = format!(
            "INSERT INTO checkin_pairs (workspace, manager_id, leader_id, state, cron, label, every_weeks, zone, created_at)
             VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8) RETURNING {PAIR_COLUMNS}"
        );
        let inserted = with_pool!(self, |pool| {
            sqlx::query_as::<_, PairRow>(&sql)
                .bind(new.workspace)
                .bind(new.manager.0)
                .bind(new.leader.0)
                .bind(new.cron)
                .bind(new.label)
                .bind(i32::from(new.every_weeks))
                .bind(new.zone)
                .bind(new.now)
                .fetch_one(pool)
                .await
        });
        match inserted {
            Ok(row) => Ok(Some(row.into())),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// A pair by id.
    pub async fn pair(&self, id: i64) -> Result<Option<CheckinPair>, StorageError> {
        let sql = format!("SELECT {PAIR_COLUMNS} FROM checkin_pairs WHERE id = $1");
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, PairRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(Into::into))
    }

    /// The pending and active pairs `user` belongs to in `workspace`, as manager or leader,
    /// oldest first.
    pub async fn open_pairs(
        &self,
        user: UserId,
        workspace: &str,
    ) -> Result<Vec<CheckinPair>, StorageError> {
        let sql = format!(
            "SELECT {PAIR_COLUMNS} FROM checkin_pairs
             WHERE workspace = $2 AND (manager_id = $1 OR leader_id = $1) AND state IN ('pending', 'active')
             ORDER BY id"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, PairRow>(&sql)
                .bind(user.0)
                .bind(workspace)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every pair `user` belongs to, in any state and workspace, oldest first (for their data
    /// export).
    pub async fn all_pairs(&self, user: UserId) -> Result<Vec<CheckinPair>, StorageError> {
        let sql = format!(
            "SELECT {PAIR_COLUMNS} FROM checkin_pairs WHERE manager_id = $1 OR leader_id = $1 ORDER BY id"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, PairRow>(&sql)
                .bind(user.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The pair whose check-ins `schedule` sends.
    pub async fn pair_for_schedule(
        &self,
        schedule: i64,
    ) -> Result<Option<CheckinPair>, StorageError> {
        let sql = format!("SELECT {PAIR_COLUMNS} FROM checkin_pairs WHERE schedule_id = $1");
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, PairRow>(&sql)
                .bind(schedule)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(Into::into))
    }

    /// Records that the leader declined a pending invitation. `false` when the pair was no
    /// longer pending or is not this leader's.
    pub async fn decline_pair(
        &self,
        id: i64,
        leader: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkin_pairs SET state = 'declined', decided_at = $3
             WHERE id = $1 AND leader_id = $2 AND state = 'pending'";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(leader.0)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Accepts a pending invitation: stores the schedule that sends the check-ins and marks
    /// the pair active with it and `zone`, in one transaction. `None` (and nothing stored) when
    /// the pair was no longer pending or is not this leader's.
    pub async fn accept_pair(
        &self,
        id: i64,
        leader: UserId,
        zone: &str,
        schedule: &NewSchedule<'_>,
    ) -> Result<Option<CheckinPair>, StorageError> {
        let insert = insert_schedule_sql();
        let accept = format!(
            "UPDATE checkin_pairs SET state = 'active', zone = $3, schedule_id = $4, decided_at = $5
             WHERE id = $1 AND leader_id = $2 AND state = 'pending' RETURNING {PAIR_COLUMNS}"
        );
        let row = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let stored = bind_new_schedule!(sqlx::query_as::<_, ScheduleRow>(&insert), schedule)
                .fetch_one(&mut *tx)
                .await?;
            let schedule_id = super::Schedule::from(stored).id;
            let row = sqlx::query_as::<_, PairRow>(&accept)
                .bind(id)
                .bind(leader.0)
                .bind(zone)
                .bind(schedule_id)
                .bind(schedule.now)
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_some() {
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(row)
        })?;
        Ok(row.map(Into::into))
    }

    /// Records that the manager prepared a one-on-one at `now`, and returns when they last did
    /// before (the agenda covers what was shared since).
    pub async fn record_prep(
        &self,
        pair: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StorageError> {
        const BEFORE: &str = "SELECT prepped_at FROM checkin_pairs WHERE id = $1";
        const SET: &str = "UPDATE checkin_pairs SET prepped_at = $2 WHERE id = $1";
        Ok(with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let before = sqlx::query_scalar::<_, Option<DateTime<Utc>>>(BEFORE)
                .bind(pair)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
            sqlx::query(SET)
                .bind(pair)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(before)
        })?)
    }

    /// Ends a pending or active pair and deletes the schedule that sent its check-ins, in one
    /// transaction. `false` when it had already ended.
    pub async fn end_pair(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        const END: &str = "UPDATE checkin_pairs SET state = 'ended', ended_at = $2
             WHERE id = $1 AND state IN ('pending', 'active') RETURNING schedule_id";
        const UNSCHEDULE: &str = "DELETE FROM schedules WHERE id = $1";
        Ok(with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let ended = sqlx::query_scalar::<_, Option<i64>>(END)
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(Some(schedule)) = ended {
                sqlx::query(UNSCHEDULE)
                    .bind(schedule)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ended.is_some())
        })?)
    }

    /// Stores the check-in for `pair`'s occurrence `due_at`, or returns the one already
    /// stored for it (a retried occurrence asks the same questions).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_checkin(
        &self,
        pair: &CheckinPair,
        due_at: DateTime<Utc>,
        questions: &[String],
        monthly: bool,
        remind_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Checkin, StorageError> {
        const INSERT: &str = "INSERT INTO checkins (pair_id, leader_id, due_at, questions, monthly, remind_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pair_id, due_at) DO NOTHING";
        let select =
            format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE pair_id = $1 AND due_at = $2");
        let row = with_pool!(self, |pool| {
            sqlx::query(INSERT)
                .bind(pair.id)
                .bind(pair.leader.0)
                .bind(due_at)
                .bind(questions.join(" "))
                .bind(monthly)
                .bind(remind_at)
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query_as::<_, CheckinRow>(&select)
                .bind(pair.id)
                .bind(due_at)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into())
    }

    /// A check-in by id.
    pub async fn checkin(&self, id: i64) -> Result<Option<Checkin>, StorageError> {
        let sql = format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE id = $1");
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, CheckinRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(Into::into))
    }

    /// The check-ins sent for `pair`, newest first, at most `limit`.
    pub async fn pair_checkins(&self, pair: i64, limit: i64) -> Result<Vec<Checkin>, StorageError> {
        let sql = format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE pair_id = $1 ORDER BY due_at DESC, id DESC LIMIT $2"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, CheckinRow>(&sql)
                .bind(pair)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every check-in sent to `leader`, oldest first.
    pub async fn leader_checkins(&self, leader: UserId) -> Result<Vec<Checkin>, StorageError> {
        let sql = format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE leader_id = $1 ORDER BY due_at, id"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, CheckinRow>(&sql)
                .bind(leader.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Stores the leader's answers to a check-in (replacing earlier answers to the same
    /// questions, which keep their sharing choice), marks it answered and sets its digest due
    /// at `digest_due_at` unless the digest was already sent. One transaction.
    pub async fn save_answers(
        &self,
        checkin: i64,
        answers: &[(String, String)],
        digest_due_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const UPSERT: &str = "INSERT INTO checkin_answers (checkin_id, slug, body, answered_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (checkin_id, slug) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at";
        const ANSWERED: &str =
            "UPDATE checkins SET state = 'answered', answered_at = COALESCE(answered_at, $2),
                remind_at = NULL, snoozed_until = NULL,
                digest_due_at = CASE WHEN digest_sent_at IS NULL THEN $3 ELSE NULL END
             WHERE id = $1";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for (slug, body) in answers {
                sqlx::query(UPSERT)
                    .bind(checkin)
                    .bind(slug)
                    .bind(body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(ANSWERED)
                .bind(checkin)
                .bind(now)
                .bind(digest_due_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The answers to a check-in, in the order they were first given.
    pub async fn checkin_answers(&self, checkin: i64) -> Result<Vec<CheckinAnswer>, StorageError> {
        const SQL: &str = "SELECT id, checkin_id, slug, body, shared, answered_at, updated_at
             FROM checkin_answers WHERE checkin_id = $1 ORDER BY id";
        type Row = (i64, i64, String, String, bool, DateTime<Utc>, DateTime<Utc>);
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(SQL)
                .bind(checkin)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(id, checkin, slug, body, shared, answered_at, updated_at)| CheckinAnswer {
                    id,
                    checkin,
                    slug,
                    body,
                    shared,
                    answered_at,
                    updated_at,
                },
            )
            .collect())
    }

    /// Shares one answer with the manager or makes it private; `false` when the answer is
    /// not on this check-in.
    pub async fn set_answer_shared(
        &self,
        checkin: i64,
        answer: i64,
        shared: bool,
    ) -> Result<bool, StorageError> {
        const SQL: &str =
            "UPDATE checkin_answers SET shared = $3 WHERE id = $2 AND checkin_id = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(answer)
                .bind(shared)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Records (or changes) the self-rating of `shift` on a monthly check-in.
    pub async fn save_rating(
        &self,
        checkin: &Checkin,
        shift: &str,
        rating: u8,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO ratings (checkin_id, leader_id, shift, rating, rated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (checkin_id, shift) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin.id)
                .bind(checkin.leader.0)
                .bind(shift)
                .bind(i32::from(rating))
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Every self-rating `leader` gave, oldest first.
    pub async fn ratings(&self, leader: UserId) -> Result<Vec<Rating>, StorageError> {
        const SQL: &str = "SELECT checkin_id, shift, rating, shared, rated_at FROM ratings
             WHERE leader_id = $1 ORDER BY rated_at, id";
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, i32, bool, DateTime<Utc>)>(SQL)
                .bind(leader.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(checkin, shift, rating, shared, rated_at)| Rating {
                checkin,
                shift,
                rating: u8::try_from(rating).unwrap_or(0),
                shared,
                rated_at,
            })
            .collect())
    }

    /// Shares a check-in's self-ratings with the manager or makes them private.
    pub async fn set_ratings_shared(&self, checkin: i64, shared: bool) -> Result<(), StorageError> {
        const SQL: &str = "UPDATE ratings SET shared = $2 WHERE checkin_id = $1";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(shared)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Skips an open check-in: no reminder, and the digest tells the manager it was skipped.
    /// `false` when it was not open.
    pub async fn skip_checkin(
        &self,
        checkin: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET state = 'skipped', remind_at = NULL, snoozed_until = NULL, digest_due_at = $2
             WHERE id = $1 AND state = 'open'";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Snoozes an open check-in until `until`, when it is sent again; a reminder not yet sent
    /// waits for the re-send. `false` when it was not open.
    pub async fn snooze_checkin(
        &self,
        checkin: i64,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET snoozed_until = $2, remind_at = NULL WHERE id = $1 AND state = 'open'";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(until)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Open check-ins whose reminder, or snoozed re-send, is due at `now`, and answered or
    /// skipped ones whose digest is due, oldest first.
    pub async fn due_checkin_follow_ups(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<Checkin>, StorageError> {
        let sql = format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins
             WHERE (state = 'open' AND (remind_at <= $1 OR snoozed_until <= $1))
                OR (state <> 'open' AND digest_due_at <= $1)
             ORDER BY due_at, id LIMIT 500"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, CheckinRow>(&sql)
                .bind(now)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Claims a check-in's due reminder, once: `true` for the one caller that should send it.
    pub async fn claim_reminder(
        &self,
        checkin: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET remind_at = NULL, reminded_at = $2
             WHERE id = $1 AND state = 'open' AND remind_at <= $2 AND reminded_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Claims a snoozed check-in's re-send, once; the reminder (if none was sent yet) falls
    /// due at `remind_at`.
    pub async fn claim_snoozed(
        &self,
        checkin: i64,
        now: DateTime<Utc>,
        remind_at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET snoozed_until = NULL,
                remind_at = CASE WHEN reminded_at IS NULL THEN $3 ELSE NULL END
             WHERE id = $1 AND state = 'open' AND snoozed_until <= $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(now)
                .bind(remind_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Claims a check-in's due digest, once.
    pub async fn claim_digest(
        &self,
        checkin: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET digest_due_at = NULL, digest_sent_at = $2
             WHERE id = $1 AND digest_due_at <= $2 AND digest_sent_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Brings a check-in's digest forward to `now` (the leader asked to send it now); `false`
    /// when it was already sent or is not due at all.
    pub async fn digest_now(&self, checkin: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE checkins SET digest_due_at = $2
             WHERE id = $1 AND digest_due_at IS NOT NULL AND digest_sent_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(checkin)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// The earliest time a check-in follow-up or a decision review falls due.
    pub async fn next_follow_up(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        const SQL: &str = "SELECT MIN(t) FROM (
                SELECT MIN(remind_at) AS t FROM checkins WHERE state = 'open'
                UNION ALL SELECT MIN(snoozed_until) FROM checkins WHERE state = 'open'
                UNION ALL SELECT MIN(digest_due_at) FROM checkins WHERE digest_sent_at IS NULL
                UNION ALL SELECT MIN(review_at) FROM decisions WHERE review_sent_at IS NULL
             ) AS due";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, Option<DateTime<Utc>>>(SQL)
                .fetch_one(pool)
                .await
        })?)
    }
}

//! Schedules (a purpose, a target, a cron pattern in a zone) and quiet periods per channel.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Platform, Storage, StorageError, UserId, with_pool};

/// A channel on a platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelAddress {
    pub platform: Platform,
    pub workspace: String,
    pub channel: String,
}

/// What a schedule is for; the core composes each occurrence's message by purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A coaching nudge posted in a channel.
    Nudge,
    /// A check-in sent to a new leader (coming with manager check-ins).
    Checkin,
    /// A reminder of an unanswered check-in.
    Reminder,
    /// A decision journal entry due for review.
    Review,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nudge => "nudge",
            Self::Checkin => "checkin",
            Self::Reminder => "reminder",
            Self::Review => "review",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Nudge, Self::Checkin, Self::Reminder, Self::Review]
            .into_iter()
            .find(|purpose| purpose.as_str() == name)
    }
}

super::stored_as_text!(Purpose);

/// Where a schedule's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Posted in a channel.
    Channel(&'a ChannelAddress),
    /// Sent to one person, in their direct messages on the schedule's platform.
    Person(UserId),
}

/// A schedule about to be stored.
#[derive(Debug, Clone)]
pub struct NewSchedule<'a> {
    pub purpose: Purpose,
    /// The channel it posts in; for a schedule that targets a person, the platform and
    /// workspace they are reached in (the channel part is empty).
    pub channel: &'a ChannelAddress,
    /// The person it targets, instead of the channel.
    pub person: Option<UserId>,
    pub cron: &'a str,
    pub label: &'a str,
    pub zone: &'a str,
    pub mix: &'a str,
    pub created_by: UserId,
    pub next_due: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: i64,
    pub purpose: Purpose,
    /// The channel it posts in, or (with `person`) the platform and workspace of the person.
    pub channel: ChannelAddress,
    /// The person it targets instead of the channel.
    pub person: Option<UserId>,
    pub cron: String,
    pub label: String,
    pub zone: String,
    pub mix: String,
    pub created_by: Option<UserId>,
    pub paused: bool,
    pub paused_until: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
}

impl Schedule {
    /// Where the schedule's messages go.
    pub fn target(&self) -> Target<'_> {
        match self.person {
            Some(person) => Target::Person(person),
            None => Target::Channel(&self.channel),
        }
    }

    /// Whether the schedule is paused at `at`.
    pub fn is_paused_at(&self, at: DateTime<Utc>) -> bool {
        self.paused && self.paused_until.is_none_or(|until| at < until)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ScheduleRow {
    id: i64,
    purpose: Purpose,
    target_user: Option<i64>,
    platform: Platform,
    workspace: String,
    channel: String,
    cron: String,
    label: String,
    zone: String,
    mix: String,
    created_by: Option<i64>,
    paused: bool,
    paused_until: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
}

pub(super) const SCHEDULE_COLUMNS: &str = "id, purpose, target_user, platform, workspace, channel, cron, label, zone, mix, created_by, paused, paused_until, next_due";

impl From<ScheduleRow> for Schedule {
    fn from(row: ScheduleRow) -> Self {
        Self {
            id: row.id,
            purpose: row.purpose,
            person: row.target_user.map(UserId),
            channel: ChannelAddress {
                platform: row.platform,
                workspace: row.workspace,
                channel: row.channel,
            },
            cron: row.cron,
            label: row.label,
            zone: row.zone,
            mix: row.mix,
            created_by: row.created_by.map(UserId),
            paused: row.paused,
            paused_until: row.paused_until,
            next_due: row.next_due,
        }
    }
}

/// Days on which a channel gets no nudges, inclusive, in each schedule's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietPeriod {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// The statement that stores a [`NewSchedule`] and returns it as a [`ScheduleRow`]; its
/// parameters are bound by [`bind_new_schedule!`]. One statement for every place a schedule is
/// created, alone or inside a transaction.
pub(super) fn insert_schedule_sql() -> String {
    format!(
        "INSERT INTO schedules (platform, workspace, channel, cron, label, zone, mix, created_by, next_due, created_at, purpose, target_user)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {SCHEDULE_COLUMNS}"
    )
}

/// Binds a [`NewSchedule`] to [`insert_schedule_sql`]'s parameters, on either engine.
macro_rules! bind_new_schedule {
    ($query:expr, $new:expr) => {
        $query
            .bind($new.channel.platform.as_str())
            .bind(&$new.channel.workspace)
            .bind(&$new.channel.channel)
            .bind($new.cron)
            .bind($new.label)
            .bind($new.zone)
            .bind($new.mix)
            .bind($new.created_by.0)
            .bind($new.next_due)
            .bind($new.now)
            .bind($new.purpose.as_str())
            .bind($new.person.map(|person| person.0))
    };
}
pub(super) use bind_new_schedule;

impl Storage {
    /// Stores a new schedule.
    pub async fn insert_schedule(&self, new: &NewSchedule<'_>) -> Result<Schedule, StorageError> {
        let sql = insert_schedule_sql();
        let row = with_pool!(self, |pool| {
            bind_new_schedule!(sqlx::query_as::<_, ScheduleRow>(&sql), new)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into())
    }

    /// A schedule by id.
    pub async fn schedule(&self, id: i64) -> Result<Option<Schedule>, StorageError> {
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE id = $1");
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, ScheduleRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(Into::into))
    }

    /// The channel's nudge schedules that have not been removed, oldest first.
    pub async fn channel_schedules(
        &self,
        channel: &ChannelAddress,
    ) -> Result<Vec<Schedule>, StorageError> {
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules
             WHERE platform = $1 AND workspace = $2 AND channel = $3 AND purpose = 'nudge'
               AND target_user IS NULL AND removed_at IS NULL ORDER BY id"
        );
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, ScheduleRow>(&sql)
                .bind(channel.platform.as_str())
                .bind(&channel.workspace)
                .bind(&channel.channel)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(Schedule::from).collect())
    }

    /// Pauses (or with `paused = false`, resumes) every schedule in the channel; returns how
    /// many changed. `until` ends the pause by itself.
    pub async fn set_channel_paused(
        &self,
        channel: &ChannelAddress,
        paused: bool,
        until: Option<DateTime<Utc>>,
    ) -> Result<u64, StorageError> {
        const SQL: &str = "UPDATE schedules SET paused = $4, paused_until = $5
             WHERE platform = $1 AND workspace = $2 AND channel = $3 AND purpose = 'nudge'
               AND target_user IS NULL AND removed_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(channel.platform.as_str())
                .bind(&channel.workspace)
                .bind(&channel.channel)
                .bind(paused)
                .bind(until)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }

    /// Pauses (or with `paused = false`, resumes) one schedule; `until` ends the pause by
    /// itself. Returns whether the schedule exists and was not removed.
    pub async fn set_schedule_paused(
        &self,
        id: i64,
        paused: bool,
        until: Option<DateTime<Utc>>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE schedules SET paused = $2, paused_until = $3
             WHERE id = $1 AND removed_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(paused)
                .bind(until)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Removes a schedule: it fires no more, and its history stays.
    pub async fn remove_schedule(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE schedules SET removed_at = $2, next_due = NULL WHERE id = $1 AND removed_at IS NULL";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Marks that the schedule's creator is being told about a failure; returns `false` if
    /// they already were (since the last success), so they are told once.
    pub async fn claim_failure_notice(&self, id: i64) -> Result<bool, StorageError> {
        const SQL: &str =
            "UPDATE schedules SET failure_notified = TRUE WHERE id = $1 AND NOT failure_notified";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Forgets a failure notice after a successful send, so a new failure is reported again.
    pub async fn clear_failure_notice(&self, id: i64) -> Result<(), StorageError> {
        const SQL: &str =
            "UPDATE schedules SET failure_notified = FALSE WHERE id = $1 AND failure_notified";
        with_pool!(self, |pool| {
            sqlx::query(SQL).bind(id).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Adds days on which the channel gets no nudges.
    pub async fn add_quiet_period(
        &self,
        channel: &ChannelAddress,
        period: QuietPeriod,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO quiet_periods (platform, workspace, channel, first_day, last_day, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(channel.platform.as_str())
                .bind(&channel.workspace)
                .bind(&channel.channel)
                .bind(period.first_day)
                .bind(period.last_day)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Quiet periods that end on or after `from`, for every channel.
    pub async fn quiet_periods_from(
        &self,
        from: NaiveDate,
    ) -> Result<Vec<(ChannelAddress, QuietPeriod)>, StorageError> {
        const SQL: &str = "SELECT platform, workspace, channel, first_day, last_day FROM quiet_periods WHERE last_day >= $1";
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, (Platform, String, String, NaiveDate, NaiveDate)>(SQL)
                .bind(from)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(platform, workspace, channel, first_day, last_day)| {
                (
                    ChannelAddress {
                        platform,
                        workspace,
                        channel,
                    },
                    QuietPeriod {
                        first_day,
                        last_day,
                    },
                )
            })
            .collect())
    }
}

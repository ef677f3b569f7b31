//! Deliveries: one row per (schedule, occurrence), claimed before anything is sent.
//!
//! The unique key on (schedule, occurrence) is what makes a nudge go out at most once, however
//! many schedulers run. A pending delivery carries a lease (owner and expiry): whoever holds an
//! unexpired lease is sending it; an expired lease (a crash mid-send, a failed attempt whose
//! retry time has come) is taken over by the next scheduler that looks.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{
    Backend, Storage, StorageError,
    schedules::{SCHEDULE_COLUMNS, Schedule, ScheduleRow},
    with_pool,
};

/// Rows per multi-row statement: well under both engines' limits on bound parameters.
const CHUNK: usize = 1000;

/// What became of an occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Claimed and not yet confirmed sent.
    Pending,
    Sent,
    /// Not sent on purpose: paused, a quiet day, or missed beyond the grace window.
    Skipped,
    /// Given up after repeated errors.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "sent" => Self::Sent,
            "skipped" => Self::Skipped,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// What a scheduler decided for one due schedule.
#[derive(Debug, Clone)]
pub struct ClaimPlan {
    pub schedule_id: i64,
    /// The occurrence after the ones handled now (`None` stops the schedule).
    pub next_due: Option<DateTime<Utc>>,
    pub deliveries: Vec<PlannedDelivery>,
}

/// One occurrence to record.
#[derive(Debug, Clone)]
pub struct PlannedDelivery {
    pub occurrence: DateTime<Utc>,
    pub state: DeliveryState,
    pub note: Option<String>,
}

/// A pending delivery leased to one scheduler, with its schedule.
#[derive(Debug, Clone)]
pub struct LeasedDelivery {
    pub id: i64,
    pub occurrence: DateTime<Utc>,
    pub slug: Option<String>,
    /// Attempts recorded as failed so far.
    pub attempts: i32,
    /// How many times the delivery was leased, this lease included: more than one means a
    /// scheduler held it before, and may have posted it before it died or gave it up.
    pub leases: i32,
    pub schedule: Schedule,
}

impl LeasedDelivery {
    /// Whether an earlier attempt may already have reached the platform: one failed (perhaps
    /// after its request left), or an earlier lease ran out (its scheduler was killed or hung
    /// mid-send). A delivery leased for the first time was never sent.
    pub fn may_have_been_sent(&self) -> bool {
        self.attempts > 0 || self.leases > 1
    }
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub schedule_id: i64,
    pub occurrence: DateTime<Utc>,
    pub state: DeliveryState,
    pub note: Option<String>,
    pub slug: Option<String>,
    pub attempts: i32,
    pub message_id: Option<String>,
    /// When the platform accepted the message (after the send's answer came back).
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    schedule_id: i64,
    occurrence: DateTime<Utc>,
    state: String,
    note: Option<String>,
    slug: Option<String>,
    attempts: i32,
    message_id: Option<String>,
    sent_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for DeliveryRecord {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            schedule_id: row.schedule_id,
            occurrence: row.occurrence,
            state: DeliveryState::parse(&row.state),
            note: row.note,
            slug: row.slug,
            attempts: row.attempts,
            message_id: row.message_id,
            sent_at: row.sent_at,
        }
    }
}

/// Writes one batch of claims inside the claiming transaction: the planned deliveries (an
/// occurrence already recorded is left as it is) and each schedule's next due time.
trait WriteClaims {
    async fn write_claims(
        &mut self,
        plans: &[ClaimPlan],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error>;
}

impl WriteClaims for sqlx::PgConnection {
    /// One statement for the whole batch (the update in a data-modifying `WITH`), each column
    /// bound as one array: no statement with thousands of parameters to parse and plan, one
    /// round trip instead of two, and the schedules found through their primary key, where a
    /// `VALUES` list as large as the batch is hash-joined against a read of the whole table.
    async fn write_claims(
        &mut self,
        plans: &[ClaimPlan],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        const SQL: &str = "WITH moved AS (
                UPDATE schedules SET next_due = v.next_due
                FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS v(id, next_due)
                WHERE schedules.id = v.id
             )
             INSERT INTO deliveries (schedule_id, occurrence, state, note, lease_until, created_at)
             SELECT d.schedule_id, d.occurrence, d.state, d.note, $7, $7
             FROM UNNEST($3::BIGINT[], $4::TIMESTAMPTZ[], $5::TEXT[], $6::TEXT[])
                  AS d(schedule_id, occurrence, state, note)
             ON CONFLICT (schedule_id, occurrence) DO NOTHING";
        let ids: Vec<i64> = plans.iter().map(|p| p.schedule_id).collect();
        let next: Vec<Option<DateTime<Utc>>> = plans.iter().map(|p| p.next_due).collect();
        let count = plans.iter().map(|p| p.deliveries.len()).sum();
        let mut schedule_ids = Vec::with_capacity(count);
        let mut occurrences = Vec::with_capacity(count);
        let mut states = Vec::with_capacity(count);
        let mut notes = Vec::with_capacity(count);
        for plan in plans {
            for delivery in &plan.deliveries {
                schedule_ids.push(plan.schedule_id);
                occurrences.push(delivery.occurrence);
                states.push(delivery.state.as_str());
                notes.push(delivery.note.as_deref());
            }
        }
        sqlx::query(SQL)
            .bind(ids)
            .bind(next)
            .bind(schedule_ids)
            .bind(occurrences)
            .bind(states)
            .bind(notes)
            .bind(now)
            .execute(self)
            .await?;
        Ok(())
    }
}

impl WriteClaims for sqlx::SqliteConnection {
    /// Multi-row statements of at most [`CHUNK`] rows (SQLite has no arrays to bind).
    async fn write_claims(
        &mut self,
        plans: &[ClaimPlan],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<(i64, &PlannedDelivery)> = plans
            .iter()
            .flat_map(|p| p.deliveries.iter().map(move |d| (p.schedule_id, d)))
            .collect();
        for chunk in rows.chunks(CHUNK) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO deliveries (schedule_id, occurrence, state, note, lease_until, created_at) ",
            );
            insert.push_values(chunk, |mut row, (schedule_id, delivery)| {
                row.push_bind(*schedule_id)
                    .push_bind(delivery.occurrence)
                    .push_bind(delivery.state.as_str())
                    .push_bind(delivery.note.as_deref())
                    .push_bind(now)
                    .push_bind(now);
            });
            insert.push(" ON CONFLICT (schedule_id, occurrence) DO NOTHING");
            insert.build().execute(&mut *self).await?;
        }
        for chunk in plans.chunks(CHUNK) {
            let mut update = QueryBuilder::new("WITH v(id, next_due) AS (");
            update.push_values(chunk, |mut row, plan| {
                row.push_bind(plan.schedule_id).push_bind(plan.next_due);
            });
            update.push(
                ") UPDATE schedules SET next_due = v.next_due FROM v WHERE schedules.id = v.id",
            );
            update.build().execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl Storage {
    /// Claims every schedule due at `now` (at most `limit`), in one transaction: `plan` decides
    /// which occurrences to record and the next due time, and the rows are written before the
    /// transaction commits (on PostgreSQL in one statement). On PostgreSQL the due schedules are
    /// locked with `SKIP LOCKED`, so concurrent schedulers share the work instead of waiting;
    /// the unique (schedule, occurrence) key is the final guard. New pending deliveries are free
    /// to lease at once. Returns how many schedules were handled.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        mut plan: impl FnMut(&Schedule) -> ClaimPlan,
    ) -> Result<usize, StorageError> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE next_due <= $1 ORDER BY next_due, id LIMIT $2 {lock}"
        );
        let handled = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let due: Vec<Schedule> = sqlx::query_as::<_, ScheduleRow>(&select)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(Schedule::from)
                .collect();
            let plans: Vec<ClaimPlan> = due.iter().map(&mut plan).collect();
            if !plans.is_empty() {
                tx.write_claims(&plans, now).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(plans.len())
        })?;
        Ok(handled)
    }

    /// Leases up to `limit` pending deliveries whose lease has expired (new, crashed mid-send,
    /// or due for a retry) to `owner` until `lease_until`, oldest occurrence first, and counts
    /// the lease on each ([`LeasedDelivery::leases`]).
    pub async fn lease_pending(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<LeasedDelivery>, StorageError> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE deliveries SET lease_owner = $1, lease_until = $2, leases = leases + 1
             WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND lease_until <= $3
                          ORDER BY occurrence, id LIMIT $4 {lock})
             RETURNING id, schedule_id, occurrence, slug, attempts, leases"
        );
        let leased = with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, i64, DateTime<Utc>, Option<String>, i32, i32)>(&sql)
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        if leased.is_empty() {
            return Ok(Vec::new());
        }
        let schedules = self.schedules_by_id(leased.iter().map(|row| row.1)).await?;
        let mut out: Vec<LeasedDelivery> = leased
            .into_iter()
            .filter_map(|(id, schedule_id, occurrence, slug, attempts, leases)| {
                let schedule = schedules.iter().find(|s| s.id == schedule_id)?.clone();
                Some(LeasedDelivery {
                    id,
                    occurrence,
                    slug,
                    attempts,
                    leases,
                    schedule,
                })
            })
            .collect();
        out.sort_by_key(|delivery| (delivery.occurrence, delivery.id));
        Ok(out)
    }

    async fn schedules_by_id(
        &self,
        ids: impl Iterator<Item = i64>,
    ) -> Result<Vec<Schedule>, StorageError> {
        let ids: Vec<i64> = ids.collect();
        let rows = with_pool!(self, |pool| {
            let mut query = QueryBuilder::new(format!(
                "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE id IN ("
            ));
            let mut list = query.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            query.push(")");
            query.build_query_as::<ScheduleRow>().fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(Schedule::from).collect())
    }

    /// Gives a delivery its content item unless it already has one; returns the slug it has.
    pub async fn choose_delivery_slug(&self, id: i64, slug: &str) -> Result<String, StorageError> {
        const SET: &str = "UPDATE deliveries SET slug = $2 WHERE id = $1 AND slug IS NULL";
        const GET: &str = "SELECT slug FROM deliveries WHERE id = $1";
        let chosen = with_pool!(self, |pool| {
            sqlx::query(SET).bind(id).bind(slug).execute(pool).await?;
            sqlx::query_scalar::<_, Option<String>>(GET)
                .bind(id)
                .fetch_one(pool)
                .await
        })?;
        Ok(chosen.unwrap_or_else(|| slug.to_owned()))
    }

    /// Records a successful send, if `owner` still holds the lease. Returns whether it did.
    pub async fn mark_sent(
        &self,
        id: i64,
        owner: &str,
        message_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE deliveries SET state = 'sent', message_id = $3, sent_at = $4, attempts = attempts + 1,
                lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending' AND lease_owner = $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(owner)
                .bind(message_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Extends `owner`'s lease on a pending delivery to `until`; `false` when the delivery is
    /// no longer pending or another scheduler holds it now.
    pub async fn renew_lease(
        &self,
        id: i64,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        const SQL: &str = "UPDATE deliveries SET lease_until = $3
             WHERE id = $1 AND state = 'pending' AND lease_owner = $2";
        Ok(with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(owner)
                .bind(until)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() == 1)
        })?)
    }

    /// Gives up a leased delivery that has become too late to send (after a long outage or a
    /// jump of the clock): it is recorded as skipped with `note`, if `owner` still holds the
    /// lease.
    pub async fn mark_too_late(
        &self,
        id: i64,
        owner: &str,
        note: &str,
    ) -> Result<(), StorageError> {
        const SQL: &str = "UPDATE deliveries SET state = 'skipped', note = $3, lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending' AND lease_owner = $2";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(owner)
                .bind(note)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Records a failed attempt: with `retry_at` the delivery stays pending until then;
    /// without, it is given up as failed.
    pub async fn mark_attempt_failed(
        &self,
        id: i64,
        owner: &str,
        reason: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        const SQL: &str =
            "UPDATE deliveries SET attempts = attempts + 1, note = $3, lease_owner = NULL,
                lease_until = $4, state = CASE WHEN $4 IS NULL THEN 'failed' ELSE 'pending' END
             WHERE id = $1 AND state = 'pending' AND lease_owner = $2";
        with_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(id)
                .bind(owner)
                .bind(reason)
                .bind(retry_at)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The earliest time anything is due: a schedule's next occurrence, a pending lease, a
    /// check-in's follow-up or a decision's review.
    pub async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        const SCHEDULES: &str =
            "SELECT next_due FROM schedules WHERE next_due IS NOT NULL ORDER BY next_due LIMIT 1";
        const PENDING: &str = "SELECT lease_until FROM deliveries WHERE state = 'pending' ORDER BY lease_until LIMIT 1";
        let (schedule, pending) = with_pool!(self, |pool| {
            let schedule = sqlx::query_scalar::<_, Option<DateTime<Utc>>>(SCHEDULES)
                .fetch_optional(pool)
                .await?;
            let pending = sqlx::query_scalar::<_, Option<DateTime<Utc>>>(PENDING)
                .fetch_optional(pool)
                .await?;
            Ok::<_, sqlx::Error>((schedule.flatten(), pending.flatten()))
        })?;
        let follow_up = self.next_follow_up().await?;
        Ok([schedule, pending, follow_up].into_iter().flatten().min())
    }

    /// The delivery a platform message belongs to, for replies in its thread.
    pub async fn delivery_for_message(
        &self,
        platform: super::Platform,
        workspace: &str,
        message_id: &str,
    ) -> Result<Option<DeliveryRecord>, StorageError> {
        const SQL: &str = "SELECT d.id, d.schedule_id, d.occurrence, d.state, d.note, d.slug, d.attempts, d.message_id, d.sent_at
             FROM deliveries d JOIN schedules s ON s.id = d.schedule_id
             WHERE d.message_id = $3 AND s.platform = $1 AND s.workspace = $2";
        let row = with_pool!(self, |pool| {
            sqlx::query_as::<_, DeliveryRow>(SQL)
                .bind(platform.as_str())
                .bind(workspace)
                .bind(message_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(DeliveryRecord::from))
    }

    /// The message id of the latest nudge sent to `channel` (not to a person), if any: where a
    /// surface without threads (the console) files a plain reply, across restarts.
    pub async fn latest_nudge_message(
        &self,
        channel: &super::ChannelAddress,
    ) -> Result<Option<String>, StorageError> {
        const SQL: &str = "SELECT d.message_id
             FROM deliveries d JOIN schedules s ON s.id = d.schedule_id
             WHERE s.platform = $1 AND s.workspace = $2 AND s.channel = $3
               AND s.target_user IS NULL AND d.state = 'sent' AND d.message_id IS NOT NULL
             ORDER BY d.sent_at DESC, d.id DESC
             LIMIT 1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(SQL)
                .bind(channel.platform.as_str())
                .bind(&channel.workspace)
                .bind(&channel.channel)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Every delivery of a schedule, in occurrence order.
    pub async fn schedule_deliveries(
        &self,
        schedule_id: i64,
    ) -> Result<Vec<DeliveryRecord>, StorageError> {
        const SQL: &str =
            "SELECT id, schedule_id, occurrence, state, note, slug, attempts, message_id, sent_at
             FROM deliveries WHERE schedule_id = $1 ORDER BY occurrence, id";
        let rows = with_pool!(self, |pool| {
            sqlx::query_as::<_, DeliveryRow>(SQL)
                .bind(schedule_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows.into_iter().map(DeliveryRecord::from).collect())
    }

    /// Adds an extra pending delivery at `occurrence` (for "send one now"). Returns its id, or
    /// `None` if that occurrence already exists.
    pub async fn insert_extra_delivery(
        &self,
        schedule_id: i64,
        occurrence: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StorageError> {
        const SQL: &str =
            "INSERT INTO deliveries (schedule_id, occurrence, state, note, lease_until, created_at)
             VALUES ($1, $2, 'pending', 'sent on request', $3, $3)
             ON CONFLICT (schedule_id, occurrence) DO NOTHING RETURNING id";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(schedule_id)
                .bind(occurrence)
                .bind(now)
                .fetch_optional(pool)
                .await
        })?)
    }
}

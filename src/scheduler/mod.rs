//! The scheduler: turns schedules into deliveries and sends them, exactly once.
//!
//! Every replica may run one. Each tick it claims the schedules that are due (one database
//! transaction: the occurrences are recorded, the schedules move to their next time), then
//! leases the pending deliveries (new ones, ones a crash left behind, failed ones due for a
//! retry), asks the core to compose each occurrence's message for its purpose and target, and
//! sends it through the core's router; a delivery is marked sent only once the router says it
//! went out. Up to [`SchedulerOptions::in_flight`] deliveries are on their way at once (each is
//! one channel's or one person's occurrence, so they need no order among them): one at a time,
//! a platform's answer time alone (50 to 100 ms on Discord) would hold a burst of nudges to a
//! few a second, far under what the platforms allow; the adapters pace them to their limits.
//! Between ticks it sleeps until the next due time (at most [`TICK`]), or until a schedule
//! changes.
//!
//! One catch-up rule covers every gap between ticks, whether the process was down or a
//! virtual clock jumped ([`Scheduler::advance`]): of the occurrences missed, only the latest
//! may still be sent, and only if it is no later than the grace window; the others are
//! recorded as skipped. Lateness up to one [`TICK`] is on time.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures_util::{StreamExt, stream::FuturesUnordered};
use tokio::sync::Notify;

use crate::core::{scheduled::held_back, when::CronSpec};
use crate::zone::parse_zone;
use crate::{
    clock::{Clock, ClockError, VirtualClock},
    core::{Coach, Destination, Outgoing, OutgoingKind, RichMessage, SendError, SendKey},
    storage::{
        ChannelAddress, ClaimPlan, DeliveryState, LeasedDelivery, PlannedDelivery, Purpose,
        QuietPeriod, Schedule, StorageError,
    },
};

/// How many schedules or deliveries one step handles at most.
const BATCH: i64 = 500;
/// How far back a scheduler looks when it was down a long time.
const LOOKBACK_DAYS: i64 = 7;
/// Skipped occurrences recorded per schedule after an outage; older ones are only counted.
const MAX_RECORDED_MISSES: usize = 50;
/// Waits between attempts at a failing send; after the last, the delivery is given up.
const RETRY_BACKOFF_MINUTES: [i64; 4] = [1, 5, 15, 60];

/// The longest a running scheduler sleeps between ticks: an occurrence handled this late is
/// on time, whatever the grace window.
pub const TICK: Duration = Duration::from_secs(60);

/// How often answers kept during a database outage are tried again.
pub const KEPT_RETRY: Duration = Duration::from_secs(1);

// The grace setting's range must fit the scheduler: a window shorter than one tick would call
// on-time nudges missed, and one longer than the lookback could never be used.
const _: () = assert!(
    crate::config::NUDGE_GRACE_RANGE.0.as_secs() >= TICK.as_secs()
        && crate::config::NUDGE_GRACE_RANGE.1.as_secs() <= LOOKBACK_DAYS as u64 * 24 * 3600
);

/// Why [`Scheduler::advance`] did not move the clock or finish.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    /// The clock refused the target (earlier than now, or after the last time allowed).
    #[error(transparent)]
    Clock(#[from] ClockError),
    /// The tick at the target failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Tuning for a scheduler.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Names this scheduler in leases; unique per process.
    pub owner: String,
    /// How late a missed occurrence may still be sent; lateness up to one [`TICK`] is on
    /// time even when this is shorter.
    pub grace: chrono::Duration,
    /// How long a lease protects a send in progress; it is renewed every third of it while
    /// the send lasts, so a crashed scheduler's deliveries are taken over this soon after.
    pub lease: chrono::Duration,
    /// How many deliveries may be on their way at once (at least one); more are leased as
    /// these finish.
    pub in_flight: usize,
}

/// The default [`SchedulerOptions::lease`]: a crash mid-send delays the rest by at most this.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// Deliveries leased at a time: replicas share a large batch instead of one taking it all.
const LEASE_BATCH: i64 = 20;

/// The default [`SchedulerOptions::in_flight`]: two lease batches. Enough to keep Discord's
/// global limit (50 requests a second) busy while each send waits 50 to 100 ms for Discord and
/// a few milliseconds for the database, which the sends share through a small pool; a
/// second batch is leased while the first is still out, so the pipeline does not drain.
pub const IN_FLIGHT: usize = 2 * LEASE_BATCH as usize;

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self {
            owner: format!("{}-{}", hostname(), std::process::id()),
            grace: chrono::Duration::hours(2),
            lease: LEASE,
            in_flight: IN_FLIGHT,
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "shiftcoach".to_owned())
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends scheduled nudges.
pub struct Scheduler {
    coach: Arc<Coach>,
    options: SchedulerOptions,
}

impl Scheduler {
    /// A scheduler that composes through `coach` and sends through its router.
    pub fn new(coach: Arc<Coach>, options: SchedulerOptions) -> Self {
        Self { coach, options }
    }

    /// Claims what is due at `now` and sends it.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, StorageError> {
        // Answers kept while the database was down go in first, in the order they came.
        if self.coach.kept() > 0 {
            self.coach.store_kept().await;
        }
        let storage = self.coach.storage();
        let quiet = storage
            .quiet_periods_from((now - chrono::Duration::days(LOOKBACK_DAYS + 1)).date_naive())
            .await?;
        let mut cache = PlanCache::default();
        loop {
            let handled = storage
                .claim_due(now, BATCH, |schedule| {
                    plan(schedule, now, self.options.grace, &quiet, &mut cache)
                })
                .await?;
            if handled < BATCH as usize {
                break;
            }
        }
        let mut report = TickReport::default();
        self.deliver_pending(now, &mut report).await?;
        // One-off messages: check-in reminders, snoozed check-ins, digests, decision reviews.
        match self
            .coach
            .send_checkin_follow_ups(now, on_time_window(self.options.grace))
            .await
        {
            Ok(sent) => report.sent += sent,
            Err(err) => tracing::error!(error = %err, "sending check-in follow-ups failed"),
        }
        match self.coach.send_due_reviews(now).await {
            Ok(sent) => report.sent += sent,
            Err(err) => tracing::error!(error = %err, "sending decision reviews failed"),
        }
        Ok(report)
    }

    /// Leases the pending deliveries a batch at a time and sends them, up to
    /// [`SchedulerOptions::in_flight`] at once; the next batch is leased while the sends in
    /// flight go on. After a storage error nothing more is leased: the sends already on their
    /// way finish (and record how they went), then the first error is returned.
    async fn deliver_pending(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StorageError> {
        let storage = self.coach.storage();
        let room = self.options.in_flight.max(1);
        let batch = (LEASE_BATCH as usize).min(room);
        let mut in_flight = FuturesUnordered::new();
        let mut failure: Option<StorageError> = None;
        let mut more = true;
        let mut tally = |done: Result<Option<bool>, StorageError>,
                         failure: &mut Option<StorageError>| match done {
            Ok(Some(true)) => report.sent += 1,
            Ok(Some(false)) => report.failed += 1,
            Ok(None) => {}
            Err(err) => {
                failure.get_or_insert(err);
            }
        };
        loop {
            if more && failure.is_none() && in_flight.len() + batch <= room {
                // A later batch of a long tick: its lease runs from now, not from the tick's
                // start, or it could be taken over before its turn.
                let lease_until = self.coach.clock().now().max(now) + self.options.lease;
                let leasing =
                    storage.lease_pending(now, &self.options.owner, lease_until, batch as i64);
                tokio::pin!(leasing);
                let leased = loop {
                    tokio::select! {
                        leased = &mut leasing => break leased,
                        Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                            tally(done, &mut failure);
                        }
                    }
                };
                match leased {
                    Ok(leased) => {
                        more = leased.len() == batch;
                        in_flight.extend(leased.into_iter().map(|d| self.deliver(d, now)));
                    }
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                }
                continue;
            }
            match in_flight.next().await {
                Some(done) => tally(done, &mut failure),
                None => break,
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Sends one leased delivery; returns whether it went out, or `None` when the occurrence
    /// had nothing to send (recorded as skipped).
    async fn deliver(
        &self,
        delivery: LeasedDelivery,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, StorageError> {
        let storage = self.coach.storage();
        let owner = &self.options.owner;
        if now - delivery.occurrence > self.latest_send() {
            // Left pending by a crash or a failed attempt, then an outage or a clock jump.
            storage
                .mark_too_late(delivery.id, owner, "missed by more than the grace window")
                .await?;
            return Ok(Some(false));
        }
        let outgoing = match self.coach.compose(&delivery).await {
            Ok(Some(outgoing)) => outgoing,
            Ok(None) => {
                storage
                    .mark_too_late(delivery.id, owner, "nothing to send this time")
                    .await?;
                return Ok(None);
            }
            Err(err) => {
                storage
                    .mark_attempt_failed(delivery.id, owner, &err.to_string(), None)
                    .await?;
                return Ok(Some(false));
            }
        };
        // The lease is renewed now (the batch may have waited) and while the send lasts; if
        // another scheduler took the delivery over meanwhile, it is theirs.
        if !storage
            .renew_lease(
                delivery.id,
                owner,
                self.coach.clock().now() + self.options.lease,
            )
            .await?
        {
            return Ok(None);
        }
        let renewing = self.keep_leased(delivery.id);
        let sent = self.send(&delivery, &outgoing, now).await;
        renewing.abort();
        sent
    }

    /// Renews a delivery's lease every third of [`SchedulerOptions::lease`] until aborted (or
    /// until the lease is lost).
    fn keep_leased(&self, id: i64) -> tokio::task::JoinHandle<()> {
        let storage = self.coach.storage().clone();
        let clock = self.coach.clock().clone();
        let owner = self.options.owner.clone();
        let lease = self.options.lease;
        let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(10));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match storage.renew_lease(id, &owner, clock.now() + lease).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(err) => {
                        tracing::warn!(delivery = id, error = %err, "renewing a lease failed")
                    }
                }
            }
        })
    }

    /// Sends a composed delivery and records how it went.
    async fn send(
        &self,
        delivery: &LeasedDelivery,
        outgoing: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, StorageError> {
        let storage = self.coach.storage();
        let schedule = &delivery.schedule;
        let owner = &self.options.owner;
        let name = format!("nudge-{}", delivery.id);
        // Only a delivery that may have gone out before is looked for on the platform first.
        let key = if delivery.may_have_been_sent() {
            SendKey::again(&name)
        } else {
            SendKey::first(&name)
        };
        let channel = &schedule.channel;
        let sent = self
            .coach
            .send(channel.platform, &channel.workspace, outgoing, Some(key))
            .await;
        // The platform's answer is the moment it happened: in a burst that is seconds after
        // the tick that leased the delivery.
        let now = self.coach.clock().now().max(now);
        match sent {
            Ok(message_id) => {
                self.coach.metrics().nudge_sent();
                if storage
                    .mark_sent(delivery.id, owner, message_id.as_deref(), now)
                    .await?
                {
                    tracing::info!(
                        delivery = delivery.id,
                        schedule = schedule.id,
                        purpose = schedule.purpose.as_str(),
                        "scheduled message sent"
                    );
                } else {
                    tracing::warn!(
                        delivery = delivery.id,
                        "scheduled message sent after its lease passed to another scheduler"
                    );
                }
                storage.clear_failure_notice(schedule.id).await?;
                Ok(Some(true))
            }
            Err(err) => {
                self.coach.metrics().failure("send");
                let attempt = usize::try_from(delivery.attempts).unwrap_or(0);
                let retry_at = match &err {
                    SendError::Transient(_) => RETRY_BACKOFF_MINUTES
                        .get(attempt)
                        .map(|minutes| now + chrono::Duration::minutes(*minutes)),
                    SendError::Permanent(_) | SendError::DmClosed(_) => None,
                };
                tracing::warn!(delivery = delivery.id, schedule = schedule.id, error = %err, retry = retry_at.is_some(), "scheduled message not sent");
                storage
                    .mark_attempt_failed(delivery.id, owner, &err.to_string(), retry_at)
                    .await?;
                if attempt == 0 {
                    self.tell_admin(schedule, &err).await?;
                }
                Ok(Some(false))
            }
        }
    }

    /// How late a claimed delivery may still go out: the grace window (at least a tick), plus
    /// the time its retries and a lease taken over from a crash may take.
    fn latest_send(&self) -> chrono::Duration {
        let retries: i64 = RETRY_BACKOFF_MINUTES.iter().sum();
        on_time_window(self.options.grace) + chrono::Duration::minutes(retries) + self.options.lease
    }

    /// Tells the person who set the schedule, once per run of failures. When their direct
    /// messages are closed, the notice waits for their next interaction.
    async fn tell_admin(&self, schedule: &Schedule, err: &SendError) -> Result<(), StorageError> {
        let storage = self.coach.storage();
        let Some(admin) = schedule.created_by else {
            return Ok(());
        };
        let Some(identity) = storage.user_identity(admin).await? else {
            return Ok(());
        };
        if !storage.claim_failure_notice(schedule.id).await? {
            return Ok(());
        }
        let notice = Outgoing::new(
            OutgoingKind::Dm,
            Destination::Person(identity.external_id.clone()),
            true,
            match schedule.purpose {
                Purpose::Nudge => RichMessage::titled(
                    "A nudge could not be posted",
                    format!(
                        "The nudge for #{} ({}) did not go out: {err}. I will keep retrying for a while; fix access to the channel, or /nudges pause there.",
                        schedule.channel.channel, schedule.label
                    ),
                ),
                _ => RichMessage::titled(
                    "A check-in could not be sent",
                    format!(
                        "The {} check-in did not reach the leader: {err}. I will keep retrying for a while; /checkin status shows the pair, and /checkin stop ends it.",
                        schedule.label
                    ),
                ),
            },
        );
        // The admin is reached where the schedule lives (a Discord DM works from any server).
        if let Err(err) = self
            .coach
            .send(
                identity.platform,
                &schedule.channel.workspace,
                &notice,
                None,
            )
            .await
        {
            tracing::warn!(schedule = schedule.id, error = %err, "could not tell the admin about a failing nudge");
        }
        Ok(())
    }

    /// Runs until `shutdown` resolves: tick, then sleep until the next due time or a change.
    pub async fn run(
        &self,
        clock: Arc<dyn Clock>,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let wake: Arc<Notify> = self.coach.schedules_changed().clone();
        tokio::pin!(shutdown);
        loop {
            let now = clock.now();
            if let Err(err) = self.tick(now).await {
                tracing::error!(error = %err, "scheduler tick failed");
            }
            let next = self.coach.storage().next_wake().await.ok().flatten();
            // Sleep until the next due time, at most a minute so that clock jumps and other
            // replicas' changes are noticed without polling hard.
            let mut sleep = next
                .map(|next| (next - clock.now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(TICK)
                .min(TICK);
            // While answers wait for the database, look again every second.
            if self.coach.kept() > 0 {
                sleep = sleep.min(KEPT_RETRY);
            }
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = wake.notified() => {}
                () = &mut shutdown => break,
            }
        }
    }

    /// Moves a virtual clock to `target` and runs one tick there. A jump of the clock is a
    /// gap like any other: the catch-up rule applies (per schedule, only the latest missed
    /// occurrence, and only within the grace window), so a jump of a year costs one tick and
    /// sends at most one nudge per schedule. This is how the console makes time pass; to see
    /// every occurrence, move the clock in steps no longer than the grace window.
    ///
    /// # Errors
    /// [`AdvanceError::Clock`] when `target` is before the clock's time or after
    /// [`crate::clock::latest`] (the clock does not move); [`AdvanceError::Storage`] when the
    /// tick fails.
    pub async fn advance(
        &self,
        clock: &VirtualClock,
        target: DateTime<Utc>,
    ) -> Result<TickReport, AdvanceError> {
        clock.set(target)?;
        Ok(self.tick(target).await?)
    }
}

/// How late an occurrence may be and still be sent: the grace window, but never less than one
/// [`TICK`].
fn on_time_window(grace: chrono::Duration) -> chrono::Duration {
    grace.max(chrono::Duration::from_std(TICK).expect("a minute fits"))
}

/// Parsed cron patterns, read zones and computed next times, shared by the schedules of one
/// tick: many schedules share a pattern, a zone and a due time (every team's "weekdays
/// 09:00"), so after the first of them a schedule costs a few hash lookups, with nothing parsed
/// or allocated.
#[derive(Debug, Default)]
pub struct PlanCache {
    /// Each pattern as written, with its place in `specs` (`None`: it cannot be read).
    patterns: HashMap<String, Option<usize>>,
    specs: Vec<CronSpec>,
    /// Each zone as written (`None`: it cannot be read).
    zones: HashMap<String, Option<Tz>>,
    /// The next time after an instant, by place in `specs` and zone.
    next: HashMap<(usize, Tz, DateTime<Utc>), Option<DateTime<Utc>>>,
}

impl PlanCache {
    /// The schedule's pattern as a place in `specs`.
    fn pattern(&mut self, schedule: &Schedule) -> Option<usize> {
        if let Some(known) = self.patterns.get(&schedule.cron) {
            return *known;
        }
        let parsed = CronSpec::from_pattern(&schedule.cron, &schedule.label)
            .ok()
            .map(|spec| {
                self.specs.push(spec);
                self.specs.len() - 1
            });
        self.patterns.insert(schedule.cron.clone(), parsed);
        parsed
    }

    fn zone(&mut self, text: &str) -> Option<Tz> {
        if let Some(known) = self.zones.get(text) {
            return *known;
        }
        let zone = parse_zone(text).ok();
        self.zones.insert(text.to_owned(), zone);
        zone
    }

    fn next_after(
        &mut self,
        pattern: usize,
        zone: Tz,
        after: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let specs = &self.specs;
        *self
            .next
            .entry((pattern, zone, after))
            .or_insert_with(|| specs[pattern].next_after(zone, after))
    }
}

/// Decides what to record for a due schedule: every occurrence from its due time up to `now`
/// is handled; only the latest may be sent (and only within the grace window); the rest are
/// recorded as skipped, so an outage never ends in a burst.
pub fn plan(
    schedule: &Schedule,
    now: DateTime<Utc>,
    grace: chrono::Duration,
    quiet: &[(ChannelAddress, QuietPeriod)],
    cache: &mut PlanCache,
) -> ClaimPlan {
    let stop = |note: &str| ClaimPlan {
        schedule_id: schedule.id,
        next_due: None,
        deliveries: schedule
            .next_due
            .map(|at| PlannedDelivery {
                occurrence: at,
                state: DeliveryState::Skipped,
                note: Some(note.to_owned()),
            })
            .into_iter()
            .collect(),
    };
    let (Some(pattern), Some(zone), Some(first)) = (
        cache.pattern(schedule),
        cache.zone(&schedule.zone),
        schedule.next_due,
    ) else {
        return stop("the schedule cannot be read");
    };

    let mut occurrences = vec![first];
    let lookback = now - chrono::Duration::days(LOOKBACK_DAYS);
    let mut at = first;
    if at < lookback {
        // Long outage: jump ahead instead of walking through every missed time.
        at = cache.next_after(pattern, zone, lookback).unwrap_or(now);
    }
    let next_due = loop {
        match cache.next_after(pattern, zone, at) {
            Some(next) if next <= now => {
                occurrences.push(next);
                at = next;
            }
            next => break next,
        }
    };
    let latest = *occurrences
        .last()
        .expect("there is at least the first occurrence");
    let missed = occurrences.len() - 1;
    let mut deliveries: Vec<PlannedDelivery> = occurrences[..missed]
        .iter()
        .rev()
        .take(MAX_RECORDED_MISSES)
        .rev()
        .map(|&occurrence| PlannedDelivery {
            occurrence,
            state: DeliveryState::Skipped,
            note: Some("missed: no scheduler was running, or the clock jumped".into()),
        })
        .collect();
    let skip_reason = held_back(schedule, zone, latest, quiet).or_else(|| {
        (now - latest > on_time_window(grace)).then_some("missed by more than the grace window")
    });
    deliveries.push(PlannedDelivery {
        occurrence: latest,
        state: if skip_reason.is_some() {
            DeliveryState::Skipped
        } else {
            DeliveryState::Pending
        },
        note: skip_reason.map(str::to_owned),
    });
    ClaimPlan {
        schedule_id: schedule.id,
        next_due,
        deliveries,
    }
}

//! Daily nudges: schedules, exactly-once delivery, catch-up, pauses and quiet days, rotation,
//! failures, replies and personal data, on both backends with a virtual clock.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use chrono::{DateTime, TimeZone, Utc};
use shiftcoach::{
    clock::{Clock, VirtualClock},
    core::{
        Actor, BoxFuture, Coach, CoachSettings, Interaction, InteractionKind, Limits, Outgoing,
        OutgoingKind, Platform, Postman, SendError, SendKey,
    },
    scheduler::{Scheduler, SchedulerOptions},
    storage::{ChannelAddress, DeliveryState, Storage},
};

use crate::support::{TestDb, on_both_backends};

on_both_backends!(
    weekday_mornings_in_berlin_follow_the_spring_clock_change,
    an_outage_within_the_grace_window_sends_one_late_nudge,
    an_outage_beyond_the_grace_window_records_skips_and_sends_nothing,
    a_claim_left_by_a_crash_is_sent_once_after_its_lease,
    paused_channels_and_quiet_days_send_nothing_and_resume_after,
    rotation_shows_every_item_before_repeating_and_survives_a_restart,
    a_failing_channel_is_retried_with_backoff_and_the_admin_told_once,
    a_permanent_failure_is_recorded_and_not_retried,
    many_channels_due_at_once_go_out_once_each_several_at_a_time,
    thread_replies_and_the_reflect_form_are_kept_with_the_nudge,
    mydata_exports_everything_and_deletes_it_on_confirmation,
    a_secret_in_a_reflection_is_refused_and_nothing_is_stored,
    only_admins_manage_nudges,
    an_admin_who_blocks_dms_sees_the_notice_with_their_next_command,
    the_running_scheduler_wakes_when_a_schedule_changes,
    each_schedule_keeps_its_own_mix_and_preview_is_what_goes_out_next,
    words_are_read_whole_and_errors_name_the_wrong_part,
    a_schedule_that_never_fires_is_refused_and_next_is_never_empty,
    a_schedule_that_posts_with_another_in_the_channel_is_refused,
    a_pause_date_is_a_day_in_each_schedules_zone,
    a_pause_until_a_day_whose_midnight_is_skipped_starts_at_its_first_minute,
    status_lists_only_times_that_will_be_sent,
    lateness_within_a_tick_is_on_time,
    a_nudge_is_recorded_as_sent_when_the_platform_answered,
    a_clock_jump_follows_the_catch_up_rule,
    a_nudge_left_pending_before_a_jump_is_not_sent_late,
    times_that_could_not_be_stored_are_refused,
    zones_are_read_in_any_case_and_stored_canonically,
);

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A postman that records what it sends, and can be told to fail.
#[derive(Default)]
struct RecordingPostman {
    sent: Mutex<Vec<(Outgoing, DateTime<Utc>, String)>>,
    /// Direct messages bounce: the person does not accept them.
    dm_closed: std::sync::atomic::AtomicBool,
    /// Errors to return for the next sends to a channel, in order.
    failures: Mutex<Vec<SendError>>,
    clock: Mutex<Option<VirtualClock>>,
    /// For each send with a key, in order: whether it was marked as a later attempt.
    agains: Mutex<Vec<bool>>,
    /// When set, a nudge's send waits until two were on their way at once (if that has not
    /// happened after 10 s, the waiting stops for good).
    overlap: AtomicBool,
    /// Nudge sends on their way now, and the most there were at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// How long each nudge's send takes, on the virtual clock (the platform's answer time).
    takes: Mutex<Option<chrono::Duration>>,
}

impl RecordingPostman {
    fn nudges(&self) -> Vec<(String, DateTime<Utc>)> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, _, _)| o.kind == OutgoingKind::Nudge)
            .map(|(o, at, _)| (o.message.slug.clone().unwrap(), *at))
            .collect()
    }

    fn dms(&self) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, _, _)| o.kind == OutgoingKind::Dm)
            .count()
    }
}

impl Postman for RecordingPostman {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn limits(&self) -> Limits {
        Limits::UNLIMITED
    }

    fn check_channel<'a>(
        &'a self,
        channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            if channel.channel == "locked" {
                Err(SendError::Permanent("missing access".into()))
            } else {
                Ok(())
            }
        })
    }

    fn send<'a>(
        &'a self,
        _workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            if let Some(key) = key {
                self.agains.lock().unwrap().push(key.again);
            }
            if message.kind == OutgoingKind::Dm && self.dm_closed.load(Ordering::Relaxed) {
                return Err(SendError::DmClosed(
                    "does not accept direct messages".into(),
                ));
            }
            if message.kind == OutgoingKind::Nudge {
                let mut failures = self.failures.lock().unwrap();
                if !failures.is_empty() {
                    return Err(failures.remove(0));
                }
            }
            if message.kind == OutgoingKind::Nudge && self.overlap.load(Ordering::Relaxed) {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_in_flight.fetch_max(now, Ordering::SeqCst);
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while self.most_in_flight.load(Ordering::SeqCst) < 2 {
                    if std::time::Instant::now() > deadline {
                        // Sends do not overlap: the test fails on the count, not by waiting on.
                        self.overlap.store(false, Ordering::Relaxed);
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
            }
            let at = self
                .clock
                .lock()
                .unwrap()
                .as_ref()
                .map_or(Utc::now(), |c| c.now());
            if let (OutgoingKind::Nudge, Some(takes), Some(clock)) = (
                message.kind,
                *self.takes.lock().unwrap(),
                self.clock.lock().unwrap().as_ref(),
            ) {
                clock.set(at + takes).unwrap();
            }
            let id = key.map_or_else(|| "dm".to_owned(), |key| key.name.to_owned());
            self.sent
                .lock()
                .unwrap()
                .push((message.clone(), at, id.clone()));
            Ok(id)
        })
    }
}

struct World {
    coach: Arc<Coach>,
    scheduler: Scheduler,
    postman: Arc<RecordingPostman>,
    clock: VirtualClock,
    storage: Storage,
    _db: TestDb,
}

impl World {
    fn new(db: TestDb, start: DateTime<Utc>) -> Self {
        Self::with_owner(db, start, "test-scheduler")
    }

    fn with_owner(db: TestDb, start: DateTime<Utc>, owner: &str) -> Self {
        Self::with_options(db, start, options(owner))
    }

    fn with_options(db: TestDb, start: DateTime<Utc>, options: SchedulerOptions) -> Self {
        let clock = VirtualClock::starting_at(start);
        let postman = Arc::new(RecordingPostman::default());
        *postman.clock.lock().unwrap() = Some(clock.clone());
        let coach = Arc::new(
            Coach::new(
                db.storage.clone(),
                crate::support::catalog(),
                Arc::new(clock.clone()),
                CoachSettings::default(),
            )
            .with_postman(postman.clone()),
        );
        let scheduler = Scheduler::new(coach.clone(), options);
        Self {
            storage: db.storage.clone(),
            coach,
            scheduler,
            postman,
            clock,
            _db: db,
        }
    }

    async fn run(&self, user: &str, admin: bool, kind: InteractionKind) -> Vec<Outgoing> {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Slack,
                workspace: "T1".into(),
                user_id: user.into(),
                display_name: user.into(),
                zone: Some(chrono_tz::Europe::Berlin),
                is_admin: admin,
                roles: Vec::new(),
            },
            channel: "C1".into(),
            kind,
        };
        self.coach.handle(&interaction).await
    }

    async fn command(&self, text: &str) -> Outgoing {
        let (name, args) = text.split_once(' ').unwrap_or((text, ""));
        let mut out = self
            .run("admin", true, InteractionKind::command(name, args))
            .await;
        out.remove(0)
    }

    /// Lets time pass up to `target` with the scheduler running: it ticks at every due time
    /// on the way, as a running scheduler wakes for each.
    async fn advance_to(&self, target: DateTime<Utc>) {
        loop {
            let now = self.clock.now();
            self.scheduler.tick(now).await.unwrap();
            match self.storage.next_wake().await.unwrap() {
                Some(next) if next > now && next <= target => self.clock.set(next).unwrap(),
                _ => break,
            }
        }
        self.jump_to(target).await;
    }

    /// Jumps the clock to `target` (the console's `/clock`): one tick there.
    async fn jump_to(&self, target: DateTime<Utc>) {
        self.scheduler.advance(&self.clock, target).await.unwrap();
    }

    async fn schedule_id(&self) -> i64 {
        self.storage.channel_schedules(&channel()).await.unwrap()[0].id
    }

    async fn states(&self) -> Vec<(DateTime<Utc>, DeliveryState, Option<String>)> {
        self.storage
            .schedule_deliveries(self.schedule_id().await)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.occurrence, d.state, d.note))
            .collect()
    }
}

fn options(owner: &str) -> SchedulerOptions {
    SchedulerOptions {
        owner: owner.into(),
        ..SchedulerOptions::default()
    }
}

fn channel() -> ChannelAddress {
    ChannelAddress {
        platform: Platform::Slack,
        workspace: "T1".into(),
        channel: "C1".into(),
    }
}

async fn weekday_mornings_in_berlin_follow_the_spring_clock_change(db: TestDb) {
    let w = World::new(db, utc(2026, 3, 26, 12, 0));
    let set = w
        .command("nudges set here weekdays 09:00 Europe/Berlin")
        .await;
    assert_eq!(set.kind, OutgoingKind::Reply, "{}", set.message.body);
    w.advance_to(utc(2026, 4, 3, 12, 0)).await;
    let times: Vec<DateTime<Utc>> = w.postman.nudges().into_iter().map(|(_, at)| at).collect();
    // 09:00 CET is 08:00 UTC until Sunday 29 March; 09:00 CEST is 07:00 UTC after.
    assert_eq!(
        times,
        vec![
            utc(2026, 3, 27, 8, 0),
            utc(2026, 3, 30, 7, 0),
            utc(2026, 3, 31, 7, 0),
            utc(2026, 4, 1, 7, 0),
            utc(2026, 4, 2, 7, 0),
            utc(2026, 4, 3, 7, 0),
        ]
    );
    let states = w.states().await;
    assert!(
        states
            .iter()
            .all(|(_, state, _)| *state == DeliveryState::Sent)
    );
}

async fn an_outage_within_the_grace_window_sends_one_late_nudge(db: TestDb) {
    let w = World::new(db, utc(2026, 5, 4, 6, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    // Nothing runs from Monday 06:00 until Wednesday 10:30: Monday's and Tuesday's nudges are
    // long gone, Wednesday's is 90 minutes late (inside the 2 h window).
    w.clock.set(utc(2026, 5, 6, 10, 30)).unwrap();
    w.scheduler.tick(w.clock.now()).await.unwrap();
    assert_eq!(w.postman.nudges().len(), 1, "one catch-up, never a burst");
    assert_eq!(w.postman.nudges()[0].1, utc(2026, 5, 6, 10, 30));
    let states = w.states().await;
    assert_eq!(
        states
            .iter()
            .map(|(at, s, _)| (*at, *s))
            .collect::<Vec<_>>(),
        vec![
            (utc(2026, 5, 4, 9, 0), DeliveryState::Skipped),
            (utc(2026, 5, 5, 9, 0), DeliveryState::Skipped),
            (utc(2026, 5, 6, 9, 0), DeliveryState::Sent),
        ]
    );
    w.advance_to(utc(2026, 5, 7, 12, 0)).await;
    assert_eq!(w.postman.nudges().len(), 2, "the next day is on time again");
}

async fn an_outage_beyond_the_grace_window_records_skips_and_sends_nothing(db: TestDb) {
    let w = World::new(db, utc(2026, 5, 4, 6, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    w.clock.set(utc(2026, 5, 4, 11, 30)).unwrap();
    w.scheduler.tick(w.clock.now()).await.unwrap();
    assert!(w.postman.nudges().is_empty());
    let states = w.states().await;
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].1, DeliveryState::Skipped);
    assert!(states[0].2.as_deref().unwrap().contains("grace"));
}

async fn a_claim_left_by_a_crash_is_sent_once_after_its_lease(db: TestDb) {
    let w = World::new(db, utc(2026, 6, 1, 8, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    let due = utc(2026, 6, 1, 9, 0);
    // A scheduler claims and leases the occurrence, then dies before sending.
    let grace = chrono::Duration::hours(2);
    w.storage
        .claim_due(due, 10, |s| {
            shiftcoach::scheduler::plan(s, due, grace, &[], &mut Default::default())
        })
        .await
        .unwrap();
    let leased = w
        .storage
        .lease_pending(due, "crashed", due + chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    // While the lease holds, a restarted scheduler leaves it alone.
    w.clock.set(due + chrono::Duration::minutes(2)).unwrap();
    w.scheduler.tick(w.clock.now()).await.unwrap();
    assert!(w.postman.nudges().is_empty());
    // After it expires, the nudge goes out once.
    w.advance_to(due + chrono::Duration::minutes(30)).await;
    assert_eq!(w.postman.nudges().len(), 1);
    w.advance_to(due + chrono::Duration::hours(3)).await;
    assert_eq!(w.postman.nudges().len(), 1, "no second copy");
    assert_eq!(
        *w.postman.agains.lock().unwrap(),
        [true],
        "taken over from a crash: the platform is asked to look for an earlier post"
    );
}

async fn paused_channels_and_quiet_days_send_nothing_and_resume_after(db: TestDb) {
    let w = World::new(db, utc(2026, 12, 20, 6, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    let paused = w.command("nudges pause until 2026-12-22").await;
    assert_eq!(paused.kind, OutgoingKind::Reply, "{}", paused.message.body);
    let quiet = w.command("nudges skip 2026-12-24..2026-12-26").await;
    assert_eq!(quiet.kind, OutgoingKind::Reply, "{}", quiet.message.body);
    w.advance_to(utc(2026, 12, 28, 12, 0)).await;
    let sent: Vec<u32> = w
        .postman
        .nudges()
        .into_iter()
        .map(|(_, at)| chrono::Datelike::day(&at))
        .collect();
    // Paused until the start of the 22nd (Berlin): the 20th and 21st are skipped.
    assert_eq!(sent, vec![22, 23, 27, 28]);
    let skipped: Vec<Option<String>> = w
        .states()
        .await
        .into_iter()
        .filter(|(_, state, _)| *state == DeliveryState::Skipped)
        .map(|(_, _, note)| note)
        .collect();
    assert_eq!(skipped.len(), 5);

    w.command("nudges pause").await;
    w.advance_to(utc(2026, 12, 30, 12, 0)).await;
    assert_eq!(w.postman.nudges().len(), 4, "paused with no end date");
    let resumed = w.command("nudges resume").await;
    assert_eq!(resumed.kind, OutgoingKind::Reply);
    w.advance_to(utc(2026, 12, 31, 12, 0)).await;
    assert_eq!(w.postman.nudges().len(), 5);
    let bad = w.command("nudges skip 2026-12-31..2026-12-01").await;
    assert_eq!(bad.kind, OutgoingKind::Error);
}

async fn rotation_shows_every_item_before_repeating_and_survives_a_restart(db: TestDb) {
    let models = crate::support::catalog()
        .of_kind(shiftcoach::content::Kind::Model)
        .count();
    let w = World::new(db, utc(2026, 7, 1, 0, 0));
    w.command("nudges set here * * * * * UTC models").await;
    w.advance_to(utc(2026, 7, 1, 0, models as u32)).await;
    let slugs: Vec<String> = w
        .postman
        .nudges()
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    assert_eq!(slugs.len(), models);
    assert_eq!(
        slugs.iter().collect::<HashSet<_>>().len(),
        models,
        "no repeats in a round"
    );

    // A fresh coach and scheduler on the same database pick exactly what the old one would.
    let schedule = w.storage.channel_schedules(&channel()).await.unwrap()[0].clone();
    let before = w.coach.pick_nudge(&schedule).await.unwrap();
    let restarted = Coach::new(
        w.storage.clone(),
        crate::support::catalog(),
        Arc::new(w.clock.clone()),
        CoachSettings::default(),
    );
    assert_eq!(restarted.pick_nudge(&schedule).await.unwrap(), before);
    w.advance_to(utc(2026, 7, 1, 0, models as u32 + 1)).await;
    let next = w.postman.nudges().last().unwrap().0.clone();
    assert_eq!(next, before);
}

async fn a_failing_channel_is_retried_with_backoff_and_the_admin_told_once(db: TestDb) {
    let w = World::new(db, utc(2026, 8, 3, 8, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    *w.postman.failures.lock().unwrap() = vec![
        SendError::Transient("429 rate limited".into()),
        SendError::Transient("503 unavailable".into()),
    ];
    w.advance_to(utc(2026, 8, 3, 10, 0)).await;
    let nudges = w.postman.nudges();
    assert_eq!(nudges.len(), 1, "delivered once after the retries");
    // First try at 09:00, retries after 1 and then 5 minutes.
    assert_eq!(nudges[0].1, utc(2026, 8, 3, 9, 6));
    assert_eq!(w.postman.dms(), 1, "the admin is told once");
    let states = w.states().await;
    assert_eq!(states[0].1, DeliveryState::Sent);
    assert_eq!(
        *w.postman.agains.lock().unwrap(),
        [false, true, true],
        "only the first attempt is known not to have posted"
    );
}

/// Sixty channels due at the same minute: every nudge goes out once and is recorded as sent,
/// sends overlap (the postman holds each until two are on their way), and no more are on
/// their way at once than the scheduler allows.
async fn many_channels_due_at_once_go_out_once_each_several_at_a_time(db: TestDb) {
    const CHANNELS: usize = 60;
    const IN_FLIGHT: usize = 5;
    let w = World::with_options(
        db,
        utc(2026, 8, 3, 8, 0),
        SchedulerOptions {
            in_flight: IN_FLIGHT,
            ..options("test-scheduler")
        },
    );
    for i in 0..CHANNELS {
        let set = w
            .command(&format!("nudges set #c{i} daily 09:00 UTC"))
            .await;
        assert_eq!(set.kind, OutgoingKind::Reply, "{}", set.message.body);
    }
    w.postman.overlap.store(true, Ordering::Relaxed);
    let report = w
        .scheduler
        .advance(&w.clock, utc(2026, 8, 3, 9, 0))
        .await
        .unwrap();
    assert_eq!(report.sent, CHANNELS);
    let mut per_channel: HashMap<String, usize> = HashMap::new();
    for (outgoing, _, _) in w.postman.sent.lock().unwrap().iter() {
        if let shiftcoach::core::Destination::Channel(channel) = &outgoing.to {
            *per_channel.entry(channel.clone()).or_default() += 1;
        }
    }
    assert_eq!(per_channel.len(), CHANNELS, "{per_channel:?}");
    assert!(per_channel.values().all(|n| *n == 1), "{per_channel:?}");
    let most = w.postman.most_in_flight.load(Ordering::SeqCst);
    assert!((2..=IN_FLIGHT).contains(&most), "at most {most} at once");
    assert!(w.postman.agains.lock().unwrap().iter().all(|again| !again));
    for i in 0..CHANNELS {
        let channel = ChannelAddress {
            channel: format!("c{i}"),
            ..channel()
        };
        let schedules = w.storage.channel_schedules(&channel).await.unwrap();
        assert_eq!(schedules.len(), 1, "{channel:?}");
        let states: Vec<DeliveryState> = w
            .storage
            .schedule_deliveries(schedules[0].id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.state)
            .collect();
        assert_eq!(states, [DeliveryState::Sent]);
    }
}

async fn a_permanent_failure_is_recorded_and_not_retried(db: TestDb) {
    let w = World::new(db, utc(2026, 8, 3, 8, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    *w.postman.failures.lock().unwrap() = vec![
        SendError::Permanent("missing access".into()),
        SendError::Permanent("missing access".into()),
    ];
    w.advance_to(utc(2026, 8, 4, 10, 0)).await;
    let states = w.states().await;
    assert_eq!(states[0].1, DeliveryState::Failed);
    assert!(states[0].2.as_deref().unwrap().contains("missing access"));
    assert_eq!(states[1].1, DeliveryState::Failed);
    assert_eq!(w.postman.dms(), 1, "told once, not every day");

    let locked = w.command("nudges set #locked daily 09:00").await;
    assert_eq!(locked.kind, OutgoingKind::Error);
    assert!(locked.message.body.contains("cannot post in #locked"));
}

async fn thread_replies_and_the_reflect_form_are_kept_with_the_nudge(db: TestDb) {
    let w = World::new(db, utc(2026, 9, 1, 8, 0));
    w.command("nudges set here daily 09:00 UTC models").await;
    w.advance_to(utc(2026, 9, 1, 9, 30)).await;
    let (slug, _) = w.postman.nudges()[0].clone();
    let message_id = w.postman.sent.lock().unwrap()[0].2.clone();
    let reply = w
        .run(
            "ada",
            false,
            InteractionKind::Message {
                text: "We measured the wrong thing".into(),
                thread: Some(message_id.clone()),
                direct: false,
            },
        )
        .await;
    assert_eq!(reply[0].message.title.as_deref(), Some("Reflection saved"));

    let button = w.postman.sent.lock().unwrap()[0].0.message.buttons[0]
        .action
        .clone();
    let form = w
        .run("ada", false, InteractionKind::Button { action: button })
        .await[0]
        .message
        .form
        .clone()
        .unwrap();
    let values = BTreeMap::from([(form.inputs[0].id.clone(), "Second thought".to_owned())]);
    w.run(
        "ada",
        false,
        InteractionKind::Form {
            form_id: form.id,
            values,
        },
    )
    .await;

    let journal = w
        .run("ada", false, InteractionKind::command("journal", ""))
        .await;
    let fields = &journal[0].message.fields;
    assert_eq!(fields.len(), 2);
    // The journal names the item by its title, as people know it.
    let title = &w.coach.catalog().get(&slug).unwrap().title;
    assert!(
        fields
            .iter()
            .all(|f| f.name.ends_with(&format!("on {title}")))
    );
    let reflections = w
        .storage
        .all_reflections(journal_user(&w, "ada").await)
        .await
        .unwrap();
    assert!(
        reflections
            .iter()
            .all(|r| r.delivery.is_some() && r.slug.as_deref() == Some(slug.as_str()))
    );

    let stranger = w
        .run(
            "ada",
            false,
            InteractionKind::Message {
                text: "hello".into(),
                thread: Some("not-ours".into()),
                direct: false,
            },
        )
        .await;
    assert_eq!(stranger[0].kind, OutgoingKind::Error);
}

async fn journal_user(w: &World, user: &str) -> shiftcoach::storage::UserId {
    w.storage
        .upsert_user(
            &shiftcoach::storage::Identity {
                platform: Platform::Slack,
                scope: "T1".into(),
                external_id: user.into(),
            },
            user,
            None,
            Utc::now(),
        )
        .await
        .unwrap()
}

async fn mydata_exports_everything_and_deletes_it_on_confirmation(db: TestDb) {
    let w = World::new(db, utc(2026, 9, 1, 8, 0));
    w.run(
        "ada",
        false,
        InteractionKind::command("reflect", "first thought"),
    )
    .await;
    w.run(
        "ada",
        false,
        InteractionKind::command("model", "pre-mortem"),
    )
    .await;
    w.run(
        "bob",
        false,
        InteractionKind::command("reflect", "bob's own"),
    )
    .await;
    let export = w
        .run("ada", false, InteractionKind::command("mydata", "export"))
        .await;
    let attachment = export[0].message.attachment.clone().expect("a file");
    let document: serde_json::Value = serde_json::from_slice(&attachment.bytes).unwrap();
    assert_eq!(document["reflections"][0]["text"], "first thought");
    assert_eq!(document["reflections"].as_array().unwrap().len(), 1);
    assert_eq!(document["content_views"][0]["slug"], "pre-mortem");

    let ask = w
        .run("ada", false, InteractionKind::command("mydata", "delete"))
        .await;
    assert_eq!(ask[0].message.buttons.len(), 2);
    assert_eq!(
        w.storage
            .count_reflections(journal_user(&w, "ada").await)
            .await
            .unwrap(),
        1,
        "nothing deleted before confirming"
    );
    let done = w
        .run(
            "ada",
            false,
            InteractionKind::Button {
                action: ask[0].message.buttons[0].action.clone(),
            },
        )
        .await;
    assert!(
        done[0].message.body.contains("Deleted 1 reflection"),
        "{}",
        done[0].message.body
    );
    assert!(done[0].message.body.contains("1 record"));
    assert_eq!(
        w.storage
            .count_reflections(journal_user(&w, "ada").await)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.storage
            .count_reflections(journal_user(&w, "bob").await)
            .await
            .unwrap(),
        1,
        "others keep theirs"
    );
}

async fn a_secret_in_a_reflection_is_refused_and_nothing_is_stored(db: TestDb) {
    let w = World::new(db, utc(2026, 9, 1, 8, 0));
    let text = "rotated it, the old one was -----BEGIN OPENSSH PRIVATE KEY-----";
    let out = w
        .run("ada", false, InteractionKind::command("reflect", text))
        .await;
    assert_eq!(out[0].kind, OutgoingKind::Error);
    assert!(out[0].ephemeral);
    assert!(!out[0].message.body.contains("BEGIN OPENSSH"));
    assert_eq!(
        w.storage
            .count_reflections(journal_user(&w, "ada").await)
            .await
            .unwrap(),
        0
    );
}

async fn only_admins_manage_nudges(db: TestDb) {
    let w = World::new(db, utc(2026, 9, 1, 8, 0));
    let out = w
        .run(
            "bob",
            false,
            InteractionKind::command("nudges", "set here daily 09:00"),
        )
        .await;
    assert_eq!(out[0].kind, OutgoingKind::Error);
    assert!(out[0].message.body.contains("Only workspace admins"));
    assert!(
        w.storage
            .channel_schedules(&channel())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn two_schedulers_on_one_postgres_send_each_occurrence_exactly_once() {
    let db = TestDb::postgres().await;
    let start = utc(2026, 10, 1, 0, 0);
    let a = World::with_owner(db, start, "replica-a");
    let b_scheduler = Scheduler::new(a.coach.clone(), options("replica-b"));
    // 50 channels, each nudged every minute.
    for i in 0..50 {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Slack,
                workspace: "T1".into(),
                user_id: "admin".into(),
                display_name: "admin".into(),
                zone: None,
                is_admin: true,
                roles: Vec::new(),
            },
            channel: format!("C{i}"),
            kind: InteractionKind::command("nudges", "set here * * * * * UTC models"),
        };
        a.coach.handle(&interaction).await;
    }
    for minute in 1..=12 {
        let now = start + chrono::Duration::minutes(minute);
        a.clock.set(now).unwrap();
        let (ra, rb) = tokio::join!(a.scheduler.tick(now), b_scheduler.tick(now));
        ra.unwrap();
        rb.unwrap();
    }
    let sent = a.postman.sent.lock().unwrap();
    let keys: Vec<&String> = sent.iter().map(|(_, _, key)| key).collect();
    let unique: HashSet<&&String> = keys.iter().collect();
    assert_eq!(keys.len(), 600, "50 schedules x 12 minutes, none lost");
    assert_eq!(unique.len(), 600, "no occurrence sent twice");
}

async fn the_running_scheduler_wakes_when_a_schedule_changes(db: TestDb) {
    let w = Arc::new(World::new(db, utc(2026, 9, 1, 8, 0)));
    w.command("nudges set here daily 09:00 UTC").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = {
        let w = w.clone();
        tokio::spawn(async move {
            let clock: Arc<dyn Clock> = Arc::new(w.clock.clone());
            w.scheduler
                .run(clock, async {
                    let _ = stopped.await;
                })
                .await;
        })
    };
    // The clock stands still at 08:00: nothing is due until "now" asks for a nudge, and the
    // scheduler (asleep until 09:00 or a change) must wake up for it.
    tokio::task::yield_now().await;
    w.command("nudges now").await;
    let woke = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while w.postman.nudges().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    stop.send(()).unwrap();
    runner.await.unwrap();
    assert!(woke.is_ok(), "the scheduler did not wake for the change");
    assert_eq!(w.postman.nudges().len(), 1);
}

async fn an_admin_who_blocks_dms_sees_the_notice_with_their_next_command(db: TestDb) {
    let w = World::new(db, utc(2026, 8, 3, 8, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    w.postman
        .dm_closed
        .store(true, std::sync::atomic::Ordering::Relaxed);
    *w.postman.failures.lock().unwrap() = vec![SendError::Permanent("missing access".into())];
    w.advance_to(utc(2026, 8, 3, 10, 0)).await;
    assert_eq!(w.postman.dms(), 0, "the DM bounced");

    let out = w
        .run("admin", true, InteractionKind::command("help", ""))
        .await;
    assert_eq!(out.len(), 2, "the answer, then the notice");
    assert_eq!(
        out[1].message.title.as_deref(),
        Some("A nudge could not be posted")
    );
    assert!(out[1].ephemeral);
    // Tried as a direct message while DMs are still closed: it stays one notice, not two.
    let mut as_dm = out[1].clone();
    as_dm.kind = OutgoingKind::Dm;
    as_dm.to = shiftcoach::core::Destination::Person("admin".into());
    let bounced = w.coach.send(Platform::Slack, "T1", &as_dm, None).await;
    assert!(
        matches!(bounced, Err(SendError::DmClosed(_))),
        "{bounced:?}"
    );
    // Not delivered yet (the adapter failed to send it, say): it comes again, once.
    let again = w
        .run("admin", true, InteractionKind::command("help", ""))
        .await;
    assert_eq!(again.len(), 2, "kept until delivered");
    w.coach.delivered(&again[1]).await;
    let after = w
        .run("admin", true, InteractionKind::command("help", ""))
        .await;
    assert_eq!(after.len(), 1, "gone once delivered");
}

/// The nudges' slugs, in the order they were sent.
fn sent_slugs(w: &World) -> Vec<String> {
    w.postman
        .nudges()
        .into_iter()
        .map(|(slug, _)| slug)
        .collect()
}

fn kind_of(slug: &str) -> shiftcoach::content::Kind {
    crate::support::catalog().get(slug).unwrap().kind
}

/// The kinds of what a schedule sent, in order.
async fn sent_kinds(w: &World, schedule: i64) -> Vec<shiftcoach::content::Kind> {
    w.storage
        .schedule_deliveries(schedule)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.state == DeliveryState::Sent)
        .map(|d| kind_of(&d.slug.unwrap()))
        .collect()
}

/// Runs `/nudges <args>` as the admin in C1 and returns the answer, checking its kind.
async fn nudges(w: &World, args: &str, kind: OutgoingKind) -> Outgoing {
    let out = w.command(&format!("nudges {args}")).await;
    assert_eq!(out.kind, kind, "/nudges {args}: {}", out.message.body);
    out
}

async fn each_schedule_keeps_its_own_mix_and_preview_is_what_goes_out_next(db: TestDb) {
    use shiftcoach::content::Kind;
    let w = World::new(db, utc(2026, 11, 30, 6, 0));
    nudges(&w, "set here daily 09:00 UTC", OutgoingKind::Reply).await;
    nudges(
        &w,
        "set here daily 08:30 UTC reflections",
        OutgoingKind::Reply,
    )
    .await;
    nudges(
        &w,
        "set here weekdays 12:15 UTC scenarios,models",
        OutgoingKind::Reply,
    )
    .await;
    // Every preview is what goes out next, whichever schedule that is.
    for step in 0..24 {
        let preview = nudges(&w, "preview", OutgoingKind::Reply).await;
        let shown = preview.message.slug.clone().unwrap();
        let before = w.postman.nudges().len();
        let next = w.storage.next_wake().await.unwrap().unwrap();
        w.advance_to(next).await;
        let sent = sent_slugs(&w);
        assert_eq!(sent.len(), before + 1, "step {step}: one nudge");
        assert_eq!(
            sent.last(),
            Some(&shown),
            "step {step}: preview is what was sent"
        );
    }
    // A preview of a named schedule is what that schedule sends next, here through "now"
    // (a minute later, so that "now" is not one of the schedules' own times).
    w.jump_to(w.clock.now() + chrono::Duration::minutes(1))
        .await;
    let preview = nudges(&w, "preview 3", OutgoingKind::Reply).await;
    nudges(&w, "now 3", OutgoingKind::Reply).await;
    w.advance_to(w.clock.now()).await;
    assert_eq!(sent_slugs(&w).last(), preview.message.slug.as_ref());

    let schedules = w.storage.channel_schedules(&channel()).await.unwrap();
    let kinds = |i: usize| sent_kinds(&w, schedules[i].id);
    let a = kinds(0).await;
    assert!(a.len() >= 8, "{a:?}");
    for (i, kind) in a.iter().enumerate() {
        let expected = [Kind::Model, Kind::Reflection][i % 2];
        assert_eq!(*kind, expected, "schedule 1 alternates its own mix: {a:?}");
    }
    let b = kinds(1).await;
    assert!(
        b.len() >= 8 && b.iter().all(|kind| *kind == Kind::Reflection),
        "{b:?}"
    );
    let c = kinds(2).await;
    assert!(c.len() >= 4, "{c:?}");
    for (i, kind) in c.iter().enumerate() {
        let expected = [Kind::Scenario, Kind::Model][i % 2];
        assert_eq!(*kind, expected, "schedule 3 alternates its own mix: {c:?}");
    }
}

async fn words_are_read_whole_and_errors_name_the_wrong_part(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 6, 0));
    for (args, named) in [
        (
            "set monthly 09:00 UTC",
            "\u{201c}monthly\u{201d} is not a day",
        ),
        (
            "set sundae 09:00 UTC",
            "\u{201c}sundae\u{201d} is not a day",
        ),
        ("set daily 09:00 EST", "America/New_York"),
        ("set daily 09:00 EST", "time zone \u{201c}EST\u{201d}"),
        (
            "set daily 09:00 Europe/Parris",
            "time zone \u{201c}Europe/Parris\u{201d}",
        ),
        (
            "set daily 09:00 UTC modelz",
            "\u{201c}modelz\u{201d} is neither",
        ),
        (
            "set daily 09:00 UTC models,reflectionz",
            "\u{201c}reflectionz\u{201d} is not something",
        ),
        ("set daily 9h UTC", "\u{201c}9h\u{201d} is not a time"),
        (
            "set heretic daily 09:00",
            "\u{201c}heretic\u{201d} is not a day",
        ),
        ("pauses", "There is no /nudges pauses"),
        ("status now", "\u{201c}now\u{201d} was left over"),
    ] {
        let out = nudges(&w, args, OutgoingKind::Error).await;
        assert!(
            out.message.body.contains(named),
            "{args}: {}",
            out.message.body
        );
    }
    assert!(
        w.storage
            .channel_schedules(&channel())
            .await
            .unwrap()
            .is_empty()
    );
    nudges(&w, "set here daily 09:00 UTC", OutgoingKind::Reply).await;
    for (args, named) in [
        (
            "pause untill 2026-12-05",
            "\u{201c}untill\u{201d} is not something",
        ),
        ("pause until", "pause until 2026-12-24"),
        ("pause until 05/12/2026", "write it as 2026-12-24"),
        ("preview 7", "\u{201c}7\u{201d} is not a schedule number"),
    ] {
        let out = nudges(&w, args, OutgoingKind::Error).await;
        assert!(
            out.message.body.contains(named),
            "{args}: {}",
            out.message.body
        );
    }
    let schedule = &w.storage.channel_schedules(&channel()).await.unwrap()[0];
    assert!(!schedule.paused, "no pause was stored");
    // Whole words in any case are fine.
    nudges(&w, "PAUSE UNTIL 2026-12-05", OutgoingKind::Reply).await;
    nudges(&w, "Resume", OutgoingKind::Reply).await;
}

async fn a_schedule_that_never_fires_is_refused_and_next_is_never_empty(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 6, 0));
    for never in [
        "0 9 30 2 * UTC",
        "0 9 31 4 * UTC",
        "0 9 31 6 * Europe/Berlin",
    ] {
        let out = nudges(&w, &format!("set here {never}"), OutgoingKind::Error).await;
        assert!(
            out.message.body.contains("never fires"),
            "{never}: {}",
            out.message.body
        );
        assert!(!out.message.body.contains("Next: ."));
    }
    assert!(
        w.storage
            .channel_schedules(&channel())
            .await
            .unwrap()
            .is_empty()
    );
    // Rare is not never: 29 February comes in 2028.
    let leap = nudges(&w, "set here 0 9 29 2 * UTC", OutgoingKind::Reply).await;
    assert!(
        leap.message
            .body
            .contains("Next: Tue 29 Feb 2028 09:00 UTC"),
        "{}",
        leap.message.body
    );
    nudges(&w, "pause", OutgoingKind::Reply).await;
    let status = nudges(&w, "status", OutgoingKind::Reply).await;
    assert!(
        status.message.body.contains("next: none while paused"),
        "{}",
        status.message.body
    );
    assert!(!status.message.body.contains("next: \n") && !status.message.body.ends_with("next: "));
}

async fn a_schedule_that_posts_with_another_in_the_channel_is_refused(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 6, 0));
    nudges(
        &w,
        "set here daily 09:00 Europe/London",
        OutgoingKind::Reply,
    )
    .await;
    for same in [
        "daily 09:00 Europe/London",
        "0 9 * * * Europe/London",
        "every day 9am europe/london reflections",
        "weekdays 09:00 Europe/London scenarios",
        // London is on UTC in winter: these two meet every winter day.
        "daily 09:00 UTC",
    ] {
        let out = nudges(&w, &format!("set here {same}"), OutgoingKind::Error).await;
        let body = &out.message.body;
        assert!(body.contains("already has schedule 1"), "{same}: {body}");
        assert!(
            body.contains("daily 09:00") && body.contains("/nudges remove 1"),
            "{body}"
        );
    }
    assert_eq!(
        w.storage.channel_schedules(&channel()).await.unwrap().len(),
        1
    );
    // A minute apart, another zone that never meets it, or another channel: fine.
    nudges(
        &w,
        "set here daily 09:01 Europe/London",
        OutgoingKind::Reply,
    )
    .await;
    nudges(
        &w,
        "set here daily 09:00 America/New_York",
        OutgoingKind::Reply,
    )
    .await;
    nudges(
        &w,
        "set #other daily 09:00 Europe/London",
        OutgoingKind::Reply,
    )
    .await;
    // Replacing it works as the refusal says.
    nudges(&w, "remove 1", OutgoingKind::Reply).await;
    nudges(&w, "set here 0 9 * * * Europe/London", OutgoingKind::Reply).await;
    w.advance_to(utc(2026, 12, 1, 9, 30)).await;
    let here: Vec<DateTime<Utc>> = w
        .postman
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(o, _, _)| o.to == shiftcoach::core::Destination::Channel("C1".into()))
        .map(|(_, at, _)| *at)
        .collect();
    assert_eq!(here.len(), 5, "{here:?}");
    assert_eq!(
        here.iter().collect::<HashSet<_>>().len(),
        5,
        "never two at once: {here:?}"
    );
}

async fn a_pause_date_is_a_day_in_each_schedules_zone(db: TestDb) {
    // 04:00 UTC on 30 November is still 29 November, 20:00, in Los Angeles.
    let w = World::new(db, utc(2026, 11, 30, 4, 0));
    nudges(
        &w,
        "set here daily 09:00 America/Los_Angeles",
        OutgoingKind::Reply,
    )
    .await;
    let passed = nudges(&w, "pause until 2026-11-28", OutgoingKind::Error).await;
    assert!(
        passed
            .message
            .body
            .contains("2026-11-28 has passed in America/Los_Angeles"),
        "{}",
        passed.message.body
    );
    let today = nudges(&w, "pause until 2026-11-29", OutgoingKind::Error).await;
    assert!(
        today
            .message
            .body
            .contains("is today in America/Los_Angeles"),
        "{}",
        today.message.body
    );
    assert!(today.message.body.contains("/nudges skip 2026-11-29"));
    let paused = nudges(&w, "pause until 2026-12-01", OutgoingKind::Reply).await;
    let body = &paused.message.body;
    assert!(
        body.contains("quiet until Tue 01 Dec 2026 00:00 PST"),
        "{body}"
    );
    assert!(body.contains("next: Tue 01 Dec 2026 09:00 PST"), "{body}");
    let schedule = &w.storage.channel_schedules(&channel()).await.unwrap()[0];
    assert_eq!(schedule.paused_until, Some(utc(2026, 12, 1, 8, 0)));
    w.advance_to(utc(2026, 12, 2, 20, 0)).await;
    let at: Vec<DateTime<Utc>> = w.postman.nudges().into_iter().map(|(_, at)| at).collect();
    // 30 November (17:00 UTC) is paused; 1 and 2 December are not.
    assert_eq!(at, vec![utc(2026, 12, 1, 17, 0), utc(2026, 12, 2, 17, 0)]);

    // Two schedules in two zones: each is paused until the day starts in its own zone.
    nudges(&w, "set here daily 10:00 Asia/Tokyo", OutgoingKind::Reply).await;
    nudges(&w, "pause until 2026-12-05", OutgoingKind::Reply).await;
    let schedules = w.storage.channel_schedules(&channel()).await.unwrap();
    assert_eq!(schedules[0].paused_until, Some(utc(2026, 12, 5, 8, 0)));
    assert_eq!(schedules[1].paused_until, Some(utc(2026, 12, 4, 15, 0)));
}

async fn a_pause_until_a_day_whose_midnight_is_skipped_starts_at_its_first_minute(db: TestDb) {
    // Beirut moves from 00:00 to 01:00 on Sunday 29 March 2026; Havana on Sunday 8 March.
    let w = World::new(db, utc(2026, 3, 6, 12, 0));
    nudges(&w, "set here daily 09:00 Asia/Beirut", OutgoingKind::Reply).await;
    nudges(
        &w,
        "set #havana daily 09:00 America/Havana",
        OutgoingKind::Reply,
    )
    .await;
    let paused = nudges(&w, "pause until 2026-03-29", OutgoingKind::Reply).await;
    assert!(
        paused
            .message
            .body
            .contains("quiet until Sun 29 Mar 2026 01:00 EEST"),
        "{}",
        paused.message.body
    );
    let out = w.command("nudges pause #havana until 2026-03-08").await;
    assert_eq!(out.kind, OutgoingKind::Reply, "{}", out.message.body);
    assert!(
        out.message
            .body
            .contains("quiet until Sun 08 Mar 2026 01:00 CDT"),
        "{}",
        out.message.body
    );
    let schedules = w.storage.channel_schedules(&channel()).await.unwrap();
    assert_eq!(schedules[0].paused_until, Some(utc(2026, 3, 28, 22, 0)));
    w.advance_to(utc(2026, 3, 29, 12, 0)).await;
    // The Havana nudges from 8 March, and Beirut's on 29 March (06:00 UTC) only.
    let beirut: Vec<DateTime<Utc>> = w
        .postman
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(o, _, _)| o.to == shiftcoach::core::Destination::Channel("C1".into()))
        .map(|(_, at, _)| *at)
        .collect();
    assert_eq!(beirut, vec![utc(2026, 3, 29, 6, 0)]);
    let havana = w.postman.nudges().len() - beirut.len();
    assert_eq!(havana, 21, "8 to 28 March in Havana");
}

async fn status_lists_only_times_that_will_be_sent(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 4, 0));
    nudges(
        &w,
        "set here daily 09:00 America/Los_Angeles",
        OutgoingKind::Reply,
    )
    .await;
    nudges(&w, "skip 2026-12-02..2026-12-03", OutgoingKind::Reply).await;
    nudges(&w, "pause until 2026-12-01", OutgoingKind::Reply).await;
    let status = nudges(&w, "status", OutgoingKind::Reply).await;
    let body = &status.message.body;
    assert!(
        body.contains(
            "next: Tue 01 Dec 2026 09:00 PST, Fri 04 Dec 2026 09:00 PST, Sat 05 Dec 2026 09:00 PST"
        ),
        "{body}"
    );
    assert!(
        !body.contains("Mon 30 Nov") && !body.contains("Wed 02 Dec"),
        "{body}"
    );
    w.advance_to(utc(2026, 12, 6, 0, 0)).await;
    let days: Vec<u32> = w
        .postman
        .nudges()
        .into_iter()
        .map(|(_, at)| chrono::Datelike::day(&at))
        .collect();
    assert_eq!(days, vec![1, 4, 5], "what status said");
}

/// A nudge is recorded as sent at the moment the platform answered, not when the tick that
/// leased it began: in a burst the two are seconds apart.
async fn a_nudge_is_recorded_as_sent_when_the_platform_answered(db: TestDb) {
    let w = World::new(db, utc(2026, 5, 4, 8, 0));
    w.command("nudges set here daily 09:00 UTC").await;
    *w.postman.takes.lock().unwrap() = Some(chrono::Duration::seconds(7));
    w.clock.set(utc(2026, 5, 4, 9, 0)).unwrap();
    w.scheduler.tick(w.clock.now()).await.unwrap();
    let deliveries = w
        .storage
        .schedule_deliveries(w.schedule_id().await)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].state, DeliveryState::Sent);
    assert_eq!(
        deliveries[0].sent_at,
        Some(utc(2026, 5, 4, 9, 0) + chrono::Duration::seconds(7))
    );
}

async fn lateness_within_a_tick_is_on_time(db: TestDb) {
    let start = utc(2026, 11, 30, 8, 0);
    let mut opts = options("tight");
    opts.grace = chrono::Duration::zero();
    let w = World::with_options(db, start, opts);
    nudges(&w, "set here daily 09:00 UTC", OutgoingKind::Reply).await;
    // A tick that comes a millisecond, then 59 s, late is on time even with no grace.
    w.jump_to(utc(2026, 11, 30, 9, 0) + chrono::Duration::milliseconds(1))
        .await;
    w.jump_to(utc(2026, 12, 1, 9, 0) + chrono::Duration::seconds(60))
        .await;
    assert_eq!(w.postman.nudges().len(), 2);
    // More than a tick late, with less grace than that, is missed.
    w.jump_to(utc(2026, 12, 2, 9, 1) + chrono::Duration::milliseconds(1))
        .await;
    assert_eq!(w.postman.nudges().len(), 2);
    let states = w.states().await;
    assert_eq!(states[2].1, DeliveryState::Skipped);
    assert!(states[2].2.as_deref().unwrap().contains("grace"));
}

async fn a_clock_jump_follows_the_catch_up_rule(db: TestDb) {
    let start = utc(2026, 11, 30, 6, 0);
    let w = World::new(db, start);
    nudges(&w, "set here * * * * * UTC models", OutgoingKind::Reply).await;
    // A year in one jump: one tick, and only the latest occurrence goes out.
    let report = w
        .scheduler
        .advance(&w.clock, utc(2027, 11, 30, 6, 0))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (1, 0));
    assert_eq!(w.postman.nudges().len(), 1);
    let states = w.states().await;
    let sent: Vec<_> = states
        .iter()
        .filter(|s| s.1 == DeliveryState::Sent)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, utc(2027, 11, 30, 6, 0));
    assert!(
        states
            .iter()
            .filter(|s| s.1 != DeliveryState::Sent)
            .all(|s| s.1 == DeliveryState::Skipped && s.2.as_deref().unwrap().contains("missed")),
        "every other occurrence is recorded as missed, none as sent"
    );
    // The next jump, of a month, again sends one.
    w.jump_to(utc(2027, 12, 30, 6, 0)).await;
    assert_eq!(w.postman.nudges().len(), 2);
}

async fn a_nudge_left_pending_before_a_jump_is_not_sent_late(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 8, 0));
    nudges(&w, "set here daily 09:00 UTC", OutgoingKind::Reply).await;
    *w.postman.failures.lock().unwrap() = vec![SendError::Transient("503 unavailable".into())];
    w.advance_to(utc(2026, 11, 30, 9, 0)).await;
    assert!(
        w.postman.nudges().is_empty(),
        "the first try failed; a retry is pending"
    );
    // The clock jumps a month, to exactly the next morning's time.
    w.jump_to(utc(2026, 12, 30, 9, 0)).await;
    let nudges_sent = w.postman.nudges();
    assert_eq!(nudges_sent.len(), 1, "{nudges_sent:?}");
    assert_eq!(nudges_sent[0].1, utc(2026, 12, 30, 9, 0));
    let states = w.states().await;
    assert_eq!(states[0].0, utc(2026, 11, 30, 9, 0));
    assert_eq!(states[0].1, DeliveryState::Skipped, "not sent a month late");
    assert!(states[0].2.as_deref().unwrap().contains("grace"));
    assert_eq!(states.last().unwrap().1, DeliveryState::Sent);
}

async fn times_that_could_not_be_stored_are_refused(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 8, 0));
    nudges(&w, "set here daily 09:00 UTC", OutgoingKind::Reply).await;
    let far = Utc.with_ymd_and_hms(4000, 1, 1, 0, 0, 0).unwrap();
    let err = w.scheduler.advance(&w.clock, far).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot go past 3999-12-31T23:59:59Z"),
        "{err}"
    );
    assert_eq!(
        w.clock.now(),
        utc(2026, 11, 30, 8, 0),
        "the clock did not move"
    );
    for args in [
        "pause until 4000-01-01",
        "skip 2026-12-01..4000-01-01",
        "skip 1969-12-31",
    ] {
        let out = nudges(&w, args, OutgoingKind::Error).await;
        assert!(
            out.message.body.contains("1970 to 3999"),
            "{args}: {}",
            out.message.body
        );
    }
    nudges(&w, "pause until 99999-01-01", OutgoingKind::Error).await;
    nudges(&w, "skip 99999-01-01", OutgoingKind::Error).await;
    assert!(!w.storage.channel_schedules(&channel()).await.unwrap()[0].paused);
    // The latest time allowed is stored and read back; a next time after it never comes.
    let latest = shiftcoach::clock::latest();
    w.jump_to(latest).await;
    nudges(&w, "pause until 3999-12-31", OutgoingKind::Error).await;
    let schedule = &w.storage.channel_schedules(&channel()).await.unwrap()[0];
    assert_eq!(schedule.next_due, None);
    nudges(&w, "status", OutgoingKind::Reply).await;
}

async fn zones_are_read_in_any_case_and_stored_canonically(db: TestDb) {
    let w = World::new(db, utc(2026, 11, 30, 6, 0));
    nudges(&w, "set here daily 09:00 utc", OutgoingKind::Reply).await;
    nudges(&w, "set #b daily 09:00 europe/berlin", OutgoingKind::Reply).await;
    nudges(&w, "set #c daily 09:00 Z", OutgoingKind::Reply).await;
    nudges(
        &w,
        "set #d daily 09:00 AMERICA/NEW_YORK",
        OutgoingKind::Reply,
    )
    .await;
    let zone = |name: &str| {
        let address = ChannelAddress {
            channel: name.into(),
            ..channel()
        };
        let storage = w.storage.clone();
        async move {
            storage.channel_schedules(&address).await.unwrap()[0]
                .zone
                .clone()
        }
    };
    assert_eq!(zone("C1").await, "UTC");
    assert_eq!(zone("b").await, "Europe/Berlin");
    assert_eq!(zone("c").await, "UTC");
    assert_eq!(zone("d").await, "America/New_York");
}

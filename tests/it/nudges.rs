//! Daily nudges: schedules, exactly-once delivery, catch-up, pauses and quiet days, rotation,
//! failures, replies and personal data, on both backends with a virtual clock.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, TimeZone, Utc};
use shiftcoach::{
    clock::{Clock, VirtualClock},
    core::{
        Actor, BoxFuture, Coach, CoachSettings, Interaction, InteractionKind, Limits, Outgoing,
        OutgoingKind, Platform, Postman, SendError,
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
    thread_replies_and_the_reflect_form_are_kept_with_the_nudge,
    mydata_exports_everything_and_deletes_it_on_confirmation,
    a_secret_in_a_reflection_is_refused_and_nothing_is_stored,
    only_admins_manage_nudges,
    an_admin_who_blocks_dms_sees_the_notice_with_their_next_command,
    the_running_scheduler_wakes_when_a_schedule_changes,
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
        key: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            if message.kind == OutgoingKind::Dm
                && self.dm_closed.load(std::sync::atomic::Ordering::Relaxed)
            {
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
            let at = self
                .clock
                .lock()
                .unwrap()
                .as_ref()
                .map_or(Utc::now(), |c| c.now());
            let id = key.map_or_else(|| "dm".to_owned(), str::to_owned);
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
        let scheduler = Scheduler::new(coach.clone(), options(owner));
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

    async fn advance_to(&self, target: DateTime<Utc>) {
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
    let before = w.coach.pick_nudge(&channel(), "models").await.unwrap();
    let restarted = Coach::new(
        w.storage.clone(),
        crate::support::catalog(),
        Arc::new(w.clock.clone()),
        CoachSettings::default(),
    );
    assert_eq!(
        restarted.pick_nudge(&channel(), "models").await.unwrap(),
        before
    );
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

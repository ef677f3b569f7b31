//! Manager check-ins and the decision journal through the core's public API, on both
//! backends with a virtual clock: pairing with consent, the cadence in the leader's zone across
//! a daylight-saving change, one reminder, snooze and skip, the sharing rules, the digest and
//! its attention flag, one-on-one prep, the progress chart, decision reviews and calibration,
//! and who may see what.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use shiftcoach::{
    clock::{Clock, VirtualClock},
    core::{
        Actor, BoxFuture, Coach, CoachSettings, Destination, Interaction, InteractionKind, Limits,
        Outgoing, OutgoingKind, Platform, Postman, SendError, SendKey,
        permissions::{Data, Viewer, may_see},
    },
    scheduler::{Scheduler, SchedulerOptions},
    storage::{ChannelAddress, Identity},
};

use crate::support::{TestDb, on_both_backends};

on_both_backends!(
    an_invitation_needs_consent_and_bad_ones_are_refused,
    weekly_checkins_follow_the_leaders_zone_across_a_clock_change,
    a_biweekly_cadence_skips_every_other_week,
    an_unanswered_checkin_gets_exactly_one_reminder,
    snooze_sends_it_again_a_day_later_and_skip_tells_the_manager,
    a_manager_never_sees_a_private_answer,
    three_low_ratings_running_raise_the_attention_flag,
    prep_builds_an_agenda_from_what_was_shared,
    progress_is_a_png_chart_for_the_leader_and_their_manager_only,
    a_decision_comes_back_for_review_and_shows_in_the_calibration,
    a_review_out_of_reach_is_taken_with_a_command,
    who_sees_what_follows_the_permissions_table,
    mydata_covers_checkins_and_decisions_and_delete_ends_the_pair,
);

const WORKSPACE: &str = "T1";

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// Records what the core sends outside answers (check-ins, reminders, digests, reviews).
#[derive(Default)]
struct Mailbox {
    sent: Mutex<Vec<(Outgoing, DateTime<Utc>)>>,
    clock: Mutex<Option<VirtualClock>>,
}

impl Postman for Mailbox {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn limits(&self) -> Limits {
        Limits::UNLIMITED
    }

    fn check_channel<'a>(
        &'a self,
        _channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async { Ok(()) })
    }

    fn mentioned_user(&self, token: &str) -> Option<String> {
        token.strip_prefix('@').map(str::to_owned)
    }

    fn send<'a>(
        &'a self,
        _workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let at = self
                .clock
                .lock()
                .unwrap()
                .as_ref()
                .map_or(Utc::now(), |c| c.now());
            self.sent.lock().unwrap().push((message.clone(), at));
            Ok(key.map_or("dm", |key| key.name).to_owned())
        })
    }
}

struct World {
    coach: Arc<Coach>,
    scheduler: Scheduler,
    mailbox: Arc<Mailbox>,
    clock: VirtualClock,
    zones: BTreeMap<&'static str, Tz>,
    _db: TestDb,
}

/// Everything a message says, for searching.
fn words(outgoing: &Outgoing) -> String {
    let message = &outgoing.message;
    let mut text = format!(
        "{}\n{}\n",
        message.title.clone().unwrap_or_default(),
        message.body
    );
    for field in &message.fields {
        text.push_str(&format!("{}\n{}\n", field.name, field.value));
    }
    text
}

fn to(outgoing: &Outgoing) -> String {
    match &outgoing.to {
        Destination::Person(person) => format!("@{person}"),
        Destination::Channel(channel) => format!("#{channel}"),
        Destination::Thread { channel, .. } => format!("#{channel}/thread"),
    }
}

fn button(answer: &[Outgoing], label: &str) -> String {
    answer
        .iter()
        .flat_map(|o| o.message.buttons.iter())
        .find(|b| b.label == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {answer:#?}"))
        .action
        .clone()
}

impl World {
    fn new(db: TestDb, start: DateTime<Utc>) -> Self {
        let clock = VirtualClock::starting_at(start);
        let mailbox = Arc::new(Mailbox::default());
        *mailbox.clock.lock().unwrap() = Some(clock.clone());
        let coach = Arc::new(
            Coach::new(
                db.storage.clone(),
                crate::support::catalog(),
                Arc::new(clock.clone()),
                CoachSettings::default(),
            )
            .with_postman(mailbox.clone()),
        );
        let scheduler = Scheduler::new(
            coach.clone(),
            SchedulerOptions {
                owner: "test".into(),
                ..SchedulerOptions::default()
            },
        );
        let zones = BTreeMap::from([
            ("mia", chrono_tz::America::New_York),
            ("lee", chrono_tz::Europe::Berlin),
            ("sam", chrono_tz::Europe::Berlin),
            ("kim", chrono_tz::Asia::Tokyo),
        ]);
        Self {
            coach,
            scheduler,
            mailbox,
            clock,
            zones,
            _db: db,
        }
    }

    async fn act(&self, user: &'static str, kind: InteractionKind) -> Vec<Outgoing> {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Slack,
                workspace: WORKSPACE.into(),
                user_id: user.into(),
                display_name: user.into(),
                zone: self.zones.get(user).copied(),
                is_admin: user == "kim",
                roles: Vec::new(),
            },
            channel: "D1".into(),
            kind,
        };
        self.coach.handle(&interaction).await
    }

    async fn command(&self, user: &'static str, line: &str) -> Vec<Outgoing> {
        let (name, text) = line
            .trim_start_matches('/')
            .split_once(' ')
            .unwrap_or((line.trim_start_matches('/'), ""));
        self.act(user, InteractionKind::command(name, text)).await
    }

    async fn press(&self, user: &'static str, action: &str) -> Vec<Outgoing> {
        self.act(
            user,
            InteractionKind::Button {
                action: action.into(),
            },
        )
        .await
    }

    async fn submit(&self, user: &'static str, form: &Outgoing, values: &[&str]) -> Vec<Outgoing> {
        let form = form.message.form.as_ref().expect("a form");
        let values = form
            .inputs
            .iter()
            .zip(values)
            .map(|(input, value)| (input.id.clone(), (*value).to_owned()))
            .collect();
        self.act(
            user,
            InteractionKind::Form {
                form_id: form.id.clone(),
                values,
            },
        )
        .await
    }

    /// Moves the clock to `target` an hour at a time, as a running scheduler would see it.
    async fn run_until(&self, target: DateTime<Utc>) {
        let mut at = self.clock.now();
        while at < target {
            at = (at + Duration::hours(1)).min(target);
            self.scheduler.advance(&self.clock, at).await.unwrap();
        }
    }

    fn mail(&self) -> Vec<(Outgoing, DateTime<Utc>)> {
        self.mailbox.sent.lock().unwrap().clone()
    }

    fn mail_to(&self, user: &str, title: &str) -> Vec<(Outgoing, DateTime<Utc>)> {
        self.mail()
            .into_iter()
            .filter(|(o, _)| to(o) == format!("@{user}"))
            .filter(|(o, _)| o.message.title.as_deref().unwrap_or("").contains(title))
            .collect()
    }

    /// Manager `mia` invites leader `lee` with `cadence`; `lee` accepts.
    async fn pair(&self, cadence: &str) {
        self.command("lee", "/help").await;
        let invited = self
            .command("mia", &format!("/checkin invite @lee {cadence}"))
            .await;
        let accept = button(&invited, "Accept");
        let accepted = self.press("lee", &accept).await;
        assert!(
            words(&accepted[0]).contains("Check-ins start"),
            "{accepted:#?}"
        );
    }

    /// The latest check-in `lee` received.
    fn latest_checkin(&self) -> Outgoing {
        self.mail_to("lee", "check-in")
            .last()
            .expect("a check-in was sent")
            .0
            .clone()
    }

    /// `lee` answers the latest check-in with `answers` (one per question).
    async fn answer_latest(&self, answers: &[&str]) -> Vec<Outgoing> {
        let checkin = self.latest_checkin();
        let form = self.press("lee", &button(&[checkin], "Answer")).await;
        let questions = form[0].message.form.as_ref().unwrap().inputs.len();
        let values: Vec<&str> = answers.iter().copied().cycle().take(questions).collect();
        self.submit("lee", &form[0], &values).await
    }

    /// `lee` rates every shift of the latest (monthly) check-in `rating`.
    async fn rate_all(&self, rating: u8) -> Vec<Outgoing> {
        let checkin = self.latest_checkin();
        let mut shown = self
            .press("lee", &button(&[checkin], "Rate my shifts"))
            .await;
        for _ in 0..9 {
            shown = self
                .press("lee", &button(&shown, &rating.to_string()))
                .await;
        }
        shown
    }
}

async fn an_invitation_needs_consent_and_bad_ones_are_refused(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 8, 0));
    let refused = |answer: &[Outgoing]| {
        assert_eq!(answer.len(), 1, "{answer:#?}");
        assert_eq!(answer[0].kind, OutgoingKind::Error, "{answer:#?}");
        words(&answer[0])
    };
    assert!(refused(&world.command("mia", "/checkin invite @mia").await).contains("yourself"));
    assert!(refused(&world.command("mia", "/checkin invite lee").await).contains("not a mention"));
    assert!(
        refused(&world.command("mia", "/checkin invite @lee monthly").await).contains("weekly")
    );
    assert!(
        refused(
            &world
                .command("mia", "/checkin invite @lee weekly tue 25:00")
                .await
        )
        .contains("25:00")
    );
    assert!(refused(&world.command("mia", "/checkin").await).contains("Usage"));
    assert!(
        refused(&world.command("lee", "/checkin accept").await).contains("no check-in invitation")
    );

    let invited = world
        .command("mia", "/checkin invite @lee weekly tue 10:00")
        .await;
    assert_eq!(invited.len(), 2, "{invited:#?}");
    assert!(words(&invited[0]).contains("Nothing is scheduled until they accept"));
    assert_eq!(to(&invited[1]), "@lee");
    assert_eq!(invited[1].kind, OutgoingKind::Dm);
    assert!(words(&invited[1]).contains("weekly tue 10:00"));
    // Nothing is scheduled before the leader accepts.
    world.run_until(utc(2027, 1, 13, 8, 0)).await;
    assert!(world.mail().is_empty(), "{:#?}", world.mail());

    // A duplicate, and a second manager for the same leader, are refused.
    assert!(
        refused(&world.command("mia", "/checkin invite @lee").await).contains("already invited")
    );
    assert!(
        refused(&world.command("sam", "/checkin invite @lee").await)
            .contains("already has a manager")
    );
    let status = world.command("mia", "/checkin status").await;
    assert!(
        words(&status[0]).contains("waiting for the leader"),
        "{status:#?}"
    );

    // Declined: the manager is told, nothing is scheduled, and the leader can be asked again.
    let declined = world.press("lee", &button(&invited, "Decline")).await;
    assert!(words(&declined[0]).contains("declined"));
    assert_eq!(to(&declined[1]), "@mia");
    // The buttons work once.
    let again = world.press("lee", &button(&invited, "Accept")).await;
    assert!(refused(&again).contains("already declined"));
    world.run_until(utc(2027, 1, 20, 8, 0)).await;
    assert!(world.mail().is_empty());

    // A manager may have several leaders: sam invites kim too, by text command this time.
    let second = world
        .command("sam", "/checkin invite @kim biweekly thu 16:00")
        .await;
    assert_eq!(to(&second[1]), "@kim");
    let accepted = world.command("kim", "/checkin accept").await;
    assert!(words(&accepted[0]).contains("16:00 JST"), "{accepted:#?}");
    assert_eq!(to(&accepted[1]), "@sam");
    let status = world.command("sam", "/checkin status").await;
    assert!(words(&status[0]).contains("You manage kim"), "{status:#?}");
    assert!(
        words(&status[0]).contains("Next check-in: Thu 21 Jan 2027, 16:00 JST"),
        "{status:#?}"
    );

    // The leader cannot become their manager's manager.
    assert!(
        refused(&world.command("kim", "/checkin invite @sam").await).contains("is your manager")
    );
    // Cadences that would not be weekly check-ins are refused at once.
    for cadence in ["* * * * *", "0 9 * * 1-5", "0 9 30 2 *", "weekdays 09:00"] {
        let answer = world
            .command("sam", &format!("/checkin invite @lee {cadence}"))
            .await;
        assert!(refused(&answer).contains("weekly tue 10:00"), "{cadence}");
    }
    // Either side ends it.
    let stopped = world.command("kim", "/checkin stop").await;
    assert!(words(&stopped[0]).contains("ended"));
    assert_eq!(to(&stopped[1]), "@sam");
    assert!(refused(&world.command("kim", "/checkin stop").await).contains("no check-ins"));
}

async fn weekly_checkins_follow_the_leaders_zone_across_a_clock_change(db: TestDb) {
    // Mia leads from New York; America moves to summer time on Sunday 14 March 2027.
    // The clock moves in hour steps from half past, so each check-in is seen on time.
    let world = World::new(db, utc(2027, 3, 1, 12, 30));
    world.command("mia", "/help").await;
    let invited = world
        .command("lee", "/checkin invite @mia weekly mon 09:30")
        .await;
    world.press("mia", &button(&invited, "Accept")).await;
    world.run_until(utc(2027, 3, 23, 0, 0)).await;
    let at: Vec<DateTime<Utc>> = world
        .mail_to("mia", "Your check-in")
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    // 09:30 in New York: 14:30 UTC in winter, 13:30 UTC in summer.
    assert_eq!(
        at,
        [
            utc(2027, 3, 1, 14, 30),
            utc(2027, 3, 8, 14, 30),
            utc(2027, 3, 15, 13, 30),
            utc(2027, 3, 22, 13, 30)
        ]
    );
}

async fn a_biweekly_cadence_skips_every_other_week(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 8, 0));
    world.pair("biweekly wed 10:00").await;
    world.run_until(utc(2027, 2, 4, 0, 0)).await;
    let at: Vec<DateTime<Utc>> = world
        .mail_to("lee", "Your check-in")
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    assert_eq!(
        at,
        [
            utc(2027, 1, 6, 9, 0),
            utc(2027, 1, 20, 9, 0),
            utc(2027, 2, 3, 9, 0)
        ]
    );
}

async fn an_unanswered_checkin_gets_exactly_one_reminder(db: TestDb) {
    // Paired on Monday 4 January after 10:00 in Berlin: the first check-in is a week later.
    let world = World::new(db, utc(2027, 1, 4, 10, 0));
    world.pair("weekly mon 10:00").await;
    // The first check-in is on Monday 11 January, 10:00 Berlin (09:00 UTC).
    world.run_until(utc(2027, 1, 12, 8, 0)).await;
    assert!(
        world.mail_to("lee", "Reminder").is_empty(),
        "not before 24 hours"
    );
    world.run_until(utc(2027, 1, 17, 0, 0)).await;
    let reminders = world.mail_to("lee", "Reminder");
    assert_eq!(reminders.len(), 1, "{reminders:#?}");
    assert_eq!(reminders[0].1, utc(2027, 1, 12, 9, 0));
    // Once answered, the next check-in's reminder does not come.
    world.run_until(utc(2027, 1, 18, 10, 0)).await;
    world.answer_latest(&["Delegated the triage rota"]).await;
    world.run_until(utc(2027, 1, 21, 0, 0)).await;
    assert_eq!(world.mail_to("lee", "Reminder").len(), 1);
}

async fn snooze_sends_it_again_a_day_later_and_skip_tells_the_manager(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 10, 0));
    world.pair("weekly mon 10:00").await;
    world.run_until(utc(2027, 1, 11, 9, 30)).await;
    let checkin = world.latest_checkin();
    let snoozed = world
        .press(
            "lee",
            &button(std::slice::from_ref(&checkin), "Snooze 1 day"),
        )
        .await;
    assert!(
        words(&snoozed[0]).contains("Tue 12 Jan, 10:30"),
        "{snoozed:#?}"
    );
    world.run_until(utc(2027, 1, 13, 12, 0)).await;
    let again = world.mail_to("lee", "snoozed");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, utc(2027, 1, 12, 9, 30));
    // The reminder waited for the re-send: it comes 24 hours after it, once.
    world.run_until(utc(2027, 1, 14, 12, 0)).await;
    let reminders = world.mail_to("lee", "Reminder");
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].1, utc(2027, 1, 13, 9, 30));

    let skipped = world
        .press("lee", &button(&[checkin], "Skip this one"))
        .await;
    assert!(words(&skipped[0]).contains("skipped"));
    world.run_until(utc(2027, 1, 14, 14, 0)).await;
    let digests = world.mail_to("mia", "digest");
    assert_eq!(digests.len(), 1);
    assert!(
        words(&digests[0].0).contains("lee skipped this check-in"),
        "{digests:#?}"
    );
}

async fn a_manager_never_sees_a_private_answer(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 8, 0));
    world.pair("weekly mon 10:00").await;
    world.run_until(utc(2027, 1, 11, 9, 30)).await;
    let saved = world
        .answer_latest(&[
            "Shared: the vendor review went well",
            "Private: I doubt myself",
        ])
        .await;
    assert!(words(&saved[0]).contains("shared with mia"), "{saved:#?}");
    // When the digest goes is said with its zone: "at 10:35 CET unless ...".
    let said = words(&saved[0]);
    let when: Vec<&str> = said
        .split("Shared answers go to mia at ")
        .nth(1)
        .map(|rest| rest.split_whitespace().take(3).collect())
        .unwrap_or_default();
    assert!(
        when.len() == 3 && when[0].contains(':') && !when[1].contains(':') && when[2] == "unless",
        "{said}"
    );
    // Make the second answer private before the digest goes out.
    let saved = world.press("lee", &button(&saved, "Make 2 private")).await;
    assert!(words(&saved[0]).contains("(private)"), "{saved:#?}");
    // Reflections are never shared either.
    world
        .command("lee", "/reflect Reflection: I am tired of the on-call rota")
        .await;
    world.run_until(utc(2027, 1, 11, 12, 0)).await;
    let digests = world.mail_to("mia", "digest");
    assert_eq!(digests.len(), 1, "{:#?}", world.mail());
    let digest = words(&digests[0].0);
    assert!(
        digest.contains("Shared: the vendor review went well"),
        "{digest}"
    );
    assert!(!digest.contains("Private:"), "{digest}");
    assert!(!digest.contains("Reflection:"), "{digest}");
    // Not in the one-on-one agenda either.
    let prep = world.command("mia", "/checkin prep @lee").await;
    let agenda = words(&prep[0]);
    assert!(
        agenda.contains("Shared: the vendor review went well"),
        "{agenda}"
    );
    assert!(
        !agenda.contains("Private:") && !agenda.contains("Reflection:"),
        "{agenda}"
    );
    // An edit keeps each answer's choice.
    let edit = world.press("lee", &button(&saved, "Edit answers")).await;
    let form = edit[0].message.form.as_ref().unwrap();
    assert_eq!(
        form.inputs[0].value.as_deref(),
        Some("Shared: the vendor review went well")
    );
    let edited = world
        .submit(
            "lee",
            &edit[0],
            &[
                "Shared, edited",
                "Private: still doubting",
                "Private: third",
            ],
        )
        .await;
    assert!(words(&edited[0]).contains("(private)"));
    let prep = world.command("mia", "/checkin prep @lee").await;
    assert!(!words(&prep[0]).contains("still doubting"));
    // Answers can be edited until the next check-in arrives, not after.
    world.run_until(utc(2027, 1, 18, 9, 30)).await;
    let closed = world.press("lee", &button(&edited, "Edit answers")).await;
    assert_eq!(closed[0].kind, OutgoingKind::Error);
    assert!(words(&closed[0]).contains("newer check-in"), "{closed:#?}");
}

async fn three_low_ratings_running_raise_the_attention_flag(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 1, 8, 0));
    world.pair("weekly mon 10:00").await;
    // Monthly check-ins on 4 January, 1 February and 1 March; all rated 2.
    for (month, day) in [(1, 4), (2, 1), (3, 1)] {
        world.run_until(utc(2027, month, day, 9, 30)).await;
        let checkin = world.latest_checkin();
        assert!(
            words(&checkin).contains("Monthly self-rating"),
            "{month}: {checkin:#?}"
        );
        world.answer_latest(&["Fine"]).await;
        let summary = world.rate_all(2).await;
        assert!(words(&summary[0]).contains("Self-ratings"), "{summary:#?}");
        world.run_until(utc(2027, month, day, 12, 0)).await;
    }
    let digests = world.mail_to("mia", "digest");
    let last = words(&digests.last().unwrap().0);
    assert!(last.contains("Attention"), "{last}");
    assert!(
        last.contains("rated 2 or lower 3 check-ins running"),
        "{last}"
    );
    assert!(last.contains("A framework to discuss"), "{last}");
    // Two low months were not enough.
    let february = digests
        .iter()
        .map(|(o, _)| words(o))
        .find(|text| text.contains("week of 01 Feb"))
        .unwrap();
    assert!(!february.contains("Attention"), "{february}");
    // A weekly check-in that is not the first of its month asks no ratings.
    world.run_until(utc(2027, 3, 8, 9, 30)).await;
    assert!(!words(&world.latest_checkin()).contains("Monthly self-rating"));
}

async fn prep_builds_an_agenda_from_what_was_shared(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 1, 8, 0));
    world.pair("weekly mon 10:00").await;
    world.run_until(utc(2027, 1, 4, 9, 30)).await;
    world
        .answer_latest(&["Pushed back on the audit scope"])
        .await;
    world.rate_all(3).await;
    world.run_until(utc(2027, 2, 1, 9, 30)).await;
    world.answer_latest(&["Hired the second analyst"]).await;
    world.rate_all(4).await;
    let prep = world.command("mia", "/checkin prep @lee").await;
    let agenda = words(&prep[0]);
    assert!(
        agenda.contains("Pushed back on the audit scope"),
        "{agenda}"
    );
    assert!(agenda.contains("Hired the second analyst"), "{agenda}");
    assert!(agenda.contains("3 → 4 (up 1)"), "{agenda}");
    assert!(agenda.contains("Framework to discuss"), "{agenda}");
    assert!(agenda.contains("Practice scenario"), "{agenda}");
    // The next agenda starts where this one ended.
    world.run_until(utc(2027, 2, 8, 9, 30)).await;
    world.answer_latest(&["Ran the first tabletop"]).await;
    let next = words(&world.command("mia", "/checkin prep @lee").await[0]);
    assert!(next.contains("Ran the first tabletop"), "{next}");
    assert!(!next.contains("Pushed back on the audit scope"), "{next}");
    // Only the manager of an active pair gets one.
    let other = world.command("sam", "/checkin prep @lee").await;
    assert_eq!(other[0].kind, OutgoingKind::Error);
}

async fn progress_is_a_png_chart_for_the_leader_and_their_manager_only(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 1, 8, 0));
    world.pair("weekly mon 10:00").await;
    let mut summary = Vec::new();
    for (month, day, rating) in [(1, 4, 2), (2, 1, 3)] {
        world.run_until(utc(2027, month, day, 9, 30)).await;
        summary = world.rate_all(rating).await;
    }
    for (user, line) in [("lee", "/progress"), ("mia", "/progress @lee")] {
        let answer = world.command(user, line).await;
        let attachment = answer[0]
            .message
            .attachment
            .as_ref()
            .unwrap_or_else(|| panic!("{user}: {answer:#?}"));
        assert_eq!(attachment.media_type, "image/png");
        assert!(attachment.filename.ends_with(".png"));
        let png = &attachment.bytes;
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, right after the chunk header.
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(
            (width, height),
            (shiftcoach::chart::WIDTH, shiftcoach::chart::HEIGHT)
        );
    }
    // Ratings made private leave the manager's chart.
    world
        .press("lee", &button(&summary, "Make ratings private"))
        .await;
    let managers = words(&world.command("mia", "/progress @lee").await[0]);
    assert!(managers.contains("9 rating(s)"), "{managers}");
    let own = words(&world.command("lee", "/progress").await[0]);
    assert!(own.contains("18 rating(s)"), "{own}");
    for user in ["sam", "kim"] {
        let answer = world.command(user, "/progress @lee").await;
        assert_eq!(answer[0].kind, OutgoingKind::Error, "{user}");
        assert!(answer[0].message.attachment.is_none());
    }
}

async fn a_decision_comes_back_for_review_and_shows_in_the_calibration(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 8, 0));
    let form = world
        .command("lee", "/decide Move the SOC to follow-the-sun coverage")
        .await;
    let inputs = &form[0].message.form.as_ref().unwrap().inputs;
    assert_eq!(inputs.len(), 5);
    assert_eq!(
        inputs[0].value.as_deref(),
        Some("Move the SOC to follow-the-sun coverage")
    );
    let refused = world
        .submit(
            "lee",
            &form[0],
            &[
                "Move the SOC",
                "MSSP, hire",
                "Pages answered in 15 min",
                "100",
                "30",
            ],
        )
        .await;
    assert!(words(&refused[0]).contains("50 to 99"), "{refused:#?}");
    let recorded = world
        .submit(
            "lee",
            &form[0],
            &[
                "Move the SOC",
                "MSSP, or hire two analysts",
                "Pages answered within 15 minutes by March",
                "80%",
                "30",
            ],
        )
        .await;
    assert!(
        words(&recorded[0]).contains("Decision recorded"),
        "{recorded:#?}"
    );
    assert!(
        words(&recorded[0]).contains("Wed 03 Feb 2027"),
        "{recorded:#?}"
    );
    world.run_until(utc(2027, 2, 3, 6, 0)).await;
    assert!(world.mail_to("lee", "Decision review").is_empty());
    world.run_until(utc(2027, 2, 3, 9, 0)).await;
    let review = world.mail_to("lee", "Decision review");
    assert_eq!(review.len(), 1);
    assert!(words(&review[0].0).contains("80 % sure"));
    let form = world
        .press("lee", &button(&[review[0].0.clone()], "Partly"))
        .await;
    let saved = world
        .submit(
            "lee",
            &form[0],
            &["Coverage was the easy part; handover notes were not"],
        )
        .await;
    let text = words(&saved[0]);
    // One review at 80 % that partly happened: (0.8 − 0.5)² = 0.09.
    assert!(text.contains("Brier score 0.090"), "{text}");
    assert!(text.contains("80–89 % sure: 1 decision(s)"), "{text}");
    let listed = words(&world.command("lee", "/decisions").await[0]);
    assert!(listed.contains("handover notes"), "{listed}");
    // Reviewed once: it does not come back.
    world.run_until(utc(2027, 3, 10, 9, 0)).await;
    assert_eq!(world.mail_to("lee", "Decision review").len(), 1);
}

/// `/decisions review N` asks the review in place, with its buttons: for a review whose
/// direct message is out of reach (closed DMs, a restarted console) or taken early. Only the
/// author may, and only once.
async fn a_review_out_of_reach_is_taken_with_a_command(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 4, 8, 0));
    let form = world.command("lee", "/decide Retire the legacy VPN").await;
    let recorded = world
        .submit(
            "lee",
            &form[0],
            &[
                "Retire the legacy VPN",
                "now, or after the audit",
                "No access tickets in the first week",
                "70",
                "30",
            ],
        )
        .await;
    assert!(words(&recorded[0]).contains("Decision recorded"));
    let id = world.command("lee", "/decisions").await[0].message.fields[0]
        .name
        .trim_start_matches('#')
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let other = world
        .command("mia", &format!("/decisions review {id}"))
        .await;
    assert!(words(&other[0]).contains("no decision"), "{other:#?}");
    let review = world
        .command("lee", &format!("/decisions review {id}"))
        .await;
    assert!(words(&review[0]).contains("70 % sure"), "{review:#?}");
    assert!(review[0].ephemeral);
    let form = world.press("lee", &button(&review, "No")).await;
    let saved = world
        .submit("lee", &form[0], &["Two teams still needed it for vendors"])
        .await;
    assert!(words(&saved[0]).contains("Brier score"), "{saved:#?}");
    let again = world
        .command("lee", &format!("/decisions review {id}"))
        .await;
    assert!(words(&again[0]).contains("reviewed already"), "{again:#?}");
    let bad = world.command("lee", "/decisions review seven").await;
    assert!(
        words(&bad[0]).contains("Usage: /decisions review N"),
        "{bad:#?}"
    );
}

async fn who_sees_what_follows_the_permissions_table(db: TestDb) {
    // The table itself.
    for data in Data::ALL {
        assert!(may_see(Viewer::Owner, data));
        assert!(!may_see(Viewer::Admin, data));
        assert!(!may_see(Viewer::Member, data));
    }
    // Through the public API: lee writes one of each kind, mia manages lee, kim is an admin,
    // sam a member. Each viewer's every view is searched for each marker.
    let world = World::new(db, utc(2027, 1, 1, 8, 0));
    world.pair("weekly mon 10:00").await;
    world.run_until(utc(2027, 1, 4, 9, 30)).await;
    let saved = world
        .answer_latest(&[
            "MARK-ANSWER-SHARED",
            "MARK-ANSWER-PRIVATE",
            "MARK-ANSWER-SHARED-2",
        ])
        .await;
    world.press("lee", &button(&saved, "Make 2 private")).await;
    world.command("lee", "/reflect MARK-REFLECTION").await;
    for (text, share) in [
        ("MARK-DECISION-SHARED", true),
        ("MARK-DECISION-PRIVATE", false),
    ] {
        let form = world.command("lee", "/decide").await;
        let recorded = world
            .submit("lee", &form[0], &[text, "options", "expected", "70", "30"])
            .await;
        if share {
            world
                .press("lee", &button(&recorded, "Share with my manager"))
                .await;
        }
    }
    world.run_until(utc(2027, 1, 4, 12, 0)).await;
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for viewer in ["mia", "kim", "sam"] {
        let mut text = String::new();
        for line in [
            "/checkin prep @lee",
            "/progress @lee",
            "/journal",
            "/decisions",
        ] {
            for outgoing in world.command(viewer, line).await {
                text.push_str(&words(&outgoing));
            }
        }
        for (outgoing, _) in world.mail() {
            if to(&outgoing) == format!("@{viewer}") {
                text.push_str(&words(&outgoing));
            }
        }
        seen.insert(viewer, text);
    }
    let expect = [
        ("MARK-ANSWER-SHARED", Data::CheckinAnswer { shared: true }),
        ("MARK-ANSWER-PRIVATE", Data::CheckinAnswer { shared: false }),
        ("MARK-REFLECTION", Data::Reflection),
        ("MARK-DECISION-SHARED", Data::Decision { shared: true }),
        ("MARK-DECISION-PRIVATE", Data::Decision { shared: false }),
    ];
    for (viewer, role) in [
        ("mia", Viewer::Manager),
        ("kim", Viewer::Admin),
        ("sam", Viewer::Member),
    ] {
        for (marker, data) in expect {
            assert_eq!(
                seen[viewer].contains(marker),
                may_see(role, data),
                "{viewer} and {marker}"
            );
        }
    }
    // Once the pair ends the manager is a member like any other.
    world.command("lee", "/checkin stop").await;
    let after = world.command("mia", "/checkin prep @lee").await;
    assert_eq!(after[0].kind, OutgoingKind::Error);
    assert!(!words(&after[0]).contains("MARK"));
}

async fn mydata_covers_checkins_and_decisions_and_delete_ends_the_pair(db: TestDb) {
    let world = World::new(db, utc(2027, 1, 1, 8, 0));
    world.pair("weekly mon 10:00").await;
    world.run_until(utc(2027, 1, 4, 9, 30)).await;
    world.answer_latest(&["An answer to export"]).await;
    world.rate_all(4).await;
    let form = world.command("lee", "/decide A decision to export").await;
    world
        .submit(
            "lee",
            &form[0],
            &["A decision to export", "a, b", "c", "60", "10"],
        )
        .await;
    let export = world.command("lee", "/mydata export").await;
    let document: serde_json::Value =
        serde_json::from_slice(&export[0].message.attachment.as_ref().unwrap().bytes).unwrap();
    assert_eq!(document["checkin_pairs"][0]["role"], "leader");
    assert_eq!(document["checkin_pairs"][0]["with"], "mia");
    assert_eq!(
        document["checkins"][0]["answers"][0]["text"],
        "An answer to export"
    );
    assert_eq!(
        document["checkins"][0]["ratings"].as_array().unwrap().len(),
        9
    );
    assert_eq!(document["decisions"][0]["decision"], "A decision to export");
    assert_eq!(document["decisions"][0]["confidence_percent"], 60);

    // The manager deletes their data: the pair and its schedule go, the leader's own answers
    // stay theirs.
    let asked = world.command("mia", "/mydata delete").await;
    let deleted = world
        .press("mia", &button(&asked, "Delete everything"))
        .await;
    // The leader is told the pair ended with the manager's data.
    assert!(
        deleted
            .iter()
            .any(|o| to(o) == "@lee" && words(o).contains("ended your check-ins")),
        "{deleted:#?}"
    );
    let status = words(&world.command("lee", "/checkin status").await[0]);
    assert!(status.contains("no check-ins"), "{status}");
    let sent_before = world.mail_to("lee", "Your check-in").len();
    world.run_until(utc(2027, 1, 19, 0, 0)).await;
    assert_eq!(world.mail_to("lee", "Your check-in").len(), sent_before);
    let export = world.command("lee", "/mydata export").await;
    let document: serde_json::Value =
        serde_json::from_slice(&export[0].message.attachment.as_ref().unwrap().bytes).unwrap();
    assert_eq!(
        document["checkins"][0]["answers"][0]["text"],
        "An answer to export"
    );

    // The leader deletes theirs: nothing is left.
    let asked = world.command("lee", "/mydata delete").await;
    world
        .press("lee", &button(&asked, "Delete everything"))
        .await;
    let storage = world.coach.storage();
    let identity = Identity::new(Platform::Slack, WORKSPACE, "lee");
    assert!(storage.find_user(&identity).await.unwrap().is_none());
    let leader = storage
        .user_for(&identity, world.clock.now())
        .await
        .unwrap();
    assert!(storage.leader_checkins(leader).await.unwrap().is_empty());
    assert!(storage.ratings(leader).await.unwrap().is_empty());
    assert!(storage.decisions(leader).await.unwrap().is_empty());
}

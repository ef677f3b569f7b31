//! A scheduler killed mid-send: the deliveries it had leased are taken over once its short
//! lease runs out (well within a minute), and the one it had already posted is found in the
//! channel by its delivery's button, so nothing is lost or doubled, even after Discord has
//! forgotten the send's nonce.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Duration, TimeZone, Utc};
use secrecy::SecretString;
use shiftcoach::{
    adapters::discord::{http, postman::DiscordPostman},
    clock::VirtualClock,
    core::{Actor, Coach, CoachSettings, Interaction, InteractionKind, Platform, SendKey},
    scheduler::{LEASE, Scheduler, SchedulerOptions, plan},
    storage::DeliveryState,
};

use crate::{
    fake_discord::FakeDiscord,
    support::{TestDb, on_both_backends},
};

on_both_backends!(a_scheduler_killed_mid_send_is_taken_over_and_nothing_is_doubled);

const GUILD: &str = "1100000000000000007";

fn utc(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, h, m, s).unwrap()
}

async fn a_scheduler_killed_mid_send_is_taken_over_and_nothing_is_doubled(db: TestDb) {
    let fake = FakeDiscord::start().await;
    let token = SecretString::from("fake-bot-token".to_owned());
    let client = http::build(&token, Some(&fake.base()), Some(fake.ca_pem.as_bytes()))
        .await
        .unwrap();
    let clock = VirtualClock::starting_at(utc(8, 0, 0));
    let coach = Arc::new(
        Coach::new(
            db.storage.clone(),
            crate::support::catalog(),
            Arc::new(clock.clone()),
            CoachSettings::default(),
        )
        .with_postman(Arc::new(DiscordPostman::new(Arc::new(client)))),
    );
    let channels: Vec<String> = (0..5).map(|i| format!("12000000000000001{i}0")).collect();
    for channel in &channels {
        let answer = coach
            .handle(&Interaction {
                actor: Actor {
                    platform: Platform::Discord,
                    workspace: GUILD.into(),
                    user_id: "1000000000000000003".into(),
                    display_name: "Ada".into(),
                    zone: None,
                    is_admin: true,
                    roles: Vec::new(),
                },
                channel: channel.clone(),
                kind: InteractionKind::command(
                    "nudges",
                    &format!("set <#{channel}> daily 09:00 UTC"),
                ),
            })
            .await;
        assert!(
            answer[0].message.title.as_deref() == Some("Nudges scheduled"),
            "{answer:#?}"
        );
    }

    // Replica A claims the five occurrences, leases them, posts the first and is killed
    // before recording it: nothing of it runs any more.
    let due = utc(9, 0, 0);
    let storage = coach.storage();
    storage
        .claim_due(due, 100, |schedule| {
            plan(
                schedule,
                due,
                Duration::hours(2),
                &[],
                &mut Default::default(),
            )
        })
        .await
        .unwrap();
    let leased = storage
        .lease_pending(due, "replica-a", due + LEASE, 20)
        .await
        .unwrap();
    assert_eq!(leased.len(), 5);
    let first = coach.compose(&leased[0]).await.unwrap().unwrap();
    coach
        .send(
            Platform::Discord,
            GUILD,
            &first,
            Some(SendKey::first(&format!("nudge-{}", leased[0].id))),
        )
        .await
        .unwrap();
    assert_eq!(fake.posts().len(), 1);
    // The restart comes after Discord has forgotten the nonce.
    fake.forget_nonces();

    // Replica B: while A's lease holds, nothing; once it runs out, every nudge goes out once.
    let b = Scheduler::new(
        coach.clone(),
        SchedulerOptions {
            owner: "replica-b".into(),
            ..SchedulerOptions::default()
        },
    );
    b.advance(&clock, due + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(fake.posts().len(), 1, "A's lease still holds");
    assert!(LEASE < Duration::seconds(60), "taken over within a minute");
    b.advance(&clock, due + LEASE + Duration::seconds(1))
        .await
        .unwrap();
    let mut per_channel: HashMap<String, usize> = HashMap::new();
    for post in fake.posts() {
        let channel = post.path.split('/').nth(4).unwrap().to_owned();
        *per_channel.entry(channel).or_default() += 1;
    }
    for channel in &channels {
        assert_eq!(
            per_channel.get(channel),
            Some(&1),
            "{channel}: {per_channel:?}"
        );
    }
    for delivery in &leased {
        let states: Vec<DeliveryState> = storage
            .schedule_deliveries(delivery.schedule.id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.state)
            .collect();
        assert_eq!(
            states,
            [DeliveryState::Sent],
            "schedule {}",
            delivery.schedule.id
        );
    }
}

/// The same property with the real binary on PostgreSQL: `shiftcoach run` is killed with
/// SIGKILL about a second into posting 200 channels' nudges (several at once, paced under
/// Discord's global limit, so a few seconds' worth), right after a post reached Discord and
/// before Discord's answer reached the process, then started again once Discord has
/// forgotten the nonces. Every channel ends up with its nudge exactly once, every delivery is
/// recorded as sent (the orphaned post under the message Discord holds), and the last of them
/// goes out within a minute of the kill.
mod killed_binary {
    use std::{
        collections::HashMap,
        time::{Duration, Instant},
    };

    use shiftcoach::storage::{DeliveryRecord, DeliveryState, Schedule, Storage};

    use super::GUILD;
    use crate::{
        discord::service::{Running, start_with, until_within},
        fake_discord::{FakeDiscord, TOKEN},
        support::{fresh_postgres_database, nudges_due_a_minute_ago},
    };

    const CHANNELS: u64 = 200;
    /// How long the fake takes to answer each post while the first process sends: with posts
    /// going out at up to 48 a second, several have always reached Discord unanswered.
    const SLOW_ANSWER: Duration = Duration::from_millis(150);
    /// The bound: whatever the crash left unsent is out this soon after the kill.
    const WITHIN: Duration = Duration::from_secs(60);
    /// How long the test waits for that before it fails.
    const GIVE_UP: Duration = Duration::from_secs(75);

    fn post_path(channel: &str) -> String {
        format!("/api/v10/channels/{channel}/messages")
    }

    /// Every delivery of each schedule, in schedule order.
    async fn deliveries(storage: &Storage, schedules: &[Schedule]) -> Vec<Vec<DeliveryRecord>> {
        let mut all = Vec::new();
        for schedule in schedules {
            all.push(storage.schedule_deliveries(schedule.id).await.unwrap());
        }
        all
    }

    fn count_sent(deliveries: &[Vec<DeliveryRecord>]) -> usize {
        deliveries
            .iter()
            .flatten()
            .filter(|d| d.state == DeliveryState::Sent)
            .count()
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    fn kill(running: &mut Running) -> Instant {
        running.child.kill().unwrap();
        let killed_at = Instant::now();
        running.child.wait().unwrap();
        killed_at
    }

    #[tokio::test]
    async fn a_replica_killed_mid_send_and_restarted_loses_and_doubles_nothing() {
        let fake = FakeDiscord::start().await;
        let url = fresh_postgres_database().await;
        // Two hundred channels whose daily nudge fell due a minute ago.
        let (storage, schedules) =
            nudges_due_a_minute_ago(&url, GUILD, 1_200_000_000_000_000_100, CHANNELS).await;
        let channels: Vec<String> = schedules
            .iter()
            .map(|s| s.channel.channel.clone())
            .collect();
        let env = [("DATABASE_URL", url.as_str())];

        // The first process sends the nudges several at a time, each answered slowly; about a
        // second in, it is killed the moment a post reaches Discord (its answer still on the
        // way, with others'), so the process never learns that these posts went out.
        fake.delay_posts(SLOW_ANSWER);
        let mut first = start_with(&fake, TOKEN, &env);
        // A busy machine (the whole suite at once) can take a while to start the binary.
        until_within(Duration::from_secs(120), "the first nudge", || {
            !fake.posts().is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let seen = fake.posts().len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while fake.posts().len() == seen {
            assert!(Instant::now() < deadline, "no further post after {seen}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let killed_at = kill(&mut first);
        let posted_at_kill = fake.posts().len();
        let sent_at_kill = count_sent(&deliveries(&storage, &schedules).await);
        eprintln!("killed after {posted_at_kill} posts, {sent_at_kill} of them recorded as sent");
        assert!(
            posted_at_kill < CHANNELS as usize,
            "killed mid-send, not after: {posted_at_kill} posts"
        );
        assert!(
            sent_at_kill < posted_at_kill,
            "a post must have reached Discord without the process recording it: {posted_at_kill} posts, {sent_at_kill} recorded as sent"
        );
        assert!(
            !first.log().contains(TOKEN),
            "the token is in the first process's log"
        );

        // Discord has forgotten the nonces by the time the replica is back: only the search of
        // the channel's history can tell that the orphaned post went out.
        fake.forget_nonces();
        fake.delay_posts(Duration::ZERO);
        let second = start_with(&fake, TOKEN, &env);
        let finished_after = loop {
            let all = deliveries(&storage, &schedules).await;
            if count_sent(&all) == all.iter().flatten().count() {
                break killed_at.elapsed();
            }
            assert!(
                killed_at.elapsed() < GIVE_UP,
                "not everything was sent {GIVE_UP:?} after the kill: {all:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // A post doubled at the last moment would show up now.
        tokio::time::sleep(Duration::from_secs(1)).await;

        // A post Discord answered 429 created nothing; it was tried again.
        let posts: Vec<_> = fake
            .posts()
            .into_iter()
            .filter(|post| post.status != 429)
            .collect();
        let mut per_channel: HashMap<&str, usize> = HashMap::new();
        for post in &posts {
            *per_channel.entry(post.path.as_str()).or_default() += 1;
        }
        let not_once: Vec<(&str, usize)> = channels
            .iter()
            .map(|channel| {
                let count = per_channel.get(post_path(channel).as_str());
                (channel.as_str(), count.copied().unwrap_or(0))
            })
            .filter(|(_, count)| *count != 1)
            .collect();
        assert!(
            not_once.is_empty(),
            "channels not posted to exactly once (channel, posts): {not_once:?}"
        );
        let all = deliveries(&storage, &schedules).await;
        for (channel, records) in channels.iter().zip(&all) {
            let held = fake.messages_in(channel);
            assert_eq!(held.len(), 1, "channel {channel} holds one message");
            let states: Vec<DeliveryState> = records.iter().map(|d| d.state).collect();
            assert_eq!(
                states,
                [DeliveryState::Sent],
                "channel {channel}: one delivery, sent: {records:#?}"
            );
            assert_eq!(
                records[0].message_id.as_deref(),
                Some(held[0].0.as_str()),
                "channel {channel}: the delivery names the message in the channel"
            );
        }
        assert_eq!(posts.len(), CHANNELS as usize, "no other posts");
        assert!(
            fake.rejections().is_empty(),
            "Discord refused: {:?}",
            fake.rejections()
        );

        // The rest went out within a minute of the kill.
        let last = posts.iter().map(|p| p.at).max().unwrap();
        let last_after = last.saturating_duration_since(killed_at);
        eprintln!(
            "last post {last_after:?} after the kill, every delivery recorded {finished_after:?} after it"
        );
        assert!(
            last_after <= WITHIN,
            "the last nudge was posted {last_after:?} after the kill"
        );
        assert!(
            finished_after <= WITHIN,
            "the last delivery was recorded as sent {finished_after:?} after the kill"
        );
        assert!(
            !second.log().contains(TOKEN),
            "the token is in the restarted process's log"
        );
        // An operator can tell from the log that a double was avoided.
        assert!(
            second.log().contains("not posted again"),
            "the restarted process logs the earlier send it found"
        );
    }
}

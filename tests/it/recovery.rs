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
    core::{Actor, Coach, CoachSettings, Interaction, InteractionKind, Platform},
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
            Some(&format!("nudge-{}", leased[0].id)),
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

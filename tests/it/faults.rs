//! The faults together, as a team running replicas meets them: three replicas of the real
//! binary on one PostgreSQL, all connected to the same Discord shard (so each receives every
//! event), while a burst of nudges falls due. The replica sending them is killed with SIGKILL
//! and started again; then PostgreSQL stops while people reply in nudge threads and run
//! commands, and starts again. Every event gets one answer, every reply is kept once, every
//! nudge is posted once, and no replica exits.
//!
//! The outage lasts 5 s here; `FAULTS_LONG=1` makes it the 30 s of the issue (and the run
//! longer by as much).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{
    discord::service::{Running, callback, command, start_with, thread_reply, until, until_within},
    fake_discord::{FakeDiscord, TOKEN},
    support::{DedicatedPostgres, nudges_due_a_minute_ago},
};

const GUILD: &str = "1100000000000000007";
const AUTHOR: &str = "1000000000000000003";
const CHANNELS: u64 = 40;
/// How long each post takes to be answered while the first replica sends, so that some are
/// always on their way when it is killed.
const SLOW_ANSWER: Duration = Duration::from_millis(150);

fn outage() -> Duration {
    if std::env::var("FAULTS_LONG").is_ok_and(|v| v == "1") {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(5)
    }
}

/// Callbacks to interaction `id` that Discord accepted: a replica answering an interaction
/// another already answered is refused with 40060.
fn accepted_callbacks(fake: &FakeDiscord, id: u64) -> usize {
    let refused = fake
        .rejections()
        .iter()
        .filter(|(request, _, _)| {
            request
                .path
                .starts_with(&format!("/api/v10/interactions/{id}/"))
        })
        .count();
    fake.callbacks(id).len() - refused
}

/// The texts of `/journal`, asked as interaction `id`, newest first.
async fn journal(fake: &FakeDiscord, id: u64) -> Vec<String> {
    fake.dispatch("INTERACTION_CREATE", command(id, "journal", json!([])));
    callback(fake, id).await["data"]["embeds"][0]["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|field| field["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn three_replicas_through_a_kill_and_an_outage_answer_once_and_post_once() {
    let pg = DedicatedPostgres::start();
    let fake = FakeDiscord::start().await;
    let (_storage, schedules) =
        nudges_due_a_minute_ago(&pg.url, GUILD, 1_200_000_000_000_200_000, CHANNELS).await;
    let channels: Vec<String> = schedules
        .iter()
        .map(|s| s.channel.channel.clone())
        .collect();
    let env = [
        ("DATABASE_URL", pg.url.as_str()),
        ("DISCORD_MESSAGE_CONTENT", "true"),
    ];

    // The first replica starts sending the burst; the other two join while it does, and it is
    // killed a moment later with posts on their way.
    fake.delay_posts(SLOW_ANSWER);
    let first = start_with(&fake, TOKEN, &env);
    // A busy machine (the whole suite at once) can take a while to start the binary.
    until_within(Duration::from_secs(120), "the first nudge", || {
        !fake.posts().is_empty()
    })
    .await;
    let second = start_with(&fake, TOKEN, &env);
    let third = start_with(&fake, TOKEN, &env);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut killed = first;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let posted_at_kill = fake.posts().len();
    fake.delay_posts(Duration::ZERO);
    let first = start_with(&fake, TOKEN, &env);
    let mut replicas: Vec<Running> = vec![first, second, third];
    // Every nudge goes out once: the killed replica's leases run out and another takes them.
    until_within(Duration::from_secs(90), "every channel's nudge", || {
        channels.iter().all(|c| !fake.messages_in(c).is_empty())
    })
    .await;
    assert!(
        posted_at_kill < CHANNELS as usize,
        "the kill came before the burst was out ({posted_at_kill} posts)"
    );
    until("the three replicas to be connected", || {
        fake.sessions().0 >= 4
    })
    .await;

    // With the database up: a command and a thread reply, each answered once.
    let text = json!([{ "name": "text", "type": 3, "value": "Before the outage" }]);
    fake.dispatch("INTERACTION_CREATE", command(1, "reflect", text));
    callback(&fake, 1).await;
    let thread = |i: usize| fake.messages_in(&channels[i])[0].0.clone();
    fake.dispatch(
        "MESSAGE_CREATE",
        thread_reply(
            "1800000000000000001",
            &thread(0),
            "A reply while all is well",
        ),
    );
    let reaction = format!(
        "/api/v10/channels/{}/messages/1800000000000000001/reactions/",
        thread(0)
    );
    until("the ✅", || !fake.requests_to("PUT", &reaction).is_empty()).await;

    // The database stops: replies are kept by every replica and acknowledged once; a command
    // is asked to try again, once.
    pg.stop();
    let stopped = Instant::now();
    fake.dispatch(
        "MESSAGE_CREATE",
        thread_reply(
            "1800000000000000002",
            &thread(1),
            "First reply in the outage",
        ),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    fake.dispatch(
        "MESSAGE_CREATE",
        thread_reply(
            "1800000000000000003",
            &thread(2),
            "Second reply in the outage",
        ),
    );
    fake.dispatch("INTERACTION_CREATE", command(2, "journal", json!([])));
    let answer = callback(&fake, 2).await;
    assert!(
        answer.to_string().contains("try again in a moment"),
        "{answer}"
    );
    until("the author told their replies are kept", || {
        fake.dm_messages(AUTHOR).len() >= 2
    })
    .await;
    tokio::time::sleep(outage().saturating_sub(stopped.elapsed())).await;
    pg.start_again();

    // Once it is back, the kept replies are stored once, in order, with what came before.
    let mut kept = Vec::new();
    for id in 3..200 {
        kept = journal(&fake, id).await;
        if kept.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        kept,
        [
            "Second reply in the outage",
            "First reply in the outage",
            "A reply while all is well",
            "Before the outage"
        ]
    );
    // Let a slower replica act twice if it were going to.
    tokio::time::sleep(Duration::from_secs(1)).await;

    for id in 1..=2 {
        assert_eq!(accepted_callbacks(&fake, id), 1, "interaction {id}");
    }
    assert_eq!(
        fake.requests_to("PUT", &reaction).len(),
        1,
        "one ✅ for the reply"
    );
    let told: Vec<String> = fake
        .dm_messages(AUTHOR)
        .iter()
        .map(|(_, message)| message.to_string())
        .collect();
    assert_eq!(told.len(), 2, "one message per kept reply: {told:?}");
    assert!(
        told.iter().all(|t| t.contains("I kept what you wrote")),
        "{told:?}"
    );
    for channel in &channels {
        assert_eq!(
            fake.messages_in(channel).len(),
            1,
            "channel {channel} holds one nudge"
        );
    }
    // Anything Discord refused was a second answer to an interaction during the outage.
    for (request, status, body) in fake.rejections() {
        assert_eq!(
            (status, body["code"].as_i64()),
            (400, Some(40060)),
            "{} refused: {body}",
            request.path
        );
    }
    for (i, replica) in replicas.iter_mut().enumerate() {
        assert!(
            replica.child.try_wait().unwrap().is_none(),
            "replica {i} kept running"
        );
    }
}

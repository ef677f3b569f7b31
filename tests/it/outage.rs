//! A database outage while people use the bot: the service stays up, `/readyz` says so at once,
//! a person hears "try again in a moment" instead of waiting, and what they wrote during the
//! outage is stored once the database is back. Played with a PostgreSQL server of the test's
//! own, stopped and started under the real binary talking to the fake Discord.

use std::time::Duration;

use serde_json::json;

use crate::{
    discord::service::{callback, command, schedule_and_send_now, start_with, thread_reply, until},
    fake_discord::{FakeDiscord, TOKEN},
    support::DedicatedPostgres,
};

const AUTHOR: &str = "1000000000000000003";

fn text_of(body: &serde_json::Value) -> String {
    body.to_string()
}

#[tokio::test]
async fn a_database_outage_loses_no_reply_and_readyz_says_so() {
    let pg = DedicatedPostgres::start();
    let fake = FakeDiscord::start().await;
    let mut running = start_with(
        &fake,
        TOKEN,
        &[
            ("DATABASE_URL", &pg.url),
            ("DISCORD_MESSAGE_CONTENT", "true"),
        ],
    );
    until("the commands", || {
        !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
    })
    .await;
    schedule_and_send_now(&fake, 1).await;
    until("the nudge", || !fake.posts().is_empty()).await;
    let nudge = fake.last_message_id();
    let readyz = format!("http://{}/readyz", running.http().await);
    // An orchestrator's probe waits a second or two, not the pool's time-out.
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert_eq!(probe.get(&readyz).send().await.unwrap().status(), 200);

    pg.stop();
    let during = probe.get(&readyz).send().await.expect("answered in time");
    assert_eq!(during.status(), 503);
    assert!(during.text().await.unwrap().contains("database"));

    // Two replies in the nudge's thread during the outage: kept, and the author told so.
    fake.dispatch(
        "MESSAGE_CREATE",
        thread_reply(
            "1800000000000000001",
            &nudge,
            "First reply during the outage",
        ),
    );
    // A moment later, as two messages typed one after the other arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    fake.dispatch(
        "MESSAGE_CREATE",
        thread_reply(
            "1800000000000000002",
            &nudge,
            "Second reply during the outage",
        ),
    );
    until("the author told their replies are kept", || {
        fake.dm_posts(AUTHOR)
            .iter()
            .filter(|post| text_of(&post.body).contains("I kept what you wrote"))
            .count()
            == 2
    })
    .await;
    // A command during the outage: a clear "try again", not a long wait.
    fake.dispatch("INTERACTION_CREATE", command(10, "journal", json!([])));
    let answer = callback(&fake, 10).await;
    assert!(
        text_of(&answer).contains("try again in a moment"),
        "{answer}"
    );

    pg.start_again();
    let mut ready = false;
    for _ in 0..40 {
        if probe
            .get(&readyz)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "/readyz answers 200 again");
    // Both replies are stored, in order, once.
    let mut stored = Vec::new();
    for id in 11..60 {
        fake.dispatch("INTERACTION_CREATE", command(id, "journal", json!([])));
        let journal = callback(&fake, id).await;
        stored = journal["data"]["embeds"][0]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| f["value"].as_str().unwrap_or_default().to_owned())
            .collect();
        if stored.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        stored,
        [
            "Second reply during the outage",
            "First reply during the outage"
        ]
    );
    assert!(
        running.child.try_wait().unwrap().is_none(),
        "the service kept running"
    );
}

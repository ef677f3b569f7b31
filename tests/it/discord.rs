//! The Discord adapter's translation of Discord payloads. The fixtures follow Discord's
//! documented interaction payloads (type 2 command, 3 component, 4 autocomplete, 5 modal).

use serenity::all::Interaction;
use shiftcoach::{
    adapters::discord::interaction::{autocomplete_request, to_core},
    core::{InteractionKind, Platform},
};

fn fixture(name: &str) -> Interaction {
    let path = format!(
        "{}/tests/fixtures/discord/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path} does not deserialize: {err}"))
}

#[test]
fn a_nudges_set_command_becomes_core_text_in_order_with_admin_rights() {
    let interaction = to_core(&fixture("command_nudges_set")).unwrap();
    assert_eq!(interaction.actor.platform, Platform::Discord);
    assert_eq!(interaction.actor.workspace, "1100000000000000007");
    assert_eq!(interaction.actor.user_id, "1000000000000000003");
    assert_eq!(interaction.actor.display_name, "Ada L.");
    assert!(
        interaction.actor.is_admin,
        "Manage Server is in the member's permissions"
    );
    assert_eq!(interaction.actor.roles, ["1400000000000000001"]);
    assert_eq!(interaction.channel, "1200000000000000011");
    let InteractionKind::Command { name, text, .. } = interaction.kind else {
        panic!("a command");
    };
    assert_eq!(name, "nudges");
    assert_eq!(
        text,
        "set <#1200000000000000042> weekdays 09:00 Europe/Berlin"
    );
}

#[test]
fn an_autocomplete_request_names_the_command_and_the_typed_text() {
    let Interaction::Autocomplete(command) = fixture("autocomplete_model") else {
        panic!("an autocomplete interaction");
    };
    assert_eq!(
        autocomplete_request(&command),
        Some(("model".into(), "pre".into()))
    );
    assert!(to_core(&Interaction::Autocomplete(command)).is_none());
}

#[test]
fn a_button_press_and_a_modal_submission_reach_the_core() {
    let button = to_core(&fixture("component_button")).unwrap();
    assert!(!button.actor.is_admin);
    assert_eq!(
        button.actor.display_name, "Bobby",
        "the server nickname wins"
    );
    assert!(
        matches!(button.kind, InteractionKind::Button { ref action } if action == "reflect:pre-mortem:42")
    );

    let modal = to_core(&fixture("modal_submit")).unwrap();
    let InteractionKind::Form { form_id, values } = modal.kind else {
        panic!("a form");
    };
    assert_eq!(form_id, "reflect:pre-mortem:42");
    assert_eq!(values["text"], "We ran a pre-mortem on the MFA rollout.");
}

mod sending {
    use std::sync::Arc;

    use secrecy::SecretString;
    use shiftcoach::{
        adapters::discord::{http, postman::DiscordPostman},
        core::{
            Destination, Outgoing, OutgoingKind, Platform, Postman, RichMessage, SendError, SendKey,
        },
        storage::ChannelAddress,
    };

    use crate::fake_discord::FakeDiscord;

    async fn postman(fake: &FakeDiscord) -> DiscordPostman {
        let token = SecretString::from("fake-bot-token".to_owned());
        let client = http::build(&token, Some(&fake.base()), Some(fake.ca_pem.as_bytes()))
            .await
            .unwrap();
        DiscordPostman::new(Arc::new(client))
    }

    fn nudge(channel: &str) -> Outgoing {
        Outgoing::new(
            OutgoingKind::Nudge,
            Destination::Channel(channel.into()),
            false,
            RichMessage::titled("Mental model: Pre-mortem", "Imagine it **failed**."),
        )
    }

    #[tokio::test]
    async fn a_nudge_is_posted_with_its_embed_and_a_nonce() {
        let fake = FakeDiscord::start().await;
        let postman = postman(&fake).await;
        let id = postman
            .send(
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some(SendKey::first("nudge-42")),
            )
            .await
            .unwrap();
        let posts = fake.posts();
        assert_eq!(posts.len(), 1);
        assert_eq!(
            posts[0].path,
            "/api/v10/channels/1200000000000000011/messages"
        );
        assert_eq!(
            posts[0].body["embeds"][0]["title"],
            "Mental model: Pre-mortem"
        );
        assert_eq!(posts[0].body["nonce"], "nudge-42");
        assert_eq!(posts[0].body["enforce_nonce"], true);
        assert!(id.parse::<u64>().is_ok());

        // The same key again (a retry after a crash) returns the message already posted.
        let again = postman
            .send(
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some(SendKey::again("nudge-42")),
            )
            .await
            .unwrap();
        assert_eq!(again, id);
    }

    /// A delivery sent again long after the first send (Discord forgets nonces after a few
    /// minutes) is found by the delivery's own button among the channel's recent messages,
    /// and not posted twice.
    #[tokio::test]
    async fn a_nudge_sent_again_after_the_nonce_window_is_found_in_the_channel() {
        let fake = FakeDiscord::start().await;
        let postman = postman(&fake).await;
        let mut scheduled = nudge("1200000000000000011");
        scheduled.message.buttons.push(shiftcoach::core::Button {
            action: "reflect:pre-mortem:77".into(),
            label: "Reflect".into(),
        });
        let first = postman
            .send(
                "1100000000000000007",
                &scheduled,
                Some(SendKey::first("nudge-77")),
            )
            .await
            .unwrap();
        // Another nudge, then the crash-and-retry long after: the nonce is forgotten.
        let mut other = nudge("1200000000000000011");
        other.message.buttons.push(shiftcoach::core::Button {
            action: "reflect:pre-mortem:78".into(),
            label: "Reflect".into(),
        });
        postman
            .send(
                "1100000000000000007",
                &other,
                Some(SendKey::first("nudge-78")),
            )
            .await
            .unwrap();
        // A first attempt cannot have been posted before: nothing was searched for them.
        assert!(fake.requests_to("GET", "/api/v10/channels/").is_empty());
        fake.forget_nonces();
        let again = postman
            .send(
                "1100000000000000007",
                &scheduled,
                Some(SendKey::again("nudge-77")),
            )
            .await
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(fake.posts().len(), 2, "posted once each");
        let searched = fake.requests_to("GET", "/api/v10/channels/1200000000000000011/messages");
        assert!(
            searched.iter().all(|r| r
                .query
                .as_deref()
                .is_some_and(|q| q.split('&').any(|p| p == "limit=50"))),
            "{searched:?}"
        );
        // Without a delivery button (a plain message) nothing is searched for, even on a retry.
        let before = fake.requests_to("GET", "/api/v10/channels/").len();
        postman
            .send(
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some(SendKey::again("nudge-79")),
            )
            .await
            .unwrap();
        assert_eq!(fake.requests_to("GET", "/api/v10/channels/").len(), before);
    }

    #[tokio::test]
    async fn a_429_is_waited_out_and_the_nudge_delivered_once() {
        let fake = FakeDiscord::start().await;
        fake.rate_limit_next_posts(2);
        let postman = postman(&fake).await;
        postman
            .send(
                "1100000000000000007",
                &nudge("1200000000000000011"),
                Some(SendKey::first("nudge-7")),
            )
            .await
            .unwrap();
        let posts = fake.posts();
        assert_eq!(posts.len(), 3, "two 429s, then the post that went through");
        let ids: std::collections::HashSet<_> =
            posts.iter().map(|p| p.body["nonce"].clone()).collect();
        assert_eq!(ids.len(), 1, "the same message each time");
    }

    #[tokio::test]
    async fn refusals_are_permanent_and_explained() {
        let fake = FakeDiscord::start().await;
        fake.forbid_channel("1200000000000000099");
        fake.block_dms_from("1000000000000000004");
        let postman = postman(&fake).await;
        let channel = ChannelAddress {
            platform: Platform::Discord,
            workspace: "1100000000000000007".into(),
            channel: "1200000000000000099".into(),
        };
        let check = postman.check_channel(&channel).await.unwrap_err();
        assert!(
            matches!(check, SendError::Permanent(ref m) if m.contains("no access")),
            "{check}"
        );
        let ok = ChannelAddress {
            channel: "1200000000000000011".into(),
            ..channel
        };
        postman.check_channel(&ok).await.unwrap();

        let mut dm = nudge("x");
        dm.kind = OutgoingKind::Dm;
        dm.to = Destination::Person("1000000000000000004".into());
        let blocked = postman
            .send("1100000000000000007", &dm, None)
            .await
            .unwrap_err();
        assert!(
            matches!(blocked, SendError::DmClosed(ref m) if m.contains("direct messages")),
            "{blocked}"
        );
        assert!(
            fake.requests()
                .iter()
                .any(|r| r.path == "/api/v10/users/@me/channels")
        );
    }
}

pub mod service {
    use std::{
        process::{Child, Command, Stdio},
        time::{Duration, Instant},
    };

    use serde_json::{Value, json};

    use crate::fake_discord::{APPLICATION_ID, FakeDiscord, TOKEN};

    const BIN: &str = env!("CARGO_BIN_EXE_shiftcoach");
    const GUILD: &str = "1100000000000000007";
    const CHANNEL: &str = "1200000000000000011";

    pub struct Running {
        pub child: Child,
        _dir: tempfile::TempDir,
    }

    impl Running {
        /// Everything the service wrote to standard error so far.
        pub fn log(&self) -> String {
            std::fs::read_to_string(self._dir.path().join("stderr.log")).unwrap()
        }

        /// The address the service's operations endpoints listen on, from its log.
        pub async fn http(&self) -> String {
            let log = self._dir.path().join("stderr.log");
            let mut found = None;
            until("the operations address in the log", || {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let plain: String = text
                    .split('\u{1b}')
                    .map(|part| part.split_once('m').map_or(part, |(_, rest)| rest))
                    .collect();
                found = plain
                    .lines()
                    .find(|line| line.contains("serving /healthz"))
                    .and_then(|line| line.split("addr=").nth(1))
                    .map(|addr| {
                        addr.split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    });
                found.is_some()
            })
            .await;
            found.unwrap_or_default()
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.child.kill();
            if std::thread::panicking() {
                let log = std::fs::read_to_string(self._dir.path().join("stderr.log"));
                eprintln!("--- shiftcoach run's log ---\n{}", log.unwrap_or_default());
            }
        }
    }

    pub fn start(fake: &FakeDiscord, token: &str) -> Running {
        start_with(fake, token, &[])
    }

    pub fn start_with(fake: &FakeDiscord, token: &str, env: &[(&str, &str)]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &fake.ca_pem).unwrap();
        // Port 0: the service picks a free port and logs it (see `Running::http`).
        let http = "127.0.0.1:0".to_owned();
        let child = Command::new(BIN)
            .arg("run")
            .env_clear()
            .env("DISCORD_TOKEN", token)
            .env("DISCORD_API_BASE", fake.base().as_str())
            .env("DISCORD_CA_CERT", &ca)
            .env("SHIFTCOACH_DATA_DIR", dir.path())
            .env("SHIFTCOACH_HTTP_ADDR", &http)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        Running { child, _dir: dir }
    }

    /// Waits up to 30 s for `done`.
    pub async fn until(what: &str, done: impl FnMut() -> bool) {
        until_within(Duration::from_secs(30), what, done).await;
    }

    /// Waits up to `limit` for `done`, and fails the test after it.
    pub async fn until_within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn member(admin: bool) -> Value {
        json!({
            "user": { "id": "1000000000000000003", "username": "ada", "global_name": "Ada", "discriminator": "0", "avatar": null },
            "roles": [], "joined_at": "2025-01-15T10:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0,
            "permissions": if admin { "32" } else { "1024" }
        })
    }

    pub fn interaction(id: u64, kind: u8, data: Value) -> Value {
        json!({
            "id": id.to_string(), "application_id": APPLICATION_ID, "type": kind, "data": data,
            "guild_id": GUILD, "channel_id": CHANNEL, "member": member(true),
            "token": format!("token-{id}"), "version": 1, "locale": "en-GB", "entitlements": [],
            "authorizing_integration_owners": { "0": GUILD }, "attachment_size_limit": 8388608
        })
    }

    pub fn command(id: u64, name: &str, options: Value) -> Value {
        interaction(
            id,
            2,
            json!({ "id": "1", "name": name, "type": 1, "options": options }),
        )
    }

    /// A message from Ada (user 1000000000000000003) in the thread `thread` (a nudge's id: a thread started
    /// from a message has the message's id), as the gateway's `MESSAGE_CREATE` carries it.
    pub fn thread_reply(id: &str, thread: &str, text: &str) -> serde_json::Value {
        json!({
            "id": id, "channel_id": thread, "guild_id": "1100000000000000007",
            "author": { "id": "1000000000000000003", "username": "ada", "global_name": "Ada", "discriminator": "0", "avatar": null },
            "content": text, "timestamp": "2026-11-27T09:05:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": false, "type": 0
        })
    }

    /// `/nudges set` (daily 09:00 UTC) here, then `/nudges now`, as interactions `id` and
    /// `id + 1`; returns once both are answered (the nudge itself goes out after).
    pub async fn schedule_and_send_now(fake: &FakeDiscord, id: u64) {
        let set = json!([{ "name": "set", "type": 1, "options": [
            { "name": "when", "type": 3, "value": "daily 09:00" }, { "name": "zone", "type": 3, "value": "UTC" }
        ]}]);
        fake.dispatch("INTERACTION_CREATE", command(id, "nudges", set));
        assert_eq!(
            callback(fake, id).await["data"]["embeds"][0]["title"],
            "Nudges scheduled"
        );
        // Discord sends an empty option list for a sub-command without options.
        let now = json!([{ "name": "now", "type": 1, "options": [] }]);
        fake.dispatch("INTERACTION_CREATE", command(id + 1, "nudges", now));
        callback(fake, id + 1).await;
    }

    /// The body of the callback to interaction `id`, once it arrives.
    pub async fn callback(fake: &FakeDiscord, id: u64) -> Value {
        let path = format!("/api/v10/interactions/{id}/token-{id}/callback");
        until(&path, || fake.requests().iter().any(|r| r.path == path)).await;
        fake.requests()
            .into_iter()
            .find(|r| r.path == path)
            .unwrap()
            .body
    }

    #[tokio::test]
    async fn the_service_connects_answers_records_a_modal_reflection_and_posts_nudges_once() {
        let fake = FakeDiscord::start().await;
        let running = start(&fake, TOKEN);
        until("the bot to identify", || fake.sessions().0 == 1).await;
        until("the commands to be registered", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        let registered = fake.requests_to("PUT", "/api/v10/applications/")[0]
            .body
            .clone();
        assert!(
            registered
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == "nudges")
        );

        // A slash command is answered through the callback, as an embed.
        fake.dispatch("INTERACTION_CREATE", command(1, "help", json!([])));
        let help = callback(&fake, 1).await;
        assert_eq!(help["type"], 4);
        assert_eq!(help["data"]["embeds"][0]["title"], "shiftcoach commands");
        assert_eq!(help["data"]["flags"], 64, "ephemeral");

        let ready = reqwest::get(format!("http://{}/readyz", running.http().await))
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);

        // Autocomplete comes from the core.
        let typed = json!([{ "name": "name", "type": 3, "value": "pre-m", "focused": true }]);
        fake.dispatch(
            "INTERACTION_CREATE",
            interaction(
                2,
                4,
                json!({ "id": "1", "name": "model", "type": 1, "options": typed }),
            ),
        );
        let choices = callback(&fake, 2).await;
        assert_eq!(choices["type"], 8);
        assert_eq!(choices["data"]["choices"][0]["value"], "pre-mortem");

        // /reflect with no text opens a modal; submitting it stores the reflection.
        fake.dispatch("INTERACTION_CREATE", command(3, "reflect", json!([])));
        let modal = callback(&fake, 3).await;
        assert_eq!(modal["type"], 9);
        let form_id = modal["data"]["custom_id"].as_str().unwrap().to_owned();
        let input = modal["data"]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let submitted = json!({ "custom_id": form_id, "components": [
            { "type": 1, "components": [ { "type": 4, "custom_id": input, "value": "Shipped the MFA rollout in stages" } ] }
        ]});
        fake.dispatch("INTERACTION_CREATE", interaction(4, 5, submitted));
        assert_eq!(
            callback(&fake, 4).await["data"]["embeds"][0]["title"],
            "Reflection saved"
        );
        fake.dispatch("INTERACTION_CREATE", command(5, "journal", json!([])));
        let journal = callback(&fake, 5).await;
        assert_eq!(
            journal["data"]["embeds"][0]["fields"][0]["value"],
            "Shipped the MFA rollout in stages"
        );

        // A nudge goes out through a 429, once.
        fake.rate_limit_next_posts(1);
        schedule_and_send_now(&fake, 6).await;
        until("the nudge", || fake.posts().len() == 2).await;
        let nudge = &fake.posts()[1].body;
        assert!(
            nudge["embeds"][0]["title"].as_str().unwrap().contains(':'),
            "{nudge}"
        );
        assert_eq!(nudge["components"][0]["components"][0]["label"], "Reflect");

        // Its Reflect button opens a modal; the answer is kept with the nudge.
        let button = nudge["components"][0]["components"][0]["custom_id"].clone();
        let pressed = json!({ "custom_id": button, "component_type": 2 });
        let mut press = interaction(9, 3, pressed);
        press["message"] = json!({
            "id": fake.last_message_id(), "channel_id": CHANNEL,
            "author": { "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
            "content": "", "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": false, "type": 0, "components": []
        });
        fake.dispatch("INTERACTION_CREATE", press);
        let modal = callback(&fake, 9).await;
        assert_eq!(modal["type"], 9, "{modal}");
        let form = modal["data"]["custom_id"].as_str().unwrap().to_owned();
        assert!(form.starts_with("reflect:"), "{form}");
        let submitted = json!({ "custom_id": form, "components": [
            { "type": 1, "components": [ { "type": 4, "custom_id": "text", "value": "Answered from the nudge" } ] }
        ]});
        fake.dispatch("INTERACTION_CREATE", interaction(10, 5, submitted));
        assert_eq!(
            callback(&fake, 10).await["data"]["embeds"][0]["title"],
            "Reflection saved"
        );

        // A gateway close 4000 resumes the session, and the bot keeps answering.
        fake.close_gateway(4000);
        until("the resume", || fake.sessions().1 == 1).await;
        fake.dispatch("INTERACTION_CREATE", command(8, "help", json!([])));
        assert_eq!(callback(&fake, 8).await["type"], 4);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(fake.posts().len(), 2, "no nudge was sent twice");

        // SIGTERM: a clean exit.
        let pid = running.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let mut running = running;
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = running.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "still running after SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "{status}");
    }

    #[tokio::test]
    async fn a_rejected_token_stops_the_service_with_a_clear_message_and_no_retries() {
        let fake = FakeDiscord::start().await;
        let mut running = start(&fake, "not-the-token");
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = running.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the service kept running with a rejected token"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(status.code(), Some(2));
        let log = std::fs::read_to_string(running._dir.path().join("stderr.log")).unwrap();
        assert!(log.contains("DISCORD_TOKEN was rejected"), "{log}");
        assert!(!log.contains("not-the-token"), "the token is never printed");
        assert_eq!(fake.requests().len(), 1, "one request, no retry storm");
        assert_eq!(fake.sessions(), (0, 0));
    }
}

mod slow {
    use std::time::Duration;

    use serde_json::json;
    use sqlx::{Connection, Executor, PgConnection};

    use super::service::*;
    use crate::{
        fake_discord::{FakeDiscord, TOKEN},
        support::fresh_postgres_database,
    };

    #[tokio::test]
    async fn an_answer_slower_than_the_deadline_is_deferred_then_edited() {
        let fake = FakeDiscord::start().await;
        let url = fresh_postgres_database().await;
        let running = start_with(&fake, TOKEN, &[("DATABASE_URL", &url)]);
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        fake.dispatch("INTERACTION_CREATE", command(1, "help", json!([])));
        callback(&fake, 1).await;

        // Hold the users table for 2.5 s: the next command's first write has to wait.
        let mut blocker = PgConnection::connect(&url).await.unwrap();
        blocker.execute("BEGIN").await.unwrap();
        blocker
            .execute("LOCK TABLE users IN EXCLUSIVE MODE")
            .await
            .unwrap();
        fake.dispatch("INTERACTION_CREATE", command(2, "journal", json!([])));
        let deferred = callback(&fake, 2).await;
        assert_eq!(deferred["type"], 5, "deferred: {deferred}");
        assert_eq!(deferred["data"]["flags"], 64);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        blocker.execute("COMMIT").await.unwrap();

        let edit = "/api/v10/webhooks/";
        until("the edited answer", || {
            !fake.requests_to("PATCH", edit).is_empty()
        })
        .await;
        let edited = &fake.requests_to("PATCH", edit)[0];
        assert!(
            edited.path.ends_with("/token-2/messages/@original"),
            "{}",
            edited.path
        );
        assert_eq!(edited.body["embeds"][0]["title"], "Your journal");
        drop(running);
    }
}

mod threads {
    use serde_json::json;

    use super::service::*;
    use crate::fake_discord::{FakeDiscord, TOKEN};

    #[tokio::test]
    async fn replies_in_a_nudge_thread_are_kept_when_message_content_is_granted() {
        let fake = FakeDiscord::start().await;
        // Logging at its most verbose: what people write must still never reach the log.
        let running = start_with(
            &fake,
            TOKEN,
            &[("DISCORD_MESSAGE_CONTENT", "true"), ("RUST_LOG", "trace")],
        );
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        schedule_and_send_now(&fake, 1).await;
        until("the nudge", || !fake.posts().is_empty()).await;
        let nudge = fake.last_message_id();

        // The thread started from the nudge has the nudge's id.
        fake.dispatch(
            "MESSAGE_CREATE",
            thread_reply("1800000000000000001", &nudge, "We track the wrong metric"),
        );
        let reaction = format!("/api/v10/channels/{nudge}/messages/1800000000000000001/reactions/");
        // Every crate logging at trace makes this binary slow on a busy machine: a longer wait.
        until_within(std::time::Duration::from_secs(90), "the ✅", || {
            !fake.requests_to("PUT", &reaction).is_empty()
        })
        .await;

        // Chat elsewhere is left alone.
        fake.dispatch(
            "MESSAGE_CREATE",
            thread_reply("1800000000000000002", "1200000000000000011", "lunch?"),
        );
        fake.dispatch("INTERACTION_CREATE", command(3, "journal", json!([])));
        let journal = callback(&fake, 3).await;
        let fields = journal["data"]["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0]["value"], "We track the wrong metric");
        let log = running.log();
        assert!(
            log.contains("TRACE") || log.contains("DEBUG"),
            "verbose logging was on"
        );
        for private in ["We track the wrong metric", "lunch?", TOKEN] {
            assert!(!log.contains(private), "{private:?} reached the log");
        }
        assert!(
            fake.requests_to(
                "PUT",
                "/api/v10/channels/1200000000000000011/messages/1800000000000000002"
            )
            .is_empty()
        );
    }
}

mod registration {
    use std::{process::Command, time::Duration};

    use super::service::*;
    use crate::fake_discord::{FakeDiscord, TOKEN};

    #[tokio::test]
    async fn commands_are_registered_again_only_when_they_changed() {
        let fake = FakeDiscord::start().await;
        let first = start(&fake, TOKEN);
        until("the first registration", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        let pid = first.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        drop(first);

        let _second = start(&fake, TOKEN);
        until("the second session", || fake.sessions().0 == 2).await;
        until("the second look at the commands", || {
            fake.requests_to("GET", "/api/v10/applications/").len() == 2
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            fake.requests_to("PUT", "/api/v10/applications/").len(),
            1,
            "unchanged commands are not registered again"
        );
    }
}

/// The "done when", through the real binary against the fake Discord with its limits
/// enforced: nothing the coach says is lost or refused.
mod delivery {
    use serde_json::{Value, json};

    use super::service::*;
    use crate::fake_discord::{FakeDiscord, TOKEN};

    const ADMIN: &str = "1000000000000000003";

    /// Every message body that answered interaction `id`: the callback, then follow-ups.
    async fn answer(fake: &FakeDiscord, id: u64) -> Vec<Value> {
        let first = callback(fake, id).await;
        // Follow-ups come after the callback: wait until none has arrived for half a second
        // (bounded at 30 s), so a slow machine does not cut the answer short.
        let token = format!("token-{id}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let (mut seen, mut quiet_since) = (0, std::time::Instant::now());
        while quiet_since.elapsed() < std::time::Duration::from_millis(500)
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let now_seen = fake.followups(&token).len();
            if now_seen != seen {
                (seen, quiet_since) = (now_seen, std::time::Instant::now());
            }
        }
        let mut bodies = vec![first["data"].clone()];
        bodies.extend(
            fake.followups(&format!("token-{id}"))
                .into_iter()
                .map(|r| r.body),
        );
        bodies
    }

    /// No request broke a documented limit (the refusals a test scripts on purpose, such as
    /// closed DMs, answer 403 and do not count).
    fn no_rejections(fake: &FakeDiscord) {
        let refused: Vec<Value> = fake
            .rejections()
            .into_iter()
            .filter(|r| r.1 != 403)
            .map(|r| r.2)
            .collect();
        assert!(refused.is_empty(), "Discord would refuse: {refused:?}");
    }

    fn option(name: &str, value: Value) -> Value {
        json!([{ "name": name, "type": 3, "value": value }])
    }

    #[tokio::test]
    async fn exports_long_journals_notices_and_direct_messages_all_arrive() {
        let fake = FakeDiscord::start().await;
        let _running = start(&fake, TOKEN);
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;

        // /journal 50 of long entries arrives whole, in several messages, none refused.
        for i in 0..50u64 {
            let text = format!("entry{i} ") + &"thought ".repeat(480);
            fake.dispatch(
                "INTERACTION_CREATE",
                command(100 + i, "reflect", option("text", json!(text))),
            );
            callback(&fake, 100 + i).await;
        }
        let n = json!([{ "name": "n", "type": 4, "value": 50 }]);
        fake.dispatch("INTERACTION_CREATE", command(200, "journal", n));
        let first = callback(&fake, 200).await;
        let journal_text = || {
            let mut bodies = vec![first["data"].clone()];
            bodies.extend(fake.followups("token-200").into_iter().map(|r| r.body));
            let values: Vec<String> = bodies
                .iter()
                .flat_map(|body| body["embeds"].as_array().cloned().unwrap_or_default())
                .flat_map(|embed| embed["fields"].as_array().cloned().unwrap_or_default())
                .map(|field| field["value"].as_str().unwrap_or_default().to_owned())
                .collect();
            (bodies.len(), values.join(" "))
        };
        // Follow-ups keep coming after the callback: wait for the last word of the last entry
        // (the oldest, whose text may be split over two messages).
        until("the whole journal", || {
            journal_text().1.matches("thought").count() >= 50 * 480
        })
        .await;
        let (messages, all) = journal_text();
        assert!(messages > 1, "more than one message");
        for i in 0..50 {
            assert!(all.contains(&format!("entry{i} ")), "entry {i} arrived");
        }
        assert_eq!(all.matches("thought").count(), 50 * 480, "no word lost");
        no_rejections(&fake);

        // /mydata export delivers the JSON file.
        let export = json!([{ "name": "export", "type": 1, "options": [] }]);
        fake.dispatch("INTERACTION_CREATE", command(201, "mydata", export));
        callback(&fake, 201).await;
        let files: Vec<_> = fake
            .callbacks(201)
            .into_iter()
            .flat_map(|r| r.files)
            .collect();
        assert_eq!(files.len(), 1, "the export arrives as a file");
        let document: Value = serde_json::from_slice(&files[0].bytes).unwrap();
        assert_eq!(document["reflections"].as_array().unwrap().len(), 50);
        assert!(files[0].filename.ends_with(".json"));

        // A reply sent to the bot in a DM lands in the same journal as the server's.
        let dm_message = json!({
            "id": "1800000000000000077", "channel_id": "1300000000000000077",
            "author": { "id": ADMIN, "username": "ada", "global_name": "Ada", "discriminator": "0", "avatar": null },
            "content": "written in a direct message", "timestamp": "2026-11-27T09:05:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0
        });
        fake.dispatch("MESSAGE_CREATE", dm_message);
        let reaction =
            "/api/v10/channels/1300000000000000077/messages/1800000000000000077/reactions/";
        until("the ✅ in the DM", || {
            !fake.requests_to("PUT", reaction).is_empty()
        })
        .await;
        fake.dispatch(
            "INTERACTION_CREATE",
            command(
                206,
                "journal",
                json!([{ "name": "n", "type": 4, "value": 1 }]),
            ),
        );
        assert_eq!(
            answer(&fake, 206).await[0]["embeds"][0]["fields"][0]["value"],
            "written in a direct message"
        );

        // A notice kept while the admin's DMs were closed arrives with their next command.
        schedule_and_send_now(&fake, 207).await;
        until("the first nudge", || !fake.posts().is_empty()).await;
        fake.forbid_channel("1200000000000000011");
        fake.block_dms_from(ADMIN);
        let now = json!([{ "name": "now", "type": 1, "options": [] }]);
        fake.dispatch("INTERACTION_CREATE", command(209, "nudges", now));
        callback(&fake, 209).await;
        until("the refused nudge and the bounced DM", || {
            fake.requests()
                .iter()
                .any(|r| r.path == "/api/v10/users/@me/channels")
        })
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        fake.dispatch("INTERACTION_CREATE", command(210, "help", json!([])));
        let with_notice = answer(&fake, 210).await;
        assert_eq!(
            with_notice.len(),
            2,
            "the answer, then the notice: {with_notice:?}"
        );
        assert_eq!(
            with_notice[1]["embeds"][0]["title"],
            "A nudge could not be posted"
        );
        assert_eq!(with_notice[1]["flags"], 64, "privately");
        fake.dispatch("INTERACTION_CREATE", command(211, "help", json!([])));
        assert_eq!(
            answer(&fake, 211).await.len(),
            1,
            "delivered once, then gone"
        );
        no_rejections(&fake);
    }

    #[tokio::test]
    async fn a_channel_of_another_server_cannot_get_nudges() {
        let fake = FakeDiscord::start().await;
        let _running = start(&fake, TOKEN);
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        fake.place_channel("1200000000000000055", "1100000000000000099");
        let set = json!([{ "name": "set", "type": 1, "options": [
            { "name": "when", "type": 3, "value": "daily 09:00" },
            { "name": "channel", "type": 7, "value": "1200000000000000055" }
        ]}]);
        fake.dispatch("INTERACTION_CREATE", command(1, "nudges", set));
        let refused = callback(&fake, 1).await;
        let text = refused["data"]["embeds"][0]["description"]
            .as_str()
            .unwrap();
        assert!(text.contains("another server"), "{text}");
    }
}

mod confirmations {
    use serde_json::{Value, json};

    use super::service::*;
    use crate::fake_discord::{APPLICATION_ID, FakeDiscord, TOKEN};

    fn press(id: u64, custom_id: &Value, message_id: &str) -> Value {
        let mut press = interaction(
            id,
            3,
            json!({ "custom_id": custom_id, "component_type": 2 }),
        );
        press["message"] = json!({
            "id": message_id, "channel_id": "1200000000000000011",
            "author": { "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
            "content": "", "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": false, "type": 0, "components": []
        });
        press
    }

    #[tokio::test]
    async fn a_stale_delete_confirmation_deletes_nothing() {
        let fake = FakeDiscord::start().await;
        let _running = start(&fake, TOKEN);
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        let text = json!([{ "name": "text", "type": 3, "value": "keep this" }]);
        fake.dispatch("INTERACTION_CREATE", command(1, "reflect", text));
        callback(&fake, 1).await;
        let delete = json!([{ "name": "delete", "type": 1, "options": [] }]);
        fake.dispatch("INTERACTION_CREATE", command(2, "mydata", delete));
        let ask = callback(&fake, 2).await;
        let buttons = &ask["data"]["components"][0]["components"];
        let (delete, keep) = (&buttons[0]["custom_id"], &buttons[1]["custom_id"]);
        let message = fake.last_message_id();
        fake.dispatch("INTERACTION_CREATE", press(3, keep, &message));
        assert_eq!(
            callback(&fake, 3).await["data"]["embeds"][0]["title"],
            "Nothing deleted"
        );
        fake.dispatch("INTERACTION_CREATE", press(4, delete, &message));
        let stale = callback(&fake, 4).await;
        assert!(
            stale["data"]["embeds"][0]["description"]
                .as_str()
                .is_some_and(|t| t.contains("expired")),
            "{stale}"
        );
        fake.dispatch("INTERACTION_CREATE", command(5, "journal", json!([])));
        assert_eq!(
            callback(&fake, 5).await["data"]["embeds"][0]["fields"][0]["value"],
            "keep this"
        );
    }
}

/// Check-ins through the real binary and the fake Discord: a manager's `/checkin invite` with a
/// user option reaches the leader's DM with buttons, and the leader's Accept in that DM pairs
/// them.
mod checkins {
    use serde_json::{Value, json};

    use super::service::*;
    use crate::fake_discord::{APPLICATION_ID, FakeDiscord, TOKEN};

    const LEADER: &str = "1000000000000000099";

    /// A button press by the leader in their DM with the bot: no server, a `user` not a member.
    fn press_in_dm(id: u64, custom_id: &Value, channel: &str, message_id: &str) -> Value {
        json!({
            "id": id.to_string(), "application_id": APPLICATION_ID, "type": 3,
            "data": { "custom_id": custom_id, "component_type": 2 },
            "channel_id": channel,
            "user": { "id": LEADER, "username": "lee", "global_name": "Lee", "discriminator": "0", "avatar": null },
            "token": format!("token-{id}"), "version": 1, "locale": "en-GB", "entitlements": [],
            "authorizing_integration_owners": { "1": LEADER }, "context": 1,
            "attachment_size_limit": 8388608,
            "message": {
                "id": message_id, "channel_id": channel,
                "author": { "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
                "content": "", "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
                "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
                "embeds": [], "pinned": false, "type": 0, "components": []
            }
        })
    }

    #[tokio::test]
    async fn an_invitation_reaches_the_leaders_dm_and_accept_pairs_them() {
        let fake = FakeDiscord::start().await;
        let _running = start(&fake, TOKEN);
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;
        let invite = json!([{ "name": "invite", "type": 1, "options": [
            { "name": "leader", "type": 6, "value": LEADER },
            { "name": "cadence", "type": 3, "value": "weekly tue 10:00" }
        ]}]);
        fake.dispatch("INTERACTION_CREATE", command(1, "checkin", invite));
        let sent = callback(&fake, 1).await;
        assert_eq!(
            sent["data"]["embeds"][0]["title"], "Invitation sent",
            "{sent}"
        );
        until("the leader's DM", || !fake.dm_posts(LEADER).is_empty()).await;
        let dm = fake.dm_posts(LEADER).remove(0);
        assert_eq!(
            dm.body["embeds"][0]["title"], "Check-in invitation",
            "{}",
            dm.body
        );
        let accept = dm.body["components"][0]["components"][0]["custom_id"].clone();
        let channel = dm.path.split('/').nth(4).unwrap().to_owned();
        let message = fake.last_message_id();
        fake.dispatch(
            "INTERACTION_CREATE",
            press_in_dm(2, &accept, &channel, &message),
        );
        let accepted = callback(&fake, 2).await;
        assert_eq!(
            accepted["data"]["embeds"][0]["title"], "Check-ins start",
            "{accepted}"
        );
        // The manager is told in their DM; status shows the pair.
        until("the manager's DM", || {
            !fake.dm_posts("1000000000000000003").is_empty()
        })
        .await;
        fake.dispatch(
            "INTERACTION_CREATE",
            command(
                3,
                "checkin",
                json!([{ "name": "status", "type": 1, "options": [] }]),
            ),
        );
        let status = callback(&fake, 3).await;
        assert!(
            status["data"]["embeds"][0]["fields"][0]["name"]
                .as_str()
                .is_some_and(|name| name.starts_with("You manage")),
            "{status}"
        );

        // /decide opens a modal whose first input starts with the decision typed.
        let typed = json!([{ "name": "decision", "type": 3, "value": "Hire a second analyst" }]);
        fake.dispatch("INTERACTION_CREATE", command(4, "decide", typed));
        let modal = callback(&fake, 4).await;
        assert_eq!(modal["type"], 9, "{modal}");
        let rows = modal["data"]["components"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0]["components"][0]["value"], "Hire a second analyst");
        let answers = [
            "Hire a second analyst",
            "MSSP, or hire",
            "Pages answered in 15 minutes",
            "80",
            "30",
        ];
        let submitted: Vec<Value> = rows
            .iter()
            .zip(answers)
            .map(|(row, value)| {
                json!({ "type": 1, "components": [
                    { "type": 4, "custom_id": row["components"][0]["custom_id"], "value": value }
                ]})
            })
            .collect();
        let form = json!({ "custom_id": modal["data"]["custom_id"], "components": submitted });
        fake.dispatch("INTERACTION_CREATE", interaction(5, 5, form));
        assert_eq!(
            callback(&fake, 5).await["data"]["embeds"][0]["title"],
            "Decision recorded"
        );
    }
}

/// Several replicas on one PostgreSQL connected to the same shard: Discord sends each event to
/// every connection, and one effect and one answer result.
mod replicas {
    use serde_json::json;

    use super::service::*;
    use crate::{
        fake_discord::{FakeDiscord, TOKEN},
        support::fresh_postgres_database,
    };

    #[tokio::test]
    async fn two_replicas_on_one_shard_answer_each_event_once() {
        let fake = FakeDiscord::start().await;
        let url = fresh_postgres_database().await;
        let env = [
            ("DATABASE_URL", url.as_str()),
            ("DISCORD_MESSAGE_CONTENT", "true"),
        ];
        let _first = start_with(&fake, TOKEN, &env);
        let _second = start_with(&fake, TOKEN, &env);
        until("both replicas to identify", || fake.sessions().0 == 2).await;
        until("the commands", || {
            !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
        })
        .await;

        // A command: one callback (a second would be refused by Discord with 40060).
        let text = json!([{ "name": "text", "type": 3, "value": "kept once" }]);
        fake.dispatch("INTERACTION_CREATE", command(1, "reflect", text));
        callback(&fake, 1).await;
        // A nudge, then a reply in its thread, which both replicas receive.
        schedule_and_send_now(&fake, 2).await;
        until("the nudge", || !fake.posts().is_empty()).await;
        let nudge = fake.last_message_id();
        fake.dispatch(
            "MESSAGE_CREATE",
            thread_reply("1800000000000000001", &nudge, "A reply kept once"),
        );
        let reaction = format!("/api/v10/channels/{nudge}/messages/1800000000000000001/reactions/");
        until("the ✅", || !fake.requests_to("PUT", &reaction).is_empty()).await;
        // Give the slower replica time to act twice if it were going to.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        for id in 1..=3 {
            assert_eq!(
                fake.callbacks(id).len(),
                1,
                "interaction {id} answered once"
            );
        }
        assert_eq!(fake.requests_to("PUT", &reaction).len(), 1);
        fake.dispatch("INTERACTION_CREATE", command(4, "journal", json!([])));
        let journal = callback(&fake, 4).await;
        let fields = journal["data"]["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .clone();
        let kept: Vec<&str> = fields
            .iter()
            .map(|f| f["value"].as_str().unwrap())
            .collect();
        assert_eq!(kept, ["A reply kept once", "kept once"]);
        // The nudge itself went out once.
        assert_eq!(fake.posts().len(), 1);
    }
}

/// Sharding through serenity's shard manager: `DISCORD_SHARDS` and this replica's
/// `DISCORD_SHARD_RANGE`.
mod sharding {
    use super::service::*;
    use crate::fake_discord::{FakeDiscord, TOKEN};

    #[tokio::test]
    async fn replicas_split_the_shards_by_range() {
        let fake = FakeDiscord::start().await;
        // Two replicas, three shards: one runs 0-1, the other 2.
        let _first = start_with(
            &fake,
            TOKEN,
            &[("DISCORD_SHARDS", "3"), ("DISCORD_SHARD_RANGE", "0-1")],
        );
        until("two shards", || fake.identified_shards().len() == 2).await;
        let _second = start_with(
            &fake,
            TOKEN,
            &[("DISCORD_SHARDS", "3"), ("DISCORD_SHARD_RANGE", "2")],
        );
        until("three shards", || fake.identified_shards().len() == 3).await;
        let mut shards = fake.identified_shards();
        shards.sort_unstable();
        assert_eq!(shards, [[0, 3], [1, 3], [2, 3]]);
    }

    #[tokio::test]
    async fn by_default_the_bot_runs_the_shards_discord_recommends() {
        let fake = FakeDiscord::start().await;
        let _running = start_with(&fake, TOKEN, &[]);
        until("a shard", || !fake.identified_shards().is_empty()).await;
        assert_eq!(fake.identified_shards(), [[0, 1]]);
        assert!(!fake.requests_to("GET", "/api/v10/gateway/bot").is_empty());
    }
}

//! The Slack adapter's parts driven against the fake Slack on 127.0.0.1 with slack-morphism's
//! real client: the postman posts Block Kit Slack accepts, never twice for one delivery (also
//! through a 429), reaches people through their DMs, and reports refusals as permanent.

use secrecy::SecretString;
use shiftcoach::{
    adapters::slack::{
        people::People,
        postman::{SlackPostman, client},
    },
    core::{
        Destination, Field, Outgoing, OutgoingKind, Platform, Postman, RichMessage, SendError,
        SendKey,
    },
    storage::ChannelAddress,
};

use crate::fake_slack::{BOT_TOKEN, CHANNEL, FakeSlack, TEAM_ID, USER, User};

fn postman(fake: &FakeSlack) -> SlackPostman {
    SlackPostman::new(&fake.api_base(), &SecretString::from(BOT_TOKEN)).unwrap()
}

fn nudge(to: Destination) -> Outgoing {
    let mut message = RichMessage::titled(
        "Mental model: Pre-mortem",
        "Imagine the project failed. <!channel> Why?\n\n- list the causes\n- pick the likeliest",
    );
    message.fields.push(Field {
        name: "Reflect on this".into(),
        value: "What would have killed it?".into(),
    });
    Outgoing::new(OutgoingKind::Nudge, to, false, message)
}

fn no_rejections(fake: &FakeSlack) {
    let refused: Vec<String> = fake
        .rejections()
        .into_iter()
        .map(|r| format!("{} {}: {}", r.request.method, r.error, r.body))
        .collect();
    assert!(refused.is_empty(), "Slack would refuse: {refused:?}");
}

#[tokio::test]
async fn a_nudge_is_posted_once_with_blocks_and_its_delivery_key() {
    let fake = FakeSlack::start().await;
    let postman = postman(&fake);
    let outgoing = nudge(Destination::Channel(CHANNEL.into()));
    let first = postman
        .send("T1", &outgoing, Some(SendKey::first("nudge-7")))
        .await
        .unwrap();
    // A first attempt cannot have been posted before: no history is read for it.
    assert!(fake.calls("conversations.history").is_empty());
    // A retry of the same delivery (after a crash or a lost response) finds it.
    let again = postman
        .send("T1", &outgoing, Some(SendKey::again("nudge-7")))
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(fake.calls("conversations.history").len(), 1);
    let messages = fake.messages(CHANNEL);
    assert_eq!(messages.len(), 1, "posted once");
    let posted = &messages[0];
    assert_eq!(first, format!("{CHANNEL}/{}", posted.ts));
    assert!(posted.blocks.is_some());
    assert_eq!(
        posted.metadata.as_ref().unwrap()["event_payload"]["key"],
        "nudge-7"
    );
    // The text a person wrote can never notify a channel.
    let blocks = posted.blocks.as_ref().unwrap().to_string();
    assert!(!blocks.contains("<!channel>"), "{blocks}");
    assert!(!posted.text.as_ref().unwrap().contains("<!channel>"));
    no_rejections(&fake);
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_nudge_delivered_once() {
    let fake = FakeSlack::start().await;
    fake.rate_limit("chat.postMessage", 1, 1);
    let postman = postman(&fake);
    postman
        .send(
            "T1",
            &nudge(Destination::Channel(CHANNEL.into())),
            Some(SendKey::first("nudge-8")),
        )
        .await
        .unwrap();
    assert_eq!(fake.messages(CHANNEL).len(), 1);
    assert_eq!(
        fake.calls("chat.postMessage").len(),
        2,
        "refused once, then sent"
    );
}

#[tokio::test]
async fn refusals_are_permanent_and_a_person_is_reached_in_their_dm() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C0OUTSIDE", false);
    fake.add_channel("C0ARCHIVED", true);
    fake.archive_channel("C0ARCHIVED");
    let postman = postman(&fake);
    for channel in ["C0OUTSIDE", "C0ARCHIVED", "C0MISSING"] {
        let err = postman
            .send("T1", &nudge(Destination::Channel(channel.into())), None)
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Permanent(_)), "{channel}: {err:?}");
    }

    let id = postman
        .send("T1", &nudge(Destination::Person(USER.into())), None)
        .await
        .unwrap();
    assert_eq!(fake.calls("conversations.open").len(), 1);
    let (dm, _) = id.split_once('/').unwrap();
    assert!(dm.starts_with('D'), "{id}");
    assert_eq!(fake.messages(dm).len(), 1);
}

#[tokio::test]
async fn a_channel_is_checked_before_a_schedule_is_set_in_it() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C0OUTSIDE", false);
    fake.add_channel("C0ARCHIVED", true);
    fake.archive_channel("C0ARCHIVED");
    let postman = postman(&fake);
    let address = |channel: &str| ChannelAddress {
        platform: Platform::Slack,
        workspace: TEAM_ID.into(),
        channel: channel.into(),
    };
    postman.check_channel(&address(CHANNEL)).await.unwrap();
    // A DM with the bot is a conversation too, but not a place for a channel's nudges.
    let id = postman
        .send("T1", &nudge(Destination::Person(USER.into())), None)
        .await
        .unwrap();
    let (dm, _) = id.split_once('/').unwrap();
    for (channel, says) in [
        ("C0OUTSIDE", "invite me"),
        ("C0ARCHIVED", "archived"),
        ("C0MISSING", "cannot see"),
        (dm, "direct messages"),
    ] {
        let err = postman.check_channel(&address(channel)).await.unwrap_err();
        match err {
            SendError::Permanent(text) => assert!(text.contains(says), "{channel}: {text}"),
            other => panic!("{channel}: {other:?}"),
        }
    }
    assert_eq!(fake.calls("conversations.info").len(), 5);
    // Checking posts nothing.
    assert!(fake.messages(CHANNEL).is_empty());
}

#[tokio::test]
async fn a_long_message_arrives_whole_in_several_posts_slack_accepts() {
    let fake = FakeSlack::start().await;
    let postman = postman(&fake);
    let body = (0..400)
        .map(|i| format!("Paragraph {i}: the board wants a number, and the number needs a story."))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut message = RichMessage::titled("Your journal", body);
    for i in 0..40 {
        message.fields.push(Field {
            name: format!("Entry {i}"),
            value: "thought ".repeat(200),
        });
    }
    let outgoing = Outgoing::new(
        OutgoingKind::Reply,
        Destination::Thread {
            channel: CHANNEL.into(),
            thread: format!("{CHANNEL}/1700000000.000100"),
        },
        false,
        message,
    );
    postman.send("T1", &outgoing, None).await.unwrap();
    no_rejections(&fake);
    let posts = fake.calls("chat.postMessage");
    assert!(posts.len() > 1, "split into several messages");
    for post in &posts {
        assert_eq!(post.body["thread_ts"], "1700000000.000100");
    }
    let all: String = posts.iter().map(|p| p.body["blocks"].to_string()).collect();
    assert!(all.contains("Paragraph 399"), "nothing lost");
    assert_eq!(all.matches("thought").count(), 40 * 200);
}

#[tokio::test]
async fn a_persons_zone_and_admin_role_come_from_users_info_once() {
    let fake = FakeSlack::start().await;
    for (id, tz, admin, owner) in [
        ("U0PARIS", "Europe/Paris", false, false),
        ("U0OWNER", "America/Los_Angeles", false, true),
        ("U0ADMIN", "Nowhere/Special", true, false),
    ] {
        fake.add_user(User {
            id: id.into(),
            name: format!("name of {id}"),
            tz: tz.into(),
            tz_offset: 0,
            is_admin: admin,
            is_owner: owner,
        });
    }
    let people = People::new(
        client(&fake.api_base()).unwrap(),
        &SecretString::from(BOT_TOKEN),
    );
    let paris = people.person(TEAM_ID, "U0PARIS").await;
    assert_eq!(paris.zone, Some(chrono_tz::Europe::Paris));
    assert!(!paris.is_admin);
    assert_eq!(paris.name.as_deref(), Some("name of U0PARIS"));
    let owner = people.person(TEAM_ID, "U0OWNER").await;
    assert!(owner.is_admin, "owners administer the workspace");
    let admin = people.person(TEAM_ID, "U0ADMIN").await;
    assert!(admin.is_admin);
    assert_eq!(
        admin.zone, None,
        "a zone shiftcoach does not know is left out"
    );
    // Cached: asking again does not call Slack.
    people.person(TEAM_ID, "U0PARIS").await;
    assert_eq!(fake.calls("users.info").len(), 3);
    // Someone Slack does not know is served without a name, zone or admin role.
    let unknown = people.person(TEAM_ID, "U0NOBODY").await;
    assert_eq!(
        unknown,
        shiftcoach::adapters::slack::inbound::Person::default()
    );
}

/// A private answer reaches the person whatever the channel: through the `response_url`
/// (which works where the bot is not a member), through `chat.postEphemeral` once the URL is
/// used up or expired, and through their DM when neither can reach them.
#[tokio::test]
async fn a_private_answer_finds_its_way_to_the_person() {
    use shiftcoach::{
        adapters::slack::{inbound::ReplyTo, service::Slack},
        clock::VirtualClock,
        core::{Coach, CoachSettings},
    };
    use std::{sync::Arc, time::Duration};

    let fake = FakeSlack::start().await;
    fake.add_channel("C0OUTSIDE", false);
    let db = crate::support::TestDb::sqlite().await;
    let slack = Slack::new(&fake.api_base(), &SecretString::from(BOT_TOKEN), None).unwrap();
    let coach = Coach::new(
        db.storage.clone(),
        crate::support::catalog(),
        Arc::new(VirtualClock::starting_at(chrono::Utc::now())),
        CoachSettings::default(),
    )
    .with_postman(slack.postman());
    let answer = |text: &str| {
        vec![Outgoing::new(
            OutgoingKind::Reply,
            Destination::Channel("C0OUTSIDE".into()),
            true,
            RichMessage {
                body: text.into(),
                ..RichMessage::default()
            },
        )]
    };
    let texts = |fake: &FakeSlack| -> Vec<String> {
        fake.private_answers()
            .into_iter()
            .filter_map(|m| m.text)
            .collect()
    };

    // In a channel the bot is not in, the response_url answers.
    let url = fake.issue_response_url();
    let reply_to = ReplyTo {
        channel: "C0OUTSIDE".into(),
        user: USER.into(),
        response_url: Some(url.clone()),
        ..ReplyTo::default()
    };
    slack.deliver(&coach, &answer("first"), &reply_to).await;
    assert_eq!(fake.responses().len(), 1);
    assert_eq!(fake.responses()[0].0, url);
    assert_eq!(fake.responses()[0].1["replace_original"], false);
    assert_eq!(texts(&fake), ["first"]);

    // A used-up URL (Slack: 5 uses in 30 minutes) gives way to chat.postEphemeral where the
    // bot is a member.
    for _ in 1..crate::fake_slack::RESPONSE_URL_USES {
        slack.deliver(&coach, &answer("again"), &reply_to).await;
    }
    let in_channel = ReplyTo {
        channel: CHANNEL.into(),
        ..reply_to.clone()
    };
    slack.deliver(&coach, &answer("sixth"), &in_channel).await;
    assert_eq!(fake.ephemerals().len(), 1);
    assert_eq!(fake.ephemerals()[0].channel, CHANNEL);
    assert_eq!(texts(&fake).last().map(String::as_str), Some("sixth"));

    // An expired URL where the bot is not a member: the person's DM.
    let expired = ReplyTo {
        response_url: Some(fake.issue_response_url_aged(Duration::from_secs(31 * 60))),
        ..reply_to
    };
    slack.deliver(&coach, &answer("seventh"), &expired).await;
    let dm = fake
        .posts()
        .into_iter()
        .filter_map(|post| post.body["channel"].as_str().map(str::to_owned))
        .find(|channel| channel.starts_with('D'))
        .expect("posted to the person's DM");
    let in_dm: Vec<_> = fake
        .messages(&dm)
        .into_iter()
        .filter_map(|m| m.text)
        .collect();
    assert_eq!(in_dm, ["seventh"]);
    // Nothing was posted where everyone sees it.
    assert!(fake.messages(CHANNEL).is_empty());
    assert!(fake.messages("C0OUTSIDE").is_empty());
}

/// The Slack adapter in Socket Mode, connected to the fake, with a coach on SQLite.
mod socket_mode {
    use std::{sync::Arc, time::Duration};

    use secrecy::SecretString;
    use serde_json::{Value, json};
    use shiftcoach::{
        adapters::slack::service::Slack,
        clock::SystemClock,
        core::{Coach, CoachSettings},
    };

    use crate::{
        fake_slack::{APP_TOKEN, BOT_TOKEN, CHANNEL, FakeSlack, TEAM_ID, USER, User},
        support::TestDb,
    };

    struct Running {
        fake: FakeSlack,
        db: TestDb,
        coach: Arc<Coach>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
        }
    }

    async fn start() -> Running {
        start_on(TestDb::sqlite().await).await
    }

    /// The Slack service in Socket Mode against a fresh fake, its coach on `db`.
    async fn start_on(db: TestDb) -> Running {
        let fake = FakeSlack::start().await;
        fake.add_user(User {
            id: USER.into(),
            name: "Ada".into(),
            tz: "Asia/Tokyo".into(),
            tz_offset: 9 * 3600,
            is_admin: false,
            is_owner: false,
        });
        let slack = Slack::new(
            &fake.api_base(),
            &SecretString::from(BOT_TOKEN),
            Some(&SecretString::from(APP_TOKEN)),
        )
        .unwrap();
        let coach = Arc::new(
            Coach::new(
                db.storage.clone(),
                crate::support::catalog(),
                Arc::new(SystemClock),
                CoachSettings::default(),
            )
            .with_postman(slack.postman()),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        slack.check_token().await.unwrap();
        let serving = coach.clone();
        tokio::spawn(async move {
            let coach = serving;
            let readiness = Arc::new(shiftcoach::ops::Readiness::default());
            slack
                .run(coach, readiness, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        assert!(fake.wait_for_connections(1, Duration::from_secs(10)).await);
        Running {
            fake,
            db,
            coach,
            stop: Some(stop),
        }
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The person's DM with the bot, as Slack has it once either side opened it: its channel
    /// id.
    async fn open_dm(fake: &FakeSlack) -> String {
        let postman = shiftcoach::adapters::slack::postman::SlackPostman::new(
            &fake.api_base(),
            &SecretString::from(BOT_TOKEN),
        )
        .unwrap();
        let hello = super::nudge(shiftcoach::core::Destination::Person(USER.into()));
        let id = shiftcoach::core::Postman::send(&postman, TEAM_ID, &hello, None)
            .await
            .unwrap();
        id.split_once('/').unwrap().0.to_owned()
    }

    /// `/reflect` without text: the reflection modal Slack was asked to open.
    async fn open_reflection_form(fake: &FakeSlack) -> Value {
        fake.push_slash_command("/reflect", "", USER, CHANNEL);
        until("the modal", || !fake.opened_views().is_empty()).await;
        fake.opened_views()[0].clone()
    }

    /// The `view_submission` of the reflection modal `view` (as opened) with `text`, as
    /// Slack sends it for the view `view_id`.
    fn submission(view: &Value, view_id: &str, text: &str) -> Value {
        let block_id = view["blocks"][0]["block_id"].as_str().unwrap();
        let action_id = view["blocks"][0]["element"]["action_id"].as_str().unwrap();
        json!({
            "type": "view_submission",
            "team": { "id": TEAM_ID }, "user": { "id": USER },
            "view": {
                "id": view_id, "team_id": TEAM_ID, "type": "modal", "hash": format!("{view_id}.a"),
                "title": { "type": "plain_text", "text": "Reflect" }, "blocks": [],
                "callback_id": view["callback_id"], "private_metadata": CHANNEL,
                "state": { "values": { block_id: { action_id: {
                    "type": "plain_text_input", "value": text
                } } } }
            }
        })
    }

    fn ephemeral_texts(fake: &FakeSlack) -> Vec<String> {
        fake.private_answers()
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m.text.clone().unwrap_or_default(),
                    m.blocks.clone().unwrap_or_default()
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_slash_command_is_acked_at_once_and_answered_privately() {
        let running = start().await;
        let fake = &running.fake;
        let pushed = fake.push_slash_command("/reflect", "The audit went well", USER, CHANNEL);
        let ack = fake
            .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        assert!(ack.latency.unwrap() < Duration::from_secs(1), "{ack:?}");
        until("the answer", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Reflection saved"))
        })
        .await;
        // The person's Slack zone is theirs: the journal shows Tokyo time.
        fake.push_slash_command("/journal", "", USER, CHANNEL);
        until("the journal", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Asia/Tokyo"))
        })
        .await;
        assert!(
            fake.rejections().is_empty(),
            "Slack would refuse: {:?}",
            fake.rejections()
        );
    }

    #[tokio::test]
    async fn a_form_opens_as_a_modal_and_its_submission_is_kept() {
        let running = start().await;
        let fake = &running.fake;
        let view = open_reflection_form(fake).await;
        let submission = submission(&view, "V1", "Written in the modal");
        fake.push_interactive(submission.clone());
        until("the saved reflection", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Reflection saved"))
        })
        .await;
        // The same submission again (this one carries no trigger_id): kept once.
        let again = fake.push_interactive(submission);
        fake.wait_for_ack(&again.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(fake.private_answers().len(), 1, "answered once");
        let identity =
            shiftcoach::storage::Identity::new(shiftcoach::storage::Platform::Slack, TEAM_ID, USER);
        let user = running
            .db
            .storage
            .user_for(&identity, chrono::Utc::now())
            .await
            .unwrap();
        let stored = running.db.storage.all_reflections(user).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].body, "Written in the modal");
    }

    #[tokio::test]
    async fn a_message_in_the_bots_dm_is_kept_privately_and_answered_there() {
        let running = start().await;
        let fake = &running.fake;
        let dm = open_dm(fake).await;
        let message = json!({
            "type": "message", "channel": dm, "channel_type": "im", "user": USER,
            "text": "I said yes to the board too quickly", "ts": "1800000000.000300"
        });
        fake.push_event(message, "Ev0DM1");
        until("the answer", || !fake.private_answers().is_empty()).await;
        let answer = &fake.private_answers()[0];
        assert_eq!(answer.channel, dm, "answered in the DM");
        let identity =
            shiftcoach::storage::Identity::new(shiftcoach::storage::Platform::Slack, TEAM_ID, USER);
        let user = running
            .db
            .storage
            .user_for(&identity, chrono::Utc::now())
            .await
            .unwrap();
        let stored = running.db.storage.all_reflections(user).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].body, "I said yes to the board too quickly");
        // The bot's own messages in the DM are not taken for the person's.
        let own = json!({
            "type": "message", "channel": dm, "channel_type": "im", "user": "U0BOT",
            "bot_id": "B0BOT", "text": "a nudge", "ts": "1800000000.000400"
        });
        let pushed = fake.push_event(own, "Ev0DM2");
        fake.wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            running
                .db
                .storage
                .all_reflections(user)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    /// A manager's `/checkin invite` with an escaped mention reaches the leader's DM with
    /// buttons; the leader's Accept pairs them; the manager's `/progress @leader` and the
    /// leader's `/decide` work through Slack's own payloads.
    #[tokio::test]
    async fn a_checkin_invitation_is_accepted_through_slack() {
        let running = start().await;
        let fake = &running.fake;
        fake.add_user(User {
            id: "U0LEADER".into(),
            name: "lee".into(),
            tz: "Europe/Berlin".into(),
            tz_offset: 3600,
            is_admin: false,
            is_owner: false,
        });
        // Slack escapes a mention in a command with should_escape: <@U…|name>.
        fake.push_slash_command(
            "/checkin",
            "invite <@U0LEADER|lee> weekly tue 10:00",
            USER,
            CHANNEL,
        );
        until("the invitation", || {
            fake.posts().iter().any(|p| {
                p.body["channel"]
                    .as_str()
                    .is_some_and(|c| c.starts_with('D'))
            })
        })
        .await;
        let dm = fake
            .posts()
            .into_iter()
            .find(|p| {
                p.body["channel"]
                    .as_str()
                    .is_some_and(|c| c.starts_with('D'))
            })
            .unwrap();
        let channel = dm.body["channel"].as_str().unwrap().to_owned();
        let messages = fake.messages(&channel);
        let blocks = messages[0].blocks.clone().unwrap();
        let accept = blocks
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .find(|e| e["text"]["text"] == "Accept")
            .expect("an Accept button");
        assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
        // The leader presses Accept in their DM.
        fake.push_interactive(json!({
            "type": "block_actions", "team": { "id": TEAM_ID },
            "user": { "id": "U0LEADER" }, "api_app_id": crate::fake_slack::APP_ID,
            "container": { "type": "message", "message_ts": messages[0].ts },
            "channel": { "id": channel }, "message": { "ts": messages[0].ts, "text": "invite" },
            "actions": [{ "type": "button", "action_id": accept["action_id"], "block_id": "b",
                "value": accept["value"], "action_ts": "1700000001.000200" }]
        }));
        until("the acceptance", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Check-ins start"))
        })
        .await;
        let started = ephemeral_texts(fake)
            .into_iter()
            .find(|t| t.contains("Check-ins start"))
            .unwrap();
        // In the leader's own zone, from users.info.
        assert!(started.contains("10:00 CET"), "{started}");
        // The manager hears of it in their DM.
        until("the manager's note", || {
            fake.posts().iter().any(|p| {
                p.body["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("accepted check-ins"))
            })
        })
        .await;
        fake.push_slash_command("/checkin", "status", USER, CHANNEL);
        until("the status", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("You manage lee"))
        })
        .await;

        // /decide opens a modal whose first input starts with the decision typed.
        fake.push_slash_command("/decide", "Hire a second analyst", USER, CHANNEL);
        until("the decision modal", || !fake.opened_views().is_empty()).await;
        let view = fake.opened_views()[0].clone();
        assert_eq!(
            view["blocks"][0]["element"]["initial_value"], "Hire a second analyst",
            "{view}"
        );
        let mut values = serde_json::Map::new();
        for (block, value) in view["blocks"].as_array().unwrap().iter().zip([
            "Hire a second analyst",
            "MSSP, or hire",
            "Pages answered in 15 minutes",
            "80",
            "30",
        ]) {
            let block_id = block["block_id"].as_str().unwrap();
            let action_id = block["element"]["action_id"].as_str().unwrap();
            values.insert(
                block_id.to_owned(),
                json!({ action_id: { "type": "plain_text_input", "value": value } }),
            );
        }
        fake.push_interactive(json!({
            "type": "view_submission",
            "team": { "id": TEAM_ID }, "user": { "id": USER },
            "view": {
                "id": "V2", "team_id": TEAM_ID, "type": "modal", "hash": "1.b",
                "title": { "type": "plain_text", "text": "Decide" }, "blocks": [],
                "callback_id": view["callback_id"], "private_metadata": CHANNEL,
                "state": { "values": values }
            }
        }));
        until("the decision", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Decision recorded"))
        })
        .await;
        assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
    }

    #[tokio::test]
    async fn mydata_export_arrives_as_a_file_in_the_persons_dm() {
        let running = start().await;
        let fake = &running.fake;
        fake.push_slash_command("/reflect", "kept for the export", USER, CHANNEL);
        until("the reflection", || !fake.private_answers().is_empty()).await;
        fake.push_slash_command("/mydata", "export", USER, CHANNEL);
        until("the upload", || fake.uploads().iter().any(|u| u.completed)).await;
        let upload = fake.uploads().into_iter().find(|u| u.completed).unwrap();
        assert!(upload.filename.ends_with(".json"), "{upload:?}");
        let document: serde_json::Value =
            serde_json::from_slice(upload.bytes.as_ref().unwrap()).unwrap();
        assert_eq!(document["reflections"][0]["text"], "kept for the export");
        let shared_in = upload.channel.clone().unwrap();
        assert!(
            shared_in.starts_with('D'),
            "shared privately, in the DM: {shared_in}"
        );
        until("the message about it", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Your data"))
        })
        .await;
        assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
    }

    #[tokio::test]
    async fn two_connections_are_kept_and_a_disconnect_loses_nothing() {
        let running = start().await;
        let fake = &running.fake;
        assert!(
            fake.wait_for_connections(2, Duration::from_secs(10)).await,
            "at least two Socket Mode connections"
        );
        let before = fake.connects();
        fake.disconnect("refresh_requested", Duration::from_millis(100));
        // Sent while the connections are being replaced: queued, then delivered and answered.
        let pushed = fake.push_slash_command("/reflect", "Across a reconnect", USER, CHANNEL);
        // An envelope that reached a closing connection is not acked; Slack then sends it
        // again, as the fake does here, and the new connections take it.
        let mut acked = None;
        for _ in 0..4 {
            acked = fake
                .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
                .await;
            if acked.is_some() {
                break;
            }
            fake.redeliver(&pushed.envelope_id);
        }
        acked.expect("acknowledged after the reconnect");
        until("the answer", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("Reflection saved"))
        })
        .await;
        until("the reconnects", || fake.connects() >= before + 2).await;
    }

    #[tokio::test]
    async fn a_thread_reply_delivered_twice_is_kept_once() {
        let running = start().await;
        let fake = &running.fake;
        // A scheduled nudge, as the scheduler would post it, then a reply in its thread.
        let storage = &running.db.storage;
        let coach_postman = shiftcoach::adapters::slack::postman::SlackPostman::new(
            &fake.api_base(),
            &SecretString::from(BOT_TOKEN),
        )
        .unwrap();
        let nudge = super::nudge(shiftcoach::core::Destination::Channel(CHANNEL.into()));
        let id = shiftcoach::core::Postman::send(
            &coach_postman,
            TEAM_ID,
            &nudge,
            Some(shiftcoach::core::SendKey::first("k")),
        )
        .await
        .unwrap();
        let (_, ts) = id.split_once('/').unwrap();
        let reply = json!({
            "type": "message", "channel": CHANNEL, "channel_type": "channel", "user": USER,
            "text": "We track the wrong metric", "ts": "1800000000.000200", "thread_ts": ts
        });
        let first = fake.push_event(reply.clone(), "Ev0REPLY1");
        fake.wait_for_ack(&first.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        // Slack sends the same event again (a retry, or to another connection).
        fake.push_event(reply, "Ev0REPLY1");
        until("an answer to the reply", || {
            !fake.private_answers().is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The nudge is not in storage as a delivery, so the core says so, once; what matters
        // is that the event was handled once.
        assert_eq!(
            fake.private_answers().len(),
            1,
            "{:?}",
            ephemeral_texts(fake)
        );
        assert!(
            !storage
                .claim_event(
                    shiftcoach::storage::Platform::Slack,
                    "Ev0REPLY1",
                    chrono::Utc::now()
                )
                .await
                .unwrap()
        );
    }

    /// PostgreSQL stops while people use the bot in Slack: a message in the bot's DM and a
    /// form answer are kept and the person told so, a command is asked to wait, and once the
    /// database is back what was kept is stored, in order, once.
    #[tokio::test]
    async fn a_database_outage_keeps_what_people_write_and_asks_commands_to_wait() {
        let pg = crate::support::DedicatedPostgres::start();
        let running = start_on(TestDb::at(&pg.url).await).await;
        let fake = &running.fake;
        // The person's DM with the bot, and a reflection form opened while all is well.
        let dm = open_dm(fake).await;
        let view = open_reflection_form(fake).await;

        pg.stop();
        let message = json!({
            "type": "message", "channel": dm, "channel_type": "im", "user": USER,
            "text": "Written in the DM during the outage", "ts": "1800000000.000500"
        });
        fake.push_event(message, "Ev0OUTAGE1");
        until("the DM's answer", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("I kept what you wrote"))
        })
        .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        fake.push_interactive(submission(
            &view,
            "V9",
            "Written in the form during the outage",
        ));

        until("the form's answer", || {
            ephemeral_texts(fake)
                .iter()
                .filter(|t| t.contains("I kept what you wrote"))
                .count()
                == 2
        })
        .await;
        let command = fake.push_slash_command("/journal", "", USER, CHANNEL);
        let ack = fake
            .wait_for_ack(&command.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        assert!(ack.latency.unwrap() < Duration::from_secs(1), "{ack:?}");
        until("the command's answer", || {
            ephemeral_texts(fake)
                .iter()
                .any(|t| t.contains("try again in a moment"))
        })
        .await;
        assert_eq!(running.coach.kept(), 2);

        pg.start_again();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while running.coach.kept() > 0 {
            assert!(std::time::Instant::now() < deadline, "kept answers stored");
            running.coach.store_kept().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let identity =
            shiftcoach::storage::Identity::new(shiftcoach::storage::Platform::Slack, TEAM_ID, USER);
        let storage = &running.db.storage;
        let user = storage
            .user_for(&identity, chrono::Utc::now())
            .await
            .unwrap();
        let stored: Vec<String> = storage
            .all_reflections(user)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.body)
            .collect();
        assert_eq!(
            stored,
            [
                "Written in the DM during the outage",
                "Written in the form during the outage"
            ]
        );
        assert!(
            fake.rejections().is_empty(),
            "Slack would refuse: {:?}",
            fake.rejections()
        );
    }
}

/// `shiftcoach run` with Slack alone, through the binary, against the fake.
pub(crate) mod binary {
    use std::{
        process::{Command, Stdio},
        time::{Duration, Instant},
    };

    use crate::fake_slack::{APP_TOKEN, BOT_TOKEN, CHANNEL, FakeSlack, USER};

    const BIN: &str = env!("CARGO_BIN_EXE_shiftcoach");

    pub(crate) fn run(
        fake: &FakeSlack,
        dir: &std::path::Path,
        env: &[(&str, &str)],
    ) -> std::process::Child {
        Command::new(BIN)
            .arg("run")
            .env_clear()
            .env("SLACK_API_BASE", fake.api_base())
            .env("SHIFTCOACH_DATA_DIR", dir)
            .env("SHIFTCOACH_HTTP_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap()
    }

    /// Waits for the process to end, while the fake (on this runtime) keeps answering it.
    async fn wait(child: &mut std::process::Child) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn run_serves_slack_alone_and_stops_cleanly() {
        let fake = FakeSlack::start().await;
        let dir = tempfile::tempdir().unwrap();
        let mut child = run(
            &fake,
            dir.path(),
            &[
                ("SLACK_BOT_TOKEN", BOT_TOKEN),
                ("SLACK_APP_TOKEN", APP_TOKEN),
            ],
        );
        assert!(fake.wait_for_connections(1, Duration::from_secs(20)).await);
        let pushed = fake.push_slash_command("/help", "", USER, CHANNEL);
        let ack = fake
            .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
            .await
            .expect("acknowledged");
        assert!(ack.latency.unwrap() < Duration::from_secs(1));
        let deadline = Instant::now() + Duration::from_secs(20);
        while fake.private_answers().is_empty() {
            assert!(Instant::now() < deadline, "no answer to /help");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        assert!(wait(&mut child).await.success());
        let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
        for token in [BOT_TOKEN, APP_TOKEN] {
            assert!(!log.contains(token), "a token reached the log");
        }
    }

    /// Discord and Slack configured together: one process serves both; on Slack an admin's
    /// `/nudges set` checks the channel, and `/nudges now` posts the nudge with blocks and its
    /// delivery metadata once, through a 429.
    #[tokio::test]
    async fn run_serves_discord_and_slack_at_once_and_posts_a_slack_nudge_once() {
        use crate::{
            discord::service::{schedule_and_send_now, start_with, until},
            fake_discord::{FakeDiscord, TOKEN},
            fake_slack::User,
        };
        let discord = FakeDiscord::start().await;
        let slack = FakeSlack::start().await;
        slack.add_user(User {
            id: "U0ADMIN".into(),
            name: "grace".into(),
            tz: "Asia/Tokyo".into(),
            tz_offset: 32400,
            is_admin: true,
            is_owner: false,
        });
        let api_base = slack.api_base();
        let running = start_with(
            &discord,
            TOKEN,
            &[
                ("SLACK_BOT_TOKEN", BOT_TOKEN),
                ("SLACK_APP_TOKEN", APP_TOKEN),
                ("SLACK_API_BASE", &api_base),
            ],
        );
        until("the bot to identify on Discord", || {
            discord.sessions().0 == 1
        })
        .await;
        assert!(slack.wait_for_connections(2, Duration::from_secs(20)).await);

        // Discord answers and sends its nudge.
        schedule_and_send_now(&discord, 1).await;
        until("the Discord nudge", || {
            discord
                .requests_to("POST", "/api/v10/channels/")
                .iter()
                .any(|r| r.path.ends_with("/messages"))
        })
        .await;

        // Slack: an admin schedules nudges here; the channel is checked first.
        slack.push_slash_command("/nudges", "set daily 09:00 UTC", "U0ADMIN", CHANNEL);
        until("the schedule's confirmation", || {
            !slack.private_answers().is_empty()
        })
        .await;
        let confirmation = format!("{:?}", slack.private_answers()[0]);
        assert!(confirmation.contains("Nudges scheduled"), "{confirmation}");
        assert_eq!(slack.calls("conversations.info").len(), 1);

        // The first post is refused with a 429; the nudge arrives once after Retry-After.
        slack.rate_limit("chat.postMessage", 1, 1);
        slack.push_slash_command("/nudges", "now", "U0ADMIN", CHANNEL);
        until("the Slack nudge", || !slack.messages(CHANNEL).is_empty()).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let posted = slack.messages(CHANNEL);
        assert_eq!(posted.len(), 1, "{posted:?}");
        assert!(posted[0].blocks.is_some(), "posted with blocks");
        assert_eq!(
            posted[0].metadata.as_ref().unwrap()["event_type"],
            "shiftcoach_delivery"
        );
        assert!(slack.posts().len() >= 2, "the 429 was retried");
        assert!(slack.rejections().is_empty(), "{:?}", slack.rejections());
        let log = running.log();
        for token in [BOT_TOKEN, APP_TOKEN, TOKEN] {
            assert!(!log.contains(token), "a token reached the log");
        }
    }

    #[tokio::test]
    async fn a_bad_slack_configuration_exits_2_saying_what_to_fix() {
        let fake = FakeSlack::start().await;
        for (env, expected) in [
            (
                vec![
                    ("SLACK_BOT_TOKEN", "xoxb-not-the-token"),
                    ("SLACK_APP_TOKEN", APP_TOKEN),
                ],
                "SLACK_BOT_TOKEN was rejected",
            ),
            (
                vec![("SLACK_BOT_TOKEN", BOT_TOKEN)],
                "SLACK_APP_TOKEN is missing",
            ),
            (
                vec![
                    ("SLACK_BOT_TOKEN", BOT_TOKEN),
                    ("SLACK_SIGNING_SECRET", "s3cr3t"),
                    ("SLACK_HTTP_ADDR", "192.0.2.1:1"),
                ],
                "SLACK_HTTP_ADDR: cannot listen",
            ),
            (
                vec![("SLACK_APP_TOKEN", APP_TOKEN)],
                "SLACK_BOT_TOKEN is missing",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut child = run(&fake, dir.path(), &env);
            assert_eq!(wait(&mut child).await.code(), Some(2), "{env:?}");
            let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
            assert!(log.contains(expected), "{env:?}: {log}");
            assert!(!log.contains("xoxb-not-the-token") && !log.contains("s3cr3t"));
        }
    }

    #[tokio::test]
    async fn http_mode_accepts_signed_requests_only_and_answers_the_challenge() {
        use crate::fake_slack::{SIGNING_SECRET, form_encode, sign};

        let fake = FakeSlack::start().await;
        let dir = tempfile::tempdir().unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let addr = format!("127.0.0.1:{port}");
        let mut child = run(
            &fake,
            dir.path(),
            &[
                ("SLACK_BOT_TOKEN", BOT_TOKEN),
                ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
                ("SLACK_HTTP_ADDR", &addr),
            ],
        );
        let http = reqwest::Client::new();
        let base = format!("http://{addr}");
        let post =
            |path: &str, body: String, content_type: &str, timestamp: i64, signature: String| {
                http.post(format!("{base}{path}"))
                    .header("content-type", content_type)
                    .header("x-slack-request-timestamp", timestamp.to_string())
                    .header("x-slack-signature", signature)
                    .body(body)
            };
        let now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64
        };
        // The challenge, once the listener is up.
        let deadline = Instant::now() + Duration::from_secs(20);
        let challenge = loop {
            let body =
                r#"{"type":"url_verification","token":"t","challenge":"c4ll3ng3"}"#.to_owned();
            let ts = now();
            let signature = sign(SIGNING_SECRET, ts, &body);
            match post("/slack/events", body, "application/json", ts, signature)
                .send()
                .await
            {
                Ok(response) => break response,
                Err(_) => {
                    assert!(Instant::now() < deadline, "HTTP mode never listened");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        assert_eq!(challenge.status(), 200);
        let answer: serde_json::Value = challenge.json().await.unwrap();
        assert_eq!(answer["challenge"], "c4ll3ng3");

        let command =
            form_encode(&fake.slash_command_payload("/reflect", "Signed and kept", USER, CHANNEL));
        // Tampered, stale and unsigned requests are refused and do nothing.
        let ts = now();
        let good = sign(SIGNING_SECRET, ts, &command);
        let tampered = command.replace("Signed", "Forged");
        let form = "application/x-www-form-urlencoded";
        for (body, timestamp, signature) in [
            (tampered, ts, good.clone()),
            (
                command.clone(),
                ts - 600,
                sign(SIGNING_SECRET, ts - 600, &command),
            ),
            (command.clone(), ts, "v0=00".to_owned()),
        ] {
            let response = post("/slack/commands", body, form, timestamp, signature)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401);
        }
        let unsigned = http
            .post(format!("{base}/slack/commands"))
            .body(command.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status(), 401);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            fake.private_answers().is_empty(),
            "a refused request did nothing"
        );

        // The signed one is acknowledged at once and answered.
        let started = Instant::now();
        let (command_again, good_again) = (command.clone(), good.clone());
        let response = post("/slack/commands", command, form, ts, good)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(1));
        let deadline = Instant::now() + Duration::from_secs(20);
        while fake.private_answers().is_empty() {
            assert!(Instant::now() < deadline, "no answer");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let text = fake.private_answers()[0].text.clone().unwrap_or_default();
        assert!(text.contains("Reflection saved"), "{text}");
        // Slack retries a request it thinks went unanswered (`X-Slack-Retry-Num`): the same
        // command, the same trigger, is answered once.
        let retry = post("/slack/commands", command_again, form, ts, good_again)
            .header("x-slack-retry-num", "1")
            .header("x-slack-retry-reason", "http_timeout")
            .send()
            .await
            .unwrap();
        assert_eq!(retry.status(), 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            fake.private_answers().len(),
            1,
            "a retried command is answered once"
        );
        let _ = child.kill();
        let _ = wait(&mut child).await;
    }
}

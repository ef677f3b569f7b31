//! The fake Slack refuses what Slack refuses. These tests drive slack-morphism's real client
//! against it (plain HTTP through `with_slack_api_url`), raw HTTP where slack-morphism cannot
//! send what is being checked (no token, a form body), and for Socket Mode both a plain
//! tokio-tungstenite client (to see every frame) and slack-morphism's own listener.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use slack_morphism::{
    errors::SlackClientError, prelude::*, signature_verifier::SlackEventSignatureVerifier,
};
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::fake_slack::{
    APP_TOKEN, BOT_TOKEN, CHANNEL, FakeSlack, RESPONSE_URL_USES, SIGNING_SECRET, TokenKind, USER,
    User, form_encode, sign, signed_headers,
};

type Client = SlackClient<SlackClientHyperConnector<HttpConnector>>;

fn client(fake: &FakeSlack) -> Client {
    SlackClient::new(
        SlackClientHyperConnector::with_connector(HttpConnector::new())
            .with_slack_api_url(&fake.api_base()),
    )
}

fn token(value: &str) -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue(value.to_owned()))
}

/// The Slack error code (and `errors` lines) of a refused call.
fn refusal<T: std::fmt::Debug>(result: ClientResult<T>) -> (String, Vec<String>) {
    match result {
        Err(SlackClientError::ApiError(error)) => (error.code, error.errors.unwrap_or_default()),
        other => panic!("expected Slack to refuse the call, got {other:?}"),
    }
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!(text)).into()
}

fn post(blocks: Vec<SlackBlock>) -> SlackApiChatPostMessageRequest {
    SlackApiChatPostMessageRequest::new(
        CHANNEL.into(),
        SlackMessageContent::new()
            .with_text("fallback".into())
            .with_blocks(blocks),
    )
}

fn modal(title: &str) -> SlackView {
    SlackView::Modal(SlackModalView::new(pt!(title), vec![section("Reflect")]))
}

#[tokio::test]
async fn a_valid_post_is_accepted_and_its_metadata_comes_back_only_on_request() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    let button = SlackBlockButtonElement::new(pt!("Done")).with_action_id("done:1".into());
    let blocks = vec![
        SlackHeaderBlock::new(pt!("Weekly nudge")).into(),
        section(&"a".repeat(3000)),
        SlackActionsBlock::new(vec![button.into()]).into(),
    ];
    let metadata = SlackMessageMetadata::new("shiftcoach_nudge".into()).with_event_payload(
        [("nudge".to_owned(), "42".to_owned())]
            .into_iter()
            .collect(),
    );
    let mut request = post(blocks);
    request.content = request.content.with_metadata(metadata);
    let posted = session.chat_post_message(&request).await.unwrap();
    assert_eq!(posted.channel.0, CHANNEL);
    let stored = fake.messages(CHANNEL);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].ts, posted.ts.0);
    assert_eq!(fake.posts()[0].token, TokenKind::Bot);
    assert_eq!(fake.posts()[0].path, "/api/chat.postMessage");
    assert!(
        fake.posts()[0]
            .headers
            .iter()
            .all(|(name, _)| name != "authorization")
    );

    let history = SlackApiConversationsHistoryRequest::new().with_channel(CHANNEL.into());
    let plain = session.conversations_history(&history).await.unwrap();
    assert_eq!(plain.messages.len(), 1);
    assert_eq!(plain.messages[0].content.metadata, None);
    let full = session
        .conversations_history(&history.with_include_all_metadata(true))
        .await
        .unwrap();
    let event_type = full.messages[0].content.metadata.as_ref().unwrap();
    assert_eq!(event_type.event_type, "shiftcoach_nudge");
}

#[tokio::test]
async fn blocks_over_slacks_limits_are_refused_with_invalid_blocks() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);

    let long_section = post(vec![section(&"a".repeat(3001))]);
    let (code, errors) = refusal(session.chat_post_message(&long_section).await);
    assert_eq!(code, "invalid_blocks");
    assert_eq!(
        errors,
        vec!["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    );
    let rejection = fake.rejections().pop().unwrap();
    assert_eq!(
        rejection.body["response_metadata"]["messages"][0],
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    );

    let fifty_one = post((0..51).map(|i| section(&format!("{i}"))).collect());
    let (code, errors) = refusal(session.chat_post_message(&fifty_one).await);
    assert_eq!(code, "invalid_blocks");
    assert_eq!(
        errors,
        vec!["no more than 50 items allowed [json-pointer:/blocks]"]
    );
    let fifty = post((0..50).map(|i| section(&format!("{i}"))).collect());
    session.chat_post_message(&fifty).await.unwrap();

    let header = post(vec![SlackHeaderBlock::new(pt!("h".repeat(151))).into()]);
    let (code, errors) = refusal(session.chat_post_message(&header).await);
    assert_eq!(code, "invalid_blocks");
    assert!(errors[0].ends_with("[json-pointer:/blocks/0/text/text]"));

    let button = SlackBlockButtonElement::new(pt!("b".repeat(76)))
        .with_action_id("b".repeat(256).into())
        .with_value("v".repeat(2001));
    let actions = post(vec![SlackActionsBlock::new(vec![button.into()]).into()]);
    let (_, errors) = refusal(session.chat_post_message(&actions).await);
    let pointers: Vec<&str> = errors
        .iter()
        .map(|e| e.split("json-pointer:").nth(1).unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/blocks/0/elements/0/action_id]",
            "/blocks/0/elements/0/text/text]",
            "/blocks/0/elements/0/value]"
        ]
    );

    let too_long = SlackApiChatPostMessageRequest::new(
        CHANNEL.into(),
        SlackMessageContent::new().with_text("x".repeat(40_001)),
    );
    assert_eq!(
        refusal(session.chat_post_message(&too_long).await).0,
        "msg_too_long"
    );
    let empty = SlackApiChatPostMessageRequest::new(CHANNEL.into(), SlackMessageContent::new());
    assert_eq!(
        refusal(session.chat_post_message(&empty).await).0,
        "no_text"
    );
    assert_eq!(fake.messages(CHANNEL).len(), 1);
}

#[tokio::test]
async fn channels_refuse_posts_like_slack() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C0OUTSIDE", false);
    fake.add_channel("C0ARCHIVED", true);
    fake.archive_channel("C0ARCHIVED");
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    for (channel, error) in [
        ("C0NOWHERE", "channel_not_found"),
        ("C0OUTSIDE", "not_in_channel"),
        ("C0ARCHIVED", "is_archived"),
    ] {
        let mut request = post(vec![section("hi")]);
        request.channel = channel.into();
        assert_eq!(refusal(session.chat_post_message(&request).await).0, error);
    }
}

#[tokio::test]
async fn tokens_are_checked_like_slack() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let wrong = token("xoxb-not-the-token");
    let (code, _) = refusal(
        client
            .open_session(&wrong)
            .chat_post_message(&post(vec![section("hi")]))
            .await,
    );
    assert_eq!(code, "invalid_auth");
    let app = token(APP_TOKEN);
    let (code, _) = refusal(client.open_session(&app).auth_test().await);
    assert_eq!(code, "not_allowed_token_type");
    let bot = token(BOT_TOKEN);
    let (code, _) = refusal(
        client
            .open_session(&bot)
            .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
            .await,
    );
    assert_eq!(code, "not_allowed_token_type");
    let tested = client.open_session(&bot).auth_test().await.unwrap();
    assert_eq!(tested.user_id.0, crate::fake_slack::BOT_USER_ID);

    // No token at all, and a form-encoded body with the token as a field.
    let http = reqwest::Client::new();
    let url = format!("{}/chat.postMessage", fake.api_base());
    let none: Value = http
        .post(&url)
        .json(&json!({ "channel": CHANNEL, "text": "hi" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!({ "ok": false, "error": "not_authed" }));
    let form = form_encode(&json!({
        "token": BOT_TOKEN, "channel": CHANNEL, "text": "hi",
        "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": "*hi*" } }]
    }));
    let posted: Value = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["ok"], true, "{posted}");
    assert_eq!(
        fake.messages(CHANNEL)[0].blocks.as_ref().unwrap()[0]["type"],
        "section"
    );

    // A base with a trailing slash makes `/api//method`: unknown_method.
    let doubled = http
        .post(format!("{}/auth.test", fake.api_base() + "/"))
        .bearer_auth(BOT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(doubled.status(), 404);
}

#[tokio::test]
async fn a_scripted_429_carries_retry_after() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    fake.rate_limit("chat.postMessage", 1, 7);
    match session.chat_post_message(&post(vec![section("hi")])).await {
        Err(SlackClientError::RateLimitError(error)) => {
            assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
            assert_eq!(error.code.as_deref(), Some("ratelimited"));
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    session
        .chat_post_message(&post(vec![section("hi")]))
        .await
        .unwrap();

    fake.rate_limit_channel(CHANNEL, 2, 1);
    for _ in 0..2 {
        let result = session
            .chat_post_message(&post(vec![section("again")]))
            .await;
        assert!(matches!(result, Err(SlackClientError::RateLimitError(_))));
    }
    session
        .chat_post_message(&post(vec![section("again")]))
        .await
        .unwrap();
    let posts = fake.posts();
    assert_eq!(posts.len(), 5);
    assert!(posts.windows(2).all(|pair| pair[0].at <= pair[1].at));
    assert!(fake.rejections().is_empty());
}

#[tokio::test]
async fn views_open_needs_a_fresh_unused_trigger_and_a_valid_modal() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    let open =
        |trigger: String, view: SlackView| SlackApiViewsOpenRequest::new(trigger.into(), view);

    let stale = fake.issue_trigger_id_aged(Duration::from_millis(3100));
    let (code, _) = refusal(session.views_open(&open(stale, modal("Reflect"))).await);
    assert_eq!(code, "expired_trigger_id");
    let (code, _) = refusal(
        session
            .views_open(&open("1.2.unknown".to_owned(), modal("Reflect")))
            .await,
    );
    assert_eq!(code, "invalid_trigger_id");

    let trigger = fake.issue_trigger_id();
    let (code, errors) = refusal(
        session
            .views_open(&open(trigger.clone(), modal(&"t".repeat(25))))
            .await,
    );
    assert_eq!(code, "invalid_arguments");
    assert_eq!(
        errors,
        vec!["must be less than 25 characters [json-pointer:/view/title/text]"]
    );
    // The refused view did not use the trigger up.
    let opened = session
        .views_open(&open(trigger.clone(), modal(&"t".repeat(24))))
        .await
        .unwrap();
    assert!(opened.view.state_params.id.0.starts_with('V'));
    let (code, _) = refusal(session.views_open(&open(trigger, modal("Again"))).await);
    assert_eq!(code, "exchanged_trigger_id");
    assert_eq!(fake.opened_views().len(), 1);

    // An input block needs a submit button.
    let input = SlackInputBlock::new(
        pt!("Your reflection"),
        SlackBlockPlainTextInputElement::new()
            .with_action_id("text".into())
            .into(),
    );
    let view = SlackView::Modal(SlackModalView::new(pt!("Reflect"), vec![input.into()]));
    let (code, errors) = refusal(
        session
            .views_open(&open(fake.issue_trigger_id(), view))
            .await,
    );
    assert_eq!(code, "invalid_arguments");
    assert!(errors[0].ends_with("[json-pointer:/view/submit]"));
}

#[tokio::test]
async fn the_file_upload_flow_works_end_to_end_and_needs_the_upload() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    let bytes = b"week,score\n1,3\n".to_vec();

    let url = session
        .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
            "scores.csv".to_owned(),
            bytes.len(),
        ))
        .await
        .unwrap();
    session
        .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
            url.upload_url.clone(),
            bytes.clone(),
            "text/csv".to_owned(),
        ))
        .await
        .unwrap();
    let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
        SlackApiFilesComplete::new(url.file_id.clone()).with_title("Scores".to_owned()),
    ])
    .with_channel_id(CHANNEL.into())
    .with_initial_comment("Your scores".to_owned());
    let done = session
        .files_complete_upload_external(&complete)
        .await
        .unwrap();
    assert_eq!(done.files[0].id, url.file_id);
    let upload = &fake.uploads()[0];
    assert_eq!(upload.length, bytes.len() as u64);
    assert_eq!(upload.bytes.as_deref(), Some(bytes.as_slice()));
    assert_eq!(upload.title.as_deref(), Some("Scores"));
    assert_eq!(upload.channel.as_deref(), Some(CHANNEL));
    let shared = &fake.messages(CHANNEL)[0];
    assert_eq!(shared.text.as_deref(), Some("Your scores"));
    assert_eq!(shared.files.len(), 1);

    // Completing again, or completing a file never uploaded, is refused.
    let (code, _) = refusal(session.files_complete_upload_external(&complete).await);
    assert_eq!(code, "file_not_found");
    let never = session
        .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
            "never.csv".to_owned(),
            3,
        ))
        .await
        .unwrap();
    let (code, _) = refusal(
        session
            .files_complete_upload_external(&SlackApiFilesCompleteUploadExternalRequest::new(vec![
                SlackApiFilesComplete::new(never.file_id),
            ]))
            .await,
    );
    assert_eq!(code, "file_not_found");
}

#[tokio::test]
async fn users_dms_ephemerals_and_updates() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let bot = token(BOT_TOKEN);
    let session = client.open_session(&bot);
    let user = session
        .users_info(&SlackApiUsersInfoRequest::new(USER.into()))
        .await
        .unwrap()
        .user;
    assert_eq!(user.tz.as_deref(), Some("Europe/Paris"));
    assert_eq!(user.tz_offset, Some(3600));
    assert_eq!(user.flags.is_admin, Some(false));
    fake.add_user(User {
        id: "U0FAKEBOSS".to_owned(),
        name: "grace".to_owned(),
        tz: "America/New_York".to_owned(),
        tz_offset: -18000,
        is_admin: true,
        is_owner: true,
    });
    let boss = session
        .users_info(&SlackApiUsersInfoRequest::new("U0FAKEBOSS".into()))
        .await
        .unwrap()
        .user;
    assert_eq!(
        (boss.flags.is_admin, boss.flags.is_owner),
        (Some(true), Some(true))
    );
    assert_eq!(boss.tz_offset, Some(-18000));
    let (code, _) = refusal(
        session
            .users_info(&SlackApiUsersInfoRequest::new("U0NOBODY".into()))
            .await,
    );
    assert_eq!(code, "user_not_found");

    let open = SlackApiConversationsOpenRequest::new().with_users(vec![USER.into()]);
    let dm = session.conversations_open(&open).await.unwrap();
    assert!(dm.channel.id.0.starts_with('D'));
    let again = session.conversations_open(&open).await.unwrap();
    assert_eq!(again.already_open, Some(true));

    let mut request = post(vec![section("hello")]);
    request.channel = dm.channel.id.clone();
    let posted = session.chat_post_message(&request).await.unwrap();
    let update = SlackApiChatUpdateRequest::new(
        dm.channel.id.clone(),
        SlackMessageContent::new().with_text("edited".into()),
        posted.ts.clone(),
    );
    session.chat_update(&update).await.unwrap();
    assert_eq!(
        fake.messages(&dm.channel.id.0)[0].text.as_deref(),
        Some("edited")
    );
    let missing = SlackApiChatUpdateRequest::new(
        dm.channel.id.clone(),
        SlackMessageContent::new().with_text("edited".into()),
        "1.000001".into(),
    );
    assert_eq!(
        refusal(session.chat_update(&missing).await).0,
        "message_not_found"
    );

    let ephemeral = SlackApiChatPostEphemeralRequest::new(
        CHANNEL.into(),
        USER.into(),
        SlackMessageContent::new().with_text("only you".into()),
    );
    session.chat_post_ephemeral(&ephemeral).await.unwrap();
    assert_eq!(fake.ephemerals().len(), 1);
    assert!(fake.messages(CHANNEL).is_empty());
}

#[tokio::test]
async fn a_response_url_takes_five_posts_then_refuses() {
    let fake = FakeSlack::start().await;
    let url = fake.issue_response_url();
    let http = reqwest::Client::new();
    for _ in 0..RESPONSE_URL_USES {
        let answer = http
            .post(&url)
            .json(&json!({ "text": "ok", "response_type": "ephemeral" }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let sixth = http
        .post(&url)
        .json(&json!({ "text": "ok" }))
        .send()
        .await
        .unwrap();
    assert_eq!(sixth.status(), 404);
    assert_eq!(fake.responses().len(), RESPONSE_URL_USES);
    let used = &fake.rejections()[0];
    assert_eq!((used.status, used.error.as_str()), (404, "used_url"));
    assert_eq!(
        used.request.path,
        url.trim_start_matches(&format!("http://{}", fake.addr))
    );

    let old = fake.issue_response_url_aged(Duration::from_secs(31 * 60));
    let late = http
        .post(&old)
        .json(&json!({ "text": "ok" }))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 404);
    let bad = http
        .post(fake.issue_response_url())
        .json(&json!({ "blocks": [{ "type": "carousel" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(fake.rejections().last().unwrap().error, "invalid_blocks");
}

#[test]
fn requests_are_signed_the_way_slack_morphism_verifies() {
    let body = form_encode(&json!({ "command": "/coach", "text": "help" }));
    let [(_, timestamp), (_, signature)] = signed_headers(&body);
    let verifier =
        SlackEventSignatureVerifier::new(&SlackSigningSecret::new(SIGNING_SECRET.into()));
    verifier.verify(&signature, &body, &timestamp).unwrap();
    assert!(
        verifier
            .verify(
                &sign("another secret", timestamp.parse().unwrap(), &body),
                &body,
                &timestamp
            )
            .is_err()
    );
}

/// slack-morphism 2.31 keeps its Socket Mode frame model private: this checks the fields it
/// requires and parses the payloads with its public event models.
fn parses_as_slack_morphism_expects(frame: &Value) {
    match frame["type"].as_str().unwrap() {
        "hello" => {
            assert!(frame["connection_info"]["app_id"].is_string());
            assert!(frame["num_connections"].is_u64());
            assert!(frame["debug_info"]["host"].is_string());
        }
        "disconnect" => {
            assert!(frame["reason"].is_string());
            assert!(frame["debug_info"]["host"].is_string());
        }
        kind => {
            assert!(frame["envelope_id"].is_string());
            assert!(frame["accepts_response_payload"].is_boolean());
            let payload = frame["payload"].clone();
            match kind {
                "slash_commands" => {
                    drop(serde_json::from_value::<SlackCommandEvent>(payload).unwrap())
                }
                "interactive" => {
                    drop(serde_json::from_value::<SlackInteractionEvent>(payload).unwrap())
                }
                "events_api" => {
                    drop(serde_json::from_value::<SlackPushEventCallback>(payload).unwrap())
                }
                other => panic!("unexpected frame type {other}"),
            }
        }
    }
}

async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Frame, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("the socket is open")
            .unwrap();
        if let Frame::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn socket_mode_says_hello_delivers_envelopes_records_acks_and_disconnects() {
    let fake = FakeSlack::start().await;
    let client = client(&fake);
    let app = token(APP_TOKEN);
    let session = client.open_session(&app);
    let opened = session
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .unwrap();
    let url = opened.url.0.to_string();
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let hello = next_json(&mut socket).await;
    assert_eq!(hello["type"], "hello");
    parses_as_slack_morphism_expects(&hello);
    assert_eq!(fake.connections(), 1);
    // The URL works once.
    assert!(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .is_err()
    );

    let pushed = fake.push_slash_command("/coach", "help", USER, CHANNEL);
    let envelope = next_json(&mut socket).await;
    assert_eq!(envelope["envelope_id"], pushed.envelope_id.as_str());
    assert_eq!(envelope["type"], "slash_commands");
    assert_eq!(envelope["accepts_response_payload"], true);
    parses_as_slack_morphism_expects(&envelope);
    let ack = json!({ "envelope_id": pushed.envelope_id, "payload": { "text": "On it" } });
    socket.send(Frame::Text(ack.to_string())).await.unwrap();
    let acked = fake
        .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(acked.latency.unwrap() < Duration::from_secs(3));
    assert_eq!(acked.payload.as_ref().unwrap()["text"], "On it");
    assert!(!fake.redeliver(&pushed.envelope_id));
    // The slash command's trigger opens a view.
    let bot = token(BOT_TOKEN);
    let trigger = pushed.trigger_id.unwrap();
    client
        .open_session(&bot)
        .views_open(&SlackApiViewsOpenRequest::new(
            trigger.into(),
            modal("Reflect"),
        ))
        .await
        .unwrap();

    // An event left unacked comes again, marked as a retry.
    let event = json!({ "type": "app_mention", "user": USER, "text": "<@U0FAKEBOT1> hi",
        "ts": "1700000000.000100", "channel": CHANNEL, "event_ts": "1700000000.000100" });
    let pushed = fake.push_event(event, "Ev0FAKE1");
    let first = next_json(&mut socket).await;
    assert_eq!(first["retry_attempt"], 0);
    parses_as_slack_morphism_expects(&first);
    assert_eq!(fake.unacked(), vec![pushed.envelope_id.clone()]);
    assert!(fake.redeliver(&pushed.envelope_id));
    let again = next_json(&mut socket).await;
    assert_eq!(again["envelope_id"], pushed.envelope_id.as_str());
    assert_eq!(again["retry_attempt"], 1);
    assert_eq!(again["retry_reason"], "timeout");

    // Interactions parse too.
    let pushed = fake.push_interactive(json!({
        "type": "block_actions", "team": { "id": crate::fake_slack::TEAM_ID },
        "user": { "id": USER }, "api_app_id": crate::fake_slack::APP_ID,
        "container": { "type": "message", "message_ts": "1700000000.000100" },
        "channel": { "id": CHANNEL }, "message": { "ts": "1700000000.000100", "text": "hi" },
        "actions": [{ "type": "button", "action_id": "done:1", "block_id": "b",
            "action_ts": "1700000001.000200" }]
    }));
    let interactive = next_json(&mut socket).await;
    assert_eq!(
        interactive["payload"]["trigger_id"],
        pushed.trigger_id.unwrap().as_str()
    );
    assert!(pushed.response_url.is_some());
    parses_as_slack_morphism_expects(&interactive);

    // Disconnect: the frame, then the close; a new URL connects again.
    fake.disconnect("refresh_requested", Duration::from_millis(50));
    let disconnect = next_json(&mut socket).await;
    assert_eq!(disconnect["reason"], "refresh_requested");
    parses_as_slack_morphism_expects(&disconnect);
    while let Some(Ok(frame)) = socket.next().await {
        if matches!(frame, Frame::Close(_)) {
            break;
        }
    }
    drop(socket);
    let reopened = session
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(reopened.url.0.as_str())
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "hello");
    assert!(fake.wait_for_connections(1, Duration::from_secs(1)).await);
    assert_eq!(fake.connects(), 2);
    // Envelopes pushed while connected go out at once; an unacked one can go to the new link.
    assert!(fake.redeliver(&pushed.envelope_id));
    assert_eq!(
        next_json(&mut socket).await["envelope_id"],
        pushed.envelope_id.as_str()
    );
    let ack = json!({ "envelope_id": pushed.envelope_id });
    socket.send(Frame::Text(ack.to_string())).await.unwrap();
    let late = fake
        .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
        .await
        .unwrap();
    assert_ne!(late.connection, acked.connection);
    assert!(late.at > acked.at);

    // A dropped link: closed with no disconnect frame first.
    fake.drop_connections();
    assert!(matches!(
        socket.next().await,
        Some(Ok(Frame::Close(_))) | None | Some(Err(_))
    ));
    drop(socket);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(fake.connections(), 0);
}

async fn answer_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    _state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let text = format!("You said {}", event.text.unwrap_or_default());
    Ok(SlackCommandEventResponse::new(
        SlackMessageContent::new().with_text(text),
    ))
}

/// The consumer the adapter will use: slack-morphism's own Socket Mode listener connects through
/// `apps.connections.open`, acks with the command's answer, and reconnects after `disconnect`.
#[tokio::test]
async fn slack_morphisms_socket_mode_listener_connects_acks_and_reconnects() {
    let fake = FakeSlack::start().await;
    let environment = Arc::new(SlackClientEventsListenerEnvironment::new(Arc::new(client(
        &fake,
    ))));
    let callbacks = SlackSocketModeListenerCallbacks::new().with_command_events(answer_command);
    let config = SlackClientSocketModeConfig::new().with_max_connections_count(1);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener.listen_for(&token(APP_TOKEN)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), listener.start())
        .await
        .unwrap();
    assert!(fake.wait_for_connections(1, Duration::from_secs(5)).await);

    let pushed = fake.push_slash_command("/coach", "help", USER, CHANNEL);
    let ack = fake
        .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(ack.latency.unwrap() < Duration::from_secs(3));
    assert_eq!(ack.payload.unwrap()["text"], "You said help");

    fake.disconnect("refresh_requested", Duration::from_secs(1));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.connects() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.connects(), 2);
    assert!(fake.wait_for_connections(1, Duration::from_secs(5)).await);
    let pushed = fake.push_slash_command("/coach", "again", USER, CHANNEL);
    let ack = fake
        .wait_for_ack(&pushed.envelope_id, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ack.payload.unwrap()["text"], "You said again");
    listener.shutdown().await;
}

/// Raw bodies slack-morphism would not send: an unknown block type, section fields over the
/// limits, a form-encoded view, a token in a JSON body.
#[tokio::test]
async fn raw_bodies_are_judged_like_slack_judges_them() {
    let fake = FakeSlack::start().await;
    let http = reqwest::Client::new();
    let call = |method: &str, body: Value| {
        http.post(format!("{}/{method}", fake.api_base()))
            .bearer_auth(BOT_TOKEN)
            .json(&body)
            .send()
    };
    let text = |t: &str| json!({ "type": "mrkdwn", "text": t });
    let answer: Value = call(
        "chat.postMessage",
        json!({ "channel": CHANNEL, "text": "x", "blocks": [
            { "type": "carousel" },
            { "type": "section", "fields": (0..11).map(|_| text("f")).collect::<Vec<_>>() },
            { "type": "section", "fields": [text(&"f".repeat(2001))] },
            { "type": "section", "text": text("a"), "block_id": "same" },
            { "type": "divider", "block_id": "same" }
        ] }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(answer["error"], "invalid_blocks");
    let pointers: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().split("json-pointer:").nth(1).unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/blocks/0/type]",
            "/blocks/1/fields]",
            "/blocks/2/fields/0/text]",
            "/blocks/4/block_id]"
        ]
    );

    let trigger = fake.issue_trigger_id();
    let view = json!({ "type": "modal", "title": { "type": "plain_text", "text": "Reflect" },
        "blocks": [{ "type": "section", "text": text("Hi") }] });
    let form = form_encode(&json!({ "token": BOT_TOKEN, "trigger_id": trigger, "view": view }));
    let opened: Value = http
        .post(format!("{}/views.open", fake.api_base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(opened["ok"], true, "{opened}");
    assert_eq!(fake.opened_views()[0]["title"]["text"], "Reflect");

    let in_json: Value = http
        .post(format!("{}/auth.test", fake.api_base()))
        .json(&json!({ "token": BOT_TOKEN }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(in_json["error"], "not_authed");
}

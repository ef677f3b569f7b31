//! The fake Discord refuses what Discord refuses. These tests drive the real serenity client
//! against it; messages go through `Http::send_message` and friends directly, so serenity's own
//! length checks in its builders' `execute` cannot stop a request before the fake sees it.

use secrecy::SecretString;
use serde_json::json;
use serenity::{
    Error,
    all::{
        ApplicationId, AutocompleteChoice, Channel, ChannelId, CreateActionRow, CreateAttachment,
        CreateAutocompleteResponse, CreateButton, CreateEmbed, CreateInputText,
        CreateInteractionResponse, CreateInteractionResponseFollowup,
        CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse,
        InputTextStyle, InteractionId, Message, MessageFlags, UserId,
    },
    http::{Http, HttpError},
};
use shiftcoach::adapters::discord::http;

use crate::fake_discord::{
    APPLICATION_ID, FakeDiscord, GLOBAL_LIMIT, GLOBAL_WINDOW, POST_BUCKET, POST_WINDOW,
    POSTS_PER_CHANNEL, TOKEN, check_message, check_modal,
};

const CHANNEL: u64 = 1_200_000_000_000_000_011;
const MIB: usize = 1024 * 1024;

async fn client_with(fake: &FakeDiscord, token: &str) -> Http {
    let token = SecretString::from(token.to_owned());
    let client = http::build(&token, Some(&fake.base()), Some(fake.ca_pem.as_bytes()))
        .await
        .unwrap();
    client.set_application_id(ApplicationId::new(APPLICATION_ID.parse().unwrap()));
    client
}

async fn client(fake: &FakeDiscord) -> Http {
    client_with(fake, TOKEN).await
}

/// Posts `message` to the test channel with no files.
async fn post(http: &Http, message: &CreateMessage) -> serenity::Result<Message> {
    http.send_message(ChannelId::new(CHANNEL), Vec::new(), message)
        .await
}

/// How Discord refused a request: HTTP status, JSON error code, and each problem as
/// (path, code).
fn refusal<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, Vec<(String, String)>) {
    match result {
        Err(Error::Http(HttpError::UnsuccessfulRequest(response))) => (
            response.status_code.as_u16(),
            response.error.code,
            response
                .error
                .errors
                .into_iter()
                .map(|error| (error.path, error.code))
                .collect(),
        ),
        other => panic!("expected Discord to refuse the request, got {other:?}"),
    }
}

fn problem(path: &str, code: &str) -> Vec<(String, String)> {
    vec![(path.to_owned(), code.to_owned())]
}

fn message_answer(content: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(content))
}

fn reflection_modal(title: &str) -> CreateInteractionResponse {
    let input =
        CreateInputText::new(InputTextStyle::Paragraph, "Your reflection", "text").max_length(4000);
    CreateInteractionResponse::Modal(
        CreateModal::new("reflect:42", title).components(vec![CreateActionRow::InputText(input)]),
    )
}

#[tokio::test]
async fn a_description_of_4097_characters_is_refused_with_50035() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let long = CreateMessage::new().embed(CreateEmbed::new().description("a".repeat(4097)));
    assert_eq!(
        refusal(post(&http, &long).await),
        (
            400,
            50035,
            problem("embeds.0.description", "BASE_TYPE_MAX_LENGTH")
        )
    );
    let (_, status, body) = fake.rejections().pop().unwrap();
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "code": 50035, "message": "Invalid Form Body", "errors": { "embeds": { "0": {
            "description": { "_errors": [
                { "code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 4096 or fewer in length." }
            ] }
        } } } })
    );

    // Characters, not bytes: 4,096 two-byte characters fit.
    let wide = CreateMessage::new().embed(CreateEmbed::new().description("é".repeat(4096)));
    post(&http, &wide).await.unwrap();
}

#[tokio::test]
async fn embeds_over_6000_characters_together_are_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let first = CreateEmbed::new()
        .title("t".repeat(256))
        .description("d".repeat(4096));
    let second = |length: usize| CreateEmbed::new().description("d".repeat(length));

    let exactly = CreateMessage::new().embeds(vec![first.clone(), second(1648)]);
    post(&http, &exactly).await.unwrap();

    let over = CreateMessage::new().embeds(vec![first, second(1649)]);
    assert_eq!(
        refusal(post(&http, &over).await),
        (400, 50035, problem("embeds", "MAX_EMBED_SIZE_EXCEEDED"))
    );
}

#[tokio::test]
async fn eleven_embeds_are_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let embeds = |count: usize| {
        (0..count)
            .map(|i| CreateEmbed::new().title(format!("Part {i}")))
            .collect::<Vec<_>>()
    };
    post(&http, &CreateMessage::new().embeds(embeds(10)))
        .await
        .unwrap();
    assert_eq!(
        refusal(post(&http, &CreateMessage::new().embeds(embeds(11))).await),
        (400, 50035, problem("embeds", "BASE_TYPE_MAX_LENGTH"))
    );
}

#[tokio::test]
async fn twenty_six_fields_are_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let fields = |count: usize| {
        let fields = (0..count).map(|i| (format!("Field {i}"), "value", false));
        CreateMessage::new().embed(CreateEmbed::new().title("Journal").fields(fields))
    };
    post(&http, &fields(25)).await.unwrap();
    assert_eq!(
        refusal(post(&http, &fields(26)).await),
        (
            400,
            50035,
            problem("embeds.0.fields", "BASE_TYPE_MAX_LENGTH")
        )
    );

    // A field needs a name and a value.
    let blank = CreateMessage::new().embed(CreateEmbed::new().field("Empty", "", false));
    assert_eq!(
        refusal(post(&http, &blank).await),
        (
            400,
            50035,
            problem("embeds.0.fields.0.value", "BASE_TYPE_REQUIRED")
        )
    );
}

#[tokio::test]
async fn a_sixth_row_of_buttons_or_a_sixth_button_in_a_row_is_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let button = |i: usize| CreateButton::new(format!("action:{i}")).label("Go");
    let rows = |count: usize| {
        let rows = (0..count).map(|i| CreateActionRow::Buttons(vec![button(i)]));
        CreateMessage::new()
            .content("Pick one")
            .components(rows.collect())
    };
    post(&http, &rows(5)).await.unwrap();
    assert_eq!(
        refusal(post(&http, &rows(6)).await),
        (400, 50035, problem("components", "BASE_TYPE_MAX_LENGTH"))
    );

    let wide = CreateMessage::new()
        .components(vec![CreateActionRow::Buttons((0..6).map(button).collect())]);
    assert_eq!(
        refusal(post(&http, &wide).await),
        (
            400,
            50035,
            problem("components.0.components", "BASE_TYPE_BAD_LENGTH")
        )
    );

    let long_label = CreateMessage::new().components(vec![CreateActionRow::Buttons(vec![
        CreateButton::new("action:1").label("l".repeat(81)),
    ])]);
    assert_eq!(
        refusal(post(&http, &long_label).await),
        (
            400,
            50035,
            problem("components.0.components.0.label", "BASE_TYPE_MAX_LENGTH")
        )
    );
}

#[tokio::test]
async fn an_empty_message_is_refused_with_50006() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    assert_eq!(
        refusal(post(&http, &CreateMessage::new()).await),
        (400, 50006, Vec::new())
    );
    assert_eq!(
        refusal(post(&http, &CreateMessage::new().content("  \n")).await),
        (400, 50006, Vec::new())
    );
}

#[tokio::test]
async fn a_file_arrives_with_its_name_and_bytes() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let export = br#"{"reflections": ["Shipped the MFA rollout"]}"#.to_vec();
    let message = CreateMessage::new()
        .content("Your export")
        .add_file(CreateAttachment::bytes(export.clone(), "export.json"));
    let sent = ChannelId::new(CHANNEL)
        .send_message(&http, message)
        .await
        .unwrap();
    assert_eq!(sent.attachments[0].filename, "export.json");
    assert_eq!(sent.attachments[0].size as usize, export.len());

    let request = fake.requests().pop().unwrap();
    assert_eq!(
        request.body["content"], "Your export",
        "payload_json, parsed"
    );
    assert_eq!(request.files.len(), 1);
    let file = &request.files[0];
    assert_eq!(file.name, "files[0]");
    assert_eq!(file.filename, "export.json");
    assert_eq!(file.bytes, export);
    assert_eq!(file.content_type.as_deref(), Some("application/json"));

    // A file alone is a message.
    http.send_message(
        ChannelId::new(CHANNEL),
        vec![CreateAttachment::bytes(export, "export.json")],
        &CreateMessage::new(),
    )
    .await
    .unwrap();
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_file_over_10_mib_or_an_eleventh_file_is_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let with_file = |size: usize| {
        CreateMessage::new().add_file(CreateAttachment::bytes(vec![b'x'; size], "big.bin"))
    };
    ChannelId::new(CHANNEL)
        .send_message(&http, with_file(10 * MIB))
        .await
        .unwrap();
    assert_eq!(
        refusal(
            ChannelId::new(CHANNEL)
                .send_message(&http, with_file(10 * MIB + 1))
                .await
        ),
        (413, 40005, Vec::new())
    );

    let files = (0..11).map(|i| CreateAttachment::bytes(b"x".to_vec(), format!("{i}.txt")));
    let eleven = CreateMessage::new().add_files(files);
    assert_eq!(
        refusal(ChannelId::new(CHANNEL).send_message(&http, eleven).await),
        (400, 50035, problem("files", "BASE_TYPE_MAX_LENGTH")),
        "the uploads are looked at before the payload"
    );
}

#[tokio::test]
async fn files_handed_straight_to_http_share_one_part_name_and_are_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    // serenity numbers the parts only in the builders' `execute`: files given to
    // `Http::send_message` directly all keep the placeholder id 0, so both become `files[0]`.
    let files = vec![
        CreateAttachment::bytes(b"one".to_vec(), "one.txt"),
        CreateAttachment::bytes(b"two".to_vec(), "two.txt"),
    ];
    let sent = http
        .send_message(ChannelId::new(CHANNEL), files, &CreateMessage::new())
        .await;
    assert_eq!(
        refusal(sent),
        (400, 50035, problem("files", "DUPLICATE_FILE_PART"))
    );
    let names: Vec<String> = fake.requests()[0]
        .files
        .iter()
        .map(|file| file.name.clone())
        .collect();
    assert_eq!(names, ["files[0]", "files[0]"]);
}

#[tokio::test]
async fn a_second_callback_is_refused_as_already_acknowledged() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let id = InteractionId::new(5);
    http.create_interaction_response(id, "token-5", &message_answer("Hello"), Vec::new())
        .await
        .unwrap();
    assert_eq!(
        refusal(
            http.create_interaction_response(id, "token-5", &message_answer("Again"), Vec::new())
                .await
        ),
        (400, 40060, Vec::new())
    );
    assert_eq!(fake.callbacks(5).len(), 2);
}

#[tokio::test]
async fn a_follow_up_or_an_edit_before_the_callback_is_an_unknown_webhook() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let later = CreateInteractionResponseFollowup::new().content("Later");
    assert_eq!(
        refusal(
            http.create_followup_message("token-6", &later, Vec::new())
                .await
        ),
        (404, 10015, Vec::new())
    );
    let edit = EditInteractionResponse::new().content("Edited");
    assert_eq!(
        refusal(
            http.edit_original_interaction_response("token-6", &edit, Vec::new())
                .await
        ),
        (404, 10015, Vec::new())
    );
    assert_eq!(fake.followups("token-6").len(), 1);
}

#[tokio::test]
async fn after_a_deferral_the_answer_and_an_ephemeral_follow_up_arrive() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let defer =
        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    http.create_interaction_response(InteractionId::new(7), "token-7", &defer, Vec::new())
        .await
        .unwrap();

    // The deferred answer is empty until an edit gives it something to show.
    let nothing = EditInteractionResponse::new();
    assert_eq!(
        refusal(
            http.edit_original_interaction_response("token-7", &nothing, Vec::new())
                .await
        ),
        (400, 50006, Vec::new())
    );
    let answer = EditInteractionResponse::new().embed(CreateEmbed::new().title("Your journal"));
    let original = http
        .edit_original_interaction_response("token-7", &answer, Vec::new())
        .await
        .unwrap();
    assert_eq!(original.embeds[0].title.as_deref(), Some("Your journal"));

    let done = CreateInteractionResponseFollowup::new()
        .content("Done")
        .ephemeral(true);
    let followup = http
        .create_followup_message("token-7", &done, Vec::new())
        .await
        .unwrap();
    assert!(followup.flags.unwrap().contains(MessageFlags::EPHEMERAL));
    let sent = fake.followups("token-7");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!("/api/v10/webhooks/{APPLICATION_ID}/token-7")
    );
    assert_eq!(sent[0].query, None, "serenity asks for no ?wait=true");
    assert_eq!(sent[0].body["flags"], 64);

    let again = CreateInteractionResponseFollowup::new().content("Done, edited");
    let edited = http
        .edit_followup_message("token-7", followup.id, &again, Vec::new())
        .await
        .unwrap();
    assert_eq!(edited.content, "Done, edited");
    assert!(fake.rejections().len() == 1, "{:?}", fake.rejections());
}

#[tokio::test]
async fn a_modal_title_of_46_characters_is_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    assert_eq!(
        refusal(
            http.create_interaction_response(
                InteractionId::new(8),
                "token-8",
                &reflection_modal(&"x".repeat(46)),
                Vec::new()
            )
            .await
        ),
        (400, 50035, problem("data.title", "BASE_TYPE_BAD_LENGTH"))
    );
    // Refused, so not acknowledged: the same interaction can still be answered.
    http.create_interaction_response(
        InteractionId::new(8),
        "token-8",
        &reflection_modal(&"é".repeat(45)),
        Vec::new(),
    )
    .await
    .unwrap();
    // A modal is no message: there is no original response to edit.
    let edit = EditInteractionResponse::new().content("Edited");
    assert_eq!(
        refusal(
            http.edit_original_interaction_response("token-8", &edit, Vec::new())
                .await
        ),
        (404, 10008, Vec::new())
    );
}

#[tokio::test]
async fn more_than_25_autocomplete_choices_are_refused() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let choices = |count: usize| {
        let choices = (0..count).map(|i| AutocompleteChoice::new(format!("Model {i}"), "value"));
        CreateInteractionResponse::Autocomplete(
            CreateAutocompleteResponse::new().set_choices(choices.collect()),
        )
    };
    assert_eq!(
        refusal(
            http.create_interaction_response(
                InteractionId::new(9),
                "token-9",
                &choices(26),
                Vec::new()
            )
            .await
        ),
        (400, 50035, problem("data.choices", "BASE_TYPE_MAX_LENGTH"))
    );
    http.create_interaction_response(InteractionId::new(9), "token-9", &choices(25), Vec::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn channels_can_be_placed_in_another_guild_or_deleted() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let guild_of = |channel: Channel| match channel {
        Channel::Guild(channel) => channel.guild_id.get(),
        other => panic!("a guild channel, got {other:?}"),
    };
    let home = http.get_channel(ChannelId::new(CHANNEL)).await.unwrap();
    assert_eq!(guild_of(home), 1_100_000_000_000_000_007);

    fake.place_channel("1200000000000000050", "1100000000000000099");
    let elsewhere = http
        .get_channel(ChannelId::new(1_200_000_000_000_000_050))
        .await
        .unwrap();
    assert_eq!(guild_of(elsewhere), 1_100_000_000_000_000_099);

    fake.delete_channel("1200000000000000051");
    let gone = ChannelId::new(1_200_000_000_000_000_051);
    assert_eq!(
        refusal(http.get_channel(gone).await),
        (404, 10003, Vec::new())
    );
    let hello = CreateMessage::new().content("Hello");
    assert_eq!(
        refusal(http.send_message(gone, Vec::new(), &hello).await),
        (404, 10003, Vec::new())
    );
}

#[tokio::test]
async fn posts_to_a_dm_channel_are_found_by_user() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    let dm = UserId::new(1_000_000_000_000_000_003)
        .create_dm_channel(&http)
        .await
        .unwrap();
    dm.id
        .send_message(&http, CreateMessage::new().content("Your weekly nudge"))
        .await
        .unwrap();
    let posts = fake.dm_posts("1000000000000000003");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body["content"], "Your weekly nudge");
    assert!(fake.dm_posts("1000000000000000004").is_empty());
}

#[tokio::test]
async fn rejections_leave_out_rate_limits_and_a_wrong_bot_token() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    fake.rate_limit_next_posts(1);
    post(&http, &CreateMessage::new().content("Hello"))
        .await
        .unwrap();
    let stranger = client_with(&fake, "not-the-token").await;
    refusal(stranger.get_channel(ChannelId::new(CHANNEL)).await);
    assert!(fake.rejections().is_empty(), "{:?}", fake.rejections());

    refusal(post(&http, &CreateMessage::new()).await);
    let rejections = fake.rejections();
    assert_eq!(rejections.len(), 1);
    let (request, status, body) = &rejections[0];
    assert_eq!(
        request.path,
        format!("/api/v10/channels/{CHANNEL}/messages")
    );
    assert_eq!(*status, 400);
    assert_eq!(body["code"], 50006);
}

#[tokio::test]
async fn a_slowly_answered_post_is_in_the_channel_before_its_answer_arrives() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    fake.delay_posts(std::time::Duration::from_secs(3));
    let sending = tokio::spawn(async move {
        post(&http, &CreateMessage::new().content("Hello"))
            .await
            .map(|message| message.id.to_string())
    });
    let channel = CHANNEL.to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while fake.messages_in(&channel).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the post never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!sending.is_finished(), "answered before the delay was over");
    let id = sending.await.unwrap().unwrap();
    let held = fake.messages_in(&channel);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, id, "the answer names the message already there");
    assert_eq!(held[0].1["content"], "Hello");
}

#[test]
fn the_checks_count_characters_and_nest_errors_by_path() {
    assert_eq!(
        check_message(&json!({ "content": "🦀".repeat(2000) })),
        Ok(())
    );
    assert_eq!(
        check_message(&json!({ "content": "🦀".repeat(2001) })),
        Err(json!({ "content": { "_errors": [
            { "code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length." }
        ] } }))
    );
    let duplicated = json!({ "components": [{ "type": 1, "components": [
        { "type": 2, "style": 1, "custom_id": "same", "label": "One" },
        { "type": 2, "style": 1, "custom_id": "same", "label": "Two" }
    ] }] });
    assert_eq!(
        check_message(&duplicated).unwrap_err()["components"]["0"]["components"]["1"]["custom_id"]
            ["_errors"][0]["code"],
        "COMPONENT_CUSTOM_ID_DUPLICATED"
    );
    let modal = json!({ "custom_id": "reflect:1", "title": "Reflect", "components": [
        { "type": 1, "components": [
            { "type": 4, "custom_id": "text", "style": 2, "label": "Your reflection",
              "min_length": 10, "max_length": 4001 }
        ] }
    ] });
    assert_eq!(
        check_modal(&modal),
        Err(
            json!({ "components": { "0": { "components": { "0": { "max_length": { "_errors": [
            { "code": "NUMBER_TYPE_MAX", "message": "int value should be less than or equal to 4000." }
        ] } } } } } })
        )
    );
}

/// A plain HTTPS client for the fake, without serenity's rate limiter, to see its answers as
/// they are.
fn raw_client(fake: &FakeDiscord) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(fake.ca_pem.as_bytes()).unwrap())
        .resolve("discord.com", fake.addr)
        .build()
        .unwrap()
}

fn api(path: &str) -> String {
    format!("https://discord.com/api/v10{path}")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

/// Requests made as fast as one client goes, one after the other, are refused with a global
/// 429 once a second holds 50 of them; an interaction callback made while the limit is spent
/// goes through; after the advertised wait, requests are accepted again.
#[tokio::test]
async fn the_global_limit_refuses_the_51st_request_in_a_second_but_not_interactions() {
    let fake = FakeDiscord::start().await;
    let client = raw_client(&fake);
    let bot = format!("Bot {TOKEN}");
    let channel = api(&format!("/channels/{CHANNEL}"));
    let mut interaction: u64 = 1_500_000_000_000_000_000;
    let (refused, callback_status) = loop {
        // A callback just before each request: when the request is refused, the callback came
        // while the second before it already held the 50 requests.
        interaction += 1;
        let callback = client
            .post(api(&format!(
                "/interactions/{interaction}/token-{interaction}/callback"
            )))
            .json(&json!({ "type": 4, "data": { "content": "ok" } }))
            .send()
            .await
            .unwrap();
        let answer = client
            .get(&channel)
            .header("authorization", &bot)
            .send()
            .await
            .unwrap();
        if answer.status() == 429 {
            break (answer, callback.status().as_u16());
        }
        assert_eq!(answer.status(), 200);
        assert!(interaction < 1_500_000_000_000_002_000, "never limited");
    };
    assert_eq!(
        callback_status, 204,
        "interaction endpoints are not limited"
    );
    assert_eq!(
        header(&refused, "x-ratelimit-global").as_deref(),
        Some("true")
    );
    assert_eq!(
        header(&refused, "x-ratelimit-scope").as_deref(),
        Some("global")
    );
    let retry_header: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["global"], true);
    assert_eq!(body["message"], "You are being rate limited.");
    let retry_after = body["retry_after"].as_f64().unwrap();
    assert!(retry_after > 0.0 && retry_after <= 1.0, "{body}");
    assert_eq!(
        retry_header,
        retry_after.ceil() as u64,
        "whole seconds, rounded up"
    );

    // The requests accepted in the second before the refusal: exactly the limit.
    let requests = fake.requests();
    let refusal = requests.iter().rfind(|r| r.status == 429).unwrap();
    let in_window = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/v10/channels/") && r.status == 200)
        .filter(|r| refusal.at.duration_since(r.at) < GLOBAL_WINDOW && r.at <= refusal.at)
        .count();
    assert_eq!(in_window, GLOBAL_LIMIT);
    let limited = fake.rate_limited();
    assert_eq!(limited.len(), 1);
    assert!(limited[0].1, "counted as global");
    assert!(fake.rejections().is_empty(), "a 429 is not a refusal");

    tokio::time::sleep(std::time::Duration::from_secs_f64(retry_after)).await;
    let again = client
        .get(&channel)
        .header("authorization", &bot)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "accepted after the advertised wait");
}

/// A channel takes 5 posts per 5 s: each answer says how many remain, the sixth is refused
/// with a per-route 429 and the bucket's headers, and another channel is not affected.
#[tokio::test]
async fn a_channel_takes_five_posts_in_five_seconds_and_the_headers_say_so() {
    let fake = FakeDiscord::start().await;
    let client = raw_client(&fake);
    let bot = format!("Bot {TOKEN}");
    let post = |channel: u64| {
        client
            .post(api(&format!("/channels/{channel}/messages")))
            .header("authorization", &bot)
            .json(&json!({ "content": "Hello" }))
            .send()
    };
    for remaining in (0..POSTS_PER_CHANNEL).rev() {
        let answer = post(CHANNEL).await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(header(&answer, "x-ratelimit-limit"), Some("5".into()));
        assert_eq!(
            header(&answer, "x-ratelimit-remaining"),
            Some(remaining.to_string())
        );
        assert_eq!(
            header(&answer, "x-ratelimit-bucket").as_deref(),
            Some(POST_BUCKET)
        );
        let reset_after: f64 = header(&answer, "x-ratelimit-reset-after")
            .unwrap()
            .parse()
            .unwrap();
        assert!(reset_after > 0.0 && reset_after <= POST_WINDOW.as_secs_f64());
        let reset: f64 = header(&answer, "x-ratelimit-reset")
            .unwrap()
            .parse()
            .unwrap();
        assert!(reset > 1.7e9, "epoch seconds: {reset}");
        assert!(
            header(&answer, "x-ratelimit-scope").is_none(),
            "only on a 429"
        );
    }
    let refused = post(CHANNEL).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(
        header(&refused, "x-ratelimit-scope").as_deref(),
        Some("user")
    );
    assert!(header(&refused, "x-ratelimit-global").is_none());
    assert_eq!(
        header(&refused, "x-ratelimit-remaining").as_deref(),
        Some("0")
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["global"], false);
    let retry_after = body["retry_after"].as_f64().unwrap();
    assert!(retry_after > 0.0 && retry_after <= POST_WINDOW.as_secs_f64());
    assert_eq!(
        fake.messages_in(&CHANNEL.to_string()).len(),
        POSTS_PER_CHANNEL
    );

    let other = post(CHANNEL + 1).await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(header(&other, "x-ratelimit-remaining"), Some("4".into()));
    let limited = fake.rate_limited();
    assert_eq!(limited.len(), 1);
    assert!(!limited[0].1, "a route's limit, not the global one");
}

/// serenity reads the bucket's headers and waits for its reset instead of meeting the 429:
/// seven posts to one channel in a row all go out, and none is refused.
#[tokio::test]
async fn serenity_paces_a_channel_from_the_headers() {
    let fake = FakeDiscord::start().await;
    let http = client(&fake).await;
    for i in 0..7 {
        post(&http, &CreateMessage::new().content(format!("Post {i}")))
            .await
            .unwrap();
    }
    assert_eq!(fake.messages_in(&CHANNEL.to_string()).len(), 7);
    assert!(fake.rate_limited().is_empty(), "{:?}", fake.rate_limited());
}

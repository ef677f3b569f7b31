//! The delivery contract, one table of core answers run through every adapter against its
//! fake: every part arrives, in order, with its own privacy, files as files, messages to a
//! person in their direct messages, pending notices removed only once delivered, and no request
//! the platform would reject (the fake Discord answers 400/50035 like Discord; the fake Slack
//! answers `invalid_blocks` like Slack).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use shiftcoach::{
    adapters::console::{Console, ConsoleOptions, ConsolePostman, Screen},
    clock::VirtualClock,
    core::{
        Attachment, Coach, CoachSettings, Destination, Field, Form, FormInput, Outgoing,
        OutgoingKind, RichMessage,
    },
    scheduler::{Scheduler, SchedulerOptions},
    storage::{Identity, Platform, Storage},
};

use crate::support::TestDb;

/// The person every answer is for.
const USER: &str = "1000000000000000003";
const GUILD: &str = "1100000000000000007";
const CHANNEL: &str = "1200000000000000011";

fn reply(ephemeral: bool, message: RichMessage) -> Outgoing {
    Outgoing::new(
        OutgoingKind::Reply,
        Destination::Channel(CHANNEL.into()),
        ephemeral,
        message,
    )
}

/// Paragraphs of distinct words, `chars` long or a little more.
fn long_text(chars: usize, seed: &str) -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.chars().count() < chars {
        n += 1;
        text.push_str(&format!("{seed}{n} "));
        if n % 40 == 0 {
            text.push_str("\n\n");
        }
    }
    text.trim().to_owned()
}

/// A journal of `entries` long reflections, as `/journal` shows it.
fn journal(entries: usize, chars: usize) -> RichMessage {
    RichMessage {
        title: Some("Your journal".into()),
        body: format!("Your {entries} most recent reflections."),
        fields: (0..entries)
            .map(|i| Field {
                name: format!("Entry {i}"),
                value: long_text(chars, &format!("e{i}w")),
            })
            .collect(),
        ..RichMessage::default()
    }
}

/// One row of the table: a name and the core's answer.
struct Case {
    name: &'static str,
    answer: Vec<Outgoing>,
}

/// The table. `notice` is the id of a stored pending notice the answer carries.
fn cases(notice: i64) -> Vec<Case> {
    let export = RichMessage {
        attachment: Some(Attachment {
            filename: "shiftcoach-export.json".into(),
            media_type: "application/json",
            bytes: br#"{"reflections":[{"text":"kept"}]}"#.to_vec(),
        }),
        ..RichMessage::titled("Your data", "Everything stored about you, as JSON.")
    };
    let form = RichMessage {
        form: Some(Form {
            id: "reflect".into(),
            title: "Write a reflection".into(),
            inputs: vec![FormInput {
                id: "text".into(),
                label: "Your reflection".into(),
                placeholder: None,
                multiline: true,
                max_chars: 4000,
                value: None,
            }],
        }),
        ..RichMessage::default()
    };
    let dm = Outgoing::new(
        OutgoingKind::Dm,
        Destination::Person(USER.into()),
        true,
        RichMessage::titled("Just for you", "A message in your direct messages."),
    );
    // The shapes check-ins and decisions send: an invitation to a person with buttons, a
    // chart as a PNG file, a form whose inputs start with text.
    let invitation = Outgoing::new(
        OutgoingKind::Dm,
        Destination::Person(USER.into()),
        true,
        RichMessage {
            buttons: vec![
                shiftcoach::core::Button {
                    action: "pair:7:yes".into(),
                    label: "Accept".into(),
                },
                shiftcoach::core::Button {
                    action: "pair:7:no".into(),
                    label: "Decline".into(),
                },
            ],
            ..RichMessage::titled(
                "Check-in invitation",
                "Regular check-ins with your manager?",
            )
        },
    );
    let chart = RichMessage {
        attachment: Some(Attachment {
            filename: "shiftcoach-progress.png".into(),
            media_type: "image/png",
            bytes: shiftcoach::chart::progress_png(
                "Self-ratings",
                &[shiftcoach::chart::Series {
                    label: "1 Solving to defining".into(),
                    points: vec![
                        (chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(), 2),
                        (chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(), 3),
                    ],
                }],
            )
            .unwrap(),
        }),
        ..RichMessage::titled("Progress", "Your self-ratings.")
    };
    let prefilled = RichMessage {
        form: Some(Form {
            id: "decide".into(),
            title: "Record a decision".into(),
            inputs: ["decision", "options", "expected", "confidence", "review"]
                .into_iter()
                .map(|id| FormInput {
                    id: id.into(),
                    label: format!("The {id}"),
                    placeholder: Some("e.g. 30".into()),
                    multiline: id != "confidence" && id != "review",
                    max_chars: 1000,
                    value: Some(format!("Starting text for {id}")),
                })
                .collect(),
        }),
        ..RichMessage::default()
    };
    let notice = Outgoing {
        pending_notice: Some(notice),
        ..reply(
            true,
            RichMessage::titled("A nudge could not be posted", "It will be retried."),
        )
    };
    vec![
        Case {
            name: "multi-message answer",
            answer: vec![
                reply(true, RichMessage::titled("First", "one")),
                reply(true, RichMessage::titled("Second", "two")),
                reply(true, RichMessage::titled("Third", "three")),
            ],
        },
        Case {
            name: "answer plus a pending notice",
            answer: vec![reply(true, RichMessage::titled("Help", "commands")), notice],
        },
        Case {
            name: "export with its file",
            answer: vec![reply(true, export)],
        },
        Case {
            name: "a form",
            answer: vec![reply(true, form)],
        },
        Case {
            name: "ephemeral and public answers",
            answer: vec![
                reply(false, RichMessage::titled("For the channel", "public")),
                reply(true, RichMessage::titled("For you", "private")),
            ],
        },
        Case {
            name: "a direct message",
            answer: vec![
                reply(true, RichMessage::titled("Sent", "check your DMs")),
                dm,
            ],
        },
        Case {
            name: "an invitation in a person's DM, with buttons",
            answer: vec![
                reply(true, RichMessage::titled("Invitation sent", "waiting")),
                invitation,
            ],
        },
        Case {
            name: "a chart as a PNG file",
            answer: vec![reply(true, chart)],
        },
        Case {
            name: "a form whose inputs start with text",
            answer: vec![reply(true, prefilled)],
        },
        Case {
            name: "long text, 5,000 characters",
            answer: vec![reply(
                true,
                RichMessage::titled("Long", long_text(5_000, "a")),
            )],
        },
        Case {
            name: "long text, 30,000 characters with fields",
            answer: vec![reply(
                true,
                RichMessage {
                    fields: (0..12)
                        .map(|i| Field {
                            name: format!("Part {i}"),
                            value: long_text(1_500, &format!("p{i}w")),
                        })
                        .collect(),
                    ..RichMessage::titled("Longer", long_text(12_000, "b"))
                },
            )],
        },
        Case {
            name: "long text, /journal 50 of 4,000-character entries",
            answer: vec![reply(true, journal(50, 4_000))],
        },
    ]
}

/// Fails with the first difference (not the whole text) unless both hold the same words.
fn assert_same_words(got: &[String], want: &[String], case: &str) {
    if let Some(at) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{case}: word {at} of {} is {:?}, expected {:?} ({} words arrived)",
            want.len(),
            got.get(at),
            want.get(at),
            got.len()
        );
    }
}

/// Every word a message carries, in order: title, body, then each field's name and value.
fn words(message: &RichMessage) -> Vec<String> {
    let mut text = String::new();
    for part in message.title.iter().chain([&message.body]) {
        text.push_str(part);
        text.push(' ');
    }
    for field in &message.fields {
        text.push_str(&format!("{} {} ", field.name, field.value));
    }
    text.split_whitespace().map(str::to_owned).collect()
}

/// The case's answer with its pending notice (if it carries one) pointing at `notice`, the one
/// stored for this run.
fn with_notice(answer: Vec<Outgoing>, notice: i64) -> Vec<Outgoing> {
    answer
        .into_iter()
        .map(|mut outgoing| {
            outgoing.pending_notice = outgoing.pending_notice.map(|_| notice);
            outgoing
        })
        .collect()
}

async fn notice_for(storage: &Storage, platform: Platform, workspace: &str) -> i64 {
    let user = storage
        .user_for(&Identity::new(platform, workspace, USER), Utc::now())
        .await
        .unwrap();
    storage
        .add_pending_notice(
            user,
            "A nudge could not be posted",
            "It will be retried.",
            Utc::now(),
        )
        .await
        .unwrap();
    storage.pending_notices(user).await.unwrap()[0].id
}

/// Checks that the case's notice is gone exactly when the answer carried it (it was
/// delivered), then removes it so the next case starts without one.
async fn notice_settled(
    storage: &Storage,
    platform: Platform,
    workspace: &str,
    answer: &[Outgoing],
    notice: i64,
    case: &str,
) {
    let user = storage
        .user_for(&Identity::new(platform, workspace, USER), Utc::now())
        .await
        .unwrap();
    let left = storage.pending_notices(user).await.unwrap().len();
    let carried = answer.iter().any(|o| o.pending_notice.is_some());
    assert_eq!(
        left,
        usize::from(!carried),
        "{case}: a delivered notice is removed"
    );
    storage.remove_pending_notice(notice).await.unwrap();
}

mod console {
    use super::*;

    /// Output the test can read back while the console writes to it.
    #[derive(Clone, Default)]
    struct SharedBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

    impl SharedBuffer {
        fn take(&self) -> Vec<u8> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    impl std::io::Write for SharedBuffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn every_case_arrives_whole_on_the_console() {
        let db = TestDb::sqlite().await;
        let clock = VirtualClock::starting_at(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
        let exports = tempfile::tempdir().unwrap();
        let options = ConsoleOptions {
            user: USER.into(),
            channel: CHANNEL.into(),
            json: true,
            interactive: false,
            zone: None,
            system_zone: None,
            export_dir: exports.path().to_owned(),
            wrap: None,
        };
        let out = SharedBuffer::default();
        let screen = Screen::new(&options, Box::new(out.clone()));
        let postman = Arc::new(ConsolePostman::new(clock.clone(), screen));
        let coach = Arc::new(
            Coach::new(
                db.storage.clone(),
                crate::support::catalog(),
                Arc::new(clock.clone()),
                CoachSettings::default(),
            )
            .with_postman(postman.clone()),
        );
        for case in cases(0) {
            let notice = notice_for(&db.storage, Platform::Console, "local").await;
            let answer = with_notice(case.answer, notice);
            let scheduler = Scheduler::new(coach.clone(), SchedulerOptions::default());
            Console::new(
                coach.clone(),
                scheduler,
                postman.clone(),
                clock.clone(),
                options.clone(),
            )
            .deliver(&answer)
            .await
            .unwrap();
            let lines: Vec<serde_json::Value> = String::from_utf8(out.take())
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            assert_eq!(
                lines.len(),
                answer.len(),
                "{}: one line per message",
                case.name
            );
            for (line, sent) in lines.iter().zip(&answer) {
                assert_eq!(line["markdown"], sent.message.body, "{}", case.name);
                assert_eq!(line["ephemeral"], sent.ephemeral, "{}", case.name);
                let fields = line["fields"].as_array().unwrap();
                assert_eq!(fields.len(), sent.message.fields.len(), "{}", case.name);
                for (field, original) in fields.iter().zip(&sent.message.fields) {
                    assert_eq!(field["value"], original.value.as_str(), "{}", case.name);
                }
                if let Destination::Person(user) = &sent.to {
                    assert_eq!(line["to"], format!("@{user}"), "{}", case.name);
                }
                if let Some(file) = &sent.message.attachment {
                    let path = line["attachment"]["path"].as_str().unwrap();
                    assert_eq!(std::fs::read(path).unwrap(), file.bytes, "{}", case.name);
                }
                if let Some(form) = &sent.message.form {
                    assert_eq!(line["form"]["id"], form.id.as_str(), "{}", case.name);
                    for (input, original) in line["form"]["inputs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .zip(&form.inputs)
                    {
                        assert_eq!(
                            input["value"],
                            serde_json::json!(original.value),
                            "{}",
                            case.name
                        );
                    }
                }
            }
            notice_settled(
                &db.storage,
                Platform::Console,
                "local",
                &answer,
                notice,
                case.name,
            )
            .await;
        }
    }
}

mod discord {
    use serde_json::{Value, json};
    use serenity::{
        all::{
            ApplicationId, CreateInteractionResponse, CreateInteractionResponseMessage,
            InteractionId,
        },
        builder::Builder,
    };
    use shiftcoach::adapters::discord::{
        deliver::{self, Responding},
        http,
        postman::DiscordPostman,
    };

    use super::*;
    use crate::fake_discord::{APPLICATION_ID, FakeDiscord, Recorded, TOKEN};

    /// The words of every embed of a message body Discord received, in order.
    fn received_words(body: &Value) -> Vec<String> {
        let mut text = String::new();
        for embed in body["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(part) = embed[key].as_str() {
                    text.push_str(part);
                    text.push(' ');
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                let name = field["name"].as_str().unwrap_or_default();
                // A continued field repeats its name; the words it carries are the value's.
                if !name.ends_with(" (continued)") {
                    text.push_str(name);
                    text.push(' ');
                }
                text.push_str(field["value"].as_str().unwrap_or_default());
                text.push(' ');
            }
        }
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// What reached Discord for one interaction, in order: the callback, then follow-ups.
    fn answered(fake: &FakeDiscord, id: u64) -> Vec<Recorded> {
        let mut parts = fake.callbacks(id);
        parts.extend(fake.followups(&format!("token-{id}")));
        parts
    }

    async fn run(deferred: bool) {
        let fake = FakeDiscord::start().await;
        let db = TestDb::sqlite().await;
        let token = secrecy::SecretString::from(TOKEN.to_owned());
        let client = http::build(&token, Some(&fake.base()), Some(fake.ca_pem.as_bytes()))
            .await
            .unwrap();
        client.set_application_id(ApplicationId::new(APPLICATION_ID.parse().unwrap()));
        let client = Arc::new(client);
        let coach = Coach::new(
            db.storage.clone(),
            crate::support::catalog(),
            Arc::new(VirtualClock::starting_at(Utc::now())),
            CoachSettings::default(),
        )
        .with_postman(Arc::new(DiscordPostman::new(client.clone())));

        for (i, case) in cases(0).into_iter().enumerate() {
            let id = 500 + i as u64;
            let token = format!("token-{id}");
            let notice = notice_for(&db.storage, Platform::Discord, GUILD).await;
            let answer = with_notice(case.answer, notice);
            if deferred {
                CreateInteractionResponse::Defer(
                    CreateInteractionResponseMessage::new().ephemeral(true),
                )
                .execute(&*client, (InteractionId::new(id), token.as_str()))
                .await
                .unwrap();
            }
            let dms_before = fake.dm_posts(USER).len();
            let responding = Responding {
                id: InteractionId::new(id),
                token: &token,
                workspace: GUILD,
                deferred,
            };
            deliver::answer(&coach, &client, responding, &answer)
                .await
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));

            assert!(
                fake.rejections().is_empty(),
                "{}: Discord would refuse {:?}",
                case.name,
                fake.rejections()
                    .iter()
                    .map(|r| r.2.clone())
                    .collect::<Vec<_>>()
            );
            let mut parts = answered(&fake, id);
            if deferred {
                parts.retain(|r| r.body["type"] != json!(5));
                parts.extend(fake.requests_to(
                    "PATCH",
                    &format!("/api/v10/webhooks/{APPLICATION_ID}/{token}/messages/@original"),
                ));
                parts.rotate_right(1);
            }
            // The bodies that carry messages: callback data, an edit, or a follow-up.
            let bodies: Vec<&Value> = parts
                .iter()
                .map(|r| {
                    if r.body.get("data").is_some() {
                        &r.body["data"]
                    } else {
                        &r.body
                    }
                })
                .collect();
            let dms = fake.dm_posts(USER);
            let mut channel_words = Vec::new();
            let mut expected_words = Vec::new();
            for sent in &answer {
                match &sent.to {
                    Destination::Person(_) => {
                        assert_eq!(dms.len(), dms_before + 1, "{}: the DM went out", case.name);
                        assert_same_words(
                            &received_words(&dms[dms.len() - 1].body),
                            &words(&sent.message),
                            case.name,
                        );
                    }
                    _ if sent.message.form.is_some() && !deferred => {
                        assert_eq!(parts[0].body["type"], 9, "{}: a modal", case.name);
                    }
                    _ => expected_words.extend(words(&sent.message)),
                }
            }
            for body in &bodies {
                channel_words.extend(received_words(body));
            }
            assert_same_words(&channel_words, &expected_words, case.name);

            // Each message keeps its own privacy (an edit keeps the deferral's).
            let flags: Vec<bool> = parts
                .iter()
                .filter(|r| !r.path.ends_with("@original"))
                .map(|r| {
                    let body = if r.body.get("data").is_some() {
                        &r.body["data"]
                    } else {
                        &r.body
                    };
                    body["flags"].as_u64().unwrap_or(0) & 64 == 64
                })
                .collect();
            if !deferred && case.name == "ephemeral and public answers" {
                assert_eq!(flags, [false, true], "{}", case.name);
            }
            for sent in &answer {
                if let Some(file) = &sent.message.attachment {
                    let arrived: Vec<&Vec<u8>> = parts
                        .iter()
                        .flat_map(|r| &r.files)
                        .filter(|f| f.filename == file.filename)
                        .map(|f| &f.bytes)
                        .collect();
                    assert_eq!(
                        arrived,
                        [&file.bytes],
                        "{}: the file arrives once",
                        case.name
                    );
                }
            }
            notice_settled(
                &db.storage,
                Platform::Discord,
                GUILD,
                &answer,
                notice,
                case.name,
            )
            .await;
        }
    }

    #[tokio::test]
    async fn every_case_arrives_whole_on_discord_within_its_limits() {
        run(false).await;
    }

    #[tokio::test]
    async fn every_case_arrives_whole_on_discord_after_a_deferral() {
        run(true).await;
    }
}

mod slack {
    use secrecy::SecretString;
    use serde_json::Value;
    use shiftcoach::adapters::slack::{inbound::ReplyTo, service::Slack};

    use super::*;
    use crate::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, TEAM_ID, User};

    /// The words a Slack message carries: its header, sections and fields, with the mrkdwn
    /// markers and escapes undone (a long title's repeat in bold is not in these cases).
    fn received_words(blocks: Option<&Value>) -> Vec<String> {
        let mut text = String::new();
        for block in blocks.and_then(Value::as_array).into_iter().flatten() {
            let mut parts: Vec<&Value> = vec![&block["text"]];
            parts.extend(block["fields"].as_array().into_iter().flatten());
            for part in parts {
                if let Some(part) = part["text"].as_str() {
                    text.push_str(part);
                    text.push(' ');
                }
            }
        }
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            .split_whitespace()
            .map(|word| word.trim_matches(|c| c == '*' || c == '_').to_owned())
            .filter(|word| !word.is_empty())
            .collect()
    }

    #[tokio::test]
    async fn every_case_arrives_whole_on_slack_within_its_limits() {
        let fake = FakeSlack::start().await;
        fake.add_channel(CHANNEL, true);
        fake.add_user(User {
            id: USER.into(),
            name: "Ada".into(),
            tz: "Europe/Berlin".into(),
            tz_offset: 3600,
            is_admin: false,
            is_owner: false,
        });
        let db = TestDb::sqlite().await;
        let slack = Slack::new(
            &fake.api_base(),
            &SecretString::from(BOT_TOKEN),
            Some(&SecretString::from(APP_TOKEN)),
        )
        .unwrap();
        let coach = Coach::new(
            db.storage.clone(),
            crate::support::catalog(),
            Arc::new(VirtualClock::starting_at(Utc::now())),
            CoachSettings::default(),
        )
        .with_postman(slack.postman());

        for case in cases(0) {
            let notice = notice_for(&db.storage, Platform::Slack, TEAM_ID).await;
            let answer = with_notice(case.answer, notice);
            let reply_to = ReplyTo {
                channel: CHANNEL.into(),
                user: USER.into(),
                trigger_id: Some(fake.issue_trigger_id()),
                ..ReplyTo::default()
            };
            let (ephemerals_before, public_before, views_before, uploads_before) = (
                fake.private_answers().len(),
                fake.messages(CHANNEL).len(),
                fake.opened_views().len(),
                fake.uploads().len(),
            );
            slack.deliver(&coach, &answer, &reply_to).await;
            assert!(
                fake.rejections().is_empty(),
                "{}: Slack would refuse {:?}",
                case.name,
                fake.rejections()
            );
            let ephemerals = fake.private_answers()[ephemerals_before..].to_vec();
            let public = fake.messages(CHANNEL)[public_before..].to_vec();
            let (mut private_words, mut public_words) = (Vec::new(), Vec::new());
            let (mut want_private, mut want_public) = (Vec::new(), Vec::new());
            for sent in &answer {
                match &sent.to {
                    Destination::Person(_) => {
                        let dm = fake
                            .posts()
                            .into_iter()
                            .rev()
                            .find(|post| {
                                post.body["channel"]
                                    .as_str()
                                    .is_some_and(|c| c.starts_with('D'))
                            })
                            .unwrap_or_else(|| panic!("{}: the DM went out", case.name));
                        assert_same_words(
                            &received_words(dm.body.get("blocks")),
                            &words(&sent.message),
                            case.name,
                        );
                    }
                    _ if sent.message.form.is_some() => {
                        assert_eq!(
                            fake.opened_views().len(),
                            views_before + 1,
                            "{}: a modal",
                            case.name
                        );
                    }
                    _ if sent.ephemeral => want_private.extend(words(&sent.message)),
                    _ => want_public.extend(words(&sent.message)),
                }
                if let Some(file) = &sent.message.attachment {
                    let uploads = fake.uploads()[uploads_before..].to_vec();
                    let arrived: Vec<&Vec<u8>> = uploads
                        .iter()
                        .filter(|u| u.completed && u.filename == file.filename)
                        .filter_map(|u| u.bytes.as_ref())
                        .collect();
                    assert_eq!(
                        arrived,
                        [&file.bytes],
                        "{}: the file arrives once",
                        case.name
                    );
                }
            }
            for message in &ephemerals {
                private_words.extend(received_words(message.blocks.as_ref()));
            }
            for message in &public {
                public_words.extend(received_words(message.blocks.as_ref()));
            }
            assert_same_words(&private_words, &want_private, case.name);
            assert_same_words(&public_words, &want_public, case.name);
            notice_settled(
                &db.storage,
                Platform::Slack,
                TEAM_ID,
                &answer,
                notice,
                case.name,
            )
            .await;
        }
    }
}

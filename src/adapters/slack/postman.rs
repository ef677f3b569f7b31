//! The Slack [`Postman`]: sends the core's messages with `chat.postMessage` (Block Kit from
//! [`render`](super::render), with its plain-text fallback), to a channel, into a thread, or
//! to a person through `conversations.open`.
//!
//! Through slack-morphism's client: its rate control paces calls by Slack's tiers and waits
//! out a 429 for its `Retry-After` before retrying (up to [`MAX_RETRIES`] times). A scheduled
//! message is never posted twice: it carries message `metadata` with its delivery key, and
//! before posting the postman looks for that key in the channel's recent history (Slack
//! returns metadata only when asked with `include_all_metadata`), so a retry after a crash or
//! a timed-out response finds the message already there. The history is read only for a send
//! that may have been posted before ([`SendKey::again`]): `conversations.history` is a Tier 3
//! method (about 50 calls a minute), which would otherwise pace every scheduled message.
//!
//! Slack answers `channel_not_found`, `not_in_channel` and `is_archived` when the bot cannot
//! post in a channel; those are permanent ([`SendError::Permanent`]) and reported once by the
//! scheduler to whoever set the schedule.

use std::{collections::HashMap, sync::Arc, time::Duration};

use hyper_rustls::HttpsConnector;
use hyper_timeout::TimeoutConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::{errors::SlackClientError, prelude::*};

use super::{inbound::message_id, render};
use crate::{
    core::{BoxFuture, Destination, Limits, Outgoing, Platform, Postman, SendError, SendKey},
    storage::ChannelAddress,
};

/// slack-morphism's client over HTTPS (or plain HTTP, for a loopback fake), with time limits
/// on connecting, reading and writing.
pub type Client =
    SlackClient<SlackClientHyperConnector<TimeoutConnector<HttpsConnector<HttpConnector>>>>;

/// How many times a call is retried after a 429, each after its `Retry-After`.
pub const MAX_RETRIES: usize = 5;

/// How long connecting to Slack may take before the call fails (slack-morphism sets no time
/// limit of its own).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long Slack may go silent while answering a call, or while taking a request's bytes,
/// before the call fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// The `event_type` of the metadata a scheduled message carries (Slack: message metadata
/// has an `event_type` and an `event_payload`).
pub const DELIVERY_EVENT: &str = "shiftcoach_delivery";

/// How many recent messages are searched for a delivery key before posting (a channel's
/// nudges are at most a few a day, so a retry finds its message well within these).
pub const HISTORY_SEARCHED: u16 = 50;

/// Slack's limits the core shapes its messages for: a `plain_text_input` takes at most 3,000
/// characters (Slack: Block Kit plain-text input `max_length`), and a select menu lists at most
/// 100 options.
pub const LIMITS: Limits = Limits {
    form_input_chars: render::INPUT_MAX,
    choices: 100,
};

/// The HTTP connector every Slack client uses: HTTPS with the system's certificate
/// authorities (plain HTTP is accepted for a loopback fake), [`CONNECT_TIMEOUT`] and
/// [`IO_TIMEOUT`], and `api_base` (`SLACK_API_BASE`) for the Web API.
fn connector(
    api_base: &str,
) -> std::io::Result<SlackClientHyperConnector<TimeoutConnector<HttpsConnector<HttpConnector>>>> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    let mut timed = TimeoutConnector::new(https);
    timed.set_connect_timeout(Some(CONNECT_TIMEOUT));
    timed.set_read_timeout(Some(IO_TIMEOUT));
    timed.set_write_timeout(Some(IO_TIMEOUT));
    Ok(SlackClientHyperConnector::with_connector(timed).with_slack_api_url(api_base))
}

/// Builds the Web API client for `api_base` (`SLACK_API_BASE`): slack-morphism's rate control
/// over [`connector`], and 429s retried [`MAX_RETRIES`] times.
///
/// # Errors
/// When the system's certificate authorities cannot be read.
pub fn client(api_base: &str) -> std::io::Result<Arc<Client>> {
    let connector = connector(api_base)?
        .with_rate_control(SlackApiRateControlConfig::new().with_max_retries(MAX_RETRIES));
    Ok(Arc::new(SlackClient::new(connector)))
}

/// Builds a client without slack-morphism's rate control, for calls it would pace for the
/// whole app at one per second: `response_url`s (Slack limits a URL by its uses, 5 within 30
/// minutes, not by rate) and `chat.postMessage` (limited per channel, which the postman
/// paces itself).
///
/// # Errors
/// When the system's certificate authorities cannot be read.
pub fn unpaced(api_base: &str) -> std::io::Result<Arc<Client>> {
    Ok(Arc::new(SlackClient::new(connector(api_base)?)))
}

/// Messages posted per second in one channel (Slack: `chat.postMessage` "generally allows 1
/// message per second per channel").
pub const POSTS_PER_CHANNEL_PER_SECOND: u32 = 1;

/// Sends the core's messages to Slack with the bot token.
pub struct SlackPostman {
    client: Arc<Client>,
    /// Posts go through a client without slack-morphism's rate control, which paces every
    /// `chat.postMessage` of the app together at one per second; they are paced here per
    /// channel instead, and a 429 is waited out for its `Retry-After`.
    poster: Arc<Client>,
    pacing: governor::DefaultKeyedRateLimiter<String>,
    token: SlackApiToken,
}

// The token never reaches debug output.
impl std::fmt::Debug for SlackPostman {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackPostman(***)")
    }
}

impl SlackPostman {
    /// A postman for `api_base` (`SLACK_API_BASE`) with the bot token (`SLACK_BOT_TOKEN`).
    ///
    /// # Errors
    /// When the system's certificate authorities cannot be read.
    pub fn new(api_base: &str, bot_token: &SecretString) -> std::io::Result<Self> {
        let token = SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_owned()));
        let per_second = std::num::NonZeroU32::new(POSTS_PER_CHANNEL_PER_SECOND)
            .expect("a positive rate is a constant");
        Ok(Self {
            client: client(api_base)?,
            poster: unpaced(api_base)?,
            pacing: governor::RateLimiter::keyed(governor::Quota::per_second(per_second)),
            token,
        })
    }

    /// Posts one message in `channel`, at most [`POSTS_PER_CHANNEL_PER_SECOND`] there, waiting
    /// out a 429 for its `Retry-After` up to [`MAX_RETRIES`] times.
    async fn post(
        &self,
        channel: &str,
        request: &SlackApiChatPostMessageRequest,
        dm: bool,
    ) -> Result<SlackApiChatPostMessageResponse, SendError> {
        let session = self.poster.open_session(&self.token);
        let key = channel.to_owned();
        let mut retries = 0;
        loop {
            self.pacing.until_key_ready(&key).await;
            match session.chat_post_message(request).await {
                Ok(posted) => return Ok(posted),
                Err(SlackClientError::RateLimitError(limited)) if retries < MAX_RETRIES => {
                    retries += 1;
                    let wait = limited.retry_after.unwrap_or(Duration::from_secs(1));
                    tracing::info!(
                        wait_ms = wait.as_millis() as u64,
                        "Slack answered 429; waiting"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(err) => return Err(classify(&err, dm)),
            }
        }
    }

    /// The channel and thread a destination names; a person's DM is opened first.
    async fn address(&self, to: &Destination) -> Result<(String, Option<String>), SendError> {
        let session = self.client.open_session(&self.token);
        match to {
            Destination::Channel(channel) => Ok((channel.clone(), None)),
            Destination::Thread { channel, thread } => {
                // A thread is named by its first message's id, `{channel}/{ts}`.
                let ts = thread
                    .rsplit_once('/')
                    .map_or(thread.as_str(), |(_, ts)| ts);
                Ok((channel.clone(), Some(ts.to_owned())))
            }
            Destination::Person(user) => {
                let request = SlackApiConversationsOpenRequest::new()
                    .with_users(vec![SlackUserId(user.clone())]);
                let opened = session
                    .conversations_open(&request)
                    .await
                    .map_err(|err| classify(&err, true))?;
                Ok((opened.channel.id.0, None))
            }
        }
    }

    /// The id of a message already in `channel` carrying `key`, if a recent one does.
    async fn already_posted(&self, channel: &str, key: &str) -> Result<Option<String>, SendError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiConversationsHistoryRequest::new()
            .with_channel(SlackChannelId(channel.to_owned()))
            .with_limit(HISTORY_SEARCHED)
            .with_include_all_metadata(true);
        let history = session
            .conversations_history(&request)
            .await
            .map_err(|err| classify(&err, false))?;
        Ok(history
            .messages
            .iter()
            .find(|message| {
                message.content.metadata.as_ref().is_some_and(|metadata| {
                    metadata.event_type == DELIVERY_EVENT
                        && metadata
                            .event_payload
                            .as_ref()
                            .and_then(|payload| payload.get("key"))
                            .is_some_and(|found| found == key)
                })
            })
            .map(|message| message_id(channel, &message.origin.ts.0)))
    }
}

/// What a failed call means for the sender. `dm` marks a call that opened or posted to a
/// person's DM, where a refusal means the person cannot be reached that way.
fn classify(err: &SlackClientError, dm: bool) -> SendError {
    match err {
        SlackClientError::ApiError(api) => match api.code.as_str() {
            "channel_not_found" | "not_in_channel" | "is_archived" | "restricted_action"
            | "missing_scope" | "invalid_auth" | "account_inactive" | "token_revoked" => {
                if dm && api.code == "channel_not_found" {
                    SendError::DmClosed(format!("Slack refused the direct message: {}", api.code))
                } else {
                    SendError::Permanent(format!(
                        "Slack refused the message ({}): invite the bot to the channel, or check that it still exists and is not archived",
                        api.code
                    ))
                }
            }
            "user_not_found" | "user_not_visible" | "cannot_dm_bot" | "user_disabled" => {
                SendError::DmClosed(format!("Slack refused the direct message: {}", api.code))
            }
            code => SendError::Transient(format!("Slack answered {code}")),
        },
        SlackClientError::RateLimitError(_) => {
            SendError::Transient("Slack kept answering 429 (rate limited)".into())
        }
        other => SendError::Transient(format!("Slack could not be reached: {other}")),
    }
}

impl Postman for SlackPostman {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    /// Slack writes a user mention as `<@U123>` or `<@U123|name>` (user ids start with `U`
    /// or `W`); slash commands carry it so when the command escapes its text (Slack:
    /// `should_escape`, set in the manifest for the commands that take a person).
    fn mentioned_user(&self, token: &str) -> Option<String> {
        let inner = token.strip_prefix("<@")?.strip_suffix('>')?;
        let id = inner.split('|').next()?;
        (id.starts_with(['U', 'W'])
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        .then(|| id.to_owned())
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    /// Asks `conversations.info` whether the bot can post in the channel: it must be a
    /// channel (not a DM), not archived, and have the bot as a member. Slack answers
    /// `channel_not_found` for a private channel the bot is not in. An app installed before
    /// the `channels:read` and `groups:read` scopes were in its manifest gets `missing_scope`;
    /// the channel is then taken as it is, and a first post that fails is reported once by the
    /// scheduler.
    fn check_channel<'a>(
        &'a self,
        channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let session = self.client.open_session(&self.token);
            let request =
                SlackApiConversationsInfoRequest::new(SlackChannelId(channel.channel.clone()));
            let info = match session.conversations_info(&request).await {
                Ok(found) => found.channel,
                Err(SlackClientError::ApiError(api)) if api.code == "missing_scope" => {
                    tracing::warn!(
                        "the Slack app lacks channels:read or groups:read; reinstall it with the manifest to check channels ahead"
                    );
                    return Ok(());
                }
                Err(SlackClientError::ApiError(api)) if api.code == "channel_not_found" => {
                    return Err(SendError::Permanent(
                        "I cannot see that channel; for a private channel, invite me first (/invite @shiftcoach)".into(),
                    ));
                }
                Err(err) => return Err(classify(&err, false)),
            };
            let flags = info.flags;
            if flags.is_im == Some(true) || flags.is_mpim == Some(true) {
                return Err(SendError::Permanent(
                    "nudges are posted in channels, not in direct messages".into(),
                ));
            }
            if flags.is_archived == Some(true) {
                return Err(SendError::Permanent("the channel is archived".into()));
            }
            if flags.is_member == Some(false) {
                return Err(SendError::Permanent(
                    "I am not in that channel; invite me first (/invite @shiftcoach)".into(),
                ));
            }
            Ok(())
        })
    }

    /// Posts every piece of the rendered message in order and returns the first one's id,
    /// `{channel}/{ts}`. With `key`, the first piece carries it as metadata, and when an
    /// earlier attempt may have posted ([`SendKey::again`]), a message already carrying it is
    /// returned instead of posting again.
    fn send<'a>(
        &'a self,
        _workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let dm = matches!(message.to, Destination::Person(_));
            let (channel, thread) = self.address(&message.to).await?;
            if let Some(key) = key.filter(|key| key.again) {
                if let Some(existing) = self.already_posted(&channel, key.name).await? {
                    tracing::info!(
                        message = %existing,
                        "an earlier send of this delivery is in the channel; not posted again"
                    );
                    return Ok(existing);
                }
            }
            let key = key.map(|key| key.name);
            let mut first = None;
            for (i, piece) in render::render(&message.message).into_iter().enumerate() {
                let mut content = SlackMessageContent::new()
                    .with_text(piece.text)
                    .with_blocks(piece.blocks);
                if let (0, Some(key)) = (i, key) {
                    let payload = HashMap::from([("key".to_owned(), key.to_owned())]);
                    content = content.with_metadata(
                        SlackMessageMetadata::new(DELIVERY_EVENT.to_owned())
                            .with_event_payload(payload),
                    );
                }
                let mut request =
                    SlackApiChatPostMessageRequest::new(SlackChannelId(channel.clone()), content);
                if let Some(ts) = &thread {
                    request = request.with_thread_ts(SlackTs(ts.clone()));
                }
                let posted = self.post(&channel, &request, dm).await?;
                first.get_or_insert_with(|| message_id(&posted.channel.0, &posted.ts.0));
            }
            first.ok_or_else(|| SendError::Permanent("the message was empty".into()))
        })
    }
}

//! Sending through Discord's REST API: scheduled nudges to channels, messages to a person in
//! their direct messages.
//!
//! Every request waits its turn at a [`GlobalPace`] first, so that a burst of nudges to many
//! channels stays under Discord's global limit instead of meeting its 429s; serenity paces
//! each channel's own bucket from the headers Discord answers with.

use std::{future::Future, sync::Arc};

use serenity::{
    all::{
        ActionRowComponent, Button, ButtonKind, Channel, ChannelId, CreateAttachment,
        CreateMessage, GetMessages, Nonce, UserId,
    },
    http::{Http, HttpError},
};

use super::{
    deliver::files,
    http::GlobalPace,
    render::{INPUT_MAX, Rendered, render},
};
use crate::{
    core::{
        BoxFuture, Destination, Limits, Outgoing, Platform, Postman, SendError, SendKey,
        action::Action,
    },
    storage::ChannelAddress,
};

/// Discord's limits the core asks about: a modal text input takes at most 4,000 characters,
/// and autocomplete shows at most 25 choices (Interactions reference).
pub const LIMITS: Limits = Limits {
    form_input_chars: INPUT_MAX as usize,
    choices: 25,
};

/// How many recent messages of a channel are searched for a delivery before posting it
/// again (Discord: `GET /channels/{id}/messages` returns at most 100).
pub const HISTORY_SEARCHED: u8 = 50;

/// The custom id, among a message's buttons, that names one delivery (a Reflect button tied
/// to the nudge it came with), if it has one.
fn delivery_marker(message: &Outgoing) -> Option<String> {
    message
        .message
        .buttons
        .iter()
        .find(|button| {
            matches!(
                Action::parse(&button.action),
                Ok(Action::Reflect {
                    delivery: Some(_),
                    ..
                })
            )
        })
        .map(|button| button.action.clone())
}

/// Discord error codes that no retry will fix.
const MISSING_ACCESS: isize = 50001;
const CANNOT_DM_USER: isize = 50007;
const UNKNOWN_CHANNEL: isize = 10003;
/// Discord's limit for a message nonce.
const NONCE_MAX: usize = 25;

/// Sends on Discord with serenity's HTTP client (and its rate limiter), paced under the global
/// limit.
#[derive(Clone)]
pub struct DiscordPostman {
    http: Arc<Http>,
    pace: Arc<GlobalPace>,
}

impl DiscordPostman {
    /// A postman on `http`, with a [`GlobalPace`] of its own.
    pub fn new(http: Arc<Http>) -> Self {
        Self {
            http,
            pace: Arc::new(GlobalPace::new()),
        }
    }

    /// The pacer this postman's requests wait at, for other requests made with the same bot
    /// token outside interactions (they count against the same global limit).
    pub fn pace(&self) -> Arc<GlobalPace> {
        self.pace.clone()
    }

    /// Makes one request once the pacer lets it go.
    async fn paced<T>(
        &self,
        request: impl Future<Output = serenity::Result<T>>,
    ) -> Result<T, SendError> {
        self.pace.ready().await;
        request.await.map_err(classify)
    }

    /// The id of a message already in `channel` that carries `marker` as a button's custom id:
    /// the earlier send of the same delivery (after a crash, or a response lost on the way),
    /// found in the latest [`HISTORY_SEARCHED`] messages. Discord's nonce covers only "the
    /// past few minutes"; this does not depend on it.
    async fn already_posted(
        &self,
        channel: ChannelId,
        marker: &str,
    ) -> Result<Option<String>, SendError> {
        let recent = self
            .paced(channel.messages(&*self.http, GetMessages::new().limit(HISTORY_SEARCHED)))
            .await?;
        Ok(recent
            .into_iter()
            .find(|posted| {
                posted.author.bot
                    && posted.components.iter().any(|row| {
                        row.components.iter().any(|component| {
                            matches!(component, ActionRowComponent::Button(Button {
                                data: ButtonKind::NonLink { custom_id, .. }, ..
                            }) if custom_id == marker)
                        })
                    })
            })
            .map(|posted| posted.id.to_string()))
    }

    async fn deliver(
        &self,
        message: &Outgoing,
        key: Option<SendKey<'_>>,
    ) -> Result<String, SendError> {
        let channel = match &message.to {
            Destination::Channel(id) | Destination::Thread { thread: id, .. } => {
                parse_id(id).map(ChannelId::new)?
            }
            Destination::Person(user) => {
                let user = UserId::new(parse_id(user)?);
                self.paced(user.create_dm_channel(&*self.http)).await?.id
            }
        };
        // A scheduled message carries a button unique to its delivery (the Reflect button names
        // it): if it is in the channel already, that is this delivery, sent before. Only an
        // attempt after one that may have posted looks: for a first one the search would be a
        // second request against the global limit, and could find nothing.
        // Without Read Message History the search fails: the nonce still covers a quick retry.
        let again = key.is_some_and(|key| key.again);
        if let (true, Some(marker)) = (again, delivery_marker(message)) {
            match self.already_posted(channel, &marker).await {
                Ok(Some(existing)) => {
                    tracing::info!(
                        message = %existing,
                        "an earlier send of this delivery is in the channel; not posted again"
                    );
                    return Ok(existing);
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "could not search the channel for an earlier send");
                }
            }
        }
        let mut pieces = render(&message.message, false);
        if pieces.is_empty() {
            // Only a file: it still needs a message to ride on.
            pieces.push(Rendered::default());
        }
        let mut attachments = files(&message.message);
        let mut first_id = None;
        for (i, piece) in pieces.into_iter().enumerate() {
            let mut create = channel_message(piece, std::mem::take(&mut attachments));
            if let Some(SendKey { name: key, .. }) = key {
                // With enforce_nonce, Discord answers a repeated send of the same nonce (within
                // a few minutes) with the message it already posted instead of posting again.
                create = create
                    .nonce(Nonce::String(nonce(key, i)))
                    .enforce_nonce(true);
            }
            let sent = self
                .paced(channel.send_message(&*self.http, create))
                .await?;
            first_id.get_or_insert(sent.id.to_string());
        }
        Ok(first_id.unwrap_or_default())
    }
}

impl Postman for DiscordPostman {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    /// Discord writes a user mention as `<@id>` (or `<@!id>` for a nickname mention, in older
    /// clients), with the user's snowflake id (Discord: Message Formatting).
    fn mentioned_user(&self, token: &str) -> Option<String> {
        let id = token.strip_prefix("<@")?.strip_suffix('>')?;
        let id = id.strip_prefix('!').unwrap_or(id);
        (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| id.to_owned())
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    fn check_channel<'a>(
        &'a self,
        channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let id = ChannelId::new(parse_id(&channel.channel)?);
            match self.paced(id.to_channel(&*self.http)).await? {
                Channel::Guild(found) if found.guild_id.to_string() == channel.workspace => Ok(()),
                Channel::Guild(_) => Err(SendError::Permanent(
                    "that channel belongs to another server".into(),
                )),
                _ => Err(SendError::Permanent(
                    "nudges are posted in server channels, not in direct messages".into(),
                )),
            }
        })
    }

    fn send<'a>(
        &'a self,
        _workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(self.deliver(message, key))
    }
}

/// A rendered piece as a channel message, files included.
fn channel_message(piece: Rendered, files: Vec<CreateAttachment>) -> CreateMessage {
    CreateMessage::new()
        .embeds(piece.embeds)
        .components(piece.components)
        .files(files)
}

/// The nonce of piece `piece` (0 for the first) of the send named `key`: the name, with
/// `-{piece}` after the first piece, when that fits Discord's [`NONCE_MAX`] characters, and
/// otherwise the first 25 hex digits of its SHA-256. Every send and piece gets its own nonce:
/// two sharing one would make Discord answer the second with the first message, and the
/// second's text would never be posted.
fn nonce(key: &str, piece: usize) -> String {
    use sha2::Digest;
    let named = if piece == 0 {
        key.to_owned()
    } else {
        format!("{key}-{piece}")
    };
    if named.len() <= NONCE_MAX {
        return named;
    }
    let mut digest = hex::encode(sha2::Sha256::digest(named.as_bytes()));
    digest.truncate(NONCE_MAX);
    digest
}

fn parse_id(text: &str) -> Result<u64, SendError> {
    text.trim_start_matches("<#")
        .trim_end_matches('>')
        .parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .ok_or_else(|| SendError::Permanent(format!("{text:?} is not a Discord id")))
}

/// Sorts serenity's errors into the ones worth retrying and the ones that need a person.
fn classify(err: serenity::Error) -> SendError {
    if let serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) = &err {
        let status = response.status_code.as_u16();
        let code = response.error.code;
        if code == CANNOT_DM_USER {
            return SendError::DmClosed(format!(
                "this person does not accept direct messages from the bot (Discord error {code})"
            ));
        }
        let reason = match code {
            MISSING_ACCESS => Some("the bot has no access to that channel"),
            UNKNOWN_CHANNEL => Some("the channel no longer exists"),
            _ => None,
        };
        if let Some(reason) = reason {
            return SendError::Permanent(format!("{reason} (Discord error {code})"));
        }
        if matches!(status, 400..=404) {
            return SendError::Permanent(format!(
                "Discord refused the message: HTTP {status}, error {code}"
            ));
        }
        return SendError::Transient(format!("Discord answered HTTP {status}"));
    }
    SendError::Transient(format!("Discord could not be reached: {err}"))
}

#[cfg(test)]
mod tests {
    use super::{NONCE_MAX, nonce};

    #[test]
    fn a_short_name_is_its_own_nonce_and_each_piece_gets_another() {
        assert_eq!(nonce("nudge-42", 0), "nudge-42");
        assert_eq!(nonce("nudge-42", 1), "nudge-42-1");
    }

    #[test]
    fn long_names_get_distinct_nonces_within_discords_limit() {
        // A delivery id of 19 digits fills the 25 characters before any piece number: cutting
        // the names short would give every piece the first one's nonce.
        let key = "nudge-9223372036854775807";
        let nonces: Vec<String> = (0..12).map(|piece| nonce(key, piece)).collect();
        for (i, one) in nonces.iter().enumerate() {
            assert!(one.len() <= NONCE_MAX, "{one}");
            assert!(!nonces[..i].contains(one), "piece {i} repeats a nonce");
        }
        assert_ne!(
            nonce("m1800000000000000001-10", 3),
            nonce("m1800000000000000001-1", 3)
        );
        // Every replica computes the same nonce for the same send.
        assert_eq!(nonce(key, 3), nonce(key, 3));
    }
}

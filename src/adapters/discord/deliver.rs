//! The Discord side of the core's delivery contract, in one place: every message of an answer
//! arrives, in order.
//!
//! - The first message answers the interaction (`POST /interactions/{id}/{token}/callback`), as
//!   a modal when it is a bare form; after a deferral it replaces the "thinking…" placeholder
//!   (`PATCH /webhooks/{app}/{token}/messages/@original`).
//! - Every further Discord message is a follow-up (`POST /webhooks/{app}/{token}`) with its own
//!   ephemeral flag. Follow-ups work for 15 minutes after the interaction (Discord's token
//!   lifetime), far longer than any answer takes.
//! - A message to a person goes to their direct messages through the postman.
//! - A core message too large for one Discord message becomes several ([`render`]); its files
//!   ride on the first.
//! - After each core message is delivered the core is told ([`Coach::delivered`]), which is
//!   what removes a pending notice.

use serenity::{
    all::{
        CreateAttachment, CreateInteractionResponse, CreateInteractionResponseFollowup,
        CreateInteractionResponseMessage, EditInteractionResponse, InteractionId,
    },
    builder::Builder,
    http::Http,
};

use super::render::{Rendered, render};
use crate::core::{Coach, Destination, Outgoing, Platform, RichMessage, SendKey};

/// The interaction being answered.
#[derive(Debug, Clone, Copy)]
pub struct Responding<'a> {
    pub id: InteractionId,
    pub token: &'a str,
    /// The guild it came from (or the DM workspace), where messages to people are sent from.
    pub workspace: &'a str,
    /// Already acknowledged with a deferral: the first message edits the placeholder.
    pub deferred: bool,
}

/// The files of a message, as Discord attachments.
pub fn files(message: &RichMessage) -> Vec<CreateAttachment> {
    message
        .attachment
        .iter()
        .map(|file| CreateAttachment::bytes(file.bytes.clone(), file.filename.clone()))
        .collect()
}

/// Delivers every message of the core's answer to one interaction, in order. Stops at the
/// first failure that leaves the rest undeliverable (the interaction's own response); a
/// failed follow-up or direct message is logged and the rest still go out.
///
/// # Errors
/// The first error Discord answered, after trying everything that could still be sent.
pub async fn answer(
    coach: &Coach,
    http: &Http,
    responding: Responding<'_>,
    outgoing: &[Outgoing],
) -> serenity::Result<()> {
    // Whether the interaction's own response (or the deferred placeholder) is used up.
    let mut responded = false;
    let mut first_error = None;
    for (i, message) in outgoing.iter().enumerate() {
        if let Destination::Person(_) = message.to {
            // Through the postman; the core is told once it is sent. Named after the
            // interaction, so that a repeat of this answer is not posted twice.
            let key = format!("i{}-{i}", responding.id);
            if let Err(err) = coach
                .send(
                    Platform::Discord,
                    responding.workspace,
                    message,
                    Some(SendKey::first(&key)),
                )
                .await
            {
                tracing::warn!(error = %err, "a direct message in an answer was not sent");
            }
            continue;
        }
        let mut sent_all = true;
        let modal_allowed = !responded && !responding.deferred;
        let mut attachments = files(&message.message);
        for piece in render(&message.message, modal_allowed) {
            let files = std::mem::take(&mut attachments);
            let result = if responded {
                follow_up(http, responding.token, piece, files, message.ephemeral).await
            } else {
                responded = true;
                if responding.deferred {
                    edit_original(http, responding.token, piece, files).await
                } else {
                    respond(http, responding, piece, files, message.ephemeral).await
                }
            };
            if let Err(err) = result {
                sent_all = false;
                tracing::warn!(error = %err, "a part of an answer was not delivered");
                first_error.get_or_insert(err);
                if !responded {
                    break;
                }
            }
        }
        if sent_all {
            coach.delivered(message).await;
        }
    }
    first_error.map_or(Ok(()), Err)
}

async fn respond(
    http: &Http,
    responding: Responding<'_>,
    piece: Rendered,
    files: Vec<CreateAttachment>,
    ephemeral: bool,
) -> serenity::Result<()> {
    let response = match piece.modal {
        Some(modal) => CreateInteractionResponse::Modal(modal),
        None => CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .embeds(piece.embeds)
                .components(piece.components)
                .files(files)
                .ephemeral(ephemeral),
        ),
    };
    response
        .execute(http, (responding.id, responding.token))
        .await
}

async fn edit_original(
    http: &Http,
    token: &str,
    piece: Rendered,
    files: Vec<CreateAttachment>,
) -> serenity::Result<()> {
    let mut edit = EditInteractionResponse::new()
        .embeds(piece.embeds)
        .components(piece.components);
    for file in files {
        edit = edit.new_attachment(file);
    }
    edit.execute(http, token).await.map(|_| ())
}

async fn follow_up(
    http: &Http,
    token: &str,
    piece: Rendered,
    files: Vec<CreateAttachment>,
    ephemeral: bool,
) -> serenity::Result<()> {
    CreateInteractionResponseFollowup::new()
        .embeds(piece.embeds)
        .components(piece.components)
        .files(files)
        .ephemeral(ephemeral)
        .execute(http, (None, token))
        .await
        .map(|_| ())
}

//! What both of Slack's modes do with an event once it has been acknowledged: find out who the
//! person is, ask the core, and deliver its answer by the core's delivery contract
//! ([`Coach::handle`]): a form opens as a modal with the event's `trigger_id` (first, as a
//! trigger works once and for 3 seconds), a private answer goes through the event's `response_url` or `chat.postEphemeral` (the
//! person's DM when neither reaches them), a
//! public one and a message to a person through the postman, a file to the person's DM with the
//! bot. Events are claimed by their `event_id` (commands and button presses by their
//! `trigger_id`, form submissions by their view) in the database first, so Slack's
//! redeliveries and other replicas change nothing twice.

use std::sync::Arc;

use slack_morphism::prelude::*;

use super::{
    inbound::{self, Inbound, ReplyTo},
    people::People,
    postman::{Client, SlackPostman},
    render,
};
use crate::core::{Coach, Destination, Outgoing, Postman};

/// What answering on Slack needs: the clients with the bot token, the postman and the people.
pub(super) struct Delivery {
    pub(super) client: Arc<Client>,
    /// The client for `response_url`s (see [`super::postman::unpaced`]).
    pub(super) responder: Arc<Client>,
    pub(super) token: SlackApiToken,
    pub(super) postman: Arc<SlackPostman>,
    pub(super) people: Arc<People>,
}

/// What the callbacks need, kept in slack-morphism's listener state (Socket Mode) or the
/// routes' state (HTTP mode).
pub(super) struct Handler {
    pub(super) coach: Arc<Coach>,
    pub(super) delivery: Arc<Delivery>,
}

impl Handler {
    /// Now, by the coach's clock.
    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.coach.clock().now()
    }

    /// Handles a slash command in the background and returns at once.
    pub(super) fn hand_on_command(self: &Arc<Self>, event: SlackCommandEvent) {
        let handler = self.clone();
        tokio::spawn(async move {
            let person = handler
                .delivery
                .people
                .person(&event.team_id.0, &event.user_id.0)
                .await;
            // A redelivered command carries the same trigger: it is answered once.
            let id = format!("trigger:{}", event.trigger_id.0);
            handler.answer(inbound::command(&event, &person), &id).await;
        });
    }

    /// Handles a button press or a form submission in the background and returns at once.
    pub(super) fn hand_on_interaction(self: &Arc<Self>, event: SlackInteractionEvent) {
        let handler = self.clone();
        tokio::spawn(async move {
            let (team, user) = match &event {
                SlackInteractionEvent::BlockActions(e) => (
                    e.team.id.0.clone(),
                    e.user.as_ref().map(|u| u.id.0.clone()).unwrap_or_default(),
                ),
                SlackInteractionEvent::ViewSubmission(e) => {
                    (e.team.id.0.clone(), e.user.id.0.clone())
                }
                _ => return,
            };
            // A redelivered press repeats its trigger. A submission is named by its view and
            // the view's version (`hash`): a modal is submitted once (it closes), whatever
            // trigger a repeat carries, and Slack's payload need not carry one.
            let id = match &event {
                SlackInteractionEvent::BlockActions(e) => format!("trigger:{}", e.trigger_id.0),
                SlackInteractionEvent::ViewSubmission(e) => format!(
                    "view:{}:{}",
                    e.view.state_params.id.0, e.view.state_params.hash
                ),
                _ => return,
            };
            let person = handler.delivery.people.person(&team, &user).await;
            if let Some(inbound) = inbound::interaction(&event, &person) {
                handler.answer(inbound, &id).await;
            }
        });
    }

    /// Handles an Events API event in the background, once per `event_id`, and returns at
    /// once.
    pub(super) fn hand_on_push(self: &Arc<Self>, event: SlackPushEventCallback) {
        let handler = self.clone();
        tokio::spawn(async move {
            let SlackEventCallbackBody::Message(message) = &event.event else {
                return;
            };
            let Some(user) = message.sender.user.as_ref() else {
                return;
            };
            let person = handler
                .delivery
                .people
                .person(&event.team_id.0, &user.0)
                .await;
            let Some(inbound) = inbound::message(&event.team_id.0, message, &person) else {
                return;
            };
            // Once per event, whichever connection or replica received it.
            handler.answer(inbound, &event.event_id.0).await;
        });
    }

    /// The core's answer to an inbound event, delivered; nothing when the event was handled
    /// already ([`Coach::handle_event`]). Slack's `event_id` names an event; a command or a
    /// button press is named by its `trigger_id`, which a redelivered envelope repeats.
    async fn answer(&self, inbound: Inbound, event: &str) {
        let Some(answer) = self.coach.handle_event(&inbound.interaction, event).await else {
            return;
        };
        self.delivery
            .deliver_all(&self.coach, &answer, &inbound.reply_to)
            .await;
    }
}

impl Delivery {
    pub(super) async fn deliver_all(&self, coach: &Coach, answer: &[Outgoing], reply_to: &ReplyTo) {
        for outgoing in answer {
            match self.deliver(outgoing, reply_to).await {
                Ok(()) => coach.delivered(outgoing).await,
                Err(err) => {
                    tracing::warn!(error = %err, "a part of a Slack answer was not delivered");
                }
            }
        }
    }

    /// Uploads `attachment` into `user`'s DM with the bot: `files.getUploadURLExternal`, the
    /// bytes to the upload URL, then `files.completeUploadExternal` sharing it in that DM only
    /// (Slack: the current upload flow; `files.upload` is retired).
    async fn upload_to_dm(
        &self,
        user: &str,
        attachment: &crate::core::Attachment,
    ) -> anyhow::Result<()> {
        let session = self.client.open_session(&self.token);
        let dm = session
            .conversations_open(
                &SlackApiConversationsOpenRequest::new().with_users(vec![SlackUserId(user.into())]),
            )
            .await?
            .channel
            .id;
        let target = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                attachment.filename.clone(),
                attachment.bytes.len(),
            ))
            .await?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                target.upload_url,
                attachment.bytes.clone(),
                attachment.media_type.to_owned(),
            ))
            .await?;
        session
            .files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![
                    SlackApiFilesComplete::new(target.file_id)
                        .with_title(attachment.filename.clone()),
                ])
                .with_channel_id(dm),
            )
            .await?;
        Ok(())
    }

    /// One message of an answer, by the delivery contract.
    async fn deliver(&self, outgoing: &Outgoing, reply_to: &ReplyTo) -> anyhow::Result<()> {
        let session = self.client.open_session(&self.token);
        // A form opens as a modal while the trigger is fresh; without one it shows as a button.
        if let (Some(form), Some(trigger)) = (&outgoing.message.form, &reply_to.trigger_id) {
            let view = render::modal(form, Some(&reply_to.channel));
            session
                .views_open(&SlackApiViewsOpenRequest::new(
                    SlackTriggerId(trigger.clone()),
                    view,
                ))
                .await?;
            return Ok(());
        }
        // A file (the data export) goes to the person's DM with the bot, where only they see
        // it, through Slack's upload flow; the message itself follows as usual.
        if let Some(attachment) = &outgoing.message.attachment {
            self.upload_to_dm(&reply_to.user, attachment).await?;
        }
        let private = outgoing.ephemeral && !matches!(outgoing.to, Destination::Person(_));
        if !private {
            let to = match &outgoing.to {
                Destination::Channel(_) if reply_to.thread_ts.is_some() => Destination::Thread {
                    channel: reply_to.channel.clone(),
                    thread: inbound::message_id(
                        &reply_to.channel,
                        reply_to.thread_ts.as_deref().unwrap_or_default(),
                    ),
                },
                other => other.clone(),
            };
            let outgoing = Outgoing {
                to,
                ..outgoing.clone()
            };
            self.postman.send("", &outgoing, None).await?;
            return Ok(());
        }
        if let Err(err) = self.answer_privately(outgoing, reply_to).await {
            // Neither a response_url nor chat.postEphemeral reached the person (a channel the
            // bot is not in, a used-up URL): the answer goes to their DM, so it is not lost.
            tracing::info!(error = %err, "a private Slack answer goes to the person's DM");
            let to_person = Outgoing {
                to: Destination::Person(reply_to.user.clone()),
                ..outgoing.clone()
            };
            self.postman.send("", &to_person, None).await?;
        }
        Ok(())
    }

    /// Answers only the person, piece by piece: through the event's `response_url` when it has
    /// one (it works in any channel, whether or not the bot is in it), else, or when Slack
    /// refuses it (used 5 times, older than 30 minutes), through `chat.postEphemeral`.
    async fn answer_privately(
        &self,
        outgoing: &Outgoing,
        reply_to: &ReplyTo,
    ) -> anyhow::Result<()> {
        let session = self.client.open_session(&self.token);
        let response_url = reply_to
            .response_url
            .as_deref()
            .and_then(|url| url.parse::<url::Url>().ok())
            .map(SlackResponseUrl);
        for piece in render::render(&outgoing.message) {
            let content = SlackMessageContent::new()
                .with_text(piece.text)
                .with_blocks(piece.blocks);
            if let Some(url) = &response_url {
                // Slack: a response_url answers ephemerally unless told otherwise; a button's
                // would replace its message if asked, and is told not to.
                let request = SlackApiPostWebhookMessageRequest::new(content.clone())
                    .with_replace_original(false);
                match self.responder.respond_to_event(url, &request).await {
                    Ok(_) => continue,
                    Err(err) => {
                        tracing::info!(error = %err, "a response_url was refused; answering with chat.postEphemeral");
                    }
                }
            }
            let mut request = SlackApiChatPostEphemeralRequest::new(
                SlackChannelId(reply_to.channel.clone()),
                SlackUserId(reply_to.user.clone()),
                content,
            );
            if let Some(ts) = &reply_to.thread_ts {
                request = request.with_thread_ts(SlackTs(ts.clone()));
            }
            session.chat_post_ephemeral(&request).await?;
        }
        Ok(())
    }
}

//! The Slack service in Socket Mode (`SLACK_APP_TOKEN` + `SLACK_BOT_TOKEN`; no public URL):
//! slack-morphism's Socket Mode listener receives slash commands, interactions and events, and
//! each callback only hands the work on and returns, so every envelope is acknowledged at once
//! (Slack wants an ack within 3 seconds; slack-morphism sends it when the callback returns, and
//! runs one connection's callbacks one at a time).
//!
//! The work: who the person is ([`People`]), the core's answer, and its delivery by the rules of
//! the core's delivery contract ([`Coach::handle`]): a form opens as a modal with the event's
//! `trigger_id` (first, as a trigger works once and for 3 seconds), a private answer goes
//! through `chat.postEphemeral`, a public one and a message to a person through the postman.
//! Events are claimed by their `event_id` in the database first, so Slack's redeliveries and
//! other replicas change nothing twice.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

use super::{
    inbound::{self, Inbound, ReplyTo},
    people::People,
    postman::{Client, SlackPostman, client},
    render,
};
use crate::{
    core::{Coach, Destination, Outgoing, Platform, Postman},
    ops::Readiness,
};

/// The Slack adapter: its Web API client, postman and people, ready to listen.
pub struct Slack {
    client: Arc<Client>,
    app_token: Option<SecretString>,
    delivery: Arc<Delivery>,
}

/// What answering on Slack needs: the client with the bot token, the postman and the people.
struct Delivery {
    client: Arc<Client>,
    token: SlackApiToken,
    postman: Arc<SlackPostman>,
    people: Arc<People>,
}

// Tokens never reach debug output.
impl std::fmt::Debug for Slack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slack(***)")
    }
}

/// Why the bot token could not be used at start.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "SLACK_BOT_TOKEN was rejected by Slack ({0}): check the token in the app's OAuth settings"
    )]
    Rejected(String),
    #[error("Slack could not be reached to check SLACK_BOT_TOKEN: {0}")]
    Unreachable(String),
}

/// What the callbacks need, kept in slack-morphism's listener state (Socket Mode) or the
/// routes' state (HTTP mode).
pub(super) struct Handler {
    coach: Arc<Coach>,
    delivery: Arc<Delivery>,
}

impl Slack {
    /// The adapter for the Web API at `api_base` (`SLACK_API_BASE`) with the bot and app
    /// tokens.
    ///
    /// # Errors
    /// When the system's certificate authorities cannot be read.
    pub fn new(
        api_base: &str,
        bot_token: &SecretString,
        app_token: Option<&SecretString>,
    ) -> std::io::Result<Self> {
        let client = client(api_base)?;
        let delivery = Delivery {
            postman: Arc::new(SlackPostman::new(client.clone(), bot_token)),
            people: Arc::new(People::new(client.clone(), bot_token)),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_owned())),
            client: client.clone(),
        };
        Ok(Self {
            app_token: app_token.cloned(),
            delivery: Arc::new(delivery),
            client,
        })
    }

    /// Checks the bot token with `auth.test` before anything starts.
    ///
    /// # Errors
    /// [`TokenError::Rejected`] when Slack refuses the token (`invalid_auth`, `not_authed`,
    /// `account_inactive`, `token_revoked`): the configuration must change.
    /// [`TokenError::Unreachable`] when Slack cannot be asked.
    pub async fn check_token(&self) -> Result<(), TokenError> {
        let session = self.client.open_session(&self.delivery.token);
        match session.auth_test().await {
            Ok(_) => Ok(()),
            Err(slack_morphism::errors::SlackClientError::ApiError(api))
                if matches!(
                    api.code.as_str(),
                    "invalid_auth"
                        | "not_authed"
                        | "account_inactive"
                        | "token_revoked"
                        | "not_allowed_token_type"
                ) =>
            {
                Err(TokenError::Rejected(api.code))
            }
            Err(err) => Err(TokenError::Unreachable(err.to_string())),
        }
    }

    /// The postman to register with the coach's router.
    pub fn postman(&self) -> Arc<SlackPostman> {
        self.delivery.postman.clone()
    }

    /// Delivers the core's `answer` to an event by the delivery contract (see the module
    /// docs), telling the coach after each message; a message that fails is logged and the
    /// rest still go.
    pub async fn deliver(&self, coach: &Coach, answer: &[Outgoing], reply_to: &ReplyTo) {
        self.delivery.deliver_all(coach, answer, reply_to).await;
    }

    /// Listens in Socket Mode until `stop` completes, then closes the connections.
    ///
    /// # Errors
    /// When the first connection cannot be opened (`apps.connections.open` refused the app
    /// token, or Slack cannot be reached).
    pub async fn run(
        &self,
        coach: Arc<Coach>,
        readiness: Arc<Readiness>,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let handler = Arc::new(Handler {
            coach,
            delivery: self.delivery.clone(),
        });
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(self.client.clone()).with_user_state(handler),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push);
        let listener = SlackClientSocketModeListener::new(
            &SlackClientSocketModeConfig::new(),
            environment,
            callbacks,
        );
        let app_token = self
            .app_token
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("Socket Mode needs SLACK_APP_TOKEN"))?;
        let app_token =
            SlackApiToken::new(SlackApiTokenValue(app_token.expose_secret().to_owned()));
        listener
            .listen_for(&app_token)
            .await
            .map_err(|err| anyhow::anyhow!("Slack Socket Mode could not connect: {err}"))?;
        listener.start().await;
        readiness.set_connected(Platform::Slack, true);
        tracing::info!("connected to Slack (Socket Mode)");
        stop.await;
        readiness.set_connected(Platform::Slack, false);
        listener.shutdown().await;
        Ok(())
    }
}

impl Slack {
    /// Serves HTTP mode's routes on `listener` until `stop` completes, checking every request
    /// with the signing secret.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn serve_http(
        &self,
        coach: Arc<Coach>,
        readiness: Arc<Readiness>,
        listener: tokio::net::TcpListener,
        signing_secret: &SecretString,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let routes = super::http::Routes {
            handler: Arc::new(Handler {
                coach,
                delivery: self.delivery.clone(),
            }),
            check: Arc::new(super::signature::SignatureCheck::new(signing_secret)),
        };
        readiness.set_connected(Platform::Slack, true);
        tracing::info!(addr = ?listener.local_addr().ok(), "serving Slack's HTTP mode");
        axum::serve(listener, super::http::router(routes))
            .with_graceful_shutdown(stop)
            .await?;
        readiness.set_connected(Platform::Slack, false);
        Ok(())
    }
}

/// The handler kept in the listener's state.
async fn handler(state: &SlackClientEventsUserState) -> Option<Arc<Handler>> {
    state.read().await.get_user_state::<Arc<Handler>>().cloned()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    if let Some(handler) = handler(&state).await {
        handler.hand_on_command(event);
    }
    // The ack carries nothing: the answer follows through the Web API.
    Ok(SlackCommandEventResponse::new(SlackMessageContent::new()))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(handler) = handler(&state).await {
        handler.hand_on_interaction(event);
    }
    Ok(())
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(handler) = handler(&state).await {
        handler.hand_on_push(event);
    }
    Ok(())
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
            handler.answer(inbound::command(&event, &person)).await;
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
            let person = handler.delivery.people.person(&team, &user).await;
            if let Some(inbound) = inbound::interaction(&event, &person) {
                handler.answer(inbound).await;
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
            let storage = handler.coach.storage();
            let now = handler.coach.clock().now();
            match storage
                .claim_event(Platform::Slack, &event.event_id.0, now)
                .await
            {
                Ok(true) => handler.answer(inbound).await,
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "claiming a Slack event failed"),
            }
        });
    }

    /// The core's answer to an inbound event, delivered.
    async fn answer(&self, inbound: Inbound) {
        let answer = self.coach.handle(&inbound.interaction).await;
        self.delivery
            .deliver_all(&self.coach, &answer, &inbound.reply_to)
            .await;
    }
}

impl Delivery {
    async fn deliver_all(&self, coach: &Coach, answer: &[Outgoing], reply_to: &ReplyTo) {
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
        for piece in render::render(&outgoing.message) {
            let content = SlackMessageContent::new()
                .with_text(piece.text)
                .with_blocks(piece.blocks);
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

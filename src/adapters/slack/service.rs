//! The Slack service in Socket Mode (`SLACK_APP_TOKEN` + `SLACK_BOT_TOKEN`; no public URL):
//! slack-morphism's Socket Mode listener receives slash commands, interactions and events, and
//! each callback only hands the work on and returns, so every envelope is acknowledged at once
//! (Slack wants an ack within 3 seconds; slack-morphism sends it when the callback returns, and
//! runs one connection's callbacks one at a time).
//!
//! The work is done by [`super::handler`], the same for HTTP mode ([`Slack::serve_http`]).

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

use super::{
    handler::{Delivery, Handler},
    inbound::ReplyTo,
    people::People,
    postman::{Client, SlackPostman, client, unpaced},
};
use crate::{
    core::{Coach, Outgoing, Platform},
    ops::Readiness,
};

/// The Slack adapter: its Web API client, postman and people, ready to listen.
pub struct Slack {
    client: Arc<Client>,
    app_token: Option<SecretString>,
    delivery: Arc<Delivery>,
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
            postman: Arc::new(SlackPostman::new(api_base, bot_token)?),
            people: Arc::new(People::new(client.clone(), bot_token)),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_owned())),
            client: client.clone(),
            responder: unpaced(api_base)?,
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
        let handler = Arc::new(Handler {
            coach,
            delivery: self.delivery.clone(),
        });
        readiness.set_connected(Platform::Slack, true);
        tracing::info!(addr = ?listener.local_addr().ok(), "serving Slack's HTTP mode");
        super::http::serve(listener, handler, signing_secret, stop).await?;
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

//! Discord as one platform of `shiftcoach run`: check the token, build the REST clients, then
//! keep the gateway connection until told to stop.

use std::sync::Arc;

use anyhow::Context as _;
use serenity::all::{ClientBuilder, GuildId};
use tokio::sync::watch;

use super::{gateway, http, postman::DiscordPostman};
use crate::{
    config::{Config, ShardCount},
    core::{Coach, Platform},
    ops::Readiness,
};

/// Why Discord could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Discord answered 401: the token is wrong. Retrying will not help.
    #[error(
        "DISCORD_TOKEN was rejected by Discord (401 Unauthorized): check the bot token in the developer portal"
    )]
    TokenRejected,
    /// A setting is wrong (the API base, the certificate).
    #[error("{0}")]
    Config(String),
    /// Discord could not be reached.
    #[error("cannot reach Discord: {0}")]
    Unreachable(String),
}

/// A Discord bot whose token was accepted, ready to run.
pub struct Discord {
    config: Config,
    postman: Arc<DiscordPostman>,
}

impl Discord {
    /// Builds the REST client from the configuration (`DISCORD_TOKEN`, `DISCORD_API_BASE`,
    /// `DISCORD_CA_CERT`) and checks the token with one request (`GET /users/@me`).
    ///
    /// # Errors
    /// [`StartError::TokenRejected`] for a 401; [`StartError::Config`] for an unreadable
    /// certificate or a bad API base; [`StartError::Unreachable`] otherwise.
    pub async fn connect(config: &Config) -> Result<Self, StartError> {
        let api = Self::rest_client(config).await?;
        match api.get_current_user().await {
            Ok(me) => tracing::info!(bot = me.name.as_str(), "Discord token accepted"),
            Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(
                response,
            ))) if response.status_code.as_u16() == 401 => {
                return Err(StartError::TokenRejected);
            }
            Err(err) => return Err(StartError::Unreachable(err.to_string())),
        }
        Ok(Self {
            config: config.clone(),
            postman: Arc::new(DiscordPostman::new(Arc::new(api))),
        })
    }

    async fn rest_client(config: &Config) -> Result<serenity::http::Http, StartError> {
        let token = config
            .discord_token
            .as_ref()
            .ok_or_else(|| StartError::Config("DISCORD_TOKEN is not set".into()))?;
        let ca = match &config.discord_ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|err| {
                StartError::Config(format!(
                    "DISCORD_CA_CERT: cannot read {}: {err}",
                    path.display()
                ))
            })?),
            None => None,
        };
        http::build(token, config.discord_api_base.as_ref(), ca.as_deref())
            .await
            .map_err(|err| StartError::Config(err.to_string()))
    }

    /// What sends nudges and direct messages on Discord.
    pub fn postman(&self) -> Arc<DiscordPostman> {
        self.postman.clone()
    }

    /// Connects to the gateway and answers events through `coach` until `stop` turns true,
    /// then closes the shards.
    ///
    /// # Errors
    /// When the gateway connection ends for good (for example a token revoked while running).
    pub async fn run(
        self,
        coach: Arc<Coach>,
        readiness: Arc<Readiness>,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let http = Self::rest_client(&self.config).await?;
        let config = &self.config;
        let mut client =
            ClientBuilder::new_with_http(http, gateway::intents(config.discord_message_content))
                .event_handler(gateway::Handler {
                    coach,
                    readiness: readiness.clone(),
                    guild: config.discord_guild_id.map(GuildId::new),
                    message_content: config.discord_message_content,
                    pace: self.postman.pace(),
                })
                .await
                .context("starting the Discord client")?;
        let shards = client.shard_manager.clone();
        // Sharding by serenity's shard manager: all the shards Discord recommends, a fixed
        // number, or this replica's range of them (DISCORD_SHARDS, DISCORD_SHARD_RANGE).
        let started = async {
            match (config.discord_shards, config.discord_shard_range) {
                (ShardCount::Auto, _) => client.start_autosharded().await,
                (ShardCount::Total(total), None) => client.start_shards(total).await,
                // serenity reads the range's end as the last shard, inclusive.
                (ShardCount::Total(total), Some((first, last))) => {
                    client.start_shard_range(first..last, total).await
                }
            }
        };
        let result = tokio::select! {
            ended = started => ended.context("the Discord connection ended"),
            _ = stop.wait_for(|stop| *stop) => Ok(()),
        };
        readiness.set_connected(Platform::Discord, false);
        shards.shutdown_all().await;
        result
    }
}

//! The HTTP client serenity talks to Discord with.
//!
//! `DISCORD_API_BASE` points REST (and, through `GET /api/v10/gateway`, the gateway) somewhere
//! other than discord.com, for tests and self-hosted endpoints. serenity's rate limiter always
//! builds `https://discord.com/...` URLs (its `proxy` setting works only with the limiter off),
//! so instead of rewriting URLs the client resolves discord.com to the configured host and port;
//! the endpoint presents a certificate for discord.com, trusted through `DISCORD_CA_CERT` when it
//! is not publicly signed. 429 handling stays serenity's.

use std::{net::SocketAddr, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serenity::http::{Http, HttpBuilder};

/// Discord's REST host, as serenity addresses it.
const DISCORD_HOST: &str = "discord.com";
/// serenity sets no timeout of its own; a hung request must not hold a send forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("DISCORD_API_BASE: {0}")]
    Base(String),
    #[error("DISCORD_CA_CERT: {0}")]
    Certificate(String),
    #[error("building the HTTP client: {0}")]
    Build(#[from] reqwest::Error),
}

/// Builds serenity's HTTP client for `token`, redirected to `api_base` when given.
pub async fn build(
    token: &SecretString,
    api_base: Option<&url::Url>,
    ca_pem: Option<&[u8]>,
) -> Result<Http, ClientError> {
    let mut client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!(
            "DiscordBot (https://github.com/shiftcoach, ",
            env!("CARGO_PKG_VERSION"),
            ")"
        ));
    if let Some(base) = api_base {
        if base.scheme() != "https" {
            return Err(ClientError::Base(format!(
                "expected an https:// URL such as https://discord-proxy.internal:8443, got {base}"
            )));
        }
        let host = base
            .host_str()
            .ok_or_else(|| ClientError::Base("the URL has no host".into()))?;
        let port = base.port_or_known_default().unwrap_or(443);
        let addr: SocketAddr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|err| ClientError::Base(format!("cannot resolve {host}: {err}")))?
            .next()
            .ok_or_else(|| ClientError::Base(format!("{host} has no address")))?;
        client = client.resolve(DISCORD_HOST, addr);
    }
    if let Some(pem) = ca_pem {
        let certificate = reqwest::Certificate::from_pem(pem)
            .map_err(|err| ClientError::Certificate(format!("not a PEM certificate: {err}")))?;
        client = client.add_root_certificate(certificate);
    }
    Ok(HttpBuilder::new(token.expose_secret())
        .client(client.build()?)
        .build())
}

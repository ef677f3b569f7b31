//! The HTTP client serenity talks to Discord with.
//!
//! `DISCORD_API_BASE` points REST (and, through `GET /api/v10/gateway`, the gateway) somewhere
//! other than discord.com, for tests and self-hosted endpoints. serenity's rate limiter always
//! builds `https://discord.com/...` URLs (its `proxy` setting works only with the limiter off),
//! so instead of rewriting URLs the client resolves discord.com to the configured host and port;
//! the endpoint presents a certificate for discord.com, trusted through `DISCORD_CA_CERT` when it
//! is not publicly signed. 429 handling stays serenity's; [`GlobalPace`] keeps the bot's own
//! requests under Discord's global limit ahead of time.

use std::{net::SocketAddr, num::NonZeroU32, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serenity::http::{Http, HttpBuilder};

/// Discord's REST host, as serenity addresses it.
const DISCORD_HOST: &str = "discord.com";
/// serenity sets no timeout of its own; a hung request must not hold a send forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Discord's global limit: "All bots can make up to 50 requests per second to our API"
/// (Discord developer documentation, Topics: Rate Limits, Global Rate Limit). It counts every
/// request made with the bot token, whatever its route; interaction endpoints (the callback,
/// follow-ups and edits through an interaction's token) are not bound to it.
pub const GLOBAL_REQUESTS_PER_SECOND: u32 = 50;

/// The pace of the bot's own requests: two below [`GLOBAL_REQUESTS_PER_SECOND`], evenly
/// spaced (one every 20.8 ms, no bursts). Requests leave the pacer evenly but reach Discord
/// with network jitter, and one second that catches a couple early must still hold no more
/// than 50; the margin costs 4 % of the limit.
pub const PACED_REQUESTS_PER_SECOND: u32 = GLOBAL_REQUESTS_PER_SECOND - 2;

/// Paces requests under Discord's global limit ahead of time. serenity's rate limiter paces
/// each route's bucket from the `X-RateLimit-*` headers, but learns of the global limit only
/// from a 429 (`X-RateLimit-Global`), and while one request waits that out the others keep
/// going and meet 429s of their own: a burst of nudges to many channels would run into it
/// again and again. Requests through interaction tokens must not wait here: they are outside
/// the global limit, and a person is waiting for them.
#[derive(Debug)]
pub struct GlobalPace(governor::DefaultDirectRateLimiter);

impl GlobalPace {
    /// A pacer at [`PACED_REQUESTS_PER_SECOND`].
    pub fn new() -> Self {
        let every = Duration::from_secs(1) / PACED_REQUESTS_PER_SECOND;
        let quota = governor::Quota::with_period(every)
            .expect("a positive period is a constant")
            .allow_burst(NonZeroU32::MIN);
        Self(governor::RateLimiter::direct(quota))
    }

    /// Waits until one more request may go out, then counts it.
    pub async fn ready(&self) {
        self.0.until_ready().await;
    }
}

impl Default for GlobalPace {
    fn default() -> Self {
        Self::new()
    }
}

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

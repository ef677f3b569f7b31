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

/// The pace of the bot's own requests: two below [`GLOBAL_REQUESTS_PER_SECOND`], one every
/// 20.8 ms, with bursts of at most [`PACED_BURST`]. Any second then holds at most 49 requests
/// as they leave, and requests reach Discord with some jitter: the margin keeps a second that
/// catches one early under 50, and costs 4 % of the limit.
pub const PACED_REQUESTS_PER_SECOND: u32 = GLOBAL_REQUESTS_PER_SECOND - 2;

/// Requests the pacer lets go at once. Two rather than one: a request let go a little late (a
/// timer, a busy core) would otherwise push every later one back by as much, and at one every
/// 20.8 ms a millisecond late each time costs 5 % of the rate.
pub const PACED_BURST: u32 = 2;

/// Paces requests under Discord's global limit ahead of time. serenity's rate limiter paces
/// each route's bucket from the `X-RateLimit-*` headers, but learns of the global limit only
/// from a 429 (`X-RateLimit-Global`), and while one request waits that out the others keep
/// going and meet 429s of their own: a burst of nudges to many channels would run into it
/// again and again. Requests through interaction tokens must not wait here: they are outside
/// the global limit, and a person is waiting for them. One per process: replicas sharing the
/// bot token are not paced together, and meet 429s when they burst at once.
#[derive(Debug)]
pub struct GlobalPace(governor::DefaultDirectRateLimiter);

impl GlobalPace {
    /// A pacer at [`PACED_REQUESTS_PER_SECOND`], in bursts of at most [`PACED_BURST`].
    pub fn new() -> Self {
        Self(governor::RateLimiter::direct(Self::quota()))
    }

    fn quota() -> governor::Quota {
        // Rounded up to the nanosecond: 48 periods never fit in a second.
        let every =
            Duration::from_nanos(1_000_000_000_u64.div_ceil(PACED_REQUESTS_PER_SECOND.into()));
        let burst = NonZeroU32::new(PACED_BURST).expect("a positive burst is a constant");
        governor::Quota::with_period(every)
            .expect("a positive period is a constant")
            .allow_burst(burst)
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

#[cfg(test)]
mod tests {
    use governor::{RateLimiter, clock::FakeRelativeClock};

    use super::*;

    /// Asked for a request every millisecond for three seconds (on a clock of the test's own),
    /// the pacer never lets more than 49 go within one second, and lets nearly that many go.
    #[test]
    fn no_second_holds_more_than_49_requests() {
        let clock = FakeRelativeClock::default();
        let pace = RateLimiter::direct_with_clock(GlobalPace::quota(), clock.clone());
        // The millisecond each request was let go in.
        let mut let_go: Vec<u64> = Vec::new();
        for ms in 0..3000 {
            if pace.check().is_ok() {
                let_go.push(ms);
            }
            clock.advance(Duration::from_millis(1));
        }
        // One below Discord's limit: a margin for requests that reach it a little early.
        let most = (GLOBAL_REQUESTS_PER_SECOND - 1) as usize;
        for (i, at) in let_go.iter().enumerate().skip(most) {
            let span = at - let_go[i - most];
            assert!(span >= 1000, "{} in {span} ms", most + 1);
        }
        // Three seconds at 48 a second, and the burst at the start.
        assert!(let_go.len() >= 3 * 48, "{}", let_go.len());
    }
}

//! Discord's rate limits, as the fake enforces them (Discord developer documentation, Topics:
//! Rate Limits).
//!
//! - The global limit: "All bots can make up to 50 requests per second to our API", counted per
//!   bot token whatever the route; "Interaction endpoints are not bound to the bot's Global Rate
//!   Limit" (the callback, and follow-ups and edits through the interaction's token). Discord
//!   does not say how it measures the second, so the fake takes the strictest reading: no more
//!   than 50 accepted requests in any second, a window sliding with each request. Requests it
//!   refuses for the global limit do not count.
//! - Per-route buckets: Discord announces each in `X-RateLimit-Limit`, `-Remaining`, `-Reset`
//!   (epoch seconds), `-Reset-After` (seconds, with decimals) and `-Bucket` on every answer, and
//!   says not to hard-code them. The fake enforces one: posts to a channel's messages, 5 per 5 s
//!   per channel (the bucket Discord's headers announce for `POST /channels/{id}/messages`), a
//!   window that starts with the first post after the last one ended; every post it lets
//!   through to the checks counts, refused or not.
//! - A refusal is a 429 with a JSON body `{message, retry_after (seconds, float), global}`, a
//!   `Retry-After` header in whole seconds (rounded up, as in Discord's examples), and
//!   `X-RateLimit-Scope` (`global` with `X-RateLimit-Global: true`, or `user` for a bucket,
//!   whose headers come with it).

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use hyper::StatusCode;
use serde_json::json;

use super::Reply;

/// Requests per [`GLOBAL_WINDOW`] a bot token may make outside interaction endpoints.
pub const GLOBAL_LIMIT: usize = 50;
/// The global limit's window.
pub const GLOBAL_WINDOW: Duration = Duration::from_secs(1);
/// Posts per [`POST_WINDOW`] in one channel.
pub const POSTS_PER_CHANNEL: usize = 5;
/// The per-channel post bucket's window.
pub const POST_WINDOW: Duration = Duration::from_secs(5);
/// The `X-RateLimit-Bucket` of channel message posts (Discord's is an opaque hash, the same for
/// every channel: the channel id, a top-level resource, is not part of it).
pub const POST_BUCKET: &str = "80c17d2f203122d936070c88c8d10f33";

/// What the fake has counted against the limits.
#[derive(Default)]
pub struct RateLimits {
    /// When each request counted against the global limit in the last window was handled,
    /// oldest first.
    global: VecDeque<Instant>,
    /// Per channel: when its current window of posts started, and how many posts it took.
    posts: HashMap<String, (Instant, usize)>,
}

impl RateLimits {
    /// Counts a request made with the bot token at `now` against the global limit, or refuses
    /// it with a global 429 when the last second already holds [`GLOBAL_LIMIT`].
    pub fn global(&mut self, now: Instant) -> Result<(), Reply> {
        while self
            .global
            .front()
            .is_some_and(|at| now.duration_since(*at) >= GLOBAL_WINDOW)
        {
            self.global.pop_front();
        }
        if self.global.len() >= GLOBAL_LIMIT {
            let oldest = *self.global.front().expect("the window is full");
            let wait = (oldest + GLOBAL_WINDOW).saturating_duration_since(now);
            return Err(too_many(wait, true, Vec::new()));
        }
        self.global.push_back(now);
        Ok(())
    }

    /// Counts a post to `channel` at `now` against its bucket. `Ok` holds the bucket's headers
    /// for the answer; a post over the limit is refused with a 429 carrying them.
    pub fn post(
        &mut self,
        channel: &str,
        now: Instant,
    ) -> Result<Vec<(&'static str, String)>, Reply> {
        let (started, taken) = self.posts.entry(channel.to_owned()).or_insert((now, 0));
        if now.duration_since(*started) >= POST_WINDOW {
            (*started, *taken) = (now, 0);
        }
        let reset_after = (*started + POST_WINDOW).saturating_duration_since(now);
        if *taken >= POSTS_PER_CHANNEL {
            return Err(too_many(reset_after, false, bucket_headers(0, reset_after)));
        }
        *taken += 1;
        Ok(bucket_headers(POSTS_PER_CHANNEL - *taken, reset_after))
    }
}

/// The headers Discord answers a channel post with.
fn bucket_headers(remaining: usize, reset_after: Duration) -> Vec<(&'static str, String)> {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + reset_after;
    vec![
        ("x-ratelimit-limit", POSTS_PER_CHANNEL.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
        (
            "x-ratelimit-reset-after",
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
        ("x-ratelimit-bucket", POST_BUCKET.to_owned()),
    ]
}

/// A 429 asking the client to wait `wait`: global, or for a route's bucket (`headers`).
pub fn too_many(wait: Duration, global: bool, mut headers: Vec<(&'static str, String)>) -> Reply {
    // At least a millisecond: a limit that is just expiring is still a limit.
    let seconds = wait.as_secs_f64().max(0.001);
    headers.push(("retry-after", format!("{}", seconds.ceil() as u64)));
    if global {
        headers.push(("x-ratelimit-global", "true".to_owned()));
    }
    headers.push((
        "x-ratelimit-scope",
        if global { "global" } else { "user" }.to_owned(),
    ));
    Reply {
        status: StatusCode::TOO_MANY_REQUESTS,
        body: Some(json!({
            "message": "You are being rate limited.",
            "retry_after": (seconds * 1000.0).ceil() / 1000.0,
            "global": global
        })),
        headers,
    }
}

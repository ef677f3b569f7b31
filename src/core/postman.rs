//! How the core and the scheduler send messages that are not answers to an interaction:
//! scheduled nudges and notices to admins. Each adapter implements [`Postman`] for its
//! platform.

use std::{future::Future, pin::Pin};

use super::Outgoing;
use crate::storage::ChannelAddress;

/// A boxed future, so that [`Postman`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a send did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: rate limits, time-outs, the platform being down.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying will not help until someone acts: no access to the channel, channel gone.
    #[error("{0}")]
    Permanent(String),
    /// The person does not accept direct messages from the bot.
    #[error("{0}")]
    DmClosed(String),
}

/// Sends messages on one or more platforms.
pub trait Postman: Send + Sync {
    /// Checks that the bot may post in `channel`.
    fn check_channel<'a>(
        &'a self,
        channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>>;

    /// Sends `message` on `platform` in `workspace` and returns the platform's message id.
    /// `key` identifies the send across retries, so a platform that supports it can drop a
    /// duplicate (Discord's nonce, Slack's message metadata).
    fn send<'a>(
        &'a self,
        platform: &'a str,
        workspace: &'a str,
        message: &'a Outgoing,
        key: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, SendError>>;
}

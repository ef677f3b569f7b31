//! How the core and the scheduler send messages that are not answers to an interaction
//! (scheduled nudges, notices, messages to a person), and what each platform allows.
//!
//! Each adapter implements [`Postman`] for its platform; the [`Router`] holds one per running
//! platform and picks it by the typed [`Platform`]. Answers to an interaction are delivered by
//! the adapter that received it (see [`Coach::handle`](super::Coach::handle)).

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc};

use super::{Outgoing, Platform};
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

/// Names one send across its attempts (`nudge-{delivery id}`), so that a platform can tell a
/// repeat from a first post: Discord drops a repeated nonce within a few minutes, and an adapter
/// can look for an earlier attempt's message before posting again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendKey<'a> {
    /// The same for every attempt of one send, and different for every send.
    pub name: &'a str,
    /// Whether an earlier attempt may already have reached the platform: it failed or timed out
    /// after its request left, or its process died mid-send. Only then is a lookup for the
    /// earlier message worth a request; a first attempt cannot have been posted before, and
    /// looking anyway would double the requests every send costs against the platform's limits.
    pub again: bool,
}

impl<'a> SendKey<'a> {
    /// The first attempt of a send: nothing can have been posted under `name` yet.
    pub const fn first(name: &'a str) -> Self {
        Self { name, again: false }
    }

    /// A later attempt, after one that may have posted under `name`.
    pub const fn again(name: &'a str) -> Self {
        Self { name, again: true }
    }
}

/// What a platform allows, for the core to shape what it asks for. Adapters own the numbers
/// and cite where they come from; everything else about fitting a message to a platform
/// (splitting long text, rows of buttons) happens inside the adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest text one form input accepts, in characters.
    pub form_input_chars: usize,
    /// Most autocomplete choices the platform shows.
    pub choices: usize,
}

impl Limits {
    /// For a surface with no limits of its own (the console).
    pub const UNLIMITED: Self = Self {
        form_input_chars: usize::MAX,
        choices: usize::MAX,
    };
}

/// Sends messages on one platform.
pub trait Postman: Send + Sync {
    /// The platform this postman sends on.
    fn platform(&self) -> Platform;

    /// What the platform allows.
    fn limits(&self) -> Limits;

    /// Checks that `channel` exists in `channel.workspace` and that the bot may post there.
    /// A channel of another workspace is refused with [`SendError::Permanent`].
    fn check_channel<'a>(
        &'a self,
        channel: &'a ChannelAddress,
    ) -> BoxFuture<'a, Result<(), SendError>>;

    /// The platform user id a mention in a command's text stands for, when `token` is one
    /// as the platform writes mentions (Discord `<@123>`, Slack `<@U123|name>`, the console
    /// `@name`); `None` for anything else.
    fn mentioned_user(&self, token: &str) -> Option<String> {
        let _ = token;
        None
    }

    /// Sends `message` in `workspace`, split into as many platform messages as its limits
    /// need, with every attachment, and returns the id of the first platform message. `key`
    /// identifies the send across retries, so a platform that supports it can drop a duplicate
    /// (Discord's nonce). A [`Destination::Person`](super::Destination::Person) is reached by
    /// opening a direct message.
    fn send<'a>(
        &'a self,
        workspace: &'a str,
        message: &'a Outgoing,
        key: Option<SendKey<'a>>,
    ) -> BoxFuture<'a, Result<String, SendError>>;
}

/// One [`Postman`] per running platform, picked by [`Platform`].
#[derive(Clone, Default)]
pub struct Router {
    postmen: BTreeMap<Platform, Arc<dyn Postman>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.postmen.keys()).finish()
    }
}

impl Router {
    /// Adds (or replaces) the postman of its platform.
    pub fn add(&mut self, postman: Arc<dyn Postman>) {
        self.postmen.insert(postman.platform(), postman);
    }

    /// The platforms that can be sent on.
    pub fn platforms(&self) -> impl Iterator<Item = Platform> + '_ {
        self.postmen.keys().copied()
    }

    /// What `platform` allows; a platform with no postman (only possible in tests) is treated
    /// as unlimited.
    pub fn limits(&self, platform: Platform) -> Limits {
        self.postmen
            .get(&platform)
            .map_or(Limits::UNLIMITED, |postman| postman.limits())
    }

    fn postman(&self, platform: Platform) -> Result<&Arc<dyn Postman>, SendError> {
        self.postmen.get(&platform).ok_or_else(|| {
            SendError::Permanent(format!("{platform} is not running in this process"))
        })
    }

    /// [`Postman::mentioned_user`] on `platform`.
    pub fn mentioned_user(&self, platform: Platform, token: &str) -> Option<String> {
        self.postmen.get(&platform)?.mentioned_user(token)
    }

    /// [`Postman::check_channel`] on the channel's platform.
    pub async fn check_channel(&self, channel: &ChannelAddress) -> Result<(), SendError> {
        self.postman(channel.platform)?.check_channel(channel).await
    }

    /// [`Postman::send`] on `platform`.
    pub async fn send(
        &self,
        platform: Platform,
        workspace: &str,
        message: &Outgoing,
        key: Option<SendKey<'_>>,
    ) -> Result<String, SendError> {
        self.postman(platform)?.send(workspace, message, key).await
    }
}

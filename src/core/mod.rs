//! The platform-neutral coach: an [`Interaction`] in, [`Outgoing`] messages out.
//!
//! The core knows nothing of Discord, Slack, the terminal or SQL: adapters translate to and from
//! these types, and storage is reached through [`Storage`]'s domain methods.

pub mod commands;
pub mod interaction;
pub mod lookup;
pub mod message;
pub mod mydata;
pub mod nudges;
pub mod postman;
pub mod reflect;

use std::{str::FromStr, sync::Arc};

use tokio::sync::Notify;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use interaction::{Actor, Interaction, InteractionKind, Platform};
pub use lookup::Choice;
pub use message::{
    Button, Destination, Field, Form, FormInput, Outgoing, OutgoingKind, RichMessage,
};
pub use postman::{BoxFuture, Postman, SendError};

use commands::CommandId;

use crate::{
    clock::SharedClock,
    content::Catalog,
    ops::Metrics,
    storage::{Storage, StorageError, UserId},
};

/// Why the core could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The request was refused; the message is written for the user and safe to show.
    #[error("{0}")]
    Refused(String),
    /// Something broke on our side; logged, and the user gets a generic apology.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for CoreError {
    fn from(err: StorageError) -> Self {
        Self::Internal(err.into())
    }
}

/// Settings the core reads.
#[derive(Debug, Clone)]
pub struct CoachSettings {
    /// Zone for people whose own zone is unknown, and for schedules set without one.
    pub default_zone: Tz,
    /// User or role ids (or names) treated as admins on every platform.
    pub admins: Vec<String>,
}

impl Default for CoachSettings {
    fn default() -> Self {
        Self {
            default_zone: Tz::UTC,
            admins: Vec::new(),
        }
    }
}

/// The coach itself. Cheap to share behind an `Arc`.
pub struct Coach {
    storage: Storage,
    catalog: Arc<Catalog>,
    clock: SharedClock,
    settings: CoachSettings,
    postman: Option<Arc<dyn Postman>>,
    schedules_changed: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Coach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coach")
            .field("storage", &self.storage.backend())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Everything a handler needs about the interaction being handled.
pub struct Context<'a> {
    pub coach: &'a Coach,
    pub interaction: &'a Interaction,
    pub user: UserId,
    /// The zone to show this user's times in.
    pub zone: Tz,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// A reply in the channel the interaction came from.
    pub fn reply(&self, message: RichMessage, ephemeral: bool) -> Outgoing {
        Outgoing {
            kind: OutgoingKind::Reply,
            to: Destination::Channel(self.interaction.channel.clone()),
            ephemeral,
            message,
        }
    }
}

impl Coach {
    pub fn new(
        storage: Storage,
        catalog: Arc<Catalog>,
        clock: SharedClock,
        settings: CoachSettings,
    ) -> Self {
        Self {
            storage,
            catalog,
            clock,
            settings,
            postman: None,
            schedules_changed: Arc::new(Notify::new()),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Counters and timings for `/metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Lets the core check channels before scheduling nudges in them.
    pub fn with_postman(mut self, postman: Arc<dyn Postman>) -> Self {
        self.postman = Some(postman);
        self
    }

    pub fn settings(&self) -> &CoachSettings {
        &self.settings
    }

    pub fn postman(&self) -> Option<&Arc<dyn Postman>> {
        self.postman.as_ref()
    }

    /// Notified whenever a schedule changes, so the scheduler can wake early.
    pub fn schedules_changed(&self) -> &Arc<Notify> {
        &self.schedules_changed
    }

    /// Whether `actor` may manage nudges: the platform says so, or configuration names them
    /// or one of their roles.
    pub fn is_admin(&self, actor: &Actor) -> bool {
        actor.is_admin
            || self
                .settings
                .admins
                .iter()
                .any(|admin| *admin == actor.user_id || actor.roles.contains(admin))
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Autocomplete choices for a command's name argument, at most 25 (Discord's limit).
    pub fn autocomplete(&self, command: &str, typed: &str) -> Vec<Choice> {
        lookup::autocomplete(&self.catalog, command, typed)
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Handles one interaction and returns what to send. Never fails: refusals and internal
    /// errors become error messages addressed to the person who acted.
    pub async fn handle(&self, interaction: &Interaction) -> Vec<Outgoing> {
        if let InteractionKind::Command { name, .. } = &interaction.kind {
            let known = commands::find(name).map_or("unknown", |spec| spec.name);
            self.metrics.command_handled(known);
        }
        match self.dispatch(interaction).await {
            Ok(outgoing) => outgoing,
            Err(err) => {
                let text = match &err {
                    CoreError::Refused(text) => text.clone(),
                    CoreError::Internal(cause) => {
                        self.metrics.failure("command");
                        tracing::error!(
                            platform = interaction.actor.platform.as_str(),
                            error = format!("{cause:#}"),
                            "handling an interaction failed"
                        );
                        "Something went wrong on our side and nothing was saved. Please try again in a moment.".into()
                    }
                };
                vec![Outgoing {
                    kind: OutgoingKind::Error,
                    to: Destination::Channel(interaction.channel.clone()),
                    ephemeral: true,
                    message: RichMessage {
                        body: text,
                        ..RichMessage::default()
                    },
                }]
            }
        }
    }

    async fn dispatch(&self, interaction: &Interaction) -> Result<Vec<Outgoing>, CoreError> {
        let now = self.clock.now();
        let actor = &interaction.actor;
        let user = self
            .storage
            .upsert_user(
                &actor.identity(),
                &actor.display_name,
                actor.zone.map(|zone| zone.name()),
                now,
            )
            .await?;
        let zone = match actor.zone {
            Some(zone) => zone,
            None => self
                .storage
                .user_zone(user)
                .await?
                .and_then(|name| Tz::from_str(&name).ok())
                .unwrap_or(self.settings.default_zone),
        };
        let ctx = Context {
            coach: self,
            interaction,
            user,
            zone,
            now,
        };

        let mut outgoing = self.answer(&ctx).await?;
        // Notices that could not be sent as direct messages come with the next command.
        if matches!(interaction.kind, InteractionKind::Command { .. }) {
            for (title, body) in self.storage.take_pending_notices(user).await? {
                outgoing.push(ctx.reply(RichMessage::titled(title, body), true));
            }
        }
        Ok(outgoing)
    }

    async fn answer(&self, ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
        let interaction = ctx.interaction;
        match &interaction.kind {
            InteractionKind::Command { name, text, .. } => {
                tracing::debug!(command = name.as_str(), "command received");
                self.run_command(ctx, name, text).await
            }
            InteractionKind::Form { form_id, values }
                if form_id.split(':').next() == Some(reflect::REFLECT_FORM) =>
            {
                reflect::submit_form(ctx, form_id, values).await
            }
            InteractionKind::Form { form_id, values }
                if form_id.split(':').next() == Some(lookup::SCENARIO_FORM) =>
            {
                lookup::answer_scenario(ctx, form_id, values).await
            }
            InteractionKind::Button { action }
                if action.split(':').next() == Some(reflect::REFLECT_FORM) =>
            {
                let mut parts = action.split(':').skip(1);
                let form = match (parts.next(), parts.next().and_then(|id| id.parse().ok())) {
                    (Some(slug), delivery) => reflect::reflect_form_for(slug, delivery),
                    (None, _) => reflect::reflect_form(None),
                };
                Ok(vec![ctx.reply(form, true)])
            }
            InteractionKind::Button { action }
                if action.split(':').next() == Some(lookup::SCENARIO_FORM) =>
            {
                lookup::scenario_form(ctx, action)
            }
            InteractionKind::Button { action }
                if action.split(':').next() == Some(mydata::MYDATA_ACTION) =>
            {
                mydata::button(ctx, action).await
            }
            InteractionKind::Message {
                text,
                thread: Some(thread),
            } => reflect::reply_in_thread(ctx, text, thread).await,
            InteractionKind::Form { .. } | InteractionKind::Button { .. } => Err(
                CoreError::Refused("That form or button has expired. /help lists what you can do now.".into()),
            ),
            InteractionKind::Message { .. } => Err(CoreError::Refused(
                "Nothing here is waiting for an answer. To write a reflection, use /reflect followed by your text; /help lists every command.".into(),
            )),
        }
    }

    async fn run_command(
        &self,
        ctx: &Context<'_>,
        name: &str,
        text: &str,
    ) -> Result<Vec<Outgoing>, CoreError> {
        let Some(spec) = commands::find(name) else {
            let hint = match commands::closest(name) {
                Some(spec) => format!("Did you mean /{}? ", spec.name),
                None => String::new(),
            };
            return Err(CoreError::Refused(format!(
                "There is no /{name} command. {hint}/help lists every command."
            )));
        };
        match spec.id {
            CommandId::Framework => lookup::framework(ctx, text).await,
            CommandId::Template => lookup::template(ctx, text).await,
            CommandId::Model => lookup::model(ctx, text).await,
            CommandId::Shift => lookup::shift(ctx, text).await,
            CommandId::Scenario => lookup::scenario(ctx, text).await,
            CommandId::Nudges => nudges::nudges(ctx, text).await,
            CommandId::Mydata => mydata::mydata(ctx, text).await,
            CommandId::Reflect => reflect::reflect(ctx, text).await,
            CommandId::Journal => reflect::journal(ctx, text).await,
            CommandId::Help => Ok(vec![ctx.reply(help(), true)]),
        }
    }
}

/// `/help`: every command with one line each.
fn help() -> RichMessage {
    let body = commands::COMMANDS
        .iter()
        .map(|spec| {
            let usage = if spec.args.is_empty() {
                format!("/{}", spec.name)
            } else {
                format!("/{} {}", spec.name, spec.args)
            };
            format!("- **{usage}**: {}", spec.summary)
        })
        .collect::<Vec<_>>()
        .join("\n");
    RichMessage::titled("shiftcoach commands", body)
}

//! The platform-neutral coach: an [`Interaction`] in, [`Outgoing`] messages out.
//!
//! The core knows nothing of Discord, Slack, the terminal or SQL: adapters translate to and from
//! these types, and storage is reached through [`Storage`]'s domain methods.

pub mod action;
pub mod checkin;
pub mod commands;
pub mod decide;
pub mod interaction;
pub mod lookup;
pub mod message;
pub mod mydata;
pub mod nudges;
pub mod permissions;
pub mod postman;
pub mod progress;
pub mod reflect;
pub mod scheduled;
pub mod when;

use std::sync::Arc;

use tokio::sync::Notify;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use interaction::{Actor, Interaction, InteractionKind, Platform};
pub use lookup::Choice;
pub use message::{
    Attachment, Button, Destination, Field, Form, FormInput, Outgoing, OutgoingKind, RichMessage,
};
pub use postman::{BoxFuture, Limits, Postman, Router, SendError};

use action::Action;
use commands::{Access, CommandId};

use crate::{
    clock::SharedClock,
    content::Catalog,
    ops::Metrics,
    storage::{Identity, Storage, StorageError, UserId},
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
    /// How long an unanswered check-in waits before its one reminder
    /// (`SHIFTCOACH_CHECKIN_REMINDER`).
    pub checkin_reminder: chrono::Duration,
}

impl Default for CoachSettings {
    fn default() -> Self {
        Self {
            default_zone: Tz::UTC,
            admins: Vec::new(),
            checkin_reminder: checkin::DEFAULT_REMINDER,
        }
    }
}

/// The coach itself. Cheap to share behind an `Arc`.
pub struct Coach {
    storage: Storage,
    catalog: Arc<Catalog>,
    clock: SharedClock,
    settings: CoachSettings,
    router: Router,
    schedules_changed: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Coach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coach")
            .field("storage", &self.storage.backend())
            .field("settings", &self.settings)
            .field("platforms", &self.router)
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
        Outgoing::new(
            OutgoingKind::Reply,
            Destination::Channel(self.interaction.channel.clone()),
            ephemeral,
            message,
        )
    }

    /// What the platform of this interaction allows.
    pub fn limits(&self) -> Limits {
        self.coach.router.limits(self.interaction.actor.platform)
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
            router: Router::default(),
            schedules_changed: Arc::new(Notify::new()),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Counters and timings for `/metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Adds the postman of one platform: the core sends through it (nudges, messages to a
    /// person) and asks it about channels and limits.
    pub fn with_postman(mut self, postman: Arc<dyn Postman>) -> Self {
        self.router.add(postman);
        self
    }

    pub fn settings(&self) -> &CoachSettings {
        &self.settings
    }

    /// The postmen of the platforms running in this process.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Sends a message that answers no interaction (a nudge, a notice, a message to a person)
    /// on `platform` in `workspace`, and returns the platform's message id; once sent, the
    /// core is told it was [delivered](Coach::delivered). A message to a person who does not
    /// accept direct messages is kept as a pending notice, shown with their next interaction,
    /// and the result is `Ok(None)`: it is not lost. A message that already is a pending notice
    /// stays one (the error is returned) rather than being kept twice.
    pub async fn send(
        &self,
        platform: Platform,
        workspace: &str,
        outgoing: &Outgoing,
        key: Option<&str>,
    ) -> Result<Option<String>, SendError> {
        match self.router.send(platform, workspace, outgoing, key).await {
            Ok(id) => {
                self.delivered(outgoing).await;
                Ok(Some(id))
            }
            Err(SendError::DmClosed(reason)) => {
                let (Destination::Person(person), None) = (&outgoing.to, outgoing.pending_notice)
                else {
                    return Err(SendError::DmClosed(reason));
                };
                let identity = Identity::new(platform, workspace, person);
                self.keep_as_notice(&identity, &outgoing.message)
                    .await
                    .map_err(|err| SendError::Transient(format!("keeping a notice: {err}")))?;
                tracing::info!(%platform, "direct messages closed; kept as a pending notice");
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    async fn keep_as_notice(
        &self,
        identity: &Identity,
        message: &RichMessage,
    ) -> Result<(), StorageError> {
        let now = self.clock.now();
        let user = self.storage.user_for(identity, now).await?;
        let mut body = message.body.clone();
        for field in &message.fields {
            body.push_str(&format!("\n\n**{}**\n{}", field.name, field.value));
        }
        let title = message
            .title
            .as_deref()
            .unwrap_or("A message from shiftcoach");
        self.storage
            .add_pending_notice(user, title, &body, now)
            .await
    }

    /// Tells the core that an adapter delivered `outgoing`: a pending notice it carried is
    /// removed now, and only now. Errors are logged: the notice then shows once more.
    pub async fn delivered(&self, outgoing: &Outgoing) {
        if let Some(id) = outgoing.pending_notice {
            if let Err(err) = self.storage.remove_pending_notice(id).await {
                tracing::warn!(notice = id, error = %err, "removing a delivered notice failed");
            }
        }
    }

    /// Whether this is the first time the platform event `id` is seen, by any connection or
    /// replica: claimed in the database before the event has any effect, so a redelivered
    /// event (Slack's retries) or one every replica receives (Discord sends each event to
    /// every connection of its shard) is handled once. When the database cannot say, the
    /// event is handled: an answer twice is better than none.
    pub async fn first_time(&self, platform: Platform, id: &str) -> bool {
        match self
            .storage
            .claim_event(platform, id, self.clock.now())
            .await
        {
            Ok(first) => first,
            Err(err) => {
                tracing::warn!(%platform, error = %err, "claiming an event failed; handling it anyway");
                true
            }
        }
    }

    /// Notified whenever a schedule changes, so the scheduler can wake early.
    pub fn schedules_changed(&self) -> &Arc<Notify> {
        &self.schedules_changed
    }

    /// Whether `actor` is an admin: the platform says so, or configuration names them or one
    /// of their roles.
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

    /// Autocomplete choices for a command's name argument, best first, at most as many as
    /// `platform` shows.
    pub fn autocomplete(&self, platform: Platform, command: &str, typed: &str) -> Vec<Choice> {
        let mut choices = lookup::autocomplete(&self.catalog, command, typed);
        choices.truncate(self.router.limits(platform).choices);
        choices
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Handles one interaction and returns what to send, in order. Never fails: refusals and
    /// internal errors become error messages addressed to the person who acted.
    ///
    /// The delivery contract every adapter keeps: the first message answers the interaction
    /// (or edits a deferred answer), the rest follow in order, each with its own `ephemeral`;
    /// a [`Destination::Person`] goes to that person's direct messages; every attachment
    /// arrives as a file; a message too large for the platform is split, never cut. After
    /// each message is delivered the adapter calls [`Coach::delivered`]. An answer that opens
    /// a form is one message: pending notices wait for the next interaction.
    pub async fn handle(&self, interaction: &Interaction) -> Vec<Outgoing> {
        if let InteractionKind::Command { name, .. } = &interaction.kind {
            let known = commands::find(name).map_or("unknown", |spec| spec.name);
            self.metrics.command_handled(known);
        }
        let (user, result) = match self.context(interaction).await {
            Ok(ctx) => (Some(ctx.user), self.answer(&ctx).await),
            Err(err) => (None, Err(err)),
        };
        let mut outgoing = match result {
            Ok(outgoing) => outgoing,
            Err(err) => vec![self.error_message(interaction, err)],
        };
        // Notices that could not be sent as direct messages come with the next interaction.
        let opens_form = outgoing.iter().any(|o| o.message.form.is_some());
        if let (Some(user), false) = (user, opens_form) {
            match self.storage.pending_notices(user).await {
                Ok(notices) => outgoing.extend(notices.into_iter().map(|notice| Outgoing {
                    pending_notice: Some(notice.id),
                    ..Outgoing::new(
                        OutgoingKind::Reply,
                        Destination::Channel(interaction.channel.clone()),
                        true,
                        RichMessage::titled(notice.title, notice.body),
                    )
                })),
                Err(err) => tracing::warn!(error = %err, "reading pending notices failed"),
            }
        }
        outgoing
    }

    fn error_message(&self, interaction: &Interaction, err: CoreError) -> Outgoing {
        let text = match err {
            CoreError::Refused(text) => text,
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
        // A refused form (a secret, too long, empty) can be written again: the same form id
        // pressed as a button opens the form anew.
        let mut buttons = Vec::new();
        if let InteractionKind::Form { form_id, .. } = &interaction.kind {
            if matches!(
                Action::parse(form_id),
                Ok(Action::Reflect { .. } | Action::Scenario { .. })
            ) {
                buttons.push(Button {
                    action: form_id.clone(),
                    label: "Write it again".into(),
                });
            }
        }
        Outgoing::new(
            OutgoingKind::Error,
            Destination::Channel(interaction.channel.clone()),
            true,
            RichMessage {
                body: text,
                buttons,
                ..RichMessage::default()
            },
        )
    }

    /// The zone `user`'s times are shown in: their own when known, else the default zone.
    pub async fn zone_of(&self, user: UserId) -> Result<Tz, StorageError> {
        Ok(self
            .storage
            .user_zone(user)
            .await?
            .and_then(|name| crate::zone::parse_zone(&name).ok())
            .unwrap_or(self.settings.default_zone))
    }

    async fn context<'a>(&'a self, interaction: &'a Interaction) -> Result<Context<'a>, CoreError> {
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
            None => self.zone_of(user).await?,
        };
        Ok(Context {
            coach: self,
            interaction,
            user,
            zone,
            now,
        })
    }

    async fn answer(&self, ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
        const EXPIRED: &str = "That button or form has expired. /help lists what you can do now.";
        match &ctx.interaction.kind {
            InteractionKind::Command { name, text, .. } => {
                self.run_command(ctx, name, text).await
            }
            InteractionKind::Button { action } => match Action::parse(action) {
                Ok(Action::Reflect { slug, delivery }) => Ok(vec![ctx.reply(
                    reflect::reflect_form_for(ctx, slug.as_deref(), delivery),
                    true,
                )]),
                Ok(Action::Scenario { slug }) => lookup::scenario_form(ctx, &slug),
                Ok(Action::Confirm {
                    confirmation,
                    accept,
                }) => mydata::confirm(ctx, confirmation, accept).await,
                Ok(Action::Invitation { pair, accept }) => {
                    checkin::answer_invitation(ctx, Some(pair), accept).await
                }
                Ok(Action::Checkin { checkin, step }) => {
                    checkin::step(ctx, checkin, step, None).await
                }
                Ok(Action::ShareAnswer {
                    checkin,
                    answer,
                    shared,
                }) => checkin::share_answer(ctx, checkin, answer, shared).await,
                Ok(Action::Rate {
                    checkin,
                    shift,
                    rating,
                }) => checkin::rate(ctx, checkin, shift, rating).await,
                Ok(Action::Decide) => decide::decide(ctx, "").await,
                Ok(Action::Review { decision, outcome }) => {
                    decide::review_pressed(ctx, decision, outcome).await
                }
                Ok(Action::ShareDecision { decision, shared }) => {
                    decide::share(ctx, decision, shared).await
                }
                Err(_) => Err(CoreError::Refused(EXPIRED.into())),
            },
            InteractionKind::Form { form_id, values } => match Action::parse(form_id) {
                Ok(Action::Reflect { slug, delivery }) => {
                    reflect::submit_form(ctx, slug.as_deref(), delivery, values).await
                }
                Ok(Action::Scenario { slug }) => lookup::answer_scenario(ctx, &slug, values).await,
                Ok(Action::Checkin {
                    checkin,
                    step: action::CheckinStep::Answer,
                }) => checkin::step(ctx, checkin, action::CheckinStep::Answer, Some(values)).await,
                Ok(Action::Decide) => decide::submit(ctx, values).await,
                Ok(Action::Review { decision, outcome }) => {
                    decide::review_submitted(ctx, decision, outcome, values).await
                }
                Ok(
                    Action::Confirm { .. }
                    | Action::Invitation { .. }
                    | Action::Checkin { .. }
                    | Action::ShareAnswer { .. }
                    | Action::Rate { .. }
                    | Action::ShareDecision { .. },
                )
                | Err(_) => Err(CoreError::Refused(EXPIRED.into())),
            },
            InteractionKind::Message {
                text,
                thread: Some(thread),
                ..
            } => reflect::reply_in_thread(ctx, text, thread).await,
            InteractionKind::Message {
                text,
                thread: None,
                direct: true,
            } => reflect::direct_message(ctx, text).await,
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
            // What was typed is the person's text: only the fact is logged, never the name.
            tracing::debug!("unknown command received");
            let hint = match commands::closest(name) {
                Some(spec) => format!("Did you mean /{}? ", spec.name),
                None => String::new(),
            };
            return Err(CoreError::Refused(format!(
                "There is no /{name} command. {hint}/help lists every command."
            )));
        };
        tracing::debug!(command = spec.name, "command received");
        let text = &crate::text::arguments(text, spec.style);
        if !self.may_use(&ctx.interaction.actor, spec.access) {
            return Err(CoreError::Refused(format!(
                "Only workspace admins (or people listed in SHIFTCOACH_ADMINS) can use /{}. Ask one of them.",
                spec.name
            )));
        }
        match spec.id {
            CommandId::Framework => lookup::framework(ctx, text).await,
            CommandId::Template => lookup::template(ctx, text).await,
            CommandId::Model => lookup::model(ctx, text).await,
            CommandId::Shift => lookup::shift(ctx, text).await,
            CommandId::Scenario => lookup::scenario(ctx, text).await,
            CommandId::Nudges => nudges::nudges(ctx, text).await,
            CommandId::Checkin => checkin::checkin(ctx, text).await,
            CommandId::Progress => progress::progress(ctx, text).await,
            CommandId::Decide => decide::decide(ctx, text).await,
            CommandId::Decisions => decide::decisions(ctx, text).await,
            CommandId::Mydata => mydata::mydata(ctx, text).await,
            CommandId::Reflect => reflect::reflect(ctx, text).await,
            CommandId::Journal => reflect::journal(ctx, text).await,
            CommandId::Help => Ok(vec![ctx.reply(help(self, &ctx.interaction.actor), true)]),
        }
    }

    /// Whether `actor` may use a command with `access`: checked once, before dispatch.
    pub fn may_use(&self, actor: &Actor, access: Access) -> bool {
        match access {
            Access::Everyone => true,
            Access::Admins => self.is_admin(actor),
        }
    }
}

/// `/help`: every command the person may use, with one line each.
fn help(coach: &Coach, actor: &Actor) -> RichMessage {
    let body = commands::COMMANDS
        .iter()
        .filter(|spec| coach.may_use(actor, spec.access))
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

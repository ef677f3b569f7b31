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
pub mod outbox;
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
pub use postman::{BoxFuture, Limits, Postman, Router, SendError, SendKey};

use action::Action;
use commands::{Access, CommandId};

use crate::{
    clock::SharedClock,
    content::Catalog,
    ops::Metrics,
    storage::{Identity, SeenUser, Storage, StorageError, UserId},
};

/// Why the core could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The request was refused; the message is written for the user and safe to show.
    #[error("{0}")]
    Refused(String),
    /// What the person wrote cannot be kept as it is (empty, too long, holding a secret, a
    /// confidence out of range); the message says why, and writing it again can fix it.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached, so nothing was done; the same request can be made
    /// again once it answers.
    #[error("the database is not answering")]
    Unavailable,
    /// Something broke on our side; logged, and the user gets a generic apology.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for CoreError {
    fn from(err: StorageError) -> Self {
        if err.is_unavailable() {
            Self::Unavailable
        } else {
            Self::Internal(err.into())
        }
    }
}

/// The label of the button that opens a form again after what was written in it could not be
/// kept ([`CoreError::Invalid`]); its action is the form's own id.
pub const WRITE_AGAIN: &str = "Write it again";

/// Whether an event is this replica's to handle ([`Coach::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First seen here: handle it.
    First,
    /// Handled already, here or by another replica: leave it.
    Seen,
    /// The database cannot say because it is down: answer without it.
    DatabaseDown,
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
    outbox: outbox::Outbox,
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
    /// Whether notices waited for the person when the interaction came in.
    pub has_notices: bool,
    /// The platform event the interaction came as, qualified by the platform
    /// (`discord:message:123`), when it came as one. What is recorded under it is recorded
    /// once, however many times the event is handled (replicas that kept it through a
    /// database outage, a platform's redelivery).
    pub event: Option<&'a str>,
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
            outbox: outbox::Outbox::default(),
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
        key: Option<SendKey<'_>>,
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
        self.respond(interaction, None, self.clock.now()).await
    }

    /// [`Coach::handle`] for an event the platform names `event`, claimed first in the
    /// database, so that a redelivered event (Slack's retries) or one every replica receives
    /// (Discord sends each event to every connection of its shard) is handled once: `None`
    /// when it was handled already, here or by another replica.
    ///
    /// While the database is down nothing waits on it twice: what a person wrote (a reply, a
    /// direct message, a form) is kept in order and stored when it is back
    /// ([`Coach::store_kept`]), and they are told so; anything else is answered "try again in
    /// a moment". The event id makes replicas that all kept it store it once.
    pub async fn handle_event(
        &self,
        interaction: &Interaction,
        event: &str,
    ) -> Option<Vec<Outgoing>> {
        let received_at = self.clock.now();
        match self.claim(interaction.actor.platform, event).await {
            Claim::Seen => None,
            claim => Some(
                self.handle_claimed(interaction, event, claim, received_at)
                    .await,
            ),
        }
    }

    /// The first half of [`Coach::handle_event`], for an adapter that must know before it
    /// answers whether the event is its own (Discord defers a slow answer, which only the
    /// replica that answers may do).
    pub async fn claim(&self, platform: Platform, event: &str) -> Claim {
        match self
            .storage
            .claim_event(platform, event, self.clock.now())
            .await
        {
            Ok(true) => Claim::First,
            Ok(false) => Claim::Seen,
            Err(err) if err.is_unavailable() => Claim::DatabaseDown,
            Err(err) => {
                // The claim itself failed: an answer twice is better than none.
                tracing::warn!(%platform, error = %err, "claiming an event failed; handling it anyway");
                Claim::First
            }
        }
    }

    /// The second half of [`Coach::handle_event`]: the answer to an event claimed as `claim`
    /// (nothing for [`Claim::Seen`]), received at `received_at` (taken before the claim, so
    /// what is kept through an outage keeps the order it came in).
    pub async fn handle_claimed(
        &self,
        interaction: &Interaction,
        event: &str,
        claim: Claim,
        received_at: DateTime<Utc>,
    ) -> Vec<Outgoing> {
        match claim {
            Claim::First => {
                self.respond(interaction, Some(event), self.clock.now())
                    .await
            }
            Claim::Seen => Vec::new(),
            Claim::DatabaseDown => vec![self.unavailable(interaction, Some(event), received_at)],
        }
    }

    /// The answer to `interaction`, received at `now`, with the person's pending notices.
    async fn respond(
        &self,
        interaction: &Interaction,
        event: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<Outgoing> {
        if let InteractionKind::Command { name, .. } = &interaction.kind {
            let known = commands::find(name).map_or("unknown", |spec| spec.name);
            self.metrics.command_handled(known);
        }
        let (user, result) = self.outcome(interaction, event, now).await;
        let mut outgoing = match result {
            Ok(outgoing) => outgoing,
            Err(CoreError::Unavailable) => return vec![self.unavailable(interaction, event, now)],
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

    /// The answer while the database is down: what a person wrote is kept for later, anything
    /// else is to be tried again.
    fn unavailable(
        &self,
        interaction: &Interaction,
        event: Option<&str>,
        now: DateTime<Utc>,
    ) -> Outgoing {
        if !outbox::Outbox::keeps(&interaction.kind) {
            return self.error_message(interaction, CoreError::Unavailable);
        }
        let kept = self.outbox.keep(outbox::Kept {
            interaction: interaction.clone(),
            event: event.map(|id| (interaction.actor.platform, id.to_owned())),
            received_at: now,
        });
        // The scheduler stores what was kept: it looks every second while something waits.
        self.schedules_changed.notify_one();
        self.kept_message(interaction, kept)
    }

    /// What a person hears when the database is down and what they wrote was kept (or, with
    /// the outbox full, was not).
    fn kept_message(&self, interaction: &Interaction, kept: bool) -> Outgoing {
        let text = if kept {
            tracing::warn!(
                waiting = self.outbox.len(),
                "the database is down; an answer is kept until it is back"
            );
            "My database is not answering right now. I kept what you wrote and will save it as soon as it is back; there is nothing more to do."
        } else {
            tracing::error!("the database is down and the outbox is full; an answer was not kept");
            "My database is not answering right now, and I cannot keep more until it is back, so this was not saved. Please send it again in a few minutes."
        };
        Outgoing::new(
            OutgoingKind::Error,
            Destination::Channel(interaction.channel.clone()),
            true,
            RichMessage {
                body: text.into(),
                ..RichMessage::default()
            },
        )
    }

    /// Stores what was kept while the database was down, oldest first, each at the time it
    /// was received; stops at the first that still cannot be stored. Returns how many were
    /// stored. An event another replica already stored is dropped.
    pub async fn store_kept(&self) -> usize {
        let mut stored = 0;
        while let Some(kept) = self.outbox.oldest() {
            if let Some((platform, id)) = &kept.event {
                match self
                    .storage
                    .claim_event(*platform, &format!("replay:{id}"), self.clock.now())
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        self.outbox.remove_oldest();
                        continue;
                    }
                    Err(_) => break,
                }
            }
            let event = kept.event.as_ref().map(|(_, id)| id.as_str());
            match self
                .outcome(&kept.interaction, event, kept.received_at)
                .await
                .1
            {
                Err(CoreError::Unavailable) => break,
                Err(err) => {
                    // Refused now (a button that expired meanwhile): it was a real answer to
                    // the person then; log the fact, never the text.
                    tracing::warn!(error = %err, "a kept answer could not be stored");
                }
                Ok(_) => stored += 1,
            }
            self.outbox.remove_oldest();
        }
        if stored > 0 {
            tracing::info!(stored, "answers kept during a database outage were stored");
        }
        stored
    }

    /// How many answers wait for the database.
    pub fn kept(&self) -> usize {
        self.outbox.len()
    }

    fn error_message(&self, interaction: &Interaction, err: CoreError) -> Outgoing {
        let rewrite = matches!(err, CoreError::Invalid(_));
        let text = match err {
            CoreError::Refused(text) | CoreError::Invalid(text) => text,
            CoreError::Unavailable => {
                self.metrics.failure("database");
                "My database is not answering right now, so nothing was done. Please try again in a moment.".into()
            }
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
        // A form whose text could not be kept (a secret, too long, empty, out of range) can
        // be written again: the same form id pressed as a button opens the form anew.
        let mut buttons = Vec::new();
        if let (true, InteractionKind::Form { form_id, .. }) = (rewrite, &interaction.kind) {
            if Action::parse(form_id).is_ok() {
                buttons.push(Button {
                    action: form_id.clone(),
                    label: WRITE_AGAIN.into(),
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
        Ok(self.stored_zone(self.storage.user_zone(user).await?.as_deref()))
    }

    /// A person's stored zone, or the default zone when none (or none readable) is stored.
    fn stored_zone(&self, stored: Option<&str>) -> Tz {
        stored
            .and_then(|name| crate::zone::parse_zone(name).ok())
            .unwrap_or(self.settings.default_zone)
    }

    /// What `interaction`, received at `now`, does: its answer, and the person to show
    /// pending notices to (only when some wait for them).
    ///
    /// One statement records the person as seen, with their stored zone and whether notices
    /// wait for them; for an answer (text for keeping, [`reflect::recognise`]) the same
    /// statement stores the text.
    async fn outcome(
        &self,
        interaction: &Interaction,
        event: Option<&str>,
        now: DateTime<Utc>,
    ) -> (Option<UserId>, Result<Vec<Outgoing>, CoreError>) {
        let actor = &interaction.actor;
        let identity = actor.identity();
        let zone = actor.zone.map(|zone| zone.name());
        let event = event.map(|id| format!("{}:{id}", actor.platform.as_str()));
        let event = event.as_deref();
        let result = match reflect::recognise(self, interaction).await {
            Ok(Some(answer)) => self
                .storage
                .record_reflection(
                    &identity,
                    &actor.display_name,
                    zone,
                    &answer.reflection(&interaction.channel, now, event),
                )
                .await
                .map_err(CoreError::from)
                .map(|recorded| {
                    let ctx = self.context(interaction, recorded.person, event, now);
                    (ctx, Some((answer, recorded.total)))
                }),
            Ok(None) => self
                .storage
                .see_user(&identity, &actor.display_name, zone, now)
                .await
                .map_err(CoreError::from)
                .map(|seen| (self.context(interaction, seen, event, now), None)),
            Err(err) => Err(err),
        };
        match result {
            Ok((ctx, recorded)) => {
                let notices = ctx.has_notices.then_some(ctx.user);
                let answer = match recorded {
                    Some((answer, total)) => Ok(reflect::answered(&ctx, &answer, total)),
                    None => self.answer(&ctx).await,
                };
                (notices, answer)
            }
            Err(err) => (None, Err(err)),
        }
    }

    /// The context of `interaction` for the person as `seen` at `now`.
    fn context<'a>(
        &'a self,
        interaction: &'a Interaction,
        seen: SeenUser,
        event: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> Context<'a> {
        let zone = interaction
            .actor
            .zone
            .unwrap_or_else(|| self.stored_zone(seen.zone.as_deref()));
        Context {
            coach: self,
            interaction,
            user: seen.id,
            zone,
            now,
            has_notices: seen.has_notices,
            event,
        }
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
            // Reflection and scenario forms are answers, stored before dispatch.
            InteractionKind::Form { form_id, values } => match Action::parse(form_id) {
                Ok(Action::Checkin {
                    checkin,
                    step: action::CheckinStep::Answer,
                }) => checkin::step(ctx, checkin, action::CheckinStep::Answer, Some(values)).await,
                Ok(Action::Decide) => decide::submit(ctx, values).await,
                Ok(Action::Review { decision, outcome }) => {
                    decide::review_submitted(ctx, decision, outcome, values).await
                }
                Ok(
                    Action::Reflect { .. }
                    | Action::Scenario { .. }
                    | Action::Confirm { .. }
                    | Action::Invitation { .. }
                    | Action::Checkin { .. }
                    | Action::ShareAnswer { .. }
                    | Action::Rate { .. }
                    | Action::ShareDecision { .. },
                )
                | Err(_) => Err(CoreError::Refused(EXPIRED.into())),
            },
            // Replies in threads and direct messages are answers, stored before dispatch.
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
            CommandId::Reflect => Ok(reflect::reflect(ctx)),
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

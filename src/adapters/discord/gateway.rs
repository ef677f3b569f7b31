//! The Discord gateway side: connect, register the commands, and answer interactions through
//! the core.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serenity::{
    all::{
        AutocompleteChoice, CommandInteraction, Context, CreateAutocompleteResponse,
        CreateInteractionResponse, CreateInteractionResponseMessage, EventHandler, GatewayIntents,
        GuildId, Interaction, InteractionId, Message, ReactionType, Ready, ResumedEvent,
    },
    async_trait,
    http::Http,
};

use super::{
    commands,
    deliver::{self, Responding},
    http::GlobalPace,
    interaction,
};
use crate::{
    core::{self, Actor, Claim, Coach, InteractionKind, OutgoingKind, Platform, SendKey},
    ops::Readiness,
};

/// Discord drops an interaction not answered within 3 s; past this the answer is deferred.
pub const DEFER_AFTER: Duration = Duration::from_millis(1500);

/// Answers Discord events with the core.
pub struct Handler {
    pub coach: Arc<Coach>,
    pub readiness: Arc<Readiness>,
    /// Register commands in this guild only (development), instead of globally.
    pub guild: Option<GuildId>,
    /// The bot may read message content: replies in nudge threads are kept.
    pub message_content: bool,
    /// The postman's pacer under Discord's global limit, for the requests made here that
    /// count against it (a reaction); interaction answers do not wait at it.
    pub pace: Arc<GlobalPace>,
}

/// The gateway intents the adapter needs: none privileged for commands, buttons, forms and
/// direct messages to the bot (whose content Discord always delivers); with `message_content`,
/// the messages needed to read replies in nudge threads.
pub fn intents(message_content: bool) -> GatewayIntents {
    let base = GatewayIntents::GUILDS | GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        base | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(guilds = ready.guilds.len(), "connected to Discord");
        self.readiness.set_connected(Platform::Discord, true);
        if let Err(err) = register(&ctx.http, self.guild).await {
            self.coach.metrics().failure("platform");
            tracing::error!(error = %err, "registering the slash commands failed");
        }
    }

    /// A direct message to the bot is kept as a private reflection and answered in the DM. A
    /// message in a thread started from a nudge (the thread's id is the nudge's message id) is
    /// kept as a reply; the author sees a ✅, or a direct message saying why it was not kept.
    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot {
            return;
        }
        // Taken first: what is kept through a database outage keeps the order it came in.
        let received_at = self.coach.clock().now();
        let direct = message.guild_id.is_none();
        if !direct && !self.message_content {
            return;
        }
        let workspace = message
            .guild_id
            .map_or_else(|| interaction::DM_WORKSPACE.to_owned(), |id| id.to_string());
        let thread = message.channel_id.to_string();
        if !direct {
            match self
                .coach
                .storage()
                .delivery_for_message(Platform::Discord, &workspace, &thread)
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => return,
                // The database cannot say (it may be down): the core keeps the message until
                // it is back, and decides then.
                Err(err) => tracing::warn!(error = %err, "looking up a thread failed"),
            }
        }
        let reply = core::Interaction {
            actor: Actor {
                platform: Platform::Discord,
                workspace: workspace.clone(),
                user_id: message.author.id.to_string(),
                display_name: message
                    .author
                    .global_name
                    .clone()
                    .unwrap_or_else(|| message.author.name.clone()),
                zone: None,
                is_admin: false,
                roles: Vec::new(),
            },
            channel: thread.clone(),
            kind: InteractionKind::Message {
                text: message.content.clone(),
                thread: (!direct).then_some(thread),
                direct,
            },
        };
        // Every replica connected to this shard receives the message: one keeps it.
        let event = format!("message:{}", message.id);
        let claim = self.coach.claim(Platform::Discord, &event).await;
        if claim == Claim::Seen {
            return;
        }
        let answer = self
            .coach
            .handle_claimed(&reply, &event, claim, received_at)
            .await;
        for (i, outgoing) in answer.iter().enumerate() {
            if i == 0 && outgoing.kind == OutgoingKind::Reply {
                // Kept: a ✅ says so without another message.
                self.pace.ready().await;
                match message
                    .react(&ctx.http, ReactionType::Unicode("\u{2705}".into()))
                    .await
                {
                    Ok(_) => self.coach.delivered(outgoing).await,
                    Err(err) => tracing::warn!(error = %err, "acknowledging a message failed"),
                }
                continue;
            }
            // Anything else is said privately: in the DM the person wrote in, or in their DMs
            // rather than in a thread others read.
            let mut private = outgoing.clone();
            private.to = if direct {
                core::Destination::Channel(message.channel_id.to_string())
            } else {
                core::Destination::Person(message.author.id.to_string())
            };
            // Named after the message: replicas that all answer it (they can only when the
            // database is down and the claim cannot be made) post the answer once.
            let key = format!("m{}-{i}", message.id);
            if let Err(err) = self
                .coach
                .send(
                    Platform::Discord,
                    &workspace,
                    &private,
                    Some(SendKey::first(&key)),
                )
                .await
            {
                tracing::warn!(error = %err, "answering a message failed");
            }
        }
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("Discord session resumed");
        self.readiness.set_connected(Platform::Discord, true);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let started = Instant::now();
        if let Interaction::Autocomplete(command) = &interaction {
            self.autocomplete(&ctx, command).await;
            return;
        }
        let Some(core_interaction) = interaction::to_core(&interaction) else {
            return;
        };
        let Some((id, token)) = id_and_token(&interaction) else {
            return;
        };
        // Every replica connected to this shard receives the interaction: one answers it
        // (Discord refuses a second answer with 40060). The claim is made before any answer.
        let event = format!("interaction:{id}");
        let received_at = self.coach.clock().now();
        let claim = self.coach.claim(Platform::Discord, &event).await;
        if claim == Claim::Seen {
            return;
        }
        let workspace = core_interaction.actor.workspace.clone();
        let coach = self.coach.clone();
        let mut answer = tokio::spawn(async move {
            coach
                .handle_claimed(&core_interaction, &event, claim, received_at)
                .await
        });
        let mut responding = Responding {
            id,
            token: &token,
            workspace: &workspace,
            deferred: false,
        };
        let result = match tokio::time::timeout(DEFER_AFTER, &mut answer).await {
            Ok(done) => {
                deliver::answer(
                    &self.coach,
                    &ctx.http,
                    responding,
                    &done.unwrap_or_default(),
                )
                .await
            }
            Err(_) => {
                // The core is slow (a busy database): acknowledge now, answer when it is done.
                let defer = CreateInteractionResponse::Defer(
                    CreateInteractionResponseMessage::new().ephemeral(true),
                );
                match ctx
                    .http
                    .create_interaction_response(id, &token, &defer, Vec::new())
                    .await
                {
                    Ok(()) => {
                        responding.deferred = true;
                        let outgoing = answer.await.unwrap_or_default();
                        deliver::answer(&self.coach, &ctx.http, responding, &outgoing).await
                    }
                    Err(err) => Err(err),
                }
            }
        };
        match result {
            Ok(()) => self
                .coach
                .metrics()
                .observe_latency(started.elapsed().as_secs_f64()),
            Err(err) => {
                self.coach.metrics().failure("platform");
                tracing::warn!(error = %err, "answering a Discord interaction failed");
            }
        }
    }
}

impl Handler {
    async fn autocomplete(&self, ctx: &Context, command: &CommandInteraction) {
        let Some((name, typed)) = interaction::autocomplete_request(command) else {
            return;
        };
        let choices = self
            .coach
            .autocomplete(Platform::Discord, &name, &typed)
            .into_iter()
            .map(|choice| {
                AutocompleteChoice::new(crate::text::truncate(&choice.label, 100), choice.value)
            })
            .collect();
        let response = CreateInteractionResponse::Autocomplete(
            CreateAutocompleteResponse::new().set_choices(choices),
        );
        if let Err(err) = command.create_response(&ctx.http, response).await {
            tracing::warn!(error = %err, "answering an autocomplete request failed");
        }
    }
}

fn id_and_token(interaction: &Interaction) -> Option<(InteractionId, String)> {
    match interaction {
        Interaction::Command(i) => Some((i.id, i.token.clone())),
        Interaction::Component(i) => Some((i.id, i.token.clone())),
        Interaction::Modal(i) => Some((i.id, i.token.clone())),
        _ => None,
    }
}

/// Registers the commands (globally, or in one guild) when they differ from what Discord has.
async fn register(http: &Http, guild: Option<GuildId>) -> serenity::Result<()> {
    let definitions = commands::definitions();
    let current = match guild {
        Some(guild) => http.get_guild_commands(guild).await?,
        None => http.get_global_commands().await?,
    };
    let wanted: Vec<serde_json::Value> = definitions
        .iter()
        .map(|def| normalise(&serde_json::to_value(def).unwrap_or_default()))
        .collect();
    let mut have: Vec<serde_json::Value> = current
        .iter()
        .map(|command| normalise(&serde_json::to_value(command).unwrap_or_default()))
        .collect();
    let mut sorted_wanted = wanted.clone();
    sorted_wanted.sort_by_key(|v| v["name"].to_string());
    have.sort_by_key(|v| v["name"].to_string());
    let scope = if guild.is_some() { "guild" } else { "global" };
    if have == sorted_wanted {
        tracing::info!(commands = wanted.len(), scope, "slash commands unchanged");
        return Ok(());
    }
    let registered = match guild {
        Some(guild) => http.create_guild_commands(guild, &definitions).await?,
        None => http.create_global_commands(&definitions).await?,
    };
    tracing::info!(
        commands = registered.len(),
        scope,
        "slash commands registered"
    );
    Ok(())
}

/// The parts of a command definition that matter for deciding whether to register again,
/// with Discord's defaults filled in so that its answers compare equal to our definitions.
fn normalise(value: &serde_json::Value) -> serde_json::Value {
    let text = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let flag = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let number = |key: &str| value.get(key).cloned().filter(|v| !v.is_null());
    // Discord answers permissions as a string of the bit set.
    let permissions = value
        .get("default_member_permissions")
        .and_then(|v| match v {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    let options: Vec<serde_json::Value> = value
        .get("options")
        .and_then(|v| v.as_array())
        .map(|options| options.iter().map(normalise).collect())
        .unwrap_or_default();
    serde_json::json!({
        "name": text("name"),
        "description": text("description"),
        "type": value.get("type").cloned().unwrap_or(serde_json::json!(1)),
        "required": flag("required"),
        "autocomplete": flag("autocomplete"),
        "min_value": number("min_value"),
        "max_value": number("max_value"),
        "max_length": number("max_length"),
        "default_member_permissions": permissions,
        "options": options,
    })
}

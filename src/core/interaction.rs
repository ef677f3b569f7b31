//! What comes in: one person doing one thing somewhere.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::storage::Identity;
pub use crate::storage::Platform;

/// The person acting, as the adapter knows them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub platform: Platform,
    pub workspace: String,
    pub user_id: String,
    pub display_name: String,
    /// The user's own time zone, when the platform tells us.
    pub zone: Option<Tz>,
    /// Whether the platform says this person administers the workspace.
    pub is_admin: bool,
    /// The person's role ids on platforms that have roles.
    pub roles: Vec<String>,
}

impl Actor {
    /// The person's account: on Discord the same in every server and in direct messages.
    pub fn identity(&self) -> Identity {
        Identity::new(self.platform, &self.workspace, &self.user_id)
    }
}

/// One interaction, as every adapter hands it to the core.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub actor: Actor,
    /// The channel it happened in (a DM channel counts as a channel).
    pub channel: String,
    pub kind: InteractionKind,
}

/// What the person did.
#[derive(Clone)]
pub enum InteractionKind {
    /// A slash command. `text` is everything after the name; platforms with typed options
    /// also fill `options` by option name.
    Command {
        name: String,
        text: String,
        options: BTreeMap<String, String>,
    },
    /// Free text: a reply in the thread under `thread`, or (`direct`) a message sent to the
    /// bot in a direct message.
    Message {
        text: String,
        thread: Option<String>,
        direct: bool,
    },
    /// A button press; `action` is the button's action id.
    Button { action: String },
    /// A submitted form; `values` by input id.
    Form {
        form_id: String,
        values: BTreeMap<String, String>,
    },
}

impl InteractionKind {
    /// A command with free text and no typed options.
    pub fn command(name: &str, text: &str) -> Self {
        Self::Command {
            name: name.to_owned(),
            text: text.to_owned(),
            options: BTreeMap::new(),
        }
    }
}

// User-written text must never reach logs, so Debug names the shape and hides the words.
impl std::fmt::Debug for InteractionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Command { name, text, .. } => f
                .debug_struct("Command")
                .field("name", name)
                .field("text_chars", &text.chars().count())
                .finish_non_exhaustive(),
            Self::Message {
                text,
                thread,
                direct,
            } => f
                .debug_struct("Message")
                .field("text_chars", &text.chars().count())
                .field("thread", thread)
                .field("direct", direct)
                .finish(),
            Self::Button { action } => f.debug_struct("Button").field("action", action).finish(),
            Self::Form { form_id, values } => f
                .debug_struct("Form")
                .field("form_id", form_id)
                .field("inputs", &values.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

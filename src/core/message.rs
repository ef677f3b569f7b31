//! What goes out: neutral rich messages that each adapter renders its own way.

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutgoingKind {
    /// An answer to what someone did.
    Reply,
    /// A scheduled coaching prompt in a channel.
    Nudge,
    /// A direct message.
    Dm,
    /// Something went wrong or the input was refused.
    Error,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Channel(String),
    Thread {
        channel: String,
        thread: String,
    },
    /// A direct message to the user with this platform id.
    Dm(String),
}

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub kind: OutgoingKind,
    pub to: Destination,
    /// Seen only by the person it answers.
    pub ephemeral: bool,
    pub message: RichMessage,
}

/// A platform-neutral rich message. `body` uses a small Markdown subset: paragraphs, `**bold**`,
/// `*italics*`, `- ` and `1. ` lists, and `[links](https://...)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RichMessage {
    pub title: Option<String>,
    pub body: String,
    pub fields: Vec<Field>,
    pub buttons: Vec<Button>,
    /// A form to open (Discord modal, Slack view, console prompts).
    pub form: Option<Form>,
    /// The content item this message carries, when there is one.
    pub slug: Option<String>,
    /// A file to hand over with the message (a data export).
    pub attachment: Option<Attachment>,
}

/// A text file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content: String,
}

/// A labelled value shown under the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// A button; pressing it comes back as an interaction with `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub action: String,
    pub label: String,
}

/// A form of one or more text inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub inputs: Vec<FormInput>,
}

/// One text input in a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormInput {
    pub id: String,
    pub label: String,
    pub placeholder: Option<String>,
    pub multiline: bool,
    pub max_chars: usize,
}

impl RichMessage {
    pub fn titled(title: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            body: body.into(),
            ..Self::default()
        }
    }
}

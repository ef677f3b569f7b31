//! What goes out: neutral rich messages that each adapter renders its own way.

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutgoingKind {
    /// An answer to what someone did.
    Reply,
    /// A scheduled coaching prompt in a channel.
    Nudge,
    /// A message to one person, in their direct messages with the bot.
    Dm,
    /// Something went wrong or the input was refused.
    Error,
}

/// Where a message goes, within the platform and workspace it is sent on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Channel(String),
    Thread {
        channel: String,
        thread: String,
    },
    /// A person, by their platform user id: the adapter opens the direct message. When the
    /// person does not accept direct messages, the message is kept as a pending notice and
    /// shown privately with their next interaction.
    Person(String),
}

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub kind: OutgoingKind,
    pub to: Destination,
    /// Seen only by the person it answers.
    pub ephemeral: bool,
    pub message: RichMessage,
    /// The stored pending notice this message carries: removed from storage only once the
    /// adapter has delivered the message ([`Coach::delivered`](super::Coach::delivered)).
    pub pending_notice: Option<i64>,
    /// This message confirms that the person who acted had all their data deleted: an
    /// adapter that keeps anything of theirs outside the database (the console's export
    /// files) deletes it before delivering the message.
    pub erasure: bool,
}

impl Outgoing {
    /// A message with no pending notice attached.
    pub fn new(kind: OutgoingKind, to: Destination, ephemeral: bool, message: RichMessage) -> Self {
        Self {
            kind,
            to,
            ephemeral,
            message,
            pending_notice: None,
            erasure: false,
        }
    }
}

/// A platform-neutral rich message. `body` uses a small Markdown subset: paragraphs, `**bold**`,
/// `*italics*`, `- ` and `1. ` lists, and `[links](https://...)`.
#[derive(Clone, Default, PartialEq)]
pub struct RichMessage {
    pub title: Option<String>,
    pub body: String,
    pub fields: Vec<Field>,
    pub buttons: Vec<Button>,
    /// A form to open (a Discord modal, console prompts).
    pub form: Option<Form>,
    /// The content item this message carries, when there is one.
    pub slug: Option<String>,
    /// A file to hand over with the message (a data export).
    pub attachment: Option<Attachment>,
}

// A message may quote a person's words (their journal, a shared answer in a digest): debug
// output shows the body's and the fields' sizes, not their text.
impl std::fmt::Debug for RichMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RichMessage")
            .field("title", &self.title)
            .field("body_chars", &self.body.chars().count())
            .field("fields", &self.fields)
            .field("buttons", &self.buttons)
            .field("form", &self.form)
            .field("slug", &self.slug)
            .field("attachment", &self.attachment)
            .finish()
    }
}

/// A file handed over with a message: a Discord attachment, or a file the console writes and
/// names.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file's name as the person sees it; letters, digits, `-`, `_` and `.` only. It
    /// names the content and the time, not the person: an adapter that stores files keeps
    /// each person's apart and never replaces one file with another.
    pub filename: String,
    /// The media type, e.g. `application/json` or `image/png`.
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

// An attachment may hold a person's whole journal: debug output shows only its size.
impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("media_type", &self.media_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A labelled value shown under the body.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

// A field's value may be a person's words: debug output shows its size.
impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name)
            .field("value_chars", &self.value.chars().count())
            .finish()
    }
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormInput {
    pub id: String,
    pub label: String,
    pub placeholder: Option<String>,
    pub multiline: bool,
    pub max_chars: usize,
    /// Text the input starts with (an earlier answer to edit, or what the command already
    /// said), at most `max_chars`; the person may change it.
    pub value: Option<String>,
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

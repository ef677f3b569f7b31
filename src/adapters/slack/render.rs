//! Core messages in Slack's shapes: Block Kit blocks, a notification text and modals, fitted to
//! Slack's limits.
//!
//! The core writes a Markdown subset ([`crate::markdown`]); Slack reads its own `mrkdwn`, so the
//! subset is converted ([`mrkdwn`]) and everything a person or the catalog wrote is escaped:
//! `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, so no text can become a mention
//! (`<@U…>`, `<!channel>`) or a link. Only the subset's own `[text](https://…)` links become
//! Slack links, and every `mrkdwn` object is sent with `verbatim: true`, so Slack does not turn
//! bare names or URLs into mentions or links either.
//!
//! As for Discord, the work is fitting the limits without losing anything: a long body
//! continues in further sections, long field values become sections of their own, and a
//! message with more than one Slack message's worth of blocks becomes several messages. Only
//! labels (the header, button texts, modal titles and input labels) are shortened, with an
//! ellipsis, at a grapheme boundary ([`crate::text::truncate`]).
//!
//! Limits from Slack's Block Kit reference (blocks, block elements, composition objects,
//! views) and the `chat.postMessage` reference, in characters unless said otherwise.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use slack_morphism::prelude::{
    SlackActionBlockElement, SlackActionId, SlackActionsBlock, SlackBlock, SlackBlockButtonElement,
    SlackBlockId, SlackBlockMarkDownText, SlackBlockPlainText, SlackBlockPlainTextInputElement,
    SlackBlockText, SlackCallbackId, SlackContextBlock, SlackContextBlockElement, SlackHeaderBlock,
    SlackInputBlock, SlackModalView, SlackSectionBlock, SlackView,
};
use unicode_segmentation::UnicodeSegmentation;

use crate::core::{Form, RichMessage};
use crate::markdown::{self, Span};
use crate::text::truncate;

/// Slack: a message holds at most 50 blocks.
pub const BLOCKS_MAX: usize = 50;
/// Slack rejects a message whose blocks hold too much text in all (`msg_blocks_too_long`),
/// a cumulative limit it does not document: Slack staff put it at about 12,000 characters of
/// text "with a buffer for block containers", and messages of 11,341 characters have been
/// refused (slackapi/bolt-js issues #2509, #2867). shiftcoach keeps each message's block text
/// within 10,000 characters.
pub const MESSAGE_TEXT_BUDGET: usize = 10_000;
/// Slack: the `text` sent with blocks (the notification and accessibility fallback) is best
/// kept within 4,000 characters (`chat.postMessage`; Slack truncates beyond 40,000).
pub const TEXT_MAX: usize = 4_000;
/// Slack: a header block's `plain_text` is at most 150 characters.
pub const HEADER_MAX: usize = 150;
/// Slack: a section's text is at most 3,000 characters (and a text object at least 1).
pub const SECTION_TEXT_MAX: usize = 3_000;
/// Slack: a section holds at most 10 fields.
pub const FIELDS_MAX: usize = 10;
/// Slack: a section field's text is at most 2,000 characters.
pub const FIELD_TEXT_MAX: usize = 2_000;
/// Not a Slack limit: the characters of one section of fields, so that a section always fits
/// a message's [`MESSAGE_TEXT_BUDGET`] (ten fields of Slack's 2,000 characters would not).
pub const FIELDS_SECTION_BUDGET: usize = MESSAGE_TEXT_BUDGET / 2;
/// Not a Slack limit: a field name is a label, shortened like Discord's (256) so that a name
/// always leaves room for its value.
pub const FIELD_NAME_MAX: usize = 256;
/// Slack: an actions block holds at most 25 elements.
pub const BUTTONS_MAX: usize = 25;
/// Slack: a button's text is at most 75 characters.
pub const BUTTON_TEXT_MAX: usize = 75;
/// Slack: an `action_id` is at most 255 characters (the core's actions are at most 100).
pub const ACTION_ID_MAX: usize = 255;
/// Slack: a button's `value` is at most 2,000 characters.
pub const BUTTON_VALUE_MAX: usize = 2_000;
/// Slack: a context block's text object is at most 3,000 characters.
pub const CONTEXT_TEXT_MAX: usize = 3_000;
/// Slack: a modal's title is at most 24 characters.
pub const MODAL_TITLE_MAX: usize = 24;
/// Slack: a modal's submit and close buttons' texts are at most 24 characters.
pub const MODAL_BUTTON_MAX: usize = 24;
/// Slack: a modal holds at most 100 blocks.
pub const MODAL_BLOCKS_MAX: usize = 100;
/// Slack: a view's `callback_id` is at most 255 characters.
pub const CALLBACK_ID_MAX: usize = 255;
/// Slack: a view's `private_metadata` is at most 3,000 characters.
pub const PRIVATE_METADATA_MAX: usize = 3_000;
/// Slack: a `block_id` is at most 255 characters.
pub const BLOCK_ID_MAX: usize = 255;
/// Slack: an input block's label is at most 2,000 characters.
pub const INPUT_LABEL_MAX: usize = 2_000;
/// Slack: a `plain_text_input`'s placeholder is at most 150 characters.
pub const INPUT_PLACEHOLDER_MAX: usize = 150;
/// Slack: a `plain_text_input`'s `max_length` is at most 3,000 (so a form asking for more, as
/// a 4,000-character reflection does, accepts 3,000 on Slack).
pub const INPUT_MAX: usize = 3_000;
/// The modal's submit button.
const SUBMIT: &str = "Send";
/// The modal's close button.
const CLOSE: &str = "Cancel";
/// Indentation kept at the start of a line (nested list items); any more is dropped, so an
/// indent can never push a line past a limit.
const INDENT_MAX: usize = 8;

/// One Slack message's worth of a core message.
#[derive(Clone, PartialEq)]
pub struct Rendered {
    /// At most [`BLOCKS_MAX`] blocks holding at most [`MESSAGE_TEXT_BUDGET`] characters.
    pub blocks: Vec<SlackBlock>,
    /// The plain-text fallback Slack shows in notifications, escaped like `mrkdwn` (Slack
    /// parses this field too), within [`TEXT_MAX`] characters.
    pub text: String,
}

// The blocks and the fallback carry the message's words, which may be a person's: debug
// output shows their sizes.
impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered")
            .field("blocks", &self.blocks.len())
            .field("text_chars", &self.text.chars().count())
            .finish()
    }
}

/// Converts the core's Markdown subset to Slack `mrkdwn`: `**bold**` becomes `*bold*`,
/// `*italics*` `_italics_`, `- ` list items `• ` items (numbered items stay as written),
/// `[text](https://url)` `<https://url|text>`. `&`, `<` and `>` in the text are escaped as
/// `&amp;`, `&lt;`, `&gt;` (Slack: the three control characters of message text, to be sent as
/// HTML entities when not used for formatting), so nothing in it becomes a mention or a link; a link whose URL is not `http(s)` stays text, as `text (url)`. Paragraphs
/// are separated by one blank line; spaces at the end of a line are dropped.
pub fn mrkdwn(markdown: &str) -> String {
    pack(lines(markdown, usize::MAX), usize::MAX)
        .into_iter()
        .map(|chunk| chunk.md)
        .collect()
}

/// Renders a core message as one or more Slack messages, in order, each within Slack's
/// limits: a header block for the title (Slack: at most 150 characters; a longer title is
/// shortened there and given whole, in bold, at the top of the text), the body in sections
/// (Slack: at most 3,000 characters of text each), the fields in sections of at most 10 fields
/// (Slack: at most 2,000 characters each; a longer field becomes sections of its own, its name
/// in bold), a context block naming an attachment (the adapter uploads the file), and the
/// buttons in actions blocks of at most 25 (Slack: button text at most 75 characters). A form
/// becomes a button whose action is the form's id, as on Discord: the core answers it with
/// the bare form, which the adapter opens with [`modal`] (see [`form_prompt`]). A message of
/// more than [`BLOCKS_MAX`] blocks or [`MESSAGE_TEXT_BUDGET`] characters continues in further
/// messages; buttons come with the last. Nothing from the body or the fields is cut.
pub fn render(message: &RichMessage) -> Vec<Rendered> {
    let mut items = Vec::new();
    let mut body = lines(&message.body, SECTION_TEXT_MAX);
    if let Some(title) = message
        .title
        .as_deref()
        .filter(|t| !crate::text::is_blank(t))
    {
        let title = crate::text::trim(title);
        let label = truncate(&title.replace(['\r', '\n'], " "), HEADER_MAX);
        items.push(Item {
            size: chars(&label),
            plain: label.clone(),
            notify: true,
            block: SlackHeaderBlock::new(label.as_str().into()).into(),
        });
        if chars(title) > HEADER_MAX {
            let mut whole = bold_lines(title, SECTION_TEXT_MAX);
            if let Some((brk, _)) = body.first_mut() {
                *brk = Break::Paragraph;
            }
            whole.append(&mut body);
            body = whole;
        }
    }
    items.extend(pack(body, SECTION_TEXT_MAX).into_iter().map(Item::section));
    items.extend(field_items(message));
    if let Some(attachment) = &message.attachment {
        let note = truncate(
            &format!("Attached: {}", attachment.filename),
            CONTEXT_TEXT_MAX,
        );
        let element: SlackContextBlockElement = SlackBlockPlainText::new(note.clone()).into();
        items.push(Item {
            size: chars(&note),
            plain: note,
            notify: true,
            block: SlackContextBlock::new(vec![element]).into(),
        });
    }
    let mut buttons: Vec<(&str, &str)> = message
        .buttons
        .iter()
        .map(|button| (button.action.as_str(), button.label.as_str()))
        .collect();
    if let Some(form) = &message.form {
        buttons.push((form.id.as_str(), form.title.as_str()));
    }
    items.extend(buttons.chunks(BUTTONS_MAX).map(actions));
    messages(items)
}

/// The form a message only asks for (a form with no fields or buttons beside it, its title and
/// body at most a prompt): opened directly with [`modal`] when the adapter holds a
/// `trigger_id` (Slack opens a modal only within 3 seconds of an interaction); otherwise
/// [`render`] shows the form as a button that opens it.
pub fn form_prompt(message: &RichMessage) -> Option<&Form> {
    message
        .form
        .as_ref()
        .filter(|_| message.fields.is_empty() && message.buttons.is_empty())
}

/// A core form as a Slack modal (`views.open`): the title within 24 characters (Slack: at
/// most 24), submit "Send" and close "Cancel" (Slack: at most 24 each), `callback_id` the
/// form's id, and one input block per input (Slack: at most 100 blocks), required, its
/// `block_id` and `action_id` the input's id (Slack: at most 255 each), its label within 2,000
/// characters and placeholder within 150 (Slack's limits), and `max_length` the input's
/// `max_chars` clamped to Slack's 3,000. `private_metadata` (Slack: at most 3,000 characters)
/// comes back with the submission: the adapter keeps there where to answer (a modal's
/// submission names no channel); it is the adapter's own short text and is never cut.
pub fn modal(form: &Form, private_metadata: Option<&str>) -> SlackView {
    debug_assert!(
        chars(&form.id) <= CALLBACK_ID_MAX,
        "the core's form ids are short"
    );
    debug_assert!(private_metadata.is_none_or(|m| chars(m) <= PRIVATE_METADATA_MAX));
    let blocks = form
        .inputs
        .iter()
        .take(MODAL_BLOCKS_MAX)
        .map(|input| {
            debug_assert!(chars(&input.id) <= BLOCK_ID_MAX.min(ACTION_ID_MAX));
            let max_length = input.max_chars.clamp(1, INPUT_MAX) as u64;
            let mut element = SlackBlockPlainTextInputElement::new()
                .with_action_id(SlackActionId(input.id.clone()))
                .with_multiline(input.multiline)
                .with_max_length(max_length);
            if let Some(placeholder) = input.placeholder.as_deref() {
                let placeholder = truncate(placeholder, INPUT_PLACEHOLDER_MAX);
                element = element.with_placeholder(placeholder.as_str().into());
            }
            // Slack: an `initial_value` longer than `max_length` is refused.
            if let Some(value) = input.value.as_deref() {
                element = element.with_initial_value(truncate(value, max_length as usize));
            }
            let label = label_or(&input.label, &input.id, INPUT_LABEL_MAX);
            SlackInputBlock::new(label.as_str().into(), element.into())
                .with_block_id(SlackBlockId(input.id.clone()))
                .with_optional(false)
                .into()
        })
        .collect();
    let title = label_or(&form.title, "shiftcoach", MODAL_TITLE_MAX);
    let view = SlackModalView::new(title.as_str().into(), blocks)
        .with_callback_id(SlackCallbackId(form.id.clone()))
        .with_submit(truncate(SUBMIT, MODAL_BUTTON_MAX).as_str().into())
        .with_close(truncate(CLOSE, MODAL_BUTTON_MAX).as_str().into())
        .opt_private_metadata(private_metadata.map(str::to_owned));
    SlackView::Modal(view)
}

/// The values of a submitted modal, by input id: Slack's `view_submission` payload carries them
/// as `view.state.values[block_id][action_id].value` (the block and action ids are both the
/// input's id, see [`modal`]). Takes the whole payload, its `view` or the view's `state`. An
/// input left empty comes back as an empty string (Slack sends `null`).
pub fn form_values(view_state_json: &Value) -> BTreeMap<String, String> {
    let values = ["/view/state/values", "/state/values", "/values"]
        .iter()
        .find_map(|path| view_state_json.pointer(path))
        .and_then(Value::as_object);
    let mut out = BTreeMap::new();
    for actions in values.into_iter().flat_map(|blocks| blocks.values()) {
        for (action_id, state) in actions.as_object().into_iter().flatten() {
            if let Some(value) = state.get("value") {
                out.insert(
                    action_id.clone(),
                    value.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
    }
    out
}

/// A block with what it counts toward [`MESSAGE_TEXT_BUDGET`] and its plain text for the
/// notification.
struct Item {
    block: SlackBlock,
    size: usize,
    plain: String,
    /// Whether the plain text belongs in the notification (buttons only when nothing else does).
    notify: bool,
}

impl Item {
    fn section(chunk: Chunk) -> Self {
        Self {
            size: chars(&chunk.md),
            plain: chunk.plain,
            notify: true,
            block: SlackSectionBlock::new()
                .with_text(mrkdwn_object(chunk.md))
                .into(),
        }
    }
}

/// A `mrkdwn` text object, `verbatim` so Slack adds no links or mentions of its own (Slack:
/// "When set to false (as is default) URLs will be auto-converted into links, conversation
/// names will be link-ified, and certain mentions will be automatically parsed").
fn mrkdwn_object(text: String) -> SlackBlockText {
    SlackBlockMarkDownText::new(text).with_verbatim(true).into()
}

/// The fields: those that fit a section field (Slack: 2,000 characters) in sections of at
/// most ten (Slack: at most 10 fields) and [`FIELDS_SECTION_BUDGET`] characters; a longer one
/// as sections of its own, in place.
fn field_items(message: &RichMessage) -> Vec<Item> {
    let mut items = Vec::new();
    let mut short: Vec<Chunk> = Vec::new();
    let flush = |short: &mut Vec<Chunk>, items: &mut Vec<Item>| {
        if short.is_empty() {
            return;
        }
        items.push(Item {
            size: short.iter().map(|chunk| chars(&chunk.md)).sum(),
            plain: short
                .iter()
                .map(|chunk| chunk.plain.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            notify: true,
            block: SlackSectionBlock::new()
                .with_fields(
                    short
                        .drain(..)
                        .map(|chunk| mrkdwn_object(chunk.md))
                        .collect(),
                )
                .into(),
        });
    };
    for field in &message.fields {
        let name = truncate(crate::text::trim(&field.name), FIELD_NAME_MAX);
        let mut parts = bold_lines(&name, usize::MAX);
        parts.extend(lines(&field.value, usize::MAX));
        let Some(whole) = pack(parts, usize::MAX).pop() else {
            continue;
        };
        if chars(&whole.md) <= FIELD_TEXT_MAX {
            let size: usize = short.iter().map(|chunk| chars(&chunk.md)).sum();
            if short.len() == FIELDS_MAX || size + chars(&whole.md) > FIELDS_SECTION_BUDGET {
                flush(&mut short, &mut items);
            }
            short.push(whole);
            continue;
        }
        flush(&mut short, &mut items);
        let mut parts = bold_lines(&name, SECTION_TEXT_MAX);
        parts.extend(lines(&field.value, SECTION_TEXT_MAX));
        items.extend(pack(parts, SECTION_TEXT_MAX).into_iter().map(Item::section));
    }
    flush(&mut short, &mut items);
    items
}

/// One actions block (Slack: at most 25 elements). Each button's `action_id` is the core's
/// action (Slack: at most 255 characters, unique within the block: a repeated action gets a
/// `#n` suffix) and its `value` is always the core's action (Slack: at most 2,000), so the
/// adapter reads the action from `value`.
fn actions(row: &[(&str, &str)]) -> Item {
    let mut seen = HashSet::new();
    let elements: Vec<SlackActionBlockElement> = row
        .iter()
        .enumerate()
        .map(|(i, (action, label))| {
            // The core's actions are at most 100 characters: room for a `#n` suffix.
            debug_assert!(chars(action) + 3 <= ACTION_ID_MAX && chars(action) <= BUTTON_VALUE_MAX);
            let id = if seen.insert(*action) {
                (*action).to_owned()
            } else {
                format!("{action}#{i}")
            };
            SlackBlockButtonElement::new(label_or(label, action, BUTTON_TEXT_MAX).as_str().into())
                .with_action_id(SlackActionId(id))
                .with_value((*action).to_owned())
                .into()
        })
        .collect();
    let labels: Vec<String> = row
        .iter()
        .map(|(action, label)| label_or(label, action, BUTTON_TEXT_MAX))
        .collect();
    Item {
        size: labels.iter().map(|label| chars(label)).sum(),
        plain: labels.join(" | "),
        notify: false,
        block: SlackActionsBlock::new(elements).into(),
    }
}

/// Groups blocks into messages of at most [`BLOCKS_MAX`] blocks and
/// [`MESSAGE_TEXT_BUDGET`] characters, in order, each with its notification text.
fn messages(items: Vec<Item>) -> Vec<Rendered> {
    let mut groups: Vec<(Vec<Item>, usize)> = Vec::new();
    for item in items {
        let full = groups.last().is_none_or(|(blocks, size)| {
            blocks.len() == BLOCKS_MAX || size + item.size > MESSAGE_TEXT_BUDGET
        });
        if full {
            groups.push((Vec::new(), 0));
        }
        if let Some((blocks, size)) = groups.last_mut() {
            *size += item.size;
            blocks.push(item);
        }
    }
    groups
        .into_iter()
        .map(|(items, _)| {
            let mut plain: Vec<&str> = items
                .iter()
                .filter(|item| item.notify)
                .map(|item| item.plain.as_str())
                .collect();
            if plain.is_empty() {
                plain = items.iter().map(|item| item.plain.as_str()).collect();
            }
            Rendered {
                text: fallback(&plain.join("\n")),
                blocks: items.into_iter().map(|item| item.block).collect(),
            }
        })
        .collect()
}

/// The notification text: `plain` escaped (Slack parses a message's `text` as `mrkdwn`, so an
/// unescaped `<!channel>` there would notify a whole channel) and shortened, at a grapheme
/// boundary, so that the escaped text stays within [`TEXT_MAX`].
fn fallback(plain: &str) -> String {
    let fits = |keep: usize| {
        let text = escape(&truncate(plain, keep));
        (chars(&text) <= TEXT_MAX).then_some(text)
    };
    // The longest cut whose escaped form fits: a binary search, as escaping grows text
    // unevenly.
    let (mut low, mut high) = (0, TEXT_MAX.min(chars(plain)));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(mid).is_some() {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    fits(low).unwrap_or_default()
}

/// `text` shortened to `max`, or `otherwise` when `text` is blank (Slack refuses empty text).
fn label_or(text: &str, otherwise: &str, max: usize) -> String {
    let text = crate::text::trim(text);
    let text = if text.is_empty() { otherwise } else { text };
    truncate(text, max)
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Escapes Slack's three control characters (Slack: "&" as `&amp;`, "<" as `&lt;`, ">" as
/// `&gt;`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The length of `text` once escaped.
fn escaped_len(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '&' => 5,
            '<' | '>' => 4,
            _ => 1,
        })
        .sum()
}

/// A link's URL as it may stand in `<url|text>`: `http` and `https` URLs only; `&` escaped as
/// Slack asks, and `<`, `>`, `|`, spaces and control characters percent-encoded so the URL can
/// neither end the link early nor start another.
fn link_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    if rest.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' | '>' | '|' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_whitespace() || c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// How a run of words is marked.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Plain,
    Bold,
    Italic,
    /// A link: the URL as written in `mrkdwn`, and as written in the Markdown.
    Link(String, String),
}

impl Kind {
    /// The characters the marks add around a run.
    fn overhead(&self) -> usize {
        match self {
            Kind::Plain => 0,
            Kind::Bold | Kind::Italic => 2,
            Kind::Link(url, _) => chars(url) + 3,
        }
    }
}

/// A word of a line: no whitespace inside, except in a link's text (a link is one word).
#[derive(Debug, Clone)]
struct Word {
    /// The span it belongs to: words of one span share their marks.
    group: usize,
    /// The whitespace before it.
    sep: String,
    text: String,
}

/// One line of the subset, as words.
#[derive(Debug, Default)]
struct Line {
    groups: Vec<Kind>,
    words: Vec<Word>,
    /// Whitespace waiting for the next word.
    pending: String,
}

impl Line {
    /// Parses one line: indentation (at most [`INDENT_MAX`]), a `- ` item as `•`, then the
    /// spans, with words too long for `max` split between graphemes.
    fn parse(line: &str, max: usize) -> Self {
        let trimmed = line.trim_start();
        let mut this = Self {
            pending: line[..line.len() - trimmed.len()]
                .chars()
                .take(INDENT_MAX)
                .collect(),
            ..Self::default()
        };
        let rest = match trimmed.strip_prefix("- ") {
            Some(item) => {
                this.push_text("\u{2022}", Kind::Plain);
                this.pending.push(' ');
                item
            }
            None => trimmed,
        };
        for span in markdown::spans(rest) {
            match span {
                Span::Text(text) => this.push_text(text, Kind::Plain),
                Span::Bold(text) => this.push_text(text, Kind::Bold),
                Span::Italic(text) => this.push_text(text, Kind::Italic),
                Span::Link { text, url } => this.push_link(text, url, max),
            }
        }
        this.split_long_words(max);
        this
    }

    /// One span's text, word by word.
    fn push_text(&mut self, text: &str, kind: Kind) {
        let group = self.groups.len();
        self.groups.push(kind);
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            self.pending.push_str(&rest[..start]);
            let word = &rest[start..];
            let end = word.find(char::is_whitespace).unwrap_or(word.len());
            self.words.push(Word {
                group,
                sep: std::mem::take(&mut self.pending),
                text: word[..end].to_owned(),
            });
            rest = &word[end..];
        }
        self.pending.push_str(rest);
    }

    /// A link as one word; as text (`text (url)`) when its URL is not `http(s)` or when the
    /// whole link would not fit `max`.
    fn push_link(&mut self, text: &str, url: &str, max: usize) {
        let text = if crate::text::is_blank(text) {
            url
        } else {
            text
        };
        let Some(url_md) = link_url(url) else {
            return self.push_text(&format!("{text} ({url})"), Kind::Plain);
        };
        let kind = Kind::Link(url_md, url.to_owned());
        if kind.overhead() + escaped_len(text) > max.saturating_sub(INDENT_MAX) {
            return self.push_text(&format!("{text} ({url})"), Kind::Plain);
        }
        self.groups.push(kind);
        self.words.push(Word {
            group: self.groups.len() - 1,
            sep: std::mem::take(&mut self.pending),
            text: text.to_owned(),
        });
    }

    /// Splits words that could not fit `max` on their own between graphemes (never inside an
    /// emoji sequence or a letter with its accents).
    fn split_long_words(&mut self, max: usize) {
        let mut words = Vec::with_capacity(self.words.len());
        for word in std::mem::take(&mut self.words) {
            let kind = &self.groups[word.group];
            let budget = max.saturating_sub(INDENT_MAX + kind.overhead()).max(1);
            if matches!(kind, Kind::Link(..)) || escaped_len(&word.text) <= budget {
                words.push(word);
                continue;
            }
            let mut sep = word.sep;
            let mut piece = String::new();
            let mut used = 0;
            for grapheme in word.text.graphemes(true) {
                let size = escaped_len(grapheme);
                if used + size > budget && !piece.is_empty() {
                    words.push(Word {
                        group: word.group,
                        sep: std::mem::take(&mut sep),
                        text: std::mem::take(&mut piece),
                    });
                    used = 0;
                }
                piece.push_str(grapheme);
                used += size;
            }
            words.push(Word {
                group: word.group,
                sep,
                text: piece,
            });
        }
        self.words = words;
    }

    /// What word `i` adds to a fragment starting at word `start`: its whitespace (none at the
    /// start of a fragment, except the line's indentation), its text escaped, and the marks of
    /// its span when it opens one.
    fn cost(&self, i: usize, start: usize) -> usize {
        let word = &self.words[i];
        let sep = if i > start || i == 0 {
            chars(&word.sep)
        } else {
            0
        };
        let opens = i == start || self.words[i - 1].group != word.group;
        let marks = if opens {
            self.groups[word.group].overhead()
        } else {
            0
        };
        sep + escaped_len(&word.text) + marks
    }

    /// The line cut into fragments of `mrkdwn` at spaces: the first of at most `first_max`
    /// characters (the room left in a section) when its first word fits there, the others of
    /// at most `max`.
    fn fragments(&self, first_max: usize, max: usize) -> Vec<Chunk> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut used = 0;
        let mut limit = match self.words.first() {
            Some(_) if self.cost(0, 0) <= first_max => first_max,
            _ => max,
        };
        for i in 0..self.words.len() {
            let cost = self.cost(i, start);
            if i > start && used + cost > limit {
                out.push(self.render(start, i));
                start = i;
                used = self.cost(i, i);
                limit = max;
            } else {
                used += cost;
            }
        }
        if start < self.words.len() {
            out.push(self.render(start, self.words.len()));
        }
        out
    }

    /// Words `start..end` in `mrkdwn` and as plain text; each span's marks close at the end
    /// and open again at the start of a fragment.
    fn render(&self, start: usize, end: usize) -> Chunk {
        let mut md = String::new();
        let mut plain = String::new();
        let mut i = start;
        while i < end {
            let group = self.words[i].group;
            let run_end = (i..end)
                .find(|&j| self.words[j].group != group)
                .unwrap_or(end);
            if i > start || i == 0 {
                md.push_str(&self.words[i].sep);
                plain.push_str(&self.words[i].sep);
            }
            let mut inner_md = String::new();
            let mut inner_plain = String::new();
            for j in i..run_end {
                if j > i {
                    inner_md.push_str(&self.words[j].sep);
                    inner_plain.push_str(&self.words[j].sep);
                }
                inner_md.push_str(&escape(&self.words[j].text));
                inner_plain.push_str(&self.words[j].text);
            }
            match &self.groups[group] {
                Kind::Plain => md.push_str(&inner_md),
                Kind::Bold => md.push_str(&format!("*{inner_md}*")),
                Kind::Italic => md.push_str(&format!("_{inner_md}_")),
                Kind::Link(url_md, url) => {
                    md.push_str(&format!("<{url_md}|{inner_md}>"));
                    inner_plain.push_str(&format!(" ({url})"));
                }
            }
            plain.push_str(&inner_plain);
            i = run_end;
        }
        Chunk { md, plain }
    }
}

/// What comes before a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    Paragraph,
    Line,
    /// The continuation of a line too long for one section.
    Space,
}

impl Break {
    fn as_str(self) -> &'static str {
        match self {
            Break::Paragraph => "\n\n",
            Break::Line => "\n",
            Break::Space => " ",
        }
    }
}

/// A line, or a fragment of a long line, in `mrkdwn` and plain text.
#[derive(Debug, Clone)]
struct Piece {
    brk: Break,
    md: String,
    plain: String,
}

/// Text in `mrkdwn` and as plain text.
#[derive(Debug, Clone, Default)]
struct Chunk {
    md: String,
    plain: String,
}

/// The subset's lines, parsed for texts of at most `max` characters, each with its break.
fn lines(markdown: &str, max: usize) -> Vec<(Break, Line)> {
    parse_lines(markdown, |line| Line::parse(line, max))
}

/// Plain text (a title, a field name) in bold, escaped, as lines for texts of at most `max`.
fn bold_lines(text: &str, max: usize) -> Vec<(Break, Line)> {
    parse_lines(text, |line| {
        let mut parsed = Line::default();
        parsed.push_text(line.trim(), Kind::Bold);
        parsed.split_long_words(max);
        parsed
    })
}

/// The lines of `text` that are not blank, each with its break: a paragraph break after blank
/// lines, else a line break.
fn parse_lines(text: &str, parse: impl Fn(&str) -> Line) -> Vec<(Break, Line)> {
    let mut out = Vec::new();
    let mut brk = Break::Line;
    for line in text.lines() {
        if line.trim().is_empty() {
            brk = Break::Paragraph;
            continue;
        }
        out.push((brk, parse(line)));
        brk = Break::Line;
    }
    out
}

/// Pieces joined by their breaks (the first piece's break dropped).
fn join(pieces: &[Piece]) -> Chunk {
    let mut out = Chunk::default();
    for (k, piece) in pieces.iter().enumerate() {
        if k > 0 {
            out.md.push_str(piece.brk.as_str());
            out.plain.push_str(piece.brk.as_str());
        }
        out.md.push_str(&piece.md);
        out.plain.push_str(&piece.plain);
    }
    out
}

/// The length of pieces joined.
fn joined_len(pieces: &[Piece]) -> usize {
    pieces
        .iter()
        .enumerate()
        .map(|(k, piece)| chars(&piece.md) + if k > 0 { piece.brk.as_str().len() } else { 0 })
        .sum()
}

/// Packs lines into texts of at most `max` characters of `mrkdwn`, in order, nothing lost: a
/// text ends at a paragraph break when there is one in its second half, else at a line break;
/// a line too long for one text fills the room left in a text less than half full and
/// continues, cut at spaces, in the next.
fn pack(lines: Vec<(Break, Line)>, max: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut current: Vec<Piece> = Vec::new();
    for (brk, line) in lines {
        let used = joined_len(&current);
        let first_max = if current.is_empty() || used > max / 2 {
            max
        } else {
            max.saturating_sub(used + brk.as_str().len())
        };
        for (k, chunk) in line.fragments(first_max, max).into_iter().enumerate() {
            let piece = Piece {
                brk: if k == 0 { brk } else { Break::Space },
                md: chunk.md,
                plain: chunk.plain,
            };
            let grown = |current: &[Piece]| {
                joined_len(current) + piece.brk.as_str().len() + chars(&piece.md)
            };
            if !current.is_empty() && grown(&current) > max {
                let cut = (1..current.len())
                    .rev()
                    .find(|&i| {
                        current[i].brk == Break::Paragraph && joined_len(&current[..i]) > max / 2
                    })
                    .unwrap_or(current.len());
                let carried = current.split_off(cut);
                out.push(join(&current));
                current = carried;
                if !current.is_empty() && grown(&current) > max {
                    out.push(join(&current));
                    current.clear();
                }
            }
            current.push(piece);
        }
    }
    if !current.is_empty() {
        out.push(join(&current));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Attachment, Button, Field, FormInput};

    fn json<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).unwrap()
    }

    /// What a reader sees of escaped text.
    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    fn without_whitespace(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Every block of every message as JSON, checked against the message limits.
    fn blocks(rendered: &[Rendered]) -> Vec<Value> {
        let mut all = Vec::new();
        for message in rendered {
            assert!(message.blocks.len() <= BLOCKS_MAX);
            assert!(chars(&message.text) <= TEXT_MAX);
            assert!(!message.text.contains('<'), "fallback escaped");
            let blocks: Vec<Value> = message.blocks.iter().map(json).collect();
            let mut total = 0;
            for block in &blocks {
                for text in texts(block) {
                    assert!(!text.is_empty(), "Slack refuses empty text");
                    total += chars(&text);
                }
            }
            assert!(total <= MESSAGE_TEXT_BUDGET, "{total}");
            // What the client sends parses back into the same blocks.
            let back: Vec<SlackBlock> =
                serde_json::from_value(Value::Array(blocks.clone())).unwrap();
            assert_eq!(back, message.blocks);
            all.extend(blocks);
        }
        all
    }

    /// The texts of a block's text objects.
    fn texts(block: &Value) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |value: &Value| {
            if let Some(text) = value["text"].as_str() {
                out.push(text.to_owned());
            }
        };
        add(&block["text"]);
        for field in block["fields"].as_array().into_iter().flatten() {
            add(field);
        }
        for element in block["elements"].as_array().into_iter().flatten() {
            if element["type"] == "button" {
                add(&element["text"]);
            } else {
                add(element);
            }
        }
        out
    }

    /// The text of every section, in order.
    fn section_texts(blocks: &[Value]) -> Vec<String> {
        blocks
            .iter()
            .filter(|block| block["type"] == "section" && block["text"].is_object())
            .map(|block| {
                assert_eq!(block["text"]["type"], "mrkdwn");
                assert_eq!(block["text"]["verbatim"], true);
                let text = block["text"]["text"].as_str().unwrap().to_owned();
                assert!(chars(&text) <= SECTION_TEXT_MAX, "{}", chars(&text));
                text
            })
            .collect()
    }

    #[test]
    fn the_subset_becomes_mrkdwn() {
        assert_eq!(
            mrkdwn("Use **/journal** or *read* [the guide](https://example.com/g)."),
            "Use */journal* or _read_ <https://example.com/g|the guide>."
        );
        assert_eq!(
            mrkdwn("Steps:\n- **one** thing\n  - nested\n1. first\n\n\nNext *paragraph*"),
            "Steps:\n• *one* thing\n  • nested\n1. first\n\nNext _paragraph_"
        );
        assert_eq!(
            mrkdwn("**two words** stay one span"),
            "*two words* stay one span"
        );
        assert_eq!(mrkdwn("2 * 3 = 6 and [x"), "2 * 3 = 6 and [x");
        assert_eq!(mrkdwn(""), "");
    }

    #[test]
    fn person_supplied_text_cannot_mention_or_link() {
        let reflection = "Told <!channel> and <@U123> and <!here>, see <https://evil|x> & <#C1>";
        let out = mrkdwn(reflection);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert_eq!(
            out,
            "Told &lt;!channel&gt; and &lt;@U123&gt; and &lt;!here&gt;, see \
             &lt;https://evil|x&gt; &amp; &lt;#C1&gt;"
        );
        assert_eq!(unescape(&out), reflection);
        // Marked text is escaped too.
        assert_eq!(mrkdwn("**<!channel>**"), "*&lt;!channel&gt;*");
        // Only http(s) links become links; anything else stays text.
        assert_eq!(mrkdwn("[boss](@U123)"), "boss (@U123)");
        assert_eq!(mrkdwn("[x](javascript:alert)"), "x (javascript:alert)");
        assert_eq!(
            mrkdwn("[x](slack://channel?id=C1)"),
            "x (slack://channel?id=C1)"
        );
        // A link's URL cannot end the link early or open another; its text cannot either.
        assert_eq!(
            mrkdwn("[a > b](https://e.com/?q=1&r=<x>|y z)"),
            "<https://e.com/?q=1&amp;r=%3Cx%3E%7Cy%20z|a &gt; b>"
        );
        assert_eq!(mrkdwn("[](https://e.com)"), "<https://e.com|https://e.com>");
        // The notification text is escaped as well.
        let rendered = render(&RichMessage::titled("<!channel>", reflection));
        assert!(!rendered[0].text.contains('<'), "{}", rendered[0].text);
        assert!(rendered[0].text.contains("&lt;!channel&gt;"));
        let header = json(&rendered[0].blocks[0]);
        assert_eq!(header["text"]["type"], "plain_text", "shown as written");
        assert_eq!(header["text"]["text"], "<!channel>");
    }

    #[test]
    fn a_message_has_the_json_shape_slack_expects() {
        let message = RichMessage {
            title: Some("Pre-mortem".into()),
            body: "Imagine it **failed**.".into(),
            fields: vec![Field {
                name: "Ask yourself".into(),
                value: "Why?".into(),
            }],
            buttons: vec![Button {
                action: "reflect:pre-mortem".into(),
                label: "Reflect".into(),
            }],
            attachment: Some(Attachment {
                filename: "export-2026-11-30.json".into(),
                media_type: "application/json",
                bytes: vec![1, 2, 3],
            }),
            ..RichMessage::default()
        };
        let rendered = render(&message);
        assert_eq!(rendered.len(), 1);
        assert_eq!(
            rendered[0].text,
            "Pre-mortem\nImagine it failed.\nAsk yourself\nWhy?\nAttached: export-2026-11-30.json"
        );
        let blocks = Value::Array(blocks(&rendered));
        let expected = serde_json::json!([
            {"type": "header", "text": {"type": "plain_text", "text": "Pre-mortem"}},
            {"type": "section",
             "text": {"type": "mrkdwn", "text": "Imagine it *failed*.", "verbatim": true}},
            {"type": "section",
             "fields": [{"type": "mrkdwn", "text": "*Ask yourself*\nWhy?", "verbatim": true}]},
            {"type": "context",
             "elements": [{"type": "plain_text", "text": "Attached: export-2026-11-30.json"}]},
            {"type": "actions", "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": "Reflect"},
                "action_id": "reflect:pre-mortem",
                "value": "reflect:pre-mortem"
            }]}
        ]);
        assert_eq!(blocks, expected);
    }

    #[test]
    fn a_long_body_is_split_not_lost() {
        // 20,000 characters: paragraphs, a paragraph on one long line, escapes and emoji.
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦";
        let paragraph = format!("word & <b> {family} ").repeat(40);
        let mut body = [paragraph.trim(); 10].join("\n\n");
        body.push_str("\n\n");
        body.push_str(&"one long line without breaks ".repeat(450));
        let body: String = body.chars().take(20_000).collect();
        assert_eq!(chars(&body), 20_000);
        let rendered = render(&RichMessage::titled("Long", body.clone()));
        assert!(rendered.len() > 1, "more than one message's worth");
        let blocks = blocks(&rendered);
        let sections = section_texts(&blocks);
        assert!(sections.len() >= 7, "{}", sections.len());
        for section in &sections {
            assert!(!section.contains('<') && !section.contains('>'));
            assert_eq!(
                section.matches(family).count() * family.len(),
                section.matches(family).map(str::len).sum::<usize>()
            );
        }
        assert_eq!(
            without_whitespace(&unescape(&sections.concat())),
            without_whitespace(&body),
            "nothing lost"
        );
        // A message's notification text stays within Slack's guidance, escaped.
        assert!(
            rendered
                .iter()
                .all(|message| chars(&message.text) <= TEXT_MAX)
        );
        assert!(rendered[0].text.starts_with("Long\nword &amp; &lt;b&gt;"));
    }

    #[test]
    fn split_prefers_paragraphs_and_reopens_marks() {
        let first = "a".repeat(2_000);
        let second = "b".repeat(1_500);
        let body = format!("{first}\nshort line\n\n{second}\nmore");
        let sections = section_texts(&blocks(&render(&RichMessage {
            body,
            ..RichMessage::default()
        })));
        assert_eq!(
            sections,
            vec![format!("{first}\nshort line"), format!("{second}\nmore")]
        );

        // A bold span longer than a section closes at the end of one and opens in the next.
        let bold = format!("**{}**", "strong ".repeat(1_000).trim());
        let sections = section_texts(&blocks(&render(&RichMessage {
            body: bold,
            ..RichMessage::default()
        })));
        assert!(sections.len() >= 3);
        for section in &sections {
            assert!(
                section.starts_with("*strong") && section.ends_with("strong*"),
                "{section}"
            );
        }
        let words: usize = sections.iter().map(|s| s.split_whitespace().count()).sum();
        assert_eq!(words, 1_000);
    }

    #[test]
    fn splitting_never_cuts_inside_an_emoji_sequence() {
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦";
        let body = family.repeat(1_000); // 7,000 characters, no space
        let sections = section_texts(&blocks(&render(&RichMessage {
            body: body.clone(),
            ..RichMessage::default()
        })));
        assert!(sections.len() >= 3);
        for section in &sections {
            assert_eq!(section.len() % family.len(), 0, "cut inside the emoji");
        }
        assert_eq!(sections.concat(), body);
        // Escapes are never cut either.
        let sections = section_texts(&blocks(&render(&RichMessage {
            body: "<&>".repeat(2_000),
            ..RichMessage::default()
        })));
        assert!(sections.len() > 1);
        assert_eq!(unescape(&sections.concat()), "<&>".repeat(2_000));
    }

    #[test]
    fn sixty_fields_make_sections_of_ten_and_long_values_are_not_cut() {
        let mut fields: Vec<Field> = (0..60)
            .map(|i| Field {
                name: format!("field {i}"),
                value: format!("value {i} <@U{i}>"),
            })
            .collect();
        fields.insert(
            30,
            Field {
                name: "Long".into(),
                value: "long value ".repeat(500),
            },
        );
        let rendered = render(&RichMessage {
            fields,
            ..RichMessage::default()
        });
        let blocks = blocks(&rendered);
        let mut names = Vec::new();
        for block in &blocks {
            let fields = block["fields"].as_array().into_iter().flatten();
            let fields: Vec<&Value> = fields.collect();
            assert!(fields.len() <= FIELDS_MAX);
            for field in fields {
                let text = field["text"].as_str().unwrap();
                assert!(chars(text) <= FIELD_TEXT_MAX);
                assert!(!text.contains('<'));
                names.push(text.lines().next().unwrap().to_owned());
            }
        }
        assert_eq!(names.len(), 60);
        assert_eq!(names[0], "*field 0*");
        assert_eq!(names[30], "*field 30*", "order kept around the long field");
        let long = section_texts(&blocks);
        assert!(long.len() >= 2, "a long field is sections of its own");
        assert!(long[0].starts_with("*Long*\nlong value"));
        assert_eq!(
            without_whitespace(&long.concat()),
            format!("*Long*{}", without_whitespace(&"long value ".repeat(500)))
        );
        let field_sections = blocks.iter().filter(|b| b["fields"].is_array()).count();
        assert_eq!(field_sections, 6, "3 before the long field, 3 after");
    }

    #[test]
    fn long_fields_spread_over_sections_within_a_messages_budget() {
        let fields: Vec<Field> = (0..12)
            .map(|i| Field {
                name: format!("f{i}"),
                value: format!("{i}{}", "x".repeat(1_900)),
            })
            .collect();
        let rendered = render(&RichMessage {
            fields,
            ..RichMessage::default()
        });
        let blocks = blocks(&rendered);
        let counts: Vec<usize> = blocks
            .iter()
            .map(|block| block["fields"].as_array().unwrap().len())
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 12);
        assert!(counts.iter().all(|&n| n == 2), "{counts:?}");
        assert!(rendered.len() >= 3);
    }

    #[test]
    fn more_than_fifty_blocks_become_several_messages() {
        let fields: Vec<Field> = (0..600)
            .map(|i| Field {
                name: format!("{i}"),
                value: "v".into(),
            })
            .collect();
        let rendered = render(&RichMessage {
            title: Some("Many".into()),
            fields,
            buttons: vec![Button {
                action: "done".into(),
                label: "Done".into(),
            }],
            ..RichMessage::default()
        });
        assert!(rendered.len() >= 2);
        let blocks = blocks(&rendered);
        assert_eq!(blocks.len(), 1 + 60 + 1);
        let last = rendered.last().unwrap();
        assert_eq!(
            json(last.blocks.last().unwrap())["type"],
            "actions",
            "buttons come last"
        );
    }

    #[test]
    fn thirty_buttons_make_two_actions_blocks_with_short_labels() {
        let mut buttons: Vec<Button> = (0..30)
            .map(|i| Button {
                action: format!("act:{i}"),
                label: format!("{i} {}", "label ".repeat(20)),
            })
            .collect();
        buttons[1].action = "act:0".into();
        let rendered = render(&RichMessage {
            buttons,
            ..RichMessage::default()
        });
        assert_eq!(rendered.len(), 1);
        assert!(!rendered[0].text.is_empty(), "buttons alone still notify");
        let blocks = blocks(&rendered);
        assert_eq!(blocks.len(), 2);
        let rows: Vec<&Vec<Value>> = blocks
            .iter()
            .map(|b| b["elements"].as_array().unwrap())
            .collect();
        assert_eq!((rows[0].len(), rows[1].len()), (25, 5));
        for button in rows.iter().copied().flatten() {
            assert_eq!(button["type"], "button");
            let text = button["text"]["text"].as_str().unwrap();
            assert!(chars(text) <= BUTTON_TEXT_MAX && text.ends_with('\u{2026}'));
        }
        assert_eq!(rows[0][0]["action_id"], "act:0");
        assert_eq!(
            rows[0][1]["action_id"], "act:0#1",
            "unique within the block"
        );
        assert_eq!(rows[0][1]["value"], "act:0", "the action is in the value");
        assert_eq!(rows[1][4]["action_id"], "act:29");
    }

    #[test]
    fn a_long_title_is_shortened_in_the_header_and_given_whole_below() {
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦";
        let title = format!("A{}", family.repeat(30)); // 211 characters
        let rendered = render(&RichMessage::titled(title.clone(), "Body"));
        let blocks = blocks(&rendered);
        assert_eq!(blocks[0]["type"], "header");
        let header = blocks[0]["text"]["text"].as_str().unwrap();
        assert!(chars(header) <= HEADER_MAX);
        let kept = header.strip_suffix('\u{2026}').unwrap();
        assert_eq!((kept.len() - 1) % family.len(), 0, "cut between graphemes");
        assert_eq!(section_texts(&blocks), vec![format!("*{title}*\n\nBody")]);
    }

    #[test]
    fn a_form_is_a_button_and_a_modal_within_slacks_limits() {
        let form = Form {
            id: "reflect".into(),
            title: "Write a reflection about the week that just ended".into(),
            inputs: vec![FormInput {
                id: "text".into(),
                label: "Your reflection ".repeat(200),
                placeholder: Some("A decision you made... ".repeat(10)),
                multiline: true,
                max_chars: 4000,
                value: None,
            }],
        };
        let message = RichMessage {
            title: Some("Reflect".into()),
            body: "What happened?".into(),
            form: Some(form.clone()),
            ..RichMessage::default()
        };
        assert_eq!(form_prompt(&message), Some(&form));
        let blocks = blocks(&render(&message));
        let button = &blocks.last().unwrap()["elements"][0];
        assert_eq!(button["action_id"], "reflect", "opens the form");

        let view = json(&modal(&form, Some("C123|1700000000.000100")));
        assert_eq!(view["type"], "modal");
        assert_eq!(view["callback_id"], "reflect");
        assert_eq!(view["private_metadata"], "C123|1700000000.000100");
        let title = view["title"]["text"].as_str().unwrap();
        assert!(chars(title) <= MODAL_TITLE_MAX && title.ends_with('\u{2026}'));
        assert_eq!(
            view["submit"],
            serde_json::json!({"type": "plain_text", "text": "Send"})
        );
        assert_eq!(view["close"]["text"], "Cancel");
        let input = &view["blocks"][0];
        assert_eq!(input["type"], "input");
        assert_eq!(input["block_id"], "text");
        assert_eq!(input["optional"], false);
        assert!(chars(input["label"]["text"].as_str().unwrap()) <= INPUT_LABEL_MAX);
        let element = &input["element"];
        assert_eq!(element["type"], "plain_text_input");
        assert_eq!(element["action_id"], "text");
        assert_eq!(element["multiline"], true);
        assert_eq!(element["max_length"], 3000, "clamped to Slack's maximum");
        assert!(chars(element["placeholder"]["text"].as_str().unwrap()) <= INPUT_PLACEHOLDER_MAX);
        let back: SlackView = serde_json::from_value(view).unwrap();
        assert_eq!(back, modal(&form, Some("C123|1700000000.000100")));
    }

    #[test]
    fn submitted_values_are_read_by_input_id() {
        let payload = serde_json::json!({
            "type": "view_submission",
            "view": {
                "callback_id": "reflect",
                "state": {"values": {
                    "text": {"text": {"type": "plain_text_input", "value": "I <@U1> decided"}},
                    "extra": {"extra": {"type": "plain_text_input", "value": null}}
                }}
            }
        });
        let values = form_values(&payload);
        assert_eq!(
            values.get("text").map(String::as_str),
            Some("I <@U1> decided")
        );
        assert_eq!(values.get("extra").map(String::as_str), Some(""));
        assert_eq!(form_values(&payload["view"]), values);
        assert!(form_values(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn the_notification_text_is_cut_after_escaping() {
        let rendered = render(&RichMessage::titled("T", "<".repeat(2_900)));
        let text = &rendered[0].text;
        assert!(chars(text) <= TEXT_MAX);
        assert!(text.ends_with("&lt;\u{2026}"), "cut between escapes");
        assert!(render(&RichMessage::default()).is_empty());
    }
}

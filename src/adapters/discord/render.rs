//! Core messages in Discord's shapes: embeds, button rows and modals, fitted to Discord's
//! limits.
//!
//! The core writes a Markdown subset that Discord shows as is (bold, italics, lists, masked
//! links), so text passes through unchanged; the work here is fitting Discord's limits without
//! losing anything: a long body continues in further embeds, long fields continue in further
//! fields, and a message with more than one Discord message's worth of embeds becomes several
//! messages. Only labels (button labels, modal titles, input labels) are shortened, with an
//! ellipsis.
//!
//! Limits from Discord's API reference (Channel resource, "Embed Limits"; Message Components;
//! Interactions), in characters unless said otherwise.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateInputText, CreateModal,
    InputTextStyle,
};

use crate::core::{Form, RichMessage};

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FIELDS_MAX: usize = 25;
/// The sum of every embed's title, description, field names and values in one message.
pub const EMBED_TOTAL_MAX: usize = 6000;
/// Embeds in one message.
pub const EMBEDS_MAX: usize = 10;
/// Message `content`; shiftcoach sends embeds, so content is only used for short notes.
pub const CONTENT_MAX: usize = 2000;
pub const BUTTONS_PER_ROW: usize = 5;
/// Action rows in one message.
pub const ROWS_MAX: usize = 5;
pub const BUTTON_LABEL_MAX: usize = 80;
pub const CUSTOM_ID_MAX: usize = 100;
pub const MODAL_TITLE_MAX: usize = 45;
pub const INPUT_LABEL_MAX: usize = 45;
pub const INPUT_PLACEHOLDER_MAX: usize = 100;
/// Longest text a modal's text input accepts.
pub const INPUT_MAX: u16 = 4000;
/// Files attached to one message.
pub const FILES_MAX: usize = 10;

/// Colour of shiftcoach's embeds.
const COLOUR: u32 = 0x2f_6f_9f;
/// Added to the name of a field that continues the one before.
const CONTINUED: &str = " (continued)";

/// One Discord message's worth of a core message.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    /// Set when the message is only a form: answer the interaction by opening it.
    pub modal: Option<CreateModal>,
}

/// Renders a core message as one or more Discord messages, in order, each within Discord's
/// limits. A form prompt (a form with at most a title and a line of text) opens as a modal
/// when `modal_allowed` (the answer to an interaction not yet acknowledged); otherwise the form
/// becomes a button that opens it: its action is the form's id, which the core answers with
/// the bare form. Buttons come with the last message.
pub fn render(message: &RichMessage, modal_allowed: bool) -> Vec<Rendered> {
    let bare_form = message.fields.is_empty() && message.buttons.is_empty();
    if let (Some(form), true, true) = (&message.form, bare_form, modal_allowed) {
        return vec![Rendered {
            modal: Some(modal(form)),
            ..Rendered::default()
        }];
    }
    let mut buttons: Vec<(String, String)> = message
        .buttons
        .iter()
        .map(|button| (button.action.clone(), button.label.clone()))
        .collect();
    if let Some(form) = &message.form {
        buttons.push((form.id.clone(), form.title.clone()));
    }
    let has_text =
        message.title.is_some() || !message.body.is_empty() || !message.fields.is_empty();
    let mut messages: Vec<Rendered> = if has_text {
        pack(embeds(message))
            .into_iter()
            .map(|embeds| Rendered {
                embeds,
                ..Rendered::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    let rows = button_rows(&buttons);
    for (i, rows) in rows.chunks(ROWS_MAX).enumerate() {
        if i > 0 || messages.is_empty() {
            messages.push(Rendered::default());
        }
        if let Some(last) = messages.last_mut() {
            last.components = rows.to_vec();
        }
    }
    messages
}

/// An embed and its size as Discord counts it toward [`EMBED_TOTAL_MAX`].
struct Sized {
    embed: CreateEmbed,
    size: usize,
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The embeds for a message: the body split at paragraph or line breaks to fit a description,
/// fields split to fit a value and packed while an embed stays within Discord's limits.
fn embeds(message: &RichMessage) -> Vec<Sized> {
    let mut body = message.body.clone();
    let title = match message.title.as_deref() {
        Some(title) if chars(title) > TITLE_MAX => {
            // Too long for a title: shortened there, and given whole at the top of the text.
            body = format!("**{title}**\n\n{body}");
            Some(cut(title, TITLE_MAX))
        }
        other => other.map(str::to_owned),
    };
    let mut out: Vec<Sized> = Vec::new();
    let mut fields_in_last = 0;
    let new_embed = |title: Option<&String>| {
        let mut embed = CreateEmbed::new().colour(COLOUR);
        let mut size = 0;
        if let Some(title) = title {
            embed = embed.title(title.clone());
            size = chars(title);
        }
        Sized { embed, size }
    };
    for (i, chunk) in split(&body, DESCRIPTION_MAX).into_iter().enumerate() {
        let mut sized = new_embed(title.as_ref().filter(|_| i == 0));
        sized.size += chars(&chunk);
        sized.embed = sized.embed.description(chunk);
        out.push(sized);
    }
    if out.is_empty() {
        out.push(new_embed(title.as_ref()));
    }
    for field in &message.fields {
        let name = cut(&field.name, FIELD_NAME_MAX - chars(CONTINUED));
        for (part, value) in split(&field.value, FIELD_VALUE_MAX).into_iter().enumerate() {
            let name = if part == 0 {
                name.clone()
            } else {
                format!("{name}{CONTINUED}")
            };
            let size = chars(&name) + chars(&value);
            let last = out.len() - 1;
            if out[last].size + size > EMBED_TOTAL_MAX || fields_in_last == FIELDS_MAX {
                out.push(new_embed(None));
                fields_in_last = 0;
            }
            let last = out.len() - 1;
            out[last].embed = out[last].embed.clone().field(name, value, false);
            out[last].size += size;
            fields_in_last += 1;
        }
    }
    out
}

/// Groups embeds into messages of at most [`EMBEDS_MAX`] embeds and [`EMBED_TOTAL_MAX`]
/// characters, in order.
fn pack(embeds: Vec<Sized>) -> Vec<Vec<CreateEmbed>> {
    let mut messages: Vec<Vec<CreateEmbed>> = Vec::new();
    let mut used = 0;
    for sized in embeds {
        let full = messages
            .last()
            .is_none_or(|last| last.len() == EMBEDS_MAX || used + sized.size > EMBED_TOTAL_MAX);
        if full {
            messages.push(Vec::new());
            used = 0;
        }
        used += sized.size;
        if let Some(last) = messages.last_mut() {
            last.push(sized.embed);
        }
    }
    messages
}

/// Buttons in rows of five; labels shortened to Discord's limit. Action ids are the core's
/// own and always fit (`core::action`).
fn button_rows(buttons: &[(String, String)]) -> Vec<CreateActionRow> {
    buttons
        .chunks(BUTTONS_PER_ROW)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|(action, label)| {
                        CreateButton::new(action.clone())
                            .label(cut(label, BUTTON_LABEL_MAX))
                            .style(ButtonStyle::Primary)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A core form as a Discord modal.
pub fn modal(form: &Form) -> CreateModal {
    let inputs = form
        .inputs
        .iter()
        .map(|input| {
            let style = if input.multiline {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let max = u16::try_from(input.max_chars)
                .unwrap_or(INPUT_MAX)
                .min(INPUT_MAX);
            let mut text = CreateInputText::new(
                style,
                cut(&input.label, INPUT_LABEL_MAX),
                cut(&input.id, CUSTOM_ID_MAX),
            )
            .max_length(max)
            .required(true);
            if let Some(placeholder) = &input.placeholder {
                text = text.placeholder(cut(placeholder, INPUT_PLACEHOLDER_MAX));
            }
            // Discord: a text input's `value` may not be longer than its `max_length`.
            if let Some(value) = &input.value {
                text = text.value(cut(value, usize::from(max)));
            }
            CreateActionRow::InputText(text)
        })
        .collect();
    CreateModal::new(
        cut(&form.id, CUSTOM_ID_MAX),
        cut(&form.title, MODAL_TITLE_MAX),
    )
    .components(inputs)
}

/// Splits `text` into pieces of at most `max` characters, at a paragraph break if there is one
/// in the second half of the piece, else at a line break, else at a space, else between two
/// graphemes (never inside an emoji sequence or a letter with its accents).
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        // Never inside a grapheme (an emoji sequence, a letter and its accents).
        let limit = match crate::text::grapheme_floor(rest, limit) {
            0 => limit,
            floor => floor,
        };
        let window = &rest[..limit];
        let half = window.len() / 2;
        let at = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i > half))
            .unwrap_or(limit);
        pieces.push(rest[..at].trim_end().to_owned());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// Cuts `text` to at most `max` characters, marking the cut.
fn cut(text: &str, max: usize) -> String {
    crate::text::truncate(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Button, Field, FormInput};
    use serde_json::Value;

    #[test]
    fn splitting_never_cuts_inside_an_emoji_sequence() {
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦";
        let text = family.repeat(40);
        // Limits at least one grapheme long (a single grapheme longer than the limit has to be
        // cut by characters; no platform limit is that small).
        for max in [7, 10, 13, 100] {
            let pieces = split(&text, max);
            assert_eq!(pieces.concat(), text, "nothing lost at {max}");
            for piece in &pieces {
                assert!(piece.chars().count() <= max);
                assert_eq!(piece.len() % family.len(), 0, "{max}: {piece:?}");
            }
        }
    }

    fn json<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn a_message_becomes_an_embed_with_fields_and_buttons() {
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
            ..RichMessage::default()
        };
        let rendered = &render(&message, true)[0];
        assert!(rendered.modal.is_none());
        let embed = json(&rendered.embeds[0]);
        assert_eq!(embed["title"], "Pre-mortem");
        assert_eq!(embed["description"], "Imagine it **failed**.");
        assert_eq!(embed["fields"][0]["name"], "Ask yourself");
        let row = json(&rendered.components[0]);
        assert_eq!(row["components"][0]["custom_id"], "reflect:pre-mortem");
        assert_eq!(row["components"][0]["label"], "Reflect");
    }

    #[test]
    fn a_bare_form_is_a_modal_and_a_form_with_text_is_a_button() {
        let form = Form {
            id: "reflect".into(),
            title: "Write a reflection about the week that just ended, at length".into(),
            inputs: vec![FormInput {
                id: "text".into(),
                label: "Your reflection".into(),
                placeholder: Some("A decision...".into()),
                multiline: true,
                max_chars: 4000,
                value: None,
            }],
        };
        let bare = &render(
            &RichMessage {
                form: Some(form.clone()),
                ..RichMessage::default()
            },
            true,
        )[0];
        let modal = json(bare.modal.as_ref().unwrap());
        assert_eq!(modal["custom_id"], "reflect");
        assert!(modal["title"].as_str().unwrap().chars().count() <= MODAL_TITLE_MAX);
        let input = &modal["components"][0]["components"][0];
        assert_eq!(input["custom_id"], "text");
        assert_eq!(input["style"], 2, "paragraph");
        assert_eq!(input["max_length"], 4000);

        let prompt_message = RichMessage {
            title: Some("Reflect".into()),
            body: "What happened?".into(),
            form: Some(form.clone()),
            ..RichMessage::default()
        };
        let prompt = &render(&prompt_message, true)[0];
        assert!(
            prompt.modal.is_some() && prompt.embeds.is_empty(),
            "a prompt opens the modal"
        );
        let after_deferral = render(&prompt_message, false);
        assert!(
            after_deferral[0].modal.is_none(),
            "no modal after a deferral"
        );
        assert_eq!(
            json(&after_deferral[0].components[0])["components"][0]["custom_id"],
            "reflect"
        );

        let with_text = &render(
            &RichMessage {
                title: Some("Scenario".into()),
                body: "The situation...".into(),
                fields: vec![Field {
                    name: "Your call".into(),
                    value: "What do you do?".into(),
                }],
                form: Some(form),
                ..RichMessage::default()
            },
            true,
        )[0];
        assert!(with_text.modal.is_none());
        assert_eq!(
            json(&with_text.components[0])["components"][0]["custom_id"],
            "reflect"
        );
    }

    #[test]
    fn long_text_is_split_not_lost() {
        let paragraph = "word ".repeat(300);
        let body = [paragraph.trim(); 5].join("\n\n");
        let fields: Vec<Field> = (0..30)
            .map(|i| Field {
                name: format!("field {i}"),
                value: "v".repeat(900),
            })
            .collect();
        let rendered = render(
            &RichMessage {
                title: Some("Long".into()),
                body: body.clone(),
                fields,
                ..RichMessage::default()
            },
            true,
        );
        assert!(rendered.len() > 1, "more than one message's worth");
        let mut description = String::new();
        let mut field_count = 0;
        for message in &rendered {
            let embeds: Vec<Value> = message.embeds.iter().map(json).collect();
            assert!(embeds.len() <= EMBEDS_MAX);
            let mut message_total = 0;
            for embed in &embeds {
                let desc = embed["description"].as_str().unwrap_or("");
                assert!(desc.chars().count() <= DESCRIPTION_MAX);
                description.push_str(desc);
                description.push('\n');
                let fields = embed["fields"].as_array().map_or(0, Vec::len);
                assert!(fields <= FIELDS_MAX);
                field_count += fields;
                let total: usize = desc.chars().count()
                    + embed["title"].as_str().map_or(0, |t| t.chars().count())
                    + embed["fields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| {
                            f["name"].as_str().unwrap().chars().count()
                                + f["value"].as_str().unwrap().chars().count()
                        })
                        .sum::<usize>();
                message_total += total;
            }
            assert!(message_total <= EMBED_TOTAL_MAX, "{message_total}");
        }
        assert_eq!(field_count, 30);
        let words = |s: &str| s.split_whitespace().count();
        assert_eq!(words(&description), words(&body), "no words lost");
    }

    #[test]
    fn split_prefers_paragraph_then_line_then_space() {
        assert_eq!(split("aaaa\n\nbbbb", 6), vec!["aaaa", "bbbb"]);
        assert_eq!(split("aaaa bbbb", 6), vec!["aaaa", "bbbb"]);
        assert_eq!(split("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(split("short", 10), vec!["short"]);
        assert!(split("", 10).is_empty());
    }
}

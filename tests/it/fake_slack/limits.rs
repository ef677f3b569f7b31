//! What Slack accepts in Block Kit: a message's `blocks` and a modal `view`, with the limits
//! Slack documents for each block, element and composition object (docs.slack.dev, "Block Kit"
//! reference pages). Lengths count characters, not bytes.
//!
//! Slack explains a refusal with one line per problem, naming the JSON pointer of the value at
//! fault: `"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"` in
//! `response_metadata.messages` (the same lines without `[ERROR] ` in `errors`). The exact
//! wording of a problem is Slack's where it is known and the fake's otherwise; tests should
//! match on the error code and the pointer.

use std::collections::HashSet;

use serde_json::Value;

/// Slack: "You can include up to 50 blocks in each message".
pub const MESSAGE_BLOCKS_MAX: usize = 50;
/// Slack: "up to 100 blocks in modals or Home tabs".
pub const VIEW_BLOCKS_MAX: usize = 100;
/// Slack: `chat.postMessage` `text` over 40,000 characters is refused (`msg_too_long`).
pub const MESSAGE_TEXT_MAX: usize = 40_000;
/// Slack: section block `text` "Maximum length for the text in this field is 3000 characters".
pub const SECTION_TEXT_MAX: usize = 3000;
/// Slack: section block `fields` "Maximum number of items is 10".
pub const SECTION_FIELDS_MAX: usize = 10;
/// Slack: section block field text "Maximum length for the text in each item is 2000 characters".
pub const SECTION_FIELD_TEXT_MAX: usize = 2000;
/// Slack: header block text "Maximum length for the text in this field is 150 characters".
pub const HEADER_TEXT_MAX: usize = 150;
/// Slack: actions block "There is a maximum of 25 elements in each action block".
pub const ACTIONS_ELEMENTS_MAX: usize = 25;
/// Slack: context block "Maximum number of items is 10".
pub const CONTEXT_ELEMENTS_MAX: usize = 10;
/// Slack: text object `text` "minimum of 1 and maximum of 3000 characters".
pub const TEXT_OBJECT_MAX: usize = 3000;
/// Slack: `block_id` "Maximum length for this field is 255 characters".
pub const BLOCK_ID_MAX: usize = 255;
/// Slack: `action_id` "Maximum length is 255 characters".
pub const ACTION_ID_MAX: usize = 255;
/// Slack: button `text` "Maximum length for the text in this field is 75 characters".
pub const BUTTON_TEXT_MAX: usize = 75;
/// Slack: button `value` "Maximum length is 2000 characters".
pub const BUTTON_VALUE_MAX: usize = 2000;
/// Slack: button `url` "Maximum length is 3000 characters".
pub const URL_MAX: usize = 3000;
/// Slack: select `placeholder` "Maximum length for the text in this field is 150 characters".
pub const PLACEHOLDER_MAX: usize = 150;
/// Slack: select menu "Maximum number of options is 100" (and of option groups).
pub const SELECT_OPTIONS_MAX: usize = 100;
/// Slack: overflow menu "Maximum number of options is 5".
pub const OVERFLOW_OPTIONS_MAX: usize = 5;
/// Slack: checkboxes and radio buttons "Maximum number of options is 10".
pub const CHOICE_OPTIONS_MAX: usize = 10;
/// Slack: option object `text` "Maximum length for this field is 75 characters".
pub const OPTION_TEXT_MAX: usize = 75;
/// Slack: option object `value` "Maximum length for this field is 150 characters".
pub const OPTION_VALUE_MAX: usize = 150;
/// Slack: option object `description` "Maximum length for this field is 75 characters".
pub const OPTION_DESCRIPTION_MAX: usize = 75;
/// Slack: input block `label` and `hint` "Maximum length for the text in this field is 2000".
pub const INPUT_LABEL_MAX: usize = 2000;
/// Slack: plain-text input `min_length` "Maximum value is 3000".
pub const INPUT_MIN_LENGTH_MAX: u64 = 3000;
/// Slack: image `alt_text` "Maximum length for this field is 2000 characters".
pub const ALT_TEXT_MAX: usize = 2000;
/// Slack: markdown block "The cumulative limit for all markdown blocks in a single payload is
/// 12,000 characters".
pub const MARKDOWN_TOTAL_MAX: usize = 12_000;
/// Slack: modal `title`, `submit` and `close` "Maximum length ... is 24 characters".
pub const VIEW_TITLE_MAX: usize = 24;
/// Slack: modal `private_metadata` "Maximum length of 3000 characters".
pub const PRIVATE_METADATA_MAX: usize = 3000;
/// Slack: modal `callback_id` and `external_id` "Maximum length of 255 characters".
pub const CALLBACK_ID_MAX: usize = 255;

/// Block types Slack renders (unknown ones are refused).
const BLOCK_TYPES: [&str; 13] = [
    "section",
    "header",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "file",
    "video",
    "markdown",
    "rich_text",
    "table",
    "context_actions",
];

/// Interactive elements Slack accepts in an actions block, a section accessory or an input.
const ELEMENT_TYPES: [&str; 21] = [
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "image",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "number_input",
    "overflow",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "timepicker",
];

/// Problems found, one line each, with the pointer of the value at fault.
#[derive(Default)]
pub struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, pointer: &str, message: impl AsRef<str>) {
        self.0
            .push(format!("{} [json-pointer:{pointer}]", message.as_ref()));
    }

    /// `Ok` when nothing was wrong, else the lines for `errors`.
    pub fn finish(self) -> Result<(), Vec<String>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Characters of a string value (0 for anything else).
pub fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

fn too_long(problems: &mut Problems, pointer: &str, value: &Value, max: usize) {
    if chars(value) > max {
        problems.add(pointer, format!("must be less than {} characters", max + 1));
    }
}

/// The items of a list that may hold at most `max` of them (`[]` when it is not a list).
fn items<'a>(problems: &mut Problems, pointer: &str, value: &'a Value, max: usize) -> &'a [Value] {
    match value {
        Value::Null => &[],
        Value::Array(list) => {
            if list.len() > max {
                problems.add(pointer, format!("no more than {max} items allowed"));
            }
            list
        }
        _ => {
            problems.add(pointer, "expected an array");
            &[]
        }
    }
}

/// A text object: `{type: plain_text|mrkdwn, text}` with 1 to `max` characters; `plain` when
/// only `plain_text` is allowed there (headers, buttons, labels, placeholders, titles).
fn text_object(problems: &mut Problems, pointer: &str, value: &Value, max: usize, plain: bool) {
    if !value.is_object() {
        problems.add(pointer, "must provide an object");
        return;
    }
    match value["type"].as_str() {
        Some("plain_text") => {}
        Some("mrkdwn") if !plain => {}
        Some("mrkdwn") => {
            problems.add(&format!("{pointer}/type"), "must be a plain_text object");
        }
        _ => problems.add(&format!("{pointer}/type"), "must be plain_text or mrkdwn"),
    }
    let text = &value["text"];
    if !text.is_string() || chars(text) == 0 {
        problems.add(&format!("{pointer}/text"), "must be more than 0 characters");
    }
    too_long(problems, &format!("{pointer}/text"), text, max);
}

fn optional_text(problems: &mut Problems, pointer: &str, value: &Value, max: usize, plain: bool) {
    if !value.is_null() {
        text_object(problems, pointer, value, max, plain);
    }
}

/// Checks a message's `blocks` (Slack: at most 50) against Block Kit's limits.
pub fn check_message_blocks(blocks: &Value) -> Result<(), Vec<String>> {
    let mut problems = Problems::default();
    check_blocks(&mut problems, "/blocks", blocks, MESSAGE_BLOCKS_MAX);
    problems.finish()
}

/// Checks a modal view (Slack: `views.open`): its title, buttons, metadata and up to 100 blocks.
pub fn check_modal(view: &Value) -> Result<(), Vec<String>> {
    let mut problems = Problems::default();
    if view["type"] != "modal" {
        problems.add("/view/type", "must be modal");
    }
    text_object(
        &mut problems,
        "/view/title",
        &view["title"],
        VIEW_TITLE_MAX,
        true,
    );
    optional_text(
        &mut problems,
        "/view/close",
        &view["close"],
        VIEW_TITLE_MAX,
        true,
    );
    optional_text(
        &mut problems,
        "/view/submit",
        &view["submit"],
        VIEW_TITLE_MAX,
        true,
    );
    too_long(
        &mut problems,
        "/view/private_metadata",
        &view["private_metadata"],
        PRIVATE_METADATA_MAX,
    );
    too_long(
        &mut problems,
        "/view/callback_id",
        &view["callback_id"],
        CALLBACK_ID_MAX,
    );
    too_long(
        &mut problems,
        "/view/external_id",
        &view["external_id"],
        CALLBACK_ID_MAX,
    );
    if view["blocks"].is_null() {
        problems.add("/view/blocks", "is required");
    }
    check_blocks(
        &mut problems,
        "/view/blocks",
        &view["blocks"],
        VIEW_BLOCKS_MAX,
    );
    // Slack: "submit ... is required when an input block is within the blocks array".
    let has_input = view["blocks"]
        .as_array()
        .is_some_and(|blocks| blocks.iter().any(|block| block["type"] == "input"));
    if has_input && view["submit"].is_null() {
        problems.add(
            "/view/submit",
            "must provide a submit button when the view has input blocks",
        );
    }
    problems.finish()
}

fn check_blocks(problems: &mut Problems, pointer: &str, blocks: &Value, max: usize) {
    let list = items(problems, pointer, blocks, max);
    let mut block_ids = HashSet::new();
    let mut markdown = 0;
    for (i, block) in list.iter().enumerate() {
        let at = format!("{pointer}/{i}");
        if let Some(id) = block["block_id"].as_str() {
            too_long(
                problems,
                &format!("{at}/block_id"),
                &block["block_id"],
                BLOCK_ID_MAX,
            );
            // Slack: "block_id should be unique for each message and each iteration of a
            // message".
            if !block_ids.insert(id.to_owned()) {
                problems.add(&format!("{at}/block_id"), "duplicate block_id");
            }
        }
        if block["type"] == "markdown" {
            markdown += chars(&block["text"]);
        }
        check_block(problems, &at, block);
    }
    if markdown > MARKDOWN_TOTAL_MAX {
        problems.add(
            pointer,
            format!("markdown blocks exceed {MARKDOWN_TOTAL_MAX} characters in total"),
        );
    }
}

fn check_block(problems: &mut Problems, at: &str, block: &Value) {
    let kind = block["type"].as_str().unwrap_or_default();
    if !BLOCK_TYPES.contains(&kind) {
        problems.add(&format!("{at}/type"), format!("unsupported type: {kind}"));
        return;
    }
    match kind {
        "section" => {
            if block["text"].is_null() && block["fields"].is_null() {
                problems.add(at, "must provide either text or fields");
            }
            optional_text(
                problems,
                &format!("{at}/text"),
                &block["text"],
                SECTION_TEXT_MAX,
                false,
            );
            let fields = items(
                problems,
                &format!("{at}/fields"),
                &block["fields"],
                SECTION_FIELDS_MAX,
            );
            for (j, field) in fields.iter().enumerate() {
                text_object(
                    problems,
                    &format!("{at}/fields/{j}"),
                    field,
                    SECTION_FIELD_TEXT_MAX,
                    false,
                );
            }
            if !block["accessory"].is_null() {
                check_element(problems, &format!("{at}/accessory"), &block["accessory"]);
            }
        }
        "header" => text_object(
            problems,
            &format!("{at}/text"),
            &block["text"],
            HEADER_TEXT_MAX,
            true,
        ),
        "actions" => {
            let elements = items(
                problems,
                &format!("{at}/elements"),
                &block["elements"],
                ACTIONS_ELEMENTS_MAX,
            );
            if elements.is_empty() {
                problems.add(&format!("{at}/elements"), "must provide at least 1 item");
            }
            let mut action_ids = HashSet::new();
            for (j, element) in elements.iter().enumerate() {
                let pointer = format!("{at}/elements/{j}");
                // Slack: an action_id "should be unique among all other action_ids in the
                // containing block".
                if let Some(id) = element["action_id"].as_str() {
                    if !action_ids.insert(id.to_owned()) {
                        problems.add(&format!("{pointer}/action_id"), "duplicate action_id");
                    }
                }
                check_element(problems, &pointer, element);
            }
        }
        "context" => {
            let elements = items(
                problems,
                &format!("{at}/elements"),
                &block["elements"],
                CONTEXT_ELEMENTS_MAX,
            );
            if elements.is_empty() {
                problems.add(&format!("{at}/elements"), "must provide at least 1 item");
            }
            for (j, element) in elements.iter().enumerate() {
                let pointer = format!("{at}/elements/{j}");
                if element["type"] == "image" {
                    too_long(
                        problems,
                        &format!("{pointer}/alt_text"),
                        &element["alt_text"],
                        ALT_TEXT_MAX,
                    );
                } else {
                    text_object(problems, &pointer, element, TEXT_OBJECT_MAX, false);
                }
            }
        }
        "input" => {
            text_object(
                problems,
                &format!("{at}/label"),
                &block["label"],
                INPUT_LABEL_MAX,
                true,
            );
            optional_text(
                problems,
                &format!("{at}/hint"),
                &block["hint"],
                INPUT_LABEL_MAX,
                true,
            );
            if block["element"].is_null() {
                problems.add(&format!("{at}/element"), "is required");
            } else {
                check_element(problems, &format!("{at}/element"), &block["element"]);
            }
        }
        "image" => {
            if block["image_url"].is_null() && block["slack_file"].is_null() {
                problems.add(at, "must provide either image_url or slack_file");
            }
            too_long(
                problems,
                &format!("{at}/image_url"),
                &block["image_url"],
                URL_MAX,
            );
            if chars(&block["alt_text"]) == 0 {
                problems.add(&format!("{at}/alt_text"), "must be more than 0 characters");
            }
            too_long(
                problems,
                &format!("{at}/alt_text"),
                &block["alt_text"],
                ALT_TEXT_MAX,
            );
            optional_text(
                problems,
                &format!("{at}/title"),
                &block["title"],
                ALT_TEXT_MAX,
                true,
            );
        }
        "markdown" if !block["text"].is_string() => {
            problems.add(&format!("{at}/text"), "is required");
        }
        "rich_text" if !block["elements"].is_array() => {
            problems.add(&format!("{at}/elements"), "is required");
        }
        _ => {}
    }
}

fn check_element(problems: &mut Problems, at: &str, element: &Value) {
    let kind = element["type"].as_str().unwrap_or_default();
    if !ELEMENT_TYPES.contains(&kind) {
        problems.add(&format!("{at}/type"), format!("unsupported type: {kind}"));
        return;
    }
    too_long(
        problems,
        &format!("{at}/action_id"),
        &element["action_id"],
        ACTION_ID_MAX,
    );
    optional_text(
        problems,
        &format!("{at}/placeholder"),
        &element["placeholder"],
        PLACEHOLDER_MAX,
        true,
    );
    match kind {
        "button" => {
            text_object(
                problems,
                &format!("{at}/text"),
                &element["text"],
                BUTTON_TEXT_MAX,
                true,
            );
            too_long(
                problems,
                &format!("{at}/value"),
                &element["value"],
                BUTTON_VALUE_MAX,
            );
            too_long(problems, &format!("{at}/url"), &element["url"], URL_MAX);
            if let Some(style) = element["style"].as_str() {
                if style != "primary" && style != "danger" {
                    problems.add(&format!("{at}/style"), "must be primary or danger");
                }
            }
        }
        "overflow" => {
            let options = items(
                problems,
                &format!("{at}/options"),
                &element["options"],
                OVERFLOW_OPTIONS_MAX,
            );
            check_options(problems, &format!("{at}/options"), options);
        }
        "checkboxes" | "radio_buttons" => {
            let options = items(
                problems,
                &format!("{at}/options"),
                &element["options"],
                CHOICE_OPTIONS_MAX,
            );
            check_options(problems, &format!("{at}/options"), options);
        }
        "static_select" | "multi_static_select" => {
            if element["options"].is_null() && element["option_groups"].is_null() {
                problems.add(at, "must provide either options or option_groups");
            }
            let options = items(
                problems,
                &format!("{at}/options"),
                &element["options"],
                SELECT_OPTIONS_MAX,
            );
            check_options(problems, &format!("{at}/options"), options);
            let groups = items(
                problems,
                &format!("{at}/option_groups"),
                &element["option_groups"],
                SELECT_OPTIONS_MAX,
            );
            for (g, group) in groups.iter().enumerate() {
                let pointer = format!("{at}/option_groups/{g}/options");
                let options = items(problems, &pointer, &group["options"], SELECT_OPTIONS_MAX);
                check_options(problems, &pointer, options);
            }
        }
        "plain_text_input"
            if element["min_length"]
                .as_u64()
                .is_some_and(|min| min > INPUT_MIN_LENGTH_MAX) =>
        {
            problems.add(
                &format!("{at}/min_length"),
                format!("must be at most {INPUT_MIN_LENGTH_MAX}"),
            );
        }
        _ => {}
    }
}

fn check_options(problems: &mut Problems, pointer: &str, options: &[Value]) {
    for (k, option) in options.iter().enumerate() {
        let at = format!("{pointer}/{k}");
        text_object(
            problems,
            &format!("{at}/text"),
            &option["text"],
            OPTION_TEXT_MAX,
            false,
        );
        too_long(
            problems,
            &format!("{at}/value"),
            &option["value"],
            OPTION_VALUE_MAX,
        );
        optional_text(
            problems,
            &format!("{at}/description"),
            &option["description"],
            OPTION_DESCRIPTION_MAX,
            true,
        );
    }
}

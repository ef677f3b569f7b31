//! What Discord accepts in a message, a modal and an autocomplete answer, and the `errors` object
//! it explains a refusal with (code 50035, "Invalid Form Body"): every problem nested under its
//! JSON path, ending in an `_errors` list of `{code, message}`.
//!
//! The limits are Discord's documented ones; lengths count characters (Unicode scalar values),
//! as Discord does, not bytes. Where Discord's exact wording for a problem is not documented the
//! fake uses the error codes Discord uses for the same kind of problem elsewhere.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

pub const CONTENT_MAX: usize = 2000;
pub const NONCE_MAX: usize = 25;
pub const EMBEDS_MAX: usize = 10;
pub const EMBED_TITLE_MAX: usize = 256;
pub const EMBED_DESCRIPTION_MAX: usize = 4096;
pub const EMBED_FIELDS_MAX: usize = 25;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FOOTER_TEXT_MAX: usize = 2048;
pub const AUTHOR_NAME_MAX: usize = 256;
/// Title, description, field names and values, footer text and author name of all the embeds
/// of one message together.
pub const EMBEDS_TOTAL_MAX: usize = 6000;
pub const ROWS_MAX: usize = 5;
pub const ROW_WIDTH_MAX: usize = 5;
pub const CUSTOM_ID_MAX: usize = 100;
pub const BUTTON_LABEL_MAX: usize = 80;
pub const BUTTON_URL_MAX: usize = 512;
pub const SELECT_PLACEHOLDER_MAX: usize = 150;
pub const SELECT_OPTIONS_MAX: usize = 25;
pub const SELECT_OPTION_TEXT_MAX: usize = 100;
pub const MODAL_TITLE_MAX: usize = 45;
pub const INPUT_LABEL_MAX: usize = 45;
pub const INPUT_PLACEHOLDER_MAX: usize = 100;
pub const INPUT_LENGTH_MAX: i64 = 4000;
pub const CHOICES_MAX: usize = 25;
pub const CHOICE_TEXT_MAX: usize = 100;
/// Files on one message.
pub const FILES_MAX: usize = 10;
/// Bytes in one file.
pub const FILE_BYTES_MAX: usize = 10 * 1024 * 1024;

/// Component types: an action row, a button, the select menus, a text input.
const ACTION_ROW: u64 = 1;
const BUTTON: u64 = 2;
const SELECT_MENUS: [u64; 5] = [3, 5, 6, 7, 8];
const STRING_SELECT: u64 = 3;
const TEXT_INPUT: u64 = 4;
/// Button styles with no custom id: a link (needs a URL) and a premium button (needs a SKU).
const LINK: i64 = 5;
const PREMIUM: i64 = 6;

/// Problems found so far, nested by path the way Discord reports them.
#[derive(Default)]
pub struct Errors(Map<String, Value>);

impl Errors {
    /// Adds a problem at a dotted path (`embeds.0.description`; `""` for the body itself).
    pub fn add(&mut self, path: &str, code: &str, message: impl Into<String>) {
        let mut node = &mut self.0;
        for key in path.split('.').filter(|key| !key.is_empty()) {
            node = node
                .entry(key)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("paths only hold objects");
        }
        node.entry("_errors")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .expect("_errors is a list")
            .push(json!({ "code": code, "message": message.into() }));
    }

    pub fn finish(self) -> Result<(), Value> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Value::Object(self.0))
        }
    }
}

/// Checks a message body (a channel post, the `data` of a type 4 or 7 callback, a follow-up, an
/// edit) against Discord's limits. Emptiness is not checked here: Discord answers that with its
/// own code (50006), see [`is_empty`].
pub fn check_message(message: &Value) -> Result<(), Value> {
    let mut errors = Errors::default();
    if !(message.is_object() || message.is_null()) {
        errors.add(
            "",
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        );
        return errors.finish();
    }
    at_most(&mut errors, "content", &message["content"], CONTENT_MAX);
    if message["nonce"].is_string() {
        at_most(&mut errors, "nonce", &message["nonce"], NONCE_MAX);
    }
    let embeds = list(&mut errors, "embeds", &message["embeds"], EMBEDS_MAX);
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        total += check_embed(&mut errors, &format!("embeds.{i}"), embed);
    }
    if total > EMBEDS_TOTAL_MAX {
        errors.add(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}"),
        );
    }
    check_rows(&mut errors, "components", &message["components"]);
    list(
        &mut errors,
        "attachments",
        &message["attachments"],
        FILES_MAX,
    );
    errors.finish()
}

/// Checks one embed and returns how much of the 6,000-character total it uses.
fn check_embed(errors: &mut Errors, path: &str, embed: &Value) -> usize {
    at_most(
        errors,
        &format!("{path}.title"),
        &embed["title"],
        EMBED_TITLE_MAX,
    );
    at_most(
        errors,
        &format!("{path}.description"),
        &embed["description"],
        EMBED_DESCRIPTION_MAX,
    );
    let fields_path = format!("{path}.fields");
    let fields = list(errors, &fields_path, &embed["fields"], EMBED_FIELDS_MAX);
    let mut used = chars(&embed["title"]) + chars(&embed["description"]);
    for (i, field) in fields.iter().enumerate() {
        let at = format!("{fields_path}.{i}");
        required(
            errors,
            &format!("{at}.name"),
            &field["name"],
            FIELD_NAME_MAX,
        );
        required(
            errors,
            &format!("{at}.value"),
            &field["value"],
            FIELD_VALUE_MAX,
        );
        used += chars(&field["name"]) + chars(&field["value"]);
    }
    if !embed["footer"].is_null() {
        let text = &embed["footer"]["text"];
        required(
            errors,
            &format!("{path}.footer.text"),
            text,
            FOOTER_TEXT_MAX,
        );
        used += chars(text);
    }
    if !embed["author"].is_null() {
        let name = &embed["author"]["name"];
        required(
            errors,
            &format!("{path}.author.name"),
            name,
            AUTHOR_NAME_MAX,
        );
        used += chars(name);
    }
    let shows_something = [
        "title",
        "description",
        "author",
        "footer",
        "image",
        "thumbnail",
        "video",
    ]
    .iter()
    .any(|key| !blank(&embed[*key]))
        || !fields.is_empty();
    if !shows_something {
        errors.add(
            &format!("{path}.description"),
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
    }
    used
}

/// A message's action rows: buttons (up to five in a row) or one select menu per row.
fn check_rows(errors: &mut Errors, path: &str, rows: &Value) {
    let rows = list(errors, path, rows, ROWS_MAX);
    let mut ids = HashSet::new();
    for (r, row) in rows.iter().enumerate() {
        let at = format!("{path}.{r}");
        if row["type"].as_u64() != Some(ACTION_ROW) {
            errors.add(
                &format!("{at}.type"),
                "BASE_TYPE_CHOICES",
                "Value must be one of {1}.",
            );
            continue;
        }
        let children_path = format!("{at}.components");
        let children = list_between(errors, &children_path, &row["components"], 1, ROW_WIDTH_MAX);
        let is_select = |child: &Value| {
            child["type"]
                .as_u64()
                .is_some_and(|kind| SELECT_MENUS.contains(&kind))
        };
        if children.len() > 1 && children.iter().any(is_select) {
            errors.add(
                &children_path,
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            );
        }
        for (c, child) in children.iter().enumerate() {
            let at = format!("{children_path}.{c}");
            match child["type"].as_u64() {
                Some(BUTTON) => check_button(errors, &at, child),
                Some(kind) if SELECT_MENUS.contains(&kind) => check_select(errors, &at, child),
                _ => errors.add(
                    &format!("{at}.type"),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {2, 3, 5, 6, 7, 8}.",
                ),
            }
            unique_custom_id(errors, &at, child, &mut ids);
        }
    }
}

fn check_button(errors: &mut Errors, path: &str, button: &Value) {
    let style = &button["style"];
    if style.is_null() {
        errors.add(
            &format!("{path}.style"),
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
    }
    number(errors, &format!("{path}.style"), style, 1, 6);
    at_most(
        errors,
        &format!("{path}.label"),
        &button["label"],
        BUTTON_LABEL_MAX,
    );
    match style.as_i64() {
        Some(LINK) => between(
            errors,
            &format!("{path}.url"),
            &button["url"],
            1,
            BUTTON_URL_MAX,
        ),
        Some(PREMIUM) if button["sku_id"].is_null() => errors.add(
            &format!("{path}.sku_id"),
            "BASE_TYPE_REQUIRED",
            "This field is required",
        ),
        Some(PREMIUM) => {}
        _ => between(
            errors,
            &format!("{path}.custom_id"),
            &button["custom_id"],
            1,
            CUSTOM_ID_MAX,
        ),
    }
}

fn check_select(errors: &mut Errors, path: &str, select: &Value) {
    between(
        errors,
        &format!("{path}.custom_id"),
        &select["custom_id"],
        1,
        CUSTOM_ID_MAX,
    );
    at_most(
        errors,
        &format!("{path}.placeholder"),
        &select["placeholder"],
        SELECT_PLACEHOLDER_MAX,
    );
    number(
        errors,
        &format!("{path}.min_values"),
        &select["min_values"],
        0,
        25,
    );
    number(
        errors,
        &format!("{path}.max_values"),
        &select["max_values"],
        1,
        25,
    );
    if select["type"].as_u64() != Some(STRING_SELECT) {
        return;
    }
    let options_path = format!("{path}.options");
    let options = list_between(
        errors,
        &options_path,
        &select["options"],
        1,
        SELECT_OPTIONS_MAX,
    );
    for (i, option) in options.iter().enumerate() {
        let at = format!("{options_path}.{i}");
        for key in ["label", "value"] {
            between(
                errors,
                &format!("{at}.{key}"),
                &option[key],
                1,
                SELECT_OPTION_TEXT_MAX,
            );
        }
        at_most(
            errors,
            &format!("{at}.description"),
            &option["description"],
            SELECT_OPTION_TEXT_MAX,
        );
    }
}

/// Checks the `data` of a modal callback (type 9): a title, and one to five rows holding one
/// text input each.
pub fn check_modal(modal: &Value) -> Result<(), Value> {
    let mut errors = Errors::default();
    between(
        &mut errors,
        "custom_id",
        &modal["custom_id"],
        1,
        CUSTOM_ID_MAX,
    );
    between(&mut errors, "title", &modal["title"], 1, MODAL_TITLE_MAX);
    let rows = list_between(&mut errors, "components", &modal["components"], 1, ROWS_MAX);
    let mut ids = HashSet::new();
    for (r, row) in rows.iter().enumerate() {
        let at = format!("components.{r}");
        if row["type"].as_u64() != Some(ACTION_ROW) {
            errors.add(
                &format!("{at}.type"),
                "BASE_TYPE_CHOICES",
                "Value must be one of {1}.",
            );
            continue;
        }
        let inputs_path = format!("{at}.components");
        let inputs = list_between(&mut errors, &inputs_path, &row["components"], 1, 1);
        for (i, input) in inputs.iter().enumerate() {
            let at = format!("{inputs_path}.{i}");
            if input["type"].as_u64() != Some(TEXT_INPUT) {
                errors.add(
                    &format!("{at}.type"),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {4}.",
                );
                continue;
            }
            check_text_input(&mut errors, &at, input);
            unique_custom_id(&mut errors, &at, input, &mut ids);
        }
    }
    errors.finish()
}

fn check_text_input(errors: &mut Errors, path: &str, input: &Value) {
    between(
        errors,
        &format!("{path}.custom_id"),
        &input["custom_id"],
        1,
        CUSTOM_ID_MAX,
    );
    if input["style"].is_null() {
        errors.add(
            &format!("{path}.style"),
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
    }
    number(errors, &format!("{path}.style"), &input["style"], 1, 2);
    between(
        errors,
        &format!("{path}.label"),
        &input["label"],
        1,
        INPUT_LABEL_MAX,
    );
    at_most(
        errors,
        &format!("{path}.placeholder"),
        &input["placeholder"],
        INPUT_PLACEHOLDER_MAX,
    );
    let (min, max) = (&input["min_length"], &input["max_length"]);
    number(
        errors,
        &format!("{path}.min_length"),
        min,
        0,
        INPUT_LENGTH_MAX,
    );
    number(
        errors,
        &format!("{path}.max_length"),
        max,
        1,
        INPUT_LENGTH_MAX,
    );
    if let (Some(min), Some(max)) = (min.as_i64(), max.as_i64()) {
        if min > max {
            errors.add(
                &format!("{path}.min_length"),
                "NUMBER_TYPE_MAX",
                format!("int value should be less than or equal to {max}."),
            );
        }
    }
    at_most(
        errors,
        &format!("{path}.value"),
        &input["value"],
        INPUT_LENGTH_MAX as usize,
    );
}

/// Checks the `data` of an autocomplete answer (type 8): at most 25 choices, each named.
pub fn check_choices(data: &Value) -> Result<(), Value> {
    let mut errors = Errors::default();
    let choices = list(&mut errors, "choices", &data["choices"], CHOICES_MAX);
    for (i, choice) in choices.iter().enumerate() {
        let at = format!("choices.{i}");
        between(
            &mut errors,
            &format!("{at}.name"),
            &choice["name"],
            1,
            CHOICE_TEXT_MAX,
        );
        match &choice["value"] {
            Value::Number(_) => {}
            value => between(
                &mut errors,
                &format!("{at}.value"),
                value,
                1,
                CHOICE_TEXT_MAX,
            ),
        }
    }
    errors.finish()
}

/// Whether a message shows nothing at all (Discord refuses it with 50006). `files` counts the
/// uploads that came with it.
pub fn is_empty(message: &Value, files: usize) -> bool {
    let has = |key: &str| message[key].as_array().is_some_and(|list| !list.is_empty());
    blank(&message["content"])
        && files == 0
        && !has("embeds")
        && !has("components")
        && !has("attachments")
        && !has("sticker_ids")
        && message["poll"].is_null()
}

/// Puts the errors found in a part of the body (a callback's `data`) under that part's key.
pub fn nested(key: &str, errors: Value) -> Value {
    json!({ key: errors })
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

/// Absent, null, or text that is only whitespace.
fn blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// An optional string of at most `max` characters.
fn at_most(errors: &mut Errors, path: &str, value: &Value, max: usize) {
    match value {
        Value::Null => {}
        Value::String(text) if text.chars().count() > max => errors.add(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        ),
        Value::String(_) => {}
        other => not_a_string(errors, path, other),
    }
}

/// A string that must be there, of `min` to `max` characters.
fn between(errors: &mut Errors, path: &str, value: &Value, min: usize, max: usize) {
    match value {
        Value::Null => errors.add(path, "BASE_TYPE_REQUIRED", "This field is required"),
        Value::String(text) => {
            let length = text.chars().count();
            if length < min || length > max {
                errors.add(
                    path,
                    "BASE_TYPE_BAD_LENGTH",
                    format!("Must be between {min} and {max} in length."),
                );
            }
        }
        other => not_a_string(errors, path, other),
    }
}

/// A string that must be there and not blank, of at most `max` characters (embed field names
/// and values, footer text, author name).
fn required(errors: &mut Errors, path: &str, value: &Value, max: usize) {
    if blank(value) {
        errors.add(path, "BASE_TYPE_REQUIRED", "This field is required");
    } else {
        at_most(errors, path, value, max);
    }
}

fn not_a_string(errors: &mut Errors, path: &str, value: &Value) {
    errors.add(
        path,
        "BASE_TYPE_STRING",
        format!("Could not interpret \"{value}\" as string."),
    );
}

/// An optional whole number from `min` to `max`.
fn number(errors: &mut Errors, path: &str, value: &Value, min: i64, max: i64) {
    if value.is_null() {
        return;
    }
    match value.as_i64() {
        None => errors.add(
            path,
            "NUMBER_TYPE_COERCE",
            format!("Value \"{value}\" is not int."),
        ),
        Some(n) if n < min => errors.add(
            path,
            "NUMBER_TYPE_MIN",
            format!("int value should be greater than or equal to {min}."),
        ),
        Some(n) if n > max => errors.add(
            path,
            "NUMBER_TYPE_MAX",
            format!("int value should be less than or equal to {max}."),
        ),
        Some(_) => {}
    }
}

/// An optional list of at most `max` items; its items (none when it is absent or not a list).
fn list<'a>(errors: &mut Errors, path: &str, value: &'a Value, max: usize) -> &'a [Value] {
    match value {
        Value::Null => &[],
        Value::Array(items) => {
            if items.len() > max {
                errors.add(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
            items
        }
        _ => {
            errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.");
            &[]
        }
    }
}

/// A list that must be there, of `min` to `max` items.
fn list_between<'a>(
    errors: &mut Errors,
    path: &str,
    value: &'a Value,
    min: usize,
    max: usize,
) -> &'a [Value] {
    match value {
        Value::Null => {
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required");
            &[]
        }
        Value::Array(items) => {
            if items.len() < min || items.len() > max {
                errors.add(
                    path,
                    "BASE_TYPE_BAD_LENGTH",
                    format!("Must be between {min} and {max} in length."),
                );
            }
            items
        }
        _ => {
            errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.");
            &[]
        }
    }
}

/// Custom ids are unique within one message or modal.
fn unique_custom_id<'a>(
    errors: &mut Errors,
    path: &str,
    component: &'a Value,
    seen: &mut HashSet<&'a str>,
) {
    if let Some(id) = component["custom_id"].as_str() {
        if !seen.insert(id) {
            errors.add(
                &format!("{path}.custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            );
        }
    }
}

//! Reading one item file: `+++` TOML front matter, then a Markdown body; and the checks that
//! need only that file.

use std::{
    borrow::Cow,
    collections::{BTreeMap, BTreeSet},
};

use serde::Deserialize;

use super::{CheckinSet, Item, Kind, Problem, SourceFile};

/// Platform limits the text must fit (characters).
pub const MAX_TITLE: usize = 80;
/// A slug travels inside button and form ids (`reflect:<slug>:<delivery>`), which must stay
/// within 100 characters, Discord's `custom_id` limit (see `core::action`).
pub const MAX_SLUG: usize = 64;
pub const MAX_SUMMARY: usize = 200;
pub const MAX_QUESTION: usize = 300;
/// One item reads as one block on every surface: 3,000 is the smallest section limit among the
/// platforms planned (Slack, next); Discord allows 4,096 per embed description.
pub const MAX_BODY: usize = 3000;
/// Discord's limit for one embed field.
pub const MAX_FIELD: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: Option<String>,
    kind: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    tags: Option<Vec<String>>,
    shifts: Option<Vec<String>>,
    related: Option<Vec<String>>,
    situations: Option<Vec<String>>,
    question: Option<String>,
    number: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    example: Option<String>,
    placeholders: Option<BTreeMap<String, String>>,
    debrief: Option<String>,
    shift: Option<String>,
    set: Option<String>,
    scale: Option<BTreeMap<String, String>>,
}

/// Problems found while reading one file, each at a line.
struct Report<'a> {
    source: &'a SourceFile,
    /// The front matter's text and the line it starts on.
    front: &'a str,
    body_line: usize,
    problems: Vec<Problem>,
    /// Settings that are present but empty (already reported), so they are not reported as
    /// missing too.
    blank: BTreeSet<&'static str>,
}

impl Report<'_> {
    fn at(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.source.path.clone(),
            line,
            message: message.into(),
        });
    }

    /// Reports a problem at the line where `key` is set (or the first line if it is not).
    fn key(&mut self, key: &str, message: impl Into<String>) {
        let line = key_line(self.front, key);
        self.at(line, message);
    }

    /// Reports `value` of `key` if it is empty or blank (and returns `None` then), or if it
    /// holds a control character.
    fn text(&mut self, key: &'static str, value: Option<String>) -> Option<String> {
        let value = value?;
        if value.trim().is_empty() {
            self.key(
                key,
                format!("`{key}` is empty: write its text or remove the setting"),
            );
            self.blank.insert(key);
            return None;
        }
        self.control(key_line(self.front, key), &format!("`{key}`"), &value);
        Some(value)
    }

    /// Reports a list set to `[]` when it must not be empty, and blank entries; returns the
    /// entries that are not blank (an absent list is empty).
    fn list(
        &mut self,
        key: &'static str,
        value: Option<Vec<String>>,
        required: bool,
    ) -> Vec<String> {
        let Some(entries) = value else {
            return Vec::new();
        };
        if entries.is_empty() && required {
            self.key(
                key,
                format!("`{key}` is empty: it needs at least one entry"),
            );
            self.blank.insert(key);
        }
        let line = key_line(self.front, key);
        let mut kept = Vec::new();
        for entry in entries {
            if entry.trim().is_empty() {
                self.at(line, format!("`{key}` has an empty entry: remove it"));
            } else {
                self.control(line, &format!("an entry of `{key}`"), &entry);
                kept.push(entry);
            }
        }
        kept
    }

    /// Reports the first control character (other than a line break or a tab) in `text`.
    fn control(&mut self, line: usize, what: &str, text: &str) {
        if let Some(c) = text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            self.at(
                line,
                format!(
                    "{what} contains the control character U+{:04X}; remove it",
                    u32::from(c)
                ),
            );
        }
    }

    fn too_long(&mut self, key: &str, text: &str, max: usize) {
        let chars = text.chars().count();
        if chars > max {
            self.key(
                key,
                format!("`{key}` is {chars} characters; the platforms allow at most {max}"),
            );
        }
    }
}

/// Line (1-based, in the whole file) where `key = ` or the table `[key]` first appears in the
/// front matter; 1 when it does not.
fn key_line(front: &str, key: &str) -> usize {
    front
        .lines()
        .position(|line| {
            let line = line.trim();
            line == format!("[{key}]") || sets_key(line, key)
        })
        .map_or(1, |i| i + 2)
}

/// Whether a trimmed front-matter line sets `key` (bare or quoted).
fn sets_key(line: &str, key: &str) -> bool {
    let rest = line
        .strip_prefix('"')
        .and_then(|quoted| quoted.strip_prefix(key))
        .and_then(|rest| rest.strip_prefix('"'))
        .or_else(|| line.strip_prefix(key));
    rest.is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// Line where `key` is set inside the table `[table]`; the table's line when it is not found.
fn table_key_line(front: &str, table: &str, key: &str) -> usize {
    let header = format!("[{table}]");
    let mut inside = false;
    for (i, line) in front.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') && line.ends_with(']') && !line.contains('=') {
            inside = line == header;
        } else if inside && sets_key(line, key) {
            return i + 2;
        }
    }
    key_line(front, table)
}

/// `text` without a leading byte-order mark and with every line ending (`\r\n`, or a lone
/// `\r`) made `\n`, so no carriage return reaches chat text and lines count the same way
/// whichever editor saved the file.
fn normalise(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Parses one file. Returns the item with any problems found in it, or only problems when the
/// file cannot be read as an item at all.
pub fn parse_file(source: &SourceFile) -> Result<(Item, Vec<Problem>), Vec<Problem>> {
    let fail = |line: usize, message: String| {
        vec![Problem {
            path: source.path.clone(),
            line,
            message,
        }]
    };
    let text = normalise(&source.text);
    let Some(rest) = text.strip_prefix("+++\n") else {
        return Err(fail(
            1,
            "the file must start with a `+++` line, then the settings, then another `+++` line"
                .into(),
        ));
    };
    let Some(end) = find_closing(rest) else {
        return Err(fail(
            1,
            "the settings are not closed: add a line with only `+++` after them".into(),
        ));
    };
    let front = &rest[..end];
    let body_start = rest[end..].find('\n').map_or(rest.len(), |i| end + i + 1);
    let body = rest[body_start..].trim();
    let body_line = 2 + front.lines().count() + 1 + leading_blank_lines(&rest[body_start..]);

    let matter: FrontMatter = match toml::from_str(front) {
        Ok(matter) => matter,
        Err(err) => {
            let line = err.span().map_or(1, |span| {
                2 + front[..span.start.min(front.len())].matches('\n').count()
            });
            let message = err
                .message()
                .lines()
                .next()
                .unwrap_or("invalid settings")
                .to_owned();
            return Err(fail(
                line,
                format!("settings are not valid TOML: {message}"),
            ));
        }
    };
    let mut report = Report {
        source,
        front,
        body_line,
        problems: Vec::new(),
        blank: BTreeSet::new(),
    };
    let item = build_item(matter, body, &mut report);
    Ok((item, report.problems))
}

/// Offset in `rest` of the closing `+++` line.
fn find_closing(rest: &str) -> Option<usize> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn leading_blank_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| line.trim().is_empty())
        .count()
}

fn build_item(mut matter: FrontMatter, body: &str, report: &mut Report<'_>) -> Item {
    // Settings present but blank are reported once, here, at their line, and then treated as
    // absent without being reported as missing too.
    matter.slug = report.text("slug", matter.slug.take());
    matter.kind = report.text("kind", matter.kind.take());
    matter.title = report.text("title", matter.title.take());
    matter.summary = report.text("summary", matter.summary.take());
    matter.question = report.text("question", matter.question.take());
    matter.from = report.text("from", matter.from.take());
    matter.to = report.text("to", matter.to.take());
    matter.example = report.text("example", matter.example.take());
    matter.debrief = report.text("debrief", matter.debrief.take());
    matter.shift = report.text("shift", matter.shift.take());
    matter.set = report.text("set", matter.set.take());
    let tags_present = matter.tags.is_some();
    let tags = report.list("tags", matter.tags.take(), true);
    let shifts = report.list("shifts", matter.shifts.take(), false);
    let related = report.list("related", matter.related.take(), false);
    let situations = report.list("situations", matter.situations.take(), false);
    let placeholders = matter
        .placeholders
        .take()
        .map(|table| check_table(report, "placeholders", table));
    let scale = matter
        .scale
        .take()
        .map(|table| check_table(report, "scale", table));

    let path = report.source.path.clone();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();

    let slug = required(report, "slug", matter.slug);
    if !slug.is_empty() {
        if !is_slug(&slug) {
            report.key("slug", format!("slug {slug:?} may only use lowercase letters, digits and single `-` between them"));
        } else if slug.chars().count() > MAX_SLUG {
            report.too_long("slug", &slug, MAX_SLUG);
        } else if slug != stem {
            report.key(
                "slug",
                format!("slug {slug:?} differs from the file name; name the file {slug}.md"),
            );
        }
    }

    let kind_text = required(report, "kind", matter.kind);
    let kind = match Kind::parse(&kind_text) {
        Some(kind) => {
            if kind.folder() != folder {
                report.key(
                    "kind",
                    format!(
                        "a {kind} belongs in the `{}` folder, not `{folder}`",
                        kind.folder()
                    ),
                );
            }
            kind
        }
        None => {
            if !kind_text.is_empty() {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                report.key(
                    "kind",
                    format!(
                        "unknown kind {kind_text:?}; use one of {}",
                        kinds.join(", ")
                    ),
                );
            }
            Kind::ALL
                .into_iter()
                .find(|k| k.folder() == folder)
                .unwrap_or_default()
        }
    };

    let title = required(report, "title", matter.title);
    report.too_long("title", &title, MAX_TITLE);
    let summary = required(report, "summary", matter.summary);
    report.too_long("summary", &summary, MAX_SUMMARY);
    for (key, text) in [
        ("title", Some(&title)),
        ("summary", Some(&summary)),
        ("from", matter.from.as_ref()),
        ("to", matter.to.as_ref()),
    ] {
        if text.is_some_and(|text| text.trim().contains('\n')) {
            report.key(key, format!("`{key}` must be one line"));
        }
    }
    if !tags_present {
        report.at(1, "`tags` is missing: give at least one tag");
    }
    for tag in tags.iter().filter(|tag| !is_slug(tag)) {
        report.key(
            "tags",
            format!("tag {tag:?} may only use lowercase letters, digits and `-`"),
        );
    }
    for situation in &situations {
        report.too_long("situations", situation, MAX_SUMMARY);
    }
    if body.is_empty() {
        report.at(
            report.body_line,
            "the body is empty: write the item's text after the closing `+++`",
        );
    }
    let body_chars = body.chars().count();
    if body_chars > MAX_BODY {
        report.at(
            report.body_line,
            format!(
                "the body is {body_chars} characters; Slack shows at most {MAX_BODY} in one section"
            ),
        );
    }
    check_markdown(report, body, report.body_line);
    for (i, line) in body.lines().enumerate() {
        report.control(report.body_line + i, "the body", line);
    }
    if let Some(question) = &matter.question {
        report.too_long(
            "question",
            question,
            if kind == Kind::Scenario {
                MAX_FIELD
            } else {
                MAX_QUESTION
            },
        );
    }

    let allowed: &[&str] = match kind {
        Kind::Shift => &["number", "from", "to"],
        Kind::Template => &["example", "placeholders"],
        Kind::Scenario => &["debrief"],
        Kind::Reflection => &["shift"],
        Kind::Checkin => &["shift", "set", "scale"],
        Kind::Model | Kind::Framework => &[],
    };
    let present = [
        ("number", matter.number.is_some()),
        ("from", matter.from.is_some()),
        ("to", matter.to.is_some()),
        ("example", matter.example.is_some()),
        ("placeholders", placeholders.is_some()),
        ("debrief", matter.debrief.is_some()),
        ("shift", matter.shift.is_some()),
        ("set", matter.set.is_some()),
        ("scale", scale.is_some()),
    ];
    for (key, _) in present
        .iter()
        .filter(|(key, set)| *set && !allowed.contains(key))
    {
        report.key(key, format!("`{key}` does not apply to a {kind}"));
    }

    let mut item = Item {
        slug,
        kind,
        title,
        summary,
        body: body.to_owned(),
        tags,
        shifts,
        related,
        situations,
        question: matter.question,
        from: matter.from,
        to: matter.to,
        example: matter.example.map(|text| text.trim().to_owned()),
        placeholders: placeholders.clone().unwrap_or_default(),
        debrief: matter.debrief.map(|text| text.trim().to_owned()),
        shift: matter.shift,
        path,
        ..Item::default()
    };

    for key in ["slug", "related", "shifts", "shift", "number"] {
        item.lines.insert(key, key_line(report.front, key));
    }

    match kind {
        Kind::Shift => {
            needs(report, "from", item.from.is_some(), kind);
            needs(report, "to", item.to.is_some(), kind);
            needs(report, "question", item.question.is_some(), kind);
            match (item.slug == "identity-shift", matter.number) {
                (true, Some(_)) => report.key("number", "the identity shift has no number"),
                (false, None) => needs(report, "number", false, kind),
                (false, Some(n)) if !(1..=8).contains(&n) => {
                    report.key(
                        "number",
                        format!("number {n} is out of range: shifts are numbered 1 to 8"),
                    );
                }
                (_, number) => item.number = number.and_then(|n| u8::try_from(n).ok()),
            }
        }
        Kind::Model | Kind::Framework => needs(report, "question", item.question.is_some(), kind),
        Kind::Template => {
            if placeholders.as_ref().is_some_and(BTreeMap::is_empty) {
                report.key(
                    "placeholders",
                    "`[placeholders]` is empty: describe each placeholder the body uses",
                );
            }
            check_template(report, &item);
        }
        Kind::Scenario => {
            needs(report, "question", item.question.is_some(), kind);
            match &item.debrief {
                Some(debrief) => {
                    report.too_long("debrief", debrief, MAX_BODY);
                    let line = key_line(report.front, "debrief");
                    check_markdown(report, debrief, line);
                }
                None => needs(report, "debrief", false, kind),
            }
        }
        Kind::Reflection => needs(report, "shift", item.shift.is_some(), kind),
        Kind::Checkin => {
            item.set = match matter.set.as_deref() {
                Some("weekly") => Some(CheckinSet::Weekly),
                Some("monthly") => Some(CheckinSet::Monthly),
                Some(other) => {
                    report.key(
                        "set",
                        format!("set {other:?} is unknown; use \"weekly\" or \"monthly\""),
                    );
                    None
                }
                None => {
                    needs(report, "set", false, kind);
                    None
                }
            };
            if item.set == Some(CheckinSet::Monthly) {
                needs(report, "shift", item.shift.is_some(), kind);
                item.scale = check_scale(report, &scale.unwrap_or_default());
            } else if scale.is_some() {
                report.key("scale", "only monthly check-ins have a `[scale]`");
            }
        }
    }
    item
}

/// The trimmed value of a required setting; reports it missing (at line 1, as it has no line)
/// unless it was already reported empty.
fn required(report: &mut Report<'_>, key: &str, value: Option<String>) -> String {
    match value {
        Some(value) => value.trim().to_owned(),
        None => {
            if !report.blank.contains(key) {
                report.at(1, format!("`{key}` is missing"));
            }
            String::new()
        }
    }
}

/// Reports a setting `kind` requires as missing, unless it was already reported empty.
fn needs(report: &mut Report<'_>, key: &str, present: bool, kind: Kind) {
    if !present && !report.blank.contains(key) {
        report.at(1, format!("a {kind} needs `{key}`"));
    }
}

/// Reports the entries of the table `[table]` whose text is blank or holds a control
/// character, each at its line; returns the table.
fn check_table(
    report: &mut Report<'_>,
    table: &'static str,
    entries: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for (key, text) in &entries {
        let line = table_key_line(report.front, table, key);
        if text.trim().is_empty() {
            report.at(
                line,
                format!("`{key}` in [{table}] is empty: write its text"),
            );
        } else {
            report.control(line, &format!("`{key}` in [{table}]"), text);
        }
    }
    entries
}

/// Flags Markdown outside the subset every platform can show.
fn check_markdown(report: &mut Report<'_>, text: &str, first_line: usize) {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let problem = if trimmed.starts_with('#') {
            Some("headings are not in the Markdown subset; use **bold** on its own line")
        } else if trimmed.starts_with("```") {
            Some("code blocks are not in the Markdown subset")
        } else if trimmed.starts_with('|') {
            Some("tables are not in the Markdown subset; use a list")
        } else if trimmed.starts_with("![") {
            Some("images are not in the Markdown subset")
        } else {
            None
        };
        if let Some(problem) = problem {
            report.at(first_line + i, problem);
        }
    }
}

/// Placeholders must be `{snake_case}` names, each described in `[placeholders]`, and each
/// described one used.
fn check_template(report: &mut Report<'_>, item: &Item) {
    match &item.example {
        Some(example) => {
            report.too_long("example", example, MAX_FIELD);
            if let Some(name) = placeholders(example).0.into_iter().next() {
                report.key(
                    "example",
                    format!("the example still has the placeholder {{{name}}}: fill it in"),
                );
            }
        }
        None => needs(report, "example", false, Kind::Template),
    }
    let (used, malformed) = placeholders(&item.body);
    for (line, fragment) in malformed {
        report.at(report.body_line + line, format!("malformed placeholder {fragment:?}: write names in single braces, like {{audience}}"));
    }
    if used.is_empty() {
        report.at(
            report.body_line,
            "a template needs at least one placeholder such as {audience}",
        );
    }
    for name in used
        .iter()
        .filter(|name| !item.placeholders.contains_key(*name))
    {
        report.key(
            "placeholders",
            format!(
                "placeholder {{{name}}} is used in the body but not described in [placeholders]"
            ),
        );
    }
    let listed: usize = item
        .placeholders
        .iter()
        .map(|(name, meaning)| name.chars().count() + meaning.chars().count() + 7)
        .sum();
    if listed > MAX_FIELD {
        report.key(
            "placeholders",
            format!("the placeholder descriptions add up to {listed} characters; shown as one field they must fit in {MAX_FIELD}"),
        );
    }
    for name in item
        .placeholders
        .keys()
        .filter(|name| !used.contains(*name))
    {
        report.key(
            "placeholders",
            format!("placeholder `{name}` is described but not used in the body"),
        );
    }
}

/// The placeholder names in `text`, and malformed brace fragments with their line offsets.
pub fn placeholders(text: &str) -> (BTreeSet<String>, Vec<(usize, String)>) {
    let mut names = BTreeSet::new();
    let mut malformed = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find(['{', '}']) {
            let tail = &rest[open..];
            if let Some(after) = tail.strip_prefix('}') {
                malformed.push((line_no, "}".to_owned()));
                rest = after;
                continue;
            }
            let close = tail.find('}');
            let name = close.map(|close| &tail[1..close]);
            let valid = name.is_some_and(|name| {
                name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
            match (valid, name, close) {
                (true, Some(name), Some(close)) => {
                    names.insert(name.to_owned());
                    rest = &tail[close + 1..];
                }
                _ => {
                    let end = close.map_or(tail.len(), |close| close + 1);
                    malformed.push((line_no, crate::text::truncate(&tail[..end], 40)));
                    rest = &tail[end..];
                }
            }
        }
    }
    (names, malformed)
}

fn check_scale(report: &mut Report<'_>, scale: &BTreeMap<String, String>) -> BTreeMap<u8, String> {
    let mut out = BTreeMap::new();
    for (key, text) in scale {
        match key.parse::<u8>() {
            Ok(n @ (1 | 3 | 5)) => {
                report.too_long("scale", text, MAX_FIELD);
                out.insert(n, text.trim().to_owned());
            }
            _ => {
                let line = table_key_line(report.front, "scale", key);
                report.at(line, format!("[scale] keys are 1, 3 and 5, not {key:?}"));
            }
        }
    }
    for missing in [1u8, 3, 5].iter().filter(|n| !out.contains_key(n)) {
        report.key(
            "scale",
            format!("[scale] needs a description for rating {missing}"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_malformed_ones_reported() {
        let (names, malformed) =
            placeholders("Hi {name}, about {risk_1}.\nBad { x } and {Name} and }");
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["name", "risk_1"]);
        assert_eq!(malformed.len(), 3, "{malformed:?}");
        assert!(malformed.iter().all(|(line, _)| *line == 1));
    }
}

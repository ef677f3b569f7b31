//! Text as people see it: what counts as blank, where text may be cut, and how command
//! arguments are read. One place for each, used by the core and every adapter.
//!
//! - **Blank.** Whitespace and the characters that render as nothing (zero-width spaces and
//!   joiners, the byte-order mark, bidirectional controls, variation selectors and the rest of
//!   Unicode's Default_Ignorable_Code_Point set, the invisible format controls (interlinear
//!   annotation marks, Egyptian hieroglyph format controls), plus the blank Braille pattern and
//!   Hangul fillers) carry no words: text made only of them is empty.
//! - **Cuts.** Text is only ever cut between grapheme clusters (what a reader sees as one
//!   character: an emoji with its skin tone or a family joined with U+200D, a letter with its
//!   accents), so a cut never leaves half a character. Limits are still counted in Unicode
//!   scalar values (`char`s), as the platforms count them.
//! - **Arguments.** Commands that take names, numbers or options read their text as words:
//!   straight or typographic quotes group words and are removed (`/shift "3"` is `/shift 3`),
//!   apostrophes inside words stay (`don't`). Commands that take free text (a reflection, a
//!   situation) keep it as written, with one pair of quotes around the whole text removed; a
//!   reflection is kept exactly as written.

use unicode_segmentation::UnicodeSegmentation;

/// Whether `c` renders as nothing or as blank space.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Whether `text` has nothing a reader could see.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// `text` without invisible characters at either end (inside, they may be meaningful: a
/// zero-width joiner holds an emoji sequence together).
pub fn trim(text: &str) -> &str {
    text.trim_matches(is_invisible)
}

/// The largest byte index `<= at` that falls between two grapheme clusters of `text`.
pub fn grapheme_floor(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    text.grapheme_indices(true)
        .map(|(i, _)| i)
        .take_while(|&i| i <= at)
        .last()
        .unwrap_or(0)
}

/// Cuts `text` to at most `max` characters (`char`s), at a grapheme boundary, marking a cut
/// with an ellipsis (which counts towards `max`). Text that fits is returned unchanged.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let budget = max.saturating_sub(1);
    let mut kept = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let size = grapheme.chars().count();
        if used + size > budget {
            break;
        }
        kept.push_str(grapheme);
        used += size;
    }
    let mut kept = trim(&kept).to_owned();
    if max > 0 {
        kept.push('\u{2026}');
    }
    kept
}

/// How a command's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgStyle {
    /// Names, numbers and options: read as words ([`words`]) and joined by single spaces.
    Words,
    /// A situation in plain words: kept as written, trimmed, with one pair of quotes around
    /// it removed.
    FreeText,
    /// The person's own words (a reflection): kept exactly, only trimmed.
    Verbatim,
}

/// Normalises a command's text the way `style` says; the one place arguments are read.
pub fn arguments(text: &str, style: ArgStyle) -> String {
    match style {
        ArgStyle::Words => words(text).join(" "),
        ArgStyle::Verbatim => trim(text).to_owned(),
        ArgStyle::FreeText => {
            let text = trim(text);
            let mut chars = text.chars();
            match (chars.next(), chars.next_back()) {
                (Some(open), Some(close)) if closing_quote(open) == Some(close) => {
                    trim(&text[open.len_utf8()..text.len() - close.len_utf8()]).to_owned()
                }
                _ => text.to_owned(),
            }
        }
    }
}

/// The quote that closes `open`, when `open` is an opening quote.
fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '\'' => Some('\''),
        '\u{201C}' | '\u{201E}' => Some('\u{201D}'),
        '\u{2018}' | '\u{201A}' => Some('\u{2019}'),
        '\u{00AB}' => Some('\u{00BB}'),
        '\u{201D}' => Some('\u{201D}'),
        _ => None,
    }
}

/// Splits `text` into words: invisible characters separate words, a quote at the start of a
/// word opens a group that runs to the matching quote at the end of a word, and the quotes are
/// removed. An unmatched quote is dropped. Empty groups (`""`) vanish.
pub fn words(text: &str) -> Vec<String> {
    let raw: Vec<&str> = text.split(is_invisible).filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let word = raw[i];
        let first = word.chars().next().unwrap_or(' ');
        if let Some(close) = closing_quote(first) {
            let inner = &word[first.len_utf8()..];
            if inner.ends_with(close) && inner.len() >= close.len_utf8() {
                push_word(&mut out, &inner[..inner.len() - close.len_utf8()]);
                i += 1;
                continue;
            }
            // Look for the word that ends the group.
            if let Some(end) = (i + 1..raw.len()).find(|&j| raw[j].ends_with(close)) {
                let mut group = vec![inner.to_owned()];
                group.extend(raw[i + 1..end].iter().map(|w| (*w).to_owned()));
                let last = raw[end];
                group.push(last[..last.len() - close.len_utf8()].to_owned());
                push_word(&mut out, &group.join(" "));
                i = end + 1;
                continue;
            }
            push_word(&mut out, inner);
            i += 1;
            continue;
        }
        // A stray closing quote at the end of an unquoted word is dropped too.
        let trimmed = word.trim_end_matches(['"', '\u{201D}', '\u{00BB}']);
        push_word(&mut out, trimmed);
        i += 1;
    }
    out
}

fn push_word(out: &mut Vec<String>, word: &str) {
    let word = trim(word);
    if !word.is_empty() {
        out.push(word.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_only_text_is_blank() {
        for text in [
            "",
            " ",
            "\u{200B}",
            "\u{200B}\u{200D}\u{FEFF}",
            "\u{2060} \u{00A0}\t",
            "\u{2800}",
            "\u{3164}",
            "\u{E0020}",
            "\u{FFF9}\u{FFFB}",
            "\u{13430}",
        ] {
            assert!(is_blank(text), "{text:?}");
        }
        for text in ["a", "\u{200B}a", "🙂", "\u{00E9}"] {
            assert!(!is_blank(text), "{text:?}");
        }
        assert_eq!(trim("\u{200B} hi \u{FEFF}"), "hi");
    }

    #[test]
    fn cuts_never_split_a_grapheme() {
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦"; // 7 chars, one grapheme
        let text = format!("ab{family}{family}");
        for max in 1..text.chars().count() {
            let cut = truncate(&text, max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
            let body = cut.trim_end_matches('\u{2026}');
            assert!(text.starts_with(body), "{max}: {cut}");
            assert!(
                body.len() == 2 || body.len() == 2 + family.len() || body.len() < 2,
                "{max} cut inside the emoji: {cut:?}"
            );
        }
        assert_eq!(truncate("short", 10), "short");
        let accented = "e\u{0301}e\u{0301}e\u{0301}";
        assert_eq!(truncate(accented, 4), "e\u{0301}\u{2026}");
        assert_eq!(grapheme_floor(&text, 5), 2);
        assert_eq!(grapheme_floor(&text, 2 + family.len()), 2 + family.len());
    }

    #[test]
    fn arguments_read_quotes_the_same_way_everywhere() {
        assert_eq!(arguments("\"3\"", ArgStyle::Words), "3");
        assert_eq!(arguments("\u{201C}3\u{201D}", ArgStyle::Words), "3");
        assert_eq!(arguments("'identity'", ArgStyle::Words), "identity");
        assert_eq!(arguments("\"ooda loop\"", ArgStyle::Words), "ooda loop");
        assert_eq!(
            arguments("set  daily 09:00 \"Europe/Berlin\"", ArgStyle::Words),
            "set daily 09:00 Europe/Berlin"
        );
        assert_eq!(arguments("\"3", ArgStyle::Words), "3");
        assert_eq!(arguments("3\"", ArgStyle::Words), "3");
        assert_eq!(arguments("\u{200B}3\u{200B}", ArgStyle::Words), "3");
        assert_eq!(arguments("\"\"", ArgStyle::Words), "");
        assert_eq!(arguments("don't stop", ArgStyle::Words), "don't stop");
        assert_eq!(
            arguments("\"I don't know\" he said", ArgStyle::FreeText),
            "\"I don't know\" he said"
        );
        assert_eq!(
            arguments(
                " \u{201C}the board wants numbers\u{201D} ",
                ArgStyle::FreeText
            ),
            "the board wants numbers"
        );
        assert_eq!(arguments("\u{200B}", ArgStyle::FreeText), "");
    }
}

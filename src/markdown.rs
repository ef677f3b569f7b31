//! The small Markdown subset that coaching text and core messages are written in: paragraphs,
//! `- ` and `1. ` lists, `**bold**`, `*italics*` and `[links](https://...)`.
//!
//! Each adapter renders it its own way; this module only splits a line into inline spans so
//! that no adapter has to parse Markdown itself. A full Markdown parser would accept far more
//! than chat platforms can show, so the subset is parsed here on purpose.

/// A piece of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span<'a> {
    Text(&'a str),
    Bold(&'a str),
    Italic(&'a str),
    Link { text: &'a str, url: &'a str },
}

/// Splits one line of the subset into spans. Markers that do not close are kept as text.
pub fn spans(line: &str) -> Vec<Span<'_>> {
    let mut spans = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        match next_marked(rest) {
            Some((start, span, end)) => {
                if start > 0 {
                    spans.push(Span::Text(&rest[..start]));
                }
                spans.push(span);
                rest = &rest[end..];
            }
            None => {
                spans.push(Span::Text(rest));
                break;
            }
        }
    }
    spans
}

/// The first complete marked span in `text`: (start, span, end) as byte offsets.
fn next_marked(text: &str) -> Option<(usize, Span<'_>, usize)> {
    let mut from = 0;
    while let Some(offset) = text[from..].find(['*', '[']) {
        let start = from + offset;
        let tail = &text[start..];
        if let Some(inner) = tail.strip_prefix("**") {
            if let Some(close) = closing(inner, "**") {
                return Some((start, Span::Bold(&inner[..close]), start + 2 + close + 2));
            }
        } else if let Some(inner) = tail.strip_prefix('*') {
            if let Some(close) = closing(inner, "*") {
                return Some((start, Span::Italic(&inner[..close]), start + 1 + close + 1));
            }
        } else if let Some(inner) = tail.strip_prefix('[') {
            if let Some(mid) = inner.find("](") {
                let after = &inner[mid + 2..];
                if let Some(close) = after.find(')') {
                    let span = Span::Link {
                        text: &inner[..mid],
                        url: &after[..close],
                    };
                    return Some((start, span, start + 1 + mid + 2 + close + 1));
                }
            }
        }
        from = start + 1;
    }
    None
}

/// Where the emphasis opened just before `inner` closes: the first `marker` that follows a
/// non-space character. An opener followed by a space opens nothing, so text such as a cron
/// expression (`0 9 * * 1-5`) or arithmetic (`2 * 3`) stays as written.
fn closing(inner: &str, marker: &str) -> Option<usize> {
    if inner.chars().next().is_none_or(char::is_whitespace) {
        return None;
    }
    let mut from = 0;
    while let Some(offset) = inner[from..].find(marker) {
        let close = from + offset;
        if close > 0
            && inner[..close]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_whitespace())
        {
            return Some(close);
        }
        from = close + marker.len();
    }
    None
}

/// Renders the subset as plain text: emphasis markers dropped, links as `text (url)`.
pub fn to_plain(text: &str) -> String {
    text.lines()
        .map(|line| {
            spans(line)
                .into_iter()
                .map(|span| match span {
                    Span::Text(text) | Span::Bold(text) | Span::Italic(text) => text.to_owned(),
                    Span::Link { text, url } => format!("{text} ({url})"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markers_split_into_spans() {
        assert_eq!(
            spans("Use **/journal** or *read* [the guide](https://example.com/g)."),
            vec![
                Span::Text("Use "),
                Span::Bold("/journal"),
                Span::Text(" or "),
                Span::Italic("read"),
                Span::Text(" "),
                Span::Link {
                    text: "the guide",
                    url: "https://example.com/g"
                },
                Span::Text("."),
            ]
        );
    }

    #[test]
    fn unclosed_markers_stay_text() {
        assert_eq!(
            spans("2 * 3 = 6 and [x"),
            vec![Span::Text("2 * 3 = 6 and [x")]
        );
        assert_eq!(to_plain("- **Risk**: *high*"), "- Risk: high");
        // Asterisks in people's text and in cron expressions are not emphasis.
        for text in [
            "\u{201c}0 25 * * *\u{201d} is not valid, e.g. 0 9 * * 1-5",
            "* * * * *",
            "5 * 3 = 15 and *this* too",
            "a ** b ** c",
        ] {
            let plain = to_plain(text);
            assert_eq!(
                plain.matches('*').count() + 2 * usize::from(text.contains("*this*")),
                text.matches('*').count(),
                "{text} became {plain}"
            );
        }
    }
}

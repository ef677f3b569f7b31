//! The secrets guard on a labelled set (`tests/data/secrets-labelled.toml`): secrets pasted the
//! way people paste them (in sentences, config snippets, `curl` lines and logs) and look-alikes
//! that must pass (talk about passwords, encoded images, digests, public keys, links). Reports
//! the detection rate, the share reported as the right kind and the false-positive rate with
//! every miss, and holds them at 100 %, 100 % and 0 % on the set.

use serde::Deserialize;
use shiftcoach::secrets::{self, Finding};

#[derive(Deserialize)]
struct Set {
    secret: Vec<Secret>,
    lookalike: Vec<Lookalike>,
}

#[derive(Deserialize)]
struct Secret {
    kind: String,
    text: String,
}

#[derive(Deserialize)]
struct Lookalike {
    text: String,
}

/// Removes the prefix dots (`gl·pat-`) and the «» marks from `marked`; returns the text, the
/// marked secret and its span as 1-based inclusive character positions, like [`Finding`]'s.
fn unmark(marked: &str) -> (String, String, usize, usize) {
    let plain = marked.replace('·', "");
    let (before, rest) = plain
        .split_once('«')
        .unwrap_or_else(|| panic!("no « in {marked:?}"));
    let (secret, after) = rest
        .split_once('»')
        .unwrap_or_else(|| panic!("no » in {marked:?}"));
    let start = before.chars().count() + 1;
    let end = start + secret.chars().count() - 1;
    (
        format!("{before}{secret}{after}"),
        secret.to_owned(),
        start,
        end,
    )
}

/// Whether `message` repeats `secret` or any 8-character piece of it.
fn quotes(message: &str, secret: &str) -> bool {
    let chars: Vec<char> = secret.chars().collect();
    let width = chars.len().min(8);
    chars
        .windows(width)
        .any(|w| message.contains(&w.iter().collect::<String>()))
}

fn percent(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64 * 100.0
}

#[test]
fn labelled_secrets_are_refused_and_look_alikes_pass() {
    let path = format!(
        "{}/tests/data/secrets-labelled.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let set: Set = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (mut detected, mut right_kind) = (0, 0);
    let mut misses = Vec::new();
    for entry in &set.secret {
        let (text, secret, start, end) = unmark(&entry.text);
        let findings = secrets::scan(&text);
        let over: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.start_char <= end && f.end_char >= start)
            .collect();
        let kinds: Vec<String> = over.iter().map(|f| format!("{:?}", f.kind)).collect();
        if over.is_empty() {
            misses.push(format!("  missed {}: {text:?}", entry.kind));
            continue;
        }
        detected += 1;
        if kinds.contains(&entry.kind) {
            right_kind += 1;
        } else {
            misses.push(format!(
                "  wrong kind {kinds:?}, want {}: {text:?}",
                entry.kind
            ));
        }
        let message = secrets::refusal(&findings);
        assert!(!quotes(&message, &secret), "{message:?} quotes {secret:?}");
    }
    let mut false_positives = Vec::new();
    for entry in &set.lookalike {
        let text = entry.text.replace('·', "");
        let findings = secrets::scan(&text);
        if !findings.is_empty() {
            let kinds: Vec<String> = findings
                .iter()
                .map(|f| format!("{:?} {}–{}", f.kind, f.start_char, f.end_char))
                .collect();
            false_positives.push(format!("  {kinds:?} in {text:?}"));
        }
    }
    let (n, m) = (set.secret.len(), set.lookalike.len());
    println!(
        "secrets guard on {n} labelled secrets and {m} look-alikes: detection {:.1} %, right \
         kind {:.1} %, false positives {:.1} %",
        percent(detected, n),
        percent(right_kind, n),
        percent(false_positives.len(), m),
    );
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    if !false_positives.is_empty() {
        println!("false positives:\n{}", false_positives.join("\n"));
    }
    assert!(n >= 60 && m >= 60, "{n} secrets and {m} look-alikes");
    assert!(
        misses.is_empty() && false_positives.is_empty(),
        "{} misses and {} false positives (see above)",
        misses.len(),
        false_positives.len()
    );
}

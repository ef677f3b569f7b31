//! The secrets guard on a labelled set (`tests/data/secrets-labelled.toml`): secrets pasted the
//! way people paste them (in sentences, config snippets, `curl` lines and logs) and look-alikes
//! that must pass (talk about passwords, encoded images, digests, public keys, links). Reports
//! the detection rate, the share reported as the right kind and the false-positive rate with
//! every miss, and holds them at 100 %, 100 % and 0 % on the set. A held-out set
//! (`tests/data/secrets-holdout.toml`), written after the guard was tuned on the first, is
//! measured the same way.

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

/// Whether `message` repeats `secret` or any 8-character piece of it that is not plain letters
/// (a piece such as "password" of `password123` may well be a word of the message).
fn quotes(message: &str, secret: &str) -> bool {
    let chars: Vec<char> = secret.chars().collect();
    let width = chars.len().min(8);
    message.contains(secret)
        || chars
            .windows(width)
            .filter(|w| !w.iter().all(|c| c.is_alphabetic()))
            .any(|w| message.contains(&w.iter().collect::<String>()))
}

fn percent(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64 * 100.0
}

/// What [`evaluate`] measured on one file.
struct Report {
    secrets: usize,
    lookalikes: usize,
    /// Secrets with a finding overlapping them, and of those, with one of the labelled kind.
    detected: usize,
    right_kind: usize,
    false_positives: usize,
    /// One line per miss, wrong kind or false positive.
    problems: Vec<String>,
}

/// Scans every entry of `tests/data/{file}`, prints the rates and the problems, and checks
/// that no refusal quotes a secret.
fn evaluate(file: &str) -> Report {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let set: Set = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (mut detected, mut right_kind) = (0, 0);
    let mut problems = Vec::new();
    for entry in &set.secret {
        let (text, secret, start, end) = unmark(&entry.text);
        let findings = secrets::scan(&text);
        let over: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.start_char <= end && f.end_char >= start)
            .collect();
        let kinds: Vec<String> = over.iter().map(|f| format!("{:?}", f.kind)).collect();
        if over.is_empty() {
            problems.push(format!("  missed {}: {text:?}", entry.kind));
            continue;
        }
        detected += 1;
        if kinds.contains(&entry.kind) {
            right_kind += 1;
        } else {
            problems.push(format!(
                "  wrong kind {kinds:?}, want {}: {text:?}",
                entry.kind
            ));
        }
        let message = secrets::refusal(&findings);
        assert!(!quotes(&message, &secret), "{message:?} quotes {secret:?}");
    }
    let mut false_positives = 0;
    for entry in &set.lookalike {
        let text = entry.text.replace('·', "");
        let findings = secrets::scan(&text);
        if !findings.is_empty() {
            false_positives += 1;
            let kinds: Vec<String> = findings
                .iter()
                .map(|f| format!("{:?} {}–{}", f.kind, f.start_char, f.end_char))
                .collect();
            problems.push(format!("  false positive {kinds:?} in {text:?}"));
        }
    }
    let (n, m) = (set.secret.len(), set.lookalike.len());
    println!(
        "secrets guard on {file} ({n} secrets, {m} look-alikes): detection {:.1} %, right kind \
         {:.1} %, false positives {:.1} %",
        percent(detected, n),
        percent(right_kind, n),
        percent(false_positives, m),
    );
    if !problems.is_empty() {
        println!("{}", problems.join("\n"));
    }
    Report {
        secrets: n,
        lookalikes: m,
        detected,
        right_kind,
        false_positives,
        problems,
    }
}

#[test]
fn labelled_secrets_are_refused_and_look_alikes_pass() {
    let report = evaluate("secrets-labelled.toml");
    assert!(report.secrets >= 60 && report.lookalikes >= 60);
    assert!(
        report.problems.is_empty(),
        "{} of {} secrets detected ({} of the right kind), {} false positives of {}:\n{}",
        report.detected,
        report.secrets,
        report.right_kind,
        report.false_positives,
        report.lookalikes,
        report.problems.join("\n")
    );
}

#[test]
fn held_out_secrets_are_refused_and_look_alikes_pass() {
    let report = evaluate("secrets-holdout.toml");
    assert!(
        report.problems.is_empty(),
        "{} of {} secrets detected ({} of the right kind), {} false positives of {}:\n{}",
        report.detected,
        report.secrets,
        report.right_kind,
        report.false_positives,
        report.lookalikes,
        report.problems.join("\n")
    );
}

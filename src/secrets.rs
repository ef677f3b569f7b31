//! The secrets guard: spots credentials pasted into free text before that text is stored.
//!
//! Security engineers work surrounded by keys and tokens, and sooner or later one of them
//! pastes a config file, a `curl` line or a log excerpt with a live credential in it. Storing
//! that text would copy the secret into the database, its backups and every export, so all
//! free text goes through [`scan`] first. When anything is found the text is not stored and the
//! user gets [`refusal`], which says what kind of secret was found and where (as character
//! positions), and never repeats the secret itself.
//!
//! Detectors, from the most to the least specific:
//!
//! - shapes issued by providers: PEM private keys (also a block whose end was cut off), AWS
//!   access key ids, GitHub, Slack and Stripe tokens, Google API keys, JSON Web Tokens;
//! - context: a 40-character AWS secret access key next to the words "aws" or "secret", a
//!   password in the user-info part of a URL, a value assigned to `api_key`, `token`,
//!   `secret`, `password` and the like, unless it is a placeholder (`<redacted>`, `${VAR}`,
//!   `***`, `YOUR_KEY_HERE`...);
//! - shape alone: a token of 32+ characters mixing upper case, lower case and digits whose
//!   Shannon entropy is that of random data rather than of words.
//!
//! A false positive costs the user a retype; a false negative costs a rotation, so the guard
//! leans towards catching. It deliberately lets through what security people paste all the
//! time and is not secret: hex digests (MD5, SHA-1, SHA-256, commit ids) and UUIDs, which never
//! mix upper and lower case; file paths and identifiers, which are made of words;
//! certificates, public keys and key fingerprints; Google Docs links.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// What kind of secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    PrivateKey,
    AwsAccessKey,
    AwsSecretKey,
    GitHubToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    Jwt,
    PasswordInUrl,
    GenericApiKey,
    HighEntropy,
}

impl SecretKind {
    /// A short noun phrase with its article, for messages to the user.
    pub fn describe(self) -> &'static str {
        match self {
            Self::PrivateKey => "a private key",
            Self::AwsAccessKey => "an AWS access key id",
            Self::AwsSecretKey => "an AWS secret access key",
            Self::GitHubToken => "a GitHub token",
            Self::SlackToken => "a Slack token or webhook URL",
            Self::StripeKey => "a Stripe secret key",
            Self::GoogleApiKey => "a Google API key",
            Self::Jwt => "a JSON Web Token",
            Self::PasswordInUrl => "a password inside a URL",
            Self::GenericApiKey => "an API key, token or password",
            Self::HighEntropy => "a long random-looking string",
        }
    }

    /// Lower is more specific. Provider formats come before the AWS secret key, whose
    /// detection rests on nearby words: a JWT segment next to the word "secret" must still be
    /// reported as the JWT it is part of.
    fn rank(self) -> u8 {
        match self {
            Self::PrivateKey => 0,
            Self::AwsAccessKey => 1,
            Self::GitHubToken => 2,
            Self::SlackToken => 3,
            Self::StripeKey => 4,
            Self::GoogleApiKey => 5,
            Self::Jwt => 6,
            Self::AwsSecretKey => 7,
            Self::PasswordInUrl => 8,
            Self::GenericApiKey => 9,
            Self::HighEntropy => 10,
        }
    }
}

/// One finding: the kind and where it is, as 1-based character (not byte) positions, inclusive.
/// Characters are Unicode scalar values, as `str::chars` counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: SecretKind,
    pub start_char: usize,
    pub end_char: usize,
}

/// A finding before overlaps are resolved, with a byte range into the scanned text.
type Candidate = (SecretKind, Range<usize>);

/// Word boundaries in the patterns are ASCII ones, `(?-u:\b)`: secrets are ASCII, and text
/// in scripts written without spaces ("密钥是AKIA...") must not hide them.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("secret patterns are constant and valid")
}

/// Provider formats recognisable by shape alone. When a pattern has a capture group, the
/// group is the secret and the rest of the match is context that is not reported.
static SHAPES: LazyLock<Vec<(SecretKind, Regex)>> = LazyLock::new(|| {
    use SecretKind::*;
    vec![
        (
            PrivateKey,
            re(concat!(
                r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
                r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
                // No end line: the key was cut off; take the base64 lines and headers that follow.
                r"|(?:\s+(?:[A-Za-z0-9+/=]{16,}|(?:Proc-Type|DEK-Info|Comment|Version):[^\r\n]*))*)",
            )),
        ),
        (
            AwsAccessKey,
            re(concat!(
                r"(?-u:\b)(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)",
                r"[A-Z0-9]{16}(?-u:\b)",
            )),
        ),
        (
            GitHubToken,
            re(r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{82})(?-u:\b)"),
        ),
        // Real tokens have numeric ids right after the prefix, "xoxb-your-token" has not.
        (
            SlackToken,
            re(concat!(
                r"(?-u:\b)(?:xox[abeoprs]-[0-9]+-[A-Za-z0-9-]{8,}|xapp-[0-9]+-[A-Za-z0-9-]{8,}",
                r"|https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})",
            )),
        ),
        // Publishable keys (pk_) are public by design.
        (
            StripeKey,
            re(
                r"(?-u:\b)(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})(?-u:\b)",
            ),
        ),
        // `\b` cannot close this one: the key may end with '-', so the next character is checked.
        (
            GoogleApiKey,
            re(r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)"),
        ),
        (
            Jwt,
            re(r"(?-u:\b)eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
        ),
    ]
});

/// A 40-character run is an AWS secret key candidate; it counts with "aws" or "secret" nearby,
/// which covers `aws_secret_access_key = ...`, `"SecretAccessKey": "..."` and prose.
static BASE64_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9+/]+"));
static AWS_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(?:^|[^a-z])(?:aws|secret)"));

/// scheme://user:password@host; the user may be empty (`redis://:pw@host`). The password
/// may hold '#' or '?', which people forget to percent-encode, but not '/': a port number
/// followed by a path is not a password.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u:\b)[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:([^\s/@]*)@[^\s/?#@]"));

/// `name = value`, `name: value`, `"name": "value"`, `name := value`, `name => value`, where
/// the name ends with a credential word: `token_url` or `password_policy` name something else.
/// Group 1 is the separator; the value is group 2 or 3 when quoted, else group 4.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?-u:\b)[a-z0-9_.-]*?(?:(?:api|access|account)[_-]?key|apikey|token|password|passwd",
        r"|pwd|secret(?:[_-]?(?:key(?:[_-]?base)?|id))?|authorization|credentials?)",
        r#"["']?[ \t]*(:=|=>|=|:)[ \t]*(?:(?:bearer|basic|token)[ \t]+)?"#,
        r#"(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'`,;]+))"#,
    ))
});

/// Values people write instead of a secret: empty, masked, templated or named.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?xi)
        ^$
        | ^(?:<.+>|\[.+\]|\{.+\}|%.+%|\(.+\))$               # <password>, [REDACTED], %VAR%
        | ^\$[A-Za-z0-9_]+$ | \$\{ | \{\{                    # $VAR, ${VAR}, {{ var }}
        | ^[*x.•…\#]+$ | x{6} | [*•]{3}                     # ***, xxxx, ghp_xxxxxxxx
        | (?-i:^[A-Z_]+$)                                    # PASSWORD, DB_PASSWORD
        | ^(?:password|passwd|pass|pwd|secret|token|none|null|hidden)$
        | your | redacted | placeholder | example | change_?me | replace | dummy | <
    ")
});

/// Values that point at a secret rather than being one: URLs (judged by `url_passwords`),
/// paths, and code such as `os.getenv(...)` or `process.env.DB_PASSWORD`. A dotted chain counts
/// only from a lower-case identifier, so that a password like `Summer.Vacation` is caught.
static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| re(r"://|^(?:/|~|\./)|\(|^[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$"));

/// Candidate tokens for the entropy test; '=' only as trailing base64 padding, so that
/// `api_key=VALUE` yields the value alone.
static TOKEN_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9+/_\-]+=*"));
static URL: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+"));
/// Pieces of words and numbers: "Security", "ssh", "2024".
static WORDISH: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Z]?[a-z]{3,}|[0-9]{4,}"));

/// Random-looking but not secret: certificates and public key blocks, SSH public keys,
/// labelled digests such as SSH fingerprints (`SHA256:...`) or subresource integrity hashes,
/// Stripe publishable keys (made to be embedded in web pages) and Google Docs and Drive
/// links, whose document ids look random and get pasted all the time.
static NOT_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?s)-----BEGIN (?:[A-Z0-9]+ )*(?:CERTIFICATE(?: REQUEST)?|PUBLIC KEY(?: BLOCK)?|X509 CRL)",
        r"-----.*?-----END [A-Z0-9 ]+-----",
        r"|(?-u:\b)(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9-]+@openssh\.com)",
        r"[ \t]+AAAA[A-Za-z0-9+/]+=*",
        r"|(?i:(?-u:\b)(?:sha(?:1|224|256|384|512)|md5)[:-][A-Za-z0-9+/]+=*)",
        r"|(?-u:\b)pk_(?:live|test)_[A-Za-z0-9]+",
        r"|https://(?:docs|drive)\.google\.com/\S*",
    ))
});

/// Minimum length and entropy for [`SecretKind::HighEntropy`]. Random base62 averages about
/// 4.6 bits per character at 32 characters and 5 at 64, but long paths and identifiers made
/// of many different words reach 4.5 too, hence [`MAX_WORD_SHARE`].
const MIN_RANDOM_LEN: usize = 32;
const MIN_RANDOM_ENTROPY: f64 = 4.3;
/// Above this share of characters inside word-like runs ([`WORDISH`]) a token reads as
/// words (`/Users/Alice/Projects/Q3Roadmap2024`, `AbstractProxyFactoryBean2Impl`: 0.7 to
/// 0.97). Random base62 or base64 of 32 characters exceeds it about 3 times in 1000, of 64
/// almost never.
const MAX_WORD_SHARE: f64 = 0.6;
/// Below this (bits per character), a provider-shaped token is a mask or an example
/// (`ghp_xxxx...`); real ones score 3.5 and up, even 20-character AWS key ids.
const MIN_SHAPE_ENTROPY: f64 = 3.0;
/// Generic assignments need a value at least this long (in characters) to count.
const MIN_ASSIGNED_LEN: usize = 12;
/// How far (in bytes) around a 40-character token to look for "aws" or "secret".
const AWS_CONTEXT_RADIUS: usize = 64;
/// How many findings [`refusal`] lists one by one before summing up the rest.
const LISTED_FINDINGS: usize = 5;

/// Scans `text`; findings in order of position, non-overlapping (when two detectors match
/// overlapping spans the more specific kind is kept, HighEntropy being the least specific).
pub fn scan(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    shapes(text, &mut found);
    aws_secret_keys(text, &mut found);
    url_passwords(text, &mut found);
    assignments(text, &mut found);
    high_entropy(text, &mut found);
    resolve(text, found)
}

fn shapes(text: &str, out: &mut Vec<Candidate>) {
    for (kind, pattern) in SHAPES.iter() {
        for caps in pattern.captures_iter(text) {
            let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            // `ghp_xxxxxxxx...` in documentation has the shape but none of the randomness.
            if *kind == SecretKind::PrivateKey || shannon_entropy(m.as_str()) >= MIN_SHAPE_ENTROPY {
                out.push((*kind, m.range()));
            }
        }
    }
}

fn aws_secret_keys(text: &str, out: &mut Vec<Candidate>) {
    for m in BASE64_RUN.find_iter(text) {
        let token = m.as_str();
        // '_' or '-' next to the run means it is a piece of a larger token (base64url, an
        // identifier); '=' after it means longer base64 data.
        let glued =
            text[..m.start()].ends_with(['_', '-']) || text[m.end()..].starts_with(['_', '-', '=']);
        if token.len() == 40
            && !glued
            && mixes_cases(token)
            && token.bytes().any(|b| !b.is_ascii_alphabetic())
            && random_enough(token)
            && near_aws_words(text, m.range())
        {
            out.push((SecretKind::AwsSecretKey, m.range()));
        }
    }
}

/// Whether "aws" or "secret" starts a word within [`AWS_CONTEXT_RADIUS`] bytes of `token`,
/// outside the token itself (random base64 can contain "aWs").
fn near_aws_words(text: &str, token: Range<usize>) -> bool {
    let mut from = token.start.saturating_sub(AWS_CONTEXT_RADIUS);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (token.end + AWS_CONTEXT_RADIUS).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    AWS_CONTEXT.is_match(&text[from..token.start]) || AWS_CONTEXT.is_match(&text[token.end..to])
}

fn url_passwords(text: &str, out: &mut Vec<Candidate>) {
    for caps in URL_PASSWORD.captures_iter(text) {
        if let Some(password) = caps.get(1).filter(|p| !PLACEHOLDER.is_match(p.as_str())) {
            out.push((SecretKind::PasswordInUrl, password.range()));
        }
    }
}

fn assignments(text: &str, out: &mut Vec<Candidate>) {
    for caps in ASSIGNMENT.captures_iter(text) {
        let quoted = caps.get(2).or_else(|| caps.get(3));
        let (Some(separator), Some(value)) = (caps.get(1), quoted.or_else(|| caps.get(4))) else {
            continue;
        };
        let v = value.as_str();
        // "token: budget-constrained" or "Secret: Keep-Calm-And-Carry-On" is prose; YAML
        // values that are secrets carry digits, symbols or capitals inside words.
        let prose = separator.as_str() == ":"
            && quoted.is_none()
            && v.trim_end_matches(['.', '!', '?', ')'])
                .split('-')
                .all(|word| {
                    let mut chars = word.chars();
                    chars.next().is_some_and(char::is_alphabetic) && chars.all(char::is_lowercase)
                });
        if v.chars().count() >= MIN_ASSIGNED_LEN
            && !prose
            && !REFERENCE.is_match(v)
            && !PLACEHOLDER.is_match(v)
        {
            out.push((SecretKind::GenericApiKey, value.range()));
        }
    }
}

fn high_entropy(text: &str, out: &mut Vec<Candidate>) {
    let not_secret: Vec<Range<usize>> = NOT_SECRET.find_iter(text).map(|m| m.range()).collect();
    let urls: Vec<Range<usize>> = URL.find_iter(text).map(|m| m.range()).collect();
    let mut check = |bytes: Range<usize>| {
        if looks_random(&text[bytes.clone()]) && !within(&not_secret, &bytes) {
            out.push((SecretKind::HighEntropy, bytes));
        }
    };
    for run in TOKEN_RUN.find_iter(text) {
        // In a URL '/' separates path segments (a commit id next to "Main.java" is not one
        // random string); elsewhere it is a base64 character.
        if within(&urls, &run.range()) {
            let mut start = run.start();
            for segment in run.as_str().split('/') {
                check(start..start + segment.len());
                start += segment.len() + 1;
            }
        } else {
            check(run.range());
        }
    }
}

/// Whether `inner` lies inside one of `spans`, which are sorted and disjoint (regex matches).
fn within(spans: &[Range<usize>], inner: &Range<usize>) -> bool {
    let after = spans.partition_point(|span| span.start <= inner.start);
    after > 0 && inner.end <= spans[after - 1].end
}

/// Long, as varied as random data, and with a piece mixing upper case, lower case and digits.
/// Hex digests and UUIDs fail the mix test whatever their case, which is what lets indicators
/// through; it is applied between '-' and '_' so that a slug such as
/// `Q3-Plan-0f1e2d3c4b5a69788796a5b4c3d2e1f0` (words, then a hex id) passes too.
fn looks_random(token: &str) -> bool {
    let mixed = |piece: &str| mixes_cases(piece) && piece.bytes().any(|b| b.is_ascii_digit());
    token.len() >= MIN_RANDOM_LEN && token.split(['-', '_']).any(mixed) && random_enough(token)
}

fn mixes_cases(token: &str) -> bool {
    token.bytes().any(|b| b.is_ascii_uppercase()) && token.bytes().any(|b| b.is_ascii_lowercase())
}

/// High entropy and not mostly made of words.
fn random_enough(token: &str) -> bool {
    let in_words: usize = WORDISH.find_iter(token).map(|m| m.len()).sum();
    shannon_entropy(token) >= MIN_RANDOM_ENTROPY
        && (in_words as f64) < MAX_WORD_SHARE * token.len() as f64
}

/// Shannon entropy in bits per byte; candidate tokens are ASCII, so bytes are characters.
fn shannon_entropy(token: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in token.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = token.len() as f64;
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// Keeps the most specific candidate wherever candidates overlap (the longer one between
/// equals), then turns byte ranges into 1-based inclusive character positions.
fn resolve(text: &str, mut candidates: Vec<Candidate>) -> Vec<Finding> {
    candidates.sort_by_key(|(kind, bytes)| (kind.rank(), bytes.start, usize::MAX - bytes.end));
    // start -> (end, kind); kept spans are disjoint, so among those starting before a
    // candidate ends, only the last one can reach into it.
    let mut kept: BTreeMap<usize, (usize, SecretKind)> = BTreeMap::new();
    for (kind, bytes) in candidates.into_iter().filter(|(_, b)| !b.is_empty()) {
        let previous = kept.range(..bytes.end).next_back();
        if previous.is_none_or(|(_, &(end, _))| end <= bytes.start) {
            kept.insert(bytes.start, (bytes.end, kind));
        }
    }
    // Findings come in order and disjoint, so characters are counted in a single pass.
    let (mut byte, mut chars) = (0, 0);
    kept.into_iter()
        .map(|(start, (end, kind))| {
            chars += text[byte..start].chars().count();
            byte = start;
            let len = text[start..end].chars().count();
            Finding {
                kind,
                start_char: chars + 1,
                end_char: chars + len,
            }
        })
        .collect()
}

/// A message for the user listing `findings` by kind and position, never quoting a secret.
/// Empty when there is nothing to refuse.
pub fn refusal(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let mut items: Vec<String> = findings
        .iter()
        .take(LISTED_FINDINGS)
        .map(|f| (f.kind.describe(), f.start_char, f.end_char))
        .map(|(what, from, to)| format!("{what} (characters {from}–{to})"))
        .collect();
    if findings.len() > LISTED_FINDINGS {
        let more = findings.len() - LISTED_FINDINGS;
        items.push(format!("{more} more likely secrets"));
    }
    let list = match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    };
    // "Please send it again without it" would read oddly.
    let (without, them) = match findings.len() {
        1 => ("that secret", "it"),
        _ => ("them", "them"),
    };
    format!(
        "I did not save that: it looks like it contains {list}. \
         Please send it again without {without}, and consider rotating {them}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use SecretKind::*;

    const BASE62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const BASE64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// Made-up random-looking text (xorshift), reproducible from `seed`. Fixtures are built at
    /// run time, from this or from pieces, so that no secret scanner or push protection
    /// mistakes this file for a leak.
    fn random(seed: u64, len: usize, alphabet: &str) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chars[(state % chars.len() as u64) as usize]
            })
            .collect()
    }

    fn at(kind: SecretKind, start_char: usize, end_char: usize) -> Finding {
        Finding {
            kind,
            start_char,
            end_char,
        }
    }

    fn kinds(text: &str) -> Vec<SecretKind> {
        scan(text).into_iter().map(|f| f.kind).collect()
    }

    /// Asserts `text` holds exactly one finding, of `kind`, covering exactly `secret`.
    fn assert_single(text: &str, secret: &str, kind: SecretKind) {
        let byte = text.find(secret).expect("the fixture contains the secret");
        let start_char = text[..byte].chars().count() + 1;
        let end_char = start_char + secret.chars().count() - 1;
        assert_eq!(
            scan(text),
            vec![at(kind, start_char, end_char)],
            "in {text:?}"
        );
    }

    /// Like [`assert_single`], with the secret marked «like this» in the text.
    fn assert_marked(marked: &str, kind: SecretKind) {
        let (before, rest) = marked.split_once('«').expect("fixture has an opening mark");
        let (secret, after) = rest.split_once('»').expect("fixture has a closing mark");
        assert_single(&format!("{before}{secret}{after}"), secret, kind);
    }

    fn assert_clean(text: &str) {
        assert_eq!(scan(text), vec![], "in {text:?}");
    }

    fn pem(label: &str, seed: u64) -> String {
        let body: Vec<String> = (0..4).map(|i| random(seed + i, 64, BASE64)).collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----",
            body.join("\n")
        )
    }

    fn jwt(seed: u64) -> String {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890"} . a made-up signature
        let header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
        format!(
            "{header}.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{}",
            random(seed, 43, BASE64URL)
        )
    }

    #[test]
    fn ordinary_text_passes() {
        let texts = [
            "This week I finally delegated the incident review. It felt uncomfortable, but 3 of 4 \
             action items closed on time (75%!).",
            "We rotated the AWS keys after the incident",
            "Q3 goals: cut MTTR by 20%, hire 2 engineers; see https://example.com/path?query=1",
            "Review https://github.com/org/repo/pull/123 and https://github.com/org/repo/blob/\
             8f3e2a1b9c0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f/src/main/java/com/acme/AuthConfig2Loader.java",
            "Clone with ssh://git@github.com/org/repo or git@github.com:org/repo.git",
            "IOCs: MD5 44d88612fea8a8f36de82e1278abb02f, SHA-1 3395856ce81f2b7382dee72602f798b642f14140",
            "SHA-256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f (EICAR)",
            "Uppercase SHA-256: 275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
            "The AWS secret scanner flagged 3395856ce81f2b7382dee72602f798b642f14140 as a false hit",
            "Request id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 and 3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "Fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short: 9fceb02)",
            "Patch CVE-2024-3094 (xz) and CVE-2021-44228 before Friday.",
            "Blocked 203.0.113.42, 198.51.100.7/24 and 2001:db8::ff00:42:8329 at the edge.",
            "Logs are in /var/log/nginx/access.log and C:\\Windows\\System32\\winevt\\Logs",
            "Evidence: /Users/AliceSmith/Projects/Q3Roadmap2024/Drafts/IR-2024-0042/Memory.raw",
            "The class AbstractSingletonProxyFactoryBean2Impl owns the token cache.",
            "the password policy needs work, and our token budget for the LLM pilot ran out",
            "Password managers for everyone; secret sprawl is the real risk; tokens expire daily.",
            "Lesson learned about the password: rotation-first, blame-never.",
            "The secret: Keep-Calm-And-Carry-On. Token: internationalization",
            "password=<redacted> api_key=YOUR_KEY_HERE token: ${GITHUB_TOKEN} secret=xxxxxxxxxxxxxx",
            "password: \"********\" DB_PASSWORD=$DB_PASSWORD api_key=[REDACTED] pwd=PASSWORD_GOES_HERE",
            "secret = process.env.STRIPE_SECRET_KEY; token := os.getenv(\"TOKEN\")",
            "private_key_path=/etc/ssl/private/server.key and secret: vault://kv/prod/db",
            "token_url=https://auth.example.com/oauth2/token password_min_length=14",
            "internationalization, counterintelligence, electroencephalographically",
            "base64 of hello: aGVsbG8gd29ybGQ= and of a short note: U2hpZnQgY29hY2g=",
            "# Retro\n\n- **What went well:** paging\n- _What didn't:_ `kubectl` access\n\n\
             | Metric | Value |\n|---|---|\n| MTTR | 42 min |\n\n```\nmake deploy\n```",
            "Café déjà vu 🎉🔐 — naïve über-résumé, 東京 ✅",
            "postgres://admin:@db.internal/app postgres://admin:***@db postgres://u:<password>@db",
            "postgres://u:PASSWORD@db postgres://u:${DB_PASSWORD}@db postgres://u:$DB_PASS@db",
            "https://example.com:8443/health and mailto:security@example.com",
            "Draft: https://docs.google.com/document/d/1XyZ9AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit",
            "arn:aws:iam::123456789012:role/SecurityAuditRole2024-ReadOnly and s3://logs-2024/AWSLogs/",
            "Trace 4bf92f3577b34da6a3ce929d0e0e4736, SID S-1-5-21-3623811015-3361044348-30300820-1013",
            "xoxb-your-bot-token and sk_live_ and ghp_short are placeholders in our docs",
            "Publishable Stripe keys are fine: pk_live_51HaBcDeFgHiJkLmNoPqRsTu",
            "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx and AKIAXXXXXXXXXXXXXXXX in the docs",
            "Plan: https://www.notion.so/acme/Q3-Plan-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        ];
        for text in texts {
            assert_clean(text);
        }
    }

    #[test]
    fn public_material_passes() {
        let fingerprint = random(1, 43, BASE64);
        assert_clean(&format!(
            "Accepted publickey for deploy: ED25519 SHA256:{fingerprint}"
        ));
        let pubkey = format!("AAAAC3NzaC1lZDI1NTE5AAAAI{}", random(2, 43, BASE64));
        assert_clean(&format!(
            "Add ssh-ed25519 {pubkey} alice@laptop to authorized_keys"
        ));
        assert_clean(&format!("integrity=\"sha384-{}\"", random(3, 64, BASE64)));
        assert_clean(&format!("Our leaf cert:\n{}", pem("CERTIFICATE", 4)));
        assert_clean(&pem("PUBLIC KEY", 5));
    }

    #[test]
    fn private_keys() {
        for label in [
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let key = pem(label, 10);
            assert_single(
                &format!("Here is the deploy key:\n{key}\nthanks!"),
                &key,
                PrivateKey,
            );
        }
        // Cut off before the end: the header and the lines after it are one finding.
        let key = pem("RSA PRIVATE KEY", 11);
        let cut = &key[..key.find("\n-----END").expect("fixture has an end line")];
        assert_single(&format!("{cut}\n"), cut, PrivateKey);
        let header = "-----BEGIN OPENSSH PRIVATE KEY-----";
        assert_single(
            &format!("my key starts with {header} and"),
            header,
            PrivateKey,
        );
        // A service account JSON escapes its newlines.
        let escaped = pem("PRIVATE KEY", 12).replace('\n', "\\n");
        assert_single(
            &format!("{{\"private_key\": \"{escaped}\\n\"}}"),
            &escaped,
            PrivateKey,
        );
    }

    #[test]
    fn aws_access_key_ids() {
        for prefix in ["AKIA", "ASIA", "AGPA", "AIDA", "AROA"] {
            let id = [prefix, "TESTFAKE0EXAMPL3"].concat();
            assert_single(&format!("AWS_ACCESS_KEY_ID={id}"), &id, AwsAccessKey);
            assert_single(&format!("\"AccessKeyId\": \"{id}\","), &id, AwsAccessKey);
        }
        assert_clean(&["AKIA", "TESTFAKE0EXAMPL"].concat()); // one short
        assert_clean(&["XAKIA", "TESTFAKE0EXAMPL3"].concat()); // part of a longer word
        // Scripts without spaces between words must not hide a key.
        let id = ["AKIA", "TESTFAKE0EXAMPL3"].concat();
        assert_single(&format!("密钥是{id}。"), &id, AwsAccessKey);
    }

    #[test]
    fn aws_secret_keys() {
        let secret = random(20, 40, BASE64);
        for text in [
            format!("aws_secret_access_key = {secret}"),
            format!("AWS_SECRET_ACCESS_KEY=\"{secret}\""),
            format!("\"SecretAccessKey\": \"{secret}\","),
            format!("the AWS key for the build role: {secret} (rotate monthly)"),
            format!("{secret} is the secret for the CI user"),
        ] {
            assert_single(&text, &secret, AwsSecretKey);
        }
        // The same shape without context is still caught, as a random string.
        assert_eq!(kinds(&format!("see {secret} later")), vec![HighEntropy]);
    }

    #[test]
    fn github_tokens() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let token = [prefix, &random(30, 36, BASE62)].concat();
            assert_single(&format!("export GH={token}"), &token, GitHubToken);
        }
        let pat = format!(
            "github_pat_{}_{}",
            random(31, 22, BASE62),
            random(32, 59, BASE62)
        );
        assert_single(&format!("use {pat} for the runner"), &pat, GitHubToken);
    }

    #[test]
    fn slack_tokens() {
        let hex = "0123456789abcdef";
        let bot = ["xoxb-2710304729-4817249305221-", &random(40, 24, BASE62)].concat();
        let user = ["xoxp-27103-48172-59173-", &random(41, 32, hex)].concat();
        let app = ["xapp-1-A0123ABCD-4817249305221-", &random(42, 64, hex)].concat();
        let hook = [
            "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/",
            &random(43, 24, BASE62),
        ];
        let hook = hook.concat();
        for token in [bot, user, app, hook] {
            assert_single(&format!("slack: {token} ok"), &token, SlackToken);
        }
    }

    #[test]
    fn stripe_keys() {
        for prefix in ["sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"] {
            let key = [prefix, &random(50, 32, BASE62)].concat();
            assert_single(&format!("STRIPE={key}."), &key, StripeKey);
        }
    }

    #[test]
    fn google_api_keys() {
        let key = ["AIza", &random(60, 34, BASE62), "-"].concat();
        assert_single(
            &format!("maps key {key}, restricted by referrer"),
            &key,
            GoogleApiKey,
        );
        assert_single(&format!("?key={key}"), &key, GoogleApiKey);
    }

    #[test]
    fn json_web_tokens() {
        let token = jwt(70);
        assert_single(&format!("Authorization: Bearer {token}"), &token, Jwt);
        assert_single(&format!("cookie session={token}; Path=/"), &token, Jwt);
    }

    #[test]
    fn passwords_in_urls() {
        for marked in [
            "postgres://admin:«S3cure-Pass»@db.internal:5432/app",
            "redis://:«hunter2»@cache:6379/0",
            "https://deploy:«p%40ss:w0rd»@registry.example.com/v2/",
            "DATABASE_URL=mysql://app:«Xk9#mP2?vL»@db:3306/app",
        ] {
            assert_marked(marked, PasswordInUrl);
        }
    }

    #[test]
    fn generic_assignments() {
        for marked in [
            "api_key=«3f9a0c7e1b2d4f6a»",
            "\"password\": \"«Tr0ub4dor&3xyz»\"",
            "DB_PASSWORD=«correcthorsebatterystaple»",
            "password = \"«correct horse battery staple»\"",
            "client_secret: «8Jd93kdLq0Zx»",
            "password: «Summer.Vacation»",
            "curl -H 'X-Api-Key: «live-0123456789ab»' https://api.example.com",
            "Authorization: Basic «ZGVwbG95Omh1bnRlcjI=»",
            "secret_key := \"«s3cr3t-for-staging»\"",
            "SECRET_KEY_BASE=«8f3e2a1b9c0d4e5f6a7b8c9d»",
            "Endpoint=x;AccountKey=«Zm9vYmFy+YmF6»;Suffix=y",
            "kind: Secret\ndata:\n  password: «cGFzc3dvcmQxMjM0NTY3OA==»",
        ] {
            assert_marked(marked, GenericApiKey);
        }
        assert_clean("password=short1"); // under 12 characters
    }

    #[test]
    fn high_entropy_strings() {
        let token = random(80, 48, BASE62);
        assert_single(
            &format!("the webhook signing value is {token}."),
            &token,
            HighEntropy,
        );
        let blob = random(81, 60, BASE64) + "==";
        assert_single(&format!("blob: {blob}"), &blob, HighEntropy);
        let segment = random(82, 68, BASE64URL);
        let url = format!("https://discord.com/api/webhooks/1234567890/{segment}");
        assert_single(&url, &segment, HighEntropy);
        assert_clean(&random(83, 48, "abcdefghijklmnopqrstuvwxyz0123456789")); // no upper case
    }

    #[test]
    fn positions_are_exact() {
        let id = ["AKIA", "TESTFAKE0EXAMPL3"].concat();
        let text = format!("key: {id}!");
        assert_eq!(scan(&text), vec![at(AwsAccessKey, 6, 25)]);
        assert_eq!(scan(&id), vec![at(AwsAccessKey, 1, 20)]);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        // "é" is 2 bytes and "🔐" 4: the id starts at byte 9 but at character 5.
        let id = ["AKIA", "TESTFAKE0EXAMPL3"].concat();
        let text = format!("é🔐 é{id} 🎉 done");
        assert_eq!(text.find(&id), Some(9));
        assert_eq!(scan(&text), vec![at(AwsAccessKey, 5, 24)]);
        let token = jwt(90);
        // The skin tone modifier is a character of its own.
        let text = format!("Ça marche 👍🏽? {id} → token {token} ✅");
        let found = scan(&text);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].start_char, found[0].end_char), (15, 34));
        let start = text
            .chars()
            .position(|c| c == '→')
            .expect("arrow in fixture")
            + 9;
        assert_eq!((found[1].kind, found[1].start_char), (Jwt, start));
        assert_eq!(found[1].end_char, start + token.len() - 1);
    }

    #[test]
    fn two_secrets_in_one_text() {
        let id = ["AKIA", "TESTFAKE0EXAMPL3"].concat();
        let token = jwt(100);
        let text = format!("key id is {id}, and jwt {token}");
        let found = scan(&text);
        let end = 41 + token.len() - 1;
        assert_eq!(found, vec![at(AwsAccessKey, 11, 30), at(Jwt, 41, end),]);
        assert_eq!(
            refusal(&found),
            format!(
                "I did not save that: it looks like it contains an AWS access key id \
                 (characters 11–30) and a JSON Web Token (characters 41–{end}). Please send it \
                 again without them, and consider rotating them."
            )
        );
    }

    #[test]
    fn overlaps_keep_the_more_specific_kind() {
        let gh = ["ghp_", &random(110, 36, BASE62)].concat();
        assert_single(&format!("api_key={gh}"), &gh, GitHubToken);
        let secret = random(111, 40, BASE64);
        assert_single(
            &format!("aws_secret_access_key={secret}"),
            &secret,
            AwsSecretKey,
        );
        let pk = pem("EC PRIVATE KEY", 112);
        assert_single(&format!("secret: {pk}"), &pk, PrivateKey);
        assert_eq!(
            kinds(&format!("token={} and {}", jwt(113), gh)),
            vec![Jwt, GitHubToken]
        );
    }

    #[test]
    fn refusal_never_quotes_the_secret() {
        let secrets = [
            pem("RSA PRIVATE KEY", 120),
            ["ASIA", "TESTFAKE0EXAMPL3"].concat(),
            random(121, 40, BASE64),
            ["ghp_", &random(122, 36, BASE62)].concat(),
            format!("xoxb-2710304729-4817249305221-{}", random(123, 24, BASE62)),
            ["sk_live_", &random(124, 32, BASE62)].concat(),
            ["AIza", &random(125, 35, BASE62)].concat(),
            jwt(126),
            random(127, 48, BASE62),
        ];
        for secret in &secrets {
            let text = format!("aws secret: {secret} and https://ops:Hunter2-Ops@ci.example.com");
            let found = scan(&text);
            assert_eq!(found.len(), 2, "in {text:?}");
            let message = refusal(&found);
            assert!(message.starts_with("I did not save that:"));
            // No 8-character piece of any secret may appear in the message.
            for piece in [secret.as_str(), "Hunter2-Ops"] {
                let chars: Vec<char> = piece.chars().collect();
                for window in chars.windows(8) {
                    let window: String = window.iter().collect();
                    assert!(!message.contains(&window), "{message:?} quotes {window:?}");
                }
            }
        }
    }

    #[test]
    fn refusal_wording() {
        assert_eq!(refusal(&[]), "");
        assert_eq!(
            refusal(&[at(PrivateKey, 1, 1700)]),
            "I did not save that: it looks like it contains a private key (characters 1–1700). \
             Please send it again without that secret, and consider rotating it."
        );
        let three = [
            at(GitHubToken, 1, 40),
            at(PasswordInUrl, 50, 57),
            at(HighEntropy, 60, 99),
        ];
        assert!(refusal(&three).contains(
            "a GitHub token (characters 1–40), a password inside a URL (characters 50–57) and \
             a long random-looking string (characters 60–99)."
        ));
        let many: Vec<Finding> = (0..7)
            .map(|i| at(HighEntropy, i * 50 + 1, i * 50 + 40))
            .collect();
        let message = refusal(&many);
        assert!(
            message.contains("(characters 201–240) and 2 more likely secrets."),
            "{message}"
        );
        assert!(!message.contains("251"));
    }
}

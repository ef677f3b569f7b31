//! The secrets guard: spots credentials pasted into free text before that text is stored.
//!
//! Security engineers work surrounded by keys and tokens, and sooner or later one of them
//! pastes a config file, a `curl` line or a log excerpt with a live credential in it, or writes
//! "the vpn password is ...". Storing that text would copy the secret into the database, its
//! backups and every export, so all free text goes through [`scan`] first. When anything is
//! found the text is not stored and the user gets [`refusal`], which says what kind of secret
//! was found and where (as character positions), and never repeats the secret itself.
//!
//! Detectors, from the most to the least specific:
//!
//! - shapes issued by providers: private keys (PEM of every kind, also a block whose end was
//!   cut off, SSH2, PuTTY, age), AWS access key ids, GitHub, Slack, Stripe and Google keys, and
//!   some sixty other documented token formats ([`Provider`]: GitLab, OpenAI, Anthropic, npm,
//!   PyPI, SendGrid, Twilio, Azure, Discord, Vault, DigitalOcean, Shopify, Databricks, Hugging
//!   Face, Square, Mailgun...), JSON Web Tokens;
//! - context: a 40-character AWS secret access key next to the words "aws" or "secret"; signed
//!   URLs (`X-Amz-Signature`, `X-Goog-Signature`, Azure SAS `sig`, CloudFront `Signature`),
//!   which grant access to whoever holds them; one-time-password seeds; `Authorization: Basic`
//!   (when it decodes to `user:password`) and `Bearer` headers and `curl -u user:password`; a
//!   password in the user-info or the query of a URL; a value assigned to `api_key`, `token`,
//!   `secret`, `password` and the like, also as `<password>...</password>`, as
//!   `key="DbPassword" value="..."` or as a Kubernetes `name: DB_PASSWORD` / `value: ...` pair;
//!   passwords on command lines (`mysql -p...`, `sshpass -p`, `docker login -p`,
//!   `redis-cli -a`, `ldapsearch -w`, `net use ... /user:`, `-passout pass:`, `-storepass`...);
//!   disk-encryption recovery keys (BitLocker's eight groups of six digits; FileVault's six
//!   groups of four near "FileVault" or "recovery"); a run of twelve or more lower-case words of
//!   the BIP-39 list, which is a wallet's seed phrase (prose needs "the", "a", "to", "is"...,
//!   which the list leaves out);
//! - stated secrets: a credential noun (password, passwd, pwd, pw, pass, passphrase,
//!   passcode, PIN, door code, secret, token, API key, TOTP seed, shared secret, pre-shared
//!   key, PSK, wifi or WPA key, recovery or backup codes, seed or recovery phrase, mnemonic,
//!   creds as `user:password` or `user / password`, "mot de passe", "Passwort" and a few other
//!   languages), optionally qualified ("for the vpn", "on the router", "für den Drucker") or
//!   followed by an aside (", btw,"), then a connector (`:`, `=`, `->`, "is", "was", "is
//!   still", "was changed to", "'s"), then the value; also "X is my password" and "use (using,
//!   set...) X as the password";
//! - shape alone: a token of 32+ characters mixing upper case, lower case and digits whose
//!   Shannon entropy is that of random data rather than of words.
//!
//! A stated value counts only when it looks like a credential, which is what keeps talk about
//! passwords ("the password is required", `password: <redacted>`, "the password is in the
//! vault", "password policy is 12 characters") from being refused:
//!
//! - never: a placeholder (`<redacted>`, `${VAR}`, `***`, `YOUR_KEY_HERE`, `ALL_CAPS`), a
//!   reference (a path, a URL, `os.environ[...]`, `!vault`, `arn:...`, an e-mail address), a
//!   command-line flag, a version, a date or a host name, or one of about 250 words that follow
//!   "password is" in ordinary talk (articles, prepositions, "required", "stored", "expired",
//!   "manager", "policy"...);
//! - for a password, PIN or passphrase: four or more digits not followed by a unit
//!   ("12 characters"), anything of four or more characters with a digit, a symbol or a capital
//!   inside, a quoted phrase, or a single word that is not one of those common words and does not
//!   end like an English adjective or participle (-ed, -ing, -ly, -able, -tion...): so
//!   "password: letmein" is refused and "password: rotation-first" is not;
//! - for a passphrase or pre-shared key, also three to eight words up to the end of the clause,
//!   without a grammatical word ("the passphrase is easy to remember" is talk, "passphrase:
//!   correct horse battery staple" is not); for a pre-shared or wifi key a single plain word
//!   counts only after `:` or `=` ("pre-shared keys are weaker"), and mode and cipher names
//!   (`WPA2-PSK`, `AES-256`) never;
//! - for recovery or backup codes: codes with digits (`8472-1938 5521-0093`, one per line
//!   under a heading too), six digits in all or one token-like code, not a count or a date;
//! - for a seed phrase: 12 to 24 words, at least four in five of them from the BIP-39 list;
//! - for a token, secret or key: eight or more characters mixing letters with digits, symbols or
//!   inner capitals (twelve when no connector is written, as in "use token X"), and not a name
//!   made of words and numbers (`Q3-Reorg-2025`).
//!
//! A false positive costs the user a retype; a false negative costs a rotation, so the guard
//! leans towards catching. It deliberately lets through what security people paste all the
//! time and is not secret: hex digests (MD5, SHA-1, SHA-256, commit ids), UUIDs, labelled
//! digests (`sha256:`, `sha384-` integrity strings, `h1:` Go sums), `data:` URIs of any media
//! type and base64 that decodes to prose, certificates, public keys and signatures in PEM,
//! SSH public keys and fingerprints, WireGuard public keys, Bitcoin and Ethereum addresses, IPFS
//! ids, Mapbox public tokens, ad-click ids in links (`gclid`, `fbclid`...), Google Docs, Teams
//! and SharePoint links, file paths and identifiers, which are made of words.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};

/// What kind of secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A private key: PEM of any kind (RSA, EC, DSA, OpenSSH, PGP, PKCS #8, encrypted), SSH2,
    /// PuTTY or age.
    PrivateKey,
    AwsAccessKey,
    AwsSecretKey,
    GitHubToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    /// A token whose documented shape names its issuer.
    ProviderToken(Provider),
    Jwt,
    /// A URL signed to grant access by itself: S3 or GCS presigned, Azure SAS, CloudFront.
    SignedUrl,
    /// The seed of a one-time-password (2FA) generator.
    OtpSecret,
    /// HTTP Basic credentials: an `Authorization: Basic` value that decodes to
    /// `user:password`, or `curl -u user:password`.
    BasicAuth,
    /// The token of an `Authorization: Bearer` header.
    BearerToken,
    PasswordInUrl,
    GenericApiKey,
    /// A wallet's seed (recovery) phrase: 12 to 24 words of the BIP-39 English list.
    SeedPhrase,
    /// Account recovery or 2FA backup codes, or a disk-encryption recovery key (BitLocker,
    /// FileVault).
    RecoveryCode,
    /// A password, passphrase, pre-shared key, wifi key or PIN stated in prose, config or on a
    /// command line.
    Password,
    HighEntropy,
}

/// Issuers of tokens recognisable by their documented shape (prefix, length, alphabet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitLab,
    OpenAi,
    Anthropic,
    Npm,
    PyPi,
    SendGrid,
    Twilio,
    Azure,
    Discord,
    Vault,
    DigitalOcean,
    Shopify,
    Databricks,
    HuggingFace,
    Square,
    Mailgun,
    Atlassian,
    Postman,
    Grafana,
    Sentry,
    Linear,
    Doppler,
    Terraform,
    Mailchimp,
    Telegram,
    Figma,
    Pulumi,
    Supabase,
    Notion,
    NewRelic,
    Dynatrace,
    Airtable,
    Mapbox,
    Google,
    DockerHub,
    Tailscale,
    Buildkite,
    Alibaba,
    RubyGems,
    NuGet,
    PlanetScale,
    Heroku,
    Facebook,
    Sourcegraph,
    Fly,
    Netlify,
    Groq,
    XAi,
    Replicate,
    Perplexity,
    Dropbox,
    JFrog,
    Cloudflare,
    Okta,
    Contentful,
    Plaid,
    Shippo,
    Flutterwave,
    Twitter,
    Firebase,
}

impl Provider {
    /// A short noun phrase with its article, for messages to the user.
    pub fn describe(self) -> &'static str {
        match self {
            Self::GitLab => "a GitLab token",
            Self::OpenAi => "an OpenAI API key",
            Self::Anthropic => "an Anthropic API key",
            Self::Npm => "an npm token",
            Self::PyPi => "a PyPI token",
            Self::SendGrid => "a SendGrid API key",
            Self::Twilio => "a Twilio API key",
            Self::Azure => "an Azure key or client secret",
            Self::Discord => "a Discord bot token",
            Self::Vault => "a HashiCorp Vault token",
            Self::DigitalOcean => "a DigitalOcean token",
            Self::Shopify => "a Shopify token",
            Self::Databricks => "a Databricks token",
            Self::HuggingFace => "a Hugging Face token",
            Self::Square => "a Square token",
            Self::Mailgun => "a Mailgun API key",
            Self::Atlassian => "an Atlassian API token",
            Self::Postman => "a Postman API key",
            Self::Grafana => "a Grafana token",
            Self::Sentry => "a Sentry token",
            Self::Linear => "a Linear API key",
            Self::Doppler => "a Doppler token",
            Self::Terraform => "a Terraform Cloud token",
            Self::Mailchimp => "a Mailchimp API key",
            Self::Telegram => "a Telegram bot token",
            Self::Figma => "a Figma token",
            Self::Pulumi => "a Pulumi token",
            Self::Supabase => "a Supabase key",
            Self::Notion => "a Notion token",
            Self::NewRelic => "a New Relic key",
            Self::Dynatrace => "a Dynatrace token",
            Self::Airtable => "an Airtable token",
            Self::Mapbox => "a Mapbox secret token",
            Self::Google => "a Google OAuth secret or token",
            Self::DockerHub => "a Docker Hub token",
            Self::Tailscale => "a Tailscale key",
            Self::Buildkite => "a Buildkite token",
            Self::Alibaba => "an Alibaba Cloud access key",
            Self::RubyGems => "a RubyGems API key",
            Self::NuGet => "a NuGet API key",
            Self::PlanetScale => "a PlanetScale token",
            Self::Heroku => "a Heroku token",
            Self::Facebook => "a Facebook access token",
            Self::Sourcegraph => "a Sourcegraph token",
            Self::Fly => "a Fly.io token",
            Self::Netlify => "a Netlify token",
            Self::Groq => "a Groq API key",
            Self::XAi => "an xAI API key",
            Self::Replicate => "a Replicate token",
            Self::Perplexity => "a Perplexity API key",
            Self::Dropbox => "a Dropbox token",
            Self::JFrog => "a JFrog token",
            Self::Cloudflare => "a Cloudflare key",
            Self::Okta => "an Okta API token",
            Self::Contentful => "a Contentful token",
            Self::Plaid => "a Plaid access token",
            Self::Shippo => "a Shippo token",
            Self::Flutterwave => "a Flutterwave secret key",
            Self::Twitter => "an X/Twitter bearer token",
            Self::Firebase => "a Firebase server key",
        }
    }
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
            Self::ProviderToken(provider) => provider.describe(),
            Self::Jwt => "a JSON Web Token",
            Self::SignedUrl => "a signed URL that grants access",
            Self::OtpSecret => "a one-time-password seed for 2FA",
            Self::BasicAuth => "a user name and password for HTTP Basic authentication",
            Self::BearerToken => "a bearer token",
            Self::PasswordInUrl => "a password inside a URL",
            Self::GenericApiKey => "an API key, token or password",
            Self::SeedPhrase => "a wallet seed phrase",
            Self::RecoveryCode => "a recovery key or backup codes",
            Self::Password => "a password",
            Self::HighEntropy => "a long random-looking string",
        }
    }

    /// Lower is more specific. Provider formats come before the AWS secret key, whose
    /// detection rests on nearby words: a JWT segment next to the word "secret" must still be
    /// reported as the JWT it is part of. Among provider formats, the one listed first in
    /// [`SHAPES`] wins (an Anthropic key also has the shape of an OpenAI one).
    fn rank(self) -> u8 {
        match self {
            Self::PrivateKey => 0,
            Self::AwsAccessKey => 1,
            Self::GitHubToken => 2,
            Self::SlackToken => 3,
            Self::StripeKey => 4,
            Self::GoogleApiKey => 5,
            Self::ProviderToken(_) => 6,
            Self::Jwt => 7,
            Self::AwsSecretKey => 8,
            Self::SignedUrl => 9,
            Self::OtpSecret => 10,
            Self::BasicAuth => 11,
            Self::BearerToken => 12,
            Self::PasswordInUrl => 13,
            Self::SeedPhrase => 14,
            Self::RecoveryCode => 15,
            Self::GenericApiKey => 16,
            Self::Password => 17,
            Self::HighEntropy => 18,
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

/// Compiles a constant pattern. Every `\b` is made an ASCII word boundary, `(?-u:\b)`: secrets
/// are ASCII, and text in scripts written without spaces ("密钥是AKIA...") must not hide them.
fn re(pattern: &str) -> Regex {
    Regex::new(&ascii_boundaries(pattern)).expect("secret patterns are constant and valid")
}

fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// What a provider-shaped match must also show to count.
#[derive(Clone, Copy)]
enum Check {
    /// Nothing more (private keys: their header says it all).
    None,
    /// Some randomness: `ghp_xxxx...` in documentation has the shape but not the entropy.
    Entropy,
    /// Randomness and a digit, for short or word-like prefixes (`sk-`, `key-`, `dapi`).
    Digit,
    /// As random as [`SecretKind::HighEntropy`] asks, for shapes that dotted identifiers share.
    Random,
}

impl Check {
    fn passes(self, token: &str) -> bool {
        match self {
            Self::None => true,
            Self::Entropy => shannon_entropy(token) >= MIN_SHAPE_ENTROPY,
            Self::Digit => {
                shannon_entropy(token) >= MIN_SHAPE_ENTROPY
                    && token.bytes().any(|b| b.is_ascii_digit())
            }
            Self::Random => random_enough(token),
        }
    }
}

/// Formats recognisable by shape alone: kind, check, pattern. When a pattern has a capture
/// group, the group is the secret and the rest of the match is context that is not reported.
const SHAPES: &[(SecretKind, Check, &str)] = {
    use Check::*;
    use Provider::*;
    use SecretKind::*;
    &[
        (
            PrivateKey,
            None,
            concat!(
                r"(?s)-{4,5} ?BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)? ?-{4,5}",
                r"(?:.*?-{4,5} ?END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)? ?-{4,5}",
                // No end line: the key was cut off; take the base64 lines and headers that follow.
                r"|(?:\s+(?:[A-Za-z0-9+/=]{16,}|(?:Proc-Type|DEK-Info|Comment|Version):[^\r\n]*))*)",
            ),
        ),
        (
            PrivateKey,
            None,
            r"(?s)PuTTY-User-Key-File-[0-9]+:.*?(?:Private-MAC: *[0-9a-fA-F]+|\z)",
        ),
        (
            PrivateKey,
            None,
            r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        ),
        (
            AwsAccessKey,
            Entropy,
            concat!(
                r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)",
                r"[A-Z0-9]{16}\b",
            ),
        ),
        (
            GitHubToken,
            Entropy,
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b",
        ),
        // Real tokens have numeric ids right after the prefix, "xoxb-your-token" has not.
        (
            SlackToken,
            Entropy,
            concat!(
                r"\b(?:xox[abcdeoprs]-[0-9]+-[A-Za-z0-9-]{8,}|xapp-[0-9]+-[A-Za-z0-9-]{8,}",
                r"|https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})",
            ),
        ),
        // Publishable keys (pk_) are public by design.
        (
            StripeKey,
            Entropy,
            r"\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})\b",
        ),
        // `\b` cannot close this one: the key may end with '-', so the next character is checked.
        (
            GoogleApiKey,
            Entropy,
            r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        ),
        (
            ProviderToken(GitLab),
            Entropy,
            concat!(
                r"\b(?:(?:glpat|gldt|glrt|glrtr|glptt|glft|glimt|glagent|gloas|glcbt|glsoat|glffct",
                r"|glwt)-[0-9A-Za-z_-]{20,}(?:\.[0-9A-Za-z_-]+){0,2}|GR1348941[0-9A-Za-z_-]{20,})",
            ),
        ),
        (
            ProviderToken(Anthropic),
            Entropy,
            r"\bsk-ant-[a-z]+[0-9]*-[A-Za-z0-9_-]{20,}",
        ),
        (
            ProviderToken(OpenAi),
            Digit,
            r"\bsk-(?:proj-|svcacct-|admin-|None-|or-v1-)?[A-Za-z0-9_-]{20,}",
        ),
        (ProviderToken(Npm), Entropy, r"\bnpm_[A-Za-z0-9]{30,}\b"),
        (
            ProviderToken(PyPi),
            Entropy,
            r"\bpypi-AgE[A-Za-z0-9_-]{50,}",
        ),
        (
            ProviderToken(SendGrid),
            Entropy,
            r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}",
        ),
        (ProviderToken(Twilio), Digit, r"\bSK[0-9a-fA-F]{32}\b"),
        (
            ProviderToken(Azure),
            Entropy,
            r"(?i:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{30,}={0,2})",
        ),
        // Entra ID (Azure AD) client secrets: three characters, a digit, "Q~", then 31 to 34.
        (
            ProviderToken(Azure),
            Entropy,
            r"\b[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}",
        ),
        // The user id in base64, a timestamp, an HMAC: dotted identifiers share the shape.
        (
            ProviderToken(Discord),
            Random,
            r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40}",
        ),
        (
            ProviderToken(Vault),
            Entropy,
            r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}",
        ),
        (
            ProviderToken(DigitalOcean),
            Entropy,
            r"\bdo[opr]_v1_[a-f0-9]{40,}",
        ),
        (
            ProviderToken(Shopify),
            Entropy,
            r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b",
        ),
        (
            ProviderToken(Databricks),
            Digit,
            r"\bdapi[a-f0-9]{32}(?:-[0-9]+)?\b",
        ),
        (
            ProviderToken(HuggingFace),
            Entropy,
            r"\b(?:hf_|api_org_)[A-Za-z0-9]{30,}\b",
        ),
        (
            ProviderToken(Square),
            Entropy,
            r"\b(?:sq0atp-[A-Za-z0-9_-]{22,}|sq0csp-[A-Za-z0-9_-]{40,})",
        ),
        (
            ProviderToken(Square),
            Digit,
            r"\b(EAAA[A-Za-z0-9_-]{60})(?:[^A-Za-z0-9_-]|$)",
        ),
        (
            ProviderToken(Mailgun),
            Digit,
            r"\b(?:key-[0-9a-z]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\b",
        ),
        (
            ProviderToken(Atlassian),
            Entropy,
            r"\b(?:ATATT3|ATCTT3|ATBB)[A-Za-z0-9_=.-]{30,}",
        ),
        (
            ProviderToken(Postman),
            Entropy,
            r"\bPMAK-[0-9a-f]{24}-[0-9a-f]{34}\b",
        ),
        (
            ProviderToken(Grafana),
            Entropy,
            r"\b(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})",
        ),
        (
            ProviderToken(Sentry),
            Entropy,
            r"\b(?:sntrys_eyJ[A-Za-z0-9_=+/-]{30,}|sntryu_[0-9a-f]{64})",
        ),
        (
            ProviderToken(Linear),
            Entropy,
            r"\blin_(?:api|oauth)_[A-Za-z0-9]{40,}",
        ),
        (
            ProviderToken(Doppler),
            Entropy,
            r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_-]{1,20}\.)?[A-Za-z0-9]{40,44}\b",
        ),
        (
            ProviderToken(Terraform),
            Entropy,
            r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
        ),
        (
            ProviderToken(Mailchimp),
            Entropy,
            r"\b[0-9a-f]{32}-us[0-9]{1,2}\b",
        ),
        (
            ProviderToken(Telegram),
            Entropy,
            r"\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}",
        ),
        (
            ProviderToken(Figma),
            Entropy,
            r"\bfig[dou]_[A-Za-z0-9_-]{40,}",
        ),
        (ProviderToken(Pulumi), Entropy, r"\bpul-[0-9a-f]{40}\b"),
        (
            ProviderToken(Supabase),
            Entropy,
            r"\b(?:sbp_[0-9a-f]{40}|sb_secret_[A-Za-z0-9_-]{20,})",
        ),
        (
            ProviderToken(Notion),
            Entropy,
            r"\b(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b",
        ),
        (
            ProviderToken(NewRelic),
            Entropy,
            r"\bNR(?:AK|AA|II)-[A-Z0-9]{27}\b",
        ),
        (
            ProviderToken(Dynatrace),
            Entropy,
            r"\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b",
        ),
        (
            ProviderToken(Airtable),
            Entropy,
            r"\bpat[A-Za-z0-9]{14}\.[0-9a-f]{64}\b",
        ),
        (
            ProviderToken(Mapbox),
            Entropy,
            r"\bsk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}",
        ),
        (
            ProviderToken(Google),
            Entropy,
            r"\b(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{30,}|1//0[A-Za-z0-9_-]{40,})",
        ),
        (
            ProviderToken(DockerHub),
            Entropy,
            r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}",
        ),
        (
            ProviderToken(Tailscale),
            Entropy,
            r"\btskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}",
        ),
        (ProviderToken(Buildkite), Entropy, r"\bbkua_[0-9a-f]{40}\b"),
        (ProviderToken(Alibaba), Digit, r"\bLTAI[A-Za-z0-9]{12,20}\b"),
        (
            ProviderToken(RubyGems),
            Entropy,
            r"\brubygems_[0-9a-f]{48}\b",
        ),
        (ProviderToken(NuGet), Digit, r"\boy2[a-z0-9]{43}\b"),
        (
            ProviderToken(PlanetScale),
            Entropy,
            r"\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,}",
        ),
        (ProviderToken(Heroku), Entropy, r"\bHRKU-[A-Za-z0-9_-]{40,}"),
        (ProviderToken(Facebook), Digit, r"\bEAA[A-Za-z0-9]{90,}"),
        (
            ProviderToken(Sourcegraph),
            Entropy,
            r"\bsgp_(?:[0-9a-f]{16}_)?[0-9a-f]{40}\b",
        ),
        (
            ProviderToken(Fly),
            Entropy,
            r"\b(?:fo1_[A-Za-z0-9_-]{43}|fm[12]_[A-Za-z0-9+/=_-]{40,})",
        ),
        (ProviderToken(Netlify), Entropy, r"\bnfp_[A-Za-z0-9]{36}\b"),
        (ProviderToken(Groq), Entropy, r"\bgsk_[A-Za-z0-9]{48,}\b"),
        (ProviderToken(XAi), Entropy, r"\bxai-[A-Za-z0-9]{60,}\b"),
        (ProviderToken(Replicate), Entropy, r"\br8_[A-Za-z0-9]{37}\b"),
        (
            ProviderToken(Perplexity),
            Entropy,
            r"\bpplx-[A-Za-z0-9]{40,}\b",
        ),
        (
            ProviderToken(Dropbox),
            Entropy,
            r"\bsl\.(?:u\.)?[A-Za-z0-9_-]{100,}",
        ),
        (
            ProviderToken(JFrog),
            Entropy,
            r"\b(?:AKCp[A-Za-z0-9]{60,}|cmVmdGtuOjAxOj[A-Za-z0-9]{40,})",
        ),
        (
            ProviderToken(Cloudflare),
            Entropy,
            r"\bv1\.0-[0-9a-f]{24}-[0-9a-f]{146}\b",
        ),
        (
            ProviderToken(Okta),
            Entropy,
            r"\bSSWS[ \t]+([A-Za-z0-9_-]{40,})",
        ),
        (
            ProviderToken(Contentful),
            Entropy,
            r"\bCFPAT-[A-Za-z0-9_-]{43}",
        ),
        (
            ProviderToken(Plaid),
            Entropy,
            concat!(
                r"\baccess-(?:sandbox|development|production)-",
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            ),
        ),
        (
            ProviderToken(Shippo),
            Entropy,
            r"\bshippo_(?:live|test)_[0-9a-f]{40}\b",
        ),
        (
            ProviderToken(Flutterwave),
            Entropy,
            r"\bFLWSECK(?:_TEST)?-[0-9a-f]{32}-X\b",
        ),
        (ProviderToken(Twitter), Entropy, r"\bA{22}[A-Za-z0-9%]{60,}"),
        (
            ProviderToken(Firebase),
            Entropy,
            r"\bAAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,}",
        ),
        (
            Jwt,
            Entropy,
            r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
        ),
    ]
};

/// [`SHAPES`] compiled, with a set that finds in one pass which of them occur at all.
struct Shapes {
    any: RegexSet,
    each: Vec<Regex>,
}

static COMPILED_SHAPES: LazyLock<Shapes> = LazyLock::new(|| {
    let patterns: Vec<String> = SHAPES.iter().map(|(_, _, p)| ascii_boundaries(p)).collect();
    Shapes {
        any: RegexSet::new(&patterns).expect("secret patterns are constant and valid"),
        each: patterns
            .iter()
            .map(|p| Regex::new(p).expect("secret patterns are constant and valid"))
            .collect(),
    }
});

/// A 40-character run is an AWS secret key candidate; it counts with "aws" or "secret" nearby,
/// which covers `aws_secret_access_key = ...`, `"SecretAccessKey": "..."` and prose.
static BASE64_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9+/]+"));
static AWS_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(?:^|[^a-z])(?:aws|secret)"));

/// scheme://user:password@host; the user may be empty (`redis://:pw@host`). The password
/// may hold '#' or '?', which people forget to percent-encode, but not '/': a port number
/// followed by a path is not a password.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:([^\s/@]*)@[^\s/?#@]"));

/// `name = value`, `name: value`, `"name": "value"`, `name := value`, `name => value`, where
/// the name ends with a credential word: `token_url` or `password_policy` name something else.
/// Group 1 is the separator; the value is group 2 or 3 when quoted, else group 4.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b[a-z0-9_.-]*?(?:(?:api|access|account)[_-]?key|apikey|token|password|passwd",
        r"|pwd|secret(?:[_-]?(?:key(?:[_-]?base)?|id))?|authorization|credentials?)",
        r#"["']?[ \t]*(:=|=>|=|:)[ \t]*(?:(?:bearer|basic|token)[ \t]+)?"#,
        r#"(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s"'`,;]+))"#,
    ))
});

/// Values people write instead of a secret: empty, masked, templated or named.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| re(PLACEHOLDER_PATTERN));
const PLACEHOLDER_PATTERN: &str = r"(?xi)
        ^$
        | ^(?:<.+>|\[.+\]|\{.+\}|%.+%|\(.+\))$               # <password>, [REDACTED], %VAR%
        | ^\$[A-Za-z0-9_]+$ | \$\{ | \{\{                    # $VAR, ${VAR}, {{ var }}
        | ^[*x.•…\#]+$ | x{6} | [*•]{3}                     # ***, xxxx, ghp_xxxxxxxx
        | (?-i:^[A-Z_]+$)                                    # PASSWORD, DB_PASSWORD
        | ^(?:password|passwd|pass|pwd|secret|token|none|null|hidden)$
        | your | redacted | placeholder | example | change_?me | replace | dummy | <
    ";

/// Values that point at a secret rather than being one: URLs (judged by `url_passwords`),
/// paths, and code such as `os.getenv(...)` or `process.env.DB_PASSWORD`. A dotted chain counts
/// only from a lower-case identifier, so that a password like `Summer.Vacation` is caught.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| re(REFERENCE_PATTERN));
const REFERENCE_PATTERN: &str =
    r"://|^(?:/|~|\./)|\(|^[a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$";

/// More pointers, for stated values: an indexed or called expression (`os.environ["X"]`), YAML
/// tags and encrypted blobs (`!vault`, `!Ref`, `ENC[...]`), secret-store references
/// (`arn:...`, `vault:...`, `op://...`), Windows paths, e-mail addresses, command-line flags,
/// and `name=value` pairs (the next setting, not a value).
const POINTER_PATTERN: &str = concat!(
    r"^(?:!|-|ENC\[|[A-Za-z]:\\)",
    r"|^(?i:arn|vault|op|awssm|gcpsm|azkv|sops|kms|ssm|env|file|secret|ref|k8s|keychain):",
    r"|^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*[\[(]",
    r"|^[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
    r"|^[A-Za-z_][A-Za-z0-9_.-]*=[^=]",
);

/// Placeholders, references and pointers in one set, searched in one pass.
static NOT_A_VALUE: LazyLock<RegexSet> = LazyLock::new(|| {
    let patterns = [PLACEHOLDER_PATTERN, REFERENCE_PATTERN, POINTER_PATTERN];
    RegexSet::new(patterns.map(ascii_boundaries)).expect("secret patterns are constant and valid")
});

/// Not credential-like whatever the characters: made of words, however joined
/// (`rotation-first`, `Keep-Calm-And-Carry-On`, `accessToken`, `token_cache`: such a value names
/// something, and is a secret only as a password, see [`password_value`]); versions, host names
/// and dates, which have digits and dots.
static NOT_CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^[A-Za-z][a-z]*(?:[-_.'’]?[A-Z]?[a-z]+)*$|",
        r"^v?[0-9]+(?:\.[0-9]+)+(?:[-+][0-9A-Za-z.]+)?$",
        r"|^[a-z0-9-]+(?:\.[a-z0-9-]+)+$",
        r"|^[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ))
});

/// A credential noun, by family (the named group that matches). The `pwd` family takes any
/// prefix (`PGPASSWORD`, `MYSQL_PWD`, `--http-password`); the others need a separator before
/// the noun, so that "bypass" or "compass" are not read as "pass". Pre-shared keys, recovery
/// codes and seed phrases come before `secret`, which would otherwise take "shared secret",
/// "recovery codes" and "secret recovery phrase".
const NOUN: &str = concat!(
    r"(?P<pwd>[a-z0-9_.-]*?(?:password|passwd|pwd)s?\b",
    r"|\b(?:[a-z0-9]+[_.-])*(?:pass[ ]?phrase|passcode)s?\b)",
    r"|(?P<short>\b(?:[a-z0-9]+[_.-])*(?:pw|pass)\b)",
    r"|(?P<pin>\b(?:pin(?:[ ]code)?|(?:door|gate|alarm|safe|lock|entry|garage)[ ]code",
    r"|combination)\b)",
    r"|(?P<otp>\b(?:totp|otp|2fa|mfa|authenticator)[ _-]?(?:secret|seed|key)s?\b)",
    r"|(?P<creds>\b(?:creds|credentials|login|logon)\b)",
    r"|(?P<psk>\b(?:[a-z0-9]+[_.-])*(?:(?:pre[ -]?)?shared[ _-]?(?:secret|key)|psk",
    r"|(?:wi-?fi|wpa[23]?|wlan|wireless|network|ipsec|ike)[ _-]?(?:key|psk))s?\b)",
    r"|(?P<codes>\b(?:(?:otp|totp|2fa|mfa|sms|authenticator)[ _-]?)?(?:recovery|backup|scratch",
    r"|emergency|rescue)[ _-]?codes?\b)",
    r"|(?P<seed>\b(?:(?:secret|wallet|seed|backup)[ _-]?)?(?:recovery|seed|mnemonic|backup|wallet)",
    r"[ _-]?(?:phrase|words)\b|\bmnemonic(?:[ _-]?(?:phrase|seed|words|code))?s?\b|\bseeds?\b)",
    r"|(?P<secret>\b(?:[a-z0-9]+[_.-])*(?:(?:api|access|auth|bearer|refresh|session|bot|app",
    r"|deploy|client|signing|webhook|encryption|master|private|license|licence|recovery|backup",
    r"|personal[ ]access|secret)[ _-]?(?:token|key|secret|code)s?|apikey|tokens?|secrets?)\b)",
    r"|(?P<foreign>mot[ ]de[ ]passe|passwort|kennwort|contraseña|contrasena|senha|wachtwoord",
    r"|lösenord|losenord|salasana|hasło|haslo|heslo|jelszó|пароль|密码|密碼|パスワード|비밀번호)",
);

/// Between the user and the password of a pair written with spaces: "admin / hunter2".
static SPACED_PAIR: LazyLock<Regex> = LazyLock::new(|| re(r"^[ \t]+[/:|][ \t]+"));

/// Words that open a qualifier ("for the vpn", "für den Drucker", "pour le wifi").
const PREPOSITIONS: &str =
    "for|to|on|of|at|in|für|fur|zum|zur|von|pour|du|de|del|para|voor|van|för|dla|для";

/// A word of a qualifier ("for the vpn", "on db01.prod"): no sentence punctuation, dots only
/// inside.
const CLAUSE_WORD: &str = r#"[^\s.,;!?:=()"'“”]+(?:\.[^\s.,;!?:=()"'“”]+)*"#;

/// "is", "was", "is still", "was changed to", "'s", in English and a few other languages.
const IS: &str = concat!(
    r"(?:(?:[ \t]+(?:is|was|are|were|will[ \t]+be|has[ \t]+been|had[ \t]+been|became|remains",
    r"|(?:set|changed|reset|updated|rotated|switched)[ \t]+to|ist|est|es|é|är|jest|je|era|war)",
    r"|['’]s)(?:[ \t]+(?:now|still|just|literally|simply|currently|actually|always|again|also",
    r"|probably|basically|really|apparently|temporarily|officially|technically|set[ \t]+to",
    r"|changed[ \t]+to|reset[ \t]+to|updated[ \t]+to))*(?:[ \t]*:)?[ \t]+",
    r"|[ \t]*(?:是|为|は|는|은)[ \t]*)",
);

/// Noun, optional qualifier, then `:`/`=`-like (group `assign`) or "is"-like connector.
static STATED: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        concat!(
            r"(?i)(?:{noun})(?P<clause>[ \t]+(?:{prepositions})(?:[ \t]+{word}){{1,5}}?)?",
            // An aside: "the password, btw, is ...", "the password (for the lab) is ...".
            r"(?:[ \t]*,[ \t]*[^\s,.;:!?]+(?:[ \t]+[^\s,.;:!?]+){{0,3}}[ \t]*,",
            r"|[ \t]*\([^()\n]{{1,40}}\))?",
            r#"(?:(?P<assign>["']?[ \t]*(?::=|=>|->|→|=|:|：)[ \t]*|[ \t]+[-–—][ \t]+|>)|{is})"#,
        ),
        noun = NOUN,
        prepositions = PREPOSITIONS,
        word = CLAUSE_WORD,
        is = IS,
    ))
});

/// Noun then only a space or " to ": "pwd Xk9mP2vL", "set the password to ...".
static WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:{NOUN})(?:(?P<to>[ \t]+to[ \t]+)|[ \t]+|(?P<line>[ \t]*:?[ \t]*\r?\n))"
    ))
});

/// A setting whose name is given apart from its value: `<add key="DbPassword" value="..."/>`,
/// or a Kubernetes or Compose `- name: DB_PASSWORD` with `value: ...` on the next line. Group
/// `pw` tells a password from a token or key.
static NAMED_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"(?i)\b(?:key|name)["']?[ \t]*[=:][ \t]*["']?[a-z0-9_.-]*?(?:(?P<pw>password|passwd|pwd"#,
        r#"|passphrase)|secret|token|api[_-]?key|apikey|access[_-]?key)["']?[ \t]*,?\s{0,40}?"#,
        r#"\bvalue["']?[ \t]*[=:][ \t]*"#,
    ))
});

/// "X is my password", "use X as the password", "I'm using X as my password".
static REVERSED: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"(?i)(?:^|[\s(\["'“])([^\s()\["'“”]{4,64})["'”]?"#,
        r"[ \t]+(?:is|was|will[ \t]+be|has[ \t]+been)",
        r"[ \t]+(?:the|my|our|your|his|her|their|a|an)[ \t]+(?:[a-z0-9-]+[ \t]+){0,2}?",
        r"(?:password|passphrase|passcode|pw)s?\b",
        r"|\b(?:use|uses|using|used|set|chose|choose|picked|pick|went[ \t]+with)[ \t]+",
        r#"["'“]?([^\s"'”]{4,64})["'”]?[ \t]+as[ \t]+"#,
        r"(?:(?:the|a|an|my|our|your|his|her|their)[ \t]+)?",
        r"(?:[a-z0-9-]+[ \t]+){0,2}?(?:password|passphrase|passcode|pw)s?\b",
    ))
});

/// Passwords on command lines; each alternative has one group, the value (maybe quoted).
static COMMAND_LINE: LazyLock<Regex> = LazyLock::new(|| {
    const V: &str = r#"('[^'\n]+'|"[^"\n]+"|[^\s'"-][^\s'"]*)"#;
    re(&[
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?[ \t]-p",
        V,
        r"|\bsshpass[ \t]+-p[ \t]*",
        V,
        r"|\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane|regctl)\b[^\n]*?\blogin\b",
        r"[^\n]*?[ \t]-p[ \t]+",
        V,
        r"|\bredis-cli\b[^\n]*?[ \t]-a[ \t]+",
        V,
        r"|\bldap[a-z]*\b[^\n]*?[ \t]-w[ \t]+",
        V,
        r"|[ \t]-(?:passin|passout)[ \t]+pass:",
        V,
        r"|[ \t]-(?:store|key|src|dest|srcstore|deststore)pass[ \t]+",
        V,
        r"|\bsmbclient\b[^\n]*?[ \t]-U[ \t]*[^\s%]+%",
        V,
        r"|\bnet[ \t]+use\b[^\n]*?/user:\S+[ \t]+",
        V,
    ]
    .concat())
});

/// `Basic <base64>`; it counts when it decodes to `user:password`.
static BASIC: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bbasic[ \t]+([A-Za-z0-9+/]{6,}={0,2})(?:[^A-Za-z0-9+/=]|$)"));

/// `curl -u user:password`, `wget --user=...`, `http -a user:password`.
static CURL_USER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"\b(?:curl|wget|http|https)\b[^\n]*?[ \t](?:-u|--user|-a|--auth)(?:[ \t]+|=)["']?"#,
        r#"([^\s:"']+):([^\s"']+)"#,
    ))
});

static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/-]+=*)"));

/// The signature of a presigned or SAS URL.
static SIGNED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)[?&](?:X-Amz-Signature|X-Goog-Signature|sig|Signature)=([A-Za-z0-9%+/=_-]{16,})")
});

static OTP_URI: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)otpauth://[^\s?]*\?(?:[^\s#]*?&)?secret=([A-Za-z2-7]{16,}=*)"));

/// A base32 seed, whole or shown in groups of four.
static OTP_VALUE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[A-Za-z2-7]{16,}=*|[A-Za-z2-7]{4}(?: [A-Za-z2-7]{4}){3,})"));

/// One recovery or backup code: letters and digits, maybe in groups joined by `-`
/// ("8472-1938", "4f8a1-9c2e7").
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9]{3,12}(?:-[A-Za-z0-9]{3,12})*"));
/// Between two codes of a list: spaces, a comma, line breaks, a bullet or a number ("2.").
static CODE_GAP: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[ \t]*[,;]?\s*(?:(?:[-*•]|[0-9]{1,2}[.)])[ \t]+)?"));

/// A BitLocker recovery key: eight groups of six digits, a shape nothing else has.
static BITLOCKER: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9]{6}(?:-[0-9]{6}){7}\b"));
/// A FileVault recovery key: six groups of four capitals and digits. Order and licence numbers
/// can have that shape, so it counts only near the words "FileVault" or "recovery".
static FILEVAULT: LazyLock<Regex> = LazyLock::new(|| re(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){5}\b"));
static RECOVERY_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:^|[^a-z])(?:file[ ]?vault|recovery)"));

/// Words, for seed phrases; and what may separate two words of one: spaces, a comma, line
/// breaks and a number ("7.").
static LETTERS: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z]+"));
static SEED_GAP: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[ \t]*,)?\s*(?:[0-9]{1,2}[.):]?[ \t]+)?$"));

/// Candidate tokens for the entropy test; '=' only as trailing base64 padding, so that
/// `api_key=VALUE` yields the value alone.
static TOKEN_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9+/_\-]+=*"));
static URL: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+"));
/// Pieces of words and numbers: "Security", "ssh", "2024".
static WORDISH: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Z]?[a-z]{3,}|[0-9]{4,}"));

/// Random-looking but not secret; the shape-less detectors (long random strings, AWS secret
/// keys) do not look inside these. PEM blocks (group 1 is the label) count unless private:
/// certificates, public keys, signatures; a block cannot run into the next one. Then SSH public
/// keys, labelled digests (SSH fingerprints `SHA256:...`, integrity `sha384-...`, Go sums
/// `h1:...`), Stripe publishable keys and Mapbox public tokens (made to be embedded in web
/// pages), links to documents whose ids look random (Google Docs and Drive, Teams,
/// SharePoint, OneDrive), `data:` URIs of any media type, ad-click ids in links, public keys
/// assigned by name (WireGuard `PublicKey = ...`), Bitcoin and Ethereum addresses, IPFS ids,
/// AWS ARNs (which name a secret rather than hold it), identifiers in links (`?versionId=`,
/// `?id=`), signatures and digests (base64 DER, `signature: ...`, `digest: ...`, `etag: ...`),
/// which prove something but open nothing, and files in base64 without a `data:` prefix
/// (recognised by their magic bytes).
static HARMLESS: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?s)-----BEGIN ([A-Z0-9 ]+)-----(?:[^-]|-[^-])*?-----END [A-Z0-9 ]+-----",
        r"|\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9-]+@openssh\.com)",
        r"[ \t]+AAAA[A-Za-z0-9+/]+=*",
        r"|(?i:\b(?:sha(?:1|224|256|384|512)|md5|h1)[:-][A-Za-z0-9+/]+=*)",
        r"|\bpk_(?:live|test)_[A-Za-z0-9]+|\bpk\.eyJ[A-Za-z0-9_.-]+",
        r"|https://(?:(?:docs|drive|forms)\.google\.com|teams\.microsoft\.com|forms\.office\.com",
        r"|[a-z0-9-]+\.sharepoint\.com|1drv\.ms|onedrive\.live\.com)/\S*",
        r"|(?i:\bdata:[a-z0-9.+-]*(?:/[a-z0-9.+-]+)?(?:;[a-z0-9.+-]+(?:=[^;,\s]*)?)*,)",
        r"[A-Za-z0-9+/=%._~-]*",
        r"|[?&](?:gclid|gbraid|wbraid|fbclid|msclkid|dclid|yclid|ttclid|twclid|mc_eid|_hsenc",
        r"|_hsmi|mkt_tok|igshid|li_fat_id|sxsrf|ved|ei|usg)=[^&\s#]*",
        r#"|(?i:\bpub(?:lic)?[ _-]?key)["']?[ \t]*[:=][ \t]*["']?[A-Za-z0-9+/=_-]+"#,
        r"|\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b|\bQm[1-9A-HJ-NP-Za-km-z]{44}\b",
        r"|\b0x[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?\b",
        r"|\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:\S+",
        r"|(?i:[?&](?:[a-z0-9_.-]*(?:version|upload|request|trace|object|file|doc|item|page|video",
        r"|message|thread|event|correlation|client|app|tenant|user|account|project)[_-]?)?id=)",
        r"[^&\s#]*",
        r"|\bME[QUY]CI[A-Za-z0-9+/]{60,}={0,2}",
        r"|(?i:\b(?:signature|digest|hash|checksum|fingerprint|etag|integrity|content-md5)",
        r#"["']?[ \t]*[:=][ \t]*["']?)[A-Za-z0-9+/=_-]+"#,
        // Files in base64 begin with their format's magic bytes: PNG, JPEG, GIF, PDF, ZIP (and
        // Office documents), WOFF, SVG and XML, WebP.
        r"|(?:iVBORw0KGgo|/9j/4|R0lGODlh|R0lGODdh|JVBERi0|UEsDB|d09GMg|d09GRg|PHN2Zy|PD94bWw",
        r"|UklGR)[A-Za-z0-9+/=]*",
    ))
});

/// Words that follow "password is" or "password:" when people talk about a password rather
/// than give it (compared in lower case).
const NOT_VALUES: &str = concat!(
    "a an the this that these those it its in on at to of for from by with without into ",
    "onto inside under over via per as like than then and or but nor so yet if not no ",
    "never none nothing null nil empty blank unset missing same different here there ",
    "where what which who whom whose whatever something anything everything someone ",
    "anyone somewhere elsewhere everywhere mine yours ours theirs his hers my your our ",
    "their me you we they he she i also only just still now too very quite rather pretty ",
    "really already always usually often sometimes rarely again even simply e.g. i.e. etc ",
    "etc. yes true false off auto n/a na tbd tba idem unknown below above attached ",
    "enclosed weak strong wrong right correct incorrect invalid valid good bad fine ok ",
    "okay great terrible awful horrible long short old new easy hard simple complex ",
    "secure insecure safe unsafe secret public private known common random unique ",
    "temporary default mandatory optional needed necessary important stale guessable ",
    "crackable visible obvious trivial identical similar due overdue pending done enough ",
    "sufficient insufficient set sent broken gone lost forgotten impossible ready ",
    "available dead personal critical first last next previous current original fake real ",
    "same-as-before mixed plain plaintext cleartext policy policies rules rule ",
    "requirements requirement field prompt manager managers hint length strength ",
    "complexity reuse rotation expiry expiration history hash reset change vault keychain ",
    "keyring sso ldap okta 1password bitwarden lastpass keepass dashlane files compat sss ",
    "nis hygiene spraying stuffing problem issue thing part word words characters chars ",
    "digits letters symbols minimum maximum key keys name please login form page screen ",
    "email mail slack teams phone paper note notes sticky wiki confluence jira ticket ",
    "drive doc docs file sheet safe team user account server system database setting ",
    "settings config env environment variable secrets token tokens mfa otp see check ask ",
    "use get find look read call contact ping request message dm enter type paste copy ",
    "send rotate update expire remove delete revoke renew share store save keep pick ",
    "choose follow generate create make need needs must should will would can could may ",
    "might is are was were be been being has have had do does did goes went works work ",
    "stays lives comes came means matters sucks rocks helps wins case one two three four ",
    "five six seven eight nine ten eleven twelve twenty several many few some all any ",
    "each every both either neither another other such own much more most less least ",
);

/// Endings of English adjectives, participles, adverbs and abstract nouns.
const WORD_ENDINGS: &str = concat!(
    "ed ing ly able ible ive ous ful less tion sion ment ness ity ant ent ical ary ory ",
    "ise ize ism ist ",
);

/// What follows a number that is a length or a count, not a PIN: "12 characters".
const UNITS: &str = concat!(
    "character characters chars char digit digits letter letters symbol symbols day days ",
    "week weeks month months year years hour hours minute minutes min mins second seconds ",
    "time times bit bits byte bytes word words attempt attempts try tries percent long ",
    "old entries accounts users people rounds iterations ",
);

/// Words that may follow the noun in "X is my password" without making it a compound noun
/// ("X is my password manager" names a product, not a password).
const AFTER_REVERSED: &str = concat!(
    "for on to of at in and but so when because if since until from now again here there ",
    "which that this lol btw ",
);

/// Grammatical words, which a passphrase written out in words does not contain and a sentence
/// about one does ("the passphrase is easy to remember").
const GRAMMAR_WORDS: &str = concat!(
    "a an the this that these those it its in on at to of for from by with without into onto ",
    "per via as than then and or but nor so yet if not no is are was were be been being am has ",
    "have had do does did will would can could should shall may might must i me my we our you ",
    "your he his she her they them their there here where when what which who whom whose how ",
    "why too very quite really already also only just still now even again enough ever never ",
    "always often usually sometimes soon later today tomorrow yesterday everywhere anywhere ",
    "somewhere nowhere each every all any some most more less many much few both either ",
    "neither such same other another see ask",
);

/// Modes, ciphers and units that name how a key is made rather than give it; see
/// [`names_a_cipher`] (digits after them are ignored: "wpa2", "sha256").
const CIPHER_WORDS: &str = concat!(
    "wpa wep wps psk sae eap tkip ccmp gcmp aes des rsa dsa ecdsa ed ecdh dh hmac sha md gcm ",
    "cbc ctr chacha poly ike ikev ipsec l tp personal enterprise bit bits byte bytes char ",
    "chars hex base",
);

/// The BIP-39 English word list (2048 words), from which wallets draw seed phrases.
const BIP39_ENGLISH: &[&str] = &[
    "abandon ability able about above absent absorb abstract absurd abuse access ",
    "accident account accuse achieve acid acoustic acquire across act action actor ",
    "actress actual adapt add addict address adjust admit adult advance advice aerobic ",
    "affair afford afraid again age agent agree ahead aim air airport aisle alarm album ",
    "alcohol alert alien all alley allow almost alone alpha already also alter always ",
    "amateur amazing among amount amused analyst anchor ancient anger angle angry animal ",
    "ankle announce annual another answer antenna antique anxiety any apart apology ",
    "appear apple approve april arch arctic area arena argue arm armed armor army around ",
    "arrange arrest arrive arrow art artefact artist artwork ask aspect assault asset ",
    "assist assume asthma athlete atom attack attend attitude attract auction audit ",
    "august aunt author auto autumn average avocado avoid awake aware away awesome awful ",
    "awkward axis baby bachelor bacon badge bag balance balcony ball bamboo banana ",
    "banner bar barely bargain barrel base basic basket battle beach bean beauty because ",
    "become beef before begin behave behind believe below belt bench benefit best betray ",
    "better between beyond bicycle bid bike bind biology bird birth bitter black blade ",
    "blame blanket blast bleak bless blind blood blossom blouse blue blur blush board ",
    "boat body boil bomb bone bonus book boost border boring borrow boss bottom bounce ",
    "box boy bracket brain brand brass brave bread breeze brick bridge brief bright ",
    "bring brisk broccoli broken bronze broom brother brown brush bubble buddy budget ",
    "buffalo build bulb bulk bullet bundle bunker burden burger burst bus business busy ",
    "butter buyer buzz cabbage cabin cable cactus cage cake call calm camera camp can ",
    "canal cancel candy cannon canoe canvas canyon capable capital captain car carbon ",
    "card cargo carpet carry cart case cash casino castle casual cat catalog catch ",
    "category cattle caught cause caution cave ceiling celery cement census century ",
    "cereal certain chair chalk champion change chaos chapter charge chase chat cheap ",
    "check cheese chef cherry chest chicken chief child chimney choice choose chronic ",
    "chuckle chunk churn cigar cinnamon circle citizen city civil claim clap clarify ",
    "claw clay clean clerk clever click client cliff climb clinic clip clock clog close ",
    "cloth cloud clown club clump cluster clutch coach coast coconut code coffee coil ",
    "coin collect color column combine come comfort comic common company concert conduct ",
    "confirm congress connect consider control convince cook cool copper copy coral core ",
    "corn correct cost cotton couch country couple course cousin cover coyote crack ",
    "cradle craft cram crane crash crater crawl crazy cream credit creek crew cricket ",
    "crime crisp critic crop cross crouch crowd crucial cruel cruise crumble crunch ",
    "crush cry crystal cube culture cup cupboard curious current curtain curve cushion ",
    "custom cute cycle dad damage damp dance danger daring dash daughter dawn day deal ",
    "debate debris decade december decide decline decorate decrease deer defense define ",
    "defy degree delay deliver demand demise denial dentist deny depart depend deposit ",
    "depth deputy derive describe desert design desk despair destroy detail detect ",
    "develop device devote diagram dial diamond diary dice diesel diet differ digital ",
    "dignity dilemma dinner dinosaur direct dirt disagree discover disease dish dismiss ",
    "disorder display distance divert divide divorce dizzy doctor document dog doll ",
    "dolphin domain donate donkey donor door dose double dove draft dragon drama drastic ",
    "draw dream dress drift drill drink drip drive drop drum dry duck dumb dune during ",
    "dust dutch duty dwarf dynamic eager eagle early earn earth easily east easy echo ",
    "ecology economy edge edit educate effort egg eight either elbow elder electric ",
    "elegant element elephant elevator elite else embark embody embrace emerge emotion ",
    "employ empower empty enable enact end endless endorse enemy energy enforce engage ",
    "engine enhance enjoy enlist enough enrich enroll ensure enter entire entry envelope ",
    "episode equal equip era erase erode erosion error erupt escape essay essence estate ",
    "eternal ethics evidence evil evoke evolve exact example excess exchange excite ",
    "exclude excuse execute exercise exhaust exhibit exile exist exit exotic expand ",
    "expect expire explain expose express extend extra eye eyebrow fabric face faculty ",
    "fade faint faith fall false fame family famous fan fancy fantasy farm fashion fat ",
    "fatal father fatigue fault favorite feature february federal fee feed feel female ",
    "fence festival fetch fever few fiber fiction field figure file film filter final ",
    "find fine finger finish fire firm first fiscal fish fit fitness fix flag flame ",
    "flash flat flavor flee flight flip float flock floor flower fluid flush fly foam ",
    "focus fog foil fold follow food foot force forest forget fork fortune forum forward ",
    "fossil foster found fox fragile frame frequent fresh friend fringe frog front frost ",
    "frown frozen fruit fuel fun funny furnace fury future gadget gain galaxy gallery ",
    "game gap garage garbage garden garlic garment gas gasp gate gather gauge gaze ",
    "general genius genre gentle genuine gesture ghost giant gift giggle ginger giraffe ",
    "girl give glad glance glare glass glide glimpse globe gloom glory glove glow glue ",
    "goat goddess gold good goose gorilla gospel gossip govern gown grab grace grain ",
    "grant grape grass gravity great green grid grief grit grocery group grow grunt ",
    "guard guess guide guilt guitar gun gym habit hair half hammer hamster hand happy ",
    "harbor hard harsh harvest hat have hawk hazard head health heart heavy hedgehog ",
    "height hello helmet help hen hero hidden high hill hint hip hire history hobby ",
    "hockey hold hole holiday hollow home honey hood hope horn horror horse hospital ",
    "host hotel hour hover hub huge human humble humor hundred hungry hunt hurdle hurry ",
    "hurt husband hybrid ice icon idea identify idle ignore ill illegal illness image ",
    "imitate immense immune impact impose improve impulse inch include income increase ",
    "index indicate indoor industry infant inflict inform inhale inherit initial inject ",
    "injury inmate inner innocent input inquiry insane insect inside inspire install ",
    "intact interest into invest invite involve iron island isolate issue item ivory ",
    "jacket jaguar jar jazz jealous jeans jelly jewel job join joke journey joy judge ",
    "juice jump jungle junior junk just kangaroo keen keep ketchup key kick kid kidney ",
    "kind kingdom kiss kit kitchen kite kitten kiwi knee knife knock know lab label ",
    "labor ladder lady lake lamp language laptop large later latin laugh laundry lava ",
    "law lawn lawsuit layer lazy leader leaf learn leave lecture left leg legal legend ",
    "leisure lemon lend length lens leopard lesson letter level liar liberty library ",
    "license life lift light like limb limit link lion liquid list little live lizard ",
    "load loan lobster local lock logic lonely long loop lottery loud lounge love loyal ",
    "lucky luggage lumber lunar lunch luxury lyrics machine mad magic magnet maid mail ",
    "main major make mammal man manage mandate mango mansion manual maple marble march ",
    "margin marine market marriage mask mass master match material math matrix matter ",
    "maximum maze meadow mean measure meat mechanic medal media melody melt member ",
    "memory mention menu mercy merge merit merry mesh message metal method middle ",
    "midnight milk million mimic mind minimum minor minute miracle mirror misery miss ",
    "mistake mix mixed mixture mobile model modify mom moment monitor monkey monster ",
    "month moon moral more morning mosquito mother motion motor mountain mouse move ",
    "movie much muffin mule multiply muscle museum mushroom music must mutual myself ",
    "mystery myth naive name napkin narrow nasty nation nature near neck need negative ",
    "neglect neither nephew nerve nest net network neutral never news next nice night ",
    "noble noise nominee noodle normal north nose notable note nothing notice novel now ",
    "nuclear number nurse nut oak obey object oblige obscure observe obtain obvious ",
    "occur ocean october odor off offer office often oil okay old olive olympic omit ",
    "once one onion online only open opera opinion oppose option orange orbit orchard ",
    "order ordinary organ orient original orphan ostrich other outdoor outer output ",
    "outside oval oven over own owner oxygen oyster ozone pact paddle page pair palace ",
    "palm panda panel panic panther paper parade parent park parrot party pass patch ",
    "path patient patrol pattern pause pave payment peace peanut pear peasant pelican ",
    "pen penalty pencil people pepper perfect permit person pet phone photo phrase ",
    "physical piano picnic picture piece pig pigeon pill pilot pink pioneer pipe pistol ",
    "pitch pizza place planet plastic plate play please pledge pluck plug plunge poem ",
    "poet point polar pole police pond pony pool popular portion position possible post ",
    "potato pottery poverty powder power practice praise predict prefer prepare present ",
    "pretty prevent price pride primary print priority prison private prize problem ",
    "process produce profit program project promote proof property prosper protect proud ",
    "provide public pudding pull pulp pulse pumpkin punch pupil puppy purchase purity ",
    "purpose purse push put puzzle pyramid quality quantum quarter question quick quit ",
    "quiz quote rabbit raccoon race rack radar radio rail rain raise rally ramp ranch ",
    "random range rapid rare rate rather raven raw razor ready real reason rebel rebuild ",
    "recall receive recipe record recycle reduce reflect reform refuse region regret ",
    "regular reject relax release relief rely remain remember remind remove render renew ",
    "rent reopen repair repeat replace report require rescue resemble resist resource ",
    "response result retire retreat return reunion reveal review reward rhythm rib ",
    "ribbon rice rich ride ridge rifle right rigid ring riot ripple risk ritual rival ",
    "river road roast robot robust rocket romance roof rookie room rose rotate rough ",
    "round route royal rubber rude rug rule run runway rural sad saddle sadness safe ",
    "sail salad salmon salon salt salute same sample sand satisfy satoshi sauce sausage ",
    "save say scale scan scare scatter scene scheme school science scissors scorpion ",
    "scout scrap screen script scrub sea search season seat second secret section ",
    "security seed seek segment select sell seminar senior sense sentence series service ",
    "session settle setup seven shadow shaft shallow share shed shell sheriff shield ",
    "shift shine ship shiver shock shoe shoot shop short shoulder shove shrimp shrug ",
    "shuffle shy sibling sick side siege sight sign silent silk silly silver similar ",
    "simple since sing siren sister situate six size skate sketch ski skill skin skirt ",
    "skull slab slam sleep slender slice slide slight slim slogan slot slow slush small ",
    "smart smile smoke smooth snack snake snap sniff snow soap soccer social sock soda ",
    "soft solar soldier solid solution solve someone song soon sorry sort soul sound ",
    "soup source south space spare spatial spawn speak special speed spell spend sphere ",
    "spice spider spike spin spirit split spoil sponsor spoon sport spot spray spread ",
    "spring spy square squeeze squirrel stable stadium staff stage stairs stamp stand ",
    "start state stay steak steel stem step stereo stick still sting stock stomach stone ",
    "stool story stove strategy street strike strong struggle student stuff stumble ",
    "style subject submit subway success such sudden suffer sugar suggest suit summer ",
    "sun sunny sunset super supply supreme sure surface surge surprise surround survey ",
    "suspect sustain swallow swamp swap swarm swear sweet swift swim swing switch sword ",
    "symbol symptom syrup system table tackle tag tail talent talk tank tape target task ",
    "taste tattoo taxi teach team tell ten tenant tennis tent term test text thank that ",
    "theme then theory there they thing this thought three thrive throw thumb thunder ",
    "ticket tide tiger tilt timber time tiny tip tired tissue title toast tobacco today ",
    "toddler toe together toilet token tomato tomorrow tone tongue tonight tool tooth ",
    "top topic topple torch tornado tortoise toss total tourist toward tower town toy ",
    "track trade traffic tragic train transfer trap trash travel tray treat tree trend ",
    "trial tribe trick trigger trim trip trophy trouble truck true truly trumpet trust ",
    "truth try tube tuition tumble tuna tunnel turkey turn turtle twelve twenty twice ",
    "twin twist two type typical ugly umbrella unable unaware uncle uncover under undo ",
    "unfair unfold unhappy uniform unique unit universe unknown unlock until unusual ",
    "unveil update upgrade uphold upon upper upset urban urge usage use used useful ",
    "useless usual utility vacant vacuum vague valid valley valve van vanish vapor ",
    "various vast vault vehicle velvet vendor venture venue verb verify version very ",
    "vessel veteran viable vibrant vicious victory video view village vintage violin ",
    "virtual virus visa visit visual vital vivid vocal voice void volcano volume vote ",
    "voyage wage wagon wait walk wall walnut want warfare warm warrior wash wasp waste ",
    "water wave way wealth weapon wear weasel weather web wedding weekend weird welcome ",
    "west wet whale what wheat wheel when where whip whisper wide width wife wild will ",
    "win window wine wing wink winner winter wire wisdom wise wish witness wolf woman ",
    "wonder wood wool word work world worry worth wrap wreck wrestle wrist write wrong ",
    "yard year yellow you young youth zebra zero zone zoo ",
];

static BIP39_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    BIP39_ENGLISH
        .iter()
        .flat_map(|line| line.split_whitespace())
        .collect()
});

/// Seed phrases have 12, 15, 18, 21 or 24 words; a run of 12 listed words is one.
const MIN_SEED_WORDS: usize = 12;
const MAX_SEED_WORDS: usize = 24;
/// A passphrase written out in words ("correct horse battery staple") has three to eight.
const MIN_PHRASE_WORDS: usize = 3;
const MAX_PHRASE_WORDS: usize = 8;
/// Recovery or backup codes hold at least this many digits in all.
const MIN_CODE_DIGITS: usize = 6;

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
/// Minimum length (characters) of a stated password or PIN, and of one given with a bare
/// space ("pwd X").
const MIN_PASSWORD_LEN: usize = 4;
const MIN_SPACED_PASSWORD_LEN: usize = 6;
/// Minimum length (characters) of a stated token, secret or key, with and without a connector.
const MIN_STATED_TOKEN_LEN: usize = 8;
const MIN_SPACED_TOKEN_LEN: usize = 12;
/// Longest quoted value taken as one (characters); longer quotes are prose.
const MAX_QUOTED_LEN: usize = 100;
/// How far (in bytes) around a 40-character token to look for "aws" or "secret".
const AWS_CONTEXT_RADIUS: usize = 64;
/// How many findings [`refusal`] lists one by one before summing up the rest.
const LISTED_FINDINGS: usize = 5;

/// Scans `text`; findings in order of position, non-overlapping (when two detectors match
/// overlapping spans the more specific kind is kept, HighEntropy being the least specific).
/// Runs in time linear in the length of `text` (all patterns are compiled once).
pub fn scan(text: &str) -> Vec<Finding> {
    let harmless = harmless_spans(text);
    let urls: Vec<Range<usize>> = URL.find_iter(text).map(|m| m.range()).collect();
    let mut found = Vec::new();
    shapes(text, &mut found);
    aws_secret_keys(text, &harmless, &mut found);
    url_passwords(text, &mut found);
    assignments(text, &harmless, &mut found);
    stated(text, &urls, &harmless, &mut found);
    reversed(text, &mut found);
    named_values(text, &harmless, &mut found);
    command_lines(text, &mut found);
    headers(text, &mut found);
    signed_urls(text, &mut found);
    recovery_keys(text, &mut found);
    seed_phrases(text, &mut found);
    high_entropy(text, &harmless, &urls, &mut found);
    resolve(text, found)
}

fn shapes(text: &str, out: &mut Vec<Candidate>) {
    let compiled = &*COMPILED_SHAPES;
    for index in compiled.any.matches(text).iter() {
        let (kind, check, _) = SHAPES[index];
        for caps in compiled.each[index].captures_iter(text) {
            let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            if check.passes(m.as_str()) {
                out.push((kind, m.range()));
            }
        }
    }
}

/// Sorted, disjoint byte ranges of [`HARMLESS`] material.
fn harmless_spans(text: &str) -> Vec<Range<usize>> {
    HARMLESS
        .captures_iter(text)
        .filter(|caps| {
            caps.get(1)
                .is_none_or(|label| !label.as_str().contains("PRIVATE"))
        })
        .filter_map(|caps| caps.get(0).map(|m| m.range()))
        .collect()
}

fn aws_secret_keys(text: &str, harmless: &[Range<usize>], out: &mut Vec<Candidate>) {
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
            && !within(harmless, &m.range())
        {
            out.push((SecretKind::AwsSecretKey, m.range()));
        }
    }
}

/// Whether "aws" or "secret" starts a word within [`AWS_CONTEXT_RADIUS`] bytes of `token`,
/// outside the token itself (random base64 can contain "aWs").
fn near_aws_words(text: &str, token: Range<usize>) -> bool {
    near(text, token, &AWS_CONTEXT)
}

/// Whether `context` matches within [`AWS_CONTEXT_RADIUS`] bytes before or after `token`.
fn near(text: &str, token: Range<usize>, context: &Regex) -> bool {
    let mut from = token.start.saturating_sub(AWS_CONTEXT_RADIUS);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (token.end + AWS_CONTEXT_RADIUS).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    context.is_match(&text[from..token.start]) || context.is_match(&text[token.end..to])
}

fn url_passwords(text: &str, out: &mut Vec<Candidate>) {
    for caps in URL_PASSWORD.captures_iter(text) {
        if let Some(password) = caps.get(1).filter(|p| !PLACEHOLDER.is_match(p.as_str())) {
            out.push((SecretKind::PasswordInUrl, password.range()));
        }
    }
}

fn assignments(text: &str, harmless: &[Range<usize>], out: &mut Vec<Candidate>) {
    for caps in ASSIGNMENT.captures_iter(text) {
        let quoted = caps.get(2).or_else(|| caps.get(3));
        let (Some(separator), Some(value)) = (caps.get(1), quoted.or_else(|| caps.get(4))) else {
            continue;
        };
        let v = value.as_str();
        // "token: budget-constrained", "Secret: Keep-Calm-And-Carry-On" or "secret:
        // Project-Falcon-2025" is prose; YAML values that are secrets carry digits, symbols or
        // capitals inside words; the words rule is not for passwords (`Summer.Vacation`).
        let name = caps
            .get(0)
            .map_or("", |m| &text[m.start()..separator.start()]);
        let password = ["pass", "pwd"]
            .iter()
            .any(|word| name.to_lowercase().contains(word));
        let trimmed = v.trim_end_matches(['.', '!', '?', ')']);
        let prose = separator.as_str() == ":"
            && quoted.is_none()
            && (trimmed.split('-').all(|word| {
                let mut chars = word.chars();
                chars.next().is_some_and(char::is_alphabetic) && chars.all(char::is_lowercase)
            }) || !password && named_by_words(trimmed));
        if v.chars().count() >= MIN_ASSIGNED_LEN
            && !prose
            && !REFERENCE.is_match(v)
            && !PLACEHOLDER.is_match(v)
            && !within(harmless, &value.range())
        {
            out.push((SecretKind::GenericApiKey, value.range()));
        }
    }
}

/// Which credential noun a [`STATED`] or [`WEAK`] match starts with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Noun {
    /// password, passwd, pwd, passphrase, passcode.
    Password,
    /// pw, pass: only with a connector (and "pass" only with `:` or `=`).
    Short,
    Pin,
    Otp,
    /// creds, credentials, login: the value is `user:password` or `user/password`.
    Credentials,
    /// token, secret, API key and the like.
    Token,
    /// A shared secret, pre-shared key (PSK) or wifi key: chosen by people like a password,
    /// but "pre-shared keys are weaker" is talk, so a single plain word counts only after `:`.
    Psk,
    /// Recovery or backup codes: the value is one or more groups of digits or letters.
    Codes,
    /// A seed (recovery) phrase or mnemonic: the value is 12 to 24 words.
    Seed,
    /// A password in another language; the value must look like a credential (the list of
    /// common words is English).
    Foreign,
}

/// How the value is attached to the noun.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Connector {
    /// `:`, `=`, `->`, " - ", `>` (an XML element).
    Assign,
    /// "is", "was changed to", "'s".
    Is,
    /// " to ".
    To,
    /// A bare space.
    Space,
    /// A line break: a heading ("Backup codes") over its value; for codes and seed phrases.
    Line,
}

fn noun_of(caps: &Captures) -> Option<(Noun, Range<usize>)> {
    [
        ("pwd", Noun::Password),
        ("short", Noun::Short),
        ("pin", Noun::Pin),
        ("otp", Noun::Otp),
        ("creds", Noun::Credentials),
        ("psk", Noun::Psk),
        ("codes", Noun::Codes),
        ("seed", Noun::Seed),
        ("secret", Noun::Token),
        ("foreign", Noun::Foreign),
    ]
    .into_iter()
    .find_map(|(name, noun)| caps.name(name).map(|m| (noun, m.range())))
}

fn stated(text: &str, urls: &[Range<usize>], harmless: &[Range<usize>], out: &mut Vec<Candidate>) {
    for caps in STATED.captures_iter(text) {
        let connector = match caps.name("assign") {
            Some(_) => Connector::Assign,
            None => Connector::Is,
        };
        if let (Some((noun, at)), Some(whole)) = (noun_of(&caps), caps.get(0)) {
            let value = stated_value(text, noun, at, connector, whole.end(), urls);
            out.extend(value.filter(|(_, range)| !within(harmless, range)));
        }
    }
    for caps in WEAK.captures_iter(text) {
        let connector = match (caps.name("to"), caps.name("line")) {
            (Some(_), _) => Connector::To,
            (_, Some(_)) => Connector::Line,
            _ => Connector::Space,
        };
        if let (Some((noun, at)), Some(whole)) = (noun_of(&caps), caps.get(0)) {
            let value = stated_value(text, noun, at, connector, whole.end(), urls);
            out.extend(value.filter(|(_, range)| !within(harmless, range)));
        }
    }
}

/// Judges the value after a credential noun (`noun` spans the noun's bytes, the value starts
/// at byte `from`); see the module documentation for the rules.
fn stated_value(
    text: &str,
    noun: Noun,
    noun_at: Range<usize>,
    connector: Connector,
    from: usize,
    urls: &[Range<usize>],
) -> Option<Candidate> {
    use Connector::*;
    // A word of a URL path ("/oauth2/token") followed by a space is not a noun of the text.
    if matches!(connector, To | Space | Line) && within(urls, &noun_at)
        || connector == Line && !matches!(noun, Noun::Codes | Noun::Seed)
    {
        return None;
    }
    if noun == Noun::Otp {
        let m = OTP_VALUE.find(&text[from..])?;
        let seed = m.as_str();
        let seed_like = seed.bytes().any(|b| (b'2'..=b'7').contains(&b))
            || seed.bytes().all(|b| !b.is_ascii_lowercase());
        return seed_like.then(|| (SecretKind::OtpSecret, from + m.start()..from + m.end()));
    }
    if noun == Noun::Codes {
        return codes_value(text, from).map(|range| (SecretKind::RecoveryCode, range));
    }
    if noun == Noun::Seed {
        let words = seed_words(text, from);
        let listed = words
            .iter()
            .filter(|w| BIP39_WORDS.contains(text[(*w).clone()].to_lowercase().as_str()))
            .count();
        let (first, last) = (words.first()?, words.last()?);
        return (words.len() >= MIN_SEED_WORDS && listed * 5 >= words.len() * 4)
            .then_some((SecretKind::SeedPhrase, first.start..last.end));
    }
    // A password may be written out in words too ("the password is correct horse battery
    // staple"): the same strict reading as for a passphrase applies.
    let phrase_noun = matches!(noun, Noun::Psk | Noun::Password);
    if phrase_noun && matches!(connector, Assign | Is) {
        if let Some(range) = phrase_value(text, from) {
            let kind = match noun {
                Noun::Psk => SecretKind::GenericApiKey,
                _ => SecretKind::Password,
            };
            return Some((kind, range));
        }
    }
    let (mut range, quoted) = value_after(text, from, connector == Assign)?;
    let mut v = &text[range.clone()];
    if not_a_value(v) {
        return None;
    }
    let next = next_word(text, range.end);
    let noun_text = text[noun_at.clone()].to_lowercase();
    let ok = match (noun, connector) {
        (Noun::Password, Assign | Is) => password_value(v, quoted, &next, true),
        (Noun::Password, To | Space) => {
            credential_like(v, MIN_SPACED_PASSWORD_LEN)
                || quoted && password_value(v, quoted, &next, true)
        }
        // "the pass is valid" or "boarding pass: seat 12A" are about a pass; "the wifi pass
        // is Tr1ck#y" gives one.
        (Noun::Short, Assign | Is) if noun_text.ends_with("pass") => {
            credential_like(v, MIN_PASSWORD_LEN)
        }
        (Noun::Short, Assign | Is) => password_value(v, quoted, &next, true),
        (Noun::Pin, Assign | Is) => digits_value(v, &next),
        (Noun::Foreign, Assign | Is) => password_value(v, quoted, &next, false),
        (Noun::Credentials, Assign | Is) => {
            let user_ok;
            if let Some((user, password)) = v.split_once([':', '/']) {
                user_ok = !user.is_empty();
                range = range.start + user.len() + 1..range.end;
                v = password;
            } else {
                // "admin / hunter2": the user is the value found, the password comes next.
                let gap = SPACED_PAIR.find(&text[range.end..])?;
                let (password, _) = value_after(text, range.end + gap.end(), false)?;
                user_ok = true;
                range = password;
                v = &text[range.clone()];
            }
            let next = next_word(text, range.end);
            user_ok && !not_a_value(v) && password_value(v, false, &next, true)
        }
        (Noun::Token, Assign | Is) => token_value(v, MIN_STATED_TOKEN_LEN),
        (Noun::Psk, Assign) => password_value(v, quoted, &next, true),
        (Noun::Psk, Is) => password_value(v, quoted, &next, false) && !names_a_cipher(v),
        (Noun::Psk, To | Space) => {
            credential_like(v, MIN_SPACED_PASSWORD_LEN) && !named_by_words(v) && !names_a_cipher(v)
        }
        (Noun::Token, Space) => !quoted && token_value(v, MIN_SPACED_TOKEN_LEN),
        _ => false,
    };
    if !ok || (quoted && PLACEHOLDER.is_match(v)) {
        return None;
    }
    let kind = match noun {
        Noun::Token | Noun::Psk => SecretKind::GenericApiKey,
        _ if within(urls, &noun_at) => SecretKind::PasswordInUrl,
        _ => SecretKind::Password,
    };
    Some((kind, range))
}

/// Opening and closing quotes around a stated value.
const QUOTES: &[(char, char)] = &[
    ('"', '"'),
    ('\'', '\''),
    ('`', '`'),
    ('“', '”'),
    ('‘', '’'),
    ('«', '»'),
];

/// The value starting at byte `from`: the inside of quotes on one line, else the run of
/// non-space characters without trailing punctuation. With `separators`, `;` and `&` end it too
/// (connection strings and queries). Returns the byte range and whether it was quoted.
fn value_after(text: &str, from: usize, separators: bool) -> Option<(Range<usize>, bool)> {
    let rest = &text[from..];
    let first = rest.chars().next()?;
    if let Some(&(_, close)) = QUOTES.iter().find(|(open, _)| *open == first) {
        let start = from + first.len_utf8();
        let inner = &text[start..];
        let end = inner.find([close, '\n'])?;
        let value = &inner[..end];
        let fits = (1..=MAX_QUOTED_LEN).contains(&value.chars().count());
        return (inner[end..].starts_with(close) && fits).then_some((start..start + end, true));
    }
    let mut end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    if separators {
        end = rest[..end].find([';', '&']).unwrap_or(end);
        // `<password>hunter2</password>`
        end = rest[..end].find("</").unwrap_or(end);
    }
    let run = &rest[..end];
    let head = run.len() - run.trim_start_matches(['(', '[', '{']).len();
    let kept = run.trim_end_matches(['.', ',', ';', ':', '?', ')', ']', '}', '>', '"', '\'']);
    (kept.len() > head).then_some((from + head..from + kept.len(), false))
}

/// The word (letters, or `%`) after byte `at`, past spaces, in lower case.
fn next_word(text: &str, at: usize) -> String {
    text[at..]
        .trim_start_matches(|c: char| c.is_whitespace() || c == '+')
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '%')
        .collect::<String>()
        .to_lowercase()
}

/// Never a value: a common word, a placeholder, a reference, a command-line flag.
fn not_a_value(v: &str) -> bool {
    common_word(v) || NOT_A_VALUE.is_match(v)
}

/// Whether `word` is one of the whitespace-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// [`NOT_VALUES`] as a set.
static COMMON_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NOT_VALUES.split_whitespace().collect());

fn common_word(word: &str) -> bool {
    COMMON_WORDS.contains(word.to_lowercase().as_str())
}

fn english_ending(word: &str) -> bool {
    let lower = word.to_lowercase();
    WORD_ENDINGS
        .split_whitespace()
        .any(|ending| lower.len() > ending.len() + 2 && lower.ends_with(ending))
}

/// Looks like a credential: long enough, with letters, not made of words, not a version or
/// host name, and with a digit, a symbol or a capital inside.
fn credential_like(v: &str, min_len: usize) -> bool {
    v.chars().count() >= min_len
        && v.chars().any(char::is_alphabetic)
        && !NOT_CREDENTIAL.is_match(v)
        && (v
            .chars()
            .any(|c| c.is_ascii_digit() || !c.is_alphanumeric())
            || v.chars().skip(1).any(char::is_uppercase))
}

/// A stated token, secret or key: credential-like, and not a name made of words and numbers
/// (`Q3-Reorg-2025`, `Project_Falcon_2`): tokens are random, so some piece mixes letters and
/// digits or is longer than a word.
fn token_value(v: &str, min_len: usize) -> bool {
    credential_like(v, min_len) && !named_by_words(v)
}

/// Names a Wi-Fi or VPN mode, a cipher or a size ("WPA2", "WPA2-PSK", "AES-256", "256-bit",
/// "HMAC-SHA256"): what "the wifi key is" or "the PSK is" may be followed by in talk.
fn names_a_cipher(v: &str) -> bool {
    v.split(['-', '_', '/', '.']).all(|piece| {
        let piece = piece.to_lowercase();
        let name = piece.trim_end_matches(|c: char| c.is_ascii_digit());
        piece.bytes().all(|b| b.is_ascii_digit()) || listed(CIPHER_WORDS, name)
    })
}

/// Pieces (between `-`, `_` and `.`) that are words, numbers or up to three characters.
fn named_by_words(v: &str) -> bool {
    v.split(['-', '_', '.']).all(|piece| {
        piece.chars().count() <= 3
            || piece.chars().all(char::is_alphabetic)
            || piece.chars().all(|c| c.is_ascii_digit())
    })
}

/// Four or more digits, not a count ("12 characters").
fn digits_value(v: &str, next: &str) -> bool {
    v.len() >= MIN_PASSWORD_LEN && v.bytes().all(|b| b.is_ascii_digit()) && !listed(UNITS, next)
}

/// A stated password: digits (a PIN), a credential-like value, a quoted phrase, or (in
/// English) a single uncommon word such as "letmein".
fn password_value(v: &str, quoted: bool, next: &str, english: bool) -> bool {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return digits_value(v, next);
    }
    if quoted && v.contains(char::is_whitespace) {
        return v.chars().count() >= 2 * MIN_PASSWORD_LEN
            && v.split_whitespace()
                .any(|w| !common_word(w) && !english_ending(w));
    }
    credential_like(v, MIN_PASSWORD_LEN)
        || english
            && v.len() >= MIN_PASSWORD_LEN
            && v.bytes().all(|b| b.is_ascii_alphabetic())
            && !common_word(v)
            && !english_ending(v)
}

fn reversed(text: &str, out: &mut Vec<Candidate>) {
    for caps in REVERSED.captures_iter(text) {
        let (Some(value), Some(whole)) = (caps.get(1).or_else(|| caps.get(2)), caps.get(0)) else {
            continue;
        };
        // "... is our password manager" names a product.
        let after = next_word(text, whole.end());
        let compound = !after.is_empty() && !listed(AFTER_REVERSED, &after);
        let v = value.as_str();
        if !compound && !not_a_value(v) && credential_like(v, MIN_PASSWORD_LEN) {
            out.push((SecretKind::Password, value.range()));
        }
    }
}

fn named_values(text: &str, harmless: &[Range<usize>], out: &mut Vec<Candidate>) {
    for caps in NAMED_VALUE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let Some((range, quoted)) = value_after(text, whole.end(), false) else {
            continue;
        };
        let v = &text[range.clone()];
        let next = next_word(text, range.end);
        let (kind, ok) = match caps.name("pw") {
            Some(_) => (SecretKind::Password, password_value(v, quoted, &next, true)),
            None => (
                SecretKind::GenericApiKey,
                token_value(v, MIN_STATED_TOKEN_LEN),
            ),
        };
        if ok && !not_a_value(v) && !within(harmless, &range) {
            out.push((kind, range));
        }
    }
}

fn command_lines(text: &str, out: &mut Vec<Candidate>) {
    for caps in COMMAND_LINE.captures_iter(text) {
        let Some(value) = caps.iter().skip(1).flatten().next() else {
            continue;
        };
        let mut range = value.range();
        if value.as_str().starts_with(['\'', '"']) {
            range = range.start + 1..range.end - 1;
        }
        let v = &text[range.clone()];
        if v.chars().count() >= 3 && !PLACEHOLDER.is_match(v) && !REFERENCE.is_match(v) {
            out.push((SecretKind::Password, range));
        }
    }
}

fn headers(text: &str, out: &mut Vec<Candidate>) {
    for caps in BASIC.captures_iter(text) {
        let Some(encoded) = caps.get(1) else { continue };
        let decoded = base64_decode(encoded.as_str()).and_then(|b| String::from_utf8(b).ok());
        let printable = decoded
            .as_deref()
            .filter(|d| d.bytes().all(|b| (0x20..0x7f).contains(&b)));
        let pair = printable.and_then(|d| d.split_once(':'));
        if pair.is_some_and(|(user, password)| {
            !user.is_empty() && !password.is_empty() && !PLACEHOLDER.is_match(password)
        }) {
            out.push((SecretKind::BasicAuth, encoded.range()));
        }
    }
    for caps in CURL_USER.captures_iter(text) {
        let (Some(user), Some(password)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let p = password.as_str();
        if p != user.as_str() && !PLACEHOLDER.is_match(p) && !p.bytes().all(|b| b.is_ascii_digit())
        {
            out.push((SecretKind::BasicAuth, password.range()));
        }
    }
    for caps in BEARER.captures_iter(text) {
        if let Some(token) = caps.get(1).filter(|t| {
            !PLACEHOLDER.is_match(t.as_str()) && credential_like(t.as_str(), MIN_STATED_TOKEN_LEN)
        }) {
            out.push((SecretKind::BearerToken, token.range()));
        }
    }
}

fn signed_urls(text: &str, out: &mut Vec<Candidate>) {
    for caps in SIGNED.captures_iter(text) {
        if let Some(signature) = caps.get(1) {
            out.push((SecretKind::SignedUrl, signature.range()));
        }
    }
    for caps in OTP_URI.captures_iter(text) {
        if let Some(seed) = caps.get(1) {
            out.push((SecretKind::OtpSecret, seed.range()));
        }
    }
}

/// BitLocker and FileVault recovery keys, by shape (FileVault's with context); a key must not
/// be a piece of a longer run of groups.
fn recovery_keys(text: &str, out: &mut Vec<Candidate>) {
    let whole = |m: &regex::Match| {
        !text[..m.start()].ends_with(['-', '_']) && !text[m.end()..].starts_with(['-', '_'])
    };
    for m in BITLOCKER.find_iter(text).filter(whole) {
        out.push((SecretKind::RecoveryCode, m.range()));
    }
    for m in FILEVAULT.find_iter(text).filter(whole) {
        let key = m.as_str();
        if key.bytes().any(|b| b.is_ascii_digit())
            && key.bytes().any(|b| b.is_ascii_uppercase())
            && near(text, m.range(), &RECOVERY_CONTEXT)
        {
            out.push((SecretKind::RecoveryCode, m.range()));
        }
    }
}

/// Whether a word ending at byte `end` ends there, rather than going on as an identifier, a
/// path or an address (`abandon_2`, `able/`, `about@`).
fn word_ends(text: &str, end: usize) -> bool {
    text[end..]
        .chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || ",.;:!?)]}\"'”’".contains(c))
}

/// A run of [`MIN_SEED_WORDS`] or more lower-case words of the BIP-39 list, anywhere: prose
/// cannot do without words such as "the", "a", "to", "of" or "is", which the list leaves out.
/// Without a "seed phrase" before it, a run is not separated by commas: a list of twelve
/// values or hobbies ("trust, focus, balance...") can be made of listed words; nor is it
/// mostly repeats, which random draws almost never give.
fn seed_phrases(text: &str, out: &mut Vec<Candidate>) {
    let mut run: Vec<Range<usize>> = Vec::new();
    let flush = |run: &mut Vec<Range<usize>>, out: &mut Vec<Candidate>| {
        if let (true, Some(first), Some(last)) =
            (run.len() >= MIN_SEED_WORDS, run.first(), run.last())
        {
            // A generated phrase draws its words at random from 2,048: in twelve, three
            // quarters or more are distinct, while repetition ("thought thought ...") is prose.
            let distinct: HashSet<&str> = run.iter().map(|word| &text[word.clone()]).collect();
            if distinct.len() * 4 >= run.len() * 3 {
                out.push((SecretKind::SeedPhrase, first.start..last.end));
            }
        }
        run.clear();
    };
    for m in LETTERS.find_iter(text) {
        let joined = run.last().is_some_and(|previous| {
            let gap = &text[previous.end..m.start()];
            !gap.is_empty() && !gap.contains(',') && SEED_GAP.is_match(gap)
        });
        if !joined {
            flush(&mut run, out);
        }
        let alone =
            !text[..m.start()].ends_with(|c: char| c.is_alphanumeric() || "_-/.@".contains(c));
        if alone && word_ends(text, m.end()) && BIP39_WORDS.contains(m.as_str()) {
            run.push(m.range());
        } else {
            flush(&mut run, out);
        }
    }
    flush(&mut run, out);
}

/// The words of a seed phrase stated from byte `from` (after "seed phrase:" and the like), in
/// any case, up to [`MAX_SEED_WORDS`]: words of three to eight letters, as in BIP-39.
fn seed_words(text: &str, from: usize) -> Vec<Range<usize>> {
    let mut words: Vec<Range<usize>> = Vec::new();
    for m in LETTERS.find_iter(&text[from..]) {
        let range = from + m.start()..from + m.end();
        let gap_from = words.last().map_or(from, |previous| previous.end);
        let gap = &text[gap_from..range.start];
        let separated = words.is_empty() || !gap.is_empty();
        if words.len() == MAX_SEED_WORDS
            || !separated
            || !SEED_GAP.is_match(gap)
            || !(3..=8).contains(&m.len())
            || !word_ends(text, range.end)
        {
            break;
        }
        words.push(range);
    }
    words
}

/// Recovery or backup codes stated from byte `from`: one or more codes, each with a digit and
/// four or more characters, holding [`MIN_CODE_DIGITS`] digits in all or one code that mixes
/// letters and digits like a token (`X7K2-9QPL-44RT`), and not a count ("10 codes per
/// account") or a date. Returns the span from the first code to the last.
fn codes_value(text: &str, from: usize) -> Option<Range<usize>> {
    let start = from + CODE_GAP.find(&text[from..]).map_or(0, |m| m.end());
    let (mut at, mut end, mut digits, mut random) = (start, start, 0, false);
    while let Some(m) = CODE.find(&text[at..]) {
        let code = m.as_str();
        let after = &text[at + m.end()..];
        let ends = after
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || ",;)".contains(c))
            || after.starts_with(['.', '!', '?'])
                && after[1..].chars().next().is_none_or(char::is_whitespace);
        let code_digits = code.bytes().filter(u8::is_ascii_digit).count();
        if !ends || code_digits == 0 || code.bytes().filter(|&b| b != b'-').count() < 4 {
            break;
        }
        digits += code_digits;
        random |= token_value(code, MIN_STATED_TOKEN_LEN);
        end = at + m.end();
        at = end + CODE_GAP.find(after).map_or(0, |gap| gap.end());
        if at == end {
            break;
        }
    }
    let enough = digits >= MIN_CODE_DIGITS || random;
    (enough && !listed(UNITS, &next_word(text, end))).then_some(start..end)
}

/// A passphrase written out in words after a passphrase or pre-shared-key noun: from byte
/// `from` to the end of the clause, [`MIN_PHRASE_WORDS`] to [`MAX_PHRASE_WORDS`] words of
/// letters (and digits), without a grammatical word or an abstract noun ("company
/// confidential information"), with at most one of the words that follow "password is" in
/// talk ("correct horse battery staple" has one), and not opening with an adjective or
/// participle ("rotated every quarter by ops", "stored in the vault").
/// Ends like an abstract noun: "information", "requirement", "complexity".
fn abstract_noun(word: &str) -> bool {
    ["tion", "sion", "ment", "ness", "ity", "ism", "ance", "ence"]
        .iter()
        .any(|ending| word.len() > ending.len() + 2 && word.ends_with(ending))
}

fn phrase_value(text: &str, from: usize) -> Option<Range<usize>> {
    let rest = &text[from..];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let clause = &line[..line
        .find(|c: char| ".,;:!?()[]{}<>\"'“”«»=/@".contains(c))
        .unwrap_or(line.len())];
    let words: Vec<&str> = clause.split_whitespace().collect();
    let plain = words.iter().all(|word| {
        word.chars().all(|c| c.is_alphanumeric() || c == '-')
            && word.chars().any(char::is_alphabetic)
    });
    let lower: Vec<String> = words.iter().map(|word| word.to_lowercase()).collect();
    let grammar = lower.iter().any(|word| listed(GRAMMAR_WORDS, word));
    let common = lower.iter().filter(|word| common_word(word)).count();
    let ok = (MIN_PHRASE_WORDS..=MAX_PHRASE_WORDS).contains(&words.len())
        && plain
        && !grammar
        && common <= 1
        && !english_ending(words[0])
        && !lower.iter().any(|word| abstract_noun(word));
    ok.then(|| from..from + clause.trim_end().len())
}

fn high_entropy(
    text: &str,
    harmless: &[Range<usize>],
    urls: &[Range<usize>],
    out: &mut Vec<Candidate>,
) {
    let mut check = |bytes: Range<usize>| {
        let token = &text[bytes.clone()];
        if looks_random(token) && !within(harmless, &bytes) && !encodes_prose(token) {
            out.push((SecretKind::HighEntropy, bytes));
        }
    };
    for run in TOKEN_RUN.find_iter(text) {
        // In a URL '/' separates path segments (a commit id next to "Main.java" is not one
        // random string); elsewhere it is a base64 character.
        if within(urls, &run.range()) {
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

/// Whether `token` is base64 of a sentence (printable ASCII, mostly letters, with spaces
/// between words): encoded text, not a key.
fn encodes_prose(token: &str) -> bool {
    let Some(bytes) = base64_decode(token) else {
        return false;
    };
    let spaces = bytes.iter().filter(|&&b| b == b' ').count();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    bytes.iter().all(|&b| (0x20..0x7f).contains(&b))
        && spaces >= 2
        && (letters + spaces) * 10 >= bytes.len() * 8
}

/// Decodes standard or URL-safe base64, padded or not; `None` if `s` is not base64.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for b in s.bytes() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    (s.len() % 4 != 1).then_some(out)
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
/// equals, the first found between identical spans), then turns byte ranges into 1-based
/// inclusive character positions.
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
    const HEX: &str = "0123456789abcdef";
    const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

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
            "secret_key := \"«s3cr3t-for-staging»\"",
            "SECRET_KEY_BASE=«8f3e2a1b9c0d4e5f6a7b8c9d»",
            "Endpoint=x;AccountKey=«Zm9vYmFy+YmF6»;Suffix=y",
            "kind: Secret\ndata:\n  password: «cGFzc3dvcmQxMjM0NTY3OA==»",
        ] {
            assert_marked(marked, GenericApiKey);
        }
        // A token under 8 characters is a toy; a short password is judged by `stated_passwords`.
        assert_clean("api_key=short1");
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
    /// One token of every provider format: (provider, context written before it, token). The
    /// prefixes are split so that no secret scanner mistakes this file for a leak.
    fn provider_fixtures() -> Vec<(Provider, &'static str, String)> {
        use Provider::*;
        let r = random;
        let uuid = [
            r(230, 8, HEX),
            r(231, 4, HEX),
            r(232, 4, HEX),
            r(233, 4, HEX),
            r(234, 12, HEX),
        ];
        vec![
            (GitLab, "", ["gl", "pat-", &r(200, 20, BASE62)].concat()),
            (GitLab, "", ["gl", "rt-", &r(201, 20, BASE62)].concat()),
            (OpenAi, "", ["sk", "-proj-", &r(202, 48, BASE62)].concat()),
            (
                Anthropic,
                "",
                ["sk", "-ant-api03-", &r(203, 90, BASE62), "AA"].concat(),
            ),
            (Npm, "", ["np", "m_", &r(204, 36, BASE62)].concat()),
            (
                PyPi,
                "",
                ["py", "pi-AgEIcHlwaS5vcmc", &r(205, 60, BASE62)].concat(),
            ),
            (
                SendGrid,
                "",
                ["S", "G.", &r(206, 22, BASE62), ".", &r(207, 43, BASE62)].concat(),
            ),
            (Twilio, "", ["S", "K", &r(208, 32, HEX)].concat()),
            (Azure, "AccountKey=", [&r(209, 86, BASE64), "=="].concat()),
            (
                Azure,
                "",
                [&r(210, 3, BASE62), "8Q~", &r(211, 34, BASE62)].concat(),
            ),
            (
                Discord,
                "",
                [
                    "MT",
                    &r(212, 22, BASE62),
                    ".",
                    &r(213, 6, BASE62),
                    ".",
                    &r(214, 38, BASE62),
                ]
                .concat(),
            ),
            (Vault, "", ["hv", "s.", &r(215, 90, BASE62)].concat()),
            (DigitalOcean, "", ["do", "p_v1_", &r(216, 64, HEX)].concat()),
            (Shopify, "", ["sh", "pat_", &r(217, 32, HEX)].concat()),
            (Databricks, "", ["da", "pi", &r(218, 32, HEX)].concat()),
            (HuggingFace, "", ["h", "f_", &r(219, 34, LETTERS)].concat()),
            (Square, "", ["sq", "0atp-", &r(220, 22, BASE62)].concat()),
            (Square, "", ["EA", "AA", &r(221, 60, BASE62)].concat()),
            (Mailgun, "", ["ke", "y-", &r(222, 32, HEX)].concat()),
            (Atlassian, "", ["ATA", "TT3", &r(223, 180, BASE62)].concat()),
            (
                Postman,
                "",
                ["PM", "AK-", &r(224, 24, HEX), "-", &r(225, 34, HEX)].concat(),
            ),
            (
                Grafana,
                "",
                ["gl", "sa_", &r(226, 32, BASE62), "_", &r(227, 8, HEX)].concat(),
            ),
            (Sentry, "", ["sn", "tryu_", &r(228, 64, HEX)].concat()),
            (Linear, "", ["li", "n_api_", &r(229, 40, BASE62)].concat()),
            (Doppler, "", ["d", "p.pt.", &r(235, 43, BASE62)].concat()),
            (
                Terraform,
                "",
                [&r(236, 14, BASE62), ".atl", "asv1.", &r(237, 67, BASE62)].concat(),
            ),
            (Mailchimp, "", [&r(238, 32, HEX), "-us", "14"].concat()),
            (
                Telegram,
                "",
                ["7123456789:A", "A", &r(239, 33, BASE62)].concat(),
            ),
            (Figma, "", ["fi", "gd_", &r(240, 40, BASE62)].concat()),
            (Pulumi, "", ["pu", "l-", &r(241, 40, HEX)].concat()),
            (Supabase, "", ["sb", "p_", &r(242, 40, HEX)].concat()),
            (
                Notion,
                "",
                ["nt", "n_", "12345678901", &r(243, 35, BASE62)].concat(),
            ),
            (
                NewRelic,
                "",
                ["NR", "AK-", &r(244, 27, UPPER_DIGITS)].concat(),
            ),
            (
                Dynatrace,
                "",
                [
                    "dt0",
                    "c01.",
                    &r(245, 24, UPPER_DIGITS),
                    ".",
                    &r(246, 64, UPPER_DIGITS),
                ]
                .concat(),
            ),
            (
                Airtable,
                "",
                ["pa", "t", &r(247, 14, BASE62), ".", &r(248, 64, HEX)].concat(),
            ),
            (
                Mapbox,
                "",
                ["sk", ".eyJ", &r(249, 40, BASE62), ".", &r(250, 22, BASE62)].concat(),
            ),
            (Google, "", ["GOC", "SPX-", &r(251, 28, BASE62)].concat()),
            (
                DockerHub,
                "",
                ["dc", "kr_pat_", &r(252, 27, BASE62)].concat(),
            ),
            (
                Tailscale,
                "",
                [
                    "ts",
                    "key-auth-",
                    &r(253, 12, BASE62),
                    "-",
                    &r(254, 30, BASE62),
                ]
                .concat(),
            ),
            (Buildkite, "", ["bk", "ua_", &r(255, 40, HEX)].concat()),
            (Alibaba, "", ["LT", "AI", &r(256, 20, BASE62)].concat()),
            (RubyGems, "", ["ruby", "gems_", &r(257, 48, HEX)].concat()),
            (NuGet, "", ["oy", "2", &r(258, 43, LOWER_DIGITS)].concat()),
            (
                PlanetScale,
                "",
                ["pscale", "_tkn_", &r(259, 43, BASE62)].concat(),
            ),
            (Heroku, "", ["HR", "KU-", &r(260, 60, BASE62)].concat()),
            (Facebook, "", ["EA", "AB", &r(261, 150, BASE62)].concat()),
            (Sourcegraph, "", ["sg", "p_", &r(262, 40, HEX)].concat()),
            (Fly, "", ["fo", "1_", &r(263, 43, BASE62)].concat()),
            (Netlify, "", ["nf", "p_", &r(264, 36, BASE62)].concat()),
            (Groq, "", ["gs", "k_", &r(265, 52, BASE62)].concat()),
            (XAi, "", ["xa", "i-", &r(266, 80, BASE62)].concat()),
            (Replicate, "", ["r", "8_", &r(267, 37, BASE62)].concat()),
            (Perplexity, "", ["pp", "lx-", &r(268, 48, BASE62)].concat()),
            (Dropbox, "", ["s", "l.", &r(269, 140, BASE62)].concat()),
            (JFrog, "", ["AK", "Cp", &r(270, 69, BASE62)].concat()),
            (
                Cloudflare,
                "",
                ["v1", ".0-", &r(271, 24, HEX), "-", &r(272, 146, HEX)].concat(),
            ),
            (
                Okta,
                "Authorization: SSWS ",
                ["00", &r(273, 40, BASE62)].concat(),
            ),
            (Contentful, "", ["CF", "PAT-", &r(274, 43, BASE62)].concat()),
            (Plaid, "", ["access-", "sandbox-", &uuid.join("-")].concat()),
            (Shippo, "", ["shippo", "_live_", &r(275, 40, HEX)].concat()),
            (
                Flutterwave,
                "",
                ["FLW", "SECK-", &r(276, 32, HEX), "-X"].concat(),
            ),
            (Twitter, "", ["A".repeat(22), r(277, 80, BASE62)].concat()),
            (
                Firebase,
                "",
                [
                    "AAAA",
                    &r(278, 7, BASE62),
                    ":APA",
                    "91b",
                    &r(279, 134, BASE62),
                ]
                .concat(),
            ),
        ]
    }

    #[test]
    fn provider_tokens() {
        for (provider, context, token) in provider_fixtures() {
            assert_single(
                &format!("see {context}{token} ok"),
                &token,
                ProviderToken(provider),
            );
        }
        // Masked, too short, or prose that starts like a prefix.
        assert_clean(&["gl", "pat-xxxxxxxxxxxxxxxxxxxx"].concat());
        assert_clean("sk-learn and scikit-learn-compatible-estimators are libraries");
        assert_clean("hf_hub_download, npm_config_cache, the key-value store, dapi-client");
        assert_clean("Mapbox public token pk.eyJ1IjoiYWNtZSJ9.Zm9vYmFyYmF6cXV4cXV1eA on the map");
    }

    #[test]
    fn every_provider_is_described_and_tested() {
        let fixtures = provider_fixtures();
        for (provider, _, _) in &fixtures {
            let phrase = ProviderToken(*provider).describe();
            assert!(
                phrase.starts_with("a ") || phrase.starts_with("an "),
                "{phrase}"
            );
        }
        let tested: std::collections::HashSet<String> =
            fixtures.iter().map(|(p, _, _)| format!("{p:?}")).collect();
        // Every pattern of SHAPES names a provider that has a fixture.
        for (kind, _, _) in SHAPES {
            if let ProviderToken(provider) = kind {
                assert!(tested.contains(&format!("{provider:?}")), "{provider:?}");
            }
        }
    }

    #[test]
    fn stated_passwords() {
        for marked in [
            "password: «hunter2»",
            "my password is «hunter2» lol",
            "fyi the password for the vpn is «Winter2024!» until Friday",
            "the admin password on the core router is still «admin123».",
            "pwd «Xk9mP2vL» then sudo -i",
            "passwd=«s3cr3t»",
            "The root password was changed to «Spring2025» after the audit.",
            "pw: «letmein»",
            "the guest wifi password is «sunshine»",
            "new pw is «Kestrel#88», old one is burned",
            "PIN is «4821», don't tell",
            "the door passcode: «918273»",
            "passphrase: \"«open sesame»\"",
            "«Tr0ub4dor&3» is my password for the HR portal",
            "just use «Qwerty!2024» as the password for the staging db",
            "Server=sql01;Database=hr;User Id=sa;Password=«Sa-2024!x»;Encrypt=True",
            "creds: admin:«Hunt3r!»",
            "export MYSQL_PWD=«Lx9!qz»",
            "DB password → «Mb7#kq2z»",
            "I set the password to «Hunter2!»",
            "--password «Hunter2x» --user ops",
            "Passwort: «Sonne2024!»",
            "mot de passe : «Chat-noir-77»",
            "la contraseña es «Gato#1990»",
            "密码是«Hunter2x»",
            "mysql -u root -p«Rt00tPass» payroll",
            "sshpass -p '«Z3ro#Day»' ssh ops@bastion",
            "docker login -u ci -p «Reg1stry!Pass» registry.local",
            "openssl pkcs12 -export -passout pass:«Exp0rt!23» -out b.p12",
            "keytool -list -storepass «Changeit9» -keystore ks.jks",
            "password=«short1»",
            "the password, btw, is «Quartz99»",
            "ok the wifi pass is «Tr1ck#y»",
            "login for grafana: admin / «Gr4fana!»",
            "I'm using «Swordfish77» as my password for now",
            "Kennwort für den Drucker ist «Druck3r!»",
            "the password (for the test box) is «hunter2»",
            "<password>«hunter2»</password>",
            "<add key=\"DbPassword\" value=\"«W3bC0nfig!»\" />",
            "env:\n  - name: DB_PASSWORD\n    value: \"«K8s!Secr3t»\"",
            "net use \\\\fs01\\share /user:acme\\alice «Hunter2!»",
            "the door code is «4471»",
        ] {
            assert_marked(marked, Password);
        }
        assert_marked(
            "jdbc:mysql://db01/app?user=root&password=«Hunter2x»&useSSL=false",
            PasswordInUrl,
        );
        assert_marked("the api key is «3f9a0c7e1b2d4f6a», staging", GenericApiKey);
        assert_marked("token for the build agent is «tk9m0l6jg0oe»", GenericApiKey);
    }

    #[test]
    fn talk_about_passwords_passes() {
        for text in [
            "I reset my password yesterday",
            "the password policy is 12 characters",
            "password: <redacted>",
            "password is required",
            "we rolled out a password manager",
            "forgot my password again",
            "password rotation is overdue",
            "the password is in the vault",
            "the password is too short, 14 characters minimum",
            "The password was changed on 2024-03-01.",
            "Password must be at least 14 characters.",
            "my PIN policy: 6 digits",
            "passwd:         files systemd",
            "ERROR 1045: Access denied for user 'root'@'localhost' (using password: YES)",
            "Failed password for invalid user admin from 198.51.100.23 port 52144 ssh2",
            "[sudo] password for alice:\nalice is not in the sudoers file.",
            "Password: Strong (entropy 72 bits)",
            "password: n/a (SSO only)",
            "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256",
            "Set-ADAccountPassword -Identity alice -Reset",
            "the password is 'required'",
            "the secret key is rotated every 90 days",
            "token: see 1Password",
            "The API key is stored in AWS Secrets Manager.",
            "The secret to a good 1:1 is listening.",
            "tokens: 128000, token budget 2000000",
            "Set the password to something long and unique.",
            "Okta is our password manager",
            "the version pin: v2.3.1",
            "docker run -u 1000:1000 img",
            "the pass is valid until Friday",
            "login for grafana: admin / see the vault",
            "Password, MFA, and SSO: all three are in scope",
            "boarding pass: seat 12A",
            "error code is 5001",
            "<add key=\"PasswordMinLength\" value=\"14\" />",
            "password_arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
            "The password is the same as before.",
            "passphrase: four random words",
            "the password is case sensitive",
            "the secret Q3-Reorg-2025 project is announced Monday",
            "secret: Project-Falcon-2025",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn http_credentials() {
        // "deploy:hunter2" in base64.
        assert_marked("Authorization: Basic «ZGVwbG95Omh1bnRlcjI=»", BasicAuth);
        assert_marked(
            "curl -u deploy:«Dep10y!now» https://ci.example.com",
            BasicAuth,
        );
        let opaque = random(130, 40, BASE62);
        assert_single(
            &format!("Authorization: Bearer {opaque}"),
            &opaque,
            BearerToken,
        );
        assert_clean("curl -H \"Authorization: Bearer $TOKEN\" https://api.example.com");
        assert_clean("-H 'Authorization: Basic <base64 of user:password>'");
        assert_clean("Bearer tokens and basic auth are both off on the admin panel");
    }

    #[test]
    fn signed_urls_and_otp_seeds() {
        let signature = random(140, 64, HEX);
        assert_single(
            &format!(
                "https://b.s3.amazonaws.com/q3.csv?X-Amz-Date=20241105T101500Z&X-Amz-Expires=600\
                 &X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
            ),
            &signature,
            SignedUrl,
        );
        let sig = random(141, 43, BASE62);
        assert_single(
            &format!("https://a.blob.core.windows.net/c/f.zip?sv=2022-11-02&sp=r&sig={sig}"),
            &sig,
            SignedUrl,
        );
        let seed = random(142, 32, BASE32);
        assert_single(
            &format!("otpauth://totp/ACME:alice?secret={seed}&issuer=ACME"),
            &seed,
            OtpSecret,
        );
        let seed = random(143, 16, BASE32);
        assert_single(&format!("the TOTP seed is {seed}"), &seed, OtpSecret);
    }

    #[test]
    fn more_private_keys() {
        let putty = format!(
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ops\n\
             Private-Lines: 1\n{}\nPrivate-MAC: {}",
            random(150, 48, BASE64),
            random(151, 64, HEX)
        );
        assert_single(&format!("{putty}\n"), &putty, PrivateKey);
        let age = [
            "AGE-SECRET-",
            "KEY-1",
            &random(152, 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
        ]
        .concat();
        assert_single(&format!("age key {age} ok"), &age, PrivateKey);
        let ssh2 = format!(
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n{}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
            random(153, 64, BASE64)
        );
        assert_single(&ssh2, &ssh2, PrivateKey);
    }

    #[test]
    fn harmless_encodings_pass() {
        let payload = random(160, 300, BASE64);
        assert_clean(&format!(
            "![chart](data:image/png;base64,iVBORw0KGgo{payload}==)"
        ));
        assert_clean(&format!("src: url(data:font/woff2;base64,{payload})"));
        assert_clean(&format!(
            "data:application/octet-stream;name=x.bin;base64,{payload}"
        ));
        assert_clean(&format!("signed:\n{}", pem("PGP SIGNATURE", 161)));
        assert_clean(&format!(
            "h1:{}= is the go.sum line",
            random(162, 43, BASE64)
        ));
        assert_clean(&format!("[Peer]\nPublicKey = {}=", random(163, 43, BASE64)));
        assert_clean(&format!(
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
            random(164, 48, BASE62)
        ));
        assert_clean(&format!(
            "https://shop.example/p?utm_source=x&gclid={}&fbclid={}",
            random(165, 80, BASE64URL),
            random(166, 56, BASE64URL)
        ));
        assert_clean(&format!(
            "https://b.s3.amazonaws.com/f.pdf?versionId={}",
            random(168, 32, BASE64URL)
        ));
        assert_clean(&format!(
            "cosign signature: MEUCIQ{}AiB{}",
            random(169, 40, BASE64),
            random(170, 40, BASE64)
        ));
        assert_clean(&format!(
            "\"thumbnail\": \"iVBORw0KGgoAAAANSUhEUgAA{payload}\""
        ));
        assert_clean(&format!("attachment: JVBERi0xLjcK{payload}"));
        assert_clean(&format!("digest: {}=", random(171, 43, BASE64)));
        assert_clean(&format!("ETag: \"{}\"", random(172, 40, BASE64)));
        // "Welcome to the security team!" in base64.
        assert_clean("banner: V2VsY29tZSB0byB0aGUgc2VjdXJpdHkgdGVhbSE=");
        // A data URI does not hide a key written after it.
        let key = ["gh", "p_", &random(167, 36, BASE62)].concat();
        assert_single(
            &format!("data:image/png;base64,{payload} and {key}"),
            &key,
            GitHubToken,
        );
    }
    #[test]
    fn passphrases_and_pre_shared_keys() {
        assert_marked(
            "the new passphrase is «correct horse battery staple»",
            Password,
        );
        assert_marked("passphrase: «purple monkey dishwasher», ok?", Password);
        for marked in [
            "the shared secret for the vpn is «blue-ocean-42»",
            "psk=«blue-ocean-42»",
            "the wifi key is «Sunflower2024»",
            "WPA2 key: «Sunflower2024!»",
        ] {
            assert_marked(marked, GenericApiKey);
        }
        for text in [
            "the shared secret santa budget is 20 euros",
            "our wifi key rotation policy is quarterly",
            "pre-shared keys are weaker than certificates",
            "the passphrase is easy to remember but long",
            "the wifi key is WPA2-PSK and the PSK is 256-bit",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn recovery_codes_and_keys() {
        for marked in [
            "recovery codes: «8472-1938 5521-0093 1192-3381»",
            "OTP backup codes: «8472-1938 5521-0093»",
            "Backup codes\n«8472 1938\n5521 0093»",
            "my bitlocker recovery key is «123456-234567-345678-456789-567890-678901-789012-890123»",
            "FileVault recovery key: «AB12-CD34-EF56-GH78-JK90-LM12»",
        ] {
            assert_marked(marked, RecoveryCode);
        }
        for text in [
            "recovery codes are stored in the vault",
            "backup codes: 10 per account, 2 of 10 used",
            "recovery codes were regenerated on 2024-11-05",
            "order ref AB12-CD34-EF56-GH78-JK90-LM12 shipped",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn seed_phrases() {
        let words = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        for text in [
            format!("the seed phrase is {words}"),
            format!("Secret Recovery Phrase: {words}."),
            format!("wallet backup, keep safe: {words}"),
        ] {
            assert_single(&text, words, SeedPhrase);
        }
        assert_eq!(
            kinds(&format!("mnemonic: {}", words.to_uppercase())),
            vec![SeedPhrase]
        );
        for text in [
            "seed phrase backups should be offline",
            "the seed phrase is twelve random words, never type it into a website",
            "the seed for the test run is 1234567",
        ] {
            assert_clean(text);
        }
    }
}

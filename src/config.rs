//! Settings: defaults in code, then an optional TOML file, then the environment, each layer
//! overriding the one before. Every setting is listed once in [`SETTINGS`]; the README table is
//! checked against that list by a test.

use std::{fmt, path::Path, path::PathBuf, time::Duration};

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};

/// One configurable setting, as documented in the README.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Environment variable.
    pub env: &'static str,
    /// Key in the TOML file.
    pub key: &'static str,
    /// What it holds and its default.
    pub help: &'static str,
}

/// Every setting shiftcoach reads.
pub const SETTINGS: &[Setting] = &[
    Setting {
        env: "DATABASE_URL",
        key: "database_url",
        help: "`postgres://user:pass@host/db` or `sqlite://path`; default `sqlite://<data dir>/shiftcoach.db`",
    },
    Setting {
        env: "SHIFTCOACH_DATA_DIR",
        key: "data_dir",
        help: "folder for the embedded database and exports; default `$XDG_DATA_HOME/shiftcoach` (`~/.local/share/shiftcoach`)",
    },
    Setting {
        env: "SHIFTCOACH_DEFAULT_ZONE",
        key: "default_zone",
        help: "IANA time zone used when a user's own zone is unknown; default `UTC`",
    },
    Setting {
        env: "SHIFTCOACH_ADMINS",
        key: "admins",
        help: "comma-separated user or role ids (or names) allowed to manage nudges, besides workspace admins",
    },
    Setting {
        env: "SHIFTCOACH_NUDGE_GRACE",
        key: "nudge_grace",
        help: "how late a missed nudge may still be sent after downtime, e.g. `2h`; from `1m` (one scheduler tick) to `7d`; default `2h`",
    },
    Setting {
        env: "SHIFTCOACH_CHECKIN_REMINDER",
        key: "checkin_reminder",
        help: "how long an unanswered check-in waits before its one reminder, e.g. `24h` (default); from `1h` to `6d`",
    },
    Setting {
        env: "SHIFTCOACH_PROMPTS_DIR",
        key: "prompts_dir",
        help: "load the coaching catalog from this folder instead of the one built into the binary",
    },
    Setting {
        env: "SHIFTCOACH_LOG_FORMAT",
        key: "log_format",
        help: "`text` (default) or `json`; levels come from `RUST_LOG`",
    },
    Setting {
        env: "SHIFTCOACH_DB_CONNECT_TIMEOUT",
        key: "db_connect_timeout",
        help: "how long to keep retrying an unreachable database at start, e.g. `30s`, `2m`; from `1s` to `1day`; default `30s`",
    },
    Setting {
        env: "DISCORD_TOKEN",
        key: "discord_token",
        help: "Discord bot token (secret); enables the Discord adapter",
    },
    Setting {
        env: "DISCORD_API_BASE",
        key: "discord_api_base",
        help: "where Discord's REST API (and through it the gateway) is, default `https://discord.com`; for tests and self-hosted endpoints",
    },
    Setting {
        env: "DISCORD_CA_CERT",
        key: "discord_ca_cert",
        help: "PEM file of a certificate authority to trust for `DISCORD_API_BASE` when it is not publicly signed",
    },
    Setting {
        env: "DISCORD_GUILD_ID",
        key: "discord_guild_id",
        help: "register the slash commands in this one guild (development) instead of globally",
    },
    Setting {
        env: "DISCORD_SHARDS",
        key: "discord_shards",
        help: "`auto` (default: as many as Discord recommends) or the total number of gateway shards",
    },
    Setting {
        env: "DISCORD_SHARD_RANGE",
        key: "discord_shard_range",
        help: "the shards this replica runs, e.g. `0-3` (inclusive, counted from 0); needs `DISCORD_SHARDS` as a number; default all of them",
    },
    Setting {
        env: "DISCORD_MESSAGE_CONTENT",
        key: "discord_message_content",
        help: "`true` when the bot has the privileged Message Content intent, so replies in nudge threads are kept; default `false` (people use the Reflect button)",
    },
    Setting {
        env: "SHIFTCOACH_HTTP_ADDR",
        key: "http_addr",
        help: "address for `/healthz`, `/readyz` and `/metrics` under `shiftcoach run`; default `0.0.0.0:8080`",
    },
    Setting {
        env: "SLACK_BOT_TOKEN",
        key: "slack_bot_token",
        help: "Slack bot token `xoxb-...` (secret); with `SLACK_APP_TOKEN` enables the Slack adapter",
    },
    Setting {
        env: "SLACK_APP_TOKEN",
        key: "slack_app_token",
        help: "Slack app-level token `xapp-...` for Socket Mode (secret)",
    },
    Setting {
        env: "SLACK_SIGNING_SECRET",
        key: "slack_signing_secret",
        help: "Slack signing secret (secret); with `SLACK_BOT_TOKEN` and no app token, selects HTTP mode, where every request's signature is checked",
    },
    Setting {
        env: "SLACK_HTTP_ADDR",
        key: "slack_http_addr",
        help: "address for Slack's HTTP mode routes (`POST /slack/commands`, `/slack/interactions`, `/slack/events`); default `0.0.0.0:3000`",
    },
    Setting {
        env: "SLACK_API_BASE",
        key: "slack_api_base",
        help: "where Slack's Web API is (and `apps.connections.open`), default `https://slack.com/api`; for tests and proxies",
    },
];

/// Accepted values of `nudge_grace`: at least one scheduler tick, a minute (a shorter window
/// would call on-time nudges missed), at most the week a scheduler looks back after an outage.
/// The scheduler checks at compile time that these fit its tick and lookback.
pub const NUDGE_GRACE_RANGE: (Duration, Duration) =
    (Duration::from_secs(60), Duration::from_secs(7 * 24 * 3600));

/// Accepted values of `checkin_reminder`: at least an hour to answer, and less than the week
/// before the next weekly check-in.
pub const CHECKIN_REMINDER_RANGE: (Duration, Duration) = (
    Duration::from_secs(3600),
    Duration::from_secs(6 * 24 * 3600),
);

/// Accepted values of `db_connect_timeout`: one connection attempt takes up to a second, and
/// a day is longer than any outage worth waiting through at start.
pub const DB_CONNECT_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(24 * 3600));

/// Reads a duration such as `90m` and checks it lies in `range` (inclusive).
fn duration_between(
    value: &str,
    example: &str,
    (least, most): (Duration, Duration),
) -> Result<Duration, String> {
    let shown = |d: Duration| humantime::format_duration(d).to_string();
    let duration = humantime::parse_duration(value)
        .map_err(|_| format!("expected a duration such as {example}, got {value:?}"))?;
    if duration < least || duration > most {
        return Err(format!(
            "must be between {} and {}, got {value:?}",
            shown(least),
            shown(most)
        ));
    }
    Ok(duration)
}

/// The environment variable that names a config file, like `--config`.
pub const CONFIG_FILE_ENV: &str = "SHIFTCOACH_CONFIG";

/// A configuration problem, phrased for the person who set it: one line naming the setting and
/// the form it expects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{origin}: {problem}")]
    Invalid { origin: String, problem: String },
    #[error("config file {path}: {problem}")]
    File { path: String, problem: String },
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub data_dir: PathBuf,
    pub default_zone: Tz,
    /// A catalog folder to use instead of the embedded one.
    pub prompts_dir: Option<PathBuf>,
    /// Users or roles allowed to manage nudges, besides platform admins.
    pub admins: Vec<String>,
    /// How late a missed nudge may still go out.
    pub nudge_grace: Duration,
    /// How long an unanswered check-in waits before its reminder.
    pub checkin_reminder: Duration,
    pub log_format: LogFormat,
    pub db_connect_timeout: Duration,
    pub discord_token: Option<SecretString>,
    pub discord_api_base: Option<url::Url>,
    pub discord_ca_cert: Option<PathBuf>,
    pub discord_guild_id: Option<u64>,
    pub discord_message_content: bool,
    /// How many gateway shards the bot has in all.
    pub discord_shards: ShardCount,
    /// The shards this replica runs (first and last, inclusive); all of them when `None`.
    pub discord_shard_range: Option<(u32, u32)>,
    pub http_addr: std::net::SocketAddr,
    pub slack_bot_token: Option<SecretString>,
    pub slack_app_token: Option<SecretString>,
    /// Slack's signing secret, for HTTP mode.
    pub slack_signing_secret: Option<SecretString>,
    /// Where Slack's HTTP mode routes listen.
    pub slack_http_addr: std::net::SocketAddr,
    /// Slack's Web API base URL, without a trailing `/` (methods are called at
    /// `{base}/{method}`, as slack-morphism builds them); `https://slack.com/api` by default.
    pub slack_api_base: String,
}

/// How many Discord gateway shards the bot runs in all (Discord: a bot in many servers must
/// shard; `GET /gateway/bot` says how many it recommends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardCount {
    /// As many as Discord recommends.
    Auto,
    /// Exactly this many (at least 1).
    Total(u32),
}

/// Reads `DISCORD_SHARDS`: `auto` or a positive count.
fn parse_shards(value: &str) -> Result<ShardCount, String> {
    if value.eq_ignore_ascii_case("auto") {
        return Ok(ShardCount::Auto);
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|count| *count > 0)
        .map(ShardCount::Total)
        .ok_or_else(|| format!("expected auto or a number of shards from 1, got {value:?}"))
}

/// Reads `DISCORD_SHARD_RANGE`: `FIRST-LAST` (inclusive) or one shard number.
fn parse_shard_range(value: &str) -> Result<(u32, u32), String> {
    let problem = || format!("expected shards as FIRST-LAST, e.g. 0-3, got {value:?}");
    let (first, last) = value.split_once('-').unwrap_or((value, value));
    let first: u32 = first.trim().parse().map_err(|_| problem())?;
    let last: u32 = last.trim().parse().map_err(|_| problem())?;
    if first > last {
        return Err(problem());
    }
    Ok((first, last))
}

/// How logs are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Query parameters whose values are credentials, compared without case, `-` or `_`: the
/// libpq names (`password`, `sslpassword`), their common spellings, and the token-like names
/// other services put in URLs.
const CREDENTIAL_PARAMS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "sslpassword",
    "passphrase",
    "secret",
    "clientsecret",
    "token",
    "accesstoken",
    "authtoken",
    "apikey",
    "key",
    "sig",
    "signature",
    "xamzsignature",
    "xamzsecuritytoken",
    "xamzcredential",
    "credential",
    "credentials",
    "auth",
];

/// A URL as it may be shown or logged: the password of the user-info part and the value of
/// every credential-bearing query parameter ([`CREDENTIAL_PARAMS`]) become `***`. Text that is
/// not a URL, or a URL without a host, is cut to its scheme (`mysql://…`), since it may hold
/// a password in a form we cannot parse. This is the one way shiftcoach shows a URL.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(raw) else {
        return match raw.split_once("://") {
            Some((scheme, _))
                if scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
            {
                format!("{scheme}://…")
            }
            _ => "(not a URL)".to_owned(),
        };
    };
    if !parsed.has_host() {
        // Without a host there is no user-info part to find a password in: show the scheme only.
        return format!("{}:…", parsed.scheme());
    }
    if parsed.password().is_some() {
        // Setting a password on a URL that already has one cannot fail.
        let _ = parsed.set_password(Some("***"));
    }
    if let Some(query) = parsed.query() {
        let query = redact_query(query);
        parsed.set_query(Some(&query));
    }
    parsed.to_string()
}

/// A query string (without its `?`) with the value of every credential-bearing parameter
/// replaced by `***`; other parameters are kept as written.
fn redact_query(query: &str) -> String {
    let credential = |key: &str| {
        let decoded: String = url::form_urlencoded::parse(key.as_bytes())
            .map(|(key, _)| key.into_owned())
            .collect();
        let folded: String = decoded
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        CREDENTIAL_PARAMS.contains(&folded.as_str())
    };
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if credential(key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Slack's Web API: `https://slack.com/api` (Slack: Web API methods are called at
/// `https://slack.com/api/METHOD`).
fn default_slack_api_base() -> String {
    "https://slack.com/api".to_owned()
}

/// A database URL whose password (in the user info or the query string) never reaches
/// `Debug` or `Display`.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: SecretString,
    backend: Backend,
    redacted: String,
}

impl DatabaseUrl {
    /// Parses a `postgres://`, `postgresql://` or `sqlite:` URL.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const EXPECTED: &str =
            "expected postgres://user:password@host:5432/dbname or sqlite://path/to/file.db";
        let backend = if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Backend::Postgres
        } else if raw.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(EXPECTED.to_owned());
        };
        if backend == Backend::Postgres && url::Url::parse(raw).is_err() {
            return Err(EXPECTED.to_owned());
        }
        // SQLite URLs name local paths, which are shown as written (not percent-encoded).
        let redacted = match (backend, raw.split_once('?')) {
            (Backend::Sqlite, Some((path, query))) => format!("{path}?{}", redact_query(query)),
            (Backend::Sqlite, None) => raw.to_owned(),
            (Backend::Postgres, _) => redact_url(raw),
        };
        Ok(Self {
            url: SecretString::from(raw.to_owned()),
            backend,
            redacted,
        })
    }

    /// The URL of the embedded database inside `data_dir`.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        let url = format!("sqlite://{}", data_dir.join("shiftcoach.db").display());
        Self {
            redacted: url.clone(),
            url: SecretString::from(url),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included: only for handing to the database driver.
    pub fn expose(&self) -> &str {
        self.url.expose_secret()
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl Config {
    /// Loads the configuration from the process environment and an optional TOML file.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok())
    }

    /// Loads the configuration from `env` (a lookup function, so tests need not touch the
    /// process environment) and an optional TOML file. A file named by `SHIFTCOACH_CONFIG` is
    /// used when `file` is `None`.
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let env_file = env(CONFIG_FILE_ENV).filter(|value| !value.is_empty());
        let file = file.map(Path::to_path_buf).or(env_file.map(PathBuf::from));
        let table = match &file {
            Some(path) => read_table(path)?,
            None => toml::Table::new(),
        };
        let raw = Raw {
            file: file.as_deref(),
            table: &table,
            env: &env,
        };

        let data_dir = match raw.get("data_dir")? {
            Some((_, dir)) => PathBuf::from(dir),
            None => dirs::data_dir()
                .map(|dir| dir.join("shiftcoach"))
                .ok_or_else(|| ConfigError::Invalid {
                    origin: "SHIFTCOACH_DATA_DIR".into(),
                    problem: "no home directory to put data in: set it to a writable folder".into(),
                })?,
        };
        let database = match raw.get("database_url")? {
            Some((origin, url)) => DatabaseUrl::parse(&url)
                .map_err(|problem| ConfigError::Invalid { origin, problem })?,
            None => DatabaseUrl::sqlite_in(&data_dir),
        };
        let default_zone = raw.parse("default_zone", Tz::UTC, crate::zone::parse_zone)?;
        let log_format = raw.parse("log_format", LogFormat::Text, |value| match value {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected `text` or `json`, got {other:?}")),
        })?;
        let db_connect_timeout =
            raw.parse("db_connect_timeout", Duration::from_secs(30), |value| {
                duration_between(value, "30s or 2m", DB_CONNECT_TIMEOUT_RANGE)
            })?;

        let prompts_dir = raw.get("prompts_dir")?.map(|(_, dir)| PathBuf::from(dir));
        let admins = raw
            .get("admins")?
            .map(|(_, list)| {
                list.split(',')
                    .map(|admin| admin.trim().trim_start_matches('@').to_owned())
                    .filter(|admin| !admin.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let nudge_grace = raw.parse("nudge_grace", Duration::from_secs(2 * 3600), |value| {
            duration_between(value, "2h or 90m", NUDGE_GRACE_RANGE)
        })?;

        let checkin_reminder = raw.parse(
            "checkin_reminder",
            Duration::from_secs(24 * 3600),
            |value| duration_between(value, "24h or 2d", CHECKIN_REMINDER_RANGE),
        )?;

        let discord_shards = raw.parse("discord_shards", ShardCount::Auto, parse_shards)?;
        let discord_shard_range = raw.parse("discord_shard_range", None, |value| {
            let (first, last) = parse_shard_range(value)?;
            match discord_shards {
                ShardCount::Auto => Err(
                    "a shard range needs DISCORD_SHARDS set to the total number of shards".into(),
                ),
                ShardCount::Total(total) if last >= total => Err(format!(
                    "shard {last} does not exist: with DISCORD_SHARDS={total} they are 0 to {}",
                    total - 1
                )),
                ShardCount::Total(_) => Ok(Some((first, last))),
            }
        })?;

        Ok(Self {
            database,
            data_dir,
            default_zone,
            prompts_dir,
            admins,
            nudge_grace,
            checkin_reminder,
            log_format,
            db_connect_timeout,
            discord_token: raw.secret("discord_token")?,
            discord_api_base: raw.parse("discord_api_base", None, |value| {
                url::Url::parse(value)
                    .ok()
                    .filter(|url| {
                        url.scheme() == "https"
                            && url.host().is_some()
                            && url.username().is_empty()
                            && url.password().is_none()
                            && url.query().is_none()
                    })
                    .map(Some)
                    .ok_or_else(|| {
                        format!(
                            "expected an https:// URL without credentials or query, such as https://discord.com, got {}",
                            redact_url(value)
                        )
                    })
            })?,
            discord_ca_cert: raw
                .get("discord_ca_cert")?
                .map(|(_, path)| PathBuf::from(path)),
            discord_guild_id: raw.parse("discord_guild_id", None, |value| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(Some)
                    .ok_or_else(|| format!("expected a numeric Discord guild id, got {value:?}"))
            })?,
            discord_shards,
            discord_shard_range,
            discord_message_content: raw.parse("discord_message_content", false, |value| {
                match value.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => Ok(true),
                    "false" | "0" | "no" => Ok(false),
                    _ => Err(format!("expected true or false, got {value:?}")),
                }
            })?,
            http_addr: raw.parse(
                "http_addr",
                std::net::SocketAddr::from(([0, 0, 0, 0], 8080)),
                |value| {
                    value.parse().map_err(|_| {
                        format!("expected an address such as 0.0.0.0:8080, got {value:?}")
                    })
                },
            )?,
            slack_bot_token: raw.secret("slack_bot_token")?,
            slack_app_token: raw.secret("slack_app_token")?,
            slack_signing_secret: raw.secret("slack_signing_secret")?,
            slack_http_addr: raw.parse(
                "slack_http_addr",
                std::net::SocketAddr::from(([0, 0, 0, 0], 3000)),
                |value| {
                    value.parse().map_err(|_| {
                        format!("expected an address such as 0.0.0.0:3000, got {value:?}")
                    })
                },
            )?,
            slack_api_base: raw.parse("slack_api_base", default_slack_api_base(), |value| {
                url::Url::parse(value)
                    .ok()
                    .filter(|url| {
                        matches!(url.scheme(), "https" | "http")
                            && url.host().is_some()
                            && url.username().is_empty()
                            && url.password().is_none()
                            && url.query().is_none()
                    })
                    // Methods are appended as `{base}/{method}`: no trailing slash.
                    .map(|url| url.as_str().trim_end_matches('/').to_owned())
                    .ok_or_else(|| {
                        format!(
                            "expected an http(s):// URL without credentials or query, such as https://slack.com/api, got {}",
                            redact_url(value)
                        )
                    })
            })?,
        })
    }
}

/// The raw layers, before parsing.
struct Raw<'a, E> {
    file: Option<&'a Path>,
    table: &'a toml::Table,
    env: &'a E,
}

impl<E: Fn(&str) -> Option<String>> Raw<'_, E> {
    /// The value of a setting and where it came from (environment first, then the file).
    fn get(&self, key: &str) -> Result<Option<(String, String)>, ConfigError> {
        let setting = SETTINGS
            .iter()
            .find(|setting| setting.key == key)
            .expect("every key read by Config::load_from is listed in SETTINGS");
        if let Some(value) = (self.env)(setting.env).filter(|value| !value.is_empty()) {
            return Ok(Some((setting.env.to_owned(), value)));
        }
        let Some(value) = self.table.get(key) else {
            return Ok(None);
        };
        let origin = format!(
            "`{key}` in {}",
            self.file
                .map(Path::display)
                .map(|p| p.to_string())
                .unwrap_or_default()
        );
        match value.as_str() {
            Some(text) => Ok(Some((origin, text.to_owned()))),
            None => Err(ConfigError::Invalid {
                origin,
                problem: "expected a quoted string".into(),
            }),
        }
    }

    fn parse<T>(
        &self,
        key: &str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.get(key)? {
            Some((origin, value)) => {
                parse(value.trim()).map_err(|problem| ConfigError::Invalid { origin, problem })
            }
            None => Ok(default),
        }
    }

    fn secret(&self, key: &str) -> Result<Option<SecretString>, ConfigError> {
        Ok(self
            .get(key)?
            .map(|(_, value)| SecretString::from(value.trim().to_owned())))
    }
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let file_error = |problem: String| ConfigError::File {
        path: path.display().to_string(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|err| file_error(err.to_string()))?;
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        file_error(format!(
            "not valid TOML: {}",
            err.message().lines().next().unwrap_or_default()
        ))
    })?;
    if let Some(unknown) = table
        .keys()
        .find(|key| !SETTINGS.iter().any(|setting| setting.key == key.as_str()))
    {
        let known: Vec<&str> = SETTINGS.iter().map(|setting| setting.key).collect();
        return Err(file_error(format!(
            "unknown setting `{unknown}`; known settings: {}",
            known.join(", ")
        )));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_from(None, move |name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_use_embedded_sqlite_in_the_data_dir() {
        let config = load(&[("SHIFTCOACH_DATA_DIR", "/tmp/sc")]).unwrap();
        assert_eq!(config.database.backend(), Backend::Sqlite);
        assert_eq!(config.database.expose(), "sqlite:///tmp/sc/shiftcoach.db");
        assert_eq!(config.default_zone, Tz::UTC);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.db_connect_timeout, Duration::from_secs(30));
    }

    #[test]
    fn a_bad_zone_names_the_setting_and_the_expected_form() {
        let err = load(&[("SHIFTCOACH_DEFAULT_ZONE", "Mars/Olympus")]).unwrap_err();
        let line = err.to_string();
        assert!(line.starts_with("SHIFTCOACH_DEFAULT_ZONE: "), "{line}");
        assert!(line.contains("Europe/Berlin"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn zones_are_read_in_any_case_and_abbreviations_are_refused() {
        let config = load(&[("SHIFTCOACH_DEFAULT_ZONE", "europe/berlin")]).unwrap();
        assert_eq!(config.default_zone, chrono_tz::Europe::Berlin);
        let line = load(&[("SHIFTCOACH_DEFAULT_ZONE", "EST")])
            .unwrap_err()
            .to_string();
        assert!(line.starts_with("SHIFTCOACH_DEFAULT_ZONE: "), "{line}");
        assert!(line.contains("America/New_York"), "{line}");
    }

    #[test]
    fn shards_are_auto_a_count_or_a_range_of_a_count() {
        assert_eq!(load(&[]).unwrap().discord_shards, ShardCount::Auto);
        let config = load(&[("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "2-3")]).unwrap();
        assert_eq!(config.discord_shards, ShardCount::Total(4));
        assert_eq!(config.discord_shard_range, Some((2, 3)));
        let one = load(&[("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "1")]).unwrap();
        assert_eq!(one.discord_shard_range, Some((1, 1)));
        for (env, says) in [
            (vec![("DISCORD_SHARDS", "0")], "auto or a number"),
            (vec![("DISCORD_SHARDS", "many")], "auto or a number"),
            (vec![("DISCORD_SHARD_RANGE", "0-1")], "needs DISCORD_SHARDS"),
            (
                vec![("DISCORD_SHARDS", "2"), ("DISCORD_SHARD_RANGE", "1-2")],
                "0 to 1",
            ),
            (
                vec![("DISCORD_SHARDS", "4"), ("DISCORD_SHARD_RANGE", "3-1")],
                "FIRST-LAST",
            ),
        ] {
            let line = load(&env).unwrap_err().to_string();
            assert!(line.contains(says), "{env:?}: {line}");
        }
    }

    #[test]
    fn durations_that_cannot_work_are_refused_with_the_range() {
        for (name, value, range) in [
            ("SHIFTCOACH_NUDGE_GRACE", "0s", "between 1m and 7days"),
            ("SHIFTCOACH_NUDGE_GRACE", "59s", "between 1m and 7days"),
            ("SHIFTCOACH_NUDGE_GRACE", "8d", "between 1m and 7days"),
            ("SHIFTCOACH_NUDGE_GRACE", "100000y", "between 1m and 7days"),
            ("SHIFTCOACH_DB_CONNECT_TIMEOUT", "0s", "between 1s and 1day"),
            (
                "SHIFTCOACH_DB_CONNECT_TIMEOUT",
                "100000y",
                "between 1s and 1day",
            ),
        ] {
            let line = load(&[(name, value)]).unwrap_err().to_string();
            assert!(
                line.starts_with(&format!("{name}: must be {range}")),
                "{line}"
            );
            assert!(line.contains(value), "{line}");
        }
        let config = load(&[
            ("SHIFTCOACH_NUDGE_GRACE", "1m"),
            ("SHIFTCOACH_DB_CONNECT_TIMEOUT", "1s"),
        ])
        .unwrap();
        assert_eq!(config.nudge_grace, Duration::from_secs(60));
        assert_eq!(config.db_connect_timeout, Duration::from_secs(1));
        assert_eq!(
            load(&[("SHIFTCOACH_NUDGE_GRACE", "7d")])
                .unwrap()
                .nudge_grace,
            Duration::from_secs(7 * 24 * 3600)
        );
    }

    #[test]
    fn a_bad_database_url_does_not_echo_the_value() {
        let err = load(&[("DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err();
        let line = err.to_string();
        assert!(
            line.starts_with("DATABASE_URL: expected postgres://"),
            "{line}"
        );
        assert!(!line.contains("hunter2"));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = load(&[
            (
                "DATABASE_URL",
                "postgres://coach:hunter2@db.internal:5432/coach",
            ),
            ("DISCORD_TOKEN", "discord-token-value"),
            ("SLACK_BOT_TOKEN", "xoxb-slack-token-value"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("discord-token-value"), "{debug}");
        assert!(!debug.contains("xoxb-slack-token-value"), "{debug}");
        assert!(debug.contains("db.internal"), "{debug}");
        assert_eq!(
            config.database.expose(),
            "postgres://coach:hunter2@db.internal:5432/coach"
        );
    }

    #[test]
    fn every_credential_in_a_url_is_redacted_wherever_it_is() {
        let urls = [
            "postgres://u@127.0.0.1:1/db?password=s3cr3tA",
            "postgresql://u:s3cr3tA@127.0.0.1/db",
            "postgres://u:s3cr3tA@h/db?sslmode=require&sslpassword=s3cr3tA",
            "postgres://u@h/db?application_name=coach&PassWord=s3cr3tA",
            "postgres://u@h/db?pass_word=s3cr3tA&sslmode=disable",
            "postgres://u@h/db?pwd=s3cr3tA",
            "postgres://u@h/db?Pass%77ord=s3cr3tA",
            "sqlite:///tmp/coach.db?password=s3cr3tA",
            "sqlite:coach.db?mode=rwc&key=s3cr3tA",
        ];
        for raw in urls {
            let url = DatabaseUrl::parse(raw).unwrap();
            for shown in [url.to_string(), format!("{url:?}")] {
                assert!(!shown.contains("s3cr3tA"), "{raw} shown as {shown}");
                assert!(shown.contains("***"), "{raw} shown as {shown}");
            }
            assert_eq!(url.expose(), raw);
        }
        let kept = DatabaseUrl::parse("postgres://u@h/db?sslmode=require").unwrap();
        assert_eq!(kept.to_string(), "postgres://u@h/db?sslmode=require");
        assert_eq!(
            redact_url("https://proxy.example/api?token=s3cr3tA&v=10"),
            "https://proxy.example/api?token=***&v=10"
        );
        assert_eq!(redact_url("mysql:/x:s3cr3tA@@"), "mysql:…");
        assert_eq!(redact_url("no url s3cr3tA"), "(not a URL)");
    }

    #[test]
    fn slack_settings_default_to_slack_and_refuse_bad_values() {
        let config = load(&[]).unwrap();
        assert_eq!(config.slack_api_base, "https://slack.com/api");
        assert_eq!(config.slack_http_addr.port(), 3000);
        let config = load(&[
            ("SLACK_API_BASE", "http://127.0.0.1:9999/api/"),
            ("SLACK_SIGNING_SECRET", "signing-secret-value"),
        ])
        .unwrap();
        assert_eq!(config.slack_api_base, "http://127.0.0.1:9999/api");
        assert!(!format!("{config:?}").contains("signing-secret-value"));
        for (name, value) in [
            ("SLACK_API_BASE", "ftp://slack.example/api"),
            ("SLACK_API_BASE", "https://u:s3cr3tA@proxy.example/api"),
            ("SLACK_HTTP_ADDR", "port 3000"),
        ] {
            let err = load(&[(name, value)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{name}: ")), "{err}");
            assert!(!err.contains("s3cr3tA"), "{err}");
        }
    }

    #[test]
    fn an_api_base_with_credentials_is_refused_without_echoing_them() {
        for value in [
            "https://u:s3cr3tA@proxy.example",
            "https://proxy.example/?token=s3cr3tA",
        ] {
            let err = load(&[("DISCORD_API_BASE", value)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("DISCORD_API_BASE: "), "{err}");
            assert!(!err.contains("s3cr3tA"), "{err}");
        }
    }

    #[test]
    fn environment_overrides_the_file_and_unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coach.toml");
        std::fs::write(
            &path,
            "default_zone = \"Europe/Berlin\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let config = Config::load_from(Some(&path), |name| {
            (name == "SHIFTCOACH_LOG_FORMAT").then(|| "text".to_owned())
        })
        .unwrap();
        assert_eq!(config.default_zone, chrono_tz::Europe::Berlin);
        assert_eq!(config.log_format, LogFormat::Text);

        std::fs::write(&path, "default_zone = \"UTC\"\ncolour = \"blue\"\n").unwrap();
        let err = Config::load_from(Some(&path), |_| None).unwrap_err();
        assert!(
            err.to_string().contains("unknown setting `colour`"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_value_in_the_file_names_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coach.toml");
        std::fs::write(&path, "db_connect_timeout = \"soon\"\n").unwrap();
        let err = Config::load_from(Some(&path), |_| None).unwrap_err();
        let line = err.to_string();
        assert!(line.starts_with("`db_connect_timeout` in "), "{line}");
        assert!(line.contains("30s"), "{line}");
    }
}

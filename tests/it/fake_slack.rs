//! A fake Slack on 127.0.0.1 (plain HTTP), for the real slack-morphism client pointed at it with
//! `SlackClientHyperConnector::with_slack_api_url(&fake.api_base())`.
//!
//! It serves the Web API methods the Slack adapter uses, as strictly as Slack: every call needs
//! the right token (`not_authed`, `invalid_auth`, `not_allowed_token_type`, all HTTP 200 with
//! `ok: false`), takes JSON or form-encoded bodies (and query strings), and checks Block Kit
//! against Slack's documented limits (see `limits`). It also plays Socket Mode
//! (`apps.connections.open` and a websocket that sends `hello`, envelopes and `disconnect` and
//! records acks), `response_url`s (5 uses in 30 minutes), `trigger_id`s (one use, 3 seconds),
//! the three-step file upload, and scripted 429s with `Retry-After`. Every request is recorded.
//!
//! Slack facts used are from Slack's API documentation (docs.slack.dev / api.slack.com method
//! pages). Where Slack's exact answer is not documented the fake says so in the item's doc.

mod limits;

use std::{
    collections::{HashMap, HashSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::{
    Request, Response, StatusCode, body::Bytes, header, http::request::Parts, server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use limits::{MESSAGE_TEXT_MAX, chars};
pub use limits::{check_message_blocks, check_modal};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use tokio::{net::TcpListener, sync::mpsc};
use tokio_tungstenite::tungstenite::{
    Message as Frame,
    handshake::server::{ErrorResponse, Request as WsRequest, Response as WsResponse},
};

/// The bot token (`xoxb-`) every Web API method but `apps.connections.open` wants.
pub const BOT_TOKEN: &str = "xoxb-1000000001-2000000002-fakeslackbottoken000";
/// The app-level token (`xapp-`) `apps.connections.open` wants (Slack: "app-level token with
/// the connections:write scope").
pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP1-3000000003-fakeslackapptoken000";
/// The signing secret [`sign`] uses by default.
pub const SIGNING_SECRET: &str = "fakeslacksigningsecret0123456789";
pub const TEAM_ID: &str = "T0FAKETEAM";
pub const APP_ID: &str = "A0FAKEAPP1";
pub const BOT_USER_ID: &str = "U0FAKEBOT1";
pub const BOT_ID: &str = "B0FAKEBOT1";
/// A public channel the bot is a member of.
pub const CHANNEL: &str = "C0FAKECHAN1";
/// A user in Europe/Paris, neither admin nor owner.
pub const USER: &str = "U0FAKEUSER1";
/// Slack: a `trigger_id` "expires in three seconds" and can be used once.
pub const TRIGGER_TTL: Duration = Duration::from_secs(3);
/// Slack: a `response_url` can be used "up to 5 times within 30 minutes".
pub const RESPONSE_URL_USES: usize = 5;
pub const RESPONSE_URL_TTL: Duration = Duration::from_secs(30 * 60);
/// Slack: `conversations.history` `limit` defaults to 100; the fake caps it at 999.
const HISTORY_LIMIT_DEFAULT: usize = 100;
const HISTORY_LIMIT_MAX: usize = 999;
/// Form fields Slack reads as JSON when a body is form-encoded.
const JSON_FIELDS: [&str; 6] = [
    "blocks",
    "attachments",
    "metadata",
    "view",
    "files",
    "users",
];

/// Which token a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    None,
    Bot,
    App,
    /// Some other token (answered `invalid_auth`).
    Other,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`.
    pub http_method: String,
    /// The path without the query string.
    pub path: String,
    /// The Web API method (`chat.postMessage`); `""` for uploads and `response_url`s.
    pub method: String,
    /// Query and body parameters together, JSON-valued form fields decoded; `token` left out.
    pub body: Value,
    /// Headers, without `authorization` and `cookie`.
    pub headers: Vec<(String, String)>,
    pub token: TokenKind,
    pub at: Instant,
}

/// A request answered with `ok: false` (or a 4xx from an upload or `response_url`); 429s are
/// not in this list.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub request: Recorded,
    pub status: u16,
    /// Slack's error code (`invalid_blocks`).
    pub error: String,
    pub body: Value,
}

/// A message as it stands in a channel.
#[derive(Debug, Clone)]
pub struct Message {
    pub channel: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub text: Option<String>,
    pub blocks: Option<Value>,
    pub metadata: Option<Value>,
    pub files: Vec<Value>,
    pub edited: bool,
}

/// A file going through `files.getUploadURLExternal` → upload → `files.completeUploadExternal`.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_id: String,
    pub filename: String,
    /// The `length` announced to `files.getUploadURLExternal`.
    pub length: u64,
    /// What was POSTed to the upload URL; `None` until then.
    pub bytes: Option<Vec<u8>>,
    pub completed: bool,
    pub title: Option<String>,
    pub channel: Option<String>,
    pub initial_comment: Option<String>,
}

/// A Socket Mode acknowledgement.
#[derive(Debug, Clone)]
pub struct Ack {
    pub envelope_id: String,
    /// The ack's `payload` (a response to a slash command or a `response_action`).
    pub payload: Option<Value>,
    pub at: Instant,
    /// Time from the envelope's last delivery to this ack; `None` for an unknown envelope.
    pub latency: Option<Duration>,
    /// Which connection it came on.
    pub connection: u64,
}

/// What a pushed envelope carried that the app may use later.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub envelope_id: String,
    pub trigger_id: Option<String>,
    pub response_url: Option<String>,
}

/// A user `users.info` knows.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    /// IANA zone (`Europe/Paris`).
    pub tz: String,
    /// Seconds east of UTC.
    pub tz_offset: i64,
    pub is_admin: bool,
    pub is_owner: bool,
}

struct Channel {
    member: bool,
    archived: bool,
}

struct Trigger {
    issued: Instant,
    used: bool,
}

struct ResponseUrl {
    issued: Instant,
    uses: usize,
}

struct Envelope {
    frame: Value,
    delivered: Option<Instant>,
    acked: bool,
}

#[derive(Default)]
struct Script {
    base: String,
    socket_base: String,
    channels: HashMap<String, Channel>,
    /// DM channel id → user id.
    dms: HashMap<String, String>,
    users: HashMap<String, User>,
    messages: Vec<Message>,
    ephemerals: Vec<Message>,
    views: Vec<Value>,
    uploads: Vec<Upload>,
    /// Upload path → file id.
    upload_paths: HashMap<String, String>,
    triggers: HashMap<String, Trigger>,
    response_urls: HashMap<String, ResponseUrl>,
    /// Ephemeral messages and ephemeral `response_url` posts, in order.
    private: Vec<Message>,
    /// Accepted `response_url` posts: (url, body).
    responses: Vec<(String, Value)>,
    /// Method → (429s still to answer, Retry-After seconds).
    method_limits: HashMap<String, (usize, u64)>,
    /// Channel → (429s still to answer on `chat.postMessage`, Retry-After seconds).
    channel_limits: HashMap<String, (usize, u64)>,
    /// Microseconds part of the next `ts`.
    clock: u64,
    next_id: u64,
    tickets: HashSet<String>,
    sockets: HashMap<u64, mpsc::UnboundedSender<Frame>>,
    connects: usize,
    next_socket: u64,
    round_robin: usize,
    envelopes: HashMap<String, Envelope>,
    /// Envelopes pushed while no connection was open, sent to the next one.
    queued: Vec<String>,
    acks: Vec<Ack>,
}

struct State {
    requests: Mutex<Vec<Recorded>>,
    rejections: Mutex<Vec<Rejection>>,
    script: Mutex<Script>,
}

/// The running fake.
pub struct FakeSlack {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl FakeSlack {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sockets = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut script = Script {
            base: format!("http://{addr}"),
            socket_base: format!("ws://{}", sockets.local_addr().unwrap()),
            clock: 100,
            next_id: 1000,
            ..Script::default()
        };
        script.channels.insert(
            CHANNEL.to_owned(),
            Channel {
                member: true,
                archived: false,
            },
        );
        for user in [
            User {
                id: USER.to_owned(),
                name: "ada".to_owned(),
                tz: "Europe/Paris".to_owned(),
                tz_offset: 3600,
                is_admin: false,
                is_owner: false,
            },
            User {
                id: BOT_USER_ID.to_owned(),
                name: "shiftcoach".to_owned(),
                tz: "America/Los_Angeles".to_owned(),
                tz_offset: -28800,
                is_admin: false,
                is_owner: false,
            },
        ] {
            script.users.insert(user.id.clone(), user);
        }
        let state = Arc::new(State {
            requests: Mutex::new(Vec::new()),
            rejections: Mutex::new(Vec::new()),
            script: Mutex::new(script),
        });
        tokio::spawn(serve_sockets(sockets, state.clone()));
        let state_in = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state_in.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(request, &state).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state }
    }

    /// The Web API base for `with_slack_api_url`: `http://127.0.0.1:PORT/api`, no trailing slash,
    /// because slack-morphism 2.31 builds `{base}/{method}` (like its default
    /// `https://slack.com/api`). A base ending in `/` makes `/api//chat.postMessage`, which the
    /// fake answers `unknown_method`, as Slack would.
    pub fn api_base(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.state.script.lock().unwrap()
    }

    /// Every request received, in order, whatever the answer.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Requests to one Web API method.
    pub fn calls(&self, method: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method)
            .collect()
    }

    /// Every refusal (`ok: false`, or a 4xx from an upload URL or a `response_url`), not 429s.
    pub fn rejections(&self) -> Vec<Rejection> {
        self.state.rejections.lock().unwrap().clone()
    }

    /// Every `chat.postMessage` request, including refused and rate-limited ones.
    pub fn posts(&self) -> Vec<Recorded> {
        self.calls("chat.postMessage")
    }

    /// Ephemeral messages accepted by `chat.postEphemeral` (they are in no history, as in Slack).
    pub fn ephemerals(&self) -> Vec<Message> {
        self.script().ephemerals.clone()
    }

    /// Messages of a channel as they stand, oldest first, thread replies included.
    pub fn messages(&self, channel: &str) -> Vec<Message> {
        self.script()
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .cloned()
            .collect()
    }

    /// Views accepted by `views.open`, as sent.
    pub fn opened_views(&self) -> Vec<Value> {
        self.script().views.clone()
    }

    /// Every file upload begun with `files.getUploadURLExternal`.
    pub fn uploads(&self) -> Vec<Upload> {
        self.script().uploads.clone()
    }

    /// Accepted posts to `response_url`s: (url, body).
    pub fn responses(&self) -> Vec<(String, Value)> {
        self.script().responses.clone()
    }

    /// Everything only the person sees, in the order Slack accepted it: `chat.postEphemeral`
    /// messages and `response_url` posts that are not `in_channel` (Slack: a `response_url`
    /// answers ephemerally by default). A response's `channel` and `ts` are empty.
    pub fn private_answers(&self) -> Vec<Message> {
        self.script().private.clone()
    }

    /// Adds a channel; `member` says whether the bot is in it (Slack answers `not_in_channel`
    /// to a post where it is not).
    pub fn add_channel(&self, id: &str, member: bool) {
        self.script().channels.insert(
            id.to_owned(),
            Channel {
                member,
                archived: false,
            },
        );
    }

    /// Archives a channel: posting answers `is_archived`.
    pub fn archive_channel(&self, id: &str) {
        if let Some(channel) = self.script().channels.get_mut(id) {
            channel.archived = true;
        }
    }

    pub fn add_user(&self, user: User) {
        self.script().users.insert(user.id.clone(), user);
    }

    /// The next `count` calls of `method` answer HTTP 429 `ratelimited` with `Retry-After:
    /// retry_after` (Slack: "HTTP 429 Too Many Requests ... a Retry-After HTTP header containing
    /// the number of seconds until you can retry").
    pub fn rate_limit(&self, method: &str, count: usize, retry_after: u64) {
        self.script()
            .method_limits
            .insert(method.to_owned(), (count, retry_after));
    }

    /// The next `count` `chat.postMessage` calls to `channel` answer 429 (Slack: posting is
    /// limited to about one message per second per channel).
    pub fn rate_limit_channel(&self, channel: &str, count: usize, retry_after: u64) {
        self.script()
            .channel_limits
            .insert(channel.to_owned(), (count, retry_after));
    }

    /// A fresh `trigger_id`, as an interaction would carry.
    pub fn issue_trigger_id(&self) -> String {
        self.issue_trigger_id_aged(Duration::ZERO)
    }

    /// A `trigger_id` issued `age` ago (past [`TRIGGER_TTL`] it is expired).
    pub fn issue_trigger_id_aged(&self, age: Duration) -> String {
        let mut script = self.script();
        let id = format!(
            "{}.{}.fake{}",
            1_000_000 + script.next(),
            2_000_000,
            script.next()
        );
        let issued = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        script.triggers.insert(
            id.clone(),
            Trigger {
                issued,
                used: false,
            },
        );
        id
    }

    /// A fresh `response_url` on the fake.
    pub fn issue_response_url(&self) -> String {
        self.script().issue_response_url(Duration::ZERO)
    }

    /// A `response_url` issued `age` ago (past [`RESPONSE_URL_TTL`] it is expired).
    pub fn issue_response_url_aged(&self, age: Duration) -> String {
        self.script().issue_response_url(age)
    }

    /// A slash command's payload as Slack sends it (form fields; in Socket Mode the same fields
    /// as a JSON object), with a fresh `trigger_id` and `response_url`.
    pub fn slash_command_payload(
        &self,
        command: &str,
        text: &str,
        user: &str,
        channel: &str,
    ) -> Value {
        let trigger = self.issue_trigger_id();
        let response_url = self.issue_response_url();
        json!({
            "token": "fakeverificationtoken", "team_id": TEAM_ID, "team_domain": "fake-team",
            "channel_id": channel, "channel_name": "security-leads", "user_id": user,
            "user_name": "ada", "command": command, "text": text, "api_app_id": APP_ID,
            "is_enterprise_install": "false", "response_url": response_url, "trigger_id": trigger
        })
    }

    // ---- Socket Mode ----

    /// Open Socket Mode connections (Slack allows up to 10 per app).
    pub fn connections(&self) -> usize {
        self.script().sockets.len()
    }

    /// Websocket connections accepted so far (a reconnect counts again).
    pub fn connects(&self) -> usize {
        self.script().connects
    }

    /// Waits until `count` connections are open; false on timeout.
    pub async fn wait_for_connections(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.connections() >= count {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// Pushes a slash command (envelope type `slash_commands`, `accepts_response_payload: true`).
    pub fn push_slash_command(
        &self,
        command: &str,
        text: &str,
        user: &str,
        channel: &str,
    ) -> Pushed {
        let payload = self.slash_command_payload(command, text, user, channel);
        let pushed = Pushed {
            envelope_id: String::new(),
            trigger_id: payload["trigger_id"].as_str().map(str::to_owned),
            response_url: payload["response_url"].as_str().map(str::to_owned),
        };
        let envelope_id = self.push("slash_commands", payload, true);
        Pushed {
            envelope_id,
            ..pushed
        }
    }

    /// Pushes an interaction (envelope type `interactive`). A `trigger_id` is added when the
    /// payload has none (Slack sends one with `block_actions`, `shortcut`, `view_submission`),
    /// and a `response_url` for `block_actions` on a message. `accepts_response_payload` is
    /// true for `view_submission` and `block_suggestion`, whose ack may carry a response.
    pub fn push_interactive(&self, mut payload: Value) -> Pushed {
        let trigger_id = match payload["trigger_id"].as_str() {
            Some(id) => {
                let id = id.to_owned();
                self.script().triggers.entry(id.clone()).or_insert(Trigger {
                    issued: Instant::now(),
                    used: false,
                });
                id
            }
            None => {
                let id = self.issue_trigger_id();
                payload["trigger_id"] = json!(id);
                id
            }
        };
        let kind = payload["type"].as_str().unwrap_or_default().to_owned();
        if kind == "block_actions"
            && payload["response_url"].is_null()
            && !payload["message"].is_null()
        {
            payload["response_url"] = json!(self.issue_response_url());
        }
        let response_url = payload["response_url"].as_str().map(str::to_owned);
        let accepts = kind == "view_submission" || kind == "block_suggestion";
        let envelope_id = self.push("interactive", payload, accepts);
        Pushed {
            envelope_id,
            trigger_id: Some(trigger_id),
            response_url,
        }
    }

    /// Pushes an Events API event (envelope type `events_api`) wrapped in an `event_callback`.
    pub fn push_event(&self, event: Value, event_id: &str) -> Pushed {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let payload = json!({
            "token": "fakeverificationtoken", "team_id": TEAM_ID, "api_app_id": APP_ID,
            "event": event, "type": "event_callback", "event_id": event_id, "event_time": now,
            "authorizations": [{ "enterprise_id": null, "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                "is_bot": true, "is_enterprise_install": false }],
            "is_ext_shared_channel": false, "event_context": format!("4-fake-{event_id}")
        });
        Pushed {
            envelope_id: self.push("events_api", payload, false),
            trigger_id: None,
            response_url: None,
        }
    }

    fn push(&self, kind: &str, payload: Value, accepts_response_payload: bool) -> String {
        let mut script = self.script();
        let envelope_id = format!(
            "{:08x}-fake-4e0e-9b7a-{:012x}",
            script.next(),
            script.next()
        );
        let mut frame = json!({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": accepts_response_payload
        });
        if kind == "events_api" {
            frame["retry_attempt"] = json!(0);
            frame["retry_reason"] = json!("");
        }
        script.envelopes.insert(
            envelope_id.clone(),
            Envelope {
                frame,
                delivered: None,
                acked: false,
            },
        );
        if !script.deliver(&envelope_id) {
            script.queued.push(envelope_id.clone());
        }
        envelope_id
    }

    /// Acks received, in order.
    pub fn acks(&self) -> Vec<Ack> {
        self.script().acks.clone()
    }

    /// Envelopes pushed and not acked yet.
    pub fn unacked(&self) -> Vec<String> {
        let script = self.script();
        let mut ids: Vec<String> = script
            .envelopes
            .iter()
            .filter(|(_, e)| !e.acked)
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Waits for the ack of `envelope_id`; `None` on timeout.
    pub async fn wait_for_ack(&self, envelope_id: &str, timeout: Duration) -> Option<Ack> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ack) = self
                .acks()
                .into_iter()
                .find(|a| a.envelope_id == envelope_id)
            {
                return Some(ack);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends an unacked envelope again, the way Slack retries (Slack: an envelope not acked
    /// within 3 seconds is retried; `events_api` retries carry `retry_attempt` and
    /// `retry_reason: "timeout"`). False when it was acked already or is unknown.
    pub fn redeliver(&self, envelope_id: &str) -> bool {
        let mut script = self.script();
        let Some(envelope) = script.envelopes.get_mut(envelope_id) else {
            return false;
        };
        if envelope.acked {
            return false;
        }
        if envelope.frame["type"] == "events_api" {
            let attempt = envelope.frame["retry_attempt"].as_u64().unwrap_or(0) + 1;
            envelope.frame["retry_attempt"] = json!(attempt);
            envelope.frame["retry_reason"] = json!("timeout");
        }
        script.deliver(envelope_id)
    }

    /// Sends `{"type":"disconnect","reason":...}` on every open connection (Slack:
    /// `refresh_requested` before it rotates a connection, `warning` ~10 s before, `link_disabled`
    /// when Socket Mode is turned off), then closes them after `grace`.
    pub fn disconnect(&self, reason: &str, grace: Duration) {
        let script = self.script();
        let frame = json!({ "type": "disconnect", "reason": reason,
            "debug_info": { "host": "fake-slack-applink-1" } });
        let senders: Vec<_> = script.sockets.values().cloned().collect();
        for sender in &senders {
            let _ = sender.send(Frame::Text(frame.to_string()));
        }
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            for sender in senders {
                let _ = sender.send(Frame::Close(None));
            }
        });
    }

    /// Closes every connection at once, with no `disconnect` first (a dropped link).
    pub fn drop_connections(&self) {
        for sender in self.script().sockets.values() {
            let _ = sender.send(Frame::Close(None));
        }
    }
}

impl Script {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A message `ts`: seconds and a six-digit part, unique and rising.
    fn ts(&mut self) -> String {
        self.clock += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        format!("{now}.{:06}", self.clock % 1_000_000)
    }

    fn issue_response_url(&mut self, age: Duration) -> String {
        let path = format!("/response/{TEAM_ID}/{}/fake{}", self.next(), self.next());
        let issued = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        self.response_urls
            .insert(path.clone(), ResponseUrl { issued, uses: 0 });
        format!("{}{path}", self.base)
    }

    /// Sends an envelope on one open connection (round robin, as Slack spreads envelopes over an
    /// app's connections); false when none is open.
    fn deliver(&mut self, envelope_id: &str) -> bool {
        let mut ids: Vec<u64> = self.sockets.keys().copied().collect();
        if ids.is_empty() {
            return false;
        }
        ids.sort_unstable();
        self.round_robin = (self.round_robin + 1) % ids.len();
        let socket = ids[self.round_robin];
        let Some(envelope) = self.envelopes.get_mut(envelope_id) else {
            return false;
        };
        envelope.delivered = Some(Instant::now());
        let text = envelope.frame.to_string();
        self.sockets[&socket].send(Frame::Text(text)).is_ok()
    }

    /// A channel the bot may post in: its id, or `Err(error)` as Slack names it. A user id
    /// posts to the bot's DM with that user (Slack: "post to a user's app home ... by passing
    /// their user ID as the channel").
    fn postable(&mut self, channel: &Value) -> Result<String, &'static str> {
        let id = channel.as_str().unwrap_or_default().to_owned();
        if id.starts_with('U') && self.users.contains_key(&id) {
            return Ok(self.dm_with(&id).0);
        }
        if self.dms.contains_key(&id) {
            return Ok(id);
        }
        match self.channels.get(&id) {
            None => Err("channel_not_found"),
            Some(c) if !c.member => Err("not_in_channel"),
            Some(c) if c.archived => Err("is_archived"),
            Some(_) => Ok(id),
        }
    }

    /// The DM channel with a user, opened if need be; the flag says it was open already.
    fn dm_with(&mut self, user: &str) -> (String, bool) {
        if let Some((id, _)) = self.dms.iter().find(|(_, u)| *u == user) {
            return (id.clone(), true);
        }
        let id = format!("D0{}", user.trim_start_matches('U'));
        self.dms.insert(id.clone(), user.to_owned());
        (id, false)
    }
}

/// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` under `secret` (Slack: "Verifying
/// requests from Slack": the `X-Slack-Signature` header).
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("v0={hex}")
}

/// The two headers Slack signs an HTTP-mode request with, for `body` sent now under
/// [`SIGNING_SECRET`]: `X-Slack-Request-Timestamp` and `X-Slack-Signature` (Slack: a request
/// older than five minutes should be refused).
pub fn signed_headers(body: &str) -> [(&'static str, String); 2] {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    [
        ("x-slack-request-timestamp", now.to_string()),
        ("x-slack-signature", sign(SIGNING_SECRET, now, body)),
    ]
}

/// A JSON object as an `application/x-www-form-urlencoded` body (strings as they are, anything
/// else as JSON), the way Slack posts slash commands and (as `payload=`) interactions.
pub fn form_encode(fields: &Value) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    if let Some(object) = fields.as_object() {
        for (key, value) in object {
            match value {
                Value::String(text) => form.append_pair(key, text),
                other => form.append_pair(key, &other.to_string()),
            };
        }
    }
    form.finish()
}

// ---- HTTP ----

/// The fake's answer before it becomes an HTTP response.
struct Reply {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
    /// A plain-text body instead of JSON (the upload URL answers `OK - {length}`).
    text: Option<String>,
}

type Answer = Result<Reply, Reply>;

impl Reply {
    fn ok(mut body: Value) -> Self {
        body["ok"] = json!(true);
        Self {
            status: StatusCode::OK,
            body,
            retry_after: None,
            text: None,
        }
    }

    /// Slack's refusal: HTTP 200, `{"ok": false, "error": ...}`.
    fn fail(error: &str) -> Self {
        Self::status(StatusCode::OK, error)
    }

    fn status(status: StatusCode, error: &str) -> Self {
        Self {
            status,
            body: json!({ "ok": false, "error": error }),
            retry_after: None,
            text: None,
        }
    }

    /// `error` with the problems listed as Slack lists them: `errors` and, prefixed with
    /// `[ERROR] `, `response_metadata.messages`.
    fn problems(error: &str, lines: Vec<String>) -> Self {
        let messages: Vec<String> = lines.iter().map(|l| format!("[ERROR] {l}")).collect();
        let mut reply = Self::fail(error);
        reply.body["errors"] = json!(lines);
        reply.body["response_metadata"] = json!({ "messages": messages });
        reply
    }

    fn rate_limited(retry_after: u64) -> Self {
        let mut reply = Self::status(StatusCode::TOO_MANY_REQUESTS, "ratelimited");
        reply.retry_after = Some(retry_after);
        reply
    }

    fn error(&self) -> Option<&str> {
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            return None;
        }
        if self.body["ok"] == json!(false) {
            return self.body["error"].as_str();
        }
        None
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::builder().status(self.status);
        if let Some(seconds) = self.retry_after {
            response = response.header(header::RETRY_AFTER, seconds.to_string());
        }
        match self.text {
            Some(text) => response
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(Full::new(Bytes::from(text))),
            None => response
                .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(Full::new(Bytes::from(self.body.to_string()))),
        }
        .unwrap()
    }
}

async fn answer(request: Request<hyper::body::Incoming>, state: &State) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let content_type = header_text(&parts, header::CONTENT_TYPE);
    let path = parts.uri.path().to_owned();
    // An upload's bytes: the raw body, or the file part of a multipart form.
    let upload_bytes = if path.starts_with("/upload/") {
        Some(upload_body(&content_type, bytes.clone()).await)
    } else {
        None
    };
    let (params, json_body) = match read_params(parts.uri.query(), &content_type, &bytes) {
        Ok(read) => read,
        Err(()) => (Map::new(), true),
    };
    let malformed = !bytes.is_empty()
        && content_type.starts_with("application/json")
        && serde_json::from_slice::<Value>(&bytes).is_err();
    let bearer = header_text(&parts, header::AUTHORIZATION)
        .strip_prefix("Bearer ")
        .map(str::to_owned);
    // Slack takes the token from the Authorization header, or a form or query `token` field,
    // never from a JSON body.
    let token = bearer.or_else(|| {
        (!json_body)
            .then(|| {
                params
                    .get("token")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .flatten()
    });
    let mut body = params;
    body.remove("token");
    let token_kind = match token.as_deref() {
        None | Some("") => TokenKind::None,
        Some(BOT_TOKEN) => TokenKind::Bot,
        Some(APP_TOKEN) => TokenKind::App,
        Some(_) => TokenKind::Other,
    };
    let method = path.strip_prefix("/api/").unwrap_or_default().to_owned();
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| **name != header::AUTHORIZATION && **name != header::COOKIE)
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let recorded = Recorded {
        http_method: parts.method.to_string(),
        path: path.clone(),
        method,
        body: Value::Object(body),
        headers,
        token: token_kind,
        at: Instant::now(),
    };
    state.requests.lock().unwrap().push(recorded.clone());
    let reply = {
        let mut script = state.script.lock().unwrap();
        let script = &mut script;
        if let Some(bytes) = upload_bytes {
            upload(script, &path, bytes)
        } else if path.starts_with("/response/") {
            respond(script, &path, &recorded, &content_type, malformed)
        } else if path.starts_with("/api/") {
            web_api(script, &recorded, malformed)
        } else {
            Err(Reply::status(StatusCode::NOT_FOUND, "not_found"))
        }
        .unwrap_or_else(|refusal| refusal)
    };
    if let Some(error) = reply.error() {
        state.rejections.lock().unwrap().push(Rejection {
            request: recorded,
            status: reply.status.as_u16(),
            error: error.to_owned(),
            body: reply.body.clone(),
        });
    }
    reply.into_response()
}

fn header_text(parts: &Parts, name: header::HeaderName) -> String {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Query and body parameters as one object; the flag says the body was JSON. Form fields Slack
/// reads as JSON (`blocks`, `view`, ...) are decoded when they parse.
fn read_params(
    query: Option<&str>,
    content_type: &str,
    bytes: &[u8],
) -> Result<(Map<String, Value>, bool), ()> {
    let mut params = Map::new();
    let add_form = |text: &[u8], params: &mut Map<String, Value>| {
        for (key, value) in url::form_urlencoded::parse(text) {
            let decoded = if JSON_FIELDS.contains(&key.as_ref()) {
                serde_json::from_str(&value).unwrap_or_else(|_| json!(value))
            } else {
                json!(value)
            };
            params.insert(key.into_owned(), decoded);
        }
    };
    if let Some(query) = query {
        add_form(query.as_bytes(), &mut params);
    }
    if content_type.starts_with("application/json") {
        if bytes.is_empty() {
            return Ok((params, true));
        }
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(bytes) else {
            return Err(());
        };
        params.extend(object);
        return Ok((params, true));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        add_form(bytes, &mut params);
    }
    Ok((params, false))
}

async fn upload_body(content_type: &str, bytes: Bytes) -> Vec<u8> {
    if !content_type.starts_with("multipart/form-data") {
        return bytes.to_vec();
    }
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Vec::new();
    };
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        let is_file = field.file_name().is_some() || field.name() == Some("file");
        if let (true, Ok(data)) = (is_file, field.bytes().await) {
            return data.to_vec();
        }
    }
    Vec::new()
}

fn web_api(script: &mut Script, request: &Recorded, malformed: bool) -> Answer {
    let method = request.method.as_str();
    // Unknown methods, and paths like `/api//chat.postMessage` from a base with a trailing slash.
    const METHODS: [&str; 13] = [
        "auth.test",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "conversations.open",
        "conversations.history",
        "conversations.info",
        "users.info",
        "views.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "apps.connections.open",
        "api.test",
    ];
    if !METHODS.contains(&method) {
        let mut reply = Reply::status(StatusCode::NOT_FOUND, "unknown_method");
        reply.body["req_method"] = json!(method);
        return Err(reply);
    }
    if malformed {
        return Err(Reply::fail("invalid_json"));
    }
    let wants_app = method == "apps.connections.open";
    match request.token {
        TokenKind::None => return Err(Reply::fail("not_authed")),
        TokenKind::Other => return Err(Reply::fail("invalid_auth")),
        TokenKind::App if !wants_app => return Err(Reply::fail("not_allowed_token_type")),
        TokenKind::Bot if wants_app => return Err(Reply::fail("not_allowed_token_type")),
        _ => {}
    }
    if let Some((count, retry_after)) = script.method_limits.get_mut(method) {
        if *count > 0 {
            *count -= 1;
            return Err(Reply::rate_limited(*retry_after));
        }
    }
    let body = &request.body;
    match method {
        "api.test" => Ok(Reply::ok(json!({}))),
        "auth.test" => Ok(Reply::ok(json!({
            "url": "https://fake-team.slack.com/", "team": "Fake Team", "user": "shiftcoach",
            "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
            "is_enterprise_install": false
        }))),
        "chat.postMessage" => post_message(script, body),
        "chat.postEphemeral" => post_ephemeral(script, body),
        "chat.update" => update(script, body),
        "conversations.open" => open_conversation(script, body),
        "conversations.history" => history(script, body),
        "conversations.info" => conversation_info(script, body),
        "users.info" => user_info(script, body),
        "views.open" => open_view(script, body),
        "files.getUploadURLExternal" => upload_url(script, body),
        "files.completeUploadExternal" => complete_upload(script, body),
        "apps.connections.open" => {
            let ticket = format!("fake-ticket-{}", script.next());
            script.tickets.insert(ticket.clone());
            let url = format!(
                "{}/link/?ticket={ticket}&app_id={APP_ID}",
                script.socket_base
            );
            Ok(Reply::ok(json!({ "url": url })))
        }
        _ => unreachable!("every method in METHODS is routed"),
    }
}

/// Truth of a flag given as JSON `true` or as `"true"`/`"1"` in a form or query.
fn flag(value: &Value) -> bool {
    value == &json!(true) || value == "true" || value == "1"
}

/// Checks what a message carries: `no_text` with neither text nor blocks nor attachments,
/// `msg_too_long` over 40,000 characters, `invalid_blocks_format` for blocks that are no JSON
/// list, `invalid_blocks` for blocks over Block Kit's limits, `invalid_metadata_format` for
/// metadata without a string `event_type` and an object `event_payload`.
fn check_content(body: &Value, require: bool) -> Result<(), Reply> {
    let text = &body["text"];
    let blocks = &body["blocks"];
    if require && chars(text) == 0 && blocks.is_null() && body["attachments"].is_null() {
        return Err(Reply::fail("no_text"));
    }
    if chars(text) > MESSAGE_TEXT_MAX {
        return Err(Reply::fail("msg_too_long"));
    }
    if !blocks.is_null() {
        if !blocks.is_array() {
            return Err(Reply::fail("invalid_blocks_format"));
        }
        check_message_blocks(blocks).map_err(|lines| Reply::problems("invalid_blocks", lines))?;
    }
    let metadata = &body["metadata"];
    let well_formed = metadata["event_type"].is_string() && metadata["event_payload"].is_object();
    if !metadata.is_null() && !well_formed {
        return Err(Reply::fail("invalid_metadata_format"));
    }
    Ok(())
}

fn optional(value: &Value) -> Option<Value> {
    (!value.is_null()).then(|| value.clone())
}

/// A message object as Slack returns it.
fn message_json(message: &Message, with_metadata: bool) -> Value {
    let mut out = json!({
        "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID,
        "text": message.text.clone().unwrap_or_default(), "ts": message.ts, "team": TEAM_ID
    });
    if let Some(blocks) = &message.blocks {
        out["blocks"] = blocks.clone();
    }
    if let Some(thread_ts) = &message.thread_ts {
        out["thread_ts"] = json!(thread_ts);
    }
    if !message.files.is_empty() {
        out["files"] = json!(message.files);
        out["upload"] = json!(true);
    }
    if let (true, Some(metadata)) = (with_metadata, &message.metadata) {
        out["metadata"] = metadata.clone();
    }
    if message.edited {
        out["edited"] = json!({ "user": BOT_USER_ID, "ts": message.ts });
    }
    out
}

/// `chat.postMessage` (Slack errors: `channel_not_found`, `not_in_channel`, `is_archived`,
/// `no_text`, `msg_too_long`, `invalid_blocks`, `invalid_metadata_format`).
fn post_message(script: &mut Script, body: &Value) -> Answer {
    let channel = script.postable(&body["channel"]).map_err(Reply::fail)?;
    if let Some((count, retry_after)) = script.channel_limits.get_mut(&channel) {
        if *count > 0 {
            *count -= 1;
            return Err(Reply::rate_limited(*retry_after));
        }
    }
    check_content(body, true)?;
    let ts = script.ts();
    let message = Message {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts: body["thread_ts"].as_str().map(str::to_owned),
        text: body["text"].as_str().map(str::to_owned),
        blocks: optional(&body["blocks"]),
        metadata: optional(&body["metadata"]),
        files: Vec::new(),
        edited: false,
    };
    let reply = json!({ "channel": channel, "ts": ts, "message": message_json(&message, true) });
    script.messages.push(message);
    Ok(Reply::ok(reply))
}

/// `chat.postEphemeral`: like a post, and `user` must be a known user (`user_not_found`).
fn post_ephemeral(script: &mut Script, body: &Value) -> Answer {
    let channel = script.postable(&body["channel"]).map_err(Reply::fail)?;
    let user = body["user"].as_str().unwrap_or_default();
    if !script.users.contains_key(user) {
        return Err(Reply::fail("user_not_found"));
    }
    check_content(body, true)?;
    let ts = script.ts();
    let message = Message {
        channel,
        ts: ts.clone(),
        thread_ts: body["thread_ts"].as_str().map(str::to_owned),
        text: body["text"].as_str().map(str::to_owned),
        blocks: optional(&body["blocks"]),
        metadata: None,
        files: Vec::new(),
        edited: false,
    };
    script.private.push(message.clone());
    script.ephemerals.push(message);
    Ok(Reply::ok(json!({ "message_ts": ts })))
}

/// `chat.update`: a message the bot posted, found by `channel` and `ts` (`message_not_found`).
fn update(script: &mut Script, body: &Value) -> Answer {
    let channel = script.postable(&body["channel"]).map_err(Reply::fail)?;
    let ts = body["ts"].as_str().unwrap_or_default().to_owned();
    check_content(body, true)?;
    let message = script
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts)
        .ok_or_else(|| Reply::fail("message_not_found"))?;
    if let Some(text) = body["text"].as_str() {
        message.text = Some(text.to_owned());
    }
    if !body["blocks"].is_null() {
        message.blocks = Some(body["blocks"].clone());
    }
    if !body["metadata"].is_null() {
        message.metadata = Some(body["metadata"].clone());
    }
    message.edited = true;
    let updated = message_json(message, false);
    Ok(Reply::ok(json!({
        "channel": channel, "ts": ts, "text": updated["text"].clone(), "message": updated
    })))
}

/// `conversations.open` with one user: the DM channel (`D...`), `already_open` the second time.
/// Slack errors: `users_list_not_supplied`, `user_not_found`.
/// `conversations.info`: a channel the bot can see, with its flags (Slack: `is_channel`,
/// `is_im`, `is_archived`, `is_member`); `channel_not_found` for one it cannot see, which for
/// a private channel means one it is not in.
fn conversation_info(script: &mut Script, body: &Value) -> Answer {
    let id = body["channel"].as_str().unwrap_or_default();
    if id.is_empty() {
        return Err(Reply::fail("channel_not_found"));
    }
    if let Some(user) = script.dms.get(id) {
        return Ok(Reply::ok(json!({ "channel": {
            "id": id, "created": 1_700_000_000, "is_im": true, "user": user
        }})));
    }
    let channel = script
        .channels
        .get(id)
        .ok_or_else(|| Reply::fail("channel_not_found"))?;
    Ok(Reply::ok(json!({ "channel": {
        "id": id, "name": id.to_lowercase(), "created": 1_700_000_000,
        "is_channel": true, "is_im": false, "is_mpim": false, "is_private": false,
        "is_archived": channel.archived, "is_member": channel.member
    }})))
}

fn open_conversation(script: &mut Script, body: &Value) -> Answer {
    let users: Vec<String> = match &body["users"] {
        Value::String(list) => list.split(',').map(|u| u.trim().to_owned()).collect(),
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let users: Vec<String> = users.into_iter().filter(|u| !u.is_empty()).collect();
    if users.is_empty() {
        return Err(Reply::fail("users_list_not_supplied"));
    }
    if users.iter().any(|u| !script.users.contains_key(u)) {
        return Err(Reply::fail("user_not_found"));
    }
    if users.len() > 1 {
        // Group DMs are not played by the fake.
        return Err(Reply::fail("not_supported_by_fake"));
    }
    let (id, already_open) = script.dm_with(&users[0]);
    let channel = if flag(&body["return_im"]) {
        json!({ "id": id, "created": 1_700_000_000, "is_im": true, "user": users[0] })
    } else {
        json!({ "id": id })
    };
    let mut reply = json!({ "channel": channel });
    if already_open {
        reply["already_open"] = json!(true);
        reply["no_op"] = json!(true);
    }
    Ok(Reply::ok(reply))
}

/// `conversations.history`: top-level messages, newest first; message `metadata` only with
/// `include_all_metadata=true` (Slack: "Return all metadata associated with this message").
fn history(script: &mut Script, body: &Value) -> Answer {
    let id = body["channel"].as_str().unwrap_or_default().to_owned();
    if !script.dms.contains_key(&id) {
        match script.channels.get(&id) {
            None => return Err(Reply::fail("channel_not_found")),
            Some(c) if !c.member => return Err(Reply::fail("not_in_channel")),
            Some(_) => {}
        }
    }
    let limit = match &body["limit"] {
        Value::Number(n) => n.as_u64().unwrap_or(0) as usize,
        Value::String(s) => s.parse().unwrap_or(HISTORY_LIMIT_DEFAULT),
        _ => HISTORY_LIMIT_DEFAULT,
    };
    let limit = if limit == 0 {
        HISTORY_LIMIT_DEFAULT
    } else {
        limit.min(HISTORY_LIMIT_MAX)
    };
    let metadata = flag(&body["include_all_metadata"]);
    let oldest = body["oldest"].as_str().and_then(|t| t.parse::<f64>().ok());
    let latest = body["latest"].as_str().and_then(|t| t.parse::<f64>().ok());
    let mut found: Vec<Value> = script
        .messages
        .iter()
        .filter(|m| m.channel == id)
        .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts))
        .filter(|m| {
            let ts: f64 = m.ts.parse().unwrap_or(0.0);
            oldest.is_none_or(|o| ts > o) && latest.is_none_or(|l| ts < l)
        })
        .map(|m| message_json(m, metadata))
        .collect();
    found.reverse();
    let has_more = found.len() > limit;
    found.truncate(limit);
    Ok(Reply::ok(json!({
        "messages": found, "has_more": has_more, "pin_count": 0,
        "response_metadata": { "next_cursor": "" }
    })))
}

/// `users.info` (Slack error: `user_not_found`).
fn user_info(script: &mut Script, body: &Value) -> Answer {
    let id = body["user"].as_str().unwrap_or_default();
    let user = script
        .users
        .get(id)
        .ok_or_else(|| Reply::fail("user_not_found"))?;
    Ok(Reply::ok(json!({ "user": {
        "id": user.id, "team_id": TEAM_ID, "name": user.name, "real_name": user.name,
        "deleted": false, "tz": user.tz, "tz_label": user.tz, "tz_offset": user.tz_offset,
        "is_admin": user.is_admin, "is_owner": user.is_owner, "is_primary_owner": false,
        "is_bot": user.id == BOT_USER_ID, "is_app_user": false, "updated": 1_700_000_000,
        "profile": { "display_name": user.name, "real_name": user.name }
    }})))
}

/// `views.open`. The `trigger_id` must be known (`invalid_trigger_id`), unused
/// (`exchanged_trigger_id`) and under 3 s old (`expired_trigger_id`); the view must be a modal
/// within Block Kit's limits (`invalid_arguments` with `response_metadata.messages`). The
/// trigger is used up only when the view opens.
fn open_view(script: &mut Script, body: &Value) -> Answer {
    let id = body["trigger_id"].as_str().unwrap_or_default().to_owned();
    let trigger = script
        .triggers
        .get(&id)
        .ok_or_else(|| Reply::fail("invalid_trigger_id"))?;
    if trigger.used {
        return Err(Reply::fail("exchanged_trigger_id"));
    }
    if trigger.issued.elapsed() >= TRIGGER_TTL {
        return Err(Reply::fail("expired_trigger_id"));
    }
    let view = &body["view"];
    if !view.is_object() {
        return Err(Reply::fail("invalid_arguments"));
    }
    check_modal(view).map_err(|lines| Reply::problems("invalid_arguments", lines))?;
    if let Some(trigger) = script.triggers.get_mut(&id) {
        trigger.used = true;
    }
    script.views.push(view.clone());
    let mut opened = view.clone();
    let number = script.next();
    opened["id"] = json!(format!("V0FAKE{number}"));
    opened["team_id"] = json!(TEAM_ID);
    opened["app_id"] = json!(APP_ID);
    opened["bot_id"] = json!(BOT_ID);
    opened["state"] = json!({ "values": {} });
    opened["hash"] = json!(format!("{number}.fakehash"));
    Ok(Reply::ok(json!({ "view": opened })))
}

/// `files.getUploadURLExternal`: `filename` and a positive `length` (bytes) are required
/// (`invalid_arguments`); answers an `upload_url` on the fake and a `file_id`.
fn upload_url(script: &mut Script, body: &Value) -> Answer {
    let filename = body["filename"].as_str().unwrap_or_default().to_owned();
    let length = match &body["length"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    let (false, Some(length @ 1..)) = (filename.is_empty(), length) else {
        return Err(Reply::fail("invalid_arguments"));
    };
    let file_id = format!("F0FAKE{}", script.next());
    let path = format!("/upload/v1/fake{}", script.next());
    script.upload_paths.insert(path.clone(), file_id.clone());
    script.uploads.push(Upload {
        file_id: file_id.clone(),
        filename,
        length,
        bytes: None,
        completed: false,
        title: None,
        channel: None,
        initial_comment: None,
    });
    let upload_url = format!("{}{path}", script.base);
    Ok(Reply::ok(
        json!({ "upload_url": upload_url, "file_id": file_id }),
    ))
}

/// POST to an upload URL: stores the bytes, answers `200 OK - {length}` as text (Slack's upload
/// host does). An unknown URL answers 404.
fn upload(script: &mut Script, path: &str, bytes: Vec<u8>) -> Answer {
    let file_id = script
        .upload_paths
        .get(path)
        .cloned()
        .ok_or_else(|| Reply::status(StatusCode::NOT_FOUND, "invalid_upload_url"))?;
    let length = bytes.len();
    if let Some(file) = script.uploads.iter_mut().find(|u| u.file_id == file_id) {
        file.bytes = Some(bytes);
    }
    let mut reply = Reply::ok(json!({}));
    reply.text = Some(format!("OK - {length}"));
    Ok(reply)
}

/// `files.completeUploadExternal`: every file must have been uploaded and not completed yet
/// (the fake answers `file_not_found`, Slack's code for a file id it does not hold; Slack's
/// exact code for "never uploaded" is not documented); `channel_id` (or `channels`) shares it
/// with `initial_comment` as a message, with the usual channel errors.
fn complete_upload(script: &mut Script, body: &Value) -> Answer {
    let files: Vec<Value> = body["files"].as_array().cloned().unwrap_or_default();
    if files.is_empty() {
        return Err(Reply::fail("invalid_arguments"));
    }
    for file in &files {
        let id = file["id"].as_str().unwrap_or_default();
        let ready = script
            .uploads
            .iter()
            .any(|u| u.file_id == id && u.bytes.is_some() && !u.completed);
        if !ready {
            return Err(Reply::fail("file_not_found"));
        }
    }
    let channel_field = match (&body["channel_id"], &body["channels"]) {
        (Value::String(id), _) => Some(json!(id)),
        (_, Value::String(list)) => Some(json!(list.split(',').next().unwrap_or_default())),
        _ => None,
    };
    let channel = match channel_field {
        Some(field) => Some(script.postable(&field).map_err(Reply::fail)?),
        None => None,
    };
    let comment = body["initial_comment"].as_str().map(str::to_owned);
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MESSAGE_TEXT_MAX)
    {
        return Err(Reply::fail("msg_too_long"));
    }
    let mut shared = Vec::new();
    for file in &files {
        let id = file["id"].as_str().unwrap_or_default();
        let title = file["title"].as_str().map(str::to_owned);
        let upload = script
            .uploads
            .iter_mut()
            .find(|u| u.file_id == id)
            .expect("checked above");
        upload.completed = true;
        upload.title = title.clone();
        upload.channel = channel.clone();
        upload.initial_comment = comment.clone();
        let size = upload.bytes.as_ref().map_or(0, Vec::len);
        shared.push(json!({
            "id": id, "name": upload.filename,
            "title": title.unwrap_or_else(|| upload.filename.clone()),
            "size": size, "user": BOT_USER_ID, "created": 1_700_000_000
        }));
    }
    if let Some(channel) = channel {
        let ts = script.ts();
        script.messages.push(Message {
            channel,
            ts,
            thread_ts: body["thread_ts"].as_str().map(str::to_owned),
            text: comment,
            blocks: None,
            metadata: None,
            files: shared.clone(),
            edited: false,
        });
    }
    Ok(Reply::ok(json!({ "files": shared })))
}

/// A POST to a `response_url`: a JSON body (`text`, `blocks`, `response_type`,
/// `replace_original`, `delete_original`), at most 5 uses within 30 minutes. Slack documents
/// the limit, not its answer past it: the fake answers 404 `used_url` (past 5 uses) and
/// `expired_url` (past 30 minutes), 404 `no_service` for an unknown URL, and 400 with the
/// message errors for a bad body.
fn respond(
    script: &mut Script,
    path: &str,
    request: &Recorded,
    content_type: &str,
    malformed: bool,
) -> Answer {
    let not_found = |error| Reply::status(StatusCode::NOT_FOUND, error);
    let url = script
        .response_urls
        .get_mut(path)
        .ok_or_else(|| not_found("no_service"))?;
    if url.issued.elapsed() >= RESPONSE_URL_TTL {
        return Err(not_found("expired_url"));
    }
    if url.uses >= RESPONSE_URL_USES {
        return Err(not_found("used_url"));
    }
    if request.http_method != "POST" || !content_type.starts_with("application/json") || malformed {
        return Err(Reply::status(StatusCode::BAD_REQUEST, "invalid_payload"));
    }
    let body = &request.body;
    let deleting = flag(&body["delete_original"]);
    check_content(body, !deleting).map_err(|mut refusal| {
        refusal.status = StatusCode::BAD_REQUEST;
        refusal
    })?;
    url.uses += 1;
    if body["response_type"] != "in_channel" && !deleting {
        script.private.push(Message {
            channel: String::new(),
            ts: String::new(),
            thread_ts: None,
            text: body["text"].as_str().map(str::to_owned),
            blocks: optional(&body["blocks"]),
            metadata: None,
            files: Vec::new(),
            edited: false,
        });
    }
    let full = format!("{}{path}", script.base);
    script.responses.push((full, body.clone()));
    Ok(Reply::ok(json!({})))
}

// ---- Socket Mode ----

async fn serve_sockets(listener: TcpListener, state: Arc<State>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve_socket(stream, state.clone()));
    }
}

/// One Socket Mode connection. The URL's `ticket` must come from `apps.connections.open` and
/// works once (a second use is refused with 401, as Slack's one-time URLs are). Then: `hello`,
/// queued envelopes, whatever the test pushes; every text frame with an `envelope_id` is an ack.
async fn serve_socket(stream: tokio::net::TcpStream, state: Arc<State>) {
    let state_in = state.clone();
    // The callback's signature is tungstenite's, large error type included.
    #[allow(clippy::result_large_err)]
    let check = move |request: &WsRequest, response: WsResponse| {
        let query = request.uri().query().unwrap_or_default();
        let ticket = url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "ticket")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let mut script = state_in.script.lock().unwrap();
        if request.uri().path() == "/link/" && script.tickets.remove(&ticket) {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("invalid ticket".to_owned()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    let connection = {
        let mut script = state.script.lock().unwrap();
        script.next_socket += 1;
        let connection = script.next_socket;
        script.sockets.insert(connection, tx.clone());
        script.connects += 1;
        let hello = json!({
            "type": "hello", "num_connections": script.sockets.len(),
            "debug_info": { "host": "fake-slack-applink-1", "build_number": 1,
                "approximate_connection_time": 18060 },
            "connection_info": { "app_id": APP_ID }
        });
        let _ = tx.send(Frame::Text(hello.to_string()));
        for id in std::mem::take(&mut script.queued) {
            script.deliver(&id);
        }
        connection
    };
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            let closing = matches!(frame, Frame::Close(_));
            if sink.send(frame).await.is_err() || closing {
                break;
            }
        }
    });
    while let Some(Ok(frame)) = source.next().await {
        let Frame::Text(text) = frame else {
            if matches!(frame, Frame::Close(_)) {
                break;
            }
            continue;
        };
        let Ok(ack) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(envelope_id) = ack["envelope_id"].as_str() else {
            continue;
        };
        let mut script = state.script.lock().unwrap();
        let at = Instant::now();
        let latency = script.envelopes.get_mut(envelope_id).and_then(|envelope| {
            envelope.acked = true;
            envelope.delivered.map(|sent| at.duration_since(sent))
        });
        script.acks.push(Ack {
            envelope_id: envelope_id.to_owned(),
            payload: optional(&ack["payload"]),
            at,
            latency,
            connection,
        });
    }
    state.script.lock().unwrap().sockets.remove(&connection);
    writer.abort();
}

//! A fake Discord REST API on 127.0.0.1, over TLS with a certificate for discord.com, so the real
//! serenity client (rate limiter included) can be pointed at it with `DISCORD_API_BASE`.
//!
//! It records every request and is as strict as Discord about what it accepts: every message
//! (a channel post, an interaction callback, a follow-up, an edit) is checked against Discord's
//! limits (see `limits`) and refused the way Discord refuses it (400 with code 50035 and the
//! problems nested by JSON path; 50006 for an empty message; 413 for a file over 10 MiB).
//! Interaction tokens behave like Discord's: one callback per interaction (40060 for a second),
//! and follow-ups or edits only once the interaction was answered (10015 before). It enforces
//! Discord's rate limits (see `rate_limits`): 50 requests a second per bot token outside
//! interaction endpoints, and 5 posts per 5 s per channel announced in `X-RateLimit-*` headers,
//! answering 429s as Discord does. Tests can make it answer further 429s, answer message posts
//! slowly, refuse a channel, block DMs, put a channel in another guild or delete it.

mod limits;
mod rate_limits;

use std::{
    collections::{HashMap, HashSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use limits::{Errors, FILE_BYTES_MAX, FILES_MAX, is_empty, nested};
pub use limits::{check_choices, check_message, check_modal};
pub use rate_limits::{GLOBAL_LIMIT, GLOBAL_WINDOW, POST_BUCKET, POST_WINDOW, POSTS_PER_CHANNEL};
use rate_limits::{RateLimits, too_many};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};
use tokio_tungstenite::tungstenite::{
    Message as Frame,
    protocol::{CloseFrame, frame::coding::CloseCode},
};

/// The token the fake accepts.
pub const TOKEN: &str = "fake-bot-token";
/// The bot's application (and user) id.
pub const APPLICATION_ID: &str = "1300000000000000001";

/// DM channel ids are the user's id plus this.
const DM_OFFSET: u64 = 7;
/// The guild every channel is in unless a test placed it elsewhere.
const DEFAULT_GUILD: &str = "1100000000000000007";
/// The channel an interaction the test did not dispatch is taken to come from.
const DEFAULT_CHANNEL: &str = "1200000000000000011";
/// Stands for the message a component sits on when the test did not dispatch the interaction.
const COMPONENT_MESSAGE: &str = "(the message the component is on)";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query string, if any (`wait=true`).
    pub query: Option<String>,
    /// The JSON body; for a `multipart/form-data` request, its `payload_json` part.
    pub body: Value,
    /// The files uploaded with a `multipart/form-data` request, in the order they came.
    pub files: Vec<RecordedFile>,
    /// When the fake handled the request, its body read: the time its rate limits count.
    pub at: std::time::Instant,
    /// The HTTP status the fake answered.
    pub status: u16,
}

/// A file part of a `multipart/form-data` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFile {
    /// The part's name: `files[0]`, `files[1]`, ...
    pub name: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// An interaction the test sent over the gateway.
struct Dispatched {
    /// 2 command, 3 component, 4 autocomplete, 5 modal submission.
    kind: u64,
    token: String,
    channel: String,
    /// The message a component sits on.
    message: Value,
}

/// An interaction answered with a callback, kept under its token.
struct Answered {
    interaction: u64,
    channel: String,
    /// The original response as it stands; `None` when the callback made no message (a modal,
    /// autocomplete choices).
    original: Option<Value>,
    /// The original response's id, given when it is first edited.
    original_id: Option<String>,
    /// Follow-up messages as they stand, by id.
    followups: HashMap<String, Value>,
}

#[derive(Default)]
struct Script {
    /// Discord's rate limits, as counted so far.
    rate: RateLimits,
    /// 429s still to answer on message posts, beyond the rate limits.
    rate_limits: usize,
    /// How long a channel message post waits for its answer once handled (zero: none).
    post_delay: Duration,
    /// Channels the bot may not see or post in.
    forbidden: HashSet<String>,
    /// Channels that no longer exist.
    deleted: HashSet<String>,
    /// Channels in a guild other than the default one: channel id → guild id.
    placed: HashMap<String, String>,
    /// Users who do not accept DMs.
    dm_blocked: HashSet<String>,
    /// DM channel id → user id.
    dm_channels: HashMap<String, String>,
    /// The bot token the fake accepts.
    token: String,
    /// Where the gateway listens.
    gateway_url: String,
    /// Sends frames to each gateway connection open (several replicas may share a shard;
    /// Discord sends every event to each of them).
    gateways: Vec<mpsc::UnboundedSender<Frame>>,
    /// Event sequence number.
    sequence: u64,
    identifies: usize,
    /// The `shard` ([id, count]) of each IDENTIFY, in order.
    shards: Vec<[u64; 2]>,
    resumes: usize,
    /// The commands registered last.
    commands: Vec<Value>,
    /// nonce → message id, for `enforce_nonce`.
    nonces: HashMap<String, String>,
    /// Messages posted in channels, oldest first: (channel, id, message as stored).
    channel_messages: Vec<(String, String, Value)>,
    next_id: u64,
    next_attachment_id: u64,
    /// Interactions dispatched by the test, by id.
    interactions: HashMap<u64, Dispatched>,
    /// Interactions answered, by token.
    answered: HashMap<String, Answered>,
}

/// What the fake keeps, shared by its connections.
struct State {
    requests: Mutex<Vec<Recorded>>,
    rejections: Mutex<Vec<(Recorded, u16, Value)>>,
    /// Requests answered 429, and whether for the global limit.
    limited: Mutex<Vec<(Recorded, bool)>>,
    script: Arc<Mutex<Script>>,
}

/// The running fake.
pub struct FakeDiscord {
    pub addr: SocketAddr,
    /// The fake's certificate, to trust as a root.
    pub ca_pem: String,
    state: Arc<State>,
}

impl FakeDiscord {
    pub async fn start() -> Self {
        let certified = rcgen::generate_simple_self_signed(vec!["discord.com".to_owned()]).unwrap();
        let ca_pem = certified.cert.pem();
        let cert = CertificateDer::from(certified.cert.der().to_vec());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gateway = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let state = Arc::new(State {
            requests: Mutex::new(Vec::new()),
            rejections: Mutex::new(Vec::new()),
            limited: Mutex::new(Vec::new()),
            script: Arc::new(Mutex::new(Script {
                next_id: 1_600_000_000_000_000_000,
                next_attachment_id: 1_650_000_000_000_000_000,
                token: TOKEN.to_owned(),
                gateway_url: format!("ws://{}", gateway.local_addr().unwrap()),
                ..Script::default()
            })),
        });
        tokio::spawn(serve_gateway(gateway, state.script.clone()));
        let state_in = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let acceptor = acceptor.clone();
                let state = state_in.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(request, &state).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            ca_pem,
            state,
        }
    }

    /// `DISCORD_API_BASE` for this fake.
    pub fn base(&self) -> url::Url {
        url::Url::parse(&format!("https://{}", self.addr)).unwrap()
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.state.script.lock().unwrap()
    }

    /// Every request received, in order, whatever the answer.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Every request the fake refused with a 4xx, with the status and the body it answered;
    /// 429s and the 401 for a wrong bot token are not refusals of the request itself and are
    /// left out.
    pub fn rejections(&self) -> Vec<(Recorded, u16, Value)> {
        self.state.rejections.lock().unwrap().clone()
    }

    /// Every request answered 429 (for a rate limit or scripted), in order, with whether it was
    /// the global limit.
    pub fn rate_limited(&self) -> Vec<(Recorded, bool)> {
        self.state.limited.lock().unwrap().clone()
    }

    /// Channel message posts received (including ones answered 429 or refused).
    pub fn posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .collect()
    }

    /// Posts to the DM channel of `user` (including refused ones).
    pub fn dm_posts(&self, user: &str) -> Vec<Recorded> {
        let channel = user.parse::<u64>().unwrap_or(0) + DM_OFFSET;
        let path = format!("/api/v10/channels/{channel}/messages");
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .collect()
    }

    /// Callbacks received for interaction `id` (including refused ones).
    pub fn callbacks(&self, id: u64) -> Vec<Recorded> {
        let prefix = format!("/api/v10/interactions/{id}/");
        self.requests()
            .into_iter()
            .filter(|r| {
                r.method == "POST" && r.path.starts_with(&prefix) && r.path.ends_with("/callback")
            })
            .collect()
    }

    /// Follow-up messages created with interaction token `token` (including refused ones).
    pub fn followups(&self, token: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.method == "POST"
                    && matches!(segments(&r.path).as_slice(), ["webhooks", _, t] if *t == token)
            })
            .collect()
    }

    /// Answers the next `count` channel message posts with a 429 (per-route, 0.2 s), whatever
    /// the rate limits say.
    pub fn rate_limit_next_posts(&self, count: usize) {
        self.script().rate_limits = count;
    }

    /// Answers each channel message post `delay` after handling it (zero: at once). The
    /// message is in the channel from the start, as on Discord when an answer is slow or lost
    /// on the way: a sender stopped meanwhile has posted a message it never heard back about.
    pub fn delay_posts(&self, delay: Duration) {
        self.script().post_delay = delay;
    }

    /// The messages in channel `id` (posted there, not interaction answers), oldest first, as
    /// (message id, message as it stands).
    pub fn messages_in(&self, id: &str) -> Vec<(String, Value)> {
        self.script()
            .channel_messages
            .iter()
            .filter(|(channel, _, _)| channel == id)
            .map(|(_, message, stored)| (message.clone(), stored.clone()))
            .collect()
    }

    /// The messages the bot created in its DM channel with `user` (a post answered with an
    /// earlier message, by its nonce, created none).
    pub fn dm_messages(&self, user: &str) -> Vec<(String, Value)> {
        let channel = user.parse::<u64>().unwrap_or(0) + DM_OFFSET;
        self.messages_in(&channel.to_string())
    }

    pub fn forbid_channel(&self, id: &str) {
        self.script().forbidden.insert(id.to_owned());
    }

    /// Puts channel `id` in guild `guild` (every channel is in 1100000000000000007 otherwise).
    pub fn place_channel(&self, id: &str, guild: &str) {
        self.script().placed.insert(id.to_owned(), guild.to_owned());
    }

    /// Deletes channel `id`: looking at it or posting to it answers 404, code 10003.
    pub fn delete_channel(&self, id: &str) {
        self.script().deleted.insert(id.to_owned());
    }

    pub fn block_dms_from(&self, user: &str) {
        self.script().dm_blocked.insert(user.to_owned());
    }

    /// Sends a dispatch event (`INTERACTION_CREATE`, ...) to the connected bot. An interaction
    /// sent this way is remembered: its callback must carry its token and suit its type.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut script = self.script();
        if event == "INTERACTION_CREATE" {
            if let Some(id) = data["id"].as_str().and_then(|id| id.parse().ok()) {
                let dispatched = Dispatched {
                    kind: data["type"].as_u64().unwrap_or(0),
                    token: data["token"].as_str().unwrap_or_default().to_owned(),
                    channel: data["channel_id"]
                        .as_str()
                        .unwrap_or(DEFAULT_CHANNEL)
                        .to_owned(),
                    message: data["message"].clone(),
                };
                script.interactions.insert(id, dispatched);
            }
        }
        script.sequence += 1;
        let frame = json!({ "op": 0, "t": event, "s": script.sequence, "d": data });
        script.gateways.retain(|gateway| !gateway.is_closed());
        for gateway in &script.gateways {
            let _ = gateway.send(Frame::Text(frame.to_string()));
        }
    }

    /// The shards identified so far, as [id, count], in the order they connected.
    pub fn identified_shards(&self) -> Vec<[u64; 2]> {
        self.script().shards.clone()
    }

    /// Forgets every nonce, as Discord does after "a few minutes": a repeated send is then
    /// posted again unless the sender checks first.
    pub fn forget_nonces(&self) {
        self.script().nonces.clear();
    }

    /// Closes the gateway connection with `code` (4000: unknown error, the client resumes).
    pub fn close_gateway(&self, code: u16) {
        let script = self.script();
        for gateway in &script.gateways {
            let _ = gateway.send(Frame::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: "closed by the test".into(),
            })));
        }
    }

    /// The id of the last message the fake created.
    pub fn last_message_id(&self) -> String {
        self.script().next_id.to_string()
    }

    /// How many times the bot identified and resumed.
    pub fn sessions(&self) -> (usize, usize) {
        let script = self.script();
        (script.identifies, script.resumes)
    }

    /// Requests with this method whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .collect()
    }
}

/// A path's segments after `/api/v10/`.
fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches("/api/v10/").split('/').collect()
}

/// The fake's answer, before it becomes an HTTP response.
struct Reply {
    status: StatusCode,
    body: Option<Value>,
    /// Headers beyond `content-type` (the rate limits').
    headers: Vec<(&'static str, String)>,
}

/// A request handled: `Err` holds a refusal, so checks can use `?`.
type Answer = Result<Reply, Reply>;

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            headers: Vec::new(),
        }
    }

    fn error(status: StatusCode, code: i64, message: &str) -> Self {
        Self {
            status,
            body: Some(json!({ "code": code, "message": message })),
            headers: Vec::new(),
        }
    }

    /// Discord's answer to a body that breaks its limits: `errors` says where and why.
    fn invalid_form(errors: Value) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Some(json!({ "code": 50035, "message": "Invalid Form Body", "errors": errors })),
            headers: Vec::new(),
        }
    }

    fn empty_message() -> Self {
        Self::error(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        )
    }

    fn unknown_webhook() -> Self {
        Self::error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
    }

    fn unknown_message() -> Self {
        Self::error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
    }

    /// A scripted per-route 429 asking for 0.2 s.
    fn rate_limited() -> Self {
        too_many(Duration::from_millis(200), false, Vec::new())
    }

    fn with_headers(mut self, headers: &[(&'static str, String)]) -> Self {
        self.headers.extend_from_slice(headers);
        self
    }

    /// A refusal of the request itself: a 4xx other than a 429 or the 401 for a wrong bot token.
    fn is_rejection(&self) -> bool {
        let wrong_token = self.status == StatusCode::UNAUTHORIZED
            && self.body.as_ref().is_some_and(|body| body["code"] == 0);
        self.status.is_client_error()
            && self.status != StatusCode::TOO_MANY_REQUESTS
            && !wrong_token
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::builder().status(self.status);
        for (name, value) in self.headers {
            response = response.header(name, value);
        }
        match self.body {
            Some(body) => response
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string()))),
            None => response.body(Full::new(Bytes::new())),
        }
        .unwrap()
    }
}

fn bot_user() -> Value {
    json!({ "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0 })
}

fn user(id: &str) -> Value {
    json!({ "id": id, "username": format!("user{id}"), "discriminator": "0", "avatar": null, "global_name": null })
}

/// A message object as Discord returns it, from the message as it stands (`stored`).
fn message(id: &str, channel: &str, stored: &Value) -> Value {
    let list = |key: &str| {
        stored[key]
            .as_array()
            .map_or_else(|| json!([]), |items| json!(items))
    };
    json!({
        "id": id, "channel_id": channel,
        "author": { "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
        "content": stored["content"].as_str().unwrap_or(""),
        "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": list("attachments"), "embeds": list("embeds"), "pinned": false, "type": 0,
        "components": list("components"), "nonce": stored["nonce"].clone(),
        "flags": stored["flags"].as_u64().unwrap_or(0)
    })
}

/// Attachment objects for uploaded files, as Discord lists them on the message.
fn attachments(script: &mut Script, channel: &str, files: &[RecordedFile]) -> Vec<Value> {
    files
        .iter()
        .map(|file| {
            script.next_attachment_id += 1;
            let id = script.next_attachment_id;
            let name = &file.filename;
            json!({
                "id": id.to_string(), "filename": name, "size": file.bytes.len(),
                "content_type": file.content_type,
                "url": format!("https://cdn.discordapp.com/attachments/{channel}/{id}/{name}"),
                "proxy_url": format!("https://media.discordapp.net/attachments/{channel}/{id}/{name}")
            })
        })
        .collect()
}

/// A new message as it stands: the body, with the uploaded files as its attachments.
fn posted(script: &mut Script, channel: &str, body: &Value, files: &[RecordedFile]) -> Value {
    let mut stored = body.clone();
    stored["attachments"] = Value::Array(attachments(script, channel, files));
    stored
}

/// A message after an edit: the fields the edit names replace the old ones; `attachments`, when
/// given, lists the old files to keep; new uploads are added.
fn edited(
    script: &mut Script,
    channel: &str,
    before: &Value,
    patch: &Value,
    files: &[RecordedFile],
) -> Value {
    let mut after = before.clone();
    for key in [
        "content",
        "embeds",
        "components",
        "flags",
        "allowed_mentions",
    ] {
        if let Some(value) = patch.get(key) {
            after[key] = value.clone();
        }
    }
    let old = before["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut kept: Vec<Value> = match patch["attachments"].as_array() {
        Some(wanted) => old
            .into_iter()
            .filter(|file| {
                wanted
                    .iter()
                    .any(|w| id_text(&w["id"]) == id_text(&file["id"]))
            })
            .collect(),
        None => old,
    };
    kept.extend(attachments(script, channel, files));
    after["attachments"] = Value::Array(kept);
    after
}

/// An id given as a string or a number.
fn id_text(id: &Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_owned)
}

async fn answer(request: Request<hyper::body::Incoming>, state: &State) -> Response<Full<Bytes>> {
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (mut recorded, malformed) = receive(request).await;
    let (reply, delay) = {
        let mut script = state.script.lock().unwrap();
        // Taken under the lock, so that the order requests are handled in is their order in
        // time, which the rate limits count by.
        recorded.at = std::time::Instant::now();
        let reply = route(&recorded, &authorization, malformed, &mut script)
            .unwrap_or_else(|refusal| refusal);
        recorded.status = reply.status.as_u16();
        state.requests.lock().unwrap().push(recorded.clone());
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            let global = reply.body.as_ref().is_some_and(|b| b["global"] == true);
            state
                .limited
                .lock()
                .unwrap()
                .push((recorded.clone(), global));
        }
        let message_post = recorded.method == "POST"
            && matches!(
                segments(&recorded.path).as_slice(),
                ["channels", _, "messages"]
            );
        (reply, message_post.then_some(script.post_delay))
    };
    if reply.is_rejection() {
        let body = reply.body.clone().unwrap_or(Value::Null);
        let status = reply.status.as_u16();
        state
            .rejections
            .lock()
            .unwrap()
            .push((recorded, status, body));
    }
    if let Some(delay) = delay.filter(|delay| !delay.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    reply.into_response()
}

/// Reads a request: its JSON body, or for `multipart/form-data` its `payload_json` part and its
/// files. The flag says the body could not be read.
async fn receive(request: Request<hyper::body::Incoming>) -> (Recorded, bool) {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (body, files, malformed) = if content_type.starts_with("multipart/form-data") {
        match multer::parse_boundary(&content_type) {
            Ok(boundary) => read_form(bytes, boundary).await,
            Err(_) => (Value::Null, Vec::new(), true),
        }
    } else if bytes.is_empty() {
        (Value::Null, Vec::new(), false)
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(body) => (body, Vec::new(), false),
            Err(_) => (Value::Null, Vec::new(), true),
        }
    };
    let recorded = Recorded {
        method,
        path,
        query,
        body,
        files,
        at: std::time::Instant::now(),
        status: 0,
    };
    (recorded, malformed)
}

/// The `payload_json` part and the file parts of a form; other text parts are left out (Discord
/// would read them as body fields; serenity sends none).
async fn read_form(bytes: Bytes, boundary: String) -> (Value, Vec<RecordedFile>, bool) {
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    let (mut body, mut files) = (Value::Null, Vec::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return (body, files, false),
            Err(_) => return (body, files, true),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let Ok(data) = field.bytes().await else {
            return (body, files, true);
        };
        match filename {
            Some(filename) => files.push(RecordedFile {
                name,
                filename,
                content_type,
                bytes: data.to_vec(),
            }),
            None if name == "payload_json" => match serde_json::from_slice(&data) {
                Ok(payload) => body = payload,
                Err(_) => return (body, files, true),
            },
            None => {}
        }
    }
}

fn route(request: &Recorded, authorization: &str, malformed: bool, script: &mut Script) -> Answer {
    let parts = segments(&request.path);
    let open = matches!(parts.first(), Some(&"interactions" | &"webhooks"));
    if !open && authorization != format!("Bot {}", script.token) {
        return Err(Reply::error(
            StatusCode::UNAUTHORIZED,
            0,
            "401: Unauthorized",
        ));
    }
    if !open {
        script.rate.global(request.at)?;
    }
    if malformed {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            50109,
            "The request body contains invalid JSON.",
        ));
    }
    let body = &request.body;
    match (request.method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => Ok(Reply::ok(json!({ "url": script.gateway_url }))),
        ("GET", ["gateway", "bot"]) => Ok(Reply::ok(json!({
            "url": script.gateway_url, "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 }
        }))),
        ("GET", ["users", "@me"]) => Ok(Reply::ok(bot_user())),
        ("GET", ["applications", _, "commands"])
        | ("GET", ["applications", _, "guilds", _, "commands"]) => {
            Ok(Reply::ok(Value::Array(script.commands.clone())))
        }
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            Ok(register_commands(script, body))
        }
        ("PUT", ["channels", _, "messages", _, "reactions", _, "@me"]) => Ok(Reply::no_content()),
        ("POST", ["interactions", id, token, "callback"]) => callback(script, id, token, request),
        ("POST", ["webhooks", app, token]) => create_followup(script, app, token, request),
        ("PATCH", ["webhooks", app, token, "messages", which]) => {
            edit_response(script, app, token, which, request)
        }
        ("GET", ["channels", id]) => channel(script, id),
        ("POST", ["users", "@me", "channels"]) => {
            let recipient = body["recipient_id"].as_str().unwrap_or_default().to_owned();
            // A DM channel id derived from the user's, so posts to it can be traced back.
            let channel = (recipient.parse::<u64>().unwrap_or(0) + DM_OFFSET).to_string();
            script
                .dm_channels
                .insert(channel.clone(), recipient.clone());
            Ok(Reply::ok(
                json!({ "id": channel, "type": 1, "recipients": [user(&recipient)], "last_message_id": null }),
            ))
        }
        ("POST", ["channels", id, "messages"]) => create_message(script, id, request),
        ("GET", ["channels", id, "messages"]) => channel_history(script, id, request),
        _ => Err(Reply::error(StatusCode::NOT_FOUND, 0, "404: Not Found")),
    }
}

fn register_commands(script: &mut Script, body: &Value) -> Reply {
    let commands: Vec<Value> = body
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, mut command)| {
            command["id"] = json!(format!("{}", 1_700_000_000_000_000_000u64 + i as u64));
            command["application_id"] = json!(APPLICATION_ID);
            command["version"] = json!("1");
            if command.get("type").is_none() {
                command["type"] = json!(1);
            }
            command
        })
        .collect();
    script.commands = commands.clone();
    Reply::ok(Value::Array(commands))
}

/// What every message goes through: the uploads (413 for a file over 10 MiB, 50035 for more than
/// ten, or two parts with one name), then Discord's limits on the message, whose errors are
/// nested under `under` when the message is a part of the body (a callback's `data`).
fn vet(message: &Value, files: &[RecordedFile], under: Option<&str>) -> Result<(), Reply> {
    if files.iter().any(|file| file.bytes.len() > FILE_BYTES_MAX) {
        return Err(Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            40005,
            "Request entity too large",
        ));
    }
    let mut errors = Errors::default();
    if files.len() > FILES_MAX {
        errors.add(
            "files",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {FILES_MAX} or fewer in length."),
        );
    }
    let mut names = HashSet::new();
    if files.iter().any(|file| !names.insert(&file.name)) {
        // Discord's wording for this is undocumented: two parts named alike lose a file.
        errors.add(
            "files",
            "DUPLICATE_FILE_PART",
            "Each file needs a part of its own (files[0], files[1], ...).",
        );
    }
    errors.finish().map_err(Reply::invalid_form)?;
    check_message(message).map_err(|errors| match under {
        Some(key) => Reply::invalid_form(nested(key, errors)),
        None => Reply::invalid_form(errors),
    })
}

/// `POST /channels/{id}/messages`, within the channel's bucket (5 posts per 5 s), whose
/// headers come with every answer.
fn create_message(script: &mut Script, channel: &str, request: &Recorded) -> Answer {
    if script.rate_limits > 0 {
        script.rate_limits -= 1;
        return Err(Reply::rate_limited());
    }
    let bucket = script.rate.post(channel, request.at)?;
    match post_message(script, channel, request) {
        Ok(reply) => Ok(reply.with_headers(&bucket)),
        Err(refusal) => Err(refusal.with_headers(&bucket)),
    }
}

fn post_message(script: &mut Script, channel: &str, request: &Recorded) -> Answer {
    if script.deleted.contains(channel) {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            10003,
            "Unknown Channel",
        ));
    }
    if script.forbidden.contains(channel) {
        return Err(Reply::error(StatusCode::FORBIDDEN, 50001, "Missing Access"));
    }
    let (body, files) = (&request.body, &request.files);
    vet(body, files, None)?;
    if is_empty(body, files.len()) {
        return Err(Reply::empty_message());
    }
    if script
        .dm_channels
        .get(channel)
        .is_some_and(|user| script.dm_blocked.contains(user))
    {
        return Err(Reply::error(
            StatusCode::FORBIDDEN,
            50007,
            "Cannot send messages to this user",
        ));
    }
    let nonce = body["nonce"].as_str().map(str::to_owned);
    if let (Some(nonce), true) = (&nonce, body["enforce_nonce"] == json!(true)) {
        if let Some(existing) = script.nonces.get(nonce) {
            return Ok(Reply::ok(message(existing, channel, body)));
        }
    }
    script.next_id += 1;
    let id = script.next_id.to_string();
    if let Some(nonce) = nonce {
        script.nonces.insert(nonce, id.clone());
    }
    let stored = posted(script, channel, body, files);
    script
        .channel_messages
        .push((channel.to_owned(), id.clone(), stored.clone()));
    Ok(Reply::ok(message(&id, channel, &stored)))
}

/// `GET /channels/{id}/messages`: the latest messages, newest first; `limit` 1 to 100
/// (default 50; Discord answers 50035 outside it). A message in history carries no nonce:
/// Discord returns it only to the request that created the message.
fn channel_history(script: &Script, channel: &str, request: &Recorded) -> Answer {
    let limit = url::form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "limit")
        .map(|(_, value)| value.parse::<i64>().unwrap_or(-1))
        .unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(Reply::invalid_form(json!({ "limit": { "_errors": [{
            "code": "NUMBER_TYPE_MAX", "message": "int value should be less than or equal to 100."
        }]}})));
    }
    let history: Vec<Value> = script
        .channel_messages
        .iter()
        .rev()
        .filter(|(at, _, _)| at == channel)
        .take(limit as usize)
        .map(|(_, id, stored)| {
            let mut found = message(id, channel, stored);
            if let Some(object) = found.as_object_mut() {
                object.remove("nonce");
            }
            found
        })
        .collect();
    Ok(Reply::ok(Value::Array(history)))
}

/// Which callback types suit an interaction type (2 command, 3 component, 4 autocomplete,
/// 5 modal submission); any of them for an interaction the test did not dispatch.
fn callback_types(interaction: Option<u64>) -> &'static [u64] {
    match interaction {
        Some(2) => &[4, 5, 9],
        Some(3) => &[4, 5, 6, 7, 9],
        Some(4) => &[8],
        Some(5) => &[4, 5, 6, 7],
        _ => &[4, 5, 6, 7, 8, 9],
    }
}

/// `POST /interactions/{id}/{token}/callback`: the one answer an interaction gets.
fn callback(script: &mut Script, id: &str, token: &str, request: &Recorded) -> Answer {
    let Ok(interaction) = id.parse::<u64>() else {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            10062,
            "Unknown interaction",
        ));
    };
    if script
        .answered
        .values()
        .any(|answered| answered.interaction == interaction)
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let dispatched = script.interactions.get(&interaction);
    if dispatched.is_some_and(|dispatched| dispatched.token != token) {
        return Err(Reply::error(
            StatusCode::UNAUTHORIZED,
            50027,
            "Invalid Webhook Token",
        ));
    }
    let channel = dispatched.map_or(DEFAULT_CHANNEL.to_owned(), |d| d.channel.clone());
    let component_message = match dispatched.map(|d| &d.message) {
        Some(message) if message.is_object() => message.clone(),
        _ => json!({ "content": COMPONENT_MESSAGE }),
    };
    let allowed = callback_types(dispatched.map(|d| d.kind));
    let (body, files) = (&request.body, &request.files);
    let kind = body["type"].as_u64().unwrap_or(0);
    if !allowed.contains(&kind) {
        let choices: Vec<String> = allowed.iter().map(u64::to_string).collect();
        let mut errors = Errors::default();
        errors.add(
            "type",
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {{{}}}.", choices.join(", ")),
        );
        return Err(Reply::invalid_form(errors.finish().unwrap_err()));
    }
    let data = &body["data"];
    let in_data = |errors| Reply::invalid_form(nested("data", errors));
    let original = match kind {
        4 => {
            vet(data, files, Some("data"))?;
            if is_empty(data, files.len()) {
                return Err(Reply::empty_message());
            }
            Some(posted(script, &channel, data, files))
        }
        // "Thinking…" until the answer replaces it.
        5 => Some(json!({ "flags": data["flags"].clone() })),
        6 => Some(component_message),
        7 => {
            vet(data, files, Some("data"))?;
            Some(edited(script, &channel, &component_message, data, files))
        }
        8 => {
            check_choices(data).map_err(in_data)?;
            None
        }
        _ => {
            check_modal(data).map_err(in_data)?;
            None
        }
    };
    script.answered.insert(
        token.to_owned(),
        Answered {
            interaction,
            channel,
            original,
            original_id: None,
            followups: HashMap::new(),
        },
    );
    Ok(Reply::no_content())
}

/// The answered interaction a webhook path belongs to; 10015 before the callback.
fn answered<'a>(script: &'a mut Script, app: &str, token: &str) -> Result<&'a mut Answered, Reply> {
    if app != APPLICATION_ID {
        return Err(Reply::unknown_webhook());
    }
    script
        .answered
        .get_mut(token)
        .ok_or_else(Reply::unknown_webhook)
}

/// `POST /webhooks/{app}/{token}`: a follow-up message (flags 64 makes it ephemeral).
fn create_followup(script: &mut Script, app: &str, token: &str, request: &Recorded) -> Answer {
    let channel = answered(script, app, token)?.channel.clone();
    let (body, files) = (&request.body, &request.files);
    vet(body, files, None)?;
    if is_empty(body, files.len()) {
        return Err(Reply::empty_message());
    }
    script.next_id += 1;
    let id = script.next_id.to_string();
    let stored = posted(script, &channel, body, files);
    let reply = Reply::ok(message(&id, &channel, &stored));
    answered(script, app, token)?.followups.insert(id, stored);
    Ok(reply)
}

/// `PATCH /webhooks/{app}/{token}/messages/{@original or id}`: edits the interaction's answer
/// (after a deferral too) or one of its follow-ups. A modal or autocomplete choices are no
/// message, so there is no original to edit after them.
fn edit_response(
    script: &mut Script,
    app: &str,
    token: &str,
    which: &str,
    request: &Recorded,
) -> Answer {
    let found = answered(script, app, token)?;
    let channel = found.channel.clone();
    let original = which == "@original" || found.original_id.as_deref() == Some(which);
    let before = if original {
        found.original.clone()
    } else {
        found.followups.get(which).cloned()
    }
    .ok_or_else(Reply::unknown_message)?;
    let (body, files) = (&request.body, &request.files);
    vet(body, files, None)?;
    let after = edited(script, &channel, &before, body, files);
    if is_empty(&after, 0) {
        return Err(Reply::empty_message());
    }
    let id = match answered(script, app, token)?.original_id.clone() {
        Some(id) if original => id,
        None if original => {
            script.next_id += 1;
            script.next_id.to_string()
        }
        _ => which.to_owned(),
    };
    let found = answered(script, app, token)?;
    if original {
        found.original = Some(after.clone());
        found.original_id = Some(id.clone());
    } else {
        found.followups.insert(id.clone(), after.clone());
    }
    Ok(Reply::ok(message(&id, &channel, &after)))
}

/// `GET /channels/{id}`.
fn channel(script: &Script, id: &str) -> Answer {
    if script.deleted.contains(id) {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            10003,
            "Unknown Channel",
        ));
    }
    if script.forbidden.contains(id) {
        return Err(Reply::error(StatusCode::FORBIDDEN, 50001, "Missing Access"));
    }
    if let Some(recipient) = script.dm_channels.get(id) {
        return Ok(Reply::ok(
            json!({ "id": id, "type": 1, "recipients": [user(recipient)], "last_message_id": null }),
        ));
    }
    let guild = script.placed.get(id).map_or(DEFAULT_GUILD, String::as_str);
    Ok(Reply::ok(json!({
        "id": id, "type": 0, "guild_id": guild, "name": "security-leads",
        "position": 0, "permission_overwrites": [], "nsfw": false, "parent_id": null,
        "topic": null, "last_message_id": null, "rate_limit_per_user": 0
    })))
}

/// The gateway: HELLO, IDENTIFY → READY (or close 4004 for a wrong token), heartbeats,
/// RESUME → RESUMED, and whatever the test dispatches. Each connection is served on its own
/// task: a resuming client opens the new connection before it lets go of the old one.
async fn serve_gateway(listener: TcpListener, script: Arc<Mutex<Script>>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve_gateway_connection(stream, script.clone()));
    }
}

async fn serve_gateway_connection(stream: tokio::net::TcpStream, script: Arc<Mutex<Script>>) {
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    script.lock().unwrap().gateways.push(tx.clone());
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41250 } });
    let _ = tx.send(Frame::Text(hello.to_string()));
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            let closing = matches!(frame, Frame::Close(_));
            if sink.send(frame).await.is_err() || closing {
                break;
            }
        }
    });
    while let Some(Ok(frame)) = source.next().await {
        let Frame::Text(text) = frame else { continue };
        let Ok(payload) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut s = script.lock().unwrap();
        match payload["op"].as_u64() {
            Some(1) => {
                let _ = tx.send(Frame::Text(json!({ "op": 11 }).to_string()));
            }
            Some(2) => {
                let token = payload["d"]["token"].as_str().unwrap_or_default();
                if token.trim_start_matches("Bot ") != s.token {
                    let _ = tx.send(Frame::Close(Some(CloseFrame {
                        code: CloseCode::from(4004),
                        reason: "Authentication failed.".into(),
                    })));
                    continue;
                }
                // Discord: `shard` is [shard_id, num_shards]; an id outside the count closes
                // the connection with 4010 (Invalid shard).
                let shard = match payload["d"]["shard"].as_array().map(|s| {
                    (
                        s.first().and_then(Value::as_u64),
                        s.get(1).and_then(Value::as_u64),
                    )
                }) {
                    None => [0, 1],
                    Some((Some(id), Some(count))) if count > 0 && id < count => [id, count],
                    Some(_) => {
                        let _ = tx.send(Frame::Close(Some(CloseFrame {
                            code: CloseCode::from(4010),
                            reason: "Invalid shard.".into(),
                        })));
                        continue;
                    }
                };
                s.identifies += 1;
                s.shards.push(shard);
                s.sequence += 1;
                let ready = json!({ "op": 0, "t": "READY", "s": s.sequence, "d": {
                    "v": 10, "user": bot_user(), "guilds": [], "session_id": "fake-session",
                    "resume_gateway_url": s.gateway_url, "shard": shard,
                    "application": { "id": APPLICATION_ID, "flags": 0 }
                }});
                let _ = tx.send(Frame::Text(ready.to_string()));
            }
            Some(6) => {
                s.resumes += 1;
                s.sequence += 1;
                let resumed = json!({ "op": 0, "t": "RESUMED", "s": s.sequence, "d": {} });
                let _ = tx.send(Frame::Text(resumed.to_string()));
            }
            _ => {}
        }
    }
    writer.abort();
}

//! A fake Discord REST API on 127.0.0.1, over TLS with a certificate for discord.com, so the real
//! serenity client (rate limiter included) can be pointed at it with `DISCORD_API_BASE`.
//! It records every request and can be told to answer 429 or refuse a channel.

use std::{
    collections::{HashMap, HashSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
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

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
}

#[derive(Default)]
struct Script {
    /// 429s still to answer on message posts.
    rate_limits: usize,
    /// Channels the bot may not see or post in.
    forbidden: HashSet<String>,
    /// Users who do not accept DMs (their DM channel id is `dm-<user>`).
    dm_blocked: HashSet<String>,
    /// DM channel id → user id.
    dm_channels: HashMap<String, String>,
    /// The bot token the fake accepts.
    token: String,
    /// Where the gateway listens.
    gateway_url: String,
    /// Sends frames to the gateway connection currently open.
    gateway: Option<mpsc::UnboundedSender<Frame>>,
    /// Event sequence number.
    sequence: u64,
    identifies: usize,
    resumes: usize,
    /// The commands registered last.
    commands: Vec<Value>,
    /// nonce → message id, for `enforce_nonce`.
    nonces: HashMap<String, String>,
    next_id: u64,
}

/// The running fake.
pub struct FakeDiscord {
    pub addr: SocketAddr,
    /// The fake's certificate, to trust as a root.
    pub ca_pem: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<Script>>,
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
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(Script {
            next_id: 1_600_000_000_000_000_000,
            ..Script::default()
        }));
        let gateway = TcpListener::bind("127.0.0.1:0").await.unwrap();
        {
            let mut script = script.lock().unwrap();
            script.token = TOKEN.to_owned();
            script.gateway_url = format!("ws://{}", gateway.local_addr().unwrap());
        }
        tokio::spawn(serve_gateway(gateway, script.clone()));
        let (requests_in, script_in) = (requests.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let acceptor = acceptor.clone();
                let (requests, script) = (requests_in.clone(), script_in.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = service_fn(move |request| {
                        let (requests, script) = (requests.clone(), script.clone());
                        async move { Ok::<_, Infallible>(answer(request, &requests, &script).await) }
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
            requests,
            script,
        }
    }

    /// `DISCORD_API_BASE` for this fake.
    pub fn base(&self) -> url::Url {
        url::Url::parse(&format!("https://{}", self.addr)).unwrap()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Message posts received (including ones answered 429), as (path, body).
    pub fn posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .collect()
    }

    pub fn rate_limit_next_posts(&self, count: usize) {
        self.script.lock().unwrap().rate_limits = count;
    }

    pub fn forbid_channel(&self, id: &str) {
        self.script.lock().unwrap().forbidden.insert(id.to_owned());
    }

    pub fn block_dms_from(&self, user: &str) {
        self.script
            .lock()
            .unwrap()
            .dm_blocked
            .insert(user.to_owned());
    }

    /// Sends a dispatch event (`INTERACTION_CREATE`, ...) to the connected bot.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut script = self.script.lock().unwrap();
        script.sequence += 1;
        let frame = json!({ "op": 0, "t": event, "s": script.sequence, "d": data });
        if let Some(gateway) = &script.gateway {
            let _ = gateway.send(Frame::Text(frame.to_string()));
        }
    }

    /// Closes the gateway connection with `code` (4000: unknown error, the client resumes).
    pub fn close_gateway(&self, code: u16) {
        let script = self.script.lock().unwrap();
        if let Some(gateway) = &script.gateway {
            let _ = gateway.send(Frame::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: "closed by the test".into(),
            })));
        }
    }

    /// The id of the last message the fake created.
    pub fn last_message_id(&self) -> String {
        self.script.lock().unwrap().next_id.to_string()
    }

    /// How many times the bot identified and resumed.
    pub fn sessions(&self) -> (usize, usize) {
        let script = self.script.lock().unwrap();
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

fn respond(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn error(status: StatusCode, code: i64, message: &str) -> Response<Full<Bytes>> {
    respond(status, json!({ "code": code, "message": message }))
}

fn bot_user() -> Value {
    json!({ "id": APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0 })
}

fn user(id: &str) -> Value {
    json!({ "id": id, "username": format!("user{id}"), "discriminator": "0", "avatar": null, "global_name": null })
}

fn message(id: &str, channel: &str, body: &Value) -> Value {
    json!({
        "id": id, "channel_id": channel,
        "author": { "id": "1300000000000000001", "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": body["embeds"].clone(), "pinned": false, "type": 0,
        "components": body["components"].clone(), "nonce": body["nonce"].clone()
    })
}

async fn answer(
    request: Request<hyper::body::Incoming>,
    requests: &Mutex<Vec<Recorded>>,
    script: &Mutex<Script>,
) -> Response<Full<Bytes>> {
    let method = request.method().to_string();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let path = request.uri().path().to_owned();
    let bytes = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    requests.lock().unwrap().push(Recorded {
        method: method.clone(),
        path: path.clone(),
        body: body.clone(),
    });
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let mut script = script.lock().unwrap();
    let app = APPLICATION_ID;
    let open = path.starts_with("/api/v10/interactions/") || path.starts_with("/api/v10/webhooks/");
    if !open && authorization != format!("Bot {}", script.token) {
        return error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => respond(StatusCode::OK, json!({ "url": script.gateway_url })),
        ("GET", ["gateway", "bot"]) => respond(
            StatusCode::OK,
            json!({
                "url": script.gateway_url, "shards": 1,
                "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 }
            }),
        ),
        ("GET", ["users", "@me"]) => respond(StatusCode::OK, bot_user()),
        ("GET", ["applications", _, "commands"])
        | ("GET", ["applications", _, "guilds", _, "commands"]) => {
            respond(StatusCode::OK, Value::Array(script.commands.clone()))
        }
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let commands: Vec<Value> = body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut command)| {
                    command["id"] = json!(format!("{}", 1_700_000_000_000_000_000u64 + i as u64));
                    command["application_id"] = json!(app);
                    command["version"] = json!("1");
                    if command.get("type").is_none() {
                        command["type"] = json!(1);
                    }
                    command
                })
                .collect();
            script.commands = commands.clone();
            respond(StatusCode::OK, Value::Array(commands))
        }
        ("PUT", ["channels", _, "messages", _, "reactions", _, "@me"]) => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::new(Bytes::new()))
            .unwrap(),
        ("POST", ["interactions", _, _, "callback"]) => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::new(Bytes::new()))
            .unwrap(),
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) => {
            script.next_id += 1;
            let id = script.next_id.to_string();
            respond(StatusCode::OK, message(&id, "1200000000000000011", &body))
        }
        ("GET", ["channels", id]) if script.forbidden.contains(*id) => {
            error(StatusCode::FORBIDDEN, 50001, "Missing Access")
        }
        ("GET", ["channels", id]) => respond(
            StatusCode::OK,
            json!({
                "id": id, "type": 0, "guild_id": "1100000000000000007", "name": "security-leads",
                "position": 0, "permission_overwrites": [], "nsfw": false, "parent_id": null,
                "topic": null, "last_message_id": null, "rate_limit_per_user": 0
            }),
        ),
        ("POST", ["users", "@me", "channels"]) => {
            let recipient = body["recipient_id"].as_str().unwrap_or_default().to_owned();
            // A DM channel id derived from the user's, so posts to it can be traced back.
            let channel = (recipient.parse::<u64>().unwrap_or(0) + DM_OFFSET).to_string();
            script
                .dm_channels
                .insert(channel.clone(), recipient.clone());
            respond(
                StatusCode::OK,
                json!({ "id": channel, "type": 1, "recipients": [user(&recipient)], "last_message_id": null }),
            )
        }
        ("POST", ["channels", id, "messages"]) => {
            if script.rate_limits > 0 {
                script.rate_limits -= 1;
                return Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header("content-type", "application/json")
                    .header("retry-after", "0.2")
                    .header("x-ratelimit-scope", "user")
                    .body(Full::new(Bytes::from(json!({"message": "You are being rate limited.", "retry_after": 0.2, "global": false}).to_string())))
                    .unwrap();
            }
            if script.forbidden.contains(*id) {
                return error(StatusCode::FORBIDDEN, 50001, "Missing Access");
            }
            if script
                .dm_channels
                .get(*id)
                .is_some_and(|user| script.dm_blocked.contains(user))
            {
                return error(
                    StatusCode::FORBIDDEN,
                    50007,
                    "Cannot send messages to this user",
                );
            }
            let nonce = body["nonce"].as_str().map(str::to_owned);
            if let (Some(nonce), true) = (&nonce, body["enforce_nonce"] == json!(true)) {
                if let Some(existing) = script.nonces.get(nonce) {
                    return respond(StatusCode::OK, message(existing, id, &body));
                }
            }
            script.next_id += 1;
            let message_id = script.next_id.to_string();
            if let Some(nonce) = nonce {
                script.nonces.insert(nonce, message_id.clone());
            }
            respond(StatusCode::OK, message(&message_id, id, &body))
        }
        _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
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
    script.lock().unwrap().gateway = Some(tx.clone());
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
                s.identifies += 1;
                s.sequence += 1;
                let ready = json!({ "op": 0, "t": "READY", "s": s.sequence, "d": {
                    "v": 10, "user": bot_user(), "guilds": [], "session_id": "fake-session",
                    "resume_gateway_url": s.gateway_url, "shard": [0, 1],
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

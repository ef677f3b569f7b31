//! A fake Discord REST API on 127.0.0.1, over TLS with a certificate for discord.com, so the real
//! serenity client (rate limiter included) can be pointed at it with `DISCORD_API_BASE`.
//! It records every request and can be told to answer 429 or refuse a channel.

use std::{
    collections::{HashMap, HashSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

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
    match (method.as_str(), parts.as_slice()) {
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

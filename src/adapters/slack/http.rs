//! Slack's HTTP mode: Slack POSTs to `/slack/commands` (slash commands, form-encoded),
//! `/slack/interactions` (buttons and modals, a form field `payload` holding JSON) and
//! `/slack/events` (the Events API, JSON, including the `url_verification` challenge).
//!
//! Every request's signature is checked first ([`SignatureCheck`], against the service's
//! clock); an unsigned, tampered or stale request gets 401 and nothing is read from it. A
//! valid one is answered 200 at once and its work handed on, as in Socket Mode: Slack wants
//! an answer within 3 seconds and retries (`X-Slack-Retry-Num`) otherwise; a retried event is
//! handled once, by its `event_id`.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};
use slack_morphism::prelude::*;

use super::{
    handler::Handler,
    signature::{SIGNATURE_HEADER, SignatureCheck, TIMESTAMP_HEADER},
};

/// What the routes share.
#[derive(Clone)]
struct Routes {
    handler: Arc<Handler>,
    check: Arc<SignatureCheck>,
}

/// Serves the routes on `listener` until `stop` completes, checking every request with
/// `signing_secret`.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    handler: Arc<Handler>,
    signing_secret: &secrecy::SecretString,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let routes = Routes {
        handler,
        check: Arc::new(SignatureCheck::new(signing_secret)),
    };
    axum::serve(listener, router(routes))
        .with_graceful_shutdown(stop)
        .await
}

/// The three routes Slack calls in HTTP mode.
fn router(routes: Routes) -> Router {
    Router::new()
        .route("/slack/commands", post(commands))
        .route("/slack/interactions", post(interactions))
        .route("/slack/events", post(events))
        .with_state(routes)
}

/// Whether the request is signed by Slack; a refusal is logged (without the body).
fn verified(routes: &Routes, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let now = routes.handler.now();
    let checked = routes.check.verify(
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        body,
        now,
    );
    if let Err(err) = &checked {
        tracing::warn!(error = %err, "refused a Slack request");
    }
    checked.is_ok()
}

/// The answer to a request that is not signed by Slack.
fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, "invalid signature").into_response()
}

/// A form-encoded body as a JSON object of its fields.
fn form(body: &[u8]) -> Value {
    Value::Object(
        url::form_urlencoded::parse(body)
            .map(|(key, value)| (key.into_owned(), Value::String(value.into_owned())))
            .collect(),
    )
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("unreadable {what}")).into_response()
}

async fn commands(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if !verified(&routes, &headers, &body) {
        return unauthorized();
    }
    match serde_json::from_value::<SlackCommandEvent>(form(&body)) {
        Ok(event) => {
            routes.handler.hand_on_command(event);
            StatusCode::OK.into_response()
        }
        Err(_) => bad_request("slash command"),
    }
}

async fn interactions(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if !verified(&routes, &headers, &body) {
        return unauthorized();
    }
    let payload = form(&body)["payload"].as_str().map(serde_json::from_str);
    match payload {
        Some(Ok(event)) => {
            routes.handler.hand_on_interaction(event);
            StatusCode::OK.into_response()
        }
        _ => bad_request("interaction"),
    }
}

async fn events(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if !verified(&routes, &headers, &body) {
        return unauthorized();
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("event");
    };
    match value["type"].as_str() {
        // Slack checks the request URL once with a challenge to echo (Slack: url_verification).
        Some("url_verification") => {
            Json(json!({ "challenge": value["challenge"] })).into_response()
        }
        Some("event_callback") => match serde_json::from_value::<SlackPushEventCallback>(value) {
            Ok(event) => {
                routes.handler.hand_on_push(event);
                StatusCode::OK.into_response()
            }
            Err(_) => bad_request("event"),
        },
        _ => StatusCode::OK.into_response(),
    }
}

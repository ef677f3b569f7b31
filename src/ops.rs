//! What operators see: `/healthz` (the process is up), `/readyz` (the database answers and every
//! configured chat platform is connected) and Prometheus `/metrics`, served on
//! `SHIFTCOACH_HTTP_ADDR` by `shiftcoach run`.

use std::{
    collections::BTreeMap,
    future::Future,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use tokio::net::TcpListener;

use crate::storage::{Platform, Storage};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    kind: String,
}

/// The service's counters and latency histogram.
pub struct Metrics {
    registry: Registry,
    commands: Family<CommandLabels, Counter>,
    nudges_sent: Counter,
    failures: Family<FailureLabels, Counter>,
    latency: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("shiftcoach");
        let commands = Family::<CommandLabels, Counter>::default();
        let nudges_sent = Counter::default();
        let failures = Family::<FailureLabels, Counter>::default();
        // 5 ms to about 20 s: a slash command must be answered (or deferred) within 3 s.
        let latency = Histogram::new(exponential_buckets(0.005, 2.0, 13));
        registry.register(
            "commands_handled",
            "Slash commands handled, by command",
            commands.clone(),
        );
        registry.register(
            "nudges_sent",
            "Scheduled nudges delivered",
            nudges_sent.clone(),
        );
        registry.register(
            "failures",
            "Failures, by kind (command, send, platform)",
            failures.clone(),
        );
        registry.register(
            "answer_latency_seconds",
            "Time from a platform event arriving to its answer being sent",
            latency.clone(),
        );
        Self {
            registry,
            commands,
            nudges_sent,
            failures,
            latency,
        }
    }
}

impl Metrics {
    pub fn command_handled(&self, command: &str) {
        self.commands
            .get_or_create(&CommandLabels {
                command: command.to_owned(),
            })
            .inc();
    }

    pub fn nudge_sent(&self) {
        self.nudges_sent.inc();
    }

    pub fn failure(&self, kind: &str) {
        self.failures
            .get_or_create(&FailureLabels {
                kind: kind.to_owned(),
            })
            .inc();
    }

    pub fn observe_latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Which configured platforms are connected right now.
#[derive(Debug, Default)]
pub struct Readiness {
    platforms: Mutex<BTreeMap<Platform, bool>>,
}

impl Readiness {
    /// Registers a platform as configured (and not yet connected).
    pub fn expect(&self, platform: Platform) {
        self.lock().entry(platform).or_insert(false);
    }

    pub fn set_connected(&self, platform: Platform, connected: bool) {
        self.lock().insert(platform, connected);
    }

    /// The configured platforms that are not connected.
    pub fn disconnected(&self) -> Vec<Platform> {
        self.lock()
            .iter()
            .filter(|(_, connected)| !**connected)
            .map(|(platform, _)| *platform)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Platform, bool>> {
        // A map of booleans cannot be left half-written by a panic.
        self.platforms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the endpoints look at.
#[derive(Debug, Clone)]
pub struct OpsState {
    pub storage: Storage,
    pub metrics: Arc<Metrics>,
    pub readiness: Arc<Readiness>,
}

/// The operations routes.
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// How long `/readyz` waits for the database before answering 503.
pub const READY_DATABASE_WAIT: std::time::Duration = std::time::Duration::from_millis(800);

async fn ready(State(state): State<OpsState>) -> impl IntoResponse {
    let mut problems = Vec::new();
    // An orchestrator's probe gives up after a second or so: answer within it.
    match tokio::time::timeout(READY_DATABASE_WAIT, state.storage.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => problems.push(format!("database: {err}")),
        Err(_) => problems.push(format!(
            "database: no answer within {} ms",
            READY_DATABASE_WAIT.as_millis()
        )),
    }
    for platform in state.readiness.disconnected() {
        problems.push(format!("{platform}: not connected"));
    }
    if problems.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready\n{}\n", problems.join("\n")),
        )
    }
}

async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

/// Serves the operations endpoints on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: OpsState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for SIGTERM; Ctrl-C still works");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutdown requested");
}

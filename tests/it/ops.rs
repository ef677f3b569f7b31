//! The operations endpoints, served for real on a loopback port.

use std::sync::Arc;

use shiftcoach::{
    ops::{Metrics, OpsState, Readiness, serve},
    storage::Platform,
};

use crate::support::TestDb;

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let db = TestDb::sqlite().await;
    let metrics = Arc::new(Metrics::default());
    let readiness = Arc::new(Readiness::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        OpsState {
            storage: db.storage.clone(),
            metrics: metrics.clone(),
            readiness: readiness.clone(),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{base}{path}")).send();

    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 200);

    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    readiness.expect(Platform::Discord);
    let waiting = get("/readyz").await.unwrap();
    assert_eq!(waiting.status(), 503);
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .contains("discord: not connected")
    );
    readiness.set_connected(Platform::Discord, true);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);

    metrics.command_handled("journal");
    metrics.nudge_sent();
    metrics.failure("send");
    metrics.observe_latency(0.120);
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    for line in [
        "shiftcoach_commands_handled_total{command=\"journal\"} 1",
        "shiftcoach_nudges_sent_total 1",
        "shiftcoach_failures_total{kind=\"send\"} 1",
        "shiftcoach_answer_latency_seconds_count 1",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }

    db.storage.close().await;
    let closed = get("/readyz").await.unwrap();
    assert_eq!(closed.status(), 503, "a closed database is not ready");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

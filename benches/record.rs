//! Recording a reply through the core (a `/reflect` with text, as a person sends it: the
//! person's record, the reflection, its count and their pending notices) next to a plain
//! single-row insert of the same size into a table of the same shape, on the same PostgreSQL
//! database, with 1 and with 8 writers at once. Needs `DATABASE_URL` pointing at a PostgreSQL
//! server where the user may create databases (`./scripts/test` starts one); it creates and
//! drops its own database.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use shiftcoach::{
    clock::SystemClock,
    config::DatabaseUrl,
    core::{Actor, Coach, CoachSettings, Interaction, InteractionKind, Platform},
    storage::{ConnectOptions, Storage},
};
use sqlx::{Executor, PgPool};

mod common;
use common::BenchDatabase;

/// Replies recorded per measured batch, shared among the writers.
const BATCH: usize = 400;
/// The text of each reply: a typical short answer.
const TEXT: &str = "We pushed the audit to next quarter and named the owner of the exception; the team now knows who decides.";

struct Bench {
    coach: Arc<Coach>,
    plain: PgPool,
    database: BenchDatabase,
}

async fn setup() -> Bench {
    let database = BenchDatabase::create("record").await;
    let url = DatabaseUrl::parse(&database.url).expect("a database URL");
    // The same pool size for both sides.
    let options = ConnectOptions::default();
    let storage = Storage::connect(&url, options).await.expect("connect");
    storage.migrate().await.expect("migrate");
    let plain = sqlx::postgres::PgPoolOptions::new()
        .max_connections(options.max_connections)
        .connect(&database.url)
        .await
        .expect("connect");
    plain
        .execute(
            "CREATE TABLE plain_reflections (LIKE reflections INCLUDING DEFAULTS);
             ALTER TABLE plain_reflections ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
        )
        .await
        .expect("the comparison table");
    let catalog = Arc::new(shiftcoach::content::Catalog::embedded().expect("the catalog"));
    let coach = Arc::new(Coach::new(
        storage,
        catalog,
        Arc::new(SystemClock),
        CoachSettings::default(),
    ));
    Bench {
        coach,
        plain,
        database,
    }
}

async fn teardown(bench: Bench) {
    bench.plain.close().await;
    bench.coach.storage().close().await;
    bench.database.drop_it().await;
}

fn reflect(writer: usize) -> Interaction {
    Interaction {
        actor: Actor {
            platform: Platform::Slack,
            workspace: "T1".into(),
            user_id: format!("U{writer:04}"),
            display_name: format!("writer {writer}"),
            zone: Some(chrono_tz::Europe::Berlin),
            is_admin: false,
            roles: Vec::new(),
        },
        channel: "D1".into(),
        kind: InteractionKind::command("reflect", TEXT),
    }
}

/// `BATCH` replies through the core, spread over `writers` tasks.
async fn through_the_core(coach: &Arc<Coach>, writers: usize) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let coach = coach.clone();
            tokio::spawn(async move {
                let interaction = reflect(writer);
                for _ in 0..BATCH / writers {
                    let answer = coach.handle(&interaction).await;
                    assert_eq!(
                        answer[0].message.title.as_deref(),
                        Some("Reflection saved"),
                        "{answer:?}"
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a writer");
    }
    start.elapsed()
}

/// `BATCH` plain single-row inserts of the same shape and size, spread over `writers` tasks.
async fn plain_inserts(pool: &PgPool, writers: usize) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..BATCH / writers {
                    sqlx::query(
                        "INSERT INTO plain_reflections (user_id, channel, source, body, created_at) VALUES ($1, $2, 'command', $3, $4)",
                    )
                    .bind(writer as i64 + 1)
                    .bind("D1")
                    .bind(TEXT)
                    .bind(Utc::now())
                    .execute(&pool)
                    .await
                    .expect("insert");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a writer");
    }
    start.elapsed()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let bench = runtime.block_on(setup());
    let mut group = c.benchmark_group("recording a reply (PostgreSQL)");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(BATCH as u64));
    for writers in [1, 8] {
        group.bench_function(format!("through the core, {writers} writer(s)"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| runtime.block_on(through_the_core(&bench.coach, writers)))
                    .sum()
            })
        });
        group.bench_function(format!("plain insert, {writers} writer(s)"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| runtime.block_on(plain_inserts(&bench.plain, writers)))
                    .sum()
            })
        });
    }
    group.finish();
    runtime.block_on(teardown(bench));
}

criterion_group!(record, benches);

fn main() {
    record();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

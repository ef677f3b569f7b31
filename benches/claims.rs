//! Claiming at scale on PostgreSQL: 10,000 schedules due in the same minute, found and claimed
//! the way the scheduler does it (batches of 500, each one transaction with
//! `FOR UPDATE SKIP LOCKED`), next to a plain bulk insert of the same number of rows into a table
//! of the same shape. Needs `DATABASE_URL` pointing at a PostgreSQL server where the user may
//! create databases (`./scripts/test` starts one); it creates and uses its own database.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, SamplingMode, criterion_group};
use shiftcoach::{
    config::DatabaseUrl,
    scheduler,
    storage::{ConnectOptions, Storage},
};
use sqlx::{Connection, Executor, PgConnection, QueryBuilder};

mod common;
use common::BenchDatabase;

const SCHEDULES: i64 = 10_000;
const BATCH: i64 = 500;

fn due() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0)
        .single()
        .expect("a valid time")
}

struct Bench {
    storage: Storage,
    conn: PgConnection,
    database: BenchDatabase,
}

async fn setup() -> Bench {
    let database = BenchDatabase::create("claims").await;
    let url = url::Url::parse(&database.url).expect("a URL");
    let parsed = DatabaseUrl::parse(url.as_str()).expect("a database URL");
    let storage = Storage::connect(&parsed, ConnectOptions::default())
        .await
        .expect("connect");
    storage.migrate().await.expect("migrate");
    let mut conn = PgConnection::connect(url.as_str()).await.expect("connect");
    conn.execute(
        "CREATE TABLE plain_rows (LIKE deliveries INCLUDING DEFAULTS);
         ALTER TABLE plain_rows ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
    )
    .await
    .expect("the comparison table");
    sqlx::query(
        "INSERT INTO schedules (platform, workspace, channel, cron, label, zone, mix, next_due, created_at)
         SELECT 'slack', 'T1', 'C' || g, '0 9 * * 1-5', 'weekdays 09:00', 'Europe/Berlin', 'models', $1, $1
         FROM generate_series(1, $2) AS g",
    )
    .bind(due())
    .bind(SCHEDULES)
    .execute(&mut conn)
    .await
    .expect("10,000 schedules");
    Bench {
        storage,
        conn,
        database,
    }
}

/// Drops the benchmark's database.
async fn teardown(bench: Bench) {
    bench.storage.close().await;
    let _ = bench.conn.close().await;
    bench.database.drop_it().await;
}

/// Puts every schedule back to due, with no deliveries.
async fn reset(bench: &mut Bench) {
    bench
        .conn
        .execute("TRUNCATE deliveries, plain_rows CASCADE")
        .await
        .expect("truncate");
    sqlx::query("UPDATE schedules SET next_due = $1")
        .bind(due())
        .execute(&mut bench.conn)
        .await
        .expect("reset");
}

/// Finds and claims every due schedule as the scheduler does; returns how many.
async fn claim_all(storage: &Storage) -> usize {
    let now = due() + chrono::Duration::seconds(5);
    let grace = chrono::Duration::hours(2);
    let mut claimed = 0;
    let mut cache = scheduler::PlanCache::default();
    loop {
        let handled = storage
            .claim_due(now, BATCH, |schedule| {
                scheduler::plan(schedule, now, grace, &[], &mut cache)
            })
            .await
            .expect("claim");
        claimed += handled;
        if handled < BATCH as usize {
            return claimed;
        }
    }
}

/// The same number of rows, in the same shape, inserted in 1,000-row statements.
async fn bulk_insert(conn: &mut PgConnection) {
    let at = due();
    let rows: Vec<i64> = (1..=SCHEDULES).collect();
    for chunk in rows.chunks(1000) {
        let mut insert = QueryBuilder::new(
            "INSERT INTO plain_rows (schedule_id, occurrence, state, note, lease_until, created_at) ",
        );
        insert.push_values(chunk, |mut row, id| {
            row.push_bind(*id)
                .push_bind(at)
                .push_bind("pending")
                .push_bind(None::<String>)
                .push_bind(at)
                .push_bind(at);
        });
        insert
            .build()
            .execute(&mut *conn)
            .await
            .expect("bulk insert");
    }
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut bench = runtime.block_on(setup());
    let mut group = c.benchmark_group("10,000 schedules due in one minute (PostgreSQL)");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("find and claim all", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                runtime.block_on(reset(&mut bench));
                let start = Instant::now();
                let claimed = runtime.block_on(claim_all(&bench.storage));
                total += start.elapsed();
                assert_eq!(claimed, SCHEDULES as usize);
            }
            total
        })
    });
    group.bench_function("plain bulk insert of 10,000 rows", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                runtime.block_on(reset(&mut bench));
                let start = Instant::now();
                runtime.block_on(bulk_insert(&mut bench.conn));
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
    runtime.block_on(teardown(bench));
}

criterion_group!(claims, benches);

fn main() {
    claims();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

//! The one storage API the rest of shiftcoach uses, over two sqlx backends: PostgreSQL (what
//! teams deploy; several replicas may share it) and SQLite (the embedded zero-setup default).
//!
//! All SQL lives in this module's files, one per kind of record. Queries are written once in the
//! dialect both engines accept (`$1` parameters, `RETURNING`) and run on either pool through
//! [`with_pool!`]; where the engines differ, a function matches on the backend itself.

mod checkins;
mod confirmations;
mod decisions;
mod deliveries;
mod events;
mod mydata;
mod notices;
mod reflections;
mod schedules;
mod state;
mod users;
mod views;

use std::{collections::HashSet, str::FromStr, time::Duration};

use sqlx::{
    Connection,
    migrate::{Migrate, Migrator},
    postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};
use tokio::time::Instant;

pub use crate::config::Backend;
use crate::config::DatabaseUrl;
pub use checkins::{Checkin, CheckinAnswer, CheckinPair, CheckinState, NewPair, PairState, Rating};
pub use confirmations::ConfirmationOutcome;
pub use decisions::{Decision, NewDecision, Outcome};
pub use deliveries::{ClaimPlan, DeliveryRecord, DeliveryState, LeasedDelivery, PlannedDelivery};
pub use mydata::DeletedCounts;
pub use notices::PendingNotice;
pub use reflections::{NewReflection, RecordedReflection, Reflection, ReflectionSource};
pub use schedules::{ChannelAddress, NewSchedule, Purpose, QuietPeriod, Schedule, Target};
pub use users::{Identity, Platform, SeenUser, UserId};

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");

/// A storage failure. Messages are safe to log: they never carry user-written text.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot reach the database at {url} (gave up after {waited_secs}s): {reason}")]
    Unreachable {
        url: String,
        waited_secs: u64,
        reason: String,
    },
    #[error("the database at {url} refused the connection: {reason}")]
    Rejected { url: String, reason: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("applying migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
}

/// How long a query waits for a PostgreSQL connection before failing as unavailable: short,
/// so that while the server is down a person hears "try again in a moment" within about two
/// seconds instead of waiting, and `/readyz` can answer within a second.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl StorageError {
    /// Whether the database could not be reached (down, restarting, unreachable), as opposed
    /// to refusing a query: waiting may fix it, and what was asked can be tried again.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Database(err) => {
                is_transient(err)
                    || matches!(err, sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed)
                    || matches!(err, sqlx::Error::Database(db) if db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code == "57P01" || code == "57P02"))
            }
            _ => false,
        }
    }
}

/// A migration applied by [`Storage::migrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    pool: Pool,
}

#[derive(Clone, Debug)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs the same query code on whichever pool the storage holds. The body is expanded once per
/// backend, so each copy is type-checked against its own driver.
macro_rules! with_pool {
    ($storage:expr, |$pool:ident| $body:expr) => {
        match &$storage.pool {
            $crate::storage::Pool::Postgres($pool) => $body,
            $crate::storage::Pool::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Lets an enum with `fn parse(&str) -> Option<Self>` be read straight from a TEXT column on
/// either engine; a name it does not know is a decode error. Enums are bound with `as_str()`.
macro_rules! stored_as_text {
    ($type:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $type
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $type
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let name = <&str as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::parse(name)
                    .ok_or_else(|| format!("unknown {} {name:?}", stringify!($type)).into())
            }
        }
    };
}
pub(crate) use stored_as_text;

/// Tuning for [`Storage::connect`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// How long to keep retrying an unreachable database before giving up.
    pub retry_for: Duration,
    /// Most connections the pool opens.
    pub max_connections: u32,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            retry_for: Duration::from_secs(30),
            max_connections: 10,
        }
    }
}

impl Storage {
    /// Connects to the database, retrying with backoff while it is unreachable, for at most
    /// `options.retry_for`. Creates the SQLite file (and its folder) when missing. Errors that
    /// waiting cannot fix (a wrong password, a missing database) are reported at once.
    pub async fn connect(url: &DatabaseUrl, options: ConnectOptions) -> Result<Self, StorageError> {
        let started = Instant::now();
        let deadline = started + options.retry_for;
        let mut delay = Duration::from_millis(200);
        loop {
            let budget = deadline
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_secs(1), Duration::from_secs(10));
            let attempt =
                tokio::time::timeout(budget, Self::connect_once(url, options.max_connections));
            let err = match attempt.await {
                Ok(Ok(storage)) => return Ok(storage),
                Ok(Err(err)) => err,
                Err(_) => sqlx::Error::PoolTimedOut,
            };
            if !is_transient(&err) {
                return Err(StorageError::Rejected {
                    url: url.to_string(),
                    reason: err.to_string(),
                });
            }
            if Instant::now() >= deadline {
                let reason = match err {
                    sqlx::Error::PoolTimedOut => format!("no answer within {}s", budget.as_secs()),
                    other => other.to_string(),
                };
                return Err(StorageError::Unreachable {
                    url: url.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                    reason,
                });
            }
            tracing::warn!(database = %url, error = %err, retry_in_ms = delay.as_millis() as u64, "database unreachable, retrying");
            tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// One attempt: a first connection is opened directly, so that a failure reports its real
    /// cause (connection refused, bad password) rather than a pool time-out.
    async fn connect_once(url: &DatabaseUrl, max_connections: u32) -> Result<Self, sqlx::Error> {
        let pool = match url.backend() {
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url.expose())?;
                PgConnection::connect_with(&options).await?.close().await?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(max_connections)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .connect_lazy_with(options),
                )
            }
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url.expose())?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    // Freed pages are overwritten with zeros, so deleted text leaves no trace.
                    .pragma("secure_delete", "ON");
                crate::files::prepare_database_file(options.get_filename())
                    .map_err(sqlx::Error::Io)?;
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(max_connections)
                        .acquire_timeout(Duration::from_secs(10))
                        .connect_with(options)
                        .await?,
                )
            }
        };
        Ok(Self { pool })
    }

    /// Which engine this storage runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the embedded migrations that the database has not seen yet and returns them.
    /// Safe to run from several replicas at once: sqlx takes a database lock while migrating.
    pub async fn migrate(&self) -> Result<Vec<AppliedMigration>, StorageError> {
        let (migrator, before) = match &self.pool {
            Pool::Postgres(pool) => (
                &POSTGRES_MIGRATIONS,
                migrate_locked(pool, &POSTGRES_MIGRATIONS).await?,
            ),
            Pool::Sqlite(pool) => (
                &SQLITE_MIGRATIONS,
                migrate_locked(pool, &SQLITE_MIGRATIONS).await?,
            ),
        };
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !before.contains(&m.version))
            .map(|m| AppliedMigration {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StorageError> {
        with_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection, waiting for queries in flight.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await);
    }
}

/// Whether waiting could fix a connection error: the server is down, starting or unreachable.
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => true,
        // 57P03: the server is starting up or shutting down.
        sqlx::Error::Database(db) => db.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

/// Applies `migrator` on one connection while holding the database's migration lock (on
/// PostgreSQL an advisory lock, so replicas starting together wait for each other instead of
/// racing to create the migrations table; SQLite's file lock does the same), and returns the
/// versions that were applied before.
async fn migrate_locked<DB>(
    pool: &sqlx::Pool<DB>,
    migrator: &Migrator,
) -> Result<HashSet<i64>, StorageError>
where
    DB: sqlx::Database,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Acquire<'c, Database = DB>,
{
    let mut conn = pool.acquire().await?;
    conn.lock().await?;
    let applied = async {
        conn.ensure_migrations_table().await?;
        let before: HashSet<i64> = conn
            .list_applied_migrations()
            .await?
            .into_iter()
            .map(|m| m.version)
            .collect();
        // sqlx locks again (advisory locks nest within a session) and unlocks its own.
        migrator.run(&mut *conn).await?;
        Ok::<_, StorageError>(before)
    }
    .await;
    let unlocked = conn.unlock().await;
    let before = applied?;
    unlocked?;
    Ok(before)
}

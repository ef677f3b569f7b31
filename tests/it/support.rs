//! Test databases. SQLite lives in a temporary folder; PostgreSQL tests each get a fresh
//! database on the server named by `DATABASE_URL` (`scripts/test` starts a throwaway one).

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU32, Ordering},
};

use shiftcoach::{
    config::DatabaseUrl,
    content::Catalog,
    storage::{ConnectOptions, Storage},
};
use sqlx::{Connection, Executor, PgConnection};

/// The shipped catalog, loaded once for all tests.
pub fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| Arc::new(Catalog::embedded().expect("the shipped catalog is valid")))
        .clone()
}

/// A migrated database for one test, and what keeps it alive.
pub struct TestDb {
    pub storage: Storage,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::sqlite_in(dir.path());
        Self::open(url, Some(dir)).await
    }

    pub async fn postgres() -> Self {
        let url = DatabaseUrl::parse(&fresh_postgres_database().await).unwrap();
        Self::open(url, None).await
    }

    /// The folder holding the SQLite database files; `None` on PostgreSQL.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(tempfile::TempDir::path)
    }

    async fn open(url: DatabaseUrl, dir: Option<tempfile::TempDir>) -> Self {
        let options = ConnectOptions {
            max_connections: 4,
            ..ConnectOptions::default()
        };
        let storage = Storage::connect(&url, options).await.unwrap();
        storage.migrate().await.unwrap();
        Self { storage, _dir: dir }
    }
}

/// The admin URL of the PostgreSQL server the tests use. Never skips: without one the test
/// fails and says how to get a server.
pub fn postgres_admin_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => panic!(
            "the PostgreSQL tests need a server: run ./scripts/test, which starts a throwaway \
             cluster, or set DATABASE_URL=postgres://user:pass@host:5432/postgres for a server \
             where that user may create databases"
        ),
    }
}

/// Creates an empty database with a unique name and returns its URL.
pub async fn fresh_postgres_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin = postgres_admin_url();
    let name = format!(
        "shiftcoach_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|err| panic!("cannot connect to DATABASE_URL for the tests: {err}"));
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Defines each listed `async fn name(db: TestDb)` as two tests, `sqlite::name` and
/// `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::TestDb::postgres().await).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
